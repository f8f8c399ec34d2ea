#!/bin/sh
# SPDX-License-Identifier: MIT
# timeout: 700
# The PCI platform and virtio-pci with a real Linux guest, in the test
# host (issue 12): Debian's cloud kernel (its virtio and button modules
# appended to the initramfs) runs tests/payloads/init-pci under
#   charlie run --transport pci --disk ro.img,ro --net nat,restrict
# in one L1 boot, then one with pci=nomsi (INTx through _PRT) and one
# with --transport mmio for the boot time figure.  Cases:
#   pci-devices    /sys/bus/pci/devices lists the i440FX host bridge
#                  (8086:1237) and virtio-pci blk, rng and net (1af4:1042,
#                  1044, 1041), each bound to virtio-pci
#   blk-read       /dev/vda read end to end has the host's md5
#   rng            /dev/hwrng is virtio_rng and gives 32 bytes
#   nic-lease      the NIC gets a DHCP lease (charlie says "guest IP")
#   msix           /proc/interrupts has PCI-MSI lines for virtio
#   power-button   SIGINT -> ACPI power button -> the guest powers off
#                  (PM block at 0xB000), charlie exits 0
#   acpi-clean     no ACPI errors in the guest's kernel log
#   intx           with pci=nomsi: the disk's md5 and virtio_rng again,
#                  virtio on IO-APIC lines (level), the button still works
# Figures (not asserted): charlie start -> PTEST-READY, pci vs mmio.
set -u
. "$(dirname "$0")/lib.sh"
cd "$CHARLIE_ROOT" || exit 4
names="pci-devices blk-read rng nic-lease msix power-button acpi-clean intx"
command -v qemu-system-x86_64 >/dev/null 2>&1 ||
	skip_all "qemu-system-x86_64 not installed (Debian qemu-system-x86)" $names
cloudk=$CHARLIE_BUILD/guest/bzImage
mods=$CHARLIE_BUILD/guest/modstage
initrd=$CHARLIE_BUILD/tests/payloads/pci-initrd.cpio
[ -f "$cloudk" ] && [ -d "$mods" ] ||
	skip_all "$cloudk or its modules not built (make guest)" $names
for f in "$CHARLIE" "$initrd"; do
	[ -f "$f" ] || fail_all "$f missing (make; make payloads)" $names
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
head -c 1048576 /dev/urandom >"$tmp/ro.img"
ro_md5=$(md5sum <"$tmp/ro.img" | cut -d' ' -f1)
mkdir -p "$tmp/m/lib/modules"
find "$mods" -name '*.ko' -exec cp {} "$tmp/m/lib/modules/" \;
(cd "$tmp/m" && find . | cpio -o -H newc 2>/dev/null) >"$tmp/mods.cpio"
cat "$initrd" "$tmp/mods.cpio" >"$tmp/initrd.cpio"

cat >"$tmp/scenario.sh" <<'SCEN'
up() { cut -d' ' -f1 /proc/uptime; }
# Each run is bounded by L1's uptime (a loop count is not: under TCG one
# poll can take a second), then SIGINT, then SIGKILL 60 s later.
run() {
	name=$1
	shift
	t0=$(up)
	charlie run --kernel /p/bzImage --initrd /p/initrd.cpio --memory 256M \
		--disk /p/ro.img,ro --net nat,restrict \
		--cmdline "console=ttyS0 reboot=k panic=-1 quiet ${EXTRA:-}" "$@" \
		>/tmp/$name.out 2>&1 &
	pid=$!
	dl=$((${t0%.*} + 240))
	while ! grep -q PTEST-READY /tmp/$name.out && kill -0 $pid 2>/dev/null &&
		[ "$(up | cut -d. -f1)" -lt $dl ]; do
		sleep 0.2
	done
	echo "T-$name=$t0 $(up)"
	sleep 1
	kill -INT $pid 2>/dev/null
	dl=$(($(up | cut -d. -f1) + 60))
	while kill -0 $pid 2>/dev/null && [ "$(up | cut -d. -f1)" -lt $dl ]; do
		sleep 0.2
	done
	kill -KILL $pid 2>/dev/null
	wait $pid
	echo "RC-$name=$?"
	tr -d '\r' </tmp/$name.out | sed "s/^/L2-$name: /"
}
run pci --transport pci
EXTRA=pci=nomsi
run intx --transport pci
EXTRA=
# for the figure only; last, so the cases above never wait for it
run mmio --transport mmio
SCEN
sh testhost/run.sh --retry-frozen --timeout 600 \
	--add "$cloudk:/p/bzImage" --add "$tmp/initrd.cpio:/p/initrd.cpio" \
	--add "$tmp/ro.img:/p/ro.img" \
	"$tmp/scenario.sh" >"$tmp/out" 2>&1
