/* SPDX-License-Identifier: MIT */
/* hello.elf: the positive control.  Print one line on COM1, then reset
 * through the i8042 (charlie exits 0). */
#include "tiny.h"

	.code32
	.section .text.entry, "ax"
	.globl _start
_start:
	PUTS msg
	RESET

	.section .rodata
msg:	.asciz "hello from tiny kernel\n"

	PVH_NOTE _start
