#!/bin/sh
# bingo without a power button (the seed's failure story): the init must
# say so once, loudly, and keep serving.
#   cloud-blacklist: Debian's cloud kernel with module_blacklist=button, so
#                    the ACPI button driver never binds
#   min-acpi-off:    the minimal kernel on microvm with acpi=off (virtio-mmio
#                    devices from the command line QEMU writes; no ACPI, so
#                    no button and no ACPI power-off either)
# QMP system_powerdown is then expected to change nothing; the VM is ended
# with QMP quit.
set -u
. "$(dirname "$0")/lib.sh"
. "$CHARLIE_ROOT/guest/tests/qemu-lib.sh"

work=$(mktemp -d /tmp/bingo-e2e.XXXXXX)
trap 'vm_kill >/dev/null 2>&1; rm -rf "$work"' EXIT INT TERM
on_fail() { [ -z "${VM_DIR:-}" ] || vm_tail 12; }
WARN='level=WARN msg="no power button: the guest will NOT react to the ACPI power button'

why=$(qemu_unusable)
if [ -n "$why" ]; then
	skip cloud-blacklist "$why"
	skip min-acpi-off "$why"
	exit 0
fi

# run NAME KERNEL INITRD APPEND MACHINE REASON
run() {
	n=$1
	reason=$6
	if ! vm_start "$work/$n" "$2" "$3" "$4" "$5"; then
		fail "$n/boot" "no free loopback port"
		return
	fi
	if ! vm_wait_log 'msg="server starting"'; then
		fail "$n/boot" "no 'server starting' within ${BOOT_TIMEOUT}s"
		vm_kill
		return
	fi
	if ! vm_wait_log "$WARN" 60; then
		fail "$n/warning" "no 'no power button' warning"
		vm_kill
		return
	fi
	body=$(curl -s -m 10 "http://127.0.0.1:$VM_PORT/")
	# The button press goes nowhere: the guest keeps serving.
	vm_qmp system_powerdown >/dev/null 2>&1
	sleep 2
	body2=$(curl -s -m 10 "http://127.0.0.1:$VM_PORT/")
	sleep 1
	count=$(vm_log | grep -c "$WARN")
	if [ "$count" = 1 ]; then
		pass "$n/warning-once"
	else
		fail "$n/warning-once" "warning logged $count times"
	fi
	if vm_log | grep "$WARN" | grep -q "$reason"; then
		pass "$n/reason" "$reason"
	else
		fail "$n/reason" "the warning does not say '$reason'"
	fi
	if vm_log | grep -q 'msg="listening for power button"'; then
		fail "$n/no-listener" "claims to listen for a power button"
	else
		pass "$n/no-listener"
	fi
	if [ "$body" = "Hello, World!" ] && [ "$body2" = "Hello, World!" ] &&
		! vm_exited_within 0; then
		pass "$n/still-serving" "answers before and after system_powerdown"
	else
		fail "$n/still-serving" "got '$body' / '$body2'"
	fi
	vm_kill
}

if [ -f "$GB/bzImage" ] && [ -f "$GB/initramfs.cpio.gz" ]; then
	run cloud-blacklist "$GB/bzImage" "$GB/initramfs.cpio.gz" "module_blacklist=button" ",acpi=on" \
		"the ACPI button driver is not loaded"
else
	skip cloud-blacklist "$GB/bzImage or initramfs.cpio.gz not built (make guest)"
fi
if [ -f "$GB/vmlinux-min" ] && [ -f "$GB/initramfs-nomod.cpio.gz" ]; then
	run min-acpi-off "$GB/vmlinux-min" "$GB/initramfs-nomod.cpio.gz" "" ",acpi=off" \
		"the kernel has no ACPI tables"
else
	skip min-acpi-off "$GB/vmlinux-min not built (make guest-min)"
fi
exit 0
