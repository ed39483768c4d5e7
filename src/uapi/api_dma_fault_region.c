/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The exported DMA fault region API (include/softiommu/softiommu.h, "The
 * 2020 VFIO DMA fault regions of a function"): a region pair
 * (core/dma_fault_region.h) connected to a function's fault handler
 * (core/dev_fault.h). The handler queues records in the fault region; the
 * response region's responses go back to the function as page responses.
 *
 * Lock order: the response region's lock (held around respond()) ->
 * the function's handler lock (sio_pcidev_page_response()); the handler
 * lock -> the fault region's lock (held around push()). The two region
 * locks are distinct, so there is no cycle.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <softiommu/softiommu.h>
#include <softiommu/uapi/vfio.h>

#include "base/compiler.h"
#include "base/sys.h"
#include "base/uaccess.h"
#include "core/dev_fault.h"
#include "core/dma_fault_region.h"
#include "core/pcidev.h"
#include "uapi/file.h"

/*
 * The pair holds an open on its function (sio_pcidev_open()) from open to
 * close: the function cannot be destroyed meanwhile, so @index names it,
 * and not a later function given the same index, for every call below.
 *
 * A forked child inherits the pair and the handler registration, but the
 * memfds are MAP_SHARED and the eventfd is shared with the parent, and
 * the regions' mutexes may have been held by a parent thread: in the child
 * the pair is foreign (@epoch), its handler takes no record and every call
 * but close fails with EXDEV, so the child never writes the parent's rings
 * or header pages nor signals its IRQ.
 */
struct sio_dma_fault_regions {
	unsigned int index;		/* the function */
	struct sio_pcidev *pdev;	/* its open */
	uint64_t epoch;			/* sio_process_epoch() of the opener */
	int eventfd;
	struct sio_dfr *dfr;
};

static bool regions_foreign(const struct sio_dma_fault_regions *r)
{
	return r->epoch != sio_process_epoch();
}

static int ret_errno(int rc)
{
	if (rc >= 0)
		return rc;
	errno = -rc;
	return -1;
}

/* The function's fault handler: runs under its handler lock. */
static int regions_handler(void *data, const struct iommu_fault *rec)
{
	struct sio_dma_fault_regions *r = data;

	/* Refused: a page request of the child ends INVALID. */
	if (regions_foreign(r))
		return -EXDEV;
	return sio_dfr_push(r->dfr, rec);
}

/* A response the program wrote: runs under the response region's lock. */
static int regions_respond(void *arg, const struct iommu_page_response *resp)
{
	struct sio_dma_fault_regions *r = arg;

	return sio_pcidev_page_response(r->index, resp);
}

/* A record was queued: the fault IRQ. */
static void regions_signal(void *arg)
{
	struct sio_dma_fault_regions *r = arg;
	uint64_t one = 1;

	/* A full counter (2^64 - 2 unread signals) cannot happen in practice. */
	if (sio_sys_write(r->eventfd, &one, sizeof(one)) < 0)
		return;
}

SIO_EXPORT struct sio_dma_fault_regions *sio_dev_dma_fault_regions_open(int index)
{
	struct sio_dma_fault_regions *r;
	struct sio_dfr_ops ops;
	int rc;

	if (index < 0) {
		errno = ENODEV;
		return NULL;
	}
	r = calloc(1, sizeof(*r));
	if (!r) {
		errno = ENOMEM;
		return NULL;
	}
	r->index = (unsigned int)index;
	r->epoch = sio_process_epoch();
	r->pdev = sio_pcidev_open(r->index);
	if (!r->pdev) {
		rc = -ENODEV;
		goto err_free;
	}
	r->eventfd = (int)syscall(SYS_eventfd2, 0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (r->eventfd < 0) {
		rc = -errno;
		goto err_close_fn;
	}
	ops.respond = regions_respond;
	ops.signal = regions_signal;
	ops.arg = r;
	rc = sio_dfr_create(VFIO_DMA_FAULT_RING_LENGTH, &ops, &r->dfr);
	if (rc)
		goto err_eventfd;
	rc = sio_pcidev_fault_handler_register(r->index, regions_handler, r);
	if (rc)
		goto err_dfr;
	return r;

err_dfr:
	sio_dfr_destroy(r->dfr);
err_eventfd:
	sio_sys_close(r->eventfd);
err_close_fn:
	sio_pcidev_close(r->pdev);
err_free:
	free(r);
	errno = -rc;
	return NULL;
}

SIO_EXPORT int sio_dma_fault_regions_close(struct sio_dma_fault_regions *r)
{
	int saved = errno;

	if (!r)
		return 0;
	/*
	 * Unregister and answer what is pending in one step, so that nothing
	 * can be reported in between. The open keeps the function, so its
	 * index names it until sio_pcidev_close() below.
	 */
	sio_pcidev_fault_handler_release(r->index, regions_handler, r);
	sio_dfr_destroy(r->dfr);
	sio_sys_close(r->eventfd);
	sio_pcidev_close(r->pdev);
	free(r);
	errno = saved;
	return 0;
}

static int region_which(unsigned int which, enum sio_dfr_which *out)
{
	switch (which) {
	case SIO_DMA_FAULT_REGION:
		*out = SIO_DFR_FAULT;
		return 0;
	case SIO_DMA_FAULT_RESPONSE_REGION:
		*out = SIO_DFR_RESPONSE;
		return 0;
	}
	return -EINVAL;
}

SIO_EXPORT int sio_dma_fault_region_info(struct sio_dma_fault_regions *r, unsigned int which,
					 struct sio_dma_fault_region_info *info)
{
	struct sio_dma_fault_region_info out = { 0 };
	enum sio_dfr_which w;
	int rc;

	if (regions_foreign(r))
		return ret_errno(-EXDEV);
	rc = region_which(which, &w);
	if (rc)
		return ret_errno(rc);
	out.flags = VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE |
		    VFIO_REGION_INFO_FLAG_MMAP;
	out.type = VFIO_REGION_TYPE_NESTED;
	out.subtype = w == SIO_DFR_FAULT ? VFIO_REGION_SUBTYPE_NESTED_DMA_FAULT :
					   VFIO_REGION_SUBTYPE_NESTED_DMA_FAULT_RESPONSE;
	out.cap_id = w == SIO_DFR_FAULT ? VFIO_REGION_INFO_CAP_DMA_FAULT :
					  VFIO_REGION_INFO_CAP_DMA_FAULT_RESPONSE;
	out.version = 1;
	out.size = sio_dfr_size(r->dfr, w);
	sio_dfr_mmap_area(r->dfr, w, &out.mmap_offset, &out.mmap_size);
	return ret_errno(sio_copy_to_user((uintptr_t)info, &out, sizeof(out)));
}

/* pread/pwrite of @which region: the errno conventions over sio_dfr_rw(). */
static ssize_t region_rw(struct sio_dma_fault_regions *r, unsigned int which, uint64_t ubuf,
			 size_t count, uint64_t pos, bool write)
{
	enum sio_dfr_which w;
	ssize_t rc;

	rc = regions_foreign(r) ? -EXDEV : region_which(which, &w);
	if (!rc)
		rc = sio_dfr_rw(r->dfr, w, pos, ubuf, count, write);
	if (rc < 0) {
		errno = (int)-rc;
		return -1;
	}
	return rc;
}

SIO_EXPORT ssize_t sio_dma_fault_region_pread(struct sio_dma_fault_regions *r, unsigned int which,
					      void *buf, size_t count, uint64_t pos)
{
	return region_rw(r, which, (uintptr_t)buf, count, pos, false);
}

SIO_EXPORT ssize_t sio_dma_fault_region_pwrite(struct sio_dma_fault_regions *r,
					       unsigned int which, const void *buf, size_t count,
					       uint64_t pos)
{
	return region_rw(r, which, (uintptr_t)buf, count, pos, true);
}

SIO_EXPORT void *sio_dma_fault_region_mmap(struct sio_dma_fault_regions *r, unsigned int which,
					   uint64_t pos, size_t len, int prot)
{
	enum sio_dfr_which w;
	uint64_t file_off;
	int fd, rc;

	rc = regions_foreign(r) ? -EXDEV : region_which(which, &w);
	if (!rc)
		rc = sio_dfr_mmap_check(r->dfr, w, pos, len, prot, &fd, &file_off);
	if (rc) {
		errno = -rc;
		return MAP_FAILED;
	}
	return sio_sys_mmap(NULL, len, prot, MAP_SHARED, fd, (off_t)file_off);
}

SIO_EXPORT int sio_dma_fault_regions_eventfd(const struct sio_dma_fault_regions *r)
{
	if (regions_foreign(r))
		return ret_errno(-EXDEV);
	return r->eventfd;
}

SIO_EXPORT int sio_dma_fault_regions_stats(struct sio_dma_fault_regions *r,
					   struct sio_dma_fault_regions_stats *st)
{
	struct sio_dma_fault_regions_stats out;
	struct sio_dfr_stats s;

	if (regions_foreign(r))
		return ret_errno(-EXDEV);
	sio_dfr_stats(r->dfr, &s);
	out.records = s.rec_pushed;
	out.records_dropped = s.rec_dropped;
	out.responses = s.resp_consumed;
	out.responses_rejected = s.resp_rejected;
	return ret_errno(sio_copy_to_user((uintptr_t)st, &out, sizeof(out)));
}
