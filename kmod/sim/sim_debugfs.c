// SPDX-License-Identifier: GPL-2.0
/*
 * xenintro_sim: the control file, /sys/kernel/debug/xenintro_sim/control.
 *
 * Protocol
 * --------
 * Each write() is one command line: a command name followed by key=value
 * words separated by blanks (at most 255 bytes, a trailing newline is
 * fine). The command runs inside write(), blocking where a real vCPU or
 * toolstack call would block, and its one-line result is then read back
 * with read() on the same open file (the result belongs to the open file;
 * each write() replaces it and rewinds the file position; pread() at 0
 * works too). Numbers are parsed like strtoull(s, NULL, 0): decimal, 0x
 * hex (or octal with a leading 0). Keys may come in any order; an unknown
 * or repeated key is an error.
 *
 * On success write() returns the length written and the result line
 * starts with "result=". On failure write() returns -errno and the result
 * line reads "error=<errno> msg=<text>" (errno as a positive number).
 * The file may be shared by several tasks; each result replaces the last.
 * A command interrupted by a signal fails with EINTR; a vCPU left waiting
 * for an answer stays paused until the answer comes or the domain dies.
 *
 * Domains
 * -------
 *   create domid=N vcpus=V frames=F [hvm=0|1] [vendor=intel|amd]
 *          [altp2m=0|1] [paused=0|1] [name=NAME] [role=guest|driver|stub]
 *       domid 1..0x7fef, vcpus 1..128, frames 1..1048576. hvm defaults to
 *       1 (hvm=0 models a PV guest: no ring, no monitor events). vendor
 *       defaults to intel; amd behaves like SVM: mem_access ops fail with
 *       EINVAL, the SINGLESTEP monitor with EOPNOTSUPP, VMEXIT events are
 *       never raised, single-step toggles do nothing. altp2m (Intel only,
 *       default 1) makes altp2m active with views 0..9: requests carry
 *       ALTERNATE_P2M and the vCPU's view, and responses can switch it.
 *       paused=1 creates the domain with a toolstack pause count of 1
 *       (xl create -p). EEXIST if the domid is taken (a destroyed domain
 *       keeps its domid until the session that monitored it has
 *       disabled the ring). name= is the toolstack's name (xenstore's
 *       /local/domain/<id>/name on Xen; none by default, at most 63
 *       characters); role=driver or stub marks the domain as Xen's
 *       backend reads xenstore (a driver domain hosting backends, a
 *       device-model or xenstore stub domain), for the core's domain
 *       policy. The module parameter own_domid names the domain this
 *       kernel plays to run in.
 *       -> result=done domid= vcpus= frames= hvm= vendor= altp2m= role=
 *   destroy domid=N
 *       The domain dies: blocked vCPUs wake with result=dead, no more
 *       requests are produced or responses consumed, an attached session
 *       is told (xenintro_domain_dead()). ESRCH if unknown or dying.
 *       -> result=done domid= attached=0|1
 *   balloon domid=N gfn=G
 *       The guest gives frame G back (its balloon driver's
 *       decrease_reservation): foreign reads and maps of G fail (ENXIO)
 *       until the guest writes G again; mappings made before keep the
 *       old page. -> result=done domid= gfn=
 *   pause domid=N / unpause domid=N
 *       The toolstack pause count (xl pause), shared with the core's
 *       pause op: at most 255 (EOVERFLOW), unpause at 0 is EINVAL. pause
 *       returns once no vCPU is executing; paused vCPUs' commands wait.
 *       -> result=done pause=<count>
 *
 * vCPU commands (each one guest instruction; vcpu=V is 0..vcpus-1)
 * ------------------------------------------------------------------
 * Every vCPU starts in the x86 reset state: rip=0xfff0 rflags=0x2
 * cr0=0x60000010 cr3=0 cr4=0 xcr0=0x1, other registers and MSRs 0. A
 * command on a vCPU waits while the domain is paused, while the vCPU is
 * paused for an unanswered sync event or throttled, and while another
 * command runs on it. Every vCPU command takes [cpl=0..3], the privilege
 * level the instruction runs at (default 0; guest_request's user=1 is
 * cpl=3): the DPL of CS and SS and the RPL of their selectors in the
 * event's registers, as a guest's user mode has them. MOV to CR and
 * WRMSR take cpl=0 only: at CPL > 0 the CPU raises #GP before any exit.
 *   access domid=N vcpu=V gfn=G op=r|w|x [gla=X] [offset=X] [value=X]
 *       8-byte read (into rax), write (value=, default rax) or
 *       instruction fetch at the 8-byte aligned offset of frame G. If the
 *       frame's rights forbid it: with no ring the rights reset to rwx and
 *       the access completes (Xen with access_required=0); else a sync
 *       MEM_ACCESS event (gfn, offset, gla with GLA_VALID|FAULT_WITH_GLA
 *       if given, the R/W/X flag). EMULATE -> emulated (only if the echoed
 *       u.mem_access still conflicts with the rights, as Xen checks),
 *       EMULATE_NOWRITE -> emulated-nowrite (a write changes nothing),
 *       SET_EMUL_READ_DATA -> emulated-readdata (a read returns the data).
 *       Else the access runs again: done if allowed now, skipped if
 *       SET_REGISTERS moved rip, otherwise another event, refault after 4.
 *       value= in the result is the word read, or the memory after.
 *   cr domid=N vcpu=V index=0..3 value=X
 *       MOV to CR0 (0), CR3 (1), CR4 (2) or XSETBV to XCR0 (3). An event
 *       needs the monitor on and a change outside the ignore mask (equal
 *       values never raise one). Without CONTROL_REGISTERS mode the write
 *       happens first and DENY is ignored; with it CR0/3/4 are written on
 *       resume unless denied -> denied. Sync only with XENINTRO_MON_SYNC.
 *       value= in the result is the register after.
 *   msr domid=N vcpu=V msr=X value=Y
 *       WRMSR. Always sync when monitored; deferral and DENY as for CRs.
 *       Named MSRs (0x174-0x176, 0xc0000080-0xc0000084, 0xc0000100-
 *       0xc0000102) plus up to 16 others per vCPU (ENOSPC beyond).
 *   int3 domid=N vcpu=V [rip=X]
 *       Unmonitored -> reinjected (the guest's own #BP). Monitored: sync
 *       SOFTWARE_BREAKPOINT (gfn of rip, insn_length 1, type 6). Answer
 *       with ->inject -> reinjected, SET_REGISTERS moving rip -> skipped,
 *       EMULATE + SET_EMUL_INSN_DATA -> emulated, else runs again.
 *   cpuid domid=N vcpu=V leaf=X [subleaf=Y]
 *       Result: eax=leaf ebx=subleaf ecx=0x73696d20 ("sim ") edx=leaf^
 *       subleaf (zero-extended). Unmonitored -> done, rip += 2. Monitored:
 *       sync CPUID with the result in rax..rdx and rip not advanced; an
 *       answer moving rip (SET_REGISTERS) -> done, else CPUID runs again
 *       with the current eax/ecx (refault after 4).
 *   guest_request domid=N vcpu=V [user=0|1]
 *       Sync or async per the monitor's flag; from ring 3 (user=1) only
 *       with ALLOW_USERSPACE. -> done, or no-event when not raised.
 *   desc domid=N vcpu=V descriptor=1..4 write=0|1
 *       IDTR/GDTR/LDTR/TR access. Unmonitored -> done. Monitored: sync
 *       DESCRIPTOR_ACCESS; EMULATE -> emulated (-nowrite, -readdata),
 *       rip moved -> skipped, else it runs again as on Xen (refault).
 *   debug domid=N vcpu=V [type=X] [pending_dbg=X]
 *       A #DB (type default 3, hardware exception). Unmonitored or async
 *       -> reinjected (the guest gets it); sync: reinjected if the answer
 *       injects it, else done.
 *   singlestep domid=N vcpu=V
 *       Runs one 1-byte instruction. With single-stepping on (Intel, via
 *       TOGGLE_SINGLESTEP) and the monitor on: sync SINGLESTEP. -> done.
 *   emul_unimpl domid=N vcpu=V        sync EMUL_UNIMPLEMENTED, or no-event
 *   vmexit domid=N vcpu=V reason=X [qual=X]
 *       Sync per flag, Intel only; -> done, or no-event.
 *
 *   Result: result=<done|emulated|emulated-nowrite|emulated-readdata|
 *   denied|reinjected|skipped|refault|dead|no-event> events=<requests
 *   raised> rip= rax= rbx= rcx= rdx= value=<CR/MSR/memory value after>
 *   ss=<0|1> altp2m=<view> [inject=<vector delivered by ->inject>]
 *   [readsize=<n> readdata=<hex of up to 32 bytes>] (all numbers 0x hex
 *   except events, ss, altp2m, inject and readsize).
 *
 * Tests
 * -----
 *   storm domid=N events=E threads=M kind=cpuid|cr3|msr|int3|access
 *       M kernel threads (1..128), thread i runs vCPU i % vcpus, E guest
 *       instructions (1..1000000) in all, back to back, each waiting for
 *       its answers (async ones too). cpuid: leaf = counter; cr3: a new
 *       CR3 value every time; msr: a new LSTAR value every time; int3: at
 *       the vCPU's rip; access: a write to frame (thread % frames).
 *       -> result=done|dead kind= threads= ops= events=<requests>
 *          elapsed_ns= events_per_s= ops_per_s= lat_median_ns= lat_p99_ns=
 *          samples=   (latency: request placed -> response applied)
 *   corrupt domid=N what=version|vcpu|reason [timeout_ms=T]
 *       Places one malformed request (interface version 3, vcpu_id 9999
 *       or reason 200) as a foreign producer and kicks; waits up to T ms
 *       (default 1000) for a response to free its slot. ENODEV without a
 *       ring, EBUSY if the ring is full.
 *       -> result=done what= slot= freed=0|1 wait_ns=
 *   garbage domid=N records=R [seed=S] [timeout_ms=T]
 *       Feeds R (1..100000000) fuzzed requests through the ring as a
 *       foreign producer: a quarter random bytes, the rest well-formed
 *       records of random reason, vCPU and flags with 1..8 random bytes
 *       changed; the same seed (default 1) gives the same records. Fills
 *       every free slot, kicks, waits up to T ms (default 5000) for slots
 *       to be answered, and so on; at the end waits for every one.
 *       ETIMEDOUT if the consumer stopped answering.
 *       -> result=done placed= answered= ns=
 *   fault domid=N op=<point> [action=fail|destroy] [errno=E] [skip=K]
 *         [delay_us=U]
 *       Arms one fault (sim_fault.c), replacing any armed one; op=none
 *       disarms. Points: pause, unpause, ring_enable, ring_hide (the ring
 *       frame leaving the guest's memory), notify, monitor, set_access,
 *       get_access, reset_access, singlestep_off, map_frame (each frame
 *       of a MAP_FRAMES). It fires at the
 *       (K+1)-th call: fail makes the op return -E (default E=5, EIO)
 *       without doing anything; destroy destroys the domain from a work
 *       item while the op waits up to U us (default 100000; notify spins
 *       at most 1000) for the core to disable the ring, and counts a race
 *       if the ring went while the op had not returned.
 *       -> result=done domid= op= action=
 *   faults
 *       -> result=done fired=<faults fired> raced=<rings disabled under
 *          a running op>, module-wide totals
 *   state domid=N
 *       -> result=done domid= ring=0|1 free=<free slots> pause=<count>
 *          monitors=<enabled monitor events; each CR and MSR counts>
 *          control_registers=0|1 restricted=<frames not rwx>
 *          dropped=<responses dropped> attached=0|1 dying=0|1 requests=
 *          responses= running=<vCPUs executing> waiters=<vCPUs waiting
 *          for a slot> throttled= req_prod= rsp_cons= dropped_version=
 *          dropped_vcpu= overruns=<rsp_prod beyond the requests> msrs=
 *          pages=<frames with memory> vcpus= frames= hvm= vendor= altp2m=
 *          monitor_list=<list>
 *       monitor_list names cr0, cr3, cr4, xcr0 as crN[:s][:o] (sync,
 *       onchange), msr, ss, bp, gr[:s][:u], db[:s], cpuid, desc, eu,
 *       vmexit[:s], or "none".
 *   state domid=N vcpu=V
 *       -> result=done vcpu= paused=<vm_event pause count> throttled=0|1
 *          running=0|1 inject=<pending vector or -1> ss=0|1 altp2m=
 *          events=<requests raised> rip= rax= rbx= rcx= rdx= cr0= cr3= cr4=
 *          xcr0= lstar= rflags= rsp= rbp= rsi= rdi= r8= .. r15= cr2= efer=
 *          star= cstar= sfmask= fs_base= gs_base= shadow_gs= sysenter_cs=
 *          sysenter_esp= sysenter_eip= fast_ss=0|1
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bitops.h>
#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/math64.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/time64.h>
#include <linux/uaccess.h>

#include "sim.h"

#define SIM_LINE_MAX		256
#define SIM_RESULT_MAX		1536
#define SIM_ARGS_MAX		12
#define SIM_STORM_OPS_MAX	1000000

/* Per open file: the result of the last command. */
struct sim_file {
	struct mutex lock;	/* protects result, len and rewind */
	char result[SIM_RESULT_MAX];
	size_t len;
	bool rewind;		/* a new result: read from its start */
};

