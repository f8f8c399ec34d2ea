#!/bin/sh
# Boot figures for bingo under QEMU (TCG), not part of make check:
#   sizes of /init and the initramfs images, and the time from starting
#   QEMU to "server starting" on the console, median of N (default 5)
#   boots, for Debian's cloud kernel (+ modules) and the minimal kernel.
# Also prints the guest's own uptime at that point (CLOCK_BOOTTIME, from
# the "boot marker written" line), which excludes QEMU's start-up.
#   guest/bench-boot.sh [N]
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
CHARLIE_ROOT=$root
. "$root/guest/tests/qemu-lib.sh"
N=${1:-5}
work=$(mktemp -d /tmp/bingo-bench.XXXXXX)
trap 'vm_kill >/dev/null 2>&1; rm -rf "$work"' EXIT INT TERM

size() { [ -f "$1" ] && wc -c <"$1" || echo "-"; }
kib() { [ "$1" = - ] && echo - || echo "$1 B ($(( ($1 + 1023) / 1024 )) KiB)"; }
echo "sizes:"
echo "  init (static, musl)        $(kib "$(size "$GB/init")")"
echo "  initramfs-nomod.cpio.gz    $(kib "$(size "$GB/initramfs-nomod.cpio.gz")")"
echo "  initramfs.cpio.gz (+mods)  $(kib "$(size "$GB/initramfs.cpio.gz")")"
echo "  bzImage (Debian cloud)     $(kib "$(size "$GB/bzImage")")"
echo "  vmlinux-min (PVH ELF)      $(kib "$(size "$GB/vmlinux-min")")"

median() { sort -n | awk '{a[NR]=$1} END {if (NR) print a[int((NR+1)/2)]; else print "-"}'; }

bench() { # NAME KERNEL INITRD
	[ -f "$2" ] || { echo "$1: $2 missing, skipped"; return; }
	: >"$work/$1.wall"
	: >"$work/$1.up"
	for r in $(seq 1 "$N"); do
		vm_start "$work/$1-$r" "$2" "$3" "" ",acpi=on"
		end=$(($(ms) + BOOT_TIMEOUT * 1000))
		while ! grep -aq 'msg="server starting"' "$VM_DIR/con.log" 2>/dev/null; do
			[ "$(ms)" -gt "$end" ] && break
			sleep 0.01
		done
		t=$(($(ms) - VM_T0))
		up=$(tr -d '\r' <"$VM_DIR/con.log" | sed -n 's/.*boot.uptime_ms=\([0-9]*\).*/\1/p')
		echo "$t" >>"$work/$1.wall"
		echo "${up:-0}" >>"$work/$1.up"
		vm_kill >/dev/null 2>&1
		printf '  %s run %s: %s ms wall, guest uptime %s ms\n' "$1" "$r" "$t" "${up:--}"
	done
	echo "$1: median of $N: $(median <"$work/$1.wall") ms from QEMU start to" \
		"\"server starting\"; guest uptime $(median <"$work/$1.up") ms"
}
bench cloud "$GB/bzImage" "$GB/initramfs.cpio.gz"
bench min "$GB/vmlinux-min" "$GB/initramfs-nomod.cpio.gz"
