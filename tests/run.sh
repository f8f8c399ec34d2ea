#!/bin/sh
# Runs every test suite and ends with one "N passed, N failed" line.
#  - unit tests: every executable in $CHARLIE_BUILD/tests/unit (cmocka, TAP)
#  - end-to-end: every tests/e2e/*.sh; each prints lines
#      PASS: name
#      FAIL: name: reason
#      SKIP: name: reason
#    and a script that exits non-zero without a FAIL line counts as a FAIL.
# Set TESTS=pattern to run only suites whose file name contains it.
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root" || exit 4
: "${CHARLIE_BUILD:=build}"
export CHARLIE_BUILD CHARLIE_ROOT="$root" CHARLIE="$root/$CHARLIE_BUILD/charlie"
export CMOCKA_MESSAGE_OUTPUT=TAP
: "${TESTS:=}"
res=$(mktemp)
tmp=$(mktemp)
trap 'rm -f "$res" "$tmp"' EXIT

for bin in "$CHARLIE_BUILD"/tests/unit/*; do
	[ -x "$bin" ] && [ -f "$bin" ] || continue
	name=$(basename "$bin")
	case $name in *"$TESTS"*) ;; *) continue ;; esac
	echo "== unit: $name"
	"$bin" >"$tmp" 2>&1
	rc=$?
	while IFS= read -r l; do
		case $l in
		"not ok "*) echo "FAIL: $name/${l#not ok * - }" ;;
		"ok "*"# SKIP"*) echo "SKIP: $name/${l#ok * - }" ;;
		"ok "*) echo "PASS: $name/${l#ok * - }" ;;
		"#"* | "1.."* | "") ;;
		*) echo "    $l" ;;
		esac
	done <"$tmp" | tee -a "$res"
	if [ $rc -ne 0 ] && ! grep -q '^not ok' "$tmp"; then
		echo "FAIL: $name: exited $rc" | tee -a "$res"
	fi
done

for t in tests/e2e/*.sh; do
	[ -f "$t" ] || continue
	name=$(basename "$t" .sh)
	case $name in *"$TESTS"*) ;; *) continue ;; esac
	echo "== e2e: $name"
	{ sh "$t" 2>&1; echo "__exit=$?"; } | tee "$tmp" | grep -v '^__exit='
	grep -E '^(PASS|FAIL|SKIP): ' "$tmp" >>"$res"
	rc=$(sed -n 's/^__exit=//p' "$tmp")
	if [ "$rc" != 0 ] && ! grep -q '^FAIL: ' "$tmp"; then
		echo "FAIL: $name: exited $rc" | tee -a "$res"
	fi
done

pass=$(grep -c '^PASS: ' "$res")
fail=$(grep -c '^FAIL: ' "$res")
skip=$(grep -c '^SKIP: ' "$res")
echo
if [ "$fail" -gt 0 ]; then
	echo "Failed:"
	grep '^FAIL: ' "$res" | sed 's/^FAIL: /  /'
fi
if [ "$skip" -gt 0 ]; then
	echo "Skipped:"
	grep '^SKIP: ' "$res" | sed 's/^SKIP: /  /'
fi
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]