/* One command being parsed and run. */
struct sim_ctx {
	char *key[SIM_ARGS_MAX];
	char *val[SIM_ARGS_MAX];
	bool used[SIM_ARGS_MAX];
	unsigned int nr;
	char *out;		/* result line */
	size_t len;
	char msg[96];		/* error text */
};

static struct dentry *sim_debugfs_dir;

static __printf(2, 3) void sim_out(struct sim_ctx *c, const char *fmt, ...)
{
	va_list args;

	if (c->len >= SIM_RESULT_MAX - 1)
		return;
	va_start(args, fmt);
	c->len += vscnprintf(c->out + c->len, SIM_RESULT_MAX - c->len, fmt,
			     args);
	va_end(args);
}

static __printf(3, 4) int sim_fail(struct sim_ctx *c, int err,
				   const char *fmt, ...)
{
	va_list args;

	va_start(args, fmt);
	vsnprintf(c->msg, sizeof(c->msg), fmt, args);
	va_end(args);
	return err;
}

static int sim_arg_find(struct sim_ctx *c, const char *key)
{
	unsigned int i;

	for (i = 0; i < c->nr; i++) {
		if (!strcmp(c->key[i], key)) {
			c->used[i] = true;
			return i;
		}
	}
	return -1;
}

/* An optional string argument; NULL if absent. */
static const char *sim_arg_str(struct sim_ctx *c, const char *key)
{
	int i = sim_arg_find(c, key);

	return i < 0 ? NULL : c->val[i];
}

