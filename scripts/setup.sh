#!/bin/sh
# Installs the Debian packages charlie's build and tests need.  Quick when
# everything is already there (dpkg -s), so `make check` calls it every time.
set -eu
PKGS="gcc clang make libcmocka-dev libseccomp-dev libslirp-dev musl-tools
 qemu-system-x86 busybox-static cpio kmod zstd xz-utils gzip file binutils
 curl strace acpica-tools iproute2 socat time tmux clang-format
 linux-source flex bison bc libelf-dev
 passt libclang-rt-14-dev systemd-boot-efi mtools dosfstools fdisk ovmf
 libglib2.0-dev libpixman-1-dev libfdt-dev meson ninja-build pkg-config patch"
missing=""
for p in $PKGS; do
	dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "setup: installing$missing" >&2
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo
$SUDO apt-get update -q >&2
# shellcheck disable=SC2086
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends $missing >&2
