/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * softiommu/uapi/vfio.h - the VFIO user ABI subset softiommu speaks.
 *
 * Written for softiommu from the project's ABI notes; it reproduces the
 * binary interface of Linux 7.x (include/uapi/linux/vfio.h) for the parts a
 * VFIO client of an IOMMU needs: the container ioctls (/dev/vfio/vfio, and
 * the same numbers on an iommufd fd), the group and device ioctls, the
 * iommufd cdev bind/attach/detach ioctls and the type1 IOMMU ioctls with
 * their capability chain. Identifiers, values and layouts are the kernel's,
 * so programs written for the kernel header build unchanged against this
 * one. No kernel text is reproduced here.
 *
 * Every number is _IO(';', 100 + n): no direction and no size bits. Each
 * argument struct starts with a __u32 argsz that the caller sets to the
 * bytes it provides; INFO ioctls append a capability chain after the fixed
 * part and grow argsz when the caller's buffer is too short for it.
 *
 * The include guard matches the kernel's (in-tree _UAPIVFIO_H, installed
 * VFIO_H) and also the _UAPI_VFIO_H / _VFIO_H spelling: if a system
 * <linux/vfio.h> was included first, this file is skipped rather than
 * redefining everything, and the other way round.
 */
#if !defined(_UAPIVFIO_H) && !defined(VFIO_H) && !defined(_UAPI_VFIO_H) && !defined(_VFIO_H)
#define _UAPIVFIO_H
#define VFIO_H
#define _UAPI_VFIO_H
#define _VFIO_H

#include "abi_types.h"

#define VFIO_API_VERSION	0

/* ---------------------------------------------------------------------- */
/* Extensions (VFIO_CHECK_EXTENSION argument, VFIO_SET_IOMMU type)         */
/* ---------------------------------------------------------------------- */

#define VFIO_TYPE1_IOMMU		1
#define VFIO_SPAPR_TCE_IOMMU		2
/* Like TYPE1, except that an unmap may not cut a mapping in two. */
#define VFIO_TYPE1v2_IOMMU		3
/* Every IOMMU of the container enforces DMA cache coherency. */
#define VFIO_DMA_CC_IOMMU		4
#define VFIO_EEH			5
/*
 * 6 was a nested two-stage type1; it is retired and answers 0. Linux 7.x
 * spells it __VFIO_RESERVED_TYPE1_NESTING_IOMMU, older headers
 * VFIO_TYPE1_NESTING_IOMMU; both names are provided.
 */
#define __VFIO_RESERVED_TYPE1_NESTING_IOMMU	6
#define VFIO_TYPE1_NESTING_IOMMU	__VFIO_RESERVED_TYPE1_NESTING_IOMMU
#define VFIO_SPAPR_TCE_v2_IOMMU		7
/* No translation and no isolation: the unsafe no-IOMMU mode. */
#define VFIO_NOIOMMU_IOMMU		8
/* VFIO_DMA_UNMAP_FLAG_ALL is understood. */
#define VFIO_UNMAP_ALL			9
/* VFIO_DMA_MAP_FLAG_VADDR / VFIO_DMA_UNMAP_FLAG_VADDR are understood. */
#define VFIO_UPDATE_VADDR		10

/* ioctl "magic" and the first command number of every VFIO ioctl. */
#define VFIO_TYPE	(';')
#define VFIO_BASE	100

/* ---------------------------------------------------------------------- */
/* Capability chains                                                       */
/* ---------------------------------------------------------------------- */

/*
 * Header of one capability of an INFO reply. @next is the offset of the
 * following capability from the start of the INFO buffer (0 ends the
 * chain); the fixed struct's cap_offset names the first one. @id is scoped
 * per INFO ioctl, @version per id.
 */
struct vfio_info_cap_header {
	__u16 id;
	__u16 version;
	__u32 next;
};

/* ---------------------------------------------------------------------- */
/* Container fd (/dev/vfio/vfio, or an iommufd fd)                         */
/* ---------------------------------------------------------------------- */

