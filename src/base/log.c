/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>

#include "base/log.h"

/* -1 until first use; then the level parsed from the environment. */
static int log_level = -1;

static int parse_level(void)
{
	const char *s = getenv("SOFTIOMMU_LOG");

	if (!s)
		return SIO_LOG_WARN;
	if (!strcmp(s, "error"))
		return SIO_LOG_ERROR;
	if (!strcmp(s, "info"))
		return SIO_LOG_INFO;
	if (!strcmp(s, "debug"))
		return SIO_LOG_DEBUG;
	return SIO_LOG_WARN;
}

int sio_log_enabled(enum sio_log_level level)
{
	int cur = __atomic_load_n(&log_level, __ATOMIC_RELAXED);

	if (cur < 0) {
		cur = parse_level();
		__atomic_store_n(&log_level, cur, __ATOMIC_RELAXED);
	}
	return (int)level <= cur;
}

void sio_log(enum sio_log_level level, const char *fmt, ...)
{
	static const char *const names[] = { "error", "warn", "info", "debug" };
	int saved_errno = errno;
	char buf[512];
	va_list ap;
	int n;

	if (!sio_log_enabled(level))
		return;
	n = snprintf(buf, sizeof(buf), "softiommu: %s: ", names[level]);
	va_start(ap, fmt);
	n += vsnprintf(buf + n, sizeof(buf) - (size_t)n, fmt, ap);
	va_end(ap);
	if (n >= (int)sizeof(buf) - 1)
		n = (int)sizeof(buf) - 2;
	buf[n++] = '\n';
	/* A raw write: the preload front end may be interposing write(). */
	if (syscall(SYS_write, 2, buf, (size_t)n) < 0)
		errno = saved_errno;
	errno = saved_errno;
}
