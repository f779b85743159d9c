# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# xenintro as it is shipped: the Debian packages built from this tree
# (debian/, dpkg-buildpackage) and installed in a clean Debian 12 root,
# where DKMS has built the modules for the kernel the Xen end-to-end dom0
# runs. The pkg test layer (tests/pkg/run.sh) checks that root; the e2e
# layer takes the modules, the agent, the tool and the library from it
# (tests/e2e/lib.sh) instead of from the tree.
#
#   pkgroot_build       the .debs, into $PKGROOT_DEBS
#   pkgroot_install     a fresh root from the pristine one, the .debs
#                       installed in it with apt-get (dkms builds there)
#   pkgroot_ensure      both, unless the root already holds packages
#                       built from the tree as it is now
#   pkgroot_chroot      a command in the root
#   pkgroot_ko <name>   the DKMS-built module's path in the root
#
# Sourced after tests/lib/common.sh. Nothing is pinned: the kernel is the
# one tests/lib/debian.sh reads from linux-headers-amd64, the version is
# debian/changelog's.

# The pristine root is shared by every clone (it holds only Debian's
# packages); the packages and the installed root are this tree's own
# (tree_build_dir), so two clones never overwrite each other's.
PKGROOT_CACHE=$XENINTRO_CACHE/pkg
PKGROOT_DIR=$(tree_build_dir pkg)
PKGROOT_SRC=$PKGROOT_DIR/src/xenintro
PKGROOT_DEBS=$PKGROOT_DIR/debs
PKGROOT=$PKGROOT_DIR/root
# Downloaded .debs, shared and bind-mounted into the root as apt's cache:
# a warm run downloads nothing.
PKGROOT_ARCHIVES=$PKGROOT_CACHE/archives
PKGROOT_KABI=${XEN_KVER:-$(debian_kabi 2>/dev/null || true)}

pkgroot_version() {
	sed -n '1s/^[^(]*(\([^)]*\)).*/\1/p' "$XENINTRO_ROOT/debian/changelog"
}

# What the root would hold if built now: the packaged files of the tree
# (everything but tests/, tracked or new, not ignored), by content.
pkgroot_source_hash() {
	(cd "$XENINTRO_ROOT" && git ls-files -co --exclude-standard -z -- . ':!tests' |
		LC_ALL=C sort -z | xargs -0 sha256sum | sha256sum | cut -c1-16)
}

# Debian 12's suites as the host reaches Debian's archive (its own
# sources name the mirror; never changed here).
pkgroot_sources() {
	local uri sec
	read -r uri sec < <(debian_archive_uris)
	printf 'deb %s bookworm bookworm-updates main\n' "$uri"
	printf 'deb %s bookworm-security main\n' "$sec"
}

# pkgroot_chroot_in <root> <command...>: in <root>, in a private mount
# namespace (its /proc, the host's /dev and the shared apt cache are
# mounted there and vanish with the command: nothing to clean up).
pkgroot_chroot_in() {
	local root=$1
	shift
	mkdir -p "$PKGROOT_ARCHIVES/partial"
	unshare -m sh -c 'mount -t proc proc "$0/proc" &&
		mount --rbind /dev "$0/dev" &&
		mount --bind "$1" "$0/var/cache/apt/archives" &&
		shift && exec chroot "$0" "$@"' "$root" "$PKGROOT_ARCHIVES" \
		env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
		HOME=/root LC_ALL=C.UTF-8 DEBIAN_FRONTEND=noninteractive "$@"
}

pkgroot_chroot() { pkgroot_chroot_in "$PKGROOT" "$@"; }

# The packages a dom0 that builds with DKMS has, besides ours: systemd
# (the unit), dkms with a compiler, and the headers of the dom0 kernel.
# openssl: DKMS makes its signing key (the MOK) with it and signs the
# modules, as on a Secure Boot host. man-db: systemd-analyze verify
# checks the unit's Documentation= man page with it.
pkgroot_base_packages() {
	echo systemd dkms gcc make libc6-dev pkg-config openssl man-db 		"linux-headers-$PKGROOT_KABI"
}

# pkgroot_pristine: the tarball of a minimal Debian 12 with those
# packages, made once per kernel ABI and package list (debootstrap, then
# apt-get).
pkgroot_pristine() {
	local tar tmp uri key
	[ -n "$PKGROOT_KABI" ] || die "no dom0 kernel ABI: $(debian_kabi 2>&1 >/dev/null)"
	key=$(pkgroot_base_packages | sha256sum | cut -c1-8)
	tar=$PKGROOT_CACHE/bookworm-$PKGROOT_KABI-$key.tar
	if [ -s "$tar" ]; then
		echo "$tar"
		return 0
	fi
	command -v debootstrap >/dev/null || die "no debootstrap (run: make deps)"
	mkdir -p "$PKGROOT_CACHE"
	tmp=$PKGROOT_CACHE/pristine.$$
	rm -rf "$tmp"
	uri=$(pkgroot_sources | sed -n '1s/^deb \([^ ]*\) .*/\1/p')
	log "pkg: debootstrap bookworm into $tmp (once per kernel ABI)"
	debootstrap --variant=minbase bookworm "$tmp" "$uri" \
		>"$PKGROOT_CACHE/debootstrap.log" 2>&1 ||
		die "debootstrap failed; see $PKGROOT_CACHE/debootstrap.log"
	pkgroot_sources >"$tmp/etc/apt/sources.list"
	# shellcheck disable=SC2046 # one word per package
	{ pkgroot_chroot_in "$tmp" apt-get -q update &&
		pkgroot_chroot_in "$tmp" apt-get -q -y --no-install-recommends \
			install $(pkgroot_base_packages); } \
		>"$PKGROOT_CACHE/pristine.log" 2>&1 ||
		die "installing $(pkgroot_base_packages) failed; see $PKGROOT_CACHE/pristine.log"
	tar -C "$tmp" -cf "$tar.tmp" . && mv "$tar.tmp" "$tar" ||
		die "cannot write $tar"
	rm -rf "$tmp"
	echo "$tar"
}

