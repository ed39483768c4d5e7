/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IOMMU drivers: what each IOMMU type offers a paging domain (table format,
 * page sizes, aperture) and a device (reserved regions), the part of a
 * Linux IOMMU driver the core needs. ABI payloads (hw_info, driver data
 * structs) stay in the uapi layer.
 */
#ifndef SIO_CORE_DRIVER_H
#define SIO_CORE_DRIVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "iommu/iommu.h"

/* Paging domain flavours of the selftest mock (iommu_hwpt_selftest.pagetable_type). */
enum sio_mock_pt {
	SIO_MOCK_PT_DEFAULT = 0,
	SIO_MOCK_PT_HUGE = 1,
};

/* The mock's aperture and page sizes (iommufd_test.h). */
#define SIO_MOCK_APERTURE_START (1ull << 24)
#define SIO_MOCK_APERTURE_LAST ((1ull << 31) - 1)
#define SIO_MOCK_PAGE_SIZE 2048ull
#define SIO_MOCK_HUGE_PAGE_SIZE (512 * SIO_MOCK_PAGE_SIZE)

struct sio_domain_request {
	bool dirty_tracking;
	bool nest_parent;
	enum sio_mock_pt mock_pt;	/* SIO_IOMMU_MOCK only */
};

/*
 * Fill @cfg for a paging domain of @type. Return: 0, -EOPNOTSUPP (the type
 * cannot honour the request).
 */
int sio_driver_paging_cfg(enum sio_iommu_type type, const struct sio_domain_request *req,
			  struct sio_domain_paging_cfg *cfg);

/*
 * Whether the driver accepts installing a domain at @pasid, @replacing one
 * already there: 0 or its error. The selftest mock fails the second
 * installation at IOMMU_TEST_PASID_RESERVED (1024) with -ENOMEM so that
 * rollback can be tested.
 */
int sio_driver_pasid_install_check(enum sio_iommu_type type, uint32_t pasid, bool replacing);

/* Reserved IOVA regions of a device behind @type: ranges [start, last]. */
struct sio_resv_region {
	uint64_t start;
	uint64_t last;
};
size_t sio_driver_resv_regions(enum sio_iommu_type type, const struct sio_resv_region **out);

#endif /* SIO_CORE_DRIVER_H */
