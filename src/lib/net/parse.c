// SPDX-License-Identifier: MIT
/*
 * --net values (charlie_net_parse), default MACs, and the host-side
 * checks charlie_config_validate runs for every NIC before anything
 * starts: each failure names the NIC, the option and the reason, with its
 * own code (charlie.h, enum charlie_err).
 */
#include "backend.h"
#include "err.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

/* ce:a5:71:e0:00:0N: locally administered (0x02) unicast (0x01 clear). */
static const uint8_t default_mac[5] = {0xce, 0xa5, 0x71, 0xe0, 0x00};

void charlie_net_mac(const struct charlie_config *cfg, unsigned int nic,
		     uint8_t mac[6])
{
	if (nic < cfg->nr_nets && nic < CHARLIE_MAX_NICS &&
	    cfg->nets[nic].has_mac) {
		memcpy(mac, cfg->nets[nic].mac, 6);
		return;
	}
	memcpy(mac, default_mac, 5);
	mac[5] = (uint8_t)(nic + 1);
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* "aa:bb:cc:dd:ee:ff" (or '-' separators): exactly six two-digit hex
 * bytes, unicast and not all zero. */
static int parse_mac(const char *s, size_t len, uint8_t mac[6],
		     const char *spec, struct charlie_error *err)
{
	const char *why = NULL;

	if (len != 17) {
		why = "wrong length (six hex bytes: aa:bb:cc:dd:ee:ff)";
		goto bad;
	}
	for (int i = 0; i < 6; i++) {
		int hi = hexval(s[i * 3]), lo = hexval(s[i * 3 + 1]);

		if (hi < 0 || lo < 0) {
			why = "not hex (six hex bytes: aa:bb:cc:dd:ee:ff)";
			goto bad;
		}
		if (i < 5 && s[i * 3 + 2] != ':' && s[i * 3 + 2] != '-') {
			why = "bytes must be separated by ':'";
			goto bad;
		}
		mac[i] = (uint8_t)(hi << 4 | lo);
	}
	if (mac[0] & 1) {
		why = "multicast bit set (the first byte must be even, e.g. "
		      "02:...)";
		goto bad;
	}
	if (!(mac[0] | mac[1] | mac[2] | mac[3] | mac[4] | mac[5])) {
		why = "all zero";
		goto bad;
	}
	return 0;
bad:
	return err_set(err, CHARLIE_E_NET_MAC, "net",
		       "net '%s': mac '%.*s': %s", spec, (int)len, s, why);
}

/* A decimal port 1..65535 from exactly `len` characters. */
static int parse_port(const char *s, size_t len, uint32_t *port)
{
	uint32_t v = 0;

	if (len == 0 || len > 5)
		return -1;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (uint32_t)(s[i] - '0');
	}
	if (v == 0 || v > 65535)
		return -1;
	*port = v;
	return 0;
}

/* [udp:|tcp:][ADDR:]HOSTPORT:GUESTPORT */
static int parse_forward(const char *s, size_t len, struct charlie_fwd *f,
			 const char *spec, struct charlie_error *err)
{
	const char *p = s, *end = s + len, *c1, *c2 = NULL;
	char addr[INET_ADDRSTRLEN];

	memset(f, 0, sizeof(*f));
	f->host_addr = htonl(INADDR_LOOPBACK);
	if (len >= 4 && !strncmp(p, "udp:", 4)) {
		f->udp = true;
		p += 4;
	} else if (len >= 4 && !strncmp(p, "tcp:", 4)) {
		p += 4;
	}
	c1 = memchr(p, ':', (size_t)(end - p));
	if (c1)
		c2 = memchr(c1 + 1, ':', (size_t)(end - c1 - 1));
	if (!c1)
		return err_set(err, CHARLIE_E_NET_PORT, "net",
			       "net '%s': forward '%.*s': expected "
			       "[udp:][ADDR:]HOSTPORT:GUESTPORT",
			       spec, (int)len, s);
	if (c2) {
		size_t alen = (size_t)(c1 - p);
		struct in_addr a;

		if (alen == 0 || alen >= sizeof(addr))
			goto bad_addr;
		memcpy(addr, p, alen);
		addr[alen] = 0;
		if (inet_pton(AF_INET, addr, &a) != 1)
			goto bad_addr;
		f->host_addr = a.s_addr;
		p = c1 + 1;
		c1 = c2;
	}
	if (parse_port(p, (size_t)(c1 - p), &f->host_port) ||
	    parse_port(c1 + 1, (size_t)(end - c1 - 1), &f->guest_port))
		return err_set(err, CHARLIE_E_NET_PORT, "net",
			       "net '%s': forward '%.*s': ports must be "
			       "numbers from 1 to 65535",
			       spec, (int)len, s);
	return 0;
bad_addr:
	return err_set(err, CHARLIE_E_NET_PORT, "net",
		       "net '%s': forward '%.*s': '%.*s' is not an IPv4 "
		       "address",
		       spec, (int)len, s, (int)(c1 - p), p);
}

