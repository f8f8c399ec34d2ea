# L2 test payloads (tests/payloads/): the test initramfs that the test host's
# e2e tests boot with charlie.
PAYLOAD_INITRD := $(BUILD)/tests/payloads/test-initrd.cpio

$(PAYLOAD_INITRD): tests/payloads/build-initrd.sh tests/payloads/init \
		$(wildcard /bin/busybox)
	sh tests/payloads/build-initrd.sh $@

.PHONY: payloads
payloads: $(PAYLOAD_INITRD)

CHECK_DEPS += $(PAYLOAD_INITRD)
