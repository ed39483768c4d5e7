/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The VFIO cdev ABI of the emulated functions, check by check in Linux's
 * order (drivers/vfio/device_cdev.c, vfio_main.c, vfio_pci_core.c): nothing
 * before BIND_IOMMUFD, BIND's argsz/flags/fd rules, one binding per
 * function, ATTACH/DETACH argument rules, the vfio-pci information ioctls,
 * GET_HW_INFO payloads of both IOMMU types, and what close() undoes.
 */
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <sys/xattr.h>

#include "harness.h"
#include "iommufd_helpers.h"
#include "vfio_helpers.h"

struct bound {
	int iommufd, devfd;
	uint32_t devid, ioas;
};

static bool bind_new(const char *cdev, struct bound *b)
{
	b->iommufd = open("/dev/iommu", O_RDWR | O_CLOEXEC);
	b->devfd = open(cdev, O_RDWR | O_CLOEXEC);
	if (b->iommufd < 0 || b->devfd < 0)
		return false;
	return !vfio_bind(b->devfd, b->iommufd, &b->devid) && !ioas_alloc(b->iommufd, &b->ioas);
}

static void unbind_close(struct bound *b)
{
	close(b->devfd);
	close(b->iommufd);
}

TEST(nodes_and_dirs)
{
	struct stat st;

	CHECK_OK(stat(VFIO_CDEV_DIR, &st));
	CHECK(S_ISDIR(st.st_mode));
	CHECK_OK(stat("/dev/vfio", &st));
	CHECK(S_ISDIR(st.st_mode));
	CHECK_OK(stat(VFIO_CDEV_DIR "/vfio0", &st));
	CHECK(S_ISCHR(st.st_mode));
	CHECK_EQ(st.st_rdev, makedev(511, 0));
	CHECK_OK(stat(VFIO_CDEV_DIR "/vfio1", &st));
	CHECK_EQ(st.st_rdev, makedev(511, 1));
	CHECK_ERR(stat(VFIO_CDEV_DIR "/vfio2", &st), ENOENT);
	CHECK_ERR(open(VFIO_CDEV_DIR "/vfio2", O_RDWR), ENOENT);
	CHECK_ERR(open(VFIO_CDEV_DIR "/vfio00", O_RDWR), ENOENT);
	CHECK_OK(access(VFIO_CDEV_DIR "/vfio0", R_OK | W_OK));
	CHECK_ERR(open(VFIO_CDEV_DIR "/vfio0", O_RDWR | O_DIRECTORY), ENOTDIR);
	/* ls -l: no extended attributes on the node; the sysfs file is there. */
	CHECK_EQ(listxattr(VFIO_CDEV_DIR "/vfio0", NULL, 0), 0);
	CHECK_ERR(lgetxattr(VFIO_CDEV_DIR "/vfio0", "security.selinux", NULL, 0), ENODATA);
	CHECK(llistxattr(SYSFS_PCI TEST_VTD_BDF "/vendor", NULL, 0) >= 0 || errno != ENOENT);
}

TEST(nothing_before_bind)
{
	struct vfio_device_info info = { .argsz = sizeof(info) };
	uint32_t pt = 1;
	int fd = open(VFIO_CDEV_DIR "/vfio0", O_RDWR);

	REQUIRE(fd >= 0);
	/* Linux: "device not bound" is EINVAL for every other command. */
	CHECK_ERR(ioctl(fd, VFIO_DEVICE_GET_INFO, &info), EINVAL);
	CHECK_ERR(vfio_attach(fd, &pt), EINVAL);
	CHECK_ERR(vfio_detach(fd), EINVAL);
	CHECK_ERR(ioctl(fd, VFIO_DEVICE_RESET), EINVAL);
	CHECK_ERR(ioctl(fd, VFIO_GROUP_GET_STATUS, &info), EINVAL);
	CHECK_ERR(ioctl(fd, IOMMU_IOAS_ALLOC, &info), EINVAL);
	CHECK(mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0) == MAP_FAILED);
	CHECK_OK(close(fd));
}

