/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Private structures of the iommu layer, shared by its files only.
 */
#ifndef SIO_IOMMU_IOMMU_PRIV_H
#define SIO_IOMMU_IOMMU_PRIV_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "iommu/iommu.h"
#include "iommu/iotlb.h"
#include "iommu/stats.h"

struct sio_iommu {
	struct sio_iotlb iotlb;
	enum sio_iommu_type type;
	unsigned int stat_idx;		/* per-thread counter index (stats.h) */

	/*
	 * lock protects: did_map, next_serial, stat_base, ndomains, ndevs, and
	 * the writes of did_serial (read lock-free by invalidations: atomic
	 * loads of published leaves).
	 */
	pthread_mutex_t lock;
	unsigned int num_dids;
	uint64_t *did_map;		/* bit n: DID n in use (bit 0 always set) */
	/* DID -> serial of the domain holding it (0: none), in leaves of 256. */
	uint64_t **did_serial;
	uint64_t next_serial;
	uint64_t stat_base[SIO_STAT_NR];	/* sums at create / last reset */
	unsigned int ndomains, ndevs;
};

/*
 * A domain. Immutable after allocation except where noted; readers (the
 * translation miss path, iova_to_phys) reach it from an attachment slot
 * inside an RCU read-side section and may use it until the section ends.
 */
struct sio_domain {
	struct sio_iommu *iommu;
	enum sio_domain_kind kind;
	uint32_t did;
	uint64_t serial;		/* IOTLB tag of the domain: never reused */
	uint64_t hseed;			/* sio_iotlb_hseed(serial) */
	uint64_t sizes;			/* leaf lg2 per byte, ascending, 0-terminated */
	uint64_t aperture_start, aperture_last;
	uint64_t pgsize_bitmap;
	bool dirty_cap;
	bool nest_parent;
	/* The format updates accessed/dirty bits on every walk (x86-64, ARM HA/HD). */
	bool hw_ad;

	struct sio_pt *pt;
	const struct sio_pt_cfg *pt_cfg;
	uint64_t pt_root;

	/*
	 * SIO_DOMAIN_NESTED (pt NULL): the guest's stage 1 and the parent used
	 * as its stage 2. Immutable; the parent outlives the nested domain.
	 */
	struct sio_domain *parent;
	struct sio_pt_cfg s1_cfg;
	uint64_t s1_root_gpa;
	/*
	 * Nested domains on a nest_parent domain: a list through nested_next,
	 * headed at the parent's nested_head, both under the parent's lock.
	 */
	struct sio_domain *nested_head;
	struct sio_domain *nested_next;

	/* Written under lock, read lock-free by walkers (relaxed / seq_cst). */
	bool dirty_enabled;
	/* Attachment slots pointing here: atomic (changed under each device's lock). */
	unsigned int users;

	/* lock serialises the table's writers: map, unmap, dirty ops, reclaim. */
	pthread_mutex_t lock;
	unsigned int unmaps_since_reclaim;	/* under lock */
};

/*
 * One attachment (the RID's, or one PASID's). Written only under the
 * device's lock; each word is read lock-free on its own. The hit path reads
 * tag, hseed and pkey (other sizes: sizes). A mix of an old and a new
 * attachment's words is harmless: an IOTLB entry matches only its own (tag,
 * page | lg2) and a tag names one domain forever (iotlb.h), so a match is
 * always a translation of the tag's domain; the leaf size and its mask come
 * from one word (pkey), so they agree. tag is written last (release). The
 * miss path reads domain (acquire) and walks it.
 * Blocked: tag SIO_IOTLB_TAG_NONE (matches no entry), domain NULL.
 */
struct sio_attach {
	uint64_t tag;
	uint64_t hseed;
	uint64_t sizes;			/* of the domain; byte 0 is the smallest leaf */
	uint64_t pkey;			/* ~(smallest leaf size - 1) | its lg2 */
	struct sio_domain *domain;
};

static inline uint64_t sio_attach_pkey(unsigned int lg2)
{
	return ~((1ULL << lg2) - 1) | lg2;
}

#define SIO_PASID_LEAF_SHIFT	8
#define SIO_PASID_LEAF		(1u << SIO_PASID_LEAF_SHIFT)

struct sio_iommu_dev {
	/*
	 * The hit path reads this first cache line and nothing else of the
	 * device: the RID's slot and copies of the IOMMU's immutable IOTLB
	 * geometry and counter index.
	 */
	struct sio_attach rid_slot __attribute__((aligned(64)));
	struct sio_iotlb_entry *iotlb_ent;
	uint64_t iotlb_set_mask;
	unsigned int stat_idx;
	unsigned int stat_key;		/* stat_idx + 1 (stats.h) */

	struct sio_iommu *iommu;
	uint32_t rid;
	unsigned int pasid_bits;
	unsigned int caps;
	/*
	 * PASID table: pasid_dir[pasid >> SIO_PASID_LEAF_SHIFT] -> SIO_PASID_LEAF
	 * slots. The directory and leaves are allocated on the first attachment
	 * that needs them, published with release stores under lock, read with
	 * acquire loads, and freed only by sio_iommu_dev_destroy().
	 */
	struct sio_attach **pasid_dir;
	unsigned int ndir;
	/* lock serialises attachment changes and PASID-table allocation. */
	pthread_mutex_t lock;
};

/* DID and serial allocation (iommu.c): 0, -ENOSPC or -ENOMEM. */
int sio_iommu_did_alloc(struct sio_iommu *iommu, uint32_t *did, uint64_t *serial);
void sio_iommu_did_free(struct sio_iommu *iommu, uint32_t did);
void sio_iommu_count_object(struct sio_iommu *iommu, bool domain, int delta);
/* sio_iommu_invalidate() / _did() for a domain known by its serial (0: count only). */
void sio_iommu_inv_serial_range(struct sio_iommu *iommu, uint64_t serial, uint64_t iova,
				uint64_t size);
void sio_iommu_inv_serial(struct sio_iommu *iommu, uint64_t serial);

#endif /* SIO_IOMMU_IOMMU_PRIV_H */
