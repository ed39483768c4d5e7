/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The iommufd selftest's mock format (hw-model.md §3.1 b): a radix table with
 * 2 KiB pages and 4 KiB tables of 512 entries, so shift(l) = 11 + 9 l; level 0
 * maps 2 KiB, level 1 may hold 1 MiB leaves. Input up to 56 bits (1..5
 * levels), output up to 51 bits.
 *
 * Only the page sizes, the aperture and the dirty granularity are observable;
 * the bit layout is ours: V b0, W b1, R b2, LEAF b3 (a 1 MiB leaf at level 1),
 * D b4, OA 50:11 (tables 4 KiB aligned).
 *
 * A PAGE_SIZE page in pgsize_bitmap (4 KiB; 16/64 KiB on some arm64 hosts)
 * has no leaf of its own: map() stores it as 2 KiB leaves, so dirty state is
 * kept per 2 KiB.
 */
#include <errno.h>

#include "pt/pt_format.h"

#define MOCK_V		PT_BIT(0)
#define MOCK_W		PT_BIT(1)
#define MOCK_R		PT_BIT(2)
#define MOCK_LEAF	PT_BIT(3)
#define MOCK_D		PT_BIT(4)
#define MOCK_OA		PT_GENMASK(50, 11)

static int mock_init(const struct sio_pt_cfg *cfg, struct pt_geom *geo)
{
	int rc;

	if (cfg->granule_lg2 && cfg->granule_lg2 != 11)
		return -EINVAL;
	geo->g = 11;
	geo->bits = 9;
	geo->table_lg2 = 12;
	rc = sio_pt_geom_common(cfg, geo, 1, 5, 56, 51);
	if (rc)
		return rc;
	geo->leaf_sizes = pt_level_sizes(geo, 0x3);
	return 0;
}

static bool mock_is_leaf(unsigned int level, uint64_t e)
{
	return !level || ((e & MOCK_LEAF) && level == 1);
}

static enum pt_kind mock_kind(const struct pt_geom *geo, unsigned int level, uint64_t e)
{
	if (!(e & MOCK_V))
		return PT_EMPTY;
	return mock_is_leaf(level, e) ? PT_LEAF : PT_TABLE;
}

static uint64_t mock_table_pa(const struct pt_geom *geo, uint64_t e)
{
	return e & MOCK_OA;
}

static uint64_t mock_leaf_pa(const struct pt_geom *geo, unsigned int level, uint64_t e)
{
	return e & MOCK_OA & ~(PT_BIT(pt_shift(geo, level)) - 1);
}

static uint64_t mock_make_table(const struct pt_geom *geo, unsigned int level, uint64_t pa)
{
	return pa | MOCK_V | MOCK_R | MOCK_W;
}

/* Level 0 holds leaves only; LEAF makes a leaf at level 1 (see mock_kind). */
static void mock_decode(const struct pt_geom *geo, struct pt_decode *dec)
{
	unsigned int l;

	dec->present = MOCK_V;
	dec->table_oa = MOCK_OA;
	for (l = 0; l < PT_MAX_LEVELS; l++) {
		dec->table_mask[l] = l == 1 ? MOCK_LEAF : 0;
		dec->table_val[l] = !l;
	}
}

static uint64_t mock_make_leaf(const struct pt_geom *geo, unsigned int level, uint64_t pa,
			       int prot)
{
	uint64_t e = pa | MOCK_V;

	if (prot & SIO_PT_PROT_READ)
		e |= MOCK_R;
	if (prot & SIO_PT_PROT_WRITE)
		e |= MOCK_W;
	if (level)
		e |= MOCK_LEAF;
	return e;
}

/* OA is one contiguous field and a run stays below 2^oas: adding steps the address. */
static unsigned int mock_fill_leaves(const struct pt_geom *geo, unsigned int level,
				     uint64_t *ep, unsigned int n, uint64_t pa, int prot)
{
	return pt_fill_run(ep, n, mock_make_leaf(geo, level, pa, prot),
			   PT_BIT(pt_shift(geo, level)));
}

static bool mock_dirty_get(const struct pt_geom *geo, uint64_t e)
{
	return e & MOCK_D;
}

static uint64_t mock_dirty_clear(const struct pt_geom *geo, uint64_t e)
{
	return e & ~MOCK_D;
}

static uint64_t mock_dirty_set(const struct pt_geom *geo, uint64_t e)
{
	return e | MOCK_D;
}

static enum sio_pt_fault mock_walk_step(const struct pt_geom *geo, unsigned int level, uint64_t e,
					struct pt_walk_state *st, uint64_t *upd,
					enum pt_kind *kind)
{
	bool leaf = mock_is_leaf(level, e);
	uint64_t rsvd = PT_GENMASK(63, geo->oas);

	if (!(e & MOCK_V))
		return SIO_PT_FAULT_NOT_PRESENT;
	if (!(e & MOCK_R))
		st->perm &= ~SIO_PT_R;
	if (!(e & MOCK_W))
		st->perm &= ~SIO_PT_W;
	if (st->access & ~st->perm & (SIO_PT_R | SIO_PT_W))
		return SIO_PT_FAULT_PERM;
	if (level >= 2)
		rsvd |= MOCK_LEAF;
	if (!leaf)
		rsvd |= PT_BIT(11);
	if (e & rsvd)
		return SIO_PT_FAULT_RESERVED;
	*kind = leaf ? PT_LEAF : PT_TABLE;
	if (leaf && geo->cfg->dirty_tracking) {
		if (st->access & SIO_PT_W)
			*upd |= MOCK_D;
		if (st->set_ad && !(*upd & MOCK_D))
			st->perm &= ~SIO_PT_W;
	}
	return SIO_PT_OK;
}

const struct pt_fmt sio_pt_fmt_mock = {
	.name = "mock",
	.init = mock_init,
	.extra_pgsizes = PT_GENMASK(19, 12),	/* 4 KiB .. 512 KiB */
	.kind = mock_kind,
	.table_pa = mock_table_pa,
	.leaf_pa = mock_leaf_pa,
	.make_table = mock_make_table,
	.decode = mock_decode,
	.make_leaf = mock_make_leaf,
	.fill_leaves = mock_fill_leaves,
	.dirty_get = mock_dirty_get,
	.dirty_clear = mock_dirty_clear,
	.dirty_set = mock_dirty_set,
	.walk_step = mock_walk_step,
};
