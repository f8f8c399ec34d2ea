// SPDX-License-Identifier: MIT
/* Log line formatting (guest/log.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "log.h"

#include <arpa/inet.h>
#include <linux/vm_sockets.h>
#include <sys/socket.h>
#include <string.h>
#include <unistd.h>

/* 2026-11-21T08:39:05.123Z */
static const struct timespec when = {.tv_sec = 1795250345,
				     .tv_nsec = 123456789};

static size_t fmt(char *buf, size_t size, enum log_level lv, const char *msg,
		  const char *kv, ...)
{
	va_list ap;
	size_t n;

	va_start(ap, kv);
	n = log_format(buf, size, &when, lv, msg, kv, ap);
	va_end(ap);
	return n;
}

static void test_time(void **state)
{
	char buf[64];
	struct timespec epoch = {0, 999999999};

	(void)state;
	assert_int_equal(log_time(buf, sizeof(buf), &when), 24);
	assert_string_equal(buf, "2026-11-21T08:39:05.123Z");
	log_time(buf, sizeof(buf), &epoch);
	assert_string_equal(buf, "1970-01-01T00:00:00.999Z");
}

static void test_duration(void **state)
{
	static const struct {
		uint64_t s;
		const char *want;
	} cases[] = {
		{86400, "24h0m0s"}, {3600, "1h0m0s"},
		{3661, "1h1m1s"},   {90, "1m30s"},
		{60, "1m0s"},	    {5, "5s"},
		{0, "0s"},	    {4294967294u, "1193046h28m14s"},
	};
	char buf[32];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		log_duration(buf, sizeof(buf), cases[i].s);
		assert_string_equal(buf, cases[i].want);
	}
}

static void test_line(void **state)
{
	char buf[LOG_LINE_MAX];
	size_t n;

	(void)state;
	n = fmt(buf, sizeof(buf), LOG_INFO, "DHCP lease acquired",
		"network.ip=%s/%u network.lease_time=%s", "10.0.2.15", 24,
		"24h0m0s");
	assert_string_equal(buf, "time=2026-11-21T08:39:05.123Z level=INFO "
				 "msg=\"DHCP lease acquired\" "
				 "network.ip=10.0.2.15/24 "
				 "network.lease_time=24h0m0s\n");
	assert_int_equal(n, strlen(buf));
	fmt(buf, sizeof(buf), LOG_WARN, "no power button", "%s", "");
	assert_string_equal(buf, "time=2026-11-21T08:39:05.123Z level=WARN "
				 "msg=\"no power button\"\n");
	fmt(buf, sizeof(buf), LOG_ERROR, "say \"hi\"", NULL);
	assert_string_equal(buf, "time=2026-11-21T08:39:05.123Z level=ERROR "
				 "msg=\"say \\\"hi\\\"\"\n");
}

static void test_truncation(void **state)
{
	char buf[80], big[300];
	size_t n;

	(void)state;
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	n = fmt(buf, sizeof(buf), LOG_INFO, "m", "k=%s", big);
	assert_true(n < sizeof(buf));
	assert_int_equal(strlen(buf), n);
	assert_int_equal(buf[n - 1], '\n');
	assert_memory_equal(buf + n - 4, "...", 3);
	/* Too small for anything sensible: nothing. */
	assert_int_equal(fmt(buf, 16, LOG_INFO, "m", "%s", ""), 0);
}

static void test_value(void **state)
{
	char buf[64];

	(void)state;
	log_value(buf, sizeof(buf), "/", 1);
	assert_string_equal(buf, "/");
	log_value(buf, sizeof(buf), "/a b", 4);
	assert_string_equal(buf, "\"/a b\"");
	log_value(buf, sizeof(buf), "/\"x\"=\\", 6);
	assert_string_equal(buf, "\"/\\\"x\\\"=\\\\\"");
	log_value(buf, sizeof(buf), "a\nb\x01", 4);
	assert_string_equal(buf, "\"a\\nb\\x01\"");
	log_value(buf, sizeof(buf), "", 0);
	assert_string_equal(buf, "\"\"");
	/* Bounded output, still terminated. */
	log_value(buf, 8, "a b c d e f g h", 15);
	assert_true(strlen(buf) < 8);
	log_value(buf, 2, "a b", 3);
	assert_string_equal(buf, "");
}