/* VFIO_GET_API_VERSION: returns VFIO_API_VERSION. */
#define VFIO_GET_API_VERSION		_IO(VFIO_TYPE, VFIO_BASE + 0)
/* VFIO_CHECK_EXTENSION(ext): the argument is the number itself; returns 0 or > 0. */
#define VFIO_CHECK_EXTENSION		_IO(VFIO_TYPE, VFIO_BASE + 1)
/* VFIO_SET_IOMMU(type): the argument is the type itself; needs a group. */
#define VFIO_SET_IOMMU			_IO(VFIO_TYPE, VFIO_BASE + 2)

/* ---------------------------------------------------------------------- */
/* Group fd (/dev/vfio/$GROUP)                                             */
/* ---------------------------------------------------------------------- */

struct vfio_group_status {
	__u32 argsz;
	__u32 flags;
#define VFIO_GROUP_FLAGS_VIABLE		(1 << 0)	/* every device is bound to vfio */
#define VFIO_GROUP_FLAGS_CONTAINER_SET	(1 << 1)
};
#define VFIO_GROUP_GET_STATUS		_IO(VFIO_TYPE, VFIO_BASE + 3)

/* Argument: pointer to the container fd (__s32). */
#define VFIO_GROUP_SET_CONTAINER	_IO(VFIO_TYPE, VFIO_BASE + 4)
#define VFIO_GROUP_UNSET_CONTAINER	_IO(VFIO_TYPE, VFIO_BASE + 5)
/* Argument: the device name (a NUL-terminated string); returns a new fd. */
#define VFIO_GROUP_GET_DEVICE_FD	_IO(VFIO_TYPE, VFIO_BASE + 6)

/* ---------------------------------------------------------------------- */
/* Device fd (from a group, or /dev/vfio/devices/vfioN)                    */
/* ---------------------------------------------------------------------- */

struct vfio_device_info {
	__u32 argsz;
	__u32 flags;
#define VFIO_DEVICE_FLAGS_RESET		(1 << 0)	/* VFIO_DEVICE_RESET works */
#define VFIO_DEVICE_FLAGS_PCI		(1 << 1)
#define VFIO_DEVICE_FLAGS_PLATFORM	(1 << 2)
#define VFIO_DEVICE_FLAGS_AMBA		(1 << 3)
#define VFIO_DEVICE_FLAGS_CCW		(1 << 4)
#define VFIO_DEVICE_FLAGS_AP		(1 << 5)
#define VFIO_DEVICE_FLAGS_FSL_MC	(1 << 6)
#define VFIO_DEVICE_FLAGS_CAPS		(1 << 7)	/* cap_offset is valid */
#define VFIO_DEVICE_FLAGS_CDX		(1 << 8)
	__u32 num_regions;	/* highest region index + 1 */
	__u32 num_irqs;		/* highest IRQ index + 1 */
	__u32 cap_offset;
	__u32 pad;
};
#define VFIO_DEVICE_GET_INFO		_IO(VFIO_TYPE, VFIO_BASE + 7)

#define VFIO_DEVICE_API_PCI_STRING	"vfio-pci"

/* Caller sets argsz and index; the rest is filled in. */
struct vfio_region_info {
	__u32 argsz;
	__u32 flags;
#define VFIO_REGION_INFO_FLAG_READ	(1 << 0)
#define VFIO_REGION_INFO_FLAG_WRITE	(1 << 1)
#define VFIO_REGION_INFO_FLAG_MMAP	(1 << 2)
#define VFIO_REGION_INFO_FLAG_CAPS	(1 << 3)	/* cap_offset is valid */
	__u32 index;
	__u32 cap_offset;
	__aligned_u64 size;	/* bytes; 0 for an unimplemented region */
	__aligned_u64 offset;	/* where the region starts in the device fd */
};
#define VFIO_DEVICE_GET_REGION_INFO	_IO(VFIO_TYPE, VFIO_BASE + 8)

/* Caller sets argsz and index; flags and count are filled in. */
struct vfio_irq_info {
	__u32 argsz;
	__u32 flags;
#define VFIO_IRQ_INFO_EVENTFD		(1 << 0)
#define VFIO_IRQ_INFO_MASKABLE		(1 << 1)
#define VFIO_IRQ_INFO_AUTOMASKED	(1 << 2)
#define VFIO_IRQ_INFO_NORESIZE		(1 << 3)
	__u32 index;
	__u32 count;		/* 0 for an unimplemented IRQ type */
};
#define VFIO_DEVICE_GET_IRQ_INFO	_IO(VFIO_TYPE, VFIO_BASE + 9)

