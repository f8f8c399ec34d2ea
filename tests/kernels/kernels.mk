# SPDX-License-Identifier: MIT
# Tiny PVH test kernels (tests/kernels/README.md): gas sources with a
# 32-bit entry, linked into ELF64 x86-64 executables at 1 MiB with a
# "Xen"/18 note.  Each one is checked with readelf (check-pvh.sh) before it
# is installed, so a kernel that charlie's loader would reject never lands
# in $(BUILD)/tests/kernels.

TINY_KERNELS := hello marker triple fninit idle spam s5 acpireset listen latelisten
TINY_ELFS := $(TINY_KERNELS:%=$(BUILD)/tests/kernels/%.elf)

# No libc, no start files (-static: no PIE), no build-id note (the only note is ours),
# 4 KiB alignment so the file stays a few KiB.
TINY_CFLAGS := -Wall -Wextra -Werror
TINY_LDFLAGS := -nostdlib -static -Wl,-T,tests/kernels/tiny.ld \
	-Wl,--build-id=none -Wl,-z,max-page-size=4096 -Wl,-z,noexecstack

$(BUILD)/tests/kernels/%.elf: tests/kernels/%.S tests/kernels/tiny.h \
		tests/kernels/tiny.ld tests/kernels/check-pvh.sh include/charlie.h
	@mkdir -p $(dir $@)
	$(CC) $(TINY_CFLAGS) $(TINY_LDFLAGS) -o $@.tmp $<
	sh tests/kernels/check-pvh.sh $@.tmp include/charlie.h
	mv -f $@.tmp $@

.PHONY: tiny-kernels
tiny-kernels: $(TINY_ELFS)

CHECK_DEPS += $(TINY_ELFS)
