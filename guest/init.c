// SPDX-License-Identifier: MIT
/*
 * bingo's PID 1: mounts, kernel modules, DHCP, the HTTP server and the
 * ACPI power button, all in one single-threaded epoll loop.  The pure
 * parts (log.c, dhcp.c, http.c, inputev.c, modules.c) are unit-tested on
 * the host; this file is the syscall glue around them.
 */
#include "charlie.h"
#include "dhcp.h"
#include "efivar.h"
#include "inputev.h"
#include "log.h"
#include "modules.h"
#include "nl.h"
#include "server.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <linux/filter.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/random.h>
#include <sys/reboot.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#if defined(__x86_64__) || defined(__i386__)
#include <sys/io.h>
#endif

#define HOSTNAME   "bingo"
#define HTTP_PORT  8080
#define VSOCK_PORT 8080 /* the same server on AF_VSOCK (issue 10) */
/* Run as anything but PID 1 (a host test), only the HTTP server starts:
 * no mounts, modules, network, hostname or button; these variables set
 * the port and the timeouts. */
#define ENV_PORT	       "BINGO_HTTP_PORT"
#define ENV_TIMEOUTS	       "BINGO_TIMEOUTS_MS" /* header,idle,write */
#define BUTTON_NAME	       "Power Button"
#define BUTTON_WAIT_MS	       3000 /* modules settle; then warn once */
#define BUTTON_MAX	       4
#define NET_WAIT_MS	       5000 /* for the first Ethernet interface */
#define SERVE_WITHOUT_LEASE_MS 15000
#define DRAIN_MS	       2000 /* in-flight requests at shutdown */

enum tag {
	TAG_SIGNAL = 1,
	TAG_DHCP,
	TAG_DHCP_RAW,
	TAG_BUTTON, /* + index */
};

static struct {
	int epfd, sigfd, dhcp_fd, dhcp_raw_fd, nl_fd;
	int ifindex;
	char ifname[IF_NAMESIZE];
	uint8_t mac[6];
	struct dhcp_client dhcp;
	bool serving, shutting_down, have_lease;
	int64_t boot_ms, drain_end_ms, button_deadline_ms, serve_deadline_ms;
	int button_fd[BUTTON_MAX];
	char button_dev[BUTTON_MAX][300];
	struct inputev_decoder button_dec[BUTTON_MAX];
	int n_buttons;
	bool button_warned;
	const char *shutdown_reason;
	bool pid1;
	int64_t last_tick_ms;
	uint16_t port;
} g;

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static uint64_t random_seed(void)
{
	uint64_t s = 0;

	/* Early in boot the pool may not be ready: do not block on it. */
	if (getrandom(&s, sizeof(s), GRND_NONBLOCK) != sizeof(s)) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		s = (uint64_t)ts.tv_nsec * 0x9e3779b97f4a7c15ull ^
		    (uint64_t)ts.tv_sec ^ (uint64_t)now_ms() << 20;
	}
	return s;
}

/* ---- filesystems, console ---- */

static void mount_one(const char *src, const char *dst, const char *type,
		      unsigned long flags, const char *data)
{
	mkdir(dst, 0755);
	if (mount(src, dst, type, flags, data) < 0 && errno != EBUSY)
		log_warn("mount failed", "fs.target=%s fs.type=%s error=\"%s\"",
			 dst, type, strerror(errno));
}

static void setup_console(void)
{
	int fd = open("/dev/console", O_WRONLY | O_NOCTTY | O_CLOEXEC);

	/* No console yet (console=hvc0 alone: the virtio console's driver
	 * is a module): hold the lines until console_follow() finds one. */
	log_set_fd(fd);
	if (fd >= 0) {
		/* stdin/stdout/stderr for anything else that prints. */
		if (fcntl(1, F_GETFD) < 0) {
			int nul = open("/dev/null", O_RDWR);

			dup2(nul >= 0 ? nul : fd, 0);
			dup2(fd, 1);
			dup2(fd, 2);
			if (nul > 2)
				close(nul);
		}
	}
}

