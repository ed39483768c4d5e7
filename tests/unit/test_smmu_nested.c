/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SMMUv3 nested translation in the hardware model (hw-model §2.3-§2.8,
 * §5.3, §5.4): a guest STE over a nest_parent ARM stage-2 domain that maps
 * guest RAM (one page-aligned buffer, IPA g at ram + g, 4 KiB leaves only so
 * every stage-2 walk is four loads). CD tables, CDs and VMSAv8-64 stage-1
 * tables are written into guest RAM by IPA. Covers the translation and its
 * exact load counts, STE modes, S1DSS, SSIDs, two-level CD tables, CD
 * validation, stage-1 and stage-2 faults with their class, staleness of the
 * configuration cache and the IOTLB against every command, host unmaps,
 * attach rules, commands racing translations, and HTTU (CD.HA/HD): access
 * flag and dirty-state updates of guest descriptors through stage 2.
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
#include <sys/mman.h>
#include <unistd.h>

#include "base/uaccess.h"
#include "iommu/iommu.h"

#define SZ_4K		0x1000ULL
#define RAM_PAGES	128
#define RAM_SIZE	(RAM_PAGES * SZ_4K)
#define PROT_RW		(SIO_PT_PROT_READ | SIO_PT_PROT_WRITE)
#define RID		0x42

#define IOVA		0x0000123456789000ULL
#define IPA_HOLE	0x2000000ULL	/* never mapped in stage 2 */
#define IPA_RO		0x3000000ULL	/* stage 2 read-only */
#define IPA_BADHOST	0x4000000ULL	/* stage 2 maps it to an unreadable host page */

/* VMSAv8-64 stage-1 descriptors. */
#define D_VALID		(1ULL << 0)
#define D_TABLE		(3ULL << 0)
#define D_PAGE		(3ULL << 0)
#define D_AP2		(1ULL << 7)
#define D_AF		(1ULL << 10)
#define D_DBM		(1ULL << 51)
#define D_APTABLE_NW	(1ULL << 62)
#define D_OA		0x0000fffffffff000ULL

/* STE and CD fields. */
#define STE0_V		(1ULL << 0)
#define STE0_CFG(c)	((uint64_t)(c) << 1)
#define STE0_FMT(f)	((uint64_t)(f) << 4)
#define STE0_CDMAX(n)	((uint64_t)(n) << 59)
#define STE1_STALLD	(1ULL << 27)
#define CD0_T0SZ(n)	((uint64_t)(n))
#define CD0_TG0(n)	((uint64_t)(n) << 6)
#define CD0_EPD0	(1ULL << 14)
#define CD0_ENDI	(1ULL << 15)
#define CD0_T1SZ(n)	((uint64_t)(n) << 16)
#define CD0_TG1(n)	((uint64_t)(n) << 22)
#define CD0_EPD1	(1ULL << 30)
#define CD0_V		(1ULL << 31)
#define CD0_IPS(n)	((uint64_t)(n) << 32)
#define CD0_AFFD	(1ULL << 35)
#define CD0_TBI0	(1ULL << 38)
#define CD0_AA64	(1ULL << 41)
#define CD0_HD		(1ULL << 42)
#define CD0_HA		(1ULL << 43)
#define CD0_S		(1ULL << 44)
#define CD0_R		(1ULL << 45)
#define CD0_A		(1ULL << 46)
#define CD0_ASID(n)	((uint64_t)(n) << 48)

/* Commands. */
#define CMD_CFGI_STE		0x03
#define CMD_CFGI_STE_RANGE	0x04
#define CMD_CFGI_CD		0x05
#define CMD_CFGI_CD_ALL		0x06
#define CMD_CFGI_ALL		0x07
#define CMD_NH_ALL		0x10
#define CMD_NH_ASID		0x11
#define CMD_NH_VA		0x12
#define CMD_NH_VAA		0x13
#define CMD_S12_VMALL		0x28
#define CMD_S2_IPA		0x2a
#define CMD_NSNH_ALL		0x30
#define CMD_SYNC		0x46

#define ASID0		7
#define ASID1		9

struct env {
	struct sio_iommu *iommu;
	struct sio_domain *s2;
	struct sio_domain *nd;
	struct sio_iommu_dev *dev;
	unsigned char *ram;
	unsigned int next_page;
	uint64_t cd_table;		/* IPA of the CD table (linear) or L1 table */
	uint64_t root[2];		/* stage-1 roots used by CD 0 and CD 1 */
	uint64_t ste[2];
};

static uint64_t *gmem(struct env *e, uint64_t ipa)
{
	return (uint64_t *)(void *)(e->ram + ipa);
}

static uint64_t gget(struct env *e, uint64_t ipa)
{
	return __atomic_load_n(gmem(e, ipa), __ATOMIC_ACQUIRE);
}

static void gset(struct env *e, uint64_t ipa, uint64_t v)
{
	__atomic_store_n(gmem(e, ipa), v, __ATOMIC_RELEASE);
}

static uint64_t guest_page(struct env *e)
{
	uint64_t ipa;

	assert_true(e->next_page < RAM_PAGES);
	ipa = e->next_page++ * SZ_4K;
	memset(e->ram + ipa, 0, SZ_4K);
	return ipa;
}

static unsigned int idx(uint64_t va, unsigned int level)
{
	return (unsigned int)((va >> (12 + 9 * level)) & 511);
}

/* IPA of the 4-level (T0SZ 16) stage-1 entry of @va at @level under @root, making tables. */
static uint64_t s1_entry(struct env *e, uint64_t root, uint64_t va, unsigned int level)
{
	uint64_t table = root;
	unsigned int l;

	for (l = 3; l > level; l--) {
		uint64_t a = table + 8ULL * idx(va, l), v = gget(e, a);

		if (!(v & D_VALID)) {
			v = guest_page(e) | D_TABLE;
			gset(e, a, v);
		}
		table = v & D_OA;
	}
	return table + 8ULL * idx(va, level);
}

static uint64_t s1_map(struct env *e, uint64_t root, uint64_t va, uint64_t ipa, uint64_t flags)
{
	uint64_t a = s1_entry(e, root, va, 0);

	gset(e, a, ipa | flags);
	return a;
}

static uint64_t cd0_of(unsigned int asid)
{
	return CD0_T0SZ(16) | CD0_TG0(0) | CD0_EPD1 | CD0_V | CD0_IPS(5) | CD0_AA64 | CD0_A |
	       CD0_R | CD0_ASID(asid);
}

static void cd_write_at(struct env *e, uint64_t ipa, uint64_t cd0, uint64_t ttb0)
{
	gset(e, ipa, cd0);
	gset(e, ipa + 8, ttb0);
	gset(e, ipa + 16, 0);
}

/* CD @i of a linear table. */
static void cd_write(struct env *e, unsigned int i, uint64_t cd0, uint64_t ttb0)
{
	cd_write_at(e, e->cd_table + 64ULL * i, cd0, ttb0);
}

/* The parent tracks dirtiness (ARM HD) when set. */
static bool env_dirty;

static void env_base(struct env *e, unsigned int pasid_bits)
{
	struct sio_iommu_cfg icfg = { .type = SIO_IOMMU_SMMUV3 };
	struct sio_domain_paging_cfg pcfg = {
		.pt = { .format = SIO_PT_ARM_S2, .granule_lg2 = 12, .ias = 48, .oas = 48,
			.pgsize_bitmap = SZ_4K },
		.nest_parent = true,
	};
	struct sio_iommu_dev_cfg dcfg = { .rid = RID, .pasid_bits = pasid_bits };

	pcfg.pt.dirty_tracking = env_dirty;
	pcfg.pt.hw_dirty = env_dirty;
	dcfg.caps = env_dirty ? SIO_DEV_CAP_DIRTY : 0;
	memset(e, 0, sizeof(*e));
	e->ram = aligned_alloc(SZ_4K, RAM_SIZE);
	assert_non_null(e->ram);
	memset(e->ram, 0, RAM_SIZE);
	e->next_page = 1;
	assert_int_equal(sio_iommu_create(&icfg, &e->iommu), 0);
	assert_int_equal(sio_domain_alloc_paging(e->iommu, &pcfg, &e->s2), 0);
	assert_int_equal(sio_domain_map(e->s2, 0, (uintptr_t)e->ram, RAM_SIZE, PROT_RW), 0);
	assert_int_equal(sio_iommu_dev_create(e->iommu, &dcfg, &e->dev), 0);
	e->cd_table = guest_page(e);
	e->root[0] = guest_page(e);
	e->root[1] = guest_page(e);
	cd_write(e, 0, cd0_of(ASID0), e->root[0]);
	cd_write(e, 1, cd0_of(ASID1), e->root[1]);
}

