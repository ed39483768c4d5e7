/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Device contexts: the attachment table RID -> domain and PASID -> domain.
 *
 * Replace semantics: an attachment slot caches what the IOTLB lookup needs
 * from its domain (the tag with the domain's serial, the hash seed, the leaf
 * sizes), so a translation reads the slot and the IOTLB and nothing else.
 * IOTLB entries are tagged by domain serial and looked up through the slot,
 * so once a replace has published the new tag no translation that starts
 * uses entries of the old domain; nothing needs invalidating (the old
 * domain's entries are still right for its other users and are dropped by
 * its free).
 *
 * Locking: dev->lock serialises slot writes and PASID-table allocation.
 * Readers load each slot word atomically (iommu_priv.h says why a mix of
 * old and new words is harmless) and the PASID directory and leaves with
 * acquire loads.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "iommu/iommu_priv.h"

#define SIO_DEV_CAPS_ALL (SIO_DEV_CAP_PRI | SIO_DEV_CAP_ATS | SIO_DEV_CAP_DIRTY)
/* Any valid key will do for a slot that never had a domain (its tag matches nothing). */
#define SLOT_PKEY_NONE (~0ULL << 12 | 12)

int sio_iommu_dev_create(struct sio_iommu *iommu, const struct sio_iommu_dev_cfg *cfg,
			 struct sio_iommu_dev **out)
{
	struct sio_iommu_dev *dev;

	if (cfg->pasid_bits > SIO_PASID_BITS_MAX || (cfg->caps & ~SIO_DEV_CAPS_ALL))
		return -EINVAL;
	dev = aligned_alloc(64, SIO_ALIGN_UP(sizeof(*dev), 64));
	if (!dev)
		return -ENOMEM;
	memset(dev, 0, sizeof(*dev));
	dev->iotlb_ent = iommu->iotlb.ent;
	dev->iotlb_set_mask = iommu->iotlb.set_mask;
	dev->stat_idx = iommu->stat_idx;
	dev->iommu = iommu;
	dev->rid = cfg->rid;
	dev->pasid_bits = cfg->pasid_bits;
	dev->caps = cfg->caps;
	dev->stat_key = iommu->stat_idx + 1;
	dev->rid_slot.tag = SIO_IOTLB_TAG_NONE;
	dev->rid_slot.pkey = SLOT_PKEY_NONE;
	if (cfg->pasid_bits)
		dev->ndir = sio_max(1u, (1u << cfg->pasid_bits) >> SIO_PASID_LEAF_SHIFT);
	pthread_mutex_init(&dev->lock, NULL);
	sio_iommu_count_object(iommu, false, 1);
	*out = dev;
	return 0;
}

static void slot_release(struct sio_attach *slot)
{
	if (slot->domain)
		__atomic_fetch_sub(&slot->domain->users, 1, __ATOMIC_RELEASE);
}

void sio_iommu_dev_destroy(struct sio_iommu_dev *dev)
{
	unsigned int i, j;

	if (!dev)
		return;
	slot_release(&dev->rid_slot);
	if (dev->pasid_dir) {
		for (i = 0; i < dev->ndir; i++) {
			struct sio_attach *leaf = dev->pasid_dir[i];

			if (!leaf)
				continue;
			for (j = 0; j < SIO_PASID_LEAF; j++)
				slot_release(&leaf[j]);
			free(leaf);
		}
		free(dev->pasid_dir);
	}
	sio_iommu_count_object(dev->iommu, false, -1);
	pthread_mutex_destroy(&dev->lock);
	free(dev);
}

uint32_t sio_iommu_dev_rid(const struct sio_iommu_dev *dev)
{
	return dev->rid;
}

unsigned int sio_iommu_dev_pasid_bits(const struct sio_iommu_dev *dev)
{
	return dev->pasid_bits;
}

unsigned int sio_iommu_dev_caps(const struct sio_iommu_dev *dev)
{
	return dev->caps;
}

struct sio_iommu *sio_iommu_dev_iommu(const struct sio_iommu_dev *dev)
{
	return dev->iommu;
}

static bool pasid_ok(const struct sio_iommu_dev *dev, uint32_t pasid)
{
	return dev->pasid_bits && pasid < (1u << dev->pasid_bits);
}

