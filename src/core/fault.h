/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fault queues (FAULT objects, IOMMU_FAULT_QUEUE_ALLOC): where I/O page
 * requests of devices attached to a HWPT allocated with a fault ID go, in
 * groups, until user space answers them (spec iommufd-abi §4.15, §6, §7).
 *
 * A group is one or more page requests of one device and PASID that share
 * one response; iommufd presents it as consecutive records with one cookie,
 * the last one flagged LAST_PAGE. Every queued group is completed exactly
 * once: by a response written to the fault fd, or with INVALID when its
 * attachment goes away (detach, replace, unbind), when the fault fd is
 * closed, or when the FAULT object is destroyed.
 *
 * Producers (TRIGGER_IOPF, device DMA with PRI) call sio_fault_queue_group();
 * the completion callback runs in the thread that completes the group and
 * must not block or call back into the fault queue.
 */
#ifndef SIO_CORE_FAULT_H
#define SIO_CORE_FAULT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/object.h"

struct sio_device;
struct sio_hwpt;
struct sio_fault_queue;

/* One page request (the fields of struct iommu_hwpt_pgfault the producer sets). */
struct sio_iopf {
	bool pasid_valid;
	uint32_t pasid;
	uint32_t grpid;		/* PRI page request group index */
	uint32_t perm;		/* IOMMU_PGFAULT_PERM_* */
	uint64_t addr;		/* page address */
	uint32_t length;	/* prefetch hint, 0: none */
};

/* enum iommufd_page_response_code values a group completes with. */
#define SIO_IOPF_RESP_SUCCESS	0u
#define SIO_IOPF_RESP_INVALID	1u

typedef void (*sio_iopf_done_fn)(void *arg, uint32_t code);

/*
 * The HWPT a page request of @dev at @pasid (pasid_valid false: the RID)
 * is delivered to, with a short-term reference (sio_hwpt_put()), or NULL
 * when that attachment has no fault queue: the HWPT attached at the PASID,
 * or — when the IOMMU keeps the PASID table in the guest (the mock, SMMUv3
 * nesting) and nothing is attached at the PASID — the RID's nested HWPT.
 */
struct sio_hwpt *sio_device_iopf_hwpt(struct sio_device *dev, bool pasid_valid, uint32_t pasid);

/*
 * Queue a group of @n >= 1 requests of @dev on @hwpt's fault queue (the
 * last gets LAST_PAGE); @done(@arg, code) is called exactly once later
 * (@done may be NULL: a producer with nothing to answer, as the mock's).
 * Return: 0, -ENOENT (@hwpt has no fault queue, or the attachment is going
 * away: @done is not called), -ENOMEM.
 * Takes dev->lock, then the queue's lock: call it (and sio_device_iopf_hwpt())
 * with no core, IOMMU or device-model lock held, since attach paths take
 * IOMMU locks under dev->lock.
 */
int sio_fault_queue_group(struct sio_hwpt *hwpt, struct sio_device *dev, const struct sio_iopf *reqs,
			  unsigned int n, sio_iopf_done_fn done, void *arg);

/* Size of one record (struct iommu_hwpt_pgfault) and one response. */
#define SIO_IOPF_RECORD_SIZE	40u
#define SIO_IOPF_RESPONSE_SIZE	8u

/*
 * The FAULT object. Locking: its own mutex protects the queue, the
 * delivered groups and the notifier; it nests inside dev->lock (producers
 * and attachment changes take dev->lock first) and outside the notifier's
 * locks. Completion callbacks run with no fault-queue lock held.
 */

/* Allocate a FAULT object, not yet visible (finalize or abort it). */
int sio_fault_queue_alloc(struct sio_ctx *ctx, struct sio_fault_queue **out);
struct sio_object *sio_fault_queue_obj(struct sio_fault_queue *fq);
/* Look up a visible FAULT object with a short-term reference; NULL: -ENOENT. */
struct sio_fault_queue *sio_fault_queue_get(struct sio_ctx *ctx, uint32_t id);
void sio_fault_queue_put(struct sio_fault_queue *fq);

/*
 * The reader side (the fault fd). @notify(@arg, readable) is called under
 * the queue's lock whenever "undelivered groups exist" changes, and once at
 * registration; it must not block or call back. One reader at a time.
 */
void sio_fault_queue_set_reader(struct sio_fault_queue *fq, void (*notify)(void *arg, bool ready),
				void *arg);
/*
 * The reader went away (the fd was closed): every queued and every
 * delivered group is completed with INVALID and the notifier is dropped.
 * Groups queued later wait for their attachment to go or for a new reader.
 */
void sio_fault_queue_reader_gone(struct sio_fault_queue *fq);
/*
 * read() of the fault fd into user memory at @ubuf (spec §7): whole groups
 * only, each given a fresh non-zero cookie. Return: bytes copied, 0 (empty
 * queue), -ESPIPE (@count not a multiple of the record size), -EINVAL (the
 * first group does not fit), -EFAULT / -ENOMEM when nothing was copied.
 */
ssize_t sio_fault_queue_read(struct sio_fault_queue *fq, uint64_t ubuf, size_t count);
/*
 * write() of responses: -ESPIPE (@count not a multiple of 8), else each in
 * order: -EFAULT, -EINVAL (code not SUCCESS/INVALID, cookie not
 * outstanding), or the group completes with the code. Return: bytes
 * consumed, or the first response's error.
 */
ssize_t sio_fault_queue_write(struct sio_fault_queue *fq, uint64_t ubuf, size_t count);
/* Groups queued but not delivered, and delivered but not answered (tests, stats). */
void sio_fault_queue_counts(struct sio_fault_queue *fq, size_t *queued, size_t *delivered);

/*
 * Make the not yet visible @hwpt deliver to @fq: it takes a users reference
 * on the FAULT, dropped by sio_hwpt_fault_release() when the HWPT is
 * destroyed.
 */
void sio_hwpt_set_fault(struct sio_hwpt *hwpt, struct sio_fault_queue *fq);
void sio_hwpt_fault_release(struct sio_hwpt *hwpt);

/*
 * Groups taken off a fault queue because their attachment went away, to be
 * completed with INVALID once the caller dropped its locks.
 */
struct sio_fault_group;
/*
 * The attachment of @hwpt at @dev's @pasid (0: the RID) is going away
 * (detach, replace, unbind). Called with dev->lock held after the attachment
 * changed: moves its pending and delivered groups to *@list.
 */
void sio_fault_attach_gone(struct sio_hwpt *hwpt, struct sio_device *dev, uint32_t pasid,
			   struct sio_fault_group **list);
/* Complete every group of @list with INVALID and free them. No locks held. */
void sio_fault_complete_list(struct sio_fault_group *list);

#endif /* SIO_CORE_FAULT_H */
