/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of the safe user-memory access layer (src/base/uaccess.c), in
 * both the fixup and the syscall mode.
 *
 * cmocka installs its own SIGSEGV/SIGBUS handlers around every test and puts
 * back the previous ones afterwards, so each test first selects its mode
 * with sio_uaccess_force_mode_for_test(), which re-installs our handler in
 * front of cmocka's. Child processes never return into cmocka: they report
 * through their exit status.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include <softiommu/softiommu.h>

#include "base/compiler.h"
#include "base/uaccess.h"

#if defined(__x86_64__) || defined(__aarch64__)
#define HAVE_FIXUP 1
#else
#define HAVE_FIXUP 0
#endif

#if defined(__SANITIZE_THREAD__)
#define UNDER_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define UNDER_TSAN 1
#endif
#endif
#ifndef UNDER_TSAN
#define UNDER_TSAN 0
#endif

#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif
#ifndef UNDER_ASAN
#define UNDER_ASAN 0
#endif

#define MAX_SMALL 600
#define BIG (64 * 1024)
#define ENV_CHILD_ARG "--uaccess-env-child"
#define NULL_CHILD_ARG "--uaccess-null-child"

static int mode_fixup = 0;
static int mode_syscall = 1;

static size_t pg;
static char *g_none;		/* PROT_NONE page */
static char *g_unmapped;	/* nothing mapped here (see fresh_hole()) */
static char *g_ro;		/* read-only page of 0x5a bytes */
static char *g_cross;		/* RW page followed by a PROT_NONE page */
static char *g_bus;		/* shared mapping of an empty memfd: SIGBUS */

static unsigned char *g_src;
static unsigned char *g_dst;

/* Opaque to the compiler, so the NULL dereferences below are real loads. */
static volatile uintptr_t g_null_addr;

static void *map_or_die(size_t len, int prot);

static void set_mode(void **state)
{
	int sys = *(int *)*state;

	sio_uaccess_force_mode_for_test(sys);
	if (sys || !HAVE_FIXUP)
		assert_string_equal(sio_uaccess_mode_name(), "syscall");
	else
		assert_string_equal(sio_uaccess_mode_name(), "fixup");
}

static uint64_t up(const void *p)
{
	return (uint64_t)(uintptr_t)p;
}

static void fill_random(unsigned char *p, size_t n, uint32_t seed)
{
	size_t i;

	for (i = 0; i < n; i++) {
		seed = seed * 1103515245u + 12345u;
		p[i] = (unsigned char)(seed >> 16);
	}
}

/* ---- valid copies ---------------------------------------------------- */

enum copy_kind { FROM_USER, TO_USER, SAFE_MEMCPY };

static int do_copy(enum copy_kind k, void *dst, const void *src, size_t len)
{
	switch (k) {
	case FROM_USER:
		return sio_copy_from_user(dst, up(src), len);
	case TO_USER:
		return sio_copy_to_user(up(dst), src, len);
	default:
		return sio_safe_memcpy(dst, src, len);
	}
}

/* Copy len bytes at every src/dst misalignment; check data and guards. */
static void check_copy_len(enum copy_kind k, size_t len)
{
	unsigned int sa, da;

	for (sa = 0; sa < 16; sa++) {
		for (da = 0; da < 16; da++) {
			memset(g_dst, 0xa5, da + len + 16);
			assert_int_equal(do_copy(k, g_dst + da, g_src + sa, len), 0);
			if (len)
				assert_int_equal(memcmp(g_dst + da, g_src + sa, len), 0);
			for (size_t i = 0; i < da; i++)
				assert_int_equal(g_dst[i], 0xa5);
			for (size_t i = da + len; i < da + len + 16; i++)
				assert_int_equal(g_dst[i], 0xa5);
		}
	}
}

static void test_copy_valid(void **state)
{
	size_t len;
	int k;

	set_mode(state);
	for (k = FROM_USER; k <= SAFE_MEMCPY; k++) {
		for (len = 0; len <= MAX_SMALL; len++)
			check_copy_len((enum copy_kind)k, len);
		check_copy_len((enum copy_kind)k, BIG);
		check_copy_len((enum copy_kind)k, BIG - 1);
	}
}

static void test_clear_valid(void **state)
{
	size_t len, i;
	unsigned int da;

	set_mode(state);
	for (len = 0; len <= MAX_SMALL + 1; len = len == MAX_SMALL ? BIG : len + 1) {
		for (da = 0; da < 16; da++) {
			memset(g_dst, 0xff, da + len + 16);
			assert_int_equal(sio_clear_user(up(g_dst + da), len), 0);
			for (i = 0; i < da; i++)
				assert_int_equal(g_dst[i], 0xff);
			for (i = da; i < da + len; i++)
				assert_int_equal(g_dst[i], 0);
			for (i = da + len; i < da + len + 16; i++)
				assert_int_equal(g_dst[i], 0xff);
		}
	}
}

static void check_is_zero(const unsigned char *p, size_t len, bool expect)
{
	bool z = !expect;

	assert_int_equal(sio_user_is_zero(up(p), len, &z), 0);
	assert_int_equal(z, expect);
}

