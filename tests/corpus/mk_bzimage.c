// SPDX-License-Identifier: MIT
/*
 * mk_bzimage OUT
 *
 * Writes a synthetic x86-64 bzImage: a setup header shaped like Debian's
 * cloud kernel's (boot protocol 2.15, Documentation/arch/x86/boot.rst),
 * 27 setup sectors, a 64 KiB protected-mode part holding a gzip-looking
 * payload.  Nothing in it runs: it is the base tests/e2e/kernel_corpus.sh
 * derives its malformed kernels from when Debian's kernel cannot be
 * fetched (no network), so the corpus checks still run.
 *
 * Field values chosen so the corpus cases hold as with Debian's kernel:
 * relocatable, 2 MiB alignment, pref_address 16 MiB and init_size 56 MiB
 * (needs RAM up to 72 MiB: fits 256 MiB, not 64 MiB), cmdline_size 2047,
 * initrd_addr_max 0x7fffffff.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define SETUP_SECTS 27
#define SETUP_LEN   ((SETUP_SECTS + 1) * 512)
#define PM_LEN	    0x10000
#define PAYLOAD_OFF 0x3000
#define PAYLOAD_LEN 0x8000
#define VERSION_AT  0x3c0

static uint8_t img[SETUP_LEN + PM_LEN];

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

int main(int argc, char **argv)
{
	static const char version[] = "6.1.0-synthetic (charlie kernel corpus)";
	uint8_t *pm = img + SETUP_LEN;
	FILE *f;

	if (argc != 2) {
		fprintf(stderr, "usage: mk_bzimage OUT\n");
		return 2;
	}
	img[0x1f1] = SETUP_SECTS;
	put32(img + 0x1f4, PM_LEN / 16); /* syssize */
	put16(img + 0x1fe, 0xaa55);	 /* boot_flag */
	img[0x200] = 0xeb;		 /* jump: short jmp over the */
	img[0x201] = 0x6a;		 /* header, which ends at 0x26c */
	memcpy(img + 0x202, "HdrS", 4);	 /* header */
	put16(img + 0x206, 0x020f);	 /* version 2.15 */
	put16(img + 0x20e, VERSION_AT - 0x200); /* kernel_version */
	img[0x211] = 0x01;			/* loadflags: LOADED_HIGH */
	put32(img + 0x214, 0x100000);		/* code32_start */
	put32(img + 0x22c, 0x7fffffff);		/* initrd_addr_max */
	put32(img + 0x230, 0x200000);		/* kernel_alignment */
	img[0x234] = 1;				/* relocatable_kernel */
	img[0x235] = 21;			/* min_alignment: 2 MiB */
	put16(img + 0x236, 0x0003);	 /* xloadflags: KERNEL_64, above 4G */
	put32(img + 0x238, 2047);	 /* cmdline_size */
	put32(img + 0x248, PAYLOAD_OFF); /* payload_offset */
	put32(img + 0x24c, PAYLOAD_LEN); /* payload_length */
	put64(img + 0x258, 0x1000000);	 /* pref_address: 16 MiB */
	put32(img + 0x260, 0x3800000);	 /* init_size: 56 MiB */
	memcpy(img + VERSION_AT, version, sizeof(version));
	memset(pm, 0xf4, PM_LEN); /* hlt */
	pm[PAYLOAD_OFF] = 0x1f;	  /* gzip magic, deflate */
	pm[PAYLOAD_OFF + 1] = 0x8b;
	pm[PAYLOAD_OFF + 2] = 0x08;

	f = fopen(argv[1], "wb");
	if (!f || fwrite(img, 1, sizeof(img), f) != sizeof(img) || fclose(f)) {
		fprintf(stderr, "mk_bzimage: %s: %s\n", argv[1],
			strerror(errno));
		return 1;
	}
	return 0;
}
