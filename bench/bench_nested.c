/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * B2: nested cold walk — sio_iommu_translate() through a guest's 4-level
 * x86-64 stage 1 over a 4-level VT-d second stage (4 KiB leaves only), with
 * no IOTLB entry for the address. In-run baseline: a 24-step dependent
 * pointer chase over the same table pages — the same 24 entries read in the
 * same order, each address derived from the entry loaded before it (a
 * hand-written nested walk without checks, A/D updates or caching).
 * Targets: <= 2x baseline; exactly 24 table-entry loads per walk (counted by
 * the IOMMU's pte_loads; a FAIL row otherwise).
 *
 * How the IOTLB is kept empty without timing single operations: the stage 1
 * maps WALK_PAGES (512) IOVAs, one leaf table's worth. A batch translates
 * them in turn and invalidates the nested domain's DID each time it wraps to
 * the first one, so every translation misses (checked: no hit, 24 loads per
 * miss over the whole run). The invalidation is inside the timed batch,
 * amortised over 512 walks; nothing is subtracted.
 *
 * B10: nesting vs shadowing — a guest-style workload of NBUF 4 KiB buffers,
 * each mapped, written by the device (64-byte sio_dma_write()) and unmapped.
 *  - nested: the guest stores its stage-1 leaf entry into guest memory (a
 *    plain store), the DMA walks both stages (cold), and on unmap the guest
 *    clears the entry and invalidates that page on the nested DID.
 *  - shadowed: every guest map/unmap becomes sio_domain_map()/
 *    sio_domain_unmap() of 4 KiB on a paging domain (VT-d second stage) the
 *    device is attached to — the page-table work a VMM without nesting does
 *    for each guest map. This is the domain API directly, not the ioctl
 *    path: the shadow cost measured is a lower bound (a real VMM adds a trap
 *    of the guest's invalidation and IOMMU_IOAS_MAP/UNMAP, ~1 us each per
 *    B4). The shadow domain keeps one resident page at the start of the
 *    leaf table, so unmap never frees the table and its emptiness scan stops
 *    at once (the favourable case for shadowing).
 *  - shadowed via ioctl (a second comparison, the one a VMM actually makes):
 *    each guest map/unmap is IOMMU_IOAS_MAP (FIXED_IOVA) / IOMMU_IOAS_UNMAP
 *    of 4 KiB through sio_ioctl() on an IOAS with a mock paging domain
 *    attached, and the 64-byte device write is IOMMU_TEST_OP_ACCESS_RW of an
 *    emulated-device access on that IOAS (an iommufd access, not a walk of
 *    the mock domain's table — the DMA part is not like for like).
 * Target: nested >= 3x faster than shadowed (ratio = shadowed / nested).
 *
 * Usage: bench_nested [--json PATH]
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
#include "iommu/iommu.h"
#include "pt/pt.h"

#define SZ_4K		0x1000ULL
#define RAM_PAGES	1024
#define RAM_SIZE	(RAM_PAGES * SZ_4K)

#define X86_P		(1ULL << 0)
#define X86_RW		(1ULL << 1)
#define X86_US		(1ULL << 2)
#define X86_OA		0x000ffffffffff000ULL
#define VTD_OA		0x000ffffffffff000ULL

#define PROT_RW		(SIO_PT_PROT_READ | SIO_PT_PROT_WRITE)

#define WALK_PAGES	512			/* B2: one stage-1 leaf table */
#define WALK_IOVA	0x0000123440000000ULL
#define NBUF		256			/* B10 guest buffers */
#define BUF_IOVA	(WALK_IOVA + 0x200000ULL)
#define SH_IOVA		0x0000000080000000ULL	/* B10 shadow domain */
#define WALK_LOADS	24

struct ctx {
	struct sio_iommu *iommu;
	struct sio_domain *s2, *nested, *shadow;
	struct sio_iommu_dev *dev, *dev_sh;
	unsigned char *ram;
	uint64_t root_gpa, s2_root;
	uint32_t nested_did;
	unsigned int next_page;
	/* B2 */
	uint64_t walk_data_gpa;
	unsigned int j_walk, j_chase;
	/* B10 */
	uint64_t buf_gpa[NBUF], buf_leaf_gpa[NBUF];
	unsigned int k_nested, k_shadow;
	unsigned char payload[64];
	/* B10 through sio_ioctl() */
	int fd, afd;
	uint32_t ioas;
};

static uint64_t *gpte(struct ctx *c, uint64_t gpa)
{
	return (uint64_t *)(void *)(c->ram + gpa);
}

static uint64_t guest_page(struct ctx *c)
{
	uint64_t gpa;

	if (c->next_page >= RAM_PAGES)
		abort();
	gpa = c->next_page++ * SZ_4K;
	memset(c->ram + gpa, 0, SZ_4K);
	return gpa;
}

static unsigned int idx(uint64_t a, unsigned int level)
{
	return (unsigned int)((a >> (12 + 9 * level)) & 511);
}

/* GPA of the stage-1 leaf entry for @iova, creating tables (P|RW|US) above it. */
static uint64_t s1_leaf_entry(struct ctx *c, uint64_t iova)
{
	uint64_t table = c->root_gpa;
	unsigned int l;

	for (l = 3; l > 0; l--) {
		uint64_t a = table + 8ULL * idx(iova, l), v = *gpte(c, a);

		if (!(v & X86_P)) {
			v = guest_page(c) | X86_P | X86_RW | X86_US;
			__atomic_store_n(gpte(c, a), v, __ATOMIC_RELEASE);
		}
		table = v & X86_OA;
	}
	return table + 8ULL * idx(iova, 0);
}

/* ------------------------------------------------------------------- B2 */

/* Stage 2 by hand: four dependent loads, GPA -> host address. */
static inline uint64_t chase_s2(uint64_t root, uint64_t gpa)
{
	uint64_t t = root;
	int l;

	for (l = 3; l >= 0; l--)
		t = *(const volatile uint64_t *)(uintptr_t)(t + 8ULL * idx(gpa, (unsigned int)l)) &
		    VTD_OA;
	return t | (gpa & 0xfff);
}

/* The baseline: 4 stage-1 loads, each behind a stage-2 chase, then the output's. */
static __attribute__((noinline)) uint64_t chase_nested(uint64_t s2_root, uint64_t s1_root,
						       uint64_t iova)
{
	uint64_t t = s1_root;
	int l;

	for (l = 3; l >= 0; l--) {
		uint64_t hva = chase_s2(s2_root, t + 8ULL * idx(iova, (unsigned int)l));

		t = *(const volatile uint64_t *)(uintptr_t)hva & X86_OA;
	}
	return chase_s2(s2_root, t) | (iova & 0xfff);
}

static uint64_t op_chase(void *arg, uint64_t n)
{
	struct ctx *c = arg;
	uint64_t i, sum = 0;

	for (i = 0; i < n; i++) {
		sum += chase_nested(c->s2_root, c->root_gpa, WALK_IOVA + c->j_chase * SZ_4K);
		c->j_chase = (c->j_chase + 1) % WALK_PAGES;
	}
	return sum;
}

static uint64_t op_cold_walk(void *arg, uint64_t n)
{
	struct ctx *c = arg;
	uint64_t i, sum = 0;

	for (i = 0; i < n; i++) {
		struct sio_xlate xl;

		if (!c->j_walk)
			sio_iommu_invalidate_did(c->iommu, c->nested_did);
		if (sio_iommu_translate(c->dev, false, 0, WALK_IOVA + c->j_walk * SZ_4K,
					SIO_PT_R, &xl))
			abort();
		sum += xl.pa;
		c->j_walk = (c->j_walk + 1) % WALK_PAGES;
	}
	return sum;
}

/* ------------------------------------------------------------------ B10 */

static uint64_t op_nested(void *arg, uint64_t n)
{
	struct ctx *c = arg;
	uint64_t i;

	for (i = 0; i < n; i++) {
		unsigned int k = c->k_nested;
		uint64_t iova = BUF_IOVA + k * SZ_4K;

		/* Guest map: one store. */
		__atomic_store_n(gpte(c, c->buf_leaf_gpa[k]),
				 c->buf_gpa[k] | X86_P | X86_RW | X86_US, __ATOMIC_RELEASE);
		if (sio_dma_write(c->dev, false, 0, iova, c->payload, sizeof(c->payload), NULL,
				  NULL))
			abort();
		/* Guest unmap: clear the entry, invalidate the page. */
		__atomic_store_n(gpte(c, c->buf_leaf_gpa[k]), 0, __ATOMIC_RELEASE);
		sio_iommu_invalidate(c->iommu, c->nested_did, iova, SZ_4K);
		c->k_nested = (k + 1) % NBUF;
	}
	return c->k_nested;
}

static uint64_t op_shadow(void *arg, uint64_t n)
{
	struct ctx *c = arg;
	uint64_t i;

	for (i = 0; i < n; i++) {
		unsigned int k = c->k_shadow;
		uint64_t iova = SH_IOVA + (k + 1) * SZ_4K;

		if (sio_domain_map(c->shadow, iova, (uint64_t)(uintptr_t)c->ram + c->buf_gpa[k],
				   SZ_4K, PROT_RW) ||
		    sio_dma_write(c->dev_sh, false, 0, iova, c->payload, sizeof(c->payload), NULL,
				  NULL) ||
		    sio_domain_unmap(c->shadow, iova, SZ_4K) != SZ_4K)
			abort();
		c->k_shadow = (k + 1) % NBUF;
	}
	return c->k_shadow;
}

static uint64_t op_shadow_ioctl(void *arg, uint64_t n)
{
	struct ctx *c = arg;
	struct iommu_ioas_map map = {
		.size = sizeof(map),
		.flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE |
			 IOMMU_IOAS_MAP_WRITEABLE,
		.ioas_id = c->ioas,
		.length = SZ_4K,
	};
	struct iommu_ioas_unmap unmap = { .size = sizeof(unmap), .ioas_id = c->ioas };
	struct iommu_test_cmd rw = {
		.size = sizeof(rw),
		.op = IOMMU_TEST_OP_ACCESS_RW,
		.id = (uint32_t)c->afd,
		.access_rw = { .length = sizeof(c->payload), .uptr = (uintptr_t)c->payload,
			       .flags = MOCK_ACCESS_RW_WRITE },
	};
	uint64_t i;

	for (i = 0; i < n; i++) {
		unsigned int k = c->k_shadow;
		uint64_t iova = MOCK_APERTURE_START + (k + 1) * SZ_4K;

		map.iova = iova;
		map.user_va = (uintptr_t)c->ram + c->buf_gpa[k];
		rw.access_rw.iova = iova;
		unmap.iova = iova;
		unmap.length = SZ_4K;
		if (sio_ioctl(c->fd, IOMMU_IOAS_MAP, &map) ||
		    sio_ioctl(c->fd, IOMMU_TEST_CMD, &rw) ||
		    sio_ioctl(c->fd, IOMMU_IOAS_UNMAP, &unmap) || unmap.length != SZ_4K)
			abort();
		c->k_shadow = (k + 1) % NBUF;
	}
	return c->k_shadow;
}

/* ----------------------------------------------------------------- setup */

/* An IOAS with a mock paging domain, one resident page and an access object. */
static int ioctl_setup(struct ctx *c)
{
	struct iommu_ioas_alloc alloc = { .size = sizeof(alloc) };
	struct iommu_ioas_map map = {
		.size = sizeof(map),
		.flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE |
			 IOMMU_IOAS_MAP_WRITEABLE,
		.length = SZ_4K,
	};
	struct iommu_test_cmd cmd;

	c->fd = sio_open("/dev/iommu", O_RDWR | O_CLOEXEC);
	if (c->fd < 0 || sio_ioctl(c->fd, IOMMU_IOAS_ALLOC, &alloc))
		return -1;
	c->ioas = alloc.out_ioas_id;
	memset(&cmd, 0, sizeof(cmd));
	cmd.size = sizeof(cmd);
	cmd.op = IOMMU_TEST_OP_MOCK_DOMAIN;
	cmd.id = c->ioas;
	if (sio_ioctl(c->fd, IOMMU_TEST_CMD, &cmd))
		return -1;
	memset(&cmd, 0, sizeof(cmd));
	cmd.size = sizeof(cmd);
	cmd.op = IOMMU_TEST_OP_CREATE_ACCESS;
	cmd.id = c->ioas;
	if (sio_ioctl(c->fd, IOMMU_TEST_CMD, &cmd))
		return -1;
	c->afd = (int)cmd.create_access.out_access_fd;
	map.ioas_id = c->ioas;
	map.user_va = (uintptr_t)c->ram;
	map.iova = MOCK_APERTURE_START;
	return sio_ioctl(c->fd, IOMMU_IOAS_MAP, &map);
}

static int setup(struct ctx *c)
{
	struct sio_iommu_cfg icfg = { .type = SIO_IOMMU_VTD };
	struct sio_domain_paging_cfg pcfg = {
		.pt = { .format = SIO_PT_VTD_SS, .granule_lg2 = 12, .levels = 4, .ias = 48,
			.oas = 48, .pgsize_bitmap = SZ_4K },
		.nest_parent = true,
	};
	struct sio_domain_paging_cfg shcfg = {
		.pt = { .format = SIO_PT_VTD_SS, .granule_lg2 = 12, .levels = 4, .ias = 48,
			.oas = 48 },
	};
	struct sio_domain_nested_cfg ncfg = {
		.s1 = { .format = SIO_PT_X86_64, .granule_lg2 = 12, .levels = 4, .ias = 48,
			.oas = 48 },
	};
	struct sio_iommu_dev_cfg dcfg = { .rid = 0x10 };
	unsigned int j;

	c->ram = aligned_alloc(SZ_4K, RAM_SIZE);
	if (!c->ram)
		return -1;
	memset(c->ram, 0, RAM_SIZE);
	c->next_page = 1;	/* GPA 0 unused */
	c->root_gpa = guest_page(c);
	if (sio_iommu_create(&icfg, &c->iommu) ||
	    sio_domain_alloc_paging(c->iommu, &pcfg, &c->s2) ||
	    sio_domain_map(c->s2, 0, (uint64_t)(uintptr_t)c->ram, RAM_SIZE, PROT_RW))
		return -1;
	ncfg.s1_root_gpa = c->root_gpa;
	if (sio_domain_alloc_nested(c->iommu, c->s2, &ncfg, &c->nested) ||
	    sio_iommu_dev_create(c->iommu, &dcfg, &c->dev) ||
	    sio_iommu_dev_attach(c->dev, SIO_NO_PASID, c->nested))
		return -1;
	c->nested_did = sio_domain_did(c->nested);
	c->s2_root = sio_pt_root(sio_domain_pt(c->s2));

	/* B2: 512 IOVAs in one leaf table, all to one data page. */
	c->walk_data_gpa = guest_page(c);
	for (j = 0; j < WALK_PAGES; j++)
		*gpte(c, s1_leaf_entry(c, WALK_IOVA + j * SZ_4K)) =
			c->walk_data_gpa | X86_P | X86_RW | X86_US;

	/* B10: NBUF guest pages; leaf entries empty until the guest maps them. */
	for (j = 0; j < NBUF; j++) {
		c->buf_leaf_gpa[j] = s1_leaf_entry(c, BUF_IOVA + j * SZ_4K);
		c->buf_gpa[j] = guest_page(c);
	}
	memset(c->payload, 0xa5, sizeof(c->payload));

	/* The shadow side: a plain paging domain with one resident page. */
	dcfg.rid = 0x11;
	if (sio_domain_alloc_paging(c->iommu, &shcfg, &c->shadow) ||
	    sio_iommu_dev_create(c->iommu, &dcfg, &c->dev_sh) ||
	    sio_iommu_dev_attach(c->dev_sh, SIO_NO_PASID, c->shadow) ||
	    sio_domain_map(c->shadow, SH_IOVA, (uint64_t)(uintptr_t)c->ram, SZ_4K, PROT_RW))
		return -1;
	return 0;
}

static void teardown(struct ctx *c)
{
	sio_iommu_dev_destroy(c->dev);
	sio_iommu_dev_destroy(c->dev_sh);
	sio_domain_free(c->nested);
	sio_domain_free(c->shadow);
	sio_domain_free(c->s2);
	sio_iommu_destroy(c->iommu);
	free(c->ram);
}

int main(int argc, char **argv)
{
	const char *json = bench_json_arg(argc, argv);
	struct bench_stat chase, walk, nested, shadow, nested2, shadow_io;
	struct sio_iommu_stats st, st1;
	volatile uint64_t sink = 0;
	struct bench_row rows[7];
	double r2, r10, r10io = 0;
	bool io_ok;
	struct sio_xlate xl;
	struct ctx c = { 0 };
	bool pinned, loads_ok;
	uint64_t want;

	pinned = bench_pin(0);
	if (setup(&c)) {
		fprintf(stderr, "bench_nested: setup failed\n");
		return 1;
	}

	/* The baseline reads what the IOMMU walks: same result. */
	sio_iommu_invalidate_all(c.iommu);
	sio_iommu_reset_stats(c.iommu);
	if (sio_iommu_translate(c.dev, false, 0, WALK_IOVA + 0x10, SIO_PT_R, &xl))
		return 1;
	want = (uint64_t)(uintptr_t)c.ram + c.walk_data_gpa + 0x10;
	if (xl.pa != want || chase_nested(c.s2_root, c.root_gpa, WALK_IOVA + 0x10) != want) {
		fprintf(stderr, "bench_nested: walk and chase disagree\n");
		return 1;
	}
	sio_iommu_get_stats(c.iommu, &st1);

	/* B2, with every translation of the run checked to be a 24-load miss. */
	sio_iommu_invalidate_all(c.iommu);
	sio_iommu_reset_stats(c.iommu);
	bench_time_pair(op_chase, op_cold_walk, &c, &sink, &chase, &walk, &r2);
	sio_iommu_get_stats(c.iommu, &st);
	loads_ok = st1.pte_loads == WALK_LOADS && st1.iotlb_misses == 1 && !st.iotlb_hits &&
		   st.iotlb_misses && st.pte_loads == WALK_LOADS * st.iotlb_misses;
	printf("cold walk check: single walk: %llu table-entry loads, %llu walks; "
	       "timed run: %llu misses, %llu hits, %.3f loads per miss\n",
	       (unsigned long long)st1.pte_loads, (unsigned long long)st1.walks,
	       (unsigned long long)st.iotlb_misses, (unsigned long long)st.iotlb_hits,
	       st.iotlb_misses ? (double)st.pte_loads / (double)st.iotlb_misses : 0.0);

	/* B10: shadowed is the baseline; ratio = shadowed / nested. */
	sio_iommu_reset_stats(c.iommu);
	bench_time_pair(op_shadow, op_nested, &c, &sink, &shadow, &nested, &r10);
	r10 = 1.0 / r10;
	sio_iommu_get_stats(c.iommu, &st);
	io_ok = !ioctl_setup(&c);
	if (io_ok) {
		c.k_shadow = 0;
		bench_time_pair(op_shadow_ioctl, op_nested, &c, &sink, &shadow_io, &nested2,
				&r10io);
		r10io = 1.0 / r10io;
	} else {
		fprintf(stderr, "bench_nested: ioctl setup failed; no ioctl-level row\n");
	}
	if (st.faults) {
		fprintf(stderr, "bench_nested: %llu faults in B10\n",
			(unsigned long long)st.faults);
		return 1;
	}

	rows[0] = (struct bench_row){ "B2 24-step pointer chase (baseline)", chase, 0, 1, "-",
				      true };
	rows[1] = (struct bench_row){ "B2 nested cold walk 4x4", walk, chase.median, r2,
				      "<=2x baseline", r2 <= 2.0 };
	rows[2] = (struct bench_row){ "B2 table-entry loads per walk",
				      { (double)st1.pte_loads, (double)st1.pte_loads,
					(double)st1.pte_loads }, 0, st1.pte_loads / 24.0,
				      "exactly 24 (value, not ns)", loads_ok };
	rows[3] = (struct bench_row){ "B10 shadowed map+DMA+unmap (base)", shadow, 0, 1, "-",
				      true };
	rows[4] = (struct bench_row){ "B10 nested map+DMA+unmap", nested, shadow.median, r10,
				      ">=3x faster than shadowed", r10 >= 3.0 };
	if (io_ok) {
		rows[5] = (struct bench_row){ "B10 shadowed via sio_ioctl (base)", shadow_io, 0, 1,
					      "-", true };
		rows[6] = (struct bench_row){ "B10 nested vs ioctl shadowing", nested2,
					      shadow_io.median, r10io, ">=3x faster than shadowed",
					      r10io >= 3.0 };
	}
	printf("pinned: %s; B2 %d IOVAs per DID invalidation; B10 %d buffers, 64-byte DMA; "
	       "B10 ratio is shadowed/nested\n", pinned ? "yes" : "no", WALK_PAGES, NBUF);
	bench_print(rows, io_ok ? 7 : 5);
	if (json && bench_json(json, rows, io_ok ? 7 : 5))
		perror(json);
	if (io_ok) {
		sio_close(c.afd);
		sio_close(c.fd);
	}
	teardown(&c);
	return (int)(sink & 0);
}
