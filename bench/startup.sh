#!/bin/sh
# SPDX-License-Identifier: MIT
# Startup benchmark (design.md 6: figures and ratios against QEMU, measured
# side by side in one run; not a test).  For charlie and for QEMU (Debian,
# -M microvm) booting the same tiny PVH kernel:
#
#   exec -> first KVM_RUN   strace -f -ttt --seccomp-bpf -e trace=execve,ioctl:
#                           time from the execve line to the first
#                           ioctl(..., KVM_RUN); median of $RUNS runs
#                           (hello.elf).  strace stops at every ioctl, so the
#                           ioctl count before KVM_RUN is printed too.
#   charlie --timeline      charlie's own "first vCPU entry" (no strace).
#   VMM memory overhead     VmHWM (peak RSS) of the running VMM minus the
#                           resident size of its guest-RAM mapping, sampled
#                           from /proc/PID/{status,smaps} once idle.elf has
#                           printed "idle"; median of $MEM_RUNS runs.  Also
#                           anonymous memory (smaps_rollup) minus guest RAM:
#                           private memory, without shared library pages.
#
#   bench/startup.sh        (or: make bench-startup)
# Environment: CHARLIE (build/charlie), CHARLIE_BUILD (build), QEMU
# (qemu-system-x86_64), RUNS (10), MEM_RUNS (5), MEM_MIB (64: guest RAM
# for both), QEMU_EXTRA (extra QEMU arguments).
# Aims: first vCPU entry within 2 ms of exec; overhead at most 2 MiB.
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
build=${CHARLIE_BUILD:-build}
case $build in /*) ;; *) build=$root/$build ;; esac
charlie=${CHARLIE:-$build/charlie}
qemu=${QEMU:-qemu-system-x86_64}
runs=${RUNS:-10}
mem_runs=${MEM_RUNS:-5}
mem_mib=${MEM_MIB:-64}
hello=$build/tests/kernels/hello.elf
idle=$build/tests/kernels/idle.elf

say() { echo "bench: $*" >&2; }
[ -c /dev/kvm ] || { say "no /dev/kvm"; exit 1; }
command -v strace >/dev/null 2>&1 || { say "strace not found (Debian package strace)"; exit 1; }
for f in "$hello" "$idle"; do
	[ -f "$f" ] || { say "$f missing (make tiny-kernels)"; exit 1; }
done
have_charlie=1
[ -x "$charlie" ] || { say "no charlie at $charlie: QEMU only"; have_charlie=0; }
have_qemu=1
command -v "$qemu" >/dev/null 2>&1 || { say "$qemu not found: charlie only"; have_qemu=0; }

tmp=$(mktemp -d)
vpid=
cleanup() {
	[ -z "$vpid" ] || kill -KILL "$vpid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The two VMMs, same kernel, same guest RAM, one vCPU, console on stdout.
# QEMU's microvm has no i8042, so it ignores hello.elf's reset and idles;
# the harness kills it once the figure is taken.
vmm_cmd() { # VMM KERNEL
	case $1 in
	charlie) echo "$charlie run --kernel $2 --memory ${mem_mib}M --cpus 1" ;;
	qemu) echo "$qemu -M microvm -accel kvm -nodefaults -no-user-config -nographic" \
		"-serial stdio -m ${mem_mib}M -smp 1 -no-reboot -kernel $2 ${QEMU_EXTRA:-}" ;;
	esac
}

# wait_for FILE PATTERN PID: polls (10 s at most) until FILE has PATTERN or
# PID is gone.  0 if the pattern appeared.
wait_for() {
	i=0
	while [ $i -lt 200 ]; do
		grep -q "$2" "$1" 2>/dev/null && return 0
		kill -0 "$3" 2>/dev/null || { grep -q "$2" "$1" 2>/dev/null; return; }
		sleep 0.05
		i=$((i + 1))
	done
	return 1
}

# first_run VMM: one traced start.  Prints "<us> <ioctls before KVM_RUN>"
# or nothing if no KVM_RUN was seen.
first_run() {
	log=$tmp/strace.log
	rm -f "$log"
	strace -f -ttt --seccomp-bpf -e trace=execve,ioctl -o "$log" \
		$(vmm_cmd "$1" "$hello") >"$tmp/out" 2>"$tmp/err" </dev/null &
	spid=$!
	wait_for "$log" 'KVM_RUN' "$spid"
	# The VMM is the process whose execve strace logged first.
	vpid=$(awk 'NR == 1 { print $1 }' "$log" 2>/dev/null)
	[ -z "$vpid" ] || kill -KILL "$vpid" 2>/dev/null
	wait "$spid" 2>/dev/null
	vpid=
	awk '
	function ts(   i) { for (i = 1; i <= NF; i++) if ($i ~ /^[0-9]+\.[0-9]+$/) return $i; return "" }
	/ execve\(/ && t0 == "" { t0 = ts() }
	/ ioctl\(/ && t0 != "" && !done {
		if ($0 ~ /KVM_RUN/) { printf "%d %d\n", (ts() - t0) * 1e6 + 0.5, n; done = 1 }
		else n++
	}' "$log"
}

# charlie_timeline: charlie's own timeline (no strace).  Prints
# "<memory mapped> <kernel loaded> <first vCPU entry> <stopped>", in us
# since exec ("-" for a phase not reached).
charlie_timeline() {
	$charlie run --kernel "$hello" --memory "${mem_mib}M" --cpus 1 --timeline \
		>/dev/null 2>"$tmp/tl" </dev/null
	tr -d '\r' <"$tmp/tl" | awk '
	function ms(   i) { for (i = 1; i <= NF; i++) if ($i ~ /^[0-9]+\.[0-9]+$/) return sprintf("%d", $i * 1000 + 0.5); return "-" }
	/memory mapped/ { a = ms() } /kernel loaded/ { b = ms() }
	/first vCPU entry/ { c = ms() } /\]   stopped/ { d = ms() }
	END { if (c != "") print a, b, c, d }'
}

# mem VMM: start it on idle.elf, wait for "idle", print
# "<VmHWM kB> <guest RAM resident kB> <overhead kB> <anonymous - guest kB>".
mem() {
	# A fresh file: an old "idle" must not be mistaken for this run's.
	rm -f "$tmp/out" "$tmp/err"
	# exec: with a trap set, dash forks a shell for a background job rather
	# than exec the command in it, and $! would be that shell.
	# shellcheck disable=SC2046
	( exec $(vmm_cmd "$1" "$idle") ) >"$tmp/out" 2>"$tmp/err" </dev/null &
	vpid=$!
	if ! wait_for "$tmp/out" '^idle' "$vpid"; then
		kill -KILL "$vpid" 2>/dev/null
		wait "$vpid" 2>/dev/null
		vpid=
		say "$1: idle.elf never printed 'idle'; stderr: $(tr '\r\n' '  ' <"$tmp/err" | cut -c1-300)"
		return
	fi
	hwm=$(awk '/^VmHWM:/ { print $2 }' "/proc/$vpid/status")
	# smaps_rollup is exact; RssAnon in status may lag (per-thread counters).
	anon=$(awk '/^Anonymous:/ { print $2 }' "/proc/$vpid/smaps_rollup")
	# Guest RAM: anonymous mappings (no path) of MEM_MIB .. MEM_MIB+4 MiB.
	guest=$(awk -v lo=$((mem_mib * 1024)) -v hi=$((mem_mib * 1024 + 4096)) '
		/^[0-9a-f]+-[0-9a-f]+ / { anon = (NF == 5) }
		/^Size:/ { size = $2 }
		/^Rss:/ { if (anon && size >= lo && size <= hi) sum += $2 }
		END { print sum + 0 }' "/proc/$vpid/smaps")
	kill -KILL "$vpid" 2>/dev/null
	wait "$vpid" 2>/dev/null
	vpid=
	echo "$hwm $guest $((hwm - guest)) $((anon - guest))"
}

median() { sort -n | awk '{ v[NR] = $1 } END { if (NR == 0) print ""; else if (NR % 2) print v[(NR + 1) / 2]; else printf "%d\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

vmms=
[ $have_charlie = 1 ] && vmms="$vmms charlie"
[ $have_qemu = 1 ] && vmms="$vmms qemu"
[ -n "$vmms" ] || { say "neither charlie nor QEMU can run"; exit 1; }

host="$(uname -r)"
[ -d /sys/module/kvm_pvm ] && host="$host, /dev/kvm is PVM (kvm_pvm)"
echo "host: $host; $(nproc) CPUs; guest RAM ${mem_mib} MiB, 1 vCPU"
[ $have_qemu = 1 ] && echo "qemu: $("$qemu" --version | head -1)"

# Interleave the VMMs run by run so drift on a shared machine hits both.
i=0
while [ $i -lt "$runs" ]; do
	for v in $vmms; do
		r=$(first_run "$v")
		if [ -n "$r" ]; then
			echo "${r% *}" >>"$tmp/first.$v"
			echo "${r#* }" >>"$tmp/nioctl.$v"
		else
			echo "    run $i: $v: no KVM_RUN seen; stderr: $(tr '\r\n' '  ' <"$tmp/err" | cut -c1-200)" >&2
		fi
	done
	if [ $have_charlie = 1 ]; then
		r=$(charlie_timeline)
		if [ -n "$r" ]; then
			set -- $r
			for ph in mapped loaded entry stopped; do
				[ "$1" = - ] || echo "$1" >>"$tmp/tl.$ph"
				shift
			done
		fi
	fi
	i=$((i + 1))
done
i=0
while [ $i -lt "$mem_runs" ]; do
	for v in $vmms; do
		r=$(mem "$v")
		[ -z "$r" ] && continue
		set -- $r
		echo "$1" >>"$tmp/hwm.$v"
		echo "$2" >>"$tmp/guest.$v"
		echo "$3" >>"$tmp/ovh.$v"
		echo "$4" >>"$tmp/anon.$v"
	done
	i=$((i + 1))
done

# fig FILE.VMM -> median or "n/a"; count -> number of samples.
fig() { if [ -s "$tmp/$1" ]; then median <"$tmp/$1"; else echo n/a; fi; }
count() { if [ -s "$tmp/$1" ]; then wc -l <"$tmp/$1" | tr -d ' '; else echo 0; fi; }
us2ms() { case $1 in n/a) echo n/a ;; *) awk -v v="$1" 'BEGIN { printf "%.3f", v / 1000 }' ;; esac; }
kb2mib() { case $1 in n/a) echo n/a ;; *) awk -v v="$1" 'BEGIN { printf "%.2f", v / 1024 }' ;; esac; }
ratio() { case "$1$2" in *n/a*) echo - ;; *) awk -v a="$1" -v b="$2" 'BEGIN { if (a > 0) printf "%.1fx", b / a; else print "-" }' ;; esac; }

row() { printf '%-40s %12s %12s %8s\n' "$1" "$2" "$3" "$4"; }
echo
row "figure (median)" charlie qemu "qemu/charlie"
row "----------------------------------------" "------------" "------------" "--------"
c=$(us2ms "$(fig first.charlie)"); q=$(us2ms "$(fig first.qemu)")
row "exec -> first KVM_RUN, strace (ms)" "$c" "$q" "$(ratio "$c" "$q")"
row "  runs with a KVM_RUN" "$(count first.charlie)/$runs" "$(count first.qemu)/$runs" ""
row "  ioctls before it (each a strace stop)" "$(fig nioctl.charlie)" "$(fig nioctl.qemu)" ""
row "charlie --timeline, no strace (ms):" "" "" ""
row "  memory mapped" "$(us2ms "$(fig tl.mapped)")" "-" ""
row "  kernel loaded" "$(us2ms "$(fig tl.loaded)")" "-" ""
row "  first vCPU entry" "$(us2ms "$(fig tl.entry)")" "-" ""
row "  stopped (hello.elf reset)" "$(us2ms "$(fig tl.stopped)")" "-" ""
c=$(kb2mib "$(fig ovh.charlie)"); q=$(kb2mib "$(fig ovh.qemu)")
row "VMM overhead: peak RSS - guest RSS (MiB)" "$c" "$q" "$(ratio "$c" "$q")"
row "  peak RSS, VmHWM (MiB)" "$(kb2mib "$(fig hwm.charlie)")" "$(kb2mib "$(fig hwm.qemu)")" ""
row "  private anon - guest (MiB)" "$(kb2mib "$(fig anon.charlie)")" "$(kb2mib "$(fig anon.qemu)")" ""
row "  guest RAM resident (MiB)" "$(kb2mib "$(fig guest.charlie)")" "$(kb2mib "$(fig guest.qemu)")" ""
row "  samples" "$(count ovh.charlie)/$mem_runs" "$(count ovh.qemu)/$mem_runs" ""
echo
echo "aims: first vCPU entry <= 2 ms after exec; VMM overhead <= 2 MiB"
