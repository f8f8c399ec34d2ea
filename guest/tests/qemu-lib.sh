#!/bin/sh
# Helpers for bingo's QEMU end-to-end tests and benchmarks (sourced by
# tests/e2e/guest_*.sh and guest/bench-boot.sh).  QEMU is the reference VMM here:
#   -M microvm,acpi=on   virtio-mmio devices described in the DSDT (Debian's
#                        cloud kernel lacks VIRTIO_MMIO_CMDLINE_DEVICES), the
#                        power button is a GED-notified PNP0C0C device
#   -accel tcg           no usable /dev/kvm for stock kernels on this host
#   tsc_early_khz=       TCG microvm has no PIT to calibrate the TSC against
# Traffic goes only to loopback: QEMU user networking with a hostfwd on
# 127.0.0.1; the DHCP server the guest talks to is slirp's, inside QEMU.

: "${CHARLIE_ROOT:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${CHARLIE_BUILD:=build}"
case $CHARLIE_BUILD in /*) GB=$CHARLIE_BUILD/guest ;; *) GB=$CHARLIE_ROOT/$CHARLIE_BUILD/guest ;; esac
BOOT_TIMEOUT=${BINGO_BOOT_TIMEOUT:-180}
QEMU=${QEMU:-qemu-system-x86_64}
# TCG hands the guest the host's TSC: tell the kernel its rate (else its
# clocks run fast or slow by the ratio), 2 GHz when unknown.
TSC_KHZ=$(awk '/^cpu MHz/ { printf "%d", $4 * 1000; exit }' /proc/cpuinfo 2>/dev/null)
APPEND_BASE="console=ttyS0 quiet tsc_early_khz=${TSC_KHZ:-2000000}"

ms() { date +%s%3N; }

# A free TCP port on 127.0.0.1 (bounded tries).
free_port() {
	_fp=$((20000 + $(od -An -N2 -tu2 /dev/urandom) % 30000))
	for _ in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
		if ! ss -Htln "sport = :$_fp" 2>/dev/null | grep -q .; then
			echo "$_fp"
			return 0
		fi
		_fp=$((_fp + 17))
	done
	return 1
}

# Why QEMU cannot run here, or nothing.
qemu_unusable() {
	command -v "$QEMU" >/dev/null 2>&1 || { echo "$QEMU not installed"; return; }
	"$QEMU" -M help 2>/dev/null | grep -q '^microvm' || { echo "$QEMU has no microvm machine"; return; }
	command -v socat >/dev/null 2>&1 || { echo "socat not installed (QMP)"; return; }
	command -v curl >/dev/null 2>&1 || { echo "curl not installed"; return; }
}

# vm_start DIR KERNEL INITRD "APPEND" "MACHINE-OPTS" [extra qemu args...]
# Starts QEMU in the background; sets VM_PID, VM_PORT, VM_DIR.
vm_start() {
	VM_DIR=$1 _vk=$2 _vi=$3 _va=$4 _vm=$5
	shift 5
	mkdir -p "$VM_DIR"
	rm -f "$VM_DIR/con.log" "$VM_DIR/qmp.sock" "$VM_DIR/rc" "$VM_DIR/qemu.pid"
	VM_PORT=$(free_port) || return 1
	(
		"$QEMU" -M "microvm$_vm" -accel tcg -m 256 -smp 1 \
			-nodefaults -no-user-config -display none \
			-kernel "$_vk" -initrd "$_vi" -append "$APPEND_BASE $_va" \
			-serial "file:$VM_DIR/con.log" \
			-netdev "user,id=n0,hostfwd=tcp:127.0.0.1:$VM_PORT-:8080" \
			-device virtio-net-device,netdev=n0 \
			-qmp "unix:$VM_DIR/qmp.sock,server=on,wait=off" \
			-pidfile "$VM_DIR/qemu.pid" "$@" \
			2>"$VM_DIR/qemu.err"
		echo $? >"$VM_DIR/rc"
	) &
	VM_PID=$!
	VM_T0=$(ms)
}

vm_log() { tr -d '\r' <"$VM_DIR/con.log" 2>/dev/null | grep -a '^time='; }

# vm_wait_log PATTERN [SECONDS]: 0 once the console shows PATTERN.
vm_wait_log() {
	end=$(($(date +%s) + ${2:-$BOOT_TIMEOUT}))
	while [ "$(date +%s)" -lt "$end" ]; do
		grep -aq -- "$1" "$VM_DIR/con.log" 2>/dev/null && return 0
		[ -f "$VM_DIR/rc" ] && return 1
		sleep 0.2
	done
	return 1
}

vm_qmp() { # vm_qmp COMMAND -> QMP output
	printf '{"execute":"qmp_capabilities"}\n{"execute":"%s"}\n' "$1" |
		socat -t 3 - "UNIX-CONNECT:$VM_DIR/qmp.sock" 2>&1
}

# vm_exited_within MS: waits up to MS for QEMU to exit; 0 if it did.
# Polls the pid QEMU wrote (its parent subshell reaps it at once).
vm_exited_within() {
	end=$(($(ms) + $1))
	qpid=$(cat "$VM_DIR/qemu.pid" 2>/dev/null)
	while [ "$(ms)" -le "$end" ]; do
		if [ -n "$qpid" ]; then
			kill -0 "$qpid" 2>/dev/null || return 0
		elif [ -f "$VM_DIR/rc" ]; then
			return 0
		fi
		sleep 0.01
	done
	return 1
}

# vm_rc: QEMU's exit status (waits a little for the subshell to record it).
vm_rc() {
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		[ -f "$VM_DIR/rc" ] && { cat "$VM_DIR/rc"; return 0; }
		sleep 0.1
	done
	echo none
}

vm_kill() {
	[ -f "$VM_DIR/rc" ] && return 0
	vm_qmp quit >/dev/null 2>&1
	vm_exited_within 5000 && return 0
	# Our own QEMU only, by the pid it wrote.
	pid=$(cat "$VM_DIR/qemu.pid" 2>/dev/null)
	[ -n "$pid" ] && kill "$pid" 2>/dev/null
	vm_exited_within 5000
}

vm_tail() { # the last console lines, indented, for FAIL reasons
	tail -n "${1:-15}" "$VM_DIR/con.log" 2>/dev/null | sed 's/^/    /'
}
