/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ARM VMSAv8-64 stage 1 and stage 2 (src/pt/fmt_arm.c) against hw-model.md
 * §2.4–2.5: levels derived from ias for 4K/16K/64K granules, descriptor
 * encoding (page/block/table, AP, S2AP, AF, XN, 52-bit OA with 64K), reserved
 * encodings, the leaf check order (access flag, permission, address size),
 * APTable/XNTable, hardware AF (HA/S2AFFD) and DBM dirty state (HD).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "pt_test_util.h"

#define VALID	(1ULL << 0)
#define TYPE	(1ULL << 1)
#define AP1	(1ULL << 6)
#define AP2	(1ULL << 7)
#define S2R	(1ULL << 6)
#define S2W	(1ULL << 7)
#define SH	(3ULL << 8)
#define AF	(1ULL << 10)
#define DBM	(1ULL << 51)
#define XN	(1ULL << 54)
#define XNT	(1ULL << 60)
#define APT_NW	(1ULL << 62)
#define ATTR_MASK (0xfffULL | (0xfffULL << 52))

static struct sio_pt *arm(enum sio_pt_format f, unsigned int g, unsigned int ias,
			  unsigned int oas)
{
	struct sio_pt_cfg cfg = { .format = f, .granule_lg2 = g, .ias = ias, .oas = oas };

	return pt_new(&cfg);
}

static struct sio_pt *arm_cfg(struct sio_pt_cfg cfg)
{
	return pt_new(&cfg);
}

static struct sio_pt_walk_result walk_fault(struct sio_pt *pt, uint64_t iova,
					    unsigned int access, enum sio_pt_fault fault,
					    unsigned int level)
{
	struct sio_pt_walk_result res;

	assert_int_equal(pt_walk(pt, iova, access, false, &res), -EFAULT);
	assert_int_equal(res.fault, fault);
	assert_int_equal(res.level, level);
	return res;
}

static struct sio_pt_walk_result walk_ok(struct sio_pt *pt, uint64_t iova, unsigned int access,
					 uint64_t oa)
{
	struct sio_pt_walk_result res;

	assert_int_equal(pt_walk(pt, iova, access, false, &res), 0);
	assert_int_equal(res.oa, oa);
	return res;
}

static void test_levels_from_ias(void **state)
{
	static const struct { unsigned int g, ias, levels; } t[] = {
		{ 12, 25, 2 }, { 12, 39, 3 }, { 12, 40, 4 }, { 12, 48, 4 },
		{ 14, 25, 1 }, { 14, 36, 2 }, { 14, 47, 3 }, { 14, 48, 4 },
		{ 16, 25, 1 }, { 16, 29, 1 }, { 16, 42, 2 }, { 16, 48, 3 }, { 16, 52, 3 },
	};

	(void)state;
	for (unsigned int f = 0; f < 2; f++) {
		for (unsigned int i = 0; i < ARRAY_SIZE(t); i++) {
			struct sio_pt *pt = arm(f ? SIO_PT_ARM_S2 : SIO_PT_ARM_S1, t[i].g,
						t[i].ias, 0);
			uint64_t g = 1ULL << t[i].g;
			uint64_t top = (1ULL << t[i].ias) - g;
			struct sio_pt_walk_result res;

			assert_int_equal(sio_pt_config(pt)->levels, t[i].levels);
			assert_int_equal(sio_pt_map(pt, top, 3 * g, g, PROT_RW), 0);
			assert_int_equal(sio_pt_map(pt, 0, 5 * g, g, PROT_RW), 0);
			res = walk_ok(pt, top + 8, SIO_PT_R, 3 * g + 8);
			assert_int_equal(res.loads, t[i].levels);
			assert_int_equal(res.size_lg2, t[i].g);
			walk_ok(pt, 16, SIO_PT_W, 5 * g + 16);
			walk_fault(pt, top + g, SIO_PT_R, SIO_PT_FAULT_RANGE, t[i].levels - 1);
			assert_int_equal(sio_pt_map(pt, top + g, 0, g, PROT_RW), -ERANGE);
			sio_pt_destroy(pt);
		}
	}
}

