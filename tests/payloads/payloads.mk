# L2 test payloads (tests/payloads/): the test initramfs that the test host's
# e2e tests boot with charlie.
PAYLOAD_INITRD := $(BUILD)/tests/payloads/test-initrd.cpio

$(PAYLOAD_INITRD): tests/payloads/build-initrd.sh tests/payloads/init \
		$(wildcard /bin/busybox)
	sh tests/payloads/build-initrd.sh $@

.PHONY: payloads
payloads: $(PAYLOAD_INITRD)

CHECK_DEPS += $(PAYLOAD_INITRD)

# The virtio tests in the test host (testhost_virtio.sh): the same
# initramfs with init-virtio as /init, and ptyfeed (types on charlie's
# terminal in L1, which has no tmux).
PAYLOAD_VIRTIO_INITRD := $(BUILD)/tests/payloads/virtio-initrd.cpio
PAYLOAD_PTYFEED := $(BUILD)/tests/payloads/ptyfeed

$(PAYLOAD_VIRTIO_INITRD): tests/payloads/build-initrd.sh tests/payloads/init-virtio \
		$(wildcard /bin/busybox)
	sh tests/payloads/build-initrd.sh $@ tests/payloads/init-virtio

$(PAYLOAD_PTYFEED): tests/payloads/ptyfeed.c
	@mkdir -p $(dir $@)
	$(CC) -O2 -D_GNU_SOURCE -Wall -Wextra -Werror -static -o $@ $<

payloads: $(PAYLOAD_VIRTIO_INITRD) $(PAYLOAD_PTYFEED)
CHECK_DEPS += $(PAYLOAD_VIRTIO_INITRD) $(PAYLOAD_PTYFEED)

# The vsock e2e test (vsock_guest.sh): a static UNIX-socket client for L1
# (busybox: no socat) speaking Firecracker's CONNECT convention.
PAYLOAD_VSOCK_CLIENT := $(BUILD)/tests/payloads/vsock-client

$(PAYLOAD_VSOCK_CLIENT): tests/payloads/vsock-client.c
	@mkdir -p $(dir $@)
	$(CC) -O2 -D_GNU_SOURCE -Wall -Wextra -Werror -static -o $@ $<

payloads: $(PAYLOAD_VSOCK_CLIENT)
CHECK_DEPS += $(PAYLOAD_VSOCK_CLIENT)

# The virtio-pci test in the test host (testhost_pci.sh): init-pci as /init.
PAYLOAD_PCI_INITRD := $(BUILD)/tests/payloads/pci-initrd.cpio

$(PAYLOAD_PCI_INITRD): tests/payloads/build-initrd.sh tests/payloads/init-pci \
		$(wildcard /bin/busybox)
	sh tests/payloads/build-initrd.sh $@ tests/payloads/init-pci

payloads: $(PAYLOAD_PCI_INITRD)
CHECK_DEPS += $(PAYLOAD_PCI_INITRD)
