/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * VT-d second-stage format (src/pt/fmt_vtd_ss.c) against hw-model.md §1.4:
 * entry encoding written by map(), the walk's fault order (range, then per
 * level: not present, permission, reserved bits), the reserved masks of each
 * level, and accessed/dirty updates with and without dirty tracking.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "pt_test_util.h"

#define R	(1ULL << 0)
#define W	(1ULL << 1)
#define PS	(1ULL << 7)
#define A	(1ULL << 8)
#define D	(1ULL << 9)
#define SNP	(1ULL << 11)
#define TM	(1ULL << 62)
#define ADDR	0x000ffffffffff000ULL

static struct sio_pt *vtd(unsigned int levels, unsigned int oas, bool dirty)
{
	struct sio_pt_cfg cfg = {
		.format = SIO_PT_VTD_SS, .levels = levels, .oas = oas, .dirty_tracking = dirty,
	};

	return pt_new(&cfg);
}

static void expect_fault(struct sio_pt *pt, uint64_t iova, unsigned int access,
			 enum sio_pt_fault fault, unsigned int level)
{
	struct sio_pt_walk_result res;

	assert_int_equal(pt_walk(pt, iova, access, false, &res), -EFAULT);
	assert_int_equal(res.fault, fault);
	assert_int_equal(res.level, level);
}

static void expect_ok(struct sio_pt *pt, uint64_t iova, unsigned int access, uint64_t oa,
		      unsigned int perm)
{
	struct sio_pt_walk_result res;

	assert_int_equal(pt_walk(pt, iova, access, false, &res), 0);
	assert_int_equal(res.oa, oa);
	assert_int_equal(res.perm & (SIO_PT_R | SIO_PT_W), perm);
}

static void test_entry_encoding(void **state)
{
	struct sio_pt *pt = vtd(4, 0, false);
	unsigned int level;
	uint64_t *e;

	(void)state;
	assert_int_equal(sio_pt_map(pt, 0x1000, 0xabc000, SZ_4K, SIO_PT_PROT_READ), 0);
	assert_int_equal(sio_pt_map(pt, SZ_2M, 0x40200000, SZ_2M, SIO_PT_PROT_WRITE), 0);
	assert_int_equal(sio_pt_map(pt, SZ_1G, 0x80000000, SZ_1G,
				    PROT_RW | SIO_PT_PROT_NOEXEC | SIO_PT_PROT_USER), 0);

	e = pt_entry(pt, 0x1000, &level);
	assert_int_equal(level, 0);
	assert_int_equal(ent_get(e), 0xabc000 | R);
	e = pt_entry(pt, SZ_2M, &level);
	assert_int_equal(level, 1);
	assert_int_equal(ent_get(e), 0x40200000 | W | PS);
	e = pt_entry(pt, SZ_1G, &level);
	assert_int_equal(level, 2);
	assert_int_equal(ent_get(e), 0x80000000 | R | W | PS);

	/* Tables: R|W and the next table's address, no other bits. */
	for (level = 3; level >= 1; level--) {
		uint64_t t = ent_get(pt_entry_at(pt, 0x1000, level));

		assert_int_equal(t & ~ADDR, R | W);
	}
	sio_pt_destroy(pt);
}

