#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Install every Debian package a xenintro target needs (build, lint, tests,
# QEMU/Xen runs). Idempotent: apt-get runs only when a package is missing,
# so `make check` can depend on this cheaply. Non-interactive.
set -euo pipefail

# ---------------------------------------------------------------------------
# PACKAGES: extend this list when a target needs something new. One package
# per line, a comment saying who needs it. Debian 12 (bookworm) names only;
# nothing else can be downloaded on the build machines.
PACKAGES=(
	# Only metapackages where Debian moves versions (a kernel ABI, a
	# source or Xen release): tests/lib/debian.sh reads which package each
	# one depends on today, and tests/pins-check.sh fails on a pinned name.
	# kernel module build against the production (Debian) kernel
	linux-headers-amd64
	# production dom0 kernel for the Xen end-to-end tests (paired with
	# the headers: tests/lib/debian.sh checks both name the same ABI)
	linux-image-amd64
	# debug/KUnit kernel, kunit.py, kselftest_harness.h, checkpatch.pl
	linux-source bc flex bison libelf-dev libssl-dev dwarves
	# the kernel build itself
	gcc make perl pkg-config kmod rsync xz-utils
	# static analysis (make C=2)
	sparse
	# a Debian 13 root to build the modules against Debian 13's kernel
	# headers with its gcc (tests/lib/trixie.sh), and the clean Debian 12
	# root the packages are installed in (tests/lib/pkgroot.sh)
	debootstrap
	# the Debian packages (debian/, dpkg-buildpackage; dh-dkms is dh_dkms)
	# and their checks (tests/pkg/run.sh)
	dpkg-dev debhelper dh-dkms dkms fakeroot lintian
	# QEMU (TCG only) and the initramfs of the test VM
	qemu-system-x86 busybox-static cpio gzip
	# Xen under QEMU for the end-to-end tests (hypervisor and tools of
	# Debian's release: 4.17 on Debian 12)
	xen-system-amd64 libxen-dev
	# GRUB for Xen PVH guests (grub-mkimage and its i386-xen_pvh modules):
	# the end-to-end guests boot through it so that KASLR randomizes them
	grub-common grub-xen-bin
	# test harness scripts (tests/lib/tapcount.py, kunit.py)
	python3
	# userspace (libxenintro, tools, agent)
	libc6-dev
	# the policy parser under libFuzzer (ASan+UBSan): clang and its
	# fuzzer runtime, both Debian's unversioned metapackages
	clang libclang-rt-dev
	# xenintro profile: a guest kernel's BTF through libbpf, its vmlinuz
	# unpacked with liblzma and zlib (.a files too, for the static build)
	libbpf-dev liblzma-dev zlib1g-dev
	# xenintro-agent: the policy file (YAML, with line/column marks for
	# errors) and the JSON event log; their .a files for the static VM
	# build (userspace/README.md says why these two)
	libyaml-dev libjansson-dev
)
# ---------------------------------------------------------------------------

missing=()
for p in "${PACKAGES[@]}"; do
	# dpkg-query prints "install ok installed" only for a fully installed
	# package; anything else (absent, half-configured) is installed again.
	st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	[ "$st" = "install ok installed" ] || missing+=("$p")
done

if [ "${#missing[@]}" -eq 0 ]; then
	echo "deps: all ${#PACKAGES[@]} packages installed"
	exit 0
fi

echo "deps: installing ${missing[*]}"
if [ "$(id -u)" -eq 0 ]; then
	SUDO=()
elif command -v sudo >/dev/null 2>&1; then
	# -n: never prompt (CI has no stdin); fail instead.
	SUDO=(sudo -n)
else
	echo "deps: missing packages (${missing[*]}) and not root, no sudo;" \
		"run tests/deps.sh as root" >&2
	exit 1
fi

apt_opts=(-y -q -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold)
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive \
	apt-get install "${apt_opts[@]}" "${missing[@]}" </dev/null

# Check again: apt-get can succeed without installing a name it resolved to
# a different package (virtual packages).
still=()
for p in "${missing[@]}"; do
	st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	[ "$st" = "install ok installed" ] || still+=("$p")
done
if [ "${#still[@]}" -ne 0 ]; then
	echo "deps: still not installed after apt-get: ${still[*]}" >&2
	exit 1
fi
echo "deps: done"
