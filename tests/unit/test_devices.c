// SPDX-License-Identifier: MIT
/* The platform devices of devices/table.c on a fake host, without KVM. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fake_host.h"
#include "vm.h"
#include "arch/x86/layout.h"

/* Every device of the table, created as vm.c does. */
struct platform {
	struct fake_host *f;
	void *state[16];
	const struct device_entry *entry[16];
	unsigned int n;
};

static struct platform *platform_new(void)
{
	struct platform *p = calloc(1, sizeof(*p));
	struct charlie_error err = {0};

	p->f = fake_host_new();
	for (unsigned int i = 0; i < device_table_len; i++) {
		const struct device_entry *e = &device_table[i];
		unsigned int k = e->ops->count ? e->ops->count(&p->f->cfg) : 1;

		for (unsigned int j = 0; j < k; j++) {
			assert_true(p->n < 16);
			p->entry[p->n] = e;
			assert_int_equal(e->ops->create(&p->f->h, e->param, j,
							&p->state[p->n], &err),
					 0);
			p->n++;
		}
	}
	return p;
}

static void platform_free(struct platform *p)
{
	while (p->n--)
		if (p->state[p->n] && p->entry[p->n]->ops->destroy)
			p->entry[p->n]->ops->destroy(p->state[p->n]);
	fake_host_free(p->f);
	free(p);
}

static int setup(void **state)
{
	*state = platform_new();
	return 0;
}

static int teardown(void **state)
{
	platform_free(*state);
	return 0;
}

static uint8_t in8(struct platform *p, uint16_t port)
{
	uint8_t v[4] = {0};

	host_pio(&p->f->h, port, false, v, 1);
	return v[0];
}

static void out8(struct platform *p, uint16_t port, uint8_t val)
{
	host_pio(&p->f->h, port, true, &val, 1);
}

/* The table's first console UART (what the guest uses as ttyS0). */
static const struct uart_param *console_uart(void)
{
	for (unsigned int i = 0; i < device_table_len; i++)
		if (device_table[i].ops == &uart8250_ops &&
		    ((const struct uart_param *)device_table[i].param)->console)
			return device_table[i].param;
	fail_msg("no console UART in the device table");
	return NULL;
}

static void table_windows_do_not_overlap(void **state)
{
	struct platform *p = *state;
	const struct bus *b = &p->f->h.pio;
	const struct bus *m = &p->f->h.mmio;

	/* each instance has at least one window (PIO, or MMIO for virtio) */
	assert_true(b->nr + m->nr >= p->n);
	for (unsigned int i = 1; i < b->nr; i++)
		assert_true(b->w[i - 1].base + b->w[i - 1].len <= b->w[i].base);
	for (unsigned int i = 1; i < m->nr; i++)
		assert_true(m->w[i - 1].base + m->w[i - 1].len <= m->w[i].base);
}

static void table_describes_console_uart(void **state)
{
	struct platform *p = *state;
	const struct uart_param *u = console_uart();
	bool found = false;

	for (unsigned int i = 0; i < p->f->h.nr_platdev; i++) {
		const struct host_platdev *d = &p->f->h.platdev[i];

		if (strcmp(d->hid, "PNP0501"))
			continue;
		assert_int_equal(d->pio_base, u->base);
		assert_int_equal(d->irq, u->irq);
		assert_memory_equal(d->name, u->name, 4);
		found = true;
	}
	assert_true(found);
	assert_non_null(p->f->h.console_in);
}

static void uart_tx_reaches_console(void **state)
{
	struct platform *p = *state;
	const struct uart_param *u = console_uart();
	const char *s = "first\r\nsecond\r\n";

	for (const char *c = s; *c; c++)
		out8(p, u->base, (uint8_t)*c);
	assert_string_equal(p->f->console, s);
}

static void uart_loopback_like_linux_autoconfig(void **state)
{
	struct platform *p = *state;
	uint16_t b = console_uart()->base;

	out8(p, b + 4, 0x10 | 0x0a); /* MCR: LOOP | RTS | OUT2 */
	assert_int_equal(in8(p, b + 6) & 0xf0, 0x90); /* CTS | DCD */
	out8(p, b, 'x');			      /* loops back into RBR */
	assert_true(in8(p, b + 5) & 0x01);	      /* LSR.DR */
	assert_int_equal(in8(p, b), 'x');
	assert_false(in8(p, b + 5) & 0x01);
	assert_int_equal(p->f->console_len, 0); /* looped, not sent */
	out8(p, b + 4, 0x00);
	assert_int_equal(in8(p, b + 6), 0xb0);
}

