/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Format-independent page-table tests (src/pt/pt.c), run for every format,
 * granule and level count: map/unmap/iova_to_phys round trips at every leaf
 * size, largest-leaf selection, -EADDRINUSE with full undo, whole-leaf unmap,
 * argument errors, walk basics and load counting, table-read faults, A/D
 * CAS retry and failure, deferred table freeing, dirty tracking, per-table
 * present counts (map, unmap, huge leaves, rollback), runs of leaves across
 * table boundaries, the formats' fill_leaves() and decode(), the direct
 * memory accessor on bad addresses, and a concurrent walk / map-unmap test.
 *
 * Each (test, configuration) pair is a separate cmocka test named
 * "test/configuration".
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "pt_test_util.h"

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define PT_TEST_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define PT_TEST_SANITIZED 1
#endif
#endif

struct pt_case {
	const char *name;
	struct sio_pt_cfg cfg;
};

#define VTD(l) { .format = SIO_PT_VTD_SS, .levels = (l) }
#define X86(l) { .format = SIO_PT_X86_64, .levels = (l) }
#define ARM(f, g, in) { .format = (f), .granule_lg2 = (g), .ias = (in) }
#define MOCK(l, bm) { .format = SIO_PT_MOCK, .levels = (l), .pgsize_bitmap = (bm) }

static const struct pt_case cases[] = {
	{ "vtd-3l", VTD(3) },
	{ "vtd-4l", VTD(4) },
	{ "vtd-5l", VTD(5) },
	{ "x86-4l", X86(4) },
	{ "x86-5l", X86(5) },
	{ "arm-s1-4k-39", ARM(SIO_PT_ARM_S1, 12, 39) },
	{ "arm-s1-4k-48", ARM(SIO_PT_ARM_S1, 12, 48) },
	{ "arm-s1-16k-36", ARM(SIO_PT_ARM_S1, 14, 36) },
	{ "arm-s1-16k-47", ARM(SIO_PT_ARM_S1, 14, 47) },
	{ "arm-s1-16k-48", ARM(SIO_PT_ARM_S1, 14, 48) },
	{ "arm-s1-64k-42", ARM(SIO_PT_ARM_S1, 16, 42) },
	{ "arm-s1-64k-48", ARM(SIO_PT_ARM_S1, 16, 48) },
	{ "arm-s1-64k-52", ARM(SIO_PT_ARM_S1, 16, 52) },
	{ "arm-s2-4k-40", ARM(SIO_PT_ARM_S2, 12, 40) },
	{ "arm-s2-4k-48", ARM(SIO_PT_ARM_S2, 12, 48) },
	{ "arm-s2-16k-40", ARM(SIO_PT_ARM_S2, 14, 40) },
	{ "arm-s2-16k-48", ARM(SIO_PT_ARM_S2, 14, 48) },
	{ "arm-s2-64k-42", ARM(SIO_PT_ARM_S2, 16, 42) },
	{ "arm-s2-64k-48", ARM(SIO_PT_ARM_S2, 16, 48) },
	{ "mock-default-3l", MOCK(3, SZ_2K) },
	{ "mock-default-5l", MOCK(5, SZ_2K) },
	{ "mock-huge-3l", MOCK(3, SZ_4K | SZ_1M) },
	{ "mock-huge-5l", MOCK(5, SZ_4K | SZ_1M) },
	{ "mock-all-2l", MOCK(2, 0) },
};

static const struct pt_case *tcase(void **state)
{
	return *state;
}

/* Leaf actually stored for a page size of the bitmap (mock 4K: two 2K leaves). */
static unsigned int leaf_lg2_for(const struct sio_pt_cfg *cfg, uint64_t size)
{
	if (cfg->format == SIO_PT_MOCK && size == SZ_4K)
		return 11;
	return sio_ffs64(size);
}

static bool is_x86(const struct sio_pt_cfg *cfg)
{
	return cfg->format == SIO_PT_X86_64;
}

/* End of the lower input range: 2^ias, or 2^(ias-1) for canonical x86. */
static uint64_t input_limit(const struct sio_pt_cfg *cfg)
{
	return 1ULL << (is_x86(cfg) ? cfg->ias - 1 : cfg->ias);
}

/* Size covered by one entry at @level. */
static uint64_t level_size(const struct sio_pt_cfg *cfg, unsigned int level)
{
	unsigned int bits = cfg->format == SIO_PT_MOCK ? 9 : cfg->granule_lg2 - 3;

	return 1ULL << (cfg->granule_lg2 + level * bits);
}

/* Prot that every format grants a user read/write for. */
#define PROT_ALL (PROT_RW | SIO_PT_PROT_USER)

/* ------------------------------------------------------------------------ */

static void test_create_config(void **state)
{
	const struct pt_case *tc = tcase(state);
	struct sio_pt *pt = pt_new(&tc->cfg);
	const struct sio_pt_cfg *cfg = sio_pt_config(pt);
	struct sio_pt_stats st;

	assert_int_equal(cfg->format, tc->cfg.format);
	assert_true(cfg->levels >= 1);
	assert_true(cfg->ias > cfg->granule_lg2);
	assert_true(cfg->oas > 0);
	assert_true(cfg->pgsize_bitmap != 0);
	if (tc->cfg.pgsize_bitmap)
		assert_int_equal(cfg->pgsize_bitmap, tc->cfg.pgsize_bitmap);
	if (tc->cfg.levels)
		assert_int_equal(cfg->levels, tc->cfg.levels);
	if (tc->cfg.ias)
		assert_int_equal(cfg->ias, tc->cfg.ias);
	assert_true(sio_pt_root(pt) != 0);
	assert_int_equal(sio_pt_root(pt) & ((1ULL << cfg->granule_lg2) - 1), 0);
	sio_pt_get_stats(pt, &st);
	assert_int_equal(st.tables_live, 1);
	assert_int_equal(st.tables_deferred, 0);
	sio_pt_destroy(pt);
}

static void test_roundtrip(void **state)
{
	const struct pt_case *tc = tcase(state);
	struct sio_pt *pt = pt_new(&tc->cfg);
	uint64_t bitmap = sio_pt_config(pt)->pgsize_bitmap;
	unsigned int nsizes = 0;

	for (uint64_t b = bitmap; b; b &= b - 1) {
		uint64_t s = b & -b;
		uint64_t iova = 5 * s, pa = 7 * s;
		unsigned int lg2 = leaf_lg2_for(sio_pt_config(pt), s);
		struct sio_pt_walk_result res;

		nsizes++;
		assert_int_equal(sio_pt_map(pt, iova, pa, s, PROT_ALL), 0);
		check_mapped(pt, iova, pa, s, lg2);
		check_unmapped(pt, iova - 1);
		check_unmapped(pt, iova + s);
		assert_int_equal(pt_walk(pt, iova + s - 8, SIO_PT_R, false, &res), 0);
		assert_int_equal(res.oa, pa + s - 8);
		assert_int_equal(res.size_lg2, lg2);
		assert_true(res.perm & SIO_PT_R);
		assert_int_equal(res.fault, SIO_PT_OK);
		assert_int_equal(sio_pt_unmap(pt, iova, s), s);
		check_unmapped(pt, iova);
		assert_int_equal(pt_walk(pt, iova, SIO_PT_R, false, &res), -EFAULT);
		assert_int_equal(res.fault, SIO_PT_FAULT_NOT_PRESENT);
		/* Everything below the root was emptied and queued. */
		assert_int_equal(linked_tables(pt), 1);
		sio_pt_free_deferred(pt);
	}
	assert_true(nsizes >= 1);
	sio_pt_destroy(pt);
}

/* Many pages in one call: the whole range translates, and unmaps in one call. */
static void test_roundtrip_range(void **state)
{
	const struct pt_case *tc = tcase(state);
	struct sio_pt *pt = pt_new(&tc->cfg);
	const struct sio_pt_cfg *cfg = sio_pt_config(pt);
	uint64_t s = 1ULL << sio_ffs64(cfg->pgsize_bitmap);
	uint64_t iova = level_size(cfg, 1) - 3 * s, pa = 0x40000000ULL + 5 * s;
	uint64_t size = 700 * s;
	unsigned int lg2 = leaf_lg2_for(cfg, s);

	assert_int_equal(sio_pt_map(pt, iova, pa, size, PROT_RW | SIO_PT_PROT_USER), 0);
	for (uint64_t off = 0; off < size; off += s) {
		uint64_t got;
		unsigned int l;

		assert_int_equal(sio_pt_iova_to_phys(pt, iova + off + 4, &got, &l), 0);
		assert_int_equal(got, pa + off + 4);
		assert_int_equal(l, lg2);
	}
	check_unmapped(pt, iova - s);
	check_unmapped(pt, iova + size);
	assert_int_equal(sio_pt_unmap(pt, iova, size), size);
	check_unmapped(pt, iova);
	check_unmapped(pt, iova + size - 1);
	assert_int_equal(linked_tables(pt), 1);
	sio_pt_destroy(pt);
}

/* Smallest two leaves map() may write that are real leaf sizes. */
static bool two_leaf_sizes(const struct sio_pt_cfg *cfg, uint64_t *small, uint64_t *big)
{
	uint64_t b = cfg->pgsize_bitmap;

	*small = b & -b;
	b &= b - 1;
	if (!b)
		return false;
	*big = b & -b;
	return true;
}

