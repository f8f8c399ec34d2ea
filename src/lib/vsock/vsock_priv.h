/* SPDX-License-Identifier: MIT */
/* Inside the vsock engine: connections, the engine, shared helpers. */
#ifndef CHARLIE_VSOCK_PRIV_H
#define CHARLIE_VSOCK_PRIV_H

#include "vsock.h"

#include <pthread.h>
#include <sys/un.h>

enum conn_state {
	CONN_HANDSHAKE,	 /* host UDS connection: waiting for "CONNECT p\n" */
	CONN_CONNECTING, /* REQUEST to the guest, waiting for RESPONSE */
	CONN_ESTABLISHED,
};

struct vsock_waiter {
	bool done;
	int result;
};

struct vsock_conn {
	struct vsock_conn *knext; /* key hash chain */
	struct vsock_conn *fnext; /* fd hash chain */
	struct vsock_conn *qprev, *qnext;
	bool queued; /* on the "packets for the guest" list */
	bool hashed; /* has a key (not in HANDSHAKE) */

	uint32_t local_port, peer_port; /* host (CID 2) side, guest side */
	enum conn_state st;
	int fd;
	struct loop_src *src;
	uint32_t ev; /* the epoll mask currently set */
	bool hup;    /* fd hung up: off the loop, read what is left */

	/* control packets owed to the guest */
	bool tx_request, tx_response, tx_credit;
	bool tx_rst;	   /* then the connection is freed */
	bool tx_shutdown;  /* our_shut changed */
	uint32_t our_shut; /* SHUTDOWN flags we sent / owe */
	uint32_t guest_shut;
	bool reply_ok;		/* "OK <port>\n" owed to a UDS host program */
	bool close_after_drain; /* guest closed both ways: RST when drained */
	bool host_readable;	/* the host fd may have data for the guest */
	bool host_eof;		/* read() gave 0 */
	bool wr_dead;		/* the host fd takes no more data */
	bool fd_shut_wr;	/* shutdown(fd, SHUT_WR) done */

	/* credit (section 5.10.6.3), all counters mod 2^32 */
	uint32_t buf_alloc, rx_cnt, fwd_cnt, fwd_cnt_sent;
	uint32_t peer_buf_alloc, peer_fwd_cnt, tx_cnt;

	/* guest -> host bytes the host fd did not take yet */
	uint8_t *ring;
	uint32_t ring_head, ring_len;

	char line[32]; /* HANDSHAKE: the command read so far */
	unsigned int line_len;

	struct vsock_waiter *waiter; /* vsock_connect() */
};

struct vsock_listener {
	uint32_t port;
	vsock_accept_fn cb;
	void *opaque;
};

#define VSOCK_HASH	 256
#define VSOCK_MAX_LISTEN 64

struct stray_rst {
	uint32_t local_port, peer_port;
	uint16_t type;
};

struct vsock_engine {
	pthread_mutex_t lock;
	pthread_cond_t cond; /* vsock_connect() waiters */
	struct loop *loop;
	struct vsock_params p;
	char uds[sizeof(((struct sockaddr_un *)0)->sun_path)];
	int listen_fd;
	struct loop_src *listen_src;

	struct vsock_conn *khash[VSOCK_HASH], *fhash[VSOCK_HASH];
	struct vsock_conn *qhead, *qtail;
	unsigned int qlen;
	unsigned int nconns;
	uint32_t next_ephemeral;

	struct stray_rst stray[VSOCK_STRAY_RST_SLOTS];
	unsigned int stray_head, stray_len;

	struct vsock_listener listeners[VSOCK_MAX_LISTEN];
	unsigned int nlisteners;

	bool notify_pending; /* call p.notify after unlocking */
	struct vsock_stats st;

	uint64_t log_last_ns;
	unsigned int log_suppressed;
};

/* engine.c */
void vsock_lock(struct vsock_engine *e);
/* Unlocks, then calls notify when something was queued meanwhile. */
void vsock_unlock(struct vsock_engine *e);
void vsock_logf(struct vsock_engine *e, enum charlie_log_level lvl,
		const char *fmt, ...) __attribute__((format(printf, 3, 4)));
struct vsock_conn *conn_new(struct vsock_engine *e, int fd);
void conn_free(struct vsock_engine *e, struct vsock_conn *c);
int conn_hash(struct vsock_engine *e, struct vsock_conn *c);
struct vsock_conn *conn_by_fd(struct vsock_engine *e, int fd);
struct vsock_conn *conn_by_key(struct vsock_engine *e, uint32_t local,
			       uint32_t peer);
uint32_t conn_ephemeral_port(struct vsock_engine *e);
/* Puts `c` on the list for the guest if it owes anything. */
void conn_schedule(struct vsock_engine *e, struct vsock_conn *c);
/* Sets the epoll mask the connection's state calls for. */
void conn_update_events(struct vsock_engine *e, struct vsock_conn *c);
/* RST to the guest, then free (or free at once when the guest never
 * heard of it). */
void conn_reset(struct vsock_engine *e, struct vsock_conn *c);
void conn_finish_waiter(struct vsock_engine *e, struct vsock_conn *c,
			int result);
/* Owes the guest a CREDIT_UPDATE when its view of our free space is low. */
void conn_maybe_credit(struct vsock_conn *c);

/* host.c */
int host_side_open(struct vsock_engine *e);
void host_side_close(struct vsock_engine *e);
void conn_on_fd(void *opaque, int fd, uint32_t events);
/* Guest -> host data: to the fd now, the rest into the ring. */
void conn_write_host(struct vsock_engine *e, struct vsock_conn *c,
		     const uint8_t *p, size_t len);
/* Drains the ring; applies pending half-closes on the fd. */
void conn_flush(struct vsock_engine *e, struct vsock_conn *c);
/* The guest asks for host port `port`: a connected fd or -errno; for a
 * library listener also returns it in *l. */
int host_side_accept(struct vsock_engine *e, uint32_t port,
		     struct vsock_listener *l, int *user_fd);

#endif
