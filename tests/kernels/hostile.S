/* SPDX-License-Identifier: MIT */
/* hostile.elf: the PVH wrapper around hostile.c's flat 32-bit body
 * ($(BUILD)/tests/kernels/hostile32.bin), whose first byte is its entry
 * (hostile_entry: a stack, then hostile_main, then reset). */
#include "tiny.h"

	.code32
	.section .text.entry, "ax"
	.globl _start
_start:
	.incbin HOSTILE_BIN

	PVH_NOTE _start
