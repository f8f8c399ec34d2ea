// SPDX-License-Identifier: MIT
/* Configuration defaults and validation: name the field and the reason. */
#include "charlie.h"
#include "err.h"
#include "boot/kernel.h"
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void charlie_config_init(struct charlie_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->cpus = 1;
	cfg->memory = 256ull << 20;
	cfg->console_in_fd = -1;
	cfg->console_out_fd = -1;
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
	if ((!cfg->kernel || !cfg->kernel[0]) &&
	    (!cfg->boot_image || !cfg->boot_image[0]))
		return err_set(err, CHARLIE_E_NO_KERNEL, "kernel",
			       "kernel: no kernel given (--kernel PATH or a "
			       "boot image)");
	cmdline_len = cfg->cmdline ? strlen(cfg->cmdline) : 0;
	if (cmdline_len >= 65536)
		return err_set(err, CHARLIE_E_CMDLINE, "cmdline",
			       "cmdline: %zu bytes is longer than any kernel "
			       "accepts",
			       cmdline_len);
	if (cfg->initrd) {
		ret = check_initrd(cfg->initrd, initrd_size, err);
		if (ret)
			return ret;
	}
	return 0;
}

int charlie_config_validate(const struct charlie_config *cfg,
			    struct charlie_error *err)
{
	struct charlie_kernel_report rep;
	struct kernel_image img = {0};
	uint64_t initrd_size;
	int ret;

	ret = config_check_basic(cfg, &initrd_size, err);
	if (ret)
		return ret;
	if (!cfg->kernel || !cfg->kernel[0]) {
		struct charlie_image_report *ir = malloc(sizeof(*ir));

		if (!ir)
			return err_set(err, CHARLIE_E_HOST, "",
				       "out of memory");
		ret = charlie_image_inspect(cfg->boot_image, cfg->memory,
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
