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
#include <stdint.h>

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
 * last gets LAST_PAGE); @done(@arg, code) is called exactly once later.
 * Return: 0, -ENOENT (@hwpt has no fault queue, or the attachment is going
 * away: @done is not called), -ENOMEM.
 */
int sio_fault_queue_group(struct sio_hwpt *hwpt, struct sio_device *dev, const struct sio_iopf *reqs,
			  unsigned int n, sio_iopf_done_fn done, void *arg);

#endif /* SIO_CORE_FAULT_H */
