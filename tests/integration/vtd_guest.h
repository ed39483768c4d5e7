/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vtd_guest.h - a VT-d nested guest for the page-request tests: an emulated
 * VT-d function bound to a new iommufd context, guest RAM at GPA 0 mapped in
 * a NEST_PARENT HWPT, a guest first-stage table whose last-level PTEs the test
 * fills on demand, a nested VTD_S1 HWPT attached at the RID or a PASID, and
 * DMA jobs that run (and wait for page requests) in their own thread.
 *
 * The includer may define before it includes this header:
 *	OPEN(path, flags), IOCTL(fd, cmd, arg), CLOSE(fd)
 *		how the iommufd and VFIO fds are driven; default sio_open(),
 *		sio_ioctl(), sio_close() of the C API
 *	VTD_ASSERT(cond)
 *		its framework's check of a setup step; default CHECK() of
 *		harness.h, which must then be included first
 *
 * Locking: a struct guest belongs to its test thread. A struct dma_job is
 * written by its DMA thread until job_done() reads done as 1 (acquire) or
 * dma_join() returns; the test thread only reads it after that.
 */
#ifndef SIO_TEST_VTD_GUEST_H
#define SIO_TEST_VTD_GUEST_H

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include <softiommu/softiommu.h>
#include <softiommu/uapi/iommufd.h>
#include <softiommu/uapi/vfio.h>

#ifndef OPEN
#define OPEN(p, f)		sio_open(p, f)
#endif
#ifndef IOCTL
#define IOCTL(fd, c, a)		sio_ioctl(fd, c, a)
#endif
#ifndef CLOSE
#define CLOSE(fd)		sio_close(fd)
#endif
#ifndef VTD_ASSERT
#define VTD_ASSERT(cond)	CHECK(cond)
#endif

#define RAM_SIZE	(4ull << 20)
#define GVA		0x40000000ull
#define DATA_GPA	0x100000ull
#define P_RW_US		0x7ull
#define PTE_GPA		0x4000ull	/* the guest's last-level table */
#define WAIT_MS		5000
#define DATA_PAGES	20		/* at DATA_GPA, filled with 'a', 'b', ... */
#define DMA_JOB_MAX	(DATA_PAGES * 4096)	/* the longest DMA of a job */

/* vtd_guest_setup() @flags */
#define VTD_GUEST_PRI		(1u << 0)	/* the function has PRI */
#define VTD_GUEST_FAULT_ALLOC	(1u << 1)	/* a fault queue in g->fault, g->faultfd */
/* ... and the nested HWPT reports its page requests to it */
#define VTD_GUEST_FAULT_QUEUE	((1u << 2) | VTD_GUEST_FAULT_ALLOC)

struct guest {
	int index, iommufd, devfd, faultfd;	/* faultfd: -1 without a fault queue */
	uint32_t devid, ioas, s2, fault, nested;
	uint32_t pasid;		/* where the nested HWPT is attached (SIO_NO_PASID_VAL: RID) */
	uint8_t *ram;		/* guest physical address 0; NULL: none */
};

static inline uint64_t *gpa_u64(struct guest *g, uint64_t gpa)
{
	return (uint64_t *)(g->ram + gpa);
}

/* GVA + i * 4 KiB -> GPA DATA_GPA + i * 4 KiB once pte_set(i); none present at first. */
static inline void build_s1(struct guest *g)
{
	*gpa_u64(g, 0x1000 + 0 * 8) = 0x2000 | P_RW_US;		/* L4[0] */
	*gpa_u64(g, 0x2000 + 1 * 8) = 0x3000 | P_RW_US;		/* L3[1] */
	*gpa_u64(g, 0x3000 + 0 * 8) = PTE_GPA | P_RW_US;	/* L2[0] */
}

/* Last-level PTE @i with @bits (0: not present); the DMA thread may walk it meanwhile. */
static inline void pte_set(struct guest *g, unsigned int i, uint64_t bits)
{
	__atomic_store_n(gpa_u64(g, PTE_GPA + i * 8), bits ? (DATA_GPA + i * 4096) | bits : 0,
			 __ATOMIC_RELEASE);
}

