/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Paging domains: a DID and a struct sio_pt, with the invalidation and
 * memory-reclaim rules the table's writers must follow.
 *
 * Locking: d->lock serialises every writer of the table (map, unmap, dirty
 * ops, reclaim), as sio_pt requires. Walkers (translation misses,
 * iova_to_phys) take no lock: they run in RCU read-side sections, and table
 * memory unlinked by an unmap is freed only after a grace period, by
 * sio_pt_free_deferred().
 *
 * Nested domains have no table of their own: a guest stage-1 root (a GPA)
 * and a nest_parent paging domain as stage 2. The parent lists them (under
 * its lock) so that every change of stage 2 that must invalidate (unmap,
 * dirty-tracking toggle, dirty clear) also removes the combined entries
 * derived from it: they are keyed by guest IOVA, so a GPA range cannot
 * select them, and all of each nested DID goes (VT-d type-2 PSI). SMMU
 * nested domains (a guest STE) are on the same list; their combined entries
 * are tagged by the parent's stage-1 tag space (s1_serial) and ASID.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "iommu/iommu_priv.h"
#include "iommu/rcu.h"

/* Leaf sizes of @bm as lg2 bytes, ascending, 0-terminated (at most 8). */
static uint64_t sizes_from_bitmap(uint64_t bm)
{
	uint64_t sizes = 0;
	unsigned int n = 0;

	for (; bm && n < 8; bm &= bm - 1, n++)
		sizes |= (uint64_t)sio_ffs64(bm) << (8 * n);
	return sizes;
}

/* Formats whose hardware sets accessed/dirty bits on every walk. */
static bool format_hw_ad(const struct sio_pt_cfg *c)
{
	switch (c->format) {
	case SIO_PT_X86_64:
		return true;
	case SIO_PT_ARM_S1:
	case SIO_PT_ARM_S2:
		return c->hw_af || c->hw_dirty;
	default:
		return false;
	}
}

/* Leaf sizes of an x86-64 first stage: 4 KiB, 2 MiB, 1 GiB. */
#define S1_X86_SIZES	((1ULL << 12) | (1ULL << 21) | (1ULL << 30))

int sio_domain_alloc_paging(struct sio_iommu *iommu, const struct sio_domain_paging_cfg *cfg,
			    struct sio_domain **out)
{
	const struct sio_pt_cfg *pc;
	struct sio_domain *d;
	uint64_t reach_last;
	int ret;

	d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	ret = sio_pt_create(&cfg->pt, &d->pt);
	if (ret)
		goto err_free;
	pc = sio_pt_config(d->pt);
	reach_last = pc->ias >= 64 ? UINT64_MAX : (1ULL << pc->ias) - 1;
	if (!cfg->aperture_start && !cfg->aperture_last) {
		d->aperture_start = 0;
		d->aperture_last = reach_last;
	} else if (cfg->aperture_start > cfg->aperture_last || cfg->aperture_last > reach_last) {
		ret = -EINVAL;
		goto err_pt;
	} else {
		d->aperture_start = cfg->aperture_start;
		d->aperture_last = cfg->aperture_last;
	}
	if (!pc->pgsize_bitmap || sio_ffs64(pc->pgsize_bitmap) < 6) {
		ret = -EINVAL;
		goto err_pt;
	}
	ret = sio_iommu_did_alloc(iommu, &d->did, &d->serial);
	if (ret)
		goto err_pt;
	if (cfg->nest_parent) {
		ret = sio_iommu_serial_alloc(iommu, &d->s1_serial);
		if (ret)
			goto err_did;
		d->s1_hseed = sio_iotlb_hseed(d->s1_serial);
		sio_iommu_did_set_s1(iommu, d->did, d->s1_serial);
	}

	d->iommu = iommu;
	d->kind = SIO_DOMAIN_PAGING;
	d->hseed = sio_iotlb_hseed(d->serial);
	d->pgsize_bitmap = pc->pgsize_bitmap;
	/*
	 * Leaf sizes a walk can return: the page sizes, plus the granule, which
	 * stands in for page sizes the format has no leaf for (the mock stores
	 * 4 KiB pages as 2 KiB leaves). Smallest first: 4 KiB pages hit in
	 * one probe.
	 */
	d->sizes = sizes_from_bitmap(pc->pgsize_bitmap | (1ULL << pc->granule_lg2));
	d->dirty_cap = pc->dirty_tracking;
	d->nest_parent = cfg->nest_parent;
	d->hw_ad = format_hw_ad(pc);
	d->pt_cfg = pc;
	d->pt_root = sio_pt_root(d->pt);
	pthread_mutex_init(&d->lock, NULL);
	sio_iommu_count_object(iommu, true, 1);
	*out = d;
	return 0;

err_did:
	sio_iommu_did_free(iommu, d->did);
err_pt:
	sio_pt_destroy(d->pt);
err_free:
	free(d);
	return ret;
}

