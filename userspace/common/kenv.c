// SPDX-License-Identifier: LGPL-2.1-only OR MIT
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kenv.h"
#include "kmem.h"
#include "ksrc.h"

/* x86-64's __START_KERNEL_map: the kernel image's link-time physical 0 */
#define START_KERNEL_MAP	0xffffffff80000000ULL

/* Drop everything loaded. */
static void kenv_unload(struct kenv *e)
{
	xi_ksyms_free(&e->s);
	if (e->k.elf)
		xi_kimage_free(&e->k);
	memset(&e->k, 0, sizeof(e->k));
	free(e->key);
	e->key = NULL;
	free(e->sym_path);
	e->sym_path = NULL;
	e->have_prof = false;
	e->no_prof[0] = '\0';
	e->memory = false;
	e->env.provisional = false;
}

static int kenv_kernel(struct policy_env *pe, const struct policy *p,
		       char *why, size_t len)
{
	struct kenv *e = (struct kenv *)pe;
	const char *image = e->image_override ? e->image_override :
						 p->kernel_image;
	char key[3 * 4096 + 4];
	struct diag d;

	snprintf(key, sizeof(key), "%s\n%s\n%s\n%d", image ? image : "",
		 p->kernel_system_map ? p->kernel_system_map : "",
		 p->kernel_isf ? p->kernel_isf : "",
		 p->kernel_memory && !image);
	if (e->key && !strcmp(e->key, key))
		return 0;
	if (e->x) {
		/* the slide found belongs to the files it was found with */
		snprintf(why, len,
			 "differs from what the agent attached with; restart the agent to use other kernel files");
		return -1;
	}
	kenv_unload(e);
	if (p->kernel_memory && !image) {
		/* nothing to load: the guest has it all, known at attach */
		e->memory = true;
		e->env.provisional = true;
		e->key = strdup(key);
		e->sym_path = strdup("guest memory");
		if (!e->key || !e->sym_path) {
			snprintf(d.msg, sizeof(d.msg), "out of memory");
			goto fail;
		}
		return 0;
	}
	if (image && xi_kimage_load(image, &e->k, &d))
		goto fail;
	if (p->kernel_isf) {
		if (xi_isf_load(p->kernel_isf, &e->s, &e->prof, e->no_prof,
				sizeof(e->no_prof), &d))
			goto fail;
		/* without the members, the image's BTF may still give them */
		e->have_prof = !e->no_prof[0];
	} else if (p->kernel_system_map) {
		if (xi_sysmap_load(p->kernel_system_map, &e->s, &d))
			goto fail;
	} else if (xi_ksyms_load(&e->k, &e->s, &d)) {
		goto fail;
	}
	e->key = strdup(key);
	/* the policy's strings go with it at a reload: a copy */
	e->sym_path = strdup(p->kernel_isf ? p->kernel_isf :
			     p->kernel_system_map ? p->kernel_system_map :
						    image);
	if (!e->key || !e->sym_path) {
		snprintf(d.msg, sizeof(d.msg), "out of memory");
		goto fail;
	}
	return 0;
fail:
	snprintf(why, len, "%s", d.msg);
	kenv_unload(e);
	return -1;
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
	kenv_unload(e);
	kenv_init(e);
}

const struct xi_kprofile *kenv_profile(struct kenv *e, char *why, size_t len)
{
	struct diag d;

	if (e->have_prof)
		return &e->prof;
	if (!e->k.elf) {
		if (e->no_prof[0])
			snprintf(why, len, "%s: %s", e->sym_path, e->no_prof);
		else
			snprintf(why, len,
				 "struct offsets need kernel.image (its BTF) or kernel.isf");
		return NULL;
	}
	diag_init(&d, e->key);
	if (xi_kprofile_from(&e->k, &e->prof, &d)) {
		snprintf(why, len, "%s", d.msg);
		return NULL;
	}
	e->have_prof = true;
	return &e->prof;
}

/*
 * kernel.memory: the symbols and types out of the guest's kernel mapping,
 * read from LSTAR's 2 MiB page on. Believed only if LSTAR is, by these
 * very tables, entry_SYSCALL_64: a hooked LSTAR, or tables that are not
 * the kernel's, end the attach.
 */
static int from_memory(struct kenv *e, struct xenintro *x, unsigned int secs,
		       char *why, size_t len)
{
	struct xenintro_mem_root root;
	const struct xi_ksym *entry;
	unsigned char *buf;
	struct diag d;
	uint64_t base;
	int ret;

	memset(&e->found, 0, sizeof(e->found));
	ret = kslide_regs(x, secs, &e->found.regs);
	if (ret) {
		snprintf(why, len, "kernel from guest memory: %s",
			 kslide_why(ret, &e->found, d.msg, sizeof(d.msg)));
		return ret;
	}
	e->found.lstar = e->found.regs.msr_lstar;
	base = e->found.lstar & ~((2ULL << 20) - 1);
	root = xenintro_root_regs(&e->found.regs);
	ret = xi_kmem_read(x, &root, base, XI_KMEM_SPAN, &buf, &e->mem_bytes);
	if (ret) {
		snprintf(why, len, "kernel from guest memory: reading from 0x%" PRIx64 ": %s",
			 base, strerror(-ret));
		return ret;
	}
	diag_init(&d, "guest memory");
	ret = xi_kmem_scan(buf, XI_KMEM_SPAN, base, &e->s, &e->prof, &d);
	free(buf);
	if (ret) {
		snprintf(why, len, "%s (%zu of %u bytes from LSTAR's 2 MiB page 0x%" PRIx64 " mapped)",
			 d.msg, e->mem_bytes, XI_KMEM_SPAN, base);
		return -ENOENT;
	}
	e->have_prof = true;
	entry = xi_ksyms_find(&e->s, "entry_SYSCALL_64");
	e->found.entry = entry ? entry->addr : 0;
	e->found.anchor_name = "guest memory";
	if (!entry || entry->addr != e->found.lstar) {
		snprintf(why, len,
			 "kernel from guest memory: LSTAR 0x%" PRIx64 " is not entry_SYSCALL_64 (0x%" PRIx64 ") by the guest's own tables: LSTAR hooked, or tables that are not the kernel's; refusing to guess",
			 e->found.lstar, e->found.entry);
		xi_ksyms_free(&e->s);
		e->have_prof = false;
		return -EPROTO;
	}
	e->found.aligned = true;
	e->found.anchor = true;
	e->slide = 0;		/* the tables hold running addresses */
	e->x = x;
	e->env.provisional = false;
	return 0;
}

int kenv_go_live(struct kenv *e, struct xenintro *x, unsigned int secs,
		 char *why, size_t len)
{
	char buf[512];
	int ret;

	if (!e->key) {
		snprintf(why, len, "no kernel symbols loaded");
		return -EINVAL;
	}
	if (e->memory)
		return from_memory(e, x, secs, why, len);
	ret = kslide_find(x, &e->s, secs, &e->found);
	if (ret) {
		snprintf(why, len, "kernel %s: %s", e->sym_path,
			 kslide_why(ret, &e->found, buf, sizeof(buf)));
		return ret;
	}
	e->slide = e->found.slide;
	e->x = x;
	return 0;
}
