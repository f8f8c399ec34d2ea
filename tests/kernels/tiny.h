/* SPDX-License-Identifier: MIT */
/*
 * Shared pieces of the tiny PVH test kernels (assembler only).
 *
 * Each kernel is a 32-bit entry point reached through the PVH boot ABI
 * (xen/include/public/arch-x86/hvm/start_info.h, "PVH entry"): protected
 * mode, paging off, flat 4 GiB CS/DS/ES/SS, EBX = &hvm_start_info.  The
 * kernels need no stack and no writable data: only `out`, `lodsb`, `lidt`
 * and the instruction under test.
 */
#ifndef TINY_H
#define TINY_H

#ifndef __ASSEMBLER__
#error "tiny.h is for the tiny kernels' assembler sources only"
#endif

/* Same values as CHARLIE_BOOT_MARKER_PORT/VALUE in include/charlie.h
 * (that header is C; check-pvh.sh compares the two at build time). */
#define TINY_BOOT_MARKER_PORT 0x4f0
#define TINY_BOOT_MARKER_VALUE 0x7b

#define TINY_COM1 0x3f8		/* 8250 THR: a plain `out` sends one byte */
#define TINY_I8042_CMD 0x64	/* i8042 command port; 0xfe = pulse reset */

/* XEN_ELFNOTE_PHYS32_ENTRY (xen/include/public/elfnote.h): the 32-bit
 * physical address of the PVH entry point. */
#define TINY_XEN_ELFNOTE_PHYS32_ENTRY 18

/*
 * PVH_NOTE entry: the ELF note a PVH loader looks for.  Layout (ELF gABI
 * "Note Section"): namesz, descsz, type, then the name "Xen\0" and the
 * descriptor, each padded to 4 bytes.  The section is allocatable so the
 * linker script can put it in a PT_NOTE segment of its own.
 */
.macro PVH_NOTE entry
	.pushsection .note.Xen, "a", @note
	.balign 4
	.long 4				/* namesz: "Xen\0" */
	.long 4				/* descsz: one 32-bit address */
	.long TINY_XEN_ELFNOTE_PHYS32_ENTRY
	.asciz "Xen"
	.balign 4
	.long \entry
	.popsection
.endm

/* PUTS label: send the NUL-terminated string at `label` to COM1. */
.macro PUTS label
	cld
	mov $\label, %esi
	mov $TINY_COM1, %dx
1:	lodsb
	test %al, %al
	jz 2f
	outb %al, %dx
	jmp 1b
2:
.endm

/* BOOT_MARKER: tell the VMM "the guest is up" (charlie --timeline). */
.macro BOOT_MARKER
	mov $TINY_BOOT_MARKER_PORT, %dx
	mov $TINY_BOOT_MARKER_VALUE, %al
	outb %al, %dx
.endm

/* RESET: pulse the CPU reset line through the i8042, as Linux's
 * reboot=k does; park the CPU if the VMM ignores it. */
.macro RESET
	mov $0xfe, %al
	outb %al, $TINY_I8042_CMD
1:	cli
	hlt
	jmp 1b
.endm

/* charlie's ACPI PM registers (src/lib/acpi/tables.h; ACPI 6.5 section
 * 4.8.3): PM1a status/enable/control, the reset register, and the
 * values the DSDT's \_S5 and the FADT give. */
#define TINY_PM1_STS 0x600
#define TINY_PM1_EN 0x602
#define TINY_PM1_CNT 0x604
#define TINY_ACPI_RESET 0x606
#define TINY_ACPI_RESET_VALUE 0x0e
#define TINY_PWRBTN 0x0100		/* PWRBTN_STS / PWRBTN_EN */
#define TINY_S5 ((5 << 10) | (1 << 13)) /* SLP_TYP = 5, SLP_EN */
#define TINY_COM1_LSR 0x3fd		/* bit 0: a byte was received */

/* S5: what Linux's acpi_power_off() writes; charlie ends the VM with
 * reason POWEROFF.  Park the CPU if the VMM ignores it. */
.macro S5_OFF
	mov $TINY_PM1_CNT, %dx
	mov $TINY_S5, %ax
	outw %ax, %dx
1:	cli
	hlt
	jmp 1b
.endm

/* LISTEN: enable the power button (what Linux's button driver makes
 * ACPICA do), then poll PWRBTN_STS until it is set (interrupts stay off:
 * the SCI is never taken), acknowledge it (write 1 to clear). */
.macro LISTEN
	mov $TINY_PM1_EN, %dx
	mov $TINY_PWRBTN, %ax
	outw %ax, %dx
	PUTS listening_msg
	mov $TINY_PM1_STS, %dx
1:	pause
	inw %dx, %ax
	test $TINY_PWRBTN, %ax
	jz 1b
	mov $TINY_PWRBTN, %ax
	outw %ax, %dx
.endm

/* WAIT_CONSOLE_BYTE: poll the UART until the host sends a byte. */
.macro WAIT_CONSOLE_BYTE
	mov $TINY_COM1_LSR, %dx
1:	pause
	inb %dx, %al
	test $1, %al
	jz 1b
.endm

#endif /* TINY_H */
