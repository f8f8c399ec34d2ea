#!/bin/sh
# Builds the L2 test initramfs (uncompressed cpio newc): busybox-static with
# the applets init uses, and tests/payloads/init.  Uncompressed because L2
# runs emulated (TCG inside the test host), where unpacking is cheaper than
# decompressing.
#
#   tests/payloads/build-initrd.sh OUT [INIT]   (INIT: default tests/payloads/init)
#
# Exit: 0 ok, 2 usage, 4 busybox-static or cpio missing.
set -eu
die() {
	echo "build-initrd: $2" >&2
	exit "$1"
}
[ $# -ge 1 ] && [ $# -le 2 ] || die 2 "usage: build-initrd.sh OUT [INIT]"
out=$1
init=${2:-}
here=$(cd "$(dirname "$0")" && pwd)
busybox=
for b in /bin/busybox /usr/bin/busybox; do
	[ -x "$b" ] || continue
	# The Debian busybox package (dynamic) may sit there too.
	if command -v file >/dev/null 2>&1; then
		file -L "$b" | grep -q 'statically linked' || continue
	fi
	busybox=$b
	break
done
[ -n "$busybox" ] || die 4 "no static busybox (install busybox-static)"
command -v cpio >/dev/null 2>&1 || die 4 "no cpio (install cpio)"

mkdir -p "$(dirname "$out")"
stage=$(mktemp -d "${TMPDIR:-/tmp}/payload.XXXXXX")
trap 'rm -rf "$stage"' EXIT INT TERM
mkdir -p "$stage/bin" "$stage/proc" "$stage/sys" "$stage/dev" "$stage/tmp"
cp "$busybox" "$stage/bin/busybox"
for a in sh mount cat echo grep sed dmesg date cut reboot poweroff sleep ls uname \
	md5sum dd od head tr sync insmod blockdev udhcpc ifconfig wc true; do
	ln -s busybox "$stage/bin/$a"
done
cp "${init:-$here/init}" "$stage/init"
chmod 755 "$stage/init"
(cd "$stage" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) >"$out.tmp"
mv "$out.tmp" "$out"
