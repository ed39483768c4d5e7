/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <string.h>

#include <softiommu/uapi/iommufd.h>
#include <softiommu/uapi/iommufd_test.h>

#include "base/compiler.h"
#include "base/uaccess.h"
#include "uapi/driver_data.h"

int sio_copy_driver_data(void *dst, uint32_t ksize, uint32_t min_len, uint32_t want_type,
			 uint32_t data_type, uint64_t uptr, uint32_t len)
{
	if (data_type != want_type)
		return -EINVAL;
	if (len < min_len || len > ksize)
		return -EINVAL;
	memset(dst, 0, ksize);
	return sio_copy_from_user(dst, uptr, len);
}

bool sio_driver_takes_paging_data(enum sio_iommu_type type)
{
	/* Linux's VT-d and SMMUv3 drivers refuse user data for paging domains. */
	return type == SIO_IOMMU_MOCK;
}

int sio_driver_paging_data(enum sio_iommu_type type, uint32_t data_type, uint64_t uptr,
			   uint32_t len, struct sio_domain_request *req)
{
	struct iommu_hwpt_selftest data;
	int rc;

	if (type != SIO_IOMMU_MOCK)
		return -EOPNOTSUPP;
	/* The mock checks the type itself: another type is EOPNOTSUPP. */
	if (data_type != IOMMU_HWPT_DATA_SELFTEST)
		return -EOPNOTSUPP;
	rc = sio_copy_driver_data(&data, sizeof(data), offsetofend(struct iommu_hwpt_selftest, iotlb),
				  IOMMU_HWPT_DATA_SELFTEST, data_type, uptr, len);
	if (rc)
		return rc;
	switch (data.pagetable_type) {
	case MOCK_IOMMUPT_DEFAULT:
		req->mock_pt = SIO_MOCK_PT_DEFAULT;
		return 0;
	case MOCK_IOMMUPT_HUGE:
		req->mock_pt = SIO_MOCK_PT_HUGE;
		return 0;
	default:
		/* MOCK_IOMMUPT_AMDV1 (a real AMDv1 table) is not modelled. */
		return -EOPNOTSUPP;
	}
}

static int mock_hw_info(struct sio_device *dev, uint32_t type, struct sio_hw_info *info)
{
	struct iommu_test_hw_info data = { .flags = 0, .test_reg = IOMMU_HW_INFO_SELFTEST_REGVAL };

	if (type != IOMMU_HW_INFO_TYPE_DEFAULT && type != IOMMU_HW_INFO_TYPE_SELFTEST)
		return -EOPNOTSUPP;
	info->type = IOMMU_HW_INFO_TYPE_SELFTEST;
	info->len = sizeof(data);
	memcpy(info->data, &data, sizeof(data));
	/* The mock has no usable ATS; it dirty-tracks unless the device says no. */
	info->capabilities = IOMMU_HW_CAP_PCI_ATS_NOT_SUPPORTED |
			     (dev->dirty_cap ? IOMMU_HW_CAP_DIRTY_TRACKING : 0);
	return 0;
}

int sio_driver_hw_info(struct sio_device *dev, uint32_t type, struct sio_hw_info *info)
{
	memset(info, 0, sizeof(*info));
	switch (dev->type) {
	case SIO_IOMMU_MOCK:
		return mock_hw_info(dev, type, info);
	default:
		/* Devices behind the VT-d and SMMUv3 models arrive with the VFIO nodes. */
		return -EOPNOTSUPP;
	}
}
