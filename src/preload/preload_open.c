/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Opening: open/openat/creat and their LFS and fortified variants, fopen,
 * and the fclose that keeps libsoftiommu's fd table in step with stdio.
 *
 * An emulated path goes to sio_open() with the caller's flags; a path of the
 * emulated machine's sysfs or /dev/vfio directories goes to libc redirected
 * to the real file that stands for it (preload_redirect()); every other path
 * goes to libc unchanged, mode included.
 */
#include "real.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>

#include <softiommu/softiommu.h>

#include "preload_path.h"

/* open(2) reads its mode argument exactly in these cases. */
static bool open_needs_mode(int flags)
{
	return (flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE;
}

/* Fetch the optional mode argument following @flags into @mode. */
#define OPEN_MODE_ARG(mode, flags) do {				\
	if (open_needs_mode(flags)) {				\
		va_list ap__;					\
		va_start(ap__, flags);				\
		(mode) = va_arg(ap__, mode_t);			\
		va_end(ap__);					\
	}							\
} while (0)

static int open_emulated(const char *path, int flags)
{
	return SIO_CALL(sio_open(path, flags));
}

SIO_EXPORT int open(const char *path, int flags, ...)
{
	char rbuf[PATH_MAX];
	real_open_t *fn;
	mode_t mode = 0;

	OPEN_MODE_ARG(mode, flags);
	if (!preload_bypass() && preload_path(path))
		return open_emulated(path, flags);
	fn = REAL(open);
	return fn ? fn(preload_redirect(path, rbuf), flags, mode) : real_enosys();
}

SIO_EXPORT int open64(const char *path, int flags, ...)
{
	char rbuf[PATH_MAX];
	real_open64_t *fn;
	mode_t mode = 0;

	OPEN_MODE_ARG(mode, flags);
	if (!preload_bypass() && preload_path(path))
		return open_emulated(path, flags);
	fn = REAL(open64);
	return fn ? fn(preload_redirect(path, rbuf), flags, mode) : real_enosys();
}

SIO_EXPORT int openat(int dirfd, const char *path, int flags, ...)
{
	char buf[PATH_MAX];
	const char *emu;
	real_openat_t *fn;
	mode_t mode = 0;

	OPEN_MODE_ARG(mode, flags);
	if (!preload_bypass() && (emu = preload_at_path(dirfd, path, buf)))
		return open_emulated(emu, flags);
	fn = REAL(openat);
	if (fn && (emu = preload_at_redirect(dirfd, path, buf)))
		return fn(AT_FDCWD, emu, flags, mode);
	return fn ? fn(dirfd, path, flags, mode) : real_enosys();
}

SIO_EXPORT int openat64(int dirfd, const char *path, int flags, ...)
{
	char buf[PATH_MAX];
	const char *emu;
	real_openat64_t *fn;
	mode_t mode = 0;

	OPEN_MODE_ARG(mode, flags);
	if (!preload_bypass() && (emu = preload_at_path(dirfd, path, buf)))
		return open_emulated(emu, flags);
	fn = REAL(openat64);
	if (fn && (emu = preload_at_redirect(dirfd, path, buf)))
		return fn(AT_FDCWD, emu, flags, mode);
	return fn ? fn(dirfd, path, flags, mode) : real_enosys();
}

/* creat() is open(O_CREAT | O_WRONLY | O_TRUNC) inside libc, past open(). */
SIO_EXPORT int creat(const char *path, mode_t mode)
{
	real_creat_t *fn;

	if (!preload_bypass() && preload_path(path))
		return open_emulated(path, O_CREAT | O_WRONLY | O_TRUNC);
	fn = REAL(creat);
	return fn ? fn(path, mode) : real_enosys();
}

SIO_EXPORT int creat64(const char *path, mode_t mode)
{
	real_creat64_t *fn;

	if (!preload_bypass() && preload_path(path))
		return open_emulated(path, O_CREAT | O_WRONLY | O_TRUNC);
	fn = REAL(creat64);
	return fn ? fn(path, mode) : real_enosys();
}

/*
 * The fortified entry points (-D_FORTIFY_SOURCE) take no mode: with O_CREAT
 * or O_TMPFILE libc aborts the program, so such calls always go to libc.
 */
SIO_EXPORT int __open_2(const char *path, int flags)
{
	char rbuf[PATH_MAX];
	real___open_2_t *fn;

	if (!open_needs_mode(flags) && !preload_bypass() && preload_path(path))
		return open_emulated(path, flags);
	fn = REAL(__open_2);
	return fn ? fn(preload_redirect(path, rbuf), flags) : real_enosys();
}

SIO_EXPORT int __open64_2(const char *path, int flags)
{
	char rbuf[PATH_MAX];
	real___open64_2_t *fn;

	if (!open_needs_mode(flags) && !preload_bypass() && preload_path(path))
		return open_emulated(path, flags);
	fn = REAL(__open64_2);
	return fn ? fn(preload_redirect(path, rbuf), flags) : real_enosys();
}

