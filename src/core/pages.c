/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/vfs.h>
#include <linux/magic.h>

#include "base/compiler.h"
#include "base/sys.h"
#include "base/uaccess.h"
#include "core/dmabuf.h"
#include "core/pages.h"
#include "core/physid.h"

#ifndef HUGETLBFS_MAGIC
#define HUGETLBFS_MAGIC 0x958458f6
#endif

/*
 * Every live pages object is on this list so that the pin count of a page can
 * be computed for MD_CHECK_REFS. Protected by registry_lock, which is taken
 * before any pages->lock.
 */
struct registry_entry {
	struct sio_pages *pages;
	struct registry_entry *next, *prev;
};

static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;
static struct registry_entry registry = { NULL, &registry, &registry };

static void registry_prepare(void)
{
	pthread_mutex_lock(&registry_lock);
}

static void registry_parent(void)
{
	pthread_mutex_unlock(&registry_lock);
}

/*
 * A forked child's only thread is the one that took the lock in
 * registry_prepare() (a default mutex has no owner check): it releases it,
 * which also tells thread sanitizers that the child does not hold it.
 */
static void registry_child(void)
{
	pthread_mutex_unlock(&registry_lock);
}

__attribute__((constructor)) static void registry_init(void)
{
	pthread_atfork(registry_prepare, registry_parent, registry_child);
}

struct sio_pages_priv {
	struct sio_pages pages;
	struct registry_entry reg;
	uint64_t byte_start;	/* FILE: first byte of the described range */
	uint64_t byte_length;
};

static struct sio_pages_priv *to_priv(struct sio_pages *pages)
{
	return container_of(pages, struct sio_pages_priv, pages);
}

uint64_t sio_page_size(void)
{
	/* Racing first callers store the same value. */
	static uint64_t page_size;
	uint64_t ps = __atomic_load_n(&page_size, __ATOMIC_RELAXED);

	if (!ps) {
		ps = (uint64_t)sysconf(_SC_PAGESIZE);
		__atomic_store_n(&page_size, ps, __ATOMIC_RELAXED);
	}
	return ps;
}

/* Shared setup; @offset is the start address (USER) or file offset (FILE). */
static int pages_alloc(uint64_t offset, uint64_t length, bool writable,
		       struct sio_pages_priv **out, uint64_t *start_byte)
{
	uint64_t ps = sio_page_size();
	struct sio_pages_priv *priv;
	uint64_t end;

	if (length == 0 || length > SIZE_MAX - ps)
		return -EINVAL;
	if (check_add_overflow(offset, length, &end))
		return -EOVERFLOW;
	/* Not calloc(): glibc's calloc() skips the per-thread cache (one per map). */
	priv = malloc(sizeof(*priv));
	if (!priv)
		return -ENOMEM;
	memset(priv, 0, sizeof(*priv));
	priv->pages.refs = 1;
	pthread_mutex_init(&priv->pages.lock, NULL);
	priv->pages.writable = writable;
	priv->pages.fd = -1;
	priv->pages.npages = (offset % ps + length + ps - 1) / ps;
	sio_itree_init(&priv->pages.pin_itree);
	priv->byte_start = offset;
	priv->byte_length = length;
	priv->reg.pages = &priv->pages;
	*start_byte = offset % ps;

	pthread_mutex_lock(&registry_lock);
	priv->reg.next = &registry;
	priv->reg.prev = registry.prev;
	registry.prev->next = &priv->reg;
	registry.prev = &priv->reg;
	pthread_mutex_unlock(&registry_lock);
	*out = priv;
	return 0;
}

int sio_pages_alloc_user(uint64_t uva, uint64_t length, bool writable,
			 struct sio_pages **out, uint64_t *start_byte)
{
	struct sio_pages_priv *priv;
	int rc;

	rc = pages_alloc(uva, length, writable, &priv, start_byte);
	if (rc)
		return rc;
	priv->pages.type = SIO_PAGES_USER;
	priv->pages.uva = SIO_ALIGN_DOWN(uva, sio_page_size());
	*out = &priv->pages;
	return 0;
}

