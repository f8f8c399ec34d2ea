// SPDX-License-Identifier: MIT
/*
 * PE/COFF, as far as a unified kernel image needs it (Microsoft "PE
 * Format" specification: §"MS-DOS Stub" e_lfanew at 0x3c, §"Signature"
 * "PE\0\0", §"COFF File Header", §"Optional Header" magic 0x20b PE32+,
 * §"Section Table").  The image is in memory (read from the ESP); every
 * offset from it is checked against its length, overflow-safe, before use.
 */
#include "disk.h"
#include "err.h"

#include <ctype.h>
#include <string.h>

#define PE_LFANEW	0x3c
#define COFF_HDR	20
#define SEC_HDR		40
#define OPT_MAGIC_PE32P 0x20b
#define MACHINE_AMD64	0x8664
#define MACHINE_ARM64	0xaa64
#define MACHINE_I386	0x14c
#define MACHINE_RISCV64 0x5064

static const char *machine_name(uint16_t m)
{
	switch (m) {
	case MACHINE_ARM64:
		return "arm64";
	case MACHINE_I386:
		return "i386";
	case MACHINE_RISCV64:
		return "riscv64";
	default:
		return "unknown";
	}
}

int pe_parse(const struct disk_reader *r, const uint8_t *p, size_t len,
	     struct pe_info *pi, struct charlie_error *err)
{
	uint32_t lfanew;
	uint16_t nsec, optsz;
	uint64_t sectab;

	memset(pi, 0, sizeof(*pi));
	if (len < 0x40 || p[0] != 'M' || p[1] != 'Z')
		return disk_err(r, err, CHARLIE_E_IMAGE_PE_HEADER,
				"%s is not a PE image (no MZ header)",
				UKI_FILE);
	lfanew = get32(p + PE_LFANEW);
	if (!disk_range_ok(lfanew, 4 + COFF_HDR, len))
		return disk_err(r, err, CHARLIE_E_IMAGE_PE_HEADER,
				"%s: e_lfanew 0x%x points outside the file "
				"(%zu bytes)",
				UKI_FILE, lfanew, len);
	if (memcmp(p + lfanew, "PE\0\0", 4))
		return disk_err(r, err, CHARLIE_E_IMAGE_PE_HEADER,
				"%s: no PE signature at e_lfanew 0x%x",
				UKI_FILE, lfanew);
	pi->machine = get16(p + lfanew + 4);
	nsec = get16(p + lfanew + 6);
	optsz = get16(p + lfanew + 20);
	if (pi->machine != MACHINE_AMD64)
		return disk_err(r, err, CHARLIE_E_IMAGE_PE_MACHINE,
				"%s is a PE image for machine 0x%04x (%s), "
				"not x86-64",
				UKI_FILE, pi->machine,
				machine_name(pi->machine));
	/* The optional header: PE32+ for x86-64, inside the file. */
	if (optsz < 2 ||
	    !disk_range_ok((uint64_t)lfanew + 4 + COFF_HDR, optsz, len) ||
	    get16(p + lfanew + 4 + COFF_HDR) != OPT_MAGIC_PE32P)
		return disk_err(r, err, CHARLIE_E_IMAGE_PE_HEADER,
				"%s: no PE32+ optional header (size %u)",
				UKI_FILE, optsz);
	if (!nsec || nsec > PE_MAX_SECTIONS)
		return disk_err(r, err, CHARLIE_E_IMAGE_PE_SECTIONS,
				"%s: %u sections (1..%d allowed)", UKI_FILE,
				nsec, PE_MAX_SECTIONS);
	sectab = (uint64_t)lfanew + 4 + COFF_HDR + optsz;
	if (!disk_range_ok(sectab, (uint64_t)nsec * SEC_HDR, len))
		return disk_err(r, err, CHARLIE_E_IMAGE_PE_SECTIONS,
				"%s: section table (%u entries at 0x%llx) "
				"runs past the end of the file",
				UKI_FILE, nsec, (unsigned long long)sectab);
	for (unsigned int i = 0; i < nsec; i++) {
		const uint8_t *s = p + sectab + (uint64_t)i * SEC_HDR;
		struct pe_section *ps = &pi->sec[i];

		memcpy(ps->name, s, 8);
		ps->name[8] = 0;
		for (int k = 0; k < 8 && ps->name[k]; k++)
			if (!isprint((unsigned char)ps->name[k]))
				ps->name[k] = '?';
		ps->vsize = get32(s + 8);
		ps->vaddr = get32(s + 12);
		ps->rawsize = get32(s + 16);
		ps->offset = get32(s + 20);
		/* The content is VirtualSize bytes (the raw size is padded
		 * to FileAlignment); both must lie inside the file. */
		ps->size = ps->vsize && ps->vsize < ps->rawsize ? ps->vsize
								: ps->rawsize;
		if (ps->rawsize && !disk_range_ok(ps->offset, ps->rawsize, len))
			return disk_err(r, err,
					CHARLIE_E_IMAGE_PE_SECTION_RANGE,
					"%s: section %s (0x%x bytes at file "
					"offset 0x%x) lies outside the file "
					"(%zu bytes)",
					UKI_FILE, ps->name, ps->rawsize,
					ps->offset, len);
		for (unsigned int j = 0; j < i; j++)
			if (ps->name[0] == '.' &&
			    !strcmp(pi->sec[j].name, ps->name))
				return disk_err(r, err,
						CHARLIE_E_IMAGE_PE_SECTIONS,
						"%s: section %s appears twice",
						UKI_FILE, ps->name);
	}
	pi->nsections = nsec;
	return 0;
}

const struct pe_section *pe_find(const struct pe_info *pi, const char *name)
{
	for (unsigned int i = 0; i < pi->nsections; i++)
		if (!strcmp(pi->sec[i].name, name))
			return &pi->sec[i];
	return NULL;
}
