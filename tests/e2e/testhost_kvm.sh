#!/bin/sh
# Smoke test of the test host (design.md 6): L1 boots under QEMU TCG, loads
# the kvm modules and has /dev/kvm, and charlie runs inside it.
set -u
. "$(dirname "$0")/lib.sh"
names="l1-dev-kvm charlie-version"

command -v qemu-system-x86_64 >/dev/null 2>&1 ||
	skip_all "qemu-system-x86_64 not installed (Debian qemu-system-x86)" $names
[ -f "$CHARLIE" ] || fail_all "no charlie binary at $CHARLIE (run make)" $names
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cat >"$tmp/scenario.sh" <<'SCEN'
if [ -c /dev/kvm ]; then echo "SMOKE-KVM=yes"; else echo "SMOKE-KVM=no"; fi
if command -v charlie >/dev/null 2>&1; then
	v=$(charlie --version 2>&1)
	echo "SMOKE-CHARLIE-RC=$? $v"
else
	echo "SMOKE-CHARLIE-RC=missing"
fi
SCEN
CHARLIE=$CHARLIE sh "$CHARLIE_ROOT/testhost/run.sh" --retry-frozen --timeout 180 "$tmp/scenario.sh" >"$tmp/out" 2>&1
rc=$?
testhost_log "$tmp/out" "$tmp/log"
grep '^testhost: L1' "$tmp/log" | sed 's/^/    /'
testhost_verdict "$rc" "$tmp/log" $names

if grep -q '^SMOKE-KVM=yes' "$tmp/log"; then
	pass l1-dev-kvm
else
	fail l1-dev-kvm "run.sh exit $rc: $(grep '^testhost: ' "$tmp/log" | tail -1)"
	tail -20 "$tmp/log" | sed 's/^/    /'
fi
v=$(sed -n 's/^SMOKE-CHARLIE-RC=//p' "$tmp/log" | head -1)
case $v in
"0 charlie "*) pass charlie-version ;;
"") fail charlie-version "the scenario did not run (run.sh exit $rc)" ;;
*) fail charlie-version "in L1: $v" ;;
esac
