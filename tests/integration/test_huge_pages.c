/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Huge-page folding and IOMMU_OPTION_HUGE_PAGES with a domain (spec
 * iommufd-abi §3.4, §4.8; iommufd-testops §3.2). The mock's HUGE table maps
 * a suitably aligned 1 MiB run with one 1 MiB leaf, so one 2 KiB unit marked
 * dirty reports the whole leaf; with large pages disabled on the IOAS every
 * IOPTE covers at most PAGE_SIZE, so the report covers the marked unit and
 * nothing beyond its page.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#define HARNESS_ISOLATE
#include "harness.h"
#include "iommufd_helpers.h"

#define SZ_1M (1ull << 20)

/*
 * Mark the first 2 KiB unit of a 1 MiB mapping dirty and read the bitmap at
 * page size 2048: *bits set, *first whether bit 0 is among them.
 */
static void dirty_bits_for_one_mark(int large_pages, int *bits, int *first)
{
	uint64_t iova = MOCK_APERTURE_START, nr = 0;
	uint8_t mark[SZ_1M / 2048 / 8], bitmap[SZ_1M / 2048 / 8];
	uint32_t ioas, stdev, idev, hwpt;
	size_t i;
	int fd;
	/* A 1 MiB-aligned run inside a larger mapping. */
	char *raw = mmap(NULL, 3 * SZ_1M, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *buf = (char *)(((uintptr_t)raw + SZ_1M - 1) & ~(uintptr_t)(SZ_1M - 1));

	fd = iommufd_open();
	REQUIRE(fd >= 0 && raw != MAP_FAILED);
	REQUIRE_OK(ioas_alloc(fd, &ioas));
	REQUIRE_OK(mock_domain(fd, ioas, &stdev, NULL, &idev));
	if (!large_pages)
		REQUIRE_OK(option_set(fd, IOMMU_OPTION_HUGE_PAGES, ioas, 0));
	REQUIRE_OK(hwpt_alloc_mock_pt(fd, idev, ioas, IOMMU_HWPT_ALLOC_DIRTY_TRACKING,
				      MOCK_IOMMUPT_HUGE, &hwpt));
	REQUIRE_OK(ioas_map(fd, ioas, buf, SZ_1M, &iova, IOMMU_IOAS_MAP_FIXED_IOVA |
			    IOMMU_IOAS_MAP_READABLE | IOMMU_IOAS_MAP_WRITEABLE));
	REQUIRE_OK(hwpt_set_dirty_tracking(fd, hwpt, 1));
	memset(mark, 0, sizeof(mark));
	mark[0] = 1;			/* the first 2 KiB unit */
	REQUIRE_OK(mock_dirty(fd, hwpt, iova, SZ_1M, 2048, mark, &nr));
	memset(bitmap, 0, sizeof(bitmap));
	REQUIRE_OK(hwpt_get_dirty_bitmap(fd, hwpt, iova, SZ_1M, 2048, bitmap, 0));
	*bits = 0;
	for (i = 0; i < sizeof(bitmap) * 8; i++)
		*bits += (bitmap[i / 8] >> (i % 8)) & 1;
	*first = bitmap[0] & 1;
	close(fd);
	munmap(raw, 3 * SZ_1M);
}

TEST(large_pages_fold_into_1m_leaves)
{
	int bits = 0, first = 0;

	/* One 1 MiB leaf: all 512 units of 2 KiB. */
	dirty_bits_for_one_mark(1, &bits, &first);
	CHECK_EQ(bits, (int)(SZ_1M / 2048));
	CHECK(first);
}

TEST(huge_pages_off_keeps_page_size_ioptes)
{
	int bits = 0, first = 0;

	/* IOPTEs of at most PAGE_SIZE: the marked unit, nothing past its page. */
	dirty_bits_for_one_mark(0, &bits, &first);
	CHECK(first);
	CHECK(bits >= 1 && bits <= getpagesize() / 2048);
}

HARNESS_MAIN()
