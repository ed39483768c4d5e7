/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The IO page table of an IOAS: which IOVA ranges map which pages, which
 * ranges are reserved, which are allowed for automatic allocation, and the
 * IOVA alignment every mapping must respect.
 *
 * Locking, outermost first: domains_lock (rwlock; write while a domain or an
 * access is added or removed, read while areas are filled into domains) →
 * iova_lock (rwlock over the three trees, the alignment and the large-page
 * flag) → pages->lock, and iova_lock → dmabuf->lock (areas of a dma-buf are
 * linked on it when they complete and unlinked when they are removed; a
 * revoke takes dmabuf->lock alone, drops it, then takes the table's locks:
 * see core/dmabuf.h). An area whose @pages is NULL is being inserted or
 * removed; only the thread doing that touches it, and unmap of it gives EBUSY.
 */
#ifndef SIO_CORE_IOPT_H
#define SIO_CORE_IOPT_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "base/itree.h"
#include "core/account.h"
#include "core/dmabuf.h"
#include "core/pages.h"

enum sio_prot {
	SIO_PROT_READ = 1 << 0,
	SIO_PROT_WRITE = 1 << 1,
	SIO_PROT_CACHE = 1 << 2,
};

struct sio_domain;
struct sio_access;
struct sio_access_pin;

/* An access on a table's list; an access moving between IOASes is on two. */
struct sio_iopt_access_link {
	struct sio_access *access;
	struct sio_iopt_access_link *next;
};

struct sio_iopt {
	pthread_rwlock_t domains_lock;
	pthread_rwlock_t iova_lock;
	/* Domains mirroring every area; written under both locks for write. */
	struct sio_domain **domains;
	size_t ndomains;
	size_t domains_cap;
	/* Accesses using the table; written under both locks for write. */
	struct sio_iopt_access_link *accesses;
	struct sio_itree area_itree;
	struct sio_itree reserved_itree;
	struct sio_itree allowed_itree;
	uint64_t iova_alignment;
	bool disable_large_pages;
};

struct sio_area {
	struct sio_itree_node node;	/* IOVA range, inclusive */
	struct sio_iopt *iopt;
	struct sio_pages *pages;	/* NULL while inserted but not complete */
	uint64_t first_index;		/* page indexes of @pages this area maps */
	uint64_t last_index;
	uint64_t page_offset;		/* offset of node.start inside page first_index */
	int prot;			/* enum sio_prot */
	unsigned int num_accesses;
	unsigned int num_locks;
	/* Held while the area is mapped in at least one domain. */
	struct sio_pages_pin domains_pin;
	bool domains_pinned;
	/* Pins taken by accesses (iova_lock held for write to change). */
	struct sio_access_pin *access_pins;
	/* Unmap is waiting for accesses to let go: no new access pins. */
	bool prevent_access;
	/*
	 * Pages of a dma-buf: linked on its list while complete (dmabuf->lock).
	 * @revoked (both iopt locks held for write to set; never cleared): the
	 * buffer was revoked, the area is in no domain and holds no domains
	 * pin, and no domain will ever map it; it only waits to be unmapped.
	 */
	struct sio_dmabuf_link dmabuf_link;
	bool revoked;
};

struct sio_reserved {
	struct sio_itree_node node;
	const void *owner;		/* NULL: the test op ADD_RESERVED */
};

struct sio_allowed {
	struct sio_itree_node node;
};

/* One contiguous piece of pages to place in an IOAS (a MAP, or part of a COPY). */
struct sio_iopt_piece {
	struct sio_pages *pages;	/* a reference, moved into the area on success */
	uint64_t start_byte;		/* byte offset in @pages */
	uint64_t length;
	struct sio_area *area;
};

/*
 * Pieces of a map or copy. The first is stored inline (a map has exactly
 * one), so a list that holds pieces must not be moved by value.
 */
