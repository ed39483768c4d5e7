/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The 2020 VFIO DMA fault regions of a function, through the C API
 * (docs/faults.md "The 2020 VFIO DMA fault regions"; vsva-2020-abi §4.4,
 * §4.5): a VT-d function with PRI, guest RAM in a NEST_PARENT HWPT and a
 * nested HWPT whose first-stage table lacks the PTE the device uses. Its
 * DMA waits in one thread while this one waits on the fault IRQ's eventfd,
 * reads the header through pread, the record through its mapping of the
 * ring, fills the PTE, invalidates, writes a response into the mapped
 * response ring and its head through pwrite, as a 2021 VMM would.
 */
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <softiommu/softiommu.h>
#include <softiommu/uapi/iommu.h>
#include <softiommu/uapi/iommufd.h>
#include <softiommu/uapi/vfio.h>
#include <softiommu/uapi/vfio_nested.h>

#define HARNESS_ISOLATE
#include "harness.h"

#include "vtd_guest.h"

#define PAGE		4096u

/* A region pair with its rings mapped. */
struct regions {
	struct sio_dma_fault_regions *r;
	struct iommu_fault *recs;		/* the fault ring, read-only */
	struct iommu_page_response *resps;	/* the response ring */
	uint32_t resp_head;
};

/* A PRI function, bound, with a nested HWPT (no fault queue) at @pasid or the RID. */
static bool guest_setup(struct guest *g, uint32_t pasid)
{
	return vtd_guest_setup(g, 0x31, 3, VTD_GUEST_PRI, pasid);
}

static bool regions_open(struct regions *rg, struct guest *g)
{
	memset(rg, 0, sizeof(*rg));
	rg->r = sio_dev_dma_fault_regions_open(g->index);
	if (!rg->r)
		return false;
	rg->recs = sio_dma_fault_region_mmap(rg->r, SIO_DMA_FAULT_REGION, PAGE,
					     VFIO_DMA_FAULT_RING_LENGTH * 64, PROT_READ);
	rg->resps = sio_dma_fault_region_mmap(rg->r, SIO_DMA_FAULT_RESPONSE_REGION, PAGE,
					      3 * PAGE, PROT_READ | PROT_WRITE);
	return rg->recs != MAP_FAILED && rg->resps != MAP_FAILED;
}

static void regions_close(struct regions *rg)
{
	munmap(rg->recs, VFIO_DMA_FAULT_RING_LENGTH * 64);
	munmap(rg->resps, 3 * PAGE);
	CHECK_OK(sio_dma_fault_regions_close(rg->r));
}

/* A 4-byte header field at @off of @which region, read through pread. */
static uint32_t hdr_field(struct regions *rg, unsigned int which, unsigned int off)
{
	uint32_t v = 0xdeadbeef;

	CHECK_EQ(sio_dma_fault_region_pread(rg->r, which, &v, 4, off), 4);
	return v;
}

/* Wait for the fault IRQ; return the count signalled (0: timeout). */
static uint64_t wait_irq(struct regions *rg)
{
	struct pollfd p = { .fd = sio_dma_fault_regions_eventfd(rg->r), .events = POLLIN };
	uint64_t n = 0;

	if (poll(&p, 1, WAIT_MS) != 1)
		return 0;
	if (read(p.fd, &n, sizeof(n)) != sizeof(n))
		return 0;
	return n;
}

/*
 * Wait until the fault region's head reaches @head: a group's records are
 * queued one by one, each signalling the IRQ. Return: the head seen last.
 */
static uint32_t wait_head(struct regions *rg, uint32_t head)
{
	uint32_t seen = 0;

	for (unsigned int ms = 0; ms < WAIT_MS; ms++) {
		seen = hdr_field(rg, SIO_DMA_FAULT_REGION, 16);
		if (seen == head || !wait_irq(rg))
			break;
	}
	return seen;
}

/* Answer through the response ring: the entry first, then head by pwrite. */
static ssize_t respond(struct regions *rg, uint32_t grpid, bool pasid_valid, uint32_t pasid,
		       uint32_t code)
{
	struct iommu_page_response *e = &rg->resps[rg->resp_head];

	e->argsz = sizeof(*e);
	e->version = IOMMU_PAGE_RESP_VERSION_1;
	e->flags = pasid_valid ? IOMMU_PAGE_RESP_PASID_VALID : 0;
	e->pasid = pasid;
	e->grpid = grpid;
	e->code = code;
	rg->resp_head = (rg->resp_head + 1) % VFIO_DMA_FAULT_RING_LENGTH;
	return sio_dma_fault_region_pwrite(rg->r, SIO_DMA_FAULT_RESPONSE_REGION, &rg->resp_head,
					   4, 0);
}

