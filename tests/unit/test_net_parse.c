// SPDX-License-Identifier: MIT
/* --net values (charlie_net_parse), the host-side checks of
 * charlie_config_validate (net_config_check), and default MACs: each bad
 * input its own case with its own error code. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "charlie.h"
#include "net/backend.h"

static enum charlie_err parse_err(const char *spec)
{
	struct charlie_net n;
	struct charlie_error err = {0};

	if (charlie_net_parse(spec, &n, &err) == 0)
		return CHARLIE_OK;
	assert_string_equal(err.field, "net");
	assert_non_null(strstr(err.msg, spec)); /* names the option */
	return err.code;
}

static void nat_minimal(void **state)
{
	struct charlie_net n;
	struct charlie_error err = {0};

	assert_int_equal(charlie_net_parse("nat", &n, &err), 0);
	assert_int_equal(n.kind, CHARLIE_NET_NAT);
	assert_false(n.has_mac);
	assert_false(n.restrict_);
	assert_int_equal(n.nr_fwd, 0);
}

static void nat_full(void **state)
{
	struct charlie_net n;
	struct charlie_error err = {0};

	assert_int_equal(
		charlie_net_parse("nat,mac=02:AB:cd:00:11:22,forward=8080:80,"
				  "forward=udp:0.0.0.0:5353:53,restrict,"
				  "forward=tcp:127.0.0.2:2222:22",
				  &n, &err),
		0);
	assert_true(n.has_mac);
	assert_memory_equal(n.mac, ((uint8_t[]){2, 0xab, 0xcd, 0, 0x11, 0x22}),
			    6);
	assert_true(n.restrict_);
	assert_int_equal(n.nr_fwd, 3);
	assert_false(n.fwd[0].udp);
	assert_int_equal(n.fwd[0].host_addr, htonl(INADDR_LOOPBACK));
	assert_int_equal(n.fwd[0].host_port, 8080);
	assert_int_equal(n.fwd[0].guest_port, 80);
	assert_true(n.fwd[1].udp);
	assert_int_equal(n.fwd[1].host_addr, 0);
	assert_int_equal(n.fwd[1].host_port, 5353);
	assert_int_equal(n.fwd[1].guest_port, 53);
	assert_int_equal(n.fwd[2].host_addr, inet_addr("127.0.0.2"));
}

static void socket_and_tap(void **state)
{
	struct charlie_net n;
	struct charlie_error err = {0};

	assert_int_equal(charlie_net_parse("socket=/run/passt.sock", &n, &err),
			 0);
	assert_int_equal(n.kind, CHARLIE_NET_SOCKET);
	assert_string_equal(n.target, "/run/passt.sock");
	assert_int_equal(
		charlie_net_parse("tap=tap0,mac=02:00:00:00:00:09", &n, &err),
		0);
	assert_int_equal(n.kind, CHARLIE_NET_TAP);
	assert_string_equal(n.target, "tap0");
	assert_true(n.has_mac);
}

static void bad_spec(void **state)
{
	assert_int_equal(parse_err(""), CHARLIE_E_NET_SPEC);
	assert_int_equal(parse_err("user"), CHARLIE_E_NET_SPEC);
	assert_int_equal(parse_err("nat=x"), CHARLIE_E_NET_SPEC);
	assert_int_equal(parse_err("socket"), CHARLIE_E_NET_SPEC);
	assert_int_equal(parse_err("socket="), CHARLIE_E_NET_SPEC);
	assert_int_equal(parse_err("nat,bogus=1"), CHARLIE_E_NET_SPEC);
	assert_int_equal(parse_err("nat,,restrict"), CHARLIE_E_NET_SPEC);
	assert_int_equal(parse_err("nat,restrict,"), CHARLIE_E_NET_SPEC);
	assert_int_equal(parse_err("nat,mac=02:00:00:00:00:01,mac=02:00:00:"
				   "00:00:02"),
			 CHARLIE_E_NET_SPEC);
	assert_int_equal(parse_err("socket=/x,forward=1:1"),
			 CHARLIE_E_NET_SPEC);
	assert_int_equal(parse_err("tap=t0,restrict"), CHARLIE_E_NET_SPEC);
}

