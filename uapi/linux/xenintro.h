/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * xenintro: fast-path virtual-machine introspection for a Xen dom0.
 *
 * This header is the whole contract between the xenintro kernel module and
 * userspace: the ioctls on /dev/xenintro, the event and verdict records, and
 * the layout of the three mmap'd regions. It needs nothing but
 * <linux/types.h> and <linux/ioctl.h>.
 *
 * Rules that every structure here follows:
 *  - Ioctl arguments start with "__u32 size", which the caller sets to the
 *    sizeof() it was compiled with. The kernel reads them with
 *    copy_struct_from_user(): a shorter struct than the first version gets
 *    -EINVAL, a longer one is accepted only if the bytes the kernel does not
 *    know are zero (else -E2BIG). Output is copied back up to the smaller of
 *    the two sizes.
 *  - Fields named reserved* must be zero on input (else -EINVAL) and are
 *    zero on output.
 *  - Shared-memory records have a fixed power-of-two size, explicit padding
 *    and 64-bit alignment. No enums, bitfields or pointers.
 *  - Every ioctl is _IO(): the direction and size live in the struct, as in
 *    iommufd, so no ioctl number ever encodes a wrong direction.
 *
 * Session life cycle (one fd monitors at most one domain):
 *   open("/dev/xenintro")          needs CAP_SYS_ADMIN
 *   XENINTRO_IOC_API               handshake; every other ioctl before it
 *                                  gets -EINVAL, a second one -EBUSY
 *   XENINTRO_IOC_ATTACH            bind to a domain, get the ring geometry
 *   mmap() the three regions       control page, event ring, verdict ring
 *   XENINTRO_IOC_MONITOR ...       choose the events
 *   loop: poll(), read events, write verdicts, XENINTRO_IOC_KICK
 *   XENINTRO_IOC_DETACH            detaches now: pending events get the
 *                                  default verdict, single-stepping the
 *                                  session switched on is switched off,
 *                                  monitors and page rights are restored,
 *                                  pauses this session still holds are
 *                                  undone, the domain keeps running; the
 *                                  rings stay mapped (ctrl->state is
 *                                  XENINTRO_STATE_DETACHED) and the domain
 *                                  can be attached again by anyone
 *   munmap(), close()              the last reference to the open file
 *                                  detaches the same way if DETACH did not.
 *                                  Each mapping holds a reference, as with
 *                                  io_uring: close() with the rings still
 *                                  mapped detaches only at their munmap()
 *                                  (or at exit). Call DETACH to release the
 *                                  guest at a moment of your choosing.
 *
 * Errors common to every ioctl: -ENOTTY for an unknown command (in every
 * state), -EINVAL for anything but API before the handshake, -ENOTCONN for
 * a domain command before ATTACH, -ESRCH once the domain died or the
 * session detached (STATS still works then, for a last report).
 *
 * poll(): EPOLLIN while the event ring holds events the agent has not
 * consumed; EPOLLHUP | EPOLLERR once the domain is gone or the session
 * detached (ctrl->state is not XENINTRO_STATE_ATTACHED; the events still
 * in the ring stay readable). poll() has no side effects on verdicts. The
 * agent's verdicts are consumed synchronously by XENINTRO_IOC_KICK (with
 * XENINTRO_KICK_WAIT it then sleeps until events arrive: submit and wait
 * in one system call), and also whenever the kernel runs its event path
 * (a new event, a deadline).
 */
#ifndef _UAPI_LINUX_XENINTRO_H
#define _UAPI_LINUX_XENINTRO_H

#include <linux/types.h>
#include <linux/ioctl.h>

#define XENINTRO_API_VERSION		1

/*
 * Features a caller may ask for in the handshake. Asking for a bit the
 * kernel does not know gets -EINVAL; the reply lists every supported bit.
 */
/* The mmap'd event/verdict rings of uAPI v1 (always present). */
#define XENINTRO_FEATURE_RINGS		(1ULL << 0)
/* Verdicts carrying emulation read data (EMULATE_READ_DATA). */
#define XENINTRO_FEATURE_EMUL_READ_DATA	(1ULL << 1)
/* In-kernel rule tables (XENINTRO_IOC_SET_RULES). */
#define XENINTRO_FEATURE_RULES		(1ULL << 2)
/*
 * Bit 3 is retired and never granted (an early draft had poll() consume
 * verdicts; XENINTRO_KICK_WAIT replaced it).
 */
/*
 * XENINTRO_IOC_KICK takes XENINTRO_KICK_WAIT: hand the verdicts over and
 * sleep until events arrive, one system call per wake-up.
 */
#define XENINTRO_FEATURE_KICK_WAIT	(1ULL << 4)
/* Guest memory: XENINTRO_IOC_READ_MEM and XENINTRO_IOC_TRANSLATE. */
#define XENINTRO_FEATURE_MEMORY		(1ULL << 5)
/*
 * XENINTRO_IOC_WRITE_MEM. Granted only if xenintro.ko was loaded with
 * allow_guest_writes=1; asking for it otherwise gets -EPERM.
 */
#define XENINTRO_FEATURE_MEM_WRITE	(1ULL << 6)
/* Guest frames mapped read-only into the agent: XENINTRO_IOC_MAP_FRAMES. */
#define XENINTRO_FEATURE_MEM_MAP	(1ULL << 7)

/* ioctl numbers; bit (1 << nr) of xenintro_api.ioctls says it exists. */
#define XENINTRO_IOCTL_TYPE		0xE7
#define _XENINTRO_API			0x00
#define _XENINTRO_ATTACH		0x01
#define _XENINTRO_MONITOR		0x02
#define _XENINTRO_SET_ACCESS		0x03
#define _XENINTRO_GET_ACCESS		0x04
#define _XENINTRO_PAUSE			0x05
#define _XENINTRO_UNPAUSE		0x06
#define _XENINTRO_KICK			0x07
#define _XENINTRO_STATS			0x08
#define _XENINTRO_SET_RULES		0x09
#define _XENINTRO_DETACH		0x0a
#define _XENINTRO_READ_MEM		0x0b
#define _XENINTRO_WRITE_MEM		0x0c
#define _XENINTRO_TRANSLATE		0x0d
#define _XENINTRO_MAP_FRAMES		0x0e
#define _XENINTRO_RESTRICT		0x0f