int sio_pages_alloc_file(int fd, uint64_t start, uint64_t length, bool writable,
			 struct sio_pages **out, uint64_t *start_byte)
{
	struct sio_pages_priv *priv;
	int own_fd, rc;

	rc = pages_alloc(start, length, writable, &priv, start_byte);
	if (rc)
		return rc;
	own_fd = sio_sys_fcntl(fd, F_DUPFD_CLOEXEC, 0);
	if (own_fd < 0) {
		rc = errno == EBADF ? -EBADF : -ENOMEM;
		sio_pages_put(&priv->pages);
		return rc;
	}
	priv->pages.type = SIO_PAGES_FILE;
	priv->pages.fd = own_fd;
	priv->pages.file_start = SIO_ALIGN_DOWN(start, sio_page_size());
	*out = &priv->pages;
	return 0;
}

void sio_pages_get(struct sio_pages *pages)
{
	__atomic_fetch_add(&pages->refs, 1, __ATOMIC_RELAXED);
}

void sio_pages_put(struct sio_pages *pages)
{
	struct sio_pages_priv *priv = to_priv(pages);

	if (__atomic_sub_fetch(&pages->refs, 1, __ATOMIC_ACQ_REL))
		return;
	/* Every user releases its pins before dropping its reference. */
	pthread_mutex_lock(&registry_lock);
	priv->reg.prev->next = priv->reg.next;
	priv->reg.next->prev = priv->reg.prev;
	pthread_mutex_unlock(&registry_lock);
	if (pages->file_map)
		sio_sys_munmap(pages->file_map, pages->npages * sio_page_size());
	if (pages->fd >= 0)
		sio_sys_close(pages->fd);
	if (pages->dmabuf)
		sio_dmabuf_put(pages->dmabuf);
	pthread_mutex_destroy(&pages->lock);
	free(priv);
}

/* Map the whole file range on the first pin; checks what Linux checks when pinning. */
static int file_map(struct sio_pages *pages)
{
	struct sio_pages_priv *priv = to_priv(pages);
	uint64_t len = pages->npages * sio_page_size();
	struct statfs sfs;
	struct stat st;
	void *map;
	int prot = PROT_READ | (pages->writable ? PROT_WRITE : 0);

	if (pages->file_map)
		return 0;
	if (sio_sys_fstatfs(pages->fd, &sfs) || sio_sys_fstat(pages->fd, &st))
		return -EINVAL;
	if ((sfs.f_type != TMPFS_MAGIC && sfs.f_type != HUGETLBFS_MAGIC) || !S_ISREG(st.st_mode))
		return -EINVAL;
	if (priv->byte_start + priv->byte_length > (uint64_t)st.st_size)
		return -EINVAL;
	map = sio_sys_mmap(NULL, len, prot, MAP_SHARED, pages->fd, (off_t)pages->file_start);
	if (map == MAP_FAILED)
		return errno == ENOMEM ? -ENOMEM : -EFAULT;
	pages->file_map = map;
	return 0;
}

uint64_t sio_pages_phys(const struct sio_pages *pages, uint64_t index)
{
	uint64_t base = pages->type == SIO_PAGES_USER ? pages->uva :
			(uint64_t)(uintptr_t)pages->file_map;

	return base + index * sio_page_size();
}

/* Pages of [first, last] that no pin covers yet. */
static uint64_t count_unpinned(struct sio_pages *pages, uint64_t first, uint64_t last)
{
	struct sio_itree_span span;
	uint64_t n = 0;

	sio_itree_for_each_span(&span, &pages->pin_itree, first, last)
		if (span.is_hole)
			n += span.last_hole - span.start_hole + 1;
	return n;
}

