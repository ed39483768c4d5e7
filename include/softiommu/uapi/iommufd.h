/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * softiommu/uapi/iommufd.h - the iommufd (/dev/iommu) user ABI.
 *
 * Written for softiommu from the project's ABI notes; it reproduces the binary
 * interface of Linux 7.2 (include/uapi/linux/iommufd.h) with the same type,
 * constant and field names, so that programs written for the kernel header
 * build unchanged against this one. No kernel text is reproduced here.
 *
 * Every command number is encoded as _IO(';', nr) (no direction or size bits);
 * its argument struct starts with a __u32 size, and the kernel accepts shorter
 * (down to a minimum) and longer (zero tail) structs, so fields only get appended.
 *
 * The include guard deliberately matches the kernel's (both the in-tree
 * _UAPI_IOMMUFD_H and the installed _IOMMUFD_H spelling): if a system
 * <linux/iommufd.h> was included first, this file is skipped rather than
 * redefining everything.
 */
#if !defined(_UAPI_IOMMUFD_H) && !defined(_IOMMUFD_H)
#define _UAPI_IOMMUFD_H
#define _IOMMUFD_H

#include "abi_types.h"

/* ioctl "magic" of all iommufd commands: ';' (0x3b). */
#define IOMMUFD_TYPE (';')

/*
 * Command numbers (the nr part of each ioctl). Production commands occupy
 * 0x80..0x95; 0xa0 (IOMMUFD_CMD_BASE + 32) is the selftest command.
 */
enum {
	IOMMUFD_CMD_BASE = 0x80,
	IOMMUFD_CMD_DESTROY = IOMMUFD_CMD_BASE,
	IOMMUFD_CMD_IOAS_ALLOC = 0x81,
	IOMMUFD_CMD_IOAS_ALLOW_IOVAS = 0x82,
	IOMMUFD_CMD_IOAS_COPY = 0x83,
	IOMMUFD_CMD_IOAS_IOVA_RANGES = 0x84,
	IOMMUFD_CMD_IOAS_MAP = 0x85,
	IOMMUFD_CMD_IOAS_UNMAP = 0x86,
	IOMMUFD_CMD_OPTION = 0x87,
	IOMMUFD_CMD_VFIO_IOAS = 0x88,
	IOMMUFD_CMD_HWPT_ALLOC = 0x89,
	IOMMUFD_CMD_GET_HW_INFO = 0x8a,
	IOMMUFD_CMD_HWPT_SET_DIRTY_TRACKING = 0x8b,
	IOMMUFD_CMD_HWPT_GET_DIRTY_BITMAP = 0x8c,
	IOMMUFD_CMD_HWPT_INVALIDATE = 0x8d,
	IOMMUFD_CMD_FAULT_QUEUE_ALLOC = 0x8e,
	IOMMUFD_CMD_IOAS_MAP_FILE = 0x8f,
	IOMMUFD_CMD_VIOMMU_ALLOC = 0x90,
	IOMMUFD_CMD_VDEVICE_ALLOC = 0x91,
	IOMMUFD_CMD_IOAS_CHANGE_PROCESS = 0x92,
	IOMMUFD_CMD_VEVENTQ_ALLOC = 0x93,
	IOMMUFD_CMD_HW_QUEUE_ALLOC = 0x94,
	/* New in 7.2; the number is inferred from the header, see the notes. */
	IOMMUFD_CMD_IOAS_NOIOMMU_GET_PA = 0x95,
};

/* ---------------------------------------------------------------------- */
/* Objects and IOAS (I/O address space) management                         */
/* ---------------------------------------------------------------------- */

/*
 * IOMMU_DESTROY: drop the fd's reference on any object by its ID; fails with
 * EBUSY while another object or an fd still uses it.
 */
struct iommu_destroy {
	__u32 size;
	__u32 id;
};
#define IOMMU_DESTROY _IO(IOMMUFD_TYPE, IOMMUFD_CMD_DESTROY)

/* IOMMU_IOAS_ALLOC: create an empty I/O address space and return its ID. */
struct iommu_ioas_alloc {
	__u32 size;
	__u32 flags;		/* must be 0 */
	__u32 out_ioas_id;
};
#define IOMMU_IOAS_ALLOC _IO(IOMMUFD_TYPE, IOMMUFD_CMD_IOAS_ALLOC)

/* One inclusive IOVA interval [start, last], used as an array element. */
struct iommu_iova_range {
	__aligned_u64 start;
	__aligned_u64 last;
};

/*
 * IOMMU_IOAS_IOVA_RANGES: report the IOVA intervals that are not reserved
 * (usable for mapping) and the IOVA alignment the IOAS currently requires.
 */
struct iommu_ioas_iova_ranges {
	__u32 size;
	__u32 ioas_id;
	__u32 num_iovas;	/* in: array capacity, out: total ranges */
	__u32 __reserved;
	__aligned_u64 allowed_iovas;	/* user pointer to struct iommu_iova_range[] */
	__aligned_u64 out_iova_alignment;
};
#define IOMMU_IOAS_IOVA_RANGES _IO(IOMMUFD_TYPE, IOMMUFD_CMD_IOAS_IOVA_RANGES)

/*
 * IOMMU_IOAS_ALLOW_IOVAS: replace the list of IOVA intervals that automatic
 * IOVA allocation may use (an empty list lifts the restriction).
 */
struct iommu_ioas_allow_iovas {
	__u32 size;
	__u32 ioas_id;
	__u32 num_iovas;
	__u32 __reserved;
	__aligned_u64 allowed_iovas;	/* user pointer to struct iommu_iova_range[] */
};
#define IOMMU_IOAS_ALLOW_IOVAS _IO(IOMMUFD_TYPE, IOMMUFD_CMD_IOAS_ALLOW_IOVAS)

/* Flags of IOAS_MAP, IOAS_MAP_FILE and IOAS_COPY. */
enum iommufd_ioas_map_flags {
	IOMMU_IOAS_MAP_FIXED_IOVA = 1 << 0,	/* use the caller's iova */
	IOMMU_IOAS_MAP_WRITEABLE = 1 << 1,	/* device may write */
	IOMMU_IOAS_MAP_READABLE = 1 << 2,	/* device may read */
};

