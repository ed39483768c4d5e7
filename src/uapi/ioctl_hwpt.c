/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * HWPT ioctls: IOMMU_HWPT_ALLOC, IOMMU_GET_HW_INFO,
 * IOMMU_HWPT_SET_DIRTY_TRACKING and IOMMU_HWPT_GET_DIRTY_BITMAP, each with
 * Linux's order of checks (spec iommufd-abi §4.10–4.13, §10).
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <softiommu/uapi/iommufd.h>
#include <softiommu/uapi/iommufd_test.h>

#include "base/compiler.h"
#include "base/uaccess.h"
#include "core/device.h"
#include "core/fault.h"
#include "core/hwpt.h"
#include "core/machine.h"
#include "core/viommu.h"
#include "uapi/driver_data.h"
#include "uapi/ucmd.h"
#include "uapi/viommu_drv.h"

#define HWPT_PAGING_FLAGS							\
	(IOMMU_HWPT_ALLOC_NEST_PARENT | IOMMU_HWPT_ALLOC_DIRTY_TRACKING |	\
	 IOMMU_HWPT_FAULT_ID_VALID | IOMMU_HWPT_ALLOC_PASID)

static int hwpt_alloc_paging(struct sio_ucmd *ucmd, struct iommu_hwpt_alloc *cmd,
			     struct sio_device *dev, struct sio_ioas *ioas, struct sio_hwpt **out)
{
	struct sio_hwpt_request req = {
		.domain.nest_parent = cmd->flags & IOMMU_HWPT_ALLOC_NEST_PARENT,
		.domain.dirty_tracking = cmd->flags & IOMMU_HWPT_ALLOC_DIRTY_TRACKING,
		.pasid_compat = cmd->flags & IOMMU_HWPT_ALLOC_PASID,
	};
	int rc;

	if (cmd->flags & ~HWPT_PAGING_FLAGS)
		return -EOPNOTSUPP;
	if (cmd->data_len && !sio_driver_takes_paging_data(dev->type))
		return -EOPNOTSUPP;
	if ((cmd->flags & IOMMU_HWPT_ALLOC_DIRTY_TRACKING) && !dev->dirty_cap)
		return -EOPNOTSUPP;
	if ((cmd->flags & IOMMU_HWPT_FAULT_ID_VALID) && (cmd->flags & IOMMU_HWPT_ALLOC_NEST_PARENT))
		return -EOPNOTSUPP;
	if (cmd->data_len) {
		rc = sio_driver_paging_data(dev->type, cmd->data_type, cmd->data_uptr, cmd->data_len,
					    &req.domain);
		if (rc)
			return rc;
	}
	return sio_hwpt_paging_alloc(ucmd->ctx, ioas, dev->iommu, dev->type, &req, out);
}

/* The mock's nested HWPT: a fake IOTLB over the parent (testops §3.3). */
static int mock_nested(struct sio_ucmd *ucmd, struct iommu_hwpt_alloc *cmd,
		       struct sio_hwpt *parent, struct sio_hwpt **out)
{
	struct iommu_hwpt_selftest data;
	int rc;

	if (cmd->data_type != IOMMU_HWPT_DATA_SELFTEST)
		return -EOPNOTSUPP;
	rc = sio_copy_driver_data(&data, sizeof(data), offsetofend(struct iommu_hwpt_selftest, iotlb),
				  IOMMU_HWPT_DATA_SELFTEST, cmd->data_type, cmd->data_uptr,
				  cmd->data_len);
	if (rc)
		return rc;
	return sio_hwpt_mock_nested_alloc(ucmd->ctx, parent, cmd->flags & IOMMU_HWPT_ALLOC_PASID,
					  data.iotlb, out);
}

/*
 * VT-d's nested HWPT (hw-model §4.1): the type and the copy are checked at
 * allocation; addr_width and the SRE/EAFE flags only at attach, against the
 * capabilities softiommu's VT-d reports (4-level first stage, no SRS, no
 * EAFS), so an unsupported configuration allocates and fails to attach
 * with EINVAL, as in Linux. pgtbl_addr is never checked: a bad one faults
 * at DMA time.
 */
static int vtd_nested(struct sio_ucmd *ucmd, struct iommu_hwpt_alloc *cmd,
		      struct sio_hwpt *parent, struct sio_hwpt **out)
{
	struct iommu_hwpt_vtd_s1 data;
	int attach_error = 0, rc;

