/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The selftest mock format (src/pt/fmt_mock.c, hw-model.md §3.1, testops
 * §3): 2 KiB leaves, 4 KiB tables, 1 MiB leaves at level 1, 56-bit input and
 * 51-bit output. DEFAULT = {2 KiB}; HUGE = {PAGE_SIZE, 1 MiB}, where a 4 KiB
 * page is two 2 KiB leaves (dirty state per 2 KiB) and only exact 1 MiB runs
 * become 1 MiB leaves (dirty state per 1 MiB).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "pt_test_util.h"

#define MOCK_APERTURE_START	(1ULL << 24)

static struct sio_pt *mock_pt(unsigned int levels, uint64_t bitmap, bool dirty)
{
	struct sio_pt_cfg cfg = {
		.format = SIO_PT_MOCK, .levels = levels, .pgsize_bitmap = bitmap,
		.dirty_tracking = dirty,
	};

	return pt_new(&cfg);
}

static void test_geometry(void **state)
{
	struct sio_pt *pt;
	struct sio_pt_walk_result res;
	uint64_t *e0, *e1;

	(void)state;
	/* DEFAULT: starting level 2 = 3 levels, 2 KiB granule, 4 KiB tables. */
	pt = mock_pt(3, SZ_2K, false);
	assert_int_equal(sio_pt_config(pt)->granule_lg2, 11);
	assert_int_equal(sio_pt_config(pt)->ias, 38);
	assert_int_equal(sio_pt_config(pt)->oas, 51);
	assert_int_equal(sio_pt_config(pt)->pgsize_bitmap, SZ_2K);
	assert_int_equal(sio_pt_root(pt) & (SZ_4K - 1), 0);
	assert_int_equal(sio_pt_map(pt, MOCK_APERTURE_START, 0x800, SZ_2K, PROT_RW), 0);
	assert_int_equal(sio_pt_map(pt, MOCK_APERTURE_START + SZ_2K, 0x1000, SZ_2K, PROT_RW), 0);
	check_mapped(pt, MOCK_APERTURE_START, 0x800, SZ_2K, 11);
	check_mapped(pt, MOCK_APERTURE_START + SZ_2K, 0x1000, SZ_2K, 11);
	/* Neighbouring 2 KiB leaves are consecutive 8-byte entries of one table. */
	e0 = pt_entry(pt, MOCK_APERTURE_START, NULL);
	e1 = pt_entry(pt, MOCK_APERTURE_START + SZ_2K, NULL);
	assert_ptr_equal(e1, e0 + 1);
	/* 512 entries per level: the level-1 entry covers 1 MiB. */
	assert_ptr_equal(pt_entry_at(pt, MOCK_APERTURE_START + SZ_1M, 1),
			 pt_entry_at(pt, MOCK_APERTURE_START, 1) + 1);
	assert_int_equal(pt_walk(pt, MOCK_APERTURE_START + 0x7ff, SIO_PT_R, false, &res), 0);
	assert_int_equal(res.oa, 0xfff);
	assert_int_equal(res.loads, 3);
	/* The 1 MiB size is not in the DEFAULT bitmap: 512 small leaves. */
	assert_int_equal(sio_pt_map(pt, 64 * SZ_1M, 0, SZ_1M, PROT_RW), 0);
	check_mapped(pt, 64 * SZ_1M, 0, SZ_1M, 11);
	assert_int_equal(sio_pt_unmap(pt, 64 * SZ_1M, SZ_1M), SZ_1M);
	assert_int_equal(sio_pt_map(pt, 1ULL << 38, 0, SZ_2K, PROT_RW), -ERANGE);
	assert_int_equal(sio_pt_map(pt, 0, 1ULL << 51, SZ_2K, PROT_RW), -ERANGE);
	assert_int_equal(sio_pt_map(pt, 0, (1ULL << 51) - SZ_2K, SZ_2K, PROT_RW), 0);
	sio_pt_destroy(pt);

	/* Top level 4 = 5 levels: 56 bits. */
	pt = mock_pt(5, 0, false);
	assert_int_equal(sio_pt_config(pt)->ias, 56);
	assert_int_equal(sio_pt_map(pt, (1ULL << 56) - SZ_2K, 0x800, SZ_2K, PROT_RW), 0);
	assert_int_equal(pt_walk(pt, (1ULL << 56) - 1, SIO_PT_R, false, &res), 0);
	assert_int_equal(res.oa, 0xfff);
	assert_int_equal(res.loads, 5);
	assert_int_equal(pt_walk(pt, 1ULL << 56, SIO_PT_R, false, &res), -EFAULT);
	assert_int_equal(res.fault, SIO_PT_FAULT_RANGE);
	sio_pt_destroy(pt);
}

