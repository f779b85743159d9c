// SPDX-License-Identifier: LGPL-2.1-only OR MIT
/*
 * The simulated kernel side of /dev/xenintro; see fake_kernel.h.
 */
#define _GNU_SOURCE	/* memfd_create */
#include <errno.h>
#include <stdbool.h>
#include <poll.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fake_kernel.h"
#include "harness.h"

/* The real calls, for everything that is not ours (--wrap). */
int __real_ioctl(int fd, unsigned long req, ...);
void *__real_mmap(void *addr, size_t len, int prot, int flags, int fd,
		  off_t off);
int __real_munmap(void *addr, size_t len);
int __real_poll(struct pollfd *fds, nfds_t nfds, int timeout);

struct fk fk;

static const __u64 fk_region_off[FK_NR_REGIONS] = {
	XENINTRO_OFF_CTRL, XENINTRO_OFF_EVENTS, XENINTRO_OFF_VERDICTS,
};

/* Forked test children inherit this pristine state. */
__attribute__((constructor))
static void fk_defaults(void)
{
	unsigned int i;

	fk.fd = -1;
	fk.cfg.supported_features = XENINTRO_FEATURE_RINGS |
				    XENINTRO_FEATURE_EMUL_READ_DATA |
				    XENINTRO_FEATURE_RULES |
				    XENINTRO_FEATURE_KICK_WAIT |
				    XENINTRO_FEATURE_MEMORY |
				    XENINTRO_FEATURE_MEM_WRITE;
	for (i = _XENINTRO_API; i <= _XENINTRO_TRANSLATE; i++)
		fk.cfg.ioctls |= 1ULL << i;
	fk.cfg.default_entries = 16;
	fk.cfg.max_vcpus = 4;
	for (i = 0; i < FK_NR_REGIONS; i++)
		fk.memfd[i] = -1;
	for (i = 0; i < FK_NR_GFNS; i++)
		fk.rights[i] = XENINTRO_ACCESS_RWX;
	pthread_mutex_init(&fk.lock, NULL);
}

static int fk_all_zero(const void *p, size_t n)
{
	const unsigned char *c = p;

	while (n--)
		if (*c++)
			return 0;
	return 1;
}

/* copy_struct_from_user() as the driver uses it, for our exact sizes. */
static int fk_check_size(__u32 size, size_t expected)
{
	return size == expected ? 0 : -EINVAL;
}

static int fk_ioc_api(struct xenintro_api *a)
{
	if (fk_check_size(a->size, sizeof(*a)))
		return -EINVAL;
	if (fk.api_done)
		return -EBUSY;
	if (a->api_version != XENINTRO_API_VERSION ||
	    !fk_all_zero(a->reserved, sizeof(a->reserved)) ||
	    (a->features & ~fk.cfg.supported_features))
		return -EINVAL;
	a->supported_features = fk.cfg.supported_features;
	a->ioctls = fk.cfg.ioctls;
	fk.api_done = 1;
	fk.api_features = a->features;
	return 0;
}

static int fk_pow2_entries(__u32 *entries)
{
	if (!*entries)
		*entries = fk.cfg.default_entries;
	if (*entries < XENINTRO_RING_MIN || *entries > XENINTRO_RING_MAX ||
	    (*entries & (*entries - 1)))
		return -EINVAL;
	return 0;
}

static size_t fk_page_align(size_t n)
{
	return (n + 4095) & ~(size_t)4095;
}

static int fk_region_create(enum fk_region r, size_t size)
{
	static const char *const names[] = { "ctrl", "events", "verdicts" };
	int fd = memfd_create(names[r], MFD_CLOEXEC);

	if (fd < 0 || ftruncate(fd, (off_t)size) < 0)
		return -errno;
	fk.kmap[r] = __real_mmap(NULL, size, PROT_READ | PROT_WRITE,
				 MAP_SHARED, fd, 0);
	if (fk.kmap[r] == MAP_FAILED)
		return -errno;
	fk.memfd[r] = fd;
	fk.size[r] = size;
	return 0;
}

