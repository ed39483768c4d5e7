/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The shared-memory fault ring (see fault_ring.h for the invariants and
 * include/softiommu/softiommu.h for the region layout).
 *
 * Memory ordering, per direction: the writer of entry i stores it, then
 * release-stores i + 1 into the slot's seq word; the reader acquire-loads
 * the seq word and loads the entry only if it reads i + 1, so the wait for
 * an entry ends on the cache line that holds it. The reader publishes its
 * index with a release store only after it has loaded the entries; the
 * writer reads that index (with acquire ordering) before it writes into the
 * slots it frees. The writer's index is published after the seq words, for
 * status: no reader in here waits on it (take_responses() reads resp_head
 * once per call to check it, not to find responses).
 *
 * Cache lines a single hand-off moves, per direction: the slot (record and
 * seq share one 64-byte line; a response and its seq one 16-byte slot).
 * The writer proves room with the last accepted index of the reader and
 * reads the reader's line only when that leaves too little room, except
 * for softiommu's push, which must check rec_tail at every call: it does so
 * after publishing, so the load overlaps the hand-off instead of preceding
 * it (a store after a pending load cannot become visible before the load
 * completes).
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
#define REC_SLOT	sizeof(struct sio_fault_ring_rec_slot)
#define RESP_SLOT	sizeof(struct sio_fault_ring_resp_slot)
/* Entries staged on the stack per safe copy to or from caller memory. */
#define REC_CHUNK	32u
#define RESP_CHUNK	64u

_Static_assert(REC_SIZE == 40, "fault record size");
_Static_assert(RESP_SIZE == 8, "page response size");
_Static_assert(REC_SLOT == 64, "record slot: one cache line");
_Static_assert(offsetof(struct sio_fault_ring_rec_slot, seq) == REC_SIZE, "record slot layout");
_Static_assert(RESP_SLOT == 16, "response slot size");
_Static_assert(offsetof(struct sio_fault_ring_resp_slot, seq) == RESP_SIZE, "response slot");
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
	struct sio_fault_ring_rec_slot *rec;		/* RW, never read */
	const struct sio_fault_ring_resp_slot *resp;	/* mapped read-only */

	struct fring_lock rec_lock;	/* protects the five fields below */
	uint32_t rec_head;		/* authoritative; hdr->rec_head is a copy */
	/* Last rec_tail accepted: rec_head - rec_tail_seen <= rec_nb. */
	uint32_t rec_tail_seen;
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
	const struct sio_fault_ring_rec_slot *rec;	/* mapped read-only */
	struct sio_fault_ring_resp_slot *resp;		/* RW */

	struct fring_lock rec_lock;	/* protects rec_tail */
	uint32_t rec_tail;
	struct fring_lock resp_lock;	/* protects resp_head and resp_tail_seen */
	uint32_t resp_head;
	/*
	 * The last resp_tail loaded and checked (resp_head - resp_tail_seen <=
	 * nb). Room proven with it is real: softiommu's resp_tail only grows.
	 * It is reloaded only when it leaves too little room, so softiommu's
	 * line is not pulled over at every respond.
	 */
	uint32_t resp_tail_seen;
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
	g->len[SEC_REC] = SIO_ALIGN_UP((size_t)rec_nb * REC_SLOT, g->page);
	g->len[SEC_RESP] = SIO_ALIGN_UP((size_t)resp_nb * RESP_SLOT, g->page);
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
	r->hdr->rec_size = REC_SLOT;
	r->hdr->rec_nb = r->g.rec_nb;
	r->hdr->rec_offset = r->g.off[SEC_REC];
	r->hdr->resp_size = RESP_SLOT;
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

/* Free record slots by the last accepted rec_tail (a lower bound). rec_lock held. */
static uint32_t rec_room_locked(const struct sio_fault_ring *r)
{
	return r->g.rec_nb - (r->rec_head - r->rec_tail_seen);
}

/*
 * The one read of the consumer's index in a push or fill: accept it only in
 * [rec_tail_seen, rec_head] (backwards or past head is garbage), else
 * disable the ring. rec_lock held. -EPIPE: the ring is now disabled.
 */
