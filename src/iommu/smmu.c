/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SMMUv3 nested translation (hw-model §2.3-§2.7, §5.3; the model is stated
 * in iommu.h): the configuration cache (decoded STE + CD per device and
 * SSID), the CD fetch through stage 2, and the VMSAv8-64 stage-1 walk over
 * the parent's ARM stage 2 with combined, ASID-tagged IOTLB entries.
 *
 * Configuration cache invariants:
 *  - An entry is a decoded configuration that was fetched without a fault,
 *    never modified once published. Readers (translations, inside an RCU
 *    read-side section) load the pointer with acquire and may use the entry
 *    until the section ends; writers (fill, drop) hold dev->lock, and a
 *    dropped entry is freed only after a grace period, with no lock held.
 *  - dev->cfg_gen changes (under dev->lock, release store) with every drop.
 *    A fill reads it (acquire) before it reads any guest memory and
 *    publishes only if it is unchanged under dev->lock: a configuration
 *    fetched before a CFGI or an attach is used by its own translation but
 *    never cached after it.
 *  - The RID slot of an S1-translate STE carries the key (tag, hash seed,
 *    sizes) of the cached no-SSID configuration, written together with the
 *    entry under dev->lock; a drop writes the tag back to
 *    SIO_IOTLB_TAG_NONE (the domain stays), so the next request misses and
 *    fetches again. Any mix of slot words a reader sees is harmless: every
 *    entry under a tag is a translation of that (stage-1 tag space, ASID) or
 *    of the parent (iommu_priv.h, struct sio_attach).
 *
 * IOTLB: combined entries are tagged sio_iotlb_tag(parent->s1_serial, true,
 * ASID) with the hash seed of s1_serial; stage-2-only translations (bypass
 * STE, S1DSS bypass) use the parent's own RID tag. Fills follow the IOTLB's
 * generation protocol (iotlb.h), begun before the stage-1 walk.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "iommu/iommu_priv.h"
#include "iommu/rcu.h"

#define FIELD(v, h, l)	((unsigned int)(((v) >> (l)) & ((1ULL << ((h) - (l) + 1)) - 1)))
#define MASK(h, l)		((~0ULL >> (63 - (h))) & (~0ULL << (l)))

/* STE words 0 and 1. */
#define STE0_S1FMT(v)		FIELD(v, 5, 4)
#define STE0_CTXPTR		MASK(51, 6)
#define STE0_S1CDMAX(v)		FIELD(v, 63, 59)
#define STE1_S1DSS(v)		FIELD(v, 1, 0)
#define STE1_S1STALLD		(1ULL << 27)
#define S1DSS_TERMINATE		0
#define S1DSS_BYPASS		1
#define S1DSS_SSID0		2

/* Two-level CD tables: L1 descriptors, 2^6 (S1Fmt 1) or 2^10 (S1Fmt 2) CDs per leaf. */
#define L1CD_V			(1ULL << 0)
#define L1CD_L2PTR		MASK(51, 12)
#define CD_SIZE			64

/* CD word 0; TTBx in words 1 and 2. */
#define CD0_EPD0		(1ULL << 14)
#define CD0_ENDI		(1ULL << 15)
#define CD0_EPD1		(1ULL << 30)
#define CD0_V			(1ULL << 31)
#define CD0_IPS(v)		FIELD(v, 34, 32)
#define CD0_AFFD		(1ULL << 35)
#define CD0_TBI(v)		FIELD(v, 39, 38)
#define CD0_AA64		(1ULL << 41)
#define CD0_HD			(1ULL << 42)
#define CD0_HA			(1ULL << 43)
#define CD0_S			(1ULL << 44)
#define CD0_R			(1ULL << 45)
#define CD0_A			(1ULL << 46)
#define CD0_ASID(v)		FIELD(v, 63, 48)
#define CD_TTB			MASK(51, 4)
#define CD_HAD			(1ULL << 1)	/* in the TTBx word: HAD0 / HAD1 */

/* A decoded translation table region (TTB0 / TTB1). */
struct smmu_tt {
	bool on;			/* not disabled by EPDx */
	unsigned int ias;		/* 64 - TxSZ */
	uint64_t ttb;			/* IPA of the start table */
	struct sio_pt_cfg pt;		/* the stage-1 walk's format */
};

