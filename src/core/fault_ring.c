/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The shared-memory fault ring (see fault_ring.h for the invariants and
 * include/softiommu/softiommu.h for the region layout).
 *
 * Memory ordering, per direction: the writer of entries stores them, then
 * publishes its index with a release store; the reader acquire-loads that
 * index before loading entries, and publishes its own index with a release
 * store only after it has finished loading them, so the writer, which
 * acquire-loads it, never overwrites a slot that is still being read.
 *
 * Locking: each side has one lock per direction (rec_lock, resp_lock, a
 * struct fring_lock) that serialises the calls of that direction on that
 * side, so each direction has one producer and one consumer at any moment.
 * Any thread may call any function; calls of one direction on one side
 * simply wait for each other. The two directions are independent. Nothing
 * here makes a system call after creation and mapping, except that a
 * caller finding its lock held for long yields the CPU (sched_yield()).
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "base/compiler.h"
#include "base/memfd.h"
#include "base/sys.h"
#include "base/uaccess.h"
#include "core/fault_ring.h"

#define REC_SIZE	sizeof(struct iommu_hwpt_pgfault)
#define RESP_SIZE	sizeof(struct iommu_hwpt_page_response)
/* Responses validated per copy to the caller in take_responses. */
#define RESP_CHUNK	64u

_Static_assert(REC_SIZE == 40, "fault record size");
_Static_assert(RESP_SIZE == 8, "page response size");
_Static_assert(sizeof(struct sio_fault_ring_hdr) == 320, "header layout");
_Static_assert(offsetof(struct sio_fault_ring_hdr, rec_head) == 64, "header layout");
_Static_assert(offsetof(struct sio_fault_ring_hdr, rec_flags) == 128, "header layout");
_Static_assert(offsetof(struct sio_fault_ring_hdr, resp_tail) == 192, "header layout");
_Static_assert(offsetof(struct sio_fault_ring_hdr, resp_flags) == 256, "header layout");
_Static_assert(sizeof(struct sio_fault_ring_ctl) == 128, "control layout");
_Static_assert(offsetof(struct sio_fault_ring_ctl, resp_head) == 64, "control layout");

/*
 * A direction's lock. Each direction normally has one calling thread per
 * side (single producer, single consumer), so the lock is built for the
 * uncontended case: taking it is one exchange; releasing it is a plain
 * release store, not a locked instruction. That matters: a locked
 * instruction right after a call has stored entries and an index into the
 * shared region (pthread_mutex_unlock() is one) waits until those lines
 * have been taken from the other core, one cross-core hand-off per call; a
 * plain store lets them drain while the caller goes on (measured: ~10% of
 * B7's batched throughput). A contending caller spins briefly, then yields
 * the CPU until the lock is free. A holder waits for nothing but, in
 * sio_fring_fill(), its callback (the fault queue's read path, which takes
 * the queue's lock for the copy only).
 */
struct fring_lock {
	uint32_t held;
};

#define FRING_LOCK_SPINS	128u

static inline void fring_cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ __volatile__("yield" ::: "memory");
#endif
}

static void fring_lock(struct fring_lock *l)
{
	unsigned int spins = 0;

	while (__atomic_exchange_n(&l->held, 1, __ATOMIC_ACQUIRE)) {
		while (__atomic_load_n(&l->held, __ATOMIC_RELAXED)) {
			if (++spins < FRING_LOCK_SPINS)
				fring_cpu_relax();
			else
				sched_yield();
		}
	}
}

static void fring_unlock(struct fring_lock *l)
{
	__atomic_store_n(&l->held, 0, __ATOMIC_RELEASE);
}

/* The parts of a region, in region order. */
enum { SEC_HDR, SEC_CTL, SEC_REC, SEC_RESP, SEC_NR };

/* Where everything is; computed from the two counts only, never read back. */
struct fring_geom {
	size_t page;
	uint32_t rec_nb, resp_nb;
	size_t off[SEC_NR], len[SEC_NR];
	size_t size;
};

struct sio_fault_ring {
	int fd;
	struct fring_geom g;
	void *map;			/* reservation with guard pages */
	size_t map_len;
	struct sio_fault_ring_hdr *hdr;		/* RW */
	const struct sio_fault_ring_ctl *ctl;	/* mapped read-only */
	struct iommu_hwpt_pgfault *rec;		/* RW */
	const uint64_t *resp;			/* mapped read-only */

