// SPDX-License-Identifier: MIT
/*
 * charlie run: boots a kernel, streams the guest console to stdout, host
 * lines on stderr prefixed "[host] ", and ends with one line saying how
 * the VM ended.  Exit codes: design.md section 2 (enum charlie_exit).
 *
 * Ctrl-C / SIGTERM: press the ACPI power button, wait --stop-timeout, then
 * stop by force (exit 1); a second Ctrl-C forces at once.  When the guest
 * has not enabled its power button yet, say so at once: the press is held
 * and delivered when it does (design.md section 8).
 */
#include "cli.h"
#include "charlie.h"

#include <errno.h>
#include <arpa/inet.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdatomic.h>
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
	const struct charlie_config *cfg;
	/* power-button facts from the library (some from vCPU threads) */
	atomic_bool button_enabled, press_held;
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

/* "[host] guest IP 10.0.2.15 (forwarding 127.0.0.1:8080 -> 8080)": the
 * library says it once per NIC, and again when the address changes. */
static void on_guest_ip(void *opaque, unsigned int nic, const char *ip)
{
	struct run_ctx *c = opaque;
	const struct charlie_net *n = &c->cfg->nets[nic];
	char fw[512] = "", *p = fw;

	for (unsigned int i = 0; n->kind == CHARLIE_NET_NAT && i < n->nr_fwd;
	     i++) {
		const struct charlie_fwd *f = &n->fwd[i];
		uint32_t a = ntohl(f->host_addr);
		int w = snprintf(p, sizeof(fw) - (size_t)(p - fw),
				 "%s%s%u.%u.%u.%u:%u -> %u", i ? ", " : "",
				 f->udp ? "udp " : "", a >> 24, (a >> 16) & 255,
				 (a >> 8) & 255, a & 255, f->host_port,
				 f->guest_port);

		if (w < 0 || (size_t)w >= sizeof(fw) - (size_t)(p - fw))
			break;
		p += w;
	}
	if (c->cfg->nr_nets > 1)
		fprintf(stderr, "[host] guest IP %s on net %u%s%s%s\r\n", ip,
			nic + 1, fw[0] ? " (forwarding " : "", fw,
			fw[0] ? ")" : "");
	else
		fprintf(stderr, "[host] guest IP %s%s%s%s\r\n", ip,
			fw[0] ? " (forwarding " : "", fw, fw[0] ? ")" : "");
}

static void on_stopped(void *opaque, const struct charlie_stop_info *info)
{
	struct run_ctx *c = opaque;
	uint64_t one = 1;

	if (write(c->done_fd, &one, sizeof(one)) < 0)
		(void)0;
}

