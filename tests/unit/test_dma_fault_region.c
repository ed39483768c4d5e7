/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of the 2020 VFIO DMA fault region pair (core/dma_fault_region):
 * header contents and sizes after creation, every pread/pwrite rule and its
 * errno, the mmap checks, records seen through a mapping of the ring, the
 * full ring, wrap-around, the fault signal, in-order consumption of
 * responses with exact copies, counted rejects, the single fetch of a
 * response slot against a program that rewrites it, and a producer and
 * consumers running concurrently.
 *
 * The test plays the program: it maps the rings itself from the fd and
 * file offset sio_dfr_mmap_check() returns, and reaches the headers only
 * through sio_dfr_rw(), as a VFIO front end forwards pread/pwrite.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <unistd.h>
#include <sys/mman.h>
#include <cmocka.h>

#include <softiommu/uapi/iommu.h>
#include <softiommu/uapi/vfio_nested.h>

#include "base/uaccess.h"
#include "core/dma_fault_region.h"

#define NB	VFIO_DMA_FAULT_RING_LENGTH
#define HDR_LEN	sizeof(struct vfio_region_dma_fault)

static uint64_t page_size(void)
{
	return (uint64_t)sysconf(_SC_PAGESIZE);
}

static uint32_t min_u32(uint32_t a, uint32_t b)
{
	return a < b ? a : b;
}

static uint64_t align_up(uint64_t x, uint64_t a)
{
	return (x + a - 1) / a * a;
}

static struct iommu_fault make_fault(uint32_t seq)
{
	struct iommu_fault f;

	memset(&f, 0, sizeof(f));
	f.type = IOMMU_FAULT_PAGE_REQ;
	f.prm.flags = IOMMU_FAULT_PAGE_REQUEST_PASID_VALID |
		      (seq & 1 ? IOMMU_FAULT_PAGE_REQUEST_LAST_PAGE : 0);
	f.prm.pasid = seq ^ 0x5a5;
	f.prm.grpid = seq & 0x1ff;
	f.prm.perm = seq & 0xf;
	f.prm.addr = (uint64_t)seq << 12;
	f.prm.private_data[0] = seq;
	f.prm.private_data[1] = ~(uint64_t)seq;
	return f;
}

static struct iommu_page_response make_resp(uint32_t seq)
{
	struct iommu_page_response r = {
		.argsz = sizeof(r),
		.version = IOMMU_PAGE_RESP_VERSION_1,
		.flags = IOMMU_PAGE_RESP_PASID_VALID,
		.pasid = seq ^ 0x5a5,
		.grpid = seq,
		.code = seq % 3,
	};
	return r;
}

/* What the callbacks saw. They run under a region mutex: one at a time. */
#define LOG_MAX 4096
struct cb_log {
	unsigned int signals;
	unsigned int nresp;
	struct iommu_page_response resp[LOG_MAX];
	uint32_t reject_code;		/* @respond fails responses with this code */
};

static void log_signal(void *arg)
{
	struct cb_log *l = arg;

	__atomic_add_fetch(&l->signals, 1, __ATOMIC_RELAXED);
}

static int log_respond(void *arg, const struct iommu_page_response *resp)
{
	struct cb_log *l = arg;

	if (l->nresp < LOG_MAX)
		l->resp[l->nresp] = *resp;
	l->nresp++;
	return resp->code == l->reject_code ? -EINVAL : 0;
}

static struct sio_dfr *create_logged(unsigned int nb, struct cb_log *l)
{
	struct sio_dfr_ops ops = { .respond = log_respond, .signal = log_signal, .arg = l };
	struct sio_dfr *d = NULL;

	memset(l, 0, sizeof(*l));
	l->reject_code = UINT32_MAX;
	assert_int_equal(sio_dfr_create(nb, &ops, &d), 0);
	assert_non_null(d);
	return d;
}

static ssize_t write_idx(struct sio_dfr *d, enum sio_dfr_which which, uint32_t v)
{
	return sio_dfr_rw(d, which, 0, (uintptr_t)&v, sizeof(v), true);
}

/* The header through pread; both headers share one layout (checked below). */
static struct vfio_region_dma_fault read_hdr(struct sio_dfr *d, enum sio_dfr_which which)
{
	struct vfio_region_dma_fault h;

	assert_int_equal(sio_dfr_rw(d, which, 0, (uintptr_t)&h, sizeof(h), false), sizeof(h));
	return h;
}

/*
 * Read a header by pread and check every field: @prog is the program's
 * index (fault: tail, response: head), @own softiommu's (head, tail).
 */
static void check_hdr(struct sio_dfr *d, enum sio_dfr_which which, uint32_t nb, uint32_t prog,
		      uint32_t own)
{
	union {
		struct vfio_region_dma_fault f;
		struct vfio_region_dma_fault_response r;
	} h;

	assert_int_equal(sio_dfr_rw(d, which, 0, (uintptr_t)&h, sizeof(h), false), 20);
	if (which == SIO_DFR_FAULT) {
		assert_int_equal(h.f.tail, prog);
		assert_int_equal(h.f.entry_size, 64);
		assert_int_equal(h.f.nb_entries, nb);
		assert_int_equal(h.f.offset, page_size());
		assert_int_equal(h.f.head, own);
	} else {
		assert_int_equal(h.r.head, prog);
		assert_int_equal(h.r.entry_size, 24);
		assert_int_equal(h.r.nb_entries, nb);
		assert_int_equal(h.r.offset, page_size());
		assert_int_equal(h.r.tail, own);
	}
}

