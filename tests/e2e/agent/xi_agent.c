// SPDX-License-Identifier: GPL-2.0
/*
 * xi_agent: the dom0 agent of the Xen end-to-end tests, the xenintro side
 * of the Xen benchmark, and the demo. Built statically on libxenintro.a.
 *
 *   xi_agent MODE DOMID [SECS] [ARG]
 *
 * SECS is how long to run (0: until SIGTERM/SIGINT, or the domain dies).
 * Every mode answers what it sees the way the tests need:
 *
 *   CPUID            SET_REGISTERS with Xen's result echoed and
 *                    rip += insn_length (xen-abi.md §3.10); the marker
 *                    leaf (ARG of "cpuid") gets XI_MARKER_* instead
 *   INT3, #DB        REINJECT: the guest's own handler must run
 *   descriptor       EMULATE: without it Xen re-executes the instruction
 *   anything else    CONTINUE
 *
 * Modes:
 *   boot      CR0/CR3/CR4 (sync) and the boot-time MSRs but EFER (see
 *             mode_boot()); prints "ready" once the monitors are on
 *             (dom0 then unpauses the guest)
 *   cpuid     CPUID, ARG = marker leaf, or "continue": answer CONTINUE
 *             and let the kernel complete the CPUID
 *   int3      INT3
 *   cr3       CR3 writes (sync; ARG "async": asynchronous)
 *   greq      guest requests (sync, from user mode too)
 *   desc      descriptor-table accesses (ARG "continue": answer CONTINUE)
 *   debug     debug exceptions (sync)
 *   caps      try to enable each monitor once and print what Xen said
 *   access    the mem_access ioctls (expects -EOPNOTSUPP on AMD SVM)
 *   stream    CPUID + CR3 + FS_BASE + INT3; stops answering for a moment
 *             before it exits so that detach finds events pending
 *   dead      stream until the domain dies; reports poll() and the state
 *   multi     DOMID and ARG: two domains from two fds at once
 *   bench     CPUID only, batched; the session has KICK_WAIT, so the
 *             kick that hands over the verdicts also waits for the next
 *             event: one system call per wake-up
 *   bench-kick  the same without KICK_WAIT: a kick per batch, then
 *             poll() (two system calls per wake-up)
 *   bench-busy  bench with libxenintro's busy polling: xenintro_wait()
 *             spins up to ARG us (default 2000, sized for QEMU TCG where
 *             the guest takes ~300 us from a verdict to its next CPUID)
 *             before it sleeps
 *   bench-spin  busy-polling the event ring instead of poll(); a kick per
 *             batch
 *   demo      prints every event with xenintro_event_format() and the
 *             verdict it got
 *   mem       CPUID; at the guest's memory marker (xi_guest membuf) reads
 *             RDI bytes at RSI through the event's CR3, prints their hash,
 *             the translation of RSI, and what a never-mapped and a
 *             non-canonical address give
 *   memw      mem, then writes a pattern of the same length over the
 *             buffer through the event's CR3 (WRITE_MEM: needs xenintro.ko
 *             loaded with allow_guest_writes=1) and prints its hash; the
 *             guest hashes its buffer again after the CPUID
 *   va        ARG...: pairs "VA PA"; translates each VA with vCPU 0's
 *             current paging and says whether it lands on PA, and reads
 *             the word at the first VA
 *
 * Rule modes (XENINTRO_IOC_SET_RULES, issue 5): the kernel answers from a
 * rule table; the agent answers only what reaches it and prints the rule
 * hit counters ("AGENT: <mode> rulestats ... hit0=N hit1=N ...").
 *   rule-cpuid  ARG = marker leaf: rule 0 answers it SET_REGISTERS with
 *               XI_MARKER_*, rule 1 answers every other leaf CONTINUE (the
 *               kernel completes it with Xen's result)
 *   rule-int3   rule 0: every INT3 REINJECT
 *   rule-cr3    rule 0: CR3 writes CONTINUE | NOTIFY (log-only); ARG
 *               "sleep": the agent reads nothing until SECS passed
 *   rule-cr0    CR0 and CR4 monitored deny-capable; rule 0 DENY | NOTIFY
 *               of a CR0.WP clear, rule 1 the same for CR4.SMEP/SMAP;
 *               other CR0/CR4 writes reach the agent (CONTINUE)
 *   bench-rule  CPUID, rule 0: every leaf CONTINUE in the kernel
 *
 * Output, one line each, on stdout: "AGENT: <mode> key=value ...".
 * Exit status 0 unless setting up failed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>

#include <xenintro/libxenintro.h>

#include "../xi_hash.h"

/* The answer to the marker leaf: "XENI" "INTR" "OMRK" and a constant. */
#define XI_MARKER_EAX	0x494e4558u
#define XI_MARKER_EBX	0x52544e49u
#define XI_MARKER_ECX	0x4b524d4fu
#define XI_MARKER_EDX	0x1234abcdu

#define MSR_EFER	0xc0000080u
#define MSR_STAR	0xc0000081u
#define MSR_LSTAR	0xc0000082u
#define MSR_CSTAR	0xc0000083u
#define MSR_SFMASK	0xc0000084u
#define MSR_FS_BASE	0xc0000100u
#define MSR_GS_BASE	0xc0000101u
#define MSR_KERNEL_GS	0xc0000102u

#define X86_CR0_WP	(1ULL << 16)
#define X86_CR4_SMEP	(1ULL << 20)
#define X86_CR4_SMAP	(1ULL << 21)

/* Notify copies counted per rule index (event.rule), the first few. */
#define RULES_COUNTED	4

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

struct counts {
	uint64_t total, sync, notify, verdicts;
	uint64_t cr[4], msr_efer, msr_lstar, msr_fsbase, msr_other;
	uint64_t cpuid, marker, int3, debug, greq, desc[5], other;
	uint64_t batches, kicks, max_batch;
	uint64_t by_rule[RULES_COUNTED];
	/*
	 * Kernel read the request (ev->timestamp_ns) -> the agent saw it:
	 * the wake-up part of the round trip, in ns.
	 */
	uint64_t lat_sum, lat_max;
	/* Between consecutive events' kernel timestamps, in ns. */
	uint64_t gap_sum, last_ts;
};