/*
 * One data type and one action per call, for the sub-indexes
 * [start, start + count) of IRQ @index; @data holds count u8 booleans or
 * count __s32 eventfds (-1: unassign) depending on the data type.
 */
struct vfio_irq_set {
	__u32 argsz;
	__u32 flags;
#define VFIO_IRQ_SET_DATA_NONE		(1 << 0)
#define VFIO_IRQ_SET_DATA_BOOL		(1 << 1)
#define VFIO_IRQ_SET_DATA_EVENTFD	(1 << 2)
#define VFIO_IRQ_SET_ACTION_MASK	(1 << 3)
#define VFIO_IRQ_SET_ACTION_UNMASK	(1 << 4)
#define VFIO_IRQ_SET_ACTION_TRIGGER	(1 << 5)
	__u32 index;
	__u32 start;
	__u32 count;
	__u8 data[];
};
#define VFIO_DEVICE_SET_IRQS		_IO(VFIO_TYPE, VFIO_BASE + 10)

#define VFIO_IRQ_SET_DATA_TYPE_MASK	(VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_DATA_BOOL | \
					 VFIO_IRQ_SET_DATA_EVENTFD)
#define VFIO_IRQ_SET_ACTION_TYPE_MASK	(VFIO_IRQ_SET_ACTION_MASK | \
					 VFIO_IRQ_SET_ACTION_UNMASK | \
					 VFIO_IRQ_SET_ACTION_TRIGGER)

#define VFIO_DEVICE_RESET		_IO(VFIO_TYPE, VFIO_BASE + 11)

/* Fixed region and IRQ indexes of vfio-pci devices. */
enum {
	VFIO_PCI_BAR0_REGION_INDEX,
	VFIO_PCI_BAR1_REGION_INDEX,
	VFIO_PCI_BAR2_REGION_INDEX,
	VFIO_PCI_BAR3_REGION_INDEX,
	VFIO_PCI_BAR4_REGION_INDEX,
	VFIO_PCI_BAR5_REGION_INDEX,
	VFIO_PCI_ROM_REGION_INDEX,
	VFIO_PCI_CONFIG_REGION_INDEX,
	VFIO_PCI_VGA_REGION_INDEX,
	VFIO_PCI_NUM_REGIONS = 9	/* frozen; later indexes are device specific */
};

enum {
	VFIO_PCI_INTX_IRQ_INDEX,
	VFIO_PCI_MSI_IRQ_INDEX,
	VFIO_PCI_MSIX_IRQ_INDEX,
	VFIO_PCI_ERR_IRQ_INDEX,
	VFIO_PCI_REQ_IRQ_INDEX,
	VFIO_PCI_NUM_IRQS
};

/* One device a hot reset would also reset. */
struct vfio_pci_dependent_device {
	union {
		__u32 group_id;	/* opened through a group */
		__u32 devid;	/* opened as a cdev (VFIO_PCI_HOT_RESET_FLAG_DEV_ID) */
#define VFIO_PCI_DEVID_OWNED		0
#define VFIO_PCI_DEVID_NOT_OWNED	-1
	};
	__u16 segment;
	__u8 bus;
	__u8 devfn;
};

struct vfio_pci_hot_reset_info {
	__u32 argsz;
	__u32 flags;
#define VFIO_PCI_HOT_RESET_FLAG_DEV_ID		(1 << 0)
#define VFIO_PCI_HOT_RESET_FLAG_DEV_ID_OWNED	(1 << 1)
	__u32 count;
	struct vfio_pci_dependent_device devices[];
};
#define VFIO_DEVICE_GET_PCI_HOT_RESET_INFO	_IO(VFIO_TYPE, VFIO_BASE + 12)

/* Group fds proving ownership; an empty array for cdev-opened devices. */
struct vfio_pci_hot_reset {
	__u32 argsz;
	__u32 flags;
	__u32 count;
	__s32 group_fds[];
};
#define VFIO_DEVICE_PCI_HOT_RESET	_IO(VFIO_TYPE, VFIO_BASE + 13)

