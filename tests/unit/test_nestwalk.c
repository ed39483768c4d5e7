/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Differential test of the specialised nested walk (nestwalk.c) against the
 * generic one (sio_pt_walk() through stage 2): random x86-64 guest tables
 * over VT-d second stages of several shapes, every walk run twice from the
 * same guest memory and stage-2 dirty state. Results (translation, fault
 * stage, reason, level, entry address, GPA), walk and load counts, the guest
 * entries after the walk (A/D updates) and the stage-2 dirty pages must be
 * identical.
 *
 * Guest RAM (GPA g at ram + g, 4 MiB, 2 MiB aligned): a pool of random table
 * pages, pages whose host memory is read-only or inaccessible, pages stage 2
 * maps read-only or write-only or not at all, a page whose stage-2 leaf has
 * a reserved bit, and [2 MiB, 4 MiB) mapped with one 2 MiB leaf or 4 KiB
 * pages. Random entries point anywhere in that, beyond RAM, beyond stage 2's
 * tables and beyond its aperture.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <cmocka.h>

#include "iommu/iommu_priv.h"
#include "iommu/rcu.h"

#define SZ_4K		0x1000ULL
#define SZ_2M		0x200000ULL
#define RAM_SIZE	(2 * SZ_2M)

#define POOL_FIRST	0x1000ULL
#define POOL_PAGES	8
#define RO_HOST		0x10000ULL	/* host memory PROT_READ */
#define NONE_HOST	0x11000ULL	/* host memory PROT_NONE */
#define S2_RONLY	0x12000ULL	/* stage 2: R only */
#define S2_WONLY	0x13000ULL	/* stage 2: W only */
#define S2_HOLE		0x14000ULL	/* stage 2: not mapped */
#define S2_RSVD		0x15000ULL	/* stage 2: leaf with TM (reserved) set */
#define SNAP_FIRST	POOL_FIRST
#define SNAP_END	(S2_RSVD + SZ_4K)

#define X86_P		(1ULL << 0)
#define X86_RW		(1ULL << 1)
#define X86_US		(1ULL << 2)
#define X86_A		(1ULL << 5)
#define X86_D		(1ULL << 6)
#define X86_PS		(1ULL << 7)
#define X86_XD		(1ULL << 63)

#define MAX_DIRTY	64

struct variant {
	unsigned int s1_levels, s1_oas, s2_levels;
	bool sre, wpe;
	bool s2_large;		/* [2M, 4M) as one 2 MiB leaf */
	int dirty;		/* 0: no capability, 1: capable but off, 2: tracking */
};

struct dirty_list {
	unsigned int n;
	uint64_t iova[MAX_DIRTY], size[MAX_DIRTY];
};

/* Outcomes seen over the whole test (index: stage * 32 + reason; success: 0). */
static unsigned long seen[3][32];
static unsigned long seen_large;

static uint64_t rng_state;

static uint64_t rnd(void)
{
	uint64_t x = rng_state;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	rng_state = x;
	return x;
}

static unsigned int pct(void)
{
	return (unsigned int)(rnd() % 100);
}

static uint64_t pick_gpa(void)
{
	unsigned int r = pct();

	if (r < 58)
		return POOL_FIRST + (rnd() % POOL_PAGES) * SZ_4K;
	if (r < 63)
		return RO_HOST;
	if (r < 66)
		return NONE_HOST;
	if (r < 70)
		return S2_RONLY;
	if (r < 73)
		return S2_WONLY;
	if (r < 76)
		return S2_HOLE;
	if (r < 79)
		return S2_RSVD;
	if (r < 87)
		return SZ_2M + (rnd() % 512) * SZ_4K;
	if (r < 90)
		return (4ULL << 20) + (rnd() % 1000) * SZ_4K;
	if (r < 93)
		return (1ULL << 30) + (rnd() % 512) * SZ_4K;
	if (r < 97)
		return (1ULL << 39) + (rnd() % 512) * SZ_4K;
	return 1ULL << 41;
}

