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
	/*
	 * Configuration-cache lookups of SMMU nested translations (one per
	 * translation that needs the decoded STE + CD: every IOTLB miss of a
	 * RID request, every request with an SSID). A miss fetches the CD
	 * through stage 2: that stage-2 walk counts as a walk and its loads as
	 * pte_loads (so does a 2-level CD table's L1 descriptor's); the CD and
	 * L1 descriptor reads themselves are not table-entry loads.
	 */
	uint64_t cfg_hits;
	uint64_t cfg_misses;
	/* Page request queue: requests queued, groups answered, requests dropped. */
	uint64_t page_requests;
	uint64_t page_responses;
	uint64_t prq_overflows;
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

/*
 * Execute one physical SMMUv3 command (hw-model §2.8 table; 128 bits: cmd[0] = bits 63:0,
 * cmd[1] = bits 127:64) synchronously on @iommu, as the host driver issues it. VMID fields name
 * the stage-2 (nest_parent) domain whose DID is that VMID; SID fields name the device context of
 * @iommu whose RID is that SID (an unknown SID/VMID has nothing cached: success).
 * Fields: opcode cmd[0] 7:0, SSEC b10, NUM 16:12, SCALE 24:20, SSID 31:12 (CFGI_CD), SID 63:32
 * or VMID 47:32 + ASID 63:48; cmd[1]: RANGE 4:0 (CFGI_STE_RANGE), TG 11:10, ADDR 63:12.
 * TLBI_NH_VA/VAA/S2_IPA ranges: TG = 0: the 4 KiB at ADDR; else (NUM + 1) * 2^SCALE pages
 * of 2^(TG * 2 + 10) bytes from ADDR; an entry overlapping the range goes. CFGI_* with SSEC
 * set is a bad field. Every call counts as one invalidation.
 * Return: 0, -EIO (CERROR_ILL: an opcode softiommu's SMMU does not implement, or a bad field).
 */
int sio_smmu_cmd(struct sio_iommu *iommu, const uint64_t cmd[2]);

/*
 * The page request queue (PRQ, hw-model §1.9, §5.5 item 2): the entries the
 * IOMMU holds for page requests that wait for their response. A group of n
 * requests takes n entries from queuing (sio_iommu_prq_reserve()) until it
 * is answered or abandoned by its completion (sio_iommu_prq_release()).
 * When a group does not fit, it is dropped and the overflow flag (VT-d
 * PRS.PRO) is set unless the queue is empty; while the flag is set every new
 * request is dropped. The
 * host driver's part is modelled too: the flag clears once the queue has
 * drained (no entry in use), as Linux's PRQ handler clears PRO after it has
 * emptied the ring. Counters: page_requests (per request queued),
 * prq_overflows (per request dropped), page_responses (per group released
 * with @answered: its response came, from user space or automatic; false:
 * the group never reached the fault queue).
 */
#define SIO_PRQ_DEFAULT_DEPTH	256
#define SIO_PRQ_MAX_DEPTH	512	/* = PRGIs per function: a PRGI is never lacking */

/* Return: 0 (@n entries taken), -ENOSPC (dropped: full, or overflow pending). */
int sio_iommu_prq_reserve(struct sio_iommu *iommu, unsigned int n);
void sio_iommu_prq_release(struct sio_iommu *iommu, unsigned int n, bool answered);
/* Return: 0, -EINVAL (@depth 0 or beyond SIO_PRQ_MAX_DEPTH). Entries in use stay. */
int sio_iommu_prq_set_depth(struct sio_iommu *iommu, unsigned int depth);
unsigned int sio_iommu_prq_depth(struct sio_iommu *iommu);
bool sio_iommu_prq_overflow(struct sio_iommu *iommu);

/* Test hook: number of valid IOTLB entries (a scan; not synchronised with writers). */
unsigned int sio_iommu_iotlb_count(struct sio_iommu *iommu);

/* ------------------------------------------------------------------ domain */

