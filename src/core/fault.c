/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fault queues (FAULT objects): groups of page requests wait in FIFO order
 * until read() hands them out with a cookie, then in the delivered table
 * (cookie -> group) until a response or their attachment's end completes
 * them (spec iommufd-abi §4.15, §6, §7).
 *
 * Locking: fq->lock protects queue, delivered, the counts and the reader
 * notifier. Producers and attachment changes hold dev->lock around it, so
 * a group is never queued for an attachment that sio_fault_attach_gone()
 * has already swept. Completion callbacks run after fq->lock is dropped.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <softiommu/uapi/iommufd.h>

#include "base/compiler.h"
#include "base/idtable.h"
#include "base/uaccess.h"
#include "core/device.h"
#include "core/fault.h"
#include "core/hwpt.h"

struct sio_fault_group {
	struct sio_fault_group *next;	/* queue, or a list being completed */
	struct sio_device *dev;		/* valid while queued: its attachment is */
	struct sio_hwpt *hwpt;
	uint32_t key;			/* PASID of the attachment (0: the RID) */
	uint32_t dev_id;
	uint32_t cookie;		/* 0 until delivered */
	unsigned int n;
	sio_iopf_done_fn done;
	void *arg;
	struct sio_iopf reqs[];
};

struct sio_fault_queue {
	struct sio_object obj;
	pthread_mutex_t lock;
	struct sio_fault_group *head, **tail;	/* undelivered, oldest first */
	struct sio_idtable delivered;		/* cookie -> group */
	size_t nqueued;
	void (*notify)(void *arg, bool ready);
	void *notify_arg;
};

_Static_assert(sizeof(struct iommu_hwpt_pgfault) == SIO_IOPF_RECORD_SIZE, "record size");
_Static_assert(sizeof(struct iommu_hwpt_page_response) == SIO_IOPF_RESPONSE_SIZE,
	       "response size");

static void complete(struct sio_fault_group *g, uint32_t code)
{
	if (g->done)
		g->done(g->arg, code);
	free(g);
}

void sio_fault_complete_list(struct sio_fault_group *list)
{
	while (list) {
		struct sio_fault_group *next = list->next;

		complete(list, SIO_IOPF_RESP_INVALID);
		list = next;
	}
}

/* Tell the reader whether undelivered groups exist. fq->lock held. */
static void notify_locked(struct sio_fault_queue *fq)
{
	if (fq->notify)
		fq->notify(fq->notify_arg, fq->head != NULL);
}

/*
 * Move every queued and delivered group that @match accepts to the end of
 * *@list: queued ones in arrival order, then delivered ones by cookie.
 * fq->lock held.
 */
static void sweep_locked(struct sio_fault_queue *fq,
			 bool (*match)(const struct sio_fault_group *g, const void *key),
			 const void *key, struct sio_fault_group **list)
{
	struct sio_fault_group **pp = &fq->head, **out = list, *g;
	uint32_t id = 1;

	while (*out)
		out = &(*out)->next;
	while ((g = *pp)) {
		if (match(g, key)) {
			*pp = g->next;
			fq->nqueued--;
			g->next = NULL;
			*out = g;
			out = &g->next;
		} else {
			pp = &g->next;
		}
	}
	fq->tail = pp;
	while (sio_idtable_next(&fq->delivered, &id)) {
		g = sio_idtable_get(&fq->delivered, id);
		if (g && match(g, key)) {
			sio_idtable_free(&fq->delivered, id);
			g->next = NULL;
			*out = g;
			out = &g->next;
		}
		if (id == SIO_ID_MAX)
			break;
		id++;
	}
	notify_locked(fq);
}

static bool match_all(const struct sio_fault_group *g, const void *key)
{
	(void)g;
	(void)key;
	return true;
}

struct attach_key {
	const struct sio_hwpt *hwpt;
	const struct sio_device *dev;
	uint32_t pasid;
};

static bool match_attach(const struct sio_fault_group *g, const void *key)
{
	const struct attach_key *k = key;

	return g->hwpt == k->hwpt && g->dev == k->dev && g->key == k->pasid;
}

