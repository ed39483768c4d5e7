/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * QEMU's iommufd backend, replayed step by step against the emulated VT-d
 * function TEST_VTD_BDF (spec clients-and-preload §3b, iommufd_cdev_attach
 * and the memory listener): find the cdev through sysfs, check its devt,
 * open /dev/iommu, bind, allocate an IOAS, attach (auto domain, then a user
 * HWPT found by "try each HWPT, EINVAL means incompatible"), GET_HW_INFO,
 * HWPT_ALLOC with DIRTY_TRACKING|NEST_PARENT, IOVA_RANGES two-step, map
 * guest RAM, unmap (ENOENT is success), unmap-all in two halves, device
 * info, then the teardown order of vfio_iommufd_detach.
 */
#include <sys/mman.h>

#include "harness.h"
#include "iommufd_helpers.h"
#include "vfio_helpers.h"

#define GUEST_RAM_SIZE (4ull << 20)
#define GUEST_RAM_IOVA 0x0ull
#define GUEST_HIGH_IOVA 0x100000000ull

/* IOMMU_IOAS_UNMAP as QEMU's iommufd_backend_unmap_dma: ENOENT is success. */
static int qemu_unmap(int fd, uint32_t ioas, uint64_t iova, uint64_t size)
{
	int ret = ioas_unmap(fd, ioas, iova, size, NULL);

	if (ret && errno == ENOENT)
		ret = 0;
	return ret;
}

/* The vfio-dev listing, the dev files and the devt check. */
TEST(sysfs_discovery)
{
	char name[64], text[64];
	struct stat st;
	int fd;

	/* vfio_device_get_name(): the sysfs device must exist. */
	CHECK_OK(stat(SYSFS_PCI TEST_VTD_BDF, &st));
	CHECK(S_ISDIR(st.st_mode));
	CHECK_OK(sysfs_vfio_name(TEST_VTD_BDF, name, sizeof(name)));
	CHECK(!strcmp(name, "vfio0"));
	CHECK(read_text(SYSFS_PCI TEST_VTD_BDF "/vfio-dev/vfio0/dev", text, sizeof(text)) > 0);
	CHECK(!strcmp(text, "511:0\n"));
	CHECK(read_text("/sys/class/vfio-dev/vfio0/dev", text, sizeof(text)) > 0);
	CHECK(!strcmp(text, "511:0\n"));
	CHECK(read_text(SYSFS_PCI TEST_SMMU_BDF "/vfio-dev/vfio1/dev", text, sizeof(text)) > 0);
	CHECK(!strcmp(text, "511:1\n"));
	/* A bus address that is not emulated stays the host's. */
	CHECK_ERR(sysfs_vfio_name("0000:7f:1f.7", name, sizeof(name)), ENOENT);

	fd = open_cdev_by_bdf(TEST_VTD_BDF);
	REQUIRE(fd >= 0);
	CHECK_OK(fstat(fd, &st));
	CHECK(S_ISCHR(st.st_mode));
	CHECK_EQ(major(st.st_rdev), 511);
	CHECK_EQ(minor(st.st_rdev), 0);
	CHECK_OK(close(fd));
}

