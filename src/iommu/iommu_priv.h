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

#define SIO_DEV_HASH	64

struct sio_smmu_cfg;

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
	/* DID -> stage-1 tag-space serial of the nest_parent holding it (0: none). */
	uint64_t **did_s1_serial;

	/*
	 * dev_lock protects dev_hash (RID -> device contexts, chained through
	 * dev->hash_next). Taken before any device's lock, never after one:
	 * SMMU commands hold it while they touch a device's configuration
	 * cache, and sio_iommu_dev_destroy() unlinks under it first.
	 */
	pthread_mutex_t dev_lock;
	struct sio_iommu_dev *dev_hash[SIO_DEV_HASH];

	/* prq_lock protects the page request queue's occupancy (prq.c). */
	pthread_mutex_t prq_lock;
	unsigned int prq_depth;		/* entries */
	unsigned int prq_used;		/* requests queued and not yet answered */
	bool prq_overflow;		/* sticky PRO: set when full, cleared when drained */
};

enum sio_smmu_mode {
	SIO_SMMU_ABORT,		/* V = 0 or Config abort: every request faults, unrecorded */
	SIO_SMMU_BYPASS,	/* Config bypass: the parent's translations */
	SIO_SMMU_S1,		/* Config S1 translate: CD + stage 1 over the parent */
};

/*
 * Geometry of a VT-d nested domain for the specialised walker (nestwalk.c),
 * computed once at allocation from the normalised stage-1 configuration and
 * the parent's; immutable. !fast: the parent is not a VT-d second stage and
 * translations take the generic walk.
 */
struct sio_nest_geom {
	bool fast;
	bool s1_sre, s1_wpe;
	bool s2_dirty;			/* the parent's cfg.dirty_tracking */
	unsigned int s1_levels, s1_ias;
	unsigned int s2_levels, s2_ias;
	uint64_t s1_rsvd, s2_rsvd;	/* bits [51:oas] of each stage's entries */
	uint64_t s2_root;
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
	struct sio_nest_geom ngeom;	/* nestwalk.c, set at allocation */
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

	/*
	 * nest_parent domains: the serial of the stage-1 tag space (never
	 * reused) that tags combined entries of SMMU nested domains on it
	 * (sio_iotlb_tag(s1_serial, true, ASID)), its hash seed, and whether an
	 * SMMU nested domain was ever allocated on it (set once, atomic: a
	 * stage-2 change then removes every entry of s1_serial).
	 */
	uint64_t s1_serial, s1_hseed;
	bool s1_used;

	/* SIO_DOMAIN_SMMU_NESTED: what the STE asks for, and its two words (immutable). */
	enum sio_smmu_mode smmu_mode;
	uint64_t ste[2];

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
	/* PASID slots with a domain (under lock). */
	unsigned int npasid_attached;

	/*
	 * SMMU configuration cache (smmu.c): decoded STE + CD per SSID
	 * (cfg_dir[ssid >> SIO_PASID_LEAF_SHIFT][ssid & (SIO_PASID_LEAF - 1)])
	 * and for requests without SSID (cfg_nossid). Entries and leaves are
	 * published with release stores under lock and read with acquire loads
	 * inside RCU read-side sections; a dropped entry is freed after a grace
	 * period, leaves and the directory only by sio_iommu_dev_destroy().
	 * cfg_gen is incremented (under lock) by every drop: a fill publishes
	 * only if it is unchanged since before its fetch began.
	 */
	struct sio_smmu_cfg *cfg_nossid;
	struct sio_smmu_cfg ***cfg_dir;
	uint64_t cfg_gen;
	/* RID registry chain (under iommu->dev_lock). */
	struct sio_iommu_dev *hash_next;
};

/* DID and serial allocation (iommu.c): 0, -ENOSPC or -ENOMEM. */
int sio_iommu_did_alloc(struct sio_iommu *iommu, uint32_t *did, uint64_t *serial);
void sio_iommu_did_free(struct sio_iommu *iommu, uint32_t did);
void sio_iommu_count_object(struct sio_iommu *iommu, bool domain, int delta);
/* sio_iommu_invalidate() / _did() for a domain known by its serial (0: count only). */
void sio_iommu_inv_serial_range(struct sio_iommu *iommu, uint64_t serial, uint64_t iova,
				uint64_t size);
void sio_iommu_inv_serial(struct sio_iommu *iommu, uint64_t serial);
/* A new never-reused serial: 0, -ENOSPC. */
int sio_iommu_serial_alloc(struct sio_iommu *iommu, uint64_t *serial);
/* Record @s1_serial as the stage-1 tag space of the domain holding @did. */
void sio_iommu_did_set_s1(struct sio_iommu *iommu, uint32_t did, uint64_t s1_serial);
/* Serial / stage-1 serial of the domain holding @did, 0 if none. */
uint64_t sio_iommu_did_serial(struct sio_iommu *iommu, uint32_t did);
uint64_t sio_iommu_did_s1_serial(struct sio_iommu *iommu, uint32_t did);

/* ------------------------------------------ translation internals (translate.c) */

#define SIO_ACC_RWX	(SIO_PT_R | SIO_PT_W | SIO_PT_X)

/*
 * An IOTLB entry's val serves a request if it has the requested R/W/X and
 * was filled for the request's privilege (PRIV is bit 3, PRIVREQ bit 4).
 */
