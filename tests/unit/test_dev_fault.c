/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Per-function fault handlers (core/dev_fault.h, the 2020 path) driven by
 * real DMA of emulated functions: a VT-d function with PRI, guest RAM at
 * GPA 0 of a NEST_PARENT HWPT and a nested HWPT whose first-stage table
 * lacks the PTEs the device uses (no fault queue unless a test says so);
 * SMMUv3 functions on a paging HWPT for unrecoverable faults. The handler
 * is registered through the core API; setup goes through the C API.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <cmocka.h>

#include <softiommu/softiommu.h>
#include <softiommu/uapi/iommufd.h>
#include <softiommu/uapi/vfio.h>

#include "core/dev_fault.h"
#include "core/pcidev.h"

#define VTD_ASSERT(cond)	assert_true(cond)
#include "../integration/vtd_guest.h"

#define PASID		5u

/* ------------------------------------------------------------- the handler */

static struct {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	unsigned int n;			/* records seen */
	struct iommu_fault recs[64];	/* record i at i % 64 */
	int fail_at;			/* the record (by n) the handler refuses; -1: none */
	bool block;			/* the handler waits until it is cleared */
} hlog = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, { { 0 } }, -1, false };

static int handler(void *data, const struct iommu_fault *rec)
{
	int rc = 0;

	assert_ptr_equal(data, &hlog);
	pthread_mutex_lock(&hlog.lock);
	if (hlog.fail_at >= 0 && (unsigned int)hlog.fail_at == hlog.n)
		rc = -ENOSPC;
	hlog.recs[hlog.n % 64] = *rec;
	hlog.n++;
	pthread_cond_broadcast(&hlog.cond);
	while (hlog.block)
		pthread_cond_wait(&hlog.cond, &hlog.lock);
	pthread_mutex_unlock(&hlog.lock);
	return rc;
}

static void hlog_reset(void)
{
	pthread_mutex_lock(&hlog.lock);
	hlog.n = 0;
	hlog.fail_at = -1;
	hlog.block = false;
	memset(hlog.recs, 0, sizeof(hlog.recs));
	pthread_mutex_unlock(&hlog.lock);
}

static unsigned int hlog_count(void)
{
	unsigned int n;

	pthread_mutex_lock(&hlog.lock);
	n = hlog.n;
	pthread_mutex_unlock(&hlog.lock);
	return n;
}

/* Wait until the handler saw @n records; false after WAIT_MS. */
static bool hlog_wait(unsigned int n)
{
	struct timespec ts;
	bool ok;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += WAIT_MS / 1000;
	pthread_mutex_lock(&hlog.lock);
	while (hlog.n < n && !pthread_cond_timedwait(&hlog.cond, &hlog.lock, &ts))
		;
	ok = hlog.n >= n;
	pthread_mutex_unlock(&hlog.lock);
	return ok;
}

/* --------------------------------------------------------------- the guest */

/* A VT-d function (@pri), its nested HWPT (@queue: with a fault queue) at @pasid or the RID. */
static void guest_setup(struct guest *g, bool pri, bool queue, uint32_t pasid)
{
	assert_true(vtd_guest_setup(g, 0x40, 3, (pri ? VTD_GUEST_PRI : 0) |
				    (queue ? VTD_GUEST_FAULT_QUEUE : 0), pasid));
	hlog_reset();
}

/* An SMMUv3 function (@pri) on an automatic paging HWPT of an IOAS with nothing mapped. */
static void smmu_setup(struct guest *g, bool pri)
{
	struct iommu_ioas_alloc alloc = { .size = sizeof(alloc) };
	struct sio_device_desc d = { .iommu = SIO_DEVICE_IOMMU_SMMUV3, .bus = 0x41,
				     .flags = pri ? SIO_DEVICE_PRI : 0 };
	struct vfio_device_attach_iommufd_pt at = { .argsz = sizeof(at) };

	memset(g, 0, sizeof(*g));
	g->faultfd = -1;
	g->pasid = SIO_NO_PASID_VAL;
	g->index = sio_device_create(&d);
	assert_true(g->index >= 0);
	assert_int_equal(guest_open_bind(g), 0);
	assert_int_equal(sio_ioctl(g->iommufd, IOMMU_IOAS_ALLOC, &alloc), 0);
	g->ioas = alloc.out_ioas_id;
	at.pt_id = g->ioas;
	assert_int_equal(sio_ioctl(g->devfd, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &at), 0);
	hlog_reset();
}