static void test_is_zero_valid(void **state)
{
	size_t len, pos;
	unsigned int a;

	set_mode(state);
	for (len = 0; len <= 300; len++) {
		for (a = 0; a < 16; a++) {
			unsigned char *p = g_dst + 16 + a;

			/* Non-zero bytes right outside the range are ignored. */
			memset(g_dst, 0xff, len + 64);
			memset(p, 0, len);
			check_is_zero(p, len, true);
			if (!len)
				continue;
			/* The last byte, the first one, then every 7th. */
			p[len - 1] = 1;
			check_is_zero(p, len, false);
			p[len - 1] = 0;
			for (pos = 0; pos < len; pos += 7) {
				p[pos] = 0x80;
				check_is_zero(p, len, false);
				p[pos] = 0;
			}
		}
	}
	memset(g_dst, 0, BIG);
	check_is_zero(g_dst, BIG, true);
	g_dst[BIG - 1] = 1;
	check_is_zero(g_dst, BIG, false);
	g_dst[BIG - 1] = 0;
	g_dst[BIG / 2 + 3] = 1;
	check_is_zero(g_dst, BIG, false);
}

/* ---- bad memory ------------------------------------------------------ */

static const size_t bad_lens[] = { 1, 3, 4, 7, 8, 15, 16, 17, 31, 32, 33, 40,
				   63, 64, 65, 200, 511, 512, 4096, BIG };

/* Every operation on [p, p + len) must fail with -EFAULT, errno untouched. */
static void check_all_fault(uint64_t p, size_t len, bool readable)
{
	bool z = true;

	errno = 4321;
	if (!readable) {
		assert_int_equal(sio_copy_from_user(g_dst, p, len), -EFAULT);
		assert_int_equal(sio_user_is_zero(p, len, &z), -EFAULT);
		assert_false(z);
		assert_int_equal(sio_safe_memcpy(g_dst, (void *)(uintptr_t)p, len), -EFAULT);
	}
	assert_int_equal(sio_copy_to_user(p, g_src, len), -EFAULT);
	assert_int_equal(sio_clear_user(p, len), -EFAULT);
	assert_int_equal(sio_safe_memcpy((void *)(uintptr_t)p, g_src, len), -EFAULT);
	assert_int_equal(errno, 4321);
}

/*
 * An address where a page was mapped and is no more. Made afresh by each
 * test that uses it, because a later mmap() (a thread stack, a sanitizer's
 * allocator) may reuse the hole; still_hole() checks that it did not.
 */
static char *fresh_hole(void)
{
	char *p = map_or_die(pg, PROT_READ);

	munmap(p, pg);
	return p;
}

static bool still_hole(const char *p)
{
	unsigned char vec;

	return mincore((void *)p, pg, &vec) == -1 && errno == ENOMEM;
}

static void test_bad_pointers(void **state)
{
	size_t i;

	set_mode(state);
	g_unmapped = fresh_hole();
	for (i = 0; i < ARRAY_SIZE(bad_lens); i++) {
		size_t len = bad_lens[i];

		check_all_fault(0, len, false);
		check_all_fault(up(g_none), len, false);
		check_all_fault(up(g_unmapped), len, false);
		/* Below vm.mmap_min_addr: never mapped. */
		check_all_fault(0x1000, sio_min(len, pg), false);
		check_all_fault(up(g_bus), sio_min(len, pg), false);
		/* Non-canonical on x86-64 (#GP, si_code SI_KERNEL). */
		check_all_fault(0x8000000000000000ull, len, false);
		/* Kernel half of the address space. */
		check_all_fault(0xffff880000000000ull, len, false);
		/* Wraps around the end of the address space: never touched. */
		check_all_fault(UINT64_MAX, len, false);
		check_all_fault(UINT64_MAX - len + 2, len, false);
		/* Read-only memory: readable, not writable. */
		check_all_fault(up(g_ro), sio_min(len, pg), true);
	}
	/* len == 0 never touches memory. */
	assert_int_equal(sio_copy_from_user(g_dst, 0, 0), 0);
	assert_int_equal(sio_copy_to_user(UINT64_MAX, g_src, 0), 0);
	assert_int_equal(sio_clear_user(up(g_none), 0), 0);
	assert_int_equal(sio_safe_memcpy(g_none, g_none, 0), 0);
	{
		bool z = false;

		assert_int_equal(sio_user_is_zero(0, 0, &z), 0);
		assert_true(z);
	}
	/* The read-only page is still readable and unchanged. */
	assert_int_equal(sio_copy_from_user(g_dst, up(g_ro), pg), 0);
	assert_int_equal(g_dst[0], 0x5a);
	assert_int_equal(g_dst[pg - 1], 0x5a);
	assert_true(still_hole(g_unmapped));
}

/*
 * Ranges that start in a good page and run into a PROT_NONE one fail, for
 * every code path of the routines (the length decides the path).
 */
static void test_cross_into_bad(void **state)
{
	size_t i;

	set_mode(state);
	for (i = 0; i < ARRAY_SIZE(bad_lens); i++) {
		size_t len = bad_lens[i];
		size_t before;

		if (len < 2)
			continue;
		for (before = 1; before < len && before <= pg; before = before * 3 + 1) {
			char *p = g_cross + pg - before;

			memset(g_cross, 0, pg);
			check_all_fault(up(p), len, false);
		}
	}
	/* The good part alone is fine. */
	memset(g_cross, 0, pg);
	{
		bool z = false;

		assert_int_equal(sio_user_is_zero(up(g_cross), pg, &z), 0);
		assert_true(z);
	}
}

/* ---- compare-and-swap -------------------------------------------------- */

#define CAS_A 0x8123456789abcdefull
#define CAS_B 0x7edcba9876543210ull

