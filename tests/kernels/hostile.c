// SPDX-License-Identifier: MIT
/*
 * The hostile guest (design.md section 4): drives charlie's virtio-mmio
 * devices by hand and breaks every rule queue.c and mmio.c enforce, one
 * case at a time, printing "CASE <name>: PASS|FAIL <what happened>" on
 * COM1.  After every case it checks that the other devices still work (a
 * read from the second disk and an entropy request), resets the device it
 * abused and checks that the device works again.  Ends with "HOSTILE DONE
 * pass=N fail=M" and a reset through the i8042.
 *
 * Expected platform (tests/e2e/virtio_hostile.sh): 64 MiB of RAM;
 *   charlie run --kernel hostile.elf --disk ro.img,ro --disk rw.img
 * Windows in device-table order from 0xd0000000 (virtio/mmio.c):
 *   0xd0000000 virtio-rng, 0xd0001000 virtio-console,
 *   0xd0002000 virtio-blk0 (ro.img, read-only), 0xd0003000 virtio-blk1.
 * Both images are 64 sectors; every byte of sector s is 'A' + s % 26.
 *
 * 32-bit protected mode, paging off, interrupts off (PVH entry): the
 * kernel polls the used rings and the status register.
 */
#include <stdint.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;

#define COM1 0x3f8

#define RNG_BASE  0xd0000000u
#define BLK0_BASE 0xd0002000u /* read-only */
#define BLK1_BASE 0xd0003000u
#define SECTORS	  64

/* virtio-mmio registers (virtio 1.2 section 4.2.2) */
#define R_MAGIC	     0x000
#define R_VERSION    0x004
#define R_DEVICE_ID  0x008
#define R_DRV_FEAT   0x020
#define R_DRV_FEAT_S 0x024
#define R_QSEL	     0x030
#define R_QNUM_MAX   0x034
#define R_QNUM	     0x038
#define R_QREADY     0x044
#define R_QNOTIFY    0x050
#define R_ISR	     0x060
#define R_ISR_ACK    0x064
#define R_STATUS     0x070
#define R_QDESC	     0x080
#define R_QDRIVER    0x090
#define R_QDEVICE    0x0a0
#define R_CONFIG     0x100

#define S_ACK	      1
#define S_DRIVER      2
#define S_DRIVER_OK   4
#define S_FEATURES_OK 8
#define S_NEEDS_RESET 64

#define F_NEXT	   1
#define F_WRITE	   2
#define F_INDIRECT 4

#define FEAT_INDIRECT (1u << 28)
#define FEAT_BLK_RO   (1u << 5)

#define T_IN	 0
#define T_OUT	 1
#define T_GET_ID 8

/* Guest memory plan (the image is at 1 MiB, the stack below 3 MiB). */
#define QAREA(slot) (0x400000u + (slot)*0x20000u)
#define BUF(slot)   (0x800000u + (slot)*0x100000u)
#define INDIRECT    0x700000u

struct desc {
	u64 addr;
	u32 len;
	u16 flags;
	u16 next;
};

struct vdev {
	u32 base, slot, q;
	u16 qsize, avail_idx, used_seen;
	struct desc *desc;
	volatile u16 *avail; /* flags, idx, ring[] */
	volatile u16 *used;  /* flags, idx, then {u32 id, len}[] */
};

static unsigned int npass, nfail;

