#!/bin/sh
# SPDX-License-Identifier: MIT
# make bench-button: power button -> VMM exit for bingo (Debian's cloud
# kernel + build/guest/initramfs.cpio.gz, make guest), charlie vs QEMU
# microvm (Debian's qemu-system-x86_64, -M microvm,acpi=on: a GED-notified
# PNP0C0C button), same kernel, initramfs and command line, in one
# test-host run.  Both VMMs run inside L1 on L1's nested /dev/kvm (QEMU
# with -enable-kvm -cpu host, as bench/blk.sh), so neither is TCG; L1
# itself runs under TCG, so absolute figures are slow and the ratio is the
# point.  Each round boots the guest until bingo says it listens for the
# button and serves, then presses:
#   charlie  kill -INT (the CLI presses the fixed-feature power button)
#   QEMU     system_powerdown on its monitor (HMP through a pipe: L1 has
#            no socat; it calls the same qmp_system_powerdown as QMP)
# and measures, on L1's clock, until the VMM process has exited.  Rounds
# alternate; ROUNDS (default 5) each; medians and the ratio.
# A benchmark, not a test: it prints figures and asserts nothing.
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
build=${CHARLIE_BUILD:-build}
case $build in /*) ;; *) build=$root/$build ;; esac
rounds=${ROUNDS:-5}
charlie=${CHARLIE:-$build/charlie}
qemu=$(command -v "${QEMU:-qemu-system-x86_64}") || { echo "bench: no QEMU" >&2; exit 1; }
kern=$build/guest/bzImage
initrd=$build/guest/initramfs.cpio.gz
for f in "$kern" "$initrd"; do
	[ -f "$f" ] || { echo "bench: $f missing (make guest)" >&2; exit 1; }
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

adds="--add $kern:/b/bzImage --add $initrd:/b/bingo.gz --qemu"

cat >"$tmp/scenario.sh" <<SCEN
# L1 uptime in ms (10 ms steps; busybox date has no %N)
ms() {
	read -r u _ </proc/uptime
	echo \$(((\${u%.*} * 100 + 1\${u#*.} - 100) * 10))
}
cl="console=ttyS0 quiet"
mkfifo /tmp/mon.in /tmp/mon.out
# the monitor's replies: drained so QEMU never blocks on them
(while :; do cat /tmp/mon.out >/dev/null; done) &
# run NAME PRESS CMD...: until bingo listens and serves (a 300 s hang
# guard), then PRESS and time until the VMM has exited
run() {
	name=\$1 how=\$2
	shift 2
	"\$@" >/tmp/o 2>/tmp/e </dev/null &
	p=\$!
	k=0
	while [ \$k -lt 3000 ] && ! { grep -q 'listening for power button' /tmp/o &&
		grep -q 'server starting' /tmp/o; }; do
		sleep 0.1
		k=\$((k + 1))
	done
	if [ \$k -ge 3000 ]; then
		echo "NOTE \$name: bingo not up within 300 s"
		kill -KILL \$p
		wait \$p
		return
	fi
	sleep 1
	t0=\$(ms)
	case \$how in
	sigint) kill -INT \$p ;;
	qmp) echo system_powerdown >/tmp/mon.in ;;
	esac
	(sleep 120; kill -KILL \$p 2>/dev/null) &
	g=\$!
	wait \$p
	rc=\$?
	t1=\$(ms)
	kill \$g 2>/dev/null
	if grep -q 'power button pressed' /tmp/o; then
		echo "RESULT \$name \$((t1 - t0)) rc=\$rc"
	else
		echo "NOTE \$name: no 'power button pressed' (rc=\$rc): \$(tail -2 /tmp/o | tr -d '\r')"
	fi
}
i=0
while [ \$i -lt $rounds ]; do
	run charlie sigint charlie run --kernel /b/bzImage --initrd /b/bingo.gz \
		--memory 256M --net nat,restrict --cmdline "\$cl"
	run qemu qmp $qemu -M microvm,acpi=on -enable-kvm -cpu host -m 256 -smp 1 \
		-nodefaults -no-user-config -display none -serial stdio \
		-kernel /b/bzImage -initrd /b/bingo.gz -append "\$cl" \
		-netdev user,id=n0,restrict=on -device virtio-net-device,netdev=n0 \
		-monitor pipe:/tmp/mon
	i=\$((i + 1))
done
SCEN
# shellcheck disable=SC2086
CHARLIE=$charlie "$root/testhost/run.sh" --timeout 1500 --memory 2048 $adds "$tmp/scenario.sh" 2>&1 |
	tr -d '\r' | grep -E '^(RESULT|NOTE) ' >"$tmp/res"
sed 's/^/  /' "$tmp/res"
med() { sort -n | awk '{ a[NR] = $1 } END { if (NR) print a[int((NR + 1) / 2)]; else print 0 }'; }
c=$(sed -n 's/^RESULT charlie \([0-9]*\) .*/\1/p' "$tmp/res" | med)
q=$(sed -n 's/^RESULT qemu \([0-9]*\) .*/\1/p' "$tmp/res" | med)
nc=$(grep -c '^RESULT charlie' "$tmp/res")
nq=$(grep -c '^RESULT qemu' "$tmp/res")
echo "power button -> VMM exit, bingo on the cloud kernel, in the test host"
echo "(both VMMs on L1's nested KVM; L1 under TCG; L1 clock):"
awk -v c="$c" -v q="$q" -v nc="$nc" -v nq="$nq" 'BEGIN {
	printf "  charlie median %6d ms (%d runs)   qemu microvm median %6d ms (%d runs)   charlie/qemu %.2fx\n", c, nc, q, nq, q ? c / q : 0
}'
