/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * softiommu/uapi/vfio_nested.h - the DMA fault regions of the 2020 VFIO
 * nested interface (Eric Auger's "SMMUv3 Nested Stage Setup (VFIO part)",
 * v13, April 2021), which was never merged into Linux. Numbers and layouts
 * are v13's (vsva-2020-abi §4.4, §4.5): region type 4, which does not clash
 * with upstream's region types, and region-info capability ids 6 and 7,
 * which upstream does not use.
 *
 * A device region of type VFIO_REGION_TYPE_NESTED is one page of header,
 * reachable only through pread()/pwrite() of the device fd, followed by a
 * ring that is mmappable (a sparse-mmap area of the region). The only
 * write a program may make to a header is the 4-byte index it owns, at
 * offset 0.
 *
 * Written for softiommu from the project's ABI notes; no kernel text.
 */
#ifndef SOFTIOMMU_UAPI_VFIO_NESTED_H
#define SOFTIOMMU_UAPI_VFIO_NESTED_H

#include "abi_types.h"
#include "vfio.h"

/* VFIO_REGION_INFO_CAP_TYPE of the two regions. */
#define VFIO_REGION_TYPE_NESTED				4
#define VFIO_REGION_SUBTYPE_NESTED_DMA_FAULT		1
#define VFIO_REGION_SUBTYPE_NESTED_DMA_FAULT_RESPONSE	2

/* Region-info capabilities giving the record format's version (1). */
#define VFIO_REGION_INFO_CAP_DMA_FAULT			6
#define VFIO_REGION_INFO_CAP_DMA_FAULT_RESPONSE		7

/* Both capabilities have this form (12 bytes). */
struct vfio_region_info_cap_fault {
	struct vfio_info_cap_header header;
	__u32 version;			/* 1: struct iommu_fault / iommu_page_response */
};

/*
 * The fault region's header (page 0). Records (struct iommu_fault) are at
 * offset + index * entry_size; softiommu produces at head, the program
 * consumes at tail. The ring holds at most nb_entries - 1 records.
 */
struct vfio_region_dma_fault {
	__u32 tail;			/* program-written (pwrite, 4 bytes at 0) */
	__u32 entry_size;		/* 64 */
	__u32 nb_entries;		/* 512 */
	__u32 offset;			/* page size */
	__u32 head;			/* softiommu-written */
};

/*
 * The response region's header (page 0). Responses (struct
 * iommu_page_response) are at offset + index * entry_size; the program
 * produces at head (writing the entry through its mapping of the ring,
 * then head through pwrite), softiommu consumes at tail.
 */
struct vfio_region_dma_fault_response {
	__u32 head;			/* program-written (pwrite, 4 bytes at 0) */
	__u32 entry_size;		/* 24 */
	__u32 nb_entries;		/* 512 */
	__u32 offset;			/* page size */
	__u32 tail;			/* softiommu-written */
};

/* Ring length of both regions in v13. */
#define VFIO_DMA_FAULT_RING_LENGTH			512

/* The fault IRQ (a device-specific IRQ index >= VFIO_PCI_NUM_IRQS). */
#define VFIO_IRQ_TYPE_NESTED				1
#define VFIO_IRQ_SUBTYPE_DMA_FAULT			1

#if defined(__cplusplus)
#if __cplusplus >= 201103L
#define SIO_VFIO_NESTED_CHECK(expr) static_assert(expr, #expr)
#endif
#else
#define SIO_VFIO_NESTED_CHECK(expr) _Static_assert(expr, #expr)
#endif

#ifdef SIO_VFIO_NESTED_CHECK
SIO_VFIO_NESTED_CHECK(sizeof(struct vfio_region_info_cap_fault) == 12);
SIO_VFIO_NESTED_CHECK(offsetof(struct vfio_region_info_cap_fault, version) == 8);
SIO_VFIO_NESTED_CHECK(sizeof(struct vfio_region_dma_fault) == 20);
SIO_VFIO_NESTED_CHECK(offsetof(struct vfio_region_dma_fault, tail) == 0);
SIO_VFIO_NESTED_CHECK(offsetof(struct vfio_region_dma_fault, entry_size) == 4);
SIO_VFIO_NESTED_CHECK(offsetof(struct vfio_region_dma_fault, nb_entries) == 8);
SIO_VFIO_NESTED_CHECK(offsetof(struct vfio_region_dma_fault, offset) == 12);
SIO_VFIO_NESTED_CHECK(offsetof(struct vfio_region_dma_fault, head) == 16);
SIO_VFIO_NESTED_CHECK(sizeof(struct vfio_region_dma_fault_response) == 20);
SIO_VFIO_NESTED_CHECK(offsetof(struct vfio_region_dma_fault_response, head) == 0);
SIO_VFIO_NESTED_CHECK(offsetof(struct vfio_region_dma_fault_response, entry_size) == 4);
SIO_VFIO_NESTED_CHECK(offsetof(struct vfio_region_dma_fault_response, nb_entries) == 8);
SIO_VFIO_NESTED_CHECK(offsetof(struct vfio_region_dma_fault_response, offset) == 12);
SIO_VFIO_NESTED_CHECK(offsetof(struct vfio_region_dma_fault_response, tail) == 16);
#endif /* SIO_VFIO_NESTED_CHECK */

#endif /* SOFTIOMMU_UAPI_VFIO_NESTED_H */