static void test_perm_faults(void **state)
{
	struct sio_pt *pt = vtd(4, 0, false);
	uint64_t *tbl;

	(void)state;
	assert_int_equal(sio_pt_map(pt, 0x1000, 0x5000, SZ_4K, SIO_PT_PROT_READ), 0);
	assert_int_equal(sio_pt_map(pt, 0x2000, 0x6000, SZ_4K, SIO_PT_PROT_WRITE), 0);
	assert_int_equal(sio_pt_map(pt, 0x3000, 0x7000, SZ_4K, PROT_RW), 0);

	expect_ok(pt, 0x1008, SIO_PT_R, 0x5008, SIO_PT_R);
	expect_fault(pt, 0x1008, SIO_PT_W, SIO_PT_FAULT_PERM, 0);
	expect_fault(pt, 0x1008, SIO_PT_R | SIO_PT_W, SIO_PT_FAULT_PERM, 0);
	expect_ok(pt, 0x2000, SIO_PT_W, 0x6000, SIO_PT_W);
	expect_fault(pt, 0x2000, SIO_PT_R, SIO_PT_FAULT_PERM, 0);
	expect_ok(pt, 0x3000, SIO_PT_R | SIO_PT_W, 0x7000, SIO_PT_R | SIO_PT_W);
	/* The execute right is not checked (X b2 is ignored). */
	expect_ok(pt, 0x3000, SIO_PT_X, 0x7000, SIO_PT_R | SIO_PT_W);

	/* Rights accumulate: a table entry without W denies writes at its level. */
	tbl = pt_entry_at(pt, 0x3000, 2);
	ent_set(tbl, ent_get(tbl) & ~W);
	expect_fault(pt, 0x3000, SIO_PT_W, SIO_PT_FAULT_PERM, 2);
	expect_ok(pt, 0x3000, SIO_PT_R, 0x7000, SIO_PT_R);
	{
		struct sio_pt_walk_result res;

		assert_int_equal(pt_walk(pt, 0x3000, SIO_PT_W, false, &res), -EFAULT);
		assert_int_equal(res.fault_entry_addr, (uint64_t)(uintptr_t)tbl);
		assert_int_equal(res.loads, 2);
	}
	/* Without R it is still valid (W only). */
	ent_set(tbl, (ent_get(tbl) | W) & ~R);
	expect_fault(pt, 0x3000, SIO_PT_R, SIO_PT_FAULT_PERM, 2);
	expect_ok(pt, 0x3000, SIO_PT_W, 0x7000, SIO_PT_W);
	/* Neither: not present. */
	ent_set(tbl, ent_get(tbl) & ~(R | W));
	expect_fault(pt, 0x3000, SIO_PT_R, SIO_PT_FAULT_NOT_PRESENT, 2);
	check_unmapped(pt, 0x3000);
	ent_set(tbl, ent_get(tbl) | R | W);
	sio_pt_destroy(pt);
}

static void test_fault_order(void **state)
{
	struct sio_pt *pt = vtd(3, 0, false);
	struct sio_pt_walk_result res;
	uint64_t *leaf;

	(void)state;
	/* Range first, before any load. */
	assert_int_equal(pt_walk(pt, 1ULL << 39, SIO_PT_R, false, &res), -EFAULT);
	assert_int_equal(res.fault, SIO_PT_FAULT_RANGE);
	assert_int_equal(res.loads, 0);
	assert_int_equal(sio_pt_map(pt, (1ULL << 39) - SZ_4K, 0, SZ_4K, PROT_RW), 0);
	expect_ok(pt, (1ULL << 39) - 1, SIO_PT_R, SZ_4K - 1, SIO_PT_R | SIO_PT_W);

	/* A zero entry is "not present", not a permission fault. */
	expect_fault(pt, 0x9000, SIO_PT_W, SIO_PT_FAULT_NOT_PRESENT, 2);

	/* Permission before reserved at the same level. */
	assert_int_equal(sio_pt_map(pt, 0x1000, 0x5000, SZ_4K, SIO_PT_PROT_READ), 0);
	leaf = pt_entry(pt, 0x1000, NULL);
	ent_set(leaf, ent_get(leaf) | TM);
	expect_fault(pt, 0x1000, SIO_PT_W, SIO_PT_FAULT_PERM, 0);
	expect_fault(pt, 0x1000, SIO_PT_R, SIO_PT_FAULT_RESERVED, 0);
	/* An upper-level permission fault wins over a leaf's reserved bits. */
	{
		uint64_t *tbl = pt_entry_at(pt, 0x1000, 1);

		ent_set(tbl, ent_get(tbl) & ~R);
		expect_fault(pt, 0x1000, SIO_PT_R, SIO_PT_FAULT_PERM, 1);
		ent_set(tbl, ent_get(tbl) | R);
	}
	sio_pt_destroy(pt);
}

