// SPDX-License-Identifier: LGPL-2.1-only OR MIT
/*
 * A kernel's symbols from the kallsyms tables in its image (see ksyms.h).
 *
 * The vmlinux inside a vmlinuz has no ELF symbol table, but its .rodata
 * holds what scripts/kallsyms generated at build time, in this order
 * (Linux 6.1, x86-64, CONFIG_KALLSYMS_BASE_RELATIVE), each table starting
 * 8-byte aligned:
 *
 *   kallsyms_offsets        s32[num_syms]
 *   kallsyms_relative_base  u64 (the address of _text)
 *   kallsyms_num_syms       u32
 *   kallsyms_names          per symbol: a length (1 byte, or 2 when the
 *                           first has bit 7 set), then that many token
 *                           numbers; the expansion starts with the type
 *   kallsyms_markers        u32[(num_syms + 255) / 256]: where every
 *                           256th symbol's entry starts in names
 *   kallsyms_seqs_of_names  3 bytes a symbol (6.2, and 6.1 stable)
 *   kallsyms_token_table    256 NUL-terminated token strings
 *   kallsyms_token_index    u16[256]: where each token starts
 *
 * None of them is labelled in the image, so they are found by their
 * structure: the token table holds the digits "0".."9" as tokens 0x30 to
 * 0x39 (a byte that appears in symbol names stands for itself); the
 * token index after the table must list exactly its string offsets; and
 * a num_syms, right before the names, must decode to exactly the names
 * that end at the markers, with every 256th entry where its marker says,
 * and markers (and seqs) that end at the token table. Anything that does not fit
 * ends in a message, never in a guess.
 */
#define _GNU_SOURCE
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "ksyms.h"

#define XI_NR_TOKENS	256
/* More than any kernel has; bounds the allocations for a hostile image. */
#define XI_KSYMS_MAX	(4u << 20)

struct ktables {
	const unsigned char *ro;	/* .rodata */
	size_t ro_len;
	uint64_t ro_addr;
	size_t token_table, token_off[XI_NR_TOKENS], token_len[XI_NR_TOKENS];
	size_t markers;			/* offset of markers[0] in ro */
	uint32_t nr_markers;
	size_t names;			/* offset of names in ro */
	uint32_t num_syms;
};

static uint32_t le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static uint64_t le64(const unsigned char *p)
{
	return le32(p) | (uint64_t)le32(p + 4) << 32;
}

/* Offset @off rounded up so that its link address is 8-byte aligned. */
static size_t align8(const struct ktables *t, size_t off)
{
	return (size_t)((((t->ro_addr + off) + 7) & ~7ULL) - t->ro_addr);
}

/*
 * From the token "0" (token 0x30) at @zero forward to the last token; the
 * token index after it says where the table starts (its entry 0x30 is
 * the distance back to it) and must list every token where it lies. The
 * table is not walked backwards: what precedes it need not end in NUL.
 */
static bool find_tokens(struct ktables *t, size_t zero)
{
	const unsigned char *nul;
	size_t p = zero, i, end, idx;

	for (i = 0x30; i < XI_NR_TOKENS; i++) {
		if (p >= t->ro_len)
			return false;
		nul = memchr(t->ro + p, 0, t->ro_len - p);
		if (!nul || nul == t->ro + p)
			return false;
		p = (size_t)(nul - t->ro) + 1;
	}
	end = align8(t, p);
	if (end < p || end + 2 * XI_NR_TOKENS > t->ro_len)
		return false;
#define TOKEN_INDEX(i) ((size_t)(t->ro[end + 2 * (i)] | t->ro[end + 2 * (i) + 1] << 8))
	idx = TOKEN_INDEX(0x30);
	if (TOKEN_INDEX(0) || idx > zero)
		return false;
	t->token_table = zero - idx;
	for (i = 0; i < XI_NR_TOKENS; i++) {
		size_t at = t->token_table + TOKEN_INDEX(i);

		if (at >= p)
			return false;
		nul = memchr(t->ro + at, 0, p - at);
		if (!nul || nul == t->ro + at)
			return false;
		t->token_off[i] = TOKEN_INDEX(i);
		t->token_len[i] = (size_t)(nul - (t->ro + at));
		/* each token right after the one before, the last at the end */
		if ((i + 1 < XI_NR_TOKENS ?
		     t->token_table + TOKEN_INDEX(i + 1) : p) !=
		    at + t->token_len[i] + 1)
			return false;
	}
#undef TOKEN_INDEX
	return true;
}

