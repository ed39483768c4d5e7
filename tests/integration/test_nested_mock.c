/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The selftest mock's nested HWPTs (spec iommufd-abi §4.10, §4.14;
 * iommufd-testops §3.3, §4.14): HWPT_ALLOC on a NEST_PARENT paging HWPT
 * with IOMMU_HWPT_DATA_SELFTEST, its fake IOTLB read by MD_CHECK_IOTLB,
 * and IOMMU_HWPT_INVALIDATE with selftest entries: per-entry validation,
 * processing stops at the first bad entry, entry_num always written back.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#define HARNESS_ISOLATE
#include "harness.h"
#include "iommufd_helpers.h"

struct nest_env {
	int fd;
	uint32_t ioas, stdev, idev, auto_hwpt, parent, plain;
};

static void setup(struct nest_env *e)
{
	e->fd = iommufd_open();
	REQUIRE(e->fd >= 0);
	REQUIRE_OK(ioas_alloc(e->fd, &e->ioas));
	REQUIRE_OK(mock_domain(e->fd, e->ioas, &e->stdev, &e->auto_hwpt, &e->idev));
	REQUIRE_OK(hwpt_alloc_simple(e->fd, e->idev, e->ioas, IOMMU_HWPT_ALLOC_NEST_PARENT,
				     &e->parent));
	REQUIRE_OK(hwpt_alloc_simple(e->fd, e->idev, e->ioas, 0, &e->plain));
}

static int nested_alloc(int fd, uint32_t idev, uint32_t pt, uint32_t flags, uint32_t type,
			const void *data, uint32_t len, uint32_t *out)
{
	struct iommu_hwpt_alloc cmd = {
		.size = sizeof(cmd), .flags = flags, .dev_id = idev, .pt_id = pt,
		.data_type = type, .data_len = len, .data_uptr = (uintptr_t)data,
	};
	int rc = ioctl(fd, IOMMU_HWPT_ALLOC, &cmd);

	if (out)
		*out = cmd.out_hwpt_id;
	return rc;
}

static int check_iotlb(int fd, uint32_t hwpt, uint32_t id, uint32_t value)
{
	struct iommu_test_cmd cmd = {
		.size = sizeof(cmd), .op = IOMMU_TEST_OP_MD_CHECK_IOTLB, .id = hwpt,
		.check_iotlb = { .id = id, .iotlb = value },
	};

	return ioctl(fd, IOMMU_TEST_CMD, &cmd);
}

static int invalidate(int fd, uint32_t hwpt, uint32_t type, const void *entries,
		      uint32_t entry_len, uint32_t *entry_num)
{
	struct iommu_hwpt_invalidate cmd = {
		.size = sizeof(cmd), .hwpt_id = hwpt, .data_uptr = (uintptr_t)entries,
		.data_type = type, .entry_len = entry_len, .entry_num = *entry_num,
	};
	int rc = ioctl(fd, IOMMU_HWPT_INVALIDATE, &cmd);

	*entry_num = cmd.entry_num;
	return rc;
}

