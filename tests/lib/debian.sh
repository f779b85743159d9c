#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# What Debian's archive installed for us, read from dpkg, never written
# down: the kernel ABI (one number today, another after the next
# security update), the kernel source tarball, Xen's release and paths.
# Every test script asks here; no script names a version that the archive
# can move (tests/pins-check.sh fails the build if one does).
#
# The metapackages that `make deps` installs (tests/deps.sh) are the
# authority: linux-image-amd64 and linux-headers-amd64 each depend on one
# ABI's package, linux-source on one source package, xen-system-amd64 on
# one hypervisor and one tool package. Older kernels installed side by side
# are ignored, so the image and its headers always come as a pair.
#
# Sourced by tests/lib/common.sh, or run as a command for the Makefile:
#   tests/lib/debian.sh kabi|kdir|source-tar|source-version|xen-version|
#                       xen-tools|xen-gz
# Each prints one line, or an error naming what is missing and exits 1.

# deb_err <message>: an error line on stderr (common.sh's log() may not be
# loaded when this runs as a command).
deb_err() { printf 'error: %s\n' "$*" >&2; }

# deb_installed <package>: true when dpkg has the package fully installed.
deb_installed() {
	[ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" = "install ok installed" ]
}

# deb_meta_dep <metapackage> <extended regex>: the one package, among the
# installed metapackage's dependencies, whose name matches the regex.
deb_meta_dep() {
	local meta=$1 re=$2 deps name
	if ! deb_installed "$meta"; then
		deb_err "$meta is not installed (run: make deps)"
		return 1
	fi
	deps=$(dpkg-query -W -f='${Depends}' "$meta")
	# "a (= 1), b | c" -> one package name per line, versions dropped.
	name=$(printf '%s\n' "$deps" | tr ',|' '\n\n' |
		awk '{ print $1 }' | grep -E "^($re)\$" | head -n1 || true)
	if [ -z "$name" ]; then
		deb_err "$meta depends on no package like '$re' (its Depends: $deps)"
		return 1
	fi
	if ! deb_installed "$name"; then
		deb_err "$name (what $meta depends on) is not installed (run: make deps)"
		return 1
	fi
	printf '%s\n' "$name"
}

# debian_kabi: the kernel ABI linux-image-amd64 depends on, checked to be
# the same one linux-headers-amd64 depends on (a half-done upgrade would
# otherwise build modules for one kernel and boot another).
debian_kabi() {
	local img hdr kabi
	img=$(deb_meta_dep linux-image-amd64 'linux-image-[0-9][^ ]*-amd64') || return 1
	hdr=$(deb_meta_dep linux-headers-amd64 'linux-headers-[0-9][^ ]*-amd64') || return 1
	kabi=${img#linux-image-}
	if [ "$hdr" != "linux-headers-$kabi" ]; then
		deb_err "linux-image-amd64 wants $img but linux-headers-amd64 wants $hdr;" \
			"upgrade both together (apt-get install linux-image-amd64 linux-headers-amd64)"
		return 1
	fi
	if [ ! -f "/boot/vmlinuz-$kabi" ]; then
		deb_err "no /boot/vmlinuz-$kabi although $img is installed"
		return 1
	fi
	printf '%s\n' "$kabi"
}

# debian_kdir: that ABI's kernel build tree (linux-headers).
debian_kdir() {
	local kabi
	kabi=$(debian_kabi) || return 1
	if [ ! -d "/usr/src/linux-headers-$kabi" ]; then
		deb_err "no /usr/src/linux-headers-$kabi although linux-headers-$kabi is installed"
		return 1
	fi
	printf '%s\n' "/usr/src/linux-headers-$kabi"
}

# debian_source_pkg: the linux-source-X.Y package the linux-source
# metapackage depends on.
debian_source_pkg() {
	deb_meta_dep linux-source 'linux-source-[0-9][^ ]*'
}

# debian_source_version: that package's version (keys the caches).
debian_source_version() {
	local pkg
	pkg=$(debian_source_pkg) || return 1
	dpkg-query -W -f='${Version}\n' "$pkg"
}

# deb_file <package> <extended regex> <what>: the first file of the
# installed package whose path matches, if it exists.
deb_file() {
	local f
	f=$(dpkg -L "$1" | grep -E "$2" | head -n1 || true)
	if [ -z "$f" ] || [ ! -e "$f" ]; then
		deb_err "$1 ships no $3 (dpkg -L $1)"
		return 1
	fi
	printf '%s\n' "$f"
}

# debian_source_tar: the tarball that package ships.
debian_source_tar() {
	local pkg
	pkg=$(debian_source_pkg) || return 1
	deb_file "$pkg" '^/usr/src/linux-source-[^/]*\.tar\.(xz|bz2|gz)$' \
		"/usr/src/linux-source-*.tar.*"
}

# debian_xen_pkg: the hypervisor package xen-system-amd64 depends on.
debian_xen_pkg() {
	deb_meta_dep xen-system-amd64 'xen-hypervisor-[0-9][^ ]*-amd64'
}

# debian_xen_version: its release, "X.Y", from the package name.
debian_xen_version() {
	local pkg
	pkg=$(debian_xen_pkg) || return 1
	pkg=${pkg#xen-hypervisor-}
	printf '%s\n' "${pkg%-amd64}"
}

# debian_xen_gz: the hypervisor image the package ships in /boot.
debian_xen_gz() {
	local pkg
	pkg=$(debian_xen_pkg) || return 1
	deb_file "$pkg" '^/boot/xen-[^/]*\.gz$' "/boot/xen-*.gz"
}

# debian_xen_tools: the directory holding xl, from the utils package that
# xen-system-amd64 depends on (Debian keeps it outside PATH).
debian_xen_tools() {
	local pkg xl
	pkg=$(deb_meta_dep xen-system-amd64 'xen-utils-[0-9][^ ]*') || return 1
	xl=$(deb_file "$pkg" '/bin/xl$' ".../bin/xl") || return 1
	printf '%s\n' "${xl%/xl}"
}

# debian_archive_uris: "<archive> <security archive>", the Debian mirrors
# the host's own apt sources name (read, never changed), or Debian's own.
debian_archive_uris() {
	local uri sec
	uri=$(sed -n 's/^URIs: *\(http[^ ]*\/debian\) *$/\1/p' /etc/apt/sources.list.d/*.sources 2>/dev/null | head -n1)
	[ -n "$uri" ] || uri=$(sed -n 's/^deb *\(http[^ ]*\/debian\) .*/\1/p' /etc/apt/sources.list 2>/dev/null | head -n1)
	sec=$(sed -n 's/^URIs: *\(http[^ ]*\/debian-security\) *$/\1/p' /etc/apt/sources.list.d/*.sources 2>/dev/null | head -n1)
	printf '%s %s\n' "${uri:-http://deb.debian.org/debian}" \
		"${sec:-http://deb.debian.org/debian-security}"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	set -euo pipefail
	case "${1:-}" in
	kabi) debian_kabi ;;
	kdir) debian_kdir ;;
	source-tar) debian_source_tar ;;
	source-version) debian_source_version ;;
	xen-version) debian_xen_version ;;
	xen-tools) debian_xen_tools ;;
	xen-gz) debian_xen_gz ;;
	*)
		echo "usage: $0 kabi|kdir|source-tar|source-version|xen-version|xen-tools|xen-gz" >&2
		exit 2
		;;
	esac
fi

