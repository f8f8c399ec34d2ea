// SPDX-License-Identifier: MIT
/* --trace-exits and the firmware stall watchdog (trace.h). */
#include "fw/trace.h"
#include "err.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SEEN_PAGES 1024 /* MMIO pages remembered as "touched before" */

struct host_trace {
	FILE *out;
	bool own_out;
	pthread_mutex_t lock; /* lines, the seen sets, the last access */
	unsigned int stall_s;
	host_trace_rip_fn rip;
	void *rip_opaque;
	uint64_t progress_ns;
	bool last_mmio, last_write, have_last;
	uint64_t last_addr;
	unsigned int last_size;
	uint8_t pio_seen[65536 / 8];
	uint64_t page_seen[SEEN_PAGES]; /* page + 1; 0 = empty */
	/* the watchdog thread */
	pthread_t thread;
	bool thread_started, quit, fw_done;
	pthread_cond_t cond;
};

int host_trace_init(struct host *h, const char *path, unsigned int stall_s,
		    host_trace_rip_fn rip, void *opaque,
		    struct charlie_error *err)
{
	struct host_trace *t;

	if (!path && !stall_s)
		return 0;
	t = calloc(1, sizeof(*t));
	if (!t)
		return err_set(err, CHARLIE_E_HOST, "", "out of memory");
	if (path && !strcmp(path, "-")) {
		t->out = stderr;
	} else if (path) {
		t->out = fopen(path, "we");
		if (!t->out) {
			int e = errno;

			free(t);
			return err_set(err, CHARLIE_E_TRACE, "trace-exits",
				       "trace-exits %s: cannot open: %s", path,
				       strerror(e));
		}
		t->own_out = true;
	}
	pthread_mutex_init(&t->lock, NULL);
	pthread_cond_init(&t->cond, NULL);
	t->stall_s = stall_s;
	t->rip = rip;
	t->rip_opaque = opaque;
	t->progress_ns = host_now_ns();
	h->trace = t;
	return 0;
}

/* Under t->lock: true when the page was not seen before (and is now). */
static bool page_new(struct host_trace *t, uint64_t addr)
{
	uint64_t key = (addr >> 12) + 1;
	unsigned int i =
		(unsigned int)(key * 0x9e3779b97f4a7c15ull >> 54) % SEEN_PAGES;

	for (unsigned int n = 0; n < SEEN_PAGES;
	     n++, i = (i + 1) % SEEN_PAGES) {
		if (t->page_seen[i] == key)
			return false;
		if (!t->page_seen[i]) {
			t->page_seen[i] = key;
			return true;
		}
	}
	return false; /* full: no more progress from new pages */
}

void host_trace_access(struct host *h, bool mmio, uint64_t addr, bool is_write,
		       const uint8_t *data, unsigned int size)
{
	struct host_trace *t = h->trace;
	uint64_t v = 0;
	bool fresh;

	if (!t)
		return;
	/* watchdog only, firmware phase over: nothing to record */
	if (!t->out && __atomic_load_n(&t->fw_done, __ATOMIC_RELAXED))
		return;
	for (unsigned int i = 0; i < size && i < 8; i++)
		v |= (uint64_t)data[i] << (8 * i);
	pthread_mutex_lock(&t->lock);
	if (mmio) {
		fresh = page_new(t, addr);
	} else {
		uint8_t bit = (uint8_t)(1u << (addr & 7));

		fresh = !(t->pio_seen[(addr & 0xffff) >> 3] & bit);
		t->pio_seen[(addr & 0xffff) >> 3] |= bit;
	}
	if (fresh)
		t->progress_ns = host_now_ns();
	t->have_last = true;
	t->last_mmio = mmio;
	t->last_write = is_write;
	t->last_addr = addr;
	t->last_size = size;
	if (t->out) {
		if (mmio)
			fprintf(t->out,
				"[trace] mmio %c 0x%016llx %u 0x%0*llx\n",
				is_write ? 'w' : 'r', (unsigned long long)addr,
				size, (int)(2 * size), (unsigned long long)v);
		else
			fprintf(t->out, "[trace] pio %c 0x%04llx %u 0x%0*llx\n",
				is_write ? 'w' : 'r', (unsigned long long)addr,
				size, (int)(2 * size), (unsigned long long)v);
	}
	pthread_mutex_unlock(&t->lock);
}

void host_trace_progress(struct host *h)
{
	struct host_trace *t = h->trace;

	if (!t || __atomic_load_n(&t->fw_done, __ATOMIC_RELAXED))
		return;
	pthread_mutex_lock(&t->lock);
	t->progress_ns = host_now_ns();
	pthread_mutex_unlock(&t->lock);
}

static void *watchdog(void *arg)
{
	struct host *h = arg;
	struct host_trace *t = h->trace;
	uint64_t warned_at = 0;

	pthread_mutex_lock(&t->lock);
	while (!t->quit) {
		struct timespec ts;
		uint64_t now = host_now_ns(), idle;

		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += 1;
		pthread_cond_timedwait(&t->cond, &t->lock, &ts);
		if (t->quit || t->fw_done)
			continue;
		now = host_now_ns();
		idle = now - t->progress_ns;
		if (idle < (uint64_t)t->stall_s * 1000000000ull ||
		    warned_at == t->progress_ns)
			continue;
		warned_at = t->progress_ns;
		{
			char last[96] = "none";
			bool mmio = t->last_mmio, w = t->last_write;
			uint64_t a = t->last_addr;
			unsigned int sz = t->last_size;

			if (t->have_last)
				snprintf(last, sizeof(last),
					 "%s %s 0x%llx (%u "
					 "bytes)",
					 mmio ? "MMIO" : "port",
					 w ? "write to" : "read from",
					 (unsigned long long)a, sz);
			pthread_mutex_unlock(&t->lock);
			host_logf(
				h, CHARLIE_LOG_WARN,
				"firmware stall: no console output, no "
				"device request and no new port or MMIO page "
				"for %llu s; RIP "
				"0x%llx, last access: %s",
				(unsigned long long)(idle / 1000000000ull),
				(unsigned long long)(t->rip ? t->rip(t->rip_opaque)
							    : 0),
				last);
			pthread_mutex_lock(&t->lock);
		}
	}
	pthread_mutex_unlock(&t->lock);
	return NULL;
}

int host_trace_start(struct host *h)
{
	struct host_trace *t = h->trace;

	if (!t || !t->stall_s || t->thread_started)
		return 0;
	if (pthread_create(&t->thread, NULL, watchdog, h))
		return -EAGAIN;
	t->thread_started = true;
	return 0;
}

void host_trace_fw_done(struct host *h)
{
	struct host_trace *t = h->trace;

	if (!t)
		return;
	pthread_mutex_lock(&t->lock);
	__atomic_store_n(&t->fw_done, true, __ATOMIC_RELAXED);
	pthread_mutex_unlock(&t->lock);
}

void host_trace_free(struct host *h)
{
	struct host_trace *t = h->trace;

	if (!t)
		return;
	if (t->thread_started) {
		pthread_mutex_lock(&t->lock);
		t->quit = true;
		pthread_cond_signal(&t->cond);
		pthread_mutex_unlock(&t->lock);
		pthread_join(t->thread, NULL);
	}
	if (t->out)
		fflush(t->out);
	if (t->own_out)
		fclose(t->out);
	pthread_cond_destroy(&t->cond);
	pthread_mutex_destroy(&t->lock);
	free(t);
	h->trace = NULL;
}
