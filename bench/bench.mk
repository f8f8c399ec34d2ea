# SPDX-License-Identifier: MIT
# Benchmarks (design.md 6): print figures against QEMU; not part of `make check`.
.PHONY: bench-startup
bench-startup: $(CHARLIE) $(BUILD)/tests/kernels/hello.elf $(BUILD)/tests/kernels/idle.elf
	@CHARLIE=$(abspath $(CHARLIE)) CHARLIE_BUILD=$(BUILD) bench/startup.sh
