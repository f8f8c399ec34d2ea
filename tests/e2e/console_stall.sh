#!/bin/sh
# SPDX-License-Identifier: MIT
# A forced stop always finishes, whatever the console's reader does
# (issue 6): spam.elf prints forever; its stdout goes to a FIFO whose
# reader never reads, or to a pipe whose reader has gone.  SIGTERM must
# end charlie (exit 1) and leave the terminal as it was; the drop is said.
set -u
: "${CHARLIE:=build/charlie}" "${CHARLIE_BUILD:=build}"
t=console_stall
K=$CHARLIE_BUILD/tests/kernels
tmp=$(mktemp -d)
T="tmux -L charlie-stall"
cleanup() {
	$T kill-server 2>/dev/null
	[ -n "${rpid:-}" ] && kill "$rpid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

pass() { echo "PASS: $t/$1"; }
fail() { echo "FAIL: $t/$1: $2"; }
skip() { echo "SKIP: $t/$1: $2"; }
cases="fifo-tty closed-pipe"
if [ ! -r /dev/kvm ] || [ ! -w /dev/kvm ]; then
	for c in $cases; do skip "$c" "no usable /dev/kvm on this machine"; done
	exit 0
fi
if [ ! -f "$K/spam.elf" ]; then
	for c in $cases; do fail "$c" "$K/spam.elf not built (make tiny-kernels)"; done
	exit 0
fi
if ! command -v tmux >/dev/null 2>&1; then
	skip fifo-tty "tmux not installed (scripts/setup.sh installs it)"
fi

# waitfor FILE PATTERN TENTHS: polls until FILE holds PATTERN.
waitfor() {
	i=0
	while ! grep -q -- "$2" "$1" 2>/dev/null && [ $i -lt "$3" ]; do
		sleep 0.1
		i=$((i + 1))
	done
	grep -q -- "$2" "$1" 2>/dev/null
}

# ---- stdout to a FIFO nobody reads, stdin a terminal ----
if command -v tmux >/dev/null 2>&1; then
	mkfifo "$tmp/fifo"
	sleep 600 <"$tmp/fifo" & # opens the FIFO for reading, never reads
	rpid=$!
	$T new-session -d -s s -x 200 -y 40 "sh"
	sleep 0.3
	$T send-keys -t s "stty -a | grep -o -- '-\{0,1\}icanon' >$tmp/before; sh -c 'echo \$\$ >$tmp/pid; exec $CHARLIE run --kernel $K/spam.elf --stop-timeout 0 >$tmp/fifo 2>$tmp/err'; echo \$? >$tmp/rc; stty -a | grep -o -- '-\{0,1\}icanon' >$tmp/after" Enter
	waitfor "$tmp/err" "VM running" 100
	waitfor "$tmp/err" "not being read" 50 # the buffers are full
	sleep 0.5
	s=$(date +%s%N)
	kill -TERM "$(cat "$tmp/pid")"
	i=0
	while [ ! -s "$tmp/after" ] && [ $i -lt 100 ]; do
		sleep 0.05
		i=$((i + 1))
	done
	ms=$((($(date +%s%N) - s) / 1000000))
	echo "    charlie ended $ms ms after SIGTERM"
	rc=$(cat "$tmp/rc" 2>/dev/null)
	if [ "$rc" != 1 ]; then
		fail fifo-tty "exit '${rc:-none}' (want 1 after SIGTERM; still running after $ms ms?): $(tail -c 300 "$tmp/err")"
	elif [ "$(cat "$tmp/before")" != icanon ] || [ "$(cat "$tmp/after")" != icanon ]; then
		fail fifo-tty "terminal not restored: before=$(cat "$tmp/before") after=$(cat "$tmp/after")"
	elif ! grep -q "not being read" "$tmp/err" ||
		! grep -q "bytes of guest console output were dropped" "$tmp/err"; then
		fail fifo-tty "the stall was not said, or the dropped bytes not counted: $(tail -c 300 "$tmp/err")"
	else
		pass fifo-tty
	fi
	kill "$rpid" 2>/dev/null
	rpid=
	$T kill-server 2>/dev/null
fi

# ---- stdout to a pipe whose reader has exited ----
( ("$CHARLIE" run --kernel "$K/spam.elf" --stop-timeout 0 2>"$tmp/err2" </dev/null & echo $! >"$tmp/pid2"; wait $!; echo $? >"$tmp/rc2") | head -c 1 >/dev/null ) &
waitfor "$tmp/err2" "VM running" 100
waitfor "$tmp/err2" "not being read" 50
sleep 0.5
kill -TERM "$(cat "$tmp/pid2")" 2>/dev/null
waitfor "$tmp/rc2" . 40
rc=$(cat "$tmp/rc2" 2>/dev/null)
if [ "$rc" = 1 ] && grep -q "stopped by force" "$tmp/err2"; then
	pass closed-pipe
else
	fail closed-pipe "exit '${rc:-none}' (want 1 within 4 s of SIGTERM): $(tail -c 300 "$tmp/err2")"
	kill -9 "$(cat "$tmp/pid2")" 2>/dev/null
fi
