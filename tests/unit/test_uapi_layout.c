/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Layout and numbering checks for the public uapi headers.
 *
 * Most of the work happens at compile time (the headers carry static
 * assertions for every size and offset); this program additionally checks the
 * ioctl numbers and a few sizes at run time so a failure shows up in the test
 * log with the offending value.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <softiommu/uapi/iommufd.h>
#include <softiommu/uapi/iommufd_test.h>

struct ioctl_nr {
	const char *name;
	unsigned long value;
	unsigned long expect;
};

#define NR(name, expect) { #name, (unsigned long)(name), (expect) }

static const struct ioctl_nr ioctl_nrs[] = {
	NR(IOMMU_DESTROY, 0x3b80),
	NR(IOMMU_IOAS_ALLOC, 0x3b81),
	NR(IOMMU_IOAS_ALLOW_IOVAS, 0x3b82),
	NR(IOMMU_IOAS_COPY, 0x3b83),
	NR(IOMMU_IOAS_IOVA_RANGES, 0x3b84),
	NR(IOMMU_IOAS_MAP, 0x3b85),
	NR(IOMMU_IOAS_UNMAP, 0x3b86),
	NR(IOMMU_OPTION, 0x3b87),
	NR(IOMMU_VFIO_IOAS, 0x3b88),
	NR(IOMMU_HWPT_ALLOC, 0x3b89),
	NR(IOMMU_GET_HW_INFO, 0x3b8a),
	NR(IOMMU_HWPT_SET_DIRTY_TRACKING, 0x3b8b),
	NR(IOMMU_HWPT_GET_DIRTY_BITMAP, 0x3b8c),
	NR(IOMMU_HWPT_INVALIDATE, 0x3b8d),
	NR(IOMMU_FAULT_QUEUE_ALLOC, 0x3b8e),
	NR(IOMMU_IOAS_MAP_FILE, 0x3b8f),
	NR(IOMMU_VIOMMU_ALLOC, 0x3b90),
	NR(IOMMU_VDEVICE_ALLOC, 0x3b91),
	NR(IOMMU_IOAS_CHANGE_PROCESS, 0x3b92),
	NR(IOMMU_VEVENTQ_ALLOC, 0x3b93),
	NR(IOMMU_HW_QUEUE_ALLOC, 0x3b94),
	NR(IOMMU_IOAS_NOIOMMU_GET_PA, 0x3b95),
	NR(IOMMU_TEST_CMD, 0x3ba0),
};

static void test_ioctl_numbers(void **state)
{
	size_t i;

	(void)state;

	assert_int_equal(IOMMU_DESTROY, 0x3b80);
	assert_int_equal(IOMMU_IOAS_MAP, 0x3b85);
	assert_int_equal(IOMMU_IOAS_NOIOMMU_GET_PA, 0x3b95);
	assert_int_equal(IOMMU_TEST_CMD, 0x3ba0);
	assert_int_equal(IOMMUFD_TYPE, 0x3b);
	assert_int_equal(IOMMUFD_CMD_BASE, 0x80);

	/* 22 production commands plus the test command, all distinct and dense. */
	assert_int_equal(sizeof(ioctl_nrs) / sizeof(ioctl_nrs[0]), 23);
	for (i = 0; i < sizeof(ioctl_nrs) / sizeof(ioctl_nrs[0]); i++) {
		if (ioctl_nrs[i].value != ioctl_nrs[i].expect)
			fail_msg("%s = %#lx, expected %#lx", ioctl_nrs[i].name,
				 ioctl_nrs[i].value, ioctl_nrs[i].expect);
	}
}

static void test_struct_sizes(void **state)
{
	(void)state;

	assert_int_equal(sizeof(struct iommu_destroy), 8);
	assert_int_equal(sizeof(struct iommu_ioas_alloc), 12);
	assert_int_equal(sizeof(struct iommu_ioas_map), 40);
	assert_int_equal(sizeof(struct iommu_hwpt_alloc), 48);
	assert_int_equal(sizeof(struct iommu_hw_info), 40);
	assert_int_equal(sizeof(struct iommu_hwpt_pgfault), 40);
	assert_int_equal(sizeof(struct iommufd_vevent_header), 8);
	assert_int_equal(sizeof(struct iommu_veventq_alloc), 32);
	assert_int_equal(sizeof(struct iommu_ioas_noiommu_get_pa), 40);
	assert_int_equal(sizeof(struct iommu_test_cmd), 72);

	assert_int_equal(offsetof(struct iommu_ioas_map, iova), 32);
	assert_int_equal(offsetof(struct iommu_hw_info, out_data_type), 24);
	assert_int_equal(offsetof(struct iommu_test_cmd, access_pages.uptr), 40);
	assert_int_equal(offsetof(struct iommu_test_cmd, last), 64);
}

static void test_constants(void **state)
{
	(void)state;

	assert_int_equal(IOMMU_TEST_OP_ADD_RESERVED, 1);
	assert_int_equal(IOMMU_TEST_OP_DMABUF_REVOKE, 23);
	assert_int_equal(MOCK_APERTURE_START, 0x1000000);
	assert_int_equal(MOCK_APERTURE_LAST, 0x7fffffff);
	assert_int_equal(MOCK_HUGE_PAGE_SIZE, 1024 * 1024);
	assert_int_equal(IOMMU_HW_INFO_TYPE_SELFTEST, 0xfeedbeef);
	assert_int_equal(IOMMU_HW_INFO_TYPE_AMD, 4);
	assert_int_equal(IOMMU_HWPT_DATA_AMD_GUEST, 3);
	assert_int_equal(IOMMU_HW_CAP_PCI_ATS_NOT_SUPPORTED, 8);
	assert_int_equal(IOMMU_VEVENTQ_FLAG_LOST_EVENTS, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ioctl_numbers),
		cmocka_unit_test(test_struct_sizes),
		cmocka_unit_test(test_constants),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