/* Page-selective invalidation of the nested HWPT's first stage. */
static inline int invalidate(struct guest *g, uint64_t addr, uint64_t npages)
{
	struct iommu_hwpt_vtd_s1_invalidate inv = { .addr = addr, .npages = npages };
	struct iommu_hwpt_invalidate cmd = {
		.size = sizeof(cmd), .hwpt_id = g->nested, .data_uptr = (uintptr_t)&inv,
		.data_type = IOMMU_HWPT_INVALIDATE_DATA_VTD_S1, .entry_len = sizeof(inv),
		.entry_num = 1,
	};

	return IOCTL(g->iommufd, IOMMU_HWPT_INVALIDATE, &cmd);
}

/* Open a new iommufd and the cdev of function g->index, and bind them. Return: 0 or -1. */
static inline int guest_open_bind(struct guest *g)
{
	struct vfio_device_bind_iommufd bind = { .argsz = sizeof(bind) };
	char path[64];

	snprintf(path, sizeof(path), "/dev/vfio/devices/vfio%d", g->index);
	g->iommufd = OPEN("/dev/iommu", O_RDWR);
	g->devfd = OPEN(path, O_RDWR);
	bind.iommufd = g->iommufd;
	if (g->iommufd < 0 || g->devfd < 0 || IOCTL(g->devfd, VFIO_DEVICE_BIND_IOMMUFD, &bind))
		return -1;
	g->devid = bind.out_devid;
	return 0;
}

/*
 * A VT-d function at @bus:@dev with 8 PASID bits (@flags: VTD_GUEST_*),
 * bound, the guest RAM (DATA_PAGES pages at DATA_GPA) and the first-stage
 * table of build_s1(), and the nested HWPT attached at @pasid or, with
 * SIO_NO_PASID_VAL, the RID. Return: false at the first step that fails.
 */
