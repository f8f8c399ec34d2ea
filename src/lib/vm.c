// SPDX-License-Identifier: MIT
/*
 * The VM: lifecycle state machine, port-I/O dispatch, console plumbing and
 * the event loop thread (console input, vCPU exit notification).
 * States: created -> starting -> running -> stopping -> stopped | error.
 */
#include "vm.h"
#include "err.h"
#include "config.h"
#include "arch/x86/layout.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

/* Addresses KVM needs for Intel's real-mode helpers; unused RAM-less
 * space just below the 4 GiB BIOS area (as QEMU and kvmtool do). */
#define KVM_IDENTITY_MAP_ADDR 0xfeffc000ull
#define KVM_TSS_ADDR 0xfeffd000ull

uint64_t vm_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void vm_mark(struct vm *vm, uint64_t *slot)
{
	uint64_t zero = 0, now;

	if (__atomic_load_n(slot, __ATOMIC_RELAXED))
		return;
	now = vm_now_ns();
	__atomic_compare_exchange_n(slot, &zero, now, false, __ATOMIC_SEQ_CST,
				    __ATOMIC_SEQ_CST);
}

void vm_log(struct vm *vm, enum charlie_log_level lvl, const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	if (!vm->cb.log)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	vm->cb.log(vm->cb.opaque, lvl, line);
}

const char *charlie_state_name(enum charlie_state s)
{
	static const char *const n[] = {
		[CHARLIE_STATE_CREATED] = "created",
		[CHARLIE_STATE_STARTING] = "starting",
		[CHARLIE_STATE_RUNNING] = "running",
		[CHARLIE_STATE_STOPPING] = "stopping",
		[CHARLIE_STATE_STOPPED] = "stopped",
		[CHARLIE_STATE_ERROR] = "error",
	};
	if ((unsigned int)s >= sizeof(n) / sizeof(n[0]))
		return "unknown";
	return n[s];
}

/* Must be called without vm->lock: the callback may call back in. */
static void set_state(struct vm *vm, enum charlie_state to)
{
	enum charlie_state from;

	pthread_mutex_lock(&vm->lock);
	from = vm->state;
	vm->state = to;
	pthread_cond_broadcast(&vm->cond);
	pthread_mutex_unlock(&vm->lock);
	if (from != to && vm->cb.state_changed)
		vm->cb.state_changed(vm->cb.opaque, from, to);
}

enum charlie_state charlie_vm_state(const struct charlie_vm *cvm)
{
	struct vm *vm = (struct vm *)cvm;
	enum charlie_state s;

	pthread_mutex_lock(&vm->lock);
	s = vm->state;
	pthread_mutex_unlock(&vm->lock);
	return s;
}

void charlie_vm_timeline(const struct charlie_vm *cvm,
			 struct charlie_timeline *t)
{
	const struct vm *vm = (const struct vm *)cvm;

	const uint64_t *src = (const uint64_t *)&vm->tl;
	uint64_t *dst = (uint64_t *)t;

	/* every field is a uint64_t written once with vm_mark() */
	for (size_t i = 0; i < sizeof(*t) / sizeof(uint64_t); i++)
		dst[i] = __atomic_load_n(&src[i], __ATOMIC_SEQ_CST);
}

/* ---- port I/O ---- */

int vm_add_pio(struct vm *vm, const struct pio_dev *dev)
{
	if (vm->nr_pio >= VM_MAX_PIO)
		return -ENOSPC;
	vm->pio[vm->nr_pio++] = *dev;
	return 0;
}

void vm_pio(struct vm *vm, uint16_t port, bool is_write, uint8_t *data,
	    unsigned size)
{
	for (unsigned int i = 0; i < vm->nr_pio; i++) {
		struct pio_dev *d = &vm->pio[i];

		if (port < d->base || port - d->base >= d->len)
			continue;
		if (is_write) {
			if (d->write)
				d->write(d->opaque, (uint16_t)(port - d->base),
					 data, size);
		} else if (d->read) {
			d->read(d->opaque, (uint16_t)(port - d->base), data,
				size);
		} else {
			memset(data, 0xff, size);
		}
		return;
	}
	/* Nothing decodes this port: reads float high, writes vanish, as on
	 * a PC.  Said once per port (the guest's probes are expected). */
	if (!is_write)
		memset(data, 0xff, size);
	uint8_t bit = (uint8_t)(1u << (port & 7));

	if (!(__atomic_fetch_or(&vm->pio_warned[port >> 3], bit,
				__ATOMIC_RELAXED) &
	      bit))
		vm_log(vm, CHARLIE_LOG_DEBUG, "unhandled I/O port %s 0x%x",
		       is_write ? "write to" : "read from", port);
}

