// SPDX-License-Identifier: MIT
/*
 * FAT12/16/32, read-only, for one file on an EFI system partition
 * (UEFI 2.10 §13.3: the ESP is FAT; the rules below are the Microsoft
 * FAT specification's, "fatgen103"/2005: §3 the boot sector and BPB, §3.5
 * the type determination, §4 the FAT, §6 directory entries, §7 long
 * names).  Every geometry field is range-checked before it is used, every
 * cluster number is checked against CountofClusters, and cluster chains
 * are walked with Brent's cycle detection, so a loop is named, not
 * followed forever.
 */
#include "disk.h"
#include "err.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#define DIR_ENTRY	32
#define DIR_MAX_ENTRIES 65536 /* §6: a directory holds at most 65,536 */
#define ATTR_DIRECTORY	0x10
#define ATTR_VOLUME_ID	0x08
#define ATTR_LONG_NAME	0x0f
#define ATTR_LONG_MASK	0x3f
#define LFN_LAST	0x40
#define LFN_MAX_ENTRIES 20 /* 255 characters / 13 */
#define LFN_CHARS	(LFN_MAX_ENTRIES * 13)

static int geom(const struct fat_vol *v, struct charlie_error *err,
		const char *what, unsigned long long val)
{
	return disk_err(v->r, err, CHARLIE_E_IMAGE_FAT_GEOMETRY,
			"FAT geometry out of range: %s %llu", what, val);
}

int fat_open(struct fat_vol *v, const struct disk_reader *r, uint64_t base,
	     uint64_t len, struct charlie_error *err)
{
	uint8_t bs[512];
	uint32_t bps, spc, rsvd, nfats, rootent, fatsz, totsec, rootsecs;
	uint64_t meta, datasec, need;
	int ret;

	memset(v, 0, sizeof(*v));
	v->r = r;
	v->base = base;
	v->len = len;
	ret = disk_read(r, base, bs, sizeof(bs), CHARLIE_E_IMAGE_FAT_GEOMETRY,
			"the FAT boot sector", err);
	if (ret)
		return ret;
	/* §3.1: 0x55 0xAA at offsets 510 and 511 whatever the sector size. */
	if (bs[510] != 0x55 || bs[511] != 0xaa)
		return disk_err(r, err, CHARLIE_E_IMAGE_FAT_GEOMETRY,
				"the EFI system partition has no FAT boot "
				"sector (no 0x55AA signature)");
	bps = get16(bs + 11);
	spc = bs[13];
	rsvd = get16(bs + 14);
	nfats = bs[16];
	rootent = get16(bs + 17);
	totsec = get16(bs + 19) ? get16(bs + 19) : get32(bs + 32);
	fatsz = get16(bs + 22) ? get16(bs + 22) : get32(bs + 36);
	/* §3.1: BytsPerSec 512/1024/2048/4096; SecPerClus a power of 2;
	 * clusters of at most 32 KiB (64 KiB tolerated by some, not here). */
	if (bps != 512 && bps != 1024 && bps != 2048 && bps != 4096)
		return geom(v, err, "BytsPerSec", bps);
	if (!spc || (spc & (spc - 1)) || bps * spc > 32768)
		return geom(v, err, "SecPerClus", spc);
	if (!rsvd)
		return geom(v, err, "RsvdSecCnt", rsvd);
	if (nfats < 1 || nfats > 4)
		return geom(v, err, "NumFATs", nfats);
	if (!fatsz)
		return geom(v, err, "FATSz", fatsz);
	if (!totsec || (uint64_t)totsec * bps > len)
		return geom(v, err, "TotSec (bytes beyond the partition)",
			    totsec);
	rootsecs = (rootent * DIR_ENTRY + bps - 1) / bps;
	meta = (uint64_t)rsvd + (uint64_t)nfats * fatsz + rootsecs;
	if (meta >= totsec)
		return geom(v, err, "metadata sectors (beyond TotSec)", meta);
	datasec = totsec - meta;
	v->clusters = (uint32_t)(datasec / spc);
	/* §3.5: the type is decided by the cluster count alone. */
	v->type = v->clusters < 4085 ? 12 : v->clusters < 65525 ? 16 : 32;
	if (v->clusters < 1)
		return geom(v, err, "CountofClusters", v->clusters);
	if (v->type == 32) {
		if (rootent || get16(bs + 22) || v->clusters > 0x0ffffff5)
			return geom(v, err, "FAT32 RootEntCnt/FATSz16",
				    rootent);
		v->root_clus = get32(bs + 44);
		if (v->root_clus < 2 || v->root_clus > v->clusters + 1)
			return geom(v, err, "RootClus", v->root_clus);
		memcpy(v->label, bs + 71, 11);
	} else {
		if (!rootent)
			return geom(v, err, "RootEntCnt", rootent);
		memcpy(v->label, bs + 43, 11);
	}
	for (int i = 10; i >= 0 && (v->label[i] == ' ' || !v->label[i]); i--)
		v->label[i] = 0;
	for (int i = 0; i < 11; i++)
		if (v->label[i] && !isprint((unsigned char)v->label[i]))
			v->label[i] = '?';
	/* §4: the FAT holds an entry for every cluster 0..clusters+1. */
	need = (uint64_t)v->clusters + 2;
	need = v->type == 12 ? (need * 3 + 1) / 2
			     : need * (uint64_t)(v->type / 8);
	if (need > (uint64_t)fatsz * bps)
		return geom(v, err, "FATSz (too small for the clusters)",
			    fatsz);
	v->bytes_per_sec = bps;
	v->sec_per_clus = spc;
	v->clus_size = bps * spc;
	v->fat_bytes = (uint64_t)fatsz * bps;
	v->fat_off = base + (uint64_t)rsvd * bps;
	/* FAT32 ExtFlags (§3.3): bit 7 = only FAT number bits 0-3 active. */
	if (v->type == 32 && (get16(bs + 40) & 0x80)) {
		uint32_t act = get16(bs + 40) & 0xf;

		if (act >= nfats)
			return geom(v, err, "ExtFlags active FAT", act);
		v->fat_off += act * v->fat_bytes;
	}
	v->root_off = base + ((uint64_t)rsvd + (uint64_t)nfats * fatsz) * bps;
	v->root_entries = rootent;
	v->data_off = v->root_off + (uint64_t)rootsecs * bps;
	return 0;
}

