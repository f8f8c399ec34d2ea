/* SPDX-License-Identifier: MIT */
/*
 * Guest memory: the one checked translator (design.md sections 3 and 7.1).
 * Every access to guest RAM goes through gm_ptr()/gm_read()/gm_write():
 * [gpa, gpa + len) must lie wholly inside one RAM region, overflow-checked.
 * Pointers returned by gm_ptr() must not outlive the check that produced
 * them (use them immediately, never store them).
 */
#ifndef CHARLIE_GM_H
#define CHARLIE_GM_H

#include <stddef.h>
#include <stdint.h>

typedef uint64_t gpa_t; /* guest-physical address */

#define GM_MAX_REGIONS 2

struct gm_region {
	gpa_t gpa;
	uint64_t size;
	uint8_t *host; /* start of the mapping (after the guard page) */
};

struct gm {
	struct gm_region r[GM_MAX_REGIONS];
	unsigned int nr;
	uint64_t total; /* bytes of RAM over all regions */
};

/* The 32-bit MMIO hole: RAM above this goes to 4 GiB and up. */
#define GM_LOW_RAM_MAX	  0xC0000000ull
#define GM_HIGH_RAM_START 0x100000000ull

/* Maps `size` bytes of anonymous RAM: one region below the 3 GiB hole,
 * a second one at 4 GiB for the rest.  Each mapping has a PROT_NONE guard
 * page on both sides.  Returns 0 or -errno. */
int gm_init(struct gm *gm, uint64_t size);
void gm_free(struct gm *gm);

/* Builds a gm over caller-owned buffers (unit tests, synthetic memory). */
void gm_init_from(struct gm *gm, const struct gm_region *r, unsigned int nr);

/* Host pointer for [gpa, gpa+len) or NULL when the range is not wholly
 * inside one region (or len is 0 / overflows). */
void *gm_ptr(const struct gm *gm, gpa_t gpa, uint64_t len);
int gm_read(const struct gm *gm, void *dst, gpa_t gpa, uint64_t len);
int gm_write(const struct gm *gm, gpa_t gpa, const void *src, uint64_t len);
/* Highest guest-physical address + 1 of RAM below the hole. */
uint64_t gm_low_end(const struct gm *gm);

#endif
