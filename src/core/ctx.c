/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/compiler.h"
#include "base/log.h"
#include "core/ctx.h"
#include "core/ioas.h"
#include "core/object.h"

/*
 * Slot states of the object table: free; reserved (taken, NULL entry: an
 * allocated object not yet finalized); live (the object); tombstone (taken,
 * TOMBSTONE: an object the kernel destroyed on its own whose ID must not be
 * reused until the context closes).
 */
#define TOMBSTONE ((void *)1)

static void obj_lock(struct sio_ctx *ctx)
{
	pthread_mutex_lock(&ctx->lock);
}

static void obj_unlock(struct sio_ctx *ctx)
{
	pthread_mutex_unlock(&ctx->lock);
}

struct sio_ctx *sio_ctx_create(unsigned int flags)
{
	struct sio_ctx *ctx = calloc(1, sizeof(*ctx));

	if (!ctx)
		return NULL;
	ctx->refs = 1;
	pthread_mutex_init(&ctx->lock, NULL);
	pthread_cond_init(&ctx->shortterm_done, NULL);
	sio_idtable_init(&ctx->objects);
	ctx->flags = flags;
	ctx->account_mode = (flags & SIO_CTX_VFIO_CONTAINER) ? SIO_ACCOUNT_MM : SIO_ACCOUNT_USER;
	return ctx;
}

int sio_object_alloc(struct sio_ctx *ctx, size_t size, enum sio_obj_type type,
		     const struct sio_object_ops *ops, struct sio_object **out)
{
	struct sio_object *obj = calloc(1, size);
	int rc;

	if (!obj)
		return -ENOMEM;
	obj->type = type;
	obj->ctx = ctx;
	obj->ops = ops;
	obj->users = 1;
	obj->shortterm = 1;

	obj_lock(ctx);
	rc = sio_idtable_alloc(&ctx->objects, NULL, &obj->id);
	obj_unlock(ctx);
	if (rc) {
		free(obj);
		return rc;
	}
	*out = obj;
	return 0;
}

void sio_object_finalize(struct sio_object *obj)
{
	struct sio_ctx *ctx = obj->ctx;

	obj_lock(ctx);
	sio_idtable_set(&ctx->objects, obj->id, obj);
	obj_unlock(ctx);
}

void sio_object_abort(struct sio_object *obj)
{
	struct sio_ctx *ctx = obj->ctx;

	obj_lock(ctx);
	sio_idtable_free(&ctx->objects, obj->id);
	obj_unlock(ctx);
	if (obj->ops->abort)
		obj->ops->abort(obj);
	else
		obj->ops->destroy(obj);
}

struct sio_object *sio_object_get(struct sio_ctx *ctx, uint32_t id, enum sio_obj_type type)
{
	struct sio_object *obj;

	obj_lock(ctx);
	obj = sio_idtable_get(&ctx->objects, id);
	if (!obj || obj == TOMBSTONE || (type != SIO_OBJ_ANY && obj->type != type) ||
	    !obj->shortterm) {
		obj_unlock(ctx);
		return NULL;
	}
	obj->shortterm++;
	obj_unlock(ctx);
	return obj;
}

bool sio_object_get_ref(struct sio_object *obj)
{
	struct sio_ctx *ctx = obj->ctx;
	bool ok;

	obj_lock(ctx);
	ok = obj->shortterm != 0;
	if (ok)
		obj->shortterm++;
	obj_unlock(ctx);
	return ok;
}

void sio_object_put(struct sio_object *obj)
{
	struct sio_ctx *ctx = obj->ctx;

	obj_lock(ctx);
	if (--obj->shortterm == 0)
		pthread_cond_broadcast(&ctx->shortterm_done);
	obj_unlock(ctx);
}

void sio_object_users_get(struct sio_object *obj)
{
	__atomic_fetch_add(&obj->users, 1, __ATOMIC_RELAXED);
}

bool sio_object_users_get_unless_zero(struct sio_object *obj)
{
	int old = __atomic_load_n(&obj->users, __ATOMIC_RELAXED);

	do {
		if (!old)
			return false;
	} while (!__atomic_compare_exchange_n(&obj->users, &old, old + 1, true, __ATOMIC_ACQUIRE,
					      __ATOMIC_RELAXED));
	return true;
}

void sio_object_users_put(struct sio_object *obj)
{
	__atomic_fetch_sub(&obj->users, 1, __ATOMIC_RELEASE);
}

/*
 * Unpublish @obj if the table holds its only user reference. Called with the
 * table lock held. On success the table's short-term reference is dropped
 * and the caller waits for the others before destroying the object.
 */
static int unpublish_locked(struct sio_ctx *ctx, struct sio_object *obj, bool tombstone)
{
	int expected = 1;

	if (!__atomic_compare_exchange_n(&obj->users, &expected, 0, false, __ATOMIC_ACQUIRE,
					 __ATOMIC_RELAXED))
		return -EBUSY;
	if (tombstone)
		sio_idtable_set(&ctx->objects, obj->id, TOMBSTONE);
	else
		sio_idtable_free(&ctx->objects, obj->id);
	if (ctx->vfio_ioas && &ctx->vfio_ioas->obj == obj)
		ctx->vfio_ioas = NULL;
	obj->shortterm--;
	return 0;
}

