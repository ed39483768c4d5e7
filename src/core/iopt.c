/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/compiler.h"
#include "core/access.h"
#include "core/iopt_priv.h"
#include "iommu/iommu.h"

#define area_of(n) container_of(n, struct sio_area, node)

static uint64_t huge_page_size(void)
{
	static uint64_t size;
	FILE *f;

	if (size)
		return size;
	size = sio_page_size();
	f = fopen("/sys/kernel/mm/transparent_hugepage/hpage_pmd_size", "re");
	if (f) {
		unsigned long long v;

		if (fscanf(f, "%llu", &v) == 1 && sio_is_pow2(v) && v > size)
			size = v;
		fclose(f);
	}
	return size;
}

void sio_iopt_init(struct sio_iopt *iopt)
{
	memset(iopt, 0, sizeof(*iopt));
	pthread_rwlock_init(&iopt->domains_lock, NULL);
	pthread_rwlock_init(&iopt->iova_lock, NULL);
	sio_itree_init(&iopt->area_itree);
	sio_itree_init(&iopt->reserved_itree);
	sio_itree_init(&iopt->allowed_itree);
	/* A software table can use the whole IOVA space at byte granularity. */
	iopt->iova_alignment = 1;
}

void sio_iopt_free_allowed(struct sio_itree *allowed)
{
	struct sio_itree_node *n;

	while ((n = sio_itree_iter_first(allowed, 0, UINT64_MAX))) {
		sio_itree_remove(allowed, n);
		free(container_of(n, struct sio_allowed, node));
	}
}

void sio_iopt_fini(struct sio_iopt *iopt)
{
	sio_iopt_remove_reserved(iopt, NULL);
	sio_iopt_free_allowed(&iopt->allowed_itree);
	free(iopt->domains);
	pthread_rwlock_destroy(&iopt->iova_lock);
	pthread_rwlock_destroy(&iopt->domains_lock);
}

/*
 * Align *start up to @align, then put @page_offset in its low bits, and check
 * that @length bytes still fit before @last. Linux ORs the page offset into
 * the aligned start; the result keeps iova % PAGE_SIZE == addr % PAGE_SIZE
 * whenever @align >= PAGE_SIZE.
 */
static bool fit_in_range(uint64_t *start, uint64_t last, uint64_t length, uint64_t align,
			 uint64_t page_offset)
{
	uint64_t aligned;

	if (check_add_overflow(*start, align - 1, &aligned))
		return false;
	aligned &= ~(align - 1);
	aligned |= page_offset;
	if (aligned >= last || last - aligned < length - 1)
		return false;
	*start = aligned;
	return true;
}

/*
 * Choose an IOVA for @length bytes whose source starts at @addr (user VA or
 * file offset). Never returns 0. Called with iova_lock held for write.
 */
static int alloc_iova(struct sio_iopt *iopt, uint64_t *iova, uint64_t addr, uint64_t length)
{
	uint64_t page_offset = addr % sio_page_size();
	uint64_t lo = sio_page_size(), hi = ULONG_MAX - sio_page_size();
	struct sio_itree_span allowed;
	uint64_t align;

	if (length == 0 || length >= ULONG_MAX / 2)
		return -EOVERFLOW;
	/* Keep the alignment the source has so large pages stay possible. */
	align = sio_roundup_pow2(length);
	if (addr)
		align = sio_min(align, 1ull << sio_ffs64(addr));
	if (align >= huge_page_size())
		align = huge_page_size();
	if (align < iopt->iova_alignment)
		return -EINVAL;

	sio_itree_for_each_span(&allowed, &iopt->allowed_itree, lo, hi) {
		struct sio_itree_double_span used;
		uint64_t a_start, a_last;

		if (sio_itree_empty(&iopt->allowed_itree)) {
			a_start = lo;
			a_last = hi;
		} else if (allowed.is_hole) {
			continue;
		} else {
			a_start = allowed.start_used;
			a_last = allowed.last_used;
		}
		if (!fit_in_range(&a_start, a_last, length, align, page_offset))
			continue;
		sio_itree_for_each_double_span(&used, &iopt->reserved_itree, &iopt->area_itree,
					       a_start, a_last) {
			uint64_t start = used.start_hole;

			if (used.is_used)
				continue;
			if (!fit_in_range(&start, used.last_hole, length, align, page_offset))
				continue;
			*iova = start;
			return 0;
		}
	}
	return -ENOSPC;
}

