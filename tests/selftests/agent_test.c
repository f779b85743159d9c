// SPDX-License-Identifier: GPL-2.0
/*
 * kselftest: xenintro-agent against the simulated hypervisor. The static
 * agent binary runs each example policy of userspace/examples/ on a
 * simulated domain; the test plays the guest (vCPU commands through the
 * sim's debugfs file) and checks what the vCPU saw, what the agent logged,
 * and what the domain is left with when the agent goes: by SIGTERM,
 * SIGKILL, or the domain dying. Reload (SIGHUP, good and bad policy) and
 * on-demand stats (SIGUSR1) too.
 *
 * In the test VM the agent and the examples are in /xenintro/files
 * (tests/qemu/vm-tests.sh puts them there); XI_FILES overrides that for
 * a run elsewhere. The example values used here (frames, MSRs, RIPs) are
 * the examples' own; userspace/common/tests pins them too.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "xi_sim.h"
#include "xi_agent.h"

#define VCPUS		4
#define FRAMES		8192	/* the write-protect example's 0x1000..0x17ff */

#define CR0_INIT	0x60000010ULL
#define SIM_CPUID_ECX	0x73696d20	/* the sim's CPUID ecx, "sim " */

/* ------------------------------------------------------------- fixture */

FIXTURE(agent) {
	unsigned int domid;
	struct agent_proc ap;
	char policy[256];
	char res[512];
	char st[1536];
};

FIXTURE_SETUP(agent)
{
	const char *why = agent_fixture_start(&self->ap);

	if (why)
		SKIP(return, "%s", why);
	self->domid = sim_test_domid();
	ASSERT_EQ(0, sim_fresh_domain(self->domid, VCPUS, FRAMES));
}

FIXTURE_TEARDOWN(agent)
{
	if (self->ap.pid) {
		kill(self->ap.pid, SIGKILL);
		waitpid(self->ap.pid, NULL, 0);
	}
	if (self->domid)
		sim("destroy domid=%u", self->domid);
}

