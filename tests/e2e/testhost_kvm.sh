#!/bin/sh
# Smoke test of the test host (design.md 6): L1 boots under QEMU TCG, loads
# the kvm modules and has /dev/kvm, and charlie runs inside it.
set -u
root=${CHARLIE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
charlie=${CHARLIE:-$root/build/charlie}
export CHARLIE_BUILD="${CHARLIE_BUILD:-build}"
t=testhost_kvm

if ! command -v qemu-system-x86_64 >/dev/null 2>&1; then
	echo "SKIP: $t/l1-dev-kvm: qemu-system-x86_64 not installed (Debian qemu-system-x86)"
	echo "SKIP: $t/charlie-version: qemu-system-x86_64 not installed"
	exit 0
fi
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
CHARLIE=$charlie sh "$root/testhost/run.sh" --timeout 180 "$tmp/scenario.sh" >"$tmp/out" 2>&1
rc=$?
tr -d '\r' <"$tmp/out" >"$tmp/log"
grep '^testhost: L1' "$tmp/log" | sed 's/^/    /'

if grep -q '^SMOKE-KVM=yes' "$tmp/log"; then
	echo "PASS: $t/l1-dev-kvm"
else
	echo "FAIL: $t/l1-dev-kvm: run.sh exit $rc: $(grep '^testhost: ' "$tmp/log" | tail -1)"
	tail -20 "$tmp/log" | sed 's/^/    /'
fi
v=$(sed -n 's/^SMOKE-CHARLIE-RC=//p' "$tmp/log" | head -1)
if [ ! -f "$charlie" ]; then
	echo "SKIP: $t/charlie-version: no charlie binary at $charlie (run make)"
else
	case $v in
	"0 charlie "*) echo "PASS: $t/charlie-version" ;;
	"") echo "FAIL: $t/charlie-version: the scenario did not run (run.sh exit $rc)" ;;
	*) echo "FAIL: $t/charlie-version: in L1: $v" ;;
	esac
fi
exit 0
