/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Single-stage translation: the IOTLB hit path and the walk on a miss.
 *
 * Hit path (no lock, no RCU, no write to shared memory): read the
 * attachment slot's tag, hash seed and smallest leaf size, probe way 0 of
 * that IOTLB set inline (other ways and sizes out of line), check the
 * entry's sequence counter and rights. Only the per-thread counter line is
 * written. The slot needs no sequence counter: tags are domain serials,
 * never reused, so a hit is a translation of the domain whose tag was read,
 * as of that read (iommu_priv.h).
 *
 * Miss path: inside an RCU read-side section, read the slot's domain, check
 * the aperture, read the IOTLB generation, walk the table, and cache a
 * successful result (sio_iotlb_fill() drops it if an invalidation ran
 * meanwhile). Faults are never cached.
 *
 * Nested domains (hw-model §1.10, §5.2) take the same miss path: the guest's
 * x86-64 first stage is walked in GPA space through a struct sio_pt_mem
 * whose every table read translates the entry's GPA through the parent's
 * table (stage 2, R) and whose A/D updates need stage-2 W; the output GPA
 * is then translated through stage 2 with the request's rights. The
 * combined result is cached under the nested domain's tag at the smaller
 * leaf size with the intersection of the rights. Every stage-2 walk counts
 * as a walk and its loads as loads: a cold 4-level over 4-level translation
 * makes 4 + 4 * 4 + 4 = 24 loads. Over a VT-d second stage the same walk is
 * made by the specialised walker (nestwalk.c), which must agree with this
 * generic one in every result, side effect and count.
 *
 * SMMU nested domains (smmu.c) count their own hit or miss: their RID slot
 * misses until the configuration is cached, and requests with a PASID on a
 * device whose RID has one (no PASID attachment can coexist) go there too.
 */
#include <errno.h>
#include <string.h>

#include "iommu/iommu_priv.h"
#include "iommu/rcu.h"

#define ACC_RWX	SIO_ACC_RWX

/* Slot of a valid @pasid, or NULL when no attachment was ever made there. */
static const struct sio_attach *pasid_slot(const struct sio_iommu_dev *dev, uint32_t pasid)
{
	struct sio_attach **dir = __atomic_load_n(&dev->pasid_dir, __ATOMIC_ACQUIRE);
	struct sio_attach *leaf;

	if (!dir)
		return NULL;
	leaf = __atomic_load_n(&dir[pasid >> SIO_PASID_LEAF_SHIFT], __ATOMIC_ACQUIRE);
	return leaf ? &leaf[pasid & (SIO_PASID_LEAF - 1)] : NULL;
}

enum sio_fault_reason sio_pt_fault_reason(enum sio_pt_fault f)
{
	switch (f) {
	case SIO_PT_FAULT_RANGE:
		return SIO_FAULT_RANGE;
	case SIO_PT_FAULT_NOT_PRESENT:
		return SIO_FAULT_NOT_PRESENT;
	case SIO_PT_FAULT_PERM:
		return SIO_FAULT_PERM;
	case SIO_PT_FAULT_RESERVED:
		return SIO_FAULT_RESERVED;
	case SIO_PT_FAULT_ACCESS_FLAG:
		return SIO_FAULT_ACCESS_FLAG;
	case SIO_PT_FAULT_ADDR_SIZE:
		return SIO_FAULT_ADDR_SIZE;
	case SIO_PT_FAULT_TABLE_READ:
		return SIO_FAULT_TABLE_READ;
	case SIO_PT_FAULT_AD_UPDATE:
		return SIO_FAULT_AD_UPDATE;
	case SIO_PT_OK:
	default:
		return SIO_FAULT_NOT_PRESENT;
	}
}

__attribute__((noinline, cold)) int sio_xlate_fault(const struct sio_xreq *r,
						    enum sio_fault_reason reason, uint32_t did,
						    unsigned int level, uint64_t entry_addr,
						    struct sio_xlate *out)
{
	struct sio_fault *f = &out->fault;

