#!/bin/sh
# SPDX-License-Identifier: MIT
# timeout: 1000
# virtio-blk, virtio-rng and virtio-console with a real Linux guest, in the
# test host (design.md 6; issue 8 a).  L2 is the minimal kernel
# (build/guest/vmlinux-min: the virtio drivers built in), which finds the
# devices in charlie's ACPI DSDT, with tests/payloads/init-virtio:
#   ro-checksum        /dev/vda (a read-only 1 MiB image) read end to end
#                      has the host's md5
#   ro-write-refused   a write fails in the guest (the kernel saw RO)
#   (that the device refuses writes the guest did not hold back, even
#   without VIRTIO_BLK_F_RO accepted, is virtio_hostile.sh's
#   ro-write-unacked: Linux keeps a driver-set read-only disk read-only)
#   ro-unchanged       the image is byte-identical afterwards (in L1)
#   rw-persists        what boot 1 wrote to /dev/vdb, boot 2 reads back
#   hwrng              /dev/hwrng is virtio_rng and gives 32 bytes
#   hvc0-output        with console=hvc0 the guest's console reaches stdout
#   hvc0-input         a line typed on charlie's terminal reaches the guest
#                      (tests/payloads/ptyfeed gives charlie a terminal)
#   no-crash           every run reached VTEST-DONE and charlie reported no
#                      crash or host error (the minimal kernel does not
#                      reboot in charlie, with or without virtio devices:
#                      each run ends by the 30 s timeout, exit 1)
#   cloud-kernel       Debian's cloud kernel (it finds virtio-mmio devices
#                      only in charlie's ACPI DSDT; the virtio modules are
#                      appended to the initramfs): the read-only disk's md5,
#                      the refused write and virtio_rng, as above
set -u
. "$(dirname "$0")/lib.sh"
cd "$CHARLIE_ROOT" || exit 4
names="ro-checksum ro-write-refused ro-unchanged rw-persists
hwrng hvc0-output hvc0-input no-crash cloud-kernel"
command -v qemu-system-x86_64 >/dev/null 2>&1 ||
	skip_all "qemu-system-x86_64 not installed (Debian qemu-system-x86)" $names
kern=$CHARLIE_BUILD/guest/vmlinux-min
initrd=$CHARLIE_BUILD/tests/payloads/virtio-initrd.cpio
feed=$CHARLIE_BUILD/tests/payloads/ptyfeed
[ -f "$kern" ] || skip_all "$kern not built (make guest-min)" $names
for f in "$CHARLIE" "$initrd" "$feed"; do
	[ -f "$f" ] || fail_all "$f missing (make; make payloads)" $names
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
head -c 1048576 /dev/urandom >"$tmp/ro.img"
head -c 1048576 /dev/zero >"$tmp/rw.img"
ro_md5=$(md5sum <"$tmp/ro.img" | cut -d' ' -f1)

cat >"$tmp/scenario.sh" <<'SCEN'
cl="console=ttyS0 reboot=k panic=-1 quiet"
# ptyfeed needs a devpts (L1 mounts devtmpfs only)
mount -t devpts devpts /dev/pts 2>/dev/null
[ -e /dev/ptmx ] || ln -s pts/ptmx /dev/ptmx
run() {
	name=$1
	shift
	{
		timeout "${RUN_TIMEOUT:-30}" "$@"
		echo "rc=$?" >/tmp/rc-$name
	} 2>&1 | sed "s/^/L2-$name: /"
	echo "RC-$name=$(sed -n 's/^rc=//p' /tmp/rc-$name)"
}
for n in 1 2; do
	run boot$n charlie run --kernel /p/vmlinux --initrd /p/initrd.cpio \
		--memory 256M --disk /p/ro.img,ro --disk /p/rw.img \
		--cmdline "$cl charlie.vtest=disks charlie.nonce=$n$n$n$n"
done
run hvc ptyfeed VTEST-HVC0-READY "typed in L1 42" charlie run \
	--kernel /p/vmlinux --initrd /p/initrd.cpio --memory 256M \
	--cmdline "console=hvc0 reboot=k panic=-1 quiet charlie.vtest=hvc0"
RUN_TIMEOUT=240 run cloud charlie run --kernel /p/bzImage \
	--initrd /p/initrd-cloud.cpio --memory 256M --disk /p/ro.img,ro \
	--disk /p/rw.img --cmdline "$cl charlie.vtest=disks charlie.nonce=7777"
