/* SPDX-License-Identifier: LGPL-2.1-only OR MIT */
/*
 * Policy diagnostics: the first error found, formatted the way compilers
 * do, "FILE:LINE:COL: FIELD: message", so that editors and CI jump to it.
 */
#ifndef XI_DIAG_H
#define XI_DIAG_H

#include <stdbool.h>
#include <stddef.h>

/* A place in the policy file; both 1-based, 0 when unknown. */
struct src_mark {
	unsigned int line;
	unsigned int col;
};

struct diag {
	const char *file;	/* as the user named it */
	bool failed;
	char msg[512];		/* the formatted error, "" if none */
};

void diag_init(struct diag *d, const char *file);
/*
 * Record an error at @mark for @field (a path like "rules[2].cleared[0]",
 * or NULL for the document itself). Only the first error is kept: later
 * ones are mostly consequences of it. Returns -1 for "return diag_error()".
 */
__attribute__((format(printf, 4, 5)))
int diag_error(struct diag *d, struct src_mark mark, const char *field,
	       const char *fmt, ...);

#endif /* XI_DIAG_H */
