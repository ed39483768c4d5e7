/* SPDX-License-Identifier: BSD-3-Clause */
/* mmap regions of iommufd objects and their live mappings (uapi/mmap_region.h). */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>

#include "base/sys.h"
#include "core/ctx.h"
#include "core/pages.h"
#include "uapi/mmap_region.h"

/* One mmap of a region: @live[i] while page i of it is still mapped. */
struct live_map {
	uintptr_t addr;
	uint64_t npages;
	uint64_t nlive;
	uint8_t *live;
	struct sio_object *owner;	/* users reference */
	struct sio_ctx *ctx;		/* context reference */
	struct live_map *next;
};

static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;
/* Every context's regions, each context's sorted by offset (registry_lock). */
static struct sio_mmap_region *regions;
static struct live_map *maps;
/* Number of live mappings; read unlocked by munmap to skip the registry. */
static unsigned long nmaps;

/*
 * The lowest page-aligned offset >= PAGE_SIZE where @length fits between
 * @ctx's regions, and the link to insert at. registry_lock held.
 */
static int find_gap_locked(struct sio_ctx *ctx, uint64_t length, uint64_t *offset,
			   struct sio_mmap_region ***link)
{
	uint64_t cur = sio_page_size();
	struct sio_mmap_region **pp;

	for (pp = &regions; *pp; pp = &(*pp)->next) {
		struct sio_mmap_region *r = *pp;

		if (r->owner->ctx != ctx)
			continue;
		if (r->offset >= cur && r->offset - cur >= length)
			break;
		cur = r->offset + r->length;
	}
	if (cur + length < cur || cur + length > (uint64_t)INT64_MAX)
		return -ENOSPC;
	*offset = cur;
	*link = pp;
	return 0;
}

int sio_mmap_region_add(struct sio_object *owner, uint64_t length, struct sio_mmap_region **out)
{
	struct sio_mmap_region *r = calloc(1, sizeof(*r)), **link;
	int rc;

	if (!r)
		return -ENOMEM;
	r->owner = owner;
	r->length = length;
	r->fd = sio_sys_memfd_create("softiommu:mmio", MFD_CLOEXEC);
	if (r->fd < 0) {
		rc = -ENOMEM;
		goto err_free;
	}
	if (ftruncate(r->fd, (off_t)length)) {
		rc = -ENOMEM;
		goto err_close;
	}
	r->mem = sio_sys_mmap(NULL, length, PROT_READ | PROT_WRITE, MAP_SHARED, r->fd, 0);
	if (r->mem == MAP_FAILED) {
		rc = -ENOMEM;
		goto err_close;
	}
	pthread_mutex_lock(&registry_lock);
	rc = find_gap_locked(owner->ctx, length, &r->offset, &link);
	if (!rc) {
		r->next = *link;
		*link = r;
	}
	pthread_mutex_unlock(&registry_lock);
	if (rc)
		goto err_unmap;
	*out = r;
	return 0;

err_unmap:
	sio_sys_munmap(r->mem, length);
err_close:
	sio_sys_close(r->fd);
err_free:
	free(r);
	return rc;
}

void sio_mmap_region_remove(struct sio_mmap_region *region)
{
	struct sio_mmap_region **pp;

	pthread_mutex_lock(&registry_lock);
	for (pp = &regions; *pp; pp = &(*pp)->next) {
		if (*pp == region) {
			*pp = region->next;
			break;
		}
	}
	pthread_mutex_unlock(&registry_lock);
	sio_sys_munmap(region->mem, region->length);
	sio_sys_close(region->fd);
	free(region);
}

/*
 * Pages [start, end) are no longer mapped: take them off every live
 * mapping; fully unmapped ones move to *dead. registry_lock held.
 */
