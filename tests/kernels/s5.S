/* SPDX-License-Identifier: MIT */
/* s5.elf: say so on COM1, then power off through ACPI: SLP_TYP = S5 and
 * SLP_EN in PM1a_CNT (charlie exits 0, "guest powered off"). */
#include "tiny.h"

	.code32
	.section .text.entry, "ax"
	.globl _start
_start:
	PUTS msg
	S5_OFF

	.section .rodata
msg:	.asciz "powering off through ACPI S5\n"

	PVH_NOTE _start
