/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What Linux's SMMUv3 driver accepts from user space for nesting (hw-model
 * §4.2): the guest STE words of IOMMU_HWPT_DATA_ARM_SMMUV3 and the raw
 * command-queue commands of IOMMU_VIOMMU_INVALIDATE_DATA_ARM_SMMUV3. Pure
 * functions on host-order 64-bit words; no state, thread-safe.
 */
#ifndef SIO_UAPI_SMMU_USER_H
#define SIO_UAPI_SMMU_USER_H

#include <stdbool.h>
#include <stdint.h>

/* STE word 0 / word 1 fields a nested STE may carry. */
#define SIO_STE0_V		(1ull << 0)
#define SIO_STE0_CFG_SHIFT	1
#define SIO_STE0_CFG		(7ull << SIO_STE0_CFG_SHIFT)
#define SIO_STE0_S1FMT		(3ull << 4)
#define SIO_STE0_S1CTXPTR	(((1ull << 52) - 1) & ~((1ull << 6) - 1))
#define SIO_STE0_S1CDMAX	(0x1full << 59)
#define SIO_STE1_S1DSS		(3ull << 0)
#define SIO_STE1_S1CIR		(3ull << 2)
#define SIO_STE1_S1COR		(3ull << 4)
#define SIO_STE1_S1CSH		(3ull << 6)
#define SIO_STE1_S1STALLD	(1ull << 27)
#define SIO_STE1_EATS_SHIFT	28
#define SIO_STE1_EATS		(3ull << SIO_STE1_EATS_SHIFT)

#define SIO_STE0_NESTING_ALLOWED						\
	(SIO_STE0_V | SIO_STE0_CFG | SIO_STE0_S1FMT | SIO_STE0_S1CTXPTR | SIO_STE0_S1CDMAX)
#define SIO_STE1_NESTING_ALLOWED						\
	(SIO_STE1_S1DSS | SIO_STE1_S1CIR | SIO_STE1_S1COR | SIO_STE1_S1CSH |		\
	 SIO_STE1_S1STALLD | SIO_STE1_EATS)

enum sio_ste_cfg {
	SIO_STE_CFG_ABORT = 0,
	SIO_STE_CFG_BYPASS = 4,
	SIO_STE_CFG_S1_TRANS = 5,
};

static inline unsigned int sio_ste_cfg(const uint64_t ste[2])
{
	return (unsigned int)((ste[0] & SIO_STE0_CFG) >> SIO_STE0_CFG_SHIFT);
}

/*
 * Validate a guest STE in place as Linux's arm_smmu_validate_vste() does:
 * V = 0 zeroes both words (an abort STE) and succeeds; a bit outside the
 * NESTING_ALLOWED masks, a Config other than abort/bypass/S1-translate, or
 * EATS other than 0 (abort) / 1 (translate) is -EIO. EATS is cleared from
 * the words; *enable_ats says whether an S1-translate STE asked for ATS.
 * Return: 0 or -EIO.
 */
int sio_smmu_validate_vste(uint64_t ste[2], bool *enable_ats);

/* Command opcodes (bits 7:0 of word 0) Linux lets a vIOMMU issue. */
#define SIO_SMMU_OP_CFGI_CD		0x05
#define SIO_SMMU_OP_CFGI_CD_ALL		0x06
#define SIO_SMMU_OP_TLBI_NH_ALL		0x10
#define SIO_SMMU_OP_TLBI_NH_ASID	0x11
#define SIO_SMMU_OP_TLBI_NH_VA		0x12
#define SIO_SMMU_OP_TLBI_NH_VAA		0x13
#define SIO_SMMU_OP_TLBI_NSNH_ALL	0x30
#define SIO_SMMU_OP_ATC_INV		0x40

#define SIO_SMMU_CMD_OP(c0)		((unsigned int)((c0) & 0xff))
#define SIO_SMMU_CMD_VMID_SHIFT		32
#define SIO_SMMU_CMD_VMID		(0xffffull << SIO_SMMU_CMD_VMID_SHIFT)
#define SIO_SMMU_CMD_SID_SHIFT		32
#define SIO_SMMU_CMD_SID		(0xffffffffull << SIO_SMMU_CMD_SID_SHIFT)

/*
 * Convert one user command in place into the physical command the host
 * issues (Linux's arm_vsmmu_convert_user_cmd()): TLBI_NSNH_ALL becomes
 * TLBI_NH_ALL of @vmid with word 1 cleared; TLBI_NH_{ALL,ASID,VA,VAA} get
 * their VMID field forced to @vmid; ATC_INV, CFGI_CD and CFGI_CD_ALL get
 * their virtual stream ID replaced by the physical one @vsid_to_sid gives
 * (which returns 0, or non-zero for an unknown vSID). Every other opcode,
 * and an unknown vSID, is -EIO. Return: 0 or -EIO.
 */
int sio_smmu_convert_user_cmd(uint64_t cmd[2], uint16_t vmid,
			      int (*vsid_to_sid)(void *arg, uint32_t vsid, uint32_t *sid),
			      void *arg);

#endif /* SIO_UAPI_SMMU_USER_H */
