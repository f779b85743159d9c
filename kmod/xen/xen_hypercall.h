/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The Xen control interfaces the backend uses and Linux's headers do not
 * carry: domctl (pause, domain info, vm_event, monitor, page types),
 * XENMEM_access_op and the dm_op event injection. Written from the layouts
 * Xen 4.17's public headers define (public/domctl.h, public/memory.h,
 * public/hvm/dm_op.h), not copied from them; every layout is asserted in
 * xen_hypercall_abi_check(). They are the same from Xen 4.16 to 4.20; the
 * domctl interface version, which is not, comes from ../xen_release.c.
 *
 * What Linux 6.1 does define (hypercall numbers, memory reservations,
 * HVM params, event channels) comes from <xen/interface/...>.
 */
#ifndef _XENINTRO_XEN_HYPERCALL_H
#define _XENINTRO_XEN_HYPERCALL_H

#include <linux/bits.h>
#include <linux/build_bug.h>
#include <linux/stddef.h>
#include <linux/types.h>

#define XI_DOMID_INVALID		0x7ff4

/* domctl commands */
#define XI_DOMCTL_pausedomain		3
#define XI_DOMCTL_unpausedomain		4
#define XI_DOMCTL_getdomaininfo		5
#define XI_DOMCTL_getvcpuinfo		14
#define XI_DOMCTL_debug_op		54
#define XI_DOMCTL_gethvmcontext_partial	55
#define XI_DOMCTL_vm_event_op		56
#define XI_DOMCTL_getpageframeinfo3	61
#define XI_DOMCTL_set_access_required	64
#define XI_DOMCTL_monitor_op		77

#define XI_MSR_EFER			0xc0000080U

/* getdomaininfo flags */
#define XI_DOMINF_dying			BIT(0)
#define XI_DOMINF_hvm_guest		BIT(1)
#define XI_DOMINF_shutdown		BIT(2)
#define XI_DOMINF_paused		BIT(3)
#define XI_DOMINF_xs_domain		BIT(7)	/* the xenstore domain */
#define XI_DOMINF_SHUTDOWN_REASON(flags)	(((flags) >> 16) & 0xff)
/* SHUTDOWN_* reasons after which the same domain runs again */
#define XI_SHUTDOWN_suspend		2
#define XI_SHUTDOWN_soft_reset		5

struct xi_domctl_getdomaininfo {
	u16 domain;
	u16 pad1;
	u32 flags;
	u64 tot_pages;
	u64 max_pages;
	u64 outstanding_pages;
	u64 shr_pages;
	u64 paged_pages;
	u64 shared_info_frame;
	u64 cpu_time;
	u32 nr_online_vcpus;
	u32 max_vcpu_id;
	u32 ssidref;
	u8 handle[16];
	u32 cpupool;
	u8 gpaddr_bits;
	u8 pad2[7];
	u32 emulation_flags;
	u32 misc_flags;
};

/* vm_event_op */
#define XI_VM_EVENT_ENABLE		0
#define XI_VM_EVENT_DISABLE		1
#define XI_VM_EVENT_RESUME		2
#define XI_VM_EVENT_GET_VERSION		3
#define XI_VM_EVENT_MODE_MONITOR	2

struct xi_domctl_vm_event_op {
	u32 op;
	u32 mode;
	u32 port_or_version;	/* u.enable.port / u.version, out */
};

/* monitor_op */
#define XI_MONITOR_OP_ENABLE		0
#define XI_MONITOR_OP_DISABLE		1
#define XI_MONITOR_OP_GET_CAPABILITIES	2
#define XI_MONITOR_OP_CONTROL_REGISTERS	4

/* monitor events, numbered as XENINTRO_MONITOR_* deliberately */
#define XI_MONITOR_EVENT_WRITE_CTRLREG	0
#define XI_MONITOR_EVENT_MOV_TO_MSR	1

struct xi_domctl_monitor_op {
	u32 op;
	u32 event;		/* or the capability bitmap, out */
	union {
		struct {
			u8 index;
			u8 sync;
			u8 onchangeonly;
			u8 pad1;
			u32 pad2;
			u64 bitmask;
		} mov_to_cr;
		struct {
			u32 msr;
			u8 onchangeonly;
		} mov_to_msr;
		struct {
			u8 sync;
			u8 allow_userspace;
		} guest_request;
		struct {
			u8 sync;
		} debug_exception;
		struct {
			u8 sync;
		} vmexit;
		u8 raw[16];
	} u;
};

/* getpageframeinfo3 */
#define XI_DOMCTL_PFINFO_XTAB		(0xfU << 28)

struct xi_domctl_getpageframeinfo3 {
	u64 num;
	u64 array;		/* guest handle: xen_pfn_t[num] */
};

/* getvcpuinfo: where a vCPU is and how long it ran (public/domctl.h) */
struct xi_domctl_getvcpuinfo {
	u32 vcpu;		/* IN */
	u8 online;
	u8 blocked;
	u8 running;
	u8 pad;
	u64 cpu_time;		/* ns this vCPU ran */
	u32 cpu;
	u32 pad2;
};

/* debug_op: per-vCPU MTF single-step (HVM, Intel only) */
#define XI_DOMCTL_DEBUG_OP_SINGLE_STEP_OFF	0
struct xi_domctl_debug_op {
	u32 op;
	u32 vcpu;
};

