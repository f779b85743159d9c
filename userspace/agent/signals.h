/* SPDX-License-Identifier: LGPL-2.1-only OR MIT */
/*
 * The agent's signals arrive through a signalfd (or a self-pipe where the
 * kernel has no signalfd), read in the main loop next to the event fd: no
 * work happens in a signal handler, and a signal can never interrupt the
 * agent halfway through a verdict.
 */
#ifndef XI_SIGNALS_H
#define XI_SIGNALS_H

/*
 * Block SIGINT, SIGTERM, SIGHUP, SIGUSR1, SIGUSR2, SIGCHLD and
 * SIGRTMIN + 1 (ACTIONS_RESUME_SIGNAL) and return a
 * signalfd for them, or the read end of a self-pipe their handlers write
 * to (SIGPIPE is ignored: a log reader going away is an error on write,
 * not death). -errno on failure.
 */
int signals_open(void);
/* The next pending signal, 0 if none, -errno on error. */
int signals_next(int fd);

#endif /* XI_SIGNALS_H */