static int fk_ioc_attach(struct xenintro_attach *a)
{
	__u32 ev, vd;
	int ret;

	if (fk_check_size(a->size, sizeof(*a)) || a->flags ||
	    !fk_all_zero(a->reserved, sizeof(a->reserved)))
		return -EINVAL;
	if (fk.bound)
		return -EBUSY;
	if (a->domid == 0 || a->domid >= 0x7ff0)
		return -ESRCH;
	if (a->default_verdict != XENINTRO_VERDICT_CONTINUE &&
	    a->default_verdict != XENINTRO_VERDICT_DENY)
		return -EINVAL;
	if (a->deadline_ms > XENINTRO_DEADLINE_MAX_MS)
		return -EINVAL;
	ev = a->event_entries;
	vd = a->verdict_entries;
	if (fk_pow2_entries(&ev) || fk_pow2_entries(&vd))
		return -EINVAL;

	ret = fk_region_create(FK_CTRL, 4096);
	if (!ret)
		ret = fk_region_create(FK_EVENTS, fk_page_align(
				(size_t)ev * sizeof(struct xenintro_event)));
	if (!ret)
		ret = fk_region_create(FK_VERDICTS, XENINTRO_AGENT_PAGE_SIZE +
			fk_page_align((size_t)vd *
				      sizeof(struct xenintro_verdict)));
	if (ret)
		return ret;
	fk.ctrl = fk.kmap[FK_CTRL];
	fk.events = fk.kmap[FK_EVENTS];
	fk.agent = fk.kmap[FK_VERDICTS];
	fk.verdicts = (struct xenintro_verdict *)
		((char *)fk.kmap[FK_VERDICTS] + XENINTRO_AGENT_PAGE_SIZE);

	fk.ctrl->version = XENINTRO_CTRL_VERSION;
	fk.ctrl->state = XENINTRO_STATE_ATTACHED;
	fk.ctrl->event_entries = ev;
	fk.ctrl->verdict_entries = vd;
	fk.ctrl->domid = (__u16)a->domid;
	fk.ctrl->max_vcpus = fk.cfg.max_vcpus;
	fk.ctrl->event_tail = fk.cfg.ev_start;
	fk.ctrl->verdict_head = fk.cfg.vd_start;
	fk.agent->event_head = fk.cfg.ev_start;
	fk.agent->verdict_tail = fk.cfg.vd_start;

	a->event_entries = ev;
	a->verdict_entries = vd;
	a->max_vcpus = fk.cfg.max_vcpus;
	a->ctrl_size = fk.size[FK_CTRL];
	a->events_size = fk.size[FK_EVENTS];
	a->verdicts_size = fk.size[FK_VERDICTS];
	a->verdict_records = XENINTRO_AGENT_PAGE_SIZE;
	a->event_record_size = sizeof(struct xenintro_event);
	a->verdict_record_size = sizeof(struct xenintro_verdict);
	if (fk.cfg.mangle_attach)
		fk.cfg.mangle_attach(a);
	fk.reply = *a;
	if (fk.cfg.mangle_regions)
		fk.cfg.mangle_regions();
	fk.bound = 1;
	return 0;
}

static struct fk_monitor *fk_monitor_find(__u32 event, __u32 index)
{
	unsigned int i;

	for (i = 0; i < fk.nr_monitors; i++)
		if (fk.monitors[i].event == event &&
		    fk.monitors[i].index == index)
			return &fk.monitors[i];
	return NULL;
}

static int fk_ioc_monitor(const struct xenintro_monitor *m)
{
	struct fk_monitor *found;

	if (fk_check_size(m->size, sizeof(*m)) ||
	    !fk_all_zero(m->reserved, sizeof(m->reserved)) ||
	    m->event > XENINTRO_MONITOR_MAX || (m->flags & ~XENINTRO_MON_ALL))
		return -EINVAL;
	found = fk_monitor_find(m->event, m->index);
	if (m->flags & XENINTRO_MON_ENABLE) {
		if (found)
			return -EEXIST;
		if (fk.nr_monitors == FK_NR_MONITORS)
			return -ENOSPC;
		fk.monitors[fk.nr_monitors].event = m->event;
		fk.monitors[fk.nr_monitors].index = m->index;
		fk.nr_monitors++;
	} else {
		if (!found)
			return -EEXIST;
		*found = fk.monitors[--fk.nr_monitors];
	}
	return 0;
}