static void on_button(void *opaque, enum charlie_button_event ev)
{
	struct run_ctx *c = opaque;

	switch (ev) {
	case CHARLIE_BUTTON_LISTENING:
		atomic_store(&c->button_enabled, true);
		break;
	case CHARLIE_BUTTON_HELD:
		/* said by the signal handling below, after its own line */
		atomic_store(&c->press_held, true);
		break;
	case CHARLIE_BUTTON_DELIVERED:
		fprintf(stderr, "[host] the guest enabled its power button; "
				"the press was delivered\r\n");
		break;
	}
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
		{"guest IP", t->guest_ip},
		{"stopped", t->stopped},
	};
	uint64_t prev = c->t0;

	fprintf(stderr, "[host] timeline (ms since exec; +delta from the "
			"previous phase):\r\n");
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		if (i == 6 && !c->cfg->nr_nets)
			continue; /* no NIC: no lease to wait for */
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
		"       charlie run --disk IMAGE[,ro] [--cmdline STR] ...\n"
		"                   [--cpus N] [--memory SIZE] [--timeline]\n"
		"                   [--stop-timeout SECS] [--verbose]\n"
		"                   [--disk PATH[,ro]]... [--no-entropy] "
		"[--net SPEC]...\n"
		"                   [--vsock cid=N[,uds=PATH]]\n"
		"  --kernel PATH      bzImage or ELF vmlinux with a PVH note\n"
		"  with no --kernel, the first --disk is booted: a GPT disk "
		"image whose\n"
		"                     EFI system partition holds a unified "
		"kernel image\n"
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
		"  --disk PATH[,ro]   a virtio-blk disk (raw image or block "
		"device; /dev/vda,\n"
		"                     vdb, ... in order; up to %d); ro: "
		"read-only, writes fail\n"
		"  --no-entropy       no virtio-rng (default: one, fed by "
		"getrandom)\n"
		"  --virtio-cmdline   add virtio_mmio.device= words for the "
		"virtio-mmio devices\n"
		"                     (for kernels without ACPI, built with "
		"VIRTIO_MMIO_CMDLINE_DEVICES);\n"
		"                     default: only with acpi=off (the ACPI "
		"DSDT lists them)\n"
		"  --no-virtio-cmdline  never add them\n"
		"  --transport pci|mmio  virtio devices on PCI (the PCI "
		"platform: i440FX, MSI-X)\n"
		"                     or virtio-mmio; default: pci when the "
		"PCI platform is on\n"
		"                     (firmware boot), else mmio\n"
		"  console=hvc0 in --cmdline makes the virtio console the "
		"interactive one\n"
		"  --verbose          also print debug lines (unhandled ports, "
		"...)\n"
		"  --net SPEC         a network card; give several for "
		"several:\n"
		"      "
		"nat[,mac=MAC][,forward=[udp:][ADDR:]HOSTPORT:GUESTPORT]..."
		"[,restrict]\n"
		"                     user-mode NAT (libslirp, no privileges): "
		"DHCP gives\n"
		"                     the guest 10.0.2.15; forwards listen on "
		"127.0.0.1\n"
		"                     unless ADDR is given; restrict: the "
		"guest "
		"reaches\n"
		"                     only the forwards and the built-in "
		"services\n"
		"      socket=PATH[,mac=MAC]\n"
		"                     QEMU stream protocol on a UNIX socket, "
		"e.g. passt\n"
		"                     (passt --socket PATH)\n"
		"      tap=IFNAME[,mac=MAC]\n"
		"                     a TAP device (existing or new; needs "
		"CAP_NET_ADMIN\n"
		"                     or a TAP this user owns)\n"
		"                     MAC default: ce:a5:71:e0:00:01 for the "
		"first card,\n"
		"                     :02 for the second, ...\n"
		"  --vsock cid=N[,uds=PATH]  virtio-vsock with guest CID N (3 "
		"and "
		"up); host\n"
		"                     programs connect to PATH and write "
		"\"CONNECT <port>\\n\";\n"
		"                     guest connections to host port P reach "
		"PATH_P\n"
		"  --efi              boot UEFI firmware (OVMF) from the first "
		"--disk's EFI\n"
		"                     system partition instead of a kernel\n"
		"  --efi-firmware PATH  OVMF CODE image "
		"(default " CHARLIE_EFI_DEFAULT_FIRMWARE ")\n"
		"  --efi-vars PATH    the VM's UEFI variable store: created "
		"from the\n"
		"                     firmware's VARS template on first use, "
		"locked while\n"
		"                     the VM runs, replaced atomically at stop "
		"(without it:\n"
		"                     a fresh store in memory, discarded)\n"
		"  --trace-exits[=FILE]  one line per port/MMIO access (stderr "
		"or FILE)\n"
		"  --fw-stall-timeout S  with --efi: warn after S seconds "
		"without firmware\n"
		"                     progress (default 60; 0: off)\n"

		"example:\n"
		"  charlie run --kernel bzImage --initrd bingo.cpio \\\n"
		"      --net nat,restrict,forward=8080:8080\n"
		"  then: curl http://127.0.0.1:8080/\n",
		CHARLIE_MAX_CPUS, CHARLIE_MAX_DISKS);
}