/* Consume records up to the published head (the program's tail write). */
static void consume(struct regions *rg)
{
	uint32_t head = hdr_field(rg, SIO_DMA_FAULT_REGION, 16);

	CHECK_EQ(sio_dma_fault_region_pwrite(rg->r, SIO_DMA_FAULT_REGION, &head, 4, 0), 4);
}

/*
 * A guest at @pasid (or the RID) with its regions open, and a DMA reading
 * @len bytes at @iova that waits: its page request has signalled the IRQ.
 */
static bool start_waiting_dma(struct guest *g, struct regions *rg, struct dma_job *j,
			      uint32_t pasid, uint64_t iova, size_t len)
{
	if (!guest_setup(g, pasid) || !regions_open(rg, g))
		return false;
	dma_start(j, g, false, iova, len);
	return wait_irq(rg) == 1;
}

/* Fill the PTE of page @i, invalidate it, and answer group @grpid SUCCESS. */
static void fix_and_answer(struct guest *g, struct regions *rg, unsigned int i, uint32_t grpid,
			   bool pasid_valid, uint32_t pasid)
{
	pte_set(g, i, P_RW_US);
	CHECK_OK(invalidate(g, GVA + i * PAGE, 1));
	CHECK_EQ(respond(rg, grpid, pasid_valid, pasid, IOMMU_PAGE_RESP_SUCCESS), 4);
}

/* The pair's counters in *@st, its response counts checked. */
static void check_responses(struct regions *rg, struct sio_dma_fault_regions_stats *st,
			    uint64_t responses, uint64_t rejected)
{
	memset(st, 0, sizeof(*st));
	CHECK_OK(sio_dma_fault_regions_stats(rg->r, st));
	CHECK_EQ(st->responses, responses);
	CHECK_EQ(st->responses_rejected, rejected);
}

TEST(region_info_and_access_rules)
{
	struct sio_dma_fault_region_info info;
	struct regions rg;
	struct guest g;
	uint32_t v;

	REQUIRE(guest_setup(&g, SIO_NO_PASID_VAL));
	CHECK(!sio_dev_dma_fault_regions_open(-1) && errno == ENODEV);
	CHECK(!sio_dev_dma_fault_regions_open(g.index + 1) && errno == ENODEV);
	REQUIRE(regions_open(&rg, &g));
	CHECK(!sio_dev_dma_fault_regions_open(g.index) && errno == EBUSY);

	CHECK_OK(sio_dma_fault_region_info(rg.r, SIO_DMA_FAULT_REGION, &info));
	CHECK_EQ(info.flags, VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE |
			     VFIO_REGION_INFO_FLAG_MMAP);
	CHECK_EQ(info.type, 4);
	CHECK_EQ(info.subtype, 1);
	CHECK_EQ(info.cap_id, 6);
	CHECK_EQ(info.version, 1);
	CHECK_EQ(info.size, 36 * 1024);
	CHECK_EQ(info.mmap_offset, PAGE);
	CHECK_EQ(info.mmap_size, 32 * 1024);
	CHECK_OK(sio_dma_fault_region_info(rg.r, SIO_DMA_FAULT_RESPONSE_REGION, &info));
	CHECK_EQ(info.subtype, 2);
	CHECK_EQ(info.cap_id, 7);
	CHECK_EQ(info.size, 16 * 1024);
	CHECK_EQ(info.mmap_size, 12 * 1024);
	CHECK_ERR(sio_dma_fault_region_info(rg.r, 2, &info), EINVAL);
	CHECK_ERR(sio_dma_fault_region_info(rg.r, SIO_DMA_FAULT_REGION, (void *)8), EFAULT);

	/* v13 header values. */
	CHECK_EQ(hdr_field(&rg, SIO_DMA_FAULT_REGION, 0), 0);
	CHECK_EQ(hdr_field(&rg, SIO_DMA_FAULT_REGION, 4), 64);
	CHECK_EQ(hdr_field(&rg, SIO_DMA_FAULT_REGION, 8), 512);
	CHECK_EQ(hdr_field(&rg, SIO_DMA_FAULT_REGION, 12), PAGE);
	CHECK_EQ(hdr_field(&rg, SIO_DMA_FAULT_REGION, 16), 0);
	CHECK_EQ(hdr_field(&rg, SIO_DMA_FAULT_RESPONSE_REGION, 4), 24);
	CHECK_EQ(hdr_field(&rg, SIO_DMA_FAULT_RESPONSE_REGION, 8), 512);
	CHECK_EQ(hdr_field(&rg, SIO_DMA_FAULT_RESPONSE_REGION, 12), PAGE);

	/* Only the ring maps; only the owned index is written, and below nb_entries. */
	CHECK(sio_dma_fault_region_mmap(rg.r, SIO_DMA_FAULT_REGION, 0, PAGE, PROT_READ) ==
	      MAP_FAILED && errno == EINVAL);
	CHECK(sio_dma_fault_region_mmap(rg.r, SIO_DMA_FAULT_REGION, PAGE, 33 * 1024,
					PROT_READ) == MAP_FAILED && errno == EINVAL);
	v = 512;
	CHECK_ERR(sio_dma_fault_region_pwrite(rg.r, SIO_DMA_FAULT_REGION, &v, 4, 0), EINVAL);
	CHECK_ERR(sio_dma_fault_region_pwrite(rg.r, SIO_DMA_FAULT_RESPONSE_REGION, &v, 4, 0),
		  EINVAL);
	v = 1;
	CHECK_ERR(sio_dma_fault_region_pwrite(rg.r, SIO_DMA_FAULT_REGION, &v, 4, 16), EINVAL);
	CHECK_ERR(sio_dma_fault_region_pwrite(rg.r, SIO_DMA_FAULT_REGION, &v, 2, 0), EINVAL);
	CHECK_ERR(sio_dma_fault_region_pwrite(rg.r, SIO_DMA_FAULT_REGION, (void *)8, 4, 0),
		  EFAULT);
	CHECK_ERR(sio_dma_fault_region_pread(rg.r, SIO_DMA_FAULT_REGION, &v, 4, 36 * 1024),
		  EINVAL);
	CHECK_EQ(sio_dma_fault_region_pread(rg.r, SIO_DMA_FAULT_REGION, &v, 4, 36 * 1024 - 2), 2);
	regions_close(&rg);
	/* Closed: the function's faults can be served again. */
	REQUIRE(regions_open(&rg, &g));
	regions_close(&rg);
	CHECK_OK(sio_dma_fault_regions_close(NULL));
	guest_teardown(&g);
}

