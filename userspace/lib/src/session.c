// SPDX-License-Identifier: LGPL-2.1-only OR MIT
/*
 * Session life cycle: open and handshake, attach and map the rings, wait
 * for events, close.
 */
#include <fcntl.h>
#include <poll.h>
#include <stdalign.h>
#include <stdbool.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

/* The uAPI sizes the kernel asserts too (kmod/main.c). */
_Static_assert(sizeof(struct xenintro_api) == 48, "xenintro_api");
_Static_assert(sizeof(struct xenintro_regs) == 376, "xenintro_regs");
_Static_assert(sizeof(struct xenintro_event) == 512, "xenintro_event");
_Static_assert(sizeof(struct xenintro_verdict) == 512, "xenintro_verdict");
_Static_assert(sizeof(struct xenintro_ctrl) <= 4096, "xenintro_ctrl");
_Static_assert(sizeof(struct xenintro_agent_page) <= XENINTRO_AGENT_PAGE_SIZE,
	       "xenintro_agent_page");
_Static_assert(sizeof(struct xenintro_attach) == 88, "xenintro_attach");
_Static_assert(sizeof(struct xenintro_monitor) == 40, "xenintro_monitor");
_Static_assert(sizeof(struct xenintro_access) == 64, "xenintro_access");
_Static_assert(sizeof(struct xenintro_kick) == 32, "xenintro_kick");
_Static_assert(sizeof(struct xenintro_stats) == 136, "xenintro_stats");
_Static_assert(sizeof(struct xenintro_rule) == 96, "xenintro_rule");
_Static_assert(sizeof(struct xenintro_rules) == 56, "xenintro_rules");

/*
 * xenintro_prep_set_regs() copies the event's rax .. rip over the
 * verdict's register block in one go; that is only right while both lay
 * out the same registers in the same order.
 */
_Static_assert(offsetof(struct xenintro_regs, rip) + sizeof(__u64) ==
	       sizeof(((struct xenintro_verdict *)0)->u.regs),
	       "verdict regs are the event's rax .. rip");
_Static_assert(offsetof(struct xenintro_regs, r8) ==
	       offsetof(struct xenintro_verdict, u.regs.r8) -
	       offsetof(struct xenintro_verdict, u.regs.rax),
	       "verdict regs are the event's rax .. rip");

/*
 * Point the rings at @x's own idle words with zero entries: the inline
 * helpers then see an empty event ring and a full verdict ring, whatever
 * the caller does, instead of following NULL.
 */
void xi_rings_idle(struct xenintro *x)
{
	x->idle_index[0] = 0;
	x->idle_index[1] = 0;
	memset(&x->ev, 0, sizeof(x->ev));
	memset(&x->vd, 0, sizeof(x->vd));
	/* ktail and khead alias, so tail - head stays 0 after any advance */
	x->ev.ktail = &x->idle_index[0];
	x->ev.khead = &x->idle_index[0];
	x->vd.khead = &x->idle_index[1];
	x->vd.ktail = &x->idle_index[1];
}

static void xi_reset(struct xenintro *x)
{
	memset(x, 0, sizeof(*x));
	x->fd = -1;
	xi_rings_idle(x);
}

/* One XENINTRO_IOC_API call; on success @api holds the kernel's reply. */
static int xi_handshake(int fd, uint64_t features, struct xenintro_api *api)
{
	memset(api, 0, sizeof(*api));
	api->size = sizeof(*api);
	api->api_version = XENINTRO_API_VERSION;
	api->features = features;
	if (ioctl(fd, XENINTRO_IOC_API, api) < 0)
		return -errno;
	return 0;
}

/*
 * The features a kernel supports, learnt on a throwaway fd: a session
 * takes exactly one successful handshake, so asking on the caller's fd
 * would fix its features before we know which to ask for.
 */
static int xi_probe_features(const char *path, uint64_t *supported)
{
	struct xenintro_api api;
	int fd, ret;

	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ret = xi_handshake(fd, XENINTRO_FEATURE_RINGS, &api);
	close(fd);
	if (!ret)
		*supported = api.supported_features;
	return ret;
}