void vm_mmio(struct vm *vm, uint64_t addr, bool is_write, uint8_t *data,
	     unsigned size)
{
	static const uint8_t ones[8] = { 0xff, 0xff, 0xff, 0xff,
					 0xff, 0xff, 0xff, 0xff };

	if (!is_write)
		memcpy(data, ones, size);
	vm_log(vm, CHARLIE_LOG_DEBUG, "unhandled MMIO %s 0x%llx (%u bytes)",
	       is_write ? "write to" : "read from", (unsigned long long)addr,
	       size);
}

void vm_irq_line(struct vm *vm, unsigned int irq, int level)
{
	struct kvm_irq_level l = { .irq = irq, .level = (uint32_t)level };

	if (ioctl(vm->vm_fd, KVM_IRQ_LINE, &l) < 0)
		vm_log(vm, CHARLIE_LOG_WARN, "KVM_IRQ_LINE %u failed: %s", irq,
		       strerror(errno));
}

/* The boot marker port (CHARLIE_BOOT_MARKER_PORT). */
static void marker_write(void *opaque, uint16_t off, const uint8_t *data,
			 unsigned size)
{
	struct vm *vm = opaque;

	if (data[0] != CHARLIE_BOOT_MARKER_VALUE)
		return;
	if (!vm->tl.boot_marker) {
		vm_mark(vm, &vm->tl.boot_marker);
		vm_log(vm, CHARLIE_LOG_DEBUG, "guest wrote the boot marker");
	}
}

int marker_create(struct vm *vm)
{
	struct pio_dev d = {
		.name = "boot-marker",
		.base = CHARLIE_BOOT_MARKER_PORT,
		.len = 1,
		.opaque = vm,
		.write = marker_write,
	};
	return vm_add_pio(vm, &d);
}

/* ---- console ---- */

void vm_console_out(struct vm *vm, const uint8_t *buf, size_t len)
{
	vm_mark(vm, &vm->tl.first_console_byte);
	if (vm->cfg.console_out_fd >= 0) {
		size_t done = 0;

		while (done < len) {
			ssize_t n = write(vm->cfg.console_out_fd, buf + done,
					  len - done);
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				break; /* a closed console must not stop the VM */
			done += (size_t)n;
		}
	}
	if (vm->cb.console)
		vm->cb.console(vm->cb.opaque, buf, len);
	pthread_mutex_lock(&vm->lock);
	for (size_t i = 0; i < len; i++)
		vm->con_tail[vm->con_len++ % CON_TAIL_SIZE] = (char)buf[i];
	pthread_mutex_unlock(&vm->lock);
}

void vm_console_tail(struct vm *vm, char *buf, size_t size, int lines)
{
	char tmp[CON_TAIL_SIZE + 1];
	size_t n, start, o = 0;
	char *p, *line;
	int count = 0;

	pthread_mutex_lock(&vm->lock);
	n = vm->con_len < CON_TAIL_SIZE ? vm->con_len : CON_TAIL_SIZE;
	start = vm->con_len - n;
	for (size_t i = 0; i < n; i++)
		tmp[i] = vm->con_tail[(start + i) % CON_TAIL_SIZE];
	pthread_mutex_unlock(&vm->lock);
	tmp[n] = 0;
	buf[0] = 0;
	/* find the start of the last `lines` non-empty lines */
	p = tmp + n;
	while (p > tmp && (p[-1] == '\n' || p[-1] == '\r'))
		p--;
	*p = 0;
	while (p > tmp) {
		p--;
		if (*p == '\n' && ++count >= lines) {
			p++;
			break;
		}
	}
	for (line = strtok(p, "\n"); line; line = strtok(NULL, "\n")) {
		size_t l = strlen(line);

		/* console lines carry \r and control bytes: keep it printable */
		if (l && line[l - 1] == '\r')
			line[--l] = 0;
		for (size_t i = 0; i < l; i++)
			if ((unsigned char)line[i] < 0x20 && line[i] != '\t')
				line[i] = '?';
		int w = snprintf(buf + o, size - o, "  | %s\n", line);

		if (w < 0 || (size_t)w >= size - o)
			break;
		o += (size_t)w;
	}
}