/* The FAT entry for cluster c (2..clusters+1), through a 4 KiB window. */
static int fat_entry(struct fat_vol *v, uint32_t c, uint32_t *val,
		     struct charlie_error *err)
{
	uint64_t eo = v->type == 12   ? (uint64_t)c + c / 2
		      : v->type == 16 ? (uint64_t)c * 2
				      : (uint64_t)c * 4;
	uint64_t wo = eo & ~4095ull;
	size_t n;
	int ret;

	if (!v->cache_valid || v->cache_off != wo) {
		n = (size_t)(v->fat_bytes - wo < sizeof(v->cache)
				     ? v->fat_bytes - wo
				     : sizeof(v->cache));
		ret = disk_read(v->r, v->fat_off + wo, v->cache, n,
				CHARLIE_E_IMAGE_FAT_GEOMETRY, "the FAT", err);
		if (ret)
			return ret;
		v->cache_off = wo;
		v->cache_valid = true;
	}
	eo -= wo; /* fat_open made sure the entry lies inside the FAT */
	if (v->type == 12) {
		*val = get16(v->cache + eo);
		*val = c & 1 ? *val >> 4 : *val & 0xfff;
	} else if (v->type == 16) {
		*val = get16(v->cache + eo);
	} else {
		*val = get32(v->cache + eo) & 0x0fffffff;
	}
	return 0;
}

static bool is_eoc(const struct fat_vol *v, uint32_t x)
{
	return x >= (v->type == 12   ? 0xff8u
		     : v->type == 16 ? 0xfff8u
				     : 0x0ffffff8u);
}

static bool clus_ok(const struct fat_vol *v, uint32_t c)
{
	return c >= 2 && c <= v->clusters + 1;
}