TEST(bind_rules)
{
	struct vfio_device_bind_iommufd bind;
	uint8_t big[64];
	uint32_t devid = 0, devid2 = 0;
	int fd, fd2, iommufd, pipefd[2];
	struct iommu_destroy destroy = { .size = sizeof(destroy) };

	fd = open(VFIO_CDEV_DIR "/vfio0", O_RDWR);
	fd2 = open(VFIO_CDEV_DIR "/vfio0", O_RDWR);
	iommufd = open("/dev/iommu", O_RDWR);
	REQUIRE(fd >= 0 && fd2 >= 0 && iommufd >= 0);
	REQUIRE_OK(pipe(pipefd));

	memset(&bind, 0, sizeof(bind));
	bind.iommufd = iommufd;
	bind.argsz = 15;
	CHECK_ERR(ioctl(fd, VFIO_DEVICE_BIND_IOMMUFD, &bind), EINVAL);
	CHECK_ERR(ioctl(fd, VFIO_DEVICE_BIND_IOMMUFD, NULL), EFAULT);
	/* A longer struct must end in zeros (copy_struct_from_user). */
	memset(big, 0, sizeof(big));
	memcpy(big, &bind, sizeof(bind));
	((struct vfio_device_bind_iommufd *)(void *)big)->argsz = sizeof(big);
	big[sizeof(big) - 1] = 1;
	CHECK_ERR(ioctl(fd, VFIO_DEVICE_BIND_IOMMUFD, big), E2BIG);
	bind.argsz = sizeof(bind);
	bind.flags = 2;
	CHECK_ERR(ioctl(fd, VFIO_DEVICE_BIND_IOMMUFD, &bind), EINVAL);
	bind.flags = 0;
	bind.iommufd = -1;
	CHECK_ERR(ioctl(fd, VFIO_DEVICE_BIND_IOMMUFD, &bind), EINVAL);
	/* A function that is no SR-IOV PF or VF takes no VF token. */
	bind.iommufd = iommufd;
	bind.flags = VFIO_DEVICE_BIND_FLAG_TOKEN;
	bind.token_uuid_ptr = 8;
	CHECK_ERR(ioctl(fd, VFIO_DEVICE_BIND_IOMMUFD, &bind), EFAULT);
	bind.token_uuid_ptr = (uintptr_t)big;
	CHECK_ERR(ioctl(fd, VFIO_DEVICE_BIND_IOMMUFD, &bind), EINVAL);
	bind.flags = 0;
	bind.token_uuid_ptr = 0;
	/* iommufd_ctx_from_fd(): EBADF for no file, EBADFD for another file. */
	bind.iommufd = 1000;
	CHECK_ERR(ioctl(fd, VFIO_DEVICE_BIND_IOMMUFD, &bind), EBADF);
	bind.iommufd = pipefd[0];
	CHECK_ERR(ioctl(fd, VFIO_DEVICE_BIND_IOMMUFD, &bind), EBADFD);
	bind.iommufd = fd2;
	CHECK_ERR(ioctl(fd, VFIO_DEVICE_BIND_IOMMUFD, &bind), EBADFD);

	REQUIRE_OK(vfio_bind(fd, iommufd, &devid));
	CHECK(devid != 0);
	/* One file cannot be bound twice, nor can a second file of the function. */
	CHECK_ERR(vfio_bind(fd, iommufd, NULL), EINVAL);
	CHECK_ERR(vfio_bind(fd2, iommufd, NULL), EINVAL);
	/* The iommufd fd is checked before the device is opened. */
	bind.iommufd = pipefd[0];
	CHECK_ERR(ioctl(fd2, VFIO_DEVICE_BIND_IOMMUFD, &bind), EBADFD);
	/* The binding holds the DEVICE object. */
	destroy.id = devid;
	CHECK_ERR(ioctl(iommufd, IOMMU_DESTROY, &destroy), EBUSY);
	/* Closing the bound file unbinds: the object is gone, the other file may bind. */
	CHECK_OK(close(fd));
	CHECK_ERR(ioctl(iommufd, IOMMU_DESTROY, &destroy), ENOENT);
	CHECK_OK(vfio_bind(fd2, iommufd, &devid2));
	CHECK_OK(close(fd2));
	close(pipefd[0]);
	close(pipefd[1]);
	CHECK_OK(close(iommufd));
}