static void wait_shortterm_locked(struct sio_ctx *ctx, struct sio_object *obj)
{
	while (obj->shortterm)
		pthread_cond_wait(&ctx->shortterm_done, &ctx->lock);
}

int sio_object_destroy_user(struct sio_ctx *ctx, uint32_t id)
{
	struct sio_object *obj;
	int rc;

	obj_lock(ctx);
	obj = sio_idtable_get(&ctx->objects, id);
	if (!obj || obj == TOMBSTONE) {
		obj_unlock(ctx);
		return -ENOENT;
	}
	rc = unpublish_locked(ctx, obj, false);
	if (rc) {
		obj_unlock(ctx);
		return rc;
	}
	wait_shortterm_locked(ctx, obj);
	obj_unlock(ctx);
	obj->ops->destroy(obj);
	return 0;
}

int sio_object_remove_internal(struct sio_object *obj)
{
	struct sio_ctx *ctx = obj->ctx;
	int rc;

	obj_lock(ctx);
	rc = unpublish_locked(ctx, obj, false);
	if (!rc)
		wait_shortterm_locked(ctx, obj);
	obj_unlock(ctx);
	if (!rc)
		obj->ops->destroy(obj);
	return rc;
}

int sio_object_destroy_tombstone(struct sio_object *obj)
{
	struct sio_ctx *ctx = obj->ctx;
	int rc = 0;

	obj_lock(ctx);
	/* Only a published object: a reserved slot belongs to its allocator. */
	if (sio_idtable_get(&ctx->objects, obj->id) != obj)
		rc = -ENOENT;
	else
		rc = unpublish_locked(ctx, obj, true);
	/* The caller's reference; the table's went with a successful unpublish. */
	if (--obj->shortterm == 0 && rc)
		pthread_cond_broadcast(&ctx->shortterm_done);
	if (!rc)
		wait_shortterm_locked(ctx, obj);
	obj_unlock(ctx);
	if (!rc)
		obj->ops->destroy(obj);
	return rc;
}

struct sio_ioas *sio_ctx_get_vfio_ioas(struct sio_ctx *ctx)
{
	struct sio_ioas *ioas;

	obj_lock(ctx);
	ioas = ctx->vfio_ioas;
	if (ioas && ioas->obj.shortterm)
		ioas->obj.shortterm++;
	else
		ioas = NULL;
	obj_unlock(ctx);
	return ioas;
}

int sio_ctx_set_vfio_ioas(struct sio_ctx *ctx, struct sio_ioas *ioas)
{
	int rc = 0;

	obj_lock(ctx);
	/*
	 * A concurrent IOMMU_DESTROY may already have unpublished @ioas (its
	 * short-term reference keeps it allocated, not published); never
	 * point at an object destroy has passed.
	 */
	if (ioas && sio_idtable_get(&ctx->objects, ioas->obj.id) != &ioas->obj)
		rc = -ENOENT;
	else
		ctx->vfio_ioas = ioas;
	obj_unlock(ctx);
	return rc;
}

/*
 * Release of the fd: destroy objects whose only user is the table, over and
 * over, until nothing is left. Dependants go first because they hold user
 * references on what they depend on.
 */
void sio_ctx_destroy(struct sio_ctx *ctx)
{
	bool progress = true;

	while (progress) {
		uint32_t pos = 1;

		progress = false;
		obj_lock(ctx);
		while (sio_idtable_next(&ctx->objects, &pos)) {
			struct sio_object *obj = sio_idtable_get(&ctx->objects, pos);

			if (obj == TOMBSTONE) {
				sio_idtable_free(&ctx->objects, pos);
				progress = true;
			} else if (obj && !unpublish_locked(ctx, obj, false)) {
				wait_shortterm_locked(ctx, obj);
				obj_unlock(ctx);
				obj->ops->destroy(obj);
				obj_lock(ctx);
				progress = true;
			}
			pos++;
		}
		obj_unlock(ctx);
	}
	if (ctx->objects.count)
		sio_err("context released with %zu objects still referenced", ctx->objects.count);
	sio_idtable_fini(&ctx->objects);
	pthread_cond_destroy(&ctx->shortterm_done);
	pthread_mutex_destroy(&ctx->lock);
	free(ctx);
}

void sio_ctx_get(struct sio_ctx *ctx)
{
	__atomic_add_fetch(&ctx->refs, 1, __ATOMIC_RELAXED);
}

void sio_ctx_put(struct sio_ctx *ctx)
{
	if (!__atomic_sub_fetch(&ctx->refs, 1, __ATOMIC_ACQ_REL))
		sio_ctx_destroy(ctx);
}
