/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * softiommu/uapi/iommufd_test.h - the iommufd selftest interface.
 *
 * Written for softiommu from the project's notes on the kernel's test-only
 * IOMMU_TEST_CMD ioctl and its mock IOMMU driver. Names, numbers and layouts
 * match the kernel's drivers/iommu/iommufd/iommufd_test.h (Linux 7.2) so the
 * upstream selftests (tools/testing/selftests/iommu) build against it.
 */
#ifndef _UAPI_IOMMUFD_TEST_H
#define _UAPI_IOMMUFD_TEST_H

#include <stddef.h>

#include "iommufd.h"

/* Sub-operations of IOMMU_TEST_CMD (iommu_test_cmd.op); numbering starts at 1. */
enum {
	IOMMU_TEST_OP_ADD_RESERVED = 1,
	IOMMU_TEST_OP_MOCK_DOMAIN,
	IOMMU_TEST_OP_MD_CHECK_MAP,
	IOMMU_TEST_OP_MD_CHECK_REFS,
	IOMMU_TEST_OP_CREATE_ACCESS,
	IOMMU_TEST_OP_DESTROY_ACCESS_PAGES,
	IOMMU_TEST_OP_ACCESS_PAGES,
	IOMMU_TEST_OP_ACCESS_RW,
	IOMMU_TEST_OP_SET_TEMP_MEMORY_LIMIT,
	IOMMU_TEST_OP_MOCK_DOMAIN_REPLACE,
	IOMMU_TEST_OP_ACCESS_REPLACE_IOAS,
	IOMMU_TEST_OP_MOCK_DOMAIN_FLAGS,
	IOMMU_TEST_OP_DIRTY,
	IOMMU_TEST_OP_MD_CHECK_IOTLB,
	IOMMU_TEST_OP_TRIGGER_IOPF,
	IOMMU_TEST_OP_DEV_CHECK_CACHE,
	IOMMU_TEST_OP_TRIGGER_VEVENT,
	IOMMU_TEST_OP_PASID_ATTACH,
	IOMMU_TEST_OP_PASID_REPLACE,
	IOMMU_TEST_OP_PASID_DETACH,
	IOMMU_TEST_OP_PASID_CHECK_HWPT,
	IOMMU_TEST_OP_DMABUF_GET,
	IOMMU_TEST_OP_DMABUF_REVOKE,
};

/*
 * Page-table flavour of a mock paging domain (iommu_hwpt_selftest.pagetable_type).
 * AMDV1 exists only in some trees and may be unsupported by the mock.
 */
enum {
	MOCK_IOMMUPT_DEFAULT = 0,
	MOCK_IOMMUPT_HUGE,	/* adds 1 MiB leaves */
	MOCK_IOMMUPT_AMDV1,	/* real AMDv1 layout (optional) */
};

/* Geometry of the DEFAULT mock page table: aperture and page sizes. */
enum {
	MOCK_APERTURE_START = 1UL << 24,
	MOCK_APERTURE_LAST = (1UL << 31) - 1,
	MOCK_PAGE_SIZE = 2048,
	MOCK_HUGE_PAGE_SIZE = 512 * MOCK_PAGE_SIZE,
};

/* access_pages.flags */
enum {
	MOCK_FLAGS_ACCESS_WRITE = 1 << 0,	/* pin for write */
	MOCK_FLAGS_ACCESS_SYZ = 1 << 16,	/* iova is {area index, offset} */
};

/* access_rw.flags */
enum {
	MOCK_ACCESS_RW_WRITE = 1 << 0,		/* copy user -> IOVA */
	MOCK_ACCESS_RW_SLOW_PATH = 1 << 2,	/* force the per-page path */
};

/* create_access.flags */
enum {
	MOCK_FLAGS_ACCESS_CREATE_NEEDS_PIN_PAGES = 1 << 0,
};

/* mock_domain_flags.dev_flags (bit 1 is retired and must stay clear). */
enum {
	MOCK_FLAGS_DEVICE_NO_DIRTY = 1 << 0,	/* IOMMU cannot dirty-track */
	MOCK_FLAGS_DEVICE_PASID = 1 << 2,	/* device supports PASIDs */
};

