/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vIOMMU, vDEVICE and HW queue objects of the selftest mock (spec
 * iommufd-abi §2.6, §3.3, §4.10, §4.14, §4.17, §4.18, §4.21; iommufd-testops
 * §3.2–3.4, §4.16), in the flow of the kernel selftest's iommufd_viommu
 * fixture: the order of checks of each command, who holds whom (EBUSY),
 * vDEVICE tombstones, the mock's loop-back data and mmap region, nested
 * HWPTs on a vIOMMU and their attach rule, vIOMMU cache invalidation, HW
 * queues, and close() with everything alive. Runs with the VFIO devices of
 * SOFTIOMMU_DEVICES for the "device behind another IOMMU" rules.
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#define HARNESS_ISOLATE
#include "harness.h"
#include "iommufd_helpers.h"
#include "vfio_helpers.h"

struct env {
	int fd;
	uint32_t ioas, stdev, idev, auto_hwpt, parent, plain;
};

static void setup(struct env *e)
{
	e->fd = iommufd_open();
	REQUIRE(e->fd >= 0);
	REQUIRE_OK(ioas_alloc(e->fd, &e->ioas));
	REQUIRE_OK(mock_domain(e->fd, e->ioas, &e->stdev, &e->auto_hwpt, &e->idev));
	REQUIRE_OK(hwpt_alloc_simple(e->fd, e->idev, e->ioas, IOMMU_HWPT_ALLOC_NEST_PARENT,
				     &e->parent));
	REQUIRE_OK(hwpt_alloc_simple(e->fd, e->idev, e->ioas, 0, &e->plain));
}

static int viommu_alloc(int fd, uint32_t flags, uint32_t type, uint32_t dev, uint32_t hwpt,
			void *data, uint32_t data_len, uint32_t *out)
{
	struct iommu_viommu_alloc cmd = {
		.size = sizeof(cmd), .flags = flags, .type = type, .dev_id = dev, .hwpt_id = hwpt,
		.data_len = data_len, .data_uptr = (uintptr_t)data,
	};
	int rc = ioctl(fd, IOMMU_VIOMMU_ALLOC, &cmd);

	if (!rc && out)
		*out = cmd.out_viommu_id;
	return rc;
}

static int vdevice_alloc(int fd, uint32_t viommu, uint32_t dev, uint64_t virt_id, uint32_t *out)
{
	struct iommu_vdevice_alloc cmd = {
		.size = sizeof(cmd), .viommu_id = viommu, .dev_id = dev, .virt_id = virt_id,
	};
	int rc = ioctl(fd, IOMMU_VDEVICE_ALLOC, &cmd);

	if (!rc && out)
		*out = cmd.out_vdevice_id;
	return rc;
}

static int hw_queue_alloc(int fd, uint32_t flags, uint32_t viommu, uint32_t type, uint32_t index,
			  uint64_t iova, uint64_t length, uint32_t *out)
{
	struct iommu_hw_queue_alloc cmd = {
		.size = sizeof(cmd), .flags = flags, .viommu_id = viommu, .type = type,
		.index = index, .nesting_parent_iova = iova, .length = length,
	};
	int rc = ioctl(fd, IOMMU_HW_QUEUE_ALLOC, &cmd);

	if (!rc && out)
		*out = cmd.out_hw_queue_id;
	return rc;
}

static int invalidate(int fd, uint32_t id, uint32_t type, const void *entries,
		      uint32_t entry_len, uint32_t *entry_num)
{
	struct iommu_hwpt_invalidate cmd = {
		.size = sizeof(cmd), .hwpt_id = id, .data_uptr = (uintptr_t)entries,
		.data_type = type, .entry_len = entry_len, .entry_num = *entry_num,
	};
	int rc = ioctl(fd, IOMMU_HWPT_INVALIDATE, &cmd);

	*entry_num = cmd.entry_num;
	return rc;
}

static int nested_alloc(int fd, uint32_t idev, uint32_t pt, uint32_t flags, uint32_t type,
			const void *data, uint32_t len, uint32_t *out)
{
	return hwpt_alloc_data(fd, idev, pt, flags, type, data, len, out);
}

static int check_iotlb(int fd, uint32_t hwpt, uint32_t id, uint32_t value)
{
	struct iommu_test_cmd cmd;

	test_cmd_init(&cmd, IOMMU_TEST_OP_MD_CHECK_IOTLB, hwpt);
	cmd.check_iotlb.id = id;
	cmd.check_iotlb.iotlb = value;
	return ioctl(fd, IOMMU_TEST_CMD, &cmd);
}

static int check_cache_all(int fd, uint32_t idev, const uint32_t want[MOCK_DEV_CACHE_NUM])
{
	for (uint32_t i = 0; i < MOCK_DEV_CACHE_NUM; i++)
		if (dev_check_cache(fd, idev, i, want[i]))
			return -1;
	return 0;
}

