/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Multi-threaded stress of the IOAS ioctls of /dev/iommu, as a real client
 * (libc open()/ioctl() and the uapi headers only; run with
 * libsoftiommu-preload.so in LD_PRELOAD).
 *
 * NTHREADS threads share one iommufd context and, for a fixed number of
 * iterations chosen by a per-thread deterministic PRNG, map (user VA, file,
 * fixed and automatic IOVA), copy and unmap on a set of long-lived IOASes,
 * query IOVA_RANGES and options, while also allocating, publishing and
 * destroying short-lived ("churn") IOASes that the other threads map into,
 * copy from and destroy concurrently. Each thread also opens private
 * contexts now and then. Every result is checked against the set of errnos
 * that the racing operations allow (iommufd-abi.md §3.3, §4.1-4.7), and each
 * thread tracks the areas it owns so that, after joining, unmap-all of every
 * long-lived IOAS must return exactly the bytes still owned, and the context
 * must end up without objects. Not timing dependent: only the interleaving
 * varies from run to run.
 *
 * Linux's UNMAP drops the IOVA lock between areas (iopt_unmap_iova_range),
 * so an automatic MAP racing with it may take the hole just freed, and the
 * UNMAP then fails with EBUSY (new area still being populated) or removes
 * the newcomer too. Clients must not race unmaps with automatic maps into the
 * same range, so this test does not either on the long-lived IOASes: thread t
 * is the only one to place automatic IOVAs (map or copy) into stable IOAS t,
 * all others use fixed IOVAs in per-thread windows outside the allowed
 * list, where automatic allocation never goes. On the churn IOASes anything
 * goes, and the outcomes Linux allows there are accepted.
 *
 * Exit status 0 on success.
 */
#ifndef _GNU_SOURCE
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#endif
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "iommufd_helpers.h"

#ifndef NTHREADS
#define NTHREADS 6
#endif
/* Fixed counts: about 1-2 s natively; sanitizers are slower, do less. */
#ifndef ITERS
#if defined(__SANITIZE_THREAD__)
#define ITERS 15000
#elif defined(__SANITIZE_ADDRESS__)
#define ITERS 40000
#else
#define ITERS 400000
#endif
#endif
#define NSTABLE NTHREADS
#define NCHURN 4
#define MAXAREAS 96
#define NSLOTS 64

#define PAGE 4096ULL
#define BUF_SIZE (4ULL << 20)
#define FILE_SIZE (1ULL << 20)

/* Automatic allocation is restricted to this window on the stable IOASes. */
#define ALLOW_START 0x1000000ULL
#define ALLOW_LAST ((1ULL << 40) - 1)
/* Reserved on the stable IOASes. */
#define RSV_START (1ULL << 44)
#define RSV_LEN (1ULL << 30)
/*
 * Per-thread fixed-IOVA windows, outside the allowed and reserved ranges.
 * A window has NSLOTS slots of SLOT_SIZE; an area in slot k starts in the
 * first 16 bytes of the slot and is at least 16 bytes long, so any two areas
 * placed in the same slot overlap (EEXIST) and none leaves its slot.
 */
#define FIXED_BASE(t) ((1ULL << 41) + (uint64_t)(t) * (1ULL << 36))
#define SLOT_SIZE 0x10000ULL

static int g_fd;
static uint32_t g_stable[NSTABLE];
static _Atomic uint32_t g_churn[NCHURN];
static atomic_ulong g_failures;
static atomic_ulong g_ops;
static atomic_uint g_max_id;

#define FAIL(t, ...) do {							\
	if (atomic_fetch_add(&g_failures, 1) < 30) {				\
		char m_[256];							\
		snprintf(m_, sizeof(m_), __VA_ARGS__);				\
		fprintf(stderr, "FAIL thread %d line %d: %s (errno %d %s)\n",	\
			(t), __LINE__, m_, errno, strerror(errno));		\
	}									\
} while (0)

struct area {
	unsigned int s;		/* index into g_stable */
	int slot;		/* fixed window slot, or -1 */
	uint64_t iova;
	uint64_t len;
};

struct tstate {
	int t;
	uint64_t rng;
	char *buf;
	int mfd;
	struct area areas[MAXAREAS];
	unsigned int nareas;
	bool slot_used[NSTABLE][NSLOTS];
	uint64_t owned[NSTABLE];	/* bytes owned per stable IOAS */
};

static uint64_t rnd(struct tstate *st)
{
	uint64_t x = st->rng;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	st->rng = x;
	return x;
}

