#!/bin/sh
# SPDX-License-Identifier: MIT
# make bench-net: two figures, charlie's nat (libslirp, restrict) vs QEMU's
# user networking (libslirp, restrict=on; Debian's qemu-system-x86_64,
# microvm, -enable-kvm), both inside ONE test-host run (real nested KVM;
# TCG L1, so absolute figures are low and the ratio is the point):
#   requests/s  HTTP through the forward against bingo
#               (build/guest/bzImage + initramfs.cpio.gz, the same files
#               for both); the load generator (build/guest/loadgen: C
#               connections, keep-alive, N requests) runs in L1 against the
#               forward on L1's loopback, so the outer QEMU's own slirp is
#               not in the path.  Both guests boot with bingo.img's command
#               line (console=ttyS0 console=hvc0): bingo's per-request log
#               lines go to the virtio console (QEMU: virtio-serial-device +
#               virtconsole), not the UART.
#   MB/s        TCP guest -> host through the same kind of forward: the L2
#               test initramfs (tests/payloads) with the virtio-net modules
#               and vsock-client serve-tcp as the sender; L1 runs
#               `vsock-client source-tcp` (THRU_BYTES bytes, a checked
#               pattern).  The guest's address is static (10.0.2.15, the
#               address both VMMs' forwards go to).
# Each VMM runs ROUNDS times (default 3), alternating; medians and ratios.
# A benchmark, not a test: it asserts nothing.
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
build=${CHARLIE_BUILD:-build}
case $build in /*) ;; *) build=$root/$build ;; esac
rounds=${ROUNDS:-3}
n=${LOAD_N:-1000}
c=${LOAD_C:-50}
thru=${THRU_BYTES:-8388608}
qemu=$(command -v "${QEMU:-qemu-system-x86_64}") || { echo "bench: no QEMU" >&2; exit 1; }
g=$build/guest
p=$build/tests/payloads
for f in "$g/bzImage" "$g/initramfs.cpio.gz" "$g/loadgen"; do
	[ -f "$f" ] || { echo "bench: $f missing (make guest)" >&2; exit 1; }
done
for f in "$p/test-initrd.cpio" "$p/vsock-client"; do
	[ -f "$f" ] || { echo "bench: $f missing (make payloads)" >&2; exit 1; }
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# The sender's initramfs: the test initramfs + an overlay archive (the
# kernel unpacks concatenated archives in order) with the virtio-net
# modules (load order: modules.dep), the sender and its /init.
mods="virtio_ring virtio virtio_mmio failover net_failover virtio_net"
mkdir -p "$tmp/ov/m" "$tmp/ov/bin"
for m in $mods; do
	f=$(find "$g/modstage" -name "$m.ko" | head -1)
	[ -n "$f" ] || { echo "bench: $m.ko not in $g/modstage (make guest)" >&2; exit 1; }
	cp "$f" "$tmp/ov/m/"
done
cp "$p/vsock-client" "$tmp/ov/bin/vsock-client"
ln -s busybox "$tmp/ov/bin/ip"
cat >"$tmp/ov/init" <<INIT
#!/bin/sh
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
for m in $mods; do insmod /m/\$m.ko || echo "TB-INSMOD-FAIL \$m"; done
ip link set lo up
ip addr add 10.0.2.15/24 dev eth0 && ip link set eth0 up
vsock-client serve-tcp 7001 &
sleep 1
echo TB-READY
while :; do sleep 1000; done
INIT
chmod 755 "$tmp/ov/init"
(cd "$tmp/ov" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) >"$tmp/ov.cpio"
cat "$p/test-initrd.cpio" "$tmp/ov.cpio" >"$tmp/thru.cpio"

adds="--add $g/bzImage:/b/bzImage --add $g/initramfs.cpio.gz:/b/initrd.gz"
adds="$adds --add $tmp/thru.cpio:/b/thru.cpio --add $p/vsock-client:/bin/vsock-client"
# loadgen and QEMU (with its firmware), with their libraries, at the
# same paths in L1 (loadgen at /bin/loadgen too).
adds="$adds --add $g/loadgen:/bin/loadgen --add-bin $g/loadgen --qemu"

cat >"$tmp/scenario.sh" <<SCEN
cl="console=ttyS0 console=hvc0 quiet"
# wait_for PATTERN FILE...: a hang guard (600 s), not a time limit
wait_for() {
	pat=\$1
	shift
	k=0
	while [ \$k -lt 6000 ] && ! cat "\$@" 2>/dev/null | grep -q "\$pat"; do
		sleep 0.1
		k=\$((k + 1))
	done
}
# end PID: SIGINT (charlie: the power button), then SIGTERM
end() {
	kill -INT \$1 2>/dev/null
	k=0
	while [ \$k -lt 100 ] && kill -0 \$1 2>/dev/null; do sleep 0.1; k=\$((k + 1)); done
	kill \$1 2>/dev/null
	wait \$1 2>/dev/null
}
# rps NAME PORT CMD...: until bingo says "server starting" on either
# console, then the load
rps() {
	name=\$1 port=\$2
	shift 2
	rm -f /tmp/o /tmp/o.hvc
	"\$@" >/tmp/o 2>&1 </dev/null &
	p=\$!
	wait_for 'msg="server starting"' /tmp/o /tmp/o.hvc
	loadgen -p \$port -c $c -n $n -t 1800 2>&1 | sed "s/^loadgen: /RESULT \$name /"
	end \$p
}
# thru NAME PORT CMD...: until the sender is up, then THRU_BYTES from it
thru() {
	name=\$1 port=\$2
	shift 2
	"\$@" >/tmp/t 2>&1 </dev/null &
	p=\$!
	wait_for '^TB-READY' /tmp/t
	vsock-client source-tcp 127.0.0.1 \$port $thru 2>&1 | sed "s/^/THRU \$name /"
	end \$p
}
i=0
while [ \$i -lt $rounds ]; do
	rps charlie 8080 charlie run --kernel /b/bzImage --initrd /b/initrd.gz \
		--memory 256M --net nat,restrict,forward=127.0.0.1:8080:8080 \
		--cmdline "\$cl"
	rps qemu 8081 $qemu -M microvm,acpi=on -enable-kvm -cpu host -m 256 -smp 1 \
		-nodefaults -no-user-config -nographic -serial stdio \
		-device virtio-serial-device -chardev file,id=hvc,path=/tmp/o.hvc \
		-device virtconsole,chardev=hvc \
		-kernel /b/bzImage -initrd /b/initrd.gz -append "\$cl" \
		-netdev user,id=n0,restrict=on,hostfwd=tcp:127.0.0.1:8081-:8080 \
		-device virtio-net-device,netdev=n0
	thru charlie 7001 charlie run --kernel /b/bzImage --initrd /b/thru.cpio \
		--memory 256M --net nat,restrict,forward=127.0.0.1:7001:7001 \
		--cmdline "console=ttyS0 quiet" --stop-timeout 1
	thru qemu 7002 $qemu -M microvm,acpi=on -enable-kvm -cpu host -m 256 -smp 1 \
		-nodefaults -no-user-config -nographic -serial stdio \
		-kernel /b/bzImage -initrd /b/thru.cpio -append "console=ttyS0 quiet" \
		-netdev user,id=n0,restrict=on,hostfwd=tcp:127.0.0.1:7002-:7001 \
		-device virtio-net-device,netdev=n0
	i=\$((i + 1))
done
SCEN
# shellcheck disable=SC2086
"$root/testhost/run.sh" --timeout 3000 --memory 2048 $adds "$tmp/scenario.sh" 2>&1 |
	tr -d '\r' | grep -E '^(RESULT|THRU) ' >"$tmp/res"
sed -E 's/^(RESULT|THRU) /  /' "$tmp/res"
med() { sort -n | awk '{ a[NR] = $1 } END { if (NR) print a[int((NR + 1) / 2)]; else print 0 }'; }
# requests/s as ok / seconds (loadgen's rps field is rounded); errors summed
rps() { sed -n "s/^RESULT $1 requests=.* ok=\([0-9]*\) .*seconds=\([0-9.]*\) .*/\1 \2/p" "$tmp/res" |
	awk '$2 > 0 { printf "%.2f\n", $1 / $2 }' | med; }
