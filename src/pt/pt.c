/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Generic radix page tables: allocation, map, unmap, lookup, dirty tracking
 * and the walker shared by every format (see pt_format.h for the split).
 *
 * Memory ordering (tables softiommu owns):
 *  - Every entry of a linked table is read with an acquire load and written
 *    with a release store or a CAS: walkers run concurrently with the single
 *    writer (map/unmap/dirty calls are serialised by the caller).
 *  - A new table is zeroed with plain stores before it is linked; the release
 *    store of the link orders those stores before any walker's acquire load
 *    of the link, hence before its loads of the new table.
 *  - Walkers may CAS accessed/dirty bits into present entries only; they never
 *    turn a zero entry non-zero. So the writer's emptiness test (all entries
 *    zero) cannot be invalidated by a walker, and a walker's CAS against an
 *    entry the writer cleared fails and re-reads.
 *  - A table unlinked by unmap stays allocated (all zero) until
 *    sio_pt_free_deferred(): a walker that loaded the link before it was
 *    cleared reads "not present" from it, never freed memory.
 *
 * Present counts. Every table is allocated with a struct pt_table_meta right
 * after its 2^table_lg2 bytes. Walkers only index inside the table, so they
 * never read it; only the writer does (plain accesses, serialised by the
 * caller like map/unmap). Invariant: meta.present == the number of non-zero
 * entries of the table. Only the writer turns an entry zero or non-zero
 * (walkers and dirty updates change bits of present entries only), and every
 * such store updates the count with it. Unmap unlinks a table when its count
 * drops to zero, without scanning it.
 */
#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/compiler.h"
#include "base/uaccess.h"
#include "pt/pt.h"
#include "pt/pt_format.h"

struct sio_pt {
	struct sio_pt_cfg cfg;		/* normalised: levels, ias, oas, pgsize_bitmap set */
	struct pt_geom geo;		/* geo.cfg == &cfg */
	struct pt_decode dec;		/* the format's decode() of geo */
	uint64_t *root;
	uint64_t min_pgsize;		/* smallest size of cfg.pgsize_bitmap */
	uint64_t leaf_sizes;		/* leaves map() writes */
	/* Tables unlinked by unmap, freed by sio_pt_free_deferred(). */
	void **deferred;
	size_t ndeferred, deferred_cap;
	uint64_t tables_live;
};

/* Writer-only per-table data; see "Present counts" above. */
struct pt_table_meta {
	uint32_t present;	/* non-zero entries */
};

/*
 * Debug builds (unoptimised, assertions on) check a count that drops to zero
 * against the table's entries: a scan per emptied table.
 */
#if !defined(NDEBUG) && !defined(__OPTIMIZE__)
#define PT_CHECK_EMPTY 1
#else
#define PT_CHECK_EMPTY 0
#endif

/* kind() and table_pa() of entries this layer wrote, without calls. */
static inline enum pt_kind pt_kind_of(const struct sio_pt *pt, unsigned int level, uint64_t e)
{
	return pt_decode_kind(&pt->dec, level, e);
}

static inline uint64_t *pt_child(const struct sio_pt *pt, uint64_t e)
{
	return (uint64_t *)(uintptr_t)pt_decode_table(&pt->dec, &pt->geo, e);
}

static inline uint64_t pt_load(const uint64_t *ep)
{
	return __atomic_load_n(ep, __ATOMIC_ACQUIRE);
}

static inline void pt_store(uint64_t *ep, uint64_t v)
{
	__atomic_store_n(ep, v, __ATOMIC_RELEASE);
}

static inline uint64_t *pt_ptr(uint64_t pa)
{
	return (uint64_t *)(uintptr_t)pa;
}

static inline unsigned int pt_index(const struct pt_geom *geo, uint64_t iova, unsigned int level)
{
	return (unsigned int)(iova >> pt_shift(geo, level)) & ((1u << geo->bits) - 1);
}

