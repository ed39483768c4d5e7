/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Readiness channels of pollable emulated files.
 *
 * Always-writable kind: a connected AF_UNIX stream pair; the user holds one
 * end, softiommu keeps the other (poll_tx) and a duplicate of the user's
 * end (poll_rx). Readable means one byte waits in the user's end.
 * Never-writable kind: a pipe; the user holds the read end, softiommu the
 * write end (poll_tx) and a duplicate of the read end (poll_rx).
 *
 * Locking: poll_lock serialises every change of poll_ready with the byte
 * that represents it, so the channel holds a byte exactly when poll_ready.
 * Reads and writes of the user's fd are emulated, so only softiommu moves
 * bytes through the channel; drains still read until empty so that a stray
 * byte (e.g. a raw send() by the user into the pair) cannot stick.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>

#include "base/sys.h"
#include "uapi/file_poll.h"

static ssize_t sys_read(int fd, void *buf, size_t len)
{
	return (ssize_t)syscall(SYS_read, fd, buf, len);
}

static int sys_poll_in(int fd)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };

	return (int)syscall(SYS_ppoll, &pfd, 1, &(struct timespec){ 0 }, NULL, 0) > 0 &&
	       (pfd.revents & POLLIN);
}

/*
 * Give the user's socket end an abstract address so that other processes
 * can tell it from any socket. Names are unique per process and counter.
 */
static int bind_marker(int fd, const char *ops_name)
{
	static unsigned long counter;
	struct sockaddr_un sa;
	int tries, len;

	for (tries = 0; tries < 16; tries++) {
		unsigned long n = __atomic_add_fetch(&counter, 1, __ATOMIC_RELAXED);

		memset(&sa, 0, sizeof(sa));
		sa.sun_family = AF_UNIX;
		len = snprintf(sa.sun_path + 1, sizeof(sa.sun_path) - 1, "%s%s:%ld:%lu",
			       SIO_POLL_SOCK_PREFIX, ops_name, (long)getpid(), n);
		if (len < 0 || (size_t)len >= sizeof(sa.sun_path) - 1)
			return -ENAMETOOLONG;
		if (!syscall(SYS_bind, fd, &sa,
			     (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + len)))
			return 0;
		if (errno != EADDRINUSE)
			return -errno;
	}
	return -EADDRINUSE;
}

int sio_file_poll_open(struct sio_file *file, int open_flags)
{
	int fds[2], user, rc;

	if (file->ops->poll_no_out) {
		if (syscall(SYS_pipe2, fds, O_CLOEXEC))
			return -errno;
		user = fds[0];
		file->poll_tx = fds[1];
	} else {
		if (syscall(SYS_socketpair, AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds))
			return -errno;
		user = fds[0];
		file->poll_tx = fds[1];
		rc = bind_marker(user, file->ops->name);
		if (rc)
			goto err_close_pair;
	}
	if (sio_sys_fcntl(file->poll_tx, F_SETFL, O_NONBLOCK)) {
		rc = -errno;
		goto err_close_pair;
	}
	file->poll_rx = sio_sys_fcntl(user, F_DUPFD_CLOEXEC, 0);
	if (file->poll_rx < 0) {
		rc = -errno;
		goto err_close_pair;
	}
	if (!(open_flags & O_CLOEXEC) && sio_sys_fcntl(user, F_SETFD, 0)) {
		rc = -errno;
		goto err_close_rx;
	}
	file->poll_ready = false;
	return user;

err_close_rx:
	sio_sys_close(file->poll_rx);
err_close_pair:
	sio_sys_close(user);
	sio_sys_close(file->poll_tx);
	file->poll_tx = -1;
	file->poll_rx = -1;
	return rc;
}

void sio_file_poll_close(struct sio_file *file)
{
	if (file->poll_tx >= 0)
		sio_sys_close(file->poll_tx);
	if (file->poll_rx >= 0)
		sio_sys_close(file->poll_rx);
	file->poll_tx = -1;
	file->poll_rx = -1;
}

static void drain(int fd)
{
	char buf[64];

	while (sys_poll_in(fd) && sys_read(fd, buf, sizeof(buf)) > 0)
		;
}

void sio_file_set_ready(struct sio_file *file, bool readable)
{
	static const char byte = 1;

	if (file->poll_tx < 0)
		return;
	pthread_mutex_lock(&file->poll_lock);
	if (file->poll_ready != readable) {
		if (readable) {
			/* A one-byte write to an empty channel cannot block or fail short. */
			if (sio_sys_write(file->poll_tx, &byte, 1) == 1)
				file->poll_ready = true;
		} else {
			drain(file->poll_rx);
			file->poll_ready = false;
		}
	}
	pthread_mutex_unlock(&file->poll_lock);
}

bool sio_file_poll_recognise(int fd, char *name, size_t name_size)
{
	static const char prefix[] = SIO_POLL_SOCK_PREFIX;
	struct sockaddr_un sa;
	socklen_t len = sizeof(sa);
	size_t n;

	memset(&sa, 0, sizeof(sa));
	if (syscall(SYS_getsockname, fd, &sa, &len) || sa.sun_family != AF_UNIX)
		return false;
	if (len <= offsetof(struct sockaddr_un, sun_path) + 1 || sa.sun_path[0])
		return false;
	n = len - offsetof(struct sockaddr_un, sun_path) - 1;
	if (n < sizeof(prefix) - 1 || memcmp(sa.sun_path + 1, prefix, sizeof(prefix) - 1))
		return false;
	n -= sizeof(prefix) - 1;
	if (n >= name_size)
		n = name_size - 1;
	memcpy(name, sa.sun_path + sizeof(prefix), n);
	name[n] = '\0';
	return true;
}