static void env_attach(struct env *e, uint64_t ste0, uint64_t ste1)
{
	e->ste[0] = ste0;
	e->ste[1] = ste1;
	assert_int_equal(sio_domain_alloc_smmu_nested(e->iommu, e->s2, e->ste, &e->nd), 0);
	assert_int_equal(sio_iommu_dev_attach(e->dev, SIO_NO_PASID, e->nd), 0);
}

/* An S1-translate STE with a linear table of 2^cdmax CDs. */
static void env_setup(struct env *e, unsigned int cdmax, unsigned int dss)
{
	env_base(e, 8);
	env_attach(e, STE0_V | STE0_CFG(5) | e->cd_table | STE0_CDMAX(cdmax), dss);
}

static void env_teardown(struct env *e)
{
	sio_iommu_dev_destroy(e->dev);
	assert_int_equal(sio_domain_free(e->nd), 0);
	assert_int_equal(sio_domain_free(e->s2), 0);
	sio_iommu_destroy(e->iommu);
	free(e->ram);
}

static int xl(struct env *e, uint64_t va, unsigned int access, struct sio_xlate *x)
{
	memset(x, 0, sizeof(*x));
	return sio_iommu_translate(e->dev, false, 0, va, access, x);
}

static int xl_ssid(struct env *e, uint32_t ssid, uint64_t va, unsigned int access,
		   struct sio_xlate *x)
{
	memset(x, 0, sizeof(*x));
	return sio_iommu_translate(e->dev, true, ssid, va, access, x);
}

static uint64_t hpa(struct env *e, uint64_t ipa)
{
	return (uint64_t)(uintptr_t)e->ram + ipa;
}

static void expect_pa(struct env *e, uint64_t va, unsigned int access, uint64_t ipa)
{
	struct sio_xlate x;

	assert_int_equal(xl(e, va, access, &x), 0);
	assert_int_equal(x.pa, hpa(e, ipa) + (va & 0xfff));
}

static void expect_fault(struct sio_xlate *x, enum sio_fault_reason reason, unsigned int stage,
			 unsigned int fclass)
{
	assert_int_equal(x->fault.reason, reason);
	assert_int_equal(x->fault.stage, stage);
	assert_int_equal(x->fault.fclass, fclass);
}

static int cmd(struct env *e, uint64_t c0, uint64_t c1)
{
	uint64_t c[2] = { c0, c1 };

	return sio_smmu_cmd(e->iommu, c);
}

static uint64_t vmid(struct env *e)
{
	return (uint64_t)sio_domain_did(e->s2) << 32;
}

static void nh_asid(struct env *e, unsigned int asid)
{
	assert_int_equal(cmd(e, CMD_NH_ASID | vmid(e) | (uint64_t)asid << 48, 0), 0);
}

static void nh_va(struct env *e, unsigned int asid, uint64_t va)
{
	assert_int_equal(cmd(e, CMD_NH_VA | vmid(e) | (uint64_t)asid << 48, va), 0);
}

static void nh_all(struct env *e)
{
	assert_int_equal(cmd(e, CMD_NH_ALL | vmid(e), 0), 0);
}

static void cfgi_cd(struct env *e, uint32_t ssid)
{
	assert_int_equal(cmd(e, CMD_CFGI_CD | (uint64_t)ssid << 12 | (uint64_t)RID << 32, 0), 0);
}

/* ------------------------------------------------------------------ tests */

static void test_translate_and_counts(void **state)
{
	unsigned char out[64], in[64];
	struct sio_iommu_stats st;
	struct sio_xlate x;
	struct env e;
	uint64_t data;

	(void)state;
	env_setup(&e, 0, 0);
	data = guest_page(&e);
	s1_map(&e, e.root[0], IOVA, data, D_PAGE | D_AF);

	sio_iommu_reset_stats(e.iommu);
	assert_int_equal(xl(&e, IOVA + 0x10, SIO_PT_R | SIO_PT_W, &x), 0);
	assert_int_equal(x.pa, hpa(&e, data) + 0x10);
	assert_int_equal(x.size_lg2, 12);
	assert_int_equal(x.perm & (SIO_PT_R | SIO_PT_W), SIO_PT_R | SIO_PT_W);
	sio_iommu_get_stats(e.iommu, &st);
	/* CD: 4; stage 1: 4 loads, each table through stage 2: 16; output: 4. */
	assert_int_equal(st.pte_loads, 28);
	assert_int_equal(st.walks, 1 + 4 + 1 + 1);
	assert_int_equal(st.cfg_misses, 1);
	assert_int_equal(st.cfg_hits, 0);
	assert_int_equal(st.iotlb_misses, 1);

	/* Cached: a hit on the inline path, no configuration lookup. */
	sio_iommu_reset_stats(e.iommu);
	assert_int_equal(xl(&e, IOVA + 0x20, SIO_PT_W, &x), 0);
	assert_int_equal(x.pa, hpa(&e, data) + 0x20);
	sio_iommu_get_stats(e.iommu, &st);
	assert_int_equal(st.iotlb_hits, 1);
	assert_int_equal(st.pte_loads, 0);
	assert_int_equal(st.cfg_hits + st.cfg_misses, 0);

	/* Warm configuration, cold IOTLB: exactly 24. */
	nh_all(&e);
	sio_iommu_reset_stats(e.iommu);
	assert_int_equal(xl(&e, IOVA, SIO_PT_R, &x), 0);
	sio_iommu_get_stats(e.iommu, &st);
	assert_int_equal(st.pte_loads, 24);
	assert_int_equal(st.walks, 6);
	assert_int_equal(st.cfg_hits, 1);
	assert_int_equal(st.cfg_misses, 0);

	/* DMA through both stages. */
	memset(out, 0x5a, sizeof(out));
	assert_int_equal(sio_dma_write(e.dev, false, 0, IOVA + 100, out, sizeof(out), NULL,
				       NULL), 0);
	assert_memory_equal(e.ram + data + 100, out, sizeof(out));
	assert_int_equal(sio_dma_read(e.dev, false, 0, IOVA + 100, in, sizeof(in), NULL, NULL),
			 0);
	assert_memory_equal(in, out, sizeof(in));
	env_teardown(&e);
}

static void test_bypass_and_abort(void **state)
{
	struct sio_iommu_dev_cfg dcfg = { .rid = RID + 1 };
	struct sio_iommu_stats st;
	struct sio_iommu_dev *dev2;
	struct sio_domain *abort_d, *inval_d, *bad;
	uint64_t ste[2] = { STE0_V | STE0_CFG(4), 0 };
	struct sio_xlate x;
	struct env e;

	(void)state;
	env_base(&e, 8);
	env_attach(&e, ste[0], ste[1]);
	/* Bypass: exactly the parent's translation, cached under the parent's tag. */
	expect_pa(&e, 0x5000, SIO_PT_W, 0x5000);
	assert_int_equal(sio_iommu_dev_create(e.iommu, &dcfg, &dev2), 0);
	assert_int_equal(sio_iommu_dev_attach(dev2, SIO_NO_PASID, e.s2), 0);
	sio_iommu_reset_stats(e.iommu);
	assert_int_equal(sio_iommu_translate(dev2, false, 0, 0x5000, SIO_PT_R, &x), 0);
	sio_iommu_get_stats(e.iommu, &st);
	assert_int_equal(st.iotlb_hits, 1);
	/* A stage-2 fault, stage 2 for the bypass STE. */
	assert_int_equal(xl(&e, IPA_HOLE, SIO_PT_R, &x), -EACCES);
	expect_fault(&x, SIO_FAULT_NOT_PRESENT, 2, SIO_FAULT_CLASS_IN);
	assert_true(x.fault.record);
	/* No CD table behind a bypass STE: SSIDs are bad. */
	assert_int_equal(xl_ssid(&e, 1, 0x5000, SIO_PT_R, &x), -EACCES);
	assert_int_equal(x.fault.reason, SIO_FAULT_BAD_SUBSTREAMID);

	/* Abort STE (Config 0b0xx) and an invalid STE: blocked, nothing recorded. */
	ste[0] = STE0_V | STE0_CFG(2);
	assert_int_equal(sio_domain_alloc_smmu_nested(e.iommu, e.s2, ste, &abort_d), 0);
	assert_int_equal(sio_iommu_dev_attach(e.dev, SIO_NO_PASID, abort_d), 0);
	assert_int_equal(xl(&e, 0x5000, SIO_PT_R, &x), -EACCES);
	expect_fault(&x, SIO_FAULT_BLOCKED, 1, SIO_FAULT_CLASS_NONE);
	assert_false(x.fault.record);
	assert_int_equal(xl_ssid(&e, 1, 0x5000, SIO_PT_R, &x), -EACCES);
	assert_int_equal(x.fault.reason, SIO_FAULT_BLOCKED);
	ste[0] = STE0_CFG(5) | e.cd_table;
	assert_int_equal(sio_domain_alloc_smmu_nested(e.iommu, e.s2, ste, &inval_d), 0);
	assert_int_equal(sio_iommu_dev_attach(e.dev, SIO_NO_PASID, inval_d), 0);
	assert_int_equal(xl(&e, 0x5000, SIO_PT_R, &x), -EACCES);
	assert_int_equal(x.fault.reason, SIO_FAULT_BLOCKED);
	assert_false(x.fault.record);

	/* Stage-2 translate and nested Configs are not for the guest; bad parents. */
	ste[0] = STE0_V | STE0_CFG(6);
	assert_int_equal(sio_domain_alloc_smmu_nested(e.iommu, e.s2, ste, &bad), -EINVAL);
	ste[0] = STE0_V | STE0_CFG(7);
	assert_int_equal(sio_domain_alloc_smmu_nested(e.iommu, e.s2, ste, &bad), -EINVAL);
	ste[0] = STE0_V | STE0_CFG(5);
	assert_int_equal(sio_domain_alloc_smmu_nested(e.iommu, abort_d, ste, &bad), -EINVAL);

	assert_int_equal(sio_iommu_dev_attach(e.dev, SIO_NO_PASID, e.nd), 0);
	sio_iommu_dev_destroy(dev2);
	assert_int_equal(sio_domain_free(abort_d), 0);
	assert_int_equal(sio_domain_free(inval_d), 0);
	env_teardown(&e);
}

