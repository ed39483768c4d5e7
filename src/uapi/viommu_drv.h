/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The vendor side of vIOMMUs: one entry per vIOMMU type an IOMMU offers,
 * found by (ABI type, IOMMU type). The generic ioctls (ioctl_viommu.c,
 * ioctl_hwpt.c) run Linux's core checks and call these hooks for the rest;
 * nothing vendor-specific lives in them.
 */
#ifndef SIO_UAPI_VIOMMU_DRV_H
#define SIO_UAPI_VIOMMU_DRV_H

#include <stdint.h>

#include <softiommu/uapi/iommufd.h>

#include "core/device.h"
#include "core/viommu.h"
#include "uapi/ucmd.h"

struct sio_viommu_drv {
	uint32_t type;				/* enum iommu_viommu_type */
	enum sio_iommu_type iommu_type;		/* devices of this IOMMU type offer it */
	/*
	 * After the core's checks and sio_viommu_alloc(): the driver data
	 * (cmd->data_*), state in viommu->drv (freed by viommu->drv_free),
	 * outputs written back into the user's data.
	 */
	int (*init)(struct sio_ucmd *ucmd, const struct iommu_viommu_alloc *cmd,
		    struct sio_device *dev, struct sio_viommu *viommu);
	/* IOMMU_HWPT_ALLOC with pt_id = this vIOMMU, after the core's checks. NULL: EOPNOTSUPP. */
	int (*alloc_nested)(struct sio_ucmd *ucmd, const struct iommu_hwpt_alloc *cmd,
			    struct sio_device *dev, struct sio_viommu *viommu,
			    struct sio_hwpt **out);
	/*
	 * IOMMU_HWPT_INVALIDATE with hwpt_id = this vIOMMU; *done = entries
	 * handled. NULL: EOPNOTSUPP.
	 */
	int (*cache_invalidate)(struct sio_viommu *viommu,
				const struct iommu_hwpt_invalidate *cmd, uint32_t *done);
	/*
	 * Attaching @hwpt (a nested HWPT of this vIOMMU) to @dev's RID: 0 or
	 * the errno. Called under dev->lock.
	 */
	int (*attach_check)(struct sio_viommu *viommu, struct sio_hwpt *hwpt,
			    struct sio_device *dev);
	uint32_t hw_queue_type;			/* 0: no HW queues */
	/* The driver's HW queue checks (under viommu->lock). */
	int (*hw_queue_check)(struct sio_viommu *viommu, uint32_t index);
};

/* The driver of vIOMMU @type for a device of @iommu_type, or NULL. */
const struct sio_viommu_drv *sio_viommu_drv_find(uint32_t type, enum sio_iommu_type iommu_type);

/* The drivers (one file each). */
extern const struct sio_viommu_drv sio_viommu_drv_selftest;
extern const struct sio_viommu_drv sio_viommu_drv_arm_smmuv3;

#endif /* SIO_UAPI_VIOMMU_DRV_H */