struct ring_map {
	void *base;
	uint64_t len;
};

/* Map the whole sparse area of a region read-write, as a program would. */
static void *map_ring(struct sio_dfr *d, enum sio_dfr_which which, struct ring_map *m)
{
	uint64_t off, len, file_off;
	int fd = -1;

	sio_dfr_mmap_area(d, which, &off, &len);
	assert_int_equal(sio_dfr_mmap_check(d, which, off, len, PROT_READ | PROT_WRITE, &fd,
					    &file_off), 0);
	m->base = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, (off_t)file_off);
	assert_true(m->base != MAP_FAILED);
	m->len = len;
	return m->base;
}

static void unmap_ring(struct ring_map *m)
{
	munmap(m->base, m->len);
}

static bool all_zero(const void *p, size_t len)
{
	bool zero = false;

	assert_int_equal(sio_user_is_zero((uintptr_t)p, len, &zero), 0);
	return zero;
}

/* ------------------------------------------------------------------ create */

static void test_create_layout(void **state)
{
	uint64_t page = page_size(), off, len, fsize, rsize;
	struct cb_log l;
	struct sio_dfr *d = create_logged(NB, &l);
	uint8_t *buf;

	(void)state;
	fsize = sio_dfr_size(d, SIO_DFR_FAULT);
	rsize = sio_dfr_size(d, SIO_DFR_RESPONSE);
	assert_int_equal(fsize, page + align_up(NB * 64, page));
	assert_int_equal(rsize, page + align_up(NB * 24, page));
	if (page == 4096) {
		assert_int_equal(fsize, 36 * 1024);
		assert_int_equal(rsize, 16 * 1024);
	}
	sio_dfr_mmap_area(d, SIO_DFR_FAULT, &off, &len);
	assert_int_equal(off, page);
	assert_int_equal(len, fsize - page);
	sio_dfr_mmap_area(d, SIO_DFR_RESPONSE, &off, &len);
	assert_int_equal(off, page);
	assert_int_equal(len, rsize - page);

	check_hdr(d, SIO_DFR_FAULT, NB, 0, 0);
	check_hdr(d, SIO_DFR_RESPONSE, NB, 0, 0);

	/* The rest of each region, rings included, reads as zero. */
	buf = malloc(fsize);
	assert_non_null(buf);
	assert_int_equal(sio_dfr_rw(d, SIO_DFR_FAULT, 0, (uintptr_t)buf, fsize, false), fsize);
	assert_true(all_zero(buf + HDR_LEN, fsize - HDR_LEN));
	assert_int_equal(sio_dfr_rw(d, SIO_DFR_RESPONSE, 0, (uintptr_t)buf, rsize, false), rsize);
	assert_true(all_zero(buf + HDR_LEN, rsize - HDR_LEN));
	free(buf);
	assert_int_equal(l.signals, 0);
	sio_dfr_destroy(d);
	sio_dfr_destroy(NULL);
}

static void test_create_rejects_bad_counts(void **state)
{
	static const unsigned int bad[] = { 0, 1, 3, 6, 511, 513, SIO_DFR_NB_MAX * 2, UINT32_MAX };
	struct sio_dfr_stats st;
	struct sio_dfr *d = NULL;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(sio_dfr_create(bad[i], NULL, &d), -EINVAL);
		assert_null(d);
	}
	/* The smallest ring; no ops at all is allowed. */
	assert_int_equal(sio_dfr_create(2, NULL, &d), 0);
	assert_int_equal(sio_dfr_size(d, SIO_DFR_FAULT), 2 * page_size());
	assert_int_equal(read_hdr(d, SIO_DFR_FAULT).nb_entries, 2);
	sio_dfr_stats(d, &st);
	assert_int_equal(st.rec_pushed + st.rec_dropped + st.resp_consumed + st.resp_rejected, 0);
	sio_dfr_destroy(d);
}

static void test_bad_which(void **state)
{
	enum sio_dfr_which bad = (enum sio_dfr_which)2;
	uint64_t off = 1, len = 1, file_off;
	struct sio_dfr *d = NULL;
	uint32_t v = 0;
	int fd;

	(void)state;
	assert_int_equal(sio_dfr_create(4, NULL, &d), 0);
	assert_int_equal(sio_dfr_size(d, bad), 0);
	sio_dfr_mmap_area(d, bad, &off, &len);
	assert_int_equal(off, 0);
	assert_int_equal(len, 0);
	assert_int_equal(sio_dfr_rw(d, bad, 0, (uintptr_t)&v, 4, false), -EINVAL);
	assert_int_equal(sio_dfr_rw(d, bad, 0, (uintptr_t)&v, 4, true), -EINVAL);
	assert_int_equal(sio_dfr_mmap_check(d, bad, page_size(), page_size(), PROT_READ, &fd,
					    &file_off), -EINVAL);
	sio_dfr_destroy(d);
}

/* The memfds cannot shrink under softiommu's mapping, and keep their seals. */
static void test_regions_sealed(void **state)
{
	uint64_t page = page_size(), file_off;
	struct sio_dfr *d = NULL;
	int fd, which, seals;

	(void)state;
	assert_int_equal(sio_dfr_create(NB, NULL, &d), 0);
	for (which = SIO_DFR_FAULT; which <= SIO_DFR_RESPONSE; which++) {
		assert_int_equal(sio_dfr_mmap_check(d, which, page, page, PROT_READ, &fd,
						    &file_off), 0);
		seals = fcntl(fd, F_GET_SEALS);
		assert_true(seals >= 0);
		assert_true(seals & F_SEAL_SHRINK);
		assert_true(seals & F_SEAL_SEAL);
		assert_int_equal(ftruncate(fd, (off_t)page), -1);
		assert_int_equal(errno, EPERM);
		assert_int_equal(fcntl(fd, F_GET_SEALS), seals);
	}
	sio_dfr_destroy(d);
}

