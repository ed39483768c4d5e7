/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * iommufd_helpers.h - thin wrappers around the /dev/iommu ioctls, written as
 * any client would: plain open() and ioctl() with the uapi structs. Every
 * wrapper returns the ioctl() result (0, or -1 with errno set) so it can be
 * used directly in CHECK_OK() / CHECK_ERR(); outputs are stored only on
 * success. Thread-safe (no shared state).
 */
#ifndef SIO_TEST_IOMMUFD_HELPERS_H
#define SIO_TEST_IOMMUFD_HELPERS_H

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <softiommu/uapi/iommufd.h>
#include <softiommu/uapi/iommufd_test.h>

#define IOMMU_DEV_PATH "/dev/iommu"

#define MAP_RW (IOMMU_IOAS_MAP_READABLE | IOMMU_IOAS_MAP_WRITEABLE)
#define MAP_FIXED_RW (IOMMU_IOAS_MAP_FIXED_IOVA | MAP_RW)

static inline int iommufd_open(void)
{
	return open(IOMMU_DEV_PATH, O_RDWR | O_CLOEXEC);
}

static inline int sys_page_size(void)
{
	return (int)sysconf(_SC_PAGESIZE);
}

/* Whether CAP_SYS_RESOURCE is in the effective set (IOMMU_OPTION_RLIMIT_MODE SET). */
static inline int have_cap_sys_resource(void)
{
	struct {
		uint32_t version;
		int pid;
	} hdr = { 0x20080522 /* _LINUX_CAPABILITY_VERSION_3 */, 0 };
	struct {
		uint32_t effective, permitted, inheritable;
	} data[2];

	if (syscall(SYS_capget, &hdr, data))
		return 0;
	return !!(data[0].effective & (1u << 24 /* CAP_SYS_RESOURCE */));
}

static inline int iommu_destroy(int fd, uint32_t id)
{
	struct iommu_destroy cmd = { .size = sizeof(cmd), .id = id };

	return ioctl(fd, IOMMU_DESTROY, &cmd);
}

static inline int ioas_alloc(int fd, uint32_t *id)
{
	struct iommu_ioas_alloc cmd = { .size = sizeof(cmd) };
	int ret = ioctl(fd, IOMMU_IOAS_ALLOC, &cmd);

	if (!ret && id)
		*id = cmd.out_ioas_id;
	return ret;
}

/* Auto or fixed (flags has IOMMU_IOAS_MAP_FIXED_IOVA, *iova is the input). */
static inline int ioas_map_va(int fd, uint32_t ioas, uint64_t user_va, uint64_t len,
			      uint64_t *iova, uint32_t flags)
{
	struct iommu_ioas_map cmd = {
		.size = sizeof(cmd),
		.flags = flags,
		.ioas_id = ioas,
		.user_va = user_va,
		.length = len,
		.iova = (flags & IOMMU_IOAS_MAP_FIXED_IOVA) && iova ? *iova : 0,
	};
	int ret = ioctl(fd, IOMMU_IOAS_MAP, &cmd);

	if (!ret && iova)
		*iova = cmd.iova;
	return ret;
}

static inline int ioas_map(int fd, uint32_t ioas, const void *buf, uint64_t len, uint64_t *iova,
			   uint32_t flags)
{
	return ioas_map_va(fd, ioas, (uintptr_t)buf, len, iova, flags);
}

static inline int ioas_map_file(int fd, uint32_t ioas, int mfd, uint64_t start, uint64_t len,
				uint64_t *iova, uint32_t flags)
{
	struct iommu_ioas_map_file cmd = {
		.size = sizeof(cmd),
		.flags = flags,
		.ioas_id = ioas,
		.fd = mfd,
		.start = start,
		.length = len,
		.iova = (flags & IOMMU_IOAS_MAP_FIXED_IOVA) && iova ? *iova : 0,
	};
	int ret = ioctl(fd, IOMMU_IOAS_MAP_FILE, &cmd);

	if (!ret && iova)
		*iova = cmd.iova;
	return ret;
}

static inline int ioas_unmap(int fd, uint32_t ioas, uint64_t iova, uint64_t len,
			     uint64_t *out_len)
{
	struct iommu_ioas_unmap cmd = {
		.size = sizeof(cmd),
		.ioas_id = ioas,
		.iova = iova,
		.length = len,
	};
	int ret = ioctl(fd, IOMMU_IOAS_UNMAP, &cmd);

	if (!ret && out_len)
		*out_len = cmd.length;
	return ret;
}

static inline int ioas_unmap_all(int fd, uint32_t ioas, uint64_t *out_len)
{
	return ioas_unmap(fd, ioas, 0, UINT64_MAX, out_len);
}

