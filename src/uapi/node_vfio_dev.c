/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * /dev/vfio/devices/vfioN: the VFIO device cdev of emulated PCI function N,
 * with Linux's order of checks (drivers/vfio/device_cdev.c, vfio_main.c and
 * the vfio-pci core):
 *
 *  - every open is a new device file; nothing but VFIO_DEVICE_BIND_IOMMUFD
 *    works on it (EINVAL) until it is bound to an iommufd context;
 *  - a function is bound through one file at a time (EINVAL for another);
 *  - ATTACH/DETACH_IOMMUFD_PT act on the bound DEVICE object (a second
 *    attach replaces), and their PASID forms;
 *  - the vfio-pci ioctls describe a minimal PCIe function (see
 *    docs/devices.md); anything else is ENOTTY;
 *  - closing the file detaches and unbinds.
 *
 * Locking: bind, attach, detach and unbind run under the bind lock
 * (pcidev.h), which protects the binding state of every device file.
 * access_granted is also read without it (acquire), as Linux does, by the
 * ioctls that do not change the binding.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <softiommu/uapi/vfio.h>

#include "base/compiler.h"
#include "base/uaccess.h"
#include "core/ctx.h"
#include "core/dev_fault.h"
#include "core/device.h"
#include "core/pcidev.h"
#include "uapi/nodes.h"

/* vfio-pci's region offsets in the device file (VFIO_PCI_INDEX_TO_OFFSET). */
#define VFIO_PCI_OFFSET_SHIFT 40
#define INDEX_TO_OFFSET(i) ((uint64_t)(i) << VFIO_PCI_OFFSET_SHIFT)
/* A PCIe function's configuration space (pdev->cfg_size). */
#define PCIE_CFG_SPACE_SIZE 4096

struct vfio_df {
	struct sio_pcidev *pdev;	/* an open on the function, for the file's life */
	/* Under the bind lock: */
	struct sio_ctx *ictx;		/* the bound context (a reference) */
	struct sio_device *idev;	/* the DEVICE object of the binding */
	bool attached;			/* the RID is attached (Linux's iommufd_attached) */
	bool access_granted;		/* bound; also read locklessly (acquire) */
};

static bool df_bound(struct vfio_df *df)
{
	return __atomic_load_n(&df->access_granted, __ATOMIC_ACQUIRE);
}

/*
 * copy_struct_from_user(): @usize bytes of the caller's struct into @ksize
 * bytes of @dst, zero-extended; a longer caller struct must have a zero tail
 * (E2BIG).
 */
static int copy_struct_in(void *dst, size_t ksize, uint64_t uptr, size_t usize)
{
	memset(dst, 0, ksize);
	if (usize > ksize) {
		bool zero;

		if (sio_user_is_zero(uptr + ksize, usize - ksize, &zero))
			return -EFAULT;
		if (!zero)
			return -E2BIG;
	}
	return sio_copy_from_user(dst, uptr, sio_min(ksize, usize));
}

/* Undo a binding. Bind lock held; the context reference is handed back. */
static struct sio_ctx *df_unbind_locked(struct vfio_df *df)
{
	struct sio_ctx *ictx = df->ictx;

	if (df->attached)
		sio_device_detach(df->idev);
	df->attached = false;
	df->pdev->idev = NULL;
	sio_device_unbind(df->idev);
	df->idev = NULL;
	df->ictx = NULL;
	df->pdev->bound = false;
	__atomic_store_n(&df->access_granted, false, __ATOMIC_RELEASE);
	return ictx;
}

