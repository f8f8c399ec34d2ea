#!/bin/sh
# charlie boots stock Debian kernels inside the test host (design.md 6):
# Debian's cloud kernel as a bzImage and as the PVH vmlinux extracted from
# it, each with the L2 test initramfs (tests/payloads), --memory 256M.
# Per kernel it checks, from the guest's own report (tests/payloads/init):
#   marker   the test init ran (CHARLIE-TEST-INIT-OK)
#   cmdline  the kernel's "Command line:" is exactly what charlie was given
#   e820     the usable e820 ranges add up to the configured memory (a few
#            MiB below 256 MiB: the legacy hole under 1 MiB)
#   clock    the guest's clock is within 60 s of the host's (L1's)
#   exit     charlie exits 0 (the guest rebooted through reboot=k)
# The L1 console is kept in $CHARLIE_BUILD/testhost/testhost_boot.log.
set -u
. "$(dirname "$0")/lib.sh"
cd "$CHARLIE_ROOT" || exit 4
charlie=$CHARLIE
kernels="bzimage vmlinux"
checks="marker cmdline e820 clock exit"
mem_mib=256
# The usable e820 total may fall short of the configured memory by the
# holes below 1 MiB (and whatever a VMM reserves); 8 MiB is "a few".
slack_mib=8
clock_max=60

names=$(for k in $kernels; do for c in $checks; do printf "%s " "$k/$c"; done; done)

command -v qemu-system-x86_64 >/dev/null 2>&1 ||
	skip_all "qemu-system-x86_64 not installed (Debian qemu-system-x86)" $names
[ -f "$charlie" ] || fail_all "no charlie binary at $charlie (run make)" $names
kdir=$(scripts/fetch-kernel.sh cloud 2>/dev/null) ||
	skip_all "cannot fetch Debian's cloud kernel (scripts/fetch-kernel.sh cloud)" $names
bzimage=$(ls "$kdir"/boot/vmlinuz-* 2>/dev/null | head -1)
[ -f "$bzimage" ] || fail_all "no boot/vmlinuz-* in $kdir" $names

out="$CHARLIE_BUILD/testhost"
mkdir -p "$out"
vmlinux="$out/l2-vmlinux-$(sha256sum "$bzimage" | cut -c1-12)"
if [ ! -f "$vmlinux" ]; then
	rm -f "$out"/l2-vmlinux-*
	scripts/extract-vmlinux.sh "$bzimage" "$vmlinux" ||
		fail_all "scripts/extract-vmlinux.sh $bzimage failed" $names
fi
initrd="$CHARLIE_BUILD/tests/payloads/test-initrd.cpio"
if [ ! -f "$initrd" ]; then
	sh tests/payloads/build-initrd.sh "$initrd" ||
		skip_all "cannot build the test initramfs (busybox-static, cpio)" $names
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# Runs in L1.  charlie's output (console and [host] lines) is tagged per
# kernel; its exit code and L1's uptime around the run are reported too.
cat >"$tmp/scenario.sh" <<'SCEN'
up() { cut -d' ' -f1 /proc/uptime; }
for k in bzimage vmlinux; do
	ht=$(date +%s)
	cl="console=ttyS0 reboot=k panic=-1 charlie.hosttime=$ht quiet"
	echo "SENT-CMDLINE-$k=$cl"
	t0=$(up)
	{
		timeout 150 charlie run --kernel /payloads/$k \
			--initrd /payloads/test-initrd.cpio --memory 256M --cmdline "$cl"
		echo "rc=$?" >/tmp/rc-$k
	} 2>&1 | sed "s/^/L2-$k: /"
	t1=$(up)
	echo "CHARLIE-RC-$k=$(sed -n 's/^rc=//p' /tmp/rc-$k)"
	echo "L2-TIME-$k=$(echo "$t0 $t1" | awk '{ printf "%.2f", $2 - $1 }')"
done
SCEN
CHARLIE=$charlie sh testhost/run.sh --retry-frozen --timeout 420 \
	--add "$bzimage:/payloads/bzimage" --add "$vmlinux:/payloads/vmlinux" \
	--add "$initrd:/payloads/test-initrd.cpio" \
	"$tmp/scenario.sh" >"$tmp/out" 2>&1
