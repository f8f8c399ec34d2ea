// SPDX-License-Identifier: MIT
/* Configuration defaults and validation: name the field and the reason. */
#include "charlie.h"
#include "err.h"
#include "boot/kernel.h"
#include "config.h"
#include "fw/fw.h"
#include "net/backend.h"
#include "vsock/vsock.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

void charlie_config_init(struct charlie_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->cpus = 1;
	cfg->memory = 256ull << 20;
	cfg->console_in_fd = -1;
	cfg->console_out_fd = -1;
	cfg->entropy = true;
	cfg->virtio_mmio_cmdline = CHARLIE_VIRTIO_CMDLINE_AUTO;
}

static int check_initrd(const char *path, uint64_t *size,
			struct charlie_error *err)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return err_set(err, CHARLIE_E_INITRD, "initrd",
			       "initrd %s: cannot open: %s", path,
			       strerror(errno));
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return err_set(err, CHARLIE_E_INITRD, "initrd",
			       "initrd %s: not a regular file", path);
	}
	close(fd);
	if (st.st_size == 0)
		return err_set(err, CHARLIE_E_INITRD, "initrd",
			       "initrd %s: file is empty", path);
	*size = (uint64_t)st.st_size;
	return 0;
}

/* vsock (issue 10): the CID's range and the uds path, before anything is
 * created; a stale socket file (nobody accepts) is removed at create. */
static int check_vsock(const struct charlie_vsock_config *v,
		       struct charlie_error *err)
{
	char dir[sizeof(((struct sockaddr_un *)0)->sun_path)];
	struct stat st;
	char *slash;
	int r;

	if (!v->cid && !v->uds)
		return 0;
	if (v->cid < VSOCK_CID_MIN || v->cid > VSOCK_CID_MAX)
		return err_set(err, CHARLIE_E_VSOCK_CID, "vsock",
			       "vsock: cid %llu is out of range (%u..%u; 0-2 "
			       "are reserved)",
			       (unsigned long long)v->cid, VSOCK_CID_MIN,
			       VSOCK_CID_MAX);
	if (!v->uds)
		return 0;
	r = vsock_uds_probe(v->uds);
	if (r == -ENAMETOOLONG)
		return err_set(err, CHARLIE_E_VSOCK_UDS_TOO_LONG, "vsock",
			       "vsock: uds %s: too long (with \"_<port>\" "
			       "it must fit %zu bytes)",
			       v->uds, sizeof(dir) - 1);
	if (r == -EADDRINUSE)
		return err_set(err, CHARLIE_E_VSOCK_UDS_EXISTS, "vsock",
			       "vsock: uds %s: a live socket is there "
			       "(someone accepts connections)",
			       v->uds);
	if (r == -EEXIST)
		return err_set(err, CHARLIE_E_VSOCK_UDS_EXISTS, "vsock",
			       "vsock: uds %s: exists and is not a socket",
			       v->uds);
	if (r < 0)
		return err_set(err, CHARLIE_E_VSOCK_UDS, "vsock",
			       "vsock: uds %s: %s", v->uds, strerror(-r));
	snprintf(dir, sizeof(dir), "%s", v->uds);
	slash = strrchr(dir, '/');
	if (slash)
		*(slash == dir ? slash + 1 : slash) = 0;
	if (stat(slash ? dir : ".", &st) < 0 || !S_ISDIR(st.st_mode))
		return err_set(err, CHARLIE_E_VSOCK_UDS, "vsock",
			       "vsock: uds %s: no such directory %s", v->uds,
			       slash ? dir : ".");
	return 0;
}

int charlie_config_add_disk(struct charlie_config *cfg, char *spec,
			    struct charlie_error *err)
{
	struct charlie_disk *d;
	char *opt = strchr(spec, ','), *next;

