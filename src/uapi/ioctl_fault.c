/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IOMMU_FAULT_QUEUE_ALLOC and the fault fd (spec iommufd-abi §4.15, §7).
 *
 * The fd is a pollable emulated file ("[iommufd-pgfault]", always
 * writable, readable while undelivered groups exist). It holds a users
 * reference on the FAULT object (IOMMU_DESTROY: EBUSY while it is open)
 * and a reference on the context, which therefore outlives the close of
 * /dev/iommu until the fd is closed too, as Linux's fault fd holds its
 * iommufd file. Closing it completes every outstanding group with INVALID.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <softiommu/uapi/iommufd.h>

#include "base/compiler.h"
#include "core/ctx.h"
#include "core/fault.h"
#include "uapi/file.h"
#include "uapi/ucmd.h"

struct fault_file {
	struct sio_ctx *ctx;
	struct sio_fault_queue *fq;
};

static void fault_notify(void *arg, bool ready)
{
	sio_file_set_ready(arg, ready);
}

static ssize_t fault_read(struct sio_file *file, void *buf, size_t count)
{
	struct fault_file *ff = file->priv;

	return sio_fault_queue_read(ff->fq, (uintptr_t)buf, count);
}

static ssize_t fault_write(struct sio_file *file, const void *buf, size_t count)
{
	struct fault_file *ff = file->priv;

	return sio_fault_queue_write(ff->fq, (uintptr_t)buf, count);
}

static void fault_release(struct sio_file *file)
{
	struct fault_file *ff = file->priv;

	sio_fault_queue_reader_gone(ff->fq);
	/* The object may be destroyed as soon as this reference goes. */
	sio_object_users_put(sio_fault_queue_obj(ff->fq));
	sio_ctx_put(ff->ctx);
	free(ff);
}

static const struct sio_file_ops fault_file_ops = {
	.name = "[iommufd-pgfault]",
	/* An anonymous inode in Linux. */
	.mode = S_IFREG | 0600,
	.read = fault_read,
	.write = fault_write,
	.release = fault_release,
};

int sio_fault_fd_get(int fd, struct sio_file **file, struct sio_fault_queue **fq)
{
	int rc;

	rc = sio_file_get(fd, file);
	if (rc)
		return rc;
	if ((*file)->ops != &fault_file_ops)
		rc = -EINVAL;
	else if ((*file)->path_only)
		rc = -EBADF;
	if (rc) {
		sio_file_put(*file);
		return rc;
	}
	*fq = ((struct fault_file *)(*file)->priv)->fq;
	return 0;
}

int sio_ioctl_fault_queue_alloc(struct sio_ucmd *ucmd)
{
	struct iommu_fault_alloc *cmd = ucmd->cmd;
	struct sio_fault_queue *fq;
	struct sio_file *file;
	struct fault_file *ff;
	int fd, rc;

	if (cmd->flags)
		return -EOPNOTSUPP;
	ff = calloc(1, sizeof(*ff));
	if (!ff)
		return -ENOMEM;
	rc = sio_fault_queue_alloc(ucmd->ctx, &fq);
	if (rc)
		goto err_free;
	ucmd->new_obj = sio_fault_queue_obj(fq);
	ff->ctx = ucmd->ctx;
	ff->fq = fq;
	sio_ctx_get(ff->ctx);
	sio_object_users_get(sio_fault_queue_obj(fq));
	fd = sio_file_install_pollable_ref(&fault_file_ops, ff, O_RDWR | O_CLOEXEC, &file);
	if (fd < 0) {
		rc = fd;
		goto err_put;
	}
	/* Before the reference goes: release (reader_gone) then comes after it. */
	sio_fault_queue_set_reader(fq, fault_notify, file);
	sio_file_put(file);
	cmd->out_fault_id = ucmd->new_obj->id;
	cmd->out_fault_fd = (uint32_t)fd;
	rc = sio_ucmd_respond(ucmd, sizeof(*cmd));
	/* Closing the fd releases its references; the dispatcher aborts the object. */
	if (rc)
		sio_fdt_close(fd);
	return rc;

err_put:
	sio_object_users_put(sio_fault_queue_obj(fq));
	sio_ctx_put(ff->ctx);
err_free:
	free(ff);
	return rc;
}
