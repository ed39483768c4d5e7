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
#include <unistd.h>

#include <softiommu/softiommu.h>
#include <softiommu/uapi/iommu.h>
#include <softiommu/uapi/iommufd.h>
#include <softiommu/uapi/vfio.h>
#include <softiommu/uapi/vfio_nested.h>

#define HARNESS_ISOLATE
#include "harness.h"

#define RAM_SIZE	(4ull << 20)
#define GVA		0x40000000ull
#define DATA_GPA	0x100000ull
#define P_RW_US		0x7ull
#define PTE_GPA		0x4000ull
#define WAIT_MS		5000
#define PAGE		4096u

struct guest {
	int index, iommufd, devfd;
	uint32_t devid, ioas, s2, nested;
	uint32_t pasid;		/* SIO_NO_PASID_VAL: attached at the RID */
	uint8_t *ram;
};

/* A region pair with its rings mapped. */
struct regions {
	struct sio_dma_fault_regions *r;
	struct iommu_fault *recs;		/* the fault ring, read-only */
	struct iommu_page_response *resps;	/* the response ring */
	uint32_t resp_head;
};

static uint64_t *gpa_u64(struct guest *g, uint64_t gpa)
{
	return (uint64_t *)(g->ram + gpa);
}

static void pte_set(struct guest *g, unsigned int i)
{
	__atomic_store_n(gpa_u64(g, PTE_GPA + i * 8), (DATA_GPA + i * PAGE) | P_RW_US,
			 __ATOMIC_RELEASE);
}

static int invalidate(struct guest *g, uint64_t addr, uint64_t npages)
{
	struct iommu_hwpt_vtd_s1_invalidate inv = { .addr = addr, .npages = npages };
	struct iommu_hwpt_invalidate cmd = {
		.size = sizeof(cmd), .hwpt_id = g->nested, .data_uptr = (uintptr_t)&inv,
		.data_type = IOMMU_HWPT_INVALIDATE_DATA_VTD_S1, .entry_len = sizeof(inv),
		.entry_num = 1,
	};

	return sio_ioctl(g->iommufd, IOMMU_HWPT_INVALIDATE, &cmd);
}

