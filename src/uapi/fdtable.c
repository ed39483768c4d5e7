/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The fd table: fd number → emulated file.
 *
 * Layout: a top array of pointers to fixed chunks of slots. Chunks never
 * move or get freed while the library is loaded, and a grown top array is
 * published atomically with the old one retired (not freed) so lock-free
 * readers of sio_fdt_is_emulated() never see freed memory.
 *
 * Locking: fdt_lock (rwlock) is held for write while slots change and for
 * read while a caller takes a file reference; file release always happens
 * outside it. fork() takes it for write in the prepare handler so a child
 * never inherits it held.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/sysmacros.h>

#include "base/compiler.h"
#include "base/log.h"
#include "base/sys.h"
#include "core/ctx.h"
#include "uapi/file.h"
#include "uapi/file_poll.h"
#include "uapi/nodes.h"

#define CHUNK_SHIFT 10
#define CHUNK_SLOTS (1u << CHUNK_SHIFT)

struct chunk {
	struct sio_file *slot[CHUNK_SLOTS];
};

struct top {
	size_t nchunks;
	struct top *retired_next;	/* older tops kept until unload */
	struct chunk *chunks[];
};

static struct top *fdt_top;
static pthread_rwlock_t fdt_lock_initial = PTHREAD_RWLOCK_INITIALIZER;
/* Replaced by a fresh lock in a forked child (see atfork_child). */
static pthread_rwlock_t *fdt_lock_ptr = &fdt_lock_initial;
#define fdt_lock (*fdt_lock_ptr)
static uint64_t process_epoch = 1;

uint64_t sio_process_epoch(void)
{
	return __atomic_load_n(&process_epoch, __ATOMIC_RELAXED);
}

static bool file_is_foreign(const struct sio_file *file)
{
	return file->foreign || file->epoch != sio_process_epoch();
}

/* Lock-free slot read; NULL when out of range. */
static struct sio_file *slot_peek(int fd)
{
	struct top *top = __atomic_load_n(&fdt_top, __ATOMIC_ACQUIRE);
	struct chunk *chunk;

	if (fd < 0 || !top || ((size_t)fd >> CHUNK_SHIFT) >= top->nchunks)
		return NULL;
	chunk = __atomic_load_n(&top->chunks[fd >> CHUNK_SHIFT], __ATOMIC_ACQUIRE);
	if (!chunk)
		return NULL;
	return __atomic_load_n(&chunk->slot[fd & (CHUNK_SLOTS - 1)], __ATOMIC_ACQUIRE);
}

/* Make the slot of @fd exist. Called with fdt_lock held for write. */
static struct sio_file **slot_make(int fd)
{
	size_t idx = (size_t)fd >> CHUNK_SHIFT;
	struct top *top = fdt_top;

	if (!top || idx >= top->nchunks) {
		size_t n = top ? top->nchunks : 1;
		struct top *new;

		while (n <= idx)
			n *= 2;
		new = calloc(1, sizeof(*new) + n * sizeof(new->chunks[0]));
		if (!new)
			return NULL;
		new->nchunks = n;
		if (top) {
			memcpy(new->chunks, top->chunks, top->nchunks * sizeof(top->chunks[0]));
			new->retired_next = top;
		}
		__atomic_store_n(&fdt_top, new, __ATOMIC_RELEASE);
		top = new;
	}
	if (!top->chunks[idx]) {
		struct chunk *chunk = calloc(1, sizeof(*chunk));

		if (!chunk)
			return NULL;
		__atomic_store_n(&top->chunks[idx], chunk, __ATOMIC_RELEASE);
	}
	return &top->chunks[idx]->slot[fd & (CHUNK_SLOTS - 1)];
}

static void slot_store(struct sio_file **slot, struct sio_file *file)
{
	__atomic_store_n(slot, file, __ATOMIC_RELEASE);
}

/*
 * In a forked child the channel fds of an inherited pollable file are left
 * alone: the child may have reused their numbers (they are O_CLOEXEC).
 */
static void file_free(struct sio_file *file)
{
	if (!file_is_foreign(file)) {
		if (file->ops->release)
			file->ops->release(file);
		sio_file_poll_close(file);
	}
	pthread_mutex_destroy(&file->poll_lock);
	free(file);
}

void sio_file_put(struct sio_file *file)
{
	if (!__atomic_sub_fetch(&file->refs, 1, __ATOMIC_ACQ_REL))
		file_free(file);
}