static void test_s1dss(void **state)
{
	uint64_t d0, d1;
	struct sio_xlate x;
	struct env e;

	(void)state;
	/* Terminate. */
	env_setup(&e, 1, 0);
	d0 = guest_page(&e);
	s1_map(&e, e.root[0], IOVA, d0, D_PAGE | D_AF);
	/* F_STREAM_DISABLED: blocked, but recorded (unlike an abort STE). */
	assert_int_equal(xl(&e, IOVA, SIO_PT_R, &x), -EACCES);
	expect_fault(&x, SIO_FAULT_BLOCKED, 1, SIO_FAULT_CLASS_NONE);
	assert_true(x.fault.record);
	/* SSID 0 is an ordinary SSID then. */
	assert_int_equal(xl_ssid(&e, 0, IOVA, SIO_PT_R, &x), 0);
	assert_int_equal(x.pa, hpa(&e, d0));
	env_teardown(&e);

	/* Bypass stage 1: the IOVA is an IPA. */
	env_setup(&e, 1, 1);
	expect_pa(&e, 0x7000, SIO_PT_R, 0x7000);
	env_teardown(&e);

	/* The reserved S1DSS 3 terminates too. */
	env_setup(&e, 1, 3);
	assert_int_equal(xl(&e, IOVA, SIO_PT_R, &x), -EACCES);
	assert_int_equal(x.fault.reason, SIO_FAULT_BLOCKED);
	assert_true(x.fault.record);
	env_teardown(&e);

	/* Substream 0: CD 0 for no-SSID requests, and SSID 0 itself is refused. */
	env_setup(&e, 1, 2);
	d0 = guest_page(&e);
	d1 = guest_page(&e);
	s1_map(&e, e.root[0], IOVA, d0, D_PAGE | D_AF);
	s1_map(&e, e.root[1], IOVA, d1, D_PAGE | D_AF);
	expect_pa(&e, IOVA, SIO_PT_R, d0);
	assert_int_equal(xl_ssid(&e, 0, IOVA, SIO_PT_R, &x), -EACCES);
	assert_int_equal(x.fault.reason, SIO_FAULT_BLOCKED);
	assert_true(x.fault.record);
	assert_int_equal(xl_ssid(&e, 1, IOVA, SIO_PT_R, &x), 0);
	assert_int_equal(x.pa, hpa(&e, d1));
	env_teardown(&e);
}

static void test_ssid(void **state)
{
	struct sio_iommu_stats st;
	uint64_t d0, d1;
	struct sio_xlate x;
	struct env e;

	(void)state;
	env_setup(&e, 2, 2);
	d0 = guest_page(&e);
	d1 = guest_page(&e);
	s1_map(&e, e.root[0], IOVA, d0, D_PAGE | D_AF);
	s1_map(&e, e.root[1], IOVA, d1, D_PAGE | D_AF);
	cd_write(&e, 3, cd0_of(ASID0), e.root[0]);

	assert_int_equal(xl_ssid(&e, 1, IOVA, SIO_PT_R, &x), 0);
	assert_int_equal(x.pa, hpa(&e, d1));
	/* Cached by ASID: a second request of SSID 1 hits; SSID 3 shares ASID0's entries. */
	sio_iommu_reset_stats(e.iommu);
	assert_int_equal(xl_ssid(&e, 1, IOVA, SIO_PT_R, &x), 0);
	assert_int_equal(xl(&e, IOVA, SIO_PT_R, &x), 0);
	assert_int_equal(xl_ssid(&e, 3, IOVA, SIO_PT_R, &x), 0);
	assert_int_equal(x.pa, hpa(&e, d0));
	sio_iommu_get_stats(e.iommu, &st);
	assert_int_equal(st.iotlb_hits, 2);
	assert_int_equal(st.iotlb_misses, 1);
	assert_int_equal(st.cfg_hits, 1);
	assert_int_equal(st.cfg_misses, 2);

	/* Beyond S1CDMax, beyond the device's width. */
	assert_int_equal(xl_ssid(&e, 4, IOVA, SIO_PT_R, &x), -EACCES);
	expect_fault(&x, SIO_FAULT_BAD_SUBSTREAMID, 1, SIO_FAULT_CLASS_NONE);
	assert_true(x.fault.pasid_valid);
	assert_int_equal(x.fault.pasid, 4);
	assert_int_equal(xl_ssid(&e, 1u << 8, IOVA, SIO_PT_R, &x), -EACCES);
	assert_int_equal(x.fault.reason, SIO_FAULT_BAD_SUBSTREAMID);
	env_teardown(&e);

	/* S1CDMax 0: one CD; every SSID is bad. */
	env_setup(&e, 0, 0);
	assert_int_equal(xl_ssid(&e, 0, IOVA, SIO_PT_R, &x), -EACCES);
	assert_int_equal(x.fault.reason, SIO_FAULT_BAD_SUBSTREAMID);
	env_teardown(&e);
}

static void test_two_level_cd(void **state)
{
	uint64_t l1, l2a, l2b, d0, d1;
	struct sio_xlate x;
	struct env e;

	(void)state;
	env_base(&e, 12);
	/* S1Fmt 2: 1024 CDs per 64 KiB leaf; S1CDMax 11 gives two L1 descriptors. */
	l1 = guest_page(&e);
	l2a = guest_page(&e);
	l2b = guest_page(&e);
	d0 = guest_page(&e);
	d1 = guest_page(&e);
	s1_map(&e, e.root[0], IOVA, d0, D_PAGE | D_AF);
	s1_map(&e, e.root[1], IOVA, d1, D_PAGE | D_AF);
	gset(&e, l1, l2a | 1);
	gset(&e, l1 + 8, l2b | 1);
	cd_write_at(&e, l2a + 64 * 5, cd0_of(ASID0), e.root[0]);
	cd_write_at(&e, l2b + 64 * 3, cd0_of(ASID1), e.root[1]);
	env_attach(&e, STE0_V | STE0_CFG(5) | STE0_FMT(2) | l1 | STE0_CDMAX(11), 0);

	assert_int_equal(xl_ssid(&e, 5, IOVA, SIO_PT_R, &x), 0);
	assert_int_equal(x.pa, hpa(&e, d0));
	assert_int_equal(xl_ssid(&e, 1024 + 3, IOVA, SIO_PT_R, &x), 0);
	assert_int_equal(x.pa, hpa(&e, d1));
	/* An invalid L1 descriptor. */
	gset(&e, l1 + 8, 0);
	assert_int_equal(xl_ssid(&e, 1024 + 4, IOVA, SIO_PT_R, &x), -EACCES);
	assert_int_equal(x.fault.reason, SIO_FAULT_BAD_SUBSTREAMID);
	/* An empty CD in a valid leaf. */
	assert_int_equal(xl_ssid(&e, 6, IOVA, SIO_PT_R, &x), -EACCES);
	expect_fault(&x, SIO_FAULT_BAD_CD, 1, SIO_FAULT_CLASS_CD);
	env_teardown(&e);

	/* S1Fmt 1: 64 CDs per 4 KiB leaf. */
	env_base(&e, 8);
	l1 = guest_page(&e);
	l2a = guest_page(&e);
	d1 = guest_page(&e);
	s1_map(&e, e.root[1], IOVA, d1, D_PAGE | D_AF);
	gset(&e, l1 + 8, l2a | 1);
	cd_write_at(&e, l2a + 64 * 2, cd0_of(ASID1), e.root[1]);
	env_attach(&e, STE0_V | STE0_CFG(5) | STE0_FMT(1) | l1 | STE0_CDMAX(8), 0);
	assert_int_equal(xl_ssid(&e, 64 + 2, IOVA, SIO_PT_R, &x), 0);
	assert_int_equal(x.pa, hpa(&e, d1));
	env_teardown(&e);
}

