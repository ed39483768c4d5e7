/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Numbering and layout checks for softiommu/uapi/vfio.h, and for the 2020
 * VFIO nested fault ABI: softiommu/uapi/vfio_nested.h (the DMA fault
 * regions) and the 5.10 IOMMU fault records of softiommu/uapi/iommu.h.
 *
 * The headers carry a static assertion for every struct size and field
 * offset, so building this file is most of the test; the run-time checks
 * below print the offending value when a number is wrong. The headers are
 * included together with iommufd.h to show they coexist.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <softiommu/uapi/iommu.h>
#include <softiommu/uapi/iommufd.h>
#include <softiommu/uapi/vfio.h>
#include <softiommu/uapi/vfio_nested.h>

struct ioctl_nr {
	const char *name;
	unsigned long value;
	unsigned long expect;
};

#define NR(name, expect) { #name, (unsigned long)(name), (expect) }

/* _IO(';', 100 + n) for every command the header defines. */
static const struct ioctl_nr ioctl_nrs[] = {
	NR(VFIO_GET_API_VERSION, 0x3b64),
	NR(VFIO_CHECK_EXTENSION, 0x3b65),
	NR(VFIO_SET_IOMMU, 0x3b66),
	NR(VFIO_GROUP_GET_STATUS, 0x3b67),
	NR(VFIO_GROUP_SET_CONTAINER, 0x3b68),
	NR(VFIO_GROUP_UNSET_CONTAINER, 0x3b69),
	NR(VFIO_GROUP_GET_DEVICE_FD, 0x3b6a),
	NR(VFIO_DEVICE_GET_INFO, 0x3b6b),
	NR(VFIO_DEVICE_GET_REGION_INFO, 0x3b6c),
	NR(VFIO_DEVICE_GET_IRQ_INFO, 0x3b6d),
	NR(VFIO_DEVICE_SET_IRQS, 0x3b6e),
	NR(VFIO_DEVICE_RESET, 0x3b6f),
	NR(VFIO_DEVICE_GET_PCI_HOT_RESET_INFO, 0x3b70),
	NR(VFIO_DEVICE_PCI_HOT_RESET, 0x3b71),
	NR(VFIO_DEVICE_FEATURE, 0x3b75),
	NR(VFIO_DEVICE_BIND_IOMMUFD, 0x3b76),
	NR(VFIO_DEVICE_ATTACH_IOMMUFD_PT, 0x3b77),
	NR(VFIO_DEVICE_DETACH_IOMMUFD_PT, 0x3b78),
	NR(VFIO_IOMMU_GET_INFO, 0x3b70),
	NR(VFIO_IOMMU_MAP_DMA, 0x3b71),
	NR(VFIO_IOMMU_UNMAP_DMA, 0x3b72),
	NR(VFIO_IOMMU_ENABLE, 0x3b73),
	NR(VFIO_IOMMU_DISABLE, 0x3b74),
	NR(VFIO_IOMMU_DIRTY_PAGES, 0x3b75),
};

static void test_ioctl_numbers(void **state)
{
	size_t i;

	(void)state;

	assert_int_equal(VFIO_IOMMU_GET_INFO, 0x3b70);
	assert_int_equal(VFIO_IOMMU_MAP_DMA, 0x3b71);
	assert_int_equal(VFIO_IOMMU_UNMAP_DMA, 0x3b72);
	assert_int_equal(VFIO_IOMMU_DIRTY_PAGES, 0x3b75);
	assert_int_equal(VFIO_GET_API_VERSION, 0x3b64);
	assert_int_equal(VFIO_TYPE, 0x3b);
	assert_int_equal(VFIO_BASE, 100);
	/* The same magic as iommufd, below its command base: the compat range. */
	assert_int_equal(VFIO_TYPE, IOMMUFD_TYPE);
	assert_true(_IOC_NR(VFIO_DEVICE_DETACH_IOMMUFD_PT) < IOMMUFD_CMD_BASE);

	for (i = 0; i < sizeof(ioctl_nrs) / sizeof(ioctl_nrs[0]); i++) {
		if (ioctl_nrs[i].value != ioctl_nrs[i].expect)
			fail_msg("%s = %#lx, expected %#lx", ioctl_nrs[i].name,
				 ioctl_nrs[i].value, ioctl_nrs[i].expect);
	}
}

