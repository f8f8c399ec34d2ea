#!/bin/sh
# SPDX-License-Identifier: MIT
# make bench-boot: exec -> bingo's boot marker, in one test-host run (real
# nested KVM in a TCG L1, so absolute figures are slow; the ratios are the
# point).  Five configurations, BOOT_RUNS rounds (default 10), alternating:
#   charlie-disk  charlie run --disk bingo.img,ro   (UKI, no firmware)
#   charlie-efi   charlie run --efi --disk bingo.img,ro with Debian's OVMF
#                 (OVMF_CODE_4M) and a fresh variable store each run
#   charlie-kern  charlie run --kernel bzImage --initrd initramfs.cpio.gz
#                 with the UKI's own command line
#   qemu-microvm  Debian's QEMU, -M microvm -accel kvm, same kernel+initrd
#   qemu-ovmf     Debian's QEMU, -M q35 -accel kvm, Debian's OVMF, bingo.img
# L0 is testhost/build-l0-qemu.sh's QEMU when it can be built (Debian's
# aborts when a nested guest runs OVMF; see that script), else Debian's.
# No NIC anywhere: bingo then serves loopback at once and writes the
# marker (0x7b to port 0x4f0) and logs msg="boot marker written".
# Method "console": bench/bootwatch (static, in L1) reads the VMM's output
# and times from just before execve to the `boot marker written` line; the
# same for all four.  Method "timeline": charlie's --timeline `boot marker`
# (ms since charlie's main, port write seen by charlie), charlie only.
# Each run then ends by SIGINT (charlie: power button) or SIGTERM (QEMU);
# the end is not measured.  A benchmark, not a test: it asserts nothing.
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
build=${CHARLIE_BUILD:-build}
case $build in /*) ;; *) build=$root/$build ;; esac
runs=${BOOT_RUNS:-10}
ovmf_limit=${OVMF_LIMIT:-180}  # seconds, OVMF in L1 (round 1)
mem=256
cmdline="console=ttyS0 console=hvc0 quiet"
g=$build/guest
for f in bingo.img bzImage initramfs.cpio.gz; do
	[ -f "$g/$f" ] || { echo "bench-boot: $g/$f missing (make guest)" >&2; exit 1; }
done
qemu=$(command -v "${QEMU:-qemu-system-x86_64}") || { echo "bench-boot: no QEMU" >&2; exit 1; }
code=${OVMF_CODE:-/usr/share/OVMF/OVMF_CODE_4M.fd}
vars=${OVMF_VARS:-/usr/share/OVMF/OVMF_VARS_4M.fd}
[ -f "$code" ] && [ -f "$vars" ] || { echo "bench-boot: no OVMF ($code; apt-get install ovmf)" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
${CC:-gcc} -O2 -static -Wall -Wextra -o "$tmp/bootwatch" "$root/bench/bootwatch.c" || exit 1

adds="--add $g/bingo.img:/k/bingo.img --add $g/bzImage:/k/bzImage"
adds="$adds --add $g/initramfs.cpio.gz:/k/initramfs.cpio.gz"
adds="$adds --add $tmp/bootwatch:/bin/bootwatch --qemu"
adds="$adds --add $code:/k/OVMF_CODE.fd --add $vars:/k/OVMF_VARS.fd"

# The guest's `quiet` keeps the consoles short (each byte is an exit,
# nested).
qemu_common="-cpu host -m $mem -smp 1 -nodefaults -no-user-config -display none -serial stdio"
# run CFG ROUND SIGNAL: one boot; prints "RESULT CFG ROUND CONSOLE_MS TIMELINE_MS"
cat >"$tmp/run.sh" <<'RUN'
run() {
	cp "$K/OVMF_VARS.fd" "$T/vars.fd"
	case $1 in
	charlie-disk) set -- charlie-disk "$2" "$3" charlie run --disk "$K/bingo.img,ro" \
		--memory ${MEM}M --timeline ;;
	charlie-efi) rm -f "$T/cvars.fd"
		set -- charlie-efi "$2" "$3" charlie run --efi --efi-firmware "$K/OVMF_CODE.fd" \
		--efi-vars "$T/cvars.fd" --disk "$K/bingo.img,ro" --memory ${MEM}M --timeline ;;
	charlie-kern) set -- charlie-kern "$2" "$3" charlie run --kernel "$K/bzImage" \
		--initrd "$K/initramfs.cpio.gz" --cmdline "$CMDLINE" --memory ${MEM}M --timeline ;;
	qemu-microvm) set -- qemu-microvm "$2" "$3" "$QEMU" -M microvm -accel "$ACCEL" $QCOMMON \
		-kernel "$K/bzImage" -initrd "$K/initramfs.cpio.gz" -append "$CMDLINE" ;;
	qemu-ovmf) set -- qemu-ovmf "$2" "$3" "$QEMU" -M q35 -accel "$ACCEL" $QCOMMON \
		-drive "if=pflash,format=raw,unit=0,readonly=on,file=$K/OVMF_CODE.fd" \
		-drive "if=pflash,format=raw,unit=1,file=$T/vars.fd" \
		-drive "file=$K/bingo.img,format=raw,if=virtio,readonly=on" ;;
	esac
	name=$1 round=$2 sig=$3
	shift 3
	ms=$("$BW" -t "$LIMIT" -s "$sig" -g 20 -o "$T/out" 'boot marker written' -- "$@" |
		sed -n 's/^BOOTWATCH ms=//p')
	tl=$(tr -d '\r' <"$T/out" | sed -n 's/^\[host\] *boot marker *\([0-9][0-9.]*\).*/\1/p' | head -n 1)
	echo "RESULT $name $round ${ms:--} ${tl:--}"
	if [ "${ms:--}" = - ]; then
		echo "NOMARKER $name $round: last lines of its output:"
		tr -d '\r' <"$T/out" | tail -n 15 | sed 's/^/NOMARKER   /'
	fi
}
RUN

