/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Timing helpers for the benchmark programs (shared/design/performance.md):
 * batches timed with CLOCK_MONOTONIC, >= 5 repetitions of >= 100 ms each,
 * median and min-max reported, one row per figure, optionally as JSON. A
 * figure and its baseline are best timed as a pair (bench_time_pair()):
 * alternating repetitions, and the ratio is the median of per-repetition
 * ratios, which holds up on a shared, noisy machine.
 */
#ifndef SIO_BENCH_UTIL_H
#define SIO_BENCH_UTIL_H

#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define BENCH_REPS	7
#define BENCH_REP_NS	100e6

struct bench_stat {
	double median, min, max;	/* ns per operation */
};

static inline double bench_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* Pin the calling thread to @cpu; false if that is not allowed. */
static inline bool bench_pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return !sched_setaffinity(0, sizeof(set), &set);
}

static int bench_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/*
 * Time @fn, which performs @n operations per call and returns a value the
 * caller folds into a sink (so the work cannot be dropped). A batch size is
 * calibrated to ~1 ms; each repetition runs batches for >= BENCH_REP_NS.
 */
static inline struct bench_stat bench_time(uint64_t (*fn)(void *ctx, uint64_t n), void *ctx,
					   volatile uint64_t *sink)
{
	double per_rep[BENCH_REPS], t0, t;
	uint64_t batch = 64, ops;
	struct bench_stat st;
	int r;

	/* Warm up and calibrate. */
	for (;;) {
		t0 = bench_now_ns();
		*sink += fn(ctx, batch);
		t = bench_now_ns() - t0;
		if (t > 1e6 || batch > (1ULL << 40))
			break;
		batch *= 2;
	}
	for (r = 0; r < BENCH_REPS; r++) {
		ops = 0;
		t0 = bench_now_ns();
		do {
			*sink += fn(ctx, batch);
			ops += batch;
			t = bench_now_ns() - t0;
		} while (t < BENCH_REP_NS);
		per_rep[r] = t / (double)ops;
	}
	qsort(per_rep, BENCH_REPS, sizeof(per_rep[0]), bench_cmp_double);
	st.median = per_rep[BENCH_REPS / 2];
	st.min = per_rep[0];
	st.max = per_rep[BENCH_REPS - 1];
	return st;
}

/*
 * Time @a (the baseline) and @b in alternating repetitions, so that both see
 * the same machine noise. *ratio gets the median over repetitions of
 * time(b) / time(a).
 */
static inline void bench_time_pair(uint64_t (*a)(void *ctx, uint64_t n),
				   uint64_t (*b)(void *ctx, uint64_t n), void *ctx,
				   volatile uint64_t *sink, struct bench_stat *sa,
				   struct bench_stat *sb, double *ratio)
{
	double ta[BENCH_REPS], tb[BENCH_REPS], rr[BENCH_REPS], t0, t;
	uint64_t (*fns[2])(void *, uint64_t) = { a, b };
	uint64_t batch[2], ops;
	int r, k;

	for (k = 0; k < 2; k++) {
		batch[k] = 64;
		for (;;) {
			t0 = bench_now_ns();
			*sink += fns[k](ctx, batch[k]);
			t = bench_now_ns() - t0;
			if (t > 1e6 || batch[k] > (1ULL << 40))
				break;
			batch[k] *= 2;
		}
	}
	for (r = 0; r < BENCH_REPS; r++) {
		for (k = 0; k < 2; k++) {
			ops = 0;
			t0 = bench_now_ns();
			do {
				*sink += fns[k](ctx, batch[k]);
				ops += batch[k];
				t = bench_now_ns() - t0;
			} while (t < BENCH_REP_NS);
			(k ? tb : ta)[r] = t / (double)ops;
		}
		rr[r] = tb[r] / ta[r];
	}
	qsort(ta, BENCH_REPS, sizeof(ta[0]), bench_cmp_double);
	qsort(tb, BENCH_REPS, sizeof(tb[0]), bench_cmp_double);
	qsort(rr, BENCH_REPS, sizeof(rr[0]), bench_cmp_double);
	*sa = (struct bench_stat){ ta[BENCH_REPS / 2], ta[0], ta[BENCH_REPS - 1] };
	*sb = (struct bench_stat){ tb[BENCH_REPS / 2], tb[0], tb[BENCH_REPS - 1] };
	*ratio = rr[BENCH_REPS / 2];
}

/* One repetition of >= BENCH_REP_NS (for interleaving by the caller). */
static inline struct bench_stat bench_time_1(uint64_t (*fn)(void *ctx, uint64_t n), void *ctx,
					     volatile uint64_t *sink)
{
	uint64_t batch = 64, ops = 0;
	double t0, t;

	for (;;) {
		t0 = bench_now_ns();
		*sink += fn(ctx, batch);
		t = bench_now_ns() - t0;
		if (t > 1e6 || batch > (1ULL << 40))
			break;
		batch *= 2;
	}
	t0 = bench_now_ns();
	do {
		*sink += fn(ctx, batch);
		ops += batch;
		t = bench_now_ns() - t0;
	} while (t < BENCH_REP_NS);
	t /= (double)ops;
	return (struct bench_stat){ t, t, t };
}

/* Median and range of BENCH_REPS per-repetition figures (sorts @v). */
static inline struct bench_stat bench_summary(double *v)
{
	qsort(v, BENCH_REPS, sizeof(v[0]), bench_cmp_double);
	return (struct bench_stat){ v[BENCH_REPS / 2], v[0], v[BENCH_REPS - 1] };
}

struct bench_row {
	const char *name;
	struct bench_stat st;
	double baseline;	/* ns/op, 0: none */
	double ratio;
	const char *target;
	bool pass;
};

static inline void bench_print(const struct bench_row *rows, unsigned int n)
{
	unsigned int i;

	printf("%-34s %10s %17s %12s %8s  %-28s %s\n", "benchmark", "median ns", "min-max",
	       "baseline ns", "ratio", "target", "result");
	for (i = 0; i < n; i++) {
		const struct bench_row *r = &rows[i];
		char range[40];

		snprintf(range, sizeof(range), "%.2f-%.2f", r->st.min, r->st.max);
		printf("%-34s %10.2f %17s %12.2f %8.3f  %-28s %s\n", r->name, r->st.median, range,
		       r->baseline, r->ratio, r->target, r->pass ? "PASS" : "FAIL");
	}
}

/* The same rows as a JSON array, to @path. */
static inline int bench_json(const char *path, const struct bench_row *rows, unsigned int n)
{
	FILE *f = fopen(path, "w");
	unsigned int i;

	if (!f)
		return -1;
	fprintf(f, "[\n");
	for (i = 0; i < n; i++) {
		const struct bench_row *r = &rows[i];

		fprintf(f, "  {\"benchmark\": \"%s\", \"median_ns\": %.3f, \"min_ns\": %.3f, "
			"\"max_ns\": %.3f, \"baseline_ns\": %.3f, \"ratio\": %.4f, "
			"\"target\": \"%s\", \"pass\": %s}%s\n",
			r->name, r->st.median, r->st.min, r->st.max, r->baseline, r->ratio,
			r->target, r->pass ? "true" : "false", i + 1 < n ? "," : "");
	}
	fprintf(f, "]\n");
	return fclose(f);
}

/* "--json PATH" among @argv, or NULL. */
static inline const char *bench_json_arg(int argc, char **argv)
{
	int i;

	for (i = 1; i + 1 < argc; i++)
		if (!strcmp(argv[i], "--json"))
			return argv[i + 1];
	return NULL;
}

#endif /* SIO_BENCH_UTIL_H */