static void uart_scratch_register(void **state)
{
	struct platform *p = *state;
	uint16_t b = console_uart()->base;

	out8(p, b + 7, 0x5a);
	assert_int_equal(in8(p, b + 7), 0x5a);
}

static void uart_thre_interrupt_raises_and_clears_line(void **state)
{
	struct platform *p = *state;
	const struct uart_param *u = console_uart();

	assert_int_equal(in8(p, u->base + 2) & 0x0f, 0x01); /* none */
	assert_int_equal(p->f->irq[u->irq], 0);
	out8(p, u->base + 1, 0x02); /* IER.THRI */
	assert_int_equal(p->f->irq[u->irq], 1);
	assert_int_equal(in8(p, u->base + 2) & 0x0f, 0x02); /* THRE */
	assert_int_equal(p->f->irq[u->irq], 0); /* cleared by the read */
	assert_int_equal(in8(p, u->base + 2) & 0x0f, 0x01);
}

static void uart_rx_from_console_input(void **state)
{
	struct platform *p = *state;
	const struct uart_param *u = console_uart();
	const uint8_t in[2] = {'a', 'b'};

	p->f->h.console_in(p->f->h.console_in_opaque, in, 2);
	assert_int_equal(p->f->irq[u->irq], 0); /* RDI not enabled */
	out8(p, u->base + 1, 0x01);		/* IER.RDI */
	assert_int_equal(p->f->irq[u->irq], 1);
	assert_int_equal(in8(p, u->base + 2) & 0x0f, 0x04);
	assert_int_equal(in8(p, u->base), 'a');
	assert_int_equal(in8(p, u->base), 'b');
	assert_int_equal(p->f->irq[u->irq], 0);
}

static void uart_rx_overflow_said_once(void **state)
{
	struct platform *p = *state;
	uint8_t big[4096];

	memset(big, 'z', sizeof(big));
	p->f->h.console_in(p->f->h.console_in_opaque, big, sizeof(big));
	p->f->h.console_in(p->f->h.console_in_opaque, big, sizeof(big));
	assert_int_equal(p->f->log_lines, 1);
	assert_non_null(strstr(p->f->last_log, "dropping input"));
}

static void uart_divisor_latch(void **state)
{
	struct platform *p = *state;
	uint16_t b = console_uart()->base;

	out8(p, b + 1, 0x03);
	out8(p, b + 3, 0x80); /* DLAB */
	out8(p, b, 0x01);
	out8(p, b + 1, 0x00);
	assert_int_equal(in8(p, b), 0x01);
	out8(p, b + 3, 0x03);
	assert_int_equal(in8(p, b + 1), 0x03); /* IER back */
}

static void uart_reset_restores_power_on_state(void **state)
{
	struct platform *p = *state;
	const struct uart_param *u = console_uart();
	unsigned int i;

	for (i = 0; i < device_table_len; i++)
		if (device_table[i].param == u)
			break;
	out8(p, u->base + 1, 0x02);
	out8(p, u->base + 7, 0x5a);
	assert_int_equal(p->f->irq[u->irq], 1);
	device_table[i].ops->reset(p->state[i]);
	assert_int_equal(p->f->irq[u->irq], 0);
	assert_int_equal(in8(p, u->base + 1), 0);
	assert_int_equal(in8(p, u->base + 7), 0);
}

/* A second UART is just another instance with other parameters. */
static void second_uart_beside_the_first(void **state)
{
	struct platform *p = *state;
	static const struct uart_param com2 = {
		.base = 0x2f8, .irq = 3, .name = "COM2", .console = false};
	struct charlie_error err = {0};
	void *s = NULL;

	assert_int_equal(uart8250_ops.create(&p->f->h, &com2, 0, &s, &err), 0);
	out8(p, 0x2ff, 0x11);
	assert_int_equal(in8(p, 0x2ff), 0x11);
	assert_int_equal(in8(p, console_uart()->base + 7), 0);
	out8(p, 0x2f9, 0x02);
	assert_int_equal(p->f->irq[3], 1);
	assert_int_equal(p->f->irq[console_uart()->irq], 0);
	out8(p, 0x2f8, 'q'); /* not the console */
	assert_int_equal(p->f->console_len, 0);
	uart8250_ops.destroy(s);
}

