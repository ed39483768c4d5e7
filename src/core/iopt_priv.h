/* SPDX-License-Identifier: BSD-3-Clause */
/* Internals shared by the IO page table files of the core. */
#ifndef SIO_CORE_IOPT_PRIV_H
#define SIO_CORE_IOPT_PRIV_H

#include "core/iopt.h"

/*
 * Map a new @area of @pages into every domain (pinning the pages first).
 * Called with domains_lock held (read or write) while the area is still
 * incomplete (its pages not yet published). Return: 0, or the error with
 * nothing left mapped or pinned.
 */
int sio_iopt_area_fill_domains(struct sio_iopt *iopt, struct sio_area *area,
			       struct sio_pages *pages);

/*
 * Unmap @area from every domain and release its pin on @pages (the area's,
 * passed separately because an area being removed no longer publishes it).
 * domains_lock held.
 */
void sio_iopt_area_unfill_domains(struct sio_iopt *iopt, struct sio_area *area,
				  struct sio_pages *pages);

/* Recompute the alignment from large pages, domains and accesses (both locks
 * held for write). -EADDRINUSE when an area cannot meet a raised alignment. */
int sio_iopt_recalc_alignment(struct sio_iopt *iopt);

/* Ask every access of the table to unpin [iova, iova + length). No locks held. */
void sio_iopt_notify_unmap(struct sio_iopt *iopt, uint64_t iova, uint64_t length);

/* -EADDRINUSE unless every area conforms to @alignment. iova_lock held. */
int sio_iopt_check_alignment(struct sio_iopt *iopt, uint64_t alignment);

/* Reserve [start, last] for @owner with iova_lock held for write. */
int sio_iopt_reserve_locked(struct sio_iopt *iopt, uint64_t start, uint64_t last,
			    const void *owner);
void sio_iopt_remove_reserved_locked(struct sio_iopt *iopt, const void *owner);

#endif /* SIO_CORE_IOPT_PRIV_H */
