# libFuzzer targets for the disk-image parsers (design.md 5, 11):
#   make fuzz-disk [FUZZ_SECONDS=60]   each target for FUZZ_SECONDS, one
#                                      at a time, niced; corpora kept in
#                                      build/fuzz/corpus/<target>
# `make check` runs each for a few seconds (tests/e2e/disk_fuzz.sh).
# clang only (-fsanitize=fuzzer: Debian's libclang-rt-14-dev).
FUZZ_CC ?= clang
FUZZ_OUT := $(BUILD)/fuzz
FUZZ_TARGETS := gpt fat pe uki
FUZZ_SECONDS ?= 60
FUZZ_FLAGS := -O1 -g -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror \
	-Wno-unused-parameter -Iinclude -Isrc/lib \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
FUZZ_LIB_SRCS := src/lib/disk/disk.c src/lib/disk/gpt.c src/lib/disk/fat.c \
	src/lib/disk/pe.c src/lib/disk/uki.c src/lib/err.c \
	src/lib/boot/kernel_file.c
FUZZ_BINS := $(FUZZ_TARGETS:%=$(FUZZ_OUT)/fuzz_%)

$(FUZZ_OUT)/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_LIB_SRCS) src/lib/disk/disk.h
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_FLAGS) -o $@ $< $(FUZZ_LIB_SRCS)

$(FUZZ_OUT)/mk_seeds: tests/fuzz/mk_seeds.c tests/disk/mkdisk.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $< $(LDFLAGS)

$(FUZZ_OUT)/seeds/.done: $(FUZZ_OUT)/mk_seeds
	$(FUZZ_OUT)/mk_seeds $(FUZZ_OUT)/seeds
	@touch $@

.PHONY: fuzz-disk fuzz-disk-build
fuzz-disk-build: $(FUZZ_BINS) $(FUZZ_OUT)/seeds/.done

fuzz-disk: fuzz-disk-build
	@for t in $(FUZZ_TARGETS); do \
		mkdir -p $(FUZZ_OUT)/corpus/$$t; \
		echo "fuzz-disk: $$t for $(FUZZ_SECONDS) s"; \
		nice $(FUZZ_OUT)/fuzz_$$t -max_total_time=$(FUZZ_SECONDS) \
			-print_final_stats=1 $(FUZZ_OUT)/corpus/$$t \
			$(FUZZ_OUT)/seeds/$$t 2>&1 | \
			grep -E '^#[0-9]+ *(DONE|INITED)|stat::|ERROR|SUMMARY|^==' ; \
	done

CHECK_DEPS += fuzz-disk-build
