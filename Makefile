# custody - build, test, install.  See README.md.

VERSION  := 0.1.0
PREFIX   ?= /usr/local
BINDIR   ?= $(PREFIX)/bin
LIBDIR   ?= $(PREFIX)/lib
INCDIR   ?= $(PREFIX)/include
MANDIR   ?= $(PREFIX)/share/man
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig
DESTDIR  ?=

CC       = gcc
BUILD    ?= build
# libbfio before libvslvm: libvslvm carries a copy of libbfio's functions
# and exports them; the first in link order is the one every library uses
PKGS     := openssl jansson libewf libdeflate tsk libqcow libarchive libmagic \
            libpsl yara libbfio libfsxfs libvslvm zlib liblzma
SANITIZE ?=

# pkg-config runs when a recipe needs the flags, i.e. after `deps` has
# installed the packages on a fresh machine (recursive `=` on purpose).
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS))
PKG_LIBS   = $(shell pkg-config --libs $(PKGS)) $(UCL_LIBS)
# libucl (the UCL decompressor of ZeuS config.bin items) and libbz2 (the
# decoders' bzip2) have no pkg-config file in Debian
UCL_LIBS   := -lucl -lbz2
FUSE_CFLAGS = $(shell pkg-config --cflags fuse3)
FUSE_LIBS   = $(shell pkg-config --libs fuse3)
CMOCKA_CFLAGS = $(shell pkg-config --cflags cmocka)
CMOCKA_LIBS   = $(shell pkg-config --libs cmocka)

WARN     := -Wall -Wextra -Werror -Wformat=2 -Wshadow -Wvla
CFLAGS   ?= -O2 -g
ALL_CFLAGS = -std=c11 -D_GNU_SOURCE -DCUSTODY_VERSION='"$(VERSION)"' \
             $(WARN) $(CFLAGS) $(SANITIZE) -pthread -fPIC -Iinclude -Itools \
             $(PKG_CFLAGS)
ALL_LDFLAGS = $(LDFLAGS) $(SANITIZE) -pthread

