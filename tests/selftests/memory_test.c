// SPDX-License-Identifier: GPL-2.0
/*
 * kselftest: guest memory on the simulated hypervisor. Page tables are
 * built in the simulated guest's memory with its own write instructions
 * ("access ... op=w"), and the vCPU's paging registers with MOV to CR and
 * WRMSR, so READ_MEM, WRITE_MEM and TRANSLATE see what a real guest's
 * kernel would have set up.
 */
#define _GNU_SOURCE
#include <linux/xenintro.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#include "kselftest_harness.h"
#include "xi_modules.h"
#include "xi_sim.h"

#define VCPUS	2
#define FRAMES	64
#define WAIT_MS	10000
#define PG	4096ULL
#define PTE	0x7ULL		/* present, writable, user */

/* PML4 index 1, PDPT 2, PD 3, PT 4: tables in frames 1..4, data 10, 11. */
#define GVA	((1ULL << 39) | (2ULL << 30) | (3ULL << 21) | (4ULL << 12))
#define CR3	(1 * PG)
#define EFER_LME_LMA_NXE	0xd00ULL
#define CR0_PG_PE	0x80000011ULL
#define CR4_PAE		0x20ULL

static int poke(unsigned int domid, __u64 gfn, __u64 off, __u64 val)
{
	return sim("access domid=%u vcpu=0 gfn=%llu op=w offset=%llu value=0x%llx",
		   domid, (unsigned long long)gfn, (unsigned long long)off,
		   (unsigned long long)val);
}

/* The word the guest reads at gfn:off. */
static long long peek(unsigned int domid, __u64 gfn, __u64 off)
{
	char out[512];

	if (sim_cmd(out, sizeof(out),
		    "access domid=%u vcpu=0 gfn=%llu op=r offset=%llu", domid,
		    (unsigned long long)gfn, (unsigned long long)off))
		return -1;
	return kv_num(out, "value");
}

static int build_tables(unsigned int domid)
{
	int ret = 0;

	ret |= poke(domid, 1, 1 * 8, 2 * PG | PTE);
	ret |= poke(domid, 2, 2 * 8, 3 * PG | PTE);
	ret |= poke(domid, 3, 3 * 8, 4 * PG | PTE);
	ret |= poke(domid, 4, 4 * 8, 10 * PG | PTE);
	ret |= poke(domid, 4, 5 * 8, 11 * PG | PTE);
	/* PT entry 6: not present */
	ret |= poke(domid, 10, 4088, 0x1122334455667788ULL);
	ret |= poke(domid, 11, 0, 0x99aabbccddeeff00ULL);
	return ret;
}

/* vCPU @v in long mode on those tables, as its kernel would set it. */
static int long_mode(unsigned int domid, int v)
{
	int ret = 0;

	ret |= sim("cr domid=%u vcpu=%d index=2 value=0x%llx", domid, v,
		   CR4_PAE);
	ret |= sim("msr domid=%u vcpu=%d msr=0xc0000080 value=0x%llx", domid,
		   v, EFER_LME_LMA_NXE);
	ret |= sim("cr domid=%u vcpu=%d index=1 value=0x%llx", domid, v, CR3);
	ret |= sim("cr domid=%u vcpu=%d index=0 value=0x%llx", domid, v,
		   CR0_PG_PE);
	return ret;
}

static const struct xenintro_mem_root cr3_root = {
	.kind = XENINTRO_ROOT_CR3, .cr3 = CR3, .mode = XENINTRO_PAGING_LM4,
	.flags = XENINTRO_ROOTF_NXE,
};

/* READ_MEM with one segment; returns -errno or 0, *seg filled. */
static int read1(struct xenintro *x, const struct xenintro_mem_root *root,
		 __u64 addr, bool virt, void *buf, __u32 len,
		 struct xenintro_mem_seg *seg)
{
	memset(seg, 0, sizeof(*seg));
	seg->addr = addr;
	seg->buf = (uintptr_t)buf;
	seg->len = len;
	seg->flags = virt ? XENINTRO_SEG_VIRT : 0;
	return xenintro_read_segs(x, root, seg, 1);
}

FIXTURE(mem) {
	struct xenintro x;
	unsigned int domid;
};

FIXTURE_SETUP(mem)
{
	self->x.fd = -1;
	if (access(SIM_CTL, F_OK))
		SKIP(return, NO_SIM);
	self->domid = sim_test_domid();
	ASSERT_EQ(0, sim_fresh_domain(self->domid, VCPUS, FRAMES));
	ASSERT_EQ(0, build_tables(self->domid));
	ASSERT_EQ(0, xenintro_open(&self->x, XENINTRO_FEATURE_RINGS |
				   XENINTRO_FEATURE_MEMORY, 0));
	ASSERT_EQ(0, xenintro_attach(&self->x, self->domid, NULL));
}

