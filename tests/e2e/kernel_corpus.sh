#!/bin/sh
# Malformed-kernel corpus (design.md 5): every broken kernel is refused by
# both `charlie check-kernel` and `charlie run`, with exit code 2, one
# "charlie: <msg> [<code>]" line on stderr naming the file and the
# expected error code, a message no other case shares, and (for run)
# without starting anything (a 20 s hang guard per command; how long a
# case took is printed, not asserted: timing belongs in benchmarks).
# The cases derive from Debian's cloud bzImage, or, when it cannot be
# fetched, from a synthetic bzImage (tests/corpus/mk_bzimage.c).
# Positive controls: the base bzImage and (Debian's only) the PVH vmlinux
# extracted from it pass check-kernel.
set -u
. "$(dirname "$0")/lib.sh"
name=$T
root=$CHARLIE_ROOT
charlie=$CHARLIE
gen=$CHARLIE_BUILD/tests/corpus/gen_corpus
mkbz=$CHARLIE_BUILD/tests/corpus/mk_bzimage

for f in "$charlie" "$gen" "$mkbz"; do
	[ -x "$f" ] || fail_all "$f not built (make check builds it)"
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
# CORPUS_SYNTHETIC=1 uses the synthetic base even when Debian's is at hand.
kdir=
if [ "${CORPUS_SYNTHETIC:-0}" != 1 ]; then
	kdir=$("$root/scripts/fetch-kernel.sh" cloud 2>/dev/null) || kdir=
fi
kernel=$(ls "$kdir"/boot/vmlinuz-* 2>/dev/null | head -1)
if [ -n "$kernel" ]; then
	echo "    base: Debian's cloud kernel $kernel"
else
	kernel=$tmp/synthetic-bzImage
	"$mkbz" "$kernel" || fail_all "mk_bzimage failed"
	echo "    base: a synthetic bzImage (Debian's cloud kernel could not be fetched)"
fi
c=$tmp/corpus
mkdir "$c" "$c/a-directory"
if ! "$gen" "$kernel" "$c"; then
	fail_all "gen_corpus failed"
fi
# A VM that starts by mistake must not hang the suite.
if command -v timeout >/dev/null 2>&1; then
	tmo="timeout -s KILL 20"
else
	tmo=
fi

max_ck=0
max_run=0
ncase=0
: >"$tmp/msgs.check-kernel"
: >"$tmp/msgs.run"

now_ns() { date +%s%N; }

# invoke CMD KERNEL [FLAGS...]: stdout, stderr to $tmp/out, $tmp/err
invoke() {
	ic=$1 kf=$2
	shift 2
	if [ "$ic" = check-kernel ]; then
		$tmo "$charlie" check-kernel "$kf" "$@" >"$tmp/out" 2>"$tmp/err" </dev/null
	else
		$tmo "$charlie" run --kernel "$kf" "$@" >"$tmp/out" 2>"$tmp/err" </dev/null
	fi
}

# one CASE CODE KERNEL [FLAGS...]
one() {
	cname=$1 code=$2 file=$3
	shift 3
	ncase=$((ncase + 1))
	for cmd in check-kernel run; do
		t0=$(now_ns)
		invoke "$cmd" "$file" "$@"
		rc=$?
		ms=$((($(now_ns) - t0) / 1000000))
		if [ "$cmd" = check-kernel ]; then
			[ "$ms" -gt "$max_ck" ] && max_ck=$ms
		else
			[ "$ms" -gt "$max_run" ] && max_run=$ms
		fi
		line=$(grep '^charlie: ' "$tmp/err")
		nlines=$(grep -c '^charlie: ' "$tmp/err")
		why=
		if [ "$rc" -ne 2 ]; then
			why="exit $rc, expected 2"
		elif [ "$nlines" -ne 1 ]; then
			why="$nlines 'charlie:' lines on stderr, expected 1: $(head -c 300 "$tmp/err" | tr '\n' '|')"
		elif ! printf '%s\n' "$line" | grep -qF "[$code]"; then
			why="expected [$code], got: $line"
		elif ! printf '%s\n' "$line" | grep -qF "$file"; then
			why="message does not name $file: $line"
		elif [ "$cmd" = run ] && grep -q 'starting VM' "$tmp/err"; then
			why="run started a VM"
		elif [ "$cmd" = check-kernel ] &&
			! grep -q 'verdict: cannot boot: ' "$tmp/out"; then
			why="no 'verdict: cannot boot:' line on stdout"
		fi
		if [ -n "$why" ]; then
			fail "$cname/$cmd" "$why"
		elif [ "$rc" -eq 137 ]; then
			fail "$cname/$cmd" "still running after 20 s"
		else
			pass "$cname/$cmd" "$ms ms, [$code]"
		fi
		# the message with the path taken out, for the uniqueness check
		printf '%s\t%s\n' "$(printf '%s\n' "$line" | sed "s|$file|FILE|g")" \
			"$cname" >>"$tmp/msgs.$cmd"
	done
}