static int fk_ioc_access(struct xenintro_access *a, int set)
{
	const __u64 *gfns = (const __u64 *)(uintptr_t)a->gfns;
	__u8 *rights = (__u8 *)(uintptr_t)a->rights;
	__u64 i, gfn;

	if (fk_check_size(a->size, sizeof(*a)) || a->reserved0 ||
	    !fk_all_zero(a->reserved, sizeof(a->reserved)) ||
	    (a->flags & ~XENINTRO_ACCESS_LIST) ||
	    !a->nr || a->nr > XENINTRO_ACCESS_NR_MAX)
		return -EINVAL;
	if (a->flags & XENINTRO_ACCESS_LIST) {
		if (!gfns || !rights || a->range_rights)
			return -EFAULT;
		for (i = 0; i < a->nr; i++) {
			if (gfns[i] >= FK_NR_GFNS ||
			    (set && (rights[i] & ~XENINTRO_ACCESS_RWX)))
				return -EINVAL;
		}
		for (i = 0; i < a->nr; i++) {
			if (set)
				fk.rights[gfns[i]] = rights[i];
			else
				rights[i] = fk.rights[gfns[i]];
		}
		return 0;
	}
	if (a->gfn >= FK_NR_GFNS || a->nr > FK_NR_GFNS - a->gfn)
		return -EINVAL;
	if (set) {
		if (a->rights || (a->range_rights & ~XENINTRO_ACCESS_RWX))
			return -EINVAL;
		for (gfn = a->gfn; gfn < a->gfn + a->nr; gfn++)
			fk.rights[gfn] = (__u8)a->range_rights;
		return 0;
	}
	if (!rights || a->range_rights)
		return -EINVAL;
	for (i = 0; i < a->nr; i++)
		rights[i] = fk.rights[a->gfn + i];
	return 0;
}

/*
 * KICK: take the published verdicts. With KICK_WAIT it then "sleeps" as
 * the fake poll() does: never, reporting what is ready (a timeout at
 * once when nothing is).
 */
static int fk_ioc_kick(struct xenintro_kick *k)
{
	bool wait = k->flags & XENINTRO_KICK_WAIT;
	int n;

	if (fk_check_size(k->size, sizeof(*k)) ||
	    (k->flags & ~XENINTRO_KICK_WAIT) || k->reserved0 ||
	    (!wait && k->timeout_ms) ||
	    !fk_all_zero(k->reserved, sizeof(k->reserved)))
		return -EINVAL;
	if (wait && !(fk.api_features & XENINTRO_FEATURE_KICK_WAIT))
		return -EOPNOTSUPP;
	pthread_mutex_lock(&fk.lock);
	n = fk_consume(fk.cfg.on_verdict, fk.cfg.on_verdict_arg);
	pthread_mutex_unlock(&fk.lock);
	if (n < 0)
		return n;
	k->consumed = (__u32)n;
	k->ready = 0;
	if (wait) {
		fk.kick_waits++;
		fk.last_kick_timeout = k->timeout_ms;
		if (fk.cfg.on_poll)
			fk.cfg.on_poll();
		k->ready = fk.ctrl->event_tail - fk_event_head();
	}
	return 0;
}

/*
 * READ_MEM / WRITE_MEM over FK_GMEM_SIZE bytes of guest memory. Virtual
 * segments need a ROOT_CR3 with paging NONE (virtual = physical); the
 * fake has no page tables. Segments stop where the memory ends.
 */
