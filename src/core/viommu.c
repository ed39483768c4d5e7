/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vIOMMU and vDEVICE objects (core/viommu.h).
 *
 * The link between a device and its vDEVICE is written on both sides under
 * dev->lock then viommu->lock: dev->vdev, and vdev->dev with the vIOMMU's
 * list. A vDEVICE's destroy that finds vdev->dev set takes dev->lock before
 * freeing it, so under dev->lock a vDEVICE that dev->vdev points at is
 * allocated; a device stays allocated while vdev->dev points at it (its
 * unbind clears that before the device object goes).
 */
#include <errno.h>
#include <stdlib.h>

#include "base/compiler.h"
#include "base/log.h"
#include "core/device.h"
#include "core/viommu.h"

static void viommu_destroy(struct sio_object *obj)
{
	struct sio_viommu *viommu = container_of(obj, struct sio_viommu, obj);

	if (viommu->drv_free)
		viommu->drv_free(viommu);
	if (viommu->vdevs)
		sio_err("vIOMMU %u destroyed with vDEVICEs", obj->id);
	if (viommu->veventqs)
		sio_err("vIOMMU %u destroyed with vEVENTQs", obj->id);
	sio_object_users_put(&viommu->parent->obj);
	pthread_mutex_destroy(&viommu->lock);
	free(viommu);
}

static const struct sio_object_ops viommu_ops = {
	.destroy = viommu_destroy,
};

int sio_viommu_alloc(struct sio_ctx *ctx, struct sio_device *dev, uint32_t type,
		     struct sio_hwpt *parent, struct sio_viommu **out)
{
	struct sio_viommu *viommu;
	struct sio_object *obj;
	int rc;

	rc = sio_object_alloc(ctx, sizeof(*viommu), SIO_OBJ_VIOMMU, &viommu_ops, &obj);
	if (rc)
		return rc;
	viommu = container_of(obj, struct sio_viommu, obj);
	viommu->type = type;
	viommu->iommu = dev->iommu;
	viommu->iommu_type = dev->type;
	pthread_mutex_init(&viommu->lock, NULL);
	sio_object_users_get(&parent->obj);
	viommu->parent = parent;
	*out = viommu;
	return 0;
}

struct sio_viommu *sio_viommu_get(struct sio_ctx *ctx, uint32_t id)
{
	struct sio_object *obj = sio_object_get(ctx, id, SIO_OBJ_VIOMMU);

	return obj ? container_of(obj, struct sio_viommu, obj) : NULL;
}

/* Take @vdev off its vIOMMU's list. viommu->lock held. */
static void vdev_unlink_locked(struct sio_vdevice *vdev)
{
	struct sio_vdevice **pp;

	for (pp = &vdev->viommu->vdevs; *pp; pp = &(*pp)->vdev_next) {
		if (*pp == vdev) {
			*pp = vdev->vdev_next;
			break;
		}
	}
	vdev->vdev_next = NULL;
}

static void vdevice_destroy(struct sio_object *obj)
{
	struct sio_vdevice *vdev = container_of(obj, struct sio_vdevice, obj);
	struct sio_viommu *viommu = vdev->viommu;
	struct sio_device *dev;

	/*
	 * The device cannot go while vdev->dev names it: its unbind clears
	 * that first, under viommu->lock. Take a reference, then the locks in
	 * their order.
	 */
	pthread_mutex_lock(&viommu->lock);
	dev = vdev->dev;
	if (dev && !sio_object_get_ref(&dev->obj))
		dev = NULL;
	pthread_mutex_unlock(&viommu->lock);
	if (dev) {
		pthread_mutex_lock(&dev->lock);
		if (dev->vdev == vdev)
			dev->vdev = NULL;
		pthread_mutex_unlock(&dev->lock);
		sio_device_put(dev);
	}
	pthread_mutex_lock(&viommu->lock);
	vdev->dev = NULL;
	vdev_unlink_locked(vdev);
	pthread_mutex_unlock(&viommu->lock);
	sio_object_users_put(&viommu->obj);
	free(vdev);
}