/* A DMA in this thread: its result, and errno in *err. */
static ssize_t dma_now(struct guest *g, uint64_t iova, size_t len, int *err)
{
	char buf[64];
	ssize_t r;

	assert_true(len <= sizeof(buf));
	r = sio_dev_dma_read(g->index, g->pasid, iova, buf, len);

	*err = r < 0 ? errno : 0;
	return r;
}

static int respond(struct guest *g, uint32_t grpid, uint32_t code, uint32_t flags,
		   uint32_t pasid)
{
	struct iommu_page_response r = {
		.argsz = sizeof(r), .version = IOMMU_PAGE_RESP_VERSION_1, .flags = flags,
		.pasid = pasid, .grpid = grpid, .code = code,
	};

	return sio_pcidev_page_response((unsigned int)g->index, &r);
}

/* -------------------------------------------------------------------- tests */

/* Register/unregister errno rules, and the checks before any group matters. */
static void test_register_rules(void **state)
{
	struct iommu_page_response bad = { .version = 2 };
	struct guest g;
	int gone;

	(void)state;
	guest_setup(&g, true, false, SIO_NO_PASID_VAL);
	gone = sio_device_create(&(struct sio_device_desc){ .iommu = SIO_DEVICE_IOMMU_VTD,
							   .bus = 0x42 });
	assert_true(gone >= 0);
	assert_int_equal(sio_device_destroy(gone), 0);
	assert_int_equal(sio_pcidev_fault_handler_register(gone, handler, &hlog), -ENODEV);
	assert_int_equal(sio_pcidev_fault_handler_register(1000, handler, &hlog),
			 -ENODEV);
	assert_int_equal(sio_pcidev_fault_handler_unregister(gone), -ENODEV);
	assert_int_equal(sio_pcidev_fault_abort_pending(gone), -ENODEV);
	assert_int_equal(sio_pcidev_fault_reset(gone), -ENODEV);
	/* ENODEV comes before the message's checks. */
	assert_int_equal(sio_pcidev_page_response(gone, &bad), -ENODEV);
	/* No handler: EINVAL even for a well-formed response. */
	assert_int_equal(respond(&g, 0, IOMMU_PAGE_RESP_SUCCESS, 0, 0), -EINVAL);
	/* Unregister without a handler succeeds. */
	assert_int_equal(sio_pcidev_fault_handler_unregister(g.index), 0);
	assert_int_equal(sio_pcidev_fault_handler_register(g.index, NULL, NULL), -EINVAL);
	assert_int_equal(sio_pcidev_fault_handler_register(g.index, handler, &hlog), 0);
	/* One handler per function; EBUSY comes before the NULL check. */
	assert_int_equal(sio_pcidev_fault_handler_register(g.index, handler, &hlog), -EBUSY);
	assert_int_equal(sio_pcidev_fault_handler_register(g.index, NULL, NULL), -EBUSY);
	/* Nothing pending: every response is EINVAL, bad version and flags included. */
	assert_int_equal(respond(&g, 0, IOMMU_PAGE_RESP_SUCCESS, 0, 0), -EINVAL);
	assert_int_equal(sio_pcidev_page_response(g.index, &bad), -EINVAL);
	assert_int_equal(sio_pcidev_fault_abort_pending(g.index), 0);
	assert_int_equal(sio_pcidev_fault_handler_unregister(g.index), 0);
	assert_int_equal(sio_pcidev_fault_handler_unregister(g.index), 0);
	assert_int_equal(sio_pcidev_fault_handler_register(g.index, handler, &hlog), 0);
	/* Destroy drops the handler with the function. */
	guest_teardown(&g);
}

/*
 * A three-page group with a PASID: the records' exact content; responses
 * that do not match (grpid, PASID missing or wrong, bad version or flags)
 * leave it pending; SUCCESS lets the DMA retranslate and complete.
 */
