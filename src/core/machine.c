/* SPDX-License-Identifier: BSD-3-Clause */
#include <pthread.h>

#include "core/machine.h"

static pthread_mutex_t machine_lock = PTHREAD_MUTEX_INITIALIZER;
static struct sio_iommu *iommus[SIO_IOMMU_MOCK + 1];

struct sio_iommu *sio_machine_iommu(enum sio_iommu_type type)
{
	struct sio_iommu *iommu;

	if ((unsigned int)type > SIO_IOMMU_MOCK)
		return NULL;
	iommu = __atomic_load_n(&iommus[type], __ATOMIC_ACQUIRE);
	if (iommu)
		return iommu;
	pthread_mutex_lock(&machine_lock);
	iommu = iommus[type];
	if (!iommu) {
		struct sio_iommu_cfg cfg = { .type = type };

		if (!sio_iommu_create(&cfg, &iommu))
			__atomic_store_n(&iommus[type], iommu, __ATOMIC_RELEASE);
		else
			iommu = NULL;
	}
	pthread_mutex_unlock(&machine_lock);
	return iommu;
}
