#!/bin/sh
# SPDX-License-Identifier: MIT
# On a PVM host (design.md 6), a guest that executes an instruction PVM's
# emulator lacks must end quickly with a clear report (design.md 2):
#   - a warning naming PVM on stderr before "[host] VM running";
#   - exit code 3 (guest crashed);
#   - a crash report that names PVM and shows RIP and the instruction bytes.
# fninit.elf prints a line, then runs finit (9b db e3: fwait; fninit; PVM's
# emulator lacks fwait, though it emulates a bare fninit).  hello.elf is the
# control: on PVM it may or may not run; only a clear exit code and no hang
# are asserted, and what happened is printed.
set -u
t=pvm_crash
root=${CHARLIE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
build=${CHARLIE_BUILD:-build}
case $build in /*) ;; *) build=$root/$build ;; esac
charlie=${CHARLIE:-$build/charlie}
kdir=$build/tests/kernels

if [ ! -d /sys/module/kvm_pvm ]; then
	echo "SKIP: $t: not a PVM host (no /sys/module/kvm_pvm)"
	exit 0
fi
if [ ! -c /dev/kvm ] || [ ! -r /dev/kvm ] || [ ! -w /dev/kvm ]; then
	echo "SKIP: $t: /dev/kvm is not usable by this user"
	exit 0
fi
for f in "$charlie" "$kdir/fninit.elf" "$kdir/hello.elf"; do
	[ -f "$f" ] || { echo "FAIL: $t: $f missing (make; make tiny-kernels)"; exit 0; }
done

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

now_ms() { echo $(($(date +%s%N) / 1000000)); }

# run NAME KERNEL: runs charlie with a hang guard; sets rc and ms.
run() {
	s=$(now_ms)
	timeout -k 2 20 "$charlie" run --kernel "$2" >"$tmp/$1.out" 2>"$tmp/$1.err" </dev/null
	rc=$?
	ms=$(($(now_ms) - s))
	echo "    $1: exit $rc after $ms ms"
	sed 's/^/    stdout| /' "$tmp/$1.out"
	sed 's/^/    stderr| /' "$tmp/$1.err"
}

# A line of at least four space-separated hex bytes, e.g. "db e3 b0 fe".
hexbytes='([0-9a-fA-F]{2}[[:space:]]+){3}[0-9a-fA-F]{2}'

# ---- fninit.elf: must crash with exit 3, naming PVM ----
run fninit "$kdir/fninit.elf"
err=$tmp/fninit.err
if [ $rc -eq 124 ] || [ $rc -eq 137 ] || [ $ms -ge 10000 ]; then
	echo "FAIL: $t/no-hang: fninit.elf still running after $ms ms (exit $rc)"
else
	echo "PASS: $t/no-hang: fninit.elf ended in $ms ms"
fi

warn=$(grep -n 'PVM' "$err" | head -1 | cut -d: -f1)
running=$(grep -n '^\[host\] VM running' "$err" | head -1 | cut -d: -f1)
if [ -z "$warn" ]; then
	echo "FAIL: $t/warn-before-start: no line mentions PVM on stderr"
elif [ -z "$running" ]; then
	echo "FAIL: $t/warn-before-start: no '[host] VM running' line on stderr"
elif [ "$warn" -lt "$running" ]; then
	echo "PASS: $t/warn-before-start: PVM warning on line $warn, VM running on line $running"
else
	echo "FAIL: $t/warn-before-start: first PVM line ($warn) comes after '[host] VM running' ($running)"
fi

if [ $rc -eq 3 ]; then
	echo "PASS: $t/exit-3"
else
	echo "FAIL: $t/exit-3: exit code $rc, want 3 (guest crashed)"
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
	echo "PASS: $t/report: names PVM, shows RIP and instruction bytes"
else
	echo "FAIL: $t/report: ${why#; }"
fi
# finit is 9b db e3: say whether the report points at it (informative).
if grep -Eqi '9b[[:space:]]+db[[:space:]]+e3' "$report"; then
	echo "    note: the instruction bytes at RIP are finit's (9b db e3)"
else
	echo "    note: finit's bytes (9b db e3) are not in the report"
fi
grep -q 'about to fninit' "$tmp/fninit.out" &&
	echo "    note: the guest printed 'about to fninit' before dying" ||
	echo "    note: the guest printed nothing on COM1"

# ---- hello.elf on PVM: clear exit code, no hang ----
run hello "$kdir/hello.elf"
case $rc in
0 | 1 | 2 | 3 | 4)
	if [ $ms -ge 10000 ]; then
		echo "FAIL: $t/hello: took $ms ms (hang guard is 10 s)"
	elif [ $rc -eq 3 ] && ! grep -q 'PVM' "$tmp/hello.err"; then
		echo "FAIL: $t/hello: crashed (exit 3) without naming PVM"
	else
		if [ $rc -eq 0 ] && grep -q 'hello from tiny kernel' "$tmp/hello.out"; then
			what="ran and printed its line"
		else
			what="exit $rc"
		fi
		echo "PASS: $t/hello: $what in $ms ms"
	fi
	;;
*) echo "FAIL: $t/hello: exit $rc after $ms ms (124/137: hung; >4: not a charlie exit code)" ;;
esac
