/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Page request groups of emulated functions and the waits for their
 * responses (pri.h).
 *
 * Ordering (hw-model §5.5 item 7: a response must not overtake earlier
 * invalidations). A waiting DMA translates again only after its group's
 * completion, which runs inside the write() of the response to the fault
 * fd. Every invalidation user space can issue (IOMMU_HWPT_INVALIDATE,
 * IOMMU_IOAS_UNMAP, a vIOMMU command) has completed, IOTLB included, before
 * its call returned (iommu.h "Invalidation"), so one issued before the
 * response was written is complete before the retry's first lookup: the
 * synchronous invalidations give the queued-invalidation order for free.
 *
 * Lock order: bind lock (pcidev.h) -> the device's and fault queue's locks
 * (inside sio_device_iopf_hwpt() and sio_fault_queue_group(), called with
 * the function table's lock released) -> pri_lock (group_done() may run
 * under dev->lock of a detach). A function with a fault handler instead:
 * bind lock -> table lock (read, held while the handler is told) ->
 * the handler lock (core/dev_fault.c) -> pri_lock. pri_lock is a leaf:
 * nothing is called under it.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <softiommu/uapi/iommufd.h>

#include "base/compiler.h"
#include "core/dev_fault.h"
#include "core/device.h"
#include "core/fault.h"
#include "core/hwpt.h"
#include "core/pcidev.h"
#include "core/pri.h"

#define PAGE_SIZE_4K		4096ull

struct sio_pri_fn {
	int refs;				/* atomic */
	unsigned int timeout_ms;		/* atomic; 0: the default */
	uint64_t prgi_map[SIO_PRI_PRGI_COUNT / 64];	/* pri_lock */
	unsigned int prgi_next;			/* pri_lock: next PRGI tried */
};

struct sio_pri_group {
	int refs;				/* atomic: queue's + waiter's */
	struct sio_pri_fn *fn;			/* a reference */
	struct sio_iommu *iommu;		/* the machine's: lives as long as the process */
	unsigned int npages;
	unsigned int prgi;
	struct timespec deadline;		/* CLOCK_MONOTONIC */
	/* Under pri_lock: */
	bool completed;
	uint32_t code;
	bool async;				/* on the page request thread's list */
	pthread_cond_t cond;			/* a blocking waiter's */
	void (*cb)(void *arg, int result);	/* async */
	void *cb_arg;
	struct sio_pri_group *next;		/* async list */
};

static pthread_mutex_t pri_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned int default_timeout_ms = SIO_PRI_DEFAULT_TIMEOUT_MS;	/* atomic */
/* The page request thread (pri_lock): started on first need, lives for the process. */
static bool thread_started;
static pthread_cond_t thread_cond;
static struct sio_pri_group *async_list;

static void atfork_prepare(void)
{
	pthread_mutex_lock(&pri_lock);
}

static void atfork_parent(void)
{
	pthread_mutex_unlock(&pri_lock);
}

/*
 * The child's only thread took pri_lock in atfork_prepare(). The child has
 * no page request thread and no queue that could answer the parent's
 * groups: those are forgotten (their waiters are the parent's).
 */
static void atfork_child(void)
{
	thread_started = false;
	async_list = NULL;
	pthread_mutex_unlock(&pri_lock);
}

__attribute__((constructor)) static void pri_init(void)
{
	pthread_atfork(atfork_prepare, atfork_parent, atfork_child);
}

/* ------------------------------------------------------------- functions */

struct sio_pri_fn *sio_pri_fn_alloc(void)
{
	struct sio_pri_fn *fn = calloc(1, sizeof(*fn));

	if (fn)
		fn->refs = 1;
	return fn;
}

void sio_pri_fn_put(struct sio_pri_fn *fn)
{
	if (fn && !__atomic_sub_fetch(&fn->refs, 1, __ATOMIC_ACQ_REL))
		free(fn);
}

void sio_pri_fn_set_timeout(struct sio_pri_fn *fn, unsigned int timeout_ms)
{
	__atomic_store_n(&fn->timeout_ms, timeout_ms, __ATOMIC_RELAXED);
}

