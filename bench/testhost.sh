#!/bin/sh
# SPDX-License-Identifier: MIT
# Runs bench/startup.sh inside the test host (testhost/run.sh: QEMU TCG L1
# with a real, nested /dev/kvm), so charlie and QEMU are compared on real
# KVM rather than PVM.  L1 gets charlie (run.sh adds it), the tiny kernels,
# strace, QEMU and the firmware QEMU's microvm loads, each with the shared
# libraries ldd lists.  L1's kernel gets tsc=reliable: under TCG its clock
# watchdog otherwise drops to the jiffies clocksource (4 ms steps).
# Figures inside L1 are slowed by TCG; the ratio is the point.
#
#   bench/testhost.sh        (or: make bench-startup-testhost)
# Environment: as bench/startup.sh (RUNS, MEM_RUNS, MEM_MIB), QEMU.
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
build=${CHARLIE_BUILD:-build}
case $build in /*) ;; *) build=$root/$build ;; esac
qemu=$(command -v "${QEMU:-qemu-system-x86_64}") || { echo "bench: no QEMU" >&2; exit 1; }
strace=$(command -v strace) || { echo "bench: no strace" >&2; exit 1; }
[ -x "$root/testhost/run.sh" ] || { echo "bench: testhost/run.sh missing" >&2; exit 1; }

adds="--add $root/bench/startup.sh:/bench/startup.sh"
for k in hello idle; do
	f=$build/tests/kernels/$k.elf
	[ -f "$f" ] || { echo "bench: $f missing (make tiny-kernels)" >&2; exit 1; }
	adds="$adds --add $f:/b/tests/kernels/$k.elf"
done
# strace and QEMU (with its firmware), with their libraries, at the same
# paths in L1.
adds="$adds --add-bin $strace --qemu"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cat >"$tmp/scenario.sh" <<SCEN
CHARLIE=/bin/charlie CHARLIE_BUILD=/b QEMU=$qemu RUNS=${RUNS:-10} \
MEM_RUNS=${MEM_RUNS:-5} MEM_MIB=${MEM_MIB:-64} sh /bench/startup.sh
SCEN
# shellcheck disable=SC2086
"$root/testhost/run.sh" --timeout 900 --append "tsc=reliable" $adds "$tmp/scenario.sh" |
	tr -d '\r' | sed -n '/^host: /,/^aims: /p'
