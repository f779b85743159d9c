#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# xi_crwp [TRIES [TARGET]]: in the guest, load xi_crwp.ko (guest/crwp/),
# which tries TRIES times to clear TARGET (wp: CR0.WP, the default; smep or
# smap: that CR4 bit) and refuses to stay loaded, and print its report as
# the guest's result line:
#
#   XI-G: <id> crwp target=T tries=N cleared=M before=... ... smep=0|1 smap=0|1
#
# smep/smap: whether the guest's CPU offers them (a CR4 deny needs them).
insmod /lib/xi/xi_crwp.ko tries="${1:-5}" target="${2:-wp}" 2>/dev/null
r=$(dmesg | grep 'xi_crwp: target=' | tail -n 1 | sed 's/.*xi_crwp: //')
smep=0 smap=0
grep -qw smep /proc/cpuinfo && smep=1
grep -qw smap /proc/cpuinfo && smap=1
echo "XI-G: ${XI_ID:--} crwp ${r:-none} smep=$smep smap=$smap"
