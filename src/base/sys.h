/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Raw system calls for fds and mappings that softiommu owns. The library must
 * not go through the libc symbols the LD_PRELOAD front end interposes (close,
 * mmap, fcntl, ...), or it would re-enter itself. Each returns what the system
 * call returns, with errno set on failure.
 */
#ifndef SIO_BASE_SYS_H
#define SIO_BASE_SYS_H

#include <stddef.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>

static inline int sio_sys_close(int fd)
{
	return (int)syscall(SYS_close, fd);
}

static inline int sio_sys_fcntl(int fd, int cmd, long arg)
{
	return (int)syscall(SYS_fcntl, fd, cmd, arg);
}

static inline int sio_sys_dup3(int oldfd, int newfd, int flags)
{
	return (int)syscall(SYS_dup3, oldfd, newfd, flags);
}

static inline int sio_sys_fstat(int fd, struct stat *st)
{
	return (int)syscall(SYS_fstat, fd, st);
}

static inline int sio_sys_fstatfs(int fd, struct statfs *st)
{
	return (int)syscall(SYS_fstatfs, fd, st);
}

static inline void *sio_sys_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	return (void *)syscall(SYS_mmap, addr, len, prot, flags, fd, off);
}

static inline int sio_sys_munmap(void *addr, size_t len)
{
	return (int)syscall(SYS_munmap, addr, len);
}

static inline int sio_sys_memfd_create(const char *name, unsigned int flags)
{
	return (int)syscall(SYS_memfd_create, name, flags);
}

static inline int sio_sys_ioctl(int fd, unsigned long cmd, void *arg)
{
	return (int)syscall(SYS_ioctl, fd, cmd, arg);
}

static inline int sio_sys_openat(int dirfd, const char *path, int flags, mode_t mode)
{
	return (int)syscall(SYS_openat, dirfd, path, flags, mode);
}

static inline int sio_sys_mkdirat(int dirfd, const char *path, mode_t mode)
{
	return (int)syscall(SYS_mkdirat, dirfd, path, mode);
}

static inline int sio_sys_unlinkat(int dirfd, const char *path, int flags)
{
	return (int)syscall(SYS_unlinkat, dirfd, path, flags);
}

static inline ssize_t sio_sys_write(int fd, const void *buf, size_t len)
{
	return (ssize_t)syscall(SYS_write, fd, buf, len);
}

static inline int sio_sys_ftruncate(int fd, off_t length)
{
	return (int)syscall(SYS_ftruncate, fd, length);
}

/* Linux dirent64 records into @buf; 0 at the end of the directory. */
static inline long sio_sys_getdents64(int fd, void *buf, size_t len)
{
	return syscall(SYS_getdents64, fd, buf, len);
}

#endif /* SIO_BASE_SYS_H */