static void same_window_twice_is_refused(void **state)
{
	struct platform *p = *state;
	struct charlie_error err = {0};
	void *s = NULL;

	assert_int_equal(
		uart8250_ops.create(&p->f->h, console_uart(), 1, &s, &err),
		-EEXIST);
	uart8250_ops.destroy(s);
}

static int bcd(uint8_t v)
{
	return (v >> 4) * 10 + (v & 0xf);
}

static void cmos_gives_host_utc_time(void **state)
{
	struct platform *p = *state;
	struct tm tm;
	time_t now;
	int y, mo, d, h, mi, s;

	do {
		now = time(NULL);
		out8(p, 0x70, 0x00);
		s = bcd(in8(p, 0x71));
		out8(p, 0x70, 0x02);
		mi = bcd(in8(p, 0x71));
		out8(p, 0x70, 0x04);
		h = bcd(in8(p, 0x71));
		out8(p, 0x70, 0x07);
		d = bcd(in8(p, 0x71));
		out8(p, 0x70, 0x08);
		mo = bcd(in8(p, 0x71));
		out8(p, 0x70, 0x09);
		y = bcd(in8(p, 0x71));
		out8(p, 0x70, 0x32);
		y += 100 * bcd(in8(p, 0x71));
	} while (time(NULL) != now); /* retry across a second boundary */
	gmtime_r(&now, &tm);
	assert_int_equal(y, tm.tm_year + 1900);
	assert_int_equal(mo, tm.tm_mon + 1);
	assert_int_equal(d, tm.tm_mday);
	assert_int_equal(h, tm.tm_hour);
	assert_int_equal(mi, tm.tm_min);
	assert_int_equal(s, tm.tm_sec);
}

static void cmos_status_registers(void **state)
{
	struct platform *p = *state;

	out8(p, 0x70, 0x0a);
	assert_false(in8(p, 0x71) & 0x80);    /* never update-in-progress */
	out8(p, 0x70, 0x8d);		      /* NMI-disable bit is ignored */
	assert_int_equal(in8(p, 0x71), 0x80); /* valid RAM and time */
}

static void cmos_binary_mode(void **state)
{
	struct platform *p = *state;
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	out8(p, 0x70, 0x0b);
	out8(p, 0x71, 0x06);
	out8(p, 0x70, 0x32);
	assert_int_equal(in8(p, 0x71), (tm.tm_year + 1900) / 100);
}

static void i8042_self_test(void **state)
{
	struct platform *p = *state;

	out8(p, 0x64, 0xaa);
	assert_true(in8(p, 0x64) & 0x01);
	assert_int_equal(in8(p, 0x60), 0x55);
	assert_false(in8(p, 0x64) & 0x01);
	assert_int_equal(p->f->end, CHARLIE_STOP_NONE);
}

static void i8042_pulse_reset_is_reboot(void **state)
{
	struct platform *p = *state;

	out8(p, 0x64, 0xfe);
	assert_int_equal(p->f->end, CHARLIE_STOP_REBOOT);
}

static void i8042_output_port_reset_is_reboot(void **state)
{
	struct platform *p = *state;

	out8(p, 0x64, 0xd1);
	out8(p, 0x60, 0xfe); /* bit 0 low: reset */
	assert_int_equal(p->f->end, CHARLIE_STOP_REBOOT);
}

static void i8042_interrupt_follows_output_buffer(void **state)
{
	struct platform *p = *state;

	out8(p, 0x64, 0x60);
	out8(p, 0x60, 0x05); /* CTR: KBDINT | SYS */
	out8(p, 0x64, 0xaa);
	assert_int_equal(p->f->irq[1], 1);
	in8(p, 0x60);
	assert_int_equal(p->f->irq[1], 0);
}

