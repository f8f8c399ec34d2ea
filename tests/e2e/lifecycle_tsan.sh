#!/bin/sh
# SPDX-License-Identifier: MIT
# timeout: 900
# The lifecycle test (tests/unit/test_lifecycle.c) under ThreadSanitizer,
# every case repeated LIFECYCLE_ITERS times (default 1000): create, start,
# stop, wait, destroy with the state callback recording every transition;
# a guest that crashes at once, a stop during start, two VMs in one
# process.  Any race report fails it (halt_on_error).
. "$(dirname "$0")/lib.sh"
bin=$CHARLIE_BUILD/tsan/test_lifecycle
need_kvm lifecycle
[ -x "$bin" ] || fail_all "$bin not built (make $bin)" lifecycle
out=$(CHARLIE_BUILD=$CHARLIE_BUILD LIFECYCLE_ITERS=${LIFECYCLE_ITERS:-1000} \
	CMOCKA_MESSAGE_OUTPUT=TAP TSAN_OPTIONS="halt_on_error=1 exitcode=66" \
	"$bin" 2>&1)
rc=$?
ok=$(printf '%s\n' "$out" | grep -c '^ok ')
if [ $rc -eq 0 ] && [ "$ok" -eq 7 ] && ! printf '%s\n' "$out" | grep -q ThreadSanitizer; then
	pass lifecycle "7 cases x ${LIFECYCLE_ITERS:-1000}, no report"
else
	printf '%s\n' "$out" | grep -v '^    #' | head -40 | sed 's/^/    /'
	fail lifecycle "exit $rc, $ok of 7 cases ok"
fi