/*
 * A numeric argument in [min, max]. Returns 0, -ENOENT if absent (an
 * error when @required) or -EINVAL.
 */
static int sim_arg_u64(struct sim_ctx *c, const char *key, bool required,
		       u64 min, u64 max, u64 *val)
{
	int i = sim_arg_find(c, key);

	if (i < 0) {
		if (required)
			return sim_fail(c, -EINVAL, "missing %s=", key);
		return -ENOENT;
	}
	if (kstrtou64(c->val[i], 0, val))
		return sim_fail(c, -EINVAL, "bad number %s=%s", key,
				c->val[i]);
	if (*val < min || *val > max)
		return sim_fail(c, -EINVAL, "%s=%s out of range 0x%llx..0x%llx",
				key, c->val[i], min, max);
	return 0;
}

static int sim_arg_u32(struct sim_ctx *c, const char *key, bool required,
		       u64 min, u64 max, u32 *val)
{
	u64 v;
	int ret = sim_arg_u64(c, key, required, min, max, &v);

	if (!ret)
		*val = v;
	return ret;
}

/* A 0|1 argument with a default. */
static int sim_arg_bool(struct sim_ctx *c, const char *key, bool def,
			bool *val)
{
	u64 v;
	int ret = sim_arg_u64(c, key, false, 0, 1, &v);

	if (ret == -ENOENT) {
		*val = def;
		return 0;
	}
	if (!ret)
		*val = v;
	return ret;
}

/* After a command parsed its arguments: anything left over is an error. */
static int sim_args_done(struct sim_ctx *c)
{
	unsigned int i;

	for (i = 0; i < c->nr; i++)
		if (!c->used[i])
			return sim_fail(c, -EINVAL, "unknown key %s=",
					c->key[i]);
	return 0;
}

static int sim_arg_domain(struct sim_ctx *c, struct sim_domain **d)
{
	u64 domid;
	int ret;

	ret = sim_arg_u64(c, "domid", true, 1, SIM_DOMID_MAX, &domid);
	if (ret)
		return ret;
	*d = sim_domain_get(domid);
	if (!*d)
		return sim_fail(c, -ESRCH, "no domain %llu", domid);
	return 0;
}

/* create's name= and role=: who the domain is, for the domain policy. */
static int sim_arg_identity(struct sim_ctx *c, struct sim_create *cr)
{
	const char *name = sim_arg_str(c, "name");
	const char *role = sim_arg_str(c, "role");

	if (name && (!*name || strlen(name) >= sizeof(cr->name)))
		return sim_fail(c, -EINVAL, "name= has 1 to %zu characters",
				sizeof(cr->name) - 1);
	if (name)
		strscpy(cr->name, name, sizeof(cr->name));
	if (!role || !strcmp(role, "guest"))
		return 0;
	if (!strcmp(role, "driver"))
		cr->marks = XENINTRO_IDENT_DRIVER;
	else if (!strcmp(role, "stub"))
		cr->marks = XENINTRO_IDENT_STUB;
	else
		return sim_fail(c, -EINVAL, "role must be guest, driver or stub");
	return 0;
}

