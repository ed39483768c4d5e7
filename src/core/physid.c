/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>

#include "base/sys.h"
#include "core/physid.h"

struct mapping {
	uint64_t start, end;	/* [start, end) */
	uint64_t dev, ino, off;
	bool shared_file;
};

struct sio_physmap {
	struct mapping *v;
	size_t n;
};

void sio_physmap_free(struct sio_physmap *map)
{
	if (!map)
		return;
	free(map->v);
	free(map);
}

int sio_physmap_snapshot(struct sio_physmap **out)
{
	struct sio_physmap *map = calloc(1, sizeof(*map));
	size_t cap = 0;
	char line[4096];
	FILE *f;

	if (!map)
		return -ENOMEM;
	f = fopen("/proc/self/maps", "re");
	if (!f) {
		free(map);
		return -EIO;
	}
	while (fgets(line, sizeof(line), f)) {
		unsigned long long start, end, off, ino;
		unsigned int maj, min;
		char perms[8];

		if (sscanf(line, "%llx-%llx %7s %llx %x:%x %llu", &start, &end, perms, &off, &maj,
			   &min, &ino) != 7)
			continue;
		if (map->n == cap) {
			struct mapping *v;

			cap = cap ? cap * 2 : 128;
			v = realloc(map->v, cap * sizeof(*v));
			if (!v) {
				fclose(f);
				sio_physmap_free(map);
				return -ENOMEM;
			}
			map->v = v;
		}
		map->v[map->n++] = (struct mapping){
			.start = start, .end = end, .off = off,
			.dev = makedev(maj, min), .ino = ino,
			.shared_file = perms[3] == 's' && ino != 0,
		};
	}
	fclose(f);
	*out = map;
	return 0;
}

int sio_physmap_lookup(const struct sio_physmap *map, uint64_t va, struct sio_physid *id)
{
	size_t lo = 0, hi = map->n;

	/* /proc/self/maps lists mappings in address order. */
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		const struct mapping *m = &map->v[mid];

		if (va < m->start) {
			hi = mid;
		} else if (va >= m->end) {
			lo = mid + 1;
		} else if (m->shared_file) {
			*id = (struct sio_physid){ m->dev, m->ino, m->off + (va - m->start) };
			return 0;
		} else {
			*id = (struct sio_physid){ 0, 0, va };
			return 0;
		}
	}
	return -EFAULT;
}