static void test_cas_valid(void **state)
{
	uint64_t *w = (uint64_t *)(void *)g_dst;
	uint64_t *fresh = map_or_die(pg, PROT_READ | PROT_WRITE);
	uint64_t *last = (uint64_t *)(void *)(g_cross + pg - 8);
	uint64_t exp;
	unsigned int mis;

	set_mode(state);
	/* Swap: 0, the word changed, *expected left alone, errno untouched. */
	w[0] = CAS_A;
	w[1] = 0;
	exp = CAS_A;
	errno = 4321;
	assert_int_equal(sio_safe_cas64(up(w), &exp, CAS_B), 0);
	assert_true(w[0] == CAS_B);
	assert_true(exp == CAS_A);
	assert_int_equal(errno, 4321);
	assert_true(w[1] == 0);
	/* Mismatch: -EAGAIN, the word unchanged, *expected = what it holds. */
	assert_int_equal(sio_safe_cas64(up(w), &exp, 1), -EAGAIN);
	assert_true(exp == CAS_B);
	assert_true(w[0] == CAS_B);
	assert_int_equal(errno, 4321);
	/* The value -EAGAIN gave is the one that then swaps. */
	assert_int_equal(sio_safe_cas64(up(w), &exp, 1), 0);
	assert_true(w[0] == 1);
	/* A page never touched (reads as zero until the first write). */
	exp = 0;
	assert_int_equal(sio_safe_cas64(up(fresh + 7), &exp, CAS_A), 0);
	assert_true(fresh[7] == CAS_A);
	munmap(fresh, pg);
	/* The last word before a PROT_NONE page. */
	*last = 5;
	exp = 5;
	assert_int_equal(sio_safe_cas64(up(last), &exp, 6), 0);
	assert_true(*last == 6);
	/* Misaligned: -EINVAL, nothing accessed, even for a bad address. */
	for (mis = 1; mis < 8; mis++) {
		exp = 1;
		assert_int_equal(sio_safe_cas64(up(w) + mis, &exp, 2), -EINVAL);
		assert_true(exp == 1);
		assert_int_equal(sio_safe_cas64(up(g_none) + mis, &exp, 2), -EINVAL);
		assert_int_equal(sio_safe_cas64(UINT64_MAX - 7 + mis, &exp, 2), -EINVAL);
	}
	assert_true(w[0] == 1);
}

/* The CAS on @p fails with -EFAULT whether or not @p holds @old. */
static void check_cas_fault(uint64_t p, uint64_t old)
{
	uint64_t exp;

	errno = 4321;
	exp = old;
	assert_int_equal(sio_safe_cas64(p, &exp, ~old), -EFAULT);
	assert_true(exp == old);
	exp = old + 1;
	assert_int_equal(sio_safe_cas64(p, &exp, ~old), -EFAULT);
	assert_true(exp == old + 1);
	assert_int_equal(errno, 4321);
}

static void test_cas_bad(void **state)
{
	uint64_t ro;

	set_mode(state);
	g_unmapped = fresh_hole();
	check_cas_fault(up(g_unmapped), 0);
	check_cas_fault(up(g_unmapped) + pg - 8, 0);
	check_cas_fault(up(g_none), 0);
	check_cas_fault(up(g_cross + pg), 0);
	check_cas_fault(0, 0);
	check_cas_fault(0x1000, 0);
	check_cas_fault(up(g_bus), 0);
	check_cas_fault(0x8000000000000000ull, 0);
	check_cas_fault(0xffff880000000000ull, 0);
	/* The last word of the address space ends by wrapping: never touched. */
	check_cas_fault(UINT64_MAX - 7, 0);
	/* Readable, not writable: -EFAULT on a match and on a mismatch alike. */
	memset(&ro, 0x5a, sizeof(ro));
	check_cas_fault(up(g_ro), ro);
	check_cas_fault(up(g_ro) + pg - 8, ro);
	assert_int_equal(sio_copy_from_user(g_dst, up(g_ro), pg), 0);
	assert_int_equal(memcmp(g_dst, g_ro, pg), 0);
	assert_true(*(uint64_t *)(void *)g_ro == ro);
	assert_true(still_hole(g_unmapped));
}

/* ---- single-word load --------------------------------------------------- */

