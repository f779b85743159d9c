#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The "pkg" layer of `make check`: xenintro as a dom0 installs it.
#
#   pkg/build            dpkg-buildpackage -us -uc -b makes the four
#                        packages (tests/lib/pkgroot.sh)
#   pkg/lintian          lintian --pedantic over them: every tag that no
#                        override in debian/ justifies is a failure
#   pkg/install          apt-get installs them in a clean Debian 12 root
#                        (debootstrap; the pristine root is cached under
#                        $XENINTRO_CACHE/pkg, the working one made anew)
#   pkg/dkms status      DKMS built and installed both modules for the
#                        dom0 kernel of the e2e layer (linux-headers-amd64's)
#   pkg/dkms signs       and signed them with the machine's MOK
#   pkg/modules-load     the boot loads xenintro_xen, which pulls in xenintro
#   pkg/agent --check <policy>  each installed example policy is accepted
#   pkg/systemctl cat    systemd finds the agent's template unit (read
#                        offline: no systemd runs in the root), and
#                        systemd-analyze verify finds what it runs
#   pkg/pkg-config, pkg/link  a program builds against libxenintro-dev
#                        and runs on libxenintro1's shared library
#   pkg/upgrade restarts agents, pkg/prerm stops agents  upgrade and
#                        removal with running agents (a recording systemctl)
#   pkg/remove, pkg/purge  no file left behind but conffiles, then none
#   pkg/dkms from a checkout  make dkms-source, dkms install (no packages)
#
# Results in $XENINTRO_RESULTS/pkg.results; logs next to it (pkg/).
set -euo pipefail
# shellcheck source=tests/lib/common.sh
. "$(dirname "$0")/../lib/common.sh"
# shellcheck source=tests/lib/pkgroot.sh
. "$XENINTRO_ROOT/tests/lib/pkgroot.sh"

results_init
LAYER=pkg
rm -f "$XENINTRO_RESULTS/$LAYER.results"
logdir=$XENINTRO_RESULTS/pkg
mkdir -p "$logdir"
[ "$(id -u)" -eq 0 ] || { result $LAYER fail "pkg/run" "needs root (debootstrap, chroot)"; layer_summary $LAYER; exit 1; }

# stop_layer <name> <why>: a step the rest depends on failed.
stop_layer() {
	result $LAYER fail "$1" "$2"
	layer_summary $LAYER || true
	exit 1
}

for tool in dpkg-buildpackage dh lintian debootstrap; do
	command -v "$tool" >/dev/null || stop_layer "pkg/build" "no $tool (run: make deps)"
done
[ -n "$PKGROOT_KABI" ] || stop_layer "pkg/build" "no dom0 kernel: $(debian_kabi 2>&1 >/dev/null)"
VERSION=$(pkgroot_version)
[ -n "$VERSION" ] || stop_layer "pkg/build" "no version in debian/changelog"

# ------------------------------------------------------------------ build
t0=$(date +%s)
XENINTRO_DIE_FILE=$logdir/die
rm -f "$XENINTRO_DIE_FILE"
export XENINTRO_DIE_FILE
(pkgroot_build) || stop_layer "pkg/build" "$(cat "$XENINTRO_DIE_FILE" 2>/dev/null)"
cp "$PKGROOT_DIR/build.log" "$logdir/build.log"
want="xenintro-dkms libxenintro1 libxenintro-dev xenintro-agent"
missing=
for p in $want; do
	ls "$PKGROOT_DEBS/${p}_${VERSION}_"*.deb >/dev/null 2>&1 || missing="$missing $p"
done
if [ -n "$missing" ]; then
	stop_layer "pkg/build" "no package for:$missing (see $logdir/build.log)"
fi
result $LAYER pass "pkg/build" "$(ls "$PKGROOT_DEBS" | tr '\n' ' ')in $(($(date +%s) - t0))s"

