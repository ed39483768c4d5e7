/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Nested two-stage translation in the hardware model (hw-model §1.10, §5.2,
 * §5.4): a guest's VT-d first stage (x86-64 format) built by hand inside
 * "guest memory", itself mapped by a nest_parent paging domain (VT-d second
 * stage) at GPA 0. DMA through both stages, the exact cold-walk load count,
 * staleness of combined entries and their invalidation (guest side and
 * stage-2 side), stage-2 faults with the GPA, A/D updates through stage 2,
 * and the x86 user/supervisor rules with SRE/WPE.
 *
 * Guest RAM is one page-aligned buffer: GPA g is at ram + g. Stage 2 maps
 * [0, RAM_SIZE) to it read/write (4 KiB leaves only, so every stage-2 walk
 * of a 4-level table is four loads).
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "iommu/iommu.h"

#define SZ_4K		0x1000ULL
#define RAM_PAGES	64
#define RAM_SIZE	(RAM_PAGES * SZ_4K)

#define X86_P		(1ULL << 0)
#define X86_RW		(1ULL << 1)
#define X86_US		(1ULL << 2)
#define X86_A		(1ULL << 5)
#define X86_D		(1ULL << 6)
#define X86_PS		(1ULL << 7)
#define X86_OA		0x000ffffffffff000ULL

#define PROT_RW		(SIO_PT_PROT_READ | SIO_PT_PROT_WRITE)

#define IOVA		0x0000123456789000ULL

struct env {
	struct sio_iommu *iommu;
	struct sio_domain *s2;
	struct sio_domain *nested;
	struct sio_iommu_dev *dev;
	unsigned char *ram;
	unsigned int s1_levels;
	uint64_t root_gpa;
	unsigned int next_page;		/* bump allocator of guest pages */
};

static uint64_t *gpte(struct env *e, uint64_t gpa)
{
	return (uint64_t *)(void *)(e->ram + gpa);
}

static uint64_t pte_get(struct env *e, uint64_t gpa)
{
	return __atomic_load_n(gpte(e, gpa), __ATOMIC_ACQUIRE);
}

static void pte_set(struct env *e, uint64_t gpa, uint64_t v)
{
	__atomic_store_n(gpte(e, gpa), v, __ATOMIC_RELEASE);
}

static uint64_t guest_page(struct env *e)
{
	uint64_t gpa;

	assert_true(e->next_page < RAM_PAGES);
	gpa = e->next_page++ * SZ_4K;
	memset(e->ram + gpa, 0, SZ_4K);
	return gpa;
}

static unsigned int idx(uint64_t iova, unsigned int level)
{
	return (unsigned int)((iova >> (12 + 9 * level)) & 511);
}

/*
 * GPA of the stage-1 entry for @iova at @level (generic_pt numbering, 0 =
 * leaf table), creating tables above it (P|RW|US) as needed.
 */
static uint64_t s1_entry(struct env *e, uint64_t iova, unsigned int level)
{
	uint64_t table = e->root_gpa;
	unsigned int l;

	for (l = e->s1_levels - 1; l > level; l--) {
		uint64_t a = table + 8ULL * idx(iova, l), v = pte_get(e, a);

		if (!(v & X86_P)) {
			v = guest_page(e) | X86_P | X86_RW | X86_US;
			pte_set(e, a, v);
		}
		table = v & X86_OA;
	}
	return table + 8ULL * idx(iova, level);
}