	f->reason = reason;
	f->stage = 1;
	f->access = r->access;
	f->pasid_valid = r->has_pasid;
	f->rid = r->dev->rid;
	f->pasid = r->has_pasid ? r->pasid : 0;
	f->did = did;
	f->iova = r->iova;
	f->level = level;
	f->entry_addr = entry_addr;
	f->gpa = 0;
	f->fclass = SIO_FAULT_CLASS_NONE;
	f->record = true;
	sio_stat_inc(r->dev->stat_idx, SIO_STAT_FAULT);
	return -EACCES;
}

/*
 * Stage-2 access of a nested walk. The last stage-2 translation made for a
 * table read is remembered, so that the A/D update of the entry just read
 * reuses it when stage 2 already granted W there (a walker holding the
 * translation of the table page); otherwise stage 2 is walked again for W
 * (which also marks the page dirty where stage 2 tracks dirtiness). The
 * first stage-2 failure is recorded and ends the walk: reads and updates
 * then fail, and the caller reports a stage-2 fault (struct sio_nest_mem,
 * iommu_priv.h). SMMU nesting (smmu.c) uses the same stage-2 access.
 */
int sio_nest_s2_xlate(struct sio_nest_mem *m, uint64_t gpa, unsigned int access,
		      struct sio_pt_walk_result *res)
{
	struct sio_domain *p = m->s2;

	if (gpa < p->aperture_start || gpa > p->aperture_last) {
		m->reason = SIO_FAULT_APERTURE;
		m->level = 0;
		m->entry_addr = 0;
		goto fail;
	}
	res->loads = 0;
	if (sio_pt_walk(p->pt_cfg, p->pt_root, &sio_pt_mem_direct, gpa, access, m->set_ad, res)) {
		m->walks++;
		m->loads += res->loads;
		m->reason = sio_pt_fault_reason(res->fault);
		m->level = res->level;
		m->entry_addr = res->fault_entry_addr;
		goto fail;
	}
	m->walks++;
	m->loads += res->loads;
	return 0;
fail:
	m->s2_failed = true;
	m->gpa = gpa;
	return -EFAULT;
}

int sio_nest_read(void *ctx, uint64_t gpa, uint64_t *val)
{
	struct sio_nest_mem *m = ctx;
	struct sio_pt_walk_result res;
	uint64_t mask;

	if (sio_nest_s2_xlate(m, gpa, SIO_PT_R, &res))
		return -EFAULT;
	mask = (1ULL << res.size_lg2) - 1;
	m->gpa_base = gpa & ~mask;
	m->hpa_base = res.oa & ~mask;
	m->size_lg2 = res.size_lg2;
	m->perm = res.perm;
	/* A bad host address is a stage-1 table read error, not a stage-2 fault. */
	return sio_pt_mem_direct.read(NULL, res.oa, val);
}

int sio_nest_cas(void *ctx, uint64_t gpa, uint64_t old, uint64_t new_val)
{
	struct sio_nest_mem *m = ctx;
	struct sio_pt_walk_result res;
	uint64_t hpa;

	if (m->size_lg2 && (m->perm & SIO_PT_W) &&
	    (gpa & ~((1ULL << m->size_lg2) - 1)) == m->gpa_base) {
		hpa = m->hpa_base | (gpa & ((1ULL << m->size_lg2) - 1));
	} else {
		if (sio_nest_s2_xlate(m, gpa, SIO_PT_W, &res))
			return -EFAULT;
		hpa = res.oa;
	}
	/*
	 * Guest memory behind a stage-2 W mapping was writable when it was
	 * mapped, but the program may have unmapped or write-protected it
	 * since: the CAS (sio_safe_cas64()) then fails with -EFAULT, which
	 * ends the walk with SIO_FAULT_AD_UPDATE, instead of faulting. -EAGAIN
	 * (the guest changed the entry) makes the walk read it again.
	 */
	return sio_pt_mem_direct.cas(NULL, hpa, old, new_val);
}

