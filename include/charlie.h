/* SPDX-License-Identifier: MIT */
/*
 * charlie: a micro-VM monitor for Linux/KVM.
 *
 * Lifecycle (design.md section 2):
 *   charlie_config_init -> fill fields -> charlie_config_validate
 *   charlie_vm_create -> charlie_vm_start -> (running)
 *   charlie_vm_request_stop (ACPI power button) / charlie_vm_stop (force)
 *   charlie_vm_wait -> charlie_vm_destroy
 *
 * States: created -> starting -> running -> stopping -> stopped, or -> error.
 * The library never exits, aborts or prints: every message goes through
 * the callbacks below. All functions return 0 or a negative errno value.
 */
#ifndef CHARLIE_H
#define CHARLIE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CHARLIE_VERSION "0.1.0"

/* The boot marker: the guest writes CHARLIE_BOOT_MARKER_VALUE to this
 * I/O port when userspace is ready (in the spirit of Firecracker's boot
 * timer).  Nothing decodes port 0x4f0 on a PC or on QEMU's pc/q35/microvm
 * machines, so the write is harmless under other VMMs. */
#define CHARLIE_BOOT_MARKER_PORT  0x4f0
#define CHARLIE_BOOT_MARKER_VALUE 0x7b

/* vCPU threads are kicked out of KVM_RUN with the real-time signal
 * SIGRTMIN + CHARLIE_KICK_SIGNAL_OFFSET.  The library installs a handler
 * that does nothing, once per process (when the first vCPU is created),
 * and unblocks the signal only in its own vCPU threads: a program that
 * uses libcharlie must not use this signal for anything else.
 * The library's own threads block SIGPIPE, so a console reader that goes
 * away never kills the process (the writes fail with EPIPE instead). */
#define CHARLIE_KICK_SIGNAL_OFFSET 6

/* CLI exit codes (design.md section 2). */
enum charlie_exit {
	CHARLIE_EXIT_POWEROFF = 0, /* guest powered off or rebooted */
	CHARLIE_EXIT_FORCED = 1,   /* stopped by force */
	CHARLIE_EXIT_CONFIG = 2,   /* bad usage or configuration */
	CHARLIE_EXIT_CRASH = 3,	   /* guest crashed */
	CHARLIE_EXIT_HOST = 4,	   /* host-side failure */
};

enum charlie_state {
	CHARLIE_STATE_CREATED,
	CHARLIE_STATE_STARTING,
	CHARLIE_STATE_RUNNING,
	CHARLIE_STATE_STOPPING,
	CHARLIE_STATE_STOPPED,
	CHARLIE_STATE_ERROR,
};

enum charlie_stop_reason {
	CHARLIE_STOP_NONE,
	CHARLIE_STOP_POWEROFF, /* guest powered itself off */
	CHARLIE_STOP_REBOOT,   /* guest asked for a reset (i8042, reboot=k) */
	CHARLIE_STOP_FORCED,   /* charlie_vm_stop() */
	CHARLIE_STOP_CRASH,    /* triple fault, internal error, failed entry */
	CHARLIE_STOP_HOST_ERROR,
};

enum charlie_log_level {
	CHARLIE_LOG_DEBUG,
	CHARLIE_LOG_INFO,
	CHARLIE_LOG_WARN,
	CHARLIE_LOG_ERROR,
};

/*
 * Errors: every failure before start names the field (or file) and the
 * reason.  `code` is a stable identifier from enum charlie_err so tests
 * and callers can tell failures apart without parsing text.
 */
