/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * B8: records per second through read() of the fault queue fd (target:
 * >= 2 M records/s, i.e. <= 500 ns per record). A mock device's RID sits
 * on a nested HWPT with a fault queue; each batch queues BATCH single-page
 * groups through the producer API (sio_fault_queue_group(), as device PRI
 * does), reads them with one sio_read() and answers them with one
 * sio_write(). Rows: the read alone (timed around the read() calls only),
 * and the whole cycle (queue + read + respond) per record.
 *
 * Usage: bench_fault [--json PATH]
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <softiommu/softiommu.h>
#include <softiommu/uapi/iommufd.h>
#include <softiommu/uapi/iommufd_test.h>

#include "bench_util.h"
#include "core/device.h"
#include "core/fault.h"
#include "core/hwpt.h"
#include "uapi/file.h"

#define BATCH 64

struct ctx {
	int ffd;
	struct sio_device *dev;
	struct sio_hwpt *hwpt;
	double read_ns;		/* time spent in read(), accumulated */
	struct iommu_hwpt_pgfault recs[BATCH];
	struct iommu_hwpt_page_response resp[BATCH];
};

static void one_batch(struct ctx *c, bool time_read)
{
	struct sio_iopf req = { .perm = IOMMU_PGFAULT_PERM_READ, .addr = 0x1000 };
	double t0 = 0;
	unsigned int i;

	for (i = 0; i < BATCH; i++) {
		req.grpid = i;
		if (sio_fault_queue_group(c->hwpt, c->dev, &req, 1, NULL, NULL))
			abort();
	}
	if (time_read)
		t0 = bench_now_ns();
	if (sio_read(c->ffd, c->recs, sizeof(c->recs)) != (ssize_t)sizeof(c->recs))
		abort();
	if (time_read)
		c->read_ns += bench_now_ns() - t0;
	for (i = 0; i < BATCH; i++)
		c->resp[i] = (struct iommu_hwpt_page_response){ c->recs[i].cookie, 0 };
	if (sio_write(c->ffd, c->resp, sizeof(c->resp)) != (ssize_t)sizeof(c->resp))
		abort();
}

/* @n records, in whole batches. */
static uint64_t op_cycle(void *arg, uint64_t n)
{
	struct ctx *c = arg;
	uint64_t i;

	for (i = 0; i < n; i += BATCH)
		one_batch(c, false);
	return c->recs[0].cookie;
}

/* The read alone: BENCH_REPS repetitions of >= BENCH_REP_NS of read() time. */
static struct bench_stat time_read_only(struct ctx *c)
{
	double per_rep[BENCH_REPS];
	uint64_t recs;
	int r;

	for (r = 0; r < BENCH_REPS; r++) {
		c->read_ns = 0;
		recs = 0;
		while (c->read_ns < BENCH_REP_NS) {
			one_batch(c, true);
			recs += BATCH;
		}
		per_rep[r] = c->read_ns / (double)recs;
	}
	return bench_summary(per_rep);
}

static int setup(struct ctx *c)
{
	struct iommu_ioas_alloc ia = { .size = sizeof(ia) };
	struct iommu_fault_alloc fa = { .size = sizeof(fa) };
	struct iommu_test_cmd md = { .size = sizeof(md), .op = IOMMU_TEST_OP_MOCK_DOMAIN };
	struct iommu_test_cmd rep = {
		.size = sizeof(rep), .op = IOMMU_TEST_OP_MOCK_DOMAIN_REPLACE,
	};
	struct iommu_hwpt_selftest data = { .iotlb = IOMMU_TEST_IOTLB_DEFAULT };
	struct iommu_hwpt_alloc ha = { .size = sizeof(ha) };
	struct sio_ctx *ctx;
	uint32_t parent;
	int fd;

	fd = sio_open("/dev/iommu", O_RDWR | O_CLOEXEC);
	if (fd < 0 || sio_ioctl(fd, IOMMU_IOAS_ALLOC, &ia))
		return -1;
	md.id = ia.out_ioas_id;
	if (sio_ioctl(fd, IOMMU_TEST_CMD, &md) || sio_ioctl(fd, IOMMU_FAULT_QUEUE_ALLOC, &fa))
		return -1;
	ha.dev_id = md.mock_domain.out_idev_id;
	ha.pt_id = ia.out_ioas_id;
	ha.flags = IOMMU_HWPT_ALLOC_NEST_PARENT;
	if (sio_ioctl(fd, IOMMU_HWPT_ALLOC, &ha))
		return -1;
	parent = ha.out_hwpt_id;
	ha.pt_id = parent;
	ha.flags = IOMMU_HWPT_FAULT_ID_VALID;
	ha.fault_id = fa.out_fault_id;
	ha.data_type = IOMMU_HWPT_DATA_SELFTEST;
	ha.data_len = sizeof(data);
	ha.data_uptr = (uintptr_t)&data;
	if (sio_ioctl(fd, IOMMU_HWPT_ALLOC, &ha))
		return -1;
	rep.id = md.mock_domain.out_stdev_id;
	rep.mock_domain_replace.pt_id = ha.out_hwpt_id;
	if (sio_ioctl(fd, IOMMU_TEST_CMD, &rep) || sio_file_iommufd_ctx(fd, &ctx))
		return -1;
	c->ffd = (int)fa.out_fault_fd;
	c->dev = sio_device_get(ctx, md.mock_domain.out_idev_id);
	c->hwpt = sio_hwpt_nested_get(ctx, ha.out_hwpt_id);
	/* The context stays open until exit; these references go with it. */
	return c->dev && c->hwpt ? 0 : -1;
}

int main(int argc, char **argv)
{
	const char *json = bench_json_arg(argc, argv);
	volatile uint64_t sink = 0;
	struct bench_row rows[2];
	struct bench_stat rd, cyc;
	struct ctx *c = calloc(1, sizeof(*c));

	bench_pin(0);
	if (!c || setup(c)) {
		fprintf(stderr, "bench_fault: setup failed\n");
		return 1;
	}
	rd = time_read_only(c);
	cyc = bench_time(op_cycle, c, &sink);
	rows[0] = (struct bench_row){ "B8 fault fd read() per record", rd, 0, rd.median / 500,
				      ">=2M records/s (<=500 ns)", rd.median <= 500 };
	rows[1] = (struct bench_row){ "  queue+read+respond per record", cyc, 0, 0,
				      "(information)", true };
	bench_print(rows, 2);
	printf("B8: %.2f M records/s through read() (%d single-record groups per read)\n",
	       1e3 / rd.median, BATCH);
	if (json && bench_json(json, rows, 2))
		return 1;
	return rows[0].pass ? 0 : 1;
}