	struct fring_lock rec_lock;	/* protects the five fields below */
	uint32_t rec_head;		/* authoritative; hdr->rec_head is a copy */
	uint32_t rec_tail_seen;		/* last rec_tail accepted */
	uint64_t rec_overflows;
	bool rec_disabled;
	struct iommu_hwpt_pgfault *stage;	/* sio_fring_fill()'s buffer, rec_nb records */

	struct fring_lock resp_lock;	/* protects the four fields below */
	uint32_t resp_tail;		/* authoritative; hdr->resp_tail is a copy */
	uint32_t resp_head_seen;	/* last resp_head accepted */
	uint64_t resp_rejected;
	bool resp_disabled;
};

struct sio_fault_ring_view {
	struct fring_geom g;
	void *map;
	size_t map_len;
	const struct sio_fault_ring_hdr *hdr;	/* mapped read-only */
	struct sio_fault_ring_ctl *ctl;		/* RW */
	const struct iommu_hwpt_pgfault *rec;	/* mapped read-only */
	struct iommu_hwpt_page_response *resp;	/* RW */

	struct fring_lock rec_lock;	/* protects rec_tail and rec_head_seen */
	uint32_t rec_tail;
	/*
	 * The last rec_head read and checked (rec_head_seen - rec_tail <= nb
	 * when read). A call that wants no more than the records it already
	 * covers does not load hdr->rec_head again: the producer's line then
	 * stays in the producer's cache instead of moving at every pop.
	 */
	uint32_t rec_head_seen;
	struct fring_lock resp_lock;	/* protects resp_head */
	uint32_t resp_head;
};

static bool nb_valid(uint32_t nb)
{
	return nb && nb <= SIO_FAULT_RING_NB_MAX && sio_is_pow2(nb);
}

static int geom_init(struct fring_geom *g, uint32_t rec_nb, uint32_t resp_nb)
{
	long page = sysconf(_SC_PAGESIZE);

	if (!nb_valid(rec_nb) || !nb_valid(resp_nb) || page <= 0)
		return -EINVAL;
	g->page = (size_t)page;
	g->rec_nb = rec_nb;
	g->resp_nb = resp_nb;
	g->len[SEC_HDR] = g->page;
	g->len[SEC_CTL] = g->page;
	g->len[SEC_REC] = SIO_ALIGN_UP((size_t)rec_nb * REC_SIZE, g->page);
	g->len[SEC_RESP] = SIO_ALIGN_UP((size_t)resp_nb * RESP_SIZE, g->page);
	g->off[SEC_HDR] = 0;
	g->off[SEC_CTL] = g->page;
	g->off[SEC_REC] = 2 * g->page;
	g->off[SEC_RESP] = g->off[SEC_REC] + g->len[SEC_REC];
	g->size = g->off[SEC_RESP] + g->len[SEC_RESP];
	return 0;
}

/*
 * Map each part of @fd's region with its own protection, with an
 * inaccessible page before, between and after the parts, so that an access
 * running off a part faults rather than reaching the next one.
 */
static int map_region(int fd, const struct fring_geom *g, const int prot[SEC_NR], void **map,
		      size_t *map_len, void *sec[SEC_NR])
{
	size_t len = g->size + (SEC_NR + 1) * g->page;
	char *base, *at;
	int i, rc;

	base = sio_sys_mmap(NULL, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
			    -1, 0);
	if (base == MAP_FAILED)
		return -errno;
	at = base + g->page;
	for (i = 0; i < SEC_NR; i++) {
		if (sio_sys_mmap(at, g->len[i], prot[i], MAP_SHARED | MAP_FIXED, fd,
				 (off_t)g->off[i]) == MAP_FAILED) {
			rc = -errno;
			goto out_unmap;
		}
		sec[i] = at;
		at += g->len[i] + g->page;
	}
	*map = base;
	*map_len = len;
	return 0;

out_unmap:
	sio_sys_munmap(base, len);
	return rc;
}

/*
 * Sticky: set once, by the side that owns @flags (under its lock), never
 * cleared; written only when it changes, so that a producer retrying on a
 * full ring does not keep dirtying a line the consumer reads.
 */
