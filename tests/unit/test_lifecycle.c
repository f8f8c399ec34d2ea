// SPDX-License-Identifier: MIT
/*
 * The library's lifecycle (issue 6): create/start/stop/wait/destroy with
 * the state callback recording every transition, against the tiny test
 * kernels on /dev/kvm (they run in milliseconds, also on PVM).  Each
 * recorded sequence must be a path through the allowed transitions that
 * ends in "stopped", and charlie_vm_wait must return.
 * LIFECYCLE_ITERS repeats every case (make tsan-lifecycle: 1000 under
 * ThreadSanitizer).  SKIP with the reason when /dev/kvm cannot be used.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "charlie.h"

#define MAX_SEQ 16

struct rec {
	pthread_mutex_t lock;
	enum charlie_state from[MAX_SEQ], to[MAX_SEQ];
	unsigned int n;
	unsigned int stopped_calls;
	struct charlie_vm *vm; /* for stop-in-callback */
	enum charlie_state stop_when;
};

static char kdir[4096];
static unsigned int iters = 1;

static void on_state(void *opaque, enum charlie_state from,
		     enum charlie_state to)
{
	struct rec *r = opaque;

	pthread_mutex_lock(&r->lock);
	if (r->n < MAX_SEQ) {
		r->from[r->n] = from;
		r->to[r->n] = to;
	}
	r->n++;
	pthread_mutex_unlock(&r->lock);
	if (r->vm && to == r->stop_when)
		charlie_vm_stop(r->vm); /* re-enters the library */
}

static void on_stopped(void *opaque, const struct charlie_stop_info *i)
{
	struct rec *r = opaque;

	pthread_mutex_lock(&r->lock);
	r->stopped_calls++;
	pthread_mutex_unlock(&r->lock);
}

static bool allowed(enum charlie_state a, enum charlie_state b)
{
	switch (a) {
	case CHARLIE_STATE_CREATED:
		return b == CHARLIE_STATE_STARTING;
	case CHARLIE_STATE_STARTING:
		return b == CHARLIE_STATE_RUNNING ||
		       b == CHARLIE_STATE_STOPPING ||
		       b == CHARLIE_STATE_STOPPED || b == CHARLIE_STATE_ERROR;
	case CHARLIE_STATE_RUNNING:
		return b == CHARLIE_STATE_STOPPING ||
		       b == CHARLIE_STATE_STOPPED || b == CHARLIE_STATE_ERROR;
	case CHARLIE_STATE_STOPPING:
		return b == CHARLIE_STATE_STOPPED || b == CHARLIE_STATE_ERROR;
	default:
		return false;
	}
}

/* The sequence is a chain created -> ... -> stopped of allowed steps. */
static void check_path(struct rec *r)
{
	enum charlie_state at = CHARLIE_STATE_CREATED;

	assert_true(r->n >= 2 && r->n <= MAX_SEQ);
	for (unsigned int i = 0; i < r->n; i++) {
		if (r->from[i] != at || !allowed(at, r->to[i]))
			fail_msg("step %u: %s -> %s after %s", i,
				 charlie_state_name(r->from[i]),
				 charlie_state_name(r->to[i]),
				 charlie_state_name(at));
		at = r->to[i];
	}
	assert_int_equal(at, CHARLIE_STATE_STOPPED);
	assert_int_equal(r->stopped_calls, 1);
}

static bool saw(struct rec *r, enum charlie_state s)
{
	for (unsigned int i = 0; i < r->n && i < MAX_SEQ; i++)
		if (r->to[i] == s)
			return true;
	return false;
}

static struct charlie_vm *make_vm(const char *kernel, struct rec *r)
{
	struct charlie_config cfg;
	struct charlie_callbacks cb = {
		.opaque = r,
		.state_changed = on_state,
		.guest_stopped = on_stopped,
	};
	struct charlie_error err = {0};
	struct charlie_vm *vm = NULL;
	char path[4200];

	snprintf(path, sizeof(path), "%s/%s", kdir, kernel);
	charlie_config_init(&cfg);
	cfg.kernel = path;
	cfg.memory = 32ull << 20;
	memset(r, 0, sizeof(*r));
	pthread_mutex_init(&r->lock, NULL);
	if (charlie_vm_create(&cfg, &cb, &vm, &err))
		fail_msg("create %s: %s", path, err.msg);
	assert_int_equal(charlie_vm_state(vm), CHARLIE_STATE_CREATED);
	return vm;
}