struct agent {
	struct xenintro x;
	uint32_t domid;
	uint32_t marker_leaf;
	bool mem_marker;	/* mode mem: read the guest's buffer */
	bool mem_write;		/* mode memw: then overwrite it */
	bool print_events;
	bool print_first;	/* print the first few events of each reason */
	unsigned int printed[20];	/* reasons, then CR0..CR3 */
	struct counts c;
};

static const char *mode;
/* XENINTRO_FEATURE_* asked for in the handshake (rules for rule modes). */
static uint64_t want_features;
/*
 * Answer with plain CONTINUE where the tests want to see the kernel
 * complete the event by itself (CPUID, descriptor access: kmod/response.c).
 */
static bool plain_continue;
/* Busy-poll the event ring instead of sleeping in poll() (bench-spin). */
static bool spin;

static void count(struct agent *a, const struct xenintro_event *ev)
{
	struct counts *c = &a->c;

	uint64_t now = now_ns();

	c->total++;
	/* Same clock as the kernel's ktime_get_ns(). */
	if (now > ev->timestamp_ns) {
		c->lat_sum += now - ev->timestamp_ns;
		if (now - ev->timestamp_ns > c->lat_max)
			c->lat_max = now - ev->timestamp_ns;
	}
	if (c->last_ts && ev->timestamp_ns > c->last_ts)
		c->gap_sum += ev->timestamp_ns - c->last_ts;
	c->last_ts = ev->timestamp_ns;
	if (ev->flags & XENINTRO_EF_NOTIFY) {
		c->notify++;
		if (ev->rule < RULES_COUNTED)
			c->by_rule[ev->rule]++;
	}
	else if (ev->flags & XENINTRO_EF_SYNC)
		c->sync++;
	switch (ev->reason) {
	case XENINTRO_EVENT_CTRLREG:
		if (ev->u.ctrlreg.index < 4)
			c->cr[ev->u.ctrlreg.index]++;
		break;
	case XENINTRO_EVENT_MSR:
		if (ev->u.msr.msr == MSR_EFER)
			c->msr_efer++;
		else if (ev->u.msr.msr == MSR_LSTAR)
			c->msr_lstar++;
		else if (ev->u.msr.msr == MSR_FS_BASE)
			c->msr_fsbase++;
		else
			c->msr_other++;
		break;
	case XENINTRO_EVENT_CPUID:
		c->cpuid++;
		if (a->marker_leaf && ev->u.cpuid.leaf == a->marker_leaf)
			c->marker++;
		break;
	case XENINTRO_EVENT_BREAKPOINT:
		c->int3++;
		break;
	case XENINTRO_EVENT_DEBUG_EXCEPTION:
		c->debug++;
		break;
	case XENINTRO_EVENT_GUEST_REQUEST:
		c->greq++;
		break;
	case XENINTRO_EVENT_DESC_ACCESS:
		if (ev->u.desc_access.descriptor < 5)
			c->desc[ev->u.desc_access.descriptor]++;
		break;
	default:
		c->other++;
		break;
	}
}

static void print_event(struct agent *a, const struct xenintro_event *ev,
			uint32_t verdict)
{
	char line[512];

	if (!a->print_events) {
		/* per reason, and per register for CR writes */
		unsigned int k = ev->reason;

		if (k == XENINTRO_EVENT_CTRLREG && ev->u.ctrlreg.index < 4)
			k = 16 + ev->u.ctrlreg.index;
		if (!a->print_first || k >= 20 || a->printed[k] >= 3)
			return;
		a->printed[k]++;
	}
	xenintro_event_format(line, sizeof(line), ev);
	if (a->print_events)
		printf("dom%u %s => %s\n", a->domid, line,
		       xenintro_event_needs_verdict(ev) ?
		       xenintro_verdict_name(verdict) : "(kernel answered)");
	else
		printf("AGENT: %s event dom%u %s\n", mode, a->domid, line);
}

static uint32_t verdict_for(const struct xenintro_event *ev)
{
	if (plain_continue)
		return XENINTRO_VERDICT_CONTINUE;
	switch (ev->reason) {
	case XENINTRO_EVENT_CPUID:
		return XENINTRO_VERDICT_SET_REGISTERS;
	case XENINTRO_EVENT_BREAKPOINT:
	case XENINTRO_EVENT_DEBUG_EXCEPTION:
		return XENINTRO_VERDICT_REINJECT;
	case XENINTRO_EVENT_DESC_ACCESS:
		return XENINTRO_VERDICT_EMULATE;
	default:
		return XENINTRO_VERDICT_CONTINUE;
	}
}

/* A free verdict slot; publishes and kicks when the ring is full. */
static struct xenintro_verdict *slot(struct agent *a)
{
	struct xenintro_verdict *v;
	int tries = 0;

	while (!(v = xenintro_get_verdict(&a->x))) {
		if (xenintro_submit(&a->x) < 0 || ++tries > 1000)
			return NULL;
		a->c.kicks++;
	}
	return v;
}

/* The guest's "read my buffer" CPUID (tests/e2e/guest/xi_guest.c). */
#define XI_MEM_MARKER	0x4000fe00u

/*
 * The same buffer without a copy: each of its pages translated to a frame,
 * the frames mapped read-only in one MAP_FRAMES, the bytes hashed where
 * they lie. The FNV hash of the pieces in order is the hash of the whole.
 */
