/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The selftest's access objects (spec iommufd-testops §3.6, §4.5–4.8,
 * §4.11). CREATE_ACCESS hands out an fd, not an ID: every access op takes
 * that fd in cmd.id (EBADFD for anything else). The fd keeps the iommufd
 * context alive; closing it destroys the access and unpins everything.
 *
 * Locking: staccess->lock protects the item list and is taken before the
 * access's own lock; the unmap callback takes it, so it is never held while
 * calling something that may call back (replace, unmap).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <softiommu/uapi/iommufd_test.h>

#include "base/compiler.h"
#include "base/uaccess.h"
#include "core/access.h"
#include "core/physid.h"
#include "uapi/file.h"
#include "uapi/selftest.h"

#define ACCESS_MAX_LENGTH (16ull * 1024 * 1024)

struct access_item {
	uint32_t id;
	uint64_t iova, length;
	struct access_item *next;
};

struct staccess {
	struct sio_ctx *ctx;
	struct sio_access *access;
	pthread_mutex_t lock;
	struct access_item *items;
	uint32_t next_id;
};

/*
 * Unpin and forget every item overlapping [iova, iova + length); a length
 * of UINT64_MAX (or one that runs past the end) means "to the end".
 */
static void staccess_unmap(void *data, uint64_t iova, uint64_t length)
{
	struct staccess *st = data;
	struct access_item **pp, *item;
	uint64_t last;

	if (!length)
		return;
	if (length == UINT64_MAX || check_add_overflow(iova, length - 1, &last))
		last = UINT64_MAX;
	pthread_mutex_lock(&st->lock);
	for (pp = &st->items; (item = *pp);) {
		if (item->iova <= last && item->iova + item->length - 1 >= iova) {
			sio_access_unpin_pages(st->access, item->iova, item->length);
			*pp = item->next;
			free(item);
		} else {
			pp = &item->next;
		}
	}
	pthread_mutex_unlock(&st->lock);
}

static const struct sio_access_ops access_ops_pin = {
	.needs_pin_pages = true,
	.unmap = staccess_unmap,
};

static const struct sio_access_ops access_ops_rw = {
	.needs_pin_pages = false,
	.unmap = staccess_unmap,
};

static void staccess_release(struct sio_file *file)
{
	struct staccess *st = file->priv;

	staccess_unmap(st, 0, UINT64_MAX);
	sio_access_destroy(st->access);
	sio_ctx_put(st->ctx);
	pthread_mutex_destroy(&st->lock);
	free(st);
}

static const struct sio_file_ops staccess_file_ops = {
	.name = "softiommu:staccess",
	/* An anonymous inode, as [iommufd_test_staccess] is in Linux. */
	.mode = S_IFREG | 0600,
	.release = staccess_release,
};

/* The access behind fd @fd: -EBADFD for a bad fd or another kind of file. */
static int staccess_get(int fd, struct sio_file **file, struct staccess **st)
{
	if (sio_file_get(fd, file))
		return -EBADFD;
	if ((*file)->ops != &staccess_file_ops) {
		sio_file_put(*file);
		return -EBADFD;
	}
	*st = (*file)->priv;
	return 0;
}

int sio_test_create_access(struct sio_ucmd *ucmd, struct iommu_test_cmd *cmd)
{
	uint32_t flags = cmd->create_access.flags;
	struct staccess *st;
	int fd, rc;

	if (flags & ~MOCK_FLAGS_ACCESS_CREATE_NEEDS_PIN_PAGES)
		return -EOPNOTSUPP;
	st = calloc(1, sizeof(*st));
	if (!st)
		return -ENOMEM;
	pthread_mutex_init(&st->lock, NULL);
	st->ctx = ucmd->ctx;
	rc = sio_access_create(ucmd->ctx, (flags & MOCK_FLAGS_ACCESS_CREATE_NEEDS_PIN_PAGES) ?
				   &access_ops_pin : &access_ops_rw, st, &st->access);
	if (rc)
		goto err_free;
	rc = sio_access_attach(st->access, cmd->id);
	if (rc)
		goto err_destroy;
	sio_ctx_get(ucmd->ctx);
	fd = sio_file_install(&staccess_file_ops, st, O_CLOEXEC);
	if (fd < 0) {
		sio_ctx_put(ucmd->ctx);
		rc = fd;
		goto err_destroy;
	}
	cmd->create_access.out_access_fd = (uint32_t)fd;
	rc = sio_ucmd_respond(ucmd, sizeof(*cmd));
	/* Closing the fd releases everything, as a failed respond must. */
	if (rc)
		sio_fdt_close(fd);
	return rc;

err_destroy:
	sio_access_destroy(st->access);
err_free:
	pthread_mutex_destroy(&st->lock);
	free(st);
	return rc;
}

int sio_test_destroy_access_pages(struct sio_ucmd *ucmd, struct iommu_test_cmd *cmd)
{
	uint32_t id = cmd->destroy_access_pages.access_pages_id;
	struct access_item **pp, *item;
	struct sio_file *file;
	struct staccess *st;
	int rc;

	rc = staccess_get((int)cmd->id, &file, &st);
	if (rc)
		return rc;
	rc = -ENOENT;
	pthread_mutex_lock(&st->lock);
	for (pp = &st->items; (item = *pp); pp = &item->next) {
		if (item->id == id) {
			sio_access_unpin_pages(st->access, item->iova, item->length);
			*pp = item->next;
			free(item);
			rc = 0;
			break;
		}
	}
	pthread_mutex_unlock(&st->lock);
	sio_file_put(file);
	return rc;
}

static uint64_t syz_iova(struct staccess *st, uint64_t iova)
{
	/* syzkaller's encoding: {u32 nth area, u32 offset}. */
	return sio_access_nth_area_iova(st->access, (uint32_t)iova, (uint32_t)(iova >> 32));
}

