/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ID table: maps IDs in [1, SIO_ID_MAX] to pointers, allocating the lowest
 * free ID. Used for the object IDs of an iommufd context.
 *
 * Locking: none. The owner serialises every call (the context's table lock).
 * Lookups are O(1); allocation scans a bitmap from a lowest-free hint.
 */
#ifndef SIO_BASE_IDTABLE_H
#define SIO_BASE_IDTABLE_H

#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>

/* Linux allocates object IDs from 1 to 2^31 - 1. */
#define SIO_ID_MAX 0x7fffffffu

struct sio_idtable {
	void **slots;		/* slots[id], NULL when free */
	uint64_t *used;		/* bit id set when the ID is taken (even with a NULL slot) */
	uint32_t cap;		/* number of slots; slot 0 is never used */
	uint32_t hint;		/* every ID below hint is taken */
	uint32_t limit;		/* highest ID that may be handed out */
	size_t count;		/* IDs taken */
};

void sio_idtable_init(struct sio_idtable *t);
/* Lower the highest allocatable ID (tests of ID exhaustion). */
void sio_idtable_set_limit(struct sio_idtable *t, uint32_t limit);
void sio_idtable_fini(struct sio_idtable *t);

/*
 * Take the lowest free ID and store @entry (may be NULL: a reservation).
 * Return: 0 and *out_id, -ENOSPC when every ID is taken, -ENOMEM.
 */
int sio_idtable_alloc(struct sio_idtable *t, void *entry, uint32_t *out_id);

/* The entry stored at @id, or NULL when the ID is free or reserved. */
void *sio_idtable_get(const struct sio_idtable *t, uint32_t id);

/* Whether @id is taken (stored or reserved). */
bool sio_idtable_taken(const struct sio_idtable *t, uint32_t id);

/* Replace the entry of a taken @id; returns the old entry. */
void *sio_idtable_set(struct sio_idtable *t, uint32_t id, void *entry);

/* Release @id so that it can be handed out again. */
void sio_idtable_free(struct sio_idtable *t, uint32_t id);

/*
 * Iterate taken IDs >= *pos in ascending order: returns true and sets *pos to
 * the next taken ID, false when there is none.
 */
bool sio_idtable_next(const struct sio_idtable *t, uint32_t *pos);

#endif /* SIO_BASE_IDTABLE_H */