static inline void outb(u16 port, u8 v)
{
	__asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline u32 rd(const struct vdev *d, u32 off)
{
	return *(volatile u32 *)(d->base + off);
}

static inline void wr(const struct vdev *d, u32 off, u32 v)
{
	*(volatile u32 *)(d->base + off) = v;
}

static inline void barrier(void)
{
	__asm__ volatile("lock; addl $0, (%%esp)" ::: "memory");
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

static void puthex(u32 v)
{
	puts("0x");
	for (int i = 28; i >= 0; i -= 4)
		outb(COM1, (u8) "0123456789abcdef"[(v >> i) & 15]);
}

static void memset8(void *p, u8 v, u32 n)
{
	u8 *q = p;

	while (n--)
		*q++ = v;
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

/* ---- driver steps ---- */

static void dev_at(struct vdev *d, u32 base, u32 slot)
{
	d->base = base;
	d->slot = slot;
	d->desc = (struct desc *)QAREA(slot);
	d->avail = (volatile u16 *)(QAREA(slot) + 0x8000);
	d->used = (volatile u16 *)(QAREA(slot) + 0x10000);
}

/* Status up to FEATURES_OK with driver features `feat` (+ VERSION_1). */
static int dev_features(struct vdev *d, u32 feat)
{
	wr(d, R_STATUS, 0);
	if (rd(d, R_MAGIC) != 0x74726976 || rd(d, R_VERSION) != 2)
		return -1;
	wr(d, R_STATUS, S_ACK);
	wr(d, R_STATUS, S_ACK | S_DRIVER);
	wr(d, R_DRV_FEAT_S, 0);
	wr(d, R_DRV_FEAT, feat);
	wr(d, R_DRV_FEAT_S, 1);
	wr(d, R_DRV_FEAT, 1); /* VIRTIO_F_VERSION_1 */
	wr(d, R_STATUS, S_ACK | S_DRIVER | S_FEATURES_OK);
	return rd(d, R_STATUS) & S_FEATURES_OK ? 0 : -1;
}

static void dev_queue(struct vdev *d, u16 qsize)
{
	d->qsize = qsize;
	d->avail_idx = d->used_seen = 0;
	/* only the rings (guest stores are slow under PVM's emulation) */
	memset8((void *)d->desc, 0, 16u * qsize);
	memset8((void *)d->avail, 0, 6u + 2u * qsize);
	memset8((void *)d->used, 0, 6u + 8u * qsize);
	wr(d, R_QSEL, d->q);
	wr(d, R_QNUM, qsize);
	wr(d, R_QDESC, (u32)d->desc);
	wr(d, R_QDESC + 4, 0);
	wr(d, R_QDRIVER, (u32)d->avail);
	wr(d, R_QDRIVER + 4, 0);
	wr(d, R_QDEVICE, (u32)d->used);
	wr(d, R_QDEVICE + 4, 0);
	wr(d, R_QREADY, 1);
}

static int dev_init(struct vdev *d, u32 feat, u16 qsize)
{
	if (dev_features(d, feat))
		return -1;
	dev_queue(d, qsize);
	if (!rd(d, R_QREADY))
		return -1;
	wr(d, R_STATUS, S_ACK | S_DRIVER | S_FEATURES_OK | S_DRIVER_OK);
	return rd(d, R_STATUS) ==
			       (S_ACK | S_DRIVER | S_FEATURES_OK | S_DRIVER_OK)
		       ? 0
		       : -1;
}

static void setd(struct desc *t, u16 i, u64 addr, u32 len, u16 flags, u16 next)
{
	t[i].addr = addr;
	t[i].len = len;
	t[i].flags = flags;
	t[i].next = next;
}

/* Makes `head` available (avail.idx moved by `step`, normally 1). */
static void submit_step(struct vdev *d, u16 head, u16 step)
{
	d->avail[2 + d->avail_idx % d->qsize] = head;
	d->avail_idx = (u16)(d->avail_idx + step);
	barrier();
	d->avail[1] = d->avail_idx;
	barrier();
	wr(d, R_QNOTIFY, d->q);
}

static void submit(struct vdev *d, u16 head)
{
	submit_step(d, head, 1);
}

enum { W_TIMEOUT = 0, W_USED = 1, W_RESET = 2, W_BOTH = 3 };

/* Waits for a used entry or DEVICE_NEEDS_RESET.  The completion comes
 * from charlie's event-loop thread (ioeventfd), not from this exit. */
static int wait_dev(struct vdev *d, u32 spins)
{
	for (u32 i = 0; i < spins; i++) {
		int r = 0;

		if (d->used[1] != d->used_seen)
			r |= W_USED;
		if ((i & 1023) == 0 || r)
			if (rd(d, R_STATUS) & S_NEEDS_RESET)
				r |= W_RESET;
		if (r) {
			if (r & W_USED)
				d->used_seen = d->used[1];
			return r;
		}
	}
	return W_TIMEOUT;
}

#define SPINS 4000000u

static u32 used_len(const struct vdev *d, u16 n)
{
	volatile u32 *e = (volatile u32 *)(d->used + 2);

	return e[(n % d->qsize) * 2 + 1];
}

/* ---- block requests ---- */

struct blk_hdr {
	u32 type, reserved;
	u64 sector;
};

#define HDR(d)	  (BUF((d)->slot))
#define STAT(d)	  (BUF((d)->slot) + 0x100)
#define DATA(d)	  (BUF((d)->slot) + 0x1000)
#define STAT_NONE 0xee

/* A three-descriptor request: header, data (len bytes), status. */
static int blk_rw(struct vdev *d, u32 type, u64 sector, u32 len, u8 *status)
{
	struct blk_hdr *h = (struct blk_hdr *)HDR(d);
	volatile u8 *st = (volatile u8 *)STAT(d);
	u16 n = 0;
	int r;

	h->type = type;
	h->reserved = 0;
	h->sector = sector;
	*st = STAT_NONE;
	setd(d->desc, n, HDR(d), 16, F_NEXT, (u16)(n + 1));
	n++;
	if (len) {
		setd(d->desc, n, DATA(d), len,
		     (u16)(F_NEXT | (type == T_OUT ? 0 : F_WRITE)),
		     (u16)(n + 1));
		n++;
	}
	setd(d->desc, n, STAT(d), 1, F_WRITE, 0);
	submit(d, 0);
	r = wait_dev(d, SPINS);
	*status = *st;
	return r;
}

static int sector_ok(const u8 *p, u32 sector, u32 bytes)
{
	for (u32 i = 0; i < bytes; i++)
		if (p[i] != (u8)('A' + (sector + i / 512) % 26))
			return 0;
	return 1;
}

static struct vdev rng, blk0, blk1;

/* The other devices still work: a read from blk1, entropy from rng. */
static int others_ok(void)
{
	u8 st;
	volatile u8 *b = (volatile u8 *)BUF(rng.slot);
	u16 seen = rng.used_seen;

	if (blk_rw(&blk1, T_IN, 3, 512, &st) != W_USED || st != 0 ||
	    !sector_ok((u8 *)DATA(&blk1), 3, 512))
		return 0;
	b[0] = 0;
	setd(rng.desc, 0, BUF(rng.slot), 64, F_WRITE, 0);
	submit(&rng, 0);
	if (wait_dev(&rng, SPINS) != W_USED)
		return 0;
	return used_len(&rng, seen) == 64;
}

/* Resets `d`, sets it up again and reads sector 1 through it. */
static int recovers(struct vdev *d, u32 feat)
{
	u8 st;

	if (dev_init(d, feat, 16))
		return 0;
	return blk_rw(d, T_IN, 1, 1024, &st) == W_USED && st == 0 &&
	       sector_ok((u8 *)DATA(d), 1, 1024);
}

/* Ends a misbehaviour case: the expected outcome `got` (W_* mask that
 * must be set), then the other devices, then recovery. */
static void finish(const char *name, int got, int want, struct vdev *d,
		   const char *what)
{
	int ok = (got & want) == want;

	if (!ok) {
		puts("  (wait result ");
		putu((u32)got);
		puts(", status ");
		puthex(rd(d, R_STATUS));
		puts(")\n");
		report(name, 0, what);
		return;
	}
	if (!others_ok()) {
		report(name, 0, "other devices stopped working");
		return;
	}
	if (!recovers(d, 0)) {
		report(name, 0, "the device did not work again after a reset");
		return;
	}
	report(name, 1, what);
}

/* ---- the cases ---- */

static void case_control(void)
{
	u8 st, *id = (u8 *)DATA(&blk0);
	int r = blk_rw(&blk0, T_IN, 0, 2048, &st);

	report("control-read",
	       r == W_USED && st == 0 && sector_ok((u8 *)DATA(&blk0), 0, 2048),
	       "4 sectors read, contents match");
	r = blk_rw(&blk0, T_GET_ID, 0, 20, &st);
	report("control-get-id",
	       r == W_USED && st == 0 && id[0] == 'c' && id[7] == '-',
	       "serial starts charlie-");
	r = blk_rw(&blk1, T_OUT, 5, 512, &st);
	report("control-write", r == W_USED && st == 0,
	       "write to the read-write disk: status OK");
	report("control-others", others_ok(), "blk1 read and rng request");
}

/* A chain-level error: the chain is completed and NEEDS_RESET is set. */
static void chain_case(const char *name, const char *what)
{
	submit(&blk0, 0);
	finish(name, wait_dev(&blk0, SPINS), W_RESET, &blk0, what);
}

static void case_chains(void)
{
	struct desc *t = blk0.desc;

	dev_init(&blk0, 0, 16);
	setd(t, 0, HDR(&blk0), 16, F_NEXT, 1);
	setd(t, 1, STAT(&blk0), 1, F_WRITE | F_NEXT, 0);
	chain_case("desc-loop", "0 -> 1 -> 0: completed, NEEDS_RESET");

	for (u16 i = 0; i < 16; i++)
		setd(t, i, HDR(&blk0), 16, F_NEXT, (u16)((i + 1) % 16));
	chain_case("chain-longer-than-queue",
		   "16 descriptors then back to 0: NEEDS_RESET");

	setd(t, 0, HDR(&blk0), 16, F_NEXT, 1);
	setd(t, 1, 0x10000000u, 512, F_WRITE | F_NEXT, 2);
	setd(t, 2, STAT(&blk0), 1, F_WRITE, 0);
	chain_case("desc-outside-ram", "buffer at 256 MiB: NEEDS_RESET");

	setd(t, 1, BLK0_BASE, 512, F_WRITE | F_NEXT, 2);
	chain_case("desc-on-mmio", "buffer on the device window: NEEDS_RESET");

	setd(t, 1, 0xfffffffffffff000ull, 0x2000, F_WRITE | F_NEXT, 2);
	chain_case("desc-wraps", "buffer wraps 2^64: NEEDS_RESET");

	setd(t, 1, 0x3fffff0ull, 0x20, F_WRITE | F_NEXT, 2);
	chain_case("desc-past-ram-end", "buffer crosses the end of RAM");

	setd(t, 0, STAT(&blk0), 1, F_WRITE | F_NEXT, 1);
	setd(t, 1, HDR(&blk0), 16, F_NEXT, 2);
	setd(t, 2, DATA(&blk0), 512, F_WRITE, 0);
	chain_case("writable-before-readable", "NEEDS_RESET");

	setd(t, 0, HDR(&blk0), 16, F_NEXT, 20);
	chain_case("next-out-of-range", "next = 20 in a queue of 16");

	setd(t, 0, HDR(&blk0), 16, 0, 0);
	((struct blk_hdr *)HDR(&blk0))->type = T_IN;
	chain_case("no-status-byte", "header only: NEEDS_RESET");

	/* indirect, not negotiated */
	setd(t, 0, INDIRECT, 48, F_INDIRECT, 0);
	chain_case("indirect-not-negotiated", "NEEDS_RESET");

	/* indirect negotiated, malformed */
	dev_init(&blk0, FEAT_INDIRECT, 16);
	setd(t, 0, INDIRECT, 24, F_INDIRECT, 0);
	chain_case("indirect-bad-length", "24 bytes: NEEDS_RESET");
	dev_init(&blk0, FEAT_INDIRECT, 16);
	setd(t, 0, INDIRECT, 32, F_INDIRECT, 0);
	setd((struct desc *)INDIRECT, 0, HDR(&blk0), 16, F_NEXT, 1);
	setd((struct desc *)INDIRECT, 1, INDIRECT, 32, F_INDIRECT, 0);
	chain_case("indirect-nested", "NEEDS_RESET");
	dev_init(&blk0, FEAT_INDIRECT, 16);
	setd(t, 0, INDIRECT, 32, F_INDIRECT | F_NEXT, 1);
	chain_case("indirect-with-next", "NEEDS_RESET");
	dev_init(&blk0, FEAT_INDIRECT, 16);
	setd(t, 0, INDIRECT, 48, F_INDIRECT, 0);
	setd((struct desc *)INDIRECT, 0, HDR(&blk0), 16, F_NEXT, 1);
	setd((struct desc *)INDIRECT, 1, DATA(&blk0), 512, F_WRITE | F_NEXT, 2);
	setd((struct desc *)INDIRECT, 2, STAT(&blk0), 1, F_WRITE | F_NEXT, 0);
	chain_case("indirect-loop", "a loop inside the table: NEEDS_RESET");

	/* indirect done right works */
	{
		u8 st;
		int r;

		dev_init(&blk0, FEAT_INDIRECT, 16);
		setd(blk0.desc, 0, INDIRECT, 48, F_INDIRECT, 0);
		setd((struct desc *)INDIRECT, 2, STAT(&blk0), 1, F_WRITE, 0);
		((struct blk_hdr *)HDR(&blk0))->type = T_IN;
		((struct blk_hdr *)HDR(&blk0))->sector = 2;
		*(volatile u8 *)STAT(&blk0) = STAT_NONE;
		submit(&blk0, 0);
		r = wait_dev(&blk0, SPINS);
		st = *(volatile u8 *)STAT(&blk0);
		report("indirect-good",
		       r == W_USED && st == 0 &&
			       sector_ok((u8 *)DATA(&blk0), 2, 512),
		       "a well-formed indirect table works");
	}
}

static void case_overflow(void)
{
	struct desc *t = blk0.desc;
	u16 i;

	/* 90 x 48 MiB buffers (each inside RAM) add up past 4 GiB */
	dev_init(&blk0, 0, 128);
	setd(t, 0, HDR(&blk0), 16, F_NEXT, 1);
	for (i = 1; i < 91; i++)
		setd(t, i, 0x100000, 0x3000000, F_WRITE | F_NEXT, (u16)(i + 1));
	setd(t, i, STAT(&blk0), 1, F_WRITE, 0);
	chain_case("length-sum-overflow", "90 x 48 MiB: NEEDS_RESET");
}

static void case_rings(void)
{
	struct desc *t = blk0.desc;

	dev_init(&blk0, 0, 16);
	setd(t, 0, HDR(&blk0), 16, F_NEXT, 1);
	setd(t, 1, STAT(&blk0), 1, F_WRITE, 0);
	((struct blk_hdr *)HDR(&blk0))->type = T_GET_ID;
	submit_step(&blk0, 0, 16 + 5);
	finish("avail-idx-jump", wait_dev(&blk0, SPINS), W_RESET, &blk0,
	       "avail.idx 21 ahead in a queue of 16: NEEDS_RESET");

	dev_init(&blk0, 0, 16);
	submit(&blk0, 200);
	finish("head-out-of-range", wait_dev(&blk0, SPINS), W_RESET, &blk0,
	       "head 200 in a queue of 16: NEEDS_RESET");
}

static void queue_refused(const char *name, u16 num, const char *what)
{
	int ready;

	dev_features(&blk0, 0);
	wr(&blk0, R_QSEL, 0);
	wr(&blk0, R_QNUM, num);
	wr(&blk0, R_QDESC, (u32)blk0.desc);
	wr(&blk0, R_QDRIVER, (u32)blk0.avail);
	wr(&blk0, R_QDEVICE, (u32)blk0.used);
	wr(&blk0, R_QREADY, 1);
	ready = (int)rd(&blk0, R_QREADY);
	finish(name,
	       !ready && (rd(&blk0, R_STATUS) & S_NEEDS_RESET) ? W_RESET : 0,
	       W_RESET, &blk0, what);
}

static void case_registers(void)
{
	u32 v, w;

	queue_refused("queue-size-0", 0, "not ready, NEEDS_RESET");
	queue_refused("queue-size-not-pow2", 7, "not ready, NEEDS_RESET");
	queue_refused("queue-size-too-big", 512, "not ready, NEEDS_RESET");
	/* misaligned ring */
	dev_features(&blk0, 0);
	wr(&blk0, R_QSEL, 0);
	wr(&blk0, R_QNUM, 16);
	wr(&blk0, R_QDESC, (u32)blk0.desc + 8);
	wr(&blk0, R_QDRIVER, (u32)blk0.avail);
	wr(&blk0, R_QDEVICE, (u32)blk0.used);
	wr(&blk0, R_QREADY, 1);
	finish("ring-misaligned",
	       rd(&blk0, R_STATUS) & S_NEEDS_RESET && !rd(&blk0, R_QREADY)
		       ? W_RESET
		       : 0,
	       W_RESET, &blk0, "descriptor table at +8: NEEDS_RESET");
	dev_features(&blk0, 0);
	wr(&blk0, R_QSEL, 0);
	wr(&blk0, R_QNUM, 16);
	wr(&blk0, R_QDESC, 0x3ffff000u); /* last page of 1 GiB: no RAM */
	wr(&blk0, R_QDRIVER, (u32)blk0.avail);
	wr(&blk0, R_QDEVICE, (u32)blk0.used);
	wr(&blk0, R_QREADY, 1);
	finish("ring-outside-ram",
	       rd(&blk0, R_STATUS) & S_NEEDS_RESET && !rd(&blk0, R_QREADY)
		       ? W_RESET
		       : 0,
	       W_RESET, &blk0, "descriptor table outside RAM: NEEDS_RESET");

	/* QueueSel past the device's one queue */
	dev_features(&blk0, 0);
	wr(&blk0, R_QSEL, 9);
	v = rd(&blk0, R_QNUM_MAX);
	wr(&blk0, R_QNUM, 8);
	wr(&blk0, R_QREADY, 1);
	w = rd(&blk0, R_QREADY);
	wr(&blk0, R_QSEL, 0xffffffffu);
	wr(&blk0, R_QREADY, 1);
	finish("queuesel-out-of-range", v == 0 && w == 0 ? W_RESET : 0, W_RESET,
	       &blk0, "QueueNumMax 0, writes ignored");

	/* config space: 24 bytes for virtio-blk */
	dev_init(&blk0, 0, 16);
	{
		u32 cap = rd(&blk0, R_CONFIG);
		u32 past = rd(&blk0, R_CONFIG + 24);
		u32 cross = rd(&blk0, R_CONFIG + 22);
		u32 far = rd(&blk0, R_CONFIG + 0xefc);
		u8 b = *(volatile u8 *)(BLK0_BASE + R_CONFIG + 0xeff);

		wr(&blk0, R_CONFIG, 0x12345678);
		wr(&blk0, R_CONFIG + 0x100, 0x12345678);
		*(volatile u8 *)(BLK0_BASE + R_CONFIG + 0xeff) = 0x55;
		finish("config-past-end",
		       cap == SECTORS && past == 0 && cross == 0 && far == 0 &&
				       b == 0 && rd(&blk0, R_CONFIG) == SECTORS
			       ? W_RESET
			       : 0,
		       W_RESET, &blk0,
		       "reads past 24 bytes are 0, writes ignored");
	}

	/* invalid status transitions */
	wr(&blk0, R_STATUS, 0);
	wr(&blk0, R_STATUS, S_DRIVER_OK);
	v = rd(&blk0, R_STATUS);
	wr(&blk0, R_STATUS, S_ACK);
	wr(&blk0, R_STATUS, S_ACK | S_DRIVER | S_FEATURES_OK | S_DRIVER_OK);
	w = rd(&blk0, R_STATUS);
	finish("status-skips-steps", v == 0 && w == S_ACK ? W_RESET : 0,
	       W_RESET, &blk0, "DRIVER_OK from 0 and 1 -> 15 ignored");

	/* FEATURES_OK without VERSION_1, or with bits never offered */
	wr(&blk0, R_STATUS, 0);
	wr(&blk0, R_STATUS, S_ACK);
	wr(&blk0, R_STATUS, S_ACK | S_DRIVER);
	wr(&blk0, R_DRV_FEAT_S, 0);
	wr(&blk0, R_DRV_FEAT, 1u << 20);
	wr(&blk0, R_STATUS, S_ACK | S_DRIVER | S_FEATURES_OK);
	v = rd(&blk0, R_STATUS);
	finish("features-not-offered", !(v & S_FEATURES_OK) ? W_RESET : 0,
	       W_RESET, &blk0, "FEATURES_OK stays clear");
}

static void case_requests(void)
{
	u8 st;
	int r;

	/* write to the read-only disk without accepting VIRTIO_BLK_F_RO */
	dev_init(&blk0, 0, 16);
	memset8((void *)DATA(&blk0), 'X', 512);
	r = blk_rw(&blk0, T_OUT, 0, 512, &st);
	finish("ro-write-unacked", r == W_USED && st == 1 ? W_USED : 0, W_USED,
	       &blk0, "VIRTIO_BLK_S_IOERR");
	dev_init(&blk0, FEAT_BLK_RO, 16);
	r = blk_rw(&blk0, T_OUT, 0, 512, &st);
	finish("ro-write-acked", r == W_USED && st == 1 ? W_USED : 0, W_USED,
	       &blk0, "VIRTIO_BLK_S_IOERR");

	dev_init(&blk0, 0, 16);
	r = blk_rw(&blk0, T_IN, SECTORS, 512, &st);
	finish("sector-past-end", r == W_USED && st == 1 ? W_USED : 0, W_USED,
	       &blk0, "sector 64 of 64: IOERR");
	r = blk_rw(&blk0, T_IN, SECTORS - 1, 1024, &st);
	finish("range-past-end", r == W_USED && st == 1 ? W_USED : 0, W_USED,
	       &blk0, "sectors 63+2 of 64: IOERR");
	r = blk_rw(&blk0, T_IN, 0xfffffffffffffffeull, 1024, &st);
	finish("sector-overflow", r == W_USED && st == 1 ? W_USED : 0, W_USED,
	       &blk0, "sector 2^64-2: IOERR");
	r = blk_rw(&blk0, T_IN, 0, 100, &st);
	finish("length-not-sectors", r == W_USED && st == 1 ? W_USED : 0,
	       W_USED, &blk0, "100 bytes: IOERR");
	r = blk_rw(&blk0, 0x7777, 0, 512, &st);
	finish("unknown-type", r == W_USED && st == 2 ? W_USED : 0, W_USED,
	       &blk0, "VIRTIO_BLK_S_UNSUPP");

	/* a header split over three descriptors is legal (section 2.6.4) */
	{
		struct desc *t = blk0.desc;
		struct blk_hdr *h = (struct blk_hdr *)HDR(&blk0);

		h->type = T_IN;
		h->reserved = 0;
		h->sector = 4;
		*(volatile u8 *)STAT(&blk0) = STAT_NONE;
		setd(t, 0, HDR(&blk0), 4, F_NEXT, 1);
		setd(t, 1, HDR(&blk0) + 4, 4, F_NEXT, 2);
		setd(t, 2, HDR(&blk0) + 8, 8, F_NEXT, 3);
		setd(t, 3, DATA(&blk0), 512, F_WRITE | F_NEXT, 4);
		setd(t, 4, STAT(&blk0), 1, F_WRITE, 0);
		submit(&blk0, 0);
		r = wait_dev(&blk0, SPINS);
		st = *(volatile u8 *)STAT(&blk0);
		finish("header-split",
		       r == W_USED && st == 0 &&
				       sector_ok((u8 *)DATA(&blk0), 4, 512)
			       ? W_USED
			       : 0,
		       W_USED, &blk0, "read right (copied once, gathered)");
	}

	/* header rewritten after the kick: whichever header the device
	 * copied, it acts on that one only (the e2e script checks that
	 * rw.img did not grow) */
	{
		struct desc *t = blk1.desc;
		struct blk_hdr *h = (struct blk_hdr *)HDR(&blk1);

		h->type = T_OUT;
		h->sector = 6;
		memset8((void *)DATA(&blk1), 'W', 512);
		*(volatile u8 *)STAT(&blk1) = STAT_NONE;
		setd(t, 0, HDR(&blk1), 16, F_NEXT, 1);
		setd(t, 1, DATA(&blk1), 512, F_NEXT, 2);
		setd(t, 2, STAT(&blk1), 1, F_WRITE, 0);
		submit(&blk1, 0);
		h->sector = 1000000;
		r = wait_dev(&blk1, SPINS);
		st = *(volatile u8 *)STAT(&blk1);
		report("header-rewritten",
		       r == W_USED && (st == 0 || st == 1) && others_ok(),
		       st == 0 ? "the first header was used: OK"
			       : "the rewritten header was used: IOERR");
	}
}

static void case_lifecycle(void)
{
	u8 st;
	int r;

	/* notify before DRIVER_OK: ignored; DRIVER_OK then serves it */
	dev_features(&blk0, 0);
	dev_queue(&blk0, 16);
	((struct blk_hdr *)HDR(&blk0))->type = T_IN;
	((struct blk_hdr *)HDR(&blk0))->sector = 7;
	*(volatile u8 *)STAT(&blk0) = STAT_NONE;
	setd(blk0.desc, 0, HDR(&blk0), 16, F_NEXT, 1);
	setd(blk0.desc, 1, DATA(&blk0), 512, F_WRITE | F_NEXT, 2);
	setd(blk0.desc, 2, STAT(&blk0), 1, F_WRITE, 0);
	submit(&blk0, 0);
	r = wait_dev(&blk0, 20000);
	wr(&blk0, R_STATUS, S_ACK | S_DRIVER | S_FEATURES_OK | S_DRIVER_OK);
	st = 0;
	if (r == W_TIMEOUT && wait_dev(&blk0, SPINS) == W_USED &&
	    *(volatile u8 *)STAT(&blk0) == 0)
		st = 1;
	finish("notify-before-driver-ok", st ? W_USED : 0, W_USED, &blk0,
	       "ignored until DRIVER_OK");

	/* reset in the middle of requests: 8 reads queued, status 0 */
	dev_init(&blk0, 0, 16);
	for (u16 i = 0; i < 8; i++) {
		setd(blk0.desc, (u16)(3 * i), HDR(&blk0), 16, F_NEXT,
		     (u16)(3 * i + 1));
		setd(blk0.desc, (u16)(3 * i + 1), DATA(&blk0), 4096,
		     F_WRITE | F_NEXT, (u16)(3 * i + 2));
		setd(blk0.desc, (u16)(3 * i + 2), STAT(&blk0), 1, F_WRITE, 0);
	}
	((struct blk_hdr *)HDR(&blk0))->sector = 8;
	for (u16 i = 0; i < 5; i++)
		submit(&blk0, (u16)(3 * i));
	wr(&blk0, R_STATUS, 0);
	finish("reset-mid-request", rd(&blk0, R_STATUS) == 0 ? W_USED : 0,
	       W_USED, &blk0, "status reads 0; the device works after");

	/* rng abused: blk keeps working */
	dev_init(&rng, 0, 16);
	setd(rng.desc, 0, 0x7ffff000u, 0x2000, F_WRITE, 0);
	submit(&rng, 0);
	r = wait_dev(&rng, SPINS);
	st = (u8)(r & W_RESET);
	dev_init(&rng, 0, 16);
	report("rng-desc-outside-ram", st && others_ok(),
	       "rng NEEDS_RESET; blk1 and a reset rng work");
}

/* ---- hvcecho: the interactive console test (virtio_console.sh) ---- */

#define CON_BASE 0xd0001000u

static struct vdev con_rx, con_tx;

static void con_puts(const char *s)
{
	char *b = (char *)BUF(con_tx.slot);
	u32 n = 0;

	while (s[n] && n < 4096) {
		b[n] = s[n];
		n++;
	}
	setd(con_tx.desc, 0, BUF(con_tx.slot), n, 0, 0);
	submit(&con_tx, 0);
	wait_dev(&con_tx, SPINS);
}

/* Says HVC0-READY through virtio-console, reads one line typed on the
 * host's terminal, answers HVC0-GOT=<line>. */
static void hvcecho(void)
{
	char line[80], out[100];
	u32 n = 0, i, k;
	const char *p = "HVC0-GOT=";

	dev_at(&con_rx, CON_BASE, 1);
	dev_at(&con_tx, CON_BASE, 4);
	con_tx.q = 1;
	if (dev_features(&con_rx, 0)) {
		puts("HVC0 SETUP FAILED\n");
		return;
	}
	dev_queue(&con_rx, 16);
	dev_queue(&con_tx, 16);
	wr(&con_rx, R_STATUS, S_ACK | S_DRIVER | S_FEATURES_OK | S_DRIVER_OK);
	con_puts("HVC0-READY type a line\r\n");
	for (int tries = 0; tries < 2000 && n < sizeof(line) - 1; tries++) {
		u16 seen = con_rx.used_seen;
		char *b = (char *)BUF(con_rx.slot);
		int done = 0;

		setd(con_rx.desc, 0, BUF(con_rx.slot), 64, F_WRITE, 0);
		submit(&con_rx, 0);
		while (wait_dev(&con_rx, SPINS) == W_TIMEOUT && tries++ < 2000)
			;
		k = used_len(&con_rx, seen);
		for (i = 0; i < k && i < 64; i++) {
			if (b[i] == '\r' || b[i] == '\n') {
				done = 1;
				break;
			}
			if (n < sizeof(line) - 1)
				line[n++] = b[i];
		}
		if (done)
			break;
	}
	for (k = 0; p[k]; k++)
		out[k] = p[k];
	for (i = 0; i < n; i++)
		out[k++] = line[i];
	out[k++] = '\r';
	out[k++] = '\n';
	out[k] = 0;
	con_puts(out);
}

static int has_word(const char *s, const char *w)
{
	for (; s && *s; s++) {
		u32 i = 0;

		while (w[i] && s[i] == w[i])
			i++;
		if (!w[i] && (s[i] == 0 || s[i] == ' '))
			return 1;
	}
	return 0;
}

/* EBX at entry: struct hvm_start_info; cmdline_paddr is at offset 24. */
void hostile_main(const u32 *start_info);
void hostile_main(const u32 *start_info)
{
	if (start_info && has_word((const char *)start_info[6], "hvcecho")) {
		hvcecho();
		return;
	}
	puts("HOSTILE START\n");
	dev_at(&rng, RNG_BASE, 0);
	dev_at(&blk0, BLK0_BASE, 2);
	dev_at(&blk1, BLK1_BASE, 3);
	if (dev_init(&rng, 0, 16) || dev_init(&blk0, 0, 16) ||
	    dev_init(&blk1, 0, 16)) {
		puts("HOSTILE SETUP FAILED\n");
		return;
	}
	case_control();
	case_chains();
	case_overflow();
	case_rings();
	case_registers();
	case_requests();
	case_lifecycle();
	puts("HOSTILE DONE pass=");
	putu(npass);
	puts(" fail=");
	putu(nfail);
	puts("\n");
}

/* PVH entry: 32-bit, flat segments, no stack. */
__asm__(".section .text.entry, \"ax\"\n"
	".globl hostile_entry\n"
	"hostile_entry:\n"
	"\tmov $0x300000, %esp\n"
	"\tpush %ebx\n"
	"\tcall hostile_main\n"
	"	mov $0xfe, %al\n"
	"	outb %al, $0x64\n"
	"1:	cli\n"
	"	hlt\n"
	"	jmp 1b\n"
	".previous\n");
