#!/bin/sh
# --vsock cid=N,uds=PATH: bad input is one line, exit 2, nothing started
# (issue 10 e): a uds path that exists and is not a stale socket (a live
# socket, a regular file), a path too long for sun_path with "_<port>",
# a CID below 3 or above 0xfffffffe, a malformed option.
set -u
. "$(dirname "$0")/lib.sh"
K=$CHARLIE_BUILD/tests/kernels/hello.elf
tmp=$(mktemp -d)
lpid=
trap '[ -n "$lpid" ] && kill "$lpid" 2>/dev/null; rm -rf "$tmp"' EXIT

# expect NAME CODE -- ARGS...: exit 2, one line naming CODE, no VM
expect() {
	name=$1 code=$2
	shift 3
	"$CHARLIE" run --kernel "$K" "$@" >"$tmp/out" 2>"$tmp/err" </dev/null
	rc=$?
	if [ $rc != 2 ]; then
		fail "$name" "exit $rc, want 2: $(head -c 300 "$tmp/err")"
	elif ! grep -q -- "$code" "$tmp/err"; then
		fail "$name" "no '$code' in: $(head -c 300 "$tmp/err")"
	elif [ "$(wc -l <"$tmp/err")" != 1 ]; then
		fail "$name" "not one line: $(head -c 300 "$tmp/err")"
	elif grep -q "starting VM" "$tmp/err"; then
		fail "$name" "a VM was started for bad input"
	else
		pass "$name"
	fi
}

long=$tmp/$(printf '%0100d' 0)
: >"$tmp/file"
expect cid-0-with-uds "\[vsock-cid\]" -- --vsock "cid=0,uds=$tmp/s"
expect cid-2 "\[vsock-cid\]" -- --vsock cid=2
expect cid-too-big "\[vsock-cid\]" -- --vsock cid=0xffffffff
expect uds-regular-file "\[vsock-uds-exists\]" -- --vsock "cid=3,uds=$tmp/file"
expect uds-too-long "\[vsock-uds-too-long\]" -- --vsock "cid=3,uds=$long"
expect uds-no-dir "\[vsock-uds\]" -- --vsock "cid=3,uds=$tmp/nodir/s"
expect malformed "is not cid=N" -- --vsock "port=3"

if ! command -v socat >/dev/null 2>&1; then
	skip uds-live-socket "socat is not installed (scripts/setup.sh)"
	exit 0
fi
socat UNIX-LISTEN:"$tmp/live",fork /dev/null 2>/dev/null &
lpid=$!
i=0
while [ ! -S "$tmp/live" ] && [ $i -lt 50 ]; do
	sleep 0.1
	i=$((i + 1))
done
expect uds-live-socket "\[vsock-uds-exists\]" -- --vsock "cid=3,uds=$tmp/live"
