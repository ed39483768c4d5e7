/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The specialised nested walk: an x86-64 first stage (4 or 5 levels, in
 * guest memory) over a VT-d second stage (3..5 levels, softiommu's own
 * tables), with the geometry of both computed once per nested domain.
 *
 * It must give exactly what sio_nest_walk_generic() gives (sio_pt_walk() of
 * stage 1 through sio_nest_read()/sio_nest_cas(), then stage 2 for the
 * output): the same checks in the same order as fmt_x86_64.c and
 * fmt_vtd_ss.c, the same fault, level and entry address, the same A/D
 * updates (guest entries with sio_safe_cas64() through a stage-2 W
 * translation, stage-2 entries only when the parent sets A/D), the same
 * retries when an entry changes under a CAS, and the same walk and load
 * counts. tests/unit/test_nestwalk.c compares the two on random tables.
 *
 * Memory. Stage-2 entries are read with plain acquire loads and updated with
 * a plain CAS: the tables are softiommu's, published with release stores,
 * and a table unlinked by unmap is freed only after a grace period, which
 * the caller's RCU read-side section holds off (pt.c). Stage-1 entries are
 * in the program's memory: each is read with sio_safe_load64(), one acquire
 * load that fails instead of faulting on memory the program took away.
 *
 * Thread safety: no locks; the walk reads immutable domain fields, the
 * parent's dirty flag (relaxed, like the generic walk) and table entries.
 */
#include <errno.h>
#include <string.h>

#include "base/compiler.h"
#include "base/uaccess.h"
#include "iommu/iommu_priv.h"

#define BIT(n)		(1ULL << (n))
#define GENMASK(h, l)	((~0ULL >> (63 - (h))) & (~0ULL << (l)))

#define X86_P		BIT(0)
#define X86_RW		BIT(1)
#define X86_US		BIT(2)
#define X86_A		BIT(5)
#define X86_D		BIT(6)
#define X86_PS		BIT(7)
#define X86_XD		BIT(63)

#define VTD_R		BIT(0)
#define VTD_W		BIT(1)
#define VTD_PS		BIT(7)
#define VTD_A		BIT(8)
#define VTD_D		BIT(9)
#define VTD_SNP		BIT(11)
#define VTD_TM		BIT(62)

#define NW_OA		GENMASK(51, 12)
#define NW_RWX		(SIO_PT_R | SIO_PT_W | SIO_PT_X)
/* pt.c's PT_WALK_MAX_RETRIES: a CAS that keeps failing ends with _AD_UPDATE. */
#define NW_MAX_RETRIES	1024

void sio_nest_geom_init(struct sio_domain *d, const struct sio_pt_cfg *s1)
{
	const struct sio_pt_cfg *s2 = d->parent->pt_cfg;
	struct sio_nest_geom *g = &d->ngeom;

	memset(g, 0, sizeof(*g));
	if (s2->format != SIO_PT_VTD_SS || s1->format != SIO_PT_X86_64)
		return;
	g->s1_sre = s1->sre;
	g->s1_wpe = s1->wpe;
	g->s1_levels = s1->levels;
	g->s1_ias = s1->ias;
	g->s1_rsvd = s1->oas < 52 ? GENMASK(51, s1->oas) : 0;
	g->s2_dirty = s2->dirty_tracking;
	g->s2_levels = s2->levels;
	g->s2_ias = s2->ias;
	g->s2_rsvd = s2->oas < 52 ? GENMASK(51, s2->oas) : 0;
	g->s2_root = d->parent->pt_root;
	g->fast = true;
}

/* One walk's state: the parent's A/D mode and the result being built. */
struct nw {
	const struct sio_domain *p;
	const struct sio_nest_geom *g;
	bool set_ad;
	struct sio_nest_walk *w;
};

static inline unsigned int nw_index(uint64_t a, unsigned int level)
{
	return (unsigned int)(a >> (12 + 9 * level)) & 511;
}

static __attribute__((noinline, cold)) int nw_fault(struct sio_nest_walk *w, unsigned int stage,
						     enum sio_pt_fault f, unsigned int level,
						     uint64_t addr)
{
	w->stage = stage;
	w->reason = sio_pt_fault_reason(f);
	w->level = level;
	w->entry_addr = addr;
	return -EFAULT;
}

/* A stage-2 failure: the fault and the GPA that was being translated. */
static __attribute__((noinline, cold)) int nw_s2_fault(struct sio_nest_walk *w,
							enum sio_fault_reason reason,
							unsigned int level, uint64_t addr,
							uint64_t gpa)
{
	w->stage = 2;
	w->reason = reason;
	w->level = level;
	w->entry_addr = addr;
	w->gpa = gpa;
	return -EFAULT;
}