/*
 * Markers for @n symbols at @m: markers[0] = 0, strictly rising, and the
 * table (with the seqs table after it, when @seqs) ending where the token
 * table starts.
 */
static bool markers_at(struct ktables *t, size_t m, uint32_t n)
{
	uint32_t i, nr = (n + 255) / 256;

	if (m + 4 * (size_t)nr > t->token_table || le32(t->ro + m))
		return false;
	for (i = 1; i < nr; i++)
		if (le32(t->ro + m + 4 * i) <= le32(t->ro + m + 4 * (i - 1)))
			return false;
	t->markers = m;
	t->nr_markers = nr;
	return true;
}

/* Where markers would start for @n symbols, with or without the seqs. */
static bool place_markers(struct ktables *t, uint32_t n, bool seqs)
{
	size_t end = t->token_table, nr = (n + 255) / 256;

	if (seqs) {
		/* kallsyms_seqs_of_names: 3 bytes a symbol (6.1 stable, 6.2+) */
		if (end < 3 * (size_t)n + 8)
			return false;
		end = (size_t)(((t->ro_addr + end - 3 * (size_t)n) & ~7ULL) -
			       t->ro_addr);
	}
	if (end < ((4 * nr + 7) & ~(size_t)7))
		return false;
	return markers_at(t, end - ((4 * nr + 7) & ~(size_t)7), n);
}

/* The length of the names entry at @p and where its tokens start. */
static bool entry_len(const struct ktables *t, size_t p, size_t *len,
		      size_t *tokens)
{
	if (p >= t->markers)
		return false;
	if (t->ro[p] & 0x80) {
		if (p + 1 >= t->markers)
			return false;
		*len = (t->ro[p] & 0x7f) | (size_t)t->ro[p + 1] << 7;
		*tokens = p + 2;
	} else {
		*len = t->ro[p];
		*tokens = p + 1;
	}
	return *len && *tokens + *len <= t->markers;
}

/* Do @n entries from @names end at the markers, each 256th on its mark? */
static bool names_fit(const struct ktables *t, size_t names, uint32_t n)
{
	size_t p = names, len, tokens;
	uint32_t i;

	for (i = 0; i < n; i++) {
		if (!(i & 255) && le32(t->ro + t->markers + 4 * (i >> 8)) !=
		    p - names)
			return false;
		if (!entry_len(t, p, &len, &tokens))
			return false;
		p = tokens + len;
	}
	/* then only the padding up to the markers */
	return p <= t->markers && t->markers - p < 8;
}

/*
 * num_syms sits in the 8 bytes before the names; the markers (and the
 * seqs) follow the names up to the token table. Try every 8-aligned
 * place below the token table until one fits all of that.
 */
static bool find_names(struct ktables *t)
{
	size_t s;
	int seqs;

	for (s = align8(t, t->token_table) - 8; s >= 24; s -= 8) {
		uint32_t n = le32(t->ro + s - 8);

		if (!n || n > XI_KSYMS_MAX || 3 * (size_t)n > t->token_table)
			continue;
		for (seqs = 1; seqs >= 0; seqs--) {
			if (place_markers(t, n, seqs) && t->markers > s &&
			    names_fit(t, s, n)) {
				t->names = s;
				t->num_syms = n;
				return true;
			}
		}
	}
	return false;
}

/* Expand every name; the offsets table gives the addresses. */
static int decode(const struct ktables *t, struct xi_ksyms *s, bool percpu,
		  struct diag *d)
{
	size_t rb = t->names - 16, offs, p = t->names, len, tokens, i, j;
	size_t total = 0, at = 0;

