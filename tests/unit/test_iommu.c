/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The hardware model (src/iommu): DMA through paging domains (VT-d second
 * stage and the selftest mock format), faults that touch no memory, IOTLB
 * staleness and invalidation, replace attach, exact counters, dirty
 * tracking, PASIDs, capacity policies, and a multi-threaded run of
 * translations against map/unmap, invalidation, replace and domain churn.
 *
 * "Physical" addresses are addresses of this process: buffers allocated
 * here are mapped into domains and the DMA lands in them.
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
#include <sys/mman.h>
#include <unistd.h>
#include <cmocka.h>

#include "base/compiler.h"
#include "base/uaccess.h"
#include "iommu/iommu.h"
#include "iommu/iommu_priv.h"
#include "pt/pt.h"
#include "pt/pt_format.h"

#define SZ_2K	0x800ULL
#define SZ_4K	0x1000ULL
#define SZ_1M	0x100000ULL
#define SZ_2M	0x200000ULL

#define PROT_RW (SIO_PT_PROT_READ | SIO_PT_PROT_WRITE)
#define PROT_RO SIO_PT_PROT_READ

#define MOCK_APERTURE_START 0x1000000ULL
#define MOCK_APERTURE_LAST 0x7fffffffULL

static const struct sio_pt_cfg vtd_cfg = {
	.format = SIO_PT_VTD_SS, .granule_lg2 = 12, .levels = 4, .ias = 48, .oas = 48,
};

static const struct sio_pt_cfg mock_cfg = {
	.format = SIO_PT_MOCK, .granule_lg2 = 11, .ias = 32,
};

struct fx {
	struct sio_iommu *iommu;
	struct sio_iommu_dev *dev;
	struct sio_domain *d;
};

static struct sio_domain *domain_new(struct sio_iommu *iommu, const struct sio_pt_cfg *pc,
				     bool dirty, uint64_t ap_start, uint64_t ap_last)
{
	struct sio_domain_paging_cfg cfg = { .pt = *pc, .aperture_start = ap_start,
					     .aperture_last = ap_last };
	struct sio_domain *d;

	cfg.pt.dirty_tracking = dirty;
	assert_int_equal(sio_domain_alloc_paging(iommu, &cfg, &d), 0);
	return d;
}

static void fx_init_cfg(struct fx *f, const struct sio_iommu_cfg *icfg, const struct sio_pt_cfg *pc,
			bool dirty, uint64_t ap_start, uint64_t ap_last)
{
	struct sio_iommu_dev_cfg dcfg = { .rid = 0x1234, .pasid_bits = 20,
					  .caps = SIO_DEV_CAP_DIRTY };

	assert_int_equal(sio_iommu_create(icfg, &f->iommu), 0);
	assert_int_equal(sio_iommu_dev_create(f->iommu, &dcfg, &f->dev), 0);
	f->d = domain_new(f->iommu, pc, dirty, ap_start, ap_last);
	assert_int_equal(sio_iommu_dev_attach(f->dev, SIO_NO_PASID, f->d), 0);
}

static void fx_init(struct fx *f, const struct sio_pt_cfg *pc, bool dirty)
{
	struct sio_iommu_cfg icfg = { .type = SIO_IOMMU_VTD };

	if (pc->format == SIO_PT_MOCK)
		fx_init_cfg(f, &icfg, pc, dirty, MOCK_APERTURE_START, MOCK_APERTURE_LAST);
	else
		fx_init_cfg(f, &icfg, pc, dirty, 0, 0);
}

static void fx_fini(struct fx *f)
{
	sio_iommu_dev_destroy(f->dev);
	assert_int_equal(sio_domain_free(f->d), 0);
	sio_iommu_destroy(f->iommu);
}

static unsigned char *phys_alloc(size_t size)
{
	unsigned char *p = aligned_alloc(SZ_2M, SIO_ALIGN_UP(size, SZ_2M));

	assert_non_null(p);
	memset(p, 0x5a, size);
	return p;
}

static uint64_t pa_of(const void *p)
{
	return (uint64_t)(uintptr_t)p;
}

static void fill_pattern(unsigned char *p, size_t n, unsigned int seed)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (unsigned char)(i * 7 + seed);
}

static bool all_bytes(const unsigned char *p, size_t n, unsigned char v)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i] != v)
			return false;
	return true;
}

static struct sio_iommu_stats stats(struct sio_iommu *iommu)
{
	struct sio_iommu_stats st;

	sio_iommu_get_stats(iommu, &st);
	return st;
}

static uint64_t xlate_pa(struct fx *f, uint64_t iova, unsigned int access)
{
	struct sio_xlate xl;

	assert_int_equal(sio_iommu_translate(f->dev, false, 0, iova, access, &xl), 0);
	return xl.pa;
}

static enum sio_fault_reason xlate_fault(struct sio_iommu_dev *dev, bool has_pasid,
					 uint32_t pasid, uint64_t iova, unsigned int access)
{
	struct sio_xlate xl;
	int ret = sio_iommu_translate(dev, has_pasid, pasid, iova, access, &xl);

	if (!ret)
		return SIO_FAULT_NONE;
	assert_int_equal(ret, -EACCES);
	assert_int_equal(xl.fault.iova, iova);
	assert_int_equal(xl.fault.access, access);
	assert_int_equal(xl.fault.rid, sio_iommu_dev_rid(dev));
	assert_int_equal(xl.fault.stage, 1);
	assert_int_equal(xl.fault.pasid_valid, has_pasid);
	if (has_pasid)
		assert_int_equal(xl.fault.pasid, pasid);
	return xl.fault.reason;
}

/* ---------------------------------------------------------------- DMA basics */

static void dma_roundtrip(const struct sio_pt_cfg *pc, uint64_t iova, uint64_t pgsz)
{
	const size_t len = 4 * pgsz;
	unsigned char *phys = phys_alloc(len + 2 * pgsz), *src = malloc(len), *dst = malloc(len);
	unsigned char *win = phys + pgsz;	/* the mapped window; a page either side */
	size_t done = 99;
	struct fx f;

	fx_init(&f, pc, false);
	assert_int_equal(sio_domain_map(f.d, iova, pa_of(win), len, PROT_RW), 0);

	/* Unaligned start and length: exactly [win + 100, win + 100 + n) changes. */
	fill_pattern(src, len, 3);
	assert_int_equal(sio_dma_write(f.dev, false, 0, iova + 100, src, len - 300, &done, NULL),
			 0);
	assert_int_equal(done, len - 300);
	assert_true(all_bytes(phys, pgsz + 100, 0x5a));
	assert_memory_equal(win + 100, src, len - 300);
	assert_true(all_bytes(win + len - 200, 200 + pgsz, 0x5a));

	memset(dst, 0, len);
	assert_int_equal(sio_dma_read(f.dev, false, 0, iova + 100, dst, len - 300, &done, NULL), 0);
	assert_int_equal(done, len - 300);
	assert_memory_equal(dst, src, len - 300);

	/* Zero length touches nothing and succeeds. */
	assert_int_equal(sio_dma_read(f.dev, false, 0, iova, dst, 0, &done, NULL), 0);
	assert_int_equal(done, 0);

	fx_fini(&f);
	free(phys);
	free(src);
	free(dst);
}

static void test_dma_vtd(void **state)
{
	dma_roundtrip(&vtd_cfg, 0x40000000, SZ_4K);
}

static void test_dma_mock(void **state)
{
	dma_roundtrip(&mock_cfg, MOCK_APERTURE_START + 0x10000, SZ_2K);
}

/* Pages mapped out of order: each piece of one DMA lands in its own page. */
static void test_dma_scattered(void **state)
{
	static const unsigned int perm[4] = { 2, 0, 3, 1 };
	unsigned char *phys = phys_alloc(4 * SZ_4K), *src = malloc(4 * SZ_4K);
	unsigned char *dst = calloc(1, 4 * SZ_4K);
	const uint64_t iova = 0x100000;
	struct sio_iommu_stats st;
	unsigned int i;
	struct fx f;

	fx_init(&f, &vtd_cfg, false);
	for (i = 0; i < 4; i++)
		assert_int_equal(sio_domain_map(f.d, iova + i * SZ_4K,
						pa_of(phys + perm[i] * SZ_4K), SZ_4K, PROT_RW), 0);
	fill_pattern(src, 4 * SZ_4K, 11);
	sio_iommu_reset_stats(f.iommu);
	assert_int_equal(sio_dma_write(f.dev, false, 0, iova, src, 4 * SZ_4K, NULL, NULL), 0);
	for (i = 0; i < 4; i++)
		assert_memory_equal(phys + perm[i] * SZ_4K, src + i * SZ_4K, SZ_4K);
	assert_int_equal(sio_dma_read(f.dev, false, 0, iova + 10, dst, 4 * SZ_4K - 20, NULL, NULL),
			 0);
	assert_memory_equal(dst, src + 10, 4 * SZ_4K - 20);
	/* One translation per page: 4 walks for the write, 4 hits for the read. */
	st = stats(f.iommu);
	assert_int_equal(st.walks, 4);
	assert_int_equal(st.iotlb_hits, 4);
	fx_fini(&f);
	free(phys);
	free(src);
	free(dst);
}

