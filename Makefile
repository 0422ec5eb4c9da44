# scr: one Makefile for the whole tree; each folder adds its part in module.mk.
#   make deps | all | check | demo | bench | install PREFIX=... | clean

PREFIX   ?= /usr/local
SYSCONFDIR ?= /etc
BUILD    := build
CC       := gcc
MPICC    ?= mpicc
CFLAGS   ?= -O2 -g
WARN     := -Wall -Wextra -Wno-unused-parameter -Wshadow -Wstrict-prototypes
ALL_CFLAGS = -std=gnu11 -fPIC -fvisibility=hidden $(WARN) $(CFLAGS)
CPPFLAGS += -DSCR_SYSTEM_CONF='"$(SYSCONFDIR)/scr.conf"'
# Each folder's module.mk sets INCLUDES for its objects: only the headers of
# the layers it may use, so the compiler enforces the layering.
LDLIBS_BASE := -lisal -lz

# Debian packages the build, tests and demo need.
DEB_PKGS := gcc g++ gfortran make pkg-config libopenmpi-dev openmpi-bin \
            libisal-dev zlib1g-dev libunwind-dev \
            slurmd slurmctld slurm-client munge pdsh lammps shellcheck

# objects are kept between builds
.SECONDARY:

.PHONY: all deps check unit mpi-tests demo bench install clean
.DEFAULT_GOAL := all

all:

include redundancy/module.mk
include core/module.mk
include interpose/module.mk
include cmds/module.mk
include tests/module.mk

# Installs only what is missing, so it is quick and quiet when all is there.
# policy-rc.d keeps apt from starting the SLURM and munge daemons it installs:
# the tests start their own cluster (tests/cluster/).
deps:
	@missing=""; for p in $(DEB_PKGS); do \
	  dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "deps: installing$$missing"; \
	  if [ "$$(id -u)" != 0 ]; then echo "deps: need root to install:$$missing" >&2; exit 1; fi; \
	  export DEBIAN_FRONTEND=noninteractive; \
	  policy=""; if [ ! -e /usr/sbin/policy-rc.d ]; then \
	    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod +x /usr/sbin/policy-rc.d; policy=1; fi; \
	  apt-get update -qq >/dev/null && apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	  rc=$$?; [ -z "$$policy" ] || rm -f /usr/sbin/policy-rc.d; \
	  [ $$rc = 0 ] || { echo "deps: apt-get install failed" >&2; exit 1; }; \
	fi

$(BUILD)/%.o: %.c | $(BUILD)/.dirs
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(INCLUDES) $(ALL_CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/mpi/%.o: %.c | $(BUILD)/.dirs
	@mkdir -p $(dir $@)
	$(MPICC) $(CPPFLAGS) $(INCLUDES) $(ALL_CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/.dirs:
	@mkdir -p $(BUILD)/lib $(BUILD)/bin $(BUILD)/tests
	@touch $@

install: all
	install -d $(DESTDIR)$(PREFIX)/lib $(DESTDIR)$(PREFIX)/include $(DESTDIR)$(PREFIX)/bin \
	           $(DESTDIR)$(PREFIX)/share/man/man1 $(DESTDIR)$(PREFIX)/lib/pkgconfig \
	           $(DESTDIR)$(PREFIX)/share/scr
	install -m 0755 $(INSTALL_LIBS) $(DESTDIR)$(PREFIX)/lib/
	install -m 0644 core/scr.h $(DESTDIR)$(PREFIX)/include/
	install -m 0755 $(INSTALL_BINS) $(DESTDIR)$(PREFIX)/bin/
	install -d $(DESTDIR)$(PREFIX)/libexec/scr
	$(if $(INSTALL_LIBEXEC),install -m 0644 $(INSTALL_LIBEXEC) $(DESTDIR)$(PREFIX)/libexec/scr/)
	install -m 0644 $(INSTALL_MANS) $(DESTDIR)$(PREFIX)/share/man/man1/
	install -m 0644 conf/scr.conf $(DESTDIR)$(PREFIX)/share/scr/scr.conf.example
	sed -e 's|@PREFIX@|$(PREFIX)|g' conf/scr.pc.in > $(DESTDIR)$(PREFIX)/lib/pkgconfig/scr.pc

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
