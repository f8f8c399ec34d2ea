# Malformed-kernel corpus generator (tests/e2e/kernel_corpus.sh runs it
# over Debian's cloud bzImage).
GEN_CORPUS := $(BUILD)/tests/corpus/gen_corpus

$(GEN_CORPUS): tests/corpus/gen_corpus.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $< $(LDFLAGS)

.PHONY: corpus-gen
corpus-gen: $(GEN_CORPUS)

CHECK_DEPS += $(GEN_CORPUS)
