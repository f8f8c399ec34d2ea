// SPDX-License-Identifier: MIT
/* queue.c against synthetic guest memory: one case per rule of design.md
 * section 4 (and queue.h), negative cases beside the positive ones. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#include "virtio/queue.h"

#define RAM   0x10000ull /* gpa of the small region */
#define DESC  (RAM + 0x0)
#define AVAIL (RAM + 0x1000)
#define USED  (RAM + 0x2000)
#define BUF   (RAM + 0x4000)
#define IND   (RAM + 0x8000)
#define HIGH  0x100000000ull /* a 4 GiB region, never touched */

static uint8_t ram[0x10000];
static struct gm gm;
static struct vq q;
static struct vq_chain c;
static void *big;

struct d {
	uint64_t addr;
	uint32_t len;
	uint16_t flags, next;
};

static void setd(uint64_t table, uint16_t i, uint64_t addr, uint32_t len,
		 uint16_t flags, uint16_t next)
{
	struct d x = {addr, len, flags, next};

	memcpy(ram + (table - RAM) + 16u * i, &x, 16);
}

static uint16_t *avail16(unsigned int i)
{
	return (uint16_t *)(ram + (AVAIL - RAM) + 2 * i);
}

static uint16_t *used16(unsigned int i)
{
	return (uint16_t *)(ram + (USED - RAM) + 2 * i);
}

/* Makes `head` available. */
static void offer(uint16_t head)
{
	uint16_t idx = *avail16(1);

	*avail16(2 + idx % q.size) = head;
	*avail16(1) = (uint16_t)(idx + 1);
}

static int pop(enum vq_err *e)
{
	return vq_pop(&gm, &q, &c, e);
}

static int setup(void **state)
{
	struct gm_region r[2] = {
		{.gpa = RAM, .size = sizeof(ram), .host = ram},
		{.gpa = HIGH, .size = 1ull << 32, .host = big},
	};

	memset(ram, 0, sizeof(ram));
	gm_init_from(&gm, r, 2);
	vq_reset(&q, 256);
	q.size = 8;
	q.desc = DESC;
	q.avail = AVAIL;
	q.used = USED;
	assert_int_equal(vq_check_layout(&gm, &q), 0);
	q.ready = true;
	return 0;
}

/* ---- layout (set when the driver writes QueueReady) ---- */

static void size_power_of_two(void **state)
{
	q.size = 0;
	assert_int_equal(vq_check_layout(&gm, &q), -EINVAL);
	q.size = 7;
	assert_int_equal(vq_check_layout(&gm, &q), -EINVAL);
	q.size = 512; /* above max */
	assert_int_equal(vq_check_layout(&gm, &q), -EINVAL);
	q.size = 256;
	assert_int_equal(vq_check_layout(&gm, &q), 0);
}

static void rings_aligned(void **state)
{
	q.desc = DESC + 8;
	assert_int_equal(vq_check_layout(&gm, &q), -EINVAL);
	q.desc = DESC;
	q.avail = AVAIL + 1;
	assert_int_equal(vq_check_layout(&gm, &q), -EINVAL);
	q.avail = AVAIL;
	q.used = USED + 2;
	assert_int_equal(vq_check_layout(&gm, &q), -EINVAL);
}

static void rings_inside_ram(void **state)
{
	q.used = RAM + sizeof(ram) - 8; /* 6 + 8 * 8 bytes do not fit */
	assert_int_equal(vq_check_layout(&gm, &q), -EINVAL);
	q.used = USED;
	q.desc = 0x1000; /* below RAM */
	assert_int_equal(vq_check_layout(&gm, &q), -EINVAL);
}

/* ---- popping ---- */

static void simple_chain(void **state)
{
	enum vq_err e;

	setd(DESC, 3, BUF, 16, VIRTQ_DESC_F_NEXT, 5);
	setd(DESC, 5, BUF + 512, 100, VIRTQ_DESC_F_WRITE, 0);
	offer(3);
	assert_int_equal(pop(&e), 1);
	assert_int_equal(c.head, 3);
	assert_int_equal(c.nr_in, 1);
	assert_int_equal(c.nr_out, 1);
	assert_int_equal(c.rlen, 16);
	assert_int_equal(c.wlen, 100);
	assert_int_equal(pop(&e), 0); /* empty */
	assert_int_equal(e, VQ_OK);
}