static int set_target(struct charlie_net *n, const char *v, size_t len,
		      const char *spec, struct charlie_error *err)
{
	if (len == 0)
		return err_set(err, CHARLIE_E_NET_SPEC, "net",
			       "net '%s': %s= needs a value", spec,
			       n->kind == CHARLIE_NET_TAP ? "tap" : "socket");
	if (n->kind == CHARLIE_NET_SOCKET && len >= sizeof(n->target))
		return err_set(err, CHARLIE_E_NET_SOCKET, "net",
			       "net '%s': socket path is longer than a UNIX "
			       "socket address holds (%zu bytes)",
			       spec, sizeof(n->target) - 1);
	if (n->kind == CHARLIE_NET_TAP) {
		/* IFNAMSIZ 16 with the NUL; no '/', blanks or '%' (the
		 * kernel would pick a name we do not know) */
		bool ok = len < 16 && !(len == 1 && v[0] == '.') &&
			  !(len == 2 && v[0] == '.' && v[1] == '.');

		for (size_t i = 0; i < len && ok; i++)
			ok = v[i] > ' ' && v[i] < 0x7f && v[i] != '/' &&
			     v[i] != '%' && v[i] != ':';
		if (!ok)
			return err_set(err, CHARLIE_E_NET_TAP, "net",
				       "net '%s': tap '%.*s' is not an "
				       "interface name (1-15 characters, no "
				       "'/', ':', '%%' or blanks)",
				       spec, (int)len, v);
	}
	memcpy(n->target, v, len);
	n->target[len] = 0;
	return 0;
}

int charlie_net_parse(const char *spec, struct charlie_net *out,
		      struct charlie_error *err)
{
	const char *p = spec, *item, *eq;
	bool first = true;
	size_t len, klen;
	int ret;

