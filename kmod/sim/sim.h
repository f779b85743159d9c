/* SPDX-License-Identifier: GPL-2.0 */
/*
 * xenintro_sim: a software model of Xen 4.17's monitor interface.
 *
 * The simulated hypervisor implements struct xenintro_hv_ops (../hv_ops.h)
 * so that the xenintro core, its uAPI and the userspace built on it can be
 * tested without Xen, in the style of drivers/net/netdevsim. It models
 * what xenintro depends on, with Xen's rules (the behaviour was checked
 * against Xen's stable-4.17 sources: common/vm_event.c, common/monitor.c,
 * arch/x86/monitor.c, common/mem_access.c, arch/x86/hvm/vm_event.c):
 *
 *   - domains with vCPUs (registers, MSRs, single-step, altp2m view),
 *     guest frames with real memory and per-frame access rights, and a
 *     toolstack pause count;
 *   - the 8-slot vm_event ring with Xen as the front end: slot claims, a
 *     wait queue when the ring is full, throttling, sync events that pause
 *     the vCPU until its response, kicks through an irq_work that calls
 *     the core in hard-IRQ context like Xen's event channel interrupt;
 *   - response processing as in vm_event_resume(): dropped on a bad
 *     version or vCPU, flags honoured only for a paused vCPU;
 *   - monitor_op and mem_access with Xen's error codes, including the
 *     CONTROL_REGISTERS (deny-capable) mode and an AMD (SVM) flavour.
 *
 * Guest activity is driven from debugfs (sim_debugfs.c): each command is
 * one guest instruction run by the writing task acting as the vCPU, so it
 * blocks exactly where a real vCPU would stop running.
 *
 * Files: sim_main.c (module, registry, ops table), sim_domain.c (domains,
 * vCPU scheduling, pause, guest memory), sim_ring.c (the vm_event ring),
 * sim_ops.c (monitor, access, inject), sim_guest.c (what each guest
 * instruction does), sim_debugfs.c (control file), sim_storm.c (event
 * storms from kernel threads), sim_fault.c (faults injected into the ops).
 *
 * Locking, outermost first:
 *   sim_domains_mutex   the domain registry and the last reference drop
 *   sim_vcpu.run_lock   one guest instruction at a time on a vCPU
 *   (the core's ring lock, held around ->notify() and ->inject())
 *   sim_domain.lock     every mutable field of a domain and its vCPUs
 * Never call into the core (xenintro_domain_kick/_dead) with a sim lock
 * held; the core calls ->notify() with its own lock held, so the core's
 * lock nests outside sim_domain.lock and never the other way round.
 */
#ifndef _XENINTRO_SIM_H
#define _XENINTRO_SIM_H

#include <linux/irq_work.h>
#include <linux/kref.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>
#include <linux/xenintro.h>

#include "../hv_ops.h"
#include "../xen_abi.h"

#define SIM_NAME		"xenintro_sim"

#define SIM_DOMID_MAX		0x7fef	/* below DOMID_FIRST_RESERVED */
#define SIM_VCPUS_MAX		128
#define SIM_FRAMES_MAX		XENINTRO_ACCESS_NR_MAX
#define SIM_PAUSE_MAX		255	/* Xen's controller_pause_count cap */
#define SIM_RING_SIZE		XVE_RING_ENTRIES
#define SIM_ALTP2M_VIEWS	10	/* Xen's MAX_ALTP2M */
#define SIM_MSR_OTHER		16	/* MSRs beyond the named ones, per vCPU */
/*
 * A guest instruction that keeps trapping is re-executed by a real vCPU
 * forever; the simulation gives up after this many attempts and reports
 * result=refault.
 */
#define SIM_REFAULT_LIMIT	4

#define SIM_RIGHTS_RWX		0x7	/* XENINTRO_ACCESS_RWX */

/* Internal status codes of the vCPU machinery (never seen by callers). */
#define SIM_OK			0
#define SIM_DEAD		1	/* the domain died under the vCPU */
#define SIM_DROPPED		2	/* no ring: the event was not produced */
#define SIM_PLACED		3	/* the request is on the ring */

