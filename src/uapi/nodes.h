/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The emulated device nodes: their paths, their file operations, and how an
 * open() of one creates its file.
 */
#ifndef SIO_UAPI_NODES_H
#define SIO_UAPI_NODES_H

#include <sys/stat.h>

#include "uapi/file.h"

/* makedev() as a constant expression (the Linux dev_t encoding glibc uses). */
#define SIO_MKDEV(ma, mi)							\
	((dev_t)((((ma) & 0xfffull) << 8) | (((ma) & 0xfffff000ull) << 32) |	\
		 ((mi) & 0xffull) | (((mi) & 0xffffff00ull) << 12)))

struct sio_node {
	const char *path;			/* normalised absolute path */
	const struct sio_file_ops *ops;
	ino_t ino;				/* inode number stat reports */
	/* Create the file for an open() with @flags: the fd, or -errno. */
	int (*open)(const struct sio_node *node, int flags);
};

/*
 * Copy a caller's path (bad memory: -EFAULT, too long: -ENAMETOOLONG, empty:
 * -ENOENT) into @out, normalised lexically against the current directory
 * ("//", "/./" and "/../" resolved; symlinks are not followed).
 */
int sio_normalise_path(const char *upath, char *out, size_t out_size);

/* The node at a normalised absolute path, or NULL. */
const struct sio_node *sio_node_by_path(const char *path);

/*
 * The file ops whose memfd a /proc/self/fd link target names, or NULL. The
 * memfd of a file installed with a minor (sio_file_install_minor()) is named
 * "<ops name>:<minor>"; *rdev (may be NULL) receives the device number the
 * name stands for.
 */
const struct sio_file_ops *sio_node_ops_by_memfd_target(const char *target, dev_t *rdev);

/*
 * Fill @st as the kernel reports the node (devtmpfs, root-owned) with device
 * number @rdev. @ino 0: the inode number of the node of @ops.
 */
void sio_node_stat(const struct sio_file_ops *ops, ino_t ino, dev_t rdev, struct stat *st);

extern const struct sio_file_ops sio_iommu_file_ops;
int sio_iommu_node_open(const struct sio_node *node, int flags);
/* /dev/vfio/vfio: the same fops; contexts default to MM accounting. */
extern const struct sio_file_ops sio_vfio_file_ops;
int sio_vfio_node_open(const struct sio_node *node, int flags);

/*
 * /dev/vfio/devices/vfioN: the VFIO cdev of emulated PCI function N. The
 * major is dynamic in Linux (alloc_chrdev_region "vfio-dev"); softiommu
 * reports the first one the kernel hands out, the minor is N.
 */
#define SIO_VFIO_DEV_MAJOR 511
#define SIO_VFIO_DEV_PREFIX "/dev/vfio/devices/vfio"
extern const struct sio_file_ops sio_vfio_dev_file_ops;
/* N if the normalised @path is the cdev of existing function N, else -1. */
int sio_vfio_dev_index_by_path(const char *path);
/* Open the cdev of function @index: the fd, or -ENOENT (no such function), -errno. */
int sio_vfio_dev_open(unsigned int index, int flags);
/* The inode number stat reports for the cdev of function @index. */
#define SIO_VFIO_DEV_INO(index) ((ino_t)0x2000 + (index))

#endif /* SIO_UAPI_NODES_H */