TEST(viommu_alloc_order)
{
	struct iommu_viommu_selftest data = { .in_data = 0xabcd };
	uint32_t viommu = 0, nested = 0;
	struct iommu_hwpt_selftest hdata = { .iotlb = IOMMU_TEST_IOTLB_DEFAULT };
	struct env e;

	setup(&e);
	/* flags and type DEFAULT come before the device lookup. */
	CHECK_ERR(viommu_alloc(e.fd, 1, IOMMU_VIOMMU_TYPE_SELFTEST, e.idev, e.parent, NULL, 0,
			       NULL), EOPNOTSUPP);
	CHECK_ERR(viommu_alloc(e.fd, 0, IOMMU_VIOMMU_TYPE_DEFAULT, 9999, e.parent, NULL, 0,
			       NULL), EOPNOTSUPP);
	CHECK_ERR(viommu_alloc(e.fd, 0, IOMMU_VIOMMU_TYPE_SELFTEST, 9999, e.parent, NULL, 0,
			       NULL), ENOENT);
	CHECK_ERR(viommu_alloc(e.fd, 0, IOMMU_VIOMMU_TYPE_SELFTEST, e.ioas, e.parent, NULL, 0,
			       NULL), ENOENT);
	/* A type the device's driver does not offer, before the HWPT lookup. */
	CHECK_ERR(viommu_alloc(e.fd, 0, IOMMU_VIOMMU_TYPE_ARM_SMMUV3, e.idev, 9999, NULL, 0,
			       NULL), EOPNOTSUPP);
	CHECK_ERR(viommu_alloc(e.fd, 0, 0x1234, e.idev, 9999, NULL, 0, NULL), EOPNOTSUPP);
	/* hwpt_id: a paging HWPT only (0, an IOAS, a nested HWPT: ENOENT). */
	CHECK_ERR(viommu_alloc(e.fd, 0, IOMMU_VIOMMU_TYPE_SELFTEST, e.idev, 0, NULL, 0, NULL),
		  ENOENT);
	CHECK_ERR(viommu_alloc(e.fd, 0, IOMMU_VIOMMU_TYPE_SELFTEST, e.idev, e.ioas, NULL, 0,
			       NULL), ENOENT);
	REQUIRE_OK(nested_alloc(e.fd, e.idev, e.parent, 0, IOMMU_HWPT_DATA_SELFTEST, &hdata,
				sizeof(hdata), &nested));
	CHECK_ERR(viommu_alloc(e.fd, 0, IOMMU_VIOMMU_TYPE_SELFTEST, e.idev, nested, NULL, 0,
			       NULL), ENOENT);
	/* Not a nesting parent, automatic or user-allocated. */
	CHECK_ERR(viommu_alloc(e.fd, 0, IOMMU_VIOMMU_TYPE_SELFTEST, e.idev, e.plain, NULL, 0,
			       NULL), EINVAL);
	CHECK_ERR(viommu_alloc(e.fd, 0, IOMMU_VIOMMU_TYPE_SELFTEST, e.idev, e.auto_hwpt, NULL, 0,
			       NULL), EINVAL);
	/* Driver data (§2.4): at least out_data, at most the struct, readable. */
	CHECK_ERR(viommu_alloc(e.fd, 0, IOMMU_VIOMMU_TYPE_SELFTEST, e.idev, e.parent, &data, 7,
			       NULL), EINVAL);
	CHECK_ERR(viommu_alloc(e.fd, 0, IOMMU_VIOMMU_TYPE_SELFTEST, e.idev, e.parent, &data,
			       sizeof(data) + 1, NULL), EINVAL);
	CHECK_ERR(viommu_alloc(e.fd, 0, IOMMU_VIOMMU_TYPE_SELFTEST, e.idev, e.parent, NULL,
			       sizeof(data), NULL), EFAULT);
	CHECK_EQ(data.out_data, 0);
	/* Success: the vIOMMU holds its parent. */
	REQUIRE_OK(viommu_alloc(e.fd, 0, IOMMU_VIOMMU_TYPE_SELFTEST, e.idev, e.parent, NULL, 0,
				&viommu));
	CHECK(viommu != 0);
	CHECK_ERR(iommu_destroy(e.fd, e.parent), EBUSY);
	CHECK_OK(iommu_destroy(e.fd, viommu));
	CHECK_ERR(iommu_destroy(e.fd, viommu), ENOENT);
	CHECK_OK(iommu_destroy(e.fd, nested));
	CHECK_OK(iommu_destroy(e.fd, e.parent));
	close(e.fd);
}