# pkgroot_build: dpkg-buildpackage in a copy of the tree (its outputs go
# to the parent directory, which must not be the work tree's), the .debs
# to $PKGROOT_DEBS. No dbgsym packages, no unit tests (the userspace
# layer runs those): nocheck, noautodbgsym. Log: $PKGROOT_DIR/build.log.
pkgroot_build() {
	local n
	# A fresh copy each time: dpkg-buildpackage builds everything anew
	# anyway, and no file deleted from the tree may linger in the copy.
	rm -rf "$PKGROOT_DIR/src" "$PKGROOT_DEBS" "$PKGROOT_DIR/src.hash"
	mkdir -p "$PKGROOT_SRC" "$PKGROOT_DEBS"
	pkgroot_source_hash >"$PKGROOT_DIR/src.hash"
	(cd "$XENINTRO_ROOT" && git ls-files -co --exclude-standard -z -- . ':!tests' ':!.ci') |
		rsync -rlp --from0 --files-from=- "$XENINTRO_ROOT/" "$PKGROOT_SRC/" ||
		die "cannot copy the tree to $PKGROOT_SRC"
	log "pkg: dpkg-buildpackage -us -uc -b in $PKGROOT_SRC"
	(cd "$PKGROOT_SRC" && DEB_BUILD_OPTIONS="nocheck noautodbgsym parallel=2" \
		nice -n 19 dpkg-buildpackage -us -uc -b) >"$PKGROOT_DIR/build.log" 2>&1 ||
		die "dpkg-buildpackage failed; see $PKGROOT_DIR/build.log"
	mv "$PKGROOT_DIR"/src/*.deb "$PKGROOT_DEBS/"
	n=$(find "$PKGROOT_DEBS" -name '*.deb' | wc -l)
	[ "$n" -gt 0 ] || die "dpkg-buildpackage made no .deb; see $PKGROOT_DIR/build.log"
}

# pkgroot_install: the working root, afresh from the pristine tarball,
# with every .deb of $PKGROOT_DEBS installed by apt-get (which resolves
# their dependencies from Debian's archive, as on a dom0). The package
# lists are refreshed when the pristine root is more than a day old.
# Log: $PKGROOT_DIR/install.log.
pkgroot_install() {
	local tar debs=() d
	tar=$(pkgroot_pristine) || exit 1
	rm -rf "$PKGROOT" "$PKGROOT_DIR/stamp"
	mkdir -p "$PKGROOT"
	tar -C "$PKGROOT" -xf "$tar" || die "cannot unpack $tar"
	mkdir -p "$PKGROOT/tmp/debs"
	cp "$PKGROOT_DEBS"/*.deb "$PKGROOT/tmp/debs/"
	for d in "$PKGROOT"/tmp/debs/*.deb; do
		debs+=("/tmp/debs/${d##*/}")
	done
	{
		if [ -n "$(find "$tar" -mmin +1440)" ]; then
			pkgroot_chroot apt-get -q update || exit 1
		fi
		log "pkg: apt-get install ${debs[*]##*/}"
		pkgroot_chroot apt-get -q -y --no-install-recommends install "${debs[@]}"
	} >"$PKGROOT_DIR/install.log" 2>&1 ||
		die "installing the packages failed; see $PKGROOT_DIR/install.log"
	# what the packages were built from (pkgroot_build)
	cp "$PKGROOT_DIR/src.hash" "$PKGROOT_DIR/stamp"
}

# pkgroot_ensure: a root with packages of the tree as it is now, reused
# when the pkg layer (or an earlier call) made one from the same files.
pkgroot_ensure() {
	if [ -f "$PKGROOT_DIR/stamp" ] && [ -d "$PKGROOT/usr/src" ] &&
		[ "$(cat "$PKGROOT_DIR/stamp")" = "$(pkgroot_source_hash)" ]; then
		log "pkg: reusing the installed packages in $PKGROOT"
		return 0
	fi
	log "pkg: no current package root; building and installing the packages"
	pkgroot_build
	pkgroot_install
}

# pkgroot_ko <module>: where DKMS installed <module>.ko (possibly
# compressed, as the kernel's configuration asks) for the dom0 kernel.
pkgroot_ko() {
	find "$PKGROOT/lib/modules/$PKGROOT_KABI/updates/dkms" -name "$1.ko*" 2>/dev/null | head -n1
}
