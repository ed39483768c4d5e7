/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * VT-d second-stage format (hw-model.md §1.4, scalable mode).
 *
 * 512 × 8-byte entries per 4 KiB table, 3..5 levels (39/48/57-bit input).
 * R b0, W b1, PS b7 (leaf at levels 1 and 2: 2 MiB, 1 GiB), A b8, D b9,
 * SNP b11 (allowed in leaves: scalable mode), TM b62, OA 51:12.
 * There is no present bit: an entry is valid when R|W is set.
 *
 * Walk order per level: not valid → missing requested right → reserved bits
 * (bits [51:oas], TM, and the level's mask) → A/D update. Accessed and dirty
 * bits are written only with dirty tracking (the PASID entry's SSADE).
 */
#include <errno.h>

#include "pt/pt_format.h"

#define VTD_R		PT_BIT(0)
#define VTD_W		PT_BIT(1)
#define VTD_PS		PT_BIT(7)
#define VTD_A		PT_BIT(8)
#define VTD_D		PT_BIT(9)
#define VTD_SNP		PT_BIT(11)
#define VTD_TM		PT_BIT(62)
#define VTD_OA		PT_GENMASK(51, 12)

static int vtd_init(const struct sio_pt_cfg *cfg, struct pt_geom *geo)
{
	int rc;

	if (cfg->granule_lg2 && cfg->granule_lg2 != 12)
		return -EINVAL;
	geo->g = 12;
	geo->bits = 9;
	geo->table_lg2 = 12;
	rc = sio_pt_geom_common(cfg, geo, 3, 5, 57, 52);
	if (rc)
		return rc;
	geo->leaf_sizes = pt_level_sizes(geo, 0x7);
	return 0;
}

static bool vtd_is_leaf(unsigned int level, uint64_t e)
{
	return !level || ((e & VTD_PS) && level <= 2);
}

static enum pt_kind vtd_kind(const struct pt_geom *geo, unsigned int level, uint64_t e)
{
	if (!(e & (VTD_R | VTD_W)))
		return PT_EMPTY;
	return vtd_is_leaf(level, e) ? PT_LEAF : PT_TABLE;
}

static uint64_t vtd_table_pa(const struct pt_geom *geo, uint64_t e)
{
	return e & VTD_OA;
}

static uint64_t vtd_leaf_pa(const struct pt_geom *geo, unsigned int level, uint64_t e)
{
	return e & VTD_OA & ~(PT_BIT(pt_shift(geo, level)) - 1);
}

static uint64_t vtd_make_table(const struct pt_geom *geo, unsigned int level, uint64_t pa)
{
	return pa | VTD_R | VTD_W;
}

/* Level 0 holds leaves only; PS makes a leaf at levels 1 and 2 (see vtd_kind). */
static void vtd_decode(const struct pt_geom *geo, struct pt_decode *dec)
{
	unsigned int l;

	dec->present = VTD_R | VTD_W;
	dec->table_oa = VTD_OA;
	for (l = 0; l < PT_MAX_LEVELS; l++) {
		dec->table_mask[l] = l == 1 || l == 2 ? VTD_PS : 0;
		dec->table_val[l] = !l;
	}
}

static uint64_t vtd_make_leaf(const struct pt_geom *geo, unsigned int level, uint64_t pa,
			      int prot)
{
	uint64_t e = pa;

	if (prot & SIO_PT_PROT_READ)
		e |= VTD_R;
	if (prot & SIO_PT_PROT_WRITE)
		e |= VTD_W;
	if (level)
		e |= VTD_PS;
	return e;
}

/* OA is one contiguous field and a run stays below 2^oas: adding steps the address. */
static unsigned int vtd_fill_leaves(const struct pt_geom *geo, unsigned int level,
				    uint64_t *ep, unsigned int n, uint64_t pa, int prot)
{
	return pt_fill_run(ep, n, vtd_make_leaf(geo, level, pa, prot),
			   PT_BIT(pt_shift(geo, level)));
}

static bool vtd_dirty_get(const struct pt_geom *geo, uint64_t e)
{
	return e & VTD_D;
}

static uint64_t vtd_dirty_clear(const struct pt_geom *geo, uint64_t e)
{
	return e & ~VTD_D;
}

static uint64_t vtd_dirty_set(const struct pt_geom *geo, uint64_t e)
{
	return e | VTD_D;
}

/* Reserved bits of an entry at @level (QEMU's vtd_spte_rsvd* in scalable mode). */
static uint64_t vtd_rsvd(const struct pt_geom *geo, unsigned int level, bool leaf)
{
	uint64_t r = VTD_TM;

	if (geo->oas < 52)
		r |= PT_GENMASK(51, geo->oas);
	if (leaf) {
		if (level == 1)
			r |= PT_GENMASK(20, 12);
		else if (level == 2)
			r |= PT_GENMASK(29, 12);
	} else if (level >= 3) {
		r |= VTD_SNP | VTD_PS;
	} else {
		r |= VTD_SNP;
	}
	return r;
}

static enum sio_pt_fault vtd_walk_step(const struct pt_geom *geo, unsigned int level, uint64_t e,
				       struct pt_walk_state *st, uint64_t *upd,
				       enum pt_kind *kind)
{
	bool leaf = vtd_is_leaf(level, e);

	if (!(e & (VTD_R | VTD_W)))
		return SIO_PT_FAULT_NOT_PRESENT;
	if (!(e & VTD_R))
		st->perm &= ~SIO_PT_R;
	if (!(e & VTD_W))
		st->perm &= ~SIO_PT_W;
	if (st->access & ~st->perm & (SIO_PT_R | SIO_PT_W))
		return SIO_PT_FAULT_PERM;
	if (e & vtd_rsvd(geo, level, leaf))
		return SIO_PT_FAULT_RESERVED;
	*kind = leaf ? PT_LEAF : PT_TABLE;
	if (geo->cfg->dirty_tracking) {
		*upd |= VTD_A;
		if (leaf && (st->access & SIO_PT_W))
			*upd |= VTD_D;
		/* A cached copy is writable only once D is set. */
		if (leaf && st->set_ad && !(*upd & VTD_D))
			st->perm &= ~SIO_PT_W;
	}
	return SIO_PT_OK;
}

const struct pt_fmt sio_pt_fmt_vtd_ss = {
	.name = "vtd-ss",
	.init = vtd_init,
	.kind = vtd_kind,
	.table_pa = vtd_table_pa,
	.leaf_pa = vtd_leaf_pa,
	.make_table = vtd_make_table,
	.decode = vtd_decode,
	.make_leaf = vtd_make_leaf,
	.fill_leaves = vtd_fill_leaves,
	.dirty_get = vtd_dirty_get,
	.dirty_clear = vtd_dirty_clear,
	.dirty_set = vtd_dirty_set,
	.walk_step = vtd_walk_step,
};