# ---------------------------------------------------------------- lintian
# Every tag lintian shows counts, informational and pedantic ones too;
# overridden tags are not shown (debian/*.lintian-overrides, each with
# its reason).
lintian --pedantic -I -E --color never "$PKGROOT_DEBS"/*.deb >"$logdir/lintian.log" 2>&1 || true
tags=$(grep -E '^[EWIPX]: ' "$logdir/lintian.log" || true)
if [ -z "$tags" ] && ! grep -qE '^(internal error|.*[Ee]rror:)' "$logdir/lintian.log"; then
	result $LAYER pass "pkg/lintian" "no tags ($(grep -c '^N: ' "$logdir/lintian.log" || true) notes)"
else
	result $LAYER fail "pkg/lintian" "$(printf '%s\n' "$tags" | head -n 5) (all: $logdir/lintian.log)"
fi

# ---------------------------------------------------------------- install
t0=$(date +%s)
(pkgroot_install) || stop_layer "pkg/install" "$(cat "$XENINTRO_DIE_FILE" 2>/dev/null)"
cp "$PKGROOT_DIR/install.log" "$logdir/install.log"
st=$(pkgroot_chroot dpkg-query -W -f='${Package} ${Status}\n' $want 2>&1 || true)
if [ "$(printf '%s\n' "$st" | grep -c ' install ok installed$')" -eq 4 ]; then
	result $LAYER pass "pkg/install" "apt-get installed the four packages in a fresh Debian 12 root in $(($(date +%s) - t0))s"
else
	stop_layer "pkg/install" "dpkg says: $st"
fi

# ------------------------------------------------------------------- dkms
ds=$(pkgroot_chroot dkms status 2>&1 || true)
echo "$ds" >"$logdir/dkms-status.txt"
ko=$(pkgroot_ko xenintro)
koxen=$(pkgroot_ko xenintro_xen)
if printf '%s\n' "$ds" | grep -qE "^xenintro/$VERSION, $PKGROOT_KABI, [^:]*: installed" &&
	[ -n "$ko" ] && [ -n "$koxen" ]; then
	vm=$(pkgroot_chroot modinfo -F vermagic "${ko#"$PKGROOT"}" | awk '{ print $1 }')
	if [ "$vm" = "$PKGROOT_KABI" ]; then
		result $LAYER pass "pkg/dkms status" "$ds; ${ko#"$PKGROOT"}, ${koxen#"$PKGROOT"}"
	else
		result $LAYER fail "pkg/dkms status" "xenintro.ko is for '$vm', not $PKGROOT_KABI"
	fi
else
	result $LAYER fail "pkg/dkms status" "dkms status: '$ds'; modules: '${ko:-none}' '${koxen:-none}'"
fi

# DKMS signs what it builds with the machine's MOK (made at the first
# build, /var/lib/dkms/mok.key and mok.pub) whenever the kernel checks
# module signatures, as Debian's does; a Secure Boot host enrolls
# mok.pub once (README.md, "Install on a dom0").
if grep -q '^CONFIG_MODULE_SIG=y' "$PKGROOT/usr/src/linux-headers-$PKGROOT_KABI/.config" 2>/dev/null; then
	signer=$( [ -n "$ko" ] && pkgroot_chroot modinfo -F signer "${ko#"$PKGROOT"}" 2>&1 || true)
	if [ -n "$signer" ] && [ -s "$PKGROOT/var/lib/dkms/mok.pub" ]; then
		result $LAYER pass "pkg/dkms signs" "xenintro.ko signed by '$signer' (/var/lib/dkms/mok.pub)"
	else
		result $LAYER fail "pkg/dkms signs" "no signer on xenintro.ko ('$signer') or no /var/lib/dkms/mok.pub"
	fi
else
	result $LAYER skip "pkg/dkms signs" "the kernel's .config has no CONFIG_MODULE_SIG=y: nothing to sign for"
fi

# ----------------------------------------------------------- modules-load
# systemd-modules-load reads the entry at boot; modprobe's dependency
# (depmod, run by DKMS) brings the core with the backend.
ml=$(sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$PKGROOT/usr/lib/modules-load.d/xenintro.conf" 2>/dev/null || true)
dep=$(pkgroot_chroot modprobe -S "$PKGROOT_KABI" --show-depends xenintro_xen 2>&1 || true)
if [ "$ml" = xenintro_xen ] && printf '%s\n' "$dep" | grep -q '/xenintro\.ko' &&
	printf '%s\n' "$dep" | grep -q '/xenintro_xen\.ko'; then
	result $LAYER pass "pkg/modules-load" "modules-load.d: $ml; modprobe loads: $(printf '%s\n' "$dep" | awk '{ print $2 }' | tr '\n' ' ')"
else
	result $LAYER fail "pkg/modules-load" "modules-load.d: '$ml'; modprobe --show-depends: $dep"
fi

# ------------------------------------------------------ examples, --check
examples=$(cd "$PKGROOT" && find usr/share/doc/xenintro-agent/examples -name '*.yaml' | LC_ALL=C sort)
[ -n "$examples" ] || result $LAYER fail "pkg/agent --check" "no example policy installed under /usr/share/doc/xenintro-agent/examples"
[ -d "$PKGROOT/etc/xenintro" ] || result $LAYER fail "pkg/agent /etc/xenintro" "the package made no /etc/xenintro"
# The examples that resolve kernel symbols name the guest kernel's image
# where an operator keeps it, /var/lib/xenintro/web1/vmlinuz: put Debian's
# kernel there (the e2e guests run it), as the operator would.
mkdir -p "$PKGROOT/var/lib/xenintro/web1"
cp "/boot/vmlinuz-$PKGROOT_KABI" "$PKGROOT/var/lib/xenintro/web1/vmlinuz" ||
	result $LAYER fail "pkg/agent guest kernel" "no /boot/vmlinuz-$PKGROOT_KABI for the examples that name a kernel image"
for ex in $examples; do
	if out=$(pkgroot_chroot /usr/sbin/xenintro-agent --check "/$ex" 2>&1); then
		result $LAYER pass "pkg/agent --check ${ex##*/}" "$out"
	else
		result $LAYER fail "pkg/agent --check ${ex##*/}" "$out"
	fi