static void test_group_records_pasid(void **state)
{
	struct iommu_page_response r = {
		.argsz = sizeof(r), .version = IOMMU_PAGE_RESP_VERSION_1,
		.flags = IOMMU_PAGE_RESP_PASID_VALID, .pasid = PASID,
	};
	struct dma_job j;
	struct guest g;
	uint32_t grpid;
	unsigned int i;

	(void)state;
	guest_setup(&g, true, false, PASID);
	assert_int_equal(sio_pcidev_fault_handler_register(g.index, handler, &hlog), 0);
	dma_start(&j, &g, false, GVA + 100, 3 * 4096 - 200);
	assert_true(hlog_wait(3));
	grpid = hlog.recs[0].prm.grpid;
	assert_true(grpid < 512);
	for (i = 0; i < 3; i++) {
		const struct iommu_fault *rec = &hlog.recs[i];
		uint32_t flags = IOMMU_FAULT_PAGE_REQUEST_PASID_VALID |
				 IOMMU_FAULT_PAGE_RESPONSE_NEEDS_PASID;

		if (i == 2)
			flags |= IOMMU_FAULT_PAGE_REQUEST_LAST_PAGE;
		assert_int_equal(rec->type, IOMMU_FAULT_PAGE_REQ);
		assert_int_equal(rec->padding, 0);
		assert_int_equal(rec->prm.flags, flags);
		assert_int_equal(rec->prm.pasid, PASID);
		assert_int_equal(rec->prm.grpid, grpid);
		assert_int_equal(rec->prm.perm, IOMMU_FAULT_PERM_READ);
		assert_int_equal(rec->prm.addr, GVA + i * 4096ull);
		assert_int_equal(rec->prm.private_data[0], 0);
		assert_int_equal(rec->prm.private_data[1], 0);
	}
	/* Unregister while the group is unanswered. */
	assert_int_equal(sio_pcidev_fault_handler_unregister(g.index), -EBUSY);
	r.code = IOMMU_PAGE_RESP_SUCCESS;
	r.grpid = (grpid + 1) % 512;
	assert_int_equal(sio_pcidev_page_response(g.index, &r), -EINVAL);
	r.grpid = grpid;
	r.flags = 0;		/* NEEDS_PASID: a response without one matches nothing */
	assert_int_equal(sio_pcidev_page_response(g.index, &r), -EINVAL);
	r.flags = IOMMU_PAGE_RESP_PASID_VALID;
	r.pasid = PASID + 1;
	assert_int_equal(sio_pcidev_page_response(g.index, &r), -EINVAL);
	r.pasid = PASID;
	r.version = 0;
	assert_int_equal(sio_pcidev_page_response(g.index, &r), -EINVAL);
	r.version = IOMMU_PAGE_RESP_VERSION_1;
	r.flags |= 2;
	assert_int_equal(sio_pcidev_page_response(g.index, &r), -EINVAL);
	r.flags = IOMMU_PAGE_RESP_PASID_VALID;
	/* None of those completed the group: the DMA still waits. */
	usleep(20000);
	assert_int_equal(pthread_tryjoin_np(j.thread, NULL), EBUSY);
	for (i = 0; i < 3; i++)
		pte_set(&g, i, P_RW_US);
	assert_int_equal(invalidate(&g, GVA, 3), 0);
	assert_int_equal(sio_pcidev_page_response(g.index, &r), 0);
	dma_join(&j);
	assert_int_equal(j.result, 3 * 4096 - 200);
	assert_int_equal(j.buf[0], 'a');
	assert_int_equal(j.buf[4096], 'b');
	assert_int_equal(j.buf[3 * 4096 - 201], 'c');
	/* Answered once: the same response matches nothing now. */
	assert_int_equal(sio_pcidev_page_response(g.index, &r), -EINVAL);
	assert_int_equal(hlog_count(), 3);
	assert_int_equal(sio_pcidev_fault_handler_unregister(g.index), 0);
	guest_teardown(&g);
}

/*
 * Without a PASID: no PASID flags, LAST_PAGE only on the last record, and
 * a response that carries a PASID anyway is accepted (the PASID cleared).
 * Writes ask for WRITE. INVALID fails the DMA.
 */
