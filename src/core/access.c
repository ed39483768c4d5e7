/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdlib.h>

#include "base/compiler.h"
#include "base/log.h"
#include "core/access.h"

static void access_free(struct sio_object *obj)
{
	struct sio_access *access = container_of(obj, struct sio_access, obj);

	pthread_mutex_destroy(&access->lock);
	free(access);
}

static const struct sio_object_ops access_ops = {
	.destroy = access_free,
};

int sio_access_create(struct sio_ctx *ctx, const struct sio_access_ops *ops, void *data,
		      struct sio_access **out)
{
	struct sio_access *access;
	struct sio_object *obj;
	int rc;

	rc = sio_object_alloc(ctx, sizeof(*access), SIO_OBJ_ACCESS, &access_ops, &obj);
	if (rc)
		return rc;
	access = container_of(obj, struct sio_access, obj);
	access->ops = ops;
	access->data = data;
	access->iova_alignment = ops->needs_pin_pages ? sio_page_size() : 1;
	pthread_mutex_init(&access->lock, NULL);
	/* The creator's reference: IOMMU_DESTROY of the access gives EBUSY. */
	sio_object_users_get(obj);
	sio_object_finalize(obj);
	*out = access;
	return 0;
}

/* Leave the current IOAS. access->lock held. */
static void detach_locked(struct sio_access *access)
{
	struct sio_ioas *ioas = access->ioas;

	if (!ioas)
		return;
	sio_iopt_remove_access(&ioas->iopt, access);
	access->ioas = NULL;
	sio_object_users_put(&ioas->obj);
}

/* Join @ioas_id. access->lock held. */
static int attach_locked(struct sio_access *access, uint32_t ioas_id)
{
	struct sio_ioas *ioas = sio_ioas_get(access->obj.ctx, ioas_id);
	int rc;

	if (!ioas)
		return -ENOENT;
	rc = sio_iopt_add_access(&ioas->iopt, access);
	if (!rc) {
		sio_object_users_get(&ioas->obj);
		access->ioas = ioas;
	}
	sio_ioas_put(ioas);
	return rc;
}

int sio_access_attach(struct sio_access *access, uint32_t ioas_id)
{
	int rc;

	pthread_mutex_lock(&access->lock);
	rc = access->ioas ? -EINVAL : attach_locked(access, ioas_id);
	pthread_mutex_unlock(&access->lock);
	return rc;
}

int sio_access_replace(struct sio_access *access, uint32_t ioas_id)
{
	struct sio_ioas *old;
	int rc;

	pthread_mutex_lock(&access->lock);
	old = access->ioas;
	if (!old) {
		rc = -ENOENT;
	} else if (old->obj.id == ioas_id) {
		rc = 0;
	} else {
		struct sio_ioas *ioas = sio_ioas_get(access->obj.ctx, ioas_id);

		if (!ioas) {
			rc = -ENOENT;
		} else {
			/*
			 * As Linux: join the new IOAS first (it may refuse the
			 * alignment); only then drop what was pinned through the
			 * old one and leave it.
			 */
			rc = sio_iopt_add_access(&ioas->iopt, access);
			if (!rc) {
				sio_object_users_get(&ioas->obj);
				pthread_mutex_unlock(&access->lock);
				access->ops->unmap(access->data, 0, UINT64_MAX);
				pthread_mutex_lock(&access->lock);
				sio_iopt_remove_access(&old->iopt, access);
				access->ioas = ioas;
				sio_object_users_put(&old->obj);
			}
			sio_ioas_put(ioas);
		}
	}
	pthread_mutex_unlock(&access->lock);
	return rc;
}

void sio_access_destroy(struct sio_access *access)
{
	pthread_mutex_lock(&access->lock);
	detach_locked(access);
	pthread_mutex_unlock(&access->lock);
	sio_object_users_put(&access->obj);
	if (sio_object_remove_internal(&access->obj))
		sio_err("access %u still referenced at destroy", access->obj.id);
}

int sio_access_pin_pages(struct sio_access *access, uint64_t iova, uint64_t length, bool write,
			 uint64_t *phys)
{
	uint64_t last;
	int rc;

	if (!access->ops->needs_pin_pages)
		return -EINVAL;
	if (!length)
		return -EINVAL;
	if (check_add_overflow(iova, length - 1, &last))
		return -EOVERFLOW;
	pthread_mutex_lock(&access->lock);
	rc = access->ioas ? sio_iopt_access_pin(&access->ioas->iopt, access, iova, last, write,
						 phys) : -ENOENT;
	pthread_mutex_unlock(&access->lock);
	return rc;
}

void sio_access_unpin_pages(struct sio_access *access, uint64_t iova, uint64_t length)
{
	pthread_mutex_lock(&access->lock);
	if (access->ioas && length)
		sio_iopt_access_unpin(&access->ioas->iopt, access, iova, iova + length - 1);
	pthread_mutex_unlock(&access->lock);
}

int sio_access_rw(struct sio_access *access, uint64_t iova, void *data, uint64_t length,
		  bool write)
{
	uint64_t last;
	int rc;

	if (!length)
		return -EINVAL;
	if (check_add_overflow(iova, length - 1, &last))
		return -EOVERFLOW;
	pthread_mutex_lock(&access->lock);
	rc = access->ioas ? sio_iopt_access_rw(&access->ioas->iopt, iova, last, data, write) :
			    -ENOENT;
	pthread_mutex_unlock(&access->lock);
	return rc;
}

uint64_t sio_access_nth_area_iova(struct sio_access *access, uint32_t nth, uint32_t offset)
{
	uint64_t iova = 0;

	pthread_mutex_lock(&access->lock);
	if (access->ioas)
		iova = sio_iopt_nth_area_iova(&access->ioas->iopt, nth, offset);
	pthread_mutex_unlock(&access->lock);
	return iova;
}
