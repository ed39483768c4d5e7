/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The vEVENTQ queue protocol in the core (core/veventq.h, spec
 * iommufd-abi §8) where the ABI cannot reach in reasonable time: the
 * sequence counter wrapping from INT_MAX to 0, for events and for the
 * LOST_EVENTS element, on a vIOMMU of the core alone.
 */
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <softiommu/uapi/iommufd.h>

#include "core/ctx.h"
#include "core/veventq.h"
#include "core/viommu.h"

#define TYPE 0x77u

struct rec {
	struct iommufd_vevent_header hdr;
	uint32_t payload;
};

struct fixture {
	struct sio_ctx *ctx;
	struct sio_viommu viommu;
	struct sio_veventq *q;
	int ready_calls;
	bool ready;
};

static void on_ready(void *arg, bool ready)
{
	struct fixture *f = arg;

	f->ready_calls++;
	f->ready = ready;
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->ctx = sio_ctx_create(0);
	assert_non_null(f->ctx);
	f->viommu.obj.users = 1;
	pthread_mutex_init(&f->viommu.lock, NULL);
	assert_int_equal(sio_veventq_alloc(f->ctx, &f->viommu, TYPE, 2, &f->q), 0);
	assert_int_equal(f->viommu.obj.users, 2);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	sio_object_abort(&f->q->obj);
	assert_null(f->viommu.veventqs);
	assert_int_equal(f->viommu.obj.users, 1);
	pthread_mutex_destroy(&f->viommu.lock);
	sio_ctx_destroy(f->ctx);
	free(f);
	return 0;
}

static void report(struct fixture *f, uint32_t v, int want)
{
	assert_int_equal(sio_viommu_report_event(&f->viommu, TYPE, &v, sizeof(v)), want);
}

static void test_event_sequence_wraps(void **state)
{
	struct fixture *f = *state;
	struct rec r[2];

	f->q->sequence = INT_MAX;
	report(f, 1, 0);
	report(f, 2, 0);
	assert_int_equal(sio_veventq_read(f->q, (uintptr_t)r, sizeof(r)), sizeof(r));
	assert_int_equal(r[0].hdr.sequence, INT_MAX);
	assert_int_equal(r[0].payload, 1);
	assert_int_equal(r[1].hdr.sequence, 0);
	assert_int_equal(r[1].payload, 2);
}

static void test_lost_sequence_wraps(void **state)
{
	struct fixture *f = *state;
	struct rec r[3];

	f->q->sequence = INT_MAX - 1;
	report(f, 1, 0);		/* INT_MAX - 1 */
	report(f, 2, 0);		/* INT_MAX */
	report(f, 3, 0);		/* dropped: LOST_EVENTS, 0 */
	assert_int_equal(sio_veventq_read(f->q, (uintptr_t)r, sizeof(r)),
			 2 * sizeof(struct rec) + sizeof(struct iommufd_vevent_header));
	assert_int_equal(r[1].hdr.sequence, INT_MAX);
	assert_int_equal(r[2].hdr.flags, IOMMU_VEVENTQ_FLAG_LOST_EVENTS);
	assert_int_equal(r[2].hdr.sequence, 0);
	report(f, 4, 0);
	assert_int_equal(sio_veventq_read(f->q, (uintptr_t)r, sizeof(r)), sizeof(struct rec));
	assert_int_equal(r[0].hdr.sequence, 1);
}

/* Other types get nothing; the notify callback follows the readiness. */
static void test_type_and_notify(void **state)
{
	struct fixture *f = *state;
	struct rec r[2];
	uint32_t v = 5;

	assert_int_equal(sio_viommu_report_event(&f->viommu, TYPE + 1, &v, sizeof(v)),
			 -EOPNOTSUPP);
	sio_veventq_set_notify(f->q, on_ready, f);
	assert_int_equal(f->ready_calls, 1);
	assert_false(f->ready);
	report(f, 1, 0);
	assert_true(f->ready);
	assert_int_equal(sio_veventq_read(f->q, (uintptr_t)r, sizeof(r)), sizeof(struct rec));
	assert_false(f->ready);
	sio_veventq_set_notify(f->q, NULL, NULL);
	f->ready_calls = 0;
	report(f, 1, 0);
	assert_int_equal(f->ready_calls, 0);
}

/* A second queue of a type is refused before it is linked. */
static void test_eexist(void **state)
{
	struct fixture *f = *state;
	struct sio_veventq *q2;

	assert_int_equal(sio_veventq_alloc(f->ctx, &f->viommu, TYPE, 1, &q2), -EEXIST);
	assert_ptr_equal(f->viommu.veventqs, f->q);
	assert_null(f->q->next);
	assert_int_equal(f->viommu.obj.users, 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_event_sequence_wraps, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lost_sequence_wraps, setup, teardown),
		cmocka_unit_test_setup_teardown(test_type_and_notify, setup, teardown),
		cmocka_unit_test_setup_teardown(test_eexist, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
