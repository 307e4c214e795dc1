# solum - push-to-deploy agent for OpenStack
#
#   make                      build $(B)/solum, $(B)/solum-hook and $(B)/test-tool
#   make check                unit tests (cmocka) and shell tests under prove
#   make DEVELOPER=1          warnings are errors
#   make SANITIZE=address,undefined check
#   make install PREFIX=/usr/local DESTDIR=

PREFIX ?= /usr/local
BINDIR = $(PREFIX)/bin
SHAREDIR = $(PREFIX)/share/solum
MANDIR = $(PREFIX)/share/man/man1

B ?= build
CC ?= cc
PKG_CONFIG ?= pkg-config
PKGS = libssh libgit2 libarchive libcurl jansson yaml-0.1 sqlite3 libmicrohttpd \
	libcrypto

CFLAGS ?= -O2 -g
ALL_CFLAGS = -std=gnu11 -D_GNU_SOURCE -Iagent -I$(B)/gen $(CFLAGS) \
	-DSOLUM_TEMPLATES_DIR='"$(SHAREDIR)/templates"' \
	-DSOLUM_SOURCE_TEMPLATES='"$(CURDIR)/templates"' \
	$(shell $(PKG_CONFIG) --cflags $(PKGS))
LIBS = $(shell $(PKG_CONFIG) --libs $(PKGS)) -lpthread
CMOCKA_LIBS = $(shell $(PKG_CONFIG) --libs cmocka)

ifdef DEVELOPER
ALL_CFLAGS += -Wall -Wextra -Werror -Wformat=2 -Wshadow \
	-Wmissing-prototypes -Wstrict-prototypes -Wvla -Wpointer-arith \
	-Wno-unused-parameter -Wno-format-nonliteral
endif
ifdef SANITIZE
ALL_CFLAGS += -fsanitize=$(SANITIZE) -fno-omit-frame-pointer \
	-fno-sanitize-recover=all
LDFLAGS += -fsanitize=$(SANITIZE)
endif
ALL_CFLAGS += -MMD -MP

AGENT_SRC = $(filter-out agent/main.c agent/hookmain.c, $(wildcard agent/*.c))
AGENT_OBJ = $(AGENT_SRC:agent/%.c=$(B)/agent/%.o)
UNIT_SRC = $(wildcard tests/unit/*.c)
UNIT_BIN = $(UNIT_SRC:tests/unit/%.c=$(B)/tests/%)
# the longest first, so that two at a time (PROVE_FLAGS) end together
SLOW_TESTS = $(addprefix tests/, t5010-nova.sh t7500-openstack.sh \
	t5200-glance.sh t5300-heat.sh t5000-openstack.sh t7100-deploy-failures.sh)
SHELL_TESTS = $(foreach t, $(SLOW_TESTS), $(filter $(t), $(wildcard tests/t[0-9]*.sh))) \
	$(sort $(filter-out $(SLOW_TESTS), $(wildcard tests/t[0-9]*.sh)))
# tests wait on services more than they compute: two run at a time
PROVE_FLAGS ?= -j2
TOOL_SRC = $(wildcard tests/tool-*.c)
TOOL_OBJ = $(TOOL_SRC:tests/%.c=$(B)/tests/%.o)

# solum-hook: the post-receive hook's first step, on libc and SQLite alone
HOOK_OBJ = $(addprefix $(B)/agent/, hookmain.o hookinput.o file.o name.o \
	buf.o err.o)
HOOK_LIBS = $(shell $(PKG_CONFIG) --libs sqlite3)

all: $(B)/solum $(B)/solum-hook $(B)/test-tool $(UNIT_BIN)

# libFuzzer targets (make fuzz) and their corpora replayed by make check
include tests/fuzz/fuzz.mk

$(B)/gen/hooktext.h: hooks/post-receive hooks/pre-receive Makefile
	@mkdir -p $(@D)
	{ for f in post-receive pre-receive; do \
		printf 'static const char hook_%s[] =\n' "$$(echo $$f | tr - _)"; \
		sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/^/\t"/' -e 's/$$/\\n"/' hooks/$$f; \
		printf ';\n'; \
	done; } > $@+ && mv $@+ $@

$(B)/agent/repo.o: $(B)/gen/hooktext.h

$(B)/agent/%.o: agent/%.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(B)/tests/%.o: tests/%.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(B)/tests/unit/%.o: tests/unit/%.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

# the shipped templates are checked by the unit test that parses them
$(B)/tests/unit/template.o: ALL_CFLAGS += -DSOURCE_DIR='"$(CURDIR)"'
# and the webhook parser's test reads GitLab's documented payloads
$(B)/tests/unit/webhookev.o: ALL_CFLAGS += -DSOURCE_DIR='"$(CURDIR)"'

$(B)/libsolum.a: $(AGENT_OBJ)
	rm -f $@
	$(AR) rcs $@ $^

$(B)/solum: $(B)/agent/main.o $(B)/libsolum.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)

$(B)/solum-hook: $(HOOK_OBJ)
	$(CC) $(LDFLAGS) -o $@ $^ $(HOOK_LIBS)

$(B)/test-tool: $(B)/tests/test-tool.o $(TOOL_OBJ) $(B)/libsolum.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)

$(B)/tests/%: $(B)/tests/unit/%.o $(B)/libsolum.a
	$(CC) $(LDFLAGS) -o $@ $^ $(CMOCKA_LIBS) $(LIBS)

check: all $(FUZZ_REPLAY)
	SOLUM_BUILD=$(abspath $(B)) prove --exec '' --timer $(PROVE_FLAGS) \
		$(UNIT_BIN) $(FUZZ_REPLAY) $(SHELL_TESTS)

install: $(B)/solum $(B)/solum-hook
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(SHAREDIR)/hooks \
		$(DESTDIR)$(SHAREDIR)/templates $(DESTDIR)$(MANDIR)
	install -m 755 $(B)/solum $(DESTDIR)$(BINDIR)/solum
	install -m 755 $(B)/solum-hook $(DESTDIR)$(BINDIR)/solum-hook
	install -m 755 hooks/post-receive hooks/pre-receive $(DESTDIR)$(SHAREDIR)/hooks/
	for f in templates/*; do [ -f "$$f" ] && install -m 644 "$$f" $(DESTDIR)$(SHAREDIR)/templates/; done; true
	install -m 644 solum.1 $(DESTDIR)$(MANDIR)/solum.1

# The README's first command, on a machine with nothing installed: the
# packages first, then the build (a new make, whose pkg-config calls see
# the libraries just installed), then the demo.
demo:
	bash scripts/deps.sh
	$(MAKE) all
	SOLUM_DEMO_BUILT=$(abspath $(B)) bash scripts/demo.sh start

demo-stop:
	bash scripts/demo.sh stop

clean:
	rm -rf $(B)

.PHONY: all check install clean demo demo-stop
.SECONDARY:

-include $(wildcard $(B)/agent/*.d $(B)/tests/*.d $(B)/tests/unit/*.d)