static void run_once(const char *kernel, enum charlie_stop_reason want,
		     bool force)
{
	struct charlie_stop_info info;
	struct charlie_error err;
	struct rec r;
	struct charlie_vm *vm = make_vm(kernel, &r);

	assert_int_equal(charlie_vm_start(vm, &err), 0);
	if (force)
		assert_int_equal(charlie_vm_stop(vm), 0);
	assert_int_equal(charlie_vm_wait(vm, &info), 0);
	assert_int_equal(info.reason, want);
	/* a second start is refused, the state stays stopped */
	assert_int_not_equal(charlie_vm_start(vm, &err), 0);
	assert_int_equal(charlie_vm_state(vm), CHARLIE_STATE_STOPPED);
	charlie_vm_destroy(vm);
	check_path(&r);
}

static int need_kvm(void **state)
{
	int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return 0;
	close(fd);
	*state = (void *)1;
	return 0;
}

#define REQUIRE_KVM()                                                          \
	do {                                                                   \
		if (!*state) {                                                 \
			printf("# /dev/kvm cannot be opened here\n");          \
			skip();                                                \
		}                                                              \
	} while (0)

static void guest_reboots_by_itself(void **state)
{
	REQUIRE_KVM();
	for (unsigned int i = 0; i < iters; i++)
		run_once("hello.elf", CHARLIE_STOP_REBOOT, false);
}

static void guest_crashes_at_once(void **state)
{
	REQUIRE_KVM();
	for (unsigned int i = 0; i < iters; i++)
		run_once("triple.elf", CHARLIE_STOP_CRASH, false);
}

static void forced_stop_of_running_guest(void **state)
{
	REQUIRE_KVM();
	for (unsigned int i = 0; i < iters; i++)
		run_once("idle.elf", CHARLIE_STOP_FORCED, true);
}

/* A stop from inside the "starting" callback: start must not then
 * report "running" over "stopping"/"stopped". */
static void stop_during_start(void **state)
{
	REQUIRE_KVM();
	for (unsigned int i = 0; i < iters; i++) {
		struct charlie_stop_info info;
		struct charlie_error err;
		struct rec r;
		struct charlie_vm *vm = make_vm("idle.elf", &r);

		r.vm = vm;
		r.stop_when = CHARLIE_STATE_STARTING;
		assert_int_equal(charlie_vm_start(vm, &err), 0);
		assert_int_equal(charlie_vm_wait(vm, &info), 0);
		assert_int_equal(info.reason, CHARLIE_STOP_FORCED);
		assert_false(saw(&r, CHARLIE_STATE_RUNNING));
		charlie_vm_destroy(vm);
		check_path(&r);
	}
}

/* Destroying a created VM that never started, and waiting on it. */
static void destroy_without_start(void **state)
{
	REQUIRE_KVM();
	for (unsigned int i = 0; i < iters; i++) {
		struct rec r;
		struct charlie_vm *vm = make_vm("idle.elf", &r);

		assert_int_not_equal(charlie_vm_wait(vm, NULL), 0);
		charlie_vm_destroy(vm);
		assert_int_equal(r.n, 0);
	}
}

/* Destroy of a running VM stops it and returns. */
static void destroy_while_running(void **state)
{
	REQUIRE_KVM();
	for (unsigned int i = 0; i < iters; i++) {
		struct charlie_error err;
		struct rec r;
		struct charlie_vm *vm = make_vm("idle.elf", &r);

		assert_int_equal(charlie_vm_start(vm, &err), 0);
		charlie_vm_destroy(vm);
		check_path(&r);
	}
}

struct two {
	const char *kernel;
	enum charlie_stop_reason want;
};

static void *one_vm(void *arg)
{
	struct two *t = arg;

	run_once(t->kernel, t->want, t->want == CHARLIE_STOP_FORCED);
	return NULL;
}

static void two_vms_in_one_process(void **state)
{
	REQUIRE_KVM();
	for (unsigned int i = 0; i < iters; i++) {
		struct two a = {"idle.elf", CHARLIE_STOP_FORCED};
		struct two b = {"hello.elf", CHARLIE_STOP_REBOOT};
		pthread_t ta, tb;

		assert_int_equal(pthread_create(&ta, NULL, one_vm, &a), 0);
		assert_int_equal(pthread_create(&tb, NULL, one_vm, &b), 0);
		pthread_join(ta, NULL);
		pthread_join(tb, NULL);
	}
}

int main(void)
{
	const char *b = getenv("CHARLIE_BUILD");
	const char *n = getenv("LIFECYCLE_ITERS");
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(guest_reboots_by_itself),
		cmocka_unit_test(guest_crashes_at_once),
		cmocka_unit_test(forced_stop_of_running_guest),
		cmocka_unit_test(stop_during_start),
		cmocka_unit_test(destroy_without_start),
		cmocka_unit_test(destroy_while_running),
		cmocka_unit_test(two_vms_in_one_process),
	};

	snprintf(kdir, sizeof(kdir), "%s/tests/kernels", b ? b : "build");
	if (n && atoi(n) > 0)
		iters = (unsigned int)atoi(n);
	return cmocka_run_group_tests(tests, need_kvm, NULL);
}
