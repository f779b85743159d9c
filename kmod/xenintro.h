/* SPDX-License-Identifier: GPL-2.0 */
/*
 * xenintro core: internal types shared by the files of xenintro.ko.
 *
 * Objects and their lifetimes:
 *  - struct xenintro_session: one per open fd (file->private_data), freed
 *    in ->release(). Holds the handshake state and, once attached, a
 *    reference on one domain.
 *  - struct xenintro_domain: one per monitored domain, reference counted.
 *    References: the session, the "domain died" work while queued. The
 *    hypervisor's kicks and the deadline timer run only between attach and
 *    teardown, which stops them before dropping the session's reference.
 *    The mmap'd rings belong to the domain; a mapping pins the file, so
 *    ->release() (and with it the last session reference) comes only after
 *    every mapping is gone. DETACH tears down at once; the rings stay
 *    mapped until then.
 *
 * Locks, outermost first:
 *  - domain->ctl_lock (mutex): control operations on one domain (every
 *    ioctl after ATTACH, attach itself from its pause to its unpause,
 *    teardown). Calls backend ops that may sleep.
 *  - xenintro_domains_lock (mutex, attach.c): the domid registry; taken
 *    inside ctl_lock by teardown, never around it.
 *  - domain->lock (spinlock, IRQ-safe): the event path. Protects the
 *    vm_event back ring, the pending table and its lists, the agent rings'
 *    kernel indices, the single-step bitmap and the counters. Taken in hard
 *    IRQ (backend kicks), softirq (deadline timer) and process context
 *    (kick ioctl, poll, teardown). The backend's ->notify() and ->inject()
 *    run under it.
 */
#ifndef _XENINTRO_H
#define _XENINTRO_H

#include <kunit/visibility.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/timer.h>
#include <linux/types.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <linux/xenintro.h>

#include "audit.h"
#include "domain_policy.h"
#include "hv_ops.h"
#include "xen_abi.h"

struct vm_area_struct;

#define XENINTRO_SUPPORTED_FEATURES \
	(XENINTRO_FEATURE_RINGS | XENINTRO_FEATURE_EMUL_READ_DATA | \
	 XENINTRO_FEATURE_RULES | XENINTRO_FEATURE_KICK_WAIT | \
	 XENINTRO_FEATURE_MEMORY | XENINTRO_FEATURE_MEM_MAP)
/* Known, but granted only with allow_guest_writes=1 (else -EPERM). */
#define XENINTRO_KNOWN_FEATURES \
	(XENINTRO_SUPPORTED_FEATURES | XENINTRO_FEATURE_MEM_WRITE)

/* main.c: the allow_guest_writes module parameter (read-only once loaded) */
extern bool xenintro_allow_guest_writes;

/* Ioctls available once the handshake is done. */
/* Domids at and above this are Xen's special ones (DOMID_FIRST_RESERVED). */
#define XENINTRO_DOMID_FIRST_RESERVED	0x7ff0

#define XENINTRO_IOCTL_BIT(nr)	(1ULL << (nr))
#define XENINTRO_V1_IOCTLS \
	(XENINTRO_IOCTL_BIT(_XENINTRO_ATTACH) | \
	 XENINTRO_IOCTL_BIT(_XENINTRO_MONITOR) | \
	 XENINTRO_IOCTL_BIT(_XENINTRO_SET_ACCESS) | \
	 XENINTRO_IOCTL_BIT(_XENINTRO_GET_ACCESS) | \
	 XENINTRO_IOCTL_BIT(_XENINTRO_PAUSE) | \
	 XENINTRO_IOCTL_BIT(_XENINTRO_UNPAUSE) | \
	 XENINTRO_IOCTL_BIT(_XENINTRO_KICK) | \
	 XENINTRO_IOCTL_BIT(_XENINTRO_STATS) | \
	 XENINTRO_IOCTL_BIT(_XENINTRO_SET_RULES) | \
	 XENINTRO_IOCTL_BIT(_XENINTRO_DETACH) | \
	 XENINTRO_IOCTL_BIT(_XENINTRO_READ_MEM) | \
	 XENINTRO_IOCTL_BIT(_XENINTRO_WRITE_MEM) | \
	 XENINTRO_IOCTL_BIT(_XENINTRO_TRANSLATE) | \
	 XENINTRO_IOCTL_BIT(_XENINTRO_MAP_FRAMES) | \
	 XENINTRO_IOCTL_BIT(_XENINTRO_RESTRICT))

