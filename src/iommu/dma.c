/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Device DMA through the IOMMU. "Physical" addresses are addresses of this
 * process; every access to them goes through sio_safe_memcpy(), so bad
 * memory fails with -EFAULT instead of crashing.
 *
 * A transfer is translated one translation page at a time, and memory is
 * touched only after the piece's translation succeeded. Consecutive pieces
 * that are physically contiguous form one run and are copied by one call,
 * so a warm transfer costs one IOTLB hit per page plus one copy.
 */
#include <errno.h>

#include "base/uaccess.h"
#include "iommu/iommu_priv.h"

static uint64_t page_left(uint64_t iova, unsigned int lg2)
{
	uint64_t size = 1ULL << lg2;

	return size - (iova & (size - 1));
}

static int dma_rw(struct sio_iommu_dev *dev, bool has_pasid, uint32_t pasid, uint64_t iova,
		  char *buf, size_t len, size_t *done, struct sio_xlate *xl, bool write)
{
	struct sio_xlate local;
	size_t off = 0, run_off = 0, run_len = 0;
	uint64_t run_pa = 0, last;
	int ret = 0;

	if (done)
		*done = 0;
	if (!xl)
		xl = &local;
	if (!len)
		return 0;
	if (check_add_overflow(iova, (uint64_t)len - 1, &last))
		return -EINVAL;

	while (off < len) {
		uint64_t piece;

		ret = sio_iommu_translate(dev, has_pasid, pasid, iova + off,
					  write ? SIO_PT_W : SIO_PT_R, xl);
		if (ret)
			break;
		piece = sio_min((uint64_t)(len - off), page_left(iova + off, xl->size_lg2));
		if (run_len && xl->pa == run_pa + run_len) {
			run_len += piece;
		} else {
			if (run_len) {
				ret = write ? sio_safe_memcpy((void *)(uintptr_t)run_pa,
							      buf + run_off, run_len)
					    : sio_safe_memcpy(buf + run_off,
							      (void *)(uintptr_t)run_pa, run_len);
				if (ret) {
					off = run_off;
					run_len = 0;
					break;
				}
			}
			run_pa = xl->pa;
			run_off = off;
			run_len = piece;
		}
		off += piece;
	}
	/* The pending run precedes any failing piece: transfer it first. */
	if (run_len) {
		int r = write ? sio_safe_memcpy((void *)(uintptr_t)run_pa, buf + run_off, run_len)
			      : sio_safe_memcpy(buf + run_off, (void *)(uintptr_t)run_pa, run_len);

		if (r) {
			ret = r;
			off = run_off;
		} else if (ret) {
			off = run_off + run_len;
		}
	}
	if (done)
		*done = off;
	return ret;
}

int sio_dma_read(struct sio_iommu_dev *dev, bool has_pasid, uint32_t pasid, uint64_t iova,
		 void *buf, size_t len, size_t *done, struct sio_xlate *xl)
{
	return dma_rw(dev, has_pasid, pasid, iova, buf, len, done, xl, false);
}

int sio_dma_write(struct sio_iommu_dev *dev, bool has_pasid, uint32_t pasid, uint64_t iova,
		  const void *buf, size_t len, size_t *done, struct sio_xlate *xl)
{
	return dma_rw(dev, has_pasid, pasid, iova, (char *)buf, len, done, xl, true);
}

/* memmove between two "physical" ranges through a bounce buffer when they overlap. */
static int copy_phys(uint64_t dst, uint64_t src, uint64_t n)
{
	char bounce[256];
	uint64_t done, c;
	int ret;

	if (dst + n <= src || src + n <= dst)
		return sio_safe_memcpy((void *)(uintptr_t)dst, (void *)(uintptr_t)src, n);
	if (dst == src)
		return 0;
	for (done = 0; done < n; done += c) {
		uint64_t at;

		c = sio_min(n - done, (uint64_t)sizeof(bounce));
		/* Forward when moving down, backward when moving up. */
		at = dst < src ? done : n - done - c;
		ret = sio_safe_memcpy(bounce, (void *)(uintptr_t)(src + at), c);
		if (!ret)
			ret = sio_safe_memcpy((void *)(uintptr_t)(dst + at), bounce, c);
		if (ret)
			return ret;
	}
	return 0;
}

int sio_dma_copy(struct sio_iommu_dev *dev, bool has_pasid, uint32_t pasid, uint64_t dst_iova,
		 uint64_t src_iova, size_t len, size_t *done, struct sio_xlate *xl)
{
	struct sio_xlate local, xs, xd;
	uint64_t last;
	size_t off = 0;
	int ret = 0;

	if (done)
		*done = 0;
	if (!xl)
		xl = &local;
	if (!len)
		return 0;
	if (check_add_overflow(src_iova, (uint64_t)len - 1, &last) ||
	    check_add_overflow(dst_iova, (uint64_t)len - 1, &last))
		return -EINVAL;

	while (off < len) {
		uint64_t piece;

		ret = sio_iommu_translate(dev, has_pasid, pasid, src_iova + off, SIO_PT_R, &xs);
		if (ret) {
			*xl = xs;
			break;
		}
		ret = sio_iommu_translate(dev, has_pasid, pasid, dst_iova + off, SIO_PT_W, &xd);
		if (ret) {
			*xl = xd;
			break;
		}
		piece = sio_min((uint64_t)(len - off), page_left(src_iova + off, xs.size_lg2));
		piece = sio_min(piece, page_left(dst_iova + off, xd.size_lg2));
		ret = copy_phys(xd.pa, xs.pa, piece);
		if (ret) {
			*xl = xd;
			break;
		}
		off += piece;
	}
	if (done)
		*done = off;
	return ret;
}
