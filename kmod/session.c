// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/xenintro file operations: one session per open fd, ioctl dispatch,
 * poll and mmap.
 *
 * Ioctl state rules:
 *  - an unknown command gets -ENOTTY, in every state;
 *  - before the API handshake every other command gets -EINVAL;
 *  - a second handshake gets -EBUSY, a second ATTACH too;
 *  - commands on a domain before ATTACH get -ENOTCONN, after the domain
 *    died -ESRCH.
 */
#include <linux/capability.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/poll.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/user_namespace.h>

#include "xenintro.h"

union xenintro_ioctl_buf {
	struct xenintro_api api;
	struct xenintro_attach attach;
	struct xenintro_monitor monitor;
	struct xenintro_access access;
	struct xenintro_kick kick;
	struct xenintro_stats stats;
	struct xenintro_rules rules;
	struct xenintro_mem mem;
	struct xenintro_translate translate;
	struct xenintro_map_frames map_frames;
	struct xenintro_restrict restriction;
};

/**
 * struct xenintro_ioctl_op - one ioctl
 * @size: the kernel's sizeof of its struct
 * @min_size: the size of its first version
 * @needs_domain: only valid after ATTACH
 * @copy_out: the struct has outputs to copy back
 * @out_on_error: copy them back on failure too (SET_RULES' error_index)
 * @run: the handler; gets the kernel copy
 */
struct xenintro_ioctl_op {
	unsigned int size;
	unsigned int min_size;
	bool needs_domain;
	bool copy_out;
	bool out_on_error;
	int (*run)(struct xenintro_session *s, union xenintro_ioctl_buf *buf);
};

static int xenintro_ioctl_api(struct xenintro_session *s,
			      union xenintro_ioctl_buf *buf)
{
	int ret;

	mutex_lock(&s->lock);
	if (s->api_done) {
		ret = -EBUSY;
	} else {
		ret = xenintro_api_check(&buf->api);
		if (!ret) {
			s->features = buf->api.features;
			WRITE_ONCE(s->api_done, true);
		}
	}
	mutex_unlock(&s->lock);
	return ret;
}

static int xenintro_ioctl_attach(struct xenintro_session *s,
				 union xenintro_ioctl_buf *buf)
{
	return xenintro_attach(s, &buf->attach);
}

static int xenintro_ioctl_monitor_op(struct xenintro_session *s,
				     union xenintro_ioctl_buf *buf)
{
	return xenintro_ioctl_monitor(s->dom, &buf->monitor);
}

static int xenintro_ioctl_set_access_op(struct xenintro_session *s,
					union xenintro_ioctl_buf *buf)
{
	return xenintro_ioctl_set_access(s->dom, &buf->access);
}

static int xenintro_ioctl_get_access_op(struct xenintro_session *s,
					union xenintro_ioctl_buf *buf)
{
	return xenintro_ioctl_get_access(s->dom, &buf->access);
}

static int xenintro_ioctl_pause_op(struct xenintro_session *s,
				   union xenintro_ioctl_buf *buf)
{
	return xenintro_ioctl_pause(s->dom, true);
}

static int xenintro_ioctl_unpause_op(struct xenintro_session *s,
				     union xenintro_ioctl_buf *buf)
{
	return xenintro_ioctl_pause(s->dom, false);
}

static int xenintro_ioctl_kick_op(struct xenintro_session *s,
				  union xenintro_ioctl_buf *buf)
{
	return xenintro_ioctl_kick(s->dom, &buf->kick);
}

static int xenintro_ioctl_detach_op(struct xenintro_session *s,
				    union xenintro_ioctl_buf *buf)
{
	return xenintro_detach_now(s->dom);
}

static int xenintro_ioctl_read_mem_op(struct xenintro_session *s,
				      union xenintro_ioctl_buf *buf)
{
	return xenintro_ioctl_mem(s->dom, &buf->mem, false);
}

static int xenintro_ioctl_write_mem_op(struct xenintro_session *s,
				       union xenintro_ioctl_buf *buf)
{
	return xenintro_ioctl_mem(s->dom, &buf->mem, true);
}

static int xenintro_ioctl_translate_op(struct xenintro_session *s,
				       union xenintro_ioctl_buf *buf)
{
	return xenintro_ioctl_translate(s->dom, &buf->translate);
}

static int xenintro_ioctl_map_frames_op(struct xenintro_session *s,
					union xenintro_ioctl_buf *buf)
{
	return xenintro_ioctl_map_frames(s, &buf->map_frames);
}

static int xenintro_ioctl_stats_op(struct xenintro_session *s,
				   union xenintro_ioctl_buf *buf)
{
	return xenintro_ioctl_stats(s->dom, &buf->stats);
}

static int xenintro_ioctl_set_rules_op(struct xenintro_session *s,
				       union xenintro_ioctl_buf *buf)
{
	return xenintro_ioctl_set_rules(s->dom, &buf->rules);
}

