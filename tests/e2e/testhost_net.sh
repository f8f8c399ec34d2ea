#!/bin/sh
# timeout: 2400
# bingo (make guest: the cloud bzImage + initramfs) under charlie in the
# test host, on each network backend, in ONE test-host boot:
#   nat:    --net nat,restrict,forward=0.0.0.0:8080:8080.  The forward binds
#           0.0.0.0 because QEMU's hostfwd reaches L1's eth0, not its
#           loopback; the chain is outer 127.0.0.1:P -> QEMU (restrict=on)
#           -> L1 eth0:8080 -> charlie (libslirp) -> L2 :8080.  From the
#           machine outside: the lease line, the host's "guest IP" line (and
#           the --timeline phase), curl "Hello, World!", the HTTP edges
#           guest_qemu.sh checks on QEMU, LOAD_N requests over 50
#           connections with 0 errors (see LOAD_N below), SIGINT -> power
#           off -> exit 0.
#   socket: --net socket=PATH against Debian's passt started inside L1
#           (passt's own DHCP; its forward -t 8081:8080), GET from L1.
#           passt sandboxes itself as on any host (no flags): L1 runs on a
#           tmpfs (testhost/init switch_roots), and bingo hears passt's
#           unicast DHCP replies (guest/init.c, the AF_PACKET socket).
#   tap:    --net tap=tap0, a TAP made by busybox tunctl in L1 (tun.ko),
#           192.168.77.1/24 on L1's side and busybox udhcpd serving it;
#           GET from L1 (busybox nc).
# With `restrict`, libslirp's DHCP leaves out the router and DNS options
# (libslirp 4.7, slirp.c: "if (!slirp->restricted)"), so bingo's lease line
# reads gateway=0.0.0.0 dns=[]: that is libslirp's behaviour, not charlie's.
# The L1 scenario and this script hand over through markers on L1's console
# (NET-READY-x) and a second hostfwd port (L1 :9000, busybox nc -l) that
# this script connects to when its outside checks are done.  Every wait is a
# hang guard, not a time limit (L2 boots take 10-60 s on a loaded machine).
set -u
. "$(dirname "$0")/lib.sh"
. "$CHARLIE_ROOT/guest/tests/qemu-lib.sh"

# The issue's figure: 10,000 requests over 50 connections, 0 errors.  bingo
# logs a line per request; with console=hvc0 last on the command line those
# go out on the virtio console (one request per line), not the UART (one
# nested exit per byte, which held this test to ~3 requests/s and 1,000
# requests before).  TESTHOST_NET_LOAD_N / _C change the load.
LOAD_N=${TESTHOST_NET_LOAD_N:-10000}
LOAD_C=${TESTHOST_NET_LOAD_C:-50}
names="nat/lease nat/guest-ip nat/ip-before-serving nat/timeline nat/curl
nat/http-edges nat/load nat/request-logs nat/poweroff socket/lease socket/guest-ip socket/curl
socket/poweroff tap/lease tap/guest-ip tap/curl tap/poweroff"

command -v qemu-system-x86_64 >/dev/null 2>&1 ||
	skip_all "qemu-system-x86_64 not installed (Debian qemu-system-x86)" $names
[ -f "$CHARLIE" ] || fail_all "no charlie binary at $CHARLIE (run make)" $names
[ -f "$GB/bzImage" ] && [ -f "$GB/initramfs.cpio.gz" ] ||
	skip_all "$GB/bzImage or initramfs.cpio.gz not built (make guest)" $names
command -v curl >/dev/null 2>&1 && command -v socat >/dev/null 2>&1 ||
	skip_all "curl or socat not installed" $names
kdir=$("$CHARLIE_ROOT/scripts/fetch-kernel.sh" amd64 2>/dev/null) ||
	skip_all "Debian's linux-image-amd64 could not be fetched (scripts/fetch-kernel.sh amd64)" $names
