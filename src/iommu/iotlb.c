/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IOTLB fill, invalidation and capacity policy (see iotlb.h for the
 * entry protocol and the fill/invalidation ordering argument).
 */
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include "iommu/iotlb.h"
#include "iommu/stats.h"

enum inv_mode {
	INV_RANGE,
	INV_DOMAIN,
	INV_ALL,
	INV_TAG,
	INV_TAG_RANGE,
};

/* INV_TAG*: serial is the tag's serial, tag the exact tag. */
struct inv_req {
	enum inv_mode mode;
	uint64_t serial;
	uint64_t iova, last;
	uint64_t tag;
};

static void cpu_relax(unsigned int *spins)
{
	if (++*spins % 128 == 0) {
		sched_yield();
		return;
	}
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ __volatile__("yield" ::: "memory");
#endif
}

int sio_iotlb_init(struct sio_iotlb *t, unsigned int capacity, enum sio_iotlb_policy policy,
		   unsigned int stat_idx)
{
	uint64_t slots;

	if (!capacity)
		capacity = SIO_IOTLB_DEFAULT_CAPACITY;
	if (capacity > SIO_IOTLB_MAX_CAPACITY)
		return -EINVAL;
	switch (policy) {
	case SIO_IOTLB_EVICT_WAY:
		capacity = (unsigned int)sio_roundup_pow2(sio_max(capacity, SIO_IOTLB_WAYS));
		slots = capacity;
		break;
	case SIO_IOTLB_FLUSH_ALL:
		slots = sio_roundup_pow2(sio_max(2ULL * capacity, SIO_IOTLB_WAYS));
		break;
	default:
		return -EINVAL;
	}

	memset(t, 0, sizeof(*t));
	t->ent = aligned_alloc(64, slots * sizeof(*t->ent));
	if (!t->ent)
		return -ENOMEM;
	memset(t->ent, 0, slots * sizeof(*t->ent));
	t->victim = calloc(slots / SIO_IOTLB_WAYS, 1);
	if (!t->victim) {
		free(t->ent);
		return -ENOMEM;
	}
	t->set_mask = slots / SIO_IOTLB_WAYS - 1;
	t->capacity = capacity;
	t->nslots = (unsigned int)slots;
	t->policy = policy;
	t->stat_idx = stat_idx;
	return 0;
}

void sio_iotlb_fini(struct sio_iotlb *t)
{
	free(t->victim);
	free(t->ent);
}

/* Own @e if it is not owned; *seq gets the even value to unlock from. */
static bool entry_trylock(struct sio_iotlb_entry *e, uint32_t *seq)
{
	uint32_t s = __atomic_load_n(&e->seq, __ATOMIC_RELAXED);

	if (s & 1)
		return false;
	if (!__atomic_compare_exchange_n(&e->seq, &s, s + 1, false, __ATOMIC_SEQ_CST,
					 __ATOMIC_RELAXED))
		return false;
	/* The odd seq is visible before any field store. */
	__atomic_thread_fence(__ATOMIC_RELEASE);
	*seq = s;
	return true;
}

static void entry_unlock(struct sio_iotlb_entry *e, uint32_t seq)
{
	__atomic_store_n(&e->seq, seq + 2, __ATOMIC_RELEASE);
}

static bool key_matches(const struct inv_req *r, uint64_t tag, uint64_t page)
{
	unsigned int s = (unsigned int)(page & SIO_IOTLB_LG2_MASK);
	uint64_t base = page & ~(uint64_t)SIO_IOTLB_LG2_MASK;

	if (!tag)
		return false;
	if (r->mode == INV_ALL)
		return true;
	if (tag >> SIO_IOTLB_PASID_BITS != r->serial)
		return false;
	if ((r->mode == INV_TAG || r->mode == INV_TAG_RANGE) && tag != r->tag)
		return false;
	if (r->mode == INV_DOMAIN || r->mode == INV_TAG)
		return true;
	return base <= r->last && base + ((1ULL << s) - 1) >= r->iova;
}

/*
 * Clear @e if it matches @r. Waits while another writer owns the entry, so
 * that a fill in progress is seen (and cleared) rather than missed.
 */
