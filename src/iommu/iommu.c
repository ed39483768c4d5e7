/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IOMMU instances: creation, the domain-ID allocator, counters and the
 * invalidation entry points.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "iommu/iommu_priv.h"
#include "iommu/rcu.h"

#ifdef SIO_RCU_TSAN
char sio_rcu_tsan_token;
#endif

#define SIO_DEFAULT_NUM_DIDS	65535u
#define DID_LEAF		256u

/*
 * urcu-bp keeps a registry of reader threads; a child forked while another
 * thread was inside a read-side section would otherwise wait for it forever.
 */
__attribute__((constructor)) static void iommu_rcu_init(void)
{
	pthread_atfork(urcu_bp_before_fork, urcu_bp_after_fork_parent,
		       urcu_bp_after_fork_child);
}

int sio_iommu_create(const struct sio_iommu_cfg *cfg, struct sio_iommu **out)
{
	struct sio_iommu *iommu;
	unsigned int num_dids;
	int ret;

	switch (cfg->type) {
	case SIO_IOMMU_VTD:
	case SIO_IOMMU_SMMUV3:
	case SIO_IOMMU_MOCK:
		break;
	default:
		return -EINVAL;
	}
	num_dids = cfg->num_dids ? cfg->num_dids : SIO_DEFAULT_NUM_DIDS;
	if (num_dids > SIO_DEFAULT_NUM_DIDS)
		return -EINVAL;

	iommu = aligned_alloc(64, SIO_ALIGN_UP(sizeof(*iommu), 64));
	if (!iommu)
		return -ENOMEM;
	memset(iommu, 0, sizeof(*iommu));
	iommu->type = cfg->type;
	iommu->num_dids = num_dids;
	iommu->did_map = calloc(num_dids / 64 + 1, sizeof(uint64_t));
	if (!iommu->did_map) {
		ret = -ENOMEM;
		goto err_free;
	}
	iommu->did_map[0] = 1;		/* DID 0 is never handed out */
	iommu->did_serial = calloc(num_dids / DID_LEAF + 1, sizeof(*iommu->did_serial));
	if (!iommu->did_serial) {
		ret = -ENOMEM;
		goto err_did_map;
	}
	iommu->did_s1_serial = calloc(num_dids / DID_LEAF + 1, sizeof(*iommu->did_s1_serial));
	if (!iommu->did_s1_serial) {
		ret = -ENOMEM;
		goto err_did_serial;
	}
	iommu->next_serial = 1;
	ret = sio_stat_idx_alloc(&iommu->stat_idx);
	if (ret)
		goto err_did_serial;
	ret = sio_iotlb_init(&iommu->iotlb, cfg->iotlb_capacity, cfg->iotlb_policy,
			     iommu->stat_idx);
	if (ret)
		goto err_stat_idx;
	pthread_mutex_init(&iommu->lock, NULL);
	pthread_mutex_init(&iommu->dev_lock, NULL);
	pthread_mutex_init(&iommu->prq_lock, NULL);
	iommu->prq_depth = SIO_PRQ_DEFAULT_DEPTH;
	/* The index may have been used before: count from its current sums. */
	sio_stat_sum(iommu->stat_idx, iommu->stat_base);
	*out = iommu;
	return 0;

err_stat_idx:
	sio_stat_idx_free(iommu->stat_idx);
err_did_serial:
	free(iommu->did_s1_serial);
	free(iommu->did_serial);
err_did_map:
	free(iommu->did_map);
err_free:
	free(iommu);
	return ret;
}

void sio_iommu_destroy(struct sio_iommu *iommu)
{
	unsigned int i;

	if (!iommu)
		return;
	if (iommu->ndomains || iommu->ndevs)
		sio_err("iommu: destroyed with %u domains and %u devices alive",
			iommu->ndomains, iommu->ndevs);
	sio_iotlb_fini(&iommu->iotlb);
	sio_stat_idx_free(iommu->stat_idx);
	pthread_mutex_destroy(&iommu->lock);
	pthread_mutex_destroy(&iommu->dev_lock);
	pthread_mutex_destroy(&iommu->prq_lock);
	for (i = 0; i <= iommu->num_dids / DID_LEAF; i++) {
		free(iommu->did_serial[i]);
		free(iommu->did_s1_serial[i]);
	}
	free(iommu->did_s1_serial);
	free(iommu->did_serial);
	free(iommu->did_map);
	free(iommu);
}