static void test_bad_cd(void **state)
{
	const uint64_t good = cd0_of(ASID0);
	const uint64_t bad0[] = {
		good & ~CD0_V, good & ~CD0_AA64, good & ~CD0_A, good | CD0_S,
		/* HD needs HA, and dirty tracking (IDR0.HD is clear without it). */
		good | CD0_HD, good | CD0_HA | CD0_HD, good | CD0_ENDI,
		(good & ~0x3fULL) | CD0_T0SZ(15),
		(good & ~0x3fULL) | CD0_T0SZ(40), good | CD0_TG0(3), good | CD0_IPS(7),
		/* TTB1 enabled with a reserved TG1. */
		(good & ~CD0_EPD1) | CD0_T1SZ(16) | CD0_TG1(0),
	};
	struct sio_xlate x;
	struct env e;
	uint64_t data;
	unsigned int i;

	(void)state;
	env_setup(&e, 0, 0);
	data = guest_page(&e);
	s1_map(&e, e.root[0], IOVA, data, D_PAGE | D_AF);
	for (i = 0; i < sizeof(bad0) / sizeof(bad0[0]); i++) {
		cd_write(&e, 0, bad0[i], e.root[0]);
		assert_int_equal(xl(&e, IOVA, SIO_PT_R, &x), -EACCES);
		expect_fault(&x, SIO_FAULT_BAD_CD, 1, SIO_FAULT_CLASS_CD);
		assert_true(x.fault.record);
		assert_int_equal(x.fault.gpa, e.cd_table);
	}
	/* TTB0 beyond the OAS (IPS 32 bits). */
	cd_write(&e, 0, (good & ~CD0_IPS(7)) | CD0_IPS(0), 1ULL << 33);
	assert_int_equal(xl(&e, IOVA, SIO_PT_R, &x), -EACCES);
	assert_int_equal(x.fault.reason, SIO_FAULT_BAD_CD);
	/* Faults are not cached: the fixed CD is used without any command. */
	cd_write(&e, 0, good, e.root[0]);
	expect_pa(&e, IOVA, SIO_PT_R, data);
	env_teardown(&e);

	/* Bad STEs: S1STALLD, S1CDMax beyond SSIDSIZE (20). */
	env_base(&e, 8);
	env_attach(&e, STE0_V | STE0_CFG(5) | e.cd_table, STE1_STALLD);
	assert_int_equal(xl(&e, IOVA, SIO_PT_R, &x), -EACCES);
	expect_fault(&x, SIO_FAULT_BAD_STE, 1, SIO_FAULT_CLASS_NONE);
	assert_true(x.fault.record);
	env_teardown(&e);
	env_base(&e, 8);
	env_attach(&e, STE0_V | STE0_CFG(5) | e.cd_table | STE0_CDMAX(21), 2);
	assert_int_equal(xl(&e, IOVA, SIO_PT_R, &x), -EACCES);
	assert_int_equal(x.fault.reason, SIO_FAULT_BAD_STE);
	env_teardown(&e);
	/* The reserved S1Fmt 3 reads a linear table. */
	env_base(&e, 8);
	data = guest_page(&e);
	s1_map(&e, e.root[1], IOVA, data, D_PAGE | D_AF);
	env_attach(&e, STE0_V | STE0_CFG(5) | STE0_FMT(3) | e.cd_table | STE0_CDMAX(1), 2);
	assert_int_equal(xl_ssid(&e, 1, IOVA, SIO_PT_R, &x), 0);
	assert_int_equal(x.pa, hpa(&e, data));
	env_teardown(&e);
}

static void test_cd_stage2_faults(void **state)
{
	struct sio_xlate x;
	struct env e;

	(void)state;
	/* The CD's IPA is not mapped in stage 2. */
	env_base(&e, 8);
	env_attach(&e, STE0_V | STE0_CFG(5) | IPA_HOLE, 0);
	assert_int_equal(xl(&e, IOVA, SIO_PT_R, &x), -EACCES);
	expect_fault(&x, SIO_FAULT_NOT_PRESENT, 2, SIO_FAULT_CLASS_CD);
	assert_int_equal(x.fault.gpa, IPA_HOLE);
	assert_true(x.fault.record);
	env_teardown(&e);

	/* Stage 2 maps it to host memory that cannot be read (cmocka replaced the fixup). */
	sio_uaccess_force_mode_for_test(0);
	env_base(&e, 8);
	assert_int_equal(sio_domain_map(e.s2, IPA_BADHOST, 0x1000, SZ_4K, SIO_PT_PROT_READ), 0);
	env_attach(&e, STE0_V | STE0_CFG(5) | IPA_BADHOST, 0);
	assert_int_equal(xl(&e, IOVA, SIO_PT_R, &x), -EACCES);
	expect_fault(&x, SIO_FAULT_CD_FETCH, 1, SIO_FAULT_CLASS_CD);
	assert_int_equal(x.fault.gpa, IPA_BADHOST);
	env_teardown(&e);
}

static void test_walk_faults(void **state)
{
	unsigned char *ro_page;
	uint64_t data, leaf, l1e, l1v;
	struct sio_xlate x;
	struct env e;

	(void)state;
	ro_page = aligned_alloc(SZ_4K, SZ_4K);
	assert_non_null(ro_page);
	env_setup(&e, 0, 0);
	data = guest_page(&e);
	leaf = s1_map(&e, e.root[0], IOVA, data, D_PAGE);

	/* AF = 0 without AFFD: access fault, before the AP[2] permission check. */
	assert_int_equal(xl(&e, IOVA, SIO_PT_R, &x), -EACCES);
	expect_fault(&x, SIO_FAULT_ACCESS_FLAG, 1, SIO_FAULT_CLASS_IN);
	assert_true(x.fault.record);
	gset(&e, leaf, data | D_PAGE | D_AP2);
	assert_int_equal(xl(&e, IOVA, SIO_PT_W, &x), -EACCES);
	assert_int_equal(x.fault.reason, SIO_FAULT_ACCESS_FLAG);
	/* AP[2]: read-only. */
	gset(&e, leaf, data | D_PAGE | D_AF | D_AP2);
	assert_int_equal(xl(&e, IOVA, SIO_PT_W, &x), -EACCES);
	expect_fault(&x, SIO_FAULT_PERM, 1, SIO_FAULT_CLASS_IN);
	expect_pa(&e, IOVA, SIO_PT_R, data);
	/* Invalid leaf: translation fault at level 0, recorded per CD.R. */
	gset(&e, leaf, 0);
	assert_int_equal(xl(&e, IOVA + SZ_4K * 0, SIO_PT_R, &x), 0);	/* still cached */
	nh_all(&e);
	assert_int_equal(xl(&e, IOVA, SIO_PT_R, &x), -EACCES);
	expect_fault(&x, SIO_FAULT_NOT_PRESENT, 1, SIO_FAULT_CLASS_IN);
	assert_int_equal(x.fault.level, 0);
	assert_int_equal(x.fault.entry_addr, leaf);
	/* APTable[1] forbids writes below. */
	l1e = s1_entry(&e, e.root[0], IOVA, 1);
	gset(&e, leaf, data | D_PAGE | D_AF);
	gset(&e, l1e, gget(&e, l1e) | D_APTABLE_NW);
	assert_int_equal(xl(&e, IOVA, SIO_PT_W, &x), -EACCES);
	expect_fault(&x, SIO_FAULT_PERM, 1, SIO_FAULT_CLASS_IN);
	gset(&e, l1e, gget(&e, l1e) & ~D_APTABLE_NW);

	/* A stage-1 table in unmapped IPA space: stage-2 fault, class TT, its IPA. */
	l1v = gget(&e, l1e);
	gset(&e, l1e, IPA_HOLE | D_TABLE);
	assert_int_equal(xl(&e, IOVA, SIO_PT_R, &x), -EACCES);
	expect_fault(&x, SIO_FAULT_NOT_PRESENT, 2, SIO_FAULT_CLASS_TT);
	assert_int_equal(x.fault.gpa, IPA_HOLE + 8ULL * idx(IOVA, 0));
	assert_true(x.fault.record);
	gset(&e, l1e, l1v);

	/* The output IPA read-only in stage 2: a stage-2 permission fault, class IN. */
	memset(ro_page, 0, SZ_4K);
	assert_int_equal(sio_domain_map(e.s2, IPA_RO, (uintptr_t)ro_page, SZ_4K,
					SIO_PT_PROT_READ), 0);
	s1_map(&e, e.root[0], IOVA + SZ_4K, IPA_RO, D_PAGE | D_AF);
	assert_int_equal(xl(&e, IOVA + SZ_4K, SIO_PT_W, &x), -EACCES);
	expect_fault(&x, SIO_FAULT_PERM, 2, SIO_FAULT_CLASS_IN);
	assert_int_equal(x.fault.gpa, IPA_RO);
	assert_int_equal(xl(&e, IOVA + SZ_4K, SIO_PT_R, &x), 0);
	assert_int_equal(x.pa, (uintptr_t)ro_page);
	assert_int_equal(x.perm & SIO_PT_W, 0);
	/* Combined rights: the cached read-only entry does not serve a write. */
	assert_int_equal(xl(&e, IOVA + SZ_4K, SIO_PT_W, &x), -EACCES);
	assert_int_equal(x.fault.stage, 2);

	/* Outside TTB0's region (T0SZ 16) with TTB1 disabled: translation fault. */
	assert_int_equal(xl(&e, 0x0001000000000000ULL, SIO_PT_R, &x), -EACCES);
	expect_fault(&x, SIO_FAULT_RANGE, 1, SIO_FAULT_CLASS_IN);
	assert_int_equal(xl(&e, 0xffff000000000000ULL, SIO_PT_R, &x), -EACCES);
	assert_int_equal(x.fault.reason, SIO_FAULT_RANGE);
	env_teardown(&e);
	free(ro_page);
}