done

# -------------------------------------------------------------- systemctl
# No systemd runs in the root, and `systemctl cat` asks the running
# service manager ("System has not been booted with systemd"); with
# --root= it refuses the verb. systemd-analyze cat-config --root=/ prints
# the unit as systemctl cat does: the file found in systemd's unit search
# path plus its drop-ins, read from the tree. systemctl --root=/
# list-unit-files shows systemd finds the template, and systemd-analyze
# verify loads an instance as systemd would and checks that each command
# it runs and each man page it names exist.
if out=$(pkgroot_chroot systemd-analyze --root=/ cat-config systemd/system/xenintro-agent@.service 2>&1) &&
	printf '%s\n' "$out" | grep -q '^ExecStart=/usr/sbin/xenintro-agent --follow --guest %i'; then
	result $LAYER pass "pkg/systemctl cat" "$(printf '%s\n' "$out" | head -n1); ExecStart names /usr/sbin/xenintro-agent"
else
	result $LAYER fail "pkg/systemctl cat" "$out"
fi
if out=$(pkgroot_chroot systemctl --root=/ list-unit-files 'xenintro-agent@*' 2>&1) &&
	printf '%s\n' "$out" | grep -q '^xenintro-agent@\.service '; then
	result $LAYER pass "pkg/systemctl list-unit-files" "$(printf '%s\n' "$out" | grep '^xenintro-agent@')"
else
	result $LAYER fail "pkg/systemctl list-unit-files" "$out"
fi
if out=$(pkgroot_chroot systemd-analyze verify xenintro-agent@web1.service 2>&1) && [ -z "$out" ]; then
	result $LAYER pass "pkg/systemd-analyze verify" "xenintro-agent@web1.service: no complaint"
else
	result $LAYER fail "pkg/systemd-analyze verify" "$out"
fi
# the many-guests unit (xenintro-agent --watch): shipped and sound too
if out=$(pkgroot_chroot systemd-analyze verify xenintro-agent-watch@web.service 2>&1) && [ -z "$out" ]; then
	result $LAYER pass "pkg/systemd-analyze verify watch" "xenintro-agent-watch@web.service: no complaint"
else
	result $LAYER fail "pkg/systemd-analyze verify watch" "${out:-not installed}"
fi

# ------------------------------------------------------ pkg-config, link
if pc=$(pkgroot_chroot pkg-config --cflags --libs libxenintro 2>&1) &&
	printf '%s\n' "$pc" | grep -q -- '-lxenintro'; then
	result $LAYER pass "pkg/pkg-config" "pkg-config --cflags --libs libxenintro: $pc"
else
	result $LAYER fail "pkg/pkg-config" "$pc"
fi
mkdir -p "$PKGROOT/tmp/link"
cat >"$PKGROOT/tmp/link/t.c" <<'EOF'
#include <stdio.h>
#include <xenintro/libxenintro.h>