/* A PRI function, bound, with a nested HWPT (no fault queue) at @pasid or the RID. */
static bool guest_setup(struct guest *g, uint32_t pasid)
{
	struct vfio_device_bind_iommufd bind = { .argsz = sizeof(bind) };
	struct iommu_ioas_alloc alloc = { .size = sizeof(alloc) };
	struct iommu_hwpt_alloc s2 = { .size = sizeof(s2), .flags = IOMMU_HWPT_ALLOC_NEST_PARENT };
	struct sio_device_desc d = { .iommu = SIO_DEVICE_IOMMU_VTD, .bus = 0x31, .dev = 3,
				     .pasid_bits = 8, .flags = SIO_DEVICE_PRI };
	struct iommu_ioas_map m = { .size = sizeof(m), .length = RAM_SIZE,
		.flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE |
			 IOMMU_IOAS_MAP_WRITEABLE };
	struct iommu_hwpt_vtd_s1 s1 = { .pgtbl_addr = 0x1000, .addr_width = 48 };
	struct iommu_hwpt_alloc nested = {
		.size = sizeof(nested), .data_type = IOMMU_HWPT_DATA_VTD_S1,
		.data_len = sizeof(s1), .data_uptr = (uintptr_t)&s1,
	};
	struct vfio_device_attach_iommufd_pt at = { .argsz = sizeof(at) };
	char path[64];

	memset(g, 0, sizeof(*g));
	g->pasid = pasid;
	if (pasid != SIO_NO_PASID_VAL) {
		s2.flags |= IOMMU_HWPT_ALLOC_PASID;
		nested.flags |= IOMMU_HWPT_ALLOC_PASID;
		at.flags = VFIO_DEVICE_ATTACH_PASID;
		at.pasid = pasid;
	}
	g->ram = mmap(NULL, RAM_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	g->index = sio_device_create(&d);
	if (g->ram == MAP_FAILED || g->index < 0)
		return false;
	snprintf(path, sizeof(path), "/dev/vfio/devices/vfio%d", g->index);
	g->iommufd = sio_open("/dev/iommu", O_RDWR);
	g->devfd = sio_open(path, O_RDWR);
	bind.iommufd = g->iommufd;
	if (g->iommufd < 0 || g->devfd < 0 ||
	    sio_ioctl(g->devfd, VFIO_DEVICE_BIND_IOMMUFD, &bind))
		return false;
	g->devid = bind.out_devid;
	if (sio_ioctl(g->iommufd, IOMMU_IOAS_ALLOC, &alloc))
		return false;
	g->ioas = alloc.out_ioas_id;
	m.ioas_id = g->ioas;
	m.user_va = (uintptr_t)g->ram;
	if (sio_ioctl(g->iommufd, IOMMU_IOAS_MAP, &m))
		return false;
	s2.dev_id = g->devid;
	s2.pt_id = g->ioas;
	if (sio_ioctl(g->iommufd, IOMMU_HWPT_ALLOC, &s2))
		return false;
	g->s2 = s2.out_hwpt_id;
	nested.dev_id = g->devid;
	nested.pt_id = g->s2;
	if (sio_ioctl(g->iommufd, IOMMU_HWPT_ALLOC, &nested))
		return false;
	g->nested = nested.out_hwpt_id;
	for (unsigned int i = 0; i < 20; i++)
		memset(g->ram + DATA_GPA + i * PAGE, 'a' + (int)i, PAGE);
	/* GVA + i pages -> DATA_GPA + i pages once pte_set(i). */
	*gpa_u64(g, 0x1000) = 0x2000 | P_RW_US;
	*gpa_u64(g, 0x2000 + 8) = 0x3000 | P_RW_US;
	*gpa_u64(g, 0x3000) = PTE_GPA | P_RW_US;
	at.pt_id = g->nested;
	return !sio_ioctl(g->devfd, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &at);
}

static void guest_teardown(struct guest *g)
{
	if (g->devfd >= 0)
		sio_close(g->devfd);
	if (g->iommufd >= 0)
		sio_close(g->iommufd);
	CHECK_OK(sio_device_destroy(g->index));
	munmap(g->ram, RAM_SIZE);
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

struct dma_job {
	struct guest *g;
	pthread_t thread;
	uint64_t iova;
	size_t len;
	char buf[4 * PAGE];
	ssize_t result;
	int err;
	int done;		/* atomic */
};

static void *dma_thread(void *arg)
{
	struct dma_job *j = arg;

	j->result = sio_dev_dma_read(j->g->index, j->g->pasid, j->iova, j->buf, j->len);
	j->err = j->result < 0 ? errno : 0;
	__atomic_store_n(&j->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

static void dma_start(struct dma_job *j, struct guest *g, uint64_t iova, size_t len)
{
	memset(j, 0, sizeof(*j));
	j->g = g;
	j->iova = iova;
	j->len = len;
	memset(j->buf, 'Z', sizeof(j->buf));
	REQUIRE(!pthread_create(&j->thread, NULL, dma_thread, j));
}

static bool job_done(struct dma_job *j)
{
	return __atomic_load_n(&j->done, __ATOMIC_ACQUIRE);
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

	REQUIRE(guest_setup(&g, SIO_NO_PASID_VAL));
	REQUIRE(regions_open(&rg, &g));
	dma_start(&j, &g, GVA + 16, 13);
	REQUIRE(wait_irq(&rg) == 1);
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

	pte_set(&g, 0);
	CHECK_OK(invalidate(&g, GVA, 1));
	CHECK_EQ(respond(&rg, f.prm.grpid, false, 0, IOMMU_PAGE_RESP_SUCCESS), 4);
	/* Consumed before the write returned. */
	CHECK_EQ(hdr_field(&rg, SIO_DMA_FAULT_RESPONSE_REGION, 16), 1);
	pthread_join(j.thread, NULL);
	CHECK_EQ(j.result, 13);
	CHECK(!memcmp(j.buf, "aaaaaaaaaaaaa", 13));
	/* The same group again: nothing pending matches, the response is rejected. */
	CHECK_EQ(respond(&rg, f.prm.grpid, false, 0, IOMMU_PAGE_RESP_SUCCESS), 4);
	CHECK_OK(sio_dma_fault_regions_stats(rg.r, &st));
	CHECK_EQ(st.records, 1);
	CHECK_EQ(st.records_dropped, 0);
	CHECK_EQ(st.responses, 2);
	CHECK_EQ(st.responses_rejected, 1);
	regions_close(&rg);
	guest_teardown(&g);
}

TEST(page_request_answered_invalid_fails_dma)
{
	struct dma_job j;
	struct regions rg;
	struct guest g;

	REQUIRE(guest_setup(&g, SIO_NO_PASID_VAL));
	REQUIRE(regions_open(&rg, &g));
	dma_start(&j, &g, GVA + PAGE, 64);
	REQUIRE(wait_irq(&rg) == 1);
	CHECK_EQ(rg.recs[0].prm.addr, GVA + PAGE);
	CHECK_EQ(respond(&rg, rg.recs[0].prm.grpid, false, 0, IOMMU_PAGE_RESP_INVALID), 4);
	pthread_join(j.thread, NULL);
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
	dma_start(&j, &g, GVA, 3 * PAGE);
	REQUIRE(wait_head(&rg, 3) == 3);
	for (i = 0; i < 3; i++) {
		CHECK_EQ(rg.recs[i].type, IOMMU_FAULT_PAGE_REQ);
		CHECK_EQ(rg.recs[i].prm.addr, GVA + i * PAGE);
		CHECK_EQ(rg.recs[i].prm.grpid, rg.recs[0].prm.grpid);
		CHECK_EQ(rg.recs[i].prm.flags, i == 2 ? IOMMU_FAULT_PAGE_REQUEST_LAST_PAGE : 0);
		pte_set(&g, i);
	}
	CHECK_OK(invalidate(&g, GVA, 3));
	CHECK_EQ(respond(&rg, rg.recs[0].prm.grpid, false, 0, IOMMU_PAGE_RESP_SUCCESS), 4);
	pthread_join(j.thread, NULL);
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

	REQUIRE(guest_setup(&g, 5));
	REQUIRE(regions_open(&rg, &g));
	dma_start(&j, &g, GVA, 8);
	REQUIRE(wait_irq(&rg) == 1);
	f = rg.recs[0];
	CHECK_EQ(f.prm.flags, IOMMU_FAULT_PAGE_REQUEST_PASID_VALID |
			      IOMMU_FAULT_PAGE_REQUEST_LAST_PAGE |
			      IOMMU_FAULT_PAGE_RESPONSE_NEEDS_PASID);
	CHECK_EQ(f.prm.pasid, 5);
	/* Without the PASID, or with another one, the response matches nothing. */
	CHECK_EQ(respond(&rg, f.prm.grpid, false, 0, IOMMU_PAGE_RESP_SUCCESS), 4);
	CHECK_EQ(respond(&rg, f.prm.grpid, true, 6, IOMMU_PAGE_RESP_SUCCESS), 4);
	CHECK(!job_done(&j));
	pte_set(&g, 0);
	CHECK_OK(invalidate(&g, GVA, 1));
	CHECK_EQ(respond(&rg, f.prm.grpid, true, 5, IOMMU_PAGE_RESP_SUCCESS), 4);
	pthread_join(j.thread, NULL);
	CHECK_EQ(j.result, 8);
	CHECK_OK(sio_dma_fault_regions_stats(rg.r, &st));
	CHECK_EQ(st.responses, 3);
	CHECK_EQ(st.responses_rejected, 2);
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

	REQUIRE(guest_setup(&g, SIO_NO_PASID_VAL));
	REQUIRE(regions_open(&rg, &g));
	dma_start(&j, &g, GVA, 8);
	REQUIRE(wait_irq(&rg) == 1);
	CHECK_EQ(respond(&rg, rg.recs[0].prm.grpid, false, 0, IOMMU_PAGE_RESP_FAILURE), 4);
	pthread_join(j.thread, NULL);
	CHECK_EQ(j.err, EFAULT);
	/* PRI is off: the next fault is not a page request. */
	CHECK_EQ(sio_dev_dma_read(g.index, SIO_NO_PASID_VAL, GVA + PAGE, buf, 8), -1);
	CHECK_EQ(errno, EFAULT);
	CHECK_OK(sio_dma_fault_regions_stats(rg.r, &st));
	CHECK_EQ(st.records, 1);
	/* A function reset turns it back on. */
	CHECK_OK(sio_ioctl(g.devfd, VFIO_DEVICE_RESET, NULL));
	dma_start(&j, &g, GVA + PAGE, 8);
	REQUIRE(wait_irq(&rg) == 1);
	CHECK_EQ(rg.recs[1].prm.addr, GVA + PAGE);
	CHECK_EQ(respond(&rg, rg.recs[1].prm.grpid, false, 0, IOMMU_PAGE_RESP_INVALID), 4);
	pthread_join(j.thread, NULL);
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

	REQUIRE(guest_setup(&g, SIO_NO_PASID_VAL));
	REQUIRE(regions_open(&rg, &g));
	dma_start(&j, &g, GVA, 8);
	REQUIRE(wait_irq(&rg) == 1);
	CHECK(!job_done(&j));
	regions_close(&rg);
	pthread_join(j.thread, NULL);
	CHECK_EQ(j.result, -1);
	CHECK_EQ(j.err, EFAULT);
	/* No handler and no fault queue: the fault is not a page request any more. */
	CHECK_EQ(sio_dev_dma_read(g.index, SIO_NO_PASID_VAL, GVA, buf, 8), -1);
	CHECK_EQ(errno, EFAULT);
	guest_teardown(&g);
}

HARNESS_MAIN()