#define SIO_WANT(access)	(((access) & SIO_ACC_RWX) | (((access) & SIO_PT_PRIV) << 1))
#define SIO_WANT_MASK(access)	(((access) & SIO_ACC_RWX) | SIO_IOTLB_V_PRIVREQ)

struct sio_xreq {
	struct sio_iommu_dev *dev;
	bool has_pasid;
	uint32_t pasid;
	uint64_t iova;
	unsigned int access;
};

/*
 * Fill out->fault (stage 1, class NONE, record true, gpa 0), count a fault.
 * Return: -EACCES.
 */
int sio_xlate_fault(const struct sio_xreq *r, enum sio_fault_reason reason, uint32_t did,
		    unsigned int level, uint64_t entry_addr, struct sio_xlate *out);
enum sio_fault_reason sio_pt_fault_reason(enum sio_pt_fault f);

/*
 * Walk paging domain @d for @r (inside the caller's RCU section; the miss is
 * counted by the caller) and cache a success under @tag. Faults are stage 1.
 */
int sio_xlate_paging(const struct sio_xreq *r, struct sio_domain *d, uint64_t tag,
		     struct sio_xlate *out);

/*
 * Stage-2 access of a nested walk through parent @s2 (see translate.c). The
 * first stage-2 failure is recorded (s2_failed and the fields after it).
 */
struct sio_nest_mem {
	struct sio_domain *s2;
	bool set_ad;
	unsigned int walks, loads;
	/* Last stage-2 translation of a table read (valid when size_lg2 != 0). */
	uint64_t gpa_base, hpa_base;
	unsigned int size_lg2, perm;
	/* The stage-2 failure, if s2_failed. */
	bool s2_failed;
	enum sio_fault_reason reason;
	unsigned int level;
	uint64_t entry_addr, gpa;
};

/* Translate @gpa through stage 2 for @access: 0 or -EFAULT (recorded in @m). */
int sio_nest_s2_xlate(struct sio_nest_mem *m, uint64_t gpa, unsigned int access,
		      struct sio_pt_walk_result *res);
/* struct sio_pt_mem callbacks over a struct sio_nest_mem. */
int sio_nest_read(void *ctx, uint64_t gpa, uint64_t *val);
int sio_nest_cas(void *ctx, uint64_t gpa, uint64_t old, uint64_t new_val);

/*
 * The outcome of one nested (VT-d) translation walk: on success the combined
 * translation (pa, the smaller leaf size, the intersection of the rights);
 * on failure the stage (1 or 2) and the fault, with the GPA for stage 2.
 * walks and loads count stage-1 and stage-2 walks and their entry loads.
 */
struct sio_nest_walk {
	uint64_t pa;
	unsigned int size_lg2, perm;
	unsigned int stage;
	enum sio_fault_reason reason;
	unsigned int level;
	uint64_t entry_addr, gpa;
	unsigned int walks, loads;
};

/* Fill d->ngeom for nested domain @d; @s1 is the normalised stage-1 config. */
void sio_nest_geom_init(struct sio_domain *d, const struct sio_pt_cfg *s1);
/*
 * Walk nested domain @d for @iova / @access (inside the caller's RCU section,
 * after sio_iotlb_fill_begin()): 0, or -EFAULT with w->stage set. Both walks
 * give the same results, side effects and counts; _fast needs d->ngeom.fast.
 */
int sio_nest_walk_generic(struct sio_domain *d, uint64_t iova, unsigned int access,
			  struct sio_nest_walk *w);
int sio_nest_walk_fast(struct sio_domain *d, uint64_t iova, unsigned int access,
		       struct sio_nest_walk *w);

/* ------------------------------------------------------------- SMMU (smmu.c) */

/*
 * The miss path of a RID request on SMMU nested domain @d (inside the
 * caller's RCU section; nothing counted yet): config, IOTLB, walk.
 */
int sio_smmu_translate_rid(const struct sio_xreq *r, struct sio_domain *d,
			   struct sio_xlate *out);
/*
 * A request with SSID @r->pasid on a device whose PASID slot is empty: if
 * the RID has an SMMU nested domain, translate it there and return true
 * (*ret set); else false, nothing counted.
 */
bool sio_smmu_translate_ssid(const struct sio_xreq *r, struct sio_xlate *out, int *ret);
/* Drop every configuration of @dev onto *list (caller holds dev->lock). */
void sio_smmu_cfg_drop_locked(struct sio_iommu_dev *dev, struct sio_smmu_cfg **list);
/* Drop the configurations read from CD[@ssid] onto *list (caller holds dev->lock). */
void sio_smmu_cfg_drop_ssid_locked(struct sio_iommu_dev *dev, uint32_t ssid,
				   struct sio_smmu_cfg **list);
/* After a grace period, free a list from sio_smmu_cfg_drop_locked() (no lock held). */
void sio_smmu_cfg_free_list(struct sio_smmu_cfg *list);
/* Free every configuration and leaf of @dev (no translation may be running on it). */
void sio_smmu_cfg_destroy(struct sio_iommu_dev *dev);
/* Device registry (device.c). */
void sio_iommu_dev_register(struct sio_iommu_dev *dev);
void sio_iommu_dev_unregister(struct sio_iommu_dev *dev);

#endif /* SIO_IOMMU_IOMMU_PRIV_H */
