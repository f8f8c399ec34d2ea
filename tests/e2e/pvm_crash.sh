#!/bin/sh
# SPDX-License-Identifier: MIT
# timeout: 300
# On a PVM host (design.md 6), a guest that executes an instruction PVM's
# emulator lacks must end with a clear report (design.md 2):
#   - a warning naming PVM on stderr before "[host] VM running";
#   - exit code 3 (guest crashed);
#   - a crash report that names PVM and shows RIP and the instruction bytes.
# fninit.elf prints a line, then runs finit (9b db e3: fwait; fninit; PVM's
# emulator lacks fwait, though it emulates a bare fninit).
# Controls, which PVM runs (tiny kernels take milliseconds here):
#   hello.elf   exit 0 and its line on stdout;
#   triple.elf  exit 3, a triple-fault report (ud2 with no IDT).
# Each run has a 60 s hang guard; how long a run took is not asserted.
set -u
. "$(dirname "$0")/lib.sh"
kdir=$CHARLIE_BUILD/tests/kernels
names="no-hang warn-before-start exit-3 report hello triple"

[ -d /sys/module/kvm_pvm ] || skip_all "not a PVM host (no /sys/module/kvm_pvm)" $names
need_kvm $names
for f in "$CHARLIE" "$kdir/fninit.elf" "$kdir/hello.elf" "$kdir/triple.elf"; do
	[ -f "$f" ] || fail_all "$f missing (make; make tiny-kernels)" $names
done

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# run NAME KERNEL: runs charlie with a hang guard; sets rc.
run() {
	timeout -k 2 60 "$CHARLIE" run --kernel "$2" >"$tmp/$1.out" 2>"$tmp/$1.err" </dev/null
	rc=$?
	echo "    $1: exit $rc"
	sed 's/^/    stdout| /' "$tmp/$1.out"
	sed 's/^/    stderr| /' "$tmp/$1.err"
}

# A line of at least four space-separated hex bytes, e.g. "db e3 b0 fe".
hexbytes='([0-9a-fA-F]{2}[[:space:]]+){3}[0-9a-fA-F]{2}'

# ---- fninit.elf: must crash with exit 3, naming PVM ----
run fninit "$kdir/fninit.elf"
err=$tmp/fninit.err
if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then
	fail no-hang "fninit.elf still running after 60 s (exit $rc)"
else
	pass no-hang "fninit.elf ended (exit $rc)"
fi

warn=$(grep -n 'PVM' "$err" | head -1 | cut -d: -f1)
running=$(grep -n '^\[host\] VM running' "$err" | head -1 | cut -d: -f1)
if [ -z "$warn" ]; then
	fail warn-before-start "no line mentions PVM on stderr"
elif [ -z "$running" ]; then
	fail warn-before-start "no '[host] VM running' line on stderr"
elif [ "$warn" -lt "$running" ]; then
	pass warn-before-start "PVM warning on line $warn, VM running on line $running"
else
	fail warn-before-start "first PVM line ($warn) comes after '[host] VM running' ($running)"
fi

if [ $rc -eq 3 ]; then
	pass exit-3
else
	fail exit-3 "exit code $rc, want 3 (guest crashed)"
fi

# The report: everything after "[host] VM running" (or all of stderr).
report=$tmp/report
if [ -n "$running" ]; then
	sed -n "$((running + 1)),\$p" "$err" >"$report"
else
	cp "$err" "$report"
fi
why=
grep -q 'PVM' "$report" || why="$why; report does not name PVM"
grep -q 'RIP' "$report" || why="$why; no RIP"
grep -Eq "$hexbytes" "$report" || why="$why; no instruction bytes (hex)"
if [ -z "$why" ]; then
	pass report "names PVM, shows RIP and instruction bytes"
else
	fail report "${why#; }"
fi
# finit is 9b db e3: say whether the report points at it (informative).
if grep -Eqi '9b[[:space:]]+db[[:space:]]+e3' "$report"; then
	echo "    note: the instruction bytes at RIP are finit's (9b db e3)"
else
	echo "    note: finit's bytes (9b db e3) are not in the report"
fi

# ---- hello.elf: runs on PVM, exit 0, its line on stdout ----
run hello "$kdir/hello.elf"
why=
[ $rc -eq 0 ] || why="$why; exit $rc, want 0"
grep -qx 'hello from tiny kernel' "$tmp/hello.out" || why="$why; 'hello from tiny kernel' not on stdout"
if [ -z "$why" ]; then pass hello; else fail hello "${why#; }"; fi

# ---- triple.elf: a triple fault, exit 3, reported as one ----
run triple "$kdir/triple.elf"
why=
[ $rc -eq 3 ] || why="$why; exit $rc, want 3"
grep -q 'about to triple fault' "$tmp/triple.out" || why="$why; the guest's line is not on stdout"
grep -q 'guest crashed: triple fault' "$tmp/triple.err" || why="$why; no 'guest crashed: triple fault' line"
grep -q 'RIP' "$tmp/triple.err" || why="$why; no RIP in the report"
if [ -z "$why" ]; then pass triple; else fail triple "${why#; }"; fi