#define XENINTRO_IOC_API	_IO(XENINTRO_IOCTL_TYPE, _XENINTRO_API)
#define XENINTRO_IOC_ATTACH	_IO(XENINTRO_IOCTL_TYPE, _XENINTRO_ATTACH)
#define XENINTRO_IOC_MONITOR	_IO(XENINTRO_IOCTL_TYPE, _XENINTRO_MONITOR)
#define XENINTRO_IOC_SET_ACCESS	_IO(XENINTRO_IOCTL_TYPE, _XENINTRO_SET_ACCESS)
#define XENINTRO_IOC_GET_ACCESS	_IO(XENINTRO_IOCTL_TYPE, _XENINTRO_GET_ACCESS)
/* PAUSE and UNPAUSE take no argument; UNPAUSE undoes one PAUSE of this fd. */
#define XENINTRO_IOC_PAUSE	_IO(XENINTRO_IOCTL_TYPE, _XENINTRO_PAUSE)
#define XENINTRO_IOC_UNPAUSE	_IO(XENINTRO_IOCTL_TYPE, _XENINTRO_UNPAUSE)
#define XENINTRO_IOC_KICK	_IO(XENINTRO_IOCTL_TYPE, _XENINTRO_KICK)
#define XENINTRO_IOC_STATS	_IO(XENINTRO_IOCTL_TYPE, _XENINTRO_STATS)
#define XENINTRO_IOC_SET_RULES	_IO(XENINTRO_IOCTL_TYPE, _XENINTRO_SET_RULES)
/* No argument: tear the session's monitoring down now (see above). */
#define XENINTRO_IOC_DETACH	_IO(XENINTRO_IOCTL_TYPE, _XENINTRO_DETACH)
#define XENINTRO_IOC_READ_MEM	_IO(XENINTRO_IOCTL_TYPE, _XENINTRO_READ_MEM)
#define XENINTRO_IOC_WRITE_MEM	_IO(XENINTRO_IOCTL_TYPE, _XENINTRO_WRITE_MEM)
#define XENINTRO_IOC_TRANSLATE	_IO(XENINTRO_IOCTL_TYPE, _XENINTRO_TRANSLATE)
#define XENINTRO_IOC_MAP_FRAMES	_IO(XENINTRO_IOCTL_TYPE, _XENINTRO_MAP_FRAMES)
#define XENINTRO_IOC_RESTRICT	_IO(XENINTRO_IOCTL_TYPE, _XENINTRO_RESTRICT)

/**
 * struct xenintro_api - XENINTRO_IOC_API: the handshake
 * @size: sizeof(struct xenintro_api)
 * @api_version: in: XENINTRO_API_VERSION
 * @features: in: XENINTRO_FEATURE_* the caller wants
 * @supported_features: out: every feature this kernel supports
 * @ioctls: out: bit (1 << _XENINTRO_x) for each ioctl available after this
 * @reserved: zero
 */
struct xenintro_api {
	__u32 size;
	__u32 api_version;
	__u64 features;
	__u64 supported_features;
	__u64 ioctls;
	__u64 reserved[2];
};

/*
 * Verdicts: what happens to the vCPU that raised a synchronous event.
 * Each maps onto Xen's vm_event response flags in exactly one place in the
 * kernel (kmod/response.c).
 */
#define XENINTRO_VERDICT_CONTINUE	0 /* resume, nothing else */
#define XENINTRO_VERDICT_DENY		1 /* veto a CR/MSR write; a page write
					   * is emulated with writes discarded
					   */
#define XENINTRO_VERDICT_EMULATE	2 /* emulate the faulting instruction */
#define XENINTRO_VERDICT_EMULATE_NOWRITE 3 /* emulate, discard its writes */
#define XENINTRO_VERDICT_EMULATE_READ_DATA 4 /* emulate, reads see emul_read */
#define XENINTRO_VERDICT_SET_REGISTERS	5 /* load regs (answer CPUID, skip) */
#define XENINTRO_VERDICT_REINJECT	6 /* give INT3/#DB back to the guest */
#define XENINTRO_VERDICT_FORWARD	7 /* rules only: ask the agent */
#define XENINTRO_VERDICT_MAX		XENINTRO_VERDICT_FORWARD

/* Modifiers, combinable with any verdict except FORWARD. */
#define XENINTRO_VFLAG_SINGLESTEP_ON	(1U << 0) /* start single-stepping */
#define XENINTRO_VFLAG_SINGLESTEP_OFF	(1U << 1) /* stop single-stepping */
#define XENINTRO_VFLAG_ALTP2M		(1U << 2) /* switch to view altp2m_idx */
#define XENINTRO_VFLAG_ALL		0x7U

/* Event reasons; the numbers follow Xen's vm_event reasons. */
#define XENINTRO_EVENT_MEM_ACCESS	1
#define XENINTRO_EVENT_CTRLREG		4
#define XENINTRO_EVENT_MSR		5
#define XENINTRO_EVENT_BREAKPOINT	6
#define XENINTRO_EVENT_SINGLESTEP	7
#define XENINTRO_EVENT_GUEST_REQUEST	8
#define XENINTRO_EVENT_DEBUG_EXCEPTION	9
#define XENINTRO_EVENT_CPUID		10
#define XENINTRO_EVENT_INTERRUPT	12
#define XENINTRO_EVENT_DESC_ACCESS	13
#define XENINTRO_EVENT_EMUL_UNIMPL	14
#define XENINTRO_EVENT_VMEXIT		15

/* xenintro_event.flags */
#define XENINTRO_EF_SYNC	(1U << 0) /* vCPU paused: a verdict is owed */
#define XENINTRO_EF_FOREIGN	(1U << 1) /* raised while another domain ran */
#define XENINTRO_EF_ALTP2M	(1U << 2) /* altp2m_idx is valid */
#define XENINTRO_EF_NESTED	(1U << 3) /* from a nested guest */
#define XENINTRO_EF_NOTIFY	(1U << 4) /* a copy; the kernel already
					   * answered, send no verdict
					   */

/* Control-register indices (ctrlreg.index, monitor index). */
#define XENINTRO_CR0		0
#define XENINTRO_CR3		1
#define XENINTRO_CR4		2
#define XENINTRO_XCR0		3

/* Page rights: any combination of R, W and X (0 = no access). */
#define XENINTRO_ACCESS_R	0x1
#define XENINTRO_ACCESS_W	0x2
#define XENINTRO_ACCESS_X	0x4
#define XENINTRO_ACCESS_RWX	0x7

/* mem_access.flags */
#define XENINTRO_MA_GLA_VALID		(1U << 0)
#define XENINTRO_MA_FAULT_WITH_GLA	(1U << 1)
#define XENINTRO_MA_FAULT_IN_GPT	(1U << 2)

/* Descriptor ids (desc_access.descriptor). */
#define XENINTRO_DESC_IDTR	1
#define XENINTRO_DESC_GDTR	2
#define XENINTRO_DESC_LDTR	3
#define XENINTRO_DESC_TR	4

/**
 * struct xenintro_segment - one segment register, unpacked
 * @base: linear base address
 * @limit: limit in bytes
 * @ar: access rights (type, S, DPL, P, AVL, L, D/B, G)
 * @selector: selector
 */
