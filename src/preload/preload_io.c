/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Operations on open fds: ioctl, read/write and their positional, vectored
 * and fortified variants, mmap/munmap.
 *
 * The cost on a non-emulated fd is one sio_fd_is_emulated() (O(1), lock-free)
 * plus libc's own call; nothing here locks or allocates.
 */
#include "real.h"

#include <errno.h>
#include <stdarg.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <softiommu/softiommu.h>

static bool fd_emulated(int fd)
{
	return unlikely(sio_fd_is_emulated(fd)) && !preload_bypass();
}

/*
 * The request as the kernel sees it: an int request (musl) must not be
 * sign-extended, or _IOR/_IOWR numbers with the top bit set would change.
 */
static unsigned long ioctl_request(sio_ioctl_req_t request)
{
#ifdef SIO_IOCTL_REQUEST_INT
	return (unsigned int)request;
#else
	return request;
#endif
}

/* ioctl() takes at most one argument, read as a pointer as libc reads it. */
SIO_EXPORT int ioctl(int fd, sio_ioctl_req_t request, ...)
{
	real_ioctl_t *fn;
	va_list ap;
	void *arg;

	va_start(ap, request);
	arg = va_arg(ap, void *);
	va_end(ap);

	if (fd_emulated(fd))
		return SIO_CALL(sio_ioctl(fd, ioctl_request(request), arg));
	fn = REAL(ioctl);
	return fn ? fn(fd, request, arg) : real_enosys();
}

#ifdef SIO_HAVE_TIME64_SYMS
SIO_EXPORT int __ioctl_time64(int fd, unsigned long request, ...)
{
	real___ioctl_time64_t *fn;
	va_list ap;
	void *arg;

	va_start(ap, request);
	arg = va_arg(ap, void *);
	va_end(ap);

	if (fd_emulated(fd))
		return SIO_CALL(sio_ioctl(fd, request, arg));
	fn = REAL(__ioctl_time64);
	return fn ? fn(fd, request, arg) : real_enosys();
}
#endif

SIO_EXPORT ssize_t read(int fd, void *buf, size_t count)
{
	real_read_t *fn;

	if (fd_emulated(fd))
		return SIO_CALL(sio_read(fd, buf, count));
	fn = REAL(read);
	return fn ? fn(fd, buf, count) : real_enosys();
}

SIO_EXPORT ssize_t write(int fd, const void *buf, size_t count)
{
	real_write_t *fn;

	if (fd_emulated(fd))
		return SIO_CALL(sio_write(fd, buf, count));
	fn = REAL(write);
	return fn ? fn(fd, buf, count) : real_enosys();
}

/* Emulated nodes are streams: no positional I/O. */
static ssize_t emulated_espipe(void)
{
	errno = ESPIPE;
	return -1;
}

SIO_EXPORT ssize_t pread(int fd, void *buf, size_t count, off_t off)
{
	real_pread_t *fn;

	if (fd_emulated(fd))
		return emulated_espipe();
	fn = REAL(pread);
	return fn ? fn(fd, buf, count, off) : real_enosys();
}

SIO_EXPORT ssize_t pread64(int fd, void *buf, size_t count, off64_t off)
{
	real_pread64_t *fn;

	if (fd_emulated(fd))
		return emulated_espipe();
	fn = REAL(pread64);
	return fn ? fn(fd, buf, count, off) : real_enosys();
}

SIO_EXPORT ssize_t pwrite(int fd, const void *buf, size_t count, off_t off)
{
	real_pwrite_t *fn;

	if (fd_emulated(fd))
		return emulated_espipe();
	fn = REAL(pwrite);
	return fn ? fn(fd, buf, count, off) : real_enosys();
}

SIO_EXPORT ssize_t pwrite64(int fd, const void *buf, size_t count, off64_t off)
{
	real_pwrite64_t *fn;

	if (fd_emulated(fd))
		return emulated_espipe();
	fn = REAL(pwrite64);
	return fn ? fn(fd, buf, count, off) : real_enosys();
}

