// SPDX-License-Identifier: MIT
/*
 * What an OVMF file is (fw.h, charlie.h charlie_fw_inspect): firmware
 * volumes (PI 1.7 vol. 3 section 3.2.1, EFI_FIRMWARE_VOLUME_HEADER: "_FVH"
 * at 0x28, FvLength at 0x20, HeaderLength at 0x30), the reset vector in
 * the last 16 bytes, and the variable store (edk2 MdeModulePkg
 * VariableFormat.h: VARIABLE_STORE_HEADER after the FV header, variables
 * with StartId 0x55AA).  Untrusted input: every length is checked.
 */
#include "fw/fw.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* EFI_SYSTEM_NV_DATA_FV_GUID fff12b8d-7696-4c8b-a985-2747075b4f50 */
static const uint8_t nv_fv_guid[16] = {0x8d, 0x2b, 0xf1, 0xff, 0x96, 0x76,
				       0x8b, 0x4c, 0xa9, 0x85, 0x27, 0x47,
				       0x07, 0x5b, 0x4f, 0x50};
/* gEfiAuthenticatedVariableGuid aaf32c78-947b-439a-a180-2e144ec37792 */
static const uint8_t auth_var_guid[16] = {0x78, 0x2c, 0xf3, 0xaa, 0x7b, 0x94,
					  0x9a, 0x43, 0xa1, 0x80, 0x2e, 0x14,
					  0x4e, 0xc3, 0x77, 0x92};
/* gEfiVariableGuid ddcf3616-3275-4164-98b6-fe85707ffe7d */
static const uint8_t var_guid[16] = {0x16, 0x36, 0xcf, 0xdd, 0x75, 0x32,
				     0x64, 0x41, 0x98, 0xb6, 0xfe, 0x85,
				     0x70, 0x7f, 0xfe, 0x7d};

#define FV_SIG_OFF    0x28
#define FV_LEN_OFF    0x20
#define FV_HDRLEN_OFF 0x30
#define FV_GUID_OFF   0x10

#define VAR_START_ID  0x55aa
#define VAR_ADDED     0x3f
#define VAR_IN_DELETE 0xfe

static uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)le16(p) | (uint32_t)le16(p + 2) << 16;
}

static uint64_t le64(const uint8_t *p)
{
	return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
}

static void guid_str(const uint8_t *g, char *out)
{
	snprintf(out, 37, "%08x-%04x-%04x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		 le32(g), le16(g + 4), le16(g + 6), g[8], g[9], g[10], g[11],
		 g[12], g[13], g[14], g[15]);
}

/* A firmware volume header at `off`: its length, or 0. */
static uint64_t fv_at(const uint8_t *p, size_t len, size_t off)
{
	uint64_t fvlen;

	if (off > len || len - off < 0x48 ||
	    memcmp(p + off + FV_SIG_OFF, "_FVH", 4))
		return 0;
	fvlen = le64(p + off + FV_LEN_OFF);
	if (fvlen < 0x48 || fvlen > len - off)
		return 0;
	return fvlen;
}

uint64_t fw_vars_size_for(uint64_t code_len)
{
	uint64_t flash = FW_BLOCK;

	while (flash < code_len && flash < (1ull << 32))
		flash <<= 1;
	return flash - code_len;
}

/* The variable store inside an NV firmware volume of length fvlen. */
static void parse_store(const uint8_t *p, size_t fvlen,
			struct charlie_fw_report *r)
{
	size_t h = le16(p + FV_HDRLEN_OFF), off, end, vh;
	uint32_t ssize;

	if (h < 0x48 || h > fvlen || fvlen - h < 28) {
		snprintf(r->why, sizeof(r->why),
			 "the firmware volume header length is invalid");
		return;
	}
	if (!memcmp(p + h, auth_var_guid, 16))
		r->authenticated = true;
	else if (memcmp(p + h, var_guid, 16)) {
		snprintf(r->why, sizeof(r->why),
			 "no variable store header after the firmware volume "
			 "header");
		return;
	}
	ssize = le32(p + h + 16);
	if (ssize < 28 || ssize > fvlen - h || p[h + 20] != 0x5a ||
	    p[h + 21] != 0xfe) {
		snprintf(r->why, sizeof(r->why),
			 "the variable store header is not formatted and "
			 "healthy (size %u, format 0x%02x, state 0x%02x)",
			 ssize, p[h + 20], p[h + 21]);
		return;
	}
	r->store_valid = true;
	r->store_size = ssize;
	vh = r->authenticated ? 60 : 32;
	end = h + ssize;
	for (off = h + 28; off + vh <= end;) {
		size_t nsz, dsz, no = r->authenticated ? 36 : 8;
		uint8_t state;

		if (le16(p + off) != VAR_START_ID)
			break;
		state = p[off + 2];
		nsz = le32(p + off + no);
		dsz = le32(p + off + no + 4);
		if (nsz > end - off - vh || dsz > end - off - vh - nsz)
			break; /* runs past the store: stop counting */
		if (state == VAR_ADDED || state == (VAR_ADDED & VAR_IN_DELETE))
			r->nr_vars++;
		else
			r->nr_deleted++;
		off += (vh + nsz + dsz + 3) & ~(size_t)3;
	}
}

