/* SPDX-License-Identifier: MIT */
/* listen.elf: a guest that listens for the power button: enable
 * PWRBTN_EN, print "listening", wait for PWRBTN_STS, print "power button
 * pressed", power off through S5 (charlie exits 0 after SIGTERM). */
#include "tiny.h"

	.code32
	.section .text.entry, "ax"
	.globl _start
_start:
	LISTEN
	PUTS pressed_msg
	S5_OFF

	.section .rodata
listening_msg:	.asciz "listening\n"
pressed_msg:	.asciz "power button pressed\n"

	PVH_NOTE _start
