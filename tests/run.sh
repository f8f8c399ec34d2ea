#!/bin/sh
# Runs every test suite and ends with one "N passed, N failed, N skipped"
# line; exits non-zero when anything failed (or nothing passed).
#
# Unit suites: exactly the binaries listed in $UNIT_BINS (the Makefile
# passes its list, built from tests/unit/test_*.c and the *.mk files; when
# unset, `make -s print-unit-bins` is asked), never whatever else sits in
# the build directory.  Each prints TAP (CMOCKA_MESSAGE_OUTPUT=TAP):
#   ok N - name              PASS: <binary>/name
#   not ok N - name          FAIL: <binary>/name
#   ok N # SKIP name         SKIP: <binary>/name   (cmocka 1.1 prints
#   not ok N # SKIP name     SKIP: <binary>/name    "not ok N # SKIP" for skip())
# and is a FAIL as well when: it is missing, it has no "1..N" plan, the
# number of ok/not ok lines differs from the plan(s) (it stopped early),
# it exits non-zero without a "not ok" line, or it times out.
#
# End-to-end suites: every $E2E_DIR/*.sh (default tests/e2e) but lib.sh,
# run with `sh`.  Each prints verdict lines at the start of a line:
#   PASS: <script>[/name | : note | (note)]
#   FAIL: <script>[/name]: reason
#   SKIP: <script>[/name]: reason
# where <script> is the file name without .sh.  The suite is also a FAIL
# when: a verdict line carries another name (it counts as a FAIL, not
# as what it says), it prints no verdict line at all, it exits non-zero
# without a FAIL line, or it times out.
#
# Timeouts: ${T_TIMEOUT:-1200} seconds per suite; an e2e script may set its
# own with a header line "# timeout: SECONDS" in its first 20 lines.
# TESTS=pattern runs only the suites whose name contains it.
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root" || exit 4
: "${CHARLIE_BUILD:=build}"
: "${E2E_DIR:=tests/e2e}"
: "${T_TIMEOUT:=1200}"
: "${TESTS:=}"
case $CHARLIE_BUILD in /*) cb=$CHARLIE_BUILD ;; *) cb=$root/$CHARLIE_BUILD ;; esac
export CHARLIE_BUILD CHARLIE_ROOT="$root" CHARLIE="${CHARLIE:-$cb/charlie}"
export CMOCKA_MESSAGE_OUTPUT=TAP
if [ -z "${UNIT_BINS+set}" ]; then
	UNIT_BINS=$(make -s --no-print-directory print-unit-bins BUILD="$CHARLIE_BUILD") || {
		echo "run.sh: UNIT_BINS unset and 'make print-unit-bins' failed" >&2
		exit 4
	}
fi
res=$(mktemp)
tmp=$(mktemp)
trap 'rm -f "$res" "$tmp"' EXIT

selected() { case $1 in *"$TESTS"*) return 0 ;; esac; return 1; }

# run_timed SECONDS CMD...: the command with a hang guard (SIGTERM, then
# SIGKILL 5 s later, to its whole process group); output in $tmp, exit
# status in $rc (124 or 137 when it timed out).
run_timed() {
	_s=$1
	shift
	{
		timeout -k 5 "$_s" "$@" 2>&1
		echo "__exit=$?"
	} | tee "$tmp" | grep -v '^__exit='
	rc=$(sed -n 's/^__exit=//p' "$tmp" | tail -1)
	sed -i '/^__exit=/d' "$tmp"
}

verdict() { echo "$1" | tee -a "$res"; }

for bin in $UNIT_BINS; do
	name=$(basename "$bin")
	selected "$name" || continue
	echo "== unit: $name"
	if [ ! -f "$bin" ] || [ ! -x "$bin" ]; then
		verdict "FAIL: $name: $bin not built"
		continue
	fi
	run_timed "$T_TIMEOUT" "$bin" >/dev/null
	plan=0
	seen=0
	nfail=0
	haveplan=0
	why=0 # cmocka's "# ..." lines after a "not ok" say why: shown
	while IFS= read -r l; do
		case $l in
		"ok "*"# SKIP"* | "not ok "*"# SKIP"*)
			seen=$((seen + 1)) why=0
			verdict "SKIP: $name/$(echo "${l#*# SKIP}" | sed 's/^ *//')"
			;;
		"not ok "*)
			seen=$((seen + 1)) why=1
			nfail=$((nfail + 1))
			verdict "FAIL: $name/${l#not ok * - }"
			;;
		"ok "*)
			seen=$((seen + 1)) why=0
			verdict "PASS: $name/${l#ok * - }"
			;;
		"#"*) [ $why = 1 ] && echo "    $l" ;;
		1..*)
			# cmocka prints one plan per group: they add up.
			n=${l#1..}
			case $n in '' | *[!0-9]*) echo "    $l" ;; *) plan=$((plan + n)) haveplan=1 ;; esac
			;;
		"") ;;
		*) echo "    $l" ;;
		esac
	done <"$tmp"
	if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
		verdict "FAIL: $name: timed out after $T_TIMEOUT s (T_TIMEOUT)"
	elif [ $haveplan = 0 ]; then
		verdict "FAIL: $name: no TAP plan (1..N) in its output (exit $rc)"
	elif [ "$seen" -ne "$plan" ]; then
		verdict "FAIL: $name: ran $seen of $plan planned tests (exit $rc)"
	elif [ "$rc" != 0 ] && [ $nfail = 0 ]; then
		verdict "FAIL: $name: exited $rc without a failed test"
	fi
done

for t in "$E2E_DIR"/*.sh; do
	[ -f "$t" ] || continue
	name=$(basename "$t" .sh)
	[ "$name" = lib ] && continue
	selected "$name" || continue
	echo "== e2e: $name"
	s=$(head -20 "$t" | sed -n 's/^# timeout: *\([0-9][0-9]*\) *$/\1/p' | head -1)
	s=${s:-$T_TIMEOUT}
	run_timed "$s" sh "$t"
	# Verdict lines that carry this script's name count as they say; any
	# other is a FAIL of this script.
	own=0
	nfail=0
	while IFS= read -r l; do
		case $l in
		"PASS: "* | "FAIL: "* | "SKIP: "*) ;;
		*) continue ;;
		esac
		rest=${l#*: }
		case $rest in
		"$name" | "$name/"* | "$name: "* | "$name ("*)
			own=$((own + 1))
			case $l in FAIL*) nfail=$((nfail + 1)) ;; esac
			echo "$l" >>"$res"
			;;
		*)
			nfail=$((nfail + 1))
			verdict "FAIL: $name: verdict line for another name: $l"
			;;
		esac
	done <"$tmp"
	if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
		verdict "FAIL: $name: timed out after $s s"
	elif [ $own = 0 ] && [ $nfail = 0 ]; then
		verdict "FAIL: $name: no PASS/FAIL/SKIP line (exit $rc)"
	elif [ "$rc" != 0 ] && [ $nfail = 0 ]; then
		verdict "FAIL: $name: exited $rc without a FAIL line"
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
