/* SPDX-License-Identifier: BSD-3-Clause */
/* Sealed, zero-filled memfd regions (see memfd.h). */
#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>

#include "base/memfd.h"
#include "base/sys.h"

int sio_memfd_sealed(const char *name, size_t size)
{
	int fd, rc;

	fd = sio_sys_memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0)
		return -errno;
	if (sio_sys_ftruncate(fd, (off_t)size) ||
	    sio_sys_fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL)) {
		rc = -errno;
		goto out_close;
	}
	return fd;

out_close:
	sio_sys_close(fd);
	return rc;
}
