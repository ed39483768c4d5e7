/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fd lifetime: close, dup, dup2, dup3, fcntl(F_DUPFD*), close_range,
 * closefrom.
 *
 * Invariant kept here: an fd number libsoftiommu calls emulated is always an
 * fd that refers to an emulated node. Duplicates of emulated fds are made by
 * libsoftiommu (sio_dup*), emulated fds are closed by it (sio_close), and
 * whenever libc is about to close or replace an emulated fd by other means
 * (dup2 onto it, close_range, closefrom) the fd is forgotten first or, for
 * dup2/dup3, as soon as the replacement has happened.
 */
#include "real.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <unistd.h>

#include <softiommu/softiommu.h>

#ifndef CLOSE_RANGE_UNSHARE
#define CLOSE_RANGE_UNSHARE (1U << 1)
#endif
#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

static bool fd_emulated(int fd)
{
	return unlikely(sio_fd_is_emulated(fd)) && !preload_bypass();
}

/* Drop the record of @fd, which libc has just replaced; errno is kept. */
static void forget_replaced(int fd)
{
	int saved_errno = errno;

	SIO_CALL(sio_fd_forget(fd));
	errno = saved_errno;
}

/*
 * Forget every emulated fd in [@first, @last] because libc is about to close
 * them all.
 */
static void forget_range(unsigned int first, unsigned int last)
{
	int fd;

	if (first > INT_MAX)
		return;
	for (fd = sio_fd_next_emulated((int)first);
	     fd >= 0 && (unsigned int)fd <= last;
	     fd = fd < INT_MAX ? sio_fd_next_emulated(fd + 1) : -1)
		forget_replaced(fd);
}

SIO_EXPORT int close(int fd)
{
	real_close_t *fn;

	if (fd_emulated(fd))
		return SIO_CALL(sio_close(fd));
	fn = REAL(close);
	return fn ? fn(fd) : real_enosys();
}

SIO_EXPORT int dup(int fd)
{
	real_dup_t *fn;

	if (fd_emulated(fd))
		return SIO_CALL(sio_dup(fd));
	fn = REAL(dup);
	return fn ? fn(fd) : real_enosys();
}

SIO_EXPORT int dup2(int oldfd, int newfd)
{
	real_dup2_t *fn;
	int ret;

	if (fd_emulated(oldfd)) {
		/* dup2(fd, fd) only checks that fd is open. */
		if (oldfd == newfd)
			return newfd;
		return SIO_CALL(sio_dup3(oldfd, newfd, 0));
	}
	fn = REAL(dup2);
	if (!fn)
		return real_enosys();
	if (oldfd == newfd || !fd_emulated(newfd))
		return fn(oldfd, newfd);

	ret = fn(oldfd, newfd);
	if (ret >= 0)
		forget_replaced(newfd);
	return ret;
}

SIO_EXPORT int dup3(int oldfd, int newfd, int flags)
{
	real_dup3_t *fn;
	int ret;

	if (fd_emulated(oldfd)) {
		/* The kernel's checks, before anything is touched. */
		if ((flags & ~O_CLOEXEC) || oldfd == newfd) {
			errno = EINVAL;
			return -1;
		}
		return SIO_CALL(sio_dup3(oldfd, newfd, flags));
	}
	fn = REAL(dup3);
	if (!fn)
		return real_enosys();
	if (oldfd == newfd || !fd_emulated(newfd))
		return fn(oldfd, newfd, flags);

	ret = fn(oldfd, newfd, flags);
	if (ret >= 0)
		forget_replaced(newfd);
	return ret;
}

enum fcntl_arg {
	FCNTL_ARG_NONE,
	FCNTL_ARG_INT,
	FCNTL_ARG_PTR,
};

/*
 * The type of fcntl()'s third argument for @cmd. Commands not listed (locks,
 * F_[GS]ETOWN_EX, read/write hints and anything newer) take a pointer, which
 * is also how glibc reads an argument it does not know.
 */
