// SPDX-License-Identifier: MIT
/*
 * gen_corpus BZIMAGE OUTDIR
 *
 * Writes malformed kernels derived from a real bzImage (plus a few
 * synthetic non-kernels) into OUTDIR, one file per case, for
 * tests/e2e/kernel_corpus.sh.  The expectations (error code per case)
 * live in that script; this program only makes the files.  Also writes
 * two sparse initrds (no real data on disk) for the VM-fit cases.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *outdir;

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)v);
	put16(p + 2, (uint16_t)(v >> 16));
}

static void put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)v);
	put32(p + 4, (uint32_t)(v >> 32));
}

static int write_file(const char *name, const void *buf, size_t len)
{
	char path[4096];
	FILE *f;
	int ret = 0;

	snprintf(path, sizeof(path), "%s/%s", outdir, name);
	f = fopen(path, "wb");
	if (!f) {
		fprintf(stderr, "gen_corpus: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (len && fwrite(buf, 1, len, f) != len)
		ret = -1;
	if (fclose(f) != 0)
		ret = -1;
	if (ret)
		fprintf(stderr, "gen_corpus: %s: write failed\n", path);
	return ret;
}

/* A sparse file of `size` bytes: ftruncate, no data written. */
static int sparse_file(const char *name, off_t size)
{
	char path[4096];
	int fd, ret = 0;

	snprintf(path, sizeof(path), "%s/%s", outdir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		return -1;
	if (ftruncate(fd, size) < 0 || write(fd, "\x07\x07\x0a", 3) != 3)
		ret = -1;
	close(fd);
	return ret;
}

/* The kernel with one header patch applied. */
struct patch {
	const char *name;
	unsigned int off;
	unsigned int width; /* 1, 2, 4, 8 */
	uint64_t value;
	uint64_t clear; /* if non-zero: value = old & ~clear */
};

static const struct patch patches[] = {
	{"bad-boot-flag", 0x1fe, 2, 0x0000, 0},
	{"bad-hdrs", 0x202, 4, 0x73726448, 0}, /* "Hdrs" */
	{"old-protocol", 0x206, 2, 0x0201, 0},
	{"setup-sects-huge", 0x1f1, 1, 0xff, 0},
	{"no-xlf-kernel64", 0x236, 2, 0, 0x0001},
	{"zimage-not-loaded-high", 0x211, 1, 0, 0x01},
	{"bad-alignment", 0x230, 4, 0x00300000, 0},
	{"init-size-huge", 0x260, 4, 0x40000000, 0},
	{"payload-outside", 0x248, 4, 0x7ffff000, 0},
	{"initrd-addr-low", 0x22c, 4, 0x01ffffff, 0},
};

static uint64_t get(const uint8_t *p, unsigned int w)
{
	uint64_t v = 0;

	for (unsigned int i = w; i-- > 0;)
		v = v << 8 | p[i];
	return v;
}

static void set(uint8_t *p, unsigned int w, uint64_t v)
{
	for (unsigned int i = 0; i < w; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static int write_patched(const uint8_t *k, size_t len, const struct patch *p,
			 uint8_t *scratch)
{
	uint64_t v = p->value;

	memcpy(scratch, k, len);
	if (p->clear)
		v = get(scratch + p->off, p->width) & ~p->clear;
	set(scratch + p->off, p->width, v);
	return write_file(p->name, scratch, len);
}

static uint32_t crc32_ieee(const uint8_t *d, size_t n)
{
	uint32_t c = 0xffffffffu;

	for (size_t i = 0; i < n; i++) {
		c ^= d[i];
		for (int k = 0; k < 8; k++)
			c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1)));
	}
	return ~c;
}

/* A valid gzip member (RFC 1952) holding `n` bytes in one stored deflate
 * block (RFC 1951 3.2.4): `gzip -t` accepts it. */