static void forget_range_locked(uintptr_t start, uintptr_t end, struct live_map **dead)
{
	uint64_t ps = sio_page_size();
	struct live_map **pp, *m;

	for (pp = &maps; (m = *pp);) {
		uintptr_t mend = m->addr + m->npages * ps, a;

		if (mend <= start || m->addr >= end) {
			pp = &m->next;
			continue;
		}
		for (a = start > m->addr ? start : m->addr; a < end && a < mend; a += ps) {
			uint64_t i = (a - m->addr) / ps;

			if (m->live[i]) {
				m->live[i] = 0;
				m->nlive--;
			}
		}
		if (m->nlive) {
			pp = &m->next;
			continue;
		}
		*pp = m->next;
		m->next = *dead;
		*dead = m;
		__atomic_sub_fetch(&nmaps, 1, __ATOMIC_RELAXED);
	}
}

/* Drop what fully unmapped mappings hold. registry_lock not held. */
static void release_dead(struct live_map *dead)
{
	struct live_map *m;

	while ((m = dead)) {
		dead = m->next;
		sio_object_users_put(m->owner);
		sio_ctx_put(m->ctx);
		free(m->live);
		free(m);
	}
}

void *sio_mmap_region_map(struct sio_ctx *ctx, void *addr, size_t length, int prot, int flags,
			  off_t offset, int *err)
{
	uint64_t ps = sio_page_size();
	int type = flags & MAP_TYPE;
	struct live_map *m, *dead = NULL;
	struct sio_mmap_region *r;
	void *map = NULL;

	/* What the mmap system call refuses before any driver sees it. */
	if (!length || offset < 0 || ((uint64_t)offset & (ps - 1))) {
		*err = -EINVAL;
		return NULL;
	}
	if (length & (ps - 1) || (type != MAP_SHARED && type != MAP_SHARED_VALIDATE)) {
		*err = -EINVAL;
		return NULL;
	}
	if (prot & PROT_EXEC) {
		*err = -EPERM;
		return NULL;
	}
	m = calloc(1, sizeof(*m));
	if (m)
		m->live = malloc(length / ps);
	if (!m || !m->live) {
		if (m)
			free(m);
		*err = -ENOMEM;
		return NULL;
	}

	pthread_mutex_lock(&registry_lock);
	for (r = regions; r; r = r->next)
		if (r->owner->ctx == ctx && r->offset == (uint64_t)offset)
			break;
	if (!r || r->length != length) {
		*err = -ENXIO;
		goto out_unlock;
	}
	/* The owner is alive: destroying it removes the region under this lock. */
	map = sio_sys_mmap(addr, length, prot, flags, r->fd, 0);
	if (map == MAP_FAILED) {
		*err = -errno;
		map = NULL;
		goto out_unlock;
	}
	/* A fixed mapping replaced whatever was there, live mappings included. */
	if (flags & MAP_FIXED)
		forget_range_locked((uintptr_t)map, (uintptr_t)map + length, &dead);
	sio_object_users_get(r->owner);
	sio_ctx_get(ctx);
	m->addr = (uintptr_t)map;
	m->npages = m->nlive = length / ps;
	memset(m->live, 1, m->npages);
	m->owner = r->owner;
	m->ctx = ctx;
	m->next = maps;
	maps = m;
	__atomic_add_fetch(&nmaps, 1, __ATOMIC_RELEASE);
	m = NULL;
out_unlock:
	pthread_mutex_unlock(&registry_lock);
	release_dead(dead);
	if (m) {
		free(m->live);
		free(m);
	}
	return map;
}

int sio_mmap_region_munmap(void *addr, size_t length)
{
	uintptr_t start = (uintptr_t)addr;
	uint64_t ps = sio_page_size();
	struct live_map *dead = NULL;
	int rc;

	/*
	 * With no live mapping none can appear inside a range that is mapped
	 * by something else until that range is unmapped: skip the registry.
	 */
	if (!__atomic_load_n(&nmaps, __ATOMIC_ACQUIRE))
		return sio_sys_munmap(addr, length);
	pthread_mutex_lock(&registry_lock);
	rc = sio_sys_munmap(addr, length);
	if (!rc && length && start + length > start)
		forget_range_locked(start, (start + length + ps - 1) & ~(uintptr_t)(ps - 1),
				    &dead);
	pthread_mutex_unlock(&registry_lock);
	release_dead(dead);
	return rc;
}
