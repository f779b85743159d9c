// SPDX-License-Identifier: LGPL-2.1-only OR MIT
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kenv.h"

/* x86-64's __START_KERNEL_map: the kernel image's link-time physical 0 */
#define START_KERNEL_MAP	0xffffffff80000000ULL

static int kenv_kernel(struct policy_env *pe, const char *path, char *why,
		       size_t len)
{
	struct kenv *e = (struct kenv *)pe;
	struct diag d;

	if (e->image_override)
		path = e->image_override;
	if (e->path && !strcmp(e->path, path))
		return 0;
	if (e->x) {
		/* the slide found belongs to the image it was found with */
		snprintf(why, len,
			 "was %s when the agent attached; restart the agent to use another image",
			 e->path);
		return -1;
	}
	xi_ksyms_free(&e->s);
	xi_kimage_free(&e->k);
	free(e->path);
	e->path = NULL;
	if (xi_kimage_load(path, &e->k, &d)) {
		snprintf(why, len, "%s", d.msg);
		return -1;
	}
	if (xi_ksyms_load(&e->k, &e->s, &d)) {
		xi_kimage_free(&e->k);
		snprintf(why, len, "%s", d.msg);
		return -1;
	}
	e->path = strdup(path);
	if (!e->path) {
		xi_ksyms_free(&e->s);
		xi_kimage_free(&e->k);
		snprintf(why, len, "out of memory");
		return -1;
	}
	return 0;
}

static int kenv_symbol(struct policy_env *pe, const char *name,
		       uint64_t *addr)
{
	struct kenv *e = (struct kenv *)pe;
	const struct xi_ksym *sym = xi_ksyms_find(&e->s, name);

	if (!sym)
		return -1;
	/* per-CPU symbols are offsets into each CPU's area: never slid */
	*addr = sym->addr < START_KERNEL_MAP ? sym->addr :
					       sym->addr + e->slide;
	return 0;
}

static int kenv_frame(struct policy_env *pe, uint64_t va, uint64_t *gfn,
		      char *why, size_t len)
{
	struct kenv *e = (struct kenv *)pe;
	struct xenintro_translate t;
	struct xenintro_mem_root root;
	int ret;

	if (!e->x) {
		if (va < START_KERNEL_MAP) {
			snprintf(why, len,
				 "not in the kernel image's mapping: only a running guest can say which frame it is");
			return -1;
		}
		*gfn = (va - START_KERNEL_MAP) >> 12;
		return 0;
	}
	/*
	 * vCPU 0's current tables: the kernel half is the same in every
	 * process's, and they are live (a CR3 saved earlier may belong to
	 * a process that has exited since).
	 */
	root = xenintro_root_vcpu(0);
	ret = xenintro_translate(e->x, &root, va, &t);
	if (ret) {
		snprintf(why, len, "cannot walk the guest's page tables: %s",
			 strerror(-ret));
		return -1;
	}
	if (t.stop != XENINTRO_STOP_NONE) {
		snprintf(why, len, "not mapped in the guest (walk stopped at level %u)",
			 t.fail_level);
		return -1;
	}
	*gfn = t.gpa >> 12;
	return 0;
}

void kenv_init(struct kenv *e)
{
	memset(e, 0, sizeof(*e));
	e->env.kernel = kenv_kernel;
	e->env.symbol = kenv_symbol;
	e->env.frame = kenv_frame;
}

void kenv_free(struct kenv *e)
{
	xi_ksyms_free(&e->s);
	xi_kimage_free(&e->k);
	free(e->path);
	kenv_init(e);
}

int kenv_go_live(struct kenv *e, struct xenintro *x, unsigned int secs,
		 char *why, size_t len)
{
	char buf[512];
	int ret;

	if (!e->path) {
		snprintf(why, len, "no kernel image loaded");
		return -EINVAL;
	}
	ret = kslide_find(x, &e->s, secs, &e->found);
	if (ret) {
		snprintf(why, len, "kernel %s: %s", e->path,
			 kslide_why(ret, &e->found, buf, sizeof(buf)));
		return ret;
	}
	e->slide = e->found.slide;
	e->x = x;
	return 0;
}
