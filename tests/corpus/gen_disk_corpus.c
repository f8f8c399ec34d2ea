// SPDX-License-Identifier: MIT
/*
 * gen_disk_corpus OUTDIR
 *
 * Writes the malformed-image corpus (tests/disk/cases.h) into OUTDIR:
 * valid.img and valid-stub.img (the synthetic image, UKI and EFI-stub
 * kernel: positive controls), one CASE.img per malformed case, and
 * OUTDIR/cases: "CASE CODE" per line, for tests/e2e/disk_corpus.sh.
 */
#include "../disk/cases.h"

#include <errno.h>
#include <stdio.h>

static int put(const char *dir, const char *name, const void *p, size_t n)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (!f || (n && fwrite(p, 1, n, f) != n) || fclose(f)) {
		fprintf(stderr, "gen_disk_corpus: %s: %s\n", path,
			strerror(errno));
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static struct mkdisk d;
	char name[256];
	FILE *list;
	int bad = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: gen_disk_corpus OUTDIR\n");
		return 2;
	}
	mkdisk_build(&d, true);
	bad |= put(argv[1], "valid-stub.img", d.buf, MK_LEN);
	mkdisk_build(&d, false);
	bad |= put(argv[1], "valid.img", d.buf, MK_LEN);
	snprintf(name, sizeof(name), "%s/cases", argv[1]);
	list = fopen(name, "w");
	if (!list) {
		fprintf(stderr, "gen_disk_corpus: %s: %s\n", name,
			strerror(errno));
		return 1;
	}
	for (size_t i = 0; i < DISK_NCASES; i++) {
		size_t len = MK_LEN;

		mkdisk_build(&d, false);
		disk_cases[i].mutate(&d, &len);
		snprintf(name, sizeof(name), "%s.img", disk_cases[i].name);
		bad |= put(argv[1], name, d.buf, len);
		fprintf(list, "%s %s\n", disk_cases[i].name,
			disk_cases[i].code);
	}
	if (fclose(list))
		bad = 1;
	return bad;
}
