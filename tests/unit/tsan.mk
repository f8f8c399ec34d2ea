# SPDX-License-Identifier: MIT
# The lifecycle test under ThreadSanitizer (issue 6): the library and the
# test built with -fsanitize=thread in $(BUILD)/tsan; LIFECYCLE_ITERS
# repeats every case.  tests/e2e/lifecycle_tsan.sh runs it in make check.
TSAN_DIR := $(BUILD)/tsan
TSAN_FLAGS := -fsanitize=thread -fno-omit-frame-pointer -Wno-tsan
TSAN_LIFECYCLE := $(TSAN_DIR)/test_lifecycle
$(TSAN_LIFECYCLE): $(LIB_SRCS) tests/unit/test_lifecycle.c $(wildcard src/lib/*.h src/lib/*/*.h include/*.h)
	@mkdir -p $(dir $@)
	$(CC) -O1 -g -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror \
		-Wno-unused-parameter -Iinclude -Isrc/lib $(TSAN_FLAGS) \
		-o $@ $(LIB_SRCS) tests/unit/test_lifecycle.c $(LDLIBS) -lcmocka

.PHONY: tsan-lifecycle
tsan-lifecycle: $(TSAN_LIFECYCLE) $(TINY_ELFS)
	CHARLIE_BUILD=$(BUILD) LIFECYCLE_ITERS=$${LIFECYCLE_ITERS:-1000} \
		CMOCKA_MESSAGE_OUTPUT=TAP TSAN_OPTIONS=halt_on_error=1 $(TSAN_LIFECYCLE)
CHECK_DEPS += $(TSAN_LIFECYCLE)
