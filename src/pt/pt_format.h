/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Internal interface between the generic page-table code (pt.c) and the
 * per-format files (fmt_*.c). Not for use outside src/pt/ except by tests.
 *
 * Geometry. A format has leaf pages of 2^g bytes, tables of 2^table_lg2 bytes
 * holding 8-byte entries, so each level resolves bits = table_lg2 - 3 bits and
 * shift(l) = g + l * bits. For every format but the mock table_lg2 == g; the
 * mock has 2 KiB pages and 4 KiB tables (shift(l) = 11 + 9 l).
 *
 * Input ranges. An input address is valid when it lies in one of the
 * geometry's segments: [0, 2^ias) for most formats, the two canonical halves
 * for x86-64. A range (map, walk) must lie inside one segment.
 */
#ifndef SIO_PT_PT_FORMAT_H
#define SIO_PT_PT_FORMAT_H

#include <stdbool.h>
#include <stdint.h>

#include "pt/pt.h"

#define PT_BIT(n) (1ULL << (n))
/* Bits h..l inclusive, h >= l. */
#define PT_GENMASK(h, l) ((~0ULL >> (63 - (h))) & (~0ULL << (l)))

#define PT_MAX_LEVELS 6

enum pt_kind {
	PT_EMPTY,	/* not present: nothing mapped below this entry */
	PT_TABLE,	/* points to the next-lower table */
	PT_LEAF,	/* maps 2^shift(level) bytes */
};

struct pt_fmt;

/*
 * kind() and table_pa() as data, for map/unmap/lookup's descent through the
 * tables this layer wrote (no call per level). Filled once by the format's
 * decode(); must agree with kind() and table_pa() on every entry.
 *  - e & present == 0: PT_EMPTY;
 *  - else at level l: PT_TABLE iff (e & table_mask[l]) == table_val[l]
 *    (mask 0, value 1: never a table; mask 0, value 0: always), else PT_LEAF;
 *  - a table's address is e & table_oa, or table_pa(e) when table_oa is 0.
 */
struct pt_decode {
	uint64_t present;
	uint64_t table_mask[PT_MAX_LEVELS], table_val[PT_MAX_LEVELS];
	uint64_t table_oa;
};

struct pt_geom {
	const struct pt_fmt *fmt;
	const struct sio_pt_cfg *cfg;	/* the flags (sre, hw_af, ...) */
	unsigned int g;			/* leaf page size lg2 */
	unsigned int bits;		/* index bits per level */
	unsigned int table_lg2;		/* table size lg2 */
	unsigned int levels;
	unsigned int ias, oas;
	unsigned int nseg;		/* 1, or 2 for a sign-extended input */
	uint64_t seg_first[2], seg_last[2];
	uint64_t leaf_sizes;		/* leaves map() may write (1 << shift(l)) */
};

/* Walk state threaded through a format's walk_step over the levels. */
struct pt_walk_state {
	unsigned int access;		/* enum sio_pt_access requested */
	unsigned int perm;		/* rights granted so far (R|W|X) */
	bool set_ad;			/* the caller will write back *upd */
};

struct pt_fmt {
	const char *name;
	/*
	 * Validate @cfg and fill @geo (except fmt/cfg, set by the caller), with
	 * defaults for zero levels/ias/oas. Return 0 or -EINVAL.
	 */
	int (*init)(const struct sio_pt_cfg *cfg, struct pt_geom *geo);
	/* Page sizes a caller may put in pgsize_bitmap beyond geo->leaf_sizes:
	 * they are stored as several leaves of the smallest size (mock: 4 KiB). */
	uint64_t extra_pgsizes;

	/* Decoding of entries this layer wrote (map, unmap, iova_to_phys). */
	enum pt_kind (*kind)(const struct pt_geom *geo, unsigned int level, uint64_t e);
	uint64_t (*table_pa)(const struct pt_geom *geo, uint64_t e);
	uint64_t (*leaf_pa)(const struct pt_geom *geo, unsigned int level, uint64_t e);
	uint64_t (*make_table)(const struct pt_geom *geo, unsigned int level, uint64_t pa);
	/* Fill @dec for @geo (see struct pt_decode). */
	void (*decode)(const struct pt_geom *geo, struct pt_decode *dec);
	uint64_t (*make_leaf)(const struct pt_geom *geo, unsigned int level, uint64_t pa,
			      int prot);
	/*
	 * Map's fast path: write the leaves of @level for pa, pa + 2^shift(level),
	 * ... into ep[0], ep[1], ... ep[n - 1] (entries of one table), each with
	 * a release store, stopping before the first non-zero entry. The result
	 * equals make_leaf() of each address. Return the number written (< n:
	 * ep[ret] is non-zero and was left alone). Writer only.
	 */
	unsigned int (*fill_leaves)(const struct pt_geom *geo, unsigned int level, uint64_t *ep,
				    unsigned int n, uint64_t pa, int prot);