static inline uint64_t pt_span_mask(const struct pt_geom *geo, unsigned int level)
{
	return PT_BIT(pt_shift(geo, level)) - 1;
}

/* Index of the segment holding [first, last], or -1. */
static int pt_seg_of(const struct pt_geom *geo, uint64_t first, uint64_t last)
{
	unsigned int s;

	for (s = 0; s < geo->nseg; s++)
		if (first >= geo->seg_first[s] && last <= geo->seg_last[s])
			return (int)s;
	return -1;
}

static const struct pt_fmt *pt_fmt_of(enum sio_pt_format format)
{
	switch (format) {
	case SIO_PT_VTD_SS:
		return &sio_pt_fmt_vtd_ss;
	case SIO_PT_X86_64:
		return &sio_pt_fmt_x86_64;
	case SIO_PT_ARM_S1:
		return &sio_pt_fmt_arm_s1;
	case SIO_PT_ARM_S2:
		return &sio_pt_fmt_arm_s2;
	case SIO_PT_MOCK:
		return &sio_pt_fmt_mock;
	}
	return NULL;
}

static int pt_geom_init(const struct sio_pt_cfg *cfg, struct pt_geom *geo)
{
	const struct pt_fmt *fmt = pt_fmt_of(cfg->format);

	memset(geo, 0, sizeof(*geo));
	if (!fmt)
		return -EINVAL;
	geo->fmt = fmt;
	geo->cfg = cfg;
	return fmt->init(cfg, geo);
}

int sio_pt_geom_common(const struct sio_pt_cfg *cfg, struct pt_geom *geo,
		       unsigned int min_levels, unsigned int max_levels,
		       unsigned int max_ias, unsigned int max_oas)
{
	unsigned int levels = cfg->levels, ias = cfg->ias, oas = cfg->oas;

	if (!levels && !ias)
		return -EINVAL;
	if (!levels) {
		if (ias <= geo->g)
			return -EINVAL;
		levels = (ias - geo->g + geo->bits - 1) / geo->bits;
	}
	if (levels < min_levels || levels > max_levels || levels > PT_MAX_LEVELS)
		return -EINVAL;
	if (!ias)
		ias = sio_min(pt_reach(geo->g, geo->bits, levels), max_ias);
	if (ias <= geo->g || ias > max_ias || ias > pt_reach(geo->g, geo->bits, levels) ||
	    ias > 63)
		return -EINVAL;
	if (!oas)
		oas = max_oas;
	if (oas <= geo->g || oas > max_oas)
		return -EINVAL;
	geo->levels = levels;
	geo->ias = ias;
	geo->oas = oas;
	geo->nseg = 1;
	geo->seg_first[0] = 0;
	geo->seg_last[0] = PT_BIT(ias) - 1;
	return 0;
}

/* ------------------------------------------------------------------------ */
/* Table memory                                                              */

static inline unsigned int pt_nent(const struct pt_geom *geo)
{
	return 1u << geo->bits;
}

static inline struct pt_table_meta *pt_meta(const struct pt_geom *geo, const uint64_t *table)
{
	return (struct pt_table_meta *)((uintptr_t)table + ((size_t)1 << geo->table_lg2));
}

static uint64_t *pt_table_alloc(struct sio_pt *pt, int *err)
{
	size_t size = (size_t)1 << pt->geo.table_lg2;
	void *t;

	/* The table, naturally aligned, then its metadata. */
	if (posix_memalign(&t, size, size + sizeof(struct pt_table_meta))) {
		*err = -ENOMEM;
		return NULL;
	}
	/* The table's address is an output address of its parent entry. */
	if ((uint64_t)(uintptr_t)t >> pt->geo.oas) {
		free(t);
		*err = -ERANGE;
		return NULL;
	}
	memset(t, 0, size + sizeof(struct pt_table_meta));
	pt->tables_live++;
	return t;
}