static void test_load64(void **state)
{
	uint64_t *w = (uint64_t *)(void *)g_dst;
	uint64_t *last = (uint64_t *)(void *)(g_cross + pg - 8);
	uint64_t *p = map_or_die(pg, PROT_READ | PROT_WRITE);
	uint64_t v;
	unsigned int mis;

	set_mode(state);
	w[0] = CAS_A;
	errno = 4321;
	assert_int_equal(sio_safe_load64(up(w), &v), 0);
	assert_true(v == CAS_A);
	assert_int_equal(errno, 4321);
	*last = CAS_B;
	assert_int_equal(sio_safe_load64(up(last), &v), 0);
	assert_true(v == CAS_B);
	/* Read-only memory reads. */
	assert_int_equal(sio_safe_load64(up(g_ro), &v), 0);
	assert_true(v == *(uint64_t *)(void *)g_ro);
	/* Bad memory: -EFAULT, *val unchanged, errno untouched. */
	g_unmapped = fresh_hole();
	v = 77;
	assert_int_equal(sio_safe_load64(up(g_none), &v), -EFAULT);
	assert_int_equal(sio_safe_load64(up(g_unmapped) + pg - 8, &v), -EFAULT);
	assert_int_equal(sio_safe_load64(up(g_cross + pg), &v), -EFAULT);
	assert_int_equal(sio_safe_load64(0, &v), -EFAULT);
	assert_int_equal(sio_safe_load64(0xffff880000000000ull, &v), -EFAULT);
	assert_int_equal(sio_safe_load64(UINT64_MAX - 7, &v), -EFAULT);
	assert_true(v == 77);
	assert_int_equal(errno, 4321);
	/* Misaligned: -EINVAL without an access, even for a bad address. */
	for (mis = 1; mis < 8; mis++) {
		assert_int_equal(sio_safe_load64(up(w) + mis, &v), -EINVAL);
		assert_int_equal(sio_safe_load64(up(g_none) + mis, &v), -EINVAL);
	}
	assert_true(v == 77);
	/* Memory taken away after loads succeeded. */
	p[3] = 9;
	assert_int_equal(sio_safe_load64(up(p + 3), &v), 0);
	assert_true(v == 9);
	assert_int_equal(mprotect(p, pg, PROT_NONE), 0);
	assert_int_equal(sio_safe_load64(up(p + 3), &v), -EFAULT);
	assert_int_equal(munmap(p, pg), 0);
	assert_int_equal(sio_safe_load64(up(p + 3), &v), -EFAULT);
	assert_true(v == 9);
	assert_true(still_hole(g_unmapped));
}

/* A page write-protected, then unmapped, after CASes on it succeeded. */
static void test_cas_protect_change(void **state)
{
	uint64_t *p = map_or_die(pg, PROT_READ | PROT_WRITE);
	uint64_t exp = 0;

	set_mode(state);
	assert_int_equal(sio_safe_cas64(up(p), &exp, 3), 0);
	assert_int_equal(mprotect(p, pg, PROT_READ), 0);
	exp = 3;
	assert_int_equal(sio_safe_cas64(up(p), &exp, 4), -EFAULT);
	assert_true(*p == 3);
	assert_int_equal(mprotect(p, pg, PROT_READ | PROT_WRITE), 0);
	assert_int_equal(sio_safe_cas64(up(p), &exp, 4), 0);
	assert_true(*p == 4);
	assert_int_equal(mprotect(p, pg, PROT_NONE), 0);
	assert_int_equal(sio_safe_cas64(up(p), &exp, 5), -EFAULT);
	assert_int_equal(munmap(p, pg), 0);
	assert_int_equal(sio_safe_cas64(up(p), &exp, 5), -EFAULT);
}

#define CAS_THREADS 2
/* Fewer in the syscall mode, where each CAS is also a system call. */
#define CAS_INCS_FIXUP 200000
#define CAS_INCS_SYSCALL 10000

static uint64_t g_cas_counter;
static uint64_t g_cas_neighbour;
static pthread_barrier_t g_cas_start;

/* *@arg increments of the shared counter, each a CAS retry loop. */
static void *cas_inc_fn(void *arg)
{
	unsigned int i, n = *(const unsigned int *)arg;
	uintptr_t errors = 0;

	pthread_barrier_wait(&g_cas_start);
	for (i = 0; i < n; i++) {
		uint64_t cur = __atomic_load_n(&g_cas_counter, __ATOMIC_RELAXED);
		int rc;

		while ((rc = sio_safe_cas64(up(&g_cas_counter), &cur, cur + 1)) == -EAGAIN)
			;
		errors += rc != 0;
	}
	return (void *)errors;
}

/* Atomicity: concurrent CAS loops lose no increment and touch no neighbour. */
static void test_cas_threads(void **state)
{
	unsigned int n = *(int *)*state ? CAS_INCS_SYSCALL : CAS_INCS_FIXUP;
	pthread_t t[CAS_THREADS];
	uintptr_t i;

	set_mode(state);
	g_cas_counter = 0;
	g_cas_neighbour = 0;
	assert_int_equal(pthread_barrier_init(&g_cas_start, NULL, CAS_THREADS), 0);
	for (i = 0; i < CAS_THREADS; i++)
		assert_int_equal(pthread_create(&t[i], NULL, cas_inc_fn, &n), 0);
	for (i = 0; i < CAS_THREADS; i++) {
		void *ret;

		assert_int_equal(pthread_join(t[i], &ret), 0);
		assert_int_equal((uintptr_t)ret, 0);
	}
	pthread_barrier_destroy(&g_cas_start);
	assert_true(g_cas_counter == (uint64_t)CAS_THREADS * n);
	assert_true(g_cas_neighbour == 0);
}

/*
 * Ordering, both ways, with plain data: what a thread wrote before its
 * release store is visible after a successful CAS that reads that store, and
 * what it wrote before a successful CAS is visible to an acquire load that
 * reads the swapped value. ThreadSanitizer reports a race on the plain data
 * if it does not see the CAS as acquire and release.
 */
static uint64_t g_msg_flag;
static int g_msg_to_cas;
static int g_msg_from_cas;

static void *cas_msg_fn(void *arg)
{
	(void)arg;
	g_msg_to_cas = 42;
	__atomic_store_n(&g_msg_flag, 1, __ATOMIC_RELEASE);
	while (__atomic_load_n(&g_msg_flag, __ATOMIC_ACQUIRE) != 2)
		sched_yield();
	return (void *)(uintptr_t)(g_msg_from_cas != 43);
}