rc=$?
testhost_log "$tmp/out" "$out/testhost_boot.log"
log="$out/testhost_boot.log"
grep '^testhost: \(L1\|timed\)' "$log" | sed 's/^/    /'
# L1's kernel warnings during the run (e.g. MSRs the L2 guest touched that
# L1's kvm does not know), for whoever debugs charlie.
sed -n 's/^L1-KMSG /    L1 kernel: /p' "$log" | head -10
testhost_verdict "$rc" "$log" $names

for k in $kernels; do
	sed -n "s/^L2-$k: //p" "$log" >"$tmp/$k"
	crc=$(sed -n "s/^CHARLIE-RC-$k=//p" "$log" | head -1)
	echo "    $k: L2 run $(sed -n "s/^L2-TIME-$k=//p" "$log" | head -1)s (L1 uptime), charlie exit ${crc:-?}"
	bad=0

	if grep -q '^CHARLIE-TEST-INIT-OK' "$tmp/$k"; then
		echo "PASS: $T/$k/marker"
	else
		bad=1
		echo "FAIL: $T/$k/marker: no CHARLIE-TEST-INIT-OK from the guest"
	fi

	sent=$(sed -n "s/^SENT-CMDLINE-$k=//p" "$log" | head -1)
	got=$(sed -n 's/^KMSG \[[^]]*\] Command line: //p' "$tmp/$k" | head -1)
	# exact: no virtio_mmio.device= words either, since these kernels
	# read charlie's ACPI DSDT (the words come only with acpi=off)
	if [ -z "$got" ]; then
		bad=1
		echo "FAIL: $T/$k/cmdline: no \"Command line:\" line from the guest"
	elif [ "$got" = "$sent" ]; then
		echo "PASS: $T/$k/cmdline"
	else
		bad=1
		echo "FAIL: $T/$k/cmdline: kernel saw '$got', charlie was given '$sent'"
	fi

	# BIOS-e820: [mem 0x0000000000100000-0x000000000fffffff] usable
	total=0
	n=0
	for r in $(sed -n 's/^KMSG \[[^]]*\] BIOS-e820: \[mem \(0x[0-9a-f]*\)-\(0x[0-9a-f]*\)\] usable$/\1-\2/p' "$tmp/$k"); do
		total=$((total + ${r#*-} - ${r%-*} + 1))
		n=$((n + 1))
	done
	lo=$(((mem_mib - slack_mib) * 1048576))
	hi=$((mem_mib * 1048576))
	if [ "$n" -eq 0 ]; then
		bad=1
		echo "FAIL: $T/$k/e820: no usable BIOS-e820 lines from the guest"
	elif [ "$total" -ge "$lo" ] && [ "$total" -le "$hi" ]; then
		echo "PASS: $T/$k/e820"
	else
		bad=1
		echo "FAIL: $T/$k/e820: usable total $total bytes ($((total / 1048576)) MiB in $n ranges), want $((mem_mib - slack_mib))..$mem_mib MiB"
	fi

	d=$(sed -n 's/^CLOCK-DELTA=\(-\{0,1\}[0-9][0-9]*\)$/\1/p' "$tmp/$k" | head -1)
	if [ -z "$d" ]; then
		bad=1
		echo "FAIL: $T/$k/clock: no CLOCK-DELTA from the guest"
	elif [ "${d#-}" -le "$clock_max" ]; then
		echo "PASS: $T/$k/clock"
	else
		bad=1
		echo "FAIL: $T/$k/clock: guest clock is ${d}s off the host's (limit ${clock_max}s)"
	fi

	if [ "$crc" = 0 ]; then
		echo "PASS: $T/$k/exit"
	else
		bad=1
		echo "FAIL: $T/$k/exit: charlie exited ${crc:-(no exit code; L1 stopped first)}"
	fi

	if [ "$bad" -ne 0 ]; then
		echo "    last lines of charlie's output for $k (full L1 console: $log):"
		tail -15 "$tmp/$k" | sed 's/^/      /'
	fi
done
exit 0