/* The cluster after c: 0 at the end of the chain, else a valid cluster. */
static int fat_next(struct fat_vol *v, uint32_t c, uint32_t *next,
		    struct charlie_error *err)
{
	uint32_t x;
	int ret = fat_entry(v, c, &x, err);

	if (ret)
		return ret;
	if (is_eoc(v, x)) {
		*next = 0;
		return 0;
	}
	if (!clus_ok(v, x))
		return disk_err(v->r, err, CHARLIE_E_IMAGE_FAT_CHAIN,
				"FAT cluster chain broken: cluster %u is "
				"followed by %s 0x%x",
				c,
				x == 0	 ? "a free entry"
				: x == 1 ? "the reserved value"
				: (x == (v->type == 12	 ? 0xff7u
					 : v->type == 16 ? 0xfff7u
							 : 0x0ffffff7u))
					? "the bad-cluster mark"
					: "an out-of-range cluster",
				x);
	*next = x;
	return 0;
}

/* Walks the chain from `start` to its end (Brent's cycle detection: a
 * loop is found in O(length) steps with O(1) memory), giving its length. */
static int fat_chain_len(struct fat_vol *v, uint32_t start, uint64_t *len,
			 struct charlie_error *err)
{
	uint32_t tortoise = start, hare = start, next;
	uint64_t power = 1, lam = 0, n = 1;
	int ret;

	if (!clus_ok(v, start))
		return disk_err(v->r, err, CHARLIE_E_IMAGE_FAT_CHAIN,
				"FAT cluster chain starts at invalid cluster "
				"%u (valid: 2..%u)",
				start, v->clusters + 1);
	for (;;) {
		ret = fat_next(v, hare, &next, err);
		if (ret)
			return ret;
		if (!next)
			break;
		hare = next;
		n++;
		lam++;
		if (hare == tortoise || n > v->clusters)
			return disk_err(v->r, err, CHARLIE_E_IMAGE_FAT_LOOP,
					"FAT cluster chain from cluster %u "
					"loops (found at cluster %u)",
					start, hare);
		if (lam == power) {
			tortoise = hare;
			power *= 2;
			lam = 0;
		}
	}
	*len = n;
	return 0;
}

/* Reads `nclus` clusters of the chain from `start` (already walked by
 * fat_chain_len) into buf, `len` bytes in all; contiguous runs in one
 * read each. */
static int read_chain(struct fat_vol *v, uint32_t start, uint8_t *buf,
		      uint64_t len, const char *what, struct charlie_error *err)
{
	uint32_t c = start, next = 0, run_start;
	uint64_t done = 0, run;
	int ret;

	while (done < len) {
		run_start = c;
		run = 1;
		for (;;) {
			ret = fat_next(v, c, &next, err);
			if (ret)
				return ret;
			if ((done + run * v->clus_size) >= len || next != c + 1)
				break;
			c = next;
			run++;
		}
		run *= v->clus_size;
		if (run > len - done)
			run = len - done;
		ret = disk_read(v->r,
				v->data_off + (uint64_t)(run_start - 2) *
						      v->clus_size,
				buf + done, (size_t)run,
				CHARLIE_E_IMAGE_FAT_CHAIN, what, err);
		if (ret)
			return ret;
		done += run;
		c = next;
		if (done < len && !c)
			return disk_err(v->r, err, CHARLIE_E_IMAGE_FAT_CHAIN,
					"FAT cluster chain ends early");
	}
	return 0;
}