	if (cmd->data_type != IOMMU_HWPT_DATA_VTD_S1)
		return -EOPNOTSUPP;
	rc = sio_copy_driver_data(&data, sizeof(data), offsetofend(struct iommu_hwpt_vtd_s1,
								   __reserved),
				  IOMMU_HWPT_DATA_VTD_S1, cmd->data_type, cmd->data_uptr,
				  cmd->data_len);
	if (rc)
		return rc;
	if (data.addr_width != 48 || (data.flags & (IOMMU_VTD_S1_SRE | IOMMU_VTD_S1_EAFE)))
		attach_error = -EINVAL;
	return sio_hwpt_vtd_nested_alloc(ucmd->ctx, parent, cmd->flags & IOMMU_HWPT_ALLOC_PASID,
					 data.pgtbl_addr, 4, false, false, attach_error, out);
}

/*
 * A nested HWPT on @parent: Linux's core checks (flags beyond
 * FAULT_ID_VALID|PASID or no data: EOPNOTSUPP; an automatic, non-nesting or
 * foreign parent: EINVAL), then the driver's. The mock and VT-d can nest
 * here; SMMUv3 nests only through a vIOMMU (Linux's driver has no nested
 * allocation on a paging parent) and answers EOPNOTSUPP.
 */
static int hwpt_alloc_nested(struct sio_ucmd *ucmd, struct iommu_hwpt_alloc *cmd,
			     struct sio_device *dev, struct sio_hwpt *parent, struct sio_hwpt **out)
{
	if ((cmd->flags & ~(IOMMU_HWPT_FAULT_ID_VALID | IOMMU_HWPT_ALLOC_PASID)) ||
	    !cmd->data_len || (dev->type != SIO_IOMMU_MOCK && dev->type != SIO_IOMMU_VTD))
		return -EOPNOTSUPP;
	if (parent->auto_domain || !parent->nest_parent || parent->iommu != dev->iommu)
		return -EINVAL;
	if (dev->type == SIO_IOMMU_VTD)
		return vtd_nested(ucmd, cmd, parent, out);
	return mock_nested(ucmd, cmd, parent, out);
}

/*
 * A nested HWPT on a vIOMMU: the device must be behind the vIOMMU's IOMMU
 * (EINVAL), the core's flag and data rules, then the vIOMMU's driver.
 */
static int hwpt_alloc_on_viommu(struct sio_ucmd *ucmd, struct iommu_hwpt_alloc *cmd,
				struct sio_device *dev, struct sio_viommu *viommu,
				struct sio_hwpt **out)
{
	if (dev->iommu != viommu->iommu)
		return -EINVAL;
	if ((cmd->flags & ~(IOMMU_HWPT_FAULT_ID_VALID | IOMMU_HWPT_ALLOC_PASID)) || !cmd->data_len)
		return -EOPNOTSUPP;
	if (!viommu->drv_ops->alloc_nested)
		return -EOPNOTSUPP;
	return viommu->drv_ops->alloc_nested(ucmd, cmd, dev, viommu, out);
}

int sio_ioctl_hwpt_alloc(struct sio_ucmd *ucmd)
{
	struct iommu_hwpt_alloc *cmd = ucmd->cmd;
	struct sio_hwpt *hwpt = NULL;
	struct sio_object *pt_obj;
	struct sio_device *dev;
	int rc;

	if (cmd->__reserved)
		return -EOPNOTSUPP;
	if ((cmd->data_type == IOMMU_HWPT_DATA_NONE && cmd->data_len) ||
	    (cmd->data_type != IOMMU_HWPT_DATA_NONE && !cmd->data_len))
		return -EINVAL;
	dev = sio_device_get(ucmd->ctx, cmd->dev_id);
	if (!dev)
		return -ENOENT;
	pt_obj = sio_object_get(ucmd->ctx, cmd->pt_id, SIO_OBJ_ANY);
	if (!pt_obj) {
		rc = -EINVAL;
		goto out_put_dev;
	}
	switch (pt_obj->type) {
	case SIO_OBJ_IOAS:
		rc = hwpt_alloc_paging(ucmd, cmd, dev, container_of(pt_obj, struct sio_ioas, obj),
				       &hwpt);
		break;
	case SIO_OBJ_HWPT_PAGING:
		rc = hwpt_alloc_nested(ucmd, cmd, dev, container_of(pt_obj, struct sio_hwpt, obj),
				       &hwpt);
		break;
	case SIO_OBJ_VIOMMU:
		rc = hwpt_alloc_on_viommu(ucmd, cmd, dev,
					  container_of(pt_obj, struct sio_viommu, obj), &hwpt);
		break;
	default:
		rc = -EINVAL;
		break;
	}
	if (rc)
		goto out_put_pt;
	ucmd->new_obj = &hwpt->obj;
	/* After the HWPT, as Linux looks the FAULT up (the HWPT is then aborted). */
	if (cmd->flags & IOMMU_HWPT_FAULT_ID_VALID) {
		struct sio_fault_queue *fq = sio_fault_queue_get(ucmd->ctx, cmd->fault_id);

		if (!fq) {
			rc = -ENOENT;
			goto out_put_pt;
		}
		sio_hwpt_set_fault(hwpt, fq);
		sio_fault_queue_put(fq);
	}
	cmd->out_hwpt_id = hwpt->obj.id;
	rc = sio_ucmd_respond(ucmd, sizeof(*cmd));
out_put_pt:
	sio_object_put(pt_obj);
out_put_dev:
	sio_device_put(dev);
	return rc;
}