static void test_cas_ordering(void **state)
{
	pthread_t t;
	uint64_t exp;
	void *ret;

	set_mode(state);
	g_msg_flag = 0;
	g_msg_to_cas = 0;
	g_msg_from_cas = 0;
	assert_int_equal(pthread_create(&t, NULL, cas_msg_fn, NULL), 0);
	do {
		exp = 1;
	} while (sio_safe_cas64(up(&g_msg_flag), &exp, 1) == -EAGAIN);
	assert_int_equal(g_msg_to_cas, 42);
	g_msg_from_cas = 43;
	exp = 1;
	assert_int_equal(sio_safe_cas64(up(&g_msg_flag), &exp, 2), 0);
	assert_int_equal(pthread_join(t, &ret), 0);
	assert_int_equal((uintptr_t)ret, 0);
}

/* ---- fault-in --------------------------------------------------------- */

static bool resident(const char *p)
{
	unsigned char vec = 0;

	return mincore((void *)p, pg, &vec) == 0 && (vec & 1);
}

/* Start of the [vvar] mapping (VM_PFNMAP, readable), or NULL. */
static const char *find_vvar(void)
{
	unsigned long start = 0;
	char line[512];
	FILE *f = fopen("/proc/self/maps", "re");

	if (!f)
		return NULL;
	while (fgets(line, sizeof(line), f)) {
		if (strstr(line, "[vvar]\n") && sscanf(line, "%lx-", &start) == 1)
			break;
		start = 0;
	}
	fclose(f);
	return (const char *)start;
}

/* What pinning needs: mapped, readable, writable for a write, inside the file. */
static void test_fault_in(void **state)
{
	const char *vvar = find_vvar();
	char *rw;
	size_t i;

	set_mode(state);
	rw = map_or_die(3 * pg, PROT_READ | PROT_WRITE);
	assert_false(resident(rw));
	/* From the middle of the first page into the second: both, not the third. */
	assert_int_equal(sio_user_fault_in(up(rw + pg / 2), pg, true), 0);
	assert_true(resident(rw));
	assert_true(resident(rw + pg));
	assert_false(resident(rw + 2 * pg));
	assert_int_equal(sio_user_fault_in(up(rw + 2 * pg), 1, false), 0);
	for (i = 0; i < 3 * pg; i++)
		assert_int_equal(rw[i], 0);
	munmap(rw, 3 * pg);

	assert_int_equal(sio_user_fault_in(up(g_ro), pg, false), 0);
	assert_int_equal(sio_user_fault_in(up(g_ro + 1), 1, true), -EFAULT);
	assert_int_equal(sio_user_probe_writable(up(g_ro), pg), -EFAULT);
	assert_int_equal(g_ro[0], 0x5a);
	assert_int_equal(sio_user_fault_in(up(g_none), 1, false), -EFAULT);
	g_unmapped = fresh_hole();
	assert_int_equal(sio_user_fault_in(up(g_unmapped), pg, false), -EFAULT);
	assert_true(still_hole(g_unmapped));
	/* A shared mapping past the end of its (empty) file. */
	assert_int_equal(sio_user_fault_in(up(g_bus), 1, false), -EFAULT);
	assert_int_equal(sio_user_fault_in(up(g_bus), 1, true), -EFAULT);
	/* The bad page is found even when the range only grazes it. */
	assert_int_equal(sio_user_fault_in(up(g_cross + pg - 1), 2, false), -EFAULT);
	assert_int_equal(sio_user_fault_in(up(g_cross), pg, true), 0);
	assert_int_equal(sio_user_fault_in(0x1000, 1, false), -EFAULT);
	assert_int_equal(sio_user_fault_in(UINT64_MAX, 2, false), -EFAULT);
	assert_int_equal(sio_user_fault_in(0, 0, true), 0);
	/*
	 * The syscall mode refuses a VM_PFNMAP mapping, as Linux pinning does
	 * (the fixup mode's touch cannot tell: see uaccess.h).
	 */
	if (*(int *)*state == mode_syscall && vvar)
		assert_int_equal(sio_user_fault_in(up(vvar), 1, false), -EFAULT);
}

#define RACE_INCREMENTS 2000000u

/* The first word of a page: the byte a fault-in of that page accesses. */
static uint32_t *g_race_counter;
static int g_race_done;

static void *race_incrementer(void *arg)
{
	uint32_t i;

	(void)arg;
	for (i = 0; i < RACE_INCREMENTS; i++)
		__atomic_fetch_add(g_race_counter, 1, __ATOMIC_RELAXED);
	__atomic_store_n(&g_race_done, 1, __ATOMIC_RELEASE);
	return NULL;
}

/*
 * A write fault-in of a page another thread is writing loses none of its
 * stores (a read of the byte followed by a write-back would).
 */
static void test_fault_in_concurrent_writer(void **state)
{
	unsigned long probes = 0;
	pthread_t t;

	set_mode(state);
	g_race_counter = map_or_die(pg, PROT_READ | PROT_WRITE);
	g_race_done = 0;
	assert_int_equal(pthread_create(&t, NULL, race_incrementer, NULL), 0);
	while (!__atomic_load_n(&g_race_done, __ATOMIC_ACQUIRE) || probes < 1000) {
		assert_int_equal(sio_user_fault_in(up(g_race_counter) + 1, 2, true), 0);
		probes++;
	}
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_int_equal(__atomic_load_n(g_race_counter, __ATOMIC_RELAXED), RACE_INCREMENTS);
	munmap(g_race_counter, pg);
}

/* ---- sio_sigaction ---------------------------------------------------- */

