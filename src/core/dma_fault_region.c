/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The DMA fault region pair (see dma_fault_region.h for the ABI rules and
 * where softiommu is stricter than v13).
 *
 * Each region is a sealed, zero-filled memfd (base/memfd.h) whose file
 * offsets are the region offsets. softiommu maps each whole: the header
 * page read-write, the ring read-write in the fault region (softiommu
 * writes records there) and read-only in the response region (softiommu
 * only reads the program's entries there, so a stray write of its own
 * faults instead of changing them).
 *
 * Indices are in [0, nb_entries) as in v13; the ring holds CIRC_CNT =
 * (producer - consumer) & (nb - 1) entries and at most nb - 1.
 *
 * Locking: each region has one mutex (struct dfr_region.lock). It protects
 * that region's indices and counters and every access softiommu makes to
 * the region's memory: a pread never sees a half-written record or header,
 * and an accepted program index is acted upon (responses consumed) before
 * the next call on that region starts. The two mutexes are never held
 * together, so @respond may take a lock under which sio_dfr_push() is
 * called. The program's accesses through its own mapping of a ring take
 * no lock: it is ordered by the header indices it exchanges through
 * sio_dfr_rw(), which take the mutex (a record is written before head is
 * published, and a response slot is read before tail is published).
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>

#include "base/compiler.h"
#include "base/memfd.h"
#include "base/sys.h"
#include "base/uaccess.h"
#include "core/dma_fault_region.h"

/*
 * Both v13 headers: the program's index at 0, the geometry, softiommu's
 * index at 16. One private view serves both regions.
 */
struct dfr_hdr {
	uint32_t prog_idx;	/* fault: tail; response: head */
	uint32_t entry_size;
	uint32_t nb_entries;
	uint32_t offset;
	uint32_t own_idx;	/* fault: head; response: tail */
};