static uint64_t rnd_len(struct tstate *st)
{
	uint64_t pages = 1 + rnd(st) % 16;

	/* Mostly whole pages, sometimes an odd byte count. */
	if (rnd(st) % 4 == 0)
		return pages * PAGE - (rnd(st) % 2048) - 1;
	return pages * PAGE;
}

static void add_area(struct tstate *st, unsigned int s, int slot, uint64_t iova, uint64_t len)
{
	struct area *a = &st->areas[st->nareas++];

	a->s = s;
	a->slot = slot;
	a->iova = iova;
	a->len = len;
	st->owned[s] += len;
	if (slot >= 0)
		st->slot_used[s][slot] = true;
}

static void del_area(struct tstate *st, unsigned int i)
{
	struct area *a = &st->areas[i];

	st->owned[a->s] -= a->len;
	if (a->slot >= 0)
		st->slot_used[a->s][a->slot] = false;
	st->areas[i] = st->areas[--st->nareas];
}

static bool in_allowed(uint64_t iova, uint64_t len)
{
	return iova >= ALLOW_START && iova + len - 1 <= ALLOW_LAST;
}

/* Unmap one owned area exactly (or by its whole fixed slot window). */
static void op_unmap_own(struct tstate *st)
{
	unsigned int i;
	struct area *a;
	uint64_t out = 0, start, len;

	if (!st->nareas)
		return;
	i = rnd(st) % st->nareas;
	a = &st->areas[i];
	start = a->iova;
	len = a->len;
	if (a->slot >= 0 && rnd(st) % 2) {
		start = FIXED_BASE(st->t) + (uint64_t)a->slot * SLOT_SIZE;
		len = SLOT_SIZE;
	}
	if (ioas_unmap(g_fd, g_stable[a->s], start, len, &out))
		FAIL(st->t, "unmap own area 0x%llx+0x%llx", (unsigned long long)start,
		     (unsigned long long)len);
	else if (out != a->len)
		FAIL(st->t, "unmap own area returned 0x%llx, want 0x%llx",
		     (unsigned long long)out, (unsigned long long)a->len);
	del_area(st, i);
}

static void op_map_auto(struct tstate *st)
{
	unsigned int s = st->t;		/* only the owner allocates IOVAs here */
	uint64_t len = rnd_len(st), iova = 0;
	uint64_t off = rnd(st) % (BUF_SIZE - 16 * PAGE);

	if (st->nareas == MAXAREAS)
		return op_unmap_own(st);
	if (rnd(st) % 3 == 0) {
		if (ioas_map_file(g_fd, g_stable[s], st->mfd, off % (FILE_SIZE - 16 * PAGE), len,
				  &iova, MAP_RW)) {
			FAIL(st->t, "auto map_file");
			return;
		}
	} else if (ioas_map(g_fd, g_stable[s], st->buf + off, len, &iova, MAP_RW)) {
		FAIL(st->t, "auto map");
		return;
	}
	if (!in_allowed(iova, len))
		FAIL(st->t, "auto iova 0x%llx outside the allowed list", (unsigned long long)iova);
	add_area(st, s, -1, iova, len);
}

static void op_map_fixed(struct tstate *st)
{
	unsigned int s = rnd(st) % NSTABLE;
	int slot = rnd(st) % NSLOTS;
	uint64_t len = rnd_len(st);
	uint64_t iova = FIXED_BASE(st->t) + (uint64_t)slot * SLOT_SIZE + rnd(st) % 16;
	int ret;

	if (st->nareas == MAXAREAS)
		return op_unmap_own(st);
	if (len > SLOT_SIZE - 16)
		len = SLOT_SIZE - 16;
	ret = ioas_map(g_fd, g_stable[s], st->buf + (rnd(st) % 64) * PAGE, len, &iova,
		       MAP_FIXED_RW);
	if (st->slot_used[s][slot]) {
		/* Our own area is in that slot: §4.6 EEXIST. */
		if (ret != -1 || errno != EEXIST)
			FAIL(st->t, "fixed map over own area: ret %d", ret);
		return;
	}
	if (ret) {
		FAIL(st->t, "fixed map in own window");
		return;
	}
	add_area(st, s, slot, iova, len);
}