static void test_group_records_rid(void **state)
{
	struct dma_job j;
	struct guest g;
	uint32_t grpid;

	(void)state;
	guest_setup(&g, true, false, SIO_NO_PASID_VAL);
	assert_int_equal(sio_pcidev_fault_handler_register(g.index, handler, &hlog), 0);
	dma_start(&j, &g, true, GVA, 2 * 4096);
	assert_true(hlog_wait(2));
	grpid = hlog.recs[0].prm.grpid;
	assert_int_equal(hlog.recs[0].prm.flags, 0);
	assert_int_equal(hlog.recs[1].prm.flags, IOMMU_FAULT_PAGE_REQUEST_LAST_PAGE);
	assert_int_equal(hlog.recs[1].prm.grpid, grpid);
	assert_int_equal(hlog.recs[0].prm.pasid, 0);
	assert_int_equal(hlog.recs[0].prm.perm, IOMMU_FAULT_PERM_WRITE);
	assert_int_equal(hlog.recs[1].prm.addr, GVA + 4096);
	pte_set(&g, 0, P_RW_US);
	pte_set(&g, 1, P_RW_US);
	assert_int_equal(invalidate(&g, GVA, 2), 0);
	assert_int_equal(respond(&g, grpid, IOMMU_PAGE_RESP_SUCCESS, IOMMU_PAGE_RESP_PASID_VALID,
				 77), 0);
	dma_join(&j);
	assert_int_equal(j.result, 2 * 4096);
	assert_int_equal(g.ram[DATA_GPA + 4096 + 10], 'Z');
	/* INVALID: the DMA fails with the fault. */
	dma_start(&j, &g, false, GVA + 2 * 4096, 8);
	assert_true(hlog_wait(3));
	assert_int_equal(hlog.recs[2].prm.flags, IOMMU_FAULT_PAGE_REQUEST_LAST_PAGE);
	assert_int_equal(respond(&g, hlog.recs[2].prm.grpid, IOMMU_PAGE_RESP_INVALID, 0, 0), 0);
	dma_join(&j);
	assert_int_equal(j.result, -1);
	assert_int_equal(j.err, EFAULT);
	assert_int_equal(j.fault.reason, SIO_DMA_FAULT_NOT_PRESENT);
	assert_int_equal(j.fault.iova, GVA + 2 * 4096);
	guest_teardown(&g);
}

/* FAILURE fails the DMA and disables PRI until VFIO_DEVICE_RESET. */
static void test_failure_disables_pri(void **state)
{
	struct dma_job j;
	struct guest g;
	int err;

	(void)state;
	guest_setup(&g, true, false, SIO_NO_PASID_VAL);
	assert_int_equal(sio_pcidev_fault_handler_register(g.index, handler, &hlog), 0);
	dma_start(&j, &g, false, GVA, 8);
	assert_true(hlog_wait(1));
	assert_int_equal(respond(&g, hlog.recs[0].prm.grpid, IOMMU_PAGE_RESP_FAILURE, 0, 0), 0);
	dma_join(&j);
	assert_int_equal(j.result, -1);
	assert_int_equal(j.err, EFAULT);
	/* No page request any more: the fault is final at once, with no record. */
	assert_int_equal(dma_now(&g, GVA, 8, &err), -1);
	assert_int_equal(err, EFAULT);
	assert_int_equal(hlog_count(), 1);
	/* Still disabled without a handler; a reset enables PRI again. */
	assert_int_equal(sio_pcidev_fault_handler_unregister(g.index), 0);
	assert_int_equal(sio_pcidev_fault_handler_register(g.index, handler, &hlog), 0);
	assert_int_equal(dma_now(&g, GVA, 8, &err), -1);
	assert_int_equal(hlog_count(), 1);
	assert_int_equal(sio_ioctl(g.devfd, VFIO_DEVICE_RESET, NULL), 0);
	dma_start(&j, &g, false, GVA, 8);
	assert_true(hlog_wait(2));
	pte_set(&g, 0, P_RW_US);
	assert_int_equal(invalidate(&g, GVA, 1), 0);
	assert_int_equal(respond(&g, hlog.recs[1].prm.grpid, IOMMU_PAGE_RESP_SUCCESS, 0, 0), 0);
	dma_join(&j);
	assert_int_equal(j.result, 8);
	guest_teardown(&g);
}

/* A handler that refuses a record ends the group INVALID; nothing stays pending. */
static void test_handler_failure(void **state)
{
	struct guest g;
	int err;

	(void)state;
	guest_setup(&g, true, false, SIO_NO_PASID_VAL);
	assert_int_equal(sio_pcidev_fault_handler_register(g.index, handler, &hlog), 0);
	hlog.fail_at = 0;	/* the only, last, record */
	assert_int_equal(dma_now(&g, GVA, 8, &err), -1);
	assert_int_equal(err, EFAULT);
	assert_int_equal(hlog_count(), 1);
	assert_int_equal(respond(&g, hlog.recs[0].prm.grpid, IOMMU_PAGE_RESP_SUCCESS, 0, 0),
			 -EINVAL);
	assert_int_equal(sio_pcidev_fault_handler_unregister(g.index), 0);
	/* Refused on the first of three: the rest is not reported. */
	assert_int_equal(sio_pcidev_fault_handler_register(g.index, handler, &hlog), 0);
	hlog_reset();
	hlog.fail_at = 0;
	{
		char buf[3 * 4096];
		ssize_t r = sio_dev_dma_read(g.index, SIO_NO_PASID_VAL, GVA, buf, sizeof(buf));

		assert_int_equal(r, -1);
		assert_int_equal(errno, EFAULT);
	}
	assert_int_equal(hlog_count(), 1);
	assert_int_equal(sio_pcidev_fault_abort_pending(g.index), 0);
	assert_int_equal(sio_pcidev_fault_handler_unregister(g.index), 0);
	guest_teardown(&g);
}

