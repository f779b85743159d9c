// SPDX-License-Identifier: GPL-2.0
/*
 * xi_lstar: what a rootkit does to the system-call entry, made harmless,
 * for the e2e LSTAR scenario. With interrupts off (no system call can
 * enter on this CPU meanwhile) it writes LSTAR's own value back, as a CPU
 * coming online does, then a hook (the entry point + 0x40); it reads
 * LSTAR after each write and puts the entry point back if the hook stuck.
 * It reports on the kernel log:
 *
 *   xi_lstar: entry=0x... same=0x... hook=0x... result=denied|applied
 */
#include <linux/irqflags.h>
#include <linux/module.h>
#include <linux/printk.h>
#include <asm/msr.h>

static int __init xi_lstar_init(void)
{
	unsigned long flags;
	u64 entry, same, hooked;

	local_irq_save(flags);
	rdmsrl(MSR_LSTAR, entry);
	wrmsrl(MSR_LSTAR, entry);
	rdmsrl(MSR_LSTAR, same);
	wrmsrl(MSR_LSTAR, entry + 0x40);
	rdmsrl(MSR_LSTAR, hooked);
	if (hooked != entry)
		wrmsrl(MSR_LSTAR, entry);
	local_irq_restore(flags);
	pr_warn("xi_lstar: entry=0x%llx same=0x%llx hook=0x%llx result=%s\n",
		entry, same, hooked, hooked == entry ? "denied" : "applied");
	return 0;
}

static void __exit xi_lstar_exit(void)
{
}

module_init(xi_lstar_init);
module_exit(xi_lstar_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("xenintro e2e: write LSTAR's value back, then a hook");
