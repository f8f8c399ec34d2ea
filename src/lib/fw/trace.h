/* SPDX-License-Identifier: MIT */
/*
 * Bring-up diagnostics for firmware (issue 12; Debian's OVMF is a RELEASE
 * build: every mistake is a silent hang):
 *  - --trace-exits: every PIO and MMIO access that reaches charlie, one
 *    stable line each, in the order the vCPUs made them:
 *      [trace] pio w 0x0cf8 4 0x80000000
 *      [trace] mmio r 0x00000000ffc00010 1 0x00
 *    (PCI configuration accesses are the CF8/CFC port lines.)
 *  - the stall watchdog: when for N seconds the guest wrote nothing to
 *    its console and touched no port or MMIO page it had not touched
 *    before, one warning with RIP and the last access; again only after
 *    progress.  It watches the firmware phase: it stops at the boot
 *    marker.
 */
#ifndef CHARLIE_FW_TRACE_H
#define CHARLIE_FW_TRACE_H

#include "host.h"

#include <stdint.h>

/* The RIP of the boot vCPU at its last exit (0 when unknown). */
typedef uint64_t (*host_trace_rip_fn)(void *opaque);

/* Sets up h->trace: `path` NULL (no lines), "-" (stderr) or a file;
 * stall_seconds 0: no watchdog.  Errors: TRACE. */
int host_trace_init(struct host *h, const char *path, unsigned int stall_s,
		    host_trace_rip_fn rip, void *opaque,
		    struct charlie_error *err);
/* Starts the watchdog thread (when asked for). */
int host_trace_start(struct host *h);
/* The firmware phase is over (the boot marker): the watchdog stops. */
void host_trace_fw_done(struct host *h);
void host_trace_free(struct host *h);

#endif