/* A fixed IOVA: alignment, overflow, reserved, then existing areas. */
static int check_iova(struct sio_iopt *iopt, uint64_t iova, uint64_t length)
{
	uint64_t last;

	if (iova & (iopt->iova_alignment - 1))
		return -EINVAL;
	if (check_add_overflow(iova, length - 1, &last))
		return -EOVERFLOW;
	if (sio_itree_iter_first(&iopt->reserved_itree, iova, last))
		return -EINVAL;
	if (sio_itree_iter_first(&iopt->area_itree, iova, last))
		return -EEXIST;
	return 0;
}

static int insert_area(struct sio_iopt *iopt, struct sio_iopt_piece *piece, uint64_t iova,
		       int prot)
{
	struct sio_area *area = piece->area;
	uint64_t ps = sio_page_size();
	uint64_t last_byte;

	if ((prot & SIO_PROT_WRITE) && !piece->pages->writable)
		return -EPERM;
	area->prot = prot;
	area->page_offset = piece->start_byte % ps;
	if (area->page_offset & (iopt->iova_alignment - 1))
		return -EINVAL;
	area->node.start = iova;
	if (check_add_overflow(iova, piece->length - 1, &area->node.last))
		return -EOVERFLOW;
	if (check_add_overflow(piece->start_byte, piece->length - 1, &last_byte))
		return -EOVERFLOW;
	area->first_index = piece->start_byte / ps;
	area->last_index = last_byte / ps;
	if (area->last_index >= piece->pages->npages)
		return -EOVERFLOW;
	area->iopt = iopt;
	sio_itree_insert(&iopt->area_itree, &area->node);
	return 0;
}

/* Remove a never-completed area from the tree (if it got there) and free it. */
static void abort_area(struct sio_area *area)
{
	if (area->iopt) {
		pthread_rwlock_wrlock(&area->iopt->iova_lock);
		sio_itree_remove(&area->iopt->area_itree, &area->node);
		pthread_rwlock_unlock(&area->iopt->iova_lock);
	}
	free(area);
}

void sio_iopt_pieces_free(struct sio_iopt_pieces *pieces)
{
	size_t i;

	for (i = 0; i < pieces->n; i++) {
		if (pieces->v[i].area)
			abort_area(pieces->v[i].area);
		if (pieces->v[i].pages)
			sio_pages_put(pieces->v[i].pages);
	}
	if (pieces->v != &pieces->inline_piece)
		free(pieces->v);
	memset(pieces, 0, sizeof(*pieces));
}

static int pieces_add(struct sio_iopt_pieces *pieces, struct sio_pages *pages,
		      uint64_t start_byte, uint64_t length)
{
	if (!pieces->cap) {
		pieces->v = &pieces->inline_piece;
		pieces->cap = 1;
	} else if (pieces->n == pieces->cap) {
		size_t cap = pieces->cap * 2 < 4 ? 4 : pieces->cap * 2;
		struct sio_iopt_piece *v;

		if (pieces->v == &pieces->inline_piece) {
			v = malloc(cap * sizeof(*v));
			if (v)
				memcpy(v, pieces->v, pieces->n * sizeof(*v));
		} else {
			v = realloc(pieces->v, cap * sizeof(*v));
		}
		if (!v)
			return -ENOMEM;
		pieces->v = v;
		pieces->cap = cap;
	}
	pieces->v[pieces->n++] = (struct sio_iopt_piece){
		.pages = pages, .start_byte = start_byte, .length = length,
	};
	return 0;
}

