/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The page request queue's occupancy and sticky overflow (iommu.h).
 * Locking: iommu->prq_lock, a leaf lock (nothing is called under it);
 * prq_depth is also read without it (sio_iommu_prq_depth(): a hint).
 */
#include <errno.h>
#include <pthread.h>

#include "iommu/iommu_priv.h"

int sio_iommu_prq_reserve(struct sio_iommu *iommu, unsigned int n)
{
	int rc = 0;

	pthread_mutex_lock(&iommu->prq_lock);
	if (iommu->prq_overflow || iommu->prq_used > iommu->prq_depth ||
	    n > iommu->prq_depth - iommu->prq_used) {
		/* An empty queue is drained at once: no overflow stays pending. */
		iommu->prq_overflow = iommu->prq_used != 0;
		rc = -ENOSPC;
	} else {
		iommu->prq_used += n;
	}
	pthread_mutex_unlock(&iommu->prq_lock);
	sio_stat_add(iommu->stat_idx, rc ? SIO_STAT_PRQ_OVERFLOW : SIO_STAT_PAGE_REQ, n);
	return rc;
}

void sio_iommu_prq_release(struct sio_iommu *iommu, unsigned int n, bool answered)
{
	pthread_mutex_lock(&iommu->prq_lock);
	iommu->prq_used -= n;
	if (!iommu->prq_used)
		iommu->prq_overflow = false;
	pthread_mutex_unlock(&iommu->prq_lock);
	if (answered)
		sio_stat_inc(iommu->stat_idx, SIO_STAT_PAGE_RESP);
}

int sio_iommu_prq_set_depth(struct sio_iommu *iommu, unsigned int depth)
{
	if (!depth || depth > SIO_PRQ_MAX_DEPTH)
		return -EINVAL;
	pthread_mutex_lock(&iommu->prq_lock);
	__atomic_store_n(&iommu->prq_depth, depth, __ATOMIC_RELAXED);
	pthread_mutex_unlock(&iommu->prq_lock);
	return 0;
}

unsigned int sio_iommu_prq_depth(struct sio_iommu *iommu)
{
	return __atomic_load_n(&iommu->prq_depth, __ATOMIC_RELAXED);
}

bool sio_iommu_prq_overflow(struct sio_iommu *iommu)
{
	bool v;

	pthread_mutex_lock(&iommu->prq_lock);
	v = iommu->prq_overflow;
	pthread_mutex_unlock(&iommu->prq_lock);
	return v;
}
