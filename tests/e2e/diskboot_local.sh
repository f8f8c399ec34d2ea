#!/bin/sh
# `charlie run --disk bingo.img,ro` on this machine's /dev/kvm (design.md
# 11): the kernel, initrd and command line come out of the image's unified
# kernel image, and the guest is entered.  On a PVM host the Debian kernel
# cannot get far (design.md 6), so what is checked is what charlie does,
# not how far the guest gets (the test host boots it to bingo's server:
# testhost_diskboot.sh).  Each run is stopped by SIGTERM after 3 s.
#   log        "[host] booting the unified kernel image from bingo.img
#              (no firmware)" precedes "[host] starting VM (... image=bingo.img)"
#   embedded   no --cmdline: the UKI's own command line is used (verbose
#              line), and the initrd size is the UKI's .initrd
#   override   --cmdline replaces it ("cmdline from --cmdline")
#   entered    --timeline shows a first vCPU entry
#   exit       exit 1 (forced by SIGTERM)
#   unchanged  the image is byte-identical afterwards
set -u
. "$(dirname "$0")/lib.sh"
names="log embedded override entered exit unchanged"
img=$CHARLIE_BUILD/guest/bingo.img
need_kvm $names
[ -f "$img" ] || fail_all "no $img (make guest builds it)" $names
command -v timeout >/dev/null 2>&1 || skip_all "no timeout(1)" $names
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
sum0=$(cksum <"$img")
emb=$("$CHARLIE" inspect "$img" | sed -n 's/^ *cmdline: //p')
isz=$("$CHARLIE" inspect "$img" | sed -n 's/^ *initrd: \([0-9]*\) bytes.*/\1/p')
timeout --preserve-status -s TERM 3 "$CHARLIE" run --disk "$img",ro --timeline --verbose \
	>"$tmp/out1" 2>"$tmp/err1" </dev/null
rc1=$?
timeout --preserve-status -s TERM 3 "$CHARLIE" run --disk "$img",ro --verbose \
	--cmdline "console=ttyS0 quiet" >"$tmp/out2" 2>"$tmp/err2" </dev/null
if grep -n . "$tmp/err1" | grep -F '[host] booting the unified kernel image from bingo.img (no firmware)' | cut -d: -f1 >"$tmp/l1" &&
	grep -n '\[host\] starting VM (.*image=bingo.img' "$tmp/err1" | cut -d: -f1 >"$tmp/l2" &&
	[ "$(cat "$tmp/l1")" -lt "$(cat "$tmp/l2")" ]; then
	pass log
else
	fail log "$(head -5 "$tmp/err1" | tr '\n' '|')"
fi
want="bingo.img: kernel [0-9]* bytes, initrd $isz bytes, cmdline \"$emb\""
if [ -n "$emb" ] && grep -q "$want" "$tmp/err1"; then
	pass embedded "cmdline \"$emb\", initrd $isz bytes"
else
	fail embedded "no line matching '$want'"
fi
if grep -q 'bingo.img: kernel [0-9]* bytes, initrd [0-9]* bytes, cmdline from --cmdline' "$tmp/err2"; then
	pass override
else
	fail override "$(grep debug: "$tmp/err2" | head -2 | tr '\n' '|')"
fi
ent=$(sed -n 's/^\[host\]   first vCPU entry *\([0-9.]*\).*/\1/p' "$tmp/err1")
if [ -n "$ent" ]; then pass entered "first vCPU entry at $ent ms"; else fail entered "no first vCPU entry in the timeline"; fi
if [ "$rc1" = 1 ]; then pass exit "1, forced"; else fail exit "exit $rc1, expected 1"; fi
if [ "$(cksum <"$img")" = "$sum0" ]; then pass unchanged; else fail unchanged "the image changed"; fi