/* Reserve the IOVA range and insert incomplete areas for every piece. */
static int alloc_area_pages(struct sio_iopt *iopt, struct sio_iopt_pieces *pieces,
			    uint64_t length, uint64_t *dst_iova, int prot, bool alloc)
{
	uint64_t iova;
	size_t i;
	int rc = 0;

	/* Not calloc(): glibc's calloc() skips the per-thread cache (one per map). */
	for (i = 0; i < pieces->n; i++) {
		pieces->v[i].area = malloc(sizeof(struct sio_area));
		if (!pieces->v[i].area)
			return -ENOMEM;
		memset(pieces->v[i].area, 0, sizeof(struct sio_area));
	}

	pthread_rwlock_wrlock(&iopt->iova_lock);
	if ((length & (iopt->iova_alignment - 1)) || !length) {
		rc = -EINVAL;
		goto out_unlock;
	}
	if (alloc) {
		const struct sio_iopt_piece *first = &pieces->v[0];
		uint64_t start = first->start_byte + (first->pages->type == SIO_PAGES_USER ?
						      first->pages->uva : first->pages->file_start);

		rc = alloc_iova(iopt, dst_iova, start, length);
	} else {
		rc = check_iova(iopt, *dst_iova, length);
	}
	if (rc)
		goto out_unlock;

	iova = *dst_iova;
	for (i = 0; i < pieces->n; i++) {
		rc = insert_area(iopt, &pieces->v[i], iova, prot);
		if (rc)
			goto out_unlock;
		iova += pieces->v[i].length;
	}
out_unlock:
	pthread_rwlock_unlock(&iopt->iova_lock);
	return rc;
}

/*
 * Link the areas of dma-buf pieces on their buffers: the last step of a map,
 * with iova_lock held for write. A buffer revoked since the map checked it
 * fails the map with -ENODEV (nothing left linked): a revoke sets the flag
 * and collects the linked areas under the same dmabuf->lock, so every area
 * is either found by it or refused here.
 */
static int link_dmabuf_areas(struct sio_iopt_pieces *pieces)
{
	size_t i;
	int rc;

	for (i = 0; i < pieces->n; i++) {
		struct sio_dmabuf *dmabuf = pieces->v[i].pages->dmabuf;

		if (!dmabuf)
			continue;
		rc = sio_dmabuf_link_area(dmabuf, pieces->v[i].area, false);
		if (rc)
			goto err;
	}
	return 0;

err:
	while (i--)
		if (pieces->v[i].pages->dmabuf)
			sio_dmabuf_unlink_area(pieces->v[i].pages->dmabuf, pieces->v[i].area);
	return rc;
}

int sio_iopt_map_pieces(struct sio_iopt *iopt, struct sio_iopt_pieces *pieces,
			uint64_t length, uint64_t *iova, int prot, bool alloc_iova)
{
	size_t i;
	int rc;

	rc = alloc_area_pages(iopt, pieces, length, iova, prot, alloc_iova);
	if (rc)
		return rc;

	pthread_rwlock_rdlock(&iopt->domains_lock);
	for (i = 0; i < pieces->n; i++) {
		rc = sio_iopt_area_fill_domains(iopt, pieces->v[i].area, pieces->v[i].pages);
		if (rc)
			goto err_unfill;
	}
	/* Completing the areas under domains_lock makes later domains see them. */
	pthread_rwlock_wrlock(&iopt->iova_lock);
	rc = link_dmabuf_areas(pieces);
	if (rc) {
		pthread_rwlock_unlock(&iopt->iova_lock);
		i = pieces->n;
		goto err_unfill;
	}
	for (i = 0; i < pieces->n; i++) {
		pieces->v[i].area->pages = pieces->v[i].pages;
		pieces->v[i].pages = NULL;
		pieces->v[i].area = NULL;
	}
	pthread_rwlock_unlock(&iopt->iova_lock);
	pthread_rwlock_unlock(&iopt->domains_lock);
	return 0;

err_unfill:
	while (i--)
		sio_iopt_area_unfill_domains(iopt, pieces->v[i].area, pieces->v[i].pages);
	pthread_rwlock_unlock(&iopt->domains_lock);
	return rc;
}

static int map_common(struct sio_iopt *iopt, enum sio_account_mode mode, struct sio_pages *pages,
		      uint64_t start_byte, uint64_t *iova, uint64_t length, int prot, bool alloc)
{
	struct sio_iopt_pieces pieces = { 0 };
	int rc;

	if (mode == SIO_ACCOUNT_MM && pages->account_mode == SIO_ACCOUNT_USER)
		pages->account_mode = SIO_ACCOUNT_MM;
	rc = pieces_add(&pieces, pages, start_byte, length);
	if (rc) {
		sio_pages_put(pages);
		return rc;
	}
	rc = sio_iopt_map_pieces(iopt, &pieces, length, iova, prot, alloc);
	sio_iopt_pieces_free(&pieces);
	return rc;
}

