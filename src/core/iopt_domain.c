/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Domains of an IO page table: every area is mirrored into every domain.
 * Pages are pinned once per area, when it enters its first domain, and
 * released when it leaves its last (Linux's "storage domain" rule, which is
 * what keeps one pin per page whatever the number of domains).
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>

#include "base/compiler.h"
#include "core/iopt_priv.h"
#include "iommu/iommu.h"

#define area_of(n) container_of(n, struct sio_area, node)

static uint64_t area_length(const struct sio_area *area)
{
	return area->node.last - area->node.start + 1;
}

static uint64_t area_pa(const struct sio_area *area, struct sio_pages *pages)
{
	return sio_pages_phys(pages, area->first_index) + area->page_offset;
}

static int domain_prot(const struct sio_area *area)
{
	return ((area->prot & SIO_PROT_READ) ? SIO_PT_PROT_READ : 0) |
	       ((area->prot & SIO_PROT_WRITE) ? SIO_PT_PROT_WRITE : 0);
}

/*
 * Map @area into @domain. Without large pages every IOPTE covers at most
 * PAGE_SIZE (Linux maps page by page then), so a later VFIO type1 unmap can
 * cut anywhere.
 */
static int map_area(struct sio_iopt *iopt, struct sio_area *area, struct sio_pages *pages,
		    struct sio_domain *domain)
{
	uint64_t iova = area->node.start, pa = area_pa(area, pages), len = area_length(area);
	uint64_t ps = sio_page_size(), done = 0;
	int rc;

	if (!iopt->disable_large_pages)
		return sio_domain_map(domain, iova, pa, len, domain_prot(area));
	while (done < len) {
		uint64_t chunk = sio_min(len - done, ps - ((iova + done) & (ps - 1)));

		rc = sio_domain_map(domain, iova + done, pa + done, chunk, domain_prot(area));
		if (rc) {
			if (done)
				sio_domain_unmap(domain, iova, done);
			return rc;
		}
		done += chunk;
	}
	return 0;
}

static void unmap_area(struct sio_area *area, struct sio_domain *domain)
{
	sio_domain_unmap(domain, area->node.start, area_length(area));
}

static int pin_area(struct sio_area *area, struct sio_pages *pages)
{
	int rc;

	if (area->domains_pinned)
		return 0;
	rc = sio_pages_pin(pages, &area->domains_pin, area->first_index, area->last_index);
	if (!rc)
		area->domains_pinned = true;
	return rc;
}

static void unpin_area(struct sio_area *area, struct sio_pages *pages)
{
	if (!area->domains_pinned)
		return;
	sio_pages_unpin(pages, &area->domains_pin);
	area->domains_pinned = false;
}

int sio_iopt_area_fill_domains(struct sio_iopt *iopt, struct sio_area *area,
			       struct sio_pages *pages)
{
	size_t i;
	int rc;

	if (!iopt->ndomains)
		return 0;
	rc = pin_area(area, pages);
	if (rc)
		return rc;
	for (i = 0; i < iopt->ndomains; i++) {
		rc = map_area(iopt, area, pages, iopt->domains[i]);
		if (rc)
			goto err_unmap;
	}
	return 0;

err_unmap:
	while (i--)
		unmap_area(area, iopt->domains[i]);
	unpin_area(area, pages);
	return rc;
}

void sio_iopt_area_unfill_domains(struct sio_iopt *iopt, struct sio_area *area,
				  struct sio_pages *pages)
{
	size_t i;

	/* A revoked area already left every domain. */
	if (!area->revoked)
		for (i = 0; i < iopt->ndomains; i++)
			unmap_area(area, iopt->domains[i]);
	unpin_area(area, pages);
}

void sio_iopt_revoke_dmabuf(struct sio_iopt *iopt, struct sio_dmabuf *dmabuf)
{
	struct sio_itree_node *n;
	size_t i;

	/*
	 * Both locks for write: no area is half filled or half removed (those
	 * hold domains_lock for read throughout), and no domain comes or goes.
	 * dmabuf->lock nests inside: an un-revoke since the collection wins.
	 */
	pthread_rwlock_wrlock(&iopt->domains_lock);
	pthread_rwlock_wrlock(&iopt->iova_lock);
	if (!sio_dmabuf_is_revoked(dmabuf))
		goto out_unlock;
	sio_itree_for_each(n, &iopt->area_itree, 0, UINT64_MAX) {
		struct sio_area *area = area_of(n);

		if (!area->pages || area->revoked || area->pages->dmabuf != dmabuf)
			continue;
		for (i = 0; i < iopt->ndomains; i++)
			unmap_area(area, iopt->domains[i]);
		unpin_area(area, area->pages);
		area->revoked = true;
	}
out_unlock:
	pthread_rwlock_unlock(&iopt->iova_lock);
	pthread_rwlock_unlock(&iopt->domains_lock);
}

/* Map every complete area into @domain; undo on failure. Both locks held. */
static int fill_domain(struct sio_iopt *iopt, struct sio_domain *domain)
{
	struct sio_itree_node *n, *end;
	bool first = iopt->ndomains == 0;
	int rc = 0;

	sio_itree_for_each(n, &iopt->area_itree, 0, UINT64_MAX) {
		struct sio_area *area = area_of(n);

		/* A revoked area is never populated again. */
		if (!area->pages || area->revoked)
			continue;
		if (first) {
			rc = pin_area(area, area->pages);
			if (rc)
				break;
		}
		rc = map_area(iopt, area, area->pages, domain);
		if (rc) {
			if (first)
				unpin_area(area, area->pages);
			break;
		}
	}
	if (!rc)
		return 0;
	end = n;
	sio_itree_for_each(n, &iopt->area_itree, 0, UINT64_MAX) {
		struct sio_area *area = area_of(n);

		if (n == end)
			break;
		if (!area->pages || area->revoked)
			continue;
		unmap_area(area, domain);
		if (first)
			unpin_area(area, area->pages);
	}
	return rc;
}