static int fk_ioc_mem(struct xenintro_mem *m, bool write)
{
	struct xenintro_mem_seg *segs =
		(struct xenintro_mem_seg *)(uintptr_t)m->segs;
	__u32 i, n;

	fk.last_mem = *m;
	if (fk_check_size(m->size, sizeof(*m)) || m->flags || !m->nr_segs ||
	    m->seg_size != sizeof(*segs))
		return -EINVAL;
	if (!(fk.api_features & (write ? XENINTRO_FEATURE_MEM_WRITE :
					 XENINTRO_FEATURE_MEMORY)))
		return -EOPNOTSUPP;
	for (i = 0; i < m->nr_segs; i++) {
		struct xenintro_mem_seg *s = &segs[i];

		if ((s->flags & XENINTRO_SEG_VIRT) &&
		    (m->root.kind != XENINTRO_ROOT_CR3 ||
		     m->root.mode != XENINTRO_PAGING_NONE))
			return -EINVAL;
		if (i < 4)
			fk.last_segs[i] = *s;
		n = s->addr >= FK_GMEM_SIZE ? 0 :
		    (__u32)(FK_GMEM_SIZE - s->addr);
		if (n > s->len)
			n = s->len;
		if (write)
			memcpy(fk.gmem + s->addr, (void *)(uintptr_t)s->buf, n);
		else
			memcpy((void *)(uintptr_t)s->buf, fk.gmem + s->addr, n);
		s->done = n;
		s->stop = n < s->len ? XENINTRO_STOP_OUTSIDE : 0;
		s->stop_addr = n < s->len ? s->addr + n : 0;
		m->bytes += n;
	}
	return 0;
}

static int fk_ioc_translate(struct xenintro_translate *t)
{
	if (fk_check_size(t->size, sizeof(*t)) || t->flags)
		return -EINVAL;
	if (!(fk.api_features & XENINTRO_FEATURE_MEMORY))
		return -EOPNOTSUPP;
	t->mode = XENINTRO_PAGING_NONE;
	t->stop = t->gva < FK_GMEM_SIZE ? 0 : XENINTRO_STOP_OUTSIDE;
	t->gpa = t->stop ? 0 : t->gva;
	t->page_size = t->stop ? 0 : 4096;
	return 0;
}

static int fk_ioc_stats(struct xenintro_stats *st)
{
	__u64 *hits = (__u64 *)(uintptr_t)st->rule_hits;
	__u32 i, n;

	fk.last_stats_size = st->size;
	fk.last_stats = *st;
	if (fk_check_size(st->size, sizeof(*st)) || st->reserved0 ||
	    st->rules_nr || st->rules_generation)
		return -EINVAL;
	if (st->rule_hits_nr && !hits)
		return -EFAULT;
	n = st->rule_hits_nr < fk.nr_rules ? st->rule_hits_nr : fk.nr_rules;
	for (i = 0; i < n; i++)
		hits[i] = fk.rule_hits[i];
	*st = fk.stats;
	st->size = sizeof(*st);
	st->rules_nr = fk.nr_rules;
	st->rules_generation = fk.rules_generation;
	return 0;
}

/*
 * SET_RULES, with the checks the tests need to see the library's error
 * plumbing: the sizes, the feature, first > last and unknown flags.
 */
static int fk_ioc_set_rules(struct xenintro_rules *r, int rules_granted)
{
	const struct xenintro_rule *in =
		(const struct xenintro_rule *)(uintptr_t)r->rules;
	__u32 i;

	r->error_index = ~0U;
	if (!rules_granted)
		return -EOPNOTSUPP;
	if (fk_check_size(r->size, sizeof(*r)) || r->flags || r->reserved0 ||
	    r->generation || !fk_all_zero(r->reserved, sizeof(r->reserved)))
		return -EINVAL;
	if (r->nr > XENINTRO_RULES_MAX)
		return -E2BIG;
	if (r->nr && (r->rule_size != sizeof(*in) || !in))
		return -EINVAL;
	for (i = 0; i < r->nr; i++) {
		if (in[i].first > in[i].last ||
		    (in[i].flags & ~XENINTRO_RULE_ALL) ||
		    in[i].action > XENINTRO_VERDICT_MAX) {
			r->error_index = i;
			return -EINVAL;
		}
	}
	if (r->nr)
		memcpy(fk.rules, in, (size_t)r->nr * sizeof(*in));
	fk.nr_rules = r->nr;
	memset(fk.rule_hits, 0, sizeof(fk.rule_hits));
	r->generation = ++fk.rules_generation;
	return 0;
}