static void test_largest_leaf(void **state)
{
	const struct pt_case *tc = tcase(state);
	struct sio_pt *pt = pt_new(&tc->cfg);
	const struct sio_pt_cfg *cfg = sio_pt_config(pt);
	uint64_t small = 0, big = 0, iova, pa, size;
	unsigned int sl, bl;

	if (!two_leaf_sizes(cfg, &small, &big)) {
		sio_pt_destroy(pt);
		skip();
	}
	sl = leaf_lg2_for(cfg, small);
	bl = leaf_lg2_for(cfg, big);
	iova = 4 * big - small;
	size = small + big + small;
	pa = iova + 16 * big;

	/* small | big | small */
	assert_int_equal(sio_pt_map(pt, iova, pa, size, PROT_ALL), 0);
	check_mapped(pt, iova, pa, small, sl);
	check_mapped(pt, 4 * big, pa + small, big, bl);
	check_mapped(pt, 5 * big, pa + small + big, small, sl);
	assert_int_equal(sio_pt_unmap(pt, iova, size), size);
	check_unmapped(pt, 4 * big);

	/* PA misaligned to big: only small leaves. */
	pa += small;
	assert_int_equal(sio_pt_map(pt, iova, pa, size, PROT_ALL), 0);
	check_mapped(pt, iova, pa, small, sl);
	check_mapped(pt, 4 * big, pa + small, small, sl);
	check_mapped(pt, 5 * big - small, pa + big, small, sl);
	assert_int_equal(sio_pt_unmap(pt, iova, size), size);

	/* The bitmap limits the choice: without big, small leaves only. */
	{
		struct sio_pt_cfg c2 = *cfg;
		struct sio_pt *pt2;

		c2.pgsize_bitmap = small;
		pt2 = pt_new(&c2);
		assert_int_equal(sio_pt_map(pt2, 4 * big, 8 * big, big, PROT_ALL), 0);
		check_mapped(pt2, 4 * big, 8 * big, big, sl);
		sio_pt_destroy(pt2);
	}

	/* Every level that may hold a leaf gets used for a large aligned range. */
	{
		uint64_t top = 1ULL << sio_fls64(cfg->pgsize_bitmap);
		uint64_t base = 2 * top;

		if (base + 3 * top <= input_limit(cfg)) {
			assert_int_equal(sio_pt_map(pt, base - small, base - small, top + 2 * small,
						    PROT_ALL), 0);
			check_mapped(pt, base, base, top, leaf_lg2_for(cfg, top));
			check_mapped(pt, base - small, base - small, small, sl);
			check_mapped(pt, base + top, base + top, small, sl);
			assert_int_equal(sio_pt_unmap(pt, base - small, top + 2 * small),
					 top + 2 * small);
		}
	}
	sio_pt_destroy(pt);
}

static void test_addrinuse(void **state)
{
	const struct pt_case *tc = tcase(state);
	struct sio_pt *pt = pt_new(&tc->cfg);
	const struct sio_pt_cfg *cfg = sio_pt_config(pt);
	uint64_t s = cfg->pgsize_bitmap & -cfg->pgsize_bitmap;
	uint64_t b = 3 * level_size(cfg, 1);	/* first page of a leaf table */
	unsigned int lg2 = leaf_lg2_for(cfg, s);
	uint64_t linked;

	if (cfg->levels < 2) {
		sio_pt_destroy(pt);
		skip();
	}
	assert_int_equal(sio_pt_map(pt, b, 0x1000000, s, PROT_ALL), 0);
	linked = linked_tables(pt);

	/* Starts in the previous (new) leaf table, collides at b. */
	assert_int_equal(sio_pt_map(pt, b - 2 * s, 0x2000000, 4 * s, PROT_ALL), -EADDRINUSE);
	check_unmapped(pt, b - 2 * s);
	check_unmapped(pt, b - s);
	check_unmapped(pt, b + s);
	check_mapped(pt, b, 0x1000000, s, lg2);
	assert_int_equal(linked_tables(pt), linked);

	/* Exact overwrite. */
	assert_int_equal(sio_pt_map(pt, b, 0x3000000, s, PROT_ALL), -EADDRINUSE);
	check_mapped(pt, b, 0x1000000, s, lg2);

	/* A range ending on the leaf keeps nothing of the call either. */
	assert_int_equal(sio_pt_map(pt, b - 8 * s, 0x4000000, 9 * s, PROT_ALL), -EADDRINUSE);
	for (unsigned int i = 1; i <= 8; i++)
		check_unmapped(pt, b - i * s);
	assert_int_equal(linked_tables(pt), linked);

	/* Over a large leaf: small leaves inside it are refused. */
	{
		uint64_t small, big;

		if (two_leaf_sizes(cfg, &small, &big)) {
			uint64_t l = 8 * big;

			assert_int_equal(sio_pt_map(pt, l, l, big, PROT_ALL), 0);
			assert_int_equal(sio_pt_map(pt, l + small, 0, small, PROT_ALL),
					 -EADDRINUSE);
			assert_int_equal(sio_pt_map(pt, l - small, 0, 2 * small, PROT_ALL),
					 -EADDRINUSE);
			check_unmapped(pt, l - small);
			check_mapped(pt, l, l, big, leaf_lg2_for(cfg, big));
			/* and a large leaf over small ones */
			assert_int_equal(sio_pt_map(pt, 12 * big + small, 0, small, PROT_ALL), 0);
			assert_int_equal(sio_pt_map(pt, 12 * big, 0, big, PROT_ALL), -EADDRINUSE);
			check_unmapped(pt, 12 * big);
		}
	}
	sio_pt_destroy(pt);
}

static void test_unmap_whole_leaves(void **state)
{
	const struct pt_case *tc = tcase(state);
	struct sio_pt *pt = pt_new(&tc->cfg);
	const struct sio_pt_cfg *cfg = sio_pt_config(pt);
	uint64_t small = 0, big = 0, l;

	if (!two_leaf_sizes(cfg, &small, &big)) {
		/* Holes are skipped, the count is what was mapped. */
		l = 64 * small;
		assert_int_equal(sio_pt_map(pt, l, l, small, PROT_ALL), 0);
		assert_int_equal(sio_pt_map(pt, l + 4 * small, l, small, PROT_ALL), 0);
		assert_int_equal(sio_pt_unmap(pt, l - small, 8 * small), 2 * small);
		assert_int_equal(sio_pt_unmap(pt, l, small), 0);
		sio_pt_destroy(pt);
		return;
	}
	l = 4 * big;
	assert_int_equal(sio_pt_map(pt, l - small, 0, small, PROT_ALL), 0);
	assert_int_equal(sio_pt_map(pt, l, l, big, PROT_ALL), 0);
	assert_int_equal(sio_pt_map(pt, l + big, 0, small, PROT_ALL), 0);

	/* Starting inside the large leaf: nothing removed, and unmap stops. */
	assert_int_equal(sio_pt_unmap(pt, l + small, small), 0);
	assert_int_equal(sio_pt_unmap(pt, l + small, 2 * big), 0);
	check_mapped(pt, l, l, big, leaf_lg2_for(cfg, big));
	check_mapped(pt, l + big, 0, small, leaf_lg2_for(cfg, small));

	/* Ending inside it: removed whole and counted whole. */
	assert_int_equal(sio_pt_unmap(pt, l - small, 2 * small), small + big);
	check_unmapped(pt, l - small);
	check_unmapped(pt, l);
	check_unmapped(pt, l + big - 1);
	check_mapped(pt, l + big, 0, small, leaf_lg2_for(cfg, small));

	/* Holes are skipped. */
	assert_int_equal(sio_pt_unmap(pt, 0, 8 * big), small);
	assert_int_equal(sio_pt_unmap(pt, 0, 8 * big), 0);
	assert_int_equal(linked_tables(pt), 1);
	sio_pt_destroy(pt);
}

static void test_unmap_all(void **state)
{
	const struct pt_case *tc = tcase(state);
	struct sio_pt *pt = pt_new(&tc->cfg);
	const struct sio_pt_cfg *cfg = sio_pt_config(pt);
	uint64_t s = cfg->pgsize_bitmap & -cfg->pgsize_bitmap;
	uint64_t hi = input_limit(cfg) - s;

	assert_int_equal(sio_pt_map(pt, 0, 0, s, PROT_ALL), 0);
	assert_int_equal(sio_pt_map(pt, hi, 0, s, PROT_ALL), 0);
	if (is_x86(cfg))
		assert_int_equal(sio_pt_map(pt, ~0ULL - s + 1, 0, s, PROT_ALL), 0);
	assert_int_equal(sio_pt_unmap(pt, 0, ~0ULL), (is_x86(cfg) ? 3 : 2) * s);
	check_unmapped(pt, 0);
	check_unmapped(pt, hi);
	assert_int_equal(linked_tables(pt), 1);
	sio_pt_destroy(pt);
}

