/* SPDX-License-Identifier: LGPL-2.1-only OR MIT */
/*
 * Guests across their lifetime: finding a guest by name again after its
 * domain died (a reboot gives it a new domid), and the guests whose names
 * match a pattern (--watch). Through xenstore, where the toolstack keeps
 * the names: a watch on the toolstack's domain introductions wakes the
 * agent, and a bounded poll interval covers what no watch reports (a
 * rename, a xenstore without watches). Never a busy loop.
 */
#ifndef XI_FOLLOW_H
#define XI_FOLLOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Looked at again this often even when xenstore says nothing (ms). */
#define FOLLOW_POLL_MS		2000

struct xs_handle;

/* A xenstore connection watching for new and released domains. */
struct follow_watch {
	struct xs_handle *xs;	/* NULL: no xenstore now; polled */
	int fd;			/* xs_fileno(), or -1 */
	bool watching;		/* the watches are set */
};

/*
 * Open the connection and set the watches. Without xenstore (or
 * without watches) the wait below still works, by polling; never fails.
 */
void follow_watch_open(struct follow_watch *w);
void follow_watch_close(struct follow_watch *w);

/*
 * Sleep until xenstore reports a domain change, @sigfd is readable, or
 * @timeout_ms pass (at most FOLLOW_POLL_MS; -1: FOLLOW_POLL_MS). The
 * watch events are consumed. 1: @sigfd is readable, 0 otherwise, -errno
 * if poll() failed.
 */
int follow_watch_wait(struct follow_watch *w, int sigfd, int timeout_ms);

/*
 * The domid of a domain named @name, other than @not_domid (0: any):
 * 0 with *@domid set, -ENOENT if none, -EHOSTUNREACH if no xenstore.
 * A name is unique among running domains (the toolstack refuses a
 * duplicate); a domain that is dying keeps its name in xenstore until
 * it is gone, so the old domid is skipped.
 */
int follow_find(struct follow_watch *w, const char *name, uint32_t not_domid,
		uint32_t *domid);

/* Does guest @name match the shell pattern @pattern (fnmatch(3))? */
bool follow_name_matches(const char *pattern, const char *name);

/* A guest name for --watch: its domid and name. */
struct follow_guest {
	uint32_t domid;
	char name[256];
};

/*
 * The domains whose names match @pattern, dom0 never, up to @max into
 * @out: how many (at most @max), or -EHOSTUNREACH without xenstore.
 */
int follow_list(struct follow_watch *w, const char *pattern,
		struct follow_guest *out, size_t max);

#endif /* XI_FOLLOW_H */
