/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Devices bound to an iommufd context (DEVICE objects): a device context on
 * a software IOMMU plus its attachments, with Linux's attach, replace and
 * detach rules (spec iommufd-abi §5). The binding driver (the VFIO cdev or
 * the selftest) holds a user reference, so IOMMU_DESTROY gives EBUSY.
 *
 * Locking: dev->lock serialises attach/replace/detach of the device and
 * protects its attachment state; it is taken before any IOAS lock.
 */
#ifndef SIO_CORE_DEVICE_H
#define SIO_CORE_DEVICE_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/hwpt.h"
#include "core/object.h"
#include "iommu/iommu.h"

struct sio_vdevice;

struct sio_pasid_attach {
	uint32_t pasid;
	struct sio_hwpt *hwpt;
};

struct sio_device {
	struct sio_object obj;
	struct sio_iommu *iommu;
	enum sio_iommu_type type;
	struct sio_iommu_dev *hw;	/* owned by the binder, outlives the object */
	bool dirty_cap;
	unsigned int pasid_bits;
	pthread_mutex_t lock;
	struct sio_hwpt *rid_hwpt;	/* attached at the RID (users reference) */
	struct sio_ioas *resv_ioas;	/* IOAS holding this device's reserved regions */
	struct sio_pasid_attach *pasids;
	size_t npasids;
	void *binder;			/* the binding driver's per-device state */
	/*
	 * The binder's view of RID changes: called under dev->lock after every
	 * successful RID attach or replace (@hwpt the new HWPT) and detach
	 * (NULL). May be NULL.
	 */
	void (*rid_changed)(struct sio_device *dev, struct sio_hwpt *hwpt);
	/* The device's vDEVICE, if any (under dev->lock; core/viommu.h). */
	struct sio_vdevice *vdev;
	/* Unbind has begun: no new vDEVICE (under dev->lock). */
	bool unbinding;
};

/*
 * Bind @hw (on @iommu of @type) to @ctx: a visible DEVICE object with a user
 * reference for the binder. Return: 0, -ENOMEM, -ENOSPC.
 */
int sio_device_bind(struct sio_ctx *ctx, struct sio_iommu *iommu, enum sio_iommu_type type,
		    struct sio_iommu_dev *hw, struct sio_device **out);
/* Detach everything, then destroy the object (the binder's reference ends). */
void sio_device_unbind(struct sio_device *dev);

struct sio_device *sio_device_get(struct sio_ctx *ctx, uint32_t id);
static inline void sio_device_put(struct sio_device *dev)
{
	sio_object_put(&dev->obj);
}

/*
 * Attach the RID to *pt_id (a paging HWPT, or an IOAS: an automatic domain
 * is reused or created). On success *pt_id is the HWPT attached.
 * Return: 0, -ENOENT (no such object), -EINVAL (incompatible, already
 * attached to another HWPT of the group, wrong object type), -EBUSY
 * (already attached: use replace), -EADDRINUSE, -EFAULT, -ENOMEM.
 */
int sio_device_attach(struct sio_device *dev, uint32_t *pt_id);
/* As attach, on an attached RID; replacing with the same HWPT is a no-op. */
int sio_device_replace(struct sio_device *dev, uint32_t *pt_id);
/* Detach the RID (and drop an automatic domain left without devices). */
void sio_device_detach(struct sio_device *dev);

/*
 * PASID attachments (spec §5). PASID 0 is the RID (Linux's IOMMU_NO_PASID).
 * attach: the device must support PASIDs and @pasid be within its width, the
 * target a PASID-compatible HWPT (an IOAS is refused) while the RID's HWPT, if
 * any, is PASID-compatible too: else -EINVAL; an attached PASID: -EBUSY;
 * missing object: -ENOENT. replace: the PASID must be attached (-EINVAL);
 * the same HWPT is a no-op; a failed replace keeps the old attachment.
 * detach: a PASID that is not attached is a silent no-op.
 */
int sio_device_pasid_attach(struct sio_device *dev, uint32_t pasid, uint32_t *pt_id);
int sio_device_pasid_replace(struct sio_device *dev, uint32_t pasid, uint32_t *pt_id);
void sio_device_pasid_detach(struct sio_device *dev, uint32_t pasid);
/* Whether @hwpt (NULL: nothing) is what @pasid (0: the RID) has attached. */
bool sio_device_attached_is(struct sio_device *dev, uint32_t pasid, const struct sio_hwpt *hwpt);

/*
 * The HWPT a page request of @dev at @pasid is routed to (core/fault.h:
 * sio_device_iopf_hwpt()), fault queue or not, and in *@key the PASID of
 * that attachment (0: the RID); NULL when none. dev->lock held.
 */
struct sio_hwpt *sio_device_iopf_route_locked(struct sio_device *dev, bool pasid_valid,
					      uint32_t pasid, uint32_t *key);

#endif /* SIO_CORE_DEVICE_H */
