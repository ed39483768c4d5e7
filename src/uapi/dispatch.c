/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The iommufd ioctl dispatcher, with Linux's order of checks:
 *  1. numbers outside the table go to the VFIO compatibility handler;
 *  2. the leading u32 size is read (bad pointer: EFAULT), before
 *  3. the full number is compared with the table slot (hole/wrong bits: ENOTTY);
 *  4. size below the frozen minimum: EINVAL;
 *  5. the struct is copied in, zero-extended when short; a longer struct must
 *     have an all-zero tail (E2BIG), which is checked before the copy;
 *  6. the handler runs; a new object is finalized on success, aborted on error.
 */
#include <errno.h>
#include <string.h>

#include <softiommu/uapi/iommufd.h>
#include <softiommu/uapi/iommufd_test.h>

#include "base/compiler.h"
#include "base/uaccess.h"
#include "uapi/ucmd.h"

union ucmd_buffer {
	struct iommu_destroy destroy;
	struct iommu_ioas_alloc ioas_alloc;
	struct iommu_ioas_allow_iovas allow_iovas;
	struct iommu_ioas_copy ioas_copy;
	struct iommu_ioas_iova_ranges iova_ranges;
	struct iommu_ioas_map map;
	struct iommu_ioas_unmap unmap;
	struct iommu_option option;
	struct iommu_vfio_ioas vfio_ioas;
	struct iommu_ioas_map_file map_file;
	struct iommu_ioas_change_process change_process;
	struct iommu_hwpt_alloc hwpt_alloc;
	struct iommu_hw_info hw_info;
	struct iommu_hwpt_set_dirty_tracking set_dirty_tracking;
	struct iommu_hwpt_get_dirty_bitmap get_dirty_bitmap;
	struct iommu_hwpt_invalidate invalidate;
	struct iommu_fault_alloc fault_alloc;
	struct iommu_viommu_alloc viommu_alloc;
	struct iommu_vdevice_alloc vdevice_alloc;
	struct iommu_hw_queue_alloc hw_queue_alloc;
	struct iommu_test_cmd test;
};

struct ioctl_op {
	unsigned int ioctl_num;		/* 0: a hole in the table */
	uint32_t size;
	uint32_t min_size;
	int (*execute)(struct sio_ucmd *ucmd);
};

#define IOCTL_OP(_ioctl, _fn, _struct, _last)					\
	[_IOC_NR(_ioctl) - IOMMUFD_CMD_BASE] = {				\
		.ioctl_num = _ioctl,						\
		.size = sizeof(_struct),					\
		.min_size = offsetofend(_struct, _last),			\
		.execute = _fn,							\
	}

/*
 * Indexes 0x00..0x15 are the production commands (0x80..0x95); 0x20 is
 * IOMMU_TEST_CMD, reachable only when the context enables the selftest
 * interface; 0x16..0x1f are holes.
 */