static void env_setup(struct env *e, unsigned int s1_levels, bool sre, bool wpe,
		      unsigned int pasid_bits)
{
	struct sio_iommu_cfg icfg = { .type = SIO_IOMMU_VTD };
	struct sio_domain_paging_cfg pcfg = {
		.pt = { .format = SIO_PT_VTD_SS, .granule_lg2 = 12, .levels = 4, .ias = 48,
			.oas = 48, .pgsize_bitmap = SZ_4K },
		.nest_parent = true,
	};
	struct sio_domain_nested_cfg ncfg = {
		.s1 = { .format = SIO_PT_X86_64, .granule_lg2 = 12, .levels = s1_levels,
			.ias = 12 + 9 * s1_levels, .oas = 48, .sre = sre, .wpe = wpe },
	};
	struct sio_iommu_dev_cfg dcfg = { .rid = 0x10, .pasid_bits = pasid_bits };

	memset(e, 0, sizeof(*e));
	e->ram = aligned_alloc(SZ_4K, RAM_SIZE);
	assert_non_null(e->ram);
	memset(e->ram, 0, RAM_SIZE);
	e->s1_levels = s1_levels;
	e->next_page = 1;	/* keep GPA 0 unused */
	e->root_gpa = guest_page(e);
	assert_int_equal(sio_iommu_create(&icfg, &e->iommu), 0);
	assert_int_equal(sio_domain_alloc_paging(e->iommu, &pcfg, &e->s2), 0);
	assert_int_equal(sio_domain_map(e->s2, 0, (uintptr_t)e->ram, RAM_SIZE, PROT_RW), 0);
	ncfg.s1_root_gpa = e->root_gpa;
	assert_int_equal(sio_domain_alloc_nested(e->iommu, e->s2, &ncfg, &e->nested), 0);
	assert_int_equal(sio_iommu_dev_create(e->iommu, &dcfg, &e->dev), 0);
	assert_int_equal(sio_iommu_dev_attach(e->dev, SIO_NO_PASID, e->nested), 0);
}

static void env_teardown(struct env *e)
{
	sio_iommu_dev_destroy(e->dev);
	assert_int_equal(sio_domain_free(e->nested), 0);
	assert_int_equal(sio_domain_free(e->s2), 0);
	sio_iommu_destroy(e->iommu);
	free(e->ram);
}

/* Map a 4 KiB guest page: leaf entry at the returned GPA. */
static uint64_t s1_map4k(struct env *e, uint64_t iova, uint64_t gpa, uint64_t flags)
{
	uint64_t a = s1_entry(e, iova, 0);

	pte_set(e, a, gpa | flags);
	return a;
}

static int xlate(struct env *e, uint64_t iova, unsigned int access, struct sio_xlate *xl)
{
	return sio_iommu_translate(e->dev, false, 0, iova, access, xl);
}

static void test_dma_both_stages(void **state)
{
	unsigned char out[256], in[256];
	uint64_t data;
	struct env e;
	size_t done;
	unsigned int i;

	(void)state;
	env_setup(&e, 4, false, false, 0);
	data = guest_page(&e);
	s1_map4k(&e, IOVA, data, X86_P | X86_RW | X86_US);
	/* A second guest page, not adjacent in GPA space, for a crossing DMA. */
	guest_page(&e);
	s1_map4k(&e, IOVA + SZ_4K, guest_page(&e), X86_P | X86_RW | X86_US);

	for (i = 0; i < sizeof(out); i++)
		out[i] = (unsigned char)(i * 7 + 1);
	assert_int_equal(sio_dma_write(e.dev, false, 0, IOVA + 100, out, 64, &done, NULL), 0);
	assert_int_equal(done, 64);
	assert_memory_equal(e.ram + data + 100, out, 64);
	memset(in, 0, sizeof(in));
	assert_int_equal(sio_dma_read(e.dev, false, 0, IOVA + 100, in, 64, &done, NULL), 0);
	assert_memory_equal(in, out, 64);

	/* Across the page boundary: two translations, two guest pages. */
	assert_int_equal(sio_dma_write(e.dev, false, 0, IOVA + SZ_4K - 128, out, 256, &done,
				       NULL), 0);
	assert_memory_equal(e.ram + data + SZ_4K - 128, out, 128);
	assert_memory_equal(e.ram + (pte_get(&e, s1_entry(&e, IOVA + SZ_4K, 0)) & X86_OA),
			    out + 128, 128);
	memset(in, 0, sizeof(in));
	assert_int_equal(sio_dma_read(e.dev, false, 0, IOVA + SZ_4K - 128, in, 256, &done,
				      NULL), 0);
	assert_memory_equal(in, out, 256);
	env_teardown(&e);
}