/* Get, set or probe the device feature named by the low 16 bits of @flags. */
struct vfio_device_feature {
	__u32 argsz;
	__u32 flags;
#define VFIO_DEVICE_FEATURE_MASK	(0xffff)
#define VFIO_DEVICE_FEATURE_GET		(1 << 16)
#define VFIO_DEVICE_FEATURE_SET		(1 << 17)
#define VFIO_DEVICE_FEATURE_PROBE	(1 << 18)
	__u8 data[];
};
#define VFIO_DEVICE_FEATURE		_IO(VFIO_TYPE, VFIO_BASE + 17)

/*
 * Bind a cdev-opened device to an iommufd; @out_devid names the device in
 * iommufd commands. @token_uuid_ptr (a 16-byte UUID) is read only with
 * VFIO_DEVICE_BIND_FLAG_TOKEN; older kernels know just the first 16 bytes.
 */
struct vfio_device_bind_iommufd {
	__u32 argsz;
	__u32 flags;
#define VFIO_DEVICE_BIND_FLAG_TOKEN	(1 << 0)
	__s32 iommufd;
	__u32 out_devid;
	__aligned_u64 token_uuid_ptr;
};
#define VFIO_DEVICE_BIND_IOMMUFD	_IO(VFIO_TYPE, VFIO_BASE + 18)

/*
 * Attach the bound device (or one of its PASIDs) to an IOAS or HWPT; a
 * second attach replaces the first. On return @pt_id is the HWPT in use.
 */
struct vfio_device_attach_iommufd_pt {
	__u32 argsz;
	__u32 flags;
#define VFIO_DEVICE_ATTACH_PASID	(1 << 0)
	__u32 pt_id;
	__u32 pasid;
};
#define VFIO_DEVICE_ATTACH_IOMMUFD_PT	_IO(VFIO_TYPE, VFIO_BASE + 19)

struct vfio_device_detach_iommufd_pt {
	__u32 argsz;
	__u32 flags;
#define VFIO_DEVICE_DETACH_PASID	(1 << 0)
	__u32 pasid;
};
#define VFIO_DEVICE_DETACH_IOMMUFD_PT	_IO(VFIO_TYPE, VFIO_BASE + 20)

/* ---------------------------------------------------------------------- */
/* Type1 IOMMU (container fd after VFIO_SET_IOMMU)                         */
/* ---------------------------------------------------------------------- */

/*
 * VFIO_IOMMU_GET_INFO. The caller sets argsz (at least 16); a capability
 * chain follows the 24-byte fixed part when it fits, otherwise cap_offset is
 * 0 and argsz tells the size needed.
 */
struct vfio_iommu_type1_info {
	__u32 argsz;
	__u32 flags;
#define VFIO_IOMMU_INFO_PGSIZES	(1 << 0)	/* iova_pgsizes is valid */
#define VFIO_IOMMU_INFO_CAPS	(1 << 1)	/* cap_offset is valid */
	__aligned_u64 iova_pgsizes;	/* bitmap of supported IO page sizes */
	__u32 cap_offset;
	__u32 pad;
};

/* The usable IOVA intervals (version 1). */
#define VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE	1

/* Inclusive: [start, end]. */
struct vfio_iova_range {
	__u64 start;
	__u64 end;
};

struct vfio_iommu_type1_info_cap_iova_range {
	struct vfio_info_cap_header header;
	__u32 nr_iovas;
	__u32 reserved;
	struct vfio_iova_range iova_ranges[];
};

/* Dirty page logging support (version 1). */
#define VFIO_IOMMU_TYPE1_INFO_CAP_MIGRATION	2

struct vfio_iommu_type1_info_cap_migration {
	struct vfio_info_cap_header header;
	__u32 flags;
	__u64 pgsize_bitmap;
	__u64 max_dirty_bitmap_size;	/* bytes */
};

/* How many more DMA mappings may be created (version 1). */
#define VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL	3

struct vfio_iommu_type1_info_dma_avail {
	struct vfio_info_cap_header header;
	__u32 avail;
};

#define VFIO_IOMMU_GET_INFO		_IO(VFIO_TYPE, VFIO_BASE + 12)

