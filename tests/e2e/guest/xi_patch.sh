#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# xi_patch range|load|unload: in the guest, the kernel text range from
# /proc/kallsyms, and the load or unload of xi_patch.ko (guest/patch/),
# which patches one padding byte of kernel text and puts it back:
#
#   XI-G: <id> patch stext=0x... etext=0x... [patched va=0x... | restored va=0x...]
s=$(grep -w _stext /proc/kallsyms | cut -d' ' -f1)
e=$(grep -w _etext /proc/kallsyms | cut -d' ' -f1)
r=
case "${1:-range}" in
load)
	insmod /lib/xi/xi_patch.ko 2>/dev/null
	r=$(dmesg | grep 'xi_patch: patched' | tail -n 1 | sed 's/.*xi_patch: //')
	;;
unload)
	rmmod xi_patch 2>/dev/null
	r=$(dmesg | grep 'xi_patch: restored' | tail -n 1 | sed 's/.*xi_patch: //')
	;;
esac
echo "XI-G: ${XI_ID:--} patch stext=0x$s etext=0x$e $r"
