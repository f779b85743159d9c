#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Debian 13 (trixie) for the second Xen of the end-to-end tests: its Xen
# hypervisor and tools, downloaded from Debian's archive with a private
# apt configuration under $XENINTRO_CACHE/trixie (the host's own apt
# sources and state are never touched) and unpacked with dpkg -x into
# $XENINTRO_CACHE/trixie/root. The unpacked tree holds what a Debian 13
# dom0 runs: the hypervisor (boot/xen-*.gz), the tools (usr/lib/xen-*/bin)
# and every shared library they need, Debian 13's C library included.
#
# Nothing is pinned: the release comes from what the metapackage
# xen-system-amd64 depends on in trixie today, and the download is done
# again when the archive moves it.
#
#   trixie_fetch            download and unpack (once per version)
#   trixie_xen_gz, trixie_xen_tools, trixie_xen_version, TRIXIE_ROOT
#   trixie_buildroot        a Debian 13 root to build modules for 6.12
#   trixie_build_modules    the modules built there (W=1, C=2: make args)
#   trixie_source_dir       Debian 13's kernel source, unpacked (kunit.py,
#                           the 6.12 debug kernel)
#
# Sourced by tests/e2e/lib.sh (after tests/lib/common.sh), or run as
# `tests/lib/trixie.sh fetch` (make deps).

TRIXIE_DIR=${XENINTRO_CACHE:-/var/cache/xenintro}/trixie
TRIXIE_ROOT=$TRIXIE_DIR/root

# Debian's archive, as the host reaches it (its own sources name the
# mirror), with Debian 13's suites and Debian's keyring.
trixie_sources() {
	local uri sec
	read -r uri sec < <(debian_archive_uris)
	printf 'deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] %s trixie trixie-updates main\n' "$uri"
	printf 'deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] %s trixie-security main\n' "$sec"
}

# apt-get/apt-cache with everything under $TRIXIE_DIR/apt: its own sources,
# lists, package cache and an empty dpkg status (nothing is "installed").
trixie_apt() {
	local tool=$1
	shift
	"$tool" -q -o Dir::Etc::SourceList="$TRIXIE_DIR/apt/sources.list" \
		-o Dir::Etc::SourceParts="$TRIXIE_DIR/apt/empty" \
		-o Dir::Etc::Preferences="$TRIXIE_DIR/apt/empty/none" \
		-o Dir::Etc::PreferencesParts="$TRIXIE_DIR/apt/empty" \
		-o Dir::State="$TRIXIE_DIR/apt/state" \
		-o Dir::State::status="$TRIXIE_DIR/apt/status" \
		-o Dir::Cache="$TRIXIE_DIR/apt/cache" \
		-o APT::Architecture=amd64 -o APT::Architectures::=amd64 \
		-o Debug::NoLocking=1 "$@"
}

# trixie_dep <package> <extended regex>: the dependency of <package> in
# trixie whose name matches (xen-system-amd64 -> the hypervisor package of
# its release).
trixie_dep() {
	trixie_apt apt-cache depends --no-recommends --no-suggests "$1" 2>/dev/null |
		sed -n 's/^ *Depends: *//p' | tr -d '<>' | grep -E "^($2)\$" | head -n1
}

# The Xen packages and every library package they need, recursively
# (shared libraries only: the tools' scripts and their interpreters stay
# out, as in the Debian 12 dom0).
trixie_packages() {
	local hv utils
	hv=$(trixie_dep xen-system-amd64 'xen-hypervisor-[0-9][^ ]*-amd64')
	utils=$(trixie_dep xen-system-amd64 'xen-utils-[0-9][^ ]*')
	[ -n "$hv" ] && [ -n "$utils" ] || return 1
	{
		echo "$hv"
		echo "$utils"
		echo xenstore-utils
		trixie_apt apt-cache depends --recurse --no-recommends \
			--no-suggests --no-conflicts --no-breaks --no-replaces \
			--no-enhances --no-pre-depends "$utils" xenstore-utils 2>/dev/null |
			grep -E '^(lib[^ ]*|zlib1g)$' | grep -vE -- '-(dev|doc|common|data)$'
		echo libgcc-s1
	} | sort -u
}

# trixie_lists: the private apt's package lists, fetched once a day (a new
# Xen point release or kernel source is then picked up).
trixie_lists() {
	local stamp="$TRIXIE_DIR/apt/updated"
	mkdir -p "$TRIXIE_DIR/apt/state/lists/partial" "$TRIXIE_DIR/apt/cache/archives/partial" \
		"$TRIXIE_DIR/apt/empty" "$TRIXIE_DIR/debs"
	trixie_sources >"$TRIXIE_DIR/apt/sources.list"
	: >"$TRIXIE_DIR/apt/status"
	if [ -z "$(find "$stamp" -mmin -1440 2>/dev/null)" ]; then
		trixie_apt apt-get update >"$TRIXIE_DIR/apt/update.log" 2>&1 || {
			echo "trixie: apt-get update failed; see $TRIXIE_DIR/apt/update.log" >&2
			return 1
		}
		touch "$stamp"
	fi
}

