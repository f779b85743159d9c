/* SPDX-License-Identifier: GPL-2.0 */
/*
 * xenintro_xen.ko: the Xen backend (Xen 4.16 to 4.20, the facts of each
 * in ../xen_release.c). The only code of xenintro that makes hypercalls.
 *
 * Files: xen_main.c (load-time probe, the operations table, noticing
 * dead guests), xen_domctl.c (domctl and memory_op wrappers),
 * xen_ring.c (mapping the ring page, enabling it, the event channel),
 * xen_mem.c (guest memory through a one-frame window), xen_ident.c (a
 * domain's name and role from xenstore, for the domain policy).
 */
#ifndef _XENINTRO_XEN_H
#define _XENINTRO_XEN_H

#include <linux/list.h>
#include <linux/types.h>

#include "../hv_ops.h"
#include "../xen_release.h"
#include "xen_hypercall.h"

/**
 * struct xi_xen_dom - backend state of one attached domain
 * @dom: the core's domain object
 * @domid: the guest
 * @node: on xi_xen_doms (under xi_xen_doms_lock)
 * @dummy: the page vmap()ed to get a kernel VA with a page table
 * @ring_va: that VA, now mapping the guest's ring frame
 * @ring_gfn: the ring's guest frame (HVM_PARAM_MONITOR_RING_PFN)
 * @irq: Linux irq of our end of the event channel, 0 if unbound
 * @enabled: vm_event ENABLE succeeded
 * @control_registers: CONTROL_REGISTERS (deny-capable) mode switched on
 * @dead_reported: xenintro_domain_dead() was called
 * @mem_dummy: the page vmap()ed for the guest-memory window
 * @mem_va: that window: one guest frame at a time while it is copied
 */
struct xi_xen_dom {
	struct xenintro_domain *dom;
	u16 domid;
	struct list_head node;
	struct page *dummy;
	void *ring_va;
	u64 ring_gfn;
	int irq;
	bool enabled;
	bool control_registers;
	bool dead_reported;
	struct page *mem_dummy;
	void *mem_va;
};

/* xen_domctl.c */
extern const struct xenintro_xen_release *xi_release;
int xi_domctl(struct xi_domctl *d);
int xi_probe_vm_event_version(void *ctx, u32 domctl_version, u32 *version);
int xi_getdomaininfo(u16 domid, struct xi_domctl_getdomaininfo *info);
int xi_pause(u16 domid, bool pause);
int xi_singlestep_off(u16 domid, u32 vcpu);
int xi_vcpu_paging(u16 domid, u32 vcpu, u64 *cr0, u64 *cr3, u64 *cr4,
		   u64 *efer);
int xi_getvcpuinfo(u16 domid, u32 vcpu, struct xi_domctl_getvcpuinfo *info);
int xi_vm_event_op(u16 domid, u32 op, u32 *out);
int xi_monitor_op(u16 domid, struct xi_domctl_monitor_op *op);
int xi_page_type(u16 domid, u64 gfn, u64 *type);
long xi_max_gpfn(u16 domid);
int xi_mem_access(struct xi_mem_access_op *op);
int xi_hvm_get_param(u16 domid, u32 index, u64 *value);
int xi_memory_reservation(u16 domid, unsigned int cmd, u64 gfn);

/* xen_ident.c */
int xi_ident_init(void);
void xi_ident_exit(void);
int xi_domain_identity(u16 domid, struct xenintro_domident *id);

/* xen_mem.c */
int xi_op_read_gpa(struct xenintro_domain *dom, u64 gpa, void *buf, u32 len);
int xi_op_map_frames(struct xenintro_domain *dom, struct vm_area_struct *vma,
		     const u64 *gfns, u32 nr, int *errs);
int xi_op_write_gpa(struct xenintro_domain *dom, u64 gpa, const void *buf,
		    u32 len);
void xi_mem_window_free(struct xi_xen_dom *xd);

/* xen_ring.c */
int xi_ring_enable(struct xenintro_domain *dom);
void xi_ring_disable(struct xenintro_domain *dom);
void xi_ring_notify(struct xenintro_domain *dom);
void xi_ring_kick_done(struct xenintro_domain *dom, bool spurious);

/* xen_main.c */
void xi_doms_add(struct xi_xen_dom *xd);
void xi_doms_remove(struct xi_xen_dom *xd);

#endif /* _XENINTRO_XEN_H */
