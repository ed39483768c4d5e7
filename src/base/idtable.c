/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/compiler.h"
#include "base/idtable.h"

#define WORD_BITS 64u

void sio_idtable_init(struct sio_idtable *t)
{
	memset(t, 0, sizeof(*t));
	t->hint = 1;
	t->limit = SIO_ID_MAX;
}

void sio_idtable_set_limit(struct sio_idtable *t, uint32_t limit)
{
	t->limit = limit < SIO_ID_MAX ? limit : SIO_ID_MAX;
}

void sio_idtable_fini(struct sio_idtable *t)
{
	free(t->slots);
	free(t->used);
	sio_idtable_init(t);
}

static bool id_taken(const struct sio_idtable *t, uint32_t id)
{
	return id < t->cap && (t->used[id / WORD_BITS] >> (id % WORD_BITS)) & 1;
}

bool sio_idtable_taken(const struct sio_idtable *t, uint32_t id)
{
	return id_taken(t, id);
}

/* Grow so that @id is a valid slot. Capacity stays a multiple of 64. */
static int grow(struct sio_idtable *t, uint32_t id)
{
	uint64_t new_cap = t->cap ? t->cap : 64;
	uint64_t *used;
	void **slots;

	while (new_cap <= id)
		new_cap *= 2;
	if (new_cap > (uint64_t)SIO_ID_MAX + 1)
		new_cap = (uint64_t)SIO_ID_MAX + 1;

	slots = realloc(t->slots, new_cap * sizeof(*slots));
	if (!slots)
		return -ENOMEM;
	t->slots = slots;
	used = realloc(t->used, new_cap / 8);
	if (!used)
		return -ENOMEM;
	t->used = used;
	memset(slots + t->cap, 0, (new_cap - t->cap) * sizeof(*slots));
	memset((char *)used + t->cap / 8, 0, (new_cap - t->cap) / 8);
	t->cap = (uint32_t)new_cap;
	return 0;
}

int sio_idtable_alloc(struct sio_idtable *t, void *entry, uint32_t *out_id)
{
	uint32_t id = t->hint;
	int rc;

	/* Skip whole words that are full, then the taken bits of the first free word. */
	while (id < t->cap) {
		uint64_t word = t->used[id / WORD_BITS] | ((1ull << (id % WORD_BITS)) - 1);

		if (word != UINT64_MAX) {
			id = (id & ~(WORD_BITS - 1)) + sio_ffs64(~word);
			break;
		}
		id = (id & ~(WORD_BITS - 1)) + WORD_BITS;
	}
	if (id > t->limit)
		return -ENOSPC;
	if (id >= t->cap) {
		rc = grow(t, id);
		if (rc)
			return rc;
	}
	t->used[id / WORD_BITS] |= 1ull << (id % WORD_BITS);
	t->slots[id] = entry;
	t->hint = id + 1;
	t->count++;
	*out_id = id;
	return 0;
}

void *sio_idtable_get(const struct sio_idtable *t, uint32_t id)
{
	if (id >= t->cap)
		return NULL;
	return t->slots[id];
}

void *sio_idtable_set(struct sio_idtable *t, uint32_t id, void *entry)
{
	void *old;

	if (!id_taken(t, id))
		return NULL;
	old = t->slots[id];
	t->slots[id] = entry;
	return old;
}

void sio_idtable_free(struct sio_idtable *t, uint32_t id)
{
	if (!id_taken(t, id))
		return;
	t->used[id / WORD_BITS] &= ~(1ull << (id % WORD_BITS));
	t->slots[id] = NULL;
	t->count--;
	if (id < t->hint)
		t->hint = id;
}

bool sio_idtable_next(const struct sio_idtable *t, uint32_t *pos)
{
	uint32_t id = *pos ? *pos : 1;

	while (id < t->cap) {
		uint64_t word = t->used[id / WORD_BITS] & ~((1ull << (id % WORD_BITS)) - 1);

		if (word) {
			*pos = (id & ~(WORD_BITS - 1)) + sio_ffs64(word);
			return true;
		}
		id = (id & ~(WORD_BITS - 1)) + WORD_BITS;
	}
	return false;
}