static void cold_walk(unsigned int s1_levels, uint64_t want_loads)
{
	struct sio_iommu_stats st;
	struct sio_xlate xl;
	uint64_t data, leaf;
	struct env e;

	env_setup(&e, s1_levels, false, false, 0);
	data = guest_page(&e);
	leaf = s1_map4k(&e, IOVA, data, X86_P | X86_RW | X86_US);

	sio_iommu_reset_stats(e.iommu);
	assert_int_equal(xlate(&e, IOVA + 0x10, SIO_PT_R, &xl), 0);
	assert_int_equal(xl.pa, (uintptr_t)e.ram + data + 0x10);
	assert_int_equal(xl.size_lg2, 12);
	sio_iommu_get_stats(e.iommu, &st);
	assert_int_equal(st.pte_loads, want_loads);
	/* One stage-1 walk, one stage-2 walk per stage-1 table, one for the output. */
	assert_int_equal(st.walks, 1 + s1_levels + 1);
	assert_int_equal(st.iotlb_misses, 1);
	assert_int_equal(st.iotlb_inserts, 1);
	/* A read sets A everywhere but not D, and grants no W (x86: D clear). */
	assert_true(pte_get(&e, leaf) & X86_A);
	assert_false(pte_get(&e, leaf) & X86_D);
	assert_int_equal(xl.perm & SIO_PT_W, 0);

	/* Warm: a hit touches no table. */
	assert_int_equal(xlate(&e, IOVA + 0x20, SIO_PT_R, &xl), 0);
	sio_iommu_get_stats(e.iommu, &st);
	assert_int_equal(st.pte_loads, want_loads);
	assert_int_equal(st.iotlb_hits, 1);

	/* A write walks again (the cached entry lacks W) and sets D in the leaf. */
	assert_int_equal(xlate(&e, IOVA, SIO_PT_W, &xl), 0);
	assert_true(xl.perm & SIO_PT_W);
	assert_true(pte_get(&e, leaf) & X86_D);
	sio_iommu_get_stats(e.iommu, &st);
	assert_int_equal(st.pte_loads, 2 * want_loads);
	env_teardown(&e);
}

static void test_cold_walk_loads(void **state)
{
	(void)state;
	/* 4 stage-1 entries + 4 x 4-load stage-2 walks of their tables + 4 for the output. */
	cold_walk(4, 24);
	/* 5-level stage 1 over the same 4-level stage 2. */
	cold_walk(5, 5 + 5 * 4 + 4);
}

static void test_ad_bits(void **state)
{
	unsigned char b = 0x5a;
	uint64_t data, a;
	struct env e;
	unsigned int l;

	(void)state;
	env_setup(&e, 4, false, false, 0);
	data = guest_page(&e);
	s1_map4k(&e, IOVA, data, X86_P | X86_RW | X86_US);
	assert_int_equal(sio_dma_write(e.dev, false, 0, IOVA + 3, &b, 1, NULL, NULL), 0);
	assert_int_equal(e.ram[data + 3], 0x5a);
	for (l = 0; l < 4; l++) {
		a = pte_get(&e, s1_entry(&e, IOVA, l));
		assert_true(a & X86_A);
		/* D only in the leaf. */
		assert_int_equal(!!(a & X86_D), l == 0);
	}
	env_teardown(&e);
}

