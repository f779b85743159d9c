# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# Shared settings for the xenintro test scripts. Source it, don't run it.

XENINTRO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# Everything big (kernel source, debug kernel, Xen images) lives here,
# outside the work tree, and survives across clones and CI runs.
XENINTRO_CACHE=${XENINTRO_CACHE:-/var/cache/xenintro}

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
# die also leaves its message in $XENINTRO_DIE_FILE when one is set, so that
# a caller that ran it in a subshell can report the real cause (a missing
# package, say) instead of pointing at a log.
die() {
	log "error: $*"
	[ -z "${XENINTRO_DIE_FILE:-}" ] || printf '%s\n' "$*" >"$XENINTRO_DIE_FILE"
	exit 1
}

# What the archive installed (kernel ABI, source tarball, Xen): derived
# from dpkg, never pinned.
# shellcheck source=tests/lib/debian.sh
. "$XENINTRO_ROOT/tests/lib/debian.sh"

linux_source_version() {
	debian_source_version || die "no kernel source package (run: make deps)"
}

# Pristine extract of Debian's kernel source (the linux-source
# metapackage's). Never configured in place: kunit.py and the debug kernel
# both build with O=.
linux_source_dir() {
	local ver tar=''
	ver=$(linux_source_version) || return 1
	[ -f "$XENINTRO_CACHE/src/linux-source-$ver/.extracted" ] ||
		tar=$(debian_source_tar) || die "no kernel source tarball (run: make deps)"
	linux_source_extract "$ver" "$tar"
}

# linux_source_extract <version> <tarball>: the tarball unpacked (once per
# version) into $XENINTRO_CACHE/src/linux-source-<version>; prints that
# directory. Debian 13's source comes this way too (tests/lib/trixie.sh).
linux_source_extract() {
	local ver=$1 tar=$2 dir
	dir="$XENINTRO_CACHE/src/linux-source-$ver"
	if [ ! -f "$dir/.extracted" ]; then
		log "extracting $tar ($ver) into $dir"
		rm -rf "$dir.tmp" && mkdir -p "$dir.tmp"
		tar -C "$dir.tmp" --strip-components=1 -xf "$tar" ||
			die "cannot extract $tar"
		rm -rf "$dir" && mv "$dir.tmp" "$dir"
		touch "$dir/.extracted"
	fi
	echo "$dir"
}

# ---------------------------------------------------------------------------
# Results. Every layer writes one line per test into <results dir>/<layer>.results:
#   <pass|fail|skip> TAB <name> TAB <one-line detail>
# tests/lib/tapcount.py reads these files back for the summary, so bash and
# Python agree on one format that needs no escaping beyond tabs and newlines.

# The python3 that runs our helpers and kunit.py. Debian's own is preferred so
# that a pyenv or virtualenv first in PATH cannot change what CI runs.
PYTHON=${PYTHON:-$(command -v /usr/bin/python3 || command -v python3 || echo python3)}

# Create (once per run) the results directory and point 'latest' at it. A run
# started by tests/check.sh exports XENINTRO_RESULTS so that every layer it
# calls writes into the same directory; a layer run on its own makes its own.
# tree_build_dir <name>: a scratch build directory under the cache for this
# work tree only. make decides by mtime and by the paths in its .d files,
# so objects built from another clone's sources (CI clones elsewhere and
# shares the cache) must never look up to date, or name missing files, here.
tree_build_dir() {
	printf '%s/build/%s-%s' "$XENINTRO_CACHE" "$1" \
		"$(printf '%s' "$XENINTRO_ROOT" | sha256sum | cut -c1-12)"
}

results_init() {
	if [ -z "${XENINTRO_RESULTS:-}" ] || [ ! -d "$XENINTRO_RESULTS" ]; then
		local base="$XENINTRO_CACHE/results"
		XENINTRO_RESULTS="$base/$(date +%Y%m%d-%H%M%S)-$$"
		mkdir -p "$XENINTRO_RESULTS"
		ln -sfn "$(basename "$XENINTRO_RESULTS")" "$base/latest"
		# Keep the newest 30 runs; the machine is kept between CI runs.
		find "$base" -mindepth 1 -maxdepth 1 -type d -name '2*' -printf '%f\n' |
			LC_ALL=C sort -r | tail -n +31 |
			while IFS= read -r old; do rm -rf "${base:?}/$old"; done
	fi
	export XENINTRO_RESULTS
}

# The start of a layer that takes a kernel source tree (kunit.py, VM):
# options [-l <layer>] [<linux source dir>] set LAYER (default $1) and
# src_arg; the layer's results file is removed and its log directory,
# $logdir, made.
layer_setup() {
	local opt OPTIND=1
	LAYER=$1
	shift
	while getopts "l:" opt; do
		case "$opt" in
		l) LAYER=$OPTARG ;;
		*) die "usage: $0 [-l <layer>] [<linux source dir>]" ;;
		esac
	done
	shift $((OPTIND - 1))
	src_arg=${1:-}
	results_init
	rm -f "$XENINTRO_RESULTS/$LAYER.results"
	logdir="$XENINTRO_RESULTS/$LAYER"
	mkdir -p "$logdir"
}

# result <layer> <pass|fail|skip> <name> [detail...]
result() {
	local layer=$1 status=$2 name=$3
	shift 3
	local detail="$*"
	detail=${detail//$'\t'/ }
	detail=${detail//$'\n'/ | }
	case "$status" in pass|fail|skip) ;; *) die "result: bad status '$status'" ;; esac
	printf '%s\t%s\t%s\n' "$status" "$name" "$detail" >>"$XENINTRO_RESULTS/$layer.results"
	case "$status" in
	pass) log "ok: $name" ;;
	skip) log "skip: $name${detail:+ ($detail)}" ;;
	fail) log "FAIL: $name${detail:+ ($detail)}" ;;
	esac
}

# Print a layer's own summary and return non-zero when it failed or ran
# nothing; used by the layer scripts when they are run on their own.
layer_summary() {
	"$PYTHON" "$XENINTRO_ROOT/tests/lib/tapcount.py" summary \
		"$XENINTRO_RESULTS/$1.results"
}

# sync_sources <dest>: mirror the kernel-side sources (Kbuild, kmod/, uapi/)
# into <dest>, keeping their relative layout (kmod/Kbuild includes
# ../uapi). Build products are excluded both ways: none is copied from the
# work tree (it may hold objects built against another kernel) and none in
# <dest> is deleted (so rebuilds there stay incremental).
# Files are compared by content and written with the current time, never
# with the source's mtime (no rsync -t): a source replaced by an older one
# (another clone, a checkout) must still look newer than its object.
sync_sources() {
	local dest=$1
	local p excl=()
	for p in '*.o' '*.ko' '*.mod' '*.mod.c' '.*.cmd' '*.a' '*.d' \
		modules.order Module.symvers '.tmp_*' '*.dwo' '*.su' '*.i' '*.s' \
		'*.lst' '.cache.mk'; do
		excl+=(--exclude="$p")
	done
	mkdir -p "$dest"
	rsync -rlp --checksum --delete "${excl[@]}" "$XENINTRO_ROOT/Kbuild" \
		"$XENINTRO_ROOT/kmod" "$XENINTRO_ROOT/uapi" "$dest/"
}
