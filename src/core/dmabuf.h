/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The selftest's dma-buf exporter (IOMMU_TEST_OP_DMABUF_GET / _REVOKE) and
 * iommufd's side of importing it with IOMMU_IOAS_MAP_FILE.
 *
 * A dma-buf is a fixed-size buffer backed by a memfd softiommu owns. Pages
 * objects made from it (SIO_PAGES_FILE over @memfd) hold a reference on it;
 * every complete area of such pages is linked on @areas, so that a revoke
 * can find the IO page tables that map the buffer.
 *
 * Locking: @lock protects @revoked and @areas. It nests INSIDE the IO page
 * table locks: domains_lock → iova_lock → dmabuf->lock (map and unmap link
 * and unlink areas with iova_lock held for write). A revoke therefore takes
 * @lock with no IO page table lock held, only to set the flag and collect
 * the IOASes to visit (each pinned by a short-term reference, taken under
 * @lock: while an area is linked its IOAS cannot have been freed), drops
 * it, and then visits each IOAS with its own locks (sio_iopt_revoke_dmabuf).
 * Nothing is called under @lock but the object table lock (a leaf).
 * @refs is atomic.
 */
#ifndef SIO_CORE_DMABUF_H
#define SIO_CORE_DMABUF_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

/* Link of an area on its dma-buf's list; both NULL when not linked. */
struct sio_dmabuf_link {
	struct sio_dmabuf_link *prev, *next;
};

struct sio_dmabuf {
	int refs;
	pthread_mutex_t lock;
	int memfd;		/* softiommu's own reference to the backing memfd */
	uint64_t size;		/* bytes, a multiple of PAGE_SIZE */
	bool revoked;
	struct sio_dmabuf_link areas;	/* list head of struct sio_area.dmabuf_link */
};

/* A dma-buf of @size bytes, no memory yet (memfd -1). Return: 0 or -ENOMEM. */
int sio_dmabuf_alloc(uint64_t size, struct sio_dmabuf **out);
void sio_dmabuf_get(struct sio_dmabuf *dmabuf);
/* Drop a reference; the last one closes the memfd. No area may be linked. */
void sio_dmabuf_put(struct sio_dmabuf *dmabuf);

/*
 * Set or clear the revoked state. Revoking tears every area that maps the
 * buffer out of all the domains of its IO page table (the areas stay in their
 * IOAS, never to be mapped into a domain again); clearing only lets new maps
 * in. Call with no IO page table lock held. Return: 0, or -ENOMEM (the
 * state is then unchanged).
 */
int sio_dmabuf_set_revoked(struct sio_dmabuf *dmabuf, bool revoked);

struct sio_area;

/*
 * Link a completed area of this buffer (iova_lock held for write). Return:
 * 0, or -ENODEV when the buffer is revoked (nothing linked) unless @force
 * (a split half of an already linked area, which a revoke in flight will
 * find through its IO page table).
 */
int sio_dmabuf_link_area(struct sio_dmabuf *dmabuf, struct sio_area *area, bool force);
/* Unlink an area (iova_lock held for write). */
void sio_dmabuf_unlink_area(struct sio_dmabuf *dmabuf, struct sio_area *area);
/* Whether the buffer is revoked now (takes @lock; iova_lock may be held). */
bool sio_dmabuf_is_revoked(struct sio_dmabuf *dmabuf);

#endif /* SIO_CORE_DMABUF_H */
