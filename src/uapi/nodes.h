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

/* The node at a normalised absolute path, or NULL. */
const struct sio_node *sio_node_by_path(const char *path);

/* The file ops whose memfd a /proc/self/fd link target names, or NULL. */
const struct sio_file_ops *sio_node_ops_by_memfd_target(const char *target);

/* Fill @st as the kernel reports the node (devtmpfs, root-owned). */
void sio_node_stat(const struct sio_file_ops *ops, ino_t ino, struct stat *st);

extern const struct sio_file_ops sio_iommu_file_ops;
int sio_iommu_node_open(const struct sio_node *node, int flags);
/* /dev/vfio/vfio: the same fops; contexts default to MM accounting. */
extern const struct sio_file_ops sio_vfio_file_ops;
int sio_vfio_node_open(const struct sio_node *node, int flags);

#endif /* SIO_UAPI_NODES_H */
