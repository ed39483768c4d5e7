/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * B3: sio_dma_read() of 64 KiB through the IOMMU with a warm IOTLB, against
 * memcpy() of 64 KiB between the same buffers. Target: >= 0.9x memcpy
 * bandwidth. Two mappings of the 64 KiB: the pages in order (physically
 * contiguous: one IOTLB hit per page, one copy) and the pages scattered
 * (one IOTLB hit and one copy per page).
 *
 * Usage: bench_dma [--json PATH]
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_util.h"
#include "base/uaccess.h"
#include "iommu/iommu.h"

#define LEN		(64 * 1024)
#define NPAGES		(LEN / 4096)
#define IOVA_SEQ	0x40000000ULL
#define IOVA_SCAT	0x50000000ULL

struct ctx {
	struct sio_iommu_dev *dev;
	unsigned char *src, *dst;
	uint64_t iova;
};

static void *(*volatile memcpy_fn)(void *, const void *, size_t) = memcpy;

static uint64_t op_memcpy(void *arg, uint64_t n)
{
	struct ctx *c = arg;
	uint64_t i;

	for (i = 0; i < n; i++) {
		memcpy_fn(c->dst, c->src, LEN);
		__asm__ __volatile__("" ::: "memory");
	}
	return c->dst[i & (LEN - 1)];
}

/* Components of the DMA path, for the report. */
static uint64_t op_safe_copy(void *arg, uint64_t n)
{
	struct ctx *c = arg;
	uint64_t i;

	for (i = 0; i < n; i++) {
		if (sio_safe_memcpy(c->dst, c->src, LEN))
			abort();
		__asm__ __volatile__("" ::: "memory");
	}
	return c->dst[i & (LEN - 1)];
}

static uint64_t op_translate_pages(void *arg, uint64_t n)
{
	struct ctx *c = arg;
	uint64_t i, sum = 0;
	unsigned int p;

	for (i = 0; i < n; i++) {
		for (p = 0; p < NPAGES; p++) {
			struct sio_xlate xl;

			if (sio_iommu_translate(c->dev, false, 0, c->iova + p * 4096ULL, SIO_PT_R,
						&xl))
				abort();
			sum += xl.pa;
		}
	}
	return sum;
}

static uint64_t op_dma(void *arg, uint64_t n)
{
	struct ctx *c = arg;
	uint64_t i;

	for (i = 0; i < n; i++) {
		if (sio_dma_read(c->dev, false, 0, c->iova, c->dst, LEN, NULL, NULL))
			abort();
		__asm__ __volatile__("" ::: "memory");
	}
	return c->dst[i & (LEN - 1)];
}

int main(int argc, char **argv)
{
	struct sio_iommu_cfg icfg = { .type = SIO_IOMMU_VTD };
	struct sio_domain_paging_cfg dcfg = {
		.pt = { .format = SIO_PT_VTD_SS, .granule_lg2 = 12, .levels = 4, .ias = 48,
			.oas = 48 },
	};
	struct sio_iommu_dev_cfg devcfg = { .rid = 0x20 };
	const char *json = bench_json_arg(argc, argv);
	struct bench_stat mc, mc2, mc3, seq, scat, safe, xl16;
	double rseq, rscat, rsafe;
	struct sio_iommu *iommu;
	struct bench_row rows[5];
	volatile uint64_t sink = 0;
	struct sio_domain *d;
	struct ctx c = { 0 };
	unsigned int i;
	bool pinned;

	pinned = bench_pin(0);
	/* The fixup copy mode (as in normal use); report which one runs. */
	sio_uaccess_force_mode_for_test(0);
	c.src = aligned_alloc(4096, LEN);
	c.dst = aligned_alloc(4096, LEN);
	if (!c.src || !c.dst)
		return 1;
	memset(c.src, 0x3c, LEN);
	memset(c.dst, 0, LEN);
	if (sio_iommu_create(&icfg, &iommu) || sio_domain_alloc_paging(iommu, &dcfg, &d) ||
	    sio_iommu_dev_create(iommu, &devcfg, &c.dev) ||
	    sio_iommu_dev_attach(c.dev, SIO_NO_PASID, d))
		return 1;
	if (sio_domain_map(d, IOVA_SEQ, (uint64_t)(uintptr_t)c.src, LEN,
			   SIO_PT_PROT_READ | SIO_PT_PROT_WRITE))
		return 1;
	for (i = 0; i < NPAGES; i++) {
		/* Page i of the IOVA range -> page (i * 5) % 16 of the buffer: no two adjacent. */
		uint64_t pa = (uint64_t)(uintptr_t)c.src + ((i * 5) % NPAGES) * 4096ULL;

		if (sio_domain_map(d, IOVA_SCAT + i * 4096ULL, pa, 4096,
				   SIO_PT_PROT_READ | SIO_PT_PROT_WRITE))
			return 1;
	}

	c.iova = IOVA_SEQ;
	bench_time_pair(op_memcpy, op_dma, &c, &sink, &mc, &seq, &rseq);
	c.iova = IOVA_SCAT;
	bench_time_pair(op_memcpy, op_dma, &c, &sink, &mc2, &scat, &rscat);
	bench_time_pair(op_memcpy, op_safe_copy, &c, &sink, &mc3, &safe, &rsafe);
	c.iova = IOVA_SEQ;
	xl16 = bench_time(op_translate_pages, &c, &sink);

	/* Bandwidth ratio = memcpy time / dma time = 1 / (per-pair time ratio). */
	rows[0] = (struct bench_row){ "B3 memcpy 64 KiB (baseline)", mc, 0, 1, "-", true };
	rows[1] = (struct bench_row){ "B3 dma_read 64 KiB contiguous", seq, mc.median, 1 / rseq,
				      ">=0.9x memcpy bandwidth", 1 / rseq >= 0.9 };
	rows[2] = (struct bench_row){ "B3 dma_read 64 KiB scattered", scat, mc2.median,
				      1 / rscat, ">=0.9x memcpy bandwidth", 1 / rscat >= 0.9 };
	rows[3] = (struct bench_row){ "  part: sio_safe_memcpy 64 KiB", safe, mc3.median,
				      1 / rsafe, "(information)", true };
	rows[4] = (struct bench_row){ "  part: 16 IOTLB-hit translations", xl16, mc.median,
				      xl16.median / mc.median, "(information)", true };
	printf("pinned: %s; copy mode %s; memcpy %.2f GB/s, dma contiguous %.2f GB/s, "
	       "scattered %.2f GB/s\n", pinned ? "yes" : "no", sio_uaccess_mode_name(),
	       LEN / mc.median, LEN / seq.median, LEN / scat.median);
	bench_print(rows, 5);
	if (json && bench_json(json, rows, 5))
		perror(json);

	sio_iommu_dev_destroy(c.dev);
	sio_domain_free(d);
	sio_iommu_destroy(iommu);
	free(c.src);
	free(c.dst);
	return (int)(sink & 0);
}
