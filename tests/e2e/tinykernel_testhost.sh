#!/bin/sh
# SPDX-License-Identifier: MIT
# The tiny kernels on real KVM, inside the test host (testhost/run.sh:
# QEMU TCG L1 with a nested /dev/kvm).  One L1 boot runs them all:
#   triple.elf            -> exit 3, report with RIP and instruction bytes
#   marker.elf --timeline -> exit 0, timeline shows "boot marker" with a time
#   hello.elf             -> exit 0, "hello from tiny kernel" on stdout
#   fninit.elf            -> exit 0 and "survived fninit" (real KVM runs x87;
#                            the contrast to pvm_crash)
set -u
. "$(dirname "$0")/lib.sh"
charlie=$CHARLIE
kdir=$CHARLIE_BUILD/tests/kernels
runsh=$CHARLIE_ROOT/testhost/run.sh
kernels="triple marker hello fninit"
names="triple marker-timeline hello fninit-real-kvm"

command -v "${QEMU:-qemu-system-x86_64}" >/dev/null 2>&1 ||
	skip_all "${QEMU:-qemu-system-x86_64} not installed (Debian qemu-system-x86)" $names
[ -f "$charlie" ] || fail_all "$charlie missing (make)" $names
adds=
for k in $kernels; do
	[ -f "$kdir/$k.elf" ] || fail_all "$kdir/$k.elf missing (make tiny-kernels)" $names
	adds="$adds --add $kdir/$k.elf:/tk/$k.elf"
done

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Runs in L1 (busybox sh).  Every line it prints is tagged so the host side
# can pick the runs apart from the L1 console.
cat >"$tmp/scenario.sh" <<'SCEN'
to=
command -v timeout >/dev/null 2>&1 && to="timeout 60"
for k in triple marker hello fninit; do
	extra=
	[ "$k" = marker ] && extra=--timeline
	s=$(date +%s)
	$to /bin/charlie run --kernel /tk/$k.elf $extra </dev/null >/tmp/$k.out 2>/tmp/$k.err
	rc=$?
	echo "TK-RC $k $rc $(($(date +%s) - s))"
	sed "s/^/TK-OUT $k /" /tmp/$k.out
	sed "s/^/TK-ERR $k /" /tmp/$k.err
done
exit 0
SCEN

s=$(date +%s)
# shellcheck disable=SC2086
"$runsh" --timeout 400 $adds "$tmp/scenario.sh" >"$tmp/console" 2>"$tmp/host.err"
trc=$?
echo "    test host: exit $trc after $(($(date +%s) - s)) s"
sed 's/^/    testhost| /' "$tmp/host.err"
testhost_verdict "$trc" "$tmp/host.err" $names
tr -d '\r' <"$tmp/console" >"$tmp/c"

for k in $kernels; do
	sed -n "s/^TK-OUT $k //p" "$tmp/c" >"$tmp/$k.out"
	sed -n "s/^TK-ERR $k //p" "$tmp/c" >"$tmp/$k.err"
	line=$(sed -n "s/^TK-RC $k //p" "$tmp/c" | head -1)
	eval "rc_$k=\${line%% *}"
	echo "    $k.elf: exit ${line%% *} after ${line#* } s (L1 clock)"
	sed 's/^/    stdout| /' "$tmp/$k.out"
	sed 's/^/    stderr| /' "$tmp/$k.err"
done
hexbytes='([0-9a-fA-F]{2}[[:space:]]+){3}[0-9a-fA-F]{2}'

# triple.elf
why=
[ "$rc_triple" = 3 ] || why="$why; exit code '$rc_triple', want 3"
grep -q 'RIP' "$tmp/triple.err" || why="$why; no RIP in the report"
grep -Eq "$hexbytes" "$tmp/triple.err" || why="$why; no instruction bytes (hex) in the report"
# KVM on AMD (SVM) reinitialises the VMCB on a SHUTDOWN intercept, so the
# registers read after KVM_EXIT_SHUTDOWN are the reset state (CS f000,
# RIP fff0), not where the guest died; say so when that is what we see.
grep -Eq 'RIP: 0x0*fff0 .*CS 0xf000' "$tmp/triple.err" &&
	why="$why (the report shows the reset vector, RIP fff0 CS f000: on SVM the vCPU is already reset after KVM_EXIT_SHUTDOWN; the RIP of the last exit to userspace would still say where the guest was)"
grep -q 'about to triple fault' "$tmp/triple.out" || why="$why; the guest's line is not on stdout"
if [ -z "$why" ]; then echo "PASS: $T/triple"; else echo "FAIL: $T/triple: ${why#; }"; fi
grep -Eqi '0f[[:space:]]+0b' "$tmp/triple.err" &&
	echo "    note: the report shows ud2's bytes (0f 0b)"

# marker.elf --timeline: a "boot marker" row with a time (charlie prints
# "[host]   boot marker   12.345  (+0.100)", ms since exec).
why=
[ "$rc_marker" = 0 ] || why="$why; exit code '$rc_marker', want 0"
grep -q 'marker written' "$tmp/marker.out" || why="$why; 'marker written' not on stdout"
grep -Eiq 'boot marker[^0-9(]*[0-9]+(\.[0-9]+)?' "$tmp/marker.err" "$tmp/marker.out" ||
	why="$why; no 'boot marker' phase with a time in the timeline"
if [ -z "$why" ]; then
	echo "PASS: $T/marker-timeline: $(grep -hi 'boot marker' "$tmp/marker.err" "$tmp/marker.out" | head -1 | sed 's/^[[:space:]]*//')"
else
	echo "FAIL: $T/marker-timeline: ${why#; }"
fi

# hello.elf
why=
[ "$rc_hello" = 0 ] || why="$why; exit code '$rc_hello', want 0"
grep -qx 'hello from tiny kernel' "$tmp/hello.out" || why="$why; 'hello from tiny kernel' not on stdout"
if [ -z "$why" ]; then echo "PASS: $T/hello"; else echo "FAIL: $T/hello: ${why#; }"; fi

# fninit.elf on real KVM
why=
[ "$rc_fninit" = 0 ] || why="$why; exit code '$rc_fninit', want 0"
grep -q 'survived fninit' "$tmp/fninit.out" || why="$why; 'survived fninit' not on stdout"
if [ -z "$why" ]; then echo "PASS: $T/fninit-real-kvm"; else echo "FAIL: $T/fninit-real-kvm: ${why#; }"; fi
