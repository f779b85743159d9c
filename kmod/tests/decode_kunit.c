// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: decoding vm_event requests, one case per reason, and the
 * malformed ones (bad version, vCPU beyond the domain, unknown reason,
 * impossible fields).
 */
#include <kunit/test.h>
#include <linux/string.h>

#include "../xenintro.h"

#define MAX_VCPUS 4

static void fill_regs(struct xve_regs_x86 *x)
{
	x->rax = 0x1111;
	x->rcx = 0x2222;
	x->rdx = 0x3333;
	x->rbx = 0x4444;
	x->r15 = 0xf15;
	x->rip = 0xffffffff81000000ULL;
	x->rflags = 0x246;
	x->cr0 = 0x80050033;
	x->cr3 = 0x1234000;
	x->cr4 = 0x3706f0;
	x->msr_lstar = 0xffffffff81a00000ULL;
	x->cs_base = 0;
	/* limit 0xfffff, access rights 0xa9b (64-bit code) */
	x->cs = 0xfffff | (0xa9bU << XVE_SEG_AR_SHIFT);
	x->cs_sel = 0x10;
	x->fs_base = 0x7f0000001000ULL;
	x->gdtr_limit = 0x7f;
}

static void base_request(struct xve_event *req, u32 reason)
{
	memset(req, 0, sizeof(*req));
	req->version = XVE_INTERFACE_VERSION;
	req->flags = XVE_FLAG_VCPU_PAUSED;
	req->reason = reason;
	req->vcpu_id = 2;
	fill_regs(&req->data.x86);
}

static void check_common(struct kunit *test, const struct xenintro_event *ev,
			 u32 reason)
{
	KUNIT_EXPECT_EQ(test, ev->reason, reason);
	KUNIT_EXPECT_EQ(test, ev->vcpu, 2U);
	KUNIT_EXPECT_EQ(test, ev->flags & XENINTRO_EF_SYNC,
			(u32)XENINTRO_EF_SYNC);
	KUNIT_EXPECT_EQ(test, ev->rule, ~0U);
	KUNIT_EXPECT_EQ(test, ev->regs.rax, 0x1111ULL);
	KUNIT_EXPECT_EQ(test, ev->regs.rcx, 0x2222ULL);
	KUNIT_EXPECT_EQ(test, ev->regs.r15, 0xf15ULL);
	KUNIT_EXPECT_EQ(test, ev->regs.rip, 0xffffffff81000000ULL);
	KUNIT_EXPECT_EQ(test, ev->regs.cr3, 0x1234000ULL);
	KUNIT_EXPECT_EQ(test, ev->regs.msr_lstar, 0xffffffff81a00000ULL);
	KUNIT_EXPECT_EQ(test, ev->regs.cs.limit, 0xfffffU);
	KUNIT_EXPECT_EQ(test, ev->regs.cs.ar, (u16)0xa9b);
	KUNIT_EXPECT_EQ(test, ev->regs.cs.selector, (u16)0x10);
	KUNIT_EXPECT_EQ(test, ev->regs.fs.base, 0x7f0000001000ULL);
	KUNIT_EXPECT_EQ(test, ev->regs.gdtr_limit, 0x7fULL);
}

/* Each reason: how to fill the request, and what the event must hold. */
struct decode_case {
	const char *name;
	u32 reason;
	void (*fill)(struct xve_event *req);
	void (*check)(struct kunit *test, const struct xenintro_event *ev);
};

static void fill_mem_access(struct xve_event *r)
{
	r->u.mem_access.gfn = 0xabcde;
	r->u.mem_access.offset = 0x123;
	r->u.mem_access.gla = 0xffff888000123123ULL;
	r->u.mem_access.flags = XVE_MEM_ACCESS_W | XVE_MEM_ACCESS_GLA_VALID |
				XVE_MEM_ACCESS_FAULT_WITH_GLA;
}