/* /dev/vfio/vfio shares the iommufd file operations: binding to it works. */
TEST(bind_to_vfio_container_fd)
{
	uint32_t devid = 0, ioas = 0, pt = 0;
	int fd = open(VFIO_CDEV_DIR "/vfio0", O_RDWR);
	int cfd = open("/dev/vfio/vfio", O_RDWR);

	REQUIRE(fd >= 0 && cfd >= 0);
	REQUIRE_OK(vfio_bind(fd, cfd, &devid));
	REQUIRE_OK(ioas_alloc(cfd, &ioas));
	pt = ioas;
	CHECK_OK(vfio_attach(fd, &pt));
	CHECK_OK(close(fd));
	CHECK_OK(close(cfd));
}

static int pasid_hwpt_alloc(int iommufd, uint32_t dev_id, uint32_t ioas, uint32_t flags,
			    uint32_t *out)
{
	struct iommu_hwpt_alloc cmd = {
		.size = sizeof(cmd), .flags = flags, .dev_id = dev_id, .pt_id = ioas,
	};
	int rc = ioctl(iommufd, IOMMU_HWPT_ALLOC, &cmd);

	*out = cmd.out_hwpt_id;
	return rc;
}

static int pasid_attach(int devfd, uint32_t pasid, uint32_t *pt_id)
{
	struct vfio_device_attach_iommufd_pt a = {
		.argsz = sizeof(a), .flags = VFIO_DEVICE_ATTACH_PASID, .pt_id = *pt_id,
		.pasid = pasid,
	};
	int rc = ioctl(devfd, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &a);

	*pt_id = a.pt_id;
	return rc;
}

/* PASID attach through the cdev, with the compatibility rules of spec §5. */
TEST(pasid_attach_rules)
{
	struct vfio_device_detach_iommufd_pt detach = {
		.argsz = sizeof(detach), .flags = VFIO_DEVICE_DETACH_PASID, .pasid = 7,
	};
	uint32_t plain = 0, compat = 0, compat2 = 0, pt = 0;
	struct bound b;

	REQUIRE(bind_new(VFIO_CDEV_DIR "/vfio0", &b));
	REQUIRE_OK(pasid_hwpt_alloc(b.iommufd, b.devid, b.ioas, 0, &plain));
	REQUIRE_OK(pasid_hwpt_alloc(b.iommufd, b.devid, b.ioas, IOMMU_HWPT_ALLOC_PASID, &compat));
	REQUIRE_OK(pasid_hwpt_alloc(b.iommufd, b.devid, b.ioas, IOMMU_HWPT_ALLOC_PASID, &compat2));
	/* A HWPT not allocated with IOMMU_HWPT_ALLOC_PASID is refused. */
	pt = plain;
	CHECK_ERR(pasid_attach(b.devfd, 7, &pt), EINVAL);
	/* So is any PASID while the RID's HWPT is not PASID-compatible. */
	pt = plain;
	REQUIRE_OK(vfio_attach(b.devfd, &pt));
	pt = compat;
	CHECK_ERR(pasid_attach(b.devfd, 7, &pt), EINVAL);
	/* With a PASID-compatible RID it works, and a second attach replaces. */
	pt = compat;
	REQUIRE_OK(vfio_attach(b.devfd, &pt));
	pt = compat;
	CHECK_OK(pasid_attach(b.devfd, 7, &pt));
	CHECK_EQ(pt, compat);
	/* Replacing moves the PASID; the PASID holds its HWPT. */
	pt = compat2;
	CHECK_OK(pasid_attach(b.devfd, 7, &pt));
	CHECK_ERR(iommu_destroy(b.iommufd, compat2), EBUSY);
	/* Now the RID cannot go back to a non-compatible HWPT. */
	pt = plain;
	CHECK_ERR(vfio_attach(b.devfd, &pt), EINVAL);
	/* A PASID beyond the function's 20 bits. */
	pt = compat;
	CHECK_ERR(pasid_attach(b.devfd, 1u << 20, &pt), EINVAL);
	CHECK_OK(ioctl(b.devfd, VFIO_DEVICE_DETACH_IOMMUFD_PT, &detach));
	CHECK_OK(iommu_destroy(b.iommufd, compat2));
	CHECK_OK(vfio_detach(b.devfd));
	CHECK_OK(iommu_destroy(b.iommufd, compat));
	CHECK_OK(iommu_destroy(b.iommufd, plain));
	unbind_close(&b);
}

