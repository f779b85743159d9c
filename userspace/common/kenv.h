/* SPDX-License-Identifier: LGPL-2.1-only OR MIT */
/*
 * The kernel symbols a policy names (policy.h, struct policy_env), from
 * what its kernel: section gives: the guest kernel's image (its kallsyms
 * tables, ksyms.c, and its BTF, kprofile.c), a System.map (sysmap.c) or
 * an ISF file (isf.c); symbols from the map or the ISF when given, struct
 * offsets from the ISF or else the image.
 *
 * Before attaching (xenintro-agent --check, and the agent's first read of
 * its policy) addresses are the image's link addresses and a kernel
 * virtual address's frame is its link-time physical address, which is
 * enough to check every name and range. Once attached, kenv_go_live()
 * finds the guest's KASLR slide (kslide.c): from then on every symbol
 * gets the slide added, and frames come from the guest's own page tables.
 */
#ifndef XI_KENV_H
#define XI_KENV_H

#include <stdbool.h>
#include <stdint.h>

#include <xenintro/libxenintro.h>

#include "kimage.h"
#include "kprofile.h"
#include "kslide.h"
#include "ksyms.h"
#include "policy.h"

/**
 * struct kenv - a policy environment over one kernel image
 * @env: what policy_load_env() takes
 * @image_override: load this image whatever kernel.image says (the
 *	agent's --kernel), or NULL
 * @key: what was loaded (the three paths), or NULL
 * @sym_path: the file the symbols came from
 * @k: the image, if one was named (else k.elf is NULL)
 * @s: the symbols
 * @prof: struct offsets, valid with @have_prof
 * @have_prof: from the ISF at load, or the image's BTF at kenv_profile()
 * @memory: kernel.memory: symbols and types from the guest's memory
 * @mem_bytes: bytes of the kernel's mapping read (memory)
 * @x: the attached session, once live; NULL before
 * @slide: what kenv_go_live() found
 * @found: how it was found (for the agent's log)
 */
struct kenv {
	struct policy_env env;
	const char *image_override;
	char *key;
	char *sym_path;
	struct xi_kimage k;
	struct xi_ksyms s;
	struct xi_kprofile prof;
	bool have_prof;
	char no_prof[128];	/* why an ISF gave no offsets, or "" */
	bool memory;
	size_t mem_bytes;
	struct xenintro *x;
	uint64_t slide;
	struct kslide found;
};

void kenv_init(struct kenv *e);
void kenv_free(struct kenv *e);
/*
 * Find the slide of the guest @x is attached to, for the image loaded
 * (a policy with kernel.image was read through @e), waiting up to @secs
 * for an event. 0, or -errno with a sentence in @why.
 */
int kenv_go_live(struct kenv *e, struct xenintro *x, unsigned int secs,
		 char *why, size_t len);
/* The struct offsets (ISF, or the image's BTF): NULL with a sentence. */
const struct xi_kprofile *kenv_profile(struct kenv *e, char *why, size_t len);

#endif /* XI_KENV_H */