enum sio_iommu_type sio_iommu_type(const struct sio_iommu *iommu)
{
	return iommu->type;
}

unsigned int sio_iommu_iotlb_capacity(const struct sio_iommu *iommu)
{
	return iommu->iotlb.capacity;
}

/*
 * The lowest free DID (deterministic, so tests can predict DIDs) and a new
 * serial. Publishes DID -> serial for invalidations by DID.
 */
int sio_iommu_did_alloc(struct sio_iommu *iommu, uint32_t *did, uint64_t *serial)
{
	unsigned int w, nwords = iommu->num_dids / 64 + 1;
	int ret = -ENOSPC;

	pthread_mutex_lock(&iommu->lock);
	if (iommu->next_serial > SIO_IOTLB_SERIAL_MAX)
		goto out;
	for (w = 0; w < nwords; w++) {
		uint64_t **leafp, **s1p;
		unsigned int b, n;

		if (iommu->did_map[w] == UINT64_MAX)
			continue;
		b = sio_ffs64(~iommu->did_map[w]);
		n = w * 64 + b;
		if (n > iommu->num_dids)
			break;
		leafp = &iommu->did_serial[n / DID_LEAF];
		s1p = &iommu->did_s1_serial[n / DID_LEAF];
		if (!*s1p) {
			uint64_t *leaf = calloc(DID_LEAF, sizeof(*leaf));

			if (!leaf) {
				ret = -ENOMEM;
				break;
			}
			__atomic_store_n(s1p, leaf, __ATOMIC_RELEASE);
		}
		if (!*leafp) {
			uint64_t *leaf = calloc(DID_LEAF, sizeof(*leaf));

			if (!leaf) {
				ret = -ENOMEM;
				break;
			}
			__atomic_store_n(leafp, leaf, __ATOMIC_RELEASE);
		}
		iommu->did_map[w] |= 1ULL << b;
		*did = n;
		*serial = iommu->next_serial++;
		__atomic_store_n(&(*leafp)[n % DID_LEAF], *serial, __ATOMIC_RELAXED);
		ret = 0;
		break;
	}
out:
	pthread_mutex_unlock(&iommu->lock);
	return ret;
}

void sio_iommu_did_free(struct sio_iommu *iommu, uint32_t did)
{
	pthread_mutex_lock(&iommu->lock);
	__atomic_store_n(&iommu->did_serial[did / DID_LEAF][did % DID_LEAF], 0, __ATOMIC_RELAXED);
	__atomic_store_n(&iommu->did_s1_serial[did / DID_LEAF][did % DID_LEAF], 0,
			 __ATOMIC_RELAXED);
	iommu->did_map[did / 64] &= ~(1ULL << (did % 64));
	pthread_mutex_unlock(&iommu->lock);
}

int sio_iommu_serial_alloc(struct sio_iommu *iommu, uint64_t *serial)
{
	int ret = -ENOSPC;

	pthread_mutex_lock(&iommu->lock);
	if (iommu->next_serial <= SIO_IOTLB_SERIAL_MAX) {
		*serial = iommu->next_serial++;
		ret = 0;
	}
	pthread_mutex_unlock(&iommu->lock);
	return ret;
}

void sio_iommu_did_set_s1(struct sio_iommu *iommu, uint32_t did, uint64_t s1_serial)
{
	pthread_mutex_lock(&iommu->lock);
	__atomic_store_n(&iommu->did_s1_serial[did / DID_LEAF][did % DID_LEAF], s1_serial,
			 __ATOMIC_RELAXED);
	pthread_mutex_unlock(&iommu->lock);
}

static uint64_t did_lookup(struct sio_iommu *iommu, uint64_t **table, uint32_t did)
{
	uint64_t *leaf;

	if (did > iommu->num_dids)
		return 0;
	leaf = __atomic_load_n(&table[did / DID_LEAF], __ATOMIC_ACQUIRE);
	return leaf ? __atomic_load_n(&leaf[did % DID_LEAF], __ATOMIC_RELAXED) : 0;
}

/* Serial of the domain holding @did, 0 if none (nothing of it can be cached). */
uint64_t sio_iommu_did_serial(struct sio_iommu *iommu, uint32_t did)
{
	return did_lookup(iommu, iommu->did_serial, did);
}

