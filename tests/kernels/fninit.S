/* SPDX-License-Identifier: MIT */
/*
 * fninit.elf: print a line, then initialise the x87 the way the `finit`
 * mnemonic does: fwait (9b) followed by fninit (db e3).  PVM emulates guest
 * kernel-mode code and its emulator lacks fwait -> KVM_EXIT_INTERNAL_ERROR,
 * so charlie should exit 3 naming PVM.  (Measured on this PVM host: a bare
 * fninit, db e3, is emulated and survives; fwait, fnstsw %ax, fld1,
 * popcnt, clac, int3 and xgetbv all fail.)  On real KVM it survives,
 * prints a second line and resets (exit 0).
 */
#include "tiny.h"

	.code32
	.section .text.entry, "ax"
	.globl _start
_start:
	PUTS msg
	finit			/* 9b db e3: fwait; fninit */
	PUTS survived
	RESET

	.section .rodata
msg:	.asciz "about to fninit\n"
survived:
	.asciz "survived fninit\n"

	PVH_NOTE _start
