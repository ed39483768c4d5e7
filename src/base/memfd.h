/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Shared-memory regions softiommu hands to programs: a memfd of a fixed
 * size, zero-filled by the kernel (no stale data can reach the program) and
 * sealed with F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL, so that a program
 * holding the fd cannot truncate it under softiommu's own mapping (which
 * would turn softiommu's next access into a SIGBUS) nor change the seals.
 * Uses the raw system calls of base/sys.h. Thread-safe (no state).
 */
#ifndef SIO_BASE_MEMFD_H
#define SIO_BASE_MEMFD_H

#include <stddef.h>

/*
 * Create such a memfd of @size bytes (close-on-exec), named @name in
 * /proc/self/fd. Return: the fd (the caller owns it), or a negative errno.
 */
int sio_memfd_sealed(const char *name, size_t size);

#endif /* SIO_BASE_MEMFD_H */