static void test_s1_encoding(void **state)
{
	struct sio_pt *pt = arm(SIO_PT_ARM_S1, 12, 48, 0);
	unsigned int level;

	(void)state;
	assert_int_equal(sio_pt_map(pt, 0x1000, 0x5000, SZ_4K, SIO_PT_PROT_READ), 0);
	assert_int_equal(sio_pt_map(pt, 0x2000, 0x6000, SZ_4K,
				    PROT_RW | SIO_PT_PROT_USER | SIO_PT_PROT_NOEXEC), 0);
	assert_int_equal(sio_pt_map(pt, SZ_2M, SZ_2M, SZ_2M, PROT_RW), 0);
	assert_int_equal(sio_pt_map(pt, SZ_1G, SZ_1G, SZ_1G, SIO_PT_PROT_READ), 0);

	assert_int_equal(ent_get(pt_entry(pt, 0x1000, &level)),
			 0x5000 | VALID | TYPE | AF | SH | AP2);
	assert_int_equal(level, 0);
	assert_int_equal(ent_get(pt_entry(pt, 0x2000, NULL)),
			 0x6000 | VALID | TYPE | AF | SH | AP1 | XN);
	assert_int_equal(ent_get(pt_entry(pt, SZ_2M, &level)), SZ_2M | VALID | AF | SH);
	assert_int_equal(level, 1);
	assert_int_equal(ent_get(pt_entry(pt, SZ_1G, &level)), SZ_1G | VALID | AF | SH | AP2);
	assert_int_equal(level, 2);
	for (level = 3; level >= 1; level--)
		assert_int_equal(ent_get(pt_entry_at(pt, 0x1000, level)) & ATTR_MASK,
				 VALID | TYPE);
	sio_pt_destroy(pt);

	/* 16K: a 32M block at level 1; 64K: a 512M block. */
	pt = arm(SIO_PT_ARM_S1, 14, 47, 0);
	assert_int_equal(sio_pt_map(pt, SZ_32M, SZ_32M, SZ_32M, PROT_RW), 0);
	assert_int_equal(ent_get(pt_entry(pt, SZ_32M, &level)) & 3, VALID);
	assert_int_equal(level, 1);
	check_mapped(pt, SZ_32M, SZ_32M, SZ_32M, 25);
	sio_pt_destroy(pt);
	pt = arm(SIO_PT_ARM_S1, 16, 48, 0);
	assert_int_equal(sio_pt_map(pt, SZ_512M, SZ_512M, SZ_512M, PROT_RW), 0);
	assert_int_equal(ent_get(pt_entry(pt, SZ_512M, &level)) & 3, VALID);
	assert_int_equal(level, 1);
	check_mapped(pt, SZ_512M, SZ_512M, SZ_512M, 29);
	sio_pt_destroy(pt);
}

static void test_64k_52bit_oa(void **state)
{
	struct sio_pt *pt = arm(SIO_PT_ARM_S1, 16, 52, 52);
	uint64_t pa = (1ULL << 50) | (3ULL << 48) | 0x12340000ULL;
	struct sio_pt_walk_result res;
	uint64_t e;

	(void)state;
	assert_int_equal(sio_pt_map(pt, 0x10000, pa, SZ_64K, PROT_RW), 0);
	e = ent_get(pt_entry(pt, 0x10000, NULL));
	assert_int_equal((e >> 12) & 0xf, 0x7);		/* OA[51:48] = 0b0111 */
	assert_int_equal(e & 0x0000ffffffff0000ULL, 0x12340000ULL);
	check_mapped(pt, 0x10000, pa, SZ_64K, 16);
	res = walk_ok(pt, 0x10008, SIO_PT_R, pa + 8);
	assert_int_equal(res.size_lg2, 16);
	/* A 512M block with a high OA. */
	assert_int_equal(sio_pt_map(pt, SZ_512M, (1ULL << 51) | SZ_512M, SZ_512M, PROT_RW), 0);
	check_mapped(pt, SZ_512M, (1ULL << 51) | SZ_512M, SZ_512M, 29);
	assert_int_equal(sio_pt_map(pt, SZ_1G, 1ULL << 52, SZ_64K, PROT_RW), -ERANGE);
	sio_pt_destroy(pt);

	/* With a 48-bit OA the same bits are an address-size fault. */
	pt = arm(SIO_PT_ARM_S2, 16, 48, 48);
	assert_int_equal(sio_pt_map(pt, 0x10000, 0x20000, SZ_64K, PROT_RW), 0);
	assert_int_equal(sio_pt_map(pt, 0x20000, 1ULL << 48, SZ_64K, PROT_RW), -ERANGE);
	{
		uint64_t *ep = pt_entry(pt, 0x10000, NULL);

		ent_set(ep, ent_get(ep) | (1ULL << 12));
		walk_fault(pt, 0x10000, SIO_PT_R, SIO_PT_FAULT_ADDR_SIZE, 0);
	}
	sio_pt_destroy(pt);
}

