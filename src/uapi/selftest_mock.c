/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The selftest's mock devices (spec iommufd-testops §3, §4.2–4.4, 4.10,
 * 4.12, 4.13, 4.16): MOCK_DOMAIN creates a device behind the mock IOMMU,
 * binds it and attaches it; the SELFTEST object ("stdev") represents the
 * binding, and destroying it unbinds and deletes the device.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <softiommu/uapi/iommufd_test.h>

#include "base/compiler.h"
#include "base/uaccess.h"
#include "core/device.h"
#include "core/fault.h"
#include "core/machine.h"
#include "core/physid.h"
#include "core/viommu.h"
#include "uapi/selftest.h"

struct mock_stdev {
	struct sio_object obj;
	struct sio_device *dev;
	struct sio_iommu_dev *hw;
	uint32_t cache[MOCK_DEV_CACHE_NUM];	/* accessed atomically */
	/*
	 * The vIOMMU whose nested HWPT the RID is attached to, and the
	 * device's virtual ID on it when it was attached (what TRIGGER_VEVENT
	 * reports); NULL otherwise. Under dev->lock; the attachment keeps
	 * the vIOMMU alive while it is set.
	 */
	struct sio_viommu *viommu;
	uint64_t virt_id;
};

/* RIDs of mock devices; each is its own group, as on the kernel's mock bus. */
static uint32_t next_mock_rid = 1;

static void stdev_destroy(struct sio_object *obj)
{
	struct mock_stdev *sobj = container_of(obj, struct mock_stdev, obj);

	if (sobj->dev)
		sio_device_unbind(sobj->dev);
	if (sobj->hw)
		sio_iommu_dev_destroy(sobj->hw);
	free(sobj);
}

static const struct sio_object_ops stdev_ops = {
	.destroy = stdev_destroy,
};

/* Record which vIOMMU the RID now uses (testops §3.2). dev->lock held. */
static void mock_rid_changed(struct sio_device *dev, struct sio_hwpt *hwpt)
{
	struct mock_stdev *sobj = dev->binder;
	uint64_t virt_id = 0;

	if (hwpt && hwpt->viommu && sio_viommu_vdev_id(hwpt->viommu, dev, &virt_id)) {
		sobj->viommu = hwpt->viommu;
		sobj->virt_id = virt_id;
	} else {
		sobj->viommu = NULL;
		sobj->virt_id = 0;
	}
}

void sio_test_mock_cache_clear(struct sio_device *dev, bool all, uint32_t id)
{
	struct mock_stdev *sobj = dev->binder;
	uint32_t i;

	for (i = 0; i < MOCK_DEV_CACHE_NUM; i++)
		if (all || i == id)
			__atomic_store_n(&sobj->cache[i], 0, __ATOMIC_RELAXED);
}

static struct mock_stdev *stdev_get(struct sio_ctx *ctx, uint32_t id)
{
	struct sio_object *obj = sio_object_get(ctx, id, SIO_OBJ_SELFTEST);

	return obj ? container_of(obj, struct mock_stdev, obj) : NULL;
}

int sio_test_mock_domain(struct sio_ucmd *ucmd, struct iommu_test_cmd *cmd, uint32_t dev_flags)
{
	struct sio_iommu_dev_cfg cfg = { 0 };
	struct sio_iommu *iommu;
	struct sio_object *obj;
	struct mock_stdev *sobj;
	uint32_t pt_id = cmd->id;
	int rc, i;

	if (dev_flags & ~(MOCK_FLAGS_DEVICE_NO_DIRTY | MOCK_FLAGS_DEVICE_PASID))
		return -EINVAL;
	iommu = sio_machine_iommu(SIO_IOMMU_MOCK);
	if (!iommu)
		return -ENOMEM;
	rc = sio_object_alloc(ucmd->ctx, sizeof(*sobj), SIO_OBJ_SELFTEST, &stdev_ops, &obj);
	if (rc)
		return rc;
	sobj = container_of(obj, struct mock_stdev, obj);
	ucmd->new_obj = obj;
	for (i = 0; i < MOCK_DEV_CACHE_NUM; i++)
		sobj->cache[i] = IOMMU_TEST_DEV_CACHE_DEFAULT;

	cfg.rid = __atomic_fetch_add(&next_mock_rid, 1, __ATOMIC_RELAXED);
	cfg.pasid_bits = (dev_flags & MOCK_FLAGS_DEVICE_PASID) ? MOCK_PASID_WIDTH : 0;
	cfg.caps = (dev_flags & MOCK_FLAGS_DEVICE_NO_DIRTY) ? 0 : SIO_DEV_CAP_DIRTY;
	rc = sio_iommu_dev_create(iommu, &cfg, &sobj->hw);
	if (rc)
		return rc;
	rc = sio_device_bind(ucmd->ctx, iommu, SIO_IOMMU_MOCK, sobj->hw, &sobj->dev);
	if (rc)
		return rc;
	sobj->dev->binder = sobj;
	sobj->dev->rid_changed = mock_rid_changed;
	rc = sio_device_attach(sobj->dev, &pt_id);
	if (rc)
		return rc;
	cmd->mock_domain_flags.out_stdev_id = obj->id;
	cmd->mock_domain_flags.out_hwpt_id = pt_id;
	cmd->mock_domain_flags.out_idev_id = sobj->dev->obj.id;
	return sio_ucmd_respond(ucmd, sizeof(*cmd));
}

