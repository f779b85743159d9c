// SPDX-License-Identifier: LGPL-2.1-only OR MIT
/*
 * Names for logs and the one-line event formatter.
 */
#include <stdint.h>

#include "fake_kernel.h"
#include "harness.h"

XT_TEST(names_reasons)
{
	XT_STREQ(xenintro_reason_name(XENINTRO_EVENT_MEM_ACCESS), "mem_access");
	XT_STREQ(xenintro_reason_name(XENINTRO_EVENT_CTRLREG), "ctrlreg");
	XT_STREQ(xenintro_reason_name(XENINTRO_EVENT_MSR), "msr");
	XT_STREQ(xenintro_reason_name(XENINTRO_EVENT_BREAKPOINT), "breakpoint");
	XT_STREQ(xenintro_reason_name(XENINTRO_EVENT_SINGLESTEP), "singlestep");
	XT_STREQ(xenintro_reason_name(XENINTRO_EVENT_GUEST_REQUEST),
		 "guest_request");
	XT_STREQ(xenintro_reason_name(XENINTRO_EVENT_DEBUG_EXCEPTION),
		 "debug_exception");
	XT_STREQ(xenintro_reason_name(XENINTRO_EVENT_CPUID), "cpuid");
	XT_STREQ(xenintro_reason_name(XENINTRO_EVENT_INTERRUPT), "interrupt");
	XT_STREQ(xenintro_reason_name(XENINTRO_EVENT_DESC_ACCESS),
		 "desc_access");
	XT_STREQ(xenintro_reason_name(XENINTRO_EVENT_EMUL_UNIMPL),
		 "emul_unimpl");
	XT_STREQ(xenintro_reason_name(XENINTRO_EVENT_VMEXIT), "vmexit");
	/* the gaps in Xen's numbering, and beyond */
	XT_STREQ(xenintro_reason_name(0), "unknown");
	XT_STREQ(xenintro_reason_name(2), "unknown");
	XT_STREQ(xenintro_reason_name(3), "unknown");
	XT_STREQ(xenintro_reason_name(11), "unknown");
	XT_STREQ(xenintro_reason_name(16), "unknown");
	XT_STREQ(xenintro_reason_name(UINT32_MAX), "unknown");
}

XT_TEST(names_verdicts_monitors_states)
{
	static const char *const verdicts[] = {
		"continue", "deny", "emulate", "emulate_nowrite",
		"emulate_read_data", "set_registers", "reinject", "forward",
	};
	unsigned int i;

	for (i = 0; i <= XENINTRO_VERDICT_MAX; i++)
		XT_STREQ(xenintro_verdict_name(i), verdicts[i]);
	XT_STREQ(xenintro_verdict_name(XENINTRO_VERDICT_MAX + 1), "unknown");

	XT_STREQ(xenintro_monitor_name(XENINTRO_MONITOR_CTRLREG), "ctrlreg");
	XT_STREQ(xenintro_monitor_name(XENINTRO_MONITOR_BREAKPOINT),
		 "breakpoint");
	XT_STREQ(xenintro_monitor_name(XENINTRO_MONITOR_VMEXIT), "vmexit");
	XT_STREQ(xenintro_monitor_name(7), "unknown");
	XT_STREQ(xenintro_monitor_name(XENINTRO_MONITOR_MAX + 1), "unknown");

	XT_STREQ(xenintro_state_name(XENINTRO_STATE_ATTACHED), "attached");
	XT_STREQ(xenintro_state_name(XENINTRO_STATE_DEAD), "dead");
	XT_STREQ(xenintro_state_name(0), "unknown");
	XT_STREQ(xenintro_state_name(XENINTRO_STATE_DETACHED), "detached");
	XT_STREQ(xenintro_state_name(4), "unknown");

	XT_STREQ(xenintro_cr_name(XENINTRO_CR0), "cr0");
	XT_STREQ(xenintro_cr_name(XENINTRO_CR3), "cr3");
	XT_STREQ(xenintro_cr_name(XENINTRO_CR4), "cr4");
	XT_STREQ(xenintro_cr_name(XENINTRO_XCR0), "xcr0");
	XT_STREQ(xenintro_cr_name(4), "unknown");
}

