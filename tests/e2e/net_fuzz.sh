#!/bin/sh
# The libFuzzer targets of the network parsers (tests/fuzz), a few
# seconds each: the DHCP snoop, the stream framer and bingo's DHCP
# client (guest/dhcp.c).  `make fuzz` runs them longer (FUZZ_SECONDS).
. "$(dirname "$0")/lib.sh"
: "${NET_FUZZ_SECONDS:=5}"
for t in fuzz_dhcp_snoop fuzz_stream fuzz_guest_dhcp; do
	bin=$CHARLIE_BUILD/fuzz/$t
	if [ ! -x "$bin" ]; then
		skip "$t" "not built (needs clang with libFuzzer: libclang-rt-14-dev)"
		continue
	fi
	out=$(mktemp)
	if "$bin" -max_total_time="$NET_FUZZ_SECONDS" -max_len=70000 >"$out" 2>&1; then
		pass "$t" "$(grep -o 'Done [0-9]* runs' "$out" | tail -1)"
	else
		tail -30 "$out" | sed 's/^/    | /'
		fail "$t" "libFuzzer found a crash"
	fi
	rm -f "$out"
done