/* Map [vaddr, vaddr + size) of the caller at IOVA @iova. */
struct vfio_iommu_type1_dma_map {
	__u32 argsz;
	__u32 flags;
#define VFIO_DMA_MAP_FLAG_READ	(1 << 0)	/* device may read */
#define VFIO_DMA_MAP_FLAG_WRITE	(1 << 1)	/* device may write */
#define VFIO_DMA_MAP_FLAG_VADDR	(1 << 2)	/* only replace the vaddr of a mapping */
	__u64 vaddr;
	__u64 iova;
	__u64 size;
};
#define VFIO_IOMMU_MAP_DMA		_IO(VFIO_TYPE, VFIO_BASE + 13)

/*
 * Unmap [iova, iova + size); @size returns the bytes unmapped. With
 * GET_DIRTY_BITMAP, @data holds a struct vfio_bitmap.
 */
struct vfio_iommu_type1_dma_unmap {
	__u32 argsz;
	__u32 flags;
#define VFIO_DMA_UNMAP_FLAG_GET_DIRTY_BITMAP	(1 << 0)
#define VFIO_DMA_UNMAP_FLAG_ALL			(1 << 1)	/* iova and size must be 0 */
#define VFIO_DMA_UNMAP_FLAG_VADDR		(1 << 2)	/* only invalidate the vaddr */
	__u64 iova;
	__u64 size;
	__u8 data[];
};
#define VFIO_IOMMU_UNMAP_DMA		_IO(VFIO_TYPE, VFIO_BASE + 14)

/* Container enable/disable (no argument). */
#define VFIO_IOMMU_ENABLE		_IO(VFIO_TYPE, VFIO_BASE + 15)
#define VFIO_IOMMU_DISABLE		_IO(VFIO_TYPE, VFIO_BASE + 16)

/* Dirty page logging of the container; one operation flag per call. */
struct vfio_iommu_type1_dirty_bitmap {
	__u32 argsz;
	__u32 flags;
#define VFIO_IOMMU_DIRTY_PAGES_FLAG_START	(1 << 0)
#define VFIO_IOMMU_DIRTY_PAGES_FLAG_STOP	(1 << 1)
#define VFIO_IOMMU_DIRTY_PAGES_FLAG_GET_BITMAP	(1 << 2)
	__u8 data[];
};
#define VFIO_IOMMU_DIRTY_PAGES		_IO(VFIO_TYPE, VFIO_BASE + 17)

/* ---------------------------------------------------------------------- */
/* Compile-time layout checks                                              */
/* ---------------------------------------------------------------------- */

#if defined(__cplusplus)
#if __cplusplus >= 201103L
#define SIO_VFIO_CHECK(expr) static_assert(expr, #expr)
#endif
#else
#define SIO_VFIO_CHECK(expr) _Static_assert(expr, #expr)
#endif

#ifdef SIO_VFIO_CHECK
#define SIO_VFIO_SIZE(type, n) SIO_VFIO_CHECK(sizeof(struct type) == (n))
#define SIO_VFIO_OFF(type, field, n) SIO_VFIO_CHECK(offsetof(struct type, field) == (n))

SIO_VFIO_CHECK(VFIO_GET_API_VERSION == 0x3b64);
SIO_VFIO_CHECK(VFIO_DEVICE_DETACH_IOMMUFD_PT == 0x3b78);
SIO_VFIO_CHECK(VFIO_IOMMU_GET_INFO == 0x3b70);
SIO_VFIO_CHECK(VFIO_IOMMU_DIRTY_PAGES == 0x3b75);

SIO_VFIO_SIZE(vfio_info_cap_header, 8);
SIO_VFIO_OFF(vfio_info_cap_header, id, 0);
SIO_VFIO_OFF(vfio_info_cap_header, version, 2);
SIO_VFIO_OFF(vfio_info_cap_header, next, 4);

SIO_VFIO_SIZE(vfio_group_status, 8);
SIO_VFIO_OFF(vfio_group_status, argsz, 0);
SIO_VFIO_OFF(vfio_group_status, flags, 4);

SIO_VFIO_SIZE(vfio_device_info, 24);
SIO_VFIO_OFF(vfio_device_info, argsz, 0);
SIO_VFIO_OFF(vfio_device_info, flags, 4);
SIO_VFIO_OFF(vfio_device_info, num_regions, 8);
SIO_VFIO_OFF(vfio_device_info, num_irqs, 12);
SIO_VFIO_OFF(vfio_device_info, cap_offset, 16);
SIO_VFIO_OFF(vfio_device_info, pad, 20);

