/* SPDX-License-Identifier: BSD-3-Clause */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <string.h>

#include "core/machine.h"

static inline int sio_min_int(int a, int b)
{
	return a < b ? a : b;
}

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

static const char *const type_names[] = {
	[SIO_IOMMU_VTD] = "vtd",
	[SIO_IOMMU_SMMUV3] = "smmuv3",
	[SIO_IOMMU_MOCK] = "mock",
};

/*
 * With SOFTIOMMU_STATS set, print every IOMMU's counters when the process
 * exits (what `softiommu stats` shows). A raw write: stdio may be gone.
 */
__attribute__((destructor)) static void machine_print_stats(void)
{
	const char *env = getenv("SOFTIOMMU_STATS");
	unsigned int i;

	if (!env || !*env || !strcmp(env, "0"))
		return;
	for (i = 0; i <= SIO_IOMMU_MOCK; i++) {
		struct sio_iommu *iommu = __atomic_load_n(&iommus[i], __ATOMIC_ACQUIRE);
		struct sio_iommu_stats st;
		char buf[768];
		int n;

		if (!iommu)
			continue;
		sio_iommu_get_stats(iommu, &st);
		n = snprintf(buf, sizeof(buf),
			     "softiommu: stats: iommu %s: iotlb_hits %llu iotlb_misses %llu walks %llu "
			     "pte_loads %llu faults %llu invalidations %llu iotlb_inserts %llu "
			     "iotlb_evictions %llu iotlb_full_flushes %llu cfg_hits %llu "
			     "cfg_misses %llu page_requests %llu page_responses %llu "
			     "prq_overflows %llu\n",
			     type_names[i], (unsigned long long)st.iotlb_hits,
			     (unsigned long long)st.iotlb_misses, (unsigned long long)st.walks,
			     (unsigned long long)st.pte_loads, (unsigned long long)st.faults,
			     (unsigned long long)st.invalidations,
			     (unsigned long long)st.iotlb_inserts,
			     (unsigned long long)st.iotlb_evictions,
			     (unsigned long long)st.iotlb_full_flushes,
			     (unsigned long long)st.cfg_hits, (unsigned long long)st.cfg_misses,
			     (unsigned long long)st.page_requests,
			     (unsigned long long)st.page_responses,
			     (unsigned long long)st.prq_overflows);
		if (n > 0 && write(2, buf, (size_t)sio_min_int(n, (int)sizeof(buf) - 1)) < 0)
			break;
	}
}
