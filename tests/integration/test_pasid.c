/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * PASID attach, replace and detach through the selftest ops (spec
 * iommufd-abi §5, iommufd-testops §4.18–4.21): compatibility rules, EBUSY
 * for an attached PASID, replace of an unattached one, the mock's PASID 1024
 * whose replacement fails (ENOMEM) keeping the old domain, and
 * PASID_CHECK_HWPT.
 */
#include <errno.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <unistd.h>

#define HARNESS_ISOLATE
#include "harness.h"
#include "iommufd_helpers.h"

static int pasid_op(int fd, uint32_t op, uint32_t stdev, uint32_t pasid, uint32_t *pt_id)
{
	struct iommu_test_cmd cmd;
	int rc;

	test_cmd_init(&cmd, op, stdev);
	/* pasid_attach, pasid_replace, pasid_detach and pasid_check share the layout. */
	cmd.pasid_attach.pasid = pasid;
	cmd.pasid_attach.pt_id = pt_id ? *pt_id : 0;
	rc = ioctl(fd, IOMMU_TEST_CMD, &cmd);
	if (!rc && pt_id && op == IOMMU_TEST_OP_PASID_ATTACH)
		*pt_id = cmd.pasid_attach.pt_id;
	return rc;
}

struct pasid_env {
	int fd;
	uint32_t ioas, stdev, idev, rid_hwpt, plain, compat, compat2;
};

/* A PASID-capable mock device whose RID sits on a PASID-compatible HWPT. */
static void setup(struct pasid_env *e, uint32_t dev_flags)
{
	e->fd = iommufd_open();
	REQUIRE(e->fd >= 0);
	REQUIRE_OK(ioas_alloc(e->fd, &e->ioas));
	REQUIRE_OK(mock_domain_flags(e->fd, e->ioas, dev_flags, &e->stdev, &e->rid_hwpt,
				     &e->idev));
	REQUIRE_OK(hwpt_alloc_simple(e->fd, e->idev, e->ioas, 0, &e->plain));
	REQUIRE_OK(hwpt_alloc_simple(e->fd, e->idev, e->ioas, IOMMU_HWPT_ALLOC_PASID, &e->compat));
	REQUIRE_OK(hwpt_alloc_simple(e->fd, e->idev, e->ioas, IOMMU_HWPT_ALLOC_PASID,
				     &e->compat2));
}

TEST(pasid_device_required)
{
	struct pasid_env e;
	uint32_t pt;

	setup(&e, 0);
	pt = e.compat;
	CHECK_ERR(pasid_op(e.fd, IOMMU_TEST_OP_PASID_ATTACH, e.stdev, 1, &pt), EINVAL);
	pt = e.compat;
	CHECK_ERR(pasid_op(e.fd, IOMMU_TEST_OP_PASID_ATTACH, 9999, 1, &pt), ENOENT);
	close(e.fd);
}