/* Link nested domain @d (VT-d or SMMU) into its parent's list. */
static void nested_link(struct sio_domain *d)
{
	struct sio_domain *parent = d->parent;

	pthread_mutex_lock(&parent->lock);
	d->nested_next = parent->nested_head;
	parent->nested_head = d;
	pthread_mutex_unlock(&parent->lock);
}

int sio_domain_alloc_nested(struct sio_iommu *iommu, struct sio_domain *parent,
			    const struct sio_domain_nested_cfg *cfg, struct sio_domain **out)
{
	struct sio_pt_cfg s1, s1_norm;
	struct sio_pt *probe;
	struct sio_domain *d;
	uint64_t bm, sz;
	int ret;

	if (!parent || parent->iommu != iommu || parent->kind != SIO_DOMAIN_PAGING ||
	    !parent->nest_parent)
		return -EINVAL;
	s1 = cfg->s1;
	if (s1.format != SIO_PT_X86_64 || (s1.levels != 4 && s1.levels != 5) ||
	    (cfg->s1_root_gpa & 0xfff))
		return -EINVAL;
	/* The walk decodes every x86-64 leaf size whatever the bitmap says. */
	if (!s1.pgsize_bitmap)
		s1.pgsize_bitmap = S1_X86_SIZES;
	/* sio_pt_create() is the authority on what a walk of s1 accepts. */
	ret = sio_pt_create(&s1, &probe);
	if (ret)
		return ret;
	s1_norm = *sio_pt_config(probe);
	sio_pt_destroy(probe);

	d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	ret = sio_iommu_did_alloc(iommu, &d->did, &d->serial);
	if (ret) {
		free(d);
		return ret;
	}
	d->iommu = iommu;
	d->kind = SIO_DOMAIN_NESTED;
	d->hseed = sio_iotlb_hseed(d->serial);
	/*
	 * A combined entry has size min(s1 leaf, s2 leaf): an x86-64 leaf size,
	 * or a smaller leaf size of the parent.
	 */
	bm = S1_X86_SIZES;
	for (sz = parent->sizes; sz; sz >>= 8)
		if ((sz & 0xff) < 30)
			bm |= 1ULL << (sz & 0xff);
	d->sizes = sizes_from_bitmap(bm);
	d->aperture_start = 0;
	d->aperture_last = UINT64_MAX;	/* the walk checks canonical form */
	d->pgsize_bitmap = S1_X86_SIZES;
	d->hw_ad = true;
	d->parent = parent;
	d->s1_cfg = s1;
	d->s1_root_gpa = cfg->s1_root_gpa;
	sio_nest_geom_init(d, &s1_norm);
	pthread_mutex_init(&d->lock, NULL);
	nested_link(d);
	sio_iommu_count_object(iommu, true, 1);
	*out = d;
	return 0;
}

#define STE0_V			(1ULL << 0)
#define STE0_CFG_SHIFT		1
#define STE_CFG_BYPASS		4
#define STE_CFG_S1		5

int sio_domain_alloc_smmu_nested(struct sio_iommu *iommu, struct sio_domain *parent,
				 const uint64_t ste[2], struct sio_domain **out)
{
	enum sio_smmu_mode mode;
	struct sio_domain *d;
	unsigned int config;
	int ret;

	if (!parent || parent->iommu != iommu || parent->kind != SIO_DOMAIN_PAGING ||
	    !parent->nest_parent || parent->pt_cfg->format != SIO_PT_ARM_S2)
		return -EINVAL;
	config = (unsigned int)(ste[0] >> STE0_CFG_SHIFT) & 7;
	if (!(ste[0] & STE0_V) || !(config & 4))
		mode = SIO_SMMU_ABORT;
	else if (config == STE_CFG_BYPASS)
		mode = SIO_SMMU_BYPASS;
	else if (config == STE_CFG_S1)
		mode = SIO_SMMU_S1;
	else
		return -EINVAL;

	d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	ret = sio_iommu_did_alloc(iommu, &d->did, &d->serial);
	if (ret) {
		free(d);
		return ret;
	}
	d->iommu = iommu;
	d->kind = SIO_DOMAIN_SMMU_NESTED;
	d->hseed = sio_iotlb_hseed(d->serial);
	/* Slots take the IOTLB key from the configuration (smmu.c), not from here. */
	d->sizes = parent->sizes;
	d->aperture_start = 0;
	d->aperture_last = UINT64_MAX;	/* the walk checks the regions */
	d->pgsize_bitmap = parent->pgsize_bitmap;
	d->parent = parent;
	d->smmu_mode = mode;
	d->ste[0] = ste[0];
	d->ste[1] = ste[1];
	pthread_mutex_init(&d->lock, NULL);
	/* Before any combined entry can exist: stage-2 changes flush the tag space from now on. */
	__atomic_store_n(&parent->s1_used, true, __ATOMIC_SEQ_CST);
	nested_link(d);
	sio_iommu_count_object(iommu, true, 1);
	*out = d;
	return 0;
}