static void map_marker_buffer(struct agent *a,
			      const struct xenintro_mem_root *r, uint64_t addr,
			      uint64_t len)
{
	uint64_t gfns[17], h = XI_FNV_INIT, done = 0;
	uint32_t nr = 0, i;
	const unsigned char *p = NULL;
	struct xenintro_translate t;
	int32_t errs[17];
	int64_t mapped = -EINVAL;

	while (done < len && nr < 17) {
		if (xenintro_translate(&a->x, r, addr + done, &t) || t.stop)
			break;
		gfns[nr++] = t.gpa >> 12;
		done += 4096 - ((addr + done) & 4095);
	}
	if (done >= len)
		mapped = xenintro_map_frames(&a->x, gfns, nr, errs,
					     (const void **)&p);
	if (mapped == (int64_t)nr) {
		uint64_t off = addr & 4095, left = len;

		for (i = 0; i < nr && left; i++) {
			uint64_t chunk = 4096 - (i ? 0 : off);

			if (chunk > left)
				chunk = left;
			h = fnv(h, p + i * 4096 + (i ? 0 : off), chunk);
			left -= chunk;
		}
	}
	printf("AGENT: mem map frames=%u mapped=%" PRId64 " zc_hash=0x%016" PRIx64
	       "\n", nr, mapped, mapped == (int64_t)nr ? h : 0);
	if (mapped >= 0)
		xenintro_unmap_frames(p, nr);
}

/* While the marker event waits for us: its CR3 still names the process. */
static void read_marker_buffer(struct agent *a, const struct xenintro_event *ev)
{
	struct xenintro_mem_root r = xenintro_root_event(ev);
	uint64_t addr = ev->regs.rsi, len = ev->regs.rdi;
	struct xenintro_translate t, tu, tn;
	static unsigned char buf[65536];
	int64_t n = -EINVAL;

	if (len <= sizeof(buf))
		n = xenintro_read_virt(&a->x, &r, addr, buf, (uint32_t)len);
	xenintro_translate(&a->x, &r, addr, &t);
	/* a canonical user address no process of this guest maps */
	xenintro_translate(&a->x, &r, 0x00007e5500000000ULL, &tu);
	xenintro_translate(&a->x, &r, 0x0000900000000000ULL, &tn);
	printf("AGENT: mem read addr=0x%" PRIx64 " len=%" PRIu64 " got=%" PRId64
	       " hash=0x%016" PRIx64 " gpa=0x%" PRIx64 " page=%" PRIu64
	       " levels=%u mode=%u stop=%u unmapped_stop=%u unmapped_level=%u noncanonical_stop=%u\n",
	       addr, len, n, n > 0 ? fnv(XI_FNV_INIT, buf, (size_t)n) : 0,
	       (uint64_t)t.gpa, (uint64_t)t.page_size, t.levels, t.mode, t.stop, tu.stop,
	       tu.fail_level, tn.stop);
	if (len <= sizeof(buf))
		map_marker_buffer(a, &r, addr, len);
	if (a->mem_write && len <= sizeof(buf)) {
		uint64_t i;

		for (i = 0; i < len; i++)
			buf[i] = (unsigned char)(i * 131 + 7);
		n = xenintro_write_virt(&a->x, &r, addr, buf, (uint32_t)len);
		printf("AGENT: mem write wrote=%" PRId64 " hash=0x%016" PRIx64 "\n",
		       n, fnv(XI_FNV_INIT, buf, (size_t)len));
	}
}

static void answer(struct agent *a, const struct xenintro_event *ev)
{
	uint32_t verdict = verdict_for(ev);
	struct xenintro_verdict *v;

	count(a, ev);
	print_event(a, ev, verdict);
	if (a->mem_marker && ev->reason == XENINTRO_EVENT_CPUID &&
	    ev->u.cpuid.leaf == XI_MEM_MARKER)
		read_marker_buffer(a, ev);
	if (!xenintro_event_needs_verdict(ev))
		return;
	v = slot(a);
	if (!v)
		return;
	if (verdict == XENINTRO_VERDICT_SET_REGISTERS) {
		xenintro_prep_set_regs(v, ev);
		v->u.regs.rip += ev->u.cpuid.insn_length;
		if (a->marker_leaf && ev->u.cpuid.leaf == a->marker_leaf) {
			v->u.regs.rax = XI_MARKER_EAX;
			v->u.regs.rbx = XI_MARKER_EBX;
			v->u.regs.rcx = XI_MARKER_ECX;
			v->u.regs.rdx = XI_MARKER_EDX;
		}
	} else {
		xenintro_prep_verdict(v, ev, verdict);
	}
	a->c.verdicts++;
}

/*
 * Handle what is in the ring now: every event answered, then one
 * publish + kick for the whole batch. Returns events handled or -errno.
 */
static int drain(struct agent *a)
{
	const struct xenintro_event *evs[64];
	int n, i, total = 0, ret;

	while ((n = xenintro_peek_batch(&a->x, evs, 64)) > 0) {
		for (i = 0; i < n; i++)
			answer(a, evs[i]);
		xenintro_event_advance(&a->x, n);
		total += n;
		a->c.batches++;
		if ((uint64_t)n > a->c.max_batch)
			a->c.max_batch = n;
	}
	if (n < 0)
		return n;
	/* xenintro_wait() hands them over in its kick (KICK_WAIT). */
	if (!spin && xenintro_feature_enabled(&a->x,
					      XENINTRO_FEATURE_KICK_WAIT)) {
		xenintro_publish(&a->x);
		return total;
	}
	ret = xenintro_submit(&a->x);
	if (ret > 0)
		a->c.kicks++;
	return total;
}

static int agent_open(struct agent *a, uint32_t domid)
{
	struct xenintro_attach args;
	int ret;

	memset(&args, 0, sizeof(args));
	/* Generous: a dom0 vCPU under TCG can be slow to get to us. */
	args.deadline_ms = 5000;
	a->domid = domid;
	ret = xenintro_open(&a->x, want_features, 0);
	if (ret) {
		printf("AGENT: %s error=open ret=%d\n", mode, ret);
		return ret;
	}
	ret = xenintro_attach(&a->x, domid, &args);
	if (ret) {
		printf("AGENT: %s error=attach dom=%u ret=%d\n", mode, domid, ret);
		xenintro_close(&a->x);
		return ret;
	}
	printf("AGENT: %s attached dom=%u vcpus=%u events=%u verdicts=%u\n",
	       mode, domid, a->x.max_vcpus, args.event_entries,
	       args.verdict_entries);
	return 0;
}

