/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Validation of guest STEs and conversion of guest invalidation commands
 * for SMMUv3 nesting (see smmu_user.h).
 */
#include <errno.h>

#include "uapi/smmu_user.h"

int sio_smmu_validate_vste(uint64_t ste[2], bool *enable_ats)
{
	unsigned int cfg, eats;

	*enable_ats = false;
	if (!(ste[0] & SIO_STE0_V)) {
		ste[0] = 0;
		ste[1] = 0;
		return 0;
	}
	/* EIO is what Linux reserves for STE contents it refuses. */
	if ((ste[0] & ~SIO_STE0_NESTING_ALLOWED) || (ste[1] & ~SIO_STE1_NESTING_ALLOWED))
		return -EIO;
	cfg = sio_ste_cfg(ste);
	if (cfg != SIO_STE_CFG_ABORT && cfg != SIO_STE_CFG_BYPASS && cfg != SIO_STE_CFG_S1_TRANS)
		return -EIO;
	eats = (unsigned int)((ste[1] & SIO_STE1_EATS) >> SIO_STE1_EATS_SHIFT);
	ste[1] &= ~SIO_STE1_EATS;
	if (eats > 1)
		return -EIO;
	if (cfg == SIO_STE_CFG_S1_TRANS)
		*enable_ats = eats == 1;
	return 0;
}

int sio_smmu_convert_user_cmd(uint64_t cmd[2], uint16_t vmid,
			      int (*vsid_to_sid)(void *arg, uint32_t vsid, uint32_t *sid),
			      void *arg)
{
	uint32_t sid;

	switch (SIO_SMMU_CMD_OP(cmd[0])) {
	case SIO_SMMU_OP_TLBI_NSNH_ALL:
		cmd[0] = SIO_SMMU_OP_TLBI_NH_ALL | (uint64_t)vmid << SIO_SMMU_CMD_VMID_SHIFT;
		cmd[1] = 0;
		return 0;
	case SIO_SMMU_OP_TLBI_NH_VA:
	case SIO_SMMU_OP_TLBI_NH_VAA:
	case SIO_SMMU_OP_TLBI_NH_ALL:
	case SIO_SMMU_OP_TLBI_NH_ASID:
		cmd[0] = (cmd[0] & ~SIO_SMMU_CMD_VMID) | (uint64_t)vmid << SIO_SMMU_CMD_VMID_SHIFT;
		return 0;
	case SIO_SMMU_OP_ATC_INV:
	case SIO_SMMU_OP_CFGI_CD:
	case SIO_SMMU_OP_CFGI_CD_ALL:
		if (vsid_to_sid(arg, (uint32_t)(cmd[0] >> SIO_SMMU_CMD_SID_SHIFT), &sid))
			return -EIO;
		cmd[0] = (cmd[0] & ~SIO_SMMU_CMD_SID) | (uint64_t)sid << SIO_SMMU_CMD_SID_SHIFT;
		return 0;
	default:
		return -EIO;
	}
}