static void test_constants(void **state)
{
	(void)state;

	assert_int_equal(VFIO_API_VERSION, 0);
	assert_int_equal(VFIO_TYPE1_IOMMU, 1);
	assert_int_equal(VFIO_SPAPR_TCE_IOMMU, 2);
	assert_int_equal(VFIO_TYPE1v2_IOMMU, 3);
	assert_int_equal(VFIO_DMA_CC_IOMMU, 4);
	assert_int_equal(VFIO_EEH, 5);
	assert_int_equal(VFIO_TYPE1_NESTING_IOMMU, 6);
	assert_int_equal(__VFIO_RESERVED_TYPE1_NESTING_IOMMU, 6);
	assert_int_equal(VFIO_SPAPR_TCE_v2_IOMMU, 7);
	assert_int_equal(VFIO_NOIOMMU_IOMMU, 8);
	assert_int_equal(VFIO_UNMAP_ALL, 9);
	assert_int_equal(VFIO_UPDATE_VADDR, 10);

	assert_int_equal(VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE, 1);
	assert_int_equal(VFIO_IOMMU_TYPE1_INFO_CAP_MIGRATION, 2);
	assert_int_equal(VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL, 3);
	assert_int_equal(VFIO_IOMMU_INFO_PGSIZES | VFIO_IOMMU_INFO_CAPS, 3);
	assert_int_equal(VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE, 3);
	assert_int_equal(VFIO_DMA_MAP_FLAG_VADDR, 4);
	assert_int_equal(VFIO_DMA_UNMAP_FLAG_GET_DIRTY_BITMAP, 1);
	assert_int_equal(VFIO_DMA_UNMAP_FLAG_ALL, 2);
	assert_int_equal(VFIO_DMA_UNMAP_FLAG_VADDR, 4);
	assert_int_equal(VFIO_DEVICE_FLAGS_RESET, 1);
	assert_int_equal(VFIO_DEVICE_FLAGS_PCI, 2);
	assert_int_equal(VFIO_DEVICE_FLAGS_CAPS, 0x80);
	assert_int_equal(VFIO_DEVICE_BIND_FLAG_TOKEN, 1);
	assert_int_equal(VFIO_DEVICE_ATTACH_PASID, 1);
	assert_int_equal(VFIO_DEVICE_DETACH_PASID, 1);
	assert_int_equal(VFIO_GROUP_FLAGS_VIABLE | VFIO_GROUP_FLAGS_CONTAINER_SET, 3);
	assert_int_equal(VFIO_PCI_NUM_REGIONS, 9);
	assert_int_equal(VFIO_PCI_NUM_IRQS, 5);
}

static void test_struct_sizes(void **state)
{
	(void)state;

	assert_int_equal(sizeof(struct vfio_info_cap_header), 8);
	assert_int_equal(sizeof(struct vfio_iommu_type1_info), 24);
	assert_int_equal(sizeof(struct vfio_iommu_type1_info_dma_avail), 12);
	assert_int_equal(sizeof(struct vfio_iommu_type1_info_cap_iova_range), 16);
	assert_int_equal(sizeof(struct vfio_iova_range), 16);
	assert_int_equal(sizeof(struct vfio_iommu_type1_dma_map), 32);
	assert_int_equal(sizeof(struct vfio_iommu_type1_dma_unmap), 24);
	assert_int_equal(sizeof(struct vfio_device_bind_iommufd), 24);
	assert_int_equal(sizeof(struct vfio_device_attach_iommufd_pt), 16);
	assert_int_equal(sizeof(struct vfio_device_detach_iommufd_pt), 12);
	assert_int_equal(offsetof(struct vfio_iommu_type1_info, cap_offset), 16);
	assert_int_equal(offsetof(struct vfio_iommu_type1_info_cap_iova_range, iova_ranges), 16);
	assert_int_equal(offsetof(struct vfio_region_info, offset), 24);
}