static void check_mem_access(struct kunit *test, const struct xenintro_event *e)
{
	KUNIT_EXPECT_EQ(test, e->u.mem_access.gfn, 0xabcdeULL);
	KUNIT_EXPECT_EQ(test, e->u.mem_access.offset, 0x123ULL);
	KUNIT_EXPECT_EQ(test, e->u.mem_access.gla, 0xffff888000123123ULL);
	KUNIT_EXPECT_EQ(test, e->u.mem_access.access, (u32)XENINTRO_ACCESS_W);
	KUNIT_EXPECT_EQ(test, e->u.mem_access.flags,
			(u32)(XENINTRO_MA_GLA_VALID |
			      XENINTRO_MA_FAULT_WITH_GLA));
}

static void fill_ctrlreg(struct xve_event *r)
{
	r->u.write_ctrlreg.index = XVE_X86_CR4;
	r->u.write_ctrlreg.new_value = 0x3706f0;
	r->u.write_ctrlreg.old_value = 0x3006f0;
}

static void check_ctrlreg(struct kunit *test, const struct xenintro_event *e)
{
	KUNIT_EXPECT_EQ(test, e->u.ctrlreg.index, (u32)XENINTRO_CR4);
	KUNIT_EXPECT_EQ(test, e->u.ctrlreg.new_value, 0x3706f0ULL);
	KUNIT_EXPECT_EQ(test, e->u.ctrlreg.old_value, 0x3006f0ULL);
}

static void fill_msr(struct xve_event *r)
{
	r->u.mov_to_msr.msr = 0xc0000082;
	r->u.mov_to_msr.new_value = 0xdead;
	r->u.mov_to_msr.old_value = 0xbeef;
}

static void check_msr(struct kunit *test, const struct xenintro_event *e)
{
	KUNIT_EXPECT_EQ(test, e->u.msr.msr, 0xc0000082ULL);
	KUNIT_EXPECT_EQ(test, e->u.msr.new_value, 0xdeadULL);
	KUNIT_EXPECT_EQ(test, e->u.msr.old_value, 0xbeefULL);
}

static void fill_debug(struct xve_event *r)
{
	r->u.software_breakpoint.gfn = 0x777;
	r->u.software_breakpoint.pending_dbg = 0x4000;
	r->u.software_breakpoint.insn_length = 1;
	r->u.software_breakpoint.type = 6;
}

static void check_debug(struct kunit *test, const struct xenintro_event *e)
{
	KUNIT_EXPECT_EQ(test, e->u.debug.gfn, 0x777ULL);
	KUNIT_EXPECT_EQ(test, e->u.debug.pending_dbg, 0x4000ULL);
	KUNIT_EXPECT_EQ(test, e->u.debug.insn_length, 1U);
	KUNIT_EXPECT_EQ(test, e->u.debug.type, (u8)6);
}

static void fill_singlestep(struct xve_event *r)
{
	r->u.singlestep.gfn = 0x99;
}

static void check_singlestep(struct kunit *test, const struct xenintro_event *e)
{
	KUNIT_EXPECT_EQ(test, e->u.singlestep.gfn, 0x99ULL);
}

static void fill_nothing(struct xve_event *r)
{
}

static void check_nothing(struct kunit *test, const struct xenintro_event *e)
{
	KUNIT_EXPECT_EQ(test, e->u.raw[0], 0ULL);
}

static void fill_cpuid(struct xve_event *r)
{
	r->u.cpuid.insn_length = 2;
	r->u.cpuid.leaf = 0x40000000;
	r->u.cpuid.subleaf = 1;
}

static void check_cpuid(struct kunit *test, const struct xenintro_event *e)
{
	KUNIT_EXPECT_EQ(test, e->u.cpuid.leaf, 0x40000000U);
	KUNIT_EXPECT_EQ(test, e->u.cpuid.subleaf, 1U);
	KUNIT_EXPECT_EQ(test, e->u.cpuid.insn_length, 2U);
}