int sio_iopt_map_user(struct sio_iopt *iopt, enum sio_account_mode mode, uint64_t *iova,
		      uint64_t uva, uint64_t length, int prot, bool alloc_iova)
{
	struct sio_pages *pages;
	uint64_t start_byte;
	int rc;

	rc = sio_pages_alloc_user(uva, length, prot & SIO_PROT_WRITE, &pages, &start_byte);
	if (rc)
		return rc;
	return map_common(iopt, mode, pages, start_byte, iova, length, prot, alloc_iova);
}

int sio_iopt_map_file(struct sio_iopt *iopt, enum sio_account_mode mode, uint64_t *iova,
		      int fd, uint64_t start, uint64_t length, int prot, bool alloc_iova)
{
	struct sio_pages *pages;
	uint64_t start_byte;
	int rc;

	rc = sio_pages_alloc_file(fd, start, length, prot & SIO_PROT_WRITE, &pages, &start_byte);
	if (rc)
		return rc;
	return map_common(iopt, mode, pages, start_byte, iova, length, prot, alloc_iova);
}

int sio_iopt_map_dmabuf(struct sio_iopt *iopt, uint64_t *iova, struct sio_dmabuf *dmabuf,
			uint64_t start, uint64_t length, int prot, bool alloc_iova)
{
	struct sio_pages *pages;
	uint64_t start_byte, end;
	int rc;

	if (!length)
		return -EINVAL;
	if (check_add_overflow(start, length - 1, &end))
		return -EOVERFLOW;
	/* The size never changes; the revoked state is checked again on completion. */
	if (end >= dmabuf->size)
		return -EINVAL;
	if (sio_dmabuf_is_revoked(dmabuf))
		return -ENODEV;
	rc = sio_pages_alloc_file(dmabuf->memfd, start, length, prot & SIO_PROT_WRITE, &pages,
				  &start_byte);
	if (rc)
		return rc;
	sio_dmabuf_get(dmabuf);
	pages->dmabuf = dmabuf;
	/*
	 * Linux reads a dma-buf's physical ranges without pinning user pages,
	 * so they are not charged to RLIMIT_MEMLOCK (nor in the MM mode).
	 */
	pages->account_mode = SIO_ACCOUNT_NONE;
	return map_common(iopt, SIO_ACCOUNT_NONE, pages, start_byte, iova, length, prot,
			  alloc_iova);
}

int sio_iopt_get_pages(struct sio_iopt *iopt, uint64_t iova, uint64_t length,
		       struct sio_iopt_pieces *pieces)
{
	uint64_t last, cur;
	struct sio_itree_node *n;
	int rc = 0;

	if (!length)
		return -EINVAL;
	if (check_add_overflow(iova, length - 1, &last))
		return -EOVERFLOW;

	pthread_rwlock_rdlock(&iopt->iova_lock);
	cur = iova;
	n = sio_itree_iter_first(&iopt->area_itree, iova, iova);
	while (n) {
		struct sio_area *area = area_of(n);
		uint64_t end = sio_min(last, area->node.last);
		uint64_t start_byte;

		if (!area->pages || area->node.start > cur)
			break;
		start_byte = area->first_index * sio_page_size() + area->page_offset +
			     (cur - area->node.start);
		rc = pieces_add(pieces, area->pages, start_byte, end - cur + 1);
		if (rc)
			goto err;
		sio_pages_get(area->pages);
		if (end == last) {
			pthread_rwlock_unlock(&iopt->iova_lock);
			return 0;
		}
		cur = end + 1;
		n = sio_itree_iter_next(n, cur, last);
		if (n && area_of(n)->node.start != cur)
			break;
	}
	rc = -ENOENT;
err:
	pthread_rwlock_unlock(&iopt->iova_lock);
	sio_iopt_pieces_free(pieces);
	return rc;
}