TEST(attach_detach_rules)
{
	struct vfio_device_attach_iommufd_pt attach = { .argsz = sizeof(attach) };
	struct vfio_device_detach_iommufd_pt detach = { .argsz = sizeof(detach) };
	struct bound b;
	uint32_t pt = 0, pt2 = 0, ioas2 = 0;

	REQUIRE(bind_new(VFIO_CDEV_DIR "/vfio0", &b));
	attach.pt_id = b.ioas;
	attach.argsz = 11;
	CHECK_ERR(ioctl(b.devfd, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &attach), EINVAL);
	attach.argsz = sizeof(attach);
	attach.flags = 2;
	CHECK_ERR(ioctl(b.devfd, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &attach), EINVAL);
	/* The PASID form needs argsz to cover the pasid field. */
	attach.flags = VFIO_DEVICE_ATTACH_PASID;
	attach.argsz = 12;
	CHECK_ERR(ioctl(b.devfd, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &attach), EINVAL);
	/* An IOAS is no target for a PASID (automatic domains are RID-only). */
	attach.argsz = sizeof(attach);
	attach.pasid = 5;
	CHECK_ERR(ioctl(b.devfd, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &attach), EINVAL);
	attach.flags = 0;
	attach.pt_id = 9999;
	CHECK_ERR(ioctl(b.devfd, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &attach), ENOENT);
	attach.pt_id = b.devid;
	CHECK_ERR(ioctl(b.devfd, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &attach), EINVAL);
	CHECK_ERR(ioctl(b.devfd, VFIO_DEVICE_ATTACH_IOMMUFD_PT, NULL), EFAULT);

	pt = b.ioas;
	REQUIRE_OK(vfio_attach(b.devfd, &pt));
	/* Attaching again replaces: the same IOAS gives the same auto domain. */
	pt2 = b.ioas;
	CHECK_OK(vfio_attach(b.devfd, &pt2));
	CHECK_EQ(pt2, pt);
	/* Another IOAS: a new auto domain, the old one disappears. */
	REQUIRE_OK(ioas_alloc(b.iommufd, &ioas2));
	pt2 = ioas2;
	CHECK_OK(vfio_attach(b.devfd, &pt2));
	CHECK(pt2 != pt);
	CHECK_ERR(iommu_destroy(b.iommufd, pt), ENOENT);
	CHECK_ERR(iommu_destroy(b.iommufd, ioas2), EBUSY);

	detach.argsz = 7;
	CHECK_ERR(ioctl(b.devfd, VFIO_DEVICE_DETACH_IOMMUFD_PT, &detach), EINVAL);
	detach.argsz = sizeof(detach);
	detach.flags = 2;
	CHECK_ERR(ioctl(b.devfd, VFIO_DEVICE_DETACH_IOMMUFD_PT, &detach), EINVAL);
	/* Detaching a PASID that is not attached succeeds silently. */
	detach.flags = VFIO_DEVICE_DETACH_PASID;
	detach.pasid = 5;
	CHECK_OK(ioctl(b.devfd, VFIO_DEVICE_DETACH_IOMMUFD_PT, &detach));
	CHECK_OK(vfio_detach(b.devfd));
	CHECK_OK(vfio_detach(b.devfd));	/* detaching a detached device is fine */
	CHECK_OK(iommu_destroy(b.iommufd, ioas2));
	unbind_close(&b);
}

