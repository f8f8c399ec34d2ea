// SPDX-License-Identifier: MIT
/* Devices driven through the port-I/O dispatcher, without KVM. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "vm.h"
#include "arch/x86/layout.h"

static struct vm *new_vm(void)
{
	struct vm *vm = calloc(1, sizeof(*vm));

	vm->kvm_fd = vm->vm_fd = vm->epfd = vm->wake_fd = -1;
	vm->cfg.console_out_fd = -1;
	pthread_mutex_init(&vm->lock, NULL);
	pthread_cond_init(&vm->cond, NULL);
	assert_int_equal(uart_create(vm), 0);
	assert_int_equal(i8042_create(vm), 0);
	assert_int_equal(cmos_create(vm), 0);
	assert_int_equal(marker_create(vm), 0);
	return vm;
}

static void free_vm(struct vm *vm)
{
	uart_destroy(vm);
	i8042_destroy(vm);
	cmos_destroy(vm);
	free(vm);
}

static uint8_t in8(struct vm *vm, uint16_t port)
{
	uint8_t v[4] = { 0 };

	vm_pio(vm, port, false, v, 1);
	return v[0];
}

static void out8(struct vm *vm, uint16_t port, uint8_t val)
{
	vm_pio(vm, port, true, &val, 1);
}

static void uart_tx_reaches_console_tail(void **state)
{
	struct vm *vm = new_vm();
	char tail[256];
	const char *s = "first\r\nsecond line\r\n";

	for (const char *p = s; *p; p++)
		out8(vm, 0x3f8, (uint8_t)*p);
	vm_console_tail(vm, tail, sizeof(tail), 10);
	assert_string_equal(tail, "  | first\n  | second line\n");
	assert_true(vm->tl.first_console_byte != 0);
	free_vm(vm);
}

static void uart_loopback_like_linux_autoconfig(void **state)
{
	struct vm *vm = new_vm();

	out8(vm, 0x3fc, 0x10 | 0x0a); /* MCR: LOOP | RTS | OUT2 */
	assert_int_equal(in8(vm, 0x3fe) & 0xf0, 0x90); /* CTS | DCD */
	out8(vm, 0x3f8, 'x'); /* loops back into RBR */
	assert_true(in8(vm, 0x3fd) & 0x01); /* LSR.DR */
	assert_int_equal(in8(vm, 0x3f8), 'x');
	assert_false(in8(vm, 0x3fd) & 0x01);
	out8(vm, 0x3fc, 0x00);
	assert_int_equal(in8(vm, 0x3fe), 0xb0);
	/* scratch register holds what is written */
	out8(vm, 0x3ff, 0x5a);
	assert_int_equal(in8(vm, 0x3ff), 0x5a);
	free_vm(vm);
}

static void uart_interrupt_identification(void **state)
{
	struct vm *vm = new_vm();
	uint8_t in[2] = { 'a', 'b' };

	assert_int_equal(in8(vm, 0x3fa) & 0x0f, 0x01); /* none pending */
	out8(vm, 0x3f9, 0x02);				/* IER.THRI */
	assert_int_equal(in8(vm, 0x3fa) & 0x0f, 0x02);	/* THRE */
	assert_int_equal(in8(vm, 0x3fa) & 0x0f, 0x01);	/* cleared by read */
	uart_rx(vm, in, 2);
	assert_int_equal(in8(vm, 0x3fa) & 0x0f, 0x01); /* RDI not enabled */
	out8(vm, 0x3f9, 0x03);
	assert_int_equal(in8(vm, 0x3fa) & 0x0f, 0x04); /* data available */
	assert_int_equal(in8(vm, 0x3f8), 'a');
	assert_int_equal(in8(vm, 0x3f8), 'b');
	/* DLAB switches offsets 0/1 to the divisor latch */
	out8(vm, 0x3fb, 0x80);
	out8(vm, 0x3f8, 0x01);
	out8(vm, 0x3f9, 0x00);
	assert_int_equal(in8(vm, 0x3f8), 0x01);
	out8(vm, 0x3fb, 0x03);
	assert_int_equal(in8(vm, 0x3f9), 0x03); /* IER back */
	free_vm(vm);
}

static int bcd(uint8_t v)
{
	return (v >> 4) * 10 + (v & 0xf);
}

