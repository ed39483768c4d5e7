/* SPDX-License-Identifier: BSD-3-Clause */
#include <string.h>
#include <sys/sysmacros.h>

#include "base/compiler.h"
#include "uapi/nodes.h"

/* st_dev of devtmpfs on a typical system ("0:5"). */
#define DEVTMPFS_DEV SIO_MKDEV(0, 5)

static const struct sio_node nodes[] = {
	{ "/dev/iommu", &sio_iommu_file_ops, 0x1000, sio_iommu_node_open },
	{ "/dev/vfio/vfio", &sio_vfio_file_ops, 0x1001, sio_vfio_node_open },
};

const struct sio_node *sio_node_by_path(const char *path)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(nodes); i++)
		if (!strcmp(nodes[i].path, path))
			return &nodes[i];
	return NULL;
}

const struct sio_file_ops *sio_node_ops_by_memfd_target(const char *target)
{
	static const char prefix[] = "/memfd:";
	size_t i;

	if (strncmp(target, prefix, sizeof(prefix) - 1))
		return NULL;
	target += sizeof(prefix) - 1;
	for (i = 0; i < ARRAY_SIZE(nodes); i++) {
		size_t len = strlen(nodes[i].ops->name);

		if (!strncmp(target, nodes[i].ops->name, len) &&
		    (target[len] == '\0' || target[len] == ' '))
			return nodes[i].ops;
	}
	return NULL;
}

void sio_node_stat(const struct sio_file_ops *ops, ino_t ino, struct stat *st)
{
	size_t i;

	memset(st, 0, sizeof(*st));
	if (!ino) {
		for (i = 0; i < ARRAY_SIZE(nodes); i++)
			if (nodes[i].ops == ops)
				ino = nodes[i].ino;
	}
	st->st_dev = DEVTMPFS_DEV;
	st->st_ino = ino;
	st->st_mode = ops->mode;
	st->st_nlink = 1;
	st->st_rdev = ops->rdev;
	st->st_blksize = 4096;
}
