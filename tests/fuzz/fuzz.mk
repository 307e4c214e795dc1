# fuzz.mk - fuzz targets of solum's parsers of untrusted input
#
#   make fuzz                 libFuzzer binaries in $(B)/fuzz/<name> (clang)
#   $(B)/fuzz/sshcmd tests/fuzz/corpus/sshcmd -max_total_time=60
#   $(FUZZ_REPLAY)            the same targets built with $(CC) over their
#                             corpus, as TAP tests for `make check`
#
# $(B)/libsolum.a is built by $(CC) without coverage, so the libFuzzer
# binaries compile the modules each target needs again with clang.

FUZZ_CC ?= clang
FUZZ_SANITIZE ?= fuzzer,address,undefined
FUZZ_TARGETS = sshcmd authkeys dockerignore jsonstream config hookline \
	clouds catalog template heat glance webhookev

# What each target links: its module and what that module calls.
FUZZ_MODS_sshcmd = sshcmd name strvec buf err
FUZZ_MODS_authkeys = authkeys name buf err
FUZZ_MODS_dockerignore = dockerignore buf err
FUZZ_MODS_jsonstream = jsonstream buf err
FUZZ_MODS_config = config yamldoc file buf err
FUZZ_MODS_hookline = hookinput name buf err
FUZZ_MODS_clouds = clouds yamldoc file strvec buf err
FUZZ_MODS_catalog = keystone clouds yamldoc file http strvec buf err
FUZZ_MODS_template = template yamldoc file strvec buf err
FUZZ_MODS_heat = heatevents name strvec buf err
FUZZ_MODS_glance = glance name keystone clouds yamldoc file http strvec buf err
FUZZ_MODS_webhookev = webhookev name buf err

# UBSan stops at the first finding, so that libFuzzer keeps a reproducer.
FUZZ_CFLAGS = $(ALL_CFLAGS) -fno-omit-frame-pointer \
	-fno-sanitize-recover=all -fsanitize=$(subst fuzzer,fuzzer-no-link,$(FUZZ_SANITIZE))
FUZZ_LDFLAGS = -fsanitize=$(FUZZ_SANITIZE)

FUZZ_BIN = $(FUZZ_TARGETS:%=$(B)/fuzz/%)
FUZZ_REPLAY = $(FUZZ_TARGETS:%=$(B)/tests/fuzz-%)

fuzz: $(FUZZ_BIN)

$(B)/fuzz/obj/%.o: agent/%.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -c -o $@ $<

$(B)/fuzz/obj/fuzz-%.o: tests/fuzz/fuzz-%.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -c -o $@ $<

$(B)/fuzz/obj/repo.o: $(B)/gen/hooktext.h

define FUZZ_template
$$(B)/fuzz/$(1): $$(B)/fuzz/obj/fuzz-$(1).o \
		$$(FUZZ_MODS_$(1):%=$$(B)/fuzz/obj/%.o)
	$$(FUZZ_CC) $$(FUZZ_LDFLAGS) -o $$@ $$^ $$(LIBS)

$$(B)/tests/fuzz/replay-$(1).o: tests/fuzz/replay.c
	@mkdir -p $$(@D)
	$$(CC) $$(ALL_CFLAGS) \
		-DCORPUS_DIR='"$$(CURDIR)/tests/fuzz/corpus/$(1)"' -c -o $$@ $$<

$$(B)/tests/fuzz-$(1): $$(B)/tests/fuzz/fuzz-$(1).o \
		$$(B)/tests/fuzz/replay-$(1).o $$(B)/libsolum.a
	$$(CC) $$(LDFLAGS) -o $$@ $$^ $$(LIBS)
endef
$(foreach t,$(FUZZ_TARGETS),$(eval $(call FUZZ_template,$(t))))

$(B)/tests/fuzz/fuzz-%.o: tests/fuzz/fuzz-%.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

.PHONY: fuzz

-include $(wildcard $(B)/fuzz/obj/*.d $(B)/tests/fuzz/*.d)