tun=$(find "$kdir/lib/modules" -name 'tun.ko*' 2>/dev/null | head -1)
adds="--add $GB/bzImage:/k/bzImage --add $GB/initramfs.cpio.gz:/k/initrd.gz"
case $tun in
*.ko) adds="$adds --add $tun:/k/tun.ko" ;;
*) tun= ;;
esac
passt=$(command -v passt 2>/dev/null) && adds="$adds --add $passt:/bin/passt"
# passt needs only libc (ldd /usr/bin/passt), which run.sh already copies
# for charlie; its own libraries are added in case that ever changes.
for lib in $( [ -n "$passt" ] && ldd "$passt" 2>/dev/null | sed -n 's/.*=> \(\/[^ ]*\) .*/\1/p'); do
	adds="$adds --add $lib:$lib"
done

p_http=$(free_port) && p_go=$(free_port) && [ "$p_http" != "$p_go" ] ||
	skip_all "no free loopback ports" $names

tmp=$(mktemp -d)
rpid=
trap '[ -n "$rpid" ] && kill "$rpid" 2>/dev/null; rm -rf "$tmp"' EXIT INT TERM

cat >"$tmp/scenario.sh" <<'SCEN'
K="--kernel /k/bzImage --initrd /k/initrd.gz --memory 256M --timeline"
# bingo.img's command line: bingo's log follows /dev/console from the UART
# to hvc0 once virtio_console is loaded (guest/init.c console_follow), so
# the per-request lines cost one virtio-console request each, not one
# nested exit per byte
C="console=ttyS0 console=hvc0 quiet"
chmod 1777 /tmp
# wait_for PID FILE PATTERN: until PATTERN is in FILE, or PID is gone; a
# hang guard (600 s), not a time limit
wait_for() {
	i=0
	while ! grep -q "$3" "$2" 2>/dev/null && [ $i -lt 6000 ] &&
		kill -0 "$1" 2>/dev/null; do
		sleep 0.1
		i=$((i + 1))
	done
	grep -q "$3" "$2" 2>/dev/null
}
# get IP PORT: the body of GET / (busybox-static's wget segfaults, as
# static glibc's resolver does here: busybox nc with a numeric address)
get() {
	printf 'GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n' |
		nc -w 20 "$1" "$2" | tr -d '\r' | tail -1
}
stop() { # NAME PID
	kill -INT "$2"
	wait "$2"
	echo "NET-RC-$1=$?"
	echo "NET-REQLOG-$1=$(grep -c 'msg="request started"' "/tmp/$1.out")"
	# not the per-request lines: L1's console is slow too
	tr -d '\r' <"/tmp/$1.out" | grep -v 'msg="request ' | sed "s/^/NET-$1| /"
}

# --- nat: reached from the machine outside ---
charlie run $K --net nat,restrict,forward=0.0.0.0:8080:8080 \
	--cmdline "$C" >/tmp/nat.out 2>&1 &
pid=$!
wait_for $pid /tmp/nat.out 'msg="server starting"' || echo "NET-NOSERVER-nat"
echo "NET-READY-nat"
nc -l -p 9000 </dev/null >/dev/null
echo "NET-GO-nat"
stop nat $pid

# --- socket: passt, inside L1 ---
# L1's init switch_roots onto a tmpfs (testhost/init), so passt's own
# sandbox (user, mount, ... namespaces, pivot_root, seccomp) runs as it
# would on a normal host; no option of passt's weakens it here.
if command -v passt >/dev/null 2>&1; then
	# passt started as root changes to "nobody", which L1 lacks, and binds
	# its socket as that user
	grep -q '^nobody:' /etc/passwd 2>/dev/null ||
		echo 'nobody:x:65534:65534:nobody:/:/bin/false' >>/etc/passwd
	grep -q '^nogroup:' /etc/group 2>/dev/null ||
		echo 'nogroup:x:65534:' >>/etc/group
	mkdir -p /tmp/pd && chmod 777 /tmp/pd
	passt -f -1 --socket /tmp/pd/sock -t 8081:8080 >/tmp/passt.log 2>&1 &
	ppid=$!
	i=0
	while [ ! -S /tmp/pd/sock ] && [ $i -lt 300 ] && kill -0 $ppid 2>/dev/null; do
		sleep 0.1
		i=$((i + 1))
	done
	if ! kill -0 $ppid 2>/dev/null && [ ! -e /etc/testhost/on-tmpfs ]; then
		echo "NET-SKIP-socket=passt cannot sandbox itself: L1 stayed on its initramfs (rootfs), see testhost/init ($(grep -v syslog /tmp/passt.log | tail -2 | tr '\n' ' '))"
	else
		charlie run $K --net socket=/tmp/pd/sock --cmdline "$C" >/tmp/socket.out 2>&1 &
		pid=$!
		wait_for $pid /tmp/socket.out 'msg="server starting"' || echo "NET-NOSERVER-socket"
		echo "NET-WGET-socket=$(get 127.0.0.1 8081 2>&1)"
		stop socket $pid
	fi
	kill $ppid 2>/dev/null
	grep -v 'to syslog$' /tmp/passt.log | sed 's/^/NET-passt| /'