static int sim_cmd_create(struct sim_ctx *c)
{
	struct sim_create cr = {};
	const char *vendor;
	u64 val;
	int ret;

	ret = sim_arg_u64(c, "domid", true, 1, SIM_DOMID_MAX, &val);
	if (ret)
		return ret;
	cr.domid = val;
	ret = sim_arg_u32(c, "vcpus", true, 1, SIM_VCPUS_MAX, &cr.vcpus);
	if (ret)
		return ret;
	ret = sim_arg_u32(c, "frames", true, 1, SIM_FRAMES_MAX, &cr.frames);
	if (ret)
		return ret;
	ret = sim_arg_bool(c, "hvm", true, &cr.hvm);
	if (ret)
		return ret;
	vendor = sim_arg_str(c, "vendor");
	if (vendor && !strcmp(vendor, "amd"))
		cr.amd = true;
	else if (vendor && strcmp(vendor, "intel"))
		return sim_fail(c, -EINVAL, "vendor must be intel or amd");
	ret = sim_arg_bool(c, "altp2m", !cr.amd && cr.hvm, &cr.altp2m);
	if (ret)
		return ret;
	if (cr.altp2m && (cr.amd || !cr.hvm))
		return sim_fail(c, -EINVAL, "altp2m needs an Intel HVM guest");
	ret = sim_arg_bool(c, "paused", false, &cr.paused);
	if (ret)
		return ret;
	ret = sim_arg_identity(c, &cr);
	if (ret)
		return ret;
	ret = sim_args_done(c);
	if (ret)
		return ret;

	ret = sim_domain_create(&cr);
	if (ret == -EEXIST)
		return sim_fail(c, ret, "domain %u exists", cr.domid);
	if (ret)
		return sim_fail(c, ret, "cannot create domain");
	sim_out(c, "result=done domid=%u vcpus=%u frames=%u hvm=%u vendor=%s altp2m=%u role=%s",
		cr.domid, cr.vcpus, cr.frames, cr.hvm,
		cr.amd ? "amd" : "intel", cr.altp2m,
		cr.marks & XENINTRO_IDENT_STUB ? "stub" :
		cr.marks & XENINTRO_IDENT_DRIVER ? "driver" : "guest");
	return 0;
}

static int sim_cmd_destroy(struct sim_ctx *c)
{
	bool attached;
	u64 domid;
	int ret;

	ret = sim_arg_u64(c, "domid", true, 1, SIM_DOMID_MAX, &domid);
	if (ret)
		return ret;
	ret = sim_args_done(c);
	if (ret)
		return ret;
	ret = sim_domain_destroy(domid, &attached);
	if (ret)
		return sim_fail(c, ret, "no live domain %llu", domid);
	sim_out(c, "result=done domid=%llu attached=%u", domid, attached);
	return 0;
}

static int sim_cmd_balloon(struct sim_ctx *c)
{
	struct sim_domain *d;
	u64 gfn;
	int ret;

	ret = sim_arg_domain(c, &d);
	if (ret)
		return ret;
	ret = sim_arg_u64(c, "gfn", true, 0, d->nr_frames - 1, &gfn);
	if (!ret)
		ret = sim_args_done(c);
	if (!ret) {
		ret = sim_frame_balloon(d, gfn);
		if (ret)
			sim_fail(c, ret, "balloon failed");
		else
			sim_out(c, "result=done domid=%u gfn=%llu", d->domid,
				gfn);
	}
	sim_domain_put(d);
	return ret;
}

static int sim_cmd_pause_common(struct sim_ctx *c, bool pause)
{
	struct sim_domain *d;
	unsigned long flags;
	u32 count;
	int ret;

	ret = sim_arg_domain(c, &d);
	if (ret)
		return ret;
	ret = sim_args_done(c);
	if (!ret)
		ret = pause ? sim_pause(d) : sim_unpause(d);
	if (ret == -EOVERFLOW)
		sim_fail(c, ret, "pause count at its maximum");
	else if (ret == -EINVAL && !c->msg[0])
		sim_fail(c, ret, "domain is not paused");
	else if (ret == -ESRCH)
		sim_fail(c, ret, "domain is dying");
	if (!ret) {
		spin_lock_irqsave(&d->lock, flags);
		count = d->pause_count;
		spin_unlock_irqrestore(&d->lock, flags);
		sim_out(c, "result=done pause=%u", count);
	}
	sim_domain_put(d);
	return ret;
}

static int sim_cmd_pause(struct sim_ctx *c)
{
	return sim_cmd_pause_common(c, true);
}

static int sim_cmd_unpause(struct sim_ctx *c)
{
	return sim_cmd_pause_common(c, false);
}

/* The arguments specific to each vCPU command. */
static int sim_parse_exec(struct sim_ctx *c, struct sim_domain *d,
			  struct sim_exec *x)
{
	const char *s;
	int ret = 0;

	switch (x->op) {
	case SIM_OP_ACCESS:
		ret = sim_arg_u64(c, "gfn", true, 0, d->nr_frames - 1, &x->gfn);
		if (ret)
			return ret;
		s = sim_arg_str(c, "op");
		if (!s)
			return sim_fail(c, -EINVAL, "missing op=");
		if (!strcmp(s, "r"))
			x->access = XVE_MEM_ACCESS_R;
		else if (!strcmp(s, "w"))
			x->access = XVE_MEM_ACCESS_W;
		else if (!strcmp(s, "x"))
			x->access = XVE_MEM_ACCESS_X;
		else
			return sim_fail(c, -EINVAL, "op must be r, w or x");
		ret = sim_arg_u64(c, "gla", false, 0, U64_MAX, &x->gla);
		if (ret && ret != -ENOENT)
			return ret;
		x->has_gla = !ret;
		/* The offset in the frame defaults to the gla's. */
		ret = sim_arg_u64(c, "offset", false, 0, PAGE_SIZE - 1,
				  &x->offset);
		if (ret == -ENOENT)
			x->offset = x->has_gla ? x->gla & (PAGE_SIZE - 1) : 0;
		else if (ret)
			return ret;
		ret = sim_arg_u64(c, "value", false, 0, U64_MAX, &x->value);
		x->has_value = !ret;
		break;
	case SIM_OP_CR:
		ret = sim_arg_u32(c, "index", true, 0, 3, &x->index);
		if (!ret)
			ret = sim_arg_u64(c, "value", true, 0, U64_MAX,
					  &x->value);
		break;
	case SIM_OP_MSR:
		ret = sim_arg_u32(c, "msr", true, 0, U32_MAX, &x->index);
		if (!ret)
			ret = sim_arg_u64(c, "value", true, 0, U64_MAX,
					  &x->value);
		break;
	case SIM_OP_INT3:
		ret = sim_arg_u64(c, "rip", false, 0, U64_MAX, &x->rip);
		x->has_rip = !ret;
		break;
	case SIM_OP_CPUID:
		ret = sim_arg_u32(c, "leaf", true, 0, U32_MAX, &x->index);
		if (!ret)
			ret = sim_arg_u64(c, "subleaf", false, 0, U32_MAX,
					  &x->arg);
		break;
	case SIM_OP_GUEST_REQUEST:
		ret = sim_arg_bool(c, "user", false, &x->user);
		break;
	case SIM_OP_DESC:
		ret = sim_arg_u32(c, "descriptor", true, 1, 4, &x->index);
		if (!ret)
			ret = sim_arg_bool(c, "write", false, &x->write);
		break;
	case SIM_OP_DEBUG:
		x->type = 3;		/* hardware exception */
		ret = sim_arg_u64(c, "type", false, 0, 7, &x->arg);
		if (!ret)
			x->type = x->arg;
		else if (ret != -ENOENT)
			return ret;
		x->arg = 0;
		ret = sim_arg_u64(c, "pending_dbg", false, 0, U64_MAX,
				  &x->arg);
		break;
	case SIM_OP_VMEXIT:
		ret = sim_arg_u32(c, "reason", true, 0, U32_MAX, &x->index);
		if (!ret)
			ret = sim_arg_u64(c, "qual", false, 0, U64_MAX,
					  &x->arg);
		break;
	case SIM_OP_SINGLESTEP:
	case SIM_OP_EMUL_UNIMPL:
		break;
	}
	return ret == -ENOENT ? 0 : ret;
}

