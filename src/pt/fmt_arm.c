/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ARMv8 VMSAv8-64 stage 1 and stage 2 long descriptors (hw-model.md §2.4,
 * §2.5), granules 4K/16K/64K.
 *
 * Levels. The architecture numbers levels top-down and always ends at level
 * 3; ours are bottom-up from 0, so ARM level = 3 - level. The number of
 * levels follows from ias: ceil((ias - g) / (g - 3)). A single top table is
 * used (no concatenated stage-2 start tables); its unused tail stays zero.
 *
 * Descriptors. Bits 1:0: 0b11 = table (level > 0) or page (level 0); 0b01 =
 * block at level 1 (2M/32M/512M) and, for 4K, level 2 (1G); anything else
 * with bit 0 set is reserved (a translation fault; reported as RESERVED).
 * OA bits 47:shift; with 64K granules OA[51:48] sits in bits 15:12 (FEAT_LPA),
 * for 4K/16K the output is limited to 48 bits (no FEAT_LPA2).
 * Stage 1: AP[1] b6 (ignored, as QEMU does: every request is privileged),
 * AP[2] b7 read-only, AF b10, DBM b51, XN b54; in table descriptors
 * XNTable b60 and APTable[1] b62 (no write below), both ignored with
 * cfg.had (hierarchical attributes disabled).
 * Stage 2: S2AP b7:6 (b6 read, b7 write), AF b10, DBM b51, XN b54.
 *
 * Walk order: invalid → reserved encoding → (table: address size, APTable
 * write check at that level) → leaf: access flag → permission → address
 * size. cfg.hw_af (HA, or S2AFFD for stage 2): AF = 0 does not fault and a
 * walk with set_ad sets it. cfg.hw_dirty (HD): a writable-clean leaf (DBM
 * with AP[2] = 1, or S2AP[1] = 0) is writable, and a write walk with set_ad
 * makes it dirty. map() with dirty tracking writes writable leaves clean.
 */
#include <errno.h>

#include "pt/pt_format.h"

#define ARM_VALID	PT_BIT(0)
#define ARM_TYPE	PT_BIT(1)	/* table or page */
#define ARM_AP1		PT_BIT(6)	/* S1: EL0 access */
#define ARM_AP2		PT_BIT(7)	/* S1: read-only */
#define ARM_S2AP_R	PT_BIT(6)
#define ARM_S2AP_W	PT_BIT(7)
#define ARM_SH_IS	(3ULL << 8)
#define ARM_AF		PT_BIT(10)
#define ARM_DBM		PT_BIT(51)
#define ARM_XN		PT_BIT(54)
#define ARM_XNTABLE	PT_BIT(60)
#define ARM_APTABLE_NW	PT_BIT(62)
#define ARM_S2_MEMATTR	(0xfULL << 2)	/* normal, write-back */

static int arm_init(const struct sio_pt_cfg *cfg, struct pt_geom *geo)
{
	unsigned int g = cfg->granule_lg2 ? cfg->granule_lg2 : 12;
	unsigned int max_addr = g == 16 ? 52 : 48;
	int rc;

	if (g != 12 && g != 14 && g != 16)
		return -EINVAL;
	if (cfg->dirty_tracking && !cfg->hw_dirty)
		return -EINVAL;
	geo->g = g;
	geo->bits = g - 3;
	geo->table_lg2 = g;
	rc = sio_pt_geom_common(cfg, geo, 1, 4, max_addr, max_addr);
	if (rc)
		return rc;
	/* The start level is fixed by the input size. */
	if (geo->levels != (geo->ias - g + geo->bits - 1) / geo->bits)
		return -EINVAL;
	geo->leaf_sizes = pt_level_sizes(geo, g == 12 ? 0x7 : 0x3);
	return 0;
}

static bool arm_block_ok(const struct pt_geom *geo, unsigned int level)
{
	return level == 1 || (level == 2 && geo->g == 12);
}

static uint64_t arm_addr(const struct pt_geom *geo, uint64_t e, unsigned int lo)
{
	uint64_t pa = e & PT_GENMASK(47, lo);

	if (geo->g == 16)
		pa |= ((e >> 12) & 0xf) << 48;
	return pa;
}

static uint64_t arm_encode_addr(const struct pt_geom *geo, uint64_t pa)
{
	uint64_t e = pa & PT_GENMASK(47, 0);

	if (geo->g == 16)
		e |= ((pa >> 48) & 0xf) << 12;
	return e;
}

static enum pt_kind arm_kind(const struct pt_geom *geo, unsigned int level, uint64_t e)
{
	if (!(e & ARM_VALID))
		return PT_EMPTY;
	if (level && (e & ARM_TYPE))
		return PT_TABLE;
	return PT_LEAF;
}

static uint64_t arm_table_pa(const struct pt_geom *geo, uint64_t e)
{
	return arm_addr(geo, e, geo->g);
}

static uint64_t arm_leaf_pa(const struct pt_geom *geo, unsigned int level, uint64_t e)
{
	return arm_addr(geo, e, pt_shift(geo, level));
}

