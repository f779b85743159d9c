// SPDX-License-Identifier: LGPL-2.1-only OR MIT
/*
 * Session life cycle: open and handshake, attach and mmap, wait, state,
 * close, against the simulated kernel.
 */
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fake_kernel.h"
#include "harness.h"

static int fd_is_open(int fd)
{
	return fcntl(fd, F_GETFD) >= 0;
}

XT_TEST(open_nonexistent_path_is_enoent)
{
	struct xenintro x;

	XT_EQ(xenintro_open_path(&x, "/nonexistent/xenintro", 0, 0), -ENOENT);
	XT_EQ(x.fd, -1);
	XT_EQ(fk.calls[_XENINTRO_API], 0);
	/* a failed open leaves a closed session */
	XT_EQ(xenintro_close(&x), 0);
}

XT_TEST(open_rejects_bad_arguments)
{
	struct xenintro x;

	XT_EQ(xenintro_open_path(NULL, "/dev/null", 0, 0), -EINVAL);
	XT_EQ(xenintro_open(NULL, 0, 0), -EINVAL);
	/* bit 0 is XENINTRO_OPEN_IF_SUPPORTED (1.1); the rest are unknown */
	XT_EQ(xenintro_open_path(&x, "/dev/null", 0, 1U << 1), -EINVAL);
	XT_EQ(fk.calls[_XENINTRO_API], 0);
	XT_EQ(xenintro_close(&x), 0);
	XT_EQ(xenintro_close(NULL), -EINVAL);
}

XT_TEST(open_handshake)
{
	struct xenintro x;

	XT_EQ(xenintro_open_path(&x, "/dev/null", XENINTRO_FEATURE_RINGS, 0),
	      0);
	XT_EQ(fk.calls[_XENINTRO_API], 1);
	XT_EQ(fk.last_api.size, sizeof(struct xenintro_api));
	XT_EQ(fk.last_api.api_version, XENINTRO_API_VERSION);
	XT_EQ(fk.last_api.features, XENINTRO_FEATURE_RINGS);
	XT_EQ(fk.last_api.supported_features, 0);
	XT_EQ(fk.last_api.ioctls, 0);
	XT_EQ(fk.last_api.reserved[0] | fk.last_api.reserved[1], 0);
	XT_EQ(x.fd, fk.fd);
	XT_EQ(x.features, XENINTRO_FEATURE_RINGS);
	XT_EQ(x.supported_features, fk.cfg.supported_features);
	XT_EQ(x.ioctls, fk.cfg.ioctls);
	XT_ASSERT(xenintro_has_feature(&x, XENINTRO_FEATURE_EMUL_READ_DATA));
	/* supported by the kernel, but not asked for */
	XT_ASSERT(xenintro_has_feature(&x, XENINTRO_FEATURE_RULES));
	XT_ASSERT(!xenintro_feature_enabled(&x, XENINTRO_FEATURE_RULES));
	XT_ASSERT(!xenintro_has_feature(&x, XENINTRO_FEATURE_RINGS |
					(1ULL << 63)));
	XT_ASSERT(xenintro_has_ioctl(&x, _XENINTRO_KICK));
	XT_ASSERT(xenintro_has_ioctl(&x, _XENINTRO_SET_RULES));
	XT_ASSERT(!xenintro_has_ioctl(&x, _XENINTRO_TRANSLATE + 1));
	XT_ASSERT(!xenintro_has_ioctl(&x, 64));
	XT_EQ(xenintro_fd(&x), x.fd);
	XT_EQ(xenintro_close(&x), 0);
}

XT_TEST(open_fd_is_rdwr_and_cloexec)
{
	struct xenintro x;

	xt_open(&x);
	XT_EQ(fcntl(x.fd, F_GETFL) & O_ACCMODE, O_RDWR);
	XT_ASSERT(fcntl(x.fd, F_GETFD) & FD_CLOEXEC);
	XT_EQ(xenintro_close(&x), 0);
}