static int rec_check_tail_locked(struct sio_fault_ring *r)
{
	uint32_t tail = __atomic_load_n(&r->ctl->rec_tail, __ATOMIC_RELAXED);

	/* The consumer's loads of the slots it freed precede our later stores. */
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	if (tail - r->rec_tail_seen > r->rec_head - r->rec_tail_seen) {
		r->rec_disabled = true;
		set_flag(&r->hdr->rec_flags, SIO_FAULT_RING_F_DISABLED);
		return -EPIPE;
	}
	r->rec_tail_seen = tail;
	return 0;
}

/* Store @n trusted records into the slots of indices @at on; publishes nothing. */
static void rec_write_locked(struct sio_fault_ring *r, uint32_t at,
			     const struct iommu_hwpt_pgfault *recs, uint32_t n)
{
	uint32_t mask = r->g.rec_nb - 1, i;

	for (i = 0; i < n; i++)
		memcpy(r->rec[(at + i) & mask].rec, &recs[i], REC_SIZE);
}

/* Hand over the @n records written from rec_head on: their seq words, then rec_head. */
static void rec_publish_locked(struct sio_fault_ring *r, uint32_t n)
{
	uint32_t head = r->rec_head, mask = r->g.rec_nb - 1, i;

	for (i = 0; i < n; i++)
		__atomic_store_n(&r->rec[(head + i) & mask].seq, head + i + 1, __ATOMIC_RELEASE);
	r->rec_head = head + n;
	__atomic_store_n(&r->hdr->rec_head, r->rec_head, __ATOMIC_RELEASE);
}

static void rec_overflow_locked(struct sio_fault_ring *r, uint32_t n)
{
	r->rec_overflows += n;
	__atomic_store_n(&r->hdr->rec_overflows, r->rec_overflows, __ATOMIC_RELAXED);
	set_flag(&r->hdr->rec_flags, SIO_FAULT_RING_F_OVERFLOW);
}

/*
 * The room is proven with rec_tail_seen; rec_tail is read first only when
 * that leaves fewer than @n slots. Otherwise the push's check of rec_tail
 * comes after publishing: the records went to slots freed by an accepted
 * rec_tail whatever the consumer wrote since, and a bad rec_tail disables
 * the ring for every later push. Either way exactly one read per call.
 */
int sio_fring_push(struct sio_fault_ring *r, const struct iommu_hwpt_pgfault *recs,
		   unsigned int n)
{
	struct iommu_hwpt_pgfault buf[REC_CHUNK];
	bool checked = false;
	uint32_t done, k;
	int rc;

	if (!n || n > r->g.rec_nb)
		return -EINVAL;
	fring_lock(&r->rec_lock);
	if (r->rec_disabled) {
		rc = -EPIPE;
		goto out_unlock;
	}
	if (n > rec_room_locked(r)) {
		checked = true;
		rc = rec_check_tail_locked(r);
		if (rc)
			goto out_unlock;
		if (n > rec_room_locked(r)) {
			rec_overflow_locked(r, n);
			rc = -ENOSPC;
			goto out_unlock;
		}
	}
	for (done = 0; done < n; done += k) {
		k = sio_min(n - done, REC_CHUNK);
		if (sio_copy_from_user(buf, (uintptr_t)(recs + done), k * REC_SIZE)) {
			rc = -EFAULT;
			goto out_check;
		}
		rec_write_locked(r, r->rec_head + done, buf, k);
	}
	rec_publish_locked(r, n);
	rc = (int)n;
out_check:
	if (!checked)
		(void)rec_check_tail_locked(r);
out_unlock:
	fring_unlock(&r->rec_lock);
	return rc;
}

/* The exact room, so the pump moves every group that fits: rec_tail is read first. */
int sio_fring_fill(struct sio_fault_ring *r,
		   int (*fill)(void *arg, struct iommu_hwpt_pgfault *buf, unsigned int room),
		   void *arg)
{
	uint32_t room;
	int rc;

	fring_lock(&r->rec_lock);
	rc = r->rec_disabled ? -EPIPE : rec_check_tail_locked(r);
	if (rc)
		goto out_unlock;
	room = rec_room_locked(r);
	if (!room)
		goto out_unlock;
	if (!r->stage) {
		r->stage = calloc(r->g.rec_nb, REC_SIZE);
		if (!r->stage) {
			rc = -ENOMEM;
			goto out_unlock;
		}
	}
	rc = fill(arg, r->stage, room);
	if (rc > 0) {
		room = sio_min((uint32_t)rc, room);
		rec_write_locked(r, r->rec_head, r->stage, room);
		rec_publish_locked(r, room);
		rc = (int)room;
	}
out_unlock:
	fring_unlock(&r->rec_lock);
	return rc;
}