int sio_ioctl_get_hw_info(struct sio_ucmd *ucmd)
{
	struct iommu_hw_info *cmd = ucmd->cmd;
	struct sio_hw_info info;
	struct sio_device *dev;
	uint32_t type;
	int rc;

	if (cmd->flags & ~IOMMU_HW_INFO_FLAG_INPUT_TYPE)
		return -EOPNOTSUPP;
	if (cmd->__reserved[0] || cmd->__reserved[1] || cmd->__reserved[2])
		return -EOPNOTSUPP;
	/* Without INPUT_TYPE the field is ignored: the default type. */
	type = (cmd->flags & IOMMU_HW_INFO_FLAG_INPUT_TYPE) ? cmd->in_data_type :
	       IOMMU_HW_INFO_TYPE_DEFAULT;
	dev = sio_device_get(ucmd->ctx, cmd->dev_id);
	if (!dev)
		return -ENOENT;
	rc = sio_driver_hw_info(dev, type, &info);
	if (rc)
		goto out_put;
	if (cmd->data_len) {
		uint32_t n = sio_min(cmd->data_len, info.len);

		rc = sio_copy_to_user(cmd->data_uptr, info.data, n);
		/* A larger user buffer is zero-filled past the driver's data. */
		if (!rc && cmd->data_len > info.len)
			rc = sio_clear_user(cmd->data_uptr + info.len, cmd->data_len - info.len);
		if (rc)
			goto out_put;
	}
	cmd->data_len = info.len;
	cmd->out_data_type = info.type;
	cmd->out_capabilities = info.capabilities;
	cmd->out_max_pasid_log2 = (uint8_t)dev->pasid_bits;
	rc = sio_ucmd_respond(ucmd, sizeof(*cmd));
out_put:
	sio_device_put(dev);
	return rc;
}

int sio_ioctl_hwpt_set_dirty_tracking(struct sio_ucmd *ucmd)
{
	struct iommu_hwpt_set_dirty_tracking *cmd = ucmd->cmd;
	bool enable = cmd->flags & IOMMU_HWPT_DIRTY_TRACKING_ENABLE;
	struct sio_domain_info info;
	struct sio_hwpt *hwpt;
	int rc;

	if (cmd->flags & ~IOMMU_HWPT_DIRTY_TRACKING_ENABLE)
		return -EOPNOTSUPP;
	hwpt = sio_hwpt_paging_get(ucmd->ctx, cmd->hwpt_id);
	if (!hwpt)
		return -ENOENT;
	sio_domain_get_info(hwpt->domain, &info);
	if (!info.dirty_tracking_cap) {
		rc = -EOPNOTSUPP;
		goto out_put;
	}
	rc = sio_iopt_set_dirty_tracking(&hwpt->ioas->iopt, hwpt->domain, enable);
out_put:
	sio_hwpt_put(hwpt);
	return rc;
}

struct dirty_bitmap {
	uint64_t uptr;		/* caller's bitmap, any alignment */
	uint64_t iova;		/* IOVA of bit 0 */
	uint64_t last;		/* last IOVA the bitmap covers */
	uint64_t page_size;
	int rc;
};

