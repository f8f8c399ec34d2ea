/* SPDX-License-Identifier: MIT */
/* acpireset.elf: reset through the FADT reset register (the value to its
 * I/O port), as Linux's default reboot does first (charlie exits 0,
 * "guest rebooted (ACPI reset)"). */
#include "tiny.h"

	.code32
	.section .text.entry, "ax"
	.globl _start
_start:
	PUTS msg
	mov $TINY_ACPI_RESET, %dx
	mov $TINY_ACPI_RESET_VALUE, %al
	outb %al, %dx
1:	cli
	hlt
	jmp 1b

	.section .rodata
msg:	.asciz "resetting through the ACPI reset register\n"

	PVH_NOTE _start