static void dummy_handler(int sig)
{
	(void)sig;
}

static void test_sigaction_api(void **state)
{
	struct sigaction act, old, got;

	set_mode(state);
	memset(&old, 0, sizeof(old));
	assert_int_equal(sio_sigaction(SIGUSR1, NULL, &old), 1);
	assert_int_equal(sio_sigaction(SIGINT, NULL, NULL), 1);
	if (!HAVE_FIXUP)
		return;

	/* Query, replace, read back, put back. */
	assert_int_equal(sio_sigaction(SIGSEGV, NULL, &old), 0);
	memset(&act, 0, sizeof(act));
	act.sa_handler = dummy_handler;
	act.sa_flags = SA_RESETHAND;
	sigemptyset(&act.sa_mask);
	sigaddset(&act.sa_mask, SIGUSR2);
	sigaddset(&act.sa_mask, SIGKILL);
	assert_int_equal(sio_sigaction(SIGSEGV, &act, NULL), 0);
	memset(&got, 0, sizeof(got));
	assert_int_equal(sio_sigaction(SIGSEGV, &old, &got), 0);
	assert_ptr_equal(got.sa_handler, dummy_handler);
	assert_int_equal((unsigned int)got.sa_flags, (unsigned int)SA_RESETHAND);
	assert_true(sigismember(&got.sa_mask, SIGUSR2));
	assert_false(sigismember(&got.sa_mask, SIGKILL));
	assert_int_equal(sio_sigaction(SIGSEGV, NULL, &got), 0);
	assert_ptr_equal(got.sa_handler, old.sa_handler);

	/* SIGBUS has its own slot. */
	assert_int_equal(sio_sigaction(SIGBUS, NULL, &got), 0);

	/* Bad pointers: EFAULT, not a crash. */
	errno = 0;
	assert_int_equal(sio_sigaction(SIGSEGV, (const struct sigaction *)g_none, NULL), -1);
	assert_int_equal(errno, EFAULT);
	errno = 0;
	assert_int_equal(sio_sigaction(SIGSEGV, NULL, (struct sigaction *)g_ro), -1);
	assert_int_equal(errno, EFAULT);
	errno = 0;
	assert_int_equal(sio_sigaction(SIGBUS, NULL, (struct sigaction *)(uintptr_t)8), -1);
	assert_int_equal(errno, EFAULT);
	/* Nothing changed. */
	assert_int_equal(sio_sigaction(SIGSEGV, NULL, &got), 0);
	assert_ptr_equal(got.sa_handler, old.sa_handler);
}

/* ---- genuine faults in child processes --------------------------------- */

__attribute__((noinline, no_sanitize("undefined")))
static int deref_null(void)
{
	return *(volatile int *)g_null_addr;
}

static void exit42(int sig)
{
	(void)sig;
	_exit(42);
}

static void exit_info(int sig, siginfo_t *info, void *uc)
{
	(void)uc;
	if (sig == SIGSEGV && info->si_addr == NULL)
		_exit(43);
	if (sig == SIGBUS && info->si_addr == (void *)g_bus)
		_exit(44);
	_exit(50);
}

/* A SA_NODEFER SIGSEGV handler whose own faulting copies still fail nicely. */
static void nested_copy(int sig, siginfo_t *info, void *uc)
{
	char buf[16];

	(void)sig;
	(void)info;
	(void)uc;
	if (sio_copy_from_user(buf, up(g_none), sizeof(buf)) == -EFAULT)
		_exit(45);
	_exit(51);
}

enum child_how { CH_PLAIN, CH_INFO, CH_DFL, CH_IGN, CH_RAISE_PLAIN, CH_RAISE_DFL,
		 CH_BUS_INFO, CH_BUS_DFL, CH_NESTED };

/* Runs in the child: install the program's handler, fault, never return. */
static void child_body(enum child_how how)
{
	struct sigaction act;
	struct rlimit no_core = { 0, 0 };
	int sig = (how == CH_BUS_INFO || how == CH_BUS_DFL) ? SIGBUS : SIGSEGV;
	char buf[64];

	setrlimit(RLIMIT_CORE, &no_core);
	memset(&act, 0, sizeof(act));
	sigemptyset(&act.sa_mask);
	switch (how) {
	case CH_PLAIN:
	case CH_RAISE_PLAIN:
		act.sa_handler = exit42;
		break;
	case CH_INFO:
	case CH_BUS_INFO:
		act.sa_sigaction = exit_info;
		act.sa_flags = SA_SIGINFO;
		break;
	case CH_NESTED:
		act.sa_sigaction = nested_copy;
		act.sa_flags = SA_SIGINFO | SA_NODEFER;
		break;
	case CH_IGN:
		act.sa_handler = SIG_IGN;
		break;
	default:
		act.sa_handler = SIG_DFL;
		break;
	}
	if (sio_sigaction(sig, &act, NULL) != 0)
		_exit(60);
	/* Our own faults are still ours. */
	if (sio_copy_from_user(buf, up(g_none), sizeof(buf)) != -EFAULT)
		_exit(61);
	if (sio_copy_from_user(buf, up(g_bus), sizeof(buf)) != -EFAULT)
		_exit(62);
	{
		uint64_t exp = 0;

		if (sio_safe_cas64(up(g_none), &exp, 1) != -EFAULT ||
		    sio_safe_cas64(up(g_ro), &exp, 1) != -EFAULT ||
		    sio_safe_cas64(up(g_bus), &exp, 1) != -EFAULT)
			_exit(63);
	}
	switch (how) {
	case CH_RAISE_PLAIN:
	case CH_RAISE_DFL:
		raise(SIGSEGV);
		break;
	case CH_BUS_INFO:
	case CH_BUS_DFL:
		(void)*(volatile char *)g_bus;
		break;
	default:
		deref_null();
		break;
	}
	_exit(70);
}

