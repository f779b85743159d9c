// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: building the vm_event response for every verdict, and refusing
 * the verdicts that make no sense for an event.
 */
#include <kunit/test.h>
#include <linux/string.h>

#include "../xenintro.h"

#define PAUSED XVE_FLAG_VCPU_PAUSED

struct response_case {
	const char *name;
	u32 reason;
	u32 verdict;
	u32 vflags;
	bool singlestep_on;
	int check;		/* xenintro_answer_check() result */
	u32 rsp_flags;		/* expected response flags when valid */
	bool inject;
	u8 vector;
};

static const struct response_case response_cases[] = {
	{ "continue mem_access", XVE_REASON_MEM_ACCESS,
	  XENINTRO_VERDICT_CONTINUE, 0, false, 0, PAUSED },
	{ "continue cpuid completes it", XVE_REASON_CPUID,
	  XENINTRO_VERDICT_CONTINUE, 0, false, 0,
	  PAUSED | XVE_FLAG_SET_REGISTERS },
	{ "continue int3 re-injects", XVE_REASON_SOFTWARE_BREAKPOINT,
	  XENINTRO_VERDICT_CONTINUE, 0, false, 0, PAUSED, true, 3 },
	{ "continue debug re-injects", XVE_REASON_DEBUG_EXCEPTION,
	  XENINTRO_VERDICT_CONTINUE, 0, false, 0, PAUSED, true, 1 },
	{ "deny cr", XVE_REASON_WRITE_CTRLREG, XENINTRO_VERDICT_DENY, 0,
	  false, 0, PAUSED | XVE_FLAG_DENY },
	{ "deny msr", XVE_REASON_MOV_TO_MSR, XENINTRO_VERDICT_DENY, 0, false,
	  0, PAUSED | XVE_FLAG_DENY },
	{ "deny page write", XVE_REASON_MEM_ACCESS, XENINTRO_VERDICT_DENY, 0,
	  false, 0, PAUSED | XVE_FLAG_EMULATE | XVE_FLAG_EMULATE_NOWRITE },
	{ "deny cpuid refused", XVE_REASON_CPUID, XENINTRO_VERDICT_DENY, 0,
	  false, -EINVAL },
	{ "emulate mem_access", XVE_REASON_MEM_ACCESS,
	  XENINTRO_VERDICT_EMULATE, 0, false, 0, PAUSED | XVE_FLAG_EMULATE },
	{ "continue desc emulates", XVE_REASON_DESCRIPTOR_ACCESS,
	  XENINTRO_VERDICT_CONTINUE, 0, false, 0, PAUSED | XVE_FLAG_EMULATE },
	{ "emulate desc", XVE_REASON_DESCRIPTOR_ACCESS,
	  XENINTRO_VERDICT_EMULATE, 0, false, 0, PAUSED | XVE_FLAG_EMULATE },
	{ "emulate cr refused", XVE_REASON_WRITE_CTRLREG,
	  XENINTRO_VERDICT_EMULATE, 0, false, -EINVAL },
	{ "emulate_nowrite", XVE_REASON_MEM_ACCESS,
	  XENINTRO_VERDICT_EMULATE_NOWRITE, 0, false, 0,
	  PAUSED | XVE_FLAG_EMULATE | XVE_FLAG_EMULATE_NOWRITE },
	{ "emulate_read_data", XVE_REASON_MEM_ACCESS,
	  XENINTRO_VERDICT_EMULATE_READ_DATA, 0, false, 0,
	  PAUSED | XVE_FLAG_EMULATE | XVE_FLAG_SET_EMUL_READ_DATA },
	{ "emulate_read_data msr refused", XVE_REASON_MOV_TO_MSR,
	  XENINTRO_VERDICT_EMULATE_READ_DATA, 0, false, -EINVAL },
	{ "set_registers cpuid", XVE_REASON_CPUID,
	  XENINTRO_VERDICT_SET_REGISTERS, 0, false, 0,
	  PAUSED | XVE_FLAG_SET_REGISTERS },
	{ "set_registers int3 (skip)", XVE_REASON_SOFTWARE_BREAKPOINT,
	  XENINTRO_VERDICT_SET_REGISTERS, 0, false, 0,
	  PAUSED | XVE_FLAG_SET_REGISTERS },
	{ "reinject int3", XVE_REASON_SOFTWARE_BREAKPOINT,
	  XENINTRO_VERDICT_REINJECT, 0, false, 0, PAUSED, true, 3 },
	{ "reinject cpuid refused", XVE_REASON_CPUID,
	  XENINTRO_VERDICT_REINJECT, 0, false, -EINVAL },
	{ "forward refused in a verdict", XVE_REASON_CPUID,
	  XENINTRO_VERDICT_FORWARD, 0, false, -EINVAL },
	{ "verdict 99 refused", XVE_REASON_CPUID, 99, 0, false, -EINVAL },
	{ "singlestep on toggles", XVE_REASON_MEM_ACCESS,
	  XENINTRO_VERDICT_EMULATE, XENINTRO_VFLAG_SINGLESTEP_ON, false, 0,
	  PAUSED | XVE_FLAG_EMULATE | XVE_FLAG_TOGGLE_SINGLESTEP },
	{ "singlestep on when on: no toggle", XVE_REASON_SINGLESTEP,
	  XENINTRO_VERDICT_CONTINUE, XENINTRO_VFLAG_SINGLESTEP_ON, true, 0,
	  PAUSED },
	{ "singlestep off toggles", XVE_REASON_SINGLESTEP,
	  XENINTRO_VERDICT_CONTINUE, XENINTRO_VFLAG_SINGLESTEP_OFF, true, 0,
	  PAUSED | XVE_FLAG_TOGGLE_SINGLESTEP },
	{ "singlestep on+off refused", XVE_REASON_SINGLESTEP,
	  XENINTRO_VERDICT_CONTINUE,
	  XENINTRO_VFLAG_SINGLESTEP_ON | XENINTRO_VFLAG_SINGLESTEP_OFF, false,
	  -EINVAL },
	{ "altp2m switch", XVE_REASON_MEM_ACCESS, XENINTRO_VERDICT_CONTINUE,
	  XENINTRO_VFLAG_ALTP2M, false, 0, PAUSED | XVE_FLAG_ALTERNATE_P2M },
	{ "unknown verdict flag refused", XVE_REASON_MEM_ACCESS,
	  XENINTRO_VERDICT_CONTINUE, 1U << 8, false, -EINVAL },
};

