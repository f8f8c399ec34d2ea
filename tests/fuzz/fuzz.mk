# SPDX-License-Identifier: MIT
# libFuzzer targets (clang -fsanitize=fuzzer,address,undefined; Debian's
# clang-14 with libclang-rt-14-dev): queue.c's walker and each virtio
# device's request handling over synthetic guest memory.
#   make fuzz                 each target for FUZZ_SECONDS (default 600)
#   make fuzz-bins            build them ($(BUILD)/fuzz/fuzz_*)
# make check runs each for a short while (tests/e2e/virtio_fuzz.sh).
FUZZ_CC ?= clang
FUZZ_SECONDS ?= 600
FUZZ_DIR := $(BUILD)/fuzz
FUZZ_FLAGS := -g -O1 -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror \
	-Wno-unused-parameter -Iinclude -Isrc/lib \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
FUZZ_LIB_SRCS := src/lib/virtio/queue.c src/lib/virtio/virtio.c \
	src/lib/virtio/mmio.c src/lib/virtio/blk.c src/lib/virtio/rng.c \
	src/lib/virtio/console.c src/lib/gm.c src/lib/host.c src/lib/bus.c \
	src/lib/loop.c src/lib/config.c src/lib/err.c src/lib/boot/*.c
FUZZ_TARGETS := fuzz_queue fuzz_blk fuzz_rng fuzz_console
FUZZ_BINS := $(FUZZ_TARGETS:%=$(FUZZ_DIR)/%)

$(FUZZ_DIR)/fuzz_queue: tests/fuzz/fuzz_queue.c $(FUZZ_LIB_SRCS)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_FLAGS) -o $@ $^ -lpthread

$(FUZZ_DIR)/fuzz_%: tests/fuzz/fuzz_dev.c $(FUZZ_LIB_SRCS) tests/unit/fake_host.h
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_FLAGS) -DFUZZ_DEV=$(if $(filter blk,$*),0,$(if $(filter rng,$*),1,2)) \
		-o $@ tests/fuzz/fuzz_dev.c $(FUZZ_LIB_SRCS) -lpthread

.PHONY: fuzz fuzz-bins
fuzz-bins: $(FUZZ_BINS)

fuzz: $(FUZZ_BINS)
	@for t in $(FUZZ_TARGETS); do \
		mkdir -p $(FUZZ_DIR)/corpus-$$t; \
		echo "== $$t for $(FUZZ_SECONDS) s"; \
		$(FUZZ_DIR)/$$t -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
			-artifact_prefix=$(FUZZ_DIR)/$$t- $(FUZZ_DIR)/corpus-$$t \
			2>&1 | grep -E '^#[0-9]+.*DONE|^stat::|ERROR|SUMMARY|^Done' || exit 1; \
	done

# Built for make check only where clang can link libFuzzer.
ifneq ($(shell command -v $(FUZZ_CC) 2>/dev/null),)
CHECK_DEPS += $(FUZZ_BINS)
endif