static void test_reserved_masks(void **state)
{
	struct sio_pt *pt = vtd(4, 0, false);
	uint64_t *e, v;

	(void)state;
	assert_int_equal(sio_pt_map(pt, 0x1000, 0x5000, SZ_4K, PROT_RW), 0);
	assert_int_equal(sio_pt_map(pt, SZ_2M, SZ_2M, SZ_2M, PROT_RW), 0);
	assert_int_equal(sio_pt_map(pt, SZ_1G, SZ_1G, SZ_1G, PROT_RW), 0);

	/* 4K leaf: TM reserved, SNP allowed (scalable mode), ignored bits ignored. */
	e = pt_entry(pt, 0x1000, NULL);
	v = ent_get(e);
	ent_set(e, v | TM);
	expect_fault(pt, 0x1000, SIO_PT_R, SIO_PT_FAULT_RESERVED, 0);
	ent_set(e, v | SNP | (1ULL << 63) | (0x3ffULL << 52) | PS | (1ULL << 10));
	expect_ok(pt, 0x1000, SIO_PT_R, 0x5000, SIO_PT_R | SIO_PT_W);
	ent_set(e, v);

	/* 2M leaf: bits 20:12 reserved; 1G leaf: bits 29:12. */
	e = pt_entry(pt, SZ_2M, NULL);
	v = ent_get(e);
	ent_set(e, v | (1ULL << 12));
	expect_fault(pt, SZ_2M, SIO_PT_R, SIO_PT_FAULT_RESERVED, 1);
	ent_set(e, v | (1ULL << 20));
	expect_fault(pt, SZ_2M, SIO_PT_R, SIO_PT_FAULT_RESERVED, 1);
	ent_set(e, v | SNP);
	expect_ok(pt, SZ_2M + 5, SIO_PT_R, SZ_2M + 5, SIO_PT_R | SIO_PT_W);
	ent_set(e, v);
	e = pt_entry(pt, SZ_1G, NULL);
	v = ent_get(e);
	ent_set(e, v | (1ULL << 29));
	expect_fault(pt, SZ_1G, SIO_PT_R, SIO_PT_FAULT_RESERVED, 2);
	ent_set(e, v);

	/* Non-leaf entries: SNP reserved; at level 3 (PML4) PS too. */
	e = pt_entry_at(pt, 0x1000, 1);
	v = ent_get(e);
	ent_set(e, v | SNP);
	expect_fault(pt, 0x1000, SIO_PT_R, SIO_PT_FAULT_RESERVED, 1);
	ent_set(e, v);
	e = pt_entry_at(pt, 0x1000, 3);
	v = ent_get(e);
	ent_set(e, v | PS);
	expect_fault(pt, 0x1000, SIO_PT_R, SIO_PT_FAULT_RESERVED, 3);
	ent_set(e, v | SNP);
	expect_fault(pt, 0x1000, SIO_PT_R, SIO_PT_FAULT_RESERVED, 3);
	ent_set(e, v);
	expect_ok(pt, 0x1000, SIO_PT_R, 0x5000, SIO_PT_R | SIO_PT_W);
	sio_pt_destroy(pt);

	/* Bits at and above the host address width are reserved. */
	{
		struct sio_pt_cfg cfg = { .format = SIO_PT_VTD_SS, .levels = 4, .oas = 47 };

		if (sio_pt_create(&cfg, &pt))
			skip();	/* tables of this process lie above 2^47 */
		assert_int_equal(sio_pt_map(pt, 0x1000, 0x5000, SZ_4K, PROT_RW), 0);
		assert_int_equal(sio_pt_map(pt, 0x2000, 1ULL << 47, SZ_4K, PROT_RW), -ERANGE);
		e = pt_entry(pt, 0x1000, NULL);
		v = ent_get(e);
		ent_set(e, v | (1ULL << 47));
		expect_fault(pt, 0x1000, SIO_PT_R, SIO_PT_FAULT_RESERVED, 0);
		ent_set(e, v | (1ULL << 51));
		expect_fault(pt, 0x1000, SIO_PT_R, SIO_PT_FAULT_RESERVED, 0);
		ent_set(e, v | (1ULL << 46));
		expect_ok(pt, 0x1000, SIO_PT_R, (1ULL << 46) | 0x5000, SIO_PT_R | SIO_PT_W);
		ent_set(e, v);
		sio_pt_destroy(pt);
	}
}

/* Snapshot of the entries on the way to @iova (top first). */
static void path(struct sio_pt *pt, uint64_t iova, uint64_t *out, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		out[i] = ent_get(pt_entry_at(pt, iova, n - 1 - i));
}

