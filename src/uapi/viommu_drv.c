/* SPDX-License-Identifier: BSD-3-Clause */
/* The table of vIOMMU drivers (uapi/viommu_drv.h). */
#include "base/compiler.h"
#include "uapi/viommu_drv.h"

static const struct sio_viommu_drv *const viommu_drvs[] = {
	&sio_viommu_drv_selftest,	/* 0xdeadbeef on the selftest mock */
	&sio_viommu_drv_arm_smmuv3,	/* IOMMU_VIOMMU_TYPE_ARM_SMMUV3 on SMMUv3 */
};

const struct sio_viommu_drv *sio_viommu_drv_find(uint32_t type, enum sio_iommu_type iommu_type)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(viommu_drvs); i++)
		if (viommu_drvs[i]->type == type && viommu_drvs[i]->iommu_type == iommu_type)
			return viommu_drvs[i];
	return NULL;
}