static void fault_destroy(struct sio_object *obj)
{
	struct sio_fault_queue *fq = container_of(obj, struct sio_fault_queue, obj);
	struct sio_fault_group *list = NULL;

	/* Normally empty: the fd and every HWPT referencing it are gone. */
	pthread_mutex_lock(&fq->lock);
	fq->notify = NULL;
	sweep_locked(fq, match_all, NULL, &list);
	pthread_mutex_unlock(&fq->lock);
	sio_fault_complete_list(list);
	sio_idtable_fini(&fq->delivered);
	pthread_mutex_destroy(&fq->lock);
	free(fq);
}

static const struct sio_object_ops fault_ops = {
	.destroy = fault_destroy,
};

int sio_fault_queue_alloc(struct sio_ctx *ctx, struct sio_fault_queue **out)
{
	struct sio_fault_queue *fq;
	struct sio_object *obj;
	int rc;

	rc = sio_object_alloc(ctx, sizeof(*fq), SIO_OBJ_FAULT, &fault_ops, &obj);
	if (rc)
		return rc;
	fq = container_of(obj, struct sio_fault_queue, obj);
	pthread_mutex_init(&fq->lock, NULL);
	fq->tail = &fq->head;
	sio_idtable_init(&fq->delivered);
	*out = fq;
	return 0;
}

struct sio_object *sio_fault_queue_obj(struct sio_fault_queue *fq)
{
	return &fq->obj;
}

struct sio_fault_queue *sio_fault_queue_get(struct sio_ctx *ctx, uint32_t id)
{
	struct sio_object *obj = sio_object_get(ctx, id, SIO_OBJ_FAULT);

	return obj ? container_of(obj, struct sio_fault_queue, obj) : NULL;
}

void sio_fault_queue_put(struct sio_fault_queue *fq)
{
	sio_object_put(&fq->obj);
}

void sio_fault_queue_set_reader(struct sio_fault_queue *fq, void (*notify)(void *arg, bool ready),
				void *arg)
{
	pthread_mutex_lock(&fq->lock);
	fq->notify = notify;
	fq->notify_arg = arg;
	notify_locked(fq);
	pthread_mutex_unlock(&fq->lock);
}

void sio_fault_queue_reader_gone(struct sio_fault_queue *fq)
{
	struct sio_fault_group *list = NULL;

	pthread_mutex_lock(&fq->lock);
	fq->notify = NULL;
	sweep_locked(fq, match_all, NULL, &list);
	pthread_mutex_unlock(&fq->lock);
	sio_fault_complete_list(list);
}

void sio_fault_queue_counts(struct sio_fault_queue *fq, size_t *queued, size_t *delivered)
{
	pthread_mutex_lock(&fq->lock);
	*queued = fq->nqueued;
	*delivered = fq->delivered.count;
	pthread_mutex_unlock(&fq->lock);
}

void sio_hwpt_set_fault(struct sio_hwpt *hwpt, struct sio_fault_queue *fq)
{
	sio_object_users_get(&fq->obj);
	hwpt->fault = fq;
}

void sio_hwpt_fault_release(struct sio_hwpt *hwpt)
{
	if (hwpt->fault)
		sio_object_users_put(&hwpt->fault->obj);
	hwpt->fault = NULL;
}

void sio_fault_attach_gone(struct sio_hwpt *hwpt, struct sio_device *dev, uint32_t pasid,
			   struct sio_fault_group **list)
{
	struct attach_key key = { .hwpt = hwpt, .dev = dev, .pasid = pasid };
	struct sio_fault_queue *fq = hwpt->fault;

	if (!fq)
		return;
	pthread_mutex_lock(&fq->lock);
	sweep_locked(fq, match_attach, &key, list);
	pthread_mutex_unlock(&fq->lock);
}