static void test_cd_features(void **state)
{
	uint64_t data, leaf;
	struct sio_xlate x;
	struct env e;

	(void)state;
	env_setup(&e, 0, 0);
	data = guest_page(&e);
	leaf = s1_map(&e, e.root[0], IOVA, data, D_PAGE);
	/* AFFD: AF = 0 is no fault (and nothing is written: no HTTU). */
	cd_write(&e, 0, cd0_of(ASID0) | CD0_AFFD, e.root[0]);
	expect_pa(&e, IOVA, SIO_PT_R, data);
	assert_int_equal(gget(&e, leaf), data | D_PAGE);
	/* Without R the stage-1 faults are not to be recorded. */
	cd_write(&e, 0, cd0_of(ASID0) & ~CD0_R, e.root[0]);
	cfgi_cd(&e, 0);
	assert_int_equal(xl(&e, IOVA + SZ_4K, SIO_PT_R, &x), -EACCES);
	assert_int_equal(x.fault.reason, SIO_FAULT_NOT_PRESENT);
	assert_false(x.fault.record);
	/* TBI0: the top byte is ignored (else the address is outside TTB0's region). */
	gset(&e, leaf, data | D_PAGE | D_AF);
	assert_int_equal(xl(&e, 0x5a00000000000000ULL | IOVA, SIO_PT_R, &x), -EACCES);
	assert_int_equal(x.fault.reason, SIO_FAULT_RANGE);
	assert_false(x.fault.record);
	cd_write(&e, 0, cd0_of(ASID0) | CD0_TBI0, e.root[0]);
	cfgi_cd(&e, 0);
	expect_pa(&e, 0x5a00000000000000ULL | IOVA, SIO_PT_R, data);
	/* EPD0: TTB0's region faults. */
	cd_write(&e, 0, cd0_of(ASID0) | CD0_EPD0, e.root[0]);
	cfgi_cd(&e, 0);
	assert_int_equal(xl(&e, IOVA + 2 * SZ_4K, SIO_PT_R, &x), -EACCES);
	expect_fault(&x, SIO_FAULT_RANGE, 1, SIO_FAULT_CLASS_IN);
	/* HAD0: APTable[1] no longer forbids writes. */
	gset(&e, s1_entry(&e, e.root[0], IOVA, 1),
	     gget(&e, s1_entry(&e, e.root[0], IOVA, 1)) | D_APTABLE_NW);
	cd_write(&e, 0, cd0_of(ASID0), e.root[0]);
	cfgi_cd(&e, 0);
	nh_all(&e);
	assert_int_equal(xl(&e, IOVA, SIO_PT_W, &x), -EACCES);
	assert_int_equal(x.fault.reason, SIO_FAULT_PERM);
	cd_write(&e, 0, cd0_of(ASID0), e.root[0] | 2);
	cfgi_cd(&e, 0);
	expect_pa(&e, IOVA, SIO_PT_W, data);
	/* TTB1 (T1SZ 16, 4 KiB: TG1 = 2) serves the upper region. */
	cd_write(&e, 0, (cd0_of(ASID0) & ~CD0_EPD1) | CD0_T1SZ(16) | CD0_TG1(2), e.root[0]);
	gset(&e, e.cd_table + 16, e.root[1]);
	s1_map(&e, e.root[1], 0xffff000000003000ULL, data, D_PAGE | D_AF);
	cfgi_cd(&e, 0);
	expect_pa(&e, 0xffff000000003000ULL, SIO_PT_R, data);
	env_teardown(&e);
}

static void test_stale_pte_and_tlbi(void **state)
{
	struct sio_iommu_stats st;
	uint64_t d0, d1, leaf;
	struct sio_xlate x;
	struct env e;
	unsigned int i;

	(void)state;
	env_setup(&e, 0, 0);
	d0 = guest_page(&e);
	d1 = guest_page(&e);
	leaf = s1_map(&e, e.root[0], IOVA, d0, D_PAGE | D_AF);
	expect_pa(&e, IOVA, SIO_PT_R, d0);
	gset(&e, leaf, d1 | D_PAGE | D_AF);
	expect_pa(&e, IOVA, SIO_PT_R, d0);		/* stale */
	nh_asid(&e, ASID1);
	nh_va(&e, ASID1, IOVA);
	expect_pa(&e, IOVA, SIO_PT_R, d0);		/* another ASID: still stale */
	assert_int_equal(cmd(&e, CMD_NH_ALL | (uint64_t)(sio_domain_did(e.s2) + 50) << 32, 0),
			 0);
	expect_pa(&e, IOVA, SIO_PT_R, d0);		/* another VMID */
	nh_va(&e, ASID0, IOVA + SZ_4K);
	expect_pa(&e, IOVA, SIO_PT_R, d0);		/* another page */
	nh_va(&e, ASID0, IOVA);
	expect_pa(&e, IOVA, SIO_PT_R, d1);

	gset(&e, leaf, d0 | D_PAGE | D_AF);
	nh_asid(&e, ASID0);
	expect_pa(&e, IOVA, SIO_PT_R, d0);
	gset(&e, leaf, d1 | D_PAGE | D_AF);
	assert_int_equal(cmd(&e, CMD_NH_VAA | vmid(&e), IOVA), 0);
	expect_pa(&e, IOVA, SIO_PT_R, d1);
	gset(&e, leaf, d0 | D_PAGE | D_AF);
	nh_all(&e);
	expect_pa(&e, IOVA, SIO_PT_R, d0);
	gset(&e, leaf, d1 | D_PAGE | D_AF);
	assert_int_equal(cmd(&e, CMD_NSNH_ALL, 0), 0);
	expect_pa(&e, IOVA, SIO_PT_R, d1);

	/* Ranges: TG 1 (4 KiB), NUM 1, SCALE 1: (1 + 1) * 2 = 4 pages. */
	for (i = 0; i < 6; i++)
		s1_map(&e, e.root[0], IOVA + i * SZ_4K, d0, D_PAGE | D_AF);
	for (i = 0; i < 6; i++)
		assert_int_equal(xl(&e, IOVA + i * SZ_4K, SIO_PT_R, &x), 0);
	assert_int_equal(cmd(&e, CMD_NH_VA | vmid(&e) | (uint64_t)ASID0 << 48 | 1ULL << 12 |
				 1ULL << 20, (IOVA + SZ_4K) | 1ULL << 10), 0);
	sio_iommu_reset_stats(e.iommu);
	for (i = 0; i < 6; i++)
		assert_int_equal(xl(&e, IOVA + i * SZ_4K, SIO_PT_R, &x), 0);
	sio_iommu_get_stats(e.iommu, &st);
	assert_int_equal(st.iotlb_hits, 2);		/* pages 0 and 5 */
	assert_int_equal(st.iotlb_misses, 4);
	/* TG 3 (64 KiB) NUM 0 SCALE 0: one 64 KiB page from its base covers all six. */
	assert_int_equal(cmd(&e, CMD_NH_VA | vmid(&e) | (uint64_t)ASID0 << 48,
			     (IOVA & ~0xffffULL) | 3ULL << 10), 0);
	sio_iommu_reset_stats(e.iommu);
	for (i = 0; i < 6; i++)
		assert_int_equal(xl(&e, IOVA + i * SZ_4K, SIO_PT_R, &x), 0);
	sio_iommu_get_stats(e.iommu, &st);
	assert_int_equal(st.iotlb_misses, 6);
	env_teardown(&e);
}