static int unmap_range(struct sio_iopt *iopt, uint64_t start, uint64_t last, uint64_t *unmapped)
{
	struct sio_itree_node *n;
	uint64_t bytes = 0;
	int rc = 0;

	/*
	 * domains_lock (read) is held whenever an area's pages are NULL, so no
	 * domain comes or goes while one is being torn down.
	 */
	unsigned int tries = 0;

again:
	pthread_rwlock_rdlock(&iopt->domains_lock);
	pthread_rwlock_wrlock(&iopt->iova_lock);
	while ((n = sio_itree_iter_first(&iopt->area_itree, start, last))) {
		struct sio_area *area = area_of(n);
		uint64_t area_first = area->node.start, area_last = area->node.last;
		struct sio_pages *pages;

		/* Being created or destroyed by a concurrent call, or locked. */
		if (!area->pages || area->num_locks) {
			rc = -EBUSY;
			break;
		}
		if (area_first < start || area_last > last) {
			rc = -ENOENT;
			break;
		}
		if (area_first != start)
			tries = 0;
		/*
		 * Accesses pin this area: ask them to let go (no new pins
		 * meanwhile) and look again; one that never does ends the
		 * unmap with EDEADLOCK, as in Linux.
		 */
		if (area->num_accesses) {
			area->prevent_access = true;
			start = area_first;
			pthread_rwlock_unlock(&iopt->iova_lock);
			pthread_rwlock_unlock(&iopt->domains_lock);
			sio_iopt_notify_unmap(iopt, area_first, area_last - area_first + 1);
			if (++tries > 100) {
				rc = -EDEADLOCK;
				*unmapped = bytes;
				return rc;
			}
			goto again;
		}
		/*
		 * The area keeps its IOVA range (pages NULL: EBUSY to others)
		 * until it has left every domain, so no new mapping can take
		 * the range while the old one is still in a page table.
		 */
		pages = area->pages;
		area->pages = NULL;
		/* A revoke no longer needs to find it (lock order: iova_lock → dmabuf). */
		if (pages->dmabuf)
			sio_dmabuf_unlink_area(pages->dmabuf, area);
		pthread_rwlock_unlock(&iopt->iova_lock);

		sio_iopt_area_unfill_domains(iopt, area, pages);

		/*
		 * Freed under iova_lock, which then goes on to the next area:
		 * the last put of @pages takes registry_lock, never held by
		 * anyone who waits for an iova_lock.
		 */
		pthread_rwlock_wrlock(&iopt->iova_lock);
		sio_itree_remove(&iopt->area_itree, &area->node);
		free(area);
		sio_pages_put(pages);
		bytes += area_last - area_first + 1;
	}
	pthread_rwlock_unlock(&iopt->iova_lock);
	pthread_rwlock_unlock(&iopt->domains_lock);
	*unmapped = bytes;
	return rc;
}

int sio_iopt_unmap(struct sio_iopt *iopt, uint64_t iova, uint64_t length, uint64_t *unmapped)
{
	uint64_t last;

	*unmapped = 0;
	if (!length)
		return -EINVAL;
	if (check_add_overflow(iova, length - 1, &last))
		return -EOVERFLOW;
	return unmap_range(iopt, iova, last, unmapped);
}

int sio_iopt_unmap_all(struct sio_iopt *iopt, uint64_t *unmapped)
{
	return unmap_range(iopt, 0, ULONG_MAX, unmapped);
}

int sio_iopt_set_allowed(struct sio_iopt *iopt, struct sio_itree *allowed)
{
	struct sio_itree tmp;
	struct sio_itree_node *n;

	pthread_rwlock_wrlock(&iopt->iova_lock);
	sio_itree_for_each(n, allowed, 0, UINT64_MAX) {
		if (sio_itree_iter_first(&iopt->reserved_itree, n->start, n->last)) {
			pthread_rwlock_unlock(&iopt->iova_lock);
			return -EADDRINUSE;
		}
	}
	tmp = iopt->allowed_itree;
	iopt->allowed_itree = *allowed;
	*allowed = tmp;
	pthread_rwlock_unlock(&iopt->iova_lock);
	return 0;
}

int sio_iopt_reserve_locked(struct sio_iopt *iopt, uint64_t start, uint64_t last,
			    const void *owner)
{
	struct sio_reserved *res;

	if (sio_itree_iter_first(&iopt->area_itree, start, last) ||
	    sio_itree_iter_first(&iopt->allowed_itree, start, last))
		return -EADDRINUSE;
	res = calloc(1, sizeof(*res));
	if (!res)
		return -ENOMEM;
	res->node.start = start;
	res->node.last = last;
	res->owner = owner;
	sio_itree_insert(&iopt->reserved_itree, &res->node);
	return 0;
}

