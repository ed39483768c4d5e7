/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Per-function fault handlers of the 2020 VFIO nested interface
 * (dev_fault.h).
 *
 * Which faults each IOMMU type reports to a handler (Linux 5.10 and Eric
 * Auger's SMMUv3 nested series):
 *  - page requests, both types: VT-d's record flags (PASID_VALID and
 *    NEEDS_PASID when the request has a PASID, LAST_PAGE on the group's
 *    last page; no PRIV_DATA: the functions send no private data);
 *  - VT-d: no unrecoverable fault (5.10 reported only page requests);
 *  - SMMUv3: the events the SMMU records (sio_smmu_event()) of types
 *    F_TRANSLATION, F_ADDR_SIZE, F_ACCESS, F_PERMISSION, C_BAD_SUBSTREAMID,
 *    F_CD_FETCH, C_BAD_CD and F_WALK_EABT; not C_BAD_STE nor
 *    F_STREAM_DISABLED. A fault the function's PRI turned into a page
 *    request is answered through the response and not reported again
 *    (pcidev.h sio_pcidev_report_fault()).
 *
 * Invariants: a group is on @pending from its report until it is completed
 * (exactly once, by whoever takes it off the list); at most one group per
 * grpid is pending, since grpids are PRGIs held until completion (pri.c).
 *
 * Locking: df->lock protects the handler and @pending. Callers reach @df
 * through the function table's read lock (pcidev.h), held across the use,
 * so the function cannot be destroyed meanwhile; destroy frees @df after
 * the function left the table. Lock order: bind lock -> table lock (read)
 * -> df->lock -> pri_lock (the completion, core/pri.c). The handler runs
 * under df->lock (and the table's read lock): it must not block nor call
 * into pcidev.h or this file. Completions run after df->lock is released.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/dev_fault.h"
#include "core/fault.h"
#include "core/pcidev.h"

struct pending {
	struct pending *next;
	struct iommu_fault rec;			/* the group's LAST_PAGE record */
	void (*done)(void *arg, uint32_t code);
	void *arg;
};

struct sio_dev_fault_fn {
	pthread_mutex_t lock;
	sio_dev_fault_handler handler;		/* lock; NULL: none */
	void *data;				/* lock */
	struct pending *pending;		/* lock: oldest first */
	bool pri_disabled;			/* atomic; written under lock */
};

struct sio_dev_fault_fn *sio_dev_fault_fn_alloc(void)
{
	struct sio_dev_fault_fn *df = calloc(1, sizeof(*df));

	if (df)
		pthread_mutex_init(&df->lock, NULL);
	return df;
}

/* Complete every group of the detached list @p with @code and free it. No lock held. */
static int complete_all(struct pending *p, uint32_t code)
{
	int n = 0;

	while (p) {
		struct pending *next = p->next;

		p->done(p->arg, code);
		free(p);
		p = next;
		n++;
	}
	return n;
}

void sio_dev_fault_fn_free(struct sio_dev_fault_fn *df)
{
	if (!df)
		return;
	complete_all(df->pending, SIO_IOPF_RESP_INVALID);
	pthread_mutex_destroy(&df->lock);
	free(df);
}

void sio_dev_fault_fn_atfork_child(struct sio_dev_fault_fn *df)
{
	pthread_mutex_init(&df->lock, NULL);
}

bool sio_dev_fault_pri_disabled(const struct sio_dev_fault_fn *df)
{
	return __atomic_load_n(&df->pri_disabled, __ATOMIC_ACQUIRE);
}

bool sio_dev_fault_has_handler(struct sio_dev_fault_fn *df)
{
	bool has;

	pthread_mutex_lock(&df->lock);
	has = df->handler;
	pthread_mutex_unlock(&df->lock);
	return has;
}

/*
 * The handler state of function @index with the function table read-locked
 * (the function cannot go) and df->lock held; NULL (nothing held): no such
 * function. fn_unlock() releases both.
 */
static struct sio_dev_fault_fn *fn_lock(unsigned int index)
{
	struct sio_pcidev *pdev = sio_pcidev_read_lock(index);
	struct sio_dev_fault_fn *df;

	if (!pdev)
		return NULL;
	df = pdev->fault;
	pthread_mutex_lock(&df->lock);
	return df;
}

static void fn_unlock(struct sio_dev_fault_fn *df)
{
	pthread_mutex_unlock(&df->lock);
	sio_pcidev_read_unlock();
}

int sio_pcidev_fault_handler_register(unsigned int index, sio_dev_fault_handler handler,
				      void *data)
{
	struct sio_dev_fault_fn *df = fn_lock(index);
	int rc = 0;

	if (!df)
		return -ENODEV;
	if (df->handler) {
		rc = -EBUSY;
	} else if (!handler) {
		rc = -EINVAL;
	} else {
		df->handler = handler;
		df->data = data;
	}
	fn_unlock(df);
	return rc;
}

int sio_pcidev_fault_handler_unregister(unsigned int index)
{
	struct sio_dev_fault_fn *df = fn_lock(index);
	int rc = 0;

	if (!df)
		return -ENODEV;
	if (df->handler && df->pending) {
		rc = -EBUSY;
	} else {
		df->handler = NULL;
		df->data = NULL;
	}
	fn_unlock(df);
	return rc;
}

/* Take every pending group of @index off its list (@reset: and enable PRI). */
static int take_pending(unsigned int index, bool reset)
{
	struct sio_dev_fault_fn *df = fn_lock(index);
	struct pending *list;
	int n;

	if (!df)
		return -ENODEV;
	list = df->pending;
	df->pending = NULL;
	if (reset)
		__atomic_store_n(&df->pri_disabled, false, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&df->lock);
	n = complete_all(list, SIO_IOPF_RESP_INVALID);
	sio_pcidev_read_unlock();
	return n;
}

int sio_pcidev_fault_handler_release(unsigned int index, sio_dev_fault_handler handler,
				     void *data)
{
	struct sio_dev_fault_fn *df = fn_lock(index);
	struct pending *list;
	int n;

	if (!df)
		return -ENODEV;
	if (!handler || df->handler != handler || df->data != data) {
		fn_unlock(df);
		return -ENOENT;
	}
	df->handler = NULL;
	df->data = NULL;
	list = df->pending;
	df->pending = NULL;
	pthread_mutex_unlock(&df->lock);
	n = complete_all(list, SIO_IOPF_RESP_INVALID);
	sio_pcidev_read_unlock();
	return n;
}

int sio_pcidev_fault_abort_pending(unsigned int index)
{
	return take_pending(index, false);
}

int sio_pcidev_fault_reset(unsigned int index)
{
	int rc = take_pending(index, true);

	return rc < 0 ? rc : 0;
}

/* The pending group @msg answers, taken off the list; NULL if none. df->lock held. */
static struct pending *match_locked(struct sio_dev_fault_fn *df,
				    const struct iommu_page_response *msg)
{
	bool has_pasid = msg->flags & IOMMU_PAGE_RESP_PASID_VALID;
	struct pending **pp, *p;

	for (pp = &df->pending; (p = *pp); pp = &p->next) {
		const struct iommu_fault_page_request *prm = &p->rec.prm;

		if (prm->grpid != msg->grpid)
			continue;
		/* A PASID the request does not need is ignored (5.10 clears it). */
		if ((prm->flags & IOMMU_FAULT_PAGE_RESPONSE_NEEDS_PASID) &&
		    (!has_pasid || msg->pasid != prm->pasid))
			continue;
		*pp = p->next;
		return p;
	}
	return NULL;
}

int sio_pcidev_page_response(unsigned int index, const struct iommu_page_response *msg)
{
	struct sio_dev_fault_fn *df = fn_lock(index);
	struct pending *p = NULL;
	int rc = -EINVAL;

	if (!df)
		return -ENODEV;
	if (!df->handler)
		goto out_unlock;
	if (msg->version != IOMMU_PAGE_RESP_VERSION_1 ||
	    (msg->flags & ~(uint32_t)IOMMU_PAGE_RESP_PASID_VALID))
		goto out_unlock;
	p = match_locked(df, msg);
	if (!p)
		goto out_unlock;
	/* PCIe Response Failure: the function stops sending page requests. */
	if (msg->code == IOMMU_PAGE_RESP_FAILURE)
		__atomic_store_n(&df->pri_disabled, true, __ATOMIC_RELEASE);
	rc = 0;
out_unlock:
	pthread_mutex_unlock(&df->lock);
	if (p) {
		/* Codes other than SUCCESS are not "retry": the DMA fails. */
		p->done(p->arg, msg->code == IOMMU_PAGE_RESP_SUCCESS ? SIO_IOPF_RESP_SUCCESS :
								       SIO_IOPF_RESP_INVALID);
		free(p);
	}
	sio_pcidev_read_unlock();
	return rc;
}

int sio_dev_fault_report_group(struct sio_dev_fault_fn *df, const struct iommu_fault *recs,
			       unsigned int n, void (*done)(void *arg, uint32_t code), void *arg)
{
	struct pending *p, **pp;
	unsigned int i;
	int rc = 0;

	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->rec = recs[n - 1];
	p->done = done;
	p->arg = arg;
	pthread_mutex_lock(&df->lock);
	if (!df->handler) {
		pthread_mutex_unlock(&df->lock);
		free(p);
		return -ENOENT;
	}
	for (i = 0; i < n && !rc; i++) {
		/* Pending before the handler sees the LAST_PAGE record, as in 5.10. */
		if (i == n - 1) {
			for (pp = &df->pending; *pp; pp = &(*pp)->next)
				;
			*pp = p;
		}
		rc = df->handler(df->data, &recs[i]);
	}
	if (rc) {
		/* Not taken: off the list again (5.10), and the request ends INVALID (VT-d). */
		if (i == n) {
			for (pp = &df->pending; *pp != p; pp = &(*pp)->next)
				;
			*pp = p->next;
		}
	}
	pthread_mutex_unlock(&df->lock);
	if (rc) {
		done(arg, SIO_IOPF_RESP_INVALID);
		free(p);
	}
	return 0;
}

/* The 5.10 reason and flags of an SMMUv3 event type; false: not reported. */
static bool smmu_reason(unsigned int type, uint32_t *reason, uint32_t *flags)
{
	*flags = 0;
	switch (type) {
	case SIO_SMMU_EVT_F_TRANSLATION:
		*reason = IOMMU_FAULT_REASON_PTE_FETCH;
		*flags = IOMMU_FAULT_UNRECOV_ADDR_VALID;
		return true;
	case SIO_SMMU_EVT_F_ADDR_SIZE:
		*reason = IOMMU_FAULT_REASON_OOR_ADDRESS;
		*flags = IOMMU_FAULT_UNRECOV_ADDR_VALID;
		return true;
	case SIO_SMMU_EVT_F_ACCESS:
		*reason = IOMMU_FAULT_REASON_ACCESS;
		*flags = IOMMU_FAULT_UNRECOV_ADDR_VALID;
		return true;
	case SIO_SMMU_EVT_F_PERMISSION:
		*reason = IOMMU_FAULT_REASON_PERMISSION;
		*flags = IOMMU_FAULT_UNRECOV_ADDR_VALID;
		return true;
	case SIO_SMMU_EVT_C_BAD_SUBSTREAMID:
		*reason = IOMMU_FAULT_REASON_PASID_INVALID;
		return true;
	case SIO_SMMU_EVT_F_CD_FETCH:
		*reason = IOMMU_FAULT_REASON_PASID_FETCH;
		*flags = IOMMU_FAULT_UNRECOV_FETCH_ADDR_VALID;
		return true;
	case SIO_SMMU_EVT_C_BAD_CD:
		*reason = IOMMU_FAULT_REASON_BAD_PASID_ENTRY;
		return true;
	case SIO_SMMU_EVT_F_WALK_EABT:
		*reason = IOMMU_FAULT_REASON_WALK_EABT;
		*flags = IOMMU_FAULT_UNRECOV_ADDR_VALID | IOMMU_FAULT_UNRECOV_FETCH_ADDR_VALID;
		return true;
	default:
		return false;
	}
}

/*
 * The record of an SMMUv3 event, as the 5.10 driver decodes one: perm from
 * RnW/InD/PnU (RnW clear reads as a write), addr from the InputAddr word,
 * fetch_addr from the FetchAddr word (softiommu fills it where the flag
 * says it is valid; Eric's v15 set the flag only).
 */
static bool smmu_record(const struct sio_fault *f, struct iommu_fault *rec)
{
	struct iommu_fault_unrecoverable *ev = &rec->event;
	uint64_t evt[4];
	uint32_t reason, flags;

	if (!sio_smmu_event(f, evt) || !smmu_reason(evt[0] & SIO_SMMU_EVT0_TYPE, &reason, &flags))
		return false;
	memset(rec, 0, sizeof(*rec));
	rec->type = IOMMU_FAULT_DMA_UNRECOV;
	ev->reason = reason;
	ev->flags = flags;
	ev->perm = (evt[1] & SIO_SMMU_EVT1_RNW) ? IOMMU_FAULT_PERM_READ : IOMMU_FAULT_PERM_WRITE;
	if (evt[1] & SIO_SMMU_EVT1_IND)
		ev->perm |= IOMMU_FAULT_PERM_EXEC;
	if (evt[1] & SIO_SMMU_EVT1_PNU)
		ev->perm |= IOMMU_FAULT_PERM_PRIV;
	ev->addr = evt[2];
	if (flags & IOMMU_FAULT_UNRECOV_FETCH_ADDR_VALID)
		ev->fetch_addr = evt[3] & SIO_SMMU_EVT3_FETCH_MASK;
	if (evt[0] & SIO_SMMU_EVT0_SSV) {
		ev->flags |= IOMMU_FAULT_UNRECOV_PASID_VALID;
		ev->pasid = (uint32_t)(evt[0] >> SIO_SMMU_EVT0_SSID_SHIFT) & 0xfffff;
	}
	return true;
}

void sio_dev_fault_report_unrecov(struct sio_pcidev *pdev, const struct sio_fault *f)
{
	struct sio_dev_fault_fn *df = pdev->fault;
	struct iommu_fault rec;

	if (pdev->cfg.type != SIO_IOMMU_SMMUV3)
		return;
	if (!smmu_record(f, &rec))
		return;
	pthread_mutex_lock(&df->lock);
	/* Nothing waits for an unrecoverable record: the handler's refusal is its loss. */
	if (df->handler)
		(void)df->handler(df->data, &rec);
	pthread_mutex_unlock(&df->lock);
}
