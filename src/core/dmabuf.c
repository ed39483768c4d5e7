/* SPDX-License-Identifier: BSD-3-Clause */
/* The selftest dma-buf and its importers (see core/dmabuf.h for the locking). */
#include <errno.h>
#include <stdlib.h>

#include "base/compiler.h"
#include "base/sys.h"
#include "core/dmabuf.h"
#include "core/ioas.h"

#define area_of_link(l) container_of(l, struct sio_area, dmabuf_link)

int sio_dmabuf_alloc(uint64_t size, struct sio_dmabuf **out)
{
	struct sio_dmabuf *dmabuf = calloc(1, sizeof(*dmabuf));

	if (!dmabuf)
		return -ENOMEM;
	dmabuf->refs = 1;
	pthread_mutex_init(&dmabuf->lock, NULL);
	dmabuf->memfd = -1;
	dmabuf->size = size;
	dmabuf->areas.prev = dmabuf->areas.next = &dmabuf->areas;
	*out = dmabuf;
	return 0;
}

void sio_dmabuf_get(struct sio_dmabuf *dmabuf)
{
	__atomic_fetch_add(&dmabuf->refs, 1, __ATOMIC_RELAXED);
}

void sio_dmabuf_put(struct sio_dmabuf *dmabuf)
{
	if (__atomic_sub_fetch(&dmabuf->refs, 1, __ATOMIC_ACQ_REL))
		return;
	/* Linked areas hold pages that hold references: the list is empty. */
	if (dmabuf->memfd >= 0)
		sio_sys_close(dmabuf->memfd);
	pthread_mutex_destroy(&dmabuf->lock);
	free(dmabuf);
}

int sio_dmabuf_link_area(struct sio_dmabuf *dmabuf, struct sio_area *area, bool force)
{
	struct sio_dmabuf_link *l = &area->dmabuf_link;
	int rc = 0;

	pthread_mutex_lock(&dmabuf->lock);
	if (dmabuf->revoked && !force) {
		rc = -ENODEV;
	} else {
		l->next = &dmabuf->areas;
		l->prev = dmabuf->areas.prev;
		dmabuf->areas.prev->next = l;
		dmabuf->areas.prev = l;
	}
	pthread_mutex_unlock(&dmabuf->lock);
	return rc;
}

void sio_dmabuf_unlink_area(struct sio_dmabuf *dmabuf, struct sio_area *area)
{
	struct sio_dmabuf_link *l = &area->dmabuf_link;

	pthread_mutex_lock(&dmabuf->lock);
	if (l->next) {
		l->prev->next = l->next;
		l->next->prev = l->prev;
		l->prev = l->next = NULL;
	}
	pthread_mutex_unlock(&dmabuf->lock);
}

bool sio_dmabuf_is_revoked(struct sio_dmabuf *dmabuf)
{
	bool revoked;

	pthread_mutex_lock(&dmabuf->lock);
	revoked = dmabuf->revoked;
	pthread_mutex_unlock(&dmabuf->lock);
	return revoked;
}

/*
 * The IOASes with an area of @dmabuf, each with a short-term reference.
 * dmabuf->lock held: a linked area's IOAS is still allocated (destroying it
 * unmaps, hence unlinks, every area before freeing it), so its object may be
 * referenced; one whose destroy already began is skipped (it has no domain
 * left: a domain's HWPT holds a user reference on the IOAS).
 */
static int collect_ioases(struct sio_dmabuf *dmabuf, struct sio_ioas ***out, size_t *count)
{
	struct sio_ioas **v = NULL;
	struct sio_dmabuf_link *l;
	size_t n = 0, cap = 0, i;

	for (l = dmabuf->areas.next; l != &dmabuf->areas; l = l->next) {
		struct sio_ioas *ioas = container_of(area_of_link(l)->iopt, struct sio_ioas, iopt);

		for (i = 0; i < n && v[i] != ioas; i++)
			;
		if (i < n)
			continue;
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 4;
			struct sio_ioas **nv = realloc(v, ncap * sizeof(*nv));

			if (!nv)
				goto err;
			v = nv;
			cap = ncap;
		}
		if (sio_object_get_ref(&ioas->obj))
			v[n++] = ioas;
	}
	*out = v;
	*count = n;
	return 0;

err:
	while (n--)
		sio_ioas_put(v[n]);
	free(v);
	return -ENOMEM;
}

int sio_dmabuf_set_revoked(struct sio_dmabuf *dmabuf, bool revoked)
{
	struct sio_ioas **ioases = NULL;
	size_t n = 0, i;
	bool old;
	int rc = 0;

	pthread_mutex_lock(&dmabuf->lock);
	old = dmabuf->revoked;
	dmabuf->revoked = revoked;
	/*
	 * From here on no new area links (map fails with ENODEV), so the list
	 * collected now names every IOAS that can map the buffer.
	 */
	if (revoked) {
		rc = collect_ioases(dmabuf, &ioases, &n);
		if (rc)
			dmabuf->revoked = old;
	}
	pthread_mutex_unlock(&dmabuf->lock);
	if (rc)
		return rc;

	/* No dma-buf lock held: each IOAS takes its own locks, then dmabuf->lock. */
	for (i = 0; i < n; i++) {
		sio_iopt_revoke_dmabuf(&ioases[i]->iopt, dmabuf);
		sio_ioas_put(ioases[i]);
	}
	free(ioases);
	return 0;
}