/*
 * Each pinned page must be the page the caller has mapped at uptr, checked
 * page by page as Linux pins each uptr page and compares it: the first page
 * that cannot be faulted in for reading gives EFAULT, a page before it that
 * differs gives EBADE. Faulting in first puts every page the comparison
 * needs into the snapshot (a file page mapped at a second address may not
 * be present there yet).
 */
static int check_pages(uint64_t uptr, const uint64_t *phys, uint64_t npages)
{
	uint64_t ps = sio_page_size(), i, mapped;
	struct sio_physmap *map;
	int rc;

	for (mapped = 0; mapped < npages; mapped++)
		if (sio_user_fault_in(uptr + mapped * ps, 1, false))
			break;
	rc = sio_physmap_snapshot(&map);
	if (rc)
		return rc;
	for (i = 0; i < mapped && !rc; i++) {
		struct sio_physid want, got;

		if (sio_physmap_lookup(map, uptr + i * ps, &want) ||
		    sio_physmap_lookup(map, phys[i], &got) || !sio_physid_equal(&want, &got))
			rc = -EBADE;
	}
	sio_physmap_free(map);
	if (!rc && mapped < npages)
		rc = -EFAULT;
	return rc;
}

int sio_test_access_pages(struct sio_ucmd *ucmd, struct iommu_test_cmd *cmd)
{
	uint32_t flags = cmd->access_pages.flags;
	uint64_t iova = cmd->access_pages.iova, length = cmd->access_pages.length;
	uint64_t uptr = cmd->access_pages.uptr, ps = sio_page_size(), npages;
	struct access_item *item = NULL;
	struct sio_file *file;
	struct staccess *st;
	uint64_t *phys;
	int rc;

	if (length > ACCESS_MAX_LENGTH)
		return -ENOMEM;
	if (flags & ~(MOCK_FLAGS_ACCESS_WRITE | MOCK_FLAGS_ACCESS_SYZ))
		return -EOPNOTSUPP;
	rc = staccess_get((int)cmd->id, &file, &st);
	if (rc)
		return rc;
	if (st->access->ops != &access_ops_pin) {
		rc = -EOPNOTSUPP;
		goto out_put;
	}
	if (flags & MOCK_FLAGS_ACCESS_SYZ)
		iova = syz_iova(st, iova);
	npages = (SIO_ALIGN_UP(iova + length, ps) - SIO_ALIGN_DOWN(iova, ps)) / ps;
	phys = calloc(npages ? npages : 1, sizeof(*phys));
	item = calloc(1, sizeof(*item));
	if (!phys || !item) {
		rc = -ENOMEM;
		goto out_free;
	}
	pthread_mutex_lock(&st->lock);
	rc = sio_access_pin_pages(st->access, iova, length, flags & MOCK_FLAGS_ACCESS_WRITE, phys);
	if (rc)
		goto out_unlock;
	/* A zero uptr skips the check (for syzkaller). */
	if (uptr) {
		rc = check_pages(uptr - (iova - SIO_ALIGN_DOWN(iova, ps)), phys, npages);
		if (rc) {
			sio_access_unpin_pages(st->access, iova, length);
			goto out_unlock;
		}
	}
	item->iova = iova;
	item->length = length;
	item->id = st->next_id++;
	item->next = st->items;
	st->items = item;
	cmd->access_pages.out_access_pages_id = item->id;
	rc = sio_ucmd_respond(ucmd, sizeof(*cmd));
	if (rc) {
		st->items = item->next;
		sio_access_unpin_pages(st->access, iova, length);
	} else {
		item = NULL;
	}
out_unlock:
	pthread_mutex_unlock(&st->lock);
out_free:
	free(item);
	free(phys);
out_put:
	sio_file_put(file);
	return rc;
}

int sio_test_access_rw(struct sio_ucmd *ucmd, struct iommu_test_cmd *cmd)
{
	uint32_t flags = cmd->access_rw.flags;
	uint64_t iova = cmd->access_rw.iova, length = cmd->access_rw.length;
	uint64_t uptr = cmd->access_rw.uptr;
	bool write = flags & MOCK_ACCESS_RW_WRITE;
	struct sio_file *file;
	struct staccess *st;
	void *tmp;
	int rc;

	if (length > ACCESS_MAX_LENGTH)
		return -ENOMEM;
	if (flags & ~(MOCK_ACCESS_RW_WRITE | MOCK_ACCESS_RW_SLOW_PATH | MOCK_FLAGS_ACCESS_SYZ))
		return -EOPNOTSUPP;
	rc = staccess_get((int)cmd->id, &file, &st);
	if (rc)
		return rc;
	tmp = calloc(1, length ? length : 1);
	if (!tmp) {
		rc = -ENOMEM;
		goto out_put;
	}
	if (write && sio_copy_from_user(tmp, uptr, length)) {
		rc = -EFAULT;
		goto out_free;
	}
	if (flags & MOCK_FLAGS_ACCESS_SYZ)
		iova = syz_iova(st, iova);
	rc = sio_access_rw(st->access, iova, tmp, length, write);
	if (!rc && !write && sio_copy_to_user(uptr, tmp, length))
		rc = -EFAULT;
out_free:
	free(tmp);
out_put:
	sio_file_put(file);
	return rc;
}

int sio_test_access_replace_ioas(struct sio_ucmd *ucmd, struct iommu_test_cmd *cmd)
{
	struct sio_file *file;
	struct staccess *st;
	int rc;

	rc = staccess_get((int)cmd->id, &file, &st);
	if (rc)
		return rc;
	rc = sio_access_replace(st->access, cmd->access_replace_ioas.ioas_id);
	sio_file_put(file);
	return rc;
}
