/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdlib.h>

#include "base/compiler.h"
#include "base/log.h"
#include "core/device.h"
#include "core/fault.h"
#include "core/viommu.h"

static void device_destroy(struct sio_object *obj)
{
	struct sio_device *dev = container_of(obj, struct sio_device, obj);

	pthread_mutex_destroy(&dev->lock);
	free(dev->pasids);
	free(dev);
}

static const struct sio_object_ops device_ops = {
	.destroy = device_destroy,
};

int sio_device_bind(struct sio_ctx *ctx, struct sio_iommu *iommu, enum sio_iommu_type type,
		    struct sio_iommu_dev *hw, struct sio_device **out)
{
	struct sio_object *obj;
	struct sio_device *dev;
	int rc;

	rc = sio_object_alloc(ctx, sizeof(*dev), SIO_OBJ_DEVICE, &device_ops, &obj);
	if (rc)
		return rc;
	dev = container_of(obj, struct sio_device, obj);
	dev->iommu = iommu;
	dev->type = type;
	dev->hw = hw;
	dev->dirty_cap = sio_iommu_dev_caps(hw) & SIO_DEV_CAP_DIRTY;
	dev->pasid_bits = sio_iommu_dev_pasid_bits(hw);
	pthread_mutex_init(&dev->lock, NULL);
	/* The binder's reference: IOMMU_DESTROY of a bound device is EBUSY. */
	sio_object_users_get(obj);
	sio_object_finalize(obj);
	*out = dev;
	return 0;
}

struct sio_device *sio_device_get(struct sio_ctx *ctx, uint32_t id)
{
	struct sio_object *obj = sio_object_get(ctx, id, SIO_OBJ_DEVICE);

	return obj ? container_of(obj, struct sio_device, obj) : NULL;
}

/* Add the device's reserved regions to @ioas; -EADDRINUSE if they collide. */
static int add_resv(struct sio_device *dev, struct sio_ioas *ioas)
{
	const struct sio_resv_region *r;
	size_t n = sio_driver_resv_regions(dev->type, &r), i;
	int rc;

	if (dev->resv_ioas == ioas)
		return 0;
	for (i = 0; i < n; i++) {
		rc = sio_iopt_reserve(&ioas->iopt, r[i].start, r[i].last, dev);
		if (rc) {
			sio_iopt_remove_reserved(&ioas->iopt, dev);
			return rc;
		}
	}
	return 0;
}

static void remove_resv(struct sio_device *dev)
{
	if (!dev->resv_ioas)
		return;
	sio_iopt_remove_reserved(&dev->resv_ioas->iopt, dev);
	dev->resv_ioas = NULL;
}

/* Whether the device may use @hwpt at its RID (spec §5). dev->lock held. */
static int rid_compatible(struct sio_device *dev, struct sio_hwpt *hwpt)
{
	if (hwpt->attach_error)
		return hwpt->attach_error;
	if (hwpt->iommu != dev->iommu)
		return -EINVAL;
	if (hwpt->dirty_tracking && !dev->dirty_cap)
		return -EINVAL;
	/* A PASID is attached: the RID's domain must be PASID-compatible. */
	if (dev->npasids && !hwpt->pasid_compat)
		return -EINVAL;
	/* A nested HWPT of a vIOMMU: its driver's rules (viommu->lock nests inside). */
	if (hwpt->viommu && hwpt->viommu->attach_check)
		return hwpt->viommu->attach_check(hwpt->viommu, hwpt, dev);
	return 0;
}

/*
 * Drop an attachment's reference; an automatic domain whose last device left
 * is destroyed (removing it fails harmlessly while others still use it).
 */
static void hwpt_release_attach(struct sio_hwpt *hwpt)
{
	sio_object_users_put(&hwpt->obj);
	if (hwpt->auto_domain)
		sio_object_remove_internal(&hwpt->obj);
}

/*
 * Install @hwpt at the RID, replacing what is there; the replaced HWPT is
 * returned in *old for the caller to release once it holds no IOAS lock
 * (releasing an automatic domain may destroy it). dev->lock held.
 */
