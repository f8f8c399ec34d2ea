# SPDX-License-Identifier: MIT
# Fuzz targets of the network code (tests/fuzz/00-rules.mk has the rules).
FUZZ_NET_BINS := $(FUZZ_DIR)/fuzz_dhcp_snoop $(FUZZ_DIR)/fuzz_stream

$(FUZZ_DIR)/fuzz_dhcp_snoop: tests/fuzz/fuzz_dhcp_snoop.c src/lib/net/dhcp_snoop.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_FLAGS) -o $@ $^

$(FUZZ_DIR)/fuzz_stream: tests/fuzz/fuzz_stream.c src/lib/net/stream.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_FLAGS) -o $@ $^

FUZZ_BINS += $(FUZZ_NET_BINS)
ifneq ($(FUZZ_HAVE_CC),)
CHECK_DEPS += $(FUZZ_NET_BINS)
endif

# bingo's DHCP client (guest code, but it parses what the network sends)
$(FUZZ_DIR)/fuzz_guest_dhcp: tests/fuzz/fuzz_guest_dhcp.c guest/dhcp.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_FLAGS) -Iguest -o $@ $^

FUZZ_BINS += $(FUZZ_DIR)/fuzz_guest_dhcp
ifneq ($(FUZZ_HAVE_CC),)
CHECK_DEPS += $(FUZZ_DIR)/fuzz_guest_dhcp
endif
