// SPDX-License-Identifier: MIT
/*
 * mkcpio: writes a cpio "newc" archive (the initramfs format, see the
 * kernel's Documentation/driver-api/early-userspace/buffer-format.rst)
 * from a list on stdin, so device nodes need no root and every archive
 * is reproducible (uid/gid 0, mtime 0).  One entry per line:
 *   dir   NAME MODE
 *   file  NAME SOURCE MODE
 *   nod   NAME MODE c|b MAJOR MINOR
 *   slink NAME TARGET MODE
 * Usage: mkcpio < list > archive.cpio
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static unsigned long ino = 1;
static unsigned long long offset;

static void out(const void *p, size_t n)
{
	if (n && fwrite(p, 1, n, stdout) != n) {
		perror("mkcpio: write");
		exit(1);
	}
	offset += n;
}

static void pad4(void)
{
	static const char zero[4];

	out(zero, (4 - offset % 4) % 4);
}

static void entry(const char *name, unsigned int mode, const void *data,
		  size_t size, unsigned int rmaj, unsigned int rmin)
{
	char hdr[111];
	size_t nlen = strlen(name) + 1;

	while (*name == '/')
		name++, nlen--;
	snprintf(
		hdr, sizeof(hdr),
		"070701%08lX%08X%08X%08X%08X%08X%08lX%08X%08X%08X%08X%08lX%08X",
		ino++, mode, 0, 0, S_ISDIR(mode) ? 2 : 1, 0,
		(unsigned long)size, 0, 0, rmaj, rmin, (unsigned long)nlen, 0);
	out(hdr, 110);
	out(name, nlen);
	pad4();
	out(data, size);
	pad4();
}

static char *read_file(const char *path, size_t *size)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t cap = 0, len = 0, n;

	if (!f)
		return NULL;
	do {
		if (len == cap) {
			char *nb = realloc(buf, cap = cap ? cap * 2 : 65536);

			if (!nb) {
				free(buf);
				fclose(f);
				return NULL;
			}
			buf = nb;
		}
		n = fread(buf + len, 1, cap - len, f);
		len += n;
	} while (n);
	fclose(f);
	*size = len;
	return buf;
}

int main(void)
{
	char line[1024];
	int lineno = 0;

	while (fgets(line, sizeof(line), stdin)) {
		char kind[8], name[256], a[512], b[8];
		unsigned int mode, maj, min;
		int n;

		lineno++;
		if (line[0] == '#' || line[0] == '\n')
			continue;
		n = sscanf(line, "%7s %255s", kind, name);
		if (n != 2)
			goto bad;
		if (!strcmp(kind, "dir") &&
		    sscanf(line, "%*s %*s %o", &mode) == 1) {
			entry(name, S_IFDIR | mode, NULL, 0, 0, 0);
		} else if (!strcmp(kind, "file") &&
			   sscanf(line, "%*s %*s %511s %o", a, &mode) == 2) {
			size_t size;
			char *data = read_file(a, &size);

			if (!data) {
				fprintf(stderr, "mkcpio: %s: %s\n", a,
					strerror(errno));
				return 1;
			}
			entry(name, S_IFREG | mode, data, size, 0, 0);
			free(data);
		} else if (!strcmp(kind, "nod") &&
			   sscanf(line, "%*s %*s %o %7s %u %u", &mode, b, &maj,
				  &min) == 4 &&
			   (b[0] == 'c' || b[0] == 'b')) {
			entry(name, (b[0] == 'c' ? S_IFCHR : S_IFBLK) | mode,
			      NULL, 0, maj, min);
		} else if (!strcmp(kind, "slink") &&
			   sscanf(line, "%*s %*s %511s %o", a, &mode) == 2) {
			entry(name, S_IFLNK | mode, a, strlen(a), 0, 0);
		} else {
			goto bad;
		}
	}
	entry("TRAILER!!!", 0, NULL, 0, 0, 0);
	/* Like cpio(1), pad the archive to a multiple of 512 bytes. */
	while (offset % 512)
		out("", 1);
	return fflush(stdout) ? 1 : 0;
bad:
	fprintf(stderr, "mkcpio: line %d: cannot parse: %s", lineno, line);
	return 1;
}