/* Remove nested domain @d from its parent's list. */
static void nested_unlink(struct sio_domain *d)
{
	struct sio_domain *parent = d->parent, **pp;

	pthread_mutex_lock(&parent->lock);
	for (pp = &parent->nested_head; *pp; pp = &(*pp)->nested_next) {
		if (*pp == d) {
			*pp = d->nested_next;
			break;
		}
	}
	pthread_mutex_unlock(&parent->lock);
}

/*
 * Stage 2 of @d changed: drop every entry of every VT-d nested domain on it
 * and, once an SMMU nested domain was allocated on it, every combined entry
 * of its stage-1 tag space (any ASID: Linux's S12_VMALL for a nesting
 * parent). Caller holds d->lock (so the list is stable) and has changed the
 * table already; each invalidation's generation bump also abandons the
 * fills of nested walks that read the old stage 2.
 */
static void inv_nested_locked(struct sio_domain *d)
{
	struct sio_domain *n;

	for (n = d->nested_head; n; n = n->nested_next)
		if (n->kind == SIO_DOMAIN_NESTED)
			sio_iommu_inv_serial(d->iommu, n->serial);
	if (__atomic_load_n(&d->s1_used, __ATOMIC_SEQ_CST))
		sio_iommu_inv_serial(d->iommu, d->s1_serial);
}

int sio_domain_free(struct sio_domain *d)
{
	struct sio_iommu *iommu;
	bool busy;

	if (!d)
		return 0;
	if (__atomic_load_n(&d->users, __ATOMIC_ACQUIRE))
		return -EBUSY;
	if (d->kind == SIO_DOMAIN_PAGING) {
		pthread_mutex_lock(&d->lock);
		busy = d->nested_head != NULL;
		pthread_mutex_unlock(&d->lock);
		if (busy)
			return -EBUSY;
	}
	iommu = d->iommu;
	/*
	 * Nothing points at d any more; after the grace period no walker can
	 * still hold it, so no fill of this DID can follow the invalidation.
	 */
	sio_rcu_synchronize();
	sio_iommu_inv_serial(iommu, d->serial);
	if (__atomic_load_n(&d->s1_used, __ATOMIC_RELAXED))
		sio_iotlb_inv_domain(&iommu->iotlb, d->s1_serial);
	/* A nested domain leaves its parent's list only after no walker can use it. */
	if (d->kind != SIO_DOMAIN_PAGING)
		nested_unlink(d);
	else
		sio_pt_destroy(d->pt);
	sio_iommu_did_free(iommu, d->did);
	sio_iommu_count_object(iommu, true, -1);
	pthread_mutex_destroy(&d->lock);
	free(d);
	return 0;
}

void sio_domain_get_info(const struct sio_domain *d, struct sio_domain_info *info)
{
	info->kind = d->kind;
	info->did = d->did;
	info->aperture_start = d->aperture_start;
	info->aperture_last = d->aperture_last;
	info->pgsize_bitmap = d->pgsize_bitmap;
	info->dirty_tracking_cap = d->dirty_cap;
	info->dirty_tracking_enabled = __atomic_load_n(&d->dirty_enabled, __ATOMIC_RELAXED);
	info->nest_parent = d->nest_parent;
	info->users = __atomic_load_n(&d->users, __ATOMIC_RELAXED);
}

uint32_t sio_domain_did(const struct sio_domain *d)
{
	return d->did;
}

struct sio_iommu *sio_domain_iommu(const struct sio_domain *d)
{
	return d->iommu;
}

struct sio_pt *sio_domain_pt(struct sio_domain *d)
{
	return d->pt;
}

int sio_domain_map(struct sio_domain *d, uint64_t iova, uint64_t pa, uint64_t size, int prot)
{
	uint64_t last;
	int ret;

	if (d->kind != SIO_DOMAIN_PAGING)
		return -EOPNOTSUPP;
	if (!size)
		return -EINVAL;
	if (check_add_overflow(iova, size - 1, &last) || iova < d->aperture_start ||
	    last > d->aperture_last)
		return -ERANGE;
	/* Not-present entries are never cached: a map needs no invalidation. */
	pthread_mutex_lock(&d->lock);
	ret = sio_pt_map(d->pt, iova, pa, size, prot);
	pthread_mutex_unlock(&d->lock);
	return ret;
}

