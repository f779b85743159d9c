#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# xi_ksyms: in the guest, a sample of its own /proc/kallsyms, the ground
# truth for the symbols dom0 reads out of the guest's kernel image
# (xenintro ksyms): every 400th kernel symbol whose name is unique, and a
# few anchors, one per line:
#
#   XI-G: <id> ksym <address> <name>
#
# and where the kernel's code sits in guest-physical memory (KASLR moves
# it there too, independently of the virtual slide):
#
#   XI-G: <id> kcode <first>-<last>
awk -v id="${XI_ID:--}" '
	NF == 3 && $1 ~ /^ffffffff/ { n[$3]++; a[$3] = $1; name[++k] = $3 }
	END {
		split("_text _stext _etext entry_SYSCALL_64 commit_creds sys_call_table init_task", anchor, " ")
		for (i in anchor)
			if (n[anchor[i]] == 1)
				print "XI-G: " id " ksym " a[anchor[i]] " " anchor[i]
		for (i = 1; i <= k; i += 400)
			if (n[name[i]] == 1)
				print "XI-G: " id " ksym " a[name[i]] " " name[i]
	}' /proc/kallsyms
sed -n 's/^ *\([0-9a-f]*-[0-9a-f]*\) : Kernel code$/XI-G: '"${XI_ID:--}"' kcode \1/p' /proc/iomem