static long vfio_bind(struct vfio_df *df, uint64_t arg)
{
	const size_t minsz = offsetofend(struct vfio_device_bind_iommufd, out_devid);
	struct vfio_device_bind_iommufd bind;
	struct sio_pcidev *pdev = df->pdev;
	struct sio_ctx *ictx = NULL;
	struct sio_device *idev;
	uint32_t user_size;
	int rc;

	if (sio_copy_from_user(&user_size, arg, sizeof(user_size)))
		return -EFAULT;
	if (user_size < minsz)
		return -EINVAL;
	rc = copy_struct_in(&bind, sizeof(bind), arg, user_size);
	if (rc)
		return rc;
	if (bind.iommufd < 0 || (bind.flags & ~VFIO_DEVICE_BIND_FLAG_TOKEN))
		return -EINVAL;

	sio_pcidev_bind_lock();
	/* One device file cannot be bound twice. */
	if (df->access_granted) {
		rc = -EINVAL;
		goto out_unlock;
	}
	/*
	 * vfio-pci's token check: a function that is neither an SR-IOV PF nor
	 * a VF takes no token.
	 */
	if (bind.flags & VFIO_DEVICE_BIND_FLAG_TOKEN) {
		uint8_t uuid[16];

		rc = sio_copy_from_user(uuid, bind.token_uuid_ptr, sizeof(uuid));
		if (!rc)
			rc = -EINVAL;
		goto out_unlock;
	}
	rc = sio_file_iommufd_ctx(bind.iommufd, &ictx);
	if (rc)
		goto out_unlock;
	/* The cdev path opens a device once (vfio_df_open()). */
	if (pdev->bound) {
		rc = -EINVAL;
		goto out_put;
	}
	/* The software IOMMUs enforce coherency and isolate MSIs: no EINVAL/EPERM. */
	rc = sio_device_bind(ictx, pdev->iommu, pdev->cfg.type, pdev->hw, &idev);
	if (rc)
		goto out_put;
	idev->binder = df;
	if (sio_copy_to_user(arg + offsetof(struct vfio_device_bind_iommufd, out_devid),
			     &idev->obj.id, sizeof(idev->obj.id))) {
		sio_device_unbind(idev);
		rc = -EFAULT;
		goto out_put;
	}
	pdev->bound = true;
	pdev->idev = idev;
	df->ictx = ictx;
	df->idev = idev;
	__atomic_store_n(&df->access_granted, true, __ATOMIC_RELEASE);
	sio_pcidev_bind_unlock();
	return 0;

out_put:
	sio_pcidev_bind_unlock();
	sio_ctx_put(ictx);
	return rc;
out_unlock:
	sio_pcidev_bind_unlock();
	return rc;
}

static long vfio_attach(struct vfio_df *df, uint64_t arg)
{
	const size_t minsz = offsetofend(struct vfio_device_attach_iommufd_pt, pt_id);
	const size_t xend = offsetofend(struct vfio_device_attach_iommufd_pt, pasid);
	struct vfio_device_attach_iommufd_pt attach = { 0 };
	bool pasid;
	int rc;

	if (sio_copy_from_user(&attach, arg, minsz))
		return -EFAULT;
	if (attach.argsz < minsz)
		return -EINVAL;
	if (attach.flags & ~VFIO_DEVICE_ATTACH_PASID)
		return -EINVAL;
	/* The pasid field is read only for the PASID form, which needs it all. */
	pasid = attach.flags & VFIO_DEVICE_ATTACH_PASID;
	if (pasid) {
		if (attach.argsz < xend)
			return -EINVAL;
		if (sio_copy_from_user((char *)&attach + minsz, arg + minsz, xend - minsz))
			return -EFAULT;
	}

	sio_pcidev_bind_lock();
	if (pasid) {
		/* vfio-pci attaches, or replaces what the PASID already has. */
		rc = sio_device_pasid_attach(df->idev, attach.pasid, &attach.pt_id);
		if (rc == -EBUSY)
			rc = sio_device_pasid_replace(df->idev, attach.pasid, &attach.pt_id);
	} else if (!df->attached) {
		rc = sio_device_attach(df->idev, &attach.pt_id);
	} else {
		rc = sio_device_replace(df->idev, &attach.pt_id);
	}
	if (rc)
		goto out_unlock;
	if (!pasid)
		df->attached = true;
	if (sio_copy_to_user(arg + offsetof(struct vfio_device_attach_iommufd_pt, pt_id),
			     &attach.pt_id, sizeof(attach.pt_id))) {
		/* As Linux: the device ends up detached, whatever it had before. */
		if (pasid) {
			sio_device_pasid_detach(df->idev, attach.pasid);
		} else {
			sio_device_detach(df->idev);
			df->attached = false;
		}
		rc = -EFAULT;
	}
out_unlock:
	sio_pcidev_bind_unlock();
	return rc;
}

