// SPDX-License-Identifier: LGPL-2.1-only OR MIT
#include <stdarg.h>
#include <stdio.h>

#include "diag.h"

void diag_init(struct diag *d, const char *file)
{
	d->file = file;
	d->failed = false;
	d->msg[0] = '\0';
}

int diag_error(struct diag *d, struct src_mark mark, const char *field,
	       const char *fmt, ...)
{
	va_list ap;
	int n;

	if (d->failed)
		return -1;
	d->failed = true;
	/* no line: a problem with the file as a whole (cannot open it) */
	if (mark.line && mark.col)
		n = snprintf(d->msg, sizeof(d->msg), "%s:%u:%u: %s%s",
			     d->file, mark.line, mark.col, field ? field : "",
			     field ? ": " : "");
	else if (mark.line)	/* a line-based file (System.map) */
		n = snprintf(d->msg, sizeof(d->msg), "%s:%u: %s%s", d->file,
			     mark.line, field ? field : "", field ? ": " : "");
	else
		n = snprintf(d->msg, sizeof(d->msg), "%s: %s%s", d->file,
			     field ? field : "", field ? ": " : "");
	if (n < 0 || (size_t)n >= sizeof(d->msg))
		return -1;
	va_start(ap, fmt);
	vsnprintf(d->msg + n, sizeof(d->msg) - (size_t)n, fmt, ap);
	va_end(ap);
	return -1;
}