struct sio_smmu_cfg {
	bool bypass;			/* S1DSS bypass: stage 2 only */
	bool record;			/* CD.R */
	bool ha;			/* CD.HA: stage-1 walks update AF (and dirty state, HD) */
	unsigned int tbi;		/* CD.TBI: bit 0 TBI0, bit 1 TBI1 */
	uint32_t cd_ssid;		/* the CD index this was fetched from */
	uint64_t tag, hseed, sizes;	/* IOTLB key of its translations */
	struct smmu_tt tt[2];
	struct sio_smmu_cfg *next;	/* drop list */
};

/* A fault before it is written out. */
struct finfo {
	enum sio_fault_reason reason;
	unsigned int stage, fclass, level;
	bool record;
	uint64_t entry_addr, gpa;
};

static int smmu_fault(const struct sio_xreq *r, struct sio_domain *d, const struct finfo *fi,
		      struct sio_xlate *out)
{
	int ret = sio_xlate_fault(r, fi->reason, d->did, fi->level, fi->entry_addr, out);

	out->fault.stage = fi->stage;
	out->fault.fclass = fi->fclass;
	out->fault.record = fi->record;
	out->fault.gpa = fi->gpa;
	return ret;
}

/* A configuration error (C_BAD_*, F_STREAM_DISABLED): always recorded, no class. */
static int cfg_error(struct finfo *fi, enum sio_fault_reason reason, unsigned int fclass,
		     uint64_t gpa)
{
	*fi = (struct finfo){ .reason = reason, .stage = 1, .fclass = fclass, .record = true,
			      .gpa = gpa };
	return -EACCES;
}

/* The stage-2 failure recorded in @m, of class @fclass. */
static int s2_error(struct finfo *fi, const struct sio_nest_mem *m, unsigned int fclass)
{
	*fi = (struct finfo){ .reason = m->reason, .stage = 2, .fclass = fclass, .record = true,
			      .level = m->level, .entry_addr = m->entry_addr, .gpa = m->gpa };
	return -EACCES;
}

static bool s2_set_ad(const struct sio_domain *p)
{
	return p->hw_ad || (p->dirty_cap && __atomic_load_n(&p->dirty_enabled, __ATOMIC_RELAXED));
}

/* Read @n words of CD memory at @ipa (64-byte aligned: one stage-2 page) through stage 2. */
static int cd_read(struct sio_nest_mem *m, uint64_t ipa, uint64_t *buf, unsigned int n,
		   struct finfo *fi)
{
	struct sio_pt_walk_result res;
	unsigned int i;

	if (sio_nest_s2_xlate(m, ipa, SIO_PT_R, &res))
		return s2_error(fi, m, SIO_FAULT_CLASS_CD);
	for (i = 0; i < n; i++) {
		if (sio_pt_mem_direct.read(NULL, res.oa + 8ULL * i, &buf[i])) {
			cfg_error(fi, SIO_FAULT_CD_FETCH, SIO_FAULT_CLASS_CD, ipa);
			fi->entry_addr = res.oa + 8ULL * i;
			return -EACCES;
		}
	}
	return 0;
}

/* Leaf sizes (lg2 bitmap) of a VMSAv8-64 table with granule 2^g. */
static uint64_t s1_leaf_sizes(unsigned int g)
{
	uint64_t bm = (1ULL << g) | (1ULL << (2 * g - 3));

	if (g == 12)
		bm |= 1ULL << 30;
	return bm;
}

/* Byte-packed ascending leaf sizes (struct sio_attach) of bitmap @bm, at most 8. */
static uint64_t pack_sizes(uint64_t bm)
{
	uint64_t sizes = 0;
	unsigned int n = 0;

	for (; bm && n < 8; bm &= bm - 1, n++)
		sizes |= (uint64_t)sio_ffs64(bm) << (8 * n);
	return sizes;
}

