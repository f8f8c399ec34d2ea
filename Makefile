# charlie: plain Makefile (design.md 7.10).
#   make                 library + build/charlie
#   make check           every test suite; ends with "N passed, N failed"
#   make check SANITIZE=1  the same under ASan + UBSan (build in build/san)
# Parts of the tree add their own rules through */*.mk (guest, test host,
# test kernels, benchmarks) so their owners rarely touch this file.

CC ?= gcc
ifeq ($(origin CC),default)
CC := gcc
endif

SANITIZE ?= 0
ifeq ($(SANITIZE),1)
BUILD ?= build/san
SANFLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
else
BUILD ?= build
SANFLAGS :=
endif

CFLAGS ?= -O2 -g
CFLAGS += -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wno-unused-parameter \
	  -Iinclude -Isrc/lib -MMD -MP $(SANFLAGS)
LDFLAGS += $(SANFLAGS)
LDLIBS += -lpthread -lslirp

LIB_SRCS := $(shell find src/lib -name '*.c' | sort)
CLI_SRCS := $(sort $(wildcard src/cli/*.c))
LIB_OBJS := $(LIB_SRCS:%.c=$(BUILD)/obj/%.o)
CLI_OBJS := $(CLI_SRCS:%.c=$(BUILD)/obj/%.o)
UNIT_SRCS := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/unit/%)

LIBA := $(BUILD)/libcharlie.a
LIBSO := $(BUILD)/libcharlie.so
CHARLIE := $(BUILD)/charlie

.PHONY: all lib check check-unit deps clean format demo run print-unit-bins
all: $(CHARLIE) $(LIBSO)

lib: $(LIBA) $(LIBSO)

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -fPIC -c $< -o $@

$(LIBA): $(LIB_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@
	ar rcs $@ $^

$(LIBSO): $(LIB_OBJS)
	$(CC) $(LDFLAGS) -shared -o $@ $^ $(LDLIBS)

# The command links libcharlie statically: one file to copy into the test
# host, and no dynamic relocation work before the first vCPU entry.
$(CHARLIE): $(CLI_OBJS) $(LIBA)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/tests/unit/%: tests/unit/%.c $(LIBA)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $< $(LIBA) $(LDFLAGS) $(LDLIBS) -lcmocka

# test_boot_mutate and test_virtio_net (hostile network frames) once more
# with ASan + UBSan, against the library sources compiled with them
# (objects in $(SAN_UNIT)/obj), so `make check` catches an out-of-bounds
# access in the loaders and the network path even without SANITIZE=1.
# (With SANITIZE=1 every binary is sanitized already.)
SAN_UNIT := $(BUILD)/san-unit
SAN_UNIT_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer \
	-fno-sanitize-recover=all
SAN_UNIT_OBJS := $(LIB_SRCS:%.c=$(SAN_UNIT)/obj/%.o)
SAN_UNIT_BINS :=
ifneq ($(SANITIZE),1)
SAN_UNIT_BINS := $(SAN_UNIT)/test_boot_mutate_asan \
	$(SAN_UNIT)/test_virtio_net_asan $(SAN_UNIT)/test_pci_asan \
	$(SAN_UNIT)/test_virtio_pci_asan $(SAN_UNIT)/test_fw_asan
endif

$(SAN_UNIT)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(SAN_UNIT_FLAGS) -c $< -o $@

.SECONDARY: $(SAN_UNIT_OBJS)
$(SAN_UNIT)/%_asan: tests/unit/%.c $(SAN_UNIT_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(SAN_UNIT_FLAGS) -o $@ $^ $(LDFLAGS) \
		$(SAN_UNIT_FLAGS) $(LDLIBS) -lcmocka

# Extra test binaries and prerequisites contributed by */*.mk.
CHECK_DEPS :=
TEST_BINS :=
include $(wildcard */*.mk tests/*/*.mk)

deps:
	@scripts/setup.sh

# The main job (README): boots bingo.img on charlie and fetches Hello,
# World! through the forwarded port; `make run` is the interactive one.
demo: deps all guest
	@scripts/demo.sh

run: deps all guest
	@scripts/run.sh

check-unit: $(UNIT_BINS)

# The unit binaries tests/run.sh runs: exactly these (from the current
# sources), never whatever else sits in $(BUILD)/tests/unit.  *.mk files
# add theirs to TEST_BINS.
TEST_BINS += $(UNIT_BINS) $(SAN_UNIT_BINS)

check: deps all $(TEST_BINS) $(CHECK_DEPS)
	@CHARLIE_BUILD=$(BUILD) SANITIZE=$(SANITIZE) UNIT_BINS="$(strip $(TEST_BINS))" tests/run.sh

print-unit-bins:
	@echo $(TEST_BINS)

# The same files tests/e2e/style.sh checks: scripts/format-files.sh lists them.
format:
	clang-format -i $$(scripts/format-files.sh)

clean:
	rm -rf build

-include $(shell find $(BUILD)/obj $(BUILD)/san-unit/obj -name '*.d' 2>/dev/null)