/* ---------------------------------------------------------------- pread/pwrite */

static void check_rw_rules(struct sio_dfr *d, enum sio_dfr_which which, void *bad)
{
	uint64_t size = sio_dfr_size(d, which);
	uint8_t buf[64], eight[8];
	uint32_t v = 3;

	/* pos >= size */
	assert_int_equal(sio_dfr_rw(d, which, size, (uintptr_t)buf, 1, false), -EINVAL);
	assert_int_equal(sio_dfr_rw(d, which, size + 4096, (uintptr_t)buf, 1, false), -EINVAL);
	assert_int_equal(sio_dfr_rw(d, which, UINT64_MAX, (uintptr_t)buf, 1, false), -EINVAL);
	assert_int_equal(sio_dfr_rw(d, which, size, (uintptr_t)&v, 4, true), -EINVAL);
	/* Reads are clipped to the end; any offset is readable. */
	assert_int_equal(sio_dfr_rw(d, which, size - 8, (uintptr_t)buf, sizeof(buf), false), 8);
	assert_int_equal(sio_dfr_rw(d, which, size - 1, (uintptr_t)buf, SIZE_MAX, false), 1);
	assert_int_equal(sio_dfr_rw(d, which, 5, (uintptr_t)buf, 0, false), 0);
	assert_int_equal(sio_dfr_rw(d, which, 3, (uintptr_t)buf, 7, false), 7);
	assert_int_equal(sio_dfr_rw(d, which, page_size() - 4, (uintptr_t)eight, 8, false), 8);

	/* The only write: 4 bytes at 0, a value < nb_entries. */
	assert_int_equal(sio_dfr_rw(d, which, 0, (uintptr_t)&v, 3, true), -EINVAL);
	assert_int_equal(sio_dfr_rw(d, which, 0, (uintptr_t)buf, 5, true), -EINVAL);
	assert_int_equal(sio_dfr_rw(d, which, 0, (uintptr_t)buf, 8, true), -EINVAL);
	assert_int_equal(sio_dfr_rw(d, which, 0, (uintptr_t)buf, 0, true), -EINVAL);
	assert_int_equal(sio_dfr_rw(d, which, 4, (uintptr_t)&v, 4, true), -EINVAL);
	assert_int_equal(sio_dfr_rw(d, which, 16, (uintptr_t)&v, 4, true), -EINVAL);
	assert_int_equal(sio_dfr_rw(d, which, page_size(), (uintptr_t)&v, 4, true), -EINVAL);
	/* Clipping comes first: 4 bytes at size - 4 are 4 bytes, but not at 0. */
	assert_int_equal(sio_dfr_rw(d, which, size - 4, (uintptr_t)&v, 4, true), -EINVAL);
	assert_int_equal(write_idx(d, which, NB), -EINVAL);
	assert_int_equal(write_idx(d, which, NB + 1), -EINVAL);
	assert_int_equal(write_idx(d, which, UINT32_MAX), -EINVAL);
	assert_int_equal(read_hdr(d, which).tail, 0);

	/* Bad user memory: -EFAULT, after the size checks, and nothing changes. */
	assert_int_equal(sio_dfr_rw(d, which, 0, (uintptr_t)bad, 4, true), -EFAULT);
	assert_int_equal(sio_dfr_rw(d, which, 0, 1, 4, true), -EFAULT);
	assert_int_equal(sio_dfr_rw(d, which, 0, (uintptr_t)bad, 3, true), -EINVAL);
	assert_int_equal(sio_dfr_rw(d, which, 0, (uintptr_t)bad, 4, false), -EFAULT);
	assert_int_equal(sio_dfr_rw(d, which, 0, (uintptr_t)bad, size, false), -EFAULT);
	assert_int_equal(sio_dfr_rw(d, which, 0, (uintptr_t)buf + sizeof(buf) - 4, 4, false),
			 4);
	assert_int_equal(sio_dfr_rw(d, which, size, (uintptr_t)bad, 4, false), -EINVAL);
	assert_int_equal(read_hdr(d, which).tail, 0);

	/* A good write: returns 4, the header shows it, the rest is unchanged. */
	assert_int_equal(write_idx(d, which, NB - 1), 4);
	assert_int_equal(read_hdr(d, which).tail, NB - 1);
	assert_int_equal(read_hdr(d, which).entry_size,
			 which == SIO_DFR_FAULT ? 64 : 24);
	assert_int_equal(read_hdr(d, which).nb_entries, NB);
	assert_int_equal(read_hdr(d, which).offset, page_size());
}

