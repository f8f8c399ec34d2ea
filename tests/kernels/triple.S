/* SPDX-License-Identifier: MIT */
/* triple.elf: print a line (so the crash report's "last console lines"
 * has content), load an IDT with limit 0 and execute ud2.  The #UD cannot
 * be delivered (vector 6 lies beyond the limit) -> #GP, which cannot be
 * delivered either -> #DF -> shutdown (SDM Vol. 3A 6.15, "Double Fault
 * Exception"), i.e. KVM_EXIT_SHUTDOWN: charlie exits 3. */
#include "tiny.h"

	.code32
	.section .text.entry, "ax"
	.globl _start
_start:
	PUTS msg
	lidt empty_idt
	ud2
	RESET			/* not reached */

	.section .rodata
	.balign 8
empty_idt:
	.word 0			/* limit: no vector fits */
	.long 0			/* base */
msg:	.asciz "about to triple fault\n"

	PVH_NOTE _start