/* Caller holds d->lock. */
static void reclaim_locked(struct sio_domain *d)
{
	sio_rcu_synchronize();
	sio_pt_free_deferred(d->pt);
	d->unmaps_since_reclaim = 0;
}

uint64_t sio_domain_unmap(struct sio_domain *d, uint64_t iova, uint64_t size)
{
	uint64_t bytes;

	if (!size || d->kind != SIO_DOMAIN_PAGING)
		return 0;
	pthread_mutex_lock(&d->lock);
	bytes = sio_pt_unmap(d->pt, iova, size);
	if (bytes) {
		/*
		 * Every removed leaf overlaps the requested range (it starts in
		 * it; one that ends past it is removed whole and still
		 * overlaps), whether or not the range had holes.
		 */
		sio_iommu_inv_serial_range(d->iommu, d->serial, iova, size);
		inv_nested_locked(d);
		if (++d->unmaps_since_reclaim >= SIO_DOMAIN_RECLAIM_BATCH)
			reclaim_locked(d);
	}
	pthread_mutex_unlock(&d->lock);
	return bytes;
}

void sio_domain_reclaim(struct sio_domain *d)
{
	if (d->kind != SIO_DOMAIN_PAGING)
		return;
	pthread_mutex_lock(&d->lock);
	reclaim_locked(d);
	pthread_mutex_unlock(&d->lock);
}

int sio_domain_iova_to_phys(struct sio_domain *d, uint64_t iova, uint64_t *pa,
			    unsigned int *size_lg2)
{
	int ret;

	if (d->kind != SIO_DOMAIN_PAGING)
		return -ENOENT;
	sio_rcu_read_lock();
	ret = sio_pt_iova_to_phys(d->pt, iova, pa, size_lg2);
	sio_rcu_read_unlock();
	return ret;
}

int sio_domain_set_dirty_tracking(struct sio_domain *d, bool enable)
{
	if (!d->dirty_cap)
		return -EOPNOTSUPP;
	pthread_mutex_lock(&d->lock);
	if (__atomic_load_n(&d->dirty_enabled, __ATOMIC_RELAXED) != enable) {
		/*
		 * Walkers read the flag after the IOTLB generation; the
		 * invalidation's seq_cst increment orders this store before any
		 * walk that starts after it, and abandons fills of walks before.
		 */
		__atomic_store_n(&d->dirty_enabled, enable, __ATOMIC_RELAXED);
		sio_iommu_inv_serial(d->iommu, d->serial);
		inv_nested_locked(d);
	}
	pthread_mutex_unlock(&d->lock);
	return 0;
}

struct dirty_ctx {
	void (*fn)(void *arg, uint64_t iova, uint64_t size);
	void *arg;
	uint64_t first, last;	/* span of the reported leaves */
	bool any;
};

static void dirty_cb(void *arg, uint64_t iova, uint64_t size)
{
	struct dirty_ctx *c = arg;
	uint64_t last = size ? iova + (size - 1) : iova;

	if (!c->any || iova < c->first)
		c->first = iova;
	if (!c->any || last > c->last)
		c->last = last;
	c->any = true;
	c->fn(c->arg, iova, size);
}

int sio_domain_read_and_clear_dirty(struct sio_domain *d, uint64_t iova, uint64_t size,
				    bool no_clear,
				    void (*fn)(void *arg, uint64_t iova, uint64_t size), void *arg)
{
	struct dirty_ctx c = { .fn = fn, .arg = arg };
	int ret;

	if (!d->dirty_cap)
		return -EOPNOTSUPP;
	pthread_mutex_lock(&d->lock);
	if (!__atomic_load_n(&d->dirty_enabled, __ATOMIC_RELAXED)) {
		ret = -EINVAL;
		goto out;
	}
	ret = sio_pt_read_and_clear_dirty(d->pt, iova, size, no_clear, dirty_cb, &c);
	/* Cleared leaves must be walked again by the next write to be marked again. */
	if (!ret && !no_clear && c.any) {
		if (c.last - c.first == UINT64_MAX)
			sio_iommu_inv_serial(d->iommu, d->serial);
		else
			sio_iommu_inv_serial_range(d->iommu, d->serial, c.first,
						   c.last - c.first + 1);
		/* Combined entries with W would skip marking stage 2 dirty again. */
		inv_nested_locked(d);
	}
out:
	pthread_mutex_unlock(&d->lock);
	return ret;
}

int sio_domain_set_dirty(struct sio_domain *d, uint64_t iova)
{
	int ret;

	if (!d->dirty_cap)
		return -EOPNOTSUPP;
	pthread_mutex_lock(&d->lock);
	ret = sio_pt_set_dirty(d->pt, iova);
	pthread_mutex_unlock(&d->lock);
	return ret;
}
