// SPDX-License-Identifier: MIT
/*
 * The AML emitter (aml.h).  Blocks with a PkgLength are written first and
 * measured when they close: the PkgLength (1..4 bytes, ACPI 6.5 section
 * 20.2.4) is then inserted in front of their contents.
 */
#include "acpi/aml.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

enum { BLK_PLAIN, BLK_BUFFER };

void aml_init(struct aml *a)
{
	memset(a, 0, sizeof(*a));
}

void aml_free(struct aml *a)
{
	free(a->buf);
	memset(a, 0, sizeof(*a));
}

uint8_t *aml_take(struct aml *a, size_t *len)
{
	uint8_t *b = a->buf;

	*len = a->len;
	memset(a, 0, sizeof(*a));
	return b;
}

static void fail(struct aml *a, int err)
{
	if (!a->err)
		a->err = err;
}

static bool reserve(struct aml *a, size_t n)
{
	size_t cap;
	uint8_t *b;

	if (a->err)
		return false;
	if (n > AML_PKGLEN_MAX || a->len > AML_PKGLEN_MAX - n) {
		fail(a, -E2BIG);
		return false;
	}
	if (a->len + n <= a->cap)
		return true;
	cap = a->cap ? a->cap : 256;
	while (cap < a->len + n)
		cap *= 2;
	b = realloc(a->buf, cap);
	if (!b) {
		fail(a, -ENOMEM);
		return false;
	}
	a->buf = b;
	a->cap = cap;
	return true;
}

void aml_bytes(struct aml *a, const void *p, size_t n)
{
	if (!reserve(a, n))
		return;
	memcpy(a->buf + a->len, p, n);
	a->len += n;
}

void aml_byte(struct aml *a, uint8_t b)
{
	aml_bytes(a, &b, 1);
}

/*
 * Section 20.2.4: one byte holds values up to 63 (bits 0-5).  Otherwise
 * bits 6-7 of the lead byte count the bytes that follow (1..3), its bits
 * 0-3 hold the low nibble and each following byte 8 more bits: 12, 20 or
 * 28 bits in all.
 */
unsigned int aml_pkglen_encode(uint32_t value, uint8_t out[4])
{
	unsigned int n;

	if (value <= 0x3f) {
		out[0] = (uint8_t)value;
		return 1;
	}
	if (value <= 0xfff)
		n = 2;
	else if (value <= 0xfffff)
		n = 3;
	else if (value <= AML_PKGLEN_MAX)
		n = 4;
	else
		return 0;
	out[0] = (uint8_t)((n - 1) << 6 | (value & 0xf));
	for (unsigned int i = 1; i < n; i++)
		out[i] = (uint8_t)(value >> (4 + 8 * (i - 1)));
	return n;
}

/* Inserts `pre` (n bytes) at `pos`. */
static void insert(struct aml *a, size_t pos, const uint8_t *pre, size_t n)
{
	if (!reserve(a, n))
		return;
	memmove(a->buf + pos + n, a->buf + pos, a->len - pos);
	memcpy(a->buf + pos, pre, n);
	a->len += n;
}

/* The encoded integer (no opcode choice beyond aml_int's). */
static size_t int_encode(uint64_t v, uint8_t out[9])
{
	size_t n;

	if (v == 0 || v == 1) {
		out[0] = v ? AML_ONE : AML_ZERO;
		return 1;
	}
	if (v <= 0xff) {
		out[0] = AML_BYTE_PREFIX;
		n = 1;
	} else if (v <= 0xffff) {
		out[0] = AML_WORD_PREFIX;
		n = 2;
	} else if (v <= 0xffffffffu) {
		out[0] = AML_DWORD_PREFIX;
		n = 4;
	} else {
		out[0] = AML_QWORD_PREFIX;
		n = 8;
	}
	for (size_t i = 0; i < n; i++)
		out[1 + i] = (uint8_t)(v >> (8 * i));
	return n + 1;
}

void aml_int(struct aml *a, uint64_t v)
{
	uint8_t b[9];

	aml_bytes(a, b, int_encode(v, b));
}

void aml_string(struct aml *a, const char *s)
{
	for (const char *p = s; *p; p++)
		if ((unsigned char)*p < 0x01 || (unsigned char)*p > 0x7f) {
			fail(a, -EINVAL); /* AsciiCharList: 0x01-0x7F */
			return;
		}
	aml_byte(a, AML_STRING_PREFIX);
	aml_bytes(a, s, strlen(s) + 1);
}

static bool seg_char(char c, bool lead)
{
	return (c >= 'A' && c <= 'Z') || c == '_' ||
	       (!lead && c >= '0' && c <= '9');
}

