# The test host (testhost/README.md): QEMU/TCG L1 with a nested /dev/kvm.
# `make testhost` builds (or finds cached) the L1 kernel and base initramfs
# in $(BUILD)/testhost/.  It is a prerequisite of `make check` that may
# fail (e.g. no network to fetch Debian's kernel): the test host's e2e
# tests then say why themselves.
.PHONY: testhost
testhost:
	-@CHARLIE_BUILD=$(BUILD) sh testhost/build-l1.sh >/dev/null

CHECK_DEPS += testhost

# The test host's L0 QEMU (testhost/build-l0-qemu.sh: Debian's QEMU 7.2
# with two nested-SVM fixes), built once for make check so that every
# test host runs on it.  Like `testhost`, it may fail (no access to
# Debian's source, say): testhost/run.sh then falls back to Debian's
# QEMU and says so, and the OVMF suites skip with the reason.
.PHONY: testhost-l0
testhost-l0: deps
	@sh testhost/build-l0-qemu.sh >/dev/null || \
		echo "testhost-l0: not built; test hosts run on Debian's QEMU" >&2

CHECK_DEPS += testhost-l0
