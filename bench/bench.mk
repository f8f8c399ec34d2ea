# SPDX-License-Identifier: MIT
# Benchmarks (design.md 6): print figures against QEMU; not part of `make check`.
.PHONY: bench-startup
bench-startup: $(CHARLIE) $(BUILD)/tests/kernels/hello.elf $(BUILD)/tests/kernels/idle.elf
	@CHARLIE=$(abspath $(CHARLIE)) CHARLIE_BUILD=$(BUILD) bench/startup.sh

# The same inside the test host (real, nested KVM under QEMU TCG).
.PHONY: bench-startup-testhost
bench-startup-testhost: $(CHARLIE) $(BUILD)/tests/kernels/hello.elf $(BUILD)/tests/kernels/idle.elf
	@CHARLIE=$(abspath $(CHARLIE)) CHARLIE_BUILD=$(BUILD) bench/testhost.sh

# virtio-blk in the guest, charlie vs QEMU microvm, in the test host.
.PHONY: bench-blk
bench-blk: $(CHARLIE) guest-min
	@CHARLIE=$(abspath $(CHARLIE)) CHARLIE_BUILD=$(BUILD) bench/blk.sh

# exec -> bingo's boot marker: charlie (disk/UKI and --kernel) vs QEMU
# microvm and q35+OVMF, in the test host.  BOOT_RUNS rounds (default 10).
.PHONY: bench-boot
bench-boot: $(CHARLIE) guest
	@CHARLIE=$(abspath $(CHARLIE)) CHARLIE_BUILD=$(BUILD) bench/boot.sh
# Power button -> VMM exit for bingo, charlie vs QEMU microvm, in the test host.
.PHONY: bench-button
bench-button: $(CHARLIE) guest
	@CHARLIE=$(abspath $(CHARLIE)) CHARLIE_BUILD=$(BUILD) bench/button.sh
# HTTP requests/s through the forward against bingo, and TCP guest -> host
# MB/s, charlie's nat vs QEMU's user networking (both libslirp), in the
# test host.
.PHONY: bench-net
bench-net: $(CHARLIE) guest payloads
	@CHARLIE=$(abspath $(CHARLIE)) CHARLIE_BUILD=$(BUILD) bench/net.sh
