/* SPDX-License-Identifier: MIT */
/* spam.elf: print a line on COM1 forever, so a console reader that stops
 * reading fills every buffer between the guest and it (the stalled-console
 * test: a forced stop must still finish). */
#include "tiny.h"

	.code32
	.section .text.entry, "ax"
	.globl _start
_start:
	BOOT_MARKER
	cld
	mov $TINY_COM1, %dx
9:	mov $msg, %esi
	mov $(msgend - msg), %ecx
	rep outsb		/* many bytes per exit: fills buffers fast */
	jmp 9b

	.section .rodata
msg:	.ascii "spam spam spam spam spam spam spam spam spam spam spam spam\n"
msgend:

	PVH_NOTE _start