/*
 * IOMMU_IOAS_MAP: map a range of the calling process' virtual memory into the
 * IOAS, at a fixed IOVA or at one chosen by the kernel (returned in iova).
 */
struct iommu_ioas_map {
	__u32 size;
	__u32 flags;
	__u32 ioas_id;
	__u32 __reserved;
	__aligned_u64 user_va;
	__aligned_u64 length;
	__aligned_u64 iova;
};
#define IOMMU_IOAS_MAP _IO(IOMMUFD_TYPE, IOMMUFD_CMD_IOAS_MAP)

/*
 * IOMMU_IOAS_MAP_FILE: like IOAS_MAP, but the memory is a byte range of a
 * file (memfd/hugetlbfs or a supported dma-buf) instead of a user VA.
 */
struct iommu_ioas_map_file {
	__u32 size;
	__u32 flags;
	__u32 ioas_id;
	__s32 fd;
	__aligned_u64 start;	/* offset in the file */
	__aligned_u64 length;
	__aligned_u64 iova;
};
#define IOMMU_IOAS_MAP_FILE _IO(IOMMUFD_TYPE, IOMMUFD_CMD_IOAS_MAP_FILE)

/*
 * IOMMU_IOAS_COPY: map pages already mapped in one IOAS into another (or the
 * same) IOAS, sharing the pinned pages instead of pinning again.
 */
struct iommu_ioas_copy {
	__u32 size;
	__u32 flags;
	__u32 dst_ioas_id;
	__u32 src_ioas_id;
	__aligned_u64 length;
	__aligned_u64 dst_iova;
	__aligned_u64 src_iova;
};
#define IOMMU_IOAS_COPY _IO(IOMMUFD_TYPE, IOMMUFD_CMD_IOAS_COPY)

/*
 * IOMMU_IOAS_UNMAP: remove every mapping fully contained in the IOVA range;
 * iova 0 with length U64_MAX removes everything. length returns bytes unmapped.
 */
struct iommu_ioas_unmap {
	__u32 size;
	__u32 ioas_id;
	__aligned_u64 iova;
	__aligned_u64 length;
};
#define IOMMU_IOAS_UNMAP _IO(IOMMUFD_TYPE, IOMMUFD_CMD_IOAS_UNMAP)

/* Option selector of IOMMU_OPTION. */
enum iommufd_option {
	IOMMU_OPTION_RLIMIT_MODE = 0,	/* fd-wide: 0 user, 1 process accounting */
	IOMMU_OPTION_HUGE_PAGES = 1,	/* per IOAS: large IOPTEs allowed */
};

/* Whether IOMMU_OPTION reads or writes the option. */
enum iommufd_option_ops {
	IOMMU_OPTION_OP_SET = 0,
	IOMMU_OPTION_OP_GET = 1,
};

/* IOMMU_OPTION: get or set a context-wide or per-object option value. */
struct iommu_option {
	__u32 size;
	__u32 option_id;
	__u16 op;
	__u16 __reserved;
	__u32 object_id;
	__aligned_u64 val64;
};
#define IOMMU_OPTION _IO(IOMMUFD_TYPE, IOMMUFD_CMD_OPTION)

/* Operation of IOMMU_VFIO_IOAS on the VFIO compatibility IOAS. */
enum iommufd_vfio_ioas_op {
	IOMMU_VFIO_IOAS_GET = 0,
	IOMMU_VFIO_IOAS_SET = 1,
	IOMMU_VFIO_IOAS_CLEAR = 2,
};

/*
 * IOMMU_VFIO_IOAS: query, choose or forget the IOAS that the legacy VFIO
 * type1 container ioctls on this fd operate on.
 */
struct iommu_vfio_ioas {
	__u32 size;
	__u32 ioas_id;
	__u16 op;
	__u16 __reserved;
};
#define IOMMU_VFIO_IOAS _IO(IOMMUFD_TYPE, IOMMUFD_CMD_VFIO_IOAS)

/* ---------------------------------------------------------------------- */
/* HW page tables (HWPT)                                                    */
/* ---------------------------------------------------------------------- */

/* Flags of IOMMU_HWPT_ALLOC. */
enum iommufd_hwpt_alloc_flags {
	IOMMU_HWPT_ALLOC_NEST_PARENT = 1 << 0,	/* may parent nested HWPTs */
	IOMMU_HWPT_ALLOC_DIRTY_TRACKING = 1 << 1,	/* must support dirty tracking */
	IOMMU_HWPT_FAULT_ID_VALID = 1 << 2,	/* fault_id is meaningful */
	IOMMU_HWPT_ALLOC_PASID = 1 << 3,	/* usable on non-zero PASIDs */
};

/* Flags of the Intel VT-d stage-1 page table description. */
enum iommu_hwpt_vtd_s1_flags {
	IOMMU_VTD_S1_SRE = 1 << 0,	/* supervisor requests */
	IOMMU_VTD_S1_EAFE = 1 << 1,	/* extended access flag */
	IOMMU_VTD_S1_WPE = 1 << 2,	/* write protect */
};

/* Nested-HWPT data for Intel VT-d: the guest's stage-1 page table. */
struct iommu_hwpt_vtd_s1 {
	__aligned_u64 flags;
	__aligned_u64 pgtbl_addr;
	__u32 addr_width;
	__u32 __reserved;
};

/* Nested-HWPT data for ARM SMMUv3: the first two little-endian guest STE words. */
struct iommu_hwpt_arm_smmuv3 {
	__aligned_le64 ste[2];
};

/* Nested-HWPT data for AMD: the guest's 256-bit Device Table Entry. */
struct iommu_hwpt_amd_guest {
	__aligned_u64 dte[4];
};

