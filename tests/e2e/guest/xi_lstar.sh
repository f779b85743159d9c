#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# xi_lstar: in the guest, load and unload xi_lstar.ko (guest/lstar/), which
# writes LSTAR's own value back and then a hook, and print what it saw:
#
#   XI-G: <id> lstar entry=0x... same=0x... hook=0x... result=denied|applied
rmmod xi_lstar 2>/dev/null
insmod /lib/xi/xi_lstar.ko 2>/dev/null
r=$(dmesg | grep 'xi_lstar: entry=' | tail -n 1 | sed 's/.*xi_lstar: //')
rmmod xi_lstar 2>/dev/null
echo "XI-G: ${XI_ID:--} lstar ${r:-none}"