/* A nested mock domain carries this many IOTLB slots (check_iotlb.id). */
enum {
	MOCK_NESTED_DOMAIN_IOTLB_ID_MAX = 3,
	MOCK_NESTED_DOMAIN_IOTLB_NUM = 4,
};

/* A mock device carries this many device-cache slots (check_dev_cache.id). */
enum {
	MOCK_DEV_CACHE_ID_MAX = 3,
	MOCK_DEV_CACHE_NUM = 4,
};

/* PASID for which the mock refuses a replace, to exercise core rollback. */
#define IOMMU_TEST_PASID_RESERVED 1024

/*
 * Argument of IOMMU_TEST_CMD: common header (id is an object ID, an access fd
 * or a stdev ID depending on op), one op-specific union member, and "last"
 * which marks the minimum accepted size.
 */
struct iommu_test_cmd {
	__u32 size;
	__u32 op;
	__u32 id;
	__u32 __reserved;
	union {
		struct {
			__aligned_u64 start;
			__aligned_u64 length;
		} add_reserved;
		struct {
			__u32 out_stdev_id;
			__u32 out_hwpt_id;
			__u32 out_idev_id;	/* iommufd device ID */
		} mock_domain;
		struct {
			__u32 out_stdev_id;
			__u32 out_hwpt_id;
			__u32 out_idev_id;
			__u32 dev_flags;
		} mock_domain_flags;
		struct {
			__u32 pt_id;		/* in: target, out: HWPT attached */
		} mock_domain_replace;
		struct {
			__aligned_u64 iova;
			__aligned_u64 length;
			__aligned_u64 uptr;
		} check_map;
		struct {
			__aligned_u64 length;
			__aligned_u64 uptr;
			__u32 refs;
		} check_refs;
		struct {
			__u32 out_access_fd;
			__u32 flags;
		} create_access;
		struct {
			__u32 access_pages_id;
		} destroy_access_pages;
		struct {
			__u32 flags;
			__u32 out_access_pages_id;
			__aligned_u64 iova;
			__aligned_u64 length;
			__aligned_u64 uptr;
		} access_pages;
		struct {
			__aligned_u64 iova;
			__aligned_u64 length;
			__aligned_u64 uptr;
			__u32 flags;
		} access_rw;
		struct {
			__u32 limit;
		} memory_limit;
		struct {
			__u32 ioas_id;
		} access_replace_ioas;
		struct {
			__u32 flags;
			__aligned_u64 iova;
			__aligned_u64 length;
			__aligned_u64 page_size;
			__aligned_u64 uptr;
			__aligned_u64 out_nr_dirty;
		} dirty;
		struct {
			__u32 id;
			__u32 iotlb;
		} check_iotlb;
		struct {
			__u32 dev_id;
			__u32 pasid;
			__u32 grpid;
			__u32 perm;
			__u64 addr;
		} trigger_iopf;
		struct {
			__u32 id;
			__u32 cache;
		} check_dev_cache;
		struct {
			__u32 dev_id;
		} trigger_vevent;
		struct {
			__u32 pasid;
			__u32 pt_id;		/* in/out */
		} pasid_attach;
		struct {
			__u32 pasid;
			__u32 pt_id;
		} pasid_replace;
		struct {
			__u32 pasid;
		} pasid_detach;
		struct {
			__u32 pasid;
			__u32 hwpt_id;		/* 0: expect nothing attached */
		} pasid_check;
		struct {
			__u32 length;
			__u32 open_flags;
		} dmabuf_get;
		struct {
			__s32 dmabuf_fd;
			__u32 revoked;
		} dmabuf_revoke;
	};
	__u32 last;
};
#define IOMMU_TEST_CMD _IO(IOMMUFD_TYPE, IOMMUFD_CMD_BASE + 32)

/* out_max_pasid_log2 reported for MOCK_FLAGS_DEVICE_PASID devices. */
#define MOCK_PASID_WIDTH 20

/* GET_HW_INFO type and register value reported for mock devices. */
#define IOMMU_HW_INFO_TYPE_SELFTEST 0xfeedbeef
#define IOMMU_HW_INFO_SELFTEST_REGVAL 0xdeadbeef

