// SPDX-License-Identifier: LGPL-2.1-only OR MIT
/*
 * signalfd where the kernel has it; a self-pipe where it does not
 * (CONFIG_SIGNALFD=n, as in the test VM's debug kernel). Either way the
 * main loop polls one fd and reads signal numbers from it, and the only
 * thing a handler ever does is write(2) one byte.
 */
#define _GNU_SOURCE	/* pipe2 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/signalfd.h>
#include <stdbool.h>
#include <unistd.h>

#include "registry.h"
#include "signals.h"

/*
 * SIGCHLD: a hook (actions.c) ended. The last one resumes a guest an
 * action paused (REGISTRY_SIGNAL_RESUME, SIGRTMIN + 1, not a constant:
 * filled in by handled_init()).
 */
static int handled[] = { SIGINT, SIGTERM, SIGHUP, SIGUSR1, SIGUSR2,
			 SIGCHLD, 0 };
#define NR_HANDLED (sizeof(handled) / sizeof(handled[0]))

static void handled_init(void)
{
	handled[NR_HANDLED - 1] = REGISTRY_SIGNAL_RESUME;
}

static int pipe_wr = -1;	/* self-pipe mode: the handler's end */
static bool use_pipe;

static void on_signal(int sig)
{
	int saved = errno;
	unsigned char b = (unsigned char)sig;

	/* a full pipe loses a repeat of a pending signal, as signals do */
	if (write(pipe_wr, &b, 1) < 0) {
		/* nothing else is async-signal-safe to do about it */
	}
	errno = saved;
}

static int self_pipe_open(void)
{
	struct sigaction sa;
	sigset_t set;
	int fds[2];
	size_t i;

	if (pipe2(fds, O_NONBLOCK | O_CLOEXEC))
		return -errno;
	pipe_wr = fds[1];
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	sigemptyset(&set);
	for (i = 0; i < NR_HANDLED; i++) {
		sigaction(handled[i], &sa, NULL);
		sigaddset(&set, handled[i]);
	}
	/* blocked until now (signals_open): deliver what waited */
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	use_pipe = true;
	return fds[0];
}

int signals_open(void)
{
	sigset_t set;
	size_t i;
	int fd;

	signal(SIGPIPE, SIG_IGN);
	handled_init();
	sigemptyset(&set);
	for (i = 0; i < NR_HANDLED; i++)
		sigaddset(&set, handled[i]);
	if (sigprocmask(SIG_BLOCK, &set, NULL))
		return -errno;
	fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (fd >= 0)
		return fd;
	if (errno != ENOSYS && errno != EINVAL)
		return -errno;
	return self_pipe_open();
}

int signals_next(int fd)
{
	struct signalfd_siginfo si;
	unsigned char b;
	ssize_t n;

	if (use_pipe) {
		n = read(fd, &b, 1);
		if (n < 0)
			return errno == EAGAIN ? 0 : -errno;
		return n == 1 ? b : 0;
	}
	n = read(fd, &si, sizeof(si));
	if (n < 0)
		return errno == EAGAIN ? 0 : -errno;
	if (n != sizeof(si))
		return 0;
	return (int)si.ssi_signo;
}
