#!/bin/sh
# SPDX-License-Identifier: MIT
# make bench-blk: virtio-blk inside the guest, charlie vs QEMU microvm
# (Debian's qemu-system-x86_64, virtio-blk-device), same kernel
# (build/guest/vmlinux-min), same initramfs, same 128 MiB image, in one
# test-host run (real nested KVM; TCG L1, so absolute figures are low and
# the ratio is the point).  The guest runs bench/blkbench (O_DIRECT):
# sequential 1 MiB reads MB/s and 4 KiB random-read IOPS, queue depth 1.
# Each VMM runs ROUNDS times (default 3), alternating; medians and ratios.
# A benchmark, not a test: it prints figures and asserts nothing.
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
build=${CHARLIE_BUILD:-build}
case $build in /*) ;; *) build=$root/$build ;; esac
rounds=${ROUNDS:-3}
secs=${SECS:-10}
qemu=$(command -v "${QEMU:-qemu-system-x86_64}") || { echo "bench: no QEMU" >&2; exit 1; }
kern=$build/guest/vmlinux-min
[ -f "$kern" ] || { echo "bench: $kern missing (make guest-min)" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# initramfs: the test payload's busybox with init-blk, plus blkbench
sh "$root/tests/payloads/build-initrd.sh" "$tmp/base.cpio" "$root/bench/init-blk" || exit 1
mkdir -p "$tmp/stage/bin"
${CC:-gcc} -O2 -static -o "$tmp/stage/bin/blkbench" "$root/bench/blkbench.c" || exit 1
(cd "$tmp/stage" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) >"$tmp/extra.cpio"
cat "$tmp/base.cpio" "$tmp/extra.cpio" >"$tmp/bench.cpio"

adds="--add $kern:/b/vmlinux --add $tmp/bench.cpio:/b/bench.cpio --qemu"

cat >"$tmp/scenario.sh" <<SCEN
dd if=/dev/urandom of=/tmp/d.img bs=1M count=128 2>/dev/null
cl="console=ttyS0 quiet panic=-1 bench.secs=$secs"
# run NAME CMD...: until the guest says BLKBENCH-DONE (the minimal kernel
# does not power off in charlie), then stop it
run() {
	name=\$1
	shift
	"\$@" >/tmp/o 2>/dev/null </dev/null &
	p=\$!
	k=0
	while [ \$k -lt $((secs * 10 + 600)) ] && ! grep -q BLKBENCH-DONE /tmp/o; do
		sleep 0.1
		k=\$((k + 1))
	done
	kill \$p 2>/dev/null
	wait \$p 2>/dev/null
	tr -d '\r' </tmp/o | sed -n "s/^BLKBENCH /RESULT \$name /p"
}
i=0
while [ \$i -lt $rounds ]; do
	run charlie charlie run --kernel /b/vmlinux --initrd /b/bench.cpio \
		--memory 256M --no-entropy --disk /tmp/d.img,ro --cmdline "\$cl"
	run qemu $qemu -M microvm -enable-kvm -cpu host -m 256 -smp 1 \
		-nodefaults -no-user-config -nographic -serial stdio \
		-kernel /b/vmlinux -initrd /b/bench.cpio -append "\$cl" \
		-drive id=d,file=/tmp/d.img,format=raw,if=none,readonly=on \
		-device virtio-blk-device,drive=d
	i=\$((i + 1))
done
SCEN
# shellcheck disable=SC2086
"$root/testhost/run.sh" --timeout 1200 --memory 2048 $adds "$tmp/scenario.sh" 2>&1 |
	tr -d '\r' | grep '^RESULT ' >"$tmp/res"
cat "$tmp/res" | sed 's/^RESULT /  /'
med() { sort -n | awk '{ a[NR] = $1 } END { if (NR) print a[int((NR + 1) / 2)]; else print 0 }'; }
for vmm in charlie qemu; do
	eval "${vmm}_seq=\$(sed -n 's/^RESULT $vmm seq_mbps=\([0-9.]*\).*/\1/p' \"\$tmp/res\" | med)"
	eval "${vmm}_iops=\$(sed -n 's/^RESULT $vmm .*rand_iops=\([0-9]*\).*/\1/p' \"\$tmp/res\" | med)"
done
echo "virtio-blk in the test host (medians of $rounds, ${secs}s each, QD1, O_DIRECT):"
awk -v cs="$charlie_seq" -v qs="$qemu_seq" -v ci="$charlie_iops" -v qi="$qemu_iops" 'BEGIN {
	printf "  sequential read  charlie %8.1f MB/s   qemu %8.1f MB/s   ratio %.2fx\n", cs, qs, qs ? cs / qs : 0
	printf "  4 KiB rand read  charlie %8.0f IOPS   qemu %8.0f IOPS   ratio %.2fx\n", ci, qi, qi ? ci / qi : 0
}'
