# SPDX-License-Identifier: MIT
# Fuzz targets of the firmware platform (issue 12; tests/fuzz/00-rules.mk
# has the shared rules): the flash command parser and fw_cfg's ports and
# DMA.  `make check` runs each for a few seconds (tests/e2e/fw_fuzz.sh).
FUZZ_FW_BINS := $(FUZZ_DIR)/fuzz_pflash $(FUZZ_DIR)/fuzz_fw_cfg

$(FUZZ_DIR)/fuzz_pflash: tests/fuzz/fuzz_pflash.c src/lib/fw/pflash.c src/lib/fw/pflash.h
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_FLAGS) -o $@ tests/fuzz/fuzz_pflash.c src/lib/fw/pflash.c

$(FUZZ_DIR)/fuzz_fw_cfg: tests/fuzz/fuzz_fw_cfg.c src/lib/fw/fw_cfg.c src/lib/fw/fw_cfg.h src/lib/gm.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_FLAGS) -o $@ tests/fuzz/fuzz_fw_cfg.c src/lib/fw/fw_cfg.c src/lib/gm.c -lpthread

FUZZ_BINS += $(FUZZ_FW_BINS)
ifneq ($(FUZZ_HAVE_CC),)
CHECK_DEPS += $(FUZZ_FW_BINS)
endif
