/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Single-stage translation: the IOTLB hit path and the walk on a miss.
 *
 * Hit path (no lock, no RCU, no write to shared memory): read the
 * attachment slot under its sequence counter, probe the IOTLB at each leaf
 * size of the attached domain, then confirm the slot did not change while
 * probing. If it did, retry: the hit then linearises at the slot read, so a
 * translation starting after a replace returns never uses the old DID (nor a
 * reused one). Only the per-thread counter line is written.
 *
 * Miss path: inside an RCU read-side section, read the slot's domain, check
 * the aperture, read the IOTLB generation, walk the table, and cache a
 * successful result (sio_iotlb_fill() drops it if an invalidation ran
 * meanwhile). Faults are never cached.
 */
#include <errno.h>

#include "iommu/iommu_priv.h"
#include "iommu/rcu.h"

#define ACC_RWX (SIO_PT_R | SIO_PT_W | SIO_PT_X)

static void spin_pause(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ __volatile__("yield" ::: "memory");
#endif
}

/* Slot of a valid @pasid, or NULL when no attachment was ever made there. */
static const struct sio_attach *pasid_slot(const struct sio_iommu_dev *dev, uint32_t pasid)
{
	struct sio_attach **dir = __atomic_load_n(&dev->pasid_dir, __ATOMIC_ACQUIRE);
	struct sio_attach *leaf;

	if (!dir)
		return NULL;
	leaf = __atomic_load_n(&dir[pasid >> SIO_PASID_LEAF_SHIFT], __ATOMIC_ACQUIRE);
	return leaf ? &leaf[pasid & (SIO_PASID_LEAF - 1)] : NULL;
}

static enum sio_fault_reason pt_fault_reason(enum sio_pt_fault f)
{
	switch (f) {
	case SIO_PT_FAULT_RANGE:
		return SIO_FAULT_RANGE;
	case SIO_PT_FAULT_NOT_PRESENT:
		return SIO_FAULT_NOT_PRESENT;
	case SIO_PT_FAULT_PERM:
		return SIO_FAULT_PERM;
	case SIO_PT_FAULT_RESERVED:
		return SIO_FAULT_RESERVED;
	case SIO_PT_FAULT_ACCESS_FLAG:
		return SIO_FAULT_ACCESS_FLAG;
	case SIO_PT_FAULT_ADDR_SIZE:
		return SIO_FAULT_ADDR_SIZE;
	case SIO_PT_FAULT_TABLE_READ:
		return SIO_FAULT_TABLE_READ;
	case SIO_PT_FAULT_AD_UPDATE:
		return SIO_FAULT_AD_UPDATE;
	case SIO_PT_OK:
	default:
		return SIO_FAULT_NOT_PRESENT;
	}
}

struct xreq {
	struct sio_iommu_dev *dev;
	bool has_pasid;
	uint32_t pasid;
	uint64_t iova;
	unsigned int access;
};

static int fault(const struct xreq *r, enum sio_fault_reason reason, uint32_t did,
		 unsigned int level, uint64_t entry_addr, struct sio_xlate *out)
{
	struct sio_fault *f = &out->fault;

	f->reason = reason;
	f->stage = 1;
	f->access = r->access;
	f->pasid_valid = r->has_pasid;
	f->rid = r->dev->rid;
	f->pasid = r->has_pasid ? r->pasid : 0;
	f->did = did;
	f->iova = r->iova;
	f->level = level;
	f->entry_addr = entry_addr;
	sio_stat_inc(r->dev->iommu->stat_idx, SIO_STAT_FAULT);
	return -EACCES;
}

static int translate_miss(const struct xreq *r, const struct sio_attach *slot,
			  struct sio_xlate *out)
{
	struct sio_iommu *iommu = r->dev->iommu;
	struct sio_pt_walk_result res;
	struct sio_domain *d;
	unsigned int vflags;
	uint64_t tag, g0;
	uint32_t seq;
	bool set_ad;
	int ret;

	sio_stat_inc(iommu->stat_idx, SIO_STAT_MISS);
	if (!slot)
		return fault(r, SIO_FAULT_BLOCKED, 0, 0, 0, out);

	sio_rcu_read_lock();
	do {
		seq = __atomic_load_n(&slot->seq, __ATOMIC_ACQUIRE);
		if (seq & 1) {
			spin_pause();
			continue;
		}
		d = __atomic_load_n(&slot->domain, __ATOMIC_RELAXED);
		tag = __atomic_load_n(&slot->tag, __ATOMIC_RELAXED);
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
	} while ((seq & 1) || __atomic_load_n(&slot->seq, __ATOMIC_RELAXED) != seq);