	if (cfg->nr_disks >= CHARLIE_MAX_DISKS)
		return err_set(err, CHARLIE_E_DISK_TOO_MANY, "disk",
			       "disk %s: more than %d disks", spec,
			       CHARLIE_MAX_DISKS);
	d = &cfg->disks[cfg->nr_disks];
	*d = (struct charlie_disk){.path = spec};
	if (opt)
		*opt++ = 0;
	if (!*spec)
		return err_set(err, CHARLIE_E_DISK_MISSING, "disk",
			       "disk: no path given (--disk PATH[,ro])");
	for (; opt; opt = next) {
		next = strchr(opt, ',');
		if (next)
			*next++ = 0;
		if (!strcmp(opt, "ro")) {
			d->read_only = true;
			continue;
		}
		return err_set(err, CHARLIE_E_DISK_OPTION, "disk",
			       "disk %s: unknown option \"%s\" (known: ro)",
			       spec, opt);
	}
	cfg->nr_disks++;
	return 0;
}

static int disk_err(int fd, struct charlie_error *err, enum charlie_err code,
		    const struct charlie_disk *d, const char *why)
{
	if (fd >= 0)
		close(fd);
	return err_set(err, code, "disk", "disk %s: %s", d->path, why);
}

int config_open_disk(const struct charlie_disk *d, uint64_t *size,
		     struct charlie_error *err)
{
	struct flock lk = {.l_whence = SEEK_SET};
	struct stat st;
	char why[300];
	int fd;

	if (stat(d->path, &st) < 0) {
		snprintf(why, sizeof(why), "%s", strerror(errno));
		return disk_err(-1, err,
				errno == ENOENT || errno == ENOTDIR
					? CHARLIE_E_DISK_MISSING
					: CHARLIE_E_DISK_UNREADABLE,
				d, why);
	}
	if (S_ISDIR(st.st_mode))
		return disk_err(-1, err, CHARLIE_E_DISK_NOT_REGULAR, d,
				"is a directory");
	if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode))
		return disk_err(-1, err, CHARLIE_E_DISK_NOT_REGULAR, d,
				"not a regular file or block device");
	fd = open(d->path, (d->read_only ? O_RDONLY : O_RDWR) | O_CLOEXEC);
	if (fd < 0) {
		snprintf(why, sizeof(why), "cannot open %s: %s",
			 d->read_only ? "for reading"
				      : "for reading and writing (add ,ro?)",
			 strerror(errno));
		return disk_err(-1, err, CHARLIE_E_DISK_UNREADABLE, d, why);
	}
	if (S_ISBLK(st.st_mode)) {
		if (ioctl(fd, BLKGETSIZE64, size) < 0)
			return disk_err(fd, err, CHARLIE_E_DISK_UNREADABLE, d,
					"cannot read the device size");
	} else {
		*size = (uint64_t)st.st_size;
	}
	if (*size == 0)
		return disk_err(fd, err, CHARLIE_E_DISK_EMPTY, d,
				"is empty (0 bytes)");
	if (*size % 512) {
		snprintf(why, sizeof(why),
			 "size %llu is not a multiple of 512 bytes",
			 (unsigned long long)*size);
		return disk_err(fd, err, CHARLIE_E_DISK_SIZE, d, why);
	}
	/* OFD locks (per open file): one writer, or any number of
	 * readers, across VMs and within one. */
	lk.l_type = d->read_only ? F_RDLCK : F_WRLCK;
	if (fcntl(fd, F_OFD_SETLK, &lk) < 0)
		return disk_err(
			fd, err, CHARLIE_E_DISK_LOCKED, d,
			d->read_only ? "locked for writing (by another VM, or "
				       "given twice)"
				     : "locked (by another VM, or given "
				       "twice): no two writers, no writer "
				       "beside readers");
	return fd;
}

static int check_disks(const struct charlie_config *cfg,
		       struct charlie_error *err)
{
	int fds[CHARLIE_MAX_DISKS], ret = 0;
	unsigned int n = 0;
	uint64_t size;