struct xenintro_segment {
	__u64 base;
	__u32 limit;
	__u16 ar;
	__u16 selector;
};

/**
 * struct xenintro_regs - x86 registers as Xen reported them with the event
 *
 * The first 18 fields (rax .. rip) are also what a SET_REGISTERS verdict
 * loads into the vCPU.
 */
struct xenintro_regs {
	__u64 rax, rcx, rdx, rbx, rsp, rbp, rsi, rdi;
	__u64 r8, r9, r10, r11, r12, r13, r14, r15;
	__u64 rflags, rip;
	__u64 dr6, dr7, cr0, cr2, cr3, cr4;
	__u64 sysenter_cs, sysenter_esp, sysenter_eip;
	__u64 msr_efer, msr_star, msr_lstar;
	__u64 gdtr_base, gdtr_limit;
	__u64 shadow_gs, npt_base, vmtrace_pos;
	struct xenintro_segment cs, ss, ds, es, fs, gs;
};

/**
 * struct xenintro_event - one event, written by the kernel into the event ring
 * @seq: per-session sequence number, starting at 1; a verdict names it
 * @timestamp_ns: CLOCK_MONOTONIC when the kernel read the request
 * @reason: XENINTRO_EVENT_*
 * @vcpu: vCPU that raised it
 * @flags: XENINTRO_EF_*
 * @altp2m_idx: view the vCPU was in (with XENINTRO_EF_ALTP2M)
 * @domid: the monitored domain
 * @rule: for XENINTRO_EF_NOTIFY copies and forwarded events, the index of
 *        the rule that matched, else ~0
 * @reserved0: zero
 * @u: reason-specific data
 * @regs: registers at the time of the event
 */
struct xenintro_event {
	__u64 seq;
	__u64 timestamp_ns;
	__u32 reason;
	__u32 vcpu;
	__u32 flags;
	__u16 altp2m_idx;
	__u16 domid;
	__u32 rule;
	__u32 reserved0[3];
	union {
		struct {
			__u64 gfn;
			__u64 offset;	/* byte offset within the frame */
			__u64 gla;	/* with XENINTRO_MA_GLA_VALID */
			__u32 access;	/* XENINTRO_ACCESS_* that faulted */
			__u32 flags;	/* XENINTRO_MA_* */
		} mem_access;
		struct {
			__u32 index;	/* XENINTRO_CR0 .. XENINTRO_XCR0 */
			__u32 pad;
			__u64 new_value;
			__u64 old_value;
		} ctrlreg;
		struct {
			__u64 msr;
			__u64 new_value;
			__u64 old_value;
		} msr;
		struct {	/* BREAKPOINT and DEBUG_EXCEPTION */
			__u64 gfn;
			__u64 pending_dbg;
			__u32 insn_length;
			__u8 type;	/* x86 event type (6: software exception) */
			__u8 pad[3];
		} debug;
		struct {
			__u64 gfn;
		} singlestep;
		struct {
			__u32 leaf;
			__u32 subleaf;
			__u32 insn_length;
			__u32 pad;
		} cpuid;
		struct {
			__u32 vector;
			__u32 type;
			__u32 error_code;
			__u32 pad;
			__u64 cr2;
		} interrupt;
		struct {
			__u64 exit_qualification;
			__u32 instr_info;
			__u8 descriptor;	/* XENINTRO_DESC_* */
			__u8 is_write;
			__u8 pad[2];
		} desc_access;
		struct {
			__u64 reason;
			__u64 qualification;
		} vmexit;
		__u64 raw[6];
	} u;
	struct xenintro_regs regs;
	__u64 reserved1[5];
};

/**
 * struct xenintro_verdict - one verdict, written by the agent into the
 * verdict ring
 * @seq: the event's seq
 * @vcpu: the event's vcpu
 * @verdict: XENINTRO_VERDICT_* (not FORWARD)
 * @flags: XENINTRO_VFLAG_*
 * @altp2m_idx: view for XENINTRO_VFLAG_ALTP2M
 * @reserved0: zero
 * @u: registers for SET_REGISTERS, or read data for EMULATE_READ_DATA
 *
 * Bytes the verdict does not use must be zero: @altp2m_idx without
 * XENINTRO_VFLAG_ALTP2M, and all of @u but u.regs for SET_REGISTERS and
 * u.emul_read.size plus that many bytes of data for EMULATE_READ_DATA
 * (u.emul_read.pad included). So a later version can give them a meaning.
 *
 * A verdict that names no pending synchronous event (wrong seq/vcpu, or
 * already answered, e.g. by the deadline) is dropped and counted in
 * xenintro_stats.verdicts_stale; a malformed one (unused bytes not zero
 * included) is counted in verdicts_invalid and leaves the event pending.
 */
struct xenintro_verdict {
	__u64 seq;
	__u32 vcpu;
	__u32 verdict;
	__u32 flags;
	__u16 altp2m_idx;
	__u16 reserved0[5];
	union {
		struct {
			__u64 rax, rcx, rdx, rbx, rsp, rbp, rsi, rdi;
			__u64 r8, r9, r10, r11, r12, r13, r14, r15;
			__u64 rflags, rip;
		} regs;
		struct {
			__u32 size;	/* bytes of data used, <= 256 */
			__u32 pad;
			__u8 data[256];
		} emul_read;
	} u;
	__u64 reserved1[27];
};

#define XENINTRO_EMUL_READ_MAX		256

/*
 * Ring geometry and mmap. After ATTACH the fd exposes three regions, each
 * mapped at its own fixed offset and with exactly the size ATTACH reported
 * (guest frames are mapped at XENINTRO_OFF_FRAMES, further down):
 *
 *   XENINTRO_OFF_CTRL      struct xenintro_ctrl, PROT_READ only
 *   XENINTRO_OFF_EVENTS    event_entries records, PROT_READ only
 *   XENINTRO_OFF_VERDICTS  struct xenintro_agent_page, then
 *                          verdict_entries records; PROT_READ|PROT_WRITE
 *
 * Everything the kernel writes is read-only for the agent; everything the
 * agent writes lives in the verdict region. Indices are free-running __u32
 * counters; a slot is index & (entries - 1).
 *
 * Event ring (kernel produces, agent consumes):
 *   kernel: write record[tail]; store_release(ctrl->event_tail, tail + 1)
 *   agent:  t = load_acquire(ctrl->event_tail); read records [head, t);
 *           store_release(agent->event_head, t)
 *   The kernel reads agent->event_head with load_acquire, so it never
 *   overwrites a record the agent may still be reading; a head that is
 *   behind the tail by more than event_entries is treated as "ring full".
 *
 * Verdict ring (agent produces, kernel consumes):
 *   agent:  write record[vtail]; store_release(agent->verdict_tail, vtail + 1)
 *           then XENINTRO_IOC_KICK (once per batch)
 *   kernel: t = load_acquire(agent->verdict_tail); copy records
 *           [ctrl->verdict_head, t) out; store_release(ctrl->verdict_head, t)
 *   The agent may reuse a slot once load_acquire(ctrl->verdict_head) has
 *   passed it. A verdict_tail more than verdict_entries ahead of the head
 *   (or behind it) is ignored and counted in xenintro_stats.verdicts_invalid.
 *
 * All four indices are valid when ATTACH returns (read them; don't assume
 * zero). The read-only regions can never be made writable (mprotect fails).
 * ctrl->state is written with WRITE_ONCE after the last event was
 * published; an agent that sees DEAD should still drain the event ring.
 */
