/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Pages: the backing memory of one IOAS_MAP or IOAS_MAP_FILE, shared by every
 * area that maps part of it (IOAS_COPY shares, it never re-pins).
 *
 * softiommu's "physical" address space is the virtual address space of the
 * process that holds the context: a user-VA page is addressed by its VA, a
 * file page by the VA of softiommu's own shared mapping of the file, which
 * survives the caller unmapping its copy (as a pinned file page does).
 *
 * Pinning is lazy, as in Linux: nothing touches the memory until a user
 * (a domain filling an area, an access pinning a range) asks for a span of
 * page indexes. Every page is pinned once per pages object however many users
 * need it; pinning faults the memory in with the needed access (unmapped or
 * unwritable memory gives -EFAULT) and charges the pinned count against the
 * memory limit (-ENOMEM past it).
 *
 * Locking: @lock protects the pin tree, the pinned count and the file
 * mapping. The reference count is atomic.
 */
#ifndef SIO_CORE_PAGES_H
#define SIO_CORE_PAGES_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "base/itree.h"
#include "core/account.h"

enum sio_pages_type {
	SIO_PAGES_USER,
	SIO_PAGES_FILE,
};

struct sio_dmabuf;

struct sio_pages {
	int refs;
	pthread_mutex_t lock;
	enum sio_pages_type type;
	uint64_t uva;		/* USER: page-aligned VA of page index 0 */
	int fd;			/* FILE: softiommu's own reference to the file */
	uint64_t file_start;	/* FILE: page-aligned file offset of page index 0 */
	void *file_map;		/* FILE: shared mapping of all npages while any are pinned */
	/* FILE over a dma-buf's memfd: a reference on the buffer (core/dmabuf.h). */
	struct sio_dmabuf *dmabuf;
	uint64_t npages;
	bool writable;
	enum sio_account_mode account_mode;
	struct sio_itree pin_itree;	/* spans of page indexes held by users */
	uint64_t npinned;		/* distinct pages pinned, as charged */
};

/* A user's hold on a span of page indexes; embedded in the user. */
struct sio_pages_pin {
	struct sio_itree_node node;
};

/*
 * Describe [uva, uva + length) of the calling process. @start_byte returns
 * the offset of @uva inside page index 0.
 * Return: 0, -EINVAL (length 0 or too large), -EOVERFLOW (wraps), -ENOMEM.
 */
int sio_pages_alloc_user(uint64_t uva, uint64_t length, bool writable,
			 struct sio_pages **out, uint64_t *start_byte);

/*
 * Describe [start, start + length) of the file behind @fd (a reference to the
 * file is taken). Return: 0, -EBADF, -EINVAL, -EOVERFLOW, -ENOMEM.
 */
int sio_pages_alloc_file(int fd, uint64_t start, uint64_t length, bool writable,
			 struct sio_pages **out, uint64_t *start_byte);

void sio_pages_get(struct sio_pages *pages);
void sio_pages_put(struct sio_pages *pages);

/*
 * Hold page indexes [first, last] through @pin, pinning those not yet
 * pinned. Return: 0, -EFAULT (memory missing or not writable when the pages
 * are writable), -EINVAL (file not shmem/hugetlbfs or range beyond its end),
 * -ENOMEM (memory limit).
 */
int sio_pages_pin(struct sio_pages *pages, struct sio_pages_pin *pin,
		  uint64_t first, uint64_t last);

/* Release a hold taken by sio_pages_pin(); unpins pages no one else holds. */
void sio_pages_unpin(struct sio_pages *pages, struct sio_pages_pin *pin);

/*
 * Split the hold @lhs into @lhs (ending at @lhs_last) and @rhs (starting at
 * @rhs_first, ending where @lhs ended), without releasing any page in
 * between. @rhs_first <= @lhs_last + 1.
 */
void sio_pages_pin_split(struct sio_pages *pages, struct sio_pages_pin *lhs, uint64_t lhs_last,
			 struct sio_pages_pin *rhs, uint64_t rhs_first);

/* The "physical" address of page index @index; valid while it is pinned. */
uint64_t sio_pages_phys(const struct sio_pages *pages, uint64_t index);

struct sio_physmap;
struct sio_physid;

/*
 * Number of pages objects holding a pin on the physical page @id (see
 * core/physid.h; @map is a snapshot used to place user-VA pages objects) —
 * what MD_CHECK_REFS reads as the page's pin count.
 */
unsigned int sio_pages_pin_count_id(const struct sio_physmap *map, const struct sio_physid *id);

uint64_t sio_page_size(void);

#endif /* SIO_CORE_PAGES_H */