static void set_flag(uint32_t *flags, uint32_t f)
{
	uint32_t old = __atomic_load_n(flags, __ATOMIC_RELAXED);

	if ((old & f) != f)
		__atomic_store_n(flags, old | f, __ATOMIC_RELEASE);
}

/* ---------------------------------------------------------- softiommu's side */

int sio_fring_create(unsigned int nb_records, unsigned int nb_responses,
		     struct sio_fault_ring **out)
{
	static const int prot[SEC_NR] = {
		[SEC_HDR] = PROT_READ | PROT_WRITE, [SEC_CTL] = PROT_READ,
		[SEC_REC] = PROT_READ | PROT_WRITE, [SEC_RESP] = PROT_READ,
	};
	struct sio_fault_ring *r;
	void *sec[SEC_NR];
	int rc;

	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	rc = geom_init(&r->g, nb_records, nb_responses);
	if (rc)
		goto out_free;
	/* memfd pages start zeroed: no stale data ever reaches the consumer. */
	r->fd = sio_memfd_sealed("softiommu-fault-ring", r->g.size);
	if (r->fd < 0) {
		rc = r->fd;
		goto out_free;
	}
	rc = map_region(r->fd, &r->g, prot, &r->map, &r->map_len, sec);
	if (rc)
		goto out_close;
	r->hdr = sec[SEC_HDR];
	r->ctl = sec[SEC_CTL];
	r->rec = sec[SEC_REC];
	r->resp = sec[SEC_RESP];
	r->hdr->magic = SIO_FAULT_RING_MAGIC;
	r->hdr->version = SIO_FAULT_RING_VERSION;
	r->hdr->rec_size = REC_SIZE;
	r->hdr->rec_nb = r->g.rec_nb;
	r->hdr->rec_offset = r->g.off[SEC_REC];
	r->hdr->resp_size = RESP_SIZE;
	r->hdr->resp_nb = r->g.resp_nb;
	r->hdr->resp_offset = r->g.off[SEC_RESP];
	r->hdr->size = r->g.size;
	*out = r;
	return 0;

out_close:
	sio_sys_close(r->fd);
out_free:
	free(r);
	return rc;
}

int sio_fring_fd(const struct sio_fault_ring *ring)
{
	return ring->fd;
}

void sio_fring_destroy(struct sio_fault_ring *ring)
{
	if (!ring)
		return;
	sio_sys_munmap(ring->map, ring->map_len);
	sio_sys_close(ring->fd);
	free(ring->stage);
	free(ring);
}

/*
 * Read and check the consumer's index (once), and return the free slots.
 * rec_lock held. -EPIPE: the ring is, or now becomes, disabled.
 */
static int rec_room_locked(struct sio_fault_ring *r, uint32_t *room)
{
	uint32_t head = r->rec_head, tail;

	if (r->rec_disabled)
		return -EPIPE;
	tail = __atomic_load_n(&r->ctl->rec_tail, __ATOMIC_ACQUIRE);
	/* Accept only [rec_tail_seen, head]: backwards or past head is garbage. */
	if (tail - r->rec_tail_seen > head - r->rec_tail_seen) {
		r->rec_disabled = true;
		set_flag(&r->hdr->rec_flags, SIO_FAULT_RING_F_DISABLED);
		return -EPIPE;
	}
	r->rec_tail_seen = tail;
	*room = r->g.rec_nb - (head - tail);
	return 0;
}

/* Copy @n records from @recs (in @from_user memory or trusted) and publish them. */
static int rec_publish_locked(struct sio_fault_ring *r, const struct iommu_hwpt_pgfault *recs,
			      uint32_t n, bool from_user)
{
	uint32_t nb = r->g.rec_nb, head = r->rec_head, slot, first;

	slot = head & (nb - 1);
	first = sio_min(n, nb - slot);
	if (from_user) {
		if (sio_copy_from_user(&r->rec[slot], (uintptr_t)recs, first * REC_SIZE) ||
		    sio_copy_from_user(&r->rec[0], (uintptr_t)(recs + first),
				       (n - first) * REC_SIZE))
			return -EFAULT;
	} else {
		memcpy(&r->rec[slot], recs, first * REC_SIZE);
		memcpy(&r->rec[0], recs + first, (n - first) * REC_SIZE);
	}
	r->rec_head = head + n;
	__atomic_store_n(&r->hdr->rec_head, r->rec_head, __ATOMIC_RELEASE);
	return (int)n;
}

