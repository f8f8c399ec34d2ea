# libFuzzer target for the vsock engine (issue 10), with clang's libFuzzer
# runtime (Debian 12: clang-14 + libclang-rt-14-dev, scripts/setup.sh).
#   make fuzz-vsock [FUZZ_SECONDS=60]   run the fuzzer; corpus kept in
#                                       $(BUILD)/fuzz/corpus-vsock
# make check builds it and tests/e2e/fuzz_vsock.sh runs it briefly.
FUZZ_CC ?= clang
FUZZ_SECONDS ?= 60
FUZZ_DIR := $(BUILD)/fuzz
FUZZ_VSOCK := $(FUZZ_DIR)/fuzz_vsock
FUZZ_VSOCK_SRCS := tests/fuzz/fuzz_vsock.c src/lib/vsock/engine.c \
	src/lib/vsock/host.c src/lib/loop.c

$(FUZZ_VSOCK): $(FUZZ_VSOCK_SRCS) $(wildcard src/lib/vsock/*.h) src/lib/loop.h
	@mkdir -p $(dir $@)
	$(FUZZ_CC) -O1 -g -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror \
		-Wno-unused-parameter -Iinclude -Isrc/lib \
		-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
		-o $@ $(FUZZ_VSOCK_SRCS) -lpthread

.PHONY: fuzz-vsock
fuzz-vsock: $(FUZZ_VSOCK)
	@mkdir -p $(FUZZ_DIR)/corpus-vsock
	$(FUZZ_VSOCK) -max_total_time=$(FUZZ_SECONDS) -rss_limit_mb=1024 \
		-print_final_stats=1 $(FUZZ_DIR)/corpus-vsock

CHECK_DEPS += $(FUZZ_VSOCK)