/* vsva-2020-abi §2.1, §2.2, §4.4-§4.6 (v13 numbers). */
static void test_nested_fault_constants(void **state)
{
	(void)state;

	assert_int_equal(VFIO_REGION_TYPE_NESTED, 4);
	assert_int_equal(VFIO_REGION_SUBTYPE_NESTED_DMA_FAULT, 1);
	assert_int_equal(VFIO_REGION_SUBTYPE_NESTED_DMA_FAULT_RESPONSE, 2);
	assert_int_equal(VFIO_REGION_INFO_CAP_DMA_FAULT, 6);
	assert_int_equal(VFIO_REGION_INFO_CAP_DMA_FAULT_RESPONSE, 7);
	assert_int_equal(VFIO_DMA_FAULT_RING_LENGTH, 512);
	assert_int_equal(VFIO_IRQ_TYPE_NESTED, 1);
	assert_int_equal(VFIO_IRQ_SUBTYPE_DMA_FAULT, 1);

	assert_int_equal(IOMMU_FAULT_DMA_UNRECOV, 1);
	assert_int_equal(IOMMU_FAULT_PAGE_REQ, 2);
	assert_int_equal(IOMMU_FAULT_REASON_UNKNOWN, 0);
	assert_int_equal(IOMMU_FAULT_REASON_PASID_FETCH, 1);
	assert_int_equal(IOMMU_FAULT_REASON_BAD_PASID_ENTRY, 2);
	assert_int_equal(IOMMU_FAULT_REASON_PASID_INVALID, 3);
	assert_int_equal(IOMMU_FAULT_REASON_WALK_EABT, 4);
	assert_int_equal(IOMMU_FAULT_REASON_PTE_FETCH, 5);
	assert_int_equal(IOMMU_FAULT_REASON_PERMISSION, 6);
	assert_int_equal(IOMMU_FAULT_REASON_ACCESS, 7);
	assert_int_equal(IOMMU_FAULT_REASON_OOR_ADDRESS, 8);
	assert_int_equal(IOMMU_FAULT_UNRECOV_PASID_VALID, 1);
	assert_int_equal(IOMMU_FAULT_UNRECOV_ADDR_VALID, 2);
	assert_int_equal(IOMMU_FAULT_UNRECOV_FETCH_ADDR_VALID, 4);
	assert_int_equal(IOMMU_FAULT_PERM_READ, 1);
	assert_int_equal(IOMMU_FAULT_PERM_WRITE, 2);
	assert_int_equal(IOMMU_FAULT_PERM_EXEC, 4);
	assert_int_equal(IOMMU_FAULT_PERM_PRIV, 8);
	assert_int_equal(IOMMU_FAULT_PAGE_REQUEST_PASID_VALID, 1);
	assert_int_equal(IOMMU_FAULT_PAGE_REQUEST_LAST_PAGE, 2);
	assert_int_equal(IOMMU_FAULT_PAGE_REQUEST_PRIV_DATA, 4);
	assert_int_equal(IOMMU_FAULT_PAGE_RESPONSE_NEEDS_PASID, 8);

	assert_int_equal(IOMMU_PAGE_RESP_SUCCESS, 0);
	assert_int_equal(IOMMU_PAGE_RESP_INVALID, 1);
	assert_int_equal(IOMMU_PAGE_RESP_FAILURE, 2);
	assert_int_equal(IOMMU_PAGE_RESP_VERSION_1, 1);
	assert_int_equal(IOMMU_PAGE_RESP_PASID_VALID, 1);
}

static void test_nested_fault_layout(void **state)
{
	(void)state;

	assert_int_equal(sizeof(struct iommu_fault), 64);
	assert_int_equal(offsetof(struct iommu_fault, event), 8);
	assert_int_equal(offsetof(struct iommu_fault, prm), 8);
	assert_int_equal(sizeof(struct iommu_fault_unrecoverable), 32);
	assert_int_equal(offsetof(struct iommu_fault_unrecoverable, fetch_addr), 24);
	assert_int_equal(sizeof(struct iommu_fault_page_request), 40);
	assert_int_equal(offsetof(struct iommu_fault_page_request, private_data), 24);
	assert_int_equal(sizeof(struct iommu_page_response), 24);
	assert_int_equal(offsetof(struct iommu_page_response, version), 4);
	assert_int_equal(offsetof(struct iommu_page_response, code), 20);

	assert_int_equal(sizeof(struct vfio_region_info_cap_fault), 12);
	assert_int_equal(offsetof(struct vfio_region_info_cap_fault, version), 8);
	assert_int_equal(sizeof(struct vfio_region_dma_fault), 20);
	assert_int_equal(offsetof(struct vfio_region_dma_fault, tail), 0);
	assert_int_equal(offsetof(struct vfio_region_dma_fault, offset), 12);
	assert_int_equal(offsetof(struct vfio_region_dma_fault, head), 16);
	assert_int_equal(sizeof(struct vfio_region_dma_fault_response), 20);
	assert_int_equal(offsetof(struct vfio_region_dma_fault_response, head), 0);
	assert_int_equal(offsetof(struct vfio_region_dma_fault_response, tail), 16);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ioctl_numbers),
		cmocka_unit_test(test_constants),
		cmocka_unit_test(test_struct_sizes),
		cmocka_unit_test(test_nested_fault_constants),
		cmocka_unit_test(test_nested_fault_layout),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
