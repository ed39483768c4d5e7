/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Directories: opendir() of a path of the emulated machine (the sysfs
 * directories of its PCI functions, /sys/class/vfio-dev, /dev/vfio and
 * /dev/vfio/devices) lists the real directory that stands for it
 * (preload_redirect()), so that clients that find VFIO cdevs with
 * readdir() see the emulated ones. readdir() and closedir() work on the
 * returned DIR as usual. Everything else is libc's.
 */
#include "real.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>

#include "preload_path.h"

SIO_EXPORT DIR *opendir(const char *path)
{
	char rbuf[PATH_MAX];
	real_opendir_t *fn = REAL(opendir);

	if (!fn) {
		errno = ENOSYS;
		return NULL;
	}
	return fn(preload_redirect(path, rbuf));
}
