#!/bin/sh
# SPDX-License-Identifier: MIT
# timeout: 900
# vsock end to end (issue 10 a, d): in the test host, Debian's cloud
# kernel with bingo's initramfs (its init loads vsock,
# vmw_vsock_virtio_transport_common and vmw_vsock_virtio_transport and
# serves HTTP on vsock port 8080 and TCP 8080) under
# `charlie run --vsock cid=3,uds=/tmp/v.sock --net nat,forward=8080:8080`,
# one L2 boot for every case.  tests/payloads/vsock-client (static; L1 is
# busybox, no socat) drives the UNIX socket:
#   device        bingo logs "server starting app.addr=vsock:8080"
#   hello         host -> guest: CONNECT 8080, "OK <port>", GET / answers
#                 "Hello, World!"
#   refused       CONNECT 9 (nobody listens in the guest): the host end is
#                 closed without an OK line
#   setup-rate    25 sequential CONNECT + GET over vsock and 25 TCP
#                 connects + GET through the nat forward, same run (figures)
#   no-crash      charlie reported no host error or crash
# Then a second L2 in the same L1: the cloud kernel with the L2 test
# initramfs plus the virtio/vsock/virtio_net modules and the same
# vsock-client as the guest's tool (serve on vsock 7000 and TCP 7001),
# --vsock cid=4,uds=/tmp/w.sock --net nat,forward=7001:7001:
#   guest-to-host 64 MiB from the guest to host port 9000 reach a UNIX
#                 listener at /tmp/w.sock_9000; FNV-1a matches both ends
#   guest-refused the guest's connect to host port 9001 (no listener) fails
#                 with ECONNRESET (the engine's RST)
#   64m-sink      64 MiB host -> guest, then the host's shutdown(SHUT_WR):
#                 the guest still answers with its count + FNV-1a (half-close)
#   64m-source    64 MiB guest -> host, then the guest's shutdown(SHUT_WR):
#                 EOF at the host after exactly those bytes (half-close)
#   100-conns     100 connections open at once, each echoes its own line
#   throughput    (figures) guest -> host 64 MiB over vsock vs over TCP
#                 through the nat forward, same L2; charlie's VmHWM
set -u
. "$(dirname "$0")/lib.sh"
cd "$CHARLIE_ROOT" || exit 4
names="device hello refused setup-rate no-crash guest-to-host guest-refused
64m-sink 64m-source 100-conns throughput"
command -v qemu-system-x86_64 >/dev/null 2>&1 ||
	skip_all "qemu-system-x86_64 not installed (Debian qemu-system-x86)" $names
g=$CHARLIE_BUILD/guest
client=$CHARLIE_BUILD/tests/payloads/vsock-client
[ -f "$CHARLIE" ] || fail_all "no charlie binary at $CHARLIE (run make)" $names
for f in "$g/bzImage" "$g/initramfs.cpio.gz"; do
	[ -f "$f" ] || skip_all "$f not built (make guest)" $names
done
base=$CHARLIE_BUILD/tests/payloads/test-initrd.cpio
[ -f "$client" ] || fail_all "$client missing (make payloads)" $names
[ -f "$base" ] || fail_all "$base missing (make payloads)" $names
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# The second L2's initramfs: the test initramfs + an overlay archive (the
# kernel unpacks concatenated archives in order) with the modules, the
# tool and its /init.
# load order: each after what it needs (modules.dep)
mods="virtio_ring virtio virtio_mmio failover net_failover virtio_net vsock
vmw_vsock_virtio_transport_common vmw_vsock_virtio_transport"
mkdir -p "$tmp/ov/m" "$tmp/ov/bin"
for m in $mods; do
	f=$(find "$g/modstage" -name "$m.ko" | head -1)
	[ -n "$f" ] || skip_all "module $m.ko not in $g/modstage (make guest)" $names
	cp "$f" "$tmp/ov/m/"
done
cp "$client" "$tmp/ov/bin/vsock-client"
ln -s busybox "$tmp/ov/bin/ip"
cat >"$tmp/ov/init" <<'INIT'
#!/bin/sh
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
for m in virtio_ring virtio virtio_mmio failover net_failover virtio_net vsock vmw_vsock_virtio_transport_common vmw_vsock_virtio_transport; do
	insmod /m/$m.ko || echo "VG-INSMOD-FAIL $m"
