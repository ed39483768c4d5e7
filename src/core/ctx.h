/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * An iommufd context: what one open() of /dev/iommu creates.
 *
 * Locking: @lock protects the object table, @vfio_ioas and @account_mode.
 * It is only ever held briefly and never while calling into other layers,
 * so it nests inside every other core lock.
 */
#ifndef SIO_CORE_CTX_H
#define SIO_CORE_CTX_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "base/idtable.h"
#include "core/account.h"
#include "core/object.h"

struct sio_ioas;

enum sio_ctx_flags {
	/* Opened through /dev/vfio/vfio: MM accounting by default. */
	SIO_CTX_VFIO_CONTAINER = 1 << 0,
	/* IOMMU_TEST_CMD is accepted (CONFIG_IOMMUFD_TEST). */
	SIO_CTX_SELFTEST = 1 << 1,
};

struct sio_ctx {
	int refs;		/* the /dev/iommu file, plus files that keep it alive */
	pthread_mutex_t lock;
	pthread_cond_t shortterm_done;
	struct sio_idtable objects;
	struct sio_ioas *vfio_ioas;	/* weak: cleared when that IOAS is destroyed */
	enum sio_account_mode account_mode;
	unsigned int flags;
};

struct sio_ctx *sio_ctx_create(unsigned int flags);

/*
 * Destroy every object (repeatedly, leaves first, as the kernel's release
 * does) and free the context. Every pin is released before this returns.
 * No other call on @ctx may be in flight.
 */
void sio_ctx_destroy(struct sio_ctx *ctx);

/*
 * References on the context: the /dev/iommu file holds the first; a file an
 * object hands out (a selftest access fd) holds another, so the context
 * outlives the close of /dev/iommu until that file is closed too. The last
 * put destroys it.
 */
void sio_ctx_get(struct sio_ctx *ctx);
void sio_ctx_put(struct sio_ctx *ctx);

/* The compat IOAS with a short-term reference, or NULL. */
struct sio_ioas *sio_ctx_get_vfio_ioas(struct sio_ctx *ctx);
/* Set (or with NULL clear) the compat IOAS: 0, or -ENOENT if @ioas is being destroyed. */
int sio_ctx_set_vfio_ioas(struct sio_ctx *ctx, struct sio_ioas *ioas);

#endif /* SIO_CORE_CTX_H */
