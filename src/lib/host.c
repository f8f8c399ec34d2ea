// SPDX-License-Identifier: MIT
#include "charlie.h"

#include <unistd.h>

/* PVM registers its module as kvm_pvm; design.md section 6. */
bool charlie_host_is_pvm(void)
{
	return access("/sys/module/kvm_pvm", F_OK) == 0;
}
