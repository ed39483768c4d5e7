/* SPDX-License-Identifier: BSD-3-Clause */
/* The exported C API (include/softiommu/softiommu.h): errno-style wrappers. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/sysmacros.h>

#include <softiommu/softiommu.h>

#include "base/compiler.h"
#include "base/sys.h"
#include "base/uaccess.h"
#include "sio_config.h"
#include "uapi/file.h"
#include "uapi/mmap_region.h"
#include "uapi/nodes.h"

static int set_errno(int neg)
{
	errno = -neg;
	return -1;
}

SIO_EXPORT const char *sio_version(void)
{
	return SIO_VERSION;
}

/*
 * Copy a caller's path (bad memory: -EFAULT, too long: -ENAMETOOLONG) and
 * normalise it lexically against the current directory.
 */
int sio_normalise_path(const char *upath, char *out, size_t out_size)
{
	char raw[PATH_MAX];
	size_t len = 0, o = 0;
	const char *p;

	for (;;) {
		if (len == sizeof(raw))
			return -ENAMETOOLONG;
		if (sio_copy_from_user(&raw[len], (uint64_t)(uintptr_t)upath + len, 1))
			return -EFAULT;
		if (!raw[len])
			break;
		len++;
	}
	if (!len)
		return -ENOENT;
	if (raw[0] != '/') {
		if (!getcwd(out, out_size))
			return -ENAMETOOLONG;
		o = strlen(out);
	}
	for (p = raw; *p;) {
		const char *seg;
		size_t n;

		while (*p == '/')
			p++;
		seg = p;
		while (*p && *p != '/')
			p++;
		n = (size_t)(p - seg);
		if (n == 0 || (n == 1 && seg[0] == '.'))
			continue;
		if (n == 2 && seg[0] == '.' && seg[1] == '.') {
			while (o > 0 && out[o - 1] != '/')
				o--;
			if (o > 0)
				o--;
			continue;
		}
		if (o + 1 + n + 1 > out_size)
			return -ENAMETOOLONG;
		if (o == 0 || out[o - 1] != '/')
			out[o++] = '/';
		memcpy(out + o, seg, n);
		o += n;
	}
	if (o == 0)
		out[o++] = '/';
	out[o] = '\0';
	return 0;
}

/* What an emulated path names: a fixed node, or the VFIO cdev of a function. */
struct node_ref {
	const struct sio_node *node;	/* NULL: the cdev of function @vfio_index */
	int vfio_index;
};

static int node_of(const char *path, struct node_ref *ref)
{
	char norm[PATH_MAX];
	int err;

	err = sio_normalise_path(path, norm, sizeof(norm));
	if (err)
		return err;
	ref->node = sio_node_by_path(norm);
	if (ref->node)
		return 0;
	ref->vfio_index = sio_vfio_dev_index_by_path(norm);
	return ref->vfio_index < 0 ? -ENOENT : 0;
}

SIO_EXPORT int sio_path_is_emulated(const char *path)
{
	struct node_ref ref;
	int saved = errno, err;

	err = node_of(path, &ref);
	errno = saved;
	return !err;
}

SIO_EXPORT int sio_open(const char *path, int flags)
{
	struct node_ref ref;
	int err, fd;

	sio_uaccess_reassert();
	err = node_of(path, &ref);
	if (err)
		return set_errno(err);
	if (flags & O_DIRECTORY)
		return set_errno(-ENOTDIR);
	if ((flags & (O_CREAT | O_EXCL)) == (O_CREAT | O_EXCL))
		return set_errno(-EEXIST);
	if (ref.node)
		fd = ref.node->open(ref.node, flags);
	else
		fd = sio_vfio_dev_open((unsigned int)ref.vfio_index, flags);
	return fd < 0 ? set_errno(fd) : fd;
}

SIO_EXPORT int sio_fd_is_emulated(int fd)
{
	return sio_fdt_is_emulated(fd);
}

SIO_EXPORT int sio_fd_next_emulated(int from)
{
	return sio_fdt_next(from);
}

SIO_EXPORT int sio_fd_adopt(int fd)
{
	int rc = sio_fdt_adopt(fd);

	return rc < 0 ? set_errno(rc) : rc;
}

/* A file reference for an operation other than close; -EBADF for O_PATH fds. */
static int get_for_io(int fd, struct sio_file **file)
{
	int rc = sio_file_get(fd, file);

	if (rc)
		return rc;
	if ((*file)->path_only) {
		sio_file_put(*file);
		return -EBADF;
	}
	return 0;
}