static long vfio_detach(struct vfio_df *df, uint64_t arg)
{
	const size_t minsz = offsetofend(struct vfio_device_detach_iommufd_pt, flags);
	const size_t xend = offsetofend(struct vfio_device_detach_iommufd_pt, pasid);
	struct vfio_device_detach_iommufd_pt detach = { 0 };

	if (sio_copy_from_user(&detach, arg, minsz))
		return -EFAULT;
	if (detach.argsz < minsz)
		return -EINVAL;
	if (detach.flags & ~VFIO_DEVICE_DETACH_PASID)
		return -EINVAL;
	if (detach.flags & VFIO_DEVICE_DETACH_PASID) {
		if (detach.argsz < xend)
			return -EINVAL;
		if (sio_copy_from_user((char *)&detach + minsz, arg + minsz, xend - minsz))
			return -EFAULT;
	}

	sio_pcidev_bind_lock();
	if (detach.flags & VFIO_DEVICE_DETACH_PASID) {
		sio_device_pasid_detach(df->idev, detach.pasid);
	} else {
		if (df->attached)
			sio_device_detach(df->idev);
		df->attached = false;
	}
	sio_pcidev_bind_unlock();
	return 0;
}

/*
 * VFIO_DEVICE_FEATURE: the core's argument checks, then the feature. The
 * function offers none (no migration, DMA logging, power management or VF
 * token), which each answer ENOTTY.
 */
static long vfio_feature(uint64_t arg)
{
	const size_t minsz = offsetofend(struct vfio_device_feature, flags);
	struct vfio_device_feature feature;

	if (sio_copy_from_user(&feature, arg, minsz))
		return -EFAULT;
	if (feature.argsz < minsz)
		return -EINVAL;
	if (feature.flags & ~(VFIO_DEVICE_FEATURE_MASK | VFIO_DEVICE_FEATURE_SET |
			      VFIO_DEVICE_FEATURE_GET | VFIO_DEVICE_FEATURE_PROBE))
		return -EINVAL;
	if (!(feature.flags & VFIO_DEVICE_FEATURE_PROBE) &&
	    (feature.flags & VFIO_DEVICE_FEATURE_SET) && (feature.flags & VFIO_DEVICE_FEATURE_GET))
		return -EINVAL;
	return -ENOTTY;
}

static long vfio_get_info(uint64_t arg)
{
	const size_t minsz = offsetofend(struct vfio_device_info, num_irqs);
	struct vfio_device_info info;

	memset(&info, 0, sizeof(info));
	if (sio_copy_from_user(&info, arg, minsz))
		return -EFAULT;
	if (info.argsz < minsz)
		return -EINVAL;
	/* No capability chain: no zPCI, no AtomicOps completer. */
	info.flags = VFIO_DEVICE_FLAGS_PCI | VFIO_DEVICE_FLAGS_RESET;
	info.num_regions = VFIO_PCI_NUM_REGIONS;
	info.num_irqs = VFIO_PCI_NUM_IRQS;
	/* Linux copies back min(argsz, sizeof(info)) bytes. */
	if (sio_copy_to_user(arg, &info, sio_min((size_t)info.argsz, sizeof(info))))
		return -EFAULT;
	return 0;
}

