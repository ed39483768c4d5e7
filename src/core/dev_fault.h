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
 * lock the caller holds except the PCI bind lock; the handler runs with it
 * held and must not block or call back into this file. Thread-safe.
 */
#ifndef SIO_CORE_DEV_FAULT_H
#define SIO_CORE_DEV_FAULT_H

#include <softiommu/uapi/iommu.h>

/* Return 0, or a negative errno: the record was not taken. */
typedef int (*sio_dev_fault_handler)(void *data, const struct iommu_fault *rec);

/*
 * Register @handler for function @index. Return: 0, -ENODEV (no such
 * function), -EBUSY (one is registered), -EINVAL (@handler NULL), -ENOMEM.
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
 * Answer a reported page request group (5.10 iommu_page_response()).
 * Checks in order: -ENODEV (no such function), -EINVAL (no handler
 * registered), -EINVAL (version != IOMMU_PAGE_RESP_VERSION_1, or flags
 * other than IOMMU_PAGE_RESP_PASID_VALID), -EINVAL (no pending group
 * matches). SUCCESS lets the DMA retry, INVALID fails it, FAILURE fails it
 * and disables the function's PRI (PCIe Response Failure) until the
 * function is reset.
 */
int sio_pcidev_page_response(unsigned int index, const struct iommu_page_response *msg);

#endif /* SIO_CORE_DEV_FAULT_H */
