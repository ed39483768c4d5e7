/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Deciding whether a path argument of an interposed call names an emulated
 * node.
 */
#ifndef SIO_PRELOAD_PATH_H
#define SIO_PRELOAD_PATH_H

#include <stdbool.h>

/**
 * preload_path() - does @path (absolute, or relative to the cwd) name an
 * emulated node? False for NULL. errno is untouched.
 */
bool preload_path(const char *path) __attribute__((visibility("hidden")));

/**
 * preload_at_path() - the *at() form of preload_path().
 * @dirfd: AT_FDCWD or a directory fd; ignored when @path is absolute.
 * @path:  the caller's path; "" never matches (AT_EMPTY_PATH is the caller's
 *         business).
 * @buf:   PATH_MAX bytes of scratch space.
 *
 * A path relative to a real directory fd is checked as
 * "<readlink(/proc/self/fd/@dirfd)>/@path", built in @buf.
 *
 * Return: what to hand to sio_open()/sio_stat_path() (@path or @buf) if the
 * node is emulated, else NULL. errno is untouched.
 */
const char *preload_at_path(int dirfd, const char *path, char *buf)
	__attribute__((visibility("hidden")));

/**
 * preload_redirect() - the real file or directory that stands for @path when
 * it is a path of the emulated machine (sio_path_redirect(): sysfs entries of
 * the emulated PCI functions, /dev/vfio and /dev/vfio/devices).
 * @buf: PATH_MAX bytes of scratch space.
 *
 * Return: @buf holding the real path, or @path itself when it is not
 * redirected (also inside softiommu's own calls, or on any error, which
 * libc then reports for the original path). errno is untouched.
 */
const char *preload_redirect(const char *path, char *buf)
	__attribute__((visibility("hidden")));

/**
 * preload_at_redirect() - the *at() form: @path relative to @dirfd (as
 * preload_at_path() resolves it).
 * Return: @buf holding the absolute real path to use with AT_FDCWD, or NULL
 * when the call should go to libc as made. errno is untouched.
 */
const char *preload_at_redirect(int dirfd, const char *path, char *buf)
	__attribute__((visibility("hidden")));

#endif /* SIO_PRELOAD_PATH_H */
