// SPDX-License-Identifier: MIT
/*
 * The ACPI platform device: writes the tables (tables.c) into guest RAM
 * and decodes the fixed-hardware PM registers (ACPI 6.5 section 4.8):
 * PM1a status/enable with the fixed-feature power button, PM1a control
 * with SLP_TYP/SLP_EN (S5 ends the VM), and the FADT reset register.
 * Register map and values: tables.h.
 *
 * It is the last entry of the device table: the DSDT describes every
 * device that called host_describe() before it.
 *
 * The power button (design.md section 8): Linux's ACPICA enables
 * PWRBTN_EN when the button driver installs its fixed-event handler, so
 * PWRBTN_EN going 0 -> 1 is the moment the guest starts listening.  A
 * press before that is held here (not in PWRBTN_STS, which the guest
 * clears while it initialises) and set in PWRBTN_STS when PWRBTN_EN
 * goes to 1.  The SCI (IRQ 9, level, active high: the MADT override) is
 * asserted while any enabled status bit is set.
 *
 * Guest writes are hostile input: any width at any offset of the block
 * is split into bytes and each register keeps only its defined bits.
 */
#include "device.h"
#include "acpi/tables.h"
#include "config.h"
#include "gm.h"
#include "pci/pci.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* Enable bits that read back as written (ACPICA checks that an enable
 * sticks, e.g. GBL_EN for the global lock); only PWRBTN has a source. */
#define EN_WRITABLE                                                            \
	(ACPI_PM1_TMR | ACPI_PM1_GBL | ACPI_PM1_PWRBTN | ACPI_PM1_SLPBTN |     \
	 ACPI_PM1_RTC | ACPI_PM1_PCIEXP)
/* Status bits a guest may clear (write 1). */
#define STS_DEFINED                                                            \
	(ACPI_PM1_TMR | ACPI_PM1_BM_STS | ACPI_PM1_GBL | ACPI_PM1_PWRBTN |     \
	 ACPI_PM1_SLPBTN | ACPI_PM1_RTC | ACPI_PM1_PCIEXP | ACPI_PM1_WAK)
/* Control bits that are stored; SCI_EN reads 1 always (no SMI_CMD, so
 * the platform is always in ACPI mode), GBL_RLS and SLP_EN are
 * write-only (read 0). */
#define CNT_STORED (ACPI_CNT_BM_RLD | ACPI_CNT_SLP_TYP)

struct acpi_pm {
	struct host *host;
	uint16_t base; /* ACPI_PM_BASE or ACPI_PCI_PM_BASE */
	pthread_mutex_t lock;
	uint16_t sts, en, cnt;
	bool held; /* a press waiting for PWRBTN_EN */
	int sci;   /* current SCI level */
	struct ratelimit sleep_rl, reset_rl;
};

/* PM_TMR (ACPI 6.5 section 4.8.3.3): 3,579,545 ticks per second from
 * CLOCK_MONOTONIC, 24 bits (TMR_VAL_EXT clear), free-running. */
static uint32_t pm_timer(void)
{
	uint64_t ns = host_now_ns();
	uint64_t t = ns / 1000000000ull * ACPI_PM_TMR_HZ +
		     ns % 1000000000ull * ACPI_PM_TMR_HZ / 1000000000ull;

	return (uint32_t)(t & 0xffffff);
}

/* With pm->lock held. */
static void update_sci(struct acpi_pm *pm)
{
	int level = (pm->sts & pm->en & EN_WRITABLE) != 0;

	if (level != pm->sci) {
		pm->sci = level;
		pm->host->ops->irq_line(pm->host, ACPI_SCI_IRQ, level);
	}
}

static void pm_read(void *opaque, uint64_t off, uint8_t *data, unsigned size)
{
	struct acpi_pm *pm = opaque;
	uint8_t regs[ACPI_PM_LEN] = {0};
	uint16_t cnt;
	uint32_t tmr = pm_timer();

	pthread_mutex_lock(&pm->lock);
	cnt = (uint16_t)((pm->cnt & CNT_STORED) | ACPI_CNT_SCI_EN);
	regs[0] = (uint8_t)pm->sts;
	regs[1] = (uint8_t)(pm->sts >> 8);
	regs[2] = (uint8_t)pm->en;
	regs[3] = (uint8_t)(pm->en >> 8);
	regs[4] = (uint8_t)cnt;
	regs[5] = (uint8_t)(cnt >> 8);
	for (unsigned int i = 0; i < ACPI_PM_TMR_LEN; i++)
		regs[ACPI_PM_TMR_OFF + i] = (uint8_t)(tmr >> (8 * i));
	pthread_mutex_unlock(&pm->lock);
	for (unsigned int i = 0; i < size && off + i < ACPI_PM_LEN; i++)
		data[i] = regs[off + i];
}