/* ---- api.c: handshake and extensible ioctl structs ---- */

int xenintro_api_check(struct xenintro_api *api);
int xenintro_copy_struct_in(void *dst, size_t ksize, size_t min_size,
			    const void __user *uarg, u32 *usize);

/* ---- agent_ring.c: the rings shared with the agent ---- */

/**
 * struct xenintro_agent_rings - the three mmap'd regions
 * @ctrl: control page (read-only for the agent)
 * @events: event records (read-only for the agent)
 * @verdict_region: agent page followed by the verdict records
 * @agent: the agent's indices, start of @verdict_region
 * @verdicts: verdict records
 * @event_entries: slots in @events, a power of two
 * @event_stride: bytes per event slot (the agent's record size)
 * @verdict_entries: slots in @verdicts, a power of two
 * @event_tail: kernel's producer index (published in ctrl->event_tail)
 * @verdict_head: kernel's consumer index (published in ctrl->verdict_head)
 * @ctrl_size: bytes of the control region
 * @events_size: bytes of the event region
 * @verdicts_size: bytes of the verdict region
 *
 * The indices are protected by the domain's lock.
 */
struct xenintro_agent_rings {
	struct xenintro_ctrl *ctrl;
	struct xenintro_event *events;
	void *verdict_region;
	struct xenintro_agent_page *agent;
	struct xenintro_verdict *verdicts;
	u32 event_entries;
	u32 event_stride;
	u32 verdict_entries;
	u32 event_tail;
	u32 verdict_head;
	size_t ctrl_size;
	size_t events_size;
	size_t verdicts_size;
};

int xenintro_rings_alloc(struct xenintro_agent_rings *r, u32 event_entries,
			 u32 verdict_entries, u32 event_stride);
void xenintro_rings_free(struct xenintro_agent_rings *r);
int xenintro_rings_mmap(struct xenintro_agent_rings *r,
			struct vm_area_struct *vma);
bool xenintro_ring_span_valid(u32 head, u32 tail, u32 entries);
struct xenintro_event *xenintro_event_slot(struct xenintro_agent_rings *r);
void xenintro_event_publish(struct xenintro_agent_rings *r);
bool xenintro_events_pending(struct xenintro_agent_rings *r);
int xenintro_verdicts_available(struct xenintro_agent_rings *r);
void xenintro_verdict_take(struct xenintro_agent_rings *r,
			   struct xenintro_verdict *v);
void xenintro_verdicts_release(struct xenintro_agent_rings *r);

/* ---- vmring.c: the vm_event ring, back end ---- */

/**
 * struct xenintro_vmring - private back-end state of the hypervisor's ring
 * @sring: the shared page (mapped by the backend)
 * @req_cons: next request to consume
 * @rsp_prod_pvt: next response slot
 * @rsp_pushed: rsp_prod as last published
 * @broken: the producer index was found corrupt; the ring is not read again
 */
struct xenintro_vmring {
	struct xve_sring *sring;
	u32 req_cons;
	u32 rsp_prod_pvt;
	u32 rsp_pushed;
	bool broken;
};

void xenintro_vmring_attach(struct xenintro_vmring *vr, struct xve_sring *s);
int xenintro_vmring_next_request(struct xenintro_vmring *vr,
				 struct xve_event *req);
void xenintro_vmring_put_response(struct xenintro_vmring *vr,
				  const struct xve_event *rsp);
bool xenintro_vmring_push(struct xenintro_vmring *vr);
bool xenintro_vmring_final_check(struct xenintro_vmring *vr);
bool xenintro_vmring_has_request(struct xenintro_vmring *vr);

/* ---- walk.c: guest page tables ---- */

/**
 * struct xenintro_paging - what a walk needs to know of a vCPU
 * @cr3: the root
 * @mode: XENINTRO_PAGING_*
 * @nxe: EFER.NXE (bit 63 of an entry is NX, else reserved)
 * @pse: CR4.PSE (4M pages in 32-bit mode)
 */
struct xenintro_paging {
	u64 cr3;
	u32 mode;
	bool nxe;
	bool pse;
};