void sio_pri_set_default_timeout(unsigned int timeout_ms)
{
	__atomic_store_n(&default_timeout_ms, timeout_ms, __ATOMIC_RELAXED);
}

/* A free PRGI of @fn, lowest from the rotating cursor; -1 if none. pri_lock held. */
static int prgi_alloc_locked(struct sio_pri_fn *fn)
{
	unsigned int i;

	for (i = 0; i < SIO_PRI_PRGI_COUNT; i++) {
		unsigned int p = (fn->prgi_next + i) % SIO_PRI_PRGI_COUNT;

		if (!(fn->prgi_map[p / 64] & (1ull << (p % 64)))) {
			fn->prgi_map[p / 64] |= 1ull << (p % 64);
			fn->prgi_next = (p + 1) % SIO_PRI_PRGI_COUNT;
			return (int)p;
		}
	}
	return -1;
}

static void prgi_free_locked(struct sio_pri_fn *fn, unsigned int p)
{
	fn->prgi_map[p / 64] &= ~(1ull << (p % 64));
}

/* ---------------------------------------------------------------- groups */

static void group_put(struct sio_pri_group *g)
{
	if (__atomic_sub_fetch(&g->refs, 1, __ATOMIC_ACQ_REL))
		return;
	pthread_cond_destroy(&g->cond);
	sio_pri_fn_put(g->fn);
	free(g);
}

/*
 * The fault queue's completion (core/fault.h), exactly once per group: in
 * the thread of a response's write(), or of a detach, unbind or close
 * (possibly under the bind lock and dev->lock). Takes only leaf locks.
 */
static void group_done(void *arg, uint32_t code)
{
	struct sio_pri_group *g = arg;

	sio_iommu_prq_release(g->iommu, g->npages, true);
	pthread_mutex_lock(&pri_lock);
	prgi_free_locked(g->fn, g->prgi);
	g->completed = true;
	g->code = code;
	if (g->async)
		pthread_cond_signal(&thread_cond);
	else
		pthread_cond_broadcast(&g->cond);
	pthread_mutex_unlock(&pri_lock);
	group_put(g);
}

static bool fault_recoverable(const struct sio_fault *f)
{
	return f->stage == 1 &&
	       (f->reason == SIO_FAULT_NOT_PRESENT || f->reason == SIO_FAULT_PERM);
}

/* iommufd kept the 5.10 permission bits: one conversion serves both records. */
_Static_assert(IOMMU_PGFAULT_PERM_READ == IOMMU_FAULT_PERM_READ &&
	       IOMMU_PGFAULT_PERM_WRITE == IOMMU_FAULT_PERM_WRITE &&
	       IOMMU_PGFAULT_PERM_EXEC == IOMMU_FAULT_PERM_EXEC &&
	       IOMMU_PGFAULT_PERM_PRIV == IOMMU_FAULT_PERM_PRIV, "same permission bits");

static uint32_t access_to_perm(unsigned int access)
{
	return ((access & SIO_PT_R) ? IOMMU_PGFAULT_PERM_READ : 0) |
	       ((access & SIO_PT_W) ? IOMMU_PGFAULT_PERM_WRITE : 0) |
	       ((access & SIO_PT_X) ? IOMMU_PGFAULT_PERM_EXEC : 0) |
	       ((access & SIO_PT_PRIV) ? IOMMU_PGFAULT_PERM_PRIV : 0);
}

/*
 * The pages of the group: @f's, then each following page below rq->end
 * that faults recoverably (a page that translates is skipped; another
 * fault ends the scan: the transfer aborts there). Bind lock held.
 */
static unsigned int collect_pages(struct sio_iommu_dev *hw, const struct sio_pri_req *rq,
				  const struct sio_fault *f, uint64_t *pages)
{
	unsigned int max = sio_min(SIO_PRI_GROUP_MAX, sio_iommu_prq_depth(sio_iommu_dev_iommu(hw)));
	uint64_t page = f->iova & ~(PAGE_SIZE_4K - 1);
	unsigned int n = 0;

	pages[n++] = page;
	while (n < max && page + PAGE_SIZE_4K > page &&
	       page + PAGE_SIZE_4K < rq->end) {
		struct sio_xlate xl;
		int rc;

		page += PAGE_SIZE_4K;
		rc = sio_iommu_translate(hw, rq->has_pasid, rq->pasid, page, rq->access, &xl);
		if (!rc)
			continue;
		if (rc != -EACCES || !fault_recoverable(&xl.fault) ||
		    xl.fault.did != f->did)
			break;
		pages[n++] = page;
	}
	return n;
}