/* Enable one monitor and say so; failures are printed, not fatal. */
static int mon(struct agent *a, const char *what, uint32_t event,
	       uint32_t index, uint32_t flags)
{
	int ret = xenintro_monitor(&a->x, event, index,
				   flags | XENINTRO_MON_ENABLE, 0);

	printf("AGENT: %s monitor %s ret=%d\n", mode, what, ret);
	return ret;
}

static void print_counts(struct agent *a, const char *tag)
{
	struct xenintro_stats st;
	struct counts *c = &a->c;
	int ret;

	memset(&st, 0, sizeof(st));
	ret = xenintro_get_stats(&a->x, &st);
	printf("AGENT: %s %s dom=%u total=%" PRIu64 " sync=%" PRIu64
	       " notify=%" PRIu64 " verdicts=%" PRIu64 " cr0=%" PRIu64
	       " cr3=%" PRIu64 " cr4=%" PRIu64 " efer=%" PRIu64
	       " lstar=%" PRIu64 " fsbase=%" PRIu64 " msr_other=%" PRIu64
	       " cpuid=%" PRIu64 " marker=%" PRIu64 " int3=%" PRIu64
	       " debug=%" PRIu64 " greq=%" PRIu64 " idtr=%" PRIu64
	       " gdtr=%" PRIu64 " ldtr=%" PRIu64 " tr=%" PRIu64
	       " other=%" PRIu64 " batches=%" PRIu64 " kicks=%" PRIu64
	       " max_batch=%" PRIu64 " stats=%d requests=%llu malformed=%llu"
	       " forwarded=%llu notified=%llu dropped=%llu kernel_verdicts=%llu"
	       " agent_verdicts=%llu deadline=%llu stale=%llu invalid=%llu"
	       " notifies=%llu wake_avg_us=%" PRIu64 " wake_max_us=%" PRIu64
	       " gap_avg_us=%" PRIu64 " state=%s\n",
	       mode, tag, a->domid, c->total, c->sync, c->notify, c->verdicts,
	       c->cr[0], c->cr[1], c->cr[2], c->msr_efer, c->msr_lstar,
	       c->msr_fsbase, c->msr_other, c->cpuid, c->marker, c->int3,
	       c->debug, c->greq, c->desc[XENINTRO_DESC_IDTR],
	       c->desc[XENINTRO_DESC_GDTR], c->desc[XENINTRO_DESC_LDTR],
	       c->desc[XENINTRO_DESC_TR], c->other, c->batches, c->kicks,
	       c->max_batch, ret,
	       (unsigned long long)st.requests,
	       (unsigned long long)st.malformed,
	       (unsigned long long)st.forwarded,
	       (unsigned long long)st.notified,
	       (unsigned long long)st.dropped,
	       (unsigned long long)st.kernel_verdicts,
	       (unsigned long long)st.agent_verdicts,
	       (unsigned long long)st.deadline_expired,
	       (unsigned long long)st.verdicts_stale,
	       (unsigned long long)st.verdicts_invalid,
	       (unsigned long long)st.notifies,
	       c->total ? c->lat_sum / c->total / 1000 : 0, c->lat_max / 1000,
	       c->total > 1 ? c->gap_sum / (c->total - 1) / 1000 : 0,
	       xenintro_state(&a->x) < 0 ? "detached" :
	       xenintro_state_name(xenintro_state(&a->x)));
}

/*
 * The event loop of one session: until SECS passed, a signal came or the
 * domain died. Returns -ESRCH if it died, else 0.
 */
static int run(struct agent *a, unsigned int secs)
{
	double end = secs ? now_s() + secs : 0;
	int ret;

	while (!stop && (!end || now_s() < end)) {
		if (spin) {
			/* No system call until there is work (uAPI rings). */
			unsigned int i;

			for (i = 0; i < 100000 && !xenintro_events_ready(&a->x); i++)
				if (xenintro_state(&a->x) == XENINTRO_STATE_DEAD)
					break;
			ret = xenintro_events_ready(&a->x);
			if (!ret && xenintro_state(&a->x) == XENINTRO_STATE_DEAD)
				ret = -ESRCH;
		} else {
			ret = xenintro_wait(&a->x, 100);
		}
		if (ret == -ESRCH) {
			drain(a);
			return -ESRCH;
		}
		if (ret < 0 && ret != -EINTR) {
			printf("AGENT: %s error=wait ret=%d\n", mode, ret);
			return ret;
		}
		ret = drain(a);
		if (ret < 0) {
			printf("AGENT: %s error=ring ret=%d\n", mode, ret);
			return ret;
		}
	}
	return 0;
}

static int finish(struct agent *a)
{
	print_counts(a, "done");
	xenintro_close(&a->x);
	printf("AGENT: %s closed dom=%u\n", mode, a->domid);
	return 0;
}

/*
 * Install a rule table with XENINTRO_IOC_SET_RULES (raw records: the
 * library may not wrap it yet). Prints the outcome; returns 0 or -errno.
 */
static int set_rules(struct agent *a, const struct xenintro_rule *r,
		     unsigned int n)
{
	struct xenintro_rules rs;
	int ret = 0;

	memset(&rs, 0, sizeof(rs));
	rs.size = sizeof(rs);
	rs.nr = n;
	rs.rule_size = sizeof(*r);
	rs.rules = (uintptr_t)r;
	rs.error_index = ~0u;
	if (ioctl(xenintro_fd(&a->x), XENINTRO_IOC_SET_RULES, &rs) < 0)
		ret = -errno;
	printf("AGENT: %s rules nr=%u ret=%d error_index=%d generation=%llu\n",
	       mode, n, ret, (int)rs.error_index,
	       (unsigned long long)rs.generation);
	return ret;
}

/* One rule giving every event of @event the verdict @action. */
static int set_catch_all_rule(struct agent *a, __u32 event, __u32 action)
{
	struct xenintro_rule r;

	memset(&r, 0, sizeof(r));
	r.event = event;
	r.action = action;
	r.first = 0;
	r.last = ~0ULL;
	return set_rules(a, &r, 1);
}