/* Outcome of one guest instruction, shown as result=<name>. */
enum sim_result {
	SIM_R_DONE,
	SIM_R_EMULATED,
	SIM_R_EMULATED_NOWRITE,
	SIM_R_EMULATED_READDATA,
	SIM_R_DENIED,
	SIM_R_REINJECTED,
	SIM_R_SKIPPED,
	SIM_R_REFAULT,
	SIM_R_DEAD,
	SIM_R_NO_EVENT,
};

/* Guest instructions (debugfs commands and storm kinds). */
enum sim_op {
	SIM_OP_ACCESS,
	SIM_OP_CR,
	SIM_OP_MSR,
	SIM_OP_INT3,
	SIM_OP_CPUID,
	SIM_OP_GUEST_REQUEST,
	SIM_OP_DESC,
	SIM_OP_DEBUG,
	SIM_OP_SINGLESTEP,
	SIM_OP_EMUL_UNIMPL,
	SIM_OP_VMEXIT,
};

/* Named points in the backend ops where a test can arm a fault. */
enum sim_fault_point {
	SIM_FP_NONE,
	SIM_FP_PAUSE,
	SIM_FP_UNPAUSE,
	SIM_FP_RING_ENABLE,
	SIM_FP_RING_HIDE,	/* Xen: decrease_reservation of the ring frame */
	SIM_FP_NOTIFY,
	SIM_FP_MONITOR,
	SIM_FP_SET_ACCESS,
	SIM_FP_GET_ACCESS,
	SIM_FP_RESET_ACCESS,
	SIM_FP_SINGLESTEP_OFF,
	SIM_FP_MAP_FRAME,	/* each frame of ->map_frames() */
};

enum sim_fault_action {
	SIM_FAULT_FAIL,		/* the op returns errno_val */
	SIM_FAULT_DESTROY,	/* the domain is destroyed meanwhile */
};

/* An armed fault (sim_fault.c), under sim_domain.lock. */
struct sim_fault {
	enum sim_fault_point point;
	enum sim_fault_action action;
	int errno_val;		/* negative */
	u32 skip;		/* calls of the op to let through first */
	u32 delay_us;		/* destroy: how long the op waits */
};

/* Monitor settings: Xen's d->monitor and d->arch.monitor. */
struct sim_msr_bitmap {
	DECLARE_BITMAP(low, 8192);	/* 0x00000000 - 0x00001fff */
	DECLARE_BITMAP(hyp, 8192);	/* 0x40000000 - 0x40001fff */
	DECLARE_BITMAP(high, 8192);	/* 0xc0000000 - 0xc0001fff */
};

struct sim_monitor {
	u8 cr_enabled;			/* bit per CR index 0..3 */
	u8 cr_sync;
	u8 cr_onchange;
	u64 cr_mask[4];			/* bits whose changes raise nothing */
	struct sim_msr_bitmap msr;
	struct sim_msr_bitmap msr_onchange;
	bool singlestep;
	bool breakpoint;
	bool guest_request;
	bool guest_request_sync;
	bool guest_request_user;
	bool debug;
	bool debug_sync;
	bool cpuid;
	bool desc;
	bool emul_unimpl;
	bool vmexit;
	bool vmexit_sync;
	bool control_registers;		/* CR/MSR writes deferred, DENY works */
};

/* The registers SET_REGISTERS loads (Xen's hvm_vm_event_set_registers). */
struct sim_gprs {
	u64 rax, rcx, rdx, rbx, rsp, rbp, rsi, rdi;
	u64 r8, r9, r10, r11, r12, r13, r14, r15;
	u64 rflags, rip;
};

struct sim_regs {
	struct sim_gprs g;
	u64 dr6, dr7;
	u64 cr0, cr2, cr3, cr4, xcr0;
	u64 efer, star, lstar, cstar, sfmask;
	u64 fs_base, gs_base, shadow_gs;
	u64 sysenter_cs, sysenter_esp, sysenter_eip;
	u8 cpl;			/* of the running instruction: CS/SS DPL */
	u32 msr_other_nr;
	u32 msr_other_idx[SIM_MSR_OTHER];
	u64 msr_other_val[SIM_MSR_OTHER];
};

/*
 * Per-vCPU vm_event state: Xen's struct arch_vm_event. Ring disable frees
 * it in Xen, so the simulation clears it then (pending emulation, register
 * loads and deferred writes are lost, as on Xen).
 */
