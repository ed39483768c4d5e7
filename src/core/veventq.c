/* SPDX-License-Identifier: BSD-3-Clause */
/* vEVENTQ objects and their queue protocol (core/veventq.h). */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <softiommu/uapi/iommufd.h>

#include "base/compiler.h"
#include "base/log.h"
#include "base/uaccess.h"
#include "core/veventq.h"
#include "core/viommu.h"

struct sio_vevent {
	struct sio_vevent *next;
	uint32_t sequence;
	uint32_t len;
	uint8_t data[];
};

#define HDR_SIZE sizeof(struct iommufd_vevent_header)

static bool ready_locked(const struct sio_veventq *q)
{
	return q->head || q->lost_queued;
}

static void notify_locked(struct sio_veventq *q)
{
	if (q->notify)
		q->notify(q->notify_arg, ready_locked(q));
}

/* The sequence number of the element being queued. q->lock held. */
static uint32_t next_sequence_locked(struct sio_veventq *q)
{
	uint32_t seq = q->sequence;

	q->sequence = (seq + 1) & INT_MAX;
	return seq;
}

/*
 * Take @q off its vIOMMU's list and free what it holds. An allocation that
 * lost the race for its type was never linked and has no vIOMMU.
 */
static void veventq_destroy(struct sio_object *obj)
{
	struct sio_veventq *q = container_of(obj, struct sio_veventq, obj);
	struct sio_viommu *viommu = q->viommu;
	struct sio_veventq **pp;
	struct sio_vevent *e;

	if (!viommu)
		goto out_free;
	pthread_mutex_lock(&viommu->lock);
	for (pp = &viommu->veventqs; *pp; pp = &(*pp)->next) {
		if (*pp == q) {
			*pp = q->next;
			break;
		}
	}
	pthread_mutex_unlock(&viommu->lock);
	while ((e = q->head)) {
		q->head = e->next;
		free(e);
	}
	if (q->notify)
		sio_err("vEVENTQ %u destroyed with its file open", q->obj.id);
	sio_object_users_put(&viommu->obj);
out_free:
	pthread_mutex_destroy(&q->lock);
	free(q);
}

static const struct sio_object_ops veventq_ops = {
	.destroy = veventq_destroy,
};

/* @viommu's vEVENTQ of @type, or NULL. viommu->lock held. */
static struct sio_veventq *find_locked(struct sio_viommu *viommu, uint32_t type)
{
	struct sio_veventq *q;

	for (q = viommu->veventqs; q; q = q->next)
		if (q->type == type)
			return q;
	return NULL;
}

int sio_veventq_alloc(struct sio_ctx *ctx, struct sio_viommu *viommu, uint32_t type,
		      uint32_t depth, struct sio_veventq **out)
{
	struct sio_object *obj;
	struct sio_veventq *q;
	int rc;

	rc = sio_object_alloc(ctx, sizeof(*q), SIO_OBJ_VEVENTQ, &veventq_ops, &obj);
	if (rc)
		return rc;
	q = container_of(obj, struct sio_veventq, obj);
	q->type = type;
	q->depth = depth;
	pthread_mutex_init(&q->lock, NULL);

	/* The check and the link are one step: a second queue of @type cannot slip in. */
	pthread_mutex_lock(&viommu->lock);
	if (find_locked(viommu, type)) {
		rc = -EEXIST;
	} else {
		sio_object_users_get(&viommu->obj);
		q->viommu = viommu;
		q->next = viommu->veventqs;
		viommu->veventqs = q;
	}
	pthread_mutex_unlock(&viommu->lock);
	if (rc) {
		sio_object_abort(obj);
		return rc;
	}
	*out = q;
	return 0;
}

int sio_viommu_report_event(struct sio_viommu *viommu, uint32_t type, const void *data,
			    size_t len)
{
	struct sio_vevent *e;
	struct sio_veventq *q;
	int rc = 0;

	/* Allocated before any lock is taken; freed again when the queue is full. */
	e = len <= UINT32_MAX ? malloc(sizeof(*e) + len) : NULL;
	if (e) {
		e->next = NULL;
		e->len = (uint32_t)len;
		memcpy(e->data, data, len);
	}
	pthread_mutex_lock(&viommu->lock);
	q = find_locked(viommu, type);
	if (!q) {
		pthread_mutex_unlock(&viommu->lock);
		free(e);
		return -EOPNOTSUPP;
	}
	pthread_mutex_lock(&q->lock);
	if (!e || q->num_events >= q->depth) {
		if (!e)
			rc = -ENOMEM;
		free(e);
		/* (Re)queue the LOST_EVENTS element: it moves to the tail. */
		q->lost_queued = true;
		q->lost_sequence = next_sequence_locked(q);
	} else {
		/* A real event takes the LOST_EVENTS element's place at the tail. */
		q->lost_queued = false;
		e->sequence = next_sequence_locked(q);
		if (q->tail)
			q->tail->next = e;
		else
			q->head = e;
		q->tail = e;
		q->num_events++;
	}
	notify_locked(q);
	pthread_mutex_unlock(&q->lock);
	pthread_mutex_unlock(&viommu->lock);
	return rc;
}

ssize_t sio_veventq_read(struct sio_veventq *q, uint64_t ubuf, size_t count)
{
	struct iommufd_vevent_header hdr;
	size_t done = 0;
	int rc = 0;

	if (count < HDR_SIZE)
		return -EINVAL;
	/*
	 * The copies run under q->lock: they never block (a bad address fails
	 * at once), and an event leaves the queue only once it reached the
	 * caller whole.
	 */
	pthread_mutex_lock(&q->lock);
	while (q->head) {
		struct sio_vevent *e = q->head;

		if (HDR_SIZE + e->len > count - done) {
			/* Newer kernels: a first event that cannot fit is an error. */
			if (!done)
				rc = -EINVAL;
			goto out_unlock;
		}
		hdr.flags = 0;
		hdr.sequence = e->sequence;
		rc = sio_copy_to_user(ubuf + done, &hdr, HDR_SIZE);
		if (!rc)
			rc = sio_copy_to_user(ubuf + done + HDR_SIZE, e->data, e->len);
		if (rc)
			goto out_unlock;
		done += HDR_SIZE + e->len;
		q->head = e->next;
		if (!q->head)
			q->tail = NULL;
		q->num_events--;
		free(e);
	}
	if (q->lost_queued && count - done >= HDR_SIZE) {
		hdr.flags = IOMMU_VEVENTQ_FLAG_LOST_EVENTS;
		hdr.sequence = q->lost_sequence;
		rc = sio_copy_to_user(ubuf + done, &hdr, HDR_SIZE);
		if (!rc) {
			done += HDR_SIZE;
			q->lost_queued = false;
		}
	}
out_unlock:
	if (done)
		notify_locked(q);
	pthread_mutex_unlock(&q->lock);
	return done ? (ssize_t)done : rc;
}

void sio_veventq_set_notify(struct sio_veventq *q, void (*notify)(void *arg, bool ready),
			    void *arg)
{
	pthread_mutex_lock(&q->lock);
	q->notify = notify;
	q->notify_arg = arg;
	notify_locked(q);
	pthread_mutex_unlock(&q->lock);
}
