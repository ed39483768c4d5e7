/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The selftest mock's vIOMMU type 0xdeadbeef (spec iommufd-testops §3.2–3.4):
 * loop-back data and a two-page mmap region, nested HWPTs with the mock's
 * fake IOTLB, cache invalidation of the vDEVICEs' mock caches, the vDEVICE
 * rule for attaching, and HW queues at indexes 0 and 1.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <softiommu/uapi/iommufd_test.h>

#include "base/compiler.h"
#include "base/uaccess.h"
#include "core/pages.h"
#include "uapi/driver_data.h"
#include "uapi/mmap_region.h"
#include "uapi/selftest.h"
#include "uapi/viommu_drv.h"

static void mock_viommu_free(struct sio_viommu *viommu)
{
	sio_mmap_region_remove(viommu->drv);
}

static int mock_viommu_init(struct sio_ucmd *ucmd, const struct iommu_viommu_alloc *cmd,
			    struct sio_device *dev, struct sio_viommu *viommu)
{
	struct iommu_viommu_selftest data;
	struct sio_mmap_region *region;
	int rc;

	(void)ucmd;
	(void)dev;
	if (!cmd->data_len)
		return 0;
	rc = sio_copy_driver_data(&data, sizeof(data),
				  offsetofend(struct iommu_viommu_selftest, out_data),
				  IOMMU_VIOMMU_TYPE_SELFTEST, cmd->type, cmd->data_uptr,
				  cmd->data_len);
	if (rc)
		return rc;
	rc = sio_mmap_region_add(&viommu->obj, 2 * sio_page_size(), &region);
	if (rc)
		return rc;
	*(uint32_t *)region->mem = data.in_data;
	data.out_data = data.in_data;
	data.out_mmap_offset = region->offset;
	data.out_mmap_length = region->length;
	/* Only what the caller's data holds is written back. */
	rc = sio_copy_to_user(cmd->data_uptr, &data, sio_min((size_t)cmd->data_len, sizeof(data)));
	if (rc) {
		sio_mmap_region_remove(region);
		return rc;
	}
	viommu->drv = region;
	viommu->drv_free = mock_viommu_free;
	return 0;
}

/* A nested HWPT on the vIOMMU: the mock nested domain (testops §3.3). */
static int mock_viommu_alloc_nested(struct sio_ucmd *ucmd, const struct iommu_hwpt_alloc *cmd,
				    struct sio_device *dev, struct sio_viommu *viommu,
				    struct sio_hwpt **out)
{
	struct iommu_hwpt_selftest data;
	int rc;

	(void)dev;
	if (cmd->data_type != IOMMU_HWPT_DATA_SELFTEST)
		return -EOPNOTSUPP;
	if (cmd->flags & ~(IOMMU_HWPT_FAULT_ID_VALID | IOMMU_HWPT_ALLOC_PASID))
		return -EOPNOTSUPP;
	rc = sio_copy_driver_data(&data, sizeof(data),
				  offsetofend(struct iommu_hwpt_selftest, iotlb),
				  IOMMU_HWPT_DATA_SELFTEST, cmd->data_type, cmd->data_uptr,
				  cmd->data_len);
	if (rc)
		return rc;
	rc = sio_hwpt_mock_nested_alloc(ucmd->ctx, viommu->parent,
					cmd->flags & IOMMU_HWPT_ALLOC_PASID, data.iotlb, out);
	if (rc)
		return rc;
	sio_hwpt_nested_set_viommu(*out, viommu);
	return 0;
}

static int mock_viommu_cache_invalidate(struct sio_viommu *viommu,
					const struct iommu_hwpt_invalidate *cmd, uint32_t *done)
{
	uint32_t i;
	int rc;

	/* The array type is checked even for an empty array (a type probe). */
	if (cmd->data_type != IOMMU_VIOMMU_INVALIDATE_DATA_SELFTEST)
		return -EINVAL;
	for (i = 0; i < cmd->entry_num; i++) {
		struct iommu_viommu_invalidate_selftest inv;
		struct sio_device *dev;

		rc = sio_copy_driver_data(&inv, sizeof(inv),
					  offsetofend(struct iommu_viommu_invalidate_selftest,
						      cache_id),
					  IOMMU_VIOMMU_INVALIDATE_DATA_SELFTEST, cmd->data_type,
					  cmd->data_uptr + (uint64_t)i * cmd->entry_len,
					  cmd->entry_len);
		if (rc)
			return rc;
		if (inv.flags & ~IOMMU_TEST_INVALIDATE_FLAG_ALL)
			return -EOPNOTSUPP;
		if (inv.cache_id > MOCK_DEV_CACHE_ID_MAX)
			return -EINVAL;
		dev = sio_viommu_find_vdev(viommu, inv.vdev_id);
		if (!dev)
			return -EINVAL;
		sio_test_mock_cache_clear(dev, inv.flags & IOMMU_TEST_INVALIDATE_FLAG_ALL,
					  inv.cache_id);
		sio_device_put(dev);
		*done = i + 1;
	}
	return 0;
}

/* The device must have a vDEVICE on the vIOMMU (testops §3.2). dev->lock held. */
static int mock_viommu_attach_check(struct sio_viommu *viommu, struct sio_hwpt *hwpt,
				    struct sio_device *dev)
{
	uint64_t virt_id;

	(void)hwpt;
	return sio_viommu_vdev_id(viommu, dev, &virt_id) ? 0 : -ENOENT;
}

/* viommu->lock held. */
static int mock_hw_queue_check(struct sio_viommu *viommu, uint32_t index)
{
	if (index >= IOMMU_TEST_HW_QUEUE_MAX)
		return -EINVAL;
	if (viommu->hw_queues[index])
		return -EEXIST;
	if (index && !viommu->hw_queues[index - 1])
		return -EIO;
	return 0;
}

const struct sio_viommu_drv sio_viommu_drv_selftest = {
	.type = IOMMU_VIOMMU_TYPE_SELFTEST,
	.iommu_type = SIO_IOMMU_MOCK,
	.init = mock_viommu_init,
	.alloc_nested = mock_viommu_alloc_nested,
	.cache_invalidate = mock_viommu_cache_invalidate,
	.attach_check = mock_viommu_attach_check,
	.hw_queue_type = IOMMU_HW_QUEUE_TYPE_SELFTEST,
	.hw_queue_check = mock_hw_queue_check,
};
