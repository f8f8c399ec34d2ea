/* SPDX-License-Identifier: MIT */
/*
 * Fixed guest-physical layout for x86_64 boots.  Low memory below 1 MiB
 * holds what charlie builds for the guest; the kernel goes at 1 MiB.
 */
#ifndef CHARLIE_X86_LAYOUT_H
#define CHARLIE_X86_LAYOUT_H

#define X86_GDT_ADDR		0x00000500ull /* 4 entries */
#define X86_BOOT_PARAMS_ADDR	0x00007000ull /* zero page (boot_params) */
#define X86_PVH_START_INFO_ADDR 0x00007000ull /* hvm_start_info (PVH boots) */
#define X86_PVH_MODLIST_ADDR	0x00007800ull /* hvm_modlist_entry[1] */
#define X86_PML4_ADDR		0x00009000ull
#define X86_PDPT_ADDR		0x0000a000ull
#define X86_PD_ADDR		0x0000b000ull /* 4 pages: identity map 4 GiB */
#define X86_PVH_MEMMAP_ADDR	0x00010000ull /* hvm_memmap_table_entry[] */
#define X86_CMDLINE_ADDR	0x00020000ull
#define X86_CMDLINE_MAX		0x00010000ull /* 64 KiB reserved */
#define X86_MPTABLE_ADDR                                                       \
	0x000f0000ull /* MP floating pointer + table (BIOS area) */
#define X86_EBDA_START	0x0009fc00ull /* e820: reserved from here */
#define X86_BIOS_END	0x00100000ull
#define X86_KERNEL_ADDR 0x00100000ull /* 1 MiB */

/* Segment selectors the 64-bit boot protocol expects (boot.rst). */
#define X86_BOOT_CS 0x10
#define X86_BOOT_DS 0x18

/* e820 types */
#define E820_RAM      1
#define E820_RESERVED 2

#endif