#define XENINTRO_OFF_CTRL	0x00000000ULL
#define XENINTRO_OFF_EVENTS	0x10000000ULL
#define XENINTRO_OFF_VERDICTS	0x20000000ULL

#define XENINTRO_CTRL_VERSION	1

/* xenintro_ctrl.state */
#define XENINTRO_STATE_ATTACHED	1
#define XENINTRO_STATE_DEAD	2 /* the domain is gone; only close() is left */
#define XENINTRO_STATE_DETACHED	3 /* XENINTRO_IOC_DETACH ran; only close() */

/**
 * struct xenintro_ctrl - the read-only control page
 * @version: XENINTRO_CTRL_VERSION
 * @state: XENINTRO_STATE_*
 * @event_entries: slots in the event ring (a power of two)
 * @verdict_entries: slots in the verdict ring (a power of two)
 * @domid: the monitored domain
 * @max_vcpus: vCPUs of the domain
 * @event_tail: kernel's producer index (store_release)
 * @verdict_head: kernel's consumer index of the verdict ring (store_release)
 * @events_delivered: events written into the event ring
 * @events_dropped: async copies dropped because the ring was full
 * @deadline_expired: sync events answered by the deadline
 */
struct xenintro_ctrl {
	__u32 version;
	__u32 state;
	__u32 event_entries;
	__u32 verdict_entries;
	__u16 domid;
	__u16 reserved0;
	__u32 max_vcpus;
	__u64 reserved1[5];
	/* own cache line: written by the kernel on every event */
	__u32 event_tail;
	__u32 reserved2[15];
	/* own cache line: written by the kernel on every kick */
	__u32 verdict_head;
	__u32 reserved3[15];
	__u64 events_delivered;
	__u64 events_dropped;
	__u64 deadline_expired;
};

/**
 * struct xenintro_agent_page - the agent's indices, first page of the
 * verdict region
 * @event_head: agent's consumer index of the event ring
 * @verdict_tail: agent's producer index of the verdict ring
 */
struct xenintro_agent_page {
	__u32 event_head;
	__u32 reserved0[15];
	__u32 verdict_tail;
	__u32 reserved1[15];
};

#define XENINTRO_AGENT_PAGE_SIZE	4096

/* ATTACH limits */
#define XENINTRO_RING_MIN		2
#define XENINTRO_RING_MAX		4096
#define XENINTRO_RING_DEFAULT		256
#define XENINTRO_DEADLINE_DEFAULT_MS	1000
#define XENINTRO_DEADLINE_MAX_MS	600000
#define XENINTRO_EVENT_RECORD_MAX	4096

/**
 * struct xenintro_attach - XENINTRO_IOC_ATTACH
 * @size: sizeof(struct xenintro_attach)
 * @domid: in: domain to monitor
 * @event_entries: in: event ring slots, a power of two in
 *                 [XENINTRO_RING_MIN, XENINTRO_RING_MAX], 0 for the default;
 *                 out: the size chosen
 * @verdict_entries: in/out: as @event_entries, for the verdict ring
 * @default_verdict: in: CONTINUE or DENY, applied to events left
 *                   unanswered past the deadline and at detach
 * @deadline_ms: in: how long a forwarded sync event may wait for its
 *               verdict, 1 .. XENINTRO_DEADLINE_MAX_MS, 0 for the default
 * @flags: in: zero
 * @max_vcpus: out: vCPUs of the domain
 * @ctrl_size: out: bytes to mmap at XENINTRO_OFF_CTRL
 * @events_size: out: bytes to mmap at XENINTRO_OFF_EVENTS
 * @verdicts_size: out: bytes to mmap at XENINTRO_OFF_VERDICTS
 * @verdict_records: out: offset of the first verdict record in its region
 * @event_record_size: in: sizeof(struct xenintro_event) as the caller knows
 *                     it (0 is read as this version's 512), a power of two
 *                     up to XENINTRO_EVENT_RECORD_MAX; out: the slot size of
 *                     the event ring, which is that size. A kernel whose
 *                     record is smaller leaves the rest of each slot zero,
 *                     so records can grow without breaking either side.
 * @verdict_record_size: in: zero; out: sizeof(struct xenintro_verdict)
 * @reserved: zero
 *
 * Errors: -EBUSY if this fd is attached already or the domain is monitored
 * elsewhere, -ESRCH if the domain does not exist or is dying, -EOPNOTSUPP
 * if it cannot be monitored (a PV guest), -ENODEV if no hypervisor backend
 * is loaded, -EPERM if RESTRICT locked this fd to another domain,
 * -EACCES if the administrator's domain policy refuses the domain (the
 * module parameter domain_policy; by default dom0, the domain the kernel
 * runs in, and driver and stub domains are refused, every other domain
 * allowed; the kernel log says why, and an audit record is written),
 * -EAGAIN if the hypervisor cannot yet tell who the domain is (Xen: before
 * xenstored runs), -EINVAL for a domid of Xen's reserved range.
 */
struct xenintro_attach {
	__u32 size;
	__u32 domid;
	__u32 event_entries;
	__u32 verdict_entries;
	__u32 default_verdict;
	__u32 deadline_ms;
	__u32 flags;
	__u32 max_vcpus;
	__u64 ctrl_size;
	__u64 events_size;
	__u64 verdicts_size;
	__u64 verdict_records;
	__u32 event_record_size;
	__u32 verdict_record_size;
	__u64 reserved[2];
};

/* Monitor event kinds (xenintro_monitor.event). */
#define XENINTRO_MONITOR_CTRLREG	0 /* index = XENINTRO_CR* */
#define XENINTRO_MONITOR_MSR		1 /* index = MSR number */
#define XENINTRO_MONITOR_SINGLESTEP	2
#define XENINTRO_MONITOR_BREAKPOINT	3
#define XENINTRO_MONITOR_GUEST_REQUEST	4
#define XENINTRO_MONITOR_DEBUG_EXCEPTION 5
#define XENINTRO_MONITOR_CPUID		6
#define XENINTRO_MONITOR_DESC_ACCESS	9
#define XENINTRO_MONITOR_EMUL_UNIMPL	10
#define XENINTRO_MONITOR_VMEXIT		12
#define XENINTRO_MONITOR_MAX		12