static void test_stale_cd_and_cfgi(void **state)
{
	const uint64_t cfgi[] = {
		CMD_CFGI_CD | (uint64_t)RID << 32,
		CMD_CFGI_CD_ALL | (uint64_t)RID << 32,
		CMD_CFGI_STE | (uint64_t)RID << 32,
		CMD_CFGI_STE_RANGE | (uint64_t)(RID & ~3u) << 32,
		CMD_CFGI_ALL,
	};
	uint64_t d0, d1;
	struct env e;
	unsigned int i;

	(void)state;
	env_setup(&e, 2, 2);
	d0 = guest_page(&e);
	d1 = guest_page(&e);
	s1_map(&e, e.root[0], IOVA, d0, D_PAGE | D_AF);
	s1_map(&e, e.root[1], IOVA, d1, D_PAGE | D_AF);
	for (i = 0; i < sizeof(cfgi) / sizeof(cfgi[0]); i++) {
		/* CD 0 (used by no-SSID requests) points at root 0. */
		cd_write(&e, 0, cd0_of(ASID0), e.root[0]);
		cfgi_cd(&e, 0);
		nh_all(&e);
		expect_pa(&e, IOVA, SIO_PT_R, d0);
		/* The guest re-points it; the configuration cache keeps the old one. */
		cd_write(&e, 0, cd0_of(ASID0), e.root[1]);
		nh_all(&e);
		expect_pa(&e, IOVA, SIO_PT_R, d0);
		cfgi_cd(&e, 1);			/* another SSID */
		assert_int_equal(cmd(&e, CMD_CFGI_STE | (uint64_t)(RID + 4) << 32, 0), 0);
		nh_all(&e);
		expect_pa(&e, IOVA, SIO_PT_R, d0);
		/* CFGI_STE_RANGE with RANGE 1 covers RID & ~3 .. | 3. */
		assert_int_equal(cmd(&e, cfgi[i], 1), 0);
		nh_all(&e);
		expect_pa(&e, IOVA, SIO_PT_R, d1);
	}
	/* A re-attach also drops it. */
	cd_write(&e, 0, cd0_of(ASID0), e.root[0]);
	nh_all(&e);
	expect_pa(&e, IOVA, SIO_PT_R, d1);
	assert_int_equal(sio_iommu_dev_attach(e.dev, SIO_NO_PASID, e.nd), 0);
	nh_all(&e);
	expect_pa(&e, IOVA, SIO_PT_R, d0);
	/* SSEC is refused. */
	assert_int_equal(cmd(&e, CMD_CFGI_STE | 1ULL << 10, 0), -EIO);
	env_teardown(&e);
}

static void test_s2_invalidation(void **state)
{
	struct sio_iommu_dev_cfg dcfg = { .rid = RID + 1 };
	struct sio_iommu_stats st;
	struct sio_iommu_dev *dev2;
	struct sio_xlate x;
	struct env e;
	uint64_t data;

	(void)state;
	env_setup(&e, 0, 0);
	data = guest_page(&e);
	s1_map(&e, e.root[0], IOVA, data, D_PAGE | D_AF);
	assert_int_equal(sio_iommu_dev_create(e.iommu, &dcfg, &dev2), 0);
	assert_int_equal(sio_iommu_dev_attach(dev2, SIO_NO_PASID, e.s2), 0);

	/* One combined entry, one of the parent's own (stage 2 only). */
	expect_pa(&e, IOVA, SIO_PT_R, data);
	assert_int_equal(sio_iommu_translate(dev2, false, 0, data, SIO_PT_R, &x), 0);
	assert_int_equal(sio_iommu_iotlb_count(e.iommu), 2);
	/* S2_IPA: the parent's entry goes, the combined one survives. */
	assert_int_equal(cmd(&e, CMD_S2_IPA | vmid(&e), data), 0);
	assert_int_equal(sio_iommu_iotlb_count(e.iommu), 1);
	sio_iommu_reset_stats(e.iommu);
	expect_pa(&e, IOVA, SIO_PT_R, data);
	sio_iommu_get_stats(e.iommu, &st);
	assert_int_equal(st.iotlb_hits, 1);
	/* S12_VMALL: both. */
	assert_int_equal(sio_iommu_translate(dev2, false, 0, data, SIO_PT_R, &x), 0);
	assert_int_equal(sio_iommu_iotlb_count(e.iommu), 2);
	assert_int_equal(cmd(&e, CMD_S12_VMALL | vmid(&e), 0), 0);
	assert_int_equal(sio_iommu_iotlb_count(e.iommu), 0);

	/* A host unmap of the parent removes every combined entry, nothing else. */
	expect_pa(&e, IOVA, SIO_PT_R, data);
	assert_int_equal(sio_iommu_translate(dev2, false, 0, data, SIO_PT_R, &x), 0);
	assert_int_equal(sio_iommu_iotlb_count(e.iommu), 2);
	assert_int_equal(sio_domain_unmap(e.s2, RAM_SIZE - SZ_4K, SZ_4K), SZ_4K);
	assert_int_equal(sio_iommu_iotlb_count(e.iommu), 1);
	sio_iommu_reset_stats(e.iommu);
	assert_int_equal(sio_iommu_translate(dev2, false, 0, data, SIO_PT_R, &x), 0);
	sio_iommu_get_stats(e.iommu, &st);
	assert_int_equal(st.iotlb_hits, 1);

	/* The parent cannot go while an SMMU nested domain uses it. */
	assert_int_equal(sio_iommu_dev_attach(dev2, SIO_NO_PASID, NULL), 0);
	assert_int_equal(sio_domain_free(e.s2), -EBUSY);
	sio_iommu_dev_destroy(dev2);
	env_teardown(&e);
}

/* A dirty-tracking change of the parent removes the combined entries too. */
static void test_s2_dirty_tracking(void **state)
{
	struct sio_iommu_stats st;
	struct env e;
	uint64_t data;

	(void)state;
	env_dirty = true;
	env_setup(&e, 0, 0);
	env_dirty = false;
	data = guest_page(&e);
	s1_map(&e, e.root[0], IOVA, data, D_PAGE | D_AF);
	expect_pa(&e, IOVA, SIO_PT_R, data);
	assert_int_equal(sio_iommu_iotlb_count(e.iommu), 1);
	assert_int_equal(sio_domain_set_dirty_tracking(e.s2, true), 0);
	assert_int_equal(sio_iommu_iotlb_count(e.iommu), 0);
	sio_iommu_reset_stats(e.iommu);
	expect_pa(&e, IOVA, SIO_PT_R, data);
	sio_iommu_get_stats(e.iommu, &st);
	assert_int_equal(st.iotlb_misses, 1);
	env_teardown(&e);
}

