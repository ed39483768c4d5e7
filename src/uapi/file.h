/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Emulated files: what an fd of an emulated node refers to, the analogue of
 * a kernel open file description. Every emulated fd is backed by a real
 * memfd that softiommu owns, so the kernel tracks the fd itself (numbers,
 * CLOEXEC, poll, fork inheritance); softiommu maps fd numbers to files.
 *
 * Lifetime: @refs counts fd-table entries plus calls in flight. The file is
 * released (ops->release) when the last reference goes, which for the fds
 * means when the last fd of the file is closed.
 *
 * Process model: a file belongs to the process image that created it
 * (@epoch). In a forked child, or in a process that received the fd, it is
 * "foreign": every operation but close fails with EXDEV and release never
 * runs there (docs/process-model.md).
 */
#ifndef SIO_UAPI_FILE_H
#define SIO_UAPI_FILE_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct sio_file;

struct sio_file_ops {
	const char *name;	/* memfd name, also how foreign fds are recognised */
	mode_t mode;		/* S_IFCHR | permissions, as stat reports */
	dev_t rdev;
	/* Return >= 0 or a negative errno. NULL read/write: -EINVAL. */
	long (*ioctl)(struct sio_file *file, unsigned int cmd, uint64_t arg);
	ssize_t (*read)(struct sio_file *file, void *buf, size_t count);
	ssize_t (*write)(struct sio_file *file, const void *buf, size_t count);
	/* Return the mapping or NULL with *err; NULL op: -ENODEV. */
	void *(*mmap)(struct sio_file *file, void *addr, size_t length, int prot, int flags,
		      off_t offset, int *err);
	void (*release)(struct sio_file *file);
	/*
	 * Files of sio_file_install_pollable() only: the fd is never writable
	 * for poll (a pipe read end); false: always writable (a socket).
	 */
	bool poll_no_out;
};

struct sio_file {
	int refs;
	const struct sio_file_ops *ops;
	void *priv;
	uint64_t epoch;
	bool path_only;		/* opened with O_PATH */
	bool foreign;		/* recognised from another process: never ours to release */
	dev_t memfd_dev;	/* identity of the backing memfd */
	ino_t memfd_ino;
	dev_t rdev;		/* the device number stat reports */
	/*
	 * Pollable files: poll_tx is softiommu's writing end of the channel
	 * whose other end is the fd, poll_rx a duplicate of that other end
	 * (to drain it whatever fd numbers the user keeps); both -1 otherwise.
	 * poll_ready and the channel contents change under poll_lock only.
	 */
	int poll_tx;
	int poll_rx;
	bool poll_ready;
	pthread_mutex_t poll_lock;
};

/*
 * Create a file and its backing memfd, and enter it in the fd table.
 * @open_flags: O_CLOEXEC is applied to the fd. Return: the fd, or -errno.
 * On failure ops->release is not called; the caller frees @priv.
 */
int sio_file_install(const struct sio_file_ops *ops, void *priv, int open_flags);
/*
 * As sio_file_install(), for one of several nodes sharing @ops: the file
 * reports device number (major of ops->rdev, @minor), and its memfd is named
 * "<ops->name>:<minor>" so that a foreign fd of it is recognised with its
 * number.
 */
int sio_file_install_minor(const struct sio_file_ops *ops, void *priv, int open_flags,
			   unsigned int minor);

/*
 * As sio_file_install(), for a file whose readiness the real poll(),
 * select() and epoll report: the fd is one end of a socketpair (always
 * EPOLLOUT), or with ops->poll_no_out the read end of a pipe (never
 * EPOLLOUT); EPOLLIN | EPOLLRDNORM exactly while sio_file_set_ready() last
 * said readable. The fd starts not readable. Its open file status flags
 * (O_NONBLOCK) are the user's: reads stay emulated and never block.
 *
 * A foreign process recognises the socket kind by its abstract address
 * ("\0softiommu-pollable:<ops name>:..."); it cannot recognise the pipe
 * kind after exec or SCM_RIGHTS (docs/process-model.md).
 */
int sio_file_install_pollable(const struct sio_file_ops *ops, void *priv, int open_flags);
/*
 * As sio_file_install_pollable(), also returning a reference on the new
 * file in *@out (drop it with sio_file_put()), so that the caller can use
 * the file even if another thread closes the fd at once.
 */
int sio_file_install_pollable_ref(const struct sio_file_ops *ops, void *priv, int open_flags,
				  struct sio_file **out);
/*
 * Make the fd of a pollable @file (not) readable. Thread-safe and
 * idempotent; a no-op on other files. Never blocks.
 */
void sio_file_set_ready(struct sio_file *file, bool readable);

/*
 * Take a reference on the file of @fd for one call. Return 0 and *out, or
 * -EBADF (not emulated), -EXDEV (foreign). Drop it with sio_file_put().
 */
int sio_file_get(int fd, struct sio_file **out);
/*
 * The fault queue of fault fd @fd (ioctl_fault.c), valid while the file
 * reference *@file is held (it holds a users reference on the FAULT).
 * Return: 0, -EBADF (not emulated, or O_PATH), -EXDEV (foreign), -EINVAL
 * (another kind of emulated file).
 */
struct sio_fault_queue;
int sio_fault_fd_get(int fd, struct sio_file **file, struct sio_fault_queue **fq);
/* As sio_file_get(), but foreign files are returned too (for stat). */
int sio_file_get_any(int fd, struct sio_file **out);
void sio_file_put(struct sio_file *file);

struct sio_ctx;

/*
 * The iommufd context behind @fd, as Linux's iommufd_ctx_from_fd(): an fd of
 * /dev/iommu (or of /dev/vfio/vfio, which shares its file operations) that
 * this process opened. On success *out holds a context reference (drop it
 * with sio_ctx_put()). Return: 0, -EBADF (@fd is not open, or is an O_PATH
 * fd), -EBADFD (not an iommufd), -EXDEV (an iommufd of another process).
 */
int sio_file_iommufd_ctx(int fd, struct sio_ctx **out);

/* fd table operations behind the C API (see softiommu.h). */
bool sio_fdt_is_emulated(int fd);
int sio_fdt_next(int from);
int sio_fdt_close(int fd);
int sio_fdt_forget(int fd);
int sio_fdt_dup(int oldfd, int newfd, int flags, bool use_fcntl, int fcntl_cmd);
int sio_fdt_adopt(int fd);

/* Current process epoch: bumped in every forked child. */
uint64_t sio_process_epoch(void);

#endif /* SIO_UAPI_FILE_H */
