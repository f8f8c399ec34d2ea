// SPDX-License-Identifier: MIT
/*
 * DHCP reply snooping: Ethernet -> IPv4 (RFC 791) -> UDP (RFC 768) ->
 * BOOTP (RFC 951, RFC 2131 section 2) -> options (RFC 2132).  Hand-written:
 * a few length checks, no allocation.  Each layer's length is bounded by
 * the layer around it, and every read is checked against that bound.
 */
#include "dhcp_snoop.h"

#include <string.h>

#define ETH_HLEN     14
#define ETH_P_IP     0x0800
#define ETH_P_8021Q  0x8100
#define IP_MIN_HLEN  20
#define IP_PROTO_UDP 17
#define IP_MF	     0x2000
#define IP_OFFMASK   0x1fff
#define UDP_HLEN     8
#define BOOTPS	     67
#define BOOTPC	     68
#define BOOTP_FIXED  236 /* op .. file */
#define BOOTREPLY    2
#define HTYPE_ETHER  1
#define OPT_PAD	     0
#define OPT_END	     255
#define OPT_MSG_TYPE 53

static const uint8_t magic_cookie[4] = {99, 130, 83, 99};

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* One's-complement sum of `len` bytes (RFC 1071), folded later. */
static uint32_t csum_add(uint32_t sum, const uint8_t *p, size_t len)
{
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += be16(p + i);
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	return sum;
}

static uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* Options (RFC 2132 section 2): code, length, data; pad and end have no
 * length.  Returns the message type, or 0 when it is missing or any
 * option runs past the end. */
static uint8_t find_msg_type(const uint8_t *o, size_t len)
{
	uint8_t type = 0;
	size_t i = 0;

	while (i < len) {
		uint8_t code = o[i], olen;

		if (code == OPT_PAD) {
			i++;
			continue;
		}
		if (code == OPT_END)
			return type;
		if (len - i < 2)
			return 0; /* no length byte */
		olen = o[i + 1];
		if ((size_t)olen > len - i - 2)
			return 0; /* overlong: runs past the packet */
		if (code == OPT_MSG_TYPE) {
			if (olen != 1)
				return 0;
			if (type && type != o[i + 2])
				return 0; /* two different answers */
			type = o[i + 2];
		}
		i += 2 + (size_t)olen;
	}
	/* RFC 2131 section 4.1 wants an end option; Linux's udhcpc and
	 * dhclient accept its absence, so do we. */
	return type;
}

int dhcp_snoop(const uint8_t *frame, size_t len, struct dhcp_reply *out)
{
	const uint8_t *ip, *udp, *bp;
	size_t off = ETH_HLEN, ihl, tot, ulen;
	uint16_t type, frag, ucsum;
	uint32_t sum;
	uint8_t mt;

	if (!frame || len < ETH_HLEN)
		return 0;
	type = be16(frame + 12);
	if (type == ETH_P_8021Q) {
		if (len < ETH_HLEN + 4)
			return 0;
		type = be16(frame + 16);
		off += 4;
	}
	if (type != ETH_P_IP)
		return 0;

	/* IPv4 header */
	ip = frame + off;
	len -= off;
	if (len < IP_MIN_HLEN || (ip[0] >> 4) != 4)
		return 0;
	ihl = (size_t)(ip[0] & 0x0f) * 4;
	tot = be16(ip + 2);
	if (ihl < IP_MIN_HLEN || ihl > len || tot < ihl || tot > len)
		return 0; /* bad IHL or total length; padding may follow */
	frag = be16(ip + 6);
	if (frag & (IP_MF | IP_OFFMASK))
		return 0; /* fragments: a reply is never fragmented here */
	if (ip[9] != IP_PROTO_UDP)
		return 0;
	if (csum_fold(csum_add(0, ip, ihl)) != 0)
		return 0;

	/* UDP header */
	udp = ip + ihl;
	len = tot - ihl;
	if (len < UDP_HLEN)
		return 0;
	if (be16(udp) != BOOTPS || be16(udp + 2) != BOOTPC)
		return 0;
	ulen = be16(udp + 4);
	if (ulen < UDP_HLEN || ulen > len)
		return 0;
	ucsum = be16(udp + 6);
	if (ucsum) { /* 0: the sender computed none (RFC 768) */
		sum = csum_add(0, ip + 12, 8); /* pseudo-header: addresses */
		sum += IP_PROTO_UDP + (uint32_t)ulen;
		sum = csum_add(sum, udp, ulen);
		if (csum_fold(sum) != 0)
			return 0;
	}

	/* BOOTP */
	bp = udp + UDP_HLEN;
	len = ulen - UDP_HLEN;
	if (len < BOOTP_FIXED + sizeof(magic_cookie))
		return 0;
	if (bp[0] != BOOTREPLY || bp[1] != HTYPE_ETHER || bp[2] != 6)
		return 0;
	if (memcmp(bp + BOOTP_FIXED, magic_cookie, sizeof(magic_cookie)))
		return 0;
	mt = find_msg_type(bp + BOOTP_FIXED + 4, len - BOOTP_FIXED - 4);
	if (mt == 0)
		return 0;
	out->type = mt;
	memcpy(&out->yiaddr, bp + 16, 4);
	memcpy(out->chaddr, bp + 28, 6);
	return 1;
}