static void fill_interrupt(struct xve_event *r)
{
	r->u.interrupt.vector = 14;
	r->u.interrupt.type = 3;
	r->u.interrupt.error_code = 2;
	r->u.interrupt.cr2 = 0x4000;
}

static void check_interrupt(struct kunit *test, const struct xenintro_event *e)
{
	KUNIT_EXPECT_EQ(test, e->u.interrupt.vector, 14U);
	KUNIT_EXPECT_EQ(test, e->u.interrupt.type, 3U);
	KUNIT_EXPECT_EQ(test, e->u.interrupt.error_code, 2U);
	KUNIT_EXPECT_EQ(test, e->u.interrupt.cr2, 0x4000ULL);
}

static void fill_desc(struct xve_event *r)
{
	r->u.desc_access.instr_info = 0x55;
	r->u.desc_access.exit_qualification = 0x66;
	r->u.desc_access.descriptor = XENINTRO_DESC_GDTR;
	r->u.desc_access.is_write = 1;
}

static void check_desc(struct kunit *test, const struct xenintro_event *e)
{
	KUNIT_EXPECT_EQ(test, e->u.desc_access.instr_info, 0x55U);
	KUNIT_EXPECT_EQ(test, e->u.desc_access.exit_qualification, 0x66ULL);
	KUNIT_EXPECT_EQ(test, e->u.desc_access.descriptor,
			(u8)XENINTRO_DESC_GDTR);
	KUNIT_EXPECT_EQ(test, e->u.desc_access.is_write, (u8)1);
}

static void fill_vmexit(struct xve_event *r)
{
	r->u.vmexit.reason = 10;
	r->u.vmexit.qualification = 0x1234;
}

static void check_vmexit(struct kunit *test, const struct xenintro_event *e)
{
	KUNIT_EXPECT_EQ(test, e->u.vmexit.reason, 10ULL);
	KUNIT_EXPECT_EQ(test, e->u.vmexit.qualification, 0x1234ULL);
}

static const struct decode_case decode_cases[] = {
	{ "mem_access", XVE_REASON_MEM_ACCESS, fill_mem_access,
	  check_mem_access },
	{ "write_ctrlreg", XVE_REASON_WRITE_CTRLREG, fill_ctrlreg,
	  check_ctrlreg },
	{ "mov_to_msr", XVE_REASON_MOV_TO_MSR, fill_msr, check_msr },
	{ "software_breakpoint", XVE_REASON_SOFTWARE_BREAKPOINT, fill_debug,
	  check_debug },
	{ "singlestep", XVE_REASON_SINGLESTEP, fill_singlestep,
	  check_singlestep },
	{ "guest_request", XVE_REASON_GUEST_REQUEST, fill_nothing,
	  check_nothing },
	{ "debug_exception", XVE_REASON_DEBUG_EXCEPTION, fill_debug,
	  check_debug },
	{ "cpuid", XVE_REASON_CPUID, fill_cpuid, check_cpuid },
	{ "interrupt", XVE_REASON_INTERRUPT, fill_interrupt, check_interrupt },
	{ "descriptor_access", XVE_REASON_DESCRIPTOR_ACCESS, fill_desc,
	  check_desc },
	{ "emul_unimplemented", XVE_REASON_EMUL_UNIMPLEMENTED, fill_nothing,
	  check_nothing },
	{ "vmexit", XVE_REASON_VMEXIT, fill_vmexit, check_vmexit },
};