echo "L1-RO-MD5-AFTER=$(md5sum </p/ro.img | cut -d' ' -f1)"
SCEN
# the cloud kernel's virtio modules, flat, appended as a second cpio
cloud_adds=
cloudk=$CHARLIE_BUILD/guest/bzImage
mods=$CHARLIE_BUILD/guest/modstage
if [ -f "$cloudk" ] && [ -d "$mods" ]; then
	mkdir -p "$tmp/m/lib/modules"
	find "$mods" -name '*.ko' -exec cp {} "$tmp/m/lib/modules/" \;
	(cd "$tmp/m" && find . | cpio -o -H newc 2>/dev/null) >"$tmp/mods.cpio"
	cat "$initrd" "$tmp/mods.cpio" >"$tmp/initrd-cloud.cpio"
	cloud_adds="--add $cloudk:/p/bzImage --add $tmp/initrd-cloud.cpio:/p/initrd-cloud.cpio"
fi
sh testhost/run.sh --retry-frozen --timeout 800 \
	--add "$kern:/p/vmlinux" --add "$initrd:/p/initrd.cpio" \
	--add "$feed:/bin/ptyfeed" \
	--add "$tmp/ro.img:/p/ro.img" --add "$tmp/rw.img:/p/rw.img" \
	$cloud_adds \
	"$tmp/scenario.sh" >"$tmp/out" 2>&1
rc=$?
mkdir -p "$CHARLIE_BUILD/testhost"
log=$CHARLIE_BUILD/testhost/testhost_virtio.log
testhost_log "$tmp/out" "$log"
grep '^testhost: \(L1\|timed\)' "$log" | sed 's/^/    /'
testhost_verdict "$rc" "$log" $names
on_fail() { grep -E '^L2-[a-z0-9]+: ' "$log" | grep -v KMSG | tail -8 | sed 's/^/    | /'; }

v() { sed -n "s/^L2-$1: $2=//p" "$log" | head -1; }
got=$(v boot1 VTEST-VDA-MD5)
if [ "$got" = "$ro_md5" ]; then
	pass ro-checksum "$got"
else
	fail ro-checksum "guest md5 '${got}', host $ro_md5"
fi
w=$(v boot1 VTEST-VDA-WRITE-RC)
if [ -n "$w" ] && [ "$w" != 0 ]; then pass ro-write-refused "dd exit $w"; else fail ro-write-refused "dd exit '${w}'"; fi
after=$(sed -n 's/^L1-RO-MD5-AFTER=//p' "$log" | head -1)
if [ "$after" = "$ro_md5" ]; then pass ro-unchanged; else fail ro-unchanged "md5 after: '${after}'"; fi
old=$(v boot2 VTEST-VDB-OLD)
if [ "$old" = "persist-1111" ]; then pass rw-persists "boot 2 read '$old'"; else fail rw-persists "boot 2 read '${old}'"; fi
cur=$(v boot1 VTEST-RNG-CURRENT)
bytes=$(v boot1 VTEST-RNG-BYTES)
if [ "${cur#virtio_rng}" != "$cur" ] && [ ${#bytes} -eq 64 ]; then
	pass hwrng "$cur: $bytes"
else
	fail hwrng "rng_current '${cur}', bytes '${bytes}'"
fi
if grep -q '^L2-hvc: VTEST-HVC0-READY' "$log"; then pass hvc0-output; else fail hvc0-output "no VTEST-HVC0-READY on charlie's stdout"; fi
if grep -q '^L2-hvc: VTEST-HVC0-GOT=typed in L1 42' "$log"; then pass hvc0-input; else fail hvc0-input "no VTEST-HVC0-GOT line"; fi
done=$(grep -c "^L2-[a-z0-9]*: VTEST-DONE" "$log")
bad=$(grep -E "^L2-[a-z0-9]*: \[host\] (error|guest crashed)" "$log" | head -1)
if [ "$done" -ge 3 ] && [ -z "$bad" ]; then
	pass no-crash "$done runs done"
else
	fail no-crash "$done runs done${bad:+; $bad}"
fi
if [ -z "$cloud_adds" ]; then
	skip cloud-kernel "build/guest/bzImage or its modules not built (make guest)"
else
	cmd5=$(v cloud VTEST-VDA-MD5)
	cw=$(v cloud VTEST-VDA-WRITE-RC)
	ccur=$(v cloud VTEST-RNG-CURRENT)
	if [ "$cmd5" = "$ro_md5" ] && [ -n "$cw" ] && [ "$cw" != 0 ] &&
		[ "${ccur#virtio_rng}" != "$ccur" ]; then
		pass cloud-kernel "md5 $cmd5, write refused (dd exit $cw), $ccur"
	else
		fail cloud-kernel "md5 '${cmd5}' (host $ro_md5), write rc '${cw}', rng '${ccur}'"
	fi
fi