/* A directory's entries: the fixed FAT12/16 root, or a cluster chain. */
static int read_dir(struct fat_vol *v, uint32_t clus, uint8_t **out,
		    size_t *out_len, struct charlie_error *err)
{
	uint64_t n, bytes;
	uint8_t *buf;
	int ret;

	*out = NULL;
	if (!clus) { /* FAT12/16 root directory */
		bytes = (uint64_t)v->root_entries * DIR_ENTRY;
		buf = malloc(bytes);
		if (!buf)
			return err_set(err, CHARLIE_E_HOST, "image",
				       "out of memory");
		ret = disk_read(v->r, v->root_off, buf, bytes,
				CHARLIE_E_IMAGE_FAT_GEOMETRY,
				"the FAT root directory", err);
		if (ret) {
			free(buf);
			return ret;
		}
		*out = buf;
		*out_len = bytes;
		return 0;
	}
	ret = fat_chain_len(v, clus, &n, err);
	if (ret)
		return ret;
	if (n > (uint64_t)DIR_MAX_ENTRIES * DIR_ENTRY / v->clus_size)
		return disk_err(v->r, err, CHARLIE_E_IMAGE_FAT_DIR,
				"FAT directory of %llu clusters is larger than "
				"65,536 entries",
				(unsigned long long)n);
	bytes = n * v->clus_size;
	buf = malloc(bytes);
	if (!buf)
		return err_set(err, CHARLIE_E_HOST, "image", "out of memory");
	ret = read_chain(v, clus, buf, bytes, "a FAT directory", err);
	if (ret) {
		free(buf);
		return ret;
	}
	*out = buf;
	*out_len = bytes;
	return 0;
}

static uint8_t sfn_checksum(const uint8_t *name)
{
	uint8_t sum = 0;

	/* §7.2: rotate right, add the next byte. */
	for (int i = 0; i < 11; i++)
		sum = (uint8_t)(((sum & 1) << 7) + (sum >> 1) + name[i]);
	return sum;
}

/* Does the 11-byte short name match `comp` (case-insensitive 8.3)? */
static bool sfn_match(const uint8_t *ent, const char *comp, size_t clen)
{
	char want[11];
	const char *dot = NULL;
	size_t b, e;

	memset(want, ' ', sizeof(want));
	for (size_t i = 0; i < clen; i++)
		if (comp[i] == '.')
			dot = comp + i;
	b = dot ? (size_t)(dot - comp) : clen;
	e = dot ? clen - b - 1 : 0;
	if (!b || b > 8 || e > 3)
		return false;
	for (size_t i = 0; i < b; i++)
		want[i] = (char)toupper((unsigned char)comp[i]);
	for (size_t i = 0; i < e; i++)
		want[8 + i] = (char)toupper((unsigned char)dot[1 + i]);
	for (int i = 0; i < 11; i++) {
		uint8_t c = ent[i];

		if (i == 0 && c == 0x05) /* §6.1: 0x05 stands for 0xE5 */
			c = 0xe5;
		if (toupper(c) != (unsigned char)want[i])
			return false;
	}
	return true;
}

static bool lfn_match(const uint16_t *lfn, size_t n, const char *comp,
		      size_t clen)
{
	if (n != clen)
		return false;
	for (size_t i = 0; i < n; i++)
		if (lfn[i] > 0x7f ||
		    toupper(lfn[i]) != toupper((unsigned char)comp[i]))
			return false;
	return true;
}

/* Finds `comp` in a directory's entries: its first cluster, size, attr. */
static int dir_find(struct fat_vol *v, const uint8_t *d, size_t dlen,
		    const char *comp, size_t clen, uint32_t *clus,
		    uint32_t *size, uint8_t *attr)
{
	static const int off[13] = {1,	3,  5,	7,  9,	14, 16,
				    18, 20, 22, 24, 28, 30};
	uint16_t lfn[LFN_CHARS];
	int expect = 0; /* next LFN ordinal expected, 0: none pending */
	size_t lfn_len = 0;
	uint8_t lfn_sum = 0;
	bool lfn_ok = false;

	for (size_t o = 0; o + DIR_ENTRY <= dlen; o += DIR_ENTRY) {
		const uint8_t *e = d + o;

		if (e[0] == 0x00) /* §6: no more entries */
			break;
		if (e[0] == 0xe5) {
			expect = 0;
			continue;
		}
		if ((e[11] & ATTR_LONG_MASK) == ATTR_LONG_NAME) {
			int ord = e[0] & 0x1f;

			if (e[0] & LFN_LAST) {
				if (ord < 1 || ord > LFN_MAX_ENTRIES) {
					expect = 0;
					continue;
				}
				expect = ord;
				lfn_sum = e[13];
				lfn_len = (size_t)ord * 13;
			} else if (!expect || ord != expect ||
				   e[13] != lfn_sum) {
				expect = 0; /* orphan: ignore (§7.1) */
				continue;
			}
			for (int i = 0; i < 13; i++) {
				uint16_t ch = get16(e + off[i]);
				size_t at = (size_t)(ord - 1) * 13 + i;

				lfn[at] = ch;
				if ((ch == 0 || ch == 0xffff) && at < lfn_len)
					lfn_len = at;
			}
			expect = ord - 1;
			lfn_ok = expect == 0;
			continue;
		}
		if (e[11] & ATTR_VOLUME_ID) {
			expect = 0;
			lfn_ok = false;
			continue;
		}
		if ((lfn_ok && lfn_sum == sfn_checksum(e) &&
		     lfn_match(lfn, lfn_len, comp, clen)) ||
		    sfn_match(e, comp, clen)) {
			*clus = get16(e + 26);
			if (v->type == 32)
				*clus |= (uint32_t)get16(e + 20) << 16;
			*size = get32(e + 28);
			*attr = e[11];
			return 1;
		}
		expect = 0;
		lfn_ok = false;
	}
	return 0;
}

