# SPDX-License-Identifier: MIT
# Fuzz target of the vsock engine (issue 10; tests/fuzz/00-rules.mk has the
# shared rules).  make fuzz-vsock [FUZZ_SECONDS=60] runs it alone; make
# check builds it and tests/e2e/fuzz_vsock.sh runs it briefly.
FUZZ_VSOCK := $(FUZZ_DIR)/fuzz_vsock
FUZZ_VSOCK_SRCS := tests/fuzz/fuzz_vsock.c src/lib/vsock/engine.c \
	src/lib/vsock/host.c src/lib/loop.c

$(FUZZ_VSOCK): $(FUZZ_VSOCK_SRCS) $(wildcard src/lib/vsock/*.h) src/lib/loop.h
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_FLAGS) -o $@ $(FUZZ_VSOCK_SRCS) -lpthread

.PHONY: fuzz-vsock
fuzz-vsock: $(FUZZ_VSOCK)
	@mkdir -p $(FUZZ_DIR)/corpus-vsock
	$(FUZZ_VSOCK) -max_total_time=$(FUZZ_SECONDS) -rss_limit_mb=1024 \
		-print_final_stats=1 $(FUZZ_DIR)/corpus-vsock

FUZZ_BINS += $(FUZZ_VSOCK)
ifneq ($(FUZZ_HAVE_CC),)
CHECK_DEPS += $(FUZZ_VSOCK)
endif