XT_TEST(open_handshake_error_closes_fd)
{
	struct xenintro x;

	/* the kernel refuses an unknown feature bit */
	XT_EQ(xenintro_open_path(&x, "/dev/null", 1ULL << 40, 0), -EINVAL);
	XT_EQ(fk.calls[_XENINTRO_API], 1);
	XT_ASSERT(!fd_is_open(fk.fd));
	XT_EQ(x.fd, -1);

	fk.api_done = 0;
	fk.cfg.fail_ioctl[_XENINTRO_API] = EPERM;
	XT_EQ(xenintro_open_path(&x, "/dev/null", 0, 0), -EPERM);
	XT_ASSERT(!fd_is_open(fk.fd));
}

XT_TEST(open_rejects_reply_without_rings)
{
	struct xenintro x;

	fk.cfg.supported_features = XENINTRO_FEATURE_EMUL_READ_DATA;
	XT_EQ(xenintro_open_path(&x, "/dev/null", 0, 0), -EPROTO);
	XT_ASSERT(!fd_is_open(fk.fd));
}

XT_TEST(calls_on_closed_session_fail_without_syscall)
{
	struct xenintro x;
	struct xenintro_stats st;
	uint8_t r;
	uint64_t g = 0;
	unsigned int i, total = 0;

	/* never opened: even fd 0 must not be used */
	memset(&x, 0, sizeof(x));
	XT_EQ(xenintro_attach(&x, 1, NULL), -EBADF);
	XT_EQ(xenintro_monitor(&x, XENINTRO_MONITOR_CPUID, 0,
			       XENINTRO_MON_ENABLE, 0), -EBADF);
	XT_EQ(xenintro_set_access(&x, 0, 1, 0), -EBADF);
	XT_EQ(xenintro_set_access_list(&x, &g, &r, 1), -EBADF);
	XT_EQ(xenintro_get_access(&x, 0, 1, &r), -EBADF);
	XT_EQ(xenintro_get_access_list(&x, &g, &r, 1), -EBADF);
	XT_EQ(xenintro_pause(&x), -EBADF);
	XT_EQ(xenintro_unpause(&x), -EBADF);
	XT_EQ(xenintro_kick(&x), -EBADF);
	XT_EQ(xenintro_get_stats(&x, &st), -EBADF);
	XT_EQ(xenintro_wait(&x, 0), -EBADFD);
	XT_EQ(xenintro_state(&x), -EBADFD);
	XT_EQ(xenintro_close(&x), 0);

	XT_EQ(xenintro_attach(NULL, 1, NULL), -EINVAL);
	XT_EQ(xenintro_monitor(NULL, 0, 0, 0, 0), -EINVAL);
	XT_EQ(xenintro_pause(NULL), -EINVAL);
	XT_EQ(xenintro_kick(NULL), -EINVAL);
	XT_EQ(xenintro_wait(NULL, 0), -EINVAL);

	for (i = 0; i < FK_NR_IOCTLS; i++)
		total += fk.calls[i];
	XT_EQ(total, 0);
	XT_EQ(fk.polls, 0);
}

