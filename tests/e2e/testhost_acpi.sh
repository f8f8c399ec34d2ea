#!/bin/sh
# SPDX-License-Identifier: MIT
# timeout: 1500
# The ACPI platform and the graceful stop with real Linux guests, in one
# test-host boot (design.md 2 and 8; issue 7 b-e).  Each scenario's output
# is captured in L1 and checked here:
#  b. Debian's cloud kernel + bingo (build/guest, make guest), kernel
#     console at loglevel=5 (errors and warnings, so an ACPI problem would
#     show): no "ACPI Error" / "ACPI BIOS Error" / "ACPI Warning" line;
#     SIGINT -> "[host] requesting graceful shutdown (ACPI power
#     button)..." -> bingo logs "power button pressed" -> charlie exits 0
#     with "guest stopped"; the same with SIGTERM.
#       sigint-*, sigterm-*, bingo-acpi-clean
#  c. the same guest with module_blacklist=button: the CLI says at once
#     that the guest is not listening, forces after --stop-timeout 2,
#     exit 1, and its last line says why; a SIGINT sent right after "VM
#     running" (before bingo's init loaded the button module) is held and
#     still ends in a clean power-off, exit 0.
#       nobutton-*, early-*
#  d. --cpus 4 with the L2 test initramfs (tests/payloads/init prints
#     CPUS-ONLINE=): 0-3 on the cloud kernel (MADT) and, when
#     build/guest/vmlinux-min exists, on the minimal kernel.
#       cpus4-cloud, cpus4-min
#  e. the test initramfs ending with poweroff -f (exit 0, "guest powered
#     off", no ACPI problems in dmesg), reboot -f (exit 0, "guest rebooted
#     (ACPI reset)") and reboot -f with reboot=k ("guest rebooted (i8042
#     reset)").
#       poweroff, reboot-acpi, reboot-i8042, test-acpi-clean
#  The MP-table path: Debian's generic kernel (linux-image-amd64, the one
#  with CONFIG_X86_MPPARSE; the cloud kernel has no MP-table parser) with
#  acpi=off and --cpus 2 idles 3 s (its timer must wake it) and reboots.
#       mptable-idle-reboot
# Waits are hang guards, not timings: L2 boots take 10-60 s on a loaded
# machine.  The full L1 console goes to build/testhost/testhost_acpi.log.
set -u
. "$(dirname "$0")/lib.sh"
cd "$CHARLIE_ROOT" || exit 4
names="sigint-button-pressed sigint-exit-0 sigterm-button-pressed sigterm-exit-0
bingo-acpi-clean nobutton-said-at-once nobutton-forced-exit-1 nobutton-why
early-press-exit-0 cpus4-cloud cpus4-min poweroff reboot-acpi reboot-i8042
test-acpi-clean mptable-idle-reboot"
command -v qemu-system-x86_64 >/dev/null 2>&1 ||
	skip_all "qemu-system-x86_64 not installed (Debian qemu-system-x86)" $names
GB=$CHARLIE_BUILD/guest
bz=$GB/bzImage
bingo=$GB/initramfs.cpio.gz
initrd=$CHARLIE_BUILD/tests/payloads/test-initrd.cpio
for f in "$bz" "$bingo"; do
	[ -f "$f" ] || skip_all "$f not built (make guest)" $names
done
for f in "$CHARLIE" "$initrd"; do
	[ -f "$f" ] || fail_all "$f missing (make; make payloads)" $names
done
min=$GB/vmlinux-min
adds="--add $bz:/k/bzImage --add $bingo:/k/bingo.gz --add $initrd:/k/test.cpio"
[ -f "$min" ] && adds="$adds --add $min:/k/vmlinux-min"
gen=
if kdir=$(scripts/fetch-kernel.sh amd64 2>/dev/null); then
	gen=$(ls "$kdir"/boot/vmlinuz-* 2>/dev/null | head -1)
	[ -f "$gen" ] && adds="$adds --add $gen:/k/generic"
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