/*
 * gethvmcontext_partial: one save record, here the CPU record of one vCPU
 * (struct hvm_hw_cpu, 1032 bytes, no save descriptor); only the paging
 * registers are read, at these offsets.
 */
#define XI_HVM_SAVE_CODE_CPU		2
#define XI_HVM_HW_CPU_SIZE		1032
#define XI_HVM_HW_CPU_CR0		656
#define XI_HVM_HW_CPU_CR3		672
#define XI_HVM_HW_CPU_CR4		680
#define XI_HVM_HW_CPU_EFER		992
struct xi_domctl_hvmcontext_partial {
	u32 type;
	u32 instance;		/* the vCPU */
	u64 bufsz;
	u64 buffer;		/* guest handle */
};

struct xi_domctl_set_access_required {
	u8 access_required;
};

struct xi_domctl {
	u32 cmd;
	u32 interface_version;
	u16 domain;
	u16 pad[3];
	union {
		struct xi_domctl_getdomaininfo getdomaininfo;
		struct xi_domctl_vm_event_op vm_event_op;
		struct xi_domctl_monitor_op monitor_op;
		struct xi_domctl_getpageframeinfo3 getpageframeinfo3;
		struct xi_domctl_set_access_required access_required;
		struct xi_domctl_getvcpuinfo getvcpuinfo;
		struct xi_domctl_debug_op debug_op;
		struct xi_domctl_hvmcontext_partial hvmcontext_partial;
		u8 pad[128];
	} u;
};

/* memory_op */
#define XI_XENMEM_maximum_gpfn		14
#define XI_XENMEM_access_op		21
#define XI_XENMEM_access_op_set_access	0
#define XI_XENMEM_access_op_get_access	1
#define XI_XENMEM_access_op_set_multi	4
/* xenmem_access_t: n .. rwx are 0..7, like XENINTRO_ACCESS_* */
#define XI_XENMEM_access_rwx		7

struct xi_mem_access_op {
	u8 op;
	u8 access;
	u16 domid;
	u32 nr;
	u64 pfn;
	u64 pfn_list;		/* guest handle: u64[] */
	u64 access_list;	/* guest handle: u8[] */
};

/* HVM params (Linux's headers do not define these) */
#define XI_HVM_PARAM_MONITOR_RING_PFN	28

/* dm_op inject_event */
#define XI_DMOP_inject_event		13

struct xi_dm_op_inject_event {
	u32 vcpuid;
	u8 vector;
	u8 type;
	u8 insn_len;
	u8 pad0;
	u32 error_code;
	u32 pad1;
	u64 cr2;
};

struct xi_dm_op {
	u32 op;
	u32 pad;
	union {
		struct xi_dm_op_inject_event inject_event;
		u8 raw[24];
	} u;
};

static inline void xen_hypercall_abi_check(void)
{
	BUILD_BUG_ON(sizeof(struct xi_domctl) != 144);
	BUILD_BUG_ON(offsetof(struct xi_domctl, u) != 16);
	BUILD_BUG_ON(sizeof(struct xi_domctl_getdomaininfo) != 112);
	BUILD_BUG_ON(offsetof(struct xi_domctl_getdomaininfo, flags) != 4);
	BUILD_BUG_ON(offsetof(struct xi_domctl_getdomaininfo, cpu_time) != 56);
	BUILD_BUG_ON(offsetof(struct xi_domctl_getdomaininfo,
			      max_vcpu_id) != 68);
	BUILD_BUG_ON(offsetof(struct xi_domctl_getdomaininfo, cpupool) != 92);
	BUILD_BUG_ON(offsetof(struct xi_domctl_getdomaininfo,
			      emulation_flags) != 104);
	BUILD_BUG_ON(sizeof(struct xi_domctl_vm_event_op) != 12);
	BUILD_BUG_ON(sizeof(struct xi_domctl_getvcpuinfo) != 24);
	BUILD_BUG_ON(sizeof(struct xi_domctl_debug_op) != 8);
	BUILD_BUG_ON(sizeof(struct xi_domctl_hvmcontext_partial) != 24);
	BUILD_BUG_ON(offsetof(struct xi_domctl_getvcpuinfo, cpu_time) != 8);
	BUILD_BUG_ON(offsetof(struct xi_domctl_getvcpuinfo, cpu) != 16);
	BUILD_BUG_ON(sizeof(struct xi_domctl_monitor_op) != 24);
	BUILD_BUG_ON(offsetof(struct xi_domctl_monitor_op,
			      u.mov_to_cr.bitmask) != 16);
	BUILD_BUG_ON(offsetof(struct xi_domctl_monitor_op,
			      u.mov_to_msr.onchangeonly) != 12);
	BUILD_BUG_ON(sizeof(struct xi_mem_access_op) != 32);
	BUILD_BUG_ON(offsetof(struct xi_mem_access_op, pfn) != 8);
	BUILD_BUG_ON(offsetof(struct xi_mem_access_op, access_list) != 24);
	BUILD_BUG_ON(sizeof(struct xi_dm_op_inject_event) != 24);
	BUILD_BUG_ON(offsetof(struct xi_dm_op_inject_event, cr2) != 16);
	BUILD_BUG_ON(sizeof(struct xi_dm_op) != 32);
}

#endif /* _XENINTRO_XEN_HYPERCALL_H */