XT_TEST(attach_maps_three_regions)
{
	struct xenintro x;

	xt_open(&x);
	XT_EQ(xenintro_attach(&x, 7, NULL), 0);
	XT_EQ(fk.last_attach.size, sizeof(struct xenintro_attach));
	XT_EQ(fk.last_attach.domid, 7);
	/* NULL args: every input zero, i.e. the kernel's defaults */
	XT_EQ(fk.last_attach.event_entries, 0);
	XT_EQ(fk.last_attach.verdict_entries, 0);
	XT_EQ(fk.last_attach.default_verdict, XENINTRO_VERDICT_CONTINUE);
	XT_EQ(fk.last_attach.deadline_ms, 0);
	XT_EQ(fk.last_attach.flags, 0);

	XT_EQ(fk.mmaps, 3);
	XT_EQ(fk.uprot[FK_CTRL], PROT_READ);
	XT_EQ(fk.uprot[FK_EVENTS], PROT_READ);
	XT_EQ(fk.uprot[FK_VERDICTS], PROT_READ | PROT_WRITE);
	XT_ASSERT(fk.uflags[FK_CTRL] & MAP_SHARED);
	XT_ASSERT(fk.uflags[FK_EVENTS] & MAP_SHARED);
	XT_ASSERT(fk.uflags[FK_VERDICTS] & MAP_SHARED);
	XT_EQ(fk.ulen[FK_CTRL], fk.reply.ctrl_size);
	XT_EQ(fk.ulen[FK_EVENTS], fk.reply.events_size);
	XT_EQ(fk.ulen[FK_VERDICTS], fk.reply.verdicts_size);

	XT_ASSERT(x.ctrl == fk.umap[FK_CTRL]);
	XT_ASSERT((void *)x.agent == fk.umap[FK_VERDICTS]);
	XT_ASSERT((const void *)x.ev.records == fk.umap[FK_EVENTS]);
	XT_ASSERT((char *)x.vd.records ==
		  (char *)fk.umap[FK_VERDICTS] + fk.reply.verdict_records);
	XT_EQ(x.ev.entries, fk.cfg.default_entries);
	XT_EQ(x.ev.mask, fk.cfg.default_entries - 1);
	XT_EQ(x.vd.entries, fk.cfg.default_entries);
	XT_EQ(x.domid, 7);
	XT_EQ(x.max_vcpus, fk.cfg.max_vcpus);
	XT_EQ(xenintro_state(&x), XENINTRO_STATE_ATTACHED);
	/* the library's view is the kernel's memory */
	fk.ctrl->events_delivered = 42;
	XT_EQ(x.ctrl->events_delivered, 42);

	XT_EQ(xenintro_close(&x), 0);
	XT_EQ(fk.munmaps, 3);
	XT_ASSERT(!fd_is_open(fk.fd));
	XT_EQ(x.fd, -1);
	XT_ASSERT(x.ctrl == NULL);
	XT_EQ(xenintro_close(&x), 0);
}

XT_TEST(attach_args_are_in_out)
{
	struct xenintro x;
	struct xenintro_attach a;

	memset(&a, 0, sizeof(a));
	a.size = 12345;		/* the library sets it */
	a.domid = 99;		/* ... and this, from its argument */
	a.event_entries = 8;
	a.verdict_entries = 4;
	a.default_verdict = XENINTRO_VERDICT_DENY;
	a.deadline_ms = 50;
	xt_open(&x);
	XT_EQ(xenintro_attach(&x, 3, &a), 0);
	XT_EQ(fk.last_attach.size, sizeof(a));
	XT_EQ(fk.last_attach.domid, 3);
	XT_EQ(fk.last_attach.default_verdict, XENINTRO_VERDICT_DENY);
	XT_EQ(fk.last_attach.deadline_ms, 50);
	XT_EQ(a.event_entries, 8);
	XT_EQ(a.verdict_entries, 4);
	XT_EQ(a.ctrl_size, fk.size[FK_CTRL]);
	XT_EQ(a.events_size, fk.size[FK_EVENTS]);
	XT_EQ(a.verdicts_size, fk.size[FK_VERDICTS]);
	XT_EQ(a.verdict_records, XENINTRO_AGENT_PAGE_SIZE);
	XT_EQ(a.max_vcpus, fk.cfg.max_vcpus);
	XT_EQ(x.ev.entries, 8);
	XT_EQ(x.vd.entries, 4);
	XT_EQ(xenintro_verdict_space(&x), 4);
	XT_EQ(xenintro_close(&x), 0);
}

XT_TEST(attach_twice_is_ebusy)
{
	struct xenintro x;

	xt_attach(&x, 4, 4);
	XT_EQ(xenintro_attach(&x, 2, NULL), -EBUSY);
	XT_EQ(fk.calls[_XENINTRO_ATTACH], 1);
	XT_EQ(xenintro_state(&x), XENINTRO_STATE_ATTACHED);
	XT_EQ(xenintro_close(&x), 0);
}

XT_TEST(attach_kernel_error_allows_retry)
{
	struct xenintro x;

	xt_open(&x);
	/* domain 0x7ff0 does not exist in the fake */
	XT_EQ(xenintro_attach(&x, 0x7ff0, NULL), -ESRCH);
	fk.cfg.fail_ioctl[_XENINTRO_ATTACH] = ENODEV;
	XT_EQ(xenintro_attach(&x, 1, NULL), -ENODEV);
	XT_EQ(fk.mmaps, 0);
	XT_EQ(xenintro_state(&x), -EBADFD);
	fk.cfg.fail_ioctl[_XENINTRO_ATTACH] = 0;
	XT_EQ(xenintro_attach(&x, 1, NULL), 0);
	XT_EQ(xenintro_state(&x), XENINTRO_STATE_ATTACHED);
	XT_EQ(xenintro_close(&x), 0);
}

