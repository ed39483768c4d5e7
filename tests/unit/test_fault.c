/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The fault-queue core (core/fault.h) under the uapi: groups of several
 * records, their completion codes as the producer's callback sees them
 * (response, replace, PASID detach, fd close), and the producer's ENOENT
 * rules. Setup goes through the C API (sio_open/sio_ioctl) with the mock.
 */
#include <stdarg.h>
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

#define REC sizeof(struct iommu_hwpt_pgfault)

struct env {
	int fd, ffd;
	struct sio_ctx *ctx;
	uint32_t ioas, stdev, idev, parent, fault, nested, paging;
	struct sio_device *dev;
	struct sio_hwpt *nested_hwpt, *paging_hwpt;
};

/* Completions seen by the callback: codes in order. */
struct done_log {
	unsigned int n;
	uint32_t codes[16];
	uintptr_t tags[16];
};

static struct done_log dlog;

static void done_cb(void *arg, uint32_t code)
{
	assert_true(dlog.n < 16);
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

static int test_op(struct env *e, uint32_t op, uint32_t pasid, uint32_t pt_id)
{
	struct iommu_test_cmd cmd = { .size = sizeof(cmd), .op = op, .id = e->stdev };

	if (op == IOMMU_TEST_OP_MOCK_DOMAIN_REPLACE) {
		cmd.mock_domain_replace.pt_id = pt_id;
	} else {
		cmd.pasid_attach.pasid = pasid;
		cmd.pasid_attach.pt_id = pt_id;
	}
	return sio_ioctl(e->fd, IOMMU_TEST_CMD, &cmd);
}

static void setup(struct env *e)
{
	struct iommu_ioas_alloc ia = { .size = sizeof(ia) };
	struct iommu_fault_alloc fa = { .size = sizeof(fa) };
	struct iommu_test_cmd md = { .size = sizeof(md), .op = IOMMU_TEST_OP_MOCK_DOMAIN_FLAGS };

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
	e->parent = hwpt_alloc(e, e->ioas, IOMMU_HWPT_ALLOC_NEST_PARENT | IOMMU_HWPT_ALLOC_PASID,
			       false);
	e->nested = hwpt_alloc(e, e->parent, IOMMU_HWPT_FAULT_ID_VALID | IOMMU_HWPT_ALLOC_PASID,
			       true);
	e->paging = hwpt_alloc(e, e->ioas, IOMMU_HWPT_FAULT_ID_VALID | IOMMU_HWPT_ALLOC_PASID,
			       false);
	assert_int_equal(test_op(e, IOMMU_TEST_OP_MOCK_DOMAIN_REPLACE, 0, e->nested), 0);
	assert_int_equal(sio_file_iommufd_ctx(e->fd, &e->ctx), 0);
	e->dev = sio_device_get(e->ctx, e->idev);
	e->nested_hwpt = sio_hwpt_nested_get(e->ctx, e->nested);
	e->paging_hwpt = sio_hwpt_paging_get(e->ctx, e->paging);
	assert_non_null(e->dev);
	assert_non_null(e->nested_hwpt);
	assert_non_null(e->paging_hwpt);
}

static void teardown(struct env *e)
{
	sio_hwpt_put(e->nested_hwpt);
	sio_hwpt_put(e->paging_hwpt);
	sio_device_put(e->dev);
	sio_ctx_put(e->ctx);
	if (e->ffd >= 0)
		sio_close(e->ffd);
	sio_close(e->fd);
}

static int queue(struct env *e, struct sio_hwpt *hwpt, uint32_t pasid, unsigned int n, uintptr_t tag)
{
	struct sio_iopf reqs[8];
	unsigned int i;

	for (i = 0; i < n; i++)
		reqs[i] = (struct sio_iopf){ .pasid_valid = pasid != 0, .pasid = pasid,
					     .grpid = (uint32_t)tag, .perm = 1,
					     .addr = 0x1000 * (i + 1), .length = i };
	return sio_fault_queue_group(hwpt, e->dev, reqs, n, done_cb, (void *)tag);
}

static void test_multi_record_groups(void **state)
{
	struct iommu_hwpt_pgfault recs[8];
	struct iommu_hwpt_page_response r;
	struct env e;
	size_t q, d;
	int i;

	(void)state;
	setup(&e);
	assert_int_equal(queue(&e, e.nested_hwpt, 0, 3, 1), 0);
	assert_int_equal(queue(&e, e.nested_hwpt, 0, 2, 2), 0);
	/* The first group does not fit: EINVAL; two records are not a group. */
	assert_int_equal(sio_read(e.ffd, recs, 2 * REC), -1);
	assert_int_equal(errno, EINVAL);
	/* 4 records: only the first group fits. */
	assert_int_equal(sio_read(e.ffd, recs, 4 * REC), 3 * REC);
	for (i = 0; i < 3; i++) {
		assert_int_equal(recs[i].cookie, recs[0].cookie);
		assert_int_equal(recs[i].addr, 0x1000 * (i + 1));
		assert_int_equal(recs[i].length, i);
		assert_int_equal(recs[i].flags, i == 2 ? IOMMU_PGFAULT_FLAGS_LAST_PAGE : 0);
		assert_int_equal(recs[i].dev_id, e.idev);
	}
	sio_fault_queue_counts(e.paging_hwpt->fault, &q, &d);
	assert_int_equal(q, 1);
	assert_int_equal(d, 1);
	assert_int_equal(sio_read(e.ffd, recs, 8 * REC), 2 * REC);
	assert_int_equal(recs[1].flags, IOMMU_PGFAULT_FLAGS_LAST_PAGE);
	assert_int_equal(dlog.n, 0);
	r = (struct iommu_hwpt_page_response){ recs[0].cookie, IOMMUFD_PAGE_RESP_SUCCESS };
	assert_int_equal(sio_write(e.ffd, &r, sizeof(r)), sizeof(r));
	assert_int_equal(dlog.n, 1);
	assert_int_equal(dlog.tags[0], 2);
	assert_int_equal(dlog.codes[0], SIO_IOPF_RESP_SUCCESS);
	teardown(&e);
	/* The first group: completed INVALID when the fd closed. */
	assert_int_equal(dlog.n, 2);
	assert_int_equal(dlog.tags[1], 1);
	assert_int_equal(dlog.codes[1], SIO_IOPF_RESP_INVALID);
}

/* Replace completes the old attachment's queued and delivered groups only. */
static void test_replace_completes_invalid(void **state)
{
	struct iommu_hwpt_pgfault rec;
	struct env e;

	(void)state;
	setup(&e);
	assert_int_equal(test_op(&e, IOMMU_TEST_OP_PASID_ATTACH, 5, e.paging), 0);
	assert_int_equal(queue(&e, e.nested_hwpt, 0, 1, 1), 0);
	assert_int_equal(queue(&e, e.nested_hwpt, 0, 1, 2), 0);
	assert_int_equal(queue(&e, e.paging_hwpt, 5, 1, 3), 0);
	assert_int_equal(sio_read(e.ffd, &rec, REC), REC);
	assert_int_equal(test_op(&e, IOMMU_TEST_OP_MOCK_DOMAIN_REPLACE, 0, e.parent), 0);
	assert_int_equal(dlog.n, 2);
	assert_int_equal(dlog.codes[0], SIO_IOPF_RESP_INVALID);
	assert_int_equal(dlog.codes[1], SIO_IOPF_RESP_INVALID);
	assert_int_equal(dlog.tags[0] + dlog.tags[1], 3);
	/* The PASID's group is still there; its detach completes it. */
	assert_int_equal(sio_read(e.ffd, &rec, REC), REC);
	assert_int_equal(rec.pasid, 5);
	assert_int_equal(test_op(&e, IOMMU_TEST_OP_PASID_DETACH, 5, 0), 0);
	assert_int_equal(dlog.n, 3);
	assert_int_equal(dlog.tags[2], 3);
	assert_int_equal(dlog.codes[2], SIO_IOPF_RESP_INVALID);
	teardown(&e);
	assert_int_equal(dlog.n, 3);
}

/* The producer: no fault queue or no attachment: ENOENT, no callback. */
static void test_producer_enoent(void **state)
{
	struct sio_hwpt *h;
	struct env e;

	(void)state;
	setup(&e);
	/* paging_hwpt is not attached anywhere. */
	assert_int_equal(queue(&e, e.paging_hwpt, 0, 1, 1), -ENOENT);
	assert_int_equal(queue(&e, e.paging_hwpt, 7, 1, 1), -ENOENT);
	assert_int_equal(queue(&e, e.nested_hwpt, 0, 0, 1), -ENOENT);
	/* Routing: the RID's nested HWPT serves PASIDs without attachment. */
	h = sio_device_iopf_hwpt(e.dev, true, 7);
	assert_ptr_equal(h, e.nested_hwpt);
	sio_hwpt_put(h);
	assert_int_equal(queue(&e, e.nested_hwpt, 7, 1, 1), 0);
	assert_int_equal(test_op(&e, IOMMU_TEST_OP_PASID_ATTACH, 7, e.paging), 0);
	h = sio_device_iopf_hwpt(e.dev, true, 7);
	assert_ptr_equal(h, e.paging_hwpt);
	sio_hwpt_put(h);
	/* Routed to the PASID's attachment now, not the RID's. */
	assert_int_equal(queue(&e, e.nested_hwpt, 7, 1, 2), -ENOENT);
	assert_int_equal(dlog.n, 0);
	/* A paging RID HWPT gets no PASID fallback. */
	assert_int_equal(test_op(&e, IOMMU_TEST_OP_PASID_DETACH, 7, 0), 0);
	assert_int_equal(test_op(&e, IOMMU_TEST_OP_MOCK_DOMAIN_REPLACE, 0, e.paging), 0);
	/* The first group went with the nested attachment. */
	assert_int_equal(dlog.n, 1);
	assert_null(sio_device_iopf_hwpt(e.dev, true, 7));
	h = sio_device_iopf_hwpt(e.dev, false, 0);
	assert_ptr_equal(h, e.paging_hwpt);
	sio_hwpt_put(h);
	/* Without a fault queue: NULL. */
	assert_int_equal(test_op(&e, IOMMU_TEST_OP_MOCK_DOMAIN_REPLACE, 0, e.parent), 0);
	assert_null(sio_device_iopf_hwpt(e.dev, false, 0));
	teardown(&e);
}

/* Closing the fault fd completes everything; later groups wait for detach. */
static void test_close_then_queue(void **state)
{
	struct iommu_hwpt_pgfault rec;
	struct env e;

	(void)state;
	setup(&e);
	assert_int_equal(queue(&e, e.nested_hwpt, 0, 1, 1), 0);
	assert_int_equal(queue(&e, e.nested_hwpt, 0, 1, 2), 0);
	assert_int_equal(sio_read(e.ffd, &rec, REC), REC);
	assert_int_equal(sio_close(e.ffd), 0);
	e.ffd = -1;
	assert_int_equal(dlog.n, 2);
	assert_int_equal(dlog.codes[0], SIO_IOPF_RESP_INVALID);
	assert_int_equal(dlog.codes[1], SIO_IOPF_RESP_INVALID);
	/* Queued groups first, then delivered ones. */
	assert_int_equal(dlog.tags[0], 2);
	assert_int_equal(dlog.tags[1], 1);
	assert_int_equal(queue(&e, e.nested_hwpt, 0, 1, 3), 0);
	assert_int_equal(dlog.n, 2);
	assert_int_equal(test_op(&e, IOMMU_TEST_OP_MOCK_DOMAIN_REPLACE, 0, e.ioas), 0);
	assert_int_equal(dlog.n, 3);
	assert_int_equal(dlog.tags[2], 3);
	teardown(&e);
}

static int queue_big(struct env *e, unsigned int n, uintptr_t tag)
{
	struct sio_iopf reqs[80];
	unsigned int i;

	assert_true(n <= 80);
	for (i = 0; i < n; i++)
		reqs[i] = (struct sio_iopf){ .grpid = (uint32_t)tag, .addr = 0x1000ull * i };
	return sio_fault_queue_group(e->nested_hwpt, e->dev, reqs, n, done_cb, (void *)tag);
}

/*
 * Groups larger than the read's staging area, after a small one, and a
 * copy that faults part-way: the group stays queued, nothing is lost.
 */
static void test_large_groups(void **state)
{
	size_t len = 4 * 4096;
	struct iommu_hwpt_pgfault *recs;
	unsigned int i;
	struct env e;

	(void)state;
	setup(&e);
	recs = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(recs != MAP_FAILED);
	assert_int_equal(queue(&e, e.nested_hwpt, 0, 1, 1), 0);
	assert_int_equal(queue_big(&e, 70, 2), 0);
	assert_int_equal(queue_big(&e, 80, 3), 0);
	assert_int_equal(sio_read(e.ffd, recs, 71 * REC), 71 * REC);
	assert_int_equal(recs[0].grpid, 1);
	for (i = 1; i < 71; i++) {
		assert_int_equal(recs[i].grpid, 2);
		assert_int_equal(recs[i].cookie, recs[1].cookie);
		assert_int_equal(recs[i].addr, 0x1000ull * (i - 1));
		assert_int_equal(recs[i].flags, i == 70 ? IOMMU_PGFAULT_FLAGS_LAST_PAGE : 0);
	}
	assert_true(recs[0].cookie != recs[1].cookie);
	/* The 80-record group would end past a PROT_NONE page: EFAULT. */
	assert_int_equal(mprotect((char *)recs + 4096, len - 4096, PROT_NONE), 0);
	assert_int_equal(sio_read(e.ffd, (char *)recs + 4096 - 10 * REC, 80 * REC), -1);
	assert_int_equal(errno, EFAULT);
	assert_int_equal(mprotect(recs, len, PROT_READ | PROT_WRITE), 0);
	assert_int_equal(sio_read(e.ffd, recs, 80 * REC), 80 * REC);
	assert_int_equal(recs[79].grpid, 3);
	assert_int_equal(recs[79].flags, IOMMU_PGFAULT_FLAGS_LAST_PAGE);
	assert_int_equal(sio_read(e.ffd, recs, 80 * REC), 0);
	assert_int_equal(dlog.n, 0);
	munmap(recs, len);
	teardown(&e);
	assert_int_equal(dlog.n, 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_multi_record_groups),
		cmocka_unit_test(test_replace_completes_invalid),
		cmocka_unit_test(test_producer_enoent),
		cmocka_unit_test(test_close_then_queue),
		cmocka_unit_test(test_large_groups),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
