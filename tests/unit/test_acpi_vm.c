// SPDX-License-Identifier: MIT
/*
 * The power button through the library (charlie.h), against the tiny
 * kernels on /dev/kvm (tests/kernels: latelisten.elf enables PWRBTN_EN
 * only after a byte arrives on its console, so the test decides when the
 * guest starts listening; idle.elf never does).  Skipped, with the
 * reason, when /dev/kvm cannot be used or the kernels are not built.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "charlie.h"

struct rec {
	pthread_mutex_t lock;
	char con[4096];
	size_t con_len;
	unsigned int ev[3];
};

static void on_console(void *opaque, const void *buf, size_t len)
{
	struct rec *r = opaque;

	pthread_mutex_lock(&r->lock);
	for (size_t i = 0; i < len && r->con_len < sizeof(r->con) - 1; i++)
		r->con[r->con_len++] = ((const char *)buf)[i];
	r->con[r->con_len] = 0;
	pthread_mutex_unlock(&r->lock);
}

static void on_button(void *opaque, enum charlie_button_event ev)
{
	struct rec *r = opaque;

	pthread_mutex_lock(&r->lock);
	r->ev[ev]++;
	pthread_mutex_unlock(&r->lock);
}

static unsigned int events(struct rec *r, enum charlie_button_event ev)
{
	unsigned int n;

	pthread_mutex_lock(&r->lock);
	n = r->ev[ev];
	pthread_mutex_unlock(&r->lock);
	return n;
}

/* Waits up to 20 s for `s` on the console. */
static bool console_has(struct rec *r, const char *s)
{
	for (int i = 0; i < 2000; i++) {
		bool found;

		pthread_mutex_lock(&r->lock);
		found = strstr(r->con, s) != NULL;
		pthread_mutex_unlock(&r->lock);
		if (found)
			return true;
		usleep(10000);
	}
	return false;
}

static char kernel_path[512];

static const char *kernel(const char *name)
{
	const char *b = getenv("CHARLIE_BUILD");

	snprintf(kernel_path, sizeof(kernel_path), "%s/tests/kernels/%s",
		 b && *b ? b : "build", name);
	return kernel_path;
}

/* The reason this machine cannot run the tests, or NULL. */
static const char *cannot_run(void)
{
	int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return "/dev/kvm cannot be opened read-write";
	close(fd);
	if (access(kernel("latelisten.elf"), R_OK) ||
	    access(kernel("idle.elf"), R_OK))
		return "tiny kernels not built (make tiny-kernels)";
	return NULL;
}

struct fixture {
	struct rec r;
	struct charlie_vm *vm;
	int in[2];
};

static void start(struct fixture *f, const char *k)
{
	struct charlie_callbacks cb = {
		.opaque = &f->r,
		.console = on_console,
		.power_button = on_button,
	};
	struct charlie_config cfg;
	struct charlie_error err = {0};
	const char *why = cannot_run();

	if (why) {
		printf("# SKIP: %s\n", why);
		skip();
	}
	memset(f, 0, sizeof(*f));
	pthread_mutex_init(&f->r.lock, NULL);
	assert_int_equal(pipe2(f->in, O_CLOEXEC), 0);
	charlie_config_init(&cfg);
	cfg.kernel = kernel(k);
	cfg.memory = 64ull << 20;
	cfg.console_in_fd = f->in[0];
	assert_int_equal(charlie_vm_create(&cfg, &cb, &f->vm, &err), 0);
	assert_int_equal(charlie_vm_start(f->vm, &err), 0);
}

static void finish(struct fixture *f, struct charlie_stop_info *info)
{
	assert_int_equal(charlie_vm_wait(f->vm, info), 0);
	charlie_vm_destroy(f->vm);
	close(f->in[0]);
	close(f->in[1]);
	pthread_mutex_destroy(&f->r.lock);
}

/* A press before the guest listens is held, then delivered when it
 * enables PWRBTN_EN; the guest powers off. */
static void held_press_delivered_later(void **state)
{
	static struct fixture f;
	static struct charlie_stop_info info;

	start(&f, "latelisten.elf");
	assert_true(console_has(&f.r, "waiting for a console byte"));
	assert_false(charlie_vm_can_request_stop(f.vm));
	assert_int_equal(charlie_vm_request_stop(f.vm), 0);
	assert_int_equal(charlie_vm_state(f.vm), CHARLIE_STATE_STOPPING);
	assert_int_equal(events(&f.r, CHARLIE_BUTTON_HELD), 1);
	assert_int_equal(events(&f.r, CHARLIE_BUTTON_DELIVERED), 0);
	usleep(100000); /* still held: nobody listens */
	assert_int_equal(events(&f.r, CHARLIE_BUTTON_DELIVERED), 0);
	assert_int_equal(write(f.in[1], "x", 1), 1);
	finish(&f, &info);
	assert_int_equal(info.reason, CHARLIE_STOP_POWEROFF);
	assert_string_equal(info.summary, "guest powered off");
	assert_int_equal(info.exit_code, 0);
	assert_int_equal(f.r.ev[CHARLIE_BUTTON_LISTENING], 1);
	assert_int_equal(f.r.ev[CHARLIE_BUTTON_DELIVERED], 1);
	assert_non_null(strstr(f.r.con, "power button pressed"));
}

/* can_request_stop: false until the guest enables its button, true
 * after; the press then goes straight through. */
static void can_request_stop_follows_the_guest(void **state)
{
	static struct fixture f;
	static struct charlie_stop_info info;

	start(&f, "latelisten.elf");
	assert_true(console_has(&f.r, "waiting for a console byte"));
	assert_false(charlie_vm_can_request_stop(f.vm));
	assert_int_equal(write(f.in[1], "x", 1), 1);
	assert_true(console_has(&f.r, "listening\n"));
	assert_true(charlie_vm_can_request_stop(f.vm));
	assert_int_equal(events(&f.r, CHARLIE_BUTTON_LISTENING), 1);
	assert_int_equal(charlie_vm_request_stop(f.vm), 0);
	finish(&f, &info);
	assert_int_equal(info.reason, CHARLIE_STOP_POWEROFF);
	assert_int_equal(f.r.ev[CHARLIE_BUTTON_HELD], 0);
	assert_int_equal(f.r.ev[CHARLIE_BUTTON_DELIVERED], 0);
}

/* A guest that never listens: the forced stop's summary says so. */
static void forced_stop_names_the_deaf_guest(void **state)
{
	static struct fixture f;
	static struct charlie_stop_info info;

	start(&f, "idle.elf");
	assert_true(console_has(&f.r, "idle"));
	assert_false(charlie_vm_can_request_stop(f.vm));
	assert_int_equal(charlie_vm_request_stop(f.vm), 0);
	assert_int_equal(charlie_vm_stop(f.vm), 0);
	finish(&f, &info);
	assert_int_equal(info.reason, CHARLIE_STOP_FORCED);
	assert_int_equal(info.exit_code, 1);
	assert_string_equal(info.summary, "VM stopped by force (the guest "
					  "never enabled its power button)");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(held_press_delivered_later),
		cmocka_unit_test(can_request_stop_follows_the_guest),
		cmocka_unit_test(forced_stop_names_the_deaf_guest),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
