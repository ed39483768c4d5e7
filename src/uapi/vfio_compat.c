/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * VFIO type1 container ioctls on an iommufd context (spec iommufd-abi §9).
 *
 * The dispatcher hands over every number outside the iommufd table; the
 * legacy container commands are served here on the context's compat IOAS
 * (IOMMU_VFIO_IOAS), everything else is ENOTTY as for a kernel that lacks
 * the command. Linux's order of checks, per command:
 *  - the fixed part of the argument struct is read first (EFAULT), and
 *    argsz and flags are validated (EINVAL) before the compat IOAS is
 *    looked up (ENODEV);
 *  - SET_IOMMU checks the type (EINVAL) before the IOAS (ENODEV);
 *  - GET_API_VERSION and CHECK_EXTENSION need no IOAS, except the
 *    DMA_CC_IOMMU query.
 * As in Linux, MAP_DMA and UNMAP_DMA read their fixed part (32 and 24
 * bytes) whatever argsz says, and UNMAP_DMA writes its 24 bytes back;
 * GET_INFO reads 16 bytes and never writes at or past the caller's argsz.
 */
#include <errno.h>
#include <stddef.h>

#include <softiommu/uapi/vfio.h>

#include "base/compiler.h"
#include "base/uaccess.h"
#include "core/ioas.h"
#include "uapi/ucmd.h"

/* Every capability of a VFIO INFO chain starts 8-byte aligned. */
#define CAP_ALIGN 8

/*
 * TYPE1 and TYPE1v2 answer 1; DMA_CC_IOMMU asks whether every domain of the
 * compat IOAS enforces cache coherency, which all softiommu domains do, so
 * it is 1 whenever there is a compat IOAS. No-IOMMU mode does not exist in
 * softiommu (a kernel without CONFIG_VFIO_NOIOMMU answers 0 the same way);
 * the retired nesting type, UPDATE_VADDR and unknown numbers answer 0.
 */
static long check_extension(struct sio_ctx *ctx, uint64_t ext)
{
	struct sio_ioas *ioas;

	switch (ext) {
	case VFIO_TYPE1_IOMMU:
	case VFIO_TYPE1v2_IOMMU:
	case VFIO_UNMAP_ALL:
		return 1;
	case VFIO_DMA_CC_IOMMU:
		ioas = sio_ctx_get_vfio_ioas(ctx);
		if (!ioas)
			return -ENODEV;
		sio_ioas_put(ioas);
		return 1;
	case VFIO_NOIOMMU_IOMMU:
	default:
		return 0;
	}
}

/*
 * Only the two type1 flavours exist (EINVAL otherwise, before the IOAS
 * lookup). TYPE1 allowed unmapping any part of a mapping; it is emulated by
 * turning large pages off on the compat IOAS, after which every area can be
 * cut at any PAGE_SIZE boundary. TYPE1v2 leaves the IOAS as it is. Large
 * pages are never turned back on here.
 */
static long set_iommu(struct sio_ctx *ctx, uint64_t type)
{
	struct sio_ioas *ioas;
	int rc = 0;

	if (type != VFIO_TYPE1_IOMMU && type != VFIO_TYPE1v2_IOMMU)
		return -EINVAL;
	ioas = sio_ctx_get_vfio_ioas(ctx);
	if (!ioas)
		return -ENODEV;
	if (type == VFIO_TYPE1_IOMMU)
		rc = sio_iopt_set_large_pages(&ioas->iopt, false);
	sio_ioas_put(ioas);
	return rc;
}

/*
 * The IO page sizes the compat IOAS supports: the intersection of its
 * domains' bitmaps, where anything below PAGE_SIZE is reported as PAGE_SIZE
 * (type1 never offered less), and numerically at least the IOAS alignment.
 */
static uint64_t iova_pgsizes(struct sio_ioas *ioas, uint64_t alignment)
{
	uint64_t ps = sio_page_size();
	uint64_t bitmap = sio_ioas_domains_pgsize_bitmap(ioas);

	if (bitmap & (ps - 1)) {
		bitmap &= ~(ps - 1);
		bitmap |= ps;
	}
	return sio_max(bitmap, alignment);
}

/*
 * Room the caller gave for a capability placed at @offset of its buffer:
 * the bytes between @offset and argsz, or none when the cap starts at or
 * past argsz.
 */
static size_t cap_room(uint32_t argsz, size_t offset)
{
	return argsz > offset ? argsz - offset : 0;
}

/* DMA_AVAIL: unlimited mappings (iommufd's limit is the memory rlimit). */
static long fill_cap_dma_avail(uint64_t ucap, size_t room)
{
	struct vfio_iommu_type1_info_dma_avail cap = {
		.header = { .id = VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL, .version = 1 },
		.avail = UINT32_MAX,
	};

	if (room >= sizeof(cap) && sio_copy_to_user(ucap, &cap, sizeof(cap)))
		return -EFAULT;
	return sizeof(cap);
}

struct iova_cap_fill {
	uint64_t ucap;		/* where the cap goes in the caller's buffer */
	size_t room;		/* bytes available there */
	uint32_t nr;		/* ranges seen so far */
};