/* xenintro_monitor.flags */
#define XENINTRO_MON_ENABLE		(1U << 0) /* else disable */
#define XENINTRO_MON_SYNC		(1U << 1) /* pause the vCPU (CR, guest
						   * request, debug, vmexit)
						   */
#define XENINTRO_MON_ONCHANGE		(1U << 2) /* CR/MSR: only real changes */
#define XENINTRO_MON_ALLOW_USERSPACE	(1U << 3) /* guest request from ring 3 */
#define XENINTRO_MON_DENY_CAPABLE	(1U << 4) /* CR/MSR: defer writes so a
						   * DENY verdict can veto them
						   */
#define XENINTRO_MON_ALL		0x1fU

/**
 * struct xenintro_monitor - XENINTRO_IOC_MONITOR: enable or disable one event
 * @size: sizeof(struct xenintro_monitor)
 * @event: XENINTRO_MONITOR_*
 * @flags: XENINTRO_MON_*
 * @index: CR index or MSR number, else zero
 * @ignore_mask: CTRLREG: changes of only these bits raise no event
 * @reserved: zero
 *
 * Enabling an event that is on, or disabling one that is off, gets -EEXIST.
 * An event the hypervisor cannot deliver on this host gets -EOPNOTSUPP.
 */
struct xenintro_monitor {
	__u32 size;
	__u32 event;
	__u32 flags;
	__u32 index;
	__u64 ignore_mask;
	__u64 reserved[2];
};

/* xenintro_access.flags */
#define XENINTRO_ACCESS_LIST	(1U << 0) /* frames from @gfns, not a range */

#define XENINTRO_ACCESS_NR_MAX	(1U << 20)

/**
 * struct xenintro_access - XENINTRO_IOC_SET_ACCESS / XENINTRO_IOC_GET_ACCESS
 * @size: sizeof(struct xenintro_access)
 * @flags: XENINTRO_ACCESS_LIST or 0
 * @gfn: range mode: first frame
 * @nr: frames in the range or the list, 1 .. XENINTRO_ACCESS_NR_MAX. Long
 *       calls can be interrupted by a fatal signal (-EINTR); SET_ACCESS
 *       may then have changed part of the range, which DETACH restores.
 * @gfns: list mode: user pointer to __u64[nr]
 * @rights: user pointer to __u8[nr] of XENINTRO_ACCESS_* values: input for
 *          SET in list mode, output for GET (both modes); must be 0 for SET
 *          in range mode, which takes @range_rights instead
 * @range_rights: SET in range mode: rights for every frame; else 0
 * @reserved0: zero
 * @reserved: zero
 */
struct xenintro_access {
	__u32 size;
	__u32 flags;
	__u64 gfn;
	__u64 nr;
	__u64 gfns;
	__u64 rights;
	__u32 range_rights;
	__u32 reserved0;
	__u64 reserved[2];
};

/* xenintro_kick.flags */
#define XENINTRO_KICK_WAIT	(1U << 0) /* then sleep until events arrive */

/* xenintro_kick.timeout_ms: no limit */
#define XENINTRO_KICK_WAIT_FOREVER	0xffffffffU

/**
 * struct xenintro_kick - XENINTRO_IOC_KICK: consume the verdict ring now
 * @size: sizeof(struct xenintro_kick)
 * @flags: XENINTRO_KICK_WAIT (needs XENINTRO_FEATURE_KICK_WAIT, else
 *         -EOPNOTSUPP) or 0
 * @consumed: out: verdicts consumed
 * @timeout_ms: with KICK_WAIT: how long to sleep at most (0: not at all,
 *              XENINTRO_KICK_WAIT_FOREVER: no limit); else zero
 * @ready: out, with KICK_WAIT: events in the ring not yet consumed (0 on a
 *         timeout, or once the session ended: see ctrl->state)
 * @reserved0: zero
 * @reserved: zero
 *
 * With KICK_WAIT the sleep ends when the event ring holds an event, the
 * session ends (the domain died or DETACH ran), the time is up, or a
 * signal comes (-EINTR, or a transparent restart; the verdicts were
 * consumed either way). A kick on an ended session gets -ESRCH.
 */
struct xenintro_kick {
	__u32 size;
	__u32 flags;
	__u32 consumed;
	__u32 timeout_ms;
	__u32 ready;
	__u32 reserved0;
	__u64 reserved[1];
};

/**
 * struct xenintro_stats - XENINTRO_IOC_STATS
 * @size: sizeof(struct xenintro_stats)
 * @reserved0: zero
 * @requests: requests read from the hypervisor ring
 * @malformed: of those, rejected (bad version, vCPU or reason)
 * @forwarded: sync events handed to the agent
 * @notified: async copies handed to the agent
 * @dropped: async copies dropped (agent ring full)
 * @kernel_verdicts: events answered by the kernel without the agent
 * @agent_verdicts: verdicts from the agent applied
 * @deadline_expired: events answered with the default verdict at deadline
 * @verdicts_stale: verdicts naming no pending event
 * @verdicts_invalid: malformed verdicts
 * @backlog_max: most sync events ever waiting for agent ring space
 * @notifies: notifications sent to the hypervisor (one per batch)
 * @rule_hits: in: user pointer to __u64[@rule_hits_nr] that receives each
 *             rule's hit count (summed over CPUs), or 0
 * @rule_hits_nr: in: entries @rule_hits can hold; the kernel fills
 *                min(@rule_hits_nr, @rules_nr) of them
 * @rules_nr: out: rules in the table in force (0: none)
 * @rules_generation: out: XENINTRO_IOC_SET_RULES calls that succeeded
 * @mem_writes: out: bytes written into guest memory (WRITE_MEM)
 *
 * Every rule match counts one hit, whatever its action. Hit counts start
 * at zero with each new table.
 */
struct xenintro_stats {
	__u32 size;
	__u32 reserved0;
	__u64 requests;
	__u64 malformed;
	__u64 forwarded;
	__u64 notified;
	__u64 dropped;
	__u64 kernel_verdicts;
	__u64 agent_verdicts;
	__u64 deadline_expired;
	__u64 verdicts_stale;
	__u64 verdicts_invalid;
	__u64 backlog_max;
	__u64 notifies;
	__u64 rule_hits;
	__u32 rule_hits_nr;
	__u32 rules_nr;
	__u64 rules_generation;
	__u64 mem_writes;
};