enum charlie_err {
	CHARLIE_OK = 0,
	/* configuration */
	CHARLIE_E_CPUS,
	CHARLIE_E_MEMORY,
	CHARLIE_E_CMDLINE,
	CHARLIE_E_NO_KERNEL,
	CHARLIE_E_INITRD,
	/* kernel files (design.md section 5) */
	CHARLIE_E_KERNEL_OPEN,
	CHARLIE_E_KERNEL_NOT_REGULAR,
	CHARLIE_E_KERNEL_EMPTY,
	CHARLIE_E_KERNEL_TOO_SMALL,
	CHARLIE_E_KERNEL_TRUNCATED,
	CHARLIE_E_KERNEL_BOOT_FLAG,
	CHARLIE_E_KERNEL_HDRS,
	CHARLIE_E_KERNEL_OLD_PROTOCOL,
	CHARLIE_E_KERNEL_SETUP_SECTS,
	CHARLIE_E_KERNEL_NOT_64BIT,
	CHARLIE_E_KERNEL_NOT_RELOCATABLE,
	CHARLIE_E_KERNEL_ALIGNMENT,
	CHARLIE_E_KERNEL_INIT_SIZE,
	CHARLIE_E_KERNEL_CMDLINE_TOO_LONG,
	CHARLIE_E_KERNEL_INITRD_TOO_BIG,
	CHARLIE_E_KERNEL_INITRD_ADDR,
	CHARLIE_E_KERNEL_COMPRESSED_FILE, /* gzip/xz/zstd/bzip2/lz4 file */
	CHARLIE_E_KERNEL_ARM64,
	CHARLIE_E_KERNEL_PE_NOT_LINUX,
	CHARLIE_E_KERNEL_ELF_NO_PVH,
	CHARLIE_E_KERNEL_ELF_BAD,
	CHARLIE_E_KERNEL_ELF_ARCH,
	CHARLIE_E_KERNEL_ELF_SEGMENT,
	CHARLIE_E_KERNEL_UNKNOWN_FORMAT,
	/* networking (--net; design.md section 10) */
	CHARLIE_E_NET_SPEC,	   /* syntax, unknown key, too many NICs */
	CHARLIE_E_NET_MAC,	   /* not hex, wrong length, multicast, zero */
	CHARLIE_E_NET_PORT,	   /* forward port 0 or > 65535, bad address */
	CHARLIE_E_NET_PORT_IN_USE, /* a forward's host port is taken */
	CHARLIE_E_NET_SOCKET,	   /* socket= path missing or not a socket */
	CHARLIE_E_NET_TAP,	   /* bad name, no /dev/net/tun, not a TAP */
	CHARLIE_E_NET_TAP_PERM,	   /* TAP needs CAP_NET_ADMIN */
	CHARLIE_E_NET_BACKEND,	   /* the backend could not start */
	/* disks (--disk PATH[,ro]) */
	CHARLIE_E_DISK_MISSING,
	CHARLIE_E_DISK_UNREADABLE,
	CHARLIE_E_DISK_LOCKED,
	CHARLIE_E_DISK_EMPTY,
	CHARLIE_E_DISK_SIZE,
	CHARLIE_E_DISK_NOT_REGULAR,
	CHARLIE_E_DISK_OPTION,
	CHARLIE_E_DISK_TOO_MANY,
	/* disk images: GPT, FAT, PE/UKI (design.md 11) */
	CHARLIE_E_IMAGE_OPEN,
	CHARLIE_E_IMAGE_MBR,
	CHARLIE_E_IMAGE_GPT_HEADER,
	CHARLIE_E_IMAGE_GPT_CRC,
	CHARLIE_E_IMAGE_GPT_ENTRIES,
	CHARLIE_E_IMAGE_GPT_ENTRIES_CRC,
	CHARLIE_E_IMAGE_GPT_RANGE,
	CHARLIE_E_IMAGE_NO_ESP,
	CHARLIE_E_IMAGE_FAT_GEOMETRY,
	CHARLIE_E_IMAGE_FAT_CHAIN,
	CHARLIE_E_IMAGE_FAT_LOOP,
	CHARLIE_E_IMAGE_FAT_DIR,
	CHARLIE_E_IMAGE_FILE_NOT_FOUND,
	CHARLIE_E_IMAGE_PE_HEADER,
	CHARLIE_E_IMAGE_PE_MACHINE,
	CHARLIE_E_IMAGE_PE_SECTIONS,
	CHARLIE_E_IMAGE_PE_SECTION_RANGE,
	CHARLIE_E_IMAGE_PE_NO_LINUX,
	CHARLIE_E_IMAGE_UKI_CMDLINE,
	/* host */
	CHARLIE_E_KVM,
	CHARLIE_E_HOST,
	CHARLIE_E_STATE, /* call not valid in the current state */
	/* vsock (issue 10) */
	CHARLIE_E_VSOCK_CID,	      /* outside 3..0xfffffffe */
	CHARLIE_E_VSOCK_CID_IN_USE,   /* another VM of this process has it */
	CHARLIE_E_VSOCK_UDS_EXISTS,   /* a live socket or a non-socket file */
	CHARLIE_E_VSOCK_UDS_TOO_LONG, /* "<uds>_<port>" does not fit sun_path */
	CHARLIE_E_VSOCK_UDS,	      /* no such directory, cannot bind, ... */
	/* UEFI firmware (--efi; issue 12) */
	CHARLIE_E_EFI_FIRMWARE,	   /* missing, not OVMF CODE, unified image */
	CHARLIE_E_EFI_VARS,	   /* wrong size, not a store, no template */
	CHARLIE_E_EFI_VARS_LOCKED, /* in use by another VM */
	CHARLIE_E_EFI_VARS_RDONLY, /* cannot be written */
	CHARLIE_E_EFI_WITH_KERNEL, /* --efi excludes --kernel/--boot-image */
	CHARLIE_E_EFI_NO_DISK,	   /* --efi with no disk to boot */
	CHARLIE_E_TRACE,	   /* --trace-exits file cannot be opened */
	CHARLIE_E__COUNT,
};

