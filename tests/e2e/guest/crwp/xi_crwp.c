// SPDX-License-Identifier: GPL-2.0
/*
 * xi_crwp: what a rootkit does before patching read-only kernel text or
 * jumping to user memory: clear CR0.WP, or CR4.SMEP or CR4.SMAP. Loaded in
 * the monitored PVH guest by the e2e scenarios "CR0 deny" and "CR4 deny"
 * (tests/e2e/dom0/e2e.sh). It writes the control register without the bit
 * with a plain MOV (not native_write_cr0/4(), whose CR pinning would put
 * the bit back and warn), reads it back, puts the bit back if it had gone,
 * and reports on the kernel log:
 *
 *   xi_crwp: target=wp tries=N cleared=M before=... after=... now=...
 *
 * cleared counts the writes after which the bit really was 0: 0 when
 * xenintro's rule made Xen deny them, N on an unmonitored guest. The
 * module refuses to stay loaded (-EAGAIN) so it can be loaded again.
 */
#include <linux/module.h>
#include <linux/irqflags.h>
#include <linux/string.h>
#include <asm/processor-flags.h>

static unsigned int tries = 5;
module_param(tries, uint, 0444);
MODULE_PARM_DESC(tries, "how many times to try clearing the bit");

static char *target = "wp";
module_param(target, charp, 0444);
MODULE_PARM_DESC(target, "the bit to clear: wp (CR0), smep or smap (CR4)");

static const struct {
	const char *name;
	unsigned int cr;	/* 0 or 4 */
	unsigned long bit;
} xi_targets[] = {
	{ "wp", 0, X86_CR0_WP },
	{ "smep", 4, X86_CR4_SMEP },
	{ "smap", 4, X86_CR4_SMAP },
};

static inline unsigned long xi_read_cr(unsigned int cr)
{
	unsigned long v;

	if (cr == 0)
		asm volatile("mov %%cr0, %0" : "=r"(v));
	else
		asm volatile("mov %%cr4, %0" : "=r"(v));
	return v;
}

static inline void xi_write_cr(unsigned int cr, unsigned long v)
{
	if (cr == 0)
		asm volatile("mov %0, %%cr0" : : "r"(v) : "memory");
	else
		asm volatile("mov %0, %%cr4" : : "r"(v) : "memory");
}

static int __init xi_crwp_init(void)
{
	unsigned long flags, before = 0, after = 0, bit;
	unsigned int i, t, cr, cleared = 0;

	for (t = 0; t < ARRAY_SIZE(xi_targets); t++)
		if (!strcmp(target, xi_targets[t].name))
			break;
	if (t == ARRAY_SIZE(xi_targets))
		return -EINVAL;
	cr = xi_targets[t].cr;
	bit = xi_targets[t].bit;
	/* a bit the CPU never set cannot be cleared: say so, try nothing */
	if (!(xi_read_cr(cr) & bit)) {
		pr_info("xi_crwp: target=%s tries=0 cleared=0 before=%#lx absent=1\n",
			target, xi_read_cr(cr));
		return -EAGAIN;
	}

	for (i = 0; i < tries; i++) {
		local_irq_save(flags);
		before = xi_read_cr(cr);
		xi_write_cr(cr, before & ~bit);
		after = xi_read_cr(cr);
		if (!(after & bit)) {
			cleared++;
			xi_write_cr(cr, after | bit);
		}
		local_irq_restore(flags);
	}
	pr_info("xi_crwp: target=%s tries=%u cleared=%u before=%#lx after=%#lx now=%#lx\n",
		target, tries, cleared, before, after, xi_read_cr(cr));
	return -EAGAIN;
}

module_init(xi_crwp_init);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("xenintro e2e: try to clear CR0.WP, CR4.SMEP or CR4.SMAP in a guest");