FIXTURE_TEARDOWN(mem)
{
	xenintro_close(&self->x);
	sim("destroy domid=%u", self->domid);
}

TEST_F(mem, physical_reads_and_bounds)
{
	struct xenintro_mem_seg seg;
	__u64 w[2];

	/* across a frame boundary: both frames */
	ASSERT_EQ(0, read1(&self->x, NULL, 10 * PG + 4088, false, w, 16, &seg));
	EXPECT_EQ(16, seg.done);
	EXPECT_EQ(XENINTRO_STOP_NONE, seg.stop);
	EXPECT_EQ(0x1122334455667788ULL, w[0]);
	EXPECT_EQ(0x99aabbccddeeff00ULL, w[1]);
	/* the guest's memory ends: partial, and where */
	ASSERT_EQ(0, read1(&self->x, NULL, FRAMES * PG - 8, false, w, 16,
			   &seg));
	EXPECT_EQ(8, seg.done);
	EXPECT_EQ(XENINTRO_STOP_OUTSIDE, seg.stop);
	EXPECT_EQ(FRAMES * PG, seg.stop_addr);
	ASSERT_EQ(0, read1(&self->x, NULL, 1ULL << 40, false, w, 8, &seg));
	EXPECT_EQ(0, seg.done);
	EXPECT_EQ(XENINTRO_STOP_OUTSIDE, seg.stop);
	/* the library's one-call form */
	EXPECT_EQ(16, xenintro_read_phys(&self->x, 10 * PG + 4088, w, 16));
}

TEST_F(mem, virtual_reads_through_a_cr3)
{
	struct xenintro_mem_seg seg;
	__u64 w[2];

	ASSERT_EQ(0, read1(&self->x, &cr3_root, GVA + 4088, true, w, 16,
			   &seg));
	EXPECT_EQ(16, seg.done);
	EXPECT_EQ(0x1122334455667788ULL, w[0]);
	EXPECT_EQ(0x99aabbccddeeff00ULL, w[1]);
	/* into the page that is not present: partial, at the boundary */
	ASSERT_EQ(0, read1(&self->x, &cr3_root, GVA + 2 * PG - 8, true, w,
			   16, &seg));
	EXPECT_EQ(8, seg.done);
	EXPECT_EQ(XENINTRO_STOP_NOT_PRESENT, seg.stop);
	EXPECT_EQ(GVA + 2 * PG, seg.stop_addr);
	/* non-canonical */
	ASSERT_EQ(0, read1(&self->x, &cr3_root, 0x0000800000000000ULL, true,
			   w, 8, &seg));
	EXPECT_EQ(0, seg.done);
	EXPECT_EQ(XENINTRO_STOP_NONCANONICAL, seg.stop);
}

TEST_F(mem, translate)
{
	struct xenintro_translate t;

	ASSERT_EQ(0, xenintro_translate(&self->x, &cr3_root, GVA + 0x123, &t));
	EXPECT_EQ(XENINTRO_STOP_NONE, t.stop);
	EXPECT_EQ(10 * PG + 0x123, t.gpa);
	EXPECT_EQ(PG, t.page_size);
	EXPECT_EQ(4, t.levels);
	EXPECT_EQ(XENINTRO_PAGING_LM4, t.mode);
	EXPECT_EQ(2 * PG | PTE, t.entries[0]);
	EXPECT_EQ(10 * PG | PTE, t.entries[3]);
	EXPECT_EQ(XENINTRO_XLAT_R | XENINTRO_XLAT_W | XENINTRO_XLAT_X |
		  XENINTRO_XLAT_U, t.rights);

	ASSERT_EQ(0, xenintro_translate(&self->x, &cr3_root, GVA + 2 * PG, &t));
	EXPECT_EQ(XENINTRO_STOP_NOT_PRESENT, t.stop);
	EXPECT_EQ(1, t.fail_level);
	EXPECT_EQ(4, t.levels);
	EXPECT_EQ(0, t.gpa);

	/* a table outside the guest: PT entry 7 points past its memory */
	ASSERT_EQ(0, poke(self->domid, 3, 4 * 8, 0x100000 * PG | PTE));
	ASSERT_EQ(0, xenintro_translate(&self->x, &cr3_root,
					GVA + (1ULL << 21), &t));
	EXPECT_EQ(XENINTRO_STOP_OUTSIDE, t.stop);
	EXPECT_EQ(1, t.fail_level);
}