#define DFR_HDR_SAME(field_f, field_r, field)						\
	_Static_assert(offsetof(struct vfio_region_dma_fault, field_f) ==		\
		       offsetof(struct dfr_hdr, field) &&				\
		       offsetof(struct vfio_region_dma_fault_response, field_r) ==	\
		       offsetof(struct dfr_hdr, field), "header layout: " #field)

DFR_HDR_SAME(tail, head, prog_idx);
DFR_HDR_SAME(entry_size, entry_size, entry_size);
DFR_HDR_SAME(nb_entries, nb_entries, nb_entries);
DFR_HDR_SAME(offset, offset, offset);
DFR_HDR_SAME(head, tail, own_idx);
_Static_assert(sizeof(struct iommu_fault) == 64, "fault record size");
_Static_assert(sizeof(struct iommu_page_response) == 24, "page response size");

struct dfr_region {
	/* Set at creation, then read-only. */
	int fd;
	uint32_t entry_size;
	uint64_t size;			/* page + ring, a multiple of the page size */
	uint8_t *map;			/* softiommu's mapping of [0, size) */

	pthread_mutex_t lock;		/* protects the fields below and *map */
	uint32_t own_idx;		/* authoritative; the header's is a copy */
	uint32_t prog_idx;		/* the program's, as last accepted */
	uint64_t done;			/* rec_pushed / resp_consumed */
	uint64_t failed;		/* rec_dropped / resp_rejected */
};

struct sio_dfr {
	/* Set at creation, then read-only. */
	uint32_t nb;
	uint64_t page;
	struct sio_dfr_ops ops;
	struct dfr_region reg[2];	/* indexed by enum sio_dfr_which */
};

static bool which_valid(enum sio_dfr_which which)
{
	return which == SIO_DFR_FAULT || which == SIO_DFR_RESPONSE;
}

static struct dfr_hdr *region_hdr(const struct dfr_region *r)
{
	return (struct dfr_hdr *)r->map;
}

static uint8_t *region_slot(const struct sio_dfr *dfr, const struct dfr_region *r, uint32_t idx)
{
	return r->map + dfr->page + (size_t)idx * r->entry_size;
}

/*
 * Write the whole header from private state, under the region's lock;
 * done at every change and before every read. The header page is never
 * read back, so whatever else wrote it (a program mapping the memfd at
 * offset 0) is neither used nor shown.
 */
static void region_publish_locked(const struct sio_dfr *dfr, struct dfr_region *r)
{
	struct dfr_hdr *h = region_hdr(r);

	h->prog_idx = r->prog_idx;
	h->entry_size = r->entry_size;
	h->nb_entries = dfr->nb;
	h->offset = (uint32_t)dfr->page;
	h->own_idx = r->own_idx;
}

static int region_init(struct sio_dfr *dfr, enum sio_dfr_which which, uint32_t entry_size,
		       int ring_prot)
{
	static const char *const names[] = {
		[SIO_DFR_FAULT] = "softiommu-dma-fault",
		[SIO_DFR_RESPONSE] = "softiommu-dma-fault-response",
	};
	struct dfr_region *r = &dfr->reg[which];
	void *map;
	int rc;

	r->entry_size = entry_size;
	r->size = dfr->page + SIO_ALIGN_UP((uint64_t)dfr->nb * entry_size, dfr->page);
	r->fd = sio_memfd_sealed(names[which], r->size);
	if (r->fd < 0)
		return r->fd;
	map = sio_sys_mmap(NULL, r->size, ring_prot, MAP_SHARED, r->fd, 0);
	if (map == MAP_FAILED) {
		rc = -errno;
		goto out_close;
	}
	/* The header page is softiommu's to write in both regions. */
	if (sio_sys_mmap(map, dfr->page, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, r->fd,
			 0) == MAP_FAILED) {
		rc = -errno;
		goto out_unmap;
	}
	r->map = map;
	pthread_mutex_init(&r->lock, NULL);
	/* Not shared yet: the lock is not needed. */
	region_publish_locked(dfr, r);
	return 0;

out_unmap:
	sio_sys_munmap(map, r->size);
out_close:
	sio_sys_close(r->fd);
	return rc;
}

static void region_fini(struct dfr_region *r)
{
	pthread_mutex_destroy(&r->lock);
	sio_sys_munmap(r->map, r->size);
	sio_sys_close(r->fd);
}

int sio_dfr_create(unsigned int nb_entries, const struct sio_dfr_ops *ops, struct sio_dfr **out)
{
	long page = sysconf(_SC_PAGESIZE);
	struct sio_dfr *dfr;
	int rc;

	if (nb_entries < 2 || nb_entries > SIO_DFR_NB_MAX || !sio_is_pow2(nb_entries) ||
	    page <= 0)
		return -EINVAL;
	dfr = calloc(1, sizeof(*dfr));
	if (!dfr)
		return -ENOMEM;
	dfr->nb = nb_entries;
	dfr->page = (uint64_t)page;
	if (ops)
		dfr->ops = *ops;
	rc = region_init(dfr, SIO_DFR_FAULT, sizeof(struct iommu_fault), PROT_READ | PROT_WRITE);
	if (rc)
		goto out_free;
	rc = region_init(dfr, SIO_DFR_RESPONSE, sizeof(struct iommu_page_response), PROT_READ);
	if (rc)
		goto out_fini_fault;
	*out = dfr;
	return 0;

out_fini_fault:
	region_fini(&dfr->reg[SIO_DFR_FAULT]);
out_free:
	free(dfr);
	return rc;
}

void sio_dfr_destroy(struct sio_dfr *dfr)
{
	if (!dfr)
		return;
	region_fini(&dfr->reg[SIO_DFR_RESPONSE]);
	region_fini(&dfr->reg[SIO_DFR_FAULT]);
	free(dfr);
}

uint64_t sio_dfr_size(const struct sio_dfr *dfr, enum sio_dfr_which which)
{
	return which_valid(which) ? dfr->reg[which].size : 0;
}

void sio_dfr_mmap_area(const struct sio_dfr *dfr, enum sio_dfr_which which, uint64_t *offset,
		       uint64_t *size)
{
	if (!which_valid(which)) {
		*offset = 0;
		*size = 0;
		return;
	}
	*offset = dfr->page;
	*size = dfr->reg[which].size - dfr->page;
}

int sio_dfr_push(struct sio_dfr *dfr, const struct iommu_fault *rec)
{
	struct dfr_region *r = &dfr->reg[SIO_DFR_FAULT];
	uint32_t mask = dfr->nb - 1, head;
	int rc = 0;

	pthread_mutex_lock(&r->lock);
	head = r->own_idx;
	/* CIRC_SPACE(head, tail, nb): one slot stays free so that full != empty. */
	if (((r->prog_idx - head - 1) & mask) < 1) {
		r->failed++;
		rc = -ENOSPC;
		goto out_unlock;
	}
	memcpy(region_slot(dfr, r, head), rec, sizeof(*rec));
	r->own_idx = (head + 1) & mask;
	region_publish_locked(dfr, r);
	r->done++;
	if (dfr->ops.signal)
		dfr->ops.signal(dfr->ops.arg);
out_unlock:
	pthread_mutex_unlock(&r->lock);
	return rc;
}

/*
 * The one fetch of a response slot: three 8-byte loads (the slot is 8-byte
 * aligned: page + idx * 24) into @out. Nothing reads the slot again; the
 * program rewriting it meanwhile changes nothing of @out.
 */
static void fetch_response(const uint8_t *slot, struct iommu_page_response *out)
{
	const uint64_t *w = (const uint64_t *)(const void *)slot;
	uint64_t v[sizeof(*out) / sizeof(uint64_t)];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(v); i++)
		v[i] = __atomic_load_n(&w[i], __ATOMIC_RELAXED);
	memcpy(out, v, sizeof(*out));
}