static void inv_entry(struct sio_iotlb *t, struct sio_iotlb_entry *e, const struct inv_req *r)
{
	unsigned int spins = 0;
	uint32_t s;

	for (;;) {
		s = __atomic_load_n(&e->seq, __ATOMIC_SEQ_CST);
		if (s & 1) {
			cpu_relax(&spins);
			continue;
		}
		if (!key_matches(r, __atomic_load_n(&e->tag, __ATOMIC_RELAXED),
				 __atomic_load_n(&e->page, __ATOMIC_RELAXED)))
			return;
		/* Unchanged seq since the check: the key is still the one matched. */
		if (__atomic_compare_exchange_n(&e->seq, &s, s + 1, false, __ATOMIC_SEQ_CST,
						__ATOMIC_RELAXED))
			break;
	}
	__atomic_thread_fence(__ATOMIC_RELEASE);
	__atomic_store_n(&e->tag, 0, __ATOMIC_RELAXED);
	if (t->policy == SIO_IOTLB_FLUSH_ALL)
		__atomic_fetch_sub(&t->nvalid, 1, __ATOMIC_RELAXED);
	entry_unlock(e, s);
}

static void inv_scan(struct sio_iotlb *t, const struct inv_req *r)
{
	unsigned int i;

	for (i = 0; i < t->nslots; i++)
		inv_entry(t, &t->ent[i], r);
}

/* Start an invalidation: fills that walked before this point will not be cached. */
static void inv_begin(struct sio_iotlb *t)
{
	__atomic_fetch_add(&t->gen, 1, __ATOMIC_SEQ_CST);
}

static void inv_range(struct sio_iotlb *t, const struct inv_req *rq)
{
	struct inv_req r = *rq;
	uint64_t hseed = sio_iotlb_hseed(r.serial), nsets = t->set_mask + 1, probes = 0;
	uint64_t iova = r.iova, last = r.last;
	uint64_t sizes, m;

	inv_begin(t);
	sizes = __atomic_load_n(&t->sizes_seen, __ATOMIC_SEQ_CST);
	for (m = sizes; m && probes <= nsets; m &= m - 1) {
		unsigned int s = sio_ffs64(m);

		probes += (last >> s) - (iova >> s) + 1;
	}
	if (probes > nsets) {
		inv_scan(t, &r);
		return;
	}
	/* One set per (size, page): every PASID's entry of a page shares it. */
	for (m = sizes; m; m &= m - 1) {
		unsigned int s = sio_ffs64(m), w;
		uint64_t p;

		for (p = iova >> s; p <= last >> s; p++) {
			uint64_t set = sio_iotlb_set_idx(t->set_mask, hseed, (p << s) | s);

			for (w = 0; w < SIO_IOTLB_WAYS; w++)
				inv_entry(t, sio_iotlb_way(t->ent, t->set_mask, set, w), &r);
		}
	}
}

void sio_iotlb_inv_range(struct sio_iotlb *t, uint64_t serial, uint64_t iova, uint64_t last)
{
	struct inv_req r = { INV_RANGE, serial, iova, last, 0 };

	inv_range(t, &r);
}

void sio_iotlb_inv_tag_range(struct sio_iotlb *t, uint64_t tag, uint64_t iova, uint64_t last)
{
	struct inv_req r = { INV_TAG_RANGE, tag >> SIO_IOTLB_PASID_BITS, iova, last, tag };

	inv_range(t, &r);
}

void sio_iotlb_inv_tag(struct sio_iotlb *t, uint64_t tag)
{
	struct inv_req r = { INV_TAG, tag >> SIO_IOTLB_PASID_BITS, 0, 0, tag };

	inv_begin(t);
	inv_scan(t, &r);
}

void sio_iotlb_inv_domain(struct sio_iotlb *t, uint64_t serial)
{
	struct inv_req r = { INV_DOMAIN, serial, 0, 0, 0 };

	inv_begin(t);
	inv_scan(t, &r);
}