/* The vCPU's own registers, and a pending event's. */
TEST_F(mem, vcpu_and_event_roots)
{
	struct xenintro_mem_root r = xenintro_root_vcpu(1);
	const struct xenintro_event *ev;
	struct vcpu_op op;
	__u64 w = 0;

	/* vCPU 1 is not in long mode yet: paging off, GVA = GPA */
	EXPECT_EQ(8, xenintro_read_virt(&self->x, &r, 10 * PG + 4088, &w, 8));
	EXPECT_EQ(0x1122334455667788ULL, w);
	ASSERT_EQ(0, long_mode(self->domid, 1));
	w = 0;
	EXPECT_EQ(8, xenintro_read_virt(&self->x, &r, GVA + 4088, &w, 8));
	EXPECT_EQ(0x1122334455667788ULL, w);

	ASSERT_EQ(0, xenintro_monitor_cpuid(&self->x, 0));
	ASSERT_EQ(0, vcpu_start(&op, "cpuid domid=%u vcpu=1 leaf=1",
				self->domid));
	ev = next_event(&self->x, WAIT_MS);
	ASSERT_NE(NULL, ev);
	r = xenintro_root_event(ev);
	w = 0;
	EXPECT_EQ(8, xenintro_read_virt(&self->x, &r, GVA + 4088, &w, 8));
	EXPECT_EQ(0x1122334455667788ULL, w);
	/* a wrong seq, or another vCPU: not pending */
	r.seq++;
	EXPECT_EQ(-ENOENT, xenintro_read_virt(&self->x, &r, GVA, &w, 8));
	r = xenintro_root_event(ev);
	r.vcpu = 0;
	EXPECT_EQ(-ENOENT, xenintro_read_virt(&self->x, &r, GVA, &w, 8));
	r = xenintro_root_event(ev);
	ASSERT_LE(0, answer(&self->x, ev, XENINTRO_VERDICT_CONTINUE));
	ASSERT_EQ(0, vcpu_join_ms(&op, WAIT_MS));
	/* answered: no longer an event's registers to use */
	EXPECT_EQ(-ENOENT, xenintro_read_virt(&self->x, &r, GVA, &w, 8));
}

/* 64 segments, one per frame, in one call. */
TEST_F(mem, batch)
{
	struct xenintro_mem_seg segs[FRAMES];
	static __u8 buf[FRAMES][PG];
	unsigned int i;

	memset(segs, 0, sizeof(segs));
	for (i = 0; i < FRAMES; i++) {
		segs[i].addr = i * PG;
		segs[i].buf = (uintptr_t)buf[i];
		segs[i].len = PG;
	}
	ASSERT_EQ(0, xenintro_read_segs(&self->x, NULL, segs, FRAMES));
	for (i = 0; i < FRAMES; i++)
		EXPECT_EQ(PG, segs[i].done);
	EXPECT_EQ(0x1122334455667788ULL, *(__u64 *)&buf[10][4088]);
	EXPECT_EQ(10 * PG | PTE, *(__u64 *)&buf[4][4 * 8]);
}

/* A raw READ_MEM; -errno or 0. */
static int mem_call(struct xenintro *x, struct xenintro_mem *m, __u32 nr,
		    struct xenintro_mem_seg *segs,
		    const struct xenintro_mem_root *root)
{
	memset(m, 0, sizeof(*m));
	m->size = sizeof(*m);
	m->nr_segs = nr;
	m->seg_size = sizeof(*segs);
	m->segs = (uintptr_t)segs;
	if (root)
		m->root = *root;
	return ioctl(xenintro_fd(x), XENINTRO_IOC_READ_MEM, m) ? -errno : 0;
}

