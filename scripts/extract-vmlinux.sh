#!/bin/sh
# Extracts the ELF vmlinux from a bzImage's payload, so charlie can boot it
# through the PVH entry (no decompression at boot: fastest).
#
#   scripts/extract-vmlinux.sh BZIMAGE OUT
#
# The payload is located with the setup header (boot.rst, protocol 2.08+):
#   setup_sects     at 0x1f1 (1 byte; 0 means 4)
#   payload_offset  at 0x248 (4 bytes, from the start of the protected-mode
#                   code, which begins at (setup_sects + 1) * 512)
#   payload_length  at 0x24c (4 bytes)
# and decompressed with the tool matching its magic (Debian packages zstd,
# xz-utils, gzip, bzip2, lz4).  The kernel build appends the uncompressed
# size (4 bytes) to the compressed stream, which some tools report as
# trailing garbage, so their exit status is not trusted: the output is
# checked instead (ELF magic, then the PVH note when readelf is there).
#
# Exit: 0 ok, 2 usage or not a bzImage, 4 tool missing or extraction failed.
set -eu

die() {
	echo "extract-vmlinux: $2" >&2
	exit "$1"
}

[ $# -eq 2 ] || die 2 "usage: extract-vmlinux.sh BZIMAGE OUT"
in=$1
out=$2
[ -f "$in" ] || die 2 "$in: not a regular file"

# Unsigned little-endian integer of $3 bytes at offset $2 of file $1.
le() {
	od -An -v -tu1 -j "$2" -N "$3" "$1" | awk -v n="$3" '
		{ for (i = 1; i <= NF; i++) b[c++] = $i }
		END {
			if (c != n) { print "short"; exit }
			v = 0
			for (i = n - 1; i >= 0; i--) v = v * 256 + b[i]
			printf "%.0f\n", v
		}'
}

# Hex bytes (no spaces) of $3 bytes at offset $2 of file $1.
hexat() {
	od -An -v -tx1 -j "$2" -N "$3" "$1" | tr -d ' \n'
}

size=$(wc -c <"$in" | tr -d ' ')
[ "$size" -ge 1024 ] || die 2 "$in: $size bytes, too small for a bzImage"
[ "$(hexat "$in" 510 2)" = 55aa ] || die 2 "$in: no boot flag 0xaa55 at 0x1fe"
[ "$(hexat "$in" 514 4)" = 48647253 ] || die 2 "$in: no \"HdrS\" at 0x202"
proto=$(le "$in" 518 2)
[ "$proto" -ge 520 ] ||
	die 2 "$in: boot protocol $(printf '0x%04x' "$proto") has no payload fields (needs 2.08)"

sects=$(le "$in" 497 1)
[ "$sects" -eq 0 ] && sects=4
poff=$(le "$in" 584 4)
plen=$(le "$in" 588 4)
start=$(((sects + 1) * 512 + poff))
[ "$plen" -gt 0 ] || die 2 "$in: payload_length is 0"
[ $((start + plen)) -le "$size" ] ||
	die 2 "$in: payload [$start, $((start + plen))) is outside the file ($size bytes)"

magic=$(hexat "$in" "$start" 6)
case $magic in
1f8b*) fmt=gzip tool="gzip -dc" ;;
fd377a585a00) fmt=xz tool="xz -dc" ;;
28b52ffd*) fmt=zstd tool="zstd -dcq" ;;
5d0000*) fmt=lzma tool="lzma -dc" ;;
425a68*) fmt=bzip2 tool="bzip2 -dc" ;;
02214c18*) fmt=lz4 tool="lz4 -dcq" ;;
894c5a4f*) fmt=lzo tool="lzop -dc" ;;
7f454c46*) fmt=none tool=cat ;;
*) die 2 "$in: payload magic $magic is not a known compression" ;;
esac
command -v "${tool%% *}" >/dev/null 2>&1 ||
	die 4 "$in: payload is $fmt but '${tool%% *}' is not installed"

tmp="$out.tmp.$$"
trap 'rm -f "$tmp"' EXIT INT TERM
# tail -c +N is 1-based.
tail -c +$((start + 1)) "$in" | head -c "$plen" | $tool >"$tmp" 2>/dev/null || true
[ "$(hexat "$tmp" 0 4)" = 7f454c46 ] ||
	die 4 "$in: decompressing the $fmt payload did not give an ELF file"

if command -v readelf >/dev/null 2>&1; then
	# XEN_ELFNOTE_PHYS32_ENTRY is note type 18 (0x12) with owner "Xen".
	if ! readelf -n "$tmp" 2>/dev/null |
		grep -Eq '^ *Xen .*(0x00000012|PHYS32_ENTRY)'; then
		die 4 "$in: the extracted vmlinux has no PVH note (XEN_ELFNOTE_PHYS32_ENTRY); kernel built without CONFIG_PVH?"
	fi
	pvh=yes
else
	pvh="not checked (no readelf)"
fi
mv "$tmp" "$out"
trap - EXIT INT TERM
echo "extract-vmlinux: $out ($fmt payload, $(wc -c <"$out" | tr -d ' ') bytes, PVH note: $pvh)" >&2
