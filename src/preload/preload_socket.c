/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fds received over SCM_RIGHTS: an emulated fd arrives as a new number the
 * library has never seen. Each received fd is shown to sio_fd_adopt(), which
 * makes it another fd of the same node when this process opened it, or
 * records it as foreign (EXDEV) when another process did.
 */
#include "preload/real.h"

#include <string.h>

#include <softiommu/softiommu.h>

static void adopt_rights(struct msghdr *msg)
{
	struct cmsghdr *cmsg;

	if (!msg->msg_control)
		return;
	for (cmsg = CMSG_FIRSTHDR(msg); cmsg; cmsg = CMSG_NXTHDR(msg, cmsg)) {
		size_t n, i;

		if (cmsg->cmsg_level != SOL_SOCKET || cmsg->cmsg_type != SCM_RIGHTS)
			continue;
		n = (cmsg->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (i = 0; i < n; i++) {
			int fd;

			memcpy(&fd, CMSG_DATA(cmsg) + i * sizeof(int), sizeof(fd));
			SIO_CALL(sio_fd_adopt(fd));
		}
	}
}

SIO_EXPORT ssize_t recvmsg(int sockfd, struct msghdr *msg, int flags)
{
	real_recvmsg_t *fn = REAL(recvmsg);
	int saved;
	ssize_t ret;

	if (!fn)
		return real_enosys();
	ret = fn(sockfd, msg, flags);
	if (ret < 0 || preload_bypass())
		return ret;
	saved = errno;
	adopt_rights(msg);
	errno = saved;
	return ret;
}

SIO_EXPORT int recvmmsg(int sockfd, struct mmsghdr *vec, unsigned int vlen, int flags,
			struct timespec *timeout)
{
	real_recvmmsg_t *fn = REAL(recvmmsg);
	int saved, ret, i;

	if (!fn)
		return real_enosys();
	ret = fn(sockfd, vec, vlen, flags, timeout);
	if (ret <= 0 || preload_bypass())
		return ret;
	saved = errno;
	for (i = 0; i < ret; i++)
		adopt_rights(&vec[i].msg_hdr);
	errno = saved;
	return ret;
}