TEST(page_request_answered_success)
{
	struct sio_dma_fault_regions_stats st;
	struct dma_job j;
	struct regions rg;
	struct guest g;
	struct iommu_fault f;

	REQUIRE(start_waiting_dma(&g, &rg, &j, SIO_NO_PASID_VAL, GVA + 16, 13));
	CHECK_EQ(hdr_field(&rg, SIO_DMA_FAULT_REGION, 16), 1);
	f = rg.recs[0];
	CHECK_EQ(f.type, IOMMU_FAULT_PAGE_REQ);
	CHECK_EQ(f.padding, 0);
	CHECK_EQ(f.prm.flags, IOMMU_FAULT_PAGE_REQUEST_LAST_PAGE);
	CHECK_EQ(f.prm.perm, IOMMU_FAULT_PERM_READ);
	CHECK_EQ(f.prm.addr, GVA);
	CHECK(f.prm.grpid < 512);
	CHECK(!job_done(&j));
	consume(&rg);
	CHECK_EQ(hdr_field(&rg, SIO_DMA_FAULT_REGION, 0), 1);

	fix_and_answer(&g, &rg, 0, f.prm.grpid, false, 0);
	/* Consumed before the write returned. */
	CHECK_EQ(hdr_field(&rg, SIO_DMA_FAULT_RESPONSE_REGION, 16), 1);
	dma_join(&j);
	CHECK_EQ(j.result, 13);
	CHECK(!memcmp(j.buf, "aaaaaaaaaaaaa", 13));
	/* The same group again: nothing pending matches, the response is rejected. */
	CHECK_EQ(respond(&rg, f.prm.grpid, false, 0, IOMMU_PAGE_RESP_SUCCESS), 4);
	check_responses(&rg, &st, 2, 1);
	CHECK_EQ(st.records, 1);
	CHECK_EQ(st.records_dropped, 0);
	regions_close(&rg);
	guest_teardown(&g);
}

TEST(page_request_answered_invalid_fails_dma)
{
	struct dma_job j;
	struct regions rg;
	struct guest g;

	REQUIRE(start_waiting_dma(&g, &rg, &j, SIO_NO_PASID_VAL, GVA + PAGE, 64));
	CHECK_EQ(rg.recs[0].prm.addr, GVA + PAGE);
	CHECK_EQ(respond(&rg, rg.recs[0].prm.grpid, false, 0, IOMMU_PAGE_RESP_INVALID), 4);
	dma_join(&j);
	CHECK_EQ(j.result, -1);
	CHECK_EQ(j.err, EFAULT);
	CHECK_EQ(j.buf[0], 'Z');
	regions_close(&rg);
	guest_teardown(&g);
}

