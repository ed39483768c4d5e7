/* SPDX-License-Identifier: BSD-3-Clause */
#include <string.h>
#include <sys/sysmacros.h>

#include "base/compiler.h"
#include "core/pcidev.h"
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

/*
 * A canonical decimal number (no sign, no leading zero unless "0") below
 * @limit, followed by '\0' or @end_char: its value, or -1.
 */
static long parse_minor(const char *s, char end_char, long limit)
{
	long v = 0;

	if (*s < '0' || *s > '9' || (s[0] == '0' && s[1] >= '0' && s[1] <= '9'))
		return -1;
	for (; *s >= '0' && *s <= '9'; s++) {
		v = v * 10 + (*s - '0');
		if (v >= limit)
			return -1;
	}
	return (*s == '\0' || *s == end_char) ? v : -1;
}

int sio_vfio_dev_index_by_path(const char *path)
{
	size_t n = sizeof(SIO_VFIO_DEV_PREFIX) - 1;
	struct sio_pcidev_cfg cfg;
	long index;

	if (strncmp(path, SIO_VFIO_DEV_PREFIX, n))
		return -1;
	index = parse_minor(path + n, '\0', SIO_PCIDEV_MAX);
	if (index < 0 || sio_pcidev_get_cfg((unsigned int)index, &cfg))
		return -1;
	return (int)index;
}

/* Whether @target (past "/memfd:") is @name, then '\0', ' ' or @sep. */
static const char *name_match(const char *target, const char *name, char sep)
{
	size_t len = strlen(name);

	if (strncmp(target, name, len))
		return NULL;
	target += len;
	return (*target == '\0' || *target == ' ' || *target == sep) ? target : NULL;
}

const struct sio_file_ops *sio_node_ops_by_memfd_target(const char *target, dev_t *rdev)
{
	static const char prefix[] = "/memfd:";
	const char *rest;
	long minor;
	size_t i;

	if (strncmp(target, prefix, sizeof(prefix) - 1))
		return NULL;
	target += sizeof(prefix) - 1;
	for (i = 0; i < ARRAY_SIZE(nodes); i++) {
		if (name_match(target, nodes[i].ops->name, '\0')) {
			if (rdev)
				*rdev = nodes[i].ops->rdev;
			return nodes[i].ops;
		}
	}
	rest = name_match(target, sio_vfio_dev_file_ops.name, ':');
	if (!rest || *rest != ':')
		return NULL;
	minor = parse_minor(rest + 1, ' ', SIO_PCIDEV_MAX);
	if (minor < 0)
		return NULL;
	if (rdev)
		*rdev = makedev(SIO_VFIO_DEV_MAJOR, (unsigned int)minor);
	return &sio_vfio_dev_file_ops;
}

void sio_node_stat(const struct sio_file_ops *ops, ino_t ino, dev_t rdev, struct stat *st)
{
	size_t i;

	memset(st, 0, sizeof(*st));
	if (!ino && ops == &sio_vfio_dev_file_ops)
		ino = SIO_VFIO_DEV_INO(minor(rdev));
	if (!ino) {
		for (i = 0; i < ARRAY_SIZE(nodes); i++)
			if (nodes[i].ops == ops)
				ino = nodes[i].ino;
	}
	st->st_dev = DEVTMPFS_DEV;
	st->st_ino = ino;
	st->st_mode = ops->mode;
	st->st_nlink = 1;
	st->st_rdev = rdev;
	st->st_blksize = 4096;
}