else
	echo "NET-SKIP-socket=passt not in L1"
fi

# --- tap: a TAP in L1, busybox udhcpd on its L1 side ---
if [ -f /k/tun.ko ]; then
	insmod /k/tun.ko 2>/dev/null
	mkdir -p /dev/net
	[ -c /dev/net/tun ] || mknod /dev/net/tun c 10 200
	tunctl -t tap0 >/dev/null || echo "NET-SKIP-tap=busybox tunctl -t tap0 failed"
	ip addr add 192.168.77.1/24 dev tap0
	ip link set tap0 up
	cat >/tmp/udhcpd.conf <<EOF
start 192.168.77.15
end 192.168.77.20
interface tap0
lease_file /tmp/udhcpd.leases
option subnet 255.255.255.0
option router 192.168.77.1
option lease 3600
EOF
	touch /tmp/udhcpd.leases
	udhcpd -f /tmp/udhcpd.conf >/tmp/udhcpd.log 2>&1 &
	upid=$!
	charlie run $K --net tap=tap0 --cmdline "$C" >/tmp/tap.out 2>&1 &
	pid=$!
	wait_for $pid /tmp/tap.out 'msg="server starting"' || echo "NET-NOSERVER-tap"
	ip=$(sed -n 's/.*msg="DHCP lease acquired" network.ip=\([0-9.]*\).*/\1/p' /tmp/tap.out | head -1)
	k=0
	while [ $k -lt 5 ]; do
		b=$(get "$ip" 8080 2>/tmp/wget.err)
		[ "$b" = "Hello, World!" ] && break
		sleep 1
		k=$((k + 1))
	done
	echo "NET-WGET-tap=$b"
	echo "NET-WGET-tap-err=ip '$ip': $(tail -2 /tmp/wget.err | tr '\n' ' ')"
	ip addr show dev tap0 | sed 's/^/NET-tap0| /'
	ip neigh | sed 's/^/NET-tap0| /' 
	stop tap $pid
	kill $upid 2>/dev/null
else
	echo "NET-SKIP-tap=no tun.ko for the L1 kernel"
fi
exit 0
SCEN

: >"$tmp/out" # before the first look at it
# shellcheck disable=SC2086
CHARLIE=$CHARLIE sh "$CHARLIE_ROOT/testhost/run.sh" --retry-frozen --timeout 5400 $adds \
	--hostfwd "127.0.0.1:$p_http-:8080" --hostfwd "127.0.0.1:$p_go-:9000" \
	"$tmp/scenario.sh" >"$tmp/out" 2>"$tmp/err" &
rpid=$!

# (attempt 2 only, if L1 froze and was booted again: lib.sh testhost_log)
log() { testhost_log "$tmp/out" /dev/stdout; }
# Wait for the scenario's marker, or for run.sh to end (its own timeout is
# the hang guard).
ready=0
while kill -0 "$rpid" 2>/dev/null; do
	if log | grep -q '^NET-READY-nat'; then
		ready=1
		break
	fi
	sleep 0.5
done

