# SPDX-License-Identifier: MIT
# Fuzz targets of the virtio code: queue.c's walker and each device's
# request handling over synthetic guest memory (tests/fuzz/00-rules.mk has
# the rules).
# the whole library: config.c reaches the net, vsock and disk checks
FUZZ_LIB_SRCS := $(LIB_SRCS)
FUZZ_VIRTIO_TARGETS := fuzz_queue fuzz_blk fuzz_rng fuzz_console
FUZZ_VIRTIO_BINS := $(FUZZ_VIRTIO_TARGETS:%=$(FUZZ_DIR)/%)

$(FUZZ_DIR)/fuzz_queue: tests/fuzz/fuzz_queue.c $(FUZZ_LIB_SRCS)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_FLAGS) -o $@ $^ -lslirp -lpthread

$(FUZZ_DIR)/fuzz_blk $(FUZZ_DIR)/fuzz_rng $(FUZZ_DIR)/fuzz_console: \
		$(FUZZ_DIR)/fuzz_%: tests/fuzz/fuzz_dev.c $(FUZZ_LIB_SRCS) tests/unit/fake_host.h
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_FLAGS) -DFUZZ_DEV=$(if $(filter blk,$*),0,$(if $(filter rng,$*),1,2)) \
		-o $@ tests/fuzz/fuzz_dev.c $(FUZZ_LIB_SRCS) -lslirp -lpthread

FUZZ_BINS += $(FUZZ_VIRTIO_BINS)
ifneq ($(FUZZ_HAVE_CC),)
CHECK_DEPS += $(FUZZ_VIRTIO_BINS)
endif
