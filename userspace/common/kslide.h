/* SPDX-License-Identifier: LGPL-2.1-only OR MIT */
/*
 * A running Linux guest's KASLR slide, from its kernel image's symbols
 * (ksyms.h) and one look at the guest: used by `xenintro kaslr` and `ps`,
 * and by the agent to resolve the symbols a policy names.
 */
#ifndef XI_KSLIDE_H
#define XI_KSLIDE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <xenintro/libxenintro.h>

#include "ksyms.h"

/* What kslide_find() saw: the slide, and how far the anchors agreed. */
struct kslide {
	uint64_t slide;
	uint64_t lstar;
	uint64_t entry;		/* entry_SYSCALL_64 in the image */
	bool aligned;		/* a multiple of 2 MiB */
	bool anchor;		/* the second anchor's bytes match */
	const char *anchor_name;	/* kallsyms_token_table or linux_banner */
	int64_t got;		/* bytes of the anchor read */
	struct xenintro_regs regs;	/* of the event LSTAR came from */
};

/*
 * The slide of the guest @x is attached to (a session with
 * XENINTRO_FEATURE_MEMORY), for the kernel whose symbols are @s, waiting
 * up to @secs for an event to read LSTAR from. The CR3 monitor it uses
 * is off again on return and the events it raised are answered.
 *
 * Return: 0 with the slide confirmed by both anchors; -ENOENT for an
 * image without entry_SYSCALL_64; -ETIMEDOUT without an event; -EPROTO
 * when the anchors disagree (@r says how); another -errno from the
 * session.
 */
int kslide_find(struct xenintro *x, const struct xi_ksyms *s,
		unsigned int secs, struct kslide *r);
/*
 * The registers of the guest's first CR3 write within @secs (a monitor on
 * for that long, then off, its other events answered): 0, -ETIMEDOUT or
 * another -errno.
 */
int kslide_regs(struct xenintro *x, unsigned int secs,
		struct xenintro_regs *regs);
/* Why kslide_find() failed, as a sentence for "domain N: ...". */
const char *kslide_why(int err, const struct kslide *r, char *buf,
		       size_t len);

#endif /* XI_KSLIDE_H */