static void test_rw_rules(void **state)
{
	struct vfio_region_dma_fault h;
	struct sio_dfr_stats st;
	struct cb_log l;
	struct sio_dfr *d;
	uint32_t v;
	void *bad;

	(void)state;
	/* cmocka put its SIGSEGV handler in front of softiommu's. */
	sio_uaccess_reassert();
	bad = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(bad != MAP_FAILED);
	d = create_logged(NB, &l);
	check_rw_rules(d, SIO_DFR_FAULT, bad);
	/*
	 * The fault region's tail moved to nb - 1 with head at 0: CIRC_SPACE
	 * is nb - 2 now. The response region's head at nb - 1 consumed nb - 1
	 * zero-filled entries.
	 */
	h = read_hdr(d, SIO_DFR_FAULT);
	assert_int_equal(h.head, 0);
	assert_int_equal(l.nresp, 0);
	check_rw_rules(d, SIO_DFR_RESPONSE, bad);
	h = read_hdr(d, SIO_DFR_RESPONSE);
	assert_int_equal(h.head, NB - 1);		/* response region: tail field */
	sio_dfr_stats(d, &st);
	assert_int_equal(st.resp_consumed, NB - 1);
	assert_int_equal(l.nresp, NB - 1);
	/* A write of the current index consumes nothing. */
	v = NB - 1;
	assert_int_equal(sio_dfr_rw(d, SIO_DFR_RESPONSE, 0, (uintptr_t)&v, 4, true), 4);
	assert_int_equal(l.nresp, NB - 1);
	sio_dfr_destroy(d);
	munmap(bad, 4096);
}

/* -------------------------------------------------------------------- mmap */

static void check_mmap_rules(struct sio_dfr *d, enum sio_dfr_which which)
{
	uint64_t page = page_size(), size = sio_dfr_size(d, which), file_off = 7;
	int fd = -7, prot = PROT_READ | PROT_WRITE;

	/* Below the ring. */
	assert_int_equal(sio_dfr_mmap_check(d, which, 0, page, prot, &fd, &file_off), -EINVAL);
	assert_int_equal(sio_dfr_mmap_check(d, which, 0, size, prot, &fd, &file_off), -EINVAL);
	/* Beyond the end. */
	assert_int_equal(sio_dfr_mmap_check(d, which, page, size, prot, &fd, &file_off),
			 -EINVAL);
	assert_int_equal(sio_dfr_mmap_check(d, which, size, page, prot, &fd, &file_off),
			 -EINVAL);
	assert_int_equal(sio_dfr_mmap_check(d, which, size - page, 2 * page, prot, &fd,
					    &file_off), -EINVAL);
	assert_int_equal(sio_dfr_mmap_check(d, which, UINT64_MAX - page + 1, page, prot, &fd,
					    &file_off), -EINVAL);
	assert_int_equal(sio_dfr_mmap_check(d, which, page, UINT64_MAX - page + 1, prot, &fd,
					    &file_off), -EINVAL);
	/* Unaligned, empty. */
	assert_int_equal(sio_dfr_mmap_check(d, which, page + 64, page, prot, &fd, &file_off),
			 -EINVAL);
	assert_int_equal(sio_dfr_mmap_check(d, which, page, page - 64, prot, &fd, &file_off),
			 -EINVAL);
	assert_int_equal(sio_dfr_mmap_check(d, which, page, page + 1, prot, &fd, &file_off),
			 -EINVAL);
	assert_int_equal(sio_dfr_mmap_check(d, which, page, 0, prot, &fd, &file_off), -EINVAL);
	assert_int_equal(fd, -7);
	assert_int_equal(file_off, 7);
	/* The whole ring, its last page, one page: accepted. */
	assert_int_equal(sio_dfr_mmap_check(d, which, page, size - page, prot, &fd, &file_off),
			 0);
	assert_true(fd >= 0);
	assert_int_equal(file_off, page);
	assert_int_equal(sio_dfr_mmap_check(d, which, size - page, page, PROT_READ, &fd,
					    &file_off), 0);
	assert_int_equal(file_off, size - page);
	assert_int_equal(sio_dfr_mmap_check(d, which, page, page, PROT_READ, &fd, &file_off), 0);
	assert_int_equal(file_off, page);
}

static void test_mmap_check_and_mapped_records(void **state)
{
	struct iommu_fault want, got, *ring;
	struct ring_map m;
	struct cb_log l;
	struct sio_dfr *d = create_logged(NB, &l);
	uint32_t i;

	(void)state;
	check_mmap_rules(d, SIO_DFR_FAULT);
	check_mmap_rules(d, SIO_DFR_RESPONSE);

	ring = map_ring(d, SIO_DFR_FAULT, &m);
	for (i = 0; i < 5; i++) {
		want = make_fault(i + 100);
		assert_int_equal(sio_dfr_push(d, &want), 0);
	}
	assert_int_equal(read_hdr(d, SIO_DFR_FAULT).head, 5);
	for (i = 0; i < 5; i++) {
		want = make_fault(i + 100);
		assert_memory_equal(&ring[i], &want, sizeof(want));
		/* The same record through pread of the region. */
		assert_int_equal(sio_dfr_rw(d, SIO_DFR_FAULT, page_size() + i * sizeof(got),
					    (uintptr_t)&got, sizeof(got), false), sizeof(got));
		assert_memory_equal(&got, &want, sizeof(want));
	}
	assert_true(all_zero((const uint8_t *)&ring[5], m.len - 5 * sizeof(*ring)));
	/* The mapping outlives the pair. */
	sio_dfr_destroy(d);
	want = make_fault(104);
	assert_memory_equal(&ring[4], &want, sizeof(want));
	unmap_ring(&m);
}

/*
 * Write @n responses from @seq at the program's head, then pwrite head.
 * Return: what the pwrite returned (4).
 */
static ssize_t program_respond(struct sio_dfr *d, struct iommu_page_response *ring, uint32_t nb,
			       uint32_t *head, uint32_t *seq, uint32_t n)
{
	uint32_t i;

	for (i = 0; i < n; i++) {
		ring[*head] = make_resp((*seq)++);
		*head = (*head + 1) & (nb - 1);
	}
	return write_idx(d, SIO_DFR_RESPONSE, *head);
}

