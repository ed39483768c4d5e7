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

/* ------------------------------------------------------------------------ */
/* Mock devices and HWPTs (iommufd-testops.md §4, iommufd-abi.md §4.10-4.13) */

static inline void test_cmd_init(struct iommu_test_cmd *cmd, uint32_t op, uint32_t id)
{
	memset(cmd, 0, sizeof(*cmd));
	cmd->size = sizeof(*cmd);
	cmd->op = op;
	cmd->id = id;
}

/*
 * IOMMU_TEST_OP_MOCK_DOMAIN_FLAGS (dev_flags 0 is what MOCK_DOMAIN does):
 * a new mock device attached to @pt_id (IOAS or HWPT). Any output pointer
 * may be NULL.
 */
static inline int mock_domain_flags(int fd, uint32_t pt_id, uint32_t dev_flags, uint32_t *stdev,
				    uint32_t *hwpt, uint32_t *idev)
{
	struct iommu_test_cmd cmd;
	int ret;

	test_cmd_init(&cmd, IOMMU_TEST_OP_MOCK_DOMAIN_FLAGS, pt_id);
	cmd.mock_domain_flags.dev_flags = dev_flags;
	ret = ioctl(fd, IOMMU_TEST_CMD, &cmd);
	if (!ret) {
		if (stdev)
			*stdev = cmd.mock_domain_flags.out_stdev_id;
		if (hwpt)
			*hwpt = cmd.mock_domain_flags.out_hwpt_id;
		if (idev)
			*idev = cmd.mock_domain_flags.out_idev_id;
	}
	return ret;
}

/* IOMMU_TEST_OP_MOCK_DOMAIN: as above through the flag-less op. */
static inline int mock_domain(int fd, uint32_t pt_id, uint32_t *stdev, uint32_t *hwpt,
			      uint32_t *idev)
{
	struct iommu_test_cmd cmd;
	int ret;

	test_cmd_init(&cmd, IOMMU_TEST_OP_MOCK_DOMAIN, pt_id);
	ret = ioctl(fd, IOMMU_TEST_CMD, &cmd);
	if (!ret) {
		if (stdev)
			*stdev = cmd.mock_domain.out_stdev_id;
		if (hwpt)
			*hwpt = cmd.mock_domain.out_hwpt_id;
		if (idev)
			*idev = cmd.mock_domain.out_idev_id;
	}
	return ret;
}

/* IOMMU_TEST_OP_MOCK_DOMAIN_REPLACE: *pt_id in, the HWPT attached out. */
static inline int mock_domain_replace(int fd, uint32_t stdev, uint32_t *pt_id)
{
	struct iommu_test_cmd cmd;
	int ret;

	test_cmd_init(&cmd, IOMMU_TEST_OP_MOCK_DOMAIN_REPLACE, stdev);
	cmd.mock_domain_replace.pt_id = *pt_id;
	ret = ioctl(fd, IOMMU_TEST_CMD, &cmd);
	if (!ret)
		*pt_id = cmd.mock_domain_replace.pt_id;
	return ret;
}

/* IOMMU_TEST_OP_MD_CHECK_MAP: the HWPT maps [iova, iova + len) to exactly @buf. */
static inline int md_check_map(int fd, uint32_t hwpt, uint64_t iova, const void *buf,
			       uint64_t len)
{
	struct iommu_test_cmd cmd;

	test_cmd_init(&cmd, IOMMU_TEST_OP_MD_CHECK_MAP, hwpt);
	cmd.check_map.iova = iova;
	cmd.check_map.length = len;
	cmd.check_map.uptr = (uintptr_t)buf;
	return ioctl(fd, IOMMU_TEST_CMD, &cmd);
}

/* IOMMU_TEST_OP_MD_CHECK_REFS: every page of @buf is pinned exactly @refs times. */
static inline int md_check_refs(int fd, const void *buf, uint64_t len, uint32_t refs)
{
	struct iommu_test_cmd cmd;

	test_cmd_init(&cmd, IOMMU_TEST_OP_MD_CHECK_REFS, 0);
	cmd.check_refs.length = len;
	cmd.check_refs.uptr = (uintptr_t)buf;
	cmd.check_refs.refs = refs;
	return ioctl(fd, IOMMU_TEST_CMD, &cmd);
}

/* IOMMU_TEST_OP_DEV_CHECK_CACHE: cache[@id] of device @idev equals @cache. */
static inline int dev_check_cache(int fd, uint32_t idev, uint32_t id, uint32_t cache)
{
	struct iommu_test_cmd cmd;

	test_cmd_init(&cmd, IOMMU_TEST_OP_DEV_CHECK_CACHE, idev);
	cmd.check_dev_cache.id = id;
	cmd.check_dev_cache.cache = cache;
	return ioctl(fd, IOMMU_TEST_CMD, &cmd);
}

/*
 * IOMMU_TEST_OP_DIRTY: mark the leaf at iova + i * page_size dirty for every
 * set bit i of @bitmap; *nr_dirty (may be NULL) receives out_nr_dirty.
 */