static void sim_out_hex(struct sim_ctx *c, const u8 *buf, u32 len)
{
	u32 i;

	for (i = 0; i < len; i++)
		sim_out(c, "%02x", buf[i]);
}

/* cpl=: the privilege level of the instruction; see the vCPU commands. */
static int sim_parse_cpl(struct sim_ctx *c, struct sim_exec *x)
{
	u32 cpl;
	int ret;

	ret = sim_arg_u32(c, "cpl", false, 0, 3, &cpl);
	if (ret == -ENOENT) {
		x->cpl = x->user ? 3 : 0;
		return 0;
	}
	if (ret)
		return ret;
	if (x->user && cpl != 3)
		return sim_fail(c, -EINVAL, "user=1 is cpl=3");
	if (cpl && (x->op == SIM_OP_CR || x->op == SIM_OP_MSR))
		return sim_fail(c, -EINVAL,
				"MOV to CR and WRMSR fault (#GP) at CPL %u: no exit",
				cpl);
	x->cpl = cpl;
	return 0;
}

static int sim_cmd_vcpu(struct sim_ctx *c, enum sim_op op)
{
	struct sim_exec x = { .op = op };
	struct sim_outcome out;
	struct sim_domain *d;
	u32 vcpu;
	int ret;

	ret = sim_arg_domain(c, &d);
	if (ret)
		return ret;
	ret = sim_arg_u32(c, "vcpu", true, 0, d->nr_vcpus - 1, &vcpu);
	if (!ret)
		ret = sim_parse_exec(c, d, &x);
	if (!ret)
		ret = sim_parse_cpl(c, &x);
	if (!ret)
		ret = sim_args_done(c);
	if (ret)
		goto out;

	ret = sim_guest_exec(d, &d->vcpus[vcpu], &x, &out);
	if (ret == -EINTR)
		sim_fail(c, ret, "interrupted");
	else if (ret == -ENOSPC)
		sim_fail(c, ret, "no room for another MSR");
	else if (ret)
		sim_fail(c, ret, "cannot execute");
	if (ret)
		goto out;

	sim_out(c,
		"result=%s events=%u rip=0x%llx rax=0x%llx rbx=0x%llx rcx=0x%llx rdx=0x%llx value=0x%llx ss=%u altp2m=%u",
		sim_result_name(out.result), out.events, out.rip, out.rax,
		out.rbx, out.rcx, out.rdx, out.value, out.ss, out.altp2m);
	if (out.inject >= 0)
		sim_out(c, " inject=%d", out.inject);
	if (out.result == SIM_R_EMULATED_READDATA) {
		sim_out(c, " readsize=%u readdata=", out.read_size);
		sim_out_hex(c, out.read, min_t(u32, out.read_size,
					       sizeof(out.read)));
	}
out:
	sim_domain_put(d);
	return ret;
}

static int sim_cmd_access(struct sim_ctx *c)
{
	return sim_cmd_vcpu(c, SIM_OP_ACCESS);
}

static int sim_cmd_cr(struct sim_ctx *c)
{
	return sim_cmd_vcpu(c, SIM_OP_CR);
}

static int sim_cmd_msr(struct sim_ctx *c)
{
	return sim_cmd_vcpu(c, SIM_OP_MSR);
}

static int sim_cmd_int3(struct sim_ctx *c)
{
	return sim_cmd_vcpu(c, SIM_OP_INT3);
}

static int sim_cmd_cpuid(struct sim_ctx *c)
{
	return sim_cmd_vcpu(c, SIM_OP_CPUID);
}

static int sim_cmd_guest_request(struct sim_ctx *c)
{
	return sim_cmd_vcpu(c, SIM_OP_GUEST_REQUEST);
}

static int sim_cmd_desc(struct sim_ctx *c)
{
	return sim_cmd_vcpu(c, SIM_OP_DESC);
}

static int sim_cmd_debug(struct sim_ctx *c)
{
	return sim_cmd_vcpu(c, SIM_OP_DEBUG);
}

static int sim_cmd_singlestep(struct sim_ctx *c)
{
	return sim_cmd_vcpu(c, SIM_OP_SINGLESTEP);
}

static int sim_cmd_emul_unimpl(struct sim_ctx *c)
{
	return sim_cmd_vcpu(c, SIM_OP_EMUL_UNIMPL);
}

static int sim_cmd_vmexit(struct sim_ctx *c)
{
	return sim_cmd_vcpu(c, SIM_OP_VMEXIT);
}

