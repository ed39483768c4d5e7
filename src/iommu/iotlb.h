/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The IOTLB: a set-associative cache of final (leaf) translations.
 *
 * Layout. nsets sets of SIO_IOTLB_WAYS 32-byte entries. A cache line holds
 * two entries: ways 0 and 1 of set s are line s of the table's first half,
 * ways 2 and 3 line s of its second half (sio_iotlb_way()). A hit is almost
 * always in way 0, so the lines hits read are adjacent lines spread over
 * every L1 set; with whole 128-byte sets they would be every other line,
 * half the L1 sets, which a working set of a few hundred pages already
 * overflows. An entry is keyed by
 *   tag  = domain serial << 21 | PASID tag (0: request without PASID, else
 *          PASID + 1)
 *   page = iova page base | size_lg2 (page bases are >= 2 KiB aligned)
 * and holds val = pa page base | SIO_IOTLB_V_* flags. A domain's serial is
 * unique for the IOMMU's lifetime (DIDs are reused, serials never), so a
 * translation that read a device's attachment just before a replace can
 * only ever match entries of the domain it read, which are right for it.
 * tag 0 marks a free entry (serials start at 1); a blocked attachment uses
 * SIO_IOTLB_TAG_NONE, which no entry carries. The set is chosen by a hash
 * of (serial, page) only, so every PASID's entry for one page of one
 * domain is in the same set and a range invalidation probes one set per
 * (page, size).
 *
 * Readers never lock or write: an entry has a sequence counter, odd while a
 * writer owns it. A reader loads seq (acquire), the key and value (relaxed),
 * then an acquire fence and seq again; any change or an odd value means
 * "not this entry". Writers (fill, invalidate, flush) own an entry by
 * compare-and-swap of seq from even to odd (seq_cst), publish the fields
 * after a release fence and end with a release store of seq + 2.
 *
 * Fill versus invalidation. An invalidation first increments gen (seq_cst),
 * then reads sizes_seen and the entries it may clear (waiting for odd
 * entries to become even, so it sees every fill in progress). A fill reads
 * gen before its walk (g0), sets its size in sizes_seen, owns its entry, and
 * only then re-reads gen: if it changed, the fill is abandoned. With
 * sequentially consistent order on those four operations, either the
 * invalidation sees the fill's entry (and clears it if it matches), or the
 * fill sees the new gen: a translation walked before an invalidation can
 * never be cached after it returns.
 */
#ifndef SIO_IOMMU_IOTLB_H
#define SIO_IOMMU_IOTLB_H

#include <stdbool.h>
#include <stdint.h>

#include "base/compiler.h"
#include "iommu/iommu.h"

/* val flags (low bits of the page-aligned pa). */
#define SIO_IOTLB_V_PERM	0xfu		/* enum sio_pt_access granted by the walk */
#define SIO_IOTLB_V_PRIVREQ	(1u << 4)	/* filled for a privileged request */
#define SIO_IOTLB_V_MASK	0x1fu

#define SIO_IOTLB_LG2_MASK	0x3fu

struct sio_iotlb_entry {
	uint32_t seq;
	uint32_t pad;
	uint64_t tag;
	uint64_t page;
	uint64_t val;
};

struct sio_iotlb {
	struct sio_iotlb_entry *ent;	/* nsets * SIO_IOTLB_WAYS, 64-byte aligned; see Layout */
	uint8_t *victim;		/* per set: next round-robin victim way */
	uint64_t set_mask;		/* nsets - 1 */
	unsigned int capacity;		/* entries before a FLUSH_ALL flush */
	unsigned int nslots;
	enum sio_iotlb_policy policy;
	unsigned int stat_idx;		/* counters of the owning IOMMU */

	/* Written by invalidations, read by fills; apart from the read-mostly fields. */
	uint64_t gen __attribute__((aligned(64)));
	/* Bit n: an entry of size 2^n has been filled at some point (never cleared). */
	uint64_t sizes_seen;
	/* Valid entries (maintained for SIO_IOTLB_FLUSH_ALL only). */
	uint32_t nvalid;
};

/* Set hash: bits 32 and up of (page ^ hseed) * SIO_IOTLB_HASH_MUL (Fibonacci hashing). */
#define SIO_IOTLB_HASH_MUL	0x9e3779b97f4a7c15ULL
#define SIO_IOTLB_PASID_BITS	21
#define SIO_IOTLB_SERIAL_MAX	((1ULL << (64 - SIO_IOTLB_PASID_BITS)) - 2)
#define SIO_IOTLB_TAG_NONE	UINT64_MAX

static inline uint64_t sio_iotlb_hseed(uint64_t serial)
{
	return serial * 0xc2b2ae3d27d4eb4fULL;
}