static void test_s1_access_flag(void **state)
{
	struct sio_pt *pt = arm(SIO_PT_ARM_S1, 12, 48, 0);
	struct sio_pt_cfg cfg = *sio_pt_config(pt);
	struct sio_pt_walk_result res;
	uint64_t *ep;

	(void)state;
	assert_int_equal(sio_pt_map(pt, 0x1000, 0x5000, SZ_4K, SIO_PT_PROT_READ), 0);
	assert_int_equal(sio_pt_map(pt, SZ_2M, SZ_2M, SZ_2M, PROT_RW), 0);
	ep = pt_entry(pt, 0x1000, NULL);
	ent_set(ep, ent_get(ep) & ~AF);
	walk_fault(pt, 0x1000, SIO_PT_R, SIO_PT_FAULT_ACCESS_FLAG, 0);
	/* Access flag before permission (a write to a read-only page). */
	walk_fault(pt, 0x1000, SIO_PT_W, SIO_PT_FAULT_ACCESS_FLAG, 0);
	ep = pt_entry(pt, SZ_2M, NULL);
	ent_set(ep, ent_get(ep) & ~AF);
	walk_fault(pt, SZ_2M + 4, SIO_PT_R, SIO_PT_FAULT_ACCESS_FLAG, 1);
	/* Even with set_ad, without HA the flag is not set. */
	assert_int_equal(pt_walk(pt, SZ_2M, SIO_PT_R, true, &res), -EFAULT);
	assert_int_equal(ent_get(ep) & AF, 0);

	/* Same table walked with HA: no fault; set_ad sets AF, a probe does not. */
	cfg.hw_af = true;
	assert_int_equal(sio_pt_walk(&cfg, sio_pt_root(pt), &sio_pt_mem_direct, SZ_2M,
				     SIO_PT_R, false, &res), 0);
	assert_int_equal(ent_get(ep) & AF, 0);
	assert_int_equal(sio_pt_walk(&cfg, sio_pt_root(pt), &sio_pt_mem_direct, SZ_2M,
				     SIO_PT_R, true, &res), 0);
	assert_int_equal(ent_get(ep) & AF, AF);
	/* With HA the permission check still applies. */
	assert_int_equal(sio_pt_walk(&cfg, sio_pt_root(pt), &sio_pt_mem_direct, 0x1000,
				     SIO_PT_W, true, &res), -EFAULT);
	assert_int_equal(res.fault, SIO_PT_FAULT_PERM);
	assert_int_equal(ent_get(pt_entry(pt, 0x1000, NULL)) & AF, 0);
	sio_pt_destroy(pt);
}

