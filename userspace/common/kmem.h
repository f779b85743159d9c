/* SPDX-License-Identifier: LGPL-2.1-only OR MIT */
/*
 * A running Linux guest's symbols and struct layouts read out of its own
 * memory, with no file on dom0's side: the kernel image's mapping is read
 * from the 2 MiB page of LSTAR (the system-call entry, in the kernel's
 * text) onwards, and the kallsyms tables (ksyms.c) and the vmlinux BTF
 * (kprofile.c) are found in it by their structure, as in an image file.
 * The addresses are the running ones: the tables are relocated with the
 * kernel, so no slide applies.
 *
 * Trust: the image on dom0 is what the operator vouches for; the guest's
 * memory is what the guest says. A kernel rootkit can rewrite its own
 * tables. The agent checks that LSTAR is entry_SYSCALL_64 by these
 * symbols, and says where they came from; where that matters, give it
 * the image.
 */
#ifndef XI_KMEM_H
#define XI_KMEM_H

#include <stddef.h>
#include <stdint.h>

#include <xenintro/libxenintro.h>

#include "diag.h"
#include "kprofile.h"
#include "ksyms.h"

/* How much of the kernel's mapping is read: text after LSTAR, rodata. */
#define XI_KMEM_SPAN	(48u << 20)

/*
 * The symbols (@s) and struct offsets (@p) in @len bytes of a running
 * kernel's mapping that starts at address @base (unmapped pages zeroed).
 * 0, or -1 with the reason in @d. @s's token table is not kept.
 */
int xi_kmem_scan(const unsigned char *buf, size_t len, uint64_t base,
		 struct xi_ksyms *s, struct xi_kprofile *p, struct diag *d);

/*
 * Read @span bytes of the guest's kernel mapping from @from through
 * @root into a malloc'd *@buf, holes (unmapped pages) zeroed; *@mapped
 * counts the bytes that were there. 0, or -errno.
 */
int xi_kmem_read(struct xenintro *x, const struct xenintro_mem_root *root,
		 uint64_t from, size_t span, unsigned char **buf,
		 size_t *mapped);

#endif /* XI_KMEM_H */
