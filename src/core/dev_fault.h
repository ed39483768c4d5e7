/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Per-function fault reporting of the generic IOMMU API that the 2020 VFIO
 * nested interface was built on (Linux 5.3-6.8: iommu_register_device_
 * fault_handler(), iommu_report_device_fault(), iommu_page_response(); the
 * 5.10 forms, vsva-2020-abi §2.1, §2.2).
 *
 * While an emulated PCI function has a fault handler, its IOMMU reports to
 * the handler, as struct iommu_fault records:
 *  - its page requests (core/pri.h), one IOMMU_FAULT_PAGE_REQ record per
 *    page of a group, the last flagged LAST_PAGE; these no longer go to
 *    iommufd fault queues. A group stays pending until
 *    sio_pcidev_page_response() answers its last record (matched by grpid,
 *    and by PASID when the record says NEEDS_PASID);
 *  - the unrecoverable faults the emulated IOMMU type reports to device
 *    handlers (IOMMU_FAULT_DMA_UNRECOV; which ones per type: dev_fault.c).
 * A handler that fails a page request's record ends the group with
 * INVALID (the DMA fails), as VT-d answers a request it could not report.
 *
 * Locking: one mutex per function's handler state, taken under no core
 * lock the caller holds except the PCI bind lock and the function table's
 * read lock (pcidev.h); the handler runs with them held and must not
 * block or call back into this file or pcidev.h. Call the functions below
 * with no core lock held. Thread-safe.
 */
#ifndef SIO_CORE_DEV_FAULT_H
#define SIO_CORE_DEV_FAULT_H

#include <stdbool.h>
#include <stdint.h>

#include <softiommu/uapi/iommu.h>

#include "iommu/iommu.h"

/* Return 0, or a negative errno: the record was not taken. */
typedef int (*sio_dev_fault_handler)(void *data, const struct iommu_fault *rec);

/*
 * Register @handler for function @index. Return: 0, -ENODEV (no such
 * function), -EBUSY (one is registered), -EINVAL (@handler NULL). The
 * state is allocated with the function: register never fails for memory.
 */
int sio_pcidev_fault_handler_register(unsigned int index, sio_dev_fault_handler handler,
				      void *data);

/*
 * Unregister it. Return: 0 (also when none is registered), -ENODEV,
 * -EBUSY (reported page requests are still unanswered).
 */
int sio_pcidev_fault_handler_unregister(unsigned int index);

/*
 * Complete every unanswered page request group of function @index with
 * INVALID, as a function reset or the end of the handler's owner does
 * (so that a following unregister succeeds). Return: groups completed, or
 * -ENODEV.
 */
int sio_pcidev_fault_abort_pending(unsigned int index);

/*
 * The end of a handler's owner, in one step: if function @index's handler
 * is (@handler, @data), unregister it and complete its unanswered groups
 * with INVALID. An index says nothing of which function it named once that
 * function was destroyed and another created: the pair makes sure the
 * owner never ends a later owner's handler.
 * Return: groups completed, -ENODEV (no such function), -ENOENT (the
 * function's handler is another one, or none).
 */
int sio_pcidev_fault_handler_release(unsigned int index, sio_dev_fault_handler handler,
				     void *data);

/*
 * Answer a reported page request group (5.10 iommu_page_response()).
 * Checks in order: -ENODEV (no such function), -EINVAL (no handler
 * registered), -EINVAL (version != IOMMU_PAGE_RESP_VERSION_1, or flags
 * other than IOMMU_PAGE_RESP_PASID_VALID), -EINVAL (no pending group
 * matches). SUCCESS lets the DMA retry, INVALID fails it, FAILURE fails it
 * and disables the function's PRI (PCIe Response Failure) until the
 * function is reset.
 */
int sio_pcidev_page_response(unsigned int index, const struct iommu_page_response *msg);

/*
 * Reset function @index (VFIO_DEVICE_RESET, a PCI hot reset): complete its
 * unanswered groups with INVALID and enable its PRI again after a FAILURE
 * response. The handler stays registered. Return: 0, or -ENODEV.
 */
int sio_pcidev_fault_reset(unsigned int index);

/* ---------------------------------------------- for core/pcidev.c, core/pri.c */

struct sio_pcidev;
struct sio_dev_fault_fn;

/* Per-function state (struct sio_pcidev.fault); NULL when out of memory. */
struct sio_dev_fault_fn *sio_dev_fault_fn_alloc(void);
/*
 * Free it once the function left the table (no reader can reach it): its
 * unanswered groups end with INVALID and the handler is dropped.
 */
void sio_dev_fault_fn_free(struct sio_dev_fault_fn *df);

/*
 * In a forked child (single-threaded; from pcidev.c's handler): a fresh
 * lock, since the parent's may have been held by a thread the child lacks.
 * The state is kept (pending groups end with the function, INVALID).
 */
void sio_dev_fault_fn_atfork_child(struct sio_dev_fault_fn *df);

/* Whether a FAILURE response disabled the function's PRI (until a reset). Lock-free. */
bool sio_dev_fault_pri_disabled(const struct sio_dev_fault_fn *df);

/* Whether a handler is registered now. */
bool sio_dev_fault_has_handler(struct sio_dev_fault_fn *df);

/*
 * Report the @n records of one page request group (recs[n - 1] is the
 * LAST_PAGE one) to the function's handler; @done(@arg, SIO_IOPF_RESP_*) is
 * then called exactly once: on the response, an abort, a reset, the
 * function's destroy, or before this returns when the handler fails a
 * record (INVALID). Call under the function table's read lock.
 * Return: 0, -ENOENT (no handler: @done is not called), -ENOMEM.
 */
int sio_dev_fault_report_group(struct sio_dev_fault_fn *df, const struct iommu_fault *recs,
			       unsigned int n, void (*done)(void *arg, uint32_t code), void *arg);

/*
 * The fault @f that ended a DMA of @pdev and was no page request: an
 * IOMMU_FAULT_DMA_UNRECOV record for the handler if the IOMMU type reports
 * it (dev_fault.c). Call under the function table's read lock.
 */
void sio_dev_fault_report_unrecov(struct sio_pcidev *pdev, const struct sio_fault *f);

#endif /* SIO_CORE_DEV_FAULT_H */