static void test_stale_guest_pte(void **state)
{
	uint64_t d1, d2, leaf;
	struct sio_xlate xl;
	struct env e;

	(void)state;
	env_setup(&e, 4, false, false, 0);
	d1 = guest_page(&e);
	d2 = guest_page(&e);
	leaf = s1_map4k(&e, IOVA, d1, X86_P | X86_RW | X86_US);
	assert_int_equal(xlate(&e, IOVA, SIO_PT_R, &xl), 0);
	assert_int_equal(xl.pa, (uintptr_t)e.ram + d1);

	/* Re-point the guest PTE: the combined entry is still used. */
	pte_set(&e, leaf, d2 | X86_P | X86_RW | X86_US);
	assert_int_equal(xlate(&e, IOVA, SIO_PT_R, &xl), 0);
	assert_int_equal(xl.pa, (uintptr_t)e.ram + d1);

	/* An invalidation of another range of the DID leaves it. */
	sio_iommu_invalidate(e.iommu, sio_domain_did(e.nested), IOVA + SZ_4K, SZ_4K);
	assert_int_equal(xlate(&e, IOVA, SIO_PT_R, &xl), 0);
	assert_int_equal(xl.pa, (uintptr_t)e.ram + d1);

	sio_iommu_invalidate(e.iommu, sio_domain_did(e.nested), IOVA, SZ_4K);
	assert_int_equal(xlate(&e, IOVA, SIO_PT_R, &xl), 0);
	assert_int_equal(xl.pa, (uintptr_t)e.ram + d2);

	/* Clearing the guest PTE: stale until invalidated, then a stage-1 fault. */
	pte_set(&e, leaf, 0);
	assert_int_equal(xlate(&e, IOVA, SIO_PT_R, &xl), 0);
	sio_iommu_invalidate_did(e.iommu, sio_domain_did(e.nested));
	assert_int_equal(xlate(&e, IOVA, SIO_PT_R, &xl), -EACCES);
	assert_int_equal(xl.fault.stage, 1);
	assert_int_equal(xl.fault.reason, SIO_FAULT_NOT_PRESENT);
	assert_int_equal(xl.fault.level, 0);
	assert_int_equal(xl.fault.entry_addr, leaf);
	assert_int_equal(xl.fault.gpa, 0);
	assert_int_equal(xl.fault.did, sio_domain_did(e.nested));
	assert_int_equal(xl.fault.iova, IOVA);
	/* Faults are not cached: fixing the PTE is enough. */
	pte_set(&e, leaf, d1 | X86_P | X86_RW | X86_US);
	assert_int_equal(xlate(&e, IOVA, SIO_PT_R, &xl), 0);
	assert_int_equal(xl.pa, (uintptr_t)e.ram + d1);
	env_teardown(&e);
}

static void test_s2_unmap_table(void **state)
{
	uint64_t data, leaf, pt_page;
	struct sio_xlate xl;
	struct env e;

	(void)state;
	env_setup(&e, 4, false, false, 0);
	data = guest_page(&e);
	leaf = s1_map4k(&e, IOVA, data, X86_P | X86_RW | X86_US);
	pt_page = leaf & ~(SZ_4K - 1);
	assert_int_equal(xlate(&e, IOVA, SIO_PT_R, &xl), 0);
	assert_true(sio_iommu_iotlb_count(e.iommu) >= 1);

	/* Unmapping the GPA of the guest's leaf table removes the combined entry. */
	assert_int_equal(sio_domain_unmap(e.s2, pt_page, SZ_4K), SZ_4K);
	assert_int_equal(sio_iommu_iotlb_count(e.iommu), 0);
	assert_int_equal(xlate(&e, IOVA, SIO_PT_R, &xl), -EACCES);
	assert_int_equal(xl.fault.stage, 2);
	assert_int_equal(xl.fault.reason, SIO_FAULT_NOT_PRESENT);
	assert_int_equal(xl.fault.gpa, leaf);
	assert_int_equal(xl.fault.iova, IOVA);
	assert_int_equal(xl.fault.did, sio_domain_did(e.nested));

	/* Mapped back: translation works without any invalidation. */
	assert_int_equal(sio_domain_map(e.s2, pt_page, (uintptr_t)e.ram + pt_page, SZ_4K,
					PROT_RW), 0);
	assert_int_equal(xlate(&e, IOVA, SIO_PT_R, &xl), 0);
	assert_int_equal(xl.pa, (uintptr_t)e.ram + data);

	/* The top table too (the guest's root pointer translated through stage 2). */
	assert_int_equal(sio_domain_unmap(e.s2, e.root_gpa, SZ_4K), SZ_4K);
	assert_int_equal(xlate(&e, IOVA, SIO_PT_W, &xl), -EACCES);
	assert_int_equal(xl.fault.stage, 2);
	assert_int_equal(xl.fault.gpa, e.root_gpa + 8ULL * idx(IOVA, 3));
	assert_int_equal(xl.fault.access, SIO_PT_W);
	assert_int_equal(sio_domain_map(e.s2, e.root_gpa, (uintptr_t)e.ram + e.root_gpa, SZ_4K,
					PROT_RW), 0);
	env_teardown(&e);
}

