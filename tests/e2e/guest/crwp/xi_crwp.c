// SPDX-License-Identifier: GPL-2.0
/*
 * xi_crwp: what a rootkit does before patching read-only kernel text:
 * clear CR0.WP. Loaded in the monitored PVH guest by the e2e scenario "CR0
 * deny" (tests/e2e/dom0/e2e.sh). It writes CR0 without WP with a plain MOV
 * (not native_write_cr0(), whose CR pinning would put WP back and warn),
 * reads CR0 back, puts WP back if it had gone, and reports on the kernel
 * log:
 *
 *   xi_crwp: tries=N wp_cleared=M cr0_before=... cr0_after=...
 *
 * wp_cleared counts the writes after which CR0.WP really was 0: 0 when
 * xenintro's rule made Xen deny them, N on an unmonitored guest. The
 * module refuses to stay loaded (-EAGAIN) so it can be loaded again.
 */
#include <linux/module.h>
#include <linux/irqflags.h>
#include <asm/processor-flags.h>

static unsigned int tries = 5;
module_param(tries, uint, 0444);
MODULE_PARM_DESC(tries, "how many times to try clearing CR0.WP");

static inline unsigned long xi_read_cr0(void)
{
	unsigned long v;

	asm volatile("mov %%cr0, %0" : "=r"(v));
	return v;
}

static inline void xi_write_cr0(unsigned long v)
{
	asm volatile("mov %0, %%cr0" : : "r"(v) : "memory");
}

static int __init xi_crwp_init(void)
{
	unsigned long flags, before = 0, after = 0;
	unsigned int i, cleared = 0;

	for (i = 0; i < tries; i++) {
		local_irq_save(flags);
		before = xi_read_cr0();
		xi_write_cr0(before & ~X86_CR0_WP);
		after = xi_read_cr0();
		if (!(after & X86_CR0_WP)) {
			cleared++;
			xi_write_cr0(after | X86_CR0_WP);
		}
		local_irq_restore(flags);
	}
	pr_info("xi_crwp: tries=%u wp_cleared=%u cr0_before=%#lx cr0_after=%#lx cr0_now=%#lx\n",
		tries, cleared, before, after, xi_read_cr0());
	return -EAGAIN;
}

module_init(xi_crwp_init);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("xenintro e2e: try to clear CR0.WP in a guest");
