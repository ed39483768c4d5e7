/* SPDX-License-Identifier: BSD-3-Clause */
/* IOMMU_DESTROY, IOMMU_OPTION and IOMMU_VFIO_IOAS. */
#include <errno.h>
#include <linux/capability.h>

#include <softiommu/uapi/iommufd.h>

#include "base/compiler.h"
#include "base/uaccess.h"
#include "core/account.h"
#include "core/ioas.h"
#include "uapi/ucmd.h"

int sio_ioctl_destroy(struct sio_ucmd *ucmd)
{
	struct iommu_destroy *cmd = ucmd->cmd;

	return sio_object_destroy_user(ucmd->ctx, cmd->id);
}

static int option_rlimit_mode(struct iommu_option *cmd, struct sio_ctx *ctx)
{
	int rc = 0;

	if (cmd->object_id)
		return -EOPNOTSUPP;
	if (cmd->op == IOMMU_OPTION_OP_GET) {
		pthread_mutex_lock(&ctx->lock);
		cmd->val64 = ctx->account_mode == SIO_ACCOUNT_MM;
		pthread_mutex_unlock(&ctx->lock);
		return 0;
	}
	if (cmd->op != IOMMU_OPTION_OP_SET)
		return -EOPNOTSUPP;
	if (!sio_capable(CAP_SYS_RESOURCE))
		return -EPERM;
	pthread_mutex_lock(&ctx->lock);
	if (ctx->objects.count)
		rc = -EBUSY;
	else if (cmd->val64 == 0)
		ctx->account_mode = SIO_ACCOUNT_USER;
	else if (cmd->val64 == 1)
		ctx->account_mode = SIO_ACCOUNT_MM;
	else
		rc = -EINVAL;
	pthread_mutex_unlock(&ctx->lock);
	return rc;
}

static int option_huge_pages(struct iommu_option *cmd, struct sio_ctx *ctx)
{
	struct sio_ioas *ioas;
	int rc = 0;

	ioas = sio_ioas_get(ctx, cmd->object_id);
	if (!ioas)
		return -ENOENT;
	if (cmd->op == IOMMU_OPTION_OP_GET)
		cmd->val64 = sio_iopt_large_pages(&ioas->iopt);
	else if (cmd->op != IOMMU_OPTION_OP_SET)
		rc = -EOPNOTSUPP;
	else if (cmd->val64 == 0 || cmd->val64 == 1)
		rc = sio_iopt_set_large_pages(&ioas->iopt, cmd->val64);
	else
		rc = -EINVAL;
	sio_ioas_put(ioas);
	return rc;
}

int sio_ioctl_option(struct sio_ucmd *ucmd)
{
	struct iommu_option *cmd = ucmd->cmd;
	int rc;

	if (cmd->__reserved)
		return -EOPNOTSUPP;
	switch (cmd->option_id) {
	case IOMMU_OPTION_RLIMIT_MODE:
		rc = option_rlimit_mode(cmd, ucmd->ctx);
		break;
	case IOMMU_OPTION_HUGE_PAGES:
		rc = option_huge_pages(cmd, ucmd->ctx);
		break;
	default:
		return -EOPNOTSUPP;
	}
	if (rc)
		return rc;
	/* Only val64 is written back, for GET and SET alike. */
	return sio_copy_to_user(ucmd->ubuffer + offsetof(struct iommu_option, val64), &cmd->val64,
				sizeof(cmd->val64));
}

int sio_ioctl_vfio_ioas(struct sio_ucmd *ucmd)
{
	struct iommu_vfio_ioas *cmd = ucmd->cmd;
	struct sio_ioas *ioas;
	int rc;

	if (cmd->__reserved)
		return -EOPNOTSUPP;
	switch (cmd->op) {
	case IOMMU_VFIO_IOAS_GET:
		ioas = sio_ctx_get_vfio_ioas(ucmd->ctx);
		if (!ioas)
			return -ENODEV;
		cmd->ioas_id = ioas->obj.id;
		sio_ioas_put(ioas);
		return sio_ucmd_respond(ucmd, sizeof(*cmd));
	case IOMMU_VFIO_IOAS_SET:
		ioas = sio_ioas_get(ucmd->ctx, cmd->ioas_id);
		if (!ioas)
			return -ENOENT;
		rc = sio_ctx_set_vfio_ioas(ucmd->ctx, ioas);
		sio_ioas_put(ioas);
		return rc;
	case IOMMU_VFIO_IOAS_CLEAR:
		sio_ctx_set_vfio_ioas(ucmd->ctx, NULL);
		return 0;
	default:
		return -EOPNOTSUPP;
	}
}
