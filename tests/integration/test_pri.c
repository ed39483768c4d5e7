/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Page requests (PRI) from device DMA (docs/faults.md "Page requests";
 * hw-model §5.5; iommufd-abi §6, §7): a VT-d function with PRI, guest RAM at
 * GPA 0 of a NEST_PARENT HWPT, a guest first-stage table missing the PTE of
 * the address the device uses, and a nested HWPT with a fault queue. The
 * DMA waits in one thread while another reads the fault fd, fills the PTE,
 * invalidates and answers; INVALID, timeouts, asynchronous DMA, groups,
 * the queue's overflow, functions without PRI, PASID requests, a paging
 * HWPT with a fault queue, SMMUv3 nesting, races with invalidation, fault
 * fd close, detach, unbind and context close.
 *
 * Built twice: through the C API (sio_open(), sio_ioctl(), ...), and with
 * PRI_PRELOAD through plain libc calls that the preload library serves.
 * The device side (sio_dev_*) is libsoftiommu's in both.
 */
#include <endian.h>
#include <fcntl.h>
#include <pthread.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <softiommu/softiommu.h>
#include <softiommu/uapi/iommufd.h>
#include <softiommu/uapi/vfio.h>

#define HARNESS_ISOLATE
#include "harness.h"

#ifdef PRI_PRELOAD
#define OPEN(p, f)		open(p, f)
#define IOCTL(fd, c, a)		ioctl(fd, c, a)
#define READ(fd, b, n)		read(fd, b, n)
#define WRITE(fd, b, n)		write(fd, b, n)
#define CLOSE(fd)		close(fd)
#else
/* OPEN, IOCTL and CLOSE: vtd_guest.h's defaults, the C API. */
#define READ(fd, b, n)		sio_read(fd, b, n)
#define WRITE(fd, b, n)		sio_write(fd, b, n)
#endif

#include "vtd_guest.h"

#define P_R_US		0x5ull

static int attach(struct guest *g, uint32_t pt_id)
{
	struct vfio_device_attach_iommufd_pt a = { .argsz = sizeof(a), .pt_id = pt_id };

	return IOCTL(g->devfd, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &a);
}

static int detach(struct guest *g)
{
	struct vfio_device_detach_iommufd_pt d = { .argsz = sizeof(d) };

	return IOCTL(g->devfd, VFIO_DEVICE_DETACH_IOMMUFD_PT, &d);
}

/*
 * A function (@pri: with PRI) bound to a new iommufd context, guest RAM in a
 * NEST_PARENT HWPT, a fault queue, and a nested HWPT (@queue: reporting to
 * the fault queue) attached at @pasid or the RID.
 */
static bool guest_setup_at(struct guest *g, bool pri, bool queue, uint32_t pasid)
{
	return vtd_guest_setup(g, 0x30, 2, (pri ? VTD_GUEST_PRI : 0) |
			       (queue ? VTD_GUEST_FAULT_QUEUE : VTD_GUEST_FAULT_ALLOC), pasid);
}

static bool guest_setup(struct guest *g, bool pri, bool queue)
{
	return guest_setup_at(g, pri, queue, SIO_NO_PASID_VAL);
}

