/* SPDX-License-Identifier: MIT */
/*
 * wd_fork.h - the one fork registry of libwd and of what is built on it.
 *
 * After fork() the child is a new process: queues, engine threads, counter
 * files, pools and the configuration belong to the parent. Each layer that
 * keeps such state registers a child handler here instead of calling
 * pthread_atfork(3) itself, so the order is defined: libwd installs one
 * pthread_atfork child handler (at the first registration) that bumps the
 * fork generation, then calls the registered handlers in the order they
 * were registered.
 *
 * A handler runs in the child only, right after fork(), with one thread:
 * it must only reset state (forget threads and mappings, reinitialise
 * locks), and must not call back into libwd to open anything; the child
 * opens what it needs at its first use.
 */
#ifndef WD_FORK_H
#define WD_FORK_H

#ifdef __cplusplus
extern "C" {
#endif

/*
 * wd_atfork_register - call child() in every child of fork() from now on.
 * The same function registered again is one registration (it keeps its
 * place). Returns 0, or -ENOSPC when the registry (32 handlers) is full.
 * Thread-safe; must not be called from a handler.
 */
int wd_atfork_register(void (*child)(void));

/*
 * wd_fork_generation - how many forks lie between the process that loaded
 * libwd and this one (0 in the first). An object that remembers the
 * generation it was made in knows it was inherited when they differ.
 */
unsigned int wd_fork_generation(void);

#ifdef __cplusplus
}
#endif

#endif /* WD_FORK_H */