/* ---- ending ---- */

void vm_request_end(struct vm *vm, enum charlie_stop_reason reason,
		    const char *summary, const char *report)
{
	static const int codes[] = {
		[CHARLIE_STOP_NONE] = CHARLIE_EXIT_HOST,
		[CHARLIE_STOP_POWEROFF] = CHARLIE_EXIT_POWEROFF,
		[CHARLIE_STOP_REBOOT] = CHARLIE_EXIT_POWEROFF,
		[CHARLIE_STOP_FORCED] = CHARLIE_EXIT_FORCED,
		[CHARLIE_STOP_CRASH] = CHARLIE_EXIT_CRASH,
		[CHARLIE_STOP_HOST_ERROR] = CHARLIE_EXIT_HOST,
	};
	bool first;

	pthread_mutex_lock(&vm->lock);
	first = !vm->stop_set;
	if (first) {
		vm->stop_set = true;
		vm->stop.reason = reason;
		vm->stop.exit_code = codes[reason];
		snprintf(vm->stop.summary, sizeof(vm->stop.summary), "%s",
			 summary ? summary : "");
		snprintf(vm->stop.report, sizeof(vm->stop.report), "%s",
			 report ? report : "");
	}
	pthread_mutex_unlock(&vm->lock);
	if (!first)
		return;
	if (charlie_vm_state((struct charlie_vm *)vm) == CHARLIE_STATE_RUNNING)
		set_state(vm, CHARLIE_STATE_STOPPING);
	for (unsigned int i = 0; i < vm->nr_vcpus; i++)
		vcpu_kick(&vm->vcpus[i]);
}

/* ---- event loop ---- */

static void finish(struct vm *vm)
{
	struct charlie_stop_info *info = malloc(sizeof(*info));
	bool report;

	vm_mark(vm, &vm->tl.stopped);
	pthread_mutex_lock(&vm->lock);
	report = !vm->stopped_reported;
	vm->stopped_reported = true;
	if (info)
		*info = vm->stop;
	pthread_mutex_unlock(&vm->lock);
	if (report && info && vm->cb.guest_stopped)
		vm->cb.guest_stopped(vm->cb.opaque, info);
	set_state(vm, info && info->reason == CHARLIE_STOP_HOST_ERROR
			      ? CHARLIE_STATE_ERROR
			      : CHARLIE_STATE_STOPPED);
	free(info);
}

static void *loop_thread(void *arg)
{
	struct vm *vm = arg;
	struct epoll_event ev[4];
	uint8_t buf[256];

	pthread_setname_np(pthread_self(), "charlie-loop");
	for (;;) {
		int n = epoll_wait(vm->epfd, ev, 4, -1);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		for (int i = 0; i < n; i++) {
			if (ev[i].data.fd == vm->wake_fd) {
				uint64_t v;

				if (read(vm->wake_fd, &v, sizeof(v)) < 0)
					(void)0;
				if (atomic_load(&vm->vcpus_running) == 0) {
					finish(vm);
					return NULL;
				}
				continue;
			}
			ssize_t r = read(ev[i].data.fd, buf, sizeof(buf));

			if (r > 0) {
				uart_rx(vm, buf, (size_t)r);
			} else if (r == 0 || (errno != EINTR &&
					      errno != EAGAIN)) {
				/* console input closed: keep running */
				epoll_ctl(vm->epfd, EPOLL_CTL_DEL,
					  ev[i].data.fd, NULL);
			}
		}
	}
	finish(vm);
	return NULL;
}

/* ---- lifecycle ---- */

static void kick_handler(int sig)
{
	(void)sig;
}

static int open_kvm(struct vm *vm, struct charlie_error *err)
{
	vm->kvm_fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (vm->kvm_fd < 0)
		return err_set(err, CHARLIE_E_KVM, "kvm",
			       "cannot open /dev/kvm: %s%s", strerror(errno),
			       errno == EACCES
				       ? " (add this user to the kvm group)"
			       : errno == ENOENT
				       ? " (no KVM: load kvm_intel or kvm_amd, "
					 "or enable virtualization)"
				       : "");
	if (ioctl(vm->kvm_fd, KVM_GET_API_VERSION, 0) != KVM_API_VERSION)
		return err_set(err, CHARLIE_E_KVM, "kvm",
			       "/dev/kvm speaks an unexpected API version");
	if (ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_IMMEDIATE_EXIT) <= 0)
		return err_set(err, CHARLIE_E_KVM, "kvm",
			       "/dev/kvm lacks KVM_CAP_IMMEDIATE_EXIT (Linux "
			       "4.11+ needed)");
	vm->vm_fd = ioctl(vm->kvm_fd, KVM_CREATE_VM, 0);
	if (vm->vm_fd < 0)
		return err_set(err, CHARLIE_E_KVM, "kvm",
			       "KVM_CREATE_VM failed: %s", strerror(errno));
	return 0;
}