struct charlie_error {
	enum charlie_err code;
	char field[32]; /* "memory", "kernel", "initrd", "cmdline", ... */
	char msg[512];	/* one line: "kernel /x/bzImage: boot flag ..." */
};

/* Stable short name of an error code, e.g. "kernel-boot-flag". */
const char *charlie_err_name(enum charlie_err code);

/* ---- networking (design.md section 10) ---- */

struct charlie_config;

#define CHARLIE_MAX_NICS 8
#define CHARLIE_MAX_FWDS 16

enum charlie_net_kind {
	CHARLIE_NET_NONE,
	CHARLIE_NET_NAT,    /* libslirp in-process: DHCP, DNS, forwards */
	CHARLIE_NET_SOCKET, /* QEMU stream protocol, UNIX socket (passt) */
	CHARLIE_NET_TAP,    /* a TAP device with the virtio-net header */
};

/* nat: a host port forwarded to a guest port (slirp_add_hostfwd). */
struct charlie_fwd {
	bool udp;
	uint32_t host_addr; /* IPv4, network byte order; 127.0.0.1 default */
	uint32_t host_port; /* 1..65535 */
	uint32_t guest_port;
};

struct charlie_net {
	enum charlie_net_kind kind;
	/* socket: the UNIX socket path; tap: the interface name.  Held
	 * inline so a copied config owns it. */
	char target[108];
	uint8_t mac[6];
	bool has_mac;	/* false: the stable default (charlie_net_mac) */
	bool restrict_; /* nat: the guest reaches only forwards + services */
	struct charlie_fwd fwd[CHARLIE_MAX_FWDS];
	unsigned int nr_fwd;
};

/* Parses one --net value into `out` (zeroed first):
 *   nat[,mac=MAC][,forward=[udp:][ADDR:]HOSTPORT:GUESTPORT]...[,restrict]
 *   socket=PATH[,mac=MAC]
 *   tap=IFNAME[,mac=MAC]
 * Syntax only (ports 1..65535, MAC unicast and non-zero); what needs the
 * host (ports free, the socket, TAP permission) is checked by
 * charlie_config_validate.  Returns 0 or -EINVAL with `err` filled in. */
int charlie_net_parse(const char *spec, struct charlie_net *out,
		      struct charlie_error *err);

/* The MAC address NIC `nic` gets: its mac= or the stable default
 * ce:a5:71:e0:00:0N, N = nic + 1 (locally administered unicast, as the
 * seed pinned ce:a5:71:e0:00:01). */