static int bad_usage(const char *fmt, const char *arg)
{
	fprintf(stderr, "charlie run: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, " (try charlie run --help)\n");
	return CHARLIE_EXIT_CONFIG;
}

/* long-only options */
enum {
	CLI_OPT_VSOCK = 1000,
	CLI_OPT_EFI,
	CLI_OPT_EFI_FIRMWARE,
	CLI_OPT_EFI_VARS,
	CLI_OPT_TRACE_EXITS,
	CLI_OPT_FW_STALL,
	CLI_OPT_TRANSPORT,
	CLI_OPT_VIRTIO_CMDLINE,
};

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
		{"net", required_argument, NULL, 'n'},
		{"vsock", required_argument, NULL, CLI_OPT_VSOCK},
		{"efi", no_argument, NULL, CLI_OPT_EFI},
		{"efi-firmware", required_argument, NULL, CLI_OPT_EFI_FIRMWARE},
		{"efi-vars", required_argument, NULL, CLI_OPT_EFI_VARS},
		{"trace-exits", optional_argument, NULL, CLI_OPT_TRACE_EXITS},
		{"fw-stall-timeout", required_argument, NULL, CLI_OPT_FW_STALL},
		{"transport", required_argument, NULL, CLI_OPT_TRANSPORT},
		{"disk", required_argument, NULL, 'd'},
		{"entropy", no_argument, NULL, 'E'},
		{"no-entropy", no_argument, NULL, 'N'},
		{"no-virtio-cmdline", no_argument, NULL, 'V'},
		{"virtio-cmdline", no_argument, NULL, CLI_OPT_VIRTIO_CMDLINE},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct run_ctx ctx = {.t0 = now_ns(), .done_fd = -1};
	struct charlie_callbacks cb = {
		.opaque = &ctx,
		.log = on_log,
		.guest_stopped = on_stopped,
		.guest_ip = on_guest_ip,
		.power_button = on_button,
	};
	struct charlie_config cfg;
	struct charlie_error err = {0};
	struct charlie_stop_info *info = NULL;
	struct charlie_vm *vm = NULL;
	struct charlie_timeline tl;
	bool timeline = false, fw_stall_set = false;
	long stop_timeout = 6;
	sigset_t sigs;
	int sfd = -1, rc = CHARLIE_EXIT_HOST, o;
	char *end;
	long long v;

	charlie_config_init(&cfg);
	ctx.cfg = &cfg;
	optind = 1;
	while ((o = getopt_long(argc, argv, "k:b:i:c:p:m:ts:vn:h", opts,
				NULL)) != -1) {
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
			if (errno || end == optarg || *end || v < 1 ||
			    v > CHARLIE_MAX_CPUS)
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
			if (errno || end == optarg || *end ||
			    stop_timeout < 0 || stop_timeout > 3600)
				return bad_usage(
					"--stop-timeout: '%s' is not "
					"a number of seconds (0..3600)",
					optarg);
			break;
		case 'v':
			ctx.verbose = true;
			break;
		case 'n':
			if (cfg.nr_nets >= CHARLIE_MAX_NICS)
				return bad_usage("--net: more NICs than %s",
						 "the 8 charlie supports");
			if (charlie_net_parse(optarg, &cfg.nets[cfg.nr_nets],
					      &err) < 0) {
				cli_print_error(&err);
				return CHARLIE_EXIT_CONFIG;
			}
			cfg.nr_nets++;
			break;
		case CLI_OPT_VSOCK:
			if (cli_parse_vsock(optarg, &cfg.vsock))
				return bad_usage("--vsock: '%s' is not "
						 "cid=N[,uds=PATH]",
						 optarg);
			break;
		case CLI_OPT_EFI:
			cfg.efi.enabled = true;
			break;
		case CLI_OPT_EFI_FIRMWARE:
			cfg.efi.firmware = optarg;
			break;
		case CLI_OPT_EFI_VARS:
			cfg.efi.vars = optarg;
			break;
		case CLI_OPT_TRACE_EXITS:
			cfg.trace_exits = optarg ? optarg : "-";
			break;
		case CLI_OPT_FW_STALL:
			errno = 0;
			v = strtoll(optarg, &end, 10);
			if (errno || end == optarg || *end || v < 0 || v > 3600)
				return bad_usage("--fw-stall-timeout: '%s' is "
						 "not a number of seconds "
						 "(0..3600)",
						 optarg);
			cfg.fw_stall_seconds = (unsigned int)v;
			fw_stall_set = true;
			break;
		case 'd':
			if (charlie_config_add_disk(&cfg, optarg, &err) < 0) {
				cli_print_error(&err);
				return CHARLIE_EXIT_CONFIG;
			}
			break;
		case 'E':
		case 'N':
			cfg.entropy = o == 'E';
			break;
		case 'V':
			cfg.virtio_mmio_cmdline = CHARLIE_VIRTIO_CMDLINE_OFF;
			break;
		case CLI_OPT_VIRTIO_CMDLINE:
			cfg.virtio_mmio_cmdline = CHARLIE_VIRTIO_CMDLINE_ON;
			break;
		case CLI_OPT_TRANSPORT:
			if (!strcmp(optarg, "pci"))
				cfg.transport = CHARLIE_TRANSPORT_PCI;
			else if (!strcmp(optarg, "mmio"))
				cfg.transport = CHARLIE_TRANSPORT_MMIO;
			else
				return bad_usage("--transport: '%s' is not "
						 "pci or mmio",
						 optarg);
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
	if ((cfg.efi.firmware || cfg.efi.vars) && !cfg.efi.enabled)
		return bad_usage("%s", "--efi-firmware and --efi-vars need "
				       "--efi");
	/* --efi: the firmware boots the disk; the library checks the rest
	 * (a kernel with --efi is its named error) */
	if (cfg.efi.enabled && !fw_stall_set)
		cfg.fw_stall_seconds = 60;
	if (cfg.efi.enabled) {
		cfg.platform_pci = true;
		goto configured;
	}
	/* No kernel: boot the first disk's EFI system partition. */
	if (!cfg.kernel && !cfg.boot_image && cfg.nr_disks)
		cfg.boot_image = cfg.disks[0].path;
	if (!cfg.kernel && !cfg.boot_image)
		return bad_usage("%s", "--kernel PATH is required (or --disk "
				       "IMAGE with an EFI system partition)");
	if (cfg.kernel && cfg.boot_image)
		return bad_usage("%s", "--kernel and --boot-image exclude each "
				       "other");
	/* A kernel file gets console=ttyS0 by default; a disk image's UKI
	 * brings its own command line. */
	if (!cfg.cmdline && cfg.kernel)
		cfg.cmdline = "console=ttyS0";
configured:

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
		cfg.kernel	  ? "kernel"
		: cfg.efi.enabled ? "efi disk"
				  : "image",
		base_name(cfg.kernel	   ? cfg.kernel
			  : cfg.boot_image ? cfg.boot_image
					   : cfg.disks[0].path),
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
	bool forcing = false, pressed = false, timed_out = false;
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
			/* said as the last line, once the VM has ended */
			timed_out = forcing = true;
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
			int pr = charlie_vm_request_stop(vm);

			if (pr == 0) {
				fprintf(stderr,
					"\r\n[host] requesting graceful "
					"shutdown (ACPI power "
					"button)...\r\n");
				if (atomic_load(&ctx.press_held))
					fprintf(stderr,
						"[host] the guest is not "
						"listening for the power "
						"button yet (no ACPI button "
						"driver bound); the press "
						"will be delivered when it "
						"is\r\n");
				deadline = now_ns() + (uint64_t)stop_timeout *
							      1000000000ull;
			} else {
				fprintf(stderr,
					"\r\n[host] %s: cannot press the "
					"power button (%s); stopping the VM "
					"by force\r\n",
					strsignal((int)si.ssi_signo),
					strerror(-pr));
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
	if (timed_out && info->reason == CHARLIE_STOP_FORCED) {
		fprintf(stderr,
			"[host] guest did not power off within %ld s; stopped "
			"by force (%s)\n",
			stop_timeout,
			atomic_load(&ctx.button_enabled)
				? "it enabled its power button but did not "
				  "power off"
				: "it never enabled its power button");
	} else if (info->report[0]) {
		char *save, *line;

		fprintf(stderr, "[host] %s\n", info->summary);
		for (line = strtok_r(info->report, "\n", &save); line;
		     line = strtok_r(NULL, "\n", &save))
			fprintf(stderr, "[host]   %s\n", line);
	} else {
		fprintf(stderr, "[host] %s\n", info->summary);
	}
	/* The guest ended by itself (powered off or rebooted, perhaps after
	 * the button): the line scripts and users wait for. */
	if (info->reason == CHARLIE_STOP_POWEROFF ||
	    info->reason == CHARLIE_STOP_REBOOT)
		fprintf(stderr, "[host] guest stopped\n");
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
