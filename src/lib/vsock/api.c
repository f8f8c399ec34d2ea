// SPDX-License-Identifier: MIT
/* The public vsock API (charlie.h), on the VM's vsock engine. */
#include "vm.h"
#include "vsock.h"

#include <errno.h>

static struct vsock_engine *engine_of(struct charlie_vm *cvm)
{
	return cvm ? ((struct vm *)cvm)->host.vsock : NULL;
}

int charlie_vm_vsock_connect(struct charlie_vm *cvm, uint32_t port, int *fd_out)
{
	struct vsock_engine *e = engine_of(cvm);

	*fd_out = -1;
	if (!e)
		return -ENODEV;
	if (charlie_vm_state(cvm) != CHARLIE_STATE_RUNNING)
		return -ENOTCONN;
	return vsock_connect(e, port, fd_out);
}

int charlie_vm_vsock_listen(struct charlie_vm *cvm, uint32_t port,
			    void (*cb)(void *opaque, int fd,
				       uint32_t guest_port),
			    void *opaque)
{
	struct vsock_engine *e = engine_of(cvm);

	return e ? vsock_listen(e, port, cb, opaque) : -ENODEV;
}
