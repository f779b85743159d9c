// SPDX-License-Identifier: GPL-2.0
/*
 * domctl, memory_op and hvm_op wrappers. Linux has no HYPERVISOR_domctl,
 * so domctls go through the generic _hypercall1() stub; kernel buffers are
 * valid hypercall arguments for a PV dom0 (Xen reads them through the
 * dom0 kernel's own page tables; no user-access window is involved).
 *
 * Domctls take Xen's global domctl lock: process context only.
 */
#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <xen/interface/xen.h>
#include <xen/interface/memory.h>
#include <xen/interface/hvm/hvm_op.h>
#include <xen/interface/hvm/params.h>
#include <asm/xen/hypercall.h>

#include "xen.h"

/*
 * The release the hypervisor runs, chosen once at load (xi_xen_probe())
 * before any other domctl, and only read afterwards.
 */
const struct xenintro_xen_release *xi_release __ro_after_init;

static int xi_domctl_version(struct xi_domctl *d, u32 version)
{
	might_sleep();
	d->interface_version = version;
	return _hypercall1(long, domctl, d);
}

int xi_domctl(struct xi_domctl *d)
{
	return xi_domctl_version(d, xi_release->domctl_version);
}

/*
 * Up to 4.17 Xen answers getdomaininfo for a missing domain with the next
 * one up (it is an enumeration), so the returned id is compared; later
 * releases fail it with -ESRCH themselves.
 */
int xi_getdomaininfo(u16 domid, struct xi_domctl_getdomaininfo *info)
{
	struct xi_domctl d = {
		.cmd = XI_DOMCTL_getdomaininfo,
		.domain = domid,
	};
	int ret;

	ret = xi_domctl(&d);
	if (ret)
		return ret;
	if (xi_release->getdomaininfo_next && d.u.getdomaininfo.domain != domid)
		return -ESRCH;
	*info = d.u.getdomaininfo;
	return 0;
}

int xi_singlestep_off(u16 domid, u32 vcpu)
{
	struct xi_domctl d = {
		.cmd = XI_DOMCTL_debug_op,
		.domain = domid,
		.u.debug_op.op = XI_DOMCTL_DEBUG_OP_SINGLE_STEP_OFF,
		.u.debug_op.vcpu = vcpu,
	};

	return xi_domctl(&d);
}

/*
 * The paging registers of one vCPU, from its CPU save record (Xen pauses
 * just that vCPU while it copies the record).
 */
