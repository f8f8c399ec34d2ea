#!/bin/sh
# SPDX-License-Identifier: MIT
# timeout: 1500
# `make demo` as a test (issue 11 a): scripts/demo.sh boots bingo.img on
# charlie (directly, or in the nested test host on PVM), and its output
# must show the seed's session: the firmware-free boot line, the guest IP
# line, Hello, World! through the forward, the guest's request log line,
# the power button, "guest stopped", exit 0; bingo.img byte-identical.
. "$(dirname "$0")/lib.sh"
names="boot-line guest-ip hello request-log button stopped exit image-unchanged"
img=$CHARLIE_BUILD/guest/bingo.img
[ -f "$img" ] || fail_all "$img not built (make guest)" $names
if [ -d /sys/module/kvm_pvm ] || [ -n "$(kvm_unusable)" ]; then
	command -v qemu-system-x86_64 >/dev/null 2>&1 ||
		skip_all "no usable KVM here and no QEMU for the test host" $names
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
sum0=$(md5sum <"$img" | cut -d' ' -f1)
# stdout: the streamed console (one writer); stderr: the demo's own lines
CHARLIE_BUILD=$CHARLIE_BUILD DEMO_PORT=${DEMO_PORT:-} \
	"$CHARLIE_ROOT/scripts/demo.sh" >"$tmp/con" 2>"$tmp/demo"
rc=$?
cat "$tmp/con" "$tmp/demo" >"$tmp/out"
out=$tmp/out
on_fail() { grep -v '^\[ *[0-9]*\.[0-9]*\]' "$out" | tail -25 | sed 's/^/    | /'; }
check() { # NAME PATTERN
	if grep -q -- "$2" "$out"; then pass "$1"; else fail "$1" "no '$2' in the demo's output"; fi
}
check boot-line '\[host\] booting the unified kernel image from bingo.img (no firmware)'
check guest-ip '\[host\] guest IP 10\.0\.2\.15 (forwarding'
if grep -qx 'Hello, World!' "$tmp/demo"; then pass hello; else fail hello "the demo did not show Hello, World!"; fi
check request-log 'level=INFO msg="request started" app.request_id=[0-9a-f]\{16\} app.method=GET app.path=/ '
if grep -q '\[host\] requesting graceful shutdown (ACPI power button)\.\.\.' "$out" &&
	grep -q 'msg="power button pressed"' "$out"; then
	pass button
else
	fail button "no power-button request and press in the output"
fi
check stopped '\[host\] guest stopped'
if [ $rc -eq 0 ]; then pass exit; else fail exit "scripts/demo.sh exited $rc"; fi
if [ "$(md5sum <"$img" | cut -d' ' -f1)" = "$sum0" ]; then
	pass image-unchanged
else
	fail image-unchanged "bingo.img changed"
fi
