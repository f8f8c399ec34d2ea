#!/bin/sh
# SPDX-License-Identifier: MIT
# Builds the test host's L0 QEMU for UEFI firmware tests and prints its
# path: Debian's QEMU 7.2 (with Debian's 7.2.1-7.2.22 stable updates, as
# in the qemu-system-x86 package) with two fixes, as a small TCG-only
# qemu-system-x86_64 (the microvm machine, virtio-mmio, virtio-net, user
# networking).  Cached; later calls only print the path.
#
# Why: under nested SVM, Debian's QEMU (7.2, and 10.0 from backports)
# aborts with "tcg_handle_interrupt: assertion failed" when an L2 guest
# writes CR8 while a virtual interrupt is pending: helper_write_crN calls
# cpu_interrupt without the big lock.  edk2's X64 interrupt return path
# restores CR8 on every timer tick, so OVMF under charlie in L1 kills the
# L0 QEMU a few seconds in.  qemu-7.2-l0.patch takes the lock there (as
# the same function already does for the APIC TPR).  Its second fix is
# the same race without the assertion: helper_vmrun sets
# CPU_INTERRUPT_VIRQ in interrupt_request without the lock, so an L1
# timer interrupt the I/O thread raises at that moment can be lost; L1
# then halts with it stuck in its APIC and never wakes (the test host's
# freeze, NOTES.md).  The patch also turns off the unpacking of edk2
# blobs the Debian (dfsg) tarball does not ship, and drops a stub that a
# build without the pc machine links twice.  testhost/run.sh uses this
# L0 for every test host once it is built (make check builds it).
#
# The source is Debian's: pool/main/q/qemu/qemu_7.2+dfsg.orig.tar.xz and
# qemu_7.2+dfsg-7+deb12u18.debian.tar.xz from the archive (sha256
# checked); of Debian's patches only the upstream stable updates
# (v7.2.N.diff) are applied.  Build needs: libglib2.0-dev
# libpixman-1-dev libfdt-dev libslirp-dev meson ninja-build (setup.sh).
# About 12 minutes on 2 cores, once.
#
#   testhost/build-l0-qemu.sh      prints the binary's path (exit 0), or
#                                  says why it cannot (exit 1)
#   testhost/build-l0-qemu.sh --cached
#                                  the path if it is built, else exit 1
#                                  (builds nothing)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
cache=${CHARLIE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/charlie}
pool=${DEBIAN_MIRROR:-http://deb.debian.org/debian}/pool/main/q/qemu
orig=qemu_7.2+dfsg.orig.tar.xz
orig_sha=91aca71520040edc40b8d437aa3004dae614f58e286cf653ee8996c07af2962f
deb=qemu_7.2+dfsg-7+deb12u18.debian.tar.xz
deb_sha=28a1c86310ee53b6bf1854cffe6f6be6ed29a08db7d05759f8ac57b8d6a6cb2f
tag=$(cat "$here/qemu-7.2-l0.patch" "$0" | sha256sum | cut -c1-12)
out=$cache/l0-qemu-$tag
say() { echo "build-l0-qemu: $*" >&2; }

if [ -x "$out/qemu-system-x86_64" ]; then
	echo "$out/qemu-system-x86_64"
	exit 0
fi
[ "${1:-}" = --cached ] && exit 1
for t in meson ninja pkg-config cc; do
	command -v $t >/dev/null 2>&1 || { say "no $t (scripts/setup.sh installs it)"; exit 1; }
done
for p in glib-2.0 pixman-1 slirp; do
	pkg-config --exists $p || { say "no $p development files (scripts/setup.sh)"; exit 1; }
done
[ -f /usr/include/libfdt.h ] || { say "no libfdt development files (scripts/setup.sh)"; exit 1; }
mkdir -p "$cache/src"
# fetch FILE SHA256: into $cache/src, checked
fetch() {
	if ! echo "$2  $cache/src/$1" | sha256sum -c --status 2>/dev/null; then
		say "fetching $pool/$1"
		curl -sSfL -o "$cache/src/$1.tmp" "$pool/$1" ||
			{ say "cannot fetch $pool/$1"; exit 1; }
		echo "$2  $cache/src/$1.tmp" | sha256sum -c --status ||
			{ say "$1: checksum mismatch"; rm -f "$cache/src/$1.tmp"; exit 1; }
		mv "$cache/src/$1.tmp" "$cache/src/$1"
	fi
}
fetch "$orig" "$orig_sha"
fetch "$deb" "$deb_sha"
work=$(mktemp -d "${TMPDIR:-/tmp}/l0-qemu.XXXXXX")
trap 'rm -rf "$work"' EXIT
say "building a patched QEMU 7.2 for L0 in $work (once; about 12 minutes)"
tar -C "$work" -xJf "$cache/src/$orig"
tar -C "$work" -xJf "$cache/src/$deb"
src=$work/qemu-7.2.0
n=1
while [ -f "$work/debian/patches/v7.2.$n.diff" ]; do
	(cd "$src" && patch -s -p1 <"$work/debian/patches/v7.2.$n.diff") ||
		{ say "Debian's v7.2.$n.diff does not apply"; exit 1; }
	n=$((n + 1))
done
(cd "$src" && patch -s -p1 <"$here/qemu-7.2-l0.patch") ||
	{ say "qemu-7.2-l0.patch does not apply"; exit 1; }
# Only what testhost/run.sh uses: -M microvm, the serial console,
# virtio-net-device with user networking.  ACPI_X86 (with the APM and
# SMBus parts its PIIX4 code links against): without it 7.2's minimal
# microvm build defines pc_madt_cpu_entry twice.
printf '%s\n' CONFIG_MICROVM=y CONFIG_VIRTIO_MMIO=y CONFIG_VIRTIO_NET=y \
	CONFIG_ACPI_X86=y CONFIG_APM=y CONFIG_ACPI_SMBUS=y \
	>"$src/configs/devices/x86_64-softmmu/charlie-l0.mak"
mkdir "$src/b"
# Nothing is installed: the binary and a wrapper go to the cache.
(cd "$src/b" && ../configure --prefix=/usr --target-list=x86_64-softmmu \
	--without-default-features --without-default-devices \
	--with-devices-x86_64=charlie-l0 --enable-tcg --enable-slirp \
	--enable-fdt=system --disable-docs --disable-werror \
	--disable-install-blobs --meson=meson) >"$work/configure.log" 2>&1 ||
	{ tail -20 "$work/configure.log" >&2; say "configure failed"; exit 1; }
(cd "$src/b" && ninja -j"$(nproc)" qemu-system-x86_64) >"$work/build.log" 2>&1 ||
	{ tail -20 "$work/build.log" >&2; say "build failed"; exit 1; }
mkdir -p "$out.tmp"
cp "$src/b/qemu-system-x86_64" "$out.tmp/qemu-system-x86_64.bin"
# A relocatable QEMU looks for its firmware next to itself: point it at
# Debian's (qboot for microvm, from qemu-system-data).
cat >"$out.tmp/qemu-system-x86_64" <<'WRAP'
#!/bin/sh
exec "$(dirname "$0")/qemu-system-x86_64.bin" -L /usr/share/qemu "$@"
WRAP
chmod +x "$out.tmp/qemu-system-x86_64"
rm -rf "$out"
mv "$out.tmp" "$out"
echo "$out/qemu-system-x86_64"