TEST(device_info_ioctls)
{
	struct vfio_device_info info;
	struct vfio_region_info reg;
	struct vfio_irq_info irq;
	struct bound b;
	unsigned int i;

	REQUIRE(bind_new(VFIO_CDEV_DIR "/vfio0", &b));

	memset(&info, 0xee, sizeof(info));
	info.argsz = 15;
	CHECK_ERR(ioctl(b.devfd, VFIO_DEVICE_GET_INFO, &info), EINVAL);
	/* argsz 16: only the first 16 bytes are written. */
	info.argsz = 16;
	CHECK_OK(ioctl(b.devfd, VFIO_DEVICE_GET_INFO, &info));
	CHECK_EQ(info.num_irqs, VFIO_PCI_NUM_IRQS);
	CHECK_EQ(info.cap_offset, 0xeeeeeeee);
	info.argsz = sizeof(info);
	CHECK_OK(ioctl(b.devfd, VFIO_DEVICE_GET_INFO, &info));
	CHECK_EQ(info.argsz, sizeof(info));
	CHECK_EQ(info.flags, VFIO_DEVICE_FLAGS_PCI | VFIO_DEVICE_FLAGS_RESET);
	CHECK_EQ(info.num_regions, 9);
	CHECK_EQ(info.num_irqs, 5);
	CHECK_EQ(info.cap_offset, 0);

	memset(&reg, 0, sizeof(reg));
	reg.argsz = sizeof(reg) - 1;
	reg.index = VFIO_PCI_CONFIG_REGION_INDEX;
	CHECK_ERR(ioctl(b.devfd, VFIO_DEVICE_GET_REGION_INFO, &reg), EINVAL);
	reg.argsz = sizeof(reg);
	CHECK_OK(ioctl(b.devfd, VFIO_DEVICE_GET_REGION_INFO, &reg));
	CHECK_EQ(reg.size, 4096);
	CHECK_EQ(reg.flags, VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE);
	CHECK_EQ(reg.offset, 7ull << 40);
	for (i = VFIO_PCI_BAR0_REGION_INDEX; i <= VFIO_PCI_ROM_REGION_INDEX; i++) {
		reg.index = i;
		CHECK_OK(ioctl(b.devfd, VFIO_DEVICE_GET_REGION_INFO, &reg));
		CHECK_EQ(reg.size, 0);
		CHECK_EQ(reg.flags, 0);
		CHECK_EQ(reg.offset, (uint64_t)i << 40);
	}
	reg.index = VFIO_PCI_VGA_REGION_INDEX;
	CHECK_ERR(ioctl(b.devfd, VFIO_DEVICE_GET_REGION_INFO, &reg), EINVAL);
	reg.index = VFIO_PCI_NUM_REGIONS;
	CHECK_ERR(ioctl(b.devfd, VFIO_DEVICE_GET_REGION_INFO, &reg), EINVAL);

	memset(&irq, 0, sizeof(irq));
	irq.argsz = sizeof(irq);
	irq.index = VFIO_PCI_INTX_IRQ_INDEX;
	CHECK_OK(ioctl(b.devfd, VFIO_DEVICE_GET_IRQ_INFO, &irq));
	CHECK_EQ(irq.count, 1);
	CHECK_EQ(irq.flags, VFIO_IRQ_INFO_EVENTFD | VFIO_IRQ_INFO_MASKABLE |
			    VFIO_IRQ_INFO_AUTOMASKED);
	irq.index = VFIO_PCI_MSI_IRQ_INDEX;
	CHECK_OK(ioctl(b.devfd, VFIO_DEVICE_GET_IRQ_INFO, &irq));
	CHECK_EQ(irq.count, 1);
	CHECK_EQ(irq.flags, VFIO_IRQ_INFO_EVENTFD | VFIO_IRQ_INFO_NORESIZE);
	irq.index = VFIO_PCI_MSIX_IRQ_INDEX;
	CHECK_OK(ioctl(b.devfd, VFIO_DEVICE_GET_IRQ_INFO, &irq));
	CHECK_EQ(irq.count, 0);
	irq.index = VFIO_PCI_ERR_IRQ_INDEX;
	CHECK_OK(ioctl(b.devfd, VFIO_DEVICE_GET_IRQ_INFO, &irq));
	CHECK_EQ(irq.count, 1);
	irq.index = VFIO_PCI_REQ_IRQ_INDEX;
	CHECK_OK(ioctl(b.devfd, VFIO_DEVICE_GET_IRQ_INFO, &irq));
	CHECK_EQ(irq.count, 1);
	irq.index = VFIO_PCI_NUM_IRQS;
	CHECK_ERR(ioctl(b.devfd, VFIO_DEVICE_GET_IRQ_INFO, &irq), EINVAL);
	irq.index = 0;
	irq.argsz = 15;
	CHECK_ERR(ioctl(b.devfd, VFIO_DEVICE_GET_IRQ_INFO, &irq), EINVAL);

	CHECK_OK(ioctl(b.devfd, VFIO_DEVICE_RESET));
	unbind_close(&b);
}

