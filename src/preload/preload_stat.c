/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Metadata: the stat family (current, LFS, *at, statx, and the __xstat ABI
 * that binaries built against glibc < 2.33 call), and the access family.
 *
 * An emulated node is answered from sio_fstat()/sio_stat_path(), which
 * describe it as the kernel's character device; a path of the emulated
 * machine's sysfs or /dev/vfio directories is redirected to the real file
 * that stands for it (preload_redirect()); everything else is libc's.
 */
#include "real.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <softiommu/softiommu.h>

#include "preload_path.h"

#ifndef AT_NO_AUTOMOUNT
#define AT_NO_AUTOMOUNT 0x800
#endif
#ifndef AT_EACCESS
#define AT_EACCESS 0x200
#endif

/*
 * What a stat-like call is about: an emulated fd (fd >= 0) or an emulated
 * path (path != NULL). Neither: not emulated.
 */
struct stat_target {
	int fd;
	const char *path;
};

static bool target_fd(int fd, struct stat_target *t)
{
	t->fd = -1;
	t->path = NULL;
	if (fd < 0 || preload_bypass() || !sio_fd_is_emulated(fd))
		return false;
	t->fd = fd;
	return true;
}

static bool target_path(const char *path, struct stat_target *t)
{
	t->fd = -1;
	t->path = NULL;
	if (preload_bypass() || !preload_path(path))
		return false;
	t->path = path;
	return true;
}

/*
 * (@dirfd, @path, @flags) of an *at() call. With AT_EMPTY_PATH and an empty
 * (or, as statx allows, NULL) path the call is about @dirfd itself. @buf is
 * PATH_MAX bytes of scratch space that t->path may point into.
 */
static bool target_at(int dirfd, const char *path, int flags, char *buf,
		      struct stat_target *t)
{
	t->fd = -1;
	t->path = NULL;
	if (preload_bypass())
		return false;
	if ((flags & AT_EMPTY_PATH) && (!path || !path[0]))
		return dirfd != AT_FDCWD && target_fd(dirfd, t);
	t->path = preload_at_path(dirfd, path, buf);
	return t->path != NULL;
}

static int target_stat(const struct stat_target *t, struct stat *st)
{
	if (t->fd >= 0)
		return SIO_CALL(sio_fstat(t->fd, st));
	return SIO_CALL(sio_stat_path(t->path, st));
}

#define STAT_SAME_FIELD(f) \
	(offsetof(struct stat, f) == offsetof(struct stat64, f) && \
	 sizeof(((struct stat *)0)->f) == sizeof(((struct stat64 *)0)->f))

/* True on every LP64 glibc ABI; a compile-time constant either way. */
#define STAT64_IS_STAT \
	(sizeof(struct stat) == sizeof(struct stat64) && \
	 STAT_SAME_FIELD(st_dev) && STAT_SAME_FIELD(st_ino) && \
	 STAT_SAME_FIELD(st_mode) && STAT_SAME_FIELD(st_nlink) && \
	 STAT_SAME_FIELD(st_uid) && STAT_SAME_FIELD(st_gid) && \
	 STAT_SAME_FIELD(st_rdev) && STAT_SAME_FIELD(st_size) && \
	 STAT_SAME_FIELD(st_blksize) && STAT_SAME_FIELD(st_blocks) && \
	 STAT_SAME_FIELD(st_atim) && STAT_SAME_FIELD(st_mtim) && \
	 STAT_SAME_FIELD(st_ctim))

/*
 * struct stat64 for an emulated target. Where the layouts differ (32-bit
 * ABIs) the result is converted, and a bad @st64 is not caught as EFAULT.
 */
static int target_stat64(const struct stat_target *t, struct stat64 *st64)
{
	struct stat st;
	int ret;

	if (STAT64_IS_STAT)
		return target_stat(t, (struct stat *)(void *)st64);

	ret = target_stat(t, &st);
	if (ret)
		return ret;
	memset(st64, 0, sizeof(*st64));
	st64->st_dev = st.st_dev;
	st64->st_ino = st.st_ino;
	st64->st_mode = st.st_mode;
	st64->st_nlink = st.st_nlink;
	st64->st_uid = st.st_uid;
	st64->st_gid = st.st_gid;
	st64->st_rdev = st.st_rdev;
	st64->st_size = st.st_size;
	st64->st_blksize = st.st_blksize;
	st64->st_blocks = st.st_blocks;
	st64->st_atim = st.st_atim;
	st64->st_mtim = st.st_mtim;
	st64->st_ctim = st.st_ctim;
	return 0;
}