/* Granule lg2 of TG0 / TG1 encodings (0: reserved). */
static const unsigned int tg0_lg2[4] = { 12, 16, 14, 0 };
static const unsigned int tg1_lg2[4] = { 0, 14, 12, 16 };
/* Output size of IPS encodings (0: reserved). */
static const unsigned int ips_bits[8] = { 32, 36, 40, 42, 44, 48, 52, 0 };

/*
 * Decode and check a CD (hw-model §2.3 "CD validation"): 0 or -EINVAL
 * (C_BAD_CD). HTTU follows what IDR0 advertises (driver_data.c): HA always,
 * HD only when @hd_ok (the device tracks dirtiness), and HD only with HA.
 */
static int cd_decode(const struct sio_domain *d, const uint64_t cd[3], bool hd_ok,
		     struct sio_smmu_cfg *c)
{
	const struct sio_domain *p = d->parent;
	uint64_t c0 = cd[0], bm = 0, sz;
	unsigned int i, ips = ips_bits[CD0_IPS(c0)], top;
	bool ha = !!(c0 & CD0_HA), hd = !!(c0 & CD0_HD);

	if (!(c0 & CD0_V) || !(c0 & CD0_AA64) || !(c0 & CD0_A) ||
	    (c0 & (CD0_S | CD0_ENDI)) || !ips || (hd && (!ha || !hd_ok)))
		return -EINVAL;
	for (i = 0; i < 2; i++) {
		struct smmu_tt *tt = &c->tt[i];
		unsigned int tsz = FIELD(c0, 5 + 16 * i, 16 * i);
		unsigned int tg = FIELD(c0, 7 + 16 * i, 6 + 16 * i);
		unsigned int g = i ? tg1_lg2[tg] : tg0_lg2[tg], oas, levels, bits;

		/* The region's extent counts even when disabled (EPD faults, not the gap). */
		tt->ias = tsz ? 64 - tsz : 63;
		if (c0 & (i ? CD0_EPD1 : CD0_EPD0))
			continue;
		if (tsz < 16 || tsz > 39 || !g)
			return -EINVAL;
		oas = sio_min(ips, g == 16 ? 52u : 48u);
		tt->ttb = cd[1 + i] & CD_TTB;
		if (tt->ttb >> oas)
			return -EINVAL;
		bits = g - 3;
		levels = (tt->ias - g + bits - 1) / bits;
		/* The start table is aligned to its size: the TTB bits below it are ignored. */
		top = tt->ias - g - (levels - 1) * bits;
		tt->ttb &= ~((8ULL << top) - 1);
		/* hw_af without HA is AFFD: no fault, and (walks without set_ad) no update. */
		tt->pt = (struct sio_pt_cfg){ .format = SIO_PT_ARM_S1, .granule_lg2 = g,
					      .levels = levels, .ias = tt->ias, .oas = oas,
					      .hw_af = ha || (c0 & CD0_AFFD), .hw_dirty = hd,
					      .had = !!(cd[1 + i] & CD_HAD) };
		tt->on = true;
		bm |= s1_leaf_sizes(g);
	}
	/* A combined entry has the smaller leaf: a stage-1 size or a smaller stage-2 one. */
	for (sz = p->sizes; sz && bm; sz >>= 8)
		if ((sz & 0xff) < 63 - (unsigned int)__builtin_clzll(bm))
			bm |= 1ULL << (sz & 0xff);
	c->record = !!(c0 & CD0_R);
	c->ha = ha;
	c->tbi = CD0_TBI(c0);
	c->tag = sio_iotlb_tag(p->s1_serial, true, CD0_ASID(c0));
	c->hseed = p->s1_hseed;
	c->sizes = bm ? pack_sizes(bm) : p->sizes;
	return 0;
}

/*
 * Fetch the configuration of request @r on S1-translate domain @d into @c:
 * the STE checks, the CD choice, the CD read through stage 2 and its
 * decoding. Counts the stage-2 walks. Return: 0, or -EACCES with *fi.
 */