static void cmos_gives_host_utc_time(void **state)
{
	struct vm *vm = new_vm();
	struct tm tm;
	time_t now;
	int y, mo, d, h, mi, s;

	do {
		now = time(NULL);
		out8(vm, 0x70, 0x00);
		s = bcd(in8(vm, 0x71));
		out8(vm, 0x70, 0x02);
		mi = bcd(in8(vm, 0x71));
		out8(vm, 0x70, 0x04);
		h = bcd(in8(vm, 0x71));
		out8(vm, 0x70, 0x07);
		d = bcd(in8(vm, 0x71));
		out8(vm, 0x70, 0x08);
		mo = bcd(in8(vm, 0x71));
		out8(vm, 0x70, 0x09);
		y = bcd(in8(vm, 0x71));
		out8(vm, 0x70, 0x32);
		y += 100 * bcd(in8(vm, 0x71));
	} while (time(NULL) != now); /* retry across a second boundary */
	gmtime_r(&now, &tm);
	assert_int_equal(y, tm.tm_year + 1900);
	assert_int_equal(mo, tm.tm_mon + 1);
	assert_int_equal(d, tm.tm_mday);
	assert_int_equal(h, tm.tm_hour);
	assert_int_equal(mi, tm.tm_min);
	assert_int_equal(s, tm.tm_sec);
	out8(vm, 0x70, 0x0a);
	assert_false(in8(vm, 0x71) & 0x80); /* never update-in-progress */
	out8(vm, 0x70, 0x8d);		    /* NMI-disable bit is ignored */
	assert_int_equal(in8(vm, 0x71), 0x80); /* valid RAM and time */
	/* binary mode */
	out8(vm, 0x70, 0x0b);
	out8(vm, 0x71, 0x06);
	out8(vm, 0x70, 0x32);
	assert_int_equal(in8(vm, 0x71), (tm.tm_year + 1900) / 100);
	free_vm(vm);
}

static void i8042_reset_ends_vm_as_reboot(void **state)
{
	struct vm *vm = new_vm();

	out8(vm, 0x64, 0xaa); /* self test */
	assert_true(in8(vm, 0x64) & 0x01);
	assert_int_equal(in8(vm, 0x60), 0x55);
	assert_false(vm->stop_set);
	out8(vm, 0x64, 0xfe);
	assert_true(vm->stop_set);
	assert_int_equal(vm->stop.reason, CHARLIE_STOP_REBOOT);
	assert_int_equal(vm->stop.exit_code, 0);
	free_vm(vm);

	vm = new_vm(); /* the output-port route: bit 0 low = reset */
	out8(vm, 0x64, 0xd1);
	out8(vm, 0x60, 0xfe);
	assert_int_equal(vm->stop.reason, CHARLIE_STOP_REBOOT);
	free_vm(vm);
}

static void unhandled_ports_float_high(void **state)
{
	struct vm *vm = new_vm();
	uint8_t v[4] = { 0 };

	vm_pio(vm, 0xcfc, false, v, 4); /* no PCI */
	assert_int_equal(v[0] & v[1] & v[2] & v[3], 0xff);
	assert_int_equal(in8(vm, 0x2f8), 0xff); /* no COM2 */
	assert_int_equal(in8(vm, 0x61) , 0xff); /* not the i8042's */
	free_vm(vm);
}

static void boot_marker_port(void **state)
{
	struct vm *vm = new_vm();

	out8(vm, CHARLIE_BOOT_MARKER_PORT, 0x01); /* wrong value: ignored */
	assert_int_equal(vm->tl.boot_marker, 0);
	out8(vm, CHARLIE_BOOT_MARKER_PORT, CHARLIE_BOOT_MARKER_VALUE);
	assert_true(vm->tl.boot_marker != 0);
	free_vm(vm);
}

static uint8_t sum(const uint8_t *p, size_t n)
{
	uint8_t s = 0;

	while (n--)
		s = (uint8_t)(s + *p++);
	return s;
}

static void mptable_is_well_formed(void **state)
{
	static uint8_t ram[1 << 20];
	struct vm *vm = new_vm();
	struct gm_region r = { .gpa = 0, .size = sizeof(ram), .host = ram };
	const uint8_t *mpf = ram + X86_MPTABLE_ADDR, *h;
	uint32_t physptr;
	uint16_t len, count;

	gm_init_from(&vm->gm, &r, 1);
	vm->nr_vcpus = 4;
	assert_int_equal(x86_write_mptable(vm), 0);
	assert_memory_equal(mpf, "_MP_", 4);
	assert_int_equal(sum(mpf, 16), 0);
	memcpy(&physptr, mpf + 4, 4);
	h = ram + physptr;
	assert_memory_equal(h, "PCMP", 4);
	memcpy(&len, h + 4, 2);
	memcpy(&count, h + 34, 2);
	assert_int_equal(sum(h, len), 0);
	assert_int_equal(count, 4 + 1 + 1 + 16 + 2);
	/* first entry: CPU 0, enabled and bootstrap processor */
	assert_int_equal(h[44], 0);
	assert_int_equal(h[44 + 3], 3);
	free_vm(vm);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(uart_tx_reaches_console_tail),
		cmocka_unit_test(uart_loopback_like_linux_autoconfig),
		cmocka_unit_test(uart_interrupt_identification),
		cmocka_unit_test(cmos_gives_host_utc_time),
		cmocka_unit_test(i8042_reset_ends_vm_as_reboot),
		cmocka_unit_test(unhandled_ports_float_high),
		cmocka_unit_test(boot_marker_port),
		cmocka_unit_test(mptable_is_well_formed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