void sio_iotlb_inv_all(struct sio_iotlb *t)
{
	struct inv_req r = { INV_ALL, 0, 0, 0, 0 };

	inv_begin(t);
	inv_scan(t, &r);
}

unsigned int sio_iotlb_count(const struct sio_iotlb *t)
{
	unsigned int i, n = 0;

	for (i = 0; i < t->nslots; i++)
		n += __atomic_load_n(&t->ent[i].tag, __ATOMIC_RELAXED) != 0;
	return n;
}

void sio_iotlb_fill(struct sio_iotlb *t, uint64_t g0, uint64_t tag, uint64_t hseed,
		    uint64_t iova, unsigned int lg2, uint64_t pa_base, unsigned int vflags)
{
	uint64_t page = ((iova >> lg2) << lg2) | lg2, bit = 1ULL << lg2, old_tag, old_page;
	struct sio_iotlb_entry *set[SIO_IOTLB_WAYS], *e = NULL;
	uint64_t set_idx;
	unsigned int w;
	uint32_t s;

	/* Acquire: an earlier fill's fetch_or is then ordered before our entry CAS. */
	if (!(__atomic_load_n(&t->sizes_seen, __ATOMIC_ACQUIRE) & bit))
		__atomic_fetch_or(&t->sizes_seen, bit, __ATOMIC_SEQ_CST);

	if (t->policy == SIO_IOTLB_FLUSH_ALL &&
	    __atomic_load_n(&t->nvalid, __ATOMIC_RELAXED) >= t->capacity) {
		struct inv_req all = { INV_ALL, 0, 0, 0, 0 };

		/* Capacity flush: drops only current translations; no gen bump needed. */
		inv_scan(t, &all);
		sio_stat_inc(t->stat_idx, SIO_STAT_FULL_FLUSH);
	}

	set_idx = sio_iotlb_set_idx(t->set_mask, hseed, page);
	for (w = 0; w < SIO_IOTLB_WAYS; w++)
		set[w] = sio_iotlb_way(t->ent, t->set_mask, set_idx, w);
	/* The entry of the same key, else a free one, else the set's round-robin victim. */
	for (w = 0; w < SIO_IOTLB_WAYS && !e; w++)
		if (__atomic_load_n(&set[w]->tag, __ATOMIC_RELAXED) == tag &&
		    __atomic_load_n(&set[w]->page, __ATOMIC_RELAXED) == page)
			e = set[w];
	for (w = 0; w < SIO_IOTLB_WAYS && !e; w++)
		if (!__atomic_load_n(&set[w]->tag, __ATOMIC_RELAXED))
			e = set[w];
	if (!e) {
		uint8_t v = __atomic_load_n(&t->victim[set_idx], __ATOMIC_RELAXED);

		e = set[v % SIO_IOTLB_WAYS];
		__atomic_store_n(&t->victim[set_idx], (uint8_t)((v + 1) % SIO_IOTLB_WAYS),
				 __ATOMIC_RELAXED);
	}

	if (!entry_trylock(e, &s))
		return;		/* another writer owns it: this fill is not cached */
	if (__atomic_load_n(&t->gen, __ATOMIC_SEQ_CST) != g0) {
		entry_unlock(e, s);	/* invalidated since the walk began */
		return;
	}
	old_tag = __atomic_load_n(&e->tag, __ATOMIC_RELAXED);
	old_page = __atomic_load_n(&e->page, __ATOMIC_RELAXED);
	if (old_tag && (old_tag != tag || old_page != page))
		sio_stat_inc(t->stat_idx, SIO_STAT_EVICT);
	if (!old_tag && t->policy == SIO_IOTLB_FLUSH_ALL)
		__atomic_fetch_add(&t->nvalid, 1, __ATOMIC_RELAXED);
	__atomic_store_n(&e->tag, tag, __ATOMIC_RELAXED);
	__atomic_store_n(&e->page, page, __ATOMIC_RELAXED);
	__atomic_store_n(&e->val, pa_base | (vflags & SIO_IOTLB_V_MASK), __ATOMIC_RELAXED);
	entry_unlock(e, s);
	sio_stat_inc(t->stat_idx, SIO_STAT_INSERT);
}