static void test_huge(void **state)
{
	struct sio_pt *pt = mock_pt(3, SZ_4K | SZ_1M, true);
	uint64_t base = 16 * SZ_1M;
	struct dirty_log d;

	(void)state;
	assert_int_equal(sio_pt_config(pt)->pgsize_bitmap, SZ_4K | SZ_1M);
	/* The smallest page is 4 KiB: 2 KiB alignment is refused. */
	assert_int_equal(sio_pt_map(pt, base + SZ_2K, 0, SZ_4K, PROT_RW), -EINVAL);
	assert_int_equal(sio_pt_map(pt, base, SZ_2K, SZ_4K, PROT_RW), -EINVAL);
	assert_int_equal(sio_pt_map(pt, base, 0, SZ_2K, PROT_RW), -EINVAL);

	/* 4K + 1M + 4K: the 4K pages are pairs of 2K leaves, the middle one leaf. */
	assert_int_equal(sio_pt_map(pt, base - SZ_4K, 0x7ff000, SZ_1M + 2 * SZ_4K, PROT_RW), 0);
	check_mapped(pt, base - SZ_4K, 0x7ff000, SZ_2K, 11);
	check_mapped(pt, base - SZ_2K, 0x7ff800, SZ_2K, 11);
	check_mapped(pt, base, 0x800000, SZ_1M, 20);
	check_mapped(pt, base + SZ_1M, 0x900000, SZ_4K, 11);

	/* Dirty granularity: 2K for the small pages, 1M for the large leaf. */
	assert_int_equal(read_dirty(pt, 0, ~0ULL, false, &d), 0);
	assert_int_equal(sio_pt_set_dirty(pt, base - SZ_2K + 100), 0);
	assert_int_equal(sio_pt_set_dirty(pt, base + 12345), 0);
	assert_int_equal(read_dirty(pt, base - SZ_4K, SZ_1M + 2 * SZ_4K, true, &d), 2);
	assert_int_equal(d.iova[0], base - SZ_2K);
	assert_int_equal(d.size[0], SZ_2K);
	assert_int_equal(d.iova[1], base);
	assert_int_equal(d.size[1], SZ_1M);
	/* Reported whole even when the range only touches the leaf. */
	assert_int_equal(read_dirty(pt, base + SZ_1M - SZ_4K, SZ_4K, false, &d), 1);
	assert_int_equal(d.iova[0], base);
	assert_int_equal(d.size[0], SZ_1M);
	assert_int_equal(read_dirty(pt, 0, ~0ULL, false, &d), 1);
	assert_int_equal(d.iova[0], base - SZ_2K);
	assert_int_equal(read_dirty(pt, 0, ~0ULL, false, &d), 0);

	/* A DMA write dirties its 2K leaf only. */
	{
		struct sio_pt_walk_result res;

		assert_int_equal(pt_walk(pt, base + SZ_1M + SZ_2K + 4, SIO_PT_W, true, &res), 0);
		assert_int_equal(res.size_lg2, 11);
		assert_int_equal(read_dirty(pt, 0, ~0ULL, false, &d), 1);
		assert_int_equal(d.iova[0], base + SZ_1M + SZ_2K);
	}

	/* A 1M-aligned IOVA with a PA that is not: 4K pages only. */
	assert_int_equal(sio_pt_map(pt, 32 * SZ_1M, 0x1000, SZ_1M, PROT_RW), 0);
	check_mapped(pt, 32 * SZ_1M, 0x1000, SZ_1M, 11);

	/* Unmap of the 1M leaf from inside stops; whole leaves are counted. */
	assert_int_equal(sio_pt_unmap(pt, base + SZ_4K, SZ_4K), 0);
	assert_int_equal(sio_pt_unmap(pt, base - SZ_4K, SZ_4K + SZ_4K), SZ_4K + SZ_1M);
	assert_int_equal(sio_pt_unmap(pt, base + SZ_1M, SZ_4K), SZ_4K);
	check_unmapped(pt, base);
	sio_pt_destroy(pt);
}

/* Hosts with 16K/64K pages: PAGE_SIZE chunks are 2K leaves too. */
static void test_large_host_page(void **state)
{
	struct sio_pt *pt = mock_pt(3, SZ_64K | SZ_1M, true);
	struct dirty_log d;

	(void)state;
	assert_int_equal(sio_pt_map(pt, 16 * SZ_1M + SZ_4K * 4, 0, SZ_64K, PROT_RW), -EINVAL);
	assert_int_equal(sio_pt_map(pt, 16 * SZ_1M, 0x30000, SZ_64K, PROT_RW), 0);
	check_mapped(pt, 16 * SZ_1M, 0x30000, SZ_64K, 11);
	assert_int_equal(sio_pt_set_dirty(pt, 16 * SZ_1M + SZ_4K), 0);
	assert_int_equal(read_dirty(pt, 0, ~0ULL, false, &d), 1);
	assert_int_equal(d.size[0], SZ_2K);
	sio_pt_destroy(pt);
}

