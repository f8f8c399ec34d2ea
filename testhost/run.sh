#!/bin/sh
# Runs a scenario script inside the test host (design.md 6): QEMU (TCG, an
# emulated AMD CPU with SVM) boots the Debian L1 kernel with the base
# initramfs from build-l1.sh plus a per-run cpio appended to it, holding
#   /scenario.sh        the SCENARIO_SCRIPT argument (run by busybox sh)
#   /bin/charlie        $CHARLIE or build/charlie, if it exists, with the
#                       shared libraries ldd lists (same paths)
#   GUESTPATH           for each --add HOSTPATH:GUESTPATH
#   PATH                for each --add-bin PATH: the program and the shared
#                       libraries ldd lists, at the same paths
#   QEMU                with --qemu: qemu-system-x86_64 ($QEMU), its
#                       libraries and the firmware files its microvm and
#                       pc machines load
# L1 loads the kvm modules, checks /dev/kvm, runs the scenario and powers
# off.  The L1 console streams to stdout.
#
#   testhost/run.sh [--add HOSTPATH:GUESTPATH]... [--add-bin PATH]... [--qemu]
#                   [--timeout SECS] [--retry-frozen]
#                   [--memory MIB] [--cpus N] [--hostfwd 127.0.0.1:HP-:GP]...
#                   [--append STR] [--gzip] [--bzimage] SCENARIO_SCRIPT
#
# --retry-frozen: for batch scenarios (they must be safe to run twice and
# must keep L1 busy: a scenario that polls does).  If QEMU runs nothing
# for TESTHOST_FREEZE_SECS (60) s, L1 froze (Debian's QEMU 7.2 has been
# seen to halt its vCPU with nothing pending; NOTES.md): QEMU is killed,
# a line "TESTHOST-RESTART" goes to stdout and L1 boots once more.
# Callers keep the output after the last such line (lib.sh testhost_log).
#
# Exit: the scenario's exit code; 124 timeout (QEMU killed); 125 L1 never
# got /dev/kvm (the reason is printed); 126 L1 stopped without reporting the
# scenario's exit (kernel panic, scenario powered off itself...); 127 no QEMU;
# 123 L1 froze twice (--retry-frozen); 4 the initramfs could not be built.
# Only TCG is used, so this works on a machine without /dev/kvm.
# Environment: QEMU (default qemu-system-x86_64: --qemu's copy for L1,
# and L0 when build-l0-qemu.sh's is not built), TESTHOST_L0_QEMU (L0
# only), TESTHOST_TSC_KHZ, TESTHOST_FREEZE_SECS.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)

say() { echo "testhost: $*" >&2; }
usage() {
	sed -n 's/^#   \{0,1\}//p' "$0" | sed -n '/^testhost\/run.sh/,/SCENARIO_SCRIPT$/p' >&2
	exit 2
}

# Prints "P:P" lines (as --add takes them) for program $1 and the libraries ldd lists:
# "libc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x...)" and
# "/lib64/ld-linux-x86-64.so.2 (0x...)"; linux-vdso has no file.
bin_adds() {
	echo "$1:$1"
	ldd "$1" 2>/dev/null | sed -n \
		-e 's/^.*=> \(\/[^ ]*\) (0x.*$/\1:\1/p' \
		-e 's/^[[:space:]]*\(\/[^ ]*\) (0x.*$/\1:\1/p'
}

timeout=600
memory=2048
cpus=1
adds=
with_qemu=
retry_frozen=
freeze_secs=${TESTHOST_FREEZE_SECS:-60}
hostfwds=
append=
l1opts=
while [ $# -gt 0 ]; do
	case $1 in
	--add) [ $# -ge 2 ] || usage; adds="$adds
$2"; shift 2 ;;
	--add-bin)
		[ $# -ge 2 ] || usage
		[ -x "$2" ] || { say "--add-bin $2: not an executable file"; exit 2; }
		adds="$adds
$(bin_adds "$2")"
		shift 2
		;;
	--qemu) with_qemu=1; shift ;;
	--retry-frozen) retry_frozen=1; shift ;;
	--timeout) [ $# -ge 2 ] || usage; timeout=$2; shift 2 ;;
	--memory) [ $# -ge 2 ] || usage; memory=$2; shift 2 ;;
	--cpus) [ $# -ge 2 ] || usage; cpus=$2; shift 2 ;;
	--hostfwd) [ $# -ge 2 ] || usage; hostfwds="$hostfwds $2"; shift 2 ;;
	--append) [ $# -ge 2 ] || usage; append=$2; shift 2 ;;
	--gzip | --bzimage) l1opts="$l1opts $1"; shift ;;
	-h | --help) usage ;;
	--) shift; break ;;
	-*) say "unknown option $1"; usage ;;
	*) break ;;
	esac
done
[ $# -eq 1 ] || usage
scenario=$1
[ -f "$scenario" ] || { say "$scenario: no such file"; exit 2; }
case $timeout in '' | *[!0-9]*) say "--timeout wants seconds"; exit 2 ;; esac
case $memory$cpus in *[!0-9]*) say "--memory and --cpus want numbers"; exit 2 ;; esac

