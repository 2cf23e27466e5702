// SPDX-License-Identifier: MIT
/*
 * soft_fault.c - fault injection for the soft device, so that every
 * adapter's fallback path can be tested without broken hardware.
 *
 * WD_SOFT_FAULT is a comma separated list, read once per process:
 *   missing        the soft device does not exist (device missing at start)
 *   error=N        every Nth request completes with -EIO (engine errors)
 *   vanish=N       after N requests the device is gone: every later request
 *                  completes with -ENODEV and no new queue can be opened
 *                  (device vanishing mid-stream)
 *   slow=US        every request takes US microseconds more (slow engine)
 *   busy=N         every Nth wd_send is refused with -EBUSY (queue full)
 *   noevent        wd_queue_set_event_fd() answers -EOPNOTSUPP, as on a
 *                  kernel device, so that callers' other path is tested
 *   noshare        the soft device offers SVA queues only (no share
 *                  domain), as a device without a static share region
 * NOP and CTX_FREE requests are never faulted: they carry no data, and
 * tests use NOPs to probe the queue itself.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "wd_internal.h"
#include "soft_engine.h"

struct soft_fault soft_fault;
static atomic_ulong soft_fault_requests;

static long soft_fault_arg(const char *item, const char *key)
{
	size_t n = strlen(key);

	if (strncmp(item, key, n) || item[n] != '=')
		return -1;
	return strtol(item + n + 1, NULL, 0);
}

void soft_fault_init(void)
{
	const char *env = wd_config_str(WD_CFG_SOFT_FAULT);
	char buf[256], *item, *save;
	long v;

	memset(&soft_fault, 0, sizeof(soft_fault));
	if (!env)
		return;
	strncpy(buf, env, sizeof(buf) - 1);
	buf[sizeof(buf) - 1] = 0;
	for (item = strtok_r(buf, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
		if (!strcmp(item, "missing"))
			soft_fault.missing = 1;
		else if ((v = soft_fault_arg(item, "error")) > 0)
			soft_fault.error_every = (unsigned long)v;
		else if ((v = soft_fault_arg(item, "vanish")) >= 0)
			soft_fault.vanish_after = (unsigned long)v + 1;
		else if ((v = soft_fault_arg(item, "slow")) > 0)
			soft_fault.slow_us = (unsigned long)v;
		else if ((v = soft_fault_arg(item, "busy")) > 0)
			soft_fault.busy_every = (unsigned long)v;
		else if (!strcmp(item, "noevent"))
			soft_fault.no_event_fd = 1;
		else if (!strcmp(item, "noshare"))
			soft_fault.no_share = 1;
	}
	soft_fault.active = soft_fault.missing || soft_fault.error_every ||
			    soft_fault.vanish_after || soft_fault.slow_us || soft_fault.busy_every;
}

int soft_fault_vanished(void)
{
	return soft_fault.vanish_after &&
	       atomic_load(&soft_fault_requests) + 1 >= soft_fault.vanish_after;
}

/* Before the engine runs sqe: 0 to run it, or the status to complete with. */
int soft_fault_request(const struct wd_sqe *sqe)
{
	unsigned long n;

	if (sqe->opcode == WD_OP_NOP || sqe->opcode == WD_OP_CTX_FREE)
		return 0;
	n = atomic_fetch_add(&soft_fault_requests, 1) + 1;
	if (soft_fault.slow_us) {
		struct timespec ts = { (time_t)(soft_fault.slow_us / 1000000),
				       (long)(soft_fault.slow_us % 1000000) * 1000 };

		nanosleep(&ts, NULL);
	}
	if (soft_fault.vanish_after && n >= soft_fault.vanish_after)
		return -ENODEV;
	if (soft_fault.error_every && n % soft_fault.error_every == 0)
		return -EIO;
	return 0;
}
