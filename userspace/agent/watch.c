// SPDX-License-Identifier: LGPL-2.1-only OR MIT
/*
 * xenintro-agent --watch PATTERN: see watch.h.
 *
 * Why processes and not one agent serving many guests: a session is
 * locked to its one domain once set up (RESTRICT), which is what keeps
 * an agent subverted by one guest's data away from every other guest;
 * an agent per guest keeps that, and a guest whose events flood, or
 * whose agent fails, costs no other guest its verdicts. Why not a
 * systemd generator instantiating xenintro-agent@.service: generators
 * run at boot and daemon-reload only, and guests come and go at any
 * time; the watcher sees them through xenstore as they appear.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "follow.h"
#include "signals.h"
#include "watch.h"

static const char *const prog = "xenintro-agent";

/* One guest the watcher serves. */
struct watched {
	char name[256];
	pid_t pid;		/* its agent, 0 when none runs */
	long long exited_ms;	/* when its agent last exited */
	bool listed;		/* seen in the last scan */
};

struct watcher {
	const char *pattern;
	char exe[4096];
	char **child_argv;	/* [0] exe, [2] --guest's value, NULL-ended */
	size_t name_slot;
	struct watched g[WATCH_MAX_GUESTS];
	size_t nr;
};

static long long mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/* Options of the agent that take a value as the next word. */
static bool takes_value(const char *arg)
{
	static const char *const opts[] = {
		"-g", "--guest", "-k", "--kernel", "-o", "--log", "-f",
		"--format", "-s", "--stats-interval", "-b", "--busy-poll",
		"-d", "--device",
	};
	size_t i;

	for (i = 0; i < sizeof(opts) / sizeof(opts[0]); i++)
		if (!strcmp(arg, opts[i]))
			return true;
	return false;
}

/*
 * The children's command line: the agent, --guest NAME --follow=S, then
 * the watcher's own words without --watch and --follow.
 */
static int build_argv(struct watcher *wt, int argc, char **argv,
		      long follow_secs)
{
	static char follow[40];
	char **v;
	int i, k = 0;
	ssize_t n;

	n = readlink("/proc/self/exe", wt->exe, sizeof(wt->exe) - 1);
	if (n <= 0)
		snprintf(wt->exe, sizeof(wt->exe), "%s", argv[0]);
	else
		wt->exe[n] = '\0';
	v = calloc((size_t)argc + 5, sizeof(*v));
	if (!v)
		return -ENOMEM;
	if (follow_secs < 0)
		snprintf(follow, sizeof(follow), "--follow");
	else
		snprintf(follow, sizeof(follow), "--follow=%ld", follow_secs);
	v[k++] = wt->exe;
	v[k++] = "--guest";
	wt->name_slot = (size_t)k;
	v[k++] = NULL;		/* each guest's name */
	v[k++] = follow;
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--watch") || !strcmp(argv[i], "-w")) {
			i++;
			continue;
		}
		if (!strncmp(argv[i], "--watch=", 8) ||
		    !strncmp(argv[i], "-w", 2) ||
		    !strcmp(argv[i], "--follow") ||
		    !strncmp(argv[i], "--follow=", 9))
			continue;
		v[k++] = argv[i];
		if (takes_value(argv[i]) && i + 1 < argc)
			v[k++] = argv[++i];
	}
	v[k] = NULL;
	wt->child_argv = v;
	return 0;
}

static void spawn(struct watcher *wt, struct watched *g, uint32_t domid)
{
	pid_t pid;

	wt->child_argv[wt->name_slot] = g->name;
	pid = fork();
	if (pid < 0) {
		fprintf(stderr, "%s: watch: cannot start an agent for %s: %s\n",
			prog, g->name, strerror(errno));
		g->exited_ms = mono_ms();
		return;
	}
	if (!pid) {
		execv(wt->exe, wt->child_argv);
		fprintf(stderr, "%s: watch: %s: %s\n", prog, wt->exe,
			strerror(errno));
		_exit(5);
	}
	g->pid = pid;
	fprintf(stderr, "%s: watch: guest %s (domain %u) matches %s: agent pid %d\n",
		prog, g->name, domid, wt->pattern, (int)pid);
}

