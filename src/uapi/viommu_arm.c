/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The Arm SMMUv3 vIOMMU (IOMMU_VIOMMU_TYPE_ARM_SMMUV3) as Linux's
 * arm-smmu-v3 driver offers it (hw-model §4.2): nested HWPTs carrying a
 * guest STE, attach rules, and invalidation by raw command-queue commands
 * converted to host commands (VMID forced to the stage 2's, vSID -> pSID)
 * and executed by softiommu's SMMU (sio_smmu_cmd()).
 *
 * DMA faults of a device attached to a nested HWPT of the vIOMMU become
 * events on its IOMMU_VEVENTQ_TYPE_ARM_SMMUV3 vEVENTQ as Linux forwards them
 * (arm_smmu_handle_event(), arm_vmaster_report_event()): the SMMU's record
 * (sio_smmu_event()) with the StreamID replaced by the vDEVICE's virtual
 * ID, only for C_BAD_STE, F_STREAM_DISABLED, C_BAD_SUBSTREAMID, C_BAD_CD,
 * F_TRANSLATION, F_ADDR_SIZE, F_ACCESS and F_PERMISSION, and never for a
 * stage-2 fault (S2 set): the host owns those.
 *
 * Where softiommu differs from Linux, on purpose: Linux converts commands
 * in batches of 63 and issues a batch only once it is complete, so a
 * conversion error leaves the earlier commands of its batch converted but
 * never issued while entry_num counts them. softiommu issues each command
 * as soon as it is converted, so every command entry_num counts has taken
 * effect; entry_num itself is the same (the index of the bad command).
 */
#include <endian.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <softiommu/uapi/iommufd.h>

#include "base/uaccess.h"
#include "core/device.h"
#include "core/hwpt.h"
#include "core/veventq.h"
#include "core/viommu.h"
#include "iommu/iommu.h"
#include "uapi/driver_data.h"
#include "uapi/smmu_user.h"
#include "uapi/viommu_drv.h"

/* The event types arm_smmu_handle_event() hands to a vIOMMU's vEVENTQ. */
static bool forwarded_type(unsigned int type)
{
	switch (type) {
	case SIO_SMMU_EVT_C_BAD_STE:
	case SIO_SMMU_EVT_F_STREAM_DISABLED:
	case SIO_SMMU_EVT_C_BAD_SUBSTREAMID:
	case SIO_SMMU_EVT_C_BAD_CD:
	case SIO_SMMU_EVT_F_TRANSLATION:
	case SIO_SMMU_EVT_F_ADDR_SIZE:
	case SIO_SMMU_EVT_F_ACCESS:
	case SIO_SMMU_EVT_F_PERMISSION:
		return true;
	default:
		return false;
	}
}

/* viommu->report_fault: called under the device's lock. */
static void arm_report_fault(struct sio_viommu *viommu, uint64_t vsid, const struct sio_fault *f)
{
	struct iommu_vevent_arm_smmuv3 vevt;
	uint64_t evt[4];
	unsigned int i;

	if (!sio_smmu_event(f, evt) || !forwarded_type(evt[0] & SIO_SMMU_EVT0_TYPE) ||
	    (evt[1] & SIO_SMMU_EVT1_S2))
		return;
	/* The StreamID field is 32 bits wide: the virtual ID's low bits, as in Linux. */
	evt[0] = (evt[0] & ~(0xffffffffull << SIO_SMMU_EVT0_SID_SHIFT)) |
		 (vsid & 0xffffffffull) << SIO_SMMU_EVT0_SID_SHIFT;
	for (i = 0; i < 4; i++)
		vevt.evt[i] = htole64(evt[i]);
	/* No vEVENTQ (EOPNOTSUPP) or a full one: the event is gone, as in Linux. */
	sio_viommu_report_event(viommu, IOMMU_VEVENTQ_TYPE_ARM_SMMUV3, &vevt, sizeof(vevt));
}

/*
 * Linux's arm_vsmmu_init() refuses a stage 2 of another SMMU (the caller
 * has checked it: -EINVAL) and a master that is not coherent or an SMMU
 * without FEAT_NESTING (-EOPNOTSUPP): softiommu's SMMU always nests and its
 * masters are coherent. The vIOMMU takes the stage 2's VMID, which
 * arm_cache_invalidate() reads from the parent. Faults of its devices
 * become events (arm_report_fault()).
 */
static int arm_viommu_init(struct sio_ucmd *ucmd, const struct iommu_viommu_alloc *cmd,
			   struct sio_device *dev, struct sio_viommu *viommu)
{
	(void)ucmd;
	(void)cmd;
	(void)dev;
	viommu->report_fault = arm_report_fault;
	return 0;
}

static int arm_alloc_nested(struct sio_ucmd *ucmd, const struct iommu_hwpt_alloc *cmd,
			    struct sio_device *dev, struct sio_viommu *viommu, struct sio_hwpt **out)
{
	struct iommu_hwpt_arm_smmuv3 data;
	uint64_t ste[2];
	bool enable_ats;
	int rc;

	(void)dev;
	/* The core strips FAULT_ID_VALID; the driver takes no other flag. */
	if (cmd->flags & ~IOMMU_HWPT_FAULT_ID_VALID)
		return -EOPNOTSUPP;
	rc = sio_copy_driver_data(&data, sizeof(data), sizeof(data), IOMMU_HWPT_DATA_ARM_SMMUV3,
				  cmd->data_type, cmd->data_uptr, cmd->data_len);
	if (rc)
		return rc;
	ste[0] = le64toh(data.ste[0]);
	ste[1] = le64toh(data.ste[1]);
	rc = sio_smmu_validate_vste(ste, &enable_ats);
	if (rc)
		return rc;
	return sio_hwpt_smmu_nested_alloc(ucmd->ctx, viommu, ste, out);
}

/*
 * A translating STE needs a vDEVICE for the device (-ENOENT); abort and
 * bypass STEs attach without one (Linux's GBPA case). Linux's driver also
 * refuses a master with SSIDs in use (-EBUSY), but through the ABI the
 * core's PASID rule answers first: these HWPTs are never PASID-compatible,
 * so with a PASID attached the attach is already -EINVAL.
 */
static int arm_attach_check(struct sio_viommu *viommu, struct sio_hwpt *hwpt,
			    struct sio_device *dev)
{
	uint64_t vsid;

	if (sio_ste_cfg(hwpt->arm_ste) == SIO_STE_CFG_S1_TRANS && (hwpt->arm_ste[0] & SIO_STE0_V) &&
	    !sio_viommu_vdev_id(viommu, dev, &vsid))
		return -ENOENT;
	return 0;
}

static int vsid_to_sid(void *arg, uint32_t vsid, uint32_t *sid)
{
	struct sio_viommu *viommu = arg;
	struct sio_device *dev = sio_viommu_find_vdev(viommu, vsid);

	if (!dev)
		return -EIO;
	*sid = sio_iommu_dev_rid(dev->hw);
	sio_device_put(dev);
	return 0;
}

/*
 * copy_struct_from_user(): a shorter user entry is zero-extended, a longer
 * one must have an all-zero tail (-E2BIG), a bad pointer is -EFAULT.
 */
static int copy_entry(void *dst, size_t ksize, uint64_t src, size_t usize)
{
	bool zero;
	int rc;

	if (usize > ksize) {
		rc = sio_user_is_zero(src + ksize, usize - ksize, &zero);
		if (rc)
			return rc;
		if (!zero)
			return -E2BIG;
	}
	memset(dst, 0, ksize);
	return sio_copy_from_user(dst, src, usize < ksize ? usize : ksize);
}

/*
 * Linux copies the whole array before anything runs
 * (iommu_copy_struct_from_full_user_array(): wrong type or an empty array
 * -EINVAL, then entry by entry with copy_struct_from_user() rules), so a
 * bad entry anywhere fails with entry_num 0. Then each command is
 * converted and issued in order; entry_num counts the commands issued.
 */
static int arm_cache_invalidate(struct sio_viommu *viommu, const struct iommu_hwpt_invalidate *cmd,
				uint32_t *done)
{
	uint16_t vmid = (uint16_t)sio_domain_did(viommu->parent->domain);
	struct iommu_viommu_arm_smmuv3_invalidate *cmds;
	uint32_t i;
	int rc = 0;

	if (cmd->data_type != IOMMU_VIOMMU_INVALIDATE_DATA_ARM_SMMUV3 || !cmd->entry_num)
		return -EINVAL;
	cmds = calloc(cmd->entry_num, sizeof(*cmds));
	if (!cmds)
		return -ENOMEM;
	for (i = 0; i < cmd->entry_num && !rc; i++)
		rc = copy_entry(&cmds[i], sizeof(cmds[i]),
				cmd->data_uptr + (uint64_t)i * cmd->entry_len, cmd->entry_len);
	for (i = 0; i < cmd->entry_num && !rc; i++) {
		uint64_t c[2] = { le64toh(cmds[i].cmd[0]), le64toh(cmds[i].cmd[1]) };

		rc = sio_smmu_convert_user_cmd(c, vmid, vsid_to_sid, viommu);
		if (!rc)
			rc = sio_smmu_cmd(viommu->iommu, c);
		if (!rc)
			*done = i + 1;
	}
	free(cmds);
	return rc;
}

const struct sio_viommu_drv sio_viommu_drv_arm_smmuv3 = {
	.type = IOMMU_VIOMMU_TYPE_ARM_SMMUV3,
	.iommu_type = SIO_IOMMU_SMMUV3,
	.init = arm_viommu_init,
	.alloc_nested = arm_alloc_nested,
	.cache_invalidate = arm_cache_invalidate,
	.attach_check = arm_attach_check,
};
