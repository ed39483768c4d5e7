/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Micro-benchmark of the safe user-memory copy (src/base/uaccess.c).
 *
 * Build and run (from the source root):
 *   gcc -std=gnu11 -D_GNU_SOURCE -O2 -Isrc -Iinclude bench/bench_uaccess.c \
 *       src/base/uaccess.c src/base/uaccess_x86_64.S -lpthread -o /tmp/bu
 *   /tmp/bu
 *
 * Prints ns per 40-byte sio_copy_from_user() in each mode next to memcpy,
 * a raw process_vm_readv() and an ioctl(FIONREAD) on a pipe, the cost of a
 * faulting copy, and GB/s of 64 KiB copies against memcpy. Each figure is
 * the best of several rounds.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "base/uaccess.h"

#define ROUNDS 7

static void *(*volatile memcpy_fn)(void *, const void *, size_t) = memcpy;

static unsigned char *g_src, *g_dst, *g_bad;
static size_t g_len;
static size_t g_off;	/* misalignment added to both sides */
static int g_pipe[2];

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static void barrier(void)
{
	__asm__ __volatile__("" ::: "memory");
}

static void op_memcpy(void)
{
	memcpy_fn(g_dst + g_off, g_src + g_off, g_len);
}

static void op_copy(void)
{
	if (sio_copy_from_user(g_dst + g_off, (uintptr_t)(g_src + g_off), g_len))
		abort();
}

static void op_copy_fault(void)
{
	if (sio_copy_from_user(g_dst, (uintptr_t)g_bad, g_len) != -EFAULT)
		abort();
}

static void op_vm_readv(void)
{
	struct iovec l = { g_dst, g_len }, r = { g_src, g_len };

	if (process_vm_readv(getpid(), &l, 1, &r, 1, 0) != (ssize_t)g_len)
		abort();
}

static void op_pipe_ioctl(void)
{
	int n;

	if (ioctl(g_pipe[0], FIONREAD, &n))
		abort();
}

/* Best time per call of @op, in ns, over ROUNDS rounds of @iters calls. */
static double bench(void (*op)(void), long iters)
{
	double best = 1e30;
	int r;

	for (r = 0; r < ROUNDS; r++) {
		double t0 = now_ns(), t;
		long i;

		for (i = 0; i < iters; i++) {
			op();
			barrier();
		}
		t = (now_ns() - t0) / (double)iters;
		if (t < best)
			best = t;
	}
	return best;
}

static void set_mode(int sys)
{
	sio_uaccess_force_mode_for_test(sys);
}

int main(void)
{
	const size_t big = 64 * 1024;
	double t_memcpy, t_fix, t_sys, t_vm, t_ioctl, t_fault, t;
	size_t off;

	g_src = aligned_alloc(4096, big + 4096);
	g_dst = aligned_alloc(4096, big + 4096);
	g_bad = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (!g_src || !g_dst || g_bad == MAP_FAILED || pipe(g_pipe))
		return 1;
	memset(g_src, 0x3c, big + 4096);
	memset(g_dst, 0, big + 4096);

	g_len = 40;
	g_off = 0;
	t_memcpy = bench(op_memcpy, 20000000);
	set_mode(0);
	t_fix = bench(op_copy, 20000000);
	printf("mode %s\n", sio_uaccess_mode_name());
	t_fault = bench(op_copy_fault, 20000);
	set_mode(1);
	t_sys = bench(op_copy, 200000);
	t_vm = bench(op_vm_readv, 200000);
	t_ioctl = bench(op_pipe_ioctl, 500000);

	printf("40-byte copy, ns per call:\n");
	printf("  memcpy (indirect call)         %8.2f\n", t_memcpy);
	printf("  sio_copy_from_user, fixup      %8.2f\n", t_fix);
	printf("  sio_copy_from_user, syscall    %8.2f\n", t_sys);
	printf("  raw process_vm_readv           %8.2f\n", t_vm);
	printf("  ioctl(FIONREAD) on a pipe      %8.2f\n", t_ioctl);
	printf("  faulting copy, fixup           %8.2f\n", t_fault);

	printf("64 KiB copy, GB/s (same misalignment on both sides):\n");
	g_len = big;
	for (off = 0; off < 16; off += 7) {
		g_off = off;
		t_memcpy = bench(op_memcpy, 20000);
		set_mode(0);
		t_fix = bench(op_copy, 20000);
		set_mode(1);
		t_sys = bench(op_copy, 5000);
		printf("  offset %2zu: memcpy %6.2f  fixup %6.2f (%.2fx)  syscall %6.2f\n", off,
		       (double)big / t_memcpy, (double)big / t_fix, t_memcpy / t_fix,
		       (double)big / t_sys);
	}

	printf("other sizes, fixup vs memcpy, ns per call:\n");
	for (g_len = 8; g_len <= 4096; g_len *= 4) {
		g_off = 0;
		t_memcpy = bench(op_memcpy, 2000000);
		set_mode(0);
		t = bench(op_copy, 2000000);
		printf("  %5zu bytes: memcpy %7.2f  fixup %7.2f\n", g_len, t_memcpy, t);
	}
	return 0;
}