static void test_errors(void **state)
{
	const struct pt_case *tc = tcase(state);
	struct sio_pt *pt = pt_new(&tc->cfg);
	const struct sio_pt_cfg *cfg = sio_pt_config(pt);
	uint64_t s = cfg->pgsize_bitmap & -cfg->pgsize_bitmap;
	uint64_t lim = input_limit(cfg);
	uint64_t iova = 16 * s;

	/* -EINVAL: no R/W, zero size, misalignment to the smallest page. */
	assert_int_equal(sio_pt_map(pt, iova, 0, s, 0), -EINVAL);
	assert_int_equal(sio_pt_map(pt, iova, 0, s, SIO_PT_PROT_NOEXEC), -EINVAL);
	assert_int_equal(sio_pt_map(pt, iova, 0, s, SIO_PT_PROT_USER), -EINVAL);
	assert_int_equal(sio_pt_map(pt, iova, 0, 0, PROT_ALL), -EINVAL);
	assert_int_equal(sio_pt_map(pt, iova + s / 2, 0, s, PROT_ALL), -EINVAL);
	assert_int_equal(sio_pt_map(pt, iova, s / 2, s, PROT_ALL), -EINVAL);
	assert_int_equal(sio_pt_map(pt, iova, 0, s + s / 2, PROT_ALL), -EINVAL);

	/* -ERANGE: beyond the input range, across its end, pa beyond the output. */
	assert_int_equal(sio_pt_map(pt, lim, 0, s, PROT_ALL), -ERANGE);
	assert_int_equal(sio_pt_map(pt, lim - s, 0, 2 * s, PROT_ALL), -ERANGE);
	assert_int_equal(sio_pt_map(pt, ~0ULL - s + 1, 0, 2 * s, PROT_ALL), -ERANGE);
	assert_int_equal(sio_pt_map(pt, iova, 1ULL << cfg->oas, s, PROT_ALL), -ERANGE);
	assert_int_equal(sio_pt_map(pt, iova, (1ULL << cfg->oas) - s, 2 * s, PROT_ALL),
			 -ERANGE);
	assert_int_equal(sio_pt_map(pt, iova, ~0ULL - s + 1, 2 * s, PROT_ALL), -ERANGE);
	/* ... and nothing was mapped. */
	check_unmapped(pt, iova);
	check_unmapped(pt, lim - s);
	assert_int_equal(linked_tables(pt), 1);

	/* The edges themselves are fine. */
	assert_int_equal(sio_pt_map(pt, lim - s, (1ULL << cfg->oas) - s, s, PROT_ALL), 0);
	check_mapped(pt, lim - s, (1ULL << cfg->oas) - s, s, leaf_lg2_for(cfg, s));
	check_unmapped(pt, lim);
	assert_int_equal(sio_pt_unmap(pt, lim - s, s), s);
	assert_int_equal(sio_pt_unmap(pt, lim, s), 0);
	sio_pt_destroy(pt);
}

static void test_walk_basics(void **state)
{
	const struct pt_case *tc = tcase(state);
	struct sio_pt *pt = pt_new(&tc->cfg);
	const struct sio_pt_cfg *cfg = sio_pt_config(pt);
	uint64_t s = cfg->pgsize_bitmap & -cfg->pgsize_bitmap;
	uint64_t g = 1ULL << cfg->granule_lg2;
	uint64_t iova = 3 * level_size(cfg, 1) + 2 * g;
	struct sio_pt_walk_result res;

	assert_int_equal(sio_pt_map(pt, iova, 0x7700000, s, PROT_ALL), 0);

	/* A cold walk to a granule leaf reads one entry per level. */
	assert_int_equal(pt_walk(pt, iova + 0x123, SIO_PT_R, false, &res), 0);
	assert_int_equal(res.oa, 0x7700000 + 0x123);
	assert_int_equal(res.size_lg2, cfg->granule_lg2);
	assert_int_equal(res.level, 0);
	assert_int_equal(res.loads, cfg->levels);
	assert_int_equal(res.fault, SIO_PT_OK);
	assert_true(res.perm & SIO_PT_R);

	/* Not present in the same leaf table: fault at level 0. */
	assert_int_equal(pt_walk(pt, iova + s + g, SIO_PT_R, false, &res), -EFAULT);
	assert_int_equal(res.fault, SIO_PT_FAULT_NOT_PRESENT);
	assert_int_equal(res.level, 0);
	assert_int_equal(res.loads, cfg->levels);
	assert_int_equal(res.fault_entry_addr,
			 (uint64_t)(uintptr_t)pt_entry(pt, iova + s + g, NULL));

	/* Not present at the top. */
	if (cfg->levels > 1) {
		uint64_t far = input_limit(cfg) - g;

		assert_int_equal(pt_walk(pt, far, SIO_PT_R, false, &res), -EFAULT);
		assert_int_equal(res.fault, SIO_PT_FAULT_NOT_PRESENT);
		assert_int_equal(res.level, cfg->levels - 1);
		assert_int_equal(res.loads, 1);
	}

	/* Out of range: before any load. */
	assert_int_equal(pt_walk(pt, input_limit(cfg), SIO_PT_R, false, &res), -EFAULT);
	assert_int_equal(res.fault, SIO_PT_FAULT_RANGE);
	assert_int_equal(res.loads, 0);

	/* A larger leaf ends the walk earlier. */
	{
		uint64_t small, big;

		if (two_leaf_sizes(cfg, &small, &big) && big == level_size(cfg, 1)) {
			assert_int_equal(sio_pt_map(pt, 2 * big, 6 * big, big, PROT_ALL), 0);
			assert_int_equal(pt_walk(pt, 2 * big + 5 * small, SIO_PT_R, false, &res),
					 0);
			assert_int_equal(res.oa, 6 * big + 5 * small);
			assert_int_equal(res.level, 1);
			assert_int_equal(res.loads, cfg->levels - 1);
			assert_int_equal(res.size_lg2, sio_ffs64(big));
		}
	}

	/* An unsupported configuration is refused. */
	{
		struct sio_pt_cfg bad = *cfg;

		bad.levels = 9;
		assert_int_equal(sio_pt_walk(&bad, sio_pt_root(pt), &sio_pt_mem_direct, 0,
					     SIO_PT_R, false, &res), -EINVAL);
	}
	sio_pt_destroy(pt);
}

static void test_walk_table_read_fault(void **state)
{
	const struct pt_case *tc = tcase(state);
	struct sio_pt *pt = pt_new(&tc->cfg);
	const struct sio_pt_cfg *cfg = sio_pt_config(pt);
	uint64_t s = cfg->pgsize_bitmap & -cfg->pgsize_bitmap;
	uint64_t iova = 5 * level_size(cfg, 1) + s;
	struct sio_pt_walk_result res;
	struct rec_mem m, ok;
	struct sio_pt_mem mem;

	assert_int_equal(sio_pt_map(pt, iova, 0x100000, s, PROT_ALL), 0);
	/* Reference addresses of every level. */
	mem = rec_mem_of(&ok);
	assert_int_equal(sio_pt_walk(cfg, sio_pt_root(pt), &mem, iova, SIO_PT_R, false, &res), 0);
	assert_int_equal(ok.nreads, cfg->levels);
	assert_true(ok.addrs[0] >= sio_pt_root(pt) && ok.addrs[0] < sio_pt_root(pt) + SZ_64K);

	for (unsigned int k = 1; k <= cfg->levels; k++) {
		mem = rec_mem_of(&m);
		m.fail_read_at = k;
		assert_int_equal(sio_pt_walk(cfg, sio_pt_root(pt), &mem, iova, SIO_PT_R, false,
					     &res), -EFAULT);
		assert_int_equal(res.fault, SIO_PT_FAULT_TABLE_READ);
		assert_int_equal(res.level, cfg->levels - k);
		assert_int_equal(res.loads, k);
		assert_int_equal(res.fault_entry_addr, ok.addrs[k - 1]);
	}
	sio_pt_destroy(pt);
}

/* The per-format "write makes the leaf dirty" configuration. */
static struct sio_pt_cfg dirty_cfg(const struct sio_pt_cfg *cfg)
{
	struct sio_pt_cfg c = *cfg;

	c.dirty_tracking = true;
	if (c.format == SIO_PT_ARM_S1 || c.format == SIO_PT_ARM_S2)
		c.hw_dirty = c.hw_af = true;
	return c;
}

static void test_ad_cas(void **state)
{
	const struct pt_case *tc = tcase(state);
	struct sio_pt_cfg c = dirty_cfg(&tc->cfg);
	struct sio_pt *pt = pt_new(&c);
	const struct sio_pt_cfg *cfg = sio_pt_config(pt);
	uint64_t s = cfg->pgsize_bitmap & -cfg->pgsize_bitmap;
	uint64_t iova = 7 * level_size(cfg, 1);
	struct sio_pt_walk_result res;
	struct rec_mem m;
	struct sio_pt_mem mem;
	uint64_t *leaf, before;

	assert_int_equal(sio_pt_map(pt, iova, 0x100000, s, PROT_ALL), 0);
	leaf = pt_entry(pt, iova, NULL);
	before = ent_get(leaf);

	/* A failing CAS: AD_UPDATE at the entry, nothing written there. */
	mem = rec_mem_of(&m);
	m.fail_cas_at = 1;
	m.cas_again = 0;
	assert_int_equal(sio_pt_walk(cfg, sio_pt_root(pt), &mem, iova, SIO_PT_R | SIO_PT_W, true,
				     &res), -EFAULT);
	assert_int_equal(res.fault, SIO_PT_FAULT_AD_UPDATE);
	assert_int_equal(res.fault_entry_addr, m.addrs[m.nreads - 1]);

	/* "Changed under us" twice: re-read and retried, counted as loads. */
	sio_pt_destroy(pt);
	pt = pt_new(&c);
	cfg = sio_pt_config(pt);
	assert_int_equal(sio_pt_map(pt, iova, 0x100000, s, PROT_ALL), 0);
	leaf = pt_entry(pt, iova, NULL);
	before = ent_get(leaf);
	mem = rec_mem_of(&m);
	m.cas_again = 2;
	assert_int_equal(sio_pt_walk(cfg, sio_pt_root(pt), &mem, iova, SIO_PT_R | SIO_PT_W, true,
				     &res), 0);
	assert_true(m.ncas >= 3);
	assert_int_equal(res.loads, cfg->levels + 2);
	assert_int_equal(m.nreads, res.loads);
	assert_true(ent_get(leaf) != before);
	assert_true(res.perm & SIO_PT_W);
	/* The leaf is dirty now. */
	{
		struct dirty_log d;

		assert_int_equal(read_dirty(pt, iova, s, true, &d), 1);
	}

	/* A CAS that never succeeds: bounded retries, then AD_UPDATE. */
	{
		uint64_t iova4 = iova + 16 * s;

		assert_int_equal(sio_pt_map(pt, iova4, 0x400000, s, PROT_ALL), 0);
		mem = rec_mem_of(&m);
		m.cas_again = ~0u;
		assert_int_equal(sio_pt_walk(cfg, sio_pt_root(pt), &mem, iova4, SIO_PT_W, true,
					     &res), -EFAULT);
		assert_int_equal(res.fault, SIO_PT_FAULT_AD_UPDATE);
		assert_true(res.loads > 100);
	}

	/* Without set_ad nothing is written. */
	{
		uint64_t *e2;
		uint64_t iova2 = iova + 8 * s;

		assert_int_equal(sio_pt_map(pt, iova2, 0x200000, s, PROT_ALL), 0);
		e2 = pt_entry(pt, iova2, NULL);
		before = ent_get(e2);
		assert_int_equal(pt_walk(pt, iova2, SIO_PT_R | SIO_PT_W, false, &res), 0);
		assert_int_equal(ent_get(e2), before);
	}

	/*
	 * The leaf really changes between read and CAS (another agent unmaps
	 * it): the CAS fails, the walk re-reads and reports NOT_PRESENT.
	 */
	{
		uint64_t iova3 = iova + 12 * s;

		assert_int_equal(sio_pt_map(pt, iova3, 0x300000, s, PROT_ALL), 0);
		mem = rec_mem_of(&m);
		m.clobber = 1;
		m.clobber_addr = (uint64_t)(uintptr_t)pt_entry(pt, iova3, NULL);
		m.clobber_val = 0;
		assert_int_equal(sio_pt_walk(cfg, sio_pt_root(pt), &mem, iova3, SIO_PT_W, true,
					     &res), -EFAULT);
		assert_int_equal(res.fault, SIO_PT_FAULT_NOT_PRESENT);
		assert_int_equal(res.level, 0);
		assert_int_equal(res.fault_entry_addr, m.clobber_addr);
	}
	sio_pt_destroy(pt);
}