static void sleep_ms(unsigned int ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Read up to @max records, waiting up to WAIT_MS for the first. Return: records read. */
static int read_faults(struct guest *g, struct iommu_hwpt_pgfault *rec, unsigned int max)
{
	uint64_t end = now_ms() + WAIT_MS;
	ssize_t n;

	do {
		n = READ(g->faultfd, rec, max * sizeof(*rec));
		if (n)
			return n < 0 ? -1 : (int)(n / (ssize_t)sizeof(*rec));
		sleep_ms(1);
	} while (now_ms() < end);
	return 0;
}

static ssize_t respond(struct guest *g, uint32_t cookie, uint32_t code)
{
	struct iommu_hwpt_page_response r = { .cookie = cookie, .code = code };

	return WRITE(g->faultfd, &r, sizeof(r));
}

static void stats(struct guest *g, struct sio_iommu_counters *c)
{
	REQUIRE_OK(sio_dev_iommu_stats(g->index, c));
}

TEST(dma_waits_for_success)
{
	struct sio_iommu_counters c0, c1;
	struct iommu_hwpt_pgfault rec[4];
	struct dma_job j;
	struct guest g;

	REQUIRE(guest_setup(&g, true, true));
	stats(&g, &c0);
	dma_start(&j, &g, false, GVA + 16, 13);
	REQUIRE(read_faults(&g, rec, 4) == 1);
	CHECK(!job_done(&j));
	CHECK_EQ(rec[0].flags, IOMMU_PGFAULT_FLAGS_LAST_PAGE);
	CHECK_EQ(rec[0].dev_id, g.devid);
	CHECK_EQ(rec[0].addr, GVA);
	CHECK_EQ(rec[0].perm, IOMMU_PGFAULT_PERM_READ);
	CHECK(rec[0].grpid < 512);
	/* The guest fills its PTE and invalidates before it answers (§5.5 item 7). */
	pte_set(&g, 0, P_RW_US);
	CHECK_OK(invalidate(&g, GVA, 1));
	CHECK_EQ(respond(&g, rec[0].cookie, IOMMUFD_PAGE_RESP_SUCCESS), 8);
	dma_join(&j);
	CHECK_EQ(j.result, 13);
	CHECK(!memcmp(j.buf, "aaaaaaaaaaaaa", 13));
	stats(&g, &c1);
	CHECK_EQ(c1.page_requests - c0.page_requests, 1);
	CHECK_EQ(c1.page_responses - c0.page_responses, 1);
	/* A second response to the same cookie is not outstanding any more. */
	CHECK_ERR(respond(&g, rec[0].cookie, IOMMUFD_PAGE_RESP_SUCCESS), EINVAL);
	/* A write asks for WRITE, and a read-only PTE is a permission request. */
	pte_set(&g, 1, P_R_US);
	CHECK_OK(invalidate(&g, GVA + 4096, 1));
	dma_start(&j, &g, true, GVA + 4096, 4);
	REQUIRE(read_faults(&g, rec, 4) == 1);
	CHECK_EQ(rec[0].addr, GVA + 4096);
	CHECK_EQ(rec[0].perm, IOMMU_PGFAULT_PERM_WRITE);
	pte_set(&g, 1, P_RW_US);
	CHECK_OK(invalidate(&g, GVA + 4096, 1));
	CHECK_EQ(respond(&g, rec[0].cookie, IOMMUFD_PAGE_RESP_SUCCESS), 8);
	dma_join(&j);
	CHECK_EQ(j.result, 4);
	CHECK(!memcmp(g.ram + DATA_GPA + 4096, "ZZZZ", 4));
	guest_teardown(&g);
}

TEST(success_without_fix_faults_again)
{
	struct iommu_hwpt_pgfault rec[2];
	struct dma_job j;
	struct guest g;

	REQUIRE(guest_setup(&g, true, true));
	dma_start(&j, &g, false, GVA, 8);
	REQUIRE(read_faults(&g, rec, 2) == 1);
	/* SUCCESS with the PTE still missing: the retry faults, a new group. */
	CHECK_EQ(respond(&g, rec[0].cookie, IOMMUFD_PAGE_RESP_SUCCESS), 8);
	REQUIRE(read_faults(&g, rec + 1, 1) == 1);
	CHECK(rec[1].grpid != rec[0].grpid);	/* a new group */
	CHECK_EQ(rec[1].addr, GVA);
	CHECK(!job_done(&j));
	CHECK_EQ(respond(&g, rec[1].cookie, IOMMUFD_PAGE_RESP_INVALID), 8);
	dma_join(&j);
	CHECK_EQ(j.result, -1);
	CHECK_EQ(j.err, EFAULT);
	guest_teardown(&g);
}

TEST(invalid_fails_with_efault)
{
	struct iommu_hwpt_pgfault rec;
	struct dma_job j;
	struct guest g;

	REQUIRE(guest_setup(&g, true, true));
	pte_set(&g, 0, P_RW_US);
	/* Page 0 transfers, page 1 faults: INVALID leaves it untouched. */
	dma_start(&j, &g, true, GVA + 4000, 200);
	REQUIRE(read_faults(&g, &rec, 1) == 1);
	CHECK_EQ(rec.addr, GVA + 4096);
	CHECK_EQ(respond(&g, rec.cookie, IOMMUFD_PAGE_RESP_INVALID), 8);
	dma_join(&j);
	CHECK_EQ(j.result, -1);
	CHECK_EQ(j.err, EFAULT);
	CHECK_EQ(j.fault.reason, SIO_DMA_FAULT_NOT_PRESENT);
	CHECK_EQ(j.fault.iova, GVA + 4096);
	CHECK_EQ(j.fault.done, 96);
	CHECK_EQ(j.fault.stage, 1);
	CHECK_EQ(j.fault.access, SIO_DMA_WRITE);
	CHECK(!memcmp(g.ram + DATA_GPA + 4000, "ZZZZ", 4));
	CHECK_EQ(g.ram[DATA_GPA + 4096], 'b');
	guest_teardown(&g);
}

struct xlate_job {
	struct guest *g;
	uint64_t iova;
	struct sio_dev_xlate xl;
	int rc;
};

static void *xlate_thread(void *arg)
{
	struct xlate_job *xj = arg;

	xj->rc = sio_dev_translate(xj->g->index, SIO_NO_PASID_VAL, xj->iova, SIO_DMA_READ,
				   &xj->xl);
	return NULL;
}

TEST(translate_waits_too)
{
	struct iommu_hwpt_pgfault rec;
	struct sio_dev_xlate xl;
	struct guest g;

	REQUIRE(guest_setup(&g, true, true));
	REQUIRE_OK(sio_dev_pri_set_timeout(g.index, 100));
	CHECK_ERR(sio_dev_translate(g.index, SIO_NO_PASID_VAL, GVA, SIO_DMA_READ | SIO_DMA_PRIV,
				    &xl), ETIMEDOUT);
	REQUIRE(read_faults(&g, &rec, 1) == 1);
	CHECK_EQ(rec.addr, GVA);
	CHECK_EQ(rec.perm, IOMMU_PGFAULT_PERM_READ | IOMMU_PGFAULT_PERM_PRIV);
	/* The abandoned group's late answer is accepted and changes nothing. */
	CHECK_EQ(respond(&g, rec.cookie, IOMMUFD_PAGE_RESP_SUCCESS), 8);
	/* Answered in time: the translation is retried and succeeds. */
	REQUIRE_OK(sio_dev_pri_set_timeout(g.index, 0));
	struct xlate_job xj = { .g = &g, .iova = GVA + 2 * 4096 + 5 };
	pthread_t t;

	REQUIRE(!pthread_create(&t, NULL, xlate_thread, &xj));
	REQUIRE(read_faults(&g, &rec, 1) == 1);
	CHECK_EQ(rec.addr, GVA + 2 * 4096);
	pte_set(&g, 2, P_RW_US);
	CHECK_OK(invalidate(&g, GVA + 2 * 4096, 1));
	CHECK_EQ(respond(&g, rec.cookie, IOMMUFD_PAGE_RESP_SUCCESS), 8);
	pthread_join(t, NULL);
	CHECK_EQ(xj.rc, 0);
	CHECK_EQ(xj.xl.addr, (uintptr_t)g.ram + DATA_GPA + 2 * 4096 + 5);
	CHECK_EQ(xj.xl.page_size, 4096);
	guest_teardown(&g);
}

TEST(timeout)
{
	struct sio_iommu_counters c0, c1;
	struct iommu_hwpt_pgfault rec;
	struct sio_dma_fault f;
	struct guest g;
	uint64_t t0, dt;
	char buf[8];

	REQUIRE(guest_setup(&g, true, true));
	CHECK_ERR(sio_dev_pri_set_timeout(g.index, 86400001), EINVAL);
	CHECK_ERR(sio_dev_pri_set_timeout(-1, 0), EINVAL);
	CHECK_ERR(sio_dev_pri_set_timeout(-2, 100), ENODEV);
	CHECK_ERR(sio_dev_pri_set_timeout(g.index + 1, 100), ENODEV);
	/* The default applies to a function without its own timeout. */
	REQUIRE_OK(sio_dev_pri_set_timeout(-1, 150));
	t0 = now_ms();
	CHECK_ERR(sio_dev_dma_read(g.index, SIO_NO_PASID_VAL, GVA, buf, 8), ETIMEDOUT);
	dt = now_ms() - t0;
	CHECK(dt >= 150 && dt < 150 + WAIT_MS);
	CHECK_OK(sio_dev_last_fault(g.index, &f));
	CHECK_EQ(f.reason, SIO_DMA_FAULT_NOT_PRESENT);
	CHECK_EQ(f.iova, GVA);
	/* The function's own timeout wins over the default; 0 returns to it. */
	REQUIRE_OK(sio_dev_pri_set_timeout(g.index, 20));
	t0 = now_ms();
	CHECK_ERR(sio_dev_dma_read(g.index, SIO_NO_PASID_VAL, GVA, buf, 8), ETIMEDOUT);
	dt = now_ms() - t0;
	CHECK(dt >= 20 && dt < 150);
	REQUIRE_OK(sio_dev_pri_set_timeout(g.index, 0));
	t0 = now_ms();
	CHECK_ERR(sio_dev_dma_read(g.index, SIO_NO_PASID_VAL, GVA, buf, 8), ETIMEDOUT);
	CHECK(now_ms() - t0 >= 150);
	REQUIRE_OK(sio_dev_pri_set_timeout(-1, SIO_DEV_PRI_TIMEOUT_MS_DEFAULT));
	/* The three abandoned groups are still queued; late answers are harmless. */
	stats(&g, &c0);
	for (int i = 0; i < 3; i++) {
		REQUIRE(read_faults(&g, &rec, 1) == 1);
		CHECK_EQ(respond(&g, rec.cookie, IOMMUFD_PAGE_RESP_SUCCESS), 8);
	}
	stats(&g, &c1);
	CHECK_EQ(c1.page_responses - c0.page_responses, 3);
	guest_teardown(&g);
}

struct async_result {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int calls;
	ssize_t result;
	int err;
	struct sio_dma_fault fault;
	int index;
	pthread_t thread;
};

static void async_done(void *arg, ssize_t result, int err)
{
	struct async_result *r = arg;

	pthread_mutex_lock(&r->lock);
	r->calls++;
	r->result = result;
	r->err = err;
	r->thread = pthread_self();
	if (result < 0)
		sio_dev_last_fault(r->index, &r->fault);
	pthread_cond_broadcast(&r->cond);
	pthread_mutex_unlock(&r->lock);
}

static void async_init(struct async_result *r, int index)
{
	memset(r, 0, sizeof(*r));
	pthread_mutex_init(&r->lock, NULL);
	pthread_cond_init(&r->cond, NULL);
	r->index = index;
}

/* Wait up to WAIT_MS for the completion; return the number of calls. */
static int async_wait(struct async_result *r)
{
	uint64_t end = now_ms() + WAIT_MS;
	int calls;

	for (;;) {
		pthread_mutex_lock(&r->lock);
		calls = r->calls;
		pthread_mutex_unlock(&r->lock);
		if (calls || now_ms() > end)
			return calls;
		sleep_ms(1);
	}
}

TEST(async_completion)
{
	struct iommu_hwpt_pgfault rec;
	struct async_result r;
	struct guest g;
	char out[5] = "ASYN";
	char in[8];

	REQUIRE(guest_setup(&g, true, true));
	async_init(&r, g.index);
	CHECK_ERR(sio_dev_dma_write_async(g.index, SIO_NO_PASID_VAL, GVA, out, 4, NULL, NULL),
		  EINVAL);
	CHECK_ERR(sio_dev_dma_write_async(-1, SIO_NO_PASID_VAL, GVA, out, 4, async_done, &r),
		  ENODEV);
	CHECK_ERR(sio_dev_dma_write_async(g.index, SIO_NO_PASID_VAL, UINT64_MAX, out, 4,
					  async_done, &r), EINVAL);
	CHECK_EQ(r.calls, 0);
	/* Waits: the call returns, the completion comes after the response. */
	CHECK_OK(sio_dev_dma_write_async(g.index, SIO_NO_PASID_VAL, GVA + 8, out, 4, async_done,
					 &r));
	REQUIRE(read_faults(&g, &rec, 1) == 1);
	sleep_ms(20);
	pthread_mutex_lock(&r.lock);
	CHECK_EQ(r.calls, 0);
	pthread_mutex_unlock(&r.lock);
	/* SUCCESS without a fix: the retry on the page request thread faults again. */
	CHECK_EQ(respond(&g, rec.cookie, IOMMUFD_PAGE_RESP_SUCCESS), 8);
	REQUIRE(read_faults(&g, &rec, 1) == 1);
	CHECK_EQ(rec.addr, GVA);
	pthread_mutex_lock(&r.lock);
	CHECK_EQ(r.calls, 0);
	pthread_mutex_unlock(&r.lock);
	pte_set(&g, 0, P_RW_US);
	CHECK_OK(invalidate(&g, GVA, 1));
	CHECK_EQ(respond(&g, rec.cookie, IOMMUFD_PAGE_RESP_SUCCESS), 8);
	CHECK_EQ(async_wait(&r), 1);
	CHECK_EQ(r.result, 4);
	CHECK_EQ(r.err, 0);
	CHECK(!pthread_equal(r.thread, pthread_self()));
	CHECK(!memcmp(g.ram + DATA_GPA + 8, "ASYN", 4));
	/* No page request: completed before the call returns, in this thread. */
	async_init(&r, g.index);
	CHECK_OK(sio_dev_dma_read_async(g.index, SIO_NO_PASID_VAL, GVA + 8, in, 4, async_done,
					&r));
	CHECK_EQ(r.calls, 1);
	CHECK_EQ(r.result, 4);
	CHECK(pthread_equal(r.thread, pthread_self()));
	CHECK(!memcmp(in, "ASYN", 4));
	/* INVALID: EFAULT, and the fault is readable inside the completion. */
	async_init(&r, g.index);
	CHECK_OK(sio_dev_dma_read_async(g.index, SIO_NO_PASID_VAL, GVA + 4096, in, 4,
					async_done, &r));
	REQUIRE(read_faults(&g, &rec, 1) == 1);
	CHECK_EQ(respond(&g, rec.cookie, IOMMUFD_PAGE_RESP_INVALID), 8);
	CHECK_EQ(async_wait(&r), 1);
	CHECK_EQ(r.result, -1);
	CHECK_EQ(r.err, EFAULT);
	CHECK_EQ(r.fault.iova, GVA + 4096);
	CHECK_EQ(r.fault.reason, SIO_DMA_FAULT_NOT_PRESENT);
	/* A timeout completes it with ETIMEDOUT. */
	REQUIRE_OK(sio_dev_pri_set_timeout(g.index, 30));
	async_init(&r, g.index);
	CHECK_OK(sio_dev_dma_read_async(g.index, SIO_NO_PASID_VAL, GVA + 8192, in, 4,
					async_done, &r));
	CHECK_EQ(async_wait(&r), 1);
	CHECK_EQ(r.err, ETIMEDOUT);
	sleep_ms(50);
	CHECK_EQ(r.calls, 1);
	guest_teardown(&g);
}

TEST(group_of_pages_one_response)
{
	struct sio_iommu_counters c0, c1;
	struct iommu_hwpt_pgfault rec[8];
	struct dma_job j;
	struct guest g;
	int n;

	REQUIRE(guest_setup(&g, true, true));
	/* Pages 0, 2 and 3 are missing, page 1 is there. */
	pte_set(&g, 1, P_RW_US);
	stats(&g, &c0);
	dma_start(&j, &g, false, GVA + 100, 4 * 4096 - 200);
	n = read_faults(&g, rec, 8);
	REQUIRE(n == 3);
	/* The implicit invalidation: one page-selective request per page queued. */
	stats(&g, &c1);
	CHECK_EQ(c1.invalidations - c0.invalidations, 3);
	for (int i = 0; i < 3; i++) {
		CHECK_EQ(rec[i].cookie, rec[0].cookie);
		CHECK_EQ(rec[i].grpid, rec[0].grpid);
		CHECK_EQ(rec[i].flags, i == 2 ? IOMMU_PGFAULT_FLAGS_LAST_PAGE : 0);
	}
	CHECK_EQ(rec[0].addr, GVA);
	CHECK_EQ(rec[1].addr, GVA + 2 * 4096);
	CHECK_EQ(rec[2].addr, GVA + 3 * 4096);
	pte_set(&g, 0, P_RW_US);
	pte_set(&g, 2, P_RW_US);
	pte_set(&g, 3, P_RW_US);
	CHECK_OK(invalidate(&g, GVA, 4));
	CHECK_EQ(respond(&g, rec[0].cookie, IOMMUFD_PAGE_RESP_SUCCESS), 8);
	dma_join(&j);
	CHECK_EQ(j.result, 4 * 4096 - 200);
	CHECK_EQ(j.buf[0], 'a');
	CHECK_EQ(j.buf[4096], 'b');
	CHECK_EQ(j.buf[2 * 4096], 'c');
	CHECK_EQ(j.buf[4 * 4096 - 201], 'd');
	stats(&g, &c1);
	CHECK_EQ(c1.invalidations - c0.invalidations, 3 + 1);
	CHECK_EQ(c1.page_requests - c0.page_requests, 3);
	CHECK_EQ(c1.page_responses - c0.page_responses, 1);
	guest_teardown(&g);
}

TEST(group_limits)
{
	struct iommu_hwpt_pgfault rec[20];
	struct dma_job j;
	struct guest g;

	REQUIRE(guest_setup(&g, true, true));
	/* 18 missing pages: a group takes the first 16, the rest faults after the retry. */
	dma_start(&j, &g, false, GVA, 18 * 4096);
	REQUIRE(read_faults(&g, rec, 20) == 16);
	CHECK_EQ(rec[15].flags, IOMMU_PGFAULT_FLAGS_LAST_PAGE);
	CHECK_EQ(rec[15].addr, GVA + 15 * 4096);
	for (unsigned int i = 0; i < 16; i++)
		pte_set(&g, i, P_RW_US);
	CHECK_OK(invalidate(&g, GVA, 16));
	CHECK_EQ(respond(&g, rec[0].cookie, IOMMUFD_PAGE_RESP_SUCCESS), 8);
	REQUIRE(read_faults(&g, rec, 20) == 2);
	CHECK_EQ(rec[0].addr, GVA + 16 * 4096);
	CHECK_EQ(rec[1].addr, GVA + 17 * 4096);
	pte_set(&g, 16, P_RW_US);
	pte_set(&g, 17, P_RW_US);
	CHECK_OK(invalidate(&g, GVA + 16 * 4096, 2));
	CHECK_EQ(respond(&g, rec[0].cookie, IOMMUFD_PAGE_RESP_SUCCESS), 8);
	dma_join(&j);
	CHECK_EQ(j.result, 18 * 4096);
	CHECK_EQ(j.buf[17 * 4096], 'r');
	/* A fault of another kind ends the group: page 1 is a stage-2 fault. */
	for (unsigned int i = 0; i < 18; i++)
		pte_set(&g, i, 0);
	*gpa_u64(&g, PTE_GPA + 8) = 0x10000000ull | P_RW_US;
	CHECK_OK(invalidate(&g, GVA, 18));
	dma_start(&j, &g, false, GVA, 3 * 4096);
	REQUIRE(read_faults(&g, rec, 20) == 1);
	CHECK_EQ(rec[0].addr, GVA);
	pte_set(&g, 0, P_RW_US);
	CHECK_OK(invalidate(&g, GVA, 1));
	CHECK_EQ(respond(&g, rec[0].cookie, IOMMUFD_PAGE_RESP_SUCCESS), 8);
	/* The retry reaches page 1: a stage-2 fault aborts, nothing more is queued. */
	dma_join(&j);
	CHECK_EQ(j.err, EFAULT);
	CHECK_EQ(j.fault.stage, 2);
	CHECK_EQ(j.fault.done, 4096);
	CHECK_EQ(READ(g.faultfd, rec, sizeof(rec)), 0);
	guest_teardown(&g);
}

TEST(without_pri_or_queue_aborts)
{
	struct iommu_hwpt_pgfault rec;
	struct sio_iommu_counters c0, c1;
	struct sio_dma_fault f;
	struct guest g;
	char buf[8];

	/* A function without PRI: the fault aborts at once, nothing is queued. */
	REQUIRE(guest_setup(&g, false, true));
	stats(&g, &c0);
	CHECK_ERR(sio_dev_dma_read(g.index, SIO_NO_PASID_VAL, GVA, buf, 8), EFAULT);
	CHECK_OK(sio_dev_last_fault(g.index, &f));
	CHECK_EQ(f.reason, SIO_DMA_FAULT_NOT_PRESENT);
	CHECK_EQ(READ(g.faultfd, &rec, sizeof(rec)), 0);
	stats(&g, &c1);
	CHECK_EQ(c1.page_requests, c0.page_requests);
	guest_teardown(&g);

	/* PRI, but the nested HWPT has no fault queue. */
	REQUIRE(guest_setup(&g, true, false));
	CHECK_ERR(sio_dev_dma_read(g.index, SIO_NO_PASID_VAL, GVA, buf, 8), EFAULT);
	CHECK_EQ(READ(g.faultfd, &rec, sizeof(rec)), 0);
	guest_teardown(&g);

	/* PRI and a queue, but a stage-2 fault: not recoverable by the guest. */
	REQUIRE(guest_setup(&g, true, true));
	*gpa_u64(&g, PTE_GPA) = 0x10000000ull | P_RW_US;	/* beyond guest RAM */
	CHECK_ERR(sio_dev_dma_read(g.index, SIO_NO_PASID_VAL, GVA, buf, 8), EFAULT);
	CHECK_OK(sio_dev_last_fault(g.index, &f));
	CHECK_EQ(f.stage, 2);
	CHECK_EQ(READ(g.faultfd, &rec, sizeof(rec)), 0);
	guest_teardown(&g);
}

TEST(queue_overflow)
{
	struct sio_iommu_counters c0, c1;
	struct iommu_hwpt_pgfault rec[4];
	struct sio_dma_fault f;
	struct dma_job j;
	struct guest g;
	char buf[8];

	REQUIRE(guest_setup(&g, true, true));
	CHECK_ERR(sio_dev_pri_set_queue_depth(g.index, 0), EINVAL);
	CHECK_ERR(sio_dev_pri_set_queue_depth(g.index, 513), EINVAL);
	CHECK_ERR(sio_dev_pri_set_queue_depth(-1, 1), ENODEV);
	REQUIRE_OK(sio_dev_pri_set_queue_depth(g.index, 1));
	stats(&g, &c0);
	/* A group is cut to the queue's depth: one page. */
	dma_start(&j, &g, false, GVA, 2 * 4096);
	REQUIRE(read_faults(&g, rec, 4) == 1);
	CHECK_EQ(rec[0].flags, IOMMU_PGFAULT_FLAGS_LAST_PAGE);
	/* The queue is full: dropped at once, and the overflow sticks... */
	CHECK_ERR(sio_dev_dma_read(g.index, SIO_NO_PASID_VAL, GVA + 8192, buf, 8), EFAULT);
	CHECK_OK(sio_dev_last_fault(g.index, &f));
	CHECK_EQ(f.reason, SIO_DMA_FAULT_PRQ_OVERFLOW);
	CHECK_EQ(f.iova, GVA + 8192);
	REQUIRE_OK(sio_dev_pri_set_queue_depth(g.index, 4));
	CHECK_ERR(sio_dev_dma_read(g.index, SIO_NO_PASID_VAL, GVA + 8192, buf, 8), EFAULT);
	CHECK_OK(sio_dev_last_fault(g.index, &f));
	CHECK_EQ(f.reason, SIO_DMA_FAULT_PRQ_OVERFLOW);
	/* ... until the queue drains. */
	pte_set(&g, 0, P_RW_US);
	pte_set(&g, 1, P_RW_US);
	CHECK_OK(invalidate(&g, GVA, 2));
	CHECK_EQ(respond(&g, rec[0].cookie, IOMMUFD_PAGE_RESP_SUCCESS), 8);
	dma_join(&j);
	CHECK_EQ(j.result, 2 * 4096);
	REQUIRE_OK(sio_dev_pri_set_timeout(g.index, 20));
	CHECK_ERR(sio_dev_dma_read(g.index, SIO_NO_PASID_VAL, GVA + 8192, buf, 8), ETIMEDOUT);
	stats(&g, &c1);
	CHECK_EQ(c1.prq_overflows - c0.prq_overflows, 2);
	CHECK_EQ(c1.page_requests - c0.page_requests, 2);
	REQUIRE_OK(sio_dev_pri_set_queue_depth(g.index, 256));
	guest_teardown(&g);
}

/* Another thread invalidating the guest's address all the time. */
struct inval_job {
	struct guest *g;
	int stop;		/* atomic */
};

static void *inval_thread(void *arg)
{
	struct inval_job *ij = arg;

	while (!__atomic_load_n(&ij->stop, __ATOMIC_ACQUIRE))
		invalidate(ij->g, GVA, 1);
	return NULL;
}

/* Eight blocking and eight asynchronous DMAs on different pages, one responder. */
TEST(many_waiters_one_responder)
{
	struct iommu_hwpt_pgfault rec[32];
	struct async_result r[8];
	struct dma_job j[8];
	char abuf[8][8];
	struct guest g;
	int answered = 0;
	uint64_t end;

	REQUIRE(guest_setup(&g, true, true));
	for (unsigned int i = 0; i < 8; i++) {
		dma_start(&j[i], &g, false, GVA + i * 4096, 8);
		async_init(&r[i], g.index);
		CHECK_OK(sio_dev_dma_read_async(g.index, SIO_NO_PASID_VAL, GVA + (8 + i) * 4096,
						abuf[i], 8, async_done, &r[i]));
	}
	end = now_ms() + WAIT_MS;
	while (answered < 16 && now_ms() < end) {
		ssize_t n = READ(g.faultfd, rec, sizeof(rec));

		if (n <= 0) {
			sleep_ms(1);
			continue;
		}
		for (unsigned int k = 0; k < n / sizeof(rec[0]); k++) {
			unsigned int page = (unsigned int)((rec[k].addr - GVA) / 4096);

			pte_set(&g, page, P_RW_US);
			CHECK_OK(invalidate(&g, rec[k].addr, 1));
			CHECK_EQ(respond(&g, rec[k].cookie, IOMMUFD_PAGE_RESP_SUCCESS), 8);
			answered++;
		}
	}
	CHECK_EQ(answered, 16);
	for (unsigned int i = 0; i < 8; i++) {
		dma_join(&j[i]);
		CHECK_EQ(j[i].result, 8);
		CHECK_EQ(j[i].buf[0], 'a' + (int)i);
		CHECK_EQ(async_wait(&r[i]), 1);
		CHECK_EQ(r[i].result, 8);
		CHECK_EQ(abuf[i][0], 'a' + 8 + (int)i);
	}
	guest_teardown(&g);
}

TEST(race_response_vs_invalidation)
{
	struct iommu_hwpt_pgfault rec;
	struct inval_job ij;
	struct dma_job j;
	struct guest g;
	pthread_t t;

	REQUIRE(guest_setup(&g, true, true));
	ij.g = &g;
	ij.stop = 0;
	REQUIRE(!pthread_create(&t, NULL, inval_thread, &ij));
	for (int i = 0; i < 50; i++) {
		dma_start(&j, &g, false, GVA + 4, 8);
		if (read_faults(&g, &rec, 1) != 1) {
			CHECK(false);
			dma_join(&j);
			break;
		}
		pte_set(&g, 0, P_RW_US);
		CHECK_OK(invalidate(&g, GVA, 1));
		CHECK_EQ(respond(&g, rec.cookie, IOMMUFD_PAGE_RESP_SUCCESS), 8);
		dma_join(&j);
		CHECK_EQ(j.result, 8);
		CHECK(!memcmp(j.buf, "aaaaaaaa", 8));
		pte_set(&g, 0, 0);
		CHECK_OK(invalidate(&g, GVA, 1));
	}
	__atomic_store_n(&ij.stop, 1, __ATOMIC_RELEASE);
	pthread_join(t, NULL);
	guest_teardown(&g);
}

/* The responder gets its own copy of the fd number: the main thread clears g->faultfd. */
struct close_job {
	int faultfd;
	uint32_t cookie;
	ssize_t result;
};

static void *respond_thread(void *arg)
{
	struct close_job *cj = arg;
	struct iommu_hwpt_page_response r = { .cookie = cj->cookie,
					      .code = IOMMUFD_PAGE_RESP_SUCCESS };

	cj->result = WRITE(cj->faultfd, &r, sizeof(r));
	return NULL;
}

TEST(race_response_vs_fd_close)
{
	struct iommu_hwpt_pgfault rec;
	struct close_job cj;
	struct dma_job j;
	struct guest g;
	pthread_t t;

	REQUIRE(guest_setup(&g, true, true));
	pte_set(&g, 0, P_RW_US);
	/* The PTE is there but not invalidated: nothing cached, the DMA faults on page 1. */
	dma_start(&j, &g, false, GVA + 4096, 8);
	REQUIRE(read_faults(&g, &rec, 1) == 1);
	pte_set(&g, 1, P_RW_US);
	CHECK_OK(invalidate(&g, GVA + 4096, 1));
	cj.faultfd = g.faultfd;
	cj.cookie = rec.cookie;
	REQUIRE(!pthread_create(&t, NULL, respond_thread, &cj));
	CLOSE(g.faultfd);
	g.faultfd = -1;
	pthread_join(t, NULL);
	dma_join(&j);
	/* Either the response or the close's INVALID completed it; it never hangs. */
	if (j.result == 8)
		CHECK(!memcmp(j.buf, "bbbbbbbb", 8));
	else
		CHECK_EQ(j.err, EFAULT);
	guest_teardown(&g);
}

TEST(fd_close_completes_waiting_dma)
{
	struct iommu_hwpt_pgfault rec;
	struct dma_job j;
	struct guest g;

	REQUIRE(guest_setup(&g, true, true));
	dma_start(&j, &g, false, GVA, 8);
	REQUIRE(read_faults(&g, &rec, 1) == 1);
	CLOSE(g.faultfd);
	g.faultfd = -1;
	dma_join(&j);
	CHECK_EQ(j.result, -1);
	CHECK_EQ(j.err, EFAULT);
	CHECK_EQ(j.fault.reason, SIO_DMA_FAULT_NOT_PRESENT);
	guest_teardown(&g);
}

TEST(detach_and_unbind_complete_waiting_dma)
{
	struct iommu_hwpt_pgfault rec;
	struct async_result r;
	struct dma_job j;
	struct guest g;
	char buf[8];

	REQUIRE(guest_setup(&g, true, true));
	/* Detach: INVALID for the attachment's groups, delivered or not. */
	dma_start(&j, &g, false, GVA, 8);
	REQUIRE(read_faults(&g, &rec, 1) == 1);
	async_init(&r, g.index);
	CHECK_OK(sio_dev_dma_read_async(g.index, SIO_NO_PASID_VAL, GVA + 4096, buf, 8,
					async_done, &r));
	CHECK_OK(detach(&g));
	dma_join(&j);
	CHECK_EQ(j.result, -1);
	CHECK_EQ(j.err, EFAULT);
	CHECK_EQ(async_wait(&r), 1);
	CHECK_EQ(r.err, EFAULT);
	/* The response to a completed group is refused. */
	CHECK_ERR(respond(&g, rec.cookie, IOMMUFD_PAGE_RESP_SUCCESS), EINVAL);
	/* Blocked now: DMA aborts. */
	CHECK_ERR(sio_dev_dma_read(g.index, SIO_NO_PASID_VAL, GVA, buf, 8), EFAULT);

	/* Unbind (the device fd closes) while a DMA waits. */
	REQUIRE_OK(attach(&g, g.nested));
	dma_start(&j, &g, false, GVA, 8);
	REQUIRE(read_faults(&g, &rec, 1) == 1);
	CLOSE(g.devfd);
	dma_join(&j);
	CHECK_EQ(j.result, -1);
	CHECK_EQ(j.err, EFAULT);
	g.devfd = -1;
	guest_teardown(&g);
}

struct race_detach_job {
	struct guest *g;
	int stop;		/* atomic */
	int ok, faulted, other, last_err;
};

static void *dma_loop_thread(void *arg)
{
	struct race_detach_job *rj = arg;
	char buf[8];

	while (!__atomic_load_n(&rj->stop, __ATOMIC_ACQUIRE)) {
		if (sio_dev_dma_read(rj->g->index, SIO_NO_PASID_VAL, GVA, buf, 8) == 8) {
			rj->ok++;
		} else if (errno == EFAULT) {
			__atomic_add_fetch(&rj->faulted, 1, __ATOMIC_RELAXED);
		} else {
			rj->other++;
			rj->last_err = errno;
		}
	}
	return NULL;
}

TEST(race_dma_vs_detach)
{
	struct iommu_hwpt_pgfault rec[16];
	struct race_detach_job rj = { 0 };
	struct guest g;
	pthread_t t;

	REQUIRE(guest_setup(&g, true, true));
	rj.g = &g;
	REQUIRE(!pthread_create(&t, NULL, dma_loop_thread, &rj));
	/* Until the DMA thread has seen 50 faults (aborted or INVALID), at least 100 rounds. */
	for (int i = 0; i < 100 || __atomic_load_n(&rj.faulted, __ATOMIC_RELAXED) < 50; i++) {
		if (i > 100000)
			break;
		CHECK_OK(detach(&g));
		CHECK_OK(attach(&g, g.nested));
		/* Drain what was delivered; the answers may come after the detach. */
		if (READ(g.faultfd, rec, sizeof(rec)) > 0)
			respond(&g, rec[0].cookie, IOMMUFD_PAGE_RESP_SUCCESS);
	}
	CHECK_OK(detach(&g));
	__atomic_store_n(&rj.stop, 1, __ATOMIC_RELEASE);
	pthread_join(t, NULL);
	CHECK(rj.faulted >= 50);
	CHECK_EQ(rj.ok, 0);
	CHECK_EQ(rj.other, 0);
	CHECK_EQ(rj.last_err, 0);
	guest_teardown(&g);
}

/*
 * A paging HWPT with a fault queue (user-space SVA emulation): the IOVA is
 * not mapped until the fault comes; the VMM maps it and answers.
 */
TEST(paging_hwpt_with_fault_queue)
{
	struct iommu_ioas_alloc alloc = { .size = sizeof(alloc) };
	struct iommu_fault_alloc fa = { .size = sizeof(fa) };
	struct iommu_hwpt_alloc hw = { .size = sizeof(hw), .flags = IOMMU_HWPT_FAULT_ID_VALID };
	struct sio_device_desc d = { .iommu = SIO_DEVICE_IOMMU_SMMUV3, .bus = 0x31,
				     .flags = SIO_DEVICE_PRI };
	struct iommu_ioas_map m = { .size = sizeof(m), .length = 4096, .iova = 0x100000,
		.flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE |
			 IOMMU_IOAS_MAP_WRITEABLE };
	struct iommu_hwpt_pgfault rec;
	struct dma_job j;
	struct guest g;
	char *page;

	memset(&g, 0, sizeof(g));
	g.pasid = SIO_NO_PASID_VAL;
	page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	REQUIRE(page != MAP_FAILED);
	memcpy(page, "sva page", 9);
	g.index = sio_device_create(&d);
	REQUIRE(g.index >= 0);
	REQUIRE_OK(guest_open_bind(&g));
	REQUIRE_OK(IOCTL(g.iommufd, IOMMU_IOAS_ALLOC, &alloc));
	REQUIRE_OK(IOCTL(g.iommufd, IOMMU_FAULT_QUEUE_ALLOC, &fa));
	g.faultfd = (int)fa.out_fault_fd;
	hw.dev_id = g.devid;
	hw.pt_id = alloc.out_ioas_id;
	hw.fault_id = fa.out_fault_id;
	REQUIRE_OK(IOCTL(g.iommufd, IOMMU_HWPT_ALLOC, &hw));
	REQUIRE_OK(attach(&g, hw.out_hwpt_id));
	dma_start(&j, &g, false, 0x100000, 9);
	REQUIRE(read_faults(&g, &rec, 1) == 1);
	CHECK_EQ(rec.addr, 0x100000);
	CHECK_EQ(rec.dev_id, g.devid);
	m.ioas_id = alloc.out_ioas_id;
	m.user_va = (uintptr_t)page;
	CHECK_OK(IOCTL(g.iommufd, IOMMU_IOAS_MAP, &m));
	CHECK_EQ(respond(&g, rec.cookie, IOMMUFD_PAGE_RESP_SUCCESS), 8);
	dma_join(&j);
	CHECK_EQ(j.result, 9);
	CHECK(!memcmp(j.buf, "sva page", 9));
	g.ram = mmap(NULL, RAM_SIZE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	guest_teardown(&g);
	munmap(page, 4096);
}

TEST(request_with_pasid)
{
	struct iommu_hwpt_pgfault rec;
	struct sio_dma_fault f;
	struct dma_job j;
	struct guest g;
	char buf[8];

	REQUIRE(guest_setup_at(&g, true, true, 5));
	dma_start(&j, &g, false, GVA, 8);
	REQUIRE(read_faults(&g, &rec, 1) == 1);
	CHECK_EQ(rec.flags, IOMMU_PGFAULT_FLAGS_PASID_VALID | IOMMU_PGFAULT_FLAGS_LAST_PAGE);
	CHECK_EQ(rec.pasid, 5);
	CHECK_EQ(rec.addr, GVA);
	pte_set(&g, 0, P_RW_US);
	CHECK_OK(invalidate(&g, GVA, 1));
	CHECK_EQ(respond(&g, rec.cookie, IOMMUFD_PAGE_RESP_SUCCESS), 8);
	dma_join(&j);
	CHECK_EQ(j.result, 8);
	CHECK(!memcmp(j.buf, "aaaaaaaa", 8));
	/* Nothing at PASID 6 nor at the RID (VT-d has no guest PASID table fallback). */
	CHECK_ERR(sio_dev_dma_read(g.index, 6, GVA + 4096, buf, 8), EFAULT);
	CHECK_OK(sio_dev_last_fault(g.index, &f));
	CHECK_EQ(f.reason, SIO_DMA_FAULT_BLOCKED);
	CHECK_ERR(sio_dev_dma_read(g.index, SIO_NO_PASID_VAL, GVA + 4096, buf, 8), EFAULT);
	CHECK_EQ(READ(g.faultfd, &rec, sizeof(rec)), 0);
	guest_teardown(&g);
}

TEST(context_close_completes_waiting_dma)
{
	struct iommu_hwpt_pgfault rec;
	struct dma_job j;
	struct guest g;

	REQUIRE(guest_setup(&g, true, true));
	REQUIRE_OK(sio_dev_pri_set_timeout(g.index, 3000));
	dma_start(&j, &g, false, GVA, 8);
	REQUIRE(read_faults(&g, &rec, 1) == 1);
	/* The iommufd and then the device fd go: the wait ends with INVALID, not the timeout. */
	uint64_t t0 = now_ms();

	CLOSE(g.iommufd);
	CLOSE(g.devfd);
	g.devfd = -1;
	g.iommufd = -1;
	dma_join(&j);
	CHECK_EQ(j.result, -1);
	CHECK_EQ(j.err, EFAULT);
	CHECK(now_ms() - t0 < 3000);
	guest_teardown(&g);
}

/*
 * SMMUv3 nesting: a guest STE (S1 translate) on a vIOMMU, its CD and VMSA
 * tables in guest RAM; the stage-1 translation fault of the missing L3
 * descriptor is a page request on the nested HWPT's queue.
 */
#define SMMU_CDTAB	0x8000ull
#define SMMU_DESC_TABLE	0x3ull
#define SMMU_DESC_PAGE	(0x3ull | (1ull << 10))

TEST(smmu_nested_page_request)
{
	struct iommu_ioas_alloc alloc = { .size = sizeof(alloc) };
	struct iommu_hwpt_alloc s2 = { .size = sizeof(s2), .flags = IOMMU_HWPT_ALLOC_NEST_PARENT };
	struct iommu_fault_alloc fa = { .size = sizeof(fa) };
	struct sio_device_desc d = { .iommu = SIO_DEVICE_IOMMU_SMMUV3, .bus = 0x32,
				     .flags = SIO_DEVICE_PRI };
	struct iommu_ioas_map m = { .size = sizeof(m), .length = RAM_SIZE,
		.flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE |
			 IOMMU_IOAS_MAP_WRITEABLE };
	struct iommu_viommu_alloc v = { .size = sizeof(v), .type = IOMMU_VIOMMU_TYPE_ARM_SMMUV3 };
	struct iommu_vdevice_alloc vd = { .size = sizeof(vd), .virt_id = 0x10 };
	/* STE word 0: V, Config S1 translate, S1ContextPtr. */
	struct iommu_hwpt_arm_smmuv3 ste = { .ste = { htole64(1ull | (5ull << 1) | SMMU_CDTAB) } };
	struct iommu_hwpt_alloc s1 = {
		.size = sizeof(s1), .flags = IOMMU_HWPT_FAULT_ID_VALID,
		.data_type = IOMMU_HWPT_DATA_ARM_SMMUV3, .data_len = sizeof(ste),
		.data_uptr = (uintptr_t)&ste,
	};
	struct iommu_hwpt_pgfault rec;
	struct dma_job j;
	struct guest g;
	uint64_t *cd;

	memset(&g, 0, sizeof(g));
	g.pasid = SIO_NO_PASID_VAL;
	g.ram = mmap(NULL, RAM_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	REQUIRE(g.ram != MAP_FAILED);
	g.index = sio_device_create(&d);
	REQUIRE(g.index >= 0);
	REQUIRE_OK(guest_open_bind(&g));
	REQUIRE_OK(IOCTL(g.iommufd, IOMMU_IOAS_ALLOC, &alloc));
	m.ioas_id = alloc.out_ioas_id;
	m.user_va = (uintptr_t)g.ram;
	REQUIRE_OK(IOCTL(g.iommufd, IOMMU_IOAS_MAP, &m));
	s2.dev_id = g.devid;
	s2.pt_id = alloc.out_ioas_id;
	REQUIRE_OK(IOCTL(g.iommufd, IOMMU_HWPT_ALLOC, &s2));
	REQUIRE_OK(attach(&g, s2.out_hwpt_id));
	v.dev_id = g.devid;
	v.hwpt_id = s2.out_hwpt_id;
	REQUIRE_OK(IOCTL(g.iommufd, IOMMU_VIOMMU_ALLOC, &v));
	vd.viommu_id = v.out_viommu_id;
	vd.dev_id = g.devid;
	REQUIRE_OK(IOCTL(g.iommufd, IOMMU_VDEVICE_ALLOC, &vd));
	REQUIRE_OK(IOCTL(g.iommufd, IOMMU_FAULT_QUEUE_ALLOC, &fa));
	g.faultfd = (int)fa.out_fault_fd;
	/* CD 0: T0SZ 16, EPD1, V, IPS 48 bits, AA64, R, A, ASID 5; TTB0 at IPA 0x1000. */
	cd = gpa_u64(&g, SMMU_CDTAB);
	cd[0] = 16 | (1ull << 30) | (1ull << 31) | (5ull << 32) | (1ull << 41) | (1ull << 45) |
		(1ull << 46) | (5ull << 48);
	cd[1] = 0x1000;
	*gpa_u64(&g, 0x1000) = 0x2000 | SMMU_DESC_TABLE;		/* L0[0] */
	*gpa_u64(&g, 0x2000 + 8) = 0x3000 | SMMU_DESC_TABLE;		/* L1[1] */
	*gpa_u64(&g, 0x3000) = 0x4000 | SMMU_DESC_TABLE;		/* L2[0]; L3 empty */
	memcpy(g.ram + DATA_GPA, "smmu page", 10);
	s1.dev_id = g.devid;
	s1.pt_id = v.out_viommu_id;
	s1.fault_id = fa.out_fault_id;
	REQUIRE_OK(IOCTL(g.iommufd, IOMMU_HWPT_ALLOC, &s1));
	REQUIRE_OK(attach(&g, s1.out_hwpt_id));

	dma_start(&j, &g, false, GVA, 10);
	REQUIRE(read_faults(&g, &rec, 1) == 1);
	CHECK_EQ(rec.addr, GVA);
	CHECK_EQ(rec.flags, IOMMU_PGFAULT_FLAGS_LAST_PAGE);
	CHECK_EQ(rec.perm, IOMMU_PGFAULT_PERM_READ);
	*gpa_u64(&g, 0x4000) = DATA_GPA | SMMU_DESC_PAGE;
	CHECK_EQ(respond(&g, rec.cookie, IOMMUFD_PAGE_RESP_SUCCESS), 8);
	dma_join(&j);
	CHECK_EQ(j.result, 10);
	CHECK(!memcmp(j.buf, "smmu page", 10));
	guest_teardown(&g);
}

HARNESS_MAIN()
