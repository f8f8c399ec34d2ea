#!/bin/sh
# SPDX-License-Identifier: MIT
# make bench-net: HTTP requests per second through a port forward against
# bingo (build/guest/bzImage + initramfs.cpio.gz, the same files for both),
# charlie's nat (libslirp, restrict) vs QEMU's user networking (libslirp,
# restrict=on; Debian's qemu-system-x86_64, microvm, -enable-kvm), both
# inside ONE test-host run (real nested KVM; TCG L1, so absolute figures
# are low and the ratio is the point).  The load generator
# (build/guest/loadgen: C connections, keep-alive, N requests) runs in L1
# against the forward on L1's loopback, so the outer QEMU's own slirp is
# not in the path.  Each VMM runs ROUNDS times (default 3), alternating;
# medians and the ratio.  A benchmark, not a test: it asserts nothing.
# Not measured: TCP throughput guest -> host.  bingo's only body is the
# 13-byte "Hello, World!", and a bulk-sending guest needs a kernel with
# virtio-net built in (build/guest/vmlinux-min, make guest-min) or module
# loading in a busybox init; left for later.
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
build=${CHARLIE_BUILD:-build}
case $build in /*) ;; *) build=$root/$build ;; esac
rounds=${ROUNDS:-3}
# bingo logs two lines per request on the serial console, a nested exit
# per byte in the test host (measured ~5 requests/s here, for both VMMs'
# UART), so the default load is 1,000 requests; LOAD_N to change it.
n=${LOAD_N:-1000}
c=${LOAD_C:-50}
qemu=$(command -v "${QEMU:-qemu-system-x86_64}") || { echo "bench: no QEMU" >&2; exit 1; }
g=$build/guest
for f in bzImage initramfs.cpio.gz loadgen; do
	[ -f "$g/$f" ] || { echo "bench: $g/$f missing (make guest)" >&2; exit 1; }
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

adds="--add $g/bzImage:/b/bzImage --add $g/initramfs.cpio.gz:/b/initrd.gz"
adds="$adds --add $g/loadgen:/bin/loadgen --add $qemu:$qemu"
for lib in $(ldd "$qemu" "$g/loadgen" | sed -n -e 's/^.*=> \(\/[^ ]*\) (0x.*$/\1/p' \
	-e 's/^[[:space:]]*\(\/[^ ]*\) (0x.*$/\1/p' | sort -u); do
	adds="$adds --add $lib:$lib"
done
for fw in bios-microvm.bin qboot.rom pvh.bin linuxboot_dma.bin; do
	for d in /usr/share/qemu /usr/share/seabios; do
		[ -e "$d/$fw" ] && adds="$adds --add $d/$fw:$d/$fw"
	done
done

cat >"$tmp/scenario.sh" <<SCEN
cl="console=ttyS0 quiet"
# run NAME PORT CMD...: until bingo says "server starting" (hang guard
# 600 s), then the load, then SIGINT (charlie: the power button) / SIGTERM
run() {
	name=\$1 port=\$2
	shift 2
	"\$@" >/tmp/o 2>&1 </dev/null &
	p=\$!
	k=0
	while [ \$k -lt 6000 ] && ! grep -q 'msg="server starting"' /tmp/o; do
		sleep 0.1
		k=\$((k + 1))
	done
	loadgen -p \$port -c $c -n $n -t 1800 2>&1 | sed "s/^loadgen: /RESULT \$name /"
	kill -INT \$p 2>/dev/null
	k=0
	while [ \$k -lt 300 ] && kill -0 \$p 2>/dev/null; do sleep 0.1; k=\$((k + 1)); done
	kill \$p 2>/dev/null
	wait \$p 2>/dev/null
}
i=0
while [ \$i -lt $rounds ]; do
	run charlie 8080 charlie run --kernel /b/bzImage --initrd /b/initrd.gz \
		--memory 256M --net nat,restrict,forward=127.0.0.1:8080:8080 \
		--cmdline "\$cl"
	run qemu 8081 $qemu -M microvm,acpi=on -enable-kvm -cpu host -m 256 -smp 1 \
		-nodefaults -no-user-config -nographic -serial stdio \
		-kernel /b/bzImage -initrd /b/initrd.gz -append "\$cl" \
		-netdev user,id=n0,restrict=on,hostfwd=tcp:127.0.0.1:8081-:8080 \
		-device virtio-net-device,netdev=n0
	i=\$((i + 1))
done
SCEN
# shellcheck disable=SC2086
"$root/testhost/run.sh" --timeout 3000 --memory 2048 $adds "$tmp/scenario.sh" 2>&1 |
	tr -d '\r' | grep '^RESULT ' >"$tmp/res"
sed 's/^RESULT /  /' "$tmp/res"
med() { sort -n | awk '{ a[NR] = $1 } END { if (NR) print a[int((NR + 1) / 2)]; else print 0 }'; }
# requests/s as ok / seconds (loadgen's rps field is rounded); errors summed
rps() { sed -n "s/^RESULT $1 requests=.* ok=\([0-9]*\) .*seconds=\([0-9.]*\) .*/\1 \2/p" "$tmp/res" |
	awk '$2 > 0 { printf "%.2f\n", $1 / $2 }' | med; }
errs() { sed -n "s/^RESULT $1 requests=.* errors=\([0-9]*\) .*/\1/p" "$tmp/res" | awk '{ s += $1 } END { print s + 0 }'; }
p99() { sed -n "s/^RESULT $1 .*p99_ms=\([0-9.]*\).*/\1/p" "$tmp/res" | med; }
echo "HTTP through the forward in the test host (bingo, $n requests over $c connections, loadgen in L1; medians of $rounds runs):"
awk -v cr="$(rps charlie)" -v qr="$(rps qemu)" -v cp="$(p99 charlie)" -v qp="$(p99 qemu)" \
	-v ce="$(errs charlie)" -v qe="$(errs qemu)" 'BEGIN {
	printf "  requests/s  charlie %8.2f   qemu %8.2f   ratio %.2fx\n", cr, qr, qr ? cr / qr : 0
	printf "  p99 ms      charlie %8.0f   qemu %8.0f\n", cp, qp
	printf "  errors      charlie %8d   qemu %8d   (all runs)\n", ce, qe
}'
echo "  (bingo logs each request on the serial console, a nested exit per byte for"
echo "   both VMMs: the figures are console-bound and low; the ratio is the point)"
echo "  TCP throughput guest -> host: not measured (see the comment in bench/net.sh)"