/*
 * The kernel's side of a rule run: its counters and each rule's hits, and
 * the notify copies the agent received per rule.
 */
static void print_rule_stats(struct agent *a, unsigned int n)
{
	uint64_t hits[RULES_COUNTED] = { 0 };
	struct xenintro_stats st;
	unsigned int i;
	int ret = 0;

	memset(&st, 0, sizeof(st));
	st.size = sizeof(st);
	st.rule_hits = (uintptr_t)hits;
	st.rule_hits_nr = n < RULES_COUNTED ? n : RULES_COUNTED;
	if (ioctl(xenintro_fd(&a->x), XENINTRO_IOC_STATS, &st) < 0)
		ret = -errno;
	printf("AGENT: %s rulestats dom=%u ret=%d rules_nr=%u generation=%llu"
	       " requests=%llu forwarded=%llu notified=%llu dropped=%llu"
	       " kernel_verdicts=%llu agent_verdicts=%llu deadline=%llu",
	       mode, a->domid, ret, st.rules_nr,
	       (unsigned long long)st.rules_generation,
	       (unsigned long long)st.requests,
	       (unsigned long long)st.forwarded,
	       (unsigned long long)st.notified,
	       (unsigned long long)st.dropped,
	       (unsigned long long)st.kernel_verdicts,
	       (unsigned long long)st.agent_verdicts,
	       (unsigned long long)st.deadline_expired);
	for (i = 0; i < st.rule_hits_nr; i++)
		printf(" hit%u=%llu copies%u=%llu", i,
		       (unsigned long long)hits[i], i,
		       (unsigned long long)a->c.by_rule[i]);
	printf("\n");
}

/* rule-cpuid: the marker leaf answered by rule 0, the rest by rule 1. */
static int mode_rule_cpuid(struct agent *a, unsigned int secs)
{
	struct xenintro_rule r[2];

	memset(r, 0, sizeof(r));
	r[0].event = XENINTRO_EVENT_CPUID;
	r[0].action = XENINTRO_VERDICT_SET_REGISTERS;
	r[0].priority = 1;
	r[0].first = XENINTRO_CPUID_KEY(a->marker_leaf, 0);
	r[0].last = XENINTRO_CPUID_KEY(a->marker_leaf, 0xffffffffu);
	r[0].u.cpuid.eax = XI_MARKER_EAX;
	r[0].u.cpuid.ebx = XI_MARKER_EBX;
	r[0].u.cpuid.ecx = XI_MARKER_ECX;
	r[0].u.cpuid.edx = XI_MARKER_EDX;
	r[1].event = XENINTRO_EVENT_CPUID;
	r[1].action = XENINTRO_VERDICT_CONTINUE;
	r[1].first = 0;
	r[1].last = ~0ULL;
	if (set_rules(a, r, 2))
		return finish(a);
	mon(a, "cpuid", XENINTRO_MONITOR_CPUID, 0, 0);
	printf("AGENT: %s ready dom=%u marker=0x%x\n", mode, a->domid,
	       a->marker_leaf);
	run(a, secs);
	print_rule_stats(a, 2);
	return finish(a);
}

/* rule-int3: every breakpoint re-injected by the kernel. */
static int mode_rule_int3(struct agent *a, unsigned int secs)
{
	if (set_catch_all_rule(a, XENINTRO_EVENT_BREAKPOINT,
			       XENINTRO_VERDICT_REINJECT))
		return finish(a);
	mon(a, "int3", XENINTRO_MONITOR_BREAKPOINT, 0, 0);
	printf("AGENT: %s ready dom=%u\n", mode, a->domid);
	run(a, secs);
	print_rule_stats(a, 1);
	return finish(a);
}

/*
 * rule-cr3: log-only CR3 monitoring. With "sleep" the agent does not look
 * at its ring until the end: the guest must not notice (no deadline), and
 * copies that found the ring full are dropped and counted.
 */
static int mode_rule_cr3(struct agent *a, unsigned int secs, bool sleep_)
{
	struct xenintro_rule r;
	double end = now_s() + secs;

	memset(&r, 0, sizeof(r));
	r.event = XENINTRO_EVENT_CTRLREG;
	r.action = XENINTRO_VERDICT_CONTINUE;
	r.flags = XENINTRO_RULE_NOTIFY;
	r.first = XENINTRO_CR3;
	r.last = XENINTRO_CR3;
	if (set_rules(a, &r, 1))
		return finish(a);
	mon(a, "cr3", XENINTRO_MONITOR_CTRLREG, XENINTRO_CR3, XENINTRO_MON_SYNC);
	printf("AGENT: %s ready dom=%u sleep=%d\n", mode, a->domid, sleep_);
	if (sleep_) {
		while (!stop && now_s() < end)
			usleep(100 * 1000);
		drain(a);
	} else {
		run(a, secs);
	}
	print_rule_stats(a, 1);
	return finish(a);
}

/*
 * rule-cr0: the integrity policy. Xen defers CR writes until the verdict
 * once CONTROL_REGISTERS is on (XENINTRO_MON_DENY_CAPABLE), so DENY keeps
 * CR0.WP (CR4.SMEP/SMAP) set; every other CR0/CR4 write reaches the agent
 * and is let through.
 */
static int mode_rule_cr0(struct agent *a, unsigned int secs)
{
	struct xenintro_rule r[2];

	memset(r, 0, sizeof(r));
	r[0].event = XENINTRO_EVENT_CTRLREG;
	r[0].action = XENINTRO_VERDICT_DENY;
	r[0].flags = XENINTRO_RULE_NOTIFY;
	r[0].first = XENINTRO_CR0;
	r[0].last = XENINTRO_CR0;
	r[0].u.ctrlreg.clear_mask = X86_CR0_WP;
	r[1] = r[0];
	r[1].first = XENINTRO_CR4;
	r[1].last = XENINTRO_CR4;
	r[1].u.ctrlreg.clear_mask = X86_CR4_SMEP | X86_CR4_SMAP;
	if (set_rules(a, r, 2))
		return finish(a);
	mon(a, "cr0", XENINTRO_MONITOR_CTRLREG, XENINTRO_CR0,
	    XENINTRO_MON_SYNC | XENINTRO_MON_DENY_CAPABLE);
	mon(a, "cr4", XENINTRO_MONITOR_CTRLREG, XENINTRO_CR4,
	    XENINTRO_MON_SYNC | XENINTRO_MON_DENY_CAPABLE);
	a->print_first = true;
	printf("AGENT: %s ready dom=%u\n", mode, a->domid);
	run(a, secs);
	print_rule_stats(a, 2);
	return finish(a);
}