int sio_iopt_reserve(struct sio_iopt *iopt, uint64_t start, uint64_t last, const void *owner)
{
	int rc;

	pthread_rwlock_wrlock(&iopt->iova_lock);
	rc = sio_iopt_reserve_locked(iopt, start, last, owner);
	pthread_rwlock_unlock(&iopt->iova_lock);
	return rc;
}

void sio_iopt_remove_reserved_locked(struct sio_iopt *iopt, const void *owner)
{
	struct sio_itree_node *n, *next;

	for (n = sio_itree_iter_first(&iopt->reserved_itree, 0, UINT64_MAX); n; n = next) {
		struct sio_reserved *res = container_of(n, struct sio_reserved, node);

		next = sio_itree_iter_next(n, 0, UINT64_MAX);
		if (res->owner == owner) {
			sio_itree_remove(&iopt->reserved_itree, n);
			free(res);
		}
	}
}

void sio_iopt_remove_reserved(struct sio_iopt *iopt, const void *owner)
{
	pthread_rwlock_wrlock(&iopt->iova_lock);
	sio_iopt_remove_reserved_locked(iopt, owner);
	pthread_rwlock_unlock(&iopt->iova_lock);
}

int sio_iopt_for_each_usable(struct sio_iopt *iopt,
			     int (*fn)(void *arg, uint64_t start, uint64_t last), void *arg,
			     uint64_t *alignment)
{
	struct sio_itree_span span;
	int rc = 0;

	pthread_rwlock_rdlock(&iopt->iova_lock);
	*alignment = iopt->iova_alignment;
	sio_itree_for_each_span(&span, &iopt->reserved_itree, 0, ULONG_MAX) {
		if (!span.is_hole)
			continue;
		rc = fn(arg, span.start_hole, span.last_hole);
		if (rc)
			break;
	}
	pthread_rwlock_unlock(&iopt->iova_lock);
	return rc;
}

int sio_iopt_check_alignment(struct sio_iopt *iopt, uint64_t new_alignment)
{
	uint64_t mask = new_alignment - 1;
	struct sio_itree_node *n;

	sio_itree_for_each(n, &iopt->area_itree, 0, UINT64_MAX) {
		struct sio_area *area = area_of(n);

		if ((area->node.start & mask) || ((area->node.last - area->node.start + 1) & mask) ||
		    (area->page_offset & mask))
			return -EADDRINUSE;
	}
	return 0;
}

/*
 * The alignment every user of the table needs: PAGE_SIZE without large
 * pages (else 1), and at least the smallest page of every domain.
 */
int sio_iopt_recalc_alignment(struct sio_iopt *iopt)
{
	uint64_t align = iopt->disable_large_pages ? sio_page_size() : 1;
	struct sio_iopt_access_link *link;
	size_t i;
	int rc;

	for (i = 0; i < iopt->ndomains; i++) {
		struct sio_domain_info info;

		sio_domain_get_info(iopt->domains[i], &info);
		align = sio_max(align, 1ull << sio_ffs64(info.pgsize_bitmap));
	}
	for (link = iopt->accesses; link; link = link->next)
		align = sio_max(align, link->access->iova_alignment);
	if (align > iopt->iova_alignment) {
		rc = sio_iopt_check_alignment(iopt, align);
		if (rc)
			return rc;
	}
	iopt->iova_alignment = align;
	return 0;
}

int sio_iopt_set_large_pages(struct sio_iopt *iopt, bool enable)
{
	int rc = 0;

	pthread_rwlock_wrlock(&iopt->domains_lock);
	pthread_rwlock_wrlock(&iopt->iova_lock);
	if (enable) {
		iopt->disable_large_pages = false;
		rc = sio_iopt_recalc_alignment(iopt);
	} else if (!iopt->disable_large_pages) {
		/* Mapped domains already hold large IOPTEs that cannot be split. */
		if (iopt->ndomains && !sio_itree_empty(&iopt->area_itree)) {
			rc = -EINVAL;
		} else {
			iopt->disable_large_pages = true;
			rc = sio_iopt_recalc_alignment(iopt);
			if (rc)
				iopt->disable_large_pages = false;
		}
	}
	pthread_rwlock_unlock(&iopt->iova_lock);
	pthread_rwlock_unlock(&iopt->domains_lock);
	return rc;
}

