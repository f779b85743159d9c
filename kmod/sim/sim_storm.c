// SPDX-License-Identifier: GPL-2.0
/*
 * xenintro_sim: event storms for benchmarks and stress tests.
 *
 * "storm" runs a number of guest instructions of one kind from kernel
 * threads, thread i acting as vCPU i % vcpus, each instruction back to
 * back and waiting for every answer (async ones too), through exactly the
 * code the debugfs vCPU commands use. It measures the elapsed time and,
 * per request, the latency from placing it on the ring to applying its
 * response (taken in ->notify()).
 *
 * The writing task starts the threads together, then waits for them.
 * If it is interrupted, kthread_stop() interrupts every thread's waits
 * (TIF_NOTIFY_SIGNAL) and the storm ends with -EINTR. kthread_stop() is
 * also how a finished thread is reaped, so no thread outlives the call.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/completion.h>
#include <linux/kthread.h>
#include <linux/ktime.h>
#include <linux/math64.h>
#include <linux/sched.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/string.h>

#include "sim.h"

struct sim_storm;

struct sim_storm_thread {
	struct sim_storm *s;
	struct task_struct *task;
	struct sim_vcpu *v;
	u32 idx;
	u64 ops;		/* this thread's share */
	u64 done;
	u64 events;
	u64 *lat;		/* lat_cap slots of the shared sample array */
	u32 lat_cap;
	u32 lat_n;
	int err;
	bool dead;
};

struct sim_storm {
	struct sim_domain *d;
	enum sim_op kind;
	bool abort;		/* set before start is completed */
	atomic_t left;		/* threads still running */
	struct completion start;
	struct completion done;	/* completed by the last thread */
	u64 t_end;		/* written by the last thread */
};

/* The instruction number @i of thread @t. */
static void sim_storm_exec(struct sim_storm_thread *t, u64 i,
			   struct sim_exec *x)
{
	struct sim_domain *d = t->s->d;

	memset(x, 0, sizeof(*x));
	x->op = t->s->kind;
	x->wait_async = true;
	x->lat = t->lat;
	x->lat_cap = t->lat_cap;
	x->lat_n = t->lat_n;
	switch (x->op) {
	case SIM_OP_CPUID:
		x->index = i;				/* leaf */
		break;
	case SIM_OP_CR:
		/* A CR3 never written before, so every write changes it. */
		x->index = XVE_X86_CR3;
		x->value = ((u64)t->idx << 36) | ((i + 1) << 12);
		break;
	case SIM_OP_MSR:
		x->index = 0xc0000082;			/* LSTAR */
		x->value = 0xffffffff00000000ULL | ((u64)t->idx << 24) | i;
		break;
	case SIM_OP_ACCESS:
		x->gfn = t->idx % d->nr_frames;
		x->access = XVE_MEM_ACCESS_W;
		x->value = i;
		x->has_value = true;
		break;
	default:				/* INT3 at the vCPU's rip */
		break;
	}
}

static int sim_storm_fn(void *arg)
{
	struct sim_storm_thread *t = arg;
	struct sim_storm *s = t->s;
	struct sim_outcome out;
	struct sim_exec x;
	u64 i;
	int ret;

	wait_for_completion(&s->start);
	for (i = 0; !s->abort && i < t->ops && !kthread_should_stop(); i++) {
		sim_storm_exec(t, i, &x);
		ret = sim_guest_exec(s->d, t->v, &x, &out);
		if (ret) {
			t->err = ret;
			break;
		}
		t->lat_n = x.lat_n;
		t->events += out.events;
		if (out.result == SIM_R_DEAD) {
			t->dead = true;
			break;
		}
		t->done++;
		/*
		 * An answer may come before the vCPU would sleep (the core
		 * answers from the kick's hard IRQ): without this a storm
		 * thread could hog its CPU on a non-preemptible kernel.
		 */
		cond_resched();
	}
	/* After this the storm may be freed: touch nothing but locals. */
	if (atomic_dec_and_test(&s->left)) {
		s->t_end = ktime_get_ns();
		complete(&s->done);
	}
	return 0;
}

static int sim_u64_cmp(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

/* Nearest-rank percentile of n sorted samples. */
static u64 sim_percentile(const u64 *lat, u64 n, unsigned int pct)
{
	u64 rank = div64_u64(n * pct + 99, 100);

	return n ? lat[rank ? rank - 1 : 0] : 0;
}

int sim_storm(struct sim_domain *d, enum sim_op kind, u64 ops, u32 threads,
	      struct sim_storm_result *res)
{
	struct sim_storm_thread *t;
	struct sim_storm *s;
	u32 k, rem, created = 0;
	u64 *lat, off = 0, share, n;
	u64 t_start = 0;
	bool intr = false;
	int ret = 0;

	memset(res, 0, sizeof(*res));
	threads = min_t(u64, threads, ops);
	s = kzalloc(sizeof(*s), GFP_KERNEL);
	t = kcalloc(threads, sizeof(*t), GFP_KERNEL);
	lat = kvmalloc_array(ops, sizeof(*lat), GFP_KERNEL);
	if (!s || !t || !lat) {
		ret = -ENOMEM;
		goto out_free;
	}
	s->d = d;
	s->kind = kind;
	atomic_set(&s->left, threads);
	init_completion(&s->start);
	init_completion(&s->done);

	share = div_u64_rem(ops, threads, &rem);
	for (k = 0; k < threads; k++) {
		struct sim_storm_thread *th = &t[k];
		struct task_struct *task;

		th->s = s;
		th->idx = k;
		th->v = &d->vcpus[k % d->nr_vcpus];
		th->ops = share + (k < rem);
		th->lat = lat + off;
		th->lat_cap = th->ops;
		off += th->ops;
		task = kthread_create(sim_storm_fn, th, "xisim-storm/%u",
				      k);
		if (IS_ERR(task)) {
			ret = PTR_ERR(task);
			break;
		}
		get_task_struct(task);
		th->task = task;
		wake_up_process(task);
		created++;
	}

	if (ret) {
		/* Release the threads that exist; they exit at once. */
		s->abort = true;
		if (atomic_sub_and_test(threads - created, &s->left))
			complete(&s->done);
	}
	t_start = ktime_get_ns();
	complete_all(&s->start);
	if (created && wait_for_completion_interruptible(&s->done))
		intr = true;
	/* Interrupts the waits of threads still running, reaps the rest. */
	for (k = 0; k < created; k++) {
		kthread_stop(t[k].task);
		put_task_struct(t[k].task);
	}
	if (ret)
		goto out_free;

	n = 0;
	for (k = 0; k < threads; k++) {
		res->ops += t[k].done;
		res->events += t[k].events;
		res->dead |= t[k].dead;
		if (t[k].err && t[k].err != -EINTR && !ret)
			ret = t[k].err;
		memmove(lat + n, t[k].lat, t[k].lat_n * sizeof(*lat));
		n += t[k].lat_n;
	}
	if (intr)
		ret = -EINTR;
	if (ret)
		goto out_free;
	res->elapsed_ns = s->t_end - t_start;
	sort(lat, n, sizeof(*lat), sim_u64_cmp, NULL);
	res->samples = n;
	res->lat_median_ns = sim_percentile(lat, n, 50);
	res->lat_p99_ns = sim_percentile(lat, n, 99);
out_free:
	kvfree(lat);
	kfree(t);
	kfree(s);
	return ret;
}