void charlie_net_mac(const struct charlie_config *cfg, unsigned int nic,
		     uint8_t mac[6]);
#define CHARLIE_MAX_DISKS 8

enum charlie_transport {
	CHARLIE_TRANSPORT_AUTO = 0,
	CHARLIE_TRANSPORT_MMIO,
	CHARLIE_TRANSPORT_PCI,
};

struct charlie_config {
	unsigned int cpus;   /* 1..CHARLIE_MAX_CPUS */
	uint64_t memory;     /* bytes, multiple of 2 MiB */
	const char *kernel;  /* bzImage or ELF vmlinux with a PVH note */
	const char *initrd;  /* optional */
	const char *cmdline; /* optional */
	int console_in_fd;   /* -1: no console input */
	int console_out_fd;  /* -1: console only through the callback */
	struct charlie_net nets[CHARLIE_MAX_NICS]; /* --net, one per NIC */
	unsigned int nr_nets;
	/* virtio-vsock; cid 0: no device.  With `uds`, host programs connect
	 * to that UNIX socket and write "CONNECT <port>\n"; guest connections
	 * to host port P reach a UNIX socket listening at "<uds>_P". */
	struct charlie_vsock_config {
		uint64_t cid;	 /* 3..0xfffffffe, one VM per CID */
		const char *uds; /* optional */
	} vsock;
	/* virtio-blk disks, in order (/dev/vda, vdb, ...); paths are not
	 * copied: they must live until charlie_vm_create returns */
	struct charlie_disk {
		const char *path;
		bool read_only; /* shared lock; writes fail in the guest */
	} disks[CHARLIE_MAX_DISKS];
	unsigned int nr_disks;
	bool entropy; /* virtio-rng (default on) */
	/* virtio_mmio.device= words for each virtio-mmio device (kernels
	 * with CONFIG_VIRTIO_MMIO_CMDLINE_DEVICES find devices by them).
	 * AUTO (the default): only when the guest will not read the ACPI
	 * DSDT, which lists the same devices (the command line says
	 * acpi=off); a kernel with ACPI given both registers every device
	 * twice and logs "can't request region" for each. */
	enum charlie_virtio_cmdline {
		CHARLIE_VIRTIO_CMDLINE_OFF = 0,
		CHARLIE_VIRTIO_CMDLINE_ON = 1,
		CHARLIE_VIRTIO_CMDLINE_AUTO = 2,
	} virtio_mmio_cmdline;
	/* A disk image (GPT + EFI system partition) to take the kernel,
	 * initrd and command line from when `kernel` is NULL: its
	 * \EFI\BOOT\BOOTX64.EFI, a unified kernel image or a Linux kernel
	 * with the EFI stub, booted with no firmware (design.md 11).
	 * `initrd` and `cmdline`, when given, override the embedded ones. */
	const char *boot_image;
	/* UEFI firmware boot (the seed's VZEFIBootLoader + VZEFIVariableStore,
	 * issue 12): no kernel is loaded; the boot vCPU starts at the reset
	 * vector of `firmware` (OVMF CODE, read-only at 4 GiB - size) with
	 * the variable store `vars` as flash right below it.  A missing
	 * store is created from the firmware's VARS template (OVMF_CODE_4M.fd
	 * <-> OVMF_VARS_4M.fd, OVMF_CODE.fd <-> OVMF_VARS.fd).  The store is
	 * locked against a second VM and worked on in memory; at any stop
	 * (forced ones too) it is written to a temporary file in the same
	 * directory, fsync'd and renamed over the store (then the directory
	 * is fsync'd): on disk it is always the old or the new complete
	 * image, and OVMF's own fault-tolerant write covers a stop in the
	 * middle of a variable update.  vars NULL: a fresh store in memory,
	 * discarded at stop. */
	struct charlie_efi {
		bool enabled;
		const char *firmware; /* NULL: CHARLIE_EFI_DEFAULT_FIRMWARE */
		const char *vars;
	} efi;
	/* Diagnostics: every port, MMIO and PCI-config access, one line each
	 * ("[trace] pio w 0x0cf8 4 0x80000000"), to this file ("-": stderr);
	 * NULL: off. */
	const char *trace_exits;
	/* Firmware stall watchdog (efi only): after this many seconds with
	 * no console output and no new port or MMIO page touched, one
	 * warning with RIP and the last access; 0: off. */
	unsigned int fw_stall_seconds;
	/* The virtio transport (--transport).  AUTO: virtio-pci when the PCI
	 * platform is on, else virtio-mmio (the firmware-free default). */
	enum charlie_transport transport;
	/* The PCI platform (i440FX host bridge, PIIX3 ISA bridge, PIIX4 PM
	 * with the ACPI PM block at 0xB000, DSDT PCI0): set by firmware boot
	 * (--efi) and implied by transport PCI. */
	bool platform_pci;
};