static void test_commands(void **state)
{
	const unsigned int ok[] = { 0x01, 0x02, 0x18, 0x1a, 0x20, 0x21, 0x22, 0x23, 0x40, 0x41,
				    0x44, 0x45, 0x46 };
	const unsigned int ill[] = { 0x00, 0x08, 0x14, 0x29, 0x2b, 0x31, 0x47, 0xff };
	struct sio_iommu_stats st;
	struct env e;
	unsigned int i;

	(void)state;
	env_setup(&e, 0, 0);
	sio_iommu_reset_stats(e.iommu);
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		assert_int_equal(cmd(&e, ok[i], 0), 0);
	for (i = 0; i < sizeof(ill) / sizeof(ill[0]); i++)
		assert_int_equal(cmd(&e, ill[i], 0), -EIO);
	sio_iommu_get_stats(e.iommu, &st);
	assert_int_equal(st.invalidations, i + sizeof(ok) / sizeof(ok[0]));
	/* Unknown SID and VMID: nothing cached, success. */
	assert_int_equal(cmd(&e, CMD_CFGI_CD_ALL | 0x999ULL << 32, 0), 0);
	assert_int_equal(cmd(&e, CMD_S12_VMALL | 0xfff0ULL << 32, 0), 0);
	env_teardown(&e);
}

static void test_attach_rules(void **state)
{
	struct sio_domain_paging_cfg pcfg = {
		.pt = { .format = SIO_PT_ARM_S1, .granule_lg2 = 12, .ias = 48, .oas = 48 },
	};
	struct sio_domain *pd;
	struct env e;

	(void)state;
	env_setup(&e, 0, 0);
	assert_int_equal(sio_domain_alloc_paging(e.iommu, &pcfg, &pd), 0);
	/* Not at a PASID. */
	assert_int_equal(sio_iommu_dev_attach(e.dev, 3, e.nd), -EINVAL);
	/* No PASID attach while the RID has one. */
	assert_int_equal(sio_iommu_dev_attach(e.dev, 3, pd), -EBUSY);
	/* Not while PASIDs are attached. */
	assert_int_equal(sio_iommu_dev_attach(e.dev, SIO_NO_PASID, NULL), 0);
	assert_int_equal(sio_iommu_dev_attach(e.dev, 3, pd), 0);
	assert_int_equal(sio_iommu_dev_attach(e.dev, SIO_NO_PASID, e.nd), -EBUSY);
	assert_int_equal(sio_iommu_dev_attach(e.dev, 3, NULL), 0);
	assert_int_equal(sio_iommu_dev_attach(e.dev, SIO_NO_PASID, e.nd), 0);
	/* A non-ARM_S2 or non-parent domain is no parent. */
	{
		uint64_t ste[2] = { STE0_V | STE0_CFG(5), 0 };
		struct sio_domain *bad;

		assert_int_equal(sio_domain_alloc_smmu_nested(e.iommu, pd, ste, &bad), -EINVAL);
	}
	assert_int_equal(sio_domain_free(pd), 0);
	env_teardown(&e);
}

struct race {
	struct env *e;
	uint64_t data[2];
	int stop;
	int errors;
};

static void *translator(void *arg)
{
	struct race *r = arg;
	struct sio_xlate x;
	unsigned int n = 0;

	while (!__atomic_load_n(&r->stop, __ATOMIC_RELAXED)) {
		bool ssid = n++ & 1;

		if (sio_iommu_translate(r->e->dev, ssid, 1, IOVA, SIO_PT_R, &x) ||
		    x.pa != hpa(r->e, r->data[ssid]))
			__atomic_fetch_add(&r->errors, 1, __ATOMIC_RELAXED);
	}
	return NULL;
}