/* GET_HW_INFO payload of a mock device. */
struct iommu_test_hw_info {
	__u32 flags;
	__u32 test_reg;
};

/* HWPT_ALLOC data type of the mock driver and the IOTLB/cache seed values. */
#define IOMMU_HWPT_DATA_SELFTEST 0xdead
#define IOMMU_TEST_IOTLB_DEFAULT 0xbadbeef
#define IOMMU_TEST_DEV_CACHE_DEFAULT 0xbaddad

/* HWPT_ALLOC data for the mock: IOTLB seed (nested) and table flavour (paging). */
struct iommu_hwpt_selftest {
	__u32 iotlb;
	__u32 pagetable_type;
};

/* Invalidation data types of a mock nested HWPT (the second is never accepted). */
#define IOMMU_HWPT_INVALIDATE_DATA_SELFTEST 0xdeadbeef
#define IOMMU_HWPT_INVALIDATE_DATA_SELFTEST_INVALID 0xdadbeef

/* flags of the two selftest invalidation entries: clear every slot. */
#define IOMMU_TEST_INVALIDATE_FLAG_ALL (1 << 0)

/* One invalidation entry for a mock nested HWPT: clear iotlb[iotlb_id]. */
struct iommu_hwpt_invalidate_selftest {
	__u32 flags;
	__u32 iotlb_id;
};

/* vIOMMU type of the mock driver. */
#define IOMMU_VIOMMU_TYPE_SELFTEST 0xdeadbeef

/* VIOMMU_ALLOC data for the mock: loop-back value and an mmap-able region. */
struct iommu_viommu_selftest {
	__u32 in_data;
	__u32 out_data;
	__aligned_u64 out_mmap_offset;
	__aligned_u64 out_mmap_length;
};

/* Invalidation data types of a mock vIOMMU (the second is never accepted). */
#define IOMMU_VIOMMU_INVALIDATE_DATA_SELFTEST 0xdeadbeef
#define IOMMU_VIOMMU_INVALIDATE_DATA_SELFTEST_INVALID 0xdadbeef

/* One invalidation entry for a mock vIOMMU: clear a vDEVICE's cache slot. */
struct iommu_viommu_invalidate_selftest {
	__u32 flags;
	__u32 vdev_id;		/* virt_id of a vDEVICE on the vIOMMU */
	__u32 cache_id;
};

/* vEVENTQ type of the mock driver. */
#define IOMMU_VEVENTQ_TYPE_SELFTEST 0xbeefbeef

/* vEVENT payload produced by IOMMU_TEST_OP_TRIGGER_VEVENT. */
struct iommu_viommu_event_selftest {
	__u32 virt_id;
};

/* HW queue type of the mock driver and its number of queue slots. */
#define IOMMU_HW_QUEUE_TYPE_SELFTEST 0xdeadbeef
#define IOMMU_TEST_HW_QUEUE_MAX 2

/* ---------------------------------------------------------------------- */
/* Compile-time layout checks                                              */
/* ---------------------------------------------------------------------- */

#if defined(__cplusplus)
#if __cplusplus >= 201103L
#define SIO_UAPI_TCHECK(expr) static_assert(expr, #expr)
#endif
#else
#define SIO_UAPI_TCHECK(expr) _Static_assert(expr, #expr)
#endif

#ifdef SIO_UAPI_TCHECK
#define SIO_UAPI_TSIZE(type, n) SIO_UAPI_TCHECK(sizeof(struct type) == (n))
#define SIO_UAPI_TOFF(type, field, n) SIO_UAPI_TCHECK(offsetof(struct type, field) == (n))
/* Size of one union member of struct iommu_test_cmd. */
#define SIO_UAPI_TMEMB(member, n) \
	SIO_UAPI_TCHECK(sizeof(((struct iommu_test_cmd *)0)->member) == (n))
#define SIO_UAPI_TCMD(field, n) SIO_UAPI_TOFF(iommu_test_cmd, field, n)

