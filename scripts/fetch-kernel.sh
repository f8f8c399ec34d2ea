#!/bin/sh
# Fetches a Debian kernel package with `apt-get download` (never installed
# into the host's /boot) and unpacks it into a cache that survives between
# builds and CI runs.  Prints the unpacked directory, which holds
# boot/vmlinuz-* and lib/modules/<version>/.
#
#   scripts/fetch-kernel.sh cloud   # linux-image-cloud-amd64 (the L2 / guest kernel)
#   scripts/fetch-kernel.sh amd64   # linux-image-amd64 (the test host's L1 kernel, kvm modules)
set -eu
flavour=${1:?usage: fetch-kernel.sh cloud|amd64}
case $flavour in
cloud | amd64) ;;
*) echo "fetch-kernel: unknown flavour '$flavour' (cloud or amd64)" >&2; exit 2 ;;
esac
cache=${CHARLIE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/charlie}
mkdir -p "$cache/debs"
meta=linux-image-$flavour; [ "$flavour" = cloud ] && meta=linux-image-cloud-amd64
# The metapackage depends on the versioned image package; resolve it.
pkg=$(apt-cache depends "$meta" 2>/dev/null | sed -n 's/^ *Depends: \(linux-image-[0-9].*\)$/\1/p' | head -1)
if [ -z "$pkg" ]; then
	[ "$(id -u)" -eq 0 ] && apt-get update -q >&2
	pkg=$(apt-cache depends "$meta" | sed -n 's/^ *Depends: \(linux-image-[0-9].*\)$/\1/p' | head -1)
fi
[ -n "$pkg" ] || { echo "fetch-kernel: cannot resolve $meta" >&2; exit 4; }
dir="$cache/$pkg"
if [ ! -f "$dir/.done" ]; then
	(cd "$cache/debs" && ls "${pkg}"_*.deb >/dev/null 2>&1 || apt-get download -q "$pkg" >&2)
	deb=$(ls "$cache/debs/${pkg}"_*.deb | head -1)
	rm -rf "$dir.tmp"
	mkdir -p "$dir.tmp"
	dpkg-deb -x "$deb" "$dir.tmp"
	rm -rf "$dir"
	mv "$dir.tmp" "$dir"
	touch "$dir/.done"
fi
echo "$dir"
