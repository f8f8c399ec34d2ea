#!/bin/sh
# Builds the test host's BASE L1 initramfs (design.md 6): busybox-static with
# its applet links, the L1 kernel's kvm modules (irqbypass, kvm, ccp,
# kvm-amd and whatever they depend on) and testhost/init.  The per-run part
# (scenario, charlie, payloads) is a second cpio appended by testhost/run.sh.
#
#   testhost/build-l1.sh [--gzip] [--bzimage]
#
# Prints two lines on stdout:
#   kernel=<path of the L1 kernel: the PVH vmlinux extracted from Debian's
#           vmlinuz, or with --bzimage (or if extraction fails) the vmlinuz>
#   initrd=<path of the base cpio>
# The archive is cached in $CHARLIE_BUILD/testhost/ (default build/testhost/) under a
# name keyed by a hash of its inputs, so a second call is instant.
# QEMU boots the extracted ELF vmlinux through its PVH entry: under TCG that
# saves the ~2.5 s the bzImage spends decompressing itself.
# Uncompressed is the default: under TCG the guest kernel's gunzip costs
# more than QEMU copying the bigger file into guest RAM (README.md has the
# figures).
# Exit: 0 ok, 4 something missing (busybox, kernel, module).
set -eu

die() {
	echo "build-l1: $*" >&2
	exit 4
}

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
compress=none
bzimage=no
for a in "$@"; do
	case $a in
	--gzip) compress=gzip ;;
	--bzimage) bzimage=yes ;;
	*) die "usage: build-l1.sh [--gzip] [--bzimage]" ;;
	esac
done
build=${CHARLIE_BUILD:-build}
case $build in /*) ;; *) build="$root/$build" ;; esac
out_dir="$build/testhost"

busybox=
for b in /bin/busybox /usr/bin/busybox; do
	if [ -x "$b" ] && file -L "$b" 2>/dev/null | grep -q 'statically linked'; then
		busybox=$b
		break
	fi
done
# Without file(1), trust the path the busybox-static package installs.
[ -n "$busybox" ] || { [ -x /bin/busybox ] && busybox=/bin/busybox; } ||
	die "no busybox (install busybox-static)"
command -v cpio >/dev/null 2>&1 || die "no cpio (install cpio)"
command -v modinfo >/dev/null 2>&1 || die "no modinfo (install kmod)"

kdir=$("$root/scripts/fetch-kernel.sh" amd64) || die "scripts/fetch-kernel.sh amd64 failed"
vmlinuz=$(ls "$kdir"/boot/vmlinuz-* 2>/dev/null | head -1)
[ -f "$vmlinuz" ] || die "no boot/vmlinuz-* in $kdir"
kver=${vmlinuz##*/vmlinuz-}
mdir="$kdir/lib/modules/$kver"
[ -d "$mdir" ] || die "no $mdir"

# Path of module $1 (file name with - or _), any compression.
modpath() {
	n1=$1
	n2=$(echo "$1" | tr _ -)
	n3=$(echo "$1" | tr - _)
	find "$mdir/kernel" \( -name "$n1.ko*" -o -name "$n2.ko*" -o -name "$n3.ko*" \) \
		2>/dev/null | head -1
}

# Dependency order: a module is listed after everything it depends on
# ("depends:" in its modinfo, the same data depmod writes to modules.dep,
# which Debian's package does not ship: depmod runs at install time).
order=
visit() {
	case " $order " in *" $1 "*) return 0 ;; esac
	p=$(modpath "$1")
	[ -n "$p" ] || die "module $1 not found under $mdir"
	for d in $(modinfo -F depends "$p" | tr , ' '); do
		visit "$d"
	done
	order="$order $1"
}
for m in irqbypass kvm ccp kvm_amd; do
	visit "$m"
done
kvm_order=$order
# virtio-mmio networking, loaded only when run.sh --hostfwd asks for it.
order=
for m in virtio_mmio virtio_net; do
	visit "$m"
done
net_order=$order
order="$kvm_order$net_order"

# Debian's OVMF (issue 12: charlie run --efi), when installed: at the same
# paths in L1, so --efi's default firmware is found there.
ovmf=
for f in /usr/share/OVMF/OVMF_CODE_4M.fd /usr/share/OVMF/OVMF_VARS_4M.fd; do
	[ -f "$f" ] && ovmf="$ovmf $f"
done