static inline uint64_t sio_iotlb_tag(uint64_t serial, bool has_pasid, uint32_t pasid)
{
	return serial << SIO_IOTLB_PASID_BITS | (has_pasid ? (uint64_t)pasid + 1 : 0);
}

_Static_assert(SIO_IOTLB_WAYS == 4, "two lines of two entries per set");

/* Index of the set of @page (bits 32 and up of the hash, masked). */
static inline uint64_t sio_iotlb_set_idx(uint64_t set_mask, uint64_t hseed, uint64_t page)
{
	return (((page ^ hseed) * SIO_IOTLB_HASH_MUL) >> 32) & set_mask;
}

/* Way @w of set @set in the table @ent of set_mask + 1 sets (see Layout). */
static inline struct sio_iotlb_entry *sio_iotlb_way(struct sio_iotlb_entry *ent,
						   uint64_t set_mask, uint64_t set,
						   unsigned int w)
{
	return &ent[(w >> 1) * 2 * (set_mask + 1) + set * 2 + (w & 1)];
}

/* Way 0 of the set of @page. */
static inline struct sio_iotlb_entry *sio_iotlb_set_of(struct sio_iotlb_entry *ent,
						      uint64_t set_mask, uint64_t hseed,
						      uint64_t page)
{
	return sio_iotlb_way(ent, set_mask, sio_iotlb_set_idx(set_mask, hseed, page), 0);
}

/*
 * Look @iova up under @tag at each size of @sizes (one lg2 per byte,
 * smallest first, 0-terminated) in the table @ent / @set_mask. Return: true
 * with *val and *lg2 of a matching, stable entry.
 */
static inline bool sio_iotlb_lookup(struct sio_iotlb_entry *ent, uint64_t set_mask,
				    uint64_t tag, uint64_t hseed, uint64_t sizes, uint64_t iova,
				    uint64_t *val, unsigned int *lg2)
{
	for (; sizes; sizes >>= 8) {
		unsigned int s = (unsigned int)(sizes & 0xff);
		uint64_t page = ((iova >> s) << s) | s;
		uint64_t set = sio_iotlb_set_idx(set_mask, hseed, page);
		unsigned int w;

		for (w = 0; w < SIO_IOTLB_WAYS; w++) {
			const struct sio_iotlb_entry *e = sio_iotlb_way(ent, set_mask, set, w);
			uint32_t seq = __atomic_load_n(&e->seq, __ATOMIC_ACQUIRE);
			uint64_t v;

			if (__atomic_load_n(&e->page, __ATOMIC_RELAXED) != page ||
			    __atomic_load_n(&e->tag, __ATOMIC_RELAXED) != tag)
				continue;
			v = __atomic_load_n(&e->val, __ATOMIC_RELAXED);
			__atomic_thread_fence(__ATOMIC_ACQUIRE);
			if (unlikely(seq & 1) ||
			    unlikely(__atomic_load_n(&e->seq, __ATOMIC_RELAXED) != seq))
				continue;
			*val = v;
			*lg2 = s;
			return true;
		}
	}
	return false;
}

/* Return: 0, -EINVAL (capacity beyond SIO_IOTLB_MAX_CAPACITY), -ENOMEM. */
int sio_iotlb_init(struct sio_iotlb *t, unsigned int capacity, enum sio_iotlb_policy policy,
		   unsigned int stat_idx);
void sio_iotlb_fini(struct sio_iotlb *t);

/* The generation a fill must read before its walk. */
static inline uint64_t sio_iotlb_fill_begin(struct sio_iotlb *t)
{
	return __atomic_load_n(&t->gen, __ATOMIC_SEQ_CST);
}

/*
 * Cache a successful walk of @iova (leaf 2^@lg2 at @pa_base, flags @vflags)
 * under @tag, unless an invalidation ran since @g0 or the chosen entry is
 * owned by another writer (the fill is then simply not cached).
 */
void sio_iotlb_fill(struct sio_iotlb *t, uint64_t g0, uint64_t tag, uint64_t hseed,
		    uint64_t iova, unsigned int lg2, uint64_t pa_base, unsigned int vflags);

/* Entries of domain @serial overlapping [iova, last] (any PASID); see sio_iommu_invalidate(). */
void sio_iotlb_inv_range(struct sio_iotlb *t, uint64_t serial, uint64_t iova, uint64_t last);
void sio_iotlb_inv_domain(struct sio_iotlb *t, uint64_t serial);
/* Entries of exactly @tag: all of them, or those overlapping [iova, last]. */
void sio_iotlb_inv_tag(struct sio_iotlb *t, uint64_t tag);
void sio_iotlb_inv_tag_range(struct sio_iotlb *t, uint64_t tag, uint64_t iova, uint64_t last);
void sio_iotlb_inv_all(struct sio_iotlb *t);
unsigned int sio_iotlb_count(const struct sio_iotlb *t);

#endif /* SIO_IOMMU_IOTLB_H */