XENINTRO_EXPORT
int xenintro_open_path(struct xenintro *x, const char *path,
		       uint64_t features, unsigned int flags)
{
	struct xenintro_api api;
	uint64_t supported = 0;
	int fd, ret;

	if (!x)
		return -EINVAL;
	/* First, so that a failed open leaves a session close() accepts. */
	xi_reset(x);
	if (flags & ~XENINTRO_OPEN_IF_SUPPORTED)
		return -EINVAL;
	if (!path)
		path = XENINTRO_DEVICE;

	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;

	ret = xi_handshake(fd, features, &api);
	/*
	 * The kernel refuses a feature it does not know with -EINVAL and
	 * leaves the fd without a handshake, so it can be asked again with
	 * what it does support. Only the common case (everything supported)
	 * costs a single call.
	 */
	if (ret == -EINVAL && (flags & XENINTRO_OPEN_IF_SUPPORTED)) {
		ret = xi_probe_features(path, &supported);
		if (!ret) {
			features &= supported;
			ret = xi_handshake(fd, features, &api);
		}
	}
	if (ret)
		goto out_close;
	/*
	 * The kernel refuses features it does not know, and the rings exist
	 * in every version; a reply that says otherwise is not from a
	 * xenintro this library can talk to.
	 */
	if (!(api.supported_features & XENINTRO_FEATURE_RINGS) ||
	    (features & ~api.supported_features)) {
		ret = -EPROTO;
		goto out_close;
	}

	x->fd = fd;
	x->features = features;
	x->supported_features = api.supported_features;
	x->ioctls = api.ioctls;
	x->int_flags = XI_OPEN;
	return 0;

out_close:
	close(fd);
	return ret;
}

XENINTRO_EXPORT
int xenintro_open(struct xenintro *x, uint64_t features, unsigned int flags)
{
	return xenintro_open_path(x, XENINTRO_DEVICE, features, flags);
}

static void xi_unmap(struct xenintro *x)
{
	if (x->verdicts_map)
		munmap(x->verdicts_map, x->verdicts_size);
	if (x->events_map)
		munmap(x->events_map, x->events_size);
	if (x->ctrl_map)
		munmap(x->ctrl_map, x->ctrl_size);
	x->verdicts_map = x->events_map = x->ctrl_map = NULL;
	x->verdicts_size = x->events_size = x->ctrl_size = 0;
	x->ctrl = NULL;
	x->agent = NULL;
	xi_rings_idle(x);
}

XENINTRO_EXPORT
int xenintro_close(struct xenintro *x)
{
	int ret = 0;

	if (!x)
		return -EINVAL;
	if (!(x->int_flags & XI_OPEN))
		return 0;
	/*
	 * Each mapping holds a reference to the file, and the kernel detaches
	 * only when the last one goes: unmap first so close() detaches now.
	 */
	xi_unmap(x);
	/* Linux releases the fd even when close() fails; report, go on. */
	if (close(x->fd) < 0)
		ret = -errno;
	xi_reset(x);
	return ret;
}

static int xi_ring_entries_ok(__u32 entries)
{
	return entries >= XENINTRO_RING_MIN && entries <= XENINTRO_RING_MAX &&
	       !(entries & (entries - 1));
}

/*
 * The kernel's ATTACH reply must describe rings this library can use
 * without reading or writing past a mapping; anything else is -EPROTO.
 */
static int xi_check_geometry(const struct xenintro_attach *a)
{
	__u64 ev_bytes, vd_bytes;

	if (!xi_ring_entries_ok(a->event_entries) ||
	    !xi_ring_entries_ok(a->verdict_entries))
		return -EPROTO;
	if (a->event_record_size != sizeof(struct xenintro_event) ||
	    a->verdict_record_size != sizeof(struct xenintro_verdict))
		return -EPROTO;
	if (a->ctrl_size < sizeof(struct xenintro_ctrl) ||
	    a->ctrl_size > SIZE_MAX)
		return -EPROTO;
	/* entries <= XENINTRO_RING_MAX, so the products cannot overflow */
	ev_bytes = (__u64)a->event_entries * sizeof(struct xenintro_event);
	vd_bytes = (__u64)a->verdict_entries * sizeof(struct xenintro_verdict);
	if (a->events_size < ev_bytes || a->events_size > SIZE_MAX)
		return -EPROTO;
	if (a->verdict_records < sizeof(struct xenintro_agent_page) ||
	    a->verdict_records % alignof(struct xenintro_verdict) ||
	    a->verdicts_size > SIZE_MAX ||
	    a->verdict_records > a->verdicts_size ||
	    vd_bytes > a->verdicts_size - a->verdict_records)
		return -EPROTO;
	return 0;
}

static int xi_map(int fd, size_t size, int prot, __u64 off, void **mapp)
{
	/*
	 * MAP_POPULATE: take any page faults now rather than on the first
	 * event, when a vCPU is paused waiting for us.
	 */
	void *p = mmap(NULL, size, prot, MAP_SHARED | MAP_POPULATE, fd,
		       (off_t)off);

	if (p == MAP_FAILED)
		return -errno;
	*mapp = p;
	return 0;
}

/*
 * Set up the ring cursors over freshly mapped regions. The kernel
 * initialised all four indices before ATTACH returned (the system call
 * orders that), and only the library writes the agent page, so plain
 * relaxed loads suffice; the checks keep a broken start from being trusted.
 */
