/* SPDX-License-Identifier: BSD-3-Clause */
/* Unit tests of the object ID table: lowest-free reuse, limits, iteration. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <errno.h>
#include <cmocka.h>

#include "base/idtable.h"

static void test_first_ids_start_at_one(void **state)
{
	struct sio_idtable t;
	uint32_t id;
	int marker, i;

	sio_idtable_init(&t);
	for (i = 1; i <= 200; i++) {
		assert_int_equal(sio_idtable_alloc(&t, &marker, &id), 0);
		assert_int_equal(id, i);
	}
	assert_ptr_equal(sio_idtable_get(&t, 1), &marker);
	assert_null(sio_idtable_get(&t, 0));
	assert_null(sio_idtable_get(&t, 201));
	assert_null(sio_idtable_get(&t, SIO_ID_MAX));
	sio_idtable_fini(&t);
}

static void test_lowest_free_is_reused(void **state)
{
	struct sio_idtable t;
	uint32_t id;
	int marker;

	sio_idtable_init(&t);
	for (int i = 0; i < 130; i++)
		assert_int_equal(sio_idtable_alloc(&t, &marker, &id), 0);
	sio_idtable_free(&t, 100);
	sio_idtable_free(&t, 7);
	sio_idtable_free(&t, 64);
	assert_int_equal(sio_idtable_alloc(&t, &marker, &id), 0);
	assert_int_equal(id, 7);
	assert_int_equal(sio_idtable_alloc(&t, &marker, &id), 0);
	assert_int_equal(id, 64);
	assert_int_equal(sio_idtable_alloc(&t, &marker, &id), 0);
	assert_int_equal(id, 100);
	assert_int_equal(sio_idtable_alloc(&t, &marker, &id), 0);
	assert_int_equal(id, 131);
	sio_idtable_fini(&t);
}

static void test_reservation_is_taken_but_empty(void **state)
{
	struct sio_idtable t;
	uint32_t id, id2;
	int marker;

	sio_idtable_init(&t);
	assert_int_equal(sio_idtable_alloc(&t, NULL, &id), 0);
	assert_true(sio_idtable_taken(&t, id));
	assert_null(sio_idtable_get(&t, id));
	assert_int_equal(sio_idtable_alloc(&t, &marker, &id2), 0);
	assert_int_equal(id2, id + 1);
	assert_null(sio_idtable_set(&t, id, &marker));
	assert_ptr_equal(sio_idtable_get(&t, id), &marker);
	/* set on a free ID changes nothing */
	assert_null(sio_idtable_set(&t, 50, &marker));
	assert_null(sio_idtable_get(&t, 50));
	sio_idtable_fini(&t);
}

static void test_limit_gives_enospc(void **state)
{
	struct sio_idtable t;
	uint32_t id;
	int marker;

	sio_idtable_init(&t);
	sio_idtable_set_limit(&t, 3);
	for (int i = 1; i <= 3; i++)
		assert_int_equal(sio_idtable_alloc(&t, &marker, &id), 0);
	assert_int_equal(sio_idtable_alloc(&t, &marker, &id), -ENOSPC);
	sio_idtable_free(&t, 2);
	assert_int_equal(sio_idtable_alloc(&t, &marker, &id), 0);
	assert_int_equal(id, 2);
	assert_int_equal(sio_idtable_alloc(&t, &marker, &id), -ENOSPC);
	sio_idtable_fini(&t);
}

static void test_iteration_in_order(void **state)
{
	struct sio_idtable t;
	uint32_t id, pos, seen = 0, expect[] = { 1, 3, 64, 65, 200 };
	int marker;

	sio_idtable_init(&t);
	for (int i = 0; i < 200; i++)
		assert_int_equal(sio_idtable_alloc(&t, &marker, &id), 0);
	for (id = 1; id <= 200; id++)
		if (id != 1 && id != 3 && id != 64 && id != 65 && id != 200)
			sio_idtable_free(&t, id);
	for (pos = 1; sio_idtable_next(&t, &pos); pos++) {
		assert_true(seen < 5);
		assert_int_equal(pos, expect[seen]);
		seen++;
	}
	assert_int_equal(seen, 5);
	assert_int_equal(t.count, 5);
	sio_idtable_fini(&t);
}

/* Random alloc/free against a model: the handed-out ID is always the lowest free. */
static void test_random_against_model(void **state)
{
	enum { N = 600 };
	static bool used[N + 2];
	struct sio_idtable t;
	unsigned int seed = 12345;
	int marker;

	sio_idtable_init(&t);
	for (int step = 0; step < 20000; step++) {
		seed = seed * 1103515245u + 12345u;
		if ((seed >> 16) % 3) {
			uint32_t id, expect = 1;

			while (used[expect])
				expect++;
			if (expect > N)
				continue;
			assert_int_equal(sio_idtable_alloc(&t, &marker, &id), 0);
			assert_int_equal(id, expect);
			used[id] = true;
		} else {
			uint32_t id = 1 + (seed >> 8) % N;

			sio_idtable_free(&t, id);
			used[id] = false;
		}
	}
	sio_idtable_fini(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_first_ids_start_at_one),
		cmocka_unit_test(test_lowest_free_is_reused),
		cmocka_unit_test(test_reservation_is_taken_but_empty),
		cmocka_unit_test(test_limit_gives_enospc),
		cmocka_unit_test(test_iteration_in_order),
		cmocka_unit_test(test_random_against_model),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
