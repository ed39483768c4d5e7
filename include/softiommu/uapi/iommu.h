/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * softiommu/uapi/iommu.h - the fault reporting part of the generic IOMMU
 * user ABI of Linux 5.10 (include/uapi/linux/iommu.h, removed in 6.9), as
 * the 2020 VFIO nested interface carries it: the 64-byte struct iommu_fault
 * records of the DMA fault region and the 24-byte struct iommu_page_response
 * entries of the DMA fault response region.
 *
 * Written for softiommu from the project's ABI notes (vsva-2020-abi §2.1,
 * §2.2); identifiers, values and layouts are the kernel's so that programs
 * written for the 5.10 header build unchanged. No kernel text is reproduced.
 *
 * The include guard matches the kernel's (installed _IOMMU_H, in-tree
 * _UAPI_IOMMU_H): if a system <linux/iommu.h> came first, this file is
 * skipped, and the other way round. The layouts are the same; only the
 * guest-PASID and cache-invalidation parts of 5.10 are not declared here.
 */
#if !defined(_IOMMU_H) && !defined(_UAPI_IOMMU_H)
#define _IOMMU_H
#define _UAPI_IOMMU_H

#include "abi_types.h"

#define IOMMU_FAULT_PERM_READ	(1 << 0)
#define IOMMU_FAULT_PERM_WRITE	(1 << 1)
#define IOMMU_FAULT_PERM_EXEC	(1 << 2)
#define IOMMU_FAULT_PERM_PRIV	(1 << 3)

enum iommu_fault_type {
	IOMMU_FAULT_DMA_UNRECOV = 1,	/* unrecoverable: event */
	IOMMU_FAULT_PAGE_REQ,		/* recoverable page request: prm */
};

enum iommu_fault_reason {
	IOMMU_FAULT_REASON_UNKNOWN = 0,
	IOMMU_FAULT_REASON_PASID_FETCH,		/* the PASID table could not be read */
	IOMMU_FAULT_REASON_BAD_PASID_ENTRY,	/* PASID entry invalid or misconfigured */
	IOMMU_FAULT_REASON_PASID_INVALID,	/* PASID out of range */
	IOMMU_FAULT_REASON_WALK_EABT,		/* external abort on a table walk */
	IOMMU_FAULT_REASON_PTE_FETCH,		/* translation fault: no valid entry */
	IOMMU_FAULT_REASON_PERMISSION,		/* the access is not permitted */
	IOMMU_FAULT_REASON_ACCESS,		/* access flag clear */
	IOMMU_FAULT_REASON_OOR_ADDRESS,		/* output address out of range */
};

/* event of struct iommu_fault (type IOMMU_FAULT_DMA_UNRECOV). */
struct iommu_fault_unrecoverable {
	__u32 reason;			/* enum iommu_fault_reason */
#define IOMMU_FAULT_UNRECOV_PASID_VALID		(1 << 0)
#define IOMMU_FAULT_UNRECOV_ADDR_VALID		(1 << 1)
#define IOMMU_FAULT_UNRECOV_FETCH_ADDR_VALID	(1 << 2)
	__u32 flags;
	__u32 pasid;			/* if PASID_VALID */
	__u32 perm;			/* IOMMU_FAULT_PERM_* of the access */
	__u64 addr;			/* input address, if ADDR_VALID */
	__u64 fetch_addr;		/* table entry that failed, if FETCH_ADDR_VALID */
};

/* prm of struct iommu_fault (type IOMMU_FAULT_PAGE_REQ). */
struct iommu_fault_page_request {
#define IOMMU_FAULT_PAGE_REQUEST_PASID_VALID	(1 << 0)
#define IOMMU_FAULT_PAGE_REQUEST_LAST_PAGE	(1 << 1)
#define IOMMU_FAULT_PAGE_REQUEST_PRIV_DATA	(1 << 2)
/* The response must carry the request's PASID (absent in 5.8). */
#define IOMMU_FAULT_PAGE_RESPONSE_NEEDS_PASID	(1 << 3)
	__u32 flags;
	__u32 pasid;			/* if PASID_VALID */
	__u32 grpid;			/* page request group index */
	__u32 perm;			/* IOMMU_FAULT_PERM_* requested */
	__u64 addr;			/* page address */
	__u64 private_data[2];		/* if PRIV_DATA */
};