/* The slot of a valid @pasid, allocating its table block. Caller holds dev->lock. */
static struct sio_attach *pasid_slot_get(struct sio_iommu_dev *dev, uint32_t pasid)
{
	struct sio_attach *leaf;

	if (!dev->pasid_dir) {
		struct sio_attach **dir = calloc(dev->ndir, sizeof(*dir));

		if (!dir)
			return NULL;
		__atomic_store_n(&dev->pasid_dir, dir, __ATOMIC_RELEASE);
	}
	leaf = dev->pasid_dir[pasid >> SIO_PASID_LEAF_SHIFT];
	if (!leaf) {
		unsigned int i;

		leaf = calloc(SIO_PASID_LEAF, sizeof(*leaf));
		if (!leaf)
			return NULL;
		/*
		 * Blocked slots before translations can find them (tag 0 would
		 * match free IOTLB entries).
		 */
		for (i = 0; i < SIO_PASID_LEAF; i++) {
			leaf[i].tag = SIO_IOTLB_TAG_NONE;
			leaf[i].pkey = SLOT_PKEY_NONE;
		}
		__atomic_store_n(&dev->pasid_dir[pasid >> SIO_PASID_LEAF_SHIFT], leaf,
				 __ATOMIC_RELEASE);
	}
	return &leaf[pasid & (SIO_PASID_LEAF - 1)];
}

/*
 * Publish @domain in @slot. Caller holds dev->lock. The tag goes last: a
 * hit path that reads it also finds the hash seed and sizes that belong to
 * it, or older ones, which at worst make it miss.
 */
static void slot_write(struct sio_attach *slot, struct sio_domain *domain, uint32_t pasid)
{
	if (domain) {
		__atomic_store_n(&slot->hseed, domain->hseed, __ATOMIC_RELAXED);
		__atomic_store_n(&slot->sizes, domain->sizes, __ATOMIC_RELAXED);
		__atomic_store_n(&slot->pkey, sio_attach_pkey(domain->sizes & 0xff),
				 __ATOMIC_RELAXED);
	}
	__atomic_store_n(&slot->domain, domain, __ATOMIC_RELEASE);
	__atomic_store_n(&slot->tag,
			 domain ? sio_iotlb_tag(domain->serial, pasid != SIO_NO_PASID, pasid)
				: SIO_IOTLB_TAG_NONE,
			 __ATOMIC_RELEASE);
}

int sio_iommu_dev_attach(struct sio_iommu_dev *dev, uint32_t pasid, struct sio_domain *domain)
{
	struct sio_attach *slot;
	struct sio_domain *old;
	int ret = 0;

	if (domain && domain->iommu != dev->iommu)
		return -EINVAL;
	if (pasid != SIO_NO_PASID && !pasid_ok(dev, pasid))
		return -EINVAL;
	if (domain && domain->dirty_cap && !(dev->caps & SIO_DEV_CAP_DIRTY))
		return -EINVAL;

	pthread_mutex_lock(&dev->lock);
	slot = pasid == SIO_NO_PASID ? &dev->rid_slot : pasid_slot_get(dev, pasid);
	if (!slot) {
		ret = -ENOMEM;
		goto out;
	}
	old = slot->domain;
	if (old == domain)
		goto out;
	if (domain)
		__atomic_fetch_add(&domain->users, 1, __ATOMIC_RELAXED);
	slot_write(slot, domain, pasid);
	/* Release: the slot no longer names old before its free can see users == 0. */
	if (old)
		__atomic_fetch_sub(&old->users, 1, __ATOMIC_RELEASE);
out:
	pthread_mutex_unlock(&dev->lock);
	return ret;
}

struct sio_domain *sio_iommu_dev_get_domain(struct sio_iommu_dev *dev, uint32_t pasid)
{
	struct sio_domain *d = NULL;
	struct sio_attach *leaf;

	pthread_mutex_lock(&dev->lock);
	if (pasid == SIO_NO_PASID) {
		d = dev->rid_slot.domain;
	} else if (pasid_ok(dev, pasid) && dev->pasid_dir) {
		leaf = dev->pasid_dir[pasid >> SIO_PASID_LEAF_SHIFT];
		if (leaf)
			d = leaf[pasid & (SIO_PASID_LEAF - 1)].domain;
	}
	pthread_mutex_unlock(&dev->lock);
	return d;
}
