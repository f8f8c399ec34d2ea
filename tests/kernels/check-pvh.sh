#!/bin/sh
# SPDX-License-Identifier: MIT
# check-pvh.sh KERNEL.elf [include/charlie.h]
# Checks, with readelf, that a tiny kernel is what charlie's PVH loader
# expects (design.md section 5): ELF64 x86-64 executable, a PT_LOAD at
# physical 0x100000, a PT_NOTE, and a "Xen" note of type 18
# (XEN_ELFNOTE_PHYS32_ENTRY) whose descriptor is the ELF entry point.
# With a second argument, also checks that tiny.h's boot-marker port and
# value match CHARLIE_BOOT_MARKER_PORT/VALUE in that header.
# Prints one line per problem and exits 1; silent and 0 when all is well.
set -u
f=${1:?usage: check-pvh.sh KERNEL.elf [charlie.h]}
hdr=${2:-}
here=$(dirname "$0")
bad=0
fail() { echo "check-pvh: $f: $*" >&2; bad=1; }

command -v readelf >/dev/null 2>&1 || { echo "check-pvh: readelf not found (binutils)" >&2; exit 1; }
h=$(readelf -hW "$f" 2>&1) || { echo "check-pvh: $f: readelf -h failed: $h" >&2; exit 1; }
l=$(readelf -lW "$f" 2>&1) || { echo "check-pvh: $f: readelf -l failed" >&2; exit 1; }
n=$(readelf -nW "$f" 2>&1) || { echo "check-pvh: $f: readelf -n failed" >&2; exit 1; }

printf '%s\n' "$h" | grep -q 'Class:[[:space:]]*ELF64' || fail "not ELF64"
printf '%s\n' "$h" | grep -q 'Machine:[[:space:]]*Advanced Micro Devices X86-64' || fail "machine is not x86-64"
printf '%s\n' "$h" | grep -q 'Type:[[:space:]]*EXEC' || fail "not an executable (ET_EXEC)"
entry=$(printf '%s\n' "$h" | sed -n 's/.*Entry point address:[[:space:]]*//p')

# LOAD lines: Type Offset VirtAddr PhysAddr FileSiz MemSiz Flg Align
printf '%s\n' "$l" | awk '$1 == "LOAD" && $4 ~ /^0x0*100000$/ { ok = 1 } END { exit !ok }' ||
	fail "no PT_LOAD at physical 0x100000"
printf '%s\n' "$l" | grep -q '^[[:space:]]*NOTE[[:space:]]' || fail "no PT_NOTE segment"

# The Xen note: owner "Xen", type 0x12 (binutils prints unknown types as
# "Unknown note type: (0x00000012)"), then "description data: b0 b1 b2 b3".
xen=$(printf '%s\n' "$n" | grep -E '^[[:space:]]*Xen[[:space:]]' | grep -E '0x0*12\)|PHYS32_ENTRY')
if [ -z "$xen" ]; then
	fail "no Xen note of type 18 (XEN_ELFNOTE_PHYS32_ENTRY)"
else
	# Little-endian descriptor bytes -> number; compare with the entry.
	desc=$(printf '%s\n' "$xen" | sed -n 's/.*description data:[[:space:]]*//p' | awk '
		{ v = 0; m = 1; for (i = 1; i <= NF && i <= 8; i++) { v += m * ("0x" $i); m *= 256 } }
		END { printf "0x%x", v }')
	want=$(printf '0x%x' "$entry")
	if [ "$desc" != "$want" ]; then
		fail "Xen note entry $desc differs from ELF entry $want"
	fi
fi

if [ -n "$hdr" ]; then
	for k in PORT VALUE; do
		a=$(sed -n "s/^#define CHARLIE_BOOT_MARKER_$k[[:space:]]*\(0x[0-9a-fA-F]*\).*/\1/p" "$hdr")
		b=$(sed -n "s/^#define TINY_BOOT_MARKER_$k[[:space:]]*\(0x[0-9a-fA-F]*\).*/\1/p" "$here/tiny.h")
		[ -n "$a" ] && [ "$((a))" = "$((b))" ] ||
			fail "boot marker $k: tiny.h has '$b', $hdr has '$a'"
	done
fi
exit $bad