SIO_UAPI_TCHECK(IOMMU_TEST_OP_DMABUF_REVOKE == 23);
SIO_UAPI_TCHECK(IOMMUFD_CMD_BASE + 32 == 0xa0);

SIO_UAPI_TSIZE(iommu_test_cmd, 72);
SIO_UAPI_TCMD(size, 0);
SIO_UAPI_TCMD(op, 4);
SIO_UAPI_TCMD(id, 8);
SIO_UAPI_TCMD(__reserved, 12);
SIO_UAPI_TCMD(last, 64);

SIO_UAPI_TMEMB(add_reserved, 16);
SIO_UAPI_TCMD(add_reserved.start, 16);
SIO_UAPI_TCMD(add_reserved.length, 24);

SIO_UAPI_TMEMB(mock_domain, 12);
SIO_UAPI_TCMD(mock_domain.out_stdev_id, 16);
SIO_UAPI_TCMD(mock_domain.out_hwpt_id, 20);
SIO_UAPI_TCMD(mock_domain.out_idev_id, 24);

SIO_UAPI_TMEMB(mock_domain_flags, 16);
SIO_UAPI_TCMD(mock_domain_flags.out_stdev_id, 16);
SIO_UAPI_TCMD(mock_domain_flags.out_hwpt_id, 20);
SIO_UAPI_TCMD(mock_domain_flags.out_idev_id, 24);
SIO_UAPI_TCMD(mock_domain_flags.dev_flags, 28);

SIO_UAPI_TMEMB(mock_domain_replace, 4);
SIO_UAPI_TCMD(mock_domain_replace.pt_id, 16);

SIO_UAPI_TMEMB(check_map, 24);
SIO_UAPI_TCMD(check_map.iova, 16);
SIO_UAPI_TCMD(check_map.length, 24);
SIO_UAPI_TCMD(check_map.uptr, 32);

SIO_UAPI_TMEMB(check_refs, 24);
SIO_UAPI_TCMD(check_refs.length, 16);
SIO_UAPI_TCMD(check_refs.uptr, 24);
SIO_UAPI_TCMD(check_refs.refs, 32);

SIO_UAPI_TMEMB(create_access, 8);
SIO_UAPI_TCMD(create_access.out_access_fd, 16);
SIO_UAPI_TCMD(create_access.flags, 20);

SIO_UAPI_TMEMB(destroy_access_pages, 4);
SIO_UAPI_TCMD(destroy_access_pages.access_pages_id, 16);

SIO_UAPI_TMEMB(access_pages, 32);
SIO_UAPI_TCMD(access_pages.flags, 16);
SIO_UAPI_TCMD(access_pages.out_access_pages_id, 20);
SIO_UAPI_TCMD(access_pages.iova, 24);
SIO_UAPI_TCMD(access_pages.length, 32);
SIO_UAPI_TCMD(access_pages.uptr, 40);

SIO_UAPI_TMEMB(access_rw, 32);
SIO_UAPI_TCMD(access_rw.iova, 16);
SIO_UAPI_TCMD(access_rw.length, 24);
SIO_UAPI_TCMD(access_rw.uptr, 32);
SIO_UAPI_TCMD(access_rw.flags, 40);

SIO_UAPI_TMEMB(memory_limit, 4);
SIO_UAPI_TCMD(memory_limit.limit, 16);

SIO_UAPI_TMEMB(access_replace_ioas, 4);
SIO_UAPI_TCMD(access_replace_ioas.ioas_id, 16);

SIO_UAPI_TMEMB(dirty, 48);
SIO_UAPI_TCMD(dirty.flags, 16);
SIO_UAPI_TCMD(dirty.iova, 24);
SIO_UAPI_TCMD(dirty.length, 32);
SIO_UAPI_TCMD(dirty.page_size, 40);
SIO_UAPI_TCMD(dirty.uptr, 48);
SIO_UAPI_TCMD(dirty.out_nr_dirty, 56);

SIO_UAPI_TMEMB(check_iotlb, 8);
SIO_UAPI_TCMD(check_iotlb.id, 16);
SIO_UAPI_TCMD(check_iotlb.iotlb, 20);

