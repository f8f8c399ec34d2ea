#!/bin/sh
# --cpus 2 in the test host: Debian's generic kernel (CONFIG_X86_MPPARSE=y)
# finds both CPUs and the I/O APIC through charlie's MP table and brings up
# the second CPU (INIT/SIPI through the in-kernel LAPIC).  No initrd: the
# kernel panics for want of a root fs and `panic=-1 reboot=k` resets it,
# which charlie reports as a reboot (exit 0).
# The expected values come from the specifications and this test's own
# configuration, not from charlie's source:
#   - an MP floating pointer in the BIOS ROM area 0xF0000-0xFFFFF (one of
#     the three places MP spec 1.4 section 4 lets the OS search);
#   - $cpus CPUs up ("--cpus $cpus");
#   - the I/O APIC at the PC default 0xFEC00000 with 24 inputs (GSI 0-23,
#     82093AA), its APIC ID distinct from every CPU's (MP spec 1.4 section
#     3.6.6; KVM gives vCPU i the APIC ID i, so 0..cpus-1 are taken).
set -u
. "$(dirname "$0")/lib.sh"
cpus=2
names="mptable-found cpus-up ioapic-address ioapic-id exit-0"

command -v qemu-system-x86_64 >/dev/null 2>&1 ||
	skip_all "qemu-system-x86_64 not installed (Debian qemu-system-x86)" $names
[ -f "$CHARLIE" ] || fail_all "no charlie binary at $CHARLIE (run make)" $names
kdir=$("$CHARLIE_ROOT/scripts/fetch-kernel.sh" amd64 2>/dev/null) ||
	skip_all "Debian's linux-image-amd64 could not be fetched (scripts/fetch-kernel.sh amd64)" $names
kernel=$(ls "$kdir"/boot/vmlinuz-* 2>/dev/null | head -1)
[ -f "$kernel" ] || fail_all "no boot/vmlinuz-* in $kdir" $names

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cat >"$tmp/scenario.sh" <<SCEN
charlie run --kernel /l2/vmlinuz --cpus $cpus --memory 256M \\
	--cmdline "console=ttyS0 reboot=k panic=-1 ignore_loglevel"
echo "SMP-CHARLIE-RC=\$?"
SCEN
CHARLIE=$CHARLIE sh "$CHARLIE_ROOT/testhost/run.sh" --retry-frozen --timeout 300 \
	--add "$kernel:/l2/vmlinuz" "$tmp/scenario.sh" >"$tmp/out" 2>&1
rc=$?
testhost_log "$tmp/out" "$tmp/log"
mkdir -p "$CHARLIE_BUILD/testhost"
cp "$tmp/log" "$CHARLIE_BUILD/testhost/testhost_smp.log"
testhost_verdict "$rc" "$tmp/log" $names
log="log in $CHARLIE_BUILD/testhost/testhost_smp.log"

# found SMP MP-table at [mem 0x000f0000-0x000f000f]
mp=$(sed -n 's/.*found SMP MP-table at \[mem \(0x[0-9a-f]*\)-.*/\1/p' "$tmp/log" | head -1)
if [ -z "$mp" ]; then
	fail mptable-found "the kernel found no MP table ($log)"
elif [ $((mp)) -ge $((0xf0000)) ] && [ $((mp)) -le $((0xffff0)) ]; then
	pass mptable-found "at $mp"
else
	fail mptable-found "MP table at $mp, outside the BIOS ROM area 0xF0000-0xFFFFF"
fi

if grep -q "smp: Brought up 1 node, $cpus CPUs" "$tmp/log"; then
	pass cpus-up "$cpus CPUs"
else
	fail cpus-up "no 'smp: Brought up 1 node, $cpus CPUs' ($log): $(grep 'smp: Brought up' "$tmp/log" | head -1)"
fi

# IOAPIC[0]: apic_id 2, version 20, address 0xfec00000, GSI 0-23
io=$(grep -o 'IOAPIC\[0\]: apic_id [0-9]*, version [0-9]*, address 0x[0-9a-f]*, GSI [0-9]*-[0-9]*' "$tmp/log" | head -1)
if [ -z "$io" ]; then
	fail ioapic-address "no 'IOAPIC[0]:' line ($log)"
	fail ioapic-id "no 'IOAPIC[0]:' line ($log)"
else
	case $io in
	*", address 0xfec00000, GSI 0-23") pass ioapic-address "$io" ;;
	*) fail ioapic-address "want address 0xfec00000, GSI 0-23: $io" ;;
	esac
	id=$(echo "$io" | sed 's/.*apic_id \([0-9]*\),.*/\1/')
	if [ "$id" -ge "$cpus" ]; then
		pass ioapic-id "I/O APIC ID $id, CPUs 0..$((cpus - 1))"
	else
		fail ioapic-id "I/O APIC ID $id is also a CPU's APIC ID (0..$((cpus - 1)))"
	fi
fi

if grep -q '^SMP-CHARLIE-RC=0' "$tmp/log"; then
	pass exit-0
else
	fail exit-0 "charlie did not end with the guest's reboot: $(grep '^SMP-CHARLIE-RC=' "$tmp/log" | head -1) ($log)"
fi