TEST(group_of_pages_one_response)
{
	struct dma_job j;
	struct regions rg;
	struct guest g;
	unsigned int i;

	REQUIRE(guest_setup(&g, SIO_NO_PASID_VAL));
	REQUIRE(regions_open(&rg, &g));
	dma_start(&j, &g, false, GVA, 3 * PAGE);
	REQUIRE(wait_head(&rg, 3) == 3);
	for (i = 0; i < 3; i++) {
		CHECK_EQ(rg.recs[i].type, IOMMU_FAULT_PAGE_REQ);
		CHECK_EQ(rg.recs[i].prm.addr, GVA + i * PAGE);
		CHECK_EQ(rg.recs[i].prm.grpid, rg.recs[0].prm.grpid);
		CHECK_EQ(rg.recs[i].prm.flags, i == 2 ? IOMMU_FAULT_PAGE_REQUEST_LAST_PAGE : 0);
		pte_set(&g, i, P_RW_US);
	}
	CHECK_OK(invalidate(&g, GVA, 3));
	CHECK_EQ(respond(&rg, rg.recs[0].prm.grpid, false, 0, IOMMU_PAGE_RESP_SUCCESS), 4);
	dma_join(&j);
	CHECK_EQ(j.result, 3 * PAGE);
	CHECK(j.buf[0] == 'a' && j.buf[PAGE] == 'b' && j.buf[2 * PAGE + PAGE - 1] == 'c');
	regions_close(&rg);
	guest_teardown(&g);
}

TEST(pasid_request_needs_pasid_in_response)
{
	struct sio_dma_fault_regions_stats st;
	struct dma_job j;
	struct regions rg;
	struct guest g;
	struct iommu_fault f;

	REQUIRE(start_waiting_dma(&g, &rg, &j, 5, GVA, 8));
	f = rg.recs[0];
	CHECK_EQ(f.prm.flags, IOMMU_FAULT_PAGE_REQUEST_PASID_VALID |
			      IOMMU_FAULT_PAGE_REQUEST_LAST_PAGE |
			      IOMMU_FAULT_PAGE_RESPONSE_NEEDS_PASID);
	CHECK_EQ(f.prm.pasid, 5);
	/* Without the PASID, or with another one, the response matches nothing. */
	CHECK_EQ(respond(&rg, f.prm.grpid, false, 0, IOMMU_PAGE_RESP_SUCCESS), 4);
	CHECK_EQ(respond(&rg, f.prm.grpid, true, 6, IOMMU_PAGE_RESP_SUCCESS), 4);
	CHECK(!job_done(&j));
	fix_and_answer(&g, &rg, 0, f.prm.grpid, true, 5);
	dma_join(&j);
	CHECK_EQ(j.result, 8);
	check_responses(&rg, &st, 3, 2);
	regions_close(&rg);
	guest_teardown(&g);
}

TEST(failure_disables_pri_until_reset)
{
	struct sio_dma_fault_regions_stats st;
	struct dma_job j;
	struct regions rg;
	struct guest g;
	char buf[8];

	REQUIRE(start_waiting_dma(&g, &rg, &j, SIO_NO_PASID_VAL, GVA, 8));
	CHECK_EQ(respond(&rg, rg.recs[0].prm.grpid, false, 0, IOMMU_PAGE_RESP_FAILURE), 4);
	dma_join(&j);
	CHECK_EQ(j.err, EFAULT);
	/* PRI is off: the next fault is not a page request. */
	CHECK_EQ(sio_dev_dma_read(g.index, SIO_NO_PASID_VAL, GVA + PAGE, buf, 8), -1);
	CHECK_EQ(errno, EFAULT);
	CHECK_OK(sio_dma_fault_regions_stats(rg.r, &st));
	CHECK_EQ(st.records, 1);
	/* A function reset turns it back on. */
	CHECK_OK(sio_ioctl(g.devfd, VFIO_DEVICE_RESET, NULL));
	dma_start(&j, &g, false, GVA + PAGE, 8);
	REQUIRE(wait_irq(&rg) == 1);
	CHECK_EQ(rg.recs[1].prm.addr, GVA + PAGE);
	CHECK_EQ(respond(&rg, rg.recs[1].prm.grpid, false, 0, IOMMU_PAGE_RESP_INVALID), 4);
	dma_join(&j);
	CHECK_EQ(j.err, EFAULT);
	regions_close(&rg);
	guest_teardown(&g);
}