/* Without firmware no keyboard answers: atkbd's reset gets 0xfe. */
static void i8042_no_keyboard_asks_resend(void **state)
{
	struct platform *p = *state;

	out8(p, 0x60, 0xff);
	assert_int_equal(in8(p, 0x60), 0xfe);
	out8(p, 0x60, 0xf4);
	assert_int_equal(in8(p, 0x60), 0xfe);
}

/* The bytes port 0x60 gives until the output buffer is empty. */
static unsigned int kbd_drain(struct fake_host *f, uint8_t *got, unsigned n)
{
	unsigned int i = 0;
	uint8_t v[4];

	for (;;) {
		v[0] = 0;
		host_pio(&f->h, 0x64, false, v, 1);
		if (!(v[0] & 0x01) || i == n)
			return i;
		host_pio(&f->h, 0x60, false, v, 1);
		got[i++] = v[0];
	}
}

static void kbd_cmd(struct fake_host *f, uint8_t cmd, const uint8_t *want,
		    unsigned int n)
{
	uint8_t got[8] = {0};

	host_pio(&f->h, 0x60, true, &cmd, 1);
	assert_int_equal(kbd_drain(f, got, sizeof(got)), n);
	assert_memory_equal(got, want, n);
}

/* Under --efi a keyboard answers as OVMF's PS/2 driver and atkbd expect. */
static void i8042_efi_keyboard_answers(void **state)
{
	struct fake_host *f = fake_host_new();
	struct charlie_error err = {0};
	void *k = NULL;
	uint8_t v;

	(void)state;
	f->cfg.efi.enabled = true;
	assert_int_equal(i8042_ops.create(&f->h, NULL, 0, &k, &err), 0);
	kbd_cmd(f, 0xff, (const uint8_t[]){0xfa, 0xaa}, 2); /* reset, BAT */
	kbd_cmd(f, 0xf2, (const uint8_t[]){0xfa, 0xab, 0x83}, 3); /* ID */
	kbd_cmd(f, 0xf4, (const uint8_t[]){0xfa}, 1);		  /* enable */
	kbd_cmd(f, 0xed, (const uint8_t[]){0xfa}, 1);		  /* LEDs */
	kbd_cmd(f, 0x02, (const uint8_t[]){0xfa}, 1);		  /* ..arg */
	kbd_cmd(f, 0xee, (const uint8_t[]){0xee}, 1);		  /* echo */
	kbd_cmd(f, 0x01, (const uint8_t[]){0xfe}, 1); /* not a command */
	/* with translation on (CTR bit 6) the ID and scan set are set 1's */
	v = 0x60;
	host_pio(&f->h, 0x64, true, &v, 1);
	v = 0x45;
	host_pio(&f->h, 0x60, true, &v, 1);
	kbd_cmd(f, 0xf2, (const uint8_t[]){0xfa, 0xab, 0x41}, 3);
	kbd_cmd(f, 0xf0, (const uint8_t[]){0xfa}, 1);
	kbd_cmd(f, 0x00, (const uint8_t[]){0xfa, 0x41}, 2); /* get: set 2 */
	/* the controller's own commands are unchanged */
	v = 0xaa;
	host_pio(&f->h, 0x64, true, &v, 1);
	kbd_cmd(f, 0xf4, (const uint8_t[]){0x55, 0xfa}, 2);
	assert_int_equal(f->end, CHARLIE_STOP_NONE);
	i8042_ops.destroy(k);
	fake_host_free(f);
}

static void unhandled_ports_float_high(void **state)
{
	struct platform *p = *state;
	uint8_t v[4] = {0};

	host_pio(&p->f->h, 0xcfc, false, v, 4); /* no PCI */
	assert_int_equal(v[0] & v[1] & v[2] & v[3], 0xff);
	assert_int_equal(in8(p, 0x61), 0xff); /* not the i8042's */
}

static void unhandled_port_logged_once(void **state)
{
	struct platform *p = *state;

	for (int i = 0; i < 1000; i++)
		in8(p, 0x2e8);
	assert_int_equal(p->f->log_lines, 1);
	in8(p, 0x2e9);
	assert_int_equal(p->f->log_lines, 2);
}