TEST(pasid_attach_rules)
{
	struct pasid_env e;
	uint32_t pt;

	setup(&e, MOCK_FLAGS_DEVICE_PASID);
	/* The RID is on an automatic domain, which is not PASID-compatible. */
	pt = e.compat;
	CHECK_ERR(pasid_op(e.fd, IOMMU_TEST_OP_PASID_ATTACH, e.stdev, 1, &pt), EINVAL);
	pt = e.compat;
	REQUIRE_OK(mock_domain_replace(e.fd, e.stdev, &pt));
	/* A non-compatible HWPT, an IOAS, a missing ID. */
	pt = e.plain;
	CHECK_ERR(pasid_op(e.fd, IOMMU_TEST_OP_PASID_ATTACH, e.stdev, 1, &pt), EINVAL);
	pt = e.ioas;
	CHECK_ERR(pasid_op(e.fd, IOMMU_TEST_OP_PASID_ATTACH, e.stdev, 1, &pt), EINVAL);
	pt = 9999;
	CHECK_ERR(pasid_op(e.fd, IOMMU_TEST_OP_PASID_ATTACH, e.stdev, 1, &pt), ENOENT);
	/* Nothing attached yet. */
	CHECK_OK(pasid_op(e.fd, IOMMU_TEST_OP_PASID_CHECK_HWPT, e.stdev, 1, NULL));
	pt = e.compat;
	CHECK_OK(pasid_op(e.fd, IOMMU_TEST_OP_PASID_ATTACH, e.stdev, 1, &pt));
	CHECK_EQ(pt, e.compat);
	pt = e.compat;
	CHECK_OK(pasid_op(e.fd, IOMMU_TEST_OP_PASID_CHECK_HWPT, e.stdev, 1, &pt));
	pt = e.compat2;
	CHECK_ERR(pasid_op(e.fd, IOMMU_TEST_OP_PASID_CHECK_HWPT, e.stdev, 1, &pt), EINVAL);
	CHECK_ERR(pasid_op(e.fd, IOMMU_TEST_OP_PASID_CHECK_HWPT, e.stdev, 1, NULL), EINVAL);
	/* Already attached: EBUSY; replace instead. */
	pt = e.compat2;
	CHECK_ERR(pasid_op(e.fd, IOMMU_TEST_OP_PASID_ATTACH, e.stdev, 1, &pt), EBUSY);
	pt = e.compat2;
	CHECK_OK(pasid_op(e.fd, IOMMU_TEST_OP_PASID_REPLACE, e.stdev, 1, &pt));
	pt = e.compat2;
	CHECK_OK(pasid_op(e.fd, IOMMU_TEST_OP_PASID_CHECK_HWPT, e.stdev, 1, &pt));
	/* The attachment holds the HWPT; the RID cannot leave PASID compatibility. */
	CHECK_ERR(iommu_destroy(e.fd, e.compat2), EBUSY);
	pt = e.plain;
	CHECK_ERR(mock_domain_replace(e.fd, e.stdev, &pt), EINVAL);
	/* Replace of an unattached PASID. */
	pt = e.compat;
	CHECK_ERR(pasid_op(e.fd, IOMMU_TEST_OP_PASID_REPLACE, e.stdev, 2, &pt), EINVAL);
	/* Detach, twice: the second is a silent no-op. */
	CHECK_OK(pasid_op(e.fd, IOMMU_TEST_OP_PASID_DETACH, e.stdev, 1, NULL));
	CHECK_OK(pasid_op(e.fd, IOMMU_TEST_OP_PASID_DETACH, e.stdev, 1, NULL));
	CHECK_OK(pasid_op(e.fd, IOMMU_TEST_OP_PASID_CHECK_HWPT, e.stdev, 1, NULL));
	CHECK_OK(iommu_destroy(e.fd, e.compat2));
	close(e.fd);
}

TEST(pasid_reserved_replace_fails)
{
	struct pasid_env e;
	uint32_t pt;

	setup(&e, MOCK_FLAGS_DEVICE_PASID);
	pt = e.compat;
	REQUIRE_OK(mock_domain_replace(e.fd, e.stdev, &pt));
	pt = e.compat;
	CHECK_OK(pasid_op(e.fd, IOMMU_TEST_OP_PASID_ATTACH, e.stdev, IOMMU_TEST_PASID_RESERVED,
			  &pt));
	/* The mock fails the second installation: ENOMEM, the old domain stays. */
	pt = e.compat2;
	CHECK_ERR(pasid_op(e.fd, IOMMU_TEST_OP_PASID_REPLACE, e.stdev, IOMMU_TEST_PASID_RESERVED,
			   &pt), ENOMEM);
	pt = e.compat;
	CHECK_OK(pasid_op(e.fd, IOMMU_TEST_OP_PASID_CHECK_HWPT, e.stdev, IOMMU_TEST_PASID_RESERVED,
			  &pt));
	/* Destroying the stdev detaches every PASID: the HWPTs become free. */
	CHECK_OK(iommu_destroy(e.fd, e.stdev));
	CHECK_OK(iommu_destroy(e.fd, e.compat));
	CHECK_OK(iommu_destroy(e.fd, e.compat2));
	close(e.fd);
}

HARNESS_MAIN()
