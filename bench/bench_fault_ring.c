/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * B7: the shared-memory fault ring (src/core/fault_ring.c) through the C
 * API, producer and consumer on two threads pinned to CPUs 0 and 1.
 *
 *  - throughput: the producer pushes groups of BATCH 40-byte records
 *    (sio_fault_ring_push(), retried while the ring is full), the consumer
 *    pops up to 2 * BATCH at a time (sio_fault_ring_pop()) and checks each
 *    record's sequence number; ns per record from the start signal to the
 *    consumer's last record. Also with batches of 1, for information.
 *    Target: >= 50 M records/s with batching (<= 20 ns per record).
 *  - one-way latency: ping-pong, one record out through the record ring,
 *    one response back through the response ring; half the round trip.
 *    Target: <= 150 ns.
 *  - baseline for the latency: the same ping-pong on one bare cache line
 *    (each thread waits for the other's value, then stores its own), the
 *    floor any cross-core hand-off pays on this machine.
 *  - for information, the software cost without a second core: one thread
 *    pushes BATCH records and pops them (ns per record), and runs the
 *    ping-pong alone (push, pop, respond, take; half of it). On a loaded
 *    machine (two cores shared with other work) the two-thread rows depend
 *    on both threads being on a CPU at once; these rows do not.
 *
 * Usage: bench_fault_ring [--json PATH]
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <softiommu/softiommu.h>
#include <softiommu/uapi/iommufd.h>

#include "bench_util.h"

#define RING_NB		4096u
#define BATCH		32u
#define TP_RECORDS	(2u << 20)

struct tp {
	struct sio_fault_ring *ring;
	struct sio_fault_ring_view *view;
	unsigned int batch;
	int go;
	int pinned;
	double t_end;
	uint64_t bad;
};

static void *tp_consumer(void *arg)
{
	struct iommu_hwpt_pgfault out[2 * BATCH];
	struct tp *t = arg;
	uint32_t next = 0;

	if (!bench_pin(1))
		__atomic_store_n(&t->pinned, 0, __ATOMIC_RELAXED);
	while (!__atomic_load_n(&t->go, __ATOMIC_ACQUIRE))
		;
	while (next < TP_RECORDS) {
		int n = sio_fault_ring_pop(t->view, out, 2 * BATCH);

		if (n < 0) {
			t->bad++;
			break;
		}
		for (int i = 0; i < n; i++)
			t->bad += out[i].cookie != next + (uint32_t)i;
		next += (uint32_t)n;
	}
	t->t_end = bench_now_ns();
	return NULL;
}

/* ns per record for one run of TP_RECORDS records. */
static double tp_run(struct tp *t)
{
	struct iommu_hwpt_pgfault recs[BATCH];
	pthread_t th;
	uint32_t seq = 0;
	double t0;

	memset(recs, 0, sizeof(recs));
	t->go = 0;
	if (pthread_create(&th, NULL, tp_consumer, t))
		exit(1);
	t0 = bench_now_ns();
	__atomic_store_n(&t->go, 1, __ATOMIC_RELEASE);
	while (seq < TP_RECORDS) {
		for (unsigned int i = 0; i < t->batch; i++) {
			recs[i].addr = (uint64_t)(seq + i) << 12;
			recs[i].cookie = seq + i;
		}
		if (sio_fault_ring_push(t->ring, recs, t->batch) == (int)t->batch)
			seq += t->batch;
	}
	pthread_join(th, NULL);
	return (t->t_end - t0) / TP_RECORDS;
}

struct pp {
	struct sio_fault_ring *ring;
	struct sio_fault_ring_view *view;
	int stop;
	int pinned;
};

/* The program's side of the ping-pong: answer every record at once. */
static void *pp_echo(void *arg)
{
	struct iommu_hwpt_page_response resp = { 0 };
	struct iommu_hwpt_pgfault rec;
	struct pp *p = arg;

	if (!bench_pin(1))
		__atomic_store_n(&p->pinned, 0, __ATOMIC_RELAXED);
	while (!__atomic_load_n(&p->stop, __ATOMIC_RELAXED)) {
		if (sio_fault_ring_pop(p->view, &rec, 1) != 1)
			continue;
		resp.cookie = rec.cookie;
		while (sio_fault_ring_respond(p->view, &resp, 1) != 1)
			;
	}
	return NULL;
}

/* ns for one round trip, over >= BENCH_REP_NS. */
static double pp_run(struct pp *p, uint64_t *bad)
{
	struct iommu_hwpt_page_response resp;
	struct iommu_hwpt_pgfault rec;
	uint64_t n = 0;
	double t0, t;

	memset(&rec, 0, sizeof(rec));
	t0 = bench_now_ns();
	do {
		for (int i = 0; i < 1000; i++) {
			rec.cookie = (uint32_t)n;
			while (sio_fault_ring_push(p->ring, &rec, 1) != 1)
				;
			while (sio_fault_ring_take_responses(p->ring, &resp, 1) != 1)
				;
			*bad += resp.cookie != (uint32_t)n;
			n++;
		}
		t = bench_now_ns() - t0;
	} while (t < BENCH_REP_NS);
	return t / (double)n;
}

struct bare {
	uint64_t line[8] __attribute__((aligned(64)));
	int stop;
};

static void *bare_echo(void *arg)
{
	struct bare *b = arg;
	uint64_t v;

	bench_pin(1);
	while (!__atomic_load_n(&b->stop, __ATOMIC_RELAXED)) {
		v = __atomic_load_n(&b->line[0], __ATOMIC_ACQUIRE);
		if (v & 1)
			__atomic_store_n(&b->line[0], v + 1, __ATOMIC_RELEASE);
	}
	return NULL;
}

/* ns for one bare round trip, over >= BENCH_REP_NS. */
static double bare_run(struct bare *b)
{
	uint64_t n = 0, v = __atomic_load_n(&b->line[0], __ATOMIC_RELAXED);
	double t0, t;

	t0 = bench_now_ns();
	do {
		for (int i = 0; i < 1000; i++, n++) {
			__atomic_store_n(&b->line[0], v + 1, __ATOMIC_RELEASE);
			while (__atomic_load_n(&b->line[0], __ATOMIC_ACQUIRE) != v + 2)
				;
			v += 2;
		}
		t = bench_now_ns() - t0;
	} while (t < BENCH_REP_NS);
	return t / (double)n;
}

/* One thread, @n records: push BATCH, pop BATCH. */
static uint64_t op_solo_batch(void *ctx, uint64_t n)
{
	static struct iommu_hwpt_pgfault recs[BATCH], out[BATCH];
	struct tp *t = ctx;
	uint64_t sum = 0;

	for (uint64_t i = 0; i < n; i += BATCH) {
		recs[0].cookie = (uint32_t)i;
		if (sio_fault_ring_push(t->ring, recs, BATCH) != (int)BATCH ||
		    sio_fault_ring_pop(t->view, out, BATCH) != (int)BATCH)
			exit(1);
		sum += out[0].cookie;
	}
	return sum;
}

/* One thread, @n round trips: push 1, pop 1, respond 1, take 1. */
static uint64_t op_solo_rtt(void *ctx, uint64_t n)
{
	struct iommu_hwpt_page_response resp = { 0 };
	struct iommu_hwpt_pgfault rec = { 0 };
	struct tp *t = ctx;
	uint64_t sum = 0;

	for (uint64_t i = 0; i < n; i++) {
		rec.cookie = (uint32_t)i;
		if (sio_fault_ring_push(t->ring, &rec, 1) != 1 ||
		    sio_fault_ring_pop(t->view, &rec, 1) != 1)
			exit(1);
		resp.cookie = rec.cookie;
		if (sio_fault_ring_respond(t->view, &resp, 1) != 1 ||
		    sio_fault_ring_take_responses(t->ring, &resp, 1) != 1)
			exit(1);
		sum += resp.cookie;
	}
	return sum;
}

int main(int argc, char **argv)
{
	const char *json = bench_json_arg(argc, argv);
	double tb[BENCH_REPS], t1[BENCH_REPS], lat[BENCH_REPS], bl[BENCH_REPS], rl[BENCH_REPS];
	struct bench_stat sb, s1, sl, ssb, ssr, sbl;
	struct bare *b;
	volatile uint64_t sink = 0;
	struct bench_row rows[6];
	uint64_t bad = 0;
	bool pinned;
	struct pp p;
	struct tp t;
	pthread_t th;
	int r;

	pinned = bench_pin(0);
	memset(&t, 0, sizeof(t));
	t.pinned = 1;
	t.ring = sio_fault_ring_create(RING_NB, RING_NB);
	if (!t.ring || !(t.view = sio_fault_ring_map(sio_fault_ring_fd(t.ring)))) {
		perror("fault ring");
		return 1;
	}
	ssb = bench_time(op_solo_batch, &t, &sink);
	ssr = bench_time(op_solo_rtt, &t, &sink);
	ssr.median /= 2;
	ssr.min /= 2;
	ssr.max /= 2;
	for (r = 0; r < BENCH_REPS; r++) {
		t.batch = BATCH;
		tb[r] = tp_run(&t);
		t.batch = 1;
		t1[r] = tp_run(&t);
	}
	bad += t.bad;

	memset(&p, 0, sizeof(p));
	p.pinned = 1;
	p.ring = t.ring;
	p.view = t.view;
	if (pthread_create(&th, NULL, pp_echo, &p))
		return 1;
	(void)pp_run(&p, &bad);		/* warm-up */
	for (r = 0; r < BENCH_REPS; r++)
		lat[r] = pp_run(&p, &bad) / 2;
	__atomic_store_n(&p.stop, 1, __ATOMIC_RELAXED);
	pthread_join(th, NULL);

	/* The bare baseline, then the ring again, alternating per repetition. */
	b = aligned_alloc(64, sizeof(*b));
	memset(b, 0, sizeof(*b));
	p.stop = 0;
	for (r = 0; r < BENCH_REPS; r++) {
		if (pthread_create(&th, NULL, bare_echo, b))
			return 1;
		bl[r] = bare_run(b) / 2;
		__atomic_store_n(&b->stop, 1, __ATOMIC_RELAXED);
		pthread_join(th, NULL);
		b->stop = 0;
		if (pthread_create(&th, NULL, pp_echo, &p))
			return 1;
		rl[r] = pp_run(&p, &bad) / 2 / bl[r];
		__atomic_store_n(&p.stop, 1, __ATOMIC_RELAXED);
		pthread_join(th, NULL);
		p.stop = 0;
	}
	free(b);
	sbl = bench_summary(bl);
	qsort(rl, BENCH_REPS, sizeof(rl[0]), bench_cmp_double);

	sb = bench_summary(tb);
	s1 = bench_summary(t1);
	sl = bench_summary(lat);
	rows[0] = (struct bench_row){ "B7 ring throughput, batch 32", sb, 0, sb.median / 20.0,
				      ">=50M rec/s (<=20 ns/rec)", sb.median <= 20.0 && !bad };
	rows[1] = (struct bench_row){ "B7 ring throughput, batch 1", s1, 0, s1.median / 20.0,
				      "(information)", true };
	rows[2] = (struct bench_row){ "B7 ring one-way latency", sl, sbl.median,
				      rl[BENCH_REPS / 2], "<=150 ns one-way",
				      sl.median <= 150.0 && !bad };
	rows[5] = (struct bench_row){ "B7 bare cache-line one-way (baseline)", sbl, 0, 1,
				      "(information)", true };
	rows[3] = (struct bench_row){ "B7 one thread: push+pop, batch 32", ssb, 0,
				      ssb.median / 20.0, "(information)", true };
	rows[4] = (struct bench_row){ "B7 one thread: round trip / 2", ssr, 0,
				      ssr.median / 150.0, "(information)", true };
	printf("pinned: %s/%s; ring %u records; %u records per throughput run; errors: %llu\n",
	       pinned ? "yes" : "no", t.pinned && p.pinned ? "yes" : "no", RING_NB, TP_RECORDS,
	       (unsigned long long)bad);
	printf("B7 throughput: %.1f M records/s (batch %u), %.1f M records/s (batch 1)\n",
	       1e3 / sb.median, BATCH, 1e3 / s1.median);
	bench_print(rows, 6);
	if (json && bench_json(json, rows, 6))
		perror(json);
	sio_fault_ring_unmap(t.view);
	sio_fault_ring_destroy(t.ring);
	return bad ? 1 : 0;
}
