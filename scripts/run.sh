#!/bin/sh
# make run: boot bingo.img as the seed's `just run` did: the console
# streamed, port 8080 forwarded to 127.0.0.1:8080 (RUN_PORT), Ctrl-C
# presses the ACPI power button, a second Ctrl-C stops it by force.
# Directly on hardware KVM; through the nested test host when /dev/kvm is
# PVM or missing (Ctrl-C is then carried to charlie inside the test host
# over a forwarded control port).
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
: "${CHARLIE_BUILD:=build}"
case $CHARLIE_BUILD in /*) ;; *) CHARLIE_BUILD=$root/$CHARLIE_BUILD ;; esac
img=$CHARLIE_BUILD/guest/bingo.img
port=${RUN_PORT:-8080}
[ -f "$img" ] || { echo "run: $img missing (make guest)" >&2; exit 2; }

if [ -c /dev/kvm ] && [ -r /dev/kvm ] && [ -w /dev/kvm ] && [ ! -d /sys/module/kvm_pvm ]; then
	echo "[run] charlie directly on this machine's /dev/kvm" >&2
	exec "$CHARLIE_BUILD/charlie" run --disk "$img,ro" \
		--net "nat,forward=127.0.0.1:$port:8080"
fi

why="this machine has no usable /dev/kvm"
[ -d /sys/module/kvm_pvm ] && why="this /dev/kvm is PVM, where stock kernels cannot boot"
ctrl=$((port + 1000))
echo "[run] charlie inside the nested test host: $why" >&2
echo "[run] http://127.0.0.1:$port/ reaches bingo; Ctrl-C presses its power button" >&2
dir=$(mktemp -d)
cat >"$dir/scenario.sh" <<'SCEN'
charlie run --disk /k/bingo.img,ro --net nat,forward=0.0.0.0:8080:8080 </dev/null &
pid=$!
# each connection to the control port is one Ctrl-C for charlie
( while kill -0 $pid 2>/dev/null; do
	nc -l -p 9999 </dev/null >/dev/null 2>&1 && kill -INT $pid 2>/dev/null
done ) &
wait $pid
rc=$?
echo "RUN-CHARLIE-EXIT=$rc"
exit $rc
SCEN
# its own session: a Ctrl-C on this terminal reaches only this script
setsid "$root/testhost/run.sh" --add "$img:/k/bingo.img" --timeout 86400 \
	--hostfwd "127.0.0.1:$port-:8080" --hostfwd "127.0.0.1:$ctrl-:9999" \
	"$dir/scenario.sh" </dev/null &
pid=$!
press() { socat -u /dev/null "TCP:127.0.0.1:$ctrl" 2>/dev/null; }
trap 'press' INT
trap 'press' TERM
rc=0
while kill -0 $pid 2>/dev/null; do
	wait $pid
	rc=$? # > 128: the wait was cut short by a trapped signal
done
rm -rf "$dir"
exit $rc