static int run_child(enum child_how how)
{
	pid_t pid;
	int status;

	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		child_body(how);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return status;
}

static void expect_exit(int status, int code)
{
	if (!WIFEXITED(status))
		fail_msg("child did not exit: status %#x", status);
	assert_int_equal(WEXITSTATUS(status), code);
}

static void expect_signal(int status, int sig)
{
	if (!WIFSIGNALED(status))
		fail_msg("child was not killed by a signal: status %#x", status);
	assert_int_equal(WTERMSIG(status), sig);
}

static void test_chain_program_handler(void **state)
{
	set_mode(state);
	if (strcmp(sio_uaccess_mode_name(), "fixup"))
		skip();
	expect_exit(run_child(CH_PLAIN), 42);
	expect_exit(run_child(CH_INFO), 43);
	expect_exit(run_child(CH_BUS_INFO), 44);
	/* A SIGSEGV sent with raise() is passed on too. */
	expect_exit(run_child(CH_RAISE_PLAIN), 42);
	/*
	 * ThreadSanitizer runs every handler with all signals blocked, so a
	 * fault inside one kills the process whatever SA_NODEFER says.
	 */
	if (!UNDER_TSAN)
		expect_exit(run_child(CH_NESTED), 45);
}

static void test_chain_default(void **state)
{
	set_mode(state);
	if (strcmp(sio_uaccess_mode_name(), "fixup"))
		skip();
	expect_signal(run_child(CH_DFL), SIGSEGV);
	expect_signal(run_child(CH_IGN), SIGSEGV);
	expect_signal(run_child(CH_RAISE_DFL), SIGSEGV);
	expect_signal(run_child(CH_BUS_DFL), SIGBUS);
}

/* SOFTIOMMU_UACCESS=syscall, read at start-up: check in a fresh process. */
static int env_child_main(void)
{
	char buf[8];

	if (strcmp(sio_uaccess_mode_name(), "syscall"))
		return 2;
	if (sio_sigaction(SIGSEGV, NULL, NULL) != 1)
		return 3;
	if (sio_copy_from_user(buf, up(g_none), sizeof(buf)) != -EFAULT)
		return 4;
	if (sio_copy_from_user(buf, up(g_ro), sizeof(buf)) || buf[7] != 0x5a)
		return 5;
	return 0;
}

/* Run this program again with @arg (and @env_mode as SOFTIOMMU_UACCESS). */
static int run_self(const char *arg, const char *env_mode, bool quiet)
{
	char exe[4096];
	ssize_t n;
	pid_t pid;
	int status;

	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	assert_true(n > 0);
	exe[n] = '\0';
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		char *argv[] = { exe, (char *)arg, NULL };

		if (env_mode)
			setenv("SOFTIOMMU_UACCESS", env_mode, 1);
		else
			unsetenv("SOFTIOMMU_UACCESS");
		if (quiet)
			if (!freopen("/dev/null", "w", stderr))
				_exit(126);
		execv(exe, argv);
		_exit(127);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return status;
}

static void test_env_syscall(void **state)
{
	(void)state;
	expect_exit(run_self(ENV_CHILD_ARG, "syscall", false), 0);
}

/*
 * A fresh process (no cmocka handler to chain to) that uses the fixup mode
 * and then dereferences NULL dies of SIGSEGV. Under ASan or TSan the handler
 * we chain to is the sanitizer's own (installed at start-up; TSan hides it
 * behind SIG_DFL and brings it back when SIG_DFL is set), which reports the
 * fault and exits with the sanitizer's exit code (1 and 66) instead.
 */
static int null_child_main(void)
{
	struct rlimit no_core = { 0, 0 };
	char buf[8];

	setrlimit(RLIMIT_CORE, &no_core);
	if (HAVE_FIXUP && strcmp(sio_uaccess_mode_name(), "fixup"))
		return 2;
	if (sio_copy_from_user(buf, 0, sizeof(buf)) != -EFAULT)
		return 3;
	deref_null();
	return 4;
}

static void test_no_handler_null_deref(void **state)
{
	int status;

	(void)state;
	status = run_self(NULL_CHILD_ARG, NULL, UNDER_ASAN || UNDER_TSAN);
	if (UNDER_ASAN)
		expect_exit(status, 1);
	else if (UNDER_TSAN)
		expect_exit(status, 66);
	else
		expect_signal(status, SIGSEGV);
}

/* ---- signal handlers and threads ------------------------------------- */

static volatile sig_atomic_t g_usr1_result;

static void usr1_copy(int sig)
{
	char buf[40];
	int saved = errno;

	(void)sig;
	/*
	 * ThreadSanitizer runs (deferred) handlers of asynchronous signals
	 * with every signal blocked, where a fault is fatal: only the
	 * non-faulting copy can be tried there.
	 */
	g_usr1_result = (UNDER_TSAN ||
			 sio_copy_from_user(buf, up(g_none), sizeof(buf)) == -EFAULT) &&
			sio_copy_from_user(buf, up(g_ro), sizeof(buf)) == 0 && buf[39] == 0x5a;
	errno = saved;
}