/*
 * In-kernel rules (XENINTRO_FEATURE_RULES): the fast path.
 *
 * A session may install one rule table with XENINTRO_IOC_SET_RULES; a new
 * table replaces the old one atomically (an event is decided wholly by the
 * old or wholly by the new table). Every synchronous event is matched
 * against the table before it reaches the agent:
 *
 *  - no rule matches: the event is forwarded to the agent, as without rules;
 *  - the best match has action FORWARD: forwarded, with event.rule set;
 *  - any other action: the kernel answers at once with that verdict; with
 *    XENINTRO_RULE_NOTIFY it also puts a copy in the event ring
 *    (XENINTRO_EF_NOTIFY, event.rule set) that needs no verdict and never
 *    holds the vCPU: if the ring is full the copy is dropped and counted.
 *
 * Asynchronous events (the vCPU is not paused) are answered at once as
 * always; their copy reaches the agent unless the best match is a rule
 * without NOTIFY whose action is not FORWARD.
 *
 * Matching. A rule names an event (XENINTRO_EVENT_*) and an inclusive key
 * range [first, last]. The key of an event is:
 *   MEM_ACCESS   the frame (gfn)
 *   CTRLREG      the register index (XENINTRO_CR0 .. XENINTRO_XCR0)
 *   MSR          the MSR number
 *   CPUID        XENINTRO_CPUID_KEY(leaf, subleaf)
 *   BREAKPOINT   the vCPU's RIP; the frame with XENINTRO_RULE_KEY_GFN
 *   any other    the vCPU's RIP (SINGLESTEP, GUEST_REQUEST,
 *                DEBUG_EXCEPTION, DESC_ACCESS, EMUL_UNIMPL, VMEXIT)
 * and, within the range, these filters must also pass:
 *   vcpu_mask    bit n set for vCPU n < 64, vcpu_mask_hi bit n for vCPU
 *                64 + n (an HVM guest has up to 128); both 0 match every
 *                vCPU, and vCPUs >= 128 never match a nonzero mask
 *   MEM_ACCESS   u.mem_access.access: the fault's access shares a bit with
 *                it (0: any access); with XENINTRO_RULE_GLA the linear
 *                address is valid and within [gla_first, gla_last]
 *   CTRLREG      u.ctrlreg.set_mask / clear_mask: some bit in set_mask
 *                went 0 -> 1 or some bit in clear_mask went 1 -> 0; both
 *                zero matches every write
 * Of the rules that match, the one with the highest priority wins.
 *
 * Actions: a verdict valid for the event (see XENINTRO_VERDICT_*), or
 * FORWARD. SET_REGISTERS is accepted only for CPUID: the kernel completes
 * the instruction with eax..edx from u.cpuid (zero-extended into rax..rdx)
 * and advances RIP. EMULATE_READ_DATA is not a rule action. A MEM_ACCESS
 * rule cannot CONTINUE (-EINVAL): a rule never relaxes page rights, so
 * re-executing the access would fault again at once. EMULATE lets the
 * access through: EMULATE | NOTIFY logs a page range while the guest's
 * accesses go on.
 *
 * A table is refused whole, nothing changed, with error_index naming the
 * first bad rule:
 *   -EINVAL  unknown event, action or flag; nonzero reserved or unused
 *            fields; first > last; an action the event cannot take
 *            (CONTINUE on MEM_ACCESS included); NOTIFY with FORWARD
 *   -EEXIST  two rules for one event with equal priority whose keys,
 *            vCPU masks (both words) and filters can match the same event
 *            (ambiguous);
 *            only disjoint vCPU masks, access masks or gla ranges prove
 *            two rules apart (one CR write can set and clear bits at
 *            once, so CR bit masks never do)
 *   -E2BIG   more than XENINTRO_RULES_MAX rules (error_index ~0), or a
 *            record longer than the kernel's whose extra bytes are not
 *            zero (error_index names it)
 * Other errors leave error_index ~0 and change nothing either.
 */
#define XENINTRO_RULES_MAX		1024

#define XENINTRO_CPUID_KEY(leaf, subleaf) \
	(((__u64)(leaf) << 32) | (__u32)(subleaf))

/* xenintro_rule.flags */
#define XENINTRO_RULE_NOTIFY	(1U << 0) /* also copy the event to the agent */
#define XENINTRO_RULE_KEY_GFN	(1U << 1) /* BREAKPOINT: key is the frame */
#define XENINTRO_RULE_GLA	(1U << 2) /* MEM_ACCESS: filter on gla range */
#define XENINTRO_RULE_ALL	0x7U

/**
 * struct xenintro_rule - one rule of a table
 * @event: XENINTRO_EVENT_*
 * @action: XENINTRO_VERDICT_*, FORWARD included
 * @flags: XENINTRO_RULE_*
 * @priority: the highest priority among matching rules wins
 * @first: first key of the range (see above)
 * @last: last key of the range, >= @first
 * @vcpu_mask: vCPUs 0..63 the rule applies to (with @vcpu_mask_hi: both 0
 *             for all)
 * @u: event-specific filters or answer; zero where unused
 * @vcpu_mask_hi: vCPUs 64..127 the rule applies to
 * @reserved: zero
 */
struct xenintro_rule {
	__u32 event;
	__u32 action;
	__u32 flags;
	__u32 priority;
	__u64 first;
	__u64 last;
	__u64 vcpu_mask;
	union {
		struct {
			__u64 gla_first;
			__u64 gla_last;
			__u32 access;	/* XENINTRO_ACCESS_*, 0: any */
			__u32 pad;
		} mem_access;
		struct {
			__u64 set_mask;
			__u64 clear_mask;
		} ctrlreg;
		struct {	/* the SET_REGISTERS answer */
			__u32 eax;
			__u32 ebx;
			__u32 ecx;
			__u32 edx;
		} cpuid;
		__u64 raw[4];
	} u;
	__u64 vcpu_mask_hi;
	__u64 reserved[2];
};

/**
 * struct xenintro_rules - XENINTRO_IOC_SET_RULES: install a rule table
 * @size: sizeof(struct xenintro_rules)
 * @flags: zero
 * @nr: rules in @rules, 0 .. XENINTRO_RULES_MAX; 0 removes the table
 * @rule_size: sizeof(struct xenintro_rule) as the caller knows it; larger
 *             records are accepted if the bytes the kernel does not know
 *             are zero (else -E2BIG), smaller than the first version get
 *             -EINVAL
 * @rules: user pointer to @nr records of @rule_size bytes
 * @error_index: out: the first refused rule, or ~0
 * @reserved0: zero
 * @generation: out: the new table's generation (see
 *              xenintro_stats.rules_generation)
 * @reserved: zero
 *
 * Needs XENINTRO_FEATURE_RULES from the handshake (else -EOPNOTSUPP).
 * Events already forwarded keep waiting for the agent's verdict.
 */
