/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Extended attributes by path (getxattr, lgetxattr, listxattr, llistxattr):
 * a path of the emulated machine is redirected to the real file that stands
 * for it (preload_redirect()), so that tools which look for ACLs or security
 * labels (ls -l) see the same file as stat() does. Emulated nodes have no
 * extended attributes: getting one is ENODATA, the list is empty.
 */
#include "real.h"

#include <errno.h>
#include <limits.h>
#include <sys/types.h>
#include <sys/xattr.h>

#include "preload_path.h"

/* An emulated node (not a redirected path): it has no extended attributes. */
static bool node_path(const char *path)
{
	return !preload_bypass() && preload_path(path);
}

SIO_EXPORT ssize_t getxattr(const char *path, const char *name, void *value, size_t size)
{
	char rbuf[PATH_MAX];
	real_getxattr_t *fn;

	if (node_path(path)) {
		errno = ENODATA;
		return -1;
	}
	fn = REAL(getxattr);
	return fn ? fn(preload_redirect(path, rbuf), name, value, size) : real_enosys();
}

SIO_EXPORT ssize_t lgetxattr(const char *path, const char *name, void *value, size_t size)
{
	char rbuf[PATH_MAX];
	real_lgetxattr_t *fn;

	if (node_path(path)) {
		errno = ENODATA;
		return -1;
	}
	fn = REAL(lgetxattr);
	return fn ? fn(preload_redirect(path, rbuf), name, value, size) : real_enosys();
}

SIO_EXPORT ssize_t listxattr(const char *path, char *list, size_t size)
{
	char rbuf[PATH_MAX];
	real_listxattr_t *fn;

	if (node_path(path))
		return 0;
	fn = REAL(listxattr);
	return fn ? fn(preload_redirect(path, rbuf), list, size) : real_enosys();
}

SIO_EXPORT ssize_t llistxattr(const char *path, char *list, size_t size)
{
	char rbuf[PATH_MAX];
	real_llistxattr_t *fn;

	if (node_path(path))
		return 0;
	fn = REAL(llistxattr);
	return fn ? fn(preload_redirect(path, rbuf), list, size) : real_enosys();
}