static void pm_write(void *opaque, uint64_t off, const uint8_t *data,
		     unsigned size)
{
	struct acpi_pm *pm = opaque;
	struct host *h = pm->host;
	uint16_t sts_m = 0, sts_v = 0, en_m = 0, en_v = 0, cnt_m = 0, cnt_v = 0;
	bool reset = false, bad_reset = false, sleep = false;
	bool listening = false, delivered = false;
	unsigned int slp_typ = 0;
	int reset_val = -1;

	/* Split the access into the bytes of each register. */
	for (unsigned int i = 0; i < size && off + i < ACPI_PM_LEN; i++) {
		unsigned int o = (unsigned int)off + i;
		uint16_t sh = (uint16_t)((o & 1) * 8);
		uint16_t m = (uint16_t)(0xffu << sh);
		uint16_t v = (uint16_t)(data[i] << sh);

		switch (o >> 1) {
		case 0:
			sts_m |= m;
			sts_v |= v;
			break;
		case 1:
			en_m |= m;
			en_v |= v;
			break;
		case 2:
			cnt_m |= m;
			cnt_v |= v;
			break;
		default:
			if (o == ACPI_RESET_OFF)
				reset_val = data[i];
			break; /* +7 reserved, +8 the timer: read-only */
		}
	}

	pthread_mutex_lock(&pm->lock);
	/* PM1_STS: write 1 to clear (section 4.8.3.1.1). */
	pm->sts &= (uint16_t) ~(sts_v & sts_m & STS_DEFINED);
	if (en_m) {
		uint16_t old = pm->en;

		pm->en = (uint16_t)((pm->en & ~en_m) |
				    (en_v & en_m & EN_WRITABLE));
		if (!(old & ACPI_PM1_PWRBTN) && (pm->en & ACPI_PM1_PWRBTN)) {
			listening = true;
			if (pm->held) {
				pm->held = false;
				pm->sts |= ACPI_PM1_PWRBTN;
				delivered = true;
			}
		}
	}
	if (cnt_m) {
		pm->cnt = (uint16_t)((pm->cnt & ~cnt_m) |
				     (cnt_v & cnt_m & CNT_STORED));
		/* SLP_EN: enter the sleep state in SLP_TYP (4.8.3.2.1) */
		if (cnt_v & cnt_m & ACPI_CNT_SLP_EN) {
			sleep = true;
			slp_typ = (pm->cnt & ACPI_CNT_SLP_TYP) >>
				  ACPI_CNT_SLP_TYP_SHIFT;
		}
	}
	update_sci(pm);
	pthread_mutex_unlock(&pm->lock);

	if (reset_val == ACPI_RESET_VALUE)
		reset = true;
	else if (reset_val >= 0)
		bad_reset = true;
	if (listening)
		h->ops->event(h, HOST_EV_BUTTON_LISTENING);
	if (delivered)
		h->ops->event(h, HOST_EV_BUTTON_PRESSED);
	if (sleep &&
	    (slp_typ == ACPI_SLP_TYP_S5 || slp_typ == ACPI_SLP_TYP_S5_ALT))
		h->ops->request_end(h, CHARLIE_STOP_POWEROFF,
				    "guest powered off");
	else if (sleep)
		host_log_ratelimited(h, &pm->sleep_rl, CHARLIE_LOG_WARN,
				     "the guest asked for sleep type %u, "
				     "which this platform does not offer "
				     "(only S5 = %u); ignored",
				     slp_typ, ACPI_SLP_TYP_S5);
	if (reset)
		h->ops->request_end(h, CHARLIE_STOP_REBOOT,
				    "guest rebooted (ACPI reset)");
	else if (bad_reset)
		host_log_ratelimited(h, &pm->reset_rl, CHARLIE_LOG_DEBUG,
				     "ACPI reset register: value 0x%02x "
				     "ignored (0x%02x resets)",
				     reset_val, ACPI_RESET_VALUE);
}

static const struct bus_ops pm_bus = {.read = pm_read, .write = pm_write};

/* host_button.press: deliver now, or hold until PWRBTN_EN. */
static int pm_press(void *opaque)
{
	struct acpi_pm *pm = opaque;
	bool held;

	pthread_mutex_lock(&pm->lock);
	held = !(pm->en & ACPI_PM1_PWRBTN);
	if (held)
		pm->held = true;
	else
		pm->sts |= ACPI_PM1_PWRBTN;
	update_sci(pm);
	pthread_mutex_unlock(&pm->lock);
	if (held)
		pm->host->ops->event(pm->host, HOST_EV_BUTTON_HELD);
	return 0;
}

static bool pm_listening(void *opaque)
{
	struct acpi_pm *pm = opaque;
	bool l;

	pthread_mutex_lock(&pm->lock);
	l = (pm->en & ACPI_PM1_PWRBTN) != 0;
	pthread_mutex_unlock(&pm->lock);
	return l;
}

static void pm_reset(void *state)
{
	struct acpi_pm *pm = state;

	pthread_mutex_lock(&pm->lock);
	pm->sts = pm->en = pm->cnt = 0;
	pm->held = false;
	update_sci(pm);
	pthread_mutex_unlock(&pm->lock);
}