/* Type tag of the driver data passed to IOMMU_HWPT_ALLOC. */
enum iommu_hwpt_data_type {
	IOMMU_HWPT_DATA_NONE = 0,
	IOMMU_HWPT_DATA_VTD_S1 = 1,
	IOMMU_HWPT_DATA_ARM_SMMUV3 = 2,
	IOMMU_HWPT_DATA_AMD_GUEST = 3,
};

/*
 * IOMMU_HWPT_ALLOC: create a paging HWPT on an IOAS, or a nested HWPT on a
 * nesting-parent HWPT or vIOMMU (then driver data describes the guest table).
 */
struct iommu_hwpt_alloc {
	__u32 size;
	__u32 flags;
	__u32 dev_id;
	__u32 pt_id;
	__u32 out_hwpt_id;
	__u32 __reserved;
	__u32 data_type;
	__u32 data_len;
	__aligned_u64 data_uptr;
	__u32 fault_id;
	__u32 __reserved2;
};
#define IOMMU_HWPT_ALLOC _IO(IOMMUFD_TYPE, IOMMUFD_CMD_HWPT_ALLOC)

/* Flags reported in struct iommu_hw_info_vtd. */
enum iommu_hw_info_vtd_flags {
	/* Read-only mappings must not be used on a nesting parent. */
	IOMMU_HW_INFO_VTD_ERRATA_772415_SPR17 = 1 << 0,
};

/* GET_HW_INFO payload for Intel VT-d: raw capability registers. */
struct iommu_hw_info_vtd {
	__u32 flags;
	__u32 __reserved;
	__aligned_u64 cap_reg;
	__aligned_u64 ecap_reg;
};

/* GET_HW_INFO payload for ARM SMMUv3: raw ID registers. */
struct iommu_hw_info_arm_smmuv3 {
	__u32 flags;
	__u32 __reserved;
	__u32 idr[6];
	__u32 iidr;
	__u32 aidr;
};

/* GET_HW_INFO payload for the NVIDIA Tegra241 CMDQV extension. */
struct iommu_hw_info_tegra241_cmdqv {
	__u32 flags;
	__u8 version;
	__u8 log2vcmdqs;
	__u8 log2vsids;
	__u8 __reserved;
};

/* GET_HW_INFO payload for AMD: raw extended feature registers. */
struct iommu_hw_info_amd {
	__aligned_u64 efr;
	__aligned_u64 efr2;
};

/* Type tag of the GET_HW_INFO payload (DEFAULT is the "any" input alias). */
enum iommu_hw_info_type {
	IOMMU_HW_INFO_TYPE_NONE = 0,
	IOMMU_HW_INFO_TYPE_DEFAULT = 0,
	IOMMU_HW_INFO_TYPE_INTEL_VTD = 1,
	IOMMU_HW_INFO_TYPE_ARM_SMMUV3 = 2,
	IOMMU_HW_INFO_TYPE_TEGRA241_CMDQV = 3,
	IOMMU_HW_INFO_TYPE_AMD = 4,
};

/* Generic capability bits in iommu_hw_info.out_capabilities. */
enum iommufd_hw_capabilities {
	IOMMU_HW_CAP_DIRTY_TRACKING = 1 << 0,
	IOMMU_HW_CAP_PCI_PASID_EXEC = 1 << 1,
	IOMMU_HW_CAP_PCI_PASID_PRIV = 1 << 2,
	IOMMU_HW_CAP_PCI_ATS_NOT_SUPPORTED = 1 << 3,
};

/* Flags of IOMMU_GET_HW_INFO. */
enum iommufd_hw_info_flags {
	IOMMU_HW_INFO_FLAG_INPUT_TYPE = 1 << 0,	/* in_data_type is valid */
};

/*
 * IOMMU_GET_HW_INFO: describe the IOMMU behind a device - a typed driver
 * payload copied to data_uptr, generic capabilities and the PASID width.
 */
struct iommu_hw_info {
	__u32 size;
	__u32 flags;
	__u32 dev_id;
	__u32 data_len;		/* in: buffer size, out: payload size */
	__aligned_u64 data_uptr;
	union {
		__u32 in_data_type;
		__u32 out_data_type;
	};
	__u8 out_max_pasid_log2;
	__u8 __reserved[3];
	__aligned_u64 out_capabilities;
};
#define IOMMU_GET_HW_INFO _IO(IOMMUFD_TYPE, IOMMUFD_CMD_GET_HW_INFO)

/* Flags of IOMMU_HWPT_SET_DIRTY_TRACKING. */
enum iommufd_hwpt_set_dirty_tracking_flags {
	IOMMU_HWPT_DIRTY_TRACKING_ENABLE = 1,
};

/* IOMMU_HWPT_SET_DIRTY_TRACKING: start or stop dirty tracking on a paging HWPT. */
struct iommu_hwpt_set_dirty_tracking {
	__u32 size;
	__u32 flags;
	__u32 hwpt_id;
	__u32 __reserved;
};
#define IOMMU_HWPT_SET_DIRTY_TRACKING \
	_IO(IOMMUFD_TYPE, IOMMUFD_CMD_HWPT_SET_DIRTY_TRACKING)

/* Flags of IOMMU_HWPT_GET_DIRTY_BITMAP. */
enum iommufd_hwpt_get_dirty_bitmap_flags {
	IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR = 1,	/* report, keep dirty state */
};

/*
 * IOMMU_HWPT_GET_DIRTY_BITMAP: set one bit per dirty page_size unit of an
 * IOVA range in a user bitmap (bits are only ever set, never cleared).
 */
struct iommu_hwpt_get_dirty_bitmap {
	__u32 size;
	__u32 hwpt_id;
	__u32 flags;
	__u32 __reserved;
	__aligned_u64 iova;
	__aligned_u64 length;
	__aligned_u64 page_size;
	__aligned_u64 data;	/* user pointer to the bitmap */
};
#define IOMMU_HWPT_GET_DIRTY_BITMAP \
	_IO(IOMMUFD_TYPE, IOMMUFD_CMD_HWPT_GET_DIRTY_BITMAP)