/* Reserved bits of a VT-d second-stage entry (fmt_vtd_ss.c's vtd_rsvd()). */
static inline uint64_t nw_s2_rsvd(const struct sio_nest_geom *g, unsigned int level, bool leaf)
{
	uint64_t r = VTD_TM | g->s2_rsvd;

	if (leaf) {
		if (level == 1)
			r |= GENMASK(20, 12);
		else if (level == 2)
			r |= GENMASK(29, 12);
	} else if (level >= 3) {
		r |= VTD_SNP | VTD_PS;
	} else {
		r |= VTD_SNP;
	}
	return r;
}

/*
 * Stage 2 of @gpa for @access (sio_nest_s2_xlate() over sio_pt_walk()): 0
 * with the output address, leaf size and rights, or -EFAULT with the
 * stage-2 fault recorded in n->w.
 */
static inline int nw_s2(struct nw *n, uint64_t gpa, unsigned int access, uint64_t *oa,
			unsigned int *lg2, unsigned int *perm)
{
	const struct sio_nest_geom *g = n->g;
	struct sio_nest_walk *w = n->w;
	unsigned int level = g->s2_levels - 1, p = NW_RWX;
	uint64_t table = g->s2_root;

	if (unlikely(gpa < n->p->aperture_start || gpa > n->p->aperture_last))
		return nw_s2_fault(w, SIO_FAULT_APERTURE, 0, 0, gpa);
	w->walks++;
	if (unlikely(gpa >> g->s2_ias))
		return nw_s2_fault(w, SIO_FAULT_RANGE, level, 0, gpa);
	for (;;) {
		uint64_t *ep = (uint64_t *)(uintptr_t)(table + 8ULL * nw_index(gpa, level));
		unsigned int saved = p, retries = 0;
		uint64_t e, upd;
		bool leaf;

retry:
		w->loads++;
		e = __atomic_load_n(ep, __ATOMIC_ACQUIRE);
		leaf = !level || ((e & VTD_PS) && level <= 2);
		if (unlikely(!(e & (VTD_R | VTD_W))))
			return nw_s2_fault(w, SIO_FAULT_NOT_PRESENT, level, (uintptr_t)ep, gpa);
		if (!(e & VTD_R))
			p &= ~SIO_PT_R;
		if (!(e & VTD_W))
			p &= ~SIO_PT_W;
		if (unlikely(access & ~p & (SIO_PT_R | SIO_PT_W)))
			return nw_s2_fault(w, SIO_FAULT_PERM, level, (uintptr_t)ep, gpa);
		if (unlikely(e & nw_s2_rsvd(g, level, leaf)))
			return nw_s2_fault(w, SIO_FAULT_RESERVED, level, (uintptr_t)ep, gpa);
		upd = e;
		if (g->s2_dirty) {
			upd |= VTD_A;
			if (leaf && (access & SIO_PT_W))
				upd |= VTD_D;
			/* A cached copy is writable only once D is set. */
			if (leaf && n->set_ad && !(upd & VTD_D))
				p &= ~SIO_PT_W;
		}
		if (n->set_ad && upd != e) {
			uint64_t old = e;

			if (!__atomic_compare_exchange_n(ep, &old, upd, false, __ATOMIC_SEQ_CST,
							 __ATOMIC_SEQ_CST)) {
				if (++retries < NW_MAX_RETRIES) {
					p = saved;
					goto retry;
				}
				return nw_s2_fault(w, SIO_FAULT_AD_UPDATE, level, (uintptr_t)ep,
						   gpa);
			}
		}
		if (leaf) {
			unsigned int sh = 12 + 9 * level;
			uint64_t mask = BIT(sh) - 1;

			*oa = (upd & NW_OA & ~mask) | (gpa & mask);
			*lg2 = sh;
			*perm = p;
			return 0;
		}
		table = upd & NW_OA;
		level--;
	}
}

/*
 * A guest table entry at host address @hpa: one fault-safe acquire load
 * (pt.c's direct read gives the same value or failure): 0 or an error.
 */
static inline int nw_guest_read(uint64_t hpa, uint64_t *val)
{
	return sio_safe_load64(hpa, val);
}