/* Replies a broken kernel could send; each must be refused with -EPROTO. */
static void bad_ev_entries(struct xenintro_attach *a) { a->event_entries = 12; }
static void bad_vd_entries(struct xenintro_attach *a) { a->verdict_entries = 1; }
static void big_entries(struct xenintro_attach *a) { a->event_entries = 1U << 31; }
static void zero_entries(struct xenintro_attach *a) { a->verdict_entries = 0; }
static void bad_ev_rec(struct xenintro_attach *a) { a->event_record_size = 256; }
static void bad_vd_rec(struct xenintro_attach *a) { a->verdict_record_size = 1024; }
static void small_ctrl(struct xenintro_attach *a) { a->ctrl_size = 64; }
static void small_events(struct xenintro_attach *a) { a->events_size -= 512; }
static void small_verdicts(struct xenintro_attach *a) { a->verdicts_size = 4096; }
static void recs_in_agent(struct xenintro_attach *a) { a->verdict_records = 64; }
static void recs_unaligned(struct xenintro_attach *a) { a->verdict_records = 4097; }
/* aligned, so only the bounds check can catch it */
static void recs_past_end(struct xenintro_attach *a) { a->verdict_records = ~0ULL - 4095; }
static void recs_overlap_end(struct xenintro_attach *a) { a->verdict_records += 512; }

static void (*const bad_replies[])(struct xenintro_attach *) = {
	bad_ev_entries, bad_vd_entries, big_entries, zero_entries,
	bad_ev_rec, bad_vd_rec, small_ctrl, small_events, small_verdicts,
	recs_in_agent, recs_unaligned, recs_past_end, recs_overlap_end,
};

XT_TEST(attach_rejects_bad_geometry)
{
	unsigned int i;

	for (i = 0; i < sizeof(bad_replies) / sizeof(bad_replies[0]); i++) {
		struct xenintro x;
		struct xenintro_attach a;

		/* a fresh fake kernel for each: fork */
		pid_t pid = fork();
		int status;

		XT_ASSERT(pid >= 0);
		if (pid == 0) {
			memset(&a, 0, sizeof(a));
			a.event_entries = 8;
			a.verdict_entries = 8;
			fk.cfg.mangle_attach = bad_replies[i];
			xt_open(&x);
			XT_EQ(xenintro_attach(&x, 1, &a), -EPROTO);
			/* the caller sees what the kernel said */
			XT_EQ(memcmp(&a, &fk.reply, sizeof(a)), 0);
			XT_EQ(fk.mmaps, fk.munmaps);
			XT_ASSERT(x.ctrl == NULL);
			/* the fd stays bound: no second attach */
			XT_EQ(xenintro_attach(&x, 1, NULL), -EBUSY);
			/* the ring helpers see idle rings, not NULL */
			XT_EQ(xenintro_events_ready(&x), 0);
			XT_ASSERT(xenintro_get_verdict(&x) == NULL);
			XT_EQ(xenintro_wait(&x, 0), -EBADFD);
			XT_EQ(xenintro_close(&x), 0);
			_exit(0);
		}
		XT_EQ(waitpid(pid, &status, 0), pid);
		if (!WIFEXITED(status) || WEXITSTATUS(status))
			xt_fail(__FILE__, __LINE__, "bad reply %u accepted", i);
	}
}

static void ctrl_version_zero(void) { fk.ctrl->version = 0; }
static void ctrl_entries_differ(void) { fk.ctrl->event_entries = 4; }
static void ev_tail_ahead(void) { fk.ctrl->event_tail += 9; }
static void vd_head_ahead(void) { fk.ctrl->verdict_head += 1; }

static void (*const bad_regions[])(void) = {
	ctrl_version_zero, ctrl_entries_differ, ev_tail_ahead, vd_head_ahead,
};