/**
 * struct xenintro_walk - the result of one walk
 * @gpa: the guest-physical address (valid if @stop is NONE)
 * @page_size: the page's size
 * @rights: XENINTRO_XLAT_* combined over the levels
 * @levels: entries read, in @entries from the top
 * @entries: the entries
 * @stop: XENINTRO_STOP_*
 * @fail_level: where it stopped (5 .. 1, 0 before any level)
 */
struct xenintro_walk {
	u64 gpa;
	u64 page_size;
	u32 rights;
	u32 levels;
	u64 entries[5];
	u32 stop;
	u32 fail_level;
};

/* Read 4 or 8 bytes of guest-physical memory; 0 or -errno (-ENXIO). */
typedef int (*xenintro_gpa_read_t)(void *ctx, u64 gpa, void *buf, u32 len);

void xenintro_paging_from_regs(struct xenintro_paging *pg, u64 cr0, u64 cr3,
			       u64 cr4, u64 efer);
int xenintro_walk(const struct xenintro_paging *pg, u64 gva,
		  xenintro_gpa_read_t read, void *ctx, struct xenintro_walk *w);

/* ---- decode.c ---- */

int xenintro_decode(const struct xve_event *req, u32 max_vcpus,
		    struct xenintro_event *ev);

/* ---- response.c ---- */

/**
 * struct xenintro_answer - a verdict in the core's own terms
 * @verdict: XENINTRO_VERDICT_* (never FORWARD)
 * @flags: XENINTRO_VFLAG_*
 * @altp2m_idx: view for XENINTRO_VFLAG_ALTP2M
 * @verdict_rec: the agent's record, for registers and read data, or NULL
 */
struct xenintro_answer {
	u32 verdict;
	u32 flags;
	u16 altp2m_idx;
	const struct xenintro_verdict *verdict_rec;
};

int xenintro_answer_check(const struct xve_event *req,
			  const struct xenintro_answer *ans, u64 features);
void xenintro_build_response(const struct xve_event *req,
			     const struct xenintro_answer *ans,
			     bool singlestep_on, struct xve_event *rsp,
			     struct xenintro_inject *inj, bool *inject);
u32 xenintro_safe_default(const struct xve_event *req, u32 default_verdict);

/* ---- rules.c: rule tables ---- */

/* event.rule and error_index when no rule applies */
#define XENINTRO_NO_RULE	(~0U)

struct xenintro_rule_table;

int xenintro_rule_check(const struct xenintro_rule *r);
struct xenintro_rule_table *
xenintro_rules_build(const struct xenintro_rule *rules, u32 nr,
		     u64 generation, u32 *error_index);
void xenintro_rules_free(struct xenintro_rule_table *t);
u32 xenintro_rules_match(struct xenintro_rule_table *t,
			 const struct xenintro_event *ev,
			 const struct xenintro_rule **rule);
u32 xenintro_rules_count(const struct xenintro_rule_table *t);
u64 xenintro_rules_generation(const struct xenintro_rule_table *t);
u64 xenintro_rules_hits(const struct xenintro_rule_table *t, u32 index);
void xenintro_rule_cpuid_answer(const struct xenintro_rule *r,
				const struct xenintro_event *ev,
				struct xenintro_verdict *v);

/* ---- the monitored domain ---- */

/**
 * struct xenintro_pending - a synchronous event whose vCPU waits for us
 * @node: on domain->backlog (not yet in the agent's ring) or
 *        domain->inflight (delivered, awaiting a verdict); both lists are
 *        in arrival order, and every inflight entry is older than every
 *        backlog entry
 * @seq: the event's sequence number
 * @timestamp: CLOCK_MONOTONIC ns when the request was read
 * @deadline: jiffies after which the default verdict applies
 * @req: the request as read from the hypervisor's ring
 * @rule: the FORWARD rule that sent it to the agent, or XENINTRO_NO_RULE
 * @active: the vCPU is waiting
 * @in_backlog: on domain->backlog, not yet seen by the agent
 */
struct xenintro_pending {
	struct list_head node;
	u64 seq;
	u32 rule;
	u64 timestamp;
	unsigned long deadline;
	struct xve_event req;
	bool active;
	bool in_backlog;
};