static void deadline_after(struct timespec *ts, unsigned int ms)
{
	clock_gettime(CLOCK_MONOTONIC, ts);
	ts->tv_sec += ms / 1000;
	ts->tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

static struct sio_pri_group *group_alloc(struct sio_pcidev *pdev, unsigned int npages)
{
	struct sio_pri_group *g = calloc(1, sizeof(*g));
	pthread_condattr_t attr;
	unsigned int ms;

	if (!g)
		return NULL;
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&g->cond, &attr);
	pthread_condattr_destroy(&attr);
	g->refs = 2;
	g->fn = pdev->pri;
	__atomic_add_fetch(&g->fn->refs, 1, __ATOMIC_RELAXED);
	g->iommu = pdev->iommu;
	g->npages = npages;
	ms = __atomic_load_n(&pdev->pri->timeout_ms, __ATOMIC_RELAXED);
	if (!ms)
		ms = __atomic_load_n(&default_timeout_ms, __ATOMIC_RELAXED);
	deadline_after(&g->deadline, ms);
	return g;
}

/*
 * A group of @n pages: its PRQ entries, its PRGI, and the implicit
 * invalidation of its pages' IOTLB entries. Bind lock held.
 */
static int group_prepare(struct sio_pcidev *pdev, const struct sio_fault *f,
			 const uint64_t *pages, unsigned int n, struct sio_pri_group **out)
{
	struct sio_pri_group *g;
	unsigned int i;
	int prgi, rc;

	rc = sio_iommu_prq_reserve(pdev->iommu, n);
	if (rc)
		return rc;
	g = group_alloc(pdev, n);
	if (!g) {
		rc = -ENOMEM;
		goto err_prq;
	}
	pthread_mutex_lock(&pri_lock);
	prgi = prgi_alloc_locked(pdev->pri);
	pthread_mutex_unlock(&pri_lock);
	/* Each group holds PRQ entries, so PRQ depth <= PRGIs keeps one free. */
	if (prgi < 0) {
		rc = -ENOSPC;
		goto err_group;
	}
	g->prgi = (unsigned int)prgi;
	/*
	 * Implicit invalidation (hw-model §1.9 step 2, VT-d): the retry must
	 * walk. An SMMU nested domain's entries are tagged by ASID, not by
	 * this DID, and the SMMU has no such step.
	 */
	for (i = 0; i < n; i++)
		if (f->fclass == SIO_FAULT_CLASS_NONE && f->did)
			sio_iommu_invalidate(pdev->iommu, f->did, pages[i], PAGE_SIZE_4K);
	*out = g;
	return 0;

err_group:
	g->refs = 1;
	group_put(g);
err_prq:
	sio_iommu_prq_release(pdev->iommu, n, false);
	return rc;
}

/* Undo group_prepare() of a group nobody else saw. */
static void group_unprepare(struct sio_pcidev *pdev, struct sio_pri_group *g)
{
	unsigned int n = g->npages;

	pthread_mutex_lock(&pri_lock);
	prgi_free_locked(pdev->pri, g->prgi);
	pthread_mutex_unlock(&pri_lock);
	g->refs = 1;
	group_put(g);
	sio_iommu_prq_release(pdev->iommu, n, false);
}

/* The group @g of @n pages onto @hwpt's fault queue. Bind lock held, @pdev bound. */
static int queue_records(struct sio_pcidev *pdev, struct sio_hwpt *hwpt,
			 const struct sio_pri_req *rq, const uint64_t *pages, unsigned int n,
			 struct sio_pri_group *g)
{
	struct sio_iopf reqs[SIO_PRI_GROUP_MAX];
	unsigned int i;
	int rc;