	s->relative_base = le64(t->ro + rb);
	offs = rb - ((4 * (size_t)t->num_syms + 7) & ~(size_t)7);
	if (rb < 4 * (size_t)t->num_syms || offs > rb)
		return diag_error(d, (struct src_mark){ 0 }, NULL,
				  "kallsyms: no room for the offsets table");
	/* Sizes first, so that one allocation holds every name. */
	for (i = 0; i < t->num_syms; i++) {
		entry_len(t, p, &len, &tokens);
		for (j = 0; j < len; j++)
			total += t->token_len[t->ro[tokens + j]];
		total++;
		p = tokens + len;
	}
	s->syms = calloc(t->num_syms, sizeof(*s->syms));
	s->names = malloc(total);
	if (!s->syms || !s->names)
		return diag_error(d, (struct src_mark){ 0 }, NULL,
				  "out of memory for %u symbols", t->num_syms);
	p = t->names;
	for (i = 0; i < t->num_syms; i++) {
		int32_t off = (int32_t)le32(t->ro + offs + 4 * i);
		char *name = s->names + at;

		entry_len(t, p, &len, &tokens);
		for (j = 0; j < len; j++) {
			size_t k = t->ro[tokens + j];

			memcpy(s->names + at, t->ro + t->token_table +
			       t->token_off[k], t->token_len[k]);
			at += t->token_len[k];
		}
		s->names[at++] = '\0';
		p = tokens + len;
		s->syms[i].type = name[0];
		s->syms[i].name = name[0] ? name + 1 : name;
		/*
		 * CONFIG_KALLSYMS_ABSOLUTE_PERCPU: a positive offset is the
		 * address itself (per-CPU symbols), a negative one counts
		 * down from relative_base - 1.
		 */
		if (!percpu)
			s->syms[i].addr = s->relative_base + (uint32_t)off;
		else if (off >= 0)
			s->syms[i].addr = (uint64_t)off;
		else
			s->syms[i].addr = s->relative_base - 1 - off;
	}
	s->nr = t->num_syms;
	return 0;
}

int xi_ksyms_load(const struct xi_kimage *k, struct xi_ksyms *s,
		  struct diag *d)
{
	const unsigned char *ro;
	uint64_t addr;
	size_t len;

	memset(s, 0, sizeof(*s));
	if (xi_kimage_section(k, ".rodata", &ro, &len, &addr, d))
		return -1;
	return xi_ksyms_from_rodata(ro, len, addr, s, d);
}

int xi_ksyms_from_rodata(const unsigned char *ro, size_t ro_len,
			 uint64_t ro_addr, struct xi_ksyms *s, struct diag *d)
{
	static const char digits[] = "0\0" "1\0" "2\0" "3\0" "4\0" "5\0"
				     "6\0" "7\0" "8\0" "9";
	struct ktables t;
	const unsigned char *hit;
	const struct xi_ksym *text;
	size_t from = 0;
	bool found = false;
	int pass;

	memset(s, 0, sizeof(*s));
	memset(&t, 0, sizeof(t));
	t.ro = ro;
	t.ro_len = ro_len;
	t.ro_addr = ro_addr;
	while (!found && from < t.ro_len &&
	       (hit = memmem(t.ro + from, t.ro_len - from, digits,
			     sizeof(digits)))) {
		size_t zero = (size_t)(hit - t.ro);

		found = zero && !t.ro[zero - 1] && find_tokens(&t, zero) &&
			find_names(&t);
		from = zero + 1;
	}
	if (!found)
		return diag_error(d, (struct src_mark){ 0 }, NULL,
				  "no kallsyms tables of the Linux 6.1 layout in .rodata (a kernel without CONFIG_KALLSYMS, or another layout)");
	/* Which address scheme: the one that puts _text at relative_base. */
	for (pass = 0; pass < 2; pass++) {
		if (decode(&t, s, pass == 0, d))
			return -1;
		text = xi_ksyms_find(s, "_text");
		if (text && text->addr == s->relative_base) {
			s->token_table_addr = t.ro_addr + t.token_table;
			s->token_table = t.ro + t.token_table;
			s->token_table_len = t.token_off[XI_NR_TOKENS - 1] +
					     t.token_len[XI_NR_TOKENS - 1] + 1;
			return 0;
		}
		xi_ksyms_free(s);
	}
	return diag_error(d, (struct src_mark){ 0 }, NULL,
			  "kallsyms: _text is not at the tables' relative base; refusing to guess the addresses");
}

void xi_ksyms_free(struct xi_ksyms *s)
{
	free(s->syms);
	free(s->names);
	s->syms = NULL;
	s->names = NULL;
	s->nr = 0;
}

const struct xi_ksym *xi_ksyms_find(const struct xi_ksyms *s,
				    const char *name)
{
	size_t i;

	for (i = 0; i < s->nr; i++)
		if (!strcmp(s->syms[i].name, name))
			return &s->syms[i];
	return NULL;
}
