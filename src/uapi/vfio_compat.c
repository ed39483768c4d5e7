/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Commands outside the iommufd table. Linux hands them to its VFIO type1
 * compatibility code; softiommu does not provide that compatibility yet, so
 * every such number answers ENOTTY, the kernel's answer for a command it
 * does not know.
 */
#include <errno.h>

#include "uapi/ucmd.h"

long sio_vfio_compat_ioctl(struct sio_ctx *ctx, unsigned int cmd, uint64_t arg)
{
	return -ENOTTY;
}