static int rid_install(struct sio_device *dev, struct sio_hwpt *hwpt, struct sio_hwpt **old_out)
{
	struct sio_hwpt *old = dev->rid_hwpt;
	struct sio_ioas *old_resv = dev->resv_ioas;
	int rc;

	rc = rid_compatible(dev, hwpt);
	if (rc)
		return rc;
	if (hwpt->ioas && hwpt->ioas != old_resv) {
		rc = add_resv(dev, hwpt->ioas);
		if (rc)
			return rc;
	}
	rc = sio_iommu_dev_attach(dev->hw, SIO_NO_PASID, hwpt->domain);
	if (rc) {
		if (hwpt->ioas && hwpt->ioas != old_resv)
			sio_iopt_remove_reserved(&hwpt->ioas->iopt, dev);
		return rc;
	}
	sio_object_users_get(&hwpt->obj);
	dev->rid_hwpt = hwpt;
	if (hwpt->ioas != old_resv) {
		if (old_resv)
			sio_iopt_remove_reserved(&old_resv->iopt, dev);
		dev->resv_ioas = hwpt->ioas;
	}
	if (dev->rid_changed)
		dev->rid_changed(dev, hwpt);
	*old_out = old;
	return 0;
}

/*
 * Attach to an IOAS: reuse an automatic domain of it that accepts the
 * device (EINVAL means "incompatible, try the next"), else create one.
 */
static int rid_install_auto(struct sio_device *dev, struct sio_ioas *ioas, uint32_t *pt_id,
			    struct sio_hwpt **old)
{
	struct sio_hwpt_request req = { .auto_domain = true };
	struct sio_hwpt *hwpt;
	int rc;

	pthread_mutex_lock(&ioas->hwpt_lock);
	for (hwpt = ioas->hwpt_list; hwpt; hwpt = hwpt->ioas_next) {
		if (!hwpt->auto_domain)
			continue;
		rc = rid_install(dev, hwpt, old);
		if (rc == -EINVAL)
			continue;
		if (!rc)
			*pt_id = hwpt->obj.id;
		pthread_mutex_unlock(&ioas->hwpt_lock);
		return rc;
	}
	pthread_mutex_unlock(&ioas->hwpt_lock);

	rc = sio_hwpt_paging_alloc(dev->obj.ctx, ioas, dev->iommu, dev->type, &req, &hwpt);
	if (rc)
		return rc;
	rc = rid_install(dev, hwpt, old);
	if (rc) {
		sio_object_abort(&hwpt->obj);
		return rc;
	}
	sio_object_finalize(&hwpt->obj);
	*pt_id = hwpt->obj.id;
	return 0;
}

static int rid_attach(struct sio_device *dev, uint32_t *pt_id, bool replace)
{
	struct sio_fault_group *gone = NULL;
	struct sio_hwpt *old = NULL;
	struct sio_object *obj;
	int rc;

	pthread_mutex_lock(&dev->lock);
	if (replace ? !dev->rid_hwpt : !!dev->rid_hwpt) {
		rc = replace ? -EINVAL : -EBUSY;
		goto out_unlock;
	}
	obj = sio_object_get(dev->obj.ctx, *pt_id, SIO_OBJ_ANY);
	if (!obj) {
		rc = -ENOENT;
		goto out_unlock;
	}
	switch (obj->type) {
	case SIO_OBJ_HWPT_PAGING:
	case SIO_OBJ_HWPT_NESTED: {
		struct sio_hwpt *hwpt = container_of(obj, struct sio_hwpt, obj);

		rc = hwpt == dev->rid_hwpt ? 0 : rid_install(dev, hwpt, &old);
		break;
	}
	case SIO_OBJ_IOAS:
		rc = rid_install_auto(dev, container_of(obj, struct sio_ioas, obj), pt_id, &old);
		break;
	default:
		rc = -EINVAL;
		break;
	}
	sio_object_put(obj);
	if (old)
		sio_fault_attach_gone(old, dev, 0, &gone);
out_unlock:
	pthread_mutex_unlock(&dev->lock);
	sio_fault_complete_list(gone);
	if (old)
		hwpt_release_attach(old);
	return rc;
}

int sio_device_attach(struct sio_device *dev, uint32_t *pt_id)
{
	return rid_attach(dev, pt_id, false);
}

int sio_device_replace(struct sio_device *dev, uint32_t *pt_id)
{
	return rid_attach(dev, pt_id, true);
}

/* Detach the RID; its pending fault groups go to *@gone. Returns the old HWPT. */
static struct sio_hwpt *rid_detach_locked(struct sio_device *dev, struct sio_fault_group **gone)
{
	struct sio_hwpt *old = dev->rid_hwpt;

