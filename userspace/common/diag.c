// SPDX-License-Identifier: LGPL-2.1-only OR MIT
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "diag.h"

void diag_init_max(struct diag *d, const char *file, unsigned int max)
{
	d->file = file;
	d->failed = false;
	d->max = max < 1 ? 1 : max > DIAG_MAX_ERRORS ? DIAG_MAX_ERRORS : max;
	d->nr = 0;
	d->file_seq = 0;
	d->msg[0] = '\0';
}

void diag_init(struct diag *d, const char *file)
{
	diag_init_max(d, file, 1);
}

int diag_error(struct diag *d, struct src_mark mark, const char *field,
	       const char *fmt, ...)
{
	char *out;
	va_list ap;
	int n;

	d->failed = true;
	if (d->nr++ >= d->max)
		return -1;
	out = d->nr == 1 ? d->msg : d->later[d->nr - 2];
	d->marks[d->nr - 1] = mark;
	d->file_seqs[d->nr - 1] = d->file_seq;
	/* no line: a problem with the file as a whole (cannot open it) */
	if (mark.line && mark.col)
		n = snprintf(out, DIAG_MSG_LEN, "%s:%u:%u: %s%s",
			     d->file, mark.line, mark.col, field ? field : "",
			     field ? ": " : "");
	else if (mark.line)	/* a line-based file (System.map) */
		n = snprintf(out, DIAG_MSG_LEN, "%s:%u: %s%s", d->file,
			     mark.line, field ? field : "", field ? ": " : "");
	else
		n = snprintf(out, DIAG_MSG_LEN, "%s: %s%s", d->file,
			     field ? field : "", field ? ": " : "");
	if (n < 0 || n >= DIAG_MSG_LEN)
		return -1;
	va_start(ap, fmt);
	vsnprintf(out + n, DIAG_MSG_LEN - (size_t)n, fmt, ap);
	va_end(ap);
	return -1;
}

static char *diag_slot(struct diag *d, unsigned int i)
{
	return i ? d->later[i - 1] : d->msg;
}

static bool mark_before(unsigned int fa, struct src_mark a, unsigned int fb,
			struct src_mark b)
{
	if (fa != fb)
		return fa < fb;
	return a.line < b.line || (a.line == b.line && a.col < b.col);
}

void diag_sort(struct diag *d)
{
	char tmp[DIAG_MSG_LEN];
	struct src_mark m;
	unsigned int i, j, f;

	/* a stable insertion sort: at most DIAG_MAX_ERRORS of them */
	for (i = 1; i < diag_kept(d); i++) {
		m = d->marks[i];
		f = d->file_seqs[i];
		memcpy(tmp, diag_slot(d, i), DIAG_MSG_LEN);
		for (j = i; j && mark_before(f, m, d->file_seqs[j - 1],
					     d->marks[j - 1]); j--) {
			memcpy(diag_slot(d, j), diag_slot(d, j - 1),
			       DIAG_MSG_LEN);
			d->marks[j] = d->marks[j - 1];
			d->file_seqs[j] = d->file_seqs[j - 1];
		}
		memcpy(diag_slot(d, j), tmp, DIAG_MSG_LEN);
		d->marks[j] = m;
		d->file_seqs[j] = f;
	}
}

unsigned int diag_kept(const struct diag *d)
{
	return d->nr < d->max ? d->nr : d->max;
}

const char *diag_message(const struct diag *d, unsigned int i)
{
	if (i >= diag_kept(d))
		return "";
	return i ? d->later[i - 1] : d->msg;
}

void diag_print(FILE *f, const struct diag *d)
{
	unsigned int i;

	for (i = 0; i < diag_kept(d); i++)
		fprintf(f, "%s\n", diag_message(d, i));
	if (d->nr > d->max)
		fprintf(f, "%s: too many errors, stopped after %u\n", d->file,
			d->max);
}
