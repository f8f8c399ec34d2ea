#!/bin/sh
# SPDX-License-Identifier: MIT
# timeout: 300
# The hostile-guest suite (design.md section 4; issue 8): hostile.elf, a
# tiny kernel, drives charlie's virtio-mmio devices by hand and breaks one
# rule per case (tests/kernels/hostile.c lists them).  For every case the
# kernel checks the device's answer (an error status, or
# DEVICE_NEEDS_RESET), that the other devices still work, and that the
# abused device works again after a reset; it prints "CASE name: PASS|FAIL".
# This script turns each line into a verdict and checks the host side:
#   - charlie neither crashed nor hung (exit 0 after the kernel's reset,
#     60 s hang guard; no sanitizer report when built with SANITIZE=1);
#   - the read-only image is byte-identical afterwards and the read-write
#     image did not grow (no write past its end);
#   - the abuse was logged, rate-limited: warnings name the device, and
#     there are fewer of them than cases.
set -u
. "$(dirname "$0")/lib.sh"
k=$CHARLIE_BUILD/tests/kernels/hostile.elf
cases="control-read control-get-id control-write control-others desc-loop
chain-longer-than-queue desc-outside-ram desc-on-mmio desc-wraps
desc-past-ram-end writable-before-readable next-out-of-range no-status-byte
indirect-not-negotiated indirect-bad-length indirect-nested indirect-with-next
indirect-loop indirect-good length-sum-overflow avail-idx-jump
head-out-of-range queue-size-0 queue-size-not-pow2 queue-size-too-big
ring-misaligned ring-outside-ram queuesel-out-of-range config-past-end
status-skips-steps features-not-offered ro-write-unacked ro-write-acked
sector-past-end range-past-end sector-overflow length-not-sectors
unknown-type header-split header-rewritten notify-before-driver-ok
reset-mid-request rng-desc-outside-ram"
host="no-crash ro-image-unchanged rw-image-size logged-rate-limited"

need_kvm $cases $host
[ -f "$k" ] || fail_all "$k missing (make tiny-kernels)" $cases $host

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# 64 sectors each; every byte of sector s is 'A' + s % 26 (hostile.c).
s=0
while [ $s -lt 64 ]; do
	c=$(printf "\\$(printf %03o $((65 + s % 26)))")
	head -c 512 /dev/zero | tr '\0' "$c"
	s=$((s + 1))
done >"$tmp/ro.img"
cp "$tmp/ro.img" "$tmp/rw.img"
cp "$tmp/ro.img" "$tmp/ro.orig"

timeout -k 2 60 "$CHARLIE" run --kernel "$k" --memory 64M \
	--disk "$tmp/ro.img,ro" --disk "$tmp/rw.img" \
	>"$tmp/out" 2>"$tmp/err" </dev/null
rc=$?
on_fail() {
	sed 's/^/    stdout| /' "$tmp/out" | tail -20
	sed 's/^/    stderr| /' "$tmp/err" | tail -20
}

# shellcheck disable=SC2086 # cases: one word each
hostile_verdicts "$tmp/out" "$tmp/err" $rc "HOSTILE DONE" $cases

if cmp -s "$tmp/ro.img" "$tmp/ro.orig"; then
	pass ro-image-unchanged
else
	fail ro-image-unchanged "the read-only image changed"
fi
sz=$(wc -c <"$tmp/rw.img")
if [ "$sz" -eq 32768 ]; then
	pass rw-image-size "32768 bytes"
else
	fail rw-image-size "rw.img is $sz bytes (a write past its end?)"
fi

n=$(grep -c '^\[host\] warning: virtio-' "$tmp/err")
ncases=$(echo $cases | wc -w)
other=$(grep '^\[host\] warning:' "$tmp/err" | grep -v -e 'warning: virtio-' -e PVM | head -1)
if [ "$n" -ge 1 ] && [ "$n" -lt "$ncases" ] && [ -z "$other" ]; then
	pass logged-rate-limited "$n warnings for $ncases cases"
else
	fail logged-rate-limited "$n virtio warnings for $ncases cases${other:+; other: $other}"
fi
