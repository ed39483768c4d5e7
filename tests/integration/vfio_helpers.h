/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vfio_helpers.h - VFIO cdev helpers for the integration programs, written as
 * a VMM or user-space driver would: plain libc (open, opendir, read, ioctl)
 * and the ABI headers. Every wrapper returns the ioctl() result (0, or -1
 * with errno); outputs are stored only on success.
 *
 * The tests run with SOFTIOMMU_DEVICES (tests/integration/meson.build)
 * describing TEST_VTD_BDF as vfio0 and TEST_SMMU_BDF as vfio1.
 */
#ifndef SIO_TEST_VFIO_HELPERS_H
#define SIO_TEST_VFIO_HELPERS_H

#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <softiommu/uapi/iommufd.h>
#include <softiommu/uapi/vfio.h>

#define TEST_VTD_BDF "0000:00:04.0"	/* vtd,pasid=20,pri,ats (dirty tracking) */
#define TEST_SMMU_BDF "0000:00:05.0"	/* smmuv3,pasid=16,nodirty */
#define SYSFS_PCI "/sys/bus/pci/devices/"
#define VFIO_CDEV_DIR "/dev/vfio/devices"

/* The x86 MSI window VT-d reserves in every IOAS a device is attached to. */
#define VTD_MSI_START 0xfee00000ull
#define VTD_MSI_LAST 0xfeefffffull

/* Read a small text file into @buf (NUL-terminated): bytes read or -1. */
static inline ssize_t read_text(const char *path, char *buf, size_t size)
{
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n >= 0)
		buf[n] = '\0';
	return n;
}

/* The first "vfio*" entry of <sysfs dev>/vfio-dev into @name: 0, or -1. */
static inline int sysfs_vfio_name(const char *bdf, char *name, size_t size)
{
	char path[256];
	struct dirent *de;
	DIR *dir;
	int rc = -1;

	snprintf(path, sizeof(path), SYSFS_PCI "%s/vfio-dev", bdf);
	dir = opendir(path);
	if (!dir)
		return -1;
	while ((de = readdir(dir))) {
		size_t len = strlen(de->d_name);

		if (!strncmp(de->d_name, "vfio", 4) && len < size) {
			memcpy(name, de->d_name, len + 1);
			rc = 0;
			break;
		}
	}
	closedir(dir);
	return rc;
}

/*
 * QEMU's way to the cdev of @bdf: the vfio-dev directory entry, its dev
 * file ("MAJ:MIN"), then open /dev/vfio/devices/<entry> and check that
 * fstat() reports that character device. Return: the fd, or -1.
 */
static inline int open_cdev_by_bdf(const char *bdf)
{
	char name[64], path[320], text[64];
	unsigned int maj, min;
	struct stat st;
	int fd;

	if (sysfs_vfio_name(bdf, name, sizeof(name)))
		return -1;
	snprintf(path, sizeof(path), SYSFS_PCI "%s/vfio-dev/%s/dev", bdf, name);
	if (read_text(path, text, sizeof(text)) <= 0 || sscanf(text, "%u:%u", &maj, &min) != 2)
		return -1;
	snprintf(path, sizeof(path), VFIO_CDEV_DIR "/%s", name);
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) || !S_ISCHR(st.st_mode) || st.st_rdev != makedev(maj, min)) {
		close(fd);
		errno = ENODEV;
		return -1;
	}
	return fd;
}

static inline int vfio_bind(int devfd, int iommufd, uint32_t *devid)
{
	struct vfio_device_bind_iommufd bind = {
		.argsz = sizeof(bind),
		.iommufd = iommufd,
	};
	int ret = ioctl(devfd, VFIO_DEVICE_BIND_IOMMUFD, &bind);

	if (!ret && devid)
		*devid = bind.out_devid;
	return ret;
}

/* *pt_id in: IOAS or HWPT; out: the HWPT attached. */
static inline int vfio_attach(int devfd, uint32_t *pt_id)
{
	struct vfio_device_attach_iommufd_pt attach = {
		.argsz = sizeof(attach),
		.pt_id = *pt_id,
	};
	int ret = ioctl(devfd, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &attach);

	if (!ret)
		*pt_id = attach.pt_id;
	return ret;
}

static inline int vfio_detach(int devfd)
{
	struct vfio_device_detach_iommufd_pt detach = { .argsz = sizeof(detach) };

	return ioctl(devfd, VFIO_DEVICE_DETACH_IOMMUFD_PT, &detach);
}

static inline int hw_info(int fd, uint32_t dev_id, void *data, uint32_t len,
			  struct iommu_hw_info *out)
{
	struct iommu_hw_info cmd = {
		.size = sizeof(cmd),
		.dev_id = dev_id,
		.data_len = len,
		.data_uptr = (uintptr_t)data,
	};
	int ret = ioctl(fd, IOMMU_GET_HW_INFO, &cmd);

	if (!ret && out)
		*out = cmd;
	return ret;
}

static inline int hwpt_alloc(int fd, uint32_t dev_id, uint32_t pt_id, uint32_t flags,
			     uint32_t *hwpt)
{
	struct iommu_hwpt_alloc cmd = {
		.size = sizeof(cmd),
		.flags = flags,
		.dev_id = dev_id,
		.pt_id = pt_id,
	};
	int ret = ioctl(fd, IOMMU_HWPT_ALLOC, &cmd);

	if (!ret && hwpt)
		*hwpt = cmd.out_hwpt_id;
	return ret;
}

/*
 * The EMSGSIZE two-step of QEMU and libvfn: ask with no buffer, then with
 * room for the count reported. *n in: capacity of @r; out: ranges.
 */
static inline int iova_ranges_2step(int fd, uint32_t ioas, struct iommu_iova_range *r,
				    uint32_t *n, uint64_t *align)
{
	struct iommu_ioas_iova_ranges cmd = {
		.size = sizeof(cmd),
		.ioas_id = ioas,
	};
	uint32_t cap = *n;

	if (ioctl(fd, IOMMU_IOAS_IOVA_RANGES, &cmd) == 0 || errno != EMSGSIZE)
		return -1;
	if (cmd.num_iovas > cap) {
		errno = ENOSPC;
		return -1;
	}
	cmd.allowed_iovas = (uintptr_t)r;
	if (ioctl(fd, IOMMU_IOAS_IOVA_RANGES, &cmd))
		return -1;
	*n = cmd.num_iovas;
	if (align)
		*align = cmd.out_iova_alignment;
	return 0;
}

#endif /* SIO_TEST_VFIO_HELPERS_H */