cat >"$tmp/scenario.sh" <<SCEN
K=/k T=/tmp BW=/bin/bootwatch QEMU=$qemu ACCEL=kvm MEM=$mem LIMIT=240
CMDLINE="$cmdline" QCOMMON="$qemu_common"
$(cat "$tmp/run.sh")
echo "LOAD1 \$(cat /proc/loadavg)"
i=1 ovmf_ok=0 efi_ok=0
while [ \$i -le $runs ]; do
	run charlie-disk \$i 2
	run charlie-kern \$i 2
	run qemu-microvm \$i 15
	# OVMF in L1 is tried in round 1 only: without a marker by then it
	# runs on the outer machine (TCG) below, and the rounds go faster
	if [ \$i -eq 1 ] || [ "\$ovmf_ok" = 1 ]; then
		LIMIT=$ovmf_limit run qemu-ovmf \$i 15 | tee /tmp/ovmf.res
		grep -q '^RESULT qemu-ovmf [0-9]* [0-9]' /tmp/ovmf.res && ovmf_ok=1
	fi
	if [ \$i -eq 1 ] || [ "\$efi_ok" = 1 ]; then
		LIMIT=$ovmf_limit run charlie-efi \$i 2 | tee /tmp/efi.res
		grep -q '^RESULT charlie-efi [0-9]* [0-9]' /tmp/efi.res && efi_ok=1
	fi
	i=\$((i + 1))
done
SCEN

l0=$(sh "$root/testhost/build-l0-qemu.sh") ||
	{ echo "bench-boot: no patched L0 QEMU; charlie-efi and qemu-ovmf may not run in L1" >&2; l0=; }
echo "bench-boot: $runs rounds in one test-host run; host load: $(uptime | sed 's/.*load/load/')" >&2
# shellcheck disable=SC2086
TESTHOST_L0_QEMU=$l0 "$root/testhost/run.sh" --timeout 3000 --memory 2048 $adds "$tmp/scenario.sh" 2>&1 |
	tr -d '\r' | tee "$tmp/log" | grep --line-buffered -E '^(RESULT|NOMARKER) ' >&2