static void pt_free_tree(struct sio_pt *pt, uint64_t *table, unsigned int level)
{
	const struct pt_geom *geo = &pt->geo;
	unsigned int i, n = pt_nent(geo);

	if (level) {
		for (i = 0; i < n; i++) {
			uint64_t e = pt_load(&table[i]);

			if (pt_kind_of(pt, level, e) == PT_TABLE)
				pt_free_tree(pt, pt_child(pt, e), level - 1);
		}
	}
	free(table);
	pt->tables_live--;
}

static unsigned int pt_count_nonzero(const struct pt_geom *geo, const uint64_t *table)
{
	unsigned int i, n = pt_nent(geo), cnt = 0;

	for (i = 0; i < n; i++)
		cnt += !!pt_load(&table[i]);
	return cnt;
}

/* @add entries of @table turned non-zero (writer only). */
static inline void pt_present_add(const struct pt_geom *geo, uint64_t *table, unsigned int add)
{
	struct pt_table_meta *m = pt_meta(geo, table);

	assert(m->present + add <= pt_nent(geo));
	m->present += add;
}

/* One entry of @table turned zero (writer only). */
static inline void pt_present_dec(const struct pt_geom *geo, uint64_t *table)
{
	struct pt_table_meta *m = pt_meta(geo, table);

	assert(m->present > 0);
	m->present--;
}

static inline bool pt_table_empty(const struct pt_geom *geo, const uint64_t *table)
{
	if (pt_meta(geo, table)->present)
		return false;
	if (PT_CHECK_EMPTY)
		assert(!pt_count_nonzero(geo, table));
	return true;
}

/*
 * Unlink the empty @child from its entry @ep of @table and queue it. When the
 * queue cannot grow the table stays linked: an empty linked table is
 * harmless, and the next unmap or prune over it retries.
 */
static void pt_unlink_table(struct sio_pt *pt, uint64_t *table, uint64_t *ep, uint64_t *child)
{
	if (pt->ndeferred == pt->deferred_cap) {
		size_t cap = pt->deferred_cap ? pt->deferred_cap * 2 : 16;
		void **n = realloc(pt->deferred, cap * sizeof(*n));

		if (!n)
			return;
		pt->deferred = n;
		pt->deferred_cap = cap;
	}
	pt_store(ep, 0);
	pt_present_dec(&pt->geo, table);
	pt->deferred[pt->ndeferred++] = child;
}

void sio_pt_free_deferred(struct sio_pt *pt)
{
	size_t i;

	for (i = 0; i < pt->ndeferred; i++)
		free(pt->deferred[i]);
	pt->tables_live -= pt->ndeferred;
	pt->ndeferred = 0;
}

void sio_pt_get_stats(const struct sio_pt *pt, struct sio_pt_stats *st)
{
	st->tables_live = pt->tables_live;
	st->tables_deferred = pt->ndeferred;
}

unsigned int sio_pt_table_present(const struct sio_pt *pt, uint64_t table)
{
	return pt_meta(&pt->geo, pt_ptr(table))->present;
}

/* Decodes with the format's kind()/table_pa(), not pt->dec: checks that too. */
static unsigned int pt_check_tree(const struct sio_pt *pt, const uint64_t *table,
				  unsigned int level)
{
	const struct pt_geom *geo = &pt->geo;
	unsigned int i, n = pt_nent(geo);
	unsigned int bad = pt_count_nonzero(geo, table) != pt_meta(geo, table)->present;

	if (level) {
		for (i = 0; i < n; i++) {
			uint64_t e = pt_load(&table[i]);

			if (geo->fmt->kind(geo, level, e) == PT_TABLE)
				bad += pt_check_tree(pt, pt_ptr(geo->fmt->table_pa(geo, e)),
						     level - 1);
		}
	}
	return bad;
}