struct sim_vm_event {
	u32 emulate_flags;
	u32 read_size;
	u8 read[XVE_EMUL_READ_MAX];
	bool set_gprs;
	struct sim_gprs gprs;
	u8 write_cr;			/* bit per CR0/CR3/CR4 index */
	u64 cr[3];
	bool write_msr;
	u32 msr;
	u64 msr_value;
};

/* A pending event injection (Xen's v->arch.hvm.inject_event). */
struct sim_inject {
	bool pending;
	u8 vector;
	u8 type;
	u8 insn_length;
	u64 pending_dbg;
};

/* A CR or MSR write deferred until the vCPU resumes (CONTROL_REGISTERS). */
struct sim_defer {
	bool cr;
	u32 index;
	bool msr;
	u32 msr_index;
	u64 value;
};

/* What a vCPU found when it resumed (Xen's hvm_vm_event_do_resume). */
struct sim_resume {
	bool regs_set;
	u32 emulate_flags;		/* emulation read data is in v->read */
	u8 written;			/* SIM_WRITTEN_* deferred writes done */
	int inject;			/* vector delivered, or -1 */
};

#define SIM_WRITTEN_MSR		BIT(3)	/* bits 0..2: CR index */

struct sim_domain;

struct sim_vcpu {
	struct sim_domain *d;
	u32 id;
	/*
	 * Held by the task that executes a guest instruction on this vCPU,
	 * for the whole instruction including every wait; protects the
	 * instruction-private fields below.
	 */
	struct mutex run_lock;
	struct xve_event req;		/* request being built (run_lock) */
	u32 read_size;			/* emulation read data (run_lock) */
	u8 read[XVE_EMUL_READ_MAX];
	/* The instruction waits here to run again (resume, unpause, death). */
	wait_queue_head_t wq;

	/* Everything below is protected by d->lock. */
	struct sim_regs regs;
	u32 ve_pause;			/* Xen's vm_event_pause_count */
	bool throttled;			/* paused for ring space (_VPF_mem_access) */
	bool running;			/* counted in d->nr_running */
	bool singlestep;		/* MTF on */
	bool fast_ss;			/* FAST_SINGLESTEP armed */
	u16 fast_ss_view;
	u16 altp2m;			/* current view */
	struct sim_vm_event ve;
	struct sim_inject inject;
	u32 req_seq;			/* requests placed by this vCPU */
	u32 rsp_seq;			/* valid responses naming this vCPU */
	u64 req_ns;			/* when the last request was placed */
	u64 lat_ns;			/* placed -> its response applied */
	u64 events;
};

struct sim_domain {
	struct kref ref;	/* registry "alive" ref, attachment, users */
	u16 domid;
	/* Set at creation, never changed: read without a lock. */
	char name[XENINTRO_DOMAIN_NAME_MAX];	/* "" for none */
	u32 marks;		/* XENINTRO_IDENT_DRIVER / _STUB */
	bool hvm;
	bool amd;
	bool altp2m;		/* altp2m active (Intel only) */
	u32 nr_vcpus;
	u32 nr_frames;
	struct sim_vcpu *vcpus;
	/*
	 * Guest memory: gfn -> struct page, a page allocated on a frame's
	 * first write; never-written frames read as zeroes. Real memory per
	 * frame, so accesses are real, but a 65536-frame domain costs only
	 * what the tests touch instead of 256 MiB up front. The xarray has
	 * its own lock; page contents are accessed with READ_ONCE/WRITE_ONCE.
	 * SIM_FRAME_HOLE marks a frame the guest ballooned out. Each page
	 * in the xarray holds one reference, dropped an RCU grace period
	 * after it left (see sim_frame_get()).
	 */
	struct xarray pages;
	/* Xen's event channel notification: calls the core in hard IRQ. */
	struct irq_work kick_work;
	/* vCPUs waiting for a free ring slot (Xen's ved->wq). */
	wait_queue_head_t slot_wq;
	/* Woken whenever responses were consumed (corrupt, storms). */
	wait_queue_head_t rsp_wq;
	/* Control side: pausers (nr_running == 0), ring disable (dead_task). */
	wait_queue_head_t ctl_wq;