/* fstatat(2)'s flag check, for emulated targets. */
static int fstatat_flags_ok(int flags)
{
	if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT | AT_EMPTY_PATH)) {
		errno = EINVAL;
		return 0;
	}
	return 1;
}

SIO_EXPORT int stat(const char *path, struct stat *st)
{
	char rbuf[PATH_MAX];
	struct stat_target t;
	real_stat_t *fn;

	if (target_path(path, &t))
		return target_stat(&t, st);
	path = preload_redirect(path, rbuf);
	fn = REAL(stat);
	return fn ? fn(path, st) : real_enosys();
}

SIO_EXPORT int stat64(const char *path, struct stat64 *st)
{
	char rbuf[PATH_MAX];
	struct stat_target t;
	real_stat64_t *fn;

	if (target_path(path, &t))
		return target_stat64(&t, st);
	path = preload_redirect(path, rbuf);
	fn = REAL(stat64);
	return fn ? fn(path, st) : real_enosys();
}

/* Emulated nodes are never symlinks: lstat is stat. */
SIO_EXPORT int lstat(const char *path, struct stat *st)
{
	char rbuf[PATH_MAX];
	struct stat_target t;
	real_lstat_t *fn;

	if (target_path(path, &t))
		return target_stat(&t, st);
	path = preload_redirect(path, rbuf);
	fn = REAL(lstat);
	return fn ? fn(path, st) : real_enosys();
}

SIO_EXPORT int lstat64(const char *path, struct stat64 *st)
{
	char rbuf[PATH_MAX];
	struct stat_target t;
	real_lstat64_t *fn;

	if (target_path(path, &t))
		return target_stat64(&t, st);
	path = preload_redirect(path, rbuf);
	fn = REAL(lstat64);
	return fn ? fn(path, st) : real_enosys();
}

SIO_EXPORT int fstat(int fd, struct stat *st)
{
	struct stat_target t;
	real_fstat_t *fn;

	if (target_fd(fd, &t))
		return target_stat(&t, st);
	fn = REAL(fstat);
	return fn ? fn(fd, st) : real_enosys();
}

SIO_EXPORT int fstat64(int fd, struct stat64 *st)
{
	struct stat_target t;
	real_fstat64_t *fn;

	if (target_fd(fd, &t))
		return target_stat64(&t, st);
	fn = REAL(fstat64);
	return fn ? fn(fd, st) : real_enosys();
}

SIO_EXPORT int fstatat(int dirfd, const char *path, struct stat *st, int flags)
{
	char buf[PATH_MAX];
	const char *redir;
	struct stat_target t;
	real_fstatat_t *fn;

	if (target_at(dirfd, path, flags, buf, &t))
		return fstatat_flags_ok(flags) ? target_stat(&t, st) : -1;
	if ((redir = preload_at_redirect(dirfd, path, buf))) {
		dirfd = AT_FDCWD;
		path = redir;
	}
	fn = REAL(fstatat);
	return fn ? fn(dirfd, path, st, flags) : real_enosys();
}

SIO_EXPORT int fstatat64(int dirfd, const char *path, struct stat64 *st, int flags)
{
	char buf[PATH_MAX];
	const char *redir;
	struct stat_target t;
	real_fstatat64_t *fn;

	if (target_at(dirfd, path, flags, buf, &t))
		return fstatat_flags_ok(flags) ? target_stat64(&t, st) : -1;
	if ((redir = preload_at_redirect(dirfd, path, buf))) {
		dirfd = AT_FDCWD;
		path = redir;
	}
	fn = REAL(fstatat64);
	return fn ? fn(dirfd, path, st, flags) : real_enosys();
}

#ifdef SIO_HAVE_STATX
/*
 * Let the kernel check that @stx is writable (it copies the whole struct out
 * even for an empty mask), so a bad pointer is EFAULT rather than a crash.
 */
static bool statx_buf_ok(struct statx *stx)
{
	real_statx_t *fn = REAL(statx);
	int saved_errno = errno;
	bool ok;

	if (!stx)
		return false;
	ok = !fn || fn(AT_FDCWD, "/", 0, 0, stx) == 0 || errno != EFAULT;
	errno = saved_errno;
	return ok;
}

static void statx_ts(struct statx_timestamp *to, const struct timespec *from)
{
	to->tv_sec = from->tv_sec;
	to->tv_nsec = (uint32_t)from->tv_nsec;
}

static int target_statx(const struct stat_target *t, int flags, unsigned int mask,
			struct statx *stx)
{
	struct stat st;
	int ret;

