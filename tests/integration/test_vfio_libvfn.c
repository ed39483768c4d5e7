/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libvfn's iommufd path, replayed (spec clients-and-preload §3c): the
 * backend is chosen by stat() of /dev/vfio/devices (a directory) and
 * /dev/iommu; the cdev is found by readdir() of the sysfs vfio-dev
 * directory; then one process-wide /dev/iommu, an IOAS per context, BIND,
 * ATTACH to the IOAS id, the IOVA_RANGES two-step, and DMA mappings with the
 * kernel choosing the IOVA, unmapped all at once with (0, UINT64_MAX).
 */
#include <sys/mman.h>

#include "harness.h"
#include "iommufd_helpers.h"
#include "vfio_helpers.h"

/* libvfn's iommu_get_default_context(): which backend? */
static bool use_iommufd(void)
{
	struct stat st;

	if (getenv("VFN_IOMMU_FORCE_VFIO"))
		return false;
	if (stat("/dev/vfio/devices", &st) || !S_ISDIR(st.st_mode))
		return false;
	return stat("/dev/iommu", &st) == 0;
}

TEST(backend_selection)
{
	CHECK(use_iommufd());
}

TEST(libvfn_open_map_unmap)
{
	struct iommu_iova_range r[8];
	uint32_t devid, ioas, pt, n = 8;
	uint64_t iova1 = 0, iova2 = 0, iova3 = 0x10000000, align = 0, len = 0;
	char name[64], path[128];
	size_t sz = 2u << 20;
	int iommufd, devfd;
	void *buf;

	REQUIRE(use_iommufd());
	/* The process-wide iommufd, and one IOAS for the default context. */
	iommufd = open("/dev/iommu", O_RDWR);
	REQUIRE(iommufd >= 0);
	REQUIRE_OK(ioas_alloc(iommufd, &ioas));

	/* vfio_pci_open(): the vfio-dev entry names the cdev. */
	REQUIRE_OK(sysfs_vfio_name(TEST_VTD_BDF, name, sizeof(name)));
	snprintf(path, sizeof(path), "/dev/vfio/devices/%s", name);
	devfd = open(path, O_RDWR);
	REQUIRE(devfd >= 0);
	REQUIRE_OK(vfio_bind(devfd, iommufd, &devid));
	pt = ioas;
	REQUIRE_OK(vfio_attach(devfd, &pt));

	REQUIRE_OK(iova_ranges_2step(iommufd, ioas, r, &n, &align));
	CHECK_EQ(n, 2);
	CHECK_EQ(r[0].last, VTD_MSI_START - 1);

	/* iommu_map_vaddr() without a fixed IOVA: the kernel picks it. */
	buf = mmap(NULL, 2 * sz, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	REQUIRE(buf != MAP_FAILED);
	CHECK_OK(ioas_map(iommufd, ioas, buf, sz, &iova1, MAP_RW));
	CHECK_OK(ioas_map(iommufd, ioas, (char *)buf + sz, sz, &iova2,
			  IOMMU_IOAS_MAP_READABLE));
	CHECK(iova1 != 0 && iova2 != 0 && iova1 != iova2);
	CHECK_EQ(iova1 % align, 0);
	/* Never inside the MSI window. */
	CHECK(iova1 + sz - 1 < VTD_MSI_START || iova1 > VTD_MSI_LAST);
	CHECK(iova2 + sz - 1 < VTD_MSI_START || iova2 > VTD_MSI_LAST);
	/* ... or with one. */
	CHECK_OK(ioas_map(iommufd, ioas, buf, 4096, &iova3, MAP_FIXED_RW));

	/* iommu_unmap_all(). */
	CHECK_OK(ioas_unmap(iommufd, ioas, 0, UINT64_MAX, &len));
	CHECK_EQ(len, 2 * sz + 4096);

	CHECK_OK(close(devfd));
	CHECK_OK(close(iommufd));
	munmap(buf, 2 * sz);
}

/* Each function has its own vfio-dev entry, and /dev/vfio/devices lists them. */
TEST(directory_listings)
{
	struct dirent *de;
	unsigned int seen = 0;
	char name[64];
	DIR *dir;

	REQUIRE_OK(sysfs_vfio_name(TEST_SMMU_BDF, name, sizeof(name)));
	CHECK(!strcmp(name, "vfio1"));
	dir = opendir("/dev/vfio/devices");
	REQUIRE(dir != NULL);
	while ((de = readdir(dir))) {
		if (!strcmp(de->d_name, "vfio0"))
			seen |= 1;
		else if (!strcmp(de->d_name, "vfio1"))
			seen |= 2;
	}
	closedir(dir);
	CHECK_EQ(seen, 3);
	dir = opendir("/sys/class/vfio-dev");
	REQUIRE(dir != NULL);
	seen = 0;
	while ((de = readdir(dir)))
		seen += !strncmp(de->d_name, "vfio", 4);
	closedir(dir);
	CHECK_EQ(seen, 2);
}

HARNESS_MAIN()