static size_t iova_cap_size(uint32_t nr)
{
	return sizeof(struct vfio_iommu_type1_info_cap_iova_range) +
	       (size_t)nr * sizeof(struct vfio_iova_range);
}

/* Write range number f->nr if the cap, up to and including it, fits. */
static int emit_iova_range(void *arg, uint64_t start, uint64_t last)
{
	struct iova_cap_fill *f = arg;
	struct vfio_iova_range range = { .start = start, .end = last };

	if (f->room >= iova_cap_size(f->nr + 1) &&
	    sio_copy_to_user(f->ucap + iova_cap_size(f->nr), &range, sizeof(range)))
		return -EFAULT;
	f->nr++;
	return 0;
}

/*
 * IOVA_RANGE: the holes of the reserved ranges (not the allowed list), as
 * IOMMU_IOAS_IOVA_RANGES reports them. Every range that fits is written;
 * the 16-byte head only when the whole cap fits. The ranges and *alignment
 * come from one locked walk, so they describe one state of the IOAS.
 */
static long fill_cap_iova_range(struct sio_ioas *ioas, uint64_t ucap, size_t room,
				uint64_t *alignment)
{
	struct iova_cap_fill f = { .ucap = ucap, .room = room };
	struct vfio_iommu_type1_info_cap_iova_range head = {
		.header = { .id = VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE, .version = 1 },
	};
	int rc;

	rc = sio_iopt_for_each_usable(&ioas->iopt, emit_iova_range, &f, alignment);
	if (rc)
		return rc;
	head.nr_iovas = f.nr;
	if (room >= iova_cap_size(f.nr) && sio_copy_to_user(ucap, &head, sizeof(head)))
		return -EFAULT;
	return (long)iova_cap_size(f.nr);
}

/*
 * VFIO_IOMMU_GET_INFO. Only the first 16 bytes (argsz, flags, iova_pgsizes)
 * are read; argsz below that is EINVAL, then the compat IOAS is needed.
 *
 * The chain is laid out after the 24-byte fixed part, DMA_AVAIL first and
 * IOVA_RANGE second, each starting 8-byte aligned. Rules, all against the
 * caller's argsz as given:
 *  - a cap is written only where it fits (for IOVA_RANGE: each range that
 *    fits, and the head when the whole cap fits);
 *  - the previous cap's @next is set to a cap's offset when argsz reaches
 *    that offset (so @next may name a cap that did not fit: Linux does so);
 *  - cap_offset is 24 only when the whole chain fits, else 0;
 *  - argsz is replaced by the size the whole reply needs;
 *  - the fixed part is copied back with min(argsz, 24) bytes, last.
 * Nothing is ever written at or past argsz.
 */
static long iommu_get_info(struct sio_ctx *ctx, uint64_t arg)
{
	const size_t minsz = offsetofend(struct vfio_iommu_type1_info, iova_pgsizes);
	struct vfio_iommu_type1_info info = { 0 };
	struct sio_ioas *ioas;
	size_t total, prev_cap, copy_len;
	uint64_t alignment = 1;
	uint32_t argsz;
	long size;
	int rc;

	if (sio_copy_from_user(&info, arg, minsz))
		return -EFAULT;
	argsz = info.argsz;
	if (argsz < minsz)
		return -EINVAL;
	copy_len = sio_min((size_t)argsz, sizeof(info));

	ioas = sio_ctx_get_vfio_ioas(ctx);
	if (!ioas)
		return -ENODEV;

	total = sizeof(info);
	size = fill_cap_dma_avail(arg + total, cap_room(argsz, total));
	if (size < 0) {
		rc = (int)size;
		goto out_put;
	}
	prev_cap = total;
	total += SIO_ALIGN_UP((size_t)size, CAP_ALIGN);

	size = fill_cap_iova_range(ioas, arg + total, cap_room(argsz, total), &alignment);
	if (size < 0) {
		rc = (int)size;
		goto out_put;
	}
	if (argsz >= total) {
		uint32_t next = (uint32_t)total;

		if (sio_copy_to_user(arg + prev_cap + offsetof(struct vfio_info_cap_header, next),
				     &next, sizeof(next))) {
			rc = -EFAULT;
			goto out_put;
		}
	}
	total += SIO_ALIGN_UP((size_t)size, CAP_ALIGN);

	info.flags = VFIO_IOMMU_INFO_PGSIZES | VFIO_IOMMU_INFO_CAPS;
	info.iova_pgsizes = iova_pgsizes(ioas, alignment);
	info.cap_offset = argsz >= total ? sizeof(info) : 0;
	info.argsz = (uint32_t)total;
	rc = sio_copy_to_user(arg, &info, copy_len);
out_put:
	sio_ioas_put(ioas);
	return rc;
}

/*
 * VFIO_IOMMU_MAP_DMA: 32 bytes are read; argsz below that or a flag other
 * than READ/WRITE is EINVAL; then the compat IOAS (ENODEV). The mapping is
 * always at the caller's IOVA and cache-coherent; the remaining errors are
 * the IO page table's, as for a fixed IOMMU_IOAS_MAP (EINVAL for length 0
 * or misalignment, EOVERFLOW, EEXIST, EFAULT, ENOMEM, ...). Nothing is
 * written back.
 */