SIO_EXPORT int sio_ioctl(int fd, unsigned long cmd, void *arg)
{
	struct sio_file *file;
	long rc;

	rc = get_for_io(fd, &file);
	if (rc)
		return set_errno((int)rc);
	/* The kernel's ioctl takes a 32-bit command. */
	rc = file->ops->ioctl ? file->ops->ioctl(file, (unsigned int)cmd, (uintptr_t)arg) : -ENOTTY;
	sio_file_put(file);
	if (rc < 0)
		return set_errno((int)rc);
	return (int)rc;
}

SIO_EXPORT ssize_t sio_read(int fd, void *buf, size_t count)
{
	struct sio_file *file;
	ssize_t rc;

	rc = get_for_io(fd, &file);
	if (rc)
		return set_errno((int)rc);
	rc = file->ops->read ? file->ops->read(file, buf, count) : -EINVAL;
	sio_file_put(file);
	return rc < 0 ? set_errno((int)rc) : rc;
}

SIO_EXPORT ssize_t sio_write(int fd, const void *buf, size_t count)
{
	struct sio_file *file;
	ssize_t rc;

	rc = get_for_io(fd, &file);
	if (rc)
		return set_errno((int)rc);
	rc = file->ops->write ? file->ops->write(file, buf, count) : -EINVAL;
	sio_file_put(file);
	return rc < 0 ? set_errno((int)rc) : rc;
}

SIO_EXPORT void *sio_mmap(void *addr, size_t length, int prot, int flags, int fd, off_t offset)
{
	struct sio_file *file;
	void *map = NULL;
	int err;

	err = get_for_io(fd, &file);
	if (err) {
		set_errno(err);
		return MAP_FAILED;
	}
	if (file->ops->mmap)
		map = file->ops->mmap(file, addr, length, prot, flags, offset, &err);
	else
		err = -ENODEV;
	sio_file_put(file);
	if (!map) {
		set_errno(err);
		return MAP_FAILED;
	}
	return map;
}

SIO_EXPORT int sio_munmap(void *addr, size_t length)
{
	/* Mappings of iommufd regions drop their references once fully unmapped. */
	return sio_mmap_region_munmap(addr, length);
}

SIO_EXPORT int sio_close(int fd)
{
	int rc;

	sio_uaccess_reassert();
	rc = sio_fdt_close(fd);

	return rc ? set_errno(rc) : 0;
}

SIO_EXPORT int sio_dup(int oldfd)
{
	int rc = sio_fdt_dup(oldfd, 0, 0, true, F_DUPFD);

	return rc < 0 ? set_errno(rc) : rc;
}

SIO_EXPORT int sio_dup3(int oldfd, int newfd, int flags)
{
	int rc;

	if (oldfd == newfd)
		return set_errno(-EINVAL);
	rc = sio_fdt_dup(oldfd, newfd, flags, false, 0);
	return rc < 0 ? set_errno(rc) : rc;
}

SIO_EXPORT int sio_fcntl_dupfd(int oldfd, int cmd, int minfd)
{
	int rc;

	if (cmd != F_DUPFD && cmd != F_DUPFD_CLOEXEC)
		return set_errno(-EINVAL);
	rc = sio_fdt_dup(oldfd, minfd, 0, true, cmd);
	return rc < 0 ? set_errno(rc) : rc;
}

SIO_EXPORT int sio_fd_forget(int fd)
{
	int rc = sio_fdt_forget(fd);

	return rc ? set_errno(rc) : 0;
}

SIO_EXPORT int sio_fstat(int fd, struct stat *st)
{
	struct sio_file *file;
	struct stat tmp;
	int rc;

	/* stat works on a foreign fd too: only the node type is needed. */
	rc = sio_file_get_any(fd, &file);
	if (rc)
		return set_errno(rc);
	sio_node_stat(file->ops, 0, file->rdev, &tmp);
	sio_file_put(file);
	if (sio_copy_to_user((uintptr_t)st, &tmp, sizeof(tmp)))
		return set_errno(-EFAULT);
	return 0;
}

SIO_EXPORT int sio_stat_path(const char *path, struct stat *st)
{
	struct node_ref ref;
	struct stat tmp;
	int err;

	err = node_of(path, &ref);
	if (err)
		return set_errno(err);
	if (ref.node)
		sio_node_stat(ref.node->ops, ref.node->ino, ref.node->ops->rdev, &tmp);
	else
		sio_node_stat(&sio_vfio_dev_file_ops, SIO_VFIO_DEV_INO(ref.vfio_index),
			      makedev(SIO_VFIO_DEV_MAJOR, (unsigned int)ref.vfio_index), &tmp);
	if (sio_copy_to_user((uintptr_t)st, &tmp, sizeof(tmp)))
		return set_errno(-EFAULT);
	return 0;
}