TEST(reset_feature_and_unknown)
{
	struct {
		struct vfio_pci_hot_reset_info hdr;
		struct vfio_pci_dependent_device dev[2];
	} ri;
	struct {
		struct vfio_pci_hot_reset hdr;
		int32_t fds[1];
	} hr;
	struct vfio_device_feature feat = { .argsz = sizeof(feat) };
	struct bound b;

	REQUIRE(bind_new(VFIO_CDEV_DIR "/vfio0", &b));
	memset(&ri, 0, sizeof(ri));
	ri.hdr.argsz = sizeof(ri.hdr);
	CHECK_ERR(ioctl(b.devfd, VFIO_DEVICE_GET_PCI_HOT_RESET_INFO, &ri), ENOSPC);
	CHECK_EQ(ri.hdr.count, 1);
	ri.hdr.argsz = sizeof(ri);
	CHECK_OK(ioctl(b.devfd, VFIO_DEVICE_GET_PCI_HOT_RESET_INFO, &ri));
	CHECK_EQ(ri.hdr.count, 1);
	CHECK_EQ(ri.hdr.flags, VFIO_PCI_HOT_RESET_FLAG_DEV_ID |
			       VFIO_PCI_HOT_RESET_FLAG_DEV_ID_OWNED);
	CHECK_EQ(ri.dev[0].devid, b.devid);
	CHECK_EQ(ri.dev[0].segment, 0);
	CHECK_EQ(ri.dev[0].bus, 0);
	CHECK_EQ(ri.dev[0].devfn, 4 << 3);

	memset(&hr, 0, sizeof(hr));
	hr.hdr.argsz = sizeof(hr.hdr);
	CHECK_OK(ioctl(b.devfd, VFIO_DEVICE_PCI_HOT_RESET, &hr));
	hr.hdr.count = 1;
	hr.hdr.argsz = sizeof(hr);
	CHECK_ERR(ioctl(b.devfd, VFIO_DEVICE_PCI_HOT_RESET, &hr), EINVAL);
	hr.hdr.count = 0;
	hr.hdr.flags = 1;
	CHECK_ERR(ioctl(b.devfd, VFIO_DEVICE_PCI_HOT_RESET, &hr), EINVAL);

	feat.flags = VFIO_DEVICE_FEATURE_GET | VFIO_DEVICE_FEATURE_SET;
	CHECK_ERR(ioctl(b.devfd, VFIO_DEVICE_FEATURE, &feat), EINVAL);
	feat.flags = VFIO_DEVICE_FEATURE_PROBE | VFIO_DEVICE_FEATURE_GET | 1;
	CHECK_ERR(ioctl(b.devfd, VFIO_DEVICE_FEATURE, &feat), ENOTTY);
	feat.flags = 1u << 20;
	CHECK_ERR(ioctl(b.devfd, VFIO_DEVICE_FEATURE, &feat), EINVAL);

	CHECK_ERR(ioctl(b.devfd, VFIO_GROUP_GET_STATUS, &feat), ENOTTY);
	CHECK_ERR(ioctl(b.devfd, VFIO_DEVICE_SET_IRQS, &feat), ENOTTY);
	CHECK_ERR(ioctl(b.devfd, IOMMU_IOAS_ALLOC, &feat), ENOTTY);
	CHECK(mmap(NULL, 4096, PROT_READ, MAP_SHARED, b.devfd, 0) == MAP_FAILED);
	unbind_close(&b);
}