static void test_concurrent(void **state)
{
	const uint64_t cmds[] = {
		CMD_CFGI_CD | 1ULL << 12 | (uint64_t)RID << 32, CMD_CFGI_STE | (uint64_t)RID << 32,
		CMD_NH_ALL, CMD_NH_ASID | (uint64_t)ASID1 << 48, CMD_NH_VA | (uint64_t)ASID0 << 48,
		CMD_S12_VMALL, CMD_CFGI_ALL, CMD_SYNC,
	};
	struct race r = { 0 };
	pthread_t th[2];
	struct env e;
	unsigned int i;

	(void)state;
	env_setup(&e, 1, 2);
	r.e = &e;
	r.data[0] = guest_page(&e);
	r.data[1] = guest_page(&e);
	s1_map(&e, e.root[0], IOVA, r.data[0], D_PAGE | D_AF);
	s1_map(&e, e.root[1], IOVA, r.data[1], D_PAGE | D_AF);
	for (i = 0; i < 2; i++)
		assert_int_equal(pthread_create(&th[i], NULL, translator, &r), 0);
	for (i = 0; i < 3000; i++) {
		uint64_t c = cmds[i % (sizeof(cmds) / sizeof(cmds[0]))];

		if (c != CMD_CFGI_ALL && c != CMD_SYNC && (c & 0xff) >= CMD_NH_ALL)
			c |= vmid(&e);
		assert_int_equal(cmd(&e, c, IOVA), 0);
		if (i % 100 == 0)
			assert_int_equal(sio_iommu_dev_attach(e.dev, SIO_NO_PASID, e.nd), 0);
	}
	__atomic_store_n(&r.stop, 1, __ATOMIC_RELAXED);
	for (i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	assert_int_equal(r.errors, 0);
	env_teardown(&e);
}

static void *dev_churn(void *arg)
{
	struct sio_iommu_dev_cfg dcfg = { .rid = RID + 1, .pasid_bits = 4 };
	struct race *r = arg;
	struct sio_iommu_dev *dev;
	struct sio_xlate x;

	while (!__atomic_load_n(&r->stop, __ATOMIC_RELAXED)) {
		if (sio_iommu_dev_create(r->e->iommu, &dcfg, &dev) ||
		    sio_iommu_dev_attach(dev, SIO_NO_PASID, r->e->nd) ||
		    sio_iommu_translate(dev, true, 1, IOVA, SIO_PT_R, &x) ||
		    x.pa != hpa(r->e, r->data[1]))
			__atomic_fetch_add(&r->errors, 1, __ATOMIC_RELAXED);
		sio_iommu_dev_destroy(dev);
	}
	return NULL;
}

/* Configuration commands against devices being created and destroyed. */
static void test_commands_vs_destroy(void **state)
{
	struct race r = { 0 };
	pthread_t th;
	struct env e;
	unsigned int i;

	(void)state;
	env_setup(&e, 1, 2);
	r.e = &e;
	r.data[0] = guest_page(&e);
	r.data[1] = guest_page(&e);
	s1_map(&e, e.root[1], IOVA, r.data[1], D_PAGE | D_AF);
	assert_int_equal(pthread_create(&th, NULL, dev_churn, &r), 0);
	for (i = 0; i < 2000; i++) {
		assert_int_equal(cmd(&e, CMD_CFGI_STE | (uint64_t)(RID + 1) << 32, 0), 0);
		assert_int_equal(cmd(&e, CMD_CFGI_CD | 1ULL << 12 | (uint64_t)(RID + 1) << 32, 0),
				 0);
		assert_int_equal(cmd(&e, CMD_CFGI_ALL, 0), 0);
	}
	__atomic_store_n(&r.stop, 1, __ATOMIC_RELAXED);
	pthread_join(th, NULL);
	assert_int_equal(r.errors, 0);
	env_teardown(&e);
}

/* HA: AF is set in guest memory; without HA AF = 0 keeps faulting and nothing is written. */
static void test_httu_af(void **state)
{
	struct sio_xlate x;
	struct env e;
	uint64_t data, leaf;

	(void)state;
	env_setup(&e, 0, 0);
	data = guest_page(&e);
	leaf = s1_map(&e, e.root[0], IOVA, data, D_PAGE);
	cd_write(&e, 0, cd0_of(ASID0) | CD0_HA, e.root[0]);
	expect_pa(&e, IOVA, SIO_PT_R, data);
	assert_int_equal(gget(&e, leaf), data | D_PAGE | D_AF);
	/* HA without HD: a DBM leaf stays read-only (AP[2]); a faulting walk writes nothing. */
	gset(&e, leaf, data | D_PAGE | D_DBM | D_AP2);
	nh_all(&e);
	assert_int_equal(xl(&e, IOVA, SIO_PT_W, &x), -EACCES);
	expect_fault(&x, SIO_FAULT_PERM, 1, SIO_FAULT_CLASS_IN);
	assert_int_equal(gget(&e, leaf), data | D_PAGE | D_DBM | D_AP2);
	expect_pa(&e, IOVA, SIO_PT_R, data);
	assert_int_equal(gget(&e, leaf), data | D_PAGE | D_DBM | D_AP2 | D_AF);

	/* HA = 0 again: an AF = 0 leaf faults, and the walk writes nothing. */
	cd_write(&e, 0, cd0_of(ASID0), e.root[0]);
	cfgi_cd(&e, 0);
	gset(&e, leaf, data | D_PAGE);
	nh_all(&e);
	assert_int_equal(xl(&e, IOVA, SIO_PT_R, &x), -EACCES);
	expect_fault(&x, SIO_FAULT_ACCESS_FLAG, 1, SIO_FAULT_CLASS_IN);
	assert_int_equal(gget(&e, leaf), data | D_PAGE);
	env_teardown(&e);
}

/* HD: a writable-clean (DBM, AP[2]) leaf becomes writable-dirty on the first write only. */
static void test_httu_dirty(void **state)
{
	struct sio_iommu_stats st;
	struct sio_xlate x;
	struct env e;
	uint64_t data, leaf, clean;

	(void)state;
	env_dirty = true;
	env_setup(&e, 0, 0);
	env_dirty = false;
	data = guest_page(&e);
	clean = data | D_PAGE | D_AF | D_DBM | D_AP2;
	leaf = s1_map(&e, e.root[0], IOVA, data, clean);
	/* HD without HA is a bad CD even where HD is advertised. */
	cd_write(&e, 0, cd0_of(ASID0) | CD0_HD, e.root[0]);
	assert_int_equal(xl(&e, IOVA, SIO_PT_R, &x), -EACCES);
	expect_fault(&x, SIO_FAULT_BAD_CD, 1, SIO_FAULT_CLASS_CD);

	cd_write(&e, 0, cd0_of(ASID0) | CD0_HA | CD0_HD, e.root[0]);
	/* A read leaves the leaf clean, and its cached translation has no W. */
	assert_int_equal(xl(&e, IOVA, SIO_PT_R, &x), 0);
	assert_int_equal(x.pa, hpa(&e, data));
	assert_int_equal(x.perm & SIO_PT_W, 0);
	assert_int_equal(gget(&e, leaf), clean);
	/* So a write misses the IOTLB, walks again and clears AP[2]. */
	sio_iommu_reset_stats(e.iommu);
	assert_int_equal(xl(&e, IOVA + 8, SIO_PT_W, &x), 0);
	assert_int_equal(x.pa, hpa(&e, data) + 8);
	assert_int_equal(x.perm & SIO_PT_W, SIO_PT_W);
	sio_iommu_get_stats(e.iommu, &st);
	assert_int_equal(st.iotlb_misses, 1);
	assert_int_equal(gget(&e, leaf), clean & ~D_AP2);
	/* Dirty now: the next write hits. */
	sio_iommu_reset_stats(e.iommu);
	assert_int_equal(xl(&e, IOVA, SIO_PT_W, &x), 0);
	sio_iommu_get_stats(e.iommu, &st);
	assert_int_equal(st.iotlb_hits, 1);
	/* Without DBM AP[2] still forbids writes. */
	gset(&e, leaf, data | D_PAGE | D_AF | D_AP2);
	nh_all(&e);
	assert_int_equal(xl(&e, IOVA, SIO_PT_W, &x), -EACCES);
	expect_fault(&x, SIO_FAULT_PERM, 1, SIO_FAULT_CLASS_IN);
	assert_int_equal(gget(&e, leaf), data | D_PAGE | D_AF | D_AP2);
	env_teardown(&e);
}

/*
 * The update needs stage-2 W on the table page: read-only there is a
 * stage-2 fault of class TT at the entry's IPA; an unwritable host page is
 * an AD_UPDATE abort. Nothing to update needs no W.
 */
static void test_httu_update_faults(void **state)
{
	long pg = sysconf(_SC_PAGESIZE);
	uint64_t data, l1e, l1v, ent;
	unsigned char *ro_page, *host_ro;
	struct sio_xlate x;
	struct env e;

	(void)state;
	ro_page = aligned_alloc(SZ_4K, SZ_4K);
	assert_non_null(ro_page);
	memset(ro_page, 0, SZ_4K);
	env_setup(&e, 0, 0);
	data = guest_page(&e);
	s1_map(&e, e.root[0], IOVA, data, D_PAGE);
	cd_write(&e, 0, cd0_of(ASID0) | CD0_HA, e.root[0]);
	/* The leaf table at IPA_RO, read-only in stage 2. */
	assert_int_equal(sio_domain_map(e.s2, IPA_RO, (uintptr_t)ro_page, SZ_4K,
					SIO_PT_PROT_READ), 0);
	l1e = s1_entry(&e, e.root[0], IOVA, 1);
	l1v = gget(&e, l1e);
	gset(&e, l1e, IPA_RO | D_TABLE);
	ent = 8ULL * idx(IOVA, 0);
	*(uint64_t *)(void *)(ro_page + ent) = data | D_PAGE;
	assert_int_equal(xl(&e, IOVA, SIO_PT_R, &x), -EACCES);
	expect_fault(&x, SIO_FAULT_PERM, 2, SIO_FAULT_CLASS_TT);
	assert_int_equal(x.fault.gpa, IPA_RO + ent);
	assert_true(x.fault.record);
	assert_int_equal(*(uint64_t *)(void *)(ro_page + ent), data | D_PAGE);
	*(uint64_t *)(void *)(ro_page + ent) = data | D_PAGE | D_AF;
	expect_pa(&e, IOVA, SIO_PT_R, data);

	/* Stage 2 grants W but the host page is read-only (cmocka replaced the fixup). */
	sio_uaccess_force_mode_for_test(0);
	host_ro = mmap(NULL, (size_t)pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		       -1, 0);
	assert_true(host_ro != MAP_FAILED);
	*(uint64_t *)(void *)(host_ro + ent) = data | D_PAGE;
	assert_int_equal(mprotect(host_ro, (size_t)pg, PROT_READ), 0);
	assert_int_equal(sio_domain_map(e.s2, IPA_BADHOST, (uintptr_t)host_ro, SZ_4K, PROT_RW),
			 0);
	gset(&e, l1e, IPA_BADHOST | D_TABLE);
	nh_all(&e);
	assert_int_equal(xl(&e, IOVA, SIO_PT_R, &x), -EACCES);
	expect_fault(&x, SIO_FAULT_AD_UPDATE, 1, SIO_FAULT_CLASS_TT);
	assert_true(x.fault.record);
	assert_int_equal(x.fault.level, 0);
	assert_int_equal(x.fault.entry_addr, IPA_BADHOST + ent);
	assert_int_equal(*(uint64_t *)(void *)(host_ro + ent), data | D_PAGE);
	/* The same without the fault handler (probe, then a plain CAS). */
	sio_uaccess_force_mode_for_test(1);
	nh_all(&e);
	assert_int_equal(xl(&e, IOVA, SIO_PT_R, &x), -EACCES);
	expect_fault(&x, SIO_FAULT_AD_UPDATE, 1, SIO_FAULT_CLASS_TT);
	assert_int_equal(*(uint64_t *)(void *)(host_ro + ent), data | D_PAGE);
	/* Writable again: the update goes through, in either mode. */
	assert_int_equal(mprotect(host_ro, (size_t)pg, PROT_READ | PROT_WRITE), 0);
	nh_all(&e);
	expect_pa(&e, IOVA, SIO_PT_R, data);
	assert_int_equal(*(uint64_t *)(void *)(host_ro + ent), data | D_PAGE | D_AF);
	sio_uaccess_force_mode_for_test(0);
	*(uint64_t *)(void *)(host_ro + ent) = data | D_PAGE;
	nh_all(&e);
	expect_pa(&e, IOVA, SIO_PT_R, data);
	assert_int_equal(*(uint64_t *)(void *)(host_ro + ent), data | D_PAGE | D_AF);
	gset(&e, l1e, l1v);
	env_teardown(&e);
	munmap(host_ro, (size_t)pg);
	free(ro_page);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_translate_and_counts),
		cmocka_unit_test(test_bypass_and_abort),
		cmocka_unit_test(test_s1dss),
		cmocka_unit_test(test_ssid),
		cmocka_unit_test(test_two_level_cd),
		cmocka_unit_test(test_bad_cd),
		cmocka_unit_test(test_cd_stage2_faults),
		cmocka_unit_test(test_walk_faults),
		cmocka_unit_test(test_cd_features),
		cmocka_unit_test(test_stale_pte_and_tlbi),
		cmocka_unit_test(test_stale_cd_and_cfgi),
		cmocka_unit_test(test_s2_invalidation),
		cmocka_unit_test(test_s2_dirty_tracking),
		cmocka_unit_test(test_commands),
		cmocka_unit_test(test_attach_rules),
		cmocka_unit_test(test_concurrent),
		cmocka_unit_test(test_commands_vs_destroy),
		cmocka_unit_test(test_httu_af),
		cmocka_unit_test(test_httu_dirty),
		cmocka_unit_test(test_httu_update_faults),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
