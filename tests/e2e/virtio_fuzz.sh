#!/bin/sh
# SPDX-License-Identifier: MIT
# timeout: 240
# The libFuzzer targets (tests/fuzz, make fuzz-bins) for a short while each
# (FUZZ_SMOKE_SECONDS, default 10): the queue walker and each virtio
# device's request handling over synthetic guest memory.  A finding (crash,
# sanitizer report, abort on a broken promise) is a FAIL naming the
# reproducer file.  Long runs: make fuzz FUZZ_SECONDS=600.
set -u
. "$(dirname "$0")/lib.sh"
targets="fuzz_queue fuzz_blk fuzz_rng fuzz_console"
secs=${FUZZ_SMOKE_SECONDS:-10}
dir=$CHARLIE_BUILD/fuzz
command -v clang >/dev/null 2>&1 || skip_all "no clang (scripts/setup.sh installs it)" $targets
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for t in $targets; do
	if [ ! -x "$dir/$t" ]; then
		fail "$t" "$dir/$t missing (make fuzz-bins)"
		continue
	fi
	mkdir -p "$tmp/$t"
	"$dir/$t" -max_total_time="$secs" -artifact_prefix="$tmp/$t-" \
		"$tmp/$t" >"$tmp/$t.log" 2>&1
	rc=$?
	st=$(grep -E '^#[0-9]+[[:space:]]+DONE' "$tmp/$t.log" | tail -1 | tr '\t' ' ' | tr -s ' ')
	if [ $rc -eq 0 ] && [ -n "$st" ]; then
		pass "$t" "${secs}s: $st"
	else
		grep -E 'ERROR|SUMMARY|Test unit written' "$tmp/$t.log" | head -5 | sed 's/^/    /'
		fail "$t" "exit $rc: a finding (see above)"
	fi
done