struct sio_iopt_pieces {
	struct sio_iopt_piece *v;	/* &inline_piece, or an array of @cap */
	size_t n;
	size_t cap;
	struct sio_iopt_piece inline_piece;
};

void sio_iopt_init(struct sio_iopt *iopt);
/* Frees allowed and test-reserved ranges; every area must already be gone. */
void sio_iopt_fini(struct sio_iopt *iopt);

/*
 * Map user memory / a file at *iova (fixed) or at an automatically chosen IOVA
 * (@alloc_iova, result in *iova). Errors as IOMMU_IOAS_MAP / MAP_FILE after
 * their argument checks: -EINVAL, -EOVERFLOW, -EEXIST, -ENOSPC, -EPERM,
 * -EBADF, -ENOMEM, -EFAULT.
 */
int sio_iopt_map_user(struct sio_iopt *iopt, enum sio_account_mode mode, uint64_t *iova,
		      uint64_t uva, uint64_t length, int prot, bool alloc_iova);
int sio_iopt_map_file(struct sio_iopt *iopt, enum sio_account_mode mode, uint64_t *iova,
		      int fd, uint64_t start, uint64_t length, int prot, bool alloc_iova);

/*
 * Map [start, start + length) of @dmabuf (IOAS_MAP_FILE of a dma-buf fd).
 * Return: as sio_iopt_map_file(), -EINVAL also for a range outside the
 * buffer, -ENODEV when the buffer is revoked (checked again when the area
 * completes, so a racing revoke either tears it out or fails it). Its pages
 * are not charged to RLIMIT_MEMLOCK (SIO_ACCOUNT_NONE), in either mode.
 */
int sio_iopt_map_dmabuf(struct sio_iopt *iopt, uint64_t *iova, struct sio_dmabuf *dmabuf,
			uint64_t start, uint64_t length, int prot, bool alloc_iova);

/*
 * Tear every area of @dmabuf out of every domain of @iopt (unmap it, drop its
 * domains pin, mark it revoked), if the buffer is still revoked. Takes
 * domains_lock and iova_lock for write, then dmabuf->lock: call with none
 * held.
 */
void sio_iopt_revoke_dmabuf(struct sio_iopt *iopt, struct sio_dmabuf *dmabuf);

/*
 * Collect the pages behind [iova, iova + length) (IOAS_COPY source): the range
 * must be covered by contiguous areas. Return: 0, -EINVAL (length 0),
 * -EOVERFLOW, -ENOENT (hole), -ENOMEM. Free with sio_iopt_pieces_free().
 */
int sio_iopt_get_pages(struct sio_iopt *iopt, uint64_t iova, uint64_t length,
		       struct sio_iopt_pieces *pieces);
int sio_iopt_map_pieces(struct sio_iopt *iopt, struct sio_iopt_pieces *pieces,
			uint64_t length, uint64_t *iova, int prot, bool alloc_iova);
void sio_iopt_pieces_free(struct sio_iopt_pieces *pieces);

/*
 * Remove every area inside [iova, iova + length). *unmapped receives the bytes
 * removed, also on error. Return: 0 (also when nothing was mapped), -EINVAL
 * (length 0), -EOVERFLOW, -ENOENT (an area crosses the range edge), -EBUSY.
 */
int sio_iopt_unmap(struct sio_iopt *iopt, uint64_t iova, uint64_t length, uint64_t *unmapped);
int sio_iopt_unmap_all(struct sio_iopt *iopt, uint64_t *unmapped);

/*
 * Replace the allowed ranges by the nodes of @allowed (struct sio_allowed).
 * On success @allowed receives the old nodes; on -EADDRINUSE (a new range
 * intersects a reserved one) it keeps the new ones. The caller frees them.
 */
int sio_iopt_set_allowed(struct sio_iopt *iopt, struct sio_itree *allowed);
void sio_iopt_free_allowed(struct sio_itree *allowed);

