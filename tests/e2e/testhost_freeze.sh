#!/bin/sh
# SPDX-License-Identifier: MIT
# timeout: 300
# testhost/run.sh --retry-frozen against a fake L0 that freezes the way
# Debian's QEMU 7.2 was seen to (alive, running nothing; NOTES.md): the
# fake sleeps on its first N calls and plays a short healthy L1 after.
#   retry          one freeze: QEMU killed after TESTHOST_FREEZE_SECS, one
#                  TESTHOST-RESTART line, then the scenario's exit 0; the
#                  log testhost_log keeps has only the second attempt
#   frozen-twice   two freezes: exit 123, "froze again", no third attempt
#   opt-in         without --retry-frozen a freeze is only a timeout (124)
# The real L1 is not booted (its initramfs is still built: build-l1.sh).
set -u
. "$(dirname "$0")/lib.sh"
names="retry frozen-twice opt-in"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

cat >"$tmp/fake-l0" <<'FAKE'
#!/bin/sh
# Stands in for qemu-system-x86_64: frozen on calls 1..$FAKE_FREEZES.
for a; do
	case $a in *logfile=*) log=${a#*logfile=} log=${log%%,*} ;; esac
done
n=$(($(cat "$FAKE_STATE" 2>/dev/null || echo 0) + 1))
echo "$n" >"$FAKE_STATE"
[ "$n" -le "$FAKE_FREEZES" ] && exec sleep 1000
printf 'TESTHOST-KVM-READY uptime=1.00\nFAKE-SCENARIO-RAN call=%s\nTESTHOST-EXIT=0 uptime=2.00\n' "$n" |
	tee -a "$log"
FAKE
chmod +x "$tmp/fake-l0"
echo 'true' >"$tmp/scenario.sh"

# fake FREEZES OUT [run.sh options]: run.sh with the fake; prints its exit.
fake() {
	_f=$1 _o=$2
	shift 2
	rm -f "$tmp/state"
	FAKE_FREEZES=$_f FAKE_STATE=$tmp/state TESTHOST_FREEZE_SECS=3 \
		TESTHOST_L0_QEMU=$tmp/fake-l0 \
		sh "$CHARLIE_ROOT/testhost/run.sh" "$@" "$tmp/scenario.sh" >"$_o" 2>&1
	echo $?
}

rc=$(fake 1 "$tmp/out1" --retry-frozen --timeout 60)
case $rc in 4 | 127)
	skip_all "the test host cannot start here: $(grep '^testhost: ' "$tmp/out1" | tail -1)" $names
	;;
esac
testhost_log "$tmp/out1" "$tmp/log1"
restarts=$(grep -c '^TESTHOST-RESTART$' "$tmp/out1")
if [ "$rc" = 0 ] && [ "$restarts" = 1 ] && [ "$(cat "$tmp/state")" = 2 ] &&
	grep -q '^testhost: L1 froze: ' "$tmp/log1" &&
	[ "$(grep -c '^FAKE-SCENARIO-RAN call=2$' "$tmp/log1")" = 1 ] &&
	[ "$(grep -c 'booting L1' "$tmp/log1")" = 1 ]; then
	pass retry "frozen once, booted again, exit 0; the kept log has attempt 2 only"
else
	sed 's/^/    | /' "$tmp/out1" | tail -12
	fail retry "exit $rc, $restarts restart lines, $(cat "$tmp/state" 2>/dev/null) calls"
fi

rc=$(fake 2 "$tmp/out2" --retry-frozen --timeout 60)
if [ "$rc" = 123 ] && [ "$(cat "$tmp/state")" = 2 ] &&
	grep -q '^testhost: L1 froze again' "$tmp/out2"; then
	pass frozen-twice "exit 123 after two freezes, no third boot"
else
	sed 's/^/    | /' "$tmp/out2" | tail -12
	fail frozen-twice "exit $rc, $(cat "$tmp/state" 2>/dev/null) calls"
fi

rc=$(fake 1 "$tmp/out3" --timeout 8)
if [ "$rc" = 124 ] && [ "$(cat "$tmp/state")" = 1 ] &&
	! grep -q 'TESTHOST-RESTART' "$tmp/out3"; then
	pass opt-in "no --retry-frozen: the same freeze is a timeout (124)"
else
	sed 's/^/    | /' "$tmp/out3" | tail -12
	fail opt-in "exit $rc, $(cat "$tmp/state" 2>/dev/null) calls"
fi