	memset(out, 0, sizeof(*out));
	if (!spec || !*spec)
		return err_set(err, CHARLIE_E_NET_SPEC, "net",
			       "net: empty (try nat, socket=PATH or "
			       "tap=IFNAME)");
	if (spec[strlen(spec) - 1] == ',')
		return err_set(err, CHARLIE_E_NET_SPEC, "net",
			       "net '%s': trailing comma", spec);
	for (; *p || first; first = false) {
		item = p;
		p = strchrnul(p, ',');
		len = (size_t)(p - item);
		if (*p)
			p++;
		eq = memchr(item, '=', len);
		klen = eq ? (size_t)(eq - item) : len;
		const char *val = eq ? eq + 1 : NULL;
		size_t vlen = eq ? len - klen - 1 : 0;

#define KEY(k) (klen == strlen(k) && !strncmp(item, k, klen))
		if (first) {
			if (KEY("nat") && !eq) {
				out->kind = CHARLIE_NET_NAT;
				continue;
			}
			if (KEY("socket") && eq) {
				out->kind = CHARLIE_NET_SOCKET;
			} else if (KEY("tap") && eq) {
				out->kind = CHARLIE_NET_TAP;
			} else {
				return err_set(err, CHARLIE_E_NET_SPEC, "net",
					       "net '%s': starts with '%.*s'; "
					       "expected nat, socket=PATH or "
					       "tap=IFNAME",
					       spec, (int)len, item);
			}
			ret = set_target(out, val, vlen, spec, err);
			if (ret)
				return ret;
			continue;
		}
		if (len == 0)
			return err_set(err, CHARLIE_E_NET_SPEC, "net",
				       "net '%s': empty option (two commas, "
				       "or a trailing one)",
				       spec);
		if (KEY("mac") && eq) {
			if (out->has_mac)
				return err_set(err, CHARLIE_E_NET_SPEC, "net",
					       "net '%s': mac= given twice",
					       spec);
			ret = parse_mac(val, vlen, out->mac, spec, err);
			if (ret)
				return ret;
			out->has_mac = true;
		} else if (KEY("forward") && eq &&
			   out->kind == CHARLIE_NET_NAT) {
			if (out->nr_fwd >= CHARLIE_MAX_FWDS)
				return err_set(err, CHARLIE_E_NET_SPEC, "net",
					       "net '%s': more than %d "
					       "forwards",
					       spec, CHARLIE_MAX_FWDS);
			ret = parse_forward(val, vlen, &out->fwd[out->nr_fwd],
					    spec, err);
			if (ret)
				return ret;
			out->nr_fwd++;
		} else if (KEY("restrict") && out->kind == CHARLIE_NET_NAT &&
			   (!eq || (vlen == 2 && !strncmp(val, "on", 2)))) {
			out->restrict_ = true;
		} else if ((KEY("forward") || KEY("restrict")) &&
			   out->kind != CHARLIE_NET_NAT) {
			return err_set(err, CHARLIE_E_NET_SPEC, "net",
				       "net '%s': %.*s is for nat only (with "
				       "socket= or tap= the other end owns "
				       "forwarding)",
				       spec, (int)klen, item);
		} else {
			return err_set(err, CHARLIE_E_NET_SPEC, "net",
				       "net '%s': unknown option '%.*s' (mac=, "
				       "forward=, restrict)",
				       spec, (int)len, item);
		}
#undef KEY
	}
	return 0;
}

/* ---- host-side checks ---- */

/* Binding the port tells whether it is free, as slirp's own listen will
 * (SO_REUSEADDR like slirp, so a port in TIME_WAIT counts as free). */
static int check_port(unsigned int nic, const struct charlie_fwd *f,
		      struct charlie_error *err)
{
	struct sockaddr_in sa = {.sin_family = AF_INET,
				 .sin_port = htons((uint16_t)f->host_port),
				 .sin_addr.s_addr = f->host_addr};
	char a[INET_ADDRSTRLEN];
	int one = 1, fd, e;

	inet_ntop(AF_INET, &sa.sin_addr, a, sizeof(a));
	fd = socket(AF_INET, (f->udp ? SOCK_DGRAM : SOCK_STREAM) | SOCK_CLOEXEC,
		    0);
	if (fd < 0)
		return err_set(err, CHARLIE_E_NET_BACKEND, "net",
			       "net %u: forward %s:%u: socket: %s", nic + 1, a,
			       f->host_port, strerror(errno));
	if (!f->udp)
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
		close(fd);
		return 0;
	}
	e = errno;
	close(fd);
	if (e == EADDRINUSE)
		return err_set(err, CHARLIE_E_NET_PORT_IN_USE, "net",
			       "net %u: forward %s%s:%u: the port is already "
			       "in use",
			       nic + 1, f->udp ? "udp:" : "", a, f->host_port);
	return err_set(err, CHARLIE_E_NET_PORT, "net",
		       "net %u: forward %s%s:%u: cannot bind: %s", nic + 1,
		       f->udp ? "udp:" : "", a, f->host_port, strerror(e));
}

static int check_nat(const struct charlie_config *cfg, unsigned int nic,
		     struct charlie_error *err)
{
	const struct charlie_net *n = &cfg->nets[nic];
	int ret;

