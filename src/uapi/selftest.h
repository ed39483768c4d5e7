/* SPDX-License-Identifier: BSD-3-Clause */
/* IOMMU_TEST_CMD ops, one handler each (spec iommufd-testops §4). */
#ifndef SIO_UAPI_SELFTEST_H
#define SIO_UAPI_SELFTEST_H

#include <stdbool.h>

#include <softiommu/uapi/iommufd_test.h>

#include "uapi/ucmd.h"

int sio_test_mock_domain(struct sio_ucmd *ucmd, struct iommu_test_cmd *cmd, uint32_t dev_flags);
int sio_test_mock_domain_replace(struct sio_ucmd *ucmd, struct iommu_test_cmd *cmd);
int sio_test_md_check_map(struct sio_ucmd *ucmd, struct iommu_test_cmd *cmd);
int sio_test_md_check_refs(struct sio_ucmd *ucmd, struct iommu_test_cmd *cmd);
int sio_test_dirty(struct sio_ucmd *ucmd, struct iommu_test_cmd *cmd);
int sio_test_dev_check_cache(struct sio_ucmd *ucmd, struct iommu_test_cmd *cmd);
int sio_test_trigger_iopf(struct sio_ucmd *ucmd, struct iommu_test_cmd *cmd);
int sio_test_pasid_attach(struct sio_ucmd *ucmd, struct iommu_test_cmd *cmd);
int sio_test_pasid_replace(struct sio_ucmd *ucmd, struct iommu_test_cmd *cmd);
int sio_test_pasid_detach(struct sio_ucmd *ucmd, struct iommu_test_cmd *cmd);
int sio_test_pasid_check_hwpt(struct sio_ucmd *ucmd, struct iommu_test_cmd *cmd);
int sio_test_md_check_iotlb(struct sio_ucmd *ucmd, struct iommu_test_cmd *cmd);
int sio_test_create_access(struct sio_ucmd *ucmd, struct iommu_test_cmd *cmd);
int sio_test_destroy_access_pages(struct sio_ucmd *ucmd, struct iommu_test_cmd *cmd);
int sio_test_access_pages(struct sio_ucmd *ucmd, struct iommu_test_cmd *cmd);
int sio_test_access_rw(struct sio_ucmd *ucmd, struct iommu_test_cmd *cmd);
int sio_test_access_replace_ioas(struct sio_ucmd *ucmd, struct iommu_test_cmd *cmd);
/* DMABUF_GET returns the new fd (>= 0) as the ioctl's value. */
int sio_test_dmabuf_get(struct sio_ucmd *ucmd, struct iommu_test_cmd *cmd);
int sio_test_dmabuf_revoke(struct sio_ucmd *ucmd, struct iommu_test_cmd *cmd);

struct sio_device;

/* Zero slot @id (every slot with @all) of the cache of mock device @dev. */
void sio_test_mock_cache_clear(struct sio_device *dev, bool all, uint32_t id);

struct sio_file;
struct sio_dmabuf;

/* The dma-buf behind an emulated file, or NULL for any other kind of file. */
struct sio_dmabuf *sio_test_dmabuf_of(struct sio_file *file);

#endif /* SIO_UAPI_SELFTEST_H */