/* abort_pending ends the groups INVALID and lets unregister succeed. */
static void test_abort_pending(void **state)
{
	struct dma_job j;
	struct guest g;

	(void)state;
	guest_setup(&g, true, false, SIO_NO_PASID_VAL);
	assert_int_equal(sio_pcidev_fault_handler_register(g.index, handler, &hlog), 0);
	dma_start(&j, &g, false, GVA, 8);
	assert_true(hlog_wait(1));
	assert_int_equal(sio_pcidev_fault_handler_unregister(g.index), -EBUSY);
	assert_int_equal(sio_pcidev_fault_abort_pending(g.index), 1);
	dma_join(&j);
	assert_int_equal(j.result, -1);
	assert_int_equal(j.err, EFAULT);
	assert_int_equal(sio_pcidev_fault_abort_pending(g.index), 0);
	assert_int_equal(respond(&g, hlog.recs[0].prm.grpid, IOMMU_PAGE_RESP_SUCCESS, 0, 0),
			 -EINVAL);
	assert_int_equal(sio_pcidev_fault_handler_unregister(g.index), 0);
	guest_teardown(&g);
}

/* Release ends only the (handler, data) it names, pending groups included. */
static void test_release(void **state)
{
	struct dma_job j;
	struct guest g;
	int other = 0;

	(void)state;
	guest_setup(&g, true, false, SIO_NO_PASID_VAL);
	assert_int_equal(sio_pcidev_fault_handler_release(g.index, handler, &hlog), -ENOENT);
	assert_int_equal(sio_pcidev_fault_handler_register(g.index, handler, &hlog), 0);
	dma_start(&j, &g, false, GVA, 8);
	assert_true(hlog_wait(1));
	/* Another owner's pair, or none: nothing happens. */
	assert_int_equal(sio_pcidev_fault_handler_release(g.index, handler, &other), -ENOENT);
	assert_int_equal(sio_pcidev_fault_handler_release(g.index, NULL, &hlog), -ENOENT);
	assert_false(job_done(&j));
	assert_int_equal(sio_pcidev_fault_handler_release(g.index + 1000, handler, &hlog),
			 -ENODEV);
	/* The owner's: unregistered and the waiting DMA answered INVALID. */
	assert_int_equal(sio_pcidev_fault_handler_release(g.index, handler, &hlog), 1);
	dma_join(&j);
	assert_int_equal(j.result, -1);
	assert_int_equal(j.err, EFAULT);
	assert_int_equal(sio_pcidev_fault_handler_release(g.index, handler, &hlog), -ENOENT);
	assert_int_equal(sio_pcidev_fault_handler_register(g.index, handler, &other), 0);
	guest_teardown(&g);
}

/*
 * A timed-out waiter's group stays pending until answered (the late answer
 * is accepted) or the function goes away with it (no leak: ASan).
 */
static void test_timeout_then_destroy(void **state)
{
	struct guest g;
	int err;

	(void)state;
	guest_setup(&g, true, false, SIO_NO_PASID_VAL);
	assert_int_equal(sio_pcidev_fault_handler_register(g.index, handler, &hlog), 0);
	assert_int_equal(sio_dev_pri_set_timeout(g.index, 50), 0);
	assert_int_equal(dma_now(&g, GVA, 8, &err), -1);
	assert_int_equal(err, ETIMEDOUT);
	assert_int_equal(sio_pcidev_fault_handler_unregister(g.index), -EBUSY);
	assert_int_equal(respond(&g, hlog.recs[0].prm.grpid, IOMMU_PAGE_RESP_SUCCESS, 0, 0), 0);
	assert_int_equal(dma_now(&g, GVA, 8, &err), -1);
	assert_int_equal(err, ETIMEDOUT);
	assert_int_equal(hlog_count(), 2);
	/* The destroy completes the second group. */
	guest_teardown(&g);
}

