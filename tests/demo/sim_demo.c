// SPDX-License-Identifier: GPL-2.0
/*
 * sim_demo: what xenintro does, shown on the simulated hypervisor.
 *
 * A simulated guest (4 vCPUs) does what a kernel does: CR3 switches,
 * CPUID, an LSTAR write, a breakpoint, a write to a protected page. This
 * agent attaches, turns the monitors on, prints every event readably and
 * answers it; then it detaches and shows the guest still runs.
 */
#define _GNU_SOURCE
#include <linux/xenintro.h>

#include "../selftests/xi_sim.h"

#define DOMID	7

static const char *const guest_script[] = {
	"cr domid=7 vcpu=0 index=1 value=0x1a2b000",
	"cpuid domid=7 vcpu=1 leaf=0x40000000",
	"cr domid=7 vcpu=2 index=1 value=0x3c4d000",
	"msr domid=7 vcpu=3 msr=0xc0000082 value=0xffffffff81e00000",
	"int3 domid=7 vcpu=0 rip=0xffffffff81001234",
	"access domid=7 vcpu=1 gfn=12 op=w gla=0xffffffff81200000",
	"cpuid domid=7 vcpu=2 leaf=1",
	"cr domid=7 vcpu=3 index=0 value=0x80040033",
	NULL,
};

static volatile int guest_done;

static void *guest(void *arg __attribute__((unused)))
{
	char res[512];
	int i;

	for (i = 0; guest_script[i]; i++) {
		sim_cmd(res, sizeof(res), "%s", guest_script[i]);
		printf("  guest: %-58s -> %s\n", guest_script[i], res);
		fflush(stdout);
	}
	guest_done = 1;
	return NULL;
}

static uint32_t decide(const struct xenintro_event *ev)
{
	/* Keep kernel text read-only: skip the write, let the guest go on. */
	if (ev->reason == XENINTRO_EVENT_MEM_ACCESS)
		return XENINTRO_VERDICT_DENY;
	/* Refuse a CR0 write that clears WP. */
	if (ev->reason == XENINTRO_EVENT_CTRLREG &&
	    ev->u.ctrlreg.index == XENINTRO_CR0 &&
	    !(ev->u.ctrlreg.new_value & (1ULL << 16)))
		return XENINTRO_VERDICT_DENY;
	return XENINTRO_VERDICT_CONTINUE;
}

int main(void)
{
	const struct xenintro_event *ev;
	struct xenintro_stats st;
	struct xenintro x;
	char line[512], res[512];
	pthread_t th;
	uint32_t verdict;

	setvbuf(stdout, NULL, _IOLBF, 0);
	sim("destroy domid=%d", DOMID);
	if (sim("create domid=%d vcpus=4 frames=64", DOMID) ||
	    xenintro_open(&x, 0, 0) || xenintro_attach(&x, DOMID, NULL)) {
		fprintf(stderr, "demo: cannot set up the simulated guest\n");
		return 1;
	}
	printf("agent: attached to dom%d (%u vCPUs)\n", DOMID, x.max_vcpus);
	xenintro_monitor_cr(&x, XENINTRO_CR3, XENINTRO_MON_SYNC, 0);
	xenintro_monitor_cr(&x, XENINTRO_CR0, XENINTRO_MON_SYNC |
			    XENINTRO_MON_DENY_CAPABLE, 0);
	xenintro_monitor_msr(&x, 0xc0000082, 0);
	xenintro_monitor_cpuid(&x, 0);
	xenintro_monitor_breakpoint(&x, 0);
	xenintro_set_access(&x, 12, 4, XENINTRO_ACCESS_R | XENINTRO_ACCESS_X);
	printf("agent: monitoring CR0, CR3, LSTAR, CPUID, INT3 and frames 12-15 read-only\n");

	pthread_create(&th, NULL, guest, NULL);
	while (!guest_done || xenintro_events_ready(&x) > 0) {
		if (xenintro_peek_event(&x, &ev)) {
			xenintro_wait(&x, 100);
			continue;
		}
		xenintro_event_format(line, sizeof(line), ev);
		verdict = decide(ev);
		printf("event: %s => %s\n", line, xenintro_verdict_name(verdict));
		if (xenintro_event_needs_verdict(ev))
			xenintro_verdict_for(&x, ev, verdict);
		xenintro_event_advance(&x, 1);
		xenintro_submit(&x);
	}
	pthread_join(th, NULL);
	xenintro_get_stats(&x, &st);
	printf("agent: %llu events, %llu answered by the agent, %llu by the kernel\n",
	       (unsigned long long)st.requests,
	       (unsigned long long)st.agent_verdicts,
	       (unsigned long long)st.kernel_verdicts);
	xenintro_close(&x);
	printf("agent: detached\n");
	sim_cmd(res, sizeof(res), "cpuid domid=%d vcpu=0 leaf=0", DOMID);
	printf("  guest after detach: cpuid -> %s\n", res);
	sim_cmd(res, sizeof(res), "state domid=%d", DOMID);
	printf("  guest state: %s\n", res);
	sim("destroy domid=%d", DOMID);
	return 0;
}
