/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * DMA through every page-table format and granule the software IOMMU can
 * use for a paging domain: VT-d second stage, x86-64 first stage, ARM VMSA
 * stage 1 and stage 2 at 4K/16K/64K, and the selftest mock. For each: map
 * two granules of scattered memory, DMA-write across the boundary, read it
 * back through the IOMMU, check the bytes landed at the physical pages, and
 * check that an unmapped IOVA and a write to a read-only mapping fault
 * without touching memory.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <cmocka.h>

#include "iommu/iommu.h"

struct format_case {
	const char *name;
	struct sio_pt_cfg pt;
	uint64_t aperture_start, aperture_last;
};

#define ARM(fmt, g, in) { .format = fmt, .granule_lg2 = g, .ias = in, .oas = 48, .hw_af = true, \
			  .pgsize_bitmap = 1ull << (g) }

static const struct format_case cases[] = {
	{ "vtd-ss", { .format = SIO_PT_VTD_SS, .granule_lg2 = 12, .levels = 4, .ias = 48,
		      .oas = 48, .pgsize_bitmap = 1ull << 12 } },
	{ "x86-64", { .format = SIO_PT_X86_64, .granule_lg2 = 12, .levels = 4, .ias = 48,
		      .oas = 48, .pgsize_bitmap = 1ull << 12 } },
	{ "arm-s1-4k", ARM(SIO_PT_ARM_S1, 12, 48) },
	{ "arm-s1-16k", ARM(SIO_PT_ARM_S1, 14, 47) },
	{ "arm-s1-64k", ARM(SIO_PT_ARM_S1, 16, 48) },
	{ "arm-s2-4k", ARM(SIO_PT_ARM_S2, 12, 48) },
	{ "arm-s2-16k", ARM(SIO_PT_ARM_S2, 14, 47) },
	{ "arm-s2-64k", ARM(SIO_PT_ARM_S2, 16, 48) },
	{ "mock", { .format = SIO_PT_MOCK, .granule_lg2 = 11, .levels = 3, .ias = 38, .oas = 51,
		    .pgsize_bitmap = 1ull << 11 }, 1ull << 24, (1ull << 31) - 1 },
};

static void dma_through(const struct format_case *fc)
{
	uint64_t g = 1ull << fc->pt.granule_lg2, iova = fc->aperture_start + 16 * g;
	struct sio_domain_paging_cfg dcfg = { .pt = fc->pt, .aperture_start = fc->aperture_start,
					      .aperture_last = fc->aperture_last };
	struct sio_iommu_dev_cfg devcfg = { .rid = 7 };
	struct sio_iommu_cfg icfg = { .type = SIO_IOMMU_VTD };
	/* Two granules backed by memory that is not contiguous, plus a read-only one. */
	unsigned char *a = aligned_alloc(g, g), *b = aligned_alloc(g, 2 * g), *ro = aligned_alloc(g, g);
	unsigned char out[64], in[64], sentinel[64];
	struct sio_iommu_dev *dev;
	struct sio_domain *d;
	struct sio_iommu *iommu;
	struct sio_xlate xl;
	size_t done = 0;

	assert_non_null(a);
	assert_non_null(b);
	assert_non_null(ro);
	memset(a, 0xaa, g);
	memset(b, 0xbb, 2 * g);
	memset(ro, 0xcc, g);
	assert_int_equal(sio_iommu_create(&icfg, &iommu), 0);
	assert_int_equal(sio_iommu_dev_create(iommu, &devcfg, &dev), 0);
	assert_int_equal(sio_domain_alloc_paging(iommu, &dcfg, &d), 0);
	assert_int_equal(sio_domain_map(d, iova, (uintptr_t)a, g,
					SIO_PT_PROT_READ | SIO_PT_PROT_WRITE | SIO_PT_PROT_USER), 0);
	assert_int_equal(sio_domain_map(d, iova + g, (uintptr_t)(b + g), g,
					SIO_PT_PROT_READ | SIO_PT_PROT_WRITE | SIO_PT_PROT_USER), 0);
	assert_int_equal(sio_domain_map(d, iova + 4 * g, (uintptr_t)ro, g,
					SIO_PT_PROT_READ | SIO_PT_PROT_USER), 0);
	assert_int_equal(sio_iommu_dev_attach(dev, SIO_NO_PASID, d), 0);

	/* A write across the granule boundary lands on both backing pages. */
	for (size_t i = 0; i < sizeof(out); i++)
		out[i] = (unsigned char)(i + 1);
	assert_int_equal(sio_dma_write(dev, false, 0, iova + g - 32, out, sizeof(out), &done, &xl),
			 0);
	assert_int_equal(done, sizeof(out));
	assert_memory_equal(a + g - 32, out, 32);
	assert_memory_equal(b + g, out + 32, 32);
	assert_int_equal(b[g - 1], 0xbb);
	assert_int_equal(sio_dma_read(dev, false, 0, iova + g - 32, in, sizeof(in), &done, &xl), 0);
	assert_memory_equal(in, out, sizeof(in));

	/* Unmapped: a fault, nothing read into the buffer. */
	memset(sentinel, 0x5a, sizeof(sentinel));
	memcpy(in, sentinel, sizeof(in));
	assert_int_equal(sio_dma_read(dev, false, 0, iova + 2 * g, in, sizeof(in), &done, &xl),
			 -EACCES);
	assert_int_equal(done, 0);
	assert_int_equal(xl.fault.reason, SIO_FAULT_NOT_PRESENT);
	assert_memory_equal(in, sentinel, sizeof(in));

	/* Read-only: reads work, a write faults and leaves memory alone. */
	assert_int_equal(sio_dma_read(dev, false, 0, iova + 4 * g, in, 16, &done, &xl), 0);
	assert_int_equal(in[0], 0xcc);
	assert_int_equal(sio_dma_write(dev, false, 0, iova + 4 * g, out, 16, &done, &xl), -EACCES);
	assert_int_equal(xl.fault.reason, SIO_FAULT_PERM);
	assert_int_equal(ro[0], 0xcc);

	sio_iommu_dev_destroy(dev);
	assert_int_equal(sio_domain_free(d), 0);
	sio_iommu_destroy(iommu);
	free(a);
	free(b);
	free(ro);
}

static void test_all_formats(void **state)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		print_message("format %s\n", cases[i].name);
		dma_through(&cases[i]);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_all_formats),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
