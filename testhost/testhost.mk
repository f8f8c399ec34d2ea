# The test host (testhost/README.md): QEMU/TCG L1 with a nested /dev/kvm.
# `make testhost` builds (or finds cached) the L1 kernel and base initramfs
# in $(BUILD)/testhost/.  It is a prerequisite of `make check` that may
# fail (e.g. no network to fetch Debian's kernel): the test host's e2e
# tests then say why themselves.
.PHONY: testhost
testhost:
	-@CHARLIE_BUILD=$(BUILD) sh testhost/build-l1.sh >/dev/null

CHECK_DEPS += testhost
