// SPDX-License-Identifier: MIT
/*
 * A disk image to a kernel, an initrd and a command line, with no
 * firmware (design.md 11): GPT -> EFI system partition -> FAT ->
 * \EFI\BOOT\BOOTX64.EFI (UEFI 2.10 §3.5.1.1, the removable-media boot
 * path) -> either a unified kernel image (UAPI group "Unified Kernel Image
 * (UKI)" spec: PE sections .linux, .initrd, .cmdline, .osrel, .uname) or a
 * Linux bzImage with the EFI stub (itself a PE: kernel = the whole file).
 */
#include "disk.h"
#include "err.h"

#include <stdlib.h>
#include <string.h>

/* The bytes of UKI section `name`, or NULL when absent. */
static int uki_section(const struct disk_reader *r, const struct uki *u,
		       const char *name, const uint8_t **p, size_t *len,
		       struct charlie_error *err)
{
	const struct pe_section *s = pe_find(&u->pe, name);

	*p = NULL;
	*len = 0;
	if (!s)
		return 0;
	/* A UKI section's content is VirtualSize bytes; all of them must be
	 * in the file (pe_parse checked the raw range). */
	if (s->vsize > s->rawsize)
		return disk_err(r, err, CHARLIE_E_IMAGE_PE_SECTION_RANGE,
				"%s: section %s is 0x%x bytes but only 0x%x "
				"are in the file",
				UKI_FILE, name, s->vsize, s->rawsize);
	*p = u->file + s->offset;
	*len = s->size;
	return 0;
}

/* A short text section (.osrel's PRETTY_NAME/NAME, .uname) for reports. */
static void text_field(const uint8_t *p, size_t len, char *out, size_t n)
{
	size_t k = 0;

	for (size_t i = 0; i < len && k + 1 < n && p[i] && p[i] != '\n'; i++)
		out[k++] = p[i] >= 0x20 && p[i] < 0x7f ? (char)p[i] : '?';
	out[k] = 0;
}

static void osrel_name(const uint8_t *p, size_t len, char *out, size_t n)
{
	static const char *const keys[] = {"PRETTY_NAME=", "NAME="};

	out[0] = 0;
	for (int k = 0; k < 2; k++)
		for (size_t i = 0; i < len; i++) {
			size_t kl = strlen(keys[k]);

			if ((i == 0 || p[i - 1] == '\n') && len - i > kl &&
			    !memcmp(p + i, keys[k], kl)) {
				const uint8_t *v = p + i + kl;
				size_t vl = len - i - kl;

				if (vl && *v == '"') {
					v++;
					vl--;
				}
				text_field(v, vl, out, n);
				if (out[0] && out[strlen(out) - 1] == '"')
					out[strlen(out) - 1] = 0;
				return;
			}
		}
}

static int take_cmdline(const struct disk_reader *r, struct uki *u,
			const uint8_t *p, size_t len, struct charlie_error *err)
{
	size_t n = 0;

	/* Up to a NUL (systemd-stub reads it as a string), trailing
	 * whitespace dropped; control characters refused. */
	while (n < len && p[n])
		n++;
	while (n && (p[n - 1] == '\n' || p[n - 1] == ' ' || p[n - 1] == '\t'))
		n--;
	if (n > UKI_CMDLINE_MAX)
		return disk_err(r, err, CHARLIE_E_IMAGE_UKI_CMDLINE,
				"%s: .cmdline is %zu bytes (at most %d)",
				UKI_FILE, n, UKI_CMDLINE_MAX);
	for (size_t i = 0; i < n; i++)
		if (p[i] < 0x20 && p[i] != '\t' && p[i] != '\n')
			return disk_err(r, err, CHARLIE_E_IMAGE_UKI_CMDLINE,
					"%s: .cmdline has control character "
					"0x%02x at offset %zu",
					UKI_FILE, p[i], i);
	u->cmdline = malloc(n + 1);
	if (!u->cmdline)
		return err_set(err, CHARLIE_E_HOST, "image", "out of memory");
	memcpy(u->cmdline, p, n);
	u->cmdline[n] = 0;
	for (size_t i = 0; i < n; i++)
		if (u->cmdline[i] == '\n' || u->cmdline[i] == '\t')
			u->cmdline[i] = ' ';
	return 0;
}

/* A bzImage: "HdrS" at 0x202 and 0xAA55 at 0x1fe (boot.rst). */
static bool is_bzimage(const uint8_t *p, size_t len)
{
	return len > 0x206 && p[0x1fe] == 0x55 && p[0x1ff] == 0xaa &&
	       !memcmp(p + 0x202, "HdrS", 4);
}

int uki_read(const struct disk_reader *r, struct uki *u,
	     struct charlie_error *err)
{
	struct fat_vol *v;
	const uint8_t *p;
	size_t len;
	int ret;

	memset(u, 0, sizeof(*u));
	v = malloc(sizeof(*v));
	if (!v)
		return err_set(err, CHARLIE_E_HOST, "image", "out of memory");
	ret = gpt_find_esp(r, &u->gpt, err);
	if (ret)
		goto out;
	ret = fat_open(v, r, u->gpt.esp_offset, u->gpt.esp_size, err);
	if (ret)
		goto out;
	u->fat_type = v->type;
	u->clus_size = v->clus_size;
	memcpy(u->label, v->label, sizeof(u->label));
	ret = fat_read_file(v, UKI_FILE, UKI_FILE_MAX, &u->file, &u->file_len,
			    err);
	if (ret)
		goto out;
	u->file_size = u->file_len;
	u->have_file = true;
	ret = pe_parse(r, u->file, u->file_len, &u->pe, err);
	if (ret)
		goto out;
	ret = uki_section(r, u, ".linux", &u->kernel, &u->kernel_len, err);
	if (ret)
		goto out;
	if (!u->kernel) {
		/* Not a UKI: a Linux kernel with the EFI stub boots as it is.
		 */
		if (!is_bzimage(u->file, u->file_len)) {
			ret = disk_err(r, err, CHARLIE_E_IMAGE_PE_NO_LINUX,
				       "%s is a PE image without a .linux "
				       "section and not a Linux kernel (no "
				       "\"HdrS\" header): not a unified "
				       "kernel image",
				       UKI_FILE);
			goto out;
		}
		u->kernel = u->file;
		u->kernel_len = u->file_len;
		goto out;
	}
	u->is_uki = true;
	ret = uki_section(r, u, ".initrd", &u->initrd, &u->initrd_len, err);
	if (!ret)
		ret = uki_section(r, u, ".cmdline", &p, &len, err);
	if (!ret && p)
		ret = take_cmdline(r, u, p, len, err);
	if (!ret)
		ret = uki_section(r, u, ".osrel", &p, &len, err);
	if (!ret && p)
		osrel_name(p, len, u->osrel_name, sizeof(u->osrel_name));
	if (!ret)
		ret = uki_section(r, u, ".uname", &p, &len, err);
	if (!ret && p)
		text_field(p, len, u->uname, sizeof(u->uname));
	if (!ret && !u->kernel_len)
		ret = disk_err(r, err, CHARLIE_E_IMAGE_PE_NO_LINUX,
			       "%s: the .linux section is empty", UKI_FILE);
out:
	free(v);
	if (ret)
		uki_free(u);
	return ret;
}

void uki_free(struct uki *u)
{
	disk_buf_free(u->file, u->file_len);
	free(u->cmdline);
	u->file = NULL;
	u->cmdline = NULL;
	u->kernel = u->initrd = NULL;
	u->kernel_len = u->initrd_len = u->file_len = 0;
}
