/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Per-thread counters (see stats.h for the scheme).
 *
 * Locking: stat_lock protects the registry list, the index bitmap and the
 * thread-exit fold. Counter lines are written only by their owning thread
 * (relaxed stores) and read by sums (relaxed loads); the global array is
 * updated with atomic adds.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "iommu/stats.h"

__thread struct sio_stat_thread *sio_stat_self
	__attribute__((visibility("hidden"), tls_model("initial-exec")));
__thread struct sio_stat_cache sio_stat_cache
	__attribute__((visibility("hidden"), tls_model("initial-exec")));

static pthread_mutex_t stat_lock = PTHREAD_MUTEX_INITIALIZER;

/* Live threads' blocks. */
static struct sio_stat_thread stat_threads = { .next = &stat_threads, .prev = &stat_threads };
/* Counts of exited threads and counts that found no line: atomic adds. */
static uint64_t stat_global[SIO_IOMMU_MAX][SIO_STAT_NR];
static uint64_t stat_idx_used[SIO_IOMMU_MAX / 64];

static pthread_key_t stat_key;
static int stat_key_ok;

static void stat_prepare(void)
{
	pthread_mutex_lock(&stat_lock);
}

static void stat_parent(void)
{
	pthread_mutex_unlock(&stat_lock);
}

/*
 * A forked child is single-threaded, and its only thread is the one that
 * took the lock in stat_prepare() (a default mutex has no owner check), so
 * it releases it as the parent does. Releasing it, rather than switching to
 * a new lock, also tells thread sanitizers that the child does not hold it.
 * The blocks of the parent's other threads stay on the list: their counts
 * remain part of the sums.
 */
static void stat_child(void)
{
	pthread_mutex_unlock(&stat_lock);
}

/* Thread exit: fold the block into stat_global and free it. */
static void stat_thread_exit(void *arg)
{
	struct sio_stat_thread *t = arg;
	unsigned int ch, i, s;

	pthread_mutex_lock(&stat_lock);
	t->prev->next = t->next;
	t->next->prev = t->prev;
	for (ch = 0; ch < SIO_STAT_NCHUNKS; ch++) {
		struct sio_stat_chunk *c = t->chunk[ch];

		if (!c)
			continue;
		for (i = 0; i < SIO_STAT_CHUNK; i++)
			for (s = 0; s < SIO_STAT_NR; s++)
				__atomic_fetch_add(&stat_global[ch * SIO_STAT_CHUNK + i][s],
						   c->line[i].c[s], __ATOMIC_RELAXED);
		free(c);
	}
	pthread_mutex_unlock(&stat_lock);
	if (sio_stat_self == t) {
		sio_stat_self = NULL;
		sio_stat_cache.key = 0;
	}
	free(t);
}

__attribute__((constructor)) static void stat_init(void)
{
	stat_key_ok = !pthread_key_create(&stat_key, stat_thread_exit);
	pthread_atfork(stat_prepare, stat_parent, stat_child);
}

static struct sio_stat_thread *stat_thread_register(void)
{
	struct sio_stat_thread *t;

	if (!stat_key_ok)
		return NULL;
	t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	if (pthread_setspecific(stat_key, t)) {
		free(t);
		return NULL;
	}
	pthread_mutex_lock(&stat_lock);
	t->next = &stat_threads;
	t->prev = stat_threads.prev;
	stat_threads.prev->next = t;
	stat_threads.prev = t;
	pthread_mutex_unlock(&stat_lock);
	sio_stat_self = t;
	return t;
}

void sio_stat_add_slow(unsigned int idx, enum sio_stat_id id, uint64_t n)
{
	struct sio_stat_thread *t = sio_stat_self;
	struct sio_stat_chunk *c = NULL;
	uint64_t *p;

	if (!t)
		t = stat_thread_register();
	if (t) {
		c = t->chunk[idx >> SIO_STAT_CHUNK_SHIFT];
		if (!c) {
			c = aligned_alloc(64, sizeof(*c));
			if (c) {
				memset(c, 0, sizeof(*c));
				/* Zeroed before sums can see it. */
				__atomic_store_n(&t->chunk[idx >> SIO_STAT_CHUNK_SHIFT], c,
						 __ATOMIC_RELEASE);
			}
		}
	}
	if (!c) {
		__atomic_fetch_add(&stat_global[idx][id], n, __ATOMIC_RELAXED);
		return;
	}
	sio_stat_cache.key = idx + 1;
	sio_stat_cache.line = c->line[idx & (SIO_STAT_CHUNK - 1)].c;
	p = &sio_stat_cache.line[id];
	sio_stat_line_add(p, n);
}

int sio_stat_idx_alloc(unsigned int *idx)
{
	unsigned int w;
	int ret = -ENOSPC;

	pthread_mutex_lock(&stat_lock);
	for (w = 0; w < ARRAY_SIZE(stat_idx_used); w++) {
		if (stat_idx_used[w] != UINT64_MAX) {
			unsigned int b = sio_ffs64(~stat_idx_used[w]);

			stat_idx_used[w] |= 1ULL << b;
			*idx = w * 64 + b;
			ret = 0;
			break;
		}
	}
	pthread_mutex_unlock(&stat_lock);
	return ret;
}

void sio_stat_idx_free(unsigned int idx)
{
	pthread_mutex_lock(&stat_lock);
	stat_idx_used[idx / 64] &= ~(1ULL << (idx % 64));
	pthread_mutex_unlock(&stat_lock);
}

void sio_stat_sum(unsigned int idx, uint64_t out[SIO_STAT_NR])
{
	const struct sio_stat_thread *t;
	unsigned int s;

	pthread_mutex_lock(&stat_lock);
	for (s = 0; s < SIO_STAT_NR; s++)
		out[s] = __atomic_load_n(&stat_global[idx][s], __ATOMIC_RELAXED);
	for (t = stat_threads.next; t != &stat_threads; t = t->next) {
		const struct sio_stat_chunk *c;

		c = __atomic_load_n(&t->chunk[idx >> SIO_STAT_CHUNK_SHIFT], __ATOMIC_ACQUIRE);
		if (!c)
			continue;
		for (s = 0; s < SIO_STAT_NR; s++)
			out[s] += __atomic_load_n(&c->line[idx & (SIO_STAT_CHUNK - 1)].c[s],
						  __ATOMIC_RELAXED);
	}
	pthread_mutex_unlock(&stat_lock);
}