XT_TEST(attach_rejects_inconsistent_regions)
{
	unsigned int i;

	for (i = 0; i < sizeof(bad_regions) / sizeof(bad_regions[0]); i++) {
		pid_t pid = fork();
		int status;

		XT_ASSERT(pid >= 0);
		if (pid == 0) {
			struct xenintro x;
			struct xenintro_attach a;

			memset(&a, 0, sizeof(a));
			a.event_entries = 8;
			a.verdict_entries = 8;
			fk.cfg.mangle_regions = bad_regions[i];
			xt_open(&x);
			XT_EQ(xenintro_attach(&x, 1, &a), -EPROTO);
			XT_EQ(fk.mmaps, 3);
			XT_EQ(fk.munmaps, 3);
			XT_ASSERT(x.ctrl == NULL);
			XT_EQ(xenintro_close(&x), 0);
			_exit(0);
		}
		XT_EQ(waitpid(pid, &status, 0), pid);
		if (!WIFEXITED(status) || WEXITSTATUS(status))
			xt_fail(__FILE__, __LINE__, "bad region %u accepted", i);
	}
}

static void ctrl_version_next(void) { fk.ctrl->version++; }

/* No compat_version exists: a newer page is assumed to only grow. */
XT_TEST(attach_accepts_newer_ctrl_version)
{
	struct xenintro x;

	fk.cfg.mangle_regions = ctrl_version_next;
	xt_open(&x);
	XT_EQ(xenintro_attach(&x, 1, NULL), 0);
	XT_EQ(xenintro_close(&x), 0);
}

XT_TEST(attach_mmap_failure_unwinds)
{
	enum fk_region r;

	for (r = FK_CTRL; r < FK_NR_REGIONS; r++) {
		pid_t pid = fork();
		int status;

		XT_ASSERT(pid >= 0);
		if (pid == 0) {
			struct xenintro x;

			fk.cfg.fail_mmap[r] = ENOMEM;
			xt_open(&x);
			XT_EQ(xenintro_attach(&x, 1, NULL), -ENOMEM);
			XT_EQ(fk.mmaps, (unsigned int)r + 1);
			XT_EQ(fk.munmaps, (unsigned int)r);
			XT_ASSERT(x.ctrl == NULL);
			XT_ASSERT(x.ctrl_map == NULL && x.events_map == NULL &&
				  x.verdicts_map == NULL);
			XT_EQ(xenintro_attach(&x, 1, NULL), -EBUSY);
			XT_EQ(xenintro_close(&x), 0);
			XT_EQ(fk.munmaps, (unsigned int)r);
			_exit(0);
		}
		XT_EQ(waitpid(pid, &status, 0), pid);
		if (!WIFEXITED(status) || WEXITSTATUS(status))
			xt_fail(__FILE__, __LINE__, "region %d", r);
	}
}

XT_TEST(wait_returns_ready_events_without_poll)
{
	struct xenintro x;

	xt_attach(&x, 8, 8);
	XT_EQ(fk_produce_n(3, XENINTRO_EVENT_CPUID), 0);
	XT_EQ(xenintro_wait(&x, 1000), 3);
	XT_EQ(fk.polls, 0);
	XT_EQ(xenintro_close(&x), 0);
}

XT_TEST(wait_timeout)
{
	struct xenintro x;

	xt_attach(&x, 8, 8);
	XT_EQ(xenintro_wait(&x, 25), 0);
	XT_EQ(fk.polls, 1);
	XT_EQ(fk.last_poll_timeout, 25);
	XT_EQ(xenintro_wait(&x, -5), 0);
	XT_EQ(fk.last_poll_timeout, -1);
	XT_EQ(xenintro_close(&x), 0);
}

/* A session granted KICK_WAIT. */
static void attach_kick_wait(struct xenintro *x)
{
	XT_EQ(xenintro_open_path(x, "/dev/null", XENINTRO_FEATURE_RINGS |
				 XENINTRO_FEATURE_KICK_WAIT, 0), 0);
	XT_EQ(xenintro_attach(x, 1, NULL), 0);
}