/* Links against the shared library and calls into it (no device needed). */
int main(void)
{
	printf("%s\n", xenintro_state_name(XENINTRO_STATE_ATTACHED));
	return 0;
}
EOF
if out=$(pkgroot_chroot sh -c 'cd /tmp/link && gcc -Wall -Werror -o t t.c $(pkg-config --cflags --libs libxenintro) && ./t && ldd ./t' 2>&1) &&
	[ "$(printf '%s\n' "$out" | head -n1)" = attached ] &&
	printf '%s\n' "$out" | grep -qE 'libxenintro\.so\.1 => /(usr/)?lib/'; then
	result $LAYER pass "pkg/link" "$(printf '%s\n' "$out" | grep -E '^[a-z]|libxenintro' | tr '\n' ' ')"
else
	result $LAYER fail "pkg/link" "$out"
fi

# ------------------------------------------- upgrade and removal, agents
# A systemctl that records its arguments and says one instance is active,
# in place of the real one (apt runs the maintainer scripts with its own
# PATH, so it must be at systemctl's own path), and /run/systemd/system
# as on a booted system. This proves what the package scripts ask
# systemd to do and when (the fake also notes whether the agent's binary
# was still there at each call); it runs no real agent (the e2e layer
# does that, and the vm layer's unload_test shows the kernel refusing to
# unload a module under a session).
fake_systemctl_on() {
	mkdir -p "$PKGROOT/run/systemd/system"
	# a rename, then a new file: the real one is shared with the
	# installed root through the hard links
	mv "$PKGROOT/usr/bin/systemctl" "$PKGROOT/usr/bin/systemctl.real"
	cat >"$PKGROOT/usr/bin/systemctl" <<'EOF'
#!/bin/sh
echo "systemctl $*" >>/tmp/systemctl.calls
[ -e /usr/sbin/xenintro-agent ] && echo "  agent binary present" >>/tmp/systemctl.calls
case "$*" in
*list-units*) echo "xenintro-agent@web1.service loaded active running xenintro policy agent for guest web1" ;;
*is-enabled*) echo enabled ;;
esac
exit 0
EOF
	chmod 755 "$PKGROOT/usr/bin/systemctl"
	: >"$PKGROOT/tmp/systemctl.calls"
}
fake_systemctl_off() {
	mv "$PKGROOT/usr/bin/systemctl.real" "$PKGROOT/usr/bin/systemctl"
	rmdir "$PKGROOT/run/systemd/system" 2>/dev/null || true
}

# In a hard-link copy of the root (cheap; dpkg unlinks and renames, never
# writes a package's file in place), so that the installed root stays
# for the e2e layer.
RMROOT=$PKGROOT_DIR/rmroot
rm -rf "$RMROOT"
cp -al "$PKGROOT" "$RMROOT"
PKGROOT=$RMROOT
agent_deb=$(ls "$PKGROOT_DEBS"/xenintro-agent_"${VERSION}"_*.deb)
cp "$agent_deb" "$PKGROOT/tmp/agent.deb"
fake_systemctl_on

# Upgrade (the same version again takes the same path through the
# scripts): the running agents are left to run through the unpack and
# restarted on the new binary by the postinst.
up=$(pkgroot_chroot dpkg -i /tmp/agent.deb 2>&1) || true
calls=$(cat "$PKGROOT/tmp/systemctl.calls")
printf '%s\n--- calls\n%s\n' "$up" "$calls" >"$logdir/upgrade.log"
if printf '%s\n' "$calls" | grep -qx 'systemctl try-restart xenintro-agent@web1\.service' &&
	! printf '%s\n' "$calls" | grep -q '^systemctl stop'; then
	result $LAYER pass "pkg/upgrade restarts agents" "$(printf '%s\n' "$calls" | grep '^systemctl' | tr '\n' ';')"
else
	result $LAYER fail "pkg/upgrade restarts agents" "wanted try-restart xenintro-agent@web1.service and no stop: $calls"
fi

# Removal with an agent "running": the prerm stops it while its binary
# is still there.
: >"$PKGROOT/tmp/systemctl.calls"
pkgroot_chroot dpkg -L xenintro-dkms xenintro-agent libxenintro1 libxenintro-dev \
	>"$logdir/files.txt" 2>&1 || true
conffiles=$(pkgroot_chroot dpkg-query -W -f='${Conffiles}\n' xenintro-dkms xenintro-agent \
	libxenintro1 libxenintro-dev 2>/dev/null | awk 'NF { print $1 }')
