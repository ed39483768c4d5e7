/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * HW queue objects (core/viommu.h): guest memory of the vIOMMU's parent
 * IOAS pinned and locked through an internal access for as long as the
 * queue lives, and the queue's slot on its vIOMMU (viommu->lock).
 */
#include <errno.h>
#include <stdlib.h>

#include "base/compiler.h"
#include "base/log.h"
#include "core/access.h"
#include "core/viommu.h"

/* What a queue pinned; @slotted: it holds its vIOMMU slot (and maybe a dependency). */
struct hw_queue_priv {
	struct sio_hw_queue q;
	uint64_t pin_iova;
	uint64_t pin_length;
	bool pinned;
	bool slotted;
	/* Its IOMMU_HW_QUEUE_ALLOC can no longer fail (under viommu->lock). */
	bool published;
	struct sio_hw_queue *depends_on;	/* queue index - 1 (users reference) */
};

/* The pins lock their areas, so IOAS_UNMAP never has to ask for them back. */
static void internal_unmap(void *data, uint64_t iova, uint64_t length)
{
	(void)data;
	(void)iova;
	(void)length;
}

static const struct sio_access_ops internal_access_ops = {
	.needs_pin_pages = true,
	.lock_areas = true,
	.unmap = internal_unmap,
};

static void hw_queue_destroy(struct sio_object *obj)
{
	struct hw_queue_priv *p = container_of(obj, struct hw_queue_priv, q.obj);
	struct sio_viommu *viommu = p->q.viommu;

	if (p->slotted) {
		pthread_mutex_lock(&viommu->lock);
		viommu->hw_queues[p->q.index] = NULL;
		pthread_mutex_unlock(&viommu->lock);
	}
	if (p->depends_on)
		sio_object_users_put(&p->depends_on->obj);
	if (p->q.access) {
		if (p->pinned)
			sio_access_unpin_pages(p->q.access, p->pin_iova, p->pin_length);
		sio_access_destroy(p->q.access);
	}
	sio_object_users_put(&viommu->obj);
	free(p);
}

static const struct sio_object_ops hw_queue_ops = {
	.destroy = hw_queue_destroy,
};

/*
 * Pin the queue's pages (iopt locks them) and find their host address:
 * they must be one contiguous run of "physical" memory.
 */
static int hw_queue_pin(struct hw_queue_priv *p, uint64_t iova, uint64_t length)
{
	uint64_t ps = sio_page_size(), first = iova & ~(ps - 1), end, npages, i, *phys;
	int rc;

	/* The caller checked iova + length - 1 does not wrap. */
	end = iova + length - 1;
	npages = ((end & ~(ps - 1)) - first) / ps + 1;
	phys = calloc(npages, sizeof(*phys));
	if (!phys)
		return -ENOMEM;
	rc = sio_access_pin_pages(p->q.access, first, npages * ps, false, phys);
	if (rc)
		goto out_free;
	p->pin_iova = first;
	p->pin_length = npages * ps;
	p->pinned = true;
	for (i = 1; i < npages; i++) {
		if (phys[i] != phys[0] + i * ps) {
			rc = -EFAULT;
			goto out_free;
		}
	}
	p->q.base = (void *)(uintptr_t)(phys[0] + (iova - first));
out_free:
	free(phys);
	return rc;
}

int sio_hw_queue_alloc(struct sio_ctx *ctx, struct sio_viommu *viommu, uint32_t type,
		       uint32_t index, uint64_t iova, uint64_t length,
		       int (*check)(struct sio_viommu *viommu, uint32_t index),
		       struct sio_hw_queue **out)
{
	struct hw_queue_priv *p;
	struct sio_object *obj;
	int rc;

	rc = sio_object_alloc(ctx, sizeof(*p), SIO_OBJ_HW_QUEUE, &hw_queue_ops, &obj);
	if (rc)
		return rc;
	p = container_of(obj, struct hw_queue_priv, q.obj);
	sio_object_users_get(&viommu->obj);
	p->q.viommu = viommu;
	p->q.type = type;
	p->q.index = index;
	p->q.nesting_parent_iova = iova;
	p->q.length = length;

	rc = sio_access_create(ctx, &internal_access_ops, p, &p->q.access);
	if (rc)
		goto err_abort;
	/* The parent's IOAS cannot go: the parent holds it, the vIOMMU the parent. */
	rc = sio_access_attach(p->q.access, viommu->parent->ioas->obj.id);
	if (rc)
		goto err_abort;
	rc = hw_queue_pin(p, iova, length);
	if (rc)
		goto err_abort;

	pthread_mutex_lock(&viommu->lock);
	rc = check ? check(viommu, index) : 0;
	if (!rc && index >= SIO_VIOMMU_HW_QUEUE_MAX)
		rc = -EINVAL;
	if (!rc && viommu->hw_queues[index])
		rc = -EEXIST;
	if (!rc) {
		struct sio_hw_queue *prev = index ? viommu->hw_queues[index - 1] : NULL;

		struct hw_queue_priv *pp = NULL;

		if (prev)
			pp = container_of(prev, struct hw_queue_priv, q);

		/*
		 * A previous queue whose allocation may still be undone, or one
		 * being destroyed (no users left), counts as missing.
		 */
		if (pp && (!pp->published || !sio_object_users_get_unless_zero(&prev->obj))) {
			rc = -EIO;
		} else {
			p->depends_on = prev;
			viommu->hw_queues[index] = &p->q;
			p->slotted = true;
		}
	}
	pthread_mutex_unlock(&viommu->lock);
	if (rc)
		goto err_abort;
	*out = &p->q;
	return 0;

err_abort:
	sio_object_abort(obj);
	return rc;
}

void sio_hw_queue_publish(struct sio_hw_queue *q)
{
	struct hw_queue_priv *p = container_of(q, struct hw_queue_priv, q);

	pthread_mutex_lock(&q->viommu->lock);
	p->published = true;
	pthread_mutex_unlock(&q->viommu->lock);
}