	if (n->nr_fwd > CHARLIE_MAX_FWDS)
		return err_set(err, CHARLIE_E_NET_SPEC, "net",
			       "net %u: %u forwards (at most %d)", nic + 1,
			       n->nr_fwd, CHARLIE_MAX_FWDS);
	for (unsigned int i = 0; i < n->nr_fwd; i++) {
		const struct charlie_fwd *f = &n->fwd[i];

		if (f->host_port < 1 || f->host_port > 65535 ||
		    f->guest_port < 1 || f->guest_port > 65535)
			return err_set(err, CHARLIE_E_NET_PORT, "net",
				       "net %u: forward %u:%u: ports must be "
				       "from 1 to 65535",
				       nic + 1, f->host_port, f->guest_port);
		/* the same host port twice, on this NIC or an earlier one */
		for (unsigned int j = 0; j <= nic; j++) {
			const struct charlie_net *m = &cfg->nets[j];

			if (m->kind != CHARLIE_NET_NAT)
				continue;
			for (unsigned int k = 0; k < (j == nic ? i : m->nr_fwd);
			     k++)
				if (m->fwd[k].udp == f->udp &&
				    m->fwd[k].host_port == f->host_port &&
				    (m->fwd[k].host_addr == f->host_addr ||
				     !m->fwd[k].host_addr || !f->host_addr))
					return err_set(
						err, CHARLIE_E_NET_PORT_IN_USE,
						"net",
						"net %u: forward %s%u: host "
						"port forwarded twice",
						nic + 1, f->udp ? "udp:" : "",
						f->host_port);
		}
		ret = check_port(nic, f, err);
		if (ret)
			return ret;
	}
	return 0;
}

static int check_socket(const struct charlie_net *n, unsigned int nic,
			struct charlie_error *err)
{
	struct stat st;

	if (!n->target[0] || !memchr(n->target, 0, sizeof(n->target)))
		return err_set(err, CHARLIE_E_NET_SOCKET, "net",
			       "net %u: socket: no path", nic + 1);
	if (stat(n->target, &st) < 0)
		return err_set(err, CHARLIE_E_NET_SOCKET, "net",
			       "net %u: socket %s: %s (start passt first)",
			       nic + 1, n->target, strerror(errno));
	if (!S_ISSOCK(st.st_mode))
		return err_set(err, CHARLIE_E_NET_SOCKET, "net",
			       "net %u: socket %s: not a socket", nic + 1,
			       n->target);
	return 0;
}

int net_config_check(const struct charlie_config *cfg,
		     struct charlie_error *err)
{
	uint8_t mac[CHARLIE_MAX_NICS][6];
	int ret, fd;

	if (cfg->nr_nets > CHARLIE_MAX_NICS)
		return err_set(err, CHARLIE_E_NET_SPEC, "net",
			       "net: %u NICs (at most %d)", cfg->nr_nets,
			       CHARLIE_MAX_NICS);
	for (unsigned int i = 0; i < cfg->nr_nets; i++) {
		const struct charlie_net *n = &cfg->nets[i];

		charlie_net_mac(cfg, i, mac[i]);
		if ((mac[i][0] & 1) || !(mac[i][0] | mac[i][1] | mac[i][2] |
					 mac[i][3] | mac[i][4] | mac[i][5]))
			return err_set(err, CHARLIE_E_NET_MAC, "net",
				       "net %u: mac: multicast or zero", i + 1);
		for (unsigned int j = 0; j < i; j++)
			if (!memcmp(mac[i], mac[j], 6))
				return err_set(err, CHARLIE_E_NET_MAC, "net",
					       "net %u: mac: the same as net "
					       "%u's",
					       i + 1, j + 1);
		switch (n->kind) {
		case CHARLIE_NET_NAT:
			ret = check_nat(cfg, i, err);
			break;
		case CHARLIE_NET_SOCKET:
			ret = check_socket(n, i, err);
			break;
		case CHARLIE_NET_TAP:
			if (!memchr(n->target, 0, sizeof(n->target)))
				return err_set(err, CHARLIE_E_NET_TAP, "net",
					       "net %u: tap: bad name", i + 1);
			/* attaching is the only true test of permission
			 * (an owned TAP needs no CAP_NET_ADMIN); a device
			 * created here goes away with the fd */
			ret = net_tap_attach(n->target, i, &fd, err);
			if (!ret)
				close(fd);
			break;
		default:
			return err_set(err, CHARLIE_E_NET_SPEC, "net",
				       "net %u: no backend kind", i + 1);
		}
		if (ret)
			return ret;
	}
	return 0;
}
