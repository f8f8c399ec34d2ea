/* SPDX-License-Identifier: MIT */
/*
 * A small AML emitter (ACPI 6.5 section 20, "ACPI Machine Language
 * Specification") for the DSDT charlie builds: names, integers, strings,
 * Name/Scope/Device/Method/Package/Buffer, and resource templates
 * (section 6.4).  Nothing in Debian offers one as a library.
 *
 * Errors are sticky: the first failure (out of memory, a bad name, an
 * unbalanced block, a length past 2^28) is kept in `err` and every later
 * call does nothing, so a builder checks once at the end.
 */
#ifndef CHARLIE_ACPI_AML_H
#define CHARLIE_ACPI_AML_H

#include <stddef.h>
#include <stdint.h>

/* Opcodes (ACPI 6.5 section 20.3). */
#define AML_ZERO	  0x00
#define AML_ONE		  0x01
#define AML_NAME	  0x08
#define AML_BYTE_PREFIX	  0x0a
#define AML_WORD_PREFIX	  0x0b
#define AML_DWORD_PREFIX  0x0c
#define AML_STRING_PREFIX 0x0d
#define AML_QWORD_PREFIX  0x0e
#define AML_SCOPE	  0x10
#define AML_BUFFER	  0x11
#define AML_PACKAGE	  0x12
#define AML_METHOD	  0x14
#define AML_DUAL_NAME	  0x2e
#define AML_MULTI_NAME	  0x2f
#define AML_EXT_PREFIX	  0x5b
#define AML_DEVICE	  0x82 /* after AML_EXT_PREFIX */
#define AML_ROOT_CHAR	  0x5c
#define AML_PARENT_CHAR	  0x5e
#define AML_RETURN	  0xa4

/* Largest PkgLength value (4 bytes: 4 + 8 + 8 + 8 bits). */
#define AML_PKGLEN_MAX 0x0fffffffu
#define AML_MAX_DEPTH  16

struct aml {
	uint8_t *buf;
	size_t len, cap;
	int err; /* 0 or the first negative errno */
	/* open blocks: where each one's PkgLength goes */
	size_t open[AML_MAX_DEPTH];
	unsigned int depth;
};

void aml_init(struct aml *a);
void aml_free(struct aml *a);
/* Takes the bytes (caller frees); the emitter is left empty. */
uint8_t *aml_take(struct aml *a, size_t *len);

void aml_bytes(struct aml *a, const void *p, size_t n);
void aml_byte(struct aml *a, uint8_t b);

/* Encodes PkgLength `value` (section 20.2.4; the value counts its own
 * bytes) into out[4]; returns the byte count 1..4, or 0 if too big. */
unsigned int aml_pkglen_encode(uint32_t value, uint8_t out[4]);

/* A NameString (section 20.2.2): "\\_SB_.COM1", "_S5", "^FOO": optional
 * root or parent prefixes, then dot-separated segments of 1..4
 * characters (padded with '_'), lead A-Z or '_', then A-Z, 0-9, '_'. */
void aml_name(struct aml *a, const char *path);
/* The smallest encoding: ZeroOp, OneOp, Byte/Word/DWord/QWordConst. */
void aml_int(struct aml *a, uint64_t v);
void aml_string(struct aml *a, const char *s);
/* A 7-character EISA ID ("PNP0501") as its compressed DWordConst
 * (section 19.6.35, EISAID); other IDs ("LNRO0005") as a string. */
void aml_hid(struct aml *a, const char *id);
/* Name (path, ...): the caller emits the object next. */
void aml_name_decl(struct aml *a, const char *path);

/* Blocks with a PkgLength, closed by aml_end(). */
void aml_scope(struct aml *a, const char *path);
void aml_device(struct aml *a, const char *path);
/* flags: bits 0-2 ArgCount, bit 3 Serialized (section 19.6.85). */
void aml_method(struct aml *a, const char *path, uint8_t flags);
/* Package with `count` elements: the caller emits them. */
void aml_package(struct aml *a, uint8_t count);
/* Buffer whose size is the bytes emitted before aml_end(). */
void aml_buffer(struct aml *a);
void aml_end(struct aml *a);

/* Resource descriptors (section 6.4), inside aml_buffer().  Close the
 * template with aml_res_end(), which writes the EndTag and its checksum
 * over the descriptors since `start` (the value aml_res_begin returned). */
size_t aml_res_begin(struct aml *a);
void aml_res_io(struct aml *a, uint16_t base, uint8_t len);
void aml_res_irq_noflags(struct aml *a, uint8_t irq);
void aml_res_mem32_fixed(struct aml *a, uint32_t base, uint32_t len,
			 int writable);
void aml_res_interrupt(struct aml *a, uint32_t gsi, int level, int active_low,
		       int shared);
/* Word, DWord or QWord Address Space Descriptor (section 6.4.3.5): a
 * producer range [min, max] with fixed ends, positive decode, no
 * translation; `width` 2, 4 or 8 bytes; `type` AML_RES_MEM/IO/BUS;
 * `tflags` the type-specific flags. */
#define AML_RES_MEM 0
#define AML_RES_IO  1
#define AML_RES_BUS 2
void aml_res_addr(struct aml *a, unsigned int width, uint8_t type,
		  uint8_t tflags, uint64_t min, uint64_t max);
void aml_res_end(struct aml *a, size_t start);

#endif
