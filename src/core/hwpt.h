/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Hardware page tables (HWPT objects). A paging HWPT owns a domain of the
 * software IOMMU whose table mirrors its IOAS; it holds a user reference on
 * the IOAS, and every device attachment holds one on it.
 *
 * Automatic domains are created by attaching a device to an IOAS and are
 * destroyed when their last device leaves; user-allocated ones live until
 * IOMMU_DESTROY.
 *
 * Locking: the IOAS's hwpt_lock protects its list of paging HWPTs (and
 * serialises the search for a compatible automatic domain).
 */
#ifndef SIO_CORE_HWPT_H
#define SIO_CORE_HWPT_H

#include <stdbool.h>
#include <stdint.h>

#include "core/driver.h"
#include "core/ioas.h"
#include "core/object.h"
#include "iommu/iommu.h"

#define SIO_MOCK_NESTED_IOTLB_NUM 4

struct sio_viommu;
struct sio_fault_queue;

struct sio_hwpt {
	struct sio_object obj;
	struct sio_domain *domain;	/* nested: the parent's (not owned) */
	struct sio_iommu *iommu;
	struct sio_ioas *ioas;		/* paging: the IOAS mirrored (users reference) */
	struct sio_hwpt *ioas_next;	/* on ioas->hwpt_list */
	bool auto_domain;
	bool nest_parent;
	bool dirty_tracking;		/* allocated with IOMMU_HWPT_ALLOC_DIRTY_TRACKING */
	bool pasid_compat;		/* allocated with IOMMU_HWPT_ALLOC_PASID */
	enum sio_mock_pt mock_pt;
	/* HWPT_NESTED: the parent (users reference). */
	struct sio_hwpt *parent;
	/* HWPT_NESTED allocated on a vIOMMU: that vIOMMU (users reference). */
	struct sio_viommu *viommu;
	/* SMMUv3 nested: the validated guest STE words 0 and 1 (host order). */
	uint64_t arm_ste[2];
	bool owns_domain;		/* nested: @domain is its own (VT-d), not the parent's */
	/* Allocated with IOMMU_HWPT_FAULT_ID_VALID: its FAULT (users reference). */
	struct sio_fault_queue *fault;
	/*
	 * Non-zero: what attaching this HWPT answers. Linux's VT-d driver
	 * validates the stage-1 configuration only at attach.
	 */
	int attach_error;
	/*
	 * The selftest's nested domain is a fake IOTLB of four values that
	 * user invalidation clears and MD_CHECK_IOTLB reads; it translates
	 * nothing itself (DMA goes through the parent).
	 */
	uint32_t mock_iotlb[SIO_MOCK_NESTED_IOTLB_NUM];
};

struct sio_hwpt_request {
	struct sio_domain_request domain;
	bool pasid_compat;
	bool auto_domain;
};

/*
 * Allocate a paging HWPT on @iommu (of @type) for @ioas: the domain is
 * created and filled with every area (pins pages). Not yet visible.
 * Return: 0, -EOPNOTSUPP, -EINVAL/-EADDRINUSE (alignment, aperture),
 * -EFAULT/-ENOMEM (pinning).
 */
int sio_hwpt_paging_alloc(struct sio_ctx *ctx, struct sio_ioas *ioas, struct sio_iommu *iommu,
			  enum sio_iommu_type type, const struct sio_hwpt_request *req,
			  struct sio_hwpt **out);

/*
 * Allocate a nested HWPT of the selftest mock on @parent (the caller checked
 * the parent: user-allocated, NEST_PARENT, same IOMMU). Not yet visible.
 */
int sio_hwpt_mock_nested_alloc(struct sio_ctx *ctx, struct sio_hwpt *parent, bool pasid_compat,
			       uint32_t iotlb, struct sio_hwpt **out);

/*
 * Allocate a VT-d nested HWPT on @parent for a guest first-stage table at
 * @pgtbl_addr (a GPA; only its low 12 bits are ignored, as by the hardware).
 * @attach_error is what attaching it will answer when the configuration is
 * one the IOMMU does not support (0: supported); no domain is built then.
 */
int sio_hwpt_vtd_nested_alloc(struct sio_ctx *ctx, struct sio_hwpt *parent, bool pasid_compat,
			      uint64_t pgtbl_addr, unsigned int levels, bool sre, bool wpe,
			      int attach_error, struct sio_hwpt **out);

/*
 * Allocate an SMMUv3 nested HWPT on @viommu for the guest STE words @ste
 * (validated as Linux does: uapi/smmu_user.h): it owns an SMMUv3 nested
 * domain over the vIOMMU's parent and holds a users reference on the
 * vIOMMU. Not yet visible. Return: 0, -EINVAL, -ENOSPC, -ENOMEM.
 */
int sio_hwpt_smmu_nested_alloc(struct sio_ctx *ctx, struct sio_viommu *viommu,
			       const uint64_t ste[2], struct sio_hwpt **out);

/*
 * Make the not yet visible nested @hwpt belong to @viommu: it takes a users
 * reference on the vIOMMU, dropped when the HWPT is destroyed.
 */
void sio_hwpt_nested_set_viommu(struct sio_hwpt *hwpt, struct sio_viommu *viommu);

/* Look up a nested HWPT with a short-term reference; NULL: -ENOENT. */
struct sio_hwpt *sio_hwpt_nested_get(struct sio_ctx *ctx, uint32_t id);

/* Look up a paging HWPT with a short-term reference; NULL: -ENOENT. */
struct sio_hwpt *sio_hwpt_paging_get(struct sio_ctx *ctx, uint32_t id);

static inline void sio_hwpt_put(struct sio_hwpt *hwpt)
{
	sio_object_put(&hwpt->obj);
}

#endif /* SIO_CORE_HWPT_H */