static int sim_cmd_storm(struct sim_ctx *c)
{
	static const struct {
		const char *name;
		enum sim_op op;
	} kinds[] = {
		{ "cpuid", SIM_OP_CPUID },
		{ "cr3", SIM_OP_CR },
		{ "msr", SIM_OP_MSR },
		{ "int3", SIM_OP_INT3 },
		{ "access", SIM_OP_ACCESS },
	};
	struct sim_storm_result res;
	const char *kind;
	struct sim_domain *d;
	unsigned int i;
	u64 ops, rate, orate;
	u32 threads;
	int ret;

	ret = sim_arg_domain(c, &d);
	if (ret)
		return ret;
	ret = sim_arg_u64(c, "events", true, 1, SIM_STORM_OPS_MAX, &ops);
	if (!ret)
		ret = sim_arg_u32(c, "threads", true, 1, SIM_VCPUS_MAX,
				  &threads);
	if (ret)
		goto out;
	kind = sim_arg_str(c, "kind");
	for (i = 0; kind && i < ARRAY_SIZE(kinds); i++)
		if (!strcmp(kind, kinds[i].name))
			break;
	if (!kind || i == ARRAY_SIZE(kinds)) {
		ret = sim_fail(c, -EINVAL,
			       "kind must be cpuid, cr3, msr, int3 or access");
		goto out;
	}
	ret = sim_args_done(c);
	if (ret)
		goto out;

	ret = sim_storm(d, kinds[i].op, ops, threads, &res);
	if (ret == -EINTR)
		sim_fail(c, ret, "interrupted");
	else if (ret)
		sim_fail(c, ret, "storm failed");
	if (ret)
		goto out;
	rate = res.elapsed_ns ?
	       div64_u64(res.events * NSEC_PER_SEC, res.elapsed_ns) : 0;
	orate = res.elapsed_ns ?
		div64_u64(res.ops * NSEC_PER_SEC, res.elapsed_ns) : 0;
	sim_out(c,
		"result=%s kind=%s threads=%u ops=%llu events=%llu elapsed_ns=%llu events_per_s=%llu ops_per_s=%llu lat_median_ns=%llu lat_p99_ns=%llu samples=%llu",
		res.dead ? "dead" : "done", kinds[i].name, threads, res.ops,
		res.events, res.elapsed_ns, rate, orate, res.lat_median_ns,
		res.lat_p99_ns, res.samples);
out:
	sim_domain_put(d);
	return ret;
}

static int sim_cmd_corrupt(struct sim_ctx *c)
{
	const char *what;
	struct sim_domain *d;
	u32 timeout = 1000, slot;
	u64 wait_ns;
	bool freed;
	int ret;

	ret = sim_arg_domain(c, &d);
	if (ret)
		return ret;
	what = sim_arg_str(c, "what");
	if (!what || (strcmp(what, "version") && strcmp(what, "vcpu") &&
		      strcmp(what, "reason"))) {
		ret = sim_fail(c, -EINVAL, "what must be version, vcpu or reason");
		goto out;
	}
	ret = sim_arg_u32(c, "timeout_ms", false, 0, 600000, &timeout);
	if (ret == -ENOENT)
		ret = 0;
	if (!ret)
		ret = sim_args_done(c);
	if (ret)
		goto out;

	ret = sim_corrupt(d, what, timeout, &slot, &freed, &wait_ns);
	if (ret == -ENODEV)
		sim_fail(c, ret, "no ring");
	else if (ret == -EBUSY)
		sim_fail(c, ret, "ring full");
	else if (ret == -ESRCH)
		sim_fail(c, ret, "domain is dying");
	else if (ret == -EINTR)
		sim_fail(c, ret, "interrupted");
	else if (ret)
		sim_fail(c, ret, "cannot place the request");
	else
		sim_out(c, "result=done what=%s slot=%u freed=%u wait_ns=%llu",
			what, slot, freed, wait_ns);
out:
	sim_domain_put(d);
	return ret;
}

static int sim_cmd_garbage(struct sim_ctx *c)
{
	struct sim_garbage_result res;
	struct sim_domain *d;
	u64 records, seed = 1;
	u32 timeout = 5000;
	int ret;

	ret = sim_arg_domain(c, &d);
	if (ret)
		return ret;
	ret = sim_arg_u64(c, "records", true, 1, 100000000, &records);
	if (!ret) {
		ret = sim_arg_u64(c, "seed", false, 0, U64_MAX, &seed);
		if (ret == -ENOENT)
			ret = 0;
	}
	if (!ret) {
		ret = sim_arg_u32(c, "timeout_ms", false, 1, 600000, &timeout);
		if (ret == -ENOENT)
			ret = 0;
	}
	if (!ret)
		ret = sim_args_done(c);
	if (ret)
		goto out;

	ret = sim_garbage(d, records, seed, timeout, &res);
	if (ret)
		sim_fail(c, ret, "stopped after %llu records (%llu answered)",
			 res.placed, res.answered);
	else
		sim_out(c, "result=done placed=%llu answered=%llu ns=%llu",
			res.placed, res.answered, res.ns);
out:
	sim_domain_put(d);
	return ret;
}

/* Enabled monitor events: each CR and MSR counts once. */
static u32 sim_state_monitor_count(struct sim_domain *d)
{
	const struct sim_monitor *m = &d->mon;

	lockdep_assert_held(&d->lock);
	return hweight8(m->cr_enabled) + sim_msr_monitor_count(d) +
	       m->singlestep + m->breakpoint + m->guest_request + m->debug +
	       m->cpuid + m->desc + m->emul_unimpl + m->vmexit;
}

static void sim_state_monitor_list(struct sim_ctx *c, struct sim_domain *d)
{
	static const char * const cr_names[] = { "cr0", "cr3", "cr4", "xcr0" };
	const struct sim_monitor *m = &d->mon;
	unsigned int i;

	lockdep_assert_held(&d->lock);
	sim_out(c, " monitor_list=");
	if (!sim_state_monitor_count(d)) {
		sim_out(c, "none");
		return;
	}
	for (i = 0; i < ARRAY_SIZE(cr_names); i++) {
		if (!(m->cr_enabled & BIT(i)))
			continue;
		sim_out(c, "%s%s%s,", cr_names[i],
			m->cr_sync & BIT(i) ? ":s" : "",
			m->cr_onchange & BIT(i) ? ":o" : "");
	}
	if (sim_msr_monitor_count(d))
		sim_out(c, "msr,");
	if (m->singlestep)
		sim_out(c, "ss,");
	if (m->breakpoint)
		sim_out(c, "bp,");
	if (m->guest_request)
		sim_out(c, "gr%s%s,", m->guest_request_sync ? ":s" : "",
			m->guest_request_user ? ":u" : "");
	if (m->debug)
		sim_out(c, "db%s,", m->debug_sync ? ":s" : "");
	if (m->cpuid)
		sim_out(c, "cpuid,");
	if (m->desc)
		sim_out(c, "desc,");
	if (m->emul_unimpl)
		sim_out(c, "eu,");
	if (m->vmexit)
		sim_out(c, "vmexit%s,", m->vmexit_sync ? ":s" : "");
	/* Drop the last comma. */
	if (c->len < SIM_RESULT_MAX - 1 && c->out[c->len - 1] == ',')
		c->out[--c->len] = '\0';
}

