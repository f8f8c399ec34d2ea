/* SPDX-License-Identifier: MIT */
/*
 * Shared by tests/unit/test_disk_*.c: one cmocka test per malformed-image
 * case (tests/disk/cases.h) whose name starts with one of the file's
 * prefixes; `disk_check` (defined by the test file) runs that file's
 * parser over the mutated image and returns the error it gave.
 */
#ifndef DISK_UNIT_CASES_H
#define DISK_UNIT_CASES_H

#include "cases.h"
#include "disk/disk.h"

#include <stdio.h>

static int disk_check(const uint8_t *img, size_t len, struct charlie_error *e);

static struct mkdisk *mk_new(bool stub)
{
	struct mkdisk *d = malloc(sizeof(*d));

	assert_non_null(d);
	mkdisk_build(d, stub);
	return d;
}

static void case_test(void **state)
{
	const struct disk_case *c = *state;
	struct mkdisk *d = mk_new(false);
	struct charlie_error e = {0};
	size_t len = MK_LEN;
	int ret;

	c->mutate(d, &len);
	ret = disk_check(d->buf, len, &e);
	if (ret == 0 || strcmp(charlie_err_name(e.code), c->code))
		fail_msg("case %s: expected [%s], got ret %d [%s] %s", c->name,
			 c->code, ret, charlie_err_name(e.code), e.msg);
	assert_string_equal(e.field, "image");
	assert_non_null(strstr(e.msg, "image synthetic.img: "));
	free(d);
}

static int run_cases(const char *group, const char *const *prefixes,
		     const struct CMUnitTest *extra, size_t nextra)
{
	struct CMUnitTest *t = calloc(DISK_NCASES + nextra, sizeof(*t));
	size_t n = 0;
	int ret;

	if (!t)
		return 1;
	for (size_t i = 0; i < nextra; i++)
		t[n++] = extra[i];
	for (size_t i = 0; i < DISK_NCASES; i++)
		for (const char *const *p = prefixes; *p; p++)
			if (!strncmp(disk_cases[i].name, *p, strlen(*p))) {
				t[n].name = disk_cases[i].name;
				t[n].test_func = case_test;
				t[n].initial_state = (void *)&disk_cases[i];
				n++;
				break;
			}
	ret = _cmocka_run_group_tests(group, t, n, NULL, NULL);
	free(t);
	return ret;
}

#endif