static int cfg_fetch(const struct sio_xreq *r, struct sio_domain *d, struct sio_smmu_cfg *c,
		     struct finfo *fi)
{
	struct sio_nest_mem m = { .s2 = d->parent, .set_ad = s2_set_ad(d->parent) };
	uint64_t s0 = d->ste[0], s1 = d->ste[1], ctx = s0 & STE0_CTXPTR, cd[3], l1, ipa;
	unsigned int cdmax = STE0_S1CDMAX(s0), fmt = STE0_S1FMT(s0), dss = STE1_S1DSS(s1);
	uint32_t ssid = 0;
	int ret;

	memset(c, 0, sizeof(*c));
	/* S1CDMax beyond SSIDSIZE is ILLEGAL; reserved S1Fmt 3 / S1DSS 3 act as 0. */
	if ((s1 & STE1_S1STALLD) || cdmax > SIO_PASID_BITS_MAX)
		return cfg_error(fi, SIO_FAULT_BAD_STE, SIO_FAULT_CLASS_NONE, 0);
	if (fmt == 3)
		fmt = 0;
	if (dss == 3)
		dss = S1DSS_TERMINATE;
	if (r->has_pasid) {
		ssid = r->pasid;
		if (!cdmax || ssid >= (1u << cdmax))
			return cfg_error(fi, SIO_FAULT_BAD_SUBSTREAMID, SIO_FAULT_CLASS_NONE, 0);
		/* Substream 0 belongs to requests without SSID: F_STREAM_DISABLED. */
		if (dss == S1DSS_SSID0 && !ssid)
			return cfg_error(fi, SIO_FAULT_BLOCKED, SIO_FAULT_CLASS_NONE, 0);
	} else if (cdmax && dss == S1DSS_TERMINATE) {
		return cfg_error(fi, SIO_FAULT_BLOCKED, SIO_FAULT_CLASS_NONE, 0);
	} else if (cdmax && dss == S1DSS_BYPASS) {
		c->bypass = true;
		return 0;
	}
	c->cd_ssid = ssid;

	if (!cdmax || !fmt) {
		ipa = ctx + (uint64_t)ssid * CD_SIZE;
	} else {
		unsigned int split = fmt == 1 ? 6 : 10;

		ret = cd_read(&m, ctx + 8ULL * (ssid >> split), &l1, 1, fi);
		if (ret)
			goto out;
		if (!(l1 & L1CD_V)) {
			ret = cfg_error(fi, SIO_FAULT_BAD_SUBSTREAMID, SIO_FAULT_CLASS_NONE, 0);
			goto out;
		}
		ipa = (l1 & L1CD_L2PTR) + (uint64_t)(ssid & ((1u << split) - 1)) * CD_SIZE;
	}
	ret = cd_read(&m, ipa, cd, 3, fi);
	if (!ret && cd_decode(d, cd, r->dev->caps & SIO_DEV_CAP_DIRTY, c))
		ret = cfg_error(fi, SIO_FAULT_BAD_CD, SIO_FAULT_CLASS_CD, ipa);
out:
	sio_stat_add(r->dev->stat_idx, SIO_STAT_WALK, m.walks);
	sio_stat_add(r->dev->stat_idx, SIO_STAT_LOAD, m.loads);
	return ret;
}

/* Where the configuration of @r lives, for readers (NULL: no leaf yet). */
static struct sio_smmu_cfg **cfg_ref(struct sio_iommu_dev *dev, const struct sio_xreq *r)
{
	struct sio_smmu_cfg ***dir, **leaf;

	if (!r->has_pasid)
		return &dev->cfg_nossid;
	dir = __atomic_load_n(&dev->cfg_dir, __ATOMIC_ACQUIRE);
	if (!dir)
		return NULL;
	leaf = __atomic_load_n(&dir[r->pasid >> SIO_PASID_LEAF_SHIFT], __ATOMIC_ACQUIRE);
	return leaf ? &leaf[r->pasid & (SIO_PASID_LEAF - 1)] : NULL;
}

/* The same, allocating the directory and leaf. Caller holds dev->lock. */
static struct sio_smmu_cfg **cfg_ref_alloc(struct sio_iommu_dev *dev, uint32_t ssid)
{
	struct sio_smmu_cfg **leaf;

