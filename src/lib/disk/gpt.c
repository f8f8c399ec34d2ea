// SPDX-License-Identifier: MIT
/*
 * GPT: the protective MBR (UEFI 2.10 §5.2.3) and the primary GPT header
 * and partition entry array (§5.3.2, §5.3.3), validated before any of it
 * is believed; then the EFI system partition by its type GUID (§5.3.3,
 * table 5.8: C12A7328-F81F-11D2-BA4B-00A0C93EC93B).
 *
 * Only the primary GPT is read: a disk whose primary header is damaged is
 * refused with the reason rather than repaired from the backup (a
 * firmware would try the backup; charlie says what is wrong).
 */
#include "disk.h"
#include "err.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MBR_SIG_OFF   510
#define MBR_PART_OFF  446
#define GPT_HDR_MIN   92 /* HeaderSize: at least 92, at most a block */
#define GPT_ENTRY_MIN 128
#define GPT_ENTRY_MAX 4096
#define GPT_ARRAY_MAX (1u << 20) /* entry array bytes charlie will read */
#define GPT_REVISION  0x00010000u

/* C12A7328-F81F-11D2-BA4B-00A0C93EC93B as stored: the first three
 * fields little-endian (§Appendix A, EFI_GUID). */
static const uint8_t esp_type[16] = {0x28, 0x73, 0x2a, 0xc1, 0x1f, 0xf8,
				     0xd2, 0x11, 0xba, 0x4b, 0x00, 0xa0,
				     0xc9, 0x3e, 0xc9, 0x3b};

void gpt_guid_str(const uint8_t g[16], char *buf)
{
	snprintf(buf, 37, "%08X-%04X-%04X-%02X%02X-%02X%02X%02X%02X%02X%02X",
		 get32(g), get16(g + 4), get16(g + 6), g[8], g[9], g[10], g[11],
		 g[12], g[13], g[14], g[15]);
}

static int check_mbr(const struct disk_reader *r, struct charlie_error *err)
{
	uint8_t mbr[GPT_SECTOR];
	bool found = false;
	int ret;

	ret = disk_read(r, 0, mbr, sizeof(mbr), CHARLIE_E_IMAGE_MBR,
			"the protective MBR", err);
	if (ret)
		return ret;
	if (mbr[MBR_SIG_OFF] != 0x55 || mbr[MBR_SIG_OFF + 1] != 0xaa)
		return disk_err(r, err, CHARLIE_E_IMAGE_MBR,
				"bad protective MBR: no 0x55AA signature at "
				"offset 510 (not a partitioned disk)");
	/* §5.2.3: a partition record with OSType 0xEE starting at LBA 1. */
	for (int i = 0; i < 4; i++) {
		const uint8_t *p = mbr + MBR_PART_OFF + 16 * i;

		if (p[4] == 0xee && get32(p + 8) == 1)
			found = true;
	}
	if (!found)
		return disk_err(r, err, CHARLIE_E_IMAGE_MBR,
				"bad protective MBR: no partition of type 0xEE "
				"starting at LBA 1 (not a GPT disk)");
	return 0;
}

static int check_header(const struct disk_reader *r, const uint8_t *h,
			uint64_t nsec, struct charlie_error *err)
{
	uint32_t hsize = get32(h + 12), crc;
	uint8_t copy[GPT_SECTOR];
	uint64_t first = get64(h + 40), last = get64(h + 48);

	if (memcmp(h, "EFI PART", 8))
		return disk_err(r, err, CHARLIE_E_IMAGE_GPT_HEADER,
				"no GPT header at LBA 1 (signature is not "
				"\"EFI PART\")");
	if (get32(h + 8) != GPT_REVISION)
		return disk_err(r, err, CHARLIE_E_IMAGE_GPT_HEADER,
				"GPT header revision 0x%08x, expected "
				"0x00010000",
				get32(h + 8));
	if (hsize < GPT_HDR_MIN || hsize > GPT_SECTOR)
		return disk_err(r, err, CHARLIE_E_IMAGE_GPT_HEADER,
				"GPT HeaderSize %u out of range (92..512)",
				hsize);
	/* §5.3.2: the CRC over HeaderSize bytes, its own field zeroed. */
	memcpy(copy, h, hsize);
	memset(copy + 16, 0, 4);
	crc = disk_crc32(0, copy, hsize);
	if (crc != get32(h + 16))
		return disk_err(r, err, CHARLIE_E_IMAGE_GPT_CRC,
				"GPT header CRC mismatch (stored 0x%08x, "
				"computed 0x%08x)",
				get32(h + 16), crc);
	if (get64(h + 24) != 1)
		return disk_err(r, err, CHARLIE_E_IMAGE_GPT_HEADER,
				"GPT header MyLBA is %llu, expected 1",
				(unsigned long long)get64(h + 24));
	if (first > last || last >= nsec || first < 2)
		return disk_err(r, err, CHARLIE_E_IMAGE_GPT_RANGE,
				"GPT usable LBAs %llu..%llu do not fit the "
				"image (%llu sectors)",
				(unsigned long long)first,
				(unsigned long long)last,
				(unsigned long long)nsec);
	return 0;
}