int sio_iopt_table_add_domain(struct sio_iopt *iopt, struct sio_domain *domain)
{
	struct sio_domain_info info;
	uint64_t align;
	int rc;

	sio_domain_get_info(domain, &info);
	pthread_rwlock_wrlock(&iopt->domains_lock);
	pthread_rwlock_wrlock(&iopt->iova_lock);

	if (iopt->ndomains == iopt->domains_cap) {
		size_t cap = iopt->domains_cap ? iopt->domains_cap * 2 : 4;
		struct sio_domain **v = realloc(iopt->domains, cap * sizeof(*v));

		if (!v) {
			rc = -ENOMEM;
			goto out_unlock;
		}
		iopt->domains = v;
		iopt->domains_cap = cap;
	}

	/* Every domain must take PAGE_SIZE mappings: no larger minimum page. */
	align = sio_max(1ull << sio_ffs64(info.pgsize_bitmap), iopt->iova_alignment);
	if (align > sio_page_size()) {
		rc = -EINVAL;
		goto out_unlock;
	}
	if (align != iopt->iova_alignment) {
		rc = sio_iopt_check_alignment(iopt, align);
		if (rc)
			goto out_unlock;
	}

	/* No area may lie outside the aperture. */
	if (info.aperture_start != 0) {
		rc = sio_iopt_reserve_locked(iopt, 0, info.aperture_start - 1, domain);
		if (rc)
			goto out_reserved;
	}
	if (info.aperture_last != ULONG_MAX) {
		rc = sio_iopt_reserve_locked(iopt, info.aperture_last + 1, ULONG_MAX, domain);
		if (rc)
			goto out_reserved;
	}

	rc = fill_domain(iopt, domain);
	if (rc)
		goto out_reserved;
	iopt->iova_alignment = align;
	iopt->domains[iopt->ndomains++] = domain;
	pthread_rwlock_unlock(&iopt->iova_lock);
	pthread_rwlock_unlock(&iopt->domains_lock);
	return 0;

out_reserved:
	sio_iopt_remove_reserved_locked(iopt, domain);
out_unlock:
	pthread_rwlock_unlock(&iopt->iova_lock);
	pthread_rwlock_unlock(&iopt->domains_lock);
	return rc;
}

void sio_iopt_table_remove_domain(struct sio_iopt *iopt, struct sio_domain *domain)
{
	struct sio_itree_node *n;
	size_t i;

	pthread_rwlock_wrlock(&iopt->domains_lock);
	pthread_rwlock_wrlock(&iopt->iova_lock);
	for (i = 0; i < iopt->ndomains && iopt->domains[i] != domain; i++)
		;
	if (i == iopt->ndomains)
		goto out_unlock;
	iopt->domains[i] = iopt->domains[--iopt->ndomains];

	sio_itree_for_each(n, &iopt->area_itree, 0, UINT64_MAX) {
		struct sio_area *area = area_of(n);

		if (!area->pages || area->revoked)
			continue;
		unmap_area(area, domain);
		/* The last domain is gone: nothing needs the pages pinned. */
		if (!iopt->ndomains)
			unpin_area(area, area->pages);
	}
	sio_iopt_remove_reserved_locked(iopt, domain);
	/* Lowering the alignment cannot fail. */
	sio_iopt_recalc_alignment(iopt);
out_unlock:
	pthread_rwlock_unlock(&iopt->iova_lock);
	pthread_rwlock_unlock(&iopt->domains_lock);
}

int sio_iopt_read_and_clear_dirty(struct sio_iopt *iopt, struct sio_domain *domain,
				  uint64_t first, uint64_t last, bool no_clear,
				  void (*fn)(void *arg, uint64_t iova, uint64_t size), void *arg)
{
	struct sio_itree_node *n;
	uint64_t cur = first;
	int rc = -EINVAL;

	pthread_rwlock_rdlock(&iopt->iova_lock);
	n = sio_itree_iter_first(&iopt->area_itree, first, first);
	while (n && area_of(n)->pages && n->start <= cur) {
		uint64_t end = sio_min(last, n->last);

		rc = sio_domain_read_and_clear_dirty(domain, cur, end - cur + 1, no_clear, fn, arg);
		if (rc || end == last)
			break;
		cur = end + 1;
		rc = -EINVAL;
		n = sio_itree_iter_next(n, cur, last);
	}
	pthread_rwlock_unlock(&iopt->iova_lock);
	return rc;
}

static void discard_dirty(void *arg, uint64_t iova, uint64_t size)
{
}

int sio_iopt_set_dirty_tracking(struct sio_iopt *iopt, struct sio_domain *domain, bool enable)
{
	struct sio_itree_node *n;
	int rc;

	pthread_rwlock_rdlock(&iopt->iova_lock);
	rc = sio_domain_set_dirty_tracking(domain, enable);
	/* Enabling starts from a clean snapshot of every mapped range. */
	if (!rc && enable) {
		sio_itree_for_each(n, &iopt->area_itree, 0, UINT64_MAX) {
			if (!area_of(n)->pages)
				continue;
			rc = sio_domain_read_and_clear_dirty(domain, n->start, n->last - n->start + 1,
							     false, discard_dirty, NULL);
			if (rc)
				break;
		}
	}
	pthread_rwlock_unlock(&iopt->iova_lock);
	return rc;
}