TEST(viommu_data_and_mmap)
{
	long ps = sysconf(_SC_PAGESIZE);
	struct iommu_viommu_selftest data = { .in_data = 0xbadbeef };
	struct iommu_viommu_selftest data2 = { .in_data = 0x1234, .out_mmap_offset = 0x5a5a };
	uint32_t viommu = 0, viommu2 = 0, viommu3 = 0, plain = 0;
	uint8_t *a, *b;
	struct env e;

	setup(&e);
	REQUIRE_OK(viommu_alloc(e.fd, 0, IOMMU_VIOMMU_TYPE_SELFTEST, e.idev, e.parent, &data,
				sizeof(data), &viommu));
	CHECK_EQ(data.out_data, 0xbadbeef);
	CHECK_EQ(data.out_mmap_offset, ps);
	CHECK_EQ(data.out_mmap_length, 2 * ps);
	/* Only out_data fits in 8 bytes: the offset is not written back. */
	REQUIRE_OK(viommu_alloc(e.fd, 0, IOMMU_VIOMMU_TYPE_SELFTEST, e.idev, e.parent, &data2, 8,
				&viommu2));
	CHECK_EQ(data2.out_data, 0x1234);
	CHECK_EQ(data2.out_mmap_offset, 0x5a5a);
	/* Without data no region: nothing to map at the next offset. */
	REQUIRE_OK(viommu_alloc(e.fd, 0, IOMMU_VIOMMU_TYPE_SELFTEST, e.idev, e.parent, NULL, 0,
				&plain));

	/* The VMA checks, then the exact region. */
	CHECK(mmap(NULL, 2 * ps - 1, PROT_READ, MAP_SHARED, e.fd, data.out_mmap_offset) ==
	      MAP_FAILED && errno == EINVAL);
	CHECK(mmap(NULL, 2 * ps, PROT_READ, MAP_PRIVATE, e.fd, data.out_mmap_offset) ==
	      MAP_FAILED && errno == EINVAL);
	CHECK(mmap(NULL, 2 * ps, PROT_READ | PROT_EXEC, MAP_SHARED, e.fd, data.out_mmap_offset) ==
	      MAP_FAILED && errno == EPERM);
	CHECK(mmap(NULL, ps, PROT_READ, MAP_SHARED, e.fd, data.out_mmap_offset + ps) ==
	      MAP_FAILED && errno == ENXIO);
	CHECK(mmap(NULL, ps, PROT_READ, MAP_SHARED, e.fd, data.out_mmap_offset) == MAP_FAILED &&
	      errno == ENXIO);
	CHECK(mmap(NULL, 3 * ps, PROT_READ, MAP_SHARED, e.fd, data.out_mmap_offset) ==
	      MAP_FAILED && errno == ENXIO);
	CHECK(mmap(NULL, 2 * ps, PROT_READ, MAP_SHARED, e.fd, 0) == MAP_FAILED &&
	      errno == ENXIO);
	/* What the mmap system call itself refuses. */
	CHECK(mmap(NULL, 0, PROT_READ, MAP_SHARED, e.fd, data.out_mmap_offset) == MAP_FAILED &&
	      errno == EINVAL);
	CHECK(mmap(NULL, 2 * ps, PROT_READ, MAP_SHARED, e.fd, data.out_mmap_offset + 1) ==
	      MAP_FAILED && errno == EINVAL);
	/* viommu2's region follows; the plain vIOMMU registered none after it. */
	CHECK(mmap(NULL, 2 * ps, PROT_READ, MAP_SHARED, e.fd, 5 * ps) == MAP_FAILED &&
	      errno == ENXIO);

	a = mmap(NULL, 2 * ps, PROT_READ | PROT_WRITE, MAP_SHARED, e.fd, data.out_mmap_offset);
	REQUIRE(a != MAP_FAILED);
	CHECK_EQ(*(uint32_t *)a, 0xbadbeef);
	b = mmap(NULL, 2 * ps, PROT_READ, MAP_SHARED_VALIDATE, e.fd, data.out_mmap_offset);
	REQUIRE(b != MAP_FAILED);
	/* Both map the same memory. */
	a[ps + 5] = 0x77;
	CHECK_EQ(b[ps + 5], 0x77);
	/* Each mapping holds the vIOMMU; partial munmaps keep it. */
	CHECK_ERR(iommu_destroy(e.fd, viommu), EBUSY);
	CHECK_OK(munmap(b, 2 * ps));
	CHECK_ERR(iommu_destroy(e.fd, viommu), EBUSY);
	CHECK_OK(munmap(a, ps));
	CHECK_ERR(iommu_destroy(e.fd, viommu), EBUSY);
	CHECK_EQ(a[ps + 5], 0x77);
	CHECK_OK(munmap(a + ps, ps));
	CHECK_OK(iommu_destroy(e.fd, viommu));
	/* The region went with it. */
	CHECK(mmap(NULL, 2 * ps, PROT_READ, MAP_SHARED, e.fd, ps) == MAP_FAILED &&
	      errno == ENXIO);
	/* Offsets are unique per context, the lowest free one first. */
	data.in_data = 0x5678;
	REQUIRE_OK(viommu_alloc(e.fd, 0, IOMMU_VIOMMU_TYPE_SELFTEST, e.idev, e.parent, &data,
				sizeof(data), &viommu3));
	CHECK_EQ(data.out_mmap_offset, ps);
	data.in_data = 0x9abc;
	REQUIRE_OK(viommu_alloc(e.fd, 0, IOMMU_VIOMMU_TYPE_SELFTEST, e.idev, e.parent, &data,
				sizeof(data), &viommu));
	CHECK_EQ(data.out_mmap_offset, 5 * ps);
	/* Placed inside a reservation, so that one munmap can cover it and more. */
	b = mmap(NULL, 4 * ps, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	REQUIRE(b != MAP_FAILED);
	a = mmap(b + ps, 2 * ps, PROT_READ, MAP_SHARED | MAP_FIXED, e.fd, 3 * ps);
	REQUIRE(a == b + ps);
	CHECK_EQ(*(uint32_t *)a, 0x1234);
	CHECK_ERR(iommu_destroy(e.fd, viommu2), EBUSY);
	CHECK_OK(munmap(b, 4 * ps));
	CHECK_OK(iommu_destroy(e.fd, viommu2));
	CHECK_OK(iommu_destroy(e.fd, viommu));
	CHECK_OK(iommu_destroy(e.fd, viommu3));
	CHECK_OK(iommu_destroy(e.fd, plain));
	CHECK_OK(iommu_destroy(e.fd, e.parent));
	close(e.fd);
}

/* A live mapping keeps the context after close(); munmap releases it (ASan: no leak). */
TEST(viommu_mmap_outlives_close)
{
	long ps = sysconf(_SC_PAGESIZE);
	struct iommu_viommu_selftest data = { .in_data = 0x4242 };
	uint32_t viommu = 0;
	struct env e;
	uint32_t *p;
	int fd2;

	setup(&e);
	REQUIRE_OK(viommu_alloc(e.fd, 0, IOMMU_VIOMMU_TYPE_SELFTEST, e.idev, e.parent, &data,
				sizeof(data), &viommu));
	p = mmap(NULL, 2 * ps, PROT_READ | PROT_WRITE, MAP_SHARED, e.fd, data.out_mmap_offset);
	REQUIRE(p != MAP_FAILED);
	CHECK_OK(close(e.fd));
	CHECK_EQ(*p, 0x4242);
	p[1] = 7;
	CHECK_EQ(p[1], 7);
	/* Another context has its own offsets. */
	fd2 = iommufd_open();
	REQUIRE(fd2 >= 0);
	CHECK(mmap(NULL, 2 * ps, PROT_READ, MAP_SHARED, fd2, data.out_mmap_offset) ==
	      MAP_FAILED && errno == ENXIO);
	close(fd2);
	CHECK_OK(munmap(p, 2 * ps));
}

/* MAP_FIXED over a live mapping replaces it: its reference goes at once. */
TEST(viommu_mmap_fixed_replaces)
{
	long ps = sysconf(_SC_PAGESIZE);
	struct iommu_viommu_selftest d1 = { .in_data = 0x31 }, d2 = { .in_data = 0x32 };
	uint32_t v1 = 0, v2 = 0;
	struct env e;
	uint8_t *a, *b;

	setup(&e);
	REQUIRE_OK(viommu_alloc(e.fd, 0, IOMMU_VIOMMU_TYPE_SELFTEST, e.idev, e.parent, &d1,
				sizeof(d1), &v1));
	REQUIRE_OK(viommu_alloc(e.fd, 0, IOMMU_VIOMMU_TYPE_SELFTEST, e.idev, e.parent, &d2,
				sizeof(d2), &v2));
	a = mmap(NULL, 2 * ps, PROT_READ, MAP_SHARED, e.fd, d1.out_mmap_offset);
	REQUIRE(a != MAP_FAILED);
	CHECK_ERR(iommu_destroy(e.fd, v1), EBUSY);
	b = mmap(a, 2 * ps, PROT_READ, MAP_SHARED | MAP_FIXED, e.fd, d2.out_mmap_offset);
	REQUIRE(b == a);
	CHECK_EQ(*(uint32_t *)b, 0x32);
	CHECK_OK(iommu_destroy(e.fd, v1));
	CHECK_ERR(iommu_destroy(e.fd, v2), EBUSY);
	CHECK_OK(munmap(b, 2 * ps));
	CHECK_OK(iommu_destroy(e.fd, v2));
	close(e.fd);
}

TEST(vdevice_alloc_rules)
{
	uint32_t viommu = 0, viommu2 = 0, vdev = 0, vdev2 = 0, stdev2 = 0, idev2 = 0;
	struct env e;

	setup(&e);
	REQUIRE_OK(viommu_alloc(e.fd, 0, IOMMU_VIOMMU_TYPE_SELFTEST, e.idev, e.parent, NULL, 0,
				&viommu));
	REQUIRE_OK(viommu_alloc(e.fd, 0, IOMMU_VIOMMU_TYPE_SELFTEST, e.idev, e.parent, NULL, 0,
				&viommu2));
	REQUIRE_OK(mock_domain(e.fd, e.ioas, &stdev2, NULL, &idev2));
	CHECK_ERR(vdevice_alloc(e.fd, 9999, e.idev, 0, NULL), ENOENT);
	CHECK_ERR(vdevice_alloc(e.fd, e.parent, e.idev, 0, NULL), ENOENT);
	CHECK_ERR(vdevice_alloc(e.fd, viommu, 9999, 0, NULL), ENOENT);
	CHECK_ERR(vdevice_alloc(e.fd, viommu, e.stdev, 0, NULL), ENOENT);
	/* virt_id 0 is legal. */
	REQUIRE_OK(vdevice_alloc(e.fd, viommu, e.idev, 0, &vdev));
	/* One vDEVICE per device, on any vIOMMU; one device per virt_id. */
	CHECK_ERR(vdevice_alloc(e.fd, viommu, e.idev, 1, NULL), EEXIST);
	CHECK_ERR(vdevice_alloc(e.fd, viommu2, e.idev, 1, NULL), EEXIST);
	CHECK_ERR(vdevice_alloc(e.fd, viommu, idev2, 0, NULL), EEXIST);
	REQUIRE_OK(vdevice_alloc(e.fd, viommu2, idev2, 0, &vdev2));
	/* The vDEVICE holds its vIOMMU. */
	CHECK_ERR(iommu_destroy(e.fd, viommu), EBUSY);
	CHECK_OK(iommu_destroy(e.fd, vdev));
	CHECK_ERR(iommu_destroy(e.fd, vdev), ENOENT);
	CHECK_OK(iommu_destroy(e.fd, viommu));
	/* The device is free for another vDEVICE. */
	REQUIRE_OK(vdevice_alloc(e.fd, viommu2, e.idev, 0x1234567890ull, &vdev));
	CHECK_ERR(iommu_destroy(e.fd, viommu2), EBUSY);
	CHECK_OK(iommu_destroy(e.fd, vdev));
	CHECK_OK(iommu_destroy(e.fd, vdev2));
	CHECK_OK(iommu_destroy(e.fd, viommu2));
	close(e.fd);
}

/* Unbinding the device destroys its vDEVICE and tombstones the ID (§3.3). */
TEST(vdevice_tombstone)
{
	uint32_t viommu = 0, vdev = 0, stdev2 = 0, idev2 = 0, ids[6], vdev3 = 0;
	struct env e;

	setup(&e);
	REQUIRE_OK(viommu_alloc(e.fd, 0, IOMMU_VIOMMU_TYPE_SELFTEST, e.idev, e.parent, NULL, 0,
				&viommu));
	REQUIRE_OK(mock_domain(e.fd, e.ioas, &stdev2, NULL, &idev2));
	REQUIRE_OK(vdevice_alloc(e.fd, viommu, idev2, 0x99, &vdev));
	CHECK_ERR(iommu_destroy(e.fd, viommu), EBUSY);
	CHECK_OK(iommu_destroy(e.fd, stdev2));
	CHECK_ERR(iommu_destroy(e.fd, vdev), ENOENT);
	/* The IDs below it are reused, the tombstone never. */
	for (int i = 0; i < 6; i++) {
		REQUIRE_OK(ioas_alloc(e.fd, &ids[i]));
		CHECK(ids[i] != vdev);
	}
	CHECK(ids[0] < vdev);
	CHECK_ERR(iommu_destroy(e.fd, vdev), ENOENT);
	/* The virt_id is free again and the vIOMMU lost that reference. */
	REQUIRE_OK(vdevice_alloc(e.fd, viommu, e.idev, 0x99, &vdev3));
	CHECK(vdev3 != vdev);
	CHECK_OK(iommu_destroy(e.fd, vdev3));
	CHECK_OK(iommu_destroy(e.fd, viommu));
	close(e.fd);
}

TEST(nested_on_viommu)
{
	struct iommu_hwpt_selftest data = { .iotlb = IOMMU_TEST_IOTLB_DEFAULT };
	uint32_t viommu = 0, nested = 0, vdev = 0, pt;
	struct env e;

	setup(&e);
	REQUIRE_OK(viommu_alloc(e.fd, 0, IOMMU_VIOMMU_TYPE_SELFTEST, e.idev, e.parent, NULL, 0,
				&viommu));
	/* The core's flag and data rules, then the mock's. */
	CHECK_ERR(nested_alloc(e.fd, e.idev, viommu, IOMMU_HWPT_ALLOC_NEST_PARENT,
			       IOMMU_HWPT_DATA_SELFTEST, &data, sizeof(data), NULL), EOPNOTSUPP);
	CHECK_ERR(nested_alloc(e.fd, e.idev, viommu, IOMMU_HWPT_ALLOC_DIRTY_TRACKING,
			       IOMMU_HWPT_DATA_SELFTEST, &data, sizeof(data), NULL), EOPNOTSUPP);
	CHECK_ERR(nested_alloc(e.fd, e.idev, viommu, 0, IOMMU_HWPT_DATA_NONE, NULL, 0, NULL),
		  EOPNOTSUPP);
	CHECK_ERR(nested_alloc(e.fd, e.idev, viommu, 0, IOMMU_HWPT_DATA_VTD_S1, &data,
			       sizeof(data), NULL), EOPNOTSUPP);
	CHECK_ERR(nested_alloc(e.fd, e.idev, viommu, 0, IOMMU_HWPT_DATA_SELFTEST, &data, 3, NULL),
		  EINVAL);
	CHECK_ERR(nested_alloc(e.fd, e.idev, viommu, 0, IOMMU_HWPT_DATA_SELFTEST, &data,
			       sizeof(data) + 1, NULL), EINVAL);
	CHECK_ERR(nested_alloc(e.fd, e.idev, viommu, 0, IOMMU_HWPT_DATA_SELFTEST, NULL,
			       sizeof(data), NULL), EFAULT);
	REQUIRE_OK(nested_alloc(e.fd, e.idev, viommu, IOMMU_HWPT_ALLOC_PASID,
				IOMMU_HWPT_DATA_SELFTEST, &data, sizeof(data), &nested));
	for (uint32_t i = 0; i < MOCK_NESTED_DOMAIN_IOTLB_NUM; i++)
		CHECK_OK(check_iotlb(e.fd, nested, i, IOMMU_TEST_IOTLB_DEFAULT));
	/* A nested HWPT on a vIOMMU is no pt_id for another. */
	CHECK_ERR(nested_alloc(e.fd, e.idev, nested, 0, IOMMU_HWPT_DATA_SELFTEST, &data,
			       sizeof(data), NULL), EINVAL);
	/* It holds the vIOMMU. */
	CHECK_ERR(iommu_destroy(e.fd, viommu), EBUSY);

	/* Attaching needs a vDEVICE of the device on that vIOMMU. */
	pt = nested;
	CHECK_ERR(mock_domain_replace(e.fd, e.stdev, &pt), ENOENT);
	CHECK_ERR(mock_domain_flags(e.fd, nested, 0, NULL, NULL, NULL), ENOENT);
	REQUIRE_OK(vdevice_alloc(e.fd, viommu, e.idev, 0x10, &vdev));
	pt = nested;
	CHECK_OK(mock_domain_replace(e.fd, e.stdev, &pt));
	CHECK_EQ(pt, nested);
	CHECK_ERR(iommu_destroy(e.fd, nested), EBUSY);
	/* The RID's previous automatic domain went away. */
	CHECK_ERR(iommu_destroy(e.fd, e.auto_hwpt), ENOENT);
	pt = e.ioas;
	CHECK_OK(mock_domain_replace(e.fd, e.stdev, &pt));
	CHECK_OK(iommu_destroy(e.fd, nested));
	CHECK_OK(iommu_destroy(e.fd, vdev));
	CHECK_OK(iommu_destroy(e.fd, viommu));
	close(e.fd);
}

TEST(viommu_invalidate)
{
	struct iommu_viommu_invalidate_selftest inv[3];
	const uint32_t def = IOMMU_TEST_DEV_CACHE_DEFAULT;
	uint32_t viommu = 0, vdev = 0, vdev2 = 0, stdev2 = 0, idev2 = 0, num;
	struct env e;

	setup(&e);
	REQUIRE_OK(viommu_alloc(e.fd, 0, IOMMU_VIOMMU_TYPE_SELFTEST, e.idev, e.parent, NULL, 0,
				&viommu));
	REQUIRE_OK(mock_domain(e.fd, e.ioas, &stdev2, NULL, &idev2));
	REQUIRE_OK(vdevice_alloc(e.fd, viommu, e.idev, 0x99, &vdev));
	REQUIRE_OK(vdevice_alloc(e.fd, viommu, idev2, 0x88, &vdev2));
	CHECK_OK(check_cache_all(e.fd, e.idev, (uint32_t[]){ def, def, def, def }));

	/* The array type even without entries; an empty array of the right one. */
	num = 0;
	CHECK_ERR(invalidate(e.fd, viommu, IOMMU_VIOMMU_INVALIDATE_DATA_SELFTEST_INVALID, inv,
			     sizeof(inv[0]), &num), EINVAL);
	num = 0;
	CHECK_OK(invalidate(e.fd, viommu, IOMMU_VIOMMU_INVALIDATE_DATA_SELFTEST, inv,
			    sizeof(inv[0]), &num));
	CHECK_EQ(num, 0);
	/* Entry length (§2.4). */
	inv[0] = (struct iommu_viommu_invalidate_selftest){ .vdev_id = 0x99, .cache_id = 0 };
	num = 1;
	CHECK_ERR(invalidate(e.fd, viommu, IOMMU_VIOMMU_INVALIDATE_DATA_SELFTEST, inv, 1, &num),
		  EINVAL);
	CHECK_EQ(num, 0);
	num = 1;
	CHECK_ERR(invalidate(e.fd, viommu, IOMMU_VIOMMU_INVALIDATE_DATA_SELFTEST, inv,
			     sizeof(inv[0]) + 1, &num), EINVAL);
	CHECK_EQ(num, 0);
	/* Unknown flags, cache_id beyond 3, a virt_id not on this vIOMMU. */
	inv[0].flags = 1u << 1;
	num = 1;
	CHECK_ERR(invalidate(e.fd, viommu, IOMMU_VIOMMU_INVALIDATE_DATA_SELFTEST, inv,
			     sizeof(inv[0]), &num), EOPNOTSUPP);
	inv[0] = (struct iommu_viommu_invalidate_selftest){
		.vdev_id = 0x99, .cache_id = MOCK_DEV_CACHE_ID_MAX + 1 };
	num = 1;
	CHECK_ERR(invalidate(e.fd, viommu, IOMMU_VIOMMU_INVALIDATE_DATA_SELFTEST, inv,
			     sizeof(inv[0]), &num), EINVAL);
	inv[0] = (struct iommu_viommu_invalidate_selftest){ .vdev_id = 0x77, .cache_id = 0 };
	num = 1;
	CHECK_ERR(invalidate(e.fd, viommu, IOMMU_VIOMMU_INVALIDATE_DATA_SELFTEST, inv,
			     sizeof(inv[0]), &num), EINVAL);
	CHECK_EQ(num, 0);
	CHECK_OK(check_cache_all(e.fd, e.idev, (uint32_t[]){ def, def, def, def }));

	/* Two good entries then a bad one: two handled, reported. */
	inv[0] = (struct iommu_viommu_invalidate_selftest){ .vdev_id = 0x99, .cache_id = 0 };
	inv[1] = (struct iommu_viommu_invalidate_selftest){ .vdev_id = 0x99, .cache_id = 2 };
	inv[2] = (struct iommu_viommu_invalidate_selftest){ .vdev_id = 0x99, .cache_id = 9 };
	num = 3;
	CHECK_ERR(invalidate(e.fd, viommu, IOMMU_VIOMMU_INVALIDATE_DATA_SELFTEST, inv,
			     sizeof(inv[0]), &num), EINVAL);
	CHECK_EQ(num, 2);
	CHECK_OK(check_cache_all(e.fd, e.idev, (uint32_t[]){ 0, def, 0, def }));
	CHECK_OK(check_cache_all(e.fd, idev2, (uint32_t[]){ def, def, def, def }));
	/* FLAG_ALL clears every slot of that device only; cache_id is then ignored but checked. */
	inv[0] = (struct iommu_viommu_invalidate_selftest){
		.flags = IOMMU_TEST_INVALIDATE_FLAG_ALL, .vdev_id = 0x88 };
	num = 1;
	CHECK_OK(invalidate(e.fd, viommu, IOMMU_VIOMMU_INVALIDATE_DATA_SELFTEST, inv,
			    sizeof(inv[0]), &num));
	CHECK_EQ(num, 1);
	CHECK_OK(check_cache_all(e.fd, idev2, (uint32_t[]){ 0, 0, 0, 0 }));
	CHECK_OK(check_cache_all(e.fd, e.idev, (uint32_t[]){ 0, def, 0, def }));
	/* A short entry (12 bytes is the minimum) is EINVAL; a bad pointer EFAULT. */
	num = 1;
	CHECK_ERR(invalidate(e.fd, viommu, IOMMU_VIOMMU_INVALIDATE_DATA_SELFTEST, inv, 8, &num),
		  EINVAL);
	num = 1;
	CHECK_ERR(invalidate(e.fd, viommu, IOMMU_VIOMMU_INVALIDATE_DATA_SELFTEST,
			     (void *)(uintptr_t)8, sizeof(inv[0]), &num), EFAULT);
	/* After its device is gone, a virt_id no longer matches. */
	CHECK_OK(iommu_destroy(e.fd, stdev2));
	inv[0].flags = 0;
	num = 1;
	CHECK_ERR(invalidate(e.fd, viommu, IOMMU_VIOMMU_INVALIDATE_DATA_SELFTEST, inv,
			     sizeof(inv[0]), &num), EINVAL);
	CHECK_OK(iommu_destroy(e.fd, vdev));
	CHECK_OK(iommu_destroy(e.fd, viommu));
	close(e.fd);
}

struct hwq_env {
	struct env e;
	uint32_t viommu;
	uint8_t *buf;		/* 4 pages mapped at MOCK_APERTURE_START */
	uint64_t iova;
	uint64_t spare_iova;	/* a separate area of one page of buf */
};

static void hwq_setup(struct hwq_env *h)
{
	long ps = sysconf(_SC_PAGESIZE);

	setup(&h->e);
	h->buf = mmap(NULL, 4 * ps, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	REQUIRE(h->buf != MAP_FAILED);
	h->iova = MOCK_APERTURE_START;
	REQUIRE_OK(ioas_map(h->e.fd, h->e.ioas, h->buf, 4 * ps, &h->iova, MAP_FIXED_RW));
	h->spare_iova = h->iova + 16 * ps;
	REQUIRE_OK(ioas_map(h->e.fd, h->e.ioas, h->buf, ps, &h->spare_iova, MAP_FIXED_RW));
	REQUIRE_OK(viommu_alloc(h->e.fd, 0, IOMMU_VIOMMU_TYPE_SELFTEST, h->e.idev, h->e.parent,
				NULL, 0, &h->viommu));
}

TEST(hw_queue_rules)
{
	long ps = sysconf(_SC_PAGESIZE);
	const uint32_t T = IOMMU_HW_QUEUE_TYPE_SELFTEST;
	uint32_t q0 = 0, q1 = 0;
	struct hwq_env h;
	int fd;

	hwq_setup(&h);
	fd = h.e.fd;
	/* Order: flags/type, length, overflow, vIOMMU, queue type. */
	CHECK_ERR(hw_queue_alloc(fd, 1, h.viommu, T, 0, h.iova, ps, NULL), EOPNOTSUPP);
	CHECK_ERR(hw_queue_alloc(fd, 0, 9999, IOMMU_HW_QUEUE_TYPE_DEFAULT, 0, h.iova, 0, NULL),
		  EOPNOTSUPP);
	CHECK_ERR(hw_queue_alloc(fd, 0, 9999, T, 0, h.iova, 0, NULL), EINVAL);
	CHECK_ERR(hw_queue_alloc(fd, 0, 9999, T, 0, UINT64_MAX - 1, 3, NULL), EOVERFLOW);
	CHECK_ERR(hw_queue_alloc(fd, 0, 9999, T, 0, h.iova, ps, NULL), ENOENT);
	CHECK_ERR(hw_queue_alloc(fd, 0, h.e.parent, T, 0, h.iova, ps, NULL), ENOENT);
	CHECK_ERR(hw_queue_alloc(fd, 0, h.viommu, IOMMU_HW_QUEUE_TYPE_TEGRA241_CMDQV, 9, 0, ps,
				 NULL), EOPNOTSUPP);
	/* The pin comes before the driver's index checks. */
	CHECK_ERR(hw_queue_alloc(fd, 0, h.viommu, T, 2, h.iova + 4 * ps, ps, NULL), ENOENT);
	CHECK_ERR(hw_queue_alloc(fd, 0, h.viommu, T, 0, h.iova + 3 * ps, 2 * ps, NULL), ENOENT);
	CHECK_ERR(hw_queue_alloc(fd, 0, h.viommu, T, 2, h.iova, ps, NULL), EINVAL);
	CHECK_ERR(hw_queue_alloc(fd, 0, h.viommu, T, 1, h.iova, ps, NULL), EIO);
	/* Unaligned within one page: that page is pinned and locked. */
	REQUIRE_OK(hw_queue_alloc(fd, 0, h.viommu, T, 0, h.iova + 100, 200, &q0));
	/* The internal access took the next ID; it is nobody's to destroy. */
	CHECK_ERR(iommu_destroy(fd, q0 + 1), EBUSY);
	CHECK_ERR(hw_queue_alloc(fd, 0, h.viommu, T, 0, h.iova + ps, ps, NULL), EEXIST);
	REQUIRE_OK(hw_queue_alloc(fd, 0, h.viommu, T, 1, h.iova + ps, 2 * ps, &q1));
	/* Queue 1 depends on queue 0; both hold the vIOMMU, which holds the rest. */
	CHECK_ERR(iommu_destroy(fd, q0), EBUSY);
	CHECK_ERR(iommu_destroy(fd, h.viommu), EBUSY);
	CHECK_ERR(iommu_destroy(fd, h.e.parent), EBUSY);
	CHECK_ERR(iommu_destroy(fd, h.e.ioas), EBUSY);
	/* The area holding the queues is locked; another area is not. */
	CHECK_ERR(ioas_unmap(fd, h.e.ioas, h.iova, 4 * ps, NULL), EBUSY);
	CHECK_ERR(ioas_unmap_all(fd, h.e.ioas, NULL), EBUSY);
	CHECK_OK(ioas_unmap(fd, h.e.ioas, h.spare_iova, ps, NULL));
	CHECK_OK(iommu_destroy(fd, q1));
	/* Queue 0 still locks it. */
	CHECK_ERR(ioas_unmap(fd, h.e.ioas, h.iova, 4 * ps, NULL), EBUSY);
	CHECK_ERR(iommu_destroy(fd, q1 + 1), ENOENT);
	CHECK_OK(iommu_destroy(fd, q0));
	CHECK_ERR(iommu_destroy(fd, q0 + 1), ENOENT);
	CHECK_OK(iommu_destroy(fd, h.viommu));
	CHECK_OK(iommu_destroy(fd, h.e.parent));
	CHECK_OK(ioas_unmap(fd, h.e.ioas, h.iova, 4 * ps, NULL));
	munmap(h.buf, 4 * ps);
	close(fd);
}

/* Memory not contiguous in the host: EFAULT; nothing stays pinned or locked. */
TEST(hw_queue_not_contiguous)
{
	long ps = sysconf(_SC_PAGESIZE);
	uint64_t iova2, len = 0;
	struct hwq_env h;
	uint8_t *other;

	hwq_setup(&h);
	/* Its third page cannot follow buf's last (that would overlap buf). */
	other = mmap(NULL, 3 * ps, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	REQUIRE(other != MAP_FAILED);
	/* IOVA-contiguous with the 4 pages, elsewhere in memory. */
	iova2 = h.iova + 4 * ps;
	REQUIRE_OK(ioas_map(h.e.fd, h.e.ioas, other + 2 * ps, ps, &iova2, MAP_FIXED_RW));
	CHECK_ERR(hw_queue_alloc(h.e.fd, 0, h.viommu, IOMMU_HW_QUEUE_TYPE_SELFTEST, 0,
				 h.iova + 3 * ps, 2 * ps, NULL), EFAULT);
	/* Nothing stays pinned or locked. */
	CHECK_OK(ioas_unmap(h.e.fd, h.e.ioas, h.iova, 5 * ps, &len));
	CHECK_EQ(len, 5 * ps);
	CHECK_OK(iommu_destroy(h.e.fd, h.viommu));
	close(h.e.fd);
	munmap(other, 3 * ps);
	munmap(h.buf, 4 * ps);
}

/*
 * A struct the answer cannot be written to: EFAULT, and the new object is
 * undone (its ID, pins, locks, slot, region and references).
 */
TEST(readonly_struct_undoes)
{
	long ps = sysconf(_SC_PAGESIZE);
	struct iommu_viommu_selftest data = { .in_data = 5 };
	uint32_t q0 = 0, viommu2 = 0;
	struct hwq_env h;
	void *page;

	hwq_setup(&h);
	page = mmap(NULL, ps, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	REQUIRE(page != MAP_FAILED);
	*(struct iommu_hw_queue_alloc *)page = (struct iommu_hw_queue_alloc){
		.size = sizeof(struct iommu_hw_queue_alloc), .viommu_id = h.viommu,
		.type = IOMMU_HW_QUEUE_TYPE_SELFTEST, .index = 0, .nesting_parent_iova = h.iova,
		.length = ps,
	};
	REQUIRE_OK(mprotect(page, ps, PROT_READ));
	CHECK_ERR(ioctl(h.e.fd, IOMMU_HW_QUEUE_ALLOC, page), EFAULT);
	/* Nothing locked, the slot free, no reference on the vIOMMU. */
	CHECK_OK(ioas_unmap(h.e.fd, h.e.ioas, h.iova, 4 * ps, NULL));
	CHECK_OK(ioas_map(h.e.fd, h.e.ioas, h.buf, 4 * ps, &h.iova, MAP_FIXED_RW));
	REQUIRE_OK(hw_queue_alloc(h.e.fd, 0, h.viommu, IOMMU_HW_QUEUE_TYPE_SELFTEST, 0, h.iova,
				  ps, &q0));
	/* Its IDs (queue and internal access) were released: the lowest free. */
	CHECK_EQ(q0, h.viommu + 1);
	CHECK_OK(iommu_destroy(h.e.fd, q0));

	REQUIRE_OK(mprotect(page, ps, PROT_READ | PROT_WRITE));
	*(struct iommu_viommu_alloc *)page = (struct iommu_viommu_alloc){
		.size = sizeof(struct iommu_viommu_alloc), .type = IOMMU_VIOMMU_TYPE_SELFTEST,
		.dev_id = h.e.idev, .hwpt_id = h.e.parent, .data_len = sizeof(data),
		.data_uptr = (uintptr_t)&data,
	};
	REQUIRE_OK(mprotect(page, ps, PROT_READ));
	CHECK_ERR(ioctl(h.e.fd, IOMMU_VIOMMU_ALLOC, page), EFAULT);
	/* The region went with it: the next vIOMMU gets the same offset. */
	data.out_mmap_offset = 0;
	REQUIRE_OK(viommu_alloc(h.e.fd, 0, IOMMU_VIOMMU_TYPE_SELFTEST, h.e.idev, h.e.parent,
				&data, sizeof(data), &viommu2));
	CHECK_EQ(data.out_mmap_offset, ps);
	CHECK_EQ(viommu2, h.viommu + 1);
	CHECK_OK(iommu_destroy(h.e.fd, viommu2));
	CHECK_OK(iommu_destroy(h.e.fd, h.viommu));
	CHECK_OK(iommu_destroy(h.e.fd, h.e.parent));
	munmap(page, ps);
	munmap(h.buf, 4 * ps);
	close(h.e.fd);
}

/* close() with every kind of object alive destroys them in a valid order. */
TEST(close_everything_alive)
{
	long ps = sysconf(_SC_PAGESIZE);
	struct iommu_viommu_selftest data = { .in_data = 1 };
	struct iommu_hwpt_selftest hdata = { .iotlb = 2 };
	uint32_t viommu = 0, vdev = 0, nested = 0, pt, q0 = 0, q1 = 0;
	struct hwq_env h;
	void *map;
	int fd;

	hwq_setup(&h);
	fd = h.e.fd;
	REQUIRE_OK(viommu_alloc(fd, 0, IOMMU_VIOMMU_TYPE_SELFTEST, h.e.idev, h.e.parent, &data,
				sizeof(data), &viommu));
	REQUIRE_OK(vdevice_alloc(fd, viommu, h.e.idev, 3, &vdev));
	REQUIRE_OK(nested_alloc(fd, h.e.idev, viommu, 0, IOMMU_HWPT_DATA_SELFTEST, &hdata,
				sizeof(hdata), &nested));
	pt = nested;
	REQUIRE_OK(mock_domain_replace(fd, h.e.stdev, &pt));
	REQUIRE_OK(hw_queue_alloc(fd, 0, viommu, IOMMU_HW_QUEUE_TYPE_SELFTEST, 0, h.iova, ps,
				  &q0));
	REQUIRE_OK(hw_queue_alloc(fd, 0, viommu, IOMMU_HW_QUEUE_TYPE_SELFTEST, 1, h.iova + ps,
				  ps, &q1));
	map = mmap(NULL, 2 * ps, PROT_READ, MAP_SHARED, fd, data.out_mmap_offset);
	REQUIRE(map != MAP_FAILED);
	CHECK_OK(munmap(map, 2 * ps));
	CHECK_OK(close(fd));
	/* Every pin is gone once close() returns. */
	fd = iommufd_open();
	REQUIRE(fd >= 0);
	CHECK_OK(md_check_refs(fd, h.buf, 4 * ps, 0));
	close(fd);
	munmap(h.buf, 4 * ps);
}

struct race_arg {
	int fd;
	uint32_t id;
	pthread_barrier_t *barrier;
	int rc, err;
};

static void *race_destroy(void *p)
{
	struct race_arg *a = p;

	pthread_barrier_wait(a->barrier);
	a->rc = iommu_destroy(a->fd, a->id);
	a->err = a->rc ? errno : 0;
	return NULL;
}

/*
 * IOMMU_DESTROY of a vDEVICE racing the unbind of its device: exactly one
 * of them destroys it, the ID ends up ENOENT, the vIOMMU loses the
 * reference either way (ASan: no use after free, no leak).
 */
TEST(vdevice_destroy_races_unbind)
{
	uint32_t viommu = 0;
	pthread_barrier_t barrier;
	struct env e;

	setup(&e);
	REQUIRE_OK(viommu_alloc(e.fd, 0, IOMMU_VIOMMU_TYPE_SELFTEST, e.idev, e.parent, NULL, 0,
				&viommu));
	pthread_barrier_init(&barrier, NULL, 2);
	for (int i = 0; i < 200; i++) {
		struct race_arg a = { .fd = e.fd, .barrier = &barrier };
		struct race_arg b = { .fd = e.fd, .barrier = &barrier };
		uint32_t stdev = 0, idev = 0, vdev = 0;
		pthread_t ta, tb;

		REQUIRE_OK(mock_domain(e.fd, e.ioas, &stdev, NULL, &idev));
		REQUIRE_OK(vdevice_alloc(e.fd, viommu, idev, (uint64_t)i, &vdev));
		a.id = vdev;
		b.id = stdev;
		REQUIRE(!pthread_create(&ta, NULL, race_destroy, &a));
		REQUIRE(!pthread_create(&tb, NULL, race_destroy, &b));
		pthread_join(ta, NULL);
		pthread_join(tb, NULL);
		CHECK_EQ(b.rc, 0);
		CHECK(a.rc == 0 || a.err == ENOENT);
		CHECK_ERR(iommu_destroy(e.fd, vdev), ENOENT);
	}
	pthread_barrier_destroy(&barrier);
	CHECK_OK(iommu_destroy(e.fd, viommu));
	close(e.fd);
}

struct hwq_race_arg {
	struct hwq_env *h;
	pthread_barrier_t *barrier;
	uint32_t q1;
	int rc, err;
};

static void *race_hw_queue_alloc(void *p)
{
	struct hwq_race_arg *a = p;
	long ps = sysconf(_SC_PAGESIZE);

	pthread_barrier_wait(a->barrier);
	a->rc = hw_queue_alloc(a->h->e.fd, 0, a->h->viommu, IOMMU_HW_QUEUE_TYPE_SELFTEST, 1,
			       a->h->iova + ps, ps, &a->q1);
	a->err = a->rc ? errno : 0;
	return NULL;
}

/*
 * Allocating queue 1 while queue 0 is being destroyed: either queue 1
 * exists and holds queue 0 (EBUSY), or queue 0 is gone and queue 1 is EIO.
 */
TEST(hw_queue_alloc_races_destroy)
{
	pthread_barrier_t barrier;
	struct hwq_env h;

	hwq_setup(&h);
	pthread_barrier_init(&barrier, NULL, 2);
	for (int i = 0; i < 100; i++) {
		struct hwq_race_arg a = { .h = &h, .barrier = &barrier };
		struct race_arg b = { .fd = h.e.fd, .barrier = &barrier };
		pthread_t ta, tb;

		REQUIRE_OK(hw_queue_alloc(h.e.fd, 0, h.viommu, IOMMU_HW_QUEUE_TYPE_SELFTEST, 0,
					  h.iova, 100, &b.id));
		REQUIRE(!pthread_create(&ta, NULL, race_hw_queue_alloc, &a));
		REQUIRE(!pthread_create(&tb, NULL, race_destroy, &b));
		pthread_join(ta, NULL);
		pthread_join(tb, NULL);
		if (a.rc) {
			CHECK_EQ(a.err, EIO);
			CHECK_EQ(b.rc, 0);
		} else {
			CHECK(b.rc && b.err == EBUSY);
			CHECK_OK(iommu_destroy(h.e.fd, a.q1));
			CHECK_OK(iommu_destroy(h.e.fd, b.id));
		}
	}
	pthread_barrier_destroy(&barrier);
	CHECK_OK(iommu_destroy(h.e.fd, h.viommu));
	close(h.e.fd);
	munmap(h.buf, 4 * sysconf(_SC_PAGESIZE));
}

/* Devices behind another IOMMU (the VFIO VT-d function of SOFTIOMMU_DEVICES). */
TEST(other_iommu_device)
{
	struct iommu_hwpt_selftest hdata = { .iotlb = 2 };
	uint32_t viommu = 0, vtd_dev = 0, vtd_parent = 0, nested = 0, vdev = 0, pt;
	struct env e;
	int devfd;

	setup(&e);
	devfd = open_cdev_by_bdf(TEST_VTD_BDF);
	REQUIRE(devfd >= 0);
	REQUIRE_OK(vfio_bind(devfd, e.fd, &vtd_dev));
	/* The VT-d device offers no selftest vIOMMU. */
	CHECK_ERR(viommu_alloc(e.fd, 0, IOMMU_VIOMMU_TYPE_SELFTEST, vtd_dev, e.parent, NULL, 0,
			       NULL), EOPNOTSUPP);
	REQUIRE_OK(viommu_alloc(e.fd, 0, IOMMU_VIOMMU_TYPE_SELFTEST, e.idev, e.parent, NULL, 0,
				&viommu));
	CHECK_ERR(vdevice_alloc(e.fd, viommu, vtd_dev, 1, NULL), EINVAL);
	CHECK_ERR(nested_alloc(e.fd, vtd_dev, viommu, 0, IOMMU_HWPT_DATA_SELFTEST, &hdata,
			       sizeof(hdata), NULL), EINVAL);
	/* The device check comes before the flag rules. */
	CHECK_ERR(nested_alloc(e.fd, vtd_dev, viommu, IOMMU_HWPT_ALLOC_NEST_PARENT,
			       IOMMU_HWPT_DATA_NONE, NULL, 0, NULL), EINVAL);
	/* A nesting parent of another IOMMU is no parent for the mock's vIOMMU. */
	REQUIRE_OK(hwpt_alloc_simple(e.fd, vtd_dev, e.ioas, IOMMU_HWPT_ALLOC_NEST_PARENT,
				     &vtd_parent));
	CHECK_ERR(viommu_alloc(e.fd, 0, IOMMU_VIOMMU_TYPE_SELFTEST, e.idev, vtd_parent, NULL, 0,
			       NULL), EINVAL);
	REQUIRE_OK(vdevice_alloc(e.fd, viommu, e.idev, 1, &vdev));
	REQUIRE_OK(nested_alloc(e.fd, e.idev, viommu, 0, IOMMU_HWPT_DATA_SELFTEST, &hdata,
				sizeof(hdata), &nested));
	/* VFIO cdev attach goes through the same rules: another IOMMU's HWPT. */
	pt = nested;
	CHECK_ERR(vfio_attach(devfd, &pt), EINVAL);
	/* Closing the cdev unbinds its device; it had no vDEVICE. */
	close(devfd);
	CHECK_OK(iommu_destroy(e.fd, vtd_parent));
	CHECK_OK(iommu_destroy(e.fd, nested));
	CHECK_OK(iommu_destroy(e.fd, vdev));
	CHECK_OK(iommu_destroy(e.fd, viommu));
	close(e.fd);
}

HARNESS_MAIN()
