/* SPDX-License-Identifier: LGPL-2.1-only OR MIT */
/*
 * A simulated /dev/xenintro, in-process. The test binary is linked with
 * --wrap for ioctl, mmap, munmap and poll, so the library's system calls
 * on its fd land here. The regions are memfds: the "kernel" writes through
 * its own read-write mappings while the library gets mappings with exactly
 * the protections it asked for, as it would from the real driver.
 *
 * The ioctls follow the uAPI header's rules (size field, reserved zero,
 * handshake first, -EBUSY on a second attach), so the tests see the errors
 * a real kernel would give.
 */
#ifndef FAKE_KERNEL_H
#define FAKE_KERNEL_H

#include <pthread.h>
#include <sys/types.h>

#include <xenintro/libxenintro.h>

#define FK_NR_IOCTLS	16
#define FK_NR_GFNS	1024
/* Guest memory of the fake: three pages, identity-"translated". */
#define FK_GMEM_SIZE	(3 * 4096)
#define FK_NR_MONITORS	64

enum fk_region { FK_CTRL, FK_EVENTS, FK_VERDICTS, FK_NR_REGIONS };

struct fk_config {
	__u64 supported_features;
	__u64 ioctls;
	__u32 default_entries;		/* ring size for a request of 0 */
	__u32 ev_start;			/* initial event_head/event_tail */
	__u32 vd_start;			/* initial verdict_head/verdict_tail */
	__u32 max_vcpus;
	int fail_ioctl[FK_NR_IOCTLS];	/* errno to fail ioctl nr with */
	int fail_mmap[FK_NR_REGIONS];	/* errno to fail a region's mmap */
	void (*mangle_attach)(struct xenintro_attach *reply);
	void (*mangle_regions)(void);	/* after the regions are set up */
	void (*on_poll)(void);		/* inside poll(), before revents */
	int poll_errno;			/* poll() fails with this */
	/* KICK hands consumed verdicts here instead of logging them */
	void (*on_verdict)(const struct xenintro_verdict *v, void *arg);
	void *on_verdict_arg;
};

struct fk_monitor {
	__u32 event, index;
};

struct fk {
	struct fk_config cfg;

	/* session */
	int fd;
	int api_done;
	__u64 api_features;	/* granted in the handshake */
	int bound;
	struct xenintro_attach reply;
	int dead;

	/* regions: kernel's view */
	int memfd[FK_NR_REGIONS];
	size_t size[FK_NR_REGIONS];
	void *kmap[FK_NR_REGIONS];
	struct xenintro_ctrl *ctrl;
	struct xenintro_event *events;
	struct xenintro_agent_page *agent;
	struct xenintro_verdict *verdicts;

	/* what the library did */
	unsigned int calls[FK_NR_IOCTLS];
	struct xenintro_api last_api;
	struct xenintro_attach last_attach;
	struct xenintro_monitor last_monitor;
	struct xenintro_access last_access;
	struct xenintro_kick last_kick;
	struct xenintro_rules last_rules;
	struct xenintro_stats last_stats;
	__u32 last_stats_size;
	void *last_pause_arg;
	void *umap[FK_NR_REGIONS];
	size_t ulen[FK_NR_REGIONS];
	int uprot[FK_NR_REGIONS];
	int uflags[FK_NR_REGIONS];
	unsigned int mmaps, munmaps;
	unsigned int polls;
	int last_poll_timeout;
	unsigned int kick_waits;	/* KICKs with KICK_WAIT */
	__u8 gmem[FK_GMEM_SIZE];
	struct xenintro_mem last_mem;
	struct xenintro_mem_seg last_segs[4];
	__u32 last_kick_timeout;	/* their timeout_ms */

	/* simulated hypervisor state */
	__u64 next_seq;
	int paused;
	__u8 rights[FK_NR_GFNS];
	struct fk_monitor monitors[FK_NR_MONITORS];
	unsigned int nr_monitors;
	struct xenintro_stats stats;
	/* the rule table in force (SET_RULES) and its hit counters */
	struct xenintro_rule rules[XENINTRO_RULES_MAX];
	__u32 nr_rules;
	__u64 rules_generation;
	__u64 rule_hits[XENINTRO_RULES_MAX];

	/*
	 * Serialises verdict consumption: KICK (agent's thread) against a
	 * test's kernel thread, as the driver's lock would.
	 */
	pthread_mutex_t lock;
	struct xenintro_verdict *log;	/* verdicts consumed, when logged */
	size_t nlog, caplog;
};

extern struct fk fk;

/* Produce one event from @tmpl; seq 0 means "next". 0 or -ENOSPC. */
int fk_produce(const struct xenintro_event *tmpl);
/* Produce @n events of @reason (sync) on vCPU seq % max_vcpus. */
int fk_produce_n(unsigned int n, __u32 reason);
/*
 * Consume the verdict ring: each verdict goes to @cb, or into fk.log when
 * @cb is NULL. Returns the number consumed, or -EIO for a tail that is not
 * within the ring. Caller holds fk.lock.
 */
int fk_consume(void (*cb)(const struct xenintro_verdict *v, void *arg),
	       void *arg);
/*
 * Forget the session and free the regions, keeping fk.cfg and the call
 * counters: for tests that run several sessions in one process.
 */
void fk_reset(void);
/* The domain dies: state DEAD, poll reports POLLHUP. */
void fk_set_dead(void);
/* The agent's indices, as the kernel reads them. */
__u32 fk_event_head(void);
__u32 fk_verdict_tail(void);

/* Test conveniences on top of the library. */
void xt_open(struct xenintro *x);
void xt_attach(struct xenintro *x, __u32 ev_entries, __u32 vd_entries);

#endif /* FAKE_KERNEL_H */