void fw_inspect_buf(const uint8_t *p, size_t len, struct charlie_fw_report *r)
{
	uint64_t fvlen = fv_at(p, len, 0);
	size_t off;

	memset(r, 0, sizeof(*r));
	r->size = len;
	if (!fvlen) {
		if (len >= 0x48 && !memcmp(p + FV_SIG_OFF, "_FVH", 4) &&
		    le64(p + FV_LEN_OFF) > len)
			snprintf(r->why, sizeof(r->why),
				 "truncated: its first firmware volume is "
				 "%llu bytes, the file %zu",
				 (unsigned long long)le64(p + FV_LEN_OFF), len);
		else
			snprintf(r->why, sizeof(r->why),
				 "no firmware volume header (\"_FVH\" at "
				 "0x28)");
		return;
	}
	if (!memcmp(p + FV_GUID_OFF, nv_fv_guid, 16)) {
		/* a store; or a unified image when more volumes follow */
		r->nr_fv = 1;
		guid_str(p + FV_GUID_OFF, r->fv_guid[0]);
		if (fvlen < len && fv_at(p, len, fvlen)) {
			r->kind = CHARLIE_FW_OVMF_UNIFIED;
			r->flash_size = len;
			snprintf(r->why, sizeof(r->why),
				 "a unified image (CODE and VARS in one "
				 "file)");
		} else {
			r->kind = CHARLIE_FW_VARS;
		}
		r->vars_size = fvlen;
		parse_store(p, fvlen, r);
		return;
	}
	for (off = 0; off < len && r->nr_fv < 8;) {
		uint64_t l = fv_at(p, len, off);

		if (!l)
			break;
		guid_str(p + off + FV_GUID_OFF, r->fv_guid[r->nr_fv++]);
		off += l;
	}
	if (len % FW_BLOCK || len > FW_MAX_CODE) {
		snprintf(r->why, sizeof(r->why),
			 "size %zu is not a multiple of 4 KiB up to 16 MiB",
			 len);
		return;
	}
	for (size_t i = len >= 16 ? len - 16 : 0; i < len; i++)
		if (p[i] == 0xe9 || p[i] == 0xeb)
			r->reset_vector = true;
	if (!r->reset_vector) {
		snprintf(r->why, sizeof(r->why),
			 "firmware volumes but no reset vector (no jump in "
			 "the last 16 bytes)");
		return;
	}
	r->kind = CHARLIE_FW_OVMF_CODE;
	r->vars_size = fw_vars_size_for(len);
	r->flash_size = len + r->vars_size;
	if (len == 0x37c000)
		snprintf(r->build, sizeof(r->build), "4M (OVMF_CODE_4M.fd)");
	else if (len == 0x1e0000)
		snprintf(r->build, sizeof(r->build), "2M (OVMF_CODE.fd)");
	else
		snprintf(r->build, sizeof(r->build), "%llu KiB flash",
			 (unsigned long long)(r->flash_size >> 10));
	if (!r->vars_size) {
		r->kind = CHARLIE_FW_UNKNOWN;
		snprintf(r->why, sizeof(r->why),
			 "the image fills the whole flash: no room for a "
			 "variable store (a unified image?)");
	}
}

int charlie_fw_inspect(const char *path, struct charlie_fw_report *rep)
{
	struct stat st;
	uint8_t *p;
	ssize_t n;
	int fd, ret;

	memset(rep, 0, sizeof(*rep));
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		ret = -errno;
		snprintf(rep->why, sizeof(rep->why), "cannot open: %s",
			 strerror(errno));
		return ret;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		snprintf(rep->why, sizeof(rep->why), "not a regular file");
		return -EINVAL;
	}
	if (st.st_size > FW_MAX_CODE || st.st_size < 0x48) {
		close(fd);
		rep->size = (uint64_t)st.st_size;
		snprintf(rep->why, sizeof(rep->why),
			 "size %lld is not that of OVMF firmware or a "
			 "variable store",
			 (long long)st.st_size);
		return -EINVAL;
	}
	p = malloc((size_t)st.st_size);
	if (!p) {
		close(fd);
		return -ENOMEM;
	}
	n = pread(fd, p, (size_t)st.st_size, 0);
	close(fd);
	if (n != st.st_size) {
		free(p);
		snprintf(rep->why, sizeof(rep->why), "short read");
		return -EIO;
	}
	fw_inspect_buf(p, (size_t)n, rep);
	free(p);
	return rep->kind == CHARLIE_FW_OVMF_CODE ||
			       (rep->kind == CHARLIE_FW_VARS &&
				rep->store_valid)
		       ? 0
		       : -EINVAL;
}
