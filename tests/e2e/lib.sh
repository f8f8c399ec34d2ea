# Shared by every tests/e2e/*.sh (sourced, never run as a suite: tests/run.sh
# skips this file).  POSIX sh.
#
# After `. "$(dirname "$0")/lib.sh"` a script has:
#   T              its own name (the file name without .sh): every verdict
#                  line it prints must be "PASS: $T", "PASS: $T/...",
#                  "PASS: $T: ..." or "PASS: $T (...)" (likewise FAIL and
#                  SKIP), else tests/run.sh counts the line as a FAIL
#   CHARLIE_ROOT   the repository (absolute)
#   CHARLIE_BUILD  the build directory (absolute; default $CHARLIE_ROOT/build)
#   CHARLIE        the charlie binary (default $CHARLIE_BUILD/charlie)
#   pass NAME [NOTE]     PASS: T/NAME (NOTE)     (NAME "" -> PASS: T)
#   fail NAME REASON     FAIL: T/NAME: REASON
#   skip NAME REASON     SKIP: T/NAME: REASON    (a SKIP always names why)
#   skip_all REASON NAME...   SKIP each NAME, then exit 0
#   fail_all REASON NAME...   FAIL each NAME, then exit 0
#   need_kvm NAME...     skip_all when /dev/kvm is absent or unusable
#   testhost_status RC   classify testhost/run.sh's exit status (see below)

T=$(basename "$0" .sh)
: "${CHARLIE_ROOT:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${CHARLIE_BUILD:=build}"
case $CHARLIE_BUILD in /*) ;; *) CHARLIE_BUILD=$CHARLIE_ROOT/$CHARLIE_BUILD ;; esac
: "${CHARLIE:=$CHARLIE_BUILD/charlie}"
case $CHARLIE in /*) ;; *) CHARLIE=$CHARLIE_ROOT/$CHARLIE ;; esac
export CHARLIE_ROOT CHARLIE_BUILD CHARLIE

# _verdict WORD NAME [TEXT] [SEP]
_verdict() {
	_v="$1: $T${2:+/$2}"
	if [ -n "${3:-}" ]; then
		_v="$_v$4$3"
		[ "$4" = " (" ] && _v="$_v)"
	fi
	printf '%s\n' "$_v"
}
pass() { _verdict PASS "$1" "${2:-}" " ("; }
# A script may define on_fail (e.g. to show the last console lines): it
# runs after each FAIL line.
fail() {
	_verdict FAIL "$1" "${2:-no reason given}" ": "
	if command -v on_fail >/dev/null 2>&1; then on_fail || :; fi
}
skip() { _verdict SKIP "$1" "${2:-no reason given}" ": "; }

skip_all() {
	_why=$1
	shift
	if [ $# -eq 0 ]; then skip "" "$_why"; fi
	for _n in "$@"; do skip "$_n" "$_why"; done
	exit 0
}
fail_all() {
	_why=$1
	shift
	if [ $# -eq 0 ]; then fail "" "$_why"; fi
	for _n in "$@"; do fail "$_n" "$_why"; done
	exit 0
}

# Why /dev/kvm cannot be used here, or nothing.
kvm_unusable() {
	if [ ! -e /dev/kvm ]; then
		echo "no /dev/kvm on this machine"
	elif [ ! -c /dev/kvm ]; then
		echo "/dev/kvm is not a character device"
	elif [ ! -r /dev/kvm ] || [ ! -w /dev/kvm ]; then
		echo "/dev/kvm is not readable and writable by $(id -un)"
	fi
}

need_kvm() {
	_why=$(kvm_unusable)
	[ -z "$_why" ] || skip_all "$_why" "$@"
}

# testhost_status RC [ERRFILE]: what testhost/run.sh's exit status RC means
# for a test, the same in every script.  Returns
#   0  the scenario ran; RC is its own exit status
#   1  SKIP: the test host cannot run on this machine (no QEMU, L1 without
#      /dev/kvm, its initramfs could not be built: missing packages or no
#      network to fetch Debian's kernel); TH_WHY says which
#   2  FAIL: the test host broke (timeout, L1 stopped early, bad usage);
#      TH_WHY says which
# ERRFILE holds run.sh's stderr (its "testhost: " lines): the last one is
# quoted in TH_WHY.
testhost_status() {
	_last=
	[ -n "${2:-}" ] && _last=$(tr -d '\r' <"$2" | grep '^testhost: ' | tail -1 | sed 's/^testhost: //')
	_last=${_last:+: $_last}
	case $1 in
	127) TH_WHY="the test host cannot run: no QEMU$_last"; return 1 ;;
	125) TH_WHY="the test host's L1 has no /dev/kvm$_last"; return 1 ;;
	4) TH_WHY="the test host's initramfs could not be built$_last"; return 1 ;;
	124) TH_WHY="the test host timed out$_last"; return 2 ;;
	126) TH_WHY="L1 stopped without reporting the scenario's exit$_last"; return 2 ;;
	123) TH_WHY="the test host froze twice (L0 QEMU stopped running L1)$_last"; return 2 ;;
	2) TH_WHY="testhost/run.sh refused its arguments$_last"; return 2 ;;
	*) TH_WHY=; return 0 ;;
	esac
}

# testhost_log IN OUT: testhost/run.sh's output IN, less carriage returns
# and less a frozen first attempt (what precedes the last TESTHOST-RESTART
# line, --retry-frozen), to OUT.
testhost_log() {
	tr -d '\r' <"$1" | awk '/^TESTHOST-RESTART$/ { n = 0; split("", l); next }
		{ l[++n] = $0 } END { for (i = 1; i <= n; i++) print l[i] }' >"$2"
}

# testhost_verdict RC ERRFILE NAME...: skip_all or fail_all the NAMEs when
# the test host did not run the scenario; returns when it did.
testhost_verdict() {
	_rc=$1 _ef=$2
	shift 2
	testhost_status "$_rc" "$_ef"
	case $? in
	1) skip_all "$TH_WHY" "$@" ;;
	2)
		tr -d '\r' <"$_ef" | tail -20 | sed 's/^/    | /'
		fail_all "$TH_WHY" "$@"
		;;
	esac
	return 0
}

# hostile_verdicts OUT ERR RC DONE CASE...: a tiny hostile kernel's
# "CASE <name>: PASS|FAIL <why>" lines on OUT as verdicts (a case with no
# line FAILs), then no-crash: no sanitizer report on ERR, charlie's exit
# RC is 0, and OUT has the kernel's line starting with DONE.
hostile_verdicts() {
	_out=$1 _err=$2 _rc=$3 _done=$4
	shift 4
	for _c in "$@"; do
		_line=$(grep "^CASE $_c: " "$_out" | head -1 | tr -d '\r')
		_what=${_line#CASE "$_c": }
		case $_what in
		PASS*) pass "$_c" "${_what#PASS }" ;;
		FAIL*) fail "$_c" "${_what#FAIL }" ;;
		*) fail "$_c" "no verdict from the kernel (it stopped earlier?)" ;;
		esac
	done
	if grep -q -e 'AddressSanitizer' -e 'runtime error:' -e 'LeakSanitizer' "$_err"; then
		fail no-crash "sanitizer report on stderr"
	elif [ "$_rc" -ne 0 ]; then
		fail no-crash "charlie exited $_rc (124/137: hang guard)"
	elif ! grep -q "^$_done" "$_out"; then
		fail no-crash "the kernel did not finish"
	else
		pass no-crash "exit 0, $(grep "^$_done" "$_out" | tr -d '\r')"
	fi
}