done
ip link set lo up
ip addr add 10.0.2.15/24 dev eth0 && ip link set eth0 up
vsock-client serve 7000 &
vsock-client serve-tcp 7001 &
sleep 1
echo VG-READY
vsock-client connect 9001 | sed 's/^/VG-/'
vsock-client send 9000 67108864 | sed 's/^/VG-/'
echo VG-SENT
while :; do sleep 1000; done
INIT
chmod 755 "$tmp/ov/init"
(cd "$tmp/ov" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) >"$tmp/ov.cpio" ||
	fail_all "cpio failed" $names
cat "$base" "$tmp/ov.cpio" >"$tmp/vsock-initrd.cpio"

cat >"$tmp/scenario.sh" <<'SCEN'
charlie run --kernel /p/bzImage --initrd /p/initramfs.cpio.gz \
	--memory 256M --cmdline "console=ttyS0 quiet" \
	--vsock cid=3,uds=/tmp/v.sock --net nat,forward=8080:8080 \
	>/tmp/g.log 2>&1 &
pid=$!
n=0
# hang guard, not a timing limit: L2 boots take 10-60 s under load
while [ $n -lt 240 ] && ! grep -q 'server starting.*vsock:8080' /tmp/g.log; do
	sleep 1
	n=$((n + 1))
	kill -0 $pid 2>/dev/null || break
done
echo "L1-BOOT-WAIT=$n"
vsock-client hello /tmp/v.sock 8080 2>&1 | sed 's/^/L1-hello: /'
echo "L1-hello-rc=$(vsock-client hello /tmp/v.sock 8080 >/dev/null 2>&1; echo $?)"
vsock-client refused /tmp/v.sock 9 2>&1 | sed 's/^/L1-refused: /'
echo "L1-refused-rc=$(vsock-client refused /tmp/v.sock 9 >/dev/null 2>&1; echo $?)"
vsock-client rate /tmp/v.sock 8080 25 2>&1 | sed 's/^/L1-rate: /'
vsock-client rate-tcp 127.0.0.1 8080 25 2>&1 | sed 's/^/L1-rate: /'
vsock-client rate /tmp/v.sock 8080 25 2>&1 | sed 's/^/L1-rate: /'
vsock-client rate-tcp 127.0.0.1 8080 25 2>&1 | sed 's/^/L1-rate: /'
kill -TERM $pid
wait $pid
echo "CHARLIE-RC=$?"
sed 's/^/L2: /' /tmp/g.log

# second L2: the big cases
vsock-client listen /tmp/w.sock_9000 >/tmp/listen.out 2>&1 &
lpid=$!
charlie run --kernel /p/bzImage --initrd /p/vsock-initrd.cpio \
	--memory 256M --cmdline "console=ttyS0 quiet" \
	--vsock cid=4,uds=/tmp/w.sock --net nat,forward=7001:7001 \
	>/tmp/g2.log 2>&1 &
pid=$!
n=0
while [ $n -lt 400 ] && ! grep -q '^VG-SENT' /tmp/g2.log; do
	sleep 1
	n=$((n + 1))
	kill -0 $pid 2>/dev/null || break
done
echo "L1-SENT-WAIT=$n"
kill $lpid 2>/dev/null
sed 's/^/L1-listen: /' /tmp/listen.out
vsock-client sink /tmp/w.sock 7000 67108864 2>&1 | sed 's/^/L1-big: /'
vsock-client source /tmp/w.sock 7000 67108864 2>&1 | sed 's/^/L1-big: /'
vsock-client source-tcp 127.0.0.1 7001 67108864 2>&1 | sed 's/^/L1-big: /'
vsock-client many /tmp/w.sock 7000 100 2>&1 | sed 's/^/L1-big: /'
echo "L1-HWM=$(sed -n 's/^VmHWM:[ \t]*//p' /proc/$pid/status)"
kill -TERM $pid
wait $pid
echo "CHARLIE2-RC=$?"
sed 's/^/L2B: /' /tmp/g2.log
SCEN
sh testhost/run.sh --retry-frozen --timeout 840 \
	--add "$g/bzImage:/p/bzImage" --add "$g/initramfs.cpio.gz:/p/initramfs.cpio.gz" \
	--add "$client:/bin/vsock-client" \
	--add "$tmp/vsock-initrd.cpio:/p/vsock-initrd.cpio" \
	"$tmp/scenario.sh" >"$tmp/out" 2>"$tmp/err"