static uint64_t arm_make_table(const struct pt_geom *geo, unsigned int level, uint64_t pa)
{
	return arm_encode_addr(geo, pa) | ARM_VALID | ARM_TYPE;
}

static uint64_t arm_leaf_common(const struct pt_geom *geo, unsigned int level, uint64_t pa,
				int prot)
{
	uint64_t e = arm_encode_addr(geo, pa) | ARM_VALID | ARM_AF | ARM_SH_IS;

	if (!level)
		e |= ARM_TYPE;
	if (prot & SIO_PT_PROT_NOEXEC)
		e |= ARM_XN;
	return e;
}

static uint64_t arm_s1_make_leaf(const struct pt_geom *geo, unsigned int level, uint64_t pa,
				 int prot)
{
	uint64_t e = arm_leaf_common(geo, level, pa, prot);

	if (prot & SIO_PT_PROT_USER)
		e |= ARM_AP1;
	if (!(prot & SIO_PT_PROT_WRITE))
		e |= ARM_AP2;
	else if (geo->cfg->dirty_tracking)
		e |= ARM_AP2 | ARM_DBM;		/* writable-clean */
	return e;
}

static uint64_t arm_s2_make_leaf(const struct pt_geom *geo, unsigned int level, uint64_t pa,
				 int prot)
{
	uint64_t e = arm_leaf_common(geo, level, pa, prot) | ARM_S2_MEMATTR;

	if (prot & SIO_PT_PROT_READ)
		e |= ARM_S2AP_R;
	if (prot & SIO_PT_PROT_WRITE) {
		if (geo->cfg->dirty_tracking)
			e |= ARM_DBM;		/* writable-clean */
		else
			e |= ARM_S2AP_W;
	}
	return e;
}

static bool arm_s1_dirty_get(const struct pt_geom *geo, uint64_t e)
{
	return (e & (ARM_DBM | ARM_AP2)) == ARM_DBM;
}

static uint64_t arm_s1_dirty_clear(const struct pt_geom *geo, uint64_t e)
{
	return (e & ARM_DBM) ? e | ARM_AP2 : e;
}

static uint64_t arm_s1_dirty_set(const struct pt_geom *geo, uint64_t e)
{
	return (e & ARM_DBM) ? e & ~ARM_AP2 : e;
}

static bool arm_s2_dirty_get(const struct pt_geom *geo, uint64_t e)
{
	return (e & (ARM_DBM | ARM_S2AP_W)) == (ARM_DBM | ARM_S2AP_W);
}

static uint64_t arm_s2_dirty_clear(const struct pt_geom *geo, uint64_t e)
{
	return (e & ARM_DBM) ? e & ~ARM_S2AP_W : e;
}

static uint64_t arm_s2_dirty_set(const struct pt_geom *geo, uint64_t e)
{
	return (e & ARM_DBM) ? e | ARM_S2AP_W : e;
}

static enum sio_pt_fault arm_walk_step(const struct pt_geom *geo, unsigned int level, uint64_t e,
				       struct pt_walk_state *st, uint64_t *upd,
				       enum pt_kind *kind, bool s2)
{
	const struct sio_pt_cfg *cfg = geo->cfg;
	bool hd_clean;

	if (!(e & ARM_VALID))
		return SIO_PT_FAULT_NOT_PRESENT;
	if (level && (e & ARM_TYPE)) {
		if (arm_addr(geo, e, geo->g) >> geo->oas)
			return SIO_PT_FAULT_ADDR_SIZE;
		if (!s2 && !cfg->had) {
			if (e & ARM_APTABLE_NW)
				st->perm &= ~SIO_PT_W;
			if (e & ARM_XNTABLE)
				st->perm &= ~SIO_PT_X;
			if (st->access & ~st->perm & (SIO_PT_W | SIO_PT_X))
				return SIO_PT_FAULT_PERM;
		}
		*kind = PT_TABLE;
		return SIO_PT_OK;
	}
	if (!(e & ARM_TYPE) && !arm_block_ok(geo, level))
		return SIO_PT_FAULT_RESERVED;

	/* Access flag before permission. */
	if (!(e & ARM_AF)) {
		if (!cfg->hw_af)
			return SIO_PT_FAULT_ACCESS_FLAG;
		*upd |= ARM_AF;
	}
	hd_clean = cfg->hw_dirty && (e & ARM_DBM);
	if (s2) {
		if (!(e & ARM_S2AP_R))
			st->perm &= ~SIO_PT_R;
		if (!(e & ARM_S2AP_W)) {
			if (!hd_clean)
				st->perm &= ~SIO_PT_W;
			else if (st->access & SIO_PT_W)
				*upd |= ARM_S2AP_W;
		}
	} else if (e & ARM_AP2) {
		if (!hd_clean)
			st->perm &= ~SIO_PT_W;
		else if (st->access & SIO_PT_W)
			*upd &= ~ARM_AP2;
	}
	if (e & ARM_XN)
		st->perm &= ~SIO_PT_X;
	if (st->access & ~st->perm & (SIO_PT_R | SIO_PT_W | SIO_PT_X))
		return SIO_PT_FAULT_PERM;
	if (arm_addr(geo, e, pt_shift(geo, level)) >> geo->oas)
		return SIO_PT_FAULT_ADDR_SIZE;
	*kind = PT_LEAF;
	/* A cached copy is writable only once the leaf is writable-dirty. */
	if (hd_clean && st->set_ad &&
	    (s2 ? !(*upd & ARM_S2AP_W) : !!(*upd & ARM_AP2)))
		st->perm &= ~SIO_PT_W;
	return SIO_PT_OK;
}