	if (!dev->cfg_dir) {
		struct sio_smmu_cfg ***dir = calloc(dev->ndir, sizeof(*dir));

		if (!dir)
			return NULL;
		__atomic_store_n(&dev->cfg_dir, dir, __ATOMIC_RELEASE);
	}
	leaf = dev->cfg_dir[ssid >> SIO_PASID_LEAF_SHIFT];
	if (!leaf) {
		leaf = calloc(SIO_PASID_LEAF, sizeof(*leaf));
		if (!leaf)
			return NULL;
		__atomic_store_n(&dev->cfg_dir[ssid >> SIO_PASID_LEAF_SHIFT], leaf,
				 __ATOMIC_RELEASE);
	}
	return &leaf[ssid & (SIO_PASID_LEAF - 1)];
}

/* Point the RID slot at the IOTLB key of no-SSID configuration @c. Caller holds dev->lock. */
static void rid_slot_key(struct sio_iommu_dev *dev, const struct sio_domain *d,
			 const struct sio_smmu_cfg *c)
{
	const struct sio_domain *p = d->parent;
	uint64_t hseed = c->bypass ? p->hseed : c->hseed;
	uint64_t sizes = c->bypass ? p->sizes : c->sizes;
	struct sio_attach *slot = &dev->rid_slot;

	__atomic_store_n(&slot->hseed, hseed, __ATOMIC_RELAXED);
	__atomic_store_n(&slot->sizes, sizes, __ATOMIC_RELAXED);
	__atomic_store_n(&slot->pkey, sio_attach_pkey(sizes & 0xff), __ATOMIC_RELAXED);
	__atomic_store_n(&slot->tag, c->bypass ? sio_iotlb_tag(p->serial, false, 0) : c->tag,
			 __ATOMIC_RELEASE);
}

/*
 * Cache a copy of @c fetched for @r on @d, unless the device's cache was
 * dropped since @g0 (or @d is no longer its RID domain), or an entry is
 * already there. Failure to allocate just leaves it uncached.
 */
static void cfg_publish(const struct sio_xreq *r, struct sio_domain *d, uint64_t g0,
			const struct sio_smmu_cfg *c)
{
	struct sio_iommu_dev *dev = r->dev;
	struct sio_smmu_cfg *copy, **ref;

	copy = malloc(sizeof(*copy));
	if (!copy)
		return;
	*copy = *c;
	pthread_mutex_lock(&dev->lock);
	if (dev->cfg_gen != g0 || dev->rid_slot.domain != d)
		goto out_free;
	ref = r->has_pasid ? cfg_ref_alloc(dev, r->pasid) : &dev->cfg_nossid;
	if (!ref || *ref)
		goto out_free;
	__atomic_store_n(ref, copy, __ATOMIC_RELEASE);
	if (!r->has_pasid)
		rid_slot_key(dev, d, copy);
	pthread_mutex_unlock(&dev->lock);
	return;
out_free:
	pthread_mutex_unlock(&dev->lock);
	free(copy);
}

static void cfg_take(struct sio_smmu_cfg **ref, struct sio_smmu_cfg **list)
{
	struct sio_smmu_cfg *c = *ref;

	if (!c)
		return;
	__atomic_store_n(ref, NULL, __ATOMIC_RELAXED);
	c->next = *list;
	*list = c;
}

/* Caller holds dev->lock: later fills of fetches begun before this cannot publish. */
static void cfg_gen_bump(struct sio_iommu_dev *dev)
{
	__atomic_store_n(&dev->cfg_gen, dev->cfg_gen + 1, __ATOMIC_RELEASE);
}

/* The RID's no-SSID configuration is gone: its slot misses again. Caller holds dev->lock. */
static void rid_slot_unkey(struct sio_iommu_dev *dev)
{
	struct sio_domain *d = dev->rid_slot.domain;

	if (d && d->kind == SIO_DOMAIN_SMMU_NESTED && d->smmu_mode == SIO_SMMU_S1)
		__atomic_store_n(&dev->rid_slot.tag, SIO_IOTLB_TAG_NONE, __ATOMIC_RELEASE);
}

