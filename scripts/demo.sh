#!/bin/sh
# The main job: boot bingo, show its console, print its IP, fetch
# "Hello, World!" through a forwarded port on 127.0.0.1, then press the
# ACPI power button and watch it power off.
#
# charlie has no network device or ACPI power button yet (later issues),
# so for now bingo runs here on QEMU, the reference VMM (-M microvm, TCG);
# `make check` boots real kernels under charlie in the nested test host.
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
CHARLIE_ROOT=$root
. "$root/guest/tests/qemu-lib.sh"

why=$(qemu_unusable)
[ -z "$why" ] || { echo "demo: cannot run: $why" >&2; exit 4; }
for f in "$GB/bzImage" "$GB/initramfs.cpio.gz"; do
	[ -f "$f" ] || { echo "demo: $f missing (run: make guest)" >&2; exit 2; }
done
dir=$(mktemp -d)
trap 'vm_kill >/dev/null 2>&1; kill $tailpid 2>/dev/null; rm -rf "$dir"' EXIT INT TERM

echo "[host] starting VM on QEMU (reference VMM; cpu=1, mem=256MiB, kernel=bzImage, initrd=initramfs.cpio.gz)" >&2
vm_start "$dir" "$GB/bzImage" "$GB/initramfs.cpio.gz" "" ",acpi=on"
touch "$dir/con.log"
tail -f "$dir/con.log" &
tailpid=$!
if ! vm_wait_log 'msg="server starting"'; then
	echo "[host] bingo did not reach \"server starting\" in ${BOOT_TIMEOUT}s" >&2
	exit 1
fi
ip=$(tr -d '\r' <"$dir/con.log" | sed -n 's/.*network.ip=\([0-9.]*\).*/\1/p' | head -1)
echo "[host] guest IP ${ip:-unknown} (forwarding 127.0.0.1:$VM_PORT -> 8080)" >&2
echo "[host] \$ curl http://127.0.0.1:$VM_PORT/" >&2
body=$(curl -sS --max-time 10 "http://127.0.0.1:$VM_PORT/")
rc=$?
printf '%s\n' "$body"
sleep 0.5
echo "[host] requesting graceful shutdown (ACPI power button)..." >&2
vm_qmp system_powerdown >/dev/null
if vm_exited_within 6000; then
	echo "[host] guest stopped (exit $(vm_rc))" >&2
else
	echo "[host] guest did not stop in time; stopping it by force" >&2
	vm_kill
	exit 1
fi
sleep 0.2
[ $rc -eq 0 ] && [ "$body" = "Hello, World!" ]