/* Unregistered: page requests go to the HWPT's fault queue as before. */
static void test_no_handler_uses_queue(void **state)
{
	struct iommu_hwpt_pgfault rec;
	struct iommu_hwpt_page_response resp;
	struct dma_job j;
	struct guest g;
	ssize_t n = 0;
	int tries;

	(void)state;
	guest_setup(&g, true, true, SIO_NO_PASID_VAL);
	assert_int_equal(sio_pcidev_fault_handler_register(g.index, handler, &hlog), 0);
	assert_int_equal(sio_pcidev_fault_handler_unregister(g.index), 0);
	dma_start(&j, &g, false, GVA, 8);
	for (tries = 0; tries < WAIT_MS && !n; tries++) {
		n = sio_read(g.faultfd, &rec, sizeof(rec));
		if (!n)
			usleep(1000);
	}
	assert_int_equal(n, sizeof(rec));
	assert_int_equal(rec.addr, GVA);
	pte_set(&g, 0, P_RW_US);
	assert_int_equal(invalidate(&g, GVA, 1), 0);
	resp = (struct iommu_hwpt_page_response){ .cookie = rec.cookie };
	assert_int_equal(sio_write(g.faultfd, &resp, sizeof(resp)), sizeof(resp));
	dma_join(&j);
	assert_int_equal(j.result, 8);
	assert_int_equal(hlog_count(), 0);
	guest_teardown(&g);
}

/* SMMUv3 reports its translation faults as unrecoverable records; VT-d does not. */
static void test_unrecoverable(void **state)
{
	char buf[8] = "written";
	struct guest g;
	int err;

	(void)state;
	smmu_setup(&g, false);
	assert_int_equal(sio_pcidev_fault_handler_register(g.index, handler, &hlog), 0);
	assert_int_equal(dma_now(&g, 0x200010, 8, &err), -1);
	assert_int_equal(err, EFAULT);
	assert_int_equal(sio_dev_dma_write(g.index, SIO_NO_PASID_VAL, 0x300020, buf, 8), -1);
	assert_int_equal(hlog_count(), 2);
	assert_int_equal(hlog.recs[0].type, IOMMU_FAULT_DMA_UNRECOV);
	assert_int_equal(hlog.recs[0].event.reason, IOMMU_FAULT_REASON_PTE_FETCH);
	assert_int_equal(hlog.recs[0].event.flags, IOMMU_FAULT_UNRECOV_ADDR_VALID);
	assert_int_equal(hlog.recs[0].event.addr, 0x200010);
	assert_int_equal(hlog.recs[0].event.perm, IOMMU_FAULT_PERM_READ);
	assert_int_equal(hlog.recs[0].event.pasid, 0);
	assert_int_equal(hlog.recs[0].event.fetch_addr, 0);
	assert_int_equal(hlog.recs[1].event.perm, IOMMU_FAULT_PERM_WRITE);
	assert_int_equal(hlog.recs[1].event.addr, 0x300020);
	/* Nothing pending: unrecoverable records need no response. */
	assert_int_equal(sio_pcidev_fault_handler_unregister(g.index), 0);
	assert_int_equal(dma_now(&g, 0x200010, 8, &err), -1);
	assert_int_equal(hlog_count(), 2);
	guest_teardown(&g);

	guest_setup(&g, false, false, SIO_NO_PASID_VAL);
	assert_int_equal(sio_pcidev_fault_handler_register(g.index, handler, &hlog), 0);
	assert_int_equal(dma_now(&g, GVA, 8, &err), -1);
	assert_int_equal(err, EFAULT);
	assert_int_equal(hlog_count(), 0);
	guest_teardown(&g);
}

/*
 * An SMMUv3 function with PRI: an answered page request is not reported
 * again as unrecoverable; after FAILURE its faults are, until a hot reset.
 */
