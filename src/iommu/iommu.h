/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The hardware model: IOMMU instances, domains, per-device contexts
 * (RID -> PASID -> domain), translation through an IOTLB that goes stale
 * exactly like hardware, invalidation, counters and device DMA.
 * Knows nothing of ioctls, object IDs or iommufd objects.
 *
 * Objects and who owns them:
 *  - struct sio_iommu: one hardware instance. Owns the IOTLB, the domain-ID
 *    (DID / VMID) allocator and the counters. Destroyed last.
 *  - struct sio_domain: an address space (PAGING: a struct sio_pt the domain
 *    owns; NESTED: a guest's stage-1 root over a nest_parent PAGING domain,
 *    which it keeps from being freed). Holds a DID (the hardware's domain
 *    ID, reused after a free: what invalidation requests and fault records
 *    name) and a serial that is never reused: every IOTLB entry carries the
 *    serial of the domain it was filled for.
 *  - struct sio_iommu_dev: a device context: RID, PASID width, capabilities
 *    and the attachment table (no-PASID slot + sparse PASID table).
 *
 * Thread safety. Every function is thread-safe unless stated. Translation
 * and DMA take no lock: they run concurrently with map/unmap of other ranges,
 * with attach/replace and with invalidation. Writers serialise per object:
 * map/unmap/dirty operations of one domain on the domain's mutex, attach on
 * the device's mutex, DID allocation on the IOMMU's mutex. The caller (core)
 * guarantees object lifetimes around these calls: no translation or DMA on a
 * device while it is destroyed, no call on a domain while it is freed, and
 * every domain and device gone before their IOMMU.
 *
 * Caching semantics (hw-model §5.4). An IOTLB entry caches one leaf
 * translation (page base, size, permissions) keyed by (domain, PASID or
 * none, page at the leaf size). Once cached it is used until a matching
 * invalidation or a capacity eviction, whatever happens to the page table
 * meanwhile (a stale hit is observable). Failed translations are never
 * cached. After a replace attach the device looks up entries under its new
 * domain only, so entries of the old domain are no longer used by it (they
 * stay valid for the old domain's other users). sio_domain_unmap()
 * invalidates what it removed before it returns; sio_domain_map() needs no
 * invalidation (not-present entries are never cached).
 *
 * Errors are negative errno values.
 */
#ifndef SIO_IOMMU_IOMMU_H
#define SIO_IOMMU_IOMMU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pt/pt.h"

struct sio_iommu;
struct sio_domain;
struct sio_iommu_dev;

/* ---------------------------------------------------------------- instance */

enum sio_iommu_type {
	SIO_IOMMU_VTD,
	SIO_IOMMU_SMMUV3,
	SIO_IOMMU_MOCK,
};

/*
 * What the IOTLB does when an insertion finds no free entry. The IOTLB is
 * set-associative (SIO_IOTLB_WAYS entries per set, sets chosen by a hash of
 * domain and page); both policies are deterministic: the same sequence of
 * operations on one thread gives the same contents.
 */
enum sio_iotlb_policy {
	/*
	 * Evict one entry of the full set, round-robin per set (a hardware-like
	 * set-associative TLB). The default.
	 */
	SIO_IOTLB_EVICT_WAY,
	/*
	 * QEMU's model: when the IOTLB holds iotlb_capacity entries, an
	 * insertion first flushes the whole IOTLB. The table has twice that
	 * many slots so that a set rarely fills first; if one does, its
	 * round-robin victim is evicted.
	 */
	SIO_IOTLB_FLUSH_ALL,
};

#define SIO_IOTLB_WAYS			4
#define SIO_IOTLB_DEFAULT_CAPACITY	4096
#define SIO_IOTLB_MAX_CAPACITY		(1u << 24)

/* Most IOMMU instances alive at once (per-thread counters are indexed by instance). */
#define SIO_IOMMU_MAX			1024

struct sio_iommu_cfg {
	enum sio_iommu_type type;
	/* IOTLB entries (rounded up to a power of two, >= SIO_IOTLB_WAYS); 0: default. */
	unsigned int iotlb_capacity;
	enum sio_iotlb_policy iotlb_policy;
	/* Domain IDs 1..num_dids (0 is never used); 0: 65535. */
	unsigned int num_dids;
};

/* Return: 0, -EINVAL (bad configuration), -ENOMEM, -ENOSPC (SIO_IOMMU_MAX reached). */
int sio_iommu_create(const struct sio_iommu_cfg *cfg, struct sio_iommu **out);
/* Every domain and device of @iommu must be gone. NULL is a no-op. */
void sio_iommu_destroy(struct sio_iommu *iommu);
enum sio_iommu_type sio_iommu_type(const struct sio_iommu *iommu);
/* The capacity and policy in effect (after defaults and rounding). */
unsigned int sio_iommu_iotlb_capacity(const struct sio_iommu *iommu);

/*
 * Counters. Exact: every translation counts either one hit or one miss; a
 * miss counts one walk and the walk's table-entry loads; every failed
 * translation counts one fault. An "invalidation" is one request
 * (sio_iommu_invalidate*(), or one made inside a domain operation: unmap
 * that removed something, a dirty-tracking toggle, a read-and-clear, a free).
 * Counters are per thread and summed on read, so the hit path never writes a
 * shared cache line; a read concurrent with translations sees each thread's
 * counts at some recent moment.
 */
struct sio_iommu_stats {
	uint64_t iotlb_hits;
	uint64_t iotlb_misses;		/* includes hits lacking a needed permission */
	uint64_t walks;			/* sio_pt_walk() calls */
	uint64_t pte_loads;		/* table-entry reads by those walks */
	uint64_t faults;		/* failed translations */
	uint64_t invalidations;		/* invalidation requests */
	uint64_t iotlb_inserts;		/* entries filled after a successful walk */
	uint64_t iotlb_evictions;	/* valid entries replaced for lack of room */
	uint64_t iotlb_full_flushes;	/* SIO_IOTLB_FLUSH_ALL capacity flushes */
};

void sio_iommu_get_stats(struct sio_iommu *iommu, struct sio_iommu_stats *st);
/* Counts from now on start at 0 (a baseline is recorded; nothing is written per thread). */
void sio_iommu_reset_stats(struct sio_iommu *iommu);

/*
 * Invalidation. Each completes before it returns: no translation that starts
 * afterwards uses a removed entry, and a translation that walked the table
 * before the change cannot re-insert its result after the call returns.
 * A DID no domain holds has nothing cached (counted, nothing else).
 *  - sio_iommu_invalidate(): entries of @did whose page overlaps
 *    [iova, iova + size) — including a large page that contains @iova — for
 *    every PASID. size 0 does nothing; a range past 2^64 is clamped.
 *  - sio_iommu_invalidate_did(): every entry of @did.
 *  - sio_iommu_invalidate_all(): everything.
 */
void sio_iommu_invalidate(struct sio_iommu *iommu, uint32_t did, uint64_t iova, uint64_t size);
void sio_iommu_invalidate_did(struct sio_iommu *iommu, uint32_t did);
void sio_iommu_invalidate_all(struct sio_iommu *iommu);

/* Test hook: number of valid IOTLB entries (a scan; not synchronised with writers). */
unsigned int sio_iommu_iotlb_count(struct sio_iommu *iommu);

/* ------------------------------------------------------------------ domain */

enum sio_domain_kind {
	SIO_DOMAIN_PAGING,	/* a kernel-managed table (struct sio_pt) */
	SIO_DOMAIN_NESTED,	/* a guest stage 1 (x86-64, in GPA space) over a paging stage 2 */
};

struct sio_domain_paging_cfg {
	/* The table; pt.dirty_tracking gives the domain the dirty-tracking capability. */
	struct sio_pt_cfg pt;
	/* Usable IOVA range; both 0: [0, 2^pt.ias - 1]. Must lie inside that. */
	uint64_t aperture_start, aperture_last;
	/* May serve as the stage 2 of nested domains (sio_domain_alloc_nested()). */
	bool nest_parent;
};

/*
 * A nested domain (hw-model §1.10, §5.2): VT-d first stage in x86-64 format
 * whose tables live in guest memory, reached through the parent's table
 * (stage 2, GPA -> PA).
 */
struct sio_domain_nested_cfg {
	/* SIO_PT_X86_64, granule 12 (or 0), levels 4 (ias 48) or 5 (ias 57); sre/wpe honoured. */
	struct sio_pt_cfg s1;
	/* The guest's first-stage table pointer (a GPA): only its alignment is checked. */
	uint64_t s1_root_gpa;
};

struct sio_domain_info {
	enum sio_domain_kind kind;
	uint32_t did;
	uint64_t aperture_start, aperture_last;
	uint64_t pgsize_bitmap;		/* leaf sizes the table maps with */
	bool dirty_tracking_cap;
	bool dirty_tracking_enabled;
	bool nest_parent;
	unsigned int users;		/* attachments (RID or PASID slots) using it */
};

/*
 * Allocate a paging domain: a DID and an empty table.
 * Return: 0, -EINVAL (bad table configuration or aperture), -ENOSPC (no
 * free DID), -ENOMEM.
 */
int sio_domain_alloc_paging(struct sio_iommu *iommu, const struct sio_domain_paging_cfg *cfg,
			    struct sio_domain **out);
/*
 * Allocate a nested domain on @parent, a paging domain of @iommu allocated
 * with nest_parent. Every stage-1 table read of a translation goes through
 * stage 2 (needing R there), every accessed/dirty update of a stage-1 entry
 * needs W there, and the final GPA goes through stage 2 with the request's
 * rights; the result is cached as one combined entry of the nested domain's
 * DID at the smaller of the two leaf sizes, with the intersection of the
 * rights. sio_iommu_invalidate() on the nested DID removes combined entries;
 * an unmap (or dirty-tracking change) on the parent removes every entry of
 * every nested domain on it (VT-d type-2 PSI behaviour). A bad s1_root_gpa
 * faults at DMA time. The parent cannot be freed (-EBUSY) while nested
 * domains use it. map/unmap/dirty operations do not apply to a nested domain.
 * Return: 0, -EINVAL (parent not a nest_parent paging domain of @iommu, bad
 * stage-1 configuration, misaligned s1_root_gpa), -ENOSPC (no free DID),
 * -ENOMEM.
 */
int sio_domain_alloc_nested(struct sio_iommu *iommu, struct sio_domain *parent,
			    const struct sio_domain_nested_cfg *cfg, struct sio_domain **out);
/*
 * Free a domain nothing is attached to: waits for a grace period (no
 * translation can still be walking it or about to cache it), invalidates
 * its entries, then frees the table and releases the DID.
 * Return: 0, -EBUSY (still attached somewhere, or nested domains use it as
 * their stage 2; nothing done). NULL: 0.
 */
int sio_domain_free(struct sio_domain *d);

void sio_domain_get_info(const struct sio_domain *d, struct sio_domain_info *info);
uint32_t sio_domain_did(const struct sio_domain *d);
struct sio_iommu *sio_domain_iommu(const struct sio_domain *d);
/*
 * The domain's table, for tests that change entries behind the IOTLB's back
 * (serialise with the domain's own operations). Not for the core. NULL for
 * a nested domain.
 */
struct sio_pt *sio_domain_pt(struct sio_domain *d);

/*
 * Map [iova, iova + size) to [pa, pa + size) with @prot (enum sio_pt_prot).
 * Return: 0, -ERANGE (outside the aperture, or pa beyond the output range),
 * -EINVAL (zero size, misaligned, no R/W), -EADDRINUSE, -ENXIO, -ENOMEM
 * (as sio_pt_map(); on error nothing of this call stays mapped),
 * -EOPNOTSUPP (a nested domain).
 */
int sio_domain_map(struct sio_domain *d, uint64_t iova, uint64_t pa, uint64_t size, int prot);
/*
 * Unmap whole leaves from @iova (sio_pt_unmap() rules) and invalidate every
 * IOTLB entry of the domain overlapping what was removed before returning.
 * Table memory the unmap unlinked is freed after a grace period: in batches
 * (every SIO_DOMAIN_RECLAIM_BATCH unmaps), by sio_domain_reclaim() and by
 * sio_domain_free(). On a nest_parent domain also invalidates every entry of
 * every nested domain using it. Return: bytes unmapped (0 for a nested domain).
 */
uint64_t sio_domain_unmap(struct sio_domain *d, uint64_t iova, uint64_t size);
#define SIO_DOMAIN_RECLAIM_BATCH	64
/* Wait for a grace period and free table memory earlier unmaps unlinked. */
void sio_domain_reclaim(struct sio_domain *d);
/*
 * Lock-free lookup without side effects: 0 with *pa (and *size_lg2), or
 * -ENOENT (also for a nested domain, which has no table of its own).
 */
int sio_domain_iova_to_phys(struct sio_domain *d, uint64_t iova, uint64_t *pa,
			    unsigned int *size_lg2);

/*
 * Dirty tracking. Enabling or disabling invalidates the domain, so a cached
 * writable entry is walked again and the device's next write sets the dirty
 * bit. While tracking is disabled, a dirty-capable domain's walks set no
 * accessed/dirty bits (VT-d SSADE semantics).
 * set: 0, -EOPNOTSUPP (no capability).
 */
int sio_domain_set_dirty_tracking(struct sio_domain *d, bool enable);
/*
 * Report each dirty leaf overlapping [iova, iova + size) to @fn and, unless
 * @no_clear, clear it and invalidate the range (so the next device write
 * walks and marks it again). Return: 0, -EOPNOTSUPP (no capability),
 * -EINVAL (tracking disabled).
 */
int sio_domain_read_and_clear_dirty(struct sio_domain *d, uint64_t iova, uint64_t size,
				    bool no_clear,
				    void (*fn)(void *arg, uint64_t iova, uint64_t size), void *arg);
/* Mark the leaf at @iova dirty: 0, -ENOENT (not mapped), -EOPNOTSUPP. */
int sio_domain_set_dirty(struct sio_domain *d, uint64_t iova);

/* ------------------------------------------------------------------ device */

#define SIO_NO_PASID		UINT32_MAX
#define SIO_PASID_BITS_MAX	20

enum sio_dev_cap {
	SIO_DEV_CAP_PRI = 1 << 0,
	SIO_DEV_CAP_ATS = 1 << 1,
	SIO_DEV_CAP_DIRTY = 1 << 2,	/* may attach to dirty-tracking domains */
};

struct sio_iommu_dev_cfg {
	uint32_t rid;
	unsigned int pasid_bits;	/* 0 (no PASID) .. SIO_PASID_BITS_MAX */
	unsigned int caps;		/* enum sio_dev_cap */
};

/* Return: 0, -EINVAL (pasid_bits too large, unknown caps), -ENOMEM. */
int sio_iommu_dev_create(struct sio_iommu *iommu, const struct sio_iommu_dev_cfg *cfg,
			 struct sio_iommu_dev **out);
/*
 * Detach everything and free the context. No translation or DMA may be
 * running on @dev. NULL is a no-op.
 */
void sio_iommu_dev_destroy(struct sio_iommu_dev *dev);
uint32_t sio_iommu_dev_rid(const struct sio_iommu_dev *dev);
unsigned int sio_iommu_dev_pasid_bits(const struct sio_iommu_dev *dev);
unsigned int sio_iommu_dev_caps(const struct sio_iommu_dev *dev);
struct sio_iommu *sio_iommu_dev_iommu(const struct sio_iommu_dev *dev);

/*
 * Attach @domain to the device's RID (@pasid == SIO_NO_PASID) or to @pasid,
 * atomically replacing what was there; NULL blocks (DMA faults). After the
 * call returns, no translation that starts uses the old attachment (IOTLB
 * entries are tagged by domain and looked up through the current one; the
 * old domain's entries are left to its other users and to its free).
 * Return: 0, -EINVAL (domain of another IOMMU; PASID beyond the device's
 * width or the device has none; dirty-tracking domain on a device without
 * SIO_DEV_CAP_DIRTY), -ENOMEM (first attachment in a PASID table block).
 */
int sio_iommu_dev_attach(struct sio_iommu_dev *dev, uint32_t pasid, struct sio_domain *domain);
/* The domain attached to the RID (SIO_NO_PASID) or @pasid, NULL if blocked. */
struct sio_domain *sio_iommu_dev_get_domain(struct sio_iommu_dev *dev, uint32_t pasid);

/* ------------------------------------------------------------- translation */

enum sio_fault_reason {
	SIO_FAULT_NONE = 0,
	SIO_FAULT_BLOCKED,		/* nothing (or the blocking state) attached */
	SIO_FAULT_PASID_INVALID,	/* PASID beyond the device's width, or none supported */
	SIO_FAULT_APERTURE,		/* outside the domain's aperture */
	SIO_FAULT_RANGE,		/* beyond the table's input range / non-canonical */
	SIO_FAULT_NOT_PRESENT,
	SIO_FAULT_PERM,			/* a level lacks a requested right */
	SIO_FAULT_RESERVED,		/* reserved bits in an entry */
	SIO_FAULT_ACCESS_FLAG,
	SIO_FAULT_ADDR_SIZE,		/* output beyond the output address size */
	SIO_FAULT_TABLE_READ,		/* a table entry could not be read */
	SIO_FAULT_AD_UPDATE,		/* an accessed/dirty update could not be written */
};

/* What a failed translation records (the seam for fault queues and page requests). */
struct sio_fault {
	enum sio_fault_reason reason;
	unsigned int stage;		/* 1, or 2: the parent of a nested domain failed */
	unsigned int access;		/* enum sio_pt_access requested */
	bool pasid_valid;
	uint32_t rid;
	uint32_t pasid;			/* meaningful when pasid_valid */
	uint32_t did;			/* of the domain walked; 0 if none */
	uint64_t iova;
	unsigned int level;		/* table level of the faulting entry (walk faults) */
	uint64_t entry_addr;		/* table address of that entry (walk faults) */
	/*
	 * Nested stage-2 faults: the GPA stage 2 could not translate (a
	 * stage-1 table entry's, or the final output's). 0 otherwise.
	 */
	uint64_t gpa;
};

struct sio_xlate {
	uint64_t pa;			/* output address of iova (page base | offset) */
	unsigned int size_lg2;		/* size of the leaf (translation page) */
	unsigned int perm;		/* enum sio_pt_access granted */
	struct sio_fault fault;		/* written only when the translation fails */
};

/*
 * Translate @iova for @access (enum sio_pt_access; R and/or W, optionally
 * X, PRIV) as the device's DMA would: IOTLB lookup at each leaf size the
 * domain uses (smallest first), else a walk of the domain's table (setting
 * accessed/dirty bits as the domain's format and dirty tracking say) whose
 * success is cached. A cached entry lacking a requested right (a read-only
 * leaf, or a writable leaf cached before it was dirty while dirty tracking
 * is on) or filled for the other privilege is walked again: a cached entry
 * never produces a fault. out->fault is written only on failure.
 * Return: 0 with pa/size_lg2/perm; -EACCES with out->fault filled (the
 * IOMMU refused the access); -EINVAL (no R/W/X in @access).
 */
int sio_iommu_translate(struct sio_iommu_dev *dev, bool has_pasid, uint32_t pasid, uint64_t iova,
			unsigned int access, struct sio_xlate *out);

/* ---------------------------------------------------------------------- DMA */

/*
 * Device DMA between device memory (@buf) and IO virtual addresses. The
 * transfer is split at translation-page boundaries; each piece is translated
 * and memory is touched only if that succeeds with the needed right
 * (physically contiguous pieces are copied together). Pieces before a
 * failing one have been transferred; *done (may be NULL) says how many bytes.
 * Return: 0 (all @len bytes), -EACCES (translation fault; *xl->fault says
 * which and where, nothing of that piece was touched), -EFAULT (memory at the
 * translated address, or @buf, is bad), -EINVAL (iova + len wraps, bad
 * access). @xl may be NULL.
 */
int sio_dma_read(struct sio_iommu_dev *dev, bool has_pasid, uint32_t pasid, uint64_t iova,
		 void *buf, size_t len, size_t *done, struct sio_xlate *xl);
int sio_dma_write(struct sio_iommu_dev *dev, bool has_pasid, uint32_t pasid, uint64_t iova,
		  const void *buf, size_t len, size_t *done, struct sio_xlate *xl);
/*
 * Device-internal copy from @src_iova to @dst_iova (a DMA engine): each
 * chunk needs R at the source and W at the destination before either side is
 * touched. Overlapping physical ranges are copied as memmove would.
 * Return and *done as above; the fault's access says which side failed.
 */
int sio_dma_copy(struct sio_iommu_dev *dev, bool has_pasid, uint32_t pasid, uint64_t dst_iova,
		 uint64_t src_iova, size_t len, size_t *done, struct sio_xlate *xl);

#endif /* SIO_IOMMU_IOMMU_H */