/*
 * softiommu's indices are private: a program that maps the memfd at offset
 * 0 (the fd is shared; mmap of the header through the region is refused)
 * and scribbles over a header changes nothing, and the next read shows
 * softiommu's header again.
 */
static void test_private_indices(void **state)
{
	struct vfio_region_dma_fault junk = { 5, 1, 3, 0, 6 };
	uint64_t page = page_size(), file_off;
	struct iommu_fault f = make_fault(9), *ring;
	struct iommu_page_response *rring;
	struct ring_map m, rm;
	struct cb_log l;
	struct sio_dfr *d = create_logged(8, &l);
	uint32_t head = 0, seq = 0;
	void *hdr[2];
	int fd, which;

	(void)state;
	for (which = SIO_DFR_FAULT; which <= SIO_DFR_RESPONSE; which++) {
		assert_int_equal(sio_dfr_mmap_check(d, which, page, page, PROT_READ, &fd,
						    &file_off), 0);
		hdr[which] = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		assert_true(hdr[which] != MAP_FAILED);
		memcpy(hdr[which], &junk, sizeof(junk));
	}
	ring = map_ring(d, SIO_DFR_FAULT, &m);
	rring = map_ring(d, SIO_DFR_RESPONSE, &rm);

	/* The record goes to slot 0 (private head), not 6; the ring is not full. */
	assert_int_equal(sio_dfr_push(d, &f), 0);
	assert_memory_equal(&ring[0], &f, sizeof(f));
	check_hdr(d, SIO_DFR_FAULT, 8, 0, 1);
	memcpy(hdr[SIO_DFR_FAULT], &junk, sizeof(junk));
	check_hdr(d, SIO_DFR_FAULT, 8, 0, 1);

	/* Responses are consumed from the private tail 0, not from 6. */
	assert_int_equal(program_respond(d, rring, 8, &head, &seq, 2), 4);
	assert_int_equal(l.nresp, 2);
	assert_int_equal(l.resp[0].grpid, 0);
	assert_int_equal(l.resp[1].grpid, 1);
	check_hdr(d, SIO_DFR_RESPONSE, 8, 2, 2);

	for (which = SIO_DFR_FAULT; which <= SIO_DFR_RESPONSE; which++)
		munmap(hdr[which], page);
	unmap_ring(&m);
	unmap_ring(&rm);
	sio_dfr_destroy(d);
}

/* ----------------------------------------------------------------- records */

static void test_push_until_full(void **state)
{
	struct sio_dfr_stats st;
	struct iommu_fault f;
	struct cb_log l;
	struct sio_dfr *d = create_logged(NB, &l);
	uint32_t i;

	(void)state;
	for (i = 0; i < NB - 1; i++) {
		f = make_fault(i);
		assert_int_equal(sio_dfr_push(d, &f), 0);
		assert_int_equal(l.signals, i + 1);
	}
	assert_int_equal(read_hdr(d, SIO_DFR_FAULT).head, NB - 1);
	f = make_fault(NB);
	assert_int_equal(sio_dfr_push(d, &f), -ENOSPC);
	assert_int_equal(sio_dfr_push(d, &f), -ENOSPC);
	/* A drop neither signals nor moves head. */
	assert_int_equal(l.signals, NB - 1);
	assert_int_equal(read_hdr(d, SIO_DFR_FAULT).head, NB - 1);
	sio_dfr_stats(d, &st);
	assert_int_equal(st.rec_pushed, NB - 1);
	assert_int_equal(st.rec_dropped, 2);

	/* One slot freed: one push, head wraps to 0, then full again. */
	assert_int_equal(write_idx(d, SIO_DFR_FAULT, 1), 4);
	assert_int_equal(sio_dfr_push(d, &f), 0);
	assert_int_equal(read_hdr(d, SIO_DFR_FAULT).head, 0);
	assert_int_equal(sio_dfr_push(d, &f), -ENOSPC);
	assert_int_equal(l.signals, NB);
	sio_dfr_stats(d, &st);
	assert_int_equal(st.rec_pushed, NB);
	assert_int_equal(st.rec_dropped, 3);
	assert_int_equal(st.resp_consumed + st.resp_rejected, 0);
	sio_dfr_destroy(d);
}

/* Several rounds around a small ring, the consumer advancing tail by pwrite. */
static void test_wrap_rounds(void **state)
{
	const uint32_t nb = 8;
	struct vfio_region_dma_fault h;
	struct iommu_fault f, *ring;
	uint32_t seq = 0, cons = 0, tail = 0, batch, i;
	struct ring_map m;
	struct cb_log l;
	struct sio_dfr *d = create_logged(nb, &l);

	(void)state;
	ring = map_ring(d, SIO_DFR_FAULT, &m);
	for (batch = 1; batch < 40; batch++) {
		uint32_t want = batch % nb, pushed = 0, pending;
		int rc = 0;

		pending = (seq - cons) & (nb - 1);
		for (i = 0; i < want; i++) {
			f = make_fault(seq);
			rc = sio_dfr_push(d, &f);
			if (rc)
				break;
			seq++;
			pushed++;
		}
		/* Exactly the free space (nb - 1 - pending) was taken. */
		assert_int_equal(pushed, min_u32(want, nb - 1 - pending));
		assert_int_equal(rc, pushed < want ? -ENOSPC : 0);
		h = read_hdr(d, SIO_DFR_FAULT);
		assert_int_equal(h.head, seq % nb);
		assert_int_equal(h.tail, tail);
		/* Consume all but (batch % 3) records. */
		while (((h.head - tail) & (nb - 1)) > batch % 3) {
			f = make_fault(cons);
			assert_memory_equal(&ring[tail], &f, sizeof(f));
			cons++;
			tail = (tail + 1) & (nb - 1);
		}
		assert_int_equal(write_idx(d, SIO_DFR_FAULT, tail), 4);
	}
	assert_true(seq > 4 * nb);
	assert_int_equal(l.signals, seq);
	sio_dfr_destroy(d);
	unmap_ring(&m);
}