static int write_gzip(const uint8_t *d, uint16_t n)
{
	size_t len = 10 + 5 + n + 8;
	uint8_t *b = calloc(1, len);
	int ret;

	if (!b)
		return -1;
	b[0] = 0x1f;
	b[1] = 0x8b;
	b[2] = 8;  /* deflate */
	b[9] = 3;  /* OS: Unix */
	b[10] = 1; /* BFINAL, stored */
	put16(b + 11, n);
	put16(b + 13, (uint16_t)~n);
	memcpy(b + 15, d, n);
	put32(b + 15 + n, crc32_ieee(d, n));
	put32(b + 19 + n, n);
	ret = write_file("gzip-file", b, len);
	free(b);
	return ret;
}

/* arm64 Image header (arm64/booting.rst) in front of 64 KiB of zeros. */
static int write_arm64(void)
{
	static uint8_t b[65536];

	memset(b, 0, sizeof(b));
	put32(b, 0xfa405a4d);	  /* code0: "MZ" + ccmp, EFI stub */
	put32(b + 4, 0x14000000); /* code1: b stext */
	put64(b + 8, 0);	  /* text_offset */
	put64(b + 16, sizeof(b)); /* image_size */
	put64(b + 24, 0xa);	  /* flags: LE, 4K pages */
	memcpy(b + 0x38, "ARM\x64", 4);
	put32(b + 0x3c, 0x40); /* PE header offset */
	memcpy(b + 0x40, "PE\0\0", 4);
	put16(b + 0x44, 0xaa64);
	return write_file("arm64-image", b, sizeof(b));
}

/* A PE32+ EFI application for x86_64 without any Linux boot header. */
static int write_pe(void)
{
	static uint8_t b[4096];

	memset(b, 0, sizeof(b));
	b[0] = 'M';
	b[1] = 'Z';
	put32(b + 0x3c, 0x80);
	memcpy(b + 0x80, "PE\0\0", 4);
	put16(b + 0x84, 0x8664);  /* Machine */
	put16(b + 0x86, 1);	  /* NumberOfSections */
	put16(b + 0x94, 0xf0);	  /* SizeOfOptionalHeader */
	put16(b + 0x96, 0x0206);  /* Characteristics: exec, debug stripped */
	put16(b + 0x98, 0x020b);  /* PE32+ */
	put16(b + 0x98 + 68, 10); /* Subsystem: EFI application */
	return write_file("pe-efi-app", b, sizeof(b));
}

/* Small ELF64 executables: one PT_LOAD at 1 MiB, an optional PVH note. */
struct elf_opts {
	const char *name;
	uint16_t machine;
	int with_note;
	uint64_t load_off; /* p_offset of PT_LOAD */
	uint64_t load_paddr;
	uint16_t phentsize;
};

static int write_elf(const struct elf_opts *o)
{
	static uint8_t b[8192];
	unsigned int phnum = o->with_note ? 2 : 1;
	uint8_t *ph = b + 64, *note = b + 0x200;

	memset(b, 0, sizeof(b));
	memcpy(b,
	       "\x7f"
	       "ELF",
	       4);
	b[4] = 2; /* ELFCLASS64 */
	b[5] = 1; /* little-endian */
	b[6] = 1;
	put16(b + 16, 2); /* ET_EXEC */
	put16(b + 18, o->machine);
	put32(b + 20, 1);
	put64(b + 24, o->load_paddr);
	put64(b + 32, 64); /* e_phoff */
	put16(b + 52, 64);
	put16(b + 54, o->phentsize);
	put16(b + 56, (uint16_t)phnum);
	/* PT_LOAD: 4 KiB of "code" at file 0x1000 */
	put32(ph, 1);
	put32(ph + 4, 5);
	put64(ph + 8, o->load_off);
	put64(ph + 16, o->load_paddr);
	put64(ph + 24, o->load_paddr);
	put64(ph + 32, 0x1000);
	put64(ph + 40, 0x2000);
	put64(ph + 48, 0x1000);
	memset(b + 0x1000, 0xf4, 0x1000); /* hlt */
	if (o->with_note) {
		ph += 56;
		put32(ph, 4); /* PT_NOTE */
		put64(ph + 8, 0x200);
		put64(ph + 32, 20);
		put64(ph + 40, 20);
		put64(ph + 48, 4);
		put32(note, 4);	     /* namesz */
		put32(note + 4, 4);  /* descsz */
		put32(note + 8, 18); /* XEN_ELFNOTE_PHYS32_ENTRY */
		memcpy(note + 12, "Xen", 4);
		put32(note + 16, (uint32_t)o->load_paddr);
	}
	return write_file(o->name, b, sizeof(b));
}

