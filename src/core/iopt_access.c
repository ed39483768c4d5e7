/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Accesses of an IO page table: pins and copies that go through areas
 * rather than through a domain. Each pin an access takes on an area is a
 * struct sio_access_pin on the area (a separate hold on the pages, so a
 * range pinned twice is held twice and released once per unpin).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/compiler.h"
#include "base/uaccess.h"
#include "core/access.h"
#include "core/iopt_priv.h"

#define area_of(n) container_of(n, struct sio_area, node)

struct sio_access_pin {
	struct sio_pages_pin pin;
	struct sio_access *access;
	struct sio_access_pin *next;
};

int sio_iopt_add_access(struct sio_iopt *iopt, struct sio_access *access)
{
	struct sio_iopt_access_link *link = calloc(1, sizeof(*link));
	int rc;

	if (!link)
		return -ENOMEM;
	link->access = access;
	pthread_rwlock_wrlock(&iopt->domains_lock);
	pthread_rwlock_wrlock(&iopt->iova_lock);
	link->next = iopt->accesses;
	iopt->accesses = link;
	rc = sio_iopt_recalc_alignment(iopt);
	if (rc) {
		iopt->accesses = link->next;
		free(link);
	}
	pthread_rwlock_unlock(&iopt->iova_lock);
	pthread_rwlock_unlock(&iopt->domains_lock);
	return rc;
}

void sio_iopt_remove_access(struct sio_iopt *iopt, struct sio_access *access)
{
	struct sio_iopt_access_link **pp, *link;

	pthread_rwlock_wrlock(&iopt->domains_lock);
	pthread_rwlock_wrlock(&iopt->iova_lock);
	for (pp = &iopt->accesses; (link = *pp); pp = &link->next) {
		if (link->access == access) {
			*pp = link->next;
			free(link);
			break;
		}
	}
	/* Lowering the alignment cannot fail. */
	sio_iopt_recalc_alignment(iopt);
	pthread_rwlock_unlock(&iopt->iova_lock);
	pthread_rwlock_unlock(&iopt->domains_lock);
}

static uint64_t byte_of(const struct sio_area *area, uint64_t iova)
{
	return area->first_index * sio_page_size() + area->page_offset + (iova - area->node.start);
}

static bool prot_allows(const struct sio_area *area, bool write)
{
	return (area->prot & (write ? SIO_PROT_WRITE : SIO_PROT_READ)) != 0;
}

/* Remove @access's pin of exactly [first, last] (page indexes) from @area. */
static void area_unpin(struct sio_area *area, struct sio_access *access, uint64_t first,
		       uint64_t last)
{
	struct sio_access_pin **pp, *p;

	for (pp = &area->access_pins; (p = *pp); pp = &p->next) {
		if (p->access == access && p->pin.node.start == first && p->pin.node.last == last) {
			*pp = p->next;
			sio_pages_unpin(area->pages, &p->pin);
			area->num_accesses--;
			if (access->ops->lock_areas)
				area->num_locks--;
			free(p);
			return;
		}
	}
}

/*
 * Walk the contiguous areas covering [iova, last]: @fn gets each piece.
 * -ENOENT if they do not cover the range. Called with iova_lock held.
 */
static int for_each_piece(struct sio_iopt *iopt, uint64_t iova, uint64_t last,
			  int (*fn)(struct sio_area *area, uint64_t cur, uint64_t end, void *arg),
			  void *arg)
{
	struct sio_itree_node *n = sio_itree_iter_first(&iopt->area_itree, iova, iova);
	uint64_t cur = iova;
	int rc;

	while (n && area_of(n)->pages && n->start <= cur) {
		uint64_t end = sio_min(last, n->last);

		rc = fn(area_of(n), cur, end, arg);
		if (rc)
			return rc;
		if (end == last)
			return 0;
		cur = end + 1;
		n = sio_itree_iter_next(n, cur, last);
	}
	return -ENOENT;
}

struct pin_walk {
	struct sio_access *access;
	uint64_t iova, last;
	bool write;
	uint64_t *phys;
	size_t nphys;
	struct sio_area *done[64];	/* areas pinned so far, to unwind */
	size_t ndone;
};

static int pin_piece(struct sio_area *area, uint64_t cur, uint64_t end, void *arg)
{
	struct pin_walk *w = arg;
	uint64_t ps = sio_page_size();
	uint64_t first = byte_of(area, cur) / ps, last = byte_of(area, end) / ps, i;
	struct sio_access_pin *p;
	int rc;

	/* Interior pieces must start and end on page boundaries. */
	if (area->prevent_access || (cur != w->iova && byte_of(area, cur) % ps) ||
	    (end != w->last && (byte_of(area, end) + 1) % ps))
		return -EINVAL;
	if (!prot_allows(area, w->write))
		return -EPERM;
	if (w->ndone == ARRAY_SIZE(w->done))
		return -ENOMEM;
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	rc = sio_pages_pin(area->pages, &p->pin, first, last);
	if (rc) {
		free(p);
		return rc;
	}
	p->access = w->access;
	p->next = area->access_pins;
	area->access_pins = p;
	area->num_accesses++;
	if (w->access->ops->lock_areas)
		area->num_locks++;
	w->done[w->ndone++] = area;
	for (i = first; i <= last && w->phys; i++)
		w->phys[w->nphys++] = sio_pages_phys(area->pages, i);
	return 0;
}