/* Answer the one event in the ring without submitting. */
static void answer_one(struct xenintro *x)
{
	const struct xenintro_event *ev;

	XT_EQ(fk_produce_n(1, XENINTRO_EVENT_CPUID), 0);
	XT_EQ(xenintro_peek_batch(x, &ev, 1), 1);
	XT_ASSERT(xenintro_verdict_for(x, ev, XENINTRO_VERDICT_CONTINUE));
	xenintro_event_advance(x, 1);
}

XT_TEST(wait_hands_verdicts_to_kick_wait)
{
	struct xenintro x;

	attach_kick_wait(&x);
	answer_one(&x);
	/* published and taken by the one KICK that waits; no poll() */
	XT_EQ(xenintro_wait(&x, 25), 0);
	XT_EQ(fk.calls[_XENINTRO_KICK], 1);
	XT_EQ(fk.kick_waits, 1);
	XT_EQ(fk.last_kick_timeout, 25);
	XT_EQ(fk.last_kick.flags, XENINTRO_KICK_WAIT);
	XT_EQ(fk.polls, 0);
	XT_EQ(fk_verdict_tail(), 1);
	/* handed over: submit has nothing left to kick for */
	XT_EQ(xenintro_submit(&x), 0);
	XT_EQ(fk.calls[_XENINTRO_KICK], 1);
	/* nothing left to hand over: ready events cost no system call */
	XT_EQ(fk_produce_n(2, XENINTRO_EVENT_CPUID), 0);
	XT_EQ(xenintro_wait(&x, 25), 2);
	XT_EQ(fk.calls[_XENINTRO_KICK], 1);
	/* no limit is asked for as KICK_WAIT_FOREVER */
	xenintro_event_advance(&x, 2);
	XT_EQ(xenintro_wait(&x, -1), 0);
	XT_EQ(fk.last_kick_timeout, XENINTRO_KICK_WAIT_FOREVER);
	XT_EQ(xenintro_close(&x), 0);
}

XT_TEST(wait_hands_over_without_sleeping_when_events_wait)
{
	struct xenintro x;

	attach_kick_wait(&x);
	answer_one(&x);
	XT_EQ(fk_produce_n(2, XENINTRO_EVENT_CPUID), 0);
	XT_EQ(xenintro_wait(&x, -1), 2);
	XT_EQ(fk.kick_waits, 1);
	XT_EQ(fk.last_kick_timeout, 0);
	XT_EQ(fk_verdict_tail(), 1);
	XT_EQ(xenintro_close(&x), 0);
}

XT_TEST(wait_leaves_verdicts_alone_without_kick_wait)
{
	struct xenintro x;

	xt_attach(&x, 8, 8);
	XT_ASSERT(!xenintro_feature_enabled(&x, XENINTRO_FEATURE_KICK_WAIT));
	answer_one(&x);
	XT_EQ(xenintro_wait(&x, 25), 0);
	XT_EQ(fk.calls[_XENINTRO_KICK], 0);
	XT_EQ(fk.polls, 1);
	/* not even published: xenintro_submit() is the agent's call */
	XT_EQ(fk_verdict_tail(), 0);
	XT_EQ(xenintro_submit(&x), 1);
	XT_EQ(xenintro_close(&x), 0);
}

static void *produce_later(void *arg)
{
	(void)arg;
	usleep(20000);
	XT_EQ(fk_produce_n(1, XENINTRO_EVENT_CPUID), 0);
	return NULL;
}

XT_TEST(busy_poll_catches_events_without_poll)
{
	struct xenintro x;
	pthread_t t;

	xt_attach(&x, 8, 8);
	XT_EQ(xenintro_set_busy_poll(&x, 1000001), -EINVAL);
	XT_EQ(xenintro_set_busy_poll(NULL, 10), -EINVAL);
	/* up to 1 s of spinning: far more than the producer's 20 ms */
	XT_EQ(xenintro_set_busy_poll(&x, 1000000), 0);
	XT_EQ(pthread_create(&t, NULL, produce_later, NULL), 0);
	XT_EQ(xenintro_wait(&x, -1), 1);
	XT_EQ(pthread_join(t, NULL), 0);
	XT_EQ(fk.polls, 0);
	XT_EQ(xenintro_close(&x), 0);
}