static int fk_ioctl(int fd, unsigned int nr, void *arg)
{
	if (nr >= FK_NR_IOCTLS || !(fk.cfg.ioctls & (1ULL << nr)))
		return -ENOTTY;
	fk.calls[nr]++;
	if (nr == _XENINTRO_API) {
		/* another fd is another open file: a session of its own */
		if (fd != fk.fd)
			fk.api_done = 0;
		fk.fd = fd;
	}
	if (fk.cfg.fail_ioctl[nr])
		return -fk.cfg.fail_ioctl[nr];
	if (nr == _XENINTRO_API) {
		fk.last_api = *(struct xenintro_api *)arg;
		return fk_ioc_api(arg);
	}
	if (!fk.api_done || fd != fk.fd)
		return -EINVAL;

	if (nr == _XENINTRO_ATTACH) {
		fk.last_attach = *(struct xenintro_attach *)arg;
		return fk_ioc_attach(arg);
	}
	/* as the driver: the rest need a domain, and a live one */
	if (!fk.bound)
		return -ENOTCONN;
	if (fk.dead)
		return -ESRCH;

	switch (nr) {
	case _XENINTRO_MONITOR:
		fk.last_monitor = *(struct xenintro_monitor *)arg;
		return fk_ioc_monitor(arg);
	case _XENINTRO_SET_ACCESS:
	case _XENINTRO_GET_ACCESS:
		fk.last_access = *(struct xenintro_access *)arg;
		return fk_ioc_access(arg, nr == _XENINTRO_SET_ACCESS);
	case _XENINTRO_PAUSE:
		fk.last_pause_arg = arg;
		fk.paused++;
		return 0;
	case _XENINTRO_UNPAUSE:
		fk.last_pause_arg = arg;
		if (!fk.paused)
			return -EINVAL;
		fk.paused--;
		return 0;
	case _XENINTRO_KICK:
		fk.last_kick = *(struct xenintro_kick *)arg;
		return fk_ioc_kick(arg);
	case _XENINTRO_STATS:
		return fk_ioc_stats(arg);
	case _XENINTRO_READ_MEM:
	case _XENINTRO_WRITE_MEM:
		return fk_ioc_mem(arg, nr == _XENINTRO_WRITE_MEM);
	case _XENINTRO_TRANSLATE:
		return fk_ioc_translate(arg);
	case _XENINTRO_SET_RULES:
		fk.last_rules = *(struct xenintro_rules *)arg;
		return fk_ioc_set_rules(arg, !!(fk.api_features &
						XENINTRO_FEATURE_RULES));
	default:
		return -ENOTTY;
	}
}

int __wrap_ioctl(int fd, unsigned long req, ...)
{
	va_list ap;
	void *arg;
	int ret;

	va_start(ap, req);
	arg = va_arg(ap, void *);
	va_end(ap);
	if (_IOC_TYPE(req) != XENINTRO_IOCTL_TYPE)
		return __real_ioctl(fd, req, arg);
	/* Every xenintro ioctl is _IO(): no size or direction in the number */
	if (_IOC_DIR(req) != _IOC_NONE || _IOC_SIZE(req))
		xt_fail(__FILE__, __LINE__, "ioctl 0x%lx is not _IO()", req);
	ret = fk_ioctl(fd, _IOC_NR(req), arg);
	if (ret < 0) {
		errno = -ret;
		return -1;
	}
	return ret;
}

static int fk_region_of(int fd, off_t off)
{
	int r;

	if (!fk.bound || fd != fk.fd)
		return -1;
	for (r = 0; r < FK_NR_REGIONS; r++)
		if ((__u64)off == fk_region_off[r])
			return r;
	return FK_NR_REGIONS;
}

