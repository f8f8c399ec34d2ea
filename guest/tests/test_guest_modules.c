// SPDX-License-Identifier: MIT
/* Module load order from modules.dep (guest/modules.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "modules.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

/* What depmod wrote for bingo's initramfs (Debian 6.1 cloud kernel). */
static const char real_dep[] =
	"kernel/drivers/acpi/button.ko:\n"
	"kernel/drivers/virtio/virtio.ko: "
	"kernel/drivers/virtio/virtio_ring.ko\n"
	"kernel/drivers/virtio/virtio_ring.ko:\n"
	"kernel/drivers/virtio/virtio_mmio.ko: kernel/drivers/virtio/virtio.ko "
	"kernel/drivers/virtio/virtio_ring.ko\n"
	"kernel/drivers/char/hw_random/virtio-rng.ko: "
	"kernel/drivers/virtio/virtio.ko kernel/drivers/virtio/virtio_ring.ko\n"
	"kernel/drivers/net/virtio_net.ko: kernel/drivers/net/net_failover.ko "
	"kernel/net/core/failover.ko kernel/drivers/virtio/virtio.ko "
	"kernel/drivers/virtio/virtio_ring.ko\n"
	"kernel/drivers/net/net_failover.ko: kernel/net/core/failover.ko\n"
	"kernel/drivers/input/evdev.ko:\n"
	"kernel/net/core/failover.ko:\n";

static int pos(const struct mod_list *l, const char *name)
{
	char n[64];

	for (unsigned int i = 0; i < l->n; i++) {
		mod_name(l->path[i], n, sizeof(n));
		if (!strcmp(n, name))
			return (int)i;
	}
	return -1;
}

static void test_order(void **state)
{
	static struct mod_list l;
	char text[sizeof(real_dep)];

	(void)state;
	memcpy(text, real_dep, sizeof(text));
	assert_int_equal(mod_order(text, &l), 9);
	/* Every module once, after all it depends on. */
	assert_int_equal(pos(&l, "button"), 0);
	assert_true(pos(&l, "virtio_ring") < pos(&l, "virtio"));
	assert_true(pos(&l, "virtio") < pos(&l, "virtio_mmio"));
	assert_true(pos(&l, "failover") < pos(&l, "net_failover"));
	assert_true(pos(&l, "net_failover") < pos(&l, "virtio_net"));
	assert_true(pos(&l, "virtio") < pos(&l, "virtio_net"));
	assert_true(pos(&l, "virtio_rng") >= 0);
	for (unsigned int i = 0; i < l.n; i++)
		for (unsigned int j = i + 1; j < l.n; j++)
			assert_string_not_equal(l.path[i], l.path[j]);
}

static void test_errors(void **state)
{
	static struct mod_list l;
	char cycle[] = "a.ko: b.ko\nb.ko: a.ko\n";
	char missing[] = "a.ko: nowhere.ko\n";
	char empty[] = "";
	char comments[] = "# nothing\n\n";

	(void)state;
	assert_int_equal(mod_order(cycle, &l), -ELOOP);
	assert_int_equal(mod_order(missing, &l), -ENOENT);
	assert_int_equal(mod_order(empty, &l), 0);
	assert_int_equal(mod_order(comments, &l), 0);
}

static void test_too_many(void **state)
{
	static char text[MOD_MAX * 16 + 64];
	static struct mod_list l;
	size_t n = 0;

	(void)state;
	for (int i = 0; i <= MOD_MAX; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n, "m%d.ko:\n",
				      i);
	assert_int_equal(mod_order(text, &l), -E2BIG);
}

static void test_name(void **state)
{
	char n[64];

	(void)state;
	mod_name("kernel/drivers/char/hw_random/virtio-rng.ko", n, sizeof(n));
	assert_string_equal(n, "virtio_rng");
	mod_name("kernel/net/vmw_vsock/vsock.ko.xz", n, sizeof(n));
	assert_string_equal(n, "vsock");
	mod_name("evdev.ko", n, sizeof(n));
	assert_string_equal(n, "evdev");
	mod_name("kernel/a/very_long_name.ko", n, 5);
	assert_string_equal(n, "very");
}

static void test_builtin(void **state)
{
	const char *b = "kernel/drivers/virtio/virtio_mmio.ko\n"
			"kernel/drivers/char/hw_random/rng-core.ko\n";

	(void)state;
	assert_true(mod_is_builtin(b, "virtio_mmio"));
	assert_true(mod_is_builtin(b, "rng_core"));
	assert_false(mod_is_builtin(b, "virtio"));
	assert_false(mod_is_builtin("", "virtio"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_order),	 cmocka_unit_test(test_errors),
		cmocka_unit_test(test_too_many), cmocka_unit_test(test_name),
		cmocka_unit_test(test_builtin),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
