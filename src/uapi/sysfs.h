/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The files real clients read to find VFIO cdevs (sysfs entries of each
 * emulated PCI function, the /dev/vfio directories), materialised as
 * ordinary files in a private directory, and the mapping from the emulated
 * paths to them (sio_path_redirect()).
 *
 * The private tree is created on first need (the first redirected path), so
 * a program that never looks at sysfs leaves nothing on disk; it is removed
 * at exit by the process that created it. Once it exists, creating or
 * destroying a function updates it.
 *
 * Locking: one mutex (the sysfs lock) serialises the tree and is also held
 * by the API across a function's creation and its files (and across its
 * destruction), so an index is never reused while its files are in flux.
 * It is taken before the pcidev table lock.
 */
#ifndef SIO_UAPI_SYSFS_H
#define SIO_UAPI_SYSFS_H

#include <stddef.h>

#include "core/pcidev.h"

void sio_sysfs_lock(void);
void sio_sysfs_unlock(void);

/* Add / remove the files of function @index. Sysfs lock held. Return: 0 or -errno. */
int sio_sysfs_add(unsigned int index, const struct sio_pcidev_cfg *cfg);
void sio_sysfs_remove(unsigned int index, const struct sio_pcidev_cfg *cfg);

/*
 * Map a normalised absolute path to the real path standing for it.
 * Return: 1 (@out filled), 0 (not an emulated path), -ENAMETOOLONG, or the
 * -errno of creating the private tree.
 */
int sio_sysfs_redirect(const char *norm, char *out, size_t out_size);

#endif /* SIO_UAPI_SYSFS_H */
