/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The exported fault-ring API (include/softiommu/softiommu.h, "The
 * shared-memory fault ring"): errno conventions over core/fault_ring.c,
 * which holds the locking and every check.
 */
#include <errno.h>
#include <stddef.h>

#include <softiommu/softiommu.h>

#include "base/compiler.h"
#include "core/fault.h"
#include "core/fault_ring.h"
#include "uapi/file.h"

/* Responses handed to the fault queue per take. */
#define PUMP_RESP_CHUNK 64u

static int ret_errno(int rc)
{
	if (rc >= 0)
		return rc;
	errno = -rc;
	return -1;
}

SIO_EXPORT struct sio_fault_ring *sio_fault_ring_create(unsigned int nb_records,
							unsigned int nb_responses)
{
	struct sio_fault_ring *ring;
	int rc;

	rc = sio_fring_create(nb_records, nb_responses, &ring);
	if (rc) {
		errno = -rc;
		return NULL;
	}
	return ring;
}

SIO_EXPORT int sio_fault_ring_fd(const struct sio_fault_ring *ring)
{
	return sio_fring_fd(ring);
}

SIO_EXPORT void sio_fault_ring_destroy(struct sio_fault_ring *ring)
{
	int saved = errno;

	sio_fring_destroy(ring);
	errno = saved;
}

SIO_EXPORT int sio_fault_ring_push(struct sio_fault_ring *ring,
				   const struct iommu_hwpt_pgfault *recs, unsigned int n)
{
	return ret_errno(sio_fring_push(ring, recs, n));
}

SIO_EXPORT int sio_fault_ring_take_responses(struct sio_fault_ring *ring,
					     struct iommu_hwpt_page_response *out, unsigned int n)
{
	return ret_errno(sio_fring_take_responses(ring, out, n));
}

/* Whole groups off the fault queue into the ring's free slots (the read() path). */
static int pump_fill(void *arg, struct iommu_hwpt_pgfault *buf, unsigned int room)
{
	ssize_t got = sio_fault_queue_read(arg, (uintptr_t)buf, (size_t)room * sizeof(*buf));

	/* -EINVAL: the oldest group needs more than @room slots; it waits. */
	if (got == -EINVAL)
		return 0;
	if (got < 0)
		return (int)got;
	return (int)(got / (ssize_t)sizeof(*buf));
}

/*
 * Answers first, through the write() path, one chunk at a time; a response
 * the queue refuses (unknown cookie) is counted as rejected and skipped.
 */
static void pump_responses(struct sio_fault_ring *ring, struct sio_fault_queue *fq)
{
	struct iommu_hwpt_page_response resp[PUMP_RESP_CHUNK];
	unsigned int rejected = 0, i;
	ssize_t w;
	int n;

	do {
		n = sio_fring_take_responses(ring, resp, PUMP_RESP_CHUNK);
		for (i = 0; n > 0 && i < (unsigned int)n;) {
			w = sio_fault_queue_write(fq, (uintptr_t)&resp[i],
						  (size_t)(n - (int)i) * sizeof(resp[0]));
			if (w > 0) {
				i += (unsigned int)(w / (ssize_t)sizeof(resp[0]));
			} else {
				rejected++;
				i++;
			}
		}
	} while (n == (int)PUMP_RESP_CHUNK);
	if (rejected)
		sio_fring_reject(ring, rejected);
}

SIO_EXPORT int sio_fault_ring_pump(struct sio_fault_ring *ring, int fault_fd)
{
	struct sio_fault_queue *fq;
	struct sio_file *file;
	int rc;

	rc = sio_fault_fd_get(fault_fd, &file, &fq);
	if (rc)
		return ret_errno(rc);
	pump_responses(ring, fq);
	rc = sio_fring_fill(ring, pump_fill, fq);
	sio_file_put(file);
	return ret_errno(rc);
}

SIO_EXPORT struct sio_fault_ring_view *sio_fault_ring_map(int fd)
{
	struct sio_fault_ring_view *view;
	int rc;

	rc = sio_fring_map(fd, &view);
	if (rc) {
		errno = -rc;
		return NULL;
	}
	return view;
}

SIO_EXPORT int sio_fault_ring_unmap(struct sio_fault_ring_view *view)
{
	int saved = errno;

	sio_fring_unmap(view);
	errno = saved;
	return 0;
}

SIO_EXPORT int sio_fault_ring_peek(struct sio_fault_ring_view *view,
				   struct iommu_hwpt_pgfault *out, unsigned int n)
{
	return ret_errno(sio_fring_peek(view, out, n));
}

SIO_EXPORT int sio_fault_ring_pop(struct sio_fault_ring_view *view,
				  struct iommu_hwpt_pgfault *out, unsigned int n)
{
	return ret_errno(sio_fring_pop(view, out, n));
}

SIO_EXPORT int sio_fault_ring_respond(struct sio_fault_ring_view *view,
				      const struct iommu_hwpt_page_response *resp, unsigned int n)
{
	return ret_errno(sio_fring_respond(view, resp, n));
}

SIO_EXPORT int sio_fault_ring_status(struct sio_fault_ring_view *view,
				     struct sio_fault_ring_status *st)
{
	return ret_errno(sio_fring_status(view, st));
}

SIO_EXPORT const struct sio_fault_ring_hdr *sio_fault_ring_header(
	const struct sio_fault_ring_view *view)
{
	return sio_fring_header(view);
}