int sio_file_get_any(int fd, struct sio_file **out)
{
	struct sio_file *file;

	pthread_rwlock_rdlock(&fdt_lock);
	file = slot_peek(fd);
	if (file)
		__atomic_add_fetch(&file->refs, 1, __ATOMIC_RELAXED);
	pthread_rwlock_unlock(&fdt_lock);
	if (!file)
		return -EBADF;
	*out = file;
	return 0;
}

int sio_file_get(int fd, struct sio_file **out)
{
	struct sio_file *file;
	int rc;

	rc = sio_file_get_any(fd, &file);
	if (rc)
		return rc;
	if (file_is_foreign(file)) {
		sio_file_put(file);
		return -EXDEV;
	}
	*out = file;
	return 0;
}

static int identify(int fd, struct sio_file *file)
{
	struct stat st;

	if (sio_sys_fstat(fd, &st))
		return -errno;
	file->memfd_dev = st.st_dev;
	file->memfd_ino = st.st_ino;
	return 0;
}

static struct sio_file *file_alloc(const struct sio_file_ops *ops, void *priv, int open_flags,
				   dev_t rdev)
{
	struct sio_file *file = calloc(1, sizeof(*file));

	if (!file)
		return NULL;
	file->refs = 1;
	file->ops = ops;
	file->priv = priv;
	file->epoch = sio_process_epoch();
	file->path_only = (open_flags & O_PATH) == O_PATH;
	file->rdev = rdev;
	file->poll_tx = -1;
	file->poll_rx = -1;
	pthread_mutex_init(&file->poll_lock, NULL);
	return file;
}

/* Enter @file as @fd in the table; on failure the caller closes @fd. */
static int file_enter(struct sio_file *file, int fd)
{
	struct sio_file **slot;
	int rc;

	rc = identify(fd, file);
	if (rc)
		return rc;
	pthread_rwlock_wrlock(&fdt_lock);
	slot = slot_make(fd);
	if (!slot) {
		pthread_rwlock_unlock(&fdt_lock);
		return -ENOMEM;
	}
	slot_store(slot, file);
	pthread_rwlock_unlock(&fdt_lock);
	return 0;
}

static int file_install(const struct sio_file_ops *ops, void *priv, int open_flags,
			const char *name, dev_t rdev)
{
	struct sio_file *file;
	int fd, rc;

	file = file_alloc(ops, priv, open_flags, rdev);
	if (!file)
		return -ENOMEM;
	fd = sio_sys_memfd_create(name, (open_flags & O_CLOEXEC) ? MFD_CLOEXEC : 0);
	if (fd < 0) {
		rc = -errno;
		goto err_free;
	}
	rc = file_enter(file, fd);
	if (rc)
		goto err_close;
	return fd;

err_close:
	sio_sys_close(fd);
err_free:
	pthread_mutex_destroy(&file->poll_lock);
	free(file);
	return rc;
}

int sio_file_install(const struct sio_file_ops *ops, void *priv, int open_flags)
{
	return file_install(ops, priv, open_flags, ops->name, ops->rdev);
}

int sio_file_install_pollable_ref(const struct sio_file_ops *ops, void *priv, int open_flags,
				  struct sio_file **out)
{
	struct sio_file *file;
	int fd, rc;

	file = file_alloc(ops, priv, open_flags, ops->rdev);
	if (!file)
		return -ENOMEM;
	fd = sio_file_poll_open(file, open_flags);
	if (fd < 0) {
		rc = fd;
		goto err_free;
	}
	/* The caller's reference, taken before the fd can be closed. */
	if (out)
		file->refs++;
	rc = file_enter(file, fd);
	if (rc)
		goto err_close;
	if (out)
		*out = file;
	return fd;

err_close:
	sio_sys_close(fd);
	sio_file_poll_close(file);
err_free:
	pthread_mutex_destroy(&file->poll_lock);
	free(file);
	return rc;
}

int sio_file_install_pollable(const struct sio_file_ops *ops, void *priv, int open_flags)
{
	return sio_file_install_pollable_ref(ops, priv, open_flags, NULL);
}

int sio_file_install_minor(const struct sio_file_ops *ops, void *priv, int open_flags,
			   unsigned int minor)
{
	char name[64];

	snprintf(name, sizeof(name), "%s:%u", ops->name, minor);
	return file_install(ops, priv, open_flags, name, makedev(major(ops->rdev), minor));
}

