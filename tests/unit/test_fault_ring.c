/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of the shared-memory fault ring: layout and zero fill, order
 * and content (also under two threads), full ring and overflow, a consumer
 * that writes garbage indices (sequentially against a model of the rules,
 * and concurrently with pushes), the response ring's checks and single
 * fetch, EFAULT for bad caller buffers, and mapping checks.
 *
 * The test plays the hostile program through an "inspector": its own
 * read-write mapping of the whole region.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <linux/hw_breakpoint.h>
#include <linux/perf_event.h>
#include <cmocka.h>

#include <softiommu/softiommu.h>
#include <softiommu/uapi/iommufd.h>

#include "base/uaccess.h"

struct insp {
	uint8_t *base;
	size_t size;
	struct sio_fault_ring_hdr *hdr;
	struct sio_fault_ring_ctl *ctl;
	struct sio_fault_ring_rec_slot *rec;
	struct sio_fault_ring_resp_slot *resp;
};

static uint64_t rnd_state;

static uint32_t sio_min_u32(uint32_t a, uint32_t b)
{
	return a < b ? a : b;
}

static uint64_t rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return rnd_state;
}

static uint64_t rnd_r(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static struct iommu_hwpt_pgfault make_rec(uint32_t seq)
{
	struct iommu_hwpt_pgfault r = {
		.flags = seq & 1 ? IOMMU_PGFAULT_FLAGS_LAST_PAGE : 0,
		.dev_id = seq * 3 + 1,
		.pasid = seq ^ 0x55,
		.grpid = seq & 0x1ff,
		.perm = seq & 0xf,
		.addr = (uint64_t)seq << 12 | 0x8000000000ull,
		.length = seq & 0xfff,
		.cookie = seq,
	};
	return r;
}

static void check_rec(const struct iommu_hwpt_pgfault *r, uint32_t seq)
{
	struct iommu_hwpt_pgfault want = make_rec(seq);

	assert_memory_equal(r, &want, sizeof(want));
}

static void insp_map(struct insp *in, struct sio_fault_ring *ring)
{
	struct sio_fault_ring_hdr h;
	int fd = sio_fault_ring_fd(ring);
	void *p;

	assert_int_equal(pread(fd, &h, sizeof(h), 0), sizeof(h));
	p = mmap(NULL, h.size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	assert_true(p != MAP_FAILED);
	in->base = p;
	in->size = h.size;
	in->hdr = p;
	in->ctl = (void *)(in->base + sysconf(_SC_PAGESIZE));
	in->rec = (void *)(in->base + h.rec_offset);
	in->resp = (void *)(in->base + h.resp_offset);
}

static void insp_unmap(struct insp *in)
{
	munmap(in->base, in->size);
}

/* A ring pair with @nrec/@nresp slots, inspected through @in, and a consumer view *@v. */
static struct sio_fault_ring *ring_with_view(unsigned int nrec, unsigned int nresp,
					     struct insp *in, struct sio_fault_ring_view **v)
{
	struct sio_fault_ring *ring = sio_fault_ring_create(nrec, nresp);

	assert_non_null(ring);
	insp_map(in, ring);
	*v = sio_fault_ring_map(sio_fault_ring_fd(ring));
	assert_non_null(*v);
	return ring;
}

static bool all_zero(const uint8_t *p, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (p[i])
			return false;
	return true;
}

/*
 * Nothing but the record slots' records and seq words, the producer's
 * fields of the header and the consumer's indices was ever written: the
 * reserved words of every record slot, the slack after the last one, the
 * reserved header words and, when @resp_untouched, the response ring are
 * still zero.
 */
static void check_untouched(const struct insp *in, bool resp_untouched)
{
	const struct sio_fault_ring_hdr *h = in->hdr;
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	size_t rec_end = h->rec_offset + (size_t)h->rec_nb * 64;

	for (uint32_t i = 0; i < h->rec_nb; i++)
		assert_true(all_zero((const uint8_t *)in->rec[i].__reserved,
				     sizeof(in->rec[i].__reserved)));

	assert_true(all_zero(in->base + rec_end, h->resp_offset - rec_end));
	assert_true(all_zero((const uint8_t *)&h->__reserved0, sizeof(h->__reserved0)));
	assert_true(all_zero((const uint8_t *)&h->__reserved1, sizeof(h->__reserved1)));
	assert_true(all_zero((const uint8_t *)&h->__reserved2, sizeof(h->__reserved2)));
	assert_true(all_zero((const uint8_t *)&h->__reserved3, sizeof(h->__reserved3)));
	assert_true(all_zero((const uint8_t *)&h->__reserved4, sizeof(h->__reserved4)));
	assert_true(all_zero((const uint8_t *)&h->__reserved5, sizeof(h->__reserved5)));
	assert_true(all_zero((const uint8_t *)&h->__reserved6, sizeof(h->__reserved6)));
	assert_true(all_zero(in->base + sizeof(*h), page - sizeof(*h)));
	if (resp_untouched)
		assert_true(all_zero(in->base + h->resp_offset, in->size - h->resp_offset));
}

/* ---------------------------------------------------------------- layout */

static void test_layout_and_zero_fill(void **state)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	const struct sio_fault_ring_hdr *vh;
	struct sio_fault_ring_view *v;
	struct sio_fault_ring *ring;
	struct insp in;

	ring = sio_fault_ring_create(128, 64);
	assert_non_null(ring);
	insp_map(&in, ring);
	assert_int_equal(in.hdr->magic, SIO_FAULT_RING_MAGIC);
	assert_int_equal(in.hdr->version, SIO_FAULT_RING_VERSION);
	assert_int_equal(in.hdr->rec_size, 64);
	assert_int_equal(in.hdr->rec_nb, 128);
	assert_int_equal(in.hdr->rec_offset, 2 * page);
	assert_int_equal(in.hdr->resp_size, 16);
	assert_int_equal(in.hdr->resp_nb, 64);
	assert_int_equal(in.hdr->resp_offset, 2 * page + ((128 * 64 + page - 1) & ~(page - 1)));
	assert_int_equal(in.hdr->size, in.hdr->resp_offset + ((64 * 16 + page - 1) & ~(page - 1)));
	assert_int_equal(lseek(sio_fault_ring_fd(ring), 0, SEEK_END), (off_t)in.hdr->size);
	/* Everything but the geometry starts zeroed. */
	assert_int_equal(in.hdr->rec_head, 0);
	assert_int_equal(in.hdr->rec_flags, 0);
	assert_int_equal(in.hdr->rec_overflows, 0);
	assert_int_equal(in.hdr->resp_tail, 0);
	assert_int_equal(in.hdr->resp_flags, 0);
	assert_int_equal(in.hdr->resp_rejected, 0);
	assert_true(all_zero(in.base + page, in.size - page));
	check_untouched(&in, true);

	v = sio_fault_ring_map(sio_fault_ring_fd(ring));
	assert_non_null(v);
	vh = sio_fault_ring_header(v);
	assert_memory_equal(vh, in.hdr, sizeof(*vh));
	sio_fault_ring_unmap(v);
	insp_unmap(&in);
	sio_fault_ring_destroy(ring);
}

static void test_create_rejects_bad_counts(void **state)
{
	static const unsigned int bad[][2] = {
		{ 0, 8 }, { 8, 0 }, { 3, 8 }, { 8, 12 },
		{ SIO_FAULT_RING_NB_MAX * 2, 8 }, { 8, SIO_FAULT_RING_NB_MAX * 2 },
		{ UINT32_MAX, 1 },
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		errno = 0;
		assert_null(sio_fault_ring_create(bad[i][0], bad[i][1]));
		assert_int_equal(errno, EINVAL);
	}
	sio_fault_ring_destroy(sio_fault_ring_create(1, 1));
}

/* The program cannot resize the region under softiommu's mapping. */
static void test_region_is_sealed(void **state)
{
	struct sio_fault_ring *ring = sio_fault_ring_create(16, 16);
	int fd;

	assert_non_null(ring);
	fd = sio_fault_ring_fd(ring);
	assert_int_equal(ftruncate(fd, 4096), -1);
	assert_int_equal(errno, EPERM);
	assert_int_equal(ftruncate(fd, 1 << 24), -1);
	assert_int_equal(errno, EPERM);
	assert_int_equal(fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE), -1);
	assert_int_equal(errno, EPERM);
	assert_true(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	sio_fault_ring_destroy(ring);
}

/*
 * softiommu's mapping: each part with its own protection (the control page
 * and the response ring read-only for it) and an inaccessible page on both
 * sides, so a write running off a part would fault.
 */
static void test_producer_mapping_has_guards(void **state)
{
	static const char *const perms[4] = { "rw-s", "r--s", "rw-s", "r--s" };
	enum { MAX_LINES = 8192 };
	unsigned long *start, *end;
	struct sio_fault_ring *ring;
	char (*perm)[5], line[512];
	int n = 0, found = 0;
	bool *ours;
	FILE *f;

	start = calloc(MAX_LINES, sizeof(*start));
	end = calloc(MAX_LINES, sizeof(*end));
	perm = calloc(MAX_LINES, sizeof(*perm));
	ours = calloc(MAX_LINES, sizeof(*ours));
	ring = sio_fault_ring_create(256, 1024);
	assert_non_null(ring);
	f = fopen("/proc/self/maps", "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f) && n < MAX_LINES) {
		assert_int_equal(sscanf(line, "%lx-%lx %4s", &start[n], &end[n], perm[n]), 3);
		ours[n++] = strstr(line, "softiommu-fault-ring") != NULL;
	}
	fclose(f);
	for (int i = 0; i < n; i++) {
		if (!ours[i])
			continue;
		assert_true(found < 4);
		assert_string_equal(perm[i], perms[found]);
		assert_true(i > 0 && i + 1 < n);
		assert_false(ours[i - 1]);
		assert_false(ours[i + 1]);
		assert_string_equal(perm[i - 1], "---p");
		assert_string_equal(perm[i + 1], "---p");
		assert_int_equal(end[i - 1], start[i]);
		assert_int_equal(start[i + 1], end[i]);
		found++;
	}
	assert_int_equal(found, 4);
	sio_fault_ring_destroy(ring);
	free(start);
	free(end);
	free(perm);
	free(ours);
}

/* --------------------------------------------------------- order, batching */

static void test_push_peek_pop_batches_wrap(void **state)
{
	struct iommu_hwpt_pgfault recs[16], out[16];
	struct sio_fault_ring_status st;
	struct sio_fault_ring_view *v;
	struct sio_fault_ring *ring;
	uint32_t seq = 0, next = 0;

	ring = sio_fault_ring_create(8, 8);
	assert_non_null(ring);
	v = sio_fault_ring_map(sio_fault_ring_fd(ring));
	assert_non_null(v);
	assert_int_equal(sio_fault_ring_pop(v, out, 16), 0);
	/* Batches of 3 against 8 slots cross the end of the ring repeatedly. */
	for (int round = 0; round < 40; round++) {
		for (int i = 0; i < 3; i++)
			recs[i] = make_rec(seq + i);
		assert_int_equal(sio_fault_ring_push(ring, recs, 3), 3);
		seq += 3;
		for (int i = 0; i < 3; i++)
			recs[i] = make_rec(seq + i);
		assert_int_equal(sio_fault_ring_push(ring, recs, 3), 3);
		seq += 3;
		assert_int_equal(sio_fault_ring_status(v, &st), 0);
		assert_int_equal(st.rec_pending, 6);
		/* Peek does not consume; a short buffer gets the oldest. */
		assert_int_equal(sio_fault_ring_peek(v, out, 2), 2);
		check_rec(&out[0], next);
		check_rec(&out[1], next + 1);
		assert_int_equal(sio_fault_ring_peek(v, out, 16), 6);
		for (int i = 0; i < 6; i++)
			check_rec(&out[i], next + i);
		assert_int_equal(sio_fault_ring_pop(v, out, 4), 4);
		for (int i = 0; i < 4; i++)
			check_rec(&out[i], next + i);
		assert_int_equal(sio_fault_ring_pop(v, out, 16), 2);
		check_rec(&out[0], next + 4);
		check_rec(&out[1], next + 5);
		next += 6;
		assert_int_equal(sio_fault_ring_pop(v, out, 16), 0);
	}
	assert_int_equal(sio_fault_ring_header(v)->rec_head, seq);
	/* A whole-ring batch fits exactly. */
	for (int i = 0; i < 8; i++)
		recs[i] = make_rec(seq + i);
	assert_int_equal(sio_fault_ring_push(ring, recs, 8), 8);
	assert_int_equal(sio_fault_ring_pop(v, out, 8), 8);
	for (int i = 0; i < 8; i++)
		check_rec(&out[i], seq + i);
	sio_fault_ring_unmap(v);
	sio_fault_ring_destroy(ring);
}

/* A second view continues where the first left off (indices in the ctl page). */
static void test_remap_continues(void **state)
{
	struct iommu_hwpt_pgfault recs[5], out[5];
	struct sio_fault_ring_view *v;
	struct sio_fault_ring *ring;

	ring = sio_fault_ring_create(4, 4);
	assert_non_null(ring);
	for (int i = 0; i < 3; i++)
		recs[i] = make_rec(i);
	assert_int_equal(sio_fault_ring_push(ring, recs, 3), 3);
	v = sio_fault_ring_map(sio_fault_ring_fd(ring));
	assert_int_equal(sio_fault_ring_pop(v, out, 2), 2);
	sio_fault_ring_unmap(v);
	v = sio_fault_ring_map(sio_fault_ring_fd(ring));
	assert_non_null(v);
	assert_int_equal(sio_fault_ring_pop(v, out, 5), 1);
	check_rec(&out[0], 2);
	sio_fault_ring_unmap(v);
	sio_fault_ring_destroy(ring);
}

/* ---------------------------------------------------------- full, overflow */

static void test_full_ring_overflow(void **state)
{
	struct iommu_hwpt_pgfault recs[9], out[8];
	struct sio_fault_ring_status st;
	struct sio_fault_ring_view *v;
	struct sio_fault_ring *ring;
	struct insp in;

	ring = ring_with_view(8, 8, &in, &v);
	for (int i = 0; i < 9; i++)
		recs[i] = make_rec(100 + i);
	assert_int_equal(sio_fault_ring_push(ring, recs, 0), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(sio_fault_ring_push(ring, recs, 9), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(sio_fault_ring_status(v, &st), 0);
	assert_int_equal(st.rec_flags, 0);

	assert_int_equal(sio_fault_ring_push(ring, recs, 8), 8);
	assert_int_equal(sio_fault_ring_push(ring, recs, 1), -1);
	assert_int_equal(errno, ENOSPC);
	assert_int_equal(sio_fault_ring_status(v, &st), 0);
	assert_int_equal(st.rec_flags, SIO_FAULT_RING_F_OVERFLOW);
	assert_int_equal(st.rec_overflows, 1);
	assert_int_equal(st.rec_pending, 8);
	assert_int_equal(sio_fault_ring_pop(v, out, 2), 2);
	/* A group is all or nothing: 3 do not fit in 2 free slots. */
	assert_int_equal(sio_fault_ring_push(ring, recs, 3), -1);
	assert_int_equal(errno, ENOSPC);
	assert_int_equal(sio_fault_ring_status(v, &st), 0);
	assert_int_equal(st.rec_overflows, 4);
	assert_int_equal(st.rec_pending, 6);
	assert_int_equal(in.hdr->rec_head, 8);
	assert_int_equal(sio_fault_ring_push(ring, recs + 8, 1), 1);
	assert_int_equal(sio_fault_ring_push(ring, recs + 8, 1), 1);
	assert_int_equal(sio_fault_ring_pop(v, out, 8), 8);
	for (int i = 0; i < 6; i++)
		check_rec(&out[i], 102 + i);
	check_rec(&out[6], 108);
	check_rec(&out[7], 108);
	/* Sticky: the flag stays after the ring drains; the ring still works. */
	assert_int_equal(sio_fault_ring_status(v, &st), 0);
	assert_int_equal(st.rec_flags, SIO_FAULT_RING_F_OVERFLOW);
	assert_int_equal(sio_fault_ring_push(ring, recs, 8), 8);
	check_untouched(&in, true);
	sio_fault_ring_unmap(v);
	insp_unmap(&in);
	sio_fault_ring_destroy(ring);
}

/* ------------------------------------------------------- garbage rec_tail */

/*
 * Sequential: a model of the producer's rules predicts every push result
 * while the test mixes pushes, legitimate pops and garbage tails of every
 * kind. Room is proven with the last accepted tail (seen); only when that
 * leaves too little is the tail read first (garbage: EPIPE, nothing
 * published); otherwise it is read after publishing (garbage: the push
 * succeeds and disables the ring for the next one). A tail is accepted only
 * in [seen, head]. The model also knows what every slot must hold, so a
 * write to the wrong slot shows, and models the view: records are pending
 * by their seq words, and a view overtaken by the producer (possible only
 * through a garbage tail) gets EIO.
 */
static void run_garbage_model(uint32_t nb, unsigned int steps, unsigned int *disabled_rings)
{
	struct iommu_hwpt_pgfault recs[128], out[128];
	uint32_t head = 0, seen = 0, vtail = 0, seq = 0, *slot_seq;
	struct sio_fault_ring_status st;
	struct sio_fault_ring_view *v;
	struct sio_fault_ring *ring;
	uint64_t overflows = 0;
	bool disabled = false;
	struct insp in;
	int rc;

	slot_seq = calloc(nb, sizeof(*slot_seq));
	ring = ring_with_view(nb, 8, &in, &v);
	for (unsigned int s = 0; s < steps; s++) {
		uint32_t k, t, g;

		switch (rnd() % 8) {
		case 0: case 1: case 2:		/* push a group */
			k = 1 + rnd() % nb;
			for (uint32_t i = 0; i < k; i++)
				recs[i] = make_rec(seq + i);
			rc = sio_fault_ring_push(ring, recs, k);
			t = __atomic_load_n(&in.ctl->rec_tail, __ATOMIC_RELAXED);
			if (disabled) {
				assert_int_equal(rc, -1);
				assert_int_equal(errno, EPIPE);
				break;
			}
			if (k > nb - (head - seen)) {
				/* Checked before writing. */
				if (t - seen > head - seen) {
					assert_int_equal(rc, -1);
					assert_int_equal(errno, EPIPE);
					disabled = true;
					break;
				}
				seen = t;
				if (k > nb - (head - t)) {
					assert_int_equal(rc, -1);
					assert_int_equal(errno, ENOSPC);
					overflows += k;
					break;
				}
			}
			assert_int_equal(rc, k);
			for (uint32_t i = 0; i < k; i++)
				slot_seq[(head + i) & (nb - 1)] = seq + i;
			head += k;
			seq += k;
			/* Checked after publishing (a no-op when checked before). */
			if (t - seen > head - seen)
				disabled = true;
			else
				seen = t;
			break;
		case 3: case 4:			/* legitimate pop */
			k = 1 + rnd() % nb;
			rc = sio_fault_ring_pop(v, out, k);
			if (head - vtail > nb) {
				/* The view's own index was overtaken: its business. */
				assert_int_equal(rc, -1);
				assert_int_equal(errno, EIO);
				break;
			}
			assert_int_equal(rc, sio_min_u32(k, head - vtail));
			for (int i = 0; i < rc; i++)
				check_rec(&out[i], slot_seq[(vtail + i) & (nb - 1)]);
			if (rc)
				vtail += rc;
			if (rc)
				assert_int_equal(in.ctl->rec_tail, vtail);
			break;
		default:			/* garbage in rec_tail */
			switch (rnd() % 6) {
			case 0: g = (uint32_t)rnd(); break;
			case 1: g = UINT32_MAX; break;
			case 2: g = head + 0x80000000u; break;
			case 3: g = seen - 1 - (uint32_t)(rnd() % nb); break;
			case 4: g = head + 1 + (uint32_t)(rnd() % nb); break;
			default: g = seen + (uint32_t)(rnd() % (head - seen + 1)); break;
			}
			__atomic_store_n(&in.ctl->rec_tail, g, __ATOMIC_RELEASE);
			break;
		}
		assert_int_equal(in.hdr->rec_head, head);
		if (disabled) {
			assert_int_equal(sio_fault_ring_status(v, &st), 0);
			assert_true(st.rec_flags & SIO_FAULT_RING_F_DISABLED);
			assert_int_equal(st.rec_overflows, overflows);
			check_untouched(&in, true);
			/* Pushes keep failing, whatever the tail says now. */
			__atomic_store_n(&in.ctl->rec_tail, head, __ATOMIC_RELEASE);
			assert_int_equal(sio_fault_ring_push(ring, recs, 1), -1);
			assert_int_equal(errno, EPIPE);
			assert_int_equal(in.hdr->rec_head, head);
			(*disabled_rings)++;
			sio_fault_ring_unmap(v);
			insp_unmap(&in);
			sio_fault_ring_destroy(ring);
			ring = ring_with_view(nb, 8, &in, &v);
			head = seen = vtail = 0;
			overflows = 0;
			disabled = false;
			memset(slot_seq, 0, nb * sizeof(*slot_seq));
		}
	}
	assert_int_equal(in.hdr->rec_overflows, overflows);
	check_untouched(&in, true);
	sio_fault_ring_unmap(v);
	insp_unmap(&in);
	sio_fault_ring_destroy(ring);
	free(slot_seq);
}

static void test_garbage_tail_model(void **state)
{
	static const uint32_t nbs[] = { 1, 2, 16, 128 };
	unsigned int disabled = 0;

	rnd_state = 0x9e3779b97f4a7c15ull;
	for (size_t i = 0; i < sizeof(nbs) / sizeof(nbs[0]); i++)
		run_garbage_model(nbs[i], 40000, &disabled);
	/* The mix does reach the disabling path many times. */
	assert_true(disabled > 100);
}

struct garbage_race {
	struct sio_fault_ring *ring;
	struct sio_fault_ring_view *v;
	struct insp in;
	int stop;
	uint64_t seed;
};

static void *garbage_writer(void *arg)
{
	struct garbage_race *g = arg;
	struct iommu_hwpt_pgfault out[64];
	uint64_t s = g->seed;

	while (!__atomic_load_n(&g->stop, __ATOMIC_ACQUIRE)) {
		uint64_t r = rnd_r(&s);

		if (r % 64)
			(void)sio_fault_ring_pop(g->v, out, 1 + r % 64);
		else
			__atomic_store_n(&g->in.ctl->rec_tail, (uint32_t)rnd_r(&s),
					 __ATOMIC_RELEASE);
	}
	return NULL;
}

/*
 * The race tests run until the other thread's garbage has been seen, which
 * on a loaded machine may take long: they give up only after RACE_LIMIT_S
 * (then the assertions after the loop fail), never after a count of tries.
 */
#define RACE_LIMIT_S 60

static double race_now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + t.tv_nsec / 1e9;
}

/* Concurrent: garbage lands at any moment relative to the producer's read. */
static void test_garbage_tail_race(void **state)
{
	struct iommu_hwpt_pgfault recs[32];
	uint64_t s = 12345;

	for (int round = 0; round < 20; round++) {
		struct sio_fault_ring_status st;
		struct garbage_race g = { .seed = 777 + round };
		pthread_t th;
		int rc = 0;
		long pushes = 0;

		g.ring = sio_fault_ring_create(64, 8);
		assert_non_null(g.ring);
		insp_map(&g.in, g.ring);
		g.v = sio_fault_ring_map(sio_fault_ring_fd(g.ring));
		assert_non_null(g.v);
		assert_int_equal(pthread_create(&th, NULL, garbage_writer, &g), 0);
		for (double end = race_now() + RACE_LIMIT_S;
		     (pushes & 1023) || race_now() < end;) {
			uint32_t k = 1 + rnd_r(&s) % 32;

			for (uint32_t i = 0; i < k; i++)
				recs[i] = make_rec((uint32_t)pushes + i);
			rc = sio_fault_ring_push(g.ring, recs, k);
			if (rc < 0 && errno == EPIPE)
				break;
			assert_true(rc == (int)k || (rc == -1 && errno == ENOSPC));
			pushes++;
		}
		__atomic_store_n(&g.stop, 1, __ATOMIC_RELEASE);
		pthread_join(th, NULL);
		assert_int_equal(rc, -1);
		assert_int_equal(errno, EPIPE);
		assert_int_equal(sio_fault_ring_status(g.v, &st), 0);
		assert_true(st.rec_flags & SIO_FAULT_RING_F_DISABLED);
		assert_int_equal(sio_fault_ring_push(g.ring, recs, 1), -1);
		assert_int_equal(errno, EPIPE);
		check_untouched(&g.in, true);
		sio_fault_ring_unmap(g.v);
		insp_unmap(&g.in);
		sio_fault_ring_destroy(g.ring);
	}
}

/* ---------------------------------------------------- record seq words */

/*
 * softiommu never reads a record slot: seq words the program scribbles over
 * through a writable mapping change nothing on its side, and its next lap
 * rewrites them. The view that relies on them is the program's own.
 */
static void test_record_seq_words(void **state)
{
	struct iommu_hwpt_pgfault recs[4], out[4];
	struct sio_fault_ring_view *v;
	struct sio_fault_ring *ring;
	struct insp in;

	ring = ring_with_view(4, 4, &in, &v);
	for (uint32_t i = 0; i < 4; i++)
		recs[i] = make_rec(i);
	assert_int_equal(sio_fault_ring_push(ring, recs, 3), 3);
	for (uint32_t i = 0; i < 3; i++)
		assert_int_equal(in.rec[i].seq, i + 1);
	in.rec[0].seq = 0xdeadbeef;
	in.rec[1].seq = 0;
	in.rec[3].seq = 4;
	/* Not index 0's seq, nor a later lap's: nothing pending, no error. */
	assert_int_equal(sio_fault_ring_pop(v, out, 4), 0);
	assert_int_equal(sio_fault_ring_push(ring, recs + 3, 1), 1);
	assert_int_equal(in.rec[3].seq, 4);
	assert_int_equal(in.hdr->rec_head, 4);
	/* The program says it consumed all four: legal; the next lap rewrites. */
	__atomic_store_n(&in.ctl->rec_tail, 4, __ATOMIC_RELEASE);
	for (uint32_t i = 0; i < 4; i++)
		recs[i] = make_rec(4 + i);
	assert_int_equal(sio_fault_ring_push(ring, recs, 4), 4);
	for (uint32_t i = 0; i < 4; i++)
		assert_int_equal(in.rec[i].seq, 5 + i);
	/* The old view's index 0 now holds index 4: it was overtaken. */
	assert_int_equal(sio_fault_ring_pop(v, out, 4), -1);
	assert_int_equal(errno, EIO);
	sio_fault_ring_unmap(v);
	v = sio_fault_ring_map(sio_fault_ring_fd(ring));
	assert_non_null(v);
	assert_int_equal(sio_fault_ring_pop(v, out, 4), 4);
	for (uint32_t i = 0; i < 4; i++)
		check_rec(&out[i], 4 + i);
	check_untouched(&in, true);
	sio_fault_ring_unmap(v);
	insp_unmap(&in);
	sio_fault_ring_destroy(ring);
}

/* ---------------------------------------------------------- two threads */

#define STRESS_RECORDS 400000u

struct stress {
	struct sio_fault_ring *ring;
	struct sio_fault_ring_view *v;
};

/* The program: pops records in order, answers each with cookie = seq. */
static void *stress_consumer(void *arg)
{
	struct iommu_hwpt_page_response resp[64];
	struct iommu_hwpt_pgfault out[64];
	struct stress *st = arg;
	uint32_t next = 0, answered = 0;
	uint64_t s = 99;

	while (next < STRESS_RECORDS || answered < STRESS_RECORDS) {
		int n = sio_fault_ring_pop(st->v, out, 1 + rnd_r(&s) % 64);

		assert_true(n >= 0);
		for (int i = 0; i < n; i++)
			check_rec(&out[i], next + i);
		next += n;
		while (answered < next) {
			uint32_t k = sio_min_u32(next - answered, 64);

			for (uint32_t i = 0; i < k; i++)
				resp[i] = (struct iommu_hwpt_page_response){
					.cookie = answered + i, .code = (answered + i) & 1 };
			n = sio_fault_ring_respond(st->v, resp, k);
			if (n < 0) {
				assert_int_equal(errno, ENOSPC);
				break;
			}
			answered += n;
		}
	}
	return NULL;
}

static void test_two_thread_stress(void **state)
{
	struct iommu_hwpt_page_response resp[64];
	struct iommu_hwpt_pgfault recs[32];
	uint32_t seq = 0, got = 0;
	struct stress st;
	uint64_t s = 5;
	pthread_t th;

	st.ring = sio_fault_ring_create(256, 32);
	assert_non_null(st.ring);
	st.v = sio_fault_ring_map(sio_fault_ring_fd(st.ring));
	assert_non_null(st.v);
	assert_int_equal(pthread_create(&th, NULL, stress_consumer, &st), 0);
	while (seq < STRESS_RECORDS || got < STRESS_RECORDS) {
		uint32_t k = sio_min_u32(1 + rnd_r(&s) % 32, STRESS_RECORDS - seq);
		int n;

		if (k) {
			for (uint32_t i = 0; i < k; i++)
				recs[i] = make_rec(seq + i);
			n = sio_fault_ring_push(st.ring, recs, k);
			if (n > 0)
				seq += k;
			else
				assert_int_equal(errno, ENOSPC);
		}
		n = sio_fault_ring_take_responses(st.ring, resp, 64);
		assert_true(n >= 0);
		for (int i = 0; i < n; i++) {
			assert_int_equal(resp[i].cookie, got + i);
			assert_int_equal(resp[i].code, (got + i) & 1);
		}
		got += n;
	}
	pthread_join(th, NULL);
	sio_fault_ring_unmap(st.v);
	sio_fault_ring_destroy(st.ring);
}

/* --------------------------------------------------------- response ring */

/* ------------------------------------------------ several callers per side */

#define MC_RECORDS	40000u

struct mp_producer {
	struct sio_fault_ring *ring;
	uint32_t id;
	uint32_t seq;			/* records pushed */
	uint64_t rnd;
};

/*
 * Record i (from 0) of a group of k pushed by producer id: cookie id << 24 |
 * per-producer sequence number, grpid k, length i.
 */
static void mp_push_step(struct mp_producer *p)
{
	struct iommu_hwpt_pgfault recs[8];
	uint32_t k = sio_min_u32(1 + rnd_r(&p->rnd) % 8, MC_RECORDS - p->seq);
	int n;

	for (uint32_t i = 0; i < k; i++) {
		recs[i] = make_rec(p->seq + i);
		recs[i].cookie = p->id << 24 | (p->seq + i);
		recs[i].grpid = k;
		recs[i].length = i;
	}
	n = sio_fault_ring_push(p->ring, recs, k);
	if (n == (int)k)
		p->seq += k;
	else
		assert_int_equal(errno, ENOSPC);
}

static void *mp_produce(void *arg)
{
	struct mp_producer *p = arg;

	while (p->seq < MC_RECORDS)
		mp_push_step(p);
	return NULL;
}

/*
 * Pushes from two threads at once are serialised: every group arrives
 * whole and contiguous, and each producer's records arrive once, in order.
 * The main thread pushes and pops, so that on two CPUs both pushers run at
 * the same time.
 */
static void test_concurrent_producers(void **state)
{
	struct mp_producer p[2];
	struct iommu_hwpt_pgfault out[64];
	uint32_t next[2] = { 0, 0 }, got = 0, left = 0, grp_id = 0, grp_k = 0;
	struct sio_fault_ring_view *v;
	struct sio_fault_ring *ring;
	pthread_t th;

	ring = sio_fault_ring_create(64, 8);
	assert_non_null(ring);
	v = sio_fault_ring_map(sio_fault_ring_fd(ring));
	assert_non_null(v);
	for (uint32_t i = 0; i < 2; i++)
		p[i] = (struct mp_producer){ .ring = ring, .id = i + 1, .rnd = 99 + i };
	assert_int_equal(pthread_create(&th, NULL, mp_produce, &p[1]), 0);
	while (got < 2 * MC_RECORDS) {
		int n;

		if (p[0].seq < MC_RECORDS)
			mp_push_step(&p[0]);
		n = sio_fault_ring_pop(v, out, 64);

		assert_true(n >= 0);
		for (int j = 0; j < n; j++) {
			uint32_t id = out[j].cookie >> 24, seq = out[j].cookie & 0xffffff;
			struct iommu_hwpt_pgfault want = make_rec(seq);

			assert_true(id == 1 || id == 2);
			if (!left) {
				assert_int_equal(out[j].length, 0);
				grp_id = id;
				grp_k = out[j].grpid;
				left = grp_k;
			}
			assert_int_equal(id, grp_id);
			assert_int_equal(out[j].grpid, grp_k);
			assert_int_equal(out[j].length, grp_k - left);
			assert_int_equal(seq, next[id - 1]);
			assert_int_equal(out[j].addr, want.addr);
			assert_int_equal(out[j].dev_id, want.dev_id);
			next[id - 1]++;
			left--;
		}
		got += (uint32_t)n;
	}
	assert_int_equal(pthread_join(th, NULL), 0);
	assert_int_equal(left, 0);
	assert_int_equal(next[0], MC_RECORDS);
	assert_int_equal(next[1], MC_RECORDS);
	assert_int_equal(sio_fault_ring_pop(v, out, 64), 0);
	sio_fault_ring_unmap(v);
	sio_fault_ring_destroy(ring);
}

struct mc_consumer {
	struct sio_fault_ring_view *v;
	uint32_t *popped;		/* total records popped by both (atomic) */
	uint8_t *seen;			/* per record: times popped (atomic) */
	/* The main thread's only: it also takes the responses. */
	struct sio_fault_ring *taker;
	uint8_t *answers;		/* per record: responses taken */
	uint32_t answered;
};

static void mc_take(struct mc_consumer *c)
{
	struct iommu_hwpt_page_response resp[32];
	int n = sio_fault_ring_take_responses(c->taker, resp, 32);

	assert_true(n >= 0);
	for (int j = 0; j < n; j++) {
		assert_true(resp[j].cookie < MC_RECORDS);
		c->answers[resp[j].cookie]++;
	}
	c->answered += (uint32_t)n;
}

/* Pop once, check that the batch is consecutive, answer every record. */
static void mc_step(struct mc_consumer *c)
{
	struct iommu_hwpt_pgfault out[16];
	struct iommu_hwpt_page_response resp[16];
	int n = sio_fault_ring_pop(c->v, out, 16), done = 0;

	assert_true(n >= 0);
	for (int j = 0; j < n; j++) {
		check_rec(&out[j], out[0].cookie + (uint32_t)j);
		__atomic_fetch_add(&c->seen[out[j].cookie], 1, __ATOMIC_RELAXED);
		resp[j] = (struct iommu_hwpt_page_response){ .cookie = out[j].cookie };
	}
	__atomic_fetch_add(c->popped, (uint32_t)n, __ATOMIC_RELAXED);
	while (done < n) {
		int k = sio_fault_ring_respond(c->v, resp + done, (unsigned int)(n - done));

		if (k >= 0) {
			done += k;
			continue;
		}
		assert_int_equal(errno, ENOSPC);
		if (c->taker)
			mc_take(c);
	}
}

static void *mc_consume(void *arg)
{
	struct mc_consumer *c = arg;

	while (__atomic_load_n(c->popped, __ATOMIC_RELAXED) < MC_RECORDS)
		mc_step(c);
	return NULL;
}

/*
 * Two threads popping from and responding through one view are serialised:
 * every record is popped exactly once and every response arrives once. The
 * main thread pushes, pops, responds and takes, so that on two CPUs both
 * consumers run at the same time.
 */
static void test_concurrent_consumers(void **state)
{
	struct iommu_hwpt_pgfault recs[8];
	struct mc_consumer c, m;
	struct sio_fault_ring *ring;
	uint32_t popped = 0, seq = 0;
	uint8_t *seen, *answers;
	pthread_t th;

	seen = calloc(MC_RECORDS, 1);
	answers = calloc(MC_RECORDS, 1);
	assert_non_null(seen);
	assert_non_null(answers);
	ring = sio_fault_ring_create(64, 16);
	assert_non_null(ring);
	c = (struct mc_consumer){ .popped = &popped, .seen = seen };
	c.v = sio_fault_ring_map(sio_fault_ring_fd(ring));
	assert_non_null(c.v);
	m = c;
	m.taker = ring;
	m.answers = answers;
	assert_int_equal(pthread_create(&th, NULL, mc_consume, &c), 0);
	while (seq < MC_RECORDS || m.answered < MC_RECORDS) {
		uint32_t k = sio_min_u32(1 + seq % 8, MC_RECORDS - seq);

		if (k) {
			for (uint32_t i = 0; i < k; i++)
				recs[i] = make_rec(seq + i);
			if (sio_fault_ring_push(ring, recs, k) == (int)k)
				seq += k;
			else
				assert_int_equal(errno, ENOSPC);
		}
		mc_step(&m);
		mc_take(&m);
	}
	assert_int_equal(pthread_join(th, NULL), 0);
	for (uint32_t i = 0; i < MC_RECORDS; i++) {
		assert_int_equal(seen[i], 1);
		assert_int_equal(answers[i], 1);
	}
	assert_int_equal(m.answered, MC_RECORDS);
	assert_int_equal(sio_fault_ring_take_responses(ring, NULL, 32), 0);
	sio_fault_ring_unmap(c.v);
	sio_fault_ring_destroy(ring);
	free(answers);
	free(seen);
}

static void test_response_ring_rules(void **state)
{
	struct iommu_hwpt_page_response resp[8], out[8];
	struct sio_fault_ring_status st;
	struct sio_fault_ring_view *v;
	struct sio_fault_ring *ring;
	struct insp in;

	ring = ring_with_view(4, 4, &in, &v);
	for (int i = 0; i < 8; i++)
		resp[i] = (struct iommu_hwpt_page_response){ .cookie = 10 + i, .code = 0 };
	resp[1].code = 2;	/* not a response code */
	resp[2].code = IOMMUFD_PAGE_RESP_INVALID;
	assert_int_equal(sio_fault_ring_take_responses(ring, out, 8), 0);
	assert_int_equal(sio_fault_ring_respond(v, resp, 0), 0);
	/* Short write when the ring has less room, ENOSPC when it has none. */
	assert_int_equal(sio_fault_ring_respond(v, resp, 6), 4);
	assert_int_equal(sio_fault_ring_respond(v, resp, 1), -1);
	assert_int_equal(errno, ENOSPC);
	assert_int_equal(sio_fault_ring_status(v, &st), 0);
	assert_int_equal(st.resp_pending, 4);
	/* The bad entry is consumed, counted and not returned. */
	assert_int_equal(sio_fault_ring_take_responses(ring, out, 2), 2);
	assert_int_equal(out[0].cookie, 10);
	assert_int_equal(out[1].cookie, 12);
	assert_int_equal(out[1].code, IOMMUFD_PAGE_RESP_INVALID);
	assert_int_equal(sio_fault_ring_status(v, &st), 0);
	assert_int_equal(st.resp_rejected, 1);
	assert_int_equal(st.resp_pending, 1);
	assert_int_equal(sio_fault_ring_respond(v, resp + 4, 4), 3);
	assert_int_equal(sio_fault_ring_take_responses(ring, out, 8), 4);
	for (int i = 0; i < 4; i++)
		assert_int_equal(out[i].cookie, 13 + i);

	/*
	 * Garbage resp_head: accepted only in [last accepted, tail + nb]. It
	 * does not make slots consumable: their seq words do.
	 */
	assert_int_equal(in.hdr->resp_tail, 7);
	__atomic_store_n(&in.ctl->resp_head, in.hdr->resp_tail + 4, __ATOMIC_RELEASE);
	assert_int_equal(sio_fault_ring_take_responses(ring, out, 8), 0); /* legal, if odd */
	assert_int_equal(in.hdr->resp_tail, 7);
	__atomic_store_n(&in.ctl->resp_head, in.hdr->resp_tail - 1, __ATOMIC_RELEASE);
	assert_int_equal(sio_fault_ring_take_responses(ring, out, 8), -1);
	assert_int_equal(errno, EPIPE);
	assert_int_equal(sio_fault_ring_status(v, &st), 0);
	assert_true(st.resp_flags & SIO_FAULT_RING_F_DISABLED);
	__atomic_store_n(&in.ctl->resp_head, in.hdr->resp_tail, __ATOMIC_RELEASE);
	assert_int_equal(sio_fault_ring_take_responses(ring, out, 8), -1);
	assert_int_equal(errno, EPIPE);
	assert_int_equal(sio_fault_ring_respond(v, resp, 1), -1);
	assert_int_equal(errno, EPIPE);
	/* The record direction is independent. */
	assert_int_equal(st.rec_flags, 0);
	sio_fault_ring_unmap(v);
	insp_unmap(&in);
	sio_fault_ring_destroy(ring);

	/* Ahead of tail + nb. */
	ring = sio_fault_ring_create(4, 4);
	insp_map(&in, ring);
	__atomic_store_n(&in.ctl->resp_head, 5, __ATOMIC_RELEASE);
	assert_int_equal(sio_fault_ring_take_responses(ring, out, 8), -1);
	assert_int_equal(errno, EPIPE);
	assert_true(in.hdr->resp_flags & SIO_FAULT_RING_F_DISABLED);
	assert_int_equal(in.hdr->resp_tail, 0);
	insp_unmap(&in);
	sio_fault_ring_destroy(ring);
}

/*
 * The response slots' seq words are the program's to write, so anything may
 * be in them: softiommu consumes the slot of index i only when its seq word
 * is exactly i + 1, in order, and never looks past the first slot that is
 * not; resp_head plays no part in it.
 */
static void test_response_seq_words(void **state)
{
	static const uint32_t bad[] = { 0, 2, 5, 9, UINT32_MAX, 0x80000001u };
	struct iommu_hwpt_page_response out[16];
	struct sio_fault_ring_status st;
	struct sio_fault_ring_view *v;
	struct sio_fault_ring *ring;
	struct insp in;

	ring = ring_with_view(4, 4, &in, &v);
	/* Valid responses (cookie 100 + slot, code 0) whose seq words are wrong. */
	for (uint32_t i = 0; i < 4; i++)
		in.resp[i].resp = 100 + i;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		in.resp[0].seq = bad[i];
		assert_int_equal(sio_fault_ring_take_responses(ring, out, 16), 0);
		assert_int_equal(in.hdr->resp_tail, 0);
	}
	/* In order: a later slot marked written does not count before slot 0. */
	in.resp[0].seq = 0;
	in.resp[1].seq = 2;
	assert_int_equal(sio_fault_ring_take_responses(ring, out, 16), 0);
	in.resp[0].seq = 1;
	assert_int_equal(sio_fault_ring_take_responses(ring, out, 16), 2);
	assert_int_equal(out[0].cookie, 100);
	assert_int_equal(out[1].cookie, 101);
	assert_int_equal(in.hdr->resp_tail, 2);
	/* The old lap's value in a reused slot is not the new one's. */
	in.resp[2].seq = 3;
	in.resp[3].seq = 4;
	in.resp[0].seq = 1;
	assert_int_equal(sio_fault_ring_take_responses(ring, out, 16), 2);
	assert_int_equal(in.hdr->resp_tail, 4);
	/* Index 4 (slot 0, seq 5) with an invalid code: consumed and rejected. */
	in.resp[0].resp = 7ull << 32 | 200;
	in.resp[0].seq = 5;
	assert_int_equal(sio_fault_ring_take_responses(ring, out, 16), 0);
	assert_int_equal(in.hdr->resp_tail, 5);
	assert_int_equal(in.hdr->resp_rejected, 1);
	/* Published only when it changes (its line is the one respond reads). */
	in.hdr->resp_rejected = 77;
	in.resp[1].resp = 300;
	in.resp[1].seq = 6;
	assert_int_equal(sio_fault_ring_take_responses(ring, out, 16), 1);
	assert_int_equal(out[0].cookie, 300);
	assert_int_equal(in.hdr->resp_rejected, 77);
	in.hdr->resp_rejected = 1;
	/*
	 * The program's own view saw nothing of this: it writes indices 0-3,
	 * which softiommu, now at 6, never takes; once its cached resp_tail
	 * leaves no room it loads the real one and reports EIO.
	 */
	assert_int_equal(sio_fault_ring_status(v, &st), 0);
	assert_int_equal(st.resp_pending, 0);
	assert_int_equal(sio_fault_ring_respond(v, out, 4), 4);
	assert_int_equal(sio_fault_ring_take_responses(ring, out, 16), 0);
	assert_int_equal(in.hdr->resp_tail, 6);
	assert_int_equal(sio_fault_ring_respond(v, out, 1), -1);
	assert_int_equal(errno, EIO);
	assert_false(in.hdr->resp_flags & SIO_FAULT_RING_F_DISABLED);
	sio_fault_ring_unmap(v);
	insp_unmap(&in);
	sio_fault_ring_destroy(ring);
}

struct head_race {
	struct insp in;
	int stop;
	uint64_t seed;
};

static void *garbage_head_writer(void *arg)
{
	struct head_race *h = arg;
	uint64_t s = h->seed;
	uint32_t head = 0;

	/*
	 * Legitimate-looking steps forward (seq words marking the next slots
	 * written, a head a little ahead), garbage seq words, and now and then
	 * a garbage head.
	 */
	while (!__atomic_load_n(&h->stop, __ATOMIC_ACQUIRE)) {
		uint64_t r = rnd_r(&s);
		uint32_t tail = __atomic_load_n(&h->in.hdr->resp_tail, __ATOMIC_ACQUIRE);

		if (r % 4 == 0) {
			for (uint32_t j = 0; j < r % 11; j++)
				__atomic_store_n(&h->in.resp[(tail + j) & 7].seq, tail + j + 1,
						 __ATOMIC_RELEASE);
		} else if (r % 4 == 1) {
			__atomic_store_n(&h->in.resp[(r >> 8) & 7].seq, (uint32_t)rnd_r(&s),
					 __ATOMIC_RELEASE);
		}
		head = r % 32 ? tail + (uint32_t)(r % 9) : (uint32_t)rnd_r(&s);
		__atomic_store_n(&h->in.ctl->resp_head, head, __ATOMIC_RELEASE);
	}
	return NULL;
}

/*
 * The response direction under garbage indices and seq words at any moment:
 * softiommu only ever returns slots it accepted, each with a valid code, at
 * most nb per call, and ends up disabled.
 */
static void test_garbage_head_race(void **state)
{
	struct iommu_hwpt_page_response out[16];

	for (int round = 0; round < 10; round++) {
		struct head_race h = { .seed = 4242 + round };
		double start = race_now();
		struct sio_fault_ring *ring;
		long taken = 0;
		pthread_t th;
		int n = 0;

		ring = sio_fault_ring_create(4, 8);
		assert_non_null(ring);
		insp_map(&h.in, ring);
		/* Slots hold valid answers with cookie = slot, so any accepted one is known. */
		for (uint32_t i = 0; i < 8; i++)
			h.in.resp[i].resp = i;
		assert_int_equal(pthread_create(&th, NULL, garbage_head_writer, &h), 0);
		for (long i = 0;; i++) {
			if (!(i & 1023) && race_now() > start + RACE_LIMIT_S)
				break;
			n = sio_fault_ring_take_responses(ring, out, 16);
			if (n < 0)
				break;
			assert_true(n <= 8);
			for (int k = 0; k < n; k++) {
				assert_true(out[k].cookie < 8);
				assert_int_equal(out[k].code, 0);
			}
			taken += n;
		}
		__atomic_store_n(&h.stop, 1, __ATOMIC_RELEASE);
		pthread_join(th, NULL);
		assert_int_equal(n, -1);
		assert_int_equal(errno, EPIPE);
		assert_true(h.in.hdr->resp_flags & SIO_FAULT_RING_F_DISABLED);
		assert_int_equal(h.in.hdr->resp_tail, (uint32_t)taken);
		check_untouched(&h.in, false);
		insp_unmap(&h.in);
		sio_fault_ring_destroy(ring);
	}
}

struct flipper {
	uint64_t *slot;
	uint64_t good, bad;
	int stop;
};

static void *flip(void *arg)
{
	struct flipper *f = arg;

	while (!__atomic_load_n(&f->stop, __ATOMIC_ACQUIRE)) {
		__atomic_store_n(f->slot, f->bad, __ATOMIC_RELAXED);
		__atomic_store_n(f->slot, f->good, __ATOMIC_RELAXED);
	}
	return NULL;
}

/*
 * A program that rewrites a response while softiommu consumes it: softiommu
 * acts on one copy, so a response it returns is always exactly the valid
 * value, never the invalid one nor a mix of both, and every consumed slot
 * is either returned or counted as rejected.
 */
static void test_response_single_fetch(void **state)
{
	struct iommu_hwpt_page_response good = { .cookie = 1, .code = 0 };
	struct iommu_hwpt_page_response bad = { .cookie = 2, .code = 0xbad };
	struct iommu_hwpt_page_response out;
	struct sio_fault_ring_status st;
	struct sio_fault_ring_view *v;
	struct sio_fault_ring *ring;
	struct flipper f;
	unsigned int taken = 0, rejected = 0;
	struct insp in;
	pthread_t th;

	ring = ring_with_view(1, 1, &in, &v);
	f.slot = &in.resp[0].resp;
	memcpy(&f.good, &good, 8);
	memcpy(&f.bad, &bad, 8);
	f.stop = 0;
	assert_int_equal(pthread_create(&th, NULL, flip, &f), 0);
	for (int i = 0; i < 200000; i++) {
		int n;

		assert_int_equal(sio_fault_ring_respond(v, &good, 1), 1);
		n = sio_fault_ring_take_responses(ring, &out, 1);
		assert_true(n == 0 || n == 1);
		if (n) {
			assert_memory_equal(&out, &good, sizeof(out));
			taken++;
		} else {
			rejected++;
		}
	}
	__atomic_store_n(&f.stop, 1, __ATOMIC_RELEASE);
	pthread_join(th, NULL);
	assert_int_equal(sio_fault_ring_status(v, &st), 0);
	assert_int_equal(st.resp_rejected, rejected);
	assert_int_equal(st.resp_pending, 0);
	assert_int_equal(taken + rejected, 200000);
	sio_fault_ring_unmap(v);
	insp_unmap(&in);
	sio_fault_ring_destroy(ring);
}

/* Address of softiommu's own mapping of region offset @off (perms @perm). */
static uintptr_t producer_map_of(size_t off, const char *perm)
{
	unsigned long start, end, moff;
	char line[512], p[5];
	uintptr_t at = 0;
	FILE *f;

	f = fopen("/proc/self/maps", "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		if (!strstr(line, "softiommu-fault-ring"))
			continue;
		assert_int_equal(sscanf(line, "%lx-%lx %4s %lx", &start, &end, p, &moff), 4);
		if (moff == off && !strcmp(p, perm))
			at = start;
	}
	fclose(f);
	return at;
}

/* A counting hardware watchpoint on 8 bytes at @addr for this thread, or -1. */
static int watch_open(uintptr_t addr)
{
	struct perf_event_attr a;

	memset(&a, 0, sizeof(a));
	a.type = PERF_TYPE_BREAKPOINT;
	a.size = sizeof(a);
	a.bp_type = HW_BREAKPOINT_RW;
	a.bp_addr = addr;
	a.bp_len = HW_BREAKPOINT_LEN_8;
	a.exclude_kernel = 1;
	a.exclude_hv = 1;
	a.disabled = 1;
	return (int)syscall(SYS_perf_event_open, &a, 0, -1, -1, 0);
}

static long long watch_count(int fd, struct sio_fault_ring *ring,
			     struct iommu_hwpt_page_response *out, int expect)
{
	long long c = -1;

	assert_int_equal(ioctl(fd, PERF_EVENT_IOC_RESET, 0), 0);
	assert_int_equal(ioctl(fd, PERF_EVENT_IOC_ENABLE, 0), 0);
	assert_int_equal(sio_fault_ring_take_responses(ring, out, 1), expect);
	assert_int_equal(ioctl(fd, PERF_EVENT_IOC_DISABLE, 0), 0);
	assert_int_equal(read(fd, &c, sizeof(c)), sizeof(c));
	return c;
}

/*
 * Deterministic form of the above: a hardware watchpoint on softiommu's
 * mapping of a response slot counts exactly one access per consumed slot,
 * valid or rejected. Skipped where perf_event_open() is not allowed.
 */
static void test_response_slot_read_once(void **state)
{
	struct iommu_hwpt_page_response resp[2] = {
		{ .cookie = 5, .code = 0 }, { .cookie = 6, .code = 9 },
	}, out;
	struct sio_fault_ring_view *v;
	struct sio_fault_ring *ring;
	uintptr_t slots;
	int fd;

	ring = sio_fault_ring_create(4, 4);
	assert_non_null(ring);
	v = sio_fault_ring_map(sio_fault_ring_fd(ring));
	assert_non_null(v);
	slots = producer_map_of(sio_fault_ring_header(v)->resp_offset, "r--s");
	assert_true(slots != 0);
	assert_int_equal(sio_fault_ring_respond(v, resp, 2), 2);
	fd = watch_open(slots);
	if (fd < 0) {
		sio_fault_ring_unmap(v);
		sio_fault_ring_destroy(ring);
		skip();
	}
	assert_int_equal(watch_count(fd, ring, &out, 1), 1);
	assert_int_equal(out.cookie, 5);
	close(fd);
	fd = watch_open(slots + 16);
	assert_true(fd >= 0);
	assert_int_equal(watch_count(fd, ring, &out, 0), 1);
	close(fd);
	sio_fault_ring_unmap(v);
	sio_fault_ring_destroy(ring);
}

/* ------------------------------------------------------------------ EFAULT */

static void test_bad_buffers_efault(void **state)
{
	struct iommu_hwpt_page_response resp = { .cookie = 7, .code = 0 }, rout;
	struct iommu_hwpt_pgfault rec = make_rec(1), out;
	struct sio_fault_ring_status st;
	struct sio_fault_ring_view *v;
	struct sio_fault_ring *ring;
	void *bad;

	/* cmocka put its SIGSEGV handler in front of softiommu's. */
	sio_uaccess_reassert();
	bad = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(bad != MAP_FAILED);
	ring = sio_fault_ring_create(4, 4);
	v = sio_fault_ring_map(sio_fault_ring_fd(ring));

	assert_int_equal(sio_fault_ring_push(ring, bad, 1), -1);
	assert_int_equal(errno, EFAULT);
	assert_int_equal(sio_fault_ring_header(v)->rec_head, 0);
	assert_int_equal(sio_fault_ring_push(ring, &rec, 1), 1);
	assert_int_equal(sio_fault_ring_peek(v, bad, 1), -1);
	assert_int_equal(errno, EFAULT);
	assert_int_equal(sio_fault_ring_pop(v, bad, 1), -1);
	assert_int_equal(errno, EFAULT);
	assert_int_equal(sio_fault_ring_pop(v, (void *)1, 1), -1);
	assert_int_equal(errno, EFAULT);
	assert_int_equal(sio_fault_ring_status(v, bad), -1);
	assert_int_equal(errno, EFAULT);
	assert_int_equal(sio_fault_ring_status(v, &st), 0);
	assert_int_equal(st.rec_pending, 1);
	assert_int_equal(sio_fault_ring_pop(v, &out, 1), 1);
	check_rec(&out, 1);

	assert_int_equal(sio_fault_ring_respond(v, bad, 1), -1);
	assert_int_equal(errno, EFAULT);
	assert_int_equal(sio_fault_ring_status(v, &st), 0);
	assert_int_equal(st.resp_pending, 0);
	assert_int_equal(sio_fault_ring_respond(v, &resp, 1), 1);
	assert_int_equal(sio_fault_ring_take_responses(ring, bad, 1), -1);
	assert_int_equal(errno, EFAULT);
	assert_int_equal(sio_fault_ring_status(v, &st), 0);
	assert_int_equal(st.resp_pending, 1);
	assert_int_equal(sio_fault_ring_take_responses(ring, &rout, 1), 1);
	assert_int_equal(rout.cookie, 7);

	sio_fault_ring_unmap(v);
	sio_fault_ring_destroy(ring);
	munmap(bad, 4096);
}

/* ------------------------------------------------------------------ mapping */

static void test_map_rejects_non_rings(void **state)
{
	struct sio_fault_ring *ring;
	struct insp in;
	int fd;

	errno = 0;
	assert_null(sio_fault_ring_map(-1));
	assert_int_equal(errno, EBADF);
	fd = memfd_create("not-a-ring", MFD_CLOEXEC);
	assert_true(fd >= 0);
	assert_null(sio_fault_ring_map(fd));
	assert_int_equal(errno, EINVAL);
	assert_int_equal(ftruncate(fd, 1 << 16), 0);
	assert_null(sio_fault_ring_map(fd));
	assert_int_equal(errno, EINVAL);
	close(fd);

	/* A region whose control page holds an impossible tail. */
	ring = sio_fault_ring_create(8, 8);
	insp_map(&in, ring);
	in.ctl->rec_tail = 3;
	assert_null(sio_fault_ring_map(sio_fault_ring_fd(ring)));
	assert_int_equal(errno, EINVAL);
	in.ctl->rec_tail = 0;
	in.ctl->resp_head = 9;
	assert_null(sio_fault_ring_map(sio_fault_ring_fd(ring)));
	assert_int_equal(errno, EINVAL);
	in.ctl->resp_head = 8;
	sio_fault_ring_unmap(sio_fault_ring_map(sio_fault_ring_fd(ring)));
	/* A header that lies about its geometry. */
	in.hdr->rec_nb = 256;
	assert_null(sio_fault_ring_map(sio_fault_ring_fd(ring)));
	assert_int_equal(errno, EINVAL);
	in.hdr->rec_nb = 3;
	assert_null(sio_fault_ring_map(sio_fault_ring_fd(ring)));
	assert_int_equal(errno, EINVAL);
	in.hdr->rec_nb = 8;
	in.hdr->magic++;
	assert_null(sio_fault_ring_map(sio_fault_ring_fd(ring)));
	assert_int_equal(errno, EINVAL);
	in.hdr->magic--;
	sio_fault_ring_unmap(sio_fault_ring_map(sio_fault_ring_fd(ring)));
	insp_unmap(&in);
	sio_fault_ring_destroy(ring);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layout_and_zero_fill),
		cmocka_unit_test(test_create_rejects_bad_counts),
		cmocka_unit_test(test_region_is_sealed),
		cmocka_unit_test(test_producer_mapping_has_guards),
		cmocka_unit_test(test_push_peek_pop_batches_wrap),
		cmocka_unit_test(test_remap_continues),
		cmocka_unit_test(test_full_ring_overflow),
		cmocka_unit_test(test_garbage_tail_model),
		cmocka_unit_test(test_garbage_tail_race),
		cmocka_unit_test(test_record_seq_words),
		cmocka_unit_test(test_two_thread_stress),
		cmocka_unit_test(test_concurrent_producers),
		cmocka_unit_test(test_concurrent_consumers),
		cmocka_unit_test(test_response_ring_rules),
		cmocka_unit_test(test_response_seq_words),
		cmocka_unit_test(test_garbage_head_race),
		cmocka_unit_test(test_response_single_fetch),
		cmocka_unit_test(test_response_slot_read_once),
		cmocka_unit_test(test_bad_buffers_efault),
		cmocka_unit_test(test_map_rejects_non_rings),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
