#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# xi_procs: in the guest, its processes as its own /proc lists them (the
# thread group leaders, kernel threads included), the ground truth for
# `xenintro ps`:
#
#   XI-G: <id> proc <pid> <comm>
#   XI-G: <id> procs self=<pid of this listing>
for d in /proc/[0-9]*; do
	p=${d#/proc/}
	c=$(cat "$d/comm" 2>/dev/null) || continue
	echo "XI-G: ${XI_ID:--} proc $p $c"
done
echo "XI-G: ${XI_ID:--} procs self=$$"
