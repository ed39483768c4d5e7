/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Access objects: an in-process user of an IOAS's pages that is not a
 * device behind an IOMMU (Linux's iommufd_access: mdev drivers, the
 * selftest). An access pins pages of IOVA ranges or reads/writes them; it
 * holds a user reference on its IOAS and joins its table's access list,
 * which raises the IOVA alignment to PAGE_SIZE for accesses that pin.
 *
 * When IOAS_UNMAP meets an area an access pins, the access's unmap callback
 * must unpin it; unmap retries and gives up with -EDEADLOCK after 100 tries.
 *
 * Locking: access->lock serialises attach/replace/detach and protects
 * @ioas; it is taken before the IO page table's locks. The callback runs
 * with no IO page table lock held.
 */
#ifndef SIO_CORE_ACCESS_H
#define SIO_CORE_ACCESS_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/ioas.h"
#include "core/object.h"

struct sio_access;

struct sio_access_ops {
	bool needs_pin_pages;
	/*
	 * The pins lock their areas (an internal access of the core, as for
	 * HW queues): IOAS_UNMAP or a cut of them gives EBUSY instead of
	 * asking the access to let go; @unmap is then never needed.
	 */
	bool lock_areas;
	/* Unpin everything of [iova, iova + length); called by unmap. */
	void (*unmap)(void *data, uint64_t iova, uint64_t length);
};

struct sio_access {
	struct sio_object obj;
	const struct sio_access_ops *ops;
	void *data;
	pthread_mutex_t lock;
	struct sio_ioas *ioas;		/* users reference while attached */
	uint64_t iova_alignment;
};

/* A visible ACCESS object with a creator reference (DESTROY gives EBUSY). */
int sio_access_create(struct sio_ctx *ctx, const struct sio_access_ops *ops, void *data,
		      struct sio_access **out);
/* Detach and destroy (the creator's reference ends). */
void sio_access_destroy(struct sio_access *access);

/* Return: 0, -ENOENT (no such IOAS), -EADDRINUSE (alignment), -EINVAL (attached). */
int sio_access_attach(struct sio_access *access, uint32_t ioas_id);
/* Move to another IOAS: -ENOENT if not attached or no such IOAS; same IOAS: 0. */
int sio_access_replace(struct sio_access *access, uint32_t ioas_id);

/*
 * Pin the pages of [iova, iova + length) and return their "physical"
 * addresses in @phys (one per PAGE_SIZE page, from the page holding iova).
 * Return: 0, -EINVAL, -EOVERFLOW, -ENOENT (detached, hole), -EPERM (write
 * to a read-only area), -EFAULT, -ENOMEM.
 */
int sio_access_pin_pages(struct sio_access *access, uint64_t iova, uint64_t length, bool write,
			 uint64_t *phys);
/* Undo a pin_pages of exactly that range. */
void sio_access_unpin_pages(struct sio_access *access, uint64_t iova, uint64_t length);

/* Copy between @data and IOVA space. Errors as pin_pages, plus -EFAULT for bad memory. */
int sio_access_rw(struct sio_access *access, uint64_t iova, void *data, uint64_t length,
		  bool write);

/* The IOVA of byte @offset of the @nth area of the access's IOAS (syzkaller), or 0. */
uint64_t sio_access_nth_area_iova(struct sio_access *access, uint32_t nth, uint32_t offset);

#endif /* SIO_CORE_ACCESS_H */