/* Counters, protected by domain->lock; see struct xenintro_stats. */
struct xenintro_counters {
	u64 requests;
	u64 malformed;
	u64 forwarded;
	u64 notified;
	u64 dropped;
	u64 kernel_verdicts;
	u64 agent_verdicts;
	u64 deadline_expired;
	u64 verdicts_stale;
	u64 verdicts_invalid;
	u64 backlog_max;
	u64 notifies;
};

enum xenintro_dom_state {
	XENINTRO_DOM_ATTACHED,
	XENINTRO_DOM_DETACHING,	/* teardown: answer everything by default */
	XENINTRO_DOM_DETACHED,	/* ring gone: no more hypervisor access */
};

/**
 * struct xenintro_monitor_entry - a monitor event this session enabled
 * @node: on domain->monitors
 * @mon: the request that enabled it
 */
struct xenintro_monitor_entry {
	struct list_head node;
	struct xenintro_monitor mon;
};

struct xenintro_domain {
	struct xenintro_hv_domain hv;
	const struct xenintro_hv_ops *ops;
	struct kref ref;
	u64 features;

	/* ctl_lock: serialises control operations; may sleep under it */
	struct mutex ctl_lock;
	struct list_head monitors;	/* under ctl_lock */
	unsigned int pauses;		/* our ->pause() calls, under ctl_lock */
	bool access_changed;		/* under ctl_lock */
	bool torn_down;			/* under ctl_lock */
	bool dead;			/* the domain died; under ctl_lock */
	u64 mem_writes;			/* WRITE_MEM bytes, under ctl_lock */
	u64 rules_generation;		/* SET_RULES successes, under ctl_lock */
	char name[XENINTRO_DOMAIN_NAME_MAX];	/* at ATTACH, for audit */
	struct xenintro_audit_reads audit;	/* under ctl_lock */
	/* the session's mappings, for revoking frames (guest_map.c) */
	struct address_space *frames_mapping;
	/*
	 * The rule table: replaced under ctl_lock and lock both, so either
	 * keeps it alive: the event path reads it under lock, STATS under
	 * ctl_lock. See rules.c.
	 */
	struct xenintro_rule_table *rules;
	struct work_struct dead_work;
	/* the deferred, bounded ring processing a kick queues (drain_work.c) */
	struct work_struct drain_work;

	/* lock: the event path, see the comment at the top */
	spinlock_t lock;
	/* written under lock (WRITE_ONCE), read locklessly by KICK_WAIT */
	enum xenintro_dom_state state;
	struct xenintro_vmring vmring;
	struct xenintro_agent_rings rings;
	struct xenintro_pending *pending;	/* [max_vcpus] */
	struct list_head backlog;
	struct list_head inflight;
	unsigned int backlog_len;
	unsigned long *singlestep;		/* bitmap [max_vcpus] */
	u64 next_seq;
	u32 default_verdict;
	unsigned long deadline_jiffies;
	struct timer_list deadline_timer;
	struct xenintro_counters stats;
	/* Scratch records for the event path, under lock (too big for IRQ stacks). */
	struct xve_event scratch_req;
	struct xve_event scratch_rsp;
	struct xenintro_event scratch_ev;
	struct xenintro_verdict scratch_verdict;
	struct xenintro_verdict scratch_rule_verdict;

	wait_queue_head_t wq;			/* poll() waiters */
};

/* ---- session.c ---- */

/**
 * struct xenintro_session - per-fd state
 * @lock: serialises the handshake and ATTACH against each other
 * @api_done: handshake completed
 * @features: features granted by the handshake
 * @dom: the attached domain or NULL; set once under @lock, then stable
 * @inode: the session's own inode; the file's f_mapping is its i_mapping
 */
/*
 * @ioctls_kept and the domain restriction only ever narrow, under @lock
 * (RESTRICT); the ioctl path reads @ioctls_kept without it (READ_ONCE: a
 * RESTRICT racing with another ioctl orders before or after it, either
 * is correct), ATTACH reads the domain restriction under @lock.
 */
struct xenintro_session {
	struct mutex lock;	/* handshake, ATTACH and RESTRICT */
	bool api_done;
	u64 features;
	struct xenintro_domain *dom;
	struct inode *inode;
	u64 ioctls_kept;	/* XENINTRO_IOCTL_BIT()s still allowed */
	bool domain_restricted;
	u16 restricted_domid;
};

