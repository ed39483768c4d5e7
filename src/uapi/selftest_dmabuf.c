/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The selftest's dma-buf exporter (spec iommufd-testops §4.22, §4.23).
 * DMABUF_GET hands out an emulated fd whose backing memfd is the buffer's
 * memory: softiommu keeps its own reference to it (dmabuf->memfd), which
 * pages made by IOAS_MAP_FILE map as their "physical" memory, and which
 * mmap() of the fd maps too, so a test can compare both. The buffer lives
 * until the last fd closes and the last area mapping it is unmapped.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <softiommu/uapi/iommufd_test.h>

#include "base/sys.h"
#include "core/dmabuf.h"
#include "core/pages.h"
#include "uapi/file.h"
#include "uapi/selftest.h"

#define DMABUF_MAX_PAGES 512

static void dmabuf_release(struct sio_file *file)
{
	sio_dmabuf_put(file->priv);
}

static void *dmabuf_mmap(struct sio_file *file, void *addr, size_t length, int prot, int flags,
			 off_t offset, int *err)
{
	struct sio_dmabuf *dmabuf = file->priv;
	void *map;

	map = sio_sys_mmap(addr, length, prot, flags, dmabuf->memfd, offset);
	if (map == MAP_FAILED) {
		*err = -errno;
		return NULL;
	}
	return map;
}

static const struct sio_file_ops dmabuf_file_ops = {
	.name = "softiommu:dmabuf",
	/* An anonymous inode, as "dmabuf:" files are in Linux. */
	.mode = S_IFREG | 0600,
	.mmap = dmabuf_mmap,
	.release = dmabuf_release,
};

struct sio_dmabuf *sio_test_dmabuf_of(struct sio_file *file)
{
	return file->ops == &dmabuf_file_ops ? file->priv : NULL;
}

int sio_test_dmabuf_get(struct sio_ucmd *ucmd, struct iommu_test_cmd *cmd)
{
	uint64_t ps = sio_page_size();
	uint64_t size = ((uint64_t)cmd->dmabuf_get.length + ps - 1) / ps * ps;
	struct sio_dmabuf *dmabuf;
	int fd, rc;

	if (!size || size / ps > DMABUF_MAX_PAGES)
		return -EINVAL;
	rc = sio_dmabuf_alloc(size, &dmabuf);
	if (rc)
		return rc;
	fd = sio_file_install(&dmabuf_file_ops, dmabuf, (int)cmd->dmabuf_get.open_flags & O_CLOEXEC);
	if (fd < 0) {
		sio_dmabuf_put(dmabuf);
		return fd;
	}
	/* From here the file owns the buffer: closing the fd releases it. */
	if (sio_sys_ftruncate(fd, (off_t)size)) {
		rc = errno == ENOMEM || errno == ENOSPC ? -ENOMEM : -EINVAL;
		goto err_close;
	}
	dmabuf->memfd = sio_sys_fcntl(fd, F_DUPFD_CLOEXEC, 0);
	if (dmabuf->memfd < 0) {
		rc = -EMFILE;
		goto err_close;
	}
	return fd;

err_close:
	sio_fdt_close(fd);
	return rc;
}

int sio_test_dmabuf_revoke(struct sio_ucmd *ucmd, struct iommu_test_cmd *cmd)
{
	int fd = cmd->dmabuf_revoke.dmabuf_fd;
	struct sio_dmabuf *dmabuf;
	struct sio_file *file;
	int rc;

	/*
	 * dma_buf_get(): EBADF for no open file, EINVAL for a file that is not
	 * a dma-buf. Another exporter's dma-buf (EOPNOTSUPP) cannot exist here.
	 */
	rc = sio_file_get(fd, &file);
	if (rc == -EBADF)
		return sio_sys_fcntl(fd, F_GETFD, 0) < 0 ? -EBADF : -EINVAL;
	if (rc)
		return rc;
	dmabuf = sio_test_dmabuf_of(file);
	if (!dmabuf)
		rc = -EINVAL;
	else
		rc = sio_dmabuf_set_revoked(dmabuf, cmd->dmabuf_revoke.revoked != 0);
	sio_file_put(file);
	return rc;
}