/* --------------------------------------------------------------- responses */

static void test_responses_in_order(void **state)
{
	const uint32_t nb = 16;
	struct iommu_page_response *ring, want;
	uint32_t head = 0, seq = 0, checked = 0, n, rejected = 0;
	struct vfio_region_dma_fault_response h;
	struct sio_dfr_stats st;
	struct ring_map m;
	struct cb_log l;
	struct sio_dfr *d = create_logged(nb, &l);

	(void)state;
	l.reject_code = IOMMU_PAGE_RESP_FAILURE;
	ring = map_ring(d, SIO_DFR_RESPONSE, &m);
	for (n = 1; n < 60; n++) {
		assert_int_equal(program_respond(d, ring, nb, &head, &seq, n % nb), 4);
		/* Consumed before pwrite returned, in order, exact copies. */
		assert_int_equal(l.nresp, seq);
		for (; checked < seq; checked++) {
			want = make_resp(checked);
			assert_memory_equal(&l.resp[checked], &want, sizeof(want));
			rejected += want.code == IOMMU_PAGE_RESP_FAILURE;
		}
		assert_int_equal(sio_dfr_rw(d, SIO_DFR_RESPONSE, 0, (uintptr_t)&h, sizeof(h),
					    false), sizeof(h));
		assert_int_equal(h.head, head);
		assert_int_equal(h.tail, head);
	}
	assert_true(seq > 4 * nb);
	assert_true(rejected > 0);
	sio_dfr_stats(d, &st);
	assert_int_equal(st.resp_consumed, seq);
	assert_int_equal(st.resp_rejected, rejected);
	assert_int_equal(st.rec_pushed + st.rec_dropped, 0);
	assert_int_equal(l.signals, 0);
	sio_dfr_destroy(d);
	unmap_ring(&m);
}

/* No @respond: every response is consumed and rejected. */
static void test_responses_without_respond(void **state)
{
	struct sio_dfr_ops ops = { .signal = log_signal };
	struct iommu_page_response *ring;
	uint32_t head = 0, seq = 0;
	struct sio_dfr_stats st;
	struct ring_map m;
	struct cb_log l;
	struct sio_dfr *d = NULL;

	(void)state;
	memset(&l, 0, sizeof(l));
	ops.arg = &l;
	assert_int_equal(sio_dfr_create(8, &ops, &d), 0);
	ring = map_ring(d, SIO_DFR_RESPONSE, &m);
	assert_int_equal(program_respond(d, ring, 8, &head, &seq, 5), 4);
	assert_int_equal(program_respond(d, ring, 8, &head, &seq, 6), 4);
	sio_dfr_stats(d, &st);
	assert_int_equal(st.resp_consumed, 11);
	assert_int_equal(st.resp_rejected, 11);
	assert_int_equal(read_hdr(d, SIO_DFR_RESPONSE).head, head);	/* tail field */
	sio_dfr_destroy(d);
	unmap_ring(&m);
}

/*
 * Single fetch, deterministically: while @respond holds the copy of entry
 * g (all fields g), the responder thread rewrites half of the slot with
 * g + 1000. The copy handed over must stay whole: all fields g before and
 * after the rewrite. A @respond given the ring slot itself (v13) would see
 * a mix of the two writes.
 */
struct sf_ctx {
	struct iommu_page_response *ring;
	uint32_t nb;
	uint32_t slot;			/* the slot being consumed */
	pthread_mutex_t m;
	pthread_cond_t cv;
	bool pending, stop;
	uint32_t rewrite_slot, rewrite_gen;
	unsigned int calls, bad;
};

static struct iommu_page_response gen_resp(uint32_t g)
{
	struct iommu_page_response r = { g, g, g, g, g, g };

	return r;
}

static bool resp_is_gen(const struct iommu_page_response *r, uint32_t g)
{
	struct iommu_page_response want = gen_resp(g);

	return !memcmp(r, &want, sizeof(want));
}

static void *sf_rewriter(void *arg)
{
	struct sf_ctx *c = arg;
	struct iommu_page_response *e;

	pthread_mutex_lock(&c->m);
	for (;;) {
		while (!c->pending && !c->stop)
			pthread_cond_wait(&c->cv, &c->m);
		if (c->stop)
			break;
		e = &c->ring[c->rewrite_slot];
		e->argsz = c->rewrite_gen;
		e->version = c->rewrite_gen;
		e->flags = c->rewrite_gen;
		c->pending = false;
		pthread_cond_broadcast(&c->cv);
	}
	pthread_mutex_unlock(&c->m);
	return NULL;
}

static int sf_respond(void *arg, const struct iommu_page_response *resp)
{
	struct sf_ctx *c = arg;
	uint32_t g = resp->grpid;

	if (!resp_is_gen(resp, g))
		c->bad++;
	pthread_mutex_lock(&c->m);
	c->rewrite_slot = c->slot;
	c->rewrite_gen = g + 1000;
	c->pending = true;
	pthread_cond_broadcast(&c->cv);
	while (c->pending)
		pthread_cond_wait(&c->cv, &c->m);
	pthread_mutex_unlock(&c->m);
	if (!resp_is_gen(resp, g))
		c->bad++;
	c->slot = (c->slot + 1) & (c->nb - 1);
	c->calls++;
	return 0;
}