static void test_s2_unmap_data(void **state)
{
	unsigned char b = 0;
	struct sio_xlate xl;
	uint64_t data;
	struct env e;
	size_t done = 1;

	(void)state;
	env_setup(&e, 4, false, false, 0);
	data = guest_page(&e);
	s1_map4k(&e, IOVA, data, X86_P | X86_RW | X86_US);
	e.ram[data + 9] = 0x77;
	assert_int_equal(sio_dma_read(e.dev, false, 0, IOVA + 9, &b, 1, NULL, NULL), 0);
	assert_int_equal(b, 0x77);

	assert_int_equal(sio_domain_unmap(e.s2, data, SZ_4K), SZ_4K);
	b = 0;
	assert_int_equal(sio_dma_read(e.dev, false, 0, IOVA + 9, &b, 1, &done, &xl), -EACCES);
	assert_int_equal(done, 0);
	assert_int_equal(b, 0);
	assert_int_equal(xl.fault.stage, 2);
	assert_int_equal(xl.fault.reason, SIO_FAULT_NOT_PRESENT);
	assert_int_equal(xl.fault.gpa, data + 9);
	assert_int_equal(xl.fault.iova, IOVA + 9);

	/* Read-only at stage 2: reads pass, writes fault at stage 2 with the GPA. */
	assert_int_equal(sio_domain_map(e.s2, data, (uintptr_t)e.ram + data, SZ_4K,
					SIO_PT_PROT_READ), 0);
	assert_int_equal(sio_dma_read(e.dev, false, 0, IOVA + 9, &b, 1, NULL, NULL), 0);
	assert_int_equal(b, 0x77);
	b = 1;
	assert_int_equal(sio_dma_write(e.dev, false, 0, IOVA + 9, &b, 1, NULL, &xl), -EACCES);
	assert_int_equal(xl.fault.stage, 2);
	assert_int_equal(xl.fault.reason, SIO_FAULT_PERM);
	assert_int_equal(xl.fault.gpa, data + 9);
	assert_int_equal(e.ram[data + 9], 0x77);
	env_teardown(&e);
}