LIB_SRC   := $(sort $(wildcard lib/*.c lib/extractors/*.c))
LIB_OBJ   := $(LIB_SRC:%.c=$(BUILD)/%.o)
LIB_A     := $(BUILD)/libcustody.a
LIB_SO    := $(BUILD)/libcustody.so.0
CLI_OBJ   := $(BUILD)/tools/cli.o $(BUILD)/tools/prompt.o
TOOL_SRC  := $(sort $(wildcard tools/custody*.c))
TOOLS     := $(TOOL_SRC:tools/%.c=$(BUILD)/bin/%)
UNIT_SRC  := $(sort $(wildcard tests/unit/test_*.c))
UNITS     := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
HEADERS   := $(wildcard include/custody/*.h)
MANPAGES  := $(wildcard docs/man/*.1)

.PHONY: all deps check asan fuzz install demo bench clean units
.DEFAULT_GOAL := all
.SECONDARY:

all: $(TOOLS) $(LIB_A) $(LIB_SO)

deps:
	@sh build-aux/deps.sh

# Every object waits for `deps` (order-only: it never forces a rebuild).
$(BUILD)/%.o: %.c $(HEADERS) $(wildcard lib/*.h lib/extractors/*.h) | deps
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/tools/%.o: tools/cli.h tools/prompt.h

$(LIB_A): $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(LIB_SO): $(LIB_OBJ)
	$(CC) -shared -Wl,-soname,libcustody.so.0 -o $@ $^ $(ALL_LDFLAGS) $(PKG_LIBS)

$(BUILD)/bin/%: $(BUILD)/tools/%.o $(CLI_OBJ) $(LIB_A)
	@mkdir -p $(@D)
	$(CC) -o $@ $< $(CLI_OBJ) $(LIB_A) $(ALL_LDFLAGS) $(PKG_LIBS)

$(BUILD)/tests/%: tests/unit/%.c tests/unit/testutil.h tests/unit/xtest.h tests/unit/xmem.h $(LIB_A) $(HEADERS) | deps
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(CMOCKA_CFLAGS) -o $@ $< $(LIB_A) \
		$(ALL_LDFLAGS) $(PKG_LIBS) $(CMOCKA_LIBS)

units: $(UNITS)

# Test fixtures: programs the tests run as real peers (the faulty disk)
# and small drivers of library modules (mdraid-cat).
FIXTURE_SRC := $(sort $(wildcard tests/fixtures/*.c))
FIXTURES    := $(FIXTURE_SRC:tests/fixtures/%.c=$(BUILD)/fixtures/%)

$(BUILD)/fixtures/%: tests/fixtures/%.c $(LIB_A) $(HEADERS) | deps
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(FUSE_CFLAGS) -o $@ $< $(LIB_A) $(ALL_LDFLAGS) \
		$(FUSE_LIBS) $(PKG_LIBS)

# The fuzz harnesses, linked with a replay main: `make check` runs them over
# the seed corpus; `make fuzz` runs them under libFuzzer.
FUZZ_SRC  := $(sort $(wildcard tests/fuzz/fuzz_*.c))
REPLAYS   := $(FUZZ_SRC:tests/fuzz/%.c=$(BUILD)/fuzz/%)
FUZZ_SECONDS ?= 60

$(BUILD)/fuzz/%: tests/fuzz/%.c tests/fuzz/replay.c tests/fuzz/fuzz.h tests/fuzz/fuzz_x.h $(LIB_A) | deps
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -Itests/fuzz -o $@ $< tests/fuzz/replay.c $(LIB_A) \
		$(ALL_LDFLAGS) $(PKG_LIBS)

check: all units $(REPLAYS) $(FIXTURES)
	@sh tests/run.sh $(BUILD)

fuzz: deps
	@$(MAKE) --no-print-directory BUILD=build-fuzz CC=clang CFLAGS='-O1 -g' \
		SANITIZE='-fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer' \
		build-fuzz/libcustody.a
	@for src in $(FUZZ_SRC); do \
		name=$$(basename $$src .c); \
		clang $(ALL_CFLAGS) -fsanitize=fuzzer,address,undefined -Itests/fuzz \
			-o build-fuzz/$$name $$src build-fuzz/libcustody.a \
			$(PKG_LIBS) -pthread || exit 1; \
		mkdir -p build-fuzz/corpus/$$name; \
		cp tests/fuzz/corpus/$$name/* build-fuzz/corpus/$$name/; \
		echo "fuzzing $$name for $(FUZZ_SECONDS) s"; \
		build-fuzz/$$name -max_total_time=$(FUZZ_SECONDS) -max_len=65536 \
			build-fuzz/corpus/$$name || exit 1; \
	done

# The same tests under AddressSanitizer and UndefinedBehaviorSanitizer.
asan: deps
	@$(MAKE) --no-print-directory BUILD=build-asan CFLAGS='-O1 -g' \
		SANITIZE='-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all' \
		check

demo: all
	@sh demo/demo.sh $(BUILD)

# Small drivers that time library calls directly (bench/*.c).
BENCH_SRC := $(sort $(wildcard bench/*.c))
BENCHES   := $(BENCH_SRC:bench/%.c=$(BUILD)/bench/%)

$(BUILD)/bench/%: bench/%.c $(LIB_A) $(HEADERS) | deps
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(LIB_A) $(ALL_LDFLAGS) $(PKG_LIBS)

bench: all $(BENCHES)
	@sh bench/hash.sh $(BUILD)
	@sh bench/image.sh $(BUILD)
	@sh bench/verify.sh $(BUILD)
	@sh bench/carve.sh $(BUILD)
	@sh bench/extract.sh $(BUILD)
	@sh bench/extractors.sh $(BUILD)
	@sh bench/layers.sh $(BUILD)
	@sh bench/bulk.sh $(BUILD)

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBDIR) $(DESTDIR)$(INCDIR)/custody \
		$(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(PKGCONFIGDIR)
	install -m 0755 $(TOOLS) $(DESTDIR)$(BINDIR)
	install -m 0644 $(LIB_A) $(DESTDIR)$(LIBDIR)
	install -m 0755 $(LIB_SO) $(DESTDIR)$(LIBDIR)
	ln -sf libcustody.so.0 $(DESTDIR)$(LIBDIR)/libcustody.so
	install -m 0644 $(HEADERS) $(DESTDIR)$(INCDIR)/custody
	install -m 0644 $(MANPAGES) $(DESTDIR)$(MANDIR)/man1
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(LIBDIR)|' \
	    -e 's|@INCDIR@|$(INCDIR)|' -e 's|@VERSION@|$(VERSION)|' \
	    custody.pc.in > $(DESTDIR)$(PKGCONFIGDIR)/custody.pc

clean:
	rm -rf build build-asan build-fuzz