static void empty_not_ready(void **state)
{
	enum vq_err e;

	setd(DESC, 0, BUF, 16, 0, 0);
	offer(0);
	q.ready = false;
	assert_int_equal(pop(&e), 0);
	q.ready = true;
	assert_int_equal(pop(&e), 1);
}

static void avail_idx_runaway(void **state)
{
	enum vq_err e;

	setd(DESC, 0, BUF, 16, 0, 0);
	*avail16(1) = 9; /* 9 ahead in a queue of 8 */
	assert_int_equal(pop(&e), -EINVAL);
	assert_int_equal(e, VQ_E_AVAIL_IDX);
	assert_true(q.broken);
	assert_int_equal(pop(&e), 0); /* broken: nothing until reset */
}

static void avail_idx_full_queue_ok(void **state)
{
	enum vq_err e;

	for (uint16_t i = 0; i < 8; i++) {
		setd(DESC, i, BUF, 16, 0, 0);
		offer(i);
	}
	for (int i = 0; i < 8; i++)
		assert_int_equal(pop(&e), 1);
	assert_int_equal(pop(&e), 0);
}

static void head_out_of_range(void **state)
{
	enum vq_err e;

	offer(8);
	assert_int_equal(pop(&e), -EINVAL);
	assert_int_equal(e, VQ_E_HEAD);
	assert_true(q.broken);
}

static void descriptor_loop(void **state)
{
	enum vq_err e;

	setd(DESC, 0, BUF, 16, VIRTQ_DESC_F_NEXT, 1);
	setd(DESC, 1, BUF, 16, VIRTQ_DESC_F_NEXT, 0);
	offer(0);
	assert_int_equal(pop(&e), -EINVAL);
	assert_int_equal(e, VQ_E_LOOP);
	assert_int_equal(c.head, 0); /* completed by the caller */
	assert_false(q.broken);
}

static void chain_as_long_as_queue_ok(void **state)
{
	enum vq_err e;

	for (uint16_t i = 0; i < 8; i++)
		setd(DESC, i, BUF, 16, i < 7 ? VIRTQ_DESC_F_NEXT : 0,
		     (uint16_t)(i + 1));
	offer(0);
	assert_int_equal(pop(&e), 1);
	assert_int_equal(c.nr_in, 8);
}

static void chain_longer_than_queue(void **state)
{
	enum vq_err e;

	for (uint16_t i = 0; i < 8; i++)
		setd(DESC, i, BUF, 16, VIRTQ_DESC_F_NEXT,
		     (uint16_t)((i + 1) % 8));
	offer(0);
	assert_int_equal(pop(&e), -EINVAL);
	assert_int_equal(e, VQ_E_LOOP);
}

static void next_out_of_range(void **state)
{
	enum vq_err e;

	setd(DESC, 0, BUF, 16, VIRTQ_DESC_F_NEXT, 8);
	offer(0);
	assert_int_equal(pop(&e), -EINVAL);
	assert_int_equal(e, VQ_E_DESC_INDEX);
}

static void buffer_outside_ram(void **state)
{
	enum vq_err e;

	setd(DESC, 0, RAM + sizeof(ram) - 8, 16, 0, 0); /* crosses the end */
	offer(0);
	assert_int_equal(pop(&e), -EINVAL);
	assert_int_equal(e, VQ_E_DESC_RANGE);
	setd(DESC, 1, 0xd0000000ull, 4, 0, 0); /* device window */
	offer(1);
	assert_int_equal(pop(&e), -EINVAL);
	assert_int_equal(e, VQ_E_DESC_RANGE);
}

static void buffer_wraps(void **state)
{
	enum vq_err e;

	setd(DESC, 0, 0xfffffffffffff000ull, 0x2000, 0, 0);
	offer(0);
	assert_int_equal(pop(&e), -EINVAL);
	assert_int_equal(e, VQ_E_DESC_RANGE);
}

static void length_sum_overflow(void **state)
{
	enum vq_err e;

	/* two buffers of 4 GiB - 1 inside the (untouched) high region */
	setd(DESC, 0, HIGH, 0xffffffffu, VIRTQ_DESC_F_NEXT, 1);
	setd(DESC, 1, HIGH, 0xffffffffu, VIRTQ_DESC_F_WRITE, 0);
	offer(0);
	assert_int_equal(pop(&e), -EINVAL);
	assert_int_equal(e, VQ_E_LEN_OVERFLOW);
	/* one of them alone is fine */
	setd(DESC, 2, HIGH, 0xffffffffu, 0, 0);
	offer(2);
	assert_int_equal(pop(&e), 1);
	assert_int_equal(c.rlen, 0xffffffffu);
}

