/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Black-box test of the selftest mock devices and their paging domains
 * (iommufd-testops.md §3.1-3.2, §4.1-4.4, 4.9, 4.12, 4.16) and of what a
 * domain does to its IOAS (iommufd-abi.md §3.3-3.5, §5): object IDs and
 * destroy rules, the mock aperture and alignment, pinning at attach (lazy
 * pinning), reserved ranges, MD_CHECK_MAP / MD_CHECK_REFS. Modelled on the
 * sequences of the kernel selftest's iommufd_ioas / iommufd_mock_domain
 * fixtures. Run with libsoftiommu-preload.so in LD_PRELOAD; only libc and
 * the uapi headers are used.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#define HARNESS_ISOLATE
#include "harness.h"
#include "iommufd_helpers.h"

#define PAGE ((uint64_t)sys_page_size())
#define MOCK_START ((uint64_t)MOCK_APERTURE_START)
#define MOCK_LAST ((uint64_t)MOCK_APERTURE_LAST)
#define NO_ID 0x7fff0000u	/* an ID no test allocates */

static int open_fd(void)
{
	int fd = iommufd_open();

	if (fd < 0)
		fprintf(stderr, "# open(%s): %s\n", IOMMU_DEV_PATH, strerror(errno));
	return fd;
}

/* Anonymous, populated read-write memory (NULL on failure). */
static uint8_t *map_buf(size_t len)
{
	uint8_t *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	size_t i;

	if (p == MAP_FAILED)
		return NULL;
	for (i = 0; i < len; i++)
		p[i] = (uint8_t)(i * 7 + 1);
	return p;
}

