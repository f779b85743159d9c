// SPDX-License-Identifier: GPL-2.0
/*
 * xi_guest: the test programs that run inside the monitored PVH guest.
 *
 * One static binary, one sub-command per thing the dom0 scenarios need the
 * guest to do. Every result is one line on stdout (the guest's console,
 * which xenconsoled logs in dom0):
 *
 *   XI-G: <id> <command> key=value ...
 *
 * where <id> is $XI_ID, set by the guest's /init for each command dom0
 * sends, so dom0 can pick the line of exactly its own request.
 *
 *   cpuid-list [SUBS]     every leaf of the three CPUID ranges, subleaves
 *                         0 .. SUBS-1 (default 64), hashed (and one hash
 *                         per leaf, for diffing)
 *   cpuid-leaf LEAF       one CPUID, printed
 *   cpuid-bench ROUNDS N  ROUNDS rounds of N CPUIDs, median/min/max us each
 *   cpuid-loop SECS       CPUID(0) as fast as possible for SECS seconds
 *   int3 N                N INT3s under a SIGTRAP handler
 *   tf N                  N single steps (EFLAGS.TF) under a SIGTRAP handler
 *   vmmcall N             N HVMOP_guest_request_vm_event hypercalls from
 *                         ring 3 (VMMCALL: QEMU emulates AMD SVM)
 *   sdt N                 N SGDT/SIDT/SLDT/STR from ring 3
 *   pingpong SECS         two processes bouncing a byte through pipes:
 *                         every bounce is a process switch (a CR3 write)
 *   membuf SEED           a 10000-byte buffer over three pages filled
 *                         from SEED, its hash printed, then the marker
 *                         CPUID (leaf XI_MEM_MARKER) with the buffer's
 *                         address in RSI and its length in RDI, for the
 *                         agent to read it through the event's CR3
 */
#define _GNU_SOURCE
#include <inttypes.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

#include "../xi_hash.h"

static const char *id = "-";

