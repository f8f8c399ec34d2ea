#!/bin/sh
# Disk boot with no firmware (design.md 11, issue 11) on a real KVM: in the
# test host, `charlie run --disk bingo.img,ro` takes the kernel, initrd
# and command line from the image's unified kernel image
# (\EFI\BOOT\BOOTX64.EFI on the ESP) and boots bingo to its
# "server starting" line.  Checks per image (bingo.img: Debian's cloud
# kernel; bingo-min.img: the minimal kernel, when `make guest-min` built it):
#   log       "[host] booting the unified kernel image from IMG (no firmware)"
#   sizes     the verbose line gives the extracted kernel and initrd sizes
#             and "cmdline from --cmdline"
#   init      bingo's /init ran from the UKI's initrd ("mounting filesystems")
#   server    the guest printed "server starting" on the serial
#             console (--cmdline "console=ttyS0 quiet": no virtio console yet)
#   exit      SIGTERM after that line presses the ACPI power button: bingo
#             powers off, exit 0
#   unchanged the image is byte-identical afterwards (md5sum in L1)
# The L1 console is kept in $CHARLIE_BUILD/testhost/testhost_diskboot.log.
set -u
. "$(dirname "$0")/lib.sh"
cd "$CHARLIE_ROOT" || exit 4
g=$CHARLIE_BUILD/guest
imgs="bingo"
[ -f "$g/bingo-min.img" ] && imgs="$imgs bingo-min"
checks="log sizes init server exit unchanged"
names=$(for i in $imgs; do for c in $checks; do printf "%s " "$i/$c"; done; done)

command -v qemu-system-x86_64 >/dev/null 2>&1 ||
	skip_all "qemu-system-x86_64 not installed (Debian qemu-system-x86)" $names
[ -f "$CHARLIE" ] || fail_all "no charlie binary at $CHARLIE (run make)" $names
[ -f "$g/bingo.img" ] || fail_all "no $g/bingo.img (make guest builds it)" $names

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
adds=
for i in $imgs; do adds="$adds --add $g/$i.img:/payloads/$i.img"; done
cat >"$tmp/scenario.sh" <<SCEN
for i in $imgs; do
	s0=\$(md5sum </payloads/\$i.img)
	charlie run --disk /payloads/\$i.img,ro --memory 256M \\
		--cmdline "console=ttyS0 quiet" --verbose >/tmp/\$i.log 2>&1 &
	pid=\$!
	n=0
	max=150
	[ \$i = bingo-min ] && max=60
	while [ \$n -lt \$max ] && ! grep -q 'server starting' /tmp/\$i.log; do
		sleep 1 # busybox: whole seconds
		n=\$((n + 1))
	done
	kill -TERM \$pid
	wait \$pid
	echo "CHARLIE-RC-\$i=\$?"
	[ "\$(md5sum </payloads/\$i.img)" = "\$s0" ] && echo "UNCHANGED-\$i"
	sed "s/^/L2-\$i: /" /tmp/\$i.log
done
SCEN
# shellcheck disable=SC2086
CHARLIE=$CHARLIE sh testhost/run.sh --retry-frozen --timeout 600 $adds "$tmp/scenario.sh" \
	>"$tmp/out" 2>"$tmp/err"
rc=$?
mkdir -p "$CHARLIE_BUILD/testhost"
log=$CHARLIE_BUILD/testhost/testhost_diskboot.log
testhost_log "$tmp/out" "$log"
testhost_verdict "$rc" "$tmp/err" $names
for i in $imgs; do
	l() { grep "^L2-$i: " "$log" | sed "s/^L2-$i: //"; }
	if l | grep -qF "[host] booting the unified kernel image from $i.img (no firmware)"; then
		pass "$i/log"
	else
		fail "$i/log" "no 'booting the unified kernel image' line"
	fi
	sz=$(l | sed -n "s/^\[host\] debug: $i.img: //p" | head -1)
	if printf '%s\n' "$sz" | grep -q 'kernel [1-9][0-9]* bytes, initrd [1-9][0-9]* bytes, cmdline from --cmdline'; then
		pass "$i/sizes" "$sz"
	else
		fail "$i/sizes" "got '$sz'"
	fi
	if l | grep -q 'msg="mounting filesystems"'; then
		pass "$i/init"
	else
		fail "$i/init" "bingo's /init did not run"
	fi
	if l | grep -q 'server starting'; then
		pass "$i/server" "$(l | grep -m1 'server starting' | cut -c1-100)"
	else
		l | tail -15 | sed 's/^/    | /'
		fail "$i/server" "no 'server starting' on the console"
	fi
	r=$(sed -n "s/^CHARLIE-RC-$i=//p" "$log")
	if [ "$r" = 0 ]; then pass "$i/exit" "0, powered off by the button"; else fail "$i/exit" "exit '$r', expected 0 (power button -> power-off)"; fi
	if grep -q "^UNCHANGED-$i" "$log"; then pass "$i/unchanged"; else fail "$i/unchanged" "the image changed in L1"; fi
done
