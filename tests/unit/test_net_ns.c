// SPDX-License-Identifier: MIT
/*
 * Backends that need a network namespace (design.md 6, network rule: the
 * test creates the namespace; nothing touches a real interface):
 *  - tap=: a TAP device in a fresh namespace; a frame sent by the backend
 *    is seen on the interface by a packet socket, and one sent there
 *    reaches the backend (with a DHCP ACK reported by the snoop).
 *  - socket= against Debian's passt, started by the test in a namespace
 *    of its own (`unshare -rn`), whose only interface is a TAP: the DHCP
 *    lease from passt, reported through the snoop.
 * SKIP with the reason when namespaces or passt are unavailable.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <netinet/if_ether.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "charlie.h"
#include "net/backend.h"
#include "net/dhcp_snoop.h"
#include "net_frames.h"

static const uint8_t gmac[6] = {0xce, 0xa5, 0x71, 0xe0, 0x00, 0x01};

struct dev {
	uint8_t last[2048];
	size_t last_len;
	unsigned int n;
	char ip[32];
};

static int dev_rx(void *opaque, const uint8_t *f, size_t len)
{
	struct dev *d = opaque;

	d->last_len = len < sizeof(d->last) ? len : sizeof(d->last);
	memcpy(d->last, f, d->last_len);
	d->n++;
	return 0;
}

static void dev_ip(void *opaque, const char *ip)
{
	snprintf(((struct dev *)opaque)->ip, 32, "%s", ip);
}

static uint64_t ms_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static int write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, s, strlen(s));
	close(fd);
	return n == (ssize_t)strlen(s) ? 0 : -1;
}

/* A network namespace of our own: as root directly, otherwise inside a
 * user namespace that maps us to root.  0 or -1. */
static int own_netns(void)
{
	char map[64];
	uid_t uid = getuid();
	gid_t gid = getgid();

	if (unshare(CLONE_NEWNET) == 0)
		return 0;
	if (unshare(CLONE_NEWUSER | CLONE_NEWNET) < 0)
		return -1;
	write_file("/proc/self/setgroups", "deny");
	snprintf(map, sizeof(map), "0 %u 1", (unsigned)uid);
	if (write_file("/proc/self/uid_map", map))
		return -1;
	snprintf(map, sizeof(map), "0 %u 1", (unsigned)gid);
	return write_file("/proc/self/gid_map", map);
}

#define SKIP_CODE 77

/* Runs in a child inside its own namespace; exit 0 ok, SKIP_CODE,
 * or the number of the step that failed. */
static int tap_child(void)
{
	struct charlie_config cfg;
	struct charlie_error err = {0};
	struct dev d = {0};
	struct net_client c = {.opaque = &d, .rx = dev_rx, .guest_ip = dev_ip};
	struct net_backend *be;
	struct loop loop;
	struct ifreq ifr = {0};
	struct sockaddr_ll sll = {.sll_family = AF_PACKET};
	static const uint8_t o[] = {53, 1, DHCP_ACK, 255};
	uint8_t f[2048], g[2048];
	uint64_t end;
	int s, ps;
	ssize_t n;

	if (own_netns())
		return SKIP_CODE;
	charlie_config_init(&cfg);
	if (charlie_net_parse("tap=ctap0", &cfg.nets[0], &err))
		return 1;
	cfg.nr_nets = 1;
	if (net_config_check(&cfg, &err)) {
		fprintf(stderr, "check: %s\n", err.msg);
		return err.code == CHARLIE_E_NET_TAP_PERM ? SKIP_CODE : 2;
	}
	if (loop_init(&loop) ||
	    net_backend_open(&cfg, 0, &loop, &c, &be, &err)) {
		fprintf(stderr, "open: %s\n", err.msg);
		return 3;
	}
	/* link up, so the kernel passes frames */
	s = socket(AF_INET, SOCK_DGRAM, 0);
	snprintf(ifr.ifr_name, IFNAMSIZ, "ctap0");
	if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0)
		return 4;
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0)
		return 5;
	ps = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));
	sll.sll_protocol = htons(ETH_P_ALL);
	sll.sll_ifindex = (int)if_nametoindex("ctap0");
	if (ps < 0 || bind(ps, (struct sockaddr *)&sll, sizeof(sll)) < 0)
		return 6;

	/* guest -> interface (experimental ethertype 0x88b5) */
	memset(f, 0, sizeof(f));
	memcpy(f, nf_bcast, 6);
	memcpy(f + 6, gmac, 6);
	nf_put16(f + 12, 0x88b5);
	memcpy(f + 14, "charlie-to-tap", 14);
	if (net_backend_send(be, f, 60))
		return 7;
	end = ms_now() + 2000;
	for (;;) {
		n = recv(ps, g, sizeof(g), MSG_DONTWAIT);
		if (n >= 28 && !memcmp(g + 14, "charlie-to-tap", 14))
			break;
		if (ms_now() > end)
			return 8;
		usleep(10000);
	}

	/* interface -> guest: a DHCP ACK for the guest's MAC */
	n = (ssize_t)nf_dhcp_reply(f, gmac, inet_addr("192.0.2.77"), o,
				   sizeof(o));
	if (send(ps, f, (size_t)n, 0) != n)
		return 9;
	end = ms_now() + 2000;
	while (!d.ip[0] && ms_now() < end)
		nf_loop_once(&loop, 20);
	if (strcmp(d.ip, "192.0.2.77"))
		return 10;
	net_backend_close(be);
	loop_free(&loop);
	return 0;
}

