// SPDX-License-Identifier: MIT
/* What every backend shares (backend.h): opening by kind, length checks,
 * the DHCP snoop on frames the guest takes, flow control, logging. */
#include "backend.h"
#include "dhcp_snoop.h"
#include "err.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int net_backend_open(const struct charlie_config *cfg, unsigned int nic,
		     struct loop *loop, const struct net_client *client,
		     struct net_backend **out, struct charlie_error *err)
{
	struct net_backend base = {.loop = loop, .nic = nic};
	const struct charlie_net *n;
	int ret;

	*out = NULL;
	if (nic >= cfg->nr_nets || nic >= CHARLIE_MAX_NICS)
		return err_set(err, CHARLIE_E_NET_SPEC, "net",
			       "net %u: no such NIC", nic + 1);
	n = &cfg->nets[nic];
	base.client = *client;
	charlie_net_mac(cfg, nic, base.mac);
	switch (n->kind) {
	case CHARLIE_NET_NAT:
		ret = net_nat_open(n, &base, out, err);
		break;
	case CHARLIE_NET_SOCKET:
		ret = net_socket_open(n, &base, out, err);
		break;
	case CHARLIE_NET_TAP:
		ret = net_tap_open(n, &base, out, err);
		break;
	default:
		ret = err_set(err, CHARLIE_E_NET_SPEC, "net",
			      "net %u: no backend kind", nic + 1);
		break;
	}
	return ret;
}

int net_backend_send(struct net_backend *be, const uint8_t *frame, size_t len)
{
	if (len < NET_FRAME_MIN || len > NET_FRAME_MAX) {
		be->tx_dropped++;
		return 0;
	}
	be->tx_frames++;
	return be->impl->send(be, frame, len);
}

void net_backend_rx_resume(struct net_backend *be)
{
	if (!be->paused)
		return;
	be->paused = false;
	be->impl->resume(be);
}

void net_backend_close(struct net_backend *be)
{
	if (be)
		be->impl->close(be);
}

static void snoop(struct net_backend *be, const uint8_t *frame, size_t len)
{
	struct dhcp_reply r;
	char ip[INET_ADDRSTRLEN];

	if (!dhcp_snoop(frame, len, &r) || r.type != DHCP_ACK)
		return;
	/* a reply for another client (a bridge carries them all), an ACK to
	 * DHCPINFORM (no address), or the address we already said */
	if (memcmp(r.chaddr, be->mac, 6) || !r.yiaddr ||
	    r.yiaddr == be->guest_ip)
		return;
	be->guest_ip = r.yiaddr;
	if (be->client.guest_ip &&
	    inet_ntop(AF_INET, &r.yiaddr, ip, sizeof(ip)))
		be->client.guest_ip(be->client.opaque, ip);
}

int net_backend_deliver(struct net_backend *be, const uint8_t *frame,
			size_t len)
{
	int ret;

	if (len < NET_FRAME_MIN || len > NET_FRAME_MAX) {
		be->rx_dropped++;
		return 0;
	}
	if (be->paused)
		return -EAGAIN;
	ret = be->client.rx ? be->client.rx(be->client.opaque, frame, len) : 0;
	if (ret == -EAGAIN) {
		be->paused = true;
		return ret;
	}
	be->rx_frames++;
	snoop(be, frame, len);
	return 0;
}

void net_backend_logf(struct net_backend *be, enum charlie_log_level lvl,
		      const char *fmt, ...)
{
	char line[512];
	int n;
	va_list ap;

	if (!be->client.log)
		return;
	n = snprintf(line, sizeof(line), "net %u (%s): ", be->nic + 1,
		     be->impl ? be->impl->name : "?");
	if (n < 0 || (size_t)n >= sizeof(line))
		n = 0;
	va_start(ap, fmt);
	vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
	va_end(ap);
	be->client.log(be->client.opaque, lvl, line);
}
