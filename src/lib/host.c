// SPDX-License-Identifier: MIT
/* The services devices get from the VM (host.h), shared by vm.c and the
 * fake host of the unit tests. */
#include "host.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* PVM registers its module as kvm_pvm; design.md section 6. */
bool charlie_host_is_pvm(void)
{
	return access("/sys/module/kvm_pvm", F_OK) == 0;
}

uint64_t host_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void host_init(struct host *h, const struct host_ops *ops,
	       const struct charlie_config *cfg, struct gm *gm,
	       struct loop *loop)
{
	memset(h, 0, sizeof(*h));
	h->ops = ops;
	h->cfg = cfg;
	h->gm = gm;
	h->loop = loop;
	bus_init(&h->pio, 0x10000);
	bus_init(&h->mmio, UINT64_MAX);
	pthread_mutex_init(&h->warn_lock, NULL);
}

void host_free(struct host *h)
{
	bus_free(&h->pio);
	bus_free(&h->mmio);
	free(h->cmdline_extra);
	h->cmdline_extra = NULL;
	free(h->cmdline_noacpi);
	h->cmdline_noacpi = NULL;
	pthread_mutex_destroy(&h->warn_lock);
}

static int window_added(struct host *h, int ret, const char *bus, uint64_t base,
			uint64_t len, const char *name)
{
	if (ret == -EEXIST)
		host_logf(h, CHARLIE_LOG_ERROR,
			  "%s window 0x%llx+0x%llx of %s overlaps another "
			  "device",
			  bus, (unsigned long long)base,
			  (unsigned long long)len, name);
	return ret;
}

int host_pio_add(struct host *h, uint16_t base, uint16_t len, const char *name,
		 const struct bus_ops *ops, void *opaque)
{
	return window_added(h, bus_add(&h->pio, base, len, name, ops, opaque),
			    "I/O port", base, len, name);
}

int host_mmio_add(struct host *h, uint64_t base, uint64_t len, const char *name,
		  const struct bus_ops *ops, void *opaque)
{
	return window_added(h, bus_add(&h->mmio, base, len, name, ops, opaque),
			    "MMIO", base, len, name);
}

unsigned int host_alloc_memslot(struct host *h)
{
	if (h->memslot_next < HOST_MEMSLOT_FIRST)
		h->memslot_next = HOST_MEMSLOT_FIRST;
	return h->memslot_next++;
}

void host_pio(struct host *h, uint16_t port, bool is_write, uint8_t *data,
	      unsigned int size)
{
	uint8_t bit = (uint8_t)(1u << (port & 7));
	bool hit = bus_access(&h->pio, port, is_write, data, size);

	if (h->trace)
		host_trace_access(h, false, port, is_write, data, size);
	if (hit)
		return;
	/* Nothing decodes this port: reads float high, writes vanish, as on
	 * a PC.  Said once per port (the guest's probes are expected). */
	if (!(__atomic_fetch_or(&h->pio_warned[port >> 3], bit,
				__ATOMIC_RELAXED) &
	      bit))
		host_logf(h, CHARLIE_LOG_DEBUG, "unhandled I/O port %s 0x%x",
			  is_write ? "write to" : "read from", port);
}

void host_mmio(struct host *h, uint64_t addr, bool is_write, uint8_t *data,
	       unsigned int size)
{
	bool say = true, full = false;
	bool hit = bus_access(&h->mmio, addr, is_write, data, size);

	if (h->trace)
		host_trace_access(h, true, addr, is_write, data, size);
	if (hit)
		return;
	pthread_mutex_lock(&h->warn_lock);
	/* nr_mmio_warned goes one past the table once it is full */
	for (unsigned int i = 0;
	     i < h->nr_mmio_warned && i < HOST_MMIO_WARNED && say; i++)
		if (h->mmio_warned[i] == addr)
			say = false;
	if (say) {
		if (h->nr_mmio_warned < HOST_MMIO_WARNED)
			h->mmio_warned[h->nr_mmio_warned++] = addr;
		else
			say = false;
		full = h->nr_mmio_warned == HOST_MMIO_WARNED;
		if (full)
			h->nr_mmio_warned++; /* say "no more" once */
	}
	pthread_mutex_unlock(&h->warn_lock);
	if (say)
		host_logf(h, CHARLIE_LOG_DEBUG,
			  "unhandled MMIO %s 0x%llx (%u bytes)%s",
			  is_write ? "write to" : "read from",
			  (unsigned long long)addr, size,
			  full ? "; further unhandled MMIO addresses are not "
				 "logged"
			       : "");
}

