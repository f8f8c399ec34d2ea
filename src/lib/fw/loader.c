// SPDX-License-Identifier: MIT
/*
 * The ACPI tables as QEMU hands them to firmware (fw_cfg.h): two fw_cfg
 * files and a script of 128-byte commands.  OVMF's AcpiPlatformDxe runs
 * the script: ALLOCATE places each file in guest RAM, ADD_POINTER adds a
 * file's address to a pointer field (which holds an offset into that
 * file), ADD_CHECKSUM recomputes a table's checksum afterwards (over
 * the whole table, the checksum byte included, so the files carry 0
 * there); then it
 * installs every pointed-to table (not the RSDT/XSDT: it builds its own).
 */
#include "fw/fw_cfg.h"
#include "acpi/tables.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static void le32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t get_le(const uint8_t *p, unsigned int size)
{
	uint64_t v = 0;

	for (unsigned int i = 0; i < size; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

static void put_le(uint8_t *p, unsigned int size, uint64_t v)
{
	for (unsigned int i = 0; i < size; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint8_t *entry(struct fw_acpi_blobs *b, uint32_t cmd)
{
	uint8_t *e = b->script + b->script_len;

	b->script_len += FW_LOADER_ENTRY;
	le32(e, cmd);
	return e;
}

static void allocate(struct fw_acpi_blobs *b, const char *file, uint32_t align,
		     uint8_t zone)
{
	uint8_t *e = entry(b, FW_LOADER_ALLOCATE);

	memcpy(e + 4, file, strlen(file));
	le32(e + 60, align);
	e[64] = zone;
}

static void add_pointer(struct fw_acpi_blobs *b, const char *dst,
			const char *src, uint32_t off, uint8_t size)
{
	uint8_t *e = entry(b, FW_LOADER_ADD_POINTER);

	memcpy(e + 4, dst, strlen(dst));
	memcpy(e + 60, src, strlen(src));
	le32(e + 116, off);
	e[120] = size;
}

static void add_checksum(struct fw_acpi_blobs *b, const char *file,
			 uint32_t result, uint32_t start, uint32_t len)
{
	uint8_t *e = entry(b, FW_LOADER_ADD_CHECKSUM);

	memcpy(e + 4, file, strlen(file));
	le32(e + 60, result);
	le32(e + 64, start);
	le32(e + 68, len);
}

int fw_acpi_blobs(const struct acpi_tables *t, struct fw_acpi_blobs *b)
{
	size_t split, n = 2 + (size_t)t->nr_ptr + t->nr_ck;

	memset(b, 0, sizeof(*b));
	/* the RSDP first, then the rest (tables.c's layout) */
	if (t->rsdp != t->base || t->xsdt <= t->base ||
	    t->xsdt - t->base >= t->len)
		return -EINVAL;
	split = (size_t)(t->xsdt - t->base);
	b->rsdp = malloc(split);
	b->tables = malloc(t->len - split);
	b->script = calloc(n, FW_LOADER_ENTRY);
	if (!b->rsdp || !b->tables || !b->script) {
		fw_acpi_blobs_free(b);
		return -ENOMEM;
	}
	b->rsdp_len = split;
	b->tables_len = t->len - split;
	memcpy(b->rsdp, t->buf, split);
	memcpy(b->tables, t->buf + split, b->tables_len);

	/* FACS: 64-byte aligned inside the file, so the file is too */
	allocate(b, FW_ACPI_RSDP_FILE, 16, FW_LOADER_ZONE_FSEG);
	allocate(b, FW_ACPI_TABLES_FILE, 64, FW_LOADER_ZONE_HIGH);
	for (unsigned int i = 0; i < t->nr_ptr; i++) {
		const struct acpi_ptr_fixup *f = &t->ptr[i];
		bool in_rsdp = f->off < split;
		uint8_t *field;
		uint64_t v;

		if ((f->size != 4 && f->size != 8) ||
		    f->off + (size_t)f->size > t->len ||
		    (in_rsdp && f->off + (size_t)f->size > split))
			goto bad;
		field = in_rsdp ? b->rsdp + f->off
				: b->tables + (f->off - split);
		v = get_le(field, f->size);
		/* every pointer targets a table after the RSDP */
		if (v < t->xsdt || v >= t->base + t->len)
			goto bad;
		put_le(field, f->size, v - t->xsdt);
		add_pointer(
			b, in_rsdp ? FW_ACPI_RSDP_FILE : FW_ACPI_TABLES_FILE,
			FW_ACPI_TABLES_FILE,
			(uint32_t)(in_rsdp ? f->off : f->off - split), f->size);
	}
	for (unsigned int i = 0; i < t->nr_ck; i++) {
		const struct acpi_cksum_fixup *k = &t->ck[i];
		bool in_rsdp = k->start < split;
		size_t base = in_rsdp ? 0 : split;
		size_t lim = in_rsdp ? split : t->len;

		if (k->start < base || k->len > lim - k->start ||
		    k->result < k->start || k->result >= k->start + k->len)
			goto bad;
		/* The firmware sums the whole range, this byte included
		 * (OVMF's CalculateCheckSum8, as QEMU's linker expects):
		 * it must be 0 in the file. */
		(in_rsdp ? b->rsdp : b->tables)[k->result - base] = 0;
		add_checksum(b,
			     in_rsdp ? FW_ACPI_RSDP_FILE : FW_ACPI_TABLES_FILE,
			     (uint32_t)(k->result - base),
			     (uint32_t)(k->start - base), k->len);
	}
	return 0;
bad:
	fw_acpi_blobs_free(b);
	return -EINVAL;
}

void fw_acpi_blobs_free(struct fw_acpi_blobs *b)
{
	free(b->rsdp);
	free(b->tables);
	free(b->script);
	memset(b, 0, sizeof(*b));
}