/* iommufd_cdev_attach() through guest RAM mapping and teardown. */
TEST(qemu_cdev_attach_and_teardown)
{
	uint32_t devid, ioas, hwpt_auto, hwpt, pt, devid2, smmu_hwpt, n = 4;
	struct iommu_hw_info info;
	struct iommu_hw_info_vtd vtd;
	struct iommu_iova_range r[4];
	struct vfio_device_info dinfo = { .argsz = sizeof(dinfo) };
	struct vfio_pci_hot_reset reset = { .argsz = sizeof(reset) };
	uint64_t iova, align = 0;
	int devfd, iommufd, devfd2;
	void *ram;

	/* 1. the device fd; 2. connect the backend; 3. bind. */
	devfd = open_cdev_by_bdf(TEST_VTD_BDF);
	REQUIRE(devfd >= 0);
	iommufd = open("/dev/iommu", O_RDWR);
	REQUIRE(iommufd >= 0);
	REQUIRE_OK(vfio_bind(devfd, iommufd, &devid));
	CHECK(devid != 0);

	/* 4. a container: a new IOAS. */
	REQUIRE_OK(ioas_alloc(iommufd, &ioas));

	/* 5. autodomains: nothing to try yet, so the IOAS itself first. */
	hwpt_auto = ioas;
	REQUIRE_OK(vfio_attach(devfd, &hwpt_auto));
	CHECK(hwpt_auto != ioas);

	/* The dirty-tracking path: GET_HW_INFO, then a HWPT of our own. */
	memset(&vtd, 0xa5, sizeof(vtd));
	REQUIRE_OK(hw_info(iommufd, devid, &vtd, sizeof(vtd), &info));
	CHECK_EQ(info.out_data_type, IOMMU_HW_INFO_TYPE_INTEL_VTD);
	CHECK_EQ(info.data_len, sizeof(vtd));
	CHECK(info.out_capabilities & IOMMU_HW_CAP_DIRTY_TRACKING);
	CHECK_EQ(info.out_max_pasid_log2, 20);
	CHECK_EQ(vtd.flags, 0);
	CHECK((vtd.ecap_reg >> 26) & 1);		/* NEST */
	CHECK((vtd.cap_reg >> 56) & 1);			/* FS1GP */
	REQUIRE_OK(hwpt_alloc(iommufd, devid, ioas,
			      IOMMU_HWPT_ALLOC_DIRTY_TRACKING | IOMMU_HWPT_ALLOC_NEST_PARENT,
			      &hwpt));
	pt = hwpt;
	CHECK_OK(vfio_attach(devfd, &pt));	/* a replace: Linux's VFIO does that */
	CHECK_EQ(pt, hwpt);
	/* The auto domain lost its last device and is gone. */
	CHECK_ERR(iommu_destroy(iommufd, hwpt_auto), ENOENT);

	/* Another device tries the existing HWPTs: VT-d's is incompatible (EINVAL). */
	devfd2 = open_cdev_by_bdf(TEST_SMMU_BDF);
	REQUIRE(devfd2 >= 0);
	REQUIRE_OK(vfio_bind(devfd2, iommufd, &devid2));
	smmu_hwpt = hwpt;
	CHECK_ERR(vfio_attach(devfd2, &smmu_hwpt), EINVAL);
	/* It does not dirty-track: a dirty-tracking HWPT for it is refused. */
	CHECK_ERR(hwpt_alloc(iommufd, devid2, ioas, IOMMU_HWPT_ALLOC_DIRTY_TRACKING, NULL),
		  EOPNOTSUPP);
	REQUIRE_OK(hwpt_alloc(iommufd, devid2, ioas, IOMMU_HWPT_ALLOC_NEST_PARENT, &smmu_hwpt));
	pt = smmu_hwpt;
	CHECK_OK(vfio_attach(devfd2, &pt));

	/* 6. IOVA ranges: the MSI window is a hole now, the top is the 48-bit aperture. */
	REQUIRE_OK(iova_ranges_2step(iommufd, ioas, r, &n, &align));
	REQUIRE(n == 2);
	CHECK_EQ(r[0].start, 0);
	CHECK_EQ(r[0].last, VTD_MSI_START - 1);
	CHECK_EQ(r[1].start, VTD_MSI_LAST + 1);
	CHECK_EQ(r[1].last, (1ull << 48) - 1);
	CHECK(align >= 4096);

	/* 7. the memory listener: guest RAM at fixed IOVAs. */
	ram = mmap(NULL, GUEST_RAM_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		   -1, 0);
	REQUIRE(ram != MAP_FAILED);
	iova = GUEST_RAM_IOVA;
	CHECK_OK(ioas_map(iommufd, ioas, ram, GUEST_RAM_SIZE / 2, &iova,
			  MAP_FIXED_RW));
	iova = GUEST_HIGH_IOVA;
	CHECK_OK(ioas_map(iommufd, ioas, (char *)ram + GUEST_RAM_SIZE / 2, GUEST_RAM_SIZE / 2,
			  &iova, MAP_FIXED_RW));
	/* RAM cannot go over the interrupt window (reserved: EINVAL, as iopt_check_iova). */
	iova = VTD_MSI_START;
	CHECK_ERR(ioas_map(iommufd, ioas, ram, 4096, &iova, MAP_FIXED_RW), EINVAL);
	/* A vIOMMU's redundant unmap: ENOENT, taken as success. */
	CHECK_OK(qemu_unmap(iommufd, ioas, 0x40000000, 0x1000));
	CHECK_OK(qemu_unmap(iommufd, ioas, GUEST_HIGH_IOVA, GUEST_RAM_SIZE / 2));
	/* Unmap-all as two halves of 2^64. */
	CHECK_OK(qemu_unmap(iommufd, ioas, 0, 1ull << 63));
	CHECK_OK(qemu_unmap(iommufd, ioas, 1ull << 63, 1ull << 63));
	CHECK_ERR(ioas_unmap(iommufd, ioas, GUEST_RAM_IOVA, GUEST_RAM_SIZE / 2, NULL), ENOENT);

	/* 8. device ioctls; the hot reset of a cdev takes no group fds. */
	CHECK_OK(ioctl(devfd, VFIO_DEVICE_GET_INFO, &dinfo));
	CHECK_EQ(dinfo.flags, VFIO_DEVICE_FLAGS_PCI | VFIO_DEVICE_FLAGS_RESET);
	CHECK_EQ(dinfo.num_regions, VFIO_PCI_NUM_REGIONS);
	CHECK_EQ(dinfo.num_irqs, VFIO_PCI_NUM_IRQS);
	CHECK_OK(ioctl(devfd, VFIO_DEVICE_PCI_HOT_RESET, &reset));

	/* 10. teardown: detach, destroy the HWPT, then the IOAS, close. */
	CHECK_ERR(iommu_destroy(iommufd, hwpt), EBUSY);
	CHECK_OK(vfio_detach(devfd));
	CHECK_OK(vfio_detach(devfd2));
	CHECK_OK(iommu_destroy(iommufd, hwpt));
	CHECK_OK(iommu_destroy(iommufd, smmu_hwpt));
	CHECK_OK(iommu_destroy(iommufd, ioas));
	/* Bound devices cannot be destroyed through iommufd. */
	CHECK_ERR(iommu_destroy(iommufd, devid), EBUSY);
	CHECK_OK(close(devfd2));
	CHECK_OK(close(devfd));
	CHECK_OK(close(iommufd));
	munmap(ram, GUEST_RAM_SIZE);
}