static void test_s2_readonly_table(void **state)
{
	uint64_t data, leaf, pt_page;
	struct sio_xlate xl;
	struct env e;

	(void)state;
	env_setup(&e, 4, false, false, 0);
	data = guest_page(&e);
	leaf = s1_map4k(&e, IOVA, data, X86_P | X86_RW | X86_US);
	pt_page = leaf & ~(SZ_4K - 1);
	/* The guest's leaf table is read-only at stage 2. */
	assert_int_equal(sio_domain_unmap(e.s2, pt_page, SZ_4K), SZ_4K);
	assert_int_equal(sio_domain_map(e.s2, pt_page, (uintptr_t)e.ram + pt_page, SZ_4K,
					SIO_PT_PROT_READ), 0);

	/* Setting A in the leaf needs stage-2 W: a stage-2 permission fault. */
	assert_int_equal(xlate(&e, IOVA, SIO_PT_R, &xl), -EACCES);
	assert_int_equal(xl.fault.stage, 2);
	assert_int_equal(xl.fault.reason, SIO_FAULT_PERM);
	assert_int_equal(xl.fault.gpa, leaf);
	assert_false(pte_get(&e, leaf) & X86_A);

	/* With A already set, a read needs only stage-2 R on the table. */
	pte_set(&e, leaf, data | X86_P | X86_RW | X86_US | X86_A);
	assert_int_equal(xlate(&e, IOVA, SIO_PT_R, &xl), 0);
	assert_int_equal(xl.pa, (uintptr_t)e.ram + data);
	/* A write must set D: fails the same way. */
	assert_int_equal(xlate(&e, IOVA, SIO_PT_W, &xl), -EACCES);
	assert_int_equal(xl.fault.stage, 2);
	assert_int_equal(xl.fault.reason, SIO_FAULT_PERM);
	assert_int_equal(xl.fault.gpa, leaf);
	assert_false(pte_get(&e, leaf) & X86_D);
	env_teardown(&e);
}

static void test_s1_large_leaf(void **state)
{
	const uint64_t iova = 0x40000000ULL;	/* 1 GiB: PD index 0 of PDPT entry 1 */
	struct sio_xlate xl;
	struct env e;
	uint64_t a;

	(void)state;
	env_setup(&e, 4, false, false, 0);
	/* A 2 MiB stage-1 leaf at GPA 0 over 4 KiB stage-2 pages: combined 4 KiB. */
	a = s1_entry(&e, iova, 1);
	pte_set(&e, a, 0 | X86_P | X86_RW | X86_US | X86_PS);
	assert_int_equal(xlate(&e, iova + 9 * SZ_4K + 5, SIO_PT_R, &xl), 0);
	assert_int_equal(xl.pa, (uintptr_t)e.ram + 9 * SZ_4K + 5);
	assert_int_equal(xl.size_lg2, 12);
	/* Beyond guest RAM: not mapped at stage 2. */
	assert_int_equal(xlate(&e, iova + RAM_SIZE, SIO_PT_R, &xl), -EACCES);
	assert_int_equal(xl.fault.stage, 2);
	assert_int_equal(xl.fault.gpa, RAM_SIZE);
	env_teardown(&e);
}

static void test_user_supervisor(void **state)
{
	static const struct {
		bool sre, wpe;
		int sup_read, sup_write_ro;
	} cases[] = {
		{ false, false, -EACCES, -EACCES },
		{ true, false, 0, 0 },
		{ true, true, 0, -EACCES },
	};
	unsigned int i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint64_t data;
		struct sio_xlate xl;
		struct env e;

		env_setup(&e, 4, cases[i].sre, cases[i].wpe, 4);
		assert_int_equal(sio_iommu_dev_attach(e.dev, 3, e.nested), 0);
		data = guest_page(&e);
		/* Supervisor-only page (U/S = 0), read-only. */
		s1_map4k(&e, IOVA, data, X86_P);
		/* A user request always fails at stage 1. */
		assert_int_equal(sio_iommu_translate(e.dev, true, 3, IOVA, SIO_PT_R, &xl),
				 -EACCES);
		assert_int_equal(xl.fault.stage, 1);
		assert_int_equal(xl.fault.reason, SIO_FAULT_PERM);
		assert_true(xl.fault.pasid_valid);
		assert_int_equal(xl.fault.pasid, 3);
		assert_int_equal(sio_iommu_translate(e.dev, true, 3, IOVA,
						     SIO_PT_R | SIO_PT_PRIV, &xl),
				 cases[i].sup_read);
		assert_int_equal(sio_iommu_translate(e.dev, true, 3, IOVA,
						     SIO_PT_W | SIO_PT_PRIV, &xl),
				 cases[i].sup_write_ro);
		if (cases[i].sup_write_ro)
			assert_int_equal(xl.fault.stage, 1);
		assert_int_equal(sio_iommu_dev_attach(e.dev, 3, NULL), 0);
		env_teardown(&e);
	}
}