TEST(nested_alloc_rules)
{
	struct iommu_hwpt_selftest data = { .iotlb = IOMMU_TEST_IOTLB_DEFAULT };
	struct nest_env e;
	uint32_t nested = 0;

	setup(&e);
	/* Flags beyond FAULT_ID_VALID | PASID; no data at all. */
	CHECK_ERR(nested_alloc(e.fd, e.idev, e.parent, IOMMU_HWPT_ALLOC_NEST_PARENT,
			       IOMMU_HWPT_DATA_SELFTEST, &data, sizeof(data), NULL), EOPNOTSUPP);
	CHECK_ERR(nested_alloc(e.fd, e.idev, e.parent, 0, IOMMU_HWPT_DATA_NONE, NULL, 0, NULL),
		  EOPNOTSUPP);
	/* The parent: an automatic domain, or not NEST_PARENT. */
	CHECK_ERR(nested_alloc(e.fd, e.idev, e.auto_hwpt, 0, IOMMU_HWPT_DATA_SELFTEST, &data,
			       sizeof(data), NULL), EINVAL);
	CHECK_ERR(nested_alloc(e.fd, e.idev, e.plain, 0, IOMMU_HWPT_DATA_SELFTEST, &data,
			       sizeof(data), NULL), EINVAL);
	/* The mock's data rules: type, then length and pointer (§2.4). */
	CHECK_ERR(nested_alloc(e.fd, e.idev, e.parent, 0, IOMMU_HWPT_DATA_VTD_S1, &data,
			       sizeof(data), NULL), EOPNOTSUPP);
	CHECK_ERR(nested_alloc(e.fd, e.idev, e.parent, 0, IOMMU_HWPT_DATA_SELFTEST, &data, 3,
			       NULL), EINVAL);
	CHECK_ERR(nested_alloc(e.fd, e.idev, e.parent, 0, IOMMU_HWPT_DATA_SELFTEST, &data,
			       sizeof(data) + 1, NULL), EINVAL);
	CHECK_ERR(nested_alloc(e.fd, e.idev, e.parent, 0, IOMMU_HWPT_DATA_SELFTEST, NULL,
			       sizeof(data), NULL), EFAULT);
	/* A nested HWPT is no parent for another. */
	REQUIRE_OK(nested_alloc(e.fd, e.idev, e.parent, 0, IOMMU_HWPT_DATA_SELFTEST, &data, 4,
				&nested));
	CHECK_ERR(nested_alloc(e.fd, e.idev, nested, 0, IOMMU_HWPT_DATA_SELFTEST, &data,
			       sizeof(data), NULL), EINVAL);
	for (uint32_t i = 0; i < MOCK_NESTED_DOMAIN_IOTLB_NUM; i++)
		CHECK_OK(check_iotlb(e.fd, nested, i, IOMMU_TEST_IOTLB_DEFAULT));
	CHECK_ERR(check_iotlb(e.fd, nested, MOCK_NESTED_DOMAIN_IOTLB_ID_MAX + 1,
			      IOMMU_TEST_IOTLB_DEFAULT), EINVAL);
	CHECK_ERR(check_iotlb(e.fd, nested, 0, 0), EINVAL);
	/* MD_CHECK_IOTLB takes a nested HWPT only. */
	CHECK_ERR(check_iotlb(e.fd, e.parent, 0, IOMMU_TEST_IOTLB_DEFAULT), ENOENT);
	/* The nested HWPT holds its parent; a device can use it. */
	CHECK_ERR(iommu_destroy(e.fd, e.parent), EBUSY);
	uint32_t pt = nested;
	CHECK_OK(mock_domain_replace(e.fd, e.stdev, &pt));
	CHECK_ERR(iommu_destroy(e.fd, nested), EBUSY);
	pt = e.ioas;
	CHECK_OK(mock_domain_replace(e.fd, e.stdev, &pt));
	CHECK_OK(iommu_destroy(e.fd, nested));
	CHECK_OK(iommu_destroy(e.fd, e.parent));
	close(e.fd);
}

