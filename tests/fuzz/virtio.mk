# SPDX-License-Identifier: MIT
# Fuzz targets of the virtio code: queue.c's walker and each device's
# request handling over synthetic guest memory (tests/fuzz/fuzz.mk has
# the rules).
FUZZ_LIB_SRCS := src/lib/virtio/queue.c src/lib/virtio/virtio.c \
	src/lib/virtio/mmio.c src/lib/virtio/blk.c src/lib/virtio/rng.c \
	src/lib/virtio/console.c src/lib/gm.c src/lib/host.c src/lib/bus.c \
	src/lib/loop.c src/lib/config.c src/lib/err.c src/lib/boot/*.c
FUZZ_VIRTIO_TARGETS := fuzz_queue fuzz_blk fuzz_rng fuzz_console
FUZZ_VIRTIO_BINS := $(FUZZ_VIRTIO_TARGETS:%=$(FUZZ_DIR)/%)

$(FUZZ_DIR)/fuzz_queue: tests/fuzz/fuzz_queue.c $(FUZZ_LIB_SRCS)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_FLAGS) -o $@ $^ -lpthread

$(FUZZ_DIR)/fuzz_blk $(FUZZ_DIR)/fuzz_rng $(FUZZ_DIR)/fuzz_console: \
		$(FUZZ_DIR)/fuzz_%: tests/fuzz/fuzz_dev.c $(FUZZ_LIB_SRCS) tests/unit/fake_host.h
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_FLAGS) -DFUZZ_DEV=$(if $(filter blk,$*),0,$(if $(filter rng,$*),1,2)) \
		-o $@ tests/fuzz/fuzz_dev.c $(FUZZ_LIB_SRCS) -lpthread

FUZZ_BINS += $(FUZZ_VIRTIO_BINS)
ifneq ($(FUZZ_HAVE_CC),)
CHECK_DEPS += $(FUZZ_VIRTIO_BINS)
endif