static void test_alloc_rules(void **state)
{
	struct sio_domain_paging_cfg pcfg = {
		.pt = { .format = SIO_PT_VTD_SS, .granule_lg2 = 12, .levels = 4, .ias = 48,
			.oas = 48, .pgsize_bitmap = SZ_4K },
	};
	struct sio_domain_nested_cfg ncfg = {
		.s1 = { .format = SIO_PT_X86_64, .granule_lg2 = 12, .levels = 4, .ias = 48,
			.oas = 48 },
		.s1_root_gpa = 0x2000,
	};
	struct sio_domain *plain, *n2, *n = NULL;
	struct sio_domain_info info;
	struct env e;

	(void)state;
	env_setup(&e, 4, false, false, 0);
	assert_int_equal(sio_domain_alloc_paging(e.iommu, &pcfg, &plain), 0);
	assert_int_equal(sio_domain_alloc_nested(e.iommu, plain, &ncfg, &n), -EINVAL);
	assert_int_equal(sio_domain_alloc_nested(e.iommu, e.nested, &ncfg, &n), -EINVAL);
	ncfg.s1_root_gpa = 0x2008;
	assert_int_equal(sio_domain_alloc_nested(e.iommu, e.s2, &ncfg, &n), -EINVAL);
	ncfg.s1_root_gpa = 0x2000;
	ncfg.s1.levels = 3;
	ncfg.s1.ias = 39;
	assert_int_equal(sio_domain_alloc_nested(e.iommu, e.s2, &ncfg, &n), -EINVAL);
	ncfg.s1.levels = 4;
	ncfg.s1.ias = 48;
	ncfg.s1.format = SIO_PT_VTD_SS;
	assert_int_equal(sio_domain_alloc_nested(e.iommu, e.s2, &ncfg, &n), -EINVAL);
	ncfg.s1.format = SIO_PT_X86_64;
	/* Not validated beyond alignment: a root outside guest RAM is accepted. */
	ncfg.s1_root_gpa = 1ULL << 40;
	assert_int_equal(sio_domain_alloc_nested(e.iommu, e.s2, &ncfg, &n2), 0);
	sio_domain_get_info(n2, &info);
	assert_int_equal(info.kind, SIO_DOMAIN_NESTED);
	assert_int_not_equal(info.did, sio_domain_did(e.nested));
	assert_int_equal(sio_domain_map(n2, 0, 0, SZ_4K, PROT_RW), -EOPNOTSUPP);
	assert_int_equal(sio_domain_unmap(n2, 0, SZ_4K), 0);
	/* ...and faults at DMA time, at stage 2, with that GPA. */
	{
		struct sio_xlate xl;

		assert_int_equal(sio_iommu_dev_attach(e.dev, SIO_NO_PASID, n2), 0);
		assert_int_equal(xlate(&e, IOVA, SIO_PT_R, &xl), -EACCES);
		assert_int_equal(xl.fault.stage, 2);
		assert_int_equal(xl.fault.gpa, (1ULL << 40) + 8ULL * idx(IOVA, 3));
		/* Non-canonical input: a stage-1 range fault. */
		assert_int_equal(xlate(&e, 1ULL << 50, SIO_PT_R, &xl), -EACCES);
		assert_int_equal(xl.fault.stage, 1);
		assert_int_equal(xl.fault.reason, SIO_FAULT_RANGE);
		assert_int_equal(sio_iommu_dev_attach(e.dev, SIO_NO_PASID, e.nested), 0);
	}

	/* Attached nested domain and a parent with nested domains are busy. */
	assert_int_equal(sio_domain_free(e.nested), -EBUSY);
	assert_int_equal(sio_domain_free(e.s2), -EBUSY);
	assert_int_equal(sio_domain_free(n2), 0);
	assert_int_equal(sio_domain_free(e.s2), -EBUSY);
	assert_int_equal(sio_domain_free(plain), 0);
	env_teardown(&e);
}