grep '^RESULT ' "$tmp/log" >"$tmp/res"
echo "bench-boot: host load after: $(uptime | sed 's/.*load/load/')" >&2

# QEMU could not use KVM in L1: the same on the outer machine with TCG.
caveat=
for c in qemu-microvm qemu-ovmf; do
	if ! awk -v c=$c '$2 == c && $4 != "-" { ok = 1 } END { exit !ok }' "$tmp/res"; then
		caveat="$caveat $c"
		sed -i "/^RESULT $c /d" "$tmp/res"
		echo "bench-boot: $c reached no marker with KVM in L1; running it on the outer machine with TCG" >&2
		(
			K=$g T=$tmp BW=$tmp/bootwatch QEMU=$qemu ACCEL=tcg MEM=$mem LIMIT=600
			CMDLINE=$cmdline QCOMMON=$(echo "$qemu_common" | sed 's/-cpu host/-cpu max/')
			cp "$code" "$tmp/OVMF_CODE.fd"
			cp "$vars" "$tmp/OVMF_VARS.fd"
			ln -sf "$g/bingo.img" "$tmp/bingo.img"
			ln -sf "$g/bzImage" "$tmp/bzImage"
			ln -sf "$g/initramfs.cpio.gz" "$tmp/initramfs.cpio.gz"
			K=$tmp
			. "$tmp/run.sh"
			i=1
			while [ $i -le "$runs" ]; do
				run $c $i 15
				i=$((i + 1))
			done
		) | tee -a "$tmp/res" >&2
	fi
done

stats() { # CFG FIELD -> "median min max n" (ms)
	awk -v c="$1" -v f="$2" '$2 == c && $f != "-" { print $f }' "$tmp/res" | sort -n |
		awk '{ a[NR] = $1 } END {
			if (!NR) { print "- - - 0"; exit }
			m = NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2
			printf "%.1f %.1f %.1f %d\n", m, a[1], a[NR], NR }'
}
echo
echo "exec -> bingo's boot marker, ms (test host: nested KVM in a TCG L1; $runs rounds)"
printf '  %-14s %-9s %9s %9s %9s %4s\n' configuration method median min max n
for c in charlie-disk charlie-efi charlie-kern qemu-microvm qemu-ovmf; do
	# shellcheck disable=SC2046
	set -- $(stats $c 4)
	printf '  %-14s %-9s %9s %9s %9s %4s\n' $c console "$1" "$2" "$3" "$4"
	eval "med_$(echo $c | tr - _)=$1"
	case $c in charlie-*)
		set -- $(stats $c 5)
		printf '  %-14s %-9s %9s %9s %9s %4s\n' $c timeline "$1" "$2" "$3" "$4" ;;
	esac
done
# shellcheck disable=SC2154
awk -v oc="$(case $caveat in *ovmf*) echo "  (OVMF: outer TCG, not comparable)" ;; esac)" -v d="$med_charlie_disk" -v e="$med_charlie_efi" -v k="$med_charlie_kern" -v m="$med_qemu_microvm" -v o="$med_qemu_ovmf" '
	function r(a, b) { return (a == "-" || b == "-" || b == 0) ? "-" : sprintf("%.2fx", a / b) }
	BEGIN {
		print "ratios (console method, medians; aims: <= 0.8x microvm, a small fraction of OVMF):"
		printf "  charlie-disk / qemu-microvm  %s\n", r(d, m)
		printf "  charlie-kern / qemu-microvm  %s\n", r(k, m)
		printf "  charlie-disk / qemu-ovmf     %s%s\n", r(d, o), oc
		printf "  charlie-kern / qemu-ovmf     %s%s\n", r(k, o), oc
		printf "  charlie-efi  / qemu-ovmf     %s%s   (aim: <= 1x, same OVMF and image)\n", r(e, o), oc
		printf "  charlie-efi  / charlie-disk  %s   (what the firmware costs)\n", r(e, d)
	}'
[ -z "$caveat" ] || echo "CAVEAT:$caveat ran on the outer machine with TCG (no usable KVM for QEMU in L1): not the same conditions as charlie's figures"
exit 0