int sio_nest_walk_generic(struct sio_domain *d, uint64_t iova, unsigned int access,
			  struct sio_nest_walk *w)
{
	struct sio_domain *p = d->parent;
	struct sio_nest_mem m = { .s2 = p };
	const struct sio_pt_mem mem = { sio_nest_read, sio_nest_cas, &m };
	struct sio_pt_walk_result s1, s2;
	int ret;

	memset(w, 0, sizeof(*w));
	m.set_ad = p->hw_ad ||
		   (p->dirty_cap && __atomic_load_n(&p->dirty_enabled, __ATOMIC_RELAXED));
	/* x86-64 always sets A (and D on a write) in the guest's entries. */
	ret = sio_pt_walk(&d->s1_cfg, d->s1_root_gpa, &mem, iova, access, true, &s1);
	if (!ret)
		ret = sio_nest_s2_xlate(&m, s1.oa, access & ACC_RWX, &s2);
	w->walks = 1 + m.walks;
	w->loads = s1.loads + m.loads;
	if (ret && m.s2_failed) {
		w->stage = 2;
		w->reason = m.reason;
		w->level = m.level;
		w->entry_addr = m.entry_addr;
		w->gpa = m.gpa;
		return -EFAULT;
	}
	if (ret) {
		w->stage = 1;
		w->reason = sio_pt_fault_reason(s1.fault);
		w->level = s1.level;
		w->entry_addr = s1.fault_entry_addr;
		return -EFAULT;
	}
	/* Within the smaller leaf both stages are linear: one combined page. */
	w->size_lg2 = s1.size_lg2 < s2.size_lg2 ? s1.size_lg2 : s2.size_lg2;
	w->perm = s1.perm & s2.perm;
	w->pa = s2.oa;
	return 0;
}

/*
 * The miss path of a nested domain @d, inside the caller's RCU section
 * (which also keeps the parent's unlinked tables alive: it outlives @d).
 */
static int translate_nested(const struct sio_xreq *r, struct sio_domain *d,
			    struct sio_xlate *out)
{
	struct sio_iommu *iommu = r->dev->iommu;
	struct sio_nest_walk w;
	unsigned int lg2, vflags;
	uint64_t g0;
	int ret;

	/* Generation first, then the parent's dirty flag and both tables (domain.c). */
	g0 = sio_iotlb_fill_begin(&iommu->iotlb);
	if (likely(d->ngeom.fast))
		ret = sio_nest_walk_fast(d, r->iova, r->access, &w);
	else
		ret = sio_nest_walk_generic(d, r->iova, r->access, &w);
	sio_stat_add(r->dev->stat_idx, SIO_STAT_WALK, w.walks);
	sio_stat_add(r->dev->stat_idx, SIO_STAT_LOAD, w.loads);
	if (ret) {
		ret = sio_xlate_fault(r, w.reason, d->did, w.level, w.entry_addr, out);
		out->fault.stage = w.stage;
		out->fault.gpa = w.gpa;
		return ret;
	}
	lg2 = w.size_lg2;
	vflags = w.perm & SIO_IOTLB_V_PERM;
	if (r->access & SIO_PT_PRIV)
		vflags |= SIO_IOTLB_V_PRIVREQ;
	if (lg2 >= 6 && lg2 < 64)
		sio_iotlb_fill(&iommu->iotlb, g0, sio_iotlb_tag(d->serial, r->has_pasid, r->pasid),
			       d->hseed, r->iova, lg2, w.pa & ~((1ULL << lg2) - 1), vflags);
	out->pa = w.pa;
	out->size_lg2 = lg2;
	out->perm = w.perm;
	return 0;
}