if [ $ready = 1 ]; then
	url=http://127.0.0.1:$p_http
	body=$(curl -s -m 30 "$url/")
	code() { curl -s -m 30 -o /dev/null -w '%{http_code}' "$@"; }
	raw() { printf "$1" | socat -t 30 -T 30 - "TCP:127.0.0.1:$p_http" 2>/dev/null | head -1 | tr -d '\r'; }
	c1=$(code -I "$url/")
	c2=$(code "$url/missing")
	c3=$(code -H "X-Big: $(head -c 9000 /dev/zero | tr '\0' a)" "$url/")
	s4=$(raw 'GARBAGE\r\n\r\n')
	s5=$(raw 'GET / HTTP/1.1\r\nHost: x\r\n\r\nGET /x HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')
	if [ -x "$GB/loadgen" ]; then
		load=$("$GB/loadgen" -p "$p_http" -c "$LOAD_C" -n "$LOAD_N" -t 1800 2>&1)
		load_rc=$?
	else
		load="$GB/loadgen not built (make guest)" load_rc=1
	fi
	# tell L1 to go on: retried until its NET-GO marker shows (the
	# connection may land before busybox nc listens)
	while kill -0 "$rpid" 2>/dev/null && ! log | grep -q '^NET-GO-nat'; do
		socat -T 2 /dev/null "TCP:127.0.0.1:$p_go" 2>/dev/null
		sleep 1
	done
fi
wait "$rpid"
rc=$?
rpid=
log >"$tmp/log"
mkdir -p "$CHARLIE_BUILD/testhost"
cp "$tmp/log" "$CHARLIE_BUILD/testhost/testhost_net.log"
cat "$tmp/err" >>"$CHARLIE_BUILD/testhost/testhost_net.log"
testhost_verdict "$rc" "$tmp/err" $names
L="log in $CHARLIE_BUILD/testhost/testhost_net.log"
[ $ready = 1 ] || fail_all "L1 never said NET-READY-nat (rc $rc, $L)" $names

out() { sed -n "s/^NET-$1| //p" "$tmp/log"; }
# the seed's lease line: time=... level=INFO msg="DHCP lease acquired" ...
lease_ok() { # BACKEND IP/PREFIX GATEWAY DNS LEASE
	out "$1" | grep -Eq "^time=20[0-9]{2}-[0-9]{2}-[0-9]{2}T[0-9:.]{12}Z level=INFO msg=\"DHCP lease acquired\" network.ip=$2 network.gateway=$3 network.dns=\[$4\] network.lease_time=$5\$"
}

# ---- nat ----
if lease_ok nat 10.0.2.15/24 0.0.0.0 '' 24h0m0s; then
	pass nat/lease "gateway=0.0.0.0 dns=[]: libslirp's DHCP under restrict"
else
	fail nat/lease "no lease line in the seed's format: $(out nat | grep 'DHCP lease' | head -1) ($L)"
fi
gip=$(out nat | grep -n '^\[host\] guest IP ' | head -1)
if [ "${gip#*:}" = "[host] guest IP 10.0.2.15 (forwarding 0.0.0.0:8080 -> 8080)" ] &&
	[ "$(out nat | grep -c '^\[host\] guest IP ')" = 1 ]; then
	pass nat/guest-ip "${gip#*:}, once"
else
	fail nat/guest-ip "got '${gip#*:}' ($L)"
fi
# Behaviour, not wall clock: the host's line is written before the guest's
# "server starting" (so before any request could succeed).
srv=$(out nat | grep -n 'msg="server starting"' | head -1 | cut -d: -f1)
lse=$(out nat | grep -n 'msg="DHCP lease acquired"' | head -1 | cut -d: -f1)
gl=${gip%%:*}
if [ -n "$gl" ] && [ -n "$srv" ] && [ "$gl" -lt "$srv" ]; then
	if [ -n "$lse" ] && [ "$gl" -lt "$lse" ]; then w="before"; else w="after"; fi
	pass nat/ip-before-serving "host line $w the guest's lease line, before 'server starting'"
else
	fail nat/ip-before-serving "guest IP at line '$gl', server starting at line '$srv' ($L)"
fi
# timeline: the guest writes its boot marker after it applied the lease and
# listens, so the guest IP phase must not come after the boot marker
tl() { out nat | sed -n "s/^\[host\]   $1  *\([0-9][0-9.]*\).*/\1/p" | head -1; }
tip=$(tl 'guest IP') tbm=$(tl 'boot marker')
if [ -n "$tip" ] && [ -n "$tbm" ] &&
	awk -v a="$tip" -v b="$tbm" 'BEGIN { exit !(a <= b) }'; then
	pass nat/timeline "guest IP at ${tip} ms, boot marker (lease applied, listening) $(awk -v a="$tip" -v b="$tbm" 'BEGIN { printf "%.1f", b - a }') ms later"