XT_TEST(names_access)
{
	XT_STREQ(xenintro_access_name(0), "---");
	XT_STREQ(xenintro_access_name(XENINTRO_ACCESS_R), "r--");
	XT_STREQ(xenintro_access_name(XENINTRO_ACCESS_W), "-w-");
	XT_STREQ(xenintro_access_name(XENINTRO_ACCESS_X), "--x");
	XT_STREQ(xenintro_access_name(XENINTRO_ACCESS_R | XENINTRO_ACCESS_X),
		 "r-x");
	XT_STREQ(xenintro_access_name(XENINTRO_ACCESS_RWX), "rwx");
	XT_STREQ(xenintro_access_name(0x8 | XENINTRO_ACCESS_W), "-w-");
}

static struct xenintro_event base_event(__u32 reason)
{
	struct xenintro_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.seq = 42;
	ev.vcpu = 1;
	ev.reason = reason;
	ev.flags = XENINTRO_EF_SYNC;
	ev.rule = ~0U;
	ev.regs.rip = 0xffffffff81000000ULL;
	return ev;
}

XT_TEST(event_format_lines)
{
	struct xenintro_event ev;
	char buf[256];
	int n;

	ev = base_event(XENINTRO_EVENT_CTRLREG);
	ev.u.ctrlreg.index = XENINTRO_CR3;
	ev.u.ctrlreg.old_value = 0x1000;
	ev.u.ctrlreg.new_value = 0x2000;
	n = xenintro_event_format(buf, sizeof(buf), &ev);
	XT_STREQ(buf, "seq=42 vcpu=1 ctrlreg sync cr3 0x1000->0x2000 "
		      "rip=0xffffffff81000000");
	XT_EQ(n, strlen(buf));

	ev = base_event(XENINTRO_EVENT_MEM_ACCESS);
	ev.flags = XENINTRO_EF_NOTIFY | XENINTRO_EF_ALTP2M;
	ev.altp2m_idx = 2;
	ev.rule = 5;
	ev.u.mem_access.gfn = 0xabc;
	ev.u.mem_access.offset = 0x10;
	ev.u.mem_access.access = XENINTRO_ACCESS_W;
	ev.u.mem_access.flags = XENINTRO_MA_GLA_VALID;
	ev.u.mem_access.gla = 0x7f0000;
	xenintro_event_format(buf, sizeof(buf), &ev);
	XT_STREQ(buf, "seq=42 vcpu=1 mem_access notify rule=5 view=2 "
		      "gfn=0xabc off=0x10 access=-w- gla=0x7f0000 "
		      "rip=0xffffffff81000000");

	ev = base_event(XENINTRO_EVENT_CPUID);
	ev.u.cpuid.leaf = 0x40000000;
	ev.u.cpuid.insn_length = 2;
	xenintro_event_format(buf, sizeof(buf), &ev);
	XT_STREQ(buf, "seq=42 vcpu=1 cpuid sync leaf=0x40000000 subleaf=0x0 "
		      "len=2 rip=0xffffffff81000000");

	ev = base_event(XENINTRO_EVENT_DESC_ACCESS);
	ev.u.desc_access.descriptor = XENINTRO_DESC_GDTR;
	ev.u.desc_access.is_write = 1;
	xenintro_event_format(buf, sizeof(buf), &ev);
	XT_STREQ(buf, "seq=42 vcpu=1 desc_access sync gdtr write "
		      "rip=0xffffffff81000000");

	ev = base_event(99);
	ev.flags = 0;
	xenintro_event_format(buf, sizeof(buf), &ev);
	XT_STREQ(buf, "seq=42 vcpu=1 unknown rip=0xffffffff81000000");
}

XT_TEST(event_format_truncates_like_snprintf)
{
	struct xenintro_event ev = base_event(XENINTRO_EVENT_MSR);
	char full[256], small[16];
	int n;

	ev.u.msr.msr = 0xc0000082;
	n = xenintro_event_format(full, sizeof(full), &ev);
	XT_ASSERT(n > (int)sizeof(small));
	memset(small, 'x', sizeof(small));
	XT_EQ(xenintro_event_format(small, sizeof(small), &ev), n);
	XT_EQ(small[sizeof(small) - 1], '\0');
	XT_EQ(strncmp(small, full, sizeof(small) - 1), 0);
	XT_EQ(xenintro_event_format(NULL, 0, &ev), n);
	XT_EQ(xenintro_event_format(small, 1, &ev), n);
	XT_EQ(small[0], '\0');
	XT_EQ(xenintro_event_format(NULL, 4, &ev), -EINVAL);
	XT_EQ(xenintro_event_format(full, sizeof(full), NULL), -EINVAL);
}
