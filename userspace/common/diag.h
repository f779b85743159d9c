/* SPDX-License-Identifier: LGPL-2.1-only OR MIT */
/*
 * Diagnostics of the files the tools read: each error formatted the way
 * compilers do, "FILE:LINE:COL: FIELD: message", so that editors and CI
 * jump to it. A reader that can go on after an error (the policy parser)
 * asks for up to DIAG_MAX_ERRORS of them; the others stop at the first.
 */
#ifndef XI_DIAG_H
#define XI_DIAG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* A place in the policy file; both 1-based, 0 when unknown. */
struct src_mark {
	unsigned int line;
	unsigned int col;
};

/* Errors kept at most, as compilers stop after a screenful. */
#define DIAG_MAX_ERRORS		20
#define DIAG_MSG_LEN		512

struct diag {
	const char *file;	/* as the user named it */
	bool failed;
	unsigned int max;	/* errors to keep: 1 unless the reader asks */
	unsigned int nr;	/* errors found, kept or not */
	char msg[DIAG_MSG_LEN];	/* the first error, "" if none */
	char later[DIAG_MAX_ERRORS - 1][DIAG_MSG_LEN];	/* the next ones */
	struct src_mark marks[DIAG_MAX_ERRORS];	/* where each one is */
	/*
	 * A reader of several files (a policy and its includes) sets @file
	 * and @file_seq, the file's order, before each: errors sort by
	 * file, then by place.
	 */
	unsigned int file_seq;
	unsigned int file_seqs[DIAG_MAX_ERRORS];
};

/* Ready @d for @file, keeping only the first error. */
void diag_init(struct diag *d, const char *file);
/* The same, keeping up to @max (at most DIAG_MAX_ERRORS) errors. */
void diag_init_max(struct diag *d, const char *file, unsigned int max);
/*
 * Record an error at @mark for @field (a path like "rules[2].cleared[0]",
 * or NULL for the document itself). Beyond @d's max it is only counted
 * (with max 1, later errors are taken for consequences of the first).
 * Returns -1 for "return diag_error()".
 */
__attribute__((format(printf, 4, 5)))
int diag_error(struct diag *d, struct src_mark mark, const char *field,
	       const char *fmt, ...);
/*
 * Put the errors kept in the order of their places in the file, as a
 * reader that found them in another order would have them read.
 */
void diag_sort(struct diag *d);
/* Errors kept in @d; diag_message(d, i) for i below it, first is 0. */
unsigned int diag_kept(const struct diag *d);
const char *diag_message(const struct diag *d, unsigned int i);
/*
 * Every error kept, a line each, to @f; then, if more were found than
 * kept, "FILE: too many errors, stopped after N" (a reader that goes on
 * after errors stops at the first one beyond its max).
 */
void diag_print(FILE *f, const struct diag *d);

#endif /* XI_DIAG_H */
