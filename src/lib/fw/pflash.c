// SPDX-License-Identifier: MIT
/* The flash command parser (pflash.h).  Offsets come from the guest:
 * every access is checked against the flash size before use. */
#include "fw/pflash.h"

#include <string.h>

void pflash_init(struct pflash *p, uint8_t *buf, size_t len)
{
	memset(p, 0, sizeof(*p));
	p->buf = buf;
	p->len = len;
	p->mode = PFLASH_ARRAY;
	p->status = PFLASH_STATUS_READY; /* as QEMU's pflash_cfi01 */
}

bool pflash_array_readable(const struct pflash *p)
{
	return p->mode != PFLASH_STATUS;
}

static bool in_range(const struct pflash *p, uint64_t off, unsigned int size)
{
	return off < p->len && size <= p->len - off;
}

static void command(struct pflash *p, uint8_t cmd)
{
	switch (cmd) {
	case 0xff:
	case 0x00: /* some drivers reset with 0 */
		p->mode = PFLASH_ARRAY;
		break;
	case 0x50:
		p->status = 0;
		p->mode = PFLASH_ARRAY;
		break;
	case 0x70:
	case 0x90:
	case 0x98:
		p->mode = PFLASH_STATUS;
		break;
	case 0x10:
	case 0x40:
		p->mode = PFLASH_PROGRAM;
		break;
	case 0x20:
		p->mode = PFLASH_ERASE;
		break;
	default:
		p->status |= PFLASH_STATUS_ERASE | PFLASH_STATUS_PROGRAM;
		p->errors++;
		p->mode = PFLASH_ARRAY;
		break;
	}
}

void pflash_write(struct pflash *p, uint64_t off, const uint8_t *data,
		  unsigned int size)
{
	if (!size || size > 8)
		return;
	switch (p->mode) {
	case PFLASH_PROGRAM:
		p->mode = PFLASH_ARRAY;
		if (!in_range(p, off, size)) {
			p->status |= PFLASH_STATUS_PROGRAM;
			p->errors++;
			return;
		}
		memcpy(p->buf + off, data, size);
		p->status |= PFLASH_STATUS_READY;
		p->dirty = true;
		p->programs++;
		return;
	case PFLASH_ERASE:
		p->mode = PFLASH_ARRAY;
		if (data[0] != 0xd0 || !in_range(p, off, 1)) {
			p->status |=
				PFLASH_STATUS_ERASE | PFLASH_STATUS_PROGRAM;
			p->errors++;
			return;
		}
		off &= ~(uint64_t)(PFLASH_BLOCK - 1);
		if (!in_range(p, off, PFLASH_BLOCK)) {
			p->status |= PFLASH_STATUS_ERASE;
			p->errors++;
			return;
		}
		memset(p->buf + off, 0xff, PFLASH_BLOCK);
		p->status |= PFLASH_STATUS_READY;
		p->dirty = true;
		p->erases++;
		return;
	case PFLASH_ARRAY:
	case PFLASH_STATUS:
		command(p, data[0]);
		return;
	}
}

void pflash_read(const struct pflash *p, uint64_t off, uint8_t *data,
		 unsigned int size)
{
	if (!size || size > 8)
		return;
	if (p->mode != PFLASH_ARRAY && p->mode != PFLASH_PROGRAM &&
	    p->mode != PFLASH_ERASE) {
		memset(data, p->status, size);
		return;
	}
	if (!in_range(p, off, size)) {
		memset(data, 0xff, size);
		return;
	}
	memcpy(data, p->buf + off, size);
}
