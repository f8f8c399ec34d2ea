# libFuzzer targets (clang -fsanitize=fuzzer; Debian 12: clang-14 and
# libclang-rt-14-dev).  `make fuzz` runs each for FUZZ_SECONDS (default
# 60); `make check` runs each for a few seconds (tests/e2e/net_fuzz.sh).
FUZZ_CC ?= clang
FUZZ_SECONDS ?= 60
FUZZ_DIR := $(BUILD)/fuzz
FUZZ_FLAGS := -std=c11 -D_GNU_SOURCE -g -O1 -Iinclude -Isrc/lib \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
FUZZ_BINS := $(FUZZ_DIR)/fuzz_dhcp_snoop $(FUZZ_DIR)/fuzz_stream

$(FUZZ_DIR)/fuzz_dhcp_snoop: tests/fuzz/fuzz_dhcp_snoop.c src/lib/net/dhcp_snoop.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_FLAGS) -o $@ $^

$(FUZZ_DIR)/fuzz_stream: tests/fuzz/fuzz_stream.c src/lib/net/stream.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_FLAGS) -o $@ $^

.PHONY: fuzz
fuzz: $(FUZZ_BINS)
	@for f in $(FUZZ_BINS); do \
		echo "fuzz: $$f for $(FUZZ_SECONDS)s"; \
		mkdir -p $(FUZZ_DIR)/corpus-$$(basename $$f); \
		$$f -max_total_time=$(FUZZ_SECONDS) -max_len=70000 \
			$(FUZZ_DIR)/corpus-$$(basename $$f) || exit 1; \
	done

CHECK_DEPS += $(FUZZ_BINS)
