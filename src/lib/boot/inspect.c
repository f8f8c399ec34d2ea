// SPDX-License-Identifier: MIT
/* charlie_kernel_inspect(): what `charlie check-kernel` reports. */
#include "kernel.h"
#include "err.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>

int charlie_kernel_inspect(const char *path, uint64_t memory,
			   const char *cmdline, const char *initrd,
			   struct charlie_kernel_report *rep)
{
	struct kernel_image img;
	uint64_t initrd_size = 0;
	struct stat st;
	int ret;

	memset(rep, 0, sizeof(*rep));
	if (!path)
		return err_set(&rep->err, CHARLIE_E_NO_KERNEL, "kernel",
			       "no kernel given");
	ret = kernel_read_file(path, &img, &rep->err);
	if (ret)
		return ret;
	ret = kernel_probe(&img, rep);
	if (ret)
		goto out;
	if (initrd) {
		/* Only the size matters here: stat, do not read. */
		if (stat(initrd, &st) < 0) {
			ret = err_set(&rep->err, CHARLIE_E_INITRD, "initrd",
				      "initrd %s: %s", initrd, strerror(errno));
			goto out;
		}
		if (!S_ISREG(st.st_mode)) {
			ret = err_set(&rep->err, CHARLIE_E_INITRD, "initrd",
				      "initrd %s: not a regular file", initrd);
			goto out;
		}
		initrd_size = (uint64_t)st.st_size;
	}
	ret = kernel_check_fit(rep, path, memory, cmdline ? strlen(cmdline) : 0,
			       initrd_size, &rep->err);
out:
	rep->bootable = ret == 0;
	kernel_image_free(&img);
	return ret;
}
