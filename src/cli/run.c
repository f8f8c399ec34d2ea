// SPDX-License-Identifier: MIT
/*
 * charlie run: boots a kernel, streams the guest console to stdout, host
 * lines on stderr prefixed "[host] ", and ends with one line saying how
 * the VM ended.  Exit codes: design.md section 2 (enum charlie_exit).
 *
 * Ctrl-C / SIGTERM: press the ACPI power button, wait --stop-timeout, then
 * stop by force; a second Ctrl-C forces at once.  Until the VM has an
 * ACPI power button, the first one already stops by force (exit 1).
 */
#include "cli.h"
#include "charlie.h"

#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

struct run_ctx {
	uint64_t t0;
	bool verbose;
	int done_fd;
};

/* The terminal: raw input (ISIG kept, so Ctrl-C still reaches charlie),
 * restored on every exit path: normal return, fatal signals, atexit. */
static struct termios saved_tio;
static int tio_saved;

static void tty_restore(void)
{
	if (tio_saved) {
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_tio);
		tio_saved = 0;
	}
}

static void fatal_signal(int sig)
{
	tty_restore();
	signal(sig, SIG_DFL);
	raise(sig);
}

static void tty_raw(void)
{
	struct termios t;
	static const int fatal[] = {SIGSEGV, SIGBUS, SIGABRT, SIGILL, SIGFPE};

	if (!isatty(STDIN_FILENO) || tcgetattr(STDIN_FILENO, &saved_tio) < 0)
		return;
	t = saved_tio;
	t.c_iflag &= ~(tcflag_t)(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR |
				 IGNCR | ICRNL | IXON);
	t.c_lflag &= ~(tcflag_t)(ECHO | ECHONL | ICANON | IEXTEN);
	t.c_cc[VMIN] = 1;
	t.c_cc[VTIME] = 0;
	if (tcsetattr(STDIN_FILENO, TCSAFLUSH, &t) < 0)
		return;
	tio_saved = 1;
	atexit(tty_restore);
	for (size_t i = 0; i < sizeof(fatal) / sizeof(fatal[0]); i++)
		signal(fatal[i], fatal_signal);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

long long cli_parse_size(const char *s)
{
	char *end;
	unsigned long long v, mult = 1;

	if (!s || !*s || *s == '-')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s)
		return -1;
	switch (*end) {
	case 0:
		/* a bare number: MiB if small (like QEMU's -m), else bytes */
		mult = v < 1048576 ? 1ull << 20 : 1;
		break;
	case 'k':
	case 'K':
		mult = 1ull << 10;
		end++;
		break;
	case 'm':
	case 'M':
		mult = 1ull << 20;
		end++;
		break;
	case 'g':
	case 'G':
		mult = 1ull << 30;
		end++;
		break;
	case 't':
	case 'T':
		mult = 1ull << 40;
		end++;
		break;
	default:
		return -1;
	}
	if (*end == 'i' && end[1] == 'B')
		end += 2;
	else if (*end == 'B')
		end++;
	if (*end || (v && mult > (unsigned long long)(1ll << 62) / v))
		return -1;
	return (long long)(v * mult);
}

static void on_log(void *opaque, enum charlie_log_level lvl, const char *line)
{
	struct run_ctx *c = opaque;

	switch (lvl) {
	case CHARLIE_LOG_DEBUG:
		if (c->verbose)
			fprintf(stderr, "[host] debug: %s\r\n", line);
		break;
	case CHARLIE_LOG_INFO:
		fprintf(stderr, "[host] %s\r\n", line);
		break;
	case CHARLIE_LOG_WARN:
		fprintf(stderr, "[host] warning: %s\r\n", line);
		break;
	case CHARLIE_LOG_ERROR:
		fprintf(stderr, "[host] error: %s\r\n", line);
		break;
	}
}

static void on_stopped(void *opaque, const struct charlie_stop_info *info)
{
	struct run_ctx *c = opaque;
	uint64_t one = 1;

	if (write(c->done_fd, &one, sizeof(one)) < 0)
		(void)0;
}

static const char *base_name(const char *p)
{
	const char *s = strrchr(p, '/');

	return s ? s + 1 : p;
}

