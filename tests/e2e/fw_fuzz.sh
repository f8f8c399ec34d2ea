#!/bin/sh
# The firmware platform's libFuzzer targets (tests/fuzz/fw.mk), each for
# a few seconds (FW_FUZZ_SECONDS, default 3): no crash or sanitizer
# report.  Long runs: make fuzz.
set -u
. "$(dirname "$0")/lib.sh"
secs=${FW_FUZZ_SECONDS:-3}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
for t in pflash fw_cfg; do
	bin=$CHARLIE_BUILD/fuzz/fuzz_$t
	if [ ! -x "$bin" ]; then
		skip "$t" "$bin not built (needs clang with libFuzzer: libclang-rt-14-dev)"
		continue
	fi
	mkdir -p "$tmp/$t"
	if nice "$bin" -max_total_time="$secs" -print_final_stats=1 \
		-artifact_prefix="$tmp/$t-" "$tmp/$t" >"$tmp/log" 2>&1; then
		runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$tmp/log")
		cov=$(grep -o 'cov: [0-9]*' "$tmp/log" | tail -1)
		pass "$t" "$secs s, ${runs:-?} runs, $cov"
	else
		grep -E 'ERROR|SUMMARY|^    #' "$tmp/log" | head -15 | sed 's/^/    | /'
		fail "$t" "the fuzzer found a crash (see above)"
	fi
done
