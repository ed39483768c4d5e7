/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Page requests of the machine's emulated PCI functions (PRI, hw-model
 * §1.9, §5.5): turning a recoverable translation fault of a function's DMA
 * into a page request group on the fault queue of the HWPT its RID/PASID is
 * attached to, and waiting for the group's response (blocking with a
 * deadline, or asynchronously on the page request thread).
 *
 * A group is shared by its producer (the DMA waiting for it) and the fault
 * queue: each holds a reference. The queue's ends with the completion
 * (exactly once: a response, or INVALID when the attachment, the fault fd or
 * the FAULT object goes away, core/fault.h); the waiter's with the wait. A
 * waiter that gives up (timeout) abandons the group: its completion then
 * only releases the group's PRQ entries and PRGI.
 *
 * Locking: one process-wide mutex (pri.c) protects every group's state, the
 * PRGI maps, and the page request thread's list; it is a leaf lock. Page
 * request callbacks run without it.
 */
#ifndef SIO_CORE_PRI_H
#define SIO_CORE_PRI_H

#include <stdbool.h>
#include <stdint.h>

#include "iommu/iommu.h"

struct sio_pri_fn;
struct sio_pri_group;

/* Most pages of one group (the rest of a transfer faults again after the retry). */
#define SIO_PRI_GROUP_MAX	16
/* PRGIs of a function (9 bits, hw-model §1.9). */
#define SIO_PRI_PRGI_COUNT	512

_Static_assert(SIO_PRQ_MAX_DEPTH <= SIO_PRI_PRGI_COUNT, "a PRGI for every PRQ entry");

/* Per-function state (struct sio_pcidev.pri). alloc: NULL when out of memory. */
struct sio_pri_fn *sio_pri_fn_alloc(void);
void sio_pri_fn_put(struct sio_pri_fn *fn);

/* Response timeouts in milliseconds; a function's 0: the default. */
#define SIO_PRI_DEFAULT_TIMEOUT_MS	10000u
void sio_pri_fn_set_timeout(struct sio_pri_fn *fn, unsigned int timeout_ms);
void sio_pri_set_default_timeout(unsigned int timeout_ms);

/* The request that faulted. */
struct sio_pri_req {
	bool has_pasid;
	uint32_t pasid;
	unsigned int access;	/* enum sio_pt_access */
	uint64_t end;		/* end of the transfer: later faulting pages join the group */
};

/*
 * Make the fault @f of a request of function @index a page request group,
 * if it may be one: a stage-1 not-present or permission fault of a
 * function with SIO_DEV_CAP_PRI whose PRI no FAILURE response disabled
 * (core/dev_fault.h), and either a fault handler on the function (the
 * group is reported there, bound or not), or a binding to an iommufd and
 * a fault queue on the HWPT the request routes to (sio_device_iopf_hwpt()).
 * The group is the page of @f plus the following pages below @rq->end that
 * also fault so (up to SIO_PRI_GROUP_MAX and the PRQ depth; the scan stops
 * at a fault of another kind). Their IOTLB entries are invalidated first
 * (VT-d's implicit invalidation) so that the retry walks. Takes the bind
 * lock and the function table's read lock (held while a handler is told):
 * call with neither held.
 * Return: 0 with *out (wait on it: sio_pri_wait() or sio_pri_wait_async()),
 * -EACCES (not a page request: the fault stands), -ENOSPC (dropped by a
 * full PRQ or a pending overflow), -ENODEV (no such function), -ENOMEM.
 */
int sio_pri_request(unsigned int index, const struct sio_pri_req *rq, const struct sio_fault *f,
		    struct sio_pri_group **out);

/*
 * Wait for @g's completion, at most the function's timeout from the
 * request. Ends the waiter's reference. Return: SIO_IOPF_RESP_SUCCESS or
 * SIO_IOPF_RESP_INVALID, or -ETIMEDOUT (the group is abandoned).
 */
int sio_pri_wait(struct sio_pri_group *g);

/*
 * As sio_pri_wait(), without blocking: @fn(@arg, result) is called exactly
 * once, on the page request thread, with what sio_pri_wait() would return.
 * @fn may call sio_pri_request() and sio_pri_wait_async(), and must not
 * block on a group. Return: 0, or -EAGAIN/-ENOMEM (the thread could not be
 * started: the group is abandoned and @fn is not called).
 */
int sio_pri_wait_async(struct sio_pri_group *g, void (*fn)(void *arg, int result), void *arg);

#endif /* SIO_CORE_PRI_H */