/* Set the bits of [iova, iova + size) ∩ the bitmap range in the caller's bitmap. */
static void set_dirty_bits(void *arg, uint64_t iova, uint64_t size)
{
	struct dirty_bitmap *bm = arg;
	uint64_t first = sio_max(iova, bm->iova), last = sio_min(iova + size - 1, bm->last);
	uint64_t bit, end;

	if (bm->rc || first > last)
		return;
	bit = (first - bm->iova) / bm->page_size;
	end = (last - bm->iova) / bm->page_size;
	while (bit <= end && !bm->rc) {
		uint64_t byte_addr = bm->uptr + bit / 8;
		uint8_t byte;

		if (sio_copy_from_user(&byte, byte_addr, 1)) {
			bm->rc = -EFAULT;
			break;
		}
		for (; bit <= end && (bm->uptr + bit / 8) == byte_addr; bit++)
			byte |= 1u << (bit % 8);
		if (sio_copy_to_user(byte_addr, &byte, 1))
			bm->rc = -EFAULT;
	}
}

int sio_ioctl_hwpt_get_dirty_bitmap(struct sio_ucmd *ucmd)
{
	struct iommu_hwpt_get_dirty_bitmap *cmd = ucmd->cmd;
	struct dirty_bitmap bm = { .uptr = cmd->data, .page_size = cmd->page_size };
	struct sio_domain_info info;
	struct sio_hwpt *hwpt;
	uint64_t last, align;
	int rc;

	if ((cmd->flags & ~IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR) || cmd->__reserved)
		return -EOPNOTSUPP;
	hwpt = sio_hwpt_paging_get(ucmd->ctx, cmd->hwpt_id);
	if (!hwpt)
		return -ENOENT;
	align = hwpt->ioas->iopt.iova_alignment;
	if (check_add_overflow(cmd->iova, cmd->length - 1, &last) || cmd->iova > ULONG_MAX ||
	    last > ULONG_MAX) {
		rc = -EOVERFLOW;
		goto out_put;
	}
	if ((cmd->iova & (align - 1)) || ((last + 1) & (align - 1)) || !cmd->page_size ||
	    (cmd->iova & (cmd->page_size - 1)) || ((last + 1) & (cmd->page_size - 1))) {
		rc = -EINVAL;
		goto out_put;
	}
	sio_domain_get_info(hwpt->domain, &info);
	if (!info.dirty_tracking_cap) {
		rc = -EOPNOTSUPP;
		goto out_put;
	}
	/* Linux pins the bitmap for writing before it reads any dirty state. */
	if (sio_user_probe_writable(cmd->data, (cmd->length / cmd->page_size + 7) / 8)) {
		rc = -EFAULT;
		goto out_put;
	}
	bm.iova = cmd->iova;
	bm.last = last;
	rc = sio_iopt_read_and_clear_dirty(&hwpt->ioas->iopt, hwpt->domain, cmd->iova, last,
					   cmd->flags & IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR,
					   set_dirty_bits, &bm);
	if (!rc)
		rc = bm.rc;
out_put:
	sio_hwpt_put(hwpt);
	return rc;
}

/* The selftest mock's nested-domain invalidation (spec iommufd-testops §3.3). */
static int mock_nested_invalidate(struct sio_hwpt *hwpt, const struct iommu_hwpt_invalidate *cmd,
				  uint32_t *done)
{
	uint32_t i;
	int rc;

	/* The array type is checked even for an empty array (a type probe). */
	if (cmd->data_type != IOMMU_HWPT_INVALIDATE_DATA_SELFTEST)
		return -EINVAL;
	for (i = 0; i < cmd->entry_num; i++) {
		struct iommu_hwpt_invalidate_selftest inv;

		rc = sio_copy_driver_data(&inv, sizeof(inv),
					  offsetofend(struct iommu_hwpt_invalidate_selftest, iotlb_id),
					  IOMMU_HWPT_INVALIDATE_DATA_SELFTEST, cmd->data_type,
					  cmd->data_uptr + (uint64_t)i * cmd->entry_len, cmd->entry_len);
		if (rc)
			return rc;
		if (inv.flags & ~IOMMU_TEST_INVALIDATE_FLAG_ALL)
			return -EOPNOTSUPP;
		if (inv.flags & IOMMU_TEST_INVALIDATE_FLAG_ALL) {
			memset(hwpt->mock_iotlb, 0, sizeof(hwpt->mock_iotlb));
		} else {
			if (inv.iotlb_id >= SIO_MOCK_NESTED_IOTLB_NUM)
				return -EINVAL;
			hwpt->mock_iotlb[inv.iotlb_id] = 0;
		}
		*done = i + 1;
	}
	return 0;
}

/*
 * A range of one VT-d P_IOTLB page-selective invalidation: @npages 4 KiB
 * pages from @addr, widened to the naturally aligned power-of-two block that
 * covers it (the address-mask form of the descriptor).
 */