void sio_smmu_cfg_drop_locked(struct sio_iommu_dev *dev, struct sio_smmu_cfg **list)
{
	unsigned int i, j;

	cfg_gen_bump(dev);
	cfg_take(&dev->cfg_nossid, list);
	rid_slot_unkey(dev);
	if (!dev->cfg_dir)
		return;
	for (i = 0; i < dev->ndir; i++) {
		struct sio_smmu_cfg **leaf = dev->cfg_dir[i];

		if (leaf)
			for (j = 0; j < SIO_PASID_LEAF; j++)
				cfg_take(&leaf[j], list);
	}
}

void sio_smmu_cfg_drop_ssid_locked(struct sio_iommu_dev *dev, uint32_t ssid,
				   struct sio_smmu_cfg **list)
{
	struct sio_smmu_cfg *c = dev->cfg_nossid;

	cfg_gen_bump(dev);
	/* The no-SSID configuration was read from CD[ssid] too (S1CDMax 0, S1DSS 2). */
	if (c && !c->bypass && c->cd_ssid == ssid) {
		cfg_take(&dev->cfg_nossid, list);
		rid_slot_unkey(dev);
	}
	if (dev->cfg_dir && ssid < (dev->ndir << SIO_PASID_LEAF_SHIFT) &&
	    dev->cfg_dir[ssid >> SIO_PASID_LEAF_SHIFT])
		cfg_take(&dev->cfg_dir[ssid >> SIO_PASID_LEAF_SHIFT][ssid & (SIO_PASID_LEAF - 1)],
			 list);
}

void sio_smmu_cfg_free_list(struct sio_smmu_cfg *list)
{
	if (!list)
		return;
	/* Translations that loaded these entries are in read-side sections. */
	sio_rcu_synchronize();
	while (list) {
		struct sio_smmu_cfg *next = list->next;

		free(list);
		list = next;
	}
}

void sio_smmu_cfg_destroy(struct sio_iommu_dev *dev)
{
	unsigned int i, j;

	free(dev->cfg_nossid);
	if (!dev->cfg_dir)
		return;
	for (i = 0; i < dev->ndir; i++) {
		struct sio_smmu_cfg **leaf = dev->cfg_dir[i];

		if (!leaf)
			continue;
		for (j = 0; j < SIO_PASID_LEAF; j++)
			free(leaf[j]);
		free(leaf);
	}
	free(dev->cfg_dir);
}

static int hit(const struct sio_xreq *r, uint64_t val, unsigned int lg2, struct sio_xlate *out)
{
	uint64_t mask = (1ULL << lg2) - 1;

	out->pa = (val & ~mask) | (r->iova & mask);
	out->size_lg2 = lg2;
	out->perm = (unsigned int)(val & SIO_IOTLB_V_PERM);
	sio_stat_inc(r->dev->stat_idx, SIO_STAT_HIT);
	return 0;
}

/* IOTLB lookup of @r under (@tag, @hseed, @sizes): a usable entry or false. */
static bool lookup(const struct sio_xreq *r, uint64_t tag, uint64_t hseed, uint64_t sizes,
		   uint64_t *val, unsigned int *lg2)
{
	return sio_iotlb_lookup(r->dev->iotlb_ent, r->dev->iotlb_set_mask, tag, hseed, sizes,
				r->iova, val, lg2) &&
	       (*val & SIO_WANT_MASK(r->access)) == SIO_WANT(r->access);
}

/* Stage 2 only (bypass STE, S1DSS bypass): the parent's translation under its RID tag. */
static int bypass_xlate(const struct sio_xreq *r, struct sio_domain *d, struct sio_xlate *out)
{
	struct sio_domain *p = d->parent;
	uint64_t tag = sio_iotlb_tag(p->serial, false, 0), val;
	struct finfo fi = { .stage = 2, .fclass = SIO_FAULT_CLASS_IN, .record = true,
			    .gpa = r->iova };
	unsigned int lg2;
	int ret;

	if (lookup(r, tag, p->hseed, p->sizes, &val, &lg2))
		return hit(r, val, lg2, out);
	sio_stat_inc(r->dev->stat_idx, SIO_STAT_MISS);
	if (r->iova < p->aperture_start || r->iova > p->aperture_last) {
		fi.reason = SIO_FAULT_APERTURE;
		return smmu_fault(r, d, &fi, out);
	}
	ret = sio_xlate_paging(r, p, tag, out);
	if (ret == -EACCES) {
		out->fault.did = d->did;
		out->fault.stage = 2;
		out->fault.fclass = SIO_FAULT_CLASS_IN;
		out->fault.gpa = r->iova;
	}
	return ret;
}

