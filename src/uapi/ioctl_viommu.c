/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IOMMU_VIOMMU_ALLOC, IOMMU_VDEVICE_ALLOC and IOMMU_HW_QUEUE_ALLOC with
 * Linux's order of checks (spec iommufd-abi §4.17, §4.18, §4.21); what a
 * vIOMMU type accepts is its driver's (uapi/viommu_drv.h).
 */
#include <errno.h>
#include <limits.h>

#include <softiommu/uapi/iommufd.h>

#include "base/compiler.h"
#include "core/device.h"
#include "core/hwpt.h"
#include "core/viommu.h"
#include "uapi/ucmd.h"
#include "uapi/viommu_drv.h"

int sio_ioctl_viommu_alloc(struct sio_ucmd *ucmd)
{
	struct iommu_viommu_alloc *cmd = ucmd->cmd;
	const struct sio_viommu_drv *drv;
	struct sio_viommu *viommu;
	struct sio_hwpt *parent;
	struct sio_device *dev;
	int rc;

	if (cmd->flags || cmd->type == IOMMU_VIOMMU_TYPE_DEFAULT)
		return -EOPNOTSUPP;
	dev = sio_device_get(ucmd->ctx, cmd->dev_id);
	if (!dev)
		return -ENOENT;
	drv = sio_viommu_drv_find(cmd->type, dev->type);
	if (!drv) {
		rc = -EOPNOTSUPP;
		goto out_put_dev;
	}
	parent = sio_hwpt_paging_get(ucmd->ctx, cmd->hwpt_id);
	if (!parent) {
		rc = -ENOENT;
		goto out_put_dev;
	}
	if (!parent->nest_parent || parent->iommu != dev->iommu) {
		rc = -EINVAL;
		goto out_put_parent;
	}
	rc = sio_viommu_alloc(ucmd->ctx, dev, cmd->type, parent, &viommu);
	if (rc)
		goto out_put_parent;
	ucmd->new_obj = &viommu->obj;
	viommu->drv_ops = drv;
	viommu->attach_check = drv->attach_check;
	rc = drv->init(ucmd, cmd, dev, viommu);
	if (rc)
		goto out_put_parent;
	cmd->out_viommu_id = viommu->obj.id;
	rc = sio_ucmd_respond(ucmd, sizeof(*cmd));
out_put_parent:
	sio_hwpt_put(parent);
out_put_dev:
	sio_device_put(dev);
	return rc;
}

int sio_ioctl_vdevice_alloc(struct sio_ucmd *ucmd)
{
	struct iommu_vdevice_alloc *cmd = ucmd->cmd;
	struct sio_viommu *viommu;
	struct sio_vdevice *vdev;
	struct sio_device *dev;
	int rc;

	if (cmd->virt_id > ULONG_MAX)
		return -EINVAL;
	viommu = sio_viommu_get(ucmd->ctx, cmd->viommu_id);
	if (!viommu)
		return -ENOENT;
	dev = sio_device_get(ucmd->ctx, cmd->dev_id);
	if (!dev) {
		rc = -ENOENT;
		goto out_put_viommu;
	}
	rc = sio_vdevice_alloc(ucmd->ctx, viommu, dev, cmd->virt_id, &vdev);
	if (rc)
		goto out_put_dev;
	ucmd->new_obj = &vdev->obj;
	cmd->out_vdevice_id = vdev->obj.id;
	rc = sio_ucmd_respond(ucmd, sizeof(*cmd));
out_put_dev:
	sio_device_put(dev);
out_put_viommu:
	sio_viommu_put(viommu);
	return rc;
}

int sio_ioctl_hw_queue_alloc(struct sio_ucmd *ucmd)
{
	struct iommu_hw_queue_alloc *cmd = ucmd->cmd;
	const struct sio_viommu_drv *drv;
	struct sio_viommu *viommu;
	struct sio_hw_queue *q;
	uint64_t last;
	int rc;

	if (cmd->flags || cmd->type == IOMMU_HW_QUEUE_TYPE_DEFAULT)
		return -EOPNOTSUPP;
	if (!cmd->length)
		return -EINVAL;
	if (check_add_overflow(cmd->nesting_parent_iova, cmd->length - 1, &last))
		return -EOVERFLOW;
	viommu = sio_viommu_get(ucmd->ctx, cmd->viommu_id);
	if (!viommu)
		return -ENOENT;
	drv = viommu->drv_ops;
	if (!drv->hw_queue_type || drv->hw_queue_type != cmd->type) {
		rc = -EOPNOTSUPP;
		goto out_put;
	}
	rc = sio_hw_queue_alloc(ucmd->ctx, viommu, cmd->type, cmd->index, cmd->nesting_parent_iova,
				cmd->length, drv->hw_queue_check, &q);
	if (rc)
		goto out_put;
	ucmd->new_obj = &q->obj;
	cmd->out_hw_queue_id = q->obj.id;
	rc = sio_ucmd_respond(ucmd, sizeof(*cmd));
	if (!rc)
		sio_hw_queue_publish(q);
out_put:
	sio_viommu_put(viommu);
	return rc;
}