static inline int mock_dirty(int fd, uint32_t hwpt, uint64_t iova, uint64_t len,
			     uint64_t page_size, const void *bitmap, uint64_t *nr_dirty)
{
	struct iommu_test_cmd cmd;
	int ret;

	test_cmd_init(&cmd, IOMMU_TEST_OP_DIRTY, hwpt);
	cmd.dirty.iova = iova;
	cmd.dirty.length = len;
	cmd.dirty.page_size = page_size;
	cmd.dirty.uptr = (uintptr_t)bitmap;
	ret = ioctl(fd, IOMMU_TEST_CMD, &cmd);
	if (!ret && nr_dirty)
		*nr_dirty = cmd.dirty.out_nr_dirty;
	return ret;
}

/* IOMMU_HWPT_ALLOC with optional driver data; *out receives out_hwpt_id. */
static inline int hwpt_alloc_data(int fd, uint32_t dev, uint32_t pt, uint32_t flags,
				  uint32_t data_type, const void *data, uint32_t data_len,
				  uint32_t *out)
{
	struct iommu_hwpt_alloc cmd = {
		.size = sizeof(cmd),
		.flags = flags,
		.dev_id = dev,
		.pt_id = pt,
		.data_type = data_type,
		.data_len = data_len,
		.data_uptr = (uintptr_t)data,
	};
	int ret = ioctl(fd, IOMMU_HWPT_ALLOC, &cmd);

	if (!ret && out)
		*out = cmd.out_hwpt_id;
	return ret;
}

/* A paging HWPT without driver data. */
static inline int hwpt_alloc_simple(int fd, uint32_t dev, uint32_t pt, uint32_t flags,
				    uint32_t *out)
{
	return hwpt_alloc_data(fd, dev, pt, flags, IOMMU_HWPT_DATA_NONE, NULL, 0, out);
}

/* A paging HWPT of mock page-table flavour @pt_type (MOCK_IOMMUPT_*). */
static inline int hwpt_alloc_mock_pt(int fd, uint32_t dev, uint32_t pt, uint32_t flags,
				     uint32_t pt_type, uint32_t *out)
{
	struct iommu_hwpt_selftest data = { .pagetable_type = pt_type };

	return hwpt_alloc_data(fd, dev, pt, flags, IOMMU_HWPT_DATA_SELFTEST, &data, sizeof(data),
			       out);
}

static inline int hwpt_set_dirty_tracking(int fd, uint32_t hwpt, int enable)
{
	struct iommu_hwpt_set_dirty_tracking cmd = {
		.size = sizeof(cmd),
		.flags = enable ? IOMMU_HWPT_DIRTY_TRACKING_ENABLE : 0,
		.hwpt_id = hwpt,
	};

	return ioctl(fd, IOMMU_HWPT_SET_DIRTY_TRACKING, &cmd);
}

static inline int hwpt_get_dirty_bitmap(int fd, uint32_t hwpt, uint64_t iova, uint64_t len,
					uint64_t page_size, void *bitmap, uint32_t flags)
{
	struct iommu_hwpt_get_dirty_bitmap cmd = {
		.size = sizeof(cmd),
		.hwpt_id = hwpt,
		.flags = flags,
		.iova = iova,
		.length = len,
		.page_size = page_size,
		.data = (uintptr_t)bitmap,
	};

	return ioctl(fd, IOMMU_HWPT_GET_DIRTY_BITMAP, &cmd);
}

/*
 * IOMMU_GET_HW_INFO with the default type: *data_len in = buffer size, out =
 * the driver's length; type/caps/pasid_log2 (each may be NULL) receive the
 * outputs.
 */
static inline int get_hw_info(int fd, uint32_t dev, void *data, uint32_t *data_len,
			      uint32_t *type, uint64_t *caps, uint8_t *pasid_log2)
{
	struct iommu_hw_info cmd = {
		.size = sizeof(cmd),
		.dev_id = dev,
		.data_len = data_len ? *data_len : 0,
		.data_uptr = (uintptr_t)data,
	};
	int ret = ioctl(fd, IOMMU_GET_HW_INFO, &cmd);

	if (!ret) {
		if (data_len)
			*data_len = cmd.data_len;
		if (type)
			*type = cmd.out_data_type;
		if (caps)
			*caps = cmd.out_capabilities;
		if (pasid_log2)
			*pasid_log2 = cmd.out_max_pasid_log2;
	}
	return ret;
}

/* The single usable IOVA range of @ioas and its alignment; -1 if not exactly one. */
static inline int ioas_single_range(int fd, uint32_t ioas, struct iommu_iova_range *r,
				    uint64_t *align)
{
	struct iommu_iova_range rs[4];
	uint32_t n = 4;

	memset(rs, 0, sizeof(rs));
	if (ioas_iova_ranges(fd, ioas, rs, &n, align) || n != 1)
		return -1;
	*r = rs[0];
	return 0;
}

#endif /* SIO_TEST_IOMMUFD_HELPERS_H */