/* Type tag of the entries passed to IOMMU_HWPT_INVALIDATE. */
enum iommu_hwpt_invalidate_data_type {
	IOMMU_HWPT_INVALIDATE_DATA_VTD_S1 = 0,
	IOMMU_VIOMMU_INVALIDATE_DATA_ARM_SMMUV3 = 1,
};

/* Flags of a VT-d stage-1 invalidation entry. */
enum iommu_hwpt_vtd_s1_invalidate_flags {
	IOMMU_VTD_INV_FLAGS_LEAF = 1 << 0,	/* only leaf entries changed */
};

/* One VT-d stage-1 invalidation request (4 KiB pages from addr). */
struct iommu_hwpt_vtd_s1_invalidate {
	__aligned_u64 addr;
	__aligned_u64 npages;
	__u32 flags;
	__u32 __reserved;
};

/* One raw ARM SMMUv3 command-queue entry for vIOMMU invalidation. */
struct iommu_viommu_arm_smmuv3_invalidate {
	__aligned_le64 cmd[2];
};

/*
 * IOMMU_HWPT_INVALIDATE: apply an array of driver-specific cache invalidation
 * entries to a nested HWPT or vIOMMU; entry_num returns how many were handled.
 */
struct iommu_hwpt_invalidate {
	__u32 size;
	__u32 hwpt_id;
	__aligned_u64 data_uptr;
	__u32 data_type;
	__u32 entry_len;
	__u32 entry_num;
	__u32 __reserved;
};
#define IOMMU_HWPT_INVALIDATE _IO(IOMMUFD_TYPE, IOMMUFD_CMD_HWPT_INVALIDATE)

/* ---------------------------------------------------------------------- */
/* I/O page faults                                                          */
/* ---------------------------------------------------------------------- */

/* Flags of a fault record. */
enum iommu_hwpt_pgfault_flags {
	IOMMU_PGFAULT_FLAGS_PASID_VALID = (1 << 0),
	IOMMU_PGFAULT_FLAGS_LAST_PAGE = (1 << 1),	/* last record of its group */
};

/* Access permissions requested by a faulting device. */
enum iommu_hwpt_pgfault_perm {
	IOMMU_PGFAULT_PERM_READ = (1 << 0),
	IOMMU_PGFAULT_PERM_WRITE = (1 << 1),
	IOMMU_PGFAULT_PERM_EXEC = (1 << 2),
	IOMMU_PGFAULT_PERM_PRIV = (1 << 3),
};

/* One I/O page-fault record, as read() from a fault queue fd. */
struct iommu_hwpt_pgfault {
	__u32 flags;
	__u32 dev_id;
	__u32 pasid;
	__u32 grpid;
	__u32 perm;
	__u32 __reserved;
	__aligned_u64 addr;
	__u32 length;		/* prefetch hint, 0 if none */
	__u32 cookie;		/* echo in the response */
};

/* Result code of a page-fault response. */
enum iommufd_page_response_code {
	IOMMUFD_PAGE_RESP_SUCCESS = 0,
	IOMMUFD_PAGE_RESP_INVALID = 1,
};

/* A page-fault response, as write() to a fault queue fd. */
struct iommu_hwpt_page_response {
	__u32 cookie;
	__u32 code;
};

/* IOMMU_FAULT_QUEUE_ALLOC: create a fault queue object and its read/write fd. */
struct iommu_fault_alloc {
	__u32 size;
	__u32 flags;
	__u32 out_fault_id;
	__u32 out_fault_fd;
};
#define IOMMU_FAULT_QUEUE_ALLOC _IO(IOMMUFD_TYPE, IOMMUFD_CMD_FAULT_QUEUE_ALLOC)

/* ---------------------------------------------------------------------- */
/* Virtual IOMMU, virtual devices, events and HW queues                     */
/* ---------------------------------------------------------------------- */

/* Kind of virtual IOMMU (0 is reserved). */
enum iommu_viommu_type {
	IOMMU_VIOMMU_TYPE_DEFAULT = 0,
	IOMMU_VIOMMU_TYPE_ARM_SMMUV3 = 1,
	IOMMU_VIOMMU_TYPE_TEGRA241_CMDQV = 2,
};

/* VIOMMU_ALLOC data for Tegra241 CMDQV: the mmap window of the VINTF page. */
struct iommu_viommu_tegra241_cmdqv {
	__aligned_u64 out_vintf_mmap_offset;
	__aligned_u64 out_vintf_mmap_length;
};

/*
 * IOMMU_VIOMMU_ALLOC: create a virtual IOMMU instance on top of a
 * nesting-parent HWPT, optionally with driver-specific in/out data.
 */
struct iommu_viommu_alloc {
	__u32 size;
	__u32 flags;
	__u32 type;
	__u32 dev_id;
	__u32 hwpt_id;
	__u32 out_viommu_id;
	__u32 data_len;
	__u32 __reserved;
	__aligned_u64 data_uptr;
};
#define IOMMU_VIOMMU_ALLOC _IO(IOMMUFD_TYPE, IOMMUFD_CMD_VIOMMU_ALLOC)

/*
 * IOMMU_VDEVICE_ALLOC: tell a vIOMMU the guest-visible ID (virt_id: vSID,
 * vDeviceID, vRID) of a physical device.
 */
struct iommu_vdevice_alloc {
	__u32 size;
	__u32 viommu_id;
	__u32 dev_id;
	__u32 out_vdevice_id;
	__aligned_u64 virt_id;
};
#define IOMMU_VDEVICE_ALLOC _IO(IOMMUFD_TYPE, IOMMUFD_CMD_VDEVICE_ALLOC)

/*
 * IOMMU_IOAS_CHANGE_PROCESS: move the pinned-memory accounting of all
 * (file-backed) mappings of this fd to the calling process.
 */
struct iommu_ioas_change_process {
	__u32 size;
	__u32 __reserved;
};
#define IOMMU_IOAS_CHANGE_PROCESS \
	_IO(IOMMUFD_TYPE, IOMMUFD_CMD_IOAS_CHANGE_PROCESS)