/*
 * Vectored I/O on an emulated fd is refused: splitting one read across
 * iovecs would change the record boundaries the nodes' read methods keep.
 */
SIO_EXPORT ssize_t readv(int fd, const struct iovec *iov, int iovcnt)
{
	real_readv_t *fn;

	if (fd_emulated(fd)) {
		errno = EINVAL;
		return -1;
	}
	fn = REAL(readv);
	return fn ? fn(fd, iov, iovcnt) : real_enosys();
}

SIO_EXPORT ssize_t writev(int fd, const struct iovec *iov, int iovcnt)
{
	real_writev_t *fn;

	if (fd_emulated(fd)) {
		errno = EINVAL;
		return -1;
	}
	fn = REAL(writev);
	return fn ? fn(fd, iov, iovcnt) : real_enosys();
}

/*
 * Fortified reads (-D_FORTIFY_SOURCE) bypass read()/pread() inside libc. An
 * overflowing call still goes to libc, which reports it and aborts.
 */
SIO_EXPORT ssize_t __read_chk(int fd, void *buf, size_t count, size_t buflen)
{
	real___read_chk_t *fn;

	if (count <= buflen && fd_emulated(fd))
		return SIO_CALL(sio_read(fd, buf, count));
	fn = REAL(__read_chk);
	return fn ? fn(fd, buf, count, buflen) : real_enosys();
}

SIO_EXPORT ssize_t __pread_chk(int fd, void *buf, size_t count, off_t off, size_t buflen)
{
	real___pread_chk_t *fn;

	if (count <= buflen && fd_emulated(fd))
		return emulated_espipe();
	fn = REAL(__pread_chk);
	return fn ? fn(fd, buf, count, off, buflen) : real_enosys();
}

SIO_EXPORT ssize_t __pread64_chk(int fd, void *buf, size_t count, off64_t off,
				 size_t buflen)
{
	real___pread64_chk_t *fn;

	if (count <= buflen && fd_emulated(fd))
		return emulated_espipe();
	fn = REAL(__pread64_chk);
	return fn ? fn(fd, buf, count, off, buflen) : real_enosys();
}

static bool mmap_emulated(int flags, int fd)
{
	return !(flags & MAP_ANONYMOUS) && fd >= 0 && fd_emulated(fd);
}

SIO_EXPORT void *mmap(void *addr, size_t length, int prot, int flags, int fd, off_t off)
{
	real_mmap_t *fn;

	if (mmap_emulated(flags, fd))
		return SIO_CALL(sio_mmap(addr, length, prot, flags, fd, off));
	fn = REAL(mmap);
	if (!fn) {
		errno = ENOSYS;
		return MAP_FAILED;
	}
	return fn(addr, length, prot, flags, fd, off);
}

SIO_EXPORT void *mmap64(void *addr, size_t length, int prot, int flags, int fd, off64_t off)
{
	real_mmap64_t *fn;

	if (mmap_emulated(flags, fd)) {
		/* sio_mmap() takes an off_t, 32 bits wide on some ABIs. */
		if ((off64_t)(off_t)off != off) {
			errno = EOVERFLOW;
			return MAP_FAILED;
		}
		return SIO_CALL(sio_mmap(addr, length, prot, flags, fd, (off_t)off));
	}
	fn = REAL(mmap64);
	if (!fn) {
		errno = ENOSYS;
		return MAP_FAILED;
	}
	return fn(addr, length, prot, flags, fd, off);
}

/*
 * Any range may hold mappings of emulated fds, so every munmap goes through
 * libsoftiommu, which performs the real one. Its own munmap calls (made while
 * preload_in_sio is raised) go straight to libc.
 */
SIO_EXPORT int munmap(void *addr, size_t length)
{
	real_munmap_t *fn;

	if (!preload_bypass())
		return SIO_CALL(sio_munmap(addr, length));
	fn = REAL(munmap);
	return fn ? fn(addr, length) : real_enosys();
}