static void tap_in_netns(void **state)
{
	int st;
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0)
		_exit(tap_child());
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	if (WEXITSTATUS(st) == SKIP_CODE) {
		fprintf(stderr, "# no network namespace with CAP_NET_ADMIN "
				"here (unshare refused)\n");
		skip();
	}
	if (WEXITSTATUS(st))
		fail_msg("tap test failed at step %d", WEXITSTATUS(st));
}

/* ---- passt ---- */

static bool have_passt(void)
{
	return system("command -v passt >/dev/null 2>&1") == 0 &&
	       system("command -v unshare >/dev/null 2>&1") == 0;
}

static void send_dhcp(struct net_backend *be, uint8_t type, uint32_t req,
		      uint32_t srv)
{
	uint8_t b[600], f[1600], o[32];
	size_t on = 0, n;

	o[on++] = 53;
	o[on++] = 1;
	o[on++] = type;
	if (type == DHCP_REQUEST) {
		o[on++] = 50;
		o[on++] = 4;
		memcpy(o + on, &req, 4);
		on += 4;
		o[on++] = 54;
		o[on++] = 4;
		memcpy(o + on, &srv, 4);
		on += 4;
	}
	o[on++] = 255;
	n = nf_bootp(b, 1, 0x5eed, gmac, 0, o, on);
	n = nf_udp(f, nf_bcast, gmac, 0, 0xffffffff, 68, 67, b, n);
	assert_int_equal(net_backend_send(be, f, n), 0);
}

static bool wait_dhcp(struct loop *l, struct dev *d, uint8_t type,
		      struct dhcp_reply *r)
{
	uint64_t end = ms_now() + 5000;
	unsigned int seen = d->n;

	while (ms_now() < end) {
		nf_loop_once(l, 20);
		if (d->n != seen) {
			seen = d->n;
			if (dhcp_snoop(d->last, d->last_len, r) &&
			    r->type == type)
				return true;
		}
	}
	return false;
}

static void passt_dhcp_lease(void **state)
{
	char dir[] = "/tmp/charlie-passt-XXXXXX", path[64], spec[80],
	     script[512];
	struct charlie_config cfg;
	struct charlie_error err = {0};
	struct dev d = {0};
	struct net_client c = {.opaque = &d, .rx = dev_rx, .guest_ip = dev_ip};
	struct net_backend *be = NULL;
	struct dhcp_reply r;
	struct loop loop;
	struct stat st;
	uint64_t end;
	uint32_t srv;
	pid_t pid;

	if (!have_passt()) {
		fprintf(stderr, "# passt is not installed (Debian package "
				"passt)\n");
		skip();
	}
	assert_non_null(mkdtemp(dir));
	chmod(dir, 0777); /* passt drops to nobody */
	snprintf(path, sizeof(path), "%s/s", dir);
	/* the namespace's only interface is a TAP nobody holds: passt needs
	 * a template interface with an address and a route, and its traffic
	 * goes nowhere */
	snprintf(script, sizeof(script),
		 "ip tuntap add t0 mode tap && "
		 "ip addr add 192.0.2.1/24 dev t0 && ip link set t0 up && "
		 "ip link set lo up && "
		 "ip route add default via 192.0.2.254 dev t0 onlink && "
		 "exec passt -f -q -1 --socket %s",
		 path);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int nul = open("/dev/null", O_WRONLY);

		dup2(nul, 1);
		dup2(nul, 2);
		execlp("unshare", "unshare", "-rn", "sh", "-c", script,
		       (char *)NULL);
		_exit(127);
	}
	end = ms_now() + 5000;
	while ((stat(path, &st) < 0 || !S_ISSOCK(st.st_mode)) && ms_now() < end)
		usleep(20000);
	if (stat(path, &st) < 0) {
		kill(pid, SIGTERM);
		waitpid(pid, NULL, 0);
		rmdir(dir);
		fprintf(stderr, "# passt did not start in a namespace here\n");
		skip();
	}
	charlie_config_init(&cfg);
	snprintf(spec, sizeof(spec), "socket=%s", path);
	assert_int_equal(charlie_net_parse(spec, &cfg.nets[0], &err), 0);
	cfg.nr_nets = 1;
	assert_int_equal(net_config_check(&cfg, &err), 0);
	assert_int_equal(loop_init(&loop), 0);
	assert_int_equal(net_backend_open(&cfg, 0, &loop, &c, &be, &err), 0);

	send_dhcp(be, DHCP_DISCOVER, 0, 0);
	assert_true(wait_dhcp(&loop, &d, DHCP_OFFER, &r));
	assert_int_equal(r.yiaddr, inet_addr("192.0.2.1"));
	memcpy(&srv, d.last + 14 + 12, 4); /* the offer's source address */
	send_dhcp(be, DHCP_REQUEST, r.yiaddr, srv);
	assert_true(wait_dhcp(&loop, &d, DHCP_ACK, &r));
	assert_string_equal(d.ip, "192.0.2.1");

	net_backend_close(be);
	loop_free(&loop);
	kill(pid, SIGTERM); /* -1: it also ends when we hang up */
	waitpid(pid, NULL, 0);
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(tap_in_netns),
		cmocka_unit_test(passt_dhcp_lease),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
