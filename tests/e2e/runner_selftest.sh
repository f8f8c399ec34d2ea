#!/bin/sh
# timeout: 120
# tests/run.sh on its fixture suites (tests/runner/fixtures): each rule of
# the runner is a fixture whose count is known, so a runner that regresses
# (counts cmocka's "not ok # SKIP" as a FAIL, misses a binary that stops
# early or a script with no verdict, runs a stale binary or lib.sh, trusts
# another script's PASS line, waits for a hung script) changes the summary.
set -u
. "$(dirname "$0")/lib.sh"
fx=$CHARLIE_ROOT/tests/runner/fixtures
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The fixture list, as the Makefile would pass it: "stale" sits in the same
# directory but is not listed; "missing" is listed but does not exist.
bins="$fx/unit/tap_skip $fx/unit/tap_early $fx/unit/tap_noplan $fx/unit/tap_fail $fx/unit/tap_exit $fx/unit/missing"
s=$(date +%s)
UNIT_BINS=$bins E2E_DIR=$fx/e2e TESTS= T_TIMEOUT=60 \
	sh "$CHARLIE_ROOT/tests/run.sh" >"$work/out" 2>&1
rc=$?
dt=$(($(date +%s) - s))
sed 's/^/    | /' "$work/out"

want="14 passed, 12 failed, 5 skipped"
got=$(tail -1 "$work/out")
if [ "$got" = "$want" ]; then
	pass summary "$want"
else
	fail summary "last line '$got', want '$want'"
fi
if [ "$rc" != 0 ]; then
	pass exit-status "exit $rc with failures"
else
	fail exit-status "exit 0 although fixtures failed"
fi

# expect NAME LINE: LINE is in the runner's output
expect() {
	if grep -qxF -- "$2" "$work/out"; then
		pass "$1"
	else
		fail "$1" "no line '$2'"
	fi
}
# refuse NAME PATTERN: nothing in the runner's output matches PATTERN
refuse() {
	if grep -q -- "$2" "$work/out"; then
		fail "$1" "$(grep -- "$2" "$work/out" | head -1)"
	else
		pass "$1"
	fi
}
expect tap-skip-not-ok "SKIP: tap_skip/skipped_by_cmocka"
expect tap-skip-ok "SKIP: tap_skip/skipped_ok_form"
expect tap-early "FAIL: tap_early: ran 1 of 4 planned tests (exit 0)"
expect tap-noplan "FAIL: tap_noplan: no TAP plan (1..N) in its output (exit 0)"
expect tap-fail "FAIL: tap_fail/bad"
refuse tap-fail-once "FAIL: tap_fail: exited"
expect tap-exit "FAIL: tap_exit: exited 2 without a failed test"
expect unit-missing "FAIL: missing: $fx/unit/missing not built"
refuse unit-stale "stale_binary_ran"
expect e2e-silent "FAIL: silent: no PASS/FAIL/SKIP line (exit 0)"
expect e2e-hung "FAIL: hung: timed out after 2 s"
refuse e2e-hung-stopped "PASS: hung/never"
expect e2e-foreign "FAIL: foreign: verdict line for another name: PASS: good/a"
expect e2e-foreign-prefix "FAIL: foreign: verdict line for another name: PASS: foreignx/prefix-is-not-enough"
expect e2e-exits "FAIL: exits: exited 3 without a FAIL line"
expect lib-pass-note "PASS: uselib/b (a note)"
expect lib-fail "FAIL: uselib/c: a reason"
expect lib-skip-all "SKIP: uselib/e: a reason"
refuse lib-skip-all-exits "uselib/never"
refuse lib-not-a-suite "== e2e: lib$"
refuse only-sh "notes"
# The hung fixture's own timeout (2 s), not T_TIMEOUT (60 s), applied.
if [ "$dt" -lt 50 ]; then
	pass timeout-header "the run took ${dt} s"
else
	fail timeout-header "the run took ${dt} s: the '# timeout: 2' header was not used"
fi
