/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Cloud Hypervisor with --platform iommufd=on, replayed (spec
 * clients-and-preload §3d): its seccomp allow-list is exactly DESTROY,
 * IOAS_ALLOC, IOAS_MAP, IOAS_UNMAP, VFIO_DEVICE_BIND_IOMMUFD,
 * VFIO_DEVICE_ATTACH_IOMMUFD_PT and VFIO_DEVICE_DETACH_IOMMUFD_PT, and the
 * cdev fd may come from elsewhere over SCM_RIGHTS (here: from this same
 * process, which is where the emulated device file lives).
 */
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include "harness.h"
#include "iommufd_helpers.h"
#include "vfio_helpers.h"

static int send_fd(int sock, int fd)
{
	char byte = 'F', cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);

	memset(cbuf, 0, sizeof(cbuf));
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	return sendmsg(sock, &msg, 0) == 1 ? 0 : -1;
}

static int recv_fd(int sock)
{
	char byte, cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *c;
	int fd;

	if (recvmsg(sock, &msg, 0) != 1)
		return -1;
	c = CMSG_FIRSTHDR(&msg);
	if (!c || c->cmsg_type != SCM_RIGHTS)
		return -1;
	memcpy(&fd, CMSG_DATA(c), sizeof(int));
	return fd;
}

TEST(chv_vfio_iommufd)
{
	const size_t ram_size = 8u << 20;
	uint32_t ioas = 0, devid = 0, pt = 0;
	uint64_t iova = 0x40000000, len = 0;
	int iommufd, devfd, sent, sv[2];
	struct stat st1, st2;
	void *ram;

	/* VfioIommufd::new(): /dev/iommu read-write and an IOAS. */
	iommufd = open("/dev/iommu", O_RDWR | O_CLOEXEC);
	REQUIRE(iommufd >= 0);
	REQUIRE_OK(ioas_alloc(iommufd, &ioas));

	/* Guest memory is mapped before any device is added. */
	ram = mmap(NULL, ram_size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	REQUIRE(ram != MAP_FAILED);
	CHECK_OK(ioas_map(iommufd, ioas, ram, ram_size, &iova, MAP_FIXED_RW));
	CHECK_OK(ioas_unmap(iommufd, ioas, iova, ram_size, &len));
	CHECK_EQ(len, ram_size);
	CHECK_OK(ioas_map(iommufd, ioas, ram, ram_size, &iova, MAP_FIXED_RW));

	/* The cdev fd arrives over SCM_RIGHTS (VfioDevice::new_from_fd). */
	sent = open("/dev/vfio/devices/vfio0", O_RDWR | O_CLOEXEC);
	REQUIRE(sent >= 0);
	REQUIRE_OK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
	REQUIRE_OK(send_fd(sv[0], sent));
	devfd = recv_fd(sv[1]);
	REQUIRE(devfd >= 0);
	/*
	 * The sender's fd may go once the receiver has it (the emulated file
	 * lives in this process; an fd still in flight when its last
	 * emulated fd closes would arrive as a foreign one, see
	 * docs/process-model.md).
	 */
	CHECK_OK(close(sent));
	CHECK_OK(fstat(devfd, &st1));
	CHECK_OK(stat("/dev/vfio/devices/vfio0", &st2));
	CHECK_EQ(st1.st_rdev, st2.st_rdev);

	REQUIRE_OK(vfio_bind(devfd, iommufd, &devid));
	pt = ioas;
	REQUIRE_OK(vfio_attach(devfd, &pt));
	/* The memory stays mapped while the device is in use. */
	CHECK_ERR(iommu_destroy(iommufd, ioas), EBUSY);

	/* Device removal. */
	CHECK_OK(vfio_detach(devfd));
	CHECK_OK(ioas_unmap(iommufd, ioas, iova, ram_size, NULL));
	CHECK_OK(close(devfd));
	CHECK_OK(iommu_destroy(iommufd, ioas));
	CHECK_OK(close(iommufd));
	close(sv[0]);
	close(sv[1]);
	munmap(ram, ram_size);
}

HARNESS_MAIN()
