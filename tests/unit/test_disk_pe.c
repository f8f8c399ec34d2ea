// SPDX-License-Identifier: MIT
/* PE/COFF (Microsoft PE format spec): the UKI's sections are found with
 * their sizes; each broken header, section table or section range is
 * refused with its own named error (parsed from the file's bytes). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "../disk/unit_cases.h"

static int disk_check(const uint8_t *img, size_t len, struct charlie_error *e)
{
	uint8_t *f = malloc(MK_UKI_LEN);
	struct disk_reader r;
	struct pe_info *pi = malloc(sizeof(*pi));
	const struct pe_section *s;
	int ret;

	assert_non_null(f);
	assert_non_null(pi);
	for (size_t i = 0; i < MK_UKI_LEN; i++)
		f[i] = img[mk_file_off(i)];
	disk_reader_mem(&r, "synthetic.img", img, len);
	ret = pe_parse(&r, f, MK_UKI_LEN, pi, e);
	/* The PE parser's job ends at the table; the UKI rules (a .linux
	 * whose VirtualSize fits its raw data, .linux present) follow. */
	if (!ret) {
		s = pe_find(pi, ".linux");
		if (!s)
			ret = disk_err(&r, e, CHARLIE_E_IMAGE_PE_NO_LINUX,
				       "no .linux");
		else if (s->vsize > s->rawsize)
			ret = disk_err(&r, e, CHARLIE_E_IMAGE_PE_SECTION_RANGE,
				       "vsize");
	}
	free(pi);
	free(f);
	return ret;
}

static void finds_sections(void **state)
{
	struct mkdisk *d = mk_new(false);
	struct charlie_error e = {0};
	uint8_t *f = malloc(MK_UKI_LEN);
	struct pe_info *pi = malloc(sizeof(*pi));
	struct disk_reader r;
	const struct pe_section *s;

	for (size_t i = 0; i < MK_UKI_LEN; i++)
		f[i] = d->buf[mk_file_off(i)];
	disk_reader_mem(&r, "synthetic.img", d->buf, MK_LEN);
	assert_int_equal(pe_parse(&r, f, MK_UKI_LEN, pi, &e), 0);
	assert_int_equal(pi->nsections, MK_NSEC);
	s = pe_find(pi, ".linux");
	assert_non_null(s);
	assert_int_equal(s->offset, MK_LINUX_OFF);
	assert_int_equal(s->size, MK_KLEN);
	s = pe_find(pi, ".cmdline");
	assert_non_null(s);
	assert_int_equal(s->size, strlen(MK_CMDLINE));
	assert_null(pe_find(pi, ".uname"));
	/* Every byte short of the section table is refused, none read
	 * beyond (ASan build). */
	for (size_t n = 0; n < MK_SECTAB + 40 * MK_NSEC; n += 7)
		assert_int_not_equal(pe_parse(&r, f, n, pi, &e), 0);
	free(pi);
	free(f);
	free(d);
}

int main(void)
{
	static const char *const prefixes[] = {"pe-", NULL};
	const struct CMUnitTest extra[] = {
		cmocka_unit_test(finds_sections),
	};

	return run_cases("disk_pe", prefixes, extra, 1);
}