unsigned int sio_pt_check_counts(const struct sio_pt *pt)
{
	unsigned int bad = pt_check_tree(pt, pt->root, pt->geo.levels - 1);
	size_t i;

	for (i = 0; i < pt->ndeferred; i++) {
		const uint64_t *t = pt->deferred[i];

		bad += pt_count_nonzero(&pt->geo, t) || pt_meta(&pt->geo, t)->present;
	}
	return bad;
}

/* ------------------------------------------------------------------------ */
/* Create / destroy                                                          */

int sio_pt_create(const struct sio_pt_cfg *cfg, struct sio_pt **out)
{
	const struct pt_fmt *fmt;
	struct sio_pt *pt;
	uint64_t bitmap;
	int rc;

	pt = calloc(1, sizeof(*pt));
	if (!pt)
		return -ENOMEM;
	pt->cfg = *cfg;
	rc = pt_geom_init(&pt->cfg, &pt->geo);
	if (rc)
		goto err_free;
	fmt = pt->geo.fmt;
	pt->cfg.granule_lg2 = pt->geo.g;
	pt->cfg.levels = pt->geo.levels;
	pt->cfg.ias = pt->geo.ias;
	pt->cfg.oas = pt->geo.oas;
	bitmap = pt->cfg.pgsize_bitmap;
	if (!bitmap)
		bitmap = pt->geo.leaf_sizes;
	rc = -EINVAL;
	if (!bitmap || (bitmap & ~(pt->geo.leaf_sizes | fmt->extra_pgsizes)))
		goto err_free;
	pt->cfg.pgsize_bitmap = bitmap;
	pt->min_pgsize = PT_BIT(sio_ffs64(bitmap));
	pt->leaf_sizes = bitmap & pt->geo.leaf_sizes;
	fmt->decode(&pt->geo, &pt->dec);
	/* Sizes the format has no leaf for are stored as granule-sized leaves. */
	if (bitmap & fmt->extra_pgsizes)
		pt->leaf_sizes |= PT_BIT(pt->geo.g);

	pt->root = pt_table_alloc(pt, &rc);
	if (!pt->root) {
		/* No table fits below 2^oas in this process: unsupported. */
		if (rc == -ERANGE)
			rc = -EINVAL;
		goto err_free;
	}
	*out = pt;
	return 0;

err_free:
	free(pt);
	return rc;
}

void sio_pt_destroy(struct sio_pt *pt)
{
	if (!pt)
		return;
	pt_free_tree(pt, pt->root, pt->geo.levels - 1);
	sio_pt_free_deferred(pt);
	free(pt->deferred);
	free(pt);
}

const struct sio_pt_cfg *sio_pt_config(const struct sio_pt *pt)
{
	return &pt->cfg;
}

uint64_t sio_pt_root(const struct sio_pt *pt)
{
	return (uint64_t)(uintptr_t)pt->root;
}

/* ------------------------------------------------------------------------ */
/* Unmap                                                                     */

struct pt_unmap_ctx {
	struct sio_pt *pt;
	uint64_t unmapped;
	bool prune;		/* only unlink empty tables, leave every leaf */
	bool stop;		/* met a leaf starting before the range */
};

static void pt_unmap_level(struct pt_unmap_ctx *c, uint64_t *table, unsigned int level,
			   uint64_t first, uint64_t last)
{
	const struct pt_geom *geo = &c->pt->geo;
	uint64_t mask = pt_span_mask(geo, level);
	uint64_t a = first;

	for (;;) {
		uint64_t *ep = &table[pt_index(geo, a, level)];
		uint64_t ent_first = a & ~mask, ent_last = a | mask;
		uint64_t chunk_last = sio_min(last, ent_last);
		uint64_t e = pt_load(ep);
		enum pt_kind k = pt_kind_of(c->pt, level, e);

		if (k == PT_LEAF && !c->prune) {
			if (ent_first < a) {
				c->stop = true;
				return;
			}
			pt_store(ep, 0);
			pt_present_dec(geo, table);
			c->unmapped += mask + 1;
		} else if (k == PT_TABLE) {
			uint64_t *child = pt_child(c->pt, e);

			pt_unmap_level(c, child, level - 1, a, chunk_last);
			if (pt_table_empty(geo, child))
				pt_unlink_table(c->pt, table, ep, child);
			if (c->stop)
				return;
		}
		if (chunk_last == last)
			return;
		a = chunk_last + 1;
	}
}