int sio_fring_push(struct sio_fault_ring *r, const struct iommu_hwpt_pgfault *recs,
		   unsigned int n)
{
	uint32_t room;
	int rc;

	if (!n || n > r->g.rec_nb)
		return -EINVAL;
	fring_lock(&r->rec_lock);
	rc = rec_room_locked(r, &room);
	if (rc)
		goto out_unlock;
	if (n > room) {
		r->rec_overflows += n;
		__atomic_store_n(&r->hdr->rec_overflows, r->rec_overflows, __ATOMIC_RELAXED);
		set_flag(&r->hdr->rec_flags, SIO_FAULT_RING_F_OVERFLOW);
		rc = -ENOSPC;
		goto out_unlock;
	}
	rc = rec_publish_locked(r, recs, n, true);
out_unlock:
	fring_unlock(&r->rec_lock);
	return rc;
}

int sio_fring_fill(struct sio_fault_ring *r,
		   int (*fill)(void *arg, struct iommu_hwpt_pgfault *buf, unsigned int room),
		   void *arg)
{
	uint32_t room;
	int rc;

	fring_lock(&r->rec_lock);
	rc = rec_room_locked(r, &room);
	if (rc || !room)
		goto out_unlock;
	if (!r->stage) {
		r->stage = calloc(r->g.rec_nb, REC_SIZE);
		if (!r->stage) {
			rc = -ENOMEM;
			goto out_unlock;
		}
	}
	rc = fill(arg, r->stage, room);
	if (rc > 0)
		rc = rec_publish_locked(r, r->stage, sio_min((uint32_t)rc, room), false);
out_unlock:
	fring_unlock(&r->rec_lock);
	return rc;
}

int sio_fring_take_responses(struct sio_fault_ring *r, struct iommu_hwpt_page_response *out,
			     unsigned int n)
{
	struct iommu_hwpt_page_response buf[RESP_CHUNK];
	uint32_t nb = r->g.resp_nb, head, tail, avail, used, k, rejected;
	unsigned int taken = 0;
	uint64_t v;
	int rc;

	fring_lock(&r->resp_lock);
	if (r->resp_disabled) {
		rc = -EPIPE;
		goto out_unlock;
	}
	tail = r->resp_tail;
	/* The one read of the producer's index in this call. */
	head = __atomic_load_n(&r->ctl->resp_head, __ATOMIC_ACQUIRE);
	/* Accept only [resp_head_seen, tail + nb]. */
	if (head - r->resp_head_seen > tail + nb - r->resp_head_seen) {
		r->resp_disabled = true;
		set_flag(&r->hdr->resp_flags, SIO_FAULT_RING_F_DISABLED);
		rc = -EPIPE;
		goto out_unlock;
	}
	r->resp_head_seen = head;
	avail = head - tail;
	rc = 0;
	while (avail && taken < n) {
		used = 0;
		k = 0;
		rejected = 0;
		while (used < avail && k < RESP_CHUNK && taken + k < n) {
			/* One fetch; everything below looks at the copy only. */
			v = __atomic_load_n(&r->resp[(tail + used) & (nb - 1)], __ATOMIC_RELAXED);
			used++;
			memcpy(&buf[k], &v, sizeof(v));
			if (buf[k].code > IOMMUFD_PAGE_RESP_INVALID)
				rejected++;
			else
				k++;
		}
		if (sio_copy_to_user((uintptr_t)(out + taken), buf, k * RESP_SIZE)) {
			rc = -EFAULT;
			break;
		}
		taken += k;
		tail += used;
		avail -= used;
		r->resp_rejected += rejected;
	}
	if (tail != r->resp_tail) {
		r->resp_tail = tail;
		__atomic_store_n(&r->hdr->resp_rejected, r->resp_rejected, __ATOMIC_RELAXED);
		__atomic_store_n(&r->hdr->resp_tail, tail, __ATOMIC_RELEASE);
	}
	if (taken || !rc)
		rc = (int)taken;
out_unlock:
	fring_unlock(&r->resp_lock);
	return rc;
}