static void response_case_desc(const struct response_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(response, response_cases, response_case_desc);

static void make_request(struct xve_event *req, u32 reason)
{
	memset(req, 0, sizeof(*req));
	req->version = XVE_INTERFACE_VERSION;
	req->flags = XVE_FLAG_VCPU_PAUSED | XVE_FLAG_FOREIGN;
	req->reason = reason;
	req->vcpu_id = 1;
	req->altp2m_idx = 0;
	req->data.x86.rax = 0xa;
	req->data.x86.rbx = 0xb;
	req->data.x86.rip = 0x1000;
	req->data.x86.cr3 = 0xc3000;
	if (reason == XVE_REASON_CPUID)
		req->u.cpuid.insn_length = 2;
	if (reason == XVE_REASON_SOFTWARE_BREAKPOINT ||
	    reason == XVE_REASON_DEBUG_EXCEPTION) {
		req->u.software_breakpoint.insn_length = 1;
		req->u.software_breakpoint.type = 6;
		req->u.software_breakpoint.pending_dbg = 0x4001;
	}
	if (reason == XVE_REASON_MEM_ACCESS) {
		req->u.mem_access.gfn = 0x55;
		req->u.mem_access.flags = XVE_MEM_ACCESS_W;
	}
}

static void response_each_verdict(struct kunit *test)
{
	const struct response_case *c = test->param_value;
	struct xenintro_verdict *v = kunit_kzalloc(test, sizeof(*v), GFP_KERNEL);
	struct xve_event *req = kunit_kzalloc(test, sizeof(*req), GFP_KERNEL);
	struct xve_event *rsp = kunit_kzalloc(test, sizeof(*rsp), GFP_KERNEL);
	struct xenintro_answer ans = {
		.verdict = c->verdict,
		.flags = c->vflags,
		.altp2m_idx = 4,
	};
	struct xenintro_inject inj;
	bool inject;

	KUNIT_ASSERT_NOT_NULL(test, v);
	KUNIT_ASSERT_NOT_NULL(test, req);
	KUNIT_ASSERT_NOT_NULL(test, rsp);
	make_request(req, c->reason);
	v->u.regs.rax = 0x4000;
	v->u.regs.rip = 0x2000;
	ans.verdict_rec = v;
	if (c->verdict == XENINTRO_VERDICT_EMULATE_READ_DATA) {
		v->u.emul_read.size = 4;
		v->u.emul_read.pad = 0;
		memcpy(v->u.emul_read.data, "\x11\x22\x33\x44", 4);
	}

	KUNIT_EXPECT_EQ(test,
			xenintro_answer_check(req, &ans,
					      XENINTRO_SUPPORTED_FEATURES),
			c->check);
	if (c->check)
		return;

	xenintro_build_response(req, &ans, c->singlestep_on, rsp, &inj,
				&inject);
	KUNIT_EXPECT_EQ(test, rsp->version, (u32)XVE_INTERFACE_VERSION);
	KUNIT_EXPECT_EQ(test, rsp->vcpu_id, 1U);
	KUNIT_EXPECT_EQ(test, rsp->reason, c->reason);
	/* Only VCPU_PAUSED is echoed, never FOREIGN or unknown bits. */
	KUNIT_EXPECT_EQ(test, rsp->flags, c->rsp_flags);
	KUNIT_EXPECT_EQ(test, inject, c->inject);
	if (c->inject) {
		KUNIT_EXPECT_EQ(test, inj.vcpu, 1U);
		KUNIT_EXPECT_EQ(test, inj.vector, c->vector);
		KUNIT_EXPECT_EQ(test, inj.type, (u8)6);
		KUNIT_EXPECT_EQ(test, inj.insn_length, (u8)1);
	}
	/* EMULATE needs the request's gfn and access echoed. */
	KUNIT_EXPECT_EQ(test, memcmp(&rsp->u, &req->u, sizeof(req->u)), 0);

	if (c->verdict == XENINTRO_VERDICT_SET_REGISTERS) {
		KUNIT_EXPECT_EQ(test, rsp->data.x86.rax, 0x4000ULL);
		KUNIT_EXPECT_EQ(test, rsp->data.x86.rip, 0x2000ULL);
		/* registers SET_REGISTERS does not load stay as reported */
		KUNIT_EXPECT_EQ(test, rsp->data.x86.cr3, 0xc3000ULL);
	}
	if (c->verdict == XENINTRO_VERDICT_CONTINUE &&
	    c->reason == XVE_REASON_CPUID) {
		/* Xen's result kept, RIP past the instruction */
		KUNIT_EXPECT_EQ(test, rsp->data.x86.rax, 0xaULL);
		KUNIT_EXPECT_EQ(test, rsp->data.x86.rbx, 0xbULL);
		KUNIT_EXPECT_EQ(test, rsp->data.x86.rip, 0x1002ULL);
	}
	if (c->verdict == XENINTRO_VERDICT_EMULATE_READ_DATA) {
		KUNIT_EXPECT_EQ(test, rsp->data.emul_read.size, 4U);
		KUNIT_EXPECT_EQ(test, memcmp(rsp->data.emul_read.data,
					     "\x11\x22\x33\x44", 4), 0);
	}
	if (c->vflags & XENINTRO_VFLAG_ALTP2M)
		KUNIT_EXPECT_EQ(test, rsp->altp2m_idx, (u16)4);
}

/* Async requests: the response carries no VCPU_PAUSED, so Xen ignores it. */
static void response_async_has_no_pause_flag(struct kunit *test)
{
	struct xve_event *req = kunit_kzalloc(test, sizeof(*req), GFP_KERNEL);
	struct xve_event *rsp = kunit_kzalloc(test, sizeof(*rsp), GFP_KERNEL);
	struct xenintro_answer ans = { .verdict = XENINTRO_VERDICT_DENY };
	struct xenintro_inject inj;
	bool inject;

	KUNIT_ASSERT_NOT_NULL(test, req);
	KUNIT_ASSERT_NOT_NULL(test, rsp);
	make_request(req, XVE_REASON_WRITE_CTRLREG);
	req->flags = 0;
	xenintro_build_response(req, &ans, false, rsp, &inj, &inject);
	KUNIT_EXPECT_EQ(test, rsp->flags & XVE_FLAG_VCPU_PAUSED, 0U);
}

static void response_read_data_checks(struct kunit *test)
{
	struct xenintro_verdict *v = kunit_kzalloc(test, sizeof(*v), GFP_KERNEL);
	struct xve_event *req = kunit_kzalloc(test, sizeof(*req), GFP_KERNEL);
	struct xenintro_answer ans = {
		.verdict = XENINTRO_VERDICT_EMULATE_READ_DATA,
		.verdict_rec = v,
	};

	KUNIT_ASSERT_NOT_NULL(test, v);
	KUNIT_ASSERT_NOT_NULL(test, req);
	make_request(req, XVE_REASON_MEM_ACCESS);
	v->u.emul_read.size = XENINTRO_EMUL_READ_MAX;
	KUNIT_EXPECT_EQ(test,
			xenintro_answer_check(req, &ans,
					      XENINTRO_SUPPORTED_FEATURES), 0);
	/* not negotiated in the handshake */
	KUNIT_EXPECT_EQ(test, xenintro_answer_check(req, &ans, 0), -EINVAL);
	v->u.emul_read.size = XENINTRO_EMUL_READ_MAX + 1;
	KUNIT_EXPECT_EQ(test,
			xenintro_answer_check(req, &ans,
					      XENINTRO_SUPPORTED_FEATURES),
			-EINVAL);
	v->u.emul_read.size = 4;
	v->u.emul_read.pad = 1;
	KUNIT_EXPECT_EQ(test,
			xenintro_answer_check(req, &ans,
					      XENINTRO_SUPPORTED_FEATURES),
			-EINVAL);
}

static void response_safe_default(struct kunit *test)
{
	struct xve_event *req = kunit_kzalloc(test, sizeof(*req), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, req);
	make_request(req, XVE_REASON_WRITE_CTRLREG);
	KUNIT_EXPECT_EQ(test, xenintro_safe_default(req, XENINTRO_VERDICT_DENY),
			(u32)XENINTRO_VERDICT_DENY);
	make_request(req, XVE_REASON_CPUID);
	KUNIT_EXPECT_EQ(test, xenintro_safe_default(req, XENINTRO_VERDICT_DENY),
			(u32)XENINTRO_VERDICT_CONTINUE);
	KUNIT_EXPECT_EQ(test,
			xenintro_safe_default(req, XENINTRO_VERDICT_CONTINUE),
			(u32)XENINTRO_VERDICT_CONTINUE);
	make_request(req, XVE_REASON_MEM_ACCESS);
	KUNIT_EXPECT_EQ(test, xenintro_safe_default(req, XENINTRO_VERDICT_DENY),
			(u32)XENINTRO_VERDICT_DENY);
	KUNIT_EXPECT_EQ(test,
			xenintro_safe_default(req, XENINTRO_VERDICT_CONTINUE),
			(u32)XENINTRO_VERDICT_EMULATE);
}

static struct kunit_case response_test_cases[] = {
	KUNIT_CASE_PARAM(response_each_verdict, response_gen_params),
	KUNIT_CASE(response_async_has_no_pause_flag),
	KUNIT_CASE(response_read_data_checks),
	KUNIT_CASE(response_safe_default),
	{}
};

static struct kunit_suite response_test_suite = {
	.name = "xenintro_response",
	.test_cases = response_test_cases,
};

kunit_test_suites(&response_test_suite);