	memset(reqs, 0, sizeof(reqs));
	for (i = 0; i < n; i++) {
		reqs[i].pasid_valid = rq->has_pasid;
		reqs[i].pasid = rq->has_pasid ? rq->pasid : 0;
		reqs[i].grpid = g->prgi;
		reqs[i].perm = access_to_perm(rq->access);
		reqs[i].addr = pages[i];
	}
	rc = sio_fault_queue_group(hwpt, pdev->idev, reqs, n, group_done, g);
	/* -ENOENT: no queue any more (detach under way): the fault stands. */
	return rc == -ENOENT ? -EACCES : rc;
}

/*
 * The group @g of @n pages to the function's fault handler, as VT-d 5.10
 * fills page request records. Bind lock and table read lock held.
 * Return: as sio_dev_fault_report_group() (-ENOENT: no handler).
 */
static int report_records(struct sio_pcidev *pdev, const struct sio_pri_req *rq,
			  const uint64_t *pages, unsigned int n, struct sio_pri_group *g)
{
	struct iommu_fault recs[SIO_PRI_GROUP_MAX];
	unsigned int i;

	memset(recs, 0, sizeof(recs));
	for (i = 0; i < n; i++) {
		struct iommu_fault_page_request *prm = &recs[i].prm;

		recs[i].type = IOMMU_FAULT_PAGE_REQ;
		if (rq->has_pasid) {
			prm->flags = IOMMU_FAULT_PAGE_REQUEST_PASID_VALID |
				     IOMMU_FAULT_PAGE_RESPONSE_NEEDS_PASID;
			prm->pasid = rq->pasid;
		}
		if (i == n - 1)
			prm->flags |= IOMMU_FAULT_PAGE_REQUEST_LAST_PAGE;
		prm->grpid = g->prgi;
		prm->perm = access_to_perm(rq->access);
		prm->addr = pages[i];
	}
	return sio_dev_fault_report_group(pdev->fault, recs, n, group_done, g);
}

/*
 * Make @f's page and the following faulting pages a group, and deliver it
 * to @hwpt's fault queue, or (@hwpt NULL) to the function's fault handler.
 * Bind lock held; for the handler, the table read lock too.
 */
static int request_group(struct sio_pcidev *pdev, struct sio_hwpt *hwpt,
			 const struct sio_pri_req *rq, const struct sio_fault *f,
			 struct sio_pri_group **out)
{
	uint64_t pages[SIO_PRI_GROUP_MAX];
	struct sio_pri_group *g;
	unsigned int n;
	int rc;

	n = collect_pages(pdev->hw, rq, f, pages);
	rc = group_prepare(pdev, f, pages, n, &g);
	if (rc)
		return rc;
	if (hwpt)
		rc = queue_records(pdev, hwpt, rq, pages, n, g);
	else
		rc = report_records(pdev, rq, pages, n, g);
	if (rc) {
		group_unprepare(pdev, g);
		return rc;
	}
	*out = g;
	return 0;
}

int sio_pri_request(unsigned int index, const struct sio_pri_req *rq, const struct sio_fault *f,
		    struct sio_pri_group **out)
{
	struct sio_pcidev *pdev;
	struct sio_hwpt *hwpt;
	int rc;

	if (!fault_recoverable(f))
		return -EACCES;
	sio_pcidev_bind_lock();
	pdev = sio_pcidev_read_lock(index);
	if (!pdev) {
		rc = -ENODEV;
		goto out_bind;
	}
	if (!(pdev->cfg.caps & SIO_DEV_CAP_PRI) || sio_dev_fault_pri_disabled(pdev->fault)) {
		sio_pcidev_read_unlock();
		rc = -EACCES;
		goto out_bind;
	}
	/*
	 * A function with a fault handler reports there, bound or not
	 * (dev_fault.h); -ENOENT: the handler went away meanwhile.
	 */
	rc = -ENOENT;
	if (sio_dev_fault_has_handler(pdev->fault))
		rc = request_group(pdev, NULL, rq, f, out);
	if (rc != -ENOENT || !pdev->idev) {
		sio_pcidev_read_unlock();
		if (rc == -ENOENT)
			rc = -EACCES;
		goto out_bind;
	}
	/*
	 * A bound function has an open cdev fd, which unbinds under the bind
	 * lock before it drops its open: @pdev lives until the bind lock is
	 * released. The fault queue's calls want no device-model lock held.
	 */
	sio_pcidev_read_unlock();
	hwpt = sio_device_iopf_hwpt(pdev->idev, rq->has_pasid, rq->pasid);
	rc = -EACCES;
	if (!hwpt)
		goto out_bind;
	rc = request_group(pdev, hwpt, rq, f, out);
	sio_hwpt_put(hwpt);
out_bind:
	sio_pcidev_bind_unlock();
	return rc;
}

