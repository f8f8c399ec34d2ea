# bingo, the guest: a static PID 1 (musl) and its boot images.
#   make guest        build/guest/{init,bzImage,initramfs.cpio.gz,initramfs-nomod.cpio.gz}
#                     build/guest/bingo.img (GPT + ESP + UKI: guest/build-image.sh)
#   make guest-min    build/guest/vmlinux-min (tuned kernel from linux-source, cached)
#                     build/guest/{bzImage-min,bingo-min.img}
#   make guest-unit   host unit tests for the pure parts (also run by make check)
# Included by the top Makefile ($(BUILD), $(CC), $(CFLAGS) are set there).

GUEST_DIR := guest
GUEST_OUT := $(BUILD)/guest
GUEST_PURE := log.c dhcp.c http.c inputev.c modules.c nlmsg.c efivar.c
GUEST_GLUE := nl.c server.c init.c
GUEST_PURE_SRCS := $(addprefix $(GUEST_DIR)/,$(GUEST_PURE))
GUEST_SRCS := $(GUEST_PURE_SRCS) $(addprefix $(GUEST_DIR)/,$(GUEST_GLUE))
GUEST_HDRS := $(wildcard $(GUEST_DIR)/*.h) include/charlie.h

MUSL_CC ?= musl-gcc
GUEST_CFLAGS := -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror \
	-Wno-unused-parameter -Os -static -fno-asynchronous-unwind-tables \
	-fno-unwind-tables -ffunction-sections -fdata-sections \
	-fno-stack-protector -Iinclude -I$(GUEST_DIR)
GUEST_LDFLAGS := -static -Wl,--gc-sections -Wl,--build-id=none -s

GUEST_UNIT := dhcp efivar http inputev log modules nl
GUEST_UNIT_BINS := $(GUEST_UNIT:%=$(BUILD)/tests/unit/test_guest_%)

.PHONY: guest guest-min guest-unit guest-tools
guest: $(GUEST_OUT)/init $(GUEST_OUT)/initramfs.cpio.gz guest-tools \
	$(GUEST_OUT)/bingo.img
guest-tools: $(GUEST_OUT)/loadgen $(GUEST_OUT)/mkcpio $(GUEST_OUT)/init-host
guest-unit: $(GUEST_UNIT_BINS)

# musl's headers do not carry the kernel's uapi headers (linux/netlink.h
# and friends): point at the host's, read-only, through symlinks.
$(GUEST_OUT)/kinc/.done:
	@mkdir -p $(dir $@)
	ln -sfn /usr/include/linux $(dir $@)linux
	ln -sfn /usr/include/asm-generic $(dir $@)asm-generic
	ln -sfn /usr/include/$(shell gcc -print-multiarch)/asm $(dir $@)asm
	@touch $@

$(GUEST_OUT)/init: $(GUEST_SRCS) $(GUEST_HDRS) $(GUEST_OUT)/kinc/.done
	@mkdir -p $(dir $@)
	$(MUSL_CC) $(GUEST_CFLAGS) -isystem $(GUEST_OUT)/kinc \
		-o $@ $(GUEST_SRCS) $(GUEST_LDFLAGS)
	@echo "guest: $@ is $$(wc -c <$@) bytes"

# Host tools: the cpio writer and the load generator.
$(GUEST_OUT)/mkcpio: $(GUEST_DIR)/tools/mkcpio.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $< $(LDFLAGS)

$(GUEST_OUT)/loadgen: $(GUEST_DIR)/tools/loadgen.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $< $(LDFLAGS)

$(GUEST_OUT)/initramfs.cpio.gz: $(GUEST_OUT)/init $(GUEST_OUT)/mkcpio \
		$(GUEST_DIR)/build-initramfs.sh
	$(GUEST_DIR)/build-initramfs.sh $(GUEST_OUT) $(GUEST_OUT)/init \
		$(GUEST_OUT)/mkcpio

# The one-file disk image (design.md 11): the unified kernel image's
# command line.  console=hvc0 last, so it is /dev/console once the
# virtio console exists; ttyS0 before it for firmware and early boot.
BINGO_CMDLINE ?= console=ttyS0 console=hvc0 quiet
$(GUEST_OUT)/bingo.img: $(GUEST_OUT)/initramfs.cpio.gz $(GUEST_DIR)/build-image.sh
	$(GUEST_DIR)/build-image.sh $@ $(GUEST_OUT)/bzImage \
		$(GUEST_OUT)/initramfs.cpio.gz "$(BINGO_CMDLINE)"

# Always runs the scripts: they return at once when nothing changed.
# The minimal kernel has no modules: its image takes the initramfs
# without them.
guest-min: $(GUEST_OUT)/initramfs.cpio.gz
	$(GUEST_DIR)/build-min-kernel.sh $(GUEST_OUT)/vmlinux-min
	$(GUEST_DIR)/build-min-bzimage.sh $(GUEST_OUT)/bzImage-min
	$(GUEST_DIR)/build-image.sh $(GUEST_OUT)/bingo-min.img \
		$(GUEST_OUT)/bzImage-min $(GUEST_OUT)/initramfs-nomod.cpio.gz \
		"$(BINGO_CMDLINE)"

# Unit tests: the pure sources built for the host with cmocka.
$(BUILD)/tests/unit/test_guest_%: $(GUEST_DIR)/tests/test_guest_%.c \
		$(GUEST_PURE_SRCS) $(GUEST_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -I$(GUEST_DIR) -o $@ $< $(GUEST_PURE_SRCS) \
		$(LDFLAGS) -lcmocka

CHECK_DEPS += guest guest-min
TEST_BINS += $(GUEST_UNIT_BINS)

# The same init built for the host (glibc, $(CFLAGS): ASan with
# SANITIZE=1).  Not PID 1, it runs only the HTTP server, for
# tests/e2e/guest_server.sh.
$(GUEST_OUT)/init-host: $(GUEST_SRCS) $(GUEST_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -I$(GUEST_DIR) -o $@ $(GUEST_SRCS) $(LDFLAGS)

CHECK_DEPS += $(GUEST_OUT)/init-host
