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

	/* lock protects: did_map, stat_base, ndomains, ndevs. */
	pthread_mutex_t lock;
	unsigned int num_dids;
	uint64_t *did_map;		/* bit n: DID n in use (bit 0 always set) */
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
	uint64_t hseed;			/* sio_iotlb_hseed(did) */
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
 * device's lock, as a sequence-counted record: seq odd while it changes.
 * Readers take seq (acquire), the fields (relaxed), an acquire fence and seq
 * again, and retry on a change. tag == 0 means blocked (domain NULL).
 */
struct sio_attach {
	uint32_t seq;
	uint32_t pad;
	uint64_t tag;			/* sio_iotlb_tag(did, has_pasid, pasid); 0: blocked */
	uint64_t hseed;
	uint64_t sizes;
	struct sio_domain *domain;
};

#define SIO_PASID_LEAF_SHIFT	8
#define SIO_PASID_LEAF		(1u << SIO_PASID_LEAF_SHIFT)

struct sio_iommu_dev {
	/* The RID's slot first: the hit path touches this line and nothing else of dev. */
	struct sio_attach rid_slot __attribute__((aligned(64)));
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

/* DID allocation (iommu.c): 0 or -ENOSPC. */
int sio_iommu_did_alloc(struct sio_iommu *iommu, uint32_t *did);
void sio_iommu_did_free(struct sio_iommu *iommu, uint32_t did);
void sio_iommu_count_object(struct sio_iommu *iommu, bool domain, int delta);

#endif /* SIO_IOMMU_IOMMU_PRIV_H */