	if (!d) {
		ret = fault(r, SIO_FAULT_BLOCKED, 0, 0, 0, out);
		goto out_unlock;
	}
	if (r->iova < d->aperture_start || r->iova > d->aperture_last) {
		ret = fault(r, SIO_FAULT_APERTURE, d->did, 0, 0, out);
		goto out_unlock;
	}

	/* Generation first, then the dirty flag and the table (see domain.c). */
	g0 = sio_iotlb_fill_begin(&iommu->iotlb);
	set_ad = d->hw_ad || (d->dirty_cap && __atomic_load_n(&d->dirty_enabled, __ATOMIC_RELAXED));
	res.loads = 0;
	ret = sio_pt_walk(d->pt_cfg, d->pt_root, &sio_pt_mem_direct, r->iova, r->access, set_ad,
			  &res);
	sio_stat_inc(iommu->stat_idx, SIO_STAT_WALK);
	sio_stat_add(iommu->stat_idx, SIO_STAT_LOAD, res.loads);
	if (ret) {
		ret = fault(r, pt_fault_reason(res.fault), d->did, res.level, res.fault_entry_addr,
			    out);
		goto out_unlock;
	}

	/*
	 * With set_ad the formats grant W only once the leaf is dirty, so a
	 * cached entry without W sends the next write back to a walk, which
	 * marks the leaf (VT-d / x86 D bit, ARM DBM, mock).
	 */
	vflags = res.perm & SIO_IOTLB_V_PERM;
	if (r->access & SIO_PT_PRIV)
		vflags |= SIO_IOTLB_V_PRIVREQ;
	if (res.size_lg2 >= 6 && res.size_lg2 < 64)
		sio_iotlb_fill(&iommu->iotlb, g0, tag, d->hseed, r->iova, res.size_lg2,
			       res.oa & ~((1ULL << res.size_lg2) - 1), vflags);
	out->pa = res.oa;
	out->size_lg2 = res.size_lg2;
	out->perm = res.perm;
	ret = 0;
out_unlock:
	sio_rcu_read_unlock();
	return ret;
}

int sio_iommu_translate(struct sio_iommu_dev *dev, bool has_pasid, uint32_t pasid, uint64_t iova,
			unsigned int access, struct sio_xlate *out)
{
	const struct sio_iotlb *iotlb = &dev->iommu->iotlb;
	unsigned int need = access & ACC_RWX, lg2 = 0;
	const struct sio_attach *slot;
	uint64_t tag, hseed, sizes, val = 0;
	struct xreq r;
	uint32_t seq;
	bool hit;

	if (unlikely(!need))
		return -EINVAL;
	if (likely(!has_pasid)) {
		slot = &dev->rid_slot;
	} else if (unlikely(!dev->pasid_bits || pasid >= (1u << dev->pasid_bits))) {
		r = (struct xreq){ dev, has_pasid, pasid, iova, access };
		sio_stat_inc(dev->iommu->stat_idx, SIO_STAT_MISS);
		return fault(&r, SIO_FAULT_PASID_INVALID, 0, 0, 0, out);
	} else {
		slot = pasid_slot(dev, pasid);
		if (unlikely(!slot))
			goto miss;
	}

	for (;;) {
		seq = __atomic_load_n(&slot->seq, __ATOMIC_ACQUIRE);
		if (unlikely(seq & 1)) {
			spin_pause();
			continue;
		}
		tag = __atomic_load_n(&slot->tag, __ATOMIC_RELAXED);
		hseed = __atomic_load_n(&slot->hseed, __ATOMIC_RELAXED);
		sizes = __atomic_load_n(&slot->sizes, __ATOMIC_RELAXED);
		hit = tag && sio_iotlb_lookup(iotlb, tag, hseed, sizes, iova, &val, &lg2);
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		if (likely(__atomic_load_n(&slot->seq, __ATOMIC_RELAXED) == seq))
			break;
	}

	if (likely(hit) && likely((val & need) == need) &&
	    likely(!(val & SIO_IOTLB_V_PRIVREQ) == !(access & SIO_PT_PRIV))) {
		uint64_t mask = (1ULL << lg2) - 1;

		out->pa = (val & ~mask) | (iova & mask);
		out->size_lg2 = lg2;
		out->perm = (unsigned int)(val & SIO_IOTLB_V_PERM);
		sio_stat_inc(dev->iommu->stat_idx, SIO_STAT_HIT);
		return 0;
	}
miss:
	r = (struct xreq){ dev, has_pasid, pasid, iova, access };
	return translate_miss(&r, slot, out);
}
