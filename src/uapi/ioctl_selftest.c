/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IOMMU_TEST_CMD, the kernel's selftest interface (CONFIG_IOMMUFD_TEST),
 * reachable when the context was opened with SIO_CTX_SELFTEST. Ops this
 * build does not implement answer EOPNOTSUPP, as the kernel does for an
 * unknown op.
 */
#include <errno.h>

#include <softiommu/uapi/iommufd_test.h>

#include "core/ioas.h"
#include "uapi/selftest.h"
#include "uapi/ucmd.h"

/* The kernel's pin batch limit; it changes no user-visible result. */
static unsigned int test_memory_limit = 65536;

static int test_add_reserved(struct sio_ucmd *ucmd, uint32_t ioas_id, uint64_t start,
			     uint64_t length)
{
	uint64_t last = start + length - 1;
	struct sio_ioas *ioas;
	int rc;

	ioas = sio_ioas_get(ucmd->ctx, ioas_id);
	if (!ioas)
		return -ENOENT;
	/*
	 * Linux computes the last address with wrap-around and inserts
	 * whatever results; an inverted range would corrupt the interval
	 * tree, so softiommu refuses it.
	 */
	if (last < start)
		rc = -EINVAL;
	else
		rc = sio_iopt_reserve(&ioas->iopt, start, last, NULL);
	sio_ioas_put(ioas);
	return rc;
}

int sio_ioctl_test_cmd(struct sio_ucmd *ucmd)
{
	struct iommu_test_cmd *cmd = ucmd->cmd;

	switch (cmd->op) {
	case IOMMU_TEST_OP_ADD_RESERVED:
		return test_add_reserved(ucmd, cmd->id, cmd->add_reserved.start,
					 cmd->add_reserved.length);
	case IOMMU_TEST_OP_MOCK_DOMAIN:
		return sio_test_mock_domain(ucmd, cmd, 0);
	case IOMMU_TEST_OP_MOCK_DOMAIN_FLAGS:
		return sio_test_mock_domain(ucmd, cmd, cmd->mock_domain_flags.dev_flags);
	case IOMMU_TEST_OP_MOCK_DOMAIN_REPLACE:
		return sio_test_mock_domain_replace(ucmd, cmd);
	case IOMMU_TEST_OP_MD_CHECK_MAP:
		return sio_test_md_check_map(ucmd, cmd);
	case IOMMU_TEST_OP_MD_CHECK_REFS:
		return sio_test_md_check_refs(ucmd, cmd);
	case IOMMU_TEST_OP_DIRTY:
		return sio_test_dirty(ucmd, cmd);
	case IOMMU_TEST_OP_DEV_CHECK_CACHE:
		return sio_test_dev_check_cache(ucmd, cmd);
	case IOMMU_TEST_OP_MD_CHECK_IOTLB:
		return sio_test_md_check_iotlb(ucmd, cmd);
	case IOMMU_TEST_OP_TRIGGER_IOPF:
		return sio_test_trigger_iopf(ucmd, cmd);
	case IOMMU_TEST_OP_PASID_ATTACH:
		return sio_test_pasid_attach(ucmd, cmd);
	case IOMMU_TEST_OP_PASID_REPLACE:
		return sio_test_pasid_replace(ucmd, cmd);
	case IOMMU_TEST_OP_PASID_DETACH:
		return sio_test_pasid_detach(ucmd, cmd);
	case IOMMU_TEST_OP_PASID_CHECK_HWPT:
		return sio_test_pasid_check_hwpt(ucmd, cmd);
	case IOMMU_TEST_OP_CREATE_ACCESS:
		return sio_test_create_access(ucmd, cmd);
	case IOMMU_TEST_OP_DESTROY_ACCESS_PAGES:
		return sio_test_destroy_access_pages(ucmd, cmd);
	case IOMMU_TEST_OP_ACCESS_PAGES:
		return sio_test_access_pages(ucmd, cmd);
	case IOMMU_TEST_OP_ACCESS_RW:
		return sio_test_access_rw(ucmd, cmd);
	case IOMMU_TEST_OP_ACCESS_REPLACE_IOAS:
		return sio_test_access_replace_ioas(ucmd, cmd);
	case IOMMU_TEST_OP_DMABUF_GET:
		return sio_test_dmabuf_get(ucmd, cmd);
	case IOMMU_TEST_OP_DMABUF_REVOKE:
		return sio_test_dmabuf_revoke(ucmd, cmd);
	case IOMMU_TEST_OP_SET_TEMP_MEMORY_LIMIT:
		if (cmd->memory_limit.limit < 12)
			return -EINVAL;
		__atomic_store_n(&test_memory_limit, cmd->memory_limit.limit, __ATOMIC_RELAXED);
		return 0;
	default:
		return -EOPNOTSUPP;
	}
}
