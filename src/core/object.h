/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * iommufd objects: every object of a context shares one ID space and one
 * lifetime discipline, as in Linux.
 *
 * Lifetime (all counts atomic):
 *  - users: long-term references. The context's table holds one while the
 *    object is visible; other objects that depend on it hold one each (an
 *    HWPT on its IOAS, ...). IOMMU_DESTROY succeeds only by dropping users
 *    from exactly 1 to 0, else EBUSY.
 *  - shortterm: lookups in flight, plus one held by the table. Destroy waits
 *    for in-flight lookups to finish after unpublishing the object.
 *
 * An object is allocated with its ID reserved but invisible (lookups give
 * ENOENT), then finalized (visible) or aborted (ID released, object freed).
 */
#ifndef SIO_CORE_OBJECT_H
#define SIO_CORE_OBJECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sio_ctx;

enum sio_obj_type {
	SIO_OBJ_NONE,
	SIO_OBJ_ANY,
	SIO_OBJ_DEVICE,
	SIO_OBJ_HWPT_PAGING,
	SIO_OBJ_HWPT_NESTED,
	SIO_OBJ_IOAS,
	SIO_OBJ_ACCESS,
	SIO_OBJ_FAULT,
	SIO_OBJ_VIOMMU,
	SIO_OBJ_VDEVICE,
	SIO_OBJ_VEVENTQ,
	SIO_OBJ_HW_QUEUE,
	SIO_OBJ_SELFTEST,
	SIO_OBJ_MAX,
};

struct sio_object;

struct sio_object_ops {
	/* Free everything the object owns and the object itself. No locks held. */
	void (*destroy)(struct sio_object *obj);
	/*
	 * Undo an object that was never finalized. NULL means destroy() is
	 * also correct for a partially built object.
	 */
	void (*abort)(struct sio_object *obj);
};

struct sio_object {
	enum sio_obj_type type;
	uint32_t id;
	int users;
	int shortterm;
	struct sio_ctx *ctx;
	const struct sio_object_ops *ops;
};

/*
 * Allocate a zeroed object of @size bytes (a struct that begins with
 * struct sio_object) and reserve its ID. Return: 0 and *out, or -ENOMEM /
 * -ENOSPC.
 */
int sio_object_alloc(struct sio_ctx *ctx, size_t size, enum sio_obj_type type,
		     const struct sio_object_ops *ops, struct sio_object **out);

/* Make an allocated object visible to lookups. */
void sio_object_finalize(struct sio_object *obj);

/* Release the reserved ID of a never-finalized object and free it. */
void sio_object_abort(struct sio_object *obj);

/*
 * Look up a visible object of @type (SIO_OBJ_ANY matches every type) and take
 * a short-term reference. Return: the object, or NULL (ENOENT semantics: no
 * such ID, reserved, tombstoned, being destroyed, or another type).
 */
struct sio_object *sio_object_get(struct sio_ctx *ctx, uint32_t id, enum sio_obj_type type);

/*
 * Take another short-term reference on @obj, which the caller knows is still
 * allocated (something it holds keeps the object from being freed). Return:
 * false once a destroy has dropped the last short-term reference (the object
 * is being destroyed; do not use it after the caller's guarantee ends).
 * Drop it with sio_object_put().
 */
bool sio_object_get_ref(struct sio_object *obj);

/* Drop a short-term reference taken by sio_object_get(). */
void sio_object_put(struct sio_object *obj);

/* Long-term references (see above). */
void sio_object_users_get(struct sio_object *obj);
void sio_object_users_put(struct sio_object *obj);
/* A users reference unless a destroy has already taken the last one: false then. */
bool sio_object_users_get_unless_zero(struct sio_object *obj);

/*
 * IOMMU_DESTROY: unpublish and destroy object @id. Return: 0, -ENOENT
 * (missing, reserved or tombstoned), -EBUSY (other users).
 */
int sio_object_destroy_user(struct sio_ctx *ctx, uint32_t id);

/*
 * Destroy an object the kernel would remove on its own (an auto domain whose
 * last device left). The caller must hold the only remaining user reference
 * besides the table's. Return: 0 or -EBUSY.
 */
int sio_object_remove_internal(struct sio_object *obj);

/*
 * Destroy @obj on the kernel's initiative and leave its ID as a tombstone
 * (IOMMU_DESTROY gives ENOENT, the ID is not reused until the context
 * closes). The caller holds a short-term reference (sio_object_get_ref()),
 * which this consumes. Return: 0; -ENOENT (not finalized yet, or a destroy
 * has already unpublished it) or -EBUSY (other users): nothing was done.
 */
int sio_object_destroy_tombstone(struct sio_object *obj);

#endif /* SIO_CORE_OBJECT_H */