/* Start the agent on example @name and wait for it to be ready. */
#define START(name, ...)						\
	do {								\
		file_path(self->policy, sizeof(self->policy), name);	\
		ASSERT_EQ(0, agent_start(&self->ap, self->domid,	\
					 self->policy, ##__VA_ARGS__, NULL)); \
		ASSERT_EQ(0, agent_wait_ready(&self->ap)) {		\
			char *e = slurp(self->ap.err);			\
			TH_LOG("agent: %s", e);				\
			free(e);					\
		}							\
	} while (0)

XI_AGENT_FIXTURE_HELPERS(agent)

/* ------------------------------------------------------------- examples */

TEST_F_TIMEOUT(agent, check_examples_in_vm, 120)
{
	static const char *const ex[] = {
		"write-protect-kernel-text.yaml", "cpuid-hide-hypervisor.yaml",
		"cr-guard.yaml", "cr3-process-log.yaml",
		"breakpoint-forward.yaml", "respond-to-tamper.yaml",
	};
	/* these name kernel symbols: checked against a real kernel image */
	static const char *const kex[] = {
		"lstar-guard.yaml", "kernel-integrity.yaml", "cred-watch.yaml",
	};
	char cmd[900], bin[256], path[256], image[256];
	size_t i;

	/*
	 * --check needs nothing but the file: no device, no libraries; and
	 * the directories it names (respond-to-tamper.yaml's dumps go where
	 * the operator keeps the guest's files).
	 */
	ASSERT_EQ(0, system("mkdir -p /var/lib/xenintro/web1"));
	file_path(bin, sizeof(bin), "xenintro-agent.static");
	for (i = 0; i < ARRAY_SIZE(ex); i++) {
		file_path(path, sizeof(path), ex[i]);
		snprintf(cmd, sizeof(cmd), "%s --check %s >/dev/null", bin,
			 path);
		EXPECT_EQ(0, WEXITSTATUS(system(cmd))) TH_LOG("%s", ex[i]);
	}
	file_path(image, sizeof(image), KGUEST_IMAGE);
	ASSERT_EQ(0, access(image, R_OK))
		TH_LOG("no guest kernel image %s (tests/qemu/vm-tests.sh puts Debian's there)",
		       image);
	for (i = 0; i < ARRAY_SIZE(kex); i++) {
		file_path(path, sizeof(path), kex[i]);
		snprintf(cmd, sizeof(cmd),
			 "%s --check --kernel %s %s >/tmp/kex.out 2>&1", bin,
			 image, path);
		EXPECT_EQ(0, WEXITSTATUS(system(cmd))) {
			char *o = slurp("/tmp/kex.out");

			TH_LOG("%s: %s", kex[i], o);
			free(o);
		}
		EXPECT_EQ(1, count_lines("/tmp/kex.out", "kernel symbols found in",
					 image, NULL));
		/* without the image the policy cannot be checked: exit 2 */
		snprintf(cmd, sizeof(cmd), "%s --check %s >/dev/null 2>&1",
			 bin, path);
		EXPECT_EQ(2, WEXITSTATUS(system(cmd))) TH_LOG("%s", kex[i]);
	}
	snprintf(cmd, sizeof(cmd),
		 "printf 'guest: 1\\nrules: [{event: cpuid, action: deny}]\\n' >/tmp/bad.yaml; %s --check /tmp/bad.yaml 2>/tmp/bad.err",
		 bin);
	EXPECT_EQ(2, WEXITSTATUS(system(cmd)));
	EXPECT_EQ(1, count_lines("/tmp/bad.err",
				 "/tmp/bad.yaml:2:", "rules[0]", NULL));
}

/* 1. Write-protect kernel text: writes discarded by the kernel, reads free */
TEST_F_TIMEOUT(agent, write_protect_kernel_text, 120)
{
	/* known contents before the protection */
	vcpu(_metadata, self, "access domid=%u vcpu=0 gfn=0x1100 op=w value=0xaaaa",
	     self->domid);
	result_is(_metadata, self, "done");
	START("write-protect-kernel-text.yaml");

	vcpu(_metadata, self, "access domid=%u vcpu=1 gfn=0x1100 op=w value=0x1234",
	     self->domid);
	result_is(_metadata, self, "emulated-nowrite");
	EXPECT_EQ(0xaaaa, kv_num(self->res, "value")) TH_LOG("%s", self->res);
	/* the range's last frame */
	vcpu(_metadata, self, "access domid=%u vcpu=2 gfn=0x17ff op=w value=0x5678",
	     self->domid);
	result_is(_metadata, self, "emulated-nowrite");
	/* reads and fetches never fault */
	vcpu(_metadata, self, "access domid=%u vcpu=1 gfn=0x1100 op=r", self->domid);
	result_is(_metadata, self, "done");
	EXPECT_EQ(0, kv_num(self->res, "events"));
	EXPECT_EQ(0xaaaa, kv_num(self->res, "rax"));
	vcpu(_metadata, self, "access domid=%u vcpu=1 gfn=0x1100 op=x", self->domid);
	result_is(_metadata, self, "done");
	/* outside the range: nothing */
	vcpu(_metadata, self, "access domid=%u vcpu=3 gfn=0x1800 op=w value=0x99", self->domid);
	result_is(_metadata, self, "done");
	EXPECT_EQ(0, kv_num(self->res, "events"));

	/* both denied writes were logged (notify), as JSON with the rule */
	EXPECT_TRUE(wait_log(self->ap.log, "\"gfn\":\"0x17ff\"", 5000));
	EXPECT_EQ(2, count_lines(self->ap.log, "\"type\":\"event\"",
				 "\"event\":\"mem_access\"",
				 "\"rule\":\"kernel-text-write\"",
				 "\"notify\":true", NULL));
	ASSERT_TRUE(dom_state(self->domid, self->st, sizeof(self->st)));
	EXPECT_EQ(0x800, kv_num(self->st, "restricted")) TH_LOG("%s", self->st);

	stop_and_check_clean(_metadata, self);
	/* rights restored: the write goes through now */
	vcpu(_metadata, self, "access domid=%u vcpu=1 gfn=0x1100 op=w value=0x1234",
	     self->domid);
	result_is(_metadata, self, "done");
	EXPECT_EQ(0x1234, kv_num(self->res, "value"));
}

/* 2. CPUID: the hypervisor leaves answered with zeros by the kernel */
TEST_F_TIMEOUT(agent, cpuid_hide_hypervisor, 120)
{
	START("cpuid-hide-hypervisor.yaml");
	vcpu(_metadata, self, "cpuid domid=%u vcpu=0 leaf=0x40000000", self->domid);
	result_is(_metadata, self, "done");
	EXPECT_EQ(1, kv_num(self->res, "events"));
	EXPECT_EQ(0, kv_num(self->res, "rax"));
	EXPECT_EQ(0, kv_num(self->res, "rbx"));
	EXPECT_EQ(0, kv_num(self->res, "rcx"));
	EXPECT_EQ(0, kv_num(self->res, "rdx"));
	vcpu(_metadata, self, "cpuid domid=%u vcpu=1 leaf=0x40000010 subleaf=3", self->domid);
	result_is(_metadata, self, "done");
	EXPECT_EQ(0, kv_num(self->res, "rax"));
	EXPECT_EQ(0, kv_num(self->res, "rcx"));
	/* other leaves: the hypervisor's own answer */
	vcpu(_metadata, self, "cpuid domid=%u vcpu=2 leaf=0x7 subleaf=1", self->domid);
	result_is(_metadata, self, "done");
	EXPECT_EQ(7, kv_num(self->res, "rax"));
	EXPECT_EQ(SIM_CPUID_ECX, kv_num(self->res, "rcx"));

	/* SIGUSR1: stats with each rule's hits, nothing forwarded */
	kill(self->ap.pid, SIGUSR1);
	EXPECT_TRUE(wait_log(self->ap.log, "\"type\":\"stats\"", 5000));
	EXPECT_EQ(1, count_lines(self->ap.log, "\"type\":\"stats\"",
				 "\"forwarded\":0",
				 "\"name\":\"hide-hypervisor-leaf\",\"event\":\"cpuid\",\"action\":\"set_registers\",\"hits\":1",
				 "\"name\":\"hide-hypervisor-leaves\",\"event\":\"cpuid\",\"action\":\"set_registers\",\"hits\":1",
				 "\"name\":\"other-leaves\",\"event\":\"cpuid\",\"action\":\"continue\",\"hits\":1",
				 NULL));
	/* no notify, nothing forwarded: no event in the log */
	EXPECT_EQ(0, count_lines(self->ap.log, "\"type\":\"event\"", NULL));
	stop_and_check_clean(_metadata, self);
	/* unmonitored now: the sim's own answer, no event */
	vcpu(_metadata, self, "cpuid domid=%u vcpu=0 leaf=0x40000000", self->domid);
	result_is(_metadata, self, "done");
	EXPECT_EQ(0, kv_num(self->res, "events"));
	EXPECT_EQ(0x40000000, kv_num(self->res, "rax"));
}

/* 3. CR0.WP and CR4.SMEP/SMAP: clearing them is vetoed */
TEST_F_TIMEOUT(agent, cr0_wp_cr4_smep_smap_guard, 120)
{
	START("cr-guard.yaml");
	vcpu(_metadata, self, "cr domid=%u vcpu=0 index=0 value=0x80050033", self->domid);
	result_is(_metadata, self, "done");
	vcpu(_metadata, self, "cr domid=%u vcpu=0 index=0 value=0x80040033", self->domid);
	result_is(_metadata, self, "denied");
	EXPECT_EQ(0x80050033, kv_num(self->res, "value"));
	vcpu(_metadata, self, "cr domid=%u vcpu=1 index=2 value=0x003006f0", self->domid);
	result_is(_metadata, self, "done");
	vcpu(_metadata, self, "cr domid=%u vcpu=1 index=2 value=0x002006f0", self->domid);
	result_is(_metadata, self, "denied");
	EXPECT_EQ(0x003006f0, kv_num(self->res, "value"));
	vcpu(_metadata, self, "cr domid=%u vcpu=1 index=2 value=0x001006f0", self->domid);
	result_is(_metadata, self, "denied");
	/* other bits change freely */
	vcpu(_metadata, self, "cr domid=%u vcpu=1 index=2 value=0x003406f0", self->domid);
	result_is(_metadata, self, "done");

	EXPECT_TRUE(wait_log(self->ap.log, "cr4-smep-smap-clear", 5000));
	/* each notify copy says what the kernel did: deny */
	EXPECT_EQ(1, count_lines(self->ap.log, "\"rule\":\"cr0-wp-clear\"",
				 "\"cr\":\"cr0\"", "\"new\":\"0x80040033\"",
				 "\"notify\":true", "\"verdict\":\"deny\"",
				 NULL));
	EXPECT_EQ(2, count_lines(self->ap.log,
				 "\"rule\":\"cr4-smep-smap-clear\"",
				 "\"verdict\":\"deny\"", NULL));
	/* the allowed writes are not logged: no notify on that rule */
	EXPECT_EQ(3, count_lines(self->ap.log, "\"type\":\"event\"", NULL));
	stop_and_check_clean(_metadata, self);
	/* after detach nothing is vetoed */
	vcpu(_metadata, self, "cr domid=%u vcpu=0 index=0 value=0x80040033", self->domid);
	result_is(_metadata, self, "done");
}

/* 4. LSTAR: kguest_test.c (the policy names entry_SYSCALL_64) */

/* 5. CR3 process-switch log: continue in the kernel, a copy logged */
TEST_F_TIMEOUT(agent, cr3_process_log, 120)
{
	int i;

	START("cr3-process-log.yaml", "--format", "text");
	for (i = 0; i < 3; i++) {
		vcpu(_metadata, self, "cr domid=%u vcpu=%d index=1 value=0x%x", self->domid, i,
		     0x5000 + i * 0x1000);
		result_is(_metadata, self, "done");
		EXPECT_EQ(0x5000 + i * 0x1000, kv_num(self->res, "value"));
	}
	EXPECT_TRUE(wait_log(self->ap.log, "->0x7000", 5000));
	/* text mode: libxenintro's line, with the rule's name */
	EXPECT_EQ(3, count_lines(self->ap.log, "ctrlreg", "notify", " cr3 ",
				 "rule_name=process-switch", NULL));
	EXPECT_EQ(1, count_lines(self->ap.log, "->0x6000", "vcpu=1", NULL));
	stop_and_check_clean(_metadata, self);
}

/* CPU time (user + system) @pid has used, in ms; -1 if unknown. */
static long long cpu_ms(pid_t pid)
{
	unsigned long long utime, stime;
	char path[64], *text, *p;
	long long ms = -1;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	text = slurp(path);
	/* the fields after the command name, which may hold spaces */
	p = strrchr(text, ')');
	if (p && sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu",
			&utime, &stime) == 2)
		ms = (long long)((utime + stime) * 1000 / sysconf(_SC_CLK_TCK));
	free(text);
	return ms;
}

/* 6. INT3 on the agent's list: forwarded, logged and reinjected */
static void check_breakpoint_forwarding(struct __test_metadata *_metadata,
					struct _test_data_agent *self)
{
	/*
	 * The string the example logs (at RDI, 0 at reset, paging off):
	 * "/etc/shadow" at guest address 0, written by the guest itself.
	 */
	ASSERT_EQ(0, sim("access domid=%u vcpu=3 gfn=0 op=w offset=0 value=0x6168732f6374652f",
			 self->domid));
	ASSERT_EQ(0, sim("access domid=%u vcpu=3 gfn=0 op=w offset=8 value=0x776f64",
			 self->domid));
	vcpu(_metadata, self, "int3 domid=%u vcpu=0 rip=0xffffffff81000000", self->domid);
	result_is(_metadata, self, "reinjected");
	EXPECT_EQ(3, kv_num(self->res, "inject"));
	vcpu(_metadata, self, "int3 domid=%u vcpu=1 rip=0xffffffff81234560", self->domid);
	result_is(_metadata, self, "reinjected");
	/* not listed: the kernel re-injects, the agent never sees it */
	vcpu(_metadata, self, "int3 domid=%u vcpu=2 rip=0x402000", self->domid);
	result_is(_metadata, self, "reinjected");
	EXPECT_EQ(3, kv_num(self->res, "inject"));

	EXPECT_TRUE(wait_log(self->ap.log, "0xffffffff81234560", 5000));
	EXPECT_EQ(1, count_lines(self->ap.log, "\"event\":\"breakpoint\"",
				 "\"rip\":\"0xffffffff81000000\"",
				 "\"rule\":\"agent-breakpoints\"",
				 "\"verdict\":\"reinject\"", NULL));
	/* log.memory: the string at RDI, read while the event waited */
	EXPECT_EQ(2, count_lines(self->ap.log, "\"memory\":[{\"at\":\"rdi\"",
				 "\"string\":\"/etc/shadow\"", NULL));
	EXPECT_EQ(2, count_lines(self->ap.log, "\"type\":\"event\"", NULL));
	EXPECT_EQ(0, count_lines(self->ap.log, "0x402000", NULL));
	kill(self->ap.pid, SIGUSR1);
	EXPECT_TRUE(wait_log(self->ap.log, "\"type\":\"stats\"", 5000));
	EXPECT_EQ(1, count_lines(self->ap.log, "\"forwarded\":2",
				 "\"agent_verdicts\":2",
				 "\"name\":\"agent-breakpoints\",\"event\":\"breakpoint\",\"action\":\"forward\",\"hits\":2",
				 "\"name\":\"guest-breakpoints\",\"event\":\"breakpoint\",\"action\":\"reinject\",\"hits\":1",
				 NULL));
}

/*
 * CPU the agent uses over five wake-ups without events (SIGUSR2 only
 * rewrites its registry file), 300 ms apart: with --busy-poll 200000 it
 * spins after each, about 1000 ms in all; without, next to nothing.
 */
static long long wakeup_cpu_ms(struct __test_metadata *_metadata,
			       struct _test_data_agent *self)
{
	long long before = cpu_ms(self->ap.pid), after;
	int i;

	for (i = 0; i < 5; i++) {
		kill(self->ap.pid, SIGUSR2);
		usleep(300000);
	}
	after = cpu_ms(self->ap.pid);
	/* an unreadable /proc/PID/stat must not pass as "no CPU used" */
	EXPECT_LE(0, before);
	EXPECT_LE(0, after);
	return after - before;
}

TEST_F_TIMEOUT(agent, breakpoint_forwarding, 120)
{
	long long ms;

	START("breakpoint-forward.yaml");
	check_breakpoint_forwarding(_metadata, self);
	ms = wakeup_cpu_ms(_metadata, self);
	TH_LOG("agent CPU over 5 idle wake-ups: %lld ms", ms);
	EXPECT_GT(300, ms);	/* it sleeps: no spinning by default */
	stop_and_check_clean(_metadata, self);
}

/*
 * The same with --busy-poll: the agent spins after each batch or wake-up
 * (200 ms here, so a signal waits that long at most) and still answers,
 * logs and detaches.
 */
TEST_F_TIMEOUT(agent, breakpoint_forwarding_busy_poll, 120)
{
	long long ms;

	START("breakpoint-forward.yaml", "--busy-poll", "200000");
	check_breakpoint_forwarding(_metadata, self);
	ms = wakeup_cpu_ms(_metadata, self);
	TH_LOG("agent CPU over 5 idle wake-ups with --busy-poll 200000: %lld ms", ms);
	/* about 1000 ms; 300 leaves room for the VM's tick accounting */
	EXPECT_LE(300, ms);
	stop_and_check_clean(_metadata, self);
}

/* ------------------------------------------------------ life cycle */

static void copy_file(const char *from, const char *to)
{
	char *text = slurp(from);
	FILE *f = fopen(to, "we");

	if (f) {
		fputs(text, f);
		fclose(f);
	}
	free(text);
}

/* SIGHUP: a good policy replaces the old one, a bad one changes nothing */
TEST_F_TIMEOUT(agent, reload_good_and_bad_policy, 150)
{
	char src[256], pol[64];

	snprintf(pol, sizeof(pol), "/tmp/policy-%u.yaml", self->domid);
	file_path(src, sizeof(src), "cr3-process-log.yaml");
	copy_file(src, pol);
	ASSERT_EQ(0, agent_start(&self->ap, self->domid, pol, NULL));
	ASSERT_EQ(0, agent_wait_ready(&self->ap));
	vcpu(_metadata, self, "cr domid=%u vcpu=0 index=1 value=0x5000", self->domid);
	result_is(_metadata, self, "done");
	EXPECT_TRUE(wait_log(self->ap.log, "process-switch", 5000));

	/* good: the CPUID policy; CR3 is no longer monitored */
	file_path(src, sizeof(src), "cpuid-hide-hypervisor.yaml");
	copy_file(src, pol);
	kill(self->ap.pid, SIGHUP);
	ASSERT_TRUE(wait_log(self->ap.log, "reloaded", 10000)) {
		char *e = slurp(self->ap.err);

		TH_LOG("agent: %s", e);
		free(e);
	}
	vcpu(_metadata, self, "cpuid domid=%u vcpu=1 leaf=0x40000000", self->domid);
	result_is(_metadata, self, "done");
	EXPECT_EQ(0, kv_num(self->res, "rax"));
	vcpu(_metadata, self, "cr domid=%u vcpu=0 index=1 value=0x6000", self->domid);
	result_is(_metadata, self, "done");
	EXPECT_EQ(0, kv_num(self->res, "events"));
	ASSERT_TRUE(dom_state(self->domid, self->st, sizeof(self->st)));
	EXPECT_TRUE(kv_is(self->st, "monitor_list", "cpuid"))
		TH_LOG("%s", self->st);

	/* bad: an impossible rule, then a syntax error; the old one stays */
	{
		FILE *f = fopen(pol, "we");

		ASSERT_NE(NULL, f);
		fputs("guest: 1\nmonitors: {cpuid: true}\nrules:\n"
		      "  - {event: cpuid, leaf: 1, action: deny}\n", f);
		fclose(f);
	}
	kill(self->ap.pid, SIGHUP);
	ASSERT_TRUE(wait_log(self->ap.log, "reload failed", 10000));
	EXPECT_EQ(1, count_lines(self->ap.log, "\"type\":\"agent\"",
				 "keeping the old policy", ":4:",
				 "rules[0].action: deny on cpuid events", NULL));
	vcpu(_metadata, self, "cpuid domid=%u vcpu=2 leaf=0x40000000", self->domid);
	result_is(_metadata, self, "done");
	EXPECT_EQ(0, kv_num(self->res, "rax"));
	EXPECT_EQ(1, kv_num(self->res, "events"));
	{
		FILE *f = fopen(pol, "we");

		ASSERT_NE(NULL, f);
		fputs("guest: 1\nrules: [\n", f);
		fclose(f);
	}
	kill(self->ap.pid, SIGHUP);
	EXPECT_TRUE(wait_log(self->ap.log, "YAML syntax error", 10000));
	vcpu(_metadata, self, "cpuid domid=%u vcpu=3 leaf=0x40000000", self->domid);
	result_is(_metadata, self, "done");
	EXPECT_EQ(0, kv_num(self->res, "rax"));
	stop_and_check_clean(_metadata, self);
	unlink(pol);
}

/*
 * kill -9 while a forwarded INT3 waits for the (stopped) agent: the
 * kernel answers it with the default verdict, and the domain is left
 * running, unpaused, with no monitor.
 */
TEST_F_TIMEOUT(agent, kill9_leaves_domain_running, 120)
{
	static struct vcpu_op op;

	START("breakpoint-forward.yaml");
	kill(self->ap.pid, SIGSTOP);
	ASSERT_EQ(0, vcpu_start(&op, "int3 domid=%u vcpu=0 rip=0xffffffff81000000",
				self->domid));
	/* held: nobody answers */
	EXPECT_EQ(-ETIMEDOUT, vcpu_join_ms(&op, 300));
	kill(self->ap.pid, SIGKILL);
	EXPECT_EQ(128 + SIGKILL, agent_wait_exit(&self->ap, STOP_MS));
	ASSERT_EQ(0, vcpu_join_ms(&op, FREE_MS)) TH_LOG("%s", op.result);
	EXPECT_TRUE(kv_is(op.result, "result", "reinjected") ||
		    kv_is(op.result, "result", "done")) TH_LOG("%s", op.result);

	ASSERT_TRUE(dom_state(self->domid, self->st, sizeof(self->st)));
	EXPECT_EQ(0, kv_num(self->st, "attached")) TH_LOG("%s", self->st);
	EXPECT_EQ(0, kv_num(self->st, "monitors")) TH_LOG("%s", self->st);
	EXPECT_EQ(0, kv_num(self->st, "pause")) TH_LOG("%s", self->st);
	EXPECT_EQ(0, kv_num(self->st, "dying")) TH_LOG("%s", self->st);
	/* the guest runs on, unmonitored */
	vcpu(_metadata, self, "int3 domid=%u vcpu=1 rip=0xffffffff81000000", self->domid);
	result_is(_metadata, self, "reinjected");
	EXPECT_EQ(0, kv_num(self->res, "events"));
	vcpu(_metadata, self, "cpuid domid=%u vcpu=2 leaf=0", self->domid);
	result_is(_metadata, self, "done");
}

/* SIGINT detaches like SIGTERM */
TEST_F_TIMEOUT(agent, sigint_detaches, 120)
{
	vcpu(_metadata, self, "cr domid=%u vcpu=0 index=0 value=0x80050033", self->domid);
	result_is(_metadata, self, "done");
	START("cr-guard.yaml");
	ASSERT_EQ(0, agent_stop(&self->ap, SIGINT));
	ASSERT_TRUE(dom_state(self->domid, self->st, sizeof(self->st)));
	EXPECT_EQ(0, kv_num(self->st, "attached")) TH_LOG("%s", self->st);
	EXPECT_EQ(0, kv_num(self->st, "monitors")) TH_LOG("%s", self->st);
	/* the CR0.WP clear the policy denied goes through again */
	vcpu(_metadata, self, "cr domid=%u vcpu=0 index=0 value=0x80040033", self->domid);
	result_is(_metadata, self, "done");
	EXPECT_EQ(0x80040033, kv_num(self->res, "value"));
}

/* The domain dies under the agent: exit status 4 */
TEST_F_TIMEOUT(agent, domain_death_exits_4, 120)
{
	START("cr3-process-log.yaml");
	ASSERT_EQ(0, sim("destroy domid=%u", self->domid));
	EXPECT_EQ(4, agent_wait_exit(&self->ap, STOP_MS)) {
		char *e = slurp(self->ap.err);

		TH_LOG("agent: %s", e);
		free(e);
	}
	EXPECT_LE(1, count_lines(self->ap.log, "died", NULL));
}

/* Attaching where nobody can: exit status 3, with the reason */
TEST_F_TIMEOUT(agent, no_such_domain_exits_3, 60)
{
	char pol[256];

	file_path(pol, sizeof(pol), "cr3-process-log.yaml");
	sim("destroy domid=%u", self->domid);
	ASSERT_EQ(0, agent_start(&self->ap, self->domid, pol, NULL));
	EXPECT_EQ(3, agent_wait_exit(&self->ap, STOP_MS));
	EXPECT_EQ(1, count_lines(self->ap.err, "cannot attach to domain",
				 NULL));
	self->domid = 0;
}

/* ------------------------------------------------------- the tool */

/* xenintro version / list / stats next to a running agent, then watch */
TEST_F_TIMEOUT(agent, xenintro_tool, 150)
{
	char tool[256], out[64], err[64];
	pid_t pid;
	int i;

	file_path(tool, sizeof(tool), "xenintro.static");
	snprintf(out, sizeof(out), "/tmp/tool-%u.out", self->domid);
	snprintf(err, sizeof(err), "/tmp/tool-%u.err", self->domid);

	EXPECT_EQ(0, run_cmd("%s version >%s 2>&1", tool, out));
	EXPECT_EQ(1, count_lines(out, "features:", "rings", "rules", NULL));
	EXPECT_EQ(1, count_lines(out, "device:", "handshake ok", NULL));

	START("cpuid-hide-hypervisor.yaml");
	vcpu(_metadata, self, "cpuid domid=%u vcpu=0 leaf=0x40000000", self->domid);
	result_is(_metadata, self, "done");
	EXPECT_EQ(0, run_cmd("%s list >%s 2>&1", tool, out));
	snprintf(err, sizeof(err), "%-6u", self->domid);
	EXPECT_EQ(1, count_lines(out, err, "running", "cpuid-hide-hypervisor.yaml",
				 NULL)) {
		char *o = slurp(out);

		TH_LOG("%s", o);
		free(o);
	}
	EXPECT_EQ(0, run_cmd("%s stats --json %u >%s 2>&1", tool, self->domid,
			     out));
	EXPECT_EQ(1, count_lines(out, "\"hits\": 1", NULL));
	EXPECT_EQ(0, run_cmd("%s stats %u >%s 2>&1", tool, self->domid, out));
	EXPECT_EQ(1, count_lines(out, "hide-hypervisor-leaf", "set_registers",
				 NULL));
	/* one session per domain: watch cannot attach while the agent is */
	EXPECT_EQ(3, run_cmd("%s watch %u --events cpuid --count 1 >%s 2>&1",
			     tool, self->domid, out));
	stop_and_check_clean(_metadata, self);
	EXPECT_EQ(3, run_cmd("%s stats %u >/dev/null 2>&1", tool, self->domid));

	/* watch: two CPUIDs and a CR3 write, printed as JSON lines */
	snprintf(err, sizeof(err), "/tmp/tool-%u.err", self->domid);
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		char dom[16];
		int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		int fe = open(err, O_WRONLY | O_CREAT | O_TRUNC, 0644);

		dup2(fd, 1);
		dup2(fe, 2);
		snprintf(dom, sizeof(dom), "%u", self->domid);
		execl(tool, tool, "watch", "--json", "--count", "3", dom,
		      "--events", "cpuid,cr3", (char *)NULL);
		_exit(127);
	}
	self->ap.pid = pid;	/* teardown kills it if it hangs */
	ASSERT_TRUE(wait_log(err, "watching domain", 10000));
	for (i = 0; i < 2; i++) {
		vcpu(_metadata, self, "cpuid domid=%u vcpu=%d leaf=0x%x", self->domid, i, 0xd + i);
		result_is(_metadata, self, "done");
		EXPECT_EQ(0xd + i, kv_num(self->res, "rax"));
	}
	vcpu(_metadata, self, "cr domid=%u vcpu=0 index=1 value=0x9000", self->domid);
	result_is(_metadata, self, "done");
	EXPECT_EQ(0, agent_wait_exit(&self->ap, STOP_MS));
	EXPECT_EQ(1, count_lines(out, "\"event\":\"cpuid\"", "\"leaf\":\"0xd\"",
				 "\"verdict\":\"continue\"", NULL));
	EXPECT_EQ(1, count_lines(out, "\"leaf\":\"0xe\"", NULL));
	EXPECT_EQ(1, count_lines(out, "\"event\":\"cr\"", "\"new\":\"0x9000\"",
				 "\"sync\":false", NULL));
	ASSERT_TRUE(dom_state(self->domid, self->st, sizeof(self->st)));
	EXPECT_EQ(0, kv_num(self->st, "attached")) TH_LOG("%s", self->st);
	EXPECT_EQ(0, kv_num(self->st, "monitors")) TH_LOG("%s", self->st);
}

TEST_HARNESS_MAIN