static uint64_t rand_entry(const struct variant *v)
{
	uint64_t e;

	if (pct() < 7)
		return rnd() % 4 ? 0 : rnd() & ~X86_P;
	e = pick_gpa();
	if (pct() < 12) {
		e |= X86_PS;
		/* Aligned for a 2 MiB leaf (level 1) or a 1 GiB one (level 2). */
		if (pct() < 70)
			e = (pct() < 75 ? SZ_2M : 0) | X86_PS;
	}
	if (pct() < 93)
		e |= X86_P;
	if (pct() < 85)
		e |= X86_RW;
	if (pct() < 85)
		e |= X86_US;
	if (pct() < 8)
		e |= X86_XD;
	if (pct() < 40)
		e |= X86_A;
	if (pct() < 25)
		e |= X86_D;
	if (pct() < 5)		/* ignored bits 62:52 and 11:8 */
		e |= (rnd() & 0x7ff0000000000f00ULL);
	if (pct() < 3 && v->s1_oas < 52)
		e |= 1ULL << (v->s1_oas + rnd() % (52 - v->s1_oas));
	if (pct() < 2)
		e |= 1ULL << (13 + rnd() % 8);
	return e;
}

struct env {
	struct variant v;
	struct sio_iommu *iommu;
	struct sio_domain *s2;
	struct sio_domain *nested[3];	/* roots: pool, S2_HOLE, NONE_HOST */
	unsigned char *ram;
	unsigned char pre[SNAP_END - SNAP_FIRST], post[SNAP_END - SNAP_FIRST];
};

static uint64_t *gpte(struct env *e, uint64_t gpa)
{
	return (uint64_t *)(void *)(e->ram + gpa);
}

static void fill_page(struct env *e, uint64_t gpa)
{
	unsigned int i;

	for (i = 0; i < 512; i++)
		__atomic_store_n(gpte(e, gpa) + i, rand_entry(&e->v), __ATOMIC_RELAXED);
}

/* Set @bit in the stage-2 leaf of @gpa (softiommu's table, poked by the test). */
static void s2_poke_leaf(struct env *e, uint64_t gpa, uint64_t bit)
{
	uint64_t table = e->s2->pt_root;
	unsigned int l;

	for (l = e->s2->pt_cfg->levels - 1;; l--) {
		uint64_t *ep = (uint64_t *)(uintptr_t)table + ((gpa >> (12 + 9 * l)) & 511);
		uint64_t v = __atomic_load_n(ep, __ATOMIC_ACQUIRE);

		assert_true(v & 3);
		if (!l || (v & (1ULL << 7))) {
			__atomic_store_n(ep, v | bit, __ATOMIC_RELEASE);
			return;
		}
		table = v & 0x000ffffffffff000ULL;
	}
}

static void s2_map(struct env *e, uint64_t gpa, uint64_t size, int prot)
{
	assert_int_equal(sio_domain_map(e->s2, gpa, (uintptr_t)e->ram + gpa, size, prot), 0);
}