/* The fields tests check most come first. */
static void sim_state_domain(struct sim_ctx *c, struct sim_domain *d)
{
	unsigned long flags, pages = 0, gfn;
	struct page *page;

	xa_for_each(&d->pages, gfn, page)
		if (!xa_is_value(page))
			pages++;

	spin_lock_irqsave(&d->lock, flags);
	sim_out(c,
		"result=done domid=%u ring=%u free=%u pause=%u monitors=%u control_registers=%u restricted=%u dropped=%llu attached=%u dying=%u",
		d->domid, !!d->ring, d->ring ? sim_ring_free(d) : 0,
		d->pause_count, sim_state_monitor_count(d),
		d->mon.control_registers, d->nr_restricted,
		d->dropped_version + d->dropped_vcpu, !!d->core_dom, d->dying);
	sim_out(c,
		" requests=%llu responses=%llu running=%u waiters=%u throttled=%u req_prod=%u rsp_cons=%u",
		d->requests, d->responses, d->nr_running, d->slot_waiters,
		d->blocked, d->req_prod_pvt, d->rsp_cons);
	sim_out(c,
		" dropped_version=%llu dropped_vcpu=%llu overruns=%llu msrs=%u pages=%lu vcpus=%u frames=%u hvm=%u vendor=%s altp2m=%u",
		d->dropped_version, d->dropped_vcpu, d->overruns,
		sim_msr_monitor_count(d), pages, d->nr_vcpus, d->nr_frames,
		d->hvm, d->amd ? "amd" : "intel", d->altp2m);
	sim_state_monitor_list(c, d);
	spin_unlock_irqrestore(&d->lock, flags);
}

/* The fields tests check most come first. */
static void sim_state_vcpu(struct sim_ctx *c, struct sim_domain *d,
			   struct sim_vcpu *v)
{
	const struct sim_regs *r = &v->regs;
	const struct sim_gprs *g = &r->g;
	unsigned long flags;

	spin_lock_irqsave(&d->lock, flags);
	sim_out(c,
		"result=done vcpu=%u paused=%u throttled=%u running=%u inject=%d ss=%u altp2m=%u events=%llu",
		v->id, v->ve_pause, v->throttled, v->running,
		v->inject.pending ? v->inject.vector : -1, v->singlestep,
		v->altp2m, v->events);
	sim_out(c,
		" rip=0x%llx rax=0x%llx rbx=0x%llx rcx=0x%llx rdx=0x%llx cr0=0x%llx cr3=0x%llx cr4=0x%llx xcr0=0x%llx lstar=0x%llx",
		g->rip, g->rax, g->rbx, g->rcx, g->rdx, r->cr0, r->cr3, r->cr4,
		r->xcr0, r->lstar);
	sim_out(c,
		" rflags=0x%llx rsp=0x%llx rbp=0x%llx rsi=0x%llx rdi=0x%llx r8=0x%llx r9=0x%llx r10=0x%llx r11=0x%llx",
		g->rflags, g->rsp, g->rbp, g->rsi, g->rdi, g->r8, g->r9, g->r10,
		g->r11);
	sim_out(c,
		" r12=0x%llx r13=0x%llx r14=0x%llx r15=0x%llx cr2=0x%llx efer=0x%llx star=0x%llx cstar=0x%llx sfmask=0x%llx",
		g->r12, g->r13, g->r14, g->r15, r->cr2, r->efer, r->star,
		r->cstar, r->sfmask);
	sim_out(c,
		" fs_base=0x%llx gs_base=0x%llx shadow_gs=0x%llx sysenter_cs=0x%llx sysenter_esp=0x%llx sysenter_eip=0x%llx fast_ss=%u",
		r->fs_base, r->gs_base, r->shadow_gs, r->sysenter_cs,
		r->sysenter_esp, r->sysenter_eip, v->fast_ss);
	spin_unlock_irqrestore(&d->lock, flags);
}

static int sim_cmd_fault(struct sim_ctx *c)
{
	struct sim_fault f = { .errno_val = -EIO, .delay_us = 100000 };
	const char *op, *action;
	struct sim_domain *d;
	u32 err = EIO;
	int ret, point;

	ret = sim_arg_domain(c, &d);
	if (ret)
		return ret;
	op = sim_arg_str(c, "op");
	point = op ? sim_fault_point(op) : -EINVAL;
	if (point < 0) {
		ret = sim_fail(c, -EINVAL, "unknown op=");
		goto out;
	}
	f.point = point;
	action = sim_arg_str(c, "action");
	if (!action || !strcmp(action, "fail")) {
		f.action = SIM_FAULT_FAIL;
	} else if (!strcmp(action, "destroy")) {
		f.action = SIM_FAULT_DESTROY;
	} else {
		ret = sim_fail(c, -EINVAL, "action must be fail or destroy");
		goto out;
	}
	ret = sim_arg_u32(c, "errno", false, 1, 4095, &err);
	if (ret && ret != -ENOENT)
		goto out;
	f.errno_val = -(int)err;
	ret = sim_arg_u32(c, "skip", false, 0, U32_MAX, &f.skip);
	if (ret && ret != -ENOENT)
		goto out;
	ret = sim_arg_u32(c, "delay_us", false, 0, 10000000, &f.delay_us);
	if (ret && ret != -ENOENT)
		goto out;
	ret = sim_args_done(c);
	if (ret)
		goto out;
	sim_fault_arm(d, &f);
	sim_out(c, "result=done domid=%u op=%s action=%s", d->domid,
		sim_fault_name(f.point),
		f.action == SIM_FAULT_FAIL ? "fail" : "destroy");
out:
	sim_domain_put(d);
	return ret;
}

static int sim_cmd_faults(struct sim_ctx *c)
{
	u64 fired, raced;
	int ret = sim_args_done(c);

	if (ret)
		return ret;
	sim_fault_counts(&fired, &raced);
	sim_out(c, "result=done fired=%llu raced=%llu", fired, raced);
	return 0;
}