int sio_xlate_paging(const struct sio_xreq *r, struct sio_domain *d, uint64_t tag,
		     struct sio_xlate *out)
{
	struct sio_iommu *iommu = r->dev->iommu;
	struct sio_pt_walk_result res;
	unsigned int vflags;
	bool set_ad;
	uint64_t g0;
	int ret;

	/* Generation first, then the dirty flag and the table (see domain.c). */
	g0 = sio_iotlb_fill_begin(&iommu->iotlb);
	set_ad = d->hw_ad || (d->dirty_cap && __atomic_load_n(&d->dirty_enabled, __ATOMIC_RELAXED));
	res.loads = 0;
	ret = sio_pt_walk(d->pt_cfg, d->pt_root, &sio_pt_mem_direct, r->iova, r->access, set_ad,
			  &res);
	sio_stat_inc(r->dev->stat_idx, SIO_STAT_WALK);
	sio_stat_add(r->dev->stat_idx, SIO_STAT_LOAD, res.loads);
	if (ret)
		return sio_xlate_fault(r, sio_pt_fault_reason(res.fault), d->did, res.level,
				       res.fault_entry_addr, out);

	/*
	 * With set_ad the formats grant W only once the leaf is dirty, so a
	 * cached entry without W sends the next write back to a walk, which
	 * marks the leaf (VT-d / x86 D bit, ARM DBM, mock).
	 */
	vflags = res.perm & SIO_IOTLB_V_PERM;
	if (r->access & SIO_PT_PRIV)
		vflags |= SIO_IOTLB_V_PRIVREQ;
	if (res.size_lg2 >= 6 && res.size_lg2 < 64)
		sio_iotlb_fill(&iommu->iotlb, g0, tag, d->hseed, r->iova, res.size_lg2,
			       res.oa & ~((1ULL << res.size_lg2) - 1), vflags);
	out->pa = res.oa;
	out->size_lg2 = res.size_lg2;
	out->perm = res.perm;
	return 0;
}

/* The walk behind an IOTLB miss (or an entry lacking a right, or changing under us). */
static __attribute__((noinline)) int translate_miss(const struct sio_xreq *r,
						    const struct sio_attach *slot,
						    struct sio_xlate *out)
{
	struct sio_domain *d;
	int ret;

	if (!slot) {
		sio_stat_inc(r->dev->stat_idx, SIO_STAT_MISS);
		return sio_xlate_fault(r, SIO_FAULT_BLOCKED, 0, 0, 0, out);
	}

	sio_rcu_read_lock();
	d = __atomic_load_n(&slot->domain, __ATOMIC_ACQUIRE);
	/* SMMU nested domains count their own hit or miss (config, then IOTLB). */
	if (d && d->kind == SIO_DOMAIN_SMMU_NESTED) {
		ret = sio_smmu_translate_rid(r, d, out);
		goto out_unlock;
	}
	sio_stat_inc(r->dev->stat_idx, SIO_STAT_MISS);
	if (!d) {
		ret = sio_xlate_fault(r, SIO_FAULT_BLOCKED, 0, 0, 0, out);
		goto out_unlock;
	}
	if (r->iova < d->aperture_start || r->iova > d->aperture_last) {
		ret = sio_xlate_fault(r, SIO_FAULT_APERTURE, d->did, 0, 0, out);
		goto out_unlock;
	}
	if (d->kind == SIO_DOMAIN_NESTED)
		ret = translate_nested(r, d, out);
	else
		ret = sio_xlate_paging(r, d, sio_iotlb_tag(d->serial, r->has_pasid, r->pasid),
				       out);
out_unlock:
	sio_rcu_read_unlock();
	return ret;
}

/* @pasid == SIO_NO_PASID: a request without PASID. Six arguments: a sibling call. */
static __attribute__((noinline)) int translate_slow(struct sio_iommu_dev *dev,
						    const struct sio_attach *slot, uint32_t pasid,
						    uint64_t iova, unsigned int access,
						    struct sio_xlate *out)
{
	struct sio_xreq r = { dev, pasid != SIO_NO_PASID, pasid, iova, access };

