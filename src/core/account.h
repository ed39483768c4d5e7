/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Pinned-page accounting against RLIMIT_MEMLOCK, in the two modes of
 * IOMMU_OPTION_RLIMIT_MODE:
 *  - USER: charged to the user's locked_vm (Linux: per user, across
 *    processes; here: per process, since contexts live in one process).
 *  - MM: charged to the process' locked_vm.
 * A process with CAP_IPC_LOCK in its effective set is not limited, as in
 * Linux; the charge is still counted.
 *
 * Thread-safe (atomic counters). No allocation.
 */
#ifndef SIO_CORE_ACCOUNT_H
#define SIO_CORE_ACCOUNT_H

#include <stddef.h>
#include <stdint.h>

enum sio_account_mode {
	SIO_ACCOUNT_USER = 0,
	SIO_ACCOUNT_MM = 1,
	/* Not charged: pages no user memory backs (a dma-buf's). */
	SIO_ACCOUNT_NONE = 2,
};

/* Charge @npages; -ENOMEM (nothing charged) past the limit. */
int sio_account_charge(enum sio_account_mode mode, uint64_t npages);
void sio_account_uncharge(enum sio_account_mode mode, uint64_t npages);

/* Pages currently charged in @mode. */
uint64_t sio_account_locked(enum sio_account_mode mode);

/* Whether the calling process has @cap (a CAP_* number) in its effective set. */
int sio_capable(int cap);

#endif /* SIO_CORE_ACCOUNT_H */
