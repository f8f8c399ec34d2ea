#!/bin/sh
# SPDX-License-Identifier: MIT
# The tiny test kernels carry what charlie's PVH loader needs (readelf):
# ELF64 x86-64, PT_LOAD at 1 MiB, PT_NOTE with "Xen"/18 = entry.
set -u
root=${CHARLIE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
build=${CHARLIE_BUILD:-build}
case $build in /*) ;; *) build=$root/$build ;; esac
for k in hello marker triple fninit idle; do
	f=$build/tests/kernels/$k.elf
	if [ ! -f "$f" ]; then
		echo "FAIL: tinykernel_pvhnote/$k: $f missing (make tiny-kernels)"
		continue
	fi
	if out=$(sh "$root/tests/kernels/check-pvh.sh" "$f" "$root/include/charlie.h" 2>&1); then
		echo "PASS: tinykernel_pvhnote/$k"
	else
		echo "FAIL: tinykernel_pvhnote/$k: $(printf '%s' "$out" | tr '\n' ';')"
	fi
done