TEST(close_answers_pending_invalid)
{
	struct dma_job j;
	struct regions rg;
	struct guest g;
	char buf[8];

	REQUIRE(start_waiting_dma(&g, &rg, &j, SIO_NO_PASID_VAL, GVA, 8));
	CHECK(!job_done(&j));
	regions_close(&rg);
	dma_join(&j);
	CHECK_EQ(j.result, -1);
	CHECK_EQ(j.err, EFAULT);
	/* No handler and no fault queue: the fault is not a page request any more. */
	CHECK_EQ(sio_dev_dma_read(g.index, SIO_NO_PASID_VAL, GVA, buf, 8), -1);
	CHECK_EQ(errno, EFAULT);
	guest_teardown(&g);
}

/*
 * The pair holds its function: while it is open the function cannot be
 * destroyed, so its index cannot name a later function whose handler and
 * groups the pair's responses and close would then act on.
 */
TEST(open_regions_keep_function)
{
	struct sio_dma_fault_regions *r;
	struct regions rg;
	struct guest g;

	REQUIRE(guest_setup(&g, SIO_NO_PASID_VAL));
	REQUIRE(regions_open(&rg, &g));
	CHECK_OK(sio_close(g.devfd));
	CHECK_OK(sio_close(g.iommufd));
	g.devfd = g.iommufd = -1;
	CHECK_ERR(sio_device_destroy(g.index), EBUSY);
	/* Still there, and still served by the pair. */
	r = sio_dev_dma_fault_regions_open(g.index);
	CHECK(!r && errno == EBUSY);
	regions_close(&rg);
	guest_teardown(&g);
}

/* In a forked child: what the inherited pair must do. Return: the exit status. */
static int child_of_fork(struct regions *rg, struct guest *g)
{
	struct sio_dma_fault_regions_stats st;
	char buf[8];
	uint32_t v;

	/* Bounds the wait of a request that the parent's ring swallowed. */
	if (sio_dev_pri_set_timeout(g->index, 300))
		return 1;
	/* Not reported to the parent's pair: the request fails at once. */
	if (sio_dev_dma_read(g->index, SIO_NO_PASID_VAL, GVA, buf, 8) != -1 || errno != EFAULT)
		return 2;
	if (sio_dma_fault_region_pread(rg->r, SIO_DMA_FAULT_REGION, &v, 4, 16) != -1 ||
	    errno != EXDEV)
		return 3;
	v = 0;
	if (sio_dma_fault_region_pwrite(rg->r, SIO_DMA_FAULT_RESPONSE_REGION, &v, 4, 0) != -1 ||
	    errno != EXDEV)
		return 4;
	if (sio_dma_fault_regions_stats(rg->r, &st) != -1 || errno != EXDEV)
		return 5;
	if (sio_dma_fault_region_mmap(rg->r, SIO_DMA_FAULT_REGION, PAGE, PAGE, PROT_READ) !=
	    MAP_FAILED || errno != EXDEV)
		return 6;
	if (sio_dma_fault_regions_eventfd(rg->r) != -1 || errno != EXDEV)
		return 7;
	return sio_dma_fault_regions_close(rg->r) ? 8 : 0;
}

/*
 * The rings are MAP_SHARED memfds and the IRQ an eventfd, all shared with a
 * forked child: the child's faults must not reach the parent's rings or IRQ.
 */
TEST(fork_child_leaves_parent_regions_alone)
{
	struct sio_dma_fault_regions_stats st;
	struct regions rg;
	struct guest g;
	uint64_t n;
	int status;
	pid_t pid;

	REQUIRE(guest_setup(&g, SIO_NO_PASID_VAL));
	REQUIRE(regions_open(&rg, &g));
	pid = fork();
	REQUIRE(pid >= 0);
	if (!pid) {
		alarm(10);
		_exit(child_of_fork(&rg, &g));
	}
	REQUIRE(waitpid(pid, &status, 0) == pid);
	CHECK(WIFEXITED(status));
	CHECK_EQ(WEXITSTATUS(status), 0);
	/* No IRQ, no record in the ring, nothing counted. */
	CHECK_EQ(read(sio_dma_fault_regions_eventfd(rg.r), &n, sizeof(n)), -1);
	CHECK_EQ(errno, EAGAIN);
	CHECK_EQ(rg.recs[0].type, 0);
	CHECK_EQ(hdr_field(&rg, SIO_DMA_FAULT_REGION, 16), 0);
	CHECK_OK(sio_dma_fault_regions_stats(rg.r, &st));
	CHECK_EQ(st.records, 0);
	regions_close(&rg);
	guest_teardown(&g);
}

HARNESS_MAIN()