struct xenintro_rules {
	__u32 size;
	__u32 flags;
	__u32 nr;
	__u32 rule_size;
	__u64 rules;
	__u32 error_index;
	__u32 reserved0;
	__u64 generation;
	__u64 reserved[2];
};

/*
 * Guest memory (XENINTRO_FEATURE_MEMORY).
 *
 * READ_MEM reads many segments in one call; each is guest-physical, or
 * guest-virtual translated through one root for the whole call:
 *   ROOT_CR3    an explicit CR3 with its paging mode (XENINTRO_PAGING_*)
 *               and the NXE/PSE bits of EFER/CR4 (XENINTRO_ROOTF_*)
 *   ROOT_VCPU   vCPU @vcpu's current CR0/CR3/CR4/EFER, read from the
 *               hypervisor at the call
 *   ROOT_EVENT  the registers of the synchronous event @seq of vCPU @vcpu,
 *               which must still wait for this session's verdict (the
 *               common case inside an event handler); -ENOENT otherwise
 * Translation follows the CPU (kmod/walk.c): 32-bit (4K, 4M with PSE),
 * PAE, 4- and 5-level long mode (LA57), 4K/2M/4M/1G pages, NX, U/S and
 * R/W combined over the levels. Nothing is cached between calls or between
 * pages: every page of every segment is translated from the tables as they
 * are at that moment, so no CR3 or page-table change can make an answer
 * stale.
 *
 * Each segment reports how many bytes it got (@done) and, if it stopped
 * short, why (@stop, XENINTRO_STOP_*) and where (@stop_addr, the address
 * in the segment's own space). A read crossing a page boundary either
 * gets both pages or stops at the boundary with done set: never bytes
 * from the wrong place. The call itself returns 0 once the arguments were
 * valid, however the segments ended; -EINTR on a fatal signal (the
 * segments done so far are reported).
 *
 * WRITE_MEM has the same shape; @buf is then the source. It needs
 * XENINTRO_FEATURE_MEM_WRITE (see above). Writes are counted in
 * xenintro_stats.mem_writes and logged (rate-limited) by the kernel.
 *
 * TRANSLATE walks one address and reports every entry it read.
 */
#define XENINTRO_ROOT_CR3	0
#define XENINTRO_ROOT_VCPU	1
#define XENINTRO_ROOT_EVENT	2

/* paging modes */
#define XENINTRO_PAGING_NONE	0 /* CR0.PG clear: virtual = physical */
#define XENINTRO_PAGING_32	1 /* 2 levels, 4-byte entries */
#define XENINTRO_PAGING_PAE	2 /* 3 levels */
#define XENINTRO_PAGING_LM4	3 /* long mode, 4 levels */
#define XENINTRO_PAGING_LM5	4 /* long mode, 5 levels (CR4.LA57) */

/* xenintro_mem_root.flags, for ROOT_CR3 */
#define XENINTRO_ROOTF_NXE	(1U << 0) /* EFER.NXE: bit 63 is NX */
#define XENINTRO_ROOTF_PSE	(1U << 1) /* CR4.PSE: 4M pages in 32-bit */

/* why a segment or a walk stopped */
#define XENINTRO_STOP_NONE		0 /* it did not */
#define XENINTRO_STOP_NOT_PRESENT	1 /* a page-table entry is not present */
#define XENINTRO_STOP_RESERVED		2 /* an entry has a reserved bit set */
#define XENINTRO_STOP_OUTSIDE		3 /* the address, or a table, is not
					   * guest memory
					   */
#define XENINTRO_STOP_NONCANONICAL	4 /* not canonical (above 4 GiB in a
					   * 32-bit mode)
					   */
#define XENINTRO_STOP_USER_FAULT	5 /* @buf could not be accessed */

/* xenintro_translate.rights */
#define XENINTRO_XLAT_R		(1U << 0)
#define XENINTRO_XLAT_W		(1U << 1)
#define XENINTRO_XLAT_X		(1U << 2)
#define XENINTRO_XLAT_U		(1U << 3)

/**
 * struct xenintro_mem_root - how virtual addresses are translated
 * @kind: XENINTRO_ROOT_*
 * @vcpu: ROOT_VCPU, ROOT_EVENT: the vCPU; else zero
 * @seq: ROOT_EVENT: the event's seq; else zero
 * @cr3: ROOT_CR3: the table root; else zero
 * @mode: ROOT_CR3: XENINTRO_PAGING_*; else zero
 * @flags: ROOT_CR3: XENINTRO_ROOTF_*; else zero
 */
struct xenintro_mem_root {
	__u32 kind;
	__u32 vcpu;
	__u64 seq;
	__u64 cr3;
	__u32 mode;
	__u32 flags;
};

/* xenintro_mem_seg.flags */
#define XENINTRO_SEG_VIRT	(1U << 0) /* @addr is guest-virtual */

#define XENINTRO_MEM_SEGS_MAX	256
#define XENINTRO_MEM_SEG_MAX	(1U << 20) /* bytes per segment */

/**
 * struct xenintro_mem_seg - one segment of READ_MEM / WRITE_MEM
 * @addr: guest-physical, or guest-virtual with XENINTRO_SEG_VIRT
 * @buf: user pointer to @len bytes
 * @len: 1 .. XENINTRO_MEM_SEG_MAX
 * @flags: XENINTRO_SEG_*
 * @done: out: bytes transferred from the start (its input is ignored, as
 *        are @stop's and @stop_addr's, so an array can be reused)
 * @stop: out: XENINTRO_STOP_*
 * @stop_addr: out: where it stopped (in @addr's space)
 * @reserved: zero
 */
struct xenintro_mem_seg {
	__u64 addr;
	__u64 buf;
	__u32 len;
	__u32 flags;
	__u32 done;
	__u32 stop;
	__u64 stop_addr;
	__u64 reserved;
};

/**
 * struct xenintro_mem - XENINTRO_IOC_READ_MEM / XENINTRO_IOC_WRITE_MEM
 * @size: sizeof(struct xenintro_mem)
 * @flags: zero
 * @nr_segs: segments, 1 .. XENINTRO_MEM_SEGS_MAX
 * @seg_size: sizeof(struct xenintro_mem_seg) as the caller knows it (as
 *            SET_RULES' rule_size: longer records need zero tails)
 * @segs: user pointer to @nr_segs records; their outputs are written back
 * @root: for the virtual segments
 * @bytes: out: bytes transferred over all segments
 * @reserved: zero
 *
 * Errors (nothing transferred): -EINVAL for a bad field, -EOPNOTSUPP
 * without the feature, -ENOENT for a ROOT_EVENT that is not pending, -ESRCH
 * once the session ended, and the hypervisor's error for ROOT_VCPU.
 */
struct xenintro_mem {
	__u32 size;
	__u32 flags;
	__u32 nr_segs;
	__u32 seg_size;
	__u64 segs;
	struct xenintro_mem_root root;
	__u64 bytes;
	__u64 reserved[2];
};

