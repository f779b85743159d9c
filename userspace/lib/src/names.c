// SPDX-License-Identifier: LGPL-2.1-only OR MIT
/*
 * Names for log lines. Every function returns a static string and never
 * NULL, so that its result can go straight into printf("%s").
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>

#include "internal.h"

#define XI_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static const char xi_unknown[] = "unknown";

static const char *xi_lookup(const char *const *table, size_t n, uint32_t i)
{
	return i < n && table[i] ? table[i] : xi_unknown;
}

static const char *const xi_reasons[] = {
	[XENINTRO_EVENT_MEM_ACCESS]	 = "mem_access",
	[XENINTRO_EVENT_CTRLREG]	 = "ctrlreg",
	[XENINTRO_EVENT_MSR]		 = "msr",
	[XENINTRO_EVENT_BREAKPOINT]	 = "breakpoint",
	[XENINTRO_EVENT_SINGLESTEP]	 = "singlestep",
	[XENINTRO_EVENT_GUEST_REQUEST]	 = "guest_request",
	[XENINTRO_EVENT_DEBUG_EXCEPTION] = "debug_exception",
	[XENINTRO_EVENT_CPUID]		 = "cpuid",
	[XENINTRO_EVENT_INTERRUPT]	 = "interrupt",
	[XENINTRO_EVENT_DESC_ACCESS]	 = "desc_access",
	[XENINTRO_EVENT_EMUL_UNIMPL]	 = "emul_unimpl",
	[XENINTRO_EVENT_VMEXIT]		 = "vmexit",
};

XENINTRO_EXPORT
const char *xenintro_reason_name(uint32_t reason)
{
	return xi_lookup(xi_reasons, XI_ARRAY_SIZE(xi_reasons), reason);
}

static const char *const xi_verdicts[] = {
	[XENINTRO_VERDICT_CONTINUE]	     = "continue",
	[XENINTRO_VERDICT_DENY]		     = "deny",
	[XENINTRO_VERDICT_EMULATE]	     = "emulate",
	[XENINTRO_VERDICT_EMULATE_NOWRITE]   = "emulate_nowrite",
	[XENINTRO_VERDICT_EMULATE_READ_DATA] = "emulate_read_data",
	[XENINTRO_VERDICT_SET_REGISTERS]     = "set_registers",
	[XENINTRO_VERDICT_REINJECT]	     = "reinject",
	[XENINTRO_VERDICT_FORWARD]	     = "forward",
};

XENINTRO_EXPORT
const char *xenintro_verdict_name(uint32_t verdict)
{
	return xi_lookup(xi_verdicts, XI_ARRAY_SIZE(xi_verdicts), verdict);
}

static const char *const xi_monitors[] = {
	[XENINTRO_MONITOR_CTRLREG]	   = "ctrlreg",
	[XENINTRO_MONITOR_MSR]		   = "msr",
	[XENINTRO_MONITOR_SINGLESTEP]	   = "singlestep",
	[XENINTRO_MONITOR_BREAKPOINT]	   = "breakpoint",
	[XENINTRO_MONITOR_GUEST_REQUEST]   = "guest_request",
	[XENINTRO_MONITOR_DEBUG_EXCEPTION] = "debug_exception",
	[XENINTRO_MONITOR_CPUID]	   = "cpuid",
	[XENINTRO_MONITOR_DESC_ACCESS]	   = "desc_access",
	[XENINTRO_MONITOR_EMUL_UNIMPL]	   = "emul_unimpl",
	[XENINTRO_MONITOR_VMEXIT]	   = "vmexit",
};

XENINTRO_EXPORT
const char *xenintro_monitor_name(uint32_t event)
{
	return xi_lookup(xi_monitors, XI_ARRAY_SIZE(xi_monitors), event);
}

static const char *const xi_states[] = {
	[XENINTRO_STATE_ATTACHED] = "attached",
	[XENINTRO_STATE_DEAD]	  = "dead",
	[XENINTRO_STATE_DETACHED] = "detached",
};

XENINTRO_EXPORT
const char *xenintro_state_name(uint32_t state)
{
	return xi_lookup(xi_states, XI_ARRAY_SIZE(xi_states), state);
}

static const char *const xi_crs[] = {
	[XENINTRO_CR0]	= "cr0",
	[XENINTRO_CR3]	= "cr3",
	[XENINTRO_CR4]	= "cr4",
	[XENINTRO_XCR0] = "xcr0",
};

XENINTRO_EXPORT
const char *xenintro_cr_name(uint32_t index)
{
	return xi_lookup(xi_crs, XI_ARRAY_SIZE(xi_crs), index);
}

/* Indexed by the three rights bits: R = 1, W = 2, X = 4. */
static const char *const xi_access[8] = {
	"---", "r--", "-w-", "rw-", "--x", "r-x", "-wx", "rwx",
};

XENINTRO_EXPORT
const char *xenintro_access_name(uint32_t rights)
{
	return xi_access[rights & XENINTRO_ACCESS_RWX];
}

static const char *const xi_descs[] = {
	[XENINTRO_DESC_IDTR] = "idtr",
	[XENINTRO_DESC_GDTR] = "gdtr",
	[XENINTRO_DESC_LDTR] = "ldtr",
	[XENINTRO_DESC_TR]   = "tr",
};

/*
 * snprintf() into buf at *pos, counting what would have been written even
 * once the buffer is full, so the caller ends with snprintf()'s result.
 */