int fat_read_file(struct fat_vol *v, const char *path, uint64_t max,
		  uint8_t **data, size_t *len, struct charlie_error *err)
{
	uint32_t clus = v->type == 32 ? v->root_clus : 0, size = 0;
	const char *p = path, *q;
	uint8_t *dir = NULL, *buf = NULL, attr = ATTR_DIRECTORY;
	uint64_t n, need;
	size_t dlen = 0;
	int ret = 0;

	*data = NULL;
	*len = 0;
	for (;;) {
		while (*p == '\\' || *p == '/')
			p++;
		if (!*p)
			break;
		for (q = p; *q && *q != '\\' && *q != '/'; q++)
			;
		if (!(attr & ATTR_DIRECTORY))
			return disk_err(v->r, err,
					CHARLIE_E_IMAGE_FILE_NOT_FOUND,
					"%s not found on the EFI system "
					"partition (a file stands where a "
					"directory should be)",
					path);
		ret = read_dir(v, clus, &dir, &dlen, err);
		if (ret)
			return ret;
		ret = dir_find(v, dir, dlen, p, (size_t)(q - p), &clus, &size,
			       &attr);
		free(dir);
		dir = NULL;
		if (!ret)
			return disk_err(v->r, err,
					CHARLIE_E_IMAGE_FILE_NOT_FOUND,
					"%s not found on the EFI system "
					"partition (no \"%.*s\")",
					path, (int)(q - p), p);
		if ((attr & ATTR_DIRECTORY) && !clus)
			return disk_err(v->r, err, CHARLIE_E_IMAGE_FAT_DIR,
					"FAT directory \"%.*s\" has no first "
					"cluster",
					(int)(q - p), p);
		ret = 0;
		p = q;
	}
	if (attr & ATTR_DIRECTORY)
		return disk_err(v->r, err, CHARLIE_E_IMAGE_FILE_NOT_FOUND,
				"%s is a directory, not a file", path);
	if (size > max)
		return disk_err(v->r, err, CHARLIE_E_IMAGE_FAT_CHAIN,
				"%s is %u bytes, more than the %llu allowed",
				path, size, (unsigned long long)max);
	if (size) {
		/* §6: the chain must hold exactly the file's clusters (checked
		 * before any memory is taken for the size it claims). */
		ret = fat_chain_len(v, clus, &n, err);
		if (ret)
			return ret;
		need = ((uint64_t)size + v->clus_size - 1) / v->clus_size;
		if (n != need)
			return disk_err(v->r, err, CHARLIE_E_IMAGE_FAT_CHAIN,
					"FAT cluster chain of %s has %llu "
					"clusters, its size (%u bytes) needs "
					"%llu",
					path, (unsigned long long)n, size,
					(unsigned long long)need);
	}
	buf = disk_buf_alloc(size);
	if (!buf)
		return err_set(err, CHARLIE_E_HOST, "image", "out of memory");
	if (size) {
		ret = read_chain(v, clus, buf, size, path, err);
		if (ret)
			goto fail;
	}
	*data = buf;
	*len = size;
	return 0;
fail:
	disk_buf_free(buf, size);
	return ret;
}
