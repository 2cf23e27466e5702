// SPDX-License-Identifier: MIT
/* wd_util.c - algorithm lists and error messages (knobs: wd_config.c). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "wd_internal.h"

int wd_alg_list_has(const char *list, const char *word)
{
	size_t n = strlen(word);
	const char *p = list;

	while ((p = strstr(p, word))) {
		if ((p == list || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0'))
			return 1;
		p += n;
	}
	return 0;
}

WD_EXPORT const char *wd_strerror(int err)
{
	switch (err) {
	case 0:
		return "success";
	case -EBUSY:
		return "queue full, or no queue left on the device";
	case -EAGAIN:
		return "no completed request yet";
	case -ENOENT:
		return "no request in flight to wait for";
	case -ENODEV:
		return "no device serves this algorithm or mode";
	case -EPERM:
		return "queue belongs to another process (inherited across fork)";
	case -EFAULT:
		return "address outside what the queue's device may touch";
	case -EOPNOTSUPP:
		return "operation not supported by this device";
	case -ETIMEDOUT:
		return "timed out waiting for a completion";
	case -EIO:
		return "device returned a completion that matches no request";
	case -ENOSPC:
		return "output buffer too small, or no session id left";
	default:
		break;
	}
	if (err < 0) {
		const char *s = strerrordesc_np(-err);

		if (s)
			return s;
	}
	return "unknown error";
}