/*
 * The device behind /dev/console: the last word of
 * /sys/class/tty/console/active (Linux lists the consoles in reverse, the
 * first one in its list, /dev/console's, last).  "" when there is none.
 */
#define CONSOLE_NAME_MAX 128
static void console_name(char name[CONSOLE_NAME_MAX])
{
	char buf[CONSOLE_NAME_MAX];
	int fd = open("/sys/class/tty/console/active", O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
	char *w;

	if (fd >= 0)
		close(fd);
	name[0] = '\0';
	if (n <= 0)
		return;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	w = strrchr(buf, ' ');
	w = w ? w + 1 : buf;
	memmove(name, w, strlen(w) + 1);
}

/*
 * After the modules are loaded: with console=ttyS0 console=hvc0 (bingo.img's
 * command line), /dev/console was the UART at boot and is the virtio
 * console once virtio_console registered hvc0 (the last console= word
 * wins).  Follow it: on the UART every byte of the per-request log lines
 * is a VM exit, on hvc0 a line is one request.  The move is said on the
 * old console so that a reader of that one alone knows where the rest
 * went.  Lines held while there was no console at all are written out.
 */
static void console_follow(const char *before)
{
	char now[CONSOLE_NAME_MAX];
	int fd, old = log_get_fd();

	console_name(now);
	if (!now[0] || (old >= 0 && !strcmp(now, before)))
		return;
	fd = open("/dev/console", O_WRONLY | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return;
	if (old >= 0)
		log_info("console moves", "console.from=%s console.to=%s",
			 before[0] ? before : "none", now);
	log_set_fd(fd);
	dup2(fd, 1);
	dup2(fd, 2);
	if (old > 2)
		close(old);
}

static void setup_fs(void)
{
	mount_one("devtmpfs", "/dev", "devtmpfs", MS_NOSUID, "mode=0755");
	setup_console();
	log_plain(LOG_INFO, "mounting filesystems");
	mount_one("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC,
		  NULL);
	mount_one("sysfs", "/sys", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
		  NULL);
	mount_one("tmpfs", "/run", "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755");
	mount_one("tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777");
	mkdir("/etc", 0755);
}

/* ---- kernel modules ---- */

static char *slurp(const char *path, size_t max)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t len = 0;
	char *buf;

	if (fd < 0)
		return NULL;
	buf = malloc(max + 1);
	while (buf && len < max) {
		ssize_t n = read(fd, buf + len, max - len);

		if (n <= 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	if (buf)
		buf[len] = '\0';
	return buf;
}

static void load_modules(void)
{
	static struct mod_list order;
	char dir[128], path[320], name[64];
	char *dep, *builtin;
	struct utsname u;
	unsigned int loaded = 0, skipped = 0, failed = 0;
	int n;

	if (uname(&u) < 0)
		return;
	snprintf(dir, sizeof(dir), "/lib/modules/%s", u.release);
	snprintf(path, sizeof(path), "%s/modules.dep", dir);
	dep = slurp(path, 256 * 1024);
	if (!dep) {
		log_info("no kernel modules for this kernel",
			 "kernel.release=%s", u.release);
		return;
	}
	snprintf(path, sizeof(path), "%s/modules.builtin", dir);
	builtin = slurp(path, 1024 * 1024);
	n = mod_order(dep, &order);
	if (n < 0) {
		log_error("cannot read modules.dep",
			  "kernel.release=%s error=%d", u.release, n);
		goto out;
	}
	for (int i = 0; i < n; i++) {
		int fd;

		mod_name(order.path[i], name, sizeof(name));
		if (builtin && mod_is_builtin(builtin, name)) {
			skipped++;
			continue;
		}
		snprintf(path, sizeof(path), "%s/%s", dir, order.path[i]);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0 || syscall(SYS_finit_module, fd, "", 0) < 0) {
			if (errno == EEXIST) {
				skipped++;
			} else {
				failed++;
				log_warn("cannot load kernel module",
					 "kernel.module=%s error=\"%s\"", name,
					 strerror(errno));
			}
		} else {
			loaded++;
		}
		if (fd >= 0)
			close(fd);
	}
	log_info("kernel modules loaded",
		 "kernel.release=%s kernel.modules=%u kernel.skipped=%u "
		 "kernel.failed=%u",
		 u.release, loaded, skipped, failed);
out:
	free(dep);
	free(builtin);
}

/* ---- network ---- */

static int read_int_file(const char *path)
{
	char buf[32];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	return atoi(buf);
}

/* The first (lowest ifindex) Ethernet interface in /sys/class/net. */
static int find_ether(char *name)
{
	DIR *d = opendir("/sys/class/net");
	struct dirent *e;
	int best = -1;

	if (!d)
		return -1;
	while ((e = readdir(d))) {
		char p[300];
		int idx;

		if (e->d_name[0] == '.' || !strcmp(e->d_name, "lo") ||
		    strlen(e->d_name) >= IF_NAMESIZE)
			continue;
		snprintf(p, sizeof(p), "/sys/class/net/%s/type", e->d_name);
		if (read_int_file(p) != 1) /* ARPHRD_ETHER */
			continue;
		snprintf(p, sizeof(p), "/sys/class/net/%s/ifindex", e->d_name);
		idx = read_int_file(p);
		if (idx > 0 && (best < 0 || idx < best)) {
			best = idx;
			strcpy(name, e->d_name);
		}
	}
	closedir(d);
	return best;
}

static int open_dhcp_socket(void)
{
	struct sockaddr_in sa = {.sin_family = AF_INET,
				 .sin_port = htons(DHCP_CLIENT_PORT)};
	struct epoll_event ev = {.events = EPOLLIN, .data.u64 = TAG_DHCP};
	int one = 1;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -errno;
	/* Before we have an address, only the limited broadcast reaches
	 * us; SO_BINDTODEVICE pins both directions to our interface. */
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_BROADCAST, &one, sizeof(one)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, g.ifname,
		       (socklen_t)strlen(g.ifname)) < 0 ||
	    bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    epoll_ctl(g.epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

/*
 * The same replies seen below IP: an AF_PACKET socket on our interface
 * with a filter for UDP to port 68 (not fragments).  A server that
 * unicasts its OFFER/ACK to the offered address before we have it (passt
 * does) is heard only here; see dhcp_ip_unwrap().  Broadcast replies come
 * on both sockets: the state machine ignores the second copy.
 */
static int open_dhcp_raw_socket(void)
{
	static struct sock_filter code[] = {
		BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 9), /* protocol */
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 17, 0, 6),
		BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 6), /* flags, offset */
		BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, 0x3fff, 4, 0),
		BPF_STMT(BPF_LDX | BPF_B | BPF_MSH, 0), /* header length */
		BPF_STMT(BPF_LD | BPF_H | BPF_IND, 2),	/* UDP dport */
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, DHCP_CLIENT_PORT, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, 0xffff),
		BPF_STMT(BPF_RET | BPF_K, 0),
	};
	struct sock_fprog prog = {.len = sizeof(code) / sizeof(code[0]),
				  .filter = code};
	struct sockaddr_ll sa = {.sll_family = AF_PACKET,
				 .sll_protocol = htons(ETH_P_IP),
				 .sll_ifindex = g.ifindex};
	struct epoll_event ev = {.events = EPOLLIN, .data.u64 = TAG_DHCP_RAW};
	int fd = socket(AF_PACKET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
			htons(ETH_P_IP));

	if (fd < 0)
		return -errno;
	if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog)) ||
	    bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    epoll_ctl(g.epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

static int setup_net(void)
{
	struct ifreq ifr;
	int64_t end = now_ms() + NET_WAIT_MS;
	int fd, err;

	g.nl_fd = nl_open();
	if (g.nl_fd < 0) {
		log_error("cannot open rtnetlink", "error=\"%s\"",
			  strerror(-g.nl_fd));
		return g.nl_fd;
	}
	err = nl_link_up(g.nl_fd, 1);
	if (err)
		log_warn("cannot bring up lo", "error=\"%s\"", strerror(-err));
	while ((g.ifindex = find_ether(g.ifname)) < 0 && now_ms() < end)
		usleep(50 * 1000);
	if (g.ifindex < 0) {
		log_error("no Ethernet interface", "network.wait=%dms",
			  NET_WAIT_MS);
		return -ENODEV;
	}
	err = nl_link_up(g.nl_fd, g.ifindex);
	if (err) {
		log_error("cannot bring up interface",
			  "network.iface=%s error=\"%s\"", g.ifname,
			  strerror(-err));
		return err;
	}
	log_info("interface up", "network.iface=%s", g.ifname);

	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.ifr_name, g.ifname);
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || ioctl(fd, SIOCGIFHWADDR, &ifr) < 0) {
		err = -errno;
		if (fd >= 0)
			close(fd);
		log_error("cannot read MAC address", "network.iface=%s",
			  g.ifname);
		return err;
	}
	close(fd);
	memcpy(g.mac, ifr.ifr_hwaddr.sa_data, 6);

	g.dhcp_fd = open_dhcp_socket();
	if (g.dhcp_fd < 0) {
		log_error("cannot open DHCP socket", "error=\"%s\"",
			  strerror(-g.dhcp_fd));
		return g.dhcp_fd;
	}
	g.dhcp_raw_fd = open_dhcp_raw_socket();
	if (g.dhcp_raw_fd < 0)
		log_warn("cannot open the raw DHCP socket; only broadcast "
			 "replies will be heard",
			 "network.iface=%s error=\"%s\"", g.ifname,
			 strerror(-g.dhcp_raw_fd));
	return 0;
}