/*
 * RESTRICT: narrow this fd for good (see struct xenintro_restrict). Under
 * s->lock, against ATTACH and another RESTRICT; s->dom only goes from
 * unset to set under it, so the attached domain cannot change meanwhile.
 */
static int xenintro_ioctl_restrict_op(struct xenintro_session *s,
				      union xenintro_ioctl_buf *buf)
{
	struct xenintro_restrict *r = &buf->restriction;
	int ret = 0;

	if (r->flags & ~XENINTRO_RESTRICT_FLAGS || r->reserved0[0] ||
	    r->reserved0[1] || r->reserved0[2] || r->reserved[0] ||
	    r->reserved[1] || r->ioctls & ~XENINTRO_V1_IOCTLS)
		return -EINVAL;
	if ((r->flags & XENINTRO_RESTRICT_DOMAIN) &&
	    (!r->domid || r->domid >= XENINTRO_DOMID_FIRST_RESERVED))
		return -EINVAL;

	mutex_lock(&s->lock);
	if (r->flags & XENINTRO_RESTRICT_DOMAIN) {
		if ((s->domain_restricted && s->restricted_domid != r->domid) ||
		    (s->dom && s->dom->hv.domid != r->domid)) {
			ret = -EPERM;
			goto out;
		}
		s->restricted_domid = r->domid;
		s->domain_restricted = true;
	}
	WRITE_ONCE(s->ioctls_kept, s->ioctls_kept &
		   (r->ioctls | XENINTRO_IOCTL_BIT(_XENINTRO_RESTRICT)));
	xenintro_audit_restrict(s->restricted_domid, s->domain_restricted,
				s->ioctls_kept);
out:
	mutex_unlock(&s->lock);
	return ret;
}

#define XENINTRO_IOCTL(_nr, _type, _last, _dom, _out, _fn)		\
	[_nr] = {							\
		.size = sizeof(_type),					\
		.min_size = offsetofend(_type, _last),			\
		.needs_domain = _dom,					\
		.copy_out = _out,					\
		.run = _fn,						\
	}

/*
 * PAUSE, UNPAUSE and DETACH take no struct: their argument is ignored, so
 * their table entries have size 0.
 */
static const struct xenintro_ioctl_op xenintro_ioctl_ops[] = {
	XENINTRO_IOCTL(_XENINTRO_API, struct xenintro_api, reserved,
		       false, true, xenintro_ioctl_api),
	XENINTRO_IOCTL(_XENINTRO_ATTACH, struct xenintro_attach, reserved,
		       false, true, xenintro_ioctl_attach),
	XENINTRO_IOCTL(_XENINTRO_MONITOR, struct xenintro_monitor, reserved,
		       true, false, xenintro_ioctl_monitor_op),
	XENINTRO_IOCTL(_XENINTRO_SET_ACCESS, struct xenintro_access, reserved,
		       true, false, xenintro_ioctl_set_access_op),
	XENINTRO_IOCTL(_XENINTRO_GET_ACCESS, struct xenintro_access, reserved,
		       true, false, xenintro_ioctl_get_access_op),
	[_XENINTRO_PAUSE] = { .needs_domain = true,
			      .run = xenintro_ioctl_pause_op },
	[_XENINTRO_UNPAUSE] = { .needs_domain = true,
				.run = xenintro_ioctl_unpause_op },
	[_XENINTRO_DETACH] = { .needs_domain = true,
			       .run = xenintro_ioctl_detach_op },
	/* The segments' outputs are written to the user's array directly. */
	XENINTRO_IOCTL(_XENINTRO_READ_MEM, struct xenintro_mem, reserved,
		       true, true, xenintro_ioctl_read_mem_op),
	XENINTRO_IOCTL(_XENINTRO_WRITE_MEM, struct xenintro_mem, reserved,
		       true, true, xenintro_ioctl_write_mem_op),
	XENINTRO_IOCTL(_XENINTRO_TRANSLATE, struct xenintro_translate,
		       reserved, true, true, xenintro_ioctl_translate_op),
	XENINTRO_IOCTL(_XENINTRO_MAP_FRAMES, struct xenintro_map_frames,
		       reserved, true, true, xenintro_ioctl_map_frames_op),
	XENINTRO_IOCTL(_XENINTRO_KICK, struct xenintro_kick, reserved,
		       true, true, xenintro_ioctl_kick_op),
	XENINTRO_IOCTL(_XENINTRO_STATS, struct xenintro_stats, mem_writes,
		       true, true, xenintro_ioctl_stats_op),
	[_XENINTRO_SET_RULES] = {
		.size = sizeof(struct xenintro_rules),
		.min_size = offsetofend(struct xenintro_rules, reserved),
		.needs_domain = true,
		.copy_out = true,
		.out_on_error = true,
		.run = xenintro_ioctl_set_rules_op,
	},
	XENINTRO_IOCTL(_XENINTRO_RESTRICT, struct xenintro_restrict, reserved,
		       false, false, xenintro_ioctl_restrict_op),
};

