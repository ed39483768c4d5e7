/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Physical page identity. softiommu's "physical" address is a VA of the
 * process, and one physical page may have several VAs: a memfd page is seen
 * both through the caller's mapping and through softiommu's own. Two VAs are
 * the same page when they map the same (device, inode, offset) of a shared
 * file, or, for private memory, when they are the same VA.
 *
 * A snapshot of /proc/self/maps answers many lookups; take it, look up,
 * free it. Not for fast paths.
 */
#ifndef SIO_CORE_PHYSID_H
#define SIO_CORE_PHYSID_H

#include <stdbool.h>
#include <stdint.h>

struct sio_physid {
	uint64_t dev;		/* 0 with ino 0: private memory, @off is the VA */
	uint64_t ino;
	uint64_t off;		/* byte offset in the file (page-aligned for pages) */
};

struct sio_physmap;

/* Return: 0 and *out, or -ENOMEM / -EIO. */
int sio_physmap_snapshot(struct sio_physmap **out);
void sio_physmap_free(struct sio_physmap *map);
/* Identity of the byte at @va: 0, or -EFAULT when nothing is mapped there. */
int sio_physmap_lookup(const struct sio_physmap *map, uint64_t va, struct sio_physid *id);

static inline bool sio_physid_equal(const struct sio_physid *a, const struct sio_physid *b)
{
	return a->dev == b->dev && a->ino == b->ino && a->off == b->off;
}

#endif /* SIO_CORE_PHYSID_H */