/* A 2 MiB leaf: one translation covers a whole large DMA. */
static void test_dma_large_page(void **state)
{
	unsigned char *phys = phys_alloc(SZ_2M), *src = malloc(SZ_1M);
	struct sio_iommu_stats st;
	struct sio_xlate xl;
	struct fx f;

	fx_init(&f, &vtd_cfg, false);
	assert_int_equal(sio_domain_map(f.d, 0x40000000, pa_of(phys), SZ_2M, PROT_RW), 0);
	assert_int_equal(sio_iommu_translate(f.dev, false, 0, 0x40000000 + 0x1234, SIO_PT_R, &xl),
			 0);
	assert_int_equal(xl.size_lg2, 21);
	assert_int_equal(xl.pa, pa_of(phys) + 0x1234);
	sio_iommu_reset_stats(f.iommu);
	fill_pattern(src, SZ_1M, 5);
	assert_int_equal(sio_dma_write(f.dev, false, 0, 0x40000000 + 0x800, src, SZ_1M, NULL, NULL),
			 0);
	assert_memory_equal(phys + 0x800, src, SZ_1M);
	st = stats(f.iommu);
	assert_int_equal(st.iotlb_hits, 1);
	assert_int_equal(st.walks, 0);
	fx_fini(&f);
	free(phys);
	free(src);
}

/* ------------------------------------------------------------------- faults */

static void test_fault_unmapped_tail(void **state)
{
	unsigned char *phys = phys_alloc(2 * SZ_4K), *src = malloc(3 * SZ_4K);
	const uint64_t iova = 0x200000;
	struct sio_xlate xl;
	size_t done;
	struct fx f;

	fx_init(&f, &vtd_cfg, false);
	assert_int_equal(sio_domain_map(f.d, iova, pa_of(phys), SZ_4K, PROT_RW), 0);
	fill_pattern(src, 3 * SZ_4K, 1);
	/* Page 0 is transferred, page 1 faults, page 2 is never reached. */
	assert_int_equal(sio_dma_write(f.dev, false, 0, iova + 16, src, 2 * SZ_4K, &done, &xl),
			 -EACCES);
	assert_int_equal(done, SZ_4K - 16);
	assert_int_equal(xl.fault.reason, SIO_FAULT_NOT_PRESENT);
	assert_int_equal(xl.fault.iova, iova + SZ_4K);
	assert_int_equal(xl.fault.access, SIO_PT_W);
	assert_int_equal(xl.fault.rid, 0x1234);
	assert_int_equal(xl.fault.did, sio_domain_did(f.d));
	assert_false(xl.fault.pasid_valid);
	assert_int_equal(xl.fault.level, 0);
	assert_memory_equal(phys + 16, src, SZ_4K - 16);
	assert_true(all_bytes(phys + SZ_4K, SZ_4K, 0x5a));
	fx_fini(&f);
	free(phys);
	free(src);
}

static void test_fault_readonly(void **state)
{
	unsigned char *phys = phys_alloc(SZ_4K), buf[64];
	const uint64_t iova = 0x300000;
	struct sio_xlate xl;
	size_t done = 1;
	struct fx f;

	fx_init(&f, &vtd_cfg, false);
	assert_int_equal(sio_domain_map(f.d, iova, pa_of(phys), SZ_4K, PROT_RO), 0);
	memset(buf, 0xee, sizeof(buf));
	/* Cache a read translation first: the write must still fault, and touch nothing. */
	assert_int_equal(sio_dma_read(f.dev, false, 0, iova, buf, 16, NULL, NULL), 0);
	assert_true(all_bytes(buf, 16, 0x5a));
	memset(buf, 0xee, sizeof(buf));
	assert_int_equal(sio_dma_write(f.dev, false, 0, iova + 8, buf, 32, &done, &xl), -EACCES);
	assert_int_equal(done, 0);
	assert_int_equal(xl.fault.reason, SIO_FAULT_PERM);
	assert_int_equal(xl.fault.access, SIO_PT_W);
	assert_true(all_bytes(phys, SZ_4K, 0x5a));
	fx_fini(&f);
	free(phys);
}

static void test_fault_blocked_and_pasid(void **state)
{
	struct sio_iommu_dev_cfg nopasid = { .rid = 7 };
	unsigned char *phys = phys_alloc(SZ_4K), buf[8];
	struct sio_iommu_dev *dev2;
	struct sio_xlate xl;
	size_t done = 5;
	struct fx f;

	fx_init(&f, &vtd_cfg, false);
	assert_int_equal(sio_domain_map(f.d, 0, pa_of(phys), SZ_4K, PROT_RW), 0);
	/* A PASID with nothing attached, and one beyond the 20-bit width. */
	assert_int_equal(xlate_fault(f.dev, true, 5, 0, SIO_PT_R), SIO_FAULT_BLOCKED);
	assert_int_equal(xlate_fault(f.dev, true, 1u << 20, 0, SIO_PT_R), SIO_FAULT_PASID_INVALID);
	/* Blocking the RID: DMA faults without touching memory. */
	assert_int_equal(xlate_fault(f.dev, false, 0, 0, SIO_PT_R), SIO_FAULT_NONE);
	assert_int_equal(sio_iommu_dev_attach(f.dev, SIO_NO_PASID, NULL), 0);
	assert_int_equal(xlate_fault(f.dev, false, 0, 0, SIO_PT_R), SIO_FAULT_BLOCKED);
	memset(buf, 0x11, sizeof(buf));
	assert_int_equal(sio_dma_write(f.dev, false, 0, 0, buf, sizeof(buf), &done, &xl), -EACCES);
	assert_int_equal(done, 0);
	assert_int_equal(xl.fault.reason, SIO_FAULT_BLOCKED);
	assert_true(all_bytes(phys, SZ_4K, 0x5a));

	/* A device without PASID support, never attached. */
	assert_int_equal(sio_iommu_dev_create(f.iommu, &nopasid, &dev2), 0);
	assert_int_equal(xlate_fault(dev2, false, 0, 0, SIO_PT_R), SIO_FAULT_BLOCKED);
	assert_int_equal(xlate_fault(dev2, true, 0, 0, SIO_PT_R), SIO_FAULT_PASID_INVALID);
	assert_int_equal(sio_iommu_dev_attach(dev2, 0, f.d), -EINVAL);
	assert_int_equal(sio_iommu_translate(dev2, false, 0, 0, 0, &xl), -EINVAL);
	sio_iommu_dev_destroy(dev2);
	fx_fini(&f);
	free(phys);
}

static void test_fault_aperture(void **state)
{
	unsigned char *phys = phys_alloc(SZ_4K);
	struct sio_domain_info info;
	struct fx f;

	fx_init(&f, &mock_cfg, false);
	sio_domain_get_info(f.d, &info);
	assert_int_equal(info.aperture_start, MOCK_APERTURE_START);
	assert_int_equal(info.aperture_last, MOCK_APERTURE_LAST);
	assert_int_equal(sio_domain_map(f.d, MOCK_APERTURE_START - SZ_2K, pa_of(phys), SZ_4K,
					PROT_RW), -ERANGE);
	assert_int_equal(sio_domain_map(f.d, MOCK_APERTURE_LAST + 1, pa_of(phys), SZ_2K, PROT_RW),
			 -ERANGE);
	assert_int_equal(sio_domain_map(f.d, MOCK_APERTURE_START, pa_of(phys), 0, PROT_RW),
			 -EINVAL);
	/* Mapped below the aperture behind the domain's back: still an aperture fault. */
	assert_int_equal(sio_pt_map(sio_domain_pt(f.d), 0x10000, pa_of(phys), SZ_2K, PROT_RW), 0);
	assert_int_equal(xlate_fault(f.dev, false, 0, 0x10000, SIO_PT_R), SIO_FAULT_APERTURE);
	assert_int_equal(xlate_fault(f.dev, false, 0, MOCK_APERTURE_LAST + 1, SIO_PT_R),
			 SIO_FAULT_APERTURE);
	assert_int_equal(xlate_fault(f.dev, false, 0, MOCK_APERTURE_START, SIO_PT_R),
			 SIO_FAULT_NOT_PRESENT);
	assert_true(all_bytes(phys, SZ_4K, 0x5a));
	fx_fini(&f);
	free(phys);
}