int sio_test_mock_domain_replace(struct sio_ucmd *ucmd, struct iommu_test_cmd *cmd)
{
	uint32_t pt_id = cmd->mock_domain_replace.pt_id;
	struct mock_stdev *sobj;
	int rc;

	sobj = stdev_get(ucmd->ctx, cmd->id);
	if (!sobj)
		return -ENOENT;
	rc = sio_device_replace(sobj->dev, &pt_id);
	if (!rc) {
		cmd->mock_domain_replace.pt_id = pt_id;
		rc = sio_ucmd_respond(ucmd, sizeof(*cmd));
	}
	sio_object_put(&sobj->obj);
	return rc;
}

/* A paging HWPT of the mock IOMMU: ENOENT for another type, EINVAL for another IOMMU. */
static int get_md_pagetable(struct sio_ctx *ctx, uint32_t id, struct sio_hwpt **out)
{
	struct sio_hwpt *hwpt = sio_hwpt_paging_get(ctx, id);

	if (!hwpt)
		return -ENOENT;
	if (hwpt->iommu != sio_machine_iommu(SIO_IOMMU_MOCK)) {
		sio_hwpt_put(hwpt);
		return -EINVAL;
	}
	*out = hwpt;
	return 0;
}

static uint64_t smallest_page(struct sio_hwpt *hwpt)
{
	struct sio_domain_info info;

	sio_domain_get_info(hwpt->domain, &info);
	return 1ull << sio_ffs64(info.pgsize_bitmap);
}

int sio_test_md_check_map(struct sio_ucmd *ucmd, struct iommu_test_cmd *cmd)
{
	uint64_t iova = cmd->check_map.iova, length = cmd->check_map.length;
	uint64_t uptr = cmd->check_map.uptr, end, page, off;
	struct sio_physmap *map;
	struct sio_hwpt *hwpt;
	int rc;

	rc = get_md_pagetable(ucmd->ctx, cmd->id, &hwpt);
	if (rc)
		return rc;
	page = smallest_page(hwpt);
	if ((iova | length | uptr) & (page - 1) || check_add_overflow(uptr, length, &end)) {
		rc = -EINVAL;
		goto out_put;
	}
	rc = sio_physmap_snapshot(&map);
	if (rc)
		goto out_put;
	for (off = 0; off < length && !rc; off += page) {
		struct sio_physid want, got;
		uint64_t pa;
		uint8_t probe;

		/* The user page must exist (GUP), and the domain must map exactly it. */
		if (sio_copy_from_user(&probe, uptr + off, 1) ||
		    sio_physmap_lookup(map, uptr + off, &want)) {
			rc = -EFAULT;
			break;
		}
		if (sio_domain_iova_to_phys(hwpt->domain, iova + off, &pa, NULL) ||
		    sio_physmap_lookup(map, pa, &got) || !sio_physid_equal(&want, &got))
			rc = -EINVAL;
	}
	sio_physmap_free(map);
out_put:
	sio_hwpt_put(hwpt);
	return rc;
}