static void write_resolv_conf(const struct dhcp_lease *l)
{
	char buf[256], ip[16];
	size_t len = 0;
	int fd;

	len += (size_t)snprintf(buf, sizeof(buf),
				"# written by bingo (DHCP)\n");
	for (unsigned int i = 0; i < l->n_dns; i++)
		len += (size_t)snprintf(buf + len, sizeof(buf) - len,
					"nameserver %s\n",
					log_ip4(ip, l->dns[i]));
	fd = open("/etc/resolv.conf.tmp",
		  O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return;
	if (write(fd, buf, len) == (ssize_t)len)
		rename("/etc/resolv.conf.tmp", "/etc/resolv.conf");
	close(fd);
}

static void start_serving(void);

static void apply_lease(int act)
{
	struct dhcp_lease *l = &g.dhcp.lease;
	char ip[16], gw[16], dns[64], dur[32];
	size_t dl = 0;
	int err;

	if (act & DHCP_ACT_LOST) {
		nl_addr(g.nl_fd, g.ifindex, g.dhcp.old.ip,
			g.dhcp.old.prefix_len, 0);
		log_warn("DHCP lease lost", "network.ip=%s/%u",
			 log_ip4(ip, g.dhcp.old.ip), g.dhcp.old.prefix_len);
		g.have_lease = false;
	}
	if (act & DHCP_ACT_RENEWED) {
		log_duration(dur, sizeof(dur), l->lease_time);
		log_info("DHCP lease renewed",
			 "network.ip=%s/%u "
			 "network.lease_time=%s",
			 log_ip4(ip, l->ip), l->prefix_len, dur);
		return;
	}
	if (!(act & DHCP_ACT_BOUND))
		return;
	err = nl_addr(g.nl_fd, g.ifindex, l->ip, l->prefix_len, 1);
	if (err)
		log_error("cannot set address", "error=\"%s\"", strerror(-err));
	if (l->router) {
		err = nl_default_route(g.nl_fd, g.ifindex, l->router, 1);
		if (err)
			log_error("cannot set default route", "error=\"%s\"",
				  strerror(-err));
	}
	write_resolv_conf(l);
	dns[0] = '\0';
	for (unsigned int i = 0; i < l->n_dns; i++)
		dl += (size_t)snprintf(dns + dl, sizeof(dns) - dl, "%s%s",
				       i ? " " : "", log_ip4(ip, l->dns[i]));
	if (l->lease_time == 0xffffffffu)
		strcpy(dur, "infinite");
	else
		log_duration(dur, sizeof(dur), l->lease_time);
	log_info("DHCP lease acquired",
		 "network.ip=%s/%u network.gateway=%s network.dns=[%s] "
		 "network.lease_time=%s",
		 log_ip4(ip, l->ip), l->prefix_len, log_ip4(gw, l->router), dns,
		 dur);
	g.have_lease = true;
	start_serving();
}

static void dhcp_do(int act)
{
	if (act & DHCP_ACT_SEND) {
		struct sockaddr_in to = {.sin_family = AF_INET,
					 .sin_port = htons(DHCP_SERVER_PORT),
					 .sin_addr.s_addr = g.dhcp.dst};

		if (sendto(g.dhcp_fd, g.dhcp.out, g.dhcp.out_len, 0,
			   (struct sockaddr *)&to, sizeof(to)) < 0)
			log_warn("DHCP send failed",
				 "network.iface=%s "
				 "error=\"%s\"",
				 g.ifname, strerror(errno));
	}
	if (act & (DHCP_ACT_BOUND | DHCP_ACT_LOST | DHCP_ACT_RENEWED))
		apply_lease(act);
}

static void dhcp_readable(void)
{
	uint8_t pkt[DHCP_MAX_LEN + 1];

	for (int i = 0; i < 16; i++) {
		ssize_t n = recv(g.dhcp_fd, pkt, sizeof(pkt), 0);

		if (n < 0)
			return;
		dhcp_do(dhcp_input(&g.dhcp, now_ms(), pkt, (size_t)n));
	}
}

/* Only while we have no address: after that, replies come to it over
 * UDP, and every copy here would be a duplicate. */
static void dhcp_raw_readable(void)
{
	uint8_t pkt[DHCP_MAX_LEN + 64];
	bool want = g.dhcp.state == DHCP_SELECTING ||
		    g.dhcp.state == DHCP_REQUESTING;

	for (int i = 0; i < 16; i++) {
		struct sockaddr_ll from;
		socklen_t fl = sizeof(from);
		ssize_t n = recvfrom(g.dhcp_raw_fd, pkt, sizeof(pkt), 0,
				     (struct sockaddr *)&from, &fl);
		size_t off, len;

		if (n < 0)
			return;
		if (!want || from.sll_pkttype == PACKET_OUTGOING ||
		    dhcp_ip_unwrap(pkt, (size_t)n, &off, &len) < 0)
			continue;
		dhcp_do(dhcp_input(&g.dhcp, now_ms(), pkt + off, len));
		want = g.dhcp.state == DHCP_SELECTING ||
		       g.dhcp.state == DHCP_REQUESTING;
	}
}

/* ---- HTTP server, boot marker ---- */

static void boot_marker(void)
{
#if defined(__x86_64__) || defined(__i386__)
	/* charlie's boot timer; port 0x4f0 is decoded by nothing on QEMU. */
	if (ioperm(CHARLIE_BOOT_MARKER_PORT, 1, 1) == 0)
		outb(CHARLIE_BOOT_MARKER_VALUE, CHARLIE_BOOT_MARKER_PORT);
#endif
}

static void start_serving(void)
{
	int err;

	if (g.serving || g.shutting_down)
		return;
	err = server_start(g.epfd, g.port, random_seed());
	if (err) {
		log_error("cannot start server", "app.addr=:%d error=\"%s\"",
			  g.port, strerror(-err));
		return;
	}
	g.serving = true;
	log_info("server starting", "app.addr=:%d", g.port);
	if (!g.pid1)
		return; /* never poke I/O ports on a host */
	/* vsock modules (vmw_vsock_virtio_transport + deps) are loaded by
	 * now; without a vsock device the socket still binds and waits */
	err = server_listen_vsock(VSOCK_PORT);
	if (err)
		log_info("no vsock server", "app.addr=vsock:%u error=\"%s\"",
			 VSOCK_PORT, strerror(-err));
	else
		log_info("server starting", "app.addr=vsock:%u", VSOCK_PORT);
	boot_marker();
	{
		struct timespec up;

		clock_gettime(CLOCK_BOOTTIME, &up);
		log_info("boot marker written",
			 "boot.uptime_ms=%lld boot.init_ms=%lld",
			 (long long)up.tv_sec * 1000 + up.tv_nsec / 1000000,
			 (long long)(now_ms() - g.boot_ms));
	}
}

/* ---- power button ---- */

static int find_buttons(void)
{
	DIR *d = opendir("/sys/class/input");
	struct dirent *e;
	int found = 0;

	if (!d)
		return 0;
	while ((e = readdir(d)) && g.n_buttons < BUTTON_MAX) {
		char p[300], name[64], dev[sizeof(g.button_dev[0])];
		struct epoll_event ev;
		int fd, nfd;
		ssize_t n;

		if (strncmp(e->d_name, "event", 5) || strlen(e->d_name) > 16)
			continue;
		snprintf(p, sizeof(p), "/sys/class/input/%s/device/name",
			 e->d_name);
		fd = open(p, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		n = read(fd, name, sizeof(name) - 1);
		close(fd);
		if (n <= 0)
			continue;
		name[n] = '\0';
		name[strcspn(name, "\n")] = '\0';
		if (strcmp(name, BUTTON_NAME))
			continue;
		snprintf(dev, sizeof(dev), "/dev/input/%s", e->d_name);
		nfd = open(dev, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
		if (nfd < 0) {
			log_warn("cannot open power button",
				 "acpi.device=%s error=\"%s\"", dev,
				 strerror(errno));
			continue;
		}
		ev.events = EPOLLIN;
		ev.data.u64 = TAG_BUTTON + (uint64_t)g.n_buttons;
		if (epoll_ctl(g.epfd, EPOLL_CTL_ADD, nfd, &ev) < 0) {
			close(nfd);
			continue;
		}
		g.button_fd[g.n_buttons] = nfd;
		strcpy(g.button_dev[g.n_buttons], dev);
		g.n_buttons++;
		found++;
		log_info("listening for power button", "acpi.device=%s", dev);
	}
	closedir(d);
	return found;
}

static void button_poll(int64_t now)
{
	if (g.n_buttons || g.button_warned)
		return;
	if (find_buttons())
		return;
	if (now >= g.button_deadline_ms) {
		const char *why;

		/* Say which link of the chain is missing (the seed's story:
		 * VMM event -> ACPI -> button driver -> input device). */
		if (access("/sys/firmware/acpi/tables", F_OK))
			why = "the kernel has no ACPI tables (ACPI disabled, "
			      "or the VMM provides none)";
		else if (access("/sys/bus/acpi/drivers/button", F_OK))
			why = "the ACPI button driver is not loaded "
			      "(CONFIG_ACPI_BUTTON / button.ko missing, "
			      "blacklisted or failed)";
		else
			why = "the ACPI button driver found no power button "
			      "device (no PNP0C0C or fixed button in the ACPI "
			      "tables)";
		g.button_warned = true;
		log_warn("no power button: the guest will NOT react to the "
			 "ACPI power button and can only be stopped by force",
			 "acpi.reason=\"no input device named 'Power Button' "
			 "after %dms: %s\"",
			 BUTTON_WAIT_MS, why);
	}
}

static void request_shutdown(const char *why)
{
	if (g.shutting_down)
		return;
	g.shutting_down = true;
	g.shutdown_reason = why;
	log_info("shutting down", "app.reason=%s app.in_flight=%u", why,
		 g.serving ? server_active() : 0);
	if (g.serving)
		server_drain(now_ms());
	g.drain_end_ms = now_ms() + DRAIN_MS;
}

static void button_readable(int i)
{
	uint8_t buf[INPUTEV_SIZE * 16];

	for (;;) {
		ssize_t n = read(g.button_fd[i], buf, sizeof(buf));

		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n <= 0) {
			/* Gone (ENODEV): stop watching rather than spin. */
			log_warn("power button lost",
				 "acpi.device=%s error=\"%s\"", g.button_dev[i],
				 n ? strerror(errno) : "EOF");
			epoll_ctl(g.epfd, EPOLL_CTL_DEL, g.button_fd[i], NULL);
			close(g.button_fd[i]);
			g.button_fd[i] = -1;
			return;
		}
		if (inputev_feed(&g.button_dec[i], buf, (size_t)n, NULL, NULL) >
		    0) {
			log_info("power button pressed", "acpi.device=%s",
				 g.button_dev[i]);
			request_shutdown("power-button");
		}
	}
}

/* ---- signals, shutdown ---- */

static void signal_readable(void)
{
	struct signalfd_siginfo si;

	while (read(g.sigfd, &si, sizeof(si)) == sizeof(si)) {
		switch (si.ssi_signo) {
		case SIGCHLD:
			while (waitpid(-1, NULL, WNOHANG) > 0)
				;
			break;
		case SIGTERM:
			request_shutdown("SIGTERM");
			break;
		case SIGINT:
			request_shutdown("SIGINT");
			break;
		case SIGPWR:
			request_shutdown("SIGPWR");
			break;
		default:
			break;
		}
	}
}

static int setup_signals(void)
{
	struct epoll_event ev = {.events = EPOLLIN, .data.u64 = TAG_SIGNAL};
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGPWR);
	sigaddset(&set, SIGHUP);
	sigprocmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	g.sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (g.sigfd < 0)
		return -errno;
	/* Ctrl-Alt-Del becomes SIGINT to us instead of an instant reboot. */
	if (g.pid1)
		reboot(RB_DISABLE_CAD);
	return epoll_ctl(g.epfd, EPOLL_CTL_ADD, g.sigfd, &ev) < 0 ? -errno : 0;
}

static void __attribute__((noreturn)) power_off(void)
{
	struct rusage ru;

	if (g.serving)
		server_close_all();
	sync();
	getrusage(RUSAGE_SELF, &ru);
	log_info("powering off",
		 "app.requests=%llu process.peak_rss_kib=%ld app.reason=%s",
		 (unsigned long long)(g.serving ? server_requests() : 0),
		 ru.ru_maxrss, g.shutdown_reason);
	if (g.pid1) {
		reboot(RB_POWER_OFF);
		/* Still here: nothing can power us off.  Halt quietly. */
		log_error("power off failed", "error=\"%s\"", strerror(errno));
		for (;;)
			pause();
	}
	exit(0);
}

static void host_test_config(void)
{
	const char *p = getenv(ENV_PORT), *t = getenv(ENV_TIMEOUTS);
	int h = 0, i = 0, w = 0;

	if (p && atoi(p) > 0 && atoi(p) < 65536)
		g.port = (uint16_t)atoi(p);
	if (t) { /* strtol, not sscanf: scanf would add 12 KB to /init */
		char *e;

		h = (int)strtol(t, &e, 10);
		if (*e == ',')
			i = (int)strtol(e + 1, &e, 10);
		if (*e == ',')
			w = (int)strtol(e + 1, &e, 10);
		server_set_timeouts(h, i, w);
	}
	log_info("not PID 1: HTTP server only", "app.port=%u", g.port);
}

int main(void)
{
	g.boot_ms = now_ms();
	g.dhcp_fd = g.dhcp_raw_fd = g.nl_fd = -1;
	g.pid1 = getpid() == 1;
	g.port = HTTP_PORT;
	if (g.pid1) {
		setup_fs();
		sethostname(HOSTNAME, sizeof(HOSTNAME) - 1);
	} else {
		host_test_config();
	}
	{
		struct rlimit rl;

		if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < 4096) {
			rl.rlim_cur = rl.rlim_max < 4096 ? rl.rlim_max : 4096;
			setrlimit(RLIMIT_NOFILE, &rl);
		}
	}
	g.epfd = epoll_create1(EPOLL_CLOEXEC);
	if (g.epfd < 0 || setup_signals() < 0)
		log_error("cannot set up the event loop", "error=\"%s\"",
			  strerror(errno));
	if (g.pid1) {
		char console[CONSOLE_NAME_MAX];

		console_name(console);
		load_modules();
		console_follow(console);
		efivar_boot_count();
		g.button_deadline_ms = now_ms() + BUTTON_WAIT_MS;
		button_poll(now_ms());
	} else {
		g.button_warned = true; /* a host test has no button */
	}
	if (g.pid1 && setup_net() == 0) {
		log_info("starting DHCP exchange", "network.iface=%s",
			 g.ifname);
		dhcp_init(&g.dhcp, g.mac, (uint32_t)random_seed(), HOSTNAME);
		dhcp_do(dhcp_start(&g.dhcp, now_ms()));
		g.serve_deadline_ms = now_ms() + SERVE_WITHOUT_LEASE_MS;
	} else {
		start_serving(); /* nothing to wait for: serve loopback */
	}

	for (;;) {
		struct epoll_event evs[64];
		int64_t now = now_ms(), wait = 1000;
		int n;

		if (g.shutting_down &&
		    (!g.serving || !server_active() || now >= g.drain_end_ms))
			power_off();
		if (g.dhcp_fd >= 0 && g.dhcp.deadline_ms - now < wait)
			wait = g.dhcp.deadline_ms - now;
		if (!g.n_buttons && !g.button_warned)
			wait = wait > 100 ? 100 : wait;
		if (g.shutting_down && wait > 50)
			wait = 50;
		if (wait < 0)
			wait = 0;
		n = epoll_wait(g.epfd, evs, 64, (int)wait);
		now = now_ms();
		for (int i = 0; i < n; i++) {
			uint64_t tag = evs[i].data.u64;

			if (tag >= SERVER_TAG_BASE)
				server_event(tag, evs[i].events, now);
			else if (tag == TAG_SIGNAL)
				signal_readable();
			else if (tag == TAG_DHCP)
				dhcp_readable();
			else if (tag == TAG_DHCP_RAW)
				dhcp_raw_readable();
			else if (tag >= TAG_BUTTON &&
				 tag < TAG_BUTTON + BUTTON_MAX)
				button_readable((int)(tag - TAG_BUTTON));
		}
		now = now_ms();
		if (g.dhcp_fd >= 0 && now >= g.dhcp.deadline_ms)
			dhcp_do(dhcp_timeout(&g.dhcp, now));
		button_poll(now);
		if (!g.serving && g.serve_deadline_ms &&
		    now >= g.serve_deadline_ms) {
			log_warn("no DHCP lease yet; serving anyway",
				 "network.iface=%s network.dhcp_state=%s",
				 g.ifname, dhcp_state_name(g.dhcp.state));
			start_serving();
		}
		if (g.serving && now - g.last_tick_ms >= 250) {
			g.last_tick_ms = now;
			server_tick(now);
		}
	}
}
