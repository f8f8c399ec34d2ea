/* SPDX-License-Identifier: MIT */
/* latelisten.elf: like listen.elf, but enables the power button only
 * after a byte arrives on the console (the host decides when the guest
 * starts listening: tests of the held press and of can_request_stop). */
#include "tiny.h"

	.code32
	.section .text.entry, "ax"
	.globl _start
_start:
	PUTS waiting_msg
	WAIT_CONSOLE_BYTE
	LISTEN
	PUTS pressed_msg
	S5_OFF

	.section .rodata
waiting_msg:	.asciz "waiting for a console byte\n"
listening_msg:	.asciz "listening\n"
pressed_msg:	.asciz "power button pressed\n"

	PVH_NOTE _start