static void vtd_psi_block(uint64_t addr, uint64_t npages, uint64_t *start, uint64_t *size)
{
	uint64_t end, pages;

	/* A block of 2^52 pages spans every address: *size 0 means "all". */
	*start = 0;
	*size = 0;
	if (npages >= (1ull << 51) || check_add_overflow(addr, npages << 12, &end))
		return;
	end -= 1;
	for (pages = sio_roundup_pow2(npages); pages < (1ull << 52); pages <<= 1) {
		uint64_t block = pages << 12, base = addr & ~(block - 1);

		if (base + (block - 1) >= end) {
			*start = base;
			*size = block;
			return;
		}
	}
}

/* VT-d stage-1 invalidation (hw-model §4.1): per entry, stopping at the first bad one. */
static int vtd_nested_invalidate(struct sio_hwpt *hwpt, const struct iommu_hwpt_invalidate *cmd,
				 uint32_t *done)
{
	uint32_t i;
	int rc;

	if (cmd->data_type != IOMMU_HWPT_INVALIDATE_DATA_VTD_S1)
		return -EINVAL;
	for (i = 0; i < cmd->entry_num; i++) {
		struct iommu_hwpt_vtd_s1_invalidate inv;
		uint64_t start, size;

		rc = sio_copy_driver_data(&inv, sizeof(inv),
					  offsetofend(struct iommu_hwpt_vtd_s1_invalidate, __reserved),
					  IOMMU_HWPT_INVALIDATE_DATA_VTD_S1, cmd->data_type,
					  cmd->data_uptr + (uint64_t)i * cmd->entry_len, cmd->entry_len);
		if (rc)
			return rc;
		if ((inv.flags & ~IOMMU_VTD_INV_FLAGS_LEAF) || inv.__reserved)
			return -EOPNOTSUPP;
		if ((inv.addr & 0xfff) || (inv.npages == UINT64_MAX && inv.addr))
			return -EINVAL;
		if (hwpt->domain) {
			if (inv.npages == UINT64_MAX) {
				sio_iommu_invalidate_did(hwpt->iommu, sio_domain_did(hwpt->domain));
			} else if (inv.npages) {
				vtd_psi_block(inv.addr, inv.npages, &start, &size);
				if (size)
					sio_iommu_invalidate(hwpt->iommu,
							     sio_domain_did(hwpt->domain), start,
							     size);
				else
					sio_iommu_invalidate_did(hwpt->iommu,
								 sio_domain_did(hwpt->domain));
			}
		}
		*done = i + 1;
	}
	return 0;
}

int sio_ioctl_hwpt_invalidate(struct sio_ucmd *ucmd)
{
	struct iommu_hwpt_invalidate *cmd = ucmd->cmd;
	struct sio_object *obj = NULL;
	uint32_t done = 0;
	int rc;

	if (cmd->__reserved)
		return -EOPNOTSUPP;
	if (cmd->entry_num && (!cmd->data_uptr || !cmd->entry_len ||
			       cmd->entry_len > sio_page_size() || cmd->entry_num > (1u << 19))) {
		rc = -EINVAL;
		goto out;
	}
	obj = sio_object_get(ucmd->ctx, cmd->hwpt_id, SIO_OBJ_ANY);
	if (!obj) {
		rc = -ENOENT;
		goto out;
	}
	if (obj->type == SIO_OBJ_HWPT_NESTED) {
		struct sio_hwpt *hwpt = container_of(obj, struct sio_hwpt, obj);

		if (hwpt->iommu == sio_machine_iommu(SIO_IOMMU_MOCK))
			rc = mock_nested_invalidate(hwpt, cmd, &done);
		else if (hwpt->iommu == sio_machine_iommu(SIO_IOMMU_VTD))
			rc = vtd_nested_invalidate(hwpt, cmd, &done);
		else
			rc = -EOPNOTSUPP;
	} else if (obj->type == SIO_OBJ_VIOMMU) {
		struct sio_viommu *viommu = container_of(obj, struct sio_viommu, obj);

		if (viommu->drv_ops->cache_invalidate)
			rc = viommu->drv_ops->cache_invalidate(viommu, cmd, &done);
		else
			rc = -EOPNOTSUPP;
	} else {
		rc = -EINVAL;
	}
	sio_object_put(obj);
out:
	/* entry_num is always written back: the entries fully handled. */
	cmd->entry_num = done;
	if (sio_ucmd_respond(ucmd, sizeof(*cmd)))
		return -EFAULT;
	return rc;
}