static void too_many_forwards(void **state)
{
	char spec[1024] = "nat";

	for (int i = 0; i <= CHARLIE_MAX_FWDS; i++)
		snprintf(spec + strlen(spec), sizeof(spec) - strlen(spec),
			 ",forward=%d:80", 1000 + i);
	assert_int_equal(parse_err(spec), CHARLIE_E_NET_SPEC);
}

static void bad_mac_multicast(void **state)
{
	assert_int_equal(parse_err("nat,mac=01:00:5e:00:00:01"),
			 CHARLIE_E_NET_MAC);
	assert_int_equal(parse_err("nat,mac=ff:ff:ff:ff:ff:ff"),
			 CHARLIE_E_NET_MAC);
}

static void bad_mac_length(void **state)
{
	assert_int_equal(parse_err("nat,mac=02:00:00:00:00"),
			 CHARLIE_E_NET_MAC);
	assert_int_equal(parse_err("nat,mac=02:00:00:00:00:00:01"),
			 CHARLIE_E_NET_MAC);
	assert_int_equal(parse_err("nat,mac="), CHARLIE_E_NET_MAC);
	assert_int_equal(parse_err("nat,mac=2:0:0:0:0:1"), CHARLIE_E_NET_MAC);
}

static void bad_mac_not_hex(void **state)
{
	assert_int_equal(parse_err("nat,mac=02:00:00:00:00:zz"),
			 CHARLIE_E_NET_MAC);
	assert_int_equal(parse_err("nat,mac=02.00.00.00.00.01"),
			 CHARLIE_E_NET_MAC);
}

static void bad_mac_zero(void **state)
{
	assert_int_equal(parse_err("nat,mac=00:00:00:00:00:00"),
			 CHARLIE_E_NET_MAC);
}

static void bad_forward_port_zero(void **state)
{
	assert_int_equal(parse_err("nat,forward=0:80"), CHARLIE_E_NET_PORT);
	assert_int_equal(parse_err("nat,forward=8080:0"), CHARLIE_E_NET_PORT);
}

static void bad_forward_port_too_big(void **state)
{
	assert_int_equal(parse_err("nat,forward=65536:80"), CHARLIE_E_NET_PORT);
	assert_int_equal(parse_err("nat,forward=80:99999999"),
			 CHARLIE_E_NET_PORT);
	assert_int_equal(parse_err("nat,forward=65535:65535"), CHARLIE_OK);
}

static void bad_forward_syntax(void **state)
{
	assert_int_equal(parse_err("nat,forward=8080"), CHARLIE_E_NET_PORT);
	assert_int_equal(parse_err("nat,forward=:80"), CHARLIE_E_NET_PORT);
	assert_int_equal(parse_err("nat,forward=-1:80"), CHARLIE_E_NET_PORT);
	assert_int_equal(parse_err("nat,forward=1.2.3:80:80"),
			 CHARLIE_E_NET_PORT);
	assert_int_equal(parse_err("nat,forward=sctp:80:80"),
			 CHARLIE_E_NET_PORT);
}

static void bad_tap_name(void **state)
{
	assert_int_equal(parse_err("tap=a/b"), CHARLIE_E_NET_TAP);
	assert_int_equal(parse_err("tap=0123456789abcdef"), CHARLIE_E_NET_TAP);
	assert_int_equal(parse_err("tap=tap%d"), CHARLIE_E_NET_TAP);
	assert_int_equal(parse_err("tap=.."), CHARLIE_E_NET_TAP);
	assert_int_equal(parse_err("tap=a b"), CHARLIE_E_NET_TAP);
}

static void bad_socket_path_too_long(void **state)
{
	char spec[300] = "socket=/";

	memset(spec + 8, 'x', 200);
	spec[208] = 0;
	assert_int_equal(parse_err(spec), CHARLIE_E_NET_SOCKET);
}