/* Collect the agents that exited; say how. */
static void reap(struct watcher *wt)
{
	int status;
	pid_t pid;
	size_t i;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		for (i = 0; i < wt->nr && wt->g[i].pid != pid; i++)
			;
		if (i == wt->nr)
			continue;
		wt->g[i].pid = 0;
		wt->g[i].exited_ms = mono_ms();
		if (WIFEXITED(status))
			fprintf(stderr, "%s: watch: the agent for %s (pid %d) exited with status %d\n",
				prog, wt->g[i].name, (int)pid,
				WEXITSTATUS(status));
		else
			fprintf(stderr, "%s: watch: the agent for %s (pid %d) ended by signal %d\n",
				prog, wt->g[i].name, (int)pid,
				WTERMSIG(status));
	}
}

/* Start an agent for each matching guest that has none. */
static void scan(struct watcher *wt, struct follow_watch *w,
		 struct follow_guest *list)
{
	long long now = mono_ms();
	size_t i, j;
	int n;

	n = follow_list(w, wt->pattern, list, WATCH_MAX_GUESTS);
	if (n < 0)
		return;		/* no xenstore now: try again later */
	for (j = 0; j < wt->nr; j++)
		wt->g[j].listed = false;
	for (i = 0; i < (size_t)n; i++) {
		for (j = 0; j < wt->nr && strcmp(wt->g[j].name, list[i].name); j++)
			;
		if (j == wt->nr) {
			if (wt->nr == WATCH_MAX_GUESTS)
				continue;
			memset(&wt->g[j], 0, sizeof(wt->g[j]));
			snprintf(wt->g[j].name, sizeof(wt->g[j].name), "%s",
				 list[i].name);
			wt->g[j].exited_ms = now - WATCH_RESTART_MS;
			wt->nr++;
		}
		wt->g[j].listed = true;
		if (!wt->g[j].pid &&
		    now - wt->g[j].exited_ms >= WATCH_RESTART_MS)
			spawn(wt, &wt->g[j], list[i].domid);
	}
	/* a guest gone, whose agent gave up on it: forgotten */
	for (j = 0; j < wt->nr;) {
		if (!wt->g[j].listed && !wt->g[j].pid)
			wt->g[j] = wt->g[--wt->nr];
		else
			j++;
	}
}

static void signal_all(struct watcher *wt, int sig)
{
	size_t i;

	for (i = 0; i < wt->nr; i++)
		if (wt->g[i].pid)
			kill(wt->g[i].pid, sig);
}

int watch_main(const char *pattern, int argc, char **argv, long follow_secs)
{
	static struct watcher wt;
	struct follow_guest *list;
	struct follow_watch w;
	int sigfd, sig, ret = 5;
	size_t i, n;

	wt.pattern = pattern;
	list = calloc(WATCH_MAX_GUESTS, sizeof(*list));
	if (!list || build_argv(&wt, argc, argv, follow_secs)) {
		fprintf(stderr, "%s: watch: out of memory\n", prog);
		free(list);
		return 5;
	}
	sigfd = signals_open();
	if (sigfd < 0) {
		fprintf(stderr, "%s: signalfd: %s\n", prog, strerror(-sigfd));
		goto out;
	}
	follow_watch_open(&w);
	if (follow_list(&w, pattern, list, 1) < 0) {
		fprintf(stderr, "%s: watch: no xenstore to list the guests in (%s)\n",
			prog, strerror(errno));
		ret = 3;
		goto out_watch;
	}
	if (follow_secs < 0)
		fprintf(stderr, "%s: watch: an agent for every guest named %s, following it for ever\n",
			prog, pattern);
	else
		fprintf(stderr, "%s: watch: an agent for every guest named %s, waiting %ld s for a guest whose domain died\n",
			prog, pattern, follow_secs);
	for (;;) {
		reap(&wt);
		scan(&wt, &w, list);
		if (follow_watch_wait(&w, sigfd, FOLLOW_POLL_MS) <= 0)
			continue;
		while ((sig = signals_next(sigfd)) > 0) {
			if (sig == SIGINT || sig == SIGTERM)
				goto stop;
			/* a reload or stats for every guest's agent */
			signal_all(&wt, sig);
		}
	}
stop:
	for (i = 0, n = 0; i < wt.nr; i++)
		n += !!wt.g[i].pid;
	fprintf(stderr, "%s: watch: signal %d: stopping %zu agent%s\n", prog,
		sig, n, n == 1 ? "" : "s");
	signal_all(&wt, SIGTERM);
	for (i = 0; i < wt.nr; i++)
		if (wt.g[i].pid && waitpid(wt.g[i].pid, NULL, 0) > 0)
			wt.g[i].pid = 0;
	ret = 0;
out_watch:
	follow_watch_close(&w);
	close(sigfd);
out:
	free(wt.child_argv);
	free(list);
	return ret;
}