rc=$?
mkdir -p "$CHARLIE_BUILD/testhost"
log=$CHARLIE_BUILD/testhost/testhost_pci.log
testhost_log "$tmp/out" "$log"
grep '^testhost: \(L1\|timed\)' "$log" | sed 's/^/    /'
# The cases need only the pci and intx runs.  If the test host stopped
# during the figure's mmio run, their evidence is complete and is graded;
# the missing figure is said.  (Debian's QEMU 7.2 has been seen to freeze
# L1 there once in CI: its vCPU halted, nothing pending; NOTES.md.)
if [ "$rc" = 124 ] && grep -q '^RC-intx=' "$log" && ! grep -q '^RC-mmio=' "$log"; then
	echo "    the test host stopped during the mmio figure run; the cases' runs had finished"
	rc=0
fi
testhost_verdict "$rc" "$log" $names
on_fail() { grep -E '^L2-pci: ' "$log" | tail -12 | sed 's/^/    | /'; }

v() { sed -n "s/^L2-pci: $1=//p" "$log" | head -1; }
pcis=$(grep '^L2-pci: PTEST-PCI ' "$log")
ok=1
for id in 0x8086:0x1237 0x1af4:0x1042 0x1af4:0x1044 0x1af4:0x1041; do
	echo "$pcis" | grep -q " $id " || ok=0
done
nvp=$(echo "$pcis" | grep -c 'driver=virtio-pci')
if [ $ok = 1 ] && [ "$nvp" -ge 3 ]; then
	pass pci-devices "$(echo "$pcis" | wc -l) functions, $nvp on virtio-pci"
else
	fail pci-devices "$(echo "$pcis" | sed 's/^L2-pci: PTEST-PCI //' | tr '\n' ';')"
fi
got=$(v PTEST-VDA-MD5)
if [ "$got" = "$ro_md5" ]; then pass blk-read "$got"; else fail blk-read "guest md5 '${got}', host $ro_md5"; fi
cur=$(v PTEST-RNG-CURRENT)
bytes=$(v PTEST-RNG-BYTES)
if [ "${cur#virtio_rng}" != "$cur" ] && [ ${#bytes} -eq 64 ]; then
	pass rng "$cur: $bytes"
else
	fail rng "rng_current '${cur}', bytes '${bytes}'"
fi
ip=$(grep '^L2-pci: \[host\] guest IP' "$log" | head -1)
if [ -n "$ip" ]; then pass nic-lease "${ip#L2-pci: }"; else fail nic-lease "no guest IP line (udhcpc rc $(v PTEST-DHCP-RC))"; fi
msi=$(grep '^L2-pci: PTEST-MSI .*PCI-MSI.*virtio' "$log" | wc -l)
if [ "$msi" -ge 3 ]; then pass msix "$msi PCI-MSI virtio lines"; else fail msix "$msi PCI-MSI virtio lines: $(grep '^L2-pci: PTEST-MSI' "$log" | head -3 | tr '\n' ';')"; fi
prc=$(sed -n 's/^RC-pci=//p' "$log")
if [ "$prc" = 0 ] && grep -q '^L2-pci: PTEST-PRESSED' "$log"; then
	pass power-button "pressed, powered off, exit 0"
else
	fail power-button "charlie exit '${prc}', button $(v PTEST-BUTTON)"
fi
aerr=$(grep '^L2-pci: PTEST-KMSG.*ACPI.*\(Error\|Warning\)' "$log" | head -2)
if [ -z "$aerr" ] && grep -q '^L2-pci: PTEST-START' "$log"; then pass acpi-clean; else fail acpi-clean "${aerr:-the guest did not start}"; fi
imd5=$(sed -n "s/^L2-intx: PTEST-VDA-MD5=//p" "$log" | head -1)
icur=$(sed -n "s/^L2-intx: PTEST-RNG-CURRENT=//p" "$log" | head -1)
ilines=$(grep -c '^L2-intx: PTEST-MSI .*IO-APIC.*virtio' "$log")
imsi=$(grep -c '^L2-intx: PTEST-MSI .*PCI-MSI' "$log")
irc=$(sed -n 's/^RC-intx=//p' "$log")
if [ "$imd5" = "$ro_md5" ] && [ "${icur#virtio_rng}" != "$icur" ] &&
	[ "$ilines" -ge 1 ] && [ "$imsi" = 0 ] && [ "$irc" = 0 ]; then
	pass intx "md5 ok, $icur, $ilines IO-APIC virtio lines, exit 0"
else
	fail intx "md5 '${imd5}', rng '${icur}', $ilines IO-APIC / $imsi MSI lines, exit '${irc}'"
fi
for t in pci intx mmio; do
	sed -n "s/^T-$t=//p" "$log" | awk -v t=$t '{ printf "    figure: %s start -> PTEST-READY %.1f s\n", t, $2 - $1 }'
done