else
	fail nat/timeline "guest IP phase '$tip', boot marker '$tbm' ($L)"
fi
if [ "$body" = "Hello, World!" ]; then
	pass nat/curl "outer 127.0.0.1:$p_http -> QEMU -> L1 :8080 -> charlie -> L2"
else
	fail nat/curl "got '$body'"
fi
if [ "$c1" = 200 ] && [ "$c2" = 404 ] && [ "$c3" = 431 ] &&
	[ "$s4" = "HTTP/1.1 400 Bad Request" ] && [ "$s5" = "HTTP/1.1 200 OK" ]; then
	pass nat/http-edges "HEAD 200, /missing 404, 9 KB header 431, garbage 400, pipelined"
else
	fail nat/http-edges "HEAD=$c1 missing=$c2 big=$c3 garbage='$s4' pipelined='$s5'"
fi
if [ "$load_rc" = 0 ]; then
	pass nat/load "$(echo "$load" | sed 's/^loadgen: //' | tr '\n' ' ')"
else
	fail nat/load "$load"
fi
# every request still logged (the seed's per-request line), on hvc0
nreq=$(sed -n 's/^NET-REQLOG-nat=//p' "$tmp/log")
mv_line=$(out nat | grep 'msg="console moves"' | head -1)
nok=$(echo "$load" | sed -n 's/.* ok=\([0-9]*\) .*/\1/p')
if [ -n "$nreq" ] && [ -n "$nok" ] && [ "$nreq" -ge "$nok" ] &&
	echo "$mv_line" | grep -q 'console.from=ttyS0 console.to=hvc0$'; then
	pass nat/request-logs "$nreq 'request started' lines for $nok answered by loadgen (+ the edge cases); the log moved from ttyS0 to hvc0"
else
	fail nat/request-logs "request lines '$nreq' for loadgen ok='$nok'; console line '$mv_line' ($L)"
fi
if grep -q '^NET-RC-nat=0' "$tmp/log" && out nat | grep -q 'msg="powering off"'; then
	pass nat/poweroff "SIGINT -> power button -> exit 0"
else
	fail nat/poweroff "$(grep '^NET-RC-nat=' "$tmp/log") ($L)"
fi

# ---- socket (passt) and tap ----
check_l1() { # NAME IP/PREFIX-REGEX GATEWAY LEASE IP-REGEX
	n=$1
	why=$(sed -n "s/^NET-SKIP-$n=//p" "$tmp/log" | head -1)
	if [ -n "$why" ]; then
		for t in lease guest-ip curl poweroff; do skip "$n/$t" "$why"; done
		return
	fi
	if out "$n" | grep -Eq "msg=\"DHCP lease acquired\" network.ip=$2 network.gateway=$3 "; then
		pass "$n/lease" "$(out "$n" | grep -o 'network.ip=.*' | head -1)"
	else
		fail "$n/lease" "$(out "$n" | grep 'DHCP lease' | head -1) ($L)"
	fi
	g=$(out "$n" | grep '^\[host\] guest IP ' | head -1)
	if echo "$g" | grep -Eqx "\[host\] guest IP $5"; then
		pass "$n/guest-ip" "$g"
	else
		fail "$n/guest-ip" "got '$g' ($L)"
	fi
	b=$(sed -n "s/^NET-WGET-$n=//p" "$tmp/log" | head -1)
	if [ "$b" = "Hello, World!" ]; then
		pass "$n/curl" "busybox nc in L1: $4"
	else
		fail "$n/curl" "got '$b' ($L)"
	fi
	if grep -q "^NET-RC-$n=0" "$tmp/log"; then
		pass "$n/poweroff" "SIGINT -> exit 0"
	else
		fail "$n/poweroff" "$(grep "^NET-RC-$n=" "$tmp/log") ($L)"
	fi
}
check_l1 socket '10\.0\.2\.15/24' 10.0.2.2 "127.0.0.1:8081 -> passt -t 8081:8080 -> L2" '10\.0\.2\.15'
# udhcpd hands out any address of its pool (.15 is not always first)
check_l1 tap '192\.168\.77\.(1[5-9]|20)/24' 192.168.77.1 "the leased address :8080 over tap0" '192\.168\.77\.(1[5-9]|20)'
exit 0