static long xenintro_ioctl(struct file *file, unsigned int cmd,
			   unsigned long arg)
{
	struct xenintro_session *s = file->private_data;
	void __user *uarg = (void __user *)arg;
	const struct xenintro_ioctl_op *op;
	union xenintro_ioctl_buf buf;
	unsigned int nr = _IOC_NR(cmd);
	u32 usize = 0;
	int ret;

	if (cmd != _IO(XENINTRO_IOCTL_TYPE, nr) ||
	    nr >= ARRAY_SIZE(xenintro_ioctl_ops) || !xenintro_ioctl_ops[nr].run)
		return -ENOTTY;
	op = &xenintro_ioctl_ops[nr];

	/*
	 * The fd carries its opener's privilege, checked here in the initial
	 * user namespace at every call (open checked the same): an fd passed
	 * to another process or into a container does what its opener could,
	 * no more; narrow it with RESTRICT before passing it.
	 */
	if (!file_ns_capable(file, &init_user_ns, CAP_SYS_ADMIN))
		return -EPERM;
	/* api_done and dom only ever go from unset to set, under s->lock. */
	if (nr != _XENINTRO_API && !READ_ONCE(s->api_done))
		return -EINVAL;
	/* What RESTRICT dropped (only ever narrows; see the session). */
	if (!(READ_ONCE(s->ioctls_kept) & XENINTRO_IOCTL_BIT(nr)))
		return -EPERM;
	/* Pairs with the release in xenintro_attach(): dom is initialised. */
	if (op->needs_domain && !smp_load_acquire(&s->dom))
		return -ENOTCONN;

	if (op->size) {
		ret = xenintro_copy_struct_in(&buf, op->size, op->min_size,
					      uarg, &usize);
		if (ret)
			return ret;
	}

	ret = op->run(s, &buf);
	if (ret < 0 && !op->out_on_error)
		return ret;

	if (op->copy_out && copy_to_user(uarg, &buf, min(usize, op->size)))
		return ret < 0 ? ret : -EFAULT;
	return ret;
}

static int xenintro_open(struct inode *inode, struct file *file)
{
	struct xenintro_session *s;
	int ret;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;

	s = kzalloc(sizeof(*s), GFP_KERNEL);
	if (!s)
		return -ENOMEM;
	ret = xenintro_map_open(s, file);
	if (ret) {
		kfree(s);
		return ret;
	}
	mutex_init(&s->lock);
	/* Every ioctl, until RESTRICT drops some (API is bit 0). */
	s->ioctls_kept = XENINTRO_V1_IOCTLS | XENINTRO_IOCTL_BIT(_XENINTRO_API);
	file->private_data = s;
	return stream_open(inode, file);
}

/*
 * The last reference to the open file is gone: the fd and every mapping of
 * the rings (each mapping holds the file, as io_uring's do). An agent that
 * wants the guest released while it keeps its mappings calls DETACH.
 */
static int xenintro_release(struct inode *inode, struct file *file)
{
	struct xenintro_session *s = file->private_data;

	if (s->dom) {
		xenintro_detach(s->dom);
		xenintro_domain_put(s->dom);
	}
	/* After the teardown: it revokes frames through the inode. */
	xenintro_map_release(s);
	mutex_destroy(&s->lock);
	kfree(s);
	return 0;
}

static __poll_t xenintro_poll(struct file *file, poll_table *wait)
{
	struct xenintro_session *s = file->private_data;
	/* Pairs with the release in xenintro_attach(). */
	struct xenintro_domain *dom = smp_load_acquire(&s->dom);
	unsigned long flags;
	__poll_t mask = 0;

	if (!dom)
		return EPOLLERR;

	poll_wait(file, &dom->wq, wait);

	spin_lock_irqsave(&dom->lock, flags);
	/* The agent may have made room: deliver what waits in the kernel. */
	if (dom->state == XENINTRO_DOM_ATTACHED)
		xenintro_flush_backlog_locked(dom);
	if (xenintro_events_pending(&dom->rings))
		mask |= EPOLLIN | EPOLLRDNORM;
	if (dom->state == XENINTRO_DOM_DETACHED)
		mask |= EPOLLHUP | EPOLLERR;
	spin_unlock_irqrestore(&dom->lock, flags);
	return mask;
}

static int xenintro_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct xenintro_session *s = file->private_data;
	/* Pairs with the release in xenintro_attach(). */
	struct xenintro_domain *dom = smp_load_acquire(&s->dom);

	if (!dom)
		return -EINVAL;
	if (vma->vm_pgoff >= XENINTRO_OFF_FRAMES >> PAGE_SHIFT)
		return xenintro_frames_mmap(dom, vma);
	return xenintro_rings_mmap(&dom->rings, vma);
}

const struct file_operations xenintro_fops = {
	.owner = THIS_MODULE,
	.open = xenintro_open,
	.release = xenintro_release,
	.unlocked_ioctl = xenintro_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.poll = xenintro_poll,
	.mmap = xenintro_mmap,
	/*
	 * No .llseek: stream_open() already makes the file unseekable (lseek
	 * gets -ESPIPE), and Linux 6.12 removed no_llseek, which said so too.
	 */
};