static void env_setup(struct env *e, const struct variant *v)
{
	struct sio_iommu_cfg icfg = { .type = SIO_IOMMU_VTD };
	struct sio_domain_paging_cfg pcfg = {
		.pt = { .format = SIO_PT_VTD_SS, .granule_lg2 = 12, .levels = v->s2_levels,
			.ias = 12 + 9 * v->s2_levels, .oas = 48,
			.pgsize_bitmap = SZ_4K | (v->s2_large ? SZ_2M : 0),
			.dirty_tracking = v->dirty > 0 },
		.nest_parent = true,
		/* 512 GiB + some: stage-2 level 3 is reachable but empty (4+ levels). */
		.aperture_last = v->s2_levels > 3 ? (1ULL << 40) - 1 : (1ULL << 39) - 1,
	};
	struct sio_domain_nested_cfg ncfg = {
		.s1 = { .format = SIO_PT_X86_64, .granule_lg2 = 12, .levels = v->s1_levels,
			.ias = 12 + 9 * v->s1_levels, .oas = v->s1_oas, .sre = v->sre,
			.wpe = v->wpe },
	};
	const uint64_t roots[3] = { POOL_FIRST, S2_HOLE, NONE_HOST };
	const int rw = SIO_PT_PROT_READ | SIO_PT_PROT_WRITE;
	unsigned int i;

	memset(e, 0, sizeof(*e));
	e->v = *v;
	e->ram = aligned_alloc(SZ_2M, RAM_SIZE);
	assert_non_null(e->ram);
	memset(e->ram, 0, RAM_SIZE);
	assert_int_equal(sio_iommu_create(&icfg, &e->iommu), 0);
	assert_int_equal(sio_domain_alloc_paging(e->iommu, &pcfg, &e->s2), 0);
	s2_map(e, 0, S2_RONLY, rw);
	s2_map(e, S2_RONLY, SZ_4K, SIO_PT_PROT_READ);
	s2_map(e, S2_WONLY, SZ_4K, SIO_PT_PROT_WRITE);
	s2_map(e, S2_RSVD, SZ_2M - S2_RSVD, rw);
	s2_map(e, SZ_2M, SZ_2M, rw);
	s2_poke_leaf(e, S2_RSVD, 1ULL << 62);
	if (v->dirty == 2)
		assert_int_equal(sio_domain_set_dirty_tracking(e->s2, true), 0);
	for (i = 0; i < 3; i++) {
		ncfg.s1_root_gpa = roots[i];
		assert_int_equal(sio_domain_alloc_nested(e->iommu, e->s2, &ncfg, &e->nested[i]),
				 0);
		assert_true(e->nested[i]->ngeom.fast);
	}
	fill_page(e, RO_HOST);
	assert_int_equal(mprotect(e->ram + RO_HOST, SZ_4K, PROT_READ), 0);
	assert_int_equal(mprotect(e->ram + NONE_HOST, SZ_4K, PROT_NONE), 0);
}

static void env_teardown(struct env *e)
{
	unsigned int i;

	assert_int_equal(mprotect(e->ram + RO_HOST, 2 * SZ_4K, PROT_READ | PROT_WRITE), 0);
	for (i = 0; i < 3; i++)
		assert_int_equal(sio_domain_free(e->nested[i]), 0);
	assert_int_equal(sio_domain_free(e->s2), 0);
	sio_iommu_destroy(e->iommu);
	free(e->ram);
}

/* Copy the snapshot range, skipping the two protected pages. */
static void snap(struct env *e, unsigned char *dst, bool restore)
{
	uint64_t gpa;

	for (gpa = SNAP_FIRST; gpa < SNAP_END; gpa += SZ_4K) {
		unsigned char *buf = dst + (gpa - SNAP_FIRST);

		if (gpa == RO_HOST || gpa == NONE_HOST)
			continue;
		if (restore)
			memcpy(e->ram + gpa, buf, SZ_4K);
		else
			memcpy(buf, e->ram + gpa, SZ_4K);
	}
}

static void dirty_fn(void *arg, uint64_t iova, uint64_t size)
{
	struct dirty_list *dl = arg;

	assert_true(dl->n < MAX_DIRTY);
	dl->iova[dl->n] = iova;
	dl->size[dl->n] = size;
	dl->n++;
}

static void dirty_collect(struct env *e, struct dirty_list *dl)
{
	memset(dl, 0, sizeof(*dl));
	if (e->v.dirty == 2)
		assert_int_equal(sio_domain_read_and_clear_dirty(e->s2, 0, RAM_SIZE, false,
								 dirty_fn, dl), 0);
}

