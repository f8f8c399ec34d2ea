# Malformed-kernel corpus generator (tests/e2e/kernel_corpus.sh runs it
# over Debian's cloud bzImage).
GEN_CORPUS := $(BUILD)/tests/corpus/gen_corpus

$(GEN_CORPUS): tests/corpus/gen_corpus.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $< $(LDFLAGS)

.PHONY: corpus-gen
corpus-gen: $(GEN_CORPUS)

CHECK_DEPS += $(GEN_CORPUS)

# A synthetic bzImage, the corpus base when Debian's kernel cannot be
# fetched.
MK_BZIMAGE := $(BUILD)/tests/corpus/mk_bzimage

$(MK_BZIMAGE): tests/corpus/mk_bzimage.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $< $(LDFLAGS)

corpus-gen: $(MK_BZIMAGE)
CHECK_DEPS += $(MK_BZIMAGE)

# Malformed disk images (tests/disk/cases.h), for tests/e2e/disk_corpus.sh.
GEN_DISK_CORPUS := $(BUILD)/tests/corpus/gen_disk_corpus

$(GEN_DISK_CORPUS): tests/corpus/gen_disk_corpus.c tests/disk/cases.h \
		tests/disk/mkdisk.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $< $(LDFLAGS)

corpus-gen: $(GEN_DISK_CORPUS)
CHECK_DEPS += $(GEN_DISK_CORPUS)