static const struct elf_opts elves[] = {
	{"elf-no-pvh", 62, 0, 0x1000, 0x100000, 56},
	{"elf-arm64", 183, 1, 0x1000, 0x100000, 56},
	{"elf-segment-outside-file", 62, 1, 0x100000, 0x100000, 56},
	{"elf-segment-below-1mib", 62, 1, 0x1000, 0x8000, 56},
	{"elf-bad-phentsize", 62, 1, 0x1000, 0x100000, 40},
};

static int write_random(void)
{
	static uint8_t b[65536];
	uint64_t x = 0x9e3779b97f4a7c15ull;

	for (size_t i = 0; i < sizeof(b); i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		b[i] = (uint8_t)(x >> 24);
	}
	/* keep it from looking like any known magic by chance */
	b[0] = 0x42;
	b[1] = 0x13;
	b[0x1fe] = 0;
	b[0x202] = 0;
	b[0x38] = 0;
	return write_file("random-bytes", b, sizeof(b));
}

static int read_all(const char *path, uint8_t **out, size_t *len)
{
	struct stat st;
	uint8_t *b;
	FILE *f = fopen(path, "rb");

	if (!f || fstat(fileno(f), &st) < 0 || st.st_size < 0x1000) {
		fprintf(stderr, "gen_corpus: %s: cannot read a bzImage\n",
			path);
		if (f)
			fclose(f);
		return -1;
	}
	b = malloc((size_t)st.st_size);
	if (!b || fread(b, 1, (size_t)st.st_size, f) != (size_t)st.st_size) {
		free(b);
		fclose(f);
		return -1;
	}
	fclose(f);
	*out = b;
	*len = (size_t)st.st_size;
	return 0;
}

int main(int argc, char **argv)
{
	uint8_t *k = NULL, *s = NULL;
	size_t len = 0;
	int bad = 0;

	if (argc != 3) {
		fprintf(stderr, "usage: gen_corpus BZIMAGE OUTDIR\n");
		return 2;
	}
	outdir = argv[2];
	if (read_all(argv[1], &k, &len) < 0)
		return 4;
	s = malloc(len);
	if (!s)
		return 4;
	if (memcmp(k + 0x202, "HdrS", 4) || k[0x1fe] != 0x55) {
		fprintf(stderr, "gen_corpus: %s: not a bzImage\n", argv[1]);
		return 2;
	}
	for (size_t i = 0; i < sizeof(patches) / sizeof(patches[0]); i++)
		bad |= write_patched(k, len, &patches[i], s);
	/* not relocatable and wanting to run inside the boot area */
	memcpy(s, k, len);
	s[0x234] = 0;
	put64(s + 0x258, 0x80000);
	bad |= write_file("not-relocatable-low", s, len);
	/* truncated at several points */
	bad |= write_file("trunc-boot-sector", k, 0x100);
	bad |= write_file("trunc-header", k, 0x240);
	bad |= write_file("trunc-setup", k, 0x1800);
	bad |= write_file("trunc-payload", k, len / 2);
	bad |= write_file("empty", k, 0);
	bad |= write_gzip(k, 8192);
	bad |= write_arm64();
	bad |= write_pe();
	for (size_t i = 0; i < sizeof(elves) / sizeof(elves[0]); i++)
		bad |= write_elf(&elves[i]);
	bad |= write_random();
	/* VM-side cases: sparse initrds */
	bad |= sparse_file("initrd-16m", 16ll << 20);
	bad |= sparse_file("initrd-300m", 300ll << 20);
	free(k);
	free(s);
	return bad ? 4 : 0;
}