static void pt_unmap_range(struct sio_pt *pt, struct pt_unmap_ctx *c, uint64_t first,
			   uint64_t last)
{
	const struct pt_geom *geo = &pt->geo;
	unsigned int s;

	for (s = 0; s < geo->nseg && !c->stop; s++) {
		uint64_t f = sio_max(first, geo->seg_first[s]);
		uint64_t l = sio_min(last, geo->seg_last[s]);

		if (f <= l)
			pt_unmap_level(c, pt->root, geo->levels - 1, f, l);
	}
}

uint64_t sio_pt_unmap(struct sio_pt *pt, uint64_t iova, uint64_t size)
{
	struct pt_unmap_ctx c = { .pt = pt };
	uint64_t last;

	if (!size)
		return 0;
	if (check_add_overflow(iova, size - 1, &last))
		last = UINT64_MAX;
	pt_unmap_range(pt, &c, iova, last);
	return c.unmapped;
}

/* ------------------------------------------------------------------------ */
/* Map                                                                       */

struct pt_map_ctx {
	struct sio_pt *pt;
	uint64_t delta;		/* pa - iova, modulo 2^64 */
	int prot;
	uint64_t fail;		/* start of the chunk that failed */
};

static int pt_map_level(struct pt_map_ctx *c, uint64_t *table, unsigned int level,
			uint64_t first, uint64_t last)
{
	struct sio_pt *pt = c->pt;
	const struct pt_geom *geo = &pt->geo;
	const struct pt_fmt *fmt = geo->fmt;
	unsigned int shift = pt_shift(geo, level);
	uint64_t mask = pt_span_mask(geo, level);
	/* Leaves of this level fit wherever iova is aligned (pa follows). */
	bool can_leaf = (pt->leaf_sizes & (mask + 1)) && !(c->delta & mask);
	uint64_t a = first;
	int rc;

	for (;;) {
		unsigned int idx = pt_index(geo, a, level);
		uint64_t *ep = &table[idx];
		uint64_t ent_last = a | mask;
		uint64_t chunk_last = sio_min(last, ent_last);
		bool whole = can_leaf && !(a & mask) && chunk_last == ent_last;
		uint64_t e = pt_load(ep);
		enum pt_kind k;

		if (!e && whole) {
			/* The run of whole leaves from here to @last in this table. */
			uint64_t nleaf = ((last - a) >> shift) + (((last - a) & mask) == mask);
			uint64_t room = pt_nent(geo) - idx;
			unsigned int n = (unsigned int)sio_min(nleaf, room);
			unsigned int done = fmt->fill_leaves(geo, level, ep, n, a + c->delta,
							     c->prot);

			pt_present_add(geo, table, done);
			chunk_last = a + (((uint64_t)done << shift) - 1);
			if (chunk_last == last)
				return 0;
			a = chunk_last + 1;
			continue;
		}
		k = pt_kind_of(pt, level, e);
		if (k == PT_LEAF) {
			c->fail = a;
			return -EADDRINUSE;
		}
		if (k == PT_EMPTY && whole) {
			/* Non-zero but not present: not written by this layer. */
			pt_store(ep, fmt->make_leaf(geo, level, a + c->delta, c->prot));
		} else {
			uint64_t *child;

			if (!level) {
				c->fail = a;
				return -ENXIO;
			}
			if (k == PT_EMPTY) {
				child = pt_table_alloc(pt, &rc);
				if (!child) {
					c->fail = a;
					return -ENOMEM;
				}
				/* Release: the zeroed child is visible before the link. */
				pt_store(ep, fmt->make_table(geo, level,
							     (uint64_t)(uintptr_t)child));
				pt_present_add(geo, table, !e);
			} else {
				child = pt_child(pt, e);
			}
			rc = pt_map_level(c, child, level - 1, a, chunk_last);
			if (rc)
				return rc;
		}
		if (chunk_last == last)
			return 0;
		a = chunk_last + 1;
	}
}