int sio_file_iommufd_ctx(int fd, struct sio_ctx **out)
{
	struct sio_file *file;
	int rc;

	rc = sio_file_get_any(fd, &file);
	if (rc) {
		/* Not ours: fget() fails for a closed fd, else it is another file. */
		return sio_sys_fcntl(fd, F_GETFD, 0) < 0 ? -EBADF : -EBADFD;
	}
	if (file->ops != &sio_iommu_file_ops && file->ops != &sio_vfio_file_ops)
		rc = -EBADFD;
	else if (file->path_only)
		rc = -EBADF;	/* fget() does not return O_PATH files */
	else if (file_is_foreign(file))
		rc = -EXDEV;
	if (!rc) {
		*out = file->priv;
		sio_ctx_get(*out);
	}
	sio_file_put(file);
	return rc;
}

bool sio_fdt_is_emulated(int fd)
{
	return slot_peek(fd) != NULL;
}

int sio_fdt_next(int from)
{
	struct top *top = __atomic_load_n(&fdt_top, __ATOMIC_ACQUIRE);
	size_t fd;

	if (from < 0)
		from = 0;
	if (!top)
		return -1;
	for (fd = (size_t)from; (fd >> CHUNK_SHIFT) < top->nchunks; fd++) {
		if (!top->chunks[fd >> CHUNK_SHIFT]) {
			fd |= CHUNK_SLOTS - 1;
			continue;
		}
		if (fd > INT32_MAX)
			break;
		if (slot_peek((int)fd))
			return (int)fd;
	}
	return -1;
}

/* Remove @fd's slot; return its file (the slot's reference moves to the caller). */
static struct sio_file *slot_take_locked(int fd)
{
	struct sio_file *file = slot_peek(fd);

	if (file)
		slot_store(slot_make(fd), NULL);
	return file;
}

int sio_fdt_forget(int fd)
{
	struct sio_file *file;

	pthread_rwlock_wrlock(&fdt_lock);
	file = slot_take_locked(fd);
	pthread_rwlock_unlock(&fdt_lock);
	if (!file)
		return -EBADF;
	sio_file_put(file);
	return 0;
}

int sio_fdt_close(int fd)
{
	struct sio_file *file;

	pthread_rwlock_wrlock(&fdt_lock);
	file = slot_take_locked(fd);
	pthread_rwlock_unlock(&fdt_lock);
	if (!file)
		return -EBADF;
	sio_sys_close(fd);
	sio_file_put(file);
	return 0;
}

/*
 * Duplicate @oldfd: with @use_fcntl, fcntl(@fcntl_cmd) (F_DUPFD or
 * F_DUPFD_CLOEXEC) with @newfd as the minimum; else dup3 onto @newfd.
 */
int sio_fdt_dup(int oldfd, int newfd, int flags, bool use_fcntl, int fcntl_cmd)
{
	struct sio_file *file, *replaced = NULL, **slot;
	int fd, rc;

	pthread_rwlock_wrlock(&fdt_lock);
	file = slot_peek(oldfd);
	if (!file) {
		rc = -EBADF;
		goto out_unlock;
	}
	if (use_fcntl)
		fd = sio_sys_fcntl(oldfd, fcntl_cmd, newfd);
	else
		fd = sio_sys_dup3(oldfd, newfd, flags);
	if (fd < 0) {
		rc = -errno;
		goto out_unlock;
	}
	slot = slot_make(fd);
	if (!slot) {
		/* The kernel fd exists; without a slot it must not outlive the call. */
		sio_sys_close(fd);
		rc = -ENOMEM;
		goto out_unlock;
	}
	replaced = *slot;
	__atomic_add_fetch(&file->refs, 1, __ATOMIC_RELAXED);
	slot_store(slot, file);
	rc = fd;
out_unlock:
	pthread_rwlock_unlock(&fdt_lock);
	if (replaced)
		sio_file_put(replaced);
	return rc;
}

/* What a foreign pollable file is known as: its ops are not reachable by name. */
static const struct sio_file_ops foreign_pollable_ops = {
	.name = "[pollable]",
	.mode = 0600,
};

/*
 * A file another process (or an earlier image of this one) created: only the
 * node type is known, from the memfd name, or for a pollable socket that it
 * is one.
 */
