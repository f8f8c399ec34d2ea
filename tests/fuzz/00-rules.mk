# SPDX-License-Identifier: MIT
# libFuzzer targets (clang -fsanitize=fuzzer,address,undefined; Debian's
# clang-14 with libclang-rt-14-dev).  Each subsystem adds its targets to
# FUZZ_BINS in its own tests/fuzz/*.mk (included after this file).
#   make fuzz        each target for FUZZ_SECONDS (default 600)
#   make fuzz-bins   build them ($(BUILD)/fuzz/fuzz_*)
# make check runs each for a short while (tests/e2e/*_fuzz.sh).
FUZZ_CC ?= clang
FUZZ_SECONDS ?= 600
FUZZ_DIR := $(BUILD)/fuzz
FUZZ_FLAGS := -g -O1 -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror \
	-Wno-unused-parameter -Iinclude -Isrc/lib \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
FUZZ_BINS :=
# Built for make check only where clang can link libFuzzer.
FUZZ_HAVE_CC := $(shell command -v $(FUZZ_CC) 2>/dev/null)

.PHONY: fuzz fuzz-bins
.SECONDEXPANSION:
fuzz-bins: $$(FUZZ_BINS)

fuzz: fuzz-bins
	@for f in $(FUZZ_BINS); do \
		t=$$(basename $$f); \
		mkdir -p $(FUZZ_DIR)/corpus-$$t; \
		echo "== $$t for $(FUZZ_SECONDS) s"; \
		$$f -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
			-max_len=70000 -artifact_prefix=$(FUZZ_DIR)/$$t- \
			$(FUZZ_DIR)/corpus-$$t 2>&1 | \
			grep -E '^#[0-9]+.*DONE|^stat::|ERROR|SUMMARY|^Done' || exit 1; \
	done