static void print_walk(const char *name, int r, const struct sio_nest_walk *w)
{
	print_error("%s: %d stage %u reason %d level %u entry %#llx gpa %#llx walks %u "
		    "loads %u pa %#llx lg2 %u perm %#x\n", name, r, w->stage, (int)w->reason,
		    w->level, (unsigned long long)w->entry_addr, (unsigned long long)w->gpa,
		    w->walks, w->loads, (unsigned long long)w->pa, w->size_lg2, w->perm);
}

static void expect_same(const struct sio_nest_walk *a, const struct sio_nest_walk *b, int ra,
			int rb, uint64_t iova, unsigned int access)
{
	if (ra != rb || a->stage != b->stage || a->reason != b->reason ||
	    a->level != b->level || a->entry_addr != b->entry_addr || a->gpa != b->gpa ||
	    a->walks != b->walks || a->loads != b->loads ||
	    (!ra && (a->pa != b->pa || a->size_lg2 != b->size_lg2 || a->perm != b->perm))) {
		print_error("iova %#llx access %#x\n", (unsigned long long)iova, access);
		print_walk("generic", ra, a);
		print_walk("fast", rb, b);
		fail();
	}
}

static uint64_t rand_iova(const struct variant *v)
{
	unsigned int ias = 12 + 9 * v->s1_levels, sh = 64 - ias;
	uint64_t iova = rnd();

	if (pct() < 92)
		iova = (uint64_t)((int64_t)(iova << sh) >> sh);
	return iova;
}

/* One walk, generic then fast, from the same state. */
static void diff_one(struct env *e, struct sio_domain *d, uint64_t iova, unsigned int access)
{
	static unsigned char post_generic[SNAP_END - SNAP_FIRST];
	struct dirty_list dg, df;
	struct sio_nest_walk wg, wf;
	int rg, rf;

	dirty_collect(e, &dg);
	snap(e, e->pre, false);
	sio_rcu_read_lock();
	rg = sio_nest_walk_generic(d, iova, access, &wg);
	sio_rcu_read_unlock();
	dirty_collect(e, &dg);
	snap(e, post_generic, false);
	snap(e, e->pre, true);
	sio_rcu_read_lock();
	rf = sio_nest_walk_fast(d, iova, access, &wf);
	sio_rcu_read_unlock();
	dirty_collect(e, &df);
	snap(e, e->post, false);

	expect_same(&wg, &wf, rg, rf, iova, access);
	assert_int_equal(dg.n, df.n);
	assert_memory_equal(dg.iova, df.iova, sizeof(dg.iova[0]) * dg.n);
	assert_memory_equal(dg.size, df.size, sizeof(dg.size[0]) * dg.n);
	assert_memory_equal(post_generic, e->post, sizeof(e->post));
	seen[rg ? wg.stage : 0][rg ? wg.reason : 0]++;
	if (!rg && wg.size_lg2 > 12)
		seen_large++;
}

static void run_variant(const struct variant *v, unsigned int trials, unsigned int walks)
{
	static struct env e;
	unsigned int t, i, p;

	env_setup(&e, v);
	for (t = 0; t < trials; t++) {
		for (p = 0; p < POOL_PAGES; p++)
			fill_page(&e, POOL_FIRST + p * SZ_4K);
		fill_page(&e, S2_RONLY);
		fill_page(&e, S2_RSVD);
		for (i = 0; i < walks; i++) {
			unsigned int access = 1 + (unsigned int)(rnd() % 7);
			unsigned int r = pct();

			if (pct() < 30)
				access |= SIO_PT_PRIV;
			diff_one(&e, e.nested[r < 90 ? 0 : r < 95 ? 1 : 2], rand_iova(v), access);
		}
	}
	env_teardown(&e);
}