/* Flags of a vEVENT header. */
enum iommu_veventq_flag {
	IOMMU_VEVENTQ_FLAG_LOST_EVENTS = (1U << 0),	/* events were dropped */
};

/* Header preceding every record read from a vEVENTQ fd. */
struct iommufd_vevent_header {
	__u32 flags;
	__u32 sequence;
};

/* Kind of vEVENT queue (0 is reserved). */
enum iommu_veventq_type {
	IOMMU_VEVENTQ_TYPE_DEFAULT = 0,
	IOMMU_VEVENTQ_TYPE_ARM_SMMUV3 = 1,
	IOMMU_VEVENTQ_TYPE_TEGRA241_CMDQV = 2,
};

/* vEVENT payload for ARM SMMUv3: a raw event record (StreamID = virt_id). */
struct iommu_vevent_arm_smmuv3 {
	__aligned_le64 evt[4];
};

/* vEVENT payload for Tegra241 CMDQV: bitmap of erroring logical vCMDQs. */
struct iommu_vevent_tegra241_cmdqv {
	__aligned_le64 lvcmdq_err_map[2];
};

/* IOMMU_VEVENTQ_ALLOC: create a vIOMMU event queue and its read-only fd. */
struct iommu_veventq_alloc {
	__u32 size;
	__u32 flags;
	__u32 viommu_id;
	__u32 type;
	__u32 veventq_depth;
	__u32 out_veventq_id;
	__u32 out_veventq_fd;
	__u32 __reserved;
};
#define IOMMU_VEVENTQ_ALLOC _IO(IOMMUFD_TYPE, IOMMUFD_CMD_VEVENTQ_ALLOC)

/* Kind of HW-accelerated queue (0 is reserved). */
enum iommu_hw_queue_type {
	IOMMU_HW_QUEUE_TYPE_DEFAULT = 0,
	IOMMU_HW_QUEUE_TYPE_TEGRA241_CMDQV = 1,
};

/*
 * IOMMU_HW_QUEUE_ALLOC: give a vIOMMU a hardware queue backed by guest memory
 * at nesting_parent_iova (an IOVA of the parent HWPT's IOAS).
 */
struct iommu_hw_queue_alloc {
	__u32 size;
	__u32 flags;
	__u32 viommu_id;
	__u32 type;
	__u32 index;
	__u32 out_hw_queue_id;
	__aligned_u64 nesting_parent_iova;
	__aligned_u64 length;
};
#define IOMMU_HW_QUEUE_ALLOC _IO(IOMMUFD_TYPE, IOMMUFD_CMD_HW_QUEUE_ALLOC)

/*
 * IOMMU_IOAS_NOIOMMU_GET_PA (new in 7.2, no-IOMMU mode only): return the
 * physical address behind an IOVA and the physically contiguous length there.
 * Layout from the 7.2 header; the 0x95 dispatch entry itself is inferred.
 */
struct iommu_ioas_noiommu_get_pa {
	__u32 size;
	__u32 flags;
	__u32 ioas_id;
	__u32 __reserved;
	__aligned_u64 iova;
	__aligned_u64 length;	/* in: max bytes, out: contiguous bytes */
	__aligned_u64 out_phys;
};
#define IOMMU_IOAS_NOIOMMU_GET_PA \
	_IO(IOMMUFD_TYPE, IOMMUFD_CMD_IOAS_NOIOMMU_GET_PA)

/* ---------------------------------------------------------------------- */
/* Compile-time layout checks (LP64 and ILP32 agree for every struct here) */
/* ---------------------------------------------------------------------- */

#if defined(__cplusplus)
#if __cplusplus >= 201103L
#define SIO_UAPI_CHECK(expr) static_assert(expr, #expr)
#endif
#else
#define SIO_UAPI_CHECK(expr) _Static_assert(expr, #expr)
#endif

#ifdef SIO_UAPI_CHECK
#define SIO_UAPI_SIZE(type, n) SIO_UAPI_CHECK(sizeof(struct type) == (n))
#define SIO_UAPI_OFF(type, field, n) SIO_UAPI_CHECK(offsetof(struct type, field) == (n))

SIO_UAPI_CHECK(IOMMUFD_CMD_IOAS_NOIOMMU_GET_PA - IOMMUFD_CMD_BASE + 1 == 22);

SIO_UAPI_SIZE(iommu_destroy, 8);
SIO_UAPI_OFF(iommu_destroy, size, 0);
SIO_UAPI_OFF(iommu_destroy, id, 4);

SIO_UAPI_SIZE(iommu_ioas_alloc, 12);
SIO_UAPI_OFF(iommu_ioas_alloc, size, 0);
SIO_UAPI_OFF(iommu_ioas_alloc, flags, 4);
SIO_UAPI_OFF(iommu_ioas_alloc, out_ioas_id, 8);

SIO_UAPI_SIZE(iommu_iova_range, 16);
SIO_UAPI_OFF(iommu_iova_range, start, 0);
SIO_UAPI_OFF(iommu_iova_range, last, 8);

SIO_UAPI_SIZE(iommu_ioas_iova_ranges, 32);
SIO_UAPI_OFF(iommu_ioas_iova_ranges, size, 0);
SIO_UAPI_OFF(iommu_ioas_iova_ranges, ioas_id, 4);
SIO_UAPI_OFF(iommu_ioas_iova_ranges, num_iovas, 8);
SIO_UAPI_OFF(iommu_ioas_iova_ranges, __reserved, 12);
SIO_UAPI_OFF(iommu_ioas_iova_ranges, allowed_iovas, 16);
SIO_UAPI_OFF(iommu_ioas_iova_ranges, out_iova_alignment, 24);

SIO_UAPI_SIZE(iommu_ioas_allow_iovas, 24);
SIO_UAPI_OFF(iommu_ioas_allow_iovas, size, 0);
SIO_UAPI_OFF(iommu_ioas_allow_iovas, ioas_id, 4);
SIO_UAPI_OFF(iommu_ioas_allow_iovas, num_iovas, 8);
SIO_UAPI_OFF(iommu_ioas_allow_iovas, __reserved, 12);
SIO_UAPI_OFF(iommu_ioas_allow_iovas, allowed_iovas, 16);