/* Consume the responses in [tail, head), in order. The region's lock held. */
static void consume_responses_locked(struct sio_dfr *dfr, struct dfr_region *r)
{
	uint32_t mask = dfr->nb - 1;
	struct iommu_page_response resp;
	int rc;

	while (r->own_idx != r->prog_idx) {
		fetch_response(region_slot(dfr, r, r->own_idx), &resp);
		rc = dfr->ops.respond ? dfr->ops.respond(dfr->ops.arg, &resp) : -EOPNOTSUPP;
		if (rc)
			r->failed++;
		r->done++;
		r->own_idx = (r->own_idx + 1) & mask;
		region_publish_locked(dfr, r);
	}
}

ssize_t sio_dfr_rw(struct sio_dfr *dfr, enum sio_dfr_which which, uint64_t pos, uint64_t ubuf,
		   size_t count, bool write)
{
	struct dfr_region *r;
	uint32_t idx;
	ssize_t rc;

	if (!which_valid(which))
		return -EINVAL;
	r = &dfr->reg[which];
	if (pos >= r->size)
		return -EINVAL;
	count = (size_t)sio_min((uint64_t)count, r->size - pos);
	if (!write) {
		pthread_mutex_lock(&r->lock);
		region_publish_locked(dfr, r);
		rc = sio_copy_to_user(ubuf, r->map + pos, count) ? -EFAULT : (ssize_t)count;
		pthread_mutex_unlock(&r->lock);
		return rc;
	}
	if (pos != 0 || count != sizeof(idx))
		return -EINVAL;
	/* The one read of the program's value; only the copy is checked and used. */
	if (sio_copy_from_user(&idx, ubuf, sizeof(idx)))
		return -EFAULT;
	if (idx >= dfr->nb)
		return -EINVAL;
	pthread_mutex_lock(&r->lock);
	r->prog_idx = idx;
	region_publish_locked(dfr, r);
	if (which == SIO_DFR_RESPONSE)
		consume_responses_locked(dfr, r);
	pthread_mutex_unlock(&r->lock);
	return (ssize_t)count;
}

int sio_dfr_mmap_check(const struct sio_dfr *dfr, enum sio_dfr_which which, uint64_t pos,
		       uint64_t len, int prot, int *fd, uint64_t *file_off)
{
	const struct dfr_region *r;

	if (!which_valid(which))
		return -EINVAL;
	r = &dfr->reg[which];
	if (!len || !SIO_IS_ALIGNED(pos, dfr->page) || !SIO_IS_ALIGNED(len, dfr->page))
		return -EINVAL;
	if (pos < dfr->page || pos > r->size || len > r->size - pos)
		return -EINVAL;
	*fd = r->fd;
	*file_off = pos;
	return 0;
}

void sio_dfr_stats(struct sio_dfr *dfr, struct sio_dfr_stats *st)
{
	struct dfr_region *f = &dfr->reg[SIO_DFR_FAULT], *resp = &dfr->reg[SIO_DFR_RESPONSE];

	pthread_mutex_lock(&f->lock);
	st->rec_pushed = f->done;
	st->rec_dropped = f->failed;
	pthread_mutex_unlock(&f->lock);
	pthread_mutex_lock(&resp->lock);
	st->resp_consumed = resp->done;
	st->resp_rejected = resp->failed;
	pthread_mutex_unlock(&resp->lock);
}