static void pm_destroy(void *state)
{
	struct acpi_pm *pm = state;

	if (pm->host->button.opaque == pm)
		memset(&pm->host->button, 0, sizeof(pm->host->button));
	if (pm->host->acpi_tables) {
		acpi_tables_free(pm->host->acpi_tables);
		free(pm->host->acpi_tables);
		pm->host->acpi_tables = NULL;
	}
	pthread_mutex_destroy(&pm->lock);
	pthread_mutex_destroy(&pm->sleep_rl.lock);
	pthread_mutex_destroy(&pm->reset_rl.lock);
	free(pm);
}

/* The PCI host bridge's windows for the DSDT: 32-bit from the end of
 * low RAM to OVMF's limit (below the virtio-mmio pool when virtio-mmio
 * devices exist), 64-bit from above RAM to the physical address limit:
 * wherever firmware or charlie (pci.c) places BARs, _CRS covers them. */
static void pci_windows(struct host *h, struct acpi_build_in *in)
{
	const struct gm *gm = h->gm;
	uint64_t top = GM_HIGH_RAM_START, limit = 1ull << pci_phys_bits();
	bool mmio_devs = false;

	for (unsigned int i = 0; i < h->nr_platdev; i++)
		if (h->platdev[i].mmio_len &&
		    h->platdev[i].mmio_base >= HOST_MMIO_POOL_START)
			mmio_devs = true;
	in->pci = true;
	in->pci_mem32_base = gm_low_end(gm);
	if (in->pci_mem32_base > PCI_MEM32_PLACE_START)
		in->pci_mem32_base = PCI_MEM32_PLACE_START;
	in->pci_mem32_end =
		(mmio_devs ? HOST_MMIO_POOL_START : PCI_MEM32_WINDOW_END) - 1;
	for (unsigned int r = 0; r < gm->nr; r++)
		if (gm->r[r].gpa + gm->r[r].size > top)
			top = gm->r[r].gpa + gm->r[r].size;
	top = (top + (1ull << 30) - 1) & ~((1ull << 30) - 1);
	if (top < limit) {
		in->pci_mem64_base = top;
		in->pci_mem64_end = limit - 1;
	}
}

void acpi_host_build_in(struct host *h, struct acpi_build_in *in)
{
	*in = (struct acpi_build_in){
		.base = ACPI_TABLES_ADDR,
		.cpus = h->cfg->cpus,
		.dev = h->platdev,
		.nr_dev = h->nr_platdev,
		.pm_base = config_pci_platform(h->cfg) ? ACPI_PCI_PM_BASE
						       : ACPI_PM_BASE,
	};
	if (h->pci)
		pci_windows(h, in);
}

static int write_tables(struct host *h, struct charlie_error *err)
{
	struct acpi_build_in in;
	struct acpi_tables t;
	int ret;

	acpi_host_build_in(h, &in);
	ret = acpi_build_tables(&in, &t);

	if (ret) {
		host_logf(h, CHARLIE_LOG_ERROR, "ACPI tables: %s",
			  ret == -E2BIG	   ? "more than 64 KiB"
			  : ret == -EINVAL ? "a device cannot be described"
					   : "out of memory");
		return ret;
	}
	ret = gm_write(h->gm, t.base, t.buf, t.len);
	if (!ret)
		h->acpi_rsdp = t.rsdp;
	else
		host_logf(h, CHARLIE_LOG_ERROR,
			  "ACPI tables: no guest RAM at 0x%llx",
			  (unsigned long long)t.base);
	/* kept for the firmware's fw_cfg (fw/fw_cfg_dev.c), freed with the
	 * device */
	if (!ret && h->cfg->efi.enabled) {
		h->acpi_tables = malloc(sizeof(t));
		if (h->acpi_tables) {
			*h->acpi_tables = t;
			return 0;
		}
	}
	acpi_tables_free(&t);
	return ret;
}

static int pm_create(struct host *h, const void *param, unsigned int idx,
		     void **state, struct charlie_error *err)
{
	struct acpi_pm *pm = calloc(1, sizeof(*pm));
	int ret;

	*state = pm;
	if (!pm)
		return -ENOMEM;
	pm->host = h;
	pthread_mutex_init(&pm->lock, NULL);
	pm->sleep_rl.interval_ns = pm->reset_rl.interval_ns = 1000000000ull;
	pthread_mutex_init(&pm->sleep_rl.lock, NULL);
	pthread_mutex_init(&pm->reset_rl.lock, NULL);
	pm->base =
		config_pci_platform(h->cfg) ? ACPI_PCI_PM_BASE : ACPI_PM_BASE;
	ret = host_pio_add(h, pm->base, ACPI_PM_LEN, "acpi-pm", &pm_bus, pm);
	if (!ret)
		ret = write_tables(h, err);
	if (ret)
		return ret;
	h->button.opaque = pm;
	h->button.press = pm_press;
	h->button.listening = pm_listening;
	return 0;
}

const struct device_ops acpi_pm_ops = {
	.name = "acpi",
	.create = pm_create,
	.reset = pm_reset,
	.destroy = pm_destroy,
};