cat >"$tmp/scenario.sh" <<'SCEN'
# ms: L1 uptime in ms (10 ms steps; busybox date has no %N)
ms() {
	read -r u _ </proc/uptime
	echo $(((${u%.*} * 100 + 1${u#*.} - 100) * 10))
}
# waitfor FILE PATTERN TENTHS: 0 once FILE has PATTERN
waitfor() {
	k=0
	while [ $k -lt "$3" ]; do
		tr -d '\r' 2>/dev/null <"$1" | grep -q "$2" && return 0
		sleep 0.1
		k=$((k + 1))
	done
	return 1
}
# start NAME CMD...: charlie in the background, stdout/stderr to files
start() {
	name=$1
	shift
	"$@" >/tmp/$name.out 2>/tmp/$name.err </dev/null &
	pid=$!
}
# finish NAME: wait for charlie (killed after $guard_s, default 240 s: a
# hang guard), print
# its output prefixed "L2-NAME: " and "RC-NAME=status"
finish() {
	(sleep ${guard_s:-240}; kill -KILL $pid 2>/dev/null) &
	guard=$!
	wait $pid
	rc=$?
	t1=$(ms)
	kill $guard 2>/dev/null
	tr -d '\r' </tmp/$1.out | sed "s/^/L2-$1: /"
	tr -d '\r' </tmp/$1.err | sed "s/^/L2-$1: /"
	echo "RC-$1=$rc"
	[ -n "${t0:-}" ] && echo "MS-$1=$((t1 - t0))"
	t0=
}
# press NAME SIG PATTERN: once PATTERN is on the console (180 s guard),
# send SIG
press() {
	if waitfor /tmp/$1.out "$3" 1800; then
		t0=$(ms)
		kill -$2 $pid
	else
		echo "NOTE-$1: no '$3' within 180 s"
		kill -KILL $pid
	fi
}
bingo="charlie run --kernel /k/bzImage --initrd /k/bingo.gz --memory 256M --net nat,restrict"
bcl="console=ttyS0 loglevel=5"

start sigint $bingo --cmdline "$bcl"
press sigint INT 'msg="listening for power button"'
finish sigint
start sigterm $bingo --cmdline "$bcl"
press sigterm TERM 'msg="listening for power button"'
finish sigterm
start nobutton $bingo --stop-timeout 2 --cmdline "$bcl module_blacklist=button"
press nobutton INT 'msg="no power button'
finish nobutton
start early $bingo --stop-timeout 150 --cmdline "$bcl"
if waitfor /tmp/early.err 'VM running' 600; then
	kill -INT $pid
else
	echo "NOTE-early: no 'VM running' within 60 s"
fi
finish early

test="charlie run --initrd /k/test.cpio --memory 256M"
tcl="console=ttyS0 quiet panic=-1"
t() { # t NAME ARGS...: a test-initramfs run that ends by itself
	n=$1
	shift
	start "$n" "$@"
	finish "$n"
}
t cpus4-cloud $test --kernel /k/bzImage --cpus 4 --cmdline "$tcl charlie.end=poweroff"
[ -f /k/vmlinux-min ] &&
	guard_s=150 t cpus4-min $test --kernel /k/vmlinux-min --cpus 4 --cmdline "$tcl charlie.end=poweroff"
t poweroff $test --kernel /k/bzImage --cmdline "$tcl charlie.end=poweroff"
t reboot-acpi $test --kernel /k/bzImage --cmdline "$tcl charlie.end=reboot"
t reboot-i8042 $test --kernel /k/bzImage --cmdline "$tcl reboot=k charlie.end=reboot"
[ -f /k/generic ] &&
	t mptable $test --kernel /k/generic --cpus 2 \
		--cmdline "$tcl acpi=off reboot=k charlie.sleep=3 charlie.end=reboot"
exit 0
SCEN
# shellcheck disable=SC2086
sh testhost/run.sh --retry-frozen --timeout 1400 $adds "$tmp/scenario.sh" >"$tmp/out" 2>&1
rc=$?
mkdir -p "$CHARLIE_BUILD/testhost"
log=$CHARLIE_BUILD/testhost/testhost_acpi.log
testhost_log "$tmp/out" "$log"
grep '^testhost: \(L1\|timed\)' "$log" | sed 's/^/    /'
testhost_verdict "$rc" "$log" $names
cur=
on_fail() {
	[ -n "$cur" ] || return 0
	grep "^L2-$cur: " "$log" | grep -v '^L2-[a-z0-9-]*: \[ ' | tail -6 | sed 's/^/    | /'
}

# o NAME: the run's lines (prefix removed); rcof NAME; msof NAME
o() { sed -n "s/^L2-$1: //p" "$log"; }
rcof() { sed -n "s/^RC-$1=//p" "$log" | head -1; }
msof() { sed -n "s/^MS-$1=//p" "$log" | head -1; }
has() { o "$1" | grep -q "$2"; }

# b: the button, with SIGINT and SIGTERM
for r in sigint sigterm; do
	cur=$r
	if has $r 'msg="power button pressed"' &&
		has $r 'requesting graceful shutdown (ACPI power button)'; then
		pass $r-button-pressed
	else
		fail $r-button-pressed "no request line or no bingo 'power button pressed'$(grep "^NOTE-$r" "$log" | head -1)"
	fi
	if [ "$(rcof $r)" = 0 ] && has $r '^\[host\] guest powered off' &&
		has $r '^\[host\] guest stopped'; then
		pass $r-exit-0 "signal to exit $(msof $r) ms (L1 clock)"
	else
		fail $r-exit-0 "exit '$(rcof $r)'"
	fi
done
cur=sigint
bad=$(o sigint | grep -E 'ACPI (BIOS )?Error|ACPI Warning' | head -1)
bad2=$(o sigterm | grep -E 'ACPI (BIOS )?Error|ACPI Warning' | head -1)
if ! has sigint 'msg="listening for power button"'; then
	fail bingo-acpi-clean "bingo did not come up"
elif [ -n "$bad$bad2" ]; then
	fail bingo-acpi-clean "$bad$bad2"
else
	pass bingo-acpi-clean "console at loglevel=5"
fi

# c: no button driver; an early press
cur=nobutton
ln=$(o nobutton | grep -A1 'requesting graceful shutdown' | tail -1)
case $ln in
*"not listening"*) pass nobutton-said-at-once "$ln" ;;
*) fail nobutton-said-at-once "the line after the request: '$ln'" ;;
esac
if [ "$(rcof nobutton)" = 1 ]; then
	pass nobutton-forced-exit-1 "signal to exit $(msof nobutton) ms (L1 clock)"
else
	fail nobutton-forced-exit-1 "exit '$(rcof nobutton)'"
fi
last=$(o nobutton | grep '^\[host\]' | tail -1)
case $last in
*"never enabled its power button"*) pass nobutton-why "$last" ;;
*) fail nobutton-why "last line: '$last'" ;;
esac
cur=early
if [ "$(rcof early)" = 0 ] && has early '^\[host\] guest powered off' &&
	has early 'msg="power button pressed"'; then
	pass early-press-exit-0 "$(o early | grep -c 'not listening') 'not listening' line(s); $(o early | grep -o 'the press was delivered' | head -1)"