static void test_s1_permissions(void **state)
{
	struct sio_pt *pt = arm(SIO_PT_ARM_S1, 12, 48, 0);
	struct sio_pt_walk_result res;
	uint64_t *tbl;

	(void)state;
	assert_int_equal(sio_pt_map(pt, 0x1000, 0x5000, SZ_4K, SIO_PT_PROT_READ), 0);
	assert_int_equal(sio_pt_map(pt, 0x2000, 0x6000, SZ_4K, PROT_RW | SIO_PT_PROT_NOEXEC), 0);
	assert_int_equal(sio_pt_map(pt, SZ_1G + 0x3000, 0x7000, SZ_4K, PROT_RW), 0);

	res = walk_ok(pt, 0x1000, SIO_PT_R, 0x5000);
	assert_int_equal(res.perm, SIO_PT_R | SIO_PT_X);
	res = walk_fault(pt, 0x1000, SIO_PT_W, SIO_PT_FAULT_PERM, 0);
	/* AP[1] is ignored: a user request reaches a page without EL0 access. */
	walk_ok(pt, 0x2000, SIO_PT_R | SIO_PT_W, 0x6000);
	walk_ok(pt, 0x2000, SIO_PT_R | SIO_PT_PRIV, 0x6000);
	walk_fault(pt, 0x2000, SIO_PT_X, SIO_PT_FAULT_PERM, 0);

	/* APTable[1]: no writes below, faulting at the table level. */
	tbl = pt_entry_at(pt, SZ_1G + 0x3000, 1);
	ent_set(tbl, ent_get(tbl) | APT_NW);
	res = walk_fault(pt, SZ_1G + 0x3000, SIO_PT_W, SIO_PT_FAULT_PERM, 1);
	assert_int_equal(res.fault_entry_addr, (uint64_t)(uintptr_t)tbl);
	res = walk_ok(pt, SZ_1G + 0x3000, SIO_PT_R, 0x7000);
	assert_int_equal(res.perm, SIO_PT_R | SIO_PT_X);
	ent_set(tbl, ent_get(tbl) & ~APT_NW);
	/* XNTable at level 2. */
	tbl = pt_entry_at(pt, SZ_1G + 0x3000, 2);
	ent_set(tbl, ent_get(tbl) | XNT);
	walk_fault(pt, SZ_1G + 0x3000, SIO_PT_X, SIO_PT_FAULT_PERM, 2);
	res = walk_ok(pt, SZ_1G + 0x3000, SIO_PT_W, 0x7000);
	assert_int_equal(res.perm, SIO_PT_R | SIO_PT_W);
	/* The access-flag fault of the leaf comes after the table's permission. */
	sio_pt_destroy(pt);
}

/* Hierarchical attributes disabled (SMMU CD.HADx): APTable and XNTable are ignored. */
static void test_s1_had(void **state)
{
	struct sio_pt_cfg cfg = { .format = SIO_PT_ARM_S1, .granule_lg2 = 12, .ias = 48,
				  .had = true };
	struct sio_pt *pt = arm_cfg(cfg);
	struct sio_pt_walk_result res;
	uint64_t *tbl;

	(void)state;
	assert_int_equal(sio_pt_map(pt, SZ_1G + 0x3000, 0x7000, SZ_4K, PROT_RW), 0);
	tbl = pt_entry_at(pt, SZ_1G + 0x3000, 1);
	ent_set(tbl, ent_get(tbl) | APT_NW | XNT);
	res = walk_ok(pt, SZ_1G + 0x3000, SIO_PT_W | SIO_PT_X, 0x7000);
	assert_int_equal(res.perm, SIO_PT_R | SIO_PT_W | SIO_PT_X);
	sio_pt_destroy(pt);
}

static void test_s1_reserved_encodings(void **state)
{
	struct sio_pt *pt = arm(SIO_PT_ARM_S1, 12, 48, 0);
	uint64_t *ep, v;

	(void)state;
	assert_int_equal(sio_pt_map(pt, 0x1000, 0x5000, SZ_4K, PROT_RW), 0);
	ep = pt_entry(pt, 0x1000, NULL);
	v = ent_get(ep);
	/* A "block" at level 3 is reserved. */
	ent_set(ep, v & ~TYPE);
	walk_fault(pt, 0x1000, SIO_PT_R, SIO_PT_FAULT_RESERVED, 0);
	/* Bit 0 clear: invalid whatever else is set. */
	ent_set(ep, v & ~VALID);
	walk_fault(pt, 0x1000, SIO_PT_R, SIO_PT_FAULT_NOT_PRESENT, 0);
	ent_set(ep, v);
	/* A block at level 0 (ARM) = our level 3 is reserved with 4K. */
	ep = pt_entry_at(pt, 0x1000, 3);
	v = ent_get(ep);
	ent_set(ep, (v & ~TYPE) | AF);
	walk_fault(pt, 0x1000, SIO_PT_R, SIO_PT_FAULT_RESERVED, 3);
	ent_set(ep, v);
	/* ... while a 1G block at level 2 is fine with 4K. */
	ep = pt_entry_at(pt, 0x1000, 2);
	v = ent_get(ep);
	ent_set(ep, (0x80000000ULL | VALID | AF));
	walk_ok(pt, 0x1000, SIO_PT_R, 0x80001000);
	ent_set(ep, v);
	sio_pt_destroy(pt);

	/* 16K: no block at our level 2 (ARM level 1). */
	pt = arm(SIO_PT_ARM_S1, 14, 47, 0);
	assert_int_equal(sio_pt_map(pt, 0x4000, 0x8000, SZ_16K, PROT_RW), 0);
	ep = pt_entry_at(pt, 0x4000, 2);
	v = ent_get(ep);
	ent_set(ep, VALID | AF);
	walk_fault(pt, 0x4000, SIO_PT_R, SIO_PT_FAULT_RESERVED, 2);
	ent_set(ep, v);
	walk_ok(pt, 0x4000, SIO_PT_R, 0x8000);
	sio_pt_destroy(pt);
}

