// SPDX-License-Identifier: MIT
/*
 * wd_env.c - reading the environment: secure_getenv, so that a setuid,
 * setgid or file-capability program (AT_SECURE) honours no WD_* knob its
 * caller set (wd_env.h says why). The one parser on top of it is
 * wd_config.c.
 */
#include <stdlib.h>
#include "wd_internal.h"
#include "wd_env.h"

WD_EXPORT const char *wd_env_get(const char *name)
{
	return secure_getenv(name);
}
