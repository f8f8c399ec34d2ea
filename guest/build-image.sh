#!/bin/sh
# Builds a one-file bingo disk image (design.md section 11): a GPT disk
# whose EFI system partition (FAT) holds \EFI\BOOT\BOOTX64.EFI, a unified
# kernel image (UAPI.5 "Unified Kernel Image"): Debian's systemd-stub
# (systemd-boot-efi) with .osrel, .cmdline, .uname, .linux and .initrd
# sections added by objcopy at aligned addresses after the stub's last
# section, as systemd's documented objcopy recipe does.
#
#   guest/build-image.sh OUT.img BZIMAGE INITRD "CMDLINE" [UNAME]
#
# Reproducible: timestamps come from SOURCE_DATE_EPOCH (default: a fixed
# date), the disk and partition GUIDs and the FAT volume id are fixed, so
# the same inputs give the same bytes.
# Needs: binutils (objcopy, objdump), systemd-boot-efi, mtools,
# dosfstools, fdisk (sfdisk).
set -eu
out=${1:?usage: build-image.sh OUT.img BZIMAGE INITRD CMDLINE [UNAME]}
kernel=${2:?}
initrd=${3:?}
cmdline=${4:?}
uname=${5:-}
stub=${UKI_STUB:-/usr/lib/systemd/boot/efi/linuxx64.efi.stub}
: "${SOURCE_DATE_EPOCH:=1767225600}" # 2026-01-01 00:00:00 UTC
export SOURCE_DATE_EPOCH
# Fixed GUIDs: the disk, and the ESP's unique partition GUID.
DISK_GUID=${DISK_GUID:-6368617a-6c69-4500-8000-62696e676f00}
ESP_GUID=${ESP_GUID:-6368617a-6c69-4500-8000-62696e676f01}
ESP_TYPE=C12A7328-F81F-11D2-BA4B-00A0C93EC93B
FAT_VOLID=${FAT_VOLID:-b1460001}

for t in objcopy objdump sfdisk mkfs.vfat mcopy mmd; do
	command -v $t >/dev/null 2>&1 || {
		echo "build-image: '$t' is missing (scripts/setup.sh installs it)" >&2
		exit 4
	}
done
[ -f "$stub" ] || {
	echo "build-image: no systemd-stub at $stub (apt-get install systemd-boot-efi)" >&2
	exit 4
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

# Section contents.
printf '%s' "$cmdline" >"$tmp/cmdline"
cat >"$tmp/osrel" <<EOF
ID=bingo
NAME="bingo"
PRETTY_NAME="bingo (charlie's guest)"
EOF
[ -n "$uname" ] && printf '%s' "$uname" >"$tmp/uname"

# Addresses: after the stub's last section, each aligned to 4 KiB (a
# multiple of the stub's SectionAlignment).  objdump -h lines with 7
# fields are "Idx Name Size VMA LMA Off Algn".
end=0
for e in $(objdump -h "$stub" | awk 'NF == 7 && $1 ~ /^[0-9]+$/ { print $3 ":" $4 }'); do
	sz=$(printf '%d' "0x${e%%:*}")
	va=$(printf '%d' "0x${e#*:}")
	[ $((va + sz)) -gt $end ] && end=$((va + sz))
done
align=4096
next=$(((end + align - 1) / align * align))
args=""
add() { # add NAME FILE
	_sz=$(wc -c <"$2")
	args="$args --add-section $1=$2 --change-section-vma $1=$(printf '0x%x' $next)"
	next=$(((next + _sz + align - 1) / align * align))
}
add .osrel "$tmp/osrel"
add .cmdline "$tmp/cmdline"
[ -n "$uname" ] && add .uname "$tmp/uname"
add .linux "$kernel"
add .initrd "$initrd"
# shellcheck disable=SC2086
objcopy $args "$stub" "$tmp/BOOTX64.EFI"
# objcopy (binutils 2.40) stamps the PE header with the current time and
# a checksum over it: zero both (PE/COFF spec: TimeDateStamp is
# informational; a CheckSum of 0 is not checked by UEFI firmware).
lfanew=$(od -An -tu4 -j60 -N4 "$tmp/BOOTX64.EFI" | tr -d ' ')
zero4() { printf '\000\000\000\000' | dd of="$tmp/BOOTX64.EFI" bs=1 seek="$1" conv=notrunc status=none; }
zero4 $((lfanew + 8))       # COFF TimeDateStamp
zero4 $((lfanew + 24 + 64)) # optional header CheckSum

# The ESP: FAT sized for the UKI plus at least 128 KiB for the FAT's own
# structures, in 256 KiB steps (mkfs.vfat picks FAT12/16/32 for the size).
uki=$(wc -c <"$tmp/BOOTX64.EFI")
esp_kib=$(((uki + 131072) / 262144 * 256 + 256))
# FAT_BITS=12|16|32 forces a FAT type (tests): FAT16 needs 4,085
# clusters and FAT32 65,525: 4 and 33 MiB of 512-byte clusters.
fatopt=
case ${FAT_BITS:-} in
'') ;;
32)
	fatopt="-F 32 -s 1"
	[ $esp_kib -lt 33792 ] && esp_kib=33792
	;;
16)
	fatopt="-F 16 -s 1"
	[ $esp_kib -lt 4096 ] && esp_kib=4096
	;;
*) fatopt="-F $FAT_BITS" ;;
esac
esp_sectors=$((esp_kib * 2))
touch -d "@$SOURCE_DATE_EPOCH" "$tmp/BOOTX64.EFI"
rm -f "$tmp/esp"
# shellcheck disable=SC2086
mkfs.vfat -C --invariant $fatopt -i "$FAT_VOLID" -n BINGO-ESP "$tmp/esp" \
	$esp_kib >/dev/null
MTOOLS_SKIP_CHECK=1 mmd -i "$tmp/esp" ::/EFI ::/EFI/BOOT
MTOOLS_SKIP_CHECK=1 mcopy -m -i "$tmp/esp" "$tmp/BOOTX64.EFI" ::/EFI/BOOT/BOOTX64.EFI

# The disk: 1 MiB before the ESP (protective MBR, GPT header and entry
# array; the ESP starts 1 MiB-aligned), 33 sectors after it for the
# backup entry array and header (UEFI 2.10 §5.3.1), and one spare.
total=$((2048 + esp_sectors + 34))
rm -f "$tmp/disk"
truncate -s $((total * 512)) "$tmp/disk"
sfdisk -q --no-reread --no-tell-kernel "$tmp/disk" >/dev/null <<EOF
label: gpt
label-id: $DISK_GUID
first-lba: 2048
start=2048, size=$esp_sectors, type=$ESP_TYPE, uuid=$ESP_GUID, name="EFI system partition"
EOF
dd if="$tmp/esp" of="$tmp/disk" bs=1M seek=1 conv=notrunc status=none
mkdir -p "$(dirname "$out")"
mv "$tmp/disk" "$out"
echo "build-image: $out is $(wc -c <"$out") bytes (UKI $uki bytes)" >&2