	return translate_miss(&r, slot, out);
}

static inline __attribute__((always_inline)) int
hit(struct sio_iommu_dev *dev, uint64_t val, unsigned int lg2, uint64_t pmask, uint64_t iova,
    struct sio_xlate *out)
{
	out->pa = (val & pmask) | (iova & ~pmask);
	out->size_lg2 = lg2;
	out->perm = (unsigned int)(val & SIO_IOTLB_V_PERM);
	sio_stat_add_key(dev->stat_key, SIO_STAT_HIT, 1);
	return 0;
}

/*
 * An entry serves a request if it has the requested R/W/X and was filled
 * for the request's privilege (PRIV is bit 3, SIO_IOTLB_V_PRIVREQ bit 4).
 * Plain requests (R/W/X only) need just (val & (access | PRIVREQ)) == access.
 */
#define WANT(access)	SIO_WANT(access)
#define WANT_MASK(access) SIO_WANT_MASK(access)

_Static_assert(SIO_PT_PRIV << 1 == SIO_IOTLB_V_PRIVREQ, "privilege bit layout");

/*
 * @eseq was read before the entry's fields: they were one writer's if it
 * was even and seq has not moved since. seq only ever counts up by one
 * (own: even to odd, release: odd to odd + 1), so an odd @eseq is caught
 * by comparing with @eseq & ~1, which the current seq can only equal after
 * 2^32 - 1 more steps; the two-test form has the same blind spot (2^32).
 */
static inline __attribute__((always_inline)) bool
entry_stable(const struct sio_iotlb_entry *e, uint32_t eseq)
{
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	return __atomic_load_n(&e->seq, __ATOMIC_RELAXED) == (eseq & ~1u);
}

/* Every way at every leaf size of the slot's domain: after way 0 of the smallest missed. */
static __attribute__((noinline)) int translate_other(struct sio_iommu_dev *dev,
						     const struct sio_attach *slot,
						     uint32_t pasid, uint64_t iova,
						     unsigned int access, struct sio_xlate *out)
{
	uint64_t tag, hseed, sizes, val = 0;
	unsigned int lg2 = 0;

	tag = __atomic_load_n(&slot->tag, __ATOMIC_RELAXED);
	hseed = __atomic_load_n(&slot->hseed, __ATOMIC_RELAXED);
	sizes = __atomic_load_n(&slot->sizes, __ATOMIC_RELAXED);
	if (sio_iotlb_lookup(dev->iotlb_ent, dev->iotlb_set_mask, tag, hseed, sizes, iova, &val,
			     &lg2) &&
	    (val & WANT_MASK(access)) == WANT(access))
		return hit(dev, val, lg2, ~((1ULL << lg2) - 1), iova, out);
	return translate_slow(dev, slot, pasid, iova, access, out);
}

/*
 * The hit path of one attachment slot: way 0 of the set of the domain's
 * smallest leaf size, inline; the rest out of line. A blocked slot's tag
 * matches no entry. Anything unusual (a miss, an entry changing under us, a missing
 * right) goes to the miss path, which walks: it counts as a miss. @plain:
 * @access holds only R/W/X bits (a constant, so each caller gets its own
 * copy of this code).
 */