struct race {
	struct env *e;
	uint64_t d1, d2;
	int stop;
	unsigned long ok, faults;
};

static void *race_reader(void *arg)
{
	struct race *r = arg;
	struct sio_xlate xl;

	while (!__atomic_load_n(&r->stop, __ATOMIC_ACQUIRE)) {
		uint64_t v = 0;
		int ret = sio_dma_read(r->e->dev, false, 0, IOVA, &v, sizeof(v), NULL, &xl);

		if (!ret) {
			/* Either guest page, never anything else. */
			assert_true(v == 0x1111111111111111ULL || v == 0x2222222222222222ULL);
			__atomic_fetch_add(&r->ok, 1, __ATOMIC_RELAXED);
		} else {
			assert_int_equal(ret, -EACCES);
			assert_true(xl.fault.stage == 2 ||
				    xl.fault.reason == SIO_FAULT_NOT_PRESENT);
			__atomic_fetch_add(&r->faults, 1, __ATOMIC_RELAXED);
		}
	}
	return NULL;
}

/*
 * Translations through both stages while the guest re-points its PTE (with
 * invalidations) and the host unmaps and remaps the guest's leaf table and
 * data pages: every DMA either faults or reads one of the two guest pages.
 */
static void test_concurrent(void **state)
{
	struct race r = { 0 };
	uint64_t leaf, pt_page;
	pthread_t th[2];
	struct env e;
	unsigned int i;

	(void)state;
	env_setup(&e, 4, false, false, 0);
	r.e = &e;
	r.d1 = guest_page(&e);
	r.d2 = guest_page(&e);
	memset(e.ram + r.d1, 0x11, SZ_4K);
	memset(e.ram + r.d2, 0x22, SZ_4K);
	leaf = s1_map4k(&e, IOVA, r.d1, X86_P | X86_RW | X86_US);
	pt_page = leaf & ~(SZ_4K - 1);
	for (i = 0; i < 2; i++)
		assert_int_equal(pthread_create(&th[i], NULL, race_reader, &r), 0);
	for (i = 0; i < 2000; i++) {
		uint64_t d = i & 1 ? r.d2 : r.d1;

		pte_set(&e, leaf, d | X86_P | X86_RW | X86_US);
		sio_iommu_invalidate(e.iommu, sio_domain_did(e.nested), IOVA, SZ_4K);
		if (i % 3 == 0) {
			assert_int_equal(sio_domain_unmap(e.s2, pt_page, SZ_4K), SZ_4K);
			assert_int_equal(sio_domain_map(e.s2, pt_page, (uintptr_t)e.ram + pt_page,
							SZ_4K, PROT_RW), 0);
		}
		if (i % 5 == 0) {
			assert_int_equal(sio_domain_unmap(e.s2, d, SZ_4K), SZ_4K);
			assert_int_equal(sio_domain_map(e.s2, d, (uintptr_t)e.ram + d, SZ_4K,
							PROT_RW), 0);
		}
	}
	__atomic_store_n(&r.stop, 1, __ATOMIC_RELEASE);
	for (i = 0; i < 2; i++)
		assert_int_equal(pthread_join(th[i], NULL), 0);
	env_teardown(&e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dma_both_stages),
		cmocka_unit_test(test_cold_walk_loads),
		cmocka_unit_test(test_ad_bits),
		cmocka_unit_test(test_stale_guest_pte),
		cmocka_unit_test(test_s2_unmap_table),
		cmocka_unit_test(test_s2_unmap_data),
		cmocka_unit_test(test_s2_readonly_table),
		cmocka_unit_test(test_s1_large_leaf),
		cmocka_unit_test(test_user_supervisor),
		cmocka_unit_test(test_alloc_rules),
		cmocka_unit_test(test_concurrent),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