static void test_accessed_dirty(void **state)
{
	struct sio_pt *pt = vtd(4, 0, false);
	struct sio_pt_walk_result res;
	uint64_t before[4], after[4];
	unsigned int i;

	(void)state;
	/* Without dirty tracking (SSADE off) nothing is ever written. */
	assert_int_equal(sio_pt_map(pt, 0x1000, 0x5000, SZ_4K, PROT_RW), 0);
	path(pt, 0x1000, before, 4);
	assert_int_equal(pt_walk(pt, 0x1000, SIO_PT_R | SIO_PT_W, true, &res), 0);
	assert_int_equal(res.perm, SIO_PT_R | SIO_PT_W | SIO_PT_X);
	path(pt, 0x1000, after, 4);
	assert_memory_equal(before, after, sizeof(before));
	sio_pt_destroy(pt);

	pt = vtd(4, 0, true);
	assert_int_equal(sio_pt_map(pt, 0x1000, 0x5000, SZ_4K, PROT_RW), 0);
	assert_int_equal(sio_pt_map(pt, SZ_2M, SZ_2M, SZ_2M, PROT_RW), 0);
	path(pt, 0x1000, before, 4);
	for (i = 0; i < 4; i++)
		assert_int_equal(before[i] & (A | D), 0);

	/* A probe (no set_ad) writes nothing. */
	assert_int_equal(pt_walk(pt, 0x1000, SIO_PT_W, false, &res), 0);
	path(pt, 0x1000, after, 4);
	assert_memory_equal(before, after, sizeof(before));

	/* A read sets A everywhere, no D; the copy is not write-ready yet. */
	assert_int_equal(pt_walk(pt, 0x1000, SIO_PT_R, true, &res), 0);
	assert_int_equal(res.perm & (SIO_PT_R | SIO_PT_W), SIO_PT_R);
	path(pt, 0x1000, after, 4);
	for (i = 0; i < 4; i++)
		assert_int_equal(after[i], before[i] | A);

	/* A write sets D in the leaf only. */
	assert_int_equal(pt_walk(pt, 0x1000, SIO_PT_W, true, &res), 0);
	assert_int_equal(res.perm & (SIO_PT_R | SIO_PT_W), SIO_PT_R | SIO_PT_W);
	path(pt, 0x1000, after, 4);
	for (i = 0; i < 3; i++)
		assert_int_equal(after[i], before[i] | A);
	assert_int_equal(after[3], before[3] | A | D);
	/* Once dirty, a read reports W too. */
	assert_int_equal(pt_walk(pt, 0x1000, SIO_PT_R, true, &res), 0);
	assert_int_equal(res.perm & SIO_PT_W, SIO_PT_W);

	/* 2M leaf: D lands in the PS entry. */
	assert_int_equal(pt_walk(pt, SZ_2M + 0x1234, SIO_PT_W, true, &res), 0);
	assert_int_equal(ent_get(pt_entry(pt, SZ_2M, NULL)) & (A | D | PS), A | D | PS);

	/* A faulting write sets A above the fault only. */
	assert_int_equal(sio_pt_map(pt, 1ULL << 40, 0, SZ_4K, SIO_PT_PROT_READ), 0);
	path(pt, 1ULL << 40, before, 4);
	assert_int_equal(pt_walk(pt, 1ULL << 40, SIO_PT_W, true, &res), -EFAULT);
	assert_int_equal(res.fault, SIO_PT_FAULT_PERM);
	path(pt, 1ULL << 40, after, 4);
	for (i = 0; i < 3; i++)
		assert_int_equal(after[i], before[i] | A);
	assert_int_equal(after[3], before[3]);

	/* read_and_clear_dirty clears D and leaves A. */
	{
		struct dirty_log d;

		assert_int_equal(read_dirty(pt, 0, 1ULL << 30, false, &d), 2);
		assert_int_equal(d.iova[0], 0x1000);
		assert_int_equal(d.size[0], SZ_4K);
		assert_int_equal(d.iova[1], SZ_2M);
		assert_int_equal(d.size[1], SZ_2M);
		assert_int_equal(ent_get(pt_entry(pt, 0x1000, NULL)) & (A | D), A);
	}
	sio_pt_destroy(pt);
}

static void test_levels(void **state)
{
	static const unsigned int ias[] = { 39, 48, 57 };

	(void)state;
	for (unsigned int l = 3; l <= 5; l++) {
		struct sio_pt *pt = vtd(l, 0, false);
		uint64_t top = (1ULL << ias[l - 3]) - SZ_1G;
		struct sio_pt_walk_result res;

		assert_int_equal(sio_pt_config(pt)->ias, ias[l - 3]);
		assert_int_equal(sio_pt_map(pt, top, SZ_1G, SZ_1G, PROT_RW), 0);
		assert_int_equal(pt_walk(pt, top + 0x123456, SIO_PT_W, false, &res), 0);
		assert_int_equal(res.oa, SZ_1G + 0x123456);
		assert_int_equal(res.size_lg2, 30);
		assert_int_equal(res.loads, l - 2);
		assert_int_equal(sio_pt_map(pt, top + SZ_1G, 0, SZ_4K, PROT_RW), -ERANGE);
		sio_pt_destroy(pt);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_entry_encoding),
		cmocka_unit_test(test_perm_faults),
		cmocka_unit_test(test_fault_order),
		cmocka_unit_test(test_reserved_masks),
		cmocka_unit_test(test_accessed_dirty),
		cmocka_unit_test(test_levels),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