static void test_response_single_fetch(void **state)
{
	struct sf_ctx c = { .nb = 8 };
	struct sio_dfr_ops ops = { .respond = sf_respond, .arg = &c };
	uint32_t head = 0, g = 1, round, i;
	struct ring_map m;
	struct sio_dfr *d = NULL;
	pthread_t t;

	(void)state;
	pthread_mutex_init(&c.m, NULL);
	pthread_cond_init(&c.cv, NULL);
	assert_int_equal(sio_dfr_create(c.nb, &ops, &d), 0);
	c.ring = map_ring(d, SIO_DFR_RESPONSE, &m);
	assert_int_equal(pthread_create(&t, NULL, sf_rewriter, &c), 0);
	for (round = 0; round < 50; round++) {
		for (i = 0; i < 1 + round % (c.nb - 1); i++) {
			c.ring[head] = gen_resp(g++);
			head = (head + 1) & (c.nb - 1);
		}
		assert_int_equal(write_idx(d, SIO_DFR_RESPONSE, head), 4);
		assert_int_equal(c.calls, g - 1);
	}
	pthread_mutex_lock(&c.m);
	c.stop = true;
	pthread_cond_broadcast(&c.cv);
	pthread_mutex_unlock(&c.m);
	pthread_join(t, NULL);
	assert_int_equal(c.bad, 0);
	/* The rewrites did land in the ring: the slots hold the mixes now. */
	assert_int_equal(c.ring[(head - 1) & (c.nb - 1)].argsz, g - 1 + 1000);
	assert_int_equal(c.ring[(head - 1) & (c.nb - 1)].grpid, g - 1);
	sio_dfr_destroy(d);
	unmap_ring(&m);
	pthread_cond_destroy(&c.cv);
	pthread_mutex_destroy(&c.m);
}

/*
 * Single fetch, racing: a thread rewrites every slot without pause, one
 * 8-byte word at a time (both u32 of a word equal). What @respond holds
 * must not change while it runs, and each word of it must be one of the
 * program's stores (softiommu loads each word once, whole).
 */
struct race_ctx {
	uint64_t *ring;
	uint32_t nwords;
	bool stop;
	unsigned int calls, unstable, torn;
};

static void *race_rewriter(void *arg)
{
	struct race_ctx *c = arg;
	uint64_t g = 1;
	uint32_t i;

	while (!__atomic_load_n(&c->stop, __ATOMIC_RELAXED)) {
		for (i = 0; i < c->nwords; i++)
			__atomic_store_n(&c->ring[i], g << 32 | g, __ATOMIC_RELAXED);
		g = (g + 1) & 0xffffffffu;
	}
	return NULL;
}

static int race_respond(void *arg, const struct iommu_page_response *resp)
{
	struct race_ctx *c = arg;
	struct iommu_page_response first = *resp;
	volatile unsigned int spin;

	for (spin = 0; spin < 2000; spin++)
		;
	if (memcmp(&first, resp, sizeof(first)))
		c->unstable++;
	if (first.argsz != first.version || first.flags != first.pasid ||
	    first.grpid != first.code)
		c->torn++;
	c->calls++;
	return 0;
}

static void test_response_racing_rewriter(void **state)
{
	struct race_ctx c = { 0 };
	struct sio_dfr_ops ops = { .respond = race_respond, .arg = &c };
	const uint32_t nb = 8;
	uint32_t head = 0, i;
	struct ring_map m;
	struct sio_dfr *d = NULL;
	pthread_t t;

	(void)state;
	assert_int_equal(sio_dfr_create(nb, &ops, &d), 0);
	c.ring = map_ring(d, SIO_DFR_RESPONSE, &m);
	c.nwords = nb * sizeof(struct iommu_page_response) / sizeof(uint64_t);
	assert_int_equal(pthread_create(&t, NULL, race_rewriter, &c), 0);
	for (i = 0; i < 3000; i++) {
		head = (head + 1 + i % (nb - 1)) & (nb - 1);
		assert_int_equal(write_idx(d, SIO_DFR_RESPONSE, head), 4);
	}
	__atomic_store_n(&c.stop, true, __ATOMIC_RELAXED);
	pthread_join(t, NULL);
	assert_true(c.calls > 3000);
	assert_int_equal(c.unstable, 0);
	assert_int_equal(c.torn, 0);
	sio_dfr_destroy(d);
	unmap_ring(&m);
}

/* ------------------------------------------------------------- concurrency */

/*
 * A producer thread pushes NREC records, retrying when full; a consumer
 * thread reads head by pread, the records through its mapping, and writes
 * tail by pwrite; a responder thread writes NRESP responses through its
 * mapping and head by pwrite; an observer reads headers and counters.
 */
#define NREC	20000u
#define NRESP	20000u
#define CNB	16u

struct conc {
	struct sio_dfr *d;
	struct iommu_fault *rec_ring;
	struct iommu_page_response *resp_ring;
	bool done;
	unsigned int signals;
	uint32_t resp_next;		/* the grpid @respond expects next */
	unsigned int rec_bad, resp_bad, obs_bad, drops;
};

static void conc_signal(void *arg)
{
	struct conc *c = arg;

	__atomic_add_fetch(&c->signals, 1, __ATOMIC_RELAXED);
}

static int conc_respond(void *arg, const struct iommu_page_response *resp)
{
	struct conc *c = arg;
	struct iommu_page_response want = make_resp(c->resp_next++);

	if (memcmp(resp, &want, sizeof(want)))
		c->resp_bad++;
	return 0;
}

