#!/bin/sh
# SPDX-License-Identifier: MIT
# timeout: 120
# console=hvc0 is an interactive console (issue 8): on a terminal (tmux),
# hostile.elf in its "hvcecho" mode sets up virtio-console by hand, says
# HVC0-READY through the transmit queue, and answers HVC0-GOT=<line> for a
# line typed on charlie's terminal, which must arrive on the receive queue
# (virtio-console claims terminal input because the last console= word is
# hvc0).  Checks: the output reaches stdout, the typed line reaches the
# guest, charlie exits 0 (the kernel resets) and restores the terminal.
set -u
. "$(dirname "$0")/lib.sh"
names="output input exit tty-restored"
k=$CHARLIE_BUILD/tests/kernels/hostile.elf
need_kvm $names
command -v tmux >/dev/null 2>&1 || skip_all "tmux not installed (scripts/setup.sh installs it)" $names
[ -f "$k" ] || fail_all "$k missing (make tiny-kernels)" $names
tmp=$(mktemp -d)
TMX="tmux -L charlie-vcon-$$"
trap 'rm -rf "$tmp"; $TMX kill-server 2>/dev/null' EXIT
$TMX new-session -d -x 150 -y 40 "stty -a >$tmp/stty.before; \
	$CHARLIE run --kernel $k --memory 64M --cmdline 'console=hvc0 hvcecho' \
	2>$tmp/err; echo \$? >$tmp/rc; stty -a >$tmp/stty.after; sleep 30"
i=0
while [ $i -lt 100 ] && ! $TMX capture-pane -p | grep -q HVC0-READY; do
	sleep 0.2
	i=$((i + 1))
done
if $TMX capture-pane -p | grep -q HVC0-READY; then
	pass output "HVC0-READY on the terminal"
else
	fail output "no HVC0-READY after 20 s: $($TMX capture-pane -p | grep . | tail -3)"
fi
$TMX send-keys "typed-on-the-host 42" Enter
i=0
while [ $i -lt 100 ] && [ ! -f "$tmp/stty.after" ]; do
	sleep 0.2
	i=$((i + 1))
done
if $TMX capture-pane -p | grep -q 'HVC0-GOT=typed-on-the-host 42'; then
	pass input "the guest got the typed line"
else
	fail input "no HVC0-GOT line: $($TMX capture-pane -p | grep . | tail -3)"
fi
rc=$(cat "$tmp/rc" 2>/dev/null)
if [ "$rc" = 0 ]; then
	pass exit
else
	fail exit "charlie exit ${rc:-still running}: $(tail -3 "$tmp/err")"
fi
if [ -f "$tmp/stty.after" ] && cmp -s "$tmp/stty.before" "$tmp/stty.after"; then
	pass tty-restored
else
	fail tty-restored "stty -a differs after charlie"
fi