	if (!old)
		return NULL;
	sio_iommu_dev_attach(dev->hw, SIO_NO_PASID, NULL);
	dev->rid_hwpt = NULL;
	remove_resv(dev);
	if (dev->rid_changed)
		dev->rid_changed(dev, NULL);
	sio_fault_attach_gone(old, dev, 0, gone);
	return old;
}

void sio_device_detach(struct sio_device *dev)
{
	struct sio_fault_group *gone = NULL;
	struct sio_hwpt *old;

	pthread_mutex_lock(&dev->lock);
	old = rid_detach_locked(dev, &gone);
	pthread_mutex_unlock(&dev->lock);
	sio_fault_complete_list(gone);
	if (old)
		hwpt_release_attach(old);
}

void sio_device_unbind(struct sio_device *dev)
{
	while (dev->npasids)
		sio_device_pasid_detach(dev, dev->pasids[0].pasid);
	sio_device_detach(dev);
	/* A vDEVICE of the device is destroyed and its ID tombstoned. */
	sio_vdevice_device_gone(dev);
	/* The binder's reference goes; then the table's. */
	sio_object_users_put(&dev->obj);
	if (sio_object_remove_internal(&dev->obj))
		sio_err("device %u still referenced at unbind", dev->obj.id);
}

static struct sio_pasid_attach *pasid_slot(struct sio_device *dev, uint32_t pasid)
{
	size_t i;

	for (i = 0; i < dev->npasids; i++)
		if (dev->pasids[i].pasid == pasid)
			return &dev->pasids[i];
	return NULL;
}

/*
 * Resolve *pt_id for a PASID: an existing HWPT with a short-term reference;
 * an IOAS (automatic domains are RID-only) or another type is -EINVAL.
 */
static int pasid_target(struct sio_device *dev, uint32_t pt_id, struct sio_hwpt **out)
{
	struct sio_object *obj = sio_object_get(dev->obj.ctx, pt_id, SIO_OBJ_ANY);

	if (!obj)
		return -ENOENT;
	if (obj->type != SIO_OBJ_HWPT_PAGING && obj->type != SIO_OBJ_HWPT_NESTED) {
		sio_object_put(obj);
		return -EINVAL;
	}
	*out = container_of(obj, struct sio_hwpt, obj);
	return 0;
}

/* Linux's checks before a PASID install (dev->lock held). */
static int pasid_compatible(struct sio_device *dev, uint32_t pasid, struct sio_hwpt *hwpt)
{
	if (hwpt->attach_error)
		return hwpt->attach_error;
	if (hwpt->iommu != dev->iommu)
		return -EINVAL;
	if (hwpt->dirty_tracking && !dev->dirty_cap)
		return -EINVAL;
	if (!hwpt->pasid_compat)
		return -EINVAL;
	if (dev->rid_hwpt && !dev->rid_hwpt->pasid_compat)
		return -EINVAL;
	return 0;
}

static bool pasid_valid(struct sio_device *dev, uint32_t pasid)
{
	return dev->pasid_bits && pasid < (1u << dev->pasid_bits);
}

/*
 * Install *pt_id at @pasid: as a new attachment, or with @replace over the
 * current one (a no-op for the same HWPT; on failure the old one stays).
 */