/* Reserve [start, last] for @owner. Return: 0, -EADDRINUSE, -ENOMEM. */
int sio_iopt_reserve(struct sio_iopt *iopt, uint64_t start, uint64_t last, const void *owner);
void sio_iopt_remove_reserved(struct sio_iopt *iopt, const void *owner);

/*
 * Call @fn for every hole of the reserved ranges over [0, ULONG_MAX], in
 * order, under the IOVA lock; stop at the first non-zero return and return
 * it. *alignment receives the IOAS alignment.
 */
int sio_iopt_for_each_usable(struct sio_iopt *iopt,
			     int (*fn)(void *arg, uint64_t start, uint64_t last), void *arg,
			     uint64_t *alignment);

/* IOMMU_OPTION_HUGE_PAGES. Return: 0, -EINVAL, -EADDRINUSE. */
int sio_iopt_set_large_pages(struct sio_iopt *iopt, bool enable);
bool sio_iopt_large_pages(struct sio_iopt *iopt);

/*
 * Split every area that contains iovas[i] so that one area ends at iovas[i]
 * and another starts at iovas[i] + 1 (both share the pages). For VFIO type1
 * compatibility, whose unmap may cut mappings. Return: 0, -EINVAL (the cut
 * is not aligned to the IOAS alignment, in IOVA or in the pages), -EBUSY
 * (an area being created, or locked), -ENOMEM.
 */
int sio_iopt_cut_iova(struct sio_iopt *iopt, const uint64_t *iovas, size_t n);

/*
 * Add @domain to the table: raise the alignment to its smallest page
 * (-EINVAL beyond PAGE_SIZE, -EADDRINUSE if an area is misaligned), reserve
 * what lies outside its aperture (-EADDRINUSE), and map every area into it,
 * pinning pages on the first domain (-EFAULT, -EINVAL, -ENOMEM). On failure
 * the table is unchanged.
 */
int sio_iopt_table_add_domain(struct sio_iopt *iopt, struct sio_domain *domain);
/* Unmap every area from @domain, drop its reservations and recompute alignment. */
void sio_iopt_table_remove_domain(struct sio_iopt *iopt, struct sio_domain *domain);

/*
 * Dirty tracking of @domain over [first, last], which must be covered by
 * contiguous areas (-EINVAL for a hole): report dirty leaves to @fn and
 * clear them unless @no_clear. -EINVAL also while tracking is off.
 */
int sio_iopt_read_and_clear_dirty(struct sio_iopt *iopt, struct sio_domain *domain,
				  uint64_t first, uint64_t last, bool no_clear,
				  void (*fn)(void *arg, uint64_t iova, uint64_t size), void *arg);
/* Turn tracking on (from a clean state of every mapped range) or off. */
int sio_iopt_set_dirty_tracking(struct sio_iopt *iopt, struct sio_domain *domain, bool enable);

/*
 * Accesses (core/access.h). add: joins the list and raises the alignment
 * (-EADDRINUSE when an area is misaligned for it); pin/unpin/rw work on
 * [iova, last] through contiguous areas.
 */
int sio_iopt_add_access(struct sio_iopt *iopt, struct sio_access *access);
void sio_iopt_remove_access(struct sio_iopt *iopt, struct sio_access *access);
int sio_iopt_access_pin(struct sio_iopt *iopt, struct sio_access *access, uint64_t iova,
			uint64_t last, bool write, uint64_t *phys);
void sio_iopt_access_unpin(struct sio_iopt *iopt, struct sio_access *access, uint64_t iova,
			   uint64_t last);
int sio_iopt_access_rw(struct sio_iopt *iopt, uint64_t iova, uint64_t last, void *data,
		       bool write);
uint64_t sio_iopt_nth_area_iova(struct sio_iopt *iopt, uint32_t nth, uint32_t offset);

/* Whether any area maps user VA (rather than a file). */
bool sio_iopt_has_user_areas(struct sio_iopt *iopt);

#endif /* SIO_CORE_IOPT_H */
