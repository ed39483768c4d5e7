/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * softiommu — the Linux iommufd user API on a software IOMMU.
 *
 * This header is the C API. It gives a program (or the LD_PRELOAD front end)
 * file descriptors for the emulated nodes (/dev/iommu, ...) and lets it issue
 * the kernel ABI on them: ioctl(), read(), write(), mmap(), close(), with the
 * kernel's semantics, return values and errno.
 *
 * Every fd returned by sio_open() is a real kernel file descriptor (a memfd
 * owned by softiommu), so poll(), dup() done through this API, fork() and
 * CLOEXEC behave as for any file. What the ioctls act on lives in the memory
 * of the process that opened the node; see docs/process-model.md.
 *
 * Conventions, unless a function says otherwise:
 *  - Functions return what the corresponding system call returns: a
 *    non-negative value on success, -1 with errno set on failure.
 *  - errno is left untouched on success.
 *  - All functions are thread-safe and may be called concurrently on the same
 *    or different fds. They are not async-signal-safe.
 *  - Caller pointers are never trusted: a bad pointer yields EFAULT, never a
 *    crash.
 */
#ifndef SOFTIOMMU_SOFTIOMMU_H
#define SOFTIOMMU_SOFTIOMMU_H

#include <stddef.h>
#include <stdint.h>
#include <signal.h>
#include <sys/types.h>
#include <sys/stat.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Paths of the emulated nodes. */
#define SIO_PATH_IOMMU "/dev/iommu"

/**
 * sio_version() - the library version as a string, e.g. "0.1.0".
 * Return: a static string. Thread-safe.
 */
const char *sio_version(void);

/**
 * sio_path_is_emulated() - does @path name an emulated node?
 * @path: absolute path, or a path relative to the current directory.
 *        It is normalised lexically ("//", "/./", "/../"); symlinks are not
 *        followed.
 *
 * Return: 1 if sio_open() would open an emulated node for @path, 0 if not
 * (including a NULL or unreadable @path). Never sets errno.
 */
int sio_path_is_emulated(const char *path);

/**
 * sio_open() - open an emulated node.
 * @path:  as for sio_path_is_emulated().
 * @flags: open(2) flags. O_CLOEXEC and O_NONBLOCK are honoured; O_PATH gives
 *         an fd on which ioctl/read/write/mmap fail with EBADF; O_DIRECTORY
 *         fails with ENOTDIR; O_CREAT|O_EXCL fails with EEXIST.
 *
 * Each successful call creates an independent context, as open("/dev/iommu")
 * does in the kernel.
 *
 * Return: the new fd, or -1 with errno: ENOENT (@path is not emulated),
 * EFAULT (@path unreadable), EMFILE/ENFILE/ENOMEM (resources).
 */
int sio_open(const char *path, int flags);

/**
 * sio_fd_is_emulated() - is @fd an fd this process got from sio_open(), or a
 * duplicate of one made through this API?
 *
 * O(1) and lock-free. Return: 1 or 0. Never sets errno.
 */
int sio_fd_is_emulated(int fd);

/**
 * sio_fd_next_emulated() - the lowest emulated fd >= @from.
 * Return: the fd, or -1 if there is none. Never sets errno.
 */
int sio_fd_next_emulated(int from);

/**
 * sio_ioctl() - ioctl(2) on an emulated fd.
 * @fd:  an emulated fd.
 * @cmd: the request, as the kernel ABI defines it.
 * @arg: the argument (usually a pointer to the ABI struct).
 *
 * Return: as the kernel returns it (0 or a positive value), or -1 with the
 * kernel's errno. EBADF if @fd is not emulated or was opened with O_PATH.
 * EXDEV if @fd was inherited from another process (fork) or passed from one:
 * the context lives in the process that opened it (docs/process-model.md).
 */
int sio_ioctl(int fd, unsigned long cmd, void *arg);