static void test_ip4(void **state)
{
	char buf[16];

	(void)state;
	assert_string_equal(log_ip4(buf, inet_addr("10.0.2.15")), "10.0.2.15");
	assert_string_equal(log_ip4(buf, 0xffffffffu), "255.255.255.255");
}

static void test_peer(void **state)
{
	struct sockaddr_in in = {.sin_family = AF_INET,
				 .sin_port = htons(40000),
				 .sin_addr.s_addr = htonl(0x0a000203)};
	struct sockaddr_vm vm = {
		.svm_family = AF_VSOCK, .svm_cid = 2, .svm_port = 1073741824};
	struct sockaddr un = {.sa_family = AF_UNIX};
	char buf[LOG_PEER_MAX];

	assert_string_equal(log_peer(buf, (struct sockaddr *)&in, sizeof(in)),
			    "10.0.2.3:40000");
	assert_string_equal(log_peer(buf, (struct sockaddr *)&vm, sizeof(vm)),
			    "vsock:2:1073741824");
	/* the largest fits */
	vm.svm_cid = vm.svm_port = 0xffffffff;
	assert_string_equal(log_peer(buf, (struct sockaddr *)&vm, sizeof(vm)),
			    "vsock:4294967295:4294967295");
	/* short lengths and other families: "?" */
	assert_string_equal(log_peer(buf, (struct sockaddr *)&vm, 4), "?");
	assert_string_equal(log_peer(buf, &un, sizeof(un)), "?");
}

/* Read what a pipe holds (the test wrote less than its capacity). */
static size_t drain(int fd, char *buf, size_t size)
{
	ssize_t n = read(fd, buf, size - 1);

	assert_true(n >= 0);
	buf[n] = '\0';
	return (size_t)n;
}

/* No console yet (-1): lines are held, in order, and written to the next
 * descriptor; past LOG_HOLD_MAX they are counted and said once. */
static void test_hold(void **state)
{
	static char buf[2 * LOG_HOLD_MAX];
	int p[2];
	size_t n, lines = 0;

	assert_int_equal(pipe(p), 0);
	log_set_fd(-1);
	log_info("first", "k=%d", 1);
	log_info("second", "k=%d", 2);
	log_set_fd(p[1]);
	n = drain(p[0], buf, sizeof(buf));
	assert_non_null(strstr(buf, "msg=\"first\" k=1\n"));
	assert_true(strstr(buf, "msg=\"second\" k=2\n") >
		    strstr(buf, "msg=\"first\""));
	assert_int_equal(buf[n - 1], '\n');
	assert_int_equal(log_get_fd(), p[1]);
	/* set: written at once */
	log_info("third", "%s", "");
	drain(p[0], buf, sizeof(buf));
	assert_non_null(strstr(buf, "msg=\"third\"\n"));

	log_set_fd(-1);
	for (int i = 0; i < 200; i++)
		log_info("filler", "i=%03d", i);
	log_set_fd(p[1]);
	n = drain(p[0], buf, sizeof(buf));
	assert_true(n <= LOG_HOLD_MAX + 100);
	for (char *q = buf; (q = strstr(q, "msg=\"filler\"")); q++)
		lines++;
	assert_true(lines > 0 && lines < 200);
	assert_non_null(strstr(buf, "msg=\"filler\" i=000\n"));
	assert_null(strstr(buf, "i=199"));
	assert_non_null(strstr(buf, "log lines dropped"));
	close(p[0]);
	close(p[1]);
	log_set_fd(2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_time),  cmocka_unit_test(test_duration),
		cmocka_unit_test(test_line),  cmocka_unit_test(test_truncation),
		cmocka_unit_test(test_value), cmocka_unit_test(test_ip4),
		cmocka_unit_test(test_peer),  cmocka_unit_test(test_hold),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