static int setup_memory(struct vm *vm, struct charlie_error *err)
{
	int ret = gm_init(&vm->gm, vm->cfg.memory);

	if (ret)
		return err_set(err, CHARLIE_E_HOST, "memory",
			       "memory: cannot map %llu MiB: %s",
			       (unsigned long long)(vm->cfg.memory >> 20),
			       strerror(-ret));
	for (unsigned int i = 0; i < vm->gm.nr; i++) {
		struct kvm_userspace_memory_region r = {
			.slot = i,
			.guest_phys_addr = vm->gm.r[i].gpa,
			.memory_size = vm->gm.r[i].size,
			.userspace_addr = (uintptr_t)vm->gm.r[i].host,
		};
		if (ioctl(vm->vm_fd, KVM_SET_USER_MEMORY_REGION, &r) < 0)
			return err_set(err, CHARLIE_E_KVM, "memory",
				       "KVM_SET_USER_MEMORY_REGION failed: %s",
				       strerror(errno));
	}
	return 0;
}

static int setup_irqchip(struct vm *vm, struct charlie_error *err)
{
	struct kvm_pit_config pit = { .flags = 0 };
	uint64_t ident = KVM_IDENTITY_MAP_ADDR;

	/* Intel-only helpers; AMD and PVM may refuse, which is fine. */
	ioctl(vm->vm_fd, KVM_SET_IDENTITY_MAP_ADDR, &ident);
	ioctl(vm->vm_fd, KVM_SET_TSS_ADDR, (unsigned long)KVM_TSS_ADDR);
	if (ioctl(vm->vm_fd, KVM_CREATE_IRQCHIP, 0) < 0)
		return err_set(err, CHARLIE_E_KVM, "kvm",
			       "KVM_CREATE_IRQCHIP failed: %s",
			       strerror(errno));
	if (ioctl(vm->vm_fd, KVM_CREATE_PIT2, &pit) < 0)
		return err_set(err, CHARLIE_E_KVM, "kvm",
			       "KVM_CREATE_PIT2 failed: %s", strerror(errno));
	return 0;
}

static int check_kernel(struct vm *vm, struct kernel_image *img,
			struct charlie_error *err)
{
	uint64_t initrd_size;
	int ret;

	ret = config_check_basic(&vm->cfg, &initrd_size, err);
	if (ret)
		return ret;
	ret = kernel_read_file(vm->kernel_path, img, err);
	if (ret)
		return ret;
	ret = kernel_probe(img, &vm->krep);
	if (ret) {
		if (err)
			*err = vm->krep.err;
		return ret;
	}
	ret = kernel_check_fit(&vm->krep, vm->kernel_path, vm->cfg.memory,
			       vm->cmdline ? strlen(vm->cmdline) : 0,
			       initrd_size, err);
	if (!ret)
		vm_mark(vm, &vm->tl.validated);
	return ret;
}

static int load_kernel(struct vm *vm, const struct kernel_image *img,
		       struct charlie_error *err)
{
	struct kernel_image initrd = { 0 };
	int ret;

	if (vm->initrd_path) {
		struct charlie_error e;

		ret = kernel_read_file(vm->initrd_path, &initrd, &e);
		if (ret) /* same checks as a kernel file; say "initrd" */
			return err_set(err, CHARLIE_E_INITRD, "initrd", "initrd%s",
				       strncmp(e.msg, "kernel", 6) ? e.msg
								   : e.msg + 6);
	}
	ret = kernel_load(&vm->gm, img, &vm->krep, vm->cmdline,
			  vm->initrd_path ? &initrd : NULL, &vm->entry, err);
	kernel_image_free(&initrd);
	return ret;
}

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