static void decode_case_desc(const struct decode_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(decode, decode_cases, decode_case_desc);

static void decode_each_reason(struct kunit *test)
{
	const struct decode_case *c = test->param_value;
	struct xenintro_event *ev = kunit_kzalloc(test, sizeof(*ev), GFP_KERNEL);
	struct xve_event *req = kunit_kzalloc(test, sizeof(*req), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, ev);
	KUNIT_ASSERT_NOT_NULL(test, req);
	base_request(req, c->reason);
	c->fill(req);
	memset(ev, 0xa5, sizeof(*ev));
	KUNIT_ASSERT_EQ(test, xenintro_decode(req, MAX_VCPUS, ev), 0);
	check_common(test, ev, c->reason);
	c->check(test, ev);
	/* The uAPI reason numbers are Xen's. */
	KUNIT_EXPECT_EQ(test, ev->reason, req->reason);
	/* Nothing of the 0xa5 poison survives in reserved space. */
	KUNIT_EXPECT_FALSE(test, memchr_inv(ev->reserved1, 0,
					    sizeof(ev->reserved1)));
}

struct malformed_case {
	const char *name;
	u32 version;
	u32 vcpu;
	u32 reason;
	void (*fill)(struct xve_event *req);
	int expect;
};

static void fill_bad_cr_index(struct xve_event *r)
{
	r->u.write_ctrlreg.index = 4;
}

static void fill_bad_descriptor(struct xve_event *r)
{
	r->u.desc_access.descriptor = 9;
}

static const struct malformed_case malformed_cases[] = {
	{ "version 0", 0, 0, XVE_REASON_CPUID, fill_cpuid, -EPROTO },
	{ "version 6", 6, 0, XVE_REASON_CPUID, fill_cpuid, -EPROTO },
	{ "version 8", 8, 0, XVE_REASON_CPUID, fill_cpuid, -EPROTO },
	{ "vcpu == max", 7, MAX_VCPUS, XVE_REASON_CPUID, fill_cpuid, -ERANGE },
	{ "vcpu ~0", 7, ~0U, XVE_REASON_CPUID, fill_cpuid, -ERANGE },
	{ "reason unknown (0)", 7, 0, XVE_REASON_UNKNOWN, fill_nothing,
	  -EBADMSG },
	{ "reason mem_sharing", 7, 0, XVE_REASON_MEM_SHARING, fill_nothing,
	  -EBADMSG },
	{ "reason mem_paging", 7, 0, XVE_REASON_MEM_PAGING, fill_nothing,
	  -EBADMSG },
	{ "reason privileged_call (ARM)", 7, 0, XVE_REASON_PRIVILEGED_CALL,
	  fill_nothing, -EBADMSG },
	{ "reason 16 (newer Xen)", 7, 0, 16, fill_nothing, -EBADMSG },
	{ "reason ~0", 7, 0, ~0U, fill_nothing, -EBADMSG },
	{ "ctrlreg index 4", 7, 0, XVE_REASON_WRITE_CTRLREG,
	  fill_bad_cr_index, -EBADMSG },
	{ "descriptor 9", 7, 0, XVE_REASON_DESCRIPTOR_ACCESS,
	  fill_bad_descriptor, -EBADMSG },
};

static void malformed_case_desc(const struct malformed_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(malformed, malformed_cases, malformed_case_desc);

static void decode_malformed(struct kunit *test)
{
	const struct malformed_case *c = test->param_value;
	struct xenintro_event *ev = kunit_kzalloc(test, sizeof(*ev), GFP_KERNEL);
	struct xve_event *req = kunit_kzalloc(test, sizeof(*req), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, ev);
	KUNIT_ASSERT_NOT_NULL(test, req);
	base_request(req, c->reason);
	req->version = c->version;
	req->vcpu_id = c->vcpu;
	c->fill(req);
	KUNIT_EXPECT_EQ(test, xenintro_decode(req, MAX_VCPUS, ev), c->expect);
}

/* Flags: async events have no SYNC; foreign, altp2m and nested map. */
static void decode_flags(struct kunit *test)
{
	struct xenintro_event *ev = kunit_kzalloc(test, sizeof(*ev), GFP_KERNEL);
	struct xve_event *req = kunit_kzalloc(test, sizeof(*req), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, ev);
	KUNIT_ASSERT_NOT_NULL(test, req);
	base_request(req, XVE_REASON_WRITE_CTRLREG);
	req->flags = XVE_FLAG_FOREIGN | XVE_FLAG_ALTERNATE_P2M |
		     XVE_FLAG_NESTED_P2M;
	req->altp2m_idx = 3;
	KUNIT_ASSERT_EQ(test, xenintro_decode(req, MAX_VCPUS, ev), 0);
	KUNIT_EXPECT_EQ(test, ev->flags, (u32)(XENINTRO_EF_FOREIGN |
					       XENINTRO_EF_ALTP2M |
					       XENINTRO_EF_NESTED));
	KUNIT_EXPECT_EQ(test, ev->altp2m_idx, (u16)3);
}

/*
 * Records as a hostile or broken producer could write them: random bytes,
 * and valid records with random bytes, fields and bits changed. Each is
 * decoded or refused with an error, never read past, never half-written
 * into: an accepted record names a known reason and a vCPU in range. The
 * count is printed; `make soak` runs the simulator's storms for volume.
 */
#define FUZZ_RECORDS	200000

static u64 fuzz_rng = 0x9e3779b97f4a7c15ULL;

static u64 fuzz_next(void)
{
	fuzz_rng ^= fuzz_rng >> 12;
	fuzz_rng ^= fuzz_rng << 25;
	fuzz_rng ^= fuzz_rng >> 27;
	return fuzz_rng * 0x2545f4914f6cdd1dULL;
}

static void decode_fuzzed_records(struct kunit *test)
{
	struct xenintro_event *ev = kunit_kzalloc(test, sizeof(*ev), GFP_KERNEL);
	struct xve_event *req = kunit_kzalloc(test, sizeof(*req), GFP_KERNEL);
	unsigned int i, j, accepted = 0, refused = 0, bad = 0;
	u8 *b = (u8 *)req;
	u64 *w = (u64 *)req;
	int ret;

	KUNIT_ASSERT_NOT_NULL(test, ev);
	KUNIT_ASSERT_NOT_NULL(test, req);
	for (i = 0; i < FUZZ_RECORDS; i++) {
		if (i % 4 == 0) {
			for (j = 0; j < sizeof(*req) / 8; j++)
				w[j] = fuzz_next();
		} else {
			base_request(req, (u32)(fuzz_next() % 20));
			for (j = 0; j < 1 + fuzz_next() % 8; j++)
				b[fuzz_next() % sizeof(*req)] = (u8)fuzz_next();
			if (i % 4 == 1)
				req->version = XVE_INTERFACE_VERSION;
		}
		ret = xenintro_decode(req, MAX_VCPUS, ev);
		if (!ret) {
			accepted++;
			if (ev->vcpu >= MAX_VCPUS || ev->reason != req->reason)
				bad++;
		} else {
			refused++;
			if (ret != -EPROTO && ret != -ERANGE && ret != -EBADMSG)
				bad++;
		}
		if (!(i % 4096))
			cond_resched();
	}
	KUNIT_EXPECT_EQ(test, bad, 0U);
	KUNIT_EXPECT_EQ(test, accepted + refused, (unsigned int)FUZZ_RECORDS);
	KUNIT_EXPECT_GT(test, accepted, 0U);
	KUNIT_EXPECT_GT(test, refused, 0U);
	kunit_info(test, "%u records: %u decoded, %u refused\n", FUZZ_RECORDS,
		   accepted, refused);
}

static struct kunit_case decode_test_cases[] = {
	KUNIT_CASE_PARAM(decode_each_reason, decode_gen_params),
	KUNIT_CASE_PARAM(decode_malformed, malformed_gen_params),
	KUNIT_CASE(decode_flags),
	KUNIT_CASE(decode_fuzzed_records),
	{}
};

static struct kunit_suite decode_test_suite = {
	.name = "xenintro_decode",
	.test_cases = decode_test_cases,
};

kunit_test_suites(&decode_test_suite);
