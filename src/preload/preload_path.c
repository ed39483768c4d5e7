/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Path classification for the interposed calls (see preload_path.h).
 */
#include "real.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <unistd.h>

#include <softiommu/softiommu.h>

#include "preload_path.h"

bool preload_path(const char *path)
{
	return path && SIO_CALL(sio_path_is_emulated(path)) == 1;
}

/*
 * Write "/proc/self/fd/<fd>" into @out (at least 32 bytes) without stdio:
 * this runs inside open() and stat() wrappers and must not allocate.
 */
static void proc_fd_link(int fd, char *out)
{
	static const char prefix[] = "/proc/self/fd/";
	char digits[16];
	unsigned int v = (unsigned int)fd;
	size_t n = 0;

	do {
		digits[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);

	memcpy(out, prefix, sizeof(prefix) - 1);
	out += sizeof(prefix) - 1;
	while (n)
		*out++ = digits[--n];
	*out = '\0';
}

/*
 * Resolve @path relative to directory fd @dirfd into @buf (PATH_MAX bytes).
 * Return: @buf, or NULL if the directory has no absolute name (not a
 * directory, pipe, anonymous inode, unreadable /proc) or the result does not
 * fit. errno is clobbered; the caller restores it.
 */
static const char *join_dirfd(int dirfd, const char *path, char *buf)
{
	char link[32];
	size_t path_len = strlen(path);
	ssize_t n;

	proc_fd_link(dirfd, link);
	n = readlink(link, buf, PATH_MAX);
	if (n <= 0 || n >= PATH_MAX || buf[0] != '/')
		return NULL;

	/* "/" + "name" must not become "//name"; the library would cope anyway. */
	if (n > 1) {
		if ((size_t)n + 1 >= PATH_MAX)
			return NULL;
		buf[n++] = '/';
	}
	if ((size_t)n + path_len >= PATH_MAX)
		return NULL;
	memcpy(buf + n, path, path_len + 1);
	return buf;
}

const char *preload_at_path(int dirfd, const char *path, char *buf)
{
	const char *full;
	int saved_errno;

	if (!path || !path[0])
		return NULL;
	if (path[0] == '/' || dirfd == AT_FDCWD)
		return preload_path(path) ? path : NULL;
	if (dirfd < 0)
		return NULL;	/* libc reports EBADF */

	saved_errno = errno;
	full = join_dirfd(dirfd, path, buf);
	errno = saved_errno;
	return full && preload_path(full) ? full : NULL;
}

const char *preload_redirect(const char *path, char *buf)
{
	int saved_errno, rc;

	if (!path || preload_bypass())
		return path;
	saved_errno = errno;
	rc = SIO_CALL(sio_path_redirect(path, buf, PATH_MAX));
	errno = saved_errno;
	return rc == 1 ? buf : path;
}

const char *preload_at_redirect(int dirfd, const char *path, char *buf)
{
	char joined[PATH_MAX];
	const char *full = path;
	int saved_errno, rc;

	if (!path || !path[0] || preload_bypass())
		return NULL;
	saved_errno = errno;
	if (path[0] != '/' && dirfd != AT_FDCWD) {
		full = dirfd >= 0 ? join_dirfd(dirfd, path, joined) : NULL;
		if (!full) {
			errno = saved_errno;
			return NULL;
		}
	}
	rc = SIO_CALL(sio_path_redirect(full, buf, PATH_MAX));
	errno = saved_errno;
	return rc == 1 ? buf : NULL;
}
