/* SPDX-License-Identifier: LGPL-2.1-only OR MIT */
/*
 * The one version line of xenintro's programs (xenintro --version,
 * xenintro-agent --version): the program, then the library and uAPI it
 * was built with, which are what decide what it can do.
 */
#ifndef XI_VERSION_H
#define XI_VERSION_H

#include <stdio.h>

#include <xenintro/libxenintro.h>

/* "xenintro-agent (libxenintro 1.4, uAPI 1)" */
static inline void xi_print_version(FILE *f, const char *prog)
{
	fprintf(f, "%s (libxenintro %d.%d, uAPI %d)\n", prog,
		LIBXENINTRO_VERSION_MAJOR, LIBXENINTRO_VERSION_MINOR,
		XENINTRO_API_VERSION);
}

#endif /* XI_VERSION_H */
