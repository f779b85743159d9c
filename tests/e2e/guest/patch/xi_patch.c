// SPDX-License-Identifier: GPL-2.0
/*
 * xi_patch: what a rootkit does to kernel code, made harmless, for the e2e
 * integrity scenario. On load it finds a run of INT3 padding bytes between
 * two functions of the kernel's text (never executed), clears CR0.WP with
 * a plain MOV, writes a NOP over one padding byte and sets CR0.WP again; on
 * unload it puts the INT3 back the same way. It reports on the kernel log:
 *
 *   xi_patch: patched va=0x... old=0xcc new=0x90
 *   xi_patch: restored va=0x...
 *
 * The page it changed is what "xenintro integrity" must report.
 */
#include <linux/irqflags.h>
#include <linux/module.h>
#include <linux/printk.h>
#include <asm/processor-flags.h>

#define XI_PAD		0xcc	/* INT3 */
#define XI_NOP		0x90
#define XI_PAD_RUN	16
#define XI_SEARCH	(256 * 1024)

static u8 *xi_at;

static void xi_poke(u8 *p, u8 v)
{
	unsigned long flags, cr0;

	local_irq_save(flags);
	asm volatile("mov %%cr0, %0" : "=r"(cr0));
	asm volatile("mov %0, %%cr0" : : "r"(cr0 & ~X86_CR0_WP) : "memory");
	WRITE_ONCE(*p, v);
	asm volatile("mov %0, %%cr0" : : "r"(cr0) : "memory");
	local_irq_restore(flags);
}

static int __init xi_patch_init(void)
{
	u8 *p = (u8 *)_printk, *end = p + XI_SEARCH;
	unsigned int run = 0;

	for (; p < end; p++) {
		run = *p == XI_PAD ? run + 1 : 0;
		/* the middle of a long run: padding, not an INT3 in code */
		if (run == XI_PAD_RUN) {
			xi_at = p - XI_PAD_RUN / 2;
			break;
		}
	}
	if (!xi_at)
		return -ENOENT;
	xi_poke(xi_at, XI_NOP);
	pr_warn("xi_patch: patched va=0x%lx old=0x%x new=0x%x\n",
		(unsigned long)xi_at, XI_PAD, *xi_at);
	return 0;
}

static void __exit xi_patch_exit(void)
{
	xi_poke(xi_at, XI_PAD);
	pr_warn("xi_patch: restored va=0x%lx\n", (unsigned long)xi_at);
}

module_init(xi_patch_init);
module_exit(xi_patch_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("xenintro e2e: patch one padding byte of kernel text");