TEST(nested_invalidate)
{
	struct iommu_hwpt_selftest data = { .iotlb = IOMMU_TEST_IOTLB_DEFAULT };
	struct iommu_hwpt_invalidate_selftest inv[2];
	struct nest_env e;
	uint32_t nested = 0, num;

	setup(&e);
	REQUIRE_OK(nested_alloc(e.fd, e.idev, e.parent, 0, IOMMU_HWPT_DATA_SELFTEST, &data,
				sizeof(data), &nested));
	/* Array sanity before any lookup; entry_num written back as 0. */
	num = 1;
	CHECK_ERR(invalidate(e.fd, nested, IOMMU_HWPT_INVALIDATE_DATA_SELFTEST, NULL,
			     sizeof(inv[0]), &num), EINVAL);
	CHECK_EQ(num, 0);
	num = 1;
	CHECK_ERR(invalidate(e.fd, nested, IOMMU_HWPT_INVALIDATE_DATA_SELFTEST, inv, 0, &num),
		  EINVAL);
	num = 1;
	CHECK_ERR(invalidate(e.fd, 9999, IOMMU_HWPT_INVALIDATE_DATA_SELFTEST, inv,
			     sizeof(inv[0]), &num), ENOENT);
	CHECK_EQ(num, 0);
	/* Targets: a paging HWPT or an IOAS is not one. */
	num = 0;
	CHECK_ERR(invalidate(e.fd, e.parent, IOMMU_HWPT_INVALIDATE_DATA_SELFTEST, inv,
			     sizeof(inv[0]), &num), EINVAL);
	num = 0;
	CHECK_ERR(invalidate(e.fd, e.ioas, IOMMU_HWPT_INVALIDATE_DATA_SELFTEST, inv,
			     sizeof(inv[0]), &num), EINVAL);
	/* An empty array probes the type. */
	num = 0;
	CHECK_ERR(invalidate(e.fd, nested, IOMMU_HWPT_INVALIDATE_DATA_SELFTEST_INVALID, inv,
			     sizeof(inv[0]), &num), EINVAL);
	num = 0;
	CHECK_OK(invalidate(e.fd, nested, IOMMU_HWPT_INVALIDATE_DATA_SELFTEST, inv,
			    sizeof(inv[0]), &num));
	/* Entry length rules. */
	memset(inv, 0, sizeof(inv));
	num = 1;
	CHECK_ERR(invalidate(e.fd, nested, IOMMU_HWPT_INVALIDATE_DATA_SELFTEST, inv, 1, &num),
		  EINVAL);
	CHECK_EQ(num, 0);
	num = 1;
	CHECK_ERR(invalidate(e.fd, nested, IOMMU_HWPT_INVALIDATE_DATA_SELFTEST, inv,
			     sizeof(inv[0]) + 1, &num), EINVAL);
	/* One entry clears one slot. */
	inv[0] = (struct iommu_hwpt_invalidate_selftest){ .iotlb_id = 1 };
	num = 1;
	CHECK_OK(invalidate(e.fd, nested, IOMMU_HWPT_INVALIDATE_DATA_SELFTEST, inv,
			    sizeof(inv[0]), &num));
	CHECK_EQ(num, 1);
	CHECK_OK(check_iotlb(e.fd, nested, 1, 0));
	CHECK_OK(check_iotlb(e.fd, nested, 2, IOMMU_TEST_IOTLB_DEFAULT));
	/* Processing stops at the first bad entry; the good ones count. */
	inv[0] = (struct iommu_hwpt_invalidate_selftest){ .iotlb_id = 0 };
	inv[1] = (struct iommu_hwpt_invalidate_selftest){ .iotlb_id = 4 };
	num = 2;
	CHECK_ERR(invalidate(e.fd, nested, IOMMU_HWPT_INVALIDATE_DATA_SELFTEST, inv,
			     sizeof(inv[0]), &num), EINVAL);
	CHECK_EQ(num, 1);
	CHECK_OK(check_iotlb(e.fd, nested, 0, 0));
	inv[0] = (struct iommu_hwpt_invalidate_selftest){ .flags = 2 };
	num = 1;
	CHECK_ERR(invalidate(e.fd, nested, IOMMU_HWPT_INVALIDATE_DATA_SELFTEST, inv,
			     sizeof(inv[0]), &num), EOPNOTSUPP);
	CHECK_EQ(num, 0);
	/* FLAG_ALL clears all four. */
	inv[0] = (struct iommu_hwpt_invalidate_selftest){ .flags = IOMMU_TEST_INVALIDATE_FLAG_ALL };
	num = 1;
	CHECK_OK(invalidate(e.fd, nested, IOMMU_HWPT_INVALIDATE_DATA_SELFTEST, inv,
			    sizeof(inv[0]), &num));
	CHECK_OK(check_iotlb(e.fd, nested, 3, 0));
	CHECK_OK(check_iotlb(e.fd, nested, 2, 0));
	close(e.fd);
}

HARNESS_MAIN()
