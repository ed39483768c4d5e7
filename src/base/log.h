/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Diagnostics on stderr. The level comes from SOFTIOMMU_LOG (error, warn,
 * info, debug; default warn). Thread-safe; never allocates; preserves errno.
 */
#ifndef SIO_BASE_LOG_H
#define SIO_BASE_LOG_H

enum sio_log_level {
	SIO_LOG_ERROR,
	SIO_LOG_WARN,
	SIO_LOG_INFO,
	SIO_LOG_DEBUG,
};

void sio_log(enum sio_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int sio_log_enabled(enum sio_log_level level);

#define sio_err(...) sio_log(SIO_LOG_ERROR, __VA_ARGS__)
#define sio_warn(...) sio_log(SIO_LOG_WARN, __VA_ARGS__)
#define sio_info(...) sio_log(SIO_LOG_INFO, __VA_ARGS__)
#define sio_dbg(...) sio_log(SIO_LOG_DEBUG, __VA_ARGS__)

#endif /* SIO_BASE_LOG_H */
