/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Black-box test of the HWPT ioctls on mock devices: IOMMU_HWPT_ALLOC
 * (iommufd-abi.md §4.10, order of checks §10), MOCK_DOMAIN_REPLACE
 * (iommufd-testops.md §4.10, abi §5), IOMMU_GET_HW_INFO (§4.11),
 * IOMMU_HWPT_SET_DIRTY_TRACKING / IOMMU_HWPT_GET_DIRTY_BITMAP (§4.12, §4.13)
 * and the DIRTY test op (testops §4.13). Modelled on the sequences of the
 * kernel selftest (alloc_hwpt, replace, get_hw_info, enforce_dirty,
 * get_dirty_bitmap*). Run with libsoftiommu-preload.so in LD_PRELOAD; only
 * libc and the uapi headers are used.
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
#define BAD_PTR ((void *)(uintptr_t)8)
#define SZ_1M (1ull << 20)
#define SZ_2M (2ull << 20)

static int open_fd(void)
{
	int fd = iommufd_open();

	if (fd < 0)
		fprintf(stderr, "# open(%s): %s\n", IOMMU_DEV_PATH, strerror(errno));
	return fd;
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

/* A PROT_NONE page (for EFAULT). */
static void *no_access_page(void)
{
	void *p = mmap(NULL, PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
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

static uint64_t ioas_alignment(int fd, uint32_t ioas)
{
	struct iommu_iova_range r[8];
	uint32_t n = 8;
	uint64_t align = 0;

	if (ioas_iova_ranges(fd, ioas, r, &n, &align))
		return 0;
	return align;
}

/* The single usable range of @ioas is [start, last] with alignment @align. */
static bool range_is(int fd, uint32_t ioas, uint64_t start, uint64_t last, uint64_t align)
{
	struct iommu_iova_range r;
	uint64_t a = 0;

	if (ioas_single_range(fd, ioas, &r, &a))
		return false;
	return r.start == start && r.last == last && a == align;
}

/* An fd with one IOAS (ID 1) and a mock device attached to it (2, 3, 4). */
struct mock_env {
	int fd;
	uint32_t ioas, stdev, idev, hwpt;
};

static bool env_setup(struct mock_env *e)
{
	memset(e, 0, sizeof(*e));
	e->fd = open_fd();
	if (e->fd < 0 || ioas_alloc(e->fd, &e->ioas) ||
	    mock_domain(e->fd, e->ioas, &e->stdev, &e->hwpt, &e->idev))
		return false;
	return e->ioas == 1 && e->stdev == 2 && e->idev == 3 && e->hwpt == 4;
}

static int hwpt_alloc_raw(int fd, struct iommu_hwpt_alloc *cmd)
{
	cmd->size = sizeof(*cmd);
	return ioctl(fd, IOMMU_HWPT_ALLOC, cmd);
}

/* ------------------------------------------------------------------------ */
/* abi §4.10: IOMMU_HWPT_ALLOC                                               */

TEST(hwpt_alloc_paging)
{
	uint64_t len = 8 * PAGE, iova = 0, i2 = 0;
	uint8_t *buf = map_buf_aligned(len, PAGE), *buf2 = map_buf_aligned(len, PAGE);
	uint32_t h[4] = { 0 }, ioas2 = 0;
	struct mock_env e;

	REQUIRE(env_setup(&e) && buf && buf2);
	REQUIRE_OK(ioas_map(e.fd, e.ioas, buf, len, &iova, MAP_RW));
	/* Every paging flag the mock accepts. */
	CHECK_OK(hwpt_alloc_simple(e.fd, e.idev, e.ioas, 0, &h[0]));
	CHECK_EQ(h[0], 5);
	CHECK_OK(hwpt_alloc_simple(e.fd, e.idev, e.ioas, IOMMU_HWPT_ALLOC_NEST_PARENT, &h[1]));
	CHECK_EQ(h[1], 6);
	CHECK_OK(hwpt_alloc_simple(e.fd, e.idev, e.ioas, IOMMU_HWPT_ALLOC_DIRTY_TRACKING, &h[2]));
	CHECK_OK(hwpt_alloc_simple(e.fd, e.idev, e.ioas,
			    IOMMU_HWPT_ALLOC_NEST_PARENT | IOMMU_HWPT_ALLOC_DIRTY_TRACKING, &h[3]));
	/* Filled with the existing areas at allocation, and with new ones later. */
	CHECK_OK(md_check_map(e.fd, h[0], iova, buf, len));
	CHECK_OK(md_check_map(e.fd, h[3], iova, buf, len));
	REQUIRE_OK(ioas_map(e.fd, e.ioas, buf2, len, &i2, MAP_RW));
	CHECK_OK(md_check_map(e.fd, h[1], i2, buf2, len));
	CHECK_OK(md_check_map(e.fd, h[2], i2, buf2, len));
	CHECK_OK(md_check_refs(e.fd, buf, len, 1));
	CHECK_OK(ioas_unmap(e.fd, e.ioas, i2, len, NULL));
	CHECK_ERR(md_check_map(e.fd, h[1], i2, buf2, len), EINVAL);
	CHECK_OK(md_check_refs(e.fd, buf2, len, 0));
	/* Not attached: destroyable at once. The IOAS is held meanwhile. */
	CHECK_OK(iommu_destroy(e.fd, h[0]));
	CHECK_OK(iommu_destroy(e.fd, h[1]));
	CHECK_OK(iommu_destroy(e.fd, h[2]));
	CHECK_OK(iommu_destroy(e.fd, e.stdev));
	CHECK_ERR(iommu_destroy(e.fd, e.ioas), EBUSY);
	CHECK_OK(md_check_refs(e.fd, buf, len, 1));
	CHECK_OK(iommu_destroy(e.fd, h[3]));
	CHECK_OK(md_check_refs(e.fd, buf, len, 0));
	CHECK_OK(iommu_destroy(e.fd, e.ioas));

	/* On an IOAS no device uses: its aperture and alignment apply there. */
	REQUIRE_OK(ioas_alloc(e.fd, &ioas2));
	REQUIRE_OK(mock_domain(e.fd, ioas2, NULL, NULL, &e.idev));
	REQUIRE_OK(ioas_alloc(e.fd, &e.ioas));
	CHECK(range_is(e.fd, e.ioas, 0, UINT64_MAX, 1));
	REQUIRE_OK(hwpt_alloc_simple(e.fd, e.idev, e.ioas, 0, &h[0]));
	CHECK(range_is(e.fd, e.ioas, MOCK_START, MOCK_LAST, MOCK_PAGE_SIZE));
	CHECK_ERR(iommu_destroy(e.fd, e.ioas), EBUSY);
	CHECK_OK(iommu_destroy(e.fd, h[0]));
	CHECK(range_is(e.fd, e.ioas, 0, UINT64_MAX, 1));
	/* The domain is added at once: the attach errors of abi §3.4 apply. */
	iova = 0x1000;
	REQUIRE_OK(ioas_map(e.fd, e.ioas, buf, PAGE, &iova, MAP_FIXED_RW));
	CHECK_ERR(hwpt_alloc_simple(e.fd, e.idev, e.ioas, 0, &h[0]), EADDRINUSE);
	CHECK_OK(ioas_unmap_all(e.fd, e.ioas, NULL));
	REQUIRE_OK(mprotect(buf2, PAGE, PROT_NONE));
	iova = MOCK_START;
	REQUIRE_OK(ioas_map(e.fd, e.ioas, buf2, PAGE, &iova, MAP_FIXED_RW));
	CHECK_ERR(hwpt_alloc_simple(e.fd, e.idev, e.ioas, 0, &h[0]), EFAULT);
	CHECK(range_is(e.fd, e.ioas, 0, UINT64_MAX, 1));
	CHECK_EQ(next_id(e.fd), 6);
	CHECK_OK(iommu_destroy(e.fd, e.ioas));
	close(e.fd);
}

/* abi §4.10 and §10: each check in Linux's order, each combined with later faults. */
TEST(hwpt_alloc_order_of_checks)
{
	struct iommu_hwpt_selftest data = { 0 };
	struct iommu_hwpt_alloc cmd;
	uint32_t nd_stdev = 0, nd_idev = 0, out = 0;
	uint64_t iova = 0;
	uint8_t *buf = map_buf_aligned(4 * PAGE, PAGE);
	struct mock_env e;

	REQUIRE(env_setup(&e) && buf);
	REQUIRE_OK(mock_domain_flags(e.fd, e.ioas, MOCK_FLAGS_DEVICE_NO_DIRTY, &nd_stdev, NULL,
				     &nd_idev));
	REQUIRE_OK(ioas_map(e.fd, e.ioas, buf, 4 * PAGE, &iova, MAP_RW));

	/* 1. __reserved → EOPNOTSUPP before everything else; no output written. */
	memset(&cmd, 0, sizeof(cmd));
	cmd.__reserved = 1;
	cmd.dev_id = NO_ID;
	cmd.pt_id = NO_ID;
	cmd.flags = 1u << 30;
	cmd.data_type = IOMMU_HWPT_DATA_NONE;
	cmd.data_len = 8;
	cmd.out_hwpt_id = 0xabcd;
	CHECK_ERR(hwpt_alloc_raw(e.fd, &cmd), EOPNOTSUPP);
	CHECK_EQ(cmd.out_hwpt_id, 0xabcd);
	memset(&cmd, 0, sizeof(cmd));
	cmd.__reserved = 0x80000000u;
	cmd.dev_id = e.idev;
	cmd.pt_id = e.ioas;
	CHECK_ERR(hwpt_alloc_raw(e.fd, &cmd), EOPNOTSUPP);

	/* 2. data_type / data_len disagree → EINVAL, before the device lookup. */
	memset(&cmd, 0, sizeof(cmd));
	cmd.dev_id = NO_ID;
	cmd.pt_id = NO_ID;
	cmd.flags = 1u << 30;
	cmd.data_type = IOMMU_HWPT_DATA_NONE;
	cmd.data_len = sizeof(data);
	cmd.data_uptr = (uintptr_t)&data;
	CHECK_ERR(hwpt_alloc_raw(e.fd, &cmd), EINVAL);
	cmd.data_type = IOMMU_HWPT_DATA_SELFTEST;
	cmd.data_len = 0;
	CHECK_ERR(hwpt_alloc_raw(e.fd, &cmd), EINVAL);
	CHECK_ERR(hwpt_alloc_data(e.fd, e.idev, e.ioas, 0, IOMMU_HWPT_DATA_SELFTEST, &data, 0,
				  &out), EINVAL);

	/* 3. dev_id must be a DEVICE → ENOENT, before the pt lookup. */
	CHECK_ERR(hwpt_alloc_simple(e.fd, NO_ID, NO_ID, 1u << 30, &out), ENOENT);
	CHECK_ERR(hwpt_alloc_simple(e.fd, 0, e.ioas, 0, &out), ENOENT);
	CHECK_ERR(hwpt_alloc_simple(e.fd, e.ioas, e.idev, 0, &out), ENOENT);
	CHECK_ERR(hwpt_alloc_simple(e.fd, e.stdev, e.ioas, 0, &out), ENOENT);
	CHECK_ERR(hwpt_alloc_simple(e.fd, e.hwpt, e.ioas, 0, &out), ENOENT);

	/* 4. A missing pt_id is EINVAL (not ENOENT), before the flags. */
	CHECK_ERR(hwpt_alloc_simple(e.fd, e.idev, NO_ID, 1u << 30, &out), EINVAL);
	CHECK_ERR(hwpt_alloc_simple(e.fd, e.idev, 0, 0, &out), EINVAL);

	/* 5. pt_id of a type that is neither IOAS nor HWPT → EINVAL. */
	CHECK_ERR(hwpt_alloc_simple(e.fd, e.idev, e.idev, 0, &out), EINVAL);
	CHECK_ERR(hwpt_alloc_simple(e.fd, e.idev, e.idev, 1u << 30, &out), EINVAL);
	CHECK_ERR(hwpt_alloc_simple(e.fd, e.idev, e.stdev, 0, &out), EINVAL);

	/* IOAS: unknown flags → EOPNOTSUPP, before the driver data. */
	CHECK_ERR(hwpt_alloc_simple(e.fd, e.idev, e.ioas, 1u << 4, &out), EOPNOTSUPP);
	CHECK_ERR(hwpt_alloc_simple(e.fd, e.idev, e.ioas, 1u << 31, &out), EOPNOTSUPP);
	CHECK_ERR(hwpt_alloc_simple(e.fd, e.idev, e.ioas, ~(uint32_t)IOMMU_HWPT_ALLOC_NEST_PARENT,
				    &out), EOPNOTSUPP);
	CHECK_ERR(hwpt_alloc_data(e.fd, e.idev, e.ioas, 1u << 4, IOMMU_HWPT_DATA_SELFTEST,
				  BAD_PTR, 3, &out), EOPNOTSUPP);
	/* DIRTY_TRACKING on a device whose IOMMU cannot track → EOPNOTSUPP. */
	CHECK_ERR(hwpt_alloc_simple(e.fd, nd_idev, e.ioas, IOMMU_HWPT_ALLOC_DIRTY_TRACKING, &out),
		  EOPNOTSUPP);
	CHECK_ERR(hwpt_alloc_data(e.fd, nd_idev, e.ioas, IOMMU_HWPT_ALLOC_DIRTY_TRACKING,
				  IOMMU_HWPT_DATA_SELFTEST, BAD_PTR, 3, &out), EOPNOTSUPP);
	CHECK_OK(hwpt_alloc_simple(e.fd, nd_idev, e.ioas, 0, &out));
	CHECK_OK(iommu_destroy(e.fd, out));
	/* FAULT_ID_VALID with NEST_PARENT → EOPNOTSUPP (before the fault lookup). */
	memset(&cmd, 0, sizeof(cmd));
	cmd.dev_id = e.idev;
	cmd.pt_id = e.ioas;
	cmd.flags = IOMMU_HWPT_FAULT_ID_VALID | IOMMU_HWPT_ALLOC_NEST_PARENT;
	cmd.fault_id = NO_ID;
	CHECK_ERR(hwpt_alloc_raw(e.fd, &cmd), EOPNOTSUPP);
	cmd.data_type = IOMMU_HWPT_DATA_SELFTEST;
	cmd.data_len = 3;
	cmd.data_uptr = (uintptr_t)BAD_PTR;
	CHECK_ERR(hwpt_alloc_raw(e.fd, &cmd), EOPNOTSUPP);

	/* Driver data (testops §3.2): type, then length, then the copy. */
	CHECK_ERR(hwpt_alloc_data(e.fd, e.idev, e.ioas, 0, IOMMU_HWPT_DATA_SELFTEST + 1, &data,
				  sizeof(data), &out), EOPNOTSUPP);
	CHECK_ERR(hwpt_alloc_data(e.fd, e.idev, e.ioas, 0, IOMMU_HWPT_DATA_VTD_S1, BAD_PTR, 3,
				  &out), EOPNOTSUPP);
	CHECK_ERR(hwpt_alloc_data(e.fd, e.idev, e.ioas, 0, IOMMU_HWPT_DATA_SELFTEST, &data, 3,
				  &out), EINVAL);
	CHECK_ERR(hwpt_alloc_data(e.fd, e.idev, e.ioas, 0, IOMMU_HWPT_DATA_SELFTEST, BAD_PTR, 3,
				  &out), EINVAL);
	CHECK_ERR(hwpt_alloc_data(e.fd, e.idev, e.ioas, 0, IOMMU_HWPT_DATA_SELFTEST, &data,
				  sizeof(data) + 1, &out), EINVAL);
	CHECK_ERR(hwpt_alloc_data(e.fd, e.idev, e.ioas, 0, IOMMU_HWPT_DATA_SELFTEST, BAD_PTR,
				  sizeof(data), &out), EFAULT);
	CHECK_ERR(hwpt_alloc_data(e.fd, e.idev, e.ioas, 0, IOMMU_HWPT_DATA_SELFTEST, NULL,
				  sizeof(data), &out), EFAULT);

	/* Nothing of the failures stayed: no ID, no domain, no pin. */
	CHECK_EQ(next_id(e.fd), 7);
	CHECK(range_is(e.fd, e.ioas, MOCK_START, MOCK_LAST, MOCK_PAGE_SIZE));
	CHECK_OK(md_check_refs(e.fd, buf, 4 * PAGE, 1));
	CHECK_OK(iommu_destroy(e.fd, e.stdev));
	CHECK_OK(iommu_destroy(e.fd, nd_stdev));
	CHECK_OK(md_check_refs(e.fd, buf, 4 * PAGE, 0));
	CHECK_OK(iommu_destroy(e.fd, e.ioas));
	close(e.fd);
}

/* abi §4.10 step 6: FAULT_ID_VALID needs a FAULT object; a failure undoes the domain. */
TEST(hwpt_alloc_fault_id)
{
	struct iommu_hwpt_alloc cmd;
	uint32_t ioas2 = 0;
	struct mock_env e;

	REQUIRE(env_setup(&e));
	REQUIRE_OK(ioas_alloc(e.fd, &ioas2));
	memset(&cmd, 0, sizeof(cmd));
	cmd.dev_id = e.idev;
	cmd.pt_id = ioas2;
	cmd.flags = IOMMU_HWPT_FAULT_ID_VALID;
	cmd.fault_id = NO_ID;
	CHECK_ERR(hwpt_alloc_raw(e.fd, &cmd), ENOENT);
	cmd.fault_id = 0;
	CHECK_ERR(hwpt_alloc_raw(e.fd, &cmd), ENOENT);
	/* Objects of other types are not FAULTs. */
	cmd.fault_id = ioas2;
	CHECK_ERR(hwpt_alloc_raw(e.fd, &cmd), ENOENT);
	cmd.fault_id = e.hwpt;
	CHECK_ERR(hwpt_alloc_raw(e.fd, &cmd), ENOENT);
	CHECK(range_is(e.fd, ioas2, 0, UINT64_MAX, 1));
	CHECK_EQ(next_id(e.fd), 6);
	CHECK_OK(iommu_destroy(e.fd, ioas2));
	close(e.fd);
}

/* abi §4.10: a HWPT_PAGING pt_id asks for a nested HWPT. */
TEST(hwpt_alloc_on_paging_parent)
{
	uint32_t parent = 0, out = 0;
	struct mock_env e;

	REQUIRE(env_setup(&e));
	REQUIRE_OK(hwpt_alloc_simple(e.fd, e.idev, e.ioas, IOMMU_HWPT_ALLOC_NEST_PARENT, &parent));
	/* Without driver data a nested HWPT is EOPNOTSUPP (whatever the parent). */
	CHECK_ERR(hwpt_alloc_simple(e.fd, e.idev, parent, 0, &out), EOPNOTSUPP);
	CHECK_ERR(hwpt_alloc_simple(e.fd, e.idev, e.hwpt, 0, &out), EOPNOTSUPP);
	/* Flags beyond FAULT_ID_VALID | PASID too. */
	CHECK_ERR(hwpt_alloc_simple(e.fd, e.idev, parent, IOMMU_HWPT_ALLOC_NEST_PARENT, &out),
		  EOPNOTSUPP);
	CHECK_EQ(next_id(e.fd), 6);
	close(e.fd);
}

/* testops §3.2: the flavour of the mock table (iommu_hwpt_selftest.pagetable_type). */
TEST(hwpt_alloc_mock_pagetable_type)
{
	uint64_t iova;
	uint8_t *buf = map_buf_aligned(4 * PAGE, PAGE);
	struct iommu_hwpt_selftest data = { .iotlb = 0x1234 };
	uint32_t ioas2 = 0, ioas3 = 0, huge = 0, def = 0, def2 = 0, out = 0;
	struct mock_env e;

	REQUIRE(env_setup(&e) && buf);
	REQUIRE_OK(ioas_alloc(e.fd, &ioas2));
	/* HUGE: the smallest page is PAGE_SIZE, so the IOAS alignment becomes PAGE_SIZE. */
	REQUIRE_OK(hwpt_alloc_mock_pt(e.fd, e.idev, ioas2, 0, MOCK_IOMMUPT_HUGE, &huge));
	CHECK_EQ(ioas_alignment(e.fd, ioas2), PAGE);
	/* Adding a DEFAULT table keeps the larger of the two. */
	REQUIRE_OK(hwpt_alloc_mock_pt(e.fd, e.idev, ioas2, 0, MOCK_IOMMUPT_DEFAULT, &def));
	CHECK_EQ(ioas_alignment(e.fd, ioas2), PAGE);
	CHECK(range_is(e.fd, ioas2, MOCK_START, MOCK_LAST, PAGE));
	CHECK_OK(iommu_destroy(e.fd, huge));
	CHECK_EQ(ioas_alignment(e.fd, ioas2), MOCK_PAGE_SIZE);
	/* Data of the minimum length (iotlb only) selects DEFAULT. */
	CHECK_OK(hwpt_alloc_data(e.fd, e.idev, ioas2, 0, IOMMU_HWPT_DATA_SELFTEST, &data,
				 sizeof(data.iotlb), &def2));
	CHECK_EQ(ioas_alignment(e.fd, ioas2), MOCK_PAGE_SIZE);
	/* Unknown table types are refused by the mock. */
	data.pagetable_type = 7;
	CHECK_ERR(hwpt_alloc_data(e.fd, e.idev, ioas2, 0, IOMMU_HWPT_DATA_SELFTEST, &data,
				  sizeof(data), &out), EOPNOTSUPP);
	/* Raising the alignment past a 2048-aligned area: EADDRINUSE (abi §3.4). */
	REQUIRE_OK(ioas_alloc(e.fd, &ioas3));
	iova = MOCK_START + MOCK_PAGE_SIZE;
	REQUIRE_OK(ioas_map(e.fd, ioas3, buf + MOCK_PAGE_SIZE, PAGE, &iova, MAP_FIXED_RW));
	CHECK_ERR(hwpt_alloc_mock_pt(e.fd, e.idev, ioas3, 0, MOCK_IOMMUPT_HUGE, &out),
		  EADDRINUSE);
	CHECK_EQ(ioas_alignment(e.fd, ioas3), 1);
	CHECK_OK(hwpt_alloc_mock_pt(e.fd, e.idev, ioas3, 0, MOCK_IOMMUPT_DEFAULT, &out));
	CHECK_OK(md_check_map(e.fd, out, iova, buf + MOCK_PAGE_SIZE, PAGE));
	CHECK_ERR(hwpt_alloc_mock_pt(e.fd, e.idev, ioas3, 0, MOCK_IOMMUPT_HUGE, &huge),
		  EADDRINUSE);
	CHECK_OK(ioas_unmap_all(e.fd, ioas3, NULL));
	CHECK_OK(hwpt_alloc_mock_pt(e.fd, e.idev, ioas3, 0, MOCK_IOMMUPT_HUGE, &huge));
	CHECK_EQ(ioas_alignment(e.fd, ioas3), PAGE);
	/* The HUGE table maps exactly the user memory at PAGE_SIZE granularity. */
	iova = MOCK_START;
	CHECK_OK(ioas_map(e.fd, ioas3, buf, 4 * PAGE, &iova, MAP_FIXED_RW));
	CHECK_OK(md_check_map(e.fd, huge, MOCK_START, buf, 4 * PAGE));
	CHECK_ERR(md_check_map(e.fd, huge, MOCK_START, buf, MOCK_PAGE_SIZE), EINVAL);
	close(e.fd);
}

/* ------------------------------------------------------------------------ */
/* testops §4.10, abi §5: MOCK_DOMAIN_REPLACE                                */

TEST(replace_rules)
{
	uint64_t len = 4 * PAGE, iova = 0;
	uint8_t *buf = map_buf_aligned(len, PAGE);
	uint32_t user = 0, pt, ioas2 = 0, auto2, s2 = 0, h2 = 0;
	struct iommu_test_cmd cmd;
	struct mock_env e;

	REQUIRE(env_setup(&e) && buf);
	REQUIRE_OK(ioas_map(e.fd, e.ioas, buf, len, &iova, MAP_RW));
	REQUIRE_OK(hwpt_alloc_simple(e.fd, e.idev, e.ioas, 0, &user));
	CHECK_EQ(user, 5);
	/* To the user HWPT: the auto domain loses its only device and is freed. */
	pt = user;
	CHECK_OK(mock_domain_replace(e.fd, e.stdev, &pt));
	CHECK_EQ(pt, user);
	CHECK_ERR(iommu_destroy(e.fd, e.hwpt), ENOENT);
	CHECK_ERR(md_check_map(e.fd, e.hwpt, iova, buf, len), ENOENT);
	pt = e.hwpt;
	CHECK_ERR(mock_domain_replace(e.fd, e.stdev, &pt), ENOENT);
	CHECK_ERR(iommu_destroy(e.fd, user), EBUSY);
	/* The same HWPT again: a no-op. */
	pt = user;
	CHECK_OK(mock_domain_replace(e.fd, e.stdev, &pt));
	CHECK_EQ(pt, user);
	/* Back to the IOAS: a new auto domain, its ID written back. */
	pt = e.ioas;
	CHECK_OK(mock_domain_replace(e.fd, e.stdev, &pt));
	CHECK(pt != e.ioas && pt != user);
	CHECK_EQ(pt, e.hwpt);	/* the lowest free ID (abi §3.2) */
	CHECK_OK(md_check_map(e.fd, pt, iova, buf, len));
	CHECK_ERR(iommu_destroy(e.fd, pt), EBUSY);
	CHECK_OK(iommu_destroy(e.fd, user));
	CHECK_OK(md_check_refs(e.fd, buf, len, 1));
	e.hwpt = pt;
	/* To the IOAS it is on: the same auto domain, nothing changes. */
	pt = e.ioas;
	CHECK_OK(mock_domain_replace(e.fd, e.stdev, &pt));
	CHECK_EQ(pt, e.hwpt);
	pt = e.hwpt;
	CHECK_OK(mock_domain_replace(e.fd, e.stdev, &pt));
	CHECK_EQ(pt, e.hwpt);
	CHECK_ERR(iommu_destroy(e.fd, e.hwpt), EBUSY);
	/* Failures keep the current attachment and write nothing back. */
	test_cmd_init(&cmd, IOMMU_TEST_OP_MOCK_DOMAIN_REPLACE, e.stdev);
	cmd.mock_domain_replace.pt_id = NO_ID;
	CHECK_ERR(ioctl(e.fd, IOMMU_TEST_CMD, &cmd), ENOENT);
	CHECK_EQ(cmd.mock_domain_replace.pt_id, NO_ID);
	cmd.mock_domain_replace.pt_id = 0;
	CHECK_ERR(ioctl(e.fd, IOMMU_TEST_CMD, &cmd), ENOENT);
	cmd.mock_domain_replace.pt_id = e.idev;
	CHECK_ERR(ioctl(e.fd, IOMMU_TEST_CMD, &cmd), EINVAL);
	CHECK_EQ(cmd.mock_domain_replace.pt_id, e.idev);
	cmd.mock_domain_replace.pt_id = e.stdev;
	CHECK_ERR(ioctl(e.fd, IOMMU_TEST_CMD, &cmd), EINVAL);
	CHECK_ERR(iommu_destroy(e.fd, e.hwpt), EBUSY);
	CHECK_OK(md_check_map(e.fd, e.hwpt, iova, buf, len));
	/* The id must be a SELFTEST object. */
	pt = e.ioas;
	CHECK_ERR(mock_domain_replace(e.fd, e.idev, &pt), ENOENT);
	CHECK_ERR(mock_domain_replace(e.fd, e.ioas, &pt), ENOENT);
	CHECK_ERR(mock_domain_replace(e.fd, NO_ID, &pt), ENOENT);
	/* A device leaving a shared auto domain leaves it to the other. */
	REQUIRE_OK(mock_domain(e.fd, e.ioas, &s2, &h2, NULL));
	CHECK_EQ(h2, e.hwpt);
	REQUIRE_OK(hwpt_alloc_simple(e.fd, e.idev, e.ioas, 0, &user));
	pt = user;
	CHECK_OK(mock_domain_replace(e.fd, s2, &pt));
	CHECK_ERR(iommu_destroy(e.fd, e.hwpt), EBUSY);
	CHECK_OK(md_check_map(e.fd, e.hwpt, iova, buf, len));
	CHECK_OK(iommu_destroy(e.fd, s2));
	CHECK_OK(iommu_destroy(e.fd, user));
	CHECK_ERR(iommu_destroy(e.fd, e.hwpt), EBUSY);
	/* To another IOAS: the old IOAS is released with its auto domain. */
	REQUIRE_OK(ioas_alloc(e.fd, &ioas2));
	auto2 = ioas2;
	CHECK_OK(mock_domain_replace(e.fd, e.stdev, &auto2));
	CHECK(auto2 != ioas2 && auto2 != e.hwpt);
	CHECK(range_is(e.fd, ioas2, MOCK_START, MOCK_LAST, MOCK_PAGE_SIZE));
	CHECK_ERR(iommu_destroy(e.fd, e.hwpt), ENOENT);
	CHECK_OK(md_check_refs(e.fd, buf, len, 0));
	CHECK(range_is(e.fd, e.ioas, 0, UINT64_MAX, 1));
	CHECK_OK(iommu_destroy(e.fd, e.ioas));
	CHECK_ERR(iommu_destroy(e.fd, ioas2), EBUSY);
	CHECK_OK(iommu_destroy(e.fd, e.stdev));
	CHECK_ERR(iommu_destroy(e.fd, auto2), ENOENT);
	CHECK_OK(iommu_destroy(e.fd, ioas2));
	close(e.fd);
}

/* abi §5 (dirty enforcement), testops §4.12, selftest enforce_dirty. */
TEST(replace_dirty_to_no_dirty)
{
	uint32_t dirty = 0, nd_stdev = 0, nd_hwpt = 0, nd_idev = 0, pt, s = 0, h = 0;
	struct iommu_test_cmd cmd;
	struct mock_env e;

	REQUIRE(env_setup(&e));
	REQUIRE_OK(hwpt_alloc_simple(e.fd, e.idev, e.ioas, IOMMU_HWPT_ALLOC_DIRTY_TRACKING,
				     &dirty));
	/* A dirty-capable device attaches to it; a NO_DIRTY one cannot. */
	CHECK_OK(mock_domain(e.fd, dirty, &s, &h, NULL));
	CHECK_EQ(h, dirty);
	CHECK_ERR(mock_domain_flags(e.fd, dirty, MOCK_FLAGS_DEVICE_NO_DIRTY, NULL, NULL, NULL),
		  EINVAL);
	REQUIRE_OK(mock_domain_flags(e.fd, e.ioas, MOCK_FLAGS_DEVICE_NO_DIRTY, &nd_stdev,
				     &nd_hwpt, &nd_idev));
	/* NO_DIRTY devices still share the auto domain (it has no dirty ops). */
	CHECK_EQ(nd_hwpt, e.hwpt);
	test_cmd_init(&cmd, IOMMU_TEST_OP_MOCK_DOMAIN_REPLACE, nd_stdev);
	cmd.mock_domain_replace.pt_id = dirty;
	CHECK_ERR(ioctl(e.fd, IOMMU_TEST_CMD, &cmd), EINVAL);
	CHECK_EQ(cmd.mock_domain_replace.pt_id, dirty);
	/* Still on the auto domain. */
	CHECK_OK(iommu_destroy(e.fd, e.stdev));
	CHECK_ERR(iommu_destroy(e.fd, e.hwpt), EBUSY);
	/* The dirty-capable device can move to it. */
	pt = dirty;
	CHECK_OK(iommu_destroy(e.fd, s));
	CHECK_OK(mock_domain_flags(e.fd, e.ioas, 0, &s, NULL, NULL));
	CHECK_OK(mock_domain_replace(e.fd, s, &pt));
	CHECK_EQ(pt, dirty);
	CHECK_ERR(iommu_destroy(e.fd, dirty), EBUSY);
	CHECK_OK(iommu_destroy(e.fd, nd_stdev));
	CHECK_ERR(iommu_destroy(e.fd, e.hwpt), ENOENT);
	close(e.fd);
}

/* ------------------------------------------------------------------------ */
/* abi §4.11: IOMMU_GET_HW_INFO                                              */

TEST(get_hw_info_data)
{
	struct iommu_test_hw_info exact;
	uint8_t larger[24], smaller[8], *guard;
	struct iommu_hw_info cmd;
	uint32_t len, type;
	uint64_t caps;
	uint8_t pasid;
	unsigned int i;
	bool tail_zero = true;
	struct mock_env e;

	REQUIRE(env_setup(&e));
	/* Exact size. */
	memset(&exact, 0xa5, sizeof(exact));
	len = sizeof(exact);
	type = 0;
	CHECK_OK(get_hw_info(e.fd, e.idev, &exact, &len, &type, &caps, &pasid));
	CHECK_EQ(len, 8);
	CHECK_EQ(type, IOMMU_HW_INFO_TYPE_SELFTEST);
	CHECK_EQ(exact.flags, 0);
	CHECK_EQ(exact.test_reg, IOMMU_HW_INFO_SELFTEST_REGVAL);
	/* Larger: the driver's 8 bytes, then zeros up to data_len. */
	memset(larger, 0xa5, sizeof(larger));
	len = sizeof(larger);
	CHECK_OK(get_hw_info(e.fd, e.idev, larger, &len, NULL, NULL, NULL));
	CHECK_EQ(len, 8);
	memcpy(&exact, larger, sizeof(exact));
	CHECK_EQ(exact.test_reg, IOMMU_HW_INFO_SELFTEST_REGVAL);
	for (i = 8; i < sizeof(larger); i++)
		if (larger[i])
			tail_zero = false;
	CHECK(tail_zero);
	/* Smaller: only data_len bytes are written; data_len returns the full size. */
	memset(smaller, 0xa5, sizeof(smaller));
	len = 4;
	CHECK_OK(get_hw_info(e.fd, e.idev, smaller, &len, NULL, NULL, NULL));
	CHECK_EQ(len, 8);
	CHECK_EQ(smaller[0] | smaller[1] | smaller[2] | smaller[3], 0);
	CHECK_EQ(smaller[4] & smaller[5] & smaller[6] & smaller[7], 0xa5);
	/* data_len 0: any pointer, nothing written. */
	len = 0;
	CHECK_OK(get_hw_info(e.fd, e.idev, NULL, &len, &type, NULL, NULL));
	CHECK_EQ(len, 8);
	CHECK_EQ(type, IOMMU_HW_INFO_TYPE_SELFTEST);
	len = 0;
	CHECK_OK(get_hw_info(e.fd, e.idev, BAD_PTR, &len, NULL, NULL, NULL));
	CHECK_EQ(len, 8);
	/* A bad buffer with a length: EFAULT. */
	len = 8;
	CHECK_ERR(get_hw_info(e.fd, e.idev, BAD_PTR, &len, NULL, NULL, NULL), EFAULT);
	/* The zero-filled tail is written too: a tail in unmapped memory faults. */
	guard = map_buf_aligned(2 * PAGE, PAGE);
	REQUIRE(guard);
	REQUIRE_OK(mprotect(guard + PAGE, PAGE, PROT_NONE));
	len = 16;
	CHECK_ERR(get_hw_info(e.fd, e.idev, guard + PAGE - 8, &len, NULL, NULL, NULL), EFAULT);
	len = 8;
	CHECK_OK(get_hw_info(e.fd, e.idev, guard + PAGE - 8, &len, NULL, NULL, NULL));
	memcpy(&exact, guard + PAGE - 8, sizeof(exact));
	CHECK_EQ(exact.test_reg, IOMMU_HW_INFO_SELFTEST_REGVAL);

	/* Only the minimum size (32): out_capabilities is not written back (abi §2.2). */
	{
		struct iommu_hw_info big;

		memset(&big, 0, sizeof(big));
		big.size = offsetof(struct iommu_hw_info, out_capabilities);
		big.dev_id = e.idev;
		big.out_capabilities = 0x5555;
		CHECK_OK(ioctl(e.fd, IOMMU_GET_HW_INFO, &big));
		CHECK_EQ(big.out_capabilities, 0x5555);
		CHECK_EQ(big.out_data_type, IOMMU_HW_INFO_TYPE_SELFTEST);
		CHECK_EQ(big.data_len, 8);
	}

	/* Output-only fields carry no input: garbage in them is ignored. */
	memset(&cmd, 0, sizeof(cmd));
	cmd.size = sizeof(cmd);
	cmd.dev_id = e.idev;
	cmd.in_data_type = 0x1234;
	cmd.out_max_pasid_log2 = 0xff;
	cmd.out_capabilities = ~0ull;
	CHECK_OK(ioctl(e.fd, IOMMU_GET_HW_INFO, &cmd));
	CHECK_EQ(cmd.out_data_type, IOMMU_HW_INFO_TYPE_SELFTEST);
	CHECK_EQ(cmd.out_max_pasid_log2, 0);
	CHECK_EQ(cmd.out_capabilities,
		 IOMMU_HW_CAP_DIRTY_TRACKING | IOMMU_HW_CAP_PCI_ATS_NOT_SUPPORTED);
	close(e.fd);
}

TEST(get_hw_info_errors)
{
	struct iommu_test_hw_info data;
	struct iommu_hw_info cmd;
	unsigned int i;
	struct mock_env e;

	REQUIRE(env_setup(&e));
	/* flags other than INPUT_TYPE → EOPNOTSUPP, before the device lookup. */
	memset(&cmd, 0, sizeof(cmd));
	cmd.size = sizeof(cmd);
	cmd.dev_id = NO_ID;
	cmd.flags = 1u << 1;
	CHECK_ERR(ioctl(e.fd, IOMMU_GET_HW_INFO, &cmd), EOPNOTSUPP);
	cmd.dev_id = e.idev;
	cmd.flags = 1u << 31;
	CHECK_ERR(ioctl(e.fd, IOMMU_GET_HW_INFO, &cmd), EOPNOTSUPP);
	/* Each reserved byte → EOPNOTSUPP, before the device lookup. */
	for (i = 0; i < 3; i++) {
		memset(&cmd, 0, sizeof(cmd));
		cmd.size = sizeof(cmd);
		cmd.dev_id = NO_ID;
		cmd.__reserved[i] = 1;
		CHECK_ERR(ioctl(e.fd, IOMMU_GET_HW_INFO, &cmd), EOPNOTSUPP);
	}
	/* dev_id must be a DEVICE. */
	CHECK_ERR(get_hw_info(e.fd, NO_ID, NULL, NULL, NULL, NULL, NULL), ENOENT);
	CHECK_ERR(get_hw_info(e.fd, 0, NULL, NULL, NULL, NULL, NULL), ENOENT);
	CHECK_ERR(get_hw_info(e.fd, e.ioas, NULL, NULL, NULL, NULL, NULL), ENOENT);
	CHECK_ERR(get_hw_info(e.fd, e.stdev, NULL, NULL, NULL, NULL, NULL), ENOENT);
	CHECK_ERR(get_hw_info(e.fd, e.hwpt, NULL, NULL, NULL, NULL, NULL), ENOENT);
	/* INPUT_TYPE: DEFAULT and the mock's type work, anything else is EOPNOTSUPP. */
	memset(&cmd, 0, sizeof(cmd));
	cmd.size = sizeof(cmd);
	cmd.dev_id = e.idev;
	cmd.flags = IOMMU_HW_INFO_FLAG_INPUT_TYPE;
	cmd.data_len = sizeof(data);
	cmd.data_uptr = (uintptr_t)&data;
	cmd.in_data_type = IOMMU_HW_INFO_TYPE_SELFTEST + 1;
	CHECK_ERR(ioctl(e.fd, IOMMU_GET_HW_INFO, &cmd), EOPNOTSUPP);
	cmd.in_data_type = IOMMU_HW_INFO_TYPE_INTEL_VTD;
	CHECK_ERR(ioctl(e.fd, IOMMU_GET_HW_INFO, &cmd), EOPNOTSUPP);
	cmd.in_data_type = IOMMU_HW_INFO_TYPE_ARM_SMMUV3;
	CHECK_ERR(ioctl(e.fd, IOMMU_GET_HW_INFO, &cmd), EOPNOTSUPP);
	cmd.in_data_type = IOMMU_HW_INFO_TYPE_SELFTEST;
	memset(&data, 0, sizeof(data));
	CHECK_OK(ioctl(e.fd, IOMMU_GET_HW_INFO, &cmd));
	CHECK_EQ(cmd.out_data_type, IOMMU_HW_INFO_TYPE_SELFTEST);
	CHECK_EQ(data.test_reg, IOMMU_HW_INFO_SELFTEST_REGVAL);
	cmd.in_data_type = IOMMU_HW_INFO_TYPE_DEFAULT;
	cmd.data_len = sizeof(data);
	CHECK_OK(ioctl(e.fd, IOMMU_GET_HW_INFO, &cmd));
	CHECK_EQ(cmd.out_data_type, IOMMU_HW_INFO_TYPE_SELFTEST);
	/* Without INPUT_TYPE the requested type is ignored. */
	cmd.flags = 0;
	cmd.in_data_type = IOMMU_HW_INFO_TYPE_INTEL_VTD;
	cmd.data_len = sizeof(data);
	CHECK_OK(ioctl(e.fd, IOMMU_GET_HW_INFO, &cmd));
	CHECK_EQ(cmd.out_data_type, IOMMU_HW_INFO_TYPE_SELFTEST);
	close(e.fd);
}

TEST(get_hw_info_capabilities)
{
	uint32_t nd = 0, pas = 0, both = 0;
	uint64_t caps = 0;
	uint8_t pasid = 0xff;
	struct mock_env e;

	REQUIRE(env_setup(&e));
	REQUIRE_OK(mock_domain_flags(e.fd, e.ioas, MOCK_FLAGS_DEVICE_NO_DIRTY, NULL, NULL, &nd));
	REQUIRE_OK(mock_domain_flags(e.fd, e.ioas, MOCK_FLAGS_DEVICE_PASID, NULL, NULL, &pas));
	REQUIRE_OK(mock_domain_flags(e.fd, e.ioas,
				     MOCK_FLAGS_DEVICE_NO_DIRTY | MOCK_FLAGS_DEVICE_PASID, NULL,
				     NULL, &both));
	CHECK_OK(get_hw_info(e.fd, e.idev, NULL, NULL, NULL, &caps, &pasid));
	CHECK_EQ(caps, IOMMU_HW_CAP_DIRTY_TRACKING | IOMMU_HW_CAP_PCI_ATS_NOT_SUPPORTED);
	CHECK_EQ(pasid, 0);
	pasid = 0xff;
	CHECK_OK(get_hw_info(e.fd, nd, NULL, NULL, NULL, &caps, &pasid));
	CHECK_EQ(caps, IOMMU_HW_CAP_PCI_ATS_NOT_SUPPORTED);
	CHECK_EQ(pasid, 0);
	CHECK_OK(get_hw_info(e.fd, pas, NULL, NULL, NULL, &caps, &pasid));
	CHECK_EQ(caps, IOMMU_HW_CAP_DIRTY_TRACKING | IOMMU_HW_CAP_PCI_ATS_NOT_SUPPORTED);
	CHECK_EQ(pasid, MOCK_PASID_WIDTH);
	pasid = 0;
	CHECK_OK(get_hw_info(e.fd, both, NULL, NULL, NULL, &caps, &pasid));
	CHECK_EQ(caps, IOMMU_HW_CAP_PCI_ATS_NOT_SUPPORTED);
	CHECK_EQ(pasid, MOCK_PASID_WIDTH);
	close(e.fd);
}

/* ------------------------------------------------------------------------ */
/* abi §4.12, §4.13, testops §4.13: dirty tracking                          */

#define DIRTY_LEN (320 * 1024ull)	/* 160 mock pages: two u64 words and a tail */

/*
 * An IOAS (dirty.ioas) with DIRTY_LEN bytes of buf mapped at MOCK_START, and
 * a DIRTY_TRACKING HWPT on it (dirty.hwpt) allocated through a device
 * attached to another IOAS. As in the selftest fixture, large pages are off
 * for the DEFAULT table (alignment PAGE_SIZE).
 */
struct dirty_env {
	struct mock_env m;
	uint32_t ioas, hwpt;
	uint8_t *buf;
	uint8_t *space;		/* 2 pages for bitmaps at odd offsets */
};

static bool dirty_setup(struct dirty_env *d)
{
	uint64_t iova = MOCK_START;

	memset(d, 0, sizeof(*d));
	if (!env_setup(&d->m))
		return false;
	d->buf = map_buf_aligned(DIRTY_LEN, SZ_2M);
	d->space = map_buf_aligned(2 * PAGE, PAGE);
	if (!d->buf || !d->space || ioas_alloc(d->m.fd, &d->ioas) ||
	    option_set(d->m.fd, IOMMU_OPTION_HUGE_PAGES, d->ioas, 0) ||
	    ioas_map(d->m.fd, d->ioas, d->buf, DIRTY_LEN, &iova, MAP_FIXED_RW) ||
	    hwpt_alloc_simple(d->m.fd, d->m.idev, d->ioas, IOMMU_HWPT_ALLOC_DIRTY_TRACKING,
			      &d->hwpt))
		return false;
	return true;
}

/* Mark, through the DIRTY op at @page_size, the units i of [iova, iova + len) with want(i). */
static int mark_dirty(int fd, uint32_t hwpt, uint64_t iova, uint64_t len, uint64_t page_size,
		      bool (*want)(uint64_t i, uint64_t arg), uint64_t arg, uint64_t *nr)
{
	uint64_t nbits = len / page_size, i;
	uint8_t *bm = calloc(1, (nbits + 7) / 8 + 8);
	int ret;

	if (!bm)
		return -1;
	for (i = 0; i < nbits; i++)
		if (want(i, arg))
			bm[i / 8] |= 1u << (i % 8);
	ret = mock_dirty(fd, hwpt, iova, len, page_size, bm, nr);
	free(bm);
	return ret;
}

static bool every_nth(uint64_t i, uint64_t n)
{
	return i % n == 0;
}

static bool none(uint64_t i, uint64_t arg)
{
	return false;
}

static bool all(uint64_t i, uint64_t arg)
{
	return true;
}

static uint64_t count_want(uint64_t nbits, bool (*want)(uint64_t i, uint64_t arg), uint64_t arg)
{
	uint64_t i, n = 0;

	for (i = 0; i < nbits; i++)
		n += want(i, arg);
	return n;
}

/*
 * The bitmap at space + off has exactly the bits want(i) for i < nbits, and
 * every other byte of the 2-page space is @fill (bits are only ever set).
 */
static bool bitmap_is(const uint8_t *space, uint64_t off, uint64_t nbits,
		      bool (*want)(uint64_t i, uint64_t arg), uint64_t arg, uint8_t fill)
{
	uint64_t b, i;

	for (b = 0; b < 2 * PAGE; b++) {
		uint8_t exp = fill;

		if (b >= off && b < off + (nbits + 7) / 8) {
			for (i = (b - off) * 8; i < (b - off) * 8 + 8 && i < nbits; i++)
				if (want(i, arg))
					exp |= 1u << (i % 8);
		}
		if (space[b] != exp) {
			fprintf(stderr, "# bitmap byte %lld (from bit %lld): 0x%02x, expected "
				"0x%02x\n", (long long)(b - off), (long long)(b - off) * 8,
				space[b], exp);
			return false;
		}
	}
	return true;
}

TEST(set_dirty_tracking_rules)
{
	struct iommu_hwpt_set_dirty_tracking cmd;
	uint32_t plain = 0;
	struct dirty_env d;

	REQUIRE(dirty_setup(&d));
	/* flags other than ENABLE → EOPNOTSUPP, before the lookup. */
	memset(&cmd, 0, sizeof(cmd));
	cmd.size = sizeof(cmd);
	cmd.flags = 2;
	cmd.hwpt_id = NO_ID;
	CHECK_ERR(ioctl(d.m.fd, IOMMU_HWPT_SET_DIRTY_TRACKING, &cmd), EOPNOTSUPP);
	cmd.flags = 3;
	cmd.hwpt_id = d.hwpt;
	CHECK_ERR(ioctl(d.m.fd, IOMMU_HWPT_SET_DIRTY_TRACKING, &cmd), EOPNOTSUPP);
	/* Not a paging HWPT → ENOENT. */
	CHECK_ERR(hwpt_set_dirty_tracking(d.m.fd, d.ioas, 1), ENOENT);
	CHECK_ERR(hwpt_set_dirty_tracking(d.m.fd, d.m.idev, 1), ENOENT);
	CHECK_ERR(hwpt_set_dirty_tracking(d.m.fd, d.m.stdev, 0), ENOENT);
	CHECK_ERR(hwpt_set_dirty_tracking(d.m.fd, NO_ID, 1), ENOENT);
	CHECK_ERR(hwpt_set_dirty_tracking(d.m.fd, 0, 1), ENOENT);
	/* Without DIRTY_TRACKING at allocation → EOPNOTSUPP (enable and disable). */
	CHECK_ERR(hwpt_set_dirty_tracking(d.m.fd, d.m.hwpt, 1), EOPNOTSUPP);
	CHECK_ERR(hwpt_set_dirty_tracking(d.m.fd, d.m.hwpt, 0), EOPNOTSUPP);
	REQUIRE_OK(hwpt_alloc_simple(d.m.fd, d.m.idev, d.ioas, 0, &plain));
	CHECK_ERR(hwpt_set_dirty_tracking(d.m.fd, plain, 1), EOPNOTSUPP);
	/* __reserved is not checked (abi §4.12). */
	memset(&cmd, 0, sizeof(cmd));
	cmd.size = sizeof(cmd);
	cmd.hwpt_id = d.hwpt;
	cmd.__reserved = 0xffffffffu;
	CHECK_OK(ioctl(d.m.fd, IOMMU_HWPT_SET_DIRTY_TRACKING, &cmd));
	/* Toggling is idempotent. */
	CHECK_OK(hwpt_set_dirty_tracking(d.m.fd, d.hwpt, 1));
	CHECK_OK(hwpt_set_dirty_tracking(d.m.fd, d.hwpt, 1));
	CHECK_OK(hwpt_set_dirty_tracking(d.m.fd, d.hwpt, 0));
	CHECK_OK(hwpt_set_dirty_tracking(d.m.fd, d.hwpt, 0));
	/* A device attached to the dirty HWPT changes nothing (selftest set_dirty_tracking). */
	CHECK_OK(mock_domain(d.m.fd, d.hwpt, NULL, NULL, NULL));
	CHECK_OK(hwpt_set_dirty_tracking(d.m.fd, d.hwpt, 1));
	CHECK_OK(hwpt_set_dirty_tracking(d.m.fd, d.hwpt, 0));
	close(d.m.fd);
}

TEST(dirty_op_rules)
{
	uint64_t nr = 0, bits = ~0ull;
	void *none_page = no_access_page();
	struct dirty_env d;

	REQUIRE(dirty_setup(&d) && none_page);
	/* Tracking is off: EINVAL, for the DIRTY op and for the mock's read (abi §4.13). */
	CHECK_ERR(mock_dirty(d.m.fd, d.hwpt, MOCK_START, 64 * MOCK_PAGE_SIZE, MOCK_PAGE_SIZE,
			     &bits, &nr), EINVAL);
	CHECK_ERR(hwpt_get_dirty_bitmap(d.m.fd, d.hwpt, MOCK_START, 64 * MOCK_PAGE_SIZE, PAGE,
					&bits, 0), EINVAL);
	REQUIRE_OK(hwpt_set_dirty_tracking(d.m.fd, d.hwpt, 1));
	CHECK_OK(mock_dirty(d.m.fd, d.hwpt, MOCK_START, 64 * MOCK_PAGE_SIZE, MOCK_PAGE_SIZE,
			    &bits, &nr));
	CHECK_EQ(nr, 64);
	bits = 0x5;
	CHECK_OK(mock_dirty(d.m.fd, d.hwpt, MOCK_START, 8 * PAGE, PAGE, &bits, &nr));
	CHECK_EQ(nr, 2);
	/* Argument checks (EINVAL) come before the HWPT lookup. */
	CHECK_ERR(mock_dirty(d.m.fd, NO_ID, MOCK_START, PAGE, 0, &bits, &nr), EINVAL);
	CHECK_ERR(mock_dirty(d.m.fd, NO_ID, MOCK_START, 0, PAGE, &bits, &nr), EINVAL);
	CHECK_ERR(mock_dirty(d.m.fd, NO_ID, MOCK_START + 1024, PAGE, PAGE, &bits, &nr), EINVAL);
	CHECK_ERR(mock_dirty(d.m.fd, NO_ID, MOCK_START, PAGE + 1024, PAGE, &bits, &nr), EINVAL);
	CHECK_ERR(mock_dirty(d.m.fd, NO_ID, MOCK_START, PAGE, PAGE, NULL, &nr), EINVAL);
	/* The id must be a mock paging HWPT. */
	CHECK_ERR(mock_dirty(d.m.fd, NO_ID, MOCK_START, PAGE, PAGE, &bits, &nr), ENOENT);
	CHECK_ERR(mock_dirty(d.m.fd, d.ioas, MOCK_START, PAGE, PAGE, &bits, &nr), ENOENT);
	CHECK_ERR(mock_dirty(d.m.fd, d.m.idev, MOCK_START, PAGE, PAGE, &bits, &nr), ENOENT);
	/* A HWPT without dirty ops is never "enabled". */
	CHECK_ERR(mock_dirty(d.m.fd, d.m.hwpt, MOCK_START, PAGE, PAGE, &bits, &nr), EINVAL);
	/* The bitmap is read from user memory. */
	CHECK_ERR(mock_dirty(d.m.fd, d.hwpt, MOCK_START, PAGE, PAGE, none_page, &nr), EFAULT);
	/* Disabled again: EINVAL. */
	REQUIRE_OK(hwpt_set_dirty_tracking(d.m.fd, d.hwpt, 0));
	CHECK_ERR(mock_dirty(d.m.fd, d.hwpt, MOCK_START, PAGE, PAGE, &bits, &nr), EINVAL);
	close(d.m.fd);
}

/* selftest get_dirty_bitmap: page sizes 2048/4096/8192, bitmaps at +0, +2048, +0xff1. */
TEST(get_dirty_bitmap_sizes_and_offsets)
{
	static const uint64_t sizes[] = { MOCK_PAGE_SIZE, 4096, 8192 };
	static const uint64_t offs[] = { 0, 2048, 0xff1 };
	unsigned int s, o;
	struct dirty_env d;

	REQUIRE(dirty_setup(&d));
	REQUIRE_OK(hwpt_set_dirty_tracking(d.m.fd, d.hwpt, 1));
	for (s = 0; s < 3; s++) {
		for (o = 0; o < 3; o++) {
			uint64_t ps = sizes[s], nbits = DIRTY_LEN / ps, nr = 0;
			uint8_t *bm = d.space + offs[o];

			/* Nothing dirty yet. */
			memset(d.space, 0, 2 * PAGE);
			CHECK_OK(hwpt_get_dirty_bitmap(d.m.fd, d.hwpt, MOCK_START, DIRTY_LEN, ps,
						       bm, 0));
			CHECK(bitmap_is(d.space, offs[o], nbits, none, 0, 0));
			/* Every other unit. */
			CHECK_OK(mark_dirty(d.m.fd, d.hwpt, MOCK_START, DIRTY_LEN, ps, every_nth,
					    2, &nr));
			CHECK_EQ(nr, nbits / 2);
			memset(d.space, 0, 2 * PAGE);
			CHECK_OK(hwpt_get_dirty_bitmap(d.m.fd, d.hwpt, MOCK_START, DIRTY_LEN, ps,
						       bm, 0));
			CHECK(bitmap_is(d.space, offs[o], nbits, every_nth, 2, 0));
			/* Read and cleared: nothing the second time. */
			memset(d.space, 0, 2 * PAGE);
			CHECK_OK(hwpt_get_dirty_bitmap(d.m.fd, d.hwpt, MOCK_START, DIRTY_LEN, ps,
						       bm, 0));
			CHECK(bitmap_is(d.space, offs[o], nbits, none, 0, 0));
		}
	}
	close(d.m.fd);
}

/* selftest get_dirty_bitmap_no_clear. */
TEST(get_dirty_bitmap_no_clear)
{
	const uint64_t nbits = DIRTY_LEN / MOCK_PAGE_SIZE;
	uint64_t nr = 0;
	struct dirty_env d;

	REQUIRE(dirty_setup(&d));
	REQUIRE_OK(hwpt_set_dirty_tracking(d.m.fd, d.hwpt, 1));
	CHECK_OK(mark_dirty(d.m.fd, d.hwpt, MOCK_START, DIRTY_LEN, MOCK_PAGE_SIZE, every_nth, 3,
			    &nr));
	CHECK_EQ(nr, count_want(nbits, every_nth, 3));
	memset(d.space, 0, 2 * PAGE);
	CHECK_OK(hwpt_get_dirty_bitmap(d.m.fd, d.hwpt, MOCK_START, DIRTY_LEN, MOCK_PAGE_SIZE,
				       d.space + 0xff1, IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR));
	CHECK(bitmap_is(d.space, 0xff1, nbits, every_nth, 3, 0));
	memset(d.space, 0, 2 * PAGE);
	CHECK_OK(hwpt_get_dirty_bitmap(d.m.fd, d.hwpt, MOCK_START, DIRTY_LEN, MOCK_PAGE_SIZE,
				       d.space, IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR));
	CHECK(bitmap_is(d.space, 0, nbits, every_nth, 3, 0));
	/* A default read still sees them, and clears them. */
	memset(d.space, 0, 2 * PAGE);
	CHECK_OK(hwpt_get_dirty_bitmap(d.m.fd, d.hwpt, MOCK_START, DIRTY_LEN, MOCK_PAGE_SIZE,
				       d.space + 2048, 0));
	CHECK(bitmap_is(d.space, 2048, nbits, every_nth, 3, 0));
	memset(d.space, 0, 2 * PAGE);
	CHECK_OK(hwpt_get_dirty_bitmap(d.m.fd, d.hwpt, MOCK_START, DIRTY_LEN, MOCK_PAGE_SIZE,
				       d.space, IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR));
	CHECK(bitmap_is(d.space, 0, nbits, none, 0, 0));
	close(d.m.fd);
}

/* Units larger than a leaf, sub-ranges, set-only bits, enable clears (abi §4.12, §4.13). */
TEST(get_dirty_bitmap_semantics)
{
	const uint64_t n2k = DIRTY_LEN / MOCK_PAGE_SIZE;
	uint64_t nr = 0, sub = MOCK_START + 16 * MOCK_PAGE_SIZE;
	struct dirty_env d;

	REQUIRE(dirty_setup(&d));
	REQUIRE_OK(hwpt_set_dirty_tracking(d.m.fd, d.hwpt, 1));
	/* 2 KiB units 0, 4, 8, ...: every other 4 KiB unit, every 8 KiB unit. */
	CHECK_OK(mark_dirty(d.m.fd, d.hwpt, MOCK_START, DIRTY_LEN, MOCK_PAGE_SIZE, every_nth, 4,
			    &nr));
	memset(d.space, 0, 2 * PAGE);
	CHECK_OK(hwpt_get_dirty_bitmap(d.m.fd, d.hwpt, MOCK_START, DIRTY_LEN, 4096, d.space,
				       IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR));
	CHECK(bitmap_is(d.space, 0, DIRTY_LEN / 4096, every_nth, 2, 0));
	memset(d.space, 0, 2 * PAGE);
	CHECK_OK(hwpt_get_dirty_bitmap(d.m.fd, d.hwpt, MOCK_START, DIRTY_LEN, 8192, d.space,
				       IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR));
	CHECK(bitmap_is(d.space, 0, DIRTY_LEN / 8192, all, 0, 0));
	memset(d.space, 0, 2 * PAGE);
	CHECK_OK(hwpt_get_dirty_bitmap(d.m.fd, d.hwpt, MOCK_START, DIRTY_LEN, MOCK_PAGE_SIZE,
				       d.space, 0));
	CHECK(bitmap_is(d.space, 0, n2k, every_nth, 4, 0));

	/* A sub-range: bit 0 is its first unit; only it is cleared. */
	CHECK_OK(mark_dirty(d.m.fd, d.hwpt, MOCK_START, DIRTY_LEN, MOCK_PAGE_SIZE, every_nth, 3,
			    &nr));
	memset(d.space, 0, 2 * PAGE);
	CHECK_OK(hwpt_get_dirty_bitmap(d.m.fd, d.hwpt, sub, 32 * MOCK_PAGE_SIZE, MOCK_PAGE_SIZE,
				       d.space + 1, 0));
	{
		/* Units 16..47 of the area: 18, 21, ... are dirty, i.e. i % 3 == 2. */
		uint64_t i;
		bool ok = true;

		for (i = 0; i < 32; i++)
			if (!!(d.space[1 + i / 8] & (1u << (i % 8))) != ((16 + i) % 3 == 0))
				ok = false;
		CHECK(ok);
		CHECK_EQ(d.space[0], 0);
		CHECK_EQ(d.space[5], 0);
	}
	memset(d.space, 0, 2 * PAGE);
	CHECK_OK(hwpt_get_dirty_bitmap(d.m.fd, d.hwpt, MOCK_START, DIRTY_LEN, MOCK_PAGE_SIZE,
				       d.space, 0));
	{
		uint64_t i;
		bool ok = true;

		for (i = 0; i < n2k; i++) {
			bool want = i % 3 == 0 && (i < 16 || i >= 48);

			if (!!(d.space[i / 8] & (1u << (i % 8))) != want)
				ok = false;
		}
		CHECK(ok);
	}

	/* Bits are only set, never cleared: a pre-filled bitmap stays full. */
	CHECK_OK(mark_dirty(d.m.fd, d.hwpt, MOCK_START, DIRTY_LEN, MOCK_PAGE_SIZE, every_nth, 2,
			    &nr));
	memset(d.space, 0xff, 2 * PAGE);
	CHECK_OK(hwpt_get_dirty_bitmap(d.m.fd, d.hwpt, MOCK_START, DIRTY_LEN, MOCK_PAGE_SIZE,
				       d.space + 2048, 0));
	CHECK(bitmap_is(d.space, 2048, n2k, all, 0, 0xff));
	memset(d.space, 0, 2 * PAGE);
	CHECK_OK(hwpt_get_dirty_bitmap(d.m.fd, d.hwpt, MOCK_START, DIRTY_LEN, MOCK_PAGE_SIZE,
				       d.space, 0));
	CHECK(bitmap_is(d.space, 0, n2k, none, 0, 0));

	/* Enabling starts from a clean state (abi §4.12). */
	CHECK_OK(mark_dirty(d.m.fd, d.hwpt, MOCK_START, DIRTY_LEN, MOCK_PAGE_SIZE, all, 0, &nr));
	CHECK_EQ(nr, n2k);
	CHECK_OK(hwpt_set_dirty_tracking(d.m.fd, d.hwpt, 0));
	CHECK_OK(hwpt_set_dirty_tracking(d.m.fd, d.hwpt, 1));
	memset(d.space, 0, 2 * PAGE);
	CHECK_OK(hwpt_get_dirty_bitmap(d.m.fd, d.hwpt, MOCK_START, DIRTY_LEN, MOCK_PAGE_SIZE,
				       d.space, 0));
	CHECK(bitmap_is(d.space, 0, n2k, none, 0, 0));
	close(d.m.fd);
}

TEST(get_dirty_bitmap_errors)
{
	struct iommu_hwpt_get_dirty_bitmap cmd;
	const uint64_t L = 64 * 1024;
	uint64_t nr = 0, iova;
	uint8_t *ro = map_buf_aligned(PAGE, PAGE);
	void *none_page = no_access_page();
	int fd;
	struct dirty_env d;

	REQUIRE(dirty_setup(&d) && ro && none_page);
	fd = d.m.fd;
	REQUIRE_OK(hwpt_set_dirty_tracking(fd, d.hwpt, 1));
	/* flags beyond NO_CLEAR, __reserved → EOPNOTSUPP, before the lookup. */
	memset(&cmd, 0, sizeof(cmd));
	cmd.size = sizeof(cmd);
	cmd.hwpt_id = NO_ID;
	cmd.flags = 2;
	cmd.iova = MOCK_START;
	cmd.length = L;
	cmd.page_size = PAGE;
	cmd.data = (uintptr_t)d.space;
	CHECK_ERR(ioctl(fd, IOMMU_HWPT_GET_DIRTY_BITMAP, &cmd), EOPNOTSUPP);
	cmd.flags = 0;
	cmd.__reserved = 1;
	cmd.hwpt_id = d.hwpt;
	CHECK_ERR(ioctl(fd, IOMMU_HWPT_GET_DIRTY_BITMAP, &cmd), EOPNOTSUPP);
	/* Not a paging HWPT → ENOENT, before the range checks. */
	CHECK_ERR(hwpt_get_dirty_bitmap(fd, NO_ID, MOCK_START, 0, 0, d.space, 0), ENOENT);
	CHECK_ERR(hwpt_get_dirty_bitmap(fd, d.ioas, MOCK_START, L, PAGE, d.space, 0), ENOENT);
	CHECK_ERR(hwpt_get_dirty_bitmap(fd, d.m.idev, MOCK_START, L, PAGE, d.space, 0), ENOENT);
	/* Overflow → EOVERFLOW (length 0 wraps too), before alignment and dirty ops. */
	CHECK_ERR(hwpt_get_dirty_bitmap(fd, d.hwpt, UINT64_MAX - PAGE + 1, 2 * PAGE, PAGE,
					d.space, 0), EOVERFLOW);
	CHECK_ERR(hwpt_get_dirty_bitmap(fd, d.hwpt, MOCK_START, 0, PAGE, d.space, 0), EOVERFLOW);
	CHECK_ERR(hwpt_get_dirty_bitmap(fd, d.m.hwpt, UINT64_MAX - 1024, 2048, 3, d.space, 0),
		  EOVERFLOW);
	/* iova and end aligned to the IOAS alignment (PAGE_SIZE here), and to page_size. */
	CHECK_ERR(hwpt_get_dirty_bitmap(fd, d.hwpt, MOCK_START + MOCK_PAGE_SIZE, L,
					MOCK_PAGE_SIZE, d.space, 0), EINVAL);
	CHECK_ERR(hwpt_get_dirty_bitmap(fd, d.hwpt, MOCK_START, L + MOCK_PAGE_SIZE,
					MOCK_PAGE_SIZE, d.space, 0), EINVAL);
	CHECK_ERR(hwpt_get_dirty_bitmap(fd, d.hwpt, MOCK_START, L, 0, d.space, 0), EINVAL);
	CHECK_ERR(hwpt_get_dirty_bitmap(fd, d.hwpt, MOCK_START + PAGE, L, 8192, d.space, 0),
		  EINVAL);
	CHECK_ERR(hwpt_get_dirty_bitmap(fd, d.hwpt, MOCK_START, 3 * PAGE, 8192, d.space, 0),
		  EINVAL);
	/* A HWPT without dirty ops: the range checks first, then EOPNOTSUPP. */
	CHECK_ERR(hwpt_get_dirty_bitmap(fd, d.m.hwpt, MOCK_START + 1024, L, PAGE, d.space, 0),
		  EINVAL);
	CHECK_ERR(hwpt_get_dirty_bitmap(fd, d.m.hwpt, MOCK_START, L, PAGE, d.space, 0),
		  EOPNOTSUPP);
	/* Unmapped holes → EINVAL. */
	CHECK_ERR(hwpt_get_dirty_bitmap(fd, d.hwpt, MOCK_START - 8192, L, PAGE, d.space, 0),
		  EINVAL);
	CHECK_ERR(hwpt_get_dirty_bitmap(fd, d.hwpt, MOCK_START + DIRTY_LEN - 8192, 2 * 8192, PAGE,
					d.space, 0), EINVAL);
	CHECK_ERR(hwpt_get_dirty_bitmap(fd, d.hwpt, MOCK_START + DIRTY_LEN + L, L, PAGE, d.space,
					0), EINVAL);
	/* Adjacent areas have no hole between them; a gap does. */
	iova = MOCK_START + DIRTY_LEN;
	REQUIRE_OK(ioas_map(fd, d.ioas, d.buf, L, &iova, MAP_FIXED_RW));
	CHECK_OK(hwpt_get_dirty_bitmap(fd, d.hwpt, MOCK_START + DIRTY_LEN - 8192, 2 * 8192, PAGE,
				       d.space, 0));
	iova = MOCK_START + DIRTY_LEN + 2 * L;
	REQUIRE_OK(ioas_map(fd, d.ioas, d.buf, L, &iova, MAP_FIXED_RW));
	CHECK_ERR(hwpt_get_dirty_bitmap(fd, d.hwpt, MOCK_START, DIRTY_LEN + 3 * L, PAGE, d.space,
					0), EINVAL);
	CHECK_OK(hwpt_get_dirty_bitmap(fd, d.hwpt, MOCK_START, DIRTY_LEN + L, PAGE, d.space, 0));
	/* Unmapped again: a hole. */
	CHECK_OK(ioas_unmap(fd, d.ioas, MOCK_START + DIRTY_LEN, L, NULL));
	CHECK_ERR(hwpt_get_dirty_bitmap(fd, d.hwpt, MOCK_START + DIRTY_LEN, L, PAGE, d.space, 0),
		  EINVAL);

	/* Bitmap memory that cannot be written → EFAULT, with and without dirty state. */
	CHECK_OK(mark_dirty(fd, d.hwpt, MOCK_START, L, PAGE, all, 0, &nr));
	CHECK_ERR(hwpt_get_dirty_bitmap(fd, d.hwpt, MOCK_START, L, PAGE, BAD_PTR,
					IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR), EFAULT);
	CHECK_ERR(hwpt_get_dirty_bitmap(fd, d.hwpt, MOCK_START, L, PAGE, none_page,
					IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR), EFAULT);
	REQUIRE_OK(mprotect(ro, PAGE, PROT_READ));
	CHECK_ERR(hwpt_get_dirty_bitmap(fd, d.hwpt, MOCK_START, L, PAGE, ro,
					IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR), EFAULT);
	/*
	 * Nothing dirty: still EFAULT, as Linux pins the bitmap pages for write
	 * before it reads the IOPTEs (iova_bitmap_for_each()).
	 */
	memset(d.space, 0, PAGE);
	CHECK_OK(hwpt_get_dirty_bitmap(fd, d.hwpt, MOCK_START, L, PAGE, d.space, 0));
	CHECK_ERR(hwpt_get_dirty_bitmap(fd, d.hwpt, MOCK_START, L, PAGE, BAD_PTR, 0), EFAULT);
	CHECK_ERR(hwpt_get_dirty_bitmap(fd, d.hwpt, MOCK_START, L, PAGE, ro, 0), EFAULT);
	close(fd);
}

/*
 * The HUGE mock table maps 1 MiB-aligned, physically contiguous runs with
 * 1 MiB leaves, so dirty state is per 1 MiB: one 2 KiB mark sets 512 bits at
 * page_size 2048 (testops §3.2, abi §4.13). Needs hugetlb-backed memory.
 */
TEST(get_dirty_bitmap_huge_leaves)
{
	const uint64_t nbits = SZ_2M / MOCK_PAGE_SIZE;
	uint64_t iova = MOCK_START, nr = 0, i;
	uint32_t ioas = 0, hwpt = 0;
	uint8_t *huge, *space;
	bool ok = true;
	struct mock_env e;

	huge = mmap(NULL, SZ_2M, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB | MAP_POPULATE, -1, 0);
	if (huge == MAP_FAILED) {
		printf("# SKIP get_dirty_bitmap_huge_leaves: no hugetlb memory (%s)\n",
		       strerror(errno));
		return;
	}
	space = map_buf_aligned(2 * PAGE, PAGE);
	REQUIRE(env_setup(&e) && space);
	REQUIRE_OK(ioas_alloc(e.fd, &ioas));
	REQUIRE_OK(ioas_map(e.fd, ioas, huge, SZ_2M, &iova, MAP_FIXED_RW));
	REQUIRE_OK(hwpt_alloc_mock_pt(e.fd, e.idev, ioas, IOMMU_HWPT_ALLOC_DIRTY_TRACKING,
				      MOCK_IOMMUPT_HUGE, &hwpt));
	REQUIRE_OK(hwpt_set_dirty_tracking(e.fd, hwpt, 1));
	CHECK_OK(md_check_map(e.fd, hwpt, MOCK_START, huge, SZ_2M));
	/* One 2 KiB mark in the first 1 MiB. */
	CHECK_OK(mark_dirty(e.fd, hwpt, MOCK_START, MOCK_PAGE_SIZE, MOCK_PAGE_SIZE, all, 0, &nr));
	CHECK_EQ(nr, 1);
	memset(space, 0, 2 * PAGE);
	CHECK_OK(hwpt_get_dirty_bitmap(e.fd, hwpt, MOCK_START, SZ_2M, MOCK_PAGE_SIZE, space, 0));
	for (i = 0; i < nbits; i++)
		if (!!(space[i / 8] & (1u << (i % 8))) != (i < 512))
			ok = false;
	CHECK(ok);
	/* One mark inside the second 1 MiB, at page_size 4096. */
	CHECK_OK(mark_dirty(e.fd, hwpt, MOCK_START + SZ_1M + 5 * PAGE, PAGE, PAGE, all, 0, &nr));
	memset(space, 0, 2 * PAGE);
	CHECK_OK(hwpt_get_dirty_bitmap(e.fd, hwpt, MOCK_START, SZ_2M, MOCK_PAGE_SIZE, space, 0));
	ok = true;
	for (i = 0; i < nbits; i++)
		if (!!(space[i / 8] & (1u << (i % 8))) != (i >= 512))
			ok = false;
	CHECK(ok);
	close(e.fd);
	munmap(huge, SZ_2M);
}

HARNESS_MAIN()