static int pasid_install(struct sio_device *dev, uint32_t pasid, uint32_t *pt_id, bool replace)
{
	struct sio_fault_group *gone = NULL;
	struct sio_hwpt *hwpt, *old = NULL;
	struct sio_pasid_attach *slot, *v;
	int rc;

	if (!pasid_valid(dev, pasid))
		return -EINVAL;
	pthread_mutex_lock(&dev->lock);
	rc = pasid_target(dev, *pt_id, &hwpt);
	if (rc)
		goto out_unlock;
	slot = pasid_slot(dev, pasid);
	/* Replace: not attached first, then the no-op, as Linux checks. */
	if (replace && !slot)
		rc = -EINVAL;
	else if (replace && slot->hwpt == hwpt)
		goto out_put;
	else
		rc = pasid_compatible(dev, pasid, hwpt);
	if (!rc && !replace && slot)
		rc = -EBUSY;
	if (!rc)
		rc = sio_driver_pasid_install_check(dev->type, pasid, replace);
	if (!rc && !replace) {
		v = realloc(dev->pasids, (dev->npasids + 1) * sizeof(*v));
		if (v) {
			dev->pasids = v;
			slot = &v[dev->npasids];
			*slot = (struct sio_pasid_attach){ .pasid = pasid };
		} else {
			rc = -ENOMEM;
		}
	}
	if (!rc)
		rc = sio_iommu_dev_attach(dev->hw, pasid, hwpt->domain);
	if (!rc) {
		sio_object_users_get(&hwpt->obj);
		old = slot->hwpt;
		slot->hwpt = hwpt;
		if (!replace)
			dev->npasids++;
		if (old)
			sio_fault_attach_gone(old, dev, pasid, &gone);
	}
out_put:
	sio_object_put(&hwpt->obj);
out_unlock:
	pthread_mutex_unlock(&dev->lock);
	sio_fault_complete_list(gone);
	if (old)
		hwpt_release_attach(old);
	return rc;
}

int sio_device_pasid_attach(struct sio_device *dev, uint32_t pasid, uint32_t *pt_id)
{
	if (pasid == 0)
		return sio_device_attach(dev, pt_id);
	return pasid_install(dev, pasid, pt_id, false);
}

int sio_device_pasid_replace(struct sio_device *dev, uint32_t pasid, uint32_t *pt_id)
{
	if (pasid == 0)
		return sio_device_replace(dev, pt_id);
	return pasid_install(dev, pasid, pt_id, true);
}

void sio_device_pasid_detach(struct sio_device *dev, uint32_t pasid)
{
	struct sio_fault_group *gone = NULL;
	struct sio_pasid_attach *slot;
	struct sio_hwpt *old = NULL;

	if (pasid == 0) {
		sio_device_detach(dev);
		return;
	}
	pthread_mutex_lock(&dev->lock);
	slot = pasid_slot(dev, pasid);
	if (slot) {
		sio_iommu_dev_attach(dev->hw, pasid, NULL);
		old = slot->hwpt;
		*slot = dev->pasids[--dev->npasids];
		sio_fault_attach_gone(old, dev, pasid, &gone);
	}
	pthread_mutex_unlock(&dev->lock);
	sio_fault_complete_list(gone);
	if (old)
		hwpt_release_attach(old);
}

bool sio_device_attached_is(struct sio_device *dev, uint32_t pasid, const struct sio_hwpt *hwpt)
{
	struct sio_pasid_attach *slot;
	const struct sio_hwpt *cur;

	pthread_mutex_lock(&dev->lock);
	if (pasid == 0) {
		cur = dev->rid_hwpt;
	} else {
		slot = pasid_slot(dev, pasid);
		cur = slot ? slot->hwpt : NULL;
	}
	pthread_mutex_unlock(&dev->lock);
	return cur == hwpt;
}

/*
 * Routing of a page request (spec §7): the attachment at the PASID, else,
 * for IOMMUs whose PASID table is the guest's (the mock, SMMUv3), the RID's
 * when a nested HWPT is attached there. *@key is the PASID of the attachment
 * used (0: the RID). dev->lock held.
 */
struct sio_hwpt *sio_device_iopf_route_locked(struct sio_device *dev, bool pasid_valid,
					      uint32_t pasid, uint32_t *key)
{
	struct sio_pasid_attach *slot;
	struct sio_hwpt *rid = dev->rid_hwpt;

	if (pasid_valid && pasid) {
		slot = pasid_slot(dev, pasid);
		if (slot) {
			*key = pasid;
			return slot->hwpt;
		}
		if (dev->type == SIO_IOMMU_VTD || !rid || rid->obj.type != SIO_OBJ_HWPT_NESTED)
			return NULL;
	}
	*key = 0;
	return rid;
}

struct sio_hwpt *sio_device_iopf_hwpt(struct sio_device *dev, bool pasid_valid, uint32_t pasid)
{
	struct sio_hwpt *hwpt;
	uint32_t key;

	pthread_mutex_lock(&dev->lock);
	hwpt = sio_device_iopf_route_locked(dev, pasid_valid, pasid, &key);
	if (hwpt && (!hwpt->fault || !sio_object_get_ref(&hwpt->obj)))
		hwpt = NULL;
	pthread_mutex_unlock(&dev->lock);
	return hwpt;
}