/* bench-rule: every CPUID completed in the kernel, none forwarded. */
static int mode_bench_rule(struct agent *a, unsigned int secs)
{
	double t0;

	if (set_catch_all_rule(a, XENINTRO_EVENT_CPUID,
			       XENINTRO_VERDICT_CONTINUE))
		return finish(a);
	mon(a, "cpuid", XENINTRO_MONITOR_CPUID, 0, 0);
	printf("AGENT: %s ready dom=%u\n", mode, a->domid);
	t0 = now_s();
	run(a, secs);
	printf("AGENT: %s seconds=%.1f events=%" PRIu64 "\n", mode,
	       now_s() - t0, a->c.total);
	print_rule_stats(a, 1);
	return finish(a);
}

/*
 * Not EFER: on AMD SVM, Xen 4.17 monitoring EFER writes lets the guest's
 * RDMSR(EFER) see the SVME bit Xen sets for VMRUN; the PVH entry code's
 * read-modify-write of EFER.LME then writes SVME back and Xen kills the
 * guest ("d1v0: Invalid EFER update: 0 -> 0x1100 - SVME without nested
 * virt", then "Triple fault"). Seen on the first real run; nothing that
 * xenintro sends can avoid it.
 */
static int mode_boot(struct agent *a, unsigned int secs)
{
	static const struct { const char *n; uint32_t msr; } msrs[] = {
		{ "star", MSR_STAR },
		{ "lstar", MSR_LSTAR }, { "cstar", MSR_CSTAR },
		{ "sfmask", MSR_SFMASK }, { "gsbase", MSR_GS_BASE },
		{ "kernelgs", MSR_KERNEL_GS },
	};
	unsigned int i;

	a->print_first = true;
	mon(a, "cr0", XENINTRO_MONITOR_CTRLREG, XENINTRO_CR0, XENINTRO_MON_SYNC);
	mon(a, "cr3", XENINTRO_MONITOR_CTRLREG, XENINTRO_CR3, XENINTRO_MON_SYNC);
	mon(a, "cr4", XENINTRO_MONITOR_CTRLREG, XENINTRO_CR4, XENINTRO_MON_SYNC);
	for (i = 0; i < sizeof(msrs) / sizeof(msrs[0]); i++)
		mon(a, msrs[i].n, XENINTRO_MONITOR_MSR, msrs[i].msr, 0);
	printf("AGENT: boot ready dom=%u\n", a->domid);
	run(a, secs);
	return finish(a);
}

static int mode_caps(struct agent *a)
{
	static const struct { const char *n; uint32_t ev, flags, index; } caps[] = {
		{ "singlestep", XENINTRO_MONITOR_SINGLESTEP, 0, 0 },
		/* refused on AMD: Xen 4.17 drops EFER's read intercept */
		{ "msr_efer", XENINTRO_MONITOR_MSR, 0, MSR_EFER },
		{ "vmexit", XENINTRO_MONITOR_VMEXIT, XENINTRO_MON_SYNC, 0 },
		{ "guest_request", XENINTRO_MONITOR_GUEST_REQUEST,
		  XENINTRO_MON_SYNC | XENINTRO_MON_ALLOW_USERSPACE, 0 },
		{ "desc_access", XENINTRO_MONITOR_DESC_ACCESS, 0, 0 },
		{ "debug_exception", XENINTRO_MONITOR_DEBUG_EXCEPTION,
		  XENINTRO_MON_SYNC, 0 },
		{ "emul_unimpl", XENINTRO_MONITOR_EMUL_UNIMPL, 0, 0 },
	};
	unsigned int i;
	int ret;

	for (i = 0; i < sizeof(caps) / sizeof(caps[0]); i++) {
		ret = xenintro_monitor(&a->x, caps[i].ev, caps[i].index,
				       caps[i].flags | XENINTRO_MON_ENABLE, 0);
		printf("AGENT: caps %s=%d\n", caps[i].n, ret);
		if (!ret)
			xenintro_monitor_disable(&a->x, caps[i].ev,
						 caps[i].index);
	}
	/* Events raised between enable and disable are answered here. */
	drain(a);
	return finish(a);
}

static int mode_access(struct agent *a)
{
	uint64_t gfns[2] = { 0x100, 0x101 };
	uint8_t rights[2] = { XENINTRO_ACCESS_R, XENINTRO_ACCESS_R };
	uint8_t got = 0xff;
	int r1, r2, r3;

	r1 = xenintro_set_access(&a->x, 0x100, 1, XENINTRO_ACCESS_R);
	r2 = xenintro_set_access_list(&a->x, gfns, rights, 2);
	r3 = xenintro_get_access(&a->x, 0x100, 1, &got);
	printf("AGENT: access set=%d set_list=%d get=%d (%s) eopnotsupp=%d\n",
	       r1, r2, r3, strerror(-r1), -EOPNOTSUPP);
	/* The session must still work: answer whatever arrives. */
	run(a, 2);
	return finish(a);
}