static int sim_cmd_state(struct sim_ctx *c)
{
	struct sim_domain *d;
	u32 vcpu;
	int ret;

	ret = sim_arg_domain(c, &d);
	if (ret)
		return ret;
	ret = sim_arg_u32(c, "vcpu", false, 0, d->nr_vcpus - 1, &vcpu);
	if (ret && ret != -ENOENT)
		goto out;
	if (sim_args_done(c)) {
		ret = -EINVAL;
		goto out;
	}
	if (ret == -ENOENT)
		sim_state_domain(c, d);
	else
		sim_state_vcpu(c, d, &d->vcpus[vcpu]);
	ret = 0;
out:
	sim_domain_put(d);
	return ret;
}

static const struct {
	const char *name;
	int (*fn)(struct sim_ctx *c);
} sim_cmds[] = {
	{ "create", sim_cmd_create },
	{ "destroy", sim_cmd_destroy },
	{ "balloon", sim_cmd_balloon },
	{ "pause", sim_cmd_pause },
	{ "unpause", sim_cmd_unpause },
	{ "access", sim_cmd_access },
	{ "cr", sim_cmd_cr },
	{ "msr", sim_cmd_msr },
	{ "int3", sim_cmd_int3 },
	{ "cpuid", sim_cmd_cpuid },
	{ "guest_request", sim_cmd_guest_request },
	{ "desc", sim_cmd_desc },
	{ "debug", sim_cmd_debug },
	{ "singlestep", sim_cmd_singlestep },
	{ "emul_unimpl", sim_cmd_emul_unimpl },
	{ "vmexit", sim_cmd_vmexit },
	{ "storm", sim_cmd_storm },
	{ "corrupt", sim_cmd_corrupt },
	{ "garbage", sim_cmd_garbage },
	{ "state", sim_cmd_state },
	{ "fault", sim_cmd_fault },
	{ "faults", sim_cmd_faults },
};

/* Split "cmd k=v k=v" and run it. */
static int sim_run(struct sim_ctx *c, char *line)
{
	char *word, *cmd, *eq;
	unsigned int i;

	line = strim(line);
	cmd = strsep(&line, " \t");
	if (!cmd || !*cmd)
		return sim_fail(c, -EINVAL, "empty command");
	while ((word = strsep(&line, " \t"))) {
		if (!*word)
			continue;
		eq = strchr(word, '=');
		if (!eq || eq == word)
			return sim_fail(c, -EINVAL, "expected key=value, got %s",
					word);
		if (c->nr == SIM_ARGS_MAX)
			return sim_fail(c, -EINVAL, "too many arguments");
		*eq = '\0';
		for (i = 0; i < c->nr; i++)
			if (!strcmp(c->key[i], word))
				return sim_fail(c, -EINVAL, "repeated key %s=",
						word);
		c->key[c->nr] = word;
		c->val[c->nr] = eq + 1;
		c->nr++;
	}
	for (i = 0; i < ARRAY_SIZE(sim_cmds); i++)
		if (!strcmp(cmd, sim_cmds[i].name))
			return sim_cmds[i].fn(c);
	return sim_fail(c, -EINVAL, "unknown command %s", cmd);
}

static int sim_control_open(struct inode *inode, struct file *file)
{
	struct sim_file *sf = kzalloc(sizeof(*sf), GFP_KERNEL);

	if (!sf)
		return -ENOMEM;
	mutex_init(&sf->lock);
	file->private_data = sf;
	return 0;
}

static int sim_control_release(struct inode *inode, struct file *file)
{
	struct sim_file *sf = file->private_data;

	mutex_destroy(&sf->lock);
	kfree(sf);
	return 0;
}

static ssize_t sim_control_write(struct file *file, const char __user *ubuf,
				 size_t count, loff_t *ppos)
{
	struct sim_file *sf = file->private_data;
	struct sim_ctx *c;
	char *line = NULL;
	int ret;

	c = kzalloc(sizeof(*c), GFP_KERNEL);
	if (!c)
		return -ENOMEM;
	c->out = kzalloc(SIM_RESULT_MAX, GFP_KERNEL);
	if (!c->out) {
		kfree(c);
		return -ENOMEM;
	}

	if (!count || count >= SIM_LINE_MAX) {
		ret = sim_fail(c, -EINVAL, "a command is 1..%d bytes",
			       SIM_LINE_MAX - 1);
	} else {
		line = memdup_user_nul(ubuf, count);
		if (IS_ERR(line)) {
			ret = sim_fail(c, PTR_ERR(line), "cannot read command");
			line = NULL;
		} else {
			ret = sim_run(c, line);
			/* Commands return 0 or -errno, never a count. */
			if (WARN_ON_ONCE(ret > 0))
				ret = -EIO;
		}
	}
	if (ret) {
		c->len = 0;
		sim_out(c, "error=%d msg=%s", -ret,
			c->msg[0] ? c->msg : "failed");
	}
	sim_out(c, "\n");

	mutex_lock(&sf->lock);
	memcpy(sf->result, c->out, c->len + 1);
	sf->len = c->len;
	sf->rewind = true;
	mutex_unlock(&sf->lock);

	kfree(line);
	kfree(c->out);
	kfree(c);
	return ret ? ret : count;
}

static ssize_t sim_control_read(struct file *file, char __user *ubuf,
				size_t count, loff_t *ppos)
{
	struct sim_file *sf = file->private_data;
	ssize_t ret;

	mutex_lock(&sf->lock);
	if (sf->rewind) {
		*ppos = 0;
		sf->rewind = false;
	}
	ret = simple_read_from_buffer(ubuf, count, ppos, sf->result, sf->len);
	mutex_unlock(&sf->lock);
	return ret;
}

static const struct file_operations sim_control_fops = {
	.owner = THIS_MODULE,
	.open = sim_control_open,
	.release = sim_control_release,
	.read = sim_control_read,
	.write = sim_control_write,
	.llseek = default_llseek,
};

int sim_debugfs_init(void)
{
	sim_debugfs_dir = debugfs_create_dir(SIM_NAME, NULL);
	if (IS_ERR(sim_debugfs_dir))
		return PTR_ERR(sim_debugfs_dir);
	debugfs_create_file("control", 0600, sim_debugfs_dir, NULL,
			    &sim_control_fops);
	return 0;
}

void sim_debugfs_exit(void)
{
	debugfs_remove(sim_debugfs_dir);
}
