/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The fault ring connected to a fault queue (sio_fault_ring_pump()): groups
 * arrive whole with one cookie and LAST_PAGE on their last record, a group
 * waits for room, answers from the response ring complete groups through
 * the write() path (the producer's callback sees the code), unknown cookies
 * and bad codes are rejected, and the fd checks. Setup through the C API
 * with the mock, groups queued with the producer API as device PRI does.
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
#include <unistd.h>
#include <sys/mman.h>
#include <cmocka.h>

#include <softiommu/softiommu.h>
#include <softiommu/uapi/iommufd.h>
#include <softiommu/uapi/iommufd_test.h>

#include "core/device.h"
#include "core/fault.h"
#include "core/hwpt.h"
#include "uapi/file.h"

struct env {
	int fd, ffd;
	struct sio_ctx *ctx;
	uint32_t ioas, stdev, idev, parent, fault, nested;
	struct sio_device *dev;
	struct sio_hwpt *hwpt;
	struct sio_fault_ring *ring;
	struct sio_fault_ring_view *v;
};

static struct {
	unsigned int n;
	uint32_t codes[32];
	uintptr_t tags[32];
} dlog;

static void done_cb(void *arg, uint32_t code)
{
	assert_true(dlog.n < 32);
	dlog.tags[dlog.n] = (uintptr_t)arg;
	dlog.codes[dlog.n++] = code;
}

static uint32_t hwpt_alloc(struct env *e, uint32_t pt, uint32_t flags, bool nested)
{
	struct iommu_hwpt_selftest data = { .iotlb = IOMMU_TEST_IOTLB_DEFAULT };
	struct iommu_hwpt_alloc cmd = {
		.size = sizeof(cmd), .flags = flags, .dev_id = e->idev, .pt_id = pt,
		.data_type = nested ? IOMMU_HWPT_DATA_SELFTEST : 0,
		.data_len = nested ? sizeof(data) : 0, .data_uptr = (uintptr_t)&data,
		.fault_id = e->fault,
	};

	assert_int_equal(sio_ioctl(e->fd, IOMMU_HWPT_ALLOC, &cmd), 0);
	return cmd.out_hwpt_id;
}

static void setup(struct env *e, unsigned int nb_rec, unsigned int nb_resp)
{
	struct iommu_ioas_alloc ia = { .size = sizeof(ia) };
	struct iommu_fault_alloc fa = { .size = sizeof(fa) };
	struct iommu_test_cmd md = { .size = sizeof(md), .op = IOMMU_TEST_OP_MOCK_DOMAIN_FLAGS };
	struct iommu_test_cmd rp = { .size = sizeof(rp), .op = IOMMU_TEST_OP_MOCK_DOMAIN_REPLACE };

	memset(&dlog, 0, sizeof(dlog));
	e->fd = sio_open("/dev/iommu", O_RDWR | O_CLOEXEC);
	assert_true(e->fd >= 0);
	assert_int_equal(sio_ioctl(e->fd, IOMMU_IOAS_ALLOC, &ia), 0);
	e->ioas = ia.out_ioas_id;
	md.id = e->ioas;
	md.mock_domain_flags.dev_flags = MOCK_FLAGS_DEVICE_PASID;
	assert_int_equal(sio_ioctl(e->fd, IOMMU_TEST_CMD, &md), 0);
	e->stdev = md.mock_domain_flags.out_stdev_id;
	e->idev = md.mock_domain_flags.out_idev_id;
	assert_int_equal(sio_ioctl(e->fd, IOMMU_FAULT_QUEUE_ALLOC, &fa), 0);
	e->fault = fa.out_fault_id;
	e->ffd = (int)fa.out_fault_fd;
	e->parent = hwpt_alloc(e, e->ioas, IOMMU_HWPT_ALLOC_NEST_PARENT, false);
	e->nested = hwpt_alloc(e, e->parent, IOMMU_HWPT_FAULT_ID_VALID, true);
	rp.id = e->stdev;
	rp.mock_domain_replace.pt_id = e->nested;
	assert_int_equal(sio_ioctl(e->fd, IOMMU_TEST_CMD, &rp), 0);
	assert_int_equal(sio_file_iommufd_ctx(e->fd, &e->ctx), 0);
	e->dev = sio_device_get(e->ctx, e->idev);
	e->hwpt = sio_hwpt_nested_get(e->ctx, e->nested);
	assert_non_null(e->dev);
	assert_non_null(e->hwpt);
	e->ring = sio_fault_ring_create(nb_rec, nb_resp);
	assert_non_null(e->ring);
	e->v = sio_fault_ring_map(sio_fault_ring_fd(e->ring));
	assert_non_null(e->v);
}

static void teardown(struct env *e)
{
	sio_fault_ring_unmap(e->v);
	sio_fault_ring_destroy(e->ring);
	sio_hwpt_put(e->hwpt);
	sio_device_put(e->dev);
	sio_ctx_put(e->ctx);
	sio_close(e->ffd);
	sio_close(e->fd);
}

static void queue(struct env *e, unsigned int n, uintptr_t tag)
{
	struct sio_iopf reqs[8];

	assert_true(n <= 8);
	for (unsigned int i = 0; i < n; i++)
		reqs[i] = (struct sio_iopf){ .grpid = (uint32_t)tag, .perm = IOMMU_PGFAULT_PERM_READ,
					     .addr = 0x10000 * tag + 0x1000 * i, .length = i };
	assert_int_equal(sio_fault_queue_group(e->hwpt, e->dev, reqs, n, done_cb, (void *)tag),
			 0);
}

static void counts(struct env *e, size_t queued, size_t delivered)
{
	struct sio_fault_queue *fq = sio_fault_queue_get(e->ctx, e->fault);
	size_t q, d;

	assert_non_null(fq);
	sio_fault_queue_counts(fq, &q, &d);
	sio_fault_queue_put(fq);
	assert_int_equal(q, queued);
	assert_int_equal(d, delivered);
}

/* Records 0..n-1 of one group with tag @tag: one cookie, LAST_PAGE on the last. */
static uint32_t check_group(struct env *e, const struct iommu_hwpt_pgfault *r, unsigned int n,
			    uintptr_t tag)
{
	for (unsigned int i = 0; i < n; i++) {
		assert_int_equal(r[i].dev_id, e->idev);
		assert_int_equal(r[i].grpid, tag);
		assert_int_equal(r[i].addr, 0x10000 * tag + 0x1000 * i);
		assert_int_equal(r[i].length, i);
		assert_int_equal(r[i].perm, IOMMU_PGFAULT_PERM_READ);
		assert_int_equal(r[i].flags & IOMMU_PGFAULT_FLAGS_LAST_PAGE,
				 i + 1 == n ? IOMMU_PGFAULT_FLAGS_LAST_PAGE : 0);
		assert_int_equal(r[i].cookie, r[0].cookie);
	}
	assert_int_not_equal(r[0].cookie, 0);
	return r[0].cookie;
}

static void test_pump_delivers_and_completes(void **state)
{
	struct iommu_hwpt_page_response resp[2];
	struct iommu_hwpt_pgfault out[8];
	struct env e;
	uint32_t c1, c2;

	setup(&e, 8, 8);
	assert_int_equal(sio_fault_ring_pump(e.ring, e.ffd), 0);
	queue(&e, 3, 1);
	queue(&e, 1, 2);
	counts(&e, 2, 0);
	assert_int_equal(sio_fault_ring_pump(e.ring, e.ffd), 4);
	counts(&e, 0, 2);
	assert_int_equal(sio_fault_ring_pop(e.v, out, 8), 4);
	c1 = check_group(&e, out, 3, 1);
	c2 = check_group(&e, out + 3, 1, 2);
	assert_int_not_equal(c1, c2);
	/* Nothing is left for read() of the fault fd. */
	assert_int_equal(sio_read(e.ffd, out, sizeof(out)), 0);

	resp[0] = (struct iommu_hwpt_page_response){ .cookie = c2, .code = 0 };
	resp[1] = (struct iommu_hwpt_page_response){ .cookie = c1, .code = 1 };
	assert_int_equal(sio_fault_ring_respond(e.v, resp, 2), 2);
	assert_int_equal(dlog.n, 0);
	assert_int_equal(sio_fault_ring_pump(e.ring, e.ffd), 0);
	assert_int_equal(dlog.n, 2);
	assert_int_equal(dlog.tags[0], 2);
	assert_int_equal(dlog.codes[0], IOMMUFD_PAGE_RESP_SUCCESS);
	assert_int_equal(dlog.tags[1], 1);
	assert_int_equal(dlog.codes[1], IOMMUFD_PAGE_RESP_INVALID);
	counts(&e, 0, 0);
	teardown(&e);
}

static void test_pump_group_waits_for_room(void **state)
{
	struct iommu_hwpt_pgfault out[8];
	struct env e;

	setup(&e, 4, 4);
	queue(&e, 3, 1);
	queue(&e, 3, 2);
	/* Only the first fits; the second is never split. */
	assert_int_equal(sio_fault_ring_pump(e.ring, e.ffd), 3);
	counts(&e, 1, 1);
	assert_int_equal(sio_fault_ring_pump(e.ring, e.ffd), 0);
	assert_int_equal(sio_fault_ring_pop(e.v, out, 1), 1);
	assert_int_equal(sio_fault_ring_pump(e.ring, e.ffd), 0);
	assert_int_equal(sio_fault_ring_pop(e.v, out + 1, 8), 2);
	check_group(&e, out, 3, 1);
	assert_int_equal(sio_fault_ring_pump(e.ring, e.ffd), 3);
	assert_int_equal(sio_fault_ring_pop(e.v, out, 8), 3);
	check_group(&e, out, 3, 2);
	/* A group larger than the ring stays for read(). */
	queue(&e, 5, 3);
	assert_int_equal(sio_fault_ring_pump(e.ring, e.ffd), 0);
	counts(&e, 1, 2);
	assert_int_equal(sio_read(e.ffd, out, sizeof(out)), 5 * sizeof(out[0]));
	check_group(&e, out, 5, 3);
	teardown(&e);
}

static void test_pump_rejects_bad_answers(void **state)
{
	struct iommu_hwpt_page_response resp[3];
	struct sio_fault_ring_status st;
	struct iommu_hwpt_pgfault out;
	struct env e;

	setup(&e, 8, 8);
	queue(&e, 1, 1);
	assert_int_equal(sio_fault_ring_pump(e.ring, e.ffd), 1);
	assert_int_equal(sio_fault_ring_pop(e.v, &out, 1), 1);
	resp[0] = (struct iommu_hwpt_page_response){ .cookie = out.cookie + 1000, .code = 0 };
	resp[1] = (struct iommu_hwpt_page_response){ .cookie = out.cookie, .code = 7 };
	resp[2] = (struct iommu_hwpt_page_response){ .cookie = out.cookie, .code = 0 };
	assert_int_equal(sio_fault_ring_respond(e.v, resp, 3), 3);
	assert_int_equal(sio_fault_ring_pump(e.ring, e.ffd), 0);
	assert_int_equal(dlog.n, 1);
	assert_int_equal(dlog.tags[0], 1);
	assert_int_equal(dlog.codes[0], 0);
	assert_int_equal(sio_fault_ring_status(e.v, &st), 0);
	assert_int_equal(st.resp_rejected, 2);
	assert_int_equal(st.resp_pending, 0);
	/* The same cookie again: already completed, so unknown. */
	assert_int_equal(sio_fault_ring_respond(e.v, &resp[2], 1), 1);
	assert_int_equal(sio_fault_ring_pump(e.ring, e.ffd), 0);
	assert_int_equal(dlog.n, 1);
	assert_int_equal(sio_fault_ring_status(e.v, &st), 0);
	assert_int_equal(st.resp_rejected, 3);
	teardown(&e);
}

static void test_pump_fd_checks_and_disabled_ring(void **state)
{
	struct iommu_hwpt_page_response resp;
	struct iommu_hwpt_pgfault out;
	struct sio_fault_ring_status st;
	uint32_t *tail;
	struct env e;

	setup(&e, 8, 8);
	assert_int_equal(sio_fault_ring_pump(e.ring, e.fd), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(sio_fault_ring_pump(e.ring, -1), -1);
	assert_int_equal(errno, EBADF);
	assert_int_equal(sio_fault_ring_pump(e.ring, STDERR_FILENO), -1);
	assert_int_equal(errno, EBADF);

	queue(&e, 1, 1);
	assert_int_equal(sio_fault_ring_pump(e.ring, e.ffd), 1);
	assert_int_equal(sio_fault_ring_pop(e.v, &out, 1), 1);
	resp = (struct iommu_hwpt_page_response){ .cookie = out.cookie, .code = 0 };
	assert_int_equal(sio_fault_ring_respond(e.v, &resp, 1), 1);
	/* The program breaks the record ring: answers still go through. */
	tail = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, sio_fault_ring_fd(e.ring),
		    4096);
	assert_true(tail != MAP_FAILED);
	__atomic_store_n(tail, 77u, __ATOMIC_RELEASE);
	queue(&e, 1, 2);
	assert_int_equal(sio_fault_ring_pump(e.ring, e.ffd), -1);
	assert_int_equal(errno, EPIPE);
	assert_int_equal(dlog.n, 1);
	assert_int_equal(dlog.tags[0], 1);
	assert_int_equal(sio_fault_ring_status(e.v, &st), 0);
	assert_true(st.rec_flags & SIO_FAULT_RING_F_DISABLED);
	/* The group stays queued for read(). */
	counts(&e, 1, 0);
	assert_int_equal(sio_read(e.ffd, &out, sizeof(out)), sizeof(out));
	munmap(tail, 4096);
	teardown(&e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pump_delivers_and_completes),
		cmocka_unit_test(test_pump_group_waits_for_room),
		cmocka_unit_test(test_pump_rejects_bad_answers),
		cmocka_unit_test(test_pump_fd_checks_and_disabled_ring),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
