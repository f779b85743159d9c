/* SPDX-License-Identifier: LGPL-2.1-only OR MIT */
/*
 * xenintro-agent --watch PATTERN: one agent process per guest whose name
 * matches PATTERN, started as guests appear. Each is the agent itself,
 * run with --guest NAME --follow=S and the rest of the command line, so
 * every guest keeps its own session, locked to its own domain
 * (RESTRICT), and one slow or broken guest holds up no other.
 */
#ifndef XI_WATCH_H
#define XI_WATCH_H

/*
 * How long a watched guest's agent waits for the guest to come back
 * after its domain died (--follow=S), unless --follow says: a reboot
 * is back well within it, a guest shut down for good lets its agent go.
 */
#define WATCH_FOLLOW_SECS	120
/* A guest's agent that exited is started again no sooner than this. */
#define WATCH_RESTART_MS	10000
/* Guests one watcher serves at most. */
#define WATCH_MAX_GUESTS	256

/*
 * Run the watcher until SIGINT/SIGTERM (stopping every agent it started,
 * then 0). @argv is the agent's own command line: the children get it
 * without --watch/-w and --follow, with --guest NAME --follow=@follow_secs
 * (-1: for ever). SIGHUP, SIGUSR1 and SIGUSR2 are passed on to them.
 * Returns an exit code (5: the watcher itself could not run).
 */
int watch_main(const char *pattern, int argc, char **argv, long follow_secs);

#endif /* XI_WATCH_H */