	/* all open at once, so the same image twice is refused too */
	for (; n < cfg->nr_disks && n < CHARLIE_MAX_DISKS; n++) {
		fds[n] = config_open_disk(&cfg->disks[n], &size, err);
		if (fds[n] < 0) {
			ret = fds[n];
			break;
		}
	}
	while (n--)
		close(fds[n]);
	return ret;
}

int config_check_basic(const struct charlie_config *cfg, uint64_t *initrd_size,
		       struct charlie_error *err)
{
	size_t cmdline_len;
	int ret;

	*initrd_size = 0;

	if (cfg->cpus < 1 || cfg->cpus > CHARLIE_MAX_CPUS)
		return err_set(err, CHARLIE_E_CPUS, "cpus",
			       "cpus: %u is out of range (1..%d)", cfg->cpus,
			       CHARLIE_MAX_CPUS);
	if (cfg->memory < CHARLIE_MIN_MEMORY ||
	    cfg->memory > CHARLIE_MAX_MEMORY)
		return err_set(
			err, CHARLIE_E_MEMORY, "memory",
			"memory: %llu MiB is out of range (%llu MiB..%llu "
			"GiB)",
			(unsigned long long)(cfg->memory >> 20),
			CHARLIE_MIN_MEMORY >> 20, CHARLIE_MAX_MEMORY >> 30);
	if (cfg->memory & ((2ull << 20) - 1))
		return err_set(err, CHARLIE_E_MEMORY, "memory",
			       "memory: %llu bytes is not a multiple of 2 MiB",
			       (unsigned long long)cfg->memory);
	if ((!cfg->kernel || !cfg->kernel[0]) && !config_boot_image(cfg))
		return err_set(err, CHARLIE_E_NO_KERNEL, "kernel",
			       "kernel: no kernel given (--kernel PATH or a "
			       "boot image)");
	cmdline_len = cfg->cmdline ? strlen(cfg->cmdline) : 0;
	if (cmdline_len >= 65536)
		return err_set(err, CHARLIE_E_CMDLINE, "cmdline",
			       "cmdline: %zu bytes is longer than any kernel "
			       "accepts",
			       cmdline_len);
	ret = check_vsock(&cfg->vsock, err);
	if (ret)
		return ret;
	if (cfg->initrd) {
		ret = check_initrd(cfg->initrd, initrd_size, err);
		if (ret)
			return ret;
	}
	ret = net_config_check(cfg, err);
	if (ret)
		return ret;
	return check_disks(cfg, err);
}

const char *config_boot_image(const struct charlie_config *cfg)
{
	if (cfg->boot_image && cfg->boot_image[0])
		return cfg->boot_image;
	if ((!cfg->kernel || !cfg->kernel[0]) && cfg->nr_disks)
		return cfg->disks[0].path;
	return NULL;
}

int charlie_config_validate(const struct charlie_config *cfg,
			    struct charlie_error *err)
{
	struct charlie_kernel_report rep;
	struct kernel_image img = {0};
	uint64_t initrd_size;
	int ret;

	if (cfg->efi.enabled)
		return fw_config_validate(cfg, err);
	ret = config_check_basic(cfg, &initrd_size, err);
	if (ret)
		return ret;
	if (!cfg->kernel || !cfg->kernel[0]) {
		struct charlie_image_report *ir = malloc(sizeof(*ir));

		if (!ir)
			return err_set(err, CHARLIE_E_HOST, "",
				       "out of memory");
		ret = charlie_image_inspect(config_boot_image(cfg), cfg->memory,
					    cfg->cmdline, ir);
		if (ret && err)
			*err = ir->err;
		free(ir);
		return ret;
	}
	ret = kernel_read_file(cfg->kernel, &img, err);
	if (ret)
		return ret;
	ret = kernel_probe(&img, &rep);
	if (ret) {
		if (err)
			*err = rep.err;
		goto out;
	}
	ret = kernel_check_fit(&rep, cfg->kernel, cfg->memory,
			       cfg->cmdline ? strlen(cfg->cmdline) : 0,
			       initrd_size, err);
out:
	kernel_image_free(&img);
	return ret;
}
