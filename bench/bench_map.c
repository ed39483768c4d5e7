/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * B4 "map + unmap 4 KiB" and B5 "one map of 256 contiguous 4 KiB pages"
 * (shared/design/performance.md).
 *
 * Page-table level (src/pt/pt.h, a VT-d second-stage table, 4 levels,
 * 4K/2M/1G leaves):
 *   B4: sio_pt_map() + sio_pt_unmap() of one 4 KiB page; target <= 100 ns per
 *       pair (Linux's generic page table: 53 + 69 ns). Map and unmap are also
 *       reported on their own (information).
 *   B5: sio_pt_map() of 1 MiB = 256 contiguous 4 KiB pages; target <= 3 ns
 *       per page (Linux: ~1.5 ns).
 *   Every leaf table keeps one resident mapping, so that unmap does not free
 *   the table and the next map does not allocate it again: the figures are
 *   those of the entries, as in a populated address space. The resident page
 *   is the last of its leaf table; an information row repeats B4 with the
 *   resident page right before the measured one (unmap once scanned the
 *   table for emptiness, so the layout mattered; with per-table present
 *   counts both rows should match).
 *
 * ioctl level: IOMMU_IOAS_MAP (FIXED) + IOMMU_IOAS_UNMAP of 4 KiB on an IOAS
 * with a paging domain attached (selftest MOCK_DOMAIN), the page pinned on
 * map and unpinned on unmap. The in-run baseline is a real ioctl() syscall
 * round trip: FIONREAD on a pipe. Target: <= 2x the pipe ioctl per ioctl.
 *   bench_map          goes through the C API, sio_ioctl();
 *   bench_map_preload  (built from this file with BENCH_MAP_PRELOAD, run with
 *                      libsoftiommu-preload.so in LD_PRELOAD) goes through
 *                      ioctl() as a client does, and takes its pipe baseline
 *                      through the same interposed ioctl().
 * The ioctl measurements run in a child process, so that a crash of the
 * library is reported as a failed row rather than ending the program.
 *
 * Method: pinned to CPU 0, warm-up, 7 repetitions of >= 100 ms, batches
 * timed with CLOCK_MONOTONIC; median and min-max per operation.
 *
 * Usage: bench_map [--json PATH]     (PATH "-": JSON on stdout)
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <softiommu/uapi/iommufd.h>
#include <softiommu/uapi/iommufd_test.h>

#include "bench_util.h"

#ifndef BENCH_MAP_PRELOAD
#include <softiommu/softiommu.h>

#include "pt/pt.h"
#endif

#define SZ_4K	4096ULL
#define SZ_1M	(1ULL << 20)
#define SZ_2M	(2ULL << 20)

static struct bench_stat scale(struct bench_stat st, double f)
{
	st.median *= f;
	st.min *= f;
	st.max *= f;
	return st;
}

/* ------------------------------------------------------------------------ */
/* ioctl level                                                               */

#ifdef BENCH_MAP_PRELOAD
#define do_open(path, flags) open(path, flags)
#define do_ioctl(fd, cmd, arg) ioctl(fd, cmd, arg)
#define VIA "ioctl() preload"
#define ROW_PIPE "B4 pipe ioctl, preload (baseline)"
#define ROW_IOCTL "B4 map+unmap ioctl(), per ioctl"
#else
#define do_open(path, flags) sio_open(path, flags)
#define do_ioctl(fd, cmd, arg) sio_ioctl(fd, cmd, arg)
#define VIA "sio_ioctl"
#define ROW_PIPE "B4 pipe ioctl FIONREAD (baseline)"
#define ROW_IOCTL "B4 map+unmap sio_ioctl, per ioctl"
#endif

struct ioctl_ctx {
	int fd, pipe_rd;
	uint32_t ioas;
	uint64_t iova;
	void *buf;
};

static uint64_t op_pipe_ioctl(void *arg, uint64_t n)
{
	struct ioctl_ctx *c = arg;
	uint64_t i, sum = 0;
	int avail;

	for (i = 0; i < n; i++) {
		if (ioctl(c->pipe_rd, FIONREAD, &avail))
			abort();
		sum += (uint64_t)avail;
	}
	return sum;
}

/* One IOAS_MAP and one IOAS_UNMAP of 4 KiB per operation. */
static uint64_t op_map_unmap_ioctl(void *arg, uint64_t n)
{
	struct ioctl_ctx *c = arg;
	struct iommu_ioas_map map = {
		.size = sizeof(map),
		.flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE |
			 IOMMU_IOAS_MAP_WRITEABLE,
		.ioas_id = c->ioas,
		.user_va = (uintptr_t)c->buf,
		.length = SZ_4K,
	};
	struct iommu_ioas_unmap unmap = { .size = sizeof(unmap), .ioas_id = c->ioas };
	uint64_t i, sum = 0;

	for (i = 0; i < n; i++) {
		map.iova = c->iova;
		if (do_ioctl(c->fd, IOMMU_IOAS_MAP, &map))
			abort();
		unmap.iova = c->iova;
		unmap.length = SZ_4K;
		if (do_ioctl(c->fd, IOMMU_IOAS_UNMAP, &unmap) || unmap.length != SZ_4K)
			abort();
		sum += map.iova;
	}
	return sum;
}

/* An IOAS with a mock paging domain and one resident page next to c->iova. */
static int ioctl_setup(struct ioctl_ctx *c)
{
	struct iommu_ioas_alloc alloc = { .size = sizeof(alloc) };
	struct iommu_test_cmd md;
	struct iommu_ioas_map map = {
		.size = sizeof(map),
		.flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE |
			 IOMMU_IOAS_MAP_WRITEABLE,
		.length = SZ_4K,
	};
	int p[2];

	c->buf = mmap(NULL, 2 * SZ_4K, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		      -1, 0);
	if (c->buf == MAP_FAILED || pipe(p))
		return -1;
	memset(c->buf, 0x5a, 2 * SZ_4K);
	c->pipe_rd = p[0];
	c->fd = do_open("/dev/iommu", O_RDWR | O_CLOEXEC);
	if (c->fd < 0 || do_ioctl(c->fd, IOMMU_IOAS_ALLOC, &alloc))
		return -1;
	c->ioas = alloc.out_ioas_id;
	memset(&md, 0, sizeof(md));
	md.size = sizeof(md);
	md.op = IOMMU_TEST_OP_MOCK_DOMAIN;
	md.id = c->ioas;
	if (do_ioctl(c->fd, IOMMU_TEST_CMD, &md))
		return -1;
	c->iova = MOCK_APERTURE_START;
	map.ioas_id = c->ioas;
	map.user_va = (uintptr_t)c->buf + SZ_4K;
	map.iova = c->iova + SZ_4K;
	return do_ioctl(c->fd, IOMMU_IOAS_MAP, &map);
}

/*
 * Run the ioctl-level measurements in a child: stats[0] = pipe ioctl,
 * stats[1] = map + unmap pair. Returns 0, or -1 with *why set.
 */
static int ioctl_level(struct bench_stat stats[2], char *why, size_t why_len)
{
	int p[2], status = 0;
	ssize_t got = 0;
	pid_t pid;

	fflush(stdout);
	if (pipe(p) || (pid = fork()) < 0) {
		snprintf(why, why_len, "pipe/fork: %s", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		volatile uint64_t sink = 0;
		struct ioctl_ctx c = { 0 };
		struct bench_stat st[2];

		close(p[0]);
		if (ioctl_setup(&c)) {
			fprintf(stderr, "bench_map: ioctl setup: %s\n", strerror(errno));
			_exit(2);
		}
		st[0] = bench_time(op_pipe_ioctl, &c, &sink);
		st[1] = bench_time(op_map_unmap_ioctl, &c, &sink);
		if (write(p[1], st, sizeof(st)) != (ssize_t)sizeof(st))
			_exit(3);
		_exit((int)(sink & 0));
	}
	close(p[1]);
	while ((size_t)got < sizeof(struct bench_stat) * 2) {
		ssize_t r = read(p[0], (char *)stats + got, sizeof(struct bench_stat) * 2 - got);

		if (r <= 0)
			break;
		got += r;
	}
	close(p[0]);
	waitpid(pid, &status, 0);
	if ((size_t)got == sizeof(struct bench_stat) * 2)
		return 0;
	if (WIFSIGNALED(status))
		snprintf(why, why_len, "killed by signal %d (%s)", WTERMSIG(status),
			 strsignal(WTERMSIG(status)));
	else
		snprintf(why, why_len, "exit status %d", WEXITSTATUS(status));
	return -1;
}

/* ------------------------------------------------------------------------ */
/* Page-table level                                                          */

#ifndef BENCH_MAP_PRELOAD
#define PT_IOVA		0x40000000ULL	/* 1 GiB: one 1 GiB table covers it all */
#define PT_SLOTS	64		/* 2 MiB slots, each its own leaf table */
#define PT_PROT		(SIO_PT_PROT_READ | SIO_PT_PROT_WRITE)

struct pt_ctx {
	struct sio_pt *pt;
	uint64_t pa;		/* "physical" address: process memory */
};

static uint64_t slot_iova(unsigned int k)
{
	return PT_IOVA + (uint64_t)k * SZ_2M;
}

/*
 * A VT-d second-stage table with one resident page in the last 4 KiB of each
 * slot, and one in the first 4 KiB of the extra slot PT_SLOTS.
 */
static int pt_setup(struct pt_ctx *c)
{
	struct sio_pt_cfg cfg = {
		.format = SIO_PT_VTD_SS,
		.granule_lg2 = 12,
		.levels = 4,
		.ias = 48,
		.oas = 52,
		.pgsize_bitmap = SZ_4K | SZ_2M | (1ULL << 30),
	};
	void *mem = aligned_alloc(SZ_2M, SZ_2M);
	unsigned int k;

	if (!mem || sio_pt_create(&cfg, &c->pt))
		return -1;
	c->pa = (uintptr_t)mem;
	for (k = 0; k < PT_SLOTS; k++)
		if (sio_pt_map(c->pt, slot_iova(k) + SZ_2M - SZ_4K, c->pa + SZ_2M - SZ_4K, SZ_4K,
			       PT_PROT))
			return -1;
	return sio_pt_map(c->pt, slot_iova(PT_SLOTS), c->pa, SZ_4K, PT_PROT);
}

static uint64_t pt_pairs(struct pt_ctx *c, uint64_t iova, uint64_t n)
{
	uint64_t i, sum = 0;

	for (i = 0; i < n; i++) {
		if (sio_pt_map(c->pt, iova, c->pa, SZ_4K, PT_PROT))
			abort();
		sum += sio_pt_unmap(c->pt, iova, SZ_4K);
	}
	return sum;
}

/* B4: map + unmap of the first page of slot 0 (resident page: the last one). */
static uint64_t op_pt_pair(void *arg, uint64_t n)
{
	return pt_pairs(arg, slot_iova(0), n);
}

/* The same next to the resident page of slot PT_SLOTS. */
static uint64_t op_pt_pair_near(void *arg, uint64_t n)
{
	return pt_pairs(arg, slot_iova(PT_SLOTS) + SZ_4K, n);
}

enum split_op { SPLIT_MAP_4K, SPLIT_UNMAP_4K, SPLIT_MAP_1M };

/*
 * Time one half of a map/unmap cycle: each batch maps (or unmaps) one range
 * in each of the PT_SLOTS slots, and the other half runs untimed between
 * batches. Result in ns per operation.
 */
static struct bench_stat time_split(struct pt_ctx *c, enum split_op op)
{
	uint64_t len = op == SPLIT_MAP_1M ? SZ_1M : SZ_4K;
	double per_rep[BENCH_REPS];
	struct bench_stat st;
	int r;

	for (r = -2; r < BENCH_REPS; r++) {	/* two warm-up repetitions */
		double timed = 0, t0 = bench_now_ns();
		uint64_t ops = 0;

		do {
			double b0, b1;
			unsigned int k;

			if (op == SPLIT_UNMAP_4K)
				for (k = 0; k < PT_SLOTS; k++)
					if (sio_pt_map(c->pt, slot_iova(k), c->pa, len, PT_PROT))
						abort();
			b0 = bench_now_ns();
			for (k = 0; k < PT_SLOTS; k++) {
				if (op == SPLIT_UNMAP_4K) {
					if (sio_pt_unmap(c->pt, slot_iova(k), len) != len)
						abort();
				} else if (sio_pt_map(c->pt, slot_iova(k), c->pa, len, PT_PROT)) {
					abort();
				}
			}
			b1 = bench_now_ns();
			timed += b1 - b0;
			ops += PT_SLOTS;
			if (op != SPLIT_UNMAP_4K)
				for (k = 0; k < PT_SLOTS; k++)
					if (sio_pt_unmap(c->pt, slot_iova(k), len) != len)
						abort();
		} while (bench_now_ns() - t0 < BENCH_REP_NS);
		if (r >= 0)
			per_rep[r] = timed / (double)ops;
	}
	qsort(per_rep, BENCH_REPS, sizeof(per_rep[0]), bench_cmp_double);
	st.median = per_rep[BENCH_REPS / 2];
	st.min = per_rep[0];
	st.max = per_rep[BENCH_REPS - 1];
	return st;
}

#endif

/* ------------------------------------------------------------------------ */

static int write_json(const char *path, const struct bench_row *rows, unsigned int n)
{
	char tmp[] = "/tmp/bench_map.XXXXXX";
	char buf[4096];
	ssize_t len;
	int fd, rc;

	if (strcmp(path, "-"))
		return bench_json(path, rows, n);
	/* "-": through a temporary file, then to stdout. */
	fd = mkstemp(tmp);
	if (fd < 0)
		return -1;
	close(fd);
	rc = bench_json(tmp, rows, n);
	fd = open(tmp, O_RDONLY);
	unlink(tmp);
	if (rc || fd < 0)
		return -1;
	fflush(stdout);
	while ((len = read(fd, buf, sizeof(buf))) > 0)
		if (write(STDOUT_FILENO, buf, (size_t)len) != len)
			break;
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	const char *json = bench_json_arg(argc, argv);
	struct bench_stat io[2], per_ioctl;
	struct bench_row rows[8];
	char why[128] = "";
	unsigned int n = 0;
	bool pinned, io_ok;
	FILE *info;
#ifndef BENCH_MAP_PRELOAD
	struct bench_stat pair, near, map4k, unmap4k, map1m;
	volatile uint64_t sink = 0;
	struct pt_ctx pc = { 0 };
#endif

	pinned = bench_pin(0);
#ifndef BENCH_MAP_PRELOAD
	if (pt_setup(&pc)) {
		fprintf(stderr, "bench_map: page table setup failed\n");
		return 1;
	}
	pair = bench_time(op_pt_pair, &pc, &sink);
	near = bench_time(op_pt_pair_near, &pc, &sink);
	map4k = time_split(&pc, SPLIT_MAP_4K);
	unmap4k = time_split(&pc, SPLIT_UNMAP_4K);
	map1m = time_split(&pc, SPLIT_MAP_1M);
	sio_pt_free_deferred(pc.pt);
	sio_pt_destroy(pc.pt);

	rows[n++] = (struct bench_row){ "B4 pt map+unmap 4K (VT-d SS)", pair, 0,
					pair.median / 100.0, "<=100 ns/pair",
					pair.median <= 100.0 };
	rows[n++] = (struct bench_row){ "B4 pt map+unmap, adjacent (info)", near, 0,
					near.median / 100.0, "<=100 ns/pair", true };
	rows[n++] = (struct bench_row){ "B4 pt map 4K (info)", map4k, 0,
					map4k.median / 53.0, "Linux: 53 ns", true };
	rows[n++] = (struct bench_row){ "B4 pt unmap 4K (info)", unmap4k, 0,
					unmap4k.median / 69.0, "Linux: 69 ns", true };
	map1m = scale(map1m, 1.0 / 256);
	rows[n++] = (struct bench_row){ "B5 pt map 256x4K, per page", map1m, 0,
					map1m.median / 3.0, "<=3 ns/page",
					map1m.median <= 3.0 };
#endif
	io_ok = !ioctl_level(io, why, sizeof(why));
	if (!io_ok) {
		fprintf(stderr, "bench_map: ioctl level (%s) failed: %s\n", VIA, why);
		memset(io, 0, sizeof(io));
	}
	per_ioctl = scale(io[1], 0.5);
	rows[n++] = (struct bench_row){ ROW_PIPE, io[0], 0, 1, "-", io_ok };
	rows[n++] = (struct bench_row){ ROW_IOCTL, per_ioctl,
					io[0].median,
					io_ok ? per_ioctl.median / io[0].median : 0,
					"<=2x pipe ioctl", io_ok &&
					per_ioctl.median <= 2.0 * io[0].median };

	/* With the JSON on stdout, the notes go to stderr. */
	info = json && !strcmp(json, "-") ? stderr : stdout;
	fprintf(info, "pinned: %s; ioctl path: %s", pinned ? "yes" : "no", VIA);
	if (io_ok)
		fprintf(info, "; IOAS map+unmap pair %.1f ns", io[1].median);
	fprintf(info, "\n");
	if (!json || strcmp(json, "-"))
		bench_print(rows, n);
	if (json && write_json(json, rows, n))
		perror(json);
	return io_ok ? 0 : 1;
}
