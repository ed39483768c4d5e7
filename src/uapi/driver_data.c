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

/*
 * Intel VT-d capability registers (hw-model §1.2; the field positions are the
 * VT-d specification's). Values are composed per device: the PASID size and
 * second-stage A/D support follow the function's description, everything
 * else is a fixed scalable-mode IOMMU (docs/devices.md lists the values).
 */
#define VTD_CAP_ND(x)		((uint64_t)(x) << 0)	/* 2^(4 + 2x) domain IDs */
#define VTD_CAP_SAGAW(x)	((uint64_t)(x) << 8)	/* bit 2: 4-level, 48-bit */
#define VTD_CAP_MGAW(x)		((uint64_t)((x) - 1) << 16)
#define VTD_CAP_ZLR		(1ull << 22)
#define VTD_CAP_FRO(off)	((uint64_t)((off) / 16) << 24)
#define VTD_CAP_SLLPS(x)	((uint64_t)(x) << 34)	/* bit 0: 2MiB, bit 1: 1GiB */
#define VTD_CAP_PSI		(1ull << 39)
#define VTD_CAP_NFR(n)		((uint64_t)((n) - 1) << 40)
#define VTD_CAP_MAMV(x)		((uint64_t)(x) << 48)
#define VTD_CAP_DWD		(1ull << 54)
#define VTD_CAP_DRD		(1ull << 55)
#define VTD_CAP_FS1GP		(1ull << 56)

#define VTD_ECAP_C		(1ull << 0)
#define VTD_ECAP_QI		(1ull << 1)
#define VTD_ECAP_DT		(1ull << 2)
#define VTD_ECAP_IR		(1ull << 3)
#define VTD_ECAP_EIM		(1ull << 4)
#define VTD_ECAP_PT		(1ull << 6)
#define VTD_ECAP_SC		(1ull << 7)
#define VTD_ECAP_IRO(off)	((uint64_t)((off) / 16) << 8)
#define VTD_ECAP_MHMV(x)	((uint64_t)(x) << 20)
#define VTD_ECAP_NEST		(1ull << 26)
#define VTD_ECAP_PRS		(1ull << 29)
#define VTD_ECAP_PSS(bits)	((uint64_t)((bits) - 1) << 35)
#define VTD_ECAP_PASID		(1ull << 40)
#define VTD_ECAP_SMTS		(1ull << 43)
#define VTD_ECAP_SLADS		(1ull << 45)
#define VTD_ECAP_SLTS		(1ull << 46)
#define VTD_ECAP_FLTS		(1ull << 47)
#define VTD_ECAP_SMPWC		(1ull << 48)

/* Register offsets the CAP/ECAP fields point at (hw-model §1.2). */
#define VTD_REG_IVA		0xf0
#define VTD_REG_FRCD		0x220

static int vtd_hw_info(struct sio_device *dev, uint32_t type, struct sio_hw_info *info)
{
	struct iommu_hw_info_vtd data;

	if (type != IOMMU_HW_INFO_TYPE_DEFAULT && type != IOMMU_HW_INFO_TYPE_INTEL_VTD)
		return -EOPNOTSUPP;
	memset(&data, 0, sizeof(data));
	data.cap_reg = VTD_CAP_ND(6) | VTD_CAP_SAGAW(1 << 2) | VTD_CAP_MGAW(48) | VTD_CAP_ZLR |
		       VTD_CAP_FRO(VTD_REG_FRCD) | VTD_CAP_SLLPS(3) | VTD_CAP_PSI |
		       VTD_CAP_NFR(1) | VTD_CAP_MAMV(18) | VTD_CAP_DWD | VTD_CAP_DRD |
		       VTD_CAP_FS1GP;
	data.ecap_reg = VTD_ECAP_C | VTD_ECAP_QI | VTD_ECAP_DT | VTD_ECAP_IR | VTD_ECAP_EIM |
			VTD_ECAP_PT | VTD_ECAP_SC | VTD_ECAP_IRO(VTD_REG_IVA) | VTD_ECAP_MHMV(15) |
			VTD_ECAP_NEST | VTD_ECAP_PRS | VTD_ECAP_SMTS | VTD_ECAP_SLTS |
			VTD_ECAP_FLTS | VTD_ECAP_SMPWC;
	if (dev->pasid_bits)
		data.ecap_reg |= VTD_ECAP_PASID | VTD_ECAP_PSS(dev->pasid_bits);
	if (dev->dirty_cap)
		data.ecap_reg |= VTD_ECAP_SLADS;
	info->type = IOMMU_HW_INFO_TYPE_INTEL_VTD;
	info->len = sizeof(data);
	memcpy(info->data, &data, sizeof(data));
	return 0;
}