void *__wrap_mmap(void *addr, size_t len, int prot, int flags, int fd,
		  off_t off)
{
	int r = fk_region_of(fd, off);
	void *p;

	if (r < 0)
		return __real_mmap(addr, len, prot, flags, fd, off);
	fk.mmaps++;
	if (r == FK_NR_REGIONS) {
		errno = EINVAL;
		return MAP_FAILED;
	}
	fk.ulen[r] = len;
	fk.uprot[r] = prot;
	fk.uflags[r] = flags;
	if (fk.cfg.fail_mmap[r]) {
		errno = fk.cfg.fail_mmap[r];
		return MAP_FAILED;
	}
	/* the driver's rules: exact size, shared, kernel-written is RO */
	if (len != fk.size[r] || !(flags & MAP_SHARED)) {
		errno = EINVAL;
		return MAP_FAILED;
	}
	if ((prot & PROT_EXEC) || (r != FK_VERDICTS && (prot & PROT_WRITE))) {
		errno = EPERM;
		return MAP_FAILED;
	}
#ifdef FK_SHARED_VIEW
	/*
	 * ThreadSanitizer tracks addresses, not pages: with two views of one
	 * page it sees neither the races nor the barriers between the two
	 * sides. Hand the library the kernel's own view instead.
	 */
	(void)addr;
	p = fk.kmap[r];
#else
	p = __real_mmap(addr, len, prot, flags, fk.memfd[r], 0);
#endif
	if (p != MAP_FAILED)
		fk.umap[r] = p;
	return p;
}

int __wrap_munmap(void *addr, size_t len)
{
	int r;

	for (r = 0; r < FK_NR_REGIONS; r++) {
		if (fk.umap[r] && fk.umap[r] == addr) {
			if (len != fk.ulen[r])
				xt_fail(__FILE__, __LINE__,
					"munmap of region %d: %zu bytes, mapped %zu",
					r, len, fk.ulen[r]);
			fk.umap[r] = NULL;
			fk.munmaps++;
#ifdef FK_SHARED_VIEW
			return 0;	/* the kernel's view stays */
#endif
		}
	}
	return __real_munmap(addr, len);
}

/*
 * poll() on our fd never blocks: POLLIN when events are ready, POLLHUP when
 * the domain died, otherwise a timeout at once. It never takes verdicts.
 */
int __wrap_poll(struct pollfd *fds, nfds_t nfds, int timeout)
{
	if (nfds != 1 || fds[0].fd != fk.fd || fk.fd < 0)
		return __real_poll(fds, nfds, timeout);
	fk.polls++;
	fk.last_poll_timeout = timeout;
	if (fk.cfg.poll_errno) {
		errno = fk.cfg.poll_errno;
		return -1;
	}
	if (fk.cfg.on_poll)
		fk.cfg.on_poll();
	fds[0].revents = 0;
	if (fk.bound && fk.ctrl->event_tail != fk_event_head())
		fds[0].revents |= POLLIN;
	if (fk.dead)
		fds[0].revents |= POLLHUP;
	fds[0].revents &= fds[0].events | POLLHUP | POLLERR | POLLNVAL;
	return fds[0].revents ? 1 : 0;
}

__u32 fk_event_head(void)
{
	/* K2: pairs with the library's A2 */
	return __atomic_load_n(&fk.agent->event_head, __ATOMIC_ACQUIRE);
}

__u32 fk_verdict_tail(void)
{
	/* K3: pairs with the library's A3 */
	return __atomic_load_n(&fk.agent->verdict_tail, __ATOMIC_ACQUIRE);
}