k=$kernel
long=$(printf '%03000d' 0 | tr 0 x) # 3000 bytes > cmdline_size 2047

one empty kernel-empty "$c/empty"
one directory kernel-not-regular "$c/a-directory"
one missing kernel-open "$c/does-not-exist"
one trunc-boot-sector kernel-too-small "$c/trunc-boot-sector"
one trunc-header kernel-too-small "$c/trunc-header"
one trunc-setup kernel-truncated "$c/trunc-setup"
one trunc-payload kernel-truncated "$c/trunc-payload"
one payload-outside kernel-truncated "$c/payload-outside"
one bad-boot-flag kernel-boot-flag "$c/bad-boot-flag"
one bad-hdrs kernel-hdrs "$c/bad-hdrs"
one old-protocol kernel-old-protocol "$c/old-protocol"
one setup-sects-huge kernel-setup-sects "$c/setup-sects-huge"
one no-xlf-kernel64 kernel-not-64bit "$c/no-xlf-kernel64"
one zimage-not-loaded-high kernel-not-64bit "$c/zimage-not-loaded-high"
one not-relocatable-low kernel-not-relocatable "$c/not-relocatable-low"
one bad-alignment kernel-alignment "$c/bad-alignment"
one init-size-huge kernel-init-size "$c/init-size-huge"
one gzip-file kernel-compressed-file "$c/gzip-file"
one arm64-image kernel-arm64 "$c/arm64-image"
one pe-efi-app kernel-pe-not-linux "$c/pe-efi-app"
one elf-no-pvh kernel-elf-no-pvh "$c/elf-no-pvh"
one elf-arm64 kernel-elf-arch "$c/elf-arm64"
one elf-segment-outside-file kernel-elf-segment "$c/elf-segment-outside-file"
one elf-segment-below-1mib kernel-elf-segment "$c/elf-segment-below-1mib"
one elf-bad-phentsize kernel-elf-bad "$c/elf-bad-phentsize"
one random-bytes kernel-unknown-format "$c/random-bytes"
# about the VM rather than the file
one cmdline-too-long kernel-cmdline-too-long "$k" --cmdline "$long"
one memory-too-small kernel-init-size "$k" --memory 64M
one initrd-too-big kernel-initrd-too-big "$k" --initrd "$c/initrd-300m"
one initrd-above-max kernel-initrd-addr "$c/initrd-addr-low" --initrd "$c/initrd-16m"

for cmd in check-kernel run; do
	dups=$(cut -f1 "$tmp/msgs.$cmd" | sort | uniq -d)
	if [ -n "$dups" ]; then
		fail "unique-messages/$cmd" "shared by several cases: $(printf '%s' "$dups" | head -1)"
	else
		pass "unique-messages/$cmd"
	fi
done

# Positive controls.
ok() {
	cname=$1 file=$2
	shift 2
	"$charlie" check-kernel "$file" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	why=
	if [ "$rc" -ne 0 ]; then
		why="exit $rc: $(cat "$tmp/err")"
	elif ! grep -q 'verdict: bootable' "$tmp/out"; then
		why="no 'verdict: bootable' line"
	fi
	for want in "$@"; do
		[ -z "$why" ] && ! grep -q "$want" "$tmp/out" && why="no '$want' line"
	done
	if [ -n "$why" ]; then
		fail "$cname" "$why"
	else
		pass "$cname"
	fi
}
ok base-bzimage "$k" 'format: bzImage' 'PVH note: no'
if [ "$k" = "$tmp/synthetic-bzImage" ]; then
	skip cloud-vmlinux-pvh "the synthetic base has no vmlinux inside (Debian's cloud kernel could not be fetched)"
elif "$root/scripts/extract-vmlinux.sh" "$k" "$tmp/vmlinux" 2>"$tmp/err"; then
	ok cloud-vmlinux-pvh "$tmp/vmlinux" 'format: ELF vmlinux (PVH)' 'PVH note: yes'
else
	fail cloud-vmlinux-pvh "extract-vmlinux.sh failed: $(cat "$tmp/err")"
fi

echo "    $ncase cases; slowest check-kernel $max_ck ms, slowest run $max_run ms (not asserted)"
exit 0