static void default_macs(void **state)
{
	struct charlie_config cfg;
	struct charlie_error err = {0};
	uint8_t m[6];

	charlie_config_init(&cfg);
	assert_int_equal(cfg.nr_nets, 0);
	assert_int_equal(charlie_net_parse("nat", &cfg.nets[0], &err), 0);
	assert_int_equal(charlie_net_parse("nat", &cfg.nets[1], &err), 0);
	assert_int_equal(charlie_net_parse("nat,mac=02:11:22:33:44:55",
					   &cfg.nets[2], &err),
			 0);
	cfg.nr_nets = 3;
	charlie_net_mac(&cfg, 0, m);
	assert_memory_equal(m, ((uint8_t[]){0xce, 0xa5, 0x71, 0xe0, 0, 1}), 6);
	assert_int_equal(m[0] & 1, 0); /* unicast */
	assert_int_equal(m[0] & 2, 2); /* locally administered */
	charlie_net_mac(&cfg, 1, m);
	assert_memory_equal(m, ((uint8_t[]){0xce, 0xa5, 0x71, 0xe0, 0, 2}), 6);
	charlie_net_mac(&cfg, 2, m);
	assert_memory_equal(m, ((uint8_t[]){2, 0x11, 0x22, 0x33, 0x44, 0x55}),
			    6);
	assert_int_equal(net_config_check(&cfg, &err), 0);
}

/* ---- host-side checks ---- */

static int check(struct charlie_config *cfg, const char *spec,
		 struct charlie_error *err)
{
	charlie_config_init(cfg);
	assert_int_equal(charlie_net_parse(spec, &cfg->nets[0], err), 0);
	cfg->nr_nets = 1;
	return net_config_check(cfg, err);
}

static void port_in_use(void **state)
{
	struct sockaddr_in sa = {.sin_family = AF_INET,
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t sl = sizeof(sa);
	struct charlie_config cfg;
	struct charlie_error err = {0};
	char spec[64];
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(fd, 1), 0);
	getsockname(fd, (struct sockaddr *)&sa, &sl);
	snprintf(spec, sizeof(spec), "nat,forward=%u:80", ntohs(sa.sin_port));
	assert_int_equal(check(&cfg, spec, &err), -EINVAL);
	assert_int_equal(err.code, CHARLIE_E_NET_PORT_IN_USE);
	assert_non_null(strstr(err.msg, "in use"));
	close(fd);
	/* free again */
	assert_int_equal(check(&cfg, spec, &err), 0);
}

static void udp_port_in_use(void **state)
{
	struct sockaddr_in sa = {.sin_family = AF_INET,
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t sl = sizeof(sa);
	struct charlie_config cfg;
	struct charlie_error err = {0};
	char spec[64];
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	getsockname(fd, (struct sockaddr *)&sa, &sl);
	snprintf(spec, sizeof(spec), "nat,forward=udp:%u:53",
		 ntohs(sa.sin_port));
	assert_int_equal(check(&cfg, spec, &err), -EINVAL);
	assert_int_equal(err.code, CHARLIE_E_NET_PORT_IN_USE);
	close(fd);
}

static void port_forwarded_twice(void **state)
{
	struct charlie_config cfg;
	struct charlie_error err = {0};

	assert_int_equal(
		check(&cfg, "nat,forward=40001:80,forward=40001:81", &err),
		-EINVAL);
	assert_int_equal(err.code, CHARLIE_E_NET_PORT_IN_USE);
	/* tcp and udp on one port are two things */
	assert_int_equal(
		check(&cfg, "nat,forward=40001:80,forward=udp:40001:81", &err),
		0);
}

static void address_not_here(void **state)
{
	struct charlie_config cfg;
	struct charlie_error err = {0};

	/* TEST-NET-1 (RFC 5737): never an address of this host */
	assert_int_equal(check(&cfg, "nat,forward=192.0.2.1:40002:80", &err),
			 -EINVAL);
	assert_int_equal(err.code, CHARLIE_E_NET_PORT);
}

static void config_port_out_of_range(void **state)
{
	struct charlie_config cfg;
	struct charlie_error err = {0};

	check(&cfg, "nat,forward=40003:80", &err);
	cfg.nets[0].fwd[0].guest_port = 70000; /* a program's own config */
	assert_int_equal(net_config_check(&cfg, &err), -EINVAL);
	assert_int_equal(err.code, CHARLIE_E_NET_PORT);
	cfg.nets[0].fwd[0].guest_port = 80;
	cfg.nets[0].fwd[0].host_port = 0;
	assert_int_equal(net_config_check(&cfg, &err), -EINVAL);
	assert_int_equal(err.code, CHARLIE_E_NET_PORT);
}

static void config_mac_multicast_and_duplicate(void **state)
{
	struct charlie_config cfg;
	struct charlie_error err = {0};

	check(&cfg, "nat", &err);
	cfg.nets[0].has_mac = true;
	memcpy(cfg.nets[0].mac, "\x01\x02\x03\x04\x05\x06", 6);
	assert_int_equal(net_config_check(&cfg, &err), -EINVAL);
	assert_int_equal(err.code, CHARLIE_E_NET_MAC);
	/* mac= equal to the next card's default */
	memcpy(cfg.nets[0].mac, "\xce\xa5\x71\xe0\x00\x02", 6);
	assert_int_equal(charlie_net_parse("nat", &cfg.nets[1], &err), 0);
	cfg.nr_nets = 2;
	assert_int_equal(net_config_check(&cfg, &err), -EINVAL);
	assert_int_equal(err.code, CHARLIE_E_NET_MAC);
}

static void socket_missing(void **state)
{
	struct charlie_config cfg;
	struct charlie_error err = {0};

	assert_int_equal(check(&cfg, "socket=/nonexistent/passt.sock", &err),
			 -EINVAL);
	assert_int_equal(err.code, CHARLIE_E_NET_SOCKET);
}

static void socket_not_a_socket(void **state)
{
	struct charlie_config cfg;
	struct charlie_error err = {0};

	assert_int_equal(check(&cfg, "socket=/dev/null", &err), -EINVAL);
	assert_int_equal(err.code, CHARLIE_E_NET_SOCKET);
	assert_non_null(strstr(err.msg, "not a socket"));
}

static void socket_present(void **state)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct charlie_config cfg;
	struct charlie_error err = {0};
	char dir[] = "/tmp/charlie-net-XXXXXX", spec[128];
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	assert_non_null(mkdtemp(dir));
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/s", dir);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	snprintf(spec, sizeof(spec), "socket=%s", sa.sun_path);
	assert_int_equal(check(&cfg, spec, &err), 0);
	close(fd);
	unlink(sa.sun_path);
	rmdir(dir);
}