static void test_addr_size(void **state)
{
	struct sio_pt_cfg c1 = { .format = SIO_PT_ARM_S1, .granule_lg2 = 12, .ias = 48,
				 .oas = 47 };
	struct sio_pt_cfg c2 = c1;
	struct sio_pt *pt;
	uint64_t *ep, v;

	(void)state;
	c2.format = SIO_PT_ARM_S2;
	if (sio_pt_create(&c1, &pt))
		skip();		/* tables of this process lie above 2^47 */
	assert_int_equal(sio_pt_map(pt, 0x1000, 1ULL << 47, SZ_4K, PROT_RW), -ERANGE);
	assert_int_equal(sio_pt_map(pt, 0x1000, 0x5000, SZ_4K, SIO_PT_PROT_READ), 0);
	ep = pt_entry(pt, 0x1000, NULL);
	v = ent_get(ep);
	ent_set(ep, v | (1ULL << 47));
	walk_fault(pt, 0x1000, SIO_PT_R, SIO_PT_FAULT_ADDR_SIZE, 0);
	/* Permission, then access flag, come first. */
	walk_fault(pt, 0x1000, SIO_PT_W, SIO_PT_FAULT_PERM, 0);
	ent_set(ep, (v | (1ULL << 47)) & ~AF);
	walk_fault(pt, 0x1000, SIO_PT_W, SIO_PT_FAULT_ACCESS_FLAG, 0);
	ent_set(ep, v);
	/* A table descriptor beyond the OA size faults at its level. */
	ep = pt_entry_at(pt, 0x1000, 2);
	v = ent_get(ep);
	ent_set(ep, v | (1ULL << 47));
	walk_fault(pt, 0x1000, SIO_PT_R, SIO_PT_FAULT_ADDR_SIZE, 2);
	ent_set(ep, v);
	walk_ok(pt, 0x1000, SIO_PT_R, 0x5000);
	sio_pt_destroy(pt);

	pt = pt_new(&c2);
	assert_int_equal(sio_pt_map(pt, 0x1000, 0x5000, SZ_4K, PROT_RW), 0);
	ep = pt_entry(pt, 0x1000, NULL);
	ent_set(ep, ent_get(ep) | (1ULL << 47));
	walk_fault(pt, 0x1000, SIO_PT_W, SIO_PT_FAULT_ADDR_SIZE, 0);
	sio_pt_destroy(pt);
}