# Cache key: everything that ends up in the archive, plus this script.
key=$({
	echo "$compress $kver $order"
	cat "$0" "$here/init"
	sha256sum "$busybox" | cut -d' ' -f1
	for m in $order; do sha256sum "$(modpath "$m")" | cut -d' ' -f1; done
	for f in $ovmf; do sha256sum "$f" | cut -d' ' -f1; done
} | sha256sum | cut -c1-16)
ext=cpio
[ "$compress" = gzip ] && ext=cpio.gz
img="$out_dir/l1-$key.$ext"
if [ ! -f "$img" ]; then
	mkdir -p "$out_dir"
	stage=$(mktemp -d "$out_dir/stage.XXXXXX")
	trap 'rm -rf "$stage"' EXIT INT TERM
	mkdir -p "$stage/bin" "$stage/sbin" "$stage/usr/bin" "$stage/usr/sbin" \
		"$stage/proc" "$stage/sys" "$stage/dev" "$stage/tmp" "$stage/run" \
		"$stage/etc/testhost" "$stage/lib/modules/$kver"
	cp "$busybox" "$stage/bin/busybox"
	# Applet links where busybox wants them (bin, sbin, usr/bin, usr/sbin).
	"$busybox" --list-full | while read -r a; do
		[ -e "$stage/$a" ] || [ "$a" = bin/busybox ] && continue
		case $a in
		bin/*) ln -s busybox "$stage/$a" ;;
		sbin/*) ln -s ../bin/busybox "$stage/$a" ;;
		usr/*) ln -s ../../bin/busybox "$stage/$a" ;;
		esac
	done
	for m in $order; do
		src=$(modpath "$m")
		dst="/lib/modules/$kver/$(basename "$src")"
		case $src in
		*.ko) cp "$src" "$stage$dst" ;;
		*.ko.xz) dst=${dst%.xz}; xz -dc "$src" >"$stage$dst" ;;
		*.ko.zst) dst=${dst%.zst}; zstd -dcq "$src" >"$stage$dst" ;;
		*.ko.gz) dst=${dst%.gz}; gzip -dc "$src" >"$stage$dst" ;;
		*) die "unknown module format: $src" ;;
		esac
		case " $kvm_order " in
		*" $m "*) echo "$dst" >>"$stage/etc/testhost/modules" ;;
		*) echo "$dst" >>"$stage/etc/testhost/net-modules" ;;
		esac
	done
	for f in $ovmf; do
		mkdir -p "$stage/usr/share/OVMF"
		cp "$f" "$stage/usr/share/OVMF/"
	done
	cp "$here/init" "$stage/init"
	chmod 755 "$stage/init"
	echo "$kver" >"$stage/etc/testhost/kernel-version"
	tmp="$img.tmp.$$"
	(cd "$stage" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) >"$tmp.raw"
	if [ "$compress" = gzip ]; then
		gzip -9n <"$tmp.raw" >"$tmp"
		rm -f "$tmp.raw"
	else
		mv "$tmp.raw" "$tmp"
	fi
	# Pad to 512 bytes: run.sh appends a second archive, and the kernel
	# only looks for a cpio header at 4-byte aligned offsets (zeros between
	# archives are skipped).
	sz=$(wc -c <"$tmp")
	pad=$(((512 - sz % 512) % 512))
	[ "$pad" -eq 0 ] || head -c "$pad" /dev/zero >>"$tmp"
	mv "$tmp" "$img"
	# Older archives of this kind are stale (an input changed).
	for old in "$out_dir"/l1-*."$ext"; do
		[ "$old" = "$img" ] || rm -f "$old"
	done
	echo "build-l1: built $img ($(wc -c <"$img") bytes; modules:$kvm_order; for --hostfwd:$net_order)" >&2
fi
kernel=$vmlinuz
vmlinux="$out_dir/vmlinux-$kver-$(sha256sum "$vmlinuz" | cut -c1-12)"
if [ "$bzimage" = no ]; then
	if [ ! -f "$vmlinux" ]; then
		mkdir -p "$out_dir"
		rm -f "$out_dir"/vmlinux-"$kver"-*
		"$root/scripts/extract-vmlinux.sh" "$vmlinuz" "$vmlinux" >&2 ||
			echo "build-l1: cannot extract the PVH vmlinux; using the bzImage" >&2
	fi
	[ -f "$vmlinux" ] && kernel=$vmlinux
fi
echo "kernel=$kernel"
echo "initrd=$img"
