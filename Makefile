# SPDX-License-Identifier: GPL-2.0
#
# xenintro top-level Makefile. The kernel objects are described in Kbuild;
# this file only drives Kbuild and the scripts under tests/.

# The running kernel's build tree, or where the running kernel has none (as
# on the build machines) the one linux-headers-amd64 installed today
# (tests/lib/debian.sh reads it from dpkg; no ABI is written down here).
KDIR ?= $(firstword $(wildcard /lib/modules/$(shell uname -r)/build) \
	$(shell $(CURDIR)/tests/lib/debian.sh kdir 2>/dev/null))

.PHONY: all modules userspace clean deps lint check check-e2e check-vm-trixie bench demo kunit soak \
	install modules_install uninstall modules_uninstall dkms-source

# Where `make install` puts things; the same names as userspace/Makefile's.
PREFIX ?= /usr/local
# systemd-modules-load reads $(PREFIX)/lib/modules-load.d for /usr and
# /usr/local alike (modules-load.d(5))
MODULES_LOAD_DIR ?= $(PREFIX)/lib/modules-load.d
# Kbuild puts modules built with M= under extra/ of the kernel's module
# directory; INSTALL_MOD_PATH (a staging root) and DEPMOD pass through.
INSTALL_MOD_DIR ?= extra
DEPMOD ?= depmod
# The release KDIR was built for, as its modules directory is named
# (Debian's header packages answer `make kernelrelease` with the upstream
# version instead).
KRELEASE = $(shell sed -n 's/^\#define UTS_RELEASE "\(.*\)"/\1/p' \
	$(KDIR)/include/generated/utsrelease.h 2>/dev/null)

all: modules userspace

modules:
	@test -n "$(KDIR)" || { echo "no kernel build tree: run 'make deps' or set KDIR" >&2; exit 1; }
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

userspace:
	$(MAKE) -C userspace

# The modules into /lib/modules/<KDIR's release>/extra/, then depmod, so
# that `modprobe xenintro_xen` finds them (and xenintro.ko, which it
# needs). INSTALL_MOD_PATH=DIR stages them under DIR instead.
modules_install: modules
	$(MAKE) -C $(KDIR) M=$(CURDIR) INSTALL_MOD_DIR=$(INSTALL_MOD_DIR) \
		DEPMOD=$(DEPMOD) modules_install

# Kbuild keeps the modules' directory in the tree: extra/kmod/xenintro.ko
MOD_INSTALLED = $(INSTALL_MOD_PATH)/lib/modules/$(KRELEASE)/$(INSTALL_MOD_DIR)
modules_uninstall:
	@test -n "$(KRELEASE)" || { echo "no kernel build tree: run 'make deps' or set KDIR" >&2; exit 1; }
	rm -f $(MOD_INSTALLED)/kmod/xenintro*.ko
	-rmdir $(MOD_INSTALLED)/kmod $(MOD_INSTALLED) 2>/dev/null
	if [ -e $(INSTALL_MOD_PATH)/lib/modules/$(KRELEASE)/modules.dep ]; then \
		$(DEPMOD) -a -b $(or $(INSTALL_MOD_PATH),/) $(KRELEASE); fi

# Everything a dom0 needs: the modules, xenintro.ko and xenintro_xen.ko
# loaded at boot by systemd-modules-load (which the agent's unit starts
# after), and the userspace (userspace/Makefile: library, agent, unit,
# tool, man pages, example policies). PREFIX, DESTDIR as there.
install: modules_install
	$(MAKE) -C userspace install
	install -d $(DESTDIR)$(MODULES_LOAD_DIR)
	printf '# xenintro: the Xen 4.17 backend, and the core it needs\nxenintro_xen\n' \
		> $(DESTDIR)$(MODULES_LOAD_DIR)/xenintro.conf

uninstall: modules_uninstall
	$(MAKE) -C userspace uninstall
	rm -f $(DESTDIR)$(MODULES_LOAD_DIR)/xenintro.conf

# The DKMS source tree, /usr/src/xenintro-<version> (DESTDIR stages it):
# dkms.conf with its version filled in, Kbuild, the module sources and the
# uAPI header; no tests, no build products. Then, as root:
#   dkms install xenintro/<version>
# The version is debian/changelog's, the one place it is written.
PKG_VERSION := $(shell sed -n '1s/^[^(]*(\([^)]*\)).*/\1/p' $(CURDIR)/debian/changelog)
DKMS_SRC = $(DESTDIR)/usr/src/xenintro-$(PKG_VERSION)
dkms-source:
	@test -n "$(PKG_VERSION)" || { echo "no version in debian/changelog" >&2; exit 1; }
	install -d $(DKMS_SRC)/kmod/xen $(DKMS_SRC)/uapi/linux
	sed 's/#MODULE_VERSION#/$(PKG_VERSION)/' dkms.conf > $(DKMS_SRC)/dkms.conf
	install -m 644 Kbuild $(DKMS_SRC)/
	install -m 644 kmod/Kbuild kmod/*.c kmod/*.h $(DKMS_SRC)/kmod/
	install -m 644 kmod/xen/*.c kmod/xen/*.h $(DKMS_SRC)/kmod/xen/
	install -m 644 uapi/linux/xenintro.h $(DKMS_SRC)/uapi/linux/

clean:
	-$(MAKE) -C $(KDIR) M=$(CURDIR) clean 2>/dev/null
	-$(MAKE) -C userspace clean

# Installs every Debian package any target needs (idempotent, needs root).
deps:
	tests/deps.sh

# W=1, sparse (C=2) and checkpatch --strict; all three must be clean.
lint: deps
	tests/lint.sh

# Every test layer; ends with one "N passed, N failed" line.
check: deps
	tests/check.sh

# Only the Xen end-to-end layers (Debian 12's and Debian 13's Xen under
# QEMU), counted the same way.
check-e2e: deps
	XENINTRO_LAYERS="e2e e2e-trixie" tests/check.sh

# The kselftests and KUnit-in-VM on a debug kernel built from Debian 13's
# 6.12 source (not in check: its first run builds that kernel).
check-vm-trixie: deps
	XENINTRO_LAYERS="vm-trixie" tests/check.sh

# KUnit the way kernel CI runs it (kunit.py, UML).
kunit: deps
	tests/kunit/run-kunit-py.sh

bench: deps
	tests/bench.sh

# The long campaigns: the simulator's attach/destroy race 2000 rounds per
# point (10,000 in all), 10,000 random session cycles, a million fuzzed
# ioctls and a million fuzzed ring records, in the debug kernel (KASAN,
# lockdep, kmemleak), then 100 attach/detach cycles on Xen; counted like
# make check.
soak: deps
	tests/soak.sh

demo: deps
	tests/demo.sh