/**
 * struct xenintro_translate - XENINTRO_IOC_TRANSLATE
 * @size: sizeof(struct xenintro_translate)
 * @flags: zero
 * @gva: in: the address
 * @root: in: as for READ_MEM
 * @gpa: out: the guest-physical address
 * @page_size: out: 4K, 2M, 4M or 1G
 * @rights: out: XENINTRO_XLAT_* combined over the levels
 * @mode: out: the paging mode walked (XENINTRO_PAGING_*)
 * @levels: out: entries read, in @entries from the top level down
 * @stop: out: XENINTRO_STOP_*; NONE when @gpa is valid
 * @fail_level: out: the level the walk stopped at (5 .. 1, 0 for none)
 * @reserved0: zero
 * @entries: out: the entries read
 * @reserved: zero
 *
 * A walk that stops is no error of the call: it returns 0 with @stop set.
 */
struct xenintro_translate {
	__u32 size;
	__u32 flags;
	__u64 gva;
	struct xenintro_mem_root root;
	__u64 gpa;
	__u64 page_size;
	__u32 rights;
	__u32 mode;
	__u32 levels;
	__u32 stop;
	__u32 fail_level;
	__u32 reserved0;
	__u64 entries[5];
	__u64 reserved[2];
};

/*
 * Zero-copy guest frames (XENINTRO_FEATURE_MEM_MAP), as privcmd's
 * MMAPBATCH_V2 does it for Xen's own tools:
 *
 *   p = mmap(NULL, nr * 4096, PROT_READ, MAP_SHARED, fd,
 *            XENINTRO_OFF_FRAMES);
 *   ioctl(fd, XENINTRO_IOC_MAP_FRAMES, { .addr = p, .nr = nr, .gfns, .errs })
 *
 * The mapping is read-only for good (PROT_WRITE, PROT_EXEC and a later
 * mprotect() are refused), is not inherited across fork() and is left out
 * of core dumps. Each mapping is filled by exactly one MAP_FRAMES covering
 * all of it; frames that could not be mapped (@errs[i] = -ENXIO: not the
 * guest's RAM) and every page after DETACH or the domain's death raise
 * SIGBUS when touched, never another frame's bytes. The whole batch is
 * mapped with one hypervisor call per 16 frames on Xen (mmu_update).
 *
 * Lifetime. Like a ring mapping, a frames mapping holds the file: the
 * session ends when the fd and every mapping are gone. DETACH, the
 * domain's death and the end of the session remove every frame from every
 * mapping of this fd at once (munmap is still the agent's to do). Until
 * then a mapped frame stays what it was when it was mapped: if the guest
 * gives the frame back to Xen meanwhile (ballooning,
 * decrease_reservation), the mapping holds a reference, so Xen cannot hand
 * the frame to anyone else; the agent goes on reading the frame's last
 * contents, which are no longer the guest's memory at that gfn. READ_MEM
 * at that gfn then stops with XENINTRO_STOP_OUTSIDE. An agent that needs
 * the current state of a gfn it mapped long ago uses READ_MEM, or maps it
 * again.
 */
#define XENINTRO_OFF_FRAMES	0x40000000ULL
#define XENINTRO_MAP_FRAMES_MAX	65536	/* frames per mapping (256 MiB) */

/**
 * struct xenintro_map_frames - XENINTRO_IOC_MAP_FRAMES
 * @size: sizeof(struct xenintro_map_frames)
 * @flags: zero
 * @nr: frames, 1 .. XENINTRO_MAP_FRAMES_MAX
 * @mapped: out: how many were mapped
 * @addr: a mapping of this fd at XENINTRO_OFF_FRAMES, exactly @nr pages,
 *        not filled before
 * @gfns: user pointer to @nr __u64 guest frame numbers
 * @errs: user pointer to @nr __s32, out: 0 or -ENXIO for each frame
 * @reserved: zero
 *
 * Errors (nothing mapped): -EINVAL for a bad field, a frame number of 2^40
 * or more, or no fitting mapping at @addr; -EBUSY for a mapping filled
 * before; -EOPNOTSUPP without the feature; -ESRCH once the session ended;
 * -EFAULT for @gfns; -ENOMEM. -EFAULT for @errs comes after the mapping
 * was filled (munmap it to try again).
 */
struct xenintro_map_frames {
	__u32 size;
	__u32 flags;
	__u32 nr;
	__u32 mapped;
	__u64 addr;
	__u64 gfns;
	__u64 errs;
	__u64 reserved[2];
};

/* xenintro_restrict.flags */
#define XENINTRO_RESTRICT_DOMAIN	(1U << 0) /* @domid is the only domain */
#define XENINTRO_RESTRICT_FLAGS		0x1U

/**
 * struct xenintro_restrict - XENINTRO_IOC_RESTRICT: give up rights for good
 * @size: sizeof(struct xenintro_restrict)
 * @flags: XENINTRO_RESTRICT_*
 * @domid: with XENINTRO_RESTRICT_DOMAIN, the one domain this fd may be
 *	attached to from now on
 * @reserved0: zero
 * @ioctls: bit (1 << _XENINTRO_x) of each ioctl this fd keeps; every
 *	other one answers -EPERM from now on. RESTRICT is always kept (it
 *	can only narrow further); 0 drops everything else.
 * @reserved: zero
 *
 * Like privcmd's IOCTL_PRIVCMD_RESTRICT: an agent drops what it does not
 * need once it is set up, before it reads guest data or hands the fd on,
 * so that a compromised agent, or whoever is given the fd, can do no
 * more than that with it. Restrictions only add up: @ioctls is
 * intersected with what the fd kept before, and a domain restriction
 * after another one must name the same domain. Needs the handshake.
 * Errors: -EINVAL for an unknown flag or ioctl bit, a non-zero reserved
 * field or an invalid domid; -EPERM for a domain restriction naming
 * another domain than an earlier one, or than the domain attached.
 */
struct xenintro_restrict {
	__u32 size;
	__u32 flags;
	__u16 domid;
	__u16 reserved0[3];
	__u64 ioctls;
	__u64 reserved[2];
};

/*
 * Sizes: 48 (api), 376 (regs), 512 (event), 512 (verdict), 88 (attach),
 * 40 (monitor), 64 (access), 32 (kick), 136 (stats), 96 (rule), 56 (rules),
 * 32 (mem_root), 48 (mem_seg), 80 (mem), 144 (translate),
 * 56 (map_frames), 40 (restrict).
 * The kernel asserts them with BUILD_BUG_ON (kmod/main.c), libxenintro with
 * _Static_assert (userspace/lib/src/session.c).
 */

#endif /* _UAPI_LINUX_XENINTRO_H */
