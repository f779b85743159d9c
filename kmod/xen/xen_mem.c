// SPDX-License-Identifier: GPL-2.0
/*
 * Guest memory on real Xen: one guest frame at a time is mapped into a
 * kernel window, copied and unmapped (->read_gpa(), ->write_gpa()).
 *
 * The window is mapped as the ring is (xen_ring.c): a vmap()ed dummy page
 * gives a kernel VA whose page table exists, and
 * update_va_mapping_otherdomain points its PTE at the guest frame; Xen
 * looks the gfn up in the guest's p2m, checks the frame is the guest's
 * and takes a reference for as long as the mapping lasts. A frame that is
 * not the guest's RAM (never populated, ballooned out, emulated MMIO) is
 * refused by Xen, and that refusal is -ENXIO here: a guest's page tables
 * may point anywhere. A passed-through device's MMIO is the exception Xen
 * would map; xenintro only ever reads what an agent asked for or a walk
 * of the guest's own tables reached, so at worst the guest's own device
 * sees a read.
 *
 * Callers hold the domain's ctl_lock (one copy at a time per domain, and
 * the window lives until the ring is disabled). The mapping is dropped
 * before the copy returns, with a TLB flush on every CPU, so no stale
 * translation of the window survives to the next frame.
 */
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>
#include <asm/xen/hypercall.h>
#include <asm/xen/page.h>
#include <xen/features.h>
#include <xen/xen-ops.h>

#include "../compat.h"
#include "xen.h"

static int xi_mem_window(struct xi_xen_dom *xd)
{
	if (xd->mem_va)
		return 0;
	xd->mem_dummy = alloc_page(GFP_KERNEL);
	if (!xd->mem_dummy)
		return -ENOMEM;
	xd->mem_va = vmap(&xd->mem_dummy, 1, VM_MAP, PAGE_KERNEL);
	if (!xd->mem_va) {
		__free_page(xd->mem_dummy);
		xd->mem_dummy = NULL;
		return -ENOMEM;
	}
	return 0;
}

/* At ring disable: no copy runs (ctl_lock), nothing is mapped. */
void xi_mem_window_free(struct xi_xen_dom *xd)
{
	if (!xd->mem_va)
		return;
	vunmap(xd->mem_va);
	__free_page(xd->mem_dummy);
	xd->mem_va = NULL;
	xd->mem_dummy = NULL;
}

static int xi_mem_map(struct xi_xen_dom *xd, u64 gfn, bool write)
{
	pte_t pte = mfn_pte(gfn, write ? PAGE_KERNEL : PAGE_KERNEL_RO);
	int ret;

	ret = xi_mem_window(xd);
	if (ret)
		return ret;
	ret = _hypercall4(int, update_va_mapping_otherdomain,
			  (unsigned long)xd->mem_va, pte_val_ma(pte),
			  UVMF_INVLPG | UVMF_ALL, xd->domid);
	if (ret) {
		pr_debug("xenintro_xen: dom%u: gfn %#llx not mappable: %d\n",
			 xd->domid, gfn, ret);
		return -ENXIO;
	}
	return 0;
}

static void xi_mem_unmap(struct xi_xen_dom *xd)
{
	int ret;

	/* Drops Xen's reference on the guest frame. */
	ret = HYPERVISOR_update_va_mapping((unsigned long)xd->mem_va,
					   __pte(0), UVMF_INVLPG | UVMF_ALL);
	WARN_ONCE(ret, "xenintro_xen: dom%u: unmapping a guest frame failed: %d\n",
		  xd->domid, ret);
}

static int xi_mem_copy(struct xenintro_domain *dom, u64 gpa, void *kbuf,
		       u32 len, bool write)
{
	struct xi_xen_dom *xd = xenintro_hv(dom)->hv;
	int ret;

	if (!xd)
		return -ESRCH;
	if (!len || offset_in_page(gpa) + len > PAGE_SIZE)
		return -EINVAL;
	ret = xi_mem_map(xd, gpa >> PAGE_SHIFT, write);
	if (ret)
		return ret;
	if (write)
		memcpy(xd->mem_va + offset_in_page(gpa), kbuf, len);
	else
		memcpy(kbuf, xd->mem_va + offset_in_page(gpa), len);
	xi_mem_unmap(xd);
	return 0;
}

int xi_op_read_gpa(struct xenintro_domain *dom, u64 gpa, void *buf, u32 len)
{
	return xi_mem_copy(dom, gpa, buf, len, false);
}

int xi_op_write_gpa(struct xenintro_domain *dom, u64 gpa, const void *buf,
		    u32 len)
{
	return xi_mem_copy(dom, gpa, (void *)buf, len, true);
}

/*
 * ->map_frames(): privcmd's MMAPBATCH_V2 for the agent. On a PV dom0 the
 * kernel's xen_remap_domain_gfn_array() writes the PTEs with
 * mmu_update(MMU_NORMAL_PT_UPDATE) naming the guest as the frames' owner,
 * 16 frames per hypercall; Xen checks each gfn against the guest's p2m
 * and takes a reference on the frame for as long as the PTE exists. A
 * refused frame gets its own error and leaves its PTE empty; the zap of
 * the PTE (munmap, exit, or our revoke) drops Xen's reference.
 */
int xi_op_map_frames(struct xenintro_domain *dom, struct vm_area_struct *vma,
		     const u64 *gfns, u32 nr, int *errs)
{
	struct xi_xen_dom *xd = xenintro_hv(dom)->hv;
	int ret;
	u32 i;

	BUILD_BUG_ON(sizeof(xen_pfn_t) != sizeof(u64));
	if (!xd)
		return -ESRCH;
	/* An auto-translated (PVH) dom0 would need ballooned pages here. */
	if (xen_feature(XENFEAT_auto_translated_physmap))
		return -EOPNOTSUPP;
	/* The remap code requires exactly this kind of mapping. */
	vm_flags_set(vma, VM_IO | VM_PFNMAP);
	ret = xen_remap_domain_gfn_array(vma, vma->vm_start,
					 (xen_pfn_t *)gfns, nr, errs,
					 vma->vm_page_prot, xd->domid, NULL);
	if (ret < 0)
		return ret;
	/* Whatever Xen said about a frame, to the agent it is not RAM. */
	for (i = 0; i < nr; i++)
		if (errs[i])
			errs[i] = -ENXIO;
	return ret;
}
