// SPDX-License-Identifier: MIT
#include "gm.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static int map_region(struct gm_region *r, gpa_t gpa, uint64_t size)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	uint8_t *base;

	base = mmap(NULL, size + 2 * page, PROT_NONE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (base == MAP_FAILED)
		return -errno;
	if (mprotect(base + page, size, PROT_READ | PROT_WRITE) < 0) {
		int e = -errno;

		munmap(base, size + 2 * page);
		return e;
	}
	/* Guest RAM is never worth a core dump, and THP makes boot faster. */
	madvise(base + page, size, MADV_DONTDUMP);
	madvise(base + page, size, MADV_HUGEPAGE);
	r->gpa = gpa;
	r->size = size;
	r->host = base + page;
	return 0;
}

int gm_init(struct gm *gm, uint64_t size)
{
	uint64_t low = size < GM_LOW_RAM_MAX ? size : GM_LOW_RAM_MAX;
	int ret;

	memset(gm, 0, sizeof(*gm));
	if (size == 0)
		return -EINVAL;
	ret = map_region(&gm->r[0], 0, low);
	if (ret)
		return ret;
	gm->nr = 1;
	if (size > low) {
		ret = map_region(&gm->r[1], GM_HIGH_RAM_START, size - low);
		if (ret) {
			gm_free(gm);
			return ret;
		}
		gm->nr = 2;
	}
	gm->total = size;
	return 0;
}

void gm_free(struct gm *gm)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);

	for (unsigned int i = 0; i < gm->nr; i++)
		munmap(gm->r[i].host - page, gm->r[i].size + 2 * page);
	memset(gm, 0, sizeof(*gm));
}

void gm_init_from(struct gm *gm, const struct gm_region *r, unsigned int nr)
{
	memset(gm, 0, sizeof(*gm));
	for (unsigned int i = 0; i < nr && i < GM_MAX_REGIONS; i++) {
		gm->r[i] = r[i];
		gm->total += r[i].size;
		gm->nr++;
	}
}

void *gm_ptr(const struct gm *gm, gpa_t gpa, uint64_t len)
{
	if (len == 0)
		return NULL;
	for (unsigned int i = 0; i < gm->nr; i++) {
		const struct gm_region *r = &gm->r[i];

		if (gpa < r->gpa)
			continue;
		/* offset and len are both <= size: no overflow below */
		uint64_t off = gpa - r->gpa;

		if (off >= r->size || len > r->size - off)
			continue;
		return r->host + off;
	}
	return NULL;
}

int gm_read(const struct gm *gm, void *dst, gpa_t gpa, uint64_t len)
{
	void *p = gm_ptr(gm, gpa, len);

	if (!p)
		return -EFAULT;
	memcpy(dst, p, len);
	return 0;
}

int gm_write(const struct gm *gm, gpa_t gpa, const void *src, uint64_t len)
{
	void *p = gm_ptr(gm, gpa, len);

	if (!p)
		return -EFAULT;
	memcpy(p, src, len);
	return 0;
}

uint64_t gm_low_end(const struct gm *gm)
{
	return gm->nr ? gm->r[0].gpa + gm->r[0].size : 0;
}
