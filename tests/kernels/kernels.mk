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

# hostile.elf: the hostile-guest suite (tests/e2e/virtio_hostile.sh) is C
# (hostile.c, freestanding, -m32) linked flat at 1 MiB, wrapped into a
# PVH ELF by hostile.S: dozens of cases are easier to read in C than gas.
HOSTILE_CFLAGS := -m32 -ffreestanding -fno-pic -fno-pie -fno-stack-protector \
	-mno-sse -mno-mmx -mno-80387 -fno-builtin -O2 -Wall -Wextra -Werror \
	-fno-asynchronous-unwind-tables
$(BUILD)/tests/kernels/hostile32.bin: tests/kernels/hostile.c \
		tests/kernels/hostile32.ld
	@mkdir -p $(dir $@)
	$(CC) $(HOSTILE_CFLAGS) -c tests/kernels/hostile.c -o $@.o
	$(LD) -m elf_i386 --no-warn-rwx-segments -T tests/kernels/hostile32.ld -o $@.elf $@.o
	objcopy -O binary $@.elf $@

$(BUILD)/tests/kernels/hostile.elf: tests/kernels/hostile.S \
		$(BUILD)/tests/kernels/hostile32.bin tests/kernels/tiny.h \
		tests/kernels/tiny.ld tests/kernels/check-pvh.sh
	@mkdir -p $(dir $@)
	$(CC) $(TINY_CFLAGS) $(TINY_LDFLAGS) \
		-DHOSTILE_BIN='"$(BUILD)/tests/kernels/hostile32.bin"' -o $@.tmp $<
	sh tests/kernels/check-pvh.sh $@.tmp include/charlie.h
	mv -f $@.tmp $@

TINY_ELFS += $(BUILD)/tests/kernels/hostile.elf
tiny-kernels: $(BUILD)/tests/kernels/hostile.elf
CHECK_DEPS += $(BUILD)/tests/kernels/hostile.elf

# pcihostile.elf: the hostile PCI guest (tests/e2e/pci_hostile.sh), built
# like hostile.elf (same wrapper and linker script).
$(BUILD)/tests/kernels/pcihostile32.bin: tests/kernels/pcihostile.c \
		tests/kernels/hostile32.ld
	@mkdir -p $(dir $@)
	$(CC) $(HOSTILE_CFLAGS) -c tests/kernels/pcihostile.c -o $@.o
	$(LD) -m elf_i386 --no-warn-rwx-segments -T tests/kernels/hostile32.ld -o $@.elf $@.o
	objcopy -O binary $@.elf $@

$(BUILD)/tests/kernels/pcihostile.elf: tests/kernels/hostile.S \
		$(BUILD)/tests/kernels/pcihostile32.bin tests/kernels/tiny.h \
		tests/kernels/tiny.ld tests/kernels/check-pvh.sh
	@mkdir -p $(dir $@)
	$(CC) $(TINY_CFLAGS) $(TINY_LDFLAGS) \
		-DHOSTILE_BIN='"$(BUILD)/tests/kernels/pcihostile32.bin"' -o $@.tmp $<
	sh tests/kernels/check-pvh.sh $@.tmp include/charlie.h
	mv -f $@.tmp $@

TINY_ELFS += $(BUILD)/tests/kernels/pcihostile.elf
tiny-kernels: $(BUILD)/tests/kernels/pcihostile.elf
CHECK_DEPS += $(BUILD)/tests/kernels/pcihostile.elf