SIO_UAPI_SIZE(iommu_ioas_map, 40);
SIO_UAPI_OFF(iommu_ioas_map, size, 0);
SIO_UAPI_OFF(iommu_ioas_map, flags, 4);
SIO_UAPI_OFF(iommu_ioas_map, ioas_id, 8);
SIO_UAPI_OFF(iommu_ioas_map, __reserved, 12);
SIO_UAPI_OFF(iommu_ioas_map, user_va, 16);
SIO_UAPI_OFF(iommu_ioas_map, length, 24);
SIO_UAPI_OFF(iommu_ioas_map, iova, 32);

SIO_UAPI_SIZE(iommu_ioas_map_file, 40);
SIO_UAPI_OFF(iommu_ioas_map_file, size, 0);
SIO_UAPI_OFF(iommu_ioas_map_file, flags, 4);
SIO_UAPI_OFF(iommu_ioas_map_file, ioas_id, 8);
SIO_UAPI_OFF(iommu_ioas_map_file, fd, 12);
SIO_UAPI_OFF(iommu_ioas_map_file, start, 16);
SIO_UAPI_OFF(iommu_ioas_map_file, length, 24);
SIO_UAPI_OFF(iommu_ioas_map_file, iova, 32);

SIO_UAPI_SIZE(iommu_ioas_copy, 40);
SIO_UAPI_OFF(iommu_ioas_copy, size, 0);
SIO_UAPI_OFF(iommu_ioas_copy, flags, 4);
SIO_UAPI_OFF(iommu_ioas_copy, dst_ioas_id, 8);
SIO_UAPI_OFF(iommu_ioas_copy, src_ioas_id, 12);
SIO_UAPI_OFF(iommu_ioas_copy, length, 16);
SIO_UAPI_OFF(iommu_ioas_copy, dst_iova, 24);
SIO_UAPI_OFF(iommu_ioas_copy, src_iova, 32);

SIO_UAPI_SIZE(iommu_ioas_unmap, 24);
SIO_UAPI_OFF(iommu_ioas_unmap, size, 0);
SIO_UAPI_OFF(iommu_ioas_unmap, ioas_id, 4);
SIO_UAPI_OFF(iommu_ioas_unmap, iova, 8);
SIO_UAPI_OFF(iommu_ioas_unmap, length, 16);

SIO_UAPI_SIZE(iommu_option, 24);
SIO_UAPI_OFF(iommu_option, size, 0);
SIO_UAPI_OFF(iommu_option, option_id, 4);
SIO_UAPI_OFF(iommu_option, op, 8);
SIO_UAPI_OFF(iommu_option, __reserved, 10);
SIO_UAPI_OFF(iommu_option, object_id, 12);
SIO_UAPI_OFF(iommu_option, val64, 16);

SIO_UAPI_SIZE(iommu_vfio_ioas, 12);
SIO_UAPI_OFF(iommu_vfio_ioas, size, 0);
SIO_UAPI_OFF(iommu_vfio_ioas, ioas_id, 4);
SIO_UAPI_OFF(iommu_vfio_ioas, op, 8);
SIO_UAPI_OFF(iommu_vfio_ioas, __reserved, 10);

SIO_UAPI_SIZE(iommu_hwpt_vtd_s1, 24);
SIO_UAPI_OFF(iommu_hwpt_vtd_s1, flags, 0);
SIO_UAPI_OFF(iommu_hwpt_vtd_s1, pgtbl_addr, 8);
SIO_UAPI_OFF(iommu_hwpt_vtd_s1, addr_width, 16);
SIO_UAPI_OFF(iommu_hwpt_vtd_s1, __reserved, 20);

SIO_UAPI_SIZE(iommu_hwpt_arm_smmuv3, 16);
SIO_UAPI_OFF(iommu_hwpt_arm_smmuv3, ste, 0);
SIO_UAPI_OFF(iommu_hwpt_arm_smmuv3, ste[1], 8);

SIO_UAPI_SIZE(iommu_hwpt_amd_guest, 32);
SIO_UAPI_OFF(iommu_hwpt_amd_guest, dte, 0);
SIO_UAPI_OFF(iommu_hwpt_amd_guest, dte[3], 24);

SIO_UAPI_SIZE(iommu_hwpt_alloc, 48);
SIO_UAPI_OFF(iommu_hwpt_alloc, size, 0);
SIO_UAPI_OFF(iommu_hwpt_alloc, flags, 4);
SIO_UAPI_OFF(iommu_hwpt_alloc, dev_id, 8);
SIO_UAPI_OFF(iommu_hwpt_alloc, pt_id, 12);
SIO_UAPI_OFF(iommu_hwpt_alloc, out_hwpt_id, 16);
SIO_UAPI_OFF(iommu_hwpt_alloc, __reserved, 20);
SIO_UAPI_OFF(iommu_hwpt_alloc, data_type, 24);
SIO_UAPI_OFF(iommu_hwpt_alloc, data_len, 28);
SIO_UAPI_OFF(iommu_hwpt_alloc, data_uptr, 32);
SIO_UAPI_OFF(iommu_hwpt_alloc, fault_id, 40);
SIO_UAPI_OFF(iommu_hwpt_alloc, __reserved2, 44);

SIO_UAPI_SIZE(iommu_hw_info_vtd, 24);
SIO_UAPI_OFF(iommu_hw_info_vtd, flags, 0);
SIO_UAPI_OFF(iommu_hw_info_vtd, __reserved, 4);
SIO_UAPI_OFF(iommu_hw_info_vtd, cap_reg, 8);
SIO_UAPI_OFF(iommu_hw_info_vtd, ecap_reg, 16);

