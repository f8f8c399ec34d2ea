#!/bin/sh
# SPDX-License-Identifier: MIT
# timeout: 300
# The hostile PCI guest (issue 12): pcihostile.elf, a tiny kernel on
# charlie's PCI platform (--transport pci), fuzzes config space (every
# register of every function, every width), moves BARs over RAM, over
# each other and past the address limit, writes past the MSI-X table and
# into the PBA, and hammers the virtio-pci registers; between the abuses
# it proves the virtio-blk disk still reads (tests/kernels/pcihostile.c
# lists the cases).  This script turns each "CASE" line into a verdict
# and checks the host side: charlie neither crashed nor hung (exit 0
# after the kernel's reset, 60 s hang guard, no sanitizer report), the
# read-only image is unchanged, and the abuse was logged rate-limited.
set -u
. "$(dirname "$0")/lib.sh"
k=$CHARLIE_BUILD/tests/kernels/pcihostile.elf
cases="find-devices blk-works cf8-readback i440fx-identity absent-all-ones
config-fuzz blk-after-config-fuzz bar-over-ram bar-past-limit bar-over-bar
bar-sizing blk-after-bars msix-table virtio-pci-fuzz blk-after-virtio-fuzz"
host="no-crash ro-image-unchanged logged-rate-limited"

need_kvm $cases $host
[ -f "$k" ] || fail_all "$k missing (make tiny-kernels)" $cases $host

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
s=0
while [ $s -lt 64 ]; do
	c=$(printf "\\$(printf %03o $((65 + s % 26)))")
	head -c 512 /dev/zero | tr '\0' "$c"
	s=$((s + 1))
done >"$tmp/ro.img"
cp "$tmp/ro.img" "$tmp/ro.orig"

timeout -k 2 60 "$CHARLIE" run --kernel "$k" --memory 64M --transport pci \
	--disk "$tmp/ro.img,ro" >"$tmp/out" 2>"$tmp/err" </dev/null
rc=$?
on_fail() {
	sed 's/^/    stdout| /' "$tmp/out" | tail -20
	sed 's/^/    stderr| /' "$tmp/err" | tail -20
}

# shellcheck disable=SC2086 # cases: one word each
hostile_verdicts "$tmp/out" "$tmp/err" $rc "PCIHOSTILE DONE" $cases
if cmp -s "$tmp/ro.img" "$tmp/ro.orig"; then
	pass ro-image-unchanged
else
	fail ro-image-unchanged "the read-only image changed"
fi
# thousands of bad writes: a handful of warnings
n=$(grep -c '^\[host\] warning: virtio-' "$tmp/err")
other=$(grep '^\[host\] \(warning\|error\):' "$tmp/err" | grep -v -e 'warning: virtio-' -e PVM | head -1)
if [ "$n" -ge 1 ] && [ "$n" -lt 50 ] && [ -z "$other" ]; then
	pass logged-rate-limited "$n warnings"
else
	fail logged-rate-limited "$n virtio warnings${other:+; other: $other}"
fi
