// SPDX-License-Identifier: MIT
/*
 * wd_fork.c - the fork registry (wd_fork.h): one pthread_atfork child
 * handler for libwd and the layers on it, calling theirs in order.
 *
 * Before it, the device layer installed the handler and called the soft
 * device's and the counters' child functions by name, while the counters
 * called back into the device layer to get the handler installed: a cycle
 * between wd_device.c and wd_stats.c, and a child handler that existed
 * only once a device had been used. Now each layer registers its own, when
 * it first has state a child must drop (the counters: when the counter
 * file is made), and the registry sits below all of them.
 */
#include <errno.h>
#include <pthread.h>
#include "wd_internal.h"
#include "wd_fork.h"

#define WD_FORK_MAX	32

atomic_uint wd_fork_gen;

static void (*fork_fn[WD_FORK_MAX])(void);
static unsigned int fork_nr;		/* published with release */
static pthread_mutex_t fork_lock = PTHREAD_MUTEX_INITIALIZER;

/* In the child, one thread: the generation first, then every handler. */
static void wd_fork_child(void)
{
	unsigned int i, n = __atomic_load_n(&fork_nr, __ATOMIC_ACQUIRE);

	pthread_mutex_init(&fork_lock, NULL);
	atomic_fetch_add(&wd_fork_gen, 1);
	for (i = 0; i < n; i++)
		fork_fn[i]();
}

static void wd_fork_install(void)
{
	pthread_atfork(NULL, NULL, wd_fork_child);
}

WD_EXPORT int wd_atfork_register(void (*child)(void))
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	unsigned int i;
	int ret = 0;

	pthread_once(&once, wd_fork_install);
	pthread_mutex_lock(&fork_lock);
	for (i = 0; i < fork_nr; i++)
		if (fork_fn[i] == child)
			goto out;
	if (fork_nr == WD_FORK_MAX) {
		ret = -ENOSPC;
		goto out;
	}
	fork_fn[fork_nr] = child;
	__atomic_store_n(&fork_nr, fork_nr + 1, __ATOMIC_RELEASE);
out:
	pthread_mutex_unlock(&fork_lock);
	return ret;
}

WD_EXPORT unsigned int wd_fork_generation(void)
{
	return atomic_load_explicit(&wd_fork_gen, memory_order_relaxed);
}