/*
 * resp_head is read once and checked; it is not what makes a slot
 * consumable (its seq word is), so it bounds nothing below. At most nb
 * slots per call, so a program rewriting seq words ahead of us cannot keep
 * the call going.
 */
int sio_fring_take_responses(struct sio_fault_ring *r, struct iommu_hwpt_page_response *out,
			     unsigned int n)
{
	struct iommu_hwpt_page_response buf[RESP_CHUNK];
	uint32_t nb = r->g.resp_nb, start, head, tail, used, k, rejected;
	const struct sio_fault_ring_resp_slot *slot;
	uint64_t v, rejected_before;
	unsigned int taken = 0;
	bool more = true;
	int rc;

	fring_lock(&r->resp_lock);
	if (r->resp_disabled) {
		rc = -EPIPE;
		goto out_unlock;
	}
	start = tail = r->resp_tail;
	head = __atomic_load_n(&r->ctl->resp_head, __ATOMIC_RELAXED);
	/* Accept only [resp_head_seen, tail + nb]. */
	if (head - r->resp_head_seen > tail + nb - r->resp_head_seen) {
		r->resp_disabled = true;
		set_flag(&r->hdr->resp_flags, SIO_FAULT_RING_F_DISABLED);
		rc = -EPIPE;
		goto out_unlock;
	}
	r->resp_head_seen = head;
	rejected_before = r->resp_rejected;
	rc = 0;
	while (more && taken < n && tail - start < nb) {
		used = 0;
		k = 0;
		rejected = 0;
		while (k < RESP_CHUNK && taken + k < n && tail + used - start < nb) {
			slot = &r->resp[(tail + used) & (nb - 1)];
			if (__atomic_load_n(&slot->seq, __ATOMIC_ACQUIRE) != tail + used + 1) {
				more = false;
				break;
			}
			/* One fetch; everything below looks at the copy only. */
			v = __atomic_load_n(&slot->resp, __ATOMIC_RELAXED);
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
		r->resp_rejected += rejected;
	}
	/*
	 * resp_rejected shares its line with resp_flags, which the program's
	 * respond reads every time: stored only when it changes, or each
	 * response would pull that line back across before the next respond.
	 */
	if (r->resp_rejected != rejected_before)
		__atomic_store_n(&r->hdr->resp_rejected, r->resp_rejected, __ATOMIC_RELAXED);
	if (tail != r->resp_tail) {
		r->resp_tail = tail;
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
	    h.rec_size != REC_SLOT || h.resp_size != RESP_SLOT ||
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
	v->resp_tail_seen = __atomic_load_n(&v->hdr->resp_tail, __ATOMIC_ACQUIRE);
	if (__atomic_load_n(&v->hdr->rec_head, __ATOMIC_ACQUIRE) - v->rec_tail > v->g.rec_nb ||
	    v->resp_head - v->resp_tail_seen > v->g.resp_nb) {
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

/*
 * A record is pending when its slot's seq word is its index + 1. A slot
 * whose seq is a later lap's (seq - want in [nb, 2^31)) was overwritten
 * before the view read it, which only a rec_tail written behind the view's
 * back allows: -EIO when that is the first slot asked for.
 */
static int view_read(struct sio_fault_ring_view *v, struct iommu_hwpt_pgfault *out,
		     unsigned int n, bool consume)
{
	struct iommu_hwpt_pgfault buf[REC_CHUNK];
	uint32_t nb = v->g.rec_nb, tail, got = 0, k, seq, want;
	const struct sio_fault_ring_rec_slot *slot;
	bool more = true;
	int rc;

	fring_lock(&v->rec_lock);
	tail = v->rec_tail;
	while (more && got < n && got < nb) {
		k = 0;
		while (k < REC_CHUNK && got + k < n && got + k < nb) {
			want = tail + got + k + 1;
			slot = &v->rec[(want - 1) & (nb - 1)];
			seq = __atomic_load_n(&slot->seq, __ATOMIC_ACQUIRE);
			if (seq != want) {
				if (!got && !k && seq - want >= nb && seq - want < 0x80000000u) {
					rc = -EIO;
					goto out_unlock;
				}
				more = false;
				break;
			}
			memcpy(&buf[k], slot->rec, REC_SIZE);
			k++;
		}
		if (sio_copy_to_user((uintptr_t)(out + got), buf, k * REC_SIZE)) {
			rc = -EFAULT;
			goto out_unlock;
		}
		got += k;
	}
	if (consume && got) {
		v->rec_tail = tail + got;
		__atomic_store_n(&v->ctl->rec_tail, v->rec_tail, __ATOMIC_RELEASE);
	}
	rc = (int)got;
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
	struct iommu_hwpt_page_response buf[RESP_CHUNK];
	uint32_t nb = v->g.resp_nb, mask = nb - 1, head, tail, k, done, c, i;
	uint64_t w;
	int rc;

	fring_lock(&v->resp_lock);
	if (__atomic_load_n(&v->hdr->resp_flags, __ATOMIC_ACQUIRE) & SIO_FAULT_RING_F_DISABLED) {
		rc = -EPIPE;
		goto out_unlock;
	}
	head = v->resp_head;
	if (n > nb - (head - v->resp_tail_seen)) {
		tail = __atomic_load_n(&v->hdr->resp_tail, __ATOMIC_ACQUIRE);
		if (head - tail > nb) {
			rc = -EIO;
			goto out_unlock;
		}
		v->resp_tail_seen = tail;
	}
	k = sio_min(n, nb - (head - v->resp_tail_seen));
	if (!k) {
		rc = n ? -ENOSPC : 0;
		goto out_unlock;
	}
	/* Every response is stored before any seq word: EFAULT publishes nothing. */
	for (done = 0; done < k; done += c) {
		c = sio_min(k - done, RESP_CHUNK);
		if (sio_copy_from_user(buf, (uintptr_t)(resp + done), c * RESP_SIZE)) {
			rc = -EFAULT;
			goto out_unlock;
		}
		for (i = 0; i < c; i++) {
			memcpy(&w, &buf[i], sizeof(w));
			__atomic_store_n(&v->resp[(head + done + i) & mask].resp, w,
					 __ATOMIC_RELAXED);
		}
	}
	for (i = 0; i < k; i++)
		__atomic_store_n(&v->resp[(head + i) & mask].seq, head + i + 1, __ATOMIC_RELEASE);
	v->resp_head = head + k;
	__atomic_store_n(&v->ctl->resp_head, v->resp_head, __ATOMIC_RELEASE);
	rc = (int)k;
out_unlock:
	fring_unlock(&v->resp_lock);
	return rc;
}

/* @ahead - @behind, or 0 while a seq-based consumer is ahead of the published index. */
static uint32_t pending(uint32_t ahead, uint32_t behind)
{
	return ahead - behind < 0x80000000u ? ahead - behind : 0;
}

int sio_fring_status(struct sio_fault_ring_view *v, struct sio_fault_ring_status *st)
{
	const struct sio_fault_ring_hdr *h = v->hdr;
	struct sio_fault_ring_status s;

	memset(&s, 0, sizeof(s));
	s.rec_flags = __atomic_load_n(&h->rec_flags, __ATOMIC_ACQUIRE);
	s.rec_overflows = __atomic_load_n(&h->rec_overflows, __ATOMIC_RELAXED);
	s.rec_pending = pending(__atomic_load_n(&h->rec_head, __ATOMIC_ACQUIRE),
				__atomic_load_n(&v->ctl->rec_tail, __ATOMIC_RELAXED));
	s.resp_flags = __atomic_load_n(&h->resp_flags, __ATOMIC_ACQUIRE);
	s.resp_rejected = __atomic_load_n(&h->resp_rejected, __ATOMIC_RELAXED);
	s.resp_pending = pending(__atomic_load_n(&v->ctl->resp_head, __ATOMIC_RELAXED),
				 __atomic_load_n(&h->resp_tail, __ATOMIC_ACQUIRE));
	if (sio_copy_to_user((uintptr_t)st, &s, sizeof(s)))
		return -EFAULT;
	return 0;
}

const struct sio_fault_ring_hdr *sio_fring_header(const struct sio_fault_ring_view *v)
{
	return v->hdr;
}