static void test_differential(void **state)
{
	static const struct variant variants[] = {
		{ 4, 48, 4, false, false, false, 0 },
		{ 4, 48, 4, true, false, true, 2 },
		{ 4, 47, 3, true, true, false, 2 },
		{ 5, 48, 4, false, false, true, 1 },
		{ 5, 52, 5, true, true, true, 2 },
		{ 4, 52, 5, false, true, false, 0 },
		{ 4, 50, 4, true, true, true, 0 },
		{ 5, 49, 3, false, false, false, 2 },
	};
	unsigned int i;

	(void)state;
	rng_state = 0x9e3779b97f4a7c15ULL;
	memset(seen, 0, sizeof(seen));
	seen_large = 0;
	for (i = 0; i < sizeof(variants) / sizeof(variants[0]); i++)
		run_variant(&variants[i], 40, 64);

	/* The random tables reached every outcome the walks can have. */
	assert_true(seen[0][0] > 0);
	assert_true(seen_large > 0);
	assert_true(seen[1][SIO_FAULT_RANGE] > 0);
	assert_true(seen[1][SIO_FAULT_NOT_PRESENT] > 0);
	assert_true(seen[1][SIO_FAULT_PERM] > 0);
	assert_true(seen[1][SIO_FAULT_RESERVED] > 0);
	assert_true(seen[1][SIO_FAULT_TABLE_READ] > 0);
	assert_true(seen[1][SIO_FAULT_AD_UPDATE] > 0);
	assert_true(seen[2][SIO_FAULT_NOT_PRESENT] > 0);
	assert_true(seen[2][SIO_FAULT_PERM] > 0);
	assert_true(seen[2][SIO_FAULT_RESERVED] > 0);
	assert_true(seen[2][SIO_FAULT_APERTURE] > 0);
}

/* Stage-2 faults at each stage-2 level, on each stage-1 table read and the output. */
static void test_s2_fault_levels(void **state)
{
	static const struct variant v = { 4, 48, 4, false, false, false, 0 };
	static struct env e;
	unsigned int l1, l2;

	(void)state;
	env_setup(&e, &v);
	/*
	 * A chain of full-right tables at stage-1 levels 3..1 and a leaf; the
	 * entry at stage-1 level @l1 is pointed at a GPA that fails stage 2 at
	 * level @l2 (0: S2_HOLE, 1: 4 MiB, 2: 1 GiB, 3: 512 GiB).
	 */
	for (l1 = 0; l1 < 4; l1++) {
		for (l2 = 0; l2 < 4; l2++) {
			static const uint64_t bad[4] = { S2_HOLE, 4ULL << 20, 1ULL << 30,
							 1ULL << 39 };
			const uint64_t f = X86_P | X86_RW | X86_US;
			struct sio_nest_walk wg, wf;
			unsigned int l;
			int rg, rf;

			memset(e.ram + POOL_FIRST, 0, POOL_PAGES * SZ_4K);
			for (l = 4; l-- > 0;) {
				uint64_t next = l ? POOL_FIRST + (4 - l) * SZ_4K : SZ_2M;

				*gpte(&e, POOL_FIRST + (3 - l) * SZ_4K) =
					(l == l1 ? bad[l2] : next) | f;
			}
			rg = sio_nest_walk_generic(e.nested[0], 0, SIO_PT_R, &wg);
			memset(e.ram + POOL_FIRST, 0, POOL_PAGES * SZ_4K);
			for (l = 4; l-- > 0;) {
				uint64_t next = l ? POOL_FIRST + (4 - l) * SZ_4K : SZ_2M;

				*gpte(&e, POOL_FIRST + (3 - l) * SZ_4K) =
					(l == l1 ? bad[l2] : next) | f;
			}
			rf = sio_nest_walk_fast(e.nested[0], 0, SIO_PT_R, &wf);
			expect_same(&wg, &wf, rg, rf, 0, SIO_PT_R);
			assert_int_equal(rf, -EFAULT);
			assert_int_equal(wf.stage, 2);
			assert_int_equal(wf.reason, SIO_FAULT_NOT_PRESENT);
			assert_int_equal(wf.level, l2);
			assert_int_equal(wf.gpa, bad[l2]);
		}
	}
	env_teardown(&e);
}

struct toggler {
	uint64_t *entry, base;
	int stop;
};

