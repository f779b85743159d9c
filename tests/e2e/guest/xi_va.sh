#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# xi_va: in the guest, load xi_va.ko (guest/va/) once and print what it
# reported as the guest's result line:
#
#   XI-G: <id> va vmalloc va=0x... pa=0x... kmalloc va=0x... pa=0x... word=0x...
grep -q '^xi_va ' /proc/modules || insmod /lib/xi/xi_va.ko 2>/dev/null
r=$(dmesg | grep 'xi_va: vmalloc' | tail -n 1 | sed 's/.*xi_va: //')
echo "XI-G: ${XI_ID:--} va ${r:-none}"