static enum fcntl_arg fcntl_arg_kind(int cmd)
{
	switch (cmd) {
	case F_GETFD:
	case F_GETFL:
	case F_GETOWN:
#ifdef F_GETSIG
	case F_GETSIG:
#endif
#ifdef F_GETLEASE
	case F_GETLEASE:
#endif
#ifdef F_GETPIPE_SZ
	case F_GETPIPE_SZ:
#endif
#ifdef F_GET_SEALS
	case F_GET_SEALS:
#endif
#ifdef F_CREATED_QUERY
	case F_CREATED_QUERY:
#endif
		return FCNTL_ARG_NONE;
	case F_DUPFD:
	case F_DUPFD_CLOEXEC:
	case F_SETFD:
	case F_SETFL:
	case F_SETOWN:
#ifdef F_SETSIG
	case F_SETSIG:
#endif
#ifdef F_SETLEASE
	case F_SETLEASE:
#endif
#ifdef F_NOTIFY
	case F_NOTIFY:
#endif
#ifdef F_SETPIPE_SZ
	case F_SETPIPE_SZ:
#endif
#ifdef F_ADD_SEALS
	case F_ADD_SEALS:
#endif
#ifdef F_DUPFD_QUERY
	case F_DUPFD_QUERY:
#endif
		return FCNTL_ARG_INT;
	default:
		return FCNTL_ARG_PTR;
	}
}

/*
 * Body of fcntl, fcntl64 and __fcntl_time64 (@fn: libc's own, or NULL).
 * Only F_DUPFD/F_DUPFD_CLOEXEC of an emulated fd is handled here; everything
 * else reaches libc with the argument passed as the type the command uses.
 */
static int fcntl_common(real_fcntl_t *fn, int fd, int cmd, va_list *ap)
{
	void *ptr_arg;
	int int_arg;

	switch (fcntl_arg_kind(cmd)) {
	case FCNTL_ARG_NONE:
		return fn ? fn(fd, cmd) : real_enosys();
	case FCNTL_ARG_INT:
		int_arg = va_arg(*ap, int);
		if ((cmd == F_DUPFD || cmd == F_DUPFD_CLOEXEC) && fd_emulated(fd))
			return SIO_CALL(sio_fcntl_dupfd(fd, cmd, int_arg));
		return fn ? fn(fd, cmd, int_arg) : real_enosys();
	case FCNTL_ARG_PTR:
	default:
		ptr_arg = va_arg(*ap, void *);
		return fn ? fn(fd, cmd, ptr_arg) : real_enosys();
	}
}

SIO_EXPORT int fcntl(int fd, int cmd, ...)
{
	va_list ap;
	int ret;

	va_start(ap, cmd);
	ret = fcntl_common(REAL(fcntl), fd, cmd, &ap);
	va_end(ap);
	return ret;
}

SIO_EXPORT int fcntl64(int fd, int cmd, ...)
{
	va_list ap;
	int ret;

	va_start(ap, cmd);
	ret = fcntl_common(REAL(fcntl64), fd, cmd, &ap);
	va_end(ap);
	return ret;
}

#ifdef SIO_HAVE_TIME64_SYMS
SIO_EXPORT int __fcntl_time64(int fd, int cmd, ...)
{
	va_list ap;
	int ret;

	va_start(ap, cmd);
	ret = fcntl_common(REAL(__fcntl_time64), fd, cmd, &ap);
	va_end(ap);
	return ret;
}
#endif

SIO_EXPORT int close_range(unsigned int first, unsigned int last, int flags)
{
	real_close_range_t *fn = REAL(close_range);

	if (!fn)
		return real_enosys();
	/*
	 * Reject what the kernel rejects before forgetting anything, so a
	 * failing call leaves the table intact.
	 */
	if (first > last ||
	    ((unsigned int)flags & ~(CLOSE_RANGE_UNSHARE | CLOSE_RANGE_CLOEXEC))) {
		errno = EINVAL;
		return -1;
	}
	if (!preload_bypass() && !((unsigned int)flags & CLOSE_RANGE_CLOEXEC))
		forget_range(first, last);
	return fn(first, last, flags);
}

SIO_EXPORT void closefrom(int lowfd)
{
	real_closefrom_t *fn = REAL(closefrom);

	if (!fn)
		return;
	if (!preload_bypass())
		forget_range(lowfd < 0 ? 0 : (unsigned int)lowfd, UINT_MAX);
	fn(lowfd);
}
