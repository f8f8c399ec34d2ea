// SPDX-License-Identifier: MIT
/* bingo's boot counter in a UEFI variable (efivar.h). */
#include "efivar.h"

#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <unistd.h>

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static void put_le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

int64_t efivar_parse_count(const uint8_t *buf, size_t len)
{
	if (!buf || len != EFIVAR_COUNT_FILE_LEN)
		return -1;
	if (!(le32(buf) & 1u)) /* not NON_VOLATILE: not ours */
		return -1;
	return le32(buf + 4);
}

void efivar_format_count(uint8_t out[EFIVAR_COUNT_FILE_LEN], uint32_t count)
{
	put_le32(out, EFIVAR_ATTR_NV_BS_RT);
	put_le32(out + 4, count);
}

#define EFIVARS "/sys/firmware/efi/efivars"

void efivar_boot_count(void)
{
	uint8_t buf[EFIVAR_COUNT_FILE_LEN + 1];
	const char *path = EFIVARS "/" EFIVAR_BOOT_COUNT;
	int64_t prev = 0;
	ssize_t n = 0;
	int fd;

	if (access("/sys/firmware/efi", F_OK) < 0)
		return; /* no UEFI firmware: nothing to say */
	if (mount("efivarfs", EFIVARS, "efivarfs",
		  MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0 &&
	    errno != EBUSY) {
		log_warn("efivarfs not mounted",
			 "firmware.type=uefi error=\"%s\"", strerror(errno));
		return;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		int flags;

		n = read(fd, buf, sizeof(buf));
		/* efivarfs makes variables it does not know immutable (as
		 * chattr +i): clear that before writing, as efivar does */
		if (ioctl(fd, FS_IOC_GETFLAGS, &flags) == 0 &&
		    (flags & FS_IMMUTABLE_FL)) {
			flags &= ~FS_IMMUTABLE_FL;
			(void)ioctl(fd, FS_IOC_SETFLAGS, &flags);
		}
		close(fd);
		prev = efivar_parse_count(buf, n > 0 ? (size_t)n : 0);
		if (prev < 0) {
			log_warn("efi variable unreadable",
				 "efi.var=BingoBootCount efi.bytes=%zd", n);
			return;
		}
	} else if (errno != ENOENT) {
		log_warn("efi variable unreadable",
			 "efi.var=BingoBootCount error=\"%s\"",
			 strerror(errno));
		return;
	}
	efivar_format_count(buf, (uint32_t)prev + 1);
	/* efivarfs takes attributes + data in one write */
	fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0 ||
	    write(fd, buf, EFIVAR_COUNT_FILE_LEN) != EFIVAR_COUNT_FILE_LEN) {
		log_warn("efi variable not written",
			 "efi.var=BingoBootCount error=\"%s\"",
			 strerror(errno));
		if (fd >= 0)
			close(fd);
		return;
	}
	close(fd);
	log_info("efi variable",
		 "firmware.type=uefi efi.var=BingoBootCount "
		 "efi.boot_count=%u",
		 (unsigned int)prev + 1);
}