	/* statx(2)'s own argument checks. */
	if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT | AT_EMPTY_PATH |
		      AT_STATX_SYNC_TYPE) ||
	    (flags & AT_STATX_SYNC_TYPE) == AT_STATX_SYNC_TYPE ||
	    (mask & STATX__RESERVED)) {
		errno = EINVAL;
		return -1;
	}
	ret = target_stat(t, &st);
	if (ret)
		return ret;
	if (!statx_buf_ok(stx)) {
		errno = EFAULT;
		return -1;
	}

	memset(stx, 0, sizeof(*stx));
	stx->stx_mask = STATX_BASIC_STATS;
	stx->stx_blksize = (uint32_t)st.st_blksize;
	stx->stx_nlink = (uint32_t)st.st_nlink;
	stx->stx_uid = st.st_uid;
	stx->stx_gid = st.st_gid;
	stx->stx_mode = (uint16_t)st.st_mode;
	stx->stx_ino = st.st_ino;
	stx->stx_size = (uint64_t)st.st_size;
	stx->stx_blocks = (uint64_t)st.st_blocks;
	statx_ts(&stx->stx_atime, &st.st_atim);
	statx_ts(&stx->stx_mtime, &st.st_mtim);
	statx_ts(&stx->stx_ctime, &st.st_ctim);
	stx->stx_rdev_major = major(st.st_rdev);
	stx->stx_rdev_minor = minor(st.st_rdev);
	stx->stx_dev_major = major(st.st_dev);
	stx->stx_dev_minor = minor(st.st_dev);
	return 0;
}

SIO_EXPORT int statx(int dirfd, const char *path, int flags, unsigned int mask,
		     struct statx *stx)
{
	char buf[PATH_MAX];
	const char *redir;
	struct stat_target t;
	real_statx_t *fn;

	if (target_at(dirfd, path, flags, buf, &t))
		return target_statx(&t, flags, mask, stx);
	if ((redir = preload_at_redirect(dirfd, path, buf))) {
		dirfd = AT_FDCWD;
		path = redir;
	}
	fn = REAL(statx);
	return fn ? fn(dirfd, path, flags, mask, stx) : real_enosys();
}
#endif /* SIO_HAVE_STATX */

/*
 * The pre-2.33 glibc ABI: stat(path, st) was __xstat(_STAT_VER, path, st).
 * Every _STAT_VER a binary can pass selects the layout of the current struct
 * stat/stat64, so @ver is not looked at. Where libc no longer exports the old
 * entry point, the current one does the same job.
 */
SIO_EXPORT int __xstat(int ver, const char *path, struct stat *st)
{
	char rbuf[PATH_MAX];
	struct stat_target t;
	real___xstat_t *fn;
	real_stat_t *alt;

	if (target_path(path, &t))
		return target_stat(&t, st);
	path = preload_redirect(path, rbuf);
	if ((fn = REAL(__xstat)))
		return fn(ver, path, st);
	alt = REAL(stat);
	return alt ? alt(path, st) : real_enosys();
}

SIO_EXPORT int __xstat64(int ver, const char *path, struct stat64 *st)
{
	char rbuf[PATH_MAX];
	struct stat_target t;
	real___xstat64_t *fn;
	real_stat64_t *alt;

	if (target_path(path, &t))
		return target_stat64(&t, st);
	path = preload_redirect(path, rbuf);
	if ((fn = REAL(__xstat64)))
		return fn(ver, path, st);
	alt = REAL(stat64);
	return alt ? alt(path, st) : real_enosys();
}

SIO_EXPORT int __lxstat(int ver, const char *path, struct stat *st)
{
	char rbuf[PATH_MAX];
	struct stat_target t;
	real___lxstat_t *fn;
	real_lstat_t *alt;

	if (target_path(path, &t))
		return target_stat(&t, st);
	path = preload_redirect(path, rbuf);
	if ((fn = REAL(__lxstat)))
		return fn(ver, path, st);
	alt = REAL(lstat);
	return alt ? alt(path, st) : real_enosys();
}

SIO_EXPORT int __lxstat64(int ver, const char *path, struct stat64 *st)
{
	char rbuf[PATH_MAX];
	struct stat_target t;
	real___lxstat64_t *fn;
	real_lstat64_t *alt;

	if (target_path(path, &t))
		return target_stat64(&t, st);
	path = preload_redirect(path, rbuf);
	if ((fn = REAL(__lxstat64)))
		return fn(ver, path, st);
	alt = REAL(lstat64);
	return alt ? alt(path, st) : real_enosys();
}