/* Rewrite the entry without A, flipping an ignored bit: walkers' A updates race with it. */
static void *toggle_fn(void *arg)
{
	struct toggler *t = arg;
	uint64_t i = 0;

	while (!__atomic_load_n(&t->stop, __ATOMIC_ACQUIRE))
		__atomic_store_n(t->entry, t->base | ((i++ & 1) << 9), __ATOMIC_RELEASE);
	return NULL;
}

/*
 * A/D updates racing with the guest: a failed CAS re-reads the entry, which
 * is one more stage-1 load and one more 4-load stage-2 walk, in both walks;
 * the result never changes.
 */
static void test_ad_race(void **state)
{
	static const struct variant v = { 4, 48, 4, false, false, false, 0 };
	const uint64_t f = X86_P | X86_RW | X86_US;
	static struct env e;
	struct toggler t = { 0 };
	unsigned long retries = 0;
	pthread_t th;
	unsigned int i, l;

	(void)state;
	env_setup(&e, &v);
	memset(e.ram + POOL_FIRST, 0, POOL_PAGES * SZ_4K);
	for (l = 4; l-- > 1;)
		*gpte(&e, POOL_FIRST + (3 - l) * SZ_4K) = (POOL_FIRST + (4 - l) * SZ_4K) | f;
	t.entry = gpte(&e, POOL_FIRST + 3 * SZ_4K);
	t.base = SZ_2M | f;
	*t.entry = t.base;
	assert_int_equal(pthread_create(&th, NULL, toggle_fn, &t), 0);
	for (i = 0; i < 20000; i++) {
		struct sio_nest_walk w;
		int r;

		sio_rcu_read_lock();
		if (i & 1)
			r = sio_nest_walk_fast(e.nested[0], 0x123, SIO_PT_R, &w);
		else
			r = sio_nest_walk_generic(e.nested[0], 0x123, SIO_PT_R, &w);
		sio_rcu_read_unlock();
		assert_int_equal(r, 0);
		assert_true(w.pa == (uintptr_t)e.ram + SZ_2M + 0x123);
		assert_true(w.walks >= 6);
		assert_int_equal(w.loads - 24, 5 * (w.walks - 6));
		retries += w.walks - 6;
	}
	__atomic_store_n(&t.stop, 1, __ATOMIC_RELEASE);
	assert_int_equal(pthread_join(th, NULL), 0);
	print_message("A-update retries: %lu\n", retries);
	env_teardown(&e);
}

/* The specialised walk is chosen only over a VT-d second stage. */
static void test_fast_only_over_vtd(void **state)
{
	struct sio_iommu_cfg icfg = { .type = SIO_IOMMU_VTD };
	struct sio_domain_paging_cfg pcfg = {
		.pt = { .format = SIO_PT_MOCK, .levels = 3, .ias = 0, .oas = 48,
			.pgsize_bitmap = SZ_4K },
		.nest_parent = true,
	};
	struct sio_domain_nested_cfg ncfg = {
		.s1 = { .format = SIO_PT_X86_64, .granule_lg2 = 12, .levels = 4, .ias = 48,
			.oas = 48 },
		.s1_root_gpa = SZ_4K,
	};
	struct sio_iommu *iommu;
	struct sio_domain *s2, *n;

	(void)state;
	assert_int_equal(sio_iommu_create(&icfg, &iommu), 0);
	assert_int_equal(sio_domain_alloc_paging(iommu, &pcfg, &s2), 0);
	assert_int_equal(sio_domain_alloc_nested(iommu, s2, &ncfg, &n), 0);
	assert_false(n->ngeom.fast);
	assert_int_equal(sio_domain_free(n), 0);
	assert_int_equal(sio_domain_free(s2), 0);
	sio_iommu_destroy(iommu);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_differential),
		cmocka_unit_test(test_s2_fault_levels),
		cmocka_unit_test(test_ad_race),
		cmocka_unit_test(test_fast_only_over_vtd),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
