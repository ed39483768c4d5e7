/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IOMMU_VEVENTQ_ALLOC with Linux's order of checks (spec iommufd-abi
 * §4.20), and the fd it returns, "[iommufd-viommu-event]" (§8): read()
 * gives whole records (core/veventq.h), write() is EINVAL, there is no
 * ioctl or mmap; poll() reports EPOLLIN | EPOLLRDNORM while the queue is
 * not empty and never EPOLLOUT (a pollable file of the poll_no_out kind,
 * whose readiness the queue's notify callback sets).
 *
 * Linux accepts any type but DEFAULT on any vIOMMU: a queue of a type the
 * vIOMMU never reports stays empty. softiommu does the same.
 *
 * The file holds a users reference on the VEVENTQ (IOMMU_DESTROY of it is
 * EBUSY while the fd is open) and a reference on the context, which
 * therefore outlives the close of /dev/iommu until the fd is closed too.
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>

#include <softiommu/uapi/iommufd.h>

#include "core/veventq.h"
#include "core/viommu.h"
#include "uapi/file.h"
#include "uapi/ucmd.h"

static ssize_t veventq_file_read(struct sio_file *file, void *buf, size_t count)
{
	return sio_veventq_read(file->priv, (uintptr_t)buf, count);
}

/* The queue's notify callback: q->lock held. */
static void veventq_file_ready(void *arg, bool ready)
{
	sio_file_set_ready(arg, ready);
}

static void veventq_file_release(struct sio_file *file)
{
	struct sio_veventq *q = file->priv;
	struct sio_ctx *ctx = q->obj.ctx;

	/* The queue outlives the file: it must not signal it any more. */
	sio_veventq_set_notify(q, NULL, NULL);
	sio_object_users_put(&q->obj);
	/* May be the context's last reference: it then destroys the queue too. */
	sio_ctx_put(ctx);
}

static const struct sio_file_ops veventq_file_ops = {
	.name = "[iommufd-viommu-event]",
	/* An anonymous inode in Linux. */
	.mode = S_IFREG | 0600,
	.read = veventq_file_read,
	.release = veventq_file_release,
	.poll_no_out = true,
};

/*
 * Point the queue's readiness at the file of @fd. Only a user closing the
 * fd before its number is even returned can make the lookup miss; the file
 * is then released already and has nothing to signal.
 */
static void veventq_file_connect(struct sio_veventq *q, int fd)
{
	struct sio_file *file;

	if (sio_file_get(fd, &file))
		return;
	if (file->ops == &veventq_file_ops && file->priv == q)
		sio_veventq_set_notify(q, veventq_file_ready, file);
	sio_file_put(file);
}

int sio_ioctl_veventq_alloc(struct sio_ucmd *ucmd)
{
	struct iommu_veventq_alloc *cmd = ucmd->cmd;
	struct sio_viommu *viommu;
	struct sio_veventq *q;
	int fd, rc;

	if (cmd->flags || cmd->__reserved || cmd->type == IOMMU_VEVENTQ_TYPE_DEFAULT)
		return -EOPNOTSUPP;
	if (!cmd->veventq_depth || cmd->veventq_depth > SIO_VEVENTQ_DEPTH_MAX)
		return -EINVAL;
	viommu = sio_viommu_get(ucmd->ctx, cmd->viommu_id);
	if (!viommu)
		return -ENOENT;
	rc = sio_veventq_alloc(ucmd->ctx, viommu, cmd->type, cmd->veventq_depth, &q);
	if (rc)
		goto out_put;
	ucmd->new_obj = &q->obj;

	/* The file's references; its release drops them. */
	sio_object_users_get(&q->obj);
	sio_ctx_get(ucmd->ctx);
	fd = sio_file_install_pollable(&veventq_file_ops, q, O_CLOEXEC);
	if (fd < 0) {
		sio_object_users_put(&q->obj);
		sio_ctx_put(ucmd->ctx);
		rc = fd;
		goto out_put;
	}
	veventq_file_connect(q, fd);
	cmd->out_veventq_id = q->obj.id;
	cmd->out_veventq_fd = (uint32_t)fd;
	rc = sio_ucmd_respond(ucmd, sizeof(*cmd));
	/* The caller never learns of the fd: closing it drops its references. */
	if (rc)
		sio_fdt_close(fd);
out_put:
	sio_viommu_put(viommu);
	return rc;
}
