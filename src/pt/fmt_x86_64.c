/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * x86-64 / VT-d first-stage format (hw-model.md §1.5, §5.2).
 *
 * Same radix as VT-d SS; 4 levels (48-bit) or 5 levels (57-bit), input
 * addresses sign-extended (canonical). P b0, R/W b1, U/S b2, A b5, D b6,
 * PS b7 (leaf at levels 1 and 2), XD b63, OA 51:12; bits 63:52 are ignored
 * by the reserved-bit check (so XD is never reserved).
 *
 * Walk order (QEMU vtd_iova_to_fspte): canonical check (generic, before the
 * walk) → per level: not present → U/S → R/W (and XD) → reserved → set A,
 * and D in the leaf on a write. A request without SIO_PT_PRIV is a user
 * request and needs U/S = 1 at every level; a supervisor request (PRIV with
 * cfg.sre) skips the U/S check and ignores R/W unless cfg.wpe.
 *
 * A U/S fault is reported as SIO_PT_FAULT_PERM with res->perm still holding
 * every requested right (the level's R/W and XD are not applied yet); a
 * R/W or XD fault leaves the failed right out of res->perm.
 */
#include <errno.h>

#include "pt/pt_format.h"

#define X86_P		PT_BIT(0)
#define X86_RW		PT_BIT(1)
#define X86_US		PT_BIT(2)
#define X86_A		PT_BIT(5)
#define X86_D		PT_BIT(6)
#define X86_PS		PT_BIT(7)
#define X86_XD		PT_BIT(63)
#define X86_OA		PT_GENMASK(51, 12)

static int x86_init(const struct sio_pt_cfg *cfg, struct pt_geom *geo)
{
	int rc;

	if (cfg->granule_lg2 && cfg->granule_lg2 != 12)
		return -EINVAL;
	geo->g = 12;
	geo->bits = 9;
	geo->table_lg2 = 12;
	rc = sio_pt_geom_common(cfg, geo, 4, 5, 57, 52);
	if (rc)
		return rc;
	/* The canonical split needs the full width of the levels. */
	if (geo->ias != pt_reach(geo->g, geo->bits, geo->levels))
		return -EINVAL;
	geo->nseg = 2;
	geo->seg_first[0] = 0;
	geo->seg_last[0] = PT_BIT(geo->ias - 1) - 1;
	geo->seg_first[1] = ~0ULL << (geo->ias - 1);
	geo->seg_last[1] = ~0ULL;
	geo->leaf_sizes = pt_level_sizes(geo, 0x7);
	return 0;
}

static bool x86_is_leaf(unsigned int level, uint64_t e)
{
	return !level || ((e & X86_PS) && level <= 2);
}

static enum pt_kind x86_kind(const struct pt_geom *geo, unsigned int level, uint64_t e)
{
	if (!(e & X86_P))
		return PT_EMPTY;
	return x86_is_leaf(level, e) ? PT_LEAF : PT_TABLE;
}

static uint64_t x86_table_pa(const struct pt_geom *geo, uint64_t e)
{
	return e & X86_OA;
}

static uint64_t x86_leaf_pa(const struct pt_geom *geo, unsigned int level, uint64_t e)
{
	return e & X86_OA & ~(PT_BIT(pt_shift(geo, level)) - 1);
}

/* Tables grant everything; the leaf decides. A and D are never preset. */
static uint64_t x86_make_table(const struct pt_geom *geo, unsigned int level, uint64_t pa)
{
	return pa | X86_P | X86_RW | X86_US;
}

/* Level 0 holds leaves only; PS makes a leaf at levels 1 and 2 (see x86_kind). */
static void x86_decode(const struct pt_geom *geo, struct pt_decode *dec)
{
	unsigned int l;

	dec->present = X86_P;
	dec->table_oa = X86_OA;
	for (l = 0; l < PT_MAX_LEVELS; l++) {
		dec->table_mask[l] = l == 1 || l == 2 ? X86_PS : 0;
		dec->table_val[l] = !l;
	}
}

static uint64_t x86_make_leaf(const struct pt_geom *geo, unsigned int level, uint64_t pa,
			      int prot)
{
	uint64_t e = pa | X86_P;

	if (prot & SIO_PT_PROT_WRITE)
		e |= X86_RW;
	if (prot & SIO_PT_PROT_USER)
		e |= X86_US;
	if (prot & SIO_PT_PROT_NOEXEC)
		e |= X86_XD;
	if (level)
		e |= X86_PS;
	return e;
}

/* OA is one contiguous field and a run stays below 2^oas: adding steps the address. */
static unsigned int x86_fill_leaves(const struct pt_geom *geo, unsigned int level,
				    uint64_t *ep, unsigned int n, uint64_t pa, int prot)
{
	return pt_fill_run(ep, n, x86_make_leaf(geo, level, pa, prot),
			   PT_BIT(pt_shift(geo, level)));
}

static bool x86_dirty_get(const struct pt_geom *geo, uint64_t e)
{
	return e & X86_D;
}

static uint64_t x86_dirty_clear(const struct pt_geom *geo, uint64_t e)
{
	return e & ~X86_D;
}

static uint64_t x86_dirty_set(const struct pt_geom *geo, uint64_t e)
{
	return e | X86_D;
}

static uint64_t x86_rsvd(const struct pt_geom *geo, unsigned int level, bool leaf)
{
	uint64_t r = 0;

	if (geo->oas < 52)
		r |= PT_GENMASK(51, geo->oas);
	if (level >= 3)
		r |= X86_PS;
	else if (leaf && level == 1)
		r |= PT_GENMASK(20, 13);
	else if (leaf && level == 2)
		r |= PT_GENMASK(29, 13);
	return r;
}

static enum sio_pt_fault x86_walk_step(const struct pt_geom *geo, unsigned int level, uint64_t e,
				       struct pt_walk_state *st, uint64_t *upd,
				       enum pt_kind *kind)
{
	bool super = (st->access & SIO_PT_PRIV) && geo->cfg->sre;
	bool leaf = x86_is_leaf(level, e);

	if (!(e & X86_P))
		return SIO_PT_FAULT_NOT_PRESENT;
	if (!super && !(e & X86_US))
		return SIO_PT_FAULT_PERM;
	if (!(e & X86_RW) && (!super || geo->cfg->wpe))
		st->perm &= ~SIO_PT_W;
	if (e & X86_XD)
		st->perm &= ~SIO_PT_X;
	if (st->access & ~st->perm & (SIO_PT_W | SIO_PT_X))
		return SIO_PT_FAULT_PERM;
	if (e & x86_rsvd(geo, level, leaf))
		return SIO_PT_FAULT_RESERVED;
	*kind = leaf ? PT_LEAF : PT_TABLE;
	*upd |= X86_A;
	if (leaf) {
		if (st->access & SIO_PT_W)
			*upd |= X86_D;
		/* A cached copy is writable only once D is set. */
		if (st->set_ad && !(*upd & X86_D))
			st->perm &= ~SIO_PT_W;
	}
	return SIO_PT_OK;
}

const struct pt_fmt sio_pt_fmt_x86_64 = {
	.name = "x86-64",
	.init = x86_init,
	.kind = x86_kind,
	.table_pa = x86_table_pa,
	.leaf_pa = x86_leaf_pa,
	.make_table = x86_make_table,
	.decode = x86_decode,
	.make_leaf = x86_make_leaf,
	.fill_leaves = x86_fill_leaves,
	.dirty_get = x86_dirty_get,
	.dirty_clear = x86_dirty_clear,
	.dirty_set = x86_dirty_set,
	.walk_step = x86_walk_step,
};