#define CHARLIE_EFI_DEFAULT_FIRMWARE "/usr/share/OVMF/OVMF_CODE_4M.fd"

#define CHARLIE_MAX_CPUS   64
#define CHARLIE_MIN_MEMORY (16ull << 20)
#define CHARLIE_MAX_MEMORY (1ull << 40)

/* Defaults: 1 vCPU, 256 MiB, no console fds, no disks, entropy on. */
void charlie_config_init(struct charlie_config *cfg);

/* Adds a disk from "PATH[,ro]" (the CLI's --disk); `spec` is kept and
 * cut at the first comma.  Returns 0 or -EINVAL with `err` naming the
 * disk (unknown option, too many disks).  Files are checked by
 * charlie_config_validate. */
int charlie_config_add_disk(struct charlie_config *cfg, char *spec,
			    struct charlie_error *err);

/* Checks everything that can be checked before start, including the
 * kernel file, the initrd and the command line against the kernel's
 * header limits.  Returns 0 or -EINVAL with `err` filled in. */
int charlie_config_validate(const struct charlie_config *cfg,
			    struct charlie_error *err);

/* ---- kernel inspection (charlie check-kernel) ---- */

enum charlie_kernel_format {
	CHARLIE_KFMT_UNKNOWN,
	CHARLIE_KFMT_BZIMAGE,
	CHARLIE_KFMT_ELF_PVH,
};

struct charlie_kernel_report {
	enum charlie_kernel_format format;
	char format_name[64]; /* "bzImage", "ELF vmlinux (PVH)", "gzip data" */
	char arch[32];	      /* "x86_64", "arm64", ... */
	uint16_t protocol;    /* boot protocol, e.g. 0x020f; 0 if none */
	uint64_t entry32;     /* PVH entry or code32_start; 0 if none */
	uint64_t entry64;     /* 64-bit entry offset (startup_64); 0 if none */
	char compression[16]; /* payload: "gzip", "zstd", "xz", "none", ... */
	bool has_pvh_note;
	bool relocatable;
	uint64_t kernel_alignment;
	uint64_t init_size; /* memory the kernel needs while booting */
	uint64_t pref_address;
	uint32_t cmdline_size; /* max command line length (bytes) */
	uint32_t initrd_addr_max;
	char version[128];	  /* kernel version string when found */
	bool bootable;		  /* the verdict */
	struct charlie_error err; /* why not, when !bootable */
};

/* Describes a kernel file and checks it against memory/cmdline/initrd
 * (pass 0/NULL to skip those checks).  Returns 0 when bootable, else
 * -EINVAL with rep->err filled in; rep is always filled as far as the
 * file could be understood. */
int charlie_kernel_inspect(const char *path, uint64_t memory,
			   const char *cmdline, const char *initrd,
			   struct charlie_kernel_report *rep);

/* ---- disk images (charlie inspect) ---- */

#define CHARLIE_IMAGE_MAX_SECTIONS 24

struct charlie_image_section {
	char name[9];
	uint64_t offset, size; /* in BOOTX64.EFI */
};