SIO_VFIO_SIZE(vfio_region_info, 32);
SIO_VFIO_OFF(vfio_region_info, argsz, 0);
SIO_VFIO_OFF(vfio_region_info, flags, 4);
SIO_VFIO_OFF(vfio_region_info, index, 8);
SIO_VFIO_OFF(vfio_region_info, cap_offset, 12);
SIO_VFIO_OFF(vfio_region_info, size, 16);
SIO_VFIO_OFF(vfio_region_info, offset, 24);

SIO_VFIO_SIZE(vfio_irq_info, 16);
SIO_VFIO_OFF(vfio_irq_info, argsz, 0);
SIO_VFIO_OFF(vfio_irq_info, flags, 4);
SIO_VFIO_OFF(vfio_irq_info, index, 8);
SIO_VFIO_OFF(vfio_irq_info, count, 12);

SIO_VFIO_SIZE(vfio_irq_set, 20);
SIO_VFIO_OFF(vfio_irq_set, argsz, 0);
SIO_VFIO_OFF(vfio_irq_set, flags, 4);
SIO_VFIO_OFF(vfio_irq_set, index, 8);
SIO_VFIO_OFF(vfio_irq_set, start, 12);
SIO_VFIO_OFF(vfio_irq_set, count, 16);
SIO_VFIO_OFF(vfio_irq_set, data, 20);

SIO_VFIO_SIZE(vfio_pci_dependent_device, 8);
SIO_VFIO_OFF(vfio_pci_dependent_device, group_id, 0);
SIO_VFIO_OFF(vfio_pci_dependent_device, devid, 0);
SIO_VFIO_OFF(vfio_pci_dependent_device, segment, 4);
SIO_VFIO_OFF(vfio_pci_dependent_device, bus, 6);
SIO_VFIO_OFF(vfio_pci_dependent_device, devfn, 7);

SIO_VFIO_SIZE(vfio_pci_hot_reset_info, 12);
SIO_VFIO_OFF(vfio_pci_hot_reset_info, argsz, 0);
SIO_VFIO_OFF(vfio_pci_hot_reset_info, flags, 4);
SIO_VFIO_OFF(vfio_pci_hot_reset_info, count, 8);
SIO_VFIO_OFF(vfio_pci_hot_reset_info, devices, 12);

SIO_VFIO_SIZE(vfio_pci_hot_reset, 12);
SIO_VFIO_OFF(vfio_pci_hot_reset, argsz, 0);
SIO_VFIO_OFF(vfio_pci_hot_reset, flags, 4);
SIO_VFIO_OFF(vfio_pci_hot_reset, count, 8);
SIO_VFIO_OFF(vfio_pci_hot_reset, group_fds, 12);

SIO_VFIO_SIZE(vfio_device_feature, 8);
SIO_VFIO_OFF(vfio_device_feature, argsz, 0);
SIO_VFIO_OFF(vfio_device_feature, flags, 4);
SIO_VFIO_OFF(vfio_device_feature, data, 8);

SIO_VFIO_SIZE(vfio_device_bind_iommufd, 24);
SIO_VFIO_OFF(vfio_device_bind_iommufd, argsz, 0);
SIO_VFIO_OFF(vfio_device_bind_iommufd, flags, 4);
SIO_VFIO_OFF(vfio_device_bind_iommufd, iommufd, 8);
SIO_VFIO_OFF(vfio_device_bind_iommufd, out_devid, 12);
SIO_VFIO_OFF(vfio_device_bind_iommufd, token_uuid_ptr, 16);

SIO_VFIO_SIZE(vfio_device_attach_iommufd_pt, 16);
SIO_VFIO_OFF(vfio_device_attach_iommufd_pt, argsz, 0);
SIO_VFIO_OFF(vfio_device_attach_iommufd_pt, flags, 4);
SIO_VFIO_OFF(vfio_device_attach_iommufd_pt, pt_id, 8);
SIO_VFIO_OFF(vfio_device_attach_iommufd_pt, pasid, 12);