static inline __attribute__((always_inline)) int
translate_slot(struct sio_iommu_dev *dev, const struct sio_attach *slot, uint32_t pasid,
	       uint64_t iova, unsigned int access, struct sio_xlate *out, bool plain)
{
	const struct sio_iotlb_entry *e;
	uint64_t page, val, pkey;
	uint32_t eseq;

	/*
	 * One word gives both the size and the mask: they must agree (the
	 * slot's words may come from different attachments, iommu_priv.h).
	 * pkey = page mask | lg2, so (iova | 63) & pkey is the entry's page key.
	 */
	pkey = __atomic_load_n(&slot->pkey, __ATOMIC_RELAXED);
	page = (iova | SIO_IOTLB_LG2_MASK) & pkey;
	e = sio_iotlb_set_of(dev->iotlb_ent, dev->iotlb_set_mask,
			     __atomic_load_n(&slot->hseed, __ATOMIC_RELAXED), page);
	/*
	 * Fills take the first free way: way 0 is where a hit usually is. The
	 * other ways and sizes are probed out of line.
	 */
	eseq = __atomic_load_n(&e->seq, __ATOMIC_ACQUIRE);
	if (unlikely(__atomic_load_n(&e->page, __ATOMIC_RELAXED) != page) ||
	    unlikely(__atomic_load_n(&e->tag, __ATOMIC_RELAXED) !=
		     __atomic_load_n(&slot->tag, __ATOMIC_RELAXED)))
		return translate_other(dev, slot, pasid, iova, access, out);
	val = __atomic_load_n(&e->val, __ATOMIC_RELAXED);
	if (unlikely(!entry_stable(e, eseq)))
		goto slow;
	/* The flags are in the low bits: 32-bit arithmetic is enough. */
	if (plain ? unlikely(((unsigned int)val & (access | SIO_IOTLB_V_PRIVREQ)) != access)
		  : unlikely((val & WANT_MASK(access)) != WANT(access)))
		goto slow;
	return hit(dev, val, (unsigned int)(pkey & SIO_IOTLB_LG2_MASK),
		   pkey & ~(uint64_t)SIO_IOTLB_LG2_MASK, iova, out);
slow:
	return translate_slow(dev, slot, pasid, iova, access, out);
}

static __attribute__((noinline)) int translate_pasid(struct sio_iommu_dev *dev, uint32_t pasid,
						     uint64_t iova, unsigned int access,
						     struct sio_xlate *out)
{
	const struct sio_attach *slot;

	struct sio_xreq r = { dev, true, pasid, iova, access };
	int ret;

	if (unlikely(!dev->pasid_bits || pasid >= (1u << dev->pasid_bits))) {
		/* An SMMU nested domain at the RID reports C_BAD_SUBSTREAMID itself. */
		if (sio_smmu_translate_ssid(&r, out, &ret))
			return ret;
		sio_stat_inc(dev->stat_idx, SIO_STAT_MISS);
		return sio_xlate_fault(&r, SIO_FAULT_PASID_INVALID, 0, 0, 0, out);
	}
	slot = pasid_slot(dev, pasid);
	/* No domain at the PASID: an SMMU nested domain at the RID serves it with CD[pasid]. */
	if ((!slot || !__atomic_load_n(&slot->domain, __ATOMIC_RELAXED)) &&
	    sio_smmu_translate_ssid(&r, out, &ret))
		return ret;
	if (unlikely(!slot))
		return translate_slow(dev, NULL, pasid, iova, access, out);
	return translate_slot(dev, slot, pasid, iova, access, out, false);
}

/* Requests with a PASID or a PRIV bit, and argument errors. */
static __attribute__((noinline)) int translate_general(struct sio_iommu_dev *dev, bool has_pasid,
						       uint32_t pasid, uint64_t iova,
						       unsigned int access, struct sio_xlate *out)
{
	if (!(access & ACC_RWX))
		return -EINVAL;
	if (has_pasid)
		return translate_pasid(dev, pasid, iova, access, out);
	return translate_slot(dev, &dev->rid_slot, SIO_NO_PASID, iova, access, out, false);
}

int sio_iommu_translate(struct sio_iommu_dev *dev, bool has_pasid, uint32_t pasid, uint64_t iova,
			unsigned int access, struct sio_xlate *out)
{
	/* The common case: no PASID, access in 1..7 (R/W/X only). */
	if (unlikely(has_pasid) || unlikely(access - 1 >= ACC_RWX))
		return translate_general(dev, has_pasid, pasid, iova, access, out);
	return translate_slot(dev, &dev->rid_slot, SIO_NO_PASID, iova, access, out, true);
}