static void readable_after_writable(void **state)
{
	enum vq_err e;

	setd(DESC, 0, BUF, 1, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 1);
	setd(DESC, 1, BUF, 16, 0, 0);
	offer(0);
	assert_int_equal(pop(&e), -EINVAL);
	assert_int_equal(e, VQ_E_ORDER);
}

static void zero_length_skipped(void **state)
{
	enum vq_err e;

	setd(DESC, 0, 0xdead0000ull, 0, VIRTQ_DESC_F_NEXT, 1);
	setd(DESC, 1, BUF, 16, 0, 0);
	offer(0);
	assert_int_equal(pop(&e), 1);
	assert_int_equal(c.nr_in, 1);
}

static void indirect_not_negotiated(void **state)
{
	enum vq_err e;

	setd(DESC, 0, IND, 32, VIRTQ_DESC_F_INDIRECT, 0);
	offer(0);
	assert_int_equal(pop(&e), -EINVAL);
	assert_int_equal(e, VQ_E_INDIRECT);
}

static void indirect_good(void **state)
{
	enum vq_err e;

	q.indirect = true;
	setd(DESC, 0, IND, 48, VIRTQ_DESC_F_INDIRECT, 0);
	setd(IND, 0, BUF, 16, VIRTQ_DESC_F_NEXT, 2);
	setd(IND, 2, BUF + 16, 512, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 1);
	setd(IND, 1, BUF + 600, 1, VIRTQ_DESC_F_WRITE, 0);
	offer(0);
	assert_int_equal(pop(&e), 1);
	assert_int_equal(c.nr_in, 1);
	assert_int_equal(c.nr_out, 2);
	assert_int_equal(c.wlen, 513);
}

static void indirect_malformed(void **state)
{
	enum vq_err e;

	q.indirect = true;
	setd(DESC, 0, IND, 24, VIRTQ_DESC_F_INDIRECT, 0); /* not 16n */
	setd(DESC, 1, IND, 0, VIRTQ_DESC_F_INDIRECT, 0);  /* empty */
	setd(DESC, 2, IND, 32, VIRTQ_DESC_F_INDIRECT | VIRTQ_DESC_F_NEXT, 3);
	setd(DESC, 3, RAM + sizeof(ram) - 16, 32, VIRTQ_DESC_F_INDIRECT, 0);
	setd(DESC, 4, IND + 8, 32, VIRTQ_DESC_F_INDIRECT, 0); /* misaligned */
	for (uint16_t i = 0; i < 5; i++) {
		offer(i);
		assert_int_equal(pop(&e), -EINVAL);
		assert_int_equal(e, VQ_E_INDIRECT);
	}
}

static void indirect_nested(void **state)
{
	enum vq_err e;

	q.indirect = true;
	setd(DESC, 0, IND, 32, VIRTQ_DESC_F_INDIRECT, 0);
	setd(IND, 0, BUF, 16, VIRTQ_DESC_F_NEXT, 1);
	setd(IND, 1, IND, 32, VIRTQ_DESC_F_INDIRECT, 0);
	offer(0);
	assert_int_equal(pop(&e), -EINVAL);
	assert_int_equal(e, VQ_E_INDIRECT);
}

static void indirect_loop(void **state)
{
	enum vq_err e;

	q.indirect = true;
	setd(DESC, 0, IND, 32, VIRTQ_DESC_F_INDIRECT, 0);
	setd(IND, 0, BUF, 16, VIRTQ_DESC_F_NEXT, 1);
	setd(IND, 1, BUF, 16, VIRTQ_DESC_F_NEXT, 0);
	offer(0);
	assert_int_equal(pop(&e), -EINVAL);
	assert_int_equal(e, VQ_E_LOOP);
}

static void chain_is_a_copy(void **state)
{
	enum vq_err e;

	setd(DESC, 0, BUF, 16, 0, 0);
	offer(0);
	assert_int_equal(pop(&e), 1);
	/* the guest rewrites the descriptor after the device read it */
	setd(DESC, 0, 0xfffffffffff00000ull, 0xffffffffu, 0, 0);
	assert_int_equal(c.seg[0].addr, BUF);
	assert_int_equal(c.seg[0].len, 16);
}