bool sio_iopt_large_pages(struct sio_iopt *iopt)
{
	bool on;

	pthread_rwlock_rdlock(&iopt->iova_lock);
	on = !iopt->disable_large_pages;
	pthread_rwlock_unlock(&iopt->iova_lock);
	return on;
}

/* Split @area after @iova. Called with both locks held (domains read, iova write). */
static int area_split(struct sio_iopt *iopt, struct sio_area *area, uint64_t iova)
{
	uint64_t align = iopt->iova_alignment, ps = sio_page_size();
	uint64_t new_start = iova + 1, start_byte;
	struct sio_area *rhs;

	/* Linux skips a cut at either end of the area before anything else. */
	if (iova == area->node.start || iova == area->node.last)
		return 0;
	if (!area->pages || area->num_locks || area->num_accesses)
		return -EBUSY;
	start_byte = area->first_index * ps + area->page_offset + (new_start - area->node.start);
	if ((new_start & (align - 1)) || (start_byte & (align - 1)))
		return -EINVAL;
	rhs = calloc(1, sizeof(*rhs));
	if (!rhs)
		return -ENOMEM;
	/* A neighbour's link or unlink writes our list links under dmabuf->lock. */
	if (area->pages->dmabuf)
		pthread_mutex_lock(&area->pages->dmabuf->lock);
	*rhs = *area;
	if (area->pages->dmabuf)
		pthread_mutex_unlock(&area->pages->dmabuf->lock);
	/* Fresh tree and list links: the copy must not inherit the left half's. */
	rhs->node = (struct sio_itree_node){ .start = new_start, .last = area->node.last };
	rhs->dmabuf_link = (struct sio_dmabuf_link){ 0 };
	rhs->page_offset = start_byte % ps;
	rhs->first_index = start_byte / ps;
	sio_pages_get(area->pages);

	sio_itree_remove(&iopt->area_itree, &area->node);
	area->node.last = iova;
	area->last_index = (area->first_index * ps + area->page_offset +
			    (iova - area->node.start)) / ps;
	/* Both halves keep their pages pinned; nothing is released in between. */
	if (area->domains_pinned)
		sio_pages_pin_split(area->pages, &area->domains_pin, area->last_index,
				    &rhs->domains_pin, rhs->first_index);
	sio_itree_insert(&iopt->area_itree, &area->node);
	sio_itree_insert(&iopt->area_itree, &rhs->node);
	/*
	 * The right half is linked even if the buffer was just revoked: a
	 * revoke in flight visits this table (the left half made it collect
	 * the IOAS) after we drop the locks and tears out both halves; a
	 * revoked left half gave the copy its revoked state.
	 */
	if (rhs->pages->dmabuf)
		sio_dmabuf_link_area(rhs->pages->dmabuf, rhs, true);
	return 0;
}

int sio_iopt_cut_iova(struct sio_iopt *iopt, const uint64_t *iovas, size_t n)
{
	size_t i;
	int rc = 0;

	pthread_rwlock_rdlock(&iopt->domains_lock);
	pthread_rwlock_wrlock(&iopt->iova_lock);
	for (i = 0; i < n && !rc; i++) {
		struct sio_itree_node *node = sio_itree_iter_first(&iopt->area_itree, iovas[i],
								   iovas[i]);

		if (node)
			rc = area_split(iopt, area_of(node), iovas[i]);
	}
	pthread_rwlock_unlock(&iopt->iova_lock);
	pthread_rwlock_unlock(&iopt->domains_lock);
	return rc;
}

bool sio_iopt_has_user_areas(struct sio_iopt *iopt)
{
	struct sio_itree_node *n;
	bool found = false;

	pthread_rwlock_rdlock(&iopt->iova_lock);
	sio_itree_for_each(n, &iopt->area_itree, 0, UINT64_MAX) {
		struct sio_area *area = area_of(n);

		if (area->pages && area->pages->type == SIO_PAGES_USER) {
			found = true;
			break;
		}
	}
	pthread_rwlock_unlock(&iopt->iova_lock);
	return found;
}