int gpt_find_esp(const struct disk_reader *r, struct gpt_info *gi,
		 struct charlie_error *err)
{
	uint8_t h[GPT_SECTOR];
	uint64_t nsec = r->size / GPT_SECTOR, lba, first, last, s, e;
	uint32_t n, esz, crc;
	uint8_t *arr = NULL;
	size_t bytes;
	int ret;

	memset(gi, 0, sizeof(*gi));
	ret = check_mbr(r, err);
	if (ret)
		return ret;
	ret = disk_read(r, GPT_SECTOR, h, sizeof(h), CHARLIE_E_IMAGE_GPT_HEADER,
			"the GPT header", err);
	if (ret)
		return ret;
	ret = check_header(r, h, nsec, err);
	if (ret)
		return ret;
	first = get64(h + 40);
	last = get64(h + 48);
	lba = get64(h + 72);
	n = get32(h + 80);
	esz = get32(h + 84);
	memcpy(gi->disk_guid, h + 56, 16);
	gi->entries = n;
	gi->entry_size = esz;
	/* §5.3.2: SizeOfPartitionEntry is 128 x 2^n; bound the array. */
	if (esz < GPT_ENTRY_MIN || esz > GPT_ENTRY_MAX || (esz & (esz - 1)))
		return disk_err(r, err, CHARLIE_E_IMAGE_GPT_ENTRIES,
				"GPT SizeOfPartitionEntry %u is not 128 x 2^n "
				"(128..4096)",
				esz);
	if (n == 0 || n > GPT_ARRAY_MAX / esz)
		return disk_err(r, err, CHARLIE_E_IMAGE_GPT_ENTRIES,
				"GPT NumberOfPartitionEntries %u out of range "
				"(1..%u for %u-byte entries)",
				n, GPT_ARRAY_MAX / esz, esz);
	bytes = (size_t)n * esz;
	/* The array lies after the header and before the first usable LBA
	 * (§5.3.2), and inside the image. */
	if (lba < 2 || lba > nsec || first < lba ||
	    (bytes + GPT_SECTOR - 1) / GPT_SECTOR > first - lba)
		return disk_err(r, err, CHARLIE_E_IMAGE_GPT_RANGE,
				"GPT partition entry array at LBA %llu (%zu "
				"bytes) is not between the header and the "
				"first usable LBA %llu",
				(unsigned long long)lba, bytes,
				(unsigned long long)first);
	arr = malloc(bytes);
	if (!arr)
		return err_set(err, CHARLIE_E_HOST, "image", "out of memory");
	ret = disk_read(r, lba * GPT_SECTOR, arr, bytes,
			CHARLIE_E_IMAGE_GPT_RANGE,
			"the GPT partition entry array", err);
	if (ret)
		goto out;
	crc = disk_crc32(0, arr, bytes);
	if (crc != get32(h + 88)) {
		ret = disk_err(r, err, CHARLIE_E_IMAGE_GPT_ENTRIES_CRC,
			       "GPT partition entry array CRC mismatch "
			       "(stored 0x%08x, computed 0x%08x)",
			       get32(h + 88), crc);
		goto out;
	}
	for (uint32_t i = 0; i < n; i++) {
		const uint8_t *p = arr + (size_t)i * esz;
		static const uint8_t zero[16];

		if (!memcmp(p, zero, 16))
			continue;
		gi->used++;
		if (gi->esp_index || memcmp(p, esp_type, 16))
			continue;
		s = get64(p + 32);
		e = get64(p + 40);
		/* EndingLBA is inclusive; the partition must be usable
		 * space and wholly inside the image. */
		if (s > e || s < first || e > last || e >= nsec) {
			ret = disk_err(r, err, CHARLIE_E_IMAGE_GPT_RANGE,
				       "EFI system partition (entry %u) spans "
				       "LBAs %llu..%llu, outside the usable "
				       "%llu..%llu of the image",
				       i + 1, (unsigned long long)s,
				       (unsigned long long)e,
				       (unsigned long long)first,
				       (unsigned long long)last);
			goto out;
		}
		gi->esp_index = i + 1;
		memcpy(gi->esp_guid, p + 16, 16);
		gi->esp_offset = s * GPT_SECTOR;
		gi->esp_size = (e - s + 1) * GPT_SECTOR;
	}
	if (!gi->esp_index)
		ret = disk_err(r, err, CHARLIE_E_IMAGE_NO_ESP,
			       "no EFI system partition (type "
			       "C12A7328-F81F-11D2-BA4B-00A0C93EC93B) among "
			       "%u partitions",
			       gi->used);
out:
	free(arr);
	return ret;
}