static void push_writes_used(void **state)
{
	enum vq_err e;
	uint32_t elem[2];

	setd(DESC, 6, BUF, 16, 0, 0);
	offer(6);
	assert_int_equal(pop(&e), 1);
	assert_int_equal(vq_push(&gm, &q, c.head, 77), 0);
	assert_int_equal(*used16(1), 1);
	memcpy(elem, ram + (USED - RAM) + 4, 8);
	assert_int_equal(elem[0], 6);
	assert_int_equal(elem[1], 77);
}

static void no_interrupt_flag(void **state)
{
	assert_int_equal(vq_push(&gm, &q, 0, 0), 0);
	assert_true(vq_should_notify(&gm, &q));
	*avail16(0) = VIRTQ_AVAIL_F_NO_INTERRUPT;
	assert_int_equal(vq_push(&gm, &q, 0, 0), 0);
	assert_false(vq_should_notify(&gm, &q));
}

static void event_idx_suppression(void **state)
{
	q.event_idx = true;
	/* used_event (after avail.ring[8]) = 2: interrupt once used.idx
	 * passes 2, i.e. when it becomes 3 */
	*avail16(2 + 8) = 2;
	assert_int_equal(vq_push(&gm, &q, 0, 0), 0); /* idx 1 */
	assert_true(vq_should_notify(&gm, &q));	     /* first: always */
	assert_int_equal(vq_push(&gm, &q, 0, 0), 0); /* idx 2 */
	assert_false(vq_should_notify(&gm, &q));
	assert_int_equal(vq_push(&gm, &q, 0, 0), 0); /* idx 3 */
	assert_true(vq_should_notify(&gm, &q));
	assert_int_equal(vq_push(&gm, &q, 0, 0), 0); /* idx 4 */
	assert_false(vq_should_notify(&gm, &q));
}

static void avail_event_written(void **state)
{
	enum vq_err e;

	q.event_idx = true;
	setd(DESC, 0, BUF, 16, 0, 0);
	offer(0);
	offer(0);
	assert_int_equal(pop(&e), 1);
	assert_int_equal(pop(&e), 1);
	vq_set_avail_event(&gm, &q);
	/* avail_event follows used.ring[8] */
	assert_int_equal(*(uint16_t *)(ram + (USED - RAM) + 4 + 8 * 8), 2);
}

static void chain_read_write_helpers(void **state)
{
	enum vq_err e;
	uint8_t hdr[16], out[4] = {1, 2, 3, 4};

	memset(ram + (BUF - RAM), 0xab, 32);
	setd(DESC, 0, BUF, 4, VIRTQ_DESC_F_NEXT, 1);
	setd(DESC, 1, BUF + 4, 12, VIRTQ_DESC_F_NEXT, 2);
	setd(DESC, 2, BUF + 100, 2, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 3);
	setd(DESC, 3, BUF + 200, 2, VIRTQ_DESC_F_WRITE, 0);
	offer(0);
	assert_int_equal(pop(&e), 1);
	assert_int_equal(vq_chain_read(&gm, &c, 0, hdr, 16), 16);
	assert_int_equal(hdr[15], 0xab);
	assert_int_equal(vq_chain_read(&gm, &c, 10, hdr, 16), 6);
	assert_int_equal(vq_chain_write(&gm, &c, 1, out, 4), 3);
	assert_int_equal(ram[BUF - RAM + 101], 1);
	assert_int_equal(ram[BUF - RAM + 200], 2);
	assert_int_equal(ram[BUF - RAM + 201], 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup(f, setup)
		T(size_power_of_two),	    T(rings_aligned),
		T(rings_inside_ram),	    T(simple_chain),
		T(empty_not_ready),	    T(avail_idx_runaway),
		T(avail_idx_full_queue_ok), T(head_out_of_range),
		T(descriptor_loop),	    T(chain_as_long_as_queue_ok),
		T(chain_longer_than_queue), T(next_out_of_range),
		T(buffer_outside_ram),	    T(buffer_wraps),
		T(length_sum_overflow),	    T(readable_after_writable),
		T(zero_length_skipped),	    T(indirect_not_negotiated),
		T(indirect_good),	    T(indirect_malformed),
		T(indirect_nested),	    T(indirect_loop),
		T(chain_is_a_copy),	    T(push_writes_used),
		T(no_interrupt_flag),	    T(event_idx_suppression),
		T(avail_event_written),	    T(chain_read_write_helpers),
	};

	/* 4 GiB of address space for the overflow case, never touched */
	big = mmap(NULL, 1ull << 32, PROT_NONE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (big == MAP_FAILED)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