/* Reserved bits of an x86-64 entry (fmt_x86_64.c's x86_rsvd()). */
static inline uint64_t nw_s1_rsvd(const struct sio_nest_geom *g, unsigned int level, bool leaf)
{
	uint64_t r = g->s1_rsvd;

	if (level >= 3)
		r |= X86_PS;
	else if (leaf && level == 1)
		r |= GENMASK(20, 13);
	else if (leaf && level == 2)
		r |= GENMASK(29, 13);
	return r;
}

int sio_nest_walk_fast(struct sio_domain *d, uint64_t iova, unsigned int access,
		       struct sio_nest_walk *w)
{
	const struct sio_nest_geom *g = &d->ngeom;
	struct sio_domain *p = d->parent;
	struct nw n = { .p = p, .g = g, .w = w };
	bool super = (access & SIO_PT_PRIV) && g->s1_sre;
	unsigned int level = g->s1_levels - 1, perm = NW_RWX, s1_lg2 = 0, s2_lg2 = 0;
	unsigned int s2_perm = 0;
	unsigned int sh = 64 - g->s1_ias;
	uint64_t table = d->s1_root_gpa, s1_oa = 0;

	memset(w, 0, sizeof(*w));
	n.set_ad = p->hw_ad ||
		   (p->dirty_cap && __atomic_load_n(&p->dirty_enabled, __ATOMIC_RELAXED));
	w->walks = 1;
	/* Canonical: bits 63..ias-1 all equal. */
	if (unlikely((uint64_t)((int64_t)(iova << sh) >> sh) != iova))
		return nw_fault(w, 1, SIO_PT_FAULT_RANGE, level, 0);
	for (;;) {
		uint64_t gpa = table + 8ULL * nw_index(iova, level);
		unsigned int saved = perm, retries = 0;
		uint64_t e, upd, hpa = 0;
		bool leaf;
		int rc;

retry:
		w->loads++;
		if (nw_s2(&n, gpa, SIO_PT_R, &hpa, &s2_lg2, &s2_perm))
			return -EFAULT;
		/* A bad host address is a stage-1 table read error, not a stage-2 fault. */
		if (unlikely(nw_guest_read(hpa, &e)))
			return nw_fault(w, 1, SIO_PT_FAULT_TABLE_READ, level, gpa);
		leaf = !level || ((e & X86_PS) && level <= 2);
		if (unlikely(!(e & X86_P)))
			return nw_fault(w, 1, SIO_PT_FAULT_NOT_PRESENT, level, gpa);
		if (unlikely(!super && !(e & X86_US)))
			return nw_fault(w, 1, SIO_PT_FAULT_PERM, level, gpa);
		if (!(e & X86_RW) && (!super || g->s1_wpe))
			perm &= ~SIO_PT_W;
		if (e & X86_XD)
			perm &= ~SIO_PT_X;
		if (unlikely(access & ~perm & (SIO_PT_W | SIO_PT_X)))
			return nw_fault(w, 1, SIO_PT_FAULT_PERM, level, gpa);
		if (unlikely(e & nw_s1_rsvd(g, level, leaf)))
			return nw_fault(w, 1, SIO_PT_FAULT_RESERVED, level, gpa);
		upd = e | X86_A;
		if (leaf) {
			if (access & SIO_PT_W)
				upd |= X86_D;
			/* A cached copy is writable only once D is set. */
			if (!(upd & X86_D))
				perm &= ~SIO_PT_W;
		}
		if (upd != e) {
			uint64_t old = e;

			/*
			 * The update needs stage-2 W: the read's translation when
			 * it granted W (same entry, same page), else a W walk.
			 */
			if (!(s2_perm & SIO_PT_W) &&
			    nw_s2(&n, gpa, SIO_PT_W, &hpa, &s2_lg2, &s2_perm))
				return -EFAULT;
			rc = sio_safe_cas64(hpa, &old, upd);
			if (rc == -EAGAIN && ++retries < NW_MAX_RETRIES) {
				perm = saved;
				goto retry;
			}
			if (unlikely(rc))
				return nw_fault(w, 1, SIO_PT_FAULT_AD_UPDATE, level, gpa);
		}
		if (leaf) {
			uint64_t mask;

			s1_lg2 = 12 + 9 * level;
			mask = BIT(s1_lg2) - 1;
			s1_oa = (upd & NW_OA & ~mask) | (iova & mask);
			break;
		}
		table = upd & NW_OA;
		level--;
	}
	if (nw_s2(&n, s1_oa, access & NW_RWX, &w->pa, &s2_lg2, &s2_perm))
		return -EFAULT;
	w->size_lg2 = s1_lg2 < s2_lg2 ? s1_lg2 : s2_lg2;
	w->perm = perm & s2_perm;
	return 0;
}