int sio_iopt_access_pin(struct sio_iopt *iopt, struct sio_access *access, uint64_t iova,
			uint64_t last, bool write, uint64_t *phys)
{
	struct pin_walk w = {
		.access = access, .iova = iova, .last = last, .write = write, .phys = phys,
	};
	int rc;

	pthread_rwlock_wrlock(&iopt->iova_lock);
	rc = for_each_piece(iopt, iova, last, pin_piece, &w);
	if (rc) {
		/* Each pinned area got its pin last; undo in reverse. */
		while (w.ndone--) {
			struct sio_area *area = w.done[w.ndone];
			struct sio_access_pin *p = area->access_pins;

			area->access_pins = p->next;
			sio_pages_unpin(area->pages, &p->pin);
			area->num_accesses--;
			if (access->ops->lock_areas)
				area->num_locks--;
			free(p);
		}
	}
	pthread_rwlock_unlock(&iopt->iova_lock);
	return rc;
}

static int unpin_piece(struct sio_area *area, uint64_t cur, uint64_t end, void *arg)
{
	uint64_t ps = sio_page_size();

	area_unpin(area, arg, byte_of(area, cur) / ps, byte_of(area, end) / ps);
	return 0;
}

void sio_iopt_access_unpin(struct sio_iopt *iopt, struct sio_access *access, uint64_t iova,
			   uint64_t last)
{
	pthread_rwlock_wrlock(&iopt->iova_lock);
	for_each_piece(iopt, iova, last, unpin_piece, access);
	pthread_rwlock_unlock(&iopt->iova_lock);
}

struct rw_walk {
	uint8_t *data;
	bool write;
};

/* Copy through the pages' "physical" memory, or through the file when unmapped. */
static int rw_piece(struct sio_area *area, uint64_t cur, uint64_t end, void *arg)
{
	struct rw_walk *w = arg;
	struct sio_pages *pages = area->pages;
	uint64_t byte = byte_of(area, cur), len = end - cur + 1;
	int rc;

	if (area->prevent_access)
		return -EINVAL;
	if (!prot_allows(area, w->write))
		return -EPERM;
	if (pages->type == SIO_PAGES_FILE) {
		/* The shared mapping exists only while pages are pinned. */
		pthread_mutex_lock(&pages->lock);
		if (pages->file_map) {
			void *mem = (char *)pages->file_map + byte;

			rc = w->write ? sio_safe_memcpy(mem, w->data, len) :
					sio_safe_memcpy(w->data, mem, len);
		} else {
			off_t off = (off_t)(pages->file_start + byte);
			ssize_t n = w->write ? pwrite(pages->fd, w->data, len, off) :
					       pread(pages->fd, w->data, len, off);

			rc = n == (ssize_t)len ? 0 : -EFAULT;
		}
		pthread_mutex_unlock(&pages->lock);
	} else {
		void *mem = (void *)(uintptr_t)(sio_pages_phys(pages, 0) + byte);

		rc = w->write ? sio_safe_memcpy(mem, w->data, len) :
				sio_safe_memcpy(w->data, mem, len);
	}
	w->data += len;
	return rc;
}

int sio_iopt_access_rw(struct sio_iopt *iopt, uint64_t iova, uint64_t last, void *data,
		       bool write)
{
	struct rw_walk w = { .data = data, .write = write };
	int rc;

	pthread_rwlock_rdlock(&iopt->iova_lock);
	rc = for_each_piece(iopt, iova, last, rw_piece, &w);
	pthread_rwlock_unlock(&iopt->iova_lock);
	return rc;
}

uint64_t sio_iopt_nth_area_iova(struct sio_iopt *iopt, uint32_t nth, uint32_t offset)
{
	struct sio_itree_node *n;
	uint64_t iova = 0;

	pthread_rwlock_rdlock(&iopt->iova_lock);
	sio_itree_for_each(n, &iopt->area_itree, 0, UINT64_MAX) {
		if (!nth--) {
			iova = n->start + offset;
			break;
		}
	}
	pthread_rwlock_unlock(&iopt->iova_lock);
	return iova;
}

void sio_iopt_notify_unmap(struct sio_iopt *iopt, uint64_t iova, uint64_t length)
{
	struct sio_access *list[32];
	struct sio_iopt_access_link *link;
	size_t n = 0, i;

	/* Take each access (skipping ones being destroyed), then call without locks. */
	pthread_rwlock_rdlock(&iopt->iova_lock);
	for (link = iopt->accesses; link && n < ARRAY_SIZE(list); link = link->next) {
		struct sio_access *a = link->access;

		if (sio_object_get(a->obj.ctx, a->obj.id, SIO_OBJ_ACCESS))
			list[n++] = a;
	}
	pthread_rwlock_unlock(&iopt->iova_lock);
	for (i = 0; i < n; i++) {
		list[i]->ops->unmap(list[i]->data, iova, length);
		sio_object_put(&list[i]->obj);
	}
}