	/*
	 * Protects everything below and all d->vcpus[] fields marked so.
	 * Taken with irqsave: ->notify() runs with interrupts off and the
	 * kick irq_work in hard IRQ.
	 */
	spinlock_t lock;
	bool dying;
	u32 pause_count;		/* toolstack pause count, <= 255 */
	u32 nr_running;			/* vCPUs executing guest code */
	/* The ring, Xen's front end (NULL when disabled). */
	struct xve_sring *ring;
	u32 ring_gen;			/* bumped on every enable */
	u32 req_prod_pvt;
	u32 rsp_cons;
	u32 blocked;			/* throttled vCPUs */
	u32 slot_waiters;		/* vCPUs sleeping on slot_wq */
	u32 last_wake;			/* round robin of the throttle wake */
	struct xenintro_domain *core_dom;	/* while the ring exists */
	struct task_struct *dead_task;	/* running xenintro_domain_dead() */
	u8 *rights;			/* per frame, XENINTRO_ACCESS_* bits */
	u32 nr_restricted;		/* frames whose rights are not rwx */
	struct sim_monitor mon;
	u64 requests;
	u64 responses;
	u64 dropped_version;
	u64 dropped_vcpu;
	u64 overruns;			/* rsp_prod beyond what was asked */
	struct xve_event rsp;		/* snapshot of the response in work */
	struct sim_fault fault;		/* armed fault, if any */
	struct work_struct fault_work;	/* destroys the domain (sim_fault.c) */
};

/* Parameters of "create". */
struct sim_create {
	u16 domid;
	char name[XENINTRO_DOMAIN_NAME_MAX];
	u32 marks;
	u32 vcpus;
	u32 frames;
	bool hvm;
	bool amd;
	bool altp2m;
	bool paused;
};

/* One guest instruction to execute. */
struct sim_exec {
	enum sim_op op;
	u64 gfn;
	u64 offset;
	u64 gla;
	u64 value;		/* CR/MSR value, access write data */
	u64 rip;
	u64 arg;		/* subleaf, vmexit qualification, pending_dbg */
	u32 index;		/* CR index, MSR, descriptor, leaf, exit reason */
	u8 access;		/* XVE_MEM_ACCESS_R/W/X */
	u8 type;		/* debug: x86 event type */
	bool has_gla;
	bool has_value;
	bool has_rip;
	bool write;		/* desc: a write (LGDT, ...) */
	bool user;		/* guest_request: from ring 3 */
	u8 cpl;			/* privilege level it runs at */
	/* Storms: wait for every answer, collect latencies. */
	bool wait_async;
	u64 *lat;
	u32 lat_cap;
	u32 lat_n;
};

/* What came of it. */
struct sim_outcome {
	enum sim_result result;
	u32 events;
	int inject;		/* vector delivered by ->inject(), or -1 */
	u64 value;
	u32 read_size;
	u8 read[32];
	u64 rip, rax, rbx, rcx, rdx;
	bool ss;
	u16 altp2m;
};

/* sim_main.c */
extern const struct xenintro_hv_ops sim_hv_ops;
struct sim_domain *sim_domain_get(u16 domid);
struct sim_domain *sim_core_get(struct xenintro_domain *dom);
void sim_domain_put(struct sim_domain *d);
int sim_domain_create(const struct sim_create *c);
int sim_domain_destroy(u16 domid, bool *attached);

/* sim_domain.c */
struct sim_domain *sim_domain_alloc(const struct sim_create *c);
void sim_domain_free(struct sim_domain *d);
int sim_pause(struct sim_domain *d);
int sim_unpause(struct sim_domain *d);
void sim_wake_all(struct sim_domain *d);
void sim_vcpu_set_running(struct sim_domain *d, struct sim_vcpu *v);
void sim_vcpu_clear_running(struct sim_domain *d, struct sim_vcpu *v);
int sim_vcpu_enter(struct sim_domain *d, struct sim_vcpu *v,
		   struct sim_resume *res);
void sim_vcpu_exit(struct sim_domain *d, struct sim_vcpu *v);
int sim_vcpu_block(struct sim_domain *d, struct sim_vcpu *v,
		   const u32 *want_rsp, struct sim_resume *res);
u64 *sim_msr_ptr(struct sim_vcpu *v, u32 msr, bool create);
void sim_set_rights_locked(struct sim_domain *d, u64 gfn, u8 rights);
#define SIM_FRAME_HOLE	xa_mk_value(0)