SIO_EXPORT int __fxstat(int ver, int fd, struct stat *st)
{
	struct stat_target t;
	real___fxstat_t *fn;
	real_fstat_t *alt;

	if (target_fd(fd, &t))
		return target_stat(&t, st);
	if ((fn = REAL(__fxstat)))
		return fn(ver, fd, st);
	alt = REAL(fstat);
	return alt ? alt(fd, st) : real_enosys();
}

SIO_EXPORT int __fxstat64(int ver, int fd, struct stat64 *st)
{
	struct stat_target t;
	real___fxstat64_t *fn;
	real_fstat64_t *alt;

	if (target_fd(fd, &t))
		return target_stat64(&t, st);
	if ((fn = REAL(__fxstat64)))
		return fn(ver, fd, st);
	alt = REAL(fstat64);
	return alt ? alt(fd, st) : real_enosys();
}

SIO_EXPORT int __fxstatat(int ver, int dirfd, const char *path, struct stat *st, int flags)
{
	char buf[PATH_MAX];
	const char *redir;
	struct stat_target t;
	real___fxstatat_t *fn;
	real_fstatat_t *alt;

	if (target_at(dirfd, path, flags, buf, &t))
		return fstatat_flags_ok(flags) ? target_stat(&t, st) : -1;
	if ((redir = preload_at_redirect(dirfd, path, buf))) {
		dirfd = AT_FDCWD;
		path = redir;
	}
	if ((fn = REAL(__fxstatat)))
		return fn(ver, dirfd, path, st, flags);
	alt = REAL(fstatat);
	return alt ? alt(dirfd, path, st, flags) : real_enosys();
}

SIO_EXPORT int __fxstatat64(int ver, int dirfd, const char *path, struct stat64 *st,
			    int flags)
{
	char buf[PATH_MAX];
	const char *redir;
	struct stat_target t;
	real___fxstatat64_t *fn;
	real_fstatat64_t *alt;

	if (target_at(dirfd, path, flags, buf, &t))
		return fstatat_flags_ok(flags) ? target_stat64(&t, st) : -1;
	if ((redir = preload_at_redirect(dirfd, path, buf))) {
		dirfd = AT_FDCWD;
		path = redir;
	}
	if ((fn = REAL(__fxstatat64)))
		return fn(ver, dirfd, path, st, flags);
	alt = REAL(fstatat64);
	return alt ? alt(dirfd, path, st, flags) : real_enosys();
}

/*
 * access() on an emulated node: it exists and is readable and writable by
 * everyone; no execute bit is set, so X_OK fails even for root.
 */
static int emulated_access(int mode)
{
	if (mode & ~(R_OK | W_OK | X_OK)) {
		errno = EINVAL;
		return -1;
	}
	if (mode & X_OK) {
		errno = EACCES;
		return -1;
	}
	return 0;
}

SIO_EXPORT int access(const char *path, int mode)
{
	char rbuf[PATH_MAX];
	struct stat_target t;
	real_access_t *fn;

	if (target_path(path, &t))
		return emulated_access(mode);
	path = preload_redirect(path, rbuf);
	fn = REAL(access);
	return fn ? fn(path, mode) : real_enosys();
}

SIO_EXPORT int faccessat(int dirfd, const char *path, int mode, int flags)
{
	char buf[PATH_MAX];
	const char *redir;
	struct stat_target t;
	real_faccessat_t *fn;

	if (target_at(dirfd, path, flags, buf, &t)) {
		if (flags & ~(AT_EACCESS | AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH)) {
			errno = EINVAL;
			return -1;
		}
		return emulated_access(mode);
	}
	if ((redir = preload_at_redirect(dirfd, path, buf))) {
		dirfd = AT_FDCWD;
		path = redir;
	}
	fn = REAL(faccessat);
	return fn ? fn(dirfd, path, mode, flags) : real_enosys();
}

SIO_EXPORT int eaccess(const char *path, int mode)
{
	char rbuf[PATH_MAX];
	struct stat_target t;
	real_eaccess_t *fn;

	if (target_path(path, &t))
		return emulated_access(mode);
	path = preload_redirect(path, rbuf);
	fn = REAL(eaccess);
	return fn ? fn(path, mode) : real_enosys();
}

SIO_EXPORT int euidaccess(const char *path, int mode)
{
	char rbuf[PATH_MAX];
	struct stat_target t;
	real_euidaccess_t *fn;

	if (target_path(path, &t))
		return emulated_access(mode);
	path = preload_redirect(path, rbuf);
	fn = REAL(euidaccess);
	return fn ? fn(path, mode) : real_enosys();
}
