// SPDX-License-Identifier: LGPL-2.1-only OR MIT
/*
 * The KASLR slide of a running Linux guest.
 *
 * The syscall entry MSR, LSTAR, holds entry_SYSCALL_64 as the running
 * kernel placed it; the image's kallsyms tables (ksyms.c) say where the
 * symbol was linked. The difference is the slide. It is believed only if
 * a second, independent anchor agrees: the guest's memory at the image's
 * kallsyms_token_table address plus the slide must hold exactly the
 * image's bytes (read-only data the kernel never changes at run time), or
 * with a System.map or ISF, which hold no such table, linux_banner plus
 * the slide must start with "Linux version "; and the slide must be a
 * multiple of 2 MiB, as x86-64 KASLR places the kernel. A rootkit that
 * moved LSTAR, or symbols that are not the guest kernel's, fail the second
 * anchor: then there is no slide, never a guess.
 *
 * LSTAR comes from the registers of the guest's first event: a CR3 write
 * monitor, which a Linux guest trips at every switch to a process, is on
 * until one arrives and off again before this returns.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kslide.h"

#define KASLR_ALIGN	(2ULL << 20)	/* CONFIG_PHYSICAL_ALIGN on x86-64 */

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/* Answer (CONTINUE) every event in the ring. */
static void answer_all(struct xenintro *x)
{
	const struct xenintro_event *ev;

	while (!xenintro_peek_event(x, &ev)) {
		if (xenintro_event_needs_verdict(ev))
			xenintro_verdict_for(x, ev, XENINTRO_VERDICT_CONTINUE);
		xenintro_event_advance(x, 1);
	}
	xenintro_submit(x);
}

int kslide_regs(struct xenintro *x, unsigned int secs,
		struct xenintro_regs *regs)
{
	const struct xenintro_event *ev;
	long long end = now_ms() + secs * 1000LL;
	int ret;

	ret = xenintro_monitor_enable(x, XENINTRO_MONITOR_CTRLREG,
				      XENINTRO_CR3, 0);
	if (ret)
		return ret;
	ret = -ETIMEDOUT;
	while (now_ms() < end) {
		if (!xenintro_peek_event(x, &ev)) {
			*regs = ev->regs;
			ret = 0;
			break;
		}
		xenintro_wait(x, 100);
	}
	/*
	 * Off before the rest is answered, so that the ring empties; what
	 * raced in meanwhile goes with it.
	 */
	xenintro_monitor_disable(x, XENINTRO_MONITOR_CTRLREG, XENINTRO_CR3);
	answer_all(x);
	return ret;
}

/*
 * The second anchor's address and the bytes it must hold: the image's
 * kallsyms_token_table where the symbols came from the image, else (a
 * System.map or an ISF, which carry no table) the text that linux_banner
 * starts with in every Linux kernel.
 */
static int anchor_of(const struct xi_ksyms *s, struct kslide *r,
		     uint64_t *addr, const unsigned char **want, size_t *len)
{
	static const char banner[] = "Linux version ";
	const struct xi_ksym *b;

	if (s->token_table) {
		r->anchor_name = "kallsyms_token_table";
		*addr = s->token_table_addr;
		*want = s->token_table;
		*len = s->token_table_len;
		return 0;
	}
	b = xi_ksyms_find(s, "linux_banner");
	if (!b)
		return -ENOENT;
	r->anchor_name = "linux_banner";
	*addr = b->addr;
	*want = (const unsigned char *)banner;
	*len = sizeof(banner) - 1;
	return 0;
}

int kslide_find(struct xenintro *x, const struct xi_ksyms *s,
		unsigned int secs, struct kslide *r)
{
	const struct xi_ksym *entry = xi_ksyms_find(s, "entry_SYSCALL_64");
	struct xenintro_mem_root root;
	const unsigned char *want;
	unsigned char *guest;
	uint64_t at;
	size_t len;
	int ret;

	memset(r, 0, sizeof(*r));
	if (!entry || anchor_of(s, r, &at, &want, &len))
		return -ENOENT;
	r->entry = entry->addr;
	ret = kslide_regs(x, secs, &r->regs);
	if (ret)
		return ret;
	r->lstar = r->regs.msr_lstar;
	r->slide = r->lstar - r->entry;
	r->aligned = !(r->slide % KASLR_ALIGN);
	/* the second anchor, through the page tables of that moment */
	guest = malloc(len);
	if (!guest)
		return -ENOMEM;
	root = xenintro_root_regs(&r->regs);
	r->got = xenintro_read_virt(x, &root, at + r->slide, guest,
				    (uint32_t)len);
	r->anchor = r->got == (int64_t)len && !memcmp(guest, want, len);
	free(guest);
	return r->aligned && r->anchor ? 0 : -EPROTO;
}

const char *kslide_why(int err, const struct kslide *r, char *buf, size_t len)
{
	switch (err) {
	case -ENOENT:
		return "the kernel's symbols lack entry_SYSCALL_64, or both kallsyms_token_table and linux_banner";
	case -ETIMEDOUT:
		return "no CR3 write to read LSTAR from in time (is the guest running?)";
	case -EPROTO:
		snprintf(buf, len,
			 "LSTAR 0x%" PRIx64 " against entry_SYSCALL_64 0x%" PRIx64 " gives slide 0x%" PRIx64 "%s, and the guest's bytes at %s + slide %s; these symbols are not the guest's running kernel's: refusing to guess",
			 r->lstar, r->entry, r->slide,
			 r->aligned ? "" : " (not a multiple of 2 MiB)",
			 r->anchor_name,
			 r->got < 0 ? "cannot be read" :
			 r->anchor ? "match" : "differ from what they must hold");
		return buf;
	default:
		return strerror(-err);
	}
}