/* Section 20.2.2: NameString := RootChar NamePath | PrefixPath NamePath;
 * NamePath := NameSeg | DualNamePath | MultiNamePath | NullName. */
void aml_name(struct aml *a, const char *path)
{
	uint8_t segs[255][4];
	unsigned int nseg = 0;
	const char *p = path;

	if (*p == '\\') {
		aml_byte(a, AML_ROOT_CHAR);
		p++;
	} else {
		while (*p == '^') {
			aml_byte(a, AML_PARENT_CHAR);
			p++;
		}
	}
	while (*p) {
		unsigned int n = 0;

		if (nseg == 255) {
			fail(a, -EINVAL);
			return;
		}
		while (p[n] && p[n] != '.') {
			if (n == 4 || !seg_char(p[n], n == 0)) {
				fail(a, -EINVAL);
				return;
			}
			segs[nseg][n] = (uint8_t)p[n];
			n++;
		}
		if (!n) {
			fail(a, -EINVAL); /* empty segment: "A..B", "A." */
			return;
		}
		for (unsigned int i = n; i < 4; i++)
			segs[nseg][i] = '_';
		nseg++;
		p += n;
		if (*p == '.' && !*++p) {
			fail(a, -EINVAL);
			return;
		}
	}
	if (nseg == 0) {
		aml_byte(a, 0x00); /* NullName */
		return;
	}
	if (nseg == 2) {
		aml_byte(a, AML_DUAL_NAME);
	} else if (nseg > 2) {
		aml_byte(a, AML_MULTI_NAME);
		aml_byte(a, (uint8_t)nseg);
	}
	aml_bytes(a, segs, 4 * (size_t)nseg);
}

void aml_hid(struct aml *a, const char *id)
{
	uint32_t v;
	bool eisa = strlen(id) == 7;

	for (int i = 0; eisa && i < 7; i++) {
		char c = id[i];

		eisa = i < 3 ? (c >= 'A' && c <= 'Z')
			     : ((c >= '0' && c <= '9') ||
				(c >= 'A' && c <= 'F'));
	}
	if (!eisa) {
		aml_string(a, id);
		return;
	}
	/* Three 5-bit letters ('A' = 1) and four hex digits, stored
	 * big-endian in a DWord (section 19.6.35). */
	v = (uint32_t)(id[0] - '@') << 26 | (uint32_t)(id[1] - '@') << 21 |
	    (uint32_t)(id[2] - '@') << 16 | (uint32_t)strtoul(id + 3, NULL, 16);
	aml_byte(a, AML_DWORD_PREFIX);
	aml_byte(a, (uint8_t)(v >> 24));
	aml_byte(a, (uint8_t)(v >> 16));
	aml_byte(a, (uint8_t)(v >> 8));
	aml_byte(a, (uint8_t)v);
}

void aml_name_decl(struct aml *a, const char *path)
{
	aml_byte(a, AML_NAME);
	aml_name(a, path);
}

static void open_block(struct aml *a, int kind)
{
	if (a->err)
		return;
	if (a->depth == AML_MAX_DEPTH) {
		fail(a, -EINVAL);
		return;
	}
	/* the low bit says the kind: positions are shifted left by one */
	a->open[a->depth++] = a->len << 1 | (size_t)kind;
}

void aml_scope(struct aml *a, const char *path)
{
	aml_byte(a, AML_SCOPE);
	open_block(a, BLK_PLAIN);
	aml_name(a, path);
}

void aml_device(struct aml *a, const char *path)
{
	aml_byte(a, AML_EXT_PREFIX);
	aml_byte(a, AML_DEVICE);
	open_block(a, BLK_PLAIN);
	aml_name(a, path);
}

void aml_method(struct aml *a, const char *path, uint8_t flags)
{
	aml_byte(a, AML_METHOD);
	open_block(a, BLK_PLAIN);
	aml_name(a, path);
	aml_byte(a, flags);
}

void aml_package(struct aml *a, uint8_t count)
{
	aml_byte(a, AML_PACKAGE);
	open_block(a, BLK_PLAIN);
	aml_byte(a, count);
}

void aml_buffer(struct aml *a)
{
	aml_byte(a, AML_BUFFER);
	open_block(a, BLK_BUFFER);
}