rc=$?
mkdir -p "$CHARLIE_BUILD/testhost"
log=$CHARLIE_BUILD/testhost/vsock_guest.log
testhost_log "$tmp/out" "$log"
testhost_verdict "$rc" "$tmp/err" $names
on_fail() { grep -E '^L(1|2)' "$log" | grep -v KMSG | tail -12 | sed 's/^/    | /'; }

w=$(sed -n 's/^L1-BOOT-WAIT=//p' "$log")
if grep -q '^L2: .*server starting.*vsock:8080' "$log"; then
	pass device "bingo on vsock:8080 after ${w}s"
else
	fail device "no 'server starting app.addr=vsock:8080' (waited ${w}s)"
fi
hs=$(sed -n 's/^L1-hello: HANDSHAKE //p' "$log" | head -1)
if grep -q '^L1-hello-rc=0' "$log" && grep -q '^L1-hello: Hello, World!' "$log"; then
	pass hello "handshake '$hs', Hello, World!"
else
	fail hello "handshake '${hs}', no Hello, World!"
fi
rf=$(sed -n 's/^L1-refused: REFUSED //p' "$log" | head -1)
if grep -q '^L1-refused-rc=0' "$log"; then
	pass refused "$rf"
else
	fail refused "CONNECT 9: '${rf}'"
fi
rates=$(sed -n 's/^L1-rate: RATE //p' "$log" | tr '\n' ';')
if [ "$(grep -c '^L1-rate: RATE [a-z]* 25/25' "$log")" -eq 4 ]; then
	pass setup-rate "$rates"
else
	fail setup-rate "$rates"
fi
bad=$(grep -E '^L2: \[host\] (error|guest crashed)' "$log" | head -1)
if grep -q '^CHARLIE-RC=' "$log" && [ -z "$bad" ]; then
	pass no-crash "$(grep '^CHARLIE-RC=' "$log")"
else
	fail no-crash "${bad:-no CHARLIE-RC line}"
fi

# second L2
sent=$(sed -n 's/^L2B: VG-SEND //p' "$log" | head -1)
gh=$(printf '%s\n' "$sent" | sed -n 's/.*hash=\([0-9a-f]*\).*/\1/p')
got=$(sed -n 's/^L1-listen: LISTEN //p' "$log" | head -1)
if [ -n "$gh" ] && [ "$got" = "GOT 67108864 $gh" ]; then
	pass guest-to-host "$sent"
else
	fail guest-to-host "guest: '${sent}', host listener: '${got}'"
fi
gr=$(sed -n 's/^L2B: VG-CONNECT 9001: //p' "$log" | head -1)
case $gr in
*reset* | *refused*) pass guest-refused "connect to host port 9001: $gr" ;;
*) fail guest-refused "connect to host port 9001: '${gr}'" ;;
esac
big() { sed -n "s/^L1-big: $1 //p" "$log" | head -1; }
sk=$(big SINK)
case $sk in *" match "*) pass 64m-sink "$sk" ;; *) fail 64m-sink "'${sk}'" ;; esac
so=$(big "SOURCE vsock")
case $so in *" match "*) pass 64m-source "$so" ;; *) fail 64m-source "'${so}'" ;; esac
mn=$(big MANY)
case $mn in "100/100 "*) pass 100-conns "$mn" ;; *) fail 100-conns "'${mn}'" ;; esac
st=$(big "SOURCE tcp")
hwm=$(sed -n 's/^L1-HWM=//p' "$log")
case $so/$st in
*match*/*match*) pass throughput "vsock: $so; nat: $st; charlie VmHWM $hwm (256 MiB guest)" ;;
*) fail throughput "vsock: '${so}'; nat: '${st}'" ;;
esac