errs() { sed -n "s/^RESULT $1 requests=.* errors=\([0-9]*\) .*/\1/p" "$tmp/res" | awk '{ s += $1 } END { print s + 0 }'; }
p99() { sed -n "s/^RESULT $1 .*p99_ms=\([0-9.]*\).*/\1/p" "$tmp/res" | med; }
# MB/s of the transfers whose bytes and hash matched; bad ones counted
# (from got= and ms=: vsock-client rounds its MB/s to one decimal)
mbs() { sed -n "s/^THRU $1 SOURCE tcp .* got=\([0-9]*\) match ms=\([0-9]*\) .*/\1 \2/p" "$tmp/res" |
	awk '$2 > 0 { printf "%.3f\n", $1 / 1e3 / $2 }' | med; }
bad() { grep "^THRU $1 " "$tmp/res" | grep -vc ' match ' ; }
echo "HTTP through the forward in the test host (bingo, $n requests over $c connections, loadgen in L1; medians of $rounds runs):"
awk -v cr="$(rps charlie)" -v qr="$(rps qemu)" -v cp="$(p99 charlie)" -v qp="$(p99 qemu)" \
	-v ce="$(errs charlie)" -v qe="$(errs qemu)" 'BEGIN {
	printf "  requests/s  charlie %8.2f   qemu %8.2f   ratio %.2fx\n", cr, qr, qr ? cr / qr : 0
	printf "  p99 ms      charlie %8.0f   qemu %8.0f\n", cp, qp
	printf "  errors      charlie %8d   qemu %8d   (all runs)\n", ce, qe
}'
echo "  (bingo's log on hvc0 for both VMMs: one virtio-console request per line)"
echo "TCP guest -> host through the forward ($thru bytes, L2 sender, vsock-client source-tcp in L1; medians of $rounds runs):"
awk -v c="$(mbs charlie)" -v q="$(mbs qemu)" -v cb="$(bad charlie)" -v qb="$(bad qemu)" 'BEGIN {
	printf "  MB/s        charlie %8.3f   qemu %8.3f   ratio %.2fx\n", c, q, q ? c / q : 0
	printf "  failed      charlie %8d   qemu %8d   (transfers short or corrupt)\n", cb, qb
}'