int sio_pt_map(struct sio_pt *pt, uint64_t iova, uint64_t pa, uint64_t size, int prot)
{
	const struct pt_geom *geo = &pt->geo;
	struct pt_map_ctx c = { .pt = pt, .delta = pa - iova, .prot = prot };
	uint64_t last, pa_last;
	int rc;

	if (!(prot & (SIO_PT_PROT_READ | SIO_PT_PROT_WRITE)))
		return -EINVAL;
	if (!size || ((iova | pa | size) & (pt->min_pgsize - 1)))
		return -EINVAL;
	if (check_add_overflow(iova, size - 1, &last) || pt_seg_of(geo, iova, last) < 0)
		return -ERANGE;
	if (check_add_overflow(pa, size - 1, &pa_last) || (pa_last >> geo->oas))
		return -ERANGE;

	rc = pt_map_level(&c, pt->root, geo->levels - 1, iova, last);
	if (rc) {
		struct pt_unmap_ctx u = { .pt = pt };

		/* Everything before the failing chunk was mapped by this call. */
		if (c.fail > iova)
			pt_unmap_range(pt, &u, iova, c.fail - 1);
		u.prune = true;
		u.stop = false;
		pt_unmap_range(pt, &u, iova, last);
	}
	return rc;
}

/* ------------------------------------------------------------------------ */
/* Lookup and dirty tracking                                                 */

/* The entry mapping @iova in a softiommu-owned table, and its level. */
static uint64_t *pt_find_leaf(const struct sio_pt *pt, uint64_t iova, unsigned int *levelp)
{
	const struct pt_geom *geo = &pt->geo;
	uint64_t *table = pt->root;
	unsigned int level = geo->levels - 1;

	if (pt_seg_of(geo, iova, iova) < 0)
		return NULL;
	for (;;) {
		uint64_t *ep = &table[pt_index(geo, iova, level)];
		uint64_t e = pt_load(ep);

		switch (pt_kind_of(pt, level, e)) {
		case PT_EMPTY:
			return NULL;
		case PT_LEAF:
			*levelp = level;
			return ep;
		case PT_TABLE:
			break;
		}
		table = pt_child(pt, e);
		level--;
	}
}

int sio_pt_iova_to_phys(const struct sio_pt *pt, uint64_t iova, uint64_t *pa,
			unsigned int *size_lg2)
{
	const struct pt_geom *geo = &pt->geo;
	unsigned int level;
	uint64_t *ep = pt_find_leaf(pt, iova, &level);
	uint64_t e;

	if (!ep)
		return -ENOENT;
	e = pt_load(ep);
	/* Cleared since pt_find_leaf() (a concurrent unmap): not mapped. */
	if (pt_kind_of(pt, level, e) != PT_LEAF)
		return -ENOENT;
	*pa = geo->fmt->leaf_pa(geo, level, e) | (iova & pt_span_mask(geo, level));
	if (size_lg2)
		*size_lg2 = pt_shift(geo, level);
	return 0;
}

/* Apply @op (dirty_clear or dirty_set) to the entry at @ep with CAS retries. */
static void pt_update_dirty(const struct pt_geom *geo, uint64_t *ep, uint64_t e,
			    uint64_t (*op)(const struct pt_geom *, uint64_t))
{
	for (;;) {
		uint64_t n;

		if (!e)
			return;
		n = op(geo, e);
		if (n == e)
			return;
		/* A walker may set A/D concurrently: retry on the fresh value. */
		if (__atomic_compare_exchange_n(ep, &e, n, false, __ATOMIC_ACQ_REL,
						__ATOMIC_ACQUIRE))
			return;
	}
}

