// SPDX-License-Identifier: GPL-2.0
/*
 * xi_va: kernel virtual addresses and the physical addresses the guest
 * kernel itself gives them, for the e2e guest-memory scenario to compare
 * with xenintro's page walk from dom0:
 *
 *   xi_va: vmalloc va=0x... pa=0x... kmalloc va=0x... pa=0x...
 *          text va=0x... pa=0x... word=0x...
 *
 * A vmalloc address is mapped with 4K pages; a kmalloc one lies in the
 * direct map (2M or 1G pages on bare metal, often 4K in a PVH guest); the
 * kernel's text is mapped with 2M pages. A word of the vmalloc buffer
 * holds a marker so the scenario can read it through xenintro too. The
 * buffers stay allocated while the module is loaded; unloading frees
 * them.
 */
#include <linux/io.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#define XI_VA_MARK	0x7869766d61726b21ULL	/* "xivmark!" */

static u64 *xi_vbuf, *xi_kbuf;

static int __init xi_va_init(void)
{
	phys_addr_t vpa, kpa;

	xi_vbuf = vmalloc(3 * PAGE_SIZE);
	xi_kbuf = kmalloc(256, GFP_KERNEL);
	if (!xi_vbuf || !xi_kbuf) {
		vfree(xi_vbuf);
		kfree(xi_kbuf);
		return -ENOMEM;
	}
	/* A word in the middle page, so a 4K walk is needed for it. */
	xi_vbuf[PAGE_SIZE / 8 + 3] = XI_VA_MARK;
	xi_kbuf[0] = ~XI_VA_MARK;
	vpa = page_to_phys(vmalloc_to_page(&xi_vbuf[PAGE_SIZE / 8 + 3])) +
	      offset_in_page(&xi_vbuf[PAGE_SIZE / 8 + 3]);
	kpa = virt_to_phys(xi_kbuf);
	pr_warn("xi_va: vmalloc va=0x%lx pa=0x%llx kmalloc va=0x%lx pa=0x%llx text va=0x%lx pa=0x%llx word=0x%llx\n",
		(unsigned long)&xi_vbuf[PAGE_SIZE / 8 + 3], (u64)vpa,
		(unsigned long)xi_kbuf, (u64)kpa, (unsigned long)_printk,
		(u64)__pa_symbol(_printk), XI_VA_MARK);
	return 0;
}

static void __exit xi_va_exit(void)
{
	vfree(xi_vbuf);
	kfree(xi_kbuf);
}

module_init(xi_va_init);
module_exit(xi_va_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("xenintro e2e: kernel addresses for the page walk");
