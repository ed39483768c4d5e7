/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Per-thread event counters of IOMMU instances.
 *
 * Each thread owns a block of counter lines, one 128-byte line per IOMMU
 * instance index, allocated in chunks of SIO_STAT_CHUNK indexes on first use.
 * Only the owning thread writes its lines, with relaxed load + store (no
 * read-modify-write, no shared cache line on the hit path); readers sum every
 * thread's line with relaxed loads under the registry lock. A thread's counts
 * are folded into a global per-index array when it exits, and counts that
 * cannot get a line (allocation failure) go there directly with atomic adds,
 * so sums stay exact.
 *
 * Instance indexes are recycled; an instance records the sum at its index
 * when it is created (and on reset) and reports the difference.
 */
#ifndef SIO_IOMMU_STATS_H
#define SIO_IOMMU_STATS_H

#include <stdint.h>

#include "base/compiler.h"
#include "iommu/iommu.h"

enum sio_stat_id {
	SIO_STAT_HIT,
	SIO_STAT_MISS,
	SIO_STAT_WALK,
	SIO_STAT_LOAD,
	SIO_STAT_FAULT,
	SIO_STAT_INVAL,
	SIO_STAT_INSERT,
	SIO_STAT_EVICT,
	SIO_STAT_FULL_FLUSH,
	SIO_STAT_CFG_HIT,
	SIO_STAT_CFG_MISS,
	SIO_STAT_PAGE_REQ,
	SIO_STAT_PAGE_RESP,
	SIO_STAT_PRQ_OVERFLOW,
	SIO_STAT_NR,
};

#define SIO_STAT_PER_LINE	16
#define SIO_STAT_CHUNK_SHIFT	4
#define SIO_STAT_CHUNK		(1u << SIO_STAT_CHUNK_SHIFT)
#define SIO_STAT_NCHUNKS	(SIO_IOMMU_MAX / SIO_STAT_CHUNK)

_Static_assert(SIO_STAT_NR <= SIO_STAT_PER_LINE, "counter line too small");

struct sio_stat_line {
	uint64_t c[SIO_STAT_PER_LINE];
} __attribute__((aligned(64)));

struct sio_stat_chunk {
	struct sio_stat_line line[SIO_STAT_CHUNK];
};

struct sio_stat_thread {
	/* Written (release) only by the owner; read by sums under the registry lock. */
	struct sio_stat_chunk *chunk[SIO_STAT_NCHUNKS];
	struct sio_stat_thread *next, *prev;	/* registry list, under its lock */
};

extern __thread struct sio_stat_thread *sio_stat_self
	__attribute__((visibility("hidden"), tls_model("initial-exec")));

/* The line of the instance this thread counted for last (key = index + 1; 0: none). */
struct sio_stat_cache {
	unsigned int key;
	uint64_t *line;
};

extern __thread struct sio_stat_cache sio_stat_cache
	__attribute__((visibility("hidden"), tls_model("initial-exec")));

void sio_stat_add_slow(unsigned int idx, enum sio_stat_id id, uint64_t n);

/*
 * Add to a counter of the calling thread's own line. Single writer, read
 * concurrently by sums with atomic loads: a relaxed load + store is enough.
 */
static inline void sio_stat_line_add(uint64_t *p, uint64_t n)
{
	__atomic_store_n(p, __atomic_load_n(p, __ATOMIC_RELAXED) + n, __ATOMIC_RELAXED);
}

/* Count @n events for the instance of index @key - 1. */
static inline void sio_stat_add_key(unsigned int key, enum sio_stat_id id, uint64_t n)
{
	uint64_t *p;

	if (unlikely(sio_stat_cache.key != key)) {
		sio_stat_add_slow(key - 1, id, n);
		return;
	}
	p = &sio_stat_cache.line[id];
	sio_stat_line_add(p, n);
}

static inline void sio_stat_add(unsigned int idx, enum sio_stat_id id, uint64_t n)
{
	sio_stat_add_key(idx + 1, id, n);
}

static inline void sio_stat_inc(unsigned int idx, enum sio_stat_id id)
{
	sio_stat_add(idx, id, 1);
}

/* Allocate / release an instance index: 0 or -ENOSPC. */
int sio_stat_idx_alloc(unsigned int *idx);
void sio_stat_idx_free(unsigned int idx);
/* Current totals of @idx over every thread, live and exited. */
void sio_stat_sum(unsigned int idx, uint64_t out[SIO_STAT_NR]);

#endif /* SIO_IOMMU_STATS_H */
