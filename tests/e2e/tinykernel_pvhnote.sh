#!/bin/sh
# SPDX-License-Identifier: MIT
# charlie reads each tiny test kernel as binutils does: `charlie
# check-kernel` must call it a bootable PVH ELF whose PVH entry is the
# "Xen"/18 note's descriptor and whose load address is the lowest PT_LOAD
# physical address, both as readelf prints them.  (The build already ran
# tests/kernels/check-pvh.sh, i.e. readelf alone; this is charlie's side.)
set -u
. "$(dirname "$0")/lib.sh"
kernels="hello marker triple fninit idle"

command -v readelf >/dev/null 2>&1 || skip_all "readelf not installed (binutils)" $kernels
[ -x "$CHARLIE" ] || fail_all "$CHARLIE not built (make)" $kernels

hex() { printf '0x%x' "$(($1))"; }

for k in $kernels; do
	f=$CHARLIE_BUILD/tests/kernels/$k.elf
	if [ ! -f "$f" ]; then
		fail "$k" "$f missing (make tiny-kernels)"
		continue
	fi
	# readelf's view: the Xen note of type 0x12, little-endian bytes.
	note=$(readelf -nW "$f" | grep -A1 -E '^[[:space:]]*Xen[[:space:]].*0x0*12\)' |
		sed -n 's/.*description data:[[:space:]]*//p' |
		awk '{ v = 0; m = 1; for (i = 1; i <= NF && i <= 8; i++) { v += m * ("0x" $i); m *= 256 } }
			END { if (NR) printf "0x%x", v }')
	load=$(readelf -lW "$f" | awk '$1 == "LOAD" { print $4 }' | sort | head -1)
	if [ -z "$note" ] || [ -z "$load" ]; then
		fail "$k" "readelf finds no Xen PHYS32_ENTRY note or no PT_LOAD"
		continue
	fi
	load=$(hex "$load")
	out=$("$CHARLIE" check-kernel "$f" 2>&1)
	rc=$?
	# charlie's view.
	entry=$(printf '%s\n' "$out" | sed -n 's/^ *entry points: PVH \(0x[0-9a-fA-F]*\) .*/\1/p')
	laddr=$(printf '%s\n' "$out" | sed -n 's/^ *load address: \(0x[0-9a-fA-F]*\) .*/\1/p')
	why=
	[ $rc -eq 0 ] || why="$why; check-kernel exited $rc"
	printf '%s\n' "$out" | grep -q '^ *format: ELF vmlinux (PVH)$' || why="$why; format is not 'ELF vmlinux (PVH)'"
	printf '%s\n' "$out" | grep -q '^ *PVH note: yes$' || why="$why; no 'PVH note: yes'"
	printf '%s\n' "$out" | grep -q '^ *verdict: bootable' || why="$why; verdict is not bootable"
	if [ -z "$entry" ]; then
		why="$why; no PVH entry point printed"
	elif [ "$(hex "$entry")" != "$note" ]; then
		why="$why; PVH entry $entry, readelf's note says $note"
	fi
	if [ -z "$laddr" ]; then
		why="$why; no load address printed"
	elif [ "$(hex "$laddr")" != "$load" ]; then
		why="$why; load address $laddr, readelf's lowest PT_LOAD is $load"
	fi
	if [ -z "$why" ]; then
		pass "$k" "PVH entry $note, load $load"
	else
		fail "$k" "${why#; }"
		printf '%s\n' "$out" | sed 's/^/    /'
	fi
done