static inline int ioas_copy(int fd, uint32_t dst, uint32_t src, uint64_t src_iova, uint64_t len,
			    uint64_t *dst_iova, uint32_t flags)
{
	struct iommu_ioas_copy cmd = {
		.size = sizeof(cmd),
		.flags = flags,
		.dst_ioas_id = dst,
		.src_ioas_id = src,
		.length = len,
		.dst_iova = (flags & IOMMU_IOAS_MAP_FIXED_IOVA) && dst_iova ? *dst_iova : 0,
		.src_iova = src_iova,
	};
	int ret = ioctl(fd, IOMMU_IOAS_COPY, &cmd);

	if (!ret && dst_iova)
		*dst_iova = cmd.dst_iova;
	return ret;
}

static inline int ioas_allow_iovas(int fd, uint32_t ioas, const struct iommu_iova_range *r,
				   uint32_t n)
{
	struct iommu_ioas_allow_iovas cmd = {
		.size = sizeof(cmd),
		.ioas_id = ioas,
		.num_iovas = n,
		.allowed_iovas = (uintptr_t)r,
	};

	return ioctl(fd, IOMMU_IOAS_ALLOW_IOVAS, &cmd);
}

/*
 * *num: in = capacity of r, out = total number of ranges (also written on
 * EMSGSIZE, like the kernel).
 */
static inline int ioas_iova_ranges(int fd, uint32_t ioas, struct iommu_iova_range *r,
				   uint32_t *num, uint64_t *align)
{
	struct iommu_ioas_iova_ranges cmd = {
		.size = sizeof(cmd),
		.ioas_id = ioas,
		.num_iovas = *num,
		.allowed_iovas = (uintptr_t)r,
	};
	int ret = ioctl(fd, IOMMU_IOAS_IOVA_RANGES, &cmd);

	if (!ret || errno == EMSGSIZE) {
		*num = cmd.num_iovas;
		if (align)
			*align = cmd.out_iova_alignment;
	}
	return ret;
}

static inline int iommu_option(int fd, uint32_t option, uint16_t op, uint32_t object_id,
			       uint64_t *val)
{
	struct iommu_option cmd = {
		.size = sizeof(cmd),
		.option_id = option,
		.op = op,
		.object_id = object_id,
		.val64 = *val,
	};
	int ret = ioctl(fd, IOMMU_OPTION, &cmd);

	if (!ret)
		*val = cmd.val64;
	return ret;
}

static inline int option_get(int fd, uint32_t option, uint32_t object_id, uint64_t *val)
{
	*val = 0;
	return iommu_option(fd, option, IOMMU_OPTION_OP_GET, object_id, val);
}

static inline int option_set(int fd, uint32_t option, uint32_t object_id, uint64_t val)
{
	return iommu_option(fd, option, IOMMU_OPTION_OP_SET, object_id, &val);
}

static inline int vfio_ioas(int fd, uint16_t op, uint32_t *id)
{
	struct iommu_vfio_ioas cmd = { .size = sizeof(cmd), .ioas_id = id ? *id : 0, .op = op };
	int ret = ioctl(fd, IOMMU_VFIO_IOAS, &cmd);

	if (!ret && id)
		*id = cmd.ioas_id;
	return ret;
}

static inline int ioas_change_process(int fd)
{
	struct iommu_ioas_change_process cmd = { .size = sizeof(cmd) };

	return ioctl(fd, IOMMU_IOAS_CHANGE_PROCESS, &cmd);
}

/* IOMMU_TEST_OP_ADD_RESERVED: reserve [start, start + length - 1] in an IOAS. */
static inline int add_reserved(int fd, uint32_t ioas, uint64_t start, uint64_t length)
{
	struct iommu_test_cmd cmd;

	memset(&cmd, 0, sizeof(cmd));
	cmd.size = sizeof(cmd);
	cmd.op = IOMMU_TEST_OP_ADD_RESERVED;
	cmd.id = ioas;
	cmd.add_reserved.start = start;
	cmd.add_reserved.length = length;
	return ioctl(fd, IOMMU_TEST_CMD, &cmd);
}

static inline int set_temp_memory_limit(int fd, uint32_t limit)
{
	struct iommu_test_cmd cmd;

	memset(&cmd, 0, sizeof(cmd));
	cmd.size = sizeof(cmd);
	cmd.op = IOMMU_TEST_OP_SET_TEMP_MEMORY_LIMIT;
	cmd.memory_limit.limit = limit;
	return ioctl(fd, IOMMU_TEST_CMD, &cmd);
}

#endif /* SIO_TEST_IOMMUFD_HELPERS_H */