static enum sio_pt_fault arm_s1_walk_step(const struct pt_geom *geo, unsigned int level,
					  uint64_t e, struct pt_walk_state *st, uint64_t *upd,
					  enum pt_kind *kind)
{
	return arm_walk_step(geo, level, e, st, upd, kind, false);
}

static enum sio_pt_fault arm_s2_walk_step(const struct pt_geom *geo, unsigned int level,
					  uint64_t e, struct pt_walk_state *st, uint64_t *upd,
					  enum pt_kind *kind)
{
	return arm_walk_step(geo, level, e, st, upd, kind, true);
}

static unsigned int arm_s1_fill_leaves(const struct pt_geom *geo, unsigned int level,
				       uint64_t *ep, unsigned int n, uint64_t pa, int prot);
static unsigned int arm_s2_fill_leaves(const struct pt_geom *geo, unsigned int level,
				       uint64_t *ep, unsigned int n, uint64_t pa, int prot);
static void arm_decode(const struct pt_geom *geo, struct pt_decode *dec);

const struct pt_fmt sio_pt_fmt_arm_s1 = {
	.name = "arm-s1",
	.init = arm_init,
	.kind = arm_kind,
	.table_pa = arm_table_pa,
	.leaf_pa = arm_leaf_pa,
	.make_table = arm_make_table,
	.decode = arm_decode,
	.make_leaf = arm_s1_make_leaf,
	.fill_leaves = arm_s1_fill_leaves,
	.dirty_get = arm_s1_dirty_get,
	.dirty_clear = arm_s1_dirty_clear,
	.dirty_set = arm_s1_dirty_set,
	.walk_step = arm_s1_walk_step,
};

const struct pt_fmt sio_pt_fmt_arm_s2 = {
	.name = "arm-s2",
	.init = arm_init,
	.kind = arm_kind,
	.table_pa = arm_table_pa,
	.leaf_pa = arm_leaf_pa,
	.make_table = arm_make_table,
	.decode = arm_decode,
	.make_leaf = arm_s2_make_leaf,
	.fill_leaves = arm_s2_fill_leaves,
	.dirty_get = arm_s2_dirty_get,
	.dirty_clear = arm_s2_dirty_clear,
	.dirty_set = arm_s2_dirty_set,
	.walk_step = arm_s2_walk_step,
};

/*
 * map()'s run of leaves. With 64K granules OA[51:48] sits in bits 15:12, apart
 * from OA[47:shift]: adding the leaf size to an entry steps its address only
 * up to the next 2^48 boundary of the output, where the next entry is encoded
 * afresh. (With 4K/16K granules the output stays below 2^48.)
 */
static unsigned int arm_fill_leaves(const struct pt_geom *geo, unsigned int level, uint64_t *ep,
				    unsigned int n, uint64_t pa, int prot,
				    uint64_t (*make_leaf)(const struct pt_geom *, unsigned int,
							  uint64_t, int))
{
	unsigned int shift = pt_shift(geo, level), done = 0;

	while (done < n) {
		uint64_t room = (PT_BIT(48) - (pa & (PT_BIT(48) - 1))) >> shift;
		unsigned int m = (unsigned int)(room < n - done ? room : n - done);
		unsigned int got = pt_fill_run(ep + done, m, make_leaf(geo, level, pa, prot),
					       PT_BIT(shift));

		done += got;
		if (got < m)
			break;
		pa += (uint64_t)m << shift;
	}
	return done;
}

static unsigned int arm_s1_fill_leaves(const struct pt_geom *geo, unsigned int level,
				       uint64_t *ep, unsigned int n, uint64_t pa, int prot)
{
	return arm_fill_leaves(geo, level, ep, n, pa, prot, arm_s1_make_leaf);
}

static unsigned int arm_s2_fill_leaves(const struct pt_geom *geo, unsigned int level,
				       uint64_t *ep, unsigned int n, uint64_t pa, int prot)
{
	return arm_fill_leaves(geo, level, ep, n, pa, prot, arm_s2_make_leaf);
}

/*
 * arm_kind() and arm_table_pa() as data: bits 1:0 = 0b11 above level 0 is a
 * table. With 64K granules a table address also has bits 51:48 in bits 15:12,
 * which no mask expresses: table_pa() is called.
 */
static void arm_decode(const struct pt_geom *geo, struct pt_decode *dec)
{
	unsigned int l;

	dec->present = ARM_VALID;
	dec->table_oa = geo->g == 16 ? 0 : PT_GENMASK(47, geo->g);
	for (l = 0; l < PT_MAX_LEVELS; l++) {
		dec->table_mask[l] = l ? ARM_TYPE : 0;
		dec->table_val[l] = l ? ARM_TYPE : 1;
	}
}