int sio_test_md_check_refs(struct sio_ucmd *ucmd, struct iommu_test_cmd *cmd)
{
	uint64_t length = cmd->check_refs.length, uptr = cmd->check_refs.uptr, end, off;
	uint64_t ps = sio_page_size();
	struct sio_physmap *map;
	int rc = 0;

	if ((length | uptr) & (ps - 1) || check_add_overflow(uptr, length, &end))
		return -EINVAL;
	rc = sio_physmap_snapshot(&map);
	if (rc)
		return rc;
	for (off = 0; off < length && !rc; off += ps) {
		struct sio_physid id;
		uint8_t probe;

		if (sio_copy_from_user(&probe, uptr + off, 1) ||
		    sio_physmap_lookup(map, uptr + off, &id)) {
			rc = -EFAULT;
			break;
		}
		if (sio_pages_pin_count_id(map, &id) != cmd->check_refs.refs)
			rc = -EIO;
	}
	sio_physmap_free(map);
	return rc;
}

int sio_test_dirty(struct sio_ucmd *ucmd, struct iommu_test_cmd *cmd)
{
	uint64_t iova = cmd->dirty.iova, length = cmd->dirty.length;
	uint64_t page_size = cmd->dirty.page_size, uptr = cmd->dirty.uptr;
	uint64_t nbits, i, nr_dirty = 0;
	struct sio_domain_info info;
	struct sio_hwpt *hwpt;
	uint8_t *bitmap;
	int rc;

	if (!page_size || !length || (iova % page_size) || (length % page_size) || !uptr)
		return -EINVAL;
	rc = get_md_pagetable(ucmd->ctx, cmd->id, &hwpt);
	if (rc)
		return rc;
	sio_domain_get_info(hwpt->domain, &info);
	if (!info.dirty_tracking_enabled) {
		rc = -EINVAL;
		goto out_put;
	}
	nbits = length / page_size;
	bitmap = malloc((nbits + 7) / 8);
	if (!bitmap) {
		rc = -ENOMEM;
		goto out_put;
	}
	rc = sio_copy_from_user(bitmap, uptr, (nbits + 7) / 8);
	for (i = 0; !rc && i < nbits; i++) {
		if (!(bitmap[i / 8] & (1u << (i % 8))))
			continue;
		/* Marking an unmapped IOVA changes nothing; the bit still counts. */
		sio_domain_set_dirty(hwpt->domain, iova + i * page_size);
		nr_dirty++;
	}
	free(bitmap);
	if (!rc) {
		cmd->dirty.out_nr_dirty = nr_dirty;
		rc = sio_ucmd_respond(ucmd, sizeof(*cmd));
	}
out_put:
	sio_hwpt_put(hwpt);
	return rc;
}

int sio_test_dev_check_cache(struct sio_ucmd *ucmd, struct iommu_test_cmd *cmd)
{
	struct sio_device *dev = sio_device_get(ucmd->ctx, cmd->id);
	struct mock_stdev *sobj;
	int rc = 0;

	if (!dev)
		return -ENOENT;
	sobj = dev->binder;
	if (dev->type != SIO_IOMMU_MOCK || !sobj || cmd->check_dev_cache.id >= MOCK_DEV_CACHE_NUM ||
	    __atomic_load_n(&sobj->cache[cmd->check_dev_cache.id], __ATOMIC_RELAXED) !=
	    cmd->check_dev_cache.cache)
		rc = -EINVAL;
	sio_device_put(dev);
	return rc;
}

/*
 * TRIGGER_IOPF (testops §4.15, §3.5): one single-page group, routed as the
 * IOMMU core routes it; nobody consuming it is not an error. The mock's
 * page response does nothing, so the group needs no completion callback.
 */