void aml_end(struct aml *a)
{
	uint8_t pre[4 + 9];
	size_t pos, body, extra = 0;
	unsigned int k = 0;
	int kind;

	if (a->err)
		return;
	if (!a->depth) {
		fail(a, -EINVAL);
		return;
	}
	pos = a->open[--a->depth] >> 1;
	kind = (int)(a->open[a->depth] & 1);
	body = a->len - pos;
	if (kind == BLK_BUFFER) /* BufferSize, then the bytes */
		extra = int_encode(body, pre + 4);
	/* the PkgLength counts itself: try 1..4 bytes */
	for (unsigned int n = 1; n <= 4 && !k; n++) {
		uint64_t v = (uint64_t)body + extra + n;

		if (v <= AML_PKGLEN_MAX &&
		    aml_pkglen_encode((uint32_t)v, pre) == n)
			k = n;
	}
	if (!k) {
		fail(a, -E2BIG);
		return;
	}
	memmove(pre + k, pre + 4, extra);
	insert(a, pos, pre, k + extra);
}

/* ---- resource templates (section 6.4) ---- */

size_t aml_res_begin(struct aml *a)
{
	return a->len;
}

/* I/O Port Descriptor, 16-bit decode (section 6.4.2.5). */
void aml_res_io(struct aml *a, uint16_t base, uint8_t len)
{
	const uint8_t d[8] = {0x47,	     0x01,
			      (uint8_t)base, (uint8_t)(base >> 8),
			      (uint8_t)base, (uint8_t)(base >> 8),
			      0x01,	     len};

	aml_bytes(a, d, sizeof(d));
}

/* IRQ Descriptor without the information byte: edge, active high
 * (section 6.4.2.1). */
void aml_res_irq_noflags(struct aml *a, uint8_t irq)
{
	uint16_t mask = (uint16_t)(1u << (irq & 15));
	const uint8_t d[3] = {0x22, (uint8_t)mask, (uint8_t)(mask >> 8)};

	if (irq > 15) {
		fail(a, -EINVAL);
		return;
	}
	aml_bytes(a, d, sizeof(d));
}

/* 32-Bit Fixed Memory Range Descriptor (section 6.4.3.4). */
void aml_res_mem32_fixed(struct aml *a, uint32_t base, uint32_t len,
			 int writable)
{
	uint8_t d[12] = {0x86, 9, 0, writable ? 1 : 0};

	for (int i = 0; i < 4; i++) {
		d[4 + i] = (uint8_t)(base >> (8 * i));
		d[8 + i] = (uint8_t)(len >> (8 * i));
	}
	aml_bytes(a, d, sizeof(d));
}

/* Extended Interrupt Descriptor, one interrupt, consumer, no resource
 * source (section 6.4.3.6): flags bit 1 edge, bit 2 active low, bit 3
 * shared. */
void aml_res_interrupt(struct aml *a, uint32_t gsi, int level, int active_low,
		       int shared)
{
	uint8_t d[9] = {0x89, 6, 0, 0x01, 1};

	if (!level)
		d[3] |= 0x02;
	if (active_low)
		d[3] |= 0x04;
	if (shared)
		d[3] |= 0x08;
	for (int i = 0; i < 4; i++)
		d[5 + i] = (uint8_t)(gsi >> (8 * i));
	aml_bytes(a, d, sizeof(d));
}

/* End Tag (section 6.4.2.9): the checksum makes the bytes of the
 * template, the tag included, sum to zero. */
void aml_res_end(struct aml *a, size_t start)
{
	uint8_t sum = 0x79;

	if (a->err)
		return;
	if (start > a->len) {
		fail(a, -EINVAL);
		return;
	}
	for (size_t i = start; i < a->len; i++)
		sum = (uint8_t)(sum + a->buf[i]);
	aml_byte(a, 0x79);
	aml_byte(a, (uint8_t)-sum);
}

void aml_res_addr(struct aml *a, unsigned int width, uint8_t type,
		  uint8_t tflags, uint64_t min, uint64_t max)
{
	uint8_t d[3 + 3 + 5 * 8];
	uint8_t tag = width == 2 ? 0x88 : width == 4 ? 0x87 : 0x8a;
	uint64_t f[5] = {0, min, max, 0, max - min + 1};
	size_t n = 0;

	if ((width != 2 && width != 4 && width != 8) || max < min ||
	    (width < 8 && max >> (8 * width))) {
		fail(a, -EINVAL);
		return;
	}
	d[n++] = tag;
	d[n++] = (uint8_t)(3 + 5 * width); /* length, little-endian */
	d[n++] = 0;
	d[n++] = type;
	d[n++] = 0x0c; /* _MAF, _MIF fixed; positive decode; producer */
	d[n++] = tflags;
	for (int i = 0; i < 5; i++)
		for (unsigned int b = 0; b < width; b++)
			d[n++] = (uint8_t)(f[i] >> (8 * b));
	aml_bytes(a, d, n);
}