static long iommu_map_dma(struct sio_ctx *ctx, uint64_t arg)
{
	const size_t minsz = offsetofend(struct vfio_iommu_type1_dma_map, size);
	const uint32_t valid = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE;
	struct vfio_iommu_type1_dma_map map;
	int prot = SIO_PROT_CACHE;
	struct sio_ioas *ioas;
	uint64_t iova;
	int rc;

	if (sio_copy_from_user(&map, arg, minsz))
		return -EFAULT;
	if (map.argsz < minsz || (map.flags & ~valid))
		return -EINVAL;
	if (map.flags & VFIO_DMA_MAP_FLAG_READ)
		prot |= SIO_PROT_READ;
	if (map.flags & VFIO_DMA_MAP_FLAG_WRITE)
		prot |= SIO_PROT_WRITE;

	ioas = sio_ctx_get_vfio_ioas(ctx);
	if (!ioas)
		return -ENODEV;
	iova = map.iova;
	rc = sio_iopt_map_user(&ioas->iopt, ctx->account_mode, &iova, map.vaddr, map.size, prot,
			       false);
	sio_ioas_put(ioas);
	return rc;
}

/*
 * VFIO_IOMMU_UNMAP_DMA: 24 bytes are read; argsz below that or any flag but
 * ALL (GET_DIRTY_BITMAP and VADDR are not supported) is EINVAL; then the
 * compat IOAS (ENODEV).
 *  - ALL: iova and size must both be 0 (EINVAL), then everything goes.
 *  - Otherwise, in TYPE1 mode (large pages off) areas are first cut at the
 *    range's last IOVA and, unless iova is 0, just before its first, with
 *    plain wrapping arithmetic as Linux does: the unmap below rejects the
 *    bad ranges (size 0: EINVAL, wrap: EOVERFLOW) and a cut can only split
 *    an area in two, never change what it maps. A failed cut returns its
 *    error with nothing written back.
 *  - Then every area inside [iova, iova + size) is removed. Unlike
 *    IOMMU_IOAS_UNMAP, removing nothing succeeds; an area crossing an edge
 *    is ENOENT.
 * After the unmap, `size` = bytes removed is written back with the first 24
 * bytes of the struct, also when the unmap failed (EFAULT replaces its
 * error if that write faults).
 */
static long iommu_unmap_dma(struct sio_ctx *ctx, uint64_t arg)
{
	const size_t minsz = offsetofend(struct vfio_iommu_type1_dma_unmap, size);
	struct vfio_iommu_type1_dma_unmap unmap;
	uint64_t unmapped = 0;
	struct sio_ioas *ioas;
	int rc;

	if (sio_copy_from_user(&unmap, arg, minsz))
		return -EFAULT;
	if (unmap.argsz < minsz || (unmap.flags & ~(uint32_t)VFIO_DMA_UNMAP_FLAG_ALL))
		return -EINVAL;

	ioas = sio_ctx_get_vfio_ioas(ctx);
	if (!ioas)
		return -ENODEV;

	if (unmap.flags & VFIO_DMA_UNMAP_FLAG_ALL) {
		if (unmap.iova || unmap.size) {
			rc = -EINVAL;
			goto out_put;
		}
		rc = sio_iopt_unmap_all(&ioas->iopt, &unmapped);
	} else {
		if (!sio_iopt_large_pages(&ioas->iopt)) {
			const uint64_t cuts[2] = { unmap.iova + unmap.size - 1, unmap.iova - 1 };

			rc = sio_iopt_cut_iova(&ioas->iopt, cuts, unmap.iova ? 2 : 1);
			if (rc)
				goto out_put;
		}
		rc = sio_iopt_unmap(&ioas->iopt, unmap.iova, unmap.size, &unmapped);
	}
	unmap.size = unmapped;
	if (sio_copy_to_user(arg, &unmap, minsz))
		rc = -EFAULT;
out_put:
	sio_ioas_put(ioas);
	return rc;
}

long sio_vfio_compat_ioctl(struct sio_ctx *ctx, unsigned int cmd, uint64_t arg)
{
	switch (cmd) {
	case VFIO_GET_API_VERSION:
		return VFIO_API_VERSION;
	case VFIO_CHECK_EXTENSION:
		return check_extension(ctx, arg);
	case VFIO_SET_IOMMU:
		return set_iommu(ctx, arg);
	case VFIO_IOMMU_GET_INFO:
		return iommu_get_info(ctx, arg);
	case VFIO_IOMMU_MAP_DMA:
		return iommu_map_dma(ctx, arg);
	case VFIO_IOMMU_UNMAP_DMA:
		return iommu_unmap_dma(ctx, arg);
	case VFIO_IOMMU_DIRTY_PAGES:	/* dirty tracking lives on HWPTs in iommufd */
	default:
		return -ENOTTY;
	}
}
