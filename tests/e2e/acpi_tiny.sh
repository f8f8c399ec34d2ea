#!/bin/sh
# SPDX-License-Identifier: MIT
# timeout: 120
# The ACPI power states and the graceful stop (design.md sections 2 and 8)
# with tiny kernels that run in milliseconds on this machine's /dev/kvm:
#   s5            s5.elf writes SLP_TYP=S5|SLP_EN: exit 0, "guest powered
#                 off", last line "guest stopped"
#   acpi-reset    acpireset.elf writes the FADT reset value: exit 0,
#                 "guest rebooted (ACPI reset)"
#   sigterm-heard listen.elf enables PWRBTN_EN and waits for PWRBTN_STS;
#                 SIGTERM -> the press reaches it -> S5: exit 0
#   sigint-heard  the same with SIGINT
#   not-listening idle.elf never enables its button: SIGTERM -> the CLI says
#                 at once that nobody listens, forces after --stop-timeout
#                 1, exit 1, the last line says why
#   second-signal idle.elf, --stop-timeout 60: a second SIGTERM forces at
#                 once (exit 1)
# Each run has a hang guard; how long a run took is not asserted.
set -u
. "$(dirname "$0")/lib.sh"
K=$CHARLIE_BUILD/tests/kernels
names="s5 acpi-reset sigterm-heard sigint-heard not-listening second-signal"

need_kvm $names
for f in "$CHARLIE" "$K/s5.elf" "$K/acpireset.elf" "$K/listen.elf" "$K/idle.elf"; do
	[ -f "$f" ] || fail_all "$f missing (make; make tiny-kernels)" $names
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

show() {
	sed 's/^/    stdout| /' "$tmp/$1.out"
	tr -d '\r' <"$tmp/$1.err" | sed 's/^/    stderr| /'
}

# run NAME KERNEL [ARGS]: in the foreground, with a hang guard; sets rc.
run() {
	n=$1 k=$2
	shift 2
	timeout -k 2 60 "$CHARLIE" run --kernel "$k" "$@" >"$tmp/$n.out" 2>"$tmp/$n.err" </dev/null
	rc=$?
	echo "    $n: exit $rc"
	show "$n"
}

# waitfor FILE PATTERN TENTHS
waitfor() {
	i=0
	while ! grep -q -- "$2" "$1" 2>/dev/null && [ $i -lt "$3" ]; do
		sleep 0.1
		i=$((i + 1))
	done
	grep -q -- "$2" "$1" 2>/dev/null
}

# signal NAME KERNEL READY SIG [SIG2] -- ARGS: start charlie in the
# background, wait for READY on its console, send SIG (and SIG2 0.3 s
# later); sets rc.
signal() {
	n=$1 k=$2 ready=$3 sig=$4 sig2=$5
	shift 6
	"$CHARLIE" run --kernel "$k" "$@" >"$tmp/$n.out" 2>"$tmp/$n.err" </dev/null &
	pid=$!
	# hang guard (not timeout(1): it would take the signals itself)
	(
		trap 'kill $sp; exit 0' TERM
		sleep 60 &
		sp=$!
		wait $sp && kill -9 $pid
	) >/dev/null 2>&1 &
	guard=$!
	if ! waitfor "$tmp/$n.out" "$ready" 300; then
		rc=timeout
		kill -9 $pid 2>/dev/null
		kill $guard 2>/dev/null
		wait $pid
		show "$n"
		return
	fi
	kill -"$sig" $pid
	if [ -n "$sig2" ]; then
		sleep 0.3
		kill -"$sig2" $pid
	fi
	wait $pid
	rc=$?
	kill $guard 2>/dev/null
	echo "    $n: exit $rc"
	show "$n"
}

last() { tr -d '\r' <"$tmp/$1.err" | tail -n 1; }

run s5 "$K/s5.elf"
if [ "$rc" = 0 ] && grep -q "guest powered off" "$tmp/s5.err" &&
	[ "$(last s5)" = "[host] guest stopped" ]; then
	pass s5
else
	fail s5 "exit $rc (want 0, 'guest powered off', then 'guest stopped')"
fi

run acpi-reset "$K/acpireset.elf"
if [ "$rc" = 0 ] && grep -q "guest rebooted (ACPI reset)" "$tmp/acpi-reset.err"; then
	pass acpi-reset
else
	fail acpi-reset "exit $rc (want 0 and 'guest rebooted (ACPI reset)')"
fi

for s in TERM INT; do
	n=sig$(echo $s | tr 'A-Z' 'a-z')-heard
	signal $n "$K/listen.elf" '^listening' $s "" --
	if [ "$rc" = 0 ] && grep -q "requesting graceful shutdown (ACPI power button)" "$tmp/$n.err" &&
		grep -q "power button pressed" "$tmp/$n.out" &&
		! grep -q "not listening" "$tmp/$n.err" &&
		[ "$(last $n)" = "[host] guest stopped" ]; then
		pass $n
	else
		fail $n "exit $rc (want 0: the press heard, S5, 'guest stopped')"
	fi
done

n=not-listening
signal $n "$K/idle.elf" '^idle' TERM "" -- --stop-timeout 1
want="[host] guest did not power off within 1 s; stopped by force (it never enabled its power button)"
if [ "$rc" = 1 ] &&
	tr -d '\r' <"$tmp/$n.err" | grep -A1 "requesting graceful shutdown" |
	grep -q "the guest is not listening for the power button yet (no ACPI button driver bound); the press will be delivered when it is" &&
	[ "$(last $n)" = "$want" ]; then
	pass $n
else
	fail $n "exit $rc (want 1, 'not listening' at once, last line '$want')"
fi

n=second-signal
signal $n "$K/idle.elf" '^idle' TERM TERM -- --stop-timeout 60
if [ "$rc" = 1 ] && grep -q "second signal: stopping the VM by force" "$tmp/$n.err" &&
	grep -q "VM stopped by force (the guest never enabled its power button)" "$tmp/$n.err"; then
	pass $n
else
	fail $n "exit $rc (want 1 at once, the summary naming the button)"
fi