/* One fault record: one cache line whatever the type. */
struct iommu_fault {
	__u32 type;			/* enum iommu_fault_type */
	__u32 padding;			/* 0 */
	union {
		struct iommu_fault_unrecoverable event;
		struct iommu_fault_page_request prm;
		__u8 padding2[56];
	};
};

enum iommu_page_response_code {
	IOMMU_PAGE_RESP_SUCCESS = 0,	/* the page is mapped: retry */
	IOMMU_PAGE_RESP_INVALID,	/* do not retry: the access fails */
	IOMMU_PAGE_RESP_FAILURE,	/* stop sending page requests (PRI Response Failure) */
};

/* The 5.10 form (argsz first); 5.8's lacked argsz and was 20 bytes. */
struct iommu_page_response {
	__u32 argsz;
#define IOMMU_PAGE_RESP_VERSION_1	1
	__u32 version;
#define IOMMU_PAGE_RESP_PASID_VALID	(1 << 0)
	__u32 flags;
	__u32 pasid;			/* if PASID_VALID */
	__u32 grpid;			/* the request group answered */
	__u32 code;			/* enum iommu_page_response_code */
};

#if defined(__cplusplus)
#if __cplusplus >= 201103L
#define SIO_IOMMU_CHECK(expr) static_assert(expr, #expr)
#endif
#else
#define SIO_IOMMU_CHECK(expr) _Static_assert(expr, #expr)
#endif

#ifdef SIO_IOMMU_CHECK
#define SIO_IOMMU_SIZE(type, n) SIO_IOMMU_CHECK(sizeof(struct type) == (n))
#define SIO_IOMMU_OFF(type, field, n) SIO_IOMMU_CHECK(offsetof(struct type, field) == (n))

SIO_IOMMU_SIZE(iommu_fault_unrecoverable, 32);
SIO_IOMMU_OFF(iommu_fault_unrecoverable, reason, 0);
SIO_IOMMU_OFF(iommu_fault_unrecoverable, flags, 4);
SIO_IOMMU_OFF(iommu_fault_unrecoverable, pasid, 8);
SIO_IOMMU_OFF(iommu_fault_unrecoverable, perm, 12);
SIO_IOMMU_OFF(iommu_fault_unrecoverable, addr, 16);
SIO_IOMMU_OFF(iommu_fault_unrecoverable, fetch_addr, 24);

SIO_IOMMU_SIZE(iommu_fault_page_request, 40);
SIO_IOMMU_OFF(iommu_fault_page_request, flags, 0);
SIO_IOMMU_OFF(iommu_fault_page_request, pasid, 4);
SIO_IOMMU_OFF(iommu_fault_page_request, grpid, 8);
SIO_IOMMU_OFF(iommu_fault_page_request, perm, 12);
SIO_IOMMU_OFF(iommu_fault_page_request, addr, 16);
SIO_IOMMU_OFF(iommu_fault_page_request, private_data, 24);

SIO_IOMMU_SIZE(iommu_fault, 64);
SIO_IOMMU_OFF(iommu_fault, type, 0);
SIO_IOMMU_OFF(iommu_fault, padding, 4);
SIO_IOMMU_OFF(iommu_fault, event, 8);
SIO_IOMMU_OFF(iommu_fault, prm, 8);

SIO_IOMMU_SIZE(iommu_page_response, 24);
SIO_IOMMU_OFF(iommu_page_response, argsz, 0);
SIO_IOMMU_OFF(iommu_page_response, version, 4);
SIO_IOMMU_OFF(iommu_page_response, flags, 8);
SIO_IOMMU_OFF(iommu_page_response, pasid, 12);
SIO_IOMMU_OFF(iommu_page_response, grpid, 16);
SIO_IOMMU_OFF(iommu_page_response, code, 20);

#undef SIO_IOMMU_SIZE
#undef SIO_IOMMU_OFF
#endif /* SIO_IOMMU_CHECK */

#endif /* !_IOMMU_H && !_UAPI_IOMMU_H */