static void test_smmu_failure_unrecoverable(void **state)
{
	struct vfio_pci_hot_reset hr = { .argsz = sizeof(hr) };
	struct dma_job j;
	struct guest g;
	int err;

	(void)state;
	smmu_setup(&g, true);
	assert_int_equal(sio_pcidev_fault_handler_register(g.index, handler, &hlog), 0);
	dma_start(&j, &g, false, 0x200000, 8);
	assert_true(hlog_wait(1));
	assert_int_equal(hlog.recs[0].type, IOMMU_FAULT_PAGE_REQ);
	assert_int_equal(hlog.recs[0].prm.flags, IOMMU_FAULT_PAGE_REQUEST_LAST_PAGE);
	assert_int_equal(hlog.recs[0].prm.addr, 0x200000);
	assert_int_equal(respond(&g, hlog.recs[0].prm.grpid, IOMMU_PAGE_RESP_INVALID, 0, 0), 0);
	dma_join(&j);
	assert_int_equal(j.err, EFAULT);
	assert_int_equal(hlog_count(), 1);
	dma_start(&j, &g, false, 0x200000, 8);
	assert_true(hlog_wait(2));
	assert_int_equal(respond(&g, hlog.recs[1].prm.grpid, IOMMU_PAGE_RESP_FAILURE, 0, 0), 0);
	dma_join(&j);
	assert_int_equal(j.err, EFAULT);
	assert_int_equal(dma_now(&g, 0x200040, 8, &err), -1);
	assert_true(hlog_wait(3));
	assert_int_equal(hlog.recs[2].type, IOMMU_FAULT_DMA_UNRECOV);
	assert_int_equal(hlog.recs[2].event.reason, IOMMU_FAULT_REASON_PTE_FETCH);
	assert_int_equal(hlog.recs[2].event.addr, 0x200040);
	assert_int_equal(sio_ioctl(g.devfd, VFIO_DEVICE_PCI_HOT_RESET, &hr), 0);
	dma_start(&j, &g, false, 0x200000, 8);
	assert_true(hlog_wait(4));
	assert_int_equal(hlog.recs[3].type, IOMMU_FAULT_PAGE_REQ);
	assert_int_equal(sio_pcidev_fault_abort_pending(g.index), 1);
	dma_join(&j);
	guest_teardown(&g);
}

struct async_done {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool called;
	ssize_t result;
	int err;
};

static void async_cb(void *arg, ssize_t result, int err)
{
	struct async_done *d = arg;

	pthread_mutex_lock(&d->lock);
	d->called = true;
	d->result = result;
	d->err = err;
	pthread_cond_signal(&d->cond);
	pthread_mutex_unlock(&d->lock);
}

/* Asynchronous DMA: reported to the handler, resumed on the response. */
static void test_async_dma(void **state)
{
	struct async_done d = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER };
	char buf[16];
	struct guest g;

	(void)state;
	guest_setup(&g, true, false, SIO_NO_PASID_VAL);
	assert_int_equal(sio_pcidev_fault_handler_register(g.index, handler, &hlog), 0);
	assert_int_equal(sio_dev_dma_read_async(g.index, SIO_NO_PASID_VAL, GVA + 4096 * 3,
						buf, sizeof(buf), async_cb, &d), 0);
	assert_true(hlog_wait(1));
	assert_int_equal(hlog.recs[0].prm.addr, GVA + 4096 * 3);
	pthread_mutex_lock(&d.lock);
	assert_false(d.called);
	pthread_mutex_unlock(&d.lock);
	pte_set(&g, 3, P_RW_US);
	assert_int_equal(invalidate(&g, GVA + 4096 * 3, 1), 0);
	assert_int_equal(respond(&g, hlog.recs[0].prm.grpid, IOMMU_PAGE_RESP_SUCCESS, 0, 0), 0);
	pthread_mutex_lock(&d.lock);
	while (!d.called)
		pthread_cond_wait(&d.cond, &d.lock);
	pthread_mutex_unlock(&d.lock);
	assert_int_equal(d.result, sizeof(buf));
	assert_int_equal(d.err, 0);
	assert_int_equal(buf[0], 'd');
	guest_teardown(&g);
}

/*
 * fork() while a thread is inside the handler (holding the function's
 * handler lock): the child can still use the function's handler state.
 */