/* Arm SMMUv3 ID registers (hw-model §2.2; field positions of the SMMUv3 architecture). */
#define SMMU_IDR0_S2P		(1u << 0)
#define SMMU_IDR0_S1P		(1u << 1)
#define SMMU_IDR0_TTF_AA64	(2u << 2)
#define SMMU_IDR0_COHACC	(1u << 4)
#define SMMU_IDR0_HA		(1u << 6)
#define SMMU_IDR0_HD		(1u << 7)
#define SMMU_IDR0_ATS		(1u << 10)
#define SMMU_IDR0_ASID16	(1u << 12)
#define SMMU_IDR0_MSI		(1u << 13)
#define SMMU_IDR0_PRI		(1u << 16)
#define SMMU_IDR0_VMID16	(1u << 18)
#define SMMU_IDR0_CD2L		(1u << 19)
#define SMMU_IDR0_TTENDIAN_LE	(2u << 21)
#define SMMU_IDR0_STALL_NONE	(1u << 24)	/* STALL_MODEL 0b01: stalls not supported */
#define SMMU_IDR0_ST_LVL_2LVL	(1u << 27)

#define SMMU_IDR1_SIDSIZE(x)	((uint32_t)(x) << 0)
#define SMMU_IDR1_SSIDSIZE(x)	((uint32_t)(x) << 6)
#define SMMU_IDR1_PRIQS(x)	((uint32_t)(x) << 11)
#define SMMU_IDR1_EVTQS(x)	((uint32_t)(x) << 16)
#define SMMU_IDR1_CMDQS(x)	((uint32_t)(x) << 21)

#define SMMU_IDR3_HAD		(1u << 2)
#define SMMU_IDR3_RIL		(1u << 10)
#define SMMU_IDR3_BBML2		(2u << 11)

#define SMMU_IDR5_OAS_48	5u
#define SMMU_IDR5_GRAN4K	(1u << 4)
#define SMMU_IDR5_GRAN16K	(1u << 5)
#define SMMU_IDR5_GRAN64K	(1u << 6)

#define SMMU_AIDR_V3_2		0x02u

static int smmuv3_hw_info(struct sio_device *dev, uint32_t type, struct sio_hw_info *info)
{
	struct iommu_hw_info_arm_smmuv3 data;

	if (type != IOMMU_HW_INFO_TYPE_DEFAULT && type != IOMMU_HW_INFO_TYPE_ARM_SMMUV3)
		return -EOPNOTSUPP;
	memset(&data, 0, sizeof(data));
	data.idr[0] = SMMU_IDR0_S2P | SMMU_IDR0_S1P | SMMU_IDR0_TTF_AA64 | SMMU_IDR0_COHACC |
		      SMMU_IDR0_HA | SMMU_IDR0_ATS | SMMU_IDR0_ASID16 | SMMU_IDR0_MSI |
		      SMMU_IDR0_PRI | SMMU_IDR0_VMID16 | SMMU_IDR0_CD2L | SMMU_IDR0_TTENDIAN_LE |
		      SMMU_IDR0_STALL_NONE | SMMU_IDR0_ST_LVL_2LVL;
	if (dev->dirty_cap)
		data.idr[0] |= SMMU_IDR0_HD;
	data.idr[1] = SMMU_IDR1_SIDSIZE(16) | SMMU_IDR1_SSIDSIZE(dev->pasid_bits) |
		      SMMU_IDR1_PRIQS(19) | SMMU_IDR1_EVTQS(19) | SMMU_IDR1_CMDQS(19);
	data.idr[3] = SMMU_IDR3_HAD | SMMU_IDR3_RIL | SMMU_IDR3_BBML2;
	data.idr[5] = SMMU_IDR5_OAS_48 | SMMU_IDR5_GRAN4K | SMMU_IDR5_GRAN16K | SMMU_IDR5_GRAN64K;
	data.iidr = 0;
	data.aidr = SMMU_AIDR_V3_2;
	info->type = IOMMU_HW_INFO_TYPE_ARM_SMMUV3;
	info->len = sizeof(data);
	memcpy(info->data, &data, sizeof(data));
	return 0;
}

int sio_driver_hw_info(struct sio_device *dev, uint32_t type, struct sio_hw_info *info)
{
	bool ats = sio_iommu_dev_caps(dev->hw) & SIO_DEV_CAP_ATS;
	int rc;

	memset(info, 0, sizeof(*info));
	switch (dev->type) {
	case SIO_IOMMU_MOCK:
		return mock_hw_info(dev, type, info);
	case SIO_IOMMU_VTD:
		rc = vtd_hw_info(dev, type, info);
		break;
	case SIO_IOMMU_SMMUV3:
		rc = smmuv3_hw_info(dev, type, info);
		break;
	default:
		return -EOPNOTSUPP;
	}
	if (rc)
		return rc;
	/* PCI_PASID_EXEC/PRIV stay clear: the PASID capability offers neither. */
	if (dev->dirty_cap)
		info->capabilities |= IOMMU_HW_CAP_DIRTY_TRACKING;
	if (!ats)
		info->capabilities |= IOMMU_HW_CAP_PCI_ATS_NOT_SUPPORTED;
	return 0;
}