static void *conc_producer(void *arg)
{
	struct conc *c = arg;
	struct iommu_fault f;
	uint32_t seq;

	for (seq = 0; seq < NREC; seq++) {
		f = make_fault(seq);
		while (sio_dfr_push(c->d, &f) == -ENOSPC) {
			c->drops++;
			sched_yield();
		}
	}
	return NULL;
}

static void *conc_consumer(void *arg)
{
	struct conc *c = arg;
	struct vfio_region_dma_fault h;
	uint32_t seq = 0, tail = 0;
	struct iommu_fault want;

	while (seq < NREC) {
		if (sio_dfr_rw(c->d, SIO_DFR_FAULT, 0, (uintptr_t)&h, sizeof(h), false) !=
		    sizeof(h)) {
			c->rec_bad++;
			break;
		}
		if (h.head == tail) {
			sched_yield();
			continue;
		}
		while (tail != h.head) {
			want = make_fault(seq++);
			if (memcmp(&c->rec_ring[tail], &want, sizeof(want)))
				c->rec_bad++;
			tail = (tail + 1) & (CNB - 1);
		}
		if (write_idx(c->d, SIO_DFR_FAULT, tail) != 4)
			c->rec_bad++;
	}
	return NULL;
}

static void *conc_responder(void *arg)
{
	struct conc *c = arg;
	uint32_t seq = 0, head = 0;

	/* Everything written before was consumed: the whole ring is free. */
	while (seq < NRESP) {
		if (program_respond(c->d, c->resp_ring, CNB, &head, &seq,
				    min_u32(1 + seq % (CNB - 1), NRESP - seq)) != 4)
			c->resp_bad++;
	}
	return NULL;
}

static void *conc_observer(void *arg)
{
	struct conc *c = arg;
	struct sio_dfr_stats st, last = { 0 };
	struct vfio_region_dma_fault h;
	int which;

	while (!__atomic_load_n(&c->done, __ATOMIC_ACQUIRE)) {
		for (which = SIO_DFR_FAULT; which <= SIO_DFR_RESPONSE; which++) {
			if (sio_dfr_rw(c->d, which, 0, (uintptr_t)&h, sizeof(h), false) !=
			    sizeof(h) || h.head >= CNB || h.tail >= CNB || h.nb_entries != CNB)
				c->obs_bad++;
		}
		sio_dfr_stats(c->d, &st);
		if (st.rec_pushed < last.rec_pushed || st.resp_consumed < last.resp_consumed ||
		    st.rec_pushed > NREC || st.resp_consumed > NRESP || st.resp_rejected)
			c->obs_bad++;
		last = st;
		sched_yield();
	}
	return NULL;
}

static void test_concurrent_pair(void **state)
{
	struct conc c = { 0 };
	struct sio_dfr_ops ops = { .respond = conc_respond, .signal = conc_signal, .arg = &c };
	struct ring_map mrec, mresp;
	struct sio_dfr_stats st;
	pthread_t t[4];
	int i;

	(void)state;
	assert_int_equal(sio_dfr_create(CNB, &ops, &c.d), 0);
	c.rec_ring = map_ring(c.d, SIO_DFR_FAULT, &mrec);
	c.resp_ring = map_ring(c.d, SIO_DFR_RESPONSE, &mresp);
	assert_int_equal(pthread_create(&t[0], NULL, conc_observer, &c), 0);
	assert_int_equal(pthread_create(&t[1], NULL, conc_consumer, &c), 0);
	assert_int_equal(pthread_create(&t[2], NULL, conc_producer, &c), 0);
	assert_int_equal(pthread_create(&t[3], NULL, conc_responder, &c), 0);
	for (i = 1; i < 4; i++)
		pthread_join(t[i], NULL);
	__atomic_store_n(&c.done, true, __ATOMIC_RELEASE);
	pthread_join(t[0], NULL);

	assert_int_equal(c.rec_bad, 0);
	assert_int_equal(c.resp_bad, 0);
	assert_int_equal(c.obs_bad, 0);
	assert_int_equal(c.resp_next, NRESP);
	assert_int_equal(c.signals, NREC);
	sio_dfr_stats(c.d, &st);
	assert_int_equal(st.rec_pushed, NREC);
	assert_int_equal(st.rec_dropped, c.drops);
	assert_int_equal(st.resp_consumed, NRESP);
	assert_int_equal(st.resp_rejected, 0);
	assert_int_equal(read_hdr(c.d, SIO_DFR_FAULT).head, NREC % CNB);
	assert_int_equal(read_hdr(c.d, SIO_DFR_FAULT).tail, NREC % CNB);
	sio_dfr_destroy(c.d);
	unmap_ring(&mrec);
	unmap_ring(&mresp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create_layout),
		cmocka_unit_test(test_create_rejects_bad_counts),
		cmocka_unit_test(test_bad_which),
		cmocka_unit_test(test_regions_sealed),
		cmocka_unit_test(test_rw_rules),
		cmocka_unit_test(test_mmap_check_and_mapped_records),
		cmocka_unit_test(test_private_indices),
		cmocka_unit_test(test_push_until_full),
		cmocka_unit_test(test_wrap_rounds),
		cmocka_unit_test(test_responses_in_order),
		cmocka_unit_test(test_responses_without_respond),
		cmocka_unit_test(test_response_single_fetch),
		cmocka_unit_test(test_response_racing_rewriter),
		cmocka_unit_test(test_concurrent_pair),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