TEST(hw_info_vtd)
{
	struct iommu_hw_info info;
	struct iommu_hw_info_vtd vtd;
	uint8_t big[40];
	struct bound b;

	REQUIRE(bind_new(VFIO_CDEV_DIR "/vfio0", &b));
	memset(big, 0xff, sizeof(big));
	REQUIRE_OK(hw_info(b.iommufd, b.devid, big, sizeof(big), &info));
	CHECK_EQ(info.out_data_type, IOMMU_HW_INFO_TYPE_INTEL_VTD);
	CHECK_EQ(info.data_len, sizeof(vtd));
	CHECK_EQ(info.out_max_pasid_log2, 20);
	/* Dirty tracking; ATS usable (the function has the capability). */
	CHECK_EQ(info.out_capabilities, IOMMU_HW_CAP_DIRTY_TRACKING);
	CHECK_EQ(big[sizeof(vtd)], 0);	/* the rest of a larger buffer is zeroed */
	memcpy(&vtd, big, sizeof(vtd));
	CHECK_EQ(vtd.flags, 0);
	CHECK_EQ(vtd.cap_reg, 0x01d2008c226f0406ull);
	CHECK_EQ(vtd.ecap_reg, 0x0001e99824f00fdfull);
	CHECK_EQ((vtd.ecap_reg >> 35) & 0x1f, 19);	/* PSS: 20-bit PASIDs */
	CHECK_EQ((vtd.cap_reg >> 16) & 0x3f, 47);	/* MGAW 48 */
	CHECK_EQ((vtd.cap_reg >> 8) & 0x1f, 4);		/* SAGAW: 4-level */

	/* Asking for another type's data. */
	info.size = sizeof(info);
	info.flags = IOMMU_HW_INFO_FLAG_INPUT_TYPE;
	info.in_data_type = IOMMU_HW_INFO_TYPE_ARM_SMMUV3;
	info.dev_id = b.devid;
	info.data_len = sizeof(big);
	info.data_uptr = (uintptr_t)big;
	CHECK_ERR(ioctl(b.iommufd, IOMMU_GET_HW_INFO, &info), EOPNOTSUPP);
	info.in_data_type = IOMMU_HW_INFO_TYPE_INTEL_VTD;
	CHECK_OK(ioctl(b.iommufd, IOMMU_GET_HW_INFO, &info));
	unbind_close(&b);
}

