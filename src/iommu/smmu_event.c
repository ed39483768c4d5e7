/* SPDX-License-Identifier: BSD-3-Clause */
/* SMMUv3 event records of translation faults (iommu.h, sio_smmu_event()). */
#include <string.h>

#include "iommu/iommu.h"

/* The event type of @f, or 0 when the SMMU has none for it. */
static unsigned int event_type(const struct sio_fault *f)
{
	switch (f->reason) {
	case SIO_FAULT_NOT_PRESENT:
	case SIO_FAULT_RANGE:
	case SIO_FAULT_RESERVED:
	case SIO_FAULT_APERTURE:	/* beyond stage 2's input range */
		return SIO_SMMU_EVT_F_TRANSLATION;
	case SIO_FAULT_ACCESS_FLAG:
		return SIO_SMMU_EVT_F_ACCESS;
	case SIO_FAULT_PERM:
		return SIO_SMMU_EVT_F_PERMISSION;
	case SIO_FAULT_ADDR_SIZE:
		return SIO_SMMU_EVT_F_ADDR_SIZE;
	case SIO_FAULT_TABLE_READ:
	case SIO_FAULT_AD_UPDATE:
		return SIO_SMMU_EVT_F_WALK_EABT;
	case SIO_FAULT_BAD_STE:
		return SIO_SMMU_EVT_C_BAD_STE;
	case SIO_FAULT_BAD_CD:
		return SIO_SMMU_EVT_C_BAD_CD;
	case SIO_FAULT_CD_FETCH:
		return SIO_SMMU_EVT_F_CD_FETCH;
	case SIO_FAULT_BAD_SUBSTREAMID:
	case SIO_FAULT_PASID_INVALID:
		return SIO_SMMU_EVT_C_BAD_SUBSTREAMID;
	case SIO_FAULT_BLOCKED:		/* recorded: S1DSS terminate */
		return SIO_SMMU_EVT_F_STREAM_DISABLED;
	case SIO_FAULT_NONE:
		break;
	}
	return 0;
}

/* The types with translation fields (PnU, InD, RnW, S2, CLASS, addresses). */
static bool has_xlate_fields(unsigned int type)
{
	return (type >= SIO_SMMU_EVT_F_TRANSLATION && type <= SIO_SMMU_EVT_F_PERMISSION) ||
	       type == SIO_SMMU_EVT_F_WALK_EABT;
}

bool sio_smmu_event(const struct sio_fault *f, uint64_t evt[4])
{
	unsigned int type = event_type(f);

	if (!f->record || !type)
		return false;
	memset(evt, 0, 4 * sizeof(evt[0]));
	evt[0] = type | (uint64_t)f->rid << SIO_SMMU_EVT0_SID_SHIFT;
	if (f->pasid_valid)
		evt[0] |= SIO_SMMU_EVT0_SSV |
			  (uint64_t)(f->pasid & 0xfffff) << SIO_SMMU_EVT0_SSID_SHIFT;
	if (type == SIO_SMMU_EVT_F_CD_FETCH)
		evt[3] = f->gpa & SIO_SMMU_EVT3_FETCH_MASK;
	if (!has_xlate_fields(type))
		return true;
	if (f->access & SIO_PT_PRIV)
		evt[1] |= SIO_SMMU_EVT1_PNU;
	if (f->access & SIO_PT_X)
		evt[1] |= SIO_SMMU_EVT1_IND;
	if (!(f->access & SIO_PT_W))
		evt[1] |= SIO_SMMU_EVT1_RNW;
	if (f->stage == 2)
		evt[1] |= SIO_SMMU_EVT1_S2;
	switch (f->fclass) {
	case SIO_FAULT_CLASS_TT:
		evt[1] |= 1ull << SIO_SMMU_EVT1_CLASS_SHIFT;
		break;
	case SIO_FAULT_CLASS_IN:
		evt[1] |= 2ull << SIO_SMMU_EVT1_CLASS_SHIFT;
		break;
	default:	/* CD */
		break;
	}
	evt[2] = f->iova;
	if (type == SIO_SMMU_EVT_F_WALK_EABT)
		evt[3] = f->entry_addr & SIO_SMMU_EVT3_FETCH_MASK;
	else if (f->stage == 2)
		evt[3] = f->gpa & SIO_SMMU_EVT3_IPA_MASK;
	return true;
}
