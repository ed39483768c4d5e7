/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IOAS: an IO address space object, the user-visible owner of an IO page
 * table. Domains and accesses attach to it in later layers.
 */
#ifndef SIO_CORE_IOAS_H
#define SIO_CORE_IOAS_H

#include "core/ctx.h"
#include "core/iopt.h"
#include "core/object.h"

struct sio_hwpt;

struct sio_ioas {
	struct sio_object obj;
	struct sio_iopt iopt;
	/* Paging HWPTs mirroring this IOAS (each holds a user reference on it). */
	pthread_mutex_t hwpt_lock;
	struct sio_hwpt *hwpt_list;
};

/* Allocate an empty IOAS; not yet visible (finalize or abort it). */
int sio_ioas_alloc(struct sio_ctx *ctx, struct sio_ioas **out);

/* Look up an IOAS with a short-term reference; NULL means -ENOENT. */
struct sio_ioas *sio_ioas_get(struct sio_ctx *ctx, uint32_t id);

static inline void sio_ioas_put(struct sio_ioas *ioas)
{
	sio_object_put(&ioas->obj);
}

/*
 * The page sizes every domain of @ioas supports (the AND of their bitmaps;
 * all ones with no domain), for VFIO_IOMMU_GET_INFO.
 */
uint64_t sio_ioas_domains_pgsize_bitmap(struct sio_ioas *ioas);

/* Call @fn on every live IOAS of @ctx until it returns non-zero; returns that. */
int sio_ctx_for_each_ioas(struct sio_ctx *ctx, int (*fn)(struct sio_ioas *ioas, void *arg),
			  void *arg);

#endif /* SIO_CORE_IOAS_H */