int sio_test_trigger_iopf(struct sio_ucmd *ucmd, struct iommu_test_cmd *cmd)
{
	struct sio_iopf req = {
		.pasid_valid = cmd->trigger_iopf.pasid != 0,
		.pasid = cmd->trigger_iopf.pasid,
		.grpid = cmd->trigger_iopf.grpid,
		.perm = cmd->trigger_iopf.perm,
		.addr = cmd->trigger_iopf.addr,
	};
	struct sio_device *dev;
	struct sio_hwpt *hwpt;
	int rc = 0;

	dev = sio_device_get(ucmd->ctx, cmd->trigger_iopf.dev_id);
	if (!dev)
		return -ENOENT;
	if (dev->type != SIO_IOMMU_MOCK) {
		rc = -EINVAL;
		goto out_put_dev;
	}
	hwpt = sio_device_iopf_hwpt(dev, req.pasid_valid, req.pasid);
	if (hwpt) {
		rc = sio_fault_queue_group(hwpt, dev, &req, 1, NULL, NULL);
		/* Linux drops a fault whose attachment just went away. */
		if (rc == -ENOENT)
			rc = 0;
		sio_hwpt_put(hwpt);
	}
out_put_dev:
	sio_device_put(dev);
	return rc;
}

int sio_test_pasid_attach(struct sio_ucmd *ucmd, struct iommu_test_cmd *cmd)
{
	uint32_t pasid = cmd->pasid_attach.pasid, pt_id = cmd->pasid_attach.pt_id;
	struct mock_stdev *sobj;
	int rc;

	sobj = stdev_get(ucmd->ctx, cmd->id);
	if (!sobj)
		return -ENOENT;
	rc = sio_device_pasid_attach(sobj->dev, pasid, &pt_id);
	if (!rc) {
		cmd->pasid_attach.pt_id = pt_id;
		rc = sio_ucmd_respond(ucmd, sizeof(*cmd));
		/* A result the caller cannot see is undone. */
		if (rc)
			sio_device_pasid_detach(sobj->dev, pasid);
	}
	sio_object_put(&sobj->obj);
	return rc;
}

int sio_test_pasid_replace(struct sio_ucmd *ucmd, struct iommu_test_cmd *cmd)
{
	uint32_t pt_id = cmd->pasid_replace.pt_id;
	struct mock_stdev *sobj;
	int rc;

	sobj = stdev_get(ucmd->ctx, cmd->id);
	if (!sobj)
		return -ENOENT;
	rc = sio_device_pasid_replace(sobj->dev, cmd->pasid_replace.pasid, &pt_id);
	sio_object_put(&sobj->obj);
	return rc;
}

int sio_test_pasid_detach(struct sio_ucmd *ucmd, struct iommu_test_cmd *cmd)
{
	struct mock_stdev *sobj;

	sobj = stdev_get(ucmd->ctx, cmd->id);
	if (!sobj)
		return -ENOENT;
	sio_device_pasid_detach(sobj->dev, cmd->pasid_detach.pasid);
	sio_object_put(&sobj->obj);
	return 0;
}

int sio_test_pasid_check_hwpt(struct sio_ucmd *ucmd, struct iommu_test_cmd *cmd)
{
	uint32_t pasid = cmd->pasid_check.pasid;
	struct sio_object *obj = NULL;
	struct mock_stdev *sobj;
	int rc = 0;

	sobj = stdev_get(ucmd->ctx, cmd->id);
	if (!sobj)
		return -ENOENT;
	if (cmd->pasid_check.hwpt_id) {
		obj = sio_object_get(ucmd->ctx, cmd->pasid_check.hwpt_id, SIO_OBJ_ANY);
		if (!obj || (obj->type != SIO_OBJ_HWPT_PAGING && obj->type != SIO_OBJ_HWPT_NESTED))
			rc = -ENOENT;
	}
	if (!rc && !sio_device_attached_is(sobj->dev, pasid,
					   obj ? container_of(obj, struct sio_hwpt, obj) : NULL))
		rc = -EINVAL;
	if (obj)
		sio_object_put(obj);
	sio_object_put(&sobj->obj);
	return rc;
}

int sio_test_md_check_iotlb(struct sio_ucmd *ucmd, struct iommu_test_cmd *cmd)
{
	struct sio_hwpt *hwpt = sio_hwpt_nested_get(ucmd->ctx, cmd->id);
	int rc = 0;

	if (!hwpt)
		return -ENOENT;
	if (hwpt->iommu != sio_machine_iommu(SIO_IOMMU_MOCK) ||
	    cmd->check_iotlb.id >= SIO_MOCK_NESTED_IOTLB_NUM ||
	    hwpt->mock_iotlb[cmd->check_iotlb.id] != cmd->check_iotlb.iotlb)
		rc = -EINVAL;
	sio_hwpt_put(hwpt);
	return rc;
}