static struct sio_file *foreign_file(int fd)
{
	char link[64], target[256];
	const struct sio_file_ops *ops;
	struct sio_file *file;
	dev_t rdev = 0;
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, target, sizeof(target) - 1);
	if (n <= 0)
		return NULL;
	target[n] = '\0';
	ops = sio_node_ops_by_memfd_target(target, &rdev);
	if (!ops && !strncmp(target, "socket:", 7) &&
	    sio_file_poll_recognise(fd, target, sizeof(target)))
		ops = &foreign_pollable_ops;
	if (!ops)
		return NULL;
	file = file_alloc(ops, NULL, 0, rdev);
	if (!file)
		return NULL;
	file->foreign = true;
	identify(fd, file);
	return file;
}

/* A live file of this process image with the same backing memfd. */
static struct sio_file *find_by_identity_locked(const struct stat *st)
{
	struct top *top = fdt_top;
	size_t c, s;

	if (!top)
		return NULL;
	for (c = 0; c < top->nchunks; c++) {
		if (!top->chunks[c])
			continue;
		for (s = 0; s < CHUNK_SLOTS; s++) {
			struct sio_file *f = top->chunks[c]->slot[s];

			if (f && !file_is_foreign(f) && f->memfd_dev == st->st_dev &&
			    f->memfd_ino == st->st_ino)
				return f;
		}
	}
	return NULL;
}

int sio_fdt_adopt(int fd)
{
	struct sio_file *file, **slot;
	struct stat st;

	if (sio_fdt_is_emulated(fd))
		return 1;
	if (sio_sys_fstat(fd, &st))
		return -errno;
	pthread_rwlock_wrlock(&fdt_lock);
	file = find_by_identity_locked(&st);
	if (file) {
		__atomic_add_fetch(&file->refs, 1, __ATOMIC_RELAXED);
	} else {
		pthread_rwlock_unlock(&fdt_lock);
		file = foreign_file(fd);
		if (!file)
			return 0;
		pthread_rwlock_wrlock(&fdt_lock);
	}
	slot = slot_make(fd);
	if (!slot || slot_peek(fd)) {
		pthread_rwlock_unlock(&fdt_lock);
		sio_file_put(file);
		return slot ? 1 : -ENOMEM;
	}
	slot_store(slot, file);
	pthread_rwlock_unlock(&fdt_lock);
	return 1;
}

static void atfork_prepare(void)
{
	pthread_rwlock_wrlock(&fdt_lock);
}

static void atfork_parent(void)
{
	pthread_rwlock_unlock(&fdt_lock);
}

/*
 * The child inherits the lock held by the forking thread, under a thread ID
 * it does not share; unlocking (or re-initialising in place, which thread
 * sanitizers still see as the held lock) is not an option. It switches to a
 * new lock: it is the only thread, and prepare guaranteed no slot was
 * mid-update. If the allocation fails it keeps the old one, which only a
 * thread that no longer exists could have held for write.
 */
static void atfork_child(void)
{
	pthread_rwlock_t *fresh = malloc(sizeof(*fresh));

	__atomic_add_fetch(&process_epoch, 1, __ATOMIC_RELAXED);
	if (fresh && !pthread_rwlock_init(fresh, NULL))
		fdt_lock_ptr = fresh;
	else
		pthread_rwlock_init(fdt_lock_ptr, NULL);
}

/*
 * At load: register fork handlers, and recognise emulated fds inherited
 * across exec so that they fail with EXDEV instead of reaching the memfd.
 */
__attribute__((constructor)) static void fdt_init(void)
{
	DIR *dir;
	struct dirent *de;

	pthread_atfork(atfork_prepare, atfork_parent, atfork_child);
	dir = opendir("/proc/self/fd");
	if (!dir)
		return;
	while ((de = readdir(dir))) {
		char *end;
		long fd = strtol(de->d_name, &end, 10);

		if (*end || fd < 0 || fd == dirfd(dir))
			continue;
		if (sio_fdt_adopt((int)fd) == 1)
			sio_info("fd %ld: emulated node inherited from another process image",
				 fd);
	}
	closedir(dir);
}

__attribute__((destructor)) static void fdt_fini(void)
{
	struct top *top = fdt_top, *old;

	/* Only the retired tops are freed: slots may still be read at exit. */
	if (!top)
		return;
	old = top->retired_next;
	top->retired_next = NULL;
	while (old) {
		struct top *next = old->retired_next;

		free(old);
		old = next;
	}
}
