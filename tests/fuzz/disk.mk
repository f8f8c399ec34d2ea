# SPDX-License-Identifier: MIT
# Fuzz targets of the disk-image parsers (design.md 5, 11; tests/fuzz/00-rules.mk
# has the shared rules):
#   make fuzz-disk [FUZZ_SECONDS=60]   each target for FUZZ_SECONDS, one
#                                      at a time, niced; corpora kept in
#                                      build/fuzz/corpus/<target>
# `make check` runs each for a few seconds (tests/e2e/disk_fuzz.sh).
FUZZ_DISK_TARGETS := gpt fat pe uki
FUZZ_DISK_LIB_SRCS := src/lib/disk/disk.c src/lib/disk/gpt.c src/lib/disk/fat.c \
	src/lib/disk/pe.c src/lib/disk/uki.c src/lib/err.c \
	src/lib/boot/kernel_file.c
FUZZ_DISK_BINS := $(FUZZ_DISK_TARGETS:%=$(FUZZ_DIR)/fuzz_%)

$(FUZZ_DISK_BINS): $(FUZZ_DIR)/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_DISK_LIB_SRCS) src/lib/disk/disk.h
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_FLAGS) -o $@ $< $(FUZZ_DISK_LIB_SRCS)

$(FUZZ_DIR)/mk_seeds: tests/fuzz/mk_seeds.c tests/disk/mkdisk.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $< $(LDFLAGS)

$(FUZZ_DIR)/seeds/.done: $(FUZZ_DIR)/mk_seeds
	$(FUZZ_DIR)/mk_seeds $(FUZZ_DIR)/seeds
	@touch $@

.PHONY: fuzz-disk fuzz-disk-build
fuzz-disk-build: $(FUZZ_DISK_BINS) $(FUZZ_DIR)/seeds/.done

fuzz-disk: fuzz-disk-build
	@for t in $(FUZZ_DISK_TARGETS); do \
		mkdir -p $(FUZZ_DIR)/corpus/$$t; \
		echo "fuzz-disk: $$t for $(FUZZ_SECONDS) s"; \
		nice $(FUZZ_DIR)/fuzz_$$t -max_total_time=$(FUZZ_SECONDS) \
			-print_final_stats=1 $(FUZZ_DIR)/corpus/$$t \
			$(FUZZ_DIR)/seeds/$$t 2>&1 | \
			grep -E '^#[0-9]+ *(DONE|INITED)|stat::|ERROR|SUMMARY|^==' ; \
	done

FUZZ_BINS += $(FUZZ_DISK_BINS)
ifneq ($(FUZZ_HAVE_CC),)
CHECK_DEPS += fuzz-disk-build
endif
