/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vEVENTQ objects (IOMMU_VEVENTQ_ALLOC): queues of events a vIOMMU reports
 * to user space, one per (vIOMMU, type), read through an fd as records of a
 * struct iommufd_vevent_header and a type-specific payload (spec
 * iommufd-abi §4.20, §8).
 *
 * Protocol (Linux's eventq.c and driver.c):
 *  - every element queued gets the queue's sequence counter, which then
 *    advances and wraps from INT_MAX to 0;
 *  - a queue holding @depth events drops the next one (so does one whose
 *    allocation fails) and queues instead a single LOST_EVENTS header
 *    without payload. That element is only ever the last one: dropping
 *    again moves it there with a new sequence, and queueing a real event
 *    removes it (the reader then sees a gap in the sequence);
 *  - a read returns whole records only: header + payload of each event while
 *    it fits, then the bare header of a queued LOST_EVENTS element; reading
 *    an event frees its room in the queue.
 *
 * Lifetime: a vEVENTQ holds a users reference on its vIOMMU; the uapi file
 * that reads it holds a users reference on the vEVENTQ (IOMMU_DESTROY of
 * either is EBUSY meanwhile).
 *
 * Locking: the vIOMMU's list of vEVENTQs is under viommu->lock (nested
 * inside a device's lock); q->lock protects the queue and nests inside
 * viommu->lock. Reports hold viommu->lock while they use a queue, so a
 * vEVENTQ unlinked under it is never used by a report again. The notify
 * callback runs under q->lock.
 */
#ifndef SIO_CORE_VEVENTQ_H
#define SIO_CORE_VEVENTQ_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/object.h"

struct sio_viommu;
struct sio_vevent;

/* Largest depth IOMMU_VEVENTQ_ALLOC accepts (Linux's bound). */
#define SIO_VEVENTQ_DEPTH_MAX (1u << 19)

struct sio_veventq {
	struct sio_object obj;
	struct sio_viommu *viommu;	/* users reference */
	uint32_t type;			/* enum iommu_veventq_type (ABI value) */
	uint32_t depth;
	struct sio_veventq *next;	/* on viommu->veventqs (under viommu->lock) */

	pthread_mutex_t lock;
	/* Under lock: the events, oldest first; the LOST_EVENTS element follows them. */
	struct sio_vevent *head, *tail;
	uint32_t num_events;		/* events queued (the LOST_EVENTS element not counted) */
	uint32_t sequence;		/* the next element's sequence number */
	bool lost_queued;		/* the LOST_EVENTS element is queued */
	uint32_t lost_sequence;
	/* Called with the new readiness whenever it may have changed. */
	void (*notify)(void *arg, bool ready);
	void *notify_arg;
};

/*
 * Allocate a vEVENTQ of ABI type @type and @depth (the caller has checked
 * both) on @viommu and link it there: -EEXIST when @viommu already has one of
 * @type. Not yet visible. Return: 0, -EEXIST, -ENOMEM, -ENOSPC.
 */
int sio_veventq_alloc(struct sio_ctx *ctx, struct sio_viommu *viommu, uint32_t type,
		      uint32_t depth, struct sio_veventq **out);

/*
 * Report an event of @type with @len > 0 bytes of payload to @viommu's
 * vEVENTQ of that type. Return: 0 (queued, or dropped with LOST_EVENTS
 * queued because the queue is full), -EOPNOTSUPP (no vEVENTQ of @type),
 * -ENOMEM (dropped for lack of memory, LOST_EVENTS queued).
 */
int sio_viommu_report_event(struct sio_viommu *viommu, uint32_t type, const void *data,
			    size_t len);

/*
 * read() of the vEVENTQ's fd into the caller's @ubuf of @count bytes:
 * whole records, oldest first. Return: the bytes copied (0: empty queue),
 * -EINVAL (@count below a header, or the first event does not fit), -EFAULT
 * (nothing could be copied).
 */
ssize_t sio_veventq_read(struct sio_veventq *q, uint64_t ubuf, size_t count);

/*
 * Set (or with NULL clear) the readiness callback; it is called at once
 * with the current readiness (queue not empty), then whenever it may have
 * changed, under q->lock: it must not call back into the queue.
 */
void sio_veventq_set_notify(struct sio_veventq *q, void (*notify)(void *arg, bool ready),
			    void *arg);

#endif /* SIO_CORE_VEVENTQ_H */