int xi_vcpu_paging(u16 domid, u32 vcpu, u64 *cr0, u64 *cr3, u64 *cr4,
		   u64 *efer)
{
	struct xi_domctl d = {
		.cmd = XI_DOMCTL_gethvmcontext_partial,
		.domain = domid,
		.u.hvmcontext_partial = {
			.type = XI_HVM_SAVE_CODE_CPU,
			.instance = vcpu,
			.bufsz = XI_HVM_HW_CPU_SIZE,
		},
	};
	u8 *buf;
	int ret;

	buf = kzalloc(XI_HVM_HW_CPU_SIZE, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	d.u.hvmcontext_partial.buffer = (unsigned long)buf;
	ret = xi_domctl(&d);
	if (!ret) {
		memcpy(cr0, buf + XI_HVM_HW_CPU_CR0, sizeof(*cr0));
		memcpy(cr3, buf + XI_HVM_HW_CPU_CR3, sizeof(*cr3));
		memcpy(cr4, buf + XI_HVM_HW_CPU_CR4, sizeof(*cr4));
		memcpy(efer, buf + XI_HVM_HW_CPU_EFER, sizeof(*efer));
	}
	kfree(buf);
	return ret;
}

int xi_getvcpuinfo(u16 domid, u32 vcpu, struct xi_domctl_getvcpuinfo *info)
{
	struct xi_domctl d = {
		.cmd = XI_DOMCTL_getvcpuinfo,
		.domain = domid,
		.u.getvcpuinfo.vcpu = vcpu,
	};
	int ret;

	ret = xi_domctl(&d);
	if (!ret)
		*info = d.u.getvcpuinfo;
	return ret;
}

int xi_pause(u16 domid, bool pause)
{
	struct xi_domctl d = {
		.cmd = pause ? XI_DOMCTL_pausedomain : XI_DOMCTL_unpausedomain,
		.domain = domid,
	};

	return xi_domctl(&d);
}

/* A monitor-ring vm_event op, with the given domctl interface version. */
static int xi_vm_event_op_version(u16 domid, u32 op, u32 *out, u32 version)
{
	struct xi_domctl d = {
		.cmd = XI_DOMCTL_vm_event_op,
		.domain = domid,
		.u.vm_event_op = {
			.op = op,
			.mode = XI_VM_EVENT_MODE_MONITOR,
		},
	};
	int ret;

	ret = xi_domctl_version(&d, version);
	if (!ret && out)
		*out = d.u.vm_event_op.port_or_version;
	return ret;
}

int xi_vm_event_op(u16 domid, u32 op, u32 *out)
{
	return xi_vm_event_op_version(domid, op, out,
				      xi_release->domctl_version);
}

/*
 * For xenintro_xen_release_select(): the vm_event interface version, asked
 * with a candidate domctl version (no domain: GET_VERSION is the only
 * vm_event op Xen takes without one; any other NULL-dereferences in Xen
 * before 4.18.5, 4.19.3 and 4.20.1).
 */
int xi_probe_vm_event_version(void *ctx, u32 domctl_version, u32 *version)
{
	return xi_vm_event_op_version(XI_DOMID_INVALID, XI_VM_EVENT_GET_VERSION,
				      version, domctl_version);
}

int xi_monitor_op(u16 domid, struct xi_domctl_monitor_op *op)
{
	struct xi_domctl d = {
		.cmd = XI_DOMCTL_monitor_op,
		.domain = domid,
		.u.monitor_op = *op,
	};
	int ret;

	ret = xi_domctl(&d);
	if (!ret)
		*op = d.u.monitor_op;
	return ret;
}

int xi_page_type(u16 domid, u64 gfn, u64 *type)
{
	u64 pfn = gfn;
	struct xi_domctl d = {
		.cmd = XI_DOMCTL_getpageframeinfo3,
		.domain = domid,
		.u.getpageframeinfo3 = {
			.num = 1,
			.array = (unsigned long)&pfn,
		},
	};
	int ret;

	ret = xi_domctl(&d);
	if (!ret)
		*type = pfn & XI_DOMCTL_PFINFO_XTAB;
	return ret;
}

long xi_max_gpfn(u16 domid)
{
	domid_t dom = domid;

	return HYPERVISOR_memory_op(XI_XENMEM_maximum_gpfn, &dom);
}

/* cmd must be exactly 21: Xen keeps continuation state in its high bits. */
int xi_mem_access(struct xi_mem_access_op *op)
{
	return HYPERVISOR_memory_op(XI_XENMEM_access_op, op);
}

int xi_hvm_get_param(u16 domid, u32 index, u64 *value)
{
	struct xen_hvm_param p = { .domid = domid, .index = index };
	long ret;

	ret = (long)HYPERVISOR_hvm_op(HVMOP_get_param, &p);
	if (!ret)
		*value = p.value;
	return ret;
}

/* XENMEM_populate_physmap or XENMEM_decrease_reservation of one frame. */
int xi_memory_reservation(u16 domid, unsigned int cmd, u64 gfn)
{
	xen_pfn_t pfn = gfn;
	struct xen_memory_reservation r = {
		.nr_extents = 1,
		.extent_order = 0,
		.domid = domid,
	};
	long ret;

	set_xen_guest_handle(r.extent_start, &pfn);
	ret = HYPERVISOR_memory_op(cmd, &r);
	if (ret < 0)
		return ret;
	return ret == 1 ? 0 : -ENOMEM;
}
