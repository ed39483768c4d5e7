/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdlib.h>

#include "base/compiler.h"
#include "base/log.h"
#include "core/fault.h"
#include "core/hwpt.h"
#include "core/viommu.h"

static void ioas_unlink(struct sio_hwpt *hwpt)
{
	struct sio_ioas *ioas = hwpt->ioas;
	struct sio_hwpt **pp;

	pthread_mutex_lock(&ioas->hwpt_lock);
	for (pp = &ioas->hwpt_list; *pp; pp = &(*pp)->ioas_next) {
		if (*pp == hwpt) {
			*pp = hwpt->ioas_next;
			break;
		}
	}
	pthread_mutex_unlock(&ioas->hwpt_lock);
}

/* Tear down a paging HWPT: no device is attached (each would hold a user). */
static void hwpt_paging_destroy(struct sio_object *obj)
{
	struct sio_hwpt *hwpt = container_of(obj, struct sio_hwpt, obj);

	if (hwpt->ioas) {
		ioas_unlink(hwpt);
		sio_iopt_table_remove_domain(&hwpt->ioas->iopt, hwpt->domain);
		sio_object_users_put(&hwpt->ioas->obj);
	}
	if (hwpt->domain && sio_domain_free(hwpt->domain))
		sio_err("HWPT %u: domain still in use at destroy", obj->id);
	sio_hwpt_fault_release(hwpt);
	free(hwpt);
}

static const struct sio_object_ops hwpt_paging_ops = {
	.destroy = hwpt_paging_destroy,
};

int sio_hwpt_paging_alloc(struct sio_ctx *ctx, struct sio_ioas *ioas, struct sio_iommu *iommu,
			  enum sio_iommu_type type, const struct sio_hwpt_request *req,
			  struct sio_hwpt **out)
{
	struct sio_domain_paging_cfg cfg;
	struct sio_object *obj;
	struct sio_hwpt *hwpt;
	int rc;

	rc = sio_driver_paging_cfg(type, &req->domain, &cfg);
	if (rc)
		return rc;
	rc = sio_object_alloc(ctx, sizeof(*hwpt), SIO_OBJ_HWPT_PAGING, &hwpt_paging_ops, &obj);
	if (rc)
		return rc;
	hwpt = container_of(obj, struct sio_hwpt, obj);
	hwpt->iommu = iommu;
	hwpt->auto_domain = req->auto_domain;
	hwpt->nest_parent = req->domain.nest_parent;
	hwpt->dirty_tracking = req->domain.dirty_tracking;
	hwpt->pasid_compat = req->pasid_compat;
	hwpt->mock_pt = req->domain.mock_pt;

	rc = sio_domain_alloc_paging(iommu, &cfg, &hwpt->domain);
	if (rc)
		goto err_abort;
	rc = sio_iopt_table_add_domain(&ioas->iopt, hwpt->domain);
	if (rc)
		goto err_abort;
	sio_object_users_get(&ioas->obj);
	hwpt->ioas = ioas;
	pthread_mutex_lock(&ioas->hwpt_lock);
	hwpt->ioas_next = ioas->hwpt_list;
	ioas->hwpt_list = hwpt;
	pthread_mutex_unlock(&ioas->hwpt_lock);
	*out = hwpt;
	return 0;

err_abort:
	sio_object_abort(obj);
	return rc;
}

struct sio_hwpt *sio_hwpt_paging_get(struct sio_ctx *ctx, uint32_t id)
{
	struct sio_object *obj = sio_object_get(ctx, id, SIO_OBJ_HWPT_PAGING);

	return obj ? container_of(obj, struct sio_hwpt, obj) : NULL;
}

static void hwpt_nested_destroy(struct sio_object *obj)
{
	struct sio_hwpt *hwpt = container_of(obj, struct sio_hwpt, obj);

	if (hwpt->owns_domain && hwpt->domain && sio_domain_free(hwpt->domain))
		sio_err("HWPT %u: nested domain still in use at destroy", obj->id);
	if (hwpt->parent)
		sio_object_users_put(&hwpt->parent->obj);
	if (hwpt->viommu)
		sio_object_users_put(&hwpt->viommu->obj);
	sio_hwpt_fault_release(hwpt);
	free(hwpt);
}