int sio_fault_queue_group(struct sio_hwpt *hwpt, struct sio_device *dev,
			  const struct sio_iopf *reqs, unsigned int n, sio_iopf_done_fn done, void *arg)
{
	struct sio_fault_queue *fq = hwpt->fault;
	struct sio_fault_group *g;
	uint32_t key;
	int rc = 0;

	if (!fq || !n)
		return -ENOENT;
	g = malloc(sizeof(*g) + n * sizeof(g->reqs[0]));
	if (!g)
		return -ENOMEM;
	memcpy(g->reqs, reqs, n * sizeof(g->reqs[0]));
	g->next = NULL;
	g->dev = dev;
	g->hwpt = hwpt;
	g->dev_id = dev->obj.id;
	g->cookie = 0;
	g->n = n;
	g->done = done;
	g->arg = arg;

	pthread_mutex_lock(&dev->lock);
	if (sio_device_iopf_route_locked(dev, reqs[0].pasid_valid, reqs[0].pasid, &key) != hwpt) {
		rc = -ENOENT;
		goto out_unlock_dev;
	}
	g->key = key;
	pthread_mutex_lock(&fq->lock);
	*fq->tail = g;
	fq->tail = &g->next;
	if (!fq->nqueued++)
		notify_locked(fq);
	pthread_mutex_unlock(&fq->lock);
out_unlock_dev:
	pthread_mutex_unlock(&dev->lock);
	if (rc)
		free(g);
	return rc;
}

static void fill_record(struct iommu_hwpt_pgfault *rec, const struct sio_fault_group *g,
			unsigned int i)
{
	const struct sio_iopf *r = &g->reqs[i];

	memset(rec, 0, sizeof(*rec));
	rec->flags = (r->pasid_valid ? IOMMU_PGFAULT_FLAGS_PASID_VALID : 0) |
		     (i == g->n - 1 ? IOMMU_PGFAULT_FLAGS_LAST_PAGE : 0);
	rec->dev_id = g->dev_id;
	rec->pasid = r->pasid_valid ? r->pasid : 0;
	rec->grpid = r->grpid;
	rec->perm = r->perm;
	rec->addr = r->addr;
	rec->length = r->length;
	rec->cookie = g->cookie;
}

/* Records staged per copy to the caller. */
#define STAGE_RECORDS 64

/*
 * One read() in progress: the records staged for the next copy and the
 * groups they belong to (taken off the queue, cookies assigned), which go
 * back to the head of the queue if that copy fails.
 */
struct read_state {
	uint64_t ubuf;
	size_t done;			/* bytes copied */
	size_t staged;			/* records in stage */
	struct sio_fault_group *batch, **batch_tail;
	struct iommu_hwpt_pgfault stage[STAGE_RECORDS];
};

/*
 * Copy the staged records out. If the copy faults, copy group by group as
 * far as possible (Linux copies per group and returns what it copied): the
 * groups not copied stay in the batch for unbatch_locked().
 */
static int flush_stage(struct read_state *rs)
{
	struct sio_fault_group *g;
	size_t off = 0;
	int rc = 0;

	if (rs->staged)
		rc = sio_copy_to_user(rs->ubuf + rs->done, rs->stage,
				      rs->staged * SIO_IOPF_RECORD_SIZE);
	if (!rc) {
		rs->done += rs->staged * SIO_IOPF_RECORD_SIZE;
	} else {
		for (g = rs->batch; g; g = g->next) {
			size_t len = (size_t)g->n * SIO_IOPF_RECORD_SIZE;

			rc = sio_copy_to_user(rs->ubuf + rs->done, &rs->stage[off], len);
			if (rc) {
				rs->batch = g;
				return rc;
			}
			rs->done += len;
			off += g->n;
		}
	}
	rs->staged = 0;
	rs->batch = NULL;
	rs->batch_tail = &rs->batch;
	return 0;
}