XT_TEST(busy_poll_then_sleeps)
{
	struct xenintro x;

	attach_kick_wait(&x);
	XT_EQ(xenintro_set_busy_poll(&x, 2000), 0);
	answer_one(&x);
	/* a kick hands the verdict over, the spin ends, a kick waits */
	XT_EQ(xenintro_wait(&x, 25), 0);
	XT_EQ(fk_verdict_tail(), 1);
	XT_EQ(fk.kick_waits, 2);
	XT_EQ(fk.last_kick_timeout, 25);
	/* nothing to hand over: straight to the spin, then the wait */
	XT_EQ(xenintro_wait(&x, 25), 0);
	XT_EQ(fk.kick_waits, 3);
	XT_EQ(fk.polls, 0);
	XT_EQ(xenintro_close(&x), 0);
}

static void produce_two(void)
{
	XT_EQ(fk_produce_n(2, XENINTRO_EVENT_BREAKPOINT), 0);
}

XT_TEST(wait_wakes_for_events)
{
	struct xenintro x;

	xt_attach(&x, 8, 8);
	fk.cfg.on_poll = produce_two;
	XT_EQ(xenintro_wait(&x, -1), 2);
	XT_EQ(fk.polls, 1);
	XT_EQ(xenintro_close(&x), 0);
}

static void die_in_poll(void)
{
	/* POLLHUP only: the state word has not been updated yet */
	fk.dead = 1;
}

XT_TEST(wait_pollhup_is_esrch)
{
	struct xenintro x;

	xt_attach(&x, 8, 8);
	fk.cfg.on_poll = die_in_poll;
	XT_EQ(xenintro_wait(&x, -1), -ESRCH);
	XT_EQ(xenintro_state(&x), XENINTRO_STATE_ATTACHED);
	XT_EQ(xenintro_close(&x), 0);
}

XT_TEST(wait_dead_domain_drains_events_first)
{
	const struct xenintro_event *ev;
	struct xenintro x;

	xt_attach(&x, 8, 8);
	XT_EQ(fk_produce_n(2, XENINTRO_EVENT_MSR), 0);
	fk_set_dead();
	XT_EQ(xenintro_state(&x), XENINTRO_STATE_DEAD);
	XT_EQ(xenintro_wait(&x, -1), 2);
	XT_EQ(xenintro_peek_event(&x, &ev), 0);
	XT_EQ(ev->seq, 1);
	xenintro_event_advance(&x, 2);
	XT_EQ(xenintro_wait(&x, -1), -ESRCH);
	/* known dead from the control page: no system call needed */
	XT_EQ(fk.polls, 0);
	XT_EQ(xenintro_close(&x), 0);
}

XT_TEST(wait_poll_errors)
{
	struct xenintro x;

	xt_attach(&x, 8, 8);
	fk.cfg.poll_errno = EINTR;
	XT_EQ(xenintro_wait(&x, 10), -EINTR);
	fk.cfg.poll_errno = 0;
	/* an inconsistent ring is reported before any poll */
	fk.ctrl->event_tail += 100;
	XT_EQ(xenintro_wait(&x, 10), -EIO);
	XT_EQ(fk.polls, 1);
	XT_EQ(xenintro_close(&x), 0);
}

XT_TEST(state_follows_control_page)
{
	struct xenintro x;

	xt_open(&x);
	XT_EQ(xenintro_state(&x), -EBADFD);
	XT_EQ(xenintro_attach(&x, 1, NULL), 0);
	XT_EQ(xenintro_state(&x), XENINTRO_STATE_ATTACHED);
	fk_set_dead();
	XT_EQ(xenintro_state(&x), XENINTRO_STATE_DEAD);
	XT_EQ(xenintro_close(&x), 0);
	XT_EQ(xenintro_state(&x), -EBADFD);
}

XT_TEST(close_detaches_a_reopenable_session)
{
	struct xenintro x;
	int first;

	xt_attach(&x, 4, 4);
	first = x.fd;
	XT_EQ(xenintro_close(&x), 0);
	XT_ASSERT(!fd_is_open(first));
	XT_EQ(fk.munmaps, 3);
	/* the struct is reusable after close */
	fk_reset();
	xt_open(&x);
	XT_EQ(xenintro_close(&x), 0);
}