void sio_fring_reject(struct sio_fault_ring *r, unsigned int n)
{
	fring_lock(&r->resp_lock);
	r->resp_rejected += n;
	__atomic_store_n(&r->hdr->resp_rejected, r->resp_rejected, __ATOMIC_RELAXED);
	fring_unlock(&r->resp_lock);
}

/* ------------------------------------------------------------ program's side */

/* Geometry from the header of @fd's region, checked against the file size. */
static int view_geom(int fd, struct fring_geom *g)
{
	struct sio_fault_ring_hdr h;
	long page = sysconf(_SC_PAGESIZE);
	struct stat st;
	void *p;

	if (sio_sys_fstat(fd, &st))
		return -errno;
	if (!S_ISREG(st.st_mode) || page <= 0 || st.st_size < page)
		return -EINVAL;
	p = sio_sys_mmap(NULL, (size_t)page, PROT_READ, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		return errno == EACCES || errno == ENODEV ? -EINVAL : -errno;
	memcpy(&h, p, sizeof(h));
	sio_sys_munmap(p, (size_t)page);
	if (h.magic != SIO_FAULT_RING_MAGIC || h.version != SIO_FAULT_RING_VERSION ||
	    h.rec_size != REC_SIZE || h.resp_size != RESP_SIZE ||
	    geom_init(g, h.rec_nb, h.resp_nb) || h.rec_offset != g->off[SEC_REC] ||
	    h.resp_offset != g->off[SEC_RESP] || h.size != g->size ||
	    (uint64_t)st.st_size != g->size)
		return -EINVAL;
	return 0;
}

int sio_fring_map(int fd, struct sio_fault_ring_view **out)
{
	static const int prot[SEC_NR] = {
		[SEC_HDR] = PROT_READ, [SEC_CTL] = PROT_READ | PROT_WRITE,
		[SEC_REC] = PROT_READ, [SEC_RESP] = PROT_READ | PROT_WRITE,
	};
	struct sio_fault_ring_view *v;
	void *sec[SEC_NR];
	int rc;

	v = calloc(1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	rc = view_geom(fd, &v->g);
	if (rc)
		goto out_free;
	rc = map_region(fd, &v->g, prot, &v->map, &v->map_len, sec);
	if (rc)
		goto out_free;
	v->hdr = sec[SEC_HDR];
	v->ctl = sec[SEC_CTL];
	v->rec = sec[SEC_REC];
	v->resp = sec[SEC_RESP];
	v->rec_tail = __atomic_load_n(&v->ctl->rec_tail, __ATOMIC_RELAXED);
	v->resp_head = __atomic_load_n(&v->ctl->resp_head, __ATOMIC_RELAXED);
	v->rec_head_seen = __atomic_load_n(&v->hdr->rec_head, __ATOMIC_ACQUIRE);
	if (v->rec_head_seen - v->rec_tail > v->g.rec_nb ||
	    v->resp_head - __atomic_load_n(&v->hdr->resp_tail, __ATOMIC_ACQUIRE) > v->g.resp_nb) {
		rc = -EINVAL;
		goto out_unmap;
	}
	*out = v;
	return 0;

out_unmap:
	sio_sys_munmap(v->map, v->map_len);
out_free:
	free(v);
	return rc;
}

void sio_fring_unmap(struct sio_fault_ring_view *v)
{
	if (!v)
		return;
	sio_sys_munmap(v->map, v->map_len);
	free(v);
}

static int view_read(struct sio_fault_ring_view *v, struct iommu_hwpt_pgfault *out,
		     unsigned int n, bool consume)
{
	uint32_t nb = v->g.rec_nb, head, tail, avail, k, slot, first;
	int rc;

	fring_lock(&v->rec_lock);
	tail = v->rec_tail;
	head = v->rec_head_seen;
	avail = head - tail;
	/*
	 * Reload only when the known records do not cover @n; the acquire
	 * that made them visible was the load that found them. Known records
	 * are never overwritten unless the program moved rec_tail past them
	 * (its own fault: what it then reads is unspecified, and an impossible
	 * rec_head is reported when next loaded).
	 */
	if (avail < n) {
		head = __atomic_load_n(&v->hdr->rec_head, __ATOMIC_ACQUIRE);
		avail = head - tail;
		if (avail > nb) {
			rc = -EIO;
			goto out_unlock;
		}
		v->rec_head_seen = head;
	}
	k = sio_min(avail, n);
	slot = tail & (nb - 1);
	first = sio_min(k, nb - slot);
	if (sio_copy_to_user((uintptr_t)out, &v->rec[slot], first * REC_SIZE) ||
	    sio_copy_to_user((uintptr_t)(out + first), &v->rec[0], (k - first) * REC_SIZE)) {
		rc = -EFAULT;
		goto out_unlock;
	}
	if (consume && k) {
		v->rec_tail = tail + k;
		__atomic_store_n(&v->ctl->rec_tail, v->rec_tail, __ATOMIC_RELEASE);
	}
	rc = (int)k;
out_unlock:
	fring_unlock(&v->rec_lock);
	return rc;
}

int sio_fring_peek(struct sio_fault_ring_view *v, struct iommu_hwpt_pgfault *out,
		   unsigned int n)
{
	return view_read(v, out, n, false);
}

int sio_fring_pop(struct sio_fault_ring_view *v, struct iommu_hwpt_pgfault *out,
		  unsigned int n)
{
	return view_read(v, out, n, true);
}

int sio_fring_respond(struct sio_fault_ring_view *v,
		      const struct iommu_hwpt_page_response *resp, unsigned int n)
{
	uint32_t nb = v->g.resp_nb, head, tail, used, k, slot, first;
	int rc;

	fring_lock(&v->resp_lock);
	if (__atomic_load_n(&v->hdr->resp_flags, __ATOMIC_ACQUIRE) & SIO_FAULT_RING_F_DISABLED) {
		rc = -EPIPE;
		goto out_unlock;
	}
	head = v->resp_head;
	tail = __atomic_load_n(&v->hdr->resp_tail, __ATOMIC_ACQUIRE);
	used = head - tail;
	if (used > nb) {
		rc = -EIO;
		goto out_unlock;
	}
	k = sio_min(n, nb - used);
	if (!k) {
		rc = n ? -ENOSPC : 0;
		goto out_unlock;
	}
	slot = head & (nb - 1);
	first = sio_min(k, nb - slot);
	if (sio_copy_from_user(&v->resp[slot], (uintptr_t)resp, first * RESP_SIZE) ||
	    sio_copy_from_user(&v->resp[0], (uintptr_t)(resp + first), (k - first) * RESP_SIZE)) {
		rc = -EFAULT;
		goto out_unlock;
	}
	v->resp_head = head + k;
	__atomic_store_n(&v->ctl->resp_head, v->resp_head, __ATOMIC_RELEASE);
	rc = (int)k;
out_unlock:
	fring_unlock(&v->resp_lock);
	return rc;
}

int sio_fring_status(struct sio_fault_ring_view *v, struct sio_fault_ring_status *st)
{
	const struct sio_fault_ring_hdr *h = v->hdr;
	struct sio_fault_ring_status s;

	memset(&s, 0, sizeof(s));
	s.rec_flags = __atomic_load_n(&h->rec_flags, __ATOMIC_ACQUIRE);
	s.rec_overflows = __atomic_load_n(&h->rec_overflows, __ATOMIC_RELAXED);
	s.rec_pending = __atomic_load_n(&h->rec_head, __ATOMIC_ACQUIRE) -
			__atomic_load_n(&v->ctl->rec_tail, __ATOMIC_RELAXED);
	s.resp_flags = __atomic_load_n(&h->resp_flags, __ATOMIC_ACQUIRE);
	s.resp_rejected = __atomic_load_n(&h->resp_rejected, __ATOMIC_RELAXED);
	s.resp_pending = __atomic_load_n(&v->ctl->resp_head, __ATOMIC_RELAXED) -
			 __atomic_load_n(&h->resp_tail, __ATOMIC_ACQUIRE);
	if (sio_copy_to_user((uintptr_t)st, &s, sizeof(s)))
		return -EFAULT;
	return 0;
}

const struct sio_fault_ring_hdr *sio_fring_header(const struct sio_fault_ring_view *v)
{
	return v->hdr;
}