static void unhandled_mmio_logged_once_per_address(void **state)
{
	struct platform *p = *state;
	uint8_t v[8];

	for (uint64_t a = 0; a < 1000; a++) {
		host_mmio(&p->f->h, 0xd8000000, false, v, 4); /* no device */
		host_mmio(&p->f->h, 0xd8001000 + (a % 3) * 4, true, v, 4);
	}
	assert_int_equal(v[0], 0xff);
	assert_int_equal(p->f->log_lines, 4);
	/* past the table of remembered addresses, silence (said once) */
	for (uint64_t a = 0; a < 1000; a++)
		host_mmio(&p->f->h, 0xe0000000 + a * 4, false, v, 4);
	assert_int_equal(p->f->log_lines, HOST_MMIO_WARNED);
	assert_non_null(strstr(p->f->last_log, "not logged"));
}

static void boot_marker_port(void **state)
{
	struct platform *p = *state;

	out8(p, CHARLIE_BOOT_MARKER_PORT, 0x01); /* wrong value: ignored */
	assert_int_equal(p->f->events[HOST_EV_BOOT_MARKER], 0);
	out8(p, CHARLIE_BOOT_MARKER_PORT, CHARLIE_BOOT_MARKER_VALUE);
	assert_int_equal(p->f->events[HOST_EV_BOOT_MARKER], 1);
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
	struct vm *vm = calloc(1, sizeof(*vm));
	struct gm_region r = {.gpa = 0, .size = sizeof(ram), .host = ram};
	const uint8_t *mpf = ram + X86_MPTABLE_ADDR, *h;
	uint32_t physptr;
	uint16_t len, count;
	const unsigned int cpus = 4, ioapic = 1, buses = 1, isa_irqs = 24,
			   lints = 2;

	gm_init_from(&vm->gm, &r, 1);
	vm->nr_vcpus = cpus;
	assert_int_equal(x86_write_mptable(vm), 0);
	assert_memory_equal(mpf, "_MP_", 4);
	assert_int_equal(sum(mpf, 16), 0);
	memcpy(&physptr, mpf + 4, 4);
	h = ram + physptr;
	assert_memory_equal(h, "PCMP", 4);
	memcpy(&len, h + 4, 2);
	memcpy(&count, h + 34, 2);
	assert_int_equal(sum(h, len), 0);
	/* MP spec 1.4: one entry per CPU, bus, I/O APIC, I/O APIC pin (all
	 * 24: 16-23 carry virtio-mmio interrupts), LINT */
	assert_int_equal(count, cpus + buses + ioapic + isa_irqs + lints);
	/* first entry: CPU 0, enabled and bootstrap processor */
	assert_int_equal(h[44], 0);
	assert_int_equal(h[44 + 3], 3);
	/* I/O interrupt entries after the CPUs (20 bytes each), the bus and
	 * the I/O APIC (8 each): ISA IRQ n on pin n, IRQ0 included, since
	 * KVM's default routing puts the PIT (GSI 0) on pin 0 */
	for (unsigned int i = 0; i < isa_irqs; i++) {
		const uint8_t *e = h + 44 + 20 * cpus + 8 + 8 + 8 * i;

		assert_int_equal(e[0], 3);
		assert_int_equal(e[5], i);
		assert_int_equal(e[7], i);
	}
	free(vm);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(table_windows_do_not_overlap),
		T(table_describes_console_uart),
		T(uart_tx_reaches_console),
		T(uart_loopback_like_linux_autoconfig),
		T(uart_scratch_register),
		T(uart_thre_interrupt_raises_and_clears_line),
		T(uart_rx_from_console_input),
		T(uart_rx_overflow_said_once),
		T(uart_divisor_latch),
		T(uart_reset_restores_power_on_state),
		T(second_uart_beside_the_first),
		T(same_window_twice_is_refused),
		T(cmos_gives_host_utc_time),
		T(cmos_status_registers),
		T(cmos_binary_mode),
		T(i8042_self_test),
		T(i8042_pulse_reset_is_reboot),
		T(i8042_output_port_reset_is_reboot),
		T(i8042_interrupt_follows_output_buffer),
		T(i8042_no_keyboard_asks_resend),
		cmocka_unit_test(i8042_efi_keyboard_answers),
		T(unhandled_ports_float_high),
		T(unhandled_port_logged_once),
		T(unhandled_mmio_logged_once_per_address),
		T(boot_marker_port),
		cmocka_unit_test(mptable_is_well_formed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
