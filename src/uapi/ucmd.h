/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * One iommufd ioctl in flight: the caller's buffer, its declared size and
 * softiommu's copy of the struct. Handlers read the copy, call the core, and
 * answer through sio_ucmd_respond(). An object a handler allocates is put in
 * @new_obj; the dispatcher finalizes it on success and aborts it on failure.
 */
#ifndef SIO_UAPI_UCMD_H
#define SIO_UAPI_UCMD_H

#include <stddef.h>
#include <stdint.h>

#include "core/ctx.h"

struct sio_ucmd {
	struct sio_ctx *ctx;
	uint64_t ubuffer;	/* caller's struct */
	uint32_t user_size;	/* its leading size field */
	void *cmd;		/* softiommu's zero-extended copy */
	struct sio_object *new_obj;
};

/* Copy min(user_size, @len) bytes of the command back to the caller: 0 or -EFAULT. */
int sio_ucmd_respond(struct sio_ucmd *ucmd, size_t len);

/*
 * The ioctl entry point of an iommufd context. @cmd is the 32-bit request
 * (the kernel ignores the upper bits of the syscall argument).
 * Return: >= 0, or a negative errno.
 */
long sio_iommufd_ioctl(struct sio_ctx *ctx, unsigned int cmd, uint64_t arg);

/* Handlers, one per command. Return 0 or a negative errno. */
int sio_ioctl_destroy(struct sio_ucmd *ucmd);
int sio_ioctl_ioas_alloc(struct sio_ucmd *ucmd);
int sio_ioctl_ioas_allow_iovas(struct sio_ucmd *ucmd);
int sio_ioctl_ioas_copy(struct sio_ucmd *ucmd);
int sio_ioctl_ioas_iova_ranges(struct sio_ucmd *ucmd);
int sio_ioctl_ioas_map(struct sio_ucmd *ucmd);
int sio_ioctl_ioas_map_file(struct sio_ucmd *ucmd);
int sio_ioctl_ioas_unmap(struct sio_ucmd *ucmd);
int sio_ioctl_ioas_change_process(struct sio_ucmd *ucmd);
int sio_ioctl_option(struct sio_ucmd *ucmd);
int sio_ioctl_vfio_ioas(struct sio_ucmd *ucmd);
int sio_ioctl_hwpt_alloc(struct sio_ucmd *ucmd);
int sio_ioctl_get_hw_info(struct sio_ucmd *ucmd);
int sio_ioctl_hwpt_set_dirty_tracking(struct sio_ucmd *ucmd);
int sio_ioctl_hwpt_get_dirty_bitmap(struct sio_ucmd *ucmd);
int sio_ioctl_hwpt_invalidate(struct sio_ucmd *ucmd);
int sio_ioctl_fault_queue_alloc(struct sio_ucmd *ucmd);
int sio_ioctl_viommu_alloc(struct sio_ucmd *ucmd);
int sio_ioctl_vdevice_alloc(struct sio_ucmd *ucmd);
int sio_ioctl_hw_queue_alloc(struct sio_ucmd *ucmd);
int sio_ioctl_test_cmd(struct sio_ucmd *ucmd);

/* VFIO type1 compatibility on the iommufd fd (numbers outside the table). */
long sio_vfio_compat_ioctl(struct sio_ctx *ctx, unsigned int cmd, uint64_t arg);

#endif /* SIO_UAPI_UCMD_H */
