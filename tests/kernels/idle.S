/* SPDX-License-Identifier: MIT */
/* idle.elf: print "idle" and halt forever with interrupts off, so the VMM
 * stays up with the guest fully booted (bench/startup.sh samples the
 * VMM's memory then kills it). */
#include "tiny.h"

	.code32
	.section .text.entry, "ax"
	.globl _start
_start:
	PUTS msg
1:	cli
	hlt
	jmp 1b

	.section .rodata
msg:	.asciz "idle\n"

	PVH_NOTE _start
