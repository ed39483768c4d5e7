/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "base/compiler.h"
#include "core/driver.h"

#define SZ_4K (1ull << 12)
#define SZ_2M (1ull << 21)
#define SZ_1G (1ull << 30)

/* The x86 interrupt window, reserved for MSIs behind VT-d. */
static const struct sio_resv_region vtd_resv[] = {
	{ 0xfee00000ull, 0xfeefffffull },
};

int sio_driver_paging_cfg(enum sio_iommu_type type, const struct sio_domain_request *req,
			  struct sio_domain_paging_cfg *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->nest_parent = req->nest_parent;
	cfg->pt.dirty_tracking = req->dirty_tracking;
	switch (type) {
	case SIO_IOMMU_VTD:
		/* Second-stage format: also what a nesting parent needs. */
		cfg->pt.format = SIO_PT_VTD_SS;
		cfg->pt.granule_lg2 = 12;
		cfg->pt.levels = 4;
		cfg->pt.ias = 48;
		cfg->pt.oas = 52;
		cfg->pt.pgsize_bitmap = SZ_4K | SZ_2M | SZ_1G;
		return 0;
	case SIO_IOMMU_SMMUV3:
		/* Linux uses stage 1 for plain domains and stage 2 for nest parents. */
		cfg->pt.format = req->nest_parent ? SIO_PT_ARM_S2 : SIO_PT_ARM_S1;
		cfg->pt.granule_lg2 = 12;
		cfg->pt.levels = 4;
		cfg->pt.ias = 48;
		cfg->pt.oas = 48;
		cfg->pt.pgsize_bitmap = SZ_4K | SZ_2M | SZ_1G;
		cfg->pt.hw_af = true;
		cfg->pt.hw_dirty = req->dirty_tracking;
		return 0;
	case SIO_IOMMU_MOCK:
		cfg->pt.format = SIO_PT_MOCK;
		cfg->pt.granule_lg2 = 11;
		cfg->pt.levels = 3;
		cfg->pt.ias = 38;
		cfg->pt.oas = 51;
		if (req->mock_pt == SIO_MOCK_PT_HUGE)
			cfg->pt.pgsize_bitmap = SIO_MOCK_HUGE_PAGE_SIZE | (uint64_t)getpagesize();
		else if (req->mock_pt == SIO_MOCK_PT_DEFAULT)
			cfg->pt.pgsize_bitmap = SIO_MOCK_PAGE_SIZE;
		else
			return -EOPNOTSUPP;
		cfg->aperture_start = SIO_MOCK_APERTURE_START;
		cfg->aperture_last = SIO_MOCK_APERTURE_LAST;
		return 0;
	}
	return -EOPNOTSUPP;
}

size_t sio_driver_resv_regions(enum sio_iommu_type type, const struct sio_resv_region **out)
{
	if (type == SIO_IOMMU_VTD) {
		*out = vtd_resv;
		return ARRAY_SIZE(vtd_resv);
	}
	*out = NULL;
	return 0;
}

/* The mock's PASID whose replacement fails (iommufd_test.h). */
#define MOCK_PASID_FAIL_REPLACE 1024

int sio_driver_pasid_install_check(enum sio_iommu_type type, uint32_t pasid, bool replacing)
{
	if (type == SIO_IOMMU_MOCK && pasid == MOCK_PASID_FAIL_REPLACE && replacing)
		return -ENOMEM;
	return 0;
}
