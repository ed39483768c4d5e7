/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Regions an object offers for mmap on the iommufd fd (spec iommufd-abi
 * §2.6; a vIOMMU's MMIO pages), and the registry of live mappings of them.
 *
 * A region is shared memory softiommu owns (a memfd, mapped once for the
 * owner's own use at @mem), registered at a page-aligned offset unique in
 * its context, lowest free first from PAGE_SIZE on. Each live mapping holds
 * a users reference on the owner (its IOMMU_DESTROY gives EBUSY) and a
 * reference on the context (closing the fd does not release it), both
 * dropped once every byte of the mapping has been unmapped.
 *
 * Locking: one global mutex protects the regions and the mappings; it is
 * held across the real mmap/munmap so that an address reused by another
 * thread is never mistaken for the old mapping. Object and context
 * references are dropped after it is released.
 */
#ifndef SIO_UAPI_MMAP_REGION_H
#define SIO_UAPI_MMAP_REGION_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/object.h"

struct sio_mmap_region {
	struct sio_object *owner;	/* not referenced: the owner removes the region */
	uint64_t offset;
	uint64_t length;
	void *mem;			/* softiommu's mapping of the region */
	int fd;
	struct sio_mmap_region *next;
};

/*
 * Register @length bytes (a page multiple) of zeroed shared memory for
 * @owner on its context. Return: 0 and *out, -ENOMEM, -ENOSPC.
 */
int sio_mmap_region_add(struct sio_object *owner, uint64_t length, struct sio_mmap_region **out);
/* Unregister and free a region; no mapping of it is live (each holds the owner). */
void sio_mmap_region_remove(struct sio_mmap_region *region);

/*
 * mmap on an iommufd fd of @ctx: the VMA checks (length a page multiple and
 * MAP_SHARED: -EINVAL; PROT_EXEC: -EPERM), then @offset must be a region's
 * start and @length its length (-ENXIO). Return: the mapping or NULL, *err.
 */
void *sio_mmap_region_map(struct sio_ctx *ctx, void *addr, size_t length, int prot, int flags,
			  off_t offset, int *err);

/*
 * munmap(@addr, @length) of any range: performs it, then drops the
 * references of mappings no byte of which is left. Return: as munmap.
 */
int sio_mmap_region_munmap(void *addr, size_t length);

#endif /* SIO_UAPI_MMAP_REGION_H */