uint64_t sio_iommu_did_s1_serial(struct sio_iommu *iommu, uint32_t did)
{
	return did_lookup(iommu, iommu->did_s1_serial, did);
}

void sio_iommu_count_object(struct sio_iommu *iommu, bool domain, int delta)
{
	pthread_mutex_lock(&iommu->lock);
	if (domain)
		iommu->ndomains += (unsigned int)delta;
	else
		iommu->ndevs += (unsigned int)delta;
	pthread_mutex_unlock(&iommu->lock);
}

void sio_iommu_get_stats(struct sio_iommu *iommu, struct sio_iommu_stats *st)
{
	uint64_t sum[SIO_STAT_NR], base[SIO_STAT_NR];

	pthread_mutex_lock(&iommu->lock);
	sio_stat_sum(iommu->stat_idx, sum);
	memcpy(base, iommu->stat_base, sizeof(base));
	pthread_mutex_unlock(&iommu->lock);

	st->iotlb_hits = sum[SIO_STAT_HIT] - base[SIO_STAT_HIT];
	st->iotlb_misses = sum[SIO_STAT_MISS] - base[SIO_STAT_MISS];
	st->walks = sum[SIO_STAT_WALK] - base[SIO_STAT_WALK];
	st->pte_loads = sum[SIO_STAT_LOAD] - base[SIO_STAT_LOAD];
	st->faults = sum[SIO_STAT_FAULT] - base[SIO_STAT_FAULT];
	st->invalidations = sum[SIO_STAT_INVAL] - base[SIO_STAT_INVAL];
	st->iotlb_inserts = sum[SIO_STAT_INSERT] - base[SIO_STAT_INSERT];
	st->iotlb_evictions = sum[SIO_STAT_EVICT] - base[SIO_STAT_EVICT];
	st->iotlb_full_flushes = sum[SIO_STAT_FULL_FLUSH] - base[SIO_STAT_FULL_FLUSH];
	st->cfg_hits = sum[SIO_STAT_CFG_HIT] - base[SIO_STAT_CFG_HIT];
	st->cfg_misses = sum[SIO_STAT_CFG_MISS] - base[SIO_STAT_CFG_MISS];
	st->page_requests = sum[SIO_STAT_PAGE_REQ] - base[SIO_STAT_PAGE_REQ];
	st->page_responses = sum[SIO_STAT_PAGE_RESP] - base[SIO_STAT_PAGE_RESP];
	st->prq_overflows = sum[SIO_STAT_PRQ_OVERFLOW] - base[SIO_STAT_PRQ_OVERFLOW];
}

void sio_iommu_reset_stats(struct sio_iommu *iommu)
{
	pthread_mutex_lock(&iommu->lock);
	sio_stat_sum(iommu->stat_idx, iommu->stat_base);
	pthread_mutex_unlock(&iommu->lock);
}

void sio_iommu_inv_serial_range(struct sio_iommu *iommu, uint64_t serial, uint64_t iova,
				uint64_t size)
{
	uint64_t last;

	if (!size)
		return;
	if (check_add_overflow(iova, size - 1, &last))
		last = UINT64_MAX;
	sio_stat_inc(iommu->stat_idx, SIO_STAT_INVAL);
	if (serial)
		sio_iotlb_inv_range(&iommu->iotlb, serial, iova, last);
}

void sio_iommu_inv_serial(struct sio_iommu *iommu, uint64_t serial)
{
	sio_stat_inc(iommu->stat_idx, SIO_STAT_INVAL);
	if (serial)
		sio_iotlb_inv_domain(&iommu->iotlb, serial);
}

void sio_iommu_invalidate(struct sio_iommu *iommu, uint32_t did, uint64_t iova, uint64_t size)
{
	sio_iommu_inv_serial_range(iommu, sio_iommu_did_serial(iommu, did), iova, size);
}

void sio_iommu_invalidate_did(struct sio_iommu *iommu, uint32_t did)
{
	sio_iommu_inv_serial(iommu, sio_iommu_did_serial(iommu, did));
}

void sio_iommu_invalidate_all(struct sio_iommu *iommu)
{
	sio_stat_inc(iommu->stat_idx, SIO_STAT_INVAL);
	sio_iotlb_inv_all(&iommu->iotlb);
}

unsigned int sio_iommu_iotlb_count(struct sio_iommu *iommu)
{
	return sio_iotlb_count(&iommu->iotlb);
}