static void op_copy_own(struct tstate *st)
{
	struct area *a;
	unsigned int d = rnd(st) % NSTABLE;
	int slot = rnd(st) % NSLOTS;
	uint64_t dst = 0, sub, len;
	int ret;

	if (!st->nareas || st->nareas == MAXAREAS)
		return;
	a = &st->areas[rnd(st) % st->nareas];
	/* Any fully covered sub-range (§4.4). */
	sub = a->len > 2 ? rnd(st) % (a->len / 2) : 0;
	len = a->len - sub;
	if (d == (unsigned int)st->t) {
		/* Automatic destination: our own stable IOAS only. */
		if (ioas_copy(g_fd, g_stable[d], g_stable[a->s], a->iova + sub, len, &dst,
			      MAP_RW)) {
			FAIL(st->t, "copy own area");
			return;
		}
		if (!in_allowed(dst, len))
			FAIL(st->t, "copy dst 0x%llx outside the allowed list",
			     (unsigned long long)dst);
		add_area(st, d, -1, dst, len);
		return;
	}
	/* Fixed destination in our window of another stable IOAS. */
	if (len > SLOT_SIZE - 16)
		len = SLOT_SIZE - 16;
	dst = FIXED_BASE(st->t) + (uint64_t)slot * SLOT_SIZE + rnd(st) % 16;
	ret = ioas_copy(g_fd, g_stable[d], g_stable[a->s], a->iova + sub, len, &dst,
			MAP_FIXED_RW);
	if (st->slot_used[d][slot]) {
		if (ret != -1 || errno != EEXIST)
			FAIL(st->t, "fixed copy over own area: ret %d", ret);
		return;
	}
	if (ret) {
		FAIL(st->t, "fixed copy of own area");
		return;
	}
	add_area(st, d, slot, dst, len);
}

static void op_unmap_empty(struct tstate *st)
{
	unsigned int s = rnd(st) % NSTABLE;
	int slot = rnd(st) % NSLOTS;
	int ret;

	if (st->slot_used[s][slot])
		return;
	ret = ioas_unmap(g_fd, g_stable[s], FIXED_BASE(st->t) + slot * SLOT_SIZE, SLOT_SIZE,
			 NULL);
	if (ret != -1 || errno != ENOENT)
		FAIL(st->t, "unmap of an empty window: ret %d", ret);
}

static void check_stable_ranges(int t, int fd, uint32_t ioas)
{
	struct iommu_iova_range r[3];
	uint32_t n = 3;
	uint64_t align = 0;

	memset(r, 0, sizeof(r));
	if (ioas_iova_ranges(fd, ioas, r, &n, &align)) {
		FAIL(t, "iova_ranges of a stable IOAS");
		return;
	}
	if (n != 2 || align != 1 || r[0].start != 0 || r[0].last != RSV_START - 1 ||
	    r[1].start != RSV_START + RSV_LEN || r[1].last != UINT64_MAX)
		FAIL(t, "iova_ranges: n %u align %llu [0x%llx..0x%llx] [0x%llx..0x%llx]", n,
		     (unsigned long long)align, (unsigned long long)r[0].start,
		     (unsigned long long)r[0].last, (unsigned long long)r[1].start,
		     (unsigned long long)r[1].last);
}

static void op_query(struct tstate *st)
{
	unsigned int s = rnd(st) % NSTABLE;
	uint64_t v = 0;
	int ret;

	check_stable_ranges(st->t, g_fd, g_stable[s]);
	if (option_get(g_fd, IOMMU_OPTION_HUGE_PAGES, g_stable[s], &v) || v != 1)
		FAIL(st->t, "HUGE_PAGES of a stable IOAS");
	/* Another thread may own user-VA areas or not: 0 or EINVAL (§4.19). */
	ret = ioas_change_process(g_fd);
	if (ret && errno != EINVAL)
		FAIL(st->t, "change_process");
}

/* Allocate a churn IOAS, populate it, publish it, destroy what it replaces. */
static void op_churn_publish(struct tstate *st)
{
	uint32_t id, old;
	uint64_t iova;
	int ret;

	if (ioas_alloc(g_fd, &id)) {
		FAIL(st->t, "alloc churn IOAS");
		return;
	}
	if (id <= NSTABLE)
		FAIL(st->t, "churn IOAS got a stable ID %u", id);
	old = atomic_load(&g_max_id);
	while (id > old && !atomic_compare_exchange_weak(&g_max_id, &old, id))
		;
	/* Not yet published, but a stale ID held by a peer may name it. */
	ret = ioas_map(g_fd, id, st->buf, 8 * PAGE, &iova, MAP_RW);
	if (ret && errno != ENOENT)
		FAIL(st->t, "map into new churn IOAS");
	old = atomic_exchange(&g_churn[rnd(st) % NCHURN], id);
	if (old) {
		ret = iommu_destroy(g_fd, old);
		if (ret && errno != ENOENT && errno != EBUSY)
			FAIL(st->t, "destroy replaced churn IOAS %u", old);
	}
}

