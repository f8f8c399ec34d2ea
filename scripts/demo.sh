#!/bin/sh
# The main job (issue 11, the seed's session on charlie): boot bingo.img
# (one read-only disk image; its EFI system partition holds a unified
# kernel image booted with no firmware), stream its console, wait for the
# host's "guest IP" line, fetch Hello, World! through the port forward,
# show the guest's request log line, then press Ctrl-C (the ACPI power
# button) and show the clean power-off, exit 0.
#
# Where: directly when /dev/kvm is hardware KVM; through the nested test
# host (testhost/, QEMU/TCG with a real /dev/kvm inside) when /dev/kvm is
# PVM or missing, with the forward chained to this machine's loopback.
# DEMO_PORT (default: a free one from 18080) is the port on 127.0.0.1.
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
: "${CHARLIE_BUILD:=build}"
case $CHARLIE_BUILD in /*) ;; *) CHARLIE_BUILD=$root/$CHARLIE_BUILD ;; esac
charlie=$CHARLIE_BUILD/charlie
img=$CHARLIE_BUILD/guest/bingo.img
for f in "$charlie" "$img"; do
	[ -f "$f" ] || { echo "demo: $f missing (run: make all guest)" >&2; exit 2; }
done
say() { echo "[demo] $*" >&2; }

port=${DEMO_PORT:-}
if [ -z "$port" ]; then
	port=18080
	while ss -ltn 2>/dev/null | grep -q "127.0.0.1:$port "; do
		port=$((port + 1))
	done
fi
dir=$(mktemp -d)
: >"$dir/run.log"
sum0=$(md5sum <"$img" | cut -d' ' -f1)
pid=
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null
	[ -n "${tailpid:-}" ] && kill "$tailpid" 2>/dev/null
	rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

direct=yes
why=
if [ ! -c /dev/kvm ] || [ ! -r /dev/kvm ] || [ ! -w /dev/kvm ]; then
	direct=no why="this machine has no usable /dev/kvm"
elif [ -d /sys/module/kvm_pvm ]; then
	direct=no why="this /dev/kvm is PVM, where stock kernels cannot boot"
fi

# wait_for FILE PATTERN SECONDS
wait_for() {
	i=0
	while ! grep -q -- "$2" "$1" 2>/dev/null; do
		i=$((i + 1))
		[ $i -gt $(($3 * 5)) ] && return 1
		[ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null && return 1
		sleep 0.2
	done
}

if [ $direct = yes ]; then
	say "running charlie directly on this machine's /dev/kvm"
	log=$dir/run.log
	"$charlie" run --disk "$img,ro" \
		--net "nat,restrict,forward=127.0.0.1:$port:8080" >"$log" 2>&1 </dev/null &
	pid=$!
	tail -f "$log" &
	tailpid=$!
	intr() { kill -INT "$pid"; }
else
	say "running charlie inside the nested test host: $why"
	say "(QEMU/TCG with a real /dev/kvm in it; 127.0.0.1:$port -> test host -> charlie -> bingo)"
	cat >"$dir/scenario.sh" <<'SCEN'
charlie run --disk /k/bingo.img,ro --net nat,restrict,forward=0.0.0.0:8080:8080 \
	</dev/null >/tmp/con 2>&1 &
pid=$!
tail -f /tmp/con &
tpid=$!
i=0
# Ctrl-C (SIGINT) once the guest has answered the demo's request
while ! grep -q 'msg="request started"' /tmp/con && kill -0 $pid 2>/dev/null && [ $i -lt 3000 ]; do
	sleep 0.2
	i=$((i + 1))
done
sleep 1
echo "[demo] ^C"
kill -INT $pid
wait $pid
rc=$?
sleep 2 # let tail show charlie's last lines
kill $tpid 2>/dev/null
echo "DEMO-CHARLIE-EXIT=$rc"
exit $rc
SCEN
	log=$dir/run.log
	"$root/testhost/run.sh" --add "$img:/k/bingo.img" --timeout 900 \
		--hostfwd "127.0.0.1:$port-:8080" "$dir/scenario.sh" >"$log" 2>&1 &
	pid=$!
	tail -f "$log" &
	tailpid=$!
	intr() { :; } # the scenario presses Ctrl-C inside the test host
fi

if ! wait_for "$log" '\[host\] guest IP' 900; then
	say "no '[host] guest IP' line: the guest did not get its lease"
	exit 1
fi
sleep 0.5
say "\$ curl http://127.0.0.1:$port/"
body=$(curl -sS --max-time 20 "http://127.0.0.1:$port/")
crc=$?
printf '%s\n' "$body" >&2
wait_for "$log" 'msg="request started"' 30
intr
say "Ctrl-C: the ACPI power button"
wait "$pid"
rc=$?
pid=
sleep 0.3
if [ $direct = no ]; then
	# (L1's kernel messages may share the console line)
	rc=$(sed -n 's/.*DEMO-CHARLIE-EXIT=\([0-9]*\).*/\1/p' "$log" | tail -1)
	rc=${rc:-4}
fi
sleep 1 # let tail show the last lines
sum1=$(md5sum <"$img" | cut -d' ' -f1)
[ "$sum0" = "$sum1" ] || { say "bingo.img changed!"; exit 1; }
say "charlie exited $rc; bingo.img unchanged"
[ $crc -eq 0 ] && [ "$body" = "Hello, World!" ] && [ "$rc" = 0 ]
