/* SPDX-License-Identifier: MIT */
/*
 * A VM-less host for device unit tests (design.md section 12): real
 * buses and event loop, no KVM.  It records interrupt levels, console
 * bytes, the end request, events and log lines.
 */
#ifndef CHARLIE_TEST_FAKE_HOST_H
#define CHARLIE_TEST_FAKE_HOST_H

#include "device.h"
#include "host.h"
#include "gm.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

struct fake_host {
	struct host h; /* first: the ops cast back */
	struct charlie_config cfg;
	struct loop loop;
	struct gm gm; /* 2 MiB of RAM: the low area firmware tables use */
	int irq[32];  /* current level per GSI */
	unsigned int irq_edges[32]; /* 0 -> 1 transitions */
	char console[4096];
	size_t console_len;
	enum charlie_stop_reason end;
	char end_summary[256];
	unsigned int events[8];
	unsigned int log_lines;
	char last_log[1024];
};

static inline struct fake_host *fh_of(struct host *h)
{
	return (struct fake_host *)h;
}

static inline void fh_irq_line(struct host *h, unsigned int gsi, int level)
{
	struct fake_host *f = fh_of(h);

	if (gsi >= 32)
		abort();
	if (level && !f->irq[gsi])
		f->irq_edges[gsi]++;
	f->irq[gsi] = level;
}

static inline int fh_irqfd(struct host *h, unsigned int gsi, int efd,
			   bool assign)
{
	return 0;
}

static inline int fh_ioeventfd(struct host *h, uint64_t addr, unsigned int len,
			       bool pio, int efd, bool assign)
{
	return 0;
}

static inline void fh_console_out(struct host *h, const uint8_t *buf,
				  size_t len)
{
	struct fake_host *f = fh_of(h);

	for (size_t i = 0; i < len && f->console_len < sizeof(f->console) - 1;
	     i++)
		f->console[f->console_len++] = (char)buf[i];
}

static inline void fh_request_end(struct host *h,
				  enum charlie_stop_reason reason,
				  const char *summary)
{
	struct fake_host *f = fh_of(h);

	if (f->end == CHARLIE_STOP_NONE) {
		f->end = reason;
		snprintf(f->end_summary, sizeof(f->end_summary), "%s", summary);
	}
}

static inline void fh_event(struct host *h, enum host_event ev)
{
	fh_of(h)->events[ev]++;
}

static inline void fh_log(struct host *h, enum charlie_log_level lvl,
			  const char *line)
{
	struct fake_host *f = fh_of(h);

	f->log_lines++;
	snprintf(f->last_log, sizeof(f->last_log), "%s", line);
}

static const struct host_ops fake_host_ops = {
	.irq_line = fh_irq_line,
	.irqfd = fh_irqfd,
	.ioeventfd = fh_ioeventfd,
	.console_out = fh_console_out,
	.request_end = fh_request_end,
	.event = fh_event,
	.log = fh_log,
};

static inline struct fake_host *fake_host_new(void)
{
	struct fake_host *f = calloc(1, sizeof(*f));

	charlie_config_init(&f->cfg);
	loop_init(&f->loop);
	if (gm_init(&f->gm, 2ull << 20))
		abort();
	host_init(&f->h, &fake_host_ops, &f->cfg, &f->gm, &f->loop);
	return f;
}

static inline void fake_host_free(struct fake_host *f)
{
	host_free(&f->h);
	loop_free(&f->loop);
	gm_free(&f->gm);
	free(f);
}

#endif