int fk_produce(const struct xenintro_event *tmpl)
{
	/* only this side writes event_tail */
	__u32 tail = __atomic_load_n(&fk.ctrl->event_tail, __ATOMIC_RELAXED);
	__u32 head = fk_event_head();
	struct xenintro_event *e;

	/* the uAPI's rule: a head further behind than the ring is "full" */
	if (tail - head >= fk.ctrl->event_entries)
		return -ENOSPC;
	e = &fk.events[tail & (fk.ctrl->event_entries - 1)];
	*e = *tmpl;
	if (!e->seq)
		e->seq = ++fk.next_seq;
	/* K1: pairs with the library's A1 */
	__atomic_store_n(&fk.ctrl->event_tail, tail + 1, __ATOMIC_RELEASE);
	return 0;
}

int fk_produce_n(unsigned int n, __u32 reason)
{
	struct xenintro_event ev;
	unsigned int i;
	int ret;

	for (i = 0; i < n; i++) {
		memset(&ev, 0, sizeof(ev));
		ev.seq = ++fk.next_seq;
		ev.reason = reason;
		ev.vcpu = (__u32)(ev.seq % fk.cfg.max_vcpus);
		ev.flags = XENINTRO_EF_SYNC;
		ev.domid = fk.ctrl->domid;
		ev.rule = ~0U;
		ev.regs.rip = 0x1000 + ev.seq;
		ret = fk_produce(&ev);
		if (ret) {
			fk.next_seq--;
			return ret;
		}
	}
	return 0;
}

int fk_consume(void (*cb)(const struct xenintro_verdict *v, void *arg),
	       void *arg)
{
	__u32 head = __atomic_load_n(&fk.ctrl->verdict_head, __ATOMIC_RELAXED);
	__u32 tail = fk_verdict_tail();
	__u32 entries = fk.ctrl->verdict_entries;
	struct xenintro_verdict v;
	int n = 0;

	if (tail - head > entries)
		return -EIO;
	for (; head != tail; head++, n++) {
		/* copy out first, as the driver does: the slot is shared */
		v = fk.verdicts[head & (entries - 1)];
		if (cb) {
			cb(&v, arg);
			continue;
		}
		if (fk.nlog == fk.caplog) {
			fk.caplog = fk.caplog ? 2 * fk.caplog : 64;
			fk.log = realloc(fk.log, fk.caplog * sizeof(*fk.log));
			if (!fk.log)
				xt_fail(__FILE__, __LINE__, "out of memory");
		}
		fk.log[fk.nlog++] = v;
	}
	/* K4: pairs with the library's A4 */
	__atomic_store_n(&fk.ctrl->verdict_head, tail, __ATOMIC_RELEASE);
	return n;
}

void fk_reset(void)
{
	unsigned int r;

	for (r = 0; r < FK_NR_REGIONS; r++) {
		if (fk.kmap[r])
			__real_munmap(fk.kmap[r], fk.size[r]);
		if (fk.memfd[r] >= 0)
			close(fk.memfd[r]);
		fk.kmap[r] = NULL;
		fk.memfd[r] = -1;
		fk.size[r] = 0;
	}
	fk.ctrl = NULL;
	fk.events = NULL;
	fk.agent = NULL;
	fk.verdicts = NULL;
	free(fk.log);
	fk.log = NULL;
	fk.nlog = fk.caplog = 0;
	fk.fd = -1;
	fk.api_done = fk.bound = fk.dead = 0;
	fk.api_features = 0;
	fk.nr_rules = 0;
	fk.rules_generation = 0;
	fk.next_seq = 0;
}

void fk_set_dead(void)
{
	__atomic_store_n(&fk.ctrl->state, XENINTRO_STATE_DEAD,
			 __ATOMIC_RELEASE);
	fk.dead = 1;
}

void xt_open(struct xenintro *x)
{
	XT_EQ(xenintro_open_path(x, "/dev/null", XENINTRO_FEATURE_RINGS, 0),
	      0);
}

void xt_attach(struct xenintro *x, __u32 ev_entries, __u32 vd_entries)
{
	struct xenintro_attach a;

	memset(&a, 0, sizeof(a));
	a.event_entries = ev_entries;
	a.verdict_entries = vd_entries;
	xt_open(x);
	XT_EQ(xenintro_attach(x, 1, &a), 0);
}
