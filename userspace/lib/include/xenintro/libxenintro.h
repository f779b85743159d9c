/* SPDX-License-Identifier: LGPL-2.1-only OR MIT */
/*
 * libxenintro: a thin C library over /dev/xenintro and its mmap'd rings.
 *
 * The model is liburing: a caller-allocated struct xenintro holds the fd,
 * the three mappings and the ring cursors; the functions that run once per
 * event are static inline below and make no system call; everything else
 * is a plain function in the shared library. Every function returns 0 or a
 * positive count on success and a negative errno on failure; errno is never
 * the interface (its value after a call is unspecified).
 *
 * The uAPI header next to this file is a build-time copy of the kernel's
 * uapi/linux/xenintro.h, so the library and its users never depend on what
 * the system's <linux/...> happens to hold. man 3 libxenintro has the
 * reference and an example agent loop.
 *
 * Threads: one thread drives the rings of a session (peek, advance, get,
 * publish, submit). The control functions (monitor, access, pause, stats,
 * kick) are single ioctls and may be called from any thread.
 */
#ifndef LIBXENINTRO_H
#define LIBXENINTRO_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Quoted on purpose: finds the copy beside this file before any other. */
#include "xenintro.h"

#ifdef __cplusplus
extern "C" {
#endif

#define LIBXENINTRO_VERSION_MAJOR	1
#define LIBXENINTRO_VERSION_MINOR	4

#define XENINTRO_DEVICE			"/dev/xenintro"

/*
 * Barrier pairing. Labels K* are the kernel's side as the uAPI header
 * describes it, A* are the library's (the helpers below):
 *
 * Event ring, kernel produces:
 *   kernel                                agent
 *   write record[t]
 *   K1: store_release(ctrl->event_tail) ---> A1: load_acquire(ctrl->event_tail)
 *                                           read records [head, tail)
 *   K2: load_acquire(agent->event_head) <--- A2: store_release(agent->event_head)
 *   reuse slots below head
 *
 * Verdict ring, agent produces:
 *   agent                                 kernel
 *   A4: load_acquire(ctrl->verdict_head) <-- K4: store_release(ctrl->verdict_head)
 *   write record[vtail] (slot now free)
 *   A3: store_release(agent->verdict_tail) -> K3: load_acquire(agent->verdict_tail)
 *   XENINTRO_IOC_KICK                         copy records [vhead, vtail)
 *
 * The numbers are the kernel's (kmod/agent_ring.c), so An pairs with Kn.
 * A1/K1: the records below the tail are complete before the agent reads
 * them. A2/K2: the agent's reads of a record are done before the kernel
 * overwrites it. A3/K3: a verdict's contents are visible before the kernel
 * reads it. A4/K4: the kernel has copied a verdict out before the agent
 * reuses its slot.
 *
 * Indices are free-running __u32 counters compared by unsigned difference,
 * so they wrap at 2^32 without special cases. Each index in shared memory is
 * loaded exactly once per helper call and then used from a local copy.
 *
 * A kernel index that is further from the library's own than the ring has
 * slots (tail - head > entries) breaks the protocol. The library never
 * trusts it: xenintro_events_ready() and xenintro_verdict_space() return
 * -EIO, xenintro_peek_event()/xenintro_peek_batch() return -EIO without
 * touching a record, and xenintro_get_verdict() returns NULL. Record access
 * is always index & mask, so no index can reach outside the mappings.
 */

/**
 * struct xenintro_event_ring - consumer side of the event ring
 * @ktail: &ctrl->event_tail, written by the kernel
 * @khead: &agent->event_head, written by the library
 * @records: the event records (read-only mapping)
 * @mask: entries - 1
 * @entries: slots, a power of two (0 when not attached)
 * @head: the library's copy of event_head: the next event to read
 */
struct xenintro_event_ring {
	const __u32 *ktail;
	__u32 *khead;
	const struct xenintro_event *records;
	__u32 mask;
	__u32 entries;
	__u32 head;
	__u32 pad;
};

/**
 * struct xenintro_verdict_ring - producer side of the verdict ring
 * @khead: &ctrl->verdict_head, written by the kernel
 * @ktail: &agent->verdict_tail, written by the library
 * @records: the verdict records (read-write mapping)
 * @mask: entries - 1
 * @entries: slots, a power of two (0 when not attached)
 * @tail: next slot xenintro_get_verdict() hands out
 * @published: the tail last stored into *ktail
 * @kicked: the published tail the kernel was last kicked for
 */
struct xenintro_verdict_ring {
	const __u32 *khead;
	__u32 *ktail;
	struct xenintro_verdict *records;
	__u32 mask;
	__u32 entries;
	__u32 tail;
	__u32 published;
	__u32 kicked;
	__u32 pad;
};

/**
 * struct xenintro - one session: an open /dev/xenintro and its rings
 *
 * Allocated by the caller, set up by xenintro_open() and torn down by
 * xenintro_close(). The rings, @ctrl, @fd and the feature words may be
 * read directly; everything else belongs to the library. An open session
 * must not be copied or moved: the rings may point into it (idle_index).
 */
struct xenintro {
	struct xenintro_event_ring ev;
	struct xenintro_verdict_ring vd;
	/* the control page, or NULL when not attached */
	const struct xenintro_ctrl *ctrl;
	/* the agent page (first page of the verdict region) */
	struct xenintro_agent_page *agent;
	int fd;
	unsigned int int_flags;
	/* features asked for, supported by the kernel, ioctls available */
	__u64 features;
	__u64 supported_features;
	__u64 ioctls;
	__u32 domid;
	__u32 max_vcpus;
	/* the three mappings, exactly as ATTACH sized them */
	void *ctrl_map;
	size_t ctrl_size;
	void *events_map;
	size_t events_size;
	void *verdicts_map;
	size_t verdicts_size;
	/*
	 * What the ring pointers point at while no domain is attached, so
	 * the inline helpers see empty rings instead of NULL.
	 */
	__u32 idle_index[2];
	/* xenintro_set_busy_poll() (since 1.1; was reserved) */
	__u32 busy_poll_us;
	__u32 pad;
	__u64 reserved[3];
};

/* ---- Session: src/session.c ---- */

/*
 * xenintro_open() flags (since 1.1).
 *
 * XENINTRO_OPEN_IF_SUPPORTED: @features are wishes, not requirements:
 * each is asked for only if the kernel supports it, so an agent built for
 * a newer kernel still runs on an older one. Which were granted is then
 * xenintro_feature_enabled(). Without it a feature the kernel lacks fails
 * the open with the kernel's -EINVAL.
 */
#define XENINTRO_OPEN_IF_SUPPORTED	(1U << 0)

/*
 * Open XENINTRO_DEVICE and do the handshake asking for @features
 * (XENINTRO_FEATURE_*). @flags: 0 or XENINTRO_OPEN_IF_SUPPORTED (1.1). On
 * failure @x is left closed.
 */
int xenintro_open(struct xenintro *x, uint64_t features, unsigned int flags);
/* As xenintro_open() on another path (tests, a device in a container). */
int xenintro_open_path(struct xenintro *x, const char *path,
		       uint64_t features, unsigned int flags);
/* Unmap, close (which detaches) and reset @x. Safe on a closed session. */
int xenintro_close(struct xenintro *x);
/*
 * Attach to @domid and map the rings. @args may be NULL for the defaults;
 * otherwise its inputs are used (size and domid are filled in) and the
 * kernel's outputs are copied back into it.
 */
int xenintro_attach(struct xenintro *x, uint32_t domid,
		    struct xenintro_attach *args);
/*
 * Wait up to @timeout_ms (< 0: forever) for events. Returns the number of
 * events ready, 0 on timeout or a wake-up without events, -ESRCH once the
 * domain is gone (or the session detached) and no event is left. In a
 * session granted XENINTRO_FEATURE_KICK_WAIT it also publishes the
 * verdicts handed out so far and hands them to the kernel in the same
 * system call that sleeps (XENINTRO_IOC_KICK with XENINTRO_KICK_WAIT;
 * never sleeping while it has some to hand over and events are ready), so
 * an agent loop of "answer, xenintro_wait()" needs no xenintro_submit()
 * and makes one system call per wake-up. Without it, it sleeps in poll().
 */
int xenintro_wait(struct xenintro *x, int timeout_ms);
/*
 * Busy polling (since 1.1): xenintro_wait() spins on the event ring for up
 * to @usec microseconds (0: never, the default; at most
 * XENINTRO_BUSY_POLL_MAX_US) before it
 * sleeps. A vCPU that waits for a verdict gets its next event
 * to the agent without the sleep and wake-up in between, which is most of
 * what forwarding costs on a dom0 (see README); the price is a dom0 CPU
 * busy for up to @usec after each batch. Verdicts still to be handed over
 * (KICK_WAIT) go to the kernel before the spin starts. -EINVAL for
 * a larger @usec.
 */
#define XENINTRO_BUSY_POLL_MAX_US	1000000U
int xenintro_set_busy_poll(struct xenintro *x, unsigned int usec);

/* ---- Control: src/control.c (one ioctl each) ---- */

/* Enable (flags has XENINTRO_MON_ENABLE) or disable one monitor event. */
int xenintro_monitor(struct xenintro *x, uint32_t event, uint32_t index,
		     uint32_t flags, uint64_t ignore_mask);
/* Set @rights (XENINTRO_ACCESS_*) on frames [gfn, gfn + nr). */
int xenintro_set_access(struct xenintro *x, uint64_t gfn, uint64_t nr,
			uint8_t rights);
/* Set rights[i] on gfns[i] for i < nr. */
int xenintro_set_access_list(struct xenintro *x, const uint64_t *gfns,
			     const uint8_t *rights, uint64_t nr);
/* Read the rights of frames [gfn, gfn + nr) into rights[nr]. */
int xenintro_get_access(struct xenintro *x, uint64_t gfn, uint64_t nr,
			uint8_t *rights);
/* Read the rights of gfns[i] into rights[i] for i < nr. */
int xenintro_get_access_list(struct xenintro *x, const uint64_t *gfns,
			     uint8_t *rights, uint64_t nr);
/* Pause / unpause the whole domain. */
int xenintro_pause(struct xenintro *x);
int xenintro_unpause(struct xenintro *x);
/*
 * Release the domain now (XENINTRO_IOC_DETACH): pending events get the
 * default verdict, monitors, page rights and single-stepping are undone,
 * the guest runs on. The rings stay mapped (state "detached") until
 * xenintro_close(). -ESRCH if detached already or the domain died.
 */
int xenintro_detach(struct xenintro *x);
/*
 * Give up rights on this fd for good (XENINTRO_IOC_RESTRICT, since 1.4):
 * keep only the ioctls whose bit (1 << _XENINTRO_x) is in @ioctls, and
 * with XENINTRO_RESTRICT_DOMAIN only domain @domid. Restrictions add up;
 * -EPERM for a domain lock naming another domain than an earlier one or
 * than the one attached, -EINVAL for unknown bits.
 */
int xenintro_restrict(struct xenintro *x, uint32_t flags, uint16_t domid,
		      uint64_t ioctls);
/* Have the kernel consume the verdict ring now; returns verdicts consumed. */
int xenintro_kick(struct xenintro *x);
/* Fill @st with the session's counters. */
int xenintro_get_stats(struct xenintro *x, struct xenintro_stats *st);

/* ---- Guest memory: src/memory.c (since 1.2, XENINTRO_FEATURE_MEMORY) ---- */

/* Roots for virtual addresses (see struct xenintro_mem_root). */
static inline struct xenintro_mem_root
xenintro_root_event(const struct xenintro_event *ev)
{
	struct xenintro_mem_root r;

	memset(&r, 0, sizeof(r));
	r.kind = XENINTRO_ROOT_EVENT;
	r.vcpu = ev->vcpu;
	r.seq = ev->seq;
	return r;
}

static inline struct xenintro_mem_root xenintro_root_vcpu(uint32_t vcpu)
{
	struct xenintro_mem_root r;

	memset(&r, 0, sizeof(r));
	r.kind = XENINTRO_ROOT_VCPU;
	r.vcpu = vcpu;
	return r;
}

/*
 * The paging that registers describe (an event's regs): CR3 with the mode
 * CR0.PG, EFER.LMA, CR4.LA57 and CR4.PAE select, as the CPU does. For an
 * event that is no longer pending (a notify copy, an answered event).
 */
static inline struct xenintro_mem_root
xenintro_root_regs(const struct xenintro_regs *r)
{
	struct xenintro_mem_root root;

	memset(&root, 0, sizeof(root));
	root.kind = XENINTRO_ROOT_CR3;
	root.cr3 = r->cr3;
	if (!(r->cr0 & (1ULL << 31)))
		root.mode = XENINTRO_PAGING_NONE;
	else if (r->msr_efer & (1ULL << 10))
		root.mode = (r->cr4 & (1ULL << 12)) ? XENINTRO_PAGING_LM5 :
						      XENINTRO_PAGING_LM4;
	else if (r->cr4 & (1ULL << 5))
		root.mode = XENINTRO_PAGING_PAE;
	else
		root.mode = XENINTRO_PAGING_32;
	if (r->msr_efer & (1ULL << 11))
		root.flags |= XENINTRO_ROOTF_NXE;
	if (r->cr4 & (1ULL << 4))
		root.flags |= XENINTRO_ROOTF_PSE;
	return root;
}

static inline struct xenintro_mem_root
xenintro_root_cr3(uint64_t cr3, uint32_t mode, uint32_t flags)
{
	struct xenintro_mem_root r;

	memset(&r, 0, sizeof(r));
	r.kind = XENINTRO_ROOT_CR3;
	r.cr3 = cr3;
	r.mode = mode;
	r.flags = flags;
	return r;
}

/*
 * Read or write @len bytes at a guest-physical or guest-virtual address.
 * Returns the bytes moved (fewer when the memory ended: a page not
 * present, outside the guest...; use the _segs form to learn why), or
 * -errno when nothing could be tried (-EOPNOTSUPP without the feature,
 * -ENOENT for an event root no longer pending).
 */
int64_t xenintro_read_phys(struct xenintro *x, uint64_t gpa, void *buf,
			   uint32_t len);
int64_t xenintro_read_virt(struct xenintro *x,
			   const struct xenintro_mem_root *root, uint64_t gva,
			   void *buf, uint32_t len);
int64_t xenintro_write_phys(struct xenintro *x, uint64_t gpa, const void *buf,
			    uint32_t len);
int64_t xenintro_write_virt(struct xenintro *x,
			    const struct xenintro_mem_root *root, uint64_t gva,
			    const void *buf, uint32_t len);
/* Many segments in one call; each segment's done/stop/stop_addr filled. */
int xenintro_read_segs(struct xenintro *x, const struct xenintro_mem_root *root,
		       struct xenintro_mem_seg *segs, uint32_t nr);
int xenintro_write_segs(struct xenintro *x,
			const struct xenintro_mem_root *root,
			struct xenintro_mem_seg *segs, uint32_t nr);
/* Walk @gva; 0 with @out filled (out->stop says whether it translated). */
int xenintro_translate(struct xenintro *x, const struct xenintro_mem_root *root,
		       uint64_t gva, struct xenintro_translate *out);
/*
 * A C string at @gva, at most @max - 1 bytes, across pages. Its length,
 * -ENAMETOOLONG (no NUL within @max - 1), -EFAULT (memory ended first).
 */
int64_t xenintro_read_string(struct xenintro *x,
			     const struct xenintro_mem_root *root,
			     uint64_t gva, char *buf, size_t max);

/*
 * Zero-copy (since 1.3, XENINTRO_FEATURE_MEM_MAP): map @nr guest frames
 * read-only, page i of *@addr being @gfns[i]. @errs (may be NULL) gets 0
 * or -ENXIO per frame; a frame not mapped raises SIGBUS when touched, as
 * every frame does once the session detached. Returns the number mapped,
 * or -errno with nothing mapped. Undo with xenintro_unmap_frames().
 */
int64_t xenintro_map_frames(struct xenintro *x, const uint64_t *gfns,
			    uint32_t nr, int32_t *errs, const void **addr);
int xenintro_unmap_frames(const void *addr, uint32_t nr);

/* ---- Rule tables: src/rules.c (since 1.1, XENINTRO_FEATURE_RULES) ---- */

/*
 * Install @nr rules (0 removes the table), replacing the session's table
 * atomically. On a refused table the kernel changed nothing and, when
 * @error_index is not NULL, *@error_index names the first bad rule (~0 if
 * no single rule is to blame). On success *@generation (if not NULL)
 * receives the new table's generation. -EOPNOTSUPP if the handshake did
 * not get XENINTRO_FEATURE_RULES.
 */
int xenintro_set_rules(struct xenintro *x, const struct xenintro_rule *rules,
		       uint32_t nr, uint32_t *error_index,
		       uint64_t *generation);
/*
 * Read the hit counts of the table in force: hits[i] for i < min(@nr,
 * rules in the table). *@rules_nr (if not NULL) receives the number of
 * rules in the table, which may exceed @nr. @hits may be NULL with @nr 0
 * to ask for the count only.
 */
int xenintro_get_rule_hits(struct xenintro *x, uint64_t *hits, uint32_t nr,
			   uint32_t *rules_nr);

/* ---- Names for logs: src/names.c; never NULL, "unknown" if unknown ---- */

const char *xenintro_reason_name(uint32_t reason);
const char *xenintro_verdict_name(uint32_t verdict);
const char *xenintro_monitor_name(uint32_t event);
const char *xenintro_state_name(uint32_t state);
const char *xenintro_cr_name(uint32_t index);
/* "rwx", "r-x", "---", ...; only the low three bits are looked at. */
const char *xenintro_access_name(uint32_t rights);
/* One line describing @ev, snprintf() semantics. */
int xenintro_event_format(char *buf, size_t len,
			  const struct xenintro_event *ev);

/* ---- Inline helpers ---- */

static inline int xenintro_fd(const struct xenintro *x)
{
	return x->fd;
}

/* All of @features (XENINTRO_FEATURE_*) are supported by the kernel. */
static inline int xenintro_has_feature(const struct xenintro *x,
				       uint64_t features)
{
	return (x->supported_features & features) == features;
}

/*
 * All of @features were granted in the handshake (what the session may
 * use), as opposed to merely supported by the kernel.
 */
static inline int xenintro_feature_enabled(const struct xenintro *x,
					   uint64_t features)
{
	return (x->features & features) == features;
}

/* The kernel offers ioctl number @nr (_XENINTRO_*). */
static inline int xenintro_has_ioctl(const struct xenintro *x,
				     unsigned int nr)
{
	return nr < 64 && (x->ioctls & (1ULL << nr));
}

/*
 * XENINTRO_STATE_ATTACHED, XENINTRO_STATE_DEAD or XENINTRO_STATE_DETACHED
 * (after xenintro_detach()), -EBADFD when not
 * attached. No ordering is needed: the state is a hint for the agent loop;
 * xenintro_wait() is what reports the death.
 */
static inline int xenintro_state(const struct xenintro *x)
{
	if (!x->ctrl)
		return -EBADFD;
	return (int)__atomic_load_n(&x->ctrl->state, __ATOMIC_RELAXED);
}

/* The event is a paused vCPU that waits for a verdict. */
static inline int xenintro_event_needs_verdict(const struct xenintro_event *ev)
{
	return (ev->flags & (XENINTRO_EF_SYNC | XENINTRO_EF_NOTIFY)) ==
	       XENINTRO_EF_SYNC;
}

/*
 * Events ready to read, or -EIO if the kernel's tail is inconsistent with
 * our head (see the barrier comment above).
 */
static inline int xenintro_events_ready(struct xenintro *x)
{
	/* A1: pairs with K1, the kernel's store_release(ctrl->event_tail) */
	__u32 tail = __atomic_load_n(x->ev.ktail, __ATOMIC_ACQUIRE);
	__u32 ready = tail - x->ev.head;

	if (ready > x->ev.entries)
		return -EIO;
	return (int)ready;
}

/*
 * Point *@evp at the next event without consuming it. 0 on success,
 * -EAGAIN if the ring is empty, -EIO if it is inconsistent. The record
 * stays valid until it is consumed with xenintro_event_advance().
 */
static inline int xenintro_peek_event(struct xenintro *x,
				      const struct xenintro_event **evp)
{
	int ready = xenintro_events_ready(x);

	if (ready <= 0)
		return ready ? ready : -EAGAIN;
	*evp = &x->ev.records[x->ev.head & x->ev.mask];
	return 0;
}

/*
 * Point evs[0 .. n) at up to @max ready events, oldest first, without
 * consuming them. Returns n (0 if none) or -EIO.
 */
static inline int xenintro_peek_batch(struct xenintro *x,
				      const struct xenintro_event **evs,
				      unsigned int max)
{
	int ready = xenintro_events_ready(x);
	unsigned int i, n;

	if (ready < 0)
		return ready;
	n = (unsigned int)ready < max ? (unsigned int)ready : max;
	for (i = 0; i < n; i++)
		evs[i] = &x->ev.records[(x->ev.head + i) & x->ev.mask];
	return (int)n;
}

/*
 * Consume the @n oldest events (n no more than were peeked): their slots
 * go back to the kernel and the records must not be touched afterwards.
 * One call per batch is enough.
 */
static inline void xenintro_event_advance(struct xenintro *x, unsigned int n)
{
	x->ev.head += n;
	/*
	 * A2: pairs with K2, the kernel's load_acquire(agent->event_head):
	 * our reads of the consumed records happen before it reuses them.
	 */
	__atomic_store_n(x->ev.khead, x->ev.head, __ATOMIC_RELEASE);
}

/*
 * Free verdict slots, or -EIO if the kernel's verdict_head is inconsistent
 * with our tail. Slots handed out but not yet published count as used.
 */
static inline int xenintro_verdict_space(struct xenintro *x)
{
	/* A4: pairs with K4, the kernel's store_release(ctrl->verdict_head) */
	__u32 head = __atomic_load_n(x->vd.khead, __ATOMIC_ACQUIRE);
	__u32 used = x->vd.tail - head;

	if (used > x->vd.entries)
		return -EIO;
	return (int)(x->vd.entries - used);
}

/*
 * The next free verdict slot, or NULL if the ring is full (publish and
 * kick with xenintro_submit(), then retry) or inconsistent. The slot keeps
 * what it held last time round: fill every field, or start with
 * xenintro_prep_verdict(). It reaches the kernel at the next publish.
 */
static inline struct xenintro_verdict *xenintro_get_verdict(struct xenintro *x)
{
	/*
	 * A4: pairs with K4; the kernel has copied every verdict below head
	 * out, so their slots are ours to overwrite.
	 */
	__u32 head = __atomic_load_n(x->vd.khead, __ATOMIC_ACQUIRE);
	__u32 tail = x->vd.tail;

	/* full, or head beyond tail (unsigned difference above entries) */
	if (tail - head >= x->vd.entries)
		return NULL;
	x->vd.tail = tail + 1;
	return &x->vd.records[tail & x->vd.mask];
}

/*
 * Make every verdict handed out so far visible to the kernel. Returns how
 * many were newly published. Does not kick: see xenintro_submit().
 */
static inline int xenintro_publish(struct xenintro *x)
{
	__u32 n = x->vd.tail - x->vd.published;

	if (n) {
		/*
		 * A3: pairs with K3, the kernel's
		 * load_acquire(agent->verdict_tail): the records we wrote are
		 * visible before the new tail is.
		 */
		__atomic_store_n(x->vd.ktail, x->vd.tail, __ATOMIC_RELEASE);
		x->vd.published = x->vd.tail;
	}
	return (int)n;
}

/*
 * Publish, then kick once if anything was published since the last kick.
 * Returns the verdicts the kernel consumed (0 if there was nothing to
 * kick for) or -errno from the kick, which is retried by the next submit.
 */
static inline int xenintro_submit(struct xenintro *x)
{
	int ret;

	xenintro_publish(x);
	if (x->vd.published == x->vd.kicked)
		return 0;
	ret = xenintro_kick(x);
	if (ret >= 0)
		x->vd.kicked = x->vd.published;
	return ret;
}

/*
 * Fill @v as the answer to @ev: zero it all (reserved fields must be zero,
 * and slots are reused), then copy seq and vcpu and set @verdict.
 */
static inline void xenintro_prep_verdict(struct xenintro_verdict *v,
					 const struct xenintro_event *ev,
					 uint32_t verdict)
{
	memset(v, 0, sizeof(*v));
	v->seq = ev->seq;
	v->vcpu = ev->vcpu;
	v->verdict = verdict;
}

/*
 * A SET_REGISTERS answer to @ev, starting from the registers the event
 * carried (rax .. rip have the same layout in both records); the caller
 * then changes what it wants, e.g. v->u.regs.rip += insn_length.
 */
static inline void xenintro_prep_set_regs(struct xenintro_verdict *v,
					  const struct xenintro_event *ev)
{
	xenintro_prep_verdict(v, ev, XENINTRO_VERDICT_SET_REGISTERS);
	memcpy(&v->u.regs, &ev->regs, sizeof(v->u.regs));
}

/*
 * An EMULATE_READ_DATA answer to @ev whose reads see data[0 .. size).
 * -EINVAL if size exceeds XENINTRO_EMUL_READ_MAX or data is NULL with a
 * size; @v is then left untouched.
 */
static inline int xenintro_prep_emul_read(struct xenintro_verdict *v,
					  const struct xenintro_event *ev,
					  const void *data, size_t size)
{
	if (size > XENINTRO_EMUL_READ_MAX || (size && !data))
		return -EINVAL;
	xenintro_prep_verdict(v, ev, XENINTRO_VERDICT_EMULATE_READ_DATA);
	v->u.emul_read.size = (__u32)size;
	if (size)
		memcpy(v->u.emul_read.data, data, size);
	return 0;
}

/*
 * Take a verdict slot and prepare it as @verdict for @ev: the short way to
 * answer. NULL if the ring is full (xenintro_submit() and retry). The
 * caller may still set flags, altp2m_idx or u before the next publish.
 */
static inline struct xenintro_verdict *
xenintro_verdict_for(struct xenintro *x, const struct xenintro_event *ev,
		     uint32_t verdict)
{
	struct xenintro_verdict *v = xenintro_get_verdict(x);

	if (v)
		xenintro_prep_verdict(v, ev, verdict);
	return v;
}

/* Monitor conveniences: each is one xenintro_monitor() call. */
static inline int xenintro_monitor_enable(struct xenintro *x, uint32_t event,
					  uint32_t index, uint32_t flags)
{
	return xenintro_monitor(x, event, index, flags | XENINTRO_MON_ENABLE, 0);
}

static inline int xenintro_monitor_disable(struct xenintro *x, uint32_t event,
					   uint32_t index)
{
	return xenintro_monitor(x, event, index, 0, 0);
}

/* Writes to control register @cr (XENINTRO_CR0 .. XENINTRO_XCR0). */
static inline int xenintro_monitor_cr(struct xenintro *x, uint32_t cr,
				      uint32_t flags, uint64_t ignore_mask)
{
	return xenintro_monitor(x, XENINTRO_MONITOR_CTRLREG, cr,
				flags | XENINTRO_MON_ENABLE, ignore_mask);
}

/* Writes to MSR @msr. */
static inline int xenintro_monitor_msr(struct xenintro *x, uint32_t msr,
				       uint32_t flags)
{
	return xenintro_monitor(x, XENINTRO_MONITOR_MSR, msr,
				flags | XENINTRO_MON_ENABLE, 0);
}

static inline int xenintro_monitor_cpuid(struct xenintro *x, uint32_t flags)
{
	return xenintro_monitor_enable(x, XENINTRO_MONITOR_CPUID, 0, flags);
}

/* INT3 */
static inline int xenintro_monitor_breakpoint(struct xenintro *x,
					      uint32_t flags)
{
	return xenintro_monitor_enable(x, XENINTRO_MONITOR_BREAKPOINT, 0, flags);
}

static inline int xenintro_monitor_singlestep(struct xenintro *x,
					      uint32_t flags)
{
	return xenintro_monitor_enable(x, XENINTRO_MONITOR_SINGLESTEP, 0, flags);
}

static inline int xenintro_monitor_guest_request(struct xenintro *x,
						 uint32_t flags)
{
	return xenintro_monitor_enable(x, XENINTRO_MONITOR_GUEST_REQUEST, 0,
				       flags);
}

#ifdef __cplusplus
}
#endif

#endif /* LIBXENINTRO_H */