static void test_fork_in_handler(void **state)
{
	struct dma_job j;
	struct guest g;
	int status;
	pid_t pid;

	(void)state;
	guest_setup(&g, true, false, SIO_NO_PASID_VAL);
	assert_int_equal(sio_pcidev_fault_handler_register(g.index, handler, &hlog), 0);
	hlog.block = true;
	dma_start(&j, &g, false, GVA, 8);
	assert_true(hlog_wait(1));
	pid = fork();
	assert_true(pid >= 0);
	if (!pid) {
		alarm(10);
		/* The group became pending before the handler saw it. */
		if (sio_pcidev_fault_handler_unregister(g.index) != -EBUSY)
			_exit(1);
		if (sio_pcidev_fault_abort_pending(g.index) != 1)
			_exit(2);
		_exit(sio_pcidev_fault_handler_unregister(g.index) ? 3 : 0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	pthread_mutex_lock(&hlog.lock);
	hlog.block = false;
	pthread_cond_broadcast(&hlog.cond);
	pthread_mutex_unlock(&hlog.lock);
	assert_int_equal(respond(&g, hlog.recs[0].prm.grpid, IOMMU_PAGE_RESP_INVALID, 0, 0), 0);
	dma_join(&j);
	assert_int_equal(j.err, EFAULT);
	guest_teardown(&g);
}

/* ------------------------------------------------------------------ races */

struct responder {
	struct guest *g;
	pthread_t thread;
	bool stop;		/* atomic */
	unsigned int answered;
};

/* Answer every record, SUCCESS, after a varying delay; whoever is late gets EINVAL. */
static void *responder_thread(void *arg)
{
	struct responder *r = arg;
	unsigned int seen = 0;

	while (!__atomic_load_n(&r->stop, __ATOMIC_ACQUIRE)) {
		uint32_t grpid;

		pthread_mutex_lock(&hlog.lock);
		if (seen == hlog.n) {
			pthread_mutex_unlock(&hlog.lock);
			usleep(100);
			continue;
		}
		grpid = hlog.recs[seen % 64].prm.grpid;
		seen++;
		pthread_mutex_unlock(&hlog.lock);
		/*
		 * Answers race the 1 ms timeout from 0-1 ms after the
		 * request, and every fourth is surely late: a DMA whose
		 * answers keep winning retries, but at most four rounds.
		 */
		usleep(seen % 4 ? (seen * 7919u) % 1000u : 2000u);
		if (!respond(r->g, grpid, IOMMU_PAGE_RESP_SUCCESS, 0, 0))
			r->answered++;
	}
	return NULL;
}

/* Responses racing with 1 ms timeouts: every DMA ends one way or the other. */
static void test_race_response_timeout(void **state)
{
	struct responder r = { 0 };
	struct guest g;
	unsigned int i;
	int err;

	(void)state;
	guest_setup(&g, true, false, SIO_NO_PASID_VAL);
	assert_int_equal(sio_pcidev_fault_handler_register(g.index, handler, &hlog), 0);
	assert_int_equal(sio_dev_pri_set_timeout(g.index, 1), 0);
	r.g = &g;
	assert_int_equal(pthread_create(&r.thread, NULL, responder_thread, &r), 0);
	for (i = 0; i < 200; i++) {
		ssize_t res = dma_now(&g, GVA, 8, &err);

		/*
		 * SUCCESS with no PTE faults again, so each DMA ends by a
		 * timeout (or, with many late groups, a full PRQ).
		 */
		assert_int_equal(res, -1);
		assert_true(err == ETIMEDOUT || err == EFAULT);
	}
	__atomic_store_n(&r.stop, true, __ATOMIC_RELEASE);
	pthread_join(r.thread, NULL);
	assert_true(hlog_count() >= 200);
	/* Whatever is still pending ends with the function. */
	guest_teardown(&g);
}

/* The function destroyed while its DMA waits: the DMA ends, no group leaks. */
static void test_race_destroy_pending(void **state)
{
	unsigned int i;

	(void)state;
	for (i = 0; i < 20; i++) {
		struct dma_job j;
		struct guest g;

		guest_setup(&g, true, false, SIO_NO_PASID_VAL);
		assert_int_equal(sio_pcidev_fault_handler_register(g.index, handler, &hlog), 0);
		dma_start(&j, &g, false, GVA, 8);
		assert_true(hlog_wait(1));
		if (i & 1)
			assert_true(sio_pcidev_fault_abort_pending(g.index) <= 1);
		guest_teardown(&g);
		dma_join(&j);
		assert_int_equal(j.result, -1);
		assert_true(j.err == EFAULT || j.err == ENODEV);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_register_rules),
		cmocka_unit_test(test_group_records_pasid),
		cmocka_unit_test(test_group_records_rid),
		cmocka_unit_test(test_failure_disables_pri),
		cmocka_unit_test(test_handler_failure),
		cmocka_unit_test(test_abort_pending),
		cmocka_unit_test(test_release),
		cmocka_unit_test(test_timeout_then_destroy),
		cmocka_unit_test(test_no_handler_uses_queue),
		cmocka_unit_test(test_unrecoverable),
		cmocka_unit_test(test_smmu_failure_unrecoverable),
		cmocka_unit_test(test_async_dma),
		cmocka_unit_test(test_fork_in_handler),
		cmocka_unit_test(test_race_response_timeout),
		cmocka_unit_test(test_race_destroy_pending),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
