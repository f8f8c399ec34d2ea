// SPDX-License-Identifier: MIT
/*
 * The VM: lifecycle and state machine, and the host services devices use
 * (host.h).  vm.c names no device: it walks devices/table.c.
 * States: created -> starting -> running -> stopping -> stopped | error;
 * every transition is checked against the allowed ones under the lock, so
 * a late "running" or "stopping" never overwrites "stopped".
 */
#include "vm.h"
#include "err.h"
#include "config.h"
#include "fw/trace.h"

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
#include <unistd.h>

uint64_t vm_now_ns(void)
{
	return host_now_ns();
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

/* ---- the state machine ---- */

static bool transition_allowed(enum charlie_state from, enum charlie_state to)
{
	switch (from) {
	case CHARLIE_STATE_CREATED:
		return to == CHARLIE_STATE_STARTING;
	case CHARLIE_STATE_STARTING:
	case CHARLIE_STATE_RUNNING:
		return to > from;
	case CHARLIE_STATE_STOPPING:
		return to == CHARLIE_STATE_STOPPED || to == CHARLIE_STATE_ERROR;
	default:
		return false; /* stopped and error are final */
	}
}

/* Moves to `to` if allowed from the current state; the callback runs
 * under cb_lock (not the state lock), so it may call back into the API. */
static bool transition(struct vm *vm, enum charlie_state to)
{
	enum charlie_state from;
	bool ok;

	pthread_mutex_lock(&vm->cb_lock);
	pthread_mutex_lock(&vm->lock);
	from = vm->state;
	ok = transition_allowed(from, to);
	if (ok) {
		vm->state = to;
		pthread_cond_broadcast(&vm->cond);
	}
	pthread_mutex_unlock(&vm->lock);
	if (ok && vm->cb.state_changed)
		vm->cb.state_changed(vm->cb.opaque, from, to);
	if (ok && (to == CHARLIE_STATE_STOPPED || to == CHARLIE_STATE_ERROR)) {
		/* charlie_vm_wait returns only after the last callback */
		pthread_mutex_lock(&vm->lock);
		vm->final_reported = true;
		pthread_cond_broadcast(&vm->cond);
		pthread_mutex_unlock(&vm->lock);
	}
	pthread_mutex_unlock(&vm->cb_lock);
	return ok;
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
	transition(vm, CHARLIE_STATE_STOPPING);
	for (unsigned int i = 0; i < vm->nr_vcpus; i++)
		vcpu_kick(&vm->vcpus[i]);
}

/* ---- event loop ---- */

static void finish(struct vm *vm)
{
	struct charlie_stop_info *info = malloc(sizeof(*info));
	uint64_t dropped;
	bool report;

	conout_flush_final(&vm->conout);
	dropped = conout_dropped(&vm->conout);
	if (dropped)
		vm_log(vm, CHARLIE_LOG_WARN,
		       "%llu bytes of guest console output were dropped "
		       "(nobody was reading it)",
		       (unsigned long long)dropped);
	vm_mark(vm, &vm->tl.stopped);
	vm_save_firmware(vm); /* before anyone hears the VM stopped */
	pthread_mutex_lock(&vm->lock);
	if (!vm->stop_set) { /* cannot happen: vCPUs end only on a stop */
		vm->stop_set = true;
		vm->stop.reason = CHARLIE_STOP_HOST_ERROR;
		vm->stop.exit_code = CHARLIE_EXIT_HOST;
	}
	report = !vm->stopped_reported;
	vm->stopped_reported = true;
	if (info)
		*info = vm->stop;
	pthread_mutex_unlock(&vm->lock);
	if (report && info && vm->cb.guest_stopped)
		vm->cb.guest_stopped(vm->cb.opaque, info);
	transition(vm, info && info->reason == CHARLIE_STOP_HOST_ERROR
			       ? CHARLIE_STATE_ERROR
			       : CHARLIE_STATE_STOPPED);
	free(info);
}

/* The last vCPU out writes wake_fd. */
static void on_wake(void *opaque, int fd, uint32_t events)
{
	struct vm *vm = opaque;
	uint64_t v;

	if (read(fd, &v, sizeof(v)) < 0)
		(void)0;
	if (atomic_load(&vm->vcpus_running) == 0) {
		finish(vm);
		loop_quit(&vm->loop);
	}
}

static void on_console_in(void *opaque, int fd, uint32_t events)
{
	struct vm *vm = opaque;
	uint8_t buf[256];
	ssize_t r = read(fd, buf, sizeof(buf));

	if (r > 0) {
		if (vm->host.console_in)
			vm->host.console_in(vm->host.console_in_opaque, buf,
					    (size_t)r);
	} else if (r == 0 || (errno != EINTR && errno != EAGAIN)) {
		/* console input closed: keep running */
		loop_del(&vm->loop, vm->con_in_src);
		vm->con_in_src = NULL;
	}
}

static void *loop_thread(void *arg)
{
	struct vm *vm = arg;

	sigset_t set;

	pthread_setname_np(pthread_self(), "charlie-loop");
	sigemptyset(&set);
	sigaddset(&set, SIGPIPE); /* see vcpu_thread() */
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	loop_run(&vm->loop);
	return NULL;
}

/* ---- creation ---- */

static int setup_loop(struct vm *vm, struct charlie_error *err)
{
	int ret = loop_init(&vm->loop);

	if (!ret) {
		vm->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		ret = vm->wake_fd < 0 ? -errno : 0;
	}
	if (!ret) {
		vm->wake_src =
			loop_add(&vm->loop, vm->wake_fd, EPOLLIN, on_wake, vm);
		ret = vm->wake_src ? 0 : -errno;
	}
	if (ret)
		return err_set(err, CHARLIE_E_HOST, "", "event loop: %s",
			       strerror(-ret));
	ret = conout_init(&vm->conout, vm->cfg.console_out_fd);
	if (!ret)
		ret = conout_attach(&vm->conout, &vm->loop);
	if (ret)
		return err_set(err, CHARLIE_E_HOST, "console",
			       "console output fd %d: %s",
			       vm->cfg.console_out_fd, strerror(-ret));
	if (vm->cfg.console_in_fd >= 0) {
		vm->con_in_src = loop_add(&vm->loop, vm->cfg.console_in_fd,
					  EPOLLIN, on_console_in, vm);
		if (!vm->con_in_src)
			vm_log(vm, CHARLIE_LOG_WARN,
			       "console input fd cannot be polled (%s); "
			       "ignoring console input",
			       strerror(errno));
	}
	return 0;
}

static int create_devices(struct vm *vm, struct charlie_error *err)
{
	unsigned int total = 0;

	for (unsigned int i = 0; i < device_table_len; i++) {
		const struct device_ops *ops = device_table[i].ops;

		total += ops->count ? ops->count(&vm->cfg) : 1;
	}
	vm->devs = calloc(total ? total : 1, sizeof(*vm->devs));
	if (!vm->devs)
		return err_set(err, CHARLIE_E_HOST, "", "out of memory");
	for (unsigned int i = 0; i < device_table_len; i++) {
		const struct device_entry *e = &device_table[i];
		unsigned int n = e->ops->count ? e->ops->count(&vm->cfg) : 1;

		for (unsigned int j = 0; j < n; j++) {
			struct vm_device *d = &vm->devs[vm->nr_devs++];
			int ret;

			d->entry = e;
			err->code = CHARLIE_OK;
			ret = e->ops->create(&vm->host, e->param, j, &d->state,
					     err);
			if (ret && err->code == CHARLIE_OK)
				err_set(err, CHARLIE_E_HOST, "",
					"device %s: %s", e->ops->name,
					strerror(-ret));
			if (ret)
				return ret;
		}
	}
	return 0;
}

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

int charlie_vm_create(const struct charlie_config *cfg,
		      const struct charlie_callbacks *cb,
		      struct charlie_vm **out, struct charlie_error *err)
{
	struct kernel_image img = {0};
	struct charlie_error dummy;
	pthread_mutexattr_t ma;
	struct vm *vm;
	int ret;

	if (!err)
		err = &dummy;
	memset(err, 0, sizeof(*err));
	*out = NULL;
	vm = calloc(1, sizeof(*vm));
	if (!vm)
		return err_set(err, CHARLIE_E_HOST, "", "out of memory");
	vm->kvm_fd = vm->vm_fd = vm->wake_fd = vm->loop.epfd = -1;
	pthread_mutex_init(&vm->lock, NULL);
	pthread_mutex_init(&vm->msi_lock, NULL);
	pthread_mutexattr_init(&ma);
	pthread_mutexattr_settype(&ma, PTHREAD_MUTEX_RECURSIVE);
	pthread_mutex_init(&vm->cb_lock, &ma);
	pthread_mutexattr_destroy(&ma);
	pthread_cond_init(&vm->cond, NULL);
	vm->cfg = *cfg;
	/* --efi: OVMF needs the PC platform (i440FX, PIIX4 PM, virtio-pci) */
	if (cfg->efi.enabled)
		vm->cfg.platform_pci = true;
	if (cb)
		vm->cb = *cb;
	vm->kernel_path = dup_or_null(cfg->kernel);
	vm->initrd_path = dup_or_null(cfg->initrd);
	vm->cmdline = dup_or_null(cfg->cmdline);
	/* --efi: the firmware boots the disk; nothing is taken from it */
	vm->boot_image_path = dup_or_null(
		cfg->efi.enabled ? cfg->boot_image : config_boot_image(cfg));
	vm->cfg.boot_image = vm->boot_image_path;
	vm->cfg.kernel = vm->kernel_path;
	vm->cfg.initrd = vm->initrd_path;
	vm->cfg.cmdline = vm->cmdline;
	vm->is_pvm = charlie_host_is_pvm();
	vm->state = CHARLIE_STATE_CREATED;
	vm->fw.vars_fd = -1;
	host_init(&vm->host, &vm_host_ops, &vm->cfg, &vm->gm, &vm->loop);

	/* Checks first: nothing is opened for a bad configuration. */
	ret = cfg->efi.enabled ? vm_check_firmware(vm, cfg, err)
			       : vm_check_kernel(vm, &img, err);
	if (!ret && !cfg->efi.enabled && cfg->trace_exits)
		ret = host_trace_init(&vm->host, cfg->trace_exits, 0, NULL,
				      NULL, err);
	if (ret)
		goto fail;
	if (vm->is_pvm)
		vm_log(vm, CHARLIE_LOG_WARN,
		       "this /dev/kvm is PVM (module kvm_pvm): stock kernels "
		       "run thousands of times slower here and may not boot "
		       "(only CONFIG_PVM_GUEST kernels run reliably)");
	ret = vm_open_kvm(vm, err);
	if (!ret)
		ret = vm_setup_memory(vm, err);
	if (ret)
		goto fail;
	vm_mark(vm, &vm->tl.memory_mapped);
	ret = vm_setup_irqchip(vm, err);
	if (!ret)
		ret = setup_loop(vm, err);
	if (!ret)
		ret = create_devices(vm, err);
	if (!ret && !cfg->efi.enabled)
		ret = vm_load_kernel(vm, &img, err);
	kernel_image_free(&img);
	if (ret)
		goto fail;
	vm->nr_vcpus = cfg->cpus;
	/* firmware boot: the firmware owns low memory and the tables */
	if (!cfg->efi.enabled &&
	    (x86_write_page_tables(vm) || x86_write_mptable(vm))) {
		ret = err_set(err, CHARLIE_E_HOST, "memory",
			      "memory: no room for boot tables");
		goto fail;
	}
	vm_mark(vm, &vm->tl.kernel_loaded);
	vm->vcpus = calloc(vm->nr_vcpus, sizeof(*vm->vcpus));
	if (!vm->vcpus) {
		ret = err_set(err, CHARLIE_E_HOST, "", "out of memory");
		goto fail;
	}
	for (unsigned int i = 0; i < vm->nr_vcpus; i++)
		vm->vcpus[i].fd = -1;
	for (unsigned int i = 0; i < vm->nr_vcpus && !ret; i++)
		ret = vcpu_create(vm, &vm->vcpus[i], i, err);
	/* the last step: a new variable store file appears only for a VM
	 * that could be created */
	if (!ret && cfg->efi.enabled)
		ret = fw_files_create_store(&vm->fw, err);
	if (ret)
		goto fail;
	*out = (struct charlie_vm *)vm;
	return 0;
fail:
	kernel_image_free(&img);
	if (ret >= 0)
		ret = -EINVAL;
	charlie_vm_destroy((struct charlie_vm *)vm);
	return ret;
}

/* ---- lifecycle ---- */

static void wake_loop(struct vm *vm)
{
	uint64_t one = 1;

	if (write(vm->wake_fd, &one, sizeof(one)) < 0)
		(void)0;
}

int charlie_vm_start(struct charlie_vm *cvm, struct charlie_error *err)
{
	struct vm *vm = (struct vm *)cvm;
	unsigned int i;
	int ret;

	if (!transition(vm, CHARLIE_STATE_STARTING))
		return err_set(err, CHARLIE_E_STATE, "",
			       "start: the VM is %s, not created",
			       charlie_state_name(charlie_vm_state(cvm)));
	atomic_store(&vm->vcpus_running, vm->nr_vcpus);
	if (host_trace_start(&vm->host))
		vm_log(vm, CHARLIE_LOG_WARN,
		       "cannot start the firmware stall watchdog");
	ret = pthread_create(&vm->loop_thread, NULL, loop_thread, vm);
	if (ret) {
		vm_request_end(vm, CHARLIE_STOP_HOST_ERROR,
			       "cannot start the event loop", NULL);
		transition(vm, CHARLIE_STATE_ERROR);
		return err_set(err, CHARLIE_E_HOST, "",
			       "cannot start the event loop: %s",
			       strerror(ret));
	}
	vm->loop_started = true;
	for (i = 0; i < vm->nr_vcpus; i++) {
		ret = pthread_create(&vm->vcpus[i].thread, NULL, vcpu_thread,
				     &vm->vcpus[i]);
		if (ret)
			break;
		__atomic_store_n(&vm->vcpus[i].thread_started, true,
				 __ATOMIC_RELEASE);
	}
	if (ret) {
		/* the threads that did start are told to end; the ones that
		 * did not are counted out here */
		vm_request_end(vm, CHARLIE_STOP_HOST_ERROR,
			       "cannot start vCPU threads", NULL);
		if (atomic_fetch_sub(&vm->vcpus_running, vm->nr_vcpus - i) ==
		    vm->nr_vcpus - i)
			wake_loop(vm);
		return err_set(err, CHARLIE_E_HOST, "",
			       "cannot start vCPU thread %u: %s", i,
			       strerror(ret));
	}
	/* Refused when the guest already ended or a stop came first. */
	transition(vm, CHARLIE_STATE_RUNNING);
	return 0;
}

int charlie_vm_request_stop(struct charlie_vm *cvm)
{
	struct vm *vm = (struct vm *)cvm;
	enum charlie_state s = charlie_vm_state(cvm);
	int ret;

	if (s != CHARLIE_STATE_RUNNING && s != CHARLIE_STATE_STOPPING)
		return -EINVAL;
	if (!vm->host.button.press)
		return -ENOTSUP; /* no power button on this platform */
	ret = vm->host.button.press(vm->host.button.opaque);
	if (!ret) {
		pthread_mutex_lock(&vm->lock);
		vm->button_pressed = true;
		/* before the guest said its userspace is ready: pressed
		 * again at the boot marker (vm_host.c) */
		if (!__atomic_load_n(&vm->tl.boot_marker, __ATOMIC_SEQ_CST))
			vm->press_before_marker = true;
		pthread_mutex_unlock(&vm->lock);
		transition(vm, CHARLIE_STATE_STOPPING);
	}
	return ret;
}

bool charlie_vm_can_request_stop(const struct charlie_vm *cvm)
{
	struct vm *vm = (struct vm *)cvm;

	return vm->host.button.listening &&
	       charlie_vm_state(cvm) == CHARLIE_STATE_RUNNING &&
	       vm->host.button.listening(vm->host.button.opaque);
}

int charlie_vm_stop(struct charlie_vm *cvm)
{
	struct vm *vm = (struct vm *)cvm;
	const char *why = "VM stopped by force";

	/* After a press, say whether anyone could have heard it. */
	pthread_mutex_lock(&vm->lock);
	if (vm->button_pressed)
		why = vm->button_enabled
			      ? "VM stopped by force (the guest enabled its "
				"power button but did not power off)"
			      : "VM stopped by force (the guest never enabled "
				"its power button)";
	pthread_mutex_unlock(&vm->lock);
	vm_request_end(vm, CHARLIE_STOP_FORCED, why, NULL);
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
	while (!vm->final_reported)
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
	while (vm->nr_devs--) {
		struct vm_device *d = &vm->devs[vm->nr_devs];

		if (d->state && d->entry->ops->destroy)
			d->entry->ops->destroy(d->state);
	}
	free(vm->devs);
	vm_close_firmware(vm);
	if (vm->con_in_src)
		loop_del(&vm->loop, vm->con_in_src);
	if (vm->wake_src)
		loop_del(&vm->loop, vm->wake_src);
	conout_free(&vm->conout);
	if (vm->loop.epfd >= 0)
		loop_free(&vm->loop);
	if (vm->wake_fd >= 0)
		close(vm->wake_fd);
	if (vm->vm_fd >= 0)
		close(vm->vm_fd);
	if (vm->kvm_fd >= 0)
		close(vm->kvm_fd);
	host_free(&vm->host);
	gm_free(&vm->gm);
	free(vm->kernel_path);
	free(vm->initrd_path);
	free(vm->cmdline);
	free(vm->boot_image_path);
	kernel_image_free(&vm->boot_initrd);
	pthread_cond_destroy(&vm->cond);
	pthread_mutex_destroy(&vm->cb_lock);
	pthread_mutex_destroy(&vm->lock);
	pthread_mutex_destroy(&vm->msi_lock);
	free(vm);
}
