#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# mkinitramfs.sh -o <initramfs.gz> [-m <module dir or .ko>]... [-t <test dir or binary>]...
#                [-f <file>]...
#
# Build the test VM's initramfs: busybox-static, /init (guest-init.sh), the
# modules at /xenintro/modules/*.ko, the static selftest binaries at
# /xenintro/selftests/* and other files the tests use (the agent, its
# example policies) at /xenintro/files/*, never run as tests. Everything
# comes from files given here, so the same image can carry throwaway
# modules and tests while developing.
set -euo pipefail
# shellcheck source=tests/lib/common.sh
. "$(dirname "$0")/../lib/common.sh"

usage() { die "usage: $0 -o <out.gz> [-m <module dir|file>]... [-t <selftest dir|file>]... [-f <file>]..."; }

out='' mods=() tests=() files=()
while getopts "o:m:t:f:" opt; do
	case "$opt" in
	o) out=$OPTARG ;;
	m) mods+=("$OPTARG") ;;
	t) tests+=("$OPTARG") ;;
	f) files+=("$OPTARG") ;;
	*) usage ;;
	esac
done
[ -n "$out" ] || usage

BUSYBOX=/bin/busybox
[ -x "$BUSYBOX" ] || die "$BUSYBOX missing (run: make deps)"
# The VM has no C library: a dynamically linked binary there fails with a
# confusing "not found". An ELF interpreter means dynamic linking.
is_dynamic() { readelf -l "$1" 2>/dev/null | grep -q 'program interpreter'; }
# (package busybox, unlike busybox-static, installs a dynamic /bin/busybox)
is_dynamic "$BUSYBOX" && die "$BUSYBOX is dynamically linked; install busybox-static"

stage=$(mktemp -d "${TMPDIR:-/tmp}/xenintro-initramfs.XXXXXX")
trap 'rm -rf "$stage"' EXIT

mkdir -p "$stage"/{bin,sbin,dev,proc,sys,tmp,root,etc} \
	"$stage"/xenintro/{modules,selftests,files}
cp "$BUSYBOX" "$stage/bin/busybox"
for applet in $("$BUSYBOX" --list); do
	case "$applet" in busybox|init|linuxrc) continue ;; esac
	ln -sf busybox "$stage/bin/$applet"
done
ln -sf ../bin/busybox "$stage/sbin/init"
install -m 0755 "$XENINTRO_ROOT/tests/qemu/guest-init.sh" "$stage/init"
# /dev/console lets the kernel give /init its stdio before devtmpfs is up;
# only root can make device nodes, and /init copes without it.
if [ "$(id -u)" -eq 0 ]; then
	mknod -m 600 "$stage/dev/console" c 5 1
fi

# expand <dir|file>...: the files given, and the files in the dirs given.
expand() {
	local a
	for a in "$@"; do
		if [ -d "$a" ]; then
			find "$a" -maxdepth 1 -type f | LC_ALL=C sort
		else
			echo "$a"
		fi
	done
}

nmod=0 ntest=0
while IFS= read -r ko; do
	case "$ko" in *.ko) ;; *) continue ;; esac
	[ -f "$ko" ] || die "no module $ko"
	cp "$ko" "$stage/xenintro/modules/"
	nmod=$((nmod + 1))
done < <(expand "${mods[@]}")
while IFS= read -r t; do
	[ -f "$t" ] || die "no selftest $t"
	# Only executables: a selftest build dir also holds .d files.
	[ -x "$t" ] || continue
	is_dynamic "$t" && die "$t is dynamically linked; the VM has no C library"
	cp "$t" "$stage/xenintro/selftests/"
	ntest=$((ntest + 1))
done < <(expand "${tests[@]}")
for f in "${files[@]}"; do
	[ -f "$f" ] || die "no file $f"
	[ -x "$f" ] && is_dynamic "$f" && die "$f is dynamically linked; the VM has no C library"
	cp "$f" "$stage/xenintro/files/"
done

mkdir -p "$(dirname "$out")"
(cd "$stage" && find . -mindepth 1 | LC_ALL=C sort |
	cpio --quiet -o -H newc -R 0:0) | gzip -1 >"$out.tmp"
mv "$out.tmp" "$out"
log "initramfs $out: $nmod module(s), $ntest selftest(s), ${#files[@]} file(s), $(du -h "$out" | cut -f1)"