static void print_timeline(const struct run_ctx *c,
			   const struct charlie_timeline *t)
{
	const struct {
		const char *name;
		uint64_t v;
	} rows[] = {
		{"config validated", t->validated},
		{"memory mapped", t->memory_mapped},
		{"kernel loaded", t->kernel_loaded},
		{"first vCPU entry", t->first_vcpu_entry},
		{"first console byte", t->first_console_byte},
		{"boot marker", t->boot_marker},
		{"stopped", t->stopped},
	};
	uint64_t prev = c->t0;

	fprintf(stderr, "[host] timeline (ms since exec; +delta from the "
			"previous phase):\r\n");
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		if (!rows[i].v) {
			fprintf(stderr,
				"[host]   %-20s        -  (not reached)%s\r\n",
				rows[i].name,
				i == 5 ? " — the guest never wrote 0x7b to "
					 "port 0x4f0"
				       : "");
			continue;
		}
		/* phases run on different threads and may overlap (the boot
		 * marker can come before the first console byte) */
		if (rows[i].v >= prev) {
			fprintf(stderr, "[host]   %-20s %9.3f  (+%.3f)\r\n",
				rows[i].name, (double)(rows[i].v - c->t0) / 1e6,
				(double)(rows[i].v - prev) / 1e6);
			prev = rows[i].v;
		} else {
			fprintf(stderr, "[host]   %-20s %9.3f\r\n",
				rows[i].name,
				(double)(rows[i].v - c->t0) / 1e6);
		}
	}
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: charlie run --kernel PATH [--initrd PATH] [--cmdline "
		"STR]\n"
		"       charlie run --boot-image IMAGE [--cmdline STR] ...\n"
		"                   [--cpus N] [--memory SIZE] [--timeline]\n"
		"                   [--stop-timeout SECS] [--verbose]\n"
		"  --kernel PATH      bzImage or ELF vmlinux with a PVH note\n"
		"  --boot-image IMAGE a GPT disk image: boot the unified "
		"kernel image (or EFI-\n"
		"                     stub kernel) at \\EFI\\BOOT\\BOOTX64.EFI "
		"on its EFI system\n"
		"                     partition, with no firmware; "
		"--cmdline/--initrd override\n"
		"                     the embedded ones\n"
		"  --initrd PATH      initial ramdisk (cpio, may be "
		"compressed)\n"
		"  --cmdline STR      kernel command line (default: "
		"console=ttyS0)\n"
		"  --cpus N           vCPUs (default 1, max %d)\n"
		"  --memory SIZE      guest RAM, e.g. 256M, 1G (default 256M)\n"
		"  --timeline         at exit, print how long each phase took\n"
		"  --stop-timeout S   grace period after the power button "
		"(default 6)\n"
		"  --verbose          also print debug lines (unhandled ports, "
		"...)\n",
		CHARLIE_MAX_CPUS);
}

