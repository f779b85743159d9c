#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-only OR MIT
#
# `make install` and `make uninstall` of userspace/ into a scratch DESTDIR,
# as a packager runs them: every file where the man pages and the unit say
# it is, the unit pointing at the agent installed, the installed programs
# running, and nothing left behind by uninstall. (The kernel modules are
# not built in this layer; the top-level modules_install is Kbuild's own.)
# TAP on stdout.
set -uo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=userspace/tests/tap.sh
. tests/tap.sh

echo "TAP version 13"
echo "1..10"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
dest=$tmp/root

# 1. install into DESTDIR with PREFIX=/usr, as a Debian package would
if make -s install PREFIX=/usr DESTDIR="$dest" >"$tmp/install.log" 2>&1; then
	ok "make install PREFIX=/usr DESTDIR=... exits 0"
else
	notok "make install PREFIX=/usr DESTDIR=... failed: $(tail -n 3 "$tmp/install.log")"
fi

# 2. the file list, the library's per-function man links aside (test 3)
listing() { (cd "$1" && find . \( -type f -o -type l \) | sed 's|^\./|/|' | sort); }
{
	printf '%s\n' /usr/bin/xenintro /usr/sbin/xenintro-agent \
		/usr/include/xenintro/libxenintro.h /usr/include/xenintro/xenintro.h \
		/usr/lib/libxenintro.a /usr/lib/libxenintro.so /usr/lib/libxenintro.so.1 \
		"/usr/lib/libxenintro.so.$(sed -n 's/^VERSION[[:space:]]*:= *//p' lib/Makefile)" \
		/usr/lib/pkgconfig/libxenintro.pc \
		/usr/lib/systemd/system/xenintro-agent@.service \
		/usr/lib/systemd/system/xenintro-agent-watch@.service \
		/usr/share/man/man1/xenintro.1 /usr/share/man/man8/xenintro-agent.8 \
		/usr/share/man/man5/xenintro-policy.5 \
		/usr/share/man/man3/libxenintro.3 /usr/share/doc/xenintro-agent/README.md
	for f in examples/*.yaml; do
		echo "/usr/share/doc/xenintro-agent/examples/${f#examples/}"
	done
} | sort >"$tmp/want"
listing "$dest" | grep -v '^/usr/share/man/man3/xenintro_' >"$tmp/got"
if diff -u "$tmp/want" "$tmp/got" >"$tmp/diff"; then
	ok "installed: $(wc -l <"$tmp/got") files where they belong (programs, library, headers, .pc, unit, man 1/3/5/8, examples)"
else
	notok "installed files differ from the list: $(grep '^[-+]/' "$tmp/diff" | tr '\n' ' ')"
fi

# 3. man 3 xenintro_FUNCTION for every function the library exports
missing=""
for f in $(grep -o 'xenintro_[a-z0-9_]*' lib/libxenintro.map | sort -u); do
	page="$dest/usr/share/man/man3/$f.3"
	[ "$(cat "$page" 2>/dev/null)" = ".so man3/libxenintro.3" ] || missing+=" $f"
done
check "every function in libxenintro.map has its man3 page${missing:+ (missing:$missing)}" test -z "$missing"

# 4. the unit runs the agent this install put in sbin
unit=$dest/usr/lib/systemd/system/xenintro-agent@.service
wunit=$dest/usr/lib/systemd/system/xenintro-agent-watch@.service
execs=$(grep -hE '^Exec(Start|StartPre)=' "$unit" "$wunit" | sed 's/^[^=]*=//; s/ .*//' | sort -u)
check "the units' ExecStart and ExecStartPre run /usr/sbin/xenintro-agent, installed (got: ${execs//$'\n'/ })" \
	bash -c '[ "$1" = /usr/sbin/xenintro-agent ] && [ -x "$2$1" ] && ! grep -q "@[A-Z]*@" "$3" "$4"' _ "$execs" "$dest" "$unit" "$wunit"

# 5. pkg-config sees the prefix
check "libxenintro.pc says prefix=/usr" grep -qx 'prefix=/usr' "$dest/usr/lib/pkgconfig/libxenintro.pc"

# 6. the installed programs run, and the installed examples pass --check
bad=""
for f in "$dest"/usr/share/doc/xenintro-agent/examples/*.yaml; do
	case $(basename "$f") in
	# these name the guest kernel's image, which this machine has not
	lstar-guard.yaml | kernel-integrity.yaml | cred-watch.yaml) continue ;;
	# its dumps go to /var/lib/xenintro/web1/, which must exist: here a
	# copy names a directory of this test's instead
	respond-to-tamper.yaml)
		mkdir -p "$tmp/web1"
		sed "s#/var/lib/xenintro/web1/#$tmp/web1/#g" "$f" >"$tmp/respond.yaml"
		f=$tmp/respond.yaml
		;;
	esac
	"$dest/usr/sbin/xenintro-agent" --check "$f" >/dev/null 2>"$tmp/err" || bad+=" $(basename "$f"): $(cat "$tmp/err")"
done
"$dest/usr/bin/xenintro" --help >/dev/null 2>&1 || bad+=" xenintro --help failed"
check "the installed agent checks the installed examples, the installed tool runs${bad:+:$bad}" test -z "$bad"

# 7. the installed man pages render without a warning
bad=""
for m in man1/xenintro.1 man8/xenintro-agent.8 man5/xenintro-policy.5 man3/libxenintro.3 man3/xenintro_open.3; do
	out=$(cd "$dest/usr/share/man" && LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -E UTF-8 -l "$m" 2>&1 >/dev/null)
	[ -z "$out" ] || bad+=" $m: $out"
done
check "the installed man pages render without warnings${bad:+:$bad}" test -z "$bad"

# 8. uninstall leaves no file behind, nor the directories that were ours
if make -s uninstall PREFIX=/usr DESTDIR="$dest" >"$tmp/uninstall.log" 2>&1; then
	left=$(listing "$dest")
	ours=$(ls -d "$dest/usr/include/xenintro" "$dest/usr/share/doc/xenintro-agent" 2>/dev/null)
	check "make uninstall removes every file (left:${left:- none}) and our directories (left:${ours:- none})" \
		test -z "$left$ours"
else
	notok "make uninstall failed: $(tail -n 3 "$tmp/uninstall.log")"
fi

# 9. uninstall again (nothing there) is not an error
check "make uninstall of nothing exits 0" make -s uninstall PREFIX=/usr DESTDIR="$dest"

# 10. the default prefix, /usr/local, reaches every part and the unit
rm -rf "$dest"
make -s install DESTDIR="$dest" >"$tmp/install.log" 2>&1
check "default PREFIX=/usr/local: agent, tool, library, unit under it, the unit runs /usr/local/sbin/xenintro-agent" \
	bash -c 'test -x "$1/usr/local/sbin/xenintro-agent" && test -x "$1/usr/local/bin/xenintro" &&
		test -e "$1/usr/local/lib/libxenintro.so.1" &&
		grep -qx "ExecStart=/usr/local/sbin/xenintro-agent --follow --guest %i /etc/xenintro/%i.yaml" \
			"$1/usr/local/lib/systemd/system/xenintro-agent@.service"' _ "$dest"
make -s uninstall DESTDIR="$dest" >/dev/null 2>&1