extern const struct file_operations xenintro_fops;

/* ---- backend.c ---- */

const struct xenintro_hv_ops *xenintro_backend_get(void);
void xenintro_backend_put(const struct xenintro_hv_ops *ops);

/* ---- attach.c ---- */

int xenintro_attach(struct xenintro_session *s, struct xenintro_attach *a);
int xenintro_detach_now(struct xenintro_domain *dom);
void xenintro_detach(struct xenintro_domain *dom);
void xenintro_domain_put(struct xenintro_domain *dom);

/* ---- dispatch.c: the event path ---- */

void xenintro_drain_locked(struct xenintro_domain *dom);
unsigned int xenintro_drain_budget_locked(struct xenintro_domain *dom,
					  unsigned int budget, bool *more);
unsigned int xenintro_consume_verdicts_locked(struct xenintro_domain *dom);
unsigned int xenintro_take_verdicts_locked(struct xenintro_domain *dom);
void xenintro_flush_backlog_locked(struct xenintro_domain *dom);
void xenintro_answer_locked(struct xenintro_domain *dom,
			    struct xenintro_pending *p,
			    const struct xenintro_answer *ans);
void xenintro_answer_all_locked(struct xenintro_domain *dom);
void xenintro_notify_locked(struct xenintro_domain *dom);

void xenintro_deadline_fire(struct timer_list *t);

/* ---- drain_work.c: kicks, processed deferred and in bounded chunks ---- */

int xenintro_drain_work_init(void);
void xenintro_drain_work_exit(void);
void xenintro_drain_work_setup(struct xenintro_domain *dom);
bool xenintro_drain_work_run(struct xenintro_domain *dom);

/* ---- pending.c: the pending table and its deadline ---- */

struct xenintro_pending *xenintro_pending_oldest(struct xenintro_domain *dom);
void xenintro_pending_park(struct xenintro_domain *dom,
			   struct xenintro_pending *p,
			   const struct xve_event *req, u64 seq, u32 rule,
			   u64 timestamp);
void xenintro_pending_delivered(struct xenintro_domain *dom,
				struct xenintro_pending *p);
void xenintro_pending_backlog(struct xenintro_domain *dom,
			      struct xenintro_pending *p);
void xenintro_pending_release(struct xenintro_domain *dom,
			      struct xenintro_pending *p);
void xenintro_deadline_arm_locked(struct xenintro_domain *dom);

/* ---- control.c: ioctls on an attached domain ---- */

int xenintro_ioctl_monitor(struct xenintro_domain *dom,
			   struct xenintro_monitor *m);
int xenintro_ioctl_set_access(struct xenintro_domain *dom,
			      struct xenintro_access *a);
int xenintro_ioctl_get_access(struct xenintro_domain *dom,
			      struct xenintro_access *a);
int xenintro_ioctl_pause(struct xenintro_domain *dom, bool pause);
int xenintro_ioctl_kick(struct xenintro_domain *dom, struct xenintro_kick *k);
int xenintro_ioctl_stats(struct xenintro_domain *dom,
			 struct xenintro_stats *st);
int xenintro_ioctl_set_rules(struct xenintro_domain *dom,
			     struct xenintro_rules *r);
int xenintro_monitor_check(const struct xenintro_monitor *m);

/* ---- guest_mem.c: guest memory ioctls ---- */

int xenintro_ioctl_mem(struct xenintro_domain *dom, struct xenintro_mem *m,
		       bool write);
int xenintro_ioctl_translate(struct xenintro_domain *dom,
			     struct xenintro_translate *t);
void xenintro_monitors_disable_all(struct xenintro_domain *dom);

/* ---- guest_map.c: zero-copy guest frames ---- */

int xenintro_map_init(void);
void xenintro_map_exit(void);
int xenintro_map_open(struct xenintro_session *s, struct file *file);
void xenintro_map_release(struct xenintro_session *s);
int xenintro_frames_mmap(struct xenintro_domain *dom,
			 struct vm_area_struct *vma);
void xenintro_frames_revoke(struct xenintro_domain *dom);
int xenintro_ioctl_map_frames(struct xenintro_session *s,
			      struct xenintro_map_frames *mf);

#endif /* _XENINTRO_H */