TEST(hw_info_smmuv3)
{
	struct iommu_hw_info info;
	struct iommu_hw_info_arm_smmuv3 smmu;
	struct bound b;

	REQUIRE(bind_new(VFIO_CDEV_DIR "/vfio1", &b));
	REQUIRE_OK(hw_info(b.iommufd, b.devid, &smmu, sizeof(smmu), &info));
	CHECK_EQ(info.out_data_type, IOMMU_HW_INFO_TYPE_ARM_SMMUV3);
	CHECK_EQ(info.data_len, sizeof(smmu));
	CHECK_EQ(info.out_max_pasid_log2, 16);
	/* nodirty and no ATS capability. */
	CHECK_EQ(info.out_capabilities, IOMMU_HW_CAP_PCI_ATS_NOT_SUPPORTED);
	CHECK_EQ(smmu.flags, 0);
	CHECK_EQ(smmu.idr[0] & 3, 3);			/* S1P and S2P */
	CHECK_EQ((smmu.idr[0] >> 27) & 3, 1);		/* 2-level stream table */
	CHECK_EQ((smmu.idr[0] >> 6) & 3, 1);		/* HTTU: HA without HD */
	CHECK_EQ((smmu.idr[1] >> 6) & 0x1f, 16);	/* SSIDSIZE */
	CHECK_EQ(smmu.idr[1] & 0x3f, 16);		/* SIDSIZE */
	CHECK_EQ(smmu.idr[5] & 7, 5);			/* OAS 48 bits */
	CHECK_EQ(smmu.idr[5] & 0x70, 0x70);		/* 4K, 16K and 64K granules */
	CHECK_EQ(smmu.aidr, 2);
	unbind_close(&b);
}

/* The iommufd may be closed first: the binding keeps its context alive. */
TEST(close_iommufd_first)
{
	struct vfio_device_info info = { .argsz = sizeof(info) };
	struct bound b;
	uint32_t pt = 0;

	REQUIRE(bind_new(VFIO_CDEV_DIR "/vfio0", &b));
	pt = b.ioas;
	REQUIRE_OK(vfio_attach(b.devfd, &pt));
	CHECK_OK(close(b.iommufd));
	CHECK_OK(ioctl(b.devfd, VFIO_DEVICE_GET_INFO, &info));
	CHECK_OK(vfio_detach(b.devfd));
	pt = b.ioas;
	CHECK_OK(vfio_attach(b.devfd, &pt));
	CHECK_OK(close(b.devfd));
}

/* A bound cdev fd shared with dup() is the same file. */
TEST(dup_shares_binding)
{
	struct vfio_device_info info = { .argsz = sizeof(info) };
	struct bound b;
	int fd2;

	REQUIRE(bind_new(VFIO_CDEV_DIR "/vfio0", &b));
	fd2 = dup(b.devfd);
	REQUIRE(fd2 >= 0);
	CHECK_OK(close(b.devfd));
	CHECK_OK(ioctl(fd2, VFIO_DEVICE_GET_INFO, &info));
	CHECK_ERR(vfio_bind(fd2, b.iommufd, NULL), EINVAL);
	CHECK_OK(close(fd2));
	/* Now the function is free again. */
	b.devfd = open(VFIO_CDEV_DIR "/vfio0", O_RDWR);
	REQUIRE(b.devfd >= 0);
	CHECK_OK(vfio_bind(b.devfd, b.iommufd, NULL));
	unbind_close(&b);
}

/* A forked child inherits the cdev fd as a foreign file: EXDEV, as for /dev/iommu. */
TEST(fork_child_sees_foreign_cdev)
{
	struct bound b;
	int status;
	pid_t pid;

	REQUIRE(bind_new(VFIO_CDEV_DIR "/vfio0", &b));
	pid = fork();
	REQUIRE(pid >= 0);
	if (pid == 0) {
		struct vfio_device_info info = { .argsz = sizeof(info) };
		struct stat st;
		int ok = ioctl(b.devfd, VFIO_DEVICE_GET_INFO, &info) == -1 && errno == EXDEV &&
			 !fstat(b.devfd, &st) && st.st_rdev == makedev(511, 0);

		_exit(ok ? 0 : 1);
	}
	REQUIRE(waitpid(pid, &status, 0) == pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	unbind_close(&b);
}

HARNESS_MAIN()