struct pt_dirty_ctx {
	const struct sio_pt *pt;
	const struct pt_geom *geo;
	bool no_clear;
	void (*fn)(void *arg, uint64_t iova, uint64_t size);
	void *arg;
};

static void pt_dirty_level(struct pt_dirty_ctx *c, uint64_t *table, unsigned int level,
			   uint64_t first, uint64_t last)
{
	const struct pt_geom *geo = c->geo;
	uint64_t mask = pt_span_mask(geo, level);
	uint64_t a = first;

	for (;;) {
		uint64_t *ep = &table[pt_index(geo, a, level)];
		uint64_t chunk_last = sio_min(last, a | mask);
		uint64_t e = pt_load(ep);

		switch (pt_kind_of(c->pt, level, e)) {
		case PT_EMPTY:
			break;
		case PT_LEAF:
			if (geo->fmt->dirty_get(geo, e)) {
				c->fn(c->arg, a & ~mask, mask + 1);
				if (!c->no_clear)
					pt_update_dirty(geo, ep, e, geo->fmt->dirty_clear);
			}
			break;
		case PT_TABLE:
			pt_dirty_level(c, pt_child(c->pt, e), level - 1, a, chunk_last);
			break;
		}
		if (chunk_last == last)
			return;
		a = chunk_last + 1;
	}
}

int sio_pt_read_and_clear_dirty(struct sio_pt *pt, uint64_t iova, uint64_t size, bool no_clear,
				void (*fn)(void *arg, uint64_t iova, uint64_t size), void *arg)
{
	const struct pt_geom *geo = &pt->geo;
	struct pt_dirty_ctx c = {
		.pt = pt, .geo = geo, .no_clear = no_clear, .fn = fn, .arg = arg,
	};
	uint64_t last;
	unsigned int s;

	if (!pt->cfg.dirty_tracking || !geo->fmt->dirty_get)
		return -EOPNOTSUPP;
	if (!size)
		return 0;
	if (check_add_overflow(iova, size - 1, &last))
		last = UINT64_MAX;
	for (s = 0; s < geo->nseg; s++) {
		uint64_t f = sio_max(iova, geo->seg_first[s]);
		uint64_t l = sio_min(last, geo->seg_last[s]);

		if (f <= l)
			pt_dirty_level(&c, pt->root, geo->levels - 1, f, l);
	}
	return 0;
}

int sio_pt_set_dirty(struct sio_pt *pt, uint64_t iova)
{
	const struct pt_geom *geo = &pt->geo;
	unsigned int level;
	uint64_t *ep;

	if (!pt->cfg.dirty_tracking || !geo->fmt->dirty_set)
		return -EOPNOTSUPP;
	ep = pt_find_leaf(pt, iova, &level);
	if (!ep)
		return -ENOENT;
	pt_update_dirty(geo, ep, pt_load(ep), geo->fmt->dirty_set);
	return 0;
}

/* ------------------------------------------------------------------------ */
/* Walk                                                                      */

static int pt_direct_read(void *ctx, uint64_t addr, uint64_t *val)
{
	uint64_t probe;
	int rc;

	(void)ctx;
	if ((addr & 7) || addr > (uint64_t)UINTPTR_MAX - 7)
		return -EFAULT;
	/*
	 * The safe copy proves the entry readable (a bad address fails, never
	 * faults) but may copy bytewise (aarch64, syscall mode), so the value
	 * comes from a second, single-copy-atomic acquire load that pairs with
	 * the writer's release stores. Memory a walker may read is not unmapped
	 * under it (deferred freeing), so the load cannot fault.
	 */
	rc = sio_safe_memcpy(&probe, (const void *)(uintptr_t)addr, sizeof(probe));
	if (rc)
		return rc;
	*val = __atomic_load_n(pt_ptr(addr), __ATOMIC_ACQUIRE);
	return 0;
}

