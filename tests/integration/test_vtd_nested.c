/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * VT-d nesting through the ABI (spec iommufd-abi §4.10, §4.14; hw-model §4.1,
 * §5.2): guest RAM mapped at GPA 0 in a NEST_PARENT HWPT (stage 2), a guest
 * x86-64 first-stage table built in that RAM, a nested HWPT with
 * IOMMU_HWPT_DATA_VTD_S1 attached to a VT-d function, and the function's
 * DMA going through both stages: a changed guest entry stays invisible until
 * IOMMU_HWPT_INVALIDATE, accessed/dirty bits land in the guest's entries,
 * unsupported stage-1 configurations fail at attach, and a stage-2 unmap
 * makes the DMA fault.
 */
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <softiommu/softiommu.h>
#include <softiommu/uapi/iommufd.h>
#include <softiommu/uapi/iommufd_test.h>
#include <softiommu/uapi/vfio.h>

#define HARNESS_ISOLATE
#include "harness.h"

#define RAM_SIZE (4ull << 20)
#define GVA 0x40000000ull
#define P_RW_US 0x7ull
#define X86_A (1ull << 5)
#define X86_D (1ull << 6)

struct guest {
	int index, iommufd, devfd;
	uint32_t devid, ioas, s2;
	uint8_t *ram;		/* guest physical address 0 */
};

static uint64_t *gpa_u64(struct guest *g, uint64_t gpa)
{
	return (uint64_t *)(g->ram + gpa);
}

/* GVA 0x40000000 -> GPA @data through tables at GPAs 0x1000..0x4000. */
static void build_s1(struct guest *g, uint64_t data)
{
	*gpa_u64(g, 0x1000 + 0 * 8) = 0x2000 | P_RW_US;		/* L4[0] */
	*gpa_u64(g, 0x2000 + 1 * 8) = 0x3000 | P_RW_US;		/* L3[1]: 1 GiB */
	*gpa_u64(g, 0x3000 + 0 * 8) = 0x4000 | P_RW_US;		/* L2[0] */
	*gpa_u64(g, 0x4000 + 0 * 8) = data | P_RW_US;		/* L1[0] */
}