static const struct sio_object_ops hwpt_nested_ops = {
	.destroy = hwpt_nested_destroy,
};

int sio_hwpt_mock_nested_alloc(struct sio_ctx *ctx, struct sio_hwpt *parent, bool pasid_compat,
			       uint32_t iotlb, struct sio_hwpt **out)
{
	struct sio_object *obj;
	struct sio_hwpt *hwpt;
	int rc, i;

	rc = sio_object_alloc(ctx, sizeof(*hwpt), SIO_OBJ_HWPT_NESTED, &hwpt_nested_ops, &obj);
	if (rc)
		return rc;
	hwpt = container_of(obj, struct sio_hwpt, obj);
	hwpt->iommu = parent->iommu;
	hwpt->domain = parent->domain;
	hwpt->pasid_compat = pasid_compat;
	sio_object_users_get(&parent->obj);
	hwpt->parent = parent;
	for (i = 0; i < SIO_MOCK_NESTED_IOTLB_NUM; i++)
		hwpt->mock_iotlb[i] = iotlb;
	*out = hwpt;
	return 0;
}

void sio_hwpt_nested_set_viommu(struct sio_hwpt *hwpt, struct sio_viommu *viommu)
{
	sio_object_users_get(&viommu->obj);
	hwpt->viommu = viommu;
}

int sio_hwpt_smmu_nested_alloc(struct sio_ctx *ctx, struct sio_viommu *viommu,
			       const uint64_t ste[2], struct sio_hwpt **out)
{
	struct sio_object *obj;
	struct sio_hwpt *hwpt;
	int rc;

	rc = sio_object_alloc(ctx, sizeof(*hwpt), SIO_OBJ_HWPT_NESTED, &hwpt_nested_ops, &obj);
	if (rc)
		return rc;
	hwpt = container_of(obj, struct sio_hwpt, obj);
	hwpt->iommu = viommu->iommu;
	rc = sio_domain_alloc_smmu_nested(viommu->iommu, viommu->parent->domain, ste,
					  &hwpt->domain);
	if (rc) {
		sio_object_abort(obj);
		return rc;
	}
	hwpt->owns_domain = true;
	hwpt->arm_ste[0] = ste[0];
	hwpt->arm_ste[1] = ste[1];
	sio_hwpt_nested_set_viommu(hwpt, viommu);
	*out = hwpt;
	return 0;
}

struct sio_hwpt *sio_hwpt_nested_get(struct sio_ctx *ctx, uint32_t id)
{
	struct sio_object *obj = sio_object_get(ctx, id, SIO_OBJ_HWPT_NESTED);

	return obj ? container_of(obj, struct sio_hwpt, obj) : NULL;
}

int sio_hwpt_vtd_nested_alloc(struct sio_ctx *ctx, struct sio_hwpt *parent, bool pasid_compat,
			      uint64_t pgtbl_addr, unsigned int levels, bool sre, bool wpe,
			      int attach_error, struct sio_hwpt **out)
{
	struct sio_domain_nested_cfg cfg = {
		.s1 = {
			.format = SIO_PT_X86_64, .granule_lg2 = 12, .levels = levels,
			.ias = levels == 5 ? 57 : 48, .oas = 52, .sre = sre, .wpe = wpe,
			.pgsize_bitmap = (1ull << 12) | (1ull << 21) | (1ull << 30),
		},
		.s1_root_gpa = pgtbl_addr & ~0xfffull,
	};
	struct sio_object *obj;
	struct sio_hwpt *hwpt;
	int rc;

	rc = sio_object_alloc(ctx, sizeof(*hwpt), SIO_OBJ_HWPT_NESTED, &hwpt_nested_ops, &obj);
	if (rc)
		return rc;
	hwpt = container_of(obj, struct sio_hwpt, obj);
	hwpt->iommu = parent->iommu;
	hwpt->pasid_compat = pasid_compat;
	hwpt->attach_error = attach_error;
	if (!attach_error) {
		rc = sio_domain_alloc_nested(parent->iommu, parent->domain, &cfg, &hwpt->domain);
		if (rc) {
			sio_object_abort(obj);
			return rc;
		}
		hwpt->owns_domain = true;
	}
	sio_object_users_get(&parent->obj);
	hwpt->parent = parent;
	*out = hwpt;
	return 0;
}