int charlie_vm_create(const struct charlie_config *cfg,
		      const struct charlie_callbacks *cb,
		      struct charlie_vm **out, struct charlie_error *err)
{
	struct epoll_event ev = { .events = EPOLLIN };
	struct kernel_image img = { 0 };
	struct sigaction sa;
	struct vm *vm;
	int ret;

	*out = NULL;
	vm = calloc(1, sizeof(*vm));
	if (!vm)
		return err_set(err, CHARLIE_E_HOST, "", "out of memory");
	vm->kvm_fd = vm->vm_fd = vm->epfd = vm->wake_fd = -1;
	pthread_mutex_init(&vm->lock, NULL);
	pthread_cond_init(&vm->cond, NULL);
	vm->cfg = *cfg;
	if (cb)
		vm->cb = *cb;
	vm->kernel_path = dup_or_null(cfg->kernel);
	vm->initrd_path = dup_or_null(cfg->initrd);
	vm->cmdline = dup_or_null(cfg->cmdline);
	vm->cfg.kernel = vm->kernel_path;
	vm->cfg.initrd = vm->initrd_path;
	vm->cfg.cmdline = vm->cmdline;
	vm->kick_signo = SIGRTMIN + 6;
	vm->is_pvm = charlie_host_is_pvm();

	/* Checks first: nothing is opened for a bad configuration. */
	ret = check_kernel(vm, &img, err);
	if (ret)
		goto fail;
	if (vm->is_pvm)
		vm_log(vm, CHARLIE_LOG_WARN,
		       "this /dev/kvm is PVM (module kvm_pvm): stock kernels "
		       "run thousands of times slower here and may not boot "
		       "(only CONFIG_PVM_GUEST kernels run reliably)");

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = kick_handler;
	sigemptyset(&sa.sa_mask);
	sigaction(vm->kick_signo, &sa, NULL);

	ret = open_kvm(vm, err);
	if (ret)
		goto fail;
	ret = setup_memory(vm, err);
	if (ret)
		goto fail;
	vm_mark(vm, &vm->tl.memory_mapped);
	ret = setup_irqchip(vm, err);
	if (ret)
		goto fail;
	ret = load_kernel(vm, &img, err);
	kernel_image_free(&img);
	if (ret)
		goto fail;
	vm->nr_vcpus = cfg->cpus;
	if (x86_write_page_tables(vm) || x86_write_mptable(vm)) {
		ret = err_set(err, CHARLIE_E_HOST, "memory",
			      "memory: no room for boot tables");
		goto fail;
	}
	vm_mark(vm, &vm->tl.kernel_loaded);
	ret = uart_create(vm);
	if (!ret)
		ret = i8042_create(vm);
	if (!ret)
		ret = cmos_create(vm);
	if (!ret)
		ret = marker_create(vm);
	if (ret) {
		ret = err_set(err, CHARLIE_E_HOST, "", "device setup failed: %s",
			      strerror(-ret));
		goto fail;
	}
	vm->vcpus = calloc(vm->nr_vcpus, sizeof(*vm->vcpus));
	if (!vm->vcpus) {
		ret = err_set(err, CHARLIE_E_HOST, "", "out of memory");
		goto fail;
	}
	for (unsigned int i = 0; i < vm->nr_vcpus; i++)
		vm->vcpus[i].fd = -1;
	for (unsigned int i = 0; i < vm->nr_vcpus; i++) {
		ret = vcpu_create(vm, &vm->vcpus[i], i, err);
		if (ret)
			goto fail;
	}
	vm->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	vm->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (vm->wake_fd < 0 || vm->epfd < 0) {
		ret = err_set(err, CHARLIE_E_HOST, "", "event loop: %s",
			      strerror(errno));
		goto fail;
	}
	ev.data.fd = vm->wake_fd;
	epoll_ctl(vm->epfd, EPOLL_CTL_ADD, vm->wake_fd, &ev);
	if (cfg->console_in_fd >= 0) {
		ev.data.fd = cfg->console_in_fd;
		if (epoll_ctl(vm->epfd, EPOLL_CTL_ADD, cfg->console_in_fd,
			      &ev) < 0)
			vm_log(vm, CHARLIE_LOG_WARN,
			       "console input fd cannot be polled (%s); "
			       "ignoring console input",
			       strerror(errno));
	}
	vm->state = CHARLIE_STATE_CREATED;
	*out = (struct charlie_vm *)vm;
	return 0;
fail:
	kernel_image_free(&img);
	if (ret >= 0)
		ret = -EINVAL;
	charlie_vm_destroy((struct charlie_vm *)vm);
	return ret;
}