qemu=${QEMU:-qemu-system-x86_64}
command -v "$qemu" >/dev/null 2>&1 || {
	say "$qemu not found (Debian package qemu-system-x86)"
	exit 127
}
# The QEMU that runs L1 (L0): $TESTHOST_L0_QEMU; else the patched QEMU
# 7.2 of testhost/build-l0-qemu.sh once it is built (make check builds
# it: it fixes two nested-SVM races of Debian's 7.2, one of which can
# freeze L1); else $QEMU, Debian's.
if [ -n "${TESTHOST_L0_QEMU:-}" ]; then
	l0=$TESTHOST_L0_QEMU l0_what="L0 $TESTHOST_L0_QEMU"
elif l0=$(sh "$here/build-l0-qemu.sh" --cached 2>/dev/null); then
	l0_what="L0 patched QEMU 7.2"
else
	l0=$qemu l0_what="L0 $qemu: testhost/build-l0-qemu.sh not built"
fi
command -v "$l0" >/dev/null 2>&1 || { say "$l0 not found"; exit 127; }
# --qemu: QEMU for L1 (a reference VMM beside charlie), with the firmware
# its microvm (qboot) and pc machines load and the option ROMs for -kernel.
if [ -n "$with_qemu" ]; then
	adds="$adds
$(bin_adds "$(command -v "$qemu")")"
	for fw in bios-microvm.bin qboot.rom pvh.bin linuxboot_dma.bin \
		linuxboot.bin kvmvapic.bin bios-256k.bin; do
		for d in /usr/share/qemu /usr/share/seabios /usr/lib/ipxe/qemu; do
			if [ -e "$d/$fw" ]; then
				adds="$adds
$d/$fw:$d/$fw"
			fi
		done
	done
fi

# shellcheck disable=SC2086 # l1opts: zero or more words
base=$("$here/build-l1.sh" $l1opts) || exit 4
kernel=$(echo "$base" | sed -n 's/^kernel=//p')
initrd=$(echo "$base" | sed -n 's/^initrd=//p')