struct charlie_image_report {
	uint64_t size;	    /* of the image file */
	char disk_guid[37]; /* "" until the GPT header was read */
	unsigned int partition_entries, partitions; /* array size, used */
	unsigned int esp_index;			    /* 1-based; 0: none */
	char esp_guid[37];
	uint64_t esp_offset, esp_size;
	int fat_type; /* 12, 16, 32; 0 until read */
	uint32_t cluster_size;
	char volume_label[12];
	char file[32]; /* "\EFI\BOOT\BOOTX64.EFI" once found */
	uint64_t file_size;
	bool is_uki; /* else a Linux kernel with the EFI stub */
	unsigned int nsections;
	struct charlie_image_section sections[CHARLIE_IMAGE_MAX_SECTIONS];
	uint64_t kernel_size, initrd_size;
	bool has_cmdline;
	char cmdline[1024]; /* the embedded one (truncated for show) */
	char os_name[64];   /* .osrel PRETTY_NAME or NAME */
	char uname[128];    /* .uname */
	bool kernel_found;
	struct charlie_kernel_report kernel; /* the embedded kernel */
	bool bootable;
	struct charlie_error err; /* why not, when !bootable */
};

/* Describes a disk image and checks the kernel in it against memory and
 * the command line (the embedded one when cmdline is NULL).  Returns 0
 * when bootable, else -EINVAL with rep->err filled in; rep is filled as
 * far as the image could be understood. */
int charlie_image_inspect(const char *path, uint64_t memory,
			  const char *cmdline,
			  struct charlie_image_report *rep);

/* True when the file starts like a partitioned disk (0x55AA at 510 and
 * "EFI PART" at 512): for `check-kernel` to point at `inspect`. */
bool charlie_file_is_disk_image(const char *path);

/* ---- UEFI firmware files (charlie inspect) ---- */

enum charlie_fw_kind {
	CHARLIE_FW_UNKNOWN,
	CHARLIE_FW_OVMF_CODE, /* a CODE image: firmware volumes + reset vector
			       */
	CHARLIE_FW_OVMF_UNIFIED, /* CODE and VARS in one file (refused) */
	CHARLIE_FW_VARS,	 /* a variable store (OVMF_VARS*.fd) */
};

struct charlie_fw_report {
	enum charlie_fw_kind kind;
	uint64_t size;
	uint64_t flash_size; /* CODE + its VARS: 2 or 4 MiB */
	uint64_t vars_size;  /* the matching store's size */
	char build[32];	     /* "4M (OVMF_CODE_4M)", "2M (OVMF_CODE)" */
	unsigned int nr_fv;
	char fv_guid[8][37]; /* file-system GUID of each firmware volume */
	bool reset_vector;   /* a jump in the last 16 bytes */
	/* variable store */
	bool store_valid;    /* FV header + formatted, healthy store */
	bool authenticated;  /* authenticated-variable format */
	uint64_t store_size; /* the variable area */
	unsigned int nr_vars, nr_deleted;
	char why[256]; /* what is wrong, when kind is UNKNOWN or !valid */
};

/* Recognises an OVMF CODE image or a variable store; 0 when it is one,
 * -EINVAL otherwise (rep->why says why), -errno when unreadable. */
int charlie_fw_inspect(const char *path, struct charlie_fw_report *rep);

/* ---- the VM ---- */

struct charlie_stop_info {
	enum charlie_stop_reason reason;
	int exit_code;	   /* suggested CLI exit code */
	char summary[256]; /* one line: "guest rebooted", "triple fault" */
	char report[8192]; /* multi-line crash report, "" if none */
};

/* Phase timestamps, CLOCK_MONOTONIC nanoseconds; 0 if not reached. */
struct charlie_timeline {
	uint64_t validated;
	uint64_t memory_mapped;
	uint64_t kernel_loaded;
	uint64_t first_vcpu_entry;
	uint64_t first_console_byte;
	uint64_t boot_marker;
	uint64_t guest_ip; /* the first DHCP lease seen by any NIC */
	uint64_t stopped;
};

