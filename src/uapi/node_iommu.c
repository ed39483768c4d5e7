/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * /dev/iommu, and /dev/vfio/vfio (Linux's CONFIG_IOMMUFD_VFIO_CONTAINER):
 * every open of either creates an independent iommufd context. Both nodes
 * share the file operations; a context opened through /dev/vfio/vfio
 * starts with MM (per-process) accounting, as VFIO containers charge.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "core/ctx.h"
#include "uapi/mmap_region.h"
#include "uapi/nodes.h"
#include "uapi/ucmd.h"

static long iommu_ioctl(struct sio_file *file, unsigned int cmd, uint64_t arg)
{
	return sio_iommufd_ioctl(file->priv, cmd, arg);
}

/* Only regions registered by objects can be mapped (vIOMMU MMIO pages). */
static void *iommu_mmap(struct sio_file *file, void *addr, size_t length, int prot, int flags,
			off_t offset, int *err)
{
	return sio_mmap_region_map(file->priv, addr, length, prot, flags, offset, err);
}

static void iommu_release(struct sio_file *file)
{
	sio_ctx_put(file->priv);
}

const struct sio_file_ops sio_iommu_file_ops = {
	.name = "softiommu:iommu",
	.mode = S_IFCHR | 0660,
	/* A misc device; the minor of /dev/iommu is dynamic in Linux. */
	.rdev = SIO_MKDEV(10, 123),
	.ioctl = iommu_ioctl,
	.mmap = iommu_mmap,
	.release = iommu_release,
};

static unsigned int ctx_flags(void)
{
	const char *s = getenv("SOFTIOMMU_SELFTEST");

	/* The selftest interface is on unless SOFTIOMMU_SELFTEST=0. */
	if (s && !strcmp(s, "0"))
		return 0;
	return SIO_CTX_SELFTEST;
}

/*
 * The legacy container node. Same methods, its own name (how a foreign fd
 * is recognised), mode and device number: misc minor 196 (VFIO_MINOR).
 */
const struct sio_file_ops sio_vfio_file_ops = {
	.name = "softiommu:vfio",
	.mode = S_IFCHR | 0666,
	.rdev = SIO_MKDEV(10, 196),
	.ioctl = iommu_ioctl,
	.mmap = iommu_mmap,
	.release = iommu_release,
};

static int node_open(const struct sio_node *node, int flags, unsigned int ctx_extra)
{
	struct sio_ctx *ctx = sio_ctx_create(ctx_flags() | ctx_extra);
	int fd;

	if (!ctx)
		return -ENOMEM;
	fd = sio_file_install(node->ops, ctx, flags);
	if (fd < 0)
		sio_ctx_destroy(ctx);
	return fd;
}

int sio_iommu_node_open(const struct sio_node *node, int flags)
{
	return node_open(node, flags, 0);
}

int sio_vfio_node_open(const struct sio_node *node, int flags)
{
	return node_open(node, flags, SIO_CTX_VFIO_CONTAINER);
}
