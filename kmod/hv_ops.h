/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The hypervisor operations table: the only way the xenintro core reaches a
 * hypervisor. The Xen backend (kmod/xen/) and the simulated hypervisor
 * (kmod/sim/, xenintro_sim.ko) implement it.
 *
 * Division of work. The core owns the session, the order of attach and
 * teardown (that of Xen's tools/misc/xen-access.c), and all processing of
 * the vm_event ring: it initialises the shared ring, drains requests and
 * writes responses. A
 * backend owns everything that talks to the hypervisor: mapping the ring
 * page, enabling the ring, binding the event channel, monitor and access
 * operations, pause, and notifications.
 *
 * Contexts. Every op may sleep unless it says otherwise. ->notify() and
 * ->inject() are called from any context, hard IRQ included, with the
 * domain's ring lock held and interrupts off: they must not sleep or call
 * back into the core.
 *
 * Calls from a backend into the core:
 *  - xenintro_vmring_init(sring) on the mapped ring page, before the
 *    hypervisor is told to use it;
 *  - xenintro_domain_kick(dom) whenever the event channel fires (from hard
 *    IRQ or any other context). It only queues the core's bounded,
 *    deferred ring processing (drain_work.c), which calls ->kick_done()
 *    once the ring is empty;
 *  - xenintro_domain_kick_cancel(dom) in ->ring_disable(), once no kick
 *    can come any more and before freeing what ->notify() and
 *    ->kick_done() use: no kick's processing runs after it returns;
 *  - xenintro_domain_dead(dom) when the domain died under the session
 *    (any context; it only queues work, so a backend may call it under its
 *    own locks, but never after ->ring_disable() returned). Afterwards the
 *    core only calls ->ring_disable().
 *
 * During teardown the core answers everything by default, and
 * ->notify()/->inject()/->kick_done() then run only from the processing
 * of a kick the backend delivered, so a backend that stops its kicks
 * (irq_work_sync(), disable_irq()) and then calls
 * xenintro_domain_kick_cancel() inside ->ring_disable() before freeing
 * its state is safe. None runs after ->ring_disable() returned.
 */
#ifndef _XENINTRO_HV_OPS_H
#define _XENINTRO_HV_OPS_H

#include <linux/bits.h>
#include <linux/types.h>

struct module;
struct vm_area_struct;
struct xenintro_domain;
struct xenintro_monitor;
struct xve_sring;

/**
 * struct xenintro_dominfo - what the core needs to know before attaching
 * @max_vcpus: number of vCPUs (vCPU ids are below this)
 * @dying: the domain is being destroyed
 * @hvm: an HVM/PVH guest (the only kind vm_event supports)
 */
struct xenintro_dominfo {
	u32 max_vcpus;
	bool dying;
	bool hvm;
};

/* Bytes of a domain's name, NUL included (Xen's names are shorter). */
#define XENINTRO_DOMAIN_NAME_MAX	64

/* struct xenintro_domident.marks */
#define XENINTRO_IDENT_DRIVER	BIT(0) /* serves other domains' devices */
#define XENINTRO_IDENT_STUB	BIT(1) /* a device model or xenstore stubdom */
#define XENINTRO_IDENT_SELF	BIT(2) /* the domain this kernel runs in */

/**
 * struct xenintro_domident - who a domain is, for the domain policy
 * @name: the toolstack's name for it, NUL-terminated; "" if it has none
 * @marks: XENINTRO_IDENT_*
 */
struct xenintro_domident {
	char name[XENINTRO_DOMAIN_NAME_MAX];
	u32 marks;
};

/**
 * struct xenintro_inject - an exception to give back to the guest
 * @vcpu: target vCPU (paused for the event being answered)
 * @vector: 3 for #BP, 1 for #DB
 * @type: x86 event type, as the request carried it
 * @insn_length: instruction length for software exceptions
 * @pending_dbg: #DB: the pending debug bits
 */
struct xenintro_inject {
	u32 vcpu;
	u8 vector;
	u8 type;
	u8 insn_length;
	u64 pending_dbg;
};

/**
 * struct xenintro_hv_ops - a hypervisor backend
 * @name: shown in logs and XENINTRO_IOC_STATS users
 * @owner: module implementing the ops; pinned while a session uses it
 * @domain_info: look up @domid; -ESRCH if it does not exist
 * @domain_identity: @domid's name and marks (driver, stub, own domain),
 *	for the domain policy (domain_policy.c); -ESRCH if it does not
 *	exist, another errno if it cannot be told now (ATTACH then fails
 *	with it: the policy never guesses). May sleep. Optional: without it
 *	a domain has no name and no marks, so only dom0 is protected.
 * @pause: pause the whole domain (reference counted by the hypervisor)
 * @unpause: undo one @pause
 * @ring_enable: map the domain's monitor ring, call xenintro_vmring_init()
 *	on it, enable it and bind its event channel so that kicks reach
 *	xenintro_domain_kick(). Called with the domain paused. Stores the
 *	mapped ring in dom->sring and any private state in dom->hv.
 * @ring_disable: undo @ring_enable: disable the ring, unbind, unmap. After
 *	it returns no kick for @dom is running or will run. Must cope with a
 *	dead domain. Called with the domain unpaused and every monitor off;
 *	a backend whose hypervisor defers CR/MSR writes until the vCPU runs
 *	(Xen's CONTROL_REGISTERS mode) waits here until they ran.
 * @notify: tell the hypervisor responses are ready (EVTCHNOP_send). Any
 *	context; must not sleep.
 * @monitor: enable or disable one monitor event; -EEXIST if already in
 *	that state, -EOPNOTSUPP if the hypervisor cannot deliver it
 * @set_access: set rights (XENINTRO_ACCESS_*) on frames [gfn, gfn + nr)
 * @set_access_list: set rights[i] on gfns[i] for i < nr
 * @get_access: read the rights of @nr frames into @rights: @gfns[i], or
 *	@gfn + i when @gfns is NULL. May take long for large @nr: it must
 *	reschedule and return -EINTR on a fatal signal.
 * @reset_access: every frame and the default back to rwx (teardown)
 * @inject: re-inject a breakpoint or debug exception. Any context; must
 *	not sleep.
 * @kick_done: optional: the processing kicks asked for is done and the
 *	ring was found empty; @spurious if that run consumed nothing. A
 *	lateeoi backend unmasks its event channel here (xen_irq_lateeoi()),
 *	so that notifications raised meanwhile arrive as one. Process
 *	context, no core lock held; must not call back into the core.
 * @read_gpa: copy @len bytes of guest-physical memory at @gpa, all
 *	within one 4K frame, into @buf. -ENXIO if the frame is not the
 *	guest's RAM (never mapped, MMIO, outside its memory): a guest's
 *	page tables can point anywhere, and that must end in an error, not
 *	a dom0 fault. May sleep.
 * @write_gpa: the same, from @buf into the guest.
 * @vcpu_paging: @vcpu's CR0, CR3, CR4 and EFER now (the vCPU may be
 *	paused briefly to read them). May sleep.
 * @map_frames: map guest frames @gfns[i] (i < @nr) read-only into the user
 *	mapping @vma, frame i at vm_start + i pages, and set @errs[i] to 0
 *	or -ENXIO (not the guest's RAM; that page stays empty). Called with
 *	the caller's mmap_lock held for writing, so it may set vm_flags (the
 *	kind of mapping is the backend's choice). Each PTE must hold its
 *	frame (a reference) until it is zapped. Return the number mapped, or
 *	a negative errno when the call as a whole failed (the core then zaps
 *	whatever went in). Optional: without it MAP_FRAMES is -EOPNOTSUPP.
 * @singlestep_off: stop single-stepping @vcpu (Xen's debug_op
 *	SINGLE_STEP_OFF); -EOPNOTSUPP where the hypervisor has no
 *	single-step. Teardown calls it for every vCPU a response switched
 *	single-step on, so that no vCPU goes on stepping unmonitored.
 */
struct xenintro_hv_ops {
	const char *name;
	struct module *owner;
	int (*domain_info)(u16 domid, struct xenintro_dominfo *info);
	int (*domain_identity)(u16 domid, struct xenintro_domident *id);
	int (*pause)(struct xenintro_domain *dom);
	int (*unpause)(struct xenintro_domain *dom);
	int (*ring_enable)(struct xenintro_domain *dom);
	void (*ring_disable)(struct xenintro_domain *dom);
	void (*notify)(struct xenintro_domain *dom);
	int (*monitor)(struct xenintro_domain *dom,
		       const struct xenintro_monitor *mon);
	int (*set_access)(struct xenintro_domain *dom, u64 gfn, u64 nr,
			  u8 rights);
	int (*set_access_list)(struct xenintro_domain *dom, const u64 *gfns,
			       const u8 *rights, u32 nr);
	int (*get_access)(struct xenintro_domain *dom, u64 gfn,
			  const u64 *gfns, u32 nr, u8 *rights);
	int (*reset_access)(struct xenintro_domain *dom);
	int (*inject)(struct xenintro_domain *dom,
		      const struct xenintro_inject *inj);
	void (*kick_done)(struct xenintro_domain *dom, bool spurious);
	int (*singlestep_off)(struct xenintro_domain *dom, u32 vcpu);
	int (*read_gpa)(struct xenintro_domain *dom, u64 gpa, void *buf,
			u32 len);
	int (*write_gpa)(struct xenintro_domain *dom, u64 gpa,
			 const void *buf, u32 len);
	int (*vcpu_paging)(struct xenintro_domain *dom, u32 vcpu, u64 *cr0,
			   u64 *cr3, u64 *cr4, u64 *efer);
	int (*map_frames)(struct xenintro_domain *dom,
			  struct vm_area_struct *vma, const u64 *gfns, u32 nr,
			  int *errs);
};

/*
 * The part of the core's per-domain state a backend may use. The core
 * allocates it and keeps it alive until after ->ring_disable() returned.
 */
struct xenintro_hv_domain {
	u16 domid;
	u32 max_vcpus;
	struct xve_sring *sring;	/* set by ->ring_enable() */
	void *hv;			/* backend private */
};

struct xenintro_hv_domain *xenintro_hv(struct xenintro_domain *dom);

int xenintro_register_backend(const struct xenintro_hv_ops *ops);
void xenintro_unregister_backend(const struct xenintro_hv_ops *ops);

void xenintro_vmring_init(struct xve_sring *sring);
void xenintro_domain_kick(struct xenintro_domain *dom);
void xenintro_domain_kick_cancel(struct xenintro_domain *dom);
void xenintro_domain_dead(struct xenintro_domain *dom);

#endif /* _XENINTRO_HV_OPS_H */
