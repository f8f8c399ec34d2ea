#!/bin/sh
# --cpus 2 in the test host: Debian's generic kernel (CONFIG_X86_MPPARSE=y)
# finds both CPUs and the I/O APIC through charlie's MP table and brings up
# the second CPU (INIT/SIPI through the in-kernel LAPIC).  No initrd: the
# kernel panics for want of a root fs and `panic=-1 reboot=k` resets it,
# which charlie reports as a reboot (exit 0).
set -u
root=${CHARLIE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
charlie=${CHARLIE:-$root/build/charlie}
t=testhost_smp
names="mptable-found two-cpus-up ioapic exit-0"

skip_all() {
	for n in $names; do echo "SKIP: $t/$n: $1"; done
	exit 0
}
command -v qemu-system-x86_64 >/dev/null 2>&1 ||
	skip_all "qemu-system-x86_64 not installed (Debian qemu-system-x86)"
[ -f "$charlie" ] || skip_all "no charlie binary at $charlie (run make)"
kdir=$("$root/scripts/fetch-kernel.sh" amd64 2>/dev/null) ||
	skip_all "Debian's linux-image-amd64 could not be fetched"
kernel=$(ls "$kdir"/boot/vmlinuz-* | head -1)

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cat >"$tmp/scenario.sh" <<'SCEN'
charlie run --kernel /l2/vmlinuz --cpus 2 --memory 256M \
	--cmdline "console=ttyS0 reboot=k panic=-1 ignore_loglevel"
echo "SMP-CHARLIE-RC=$?"
SCEN
CHARLIE=$charlie sh "$root/testhost/run.sh" --timeout 300 \
	--add "$kernel:/l2/vmlinuz" "$tmp/scenario.sh" >"$tmp/out" 2>&1
rc=$?
tr -d '\r' <"$tmp/out" >"$tmp/log"
mkdir -p "$root/${CHARLIE_BUILD:-build}/testhost"
cp "$tmp/log" "$root/${CHARLIE_BUILD:-build}/testhost/testhost_smp.log"

check() { # name pattern description
	if grep -q -- "$2" "$tmp/log"; then
		echo "PASS: $t/$1"
	else
		echo "FAIL: $t/$1: no '$2' in the L2 console ($3; run.sh exit $rc, log in build/testhost/testhost_smp.log)"
	fi
}
check mptable-found "found SMP MP-table at \[mem 0x000f0000" "the kernel did not find the MP table"
check two-cpus-up "smp: Brought up 1 node, 2 CPUs" "the second vCPU did not come up"
check ioapic "IOAPIC\[0\]: apic_id 2" "the I/O APIC entry was not parsed"
check exit-0 "^SMP-CHARLIE-RC=0" "charlie did not end with the guest's reboot"