/* A copy made from an ordinary signal handler. */
static void test_copy_in_signal_handler(void **state)
{
	struct sigaction act, old;

	set_mode(state);
	memset(&act, 0, sizeof(act));
	act.sa_handler = usr1_copy;
	sigemptyset(&act.sa_mask);
	assert_int_equal(sigaction(SIGUSR1, &act, &old), 0);
	g_usr1_result = 0;
	raise(SIGUSR1);
	assert_int_equal(sigaction(SIGUSR1, &old, NULL), 0);
	assert_int_equal(g_usr1_result, 1);
}

#define THREADS 4
#define THREAD_ITERS 100000

static void *thread_fn(void *arg)
{
	uintptr_t id = (uintptr_t)arg;
	unsigned char src[40], dst[40];
	unsigned long errors = 0;
	bool z;
	int i;

	for (i = 0; i < THREAD_ITERS; i++) {
		memset(src, (int)(id * 31 + (unsigned)i) | 1, sizeof(src));
		switch (i % 6) {
		case 0:
			errors += sio_copy_from_user(dst, up(src), sizeof(dst)) != 0 ||
				  memcmp(dst, src, sizeof(dst)) != 0;
			break;
		case 1:
			errors += sio_copy_from_user(dst, up(g_none), sizeof(dst)) != -EFAULT;
			break;
		case 2:
			errors += sio_copy_to_user(up(dst), src, sizeof(dst)) != 0 ||
				  memcmp(dst, src, sizeof(dst)) != 0;
			break;
		case 3:
			errors += sio_copy_to_user(up(g_ro), src, sizeof(src)) != -EFAULT;
			break;
		case 4:
			errors += sio_user_is_zero(up(g_cross + pg - 8), 16, &z) != -EFAULT;
			break;
		default:
			errors += sio_clear_user(up(dst), sizeof(dst)) != 0 || dst[39] != 0;
			errors += sio_safe_memcpy(dst, (void *)(uintptr_t)0x1000, 8) != -EFAULT;
			break;
		}
	}
	return (void *)(uintptr_t)errors;
}

static void test_threads(void **state)
{
	pthread_t t[THREADS];
	uintptr_t i;

	set_mode(state);
	memset(g_cross, 0, pg);
	for (i = 0; i < THREADS; i++)
		assert_int_equal(pthread_create(&t[i], NULL, thread_fn, (void *)i), 0);
	for (i = 0; i < THREADS; i++) {
		void *ret;

		assert_int_equal(pthread_join(t[i], &ret), 0);
		assert_int_equal((uintptr_t)ret, 0);
	}
}

/* ---- set-up ---------------------------------------------------------- */

static void *map_or_die(size_t len, int prot)
{
	void *p = mmap(NULL, len, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED) {
		perror("mmap");
		exit(1);
	}
	return p;
}

static void global_setup(void)
{
	int fd;

	pg = (size_t)sysconf(_SC_PAGESIZE);
	g_none = map_or_die(pg, PROT_NONE);
	g_ro = map_or_die(pg, PROT_READ | PROT_WRITE);
	memset(g_ro, 0x5a, pg);
	mprotect(g_ro, pg, PROT_READ);
	g_cross = map_or_die(2 * pg, PROT_READ | PROT_WRITE);
	mprotect(g_cross + pg, pg, PROT_NONE);
	fd = memfd_create("uaccess-test", 0);
	if (fd < 0) {
		perror("memfd_create");
		exit(1);
	}
	g_bus = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (g_bus == MAP_FAILED) {
		perror("mmap memfd");
		exit(1);
	}
	close(fd);
	g_src = map_or_die(BIG + 4096, PROT_READ | PROT_WRITE);
	g_dst = map_or_die(BIG + 4096, PROT_READ | PROT_WRITE);
	fill_random(g_src, BIG + 4096, 12345);
}

#define BOTH_MODES(f)							\
	{ .name = #f "/fixup", .test_func = f, .initial_state = &mode_fixup },	\
	{ .name = #f "/syscall", .test_func = f, .initial_state = &mode_syscall }

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		BOTH_MODES(test_copy_valid),
		BOTH_MODES(test_clear_valid),
		BOTH_MODES(test_is_zero_valid),
		BOTH_MODES(test_bad_pointers),
		BOTH_MODES(test_cross_into_bad),
		BOTH_MODES(test_copy_in_signal_handler),
		BOTH_MODES(test_threads),
		BOTH_MODES(test_cas_valid),
		BOTH_MODES(test_cas_bad),
		BOTH_MODES(test_cas_protect_change),
		BOTH_MODES(test_load64),
		BOTH_MODES(test_cas_threads),
		BOTH_MODES(test_cas_ordering),
		BOTH_MODES(test_fault_in),
		cmocka_unit_test_prestate(test_fault_in_concurrent_writer, &mode_fixup),
		cmocka_unit_test_prestate(test_sigaction_api, &mode_fixup),
		cmocka_unit_test_prestate(test_chain_program_handler, &mode_fixup),
		cmocka_unit_test_prestate(test_chain_default, &mode_fixup),
		cmocka_unit_test(test_env_syscall),
		cmocka_unit_test(test_no_handler_null_deref),
	};

	global_setup();
	if (argc > 1 && !strcmp(argv[1], ENV_CHILD_ARG))
		return env_child_main();
	if (argc > 1 && !strcmp(argv[1], NULL_CHILD_ARG))
		return null_child_main();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