/* Every malformed call gets a clear error and transfers nothing. */
TEST_F(mem, bad_arguments)
{
	struct xenintro_mem_seg seg, segs[XENINTRO_MEM_SEGS_MAX + 1];
	struct xenintro_mem m;
	__u64 w = 0x5a5a;
	struct xenintro_mem_root r;

#define MEMCALL(nr_, segp_, root_) mem_call(&self->x, &m, nr_, segp_, root_)
	memset(&seg, 0, sizeof(seg));
	seg.buf = (uintptr_t)&w;
	seg.len = 0;
	EXPECT_EQ(-EINVAL, MEMCALL(1, &seg, NULL));
	seg.len = XENINTRO_MEM_SEG_MAX + 1;
	EXPECT_EQ(-EINVAL, MEMCALL(1, &seg, NULL));
	seg.len = 8;
	seg.addr = ~0ULL - 3;	/* wraps */
	EXPECT_EQ(-EINVAL, MEMCALL(1, &seg, NULL));
	seg.addr = 0;
	seg.flags = 1U << 7;
	EXPECT_EQ(-EINVAL, MEMCALL(1, &seg, NULL));
	seg.flags = 0;
	seg.reserved = 1;
	EXPECT_EQ(-EINVAL, MEMCALL(1, &seg, NULL));
	seg.reserved = 0;
	seg.buf = 0;
	EXPECT_EQ(-EINVAL, MEMCALL(1, &seg, NULL));
	seg.buf = (uintptr_t)&w;
	EXPECT_EQ(-EINVAL, MEMCALL(0, &seg, NULL));
	memset(segs, 0, sizeof(segs));
	EXPECT_EQ(-EINVAL, MEMCALL(XENINTRO_MEM_SEGS_MAX + 1, segs, NULL));
	/* the root: unknown kind, a vCPU the domain lacks, an unknown mode */
	seg.flags = XENINTRO_SEG_VIRT;
	r = cr3_root;
	r.kind = 7;
	EXPECT_EQ(-EINVAL, MEMCALL(1, &seg, &r));
	r = xenintro_root_vcpu(VCPUS);
	EXPECT_EQ(-EINVAL, MEMCALL(1, &seg, &r));
	r = cr3_root;
	r.mode = 9;
	EXPECT_EQ(-EINVAL, MEMCALL(1, &seg, &r));
	r = cr3_root;
	r.flags = 1U << 9;
	EXPECT_EQ(-EINVAL, MEMCALL(1, &seg, &r));
	/* none of that wrote a byte */
	EXPECT_EQ(0x5a5a, w);
	/* a user buffer that is not mapped: the segment says so */
	seg.flags = 0;
	seg.addr = 10 * PG;
	seg.buf = 8;	/* the zero page */
	EXPECT_EQ(0, MEMCALL(1, &seg, NULL));
	EXPECT_EQ(0, seg.done);
	EXPECT_EQ(XENINTRO_STOP_USER_FAULT, seg.stop);
	/* writing needs the write feature */
	EXPECT_EQ(-EOPNOTSUPP, xenintro_write_phys(&self->x, 0, &w, 8));
#undef MEMCALL
}

/*
 * Writes: refused while the module was not loaded with
 * allow_guest_writes=1; with it, a session that asked may write, the
 * bytes land in the guest, and STATS counts them.
 */
TEST(writes_need_the_module_parameter)
{
	const char *dir = getenv("XENINTRO_KO_DIR");
	unsigned int domid = sim_test_domid();
	struct xenintro_mem_root r = cr3_root;
	struct xenintro_stats st;
	struct xenintro x;
	__u64 w = 0xfeedfacecafebeefULL;

	if (access(SIM_CTL, F_OK))
		SKIP(return, NO_SIM);
	if (!dir)
		SKIP(return, "XENINTRO_KO_DIR not set: cannot reload the module");
	/* as loaded by the harness: no writes */
	EXPECT_EQ(-EPERM, xenintro_open(&x, XENINTRO_FEATURE_RINGS |
					XENINTRO_FEATURE_MEM_WRITE, 0));

	sim("destroy domid=%u", domid);
	ASSERT_EQ(0, reload_core(dir, "allow_guest_writes=1"));
	ASSERT_EQ(0, sim_fresh_domain(domid, VCPUS, FRAMES));
	ASSERT_EQ(0, build_tables(domid));
	ASSERT_EQ(0, xenintro_open(&x, XENINTRO_FEATURE_RINGS |
				   XENINTRO_FEATURE_MEMORY |
				   XENINTRO_FEATURE_MEM_WRITE, 0));
	ASSERT_EQ(0, xenintro_attach(&x, domid, NULL));
	EXPECT_EQ(8, xenintro_write_phys(&x, 12 * PG + 16, &w, 8));
	EXPECT_EQ((long long)w, peek(domid, 12, 16));
	/* virtual, across the boundary of two mapped pages */
	EXPECT_EQ(16, xenintro_write_virt(&x, &r, GVA + 4088,
					  (__u64[]){ 1, 2 }, 16));
	EXPECT_EQ(1, peek(domid, 10, 4088));
	EXPECT_EQ(2, peek(domid, 11, 0));
	memset(&st, 0, sizeof(st));
	ASSERT_EQ(0, xenintro_get_stats(&x, &st));
	EXPECT_EQ(24, st.mem_writes);
	xenintro_close(&x);
	sim("destroy domid=%u", domid);
	ASSERT_EQ(0, reload_core(dir, ""));
}

TEST_HARNESS_MAIN
