/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * x86-64 / VT-d first-stage format (src/pt/fmt_x86_64.c) against
 * hw-model.md §1.5 and §5.2: entries written by map() (no preset A/D),
 * canonical addresses (4 and 5 levels, both halves), the fault order
 * (non-canonical, then per level: not present, U/S, R/W and XD, reserved),
 * SRE/WPE, reserved masks, and A/D updates.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "pt_test_util.h"

#define P	(1ULL << 0)
#define RW	(1ULL << 1)
#define US	(1ULL << 2)
#define A	(1ULL << 5)
#define D	(1ULL << 6)
#define PS	(1ULL << 7)
#define XD	(1ULL << 63)
#define ADDR	0x000ffffffffff000ULL

#define USER_RW (PROT_RW | SIO_PT_PROT_USER)
#define RWX (SIO_PT_R | SIO_PT_W | SIO_PT_X)

static struct sio_pt *x86(unsigned int levels, bool sre, bool wpe)
{
	struct sio_pt_cfg cfg = {
		.format = SIO_PT_X86_64, .levels = levels, .sre = sre, .wpe = wpe,
	};

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

static void test_entry_encoding(void **state)
{
	struct sio_pt *pt = x86(4, false, false);
	unsigned int level;

	(void)state;
	assert_int_equal(sio_pt_map(pt, 0x1000, 0x5000, SZ_4K, SIO_PT_PROT_READ), 0);
	assert_int_equal(sio_pt_map(pt, 0x2000, 0x6000, SZ_4K, USER_RW), 0);
	assert_int_equal(sio_pt_map(pt, 0x3000, 0x7000, SZ_4K,
				    SIO_PT_PROT_READ | SIO_PT_PROT_NOEXEC), 0);
	assert_int_equal(sio_pt_map(pt, SZ_2M, 0x40000000, SZ_2M, SIO_PT_PROT_WRITE), 0);
	assert_int_equal(sio_pt_map(pt, SZ_1G, 0x80000000, SZ_1G, USER_RW), 0);

	assert_int_equal(ent_get(pt_entry(pt, 0x1000, &level)), 0x5000 | P);
	assert_int_equal(level, 0);
	assert_int_equal(ent_get(pt_entry(pt, 0x2000, NULL)), 0x6000 | P | RW | US);
	assert_int_equal(ent_get(pt_entry(pt, 0x3000, NULL)), 0x7000 | P | XD);
	assert_int_equal(ent_get(pt_entry(pt, SZ_2M, &level)), 0x40000000 | P | RW | PS);
	assert_int_equal(level, 1);
	assert_int_equal(ent_get(pt_entry(pt, SZ_1G, &level)), 0x80000000 | P | RW | US | PS);
	assert_int_equal(level, 2);
	for (level = 3; level >= 1; level--)
		assert_int_equal(ent_get(pt_entry_at(pt, 0x1000, level)) & ~ADDR, P | RW | US);
	sio_pt_destroy(pt);
}

static void test_canonical(void **state)
{
	struct sio_pt *pt = x86(4, false, false);
	struct sio_pt_walk_result res;
	uint64_t hi = 0xffff800000000000ULL;

	(void)state;
	assert_int_equal(sio_pt_map(pt, hi, 0x9000, SZ_4K, USER_RW), 0);
	assert_int_equal(sio_pt_map(pt, 0x00007ffffffff000ULL, 0xa000, SZ_4K, USER_RW), 0);
	assert_int_equal(sio_pt_map(pt, ~0ULL - SZ_4K + 1, 0xb000, SZ_4K, USER_RW), 0);
	walk_ok(pt, hi + 0x10, SIO_PT_R, 0x9010);
	walk_ok(pt, 0x00007fffffffffffULL, SIO_PT_R, 0xafff);
	walk_ok(pt, ~0ULL, SIO_PT_R, 0xbfff);

	/* Non-canonical: RANGE before any load, even where an index would hit. */
	res = walk_fault(pt, 0x0000800000000000ULL, SIO_PT_R, SIO_PT_FAULT_RANGE, 3);
	assert_int_equal(res.loads, 0);
	walk_fault(pt, 0xffff7ffffffff000ULL, SIO_PT_R, SIO_PT_FAULT_RANGE, 3);
	walk_fault(pt, 0x7fff800000000000ULL, SIO_PT_R, SIO_PT_FAULT_RANGE, 3);
	walk_fault(pt, hi ^ (1ULL << 60), SIO_PT_R, SIO_PT_FAULT_RANGE, 3);
	check_unmapped(pt, 0x0000800000000000ULL);
	/* Mapping across the hole or in it is refused. */
	assert_int_equal(sio_pt_map(pt, 0x00007ffffffff000ULL, 0, 2 * SZ_4K, USER_RW), -ERANGE);
	assert_int_equal(sio_pt_map(pt, hi - SZ_4K, 0, 2 * SZ_4K, USER_RW), -ERANGE);
	assert_int_equal(sio_pt_map(pt, 0x0000800000000000ULL, 0, SZ_4K, USER_RW), -ERANGE);
	assert_int_equal(sio_pt_unmap(pt, hi, SZ_4K), SZ_4K);
	check_unmapped(pt, hi);
	sio_pt_destroy(pt);

	/* 5 levels: 57-bit canonical. */
	pt = x86(5, false, false);
	assert_int_equal(sio_pt_config(pt)->ias, 57);
	assert_int_equal(sio_pt_map(pt, 0x00fffffffffff000ULL, 0x1000, SZ_4K, USER_RW), 0);
	assert_int_equal(sio_pt_map(pt, 0xff00000000000000ULL, 0x2000, SZ_4K, USER_RW), 0);
	res = walk_ok(pt, 0x00fffffffffff008ULL, SIO_PT_R, 0x1008);
	assert_int_equal(res.loads, 5);
	walk_ok(pt, 0xff00000000000008ULL, SIO_PT_R, 0x2008);
	walk_fault(pt, 0x0100000000000000ULL, SIO_PT_R, SIO_PT_FAULT_RANGE, 4);
	walk_fault(pt, 0xfeff000000000000ULL, SIO_PT_R, SIO_PT_FAULT_RANGE, 4);
	/* The 48-bit upper half is canonical with 57 bits too, and unmapped here. */
	walk_fault(pt, 0xffff800000000000ULL, SIO_PT_R, SIO_PT_FAULT_NOT_PRESENT, 4);
	sio_pt_destroy(pt);
}

static void test_user_supervisor(void **state)
{
	struct sio_pt *pt = x86(4, false, false);
	struct sio_pt_walk_result res;
	uint64_t *tbl;

	(void)state;
	/* A supervisor-only page. */
	assert_int_equal(sio_pt_map(pt, 0x1000, 0x5000, SZ_4K, SIO_PT_PROT_READ), 0);
	res = walk_fault(pt, 0x1000, SIO_PT_R, SIO_PT_FAULT_PERM, 0);
	/* U/S signature: every requested right is still in perm. */
	assert_int_equal(res.perm & SIO_PT_R, SIO_PT_R);
	res = walk_fault(pt, 0x1000, SIO_PT_W, SIO_PT_FAULT_PERM, 0);
	assert_int_equal(res.perm & SIO_PT_W, SIO_PT_W);
	/* PRIV without SRE is treated as a user request. */
	walk_fault(pt, 0x1000, SIO_PT_R | SIO_PT_PRIV, SIO_PT_FAULT_PERM, 0);
	sio_pt_destroy(pt);

	pt = x86(4, true, false);
	assert_int_equal(sio_pt_map(pt, 0x1000, 0x5000, SZ_4K, SIO_PT_PROT_READ), 0);
	walk_fault(pt, 0x1000, SIO_PT_R, SIO_PT_FAULT_PERM, 0);
	walk_ok(pt, 0x1000, SIO_PT_R | SIO_PT_PRIV, 0x5000);
	/* U/S = 0 in a table entry stops user requests at that level. */
	assert_int_equal(sio_pt_map(pt, 0x2000, 0x6000, SZ_4K, USER_RW), 0);
	walk_ok(pt, 0x2000, SIO_PT_R, 0x6000);
	tbl = pt_entry_at(pt, 0x2000, 2);
	ent_set(tbl, ent_get(tbl) & ~US);
	res = walk_fault(pt, 0x2000, SIO_PT_R, SIO_PT_FAULT_PERM, 2);
	assert_int_equal(res.fault_entry_addr, (uint64_t)(uintptr_t)tbl);
	walk_ok(pt, 0x2000, SIO_PT_W | SIO_PT_PRIV, 0x6000);
	sio_pt_destroy(pt);
}

static void test_write_protect(void **state)
{
	struct sio_pt *pt = x86(4, true, false);
	struct sio_pt_walk_result res;
	uint64_t *tbl;

	(void)state;
	assert_int_equal(sio_pt_map(pt, 0x1000, 0x5000, SZ_4K,
				    SIO_PT_PROT_READ | SIO_PT_PROT_USER), 0);
	res = walk_ok(pt, 0x1000, SIO_PT_R, 0x5000);
	assert_int_equal(res.perm, SIO_PT_R | SIO_PT_X);
	res = walk_fault(pt, 0x1000, SIO_PT_W, SIO_PT_FAULT_PERM, 0);
	assert_int_equal(res.perm & SIO_PT_W, 0);
	/* A supervisor write ignores R/W without WPE. */
	res = walk_ok(pt, 0x1000, SIO_PT_W | SIO_PT_PRIV, 0x5000);
	assert_int_equal(res.perm, RWX);
	sio_pt_destroy(pt);

	pt = x86(4, true, true);
	assert_int_equal(sio_pt_map(pt, 0x1000, 0x5000, SZ_4K,
				    SIO_PT_PROT_READ | SIO_PT_PROT_USER), 0);
	walk_fault(pt, 0x1000, SIO_PT_W | SIO_PT_PRIV, SIO_PT_FAULT_PERM, 0);
	walk_ok(pt, 0x1000, SIO_PT_R | SIO_PT_PRIV, 0x5000);

	/* R/W = 0 in a table entry: writes fault at that level. */
	assert_int_equal(sio_pt_map(pt, 0x2000, 0x6000, SZ_4K, USER_RW), 0);
	tbl = pt_entry_at(pt, 0x2000, 3);
	ent_set(tbl, ent_get(tbl) & ~RW);
	walk_fault(pt, 0x2000, SIO_PT_W, SIO_PT_FAULT_PERM, 3);
	res = walk_ok(pt, 0x2000, SIO_PT_R, 0x6000);
	assert_int_equal(res.perm & SIO_PT_W, 0);
	sio_pt_destroy(pt);
}

static void test_execute(void **state)
{
	struct sio_pt *pt = x86(4, false, false);
	struct sio_pt_walk_result res;
	uint64_t *tbl;

	(void)state;
	assert_int_equal(sio_pt_map(pt, 0x1000, 0x5000, SZ_4K,
				    USER_RW | SIO_PT_PROT_NOEXEC), 0);
	assert_int_equal(sio_pt_map(pt, 0x2000, 0x6000, SZ_4K, USER_RW), 0);
	walk_fault(pt, 0x1000, SIO_PT_X, SIO_PT_FAULT_PERM, 0);
	res = walk_ok(pt, 0x1000, SIO_PT_R, 0x5000);
	assert_int_equal(res.perm, SIO_PT_R | SIO_PT_W);
	res = walk_ok(pt, 0x2000, SIO_PT_X, 0x6000);
	assert_int_equal(res.perm, RWX);
	tbl = pt_entry_at(pt, 0x2000, 1);
	ent_set(tbl, ent_get(tbl) | XD);
	walk_fault(pt, 0x2000, SIO_PT_X, SIO_PT_FAULT_PERM, 1);
	sio_pt_destroy(pt);
}

static void test_fault_order(void **state)
{
	struct sio_pt *pt = x86(4, false, false);
	struct sio_pt_walk_result res;
	uint64_t *e, v;

	(void)state;
	assert_int_equal(sio_pt_map(pt, SZ_2M, SZ_2M, SZ_2M, USER_RW), 0);
	e = pt_entry(pt, SZ_2M, NULL);
	v = ent_get(e);

	/* Not present beats everything else in the entry. */
	ent_set(e, (v & ~P) | (1ULL << 13));
	walk_fault(pt, SZ_2M, SIO_PT_W, SIO_PT_FAULT_NOT_PRESENT, 1);
	/* U/S before R/W: the signature keeps W in perm. */
	ent_set(e, v & ~(US | RW));
	res = walk_fault(pt, SZ_2M, SIO_PT_W, SIO_PT_FAULT_PERM, 1);
	assert_int_equal(res.perm & SIO_PT_W, SIO_PT_W);
	/* U/S before reserved. */
	ent_set(e, (v & ~US) | (1ULL << 13));
	res = walk_fault(pt, SZ_2M, SIO_PT_R, SIO_PT_FAULT_PERM, 1);
	/* R/W before reserved; a read gets to the reserved check. */
	ent_set(e, (v & ~RW) | (1ULL << 13));
	res = walk_fault(pt, SZ_2M, SIO_PT_W, SIO_PT_FAULT_PERM, 1);
	assert_int_equal(res.perm & SIO_PT_W, 0);
	walk_fault(pt, SZ_2M, SIO_PT_R, SIO_PT_FAULT_RESERVED, 1);
	/* Non-canonical first of all. */
	walk_fault(pt, SZ_2M | (1ULL << 50), SIO_PT_R, SIO_PT_FAULT_RANGE, 3);
	ent_set(e, v);
	walk_ok(pt, SZ_2M, SIO_PT_W, SZ_2M);
	sio_pt_destroy(pt);
}

static void test_reserved_masks(void **state)
{
	struct sio_pt *pt = x86(4, false, false);
	uint64_t *e, v;

	(void)state;
	assert_int_equal(sio_pt_map(pt, 0x1000, 0x5000, SZ_4K, USER_RW), 0);
	assert_int_equal(sio_pt_map(pt, SZ_2M, SZ_2M, SZ_2M, USER_RW), 0);
	assert_int_equal(sio_pt_map(pt, SZ_1G, SZ_1G, SZ_1G, USER_RW), 0);

	/* 2M leaf: bits 20:13 reserved, bit 12 is PAT. */
	e = pt_entry(pt, SZ_2M, NULL);
	v = ent_get(e);
	ent_set(e, v | (1ULL << 20));
	walk_fault(pt, SZ_2M, SIO_PT_R, SIO_PT_FAULT_RESERVED, 1);
	ent_set(e, v | (1ULL << 12));
	walk_ok(pt, SZ_2M + 3, SIO_PT_R, SZ_2M + 3);
	ent_set(e, v);
	/* 1G leaf: bits 29:13. */
	e = pt_entry(pt, SZ_1G, NULL);
	v = ent_get(e);
	ent_set(e, v | (1ULL << 29));
	walk_fault(pt, SZ_1G, SIO_PT_R, SIO_PT_FAULT_RESERVED, 2);
	ent_set(e, v | (1ULL << 13));
	walk_fault(pt, SZ_1G, SIO_PT_R, SIO_PT_FAULT_RESERVED, 2);
	ent_set(e, v);
	/* PML4 entry: PS must be 0. Upper bits 62:52 and XD are not reserved. */
	e = pt_entry_at(pt, 0x1000, 3);
	v = ent_get(e);
	ent_set(e, v | PS);
	walk_fault(pt, 0x1000, SIO_PT_R, SIO_PT_FAULT_RESERVED, 3);
	ent_set(e, v | (0x7ffULL << 52));
	walk_ok(pt, 0x1000, SIO_PT_R, 0x5000);
	ent_set(e, v);
	/* The 4K leaf's bit 7 is PAT, not PS. */
	e = pt_entry(pt, 0x1000, NULL);
	v = ent_get(e);
	ent_set(e, v | PS | (1ULL << 8));
	walk_ok(pt, 0x1000, SIO_PT_R, 0x5000);
	ent_set(e, v);
	sio_pt_destroy(pt);

	{
		struct sio_pt_cfg cfg = { .format = SIO_PT_X86_64, .levels = 4, .oas = 47 };

		if (sio_pt_create(&cfg, &pt))
			skip();
		assert_int_equal(sio_pt_map(pt, 0x1000, 0x5000, SZ_4K, USER_RW), 0);
		e = pt_entry(pt, 0x1000, NULL);
		v = ent_get(e);
		ent_set(e, v | (1ULL << 49));
		walk_fault(pt, 0x1000, SIO_PT_R, SIO_PT_FAULT_RESERVED, 0);
		ent_set(e, v);
		sio_pt_destroy(pt);
	}
}

static void path(struct sio_pt *pt, uint64_t iova, uint64_t *out, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		out[i] = ent_get(pt_entry_at(pt, iova, n - 1 - i));
}

static void test_accessed_dirty(void **state)
{
	struct sio_pt *pt = x86(4, false, false);
	struct sio_pt_walk_result res;
	uint64_t before[4], after[4];
	unsigned int i;

	(void)state;
	assert_int_equal(sio_pt_map(pt, 0x1000, 0x5000, SZ_4K, USER_RW), 0);
	path(pt, 0x1000, before, 4);
	for (i = 0; i < 4; i++)
		assert_int_equal(before[i] & (A | D), 0);

	/* Without set_ad nothing is written. */
	walk_ok(pt, 0x1000, SIO_PT_W, 0x5000);
	path(pt, 0x1000, after, 4);
	assert_memory_equal(before, after, sizeof(before));

	/* A read sets A at every level and no D; W is not cached-ready. */
	assert_int_equal(pt_walk(pt, 0x1000, SIO_PT_R, true, &res), 0);
	assert_int_equal(res.perm, SIO_PT_R | SIO_PT_X);
	path(pt, 0x1000, after, 4);
	for (i = 0; i < 4; i++)
		assert_int_equal(after[i], before[i] | A);

	/* A write sets D in the leaf only. */
	assert_int_equal(pt_walk(pt, 0x1000, SIO_PT_W, true, &res), 0);
	assert_int_equal(res.perm, RWX);
	path(pt, 0x1000, after, 4);
	for (i = 0; i < 3; i++)
		assert_int_equal(after[i], before[i] | A);
	assert_int_equal(after[3], before[3] | A | D);

	/* Large leaves get D too; a faulting walk sets A only above the fault. */
	assert_int_equal(sio_pt_map(pt, SZ_1G, SZ_1G, SZ_1G, USER_RW), 0);
	assert_int_equal(pt_walk(pt, SZ_1G + 8, SIO_PT_W, true, &res), 0);
	assert_int_equal(ent_get(pt_entry(pt, SZ_1G, NULL)) & (A | D | PS), A | D | PS);
	assert_int_equal(sio_pt_map(pt, 1ULL << 40, 0, SZ_4K, SIO_PT_PROT_READ), 0);
	path(pt, 1ULL << 40, before, 4);
	assert_int_equal(pt_walk(pt, 1ULL << 40, SIO_PT_R, true, &res), -EFAULT);
	path(pt, 1ULL << 40, after, 4);
	for (i = 0; i < 3; i++)
		assert_int_equal(after[i], before[i] | A);
	assert_int_equal(after[3], before[3]);
	sio_pt_destroy(pt);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_entry_encoding),
		cmocka_unit_test(test_canonical),
		cmocka_unit_test(test_user_supervisor),
		cmocka_unit_test(test_write_protect),
		cmocka_unit_test(test_execute),
		cmocka_unit_test(test_fault_order),
		cmocka_unit_test(test_reserved_masks),
		cmocka_unit_test(test_accessed_dirty),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