static int bad_usage(const char *fmt, const char *arg)
{
	fprintf(stderr, "charlie run: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, " (try charlie run --help)\n");
	return CHARLIE_EXIT_CONFIG;
}

int cmd_run(int argc, char **argv)
{
	static const struct option opts[] = {
		{"kernel", required_argument, NULL, 'k'},
		{"boot-image", required_argument, NULL, 'b'},
		{"initrd", required_argument, NULL, 'i'},
		{"cmdline", required_argument, NULL, 'c'},
		{"cpus", required_argument, NULL, 'p'},
		{"memory", required_argument, NULL, 'm'},
		{"timeline", no_argument, NULL, 't'},
		{"stop-timeout", required_argument, NULL, 's'},
		{"verbose", no_argument, NULL, 'v'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct run_ctx ctx = {.t0 = now_ns(), .done_fd = -1};
	struct charlie_callbacks cb = {
		.opaque = &ctx,
		.log = on_log,
		.guest_stopped = on_stopped,
	};
	struct charlie_config cfg;
	struct charlie_error err = {0};
	struct charlie_stop_info *info = NULL;
	struct charlie_vm *vm = NULL;
	struct charlie_timeline tl;
	bool timeline = false;
	long stop_timeout = 6;
	sigset_t sigs;
	int sfd = -1, rc = CHARLIE_EXIT_HOST, o;
	char *end;
	long long v;

	charlie_config_init(&cfg);
	optind = 1;
	while ((o = getopt_long(argc, argv, "k:b:i:c:p:m:ts:vh", opts, NULL)) !=
	       -1) {
		switch (o) {
		case 'k':
			cfg.kernel = optarg;
			break;
		case 'b':
			cfg.boot_image = optarg;
			break;
		case 'i':
			cfg.initrd = optarg;
			break;
		case 'c':
			cfg.cmdline = optarg;
			break;
		case 'p':
			errno = 0;
			v = strtoll(optarg, &end, 10);
			if (errno || *end || v < 1 || v > CHARLIE_MAX_CPUS)
				return bad_usage("--cpus: '%s' is not a number "
						 "of vCPUs from 1 to 64",
						 optarg);
			cfg.cpus = (unsigned int)v;
			break;
		case 'm':
			v = cli_parse_size(optarg);
			if (v <= 0)
				return bad_usage("--memory: '%s' is not a size "
						 "(try 256M or 1G)",
						 optarg);
			cfg.memory = (uint64_t)v;
			break;
		case 't':
			timeline = true;
			break;
		case 's':
			errno = 0;
			stop_timeout = strtol(optarg, &end, 10);
			if (errno || *end || stop_timeout < 0 ||
			    stop_timeout > 3600)
				return bad_usage(
					"--stop-timeout: '%s' is not "
					"a number of seconds (0..3600)",
					optarg);
			break;
		case 'v':
			ctx.verbose = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			return bad_usage("%s", "bad option");
		}
	}
	if (optind < argc)
		return bad_usage("unexpected argument '%s'", argv[optind]);
	if (!cfg.kernel && !cfg.boot_image)
		return bad_usage("%s",
				 "--kernel PATH is required (or --boot-image "
				 "IMAGE)");
	if (cfg.kernel && cfg.boot_image)
		return bad_usage("%s", "--kernel and --boot-image exclude each "
				       "other");
	/* A kernel file gets console=ttyS0 by default; a disk image's UKI
	 * brings its own command line. */
	if (!cfg.cmdline && cfg.kernel)
		cfg.cmdline = "console=ttyS0";

	/* Signals are taken through a signalfd; block them before any VM
	 * thread exists so every thread inherits the mask. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGHUP);
	sigaddset(&sigs, SIGQUIT);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	sfd = signalfd(-1, &sigs, SFD_CLOEXEC);
	ctx.done_fd = eventfd(0, EFD_CLOEXEC);
	if (sfd < 0 || ctx.done_fd < 0) {
		fprintf(stderr, "charlie: signalfd/eventfd: %s\n",
			strerror(errno));
		goto out;
	}
	cfg.console_out_fd = STDOUT_FILENO;
	if (isatty(STDIN_FILENO))
		cfg.console_in_fd = STDIN_FILENO;

	if (charlie_vm_create(&cfg, &cb, &vm, &err) < 0) {
		cli_print_error(&err);
		rc = err.code == CHARLIE_E_KVM || err.code == CHARLIE_E_HOST
			     ? CHARLIE_EXIT_HOST
			     : CHARLIE_EXIT_CONFIG;
		goto out;
	}
	fprintf(stderr, "[host] starting VM (cpu=%u, mem=%lluMiB, %s=%s%s%s)\n",
		cfg.cpus, (unsigned long long)(cfg.memory >> 20),
		cfg.kernel ? "kernel" : "image",
		base_name(cfg.kernel ? cfg.kernel : cfg.boot_image),
		cfg.initrd ? ", initrd=" : "",
		cfg.initrd ? base_name(cfg.initrd) : "");
	/* said before the vCPUs start, so it precedes the guest console */
	fprintf(stderr, "[host] VM running. Press Ctrl-C to shut down.\n");
	tty_raw();
	if (charlie_vm_start(vm, &err) < 0) {
		tty_restore();
		cli_print_error(&err);
		rc = CHARLIE_EXIT_HOST;
		goto out;
	}
	bool forcing = false, pressed = false;
	uint64_t deadline = 0;

	for (;;) {
		struct pollfd p[2] = {
			{.fd = ctx.done_fd, .events = POLLIN},
			{.fd = sfd, .events = POLLIN},
		};
		int timeout = -1;

		if (deadline) {
			uint64_t n = now_ns();

			timeout = n >= deadline
					  ? 0
					  : (int)((deadline - n) / 1000000 + 1);
		}
		int r = poll(p, 2, timeout);

		if (r < 0 && errno == EINTR)
			continue;
		if (p[0].revents & POLLIN)
			break;
		if (r == 0 && deadline && !forcing) {
			fprintf(stderr,
				"[host] guest did not stop within %lds; "
				"stopping it by force\r\n",
				stop_timeout);
			forcing = true;
			deadline = 0;
			charlie_vm_stop(vm);
			continue;
		}
		if (p[1].revents & POLLIN) {
			struct signalfd_siginfo si;

			if (read(sfd, &si, sizeof(si)) != sizeof(si))
				continue;
			if (forcing)
				continue;
			if (pressed) {
				fprintf(stderr,
					"[host] second signal: stopping "
					"the VM by force\r\n");
				forcing = true;
				charlie_vm_stop(vm);
				continue;
			}
			pressed = true;
			if (charlie_vm_request_stop(vm) == 0) {
				fprintf(stderr,
					"\r\n[host] requesting graceful "
					"shutdown (ACPI power "
					"button)...\r\n");
				deadline = now_ns() + (uint64_t)stop_timeout *
							      1000000000ull;
			} else {
				fprintf(stderr,
					"\r\n[host] %s: this VM has no "
					"ACPI power button yet; stopping "
					"it by force\r\n",
					strsignal((int)si.ssi_signo));
				forcing = true;
				charlie_vm_stop(vm);
			}
		}
	}
	info = calloc(1, sizeof(*info));
	if (!info)
		goto out;
	charlie_vm_wait(vm, info);
	tty_restore();
	if (info->report[0]) {
		char *save, *line;

		fprintf(stderr, "[host] %s\n", info->summary);
		for (line = strtok_r(info->report, "\n", &save); line;
		     line = strtok_r(NULL, "\n", &save))
			fprintf(stderr, "[host]   %s\n", line);
	} else {
		fprintf(stderr, "[host] %s\n", info->summary);
	}
	rc = info->exit_code;
	if (timeline) {
		charlie_vm_timeline(vm, &tl);
		print_timeline(&ctx, &tl);
	}
out:
	tty_restore();
	free(info);
	charlie_vm_destroy(vm);
	if (sfd >= 0)
		close(sfd);
	if (ctx.done_fd >= 0)
		close(ctx.done_fd);
	return rc;
}