static void test_deferred_free(void **state)
{
	const struct pt_case *tc = tcase(state);
	struct sio_pt *pt = pt_new(&tc->cfg);
	const struct sio_pt_cfg *cfg = sio_pt_config(pt);
	uint64_t s = cfg->pgsize_bitmap & -cfg->pgsize_bitmap;
	uint64_t iova = 9 * level_size(cfg, 1) + 4 * s;
	struct sio_pt_stats st;
	struct rec_mem m;
	struct sio_pt_mem mem = rec_mem_of(&m);
	struct sio_pt_walk_result res;
	uint64_t tables[8];
	unsigned int i, n = cfg->levels;

	assert_int_equal(sio_pt_map(pt, iova, 0x100000, s, PROT_ALL), 0);
	sio_pt_get_stats(pt, &st);
	assert_int_equal(st.tables_live, n);
	assert_int_equal(st.tables_deferred, 0);
	assert_int_equal(sio_pt_walk(cfg, sio_pt_root(pt), &mem, iova, SIO_PT_R, false, &res), 0);
	for (i = 0; i < n; i++)
		tables[i] = m.addrs[i];

	/* Another page in the same leaf table: nothing is unlinked yet. */
	assert_int_equal(sio_pt_map(pt, iova + s, 0x200000, s, PROT_ALL), 0);
	assert_int_equal(sio_pt_unmap(pt, iova + s, s), s);
	sio_pt_get_stats(pt, &st);
	assert_int_equal(st.tables_deferred, 0);

	assert_int_equal(sio_pt_unmap(pt, iova, s), s);
	sio_pt_get_stats(pt, &st);
	assert_int_equal(st.tables_live, n);
	assert_int_equal(st.tables_deferred, n - 1);

	/*
	 * A walker that loaded the old links still reads valid (zeroed) memory:
	 * a plain load, which ASan reports if the table had been freed.
	 */
	for (i = 1; i < n; i++) {
		volatile uint64_t *p = (volatile uint64_t *)(uintptr_t)tables[i];

		assert_int_equal(*p, 0);
	}
	sio_pt_free_deferred(pt);
	sio_pt_get_stats(pt, &st);
	assert_int_equal(st.tables_live, 1);
	assert_int_equal(st.tables_deferred, 0);
	sio_pt_free_deferred(pt);

	/* Destroy frees pending deferred tables too (LeakSanitizer checks). */
	assert_int_equal(sio_pt_map(pt, iova, 0x100000, s, PROT_ALL), 0);
	assert_int_equal(sio_pt_unmap(pt, iova, s), s);
	sio_pt_get_stats(pt, &st);
	assert_int_equal(st.tables_deferred, n - 1);
	assert_int_equal(sio_pt_map(pt, iova, 0x100000, s, PROT_ALL), 0);
	sio_pt_destroy(pt);
}

static void test_dirty(void **state)
{
	const struct pt_case *tc = tcase(state);
	struct sio_pt_cfg c = dirty_cfg(&tc->cfg);
	struct sio_pt *pt = pt_new(&tc->cfg);
	const struct sio_pt_cfg *cfg;
	uint64_t s, g, iova;
	struct sio_pt_walk_result res;
	struct dirty_log d;

	/* Without dirty tracking. */
	assert_int_equal(sio_pt_read_and_clear_dirty(pt, 0, 1ULL << 20, false, dirty_cb, &d),
			 -EOPNOTSUPP);
	assert_int_equal(sio_pt_set_dirty(pt, 0), -EOPNOTSUPP);
	sio_pt_destroy(pt);

	pt = pt_new(&c);
	cfg = sio_pt_config(pt);
	s = cfg->pgsize_bitmap & -cfg->pgsize_bitmap;
	g = 1ULL << cfg->granule_lg2;
	iova = 3 * level_size(cfg, 1);
	assert_int_equal(sio_pt_map(pt, iova, 0x100000, 4 * s, PROT_ALL), 0);
	assert_int_equal(read_dirty(pt, 0, ~0ULL, false, &d), 0);

	/* Reads and probe walks do not dirty. */
	assert_int_equal(pt_walk(pt, iova, SIO_PT_R, true, &res), 0);
	assert_int_equal(pt_walk(pt, iova, SIO_PT_R | SIO_PT_W, false, &res), 0);
	assert_int_equal(read_dirty(pt, iova, 4 * s, false, &d), 0);

	/* A DMA write does, per leaf. */
	assert_int_equal(pt_walk(pt, iova + s + 8, SIO_PT_W, true, &res), 0);
	assert_true(res.perm & SIO_PT_W);
	assert_int_equal(read_dirty(pt, iova, 4 * s, true, &d), 1);
	assert_int_equal(d.iova[0], iova + s);
	assert_int_equal(d.size[0], g);
	/* no_clear keeps it; a range that merely overlaps the leaf reports it whole */
	assert_int_equal(read_dirty(pt, iova + s + g - 1, 1, true, &d), 1);
	assert_int_equal(d.iova[0], iova + s);
	assert_int_equal(read_dirty(pt, iova, 4 * s, false, &d), 1);
	assert_int_equal(read_dirty(pt, iova, 4 * s, false, &d), 0);

	/* set_dirty */
	assert_int_equal(sio_pt_set_dirty(pt, iova + 3 * s + 1), 0);
	assert_int_equal(sio_pt_set_dirty(pt, iova + 4 * s), -ENOENT);
	assert_int_equal(sio_pt_set_dirty(pt, input_limit(cfg)), -ENOENT);
	assert_int_equal(read_dirty(pt, 0, ~0ULL, false, &d), 1);
	assert_int_equal(d.iova[0], iova + 3 * s);
	assert_int_equal(d.size[0], g);
	assert_int_equal(read_dirty(pt, 0, ~0ULL, false, &d), 0);

	/* The cleared leaf is written clean again: the next write re-dirties it. */
	assert_int_equal(pt_walk(pt, iova + s, SIO_PT_R, true, &res), 0);
	assert_int_equal(read_dirty(pt, iova, 4 * s, false, &d), 0);
	assert_int_equal(pt_walk(pt, iova + s, SIO_PT_W, true, &res), 0);
	assert_int_equal(read_dirty(pt, iova, 4 * s, false, &d), 1);

	/* Large leaves report their whole size. */
	{
		uint64_t small, big;

		if (two_leaf_sizes(cfg, &small, &big) &&
		    leaf_lg2_for(cfg, big) > cfg->granule_lg2) {
			assert_int_equal(sio_pt_map(pt, 8 * big, 0, big, PROT_ALL), 0);
			assert_int_equal(sio_pt_set_dirty(pt, 8 * big + big / 2), 0);
			assert_int_equal(read_dirty(pt, 8 * big + small, small, false, &d), 1);
			assert_int_equal(d.iova[0], 8 * big);
			assert_int_equal(d.size[0], big);
		}
	}
	sio_pt_destroy(pt);
}

/* ------------------------------------------------------------------------ */
/* Not per configuration                                                     */