/* ----------------------------------------------------------------- waits */

static int result_locked(const struct sio_pri_group *g)
{
	return g->completed ? (int)g->code : -ETIMEDOUT;
}

int sio_pri_wait(struct sio_pri_group *g)
{
	int rc = 0, result;

	pthread_mutex_lock(&pri_lock);
	while (!g->completed && rc != ETIMEDOUT)
		rc = pthread_cond_timedwait(&g->cond, &pri_lock, &g->deadline);
	result = result_locked(g);
	pthread_mutex_unlock(&pri_lock);
	group_put(g);
	return result;
}

static bool before(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec < b->tv_sec || (a->tv_sec == b->tv_sec && a->tv_nsec < b->tv_nsec);
}

/*
 * Take the first group of the async list that is completed or past its
 * deadline; else NULL with *next the earliest deadline (tv_sec -1: none).
 * pri_lock held.
 */
static struct sio_pri_group *async_take_locked(struct timespec *next)
{
	struct sio_pri_group **pp, *g;
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	next->tv_sec = -1;
	for (pp = &async_list; (g = *pp); pp = &g->next) {
		if (g->completed || !before(&now, &g->deadline)) {
			*pp = g->next;
			return g;
		}
		if (next->tv_sec < 0 || before(&g->deadline, next))
			*next = g->deadline;
	}
	return NULL;
}

/* The page request thread: runs the callback of each async wait that completed or expired. */
static void *async_thread(void *unused)
{
	(void)unused;
	pthread_mutex_lock(&pri_lock);
	for (;;) {
		struct sio_pri_group *g;
		struct timespec next;
		int result;

		g = async_take_locked(&next);
		if (!g) {
			if (next.tv_sec < 0)
				pthread_cond_wait(&thread_cond, &pri_lock);
			else
				pthread_cond_timedwait(&thread_cond, &pri_lock, &next);
			continue;
		}
		result = result_locked(g);
		g->async = false;
		pthread_mutex_unlock(&pri_lock);
		g->cb(g->cb_arg, result);
		group_put(g);
		pthread_mutex_lock(&pri_lock);
	}
	return NULL;
}

/* Start the page request thread if it is not running. pri_lock held. */
static int thread_start_locked(void)
{
	pthread_condattr_t cattr;
	pthread_attr_t attr;
	pthread_t t;
	int rc;

	if (thread_started)
		return 0;
	pthread_condattr_init(&cattr);
	pthread_condattr_setclock(&cattr, CLOCK_MONOTONIC);
	pthread_cond_init(&thread_cond, &cattr);
	pthread_condattr_destroy(&cattr);
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	rc = pthread_create(&t, &attr, async_thread, NULL);
	pthread_attr_destroy(&attr);
	if (rc) {
		pthread_cond_destroy(&thread_cond);
		return -rc;
	}
	thread_started = true;
	return 0;
}

int sio_pri_wait_async(struct sio_pri_group *g, void (*fn)(void *arg, int result), void *arg)
{
	int rc;

	pthread_mutex_lock(&pri_lock);
	rc = thread_start_locked();
	if (!rc) {
		g->cb = fn;
		g->cb_arg = arg;
		g->async = true;
		g->next = async_list;
		async_list = g;
		pthread_cond_signal(&thread_cond);
	}
	pthread_mutex_unlock(&pri_lock);
	if (rc)
		group_put(g);
	return rc;
}