SIO_EXPORT int __openat_2(int dirfd, const char *path, int flags)
{
	char buf[PATH_MAX];
	const char *emu;
	real___openat_2_t *fn;

	if (!open_needs_mode(flags) && !preload_bypass() &&
	    (emu = preload_at_path(dirfd, path, buf)))
		return open_emulated(emu, flags);
	fn = REAL(__openat_2);
	if (fn && (emu = preload_at_redirect(dirfd, path, buf)))
		return fn(AT_FDCWD, emu, flags);
	return fn ? fn(dirfd, path, flags) : real_enosys();
}

SIO_EXPORT int __openat64_2(int dirfd, const char *path, int flags)
{
	char buf[PATH_MAX];
	const char *emu;
	real___openat64_2_t *fn;

	if (!open_needs_mode(flags) && !preload_bypass() &&
	    (emu = preload_at_path(dirfd, path, buf)))
		return open_emulated(emu, flags);
	fn = REAL(__openat64_2);
	if (fn && (emu = preload_at_redirect(dirfd, path, buf)))
		return fn(AT_FDCWD, emu, flags);
	return fn ? fn(dirfd, path, flags) : real_enosys();
}

/*
 * Parse an fopen() mode as glibc does: the first character picks the access
 * mode, up to six more may add '+', 'x' (O_EXCL) or 'e' (O_CLOEXEC), anything
 * else is ignored. Return: open(2) flags, or -1 for an invalid mode.
 */
static int fopen_mode_flags(const char *mode)
{
	int flags, i;

	switch (mode[0]) {
	case 'r':
		flags = O_RDONLY;
		break;
	case 'w':
		flags = O_WRONLY | O_CREAT | O_TRUNC;
		break;
	case 'a':
		flags = O_WRONLY | O_CREAT | O_APPEND;
		break;
	default:
		return -1;
	}
	for (i = 1; i < 7 && mode[i]; i++) {
		switch (mode[i]) {
		case '+':
			flags = (flags & ~O_ACCMODE) | O_RDWR;
			break;
		case 'x':
			flags |= O_EXCL;
			break;
		case 'e':
			flags |= O_CLOEXEC;
			break;
		default:
			break;
		}
	}
	return flags;
}

/*
 * fopen() of an emulated node: a FILE on the fd sio_open() returns, so that
 * fileno() gives an fd the other wrappers recognise.
 */
static FILE *fopen_emulated(const char *path, const char *mode)
{
	char fd_mode[3];
	int flags, fd, saved_errno;
	FILE *fp;

	if (!mode || (flags = fopen_mode_flags(mode)) < 0) {
		errno = EINVAL;
		return NULL;
	}
	fd = open_emulated(path, flags);
	if (fd < 0)
		return NULL;

	/* fdopen() only needs the access mode; the flags are already set. */
	fd_mode[0] = mode[0];
	fd_mode[1] = (flags & O_ACCMODE) == O_RDWR ? '+' : '\0';
	fd_mode[2] = '\0';
	fp = fdopen(fd, fd_mode);
	if (!fp) {
		saved_errno = errno;
		SIO_CALL(sio_close(fd));
		errno = saved_errno;
	}
	return fp;
}

SIO_EXPORT FILE *fopen(const char *path, const char *mode)
{
	char rbuf[PATH_MAX];
	real_fopen_t *fn;

	if (!preload_bypass() && preload_path(path))
		return fopen_emulated(path, mode);
	fn = REAL(fopen);
	if (!fn) {
		errno = ENOSYS;
		return NULL;
	}
	return fn(preload_redirect(path, rbuf), mode);
}

SIO_EXPORT FILE *fopen64(const char *path, const char *mode)
{
	char rbuf[PATH_MAX];
	real_fopen64_t *fn;

	if (!preload_bypass() && preload_path(path))
		return fopen_emulated(path, mode);
	fn = REAL(fopen64);
	if (!fn) {
		errno = ENOSYS;
		return NULL;
	}
	return fn(preload_redirect(path, rbuf), mode);
}

/*
 * libc's fclose() closes the fd internally, past our close(). An emulated fd
 * is therefore forgotten first (releasing the node if it was the last fd) and
 * then closed by libc, so its number can never be mistaken for an emulated
 * fd once the kernel reuses it.
 */
SIO_EXPORT int fclose(FILE *fp)
{
	real_fclose_t *fn;
	int fd, saved_errno;

	if (fp && !preload_bypass()) {
		saved_errno = errno;
		fd = fileno_unlocked(fp);	/* -1/EBADF for memstreams */
		errno = saved_errno;
		if (fd >= 0 && sio_fd_is_emulated(fd))
			SIO_CALL(sio_fd_forget(fd));
	}
	fn = REAL(fclose);
	if (!fn) {
		errno = ENOSYS;
		return EOF;
	}
	return fn(fp);
}