static void too_many_nics(void **state)
{
	struct charlie_config cfg;
	struct charlie_error err = {0};

	charlie_config_init(&cfg);
	cfg.nr_nets = CHARLIE_MAX_NICS + 1;
	assert_int_equal(net_config_check(&cfg, &err), -EINVAL);
	assert_int_equal(err.code, CHARLIE_E_NET_SPEC);
}

static void error_names(void **state)
{
	assert_string_equal(charlie_err_name(CHARLIE_E_NET_MAC), "net-mac");
	assert_string_equal(charlie_err_name(CHARLIE_E_NET_PORT_IN_USE),
			    "net-port-in-use");
	assert_string_equal(charlie_err_name(CHARLIE_E_NET_TAP_PERM),
			    "net-tap-permission");
	for (int c = CHARLIE_E_NET_SPEC; c <= CHARLIE_E_NET_BACKEND; c++)
		assert_string_not_equal(charlie_err_name(c), "unknown");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(nat_minimal),
		cmocka_unit_test(nat_full),
		cmocka_unit_test(socket_and_tap),
		cmocka_unit_test(bad_spec),
		cmocka_unit_test(too_many_forwards),
		cmocka_unit_test(bad_mac_multicast),
		cmocka_unit_test(bad_mac_length),
		cmocka_unit_test(bad_mac_not_hex),
		cmocka_unit_test(bad_mac_zero),
		cmocka_unit_test(bad_forward_port_zero),
		cmocka_unit_test(bad_forward_port_too_big),
		cmocka_unit_test(bad_forward_syntax),
		cmocka_unit_test(bad_tap_name),
		cmocka_unit_test(bad_socket_path_too_long),
		cmocka_unit_test(default_macs),
		cmocka_unit_test(port_in_use),
		cmocka_unit_test(udp_port_in_use),
		cmocka_unit_test(port_forwarded_twice),
		cmocka_unit_test(address_not_here),
		cmocka_unit_test(config_port_out_of_range),
		cmocka_unit_test(config_mac_multicast_and_duplicate),
		cmocka_unit_test(socket_missing),
		cmocka_unit_test(socket_not_a_socket),
		cmocka_unit_test(socket_present),
		cmocka_unit_test(too_many_nics),
		cmocka_unit_test(error_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