static long vfio_get_region_info(uint64_t arg)
{
	const size_t minsz = offsetofend(struct vfio_region_info, offset);
	struct vfio_region_info info;

	if (sio_copy_from_user(&info, arg, minsz))
		return -EFAULT;
	if (info.argsz < minsz)
		return -EINVAL;
	switch (info.index) {
	case VFIO_PCI_CONFIG_REGION_INDEX:
		info.offset = INDEX_TO_OFFSET(info.index);
		info.size = PCIE_CFG_SPACE_SIZE;
		info.flags = VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE;
		break;
	case VFIO_PCI_BAR0_REGION_INDEX ... VFIO_PCI_BAR5_REGION_INDEX:
	case VFIO_PCI_ROM_REGION_INDEX:
		/* No BARs and no option ROM: unimplemented regions. */
		info.offset = INDEX_TO_OFFSET(info.index);
		info.size = 0;
		info.flags = 0;
		break;
	case VFIO_PCI_VGA_REGION_INDEX:
	default:
		/* Not a VGA device; no device-specific regions. */
		return -EINVAL;
	}
	return sio_copy_to_user(arg, &info, minsz) ? -EFAULT : 0;
}

/* IRQ counts of the function: INTA, one MSI vector, no MSI-X, AER and the request IRQ. */
static uint32_t irq_count(uint32_t index)
{
	switch (index) {
	case VFIO_PCI_INTX_IRQ_INDEX:
	case VFIO_PCI_MSI_IRQ_INDEX:
	case VFIO_PCI_ERR_IRQ_INDEX:
	case VFIO_PCI_REQ_IRQ_INDEX:
		return 1;
	default:
		return 0;
	}
}

static long vfio_get_irq_info(uint64_t arg)
{
	const size_t minsz = offsetofend(struct vfio_irq_info, count);
	struct vfio_irq_info info;

	if (sio_copy_from_user(&info, arg, minsz))
		return -EFAULT;
	/* VFIO_PCI_ERR_IRQ_INDEX exists: the function is PCI Express. */
	if (info.argsz < minsz || info.index >= VFIO_PCI_NUM_IRQS)
		return -EINVAL;
	info.flags = VFIO_IRQ_INFO_EVENTFD;
	info.count = irq_count(info.index);
	if (info.index == VFIO_PCI_INTX_IRQ_INDEX)
		info.flags |= VFIO_IRQ_INFO_MASKABLE | VFIO_IRQ_INFO_AUTOMASKED;
	else
		info.flags |= VFIO_IRQ_INFO_NORESIZE;
	return sio_copy_to_user(arg, &info, minsz) ? -EFAULT : 0;
}

/*
 * Each function sits alone in a slot that can be reset: a hot reset affects
 * only itself. Opened as a cdev, it is named by its device ID.
 */
static long vfio_get_hot_reset_info(struct vfio_df *df, uint64_t arg)
{
	const size_t minsz = offsetofend(struct vfio_pci_hot_reset_info, count);
	struct vfio_pci_hot_reset_info hdr;
	struct vfio_pci_dependent_device dep;
	const uint32_t count = 1;

	if (sio_copy_from_user(&hdr, arg, minsz))
		return -EFAULT;
	if (hdr.argsz < minsz)
		return -EINVAL;
	hdr.flags = 0;
	if (count > (hdr.argsz - sizeof(hdr)) / sizeof(dep)) {
		hdr.count = count;
		return sio_copy_to_user(arg, &hdr, minsz) ? -EFAULT : -ENOSPC;
	}
	memset(&dep, 0, sizeof(dep));
	dep.devid = df->idev->obj.id;
	dep.segment = df->pdev->cfg.segment;
	dep.bus = df->pdev->cfg.bus;
	dep.devfn = df->pdev->cfg.devfn;
	if (sio_copy_to_user(arg + offsetof(struct vfio_pci_hot_reset_info, devices), &dep,
			     sizeof(dep)))
		return -EFAULT;
	hdr.count = count;
	hdr.flags = VFIO_PCI_HOT_RESET_FLAG_DEV_ID | VFIO_PCI_HOT_RESET_FLAG_DEV_ID_OWNED;
	return sio_copy_to_user(arg, &hdr, minsz) ? -EFAULT : 0;
}