int charlie_vm_start(struct charlie_vm *cvm, struct charlie_error *err)
{
	struct vm *vm = (struct vm *)cvm;
	int ret;

	if (charlie_vm_state(cvm) != CHARLIE_STATE_CREATED)
		return err_set(err, CHARLIE_E_STATE, "",
			       "start: the VM is %s, not created",
			       charlie_state_name(charlie_vm_state(cvm)));
	set_state(vm, CHARLIE_STATE_STARTING);
	ret = pthread_create(&vm->loop_thread, NULL, loop_thread, vm);
	if (ret) {
		set_state(vm, CHARLIE_STATE_ERROR);
		return err_set(err, CHARLIE_E_HOST, "",
			       "cannot start the event loop: %s",
			       strerror(ret));
	}
	vm->loop_started = true;
	atomic_store(&vm->vcpus_running, vm->nr_vcpus);
	for (unsigned int i = 0; i < vm->nr_vcpus; i++) {
		struct vcpu *v = &vm->vcpus[i];

		ret = pthread_create(&v->thread, NULL, vcpu_thread, v);
		if (ret) {
			/* the ones that did start are told to end */
			for (unsigned int j = i; j < vm->nr_vcpus; j++)
				atomic_fetch_sub(&vm->vcpus_running, 1);
			vm_request_end(vm, CHARLIE_STOP_HOST_ERROR,
				       "cannot start vCPU threads", NULL);
			uint64_t one = 1;

			if (write(vm->wake_fd, &one, sizeof(one)) < 0)
				(void)0;
			return err_set(err, CHARLIE_E_HOST, "",
				       "cannot start vCPU thread %u: %s", i,
				       strerror(ret));
		}
		v->thread_started = true;
	}
	/* A guest that already ended (fast crash) keeps its state. */
	pthread_mutex_lock(&vm->lock);
	bool ended = vm->stop_set;
	pthread_mutex_unlock(&vm->lock);
	if (!ended)
		set_state(vm, CHARLIE_STATE_RUNNING);
	return 0;
}

int charlie_vm_request_stop(struct charlie_vm *cvm)
{
	(void)cvm;
	return -ENOTSUP; /* no ACPI power button yet */
}

int charlie_vm_stop(struct charlie_vm *cvm)
{
	struct vm *vm = (struct vm *)cvm;

	vm_request_end(vm, CHARLIE_STOP_FORCED, "VM stopped by force", NULL);
	return 0;
}

int charlie_vm_wait(struct charlie_vm *cvm, struct charlie_stop_info *info)
{
	struct vm *vm = (struct vm *)cvm;

	pthread_mutex_lock(&vm->lock);
	if (vm->state == CHARLIE_STATE_CREATED) {
		pthread_mutex_unlock(&vm->lock);
		return -EINVAL;
	}
	while (vm->state != CHARLIE_STATE_STOPPED &&
	       vm->state != CHARLIE_STATE_ERROR)
		pthread_cond_wait(&vm->cond, &vm->lock);
	if (info)
		*info = vm->stop;
	pthread_mutex_unlock(&vm->lock);
	return 0;
}

void charlie_vm_destroy(struct charlie_vm *cvm)
{
	struct vm *vm = (struct vm *)cvm;

	if (!vm)
		return;
	if (vm->loop_started) {
		charlie_vm_stop(cvm);
		pthread_join(vm->loop_thread, NULL);
	}
	for (unsigned int i = 0; vm->vcpus && i < vm->nr_vcpus; i++) {
		if (vm->vcpus[i].thread_started)
			pthread_join(vm->vcpus[i].thread, NULL);
		vcpu_destroy(&vm->vcpus[i]);
	}
	free(vm->vcpus);
	uart_destroy(vm);
	i8042_destroy(vm);
	cmos_destroy(vm);
	if (vm->epfd >= 0)
		close(vm->epfd);
	if (vm->wake_fd >= 0)
		close(vm->wake_fd);
	if (vm->vm_fd >= 0)
		close(vm->vm_fd);
	if (vm->kvm_fd >= 0)
		close(vm->kvm_fd);
	gm_free(&vm->gm);
	free(vm->kernel_path);
	free(vm->initrd_path);
	free(vm->cmdline);
	pthread_cond_destroy(&vm->cond);
	pthread_mutex_destroy(&vm->lock);
	free(vm);
}
