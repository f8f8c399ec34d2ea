#!/bin/sh
# Builds bingo's minimal kernel (ELF vmlinux with the PVH note) from
# Debian's linux-source package: x86_64 allnoconfig + guest/kernel/min.config.
# The source is unpacked and built in a cache outside the repository; the
# build is skipped when the hash of (source tarball, fragment, this script)
# is unchanged.
#
#   guest/build-min-kernel.sh OUT     # e.g. build/guest/vmlinux-min
set -eu
out=${1:?usage: build-min-kernel.sh OUT}
here=$(cd "$(dirname "$0")" && pwd)
frag=$here/kernel/min.config
cache=${CHARLIE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/charlie}
jobs=${CHARLIE_JOBS:-2}

tarball=$(ls /usr/src/linux-source-*.tar.xz 2>/dev/null | sort | tail -1 || true)
if [ -z "$tarball" ]; then
	if [ "$(id -u)" -eq 0 ]; then
		echo "build-min-kernel: installing linux-source" >&2
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
			--no-install-recommends linux-source flex bison bc libelf-dev >&2
		tarball=$(ls /usr/src/linux-source-*.tar.xz | sort | tail -1)
	else
		echo "build-min-kernel: linux-source is not installed (apt-get install linux-source)" >&2
		exit 4
	fi
fi
for tool in flex bison bc; do
	command -v $tool >/dev/null 2>&1 || {
		echo "build-min-kernel: '$tool' is missing (apt-get install flex bison bc libelf-dev)" >&2
		exit 4
	}
done

name=$(basename "$tarball" .tar.xz)
src=$cache/src/$name
kout=$cache/kbuild-min
hash=$( (ls -l "$tarball"; cat "$frag" "$0") | sha256sum | cut -c1-16)

# One build at a time in the shared cache (parallel `make check` runs).
mkdir -p "$cache"
exec 9>"$cache/kbuild-min.lock"
if command -v flock >/dev/null 2>&1; then
	flock 9
fi

if [ -f "$kout/.bingo-hash" ] && [ "$(cat "$kout/.bingo-hash")" = "$hash" ] &&
	[ -f "$kout/vmlinux" ]; then
	mkdir -p "$(dirname "$out")"
	cmp -s "$kout/vmlinux" "$out" 2>/dev/null || cp "$kout/vmlinux" "$out"
	echo "build-min-kernel: up to date ($name, config $hash)" >&2
	exit 0
fi

if [ ! -f "$src/.bingo-unpacked" ]; then
	echo "build-min-kernel: unpacking $tarball into $cache/src" >&2
	mkdir -p "$cache/src"
	rm -rf "$src"
	tar -C "$cache/src" -xJf "$tarball"
	touch "$src/.bingo-unpacked"
fi

start=$(date +%s)
mkdir -p "$kout"
rm -f "$kout/.bingo-hash"
echo "build-min-kernel: configuring (allnoconfig + $(basename "$frag"))" >&2
make -s -C "$src" O="$kout" ARCH=x86_64 KCONFIG_ALLCONFIG="$frag" allnoconfig >&2

# Every option the fragment asks for must have survived Kconfig's
# dependency resolution; say which did not.
bad=0
grep -E '^CONFIG_[A-Z0-9_]+=' "$frag" | while IFS= read -r line; do
	opt=${line%%=*}
	val=${line#*=}
	if [ "$val" = n ]; then
		grep -q "^$opt=" "$kout/.config" && echo "build-min-kernel: warning: $opt wanted n, got $(grep "^$opt=" "$kout/.config")" >&2
	else
		grep -qx "$line" "$kout/.config" || echo "build-min-kernel: warning: $line not set (got: $(grep "^$opt=\|$opt is not set" "$kout/.config"))" >&2
	fi
	true
done
: $bad

echo "build-min-kernel: building vmlinux with -j$jobs (several minutes)" >&2
make -s -C "$src" O="$kout" ARCH=x86_64 -j"$jobs" vmlinux >&2
end=$(date +%s)
echo "$hash" >"$kout/.bingo-hash"
echo "$((end - start))" >"$kout/.bingo-build-seconds"
mkdir -p "$(dirname "$out")"
cp "$kout/vmlinux" "$out"
echo "build-min-kernel: built $out in $((end - start)) s" >&2