static int pt_direct_cas(void *ctx, uint64_t addr, uint64_t old, uint64_t new_val)
{
	int rc;

	(void)ctx;
	/*
	 * A bad, read-only or misaligned entry fails (then the walk reports
	 * _AD_UPDATE), never faults: the entry may be in the program's memory.
	 */
	rc = sio_safe_cas64(addr, &old, new_val);
	return rc == -EINVAL ? -EFAULT : rc;
}

const struct sio_pt_mem sio_pt_mem_direct = {
	.read = pt_direct_read,
	.cas = pt_direct_cas,
	.ctx = NULL,
};

/* A @mem->cas that keeps reporting a change ends the walk with _AD_UPDATE. */
#define PT_WALK_MAX_RETRIES 1024

static int pt_walk_fault(struct sio_pt_walk_result *res, enum sio_pt_fault fault,
			 unsigned int level, uint64_t addr)
{
	res->fault = fault;
	res->level = level;
	res->fault_entry_addr = addr;
	return -EFAULT;
}

int sio_pt_walk(const struct sio_pt_cfg *cfg, uint64_t root, const struct sio_pt_mem *mem,
		uint64_t iova, unsigned int access, bool set_ad, struct sio_pt_walk_result *res)
{
	struct pt_walk_state st = {
		.access = access,
		.perm = SIO_PT_R | SIO_PT_W | SIO_PT_X,
		.set_ad = set_ad,
	};
	struct pt_geom geo;
	unsigned int level;
	uint64_t table = root;

	memset(res, 0, sizeof(*res));
	if (pt_geom_init(cfg, &geo)) {
		res->fault = SIO_PT_FAULT_RANGE;
		return -EINVAL;
	}
	level = geo.levels - 1;
	if (pt_seg_of(&geo, iova, iova) < 0)
		return pt_walk_fault(res, SIO_PT_FAULT_RANGE, level, 0);

	for (;;) {
		uint64_t addr = table + 8ULL * pt_index(&geo, iova, level);
		struct pt_walk_state saved = st;
		unsigned int retries = 0;
		enum pt_kind kind = PT_LEAF;
		enum sio_pt_fault fault;
		uint64_t e, upd;
		int rc;

retry:
		res->loads++;
		if (mem->read(mem->ctx, addr, &e))
			return pt_walk_fault(res, SIO_PT_FAULT_TABLE_READ, level, addr);
		upd = e;
		fault = geo.fmt->walk_step(&geo, level, e, &st, &upd, &kind);
		if (fault) {
			res->perm = st.perm & (SIO_PT_R | SIO_PT_W | SIO_PT_X);
			return pt_walk_fault(res, fault, level, addr);
		}
		if (set_ad && upd != e) {
			rc = mem->cas(mem->ctx, addr, e, upd);
			/* The entry changed under us: decode it afresh (bounded). */
			if (rc == -EAGAIN && ++retries < PT_WALK_MAX_RETRIES) {
				st = saved;
				goto retry;
			}
			if (rc)
				return pt_walk_fault(res, SIO_PT_FAULT_AD_UPDATE, level, addr);
		}
		if (kind == PT_LEAF) {
			unsigned int sh = pt_shift(&geo, level);

			res->oa = geo.fmt->leaf_pa(&geo, level, upd) |
				  (iova & (PT_BIT(sh) - 1));
			res->size_lg2 = sh;
			res->perm = st.perm & (SIO_PT_R | SIO_PT_W | SIO_PT_X);
			res->level = level;
			return 0;
		}
		table = geo.fmt->table_pa(&geo, upd);
		level--;
	}
}