work=$(mktemp -d "${TMPDIR:-/tmp}/testhost.XXXXXX")
qpid=
wd=
cleanup() {
	[ -z "$wd" ] || kill "$wd" 2>/dev/null || true
	[ -z "$qpid" ] || kill "$qpid" 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
stage="$work/stage"
mkdir -p "$stage/bin" "$stage/etc/testhost"

# Copies host file $1 to guest path $2 (following symlinks).
put() {
	mkdir -p "$stage$(dirname "$2")"
	cp -RL "$1" "$stage$2"
}

cp "$scenario" "$stage/scenario.sh"
charlie=${CHARLIE:-$root/build/charlie}
if [ -f "$charlie" ]; then
	put "$charlie" /bin/charlie
	# "libc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x...)" and
	# "/lib64/ld-linux-x86-64.so.2 (0x...)"; linux-vdso has no file.
	for lib in $(ldd "$charlie" 2>/dev/null | sed -n \
		-e 's/^.*=> \(\/[^ ]*\) (0x.*$/\1/p' \
		-e 's/^[[:space:]]*\(\/[^ ]*\) (0x.*$/\1/p'); do
		put "$lib" "$lib"
	done
else
	say "no charlie binary at $charlie; the scenario runs without it"
fi
echo "$adds" | while IFS= read -r a; do
	[ -n "$a" ] || continue
	hp=${a%%:*}
	gp=${a#*:}
	case $gp in /*) ;; *) say "--add $a: GUESTPATH must be absolute"; exit 2 ;; esac
	[ -e "$hp" ] || { say "--add $a: $hp does not exist"; exit 2; }
	put "$hp" "$gp"
done

netargs=
if [ -n "$hostfwds" ]; then
	fw=
	for f in $hostfwds; do fw="$fw,hostfwd=tcp:$f"; done
	# restrict=on: L1 reaches nothing outside; the forwards still work.
	netargs="-netdev user,id=n0,restrict=on,net=10.0.2.0/24$fw -device virtio-net-device,netdev=n0"
	touch "$stage/etc/testhost/net"
fi

(cd "$stage" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) >"$work/run.cpio"
cat "$initrd" "$work/run.cpio" >"$work/initrd"

# TCG's TSC is the host's, so L1 is told the host's TSC rate: then L1
# keeps the TSC as its clocksource (with a wrong rate its clock watchdog
# falls back to jiffies) and its clock runs at the host's pace.  From
# $TESTHOST_TSC_KHZ, else the host kernel's log, else a guess.
tsc_khz=${TESTHOST_TSC_KHZ:-}
if [ -z "$tsc_khz" ]; then
	mhz=$(dmesg 2>/dev/null | sed -n \
		-e 's/^.*tsc: Refined TSC clocksource calibration: \([0-9]*\.[0-9][0-9][0-9]\) MHz.*/\1/p' \
		-e 's/^.*tsc: Detected \([0-9]*\.[0-9][0-9][0-9]\) MHz processor.*/\1/p' | tail -1)
	[ -n "$mhz" ] && tsc_khz=$(echo "$mhz" | tr -d .)
fi
case $tsc_khz in '' | *[!0-9]*) tsc_khz=2000000 ;; esac

log="$work/console.log"
# CPU time QEMU's threads have run, in ms (schedstat: ns, exact even for a
# thread that only wakes briefly).
qemu_ms() {
	cat /proc/"$1"/task/*/schedstat 2>/dev/null |
		awk '{ s += $1 } END { printf "%d\n", s / 1000000 }'
}
attempt=1
while :; do
	: >"$log"
	rm -f "$work/timedout" "$work/frozen"
	start=$(date +%s.%N)
	say "booting L1 ($(basename "$kernel"), $(wc -c <"$work/initrd" | tr -d ' ') bytes of initramfs, timeout ${timeout}s; $l0_what)"
	# -no-reboot: a panic (panic=-1) or a failed power-off ends QEMU too.
	# shellcheck disable=SC2086
	"$l0" -accel tcg -cpu EPYC,+svm -m "$memory" -smp "$cpus" -M microvm \
		-nodefaults -no-user-config -display none -no-reboot \
		-chardev "stdio,id=con,logfile=$log" -serial chardev:con \
		$netargs \
		-kernel "$kernel" -initrd "$work/initrd" \
		-append "console=ttyS0 tsc_early_khz=$tsc_khz quiet panic=-1 pci=off $append" \
		</dev/null 2>"$work/qemu.err" &
	qpid=$!
	# Watchdog: polls once a second so it ends soon after QEMU does.
	# With --retry-frozen it also ends a frozen L1: QEMU (TCG) ran for
	# under 20 ms in $freeze_secs s (a live L1 running a scenario that
	# polls burns far more; NOTES.md, "The test host can freeze").
	(
		n=0 flat=0 last=$(qemu_ms "$qpid")
		while kill -0 "$qpid" 2>/dev/null; do
			if [ "$n" -ge "$timeout" ]; then
				touch "$work/timedout"
				kill "$qpid" 2>/dev/null
				exit 0
			fi
			sleep 1
			n=$((n + 1))
			[ -n "$retry_frozen" ] || continue
			now=$(qemu_ms "$qpid")
			if [ $((now - last)) -lt 20 ]; then
				flat=$((flat + 1))
				if [ "$flat" -ge "$freeze_secs" ]; then
					touch "$work/frozen"
					kill "$qpid" 2>/dev/null
					exit 0
				fi
			else
				flat=0 last=$now
			fi
		done
	) &
	wd=$!
	set +e
	wait "$qpid"
	qrc=$?
	set -e
	qpid=
	kill "$wd" 2>/dev/null || true
	wait "$wd" 2>/dev/null || true
	wd=
	end=$(date +%s.%N)
	[ -f "$work/frozen" ] || break
	if [ "$attempt" -ge 2 ]; then
		say "L1 froze again: QEMU ran nothing for ${freeze_secs}s (QEMU killed)"
		exit 123
	fi
	echo "TESTHOST-RESTART"
	say "L1 froze: QEMU ran nothing for ${freeze_secs}s (a TCG freeze, NOTES.md); booting it again, attempt 2 of 2"
	attempt=2
done
# QEMU's complaints, less the list of EPYC features TCG lacks.
grep -v "TCG doesn't support requested feature" "$work/qemu.err" >&2 || true
wall=$(echo "$start $end" | awk '{ printf "%.1f", $2 - $1 }')

clean=$(tr -d '\r' <"$log")
ready=$(echo "$clean" | sed -n 's/^TESTHOST-KVM-READY uptime=//p' | head -1)
exitline=$(echo "$clean" | sed -n 's/^TESTHOST-EXIT=//p' | tail -1)
if [ -f "$work/timedout" ]; then
	say "timed out after ${timeout}s (QEMU killed)${ready:+; L1 had /dev/kvm at ${ready}s}"
	exit 124
fi
nokvm=$(echo "$clean" | sed -n 's/^TESTHOST-NO-KVM: //p' | head -1)
if [ -z "$ready" ]; then
	if [ -n "$nokvm" ]; then
		say "L1 has no /dev/kvm: $nokvm"
	else
		say "L1 stopped before /dev/kvm was ready (QEMU exit $qrc); last console lines:"
		echo "$clean" | tail -5 | sed 's/^/testhost:   /' >&2
	fi
	exit 125
fi
if [ -z "$exitline" ]; then
	say "L1 stopped without reporting the scenario's exit (QEMU exit $qrc); last console lines:"
	echo "$clean" | tail -5 | sed 's/^/testhost:   /' >&2
	exit 126
fi
rc=${exitline%% *}
done_up=$(echo "$exitline" | sed -n 's/^.* uptime=//p')
say "L1 /dev/kvm at ${ready}s (L1 uptime), scenario ended at ${done_up}s; wall ${wall}s; scenario exit $rc"
exit "$rc"