/* The power button, as the guest hears it (charlie_callbacks.power_button). */
enum charlie_button_event {
	/* the guest's OS enabled its power-button event (ACPI PWRBTN_EN) */
	CHARLIE_BUTTON_LISTENING,
	/* a press (charlie_vm_request_stop) is held: nobody listens yet */
	CHARLIE_BUTTON_HELD,
	/* a held press was delivered when the guest started listening */
	CHARLIE_BUTTON_DELIVERED,
};

struct charlie_callbacks {
	void *opaque;
	void (*state_changed)(void *opaque, enum charlie_state from,
			      enum charlie_state to);
	void (*guest_stopped)(void *opaque,
			      const struct charlie_stop_info *info);
	/* one line, no trailing newline */
	void (*log)(void *opaque, enum charlie_log_level level,
		    const char *line);
	/* guest console bytes (in addition to console_out_fd) */
	void (*console)(void *opaque, const void *buf, size_t len);
	/* NIC `nic` got an IPv4 address (dotted quad) from DHCP: said once,
	 * and again when it changes.  Called on the event-loop thread. */
	void (*guest_ip)(void *opaque, unsigned int nic, const char *ip);
	/* power-button facts; may run on a vCPU thread */
	void (*power_button)(void *opaque, enum charlie_button_event ev);
};

struct charlie_vm;

int charlie_vm_create(const struct charlie_config *cfg,
		      const struct charlie_callbacks *cb,
		      struct charlie_vm **out, struct charlie_error *err);
int charlie_vm_start(struct charlie_vm *vm, struct charlie_error *err);
/* Presses the ACPI power button (Virtualization.framework's requestStop):
 * the VM moves to "stopping" and the guest is expected to power off.
 * When the guest's OS has not yet enabled its power-button event, the
 * press is held and delivered the moment it does.  Returns 0, -EINVAL
 * when the VM is not running, -ENOTSUP when the platform has no button.
 * When the guest never enabled its button, a later forced stop says so
 * in its summary ("VM stopped by force (the guest never enabled its
 * power button)"). */
int charlie_vm_request_stop(struct charlie_vm *vm);
/* True once the guest's OS listens for the power button (canRequestStop). */
bool charlie_vm_can_request_stop(const struct charlie_vm *vm);
/* Stops the VM by force; the guest_stopped callback follows. */
int charlie_vm_stop(struct charlie_vm *vm);
/* Blocks until the VM has stopped and every callback about it has
 * returned; fills info when not NULL.  Not from inside a callback. */
int charlie_vm_wait(struct charlie_vm *vm, struct charlie_stop_info *info);
void charlie_vm_destroy(struct charlie_vm *vm);

enum charlie_state charlie_vm_state(const struct charlie_vm *vm);
const char *charlie_state_name(enum charlie_state s);
void charlie_vm_timeline(const struct charlie_vm *vm,
			 struct charlie_timeline *t);

/* ---- vsock (in the spirit of VZVirtioSocketDevice) ---- */

/* A connected stream to the guest's vsock `port`: blocks until the
 * guest accepts (0, *fd_out is the caller's to close) or refuses
 * (-ECONNREFUSED), or 5 s pass (-ETIMEDOUT).  -ENODEV without a vsock
 * device, -ENOTCONN when the VM is not running.  Not from a callback. */
int charlie_vm_vsock_connect(struct charlie_vm *vm, uint32_t port, int *fd_out);
/* Guest connections to host port `port` are accepted and handed to `cb`
 * (on the VM's event loop thread: do not block there; the fd is the
 * callee's to close).  cb NULL removes the listener.  A listener takes
 * precedence over the "<uds>_<port>" socket. */
int charlie_vm_vsock_listen(struct charlie_vm *vm, uint32_t port,
			    void (*cb)(void *opaque, int fd,
				       uint32_t guest_port),
			    void *opaque);

/* True when /dev/kvm is PVM (module kvm_pvm loaded). */
bool charlie_host_is_pvm(void);

#endif /* CHARLIE_H */