int host_describe(struct host *h, const struct host_platdev *d)
{
	if (h->nr_platdev >= HOST_MAX_PLATDEV)
		return -ENOSPC;
	h->platdev[h->nr_platdev++] = *d;
	return 0;
}

uint64_t host_alloc_mmio(struct host *h, uint64_t size)
{
	uint64_t base;

	if (!size || (size & (size - 1)) || size > (16ull << 20))
		return 0;
	if (!h->mmio_next)
		h->mmio_next = HOST_MMIO_POOL_START;
	base = (h->mmio_next + size - 1) & ~(size - 1);
	if (base >= HOST_MMIO_POOL_END || size > HOST_MMIO_POOL_END - base)
		return 0;
	h->mmio_next = base + size;
	return base;
}

int host_alloc_irq(struct host *h)
{
	static const uint8_t order[] = {16, 17, 18, 19, 20, 21, 22, 23,
					5,  6,	7,  10, 11, 12, 14, 15};

	if (h->irq_next >= sizeof(order))
		return -1;
	return order[h->irq_next++];
}

static int words_append(char **words, const char *s)
{
	size_t old = *words ? strlen(*words) : 0;
	char *n = realloc(*words, old + strlen(s) + 2);

	if (!n)
		return -ENOMEM;
	if (old)
		n[old++] = ' ';
	strcpy(n + old, s);
	*words = n;
	return 0;
}

int host_cmdline_append(struct host *h, const char *s)
{
	return words_append(&h->cmdline_extra, s);
}

int host_cmdline_append_noacpi(struct host *h, const char *s)
{
	return words_append(&h->cmdline_noacpi, s);
}

/* acpi=off as a whole word; Linux takes the last acpi=, so does this. */
bool host_cmdline_acpi_off(const char *cmdline)
{
	const char *p = cmdline;
	size_t n = strlen("acpi=off");
	bool off = false;

	while (p && *p) {
		size_t len;

		p += strspn(p, " \t\n");
		len = strcspn(p, " \t\n");
		if (len > 5 && !strncmp(p, "acpi=", 5))
			off = len == n && !strncmp(p, "acpi=off", n);
		p += len;
	}
	return off;
}

static void vlogf(struct host *h, enum charlie_log_level lvl, const char *fmt,
		  va_list ap, unsigned int suppressed)
{
	char line[1024];
	int n;

	if (!h->ops || !h->ops->log)
		return;
	n = vsnprintf(line, sizeof(line), fmt, ap);
	if (suppressed && n >= 0 && (size_t)n < sizeof(line))
		snprintf(line + n, sizeof(line) - (size_t)n,
			 " (%u similar lines suppressed)", suppressed);
	h->ops->log(h, lvl, line);
}

void host_logf(struct host *h, enum charlie_log_level lvl, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlogf(h, lvl, fmt, ap, 0);
	va_end(ap);
}

void host_log_ratelimited(struct host *h, struct ratelimit *rl,
			  enum charlie_log_level lvl, const char *fmt, ...)
{
	uint64_t now = host_now_ns();
	unsigned int suppressed = 0;
	bool say;
	va_list ap;

	pthread_mutex_lock(&rl->lock);
	say = !rl->last_ns || now - rl->last_ns >= rl->interval_ns;
	if (say) {
		rl->last_ns = now;
		suppressed = rl->suppressed;
		rl->suppressed = 0;
	} else {
		rl->suppressed++;
	}
	pthread_mutex_unlock(&rl->lock);
	if (!say)
		return;
	va_start(ap, fmt);
	vlogf(h, lvl, fmt, ap, suppressed);
	va_end(ap);
}

int host_alloc_msi_gsi(struct host *h)
{
	if (h->msi_next >= HOST_MSI_GSI_MAX)
		return -1;
	return HOST_MSI_GSI_BASE + (int)h->msi_next++;
}
