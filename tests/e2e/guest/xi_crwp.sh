#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# xi_crwp [TRIES]: in the guest, load xi_crwp.ko (guest/crwp/), which tries
# TRIES times to clear CR0.WP and refuses to stay loaded, and print its
# report as the guest's result line:
#
#   XI-G: <id> crwp tries=N wp_cleared=M cr0_before=... ... smep=0|1 smap=0|1
#
# smep/smap: whether the guest's CPU offers them (a CR4 deny needs them).
insmod /lib/xi/xi_crwp.ko tries="${1:-5}" 2>/dev/null
r=$(dmesg | grep 'xi_crwp: tries=' | tail -n 1 | sed 's/.*xi_crwp: //')
smep=0 smap=0
grep -qw smep /proc/cpuinfo && smep=1
grep -qw smap /proc/cpuinfo && smap=1
echo "XI-G: ${XI_ID:--} crwp ${r:-none} smep=$smep smap=$smap"