static int xi_rings_init(struct xenintro *x, const struct xenintro_attach *a)
{
	const struct xenintro_ctrl *ctrl = x->ctrl_map;
	struct xenintro_agent_page *agent = x->verdicts_map;
	__u32 ev_head, ev_tail, vd_head, vd_tail;

	if (ctrl->version < XENINTRO_CTRL_VERSION ||
	    ctrl->event_entries != a->event_entries ||
	    ctrl->verdict_entries != a->verdict_entries)
		return -EPROTO;

	ev_head = __atomic_load_n(&agent->event_head, __ATOMIC_RELAXED);
	ev_tail = __atomic_load_n(&ctrl->event_tail, __ATOMIC_RELAXED);
	vd_tail = __atomic_load_n(&agent->verdict_tail, __ATOMIC_RELAXED);
	vd_head = __atomic_load_n(&ctrl->verdict_head, __ATOMIC_RELAXED);
	if (ev_tail - ev_head > a->event_entries ||
	    vd_tail - vd_head > a->verdict_entries)
		return -EPROTO;

	x->ctrl = ctrl;
	x->agent = agent;

	x->ev.ktail = &ctrl->event_tail;
	x->ev.khead = &agent->event_head;
	x->ev.records = x->events_map;
	x->ev.entries = a->event_entries;
	x->ev.mask = a->event_entries - 1;
	x->ev.head = ev_head;

	x->vd.khead = &ctrl->verdict_head;
	x->vd.ktail = &agent->verdict_tail;
	x->vd.records = (struct xenintro_verdict *)
		((char *)x->verdicts_map + a->verdict_records);
	x->vd.entries = a->verdict_entries;
	x->vd.mask = a->verdict_entries - 1;
	x->vd.tail = vd_tail;
	x->vd.published = vd_tail;
	x->vd.kicked = vd_tail;
	return 0;
}

XENINTRO_EXPORT
int xenintro_attach(struct xenintro *x, uint32_t domid,
		    struct xenintro_attach *args)
{
	struct xenintro_attach a;
	int ret;

	ret = xi_check_open(x);
	if (ret)
		return ret;
	if (x->int_flags & XI_BOUND)
		return -EBUSY;

	if (args)
		a = *args;
	else
		memset(&a, 0, sizeof(a));
	a.size = sizeof(a);
	a.domid = domid;
	/* The record this library was built with; the slots are that size. */
	a.event_record_size = sizeof(struct xenintro_event);
	a.verdict_record_size = 0;
	if (ioctl(x->fd, XENINTRO_IOC_ATTACH, &a) < 0)
		return -errno;
	/*
	 * The fd is bound to the domain from here on, whatever fails below,
	 * until it is closed (DETACH releases the domain, not the fd). A
	 * second attach gets -EBUSY, as the kernel would say.
	 */
	x->int_flags |= XI_BOUND;
	if (args)
		*args = a;

	ret = xi_check_geometry(&a);
	if (ret)
		return ret;

	ret = xi_map(x->fd, a.ctrl_size, PROT_READ, XENINTRO_OFF_CTRL,
		     &x->ctrl_map);
	if (ret)
		goto out_unmap;
	x->ctrl_size = a.ctrl_size;
	ret = xi_map(x->fd, a.events_size, PROT_READ, XENINTRO_OFF_EVENTS,
		     &x->events_map);
	if (ret)
		goto out_unmap;
	x->events_size = a.events_size;
	ret = xi_map(x->fd, a.verdicts_size, PROT_READ | PROT_WRITE,
		     XENINTRO_OFF_VERDICTS, &x->verdicts_map);
	if (ret)
		goto out_unmap;
	x->verdicts_size = a.verdicts_size;

	ret = xi_rings_init(x, &a);
	if (ret)
		goto out_unmap;

	x->domid = domid;
	x->max_vcpus = a.max_vcpus;
	x->int_flags |= XI_ATTACHED;
	return 0;

out_unmap:
	xi_unmap(x);
	return ret;
}

/*
 * The events ready, or -ESRCH if the domain is dead and none is left. The
 * ring is checked again after an acquire load of the state, so that events
 * the kernel published before it marked the domain dead are still seen
 * first; the uAPI does not promise that order, but allowing for it is free.
 */
static int xi_ready_or_dead(struct xenintro *x)
{
	int ready = xenintro_events_ready(x);

	if (ready)
		return ready;
	/* Dead or detached: nothing more will come. */
	if (__atomic_load_n(&x->ctrl->state, __ATOMIC_ACQUIRE) ==
	    XENINTRO_STATE_ATTACHED)
		return 0;
	ready = xenintro_events_ready(x);
	return ready ? ready : -ESRCH;
}