#define OUT(fmt, ...) \
	do { \
		printf("XI-G: %s " fmt "\n", id, ##__VA_ARGS__); \
		fflush(stdout); \
	} while (0)

struct regs4 {
	uint32_t a, b, c, d;
};

static inline struct regs4 cpuid(uint32_t leaf, uint32_t sub)
{
	struct regs4 r;

	__asm__ volatile("cpuid"
			 : "=a"(r.a), "=b"(r.b), "=c"(r.c), "=d"(r.d)
			 : "a"(leaf), "c"(sub));
	return r;
}

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

#define FNV_INIT XI_FNV_INIT

/*
 * Subleaves looked at per leaf. Leaf 0xd (XSAVE) has the most meaningful
 * ones (up to 63); listing every leaf that deep makes the comparison blind
 * to nothing and costs a few thousand CPUIDs.
 */
#define SUBLEAVES 64

static int cmd_cpuid_list(unsigned int subleaves)
{
	static const uint32_t bases[] = { 0x0, 0x40000000, 0x80000000 };
	uint64_t all = FNV_INIT;
	unsigned int b, n = 0;

	for (b = 0; b < 3; b++) {
		uint32_t base = bases[b], max = cpuid(base, 0).a, leaf;

		/* Garbage in a range (or none at all) is bounded here. */
		if (max < base || max > base + 0x40)
			max = base;
		for (leaf = base; leaf <= max; leaf++) {
			uint64_t h = FNV_INIT;
			uint32_t sub;

			for (sub = 0; sub < subleaves; sub++) {
				struct regs4 r = cpuid(leaf, sub);

				h = fnv(h, &r, sizeof(r));
				all = fnv(all, &leaf, sizeof(leaf));
				all = fnv(all, &sub, sizeof(sub));
				all = fnv(all, &r, sizeof(r));
				n++;
			}
			OUT("cpuid-leaf leaf=0x%08x hash=%016" PRIx64, leaf, h);
		}
	}
	OUT("cpuid-list count=%u hash=%016" PRIx64, n, all);
	return 0;
}

static int cmd_cpuid_leaf(uint32_t leaf)
{
	struct regs4 r = cpuid(leaf, 0);

	OUT("cpuid-leaf-value leaf=0x%08x eax=0x%08x ebx=0x%08x ecx=0x%08x edx=0x%08x",
	    leaf, r.a, r.b, r.c, r.d);
	return 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static int cmd_cpuid_bench(unsigned int rounds, unsigned int n)
{
	double *per = calloc(rounds, sizeof(*per));
	double t0, total = now_us();
	unsigned int r, i;
	char all[1024];
	size_t len;

	if (!per || !rounds || !n)
		return 1;
	for (r = 0; r < rounds; r++) {
		t0 = now_us();
		for (i = 0; i < n; i++)
			cpuid(0, 0);
		per[r] = (now_us() - t0) / n;
	}
	total = now_us() - total;
	qsort(per, rounds, sizeof(*per), cmp_double);
	/* every round too (sorted), so the host can pool runs */
	for (len = 0, r = 0; r < rounds && len < sizeof(all) - 16; r++)
		len += snprintf(all + len, sizeof(all) - len, "%s%.2f",
				r ? "," : "", per[r]);
	OUT("cpuid-bench rounds=%u per_round=%u median_us=%.2f min_us=%.2f max_us=%.2f total_s=%.2f rounds_us=%s",
	    rounds, n, per[rounds / 2], per[0], per[rounds - 1], total / 1e6,
	    all);
	free(per);
	return 0;
}

static int cmd_cpuid_loop(unsigned int secs)
{
	double end = now_us() + secs * 1e6;
	unsigned long n = 0;

	while (now_us() < end) {
		for (int i = 0; i < 100; i++)
			cpuid(0, 0);
		n += 100;
	}
	OUT("cpuid-loop count=%lu", n);
	return 0;
}

static volatile sig_atomic_t traps;
static volatile sig_atomic_t trap_bad;

static void on_sigtrap(int sig, siginfo_t *si, void *ctx)
{
	ucontext_t *uc = ctx;

	if (sig != SIGTRAP || !si)
		trap_bad++;
	traps++;
	/* Single-step: stop stepping, or the handler's return steps again. */
	uc->uc_mcontext.gregs[REG_EFL] &= ~0x100LL;
}

static void trap_handler_install(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_sigtrap;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTRAP, &sa, NULL);
}

static int cmd_int3(unsigned int n)
{
	unsigned int i;

	trap_handler_install();
	for (i = 0; i < n; i++)
		__asm__ volatile("int3" ::: "memory");
	OUT("int3 n=%u handled=%d bad=%d", n, (int)traps, (int)trap_bad);
	return traps == (int)n ? 0 : 1;
}

static int cmd_tf(unsigned int n)
{
	unsigned int i;

	trap_handler_install();
	for (i = 0; i < n; i++)
		/* TF takes effect after popf: the nop is stepped, #DB follows. */
		__asm__ volatile("pushf\n\t"
				 "orq $0x100, (%%rsp)\n\t"
				 "popf\n\t"
				 "nop\n\t" ::: "memory", "cc");
	OUT("tf n=%u handled=%d bad=%d", n, (int)traps, (int)trap_bad);
	return traps == (int)n ? 0 : 1;
}

/*
 * HVMOP_guest_request_vm_event from ring 3. Xen allows exactly this one
 * hypercall from user mode, and only while a monitor enabled guest requests
 * with allow_userspace; otherwise it returns -EPERM (-1) in rax.
 */
#define XEN_HYPERVISOR_hvm_op			34
#define XEN_HVMOP_guest_request_vm_event	24

static int cmd_vmmcall(unsigned int n)
{
	unsigned int i, ok = 0;
	long ret = 0;

	for (i = 0; i < n; i++) {
		long a = XEN_HYPERVISOR_hvm_op;

		__asm__ volatile("vmmcall"
				 : "+a"(a)
				 : "D"((long)XEN_HVMOP_guest_request_vm_event),
				   "S"(0L)
				 : "memory");
		ret = a;
		ok += !a;
	}
	OUT("vmmcall n=%u ok=%u last=%ld", n, ok, ret);
	return 0;
}

static int cmd_sdt(unsigned int n)
{
	struct __attribute__((packed)) {
		uint16_t limit;
		uint64_t base;
	} gdt = { 0 }, idt = { 0 };
	uint16_t ldt = 0, tr = 0;
	unsigned int i;

	for (i = 0; i < n; i++) {
		__asm__ volatile("sgdt %0" : "=m"(gdt));
		__asm__ volatile("sidt %0" : "=m"(idt));
		__asm__ volatile("sldt %0" : "=m"(ldt));
		__asm__ volatile("str %0" : "=m"(tr));
	}
	OUT("sdt n=%u gdt_limit=0x%x idt_limit=0x%x ldt=0x%x tr=0x%x",
	    n, gdt.limit, idt.limit, ldt, tr);
	return 0;
}

/*
 * Two processes bouncing a byte over pipes for @secs seconds: two CR3
 * writes per round. Both then stay alive @linger seconds more, asleep, so
 * that an agent naming processes asynchronously (it reads the guest's task
 * list after the guest has run on) still finds them when it is behind.
 */
static int cmd_pingpong(unsigned int secs, unsigned int linger)
{
	int p2c[2], c2p[2];
	unsigned long rounds = 0;
	double end;
	pid_t pid;
	char b = 0;

	if (pipe(p2c) || pipe(c2p))
		return 1;
	pid = fork();
	if (pid < 0)
		return 1;
	if (!pid) {
		while (read(p2c[0], &b, 1) == 1 && b)
			if (write(c2p[1], &b, 1) != 1)
				break;
		_exit(0);
	}
	end = now_us() + secs * 1e6;
	while (now_us() < end) {
		b = 1;
		if (write(p2c[1], &b, 1) != 1 || read(c2p[0], &b, 1) != 1)
			break;
		rounds++;
	}
	if (linger)
		sleep(linger);
	b = 0;
	if (write(p2c[1], &b, 1) != 1)
		kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	/* the two processes, for scenarios that name them */
	OUT("pingpong secs=%u rounds=%lu parent=%d child=%d", secs, rounds,
	    (int)getpid(), (int)pid);
	return 0;
}

/* The CPUID leaf that tells the e2e agent "read my buffer". */
#define XI_MEM_MARKER	0x4000fe00U
#define XI_MEM_LEN	10000U

static int cmd_membuf(uint64_t seed)
{
	static unsigned char pages[4 * 4096] __attribute__((aligned(4096)));
	/* Starts 100 bytes into a page: the read crosses two boundaries. */
	unsigned char *buf = pages + 100;
	uint32_t a = XI_MEM_MARKER, b = 0, c = 0, d = 0;
	uint64_t x = seed ? seed : 1, h;
	unsigned int i;

	for (i = 0; i < XI_MEM_LEN; i++) {
		/* xorshift64 */
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		buf[i] = (unsigned char)x;
	}
	h = fnv(XI_FNV_INIT, buf, XI_MEM_LEN);
	OUT("membuf addr=%p len=%u hash=0x%016" PRIx64, (void *)buf,
	    XI_MEM_LEN, h);
	__asm__ volatile("cpuid"
			 : "+a"(a), "+b"(b), "+c"(c), "+d"(d)
			 : "S"(buf), "D"((uint64_t)XI_MEM_LEN)
			 : "memory");
	/* What is there now: the agent may have written it (memw). */
	OUT("membuf-done hash=0x%016" PRIx64, fnv(XI_FNV_INIT, buf, XI_MEM_LEN));
	return 0;
}

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : "";
	unsigned long a1 = argc > 2 ? strtoul(argv[2], NULL, 0) : 0;
	unsigned long a2 = argc > 3 ? strtoul(argv[3], NULL, 0) : 0;

	if (getenv("XI_ID"))
		id = getenv("XI_ID");
	if (!strcmp(cmd, "cpuid-list"))
		return cmd_cpuid_list(a1 ? a1 : SUBLEAVES);
	if (!strcmp(cmd, "cpuid-leaf"))
		return cmd_cpuid_leaf(a1);
	if (!strcmp(cmd, "cpuid-bench"))
		return cmd_cpuid_bench(a1, a2);
	if (!strcmp(cmd, "cpuid-loop"))
		return cmd_cpuid_loop(a1);
	if (!strcmp(cmd, "int3"))
		return cmd_int3(a1);
	if (!strcmp(cmd, "tf"))
		return cmd_tf(a1);
	if (!strcmp(cmd, "vmmcall"))
		return cmd_vmmcall(a1);
	if (!strcmp(cmd, "sdt"))
		return cmd_sdt(a1);
	if (!strcmp(cmd, "pingpong"))
		return cmd_pingpong(a1, a2);
	if (!strcmp(cmd, "membuf"))
		return cmd_membuf(a1);
	fprintf(stderr, "usage: xi_guest cpuid-list|cpuid-leaf L|cpuid-bench R N|cpuid-loop S|int3 N|tf N|vmmcall N|sdt N|pingpong S [LINGER]|membuf SEED\n");
	return 2;
}
