#!/bin/sh
# The vsock engine's libFuzzer target (tests/fuzz/fuzz_vsock.c), briefly:
# FUZZ_CHECK_SECONDS (default 10) from the kept corpus.  `make fuzz-vsock
# FUZZ_SECONDS=N` runs it for longer.
set -u
. "$(dirname "$0")/lib.sh"
F=$CHARLIE_BUILD/fuzz/fuzz_vsock
[ -x "$F" ] || skip_all "$F not built (make $F; needs clang's libFuzzer)" run
corpus=$CHARLIE_BUILD/fuzz/corpus-vsock
mkdir -p "$corpus"
out=$(mktemp)
trap 'rm -f "$out"' EXIT
if "$F" -max_total_time="${FUZZ_CHECK_SECONDS:-10}" -rss_limit_mb=1024 \
	"$corpus" >"$out" 2>&1; then
	pass run "$(grep -o 'Done [0-9]* runs' "$out" | tail -1)"
else
	fail run "$(grep -m1 -E 'ERROR|SUMMARY|deadly' "$out")"
	tail -20 "$out" >&2
fi
