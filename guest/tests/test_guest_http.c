// SPDX-License-Identifier: MIT
/* HTTP/1.1 request parsing (guest/http.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "http.h"

#include <stdlib.h>
#include <string.h>

static long parse(const char *s, struct http_request *r)
{
	return http_parse(s, strlen(s), r);
}

static void test_get(void **state)
{
	const char *s = "GET / HTTP/1.1\r\nHost: x\r\nUser-Agent: t\r\n\r\n";
	struct http_request r;

	(void)state;
	assert_int_equal(parse(s, &r), (long)strlen(s));
	assert_int_equal(r.method, HTTP_GET);
	assert_int_equal(r.path_len, 1);
	assert_memory_equal(r.path, "/", 1);
	assert_int_equal(r.minor, 1);
	assert_true(r.keep_alive);
	assert_int_equal(r.content_length, 0);
}

static void test_methods_and_paths(void **state)
{
	struct http_request r;

	(void)state;
	assert_true(parse("HEAD /a/b?x=1 HTTP/1.1\r\nHost: x\r\n\r\n", &r) > 0);
	assert_int_equal(r.method, HTTP_HEAD);
	assert_int_equal(r.path_len, 4); /* query string cut off */
	assert_memory_equal(r.path, "/a/b", 4);
	assert_true(parse("POST / HTTP/1.1\r\nHost: x\r\n\r\n", &r) > 0);
	assert_int_equal(r.method, HTTP_OTHER);
	assert_int_equal(r.method_len, 4);
	/* Methods are case-sensitive: "get" is some other method. */
	assert_true(parse("get / HTTP/1.1\r\nHost: x\r\n\r\n", &r) > 0);
	assert_int_equal(r.method, HTTP_OTHER);
}

static void test_keep_alive_rules(void **state)
{
	struct http_request r;

	(void)state;
	assert_true(parse("GET / HTTP/1.0\r\n\r\n", &r) > 0);
	assert_false(r.keep_alive);
	assert_true(parse("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n",
			  &r) > 0);
	assert_true(r.keep_alive);
	assert_true(parse("GET / HTTP/1.1\r\nHost: x\r\nConnection: foo, "
			  "close\r\n\r\n",
			  &r) > 0);
	assert_false(r.keep_alive);
}

static void test_malformed(void **state)
{
	static const char *const bad[] = {
		"GET / HTTP/1.1\r\n\r\n",			/* no Host */
		"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", /* two */
		"GET  / HTTP/1.1\r\nHost: x\r\n\r\n",		/* two spaces */
		"GET /\r\nHost: x\r\n\r\n",			/* HTTP/0.9 */
		"GET / HTTX/1.1\r\nHost: x\r\n\r\n",
		"GET / HTTP/1.1 \r\nHost: x\r\n\r\n",
		"GET x HTTP/1.1\r\nHost: x\r\n\r\n", /* not origin-form */
		" GET / HTTP/1.1\r\nHost: x\r\n\r\n",
		"GET / HTTP/1.1\r\nHost x\r\n\r\n",   /* no colon */
		"GET / HTTP/1.1\r\nHost : x\r\n\r\n", /* space before : */
		"GET / HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: x\001y\r\n\r\n", /* control char */
		"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 1x\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: \r\n\r\n",
		"\r\x01GET / HTTP/1.1\r\nHost: x\r\n\r\n",
		"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\n", /* TLS */
	};
	struct http_request r;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		long n = parse(bad[i], &r);

		if (n != -400)
			fail_msg("case %zu: got %ld, want -400", i, n);
	}
	/* Two Content-Length fields that disagree (RFC 9112 6.3). */
	assert_int_equal(
		parse("GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n"
		      "Content-Length: 2\r\n\r\n",
		      &r),
		-400);
	assert_int_equal(parse("GET / HTTP/2.0\r\nHost: x\r\n\r\n", &r), -505);
	assert_int_equal(parse("GET / HTTP/1.1\r\nHost: x\r\n"
			       "Transfer-Encoding: chunked\r\n\r\n",
			       &r),
			 -501);
}

