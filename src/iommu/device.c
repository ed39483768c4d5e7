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
 * SMMU nested domains: the RID slot of an S1-translate STE gets its IOTLB
 * key from the configuration cache (smmu.c); a bypass STE's slot uses the
 * parent's key; an abort STE's slot matches nothing. Any RID attach drops the
 * device's configuration cache. The device registry (RID -> devices, for
 * SMMU commands) lives under iommu->dev_lock, taken before dev->lock.
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
	sio_iommu_dev_register(dev);
	*out = dev;
	return 0;
}

static unsigned int rid_hash(uint32_t rid)
{
	return (rid * 0x9e3779b1u) >> 26;
}

_Static_assert(SIO_DEV_HASH == 64, "rid_hash gives 6 bits");

void sio_iommu_dev_register(struct sio_iommu_dev *dev)
{
	struct sio_iommu *iommu = dev->iommu;
	unsigned int h = rid_hash(dev->rid);

	pthread_mutex_lock(&iommu->dev_lock);
	dev->hash_next = iommu->dev_hash[h];
	iommu->dev_hash[h] = dev;
	pthread_mutex_unlock(&iommu->dev_lock);
}

void sio_iommu_dev_unregister(struct sio_iommu_dev *dev)
{
	struct sio_iommu *iommu = dev->iommu;
	struct sio_iommu_dev **pp;

	pthread_mutex_lock(&iommu->dev_lock);
	for (pp = &iommu->dev_hash[rid_hash(dev->rid)]; *pp; pp = &(*pp)->hash_next) {
		if (*pp == dev) {
			*pp = dev->hash_next;
			break;
		}
	}
	pthread_mutex_unlock(&iommu->dev_lock);
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
	/* After this no SMMU command can reach the device. */
	sio_iommu_dev_unregister(dev);
	sio_smmu_cfg_destroy(dev);
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
	/* Whose IOTLB entries the slot's hits use (an SMMU bypass STE: the parent's). */
	struct sio_domain *key = domain;
	uint64_t tag = SIO_IOTLB_TAG_NONE;

	if (domain && domain->kind == SIO_DOMAIN_SMMU_NESTED)
		key = domain->smmu_mode == SIO_SMMU_BYPASS ? domain->parent : NULL;
	if (key) {
		__atomic_store_n(&slot->hseed, key->hseed, __ATOMIC_RELAXED);
		__atomic_store_n(&slot->sizes, key->sizes, __ATOMIC_RELAXED);
		__atomic_store_n(&slot->pkey, sio_attach_pkey(key->sizes & 0xff),
				 __ATOMIC_RELAXED);
		tag = sio_iotlb_tag(key->serial, pasid != SIO_NO_PASID, pasid);
	}
	/*
	 * An SMMU S1 domain starts with a tag that matches nothing: the miss
	 * path fetches the configuration and then sets the slot's key (smmu.c).
	 */
	__atomic_store_n(&slot->domain, domain, __ATOMIC_RELEASE);
	__atomic_store_n(&slot->tag, tag, __ATOMIC_RELEASE);
}

static bool is_smmu_nested(const struct sio_domain *d)
{
	return d && d->kind == SIO_DOMAIN_SMMU_NESTED;
}

int sio_iommu_dev_attach(struct sio_iommu_dev *dev, uint32_t pasid, struct sio_domain *domain)
{
	struct sio_smmu_cfg *dropped = NULL;
	struct sio_attach *slot;
	struct sio_domain *old;
	int ret = 0;

	if (domain && domain->iommu != dev->iommu)
		return -EINVAL;
	if (pasid != SIO_NO_PASID && !pasid_ok(dev, pasid))
		return -EINVAL;
	if (domain && domain->dirty_cap && !(dev->caps & SIO_DEV_CAP_DIRTY))
		return -EINVAL;
	/* An SMMU nested domain is a whole STE: the RID only. */
	if (pasid != SIO_NO_PASID && is_smmu_nested(domain))
		return -EINVAL;

	pthread_mutex_lock(&dev->lock);
	if (pasid == SIO_NO_PASID) {
		if (is_smmu_nested(domain) && dev->npasid_attached) {
			ret = -EBUSY;
			goto out;
		}
		slot = &dev->rid_slot;
		/* A (re-)attach installs a new STE: the configuration cache goes. */
		sio_smmu_cfg_drop_locked(dev, &dropped);
	} else {
		if (domain && is_smmu_nested(dev->rid_slot.domain)) {
			ret = -EBUSY;
			goto out;
		}
		slot = pasid_slot_get(dev, pasid);
	}
	if (!slot) {
		ret = -ENOMEM;
		goto out;
	}
	old = slot->domain;
	if (old == domain)
		goto out_rewrite;
	if (domain)
		__atomic_fetch_add(&domain->users, 1, __ATOMIC_RELAXED);
	if (pasid != SIO_NO_PASID && domain && !old)
		dev->npasid_attached++;
	else if (pasid != SIO_NO_PASID && !domain && old)
		dev->npasid_attached--;
	slot_write(slot, domain, pasid);
	/* Release: the slot no longer names old before its free can see users == 0. */
	if (old)
		__atomic_fetch_sub(&old->users, 1, __ATOMIC_RELEASE);
	goto out;
out_rewrite:
	/* The same domain again: only an SMMU S1 slot's key (dropped above) changes. */
	if (pasid == SIO_NO_PASID && is_smmu_nested(domain))
		slot_write(slot, domain, pasid);
out:
	pthread_mutex_unlock(&dev->lock);
	/* Readers of dropped configurations are in RCU sections: free after a grace period. */
	sio_smmu_cfg_free_list(dropped);
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