static long vfio_hot_reset(struct vfio_df *df, uint64_t arg)
{
	const size_t minsz = offsetofend(struct vfio_pci_hot_reset, count);
	struct vfio_pci_hot_reset hdr;

	if (sio_copy_from_user(&hdr, arg, minsz))
		return -EFAULT;
	if (hdr.argsz < minsz || hdr.flags)
		return -EINVAL;
	/* A zero-length group array is required for (and only for) cdev files. */
	if (hdr.count)
		return -EINVAL;
	/* Every affected function (only this one) is bound to the same iommufd. */
	return sio_pcidev_fault_reset(df->pdev->index);
}

static long vfio_dev_ioctl(struct sio_file *file, unsigned int cmd, uint64_t arg)
{
	struct vfio_df *df = file->priv;

	if (cmd == VFIO_DEVICE_BIND_IOMMUFD)
		return vfio_bind(df, arg);
	/* Nothing else until the file is bound. */
	if (!df_bound(df))
		return -EINVAL;
	switch (cmd) {
	case VFIO_DEVICE_ATTACH_IOMMUFD_PT:
		return vfio_attach(df, arg);
	case VFIO_DEVICE_DETACH_IOMMUFD_PT:
		return vfio_detach(df, arg);
	case VFIO_DEVICE_FEATURE:
		return vfio_feature(arg);
	case VFIO_DEVICE_GET_INFO:
		return vfio_get_info(arg);
	case VFIO_DEVICE_GET_REGION_INFO:
		return vfio_get_region_info(arg);
	case VFIO_DEVICE_GET_IRQ_INFO:
		return vfio_get_irq_info(arg);
	case VFIO_DEVICE_RESET:
		/* Ends unanswered page requests and a PRI disabled by FAILURE. */
		return sio_pcidev_fault_reset(df->pdev->index);
	case VFIO_DEVICE_GET_PCI_HOT_RESET_INFO:
		return vfio_get_hot_reset_info(df, arg);
	case VFIO_DEVICE_PCI_HOT_RESET:
		return vfio_hot_reset(df, arg);
	default:
		return -ENOTTY;
	}
}

/* Bound or not, no region can be mapped: the function has no BARs. */
static void *vfio_dev_mmap(struct sio_file *file, void *addr, size_t length, int prot,
			   int flags, off_t offset, int *err)
{
	*err = -EINVAL;
	return NULL;
}

static void vfio_dev_release(struct sio_file *file)
{
	struct vfio_df *df = file->priv;
	struct sio_ctx *ictx = NULL;

	sio_pcidev_bind_lock();
	if (df->access_granted)
		ictx = df_unbind_locked(df);
	sio_pcidev_bind_unlock();
	/* The last reference may destroy the context: outside the bind lock. */
	if (ictx)
		sio_ctx_put(ictx);
	sio_pcidev_close(df->pdev);
	free(df);
}

const struct sio_file_ops sio_vfio_dev_file_ops = {
	.name = "softiommu:vfio-dev",
	.mode = S_IFCHR | 0600,
	.rdev = SIO_MKDEV(SIO_VFIO_DEV_MAJOR, 0),
	.ioctl = vfio_dev_ioctl,
	.mmap = vfio_dev_mmap,
	.release = vfio_dev_release,
};

int sio_vfio_dev_open(unsigned int index, int flags)
{
	struct vfio_df *df;
	int fd;

	df = calloc(1, sizeof(*df));
	if (!df)
		return -ENOMEM;
	df->pdev = sio_pcidev_open(index);
	if (!df->pdev) {
		free(df);
		return -ENOENT;
	}
	fd = sio_file_install_minor(&sio_vfio_dev_file_ops, df, flags, index);
	if (fd < 0) {
		sio_pcidev_close(df->pdev);
		free(df);
	}
	return fd;
}