SIO_VFIO_SIZE(vfio_device_detach_iommufd_pt, 12);
SIO_VFIO_OFF(vfio_device_detach_iommufd_pt, argsz, 0);
SIO_VFIO_OFF(vfio_device_detach_iommufd_pt, flags, 4);
SIO_VFIO_OFF(vfio_device_detach_iommufd_pt, pasid, 8);

SIO_VFIO_SIZE(vfio_iommu_type1_info, 24);
SIO_VFIO_OFF(vfio_iommu_type1_info, argsz, 0);
SIO_VFIO_OFF(vfio_iommu_type1_info, flags, 4);
SIO_VFIO_OFF(vfio_iommu_type1_info, iova_pgsizes, 8);
SIO_VFIO_OFF(vfio_iommu_type1_info, cap_offset, 16);
SIO_VFIO_OFF(vfio_iommu_type1_info, pad, 20);

SIO_VFIO_SIZE(vfio_iova_range, 16);
SIO_VFIO_OFF(vfio_iova_range, start, 0);
SIO_VFIO_OFF(vfio_iova_range, end, 8);

SIO_VFIO_SIZE(vfio_iommu_type1_info_cap_iova_range, 16);
SIO_VFIO_OFF(vfio_iommu_type1_info_cap_iova_range, header, 0);
SIO_VFIO_OFF(vfio_iommu_type1_info_cap_iova_range, nr_iovas, 8);
SIO_VFIO_OFF(vfio_iommu_type1_info_cap_iova_range, reserved, 12);
SIO_VFIO_OFF(vfio_iommu_type1_info_cap_iova_range, iova_ranges, 16);

/*
 * Plain __u64 after a u32, as in the kernel: 8-byte aligned on LP64, 4 on
 * i386 (the kernel's own layout differs there the same way).
 */
SIO_VFIO_OFF(vfio_iommu_type1_info_cap_migration, header, 0);
SIO_VFIO_OFF(vfio_iommu_type1_info_cap_migration, flags, 8);
#if defined(__LP64__) || defined(_LP64)
SIO_VFIO_SIZE(vfio_iommu_type1_info_cap_migration, 32);
SIO_VFIO_OFF(vfio_iommu_type1_info_cap_migration, pgsize_bitmap, 16);
SIO_VFIO_OFF(vfio_iommu_type1_info_cap_migration, max_dirty_bitmap_size, 24);
#endif

SIO_VFIO_SIZE(vfio_iommu_type1_info_dma_avail, 12);
SIO_VFIO_OFF(vfio_iommu_type1_info_dma_avail, header, 0);
SIO_VFIO_OFF(vfio_iommu_type1_info_dma_avail, avail, 8);

SIO_VFIO_SIZE(vfio_iommu_type1_dma_map, 32);
SIO_VFIO_OFF(vfio_iommu_type1_dma_map, argsz, 0);
SIO_VFIO_OFF(vfio_iommu_type1_dma_map, flags, 4);
SIO_VFIO_OFF(vfio_iommu_type1_dma_map, vaddr, 8);
SIO_VFIO_OFF(vfio_iommu_type1_dma_map, iova, 16);
SIO_VFIO_OFF(vfio_iommu_type1_dma_map, size, 24);

SIO_VFIO_SIZE(vfio_iommu_type1_dma_unmap, 24);
SIO_VFIO_OFF(vfio_iommu_type1_dma_unmap, argsz, 0);
SIO_VFIO_OFF(vfio_iommu_type1_dma_unmap, flags, 4);
SIO_VFIO_OFF(vfio_iommu_type1_dma_unmap, iova, 8);
SIO_VFIO_OFF(vfio_iommu_type1_dma_unmap, size, 16);
SIO_VFIO_OFF(vfio_iommu_type1_dma_unmap, data, 24);

SIO_VFIO_SIZE(vfio_iommu_type1_dirty_bitmap, 8);
SIO_VFIO_OFF(vfio_iommu_type1_dirty_bitmap, argsz, 0);
SIO_VFIO_OFF(vfio_iommu_type1_dirty_bitmap, flags, 4);
SIO_VFIO_OFF(vfio_iommu_type1_dirty_bitmap, data, 8);

#undef SIO_VFIO_OFF
#undef SIO_VFIO_SIZE
#undef SIO_VFIO_CHECK
#endif /* SIO_VFIO_CHECK */

#endif /* _UAPIVFIO_H */