/* The stage-1 region of @va (after TBI), or NULL (the gap, or a disabled region). */
static const struct smmu_tt *select_tt(const struct sio_smmu_cfg *c, uint64_t va)
{
	bool hi = (va >> 55) & 1;

	if (c->tbi & (hi ? 2 : 1))
		va = hi ? va | MASK(63, 56) : va & ~MASK(63, 56);
	if (!(va >> c->tt[0].ias))
		return c->tt[0].on ? &c->tt[0] : NULL;
	if (!(~va >> c->tt[1].ias))
		return c->tt[1].on ? &c->tt[1] : NULL;
	return NULL;
}

/*
 * Stage-1 fault reasons the CD's R bit governs (translation, access,
 * permission, size); table read and HTTU update errors are external aborts.
 */
static bool s1_fault_needs_r(enum sio_fault_reason reason)
{
	return reason != SIO_FAULT_TABLE_READ && reason != SIO_FAULT_AD_UPDATE;
}

/* A cold IOTLB: walk stage 1 of @c through stage 2, then the output IPA, and combine. */
static int nested_walk(const struct sio_xreq *r, struct sio_domain *d,
		       const struct sio_smmu_cfg *c, struct sio_xlate *out)
{
	struct sio_iommu *iommu = r->dev->iommu;
	struct sio_domain *p = d->parent;
	struct sio_nest_mem m = { .s2 = p };
	const struct sio_pt_mem mem = { sio_nest_read, sio_nest_cas, &m };
	struct sio_pt_walk_result s1, s2;
	const struct smmu_tt *tt;
	unsigned int lg2, perm, vflags;
	struct finfo fi;
	bool s1_ok;
	uint64_t g0;
	int ret;

	tt = select_tt(c, r->iova);
	if (!tt) {
		fi = (struct finfo){ .reason = SIO_FAULT_RANGE, .stage = 1,
				     .fclass = SIO_FAULT_CLASS_IN, .record = c->record };
		return smmu_fault(r, d, &fi, out);
	}
	/* Generation first, then the parent's dirty flag and the tables (domain.c). */
	g0 = sio_iotlb_fill_begin(&iommu->iotlb);
	m.set_ad = s2_set_ad(p);
	/*
	 * HTTU (CD.HA): AF, and with HD the dirty state of DBM leaves, is set by
	 * compare-and-swap through stage 2 (which must grant W on the table page).
	 * A read of a writable-clean leaf gives no W, so the cached entry misses
	 * on a write and the walk runs again to make the leaf dirty. Without HA
	 * stage 1 is never written.
	 */
	ret = sio_pt_walk(&tt->pt, tt->ttb, &mem, r->iova & ((1ULL << tt->ias) - 1), r->access,
			  c->ha, &s1);
	s1_ok = !ret;
	if (s1_ok)
		ret = sio_nest_s2_xlate(&m, s1.oa, r->access & SIO_ACC_RWX, &s2);
	sio_stat_add(r->dev->stat_idx, SIO_STAT_WALK, 1 + m.walks);
	sio_stat_add(r->dev->stat_idx, SIO_STAT_LOAD, s1.loads + m.loads);
	if (ret && m.s2_failed) {
		s2_error(&fi, &m, s1_ok ? SIO_FAULT_CLASS_IN : SIO_FAULT_CLASS_TT);
		return smmu_fault(r, d, &fi, out);
	}
	if (ret) {
		fi = (struct finfo){ .reason = sio_pt_fault_reason(s1.fault), .stage = 1,
				     .level = s1.level, .entry_addr = s1.fault_entry_addr };
		fi.fclass = SIO_FAULT_CLASS_IN;
		if (s1.fault == SIO_PT_FAULT_TABLE_READ || s1.fault == SIO_PT_FAULT_AD_UPDATE)
			fi.fclass = SIO_FAULT_CLASS_TT;
		fi.record = s1_fault_needs_r(fi.reason) ? c->record : true;
		return smmu_fault(r, d, &fi, out);
	}

	/* Within the smaller leaf both stages are linear: one combined page. */
	lg2 = sio_min(s1.size_lg2, s2.size_lg2);
	perm = s1.perm & s2.perm;
	vflags = perm & SIO_IOTLB_V_PERM;
	if (r->access & SIO_PT_PRIV)
		vflags |= SIO_IOTLB_V_PRIVREQ;
	if (lg2 >= 6 && lg2 < 64)
		sio_iotlb_fill(&iommu->iotlb, g0, c->tag, c->hseed, r->iova, lg2,
			       s2.oa & ~((1ULL << lg2) - 1), vflags);
	out->pa = s2.oa;
	out->size_lg2 = lg2;
	out->perm = perm;
	return 0;
}