static void test_s1_dbm(void **state)
{
	struct sio_pt *pt = arm_cfg((struct sio_pt_cfg){
		.format = SIO_PT_ARM_S1, .granule_lg2 = 12, .ias = 48, .hw_af = true,
		.hw_dirty = true, .dirty_tracking = true });
	struct sio_pt_walk_result res;
	struct dirty_log d;
	uint64_t *ep, v;

	(void)state;
	assert_int_equal(sio_pt_map(pt, 0x1000, 0x5000, SZ_4K, PROT_RW), 0);
	assert_int_equal(sio_pt_map(pt, 0x2000, 0x6000, SZ_4K, SIO_PT_PROT_READ), 0);
	ep = pt_entry(pt, 0x1000, NULL);
	v = ent_get(ep);
	assert_int_equal(v & (AP2 | DBM), AP2 | DBM);		/* writable-clean */
	assert_int_equal(ent_get(pt_entry(pt, 0x2000, NULL)) & (AP2 | DBM), AP2);

	/* Reads leave it clean; the copy is not write-ready. */
	assert_int_equal(pt_walk(pt, 0x1000, SIO_PT_R, true, &res), 0);
	assert_int_equal(res.perm & SIO_PT_W, 0);
	assert_int_equal(ent_get(ep), v);
	/* A write probe passes without changing it. */
	assert_int_equal(pt_walk(pt, 0x1000, SIO_PT_W, false, &res), 0);
	assert_int_equal(ent_get(ep), v);
	assert_int_equal(read_dirty(pt, 0, SZ_1M, false, &d), 0);
	/* A write makes it writable-dirty. */
	assert_int_equal(pt_walk(pt, 0x1000, SIO_PT_W, true, &res), 0);
	assert_int_equal(res.perm & SIO_PT_W, SIO_PT_W);
	assert_int_equal(ent_get(ep), v & ~AP2);
	assert_int_equal(read_dirty(pt, 0, SZ_1M, false, &d), 1);
	assert_int_equal(d.iova[0], 0x1000);
	assert_int_equal(ent_get(ep), v);
	/* A read-only page (no DBM) is not made writable. */
	walk_fault(pt, 0x2000, SIO_PT_W, SIO_PT_FAULT_PERM, 0);
	assert_int_equal(sio_pt_set_dirty(pt, 0x2000), 0);
	assert_int_equal(read_dirty(pt, 0, SZ_1M, false, &d), 0);
	sio_pt_destroy(pt);

	/* Without HD a writable-clean entry is read-only. */
	pt = arm(SIO_PT_ARM_S1, 12, 48, 0);
	assert_int_equal(sio_pt_map(pt, 0x1000, 0x5000, SZ_4K, PROT_RW), 0);
	ep = pt_entry(pt, 0x1000, NULL);
	assert_int_equal(ent_get(ep) & (AP2 | DBM), 0);
	ent_set(ep, ent_get(ep) | AP2 | DBM);
	walk_fault(pt, 0x1000, SIO_PT_W, SIO_PT_FAULT_PERM, 0);
	sio_pt_destroy(pt);
}

static void test_s2_encoding_and_perms(void **state)
{
	struct sio_pt *pt = arm(SIO_PT_ARM_S2, 12, 40, 0);
	struct sio_pt_walk_result res;
	uint64_t *tbl;

	(void)state;
	assert_int_equal(sio_pt_map(pt, 0x1000, 0x5000, SZ_4K, SIO_PT_PROT_READ), 0);
	assert_int_equal(sio_pt_map(pt, 0x2000, 0x6000, SZ_4K, SIO_PT_PROT_WRITE), 0);
	assert_int_equal(sio_pt_map(pt, 0x3000, 0x7000, SZ_4K, PROT_RW | SIO_PT_PROT_NOEXEC), 0);
	assert_int_equal(sio_pt_map(pt, SZ_2M, SZ_2M, SZ_2M, PROT_RW), 0);

	assert_int_equal(ent_get(pt_entry(pt, 0x1000, NULL)),
			 0x5000 | VALID | TYPE | AF | SH | (0xfULL << 2) | S2R);
	assert_int_equal(ent_get(pt_entry(pt, 0x2000, NULL)) & (S2R | S2W), S2W);
	assert_int_equal(ent_get(pt_entry(pt, 0x3000, NULL)) & (S2R | S2W | XN), S2R | S2W | XN);
	assert_int_equal(ent_get(pt_entry(pt, SZ_2M, NULL)) & 3, VALID);

	res = walk_ok(pt, 0x1000, SIO_PT_R, 0x5000);
	assert_int_equal(res.perm, SIO_PT_R | SIO_PT_X);
	walk_fault(pt, 0x1000, SIO_PT_W, SIO_PT_FAULT_PERM, 0);
	res = walk_ok(pt, 0x2000, SIO_PT_W, 0x6000);
	assert_int_equal(res.perm, SIO_PT_W | SIO_PT_X);
	walk_fault(pt, 0x2000, SIO_PT_R, SIO_PT_FAULT_PERM, 0);
	walk_fault(pt, 0x3000, SIO_PT_X, SIO_PT_FAULT_PERM, 0);
	res = walk_ok(pt, SZ_2M + 0x10, SIO_PT_R | SIO_PT_W, SZ_2M + 0x10);
	assert_int_equal(res.size_lg2, 21);

	/* Stage 2 has no APTable: bit 62 of a table descriptor is ignored. */
	tbl = pt_entry_at(pt, 0x3000, 1);
	ent_set(tbl, ent_get(tbl) | APT_NW | XNT);
	walk_ok(pt, 0x3000, SIO_PT_W, 0x7000);
	sio_pt_destroy(pt);
}