trixie_fetch() {
	local pkgs p
	trixie_lists || return 1
	pkgs=$(trixie_packages) || {
		echo "trixie: no xen-system-amd64 dependencies in Debian 13's lists" >&2
		return 1
	}
	# One stamp per set of package versions: unpacked again when one moves.
	local want
	want=$(for p in $pkgs; do
		printf '%s=%s\n' "$p" "$(trixie_apt apt-cache policy "$p" 2>/dev/null |
			sed -n 's/^ *Candidate: *//p')"
	done)
	if [ -f "$TRIXIE_ROOT/.packages" ] && [ "$(cat "$TRIXIE_ROOT/.packages")" = "$want" ]; then
		return 0
	fi
	# shellcheck disable=SC2086 # one word per package
	(cd "$TRIXIE_DIR/debs" && rm -f ./*.deb &&
		trixie_apt apt-get download $pkgs) >"$TRIXIE_DIR/download.log" 2>&1 || {
		echo "trixie: apt-get download failed; see $TRIXIE_DIR/download.log" >&2
		return 1
	}
	rm -rf "$TRIXIE_ROOT.tmp"
	mkdir -p "$TRIXIE_ROOT.tmp"
	for p in "$TRIXIE_DIR"/debs/*.deb; do
		dpkg -x "$p" "$TRIXIE_ROOT.tmp" || return 1
	done
	printf '%s\n' "$want" >"$TRIXIE_ROOT.tmp/.packages"
	rm -rf "$TRIXIE_ROOT"
	mv "$TRIXIE_ROOT.tmp" "$TRIXIE_ROOT"
}

trixie_xen_gz() {
	local f
	f=$(find "$TRIXIE_ROOT/boot" -maxdepth 1 -name 'xen-*-amd64.gz' 2>/dev/null | sort | tail -n1)
	[ -n "$f" ] || { echo "no Debian 13 Xen image under $TRIXIE_ROOT/boot (trixie_fetch)" >&2; return 1; }
	echo "$f"
}

trixie_xen_tools() {
	local d
	d=$(find "$TRIXIE_ROOT/usr/lib" -maxdepth 3 -path '*/xen-*/bin/xl' 2>/dev/null | sort | tail -n1)
	[ -n "$d" ] || { echo "no Debian 13 xl under $TRIXIE_ROOT/usr/lib (trixie_fetch)" >&2; return 1; }
	echo "${d%/xl}"
}