XENINTRO_EXPORT
int xenintro_set_busy_poll(struct xenintro *x, unsigned int usec)
{
	if (!x || usec > XENINTRO_BUSY_POLL_MAX_US)
		return -EINVAL;
	x->busy_poll_us = usec;
	return 0;
}

static uint64_t xi_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static inline void xi_cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#endif
}

/*
 * Spin on the event ring for up to busy_poll_us: the events ready, -ESRCH
 * for a death, 0 when the time is up. The clock is read every 64 turns
 * only: on a PV dom0 without a vDSO clock each read is a system call.
 */
static int xi_busy_poll(struct xenintro *x)
{
	uint64_t end = xi_now_ns() + (uint64_t)x->busy_poll_us * 1000;
	unsigned int turn = 0;
	int ret;

	for (;;) {
		ret = xi_ready_or_dead(x);
		if (ret)
			return ret;
		xi_cpu_relax();
		if (!(++turn % 64) && xi_now_ns() >= end)
			return 0;
	}
}

/* poll() the session: its result, -errno, with pfd->revents filled in. */
static int xi_poll(struct xenintro *x, struct pollfd *pfd, int timeout_ms)
{
	int ret;

	pfd->fd = x->fd;
	pfd->events = POLLIN;
	pfd->revents = 0;
	ret = poll(pfd, 1, timeout_ms);
	return ret < 0 ? -errno : ret;
}

/*
 * XENINTRO_IOC_KICK with XENINTRO_KICK_WAIT: the published verdicts go to
 * the kernel and the call sleeps up to @timeout_ms (< 0: no limit) for
 * events. -errno, or 0.
 */
static int xi_kick_wait(struct xenintro *x, int timeout_ms)
{
	struct xenintro_kick k;

	memset(&k, 0, sizeof(k));
	k.size = sizeof(k);
	k.flags = XENINTRO_KICK_WAIT;
	k.timeout_ms = timeout_ms < 0 ? XENINTRO_KICK_WAIT_FOREVER :
					(__u32)timeout_ms;
	if (ioctl(x->fd, XENINTRO_IOC_KICK, &k) < 0)
		return -errno;
	return 0;
}

XENINTRO_EXPORT
int xenintro_wait(struct xenintro *x, int timeout_ms)
{
	bool kick_wait, hand_over = false;
	struct pollfd pfd;
	int ret;

	if (!x)
		return -EINVAL;
	if (!(x->int_flags & XI_ATTACHED))
		return -EBADFD;

	/*
	 * With KICK_WAIT one kick hands the published verdicts over and
	 * waits: publish them here. Without it they still need
	 * xenintro_submit().
	 */
	kick_wait = xenintro_feature_enabled(x, XENINTRO_FEATURE_KICK_WAIT);
	if (kick_wait) {
		xenintro_publish(x);
		hand_over = x->vd.published != x->vd.kicked;
	}

	/*
	 * Work already there, or a known end, costs no system call, unless
	 * verdicts wait to be handed over: then kick without sleeping, as
	 * the vCPUs they answer must not wait for the agent to run out of
	 * events.
	 */
	ret = xi_ready_or_dead(x);
	if (ret < 0 || (ret && !hand_over))
		return ret;

	if (x->busy_poll_us && !ret) {
		/* The verdicts first: the events spun for may need them. */
		if (hand_over) {
			ret = xi_kick_wait(x, 0);
			if (ret < 0)
				return ret;
			x->vd.kicked = x->vd.published;
			hand_over = false;
		}
		ret = xi_busy_poll(x);
		if (ret)
			return ret;
	}

	if (kick_wait) {
		ret = xi_kick_wait(x, ret ? 0 : timeout_ms);
		if (ret == -ESRCH) {
			/* ended: what is left in the ring is still readable */
			ret = xenintro_events_ready(x);
			return ret ? ret : -ESRCH;
		}
		if (ret < 0)
			return ret;
		x->vd.kicked = x->vd.published;
		/* 0: the time is up, or woken without events */
		return xi_ready_or_dead(x);
	}

	ret = xi_poll(x, &pfd, ret ? 0 : timeout_ms < 0 ? -1 : timeout_ms);
	if (ret < 0)
		return ret;
	if (ret == 0)
		return xenintro_events_ready(x);

	/* Events that arrived before the end are still the agent's to see. */
	ret = xenintro_events_ready(x);
	if (ret)
		return ret;
	if (pfd.revents & POLLNVAL)
		return -EBADF;
	if (pfd.revents & (POLLHUP | POLLERR))
		return -ESRCH;
	/* 0: woken without events (the caller just waits again) */
	return xi_ready_or_dead(x);
}