__attribute__((format(printf, 4, 5)))
static void xi_put(char *buf, size_t len, size_t *pos, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(*pos < len ? buf + *pos : NULL,
		      *pos < len ? len - *pos : 0, fmt, ap);
	va_end(ap);
	if (n > 0)
		*pos += (size_t)n;
}

static void xi_put_details(char *buf, size_t len, size_t *pos,
			   const struct xenintro_event *ev)
{
	switch (ev->reason) {
	case XENINTRO_EVENT_MEM_ACCESS:
		xi_put(buf, len, pos, " gfn=0x%" PRIx64 " off=0x%" PRIx64
		       " access=%s", (uint64_t)ev->u.mem_access.gfn,
		       (uint64_t)ev->u.mem_access.offset,
		       xenintro_access_name(ev->u.mem_access.access));
		if (ev->u.mem_access.flags & XENINTRO_MA_GLA_VALID)
			xi_put(buf, len, pos, " gla=0x%" PRIx64,
			       (uint64_t)ev->u.mem_access.gla);
		break;
	case XENINTRO_EVENT_CTRLREG:
		xi_put(buf, len, pos, " %s 0x%" PRIx64 "->0x%" PRIx64,
		       xenintro_cr_name(ev->u.ctrlreg.index),
		       (uint64_t)ev->u.ctrlreg.old_value,
		       (uint64_t)ev->u.ctrlreg.new_value);
		break;
	case XENINTRO_EVENT_MSR:
		xi_put(buf, len, pos, " msr=0x%" PRIx64 " 0x%" PRIx64
		       "->0x%" PRIx64, (uint64_t)ev->u.msr.msr,
		       (uint64_t)ev->u.msr.old_value,
		       (uint64_t)ev->u.msr.new_value);
		break;
	case XENINTRO_EVENT_BREAKPOINT:
	case XENINTRO_EVENT_DEBUG_EXCEPTION:
		xi_put(buf, len, pos, " gfn=0x%" PRIx64 " len=%u type=%u",
		       (uint64_t)ev->u.debug.gfn, ev->u.debug.insn_length,
		       ev->u.debug.type);
		if (ev->reason == XENINTRO_EVENT_DEBUG_EXCEPTION)
			xi_put(buf, len, pos, " pending_dbg=0x%" PRIx64,
			       (uint64_t)ev->u.debug.pending_dbg);
		break;
	case XENINTRO_EVENT_SINGLESTEP:
		xi_put(buf, len, pos, " gfn=0x%" PRIx64,
		       (uint64_t)ev->u.singlestep.gfn);
		break;
	case XENINTRO_EVENT_CPUID:
		xi_put(buf, len, pos, " leaf=0x%x subleaf=0x%x len=%u",
		       ev->u.cpuid.leaf, ev->u.cpuid.subleaf,
		       ev->u.cpuid.insn_length);
		break;
	case XENINTRO_EVENT_INTERRUPT:
		xi_put(buf, len, pos, " vector=%u type=%u error=0x%x cr2=0x%"
		       PRIx64, ev->u.interrupt.vector, ev->u.interrupt.type,
		       ev->u.interrupt.error_code,
		       (uint64_t)ev->u.interrupt.cr2);
		break;
	case XENINTRO_EVENT_DESC_ACCESS:
		xi_put(buf, len, pos, " %s %s",
		       xi_lookup(xi_descs, XI_ARRAY_SIZE(xi_descs),
				 ev->u.desc_access.descriptor),
		       ev->u.desc_access.is_write ? "write" : "read");
		break;
	case XENINTRO_EVENT_VMEXIT:
		xi_put(buf, len, pos, " exit=0x%" PRIx64 " qual=0x%" PRIx64,
		       (uint64_t)ev->u.vmexit.reason,
		       (uint64_t)ev->u.vmexit.qualification);
		break;
	default:
		break;
	}
}

XENINTRO_EXPORT
int xenintro_event_format(char *buf, size_t len,
			  const struct xenintro_event *ev)
{
	size_t pos = 0;

	if (!ev || (!buf && len))
		return -EINVAL;
	if (len)
		buf[0] = '\0';
	xi_put(buf, len, &pos, "seq=%" PRIu64 " vcpu=%u %s",
	       (uint64_t)ev->seq, ev->vcpu, xenintro_reason_name(ev->reason));
	if (ev->flags & XENINTRO_EF_SYNC)
		xi_put(buf, len, &pos, " sync");
	if (ev->flags & XENINTRO_EF_NOTIFY)
		xi_put(buf, len, &pos, " notify");
	/* ~0: no rule matched (a plain forward) */
	if (ev->rule != UINT32_MAX)
		xi_put(buf, len, &pos, " rule=%u", ev->rule);
	if (ev->flags & XENINTRO_EF_FOREIGN)
		xi_put(buf, len, &pos, " foreign");
	if (ev->flags & XENINTRO_EF_NESTED)
		xi_put(buf, len, &pos, " nested");
	if (ev->flags & XENINTRO_EF_ALTP2M)
		xi_put(buf, len, &pos, " view=%u", ev->altp2m_idx);
	xi_put_details(buf, len, &pos, ev);
	xi_put(buf, len, &pos, " rip=0x%" PRIx64, (uint64_t)ev->regs.rip);
	/* snprintf()'s contract: the would-be length, as an int */
	return pos > INT32_MAX ? -EOVERFLOW : (int)pos;
}
