/* SPDX-License-Identifier: MIT */
/* fninit.elf: print a line, then execute fninit (x87).  PVM's emulator of
 * guest kernel-mode code lacks it -> KVM_EXIT_INTERNAL_ERROR, and charlie
 * should exit 3 naming PVM.  On real KVM it survives and resets (exit 0). */
#include "tiny.h"

	.code32
	.section .text.entry, "ax"
	.globl _start
_start:
	PUTS msg
	fninit
	PUTS survived
	RESET

	.section .rodata
msg:	.asciz "about to fninit\n"
survived:
	.asciz "survived fninit\n"

	PVH_NOTE _start