/* Dirty tracking on the nest-parent HWPT, as migration drives it. */
TEST(qemu_dirty_tracking)
{
	struct iommu_hwpt_set_dirty_tracking set = { .size = sizeof(set) };
	uint32_t devid = 0, ioas = 0, hwpt = 0, pt = 0;
	int devfd, iommufd;

	devfd = open_cdev_by_bdf(TEST_VTD_BDF);
	REQUIRE(devfd >= 0);
	iommufd = open("/dev/iommu", O_RDWR);
	REQUIRE(iommufd >= 0);
	REQUIRE_OK(vfio_bind(devfd, iommufd, &devid));
	REQUIRE_OK(ioas_alloc(iommufd, &ioas));
	REQUIRE_OK(hwpt_alloc(iommufd, devid, ioas,
			      IOMMU_HWPT_ALLOC_DIRTY_TRACKING | IOMMU_HWPT_ALLOC_NEST_PARENT,
			      &hwpt));
	pt = hwpt;
	REQUIRE_OK(vfio_attach(devfd, &pt));
	set.hwpt_id = hwpt;
	set.flags = IOMMU_HWPT_DIRTY_TRACKING_ENABLE;
	CHECK_OK(ioctl(iommufd, IOMMU_HWPT_SET_DIRTY_TRACKING, &set));
	set.flags = 0;
	CHECK_OK(ioctl(iommufd, IOMMU_HWPT_SET_DIRTY_TRACKING, &set));
	/* Closing everything in the "wrong" order is fine: close unbinds. */
	CHECK_OK(close(iommufd));
	CHECK_OK(close(devfd));
}

HARNESS_MAIN()