static void test_oversized(void **state)
{
	size_t big = HTTP_MAX_HEADER + 100;
	char *buf = malloc(big + 64);
	struct http_request r;

	(void)state;
	assert_non_null(buf);
	/* A request line that never ends: 414 once it is too long, even
	 * before the newline arrives. */
	memcpy(buf, "GET /", 5);
	memset(buf + 5, 'a', HTTP_MAX_LINE + 10);
	assert_int_equal(http_parse(buf, HTTP_MAX_LINE - 10, &r), 0);
	assert_int_equal(http_parse(buf, HTTP_MAX_LINE + 10, &r), -414);
	/* Headers that never end: 431. */
	strcpy(buf, "GET / HTTP/1.1\r\nHost: x\r\n");
	for (size_t n = strlen(buf); n < big; n += 10)
		memcpy(buf + n, "X-A: aaa\r\n", 10);
	assert_int_equal(http_parse(buf, 4000, &r), 0);
	assert_int_equal(http_parse(buf, big, &r), -431);
	/* One huge header line. */
	strcpy(buf, "GET / HTTP/1.1\r\nHost: x\r\nX-Big: ");
	memset(buf + strlen(buf), 'b', HTTP_MAX_HEADER);
	strcpy(buf + 33 + HTTP_MAX_HEADER - 1, "\r\n\r\n");
	assert_int_equal(parse(buf, &r), -431);
	/* Bodies: announced size over the limit is 413, however written. */
	assert_int_equal(parse("GET / HTTP/1.1\r\nHost: x\r\n"
			       "Content-Length: 65537\r\n\r\n",
			       &r),
			 -413);
	assert_int_equal(parse("GET / HTTP/1.1\r\nHost: x\r\nContent-Length: "
			       "99999999999999999999999999999\r\n\r\n",
			       &r),
			 -413);
	free(buf);
}

static void test_body_length(void **state)
{
	const char *s = "GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\n"
			"hello";
	struct http_request r;

	(void)state;
	/* The header section is complete; the caller skips the body. */
	assert_int_equal(parse(s, &r), (long)strlen(s) - 5);
	assert_int_equal(r.content_length, 5);
	assert_int_equal(parse("GET / HTTP/1.1\r\nHost: x\r\nContent-Length: "
			       "5\r\nContent-Length: 5\r\n\r\n",
			       &r) > 0,
			 1);
}

static void test_byte_by_byte(void **state)
{
	const char *s = "GET /slow HTTP/1.1\r\nHost: slow.example\r\n"
			"Accept: */*\r\n\r\n";
	size_t len = strlen(s);
	struct http_request r;

	(void)state;
	/* A slow client: every prefix asks for more, never an error. */
	for (size_t i = 0; i < len; i++)
		assert_int_equal(http_parse(s, i, &r), 0);
	assert_int_equal(http_parse(s, len, &r), (long)len);
	assert_int_equal(r.path_len, 5);
}

static void test_garbage_byte_by_byte(void **state)
{
	const char *s = "GET / HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n";
	size_t len = strlen(s);
	struct http_request r;
	long last = 0;
	size_t i;

	(void)state;
	/* The error shows as soon as the bad line is complete. */
	for (i = 1; i <= len && last == 0; i++)
		last = http_parse(s, i, &r);
	assert_int_equal(last, -400);
	assert_int_equal(i - 1, strlen("GET / HTTP/1.1\r\nHost: x\r\nBad "
				       "Header\r\n"));
}

static void test_pipelined(void **state)
{
	const char *s = "GET / HTTP/1.1\r\nHost: x\r\n\r\n"
			"HEAD /two HTTP/1.1\r\nHost: x\r\n\r\n"
			"GET /three HTTP/1.1\r\nHost: x\r\nConnection: close"
			"\r\n\r\nGET /partial HTTP/1.1\r\n";
	size_t off = 0, len = strlen(s);
	struct http_request r;
	long n;

	(void)state;
	n = http_parse(s + off, len - off, &r);
	assert_true(n > 0);
	assert_int_equal(r.method, HTTP_GET);
	off += (size_t)n;
	n = http_parse(s + off, len - off, &r);
	assert_true(n > 0);
	assert_int_equal(r.method, HTTP_HEAD);
	assert_memory_equal(r.path, "/two", 4);
	off += (size_t)n;
	n = http_parse(s + off, len - off, &r);
	assert_true(n > 0);
	assert_false(r.keep_alive);
	off += (size_t)n;
	assert_int_equal(http_parse(s + off, len - off, &r), 0);
}

static void test_lenient_forms(void **state)
{
	struct http_request r;

	(void)state;
	/* Bare LF line ends and leading empty lines (RFC 9112 2.2). */
	assert_true(parse("GET / HTTP/1.1\nHost: x\n\n", &r) > 0);
	assert_true(parse("\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n", &r) > 0);
	assert_true(parse("GET / HTTP/1.1\r\nhOsT:x\r\n\r\n", &r) > 0);
	assert_int_equal(parse("\r\n", &r), 0);
	assert_int_equal(parse("", &r), 0);
}

static void test_reason(void **state)
{
	(void)state;
	assert_string_equal(http_reason(200), "OK");
	assert_string_equal(http_reason(404), "Not Found");
	assert_string_equal(http_reason(431),
			    "Request Header Fields Too Large");
	assert_string_equal(http_reason(999), "Unknown");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_get),
		cmocka_unit_test(test_methods_and_paths),
		cmocka_unit_test(test_keep_alive_rules),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_oversized),
		cmocka_unit_test(test_body_length),
		cmocka_unit_test(test_byte_by_byte),
		cmocka_unit_test(test_garbage_byte_by_byte),
		cmocka_unit_test(test_pipelined),
		cmocka_unit_test(test_lenient_forms),
		cmocka_unit_test(test_reason),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