SIO_UAPI_SIZE(iommu_hw_info_arm_smmuv3, 40);
SIO_UAPI_OFF(iommu_hw_info_arm_smmuv3, flags, 0);
SIO_UAPI_OFF(iommu_hw_info_arm_smmuv3, __reserved, 4);
SIO_UAPI_OFF(iommu_hw_info_arm_smmuv3, idr, 8);
SIO_UAPI_OFF(iommu_hw_info_arm_smmuv3, idr[5], 28);
SIO_UAPI_OFF(iommu_hw_info_arm_smmuv3, iidr, 32);
SIO_UAPI_OFF(iommu_hw_info_arm_smmuv3, aidr, 36);

SIO_UAPI_SIZE(iommu_hw_info_tegra241_cmdqv, 8);
SIO_UAPI_OFF(iommu_hw_info_tegra241_cmdqv, flags, 0);
SIO_UAPI_OFF(iommu_hw_info_tegra241_cmdqv, version, 4);
SIO_UAPI_OFF(iommu_hw_info_tegra241_cmdqv, log2vcmdqs, 5);
SIO_UAPI_OFF(iommu_hw_info_tegra241_cmdqv, log2vsids, 6);
SIO_UAPI_OFF(iommu_hw_info_tegra241_cmdqv, __reserved, 7);

SIO_UAPI_SIZE(iommu_hw_info_amd, 16);
SIO_UAPI_OFF(iommu_hw_info_amd, efr, 0);
SIO_UAPI_OFF(iommu_hw_info_amd, efr2, 8);

SIO_UAPI_SIZE(iommu_hw_info, 40);
SIO_UAPI_OFF(iommu_hw_info, size, 0);
SIO_UAPI_OFF(iommu_hw_info, flags, 4);
SIO_UAPI_OFF(iommu_hw_info, dev_id, 8);
SIO_UAPI_OFF(iommu_hw_info, data_len, 12);
SIO_UAPI_OFF(iommu_hw_info, data_uptr, 16);
SIO_UAPI_OFF(iommu_hw_info, in_data_type, 24);
SIO_UAPI_OFF(iommu_hw_info, out_data_type, 24);
SIO_UAPI_OFF(iommu_hw_info, out_max_pasid_log2, 28);
SIO_UAPI_OFF(iommu_hw_info, __reserved, 29);
SIO_UAPI_OFF(iommu_hw_info, out_capabilities, 32);

SIO_UAPI_SIZE(iommu_hwpt_set_dirty_tracking, 16);
SIO_UAPI_OFF(iommu_hwpt_set_dirty_tracking, size, 0);
SIO_UAPI_OFF(iommu_hwpt_set_dirty_tracking, flags, 4);
SIO_UAPI_OFF(iommu_hwpt_set_dirty_tracking, hwpt_id, 8);
SIO_UAPI_OFF(iommu_hwpt_set_dirty_tracking, __reserved, 12);

SIO_UAPI_SIZE(iommu_hwpt_get_dirty_bitmap, 48);
SIO_UAPI_OFF(iommu_hwpt_get_dirty_bitmap, size, 0);
SIO_UAPI_OFF(iommu_hwpt_get_dirty_bitmap, hwpt_id, 4);
SIO_UAPI_OFF(iommu_hwpt_get_dirty_bitmap, flags, 8);
SIO_UAPI_OFF(iommu_hwpt_get_dirty_bitmap, __reserved, 12);
SIO_UAPI_OFF(iommu_hwpt_get_dirty_bitmap, iova, 16);
SIO_UAPI_OFF(iommu_hwpt_get_dirty_bitmap, length, 24);
SIO_UAPI_OFF(iommu_hwpt_get_dirty_bitmap, page_size, 32);
SIO_UAPI_OFF(iommu_hwpt_get_dirty_bitmap, data, 40);

SIO_UAPI_SIZE(iommu_hwpt_vtd_s1_invalidate, 24);
SIO_UAPI_OFF(iommu_hwpt_vtd_s1_invalidate, addr, 0);
SIO_UAPI_OFF(iommu_hwpt_vtd_s1_invalidate, npages, 8);
SIO_UAPI_OFF(iommu_hwpt_vtd_s1_invalidate, flags, 16);
SIO_UAPI_OFF(iommu_hwpt_vtd_s1_invalidate, __reserved, 20);

SIO_UAPI_SIZE(iommu_viommu_arm_smmuv3_invalidate, 16);
SIO_UAPI_OFF(iommu_viommu_arm_smmuv3_invalidate, cmd, 0);
SIO_UAPI_OFF(iommu_viommu_arm_smmuv3_invalidate, cmd[1], 8);

SIO_UAPI_SIZE(iommu_hwpt_invalidate, 32);
SIO_UAPI_OFF(iommu_hwpt_invalidate, size, 0);
SIO_UAPI_OFF(iommu_hwpt_invalidate, hwpt_id, 4);
SIO_UAPI_OFF(iommu_hwpt_invalidate, data_uptr, 8);
SIO_UAPI_OFF(iommu_hwpt_invalidate, data_type, 16);
SIO_UAPI_OFF(iommu_hwpt_invalidate, entry_len, 20);
SIO_UAPI_OFF(iommu_hwpt_invalidate, entry_num, 24);
SIO_UAPI_OFF(iommu_hwpt_invalidate, __reserved, 28);

SIO_UAPI_SIZE(iommu_hwpt_pgfault, 40);
SIO_UAPI_OFF(iommu_hwpt_pgfault, flags, 0);
SIO_UAPI_OFF(iommu_hwpt_pgfault, dev_id, 4);
SIO_UAPI_OFF(iommu_hwpt_pgfault, pasid, 8);
SIO_UAPI_OFF(iommu_hwpt_pgfault, grpid, 12);
SIO_UAPI_OFF(iommu_hwpt_pgfault, perm, 16);
SIO_UAPI_OFF(iommu_hwpt_pgfault, __reserved, 20);
SIO_UAPI_OFF(iommu_hwpt_pgfault, addr, 24);
SIO_UAPI_OFF(iommu_hwpt_pgfault, length, 32);
SIO_UAPI_OFF(iommu_hwpt_pgfault, cookie, 36);

