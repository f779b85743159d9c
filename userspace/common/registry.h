/* SPDX-License-Identifier: LGPL-2.1-only OR MIT */
/*
 * Running agents announce themselves in $XENINTRO_RUN_DIR (default
 * /run/xenintro) as <domid>.json: pid, guest, policy, start time and the
 * latest stats, rewritten atomically (rename) at each stats tick and on
 * SIGUSR1. `xenintro list` and `xenintro stats` read these: the kernel has
 * no ioctl that lists sessions or reads another session's counters.
 */
#ifndef XI_REGISTRY_H
#define XI_REGISTRY_H

#include <signal.h>
#include <stdint.h>

#include <jansson.h>

#define REGISTRY_DEFAULT_DIR	"/run/xenintro"
/*
 * Sent to an agent (its pid in the registry): resume the guest that a
 * rule's actions.pause paused (`xenintro resume`). SIGRTMIN is glibc's
 * first free real-time signal, known only at run time.
 */
#define REGISTRY_SIGNAL_RESUME	(SIGRTMIN + 1)

const char *registry_dir(void);
/* Write @rec (the agent adds pid etc.) for @domid. 0 or -errno. */
int registry_write(uint32_t domid, json_t *rec);
void registry_remove(uint32_t domid);
/* Read the record of @domid; NULL if none. */
json_t *registry_read(uint32_t domid);
/* Every record, as a JSON array sorted by domid; stale ones flagged. */
json_t *registry_list(void);
/* The agent in @rec still runs. */
int registry_alive(json_t *rec);

#endif /* XI_REGISTRY_H */
