#!/bin/sh
# SPDX-License-Identifier: MIT
# timeout: 120
# Bad --disk input from the host side (issue 8 e): a missing, unreadable,
# locked, zero-length or non-multiple-of-512 image, a directory, unknown
# options.  Each must give one line "charlie: disk PATH: reason [code]",
# exit 2, nothing started, and the file untouched.
set -u
. "$(dirname "$0")/lib.sh"
names="missing unreadable locked locked-reader empty size directory option
good-ro-shared"
k=$CHARLIE_BUILD/tests/kernels/hello.elf
idle=$CHARLIE_BUILD/tests/kernels/idle.elf
for f in "$CHARLIE" "$k" "$idle"; do
	[ -f "$f" ] || fail_all "$f missing (make; make tiny-kernels)" $names
done
tmp=$(mktemp -d)
bg=""
trap '[ -n "$bg" ] && kill $bg 2>/dev/null; rm -rf "$tmp"' EXIT

# expect NAME CODE SPEC: charlie refuses SPEC with [CODE].
expect() {
	name=$1 code=$2 spec=$3 file=${3%%,*}
	before=$( [ -f "$file" ] && cksum <"$file")
	$CHARLIE run --kernel "$k" --disk "$spec" >"$tmp/out" 2>"$tmp/err" </dev/null
	rc=$?
	after=$( [ -f "$file" ] && cksum <"$file")
	lines=$(wc -l <"$tmp/err")
	if [ $rc -ne 2 ]; then
		fail "$name" "exit $rc, want 2: $(head -3 "$tmp/err")"
	elif [ "$lines" -ne 1 ] || ! grep -q "^charlie: disk $file: .*\[$code\]\$" "$tmp/err"; then
		fail "$name" "want one line 'charlie: disk $file: ... [$code]', got: $(cat "$tmp/err")"
	elif [ -s "$tmp/out" ]; then
		fail "$name" "something ran: $(head -1 "$tmp/out")"
	elif [ "$before" != "$after" ]; then
		fail "$name" "$file changed"
	else
		pass "$name" "$(cat "$tmp/err")"
	fi
}

head -c 4096 /dev/zero >"$tmp/good.img"
expect missing disk-missing "$tmp/nope.img"
cp "$tmp/good.img" "$tmp/noperm.img"
chmod 000 "$tmp/noperm.img"
if [ "$(id -u)" -ne 0 ]; then
	expect unreadable disk-unreadable "$tmp/noperm.img,ro"
elif command -v setpriv >/dev/null 2>&1 &&
	setpriv --reuid=65534 --regid=65534 --clear-groups test -r "$k"; then
	# root reads anything: check as nobody (disks are checked before
	# /dev/kvm is opened, so nobody gets that far)
	chmod 755 "$tmp"
	CHARLIE_SAVED=$CHARLIE
	CHARLIE="setpriv --reuid=65534 --regid=65534 --clear-groups $CHARLIE"
	expect unreadable disk-unreadable "$tmp/noperm.img,ro"
	CHARLIE=$CHARLIE_SAVED
else
	skip unreadable "running as root and no setpriv to drop to nobody"
fi
# a VM that stays up (idle.elf halts forever) holds good.img for writing
"$CHARLIE" run --kernel "$idle" --disk "$tmp/good.img" >"$tmp/bg.out" 2>"$tmp/bg.err" </dev/null &
bg=$!
i=0
# the disk is locked before "VM running" is said
while [ $i -lt 100 ] && ! grep -q "VM running" "$tmp/bg.err" 2>/dev/null; do
	sleep 0.1
	i=$((i + 1))
done
expect locked disk-locked "$tmp/good.img"
expect locked-reader disk-locked "$tmp/good.img,ro"
kill $bg 2>/dev/null
wait $bg 2>/dev/null
bg=""
: >"$tmp/empty.img"
expect empty disk-empty "$tmp/empty.img"
head -c 1000 /dev/zero >"$tmp/odd.img"
expect size disk-size "$tmp/odd.img"
mkdir "$tmp/dir.img"
expect directory disk-not-regular "$tmp/dir.img"
expect option disk-option "$tmp/good.img,ro,cache=none"

# readers share: two read-only users of one image both start
"$CHARLIE" run --kernel "$idle" --disk "$tmp/good.img,ro" >"$tmp/bg.out" 2>&1 </dev/null &
bg=$!
sleep 0.5
"$CHARLIE" run --kernel "$k" --disk "$tmp/good.img,ro" >"$tmp/out" 2>"$tmp/err" </dev/null
rc=$?
if [ $rc -eq 0 ] && grep -q 'hello from tiny kernel' "$tmp/out"; then
	pass good-ro-shared "a second read-only user boots"
else
	fail good-ro-shared "exit $rc: $(head -3 "$tmp/err")"
fi
