#!/bin/sh
# charlie run / the command line: usage errors, --version, SIGTERM and
# Ctrl-C on a terminal (the power button nobody hears, then a forced stop,
# exit 1, terminal restored).  tests/e2e/acpi_tiny.sh has the rest of the
# graceful-stop story.
set -u
. "$(dirname "$0")/lib.sh"
K=$CHARLIE_BUILD/tests/kernels
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"; tmux -L charlie-test kill-server 2>/dev/null' EXIT

# expect NAME EXITCODE PATTERN -- ARGS...
expect() {
	name=$1 want=$2 pat=$3
	shift 4
	"$CHARLIE" "$@" >"$tmp/out" 2>"$tmp/err" </dev/null
	rc=$?
	if [ "$rc" != "$want" ]; then
		fail "$name" "exit $rc, want $want: $(head -c 300 "$tmp/err")"
	elif ! grep -q -- "$pat" "$tmp/out" "$tmp/err"; then
		fail "$name" "no '$pat' in output: $(head -c 300 "$tmp/err")"
	elif grep -q "starting VM" "$tmp/err" && [ "$want" = 2 ]; then
		fail "$name" "a VM was started for bad input"
	else
		pass "$name"
	fi
}

expect no-args 2 "usage:" -- 
expect version 0 "charlie [0-9]" -- --version
expect help 0 "check-kernel" -- --help
expect unknown-command 2 "unknown command" -- frobnicate
expect run-no-kernel 2 "kernel PATH is required" -- run
expect run-bad-cpus 2 "cpus" -- run --kernel "$K/hello.elf" --cpus 0
expect run-cpus-too-many 2 "not a number of vCPUs from 1 to 64" -- run --kernel "$K/hello.elf" --cpus 65
expect run-stop-timeout-negative 2 "not a number of seconds" -- run --kernel "$K/hello.elf" --stop-timeout -1
expect run-stop-timeout-absurd 2 "not a number of seconds" -- run --kernel "$K/hello.elf" --stop-timeout 99999
expect run-stop-timeout-empty 2 "not a number of seconds" -- run --kernel "$K/hello.elf" --stop-timeout ""
expect run-bad-memory-syntax 2 "not a size" -- run --kernel "$K/hello.elf" --memory 12Q
expect run-memory-too-small 2 "\[memory\]" -- run --kernel "$K/hello.elf" --memory 1M
expect run-memory-not-2m 2 "multiple of 2 MiB" -- run --kernel "$K/hello.elf" --memory 257M
expect run-extra-arg 2 "unexpected argument" -- run --kernel "$K/hello.elf" stray
expect run-initrd-missing 2 "initrd $tmp/nope" -- run --kernel "$K/hello.elf" --initrd "$tmp/nope"
expect run-initrd-dir 2 "\[initrd\]" -- run --kernel "$K/hello.elf" --initrd "$tmp"

need_kvm sigterm ctrl-c-tty
if [ ! -f "$K/idle.elf" ]; then
	skip_all "$K/idle.elf not built (make tiny-kernels)" sigterm ctrl-c-tty
fi

# SIGTERM: idle.elf never enables its power button: forced stop after
# --stop-timeout, exit 1, the last line says why.
"$CHARLIE" run --kernel "$K/idle.elf" --stop-timeout 0 >"$tmp/out" 2>"$tmp/err" </dev/null &
pid=$!
i=0
while ! grep -q '^idle' "$tmp/out" 2>/dev/null && [ $i -lt 600 ]; do
	sleep 0.1
	i=$((i + 1))
done
kill -TERM $pid
wait $pid
rc=$?
if [ $rc = 1 ] && tail -n 1 "$tmp/err" | grep -q "stopped by force (it never enabled its power button)"; then
	pass sigterm
else
	fail sigterm "exit $rc: $(tail -c 300 "$tmp/err")"
fi

# Ctrl-C on a terminal (tmux): raw mode on, forced stop, exit 1, and the
# terminal is back in canonical mode afterwards.
if ! command -v tmux >/dev/null 2>&1; then
	skip ctrl-c-tty "tmux not installed (scripts/setup.sh installs it)"
	exit 0
fi
TMX="tmux -L charlie-test"
$TMX kill-server 2>/dev/null
$TMX new-session -d -s t -x 200 -y 40 "sh"
sleep 0.3
$TMX send-keys -t t "stty -a | grep -o -- '-\{0,1\}icanon' >$tmp/before; $CHARLIE run --kernel $K/idle.elf --stop-timeout 0 2>$tmp/tty.err; echo \$? >$tmp/rc; stty -a | grep -o -- '-\{0,1\}icanon' >$tmp/after" Enter
i=0
while ! grep -q "VM running" "$tmp/tty.err" 2>/dev/null && [ $i -lt 600 ]; do
	sleep 0.1
	i=$((i + 1))
done
sleep 0.3
$TMX send-keys -t t C-c
i=0
while [ ! -s "$tmp/after" ] && [ $i -lt 600 ]; do
	sleep 0.1
	i=$((i + 1))
done
$TMX kill-server 2>/dev/null
if [ "$(cat "$tmp/rc" 2>/dev/null)" = 1 ] && grep -q "stopped by force" "$tmp/tty.err" &&
	[ "$(cat "$tmp/before")" = icanon ] && [ "$(cat "$tmp/after")" = icanon ]; then
	pass ctrl-c-tty
else
	fail ctrl-c-tty "rc=$(cat "$tmp/rc" 2>/dev/null) before=$(cat "$tmp/before" 2>/dev/null) after=$(cat "$tmp/after" 2>/dev/null): $(tail -c 300 "$tmp/tty.err" 2>/dev/null)"
fi