	/* Dirty state of a leaf (NULL: the format has none). */
	bool (*dirty_get)(const struct pt_geom *geo, uint64_t e);
	uint64_t (*dirty_clear)(const struct pt_geom *geo, uint64_t e);
	uint64_t (*dirty_set)(const struct pt_geom *geo, uint64_t e);

	/*
	 * One level of sio_pt_walk() on an entry of unknown origin: apply the
	 * format's checks in its architectural order, narrow st->perm, and set
	 * *kind to PT_TABLE or PT_LEAF. *upd receives the entry with the A/D
	 * bits the access would set (== e when none); the caller writes it back
	 * with CAS only when st->set_ad. Level 0 never yields PT_TABLE.
	 * Return SIO_PT_OK or the fault.
	 */
	enum sio_pt_fault (*walk_step)(const struct pt_geom *geo, unsigned int level, uint64_t e,
				       struct pt_walk_state *st, uint64_t *upd,
				       enum pt_kind *kind);
};

extern const struct pt_fmt sio_pt_fmt_vtd_ss;
extern const struct pt_fmt sio_pt_fmt_x86_64;
extern const struct pt_fmt sio_pt_fmt_arm_s1;
extern const struct pt_fmt sio_pt_fmt_arm_s2;
extern const struct pt_fmt sio_pt_fmt_mock;

static inline unsigned int pt_shift(const struct pt_geom *geo, unsigned int level)
{
	return geo->g + level * geo->bits;
}

/* Highest input address bit + 1 that @levels levels resolve. */
static inline unsigned int pt_reach(unsigned int g, unsigned int bits, unsigned int levels)
{
	return g + levels * bits;
}

static inline enum pt_kind pt_decode_kind(const struct pt_decode *dec, unsigned int level,
					  uint64_t e)
{
	if (!(e & dec->present))
		return PT_EMPTY;
	return (e & dec->table_mask[level]) == dec->table_val[level] ? PT_TABLE : PT_LEAF;
}

static inline uint64_t pt_decode_table(const struct pt_decode *dec, const struct pt_geom *geo,
				       uint64_t e)
{
	return dec->table_oa ? e & dec->table_oa : geo->fmt->table_pa(geo, e);
}

/*
 * The loop of most fill_leaves(): store @e, e + @step, ... into ep[0..n-1]
 * until a non-zero entry. Only for encodings where adding @step to a leaf
 * adds it to the output address (a contiguous OA field that the run cannot
 * carry out of). A relaxed load suffices: only the writer, which is running
 * this, turns a zero entry non-zero.
 */
static inline unsigned int pt_fill_run(uint64_t *ep, unsigned int n, uint64_t e, uint64_t step)
{
	unsigned int i;

	for (i = 0; i < n; i++, e += step) {
		if (__atomic_load_n(&ep[i], __ATOMIC_RELAXED))
			break;
		__atomic_store_n(&ep[i], e, __ATOMIC_RELEASE);
	}
	return i;
}

/* Leaf sizes of the levels in @levels_mask (bit l = level l) that exist in @geo. */
static inline uint64_t pt_level_sizes(const struct pt_geom *geo, unsigned int levels_mask)
{
	uint64_t sizes = 0;
	unsigned int l;

	for (l = 0; l < geo->levels; l++)
		if ((levels_mask & (1u << l)) && pt_shift(geo, l) < 64)
			sizes |= PT_BIT(pt_shift(geo, l));
	return sizes;
}

/*
 * Shared defaults for init(): derive levels from ias or ias from levels
 * (capped at @max_ias), check ias against the reach of the levels and oas
 * against @max_oas, and set a single segment [0, 2^ias).
 */
int sio_pt_geom_common(const struct sio_pt_cfg *cfg, struct pt_geom *geo,
		       unsigned int min_levels, unsigned int max_levels,
		       unsigned int max_ias, unsigned int max_oas);

/* Test and statistics hook: table counts of a live struct sio_pt. */
struct sio_pt_stats {
	uint64_t tables_live;		/* allocated, not yet freed (incl. deferred) */
	uint64_t tables_deferred;	/* unlinked, waiting for sio_pt_free_deferred() */
};
void sio_pt_get_stats(const struct sio_pt *pt, struct sio_pt_stats *st);

/*
 * Test hooks for the per-table present counts (pt.c). The count of the table
 * at @table (a table of @pt, linked or deferred). Caller serialised with
 * map/unmap like they are.
 */
unsigned int sio_pt_table_present(const struct sio_pt *pt, uint64_t table);
/*
 * Check the count of every linked and deferred table against its entries.
 * Return: the number of tables whose count is wrong (0: consistent).
 */
unsigned int sio_pt_check_counts(const struct sio_pt *pt);

#endif /* SIO_PT_PT_FORMAT_H */