/* A group larger than the stage goes out record by record. */
static int copy_large(struct read_state *rs, const struct sio_fault_group *g)
{
	unsigned int i;
	int rc;

	for (i = 0; i < g->n; i++) {
		fill_record(rs->stage, g, i);
		rc = sio_copy_to_user(rs->ubuf + rs->done + (size_t)i * SIO_IOPF_RECORD_SIZE,
				      rs->stage, SIO_IOPF_RECORD_SIZE);
		if (rc)
			return rc;
	}
	rs->done += (size_t)g->n * SIO_IOPF_RECORD_SIZE;
	rs->batch = NULL;
	rs->batch_tail = &rs->batch;
	return 0;
}

/* Put the groups of a failed copy back at the head, cookies released. fq->lock held. */
static void unbatch_locked(struct sio_fault_queue *fq, struct read_state *rs)
{
	struct sio_fault_group *g;

	if (!rs->batch)
		return;
	for (g = rs->batch; g; g = g->next) {
		sio_idtable_free(&fq->delivered, g->cookie);
		g->cookie = 0;
		fq->nqueued++;
	}
	*rs->batch_tail = fq->head;
	if (!fq->head)
		fq->tail = rs->batch_tail;
	fq->head = rs->batch;
}

ssize_t sio_fault_queue_read(struct sio_fault_queue *fq, uint64_t ubuf, size_t count)
{
	struct read_state state, *rs = &state;
	struct sio_fault_group *g;
	int rc = 0;

	if (count % SIO_IOPF_RECORD_SIZE)
		return -ESPIPE;
	rs->ubuf = ubuf;
	rs->done = 0;
	rs->staged = 0;
	rs->batch = NULL;
	rs->batch_tail = &rs->batch;
	pthread_mutex_lock(&fq->lock);
	while ((g = fq->head)) {
		size_t len = (size_t)g->n * SIO_IOPF_RECORD_SIZE;
		unsigned int i;

		if (len > count - rs->done - rs->staged * SIO_IOPF_RECORD_SIZE) {
			/* Newer kernels: a first group that cannot fit is an error. */
			if (!rs->done && !rs->staged)
				rc = -EINVAL;
			break;
		}
		if (rs->staged + g->n > STAGE_RECORDS) {
			rc = flush_stage(rs);
			if (rc)
				break;
		}
		rc = sio_idtable_alloc(&fq->delivered, g, &g->cookie);
		if (rc)
			break;
		fq->head = g->next;
		if (!fq->head)
			fq->tail = &fq->head;
		fq->nqueued--;
		g->next = NULL;
		*rs->batch_tail = g;
		rs->batch_tail = &g->next;
		if (g->n > STAGE_RECORDS) {
			rc = copy_large(rs, g);
			if (rc)
				break;
			continue;
		}
		for (i = 0; i < g->n; i++)
			fill_record(&rs->stage[rs->staged++], g, i);
	}
	if (!rc)
		rc = flush_stage(rs);
	if (rc)
		unbatch_locked(fq, rs);
	notify_locked(fq);
	pthread_mutex_unlock(&fq->lock);
	return rs->done ? (ssize_t)rs->done : rc;
}

ssize_t sio_fault_queue_write(struct sio_fault_queue *fq, uint64_t ubuf, size_t count)
{
	struct iommu_hwpt_page_response resp;
	struct sio_fault_group *g;
	size_t done = 0;
	int rc = 0;

	if (count % SIO_IOPF_RESPONSE_SIZE)
		return -ESPIPE;
	while (done < count) {
		rc = sio_copy_from_user(&resp, ubuf + done, sizeof(resp));
		if (rc)
			break;
		if (resp.code != IOMMUFD_PAGE_RESP_SUCCESS &&
		    resp.code != IOMMUFD_PAGE_RESP_INVALID) {
			rc = -EINVAL;
			break;
		}
		pthread_mutex_lock(&fq->lock);
		g = resp.cookie ? sio_idtable_get(&fq->delivered, resp.cookie) : NULL;
		if (g)
			sio_idtable_free(&fq->delivered, resp.cookie);
		pthread_mutex_unlock(&fq->lock);
		if (!g) {
			rc = -EINVAL;
			break;
		}
		complete(g, resp.code);
		done += sizeof(resp);
	}
	return done ? (ssize_t)done : rc;
}
