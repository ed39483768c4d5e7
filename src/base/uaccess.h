/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Safe access to caller ("user") memory.
 *
 * Every read or write of memory whose address comes from the caller (ioctl
 * argument structs and arrays, and later device DMA into process memory)
 * goes through these functions. A bad address never crashes the process:
 * the access fails with -EFAULT, as copy_from_user() does in the kernel.
 *
 * Two implementations, chosen once at first use:
 *  - "fixup" (x86-64, aarch64): small assembly routines (uaccess_*.S) do the
 *    access; a SIGSEGV/SIGBUS handler that recognises a fault inside them
 *    resumes at the routine's fixup label, which returns failure. A valid
 *    copy costs what memcpy costs. Faults that are not ours are passed on to
 *    the handler the program installed (see sio_sigaction()), or kill the
 *    process with the right signal when it has none.
 *  - "syscall": process_vm_readv()/process_vm_writev() on the own process.
 *    Slow (about a microsecond per call) but needs no signal handler. Used on
 *    other architectures, when SOFTIOMMU_UACCESS=syscall is set in the
 *    environment, or when the handler cannot be installed. It needs those
 *    system calls to be allowed (a seccomp filter could forbid them; every
 *    access then fails with -EFAULT).
 *
 * Conventions for all functions below:
 *  - Return 0 or -EFAULT (sio_safe_cas64() also -EAGAIN or -EINVAL,
 *    sio_safe_load64() also -EINVAL).
 *    Thread-safe, no locks, no allocation, errno is preserved. The first
 *    call may install the signal handler (it is not async-signal-safe);
 *    later calls are async-signal-safe.
 *  - A user address that does not fit in a pointer, or a range
 *    [uptr, uptr + len) that wraps around the address space, fails with
 *    -EFAULT without touching memory. len == 0 always succeeds without
 *    touching memory.
 *  - On -EFAULT the destination may have been partly written (bytes before
 *    the fault, possibly some after it inside the same page); its content is
 *    then unspecified.
 *  - Source and destination must not overlap.
 *  - sio_user_is_zero() stops at the first non-zero byte: a range holding
 *    both a non-zero byte and a bad address may give either 0 with
 *    *is_zero == false or -EFAULT.
 *
 * Limits of the fixup mode (the kernel kills a thread that faults while the
 * signal is blocked, before any handler runs):
 *  - a faulting access from a thread that blocks SIGSEGV/SIGBUS (for example
 *    with sigfillset() + pthread_sigmask()), or from a handler whose mask
 *    blocks them (a program SIGSEGV handler without SA_NODEFER, any handler
 *    with a full sa_mask), kills the process instead of failing. A front end
 *    can keep SIGSEGV/SIGBUS out of the masks the program sets;
 *  - under ThreadSanitizer every handler runs with all signals blocked (it
 *    installs its own with a full sa_mask), so only copies made outside
 *    signal handlers are safe there. AddressSanitizer installs its handler
 *    at start-up; ours is installed later, in front of it, and chains to it
 *    (allow_user_segv_handler=1, the default of GCC 12's run-time; with 0
 *    the installation check fails and the syscall mode is used).
 */
#ifndef SIO_BASE_UACCESS_H
#define SIO_BASE_UACCESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Copy @len bytes from user address @src_uptr to the trusted buffer @dst. */
int sio_copy_from_user(void *dst, uint64_t src_uptr, size_t len);

/* Copy @len bytes from the trusted buffer @src to user address @dst_uptr. */
int sio_copy_to_user(uint64_t dst_uptr, const void *src, size_t len);

/* Zero @len bytes at user address @dst_uptr. */
int sio_clear_user(uint64_t dst_uptr, size_t len);

/*
 * *is_zero = whether all @len bytes at @uptr are zero; 0 or -EFAULT.
 * On -EFAULT *is_zero is set to false.
 */
int sio_user_is_zero(uint64_t uptr, size_t len, bool *is_zero);

/*
 * Fault in every page of [uptr, uptr + len) for reading, or with @write for
 * writing, as Linux's pinning of a user buffer does: 0, or -EFAULT when a
 * page is not mapped, not readable, not writable (with @write) or beyond the
 * end of its file. Changes no byte, even against concurrent writers (before
 * Linux 5.14, in the syscall mode, a write probe rewrites one byte per page
 * and can race with them). The fixup mode accesses one byte per page without
 * a system call; the syscall mode issues one madvise(MADV_POPULATE_*), which
 * also refuses VM_IO/VM_PFNMAP mappings that the fixup mode accepts.
 */
int sio_user_fault_in(uint64_t uptr, size_t len, bool write);

/* sio_user_fault_in() for writing. */
int sio_user_probe_writable(uint64_t uptr, size_t len);

/* Either side may be bad memory (used for device DMA into process memory). */
int sio_safe_memcpy(void *dst, const void *src, size_t len);

/*
 * Atomic 64-bit compare-and-swap on the user word at @uptr (for example an
 * accessed/dirty update of a page-table entry in the program's memory):
 * if it holds *@expected, replace it with @desired and return 0; otherwise
 * store the value it holds in *@expected and return -EAGAIN. Sequentially
 * consistent either way, like __atomic_compare_exchange_n(..., SEQ_CST,
 * SEQ_CST). -EINVAL if @uptr is not 8-byte aligned (nothing accessed).
 * -EFAULT if the word is not mapped or not writable, whether or not it
 * holds *@expected (*@expected is then unchanged): the access is a write
 * either way, as x86's "lock cmpxchg" is.
 *
 * In the syscall mode (no fault handler) the word is first made present
 * and writable with sio_user_probe_writable(), then swapped with a plain
 * atomic: a page unmapped or write-protected between the two kills the
 * process. The fixup mode has no such window.
 */
int sio_safe_cas64(uint64_t uptr, uint64_t *expected, uint64_t desired);

/*
 * Load the 8-byte user word at @uptr with acquire ordering, single-copy
 * atomic (for example a guest page-table entry that the program may change
 * concurrently): 0 and *@val, -EFAULT if the word is not readable (*@val is
 * then unchanged), -EINVAL if @uptr is not 8-byte aligned (nothing
 * accessed). The fixup mode makes one load; the syscall mode and
 * ThreadSanitizer builds prove the word readable with the safe copy and
 * then load it, so memory unmapped between the two kills the process there
 * (as for sio_safe_cas64()).
 */
int sio_safe_load64(uint64_t uptr, uint64_t *val);

/*
 * Make sure the fault handler is still installed, and go back in front of a
 * handler the program installed without sio_sigaction() (with signal(2) or
 * sigaction(2) directly, which only the C API can meet: the preload routes
 * those calls to sio_sigaction()). Costs two system calls, so the C API
 * calls it on open and close, not per ioctl. If the handler cannot be
 * reinstalled, the syscall mode takes over.
 */
void sio_uaccess_reassert(void);

/* "fixup" or "syscall": the implementation in use. */
const char *sio_uaccess_mode_name(void);

/*
 * For tests and benchmarks only. @syscall_mode != 0 selects the syscall
 * mode. 0 selects the fixup mode where it exists, (re)installing the signal
 * handler if something replaced it (a test framework that installs its own
 * SIGSEGV handler around each test); the replaced handler becomes the
 * chained one. Check sio_uaccess_mode_name() for the outcome. Copies that
 * run concurrently use either mode.
 */
void sio_uaccess_force_mode_for_test(int syscall_mode);

#endif /* SIO_BASE_UACCESS_H */
