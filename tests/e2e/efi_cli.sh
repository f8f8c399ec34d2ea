#!/bin/sh
# --efi bad input (issue 12 part 2): each case is one line naming the file
# or option and the reason, exit 2, no VM started, and every file given
# byte-identical afterwards (no store created either).  Needs no KVM: the
# checks run before /dev/kvm is opened.  Also `charlie inspect` on OVMF's
# CODE and VARS images.  (The store lock is covered by test_fw: no shell
# tool takes an OFD lock.)
set -u
. "$(dirname "$0")/lib.sh"
OVMF=/usr/share/OVMF
CODE=$OVMF/OVMF_CODE_4M.fd
tmp=$(mktemp -d)
L=$(mktemp -d)
trap 'chmod -R u+w "$tmp" 2>/dev/null; rm -rf "$tmp" "$L"' EXIT INT TERM

if [ ! -r "$CODE" ] || [ ! -r "$OVMF/OVMF_VARS_4M.fd" ]; then
	skip_all "no Debian OVMF ($CODE; apt-get install ovmf)" \
		with-kernel not-ovmf unified vars-size vars-readonly no-esp \
		no-disk vars-without-efi inspect-code inspect-vars
fi
if ! command -v sfdisk >/dev/null 2>&1 && [ ! -x /usr/sbin/sfdisk ]; then
	skip_all "no sfdisk to make GPT disks (apt-get install fdisk)" \
		with-kernel not-ovmf unified vars-size vars-readonly no-esp \
		no-disk vars-without-efi inspect-code inspect-vars
fi
PATH=$PATH:/usr/sbin
# a GPT disk with an EFI system partition, and one without
truncate -s 4M "$tmp/esp.img"
printf 'label: gpt\nstart=2048, size=4096, type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B\n' |
	sfdisk -q "$tmp/esp.img" >/dev/null 2>&1
truncate -s 4M "$tmp/noesp.img"
printf 'label: gpt\nstart=2048, size=4096, type=0FC63DAF-8483-4772-8E79-3D69D8477DE4\n' |
	sfdisk -q "$tmp/noesp.img" >/dev/null 2>&1
cp "$OVMF/OVMF_VARS.fd" "$tmp/small.vars"      # the 2M build's store
cp "$OVMF/OVMF_VARS_4M.fd" "$tmp/ro.vars"
chmod 444 "$tmp/ro.vars"
head -c 2097152 /dev/urandom >"$tmp/random.fd"
head -c 3000000 "$CODE" >"$tmp/truncated.fd"
{ cat "$CODE"; head -c 100 /dev/zero; } >"$tmp/oddsize.fd"

sums() { cksum "$tmp"/*.img "$tmp"/*.vars "$tmp"/*.fd 2>/dev/null; ls "$tmp"; }

# expect NAME CODE ARGS...: exit 2, one line naming CODE, nothing started
# or modified
expect() {
	name=$1 code=$2
	shift 2
	before=$(sums)
	"$CHARLIE" run "$@" >"$L/out" 2>"$L/err" </dev/null
	rc=$?
	after=$(sums)
	if [ $rc != 2 ]; then
		fail "$name" "exit $rc, want 2: $(head -c 300 "$L/err")"
	elif ! grep -q -- "$code" "$L/err"; then
		fail "$name" "no '$code' in: $(head -c 300 "$L/err")"
	elif [ "$(wc -l <"$L/err")" != 1 ]; then
		fail "$name" "not one line: $(head -c 300 "$L/err")"
	elif grep -q "starting VM" "$L/err"; then
		fail "$name" "a VM was started for bad input"
	elif [ "$before" != "$after" ]; then
		fail "$name" "files changed: $(echo "$after" | tr '\n' ' ')"
	else
		pass "$name" "$(sed 's/^charlie: //' "$L/err" | head -c 160)"
	fi
}

expect with-kernel "efi-with-kernel" --efi --kernel /boot/vmlinuz \
	--disk "$tmp/esp.img,ro" --efi-vars "$tmp/new.vars"
expect not-ovmf "efi-firmware" --efi --efi-firmware "$tmp/random.fd" \
	--disk "$tmp/esp.img,ro" --efi-vars "$tmp/new.vars"
expect truncated "truncated: its first firmware volume" --efi \
	--efi-firmware "$tmp/truncated.fd" --disk "$tmp/esp.img,ro" --efi-vars "$tmp/new.vars"
expect wrong-size "not a multiple of 4 KiB" --efi --efi-firmware "$tmp/oddsize.fd" \
	--disk "$tmp/esp.img,ro" --efi-vars "$tmp/new.vars"
if [ -r /usr/share/ovmf/OVMF.fd ]; then
	expect unified "efi-firmware" --efi \
		--efi-firmware /usr/share/ovmf/OVMF.fd --disk "$tmp/esp.img,ro"
else
	skip unified "no /usr/share/ovmf/OVMF.fd"
fi
expect vars-size "efi-vars" --efi --efi-firmware "$CODE" \
	--efi-vars "$tmp/small.vars" --disk "$tmp/esp.img,ro"
expect vars-readonly "efi-vars-read-only" --efi \
	--efi-vars "$tmp/ro.vars" --disk "$tmp/esp.img,ro"
expect no-esp "image-no-esp" --efi --efi-vars "$tmp/new.vars" \
	--disk "$tmp/noesp.img,ro"
expect no-disk "efi-no-disk" --efi --efi-vars "$tmp/new.vars"
# usage errors: exit 2, one line
"$CHARLIE" run --efi-vars "$tmp/new.vars" --disk "$tmp/esp.img,ro" \
	>/dev/null 2>"$L/err" </dev/null
rc=$?
if [ $rc = 2 ] && grep -q -- "--efi-vars need" "$L/err" &&
	[ ! -e "$tmp/new.vars" ]; then
	pass vars-without-efi
else
	fail vars-without-efi "exit $rc: $(head -c 200 "$L/err")"
fi

"$CHARLIE" inspect "$CODE" >"$L/out" 2>&1
rc=$?
if [ $rc = 0 ] && grep -q "OVMF CODE image" "$L/out" &&
	grep -q "540672-byte variable store" "$L/out" &&
	grep -q "8c8ce578-8a3d-4f1c-9935-896185c32dd3" "$L/out"; then
	pass inspect-code "$(grep build: "$L/out" | sed 's/^ *//')"
else
	fail inspect-code "exit $rc: $(head -c 300 "$L/out")"
fi
"$CHARLIE" inspect "$OVMF/OVMF_VARS_4M.fd" >"$L/out" 2>&1
rc=$?
if [ $rc = 0 ] && grep -q "valid variable store" "$L/out" &&
	grep -q "variables: 0 live" "$L/out"; then
	pass inspect-vars "$(grep variables: "$L/out" | sed 's/^ *//')"
else
	fail inspect-vars "exit $rc: $(head -c 300 "$L/out")"
fi