SIO_UAPI_SIZE(iommu_hwpt_page_response, 8);
SIO_UAPI_OFF(iommu_hwpt_page_response, cookie, 0);
SIO_UAPI_OFF(iommu_hwpt_page_response, code, 4);

SIO_UAPI_SIZE(iommu_fault_alloc, 16);
SIO_UAPI_OFF(iommu_fault_alloc, size, 0);
SIO_UAPI_OFF(iommu_fault_alloc, flags, 4);
SIO_UAPI_OFF(iommu_fault_alloc, out_fault_id, 8);
SIO_UAPI_OFF(iommu_fault_alloc, out_fault_fd, 12);

SIO_UAPI_SIZE(iommu_viommu_tegra241_cmdqv, 16);
SIO_UAPI_OFF(iommu_viommu_tegra241_cmdqv, out_vintf_mmap_offset, 0);
SIO_UAPI_OFF(iommu_viommu_tegra241_cmdqv, out_vintf_mmap_length, 8);

SIO_UAPI_SIZE(iommu_viommu_alloc, 40);
SIO_UAPI_OFF(iommu_viommu_alloc, size, 0);
SIO_UAPI_OFF(iommu_viommu_alloc, flags, 4);
SIO_UAPI_OFF(iommu_viommu_alloc, type, 8);
SIO_UAPI_OFF(iommu_viommu_alloc, dev_id, 12);
SIO_UAPI_OFF(iommu_viommu_alloc, hwpt_id, 16);
SIO_UAPI_OFF(iommu_viommu_alloc, out_viommu_id, 20);
SIO_UAPI_OFF(iommu_viommu_alloc, data_len, 24);
SIO_UAPI_OFF(iommu_viommu_alloc, __reserved, 28);
SIO_UAPI_OFF(iommu_viommu_alloc, data_uptr, 32);

SIO_UAPI_SIZE(iommu_vdevice_alloc, 24);
SIO_UAPI_OFF(iommu_vdevice_alloc, size, 0);
SIO_UAPI_OFF(iommu_vdevice_alloc, viommu_id, 4);
SIO_UAPI_OFF(iommu_vdevice_alloc, dev_id, 8);
SIO_UAPI_OFF(iommu_vdevice_alloc, out_vdevice_id, 12);
SIO_UAPI_OFF(iommu_vdevice_alloc, virt_id, 16);

SIO_UAPI_SIZE(iommu_ioas_change_process, 8);
SIO_UAPI_OFF(iommu_ioas_change_process, size, 0);
SIO_UAPI_OFF(iommu_ioas_change_process, __reserved, 4);

SIO_UAPI_SIZE(iommufd_vevent_header, 8);
SIO_UAPI_OFF(iommufd_vevent_header, flags, 0);
SIO_UAPI_OFF(iommufd_vevent_header, sequence, 4);

SIO_UAPI_SIZE(iommu_vevent_arm_smmuv3, 32);
SIO_UAPI_OFF(iommu_vevent_arm_smmuv3, evt, 0);
SIO_UAPI_OFF(iommu_vevent_arm_smmuv3, evt[3], 24);

SIO_UAPI_SIZE(iommu_vevent_tegra241_cmdqv, 16);
SIO_UAPI_OFF(iommu_vevent_tegra241_cmdqv, lvcmdq_err_map, 0);
SIO_UAPI_OFF(iommu_vevent_tegra241_cmdqv, lvcmdq_err_map[1], 8);

SIO_UAPI_SIZE(iommu_veventq_alloc, 32);
SIO_UAPI_OFF(iommu_veventq_alloc, size, 0);
SIO_UAPI_OFF(iommu_veventq_alloc, flags, 4);
SIO_UAPI_OFF(iommu_veventq_alloc, viommu_id, 8);
SIO_UAPI_OFF(iommu_veventq_alloc, type, 12);
SIO_UAPI_OFF(iommu_veventq_alloc, veventq_depth, 16);
SIO_UAPI_OFF(iommu_veventq_alloc, out_veventq_id, 20);
SIO_UAPI_OFF(iommu_veventq_alloc, out_veventq_fd, 24);
SIO_UAPI_OFF(iommu_veventq_alloc, __reserved, 28);

SIO_UAPI_SIZE(iommu_hw_queue_alloc, 40);
SIO_UAPI_OFF(iommu_hw_queue_alloc, size, 0);
SIO_UAPI_OFF(iommu_hw_queue_alloc, flags, 4);
SIO_UAPI_OFF(iommu_hw_queue_alloc, viommu_id, 8);
SIO_UAPI_OFF(iommu_hw_queue_alloc, type, 12);
SIO_UAPI_OFF(iommu_hw_queue_alloc, index, 16);
SIO_UAPI_OFF(iommu_hw_queue_alloc, out_hw_queue_id, 20);
SIO_UAPI_OFF(iommu_hw_queue_alloc, nesting_parent_iova, 24);
SIO_UAPI_OFF(iommu_hw_queue_alloc, length, 32);

SIO_UAPI_SIZE(iommu_ioas_noiommu_get_pa, 40);
SIO_UAPI_OFF(iommu_ioas_noiommu_get_pa, size, 0);
SIO_UAPI_OFF(iommu_ioas_noiommu_get_pa, flags, 4);
SIO_UAPI_OFF(iommu_ioas_noiommu_get_pa, ioas_id, 8);
SIO_UAPI_OFF(iommu_ioas_noiommu_get_pa, __reserved, 12);
SIO_UAPI_OFF(iommu_ioas_noiommu_get_pa, iova, 16);
SIO_UAPI_OFF(iommu_ioas_noiommu_get_pa, length, 24);
SIO_UAPI_OFF(iommu_ioas_noiommu_get_pa, out_phys, 32);

#undef SIO_UAPI_OFF
#undef SIO_UAPI_SIZE
#undef SIO_UAPI_CHECK
#endif /* SIO_UAPI_CHECK */

#endif /* _UAPI_IOMMUFD_H */
