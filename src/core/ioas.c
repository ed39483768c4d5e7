/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdlib.h>

#include "base/compiler.h"
#include "base/log.h"
#include "core/hwpt.h"
#include "core/ioas.h"

static void ioas_destroy(struct sio_object *obj)
{
	struct sio_ioas *ioas = container_of(obj, struct sio_ioas, obj);
	uint64_t unmapped;

	if (sio_iopt_unmap_all(&ioas->iopt, &unmapped))
		sio_err("IOAS %u destroyed with busy areas", obj->id);
	sio_iopt_fini(&ioas->iopt);
	pthread_mutex_destroy(&ioas->hwpt_lock);
	free(ioas);
}

static const struct sio_object_ops ioas_ops = {
	.destroy = ioas_destroy,
};

int sio_ioas_alloc(struct sio_ctx *ctx, struct sio_ioas **out)
{
	struct sio_object *obj;
	struct sio_ioas *ioas;
	int rc;

	rc = sio_object_alloc(ctx, sizeof(*ioas), SIO_OBJ_IOAS, &ioas_ops, &obj);
	if (rc)
		return rc;
	ioas = container_of(obj, struct sio_ioas, obj);
	sio_iopt_init(&ioas->iopt);
	pthread_mutex_init(&ioas->hwpt_lock, NULL);
	*out = ioas;
	return 0;
}

struct sio_ioas *sio_ioas_get(struct sio_ctx *ctx, uint32_t id)
{
	struct sio_object *obj = sio_object_get(ctx, id, SIO_OBJ_IOAS);

	return obj ? container_of(obj, struct sio_ioas, obj) : NULL;
}

int sio_ctx_for_each_ioas(struct sio_ctx *ctx, int (*fn)(struct sio_ioas *ioas, void *arg),
			  void *arg)
{
	uint32_t id = 1;
	int rc = 0;

	for (;;) {
		struct sio_ioas *ioas;

		pthread_mutex_lock(&ctx->lock);
		if (!sio_idtable_next(&ctx->objects, &id)) {
			pthread_mutex_unlock(&ctx->lock);
			return rc;
		}
		pthread_mutex_unlock(&ctx->lock);
		ioas = sio_ioas_get(ctx, id);
		id++;
		if (!ioas)
			continue;
		rc = fn(ioas, arg);
		sio_ioas_put(ioas);
		if (rc)
			return rc;
	}
}

uint64_t sio_ioas_domains_pgsize_bitmap(struct sio_ioas *ioas)
{
	uint64_t bitmap = UINT64_MAX;
	struct sio_hwpt *hwpt;

	pthread_mutex_lock(&ioas->hwpt_lock);
	for (hwpt = ioas->hwpt_list; hwpt; hwpt = hwpt->ioas_next) {
		struct sio_domain_info info;

		sio_domain_get_info(hwpt->domain, &info);
		bitmap &= info.pgsize_bitmap;
	}
	pthread_mutex_unlock(&ioas->hwpt_lock);
	return bitmap;
}