rm_out=$(pkgroot_chroot apt-get -q -y remove xenintro-agent xenintro-dkms libxenintro-dev libxenintro1 2>&1) || true
printf '%s\n' "$rm_out" >"$logdir/remove.log"
calls=$(cat "$PKGROOT/tmp/systemctl.calls")
fake_systemctl_off
if printf '%s\n' "$calls" | grep -A1 -x 'systemctl stop xenintro-agent@web1\.service' | grep -q 'agent binary present'; then
	result $LAYER pass "pkg/prerm stops agents" "removal: $(printf '%s\n' "$calls" | grep '^systemctl' | tr '\n' ';')"
else
	result $LAYER fail "pkg/prerm stops agents" "removal: no stop of xenintro-agent@web1.service before the files went: $calls"
fi

# After remove: no package file left but conffiles, DKMS forgot the
# module and its .ko files are gone from the kernel's tree.
left=
while IFS= read -r f; do
	case "$f" in /*) ;; *) continue ;; esac
	[ -d "$PKGROOT$f" ] && continue
	[ -e "$PKGROOT$f" ] || [ -L "$PKGROOT$f" ] || continue
	printf '%s\n' "$conffiles" | grep -qxF "$f" && continue
	left="$left $f"
done <"$logdir/files.txt"
ds=$(pkgroot_chroot dkms status 2>&1 || true)
kos=$(find "$PKGROOT/lib/modules/$PKGROOT_KABI" -name 'xenintro*.ko*' 2>/dev/null || true)
if [ -z "$left" ] && ! printf '%s\n' "$ds" | grep -q '^xenintro' && [ -z "$kos" ] &&
	[ ! -e "$PKGROOT/var/lib/dkms/xenintro" ] && printf '%s\n' "$rm_out" | grep -q 'dkms remove\|Deleting module'; then
	result $LAYER pass "pkg/remove" "no file left ($(wc -l <"$logdir/files.txt") listed), dkms remove ran, no xenintro*.ko under /lib/modules/$PKGROOT_KABI"
else
	result $LAYER fail "pkg/remove" "left:${left:- none}; dkms status: ${ds:-empty}; .ko: ${kos:-none}; see $logdir/remove.log"
fi

purge=$(pkgroot_chroot dpkg --purge xenintro-agent xenintro-dkms libxenintro-dev libxenintro1 2>&1) || true
# dpkg knows each package as not installed, or not at all (a package with
# no conffiles is forgotten at remove already).
# shellcheck disable=SC2086 # one word per package
known=$(pkgroot_chroot dpkg-query -W -f='${Package} ${Status}\n' $want 2>/dev/null |
	grep -v ' not-installed$' || true)
if [ -z "$known" ] && [ ! -e "$PKGROOT/etc/xenintro" ] &&
	[ ! -e "$PKGROOT/usr/src/xenintro-$VERSION" ]; then
	result $LAYER pass "pkg/purge" "dpkg has none of the four; /etc/xenintro and /usr/src/xenintro-$VERSION gone"
else
	result $LAYER fail "pkg/purge" "dpkg: ${known:-none}; /etc/xenintro: $(ls -d "$PKGROOT/etc/xenintro" 2>&1); $purge"
fi

# ------------------------------------------------- DKMS from a checkout
# README's path without the packages, in the purged root: make
# dkms-source puts the sources in /usr/src/xenintro-<version>, then
# dkms install (add, build, install) against the installed headers.
if make -s -C "$XENINTRO_ROOT" dkms-source DESTDIR="$PKGROOT" >"$logdir/dkms-source.log" 2>&1 &&
	pkgroot_chroot dkms install "xenintro/$VERSION" -k "$PKGROOT_KABI" >>"$logdir/dkms-source.log" 2>&1; then
	ds=$(pkgroot_chroot dkms status 2>&1 || true)
	if printf '%s\n' "$ds" | grep -qE "^xenintro/$VERSION, $PKGROOT_KABI, [^:]*: installed" &&
		[ -n "$(pkgroot_ko xenintro_xen)" ]; then
		result $LAYER pass "pkg/dkms from a checkout" "make dkms-source; dkms install xenintro/$VERSION: $ds"
	else
		result $LAYER fail "pkg/dkms from a checkout" "dkms status: $ds; see $logdir/dkms-source.log"
	fi
	pkgroot_chroot dkms remove "xenintro/$VERSION" --all >>"$logdir/dkms-source.log" 2>&1 || true
else
	result $LAYER fail "pkg/dkms from a checkout" "make dkms-source or dkms install failed; see $logdir/dkms-source.log"
fi

PKGROOT=$PKGROOT_DIR/root
rm -rf "$RMROOT"

layer_summary $LAYER