SIO_UAPI_TMEMB(trigger_iopf, 24);
SIO_UAPI_TCMD(trigger_iopf.dev_id, 16);
SIO_UAPI_TCMD(trigger_iopf.pasid, 20);
SIO_UAPI_TCMD(trigger_iopf.grpid, 24);
SIO_UAPI_TCMD(trigger_iopf.perm, 28);
SIO_UAPI_TCMD(trigger_iopf.addr, 32);

SIO_UAPI_TMEMB(check_dev_cache, 8);
SIO_UAPI_TCMD(check_dev_cache.id, 16);
SIO_UAPI_TCMD(check_dev_cache.cache, 20);

SIO_UAPI_TMEMB(trigger_vevent, 4);
SIO_UAPI_TCMD(trigger_vevent.dev_id, 16);

SIO_UAPI_TMEMB(pasid_attach, 8);
SIO_UAPI_TCMD(pasid_attach.pasid, 16);
SIO_UAPI_TCMD(pasid_attach.pt_id, 20);

SIO_UAPI_TMEMB(pasid_replace, 8);
SIO_UAPI_TCMD(pasid_replace.pasid, 16);
SIO_UAPI_TCMD(pasid_replace.pt_id, 20);

SIO_UAPI_TMEMB(pasid_detach, 4);
SIO_UAPI_TCMD(pasid_detach.pasid, 16);

SIO_UAPI_TMEMB(pasid_check, 8);
SIO_UAPI_TCMD(pasid_check.pasid, 16);
SIO_UAPI_TCMD(pasid_check.hwpt_id, 20);

SIO_UAPI_TMEMB(dmabuf_get, 8);
SIO_UAPI_TCMD(dmabuf_get.length, 16);
SIO_UAPI_TCMD(dmabuf_get.open_flags, 20);

SIO_UAPI_TMEMB(dmabuf_revoke, 8);
SIO_UAPI_TCMD(dmabuf_revoke.dmabuf_fd, 16);
SIO_UAPI_TCMD(dmabuf_revoke.revoked, 20);

SIO_UAPI_TSIZE(iommu_test_hw_info, 8);
SIO_UAPI_TOFF(iommu_test_hw_info, flags, 0);
SIO_UAPI_TOFF(iommu_test_hw_info, test_reg, 4);

SIO_UAPI_TSIZE(iommu_hwpt_selftest, 8);
SIO_UAPI_TOFF(iommu_hwpt_selftest, iotlb, 0);
SIO_UAPI_TOFF(iommu_hwpt_selftest, pagetable_type, 4);

SIO_UAPI_TSIZE(iommu_hwpt_invalidate_selftest, 8);
SIO_UAPI_TOFF(iommu_hwpt_invalidate_selftest, flags, 0);
SIO_UAPI_TOFF(iommu_hwpt_invalidate_selftest, iotlb_id, 4);

SIO_UAPI_TSIZE(iommu_viommu_selftest, 24);
SIO_UAPI_TOFF(iommu_viommu_selftest, in_data, 0);
SIO_UAPI_TOFF(iommu_viommu_selftest, out_data, 4);
SIO_UAPI_TOFF(iommu_viommu_selftest, out_mmap_offset, 8);
SIO_UAPI_TOFF(iommu_viommu_selftest, out_mmap_length, 16);

SIO_UAPI_TSIZE(iommu_viommu_invalidate_selftest, 12);
SIO_UAPI_TOFF(iommu_viommu_invalidate_selftest, flags, 0);
SIO_UAPI_TOFF(iommu_viommu_invalidate_selftest, vdev_id, 4);
SIO_UAPI_TOFF(iommu_viommu_invalidate_selftest, cache_id, 8);

SIO_UAPI_TSIZE(iommu_viommu_event_selftest, 4);
SIO_UAPI_TOFF(iommu_viommu_event_selftest, virt_id, 0);

#undef SIO_UAPI_TCMD
#undef SIO_UAPI_TMEMB
#undef SIO_UAPI_TOFF
#undef SIO_UAPI_TSIZE
#undef SIO_UAPI_TCHECK
#endif /* SIO_UAPI_TCHECK */

#endif /* _UAPI_IOMMUFD_TEST_H */
