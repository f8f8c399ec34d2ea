#!/bin/sh
# Malformed-image corpus (design.md 5, 11; issue 11): every broken disk
# image from tests/corpus/gen_disk_corpus (mutations of a small synthetic
# GPT + FAT12 + UKI image, tests/disk/cases.h) is refused by both
# `charlie inspect` and `charlie run --boot-image` with exit 2, one
# "charlie: image <path>: ... [<code>]" line naming the case's own error
# code, without starting anything ("starting VM" never printed), and the
# image is byte-identical afterwards (cksum before and after).  How long
# each case took is printed, not asserted.  Positive controls: the valid
# UKI image and the valid EFI-stub image pass `inspect`.
set -u
. "$(dirname "$0")/lib.sh"
gen=$CHARLIE_BUILD/tests/corpus/gen_disk_corpus
for f in "$CHARLIE" "$gen"; do
	[ -x "$f" ] || fail_all "$f not built (make check builds it)"
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
c=$tmp/corpus
mkdir "$c"
"$gen" "$c" || fail_all "gen_disk_corpus failed"
if command -v timeout >/dev/null 2>&1; then tmo="timeout -s KILL 20"; else tmo=; fi
now_ns() { date +%s%N; }

for v in valid valid-stub; do
	if $tmo "$CHARLIE" inspect "$c/$v.img" >"$tmp/out" 2>"$tmp/err" </dev/null &&
		grep -q 'verdict: bootable' "$tmp/out"; then
		pass "$v/inspect"
	else
		fail "$v/inspect" "not bootable: $(tr '\n' '|' <"$tmp/err" | head -c 300)"
	fi
done

# check-kernel on a disk image describes it as inspect does.
if $tmo "$CHARLIE" check-kernel "$c/valid.img" >"$tmp/out" 2>&1 </dev/null &&
	grep -q 'sections: ' "$tmp/out" && grep -q 'verdict: bootable' "$tmp/out"; then
	pass valid/check-kernel
else
	fail valid/check-kernel "$(tr '\n' '|' <"$tmp/out" | head -c 300)"
fi

while read -r cname code; do
	file=$c/$cname.img
	sum0=$(cksum <"$file")
	for cmd in inspect run; do
		t0=$(now_ns)
		if [ "$cmd" = inspect ]; then
			$tmo "$CHARLIE" inspect "$file" >"$tmp/out" 2>"$tmp/err" </dev/null
		else
			$tmo "$CHARLIE" run --boot-image "$file" >"$tmp/out" 2>"$tmp/err" </dev/null
		fi
		rc=$?
		ms=$((($(now_ns) - t0) / 1000000))
		line=$(grep '^charlie: ' "$tmp/err")
		nlines=$(grep -c '^charlie: ' "$tmp/err")
		why=
		if [ "$rc" -ne 2 ]; then
			why="exit $rc, expected 2"
		elif [ "$nlines" -ne 1 ]; then
			why="$nlines 'charlie:' lines on stderr, expected 1"
		elif ! printf '%s\n' "$line" | grep -qF "[$code]"; then
			why="expected [$code], got: $line"
		elif ! printf '%s\n' "$line" | grep -qF "image $file: "; then
			why="message does not name the image: $line"
		elif grep -q 'starting VM' "$tmp/err"; then
			why="run started a VM"
		elif [ "$cmd" = inspect ] && ! grep -q 'verdict: cannot boot: ' "$tmp/out"; then
			why="no 'verdict: cannot boot:' line"
		elif [ "$(cksum <"$file")" != "$sum0" ]; then
			why="the image changed"
		fi
		if [ -n "$why" ]; then
			fail "$cname/$cmd" "$why"
		else
			pass "$cname/$cmd" "$ms ms, [$code]"
		fi
	done
done <"$c/cases"

# The parsers against Debian's own tools: guest/build-image.sh (sfdisk,
# mkfs.vfat, mtools, objcopy + systemd-stub) around the synthetic bzImage,
# with each FAT type forced; inspect must find the UKI in every one.
mkbz=$CHARLIE_BUILD/tests/corpus/mk_bzimage
for b in 12 16 32; do
	if ! command -v mkfs.vfat >/dev/null 2>&1 || ! command -v mcopy >/dev/null 2>&1 ||
		! command -v sfdisk >/dev/null 2>&1 ||
		[ ! -f /usr/lib/systemd/boot/efi/linuxx64.efi.stub ] || [ ! -x "$mkbz" ]; then
		skip "tools-fat$b" "needs dosfstools, mtools, fdisk, systemd-boot-efi (scripts/setup.sh)"
		continue
	fi
	"$mkbz" "$tmp/bz" && printf 'initrd' >"$tmp/rd" &&
		FAT_BITS=$b sh "$CHARLIE_ROOT/guest/build-image.sh" "$tmp/fat$b.img" \
			"$tmp/bz" "$tmp/rd" "console=ttyS0 quiet" 2>/dev/null
	if "$CHARLIE" inspect "$tmp/fat$b.img" >"$tmp/out" 2>&1 &&
		grep -q "file system: FAT$b," "$tmp/out" &&
		grep -q 'cmdline: console=ttyS0 quiet' "$tmp/out" &&
		grep -q 'verdict: bootable' "$tmp/out"; then
		pass "tools-fat$b"
	else
		fail "tools-fat$b" "$(tr '\n' '|' <"$tmp/out" | head -c 300)"
	fi
done