/* Use a churn IOAS that another thread may destroy at any moment. */
static void op_churn_use(struct tstate *st)
{
	uint32_t id = atomic_load(&g_churn[rnd(st) % NCHURN]);
	unsigned int s = st->t;
	uint64_t iova = 0, dst = 0, len = rnd_len(st), out = 0;
	int ret;

	if (!id)
		return;
	ret = ioas_map(g_fd, id, st->buf + (rnd(st) % 64) * PAGE, len, &iova, MAP_RW);
	if (ret) {
		if (errno != ENOENT)
			FAIL(st->t, "map into churn IOAS %u", id);
		return;
	}
	if (iova == 0 || iova + len - 1 > UINT64_MAX - PAGE)
		FAIL(st->t, "auto iova 0x%llx in churn IOAS", (unsigned long long)iova);
	/* Copy out of it: the source may vanish (or its ID be reused). */
	if (st->nareas < MAXAREAS) {
		ret = ioas_copy(g_fd, g_stable[s], id, iova, len, &dst, MAP_RW);
		if (!ret) {
			if (!in_allowed(dst, len))
				FAIL(st->t, "copy from churn: dst outside the allowed list");
			add_area(st, s, -1, dst, len);
		} else if (errno != ENOENT) {
			FAIL(st->t, "copy from churn IOAS %u", id);
		}
	}
	/*
	 * Unmap it again. ENOENT: gone with its IOAS (or the ID now names
	 * another one). Racing automatic maps of peers may land in the range
	 * (see the top comment): EBUSY, or more bytes than ours.
	 */
	ret = ioas_unmap(g_fd, id, iova, len, &out);
	if (ret ? errno != ENOENT && errno != EBUSY : out == 0)
		FAIL(st->t, "unmap in churn IOAS %u: ret %d out 0x%llx", id, ret,
		     (unsigned long long)out);
}

static void op_churn_query(struct tstate *st)
{
	uint32_t id = atomic_load(&g_churn[rnd(st) % NCHURN]);
	struct iommu_iova_range r[2];
	uint32_t n = 2;
	uint64_t align = 0;
	int ret;

	if (!id)
		return;
	ret = ioas_iova_ranges(g_fd, id, r, &n, &align);
	if (ret) {
		if (errno != ENOENT)
			FAIL(st->t, "iova_ranges of churn IOAS %u", id);
		return;
	}
	if (n != 1 || align != 1 || r[0].start != 0 || r[0].last != UINT64_MAX)
		FAIL(st->t, "iova_ranges of churn IOAS %u: n %u", id, n);
}

/* Destroy whatever a slot names, racing with the users (§3.3). */
static void op_churn_kill(struct tstate *st)
{
	uint32_t id = atomic_load(&g_churn[rnd(st) % NCHURN]);
	int ret;

	if (!id)
		return;
	ret = iommu_destroy(g_fd, id);
	if (ret && errno != ENOENT && errno != EBUSY)
		FAIL(st->t, "destroy of churn IOAS %u", id);
}

/* A private context: independent IDs, closed with objects inside. */
static void op_private_ctx(struct tstate *st)
{
	uint32_t a, b;
	uint64_t iova, dst;
	int fd = iommufd_open();

	if (fd < 0) {
		FAIL(st->t, "open private context");
		return;
	}
	if (ioas_alloc(fd, &a) || a != 1 || ioas_alloc(fd, &b) || b != 2)
		FAIL(st->t, "private context IDs");
	else if (ioas_map(fd, a, st->buf, 4 * PAGE, &iova, MAP_RW) ||
		 ioas_copy(fd, b, a, iova, 4 * PAGE, &dst, MAP_RW) ||
		 ioas_map_file(fd, b, st->mfd, 0, PAGE, &iova, MAP_RW))
		FAIL(st->t, "private context map/copy");
	if (close(fd))
		FAIL(st->t, "close private context");
}

static void *worker(void *arg)
{
	struct tstate *st = arg;
	unsigned int i;

	for (i = 0; i < ITERS; i++) {
		unsigned int op = rnd(st) % 100;

		if (op < 18)
			op_map_auto(st);
		else if (op < 30)
			op_map_fixed(st);
		else if (op < 50)
			op_unmap_own(st);
		else if (op < 58)
			op_copy_own(st);
		else if (op < 62)
			op_unmap_empty(st);
		else if (op < 68)
			op_query(st);
		else if (op < 76)
			op_churn_publish(st);
		else if (op < 88)
			op_churn_use(st);
		else if (op < 92)
			op_churn_query(st);
		else if (op < 96)
			op_churn_kill(st);
		else
			op_private_ctx(st);
		atomic_fetch_add_explicit(&g_ops, 1, memory_order_relaxed);
	}
	return NULL;
}