/* Inside an RCU read-side section: configuration, IOTLB, walk. Counts a hit or a miss. */
static int smmu_xlate(const struct sio_xreq *r, struct sio_domain *d, struct sio_xlate *out)
{
	struct sio_iommu_dev *dev = r->dev;
	struct sio_smmu_cfg local, **ref;
	const struct sio_smmu_cfg *c;
	unsigned int lg2;
	struct finfo fi;
	uint64_t g0, val;

	if (d->smmu_mode == SIO_SMMU_ABORT) {
		sio_stat_inc(dev->stat_idx, SIO_STAT_MISS);
		fi = (struct finfo){ .reason = SIO_FAULT_BLOCKED, .stage = 1 };
		return smmu_fault(r, d, &fi, out);
	}
	if (r->has_pasid && (d->smmu_mode == SIO_SMMU_BYPASS || !dev->pasid_bits ||
			     r->pasid >= (1u << dev->pasid_bits))) {
		sio_stat_inc(dev->stat_idx, SIO_STAT_MISS);
		cfg_error(&fi, SIO_FAULT_BAD_SUBSTREAMID, SIO_FAULT_CLASS_NONE, 0);
		return smmu_fault(r, d, &fi, out);
	}
	if (d->smmu_mode == SIO_SMMU_BYPASS)
		return bypass_xlate(r, d, out);

	ref = cfg_ref(dev, r);
	c = ref ? __atomic_load_n(ref, __ATOMIC_ACQUIRE) : NULL;
	if (c) {
		sio_stat_inc(dev->stat_idx, SIO_STAT_CFG_HIT);
	} else {
		sio_stat_inc(dev->stat_idx, SIO_STAT_CFG_MISS);
		g0 = __atomic_load_n(&dev->cfg_gen, __ATOMIC_ACQUIRE);
		if (cfg_fetch(r, d, &local, &fi)) {
			sio_stat_inc(dev->stat_idx, SIO_STAT_MISS);
			return smmu_fault(r, d, &fi, out);
		}
		cfg_publish(r, d, g0, &local);
		c = &local;
	}
	if (c->bypass)
		return bypass_xlate(r, d, out);
	if (lookup(r, c->tag, c->hseed, c->sizes, &val, &lg2))
		return hit(r, val, lg2, out);
	sio_stat_inc(dev->stat_idx, SIO_STAT_MISS);
	return nested_walk(r, d, c, out);
}

int sio_smmu_translate_rid(const struct sio_xreq *r, struct sio_domain *d,
			   struct sio_xlate *out)
{
	return smmu_xlate(r, d, out);
}

bool sio_smmu_translate_ssid(const struct sio_xreq *r, struct sio_xlate *out, int *ret)
{
	struct sio_domain *d;

	sio_rcu_read_lock();
	d = __atomic_load_n(&r->dev->rid_slot.domain, __ATOMIC_ACQUIRE);
	if (!d || d->kind != SIO_DOMAIN_SMMU_NESTED) {
		sio_rcu_read_unlock();
		return false;
	}
	*ret = smmu_xlate(r, d, out);
	sio_rcu_read_unlock();
	return true;
}