enum sio_domain_kind {
	SIO_DOMAIN_PAGING,	/* a kernel-managed table (struct sio_pt) */
	SIO_DOMAIN_NESTED,	/* a guest stage 1 (x86-64, in GPA space) over a paging stage 2 */
	/* SMMUv3: a guest STE (CD table + VMSA stage 1 in IPA space) over a paging stage 2 */
	SIO_DOMAIN_SMMU_NESTED,
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
 * SMMUv3 nesting (hw-model §2.3-§2.8, §4.2, §5.3, §5.4).
 *
 * Stage 2 is the parent's SIO_PT_ARM_S2 table (IPA -> PA). The STE's
 * S1ContextPtr, the CD table, the CDs and the stage-1 tables are guest
 * memory: every such address is an IPA translated through stage 2 (R).
 *
 * STE (ste[0]: V b0, Config 3:1, S1Fmt 5:4, S1ContextPtr 51:6, S1CDMax
 * 63:59; ste[1]: S1DSS 1:0, S1STALLD b27), checked when a translation
 * fetches the configuration: S1STALLD = 1 or S1CDMax > SIO_PASID_BITS_MAX (the
 * model's SSIDSIZE) give SIO_FAULT_BAD_STE; the reserved S1Fmt 3 and S1DSS 3
 * act as 0. Requests without an SSID: S1CDMax = 0 uses CD 0; else S1DSS 0
 * terminates (F_STREAM_DISABLED: SIO_FAULT_BLOCKED with record set), 1
 * bypasses stage 1 (a stage-2-only translation cached under the parent's RID
 * tag), 2 uses CD 0. Requests with SSID s: S1CDMax = 0, s >= 2^S1CDMax or s
 * beyond the device's pasid_bits give SIO_FAULT_BAD_SUBSTREAMID; s = 0 with
 * S1DSS = 2 is F_STREAM_DISABLED (SIO_FAULT_BLOCKED, recorded).
 * CD address: S1Fmt 0 (or S1CDMax 0): S1ContextPtr + s * 64; S1Fmt 1 / 2:
 * two levels, 2^6 / 2^10 CDs per leaf table: the L1 descriptor (V b0, L2Ptr
 * 51:12) at S1ContextPtr + (s >> split) * 8, an invalid one gives
 * SIO_FAULT_BAD_SUBSTREAMID; the CD at L2Ptr + (s & (2^split - 1)) * 64.
 * A stage-2 fault on a CD / L1 descriptor address is a stage-2 fault of
 * class CD (fault.gpa = that IPA); an unreadable host address gives
 * SIO_FAULT_CD_FETCH.
 * CD (64-bit words cd[0..2]): T0SZ 5:0, TG0 7:6, EPD0 b14, ENDI b15, T1SZ
 * 21:16, TG1 23:22, EPD1 b30, V b31, IPS 34:32, AFFD b35, TBI 39:38, AA64
 * b41, HD b42, HA b43, S b44, R b45, A b46, ASID 63:48; TTB0 = cd[1] 51:4,
 * TTB1 = cd[2] 51:4, HAD0/HAD1 = bit 1 of cd[1]/cd[2]. SIO_FAULT_BAD_CD
 * unless V, AA64 and A are 1, ENDI and S are 0, IPS is not 7, HD is 0 or
 * (as IDR0 advertises HD only then) HA is 1 and the device has
 * SIO_DEV_CAP_DIRTY, and, for each region not disabled by EPDx,
 * TxSZ is in 16..39, TGx names a granule and TTBx < 2^OAS, where OAS =
 * min(IPS size, 48; 52 for a 64 KiB granule).
 *
 * Stage-1 walk: TBI (TBI0 for addresses with bit 55 clear, TBI1 otherwise)
 * makes bits 63:56 copies of bit 55; TTB0 if bits 63:64-T0SZ are 0, TTB1 if
 * bits 63:64-T1SZ are 1, else (the gap) or with EPDx set SIO_FAULT_RANGE.
 * Then invalid descriptor -> SIO_FAULT_NOT_PRESENT (a reserved encoding:
 * SIO_FAULT_RESERVED), APTable[1] (unless HADx) -> SIO_FAULT_PERM, AF = 0 without AFFD
 * or HA -> SIO_FAULT_ACCESS_FLAG, AP[2] on a write -> SIO_FAULT_PERM (unless HD and
 * DBM), output beyond OAS -> SIO_FAULT_ADDR_SIZE (AP[1] and privilege are ignored).
 * HTTU: with HA the walk sets AF in the leaf, and with HD clears AP[2] of a
 * DBM leaf on a write, by compare-and-swap of the guest's entry through
 * stage 2 with W: a stage-2 refusal is a stage-2 fault of class TT
 * (fault.gpa = the entry's IPA), an unwritable host page
 * SIO_FAULT_AD_UPDATE (stage 1, class TT, recorded). A read of a DBM leaf
 * still read-only grants no W: a later write walks again and makes it
 * dirty. Without HA stage 1 is never written.
 * The architecture's F_TRANSLATION is RANGE, NOT_PRESENT or RESERVED here.
 * The output IPA then goes through stage 2 with the request's rights.
 *
 * Faults: stage 1 or 2 as above; fclass CD for the CD fetch and decode, TT
 * for stage-2 faults on stage-1 table addresses and unreadable or
 * unwritable stage-1 tables (SIO_FAULT_TABLE_READ / _AD_UPDATE), IN for
 * the input (stage-1 walk faults and the output IPA's stage-2 fault),
 * NONE for BAD_STE / BAD_SUBSTREAMID and the abort STE. record: CD.R for
 * stage-1 RANGE/NOT_PRESENT/RESERVED/ACCESS_FLAG/PERM/ADDR_SIZE faults,
 * false for an abort STE, true for the rest. fault.did is the SMMU nested domain's DID.
 *
 * Caches. A configuration cache per device (one entry per SSID and one for
 * requests without SSID) holds the decoded STE + CD (never a fault). It is
 * used until sio_smmu_cmd() CFGI_CD (that SID and SSID; it also drops the
 * no-SSID entry if that used the same CD), CFGI_CD_ALL / CFGI_STE /
 * CFGI_STE_RANGE / CFGI_ALL (the whole device) or any attach at the
 * device's RID: guest edits of the CD are invisible until then. IOTLB
 * entries are combined (size the smaller leaf, rights the intersection),
 * tagged by the parent's stage-1 tag space and the CD's ASID (not by SSID):
 * they survive CFGI and a change of attachment, and are removed by
 * sio_smmu_cmd() TLBI commands, by sio_iommu_invalidate_all(), and by any
 * unmap or dirty-tracking change of the parent (which removes every
 * combined entry of every ASID on it and nothing else).
 *
 * Attachment: only at the RID (PASID: -EINVAL), not while the device has
 * PASID attachments (-EBUSY); while it is attached, PASID attaches give
 * -EBUSY and requests with a PASID use it with CD[SSID].
 */

/*
 * Allocate an SMMUv3 nested domain on @parent (a nest_parent paging domain of @iommu in
 * SIO_PT_ARM_S2 format) from the guest STE's first two 64-bit words @ste (little-endian values
 * already in host order). The caller (the Linux-driver layer) has already rejected bits outside
 * Linux's NESTING_ALLOWED masks; here: V=0 or Config abort (0b0xx) -> an abort domain (DMA
 * faults, SIO_FAULT_BLOCKED, nothing recorded); bypass (0b100) -> stage 2 only (translations
 * are exactly the parent's, cached under the parent's tag); S1 translate (0b101) -> nested.
 * Other Config values: -EINVAL (so is a parent that is not a nest_parent ARM_S2 paging domain
 * of @iommu). Return: 0, -EINVAL, -ENOSPC, -ENOMEM.
 */
int sio_domain_alloc_smmu_nested(struct sio_iommu *iommu, struct sio_domain *parent,
				 const uint64_t ste[2], struct sio_domain **out);

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
 * Any attach at the RID drops the device's SMMU configuration cache.
 * Return: 0, -EINVAL (domain of another IOMMU; PASID beyond the device's
 * width or the device has none; dirty-tracking domain on a device without
 * SIO_DEV_CAP_DIRTY; an SMMU nested domain at a PASID), -EBUSY (an SMMU
 * nested domain at the RID while PASIDs are attached; a domain at a PASID
 * while an SMMU nested domain is at the RID), -ENOMEM (first attachment in a
 * PASID table block).
 */
int sio_iommu_dev_attach(struct sio_iommu_dev *dev, uint32_t pasid, struct sio_domain *domain);
/* The domain attached to the RID (SIO_NO_PASID) or @pasid, NULL if blocked. */
struct sio_domain *sio_iommu_dev_get_domain(struct sio_iommu_dev *dev, uint32_t pasid);

/* ------------------------------------------------------------- translation */

enum sio_fault_reason {
	SIO_FAULT_NONE = 0,
	/* nothing (or the blocking state) attached; SMMU: an abort STE, F_STREAM_DISABLED */
	SIO_FAULT_BLOCKED,
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
	SIO_FAULT_BAD_STE,		/* SMMU: C_BAD_STE (an STE field the model rejects) */
	SIO_FAULT_BAD_CD,		/* SMMU: C_BAD_CD (an invalid or unsupported CD) */
	SIO_FAULT_CD_FETCH,		/* SMMU: F_CD_FETCH (CD memory unreadable) */
	SIO_FAULT_BAD_SUBSTREAMID,	/* SMMU: C_BAD_SUBSTREAMID */
};

/* SMMU event class of a fault (the input whose translation failed). */
enum sio_fault_class {
	SIO_FAULT_CLASS_NONE,		/* no SMMU translation class (VT-d, config errors) */
	SIO_FAULT_CLASS_CD,		/* fetching or decoding the CD */
	SIO_FAULT_CLASS_TT,		/* a stage-1 table walk read */
	SIO_FAULT_CLASS_IN,		/* the input address / its output */
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
	unsigned int fclass;		/* enum sio_fault_class */
	/*
	 * The configuration asks for the fault to be recorded: CD.R for
	 * stage-1 translation faults of SMMU nested domains, false for an
	 * SMMU abort STE, true otherwise (VT-d always).
	 */
	bool record;
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

/*
 * SMMUv3 event record types (hw-model §2.9) that sio_smmu_event() writes.
 */
#define SIO_SMMU_EVT_C_BAD_STE		0x04
#define SIO_SMMU_EVT_F_STREAM_DISABLED	0x06
#define SIO_SMMU_EVT_C_BAD_SUBSTREAMID	0x08
#define SIO_SMMU_EVT_F_CD_FETCH		0x09
#define SIO_SMMU_EVT_C_BAD_CD		0x0a
#define SIO_SMMU_EVT_F_WALK_EABT	0x0b
#define SIO_SMMU_EVT_F_TRANSLATION	0x10
#define SIO_SMMU_EVT_F_ADDR_SIZE	0x11
#define SIO_SMMU_EVT_F_ACCESS		0x12
#define SIO_SMMU_EVT_F_PERMISSION	0x13

/* Fields of the record's 64-bit words (evt[0] = bits 63:0 of the 256-bit record). */
#define SIO_SMMU_EVT0_TYPE		0xffull			/* 7:0 */
#define SIO_SMMU_EVT0_SSV		(1ull << 11)
#define SIO_SMMU_EVT0_SSID_SHIFT	12			/* 31:12 */
#define SIO_SMMU_EVT0_SID_SHIFT		32			/* 63:32 */
#define SIO_SMMU_EVT1_PNU		(1ull << 33)
#define SIO_SMMU_EVT1_IND		(1ull << 34)
#define SIO_SMMU_EVT1_RNW		(1ull << 35)
#define SIO_SMMU_EVT1_S2		(1ull << 39)
#define SIO_SMMU_EVT1_CLASS_SHIFT	40			/* 41:40: CD 0, TT 1, IN 2 */
#define SIO_SMMU_EVT3_IPA_MASK		0x000ffffffffff000ull	/* 51:12 */
#define SIO_SMMU_EVT3_FETCH_MASK	0x000ffffffffffff8ull	/* 51:3 */

/*
 * The 256-bit event record an SMMUv3 writes for fault @f of one of its
 * devices (StreamID f->rid), in host-order 64-bit words: type; SSV and SSID
 * from f->pasid_valid/pasid; SID; for the F_* translation types (and
 * F_WALK_EABT) PnU, InD, RnW (set unless the access writes) from f->access,
 * S2 for a stage-2 fault, CLASS from f->fclass, the input address f->iova,
 * and for a stage-2 fault the IPA f->gpa (evt[3] 51:12); F_WALK_EABT and
 * F_CD_FETCH carry the fetch address (f->entry_addr, resp. f->gpa) in evt[3]
 * 51:3. Reasons map to types as docs/faults.md tables them (no stall model:
 * STAG and Stall are 0). Return: false when the SMMU writes no record:
 * f->record clear (CD.R = 0, an abort STE) or a reason with no event type.
 */
bool sio_smmu_event(const struct sio_fault *f, uint64_t evt[4]);

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