static int setup_stable(void)
{
	struct iommu_iova_range allow = { ALLOW_START, ALLOW_LAST };
	unsigned int s;

	for (s = 0; s < NSTABLE; s++) {
		if (ioas_alloc(g_fd, &g_stable[s]) || g_stable[s] != s + 1) {
			perror("ioas_alloc");
			return -1;
		}
		if (ioas_allow_iovas(g_fd, g_stable[s], &allow, 1) ||
		    add_reserved(g_fd, g_stable[s], RSV_START, RSV_LEN)) {
			perror("allow/reserve");
			return -1;
		}
	}
	return 0;
}

int main(void)
{
	static struct tstate st[NTHREADS];
	pthread_t th[NTHREADS];
	uint64_t owned[NSTABLE] = { 0 };
	unsigned int s, c;
	int i, t;

	g_fd = iommufd_open();
	if (g_fd < 0) {
		perror("open " IOMMU_DEV_PATH);
		return 1;
	}
	if (setup_stable())
		return 1;
	for (t = 0; t < NTHREADS; t++) {
		st[t].t = t;
		st[t].rng = 0x9e3779b97f4a7c15ULL * (uint64_t)(t + 1);
		st[t].buf = mmap(NULL, BUF_SIZE, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		st[t].mfd = memfd_create("sio-stress", MFD_CLOEXEC);
		if (st[t].buf == MAP_FAILED || st[t].mfd < 0 ||
		    ftruncate(st[t].mfd, FILE_SIZE)) {
			perror("setup");
			return 1;
		}
	}
	for (t = 0; t < NTHREADS; t++) {
		if (pthread_create(&th[t], NULL, worker, &st[t])) {
			perror("pthread_create");
			return 1;
		}
	}
	for (t = 0; t < NTHREADS; t++)
		pthread_join(th[t], NULL);

	/* Consistency after joining. */
	for (t = 0; t < NTHREADS; t++)
		for (s = 0; s < NSTABLE; s++)
			owned[s] += st[t].owned[s];
	for (s = 0; s < NSTABLE; s++) {
		uint64_t out = 0;

		check_stable_ranges(-1, g_fd, g_stable[s]);
		/* Every area left is owned by exactly one thread. */
		if (ioas_unmap_all(g_fd, g_stable[s], &out))
			FAIL(-1, "unmap-all of stable IOAS %u", g_stable[s]);
		else if (out != owned[s])
			FAIL(-1, "unmap-all of stable IOAS %u: 0x%llx bytes, owned 0x%llx",
			     g_stable[s], (unsigned long long)out, (unsigned long long)owned[s]);
		if (ioas_unmap_all(g_fd, g_stable[s], &out) || out != 0)
			FAIL(-1, "second unmap-all of stable IOAS %u", g_stable[s]);
		check_stable_ranges(-1, g_fd, g_stable[s]);
		if (iommu_destroy(g_fd, g_stable[s]))
			FAIL(-1, "destroy stable IOAS %u", g_stable[s]);
	}
	for (c = 0; c < NCHURN; c++) {
		uint32_t id = atomic_exchange(&g_churn[c], 0);

		if (id && iommu_destroy(g_fd, id) && errno != ENOENT)
			FAIL(-1, "destroy churn IOAS %u", id);
	}
	/*
	 * No object may be left. With CAP_SYS_RESOURCE, RLIMIT_MODE can be set
	 * only then (§4.8); without it the SET fails with EPERM first.
	 */
	if (option_set(g_fd, IOMMU_OPTION_RLIMIT_MODE, 0, 0) && errno != EPERM)
		FAIL(-1, "objects left behind in the context (RLIMIT_MODE SET)");
	/* And every ID ever used is free: new IOASes get 1, 2, ... in order (§3.2). */
	{
		uint32_t id = 0, n = atomic_load(&g_max_id) + 1, k;

		if (n < NSTABLE + 1)
			n = NSTABLE + 1;
		for (k = 1; k <= n; k++) {
			if (ioas_alloc(g_fd, &id) || id != k) {
				FAIL(-1, "ID %u still in use after the run (got %u)", k, id);
				break;
			}
		}
	}
	if (close(g_fd))
		FAIL(-1, "close");
	for (i = 0; i < NTHREADS; i++) {
		munmap(st[i].buf, BUF_SIZE);
		close(st[i].mfd);
	}
	printf("stress_ioas: %d threads, %lu operations, %lu failures\n", NTHREADS,
	       atomic_load(&g_ops), atomic_load(&g_failures));
	return atomic_load(&g_failures) ? 1 : 0;
}