static bool guest_setup(struct guest *g)
{
	struct vfio_device_bind_iommufd bind = { .argsz = sizeof(bind) };
	struct iommu_ioas_alloc alloc = { .size = sizeof(alloc) };
	struct iommu_hwpt_alloc s2 = { .size = sizeof(s2), .flags = IOMMU_HWPT_ALLOC_NEST_PARENT };
	struct sio_device_desc d = { .iommu = SIO_DEVICE_IOMMU_VTD, .bus = 0x20, .dev = 1,
				     .pasid_bits = 8 };
	struct iommu_ioas_map m = { .size = sizeof(m), .length = RAM_SIZE,
		.flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE |
			 IOMMU_IOAS_MAP_WRITEABLE };
	char path[64];

	memset(g, 0, sizeof(*g));
	g->ram = mmap(NULL, RAM_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	g->index = sio_device_create(&d);
	if (g->ram == MAP_FAILED || g->index < 0)
		return false;
	snprintf(path, sizeof(path), "/dev/vfio/devices/vfio%d", g->index);
	g->iommufd = sio_open("/dev/iommu", O_RDWR);
	g->devfd = sio_open(path, O_RDWR);
	bind.iommufd = g->iommufd;
	if (g->iommufd < 0 || g->devfd < 0 || sio_ioctl(g->devfd, VFIO_DEVICE_BIND_IOMMUFD, &bind))
		return false;
	g->devid = bind.out_devid;
	if (sio_ioctl(g->iommufd, IOMMU_IOAS_ALLOC, &alloc))
		return false;
	g->ioas = alloc.out_ioas_id;
	m.ioas_id = g->ioas;
	m.user_va = (uintptr_t)g->ram;
	m.iova = 0;
	if (sio_ioctl(g->iommufd, IOMMU_IOAS_MAP, &m))
		return false;
	s2.dev_id = g->devid;
	s2.pt_id = g->ioas;
	if (sio_ioctl(g->iommufd, IOMMU_HWPT_ALLOC, &s2))
		return false;
	g->s2 = s2.out_hwpt_id;
	memcpy(g->ram + 0x100000, "guest data A", 13);
	memcpy(g->ram + 0x200000, "guest data B", 13);
	build_s1(g, 0x100000);
	return true;
}

static void guest_teardown(struct guest *g)
{
	sio_close(g->devfd);
	sio_close(g->iommufd);
	CHECK_OK(sio_device_destroy(g->index));
	munmap(g->ram, RAM_SIZE);
}

static int nested_alloc(struct guest *g, uint64_t flags, uint32_t addr_width, uint32_t *out)
{
	struct iommu_hwpt_vtd_s1 s1 = { .flags = flags, .pgtbl_addr = 0x1000,
					 .addr_width = addr_width };
	struct iommu_hwpt_alloc cmd = {
		.size = sizeof(cmd), .dev_id = g->devid, .pt_id = g->s2,
		.data_type = IOMMU_HWPT_DATA_VTD_S1, .data_len = sizeof(s1),
		.data_uptr = (uintptr_t)&s1,
	};
	int rc = sio_ioctl(g->iommufd, IOMMU_HWPT_ALLOC, &cmd);

	*out = cmd.out_hwpt_id;
	return rc;
}

static int attach(struct guest *g, uint32_t pt_id)
{
	struct vfio_device_attach_iommufd_pt a = { .argsz = sizeof(a), .pt_id = pt_id };

	return sio_ioctl(g->devfd, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &a);
}

static int invalidate(struct guest *g, uint32_t hwpt, uint32_t type,
		      const struct iommu_hwpt_vtd_s1_invalidate *inv, uint32_t *num)
{
	struct iommu_hwpt_invalidate cmd = {
		.size = sizeof(cmd), .hwpt_id = hwpt, .data_uptr = (uintptr_t)inv,
		.data_type = type, .entry_len = sizeof(*inv), .entry_num = *num,
	};
	int rc = sio_ioctl(g->iommufd, IOMMU_HWPT_INVALIDATE, &cmd);

	*num = cmd.entry_num;
	return rc;
}

TEST(dma_through_two_stages)
{
	struct iommu_hwpt_vtd_s1_invalidate inv = { .addr = GVA, .npages = 1 };
	char buf[16] = { 0 };
	struct guest g;
	uint32_t nested = 0, num;

	REQUIRE(guest_setup(&g));
	REQUIRE_OK(nested_alloc(&g, 0, 48, &nested));
	REQUIRE_OK(attach(&g, nested));
	CHECK_EQ(sio_dev_dma_read(g.index, SIO_NO_PASID_VAL, GVA, buf, 13), 13);
	CHECK(!memcmp(buf, "guest data A", 13));
	/* The walk set the accessed bits in the guest's entries. */
	CHECK(*gpa_u64(&g, 0x4000) & X86_A);
	CHECK(*gpa_u64(&g, 0x1000) & X86_A);
	CHECK(!(*gpa_u64(&g, 0x4000) & X86_D));

	/* The guest re-points its PTE: invisible until it invalidates. */
	*gpa_u64(&g, 0x4000) = 0x200000 | P_RW_US;
	CHECK_EQ(sio_dev_dma_read(g.index, SIO_NO_PASID_VAL, GVA, buf, 13), 13);
	CHECK(!memcmp(buf, "guest data A", 13));
	num = 1;
	CHECK_OK(invalidate(&g, nested, IOMMU_HWPT_INVALIDATE_DATA_VTD_S1, &inv, &num));
	CHECK_EQ(num, 1);
	CHECK_EQ(sio_dev_dma_read(g.index, SIO_NO_PASID_VAL, GVA, buf, 13), 13);
	CHECK(!memcmp(buf, "guest data B", 13));
	/* A write lands in guest RAM and sets the leaf's dirty bit. */
	CHECK_EQ(sio_dev_dma_write(g.index, SIO_NO_PASID_VAL, GVA + 6, "DATA", 4), 4);
	CHECK(!memcmp(g.ram + 0x200006, "DATA", 4));
	CHECK(*gpa_u64(&g, 0x4000) & X86_D);

	/* The host unmaps guest RAM from stage 2: the DMA faults. */
	struct iommu_ioas_unmap u = { .size = sizeof(u), .ioas_id = g.ioas, .iova = 0,
				      .length = UINT64_MAX };
	CHECK_OK(sio_ioctl(g.iommufd, IOMMU_IOAS_UNMAP, &u));
	CHECK_ERR(sio_dev_dma_read(g.index, SIO_NO_PASID_VAL, GVA, buf, 13), EFAULT);
	CHECK_ERR(sio_ioctl(g.iommufd, IOMMU_DESTROY, &(struct iommu_destroy){
				.size = sizeof(struct iommu_destroy), .id = g.s2 }), EBUSY);
	guest_teardown(&g);
}

TEST(alloc_and_attach_rules)
{
	struct iommu_hwpt_selftest mock = { 0 };
	struct iommu_hwpt_alloc cmd;
	struct guest g;
	uint32_t bad = 0, plain = 0;

	REQUIRE(guest_setup(&g));
	/* Another driver's data type: EOPNOTSUPP. */
	cmd = (struct iommu_hwpt_alloc){ .size = sizeof(cmd), .dev_id = g.devid, .pt_id = g.s2,
		.data_type = IOMMU_HWPT_DATA_SELFTEST, .data_len = sizeof(mock),
		.data_uptr = (uintptr_t)&mock };
	CHECK_ERR(sio_ioctl(g.iommufd, IOMMU_HWPT_ALLOC, &cmd), EOPNOTSUPP);
	/* Short data: EINVAL (§2.4, the minimum is the whole struct). */
	cmd.data_type = IOMMU_HWPT_DATA_VTD_S1;
	cmd.data_len = 20;
	CHECK_ERR(sio_ioctl(g.iommufd, IOMMU_HWPT_ALLOC, &cmd), EINVAL);
	/* A parent that is not NEST_PARENT: EINVAL. */
	cmd = (struct iommu_hwpt_alloc){ .size = sizeof(cmd), .dev_id = g.devid, .pt_id = g.ioas };
	REQUIRE_OK(sio_ioctl(g.iommufd, IOMMU_HWPT_ALLOC, &cmd));
	plain = cmd.out_hwpt_id;
	struct iommu_hwpt_vtd_s1 s1 = { .pgtbl_addr = 0x1000, .addr_width = 48 };
	cmd = (struct iommu_hwpt_alloc){ .size = sizeof(cmd), .dev_id = g.devid, .pt_id = plain,
		.data_type = IOMMU_HWPT_DATA_VTD_S1, .data_len = sizeof(s1),
		.data_uptr = (uintptr_t)&s1 };
	CHECK_ERR(sio_ioctl(g.iommufd, IOMMU_HWPT_ALLOC, &cmd), EINVAL);
	/* addr_width, SRE and EAFE are checked at attach, against the capabilities. */
	REQUIRE_OK(nested_alloc(&g, 0, 57, &bad));
	CHECK_ERR(attach(&g, bad), EINVAL);
	CHECK_OK(sio_ioctl(g.iommufd, IOMMU_DESTROY, &(struct iommu_destroy){
				.size = sizeof(struct iommu_destroy), .id = bad }));
	REQUIRE_OK(nested_alloc(&g, IOMMU_VTD_S1_SRE, 48, &bad));
	CHECK_ERR(attach(&g, bad), EINVAL);
	REQUIRE_OK(nested_alloc(&g, IOMMU_VTD_S1_EAFE, 48, &bad));
	CHECK_ERR(attach(&g, bad), EINVAL);
	REQUIRE_OK(nested_alloc(&g, 0, 39, &bad));
	CHECK_ERR(attach(&g, bad), EINVAL);
	guest_teardown(&g);
}

TEST(invalidate_rules)
{
	struct iommu_hwpt_vtd_s1_invalidate inv[2];
	struct guest g;
	uint32_t nested = 0, num;

	REQUIRE(guest_setup(&g));
	REQUIRE_OK(nested_alloc(&g, 0, 48, &nested));
	memset(inv, 0, sizeof(inv));
	/* Wrong array type, even empty: EINVAL. */
	num = 0;
	CHECK_ERR(invalidate(&g, nested, IOMMU_VIOMMU_INVALIDATE_DATA_ARM_SMMUV3, inv, &num),
		  EINVAL);
	/* Misaligned address; U64_MAX pages with a non-zero address. */
	inv[0] = (struct iommu_hwpt_vtd_s1_invalidate){ .addr = GVA + 8, .npages = 1 };
	num = 1;
	CHECK_ERR(invalidate(&g, nested, IOMMU_HWPT_INVALIDATE_DATA_VTD_S1, inv, &num), EINVAL);
	CHECK_EQ(num, 0);
	inv[0] = (struct iommu_hwpt_vtd_s1_invalidate){ .addr = GVA, .npages = UINT64_MAX };
	num = 1;
	CHECK_ERR(invalidate(&g, nested, IOMMU_HWPT_INVALIDATE_DATA_VTD_S1, inv, &num), EINVAL);
	/* Unknown flags, reserved bits: EOPNOTSUPP. */
	inv[0] = (struct iommu_hwpt_vtd_s1_invalidate){ .addr = GVA, .npages = 1, .flags = 2 };
	num = 1;
	CHECK_ERR(invalidate(&g, nested, IOMMU_HWPT_INVALIDATE_DATA_VTD_S1, inv, &num),
		  EOPNOTSUPP);
	inv[0] = (struct iommu_hwpt_vtd_s1_invalidate){ .addr = GVA, .npages = 1,
							.__reserved = 1 };
	num = 1;
	CHECK_ERR(invalidate(&g, nested, IOMMU_HWPT_INVALIDATE_DATA_VTD_S1, inv, &num),
		  EOPNOTSUPP);
	/* The all-addresses form and a LEAF hint; then a bad second entry stops at 1. */
	inv[0] = (struct iommu_hwpt_vtd_s1_invalidate){ .addr = 0, .npages = UINT64_MAX };
	inv[1] = (struct iommu_hwpt_vtd_s1_invalidate){ .addr = GVA, .npages = 4,
		.flags = IOMMU_VTD_INV_FLAGS_LEAF };
	num = 2;
	CHECK_OK(invalidate(&g, nested, IOMMU_HWPT_INVALIDATE_DATA_VTD_S1, inv, &num));
	CHECK_EQ(num, 2);
	inv[1].addr = 0x123;
	num = 2;
	CHECK_ERR(invalidate(&g, nested, IOMMU_HWPT_INVALIDATE_DATA_VTD_S1, inv, &num), EINVAL);
	CHECK_EQ(num, 1);
	guest_teardown(&g);
}

HARNESS_MAIN()