static int mode_stream(struct agent *a, unsigned int secs)
{
	a->print_first = true;
	mon(a, "cpuid", XENINTRO_MONITOR_CPUID, 0, 0);
	mon(a, "cr3", XENINTRO_MONITOR_CTRLREG, XENINTRO_CR3, XENINTRO_MON_SYNC);
	mon(a, "fsbase", XENINTRO_MONITOR_MSR, MSR_FS_BASE, 0);
	mon(a, "int3", XENINTRO_MONITOR_BREAKPOINT, 0, 0);
	printf("AGENT: %s ready dom=%u\n", mode, a->domid);
	if (run(a, secs) == -ESRCH)
		return finish(a);
	/*
	 * Leave the next events unanswered so that close() finds vCPUs
	 * paused on us: detach must answer them with the default verdict.
	 */
	usleep(300 * 1000);
	printf("AGENT: %s unanswered=%d\n", mode, xenintro_events_ready(&a->x));
	return finish(a);
}

static int mode_dead(struct agent *a)
{
	struct pollfd pfd;
	int ret;

	mon(a, "cpuid", XENINTRO_MONITOR_CPUID, 0, 0);
	mon(a, "cr3", XENINTRO_MONITOR_CTRLREG, XENINTRO_CR3, XENINTRO_MON_SYNC);
	printf("AGENT: dead ready dom=%u\n", a->domid);
	ret = run(a, 0);
	pfd.fd = xenintro_fd(&a->x);
	pfd.events = POLLIN;
	pfd.revents = 0;
	poll(&pfd, 1, 0);
	printf("AGENT: dead end=%d pollhup=%d pollerr=%d state=%s\n", ret,
	       !!(pfd.revents & POLLHUP), !!(pfd.revents & POLLERR),
	       xenintro_state(&a->x) < 0 ? "detached" :
	       xenintro_state_name(xenintro_state(&a->x)));
	ret = xenintro_monitor_cpuid(&a->x, 0);
	printf("AGENT: dead ioctl_after=%d\n", ret);
	return finish(a);
}

static int mode_multi(struct agent *a, struct agent *b, unsigned int secs)
{
	struct agent *s[2] = { a, b };
	double end = now_s() + secs;
	struct pollfd pfd[2];
	int i;

	for (i = 0; i < 2; i++) {
		mon(s[i], "cpuid", XENINTRO_MONITOR_CPUID, 0, 0);
		mon(s[i], "cr3", XENINTRO_MONITOR_CTRLREG, XENINTRO_CR3,
		    XENINTRO_MON_SYNC);
	}
	printf("AGENT: multi ready\n");
	while (!stop && now_s() < end) {
		for (i = 0; i < 2; i++) {
			pfd[i].fd = xenintro_fd(&s[i]->x);
			pfd[i].events = POLLIN;
			pfd[i].revents = 0;
		}
		poll(pfd, 2, 100);
		for (i = 0; i < 2; i++)
			drain(s[i]);
	}
	print_counts(a, "done");
	print_counts(b, "done");
	xenintro_close(&a->x);
	xenintro_close(&b->x);
	return 0;
}

static int mode_bench(struct agent *a, unsigned int secs)
{
	double t0;

	mon(a, "cpuid", XENINTRO_MONITOR_CPUID, 0, 0);
	printf("AGENT: %s ready dom=%u\n", mode, a->domid);
	t0 = now_s();
	run(a, secs);
	printf("AGENT: %s seconds=%.1f events=%" PRIu64 " batches=%" PRIu64
	       " kicks=%" PRIu64 "\n", mode, now_s() - t0, a->c.total,
	       a->c.batches, a->c.kicks);
	return finish(a);
}

/* Translate "VA PA" pairs with vCPU 0's paging (kernel addresses). */
static int mode_va(struct agent *a, int n, char **args)
{
	struct xenintro_mem_root r = xenintro_root_vcpu(0);
	struct xenintro_translate t;
	uint64_t word = 0;
	int64_t got = -EINVAL;
	int i, ret;

	for (i = 0; i + 1 < n; i += 2) {
		uint64_t va = strtoull(args[i], NULL, 0);
		uint64_t pa = strtoull(args[i + 1], NULL, 0);

		ret = xenintro_translate(&a->x, &r, va, &t);
		printf("AGENT: va va=0x%" PRIx64 " want=0x%" PRIx64 " ret=%d gpa=0x%" PRIx64
		       " page=%" PRIu64 " levels=%u mode=%u stop=%u match=%d\n",
		       va, pa, ret, (uint64_t)t.gpa, (uint64_t)t.page_size,
		       t.levels, t.mode,
		       t.stop, !ret && !t.stop && t.gpa == pa);
		if (i == 0)
			got = xenintro_read_virt(&a->x, &r, va, &word, 8);
	}
	printf("AGENT: va word got=%" PRId64 " value=0x%" PRIx64 "\n", got, word);
	return finish(a);
}

/*
 * What a guest does anyway (CR writes) and what the demo's guest program
 * triggers. No INT3: under QEMU's TCG no INT3 ever reaches Xen (e2e.sh,
 * scenario 3); a single step (#DB) goes through the same re-inject path.
 */
static int mode_demo(struct agent *a, unsigned int secs)
{
	a->print_events = true;
	mon(a, "cr0", XENINTRO_MONITOR_CTRLREG, XENINTRO_CR0, XENINTRO_MON_SYNC);
	mon(a, "cr3", XENINTRO_MONITOR_CTRLREG, XENINTRO_CR3, XENINTRO_MON_SYNC);
	mon(a, "cr4", XENINTRO_MONITOR_CTRLREG, XENINTRO_CR4, XENINTRO_MON_SYNC);
	mon(a, "cpuid", XENINTRO_MONITOR_CPUID, 0, 0);
	mon(a, "debug_exception", XENINTRO_MONITOR_DEBUG_EXCEPTION, 0,
	    XENINTRO_MON_SYNC);
	mon(a, "desc_access", XENINTRO_MONITOR_DESC_ACCESS, 0, 0);
	mon(a, "guest_request", XENINTRO_MONITOR_GUEST_REQUEST, 0,
	    XENINTRO_MON_SYNC | XENINTRO_MON_ALLOW_USERSPACE);
	printf("AGENT: demo ready dom=%u\n", a->domid);
	run(a, secs);
	return finish(a);
}