static void test_mem_direct_bad_addresses(void **state)
{
	struct sio_pt_cfg c = { .format = SIO_PT_VTD_SS, .levels = 4 };
	struct sio_pt *pt = pt_new(&c);
	struct sio_pt_walk_result res;
	long pg = sysconf(_SC_PAGESIZE);
	void *hole;
	uint64_t v;

	(void)state;
	pt_uaccess_ready();
	hole = mmap(NULL, (size_t)pg, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(hole != MAP_FAILED);

	/* Unreadable root: TABLE_READ at the top, no crash. */
	assert_int_equal(sio_pt_walk(sio_pt_config(pt), (uint64_t)(uintptr_t)hole,
				     &sio_pt_mem_direct, 0, SIO_PT_R, true, &res), -EFAULT);
	assert_int_equal(res.fault, SIO_PT_FAULT_TABLE_READ);
	assert_int_equal(res.level, 3);
	assert_int_equal(res.loads, 1);
	assert_int_equal(res.fault_entry_addr, (uint64_t)(uintptr_t)hole);

	/* NULL page and misaligned addresses. */
	assert_int_equal(sio_pt_mem_direct.read(NULL, 0, &v), -EFAULT);
	assert_int_equal(sio_pt_mem_direct.read(NULL, sio_pt_root(pt) + 4, &v), -EFAULT);
	assert_int_equal(sio_pt_mem_direct.read(NULL, (uint64_t)(uintptr_t)hole, &v), -EFAULT);
	assert_int_equal(sio_pt_mem_direct.cas(NULL, (uint64_t)(uintptr_t)hole, 0, 1), -EFAULT);
	assert_int_equal(sio_pt_mem_direct.cas(NULL, sio_pt_root(pt) + 4, 0, 1), -EFAULT);
	assert_int_equal(sio_pt_mem_direct.read(NULL, ~0ULL - 7, &v), -EFAULT);
	assert_int_equal(sio_pt_walk(sio_pt_config(pt), sio_pt_root(pt) + 4, &sio_pt_mem_direct,
				     0, SIO_PT_R, false, &res), -EFAULT);
	assert_int_equal(res.fault, SIO_PT_FAULT_TABLE_READ);

	/* A table entry pointing at the hole: fault one level down. */
	{
		uint64_t *root = (uint64_t *)(uintptr_t)sio_pt_root(pt);

		root[0] = (uint64_t)(uintptr_t)hole | 3;	/* VT-d SS: R|W table */
		assert_int_equal(sio_pt_walk(sio_pt_config(pt), sio_pt_root(pt),
					     &sio_pt_mem_direct, 0, SIO_PT_R, false, &res),
				 -EFAULT);
		assert_int_equal(res.fault, SIO_PT_FAULT_TABLE_READ);
		assert_int_equal(res.level, 2);
		assert_int_equal(res.loads, 2);
		root[0] = 0;
	}

	/* The direct CAS: success, and "changed" on a stale old value. */
	{
		uint64_t word = 5;

		assert_int_equal(sio_pt_mem_direct.read(NULL, (uint64_t)(uintptr_t)&word, &v), 0);
		assert_int_equal(v, 5);
		assert_int_equal(sio_pt_mem_direct.cas(NULL, (uint64_t)(uintptr_t)&word, 5, 7), 0);
		assert_int_equal(word, 7);
		assert_int_equal(sio_pt_mem_direct.cas(NULL, (uint64_t)(uintptr_t)&word, 5, 9),
				 -EAGAIN);
		assert_int_equal(word, 7);
	}

	/* A readable, write-protected entry: the CAS fails, even on a match. */
	{
		uint64_t *ro = mmap(NULL, (size_t)pg, PROT_READ | PROT_WRITE,
				    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		assert_true(ro != MAP_FAILED);
		ro[1] = 5;
		assert_int_equal(mprotect(ro, (size_t)pg, PROT_READ), 0);
		assert_int_equal(sio_pt_mem_direct.read(NULL, (uint64_t)(uintptr_t)&ro[1], &v), 0);
		assert_int_equal(v, 5);
		assert_int_equal(sio_pt_mem_direct.cas(NULL, (uint64_t)(uintptr_t)&ro[1], 5, 7),
				 -EFAULT);
		assert_int_equal(ro[1], 5);
		munmap(ro, (size_t)pg);
	}
	munmap(hole, (size_t)pg);
	sio_pt_destroy(pt);
}

static void test_create_invalid(void **state)
{
	static const struct sio_pt_cfg bad[] = {
		{ .format = (enum sio_pt_format)99, .levels = 4 },
		{ .format = SIO_PT_VTD_SS },				/* no levels, no ias */
		{ .format = SIO_PT_VTD_SS, .levels = 2 },
		{ .format = SIO_PT_VTD_SS, .levels = 6 },
		{ .format = SIO_PT_VTD_SS, .levels = 4, .granule_lg2 = 14 },
		{ .format = SIO_PT_VTD_SS, .levels = 3, .ias = 48 },	/* beyond 3 levels */
		{ .format = SIO_PT_VTD_SS, .levels = 4, .oas = 53 },
		{ .format = SIO_PT_VTD_SS, .levels = 4, .pgsize_bitmap = SZ_2K },
		{ .format = SIO_PT_VTD_SS, .levels = 4, .pgsize_bitmap = SZ_16K },
		{ .format = SIO_PT_X86_64, .levels = 3 },
		{ .format = SIO_PT_X86_64, .levels = 4, .ias = 47 },	/* not canonical width */
		{ .format = SIO_PT_ARM_S1, .granule_lg2 = 13, .ias = 48 },
		{ .format = SIO_PT_ARM_S1, .granule_lg2 = 12, .ias = 49 },
		{ .format = SIO_PT_ARM_S1, .granule_lg2 = 12, .ias = 48, .levels = 3 },
		{ .format = SIO_PT_ARM_S1, .granule_lg2 = 12, .ias = 39, .levels = 4 },
		{ .format = SIO_PT_ARM_S1, .granule_lg2 = 12, .ias = 48, .oas = 52 },
		{ .format = SIO_PT_ARM_S2, .granule_lg2 = 16, .ias = 48,
		  .pgsize_bitmap = SZ_2M },
		{ .format = SIO_PT_ARM_S2, .granule_lg2 = 12, .ias = 48, .dirty_tracking = true },
		{ .format = SIO_PT_MOCK, .levels = 6 },
		{ .format = SIO_PT_MOCK, .levels = 3, .pgsize_bitmap = SZ_2M },
		{ .format = SIO_PT_MOCK, .levels = 1, .pgsize_bitmap = SZ_1M },
		{ .format = SIO_PT_MOCK, .levels = 3, .oas = 52 },
	};
	struct sio_pt *pt;
	unsigned int i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		pt = NULL;
		if (sio_pt_create(&bad[i], &pt) != -EINVAL) {
			print_error("config %u accepted\n", i);
			fail();
		}
	}

	/* Derived values are reported. */
	{
		struct sio_pt_cfg c = { .format = SIO_PT_ARM_S2, .granule_lg2 = 16, .ias = 48 };

		pt = pt_new(&c);
		assert_int_equal(sio_pt_config(pt)->levels, 3);
		assert_int_equal(sio_pt_config(pt)->oas, 52);
		assert_int_equal(sio_pt_config(pt)->pgsize_bitmap, SZ_64K | SZ_512M);
		sio_pt_destroy(pt);
	}
	{
		struct sio_pt_cfg c = { .format = SIO_PT_VTD_SS, .ias = 57 };

		pt = pt_new(&c);
		assert_int_equal(sio_pt_config(pt)->levels, 5);
		assert_int_equal(sio_pt_config(pt)->granule_lg2, 12);
		assert_int_equal(sio_pt_config(pt)->pgsize_bitmap, SZ_4K | SZ_2M | SZ_1G);
		sio_pt_destroy(pt);
	}
	{
		struct sio_pt_cfg c = { .format = SIO_PT_MOCK, .levels = 3 };

		pt = pt_new(&c);
		assert_int_equal(sio_pt_config(pt)->ias, 38);
		assert_int_equal(sio_pt_config(pt)->oas, 51);
		assert_int_equal(sio_pt_config(pt)->pgsize_bitmap, SZ_2K | SZ_1M);
		sio_pt_destroy(pt);
	}
	sio_pt_destroy(NULL);
}

/* ------------------------------------------------------------------------ */
/* Allocation failures (not under sanitizers, which own the allocator)       */

#ifndef PT_TEST_SANITIZED
#include <dlfcn.h>
#define HAVE_ALLOC_HOOKS 1

/* Fail the n-th table allocation / deferred-queue growth from now (0: never). */
static int g_fail_table_alloc, g_fail_realloc;

int posix_memalign(void **out, size_t align, size_t size);
void *realloc(void *p, size_t size);

int posix_memalign(void **out, size_t align, size_t size)
{
	static int (*real)(void **, size_t, size_t);

	if (!real)
		real = (int (*)(void **, size_t, size_t))dlsym(RTLD_NEXT, "posix_memalign");
	if (g_fail_table_alloc && !--g_fail_table_alloc)
		return ENOMEM;
	return real(out, align, size);
}

void *realloc(void *p, size_t size)
{
	static void *(*real)(void *, size_t);

	if (!real)
		real = (void *(*)(void *, size_t))dlsym(RTLD_NEXT, "realloc");
	if (g_fail_realloc && !--g_fail_realloc)
		return NULL;
	return real(p, size);
}
#else
#define HAVE_ALLOC_HOOKS 0
static int g_fail_table_alloc, g_fail_realloc;
#endif

static void test_alloc_failures(void **state)
{
	struct sio_pt_cfg c = { .format = SIO_PT_VTD_SS, .levels = 4 };
	struct sio_pt *pt;
	uint64_t b = 5 * SZ_2M;
	struct sio_pt_stats st;

	(void)state;
	if (!HAVE_ALLOC_HOOKS)
		skip();
	/* The root cannot be allocated. */
	g_fail_table_alloc = 1;
	assert_int_equal(sio_pt_create(&c, &pt), -ENOMEM);
	assert_int_equal(g_fail_table_alloc, 0);

	pt = pt_new(&c);
	/* The second new table fails: the first one is pruned again. */
	g_fail_table_alloc = 2;
	assert_int_equal(sio_pt_map(pt, b, 0, SZ_4K, PROT_RW), -ENOMEM);
	assert_int_equal(linked_tables(pt), 1);
	check_unmapped(pt, b);

	/* Fail in the middle of a range: what was mapped is undone. */
	g_fail_table_alloc = 4;		/* three tables for b - 4K, then b's leaf table */
	assert_int_equal(sio_pt_map(pt, b - SZ_4K, 0, 2 * SZ_4K, PROT_RW), -ENOMEM);
	check_unmapped(pt, b - SZ_4K);
	check_unmapped(pt, b);
	assert_int_equal(linked_tables(pt), 1);
	assert_int_equal(sio_pt_table_present(pt, sio_pt_root(pt)), 0);
	assert_int_equal(sio_pt_check_counts(pt), 0);
	g_fail_table_alloc = 0;
	assert_int_equal(sio_pt_map(pt, b - SZ_4K, 0, 2 * SZ_4K, PROT_RW), 0);
	check_mapped(pt, b - SZ_4K, 0, 2 * SZ_4K, 12);

	/* The deferred queue cannot grow: empty tables stay linked, all still works. */
	sio_pt_free_deferred(pt);
	sio_pt_destroy(pt);
	pt = pt_new(&c);
	assert_int_equal(sio_pt_map(pt, b, 0, SZ_4K, PROT_RW), 0);
	g_fail_realloc = 1;
	assert_int_equal(sio_pt_unmap(pt, b, SZ_4K), SZ_4K);
	g_fail_realloc = 0;
	sio_pt_get_stats(pt, &st);
	assert_int_equal(st.tables_deferred, 0);
	assert_int_equal(st.tables_live, 4);
	check_unmapped(pt, b);
	assert_int_equal(sio_pt_check_counts(pt), 0);
	assert_int_equal(sio_pt_map(pt, b + SZ_4K, SZ_4K, SZ_4K, PROT_RW), 0);
	check_mapped(pt, b + SZ_4K, SZ_4K, SZ_4K, 12);
	assert_int_equal(sio_pt_check_counts(pt), 0);
	/* A later unmap that covers the kept table cleans it up. */
	assert_int_equal(sio_pt_unmap(pt, 0, SZ_1G), SZ_4K);
	assert_int_equal(linked_tables(pt), 1);
	sio_pt_destroy(pt);
}

/* ------------------------------------------------------------------------ */
/* Present counts and leaf runs                                              */

/* The table holding the entry at @ep. */
static uint64_t table_of(const struct sio_pt_cfg *cfg, const uint64_t *ep)
{
	uint64_t size = cfg->format == SIO_PT_MOCK ? SZ_4K : 1ULL << cfg->granule_lg2;

	return (uint64_t)(uintptr_t)ep & ~(size - 1);
}

/* Present count of the table at @level on the way to @iova. */
static unsigned int present_at(struct sio_pt *pt, uint64_t iova, unsigned int level)
{
	return sio_pt_table_present(pt, table_of(sio_pt_config(pt),
						 pt_entry_at(pt, iova, level)));
}

static void test_present_counts(void **state)
{
	const struct pt_case *tc = tcase(state);
	struct sio_pt *pt = pt_new(&tc->cfg);
	const struct sio_pt_cfg *cfg = sio_pt_config(pt);
	uint64_t s = cfg->pgsize_bitmap & -cfg->pgsize_bitmap;
	uint64_t ls = 1ULL << leaf_lg2_for(cfg, s);	/* leaves per page: s / ls */
	uint64_t b = 3 * level_size(cfg, 1);		/* first page of a leaf table */
	uint64_t small, big;
	unsigned int root_level = cfg->levels - 1, c1;

	if (cfg->levels < 2) {
		sio_pt_destroy(pt);
		skip();
	}
	assert_int_equal(sio_pt_table_present(pt, sio_pt_root(pt)), 0);
	assert_int_equal(sio_pt_map(pt, b, 0x1000000, 5 * s, PROT_ALL), 0);
	assert_int_equal(present_at(pt, b, 0), 5 * s / ls);
	assert_int_equal(present_at(pt, b, root_level), 1);
	c1 = present_at(pt, b, 1);
	assert_int_equal(c1, 1);
	assert_int_equal(sio_pt_check_counts(pt), 0);

	/* A second run in the same table, then a hole unmapped in the first. */
	assert_int_equal(sio_pt_map(pt, b + 10 * s, 0x2000000, 2 * s, PROT_ALL), 0);
	assert_int_equal(present_at(pt, b, 0), 7 * s / ls);
	assert_int_equal(sio_pt_unmap(pt, b + s, 2 * s), 2 * s);
	assert_int_equal(present_at(pt, b, 0), 5 * s / ls);
	assert_int_equal(present_at(pt, b, 1), c1);
	assert_int_equal(sio_pt_check_counts(pt), 0);

	/* A run stopped by a leaf inside it: the part written is rolled back. */
	assert_int_equal(sio_pt_map(pt, b + 5 * s, 0x3000000, 7 * s, PROT_ALL), -EADDRINUSE);
	for (unsigned int i = 5; i < 10; i++)
		check_unmapped(pt, b + i * s);
	check_mapped(pt, b + 10 * s, 0x2000000, 2 * s, leaf_lg2_for(cfg, s));
	assert_int_equal(present_at(pt, b, 0), 5 * s / ls);
	assert_int_equal(sio_pt_check_counts(pt), 0);

	/* Collision in a later table: the new leaf table before it is pruned. */
	assert_int_equal(sio_pt_map(pt, b - 2 * s, 0x4000000, 3 * s, PROT_ALL), -EADDRINUSE);
	check_unmapped(pt, b - s);
	assert_int_equal(present_at(pt, b, 1), c1);
	assert_int_equal(present_at(pt, b, 0), 5 * s / ls);
	assert_int_equal(sio_pt_check_counts(pt), 0);

	/* Level-1 leaves count once each; an unmap that stops changes nothing. */
	if (two_leaf_sizes(cfg, &small, &big)) {
		uint64_t l = 8 * big;
		unsigned int before = present_at(pt, l - 1, 1);

		assert_int_equal(big, level_size(cfg, 1));
		assert_int_equal(sio_pt_map(pt, l, l, 2 * big, PROT_ALL), 0);
		assert_int_equal(present_at(pt, l, 1), before + 2);
		/* Starts inside the leaf: stops, nothing removed. */
		assert_int_equal(sio_pt_unmap(pt, l + small, small), 0);
		assert_int_equal(present_at(pt, l, 1), before + 2);
		/* Ends inside the first leaf: that leaf goes whole. */
		assert_int_equal(sio_pt_unmap(pt, l, small), big);
		check_unmapped(pt, l);
		check_mapped(pt, l + big, l + big, big, leaf_lg2_for(cfg, big));
		assert_int_equal(sio_pt_check_counts(pt), 0);
		assert_int_equal(sio_pt_unmap(pt, l + big, big), big);
		assert_int_equal(present_at(pt, l - 1, 1), before);
		assert_int_equal(sio_pt_check_counts(pt), 0);
	}

	/* Emptying the leaf table unlinks it (parent count drops) and queues it. */
	assert_int_equal(sio_pt_unmap(pt, b, 12 * s), 3 * s + 2 * s);
	check_unmapped(pt, b);
	assert_int_equal(sio_pt_table_present(pt, sio_pt_root(pt)), 0);
	assert_int_equal(linked_tables(pt), 1);
	assert_int_equal(sio_pt_check_counts(pt), 0);
	sio_pt_free_deferred(pt);
	sio_pt_destroy(pt);
}

/*
 * Map 6 * @sz at @iova (3 * @sz before a boundary of level-@l tables) to @pa
 * as leaves of 2^@lg2: each translates, each table counts its half.
 */
static void check_run(struct sio_pt *pt, unsigned int l, uint64_t iova, uint64_t pa,
		      uint64_t sz, unsigned int lg2)
{
	const struct sio_pt_cfg *cfg = sio_pt_config(pt);
	uint64_t i, n = 6 * sz >> lg2;

	assert_int_equal(sio_pt_map(pt, iova, pa, 6 * sz, PROT_ALL), 0);
	for (i = 0; i < n; i++) {
		uint64_t got = 0;
		unsigned int gl = 0;

		assert_int_equal(sio_pt_iova_to_phys(pt, iova + (i << lg2) + 8, &got, &gl), 0);
		assert_int_equal(got, pa + (i << lg2) + 8);
		assert_int_equal(gl, lg2);
	}
	check_unmapped(pt, iova - 1);
	check_unmapped(pt, iova + 6 * sz);
	assert_int_equal(present_at(pt, iova, l), n / 2);
	assert_int_equal(present_at(pt, iova + 6 * sz - 1, l), n / 2);
	assert_true(table_of(cfg, pt_entry_at(pt, iova, l)) !=
		    table_of(cfg, pt_entry_at(pt, iova + 6 * sz - 1, l)));
	assert_int_equal(sio_pt_check_counts(pt), 0);
	assert_int_equal(sio_pt_unmap(pt, iova, 6 * sz), 6 * sz);
	assert_int_equal(linked_tables(pt), 1);
	assert_int_equal(sio_pt_check_counts(pt), 0);
	sio_pt_free_deferred(pt);
}

/*
 * Runs of leaves that cross from one table into the next, at every level
 * that holds leaves below the top (and in the upper half for x86-64).
 */
static void test_run_boundaries(void **state)
{
	const struct pt_case *tc = tcase(state);
	struct sio_pt *pt = pt_new(&tc->cfg);
	const struct sio_pt_cfg *cfg = sio_pt_config(pt);
	uint64_t s = cfg->pgsize_bitmap & -cfg->pgsize_bitmap;
	uint64_t bases[2] = { 0, ~0ULL << (cfg->ias - 1) };
	unsigned int k, l, nb = is_x86(cfg) ? 2 : 1, runs = 0;

	for (k = 0; k < nb; k++) {
		for (l = 0; l + 1 < cfg->levels; l++) {
			uint64_t sz = l ? level_size(cfg, l) : s;
			unsigned int lg2 = l ? sio_ffs64(sz) : leaf_lg2_for(cfg, s);
			uint64_t y = 2 * level_size(cfg, l + 1), pa = y + 5 * sz;

			if ((l && !(cfg->pgsize_bitmap & sz)) || y + 3 * sz > input_limit(cfg) ||
			    pa + 6 * sz > 1ULL << cfg->oas)
				continue;
			check_run(pt, l, bases[k] + y - 3 * sz, pa, sz, lg2);
			runs++;
		}
	}
	assert_true(runs >= 1);
	sio_pt_destroy(pt);
}

/* fill_leaves() of @l over 8 entries from @pa, one non-zero entry in the way. */
static void check_fill(const struct pt_geom *geo, unsigned int l, uint64_t pa, int prot)
{
	const struct pt_fmt *fmt = geo->fmt;
	uint64_t step = 1ULL << pt_shift(geo, l);
	uint64_t ents[8] = { 0 }, marker = 0x5a5a0000ULL;
	unsigned int i;

	ents[5] = marker;
	assert_int_equal(fmt->fill_leaves(geo, l, ents, 8, pa, prot), 5);
	assert_int_equal(ents[5], marker);
	assert_int_equal(ents[6], 0);
	ents[5] = 0;
	assert_int_equal(fmt->fill_leaves(geo, l, ents + 5, 3, pa + 5 * step, prot), 3);
	for (i = 0; i < 8; i++) {
		assert_int_equal(ents[i], fmt->make_leaf(geo, l, pa + i * step, prot));
		assert_int_equal(fmt->leaf_pa(geo, l, ents[i]), pa + i * step);
	}
}

static const struct pt_fmt *fmt_of(enum sio_pt_format f)
{
	switch (f) {
	case SIO_PT_VTD_SS:
		return &sio_pt_fmt_vtd_ss;
	case SIO_PT_X86_64:
		return &sio_pt_fmt_x86_64;
	case SIO_PT_ARM_S1:
		return &sio_pt_fmt_arm_s1;
	case SIO_PT_ARM_S2:
		return &sio_pt_fmt_arm_s2;
	case SIO_PT_MOCK:
		break;
	}
	return &sio_pt_fmt_mock;
}

/*
 * The format's fill_leaves() against make_leaf(): the same entries for
 * every leaf level, prot and dirty configuration, including an output run
 * across 2^48 (where ARM 64K moves OA[51:48] to bits 15:12), and it stops
 * at the first non-zero entry without touching it.
 */
static void test_fill_leaves(void **state)
{
	const struct pt_case *tc = tcase(state);
	static const int prots[] = { PROT_RW, SIO_PT_PROT_READ,
				     PROT_ALL | SIO_PT_PROT_NOEXEC };
	struct sio_pt *pt = pt_new(&tc->cfg);
	struct sio_pt_cfg cfgs[2] = { *sio_pt_config(pt), dirty_cfg(sio_pt_config(pt)) };
	unsigned int d, l, p, checked = 0;

	sio_pt_destroy(pt);
	for (d = 0; d < 2; d++) {
		struct pt_geom geo = { .fmt = fmt_of(cfgs[d].format), .cfg = &cfgs[d] };

		/* The geometry pt.c builds: the format's init on a valid config. */
		pt = pt_new(&cfgs[d]);
		sio_pt_destroy(pt);
		assert_int_equal(geo.fmt->init(geo.cfg, &geo), 0);
		for (l = 0; l < geo.levels; l++) {
			uint64_t step = 1ULL << pt_shift(&geo, l);
			/* Across 2^48 where the output reaches beyond it. */
			uint64_t pa = geo.oas > 48 ? (1ULL << 48) - 3 * step :
					(1ULL << geo.oas) - 8 * step;

			if (!(geo.leaf_sizes & step) || 8 * step > (1ULL << geo.oas) / 2)
				continue;
			for (p = 0; p < ARRAY_SIZE(prots); p++, checked++)
				check_fill(&geo, l, pa, prots[p]);
		}
	}
	assert_true(checked >= 2 * ARRAY_SIZE(prots));
}

/* Decode of @e at @level by the format's data equals its kind()/table_pa(). */
static void check_decode(const struct pt_geom *geo, const struct pt_decode *dec,
			 unsigned int level, uint64_t e)
{
	enum pt_kind k = geo->fmt->kind(geo, level, e);

	assert_int_equal(pt_decode_kind(dec, level, e), k);
	if (k == PT_TABLE)
		assert_int_equal(pt_decode_table(dec, geo, e), geo->fmt->table_pa(geo, e));
}

/*
 * The format's decode() against its kind() and table_pa() at every level:
 * on the entries map writes (tables, leaves of every prot and dirty
 * configuration), zero, and pseudo-random entries with and without the
 * present bits.
 */
static void test_decode(void **state)
{
	const struct pt_case *tc = tcase(state);
	struct sio_pt *pt = pt_new(&tc->cfg);
	struct sio_pt_cfg cfgs[2] = { *sio_pt_config(pt), dirty_cfg(sio_pt_config(pt)) };
	uint64_t x = 0x9e3779b97f4a7c15ULL;
	unsigned int d, l, i;

	sio_pt_destroy(pt);
	for (d = 0; d < 2; d++) {
		struct pt_geom geo = { .fmt = fmt_of(cfgs[d].format), .cfg = &cfgs[d] };
		struct pt_decode dec;
		uint64_t tpa;

		pt = pt_new(&cfgs[d]);
		sio_pt_destroy(pt);
		assert_int_equal(geo.fmt->init(geo.cfg, &geo), 0);
		memset(&dec, 0, sizeof(dec));
		geo.fmt->decode(&geo, &dec);
		tpa = (0x12345ULL << geo.table_lg2) & ((1ULL << geo.oas) - 1);
		for (l = 0; l < geo.levels; l++) {
			uint64_t step = 1ULL << pt_shift(&geo, l);

			check_decode(&geo, &dec, l, 0);
			if (l)
				check_decode(&geo, &dec, l, geo.fmt->make_table(&geo, l, tpa));
			if (geo.leaf_sizes & step) {
				check_decode(&geo, &dec, l, geo.fmt->make_leaf(&geo, l, 8 * step,
									       PROT_RW));
				check_decode(&geo, &dec, l, geo.fmt->make_leaf(&geo, l, 8 * step,
									       SIO_PT_PROT_READ));
			}
			for (i = 0; i < 4096; i++) {
				x ^= x << 13;
				x ^= x >> 7;
				x ^= x << 17;
				check_decode(&geo, &dec, l, x);
				check_decode(&geo, &dec, l, x | dec.present);
				check_decode(&geo, &dec, l, x & ~dec.present);
			}
		}
	}
}

/* ARM 64K through map(): a run whose output crosses 2^48 (OA[51:48] in bits 15:12). */
static void test_run_across_2p48(void **state)
{
	struct sio_pt_cfg c = { .format = SIO_PT_ARM_S2, .granule_lg2 = 16, .ias = 48 };
	struct sio_pt *pt = pt_new(&c);
	uint64_t pa = (1ULL << 48) - 2 * SZ_64K, iova = 7 * SZ_512M - 3 * SZ_64K;
	unsigned int i;

	(void)state;
	assert_int_equal(sio_pt_config(pt)->oas, 52);
	assert_int_equal(sio_pt_map(pt, iova, pa, 6 * SZ_64K, PROT_RW), 0);
	for (i = 0; i < 6; i++) {
		uint64_t got = 0;

		assert_int_equal(sio_pt_iova_to_phys(pt, iova + i * SZ_64K + 8, &got, NULL), 0);
		assert_int_equal(got, pa + i * SZ_64K + 8);
	}
	assert_int_equal(sio_pt_check_counts(pt), 0);
	sio_pt_destroy(pt);
}

/* The count checker itself: an entry written behind the layer's back shows. */
static void test_present_checker(void **state)
{
	struct sio_pt_cfg c = { .format = SIO_PT_VTD_SS, .levels = 4 };
	struct sio_pt *pt = pt_new(&c);
	uint64_t *ep;

	(void)state;
	assert_int_equal(sio_pt_map(pt, SZ_2M, SZ_4K, SZ_4K, PROT_RW), 0);
	assert_int_equal(sio_pt_check_counts(pt), 0);
	ep = pt_entry(pt, SZ_2M + SZ_4K, NULL);
	assert_int_equal(ent_get(ep), 0);
	ent_set(ep, ent_get(ep - 1) + SZ_4K);
	assert_int_equal(sio_pt_check_counts(pt), 1);
	assert_int_equal(sio_pt_table_present(pt, table_of(sio_pt_config(pt), ep)), 1);
	ent_set(ep, 0);
	assert_int_equal(sio_pt_check_counts(pt), 0);
	/* A deferred table must stay at zero too. */
	assert_int_equal(sio_pt_unmap(pt, SZ_2M, SZ_4K), SZ_4K);
	assert_int_equal(sio_pt_check_counts(pt), 0);
	ent_set(ep, 1);
	assert_int_equal(sio_pt_check_counts(pt), 1);
	ent_set(ep, 0);
	sio_pt_destroy(pt);
}

/* ------------------------------------------------------------------------ */
/* Concurrency: walkers vs. map/unmap/dirty of other ranges                   */

#ifdef PT_TEST_SANITIZED
#define WALKS		300000UL
#define MIN_ROUNDS	300UL
#else
#define WALKS		2000000UL
#define MIN_ROUNDS	3000UL
#endif
#define MAX_SECONDS	60

#define FIXED_IOVA	0x40000000ULL	/* 1 GiB: its own level-2 subtree */
#define FIXED_PAGES	64
#define CHURN_IOVA	0x80000000ULL	/* 2 GiB: tables appear and vanish */
#define CHURN_SIZE	(SZ_2M + 16 * SZ_4K)

struct conc {
	struct sio_pt *pt;
	unsigned long walks_done;	/* atomic: churn walks completed (grace periods) */
	int fixed_done, stop;		/* atomic */
	unsigned long fixed_errors, churn_bad, churn_hits, churn_holes, dirty_seen;
};

static uint64_t fixed_pa(uint64_t iova)
{
	return 0x123400000ULL + (iova - FIXED_IOVA);
}

/* Walks the fixed range with A/D updates: every result must be exact. */
static void *fixed_walker(void *arg)
{
	struct conc *c = arg;
	const struct sio_pt_cfg *cfg = sio_pt_config(c->pt);
	uint64_t root = sio_pt_root(c->pt);
	unsigned long i;

	for (i = 0; i < WALKS; i++) {
		uint64_t iova = FIXED_IOVA + (i % FIXED_PAGES) * SZ_4K + (i & 0xff8);
		unsigned int access = (i & 1) ? SIO_PT_W : SIO_PT_R;
		const struct sio_pt_mem *mem = (i & 2) ? &sio_pt_mem_direct : &atomic_mem;
		struct sio_pt_walk_result res;
		uint64_t pa;

		if (sio_pt_walk(cfg, root, mem, iova, access, true, &res) ||
		    res.oa != fixed_pa(iova))
			c->fixed_errors++;
		if (!(i & 7) && (sio_pt_iova_to_phys(c->pt, iova, &pa, NULL) ||
				 pa != fixed_pa(iova)))
			c->fixed_errors++;
	}
	__atomic_store_n(&c->fixed_done, 1, __ATOMIC_RELEASE);
	return NULL;
}

/*
 * Walks the range being mapped and unmapped, and the unmapped entries after
 * it in the same new leaf table (whose only write is the table's zeroing, so
 * a missing release/acquire pairing shows up under TSan): absent or exact,
 * never garbage.
 */
static void *churn_walker(void *arg)
{
	struct conc *c = arg;
	const struct sio_pt_cfg *cfg = sio_pt_config(c->pt);
	uint64_t root = sio_pt_root(c->pt);
	unsigned long i = 0;

	while (!__atomic_load_n(&c->stop, __ATOMIC_ACQUIRE)) {
		uint64_t off = (i * 0x1000) % (CHURN_SIZE + 16 * SZ_4K);
		struct sio_pt_walk_result res;
		int rc;

		rc = sio_pt_walk(cfg, root, &atomic_mem, CHURN_IOVA + off, SIO_PT_W, true, &res);
		if (!rc) {
			if (off >= CHURN_SIZE || res.oa != 0x200000000ULL + off)
				c->churn_bad++;
			c->churn_hits++;
		} else if (res.fault != SIO_PT_FAULT_NOT_PRESENT) {
			c->churn_bad++;
		} else if (!res.level) {
			c->churn_holes++;	/* read a zero entry of a linked new table */
		}
		__atomic_store_n(&c->walks_done, ++i, __ATOMIC_RELEASE);
	}
	return NULL;
}

static void dirty_count_cb(void *arg, uint64_t iova, uint64_t size)
{
	struct conc *c = arg;

	(void)iova;
	(void)size;
	c->dirty_seen++;
}

/* Until the churn walker has finished @n more walks. */
static void wait_walks(struct conc *c, unsigned long n)
{
	unsigned long w0 = __atomic_load_n(&c->walks_done, __ATOMIC_ACQUIRE);

	while (__atomic_load_n(&c->walks_done, __ATOMIC_ACQUIRE) < w0 + n)
		sched_yield();
}

static void test_concurrent_walk_map_unmap(void **state)
{
	struct sio_pt_cfg cfg = { .format = SIO_PT_VTD_SS, .levels = 4, .dirty_tracking = true };
	struct conc c = { 0 };
	pthread_t tf, tc;
	unsigned long rounds = 0;
	time_t t0 = time(NULL);

	(void)state;
	pt_uaccess_ready();
	c.pt = pt_new(&cfg);
	assert_int_equal(sio_pt_map(c.pt, FIXED_IOVA, fixed_pa(FIXED_IOVA), FIXED_PAGES * SZ_4K,
				    PROT_RW), 0);
	assert_int_equal(pthread_create(&tc, NULL, churn_walker, &c), 0);
	assert_int_equal(pthread_create(&tf, NULL, fixed_walker, &c), 0);

	/* The caller's side: map/unmap/dirty serialised in this thread. */
	while (!__atomic_load_n(&c.fixed_done, __ATOMIC_ACQUIRE) || rounds < MIN_ROUNDS) {
		if (time(NULL) - t0 > MAX_SECONDS)
			break;
		/* A 2M leaf + 4K leaves: a level-1 and a leaf table come and go. */
		if (sio_pt_map(c.pt, CHURN_IOVA, 0x200000000ULL, CHURN_SIZE, PROT_RW))
			fail();
		wait_walks(&c, 3);
		if (sio_pt_read_and_clear_dirty(c.pt, FIXED_IOVA, FIXED_PAGES * SZ_4K, false,
						dirty_count_cb, &c))
			fail();
		if (sio_pt_unmap(c.pt, CHURN_IOVA, CHURN_SIZE) != CHURN_SIZE)
			fail();
		/* Grace period: every churn walk that may hold an old link has ended. */
		wait_walks(&c, 2);
		sio_pt_free_deferred(c.pt);
		rounds++;
	}
	__atomic_store_n(&c.stop, 1, __ATOMIC_RELEASE);
	pthread_join(tf, NULL);
	pthread_join(tc, NULL);
	print_message("%lu map/unmap rounds, %lu churn hits, %lu in holes, %lu dirty reports\n",
		      rounds, c.churn_hits, c.churn_holes, c.dirty_seen);
	assert_int_equal(c.fixed_errors, 0);
	assert_int_equal(c.churn_bad, 0);
	assert_true(rounds > 0);
	assert_true(c.churn_hits > 0);
	assert_true(c.dirty_seen > 0);
	check_mapped(c.pt, FIXED_IOVA, fixed_pa(FIXED_IOVA), FIXED_PAGES * SZ_4K, 12);
	check_unmapped(c.pt, CHURN_IOVA);
	/* Walkers' A/D updates never changed which entries are present. */
	assert_int_equal(sio_pt_check_counts(c.pt), 0);
	sio_pt_destroy(c.pt);
}

/* ------------------------------------------------------------------------ */

typedef void (*case_fn)(void **state);

static const struct {
	const char *name;
	case_fn fn;
} per_case[] = {
	{ "create_config", test_create_config },
	{ "roundtrip", test_roundtrip },
	{ "roundtrip_range", test_roundtrip_range },
	{ "largest_leaf", test_largest_leaf },
	{ "addrinuse", test_addrinuse },
	{ "unmap_whole_leaves", test_unmap_whole_leaves },
	{ "unmap_all", test_unmap_all },
	{ "errors", test_errors },
	{ "walk_basics", test_walk_basics },
	{ "walk_table_read_fault", test_walk_table_read_fault },
	{ "ad_cas", test_ad_cas },
	{ "deferred_free", test_deferred_free },
	{ "dirty", test_dirty },
	{ "present_counts", test_present_counts },
	{ "run_boundaries", test_run_boundaries },
	{ "fill_leaves", test_fill_leaves },
	{ "decode", test_decode },
};

int main(void)
{
	static const struct CMUnitTest fixed[] = {
		cmocka_unit_test(test_create_invalid),
		cmocka_unit_test(test_mem_direct_bad_addresses),
		cmocka_unit_test(test_alloc_failures),
		cmocka_unit_test(test_present_checker),
		cmocka_unit_test(test_run_across_2p48),
		cmocka_unit_test(test_concurrent_walk_map_unmap),
	};
	size_t n = ARRAY_SIZE(per_case) * ARRAY_SIZE(cases) + ARRAY_SIZE(fixed);
	struct CMUnitTest *tests = calloc(n, sizeof(*tests));
	char (*names)[64] = calloc(n, sizeof(*names));
	size_t i, j, k = 0;
	int rc;

	if (!tests || !names)
		return 1;
	for (i = 0; i < ARRAY_SIZE(per_case); i++) {
		for (j = 0; j < ARRAY_SIZE(cases); j++, k++) {
			snprintf(names[k], sizeof(names[k]), "%s/%s", per_case[i].name,
				 cases[j].name);
			tests[k].name = names[k];
			tests[k].test_func = per_case[i].fn;
			tests[k].initial_state = (void *)&cases[j];
		}
	}
	for (i = 0; i < ARRAY_SIZE(fixed); i++)
		tests[k++] = fixed[i];
	rc = _cmocka_run_group_tests("test_pt", tests, n, NULL, NULL);
	free(tests);
	free(names);
	return rc;
}