static const struct ioctl_op ioctl_ops[] = {
	IOCTL_OP(IOMMU_DESTROY, sio_ioctl_destroy, struct iommu_destroy, id),
	IOCTL_OP(IOMMU_IOAS_ALLOC, sio_ioctl_ioas_alloc, struct iommu_ioas_alloc, out_ioas_id),
	IOCTL_OP(IOMMU_IOAS_ALLOW_IOVAS, sio_ioctl_ioas_allow_iovas,
		 struct iommu_ioas_allow_iovas, allowed_iovas),
	IOCTL_OP(IOMMU_IOAS_COPY, sio_ioctl_ioas_copy, struct iommu_ioas_copy, src_iova),
	IOCTL_OP(IOMMU_IOAS_IOVA_RANGES, sio_ioctl_ioas_iova_ranges,
		 struct iommu_ioas_iova_ranges, out_iova_alignment),
	IOCTL_OP(IOMMU_IOAS_MAP, sio_ioctl_ioas_map, struct iommu_ioas_map, iova),
	IOCTL_OP(IOMMU_IOAS_UNMAP, sio_ioctl_ioas_unmap, struct iommu_ioas_unmap, length),
	IOCTL_OP(IOMMU_OPTION, sio_ioctl_option, struct iommu_option, val64),
	IOCTL_OP(IOMMU_VFIO_IOAS, sio_ioctl_vfio_ioas, struct iommu_vfio_ioas, __reserved),
	IOCTL_OP(IOMMU_HWPT_ALLOC, sio_ioctl_hwpt_alloc, struct iommu_hwpt_alloc, __reserved),
	IOCTL_OP(IOMMU_GET_HW_INFO, sio_ioctl_get_hw_info, struct iommu_hw_info, __reserved),
	IOCTL_OP(IOMMU_HWPT_SET_DIRTY_TRACKING, sio_ioctl_hwpt_set_dirty_tracking,
		 struct iommu_hwpt_set_dirty_tracking, __reserved),
	IOCTL_OP(IOMMU_HWPT_GET_DIRTY_BITMAP, sio_ioctl_hwpt_get_dirty_bitmap,
		 struct iommu_hwpt_get_dirty_bitmap, data),
	IOCTL_OP(IOMMU_HWPT_INVALIDATE, sio_ioctl_hwpt_invalidate, struct iommu_hwpt_invalidate,
		 __reserved),
	IOCTL_OP(IOMMU_FAULT_QUEUE_ALLOC, sio_ioctl_fault_queue_alloc, struct iommu_fault_alloc,
		 out_fault_fd),
	IOCTL_OP(IOMMU_IOAS_MAP_FILE, sio_ioctl_ioas_map_file, struct iommu_ioas_map_file, iova),
	IOCTL_OP(IOMMU_VIOMMU_ALLOC, sio_ioctl_viommu_alloc, struct iommu_viommu_alloc,
		 out_viommu_id),
	IOCTL_OP(IOMMU_VDEVICE_ALLOC, sio_ioctl_vdevice_alloc, struct iommu_vdevice_alloc,
		 virt_id),
	IOCTL_OP(IOMMU_IOAS_CHANGE_PROCESS, sio_ioctl_ioas_change_process,
		 struct iommu_ioas_change_process, __reserved),
	IOCTL_OP(IOMMU_HW_QUEUE_ALLOC, sio_ioctl_hw_queue_alloc, struct iommu_hw_queue_alloc,
		 length),
	IOCTL_OP(IOMMU_TEST_CMD, sio_ioctl_test_cmd, struct iommu_test_cmd, last),
};

/* Last production command; beyond it only the test command exists. */
#define LAST_PRODUCTION_NR 0x95

int sio_ucmd_respond(struct sio_ucmd *ucmd, size_t len)
{
	return sio_copy_to_user(ucmd->ubuffer, ucmd->cmd, sio_min((size_t)ucmd->user_size, len));
}

static size_t table_size(const struct sio_ctx *ctx)
{
	if (ctx->flags & SIO_CTX_SELFTEST)
		return ARRAY_SIZE(ioctl_ops);
	return LAST_PRODUCTION_NR - IOMMUFD_CMD_BASE + 1;
}

long sio_iommufd_ioctl(struct sio_ctx *ctx, unsigned int cmd, uint64_t arg)
{
	union ucmd_buffer buf;
	struct sio_ucmd ucmd = { .ctx = ctx, .ubuffer = arg, .cmd = &buf };
	const struct ioctl_op *op;
	unsigned int nr = _IOC_NR(cmd);
	int rc;

	if (nr < IOMMUFD_CMD_BASE || nr - IOMMUFD_CMD_BASE >= table_size(ctx))
		return sio_vfio_compat_ioctl(ctx, cmd, arg);

	if (sio_copy_from_user(&ucmd.user_size, arg, sizeof(ucmd.user_size)))
		return -EFAULT;
	op = &ioctl_ops[nr - IOMMUFD_CMD_BASE];
	if (!op->ioctl_num || op->ioctl_num != cmd)
		return -ENOTTY;
	if (ucmd.user_size < op->min_size)
		return -EINVAL;

	if (ucmd.user_size > op->size) {
		bool zero;

		if (sio_user_is_zero(arg + op->size, ucmd.user_size - op->size, &zero))
			return -EFAULT;
		if (!zero)
			return -E2BIG;
	}
	memset(&buf, 0, op->size);
	if (sio_copy_from_user(&buf, arg, sio_min(op->size, ucmd.user_size)))
		return -EFAULT;

	rc = op->execute(&ucmd);
	if (ucmd.new_obj) {
		if (rc)
			sio_object_abort(ucmd.new_obj);
		else
			sio_object_finalize(ucmd.new_obj);
	}
	return rc;
}