/* Memory at the translated address is bad: -EFAULT, no crash. */
static void test_dma_bad_memory(void **state)
{
	void *bad = mmap(NULL, SZ_4K, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	unsigned char *phys = phys_alloc(SZ_4K), buf[256];
	const uint64_t iova = 0x500000;
	size_t done = 1;
	struct fx f;

	assert_true(bad != MAP_FAILED);
	sio_uaccess_force_mode_for_test(0);
	fx_init(&f, &vtd_cfg, false);
	assert_int_equal(sio_domain_map(f.d, iova, pa_of(phys), SZ_4K, PROT_RW), 0);
	assert_int_equal(sio_domain_map(f.d, iova + SZ_4K, pa_of(bad), SZ_4K, PROT_RW), 0);
	assert_int_equal(sio_dma_read(f.dev, false, 0, iova + SZ_4K - 128, buf, sizeof(buf), &done,
				      NULL), -EFAULT);
	/* The good page's piece came first and was transferred. */
	assert_int_equal(done, 128);
	assert_true(all_bytes(buf, 128, 0x5a));
	assert_int_equal(sio_dma_read(f.dev, false, 0, iova, buf, 128, &done, NULL), 0);
	assert_int_equal(sio_dma_write(f.dev, false, 0, iova + SZ_4K, buf, 8, &done, NULL),
			 -EFAULT);
	fx_fini(&f);
	munmap(bad, SZ_4K);
	free(phys);
}

static void test_dma_copy(void **state)
{
	unsigned char *a = phys_alloc(2 * SZ_4K), *b = phys_alloc(2 * SZ_4K);
	unsigned char *c = phys_alloc(SZ_4K);
	struct sio_xlate xl;
	size_t done;
	struct fx f;

	fx_init(&f, &vtd_cfg, false);
	assert_int_equal(sio_domain_map(f.d, 0x10000, pa_of(a), 2 * SZ_4K, PROT_RW), 0);
	assert_int_equal(sio_domain_map(f.d, 0x20000, pa_of(b), 2 * SZ_4K, PROT_RW), 0);
	assert_int_equal(sio_domain_map(f.d, 0x30000, pa_of(c), SZ_4K, PROT_RO), 0);
	fill_pattern(a, 2 * SZ_4K, 9);
	/* Source and destination pages cross at different offsets. */
	assert_int_equal(sio_dma_copy(f.dev, false, 0, 0x20000 + 100, 0x10000 + 3000, 5000, &done,
				      NULL), 0);
	assert_int_equal(done, 5000);
	assert_memory_equal(b + 100, a + 3000, 5000);
	assert_true(all_bytes(b, 100, 0x5a));
	assert_true(all_bytes(b + 5100, 2 * SZ_4K - 5100, 0x5a));
	/* A read-only destination: nothing copied, the fault names the write side. */
	assert_int_equal(sio_dma_copy(f.dev, false, 0, 0x30000, 0x10000, 64, &done, &xl), -EACCES);
	assert_int_equal(done, 0);
	assert_int_equal(xl.fault.reason, SIO_FAULT_PERM);
	assert_int_equal(xl.fault.access, SIO_PT_W);
	assert_int_equal(xl.fault.iova, 0x30000);
	assert_true(all_bytes(c, SZ_4K, 0x5a));
	fx_fini(&f);
	free(a);
	free(b);
	free(c);
}

static void test_dma_copy_overlap(void **state)
{
	unsigned char *a = phys_alloc(SZ_4K), ref[SZ_4K];
	struct fx f;

	fx_init(&f, &vtd_cfg, false);
	assert_int_equal(sio_domain_map(f.d, 0x10000, pa_of(a), SZ_4K, PROT_RW), 0);
	fill_pattern(a, SZ_4K, 2);
	memcpy(ref, a, SZ_4K);
	memmove(ref + 10, ref, 1000);
	assert_int_equal(sio_dma_copy(f.dev, false, 0, 0x10000 + 10, 0x10000, 1000, NULL, NULL), 0);
	assert_memory_equal(a, ref, SZ_4K);
	memmove(ref + 500, ref + 1500, 1200);
	assert_int_equal(sio_dma_copy(f.dev, false, 0, 0x10000 + 500, 0x10000 + 1500, 1200, NULL,
				      NULL), 0);
	assert_memory_equal(a, ref, SZ_4K);
	fx_fini(&f);
	free(a);
}

/* ------------------------------------------------------------ IOTLB caching */

static void test_stale_iotlb(void **state)
{
	unsigned char *p1 = phys_alloc(SZ_4K), *p2 = phys_alloc(SZ_4K);
	const uint64_t iova = 0x7000;
	struct sio_pt *pt;
	struct sio_iommu_stats st;
	struct fx f;

	fx_init(&f, &vtd_cfg, false);
	pt = sio_domain_pt(f.d);
	assert_int_equal(sio_domain_map(f.d, iova, pa_of(p1), SZ_4K, PROT_RW), 0);
	assert_int_equal(xlate_pa(&f, iova + 8, SIO_PT_R), pa_of(p1) + 8);

	/* Re-point the PTE behind the IOTLB's back: the cached translation stays. */
	assert_int_equal(sio_pt_unmap(pt, iova, SZ_4K), SZ_4K);
	assert_int_equal(sio_pt_map(pt, iova, pa_of(p2), SZ_4K, PROT_RW), 0);
	sio_iommu_reset_stats(f.iommu);
	assert_int_equal(xlate_pa(&f, iova + 8, SIO_PT_R), pa_of(p1) + 8);
	st = stats(f.iommu);
	assert_int_equal(st.iotlb_hits, 1);
	assert_int_equal(st.walks, 0);

	/* An invalidation of another DID or range changes nothing. */
	sio_iommu_invalidate(f.iommu, sio_domain_did(f.d) + 1, iova, SZ_4K);
	sio_iommu_invalidate(f.iommu, sio_domain_did(f.d), iova + SZ_4K, SZ_4K);
	assert_int_equal(xlate_pa(&f, iova, SIO_PT_R), pa_of(p1));

	sio_iommu_invalidate(f.iommu, sio_domain_did(f.d), iova, SZ_4K);
	assert_int_equal(xlate_pa(&f, iova + 8, SIO_PT_R), pa_of(p2) + 8);
	st = stats(f.iommu);
	assert_int_equal(st.iotlb_hits, 2);
	assert_int_equal(st.walks, 1);
	assert_int_equal(st.invalidations, 3);

	/* Unmapped behind its back: DMA still reaches the old page until invalidated. */
	assert_int_equal(sio_pt_unmap(pt, iova, SZ_4K), SZ_4K);
	assert_int_equal(xlate_pa(&f, iova, SIO_PT_W), pa_of(p2));
	sio_iommu_invalidate_did(f.iommu, sio_domain_did(f.d));
	assert_int_equal(xlate_fault(f.dev, false, 0, iova, SIO_PT_R), SIO_FAULT_NOT_PRESENT);
	fx_fini(&f);
	free(p1);
	free(p2);
}

static void test_unmap_invalidates(void **state)
{
	unsigned char *phys = phys_alloc(SZ_2M);
	const uint64_t big = 0x40000000, small = 0x10000;
	struct fx f;

	fx_init(&f, &vtd_cfg, false);
	assert_int_equal(sio_domain_map(f.d, small, pa_of(phys), 4 * SZ_4K, PROT_RW), 0);
	assert_int_equal(sio_domain_map(f.d, big, pa_of(phys), SZ_2M, PROT_RW), 0);
	assert_int_equal(xlate_pa(&f, small + 2 * SZ_4K, SIO_PT_R), pa_of(phys) + 2 * SZ_4K);
	assert_int_equal(xlate_pa(&f, small + 3 * SZ_4K, SIO_PT_R), pa_of(phys) + 3 * SZ_4K);
	assert_int_equal(xlate_pa(&f, big + 0x12345, SIO_PT_R), pa_of(phys) + 0x12345);
	assert_int_equal(sio_iommu_iotlb_count(f.iommu), 3);

	/* A range with a hole at its start still invalidates the later pages. */
	assert_int_equal(sio_domain_unmap(f.d, small, SZ_4K), SZ_4K);
	assert_int_equal(sio_domain_unmap(f.d, small, 3 * SZ_4K), 2 * SZ_4K);
	assert_int_equal(xlate_fault(f.dev, false, 0, small + 2 * SZ_4K, SIO_PT_R),
			 SIO_FAULT_NOT_PRESENT);
	assert_int_equal(xlate_pa(&f, small + 3 * SZ_4K, SIO_PT_R), pa_of(phys) + 3 * SZ_4K);

	/* An invalidation starting inside a cached 2 MiB page removes it. */
	sio_iommu_invalidate(f.iommu, sio_domain_did(f.d), big + 0x5000, SZ_4K);
	assert_int_equal(sio_iommu_iotlb_count(f.iommu), 1);
	assert_int_equal(xlate_pa(&f, big, SIO_PT_R), pa_of(phys));
	/* Unmap of the large leaf: no stale hit once it returns. */
	assert_int_equal(sio_domain_unmap(f.d, big, SZ_2M), SZ_2M);
	assert_int_equal(xlate_fault(f.dev, false, 0, big + 0x12345, SIO_PT_R),
			 SIO_FAULT_NOT_PRESENT);
	/* Unmap starting inside the leaf removes nothing and invalidates nothing. */
	assert_int_equal(sio_domain_map(f.d, big, pa_of(phys), SZ_2M, PROT_RW), 0);
	assert_int_equal(sio_domain_unmap(f.d, big + SZ_4K, SZ_4K), 0);
	assert_int_equal(xlate_pa(&f, big, SIO_PT_R), pa_of(phys));
	fx_fini(&f);
	free(phys);
}

static void test_faults_never_cached(void **state)
{
	unsigned char *phys = phys_alloc(SZ_4K);
	const uint64_t iova = 0x9000;
	struct sio_pt *pt;
	struct sio_iommu_stats st;
	struct fx f;

	fx_init(&f, &vtd_cfg, false);
	pt = sio_domain_pt(f.d);
	sio_iommu_reset_stats(f.iommu);
	assert_int_equal(xlate_fault(f.dev, false, 0, iova, SIO_PT_R), SIO_FAULT_NOT_PRESENT);
	/* Fixing the table is enough: no invalidation. */
	assert_int_equal(sio_domain_map(f.d, iova, pa_of(phys), SZ_4K, PROT_RO), 0);
	assert_int_equal(xlate_pa(&f, iova, SIO_PT_R), pa_of(phys));
	assert_int_equal(xlate_fault(f.dev, false, 0, iova, SIO_PT_W), SIO_FAULT_PERM);
	/* Upgrade behind the IOTLB's back: the write walks again and succeeds. */
	assert_int_equal(sio_pt_unmap(pt, iova, SZ_4K), SZ_4K);
	assert_int_equal(sio_pt_map(pt, iova, pa_of(phys), SZ_4K, PROT_RW), 0);
	assert_int_equal(xlate_pa(&f, iova, SIO_PT_W), pa_of(phys));
	assert_int_equal(xlate_pa(&f, iova, SIO_PT_W | SIO_PT_R), pa_of(phys));
	st = stats(f.iommu);
	assert_int_equal(st.faults, 2);
	assert_int_equal(st.iotlb_inserts, 2);
	assert_int_equal(st.iotlb_hits, 1);
	assert_int_equal(st.iotlb_misses, 4);
	assert_int_equal(st.invalidations, 0);
	fx_fini(&f);
	free(phys);
}

static void test_counters_exact(void **state)
{
	unsigned char *phys = phys_alloc(SZ_4K);
	const uint64_t iova = 0x10000;
	struct sio_iommu_stats st;
	struct fx f;

	fx_init(&f, &vtd_cfg, false);
	assert_int_equal(sio_domain_map(f.d, iova, pa_of(phys), SZ_4K, PROT_RW), 0);
	sio_iommu_reset_stats(f.iommu);
	st = stats(f.iommu);
	assert_int_equal(st.iotlb_hits + st.iotlb_misses + st.walks + st.pte_loads + st.faults +
			 st.invalidations + st.iotlb_inserts, 0);

	xlate_pa(&f, iova, SIO_PT_R);				/* miss: 4-level walk */
	xlate_pa(&f, iova + 1, SIO_PT_R);			/* hit */
	xlate_pa(&f, iova + 2, SIO_PT_R | SIO_PT_W);		/* hit */
	/* Next page: same leaf table, walk reads 4 entries and faults. */
	assert_int_equal(xlate_fault(f.dev, false, 0, iova + SZ_4K, SIO_PT_R),
			 SIO_FAULT_NOT_PRESENT);
	st = stats(f.iommu);
	assert_int_equal(st.iotlb_hits, 2);
	assert_int_equal(st.iotlb_misses, 2);
	assert_int_equal(st.walks, 2);
	assert_int_equal(st.pte_loads, 8);
	assert_int_equal(st.faults, 1);
	assert_int_equal(st.iotlb_inserts, 1);
	assert_int_equal(st.invalidations, 0);

	assert_int_equal(sio_domain_unmap(f.d, iova, SZ_4K), SZ_4K);
	assert_int_equal(sio_domain_unmap(f.d, iova, SZ_4K), 0);	/* nothing: no request */
	st = stats(f.iommu);
	assert_int_equal(st.invalidations, 1);
	assert_int_equal(sio_iommu_iotlb_count(f.iommu), 0);

	/* A second IOMMU counts apart. */
	{
		struct sio_iommu_cfg icfg = { .type = SIO_IOMMU_SMMUV3 };
		struct sio_iommu *other;

		assert_int_equal(sio_iommu_create(&icfg, &other), 0);
		st = stats(other);
		assert_int_equal(st.iotlb_hits + st.iotlb_misses + st.walks, 0);
		sio_iommu_invalidate_all(other);
		assert_int_equal(stats(other).invalidations, 1);
		assert_int_equal(stats(f.iommu).invalidations, 1);
		sio_iommu_destroy(other);
	}
	fx_fini(&f);
	free(phys);
}

/* The IOTLB entry of @iova cached for @dev's RID (the hit path's way 0 or another way). */
static struct sio_iotlb_entry *rid_entry(struct sio_iommu_dev *dev, uint64_t iova)
{
	const struct sio_attach *slot = &dev->rid_slot;
	uint64_t page = (iova | SIO_IOTLB_LG2_MASK) & slot->pkey;
	uint64_t set = sio_iotlb_set_idx(dev->iotlb_set_mask, slot->hseed, page);
	unsigned int w;

	for (w = 0; w < SIO_IOTLB_WAYS; w++) {
		struct sio_iotlb_entry *e = sio_iotlb_way(dev->iotlb_ent, dev->iotlb_set_mask,
							  set, w);

		if (e->tag == slot->tag && e->page == page)
			return e;
	}
	return NULL;
}

/*
 * An entry a writer owns (odd seq) is never a hit, whatever it holds: the
 * request walks, and its fill (which would need the entry) is not cached.
 * Once released (seq + 2) the same contents are served again.
 */
static void test_owned_entry_not_hit(void **state)
{
	unsigned char *p1 = phys_alloc(SZ_4K), *p2 = phys_alloc(SZ_4K);
	const uint64_t iova = 0x23000;
	struct sio_iotlb_entry *e;
	struct sio_iommu_stats st;
	uint64_t val;
	uint32_t seq;
	struct fx f;

	fx_init(&f, &vtd_cfg, false);
	assert_int_equal(sio_domain_map(f.d, iova, pa_of(p1), SZ_4K, PROT_RW), 0);
	assert_int_equal(xlate_pa(&f, iova + 8, SIO_PT_R), pa_of(p1) + 8);
	e = rid_entry(f.dev, iova);
	assert_non_null(e);
	seq = e->seq;
	val = e->val;
	assert_int_equal(seq & 1, 0);

	/* Owned, half rewritten: not served, by the plain or the general path. */
	e->seq = seq + 1;
	e->val = pa_of(p2) | (val & SIO_IOTLB_V_MASK);
	sio_iommu_reset_stats(f.iommu);
	assert_int_equal(xlate_pa(&f, iova + 8, SIO_PT_R), pa_of(p1) + 8);
	assert_int_equal(xlate_pa(&f, iova + 16, SIO_PT_R | SIO_PT_PRIV), pa_of(p1) + 16);
	st = stats(f.iommu);
	assert_int_equal(st.iotlb_hits, 0);
	assert_int_equal(st.iotlb_misses, 2);
	assert_int_equal(st.walks, 2);
	assert_int_equal(st.iotlb_inserts, 0);
	assert_int_equal(e->seq, seq + 1);

	/* Released with those contents: served as they are (stale until invalidated). */
	e->seq = seq + 2;
	assert_int_equal(xlate_pa(&f, iova + 8, SIO_PT_R), pa_of(p2) + 8);
	st = stats(f.iommu);
	assert_int_equal(st.iotlb_hits, 1);
	assert_int_equal(st.iotlb_misses, 2);
	sio_iommu_invalidate(f.iommu, sio_domain_did(f.d), iova, SZ_4K);
	assert_int_equal(xlate_pa(&f, iova + 8, SIO_PT_R), pa_of(p1) + 8);
	fx_fini(&f);
	free(p1);
	free(p2);
}

/* An entry serves requests of the privilege it was filled for; the other walks. */
static void test_priv_requests(void **state)
{
	unsigned char *phys = phys_alloc(SZ_4K);
	struct sio_iommu_stats st;
	struct sio_xlate xl;
	struct fx f;

	fx_init(&f, &vtd_cfg, false);
	assert_int_equal(sio_domain_map(f.d, 0x6000, pa_of(phys), SZ_4K, PROT_RW), 0);
	sio_iommu_reset_stats(f.iommu);
	assert_int_equal(xlate_pa(&f, 0x6000, SIO_PT_R), pa_of(phys));
	assert_int_equal(sio_iommu_translate(f.dev, false, 0, 0x6010, SIO_PT_R | SIO_PT_PRIV, &xl),
			 0);
	assert_int_equal(xl.pa, pa_of(phys) + 0x10);
	assert_int_equal(sio_iommu_translate(f.dev, false, 0, 0x6020, SIO_PT_R | SIO_PT_PRIV, &xl),
			 0);
	assert_int_equal(xlate_pa(&f, 0x6000, SIO_PT_R), pa_of(phys));
	st = stats(f.iommu);
	/* miss, miss (other privilege), hit, miss (refilled for PRIV before). */
	assert_int_equal(st.iotlb_misses, 3);
	assert_int_equal(st.iotlb_hits, 1);
	fx_fini(&f);
	free(phys);
}

/* ---------------------------------------------------------- attach/replace */

static void test_replace(void **state)
{
	unsigned char *p1 = phys_alloc(SZ_4K), *p2 = phys_alloc(SZ_4K);
	const uint64_t iova = 0x4000;
	struct sio_domain_info info;
	struct sio_iommu_stats st;
	struct sio_domain *d2;
	struct fx f;

	fx_init(&f, &vtd_cfg, false);
	d2 = domain_new(f.iommu, &vtd_cfg, false, 0, 0);
	assert_int_not_equal(sio_domain_did(d2), sio_domain_did(f.d));
	assert_int_equal(sio_domain_map(f.d, iova, pa_of(p1), SZ_4K, PROT_RW), 0);
	assert_int_equal(sio_domain_map(d2, iova, pa_of(p2), SZ_4K, PROT_RW), 0);

	assert_int_equal(xlate_pa(&f, iova, SIO_PT_R), pa_of(p1));
	assert_int_equal(sio_iommu_dev_attach(f.dev, SIO_NO_PASID, d2), 0);
	assert_ptr_equal(sio_iommu_dev_get_domain(f.dev, SIO_NO_PASID), d2);
	assert_int_equal(xlate_pa(&f, iova, SIO_PT_R), pa_of(p2));
	sio_domain_get_info(f.d, &info);
	assert_int_equal(info.users, 0);
	sio_domain_get_info(d2, &info);
	assert_int_equal(info.users, 1);
	assert_int_equal(sio_domain_free(d2), -EBUSY);

	/* Back to the first domain: its cached entry is still valid for it. */
	sio_iommu_reset_stats(f.iommu);
	assert_int_equal(sio_iommu_dev_attach(f.dev, SIO_NO_PASID, f.d), 0);
	assert_int_equal(xlate_pa(&f, iova, SIO_PT_R), pa_of(p1));
	st = stats(f.iommu);
	assert_int_equal(st.iotlb_hits, 1);
	assert_int_equal(sio_domain_free(d2), 0);
	fx_fini(&f);
	free(p1);
	free(p2);
}

/* A freed domain's DID is reused: its old entries must be gone. */
static void test_did_reuse(void **state)
{
	unsigned char *p1 = phys_alloc(SZ_4K), *p2 = phys_alloc(SZ_4K);
	const uint64_t iova = 0x4000;
	struct sio_domain *a, *b;
	uint32_t did;
	struct fx f;

	fx_init(&f, &vtd_cfg, false);
	a = domain_new(f.iommu, &vtd_cfg, false, 0, 0);
	did = sio_domain_did(a);
	assert_int_equal(sio_domain_map(a, iova, pa_of(p1), SZ_4K, PROT_RW), 0);
	assert_int_equal(sio_iommu_dev_attach(f.dev, SIO_NO_PASID, a), 0);
	assert_int_equal(xlate_pa(&f, iova, SIO_PT_R), pa_of(p1));
	assert_int_equal(sio_iommu_dev_attach(f.dev, SIO_NO_PASID, NULL), 0);
	assert_int_equal(sio_iommu_iotlb_count(f.iommu), 1);
	assert_int_equal(sio_domain_free(a), 0);
	/* Its entries went with it. */
	assert_int_equal(sio_iommu_iotlb_count(f.iommu), 0);
	b = domain_new(f.iommu, &vtd_cfg, false, 0, 0);
	assert_int_equal(sio_domain_did(b), did);
	assert_int_equal(sio_domain_map(b, iova, pa_of(p2), SZ_4K, PROT_RW), 0);
	assert_int_equal(sio_iommu_dev_attach(f.dev, SIO_NO_PASID, b), 0);
	assert_int_equal(xlate_pa(&f, iova, SIO_PT_R), pa_of(p2));
	assert_int_equal(sio_iommu_dev_attach(f.dev, SIO_NO_PASID, f.d), 0);
	assert_int_equal(sio_domain_free(b), 0);
	fx_fini(&f);
	free(p1);
	free(p2);
}

static void test_pasid(void **state)
{
	unsigned char *p1 = phys_alloc(SZ_4K), *p2 = phys_alloc(SZ_4K);
	const uint64_t iova = 0x8000;
	const uint32_t pasids[] = { 0, 5, 300, (1u << 20) - 1 };
	struct sio_domain *d2;
	struct sio_xlate xl;
	unsigned int i;
	struct fx f;

	fx_init(&f, &vtd_cfg, false);
	d2 = domain_new(f.iommu, &vtd_cfg, false, 0, 0);
	assert_int_equal(sio_domain_map(f.d, iova, pa_of(p1), SZ_4K, PROT_RW), 0);
	assert_int_equal(sio_domain_map(d2, iova, pa_of(p2), SZ_4K, PROT_RW), 0);
	assert_int_equal(sio_iommu_dev_attach(f.dev, 1u << 20, d2), -EINVAL);
	for (i = 0; i < ARRAY_SIZE(pasids); i++)
		assert_int_equal(sio_iommu_dev_attach(f.dev, pasids[i], d2), 0);
	assert_ptr_equal(sio_iommu_dev_get_domain(f.dev, 300), d2);
	assert_null(sio_iommu_dev_get_domain(f.dev, 301));

	for (i = 0; i < ARRAY_SIZE(pasids); i++) {
		assert_int_equal(sio_iommu_translate(f.dev, true, pasids[i], iova, SIO_PT_R, &xl),
				 0);
		assert_int_equal(xl.pa, pa_of(p2));
	}
	assert_int_equal(xlate_pa(&f, iova, SIO_PT_R), pa_of(p1));
	assert_int_equal(xlate_fault(f.dev, true, 6, iova, SIO_PT_R), SIO_FAULT_BLOCKED);
	/* One entry per PASID; a range invalidation of the DID drops them all. */
	assert_int_equal(sio_iommu_iotlb_count(f.iommu), 5);
	sio_iommu_invalidate(f.iommu, sio_domain_did(d2), iova, SZ_4K);
	assert_int_equal(sio_iommu_iotlb_count(f.iommu), 1);

	assert_int_equal(sio_iommu_dev_attach(f.dev, 5, NULL), 0);
	assert_int_equal(xlate_fault(f.dev, true, 5, iova, SIO_PT_R), SIO_FAULT_BLOCKED);
	assert_int_equal(sio_domain_free(d2), -EBUSY);
	/* Destroying the device releases every attachment. */
	sio_iommu_dev_destroy(f.dev);
	f.dev = NULL;
	assert_int_equal(sio_domain_free(d2), 0);
	assert_int_equal(sio_domain_free(f.d), 0);
	sio_iommu_destroy(f.iommu);
	free(p1);
	free(p2);
}

/* ----------------------------------------------------------------- dirty */

struct dirty_rec {
	uint64_t iova[16], size[16];
	unsigned int n;
};

static void dirty_fn(void *arg, uint64_t iova, uint64_t size)
{
	struct dirty_rec *r = arg;

	if (r->n < 16) {
		r->iova[r->n] = iova;
		r->size[r->n] = size;
	}
	r->n++;
}

static unsigned int read_dirty(struct sio_domain *d, uint64_t iova, uint64_t size, bool no_clear,
			       struct dirty_rec *r)
{
	memset(r, 0, sizeof(*r));
	assert_int_equal(sio_domain_read_and_clear_dirty(d, iova, size, no_clear, dirty_fn, r), 0);
	return r->n;
}

static void dirty_case(const struct sio_pt_cfg *pc, uint64_t iova, uint64_t leaf)
{
	unsigned char *phys = phys_alloc(4 * SZ_4K), buf[16] = { 1 };
	struct dirty_rec r;
	struct fx f;

	fx_init(&f, pc, true);
	assert_int_equal(sio_domain_map(f.d, iova, pa_of(phys), 4 * SZ_4K, PROT_RW), 0);
	assert_int_equal(sio_domain_read_and_clear_dirty(f.d, iova, 4 * SZ_4K, false, dirty_fn, &r),
			 -EINVAL);
	/* Tracking off: a device write leaves no dirty state... */
	assert_int_equal(sio_dma_write(f.dev, false, 0, iova, buf, 8, NULL, NULL), 0);
	assert_int_equal(sio_domain_set_dirty_tracking(f.d, true), 0);
	assert_int_equal(read_dirty(f.d, iova, 4 * SZ_4K, false, &r), 0);
	/* ...and its writable IOTLB entry went with the toggle: the next write marks. */
	assert_int_equal(sio_dma_write(f.dev, false, 0, iova, buf, 8, NULL, NULL), 0);
	assert_int_equal(read_dirty(f.d, iova, 4 * SZ_4K, false, &r), 1);
	assert_int_equal(r.iova[0], iova);

	/* A read caches the leaf; the write to it must still mark it dirty. */
	assert_int_equal(sio_dma_read(f.dev, false, 0, iova + 2 * leaf, buf, 8, NULL, NULL), 0);
	assert_int_equal(read_dirty(f.d, iova, 4 * SZ_4K, false, &r), 0);
	assert_int_equal(sio_dma_write(f.dev, false, 0, iova + 2 * leaf + 4, buf, 8, NULL, NULL),
			 0);
	assert_int_equal(read_dirty(f.d, iova, 4 * SZ_4K, true, &r), 1);
	assert_int_equal(r.iova[0], iova + 2 * leaf);
	assert_int_equal(r.size[0], leaf);
	assert_int_equal(read_dirty(f.d, iova, 4 * SZ_4K, false, &r), 1);
	assert_int_equal(read_dirty(f.d, iova, 4 * SZ_4K, false, &r), 0);
	/* Cleared and invalidated: the next write through the IOTLB marks it again. */
	assert_int_equal(sio_dma_write(f.dev, false, 0, iova + 2 * leaf, buf, 8, NULL, NULL), 0);
	assert_int_equal(read_dirty(f.d, iova, 4 * SZ_4K, false, &r), 1);
	assert_int_equal(r.iova[0], iova + 2 * leaf);

	/* The selftest's DIRTY op. */
	assert_int_equal(sio_domain_set_dirty(f.d, iova + 1), 0);
	assert_int_equal(sio_domain_set_dirty(f.d, iova + 64 * SZ_4K), -ENOENT);
	assert_int_equal(read_dirty(f.d, iova, 4 * SZ_4K, false, &r), 1);
	assert_int_equal(r.iova[0], iova);

	assert_int_equal(sio_domain_set_dirty_tracking(f.d, false), 0);
	assert_int_equal(sio_domain_read_and_clear_dirty(f.d, iova, 4 * SZ_4K, false, dirty_fn, &r),
			 -EINVAL);
	fx_fini(&f);
	free(phys);
}

static void test_dirty_vtd(void **state)
{
	dirty_case(&vtd_cfg, 0x100000, SZ_4K);
}

static void test_dirty_mock(void **state)
{
	dirty_case(&mock_cfg, MOCK_APERTURE_START, SZ_2K);
}

static void test_dirty_caps(void **state)
{
	struct sio_iommu_dev_cfg nodirty = { .rid = 9 };
	struct sio_iommu_dev *dev2;
	struct sio_domain *dd;
	struct fx f;

	fx_init(&f, &vtd_cfg, false);
	assert_int_equal(sio_domain_set_dirty_tracking(f.d, true), -EOPNOTSUPP);
	assert_int_equal(sio_domain_read_and_clear_dirty(f.d, 0, SZ_4K, false, dirty_fn, NULL),
			 -EOPNOTSUPP);
	assert_int_equal(sio_domain_set_dirty(f.d, 0), -EOPNOTSUPP);
	dd = domain_new(f.iommu, &vtd_cfg, true, 0, 0);
	assert_int_equal(sio_iommu_dev_create(f.iommu, &nodirty, &dev2), 0);
	assert_int_equal(sio_iommu_dev_attach(dev2, SIO_NO_PASID, dd), -EINVAL);
	assert_int_equal(sio_iommu_dev_attach(dev2, SIO_NO_PASID, f.d), 0);
	sio_iommu_dev_destroy(dev2);
	assert_int_equal(sio_domain_free(dd), 0);
	fx_fini(&f);
}

/* ------------------------------------------------------------- capacity */

static void test_capacity_evict_way(void **state)
{
	struct sio_iommu_cfg icfg = { .type = SIO_IOMMU_MOCK, .iotlb_capacity = 4 };
	unsigned char *phys = phys_alloc(8 * SZ_4K);
	struct sio_iommu_stats st;
	unsigned int i;
	struct fx f;

	fx_init_cfg(&f, &icfg, &vtd_cfg, false, 0, 0);
	assert_int_equal(sio_iommu_iotlb_capacity(f.iommu), 4);
	assert_int_equal(sio_domain_map(f.d, 0, pa_of(phys), 8 * SZ_4K, PROT_RW), 0);
	/* One set of four ways: pages 4 and 5 evict the two oldest fills. */
	for (i = 0; i < 6; i++)
		xlate_pa(&f, i * SZ_4K, SIO_PT_R);
	st = stats(f.iommu);
	assert_int_equal(st.iotlb_evictions, 2);
	assert_int_equal(sio_iommu_iotlb_count(f.iommu), 4);
	sio_iommu_reset_stats(f.iommu);
	for (i = 2; i < 6; i++)
		xlate_pa(&f, i * SZ_4K, SIO_PT_R);
	xlate_pa(&f, 0, SIO_PT_R);
	st = stats(f.iommu);
	assert_int_equal(st.iotlb_hits, 4);
	assert_int_equal(st.iotlb_misses, 1);
	fx_fini(&f);
	free(phys);
}

/*
 * Sets stay apart in the split layout (iotlb.h: ways 0-1 and 2-3 of a set in
 * two lines): four pages of each of two neighbouring sets are all cached and
 * all hit, and every way of every set is its own 32-byte entry, the first
 * two in one cache line.
 */
static void test_iotlb_sets_apart(void **state)
{
	struct sio_iommu_cfg icfg = { .type = SIO_IOMMU_MOCK, .iotlb_capacity = 64 };
	unsigned char *phys = phys_alloc(SZ_1M);
	uint64_t pages[2][SIO_IOTLB_WAYS], set0 = 0, mask, s, i;
	unsigned int n[2] = { 0, 0 }, w;
	struct sio_iommu_stats st;
	unsigned char *seen;
	struct fx f;

	fx_init_cfg(&f, &icfg, &vtd_cfg, false, 0, 0);
	mask = f.dev->iotlb_set_mask;
	assert_int_equal(mask, 64 / SIO_IOTLB_WAYS - 1);
	seen = calloc(mask + 1, SIO_IOTLB_WAYS);
	assert_non_null(seen);
	for (s = 0; s <= mask; s++) {
		struct sio_iotlb_entry *w0 = sio_iotlb_way(f.dev->iotlb_ent, mask, s, 0);

		assert_int_equal((uintptr_t)w0 % 64, 0);
		assert_ptr_equal(sio_iotlb_way(f.dev->iotlb_ent, mask, s, 1), w0 + 1);
		for (w = 0; w < SIO_IOTLB_WAYS; w++) {
			i = (uint64_t)(sio_iotlb_way(f.dev->iotlb_ent, mask, s, w) -
				       f.dev->iotlb_ent);
			assert_true(i < (mask + 1) * SIO_IOTLB_WAYS);
			assert_false(seen[i]);
			seen[i] = 1;
		}
	}
	free(seen);

	assert_int_equal(sio_domain_map(f.d, 0, pa_of(phys), SZ_1M, PROT_RW), 0);
	for (i = 0; i < SZ_1M / SZ_4K && (n[0] < SIO_IOTLB_WAYS || n[1] < SIO_IOTLB_WAYS); i++) {
		s = sio_iotlb_set_idx(mask, f.dev->rid_slot.hseed, i * SZ_4K | 12);
		if (!n[0] && !n[1])
			set0 = s;
		if (s == set0 && n[0] < SIO_IOTLB_WAYS)
			pages[0][n[0]++] = i * SZ_4K;
		else if (s == ((set0 + 1) & mask) && n[1] < SIO_IOTLB_WAYS)
			pages[1][n[1]++] = i * SZ_4K;
	}
	assert_int_equal(n[0], SIO_IOTLB_WAYS);
	assert_int_equal(n[1], SIO_IOTLB_WAYS);
	for (w = 0; w < SIO_IOTLB_WAYS; w++) {
		assert_int_equal(xlate_pa(&f, pages[0][w], SIO_PT_R), pa_of(phys) + pages[0][w]);
		assert_int_equal(xlate_pa(&f, pages[1][w], SIO_PT_R), pa_of(phys) + pages[1][w]);
	}
	assert_int_equal(sio_iommu_iotlb_count(f.iommu), 2 * SIO_IOTLB_WAYS);
	sio_iommu_reset_stats(f.iommu);
	for (w = 0; w < SIO_IOTLB_WAYS; w++) {
		assert_int_equal(xlate_pa(&f, pages[0][w] + 8, SIO_PT_R),
				 pa_of(phys) + pages[0][w] + 8);
		assert_int_equal(xlate_pa(&f, pages[1][w] + 8, SIO_PT_R),
				 pa_of(phys) + pages[1][w] + 8);
	}
	st = stats(f.iommu);
	assert_int_equal(st.iotlb_hits, 2 * SIO_IOTLB_WAYS);
	assert_int_equal(st.iotlb_misses, 0);
	assert_int_equal(st.iotlb_evictions, 0);
	fx_fini(&f);
	free(phys);
}

static void test_capacity_flush_all(void **state)
{
	struct sio_iommu_cfg icfg = { .type = SIO_IOMMU_VTD, .iotlb_capacity = 4,
				      .iotlb_policy = SIO_IOTLB_FLUSH_ALL };
	unsigned char *phys = phys_alloc(8 * SZ_4K);
	struct sio_iommu_stats st;
	unsigned int i;
	struct fx f;

	fx_init_cfg(&f, &icfg, &vtd_cfg, false, 0, 0);
	assert_int_equal(sio_domain_map(f.d, 0, pa_of(phys), 8 * SZ_4K, PROT_RW), 0);
	for (i = 0; i < 4; i++)
		xlate_pa(&f, i * SZ_4K, SIO_PT_R);
	assert_int_equal(sio_iommu_iotlb_count(f.iommu), 4);
	assert_int_equal(stats(f.iommu).iotlb_full_flushes, 0);
	/* The fifth fill flushes everything first (QEMU's policy). */
	xlate_pa(&f, 4 * SZ_4K, SIO_PT_R);
	st = stats(f.iommu);
	assert_int_equal(st.iotlb_full_flushes, 1);
	assert_int_equal(sio_iommu_iotlb_count(f.iommu), 1);
	sio_iommu_reset_stats(f.iommu);
	xlate_pa(&f, 0, SIO_PT_R);
	xlate_pa(&f, 4 * SZ_4K, SIO_PT_R);
	st = stats(f.iommu);
	assert_int_equal(st.iotlb_misses, 1);
	assert_int_equal(st.iotlb_hits, 1);
	fx_fini(&f);
	free(phys);
}

static void test_config_errors(void **state)
{
	struct sio_iommu_cfg icfg = { .type = 42 };
	struct sio_domain_paging_cfg dcfg = { .pt = vtd_cfg };
	struct sio_iommu_dev_cfg devcfg = { .pasid_bits = 21 };
	struct sio_iommu_dev *dev;
	struct sio_iommu *iommu;
	struct sio_domain *d;

	assert_int_equal(sio_iommu_create(&icfg, &iommu), -EINVAL);
	icfg.type = SIO_IOMMU_VTD;
	icfg.iotlb_capacity = SIO_IOTLB_MAX_CAPACITY + 1;
	assert_int_equal(sio_iommu_create(&icfg, &iommu), -EINVAL);
	icfg.iotlb_capacity = 0;
	icfg.num_dids = 2;
	assert_int_equal(sio_iommu_create(&icfg, &iommu), 0);
	assert_int_equal(sio_iommu_iotlb_capacity(iommu), SIO_IOTLB_DEFAULT_CAPACITY);
	assert_int_equal(sio_iommu_dev_create(iommu, &devcfg, &dev), -EINVAL);
	dcfg.aperture_start = 0x2000;
	dcfg.aperture_last = 0x1000;
	assert_int_equal(sio_domain_alloc_paging(iommu, &dcfg, &d), -EINVAL);
	dcfg.aperture_start = 0;
	dcfg.aperture_last = 1ULL << 48;
	assert_int_equal(sio_domain_alloc_paging(iommu, &dcfg, &d), -EINVAL);
	dcfg.aperture_last = 0;
	/* Two DIDs only. */
	{
		struct sio_domain *a, *b;

		assert_int_equal(sio_domain_alloc_paging(iommu, &dcfg, &a), 0);
		assert_int_equal(sio_domain_alloc_paging(iommu, &dcfg, &b), 0);
		assert_int_equal(sio_domain_did(a), 1);
		assert_int_equal(sio_domain_did(b), 2);
		assert_int_equal(sio_domain_alloc_paging(iommu, &dcfg, &d), -ENOSPC);
		assert_int_equal(sio_domain_free(a), 0);
		assert_int_equal(sio_domain_alloc_paging(iommu, &dcfg, &d), 0);
		assert_int_equal(sio_domain_did(d), 1);
		assert_int_equal(sio_domain_free(d), 0);
		assert_int_equal(sio_domain_free(b), 0);
	}
	sio_iommu_destroy(iommu);
}

/* Table memory an unmap unlinks is freed after a grace period. */
static void test_reclaim(void **state)
{
	unsigned char *phys = phys_alloc(SZ_4K);
	struct sio_pt_stats ps;
	unsigned int i;
	struct fx f;

	fx_init(&f, &vtd_cfg, false);
	assert_int_equal(sio_domain_map(f.d, 0x40000000, pa_of(phys), SZ_4K, PROT_RW), 0);
	assert_int_equal(xlate_pa(&f, 0x40000000, SIO_PT_R), pa_of(phys));
	assert_int_equal(sio_domain_unmap(f.d, 0x40000000, SZ_4K), SZ_4K);
	sio_pt_get_stats(sio_domain_pt(f.d), &ps);
	assert_true(ps.tables_deferred > 0);
	sio_domain_reclaim(f.d);
	sio_pt_get_stats(sio_domain_pt(f.d), &ps);
	assert_int_equal(ps.tables_deferred, 0);
	/* Batched: after SIO_DOMAIN_RECLAIM_BATCH unmaps nothing is left waiting. */
	for (i = 0; i < SIO_DOMAIN_RECLAIM_BATCH; i++) {
		assert_int_equal(sio_domain_map(f.d, 0x40000000, pa_of(phys), SZ_4K, PROT_RW), 0);
		assert_int_equal(sio_domain_unmap(f.d, 0x40000000, SZ_4K), SZ_4K);
	}
	sio_pt_get_stats(sio_domain_pt(f.d), &ps);
	assert_int_equal(ps.tables_deferred, 0);
	fx_fini(&f);
	free(phys);
}

/*
 * The fill protocol, step by step: a walk that began before an invalidation
 * (even of another range of its domain) is not cached; one that began after
 * it is.
 */
static void test_fill_after_invalidation(void **state)
{
	unsigned char *phys = phys_alloc(SZ_4K);
	struct sio_iotlb *t;
	uint32_t did;
	uint64_t g0;
	struct fx f;

	fx_init(&f, &vtd_cfg, false);
	t = &f.iommu->iotlb;
	did = sio_domain_did(f.d);
	g0 = sio_iotlb_fill_begin(t);
	sio_iommu_invalidate(f.iommu, did, 0x40000000, SZ_4K);
	sio_iotlb_fill(t, g0, sio_iotlb_tag(f.d->serial, false, 0), sio_iotlb_hseed(f.d->serial),
		       0x1000, 12, pa_of(phys), SIO_PT_R);
	assert_int_equal(sio_iommu_iotlb_count(f.iommu), 0);
	g0 = sio_iotlb_fill_begin(t);
	sio_iotlb_fill(t, g0, sio_iotlb_tag(f.d->serial, false, 0), sio_iotlb_hseed(f.d->serial),
		       0x1000, 12, pa_of(phys), SIO_PT_R);
	assert_int_equal(sio_iommu_iotlb_count(f.iommu), 1);
	/* The device now hits that entry although nothing is mapped there. */
	assert_int_equal(xlate_pa(&f, 0x1008, SIO_PT_R), pa_of(phys) + 8);
	fx_fini(&f);
	free(phys);
}

static void test_iova_to_phys(void **state)
{
	unsigned char *phys = phys_alloc(SZ_2M);
	unsigned int lg2;
	uint64_t pa;
	struct fx f;

	fx_init(&f, &vtd_cfg, false);
	assert_int_equal(sio_domain_map(f.d, 0x40000000, pa_of(phys), SZ_2M, PROT_RW), 0);
	assert_int_equal(sio_domain_iova_to_phys(f.d, 0x40000000 + 77, &pa, &lg2), 0);
	assert_int_equal(pa, pa_of(phys) + 77);
	assert_int_equal(lg2, 21);
	assert_int_equal(sio_domain_iova_to_phys(f.d, 0x80000000, &pa, NULL), -ENOENT);
	fx_fini(&f);
	free(phys);
}

/* ------------------------------------------------------------ concurrency */

#define MT_READERS	2
#define MT_ITERS	1500
#define A_IOVA		0x100000ULL
#define A_PAGES		64
#define B_IOVA		0x800000ULL
#define C_IOVA		0x400000ULL
#define C_PAGES		4

struct mt {
	struct sio_iommu *iommu;
	struct sio_domain *d1;
	struct sio_iommu_dev *dev_a, *dev_b;
	unsigned char *buf_a, *buf_b[2], *buf_c;
	uint64_t gen;		/* odd: dev_b in transition; 2K+2: generation K attached */
	int stop;
	uint64_t errors;
	uint64_t translations;
};

static void mt_error(struct mt *m)
{
	__atomic_fetch_add(&m->errors, 1, __ATOMIC_RELAXED);
}

/* Fixed mapping on dev_a: every result is exact. Also DMA reads. */
static void *mt_reader_a(void *arg)
{
	struct mt *m = arg;
	uint64_t n = 0, seed = (uint64_t)(uintptr_t)&n;
	unsigned char tmp[64];

	while (!__atomic_load_n(&m->stop, __ATOMIC_RELAXED)) {
		struct sio_xlate xl;
		uint64_t off;

		seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
		off = (seed >> 33) % (A_PAGES * SZ_4K);
		if (sio_iommu_translate(m->dev_a, false, 0, A_IOVA + off, SIO_PT_R, &xl) ||
		    xl.pa != pa_of(m->buf_a) + off)
			mt_error(m);
		n++;
		if (!(n & 63)) {
			off &= ~63ULL;
			if (sio_dma_read(m->dev_a, false, 0, A_IOVA + off, tmp, sizeof(tmp), NULL,
					 NULL) || memcmp(tmp, m->buf_a + off, sizeof(tmp)))
				mt_error(m);
			n++;	/* one translation: 64 bytes aligned never cross a page */
		}
	}
	__atomic_fetch_add(&m->translations, n, __ATOMIC_RELAXED);
	return NULL;
}

/* The range the writer maps and unmaps: a success must be the right page. */
static void *mt_hammer_c(void *arg)
{
	struct mt *m = arg;
	uint64_t n = 0;

	while (!__atomic_load_n(&m->stop, __ATOMIC_RELAXED)) {
		uint64_t off = (n % C_PAGES) * SZ_4K + 8;
		struct sio_xlate xl;
		int ret = sio_iommu_translate(m->dev_a, false, 0, C_IOVA + off, SIO_PT_W, &xl);

		if (ret ? ret != -EACCES || xl.fault.reason != SIO_FAULT_NOT_PRESENT
			: xl.pa != pa_of(m->buf_c) + off)
			mt_error(m);
		n++;
	}
	__atomic_fetch_add(&m->translations, n, __ATOMIC_RELAXED);
	return NULL;
}

/* dev_b is re-attached to fresh domains: a stable generation gives its pa. */
static void *mt_reader_b(void *arg)
{
	struct mt *m = arg;
	uint64_t n = 0;

	while (!__atomic_load_n(&m->stop, __ATOMIC_RELAXED)) {
		uint64_t g1 = __atomic_load_n(&m->gen, __ATOMIC_ACQUIRE), g2;
		struct sio_xlate xl;
		int ret = sio_iommu_translate(m->dev_b, false, 0, B_IOVA + 16, SIO_PT_R, &xl);

		g2 = __atomic_load_n(&m->gen, __ATOMIC_ACQUIRE);
		if (g1 == g2 && g1 && !(g1 & 1) &&
		    (ret || xl.pa != pa_of(m->buf_b[(g1 / 2) & 1]) + 16))
			mt_error(m);
		n++;
		/* A walk that faults caches nothing: only RCU orders it before the free. */
		ret = sio_iommu_translate(m->dev_b, false, 0, B_IOVA + SZ_4K, SIO_PT_R, &xl);
		if (!ret)
			mt_error(m);
		n++;
	}
	__atomic_fetch_add(&m->translations, n, __ATOMIC_RELAXED);
	return NULL;
}

static struct sio_domain *mt_domain_b(struct mt *m, uint64_t k)
{
	struct sio_domain_paging_cfg cfg = { .pt = vtd_cfg };
	struct sio_domain *d;

	if (sio_domain_alloc_paging(m->iommu, &cfg, &d))
		return NULL;
	if (sio_domain_map(d, B_IOVA, pa_of(m->buf_b[k & 1]), SZ_4K, PROT_RW)) {
		sio_domain_free(d);
		return NULL;
	}
	return d;
}

static void test_mt(void **state)
{
	struct sio_iommu_cfg icfg = { .type = SIO_IOMMU_VTD };
	struct sio_iommu_dev_cfg dcfg = { .rid = 1 };
	pthread_t th[MT_READERS + 2];
	struct sio_domain *db = NULL, *prev;
	struct sio_iommu_stats st;
	struct mt m = { 0 };
	uint64_t k, mine = 0;
	unsigned int i;

	assert_int_equal(sio_iommu_create(&icfg, &m.iommu), 0);
	assert_int_equal(sio_iommu_dev_create(m.iommu, &dcfg, &m.dev_a), 0);
	dcfg.rid = 2;
	assert_int_equal(sio_iommu_dev_create(m.iommu, &dcfg, &m.dev_b), 0);
	m.d1 = domain_new(m.iommu, &vtd_cfg, false, 0, 0);
	m.buf_a = phys_alloc(A_PAGES * SZ_4K);
	fill_pattern(m.buf_a, A_PAGES * SZ_4K, 77);
	m.buf_b[0] = phys_alloc(SZ_4K);
	m.buf_b[1] = phys_alloc(SZ_4K);
	m.buf_c = phys_alloc(C_PAGES * SZ_4K);
	assert_int_equal(sio_domain_map(m.d1, A_IOVA, pa_of(m.buf_a), A_PAGES * SZ_4K, PROT_RW), 0);
	assert_int_equal(sio_iommu_dev_attach(m.dev_a, SIO_NO_PASID, m.d1), 0);
	sio_iommu_reset_stats(m.iommu);

	for (i = 0; i < MT_READERS; i++)
		assert_int_equal(pthread_create(&th[i], NULL, mt_reader_a, &m), 0);
	assert_int_equal(pthread_create(&th[i++], NULL, mt_hammer_c, &m), 0);
	assert_int_equal(pthread_create(&th[i++], NULL, mt_reader_b, &m), 0);

	for (k = 0; k < MT_ITERS; k++) {
		struct sio_xlate xl;
		unsigned int p;

		/* Map, cache, unmap: once unmap returns no stale translation remains. */
		if (sio_domain_map(m.d1, C_IOVA, pa_of(m.buf_c), C_PAGES * SZ_4K, PROT_RW))
			mt_error(&m);
		for (p = 0; p < C_PAGES; p++) {
			if (sio_iommu_translate(m.dev_a, false, 0, C_IOVA + p * SZ_4K, SIO_PT_R,
						&xl))
				mt_error(&m);
			mine++;
		}
		if (sio_domain_unmap(m.d1, C_IOVA, C_PAGES * SZ_4K) != C_PAGES * SZ_4K)
			mt_error(&m);
		for (p = 0; p < C_PAGES; p++) {
			if (sio_iommu_translate(m.dev_a, false, 0, C_IOVA + p * SZ_4K, SIO_PT_R,
						&xl) != -EACCES)
				mt_error(&m);
			mine++;
		}
		/* Invalidate a range nobody uses. */
		sio_iommu_invalidate(m.iommu, sio_domain_did(m.d1), 0x40000000, SZ_2M);

		/* Replace dev_b's domain with a fresh one; free the old (DID reuse). */
		if (k % 8 == 0) {
			struct sio_domain *dn = mt_domain_b(&m, k / 8 + 1);

			if (!dn) {
				mt_error(&m);
				continue;
			}
			__atomic_store_n(&m.gen, 2 * (k / 8) + 1, __ATOMIC_RELEASE);
			prev = db;
			if (sio_iommu_dev_attach(m.dev_b, SIO_NO_PASID, (k / 24) % 2 ? NULL : dn))
				mt_error(&m);
			if ((k / 24) % 2 == 0)
				__atomic_store_n(&m.gen, 2 * (k / 8) + 2, __ATOMIC_RELEASE);
			db = dn;
			if (sio_domain_free(prev))
				mt_error(&m);
		}
	}
	__atomic_store_n(&m.stop, 1, __ATOMIC_RELAXED);
	for (i = 0; i < MT_READERS + 2; i++)
		pthread_join(th[i], NULL);

	assert_int_equal(m.errors, 0);
	/* Per-thread counters of exited threads are exact. */
	st = stats(m.iommu);
	assert_int_equal(st.iotlb_hits + st.iotlb_misses, m.translations + mine);
	assert_true(st.iotlb_hits > 0);

	assert_int_equal(sio_iommu_dev_attach(m.dev_b, SIO_NO_PASID, NULL), 0);
	sio_iommu_dev_destroy(m.dev_a);
	sio_iommu_dev_destroy(m.dev_b);
	assert_int_equal(sio_domain_free(db), 0);
	assert_int_equal(sio_domain_free(m.d1), 0);
	sio_iommu_destroy(m.iommu);
	free(m.buf_a);
	free(m.buf_b[0]);
	free(m.buf_b[1]);
	free(m.buf_c);
}

/* The page request queue: depth, sticky overflow, drain, counters (iommu.h). */
static void test_prq(void **state)
{
	struct sio_iommu_cfg icfg = { .type = SIO_IOMMU_VTD };
	struct sio_iommu_stats st;
	struct sio_iommu *iommu;

	(void)state;
	assert_int_equal(sio_iommu_create(&icfg, &iommu), 0);
	assert_int_equal(sio_iommu_prq_depth(iommu), SIO_PRQ_DEFAULT_DEPTH);
	assert_int_equal(sio_iommu_prq_set_depth(iommu, 0), -EINVAL);
	assert_int_equal(sio_iommu_prq_set_depth(iommu, SIO_PRQ_MAX_DEPTH + 1), -EINVAL);
	assert_int_equal(sio_iommu_prq_set_depth(iommu, 4), 0);
	/* Too large for an empty queue: dropped, but nothing stays pending. */
	assert_int_equal(sio_iommu_prq_reserve(iommu, 5), -ENOSPC);
	assert_false(sio_iommu_prq_overflow(iommu));
	assert_int_equal(sio_iommu_prq_reserve(iommu, 3), 0);
	/* Does not fit: dropped, and the overflow sticks while requests wait. */
	assert_int_equal(sio_iommu_prq_reserve(iommu, 2), -ENOSPC);
	assert_true(sio_iommu_prq_overflow(iommu));
	assert_int_equal(sio_iommu_prq_reserve(iommu, 1), -ENOSPC);
	assert_int_equal(sio_iommu_prq_set_depth(iommu, 8), 0);
	assert_int_equal(sio_iommu_prq_reserve(iommu, 1), -ENOSPC);
	sio_iommu_prq_release(iommu, 2, true);
	assert_true(sio_iommu_prq_overflow(iommu));
	/* Drained: the flag clears and requests are taken again. */
	sio_iommu_prq_release(iommu, 1, false);
	assert_false(sio_iommu_prq_overflow(iommu));
	assert_int_equal(sio_iommu_prq_reserve(iommu, 8), 0);
	/* A smaller depth keeps what is queued, and takes nothing more. */
	assert_int_equal(sio_iommu_prq_set_depth(iommu, 2), 0);
	assert_int_equal(sio_iommu_prq_reserve(iommu, 1), -ENOSPC);
	sio_iommu_prq_release(iommu, 8, true);
	assert_false(sio_iommu_prq_overflow(iommu));
	sio_iommu_get_stats(iommu, &st);
	assert_int_equal(st.page_requests, 3 + 8);
	assert_int_equal(st.prq_overflows, 5 + 2 + 1 + 1 + 1);
	assert_int_equal(st.page_responses, 2);
	sio_iommu_destroy(iommu);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dma_vtd),
		cmocka_unit_test(test_dma_mock),
		cmocka_unit_test(test_dma_scattered),
		cmocka_unit_test(test_dma_large_page),
		cmocka_unit_test(test_fault_unmapped_tail),
		cmocka_unit_test(test_fault_readonly),
		cmocka_unit_test(test_fault_blocked_and_pasid),
		cmocka_unit_test(test_fault_aperture),
		cmocka_unit_test(test_dma_bad_memory),
		cmocka_unit_test(test_dma_copy),
		cmocka_unit_test(test_dma_copy_overlap),
		cmocka_unit_test(test_stale_iotlb),
		cmocka_unit_test(test_unmap_invalidates),
		cmocka_unit_test(test_faults_never_cached),
		cmocka_unit_test(test_counters_exact),
		cmocka_unit_test(test_owned_entry_not_hit),
		cmocka_unit_test(test_priv_requests),
		cmocka_unit_test(test_replace),
		cmocka_unit_test(test_did_reuse),
		cmocka_unit_test(test_pasid),
		cmocka_unit_test(test_dirty_vtd),
		cmocka_unit_test(test_dirty_mock),
		cmocka_unit_test(test_dirty_caps),
		cmocka_unit_test(test_capacity_evict_way),
		cmocka_unit_test(test_iotlb_sets_apart),
		cmocka_unit_test(test_capacity_flush_all),
		cmocka_unit_test(test_config_errors),
		cmocka_unit_test(test_prq),
		cmocka_unit_test(test_reclaim),
		cmocka_unit_test(test_fill_after_invalidation),
		cmocka_unit_test(test_iova_to_phys),
		cmocka_unit_test(test_mt),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
