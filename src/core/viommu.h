/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vIOMMU objects (IOMMU_VIOMMU_ALLOC), the virtual devices behind them
 * (IOMMU_VDEVICE_ALLOC) and their hardware queues (IOMMU_HW_QUEUE_ALLOC):
 * the core's side, independent of the ABI payloads and of the vendor.
 *
 * A vIOMMU is one guest-visible IOMMU instance backed by a software IOMMU
 * and a nesting-parent paging HWPT (its stage 2; the vIOMMU holds a users
 * reference on it, and for SMMUv3 takes its VMID). Nested HWPTs allocated
 * on the vIOMMU hold a users reference on the vIOMMU.
 *
 * vDEVICEs map a guest's virtual ID (vSID, vRID, ...) to a bound device.
 * Each holds a users reference on its vIOMMU; the device holds none on the
 * vDEVICE. When the device is unbound first, its vDEVICE is destroyed by
 * the core and its ID tombstoned (IOMMU_DESTROY -> ENOENT, the ID is not
 * reused until the context is closed), as in Linux.
 *
 * Vendor behaviour (what a type accepts, invalidation commands, the
 * selftest's loop-back data and mmap region) lives in the uapi layer,
 * which keeps its per-vIOMMU state in @drv.
 *
 * Locking: viommu->lock protects the vDEVICE table, the HW queue slots and
 * the list of vEVENTQs (core/veventq.h). It nests inside a device's lock and
 * outside the context's lock.
 */
#ifndef SIO_CORE_VIOMMU_H
#define SIO_CORE_VIOMMU_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/hwpt.h"
#include "core/object.h"

struct sio_access;
struct sio_device;
struct sio_vdevice;
struct sio_hw_queue;
struct sio_viommu_drv;
struct sio_veventq;
struct sio_fault;

/* Most HW queue indexes any vIOMMU type offers (the selftest's is 2). */
#define SIO_VIOMMU_HW_QUEUE_MAX 2

struct sio_viommu {
	struct sio_object obj;
	uint32_t type;			/* enum iommu_viommu_type (ABI value) */
	struct sio_iommu *iommu;
	enum sio_iommu_type iommu_type;
	struct sio_hwpt *parent;	/* nesting parent (users reference) */

	pthread_mutex_t lock;
	/* vDEVICEs of this vIOMMU (under lock): a list through vdev_next. */
	struct sio_vdevice *vdevs;
	/* HW queues by index (under lock). */
	struct sio_hw_queue *hw_queues[SIO_VIOMMU_HW_QUEUE_MAX];
	/* vEVENTQs, at most one per type (under lock): a list through next. */
	struct sio_veventq *veventqs;

	/* Vendor state owned by the uapi layer; drv_free (may be NULL) runs at destroy. */
	void *drv;
	void (*drv_free)(struct sio_viommu *viommu);
	/* The vendor's operations (uapi/viommu_drv.h; opaque to the core). */
	const struct sio_viommu_drv *drv_ops;
	/*
	 * Attaching @hwpt, a nested HWPT of this vIOMMU, to @dev's RID: 0 or
	 * the errno. Called under dev->lock. NULL: no rule.
	 */
	int (*attach_check)(struct sio_viommu *viommu, struct sio_hwpt *hwpt,
			    struct sio_device *dev);
	/*
	 * A DMA fault @f of a device whose RID is attached to a nested HWPT of
	 * this vIOMMU and whose vDEVICE has @virt_id: the vendor's event, if
	 * any (sio_viommu_report_event()). Called under the device's lock.
	 * NULL: faults make no events.
	 */
	void (*report_fault)(struct sio_viommu *viommu, uint64_t virt_id,
			     const struct sio_fault *f);
};

struct sio_vdevice {
	struct sio_object obj;
	struct sio_viommu *viommu;	/* users reference */
	struct sio_device *dev;		/* cleared (under viommu->lock) when the device goes */
	uint64_t virt_id;
	struct sio_vdevice *vdev_next;
};

struct sio_hw_queue {
	struct sio_object obj;
	struct sio_viommu *viommu;	/* users reference */
	uint32_t type;			/* enum iommu_hw_queue_type (ABI value) */
	uint32_t index;
	uint64_t nesting_parent_iova;	/* guest address of the queue */
	uint64_t length;
	/* The internal access pinning the queue's pages in the parent's IOAS. */
	struct sio_access *access;
	/* Host address of the pinned queue memory (physically contiguous). */
	void *base;
};

/*
 * Allocate a vIOMMU of ABI type @type on @parent (a NEST_PARENT paging HWPT
 * of @dev's IOMMU; the caller has checked it). Not yet visible.
 * Return: 0, -ENOMEM, -ENOSPC.
 */
int sio_viommu_alloc(struct sio_ctx *ctx, struct sio_device *dev, uint32_t type,
		     struct sio_hwpt *parent, struct sio_viommu **out);

/* Look up a vIOMMU with a short-term reference; NULL: -ENOENT. */
struct sio_viommu *sio_viommu_get(struct sio_ctx *ctx, uint32_t id);
static inline void sio_viommu_put(struct sio_viommu *viommu)
{
	sio_object_put(&viommu->obj);
}

/*
 * IOMMU_VDEVICE_ALLOC's core (spec iommufd-abi §4.18 order after the
 * lookups): @dev behind another IOMMU -EINVAL; being unbound -ENOENT; the
 * device already has a vDEVICE (on any vIOMMU) or @virt_id is taken on
 * @viommu -EEXIST. Not yet visible. Return: 0 or the errno.
 */
int sio_vdevice_alloc(struct sio_ctx *ctx, struct sio_viommu *viommu, struct sio_device *dev,
		      uint64_t virt_id, struct sio_vdevice **out);

/*
 * The device whose vDEVICE on @viommu has @virt_id, with a short-term
 * reference (sio_device_put()), or NULL.
 */
struct sio_device *sio_viommu_find_vdev(struct sio_viommu *viommu, uint64_t virt_id);

/* The virtual ID of @dev on @viommu: true and *virt_id, or false (no vDEVICE). */
bool sio_viommu_vdev_id(struct sio_viommu *viommu, struct sio_device *dev, uint64_t *virt_id);

/*
 * Called by sio_device_unbind() before the device's object goes: destroys
 * the device's vDEVICE, if any, and tombstones its ID.
 */
void sio_vdevice_device_gone(struct sio_device *dev);

/*
 * IOMMU_HW_QUEUE_ALLOC's core (spec iommufd-abi §4.21 after the lookups):
 * a HW_QUEUE object (ID first), then an internal ACCESS (visible, its own
 * ID, IOMMU_DESTROY gives EBUSY) on the parent's IOAS that pins and locks
 * [align_down(@iova, page), align_up(@iova + @length, page)) (for reading):
 * a hole -ENOENT, pages not contiguous in "physical" memory -EFAULT (areas
 * locked: IOAS_UNMAP of them gives EBUSY while the queue exists). Then,
 * under viommu->lock, @check(@viommu, @index) (the driver's rules; NULL: no
 * rule) and the slot is taken; a queue at index n > 0 holds a users
 * reference on queue n - 1. Not yet visible. @index must be below
 * SIO_VIOMMU_HW_QUEUE_MAX when @check passes (-EINVAL otherwise).
 * Return: 0 or the errno.
 */
int sio_hw_queue_alloc(struct sio_ctx *ctx, struct sio_viommu *viommu, uint32_t type,
		       uint32_t index, uint64_t iova, uint64_t length,
		       int (*check)(struct sio_viommu *viommu, uint32_t index),
		       struct sio_hw_queue **out);

/*
 * The queue's allocation can no longer fail (its ID has reached the user):
 * from now on the queue at index + 1 may depend on it. Until then that one
 * answers -EIO, as if this queue were missing.
 */
void sio_hw_queue_publish(struct sio_hw_queue *q);

#endif /* SIO_CORE_VIOMMU_H */