int main(int argc, char **argv)
{
	static struct agent a, b;
	unsigned int secs;
	uint32_t domid;
	struct sigaction sa;

	if (argc < 3) {
		fprintf(stderr, "usage: xi_agent MODE DOMID [SECS] [ARG]\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	mode = argv[1];
	domid = strtoul(argv[2], NULL, 0);
	secs = argc > 3 ? strtoul(argv[3], NULL, 0) : 0;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);

	if (!strncmp(mode, "rule-", 5) || !strcmp(mode, "bench-rule"))
		want_features = XENINTRO_FEATURE_RULES;
	if (!strcmp(mode, "bench") || !strcmp(mode, "bench-busy"))
		want_features = XENINTRO_FEATURE_KICK_WAIT;
	if (!strcmp(mode, "mem") || !strcmp(mode, "va"))
		want_features = XENINTRO_FEATURE_MEMORY |
				XENINTRO_FEATURE_MEM_MAP;
	if (!strcmp(mode, "memw"))
		want_features = XENINTRO_FEATURE_MEMORY |
				XENINTRO_FEATURE_MEM_MAP |
				XENINTRO_FEATURE_MEM_WRITE;
	if (agent_open(&a, domid))
		return 1;

	/* ATTACH and nothing else (the domain policy, scenario 16p). */
	if (!strcmp(mode, "attach"))
		return finish(&a);
	if (!strcmp(mode, "boot"))
		return mode_boot(&a, secs);
	plain_continue = argc > 4 && !strcmp(argv[4], "continue");
	if (!strcmp(mode, "cpuid")) {
		if (!plain_continue)
			a.marker_leaf = argc > 4 ? strtoul(argv[4], NULL, 0) : 0;
		mon(&a, "cpuid", XENINTRO_MONITOR_CPUID, 0, 0);
		printf("AGENT: cpuid ready dom=%u marker=0x%x\n", domid,
		       a.marker_leaf);
		run(&a, secs);
		return finish(&a);
	}
	if (!strcmp(mode, "int3")) {
		a.print_first = true;
		mon(&a, "int3", XENINTRO_MONITOR_BREAKPOINT, 0, 0);
		printf("AGENT: int3 ready dom=%u\n", domid);
		run(&a, secs);
		return finish(&a);
	}
	if (!strcmp(mode, "cr3")) {
		/* ARG "async": the guest does not wait for the agent. */
		bool async = argc > 4 && !strcmp(argv[4], "async");

		mon(&a, "cr3", XENINTRO_MONITOR_CTRLREG, XENINTRO_CR3,
		    async ? 0 : XENINTRO_MON_SYNC);
		printf("AGENT: cr3 ready dom=%u\n", domid);
		run(&a, secs);
		return finish(&a);
	}
	if (!strcmp(mode, "greq")) {
		a.print_first = true;
		mon(&a, "guest_request", XENINTRO_MONITOR_GUEST_REQUEST, 0,
		    XENINTRO_MON_SYNC | XENINTRO_MON_ALLOW_USERSPACE);
		printf("AGENT: greq ready dom=%u\n", domid);
		run(&a, secs);
		return finish(&a);
	}
	if (!strcmp(mode, "desc")) {
		a.print_first = true;
		mon(&a, "desc_access", XENINTRO_MONITOR_DESC_ACCESS, 0, 0);
		printf("AGENT: desc ready dom=%u\n", domid);
		run(&a, secs);
		return finish(&a);
	}
	if (!strcmp(mode, "debug")) {
		a.print_first = true;
		mon(&a, "debug_exception", XENINTRO_MONITOR_DEBUG_EXCEPTION, 0,
		    XENINTRO_MON_SYNC);
		printf("AGENT: debug ready dom=%u\n", domid);
		run(&a, secs);
		return finish(&a);
	}
	if (!strcmp(mode, "caps"))
		return mode_caps(&a);
	if (!strcmp(mode, "access"))
		return mode_access(&a);
	if (!strcmp(mode, "stream"))
		return mode_stream(&a, secs);
	if (!strcmp(mode, "dead"))
		return mode_dead(&a);
	if (!strcmp(mode, "multi")) {
		if (argc < 5 || agent_open(&b, strtoul(argv[4], NULL, 0)))
			return 1;
		return mode_multi(&a, &b, secs);
	}
	if (!strcmp(mode, "bench") || !strcmp(mode, "bench-kick"))
		return mode_bench(&a, secs);
	if (!strcmp(mode, "bench-busy")) {
		if (xenintro_set_busy_poll(&a.x, argc > 4 ?
					   strtoul(argv[4], NULL, 0) : 2000))
			return 1;
		return mode_bench(&a, secs);
	}
	if (!strcmp(mode, "bench-spin")) {
		spin = true;
		return mode_bench(&a, secs);
	}
	if (!strcmp(mode, "demo"))
		return mode_demo(&a, secs);
	if (!strcmp(mode, "mem") || !strcmp(mode, "memw")) {
		a.mem_marker = true;
		a.mem_write = !strcmp(mode, "memw");
		mon(&a, "cpuid", XENINTRO_MONITOR_CPUID, 0, 0);
		printf("AGENT: mem ready dom=%u\n", domid);
		run(&a, secs);
		return finish(&a);
	}
	if (!strcmp(mode, "va"))
		return mode_va(&a, argc - 4, argv + 4);
	if (!strcmp(mode, "rule-cpuid")) {
		a.marker_leaf = argc > 4 ? strtoul(argv[4], NULL, 0) : 0;
		return mode_rule_cpuid(&a, secs);
	}
	if (!strcmp(mode, "rule-int3"))
		return mode_rule_int3(&a, secs);
	if (!strcmp(mode, "rule-cr3"))
		return mode_rule_cr3(&a, secs, argc > 4 && !strcmp(argv[4], "sleep"));
	if (!strcmp(mode, "rule-cr0"))
		return mode_rule_cr0(&a, secs);
	if (!strcmp(mode, "bench-rule"))
		return mode_bench_rule(&a, secs);
	fprintf(stderr, "xi_agent: unknown mode %s\n", mode);
	xenintro_close(&a.x);
	return 2;
}