else
	fail early-press-exit-0 "exit '$(rcof early)'; $(o early | grep -c 'the press was delivered') 'press was delivered', $(o early | grep -c 'msg="power button pressed"') 'power button pressed' line(s)$(grep "^NOTE-early" "$log" | head -1)"
fi

# d: CPUs from the MADT
for k in cloud min; do
	cur=cpus4-$k
	if [ $k = min ] && [ ! -f "$min" ]; then
		skip cpus4-min "$min not built (make guest-min)"
		continue
	fi
	# a kernel built without CONFIG_SMP lacks this message (kernel/smp.c)
	if [ $k = min ] && ! grep -aq "Bringing up secondary CPUs" "$min"; then
		skip cpus4-min "$min is a uniprocessor kernel (allnoconfig: guest/kernel/min.config has no CONFIG_SMP=y); it reported CPUS-ONLINE=$(o cpus4-min | sed -n "s/^CPUS-ONLINE=//p" | head -1)"
		continue
	fi
	c=$(o cpus4-$k | sed -n 's/^CPUS-ONLINE=//p' | head -1)
	if [ "$c" = 0-3 ]; then
		pass cpus4-$k "CPUS-ONLINE=$c; charlie exit $(rcof cpus4-$k)"
	else
		fail cpus4-$k "CPUS-ONLINE='$c'"
	fi
done

# e: the guest ends by itself
cur=poweroff
if [ "$(rcof poweroff)" = 0 ] && has poweroff '^\[host\] guest powered off'; then
	pass poweroff
else
	fail poweroff "exit '$(rcof poweroff)'"
fi
for r in reboot-acpi:'ACPI reset' reboot-i8042:'i8042 reset'; do
	n=${r%%:*} why=${r#*:}
	cur=$n
	if [ "$(rcof $n)" = 0 ] && has $n "^\[host\] guest rebooted ($why)"; then
		pass $n
	else
		fail $n "exit '$(rcof $n)', want 'guest rebooted ($why)'"
	fi
done
cur=poweroff
p=$(for n in cpus4-cloud poweroff reboot-acpi reboot-i8042; do o $n | sed -n 's/^ACPI-PROBLEMS=//p'; done | tr '\n' ' ')
case $p in
"0 0 0 0 ") pass test-acpi-clean "ACPI-PROBLEMS=0 in 4 boots" ;;
*) fail test-acpi-clean "ACPI-PROBLEMS: '$p' $(o poweroff | grep '^KMSG .*ACPI' | head -1)" ;;
esac

cur=mptable
if [ -z "$gen" ]; then
	skip mptable-idle-reboot "Debian's linux-image-amd64 could not be fetched"
elif [ "$(rcof mptable)" = 0 ] && has mptable '^\[host\] guest rebooted (i8042 reset)' &&
	has mptable '^CPUS-ONLINE=0-1$'; then
	pass mptable-idle-reboot "acpi=off, 2 CPUs, slept 3 s, rebooted"
else
	fail mptable-idle-reboot "exit '$(rcof mptable)', $(o mptable | grep '^CPUS-ONLINE' | head -1)"
fi