static void test_default_dirty_per_2k(void **state)
{
	struct sio_pt *pt = mock_pt(3, SZ_2K, true);
	struct dirty_log d;

	(void)state;
	/* A PAGE_SIZE chunk: two 2K entries, dirty separately. */
	assert_int_equal(sio_pt_map(pt, MOCK_APERTURE_START, 0x10000, SZ_4K, PROT_RW), 0);
	assert_int_equal(sio_pt_set_dirty(pt, MOCK_APERTURE_START + SZ_2K), 0);
	assert_int_equal(read_dirty(pt, MOCK_APERTURE_START, SZ_4K, false, &d), 1);
	assert_int_equal(d.iova[0], MOCK_APERTURE_START + SZ_2K);
	assert_int_equal(d.size[0], SZ_2K);
	assert_int_equal(sio_pt_set_dirty(pt, MOCK_APERTURE_START + SZ_4K), -ENOENT);
	sio_pt_destroy(pt);
}

static void test_walk_perm_and_dirty(void **state)
{
	struct sio_pt *pt = mock_pt(3, SZ_2K, false);
	struct sio_pt_walk_result res;
	uint64_t *ep, v;

	(void)state;
	assert_int_equal(sio_pt_map(pt, 0x800, 0x1000, SZ_2K, SIO_PT_PROT_READ), 0);
	assert_int_equal(sio_pt_map(pt, 0x1000, 0x2000, SZ_2K, SIO_PT_PROT_WRITE), 0);
	assert_int_equal(pt_walk(pt, 0x800, SIO_PT_R, false, &res), 0);
	assert_int_equal(res.perm & (SIO_PT_R | SIO_PT_W), SIO_PT_R);
	assert_int_equal(pt_walk(pt, 0x800, SIO_PT_W, false, &res), -EFAULT);
	assert_int_equal(res.fault, SIO_PT_FAULT_PERM);
	assert_int_equal(res.level, 0);
	assert_int_equal(pt_walk(pt, 0x1000, SIO_PT_R, false, &res), -EFAULT);
	assert_int_equal(res.fault, SIO_PT_FAULT_PERM);
	assert_int_equal(pt_walk(pt, 0x1800, SIO_PT_R, false, &res), -EFAULT);
	assert_int_equal(res.fault, SIO_PT_FAULT_NOT_PRESENT);

	/* Without dirty tracking a write walk changes nothing. */
	ep = pt_entry(pt, 0x1000, NULL);
	v = ent_get(ep);
	assert_int_equal(pt_walk(pt, 0x1000, SIO_PT_W, true, &res), 0);
	assert_int_equal(ent_get(ep), v);
	assert_int_equal(res.perm & SIO_PT_W, SIO_PT_W);
	sio_pt_destroy(pt);

	/* With it, only set_ad writes set the dirty state. */
	pt = mock_pt(3, SZ_2K, true);
	assert_int_equal(sio_pt_map(pt, 0x1000, 0x2000, SZ_2K, PROT_RW), 0);
	ep = pt_entry(pt, 0x1000, NULL);
	v = ent_get(ep);
	assert_int_equal(pt_walk(pt, 0x1000, SIO_PT_W, false, &res), 0);
	assert_int_equal(pt_walk(pt, 0x1000, SIO_PT_R, true, &res), 0);
	assert_int_equal(res.perm & SIO_PT_W, 0);
	assert_int_equal(ent_get(ep), v);
	assert_int_equal(pt_walk(pt, 0x1000, SIO_PT_W, true, &res), 0);
	assert_true(ent_get(ep) != v);
	assert_int_equal(res.perm & SIO_PT_W, SIO_PT_W);
	{
		struct dirty_log d;

		assert_int_equal(read_dirty(pt, 0, SZ_1M, false, &d), 1);
		assert_int_equal(ent_get(ep), v);
	}

	/* A leaf bit above level 1 and a misaligned table are reserved. */
	{
		uint64_t *t = pt_entry_at(pt, 0x1000, 2);
		uint64_t tv = ent_get(t);

		ent_set(t, tv | (1ULL << 3));
		assert_int_equal(pt_walk(pt, 0x1000, SIO_PT_R, false, &res), -EFAULT);
		assert_int_equal(res.fault, SIO_PT_FAULT_RESERVED);
		assert_int_equal(res.level, 2);
		ent_set(t, tv | (1ULL << 11));
		assert_int_equal(pt_walk(pt, 0x1000, SIO_PT_R, false, &res), -EFAULT);
		assert_int_equal(res.fault, SIO_PT_FAULT_RESERVED);
		ent_set(t, tv);
	}
	sio_pt_destroy(pt);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_geometry),
		cmocka_unit_test(test_huge),
		cmocka_unit_test(test_large_host_page),
		cmocka_unit_test(test_default_dirty_per_2k),
		cmocka_unit_test(test_walk_perm_and_dirty),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
