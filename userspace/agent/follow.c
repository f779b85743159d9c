// SPDX-License-Identifier: LGPL-2.1-only OR MIT
/*
 * Guests across their lifetime, through xenstore: see follow.h.
 *
 * Xen's xenstored fires the special watch "@introduceDomain" once a new
 * domain is built (the toolstack writes /local/domain/<domid>/name before
 * it introduces the domain) and "@releaseDomain" when one is gone. Both
 * only wake the agent up: what it looks for is read from
 * /local/domain afterwards, so a watch event lost or merged costs at
 * most FOLLOW_POLL_MS.
 */
#include <errno.h>
#include <fnmatch.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xenstore.h>

#include "follow.h"
#include "guest.h"

static const char *const watch_paths[] = { "@introduceDomain",
					   "@releaseDomain" };
#define WATCH_TOKEN	"xenintro-follow"

void follow_watch_open(struct follow_watch *w)
{
	size_t i;

	w->fd = -1;
	w->watching = false;
	w->xs = xs_open(0);
	if (!w->xs)
		return;
	w->watching = true;
	for (i = 0; i < sizeof(watch_paths) / sizeof(watch_paths[0]); i++)
		if (!xs_watch(w->xs, watch_paths[i], WATCH_TOKEN))
			w->watching = false;
	if (w->watching)
		w->fd = xs_fileno(w->xs);
	if (w->fd < 0)
		w->watching = false;
}

void follow_watch_close(struct follow_watch *w)
{
	if (w->xs)
		xs_close(w->xs);	/* drops its watches too */
	w->xs = NULL;
	w->fd = -1;
	w->watching = false;
}

int follow_watch_wait(struct follow_watch *w, int sigfd, int timeout_ms)
{
	struct pollfd pfd[2];
	nfds_t n = 0;
	char **ev;
	int ret;

	if (timeout_ms < 0 || timeout_ms > FOLLOW_POLL_MS)
		timeout_ms = FOLLOW_POLL_MS;
	if (sigfd >= 0) {
		pfd[n].fd = sigfd;
		pfd[n].events = POLLIN;
		pfd[n++].revents = 0;
	}
	if (w->watching) {
		pfd[n].fd = w->fd;
		pfd[n].events = POLLIN;
		pfd[n++].revents = 0;
	}
	ret = poll(pfd, n, timeout_ms);
	if (ret < 0)
		return errno == EINTR ? 0 : -errno;
	/* consume every queued watch event: each only says "look again" */
	if (w->watching)
		while ((ev = xs_check_watch(w->xs)))
			free(ev);
	return sigfd >= 0 && (pfd[0].revents & POLLIN) ? 1 : 0;
}

/* The domids in /local/domain, or NULL (*@n 0) */
static char **domain_ids(struct follow_watch *w, unsigned int *n)
{
	char **ids;

	*n = 0;
	ids = xs_directory(w->xs, XBT_NULL, "/local/domain", n);
	if (!ids)
		*n = 0;
	return ids;
}

/* The name of domain @id (a directory entry) into @buf; false if none. */
static bool domain_name(struct follow_watch *w, const char *id, char *buf,
			size_t len)
{
	char path[64], *name;
	unsigned int nlen;

	snprintf(path, sizeof(path), "/local/domain/%s/name", id);
	name = xs_read(w->xs, XBT_NULL, path, &nlen);
	if (!name)
		return false;
	snprintf(buf, len, "%s", name);
	free(name);
	return true;
}

/* A connection for one look: the watch's, or a fresh one. */
static bool connect_once(struct follow_watch *w)
{
	if (!w->xs)
		w->xs = xs_open(0);
	return w->xs;
}

int follow_find(struct follow_watch *w, const char *name, uint32_t not_domid,
		uint32_t *domid)
{
	char buf[256], why[128];
	unsigned int n, i;
	uint32_t d;
	char **ids;
	int ret = -ENOENT;

	if (!connect_once(w))
		return -EHOSTUNREACH;
	ids = domain_ids(w, &n);
	for (i = 0; i < n && ret; i++) {
		if (!guest_is_domid(ids[i]) ||
		    guest_domid(ids[i], &d, why, sizeof(why)) || d == not_domid)
			continue;
		if (domain_name(w, ids[i], buf, sizeof(buf)) &&
		    !strcmp(buf, name)) {
			*domid = d;
			ret = 0;
		}
	}
	free(ids);
	/* not watching: the connection was for this one look */
	if (!w->watching)
		follow_watch_close(w);
	return ret;
}

bool follow_name_matches(const char *pattern, const char *name)
{
	return !fnmatch(pattern, name, 0);
}

int follow_list(struct follow_watch *w, const char *pattern,
		struct follow_guest *out, size_t max)
{
	char why[128];
	unsigned int n, i;
	size_t k = 0;
	char **ids;
	uint32_t d;

	if (!connect_once(w))
		return -EHOSTUNREACH;
	ids = domain_ids(w, &n);
	for (i = 0; i < n && k < max; i++) {
		/* guest_domid() refuses dom0 (and anything not a domid) */
		if (!guest_is_domid(ids[i]) ||
		    guest_domid(ids[i], &d, why, sizeof(why)))
			continue;
		if (!domain_name(w, ids[i], out[k].name, sizeof(out[k].name)) ||
		    !follow_name_matches(pattern, out[k].name))
			continue;
		out[k++].domid = d;
	}
	free(ids);
	if (!w->watching)
		follow_watch_close(w);
	return (int)k;
}