static inline bool vtd_guest_setup(struct guest *g, uint8_t bus, uint8_t dev,
				   unsigned int flags, uint32_t pasid)
{
	struct iommu_ioas_alloc alloc = { .size = sizeof(alloc) };
	struct iommu_hwpt_alloc s2 = { .size = sizeof(s2), .flags = IOMMU_HWPT_ALLOC_NEST_PARENT };
	struct iommu_fault_alloc fa = { .size = sizeof(fa) };
	struct sio_device_desc d = { .iommu = SIO_DEVICE_IOMMU_VTD, .bus = bus, .dev = dev,
				     .pasid_bits = 8,
				     .flags = flags & VTD_GUEST_PRI ? SIO_DEVICE_PRI : 0 };
	struct iommu_ioas_map m = { .size = sizeof(m), .length = RAM_SIZE,
		.flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE |
			 IOMMU_IOAS_MAP_WRITEABLE };
	struct iommu_hwpt_vtd_s1 s1 = { .pgtbl_addr = 0x1000, .addr_width = 48 };
	struct iommu_hwpt_alloc nested = {
		.size = sizeof(nested), .data_type = IOMMU_HWPT_DATA_VTD_S1,
		.data_len = sizeof(s1), .data_uptr = (uintptr_t)&s1,
	};
	struct vfio_device_attach_iommufd_pt at = { .argsz = sizeof(at) };

	memset(g, 0, sizeof(*g));
	g->faultfd = -1;
	g->pasid = pasid;
	if (pasid != SIO_NO_PASID_VAL) {
		s2.flags |= IOMMU_HWPT_ALLOC_PASID;
		nested.flags |= IOMMU_HWPT_ALLOC_PASID;
		at.flags = VFIO_DEVICE_ATTACH_PASID;
		at.pasid = pasid;
	}
	g->ram = mmap(NULL, RAM_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	g->index = sio_device_create(&d);
	if (g->ram == MAP_FAILED || g->index < 0 || guest_open_bind(g))
		return false;
	if (IOCTL(g->iommufd, IOMMU_IOAS_ALLOC, &alloc))
		return false;
	g->ioas = alloc.out_ioas_id;
	m.ioas_id = g->ioas;
	m.user_va = (uintptr_t)g->ram;
	if (IOCTL(g->iommufd, IOMMU_IOAS_MAP, &m))
		return false;
	s2.dev_id = g->devid;
	s2.pt_id = g->ioas;
	if (IOCTL(g->iommufd, IOMMU_HWPT_ALLOC, &s2))
		return false;
	g->s2 = s2.out_hwpt_id;
	if (flags & VTD_GUEST_FAULT_ALLOC) {
		if (IOCTL(g->iommufd, IOMMU_FAULT_QUEUE_ALLOC, &fa))
			return false;
		g->fault = fa.out_fault_id;
		g->faultfd = (int)fa.out_fault_fd;
	}
	nested.dev_id = g->devid;
	nested.pt_id = g->s2;
	if ((flags & VTD_GUEST_FAULT_QUEUE) == VTD_GUEST_FAULT_QUEUE) {
		nested.flags |= IOMMU_HWPT_FAULT_ID_VALID;
		nested.fault_id = g->fault;
	}
	if (IOCTL(g->iommufd, IOMMU_HWPT_ALLOC, &nested))
		return false;
	g->nested = nested.out_hwpt_id;
	for (unsigned int i = 0; i < DATA_PAGES; i++)
		memset(g->ram + DATA_GPA + i * 4096, 'a' + (int)i, 4096);
	build_s1(g);
	at.pt_id = g->nested;
	return !IOCTL(g->devfd, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &at);
}

/* Close what is open (fds of -1 are gone already), destroy the function, free the RAM. */
static inline void guest_teardown(struct guest *g)
{
	if (g->faultfd >= 0)
		CLOSE(g->faultfd);
	if (g->devfd >= 0)
		CLOSE(g->devfd);
	if (g->iommufd >= 0)
		CLOSE(g->iommufd);
	VTD_ASSERT(sio_device_destroy(g->index) == 0);
	if (g->ram)
		munmap(g->ram, RAM_SIZE);
}

/* A DMA of the function in its own thread, and what that thread saw. */
struct dma_job {
	struct guest *g;
	pthread_t thread;
	bool write;
	uint64_t iova;
	size_t len;
	char buf[DMA_JOB_MAX];
	ssize_t result;
	int err;			/* errno of a failed DMA */
	struct sio_dma_fault fault;	/* sio_dev_last_fault() of a failed DMA */
	int done;			/* atomic: 1 once the fields above are final */
};

static inline void *dma_thread(void *arg)
{
	struct dma_job *j = arg;

	if (j->write)
		j->result = sio_dev_dma_write(j->g->index, j->g->pasid, j->iova, j->buf, j->len);
	else
		j->result = sio_dev_dma_read(j->g->index, j->g->pasid, j->iova, j->buf, j->len);
	j->err = j->result < 0 ? errno : 0;
	if (j->result < 0)
		sio_dev_last_fault(j->g->index, &j->fault);
	__atomic_store_n(&j->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

/* Start a DMA of @len (<= DMA_JOB_MAX) bytes at @iova, the buffer filled with 'Z'. */
static inline void dma_start(struct dma_job *j, struct guest *g, bool write, uint64_t iova,
			     size_t len)
{
	memset(j, 0, sizeof(*j));
	j->g = g;
	j->write = write;
	j->iova = iova;
	j->len = len;
	memset(j->buf, 'Z', sizeof(j->buf));
	VTD_ASSERT(!pthread_create(&j->thread, NULL, dma_thread, j));
}

static inline void dma_join(struct dma_job *j)
{
	pthread_join(j->thread, NULL);
}

static inline bool job_done(struct dma_job *j)
{
	return __atomic_load_n(&j->done, __ATOMIC_ACQUIRE);
}

#endif /* SIO_TEST_VTD_GUEST_H */