static const struct sio_object_ops vdevice_ops = {
	.destroy = vdevice_destroy,
};

/* The vDEVICE of @viommu with @virt_id. viommu->lock held. */
static struct sio_vdevice *find_virt_id_locked(struct sio_viommu *viommu, uint64_t virt_id)
{
	struct sio_vdevice *vdev;

	for (vdev = viommu->vdevs; vdev; vdev = vdev->vdev_next)
		if (vdev->virt_id == virt_id)
			return vdev;
	return NULL;
}

int sio_vdevice_alloc(struct sio_ctx *ctx, struct sio_viommu *viommu, struct sio_device *dev,
		      uint64_t virt_id, struct sio_vdevice **out)
{
	struct sio_vdevice *vdev;
	struct sio_object *obj;
	int rc;

	if (dev->iommu != viommu->iommu)
		return -EINVAL;
	rc = sio_object_alloc(ctx, sizeof(*vdev), SIO_OBJ_VDEVICE, &vdevice_ops, &obj);
	if (rc)
		return rc;
	vdev = container_of(obj, struct sio_vdevice, obj);
	vdev->virt_id = virt_id;
	sio_object_users_get(&viommu->obj);
	vdev->viommu = viommu;

	pthread_mutex_lock(&dev->lock);
	if (dev->unbinding) {
		rc = -ENOENT;
	} else if (dev->vdev) {
		rc = -EEXIST;
	} else {
		pthread_mutex_lock(&viommu->lock);
		if (find_virt_id_locked(viommu, virt_id)) {
			rc = -EEXIST;
		} else {
			vdev->dev = dev;
			vdev->vdev_next = viommu->vdevs;
			viommu->vdevs = vdev;
			dev->vdev = vdev;
		}
		pthread_mutex_unlock(&viommu->lock);
	}
	pthread_mutex_unlock(&dev->lock);
	if (rc) {
		sio_object_abort(obj);
		return rc;
	}
	*out = vdev;
	return 0;
}

struct sio_device *sio_viommu_find_vdev(struct sio_viommu *viommu, uint64_t virt_id)
{
	struct sio_device *dev = NULL;
	struct sio_vdevice *vdev;

	pthread_mutex_lock(&viommu->lock);
	vdev = find_virt_id_locked(viommu, virt_id);
	if (vdev && vdev->dev && sio_object_get_ref(&vdev->dev->obj))
		dev = vdev->dev;
	pthread_mutex_unlock(&viommu->lock);
	return dev;
}

bool sio_viommu_vdev_id(struct sio_viommu *viommu, struct sio_device *dev, uint64_t *virt_id)
{
	struct sio_vdevice *vdev;
	bool found = false;

	pthread_mutex_lock(&viommu->lock);
	for (vdev = viommu->vdevs; vdev; vdev = vdev->vdev_next) {
		if (vdev->dev == dev) {
			*virt_id = vdev->virt_id;
			found = true;
			break;
		}
	}
	pthread_mutex_unlock(&viommu->lock);
	return found;
}

void sio_vdevice_device_gone(struct sio_device *dev)
{
	struct sio_vdevice *vdev;
	bool ref = false;

	pthread_mutex_lock(&dev->lock);
	dev->unbinding = true;
	vdev = dev->vdev;
	if (vdev) {
		/*
		 * While vdev->dev is set a destroy of the vDEVICE waits for
		 * dev->lock before freeing it: take the reference first. It
		 * fails only when that destroy is already under way, and then
		 * @vdev must not be touched once dev->lock is released.
		 */
		ref = sio_object_get_ref(&vdev->obj);
		dev->vdev = NULL;
		pthread_mutex_lock(&vdev->viommu->lock);
		vdev->dev = NULL;
		pthread_mutex_unlock(&vdev->viommu->lock);
	}
	pthread_mutex_unlock(&dev->lock);
	/*
	 * Not finalized yet (its IOMMU_VDEVICE_ALLOC is still returning), or
	 * destroyed meanwhile: it stays an orphan the user destroys.
	 */
	if (ref)
		sio_object_destroy_tombstone(&vdev->obj);
}