trixie_xen_version() {
	local f
	f=$(trixie_xen_gz) || return 1
	f=${f##*/xen-}
	echo "${f%-amd64.gz}"
}

# A Debian 13 root to build the modules for Debian 13's kernel: its
# headers' .config was made by gcc 14 (-fmin-function-alignment=16, which
# Debian 12's gcc 12 rejects), so the build runs in a minimal Debian 13
# made by debootstrap, with its gcc, make, sparse and the headers that
# linux-headers-amd64 points to there today. Made once; its packages are
# brought up to date once a day (a new kernel ABI is then followed).
TRIXIE_BUILDROOT=$TRIXIE_DIR/buildroot

# trixie_chroot <command...>: in the build root, with /proc mounted in a
# private mount namespace (gone with the command; nothing to clean up).
trixie_chroot() {
	unshare -m sh -c 'mount -t proc proc "$0/proc" && exec chroot "$0" "$@"' \
		"$TRIXIE_BUILDROOT" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
		HOME=/root LC_ALL=C.UTF-8 DEBIAN_FRONTEND=noninteractive "$@"
}

trixie_buildroot() {
	local uri stamp="$TRIXIE_BUILDROOT/.xenintro-updated"
	command -v debootstrap >/dev/null || {
		echo "trixie: no debootstrap (make deps installs it)" >&2
		return 1
	}
	mkdir -p "$TRIXIE_DIR"
	if [ ! -x "$TRIXIE_BUILDROOT/usr/bin/apt-get" ]; then
		uri=$(trixie_sources | sed -n '1s/.*\] *\([^ ]*\) .*/\1/p')
		rm -rf "$TRIXIE_BUILDROOT"
		debootstrap --variant=minbase trixie "$TRIXIE_BUILDROOT" "$uri" \
			>"$TRIXIE_DIR/debootstrap.log" 2>&1 || {
			echo "trixie: debootstrap failed; see $TRIXIE_DIR/debootstrap.log" >&2
			return 1
		}
		trixie_sources | sed 's/\[signed-by=[^]]*\] //' \
			>"$TRIXIE_BUILDROOT/etc/apt/sources.list"
	fi
	if [ -z "$(find "$stamp" -mmin -1440 2>/dev/null)" ]; then
		{ trixie_chroot apt-get -q update &&
			trixie_chroot apt-get -q -y --no-install-recommends install \
				linux-headers-amd64 make gcc libc6-dev sparse &&
			trixie_chroot apt-get -q clean; } >"$TRIXIE_DIR/buildroot.log" 2>&1 || {
			echo "trixie: installing the build packages failed; see $TRIXIE_DIR/buildroot.log" >&2
			return 1
		}
		touch "$stamp"
	fi
}

# trixie_kdir: the headers linux-headers-amd64 depends on in the build
# root, as a path inside it.
trixie_kdir() {
	local dep
	dep=$(trixie_chroot dpkg-query -W -f='${Depends}' linux-headers-amd64 |
		tr ',|' '\n\n' | awk '{ print $1 }' |
		grep -E '^linux-headers-[0-9][^ ]*-amd64$' | head -n1)
	[ -n "$dep" ] && [ -f "$TRIXIE_BUILDROOT/usr/src/${dep}/Makefile" ] || {
		echo "trixie: no linux-headers-*-amd64 in the build root" >&2
		return 1
	}
	echo "/usr/src/$dep"
}

# trixie_build_modules <make args...>: the modules built in the build root
# against Debian 13's headers, in $TRIXIE_BUILD_DIR there (/build/xenintro
# unless set; sources mirrored as for every scratch build); make's output
# on stdout, its status.
trixie_build_modules() {
	local kdir dir=${TRIXIE_BUILD_DIR:-/build/xenintro}
	trixie_buildroot && kdir=$(trixie_kdir) || return 1
	mkdir -p "$TRIXIE_BUILDROOT$dir"
	sync_sources "$TRIXIE_BUILDROOT$dir"
	echo "trixie: make -C $kdir M=$dir $* modules (gcc: $(trixie_chroot gcc -dumpfullversion))"
	trixie_chroot make -C "$kdir" M="$dir" "$@" modules
}

# Debian 13's kernel source (6.12 today): the linux-source-X.Y package the
# linux-source metapackage depends on in trixie, at its candidate version,
# downloaded with the private apt above and unpacked by dpkg -x into
# $TRIXIE_DIR/source/<version>; the .deb is dropped, the tarball kept.
# kunit.py and the debug kernel build from it as from Debian 12's
# (tests/lib/common.sh: linux_source_extract).
#
#   trixie_source_version   the package's version (X.Y.Z-N), from the
#                           lists (trixie_fetch refreshes them daily)
#   trixie_source_dir       the pristine extract; fetched when missing
trixie_source_pkg() {
	trixie_dep linux-source 'linux-source-[0-9][^ ]*'
}

trixie_source_version() {
	local pkg ver
	pkg=$(trixie_source_pkg) && [ -n "$pkg" ] &&
		ver=$(trixie_apt apt-cache policy "$pkg" 2>/dev/null | sed -n 's/^ *Candidate: *//p') &&
		[ -n "$ver" ] && [ "$ver" != "(none)" ] || {
		echo "trixie: no linux-source in Debian 13's lists (tests/lib/trixie.sh fetch)" >&2
		return 1
	}
	echo "$ver"
}

trixie_source_tar() {
	local pkg ver dir tar
	pkg=$(trixie_source_pkg) && ver=$(trixie_source_version) || return 1
	dir="$TRIXIE_DIR/source/$ver"
	tar=$(find "$dir/usr/src" -maxdepth 1 -name 'linux-source-*.tar.*' 2>/dev/null | head -n1)
	if [ -z "$tar" ]; then
		rm -rf "$TRIXIE_DIR/source" && mkdir -p "$dir.tmp"
		(cd "$dir.tmp" && trixie_apt apt-get download "$pkg=$ver") \
			>"$TRIXIE_DIR/source-download.log" 2>&1 || {
			echo "trixie: downloading $pkg $ver failed; see $TRIXIE_DIR/source-download.log" >&2
			return 1
		}
		dpkg -x "$dir.tmp"/*.deb "$dir.tmp" && rm -f "$dir.tmp"/*.deb || return 1
		mv "$dir.tmp" "$dir"
		tar=$(find "$dir/usr/src" -maxdepth 1 -name 'linux-source-*.tar.*' | head -n1)
		[ -n "$tar" ] || { echo "trixie: $pkg $ver holds no /usr/src/linux-source-*.tar.*" >&2; return 1; }
	fi
	echo "$tar"
}

trixie_source_dir() {
	local ver tar=''
	ver=$(trixie_source_version) || return 1
	[ -f "$XENINTRO_CACHE/src/linux-source-$ver/.extracted" ] ||
		tar=$(trixie_source_tar) || return 1
	linux_source_extract "$ver" "$tar"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	set -euo pipefail
	# shellcheck source=tests/lib/common.sh
	. "$(dirname "$0")/common.sh"
	case "${1:-}" in
	fetch) trixie_fetch && echo "trixie: Xen $(trixie_xen_version) in $TRIXIE_ROOT" ;;
	buildroot) trixie_buildroot && echo "trixie: build root $TRIXIE_BUILDROOT, headers $(trixie_kdir)" ;;
	source)
		trixie_lists && trixie_source_dir
		;;
	build)
		shift
		trixie_build_modules "$@"
		;;
	*)
		echo "usage: $0 fetch | buildroot | source | build [make args...]" >&2
		exit 2
		;;
	esac
fi
