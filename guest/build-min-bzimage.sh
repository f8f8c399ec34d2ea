#!/bin/sh
# The minimal kernel as a bzImage (for bingo-min.img's unified kernel
# image, which needs a bzImage, not an ELF vmlinux): `make bzImage` in the
# cached tree guest/build-min-kernel.sh built (incremental: vmlinux is
# up to date, only the compressed image and the setup code are built).
# Kept apart from build-min-kernel.sh so its cache hash does not change.
#
#   guest/build-min-bzimage.sh OUT     # e.g. build/guest/bzImage-min
set -eu
out=${1:?usage: build-min-bzimage.sh OUT}
cache=${CHARLIE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/charlie}
jobs=${CHARLIE_JOBS:-2}
kout=$cache/kbuild-min
[ -f "$kout/vmlinux" ] || {
	echo "build-min-bzimage: no $kout/vmlinux (run guest/build-min-kernel.sh)" >&2
	exit 4
}
src=$(ls -d "$cache"/src/linux-source-* | sort | tail -1)
exec 9>"$cache/kbuild-min.lock"
command -v flock >/dev/null 2>&1 && flock 9
bz=$kout/arch/x86/boot/bzImage
if [ ! -f "$bz" ] || [ "$kout/vmlinux" -nt "$bz" ]; then
	echo "build-min-bzimage: make bzImage in $kout" >&2
	make -s -C "$src" O="$kout" ARCH=x86_64 -j"$jobs" bzImage >&2
fi
mkdir -p "$(dirname "$out")"
cmp -s "$bz" "$out" 2>/dev/null || cp "$bz" "$out"
echo "build-min-bzimage: $out is $(wc -c <"$out") bytes" >&2