/**
 * sio_read() / sio_write() - read(2)/write(2) on an emulated fd.
 * Nodes without a read or write method fail with EINVAL, as in the kernel.
 * Return: bytes transferred, or -1 with errno (EBADF, EXDEV as sio_ioctl()).
 */
ssize_t sio_read(int fd, void *buf, size_t count);
ssize_t sio_write(int fd, const void *buf, size_t count);

/**
 * sio_mmap() - mmap(2) of an emulated fd.
 * Return: the mapping, or MAP_FAILED with errno as the kernel's mmap of that
 * node would set it (for /dev/iommu with no object regions: ENXIO).
 */
void *sio_mmap(void *addr, size_t length, int prot, int flags, int fd,
	       off_t offset);

/**
 * sio_munmap() - tell softiommu that [@addr, @addr + @length) is unmapped.
 * Performs the munmap(2) and drops the references that mappings of emulated
 * fds in that range held. Return: as munmap(2).
 */
int sio_munmap(void *addr, size_t length);

/**
 * sio_close() - close an emulated fd.
 * Closing the last fd of a node releases it exactly as the kernel does: for
 * /dev/iommu every object is destroyed and every pin released before this
 * returns. Return: 0, or -1 with EBADF.
 */
int sio_close(int fd);

/**
 * sio_dup() / sio_dup3() / sio_fcntl_dupfd() - duplicate an emulated fd.
 * @oldfd must be emulated. The real fd is duplicated as dup(2), dup3(2) or
 * fcntl(F_DUPFD / F_DUPFD_CLOEXEC) would, and the new fd refers to the same
 * node (the same context). If @newfd of sio_dup3() was itself emulated, its
 * reference is dropped first, as the kernel closes it.
 * Return: the new fd, or -1 with the errno of the underlying call.
 */
int sio_dup(int oldfd);
int sio_dup3(int oldfd, int newfd, int flags);
int sio_fcntl_dupfd(int oldfd, int cmd, int minfd);

/**
 * sio_fd_forget() - drop softiommu's record of @fd without closing it.
 * For a front end that is about to make the kernel close or replace @fd by
 * other means (dup2 onto it, close_range). Releases the node if this was its
 * last fd. Return: 0, or -1 with EBADF if @fd is not emulated.
 */
int sio_fd_forget(int fd);

/**
 * sio_fd_adopt() - recognise an fd that refers to an emulated node but was
 * created behind softiommu's back: received with SCM_RIGHTS, or duplicated
 * with a raw system call. If it refers to a node this process opened it
 * becomes another fd of that node; if another process (or an earlier image of
 * this one, before exec) opened it, it is recorded as foreign and its
 * operations fail with EXDEV.
 * Return: 1 if @fd is (now) emulated, 0 if it is not an emulated node, -1
 * with errno (EBADF, ENOMEM).
 */
int sio_fd_adopt(int fd);

/**
 * sio_fstat() / sio_stat_path() - stat of an emulated fd or path.
 * Fills @st as the kernel reports the device node: S_IFCHR, mode, st_rdev.
 * Return: 0, or -1 with EBADF (fd) / ENOENT (path) when not emulated, EFAULT
 * for a bad @st.
 */
int sio_fstat(int fd, struct stat *st);
int sio_stat_path(const char *path, struct stat *st);

/**
 * sio_sigaction() - keep softiommu's fault handler first in line.
 * softiommu copies caller memory with a fault-tolerant routine that relies on
 * a SIGSEGV/SIGBUS handler; faults it does not own are passed on to the
 * handler the program installed. A front end calls this instead of
 * sigaction(2) so that the program's handler is chained behind softiommu's
 * rather than replacing it.
 * Return: 0 if @sig was SIGSEGV or SIGBUS and the call was handled here
 * (@oldact receives the program's previous handler), 1 if the caller must
 * perform the real sigaction(2) itself, -1 with errno EFAULT/EINVAL.
 */
int sio_sigaction(int sig, const struct sigaction *act,
		  struct sigaction *oldact);

#ifdef __cplusplus
}
#endif

#endif /* SOFTIOMMU_SOFTIOMMU_H */
