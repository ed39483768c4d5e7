/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The readiness channel behind pollable emulated files (see
 * sio_file_install_pollable() in uapi/file.h), for the fd table.
 */
#ifndef SIO_UAPI_FILE_POLL_H
#define SIO_UAPI_FILE_POLL_H

#include <stddef.h>

#include "uapi/file.h"

/* Abstract socket address prefix that marks a pollable file's socket. */
#define SIO_POLL_SOCK_PREFIX "softiommu-pollable:"

/*
 * Create @file's channel (@open_flags: O_CLOEXEC applies to the user's fd)
 * and return the user's fd, or -errno with nothing left open.
 */
int sio_file_poll_open(struct sio_file *file, int open_flags);
/* Close the channel's private fds; called once, when the file is freed. */
void sio_file_poll_close(struct sio_file *file);
/*
 * Whether @fd is the socket end of a pollable file (of any process): its
 * abstract address, past the prefix, is copied into @name.
 */
bool sio_file_poll_recognise(int fd, char *name, size_t name_size);

#endif /* SIO_UAPI_FILE_POLL_H */