u64 sim_frame_read(struct sim_domain *d, u64 gfn, u64 offset);
struct page *sim_frame_get(struct sim_domain *d, u64 gfn, bool create);
int sim_frame_write(struct sim_domain *d, u64 gfn, u64 offset, u64 val);
int sim_frame_balloon(struct sim_domain *d, u64 gfn);

/* sim_ring.c */
int sim_ring_enable(struct xenintro_domain *dom);
void sim_ring_disable(struct xenintro_domain *dom);
void sim_notify(struct xenintro_domain *dom);
u32 sim_ring_free(const struct sim_domain *d);
int sim_raise(struct sim_domain *d, struct sim_vcpu *v, bool sync,
	      const struct sim_defer *defer);
/* sim_garbage(): what a run of fuzzed records did */
struct sim_garbage_result {
	u64 placed;
	u64 answered;
	u64 ns;
};

int sim_garbage(struct sim_domain *d, u64 records, u64 seed,
		unsigned int timeout_ms, struct sim_garbage_result *res);
int sim_corrupt(struct sim_domain *d, const char *what,
		unsigned int timeout_ms, u32 *slot, bool *freed, u64 *wait_ns);
void sim_kick_fn(struct irq_work *work);
void sim_kick(struct sim_domain *d);

/* sim_ops.c */
int sim_op_pause(struct xenintro_domain *dom);
int sim_op_unpause(struct xenintro_domain *dom);
int sim_op_monitor(struct xenintro_domain *dom,
		   const struct xenintro_monitor *mon);
int sim_op_set_access(struct xenintro_domain *dom, u64 gfn, u64 nr,
		      u8 rights);
int sim_op_set_access_list(struct xenintro_domain *dom, const u64 *gfns,
			   const u8 *rights, u32 nr);
int sim_op_get_access(struct xenintro_domain *dom, u64 gfn, const u64 *gfns,
		      u32 nr, u8 *rights);
int sim_op_singlestep_off(struct xenintro_domain *dom, u32 vcpu);
int sim_op_read_gpa(struct xenintro_domain *dom, u64 gpa, void *buf, u32 len);
int sim_op_write_gpa(struct xenintro_domain *dom, u64 gpa, const void *buf,
		     u32 len);
int sim_op_vcpu_paging(struct xenintro_domain *dom, u32 vcpu, u64 *cr0,
		       u64 *cr3, u64 *cr4, u64 *efer);
int sim_op_map_frames(struct xenintro_domain *dom, struct vm_area_struct *vma,
		      const u64 *gfns, u32 nr, int *errs);
int sim_op_reset_access(struct xenintro_domain *dom);
int sim_op_inject(struct xenintro_domain *dom,
		  const struct xenintro_inject *inj);
bool sim_msr_monitored(struct sim_domain *d, u32 msr, bool *onchange);
u32 sim_msr_monitor_count(const struct sim_domain *d);

/* sim_guest.c */
int sim_guest_exec(struct sim_domain *d, struct sim_vcpu *v,
		   struct sim_exec *x, struct sim_outcome *out);
const char *sim_result_name(enum sim_result r);

/* sim_fault.c */
int sim_fault_point(const char *name);
const char *sim_fault_name(enum sim_fault_point fp);
void sim_fault_counts(u64 *fired, u64 *raced);
void sim_fault_arm(struct sim_domain *d, const struct sim_fault *f);
void sim_fault_init(struct sim_domain *d);
int sim_fault_check(struct sim_domain *d, enum sim_fault_point fp,
		    bool atomic);
int sim_fault_wq_init(void);
void sim_fault_wq_exit(void);

/* sim_storm.c */
struct sim_storm_result {
	bool dead;
	u64 ops;
	u64 events;
	u64 elapsed_ns;
	u64 samples;
	u64 lat_median_ns;
	u64 lat_p99_ns;
};

int sim_storm(struct sim_domain *d, enum sim_op kind, u64 ops, u32 threads,
	      struct sim_storm_result *res);

/* sim_debugfs.c */
int sim_debugfs_init(void);
void sim_debugfs_exit(void);

#endif /* _XENINTRO_SIM_H */