int sio_pages_pin(struct sio_pages *pages, struct sio_pages_pin *pin,
		  uint64_t first, uint64_t last)
{
	uint64_t ps = sio_page_size();
	struct sio_itree_span span;
	uint64_t newly = 0;
	int rc = 0;

	if (first > last || last >= pages->npages)
		return -EINVAL;
	pthread_mutex_lock(&pages->lock);
	if (pages->type == SIO_PAGES_FILE) {
		rc = file_map(pages);
		if (rc)
			goto out_unlock;
	}
	/* The holes of the pin tree are the pages not pinned yet. */
	sio_itree_for_each_span(&span, &pages->pin_itree, first, last) {
		if (!span.is_hole)
			continue;
		rc = sio_user_fault_in(sio_pages_phys(pages, span.start_hole),
				       (span.last_hole - span.start_hole + 1) * ps, pages->writable);
		if (rc)
			goto out_unmap;
		newly += span.last_hole - span.start_hole + 1;
	}
	rc = sio_account_charge(pages->account_mode, newly);
	if (rc)
		goto out_unmap;
	pin->node.start = first;
	pin->node.last = last;
	sio_itree_insert(&pages->pin_itree, &pin->node);
	pages->npinned += newly;
	pthread_mutex_unlock(&pages->lock);
	return 0;

out_unmap:
	if (pages->type == SIO_PAGES_FILE && sio_itree_empty(&pages->pin_itree)) {
		sio_sys_munmap(pages->file_map, pages->npages * ps);
		pages->file_map = NULL;
	}
out_unlock:
	pthread_mutex_unlock(&pages->lock);
	return rc;
}

void sio_pages_unpin(struct sio_pages *pages, struct sio_pages_pin *pin)
{
	uint64_t freed;

	pthread_mutex_lock(&pages->lock);
	sio_itree_remove(&pages->pin_itree, &pin->node);
	freed = count_unpinned(pages, pin->node.start, pin->node.last);
	pages->npinned -= freed;
	sio_account_uncharge(pages->account_mode, freed);
	if (pages->type == SIO_PAGES_FILE && sio_itree_empty(&pages->pin_itree)) {
		sio_sys_munmap(pages->file_map, pages->npages * sio_page_size());
		pages->file_map = NULL;
	}
	pthread_mutex_unlock(&pages->lock);
}

void sio_pages_pin_split(struct sio_pages *pages, struct sio_pages_pin *lhs, uint64_t lhs_last,
			 struct sio_pages_pin *rhs, uint64_t rhs_first)
{
	pthread_mutex_lock(&pages->lock);
	sio_itree_remove(&pages->pin_itree, &lhs->node);
	rhs->node = (struct sio_itree_node){ .start = rhs_first, .last = lhs->node.last };
	lhs->node.last = lhs_last;
	sio_itree_insert(&pages->pin_itree, &lhs->node);
	sio_itree_insert(&pages->pin_itree, &rhs->node);
	pthread_mutex_unlock(&pages->lock);
}

/* Page index of @pages that is the physical page @id, or -1. */
static int64_t index_of(struct sio_pages *p, const struct sio_physmap *map,
			const struct sio_physid *id)
{
	uint64_t ps = sio_page_size(), span = p->npages * ps;
	struct sio_physid base;
	struct stat st;

	if (p->type == SIO_PAGES_FILE) {
		if (!id->ino || sio_sys_fstat(p->fd, &st) || (uint64_t)st.st_dev != id->dev ||
		    (uint64_t)st.st_ino != id->ino)
			return -1;
		if (id->off < p->file_start || id->off - p->file_start >= span)
			return -1;
		return (int64_t)((id->off - p->file_start) / ps);
	}
	if (sio_physmap_lookup(map, p->uva, &base))
		return -1;
	if (base.dev != id->dev || base.ino != id->ino)
		return -1;
	if (id->off < base.off || id->off - base.off >= span)
		return -1;
	return (int64_t)((id->off - base.off) / ps);
}

unsigned int sio_pages_pin_count_id(const struct sio_physmap *map, const struct sio_physid *id)
{
	struct registry_entry *e;
	unsigned int count = 0;

	pthread_mutex_lock(&registry_lock);
	for (e = registry.next; e != &registry; e = e->next) {
		struct sio_pages *p = e->pages;
		int64_t idx;

		pthread_mutex_lock(&p->lock);
		idx = index_of(p, map, id);
		if (idx >= 0 && sio_itree_iter_first(&p->pin_itree, (uint64_t)idx, (uint64_t)idx))
			count++;
		pthread_mutex_unlock(&p->lock);
	}
	pthread_mutex_unlock(&registry_lock);
	return count;
}
