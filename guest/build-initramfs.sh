#!/bin/sh
# Builds bingo's boot images from Debian's cloud kernel package:
#   OUT/bzImage                    Debian's linux-image-cloud-amd64 kernel
#   OUT/initramfs.cpio.gz          /init + the modules it needs + modules.dep
#   OUT/initramfs-nomod.cpio.gz    /init alone (for kernels with no modules)
#
#   guest/build-initramfs.sh OUT INIT MKCPIO
# Needs: scripts/fetch-kernel.sh (apt-get download), modinfo and depmod
# (kmod), xz/zstd for compressed modules, gzip.
set -eu
out=${1:?usage: build-initramfs.sh OUT INIT MKCPIO}
init=${2:?}
mkcpio=${3:?}
root=$(cd "$(dirname "$0")/.." && pwd)
# The modules /init loads (modules.dep order, deps pulled in below).
WANT="virtio_mmio virtio_pci virtio_net virtio_blk virtio_console virtio-rng
 vmw_vsock_virtio_transport button evdev efivarfs"

case $out in /*) ;; *) out=$PWD/$out ;; esac
case $init in /*) ;; *) init=$PWD/$init ;; esac
case $mkcpio in /*) ;; *) mkcpio=$PWD/$mkcpio ;; esac

kdir=$("$root/scripts/fetch-kernel.sh" cloud)
ver=$(ls "$kdir/lib/modules" | head -1)
mdir=$kdir/lib/modules/$ver
[ -f "$kdir/boot/vmlinuz-$ver" ] || { echo "build-initramfs: no vmlinuz in $kdir" >&2; exit 4; }
mkdir -p "$out"
cmp -s "$kdir/boot/vmlinuz-$ver" "$out/bzImage" 2>/dev/null ||
	cp "$kdir/boot/vmlinuz-$ver" "$out/bzImage"

stage=$out/modstage
rm -rf "$stage"
mkdir -p "$stage/lib/modules/$ver"

find_mod() { # name -> path relative to $mdir ('-' and '_' are the same)
	alt=$(echo "$1" | tr '_-' '-_')
	(cd "$mdir" && find kernel \( -name "$1.ko*" -o -name "$alt.ko*" \) | head -1)
}
builtin() {
	grep -q "/$(echo "$1" | tr '-' '_')\.ko\$\|/$(echo "$1" | tr '_' '-')\.ko\$" \
		"$mdir/modules.builtin" 2>/dev/null
}

# Resolve the dependency closure from each module's own 'depends' field.
todo=$WANT
done_list=" "
while [ -n "$(echo $todo)" ]; do
	next=""
	for m in $todo; do
		case $done_list in *" $m "*) continue ;; esac
		done_list="$done_list$m "
		if builtin "$m"; then
			echo "build-initramfs: $m is built in, skipped" >&2
			continue
		fi
		rel=$(find_mod "$m")
		[ -n "$rel" ] || { echo "build-initramfs: module $m not found in $mdir" >&2; exit 4; }
		deps=$(modinfo -F depends "$mdir/$rel" | tr ',' ' ')
		next="$next $deps"
		dst=$stage/lib/modules/$ver/$rel
		mkdir -p "$(dirname "$dst")"
		case $rel in
		*.ko.xz) xz -dc "$mdir/$rel" >"${dst%.xz}" ;;
		*.ko.zst) zstd -qdc "$mdir/$rel" >"${dst%.zst}" ;;
		*.ko.gz) gzip -dc "$mdir/$rel" >"${dst%.gz}" ;;
		*) cp "$mdir/$rel" "$dst" ;;
		esac
	done
	todo=$next
done
for f in modules.builtin modules.builtin.modinfo modules.order; do
	[ -f "$mdir/$f" ] && cp "$mdir/$f" "$stage/lib/modules/$ver/"
done
depmod -b "$stage" "$ver"
# Keep only what /init reads.
find "$stage/lib/modules/$ver" -maxdepth 1 -type f ! -name modules.dep ! -name modules.builtin -delete

list=$out/initramfs.list
{
	echo "dir /dev 0755"
	echo "nod /dev/console 0600 c 5 1"
	echo "nod /dev/null 0666 c 1 3"
	for d in proc sys run tmp etc root lib; do echo "dir /$d 0755"; done
	echo "file /init $init 0755"
} >"$list.base"
cp "$list.base" "$list"
(cd "$stage" && find lib -mindepth 1 | sort) | while IFS= read -r p; do
	if [ -d "$stage/$p" ]; then
		echo "dir /$p 0755"
	else
		echo "file /$p $stage/$p 0644"
	fi
done | grep -v '^dir /lib 0755$' >>"$list"

"$mkcpio" <"$list.base" | gzip -9n >"$out/initramfs-nomod.cpio.gz.tmp"
mv "$out/initramfs-nomod.cpio.gz.tmp" "$out/initramfs-nomod.cpio.gz"
"$mkcpio" <"$list" | gzip -9n >"$out/initramfs.cpio.gz.tmp"
mv "$out/initramfs.cpio.gz.tmp" "$out/initramfs.cpio.gz"
n=$(grep -c '\.ko ' "$list" || true)
echo "build-initramfs: $out/initramfs.cpio.gz ($n modules for $ver," \
	"$(wc -c <"$out/initramfs.cpio.gz") bytes), initramfs-nomod.cpio.gz" \
	"($(wc -c <"$out/initramfs-nomod.cpio.gz") bytes)" >&2
