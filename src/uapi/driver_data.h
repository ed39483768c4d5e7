/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The ABI side of the IOMMU drivers: driver-specific payloads (HWPT_ALLOC
 * data, GET_HW_INFO data) and Linux's rules for copying them (spec
 * iommufd-abi §2.4).
 */
#ifndef SIO_UAPI_DRIVER_DATA_H
#define SIO_UAPI_DRIVER_DATA_H

#include <stdbool.h>
#include <stdint.h>

#include "core/device.h"
#include "core/driver.h"

/*
 * iommu_copy_struct_from_user(): @data_type must be @want_type (-EINVAL),
 * @len at least @min_len and at most @ksize (-EINVAL), then @len bytes are
 * copied and the rest of @dst zeroed (-EFAULT for a bad pointer).
 */
int sio_copy_driver_data(void *dst, uint32_t ksize, uint32_t min_len, uint32_t want_type,
			 uint32_t data_type, uint64_t uptr, uint32_t len);

/* Whether paging domains of @type accept driver data at HWPT_ALLOC. */
bool sio_driver_takes_paging_data(enum sio_iommu_type type);
/* Parse paging-domain data into @req. Errors as the Linux driver returns them. */
int sio_driver_paging_data(enum sio_iommu_type type, uint32_t data_type, uint64_t uptr,
			   uint32_t len, struct sio_domain_request *req);

struct sio_hw_info {
	uint32_t type;			/* enum iommu_hw_info_type */
	uint32_t len;
	uint64_t capabilities;		/* enum iommufd_hw_capabilities */
	uint8_t data[64];
};

/* The GET_HW_INFO answer for @dev and the requested @type (-EOPNOTSUPP). */
int sio_driver_hw_info(struct sio_device *dev, uint32_t type, struct sio_hw_info *info);

#endif /* SIO_UAPI_DRIVER_DATA_H */