/* Populated read-write memory whose start is aligned to @align (a power of 2). */
static uint8_t *map_buf_aligned(size_t len, size_t align)
{
	uint8_t *p = mmap(NULL, len + align, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uintptr_t start;

	if (p == MAP_FAILED)
		return NULL;
	start = ((uintptr_t)p + align - 1) & ~(uintptr_t)(align - 1);
	memset((void *)start, 0x3c, len);
	return (uint8_t *)start;
}

/* The single usable range of @ioas is [start, last] with alignment @align. */
static bool range_is(int fd, uint32_t ioas, uint64_t start, uint64_t last, uint64_t align)
{
	struct iommu_iova_range r;
	uint64_t a = 0;

	if (ioas_single_range(fd, ioas, &r, &a))
		return false;
	if (r.start != start || r.last != last || a != align) {
		fprintf(stderr, "# range [0x%llx, 0x%llx] align %llu\n",
			(unsigned long long)r.start, (unsigned long long)r.last,
			(unsigned long long)a);
		return false;
	}
	return true;
}

/* The next ID the context hands out (allocates and destroys an IOAS). */
static uint32_t next_id(int fd)
{
	uint32_t id = 0;

	if (ioas_alloc(fd, &id))
		return 0;
	iommu_destroy(fd, id);
	return id;
}

/* ------------------------------------------------------------------------ */
/* testops §4.2, §3.1: MOCK_DOMAIN outputs and IDs                          */

TEST(mock_domain_ids_in_order)
{
	uint32_t ioas = 0, stdev = 0, hwpt = 0, idev = 0, s2 = 0, h2 = 0, i2 = 0, h3 = 0;
	int fd = open_fd();

	REQUIRE(fd >= 0);
	REQUIRE_OK(ioas_alloc(fd, &ioas));
	CHECK_EQ(ioas, 1);
	/* The SELFTEST object, then the DEVICE, then the auto domain. */
	REQUIRE_OK(mock_domain(fd, ioas, &stdev, &hwpt, &idev));
	CHECK_EQ(stdev, 2);
	CHECK_EQ(idev, 3);
	CHECK_EQ(hwpt, 4);
	/* A second device on the same IOAS reuses the compatible auto domain (§5). */
	REQUIRE_OK(mock_domain_flags(fd, ioas, 0, &s2, &h2, &i2));
	CHECK_EQ(s2, 5);
	CHECK_EQ(i2, 6);
	CHECK_EQ(h2, hwpt);
	/* MOCK_DOMAIN on the HWPT itself attaches to exactly it. */
	REQUIRE_OK(mock_domain(fd, hwpt, NULL, &h3, NULL));
	CHECK_EQ(h3, hwpt);
	CHECK_EQ(next_id(fd), 9);
	close(fd);
}

TEST(mock_domain_bad_target)
{
	uint32_t ioas = 0, stdev = 0, hwpt = 0, idev = 0, out = 0xabcd;
	int fd = open_fd();

	REQUIRE(fd >= 0);
	REQUIRE_OK(ioas_alloc(fd, &ioas));
	/* Missing IDs (HWPT id 0 included): ENOENT. */
	CHECK_ERR(mock_domain(fd, 0, NULL, &out, NULL), ENOENT);
	CHECK_ERR(mock_domain(fd, NO_ID, NULL, &out, NULL), ENOENT);
	CHECK_EQ(out, 0xabcd);
	REQUIRE_OK(mock_domain(fd, ioas, &stdev, &hwpt, &idev));
	/* Objects that are neither an IOAS nor a HWPT: EINVAL (§5). */
	CHECK_ERR(mock_domain(fd, idev, NULL, NULL, NULL), EINVAL);
	CHECK_ERR(mock_domain(fd, stdev, NULL, NULL, NULL), EINVAL);
	/* Failed creations consume no ID and leave no device behind. */
	CHECK_EQ(next_id(fd), 5);
	CHECK_ERR(iommu_destroy(fd, 5), ENOENT);
	CHECK_ERR(iommu_destroy(fd, 6), ENOENT);
	close(fd);
}

/* testops §4.12: dev_flags beyond NO_DIRTY | PASID → EINVAL. */
TEST(mock_domain_flags_unknown)
{
	static const uint32_t bad[] = { 1u << 1, 1u << 3, 1u << 16, 1u << 31,
					MOCK_FLAGS_DEVICE_NO_DIRTY | (1u << 1) };
	uint32_t ioas = 0, stdev = 0, hwpt = 0, idev = 0;
	unsigned int i;
	int fd = open_fd();

	REQUIRE(fd >= 0);
	REQUIRE_OK(ioas_alloc(fd, &ioas));
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK_ERR(mock_domain_flags(fd, ioas, bad[i], &stdev, &hwpt, &idev), EINVAL);
	CHECK_EQ(next_id(fd), 2);
	/* The IOAS got no domain from the failed calls. */
	CHECK(range_is(fd, ioas, 0, UINT64_MAX, 1));
	CHECK_OK(mock_domain_flags(fd, ioas, MOCK_FLAGS_DEVICE_NO_DIRTY, &stdev, &hwpt, &idev));
	CHECK_EQ(stdev, 2);
	CHECK_OK(mock_domain_flags(fd, ioas, MOCK_FLAGS_DEVICE_PASID, NULL, NULL, NULL));
	CHECK_OK(mock_domain_flags(fd, ioas, MOCK_FLAGS_DEVICE_NO_DIRTY | MOCK_FLAGS_DEVICE_PASID,
				   NULL, NULL, NULL));
	close(fd);
}

/* ------------------------------------------------------------------------ */
/* abi §3.3: destroy rules                                                   */

TEST(destroy_rules_auto_domain)
{
	uint32_t ioas = 0, stdev = 0, hwpt = 0, idev = 0, s2 = 0;
	int fd = open_fd();

	REQUIRE(fd >= 0);
	REQUIRE_OK(ioas_alloc(fd, &ioas));
	REQUIRE_OK(mock_domain(fd, ioas, &stdev, &hwpt, &idev));
	/* The DEVICE is held by its binder, the HWPT by the device, the IOAS by the HWPT. */
	CHECK_ERR(iommu_destroy(fd, idev), EBUSY);
	CHECK_ERR(iommu_destroy(fd, hwpt), EBUSY);
	CHECK_ERR(iommu_destroy(fd, ioas), EBUSY);
	/* A second device shares the auto domain: it survives the first's removal. */
	REQUIRE_OK(mock_domain(fd, ioas, &s2, NULL, NULL));
	CHECK_OK(iommu_destroy(fd, stdev));
	CHECK_ERR(iommu_destroy(fd, idev), ENOENT);
	CHECK_ERR(iommu_destroy(fd, hwpt), EBUSY);
	CHECK_ERR(iommu_destroy(fd, ioas), EBUSY);
	/* The last device goes: the auto domain goes with it, the IOAS is free. */
	CHECK_OK(iommu_destroy(fd, s2));
	CHECK_ERR(iommu_destroy(fd, hwpt), ENOENT);
	CHECK_ERR(iommu_destroy(fd, s2), ENOENT);
	CHECK_ERR(md_check_map(fd, hwpt, MOCK_START, NULL, 0), ENOENT);
	CHECK(range_is(fd, ioas, 0, UINT64_MAX, 1));
	CHECK_OK(iommu_destroy(fd, ioas));
	close(fd);
}

TEST(destroy_rules_user_hwpt)
{
	uint32_t ioas = 0, stdev = 0, hwpt = 0, idev = 0, user = 0, s2 = 0, h2 = 0;
	int fd = open_fd();

	REQUIRE(fd >= 0);
	REQUIRE_OK(ioas_alloc(fd, &ioas));
	REQUIRE_OK(mock_domain(fd, ioas, &stdev, &hwpt, &idev));
	REQUIRE_OK(hwpt_alloc_simple(fd, idev, ioas, 0, &user));
	/* A device attached to the user HWPT pins it. */
	REQUIRE_OK(mock_domain(fd, user, &s2, &h2, NULL));
	CHECK_EQ(h2, user);
	CHECK_ERR(iommu_destroy(fd, user), EBUSY);
	CHECK_OK(iommu_destroy(fd, s2));
	/* ... but a user HWPT persists when its last device leaves (§3.3). */
	CHECK_OK(iommu_destroy(fd, stdev));
	CHECK_ERR(iommu_destroy(fd, hwpt), ENOENT);
	CHECK_ERR(iommu_destroy(fd, ioas), EBUSY);
	CHECK(range_is(fd, ioas, MOCK_START, MOCK_LAST, MOCK_PAGE_SIZE));
	CHECK_OK(iommu_destroy(fd, user));
	CHECK_ERR(iommu_destroy(fd, user), ENOENT);
	CHECK(range_is(fd, ioas, 0, UINT64_MAX, 1));
	CHECK_OK(iommu_destroy(fd, ioas));
	close(fd);
}

/* abi §3.5: close() releases devices, domains and pins. */
TEST(close_with_devices)
{
	uint64_t len = 8 * PAGE, iova = 0;
	uint8_t *buf = map_buf(len);
	uint32_t ioas = 0, idev = 0, user = 0;
	int fd = open_fd(), fd2;

	REQUIRE(fd >= 0 && buf);
	REQUIRE_OK(ioas_alloc(fd, &ioas));
	REQUIRE_OK(mock_domain(fd, ioas, NULL, NULL, &idev));
	REQUIRE_OK(hwpt_alloc_simple(fd, idev, ioas, 0, &user));
	REQUIRE_OK(mock_domain(fd, user, NULL, NULL, NULL));
	REQUIRE_OK(mock_domain_flags(fd, ioas, MOCK_FLAGS_DEVICE_PASID, NULL, NULL, NULL));
	REQUIRE_OK(ioas_map(fd, ioas, buf, len, &iova, MAP_RW));
	CHECK_OK(md_check_refs(fd, buf, len, 1));
	CHECK_OK(close(fd));
	fd2 = open_fd();
	REQUIRE(fd2 >= 0);
	CHECK_OK(md_check_refs(fd2, buf, len, 0));
	close(fd2);
	munmap(buf, len);
}

/* ------------------------------------------------------------------------ */
/* abi §3.4, §4.5, §4.6: the mock aperture and alignment                     */

TEST(mock_domain_iova_ranges)
{
	uint32_t ioas = 0, s1 = 0, s2 = 0;
	int fd = open_fd();

	REQUIRE(fd >= 0);
	REQUIRE_OK(ioas_alloc(fd, &ioas));
	CHECK(range_is(fd, ioas, 0, UINT64_MAX, 1));
	REQUIRE_OK(mock_domain(fd, ioas, &s1, NULL, NULL));
	CHECK(range_is(fd, ioas, MOCK_START, MOCK_LAST, MOCK_PAGE_SIZE));
	REQUIRE_OK(mock_domain(fd, ioas, &s2, NULL, NULL));
	CHECK(range_is(fd, ioas, MOCK_START, MOCK_LAST, MOCK_PAGE_SIZE));
	CHECK_OK(iommu_destroy(fd, s1));
	CHECK(range_is(fd, ioas, MOCK_START, MOCK_LAST, MOCK_PAGE_SIZE));
	/* The domain is gone with its last device: reserved ranges and alignment too. */
	CHECK_OK(iommu_destroy(fd, s2));
	CHECK(range_is(fd, ioas, 0, UINT64_MAX, 1));
	close(fd);
}

TEST(mock_domain_map_in_aperture)
{
	uint64_t len = 16 * PAGE, iova, i;
	/* Aligned so that the user VA does not limit the IOVA alignment (abi §4.6). */
	uint8_t *buf = map_buf_aligned(len, 2ull << 20);
	uint32_t ioas = 0, hwpt = 0;
	bool inside = true, aligned = true;
	int fd = open_fd();

	REQUIRE(fd >= 0 && buf);
	REQUIRE_OK(ioas_alloc(fd, &ioas));
	REQUIRE_OK(mock_domain(fd, ioas, NULL, &hwpt, NULL));
	/* FIXED maps touching the reserved ranges outside the aperture: EINVAL. */
	iova = 0;
	CHECK_ERR(ioas_map(fd, ioas, buf, PAGE, &iova, MAP_FIXED_RW), EINVAL);
	iova = MOCK_START - PAGE;
	CHECK_ERR(ioas_map(fd, ioas, buf, PAGE, &iova, MAP_FIXED_RW), EINVAL);
	iova = MOCK_START - PAGE;
	CHECK_ERR(ioas_map(fd, ioas, buf, 2 * PAGE, &iova, MAP_FIXED_RW), EINVAL);
	iova = MOCK_LAST + 1 - PAGE;
	CHECK_ERR(ioas_map(fd, ioas, buf, 2 * PAGE, &iova, MAP_FIXED_RW), EINVAL);
	iova = MOCK_LAST + 1;
	CHECK_ERR(ioas_map(fd, ioas, buf, PAGE, &iova, MAP_FIXED_RW), EINVAL);
	/* The alignment is 2048: sub-2048 lengths and IOVAs are refused. */
	iova = MOCK_START + 1024;
	CHECK_ERR(ioas_map(fd, ioas, buf, PAGE, &iova, MAP_FIXED_RW), EINVAL);
	CHECK_ERR(ioas_map(fd, ioas, buf, 1024, &iova, MAP_RW), EINVAL);
	CHECK_ERR(ioas_map(fd, ioas, buf + 1024, PAGE, &iova, MAP_RW), EINVAL);
	/* The first and the last page of the aperture are usable. */
	iova = MOCK_START;
	CHECK_OK(ioas_map(fd, ioas, buf, PAGE, &iova, MAP_FIXED_RW));
	CHECK_OK(md_check_map(fd, hwpt, MOCK_START, buf, PAGE));
	iova = MOCK_LAST + 1 - PAGE;
	CHECK_OK(ioas_map(fd, ioas, buf + PAGE, PAGE, &iova, MAP_FIXED_RW));
	CHECK_OK(md_check_map(fd, hwpt, MOCK_LAST + 1 - PAGE, buf + PAGE, PAGE));
	CHECK_OK(ioas_unmap_all(fd, ioas, NULL));
	/* Automatic IOVAs land inside the aperture, naturally aligned (selftest area_auto_iova). */
	for (i = 1; i <= 10; i++) {
		uint64_t l = i * PAGE;

		iova = 0;
		if (ioas_map(fd, ioas, buf, l, &iova, MAP_RW)) {
			inside = false;
			continue;
		}
		if (iova < MOCK_START || iova + l - 1 > MOCK_LAST)
			inside = false;
		if (iova % (1ull << __builtin_ctzll(l)))
			aligned = false;
		if (md_check_map(fd, hwpt, iova, buf, l))
			inside = false;
	}
	CHECK(inside);
	CHECK(aligned);
	CHECK_OK(ioas_unmap_all(fd, ioas, NULL));
	/* A 2048-aligned sub-page start keeps its page offset. */
	iova = 0;
	CHECK_OK(ioas_map(fd, ioas, buf + MOCK_PAGE_SIZE, 3 * MOCK_PAGE_SIZE, &iova, MAP_RW));
	CHECK_EQ(iova % PAGE, MOCK_PAGE_SIZE);
	CHECK(iova >= MOCK_START && iova + 3 * MOCK_PAGE_SIZE - 1 <= MOCK_LAST);
	CHECK_OK(md_check_map(fd, hwpt, iova, buf + MOCK_PAGE_SIZE, 3 * MOCK_PAGE_SIZE));
	close(fd);
}

/* ------------------------------------------------------------------------ */
/* testops §4.3: MD_CHECK_MAP                                                */

TEST(md_check_map_rules)
{
	uint64_t len = 16 * PAGE, iova = 0;
	uint8_t *buf = map_buf(len), *other = map_buf(len);
	uint32_t ioas = 0, hwpt = 0, idev = 0, stdev = 0;
	int fd = open_fd();

	REQUIRE(fd >= 0 && buf && other);
	REQUIRE_OK(ioas_alloc(fd, &ioas));
	REQUIRE_OK(mock_domain(fd, ioas, &stdev, &hwpt, &idev));
	REQUIRE_OK(ioas_map(fd, ioas, buf, len, &iova, MAP_RW));
	CHECK_OK(md_check_map(fd, hwpt, iova, buf, len));
	CHECK_OK(md_check_map(fd, hwpt, iova + 3 * PAGE, buf + 3 * PAGE, 2 * PAGE));
	CHECK_OK(md_check_map(fd, hwpt, iova + MOCK_PAGE_SIZE, buf + MOCK_PAGE_SIZE,
			      MOCK_PAGE_SIZE));
	/* Other memory, or the same memory at another IOVA: EINVAL. */
	CHECK_ERR(md_check_map(fd, hwpt, iova, other, len), EINVAL);
	CHECK_ERR(md_check_map(fd, hwpt, iova + MOCK_PAGE_SIZE, buf, MOCK_PAGE_SIZE), EINVAL);
	CHECK_ERR(md_check_map(fd, hwpt, iova + PAGE, buf, PAGE), EINVAL);
	/* Beyond the area: nothing mapped there. */
	CHECK_ERR(md_check_map(fd, hwpt, iova + len, buf, PAGE), EINVAL);
	/* iova, length and uptr must be multiples of the 2048-byte mock page. */
	CHECK_ERR(md_check_map(fd, hwpt, iova + 1024, buf + 1024, PAGE), EINVAL);
	CHECK_ERR(md_check_map(fd, hwpt, iova, buf, 1024), EINVAL);
	CHECK_ERR(md_check_map(fd, hwpt, iova, buf + 1024, PAGE), EINVAL);
	CHECK_ERR(md_check_map(fd, hwpt, iova + 1024, buf, PAGE), EINVAL);
	/* uptr + length overflows. */
	{
		struct iommu_test_cmd cmd;

		test_cmd_init(&cmd, IOMMU_TEST_OP_MD_CHECK_MAP, hwpt);
		cmd.check_map.iova = iova;
		cmd.check_map.length = 2 * PAGE;
		cmd.check_map.uptr = UINT64_MAX - PAGE + 1;
		CHECK_ERR(ioctl(fd, IOMMU_TEST_CMD, &cmd), EINVAL);
	}
	/* Not a paging HWPT: ENOENT. */
	CHECK_ERR(md_check_map(fd, ioas, iova, buf, PAGE), ENOENT);
	CHECK_ERR(md_check_map(fd, idev, iova, buf, PAGE), ENOENT);
	CHECK_ERR(md_check_map(fd, stdev, iova, buf, PAGE), ENOENT);
	CHECK_ERR(md_check_map(fd, NO_ID, iova, buf, PAGE), ENOENT);
	/* After unmap the IOVA maps nothing. */
	CHECK_OK(ioas_unmap(fd, ioas, iova, len, NULL));
	CHECK_ERR(md_check_map(fd, hwpt, iova, buf, PAGE), EINVAL);
	close(fd);
	munmap(buf, len);
	munmap(other, len);
}

/* abi §4.4 + §3.4: copies share the pages and are mapped into the domain. */
TEST(md_check_map_after_copy)
{
	uint64_t len = 8 * PAGE, src_iova = 0, dst_iova, copy_iova = 0;
	uint8_t *buf = map_buf(len);
	uint32_t src = 0, dst = 0, hwpt = 0;
	int fd = open_fd();

	REQUIRE(fd >= 0 && buf);
	REQUIRE_OK(ioas_alloc(fd, &src));
	REQUIRE_OK(ioas_alloc(fd, &dst));
	REQUIRE_OK(mock_domain(fd, dst, NULL, &hwpt, NULL));
	/* Mapped where no domain exists: not pinned yet (lazy). */
	REQUIRE_OK(ioas_map(fd, src, buf, len, &src_iova, MAP_RW));
	CHECK_OK(md_check_refs(fd, buf, len, 0));
	/* Copied into the IOAS with the domain: mapped there, pinned once. */
	dst_iova = MOCK_START + 64 * PAGE;
	CHECK_OK(ioas_copy(fd, dst, src, src_iova, len, &dst_iova,
			   IOMMU_IOAS_MAP_FIXED_IOVA | MAP_RW));
	CHECK_EQ(dst_iova, MOCK_START + 64 * PAGE);
	CHECK_OK(md_check_map(fd, hwpt, dst_iova, buf, len));
	CHECK_OK(md_check_refs(fd, buf, len, 1));
	/* A copy inside the domain's IOAS: a second area, still one pin per page. */
	CHECK_OK(ioas_copy(fd, dst, dst, dst_iova + 2 * PAGE, 4 * PAGE, &copy_iova, MAP_RW));
	CHECK(copy_iova >= MOCK_START && copy_iova + 4 * PAGE - 1 <= MOCK_LAST);
	CHECK_OK(md_check_map(fd, hwpt, copy_iova, buf + 2 * PAGE, 4 * PAGE));
	CHECK_OK(md_check_refs(fd, buf, len, 1));
	CHECK_OK(ioas_unmap(fd, dst, dst_iova, len, NULL));
	CHECK_OK(md_check_refs(fd, buf + 2 * PAGE, 4 * PAGE, 1));
	CHECK_OK(md_check_map(fd, hwpt, copy_iova, buf + 2 * PAGE, 4 * PAGE));
	CHECK_OK(ioas_unmap_all(fd, dst, NULL));
	CHECK_OK(md_check_refs(fd, buf, len, 0));
	close(fd);
	munmap(buf, len);
}

/*
 * A copy over six areas of six separate buffers: six pieces (more than a
 * piece list holds inline, and more than its first heap array), each mapped
 * to its own buffer and pinned once.
 */
TEST(md_check_map_copy_many_areas)
{
	enum { NBUF = 6 };
	uint64_t src_iova = MOCK_START, dst_iova = MOCK_START + 64 * PAGE;
	uint32_t src = 0, dst = 0, hwpt = 0;
	uint8_t *bufs[NBUF];
	int fd = open_fd();
	int i;

	REQUIRE(fd >= 0);
	REQUIRE_OK(ioas_alloc(fd, &src));
	REQUIRE_OK(ioas_alloc(fd, &dst));
	REQUIRE_OK(mock_domain(fd, dst, NULL, &hwpt, NULL));
	for (i = 0; i < NBUF; i++) {
		uint64_t iova = src_iova + (uint64_t)i * PAGE;

		bufs[i] = map_buf(PAGE);
		REQUIRE(bufs[i]);
		REQUIRE_OK(ioas_map(fd, src, bufs[i], PAGE, &iova, MAP_FIXED_RW));
	}
	CHECK_OK(ioas_copy(fd, dst, src, src_iova, NBUF * PAGE, &dst_iova,
			   IOMMU_IOAS_MAP_FIXED_IOVA | MAP_RW));
	for (i = 0; i < NBUF; i++) {
		CHECK_OK(md_check_map(fd, hwpt, dst_iova + (uint64_t)i * PAGE, bufs[i], PAGE));
		CHECK_OK(md_check_refs(fd, bufs[i], PAGE, 1));
	}
	CHECK_OK(ioas_unmap_all(fd, dst, NULL));
	for (i = 0; i < NBUF; i++)
		CHECK_OK(md_check_refs(fd, bufs[i], PAGE, 0));
	close(fd);
	for (i = 0; i < NBUF; i++)
		munmap(bufs[i], PAGE);
}

/* ------------------------------------------------------------------------ */
/* testops §4.4: MD_CHECK_REFS, one pin per page                             */

TEST(md_check_refs_domains)
{
	uint64_t len = 8 * PAGE, iova = 0, i2 = 0;
	uint8_t *buf = map_buf(len), *buf2 = map_buf(len);
	uint32_t ioas = 0, hwpt = 0, idev = 0, stdev = 0, s2 = 0, h2 = 0, user = 0;
	int fd = open_fd(), fd2;

	REQUIRE(fd >= 0 && buf && buf2);
	REQUIRE_OK(ioas_alloc(fd, &ioas));
	CHECK_OK(md_check_refs(fd, buf, len, 0));
	CHECK_ERR(md_check_refs(fd, buf, len, 1), EIO);
	REQUIRE_OK(mock_domain(fd, ioas, &stdev, &hwpt, &idev));
	REQUIRE_OK(ioas_map(fd, ioas, buf, len, &iova, MAP_RW));
	CHECK_OK(md_check_refs(fd, buf, len, 1));
	CHECK_ERR(md_check_refs(fd, buf, len, 0), EIO);
	CHECK_ERR(md_check_refs(fd, buf, len, 2), EIO);
	/* A second device (same auto domain): one pin. */
	REQUIRE_OK(mock_domain(fd, ioas, &s2, &h2, NULL));
	CHECK_OK(md_check_refs(fd, buf, len, 1));
	/* A second domain on the IOAS, filled at allocation: still one pin. */
	REQUIRE_OK(hwpt_alloc_simple(fd, idev, ioas, 0, &user));
	CHECK_OK(md_check_map(fd, user, iova, buf, len));
	CHECK_OK(md_check_map(fd, hwpt, iova, buf, len));
	CHECK_OK(md_check_refs(fd, buf, len, 1));
	/* A map made while two domains exist lands in both. */
	REQUIRE_OK(ioas_map(fd, ioas, buf2, len, &i2, MAP_RW));
	CHECK_OK(md_check_map(fd, user, i2, buf2, len));
	CHECK_OK(md_check_map(fd, hwpt, i2, buf2, len));
	CHECK_OK(md_check_refs(fd, buf2, len, 1));
	CHECK_OK(iommu_destroy(fd, user));
	CHECK_OK(md_check_refs(fd, buf, len, 1));
	/* Unmap releases the pins. */
	CHECK_OK(ioas_unmap(fd, ioas, iova, len, NULL));
	CHECK_OK(md_check_refs(fd, buf, len, 0));
	CHECK_OK(md_check_refs(fd, buf2, len, 1));
	/* The last domain leaving releases the pins of the areas left. */
	CHECK_OK(iommu_destroy(fd, stdev));
	CHECK_OK(md_check_refs(fd, buf2, len, 1));
	CHECK_OK(iommu_destroy(fd, s2));
	CHECK_OK(md_check_refs(fd, buf2, len, 0));
	/* Attaching again pins again. */
	REQUIRE_OK(mock_domain(fd, ioas, NULL, &hwpt, NULL));
	CHECK_OK(md_check_refs(fd, buf2, len, 1));
	CHECK_OK(md_check_map(fd, hwpt, i2, buf2, len));
	/* close() releases everything before it returns (abi §3.5). */
	close(fd);
	fd2 = open_fd();
	REQUIRE(fd2 >= 0);
	CHECK_OK(md_check_refs(fd2, buf2, len, 0));
	/* length and uptr must be page multiples; overflow is EINVAL. */
	CHECK_ERR(md_check_refs(fd2, buf + 1024, PAGE, 0), EINVAL);
	CHECK_ERR(md_check_refs(fd2, buf, PAGE + 2048, 0), EINVAL);
	CHECK_ERR(md_check_refs(fd2, (void *)(uintptr_t)(UINT64_MAX - PAGE + 1), 2 * PAGE, 0),
		  EINVAL);
	close(fd2);
	munmap(buf, len);
	munmap(buf2, len);
}

/* The selftest's all_aligns: every 2048-aligned start and length. */
TEST(md_check_all_aligns)
{
	uint64_t len = 4 * PAGE, start, end;
	uint8_t *buf = map_buf(len);
	uint32_t ioas = 0, hwpt = 0;
	unsigned long bad_map = 0, bad_check = 0, bad_refs = 0, bad_unmap = 0;
	int fd = open_fd();

	REQUIRE(fd >= 0 && buf);
	REQUIRE_OK(ioas_alloc(fd, &ioas));
	REQUIRE_OK(mock_domain(fd, ioas, NULL, &hwpt, NULL));
	for (start = 0; start < len; start += MOCK_PAGE_SIZE) {
		for (end = start + MOCK_PAGE_SIZE; end <= len; end += MOCK_PAGE_SIZE) {
			uint64_t l = end - start, iova = 0;
			uint64_t pfirst = start / PAGE * PAGE;
			uint64_t plast = (end + PAGE - 1) / PAGE * PAGE;

			if (ioas_map(fd, ioas, buf + start, l, &iova, MAP_RW)) {
				bad_map++;
				continue;
			}
			if (md_check_map(fd, hwpt, iova, buf + start, l))
				bad_check++;
			if (md_check_refs(fd, buf + pfirst, plast - pfirst, 1))
				bad_refs++;
			if (ioas_unmap(fd, ioas, iova, l, NULL))
				bad_unmap++;
		}
	}
	CHECK_EQ(bad_map, 0);
	CHECK_EQ(bad_check, 0);
	CHECK_EQ(bad_refs, 0);
	CHECK_EQ(bad_unmap, 0);
	CHECK_OK(md_check_refs(fd, buf, len, 0));
	close(fd);
	munmap(buf, len);
}

/* ------------------------------------------------------------------------ */
/* abi §3.4, §4.6 step 7: pinning happens at attach, errors appear there     */

/*
 * Memory far below the usual mmap area (yet in the application range of the
 * ASan and TSan layouts), so that a hole unmapped there is not handed out
 * again by an allocation made before the pinning step; falls back to any
 * address.
 */
static uint8_t *map_buf_far(size_t len)
{
	void *hint = (void *)(uintptr_t)0x7e9000000000ull;
	uint8_t *p = mmap(hint, len, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);

	if (p == MAP_FAILED)
		return map_buf(len);
	memset(p, 0x77, len);
	return p;
}

TEST(lazy_pin_unmapped_memory)
{
	uint64_t len = 8 * PAGE, iova = 0, i2 = 0;
	uint8_t *buf = map_buf_far(2 * len), *hole = buf + len;
	uint32_t ioas = 0, hwpt = 0, stdev = 0;
	int fd = open_fd();

	REQUIRE(fd >= 0 && buf);
	REQUIRE_OK(ioas_alloc(fd, &ioas));
	/* Without a domain the VA is only recorded: mapping unmapped memory works. */
	REQUIRE_OK(munmap(hole, len));
	/* FIXED inside the mock aperture, or the attach fails EADDRINUSE first. */
	iova = MOCK_START;
	CHECK_OK(ioas_map(fd, ioas, hole, len, &iova, MAP_FIXED_RW));
	/* Adding the first domain pins: EFAULT, and the IOAS is as before. */
	CHECK_ERR(mock_domain(fd, ioas, &stdev, &hwpt, NULL), EFAULT);
	CHECK_EQ(next_id(fd), 2);
	CHECK(range_is(fd, ioas, 0, UINT64_MAX, 1));
	CHECK_ERR(iommu_destroy(fd, 2), ENOENT);
	CHECK_ERR(iommu_destroy(fd, 3), ENOENT);
	CHECK_OK(ioas_unmap(fd, ioas, iova, len, NULL));
	/* Half of the range unmapped fails the same way. */
	iova = MOCK_START;
	CHECK_OK(ioas_map(fd, ioas, buf + len / 2, len, &iova, MAP_FIXED_RW));
	CHECK_ERR(mock_domain(fd, ioas, &stdev, &hwpt, NULL), EFAULT);
	CHECK_OK(ioas_unmap(fd, ioas, iova, len, NULL));
	/* Good areas filled before the bad one are released again: no pin left. */
	i2 = MOCK_START;
	CHECK_OK(ioas_map(fd, ioas, buf, len, &i2, MAP_FIXED_RW));
	iova = MOCK_START + len;
	CHECK_OK(ioas_map(fd, ioas, hole, len, &iova, MAP_FIXED_RW));
	CHECK_ERR(mock_domain(fd, ioas, &stdev, &hwpt, NULL), EFAULT);
	CHECK_OK(md_check_refs(fd, buf, len, 0));
	/* Without the bad area the attach works and pins the rest. */
	CHECK_OK(ioas_unmap(fd, ioas, iova, len, NULL));
	CHECK_OK(mock_domain(fd, ioas, &stdev, &hwpt, NULL));
	CHECK_EQ(stdev, 2);
	CHECK_OK(md_check_map(fd, hwpt, i2, buf, len));
	CHECK_OK(md_check_refs(fd, buf, len, 1));
	/* With a domain the map itself fails (selftest mock_domain basic). */
	CHECK_ERR(ioas_map(fd, ioas, buf + len / 2, len, &iova, MAP_RW), EFAULT);
	CHECK_ERR(ioas_map(fd, ioas, hole, len, &iova, MAP_RW), EFAULT);
	CHECK_OK(md_check_refs(fd, buf, len, 1));
	close(fd);
	munmap(buf, len);
}

/* Inaccessible (PROT_NONE) memory cannot be pinned either. */
TEST(lazy_pin_prot_none_memory)
{
	uint64_t len = 4 * PAGE, iova = MOCK_START;
	uint8_t *buf = map_buf(len);
	uint32_t ioas = 0, hwpt = 0;
	int fd = open_fd();

	REQUIRE(fd >= 0 && buf);
	REQUIRE_OK(mprotect(buf + PAGE, PAGE, PROT_NONE));
	REQUIRE_OK(ioas_alloc(fd, &ioas));
	CHECK_OK(ioas_map(fd, ioas, buf, len, &iova, MAP_FIXED_RW));
	CHECK_ERR(mock_domain(fd, ioas, NULL, &hwpt, NULL), EFAULT);
	CHECK_OK(ioas_unmap(fd, ioas, iova, len, NULL));
	CHECK_OK(mock_domain(fd, ioas, NULL, &hwpt, NULL));
	CHECK_ERR(ioas_map(fd, ioas, buf, len, &iova, MAP_RW), EFAULT);
	CHECK_ERR(ioas_map(fd, ioas, buf + PAGE, PAGE, &iova, IOMMU_IOAS_MAP_READABLE), EFAULT);
	CHECK_OK(md_check_refs(fd, buf, PAGE, 0));
	close(fd);
	munmap(buf, len);
}

TEST(lazy_pin_readonly_memory)
{
	uint64_t len = 4 * PAGE, iova = 0, i2 = 0;
	uint8_t *buf = map_buf(len);
	uint32_t ioas = 0, hwpt = 0;
	int fd = open_fd();

	REQUIRE(fd >= 0 && buf);
	REQUIRE_OK(mprotect(buf, len, PROT_READ));
	REQUIRE_OK(ioas_alloc(fd, &ioas));
	/* WRITEABLE read-only memory: recorded now, refused when pinned. */
	iova = MOCK_START;
	CHECK_OK(ioas_map(fd, ioas, buf, len, &iova, MAP_FIXED_RW));
	CHECK_ERR(mock_domain(fd, ioas, NULL, &hwpt, NULL), EFAULT);
	CHECK(range_is(fd, ioas, 0, UINT64_MAX, 1));
	CHECK_OK(ioas_unmap(fd, ioas, iova, len, NULL));
	/* READABLE only is fine. */
	CHECK_OK(ioas_map(fd, ioas, buf, len, &iova,
			  IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE));
	CHECK_OK(mock_domain(fd, ioas, NULL, &hwpt, NULL));
	CHECK_OK(md_check_map(fd, hwpt, iova, buf, len));
	CHECK_OK(md_check_refs(fd, buf, len, 1));
	/* With the domain present the WRITEABLE map fails at once. */
	CHECK_ERR(ioas_map(fd, ioas, buf, len, &i2, MAP_RW), EFAULT);
	CHECK_ERR(ioas_map(fd, ioas, buf, len, &i2, IOMMU_IOAS_MAP_WRITEABLE), EFAULT);
	CHECK_OK(md_check_refs(fd, buf, len, 1));
	close(fd);
	munmap(buf, len);
}

/* abi §3.4: the domain raises the alignment to 2048: misaligned areas block it. */
TEST(attach_misaligned_area)
{
	uint64_t len = 4 * PAGE, iova;
	uint8_t *buf = map_buf(len);
	uint32_t ioas = 0, stdev = 0, hwpt = 0;
	int fd = open_fd();

	REQUIRE(fd >= 0 && buf);
	REQUIRE_OK(ioas_alloc(fd, &ioas));
	/* Misaligned IOVA (and page offset). */
	iova = MOCK_START + 1024;
	REQUIRE_OK(ioas_map(fd, ioas, buf + 1024, PAGE, &iova, MAP_FIXED_RW));
	CHECK_ERR(mock_domain(fd, ioas, &stdev, &hwpt, NULL), EADDRINUSE);
	CHECK_OK(ioas_unmap_all(fd, ioas, NULL));
	/* Misaligned length. */
	iova = MOCK_START;
	REQUIRE_OK(ioas_map(fd, ioas, buf, PAGE + 1024, &iova, MAP_FIXED_RW));
	CHECK_ERR(mock_domain(fd, ioas, &stdev, &hwpt, NULL), EADDRINUSE);
	CHECK_OK(ioas_unmap_all(fd, ioas, NULL));
	/* Misaligned page offset of an aligned IOVA. */
	iova = MOCK_START;
	REQUIRE_OK(ioas_map(fd, ioas, buf + 1024, PAGE, &iova, MAP_FIXED_RW));
	CHECK_ERR(mock_domain(fd, ioas, &stdev, &hwpt, NULL), EADDRINUSE);
	CHECK_OK(md_check_refs(fd, buf, PAGE * 2, 0));
	CHECK(range_is(fd, ioas, 0, UINT64_MAX, 1));
	CHECK_EQ(next_id(fd), 2);
	CHECK_OK(ioas_unmap_all(fd, ioas, NULL));
	/* 2048-aligned: accepted. */
	iova = MOCK_START + MOCK_PAGE_SIZE;
	REQUIRE_OK(ioas_map(fd, ioas, buf + MOCK_PAGE_SIZE, PAGE, &iova, MAP_FIXED_RW));
	CHECK_OK(mock_domain(fd, ioas, &stdev, &hwpt, NULL));
	CHECK_OK(md_check_map(fd, hwpt, iova, buf + MOCK_PAGE_SIZE, PAGE));
	close(fd);
	munmap(buf, len);
}

/* abi §3.4: the aperture's complement becomes reserved: an area there blocks it. */
TEST(attach_area_outside_aperture)
{
	static const uint64_t where[] = { 0x1000, MOCK_APERTURE_START - 0x1000,
					  (uint64_t)MOCK_APERTURE_LAST + 1, 1ull << 40 };
	uint64_t len = 2 * PAGE, iova;
	uint8_t *buf = map_buf(len);
	uint32_t ioas = 0, stdev = 0, hwpt = 0;
	unsigned int i;
	int fd = open_fd();

	REQUIRE(fd >= 0 && buf);
	REQUIRE_OK(ioas_alloc(fd, &ioas));
	for (i = 0; i < sizeof(where) / sizeof(where[0]); i++) {
		iova = where[i];
		REQUIRE_OK(ioas_map(fd, ioas, buf, len, &iova, MAP_FIXED_RW));
		CHECK_ERR(mock_domain(fd, ioas, &stdev, &hwpt, NULL), EADDRINUSE);
		CHECK(range_is(fd, ioas, 0, UINT64_MAX, 1));
		CHECK_OK(ioas_unmap(fd, ioas, where[i], len, NULL));
	}
	/* Straddling the aperture start. */
	iova = MOCK_START - PAGE;
	REQUIRE_OK(ioas_map(fd, ioas, buf, len, &iova, MAP_FIXED_RW));
	CHECK_ERR(mock_domain(fd, ioas, &stdev, &hwpt, NULL), EADDRINUSE);
	CHECK_OK(ioas_unmap_all(fd, ioas, NULL));
	CHECK_EQ(next_id(fd), 2);
	CHECK_OK(md_check_refs(fd, buf, len, 0));
	iova = MOCK_START;
	REQUIRE_OK(ioas_map(fd, ioas, buf, len, &iova, MAP_FIXED_RW));
	CHECK_OK(mock_domain(fd, ioas, &stdev, &hwpt, NULL));
	CHECK_OK(md_check_map(fd, hwpt, MOCK_START, buf, len));
	close(fd);
	munmap(buf, len);
}

/* testops §4.1: ADD_RESERVED. */
TEST(add_reserved_rules)
{
	uint64_t len = 4 * PAGE, iova;
	uint8_t *buf = map_buf(len);
	struct iommu_iova_range r[4];
	uint32_t ioas = 0, n = 4, hwpt = 0;
	int fd = open_fd();

	REQUIRE(fd >= 0 && buf);
	REQUIRE_OK(ioas_alloc(fd, &ioas));
	CHECK_ERR(add_reserved(fd, NO_ID, MOCK_START, PAGE), ENOENT);
	CHECK_ERR(add_reserved(fd, 0, MOCK_START, PAGE), ENOENT);
	iova = MOCK_START + 16 * PAGE;
	REQUIRE_OK(ioas_map(fd, ioas, buf, len, &iova, MAP_FIXED_RW));
	/* Intersecting an area: EADDRINUSE (first byte, last byte, around). */
	CHECK_ERR(add_reserved(fd, ioas, MOCK_START + 16 * PAGE, 1), EADDRINUSE);
	CHECK_ERR(add_reserved(fd, ioas, MOCK_START + 20 * PAGE - 1, 1), EADDRINUSE);
	CHECK_ERR(add_reserved(fd, ioas, MOCK_START, 64 * PAGE), EADDRINUSE);
	/* Next to it: fine, and it shows as a hole. */
	CHECK_OK(add_reserved(fd, ioas, MOCK_START + 20 * PAGE, PAGE));
	memset(r, 0, sizeof(r));
	CHECK_OK(ioas_iova_ranges(fd, ioas, r, &n, NULL));
	CHECK_EQ(n, 2);
	CHECK_EQ(r[0].last, MOCK_START + 20 * PAGE - 1);
	CHECK_EQ(r[1].start, MOCK_START + 21 * PAGE);
	iova = MOCK_START + 20 * PAGE;
	CHECK_ERR(ioas_map(fd, ioas, buf, PAGE, &iova, MAP_FIXED_RW), EINVAL);
	/* The mock domain attaches around both; reserved ranges stay holes. */
	CHECK_OK(mock_domain(fd, ioas, NULL, &hwpt, NULL));
	n = 4;
	memset(r, 0, sizeof(r));
	CHECK_OK(ioas_iova_ranges(fd, ioas, r, &n, NULL));
	CHECK_EQ(n, 2);
	CHECK_EQ(r[0].start, MOCK_START);
	CHECK_EQ(r[1].last, MOCK_LAST);
	CHECK_OK(md_check_map(fd, hwpt, MOCK_START + 16 * PAGE, buf, len));
	CHECK_ERR(add_reserved(fd, ioas, MOCK_START + 17 * PAGE, PAGE), EADDRINUSE);
	CHECK_OK(add_reserved(fd, ioas, MOCK_START + 32 * PAGE, PAGE));
	close(fd);
	munmap(buf, len);
}

/* ------------------------------------------------------------------------ */
/* testops §4.16: DEV_CHECK_CACHE                                            */

TEST(dev_check_cache_rules)
{
	uint32_t ioas = 0, stdev = 0, hwpt = 0, idev = 0, i;
	int fd = open_fd();

	REQUIRE(fd >= 0);
	REQUIRE_OK(ioas_alloc(fd, &ioas));
	REQUIRE_OK(mock_domain(fd, ioas, &stdev, &hwpt, &idev));
	for (i = 0; i <= MOCK_DEV_CACHE_ID_MAX; i++) {
		CHECK_OK(dev_check_cache(fd, idev, i, IOMMU_TEST_DEV_CACHE_DEFAULT));
		CHECK_ERR(dev_check_cache(fd, idev, i, 0), EINVAL);
		CHECK_ERR(dev_check_cache(fd, idev, i, IOMMU_TEST_DEV_CACHE_DEFAULT + 1), EINVAL);
	}
	CHECK_ERR(dev_check_cache(fd, idev, MOCK_DEV_CACHE_ID_MAX + 1,
				  IOMMU_TEST_DEV_CACHE_DEFAULT), EINVAL);
	CHECK_ERR(dev_check_cache(fd, idev, UINT32_MAX, IOMMU_TEST_DEV_CACHE_DEFAULT), EINVAL);
	/* id = a DEVICE: anything else is ENOENT (before the cache id check). */
	CHECK_ERR(dev_check_cache(fd, stdev, 0, IOMMU_TEST_DEV_CACHE_DEFAULT), ENOENT);
	CHECK_ERR(dev_check_cache(fd, ioas, 0, IOMMU_TEST_DEV_CACHE_DEFAULT), ENOENT);
	CHECK_ERR(dev_check_cache(fd, hwpt, 0, IOMMU_TEST_DEV_CACHE_DEFAULT), ENOENT);
	CHECK_ERR(dev_check_cache(fd, 0, 0, IOMMU_TEST_DEV_CACHE_DEFAULT), ENOENT);
	CHECK_ERR(dev_check_cache(fd, NO_ID, 9, IOMMU_TEST_DEV_CACHE_DEFAULT), ENOENT);
	/* A flagged device starts the same way. */
	REQUIRE_OK(mock_domain_flags(fd, ioas, MOCK_FLAGS_DEVICE_PASID, NULL, NULL, &idev));
	CHECK_OK(dev_check_cache(fd, idev, 3, IOMMU_TEST_DEV_CACHE_DEFAULT));
	/* Gone with its stdev. */
	CHECK_OK(iommu_destroy(fd, stdev));
	CHECK_ERR(dev_check_cache(fd, 3, 0, IOMMU_TEST_DEV_CACHE_DEFAULT), ENOENT);
	close(fd);
}

/* testops §4.9, §3.8: the batch limit changes no result. */
TEST(temp_memory_limit_rules)
{
	uint64_t len = 64 * PAGE, iova = 0, i2 = 0;
	uint8_t *buf = map_buf(len);
	uint32_t ioas = 0, hwpt = 0;
	int fd = open_fd();

	REQUIRE(fd >= 0 && buf);
	CHECK_ERR(set_temp_memory_limit(fd, 11), EINVAL);
	CHECK_ERR(set_temp_memory_limit(fd, 0), EINVAL);
	CHECK_OK(set_temp_memory_limit(fd, 12));
	CHECK_OK(set_temp_memory_limit(fd, 16));
	REQUIRE_OK(ioas_alloc(fd, &ioas));
	i2 = MOCK_START;
	REQUIRE_OK(ioas_map(fd, ioas, buf, len, &i2, MAP_FIXED_RW));
	REQUIRE_OK(mock_domain(fd, ioas, NULL, &hwpt, NULL));
	CHECK_OK(md_check_map(fd, hwpt, i2, buf, len));
	CHECK_OK(ioas_unmap_all(fd, ioas, NULL));
	CHECK_OK(ioas_map(fd, ioas, buf + PAGE, len - 2 * PAGE, &iova, MAP_RW));
	CHECK_OK(md_check_map(fd, hwpt, iova, buf + PAGE, len - 2 * PAGE));
	CHECK_OK(md_check_refs(fd, buf + PAGE, len - 2 * PAGE, 1));
	CHECK_OK(set_temp_memory_limit(fd, 65536));
	close(fd);
	munmap(buf, len);
}

HARNESS_MAIN()