static void test_s2_access_flag_and_dbm(void **state)
{
	struct sio_pt_cfg cfg = { .format = SIO_PT_ARM_S2, .granule_lg2 = 16, .ias = 48 };
	struct sio_pt *pt = pt_new(&cfg);
	struct sio_pt_walk_result res;
	struct dirty_log d;
	uint64_t *ep, v;

	(void)state;
	assert_int_equal(sio_pt_map(pt, 0x10000, 0x50000, SZ_64K, SIO_PT_PROT_READ), 0);
	ep = pt_entry(pt, 0x10000, NULL);
	ent_set(ep, ent_get(ep) & ~AF);
	walk_fault(pt, 0x10000, SIO_PT_R, SIO_PT_FAULT_ACCESS_FLAG, 0);
	walk_fault(pt, 0x10000, SIO_PT_W, SIO_PT_FAULT_ACCESS_FLAG, 0);
	/* S2AFFD-like: no fault; a set_ad walk sets AF. */
	cfg = *sio_pt_config(pt);
	cfg.hw_af = true;
	assert_int_equal(sio_pt_walk(&cfg, sio_pt_root(pt), &sio_pt_mem_direct, 0x10000,
				     SIO_PT_W, true, &res), -EFAULT);
	assert_int_equal(res.fault, SIO_PT_FAULT_PERM);
	assert_int_equal(sio_pt_walk(&cfg, sio_pt_root(pt), &sio_pt_mem_direct, 0x10000,
				     SIO_PT_R, false, &res), 0);
	assert_int_equal(ent_get(ep) & AF, 0);
	assert_int_equal(sio_pt_walk(&cfg, sio_pt_root(pt), &sio_pt_mem_direct, 0x10000,
				     SIO_PT_R, true, &res), 0);
	assert_int_equal(ent_get(ep) & AF, AF);
	sio_pt_destroy(pt);

	/* DBM: writable-clean is S2AP[1] = 0 with DBM; a write sets S2AP[1]. */
	cfg = (struct sio_pt_cfg){ .format = SIO_PT_ARM_S2, .granule_lg2 = 16, .ias = 48,
				   .hw_dirty = true, .dirty_tracking = true };
	pt = pt_new(&cfg);
	assert_int_equal(sio_pt_map(pt, SZ_512M, 0, SZ_512M, PROT_RW), 0);
	ep = pt_entry(pt, SZ_512M, NULL);
	v = ent_get(ep);
	assert_int_equal(v & (S2R | S2W | DBM), S2R | DBM);
	assert_int_equal(pt_walk(pt, SZ_512M + 0x100, SIO_PT_R, true, &res), 0);
	assert_int_equal(res.perm & SIO_PT_W, 0);
	assert_int_equal(pt_walk(pt, SZ_512M + 0x100, SIO_PT_W, true, &res), 0);
	assert_int_equal(res.perm & SIO_PT_W, SIO_PT_W);
	assert_int_equal(ent_get(ep), v | S2W);
	assert_int_equal(read_dirty(pt, 0, ~0ULL, true, &d), 1);
	assert_int_equal(d.iova[0], SZ_512M);
	assert_int_equal(d.size[0], SZ_512M);
	assert_int_equal(read_dirty(pt, 0, ~0ULL, false, &d), 1);
	assert_int_equal(ent_get(ep), v);
	assert_int_equal(sio_pt_set_dirty(pt, SZ_512M + 5), 0);
	assert_int_equal(ent_get(ep), v | S2W);
	sio_pt_destroy(pt);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_levels_from_ias),
		cmocka_unit_test(test_s1_encoding),
		cmocka_unit_test(test_64k_52bit_oa),
		cmocka_unit_test(test_s1_access_flag),
		cmocka_unit_test(test_s1_permissions),
		cmocka_unit_test(test_s1_had),
		cmocka_unit_test(test_s1_reserved_encodings),
		cmocka_unit_test(test_addr_size),
		cmocka_unit_test(test_s1_dbm),
		cmocka_unit_test(test_s2_encoding_and_perms),
		cmocka_unit_test(test_s2_access_flag_and_dbm),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
