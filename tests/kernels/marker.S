/* SPDX-License-Identifier: MIT */
/* marker.elf: write the boot marker (0x7b to port 0x4f0) first thing, say
 * so on COM1, then reset.  `charlie run --timeline` should show the
 * "boot marker" phase. */
#include "tiny.h"

	.code32
	.section .text.entry, "ax"
	.globl _start
_start:
	BOOT_MARKER
	PUTS msg
	RESET

	.section .rodata
msg:	.asciz "marker written\n"

	PVH_NOTE _start
