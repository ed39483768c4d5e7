/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vsva_demo - shared virtual addressing for a guest (vSVA) on VT-d nesting.
 *
 * A VMM-like client through the C API (no preload), playing the machine, the
 * VMM and the guest in one process:
 *  - the machine: a VT-d PCI function with 20-bit PASIDs and PRI;
 *  - the VMM: binds the function's VFIO cdev to an iommufd context, maps
 *    guest memory (an mmap'd buffer) at GPA 0 of an IOAS, and attaches a
 *    NEST_PARENT, PASID-capable paging HWPT (stage 2) at the RID;
 *  - the guest: builds one x86-64 first-stage table per PASID in its memory
 *    (PASIDs 1 and 2 map the same virtual address to different pages); the
 *    VMM wraps each in a nested HWPT (IOMMU_HWPT_DATA_VTD_S1) and attaches
 *    it at its PASID;
 *  - the device: DMA by PASID gets each PASID's data through both stages; a
 *    guest PTE change stays invisible until the guest invalidates
 *    (IOMMU_HWPT_INVALIDATE);
 *  - page requests: the guest gives PASID 3 a table whose page is not
 *    present yet (demand paging); the VMM allocates a fault queue
 *    (IOMMU_FAULT_QUEUE_ALLOC) and attaches a nested HWPT allocated with it
 *    (IOMMU_HWPT_FAULT_ID_VALID) at PASID 3. The device's asynchronous DMA
 *    there raises a page request instead of aborting; the guest poll()s and
 *    read()s the fault fd, maps the page, invalidates, write()s SUCCESS, and
 *    the DMA completes. A DMA to a page the guest never maps is answered
 *    INVALID and fails with EFAULT, its buffer untouched;
 *  - last, a stage-2 unmap by the VMM makes the guest DMA fault at every
 *    PASID, and the fault at PASID 3 raises no page request (stage 2 is not
 *    the guest's to fix).
 * Every step prints what the IOMMU counted (sio_dev_iommu_stats()). Each
 * step is also checked: the demo exits non-zero if any behaves otherwise.
 *
 * Build: part of the meson build (build/examples/vsva_demo), or
 *   cc vsva_demo.c $(pkg-config --cflags --libs softiommu)
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include <softiommu/softiommu.h>
#include <softiommu/uapi/iommufd.h>
#include <softiommu/uapi/vfio.h>

#define RAM_SIZE	(4ull << 20)	/* guest memory, at GPA 0 */
#define GVA		0x40000000ull	/* the guest virtual address every PASID uses */
#define P_RW_US		0x7ull		/* x86 present, writable, user */
#define NPASIDS		2

/* The guest's layout: per PASID, 4 table pages and a data page. */
struct guest_as {
	uint32_t pasid;
	uint64_t root;		/* GPA of the 4-level table root (L4) */
	uint64_t data;		/* GPA of the page GVA maps to */
	const char *text;	/* what the guest put there */
};

static struct guest_as as[NPASIDS] = {
	{ .pasid = 1, .root = 0x10000, .data = 0x100000, .text = "PASID 1: guest page A" },
	{ .pasid = 2, .root = 0x20000, .data = 0x200000, .text = "PASID 2: guest page B" },
};

/* Where the guest re-points PASID 1's GVA once the IOTLB is warm. */
#define NEW_DATA	0x300000ull
#define NEW_TEXT	"PASID 1: guest page C"

/*
 * PASID 3, demand-paged: its table maps nothing at first; the guest's fault
 * handler maps GVA to .data when the device asks. GVA + 4 KiB is never mapped.
 */
static struct guest_as pri_as = {
	.pasid = 3, .root = 0x30000, .data = 0x310000, .text = "PASID 3: paged in on request",
};

#define BAD_GVA		(GVA + 0x1000)
#define WAIT_MS		20000	/* > the default page request timeout: ETIMEDOUT shows */
#define MAX_RECS	16	/* records of one group at most */

/*
 * Used by the main thread only, except dev_index, also read by dma_done() on
 * softiommu's page request thread, which starts after dev_index is set.
 */
static uint8_t *ram;
static int dev_index = -1;
static struct sio_iommu_counters last, delta;	/* totals, and the last step's counts */

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...)
{
	int err = errno;
	va_list ap;

	fprintf(stderr, "vsva_demo: FAILED: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (errno %d: %s)\n", err, strerror(err));
	exit(EXIT_FAILURE);
}

static uint64_t *gpa_u64(uint64_t gpa)
{
	return (uint64_t *)(ram + gpa);
}

/* Print a step's title, then what the IOMMU counted since the previous one. */
static void step(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void step(const char *fmt, ...)
{
	static int n;
	va_list ap;

	printf("%2d. ", ++n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

static void counters(void)
{
	struct sio_iommu_counters c;

	if (sio_dev_iommu_stats(dev_index, &c))
		die("sio_dev_iommu_stats");
	delta.iotlb_hits = c.iotlb_hits - last.iotlb_hits;
	delta.iotlb_misses = c.iotlb_misses - last.iotlb_misses;
	delta.walks = c.walks - last.walks;
	delta.table_loads = c.table_loads - last.table_loads;
	delta.faults = c.faults - last.faults;
	delta.invalidations = c.invalidations - last.invalidations;
	delta.page_requests = c.page_requests - last.page_requests;
	delta.page_responses = c.page_responses - last.page_responses;
	last = c;
	printf("    IOTLB +%" PRIu64 " hits +%" PRIu64 " misses | +%" PRIu64 " walks +%" PRIu64
	       " table loads | +%" PRIu64 " faults +%" PRIu64 " invalidations\n",
	       delta.iotlb_hits, delta.iotlb_misses, delta.walks, delta.table_loads,
	       delta.faults, delta.invalidations);
	printf("    page requests +%" PRIu64 " responses +%" PRIu64 "\n", delta.page_requests,
	       delta.page_responses);
}

static uint64_t *guest_leaf(const struct guest_as *a)
{
	return gpa_u64(a->root + 0x3000 + ((GVA >> 12) & 511) * 8);
}

/* The table levels of @a down to the leaf table (root..root + 0x3000); no leaf entry. */
static void guest_build_dirs(const struct guest_as *a)
{
	unsigned int l4 = (GVA >> 39) & 511, l3 = (GVA >> 30) & 511;
	unsigned int l2 = (GVA >> 21) & 511;

	*gpa_u64(a->root + l4 * 8) = (a->root + 0x1000) | P_RW_US;
	*gpa_u64(a->root + 0x1000 + l3 * 8) = (a->root + 0x2000) | P_RW_US;
	*gpa_u64(a->root + 0x2000 + l2 * 8) = (a->root + 0x3000) | P_RW_US;
}

/* The guest's first-stage table of @a: GVA -> a->data. */
static void guest_build_table(const struct guest_as *a)
{
	guest_build_dirs(a);
	*guest_leaf(a) = a->data | P_RW_US;
	strcpy((char *)ram + a->data, a->text);
}

/* Device DMA by PASID at GVA; the bytes must be @want. */
static void dma_expect(uint32_t pasid, const char *want)
{
	char buf[64] = { 0 };
	size_t len = strlen(want) + 1;

	if (sio_dev_dma_read(dev_index, pasid, GVA, buf, len) != (ssize_t)len)
		die("DMA read by PASID %u at GVA 0x%llx", pasid, GVA);
	printf("    device, PASID %u, reads GVA 0x%llx: \"%s\"\n", pasid, GVA, buf);
	if (strcmp(buf, want))
		die("PASID %u read \"%s\", expected \"%s\"", pasid, buf, want);
}

/*
 * The VMM wraps @a's table in a nested HWPT on stage 2 @parent (with fault
 * queue @fault_id unless it is 0) and attaches it at @a's PASID.
 */
static uint32_t vmm_attach_nested(int iommufd, int devfd, uint32_t devid, uint32_t parent,
				  const struct guest_as *a, uint32_t fault_id)
{
	struct iommu_hwpt_vtd_s1 s1 = { .pgtbl_addr = a->root, .addr_width = 48 };
	struct iommu_hwpt_alloc cmd = {
		.size = sizeof(cmd), .flags = IOMMU_HWPT_ALLOC_PASID, .dev_id = devid,
		.pt_id = parent, .data_type = IOMMU_HWPT_DATA_VTD_S1, .data_len = sizeof(s1),
		.data_uptr = (uintptr_t)&s1,
	};
	struct vfio_device_attach_iommufd_pt pa = {
		.argsz = sizeof(pa), .flags = VFIO_DEVICE_ATTACH_PASID, .pasid = a->pasid,
	};

	if (fault_id) {
		cmd.flags |= IOMMU_HWPT_FAULT_ID_VALID;
		cmd.fault_id = fault_id;
	}
	if (sio_ioctl(iommufd, IOMMU_HWPT_ALLOC, &cmd))
		die("IOMMU_HWPT_ALLOC VTD_S1%s for PASID %u", fault_id ? " | FAULT_ID_VALID" : "",
		    a->pasid);
	pa.pt_id = cmd.out_hwpt_id;
	if (sio_ioctl(devfd, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &pa))
		die("VFIO_DEVICE_ATTACH_IOMMUFD_PT PASID %u", a->pasid);
	return cmd.out_hwpt_id;
}

/*
 * An asynchronous DMA's outcome. Written once by the completion (the calling
 * thread or softiommu's page request thread) under @lock; read under @lock.
 */
struct dma_wait {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool done;
	ssize_t result;
	int err;
	int fault_ret;			/* sio_dev_last_fault() in the completion */
	struct sio_dma_fault fault;
};

static void dma_wait_init(struct dma_wait *w)
{
	memset(w, 0, sizeof(*w));
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->cond, NULL);
	w->fault_ret = -1;
}

static void dma_wait_destroy(struct dma_wait *w)
{
	pthread_cond_destroy(&w->cond);
	pthread_mutex_destroy(&w->lock);
}

/* sio_dma_done_fn: the fault record is the completing thread's, so take it here. */
static void dma_done(void *arg, ssize_t result, int err)
{
	struct dma_wait *w = arg;

	pthread_mutex_lock(&w->lock);
	w->result = result;
	w->err = err;
	if (result < 0)
		w->fault_ret = sio_dev_last_fault(dev_index, &w->fault);
	w->done = true;
	pthread_cond_broadcast(&w->cond);
	pthread_mutex_unlock(&w->lock);
}

static bool dma_is_done(struct dma_wait *w)
{
	bool done;

	pthread_mutex_lock(&w->lock);
	done = w->done;
	pthread_mutex_unlock(&w->lock);
	return done;
}

/* Wait up to WAIT_MS for @w's completion; die without it. */
static void dma_wait_done(struct dma_wait *w)
{
	struct timespec until;
	int ret = 0;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += WAIT_MS / 1000;
	pthread_mutex_lock(&w->lock);
	while (!w->done && ret != ETIMEDOUT)
		ret = pthread_cond_timedwait(&w->cond, &w->lock, &until);
	pthread_mutex_unlock(&w->lock);
	if (!dma_is_done(w)) {
		errno = ETIMEDOUT;
		die("the asynchronous DMA did not complete");
	}
}

static const char *perm_names(uint32_t perm, char *buf, size_t size)
{
	snprintf(buf, size, "%s%s%s%s%s", perm & IOMMU_PGFAULT_PERM_READ ? " READ" : "",
		 perm & IOMMU_PGFAULT_PERM_WRITE ? " WRITE" : "",
		 perm & IOMMU_PGFAULT_PERM_EXEC ? " EXEC" : "",
		 perm & IOMMU_PGFAULT_PERM_PRIV ? " PRIV" : "", perm ? "" : " none");
	return buf + 1;
}

/*
 * The guest's side of the fault queue: wait until @fd is readable, read the
 * queued group, print its records. The group must be one page request for
 * @addr by PASID @pasid, device @devid, for reading; returns its cookie.
 */
static uint32_t guest_read_request(int fd, uint32_t devid, uint32_t pasid, uint64_t addr)
{
	struct iommu_hwpt_pgfault rec[MAX_RECS];
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	char perm[32];
	ssize_t n;
	unsigned int i, nrec;

	n = poll(&pfd, 1, WAIT_MS);
	if (n != 1 || !(pfd.revents & POLLIN))
		die("poll() of the fault fd: %zd, revents 0x%x", n, pfd.revents);
	n = sio_read(fd, rec, sizeof(rec));
	if (n <= 0 || n % sizeof(rec[0]))
		die("read() of the fault fd: %zd", n);
	nrec = (unsigned int)(n / sizeof(rec[0]));
	printf("    guest: poll() says fault fd %d is readable; read() %zd bytes:\n", fd, n);
	for (i = 0; i < nrec; i++)
		printf("      addr 0x%llx, PASID %u%s, perm %s, group %u, cookie %u, dev %u%s\n",
		       (unsigned long long)rec[i].addr, rec[i].pasid,
		       rec[i].flags & IOMMU_PGFAULT_FLAGS_PASID_VALID ? " (valid)" : "",
		       perm_names(rec[i].perm, perm, sizeof(perm)), rec[i].grpid, rec[i].cookie,
		       rec[i].dev_id, rec[i].flags & IOMMU_PGFAULT_FLAGS_LAST_PAGE ?
		       ", LAST_PAGE" : "");
	if (nrec != 1 || rec[0].addr != addr || rec[0].pasid != pasid ||
	    rec[0].dev_id != devid || rec[0].perm != IOMMU_PGFAULT_PERM_READ || !rec[0].cookie ||
	    rec[0].flags != (IOMMU_PGFAULT_FLAGS_PASID_VALID | IOMMU_PGFAULT_FLAGS_LAST_PAGE))
		die("unexpected page request records");
	return rec[0].cookie;
}

static void guest_respond(int fd, uint32_t cookie, uint32_t code)
{
	struct iommu_hwpt_page_response resp = { .cookie = cookie, .code = code };

	if (sio_write(fd, &resp, sizeof(resp)) != (ssize_t)sizeof(resp))
		die("write() of the response {%u, %u} to the fault fd", cookie, code);
}

static const char *reason_name(uint32_t reason)
{
	static const char *const names[] = {
		[SIO_DMA_FAULT_BLOCKED] = "blocked",
		[SIO_DMA_FAULT_PASID] = "bad PASID",
		[SIO_DMA_FAULT_APERTURE] = "outside the aperture",
		[SIO_DMA_FAULT_RANGE] = "beyond the input range",
		[SIO_DMA_FAULT_NOT_PRESENT] = "not present",
		[SIO_DMA_FAULT_PERM] = "permission",
		[SIO_DMA_FAULT_RESERVED] = "reserved bits",
		[SIO_DMA_FAULT_ACCESS_FLAG] = "access flag",
		[SIO_DMA_FAULT_ADDR_SIZE] = "address size",
		[SIO_DMA_FAULT_TABLE_READ] = "table read",
		[SIO_DMA_FAULT_AD_UPDATE] = "A/D update",
		[SIO_DMA_FAULT_BUS] = "bus error",
		[SIO_DMA_FAULT_PRQ_OVERFLOW] = "page request queue overflow",
	};

	if (reason < sizeof(names) / sizeof(names[0]) && names[reason])
		return names[reason];
	return "unknown";
}

int main(void)
{
	struct sio_device_desc desc = { .iommu = SIO_DEVICE_IOMMU_VTD, .flags = SIO_DEVICE_PRI,
					.bus = 0, .dev = 4, .pasid_bits = 20 };
	struct vfio_device_bind_iommufd bind = { .argsz = sizeof(bind) };
	struct vfio_device_attach_iommufd_pt attach = { .argsz = sizeof(attach) };
	struct iommu_ioas_alloc alloc = { .size = sizeof(alloc) };
	struct iommu_ioas_map map = { .size = sizeof(map) };
	struct iommu_ioas_unmap unmap = { .size = sizeof(unmap) };
	struct iommu_hwpt_alloc s2 = { .size = sizeof(s2) };
	struct iommu_hwpt_vtd_s1_invalidate inv = { .addr = GVA, .npages = 1 };
	struct iommu_hwpt_invalidate invcmd = { .size = sizeof(invcmd) };
	struct iommu_fault_alloc fq = { .size = sizeof(fq) };
	uint32_t nested[NPASIDS], pri_hwpt, cookie;
	struct sio_dma_fault fault;
	char path[64], buf[64], pattern[64];
	int iommufd, devfd, faultfd;
	struct dma_wait w;
	unsigned int i;

	setvbuf(stdout, NULL, _IOLBF, 0);

	/* The machine. */
	dev_index = sio_device_create(&desc);
	if (dev_index < 0)
		die("sio_device_create");
	snprintf(path, sizeof(path), "/dev/vfio/devices/vfio%d", dev_index);
	step("machine: VT-d PCI function 0000:00:04.0, 20-bit PASIDs, PRI: %s", path);
	counters();

	/* The VMM takes the function. */
	iommufd = sio_open("/dev/iommu", O_RDWR);
	if (iommufd < 0)
		die("open /dev/iommu");
	devfd = sio_open(path, O_RDWR);
	if (devfd < 0)
		die("open %s", path);
	bind.iommufd = iommufd;
	if (sio_ioctl(devfd, VFIO_DEVICE_BIND_IOMMUFD, &bind))
		die("VFIO_DEVICE_BIND_IOMMUFD");
	step("VMM: opened /dev/iommu and %s, VFIO_DEVICE_BIND_IOMMUFD: device ID %u", path,
	     bind.out_devid);
	counters();

	/* Guest memory: GPA 0 of an IOAS. */
	ram = mmap(NULL, RAM_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (ram == MAP_FAILED)
		die("mmap guest memory");
	if (sio_ioctl(iommufd, IOMMU_IOAS_ALLOC, &alloc))
		die("IOMMU_IOAS_ALLOC");
	map.flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE |
		    IOMMU_IOAS_MAP_WRITEABLE;
	map.ioas_id = alloc.out_ioas_id;
	map.user_va = (uintptr_t)ram;
	map.length = RAM_SIZE;
	map.iova = 0;
	if (sio_ioctl(iommufd, IOMMU_IOAS_MAP, &map))
		die("IOMMU_IOAS_MAP");
	step("VMM: %llu MiB of guest memory mapped at GPA 0 of IOAS %u (IOMMU_IOAS_MAP FIXED)",
	     RAM_SIZE >> 20, alloc.out_ioas_id);
	counters();

	/* Stage 2: a NEST_PARENT, PASID-capable paging HWPT at the RID. */
	s2.flags = IOMMU_HWPT_ALLOC_NEST_PARENT | IOMMU_HWPT_ALLOC_PASID;
	s2.dev_id = bind.out_devid;
	s2.pt_id = alloc.out_ioas_id;
	if (sio_ioctl(iommufd, IOMMU_HWPT_ALLOC, &s2))
		die("IOMMU_HWPT_ALLOC NEST_PARENT | PASID");
	attach.pt_id = s2.out_hwpt_id;
	if (sio_ioctl(devfd, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &attach))
		die("VFIO_DEVICE_ATTACH_IOMMUFD_PT (RID)");
	step("VMM: stage-2 HWPT %u (NEST_PARENT | PASID) attached at the RID", s2.out_hwpt_id);
	counters();

	/* The guest's first-stage tables, one address space per PASID. */
	for (i = 0; i < NPASIDS; i++)
		guest_build_table(&as[i]);
	step("guest: an x86-64 first-stage table per PASID, in guest memory");
	for (i = 0; i < NPASIDS; i++)
		printf("    PASID %u: root GPA 0x%" PRIx64 ", GVA 0x%llx -> GPA 0x%" PRIx64
		       " \"%s\"\n", as[i].pasid, as[i].root, GVA, as[i].data, as[i].text);
	counters();

	/* Nested HWPTs on stage 2, one per PASID. */
	for (i = 0; i < NPASIDS; i++)
		nested[i] = vmm_attach_nested(iommufd, devfd, bind.out_devid, s2.out_hwpt_id,
					      &as[i], 0);
	step("VMM: nested HWPTs %u and %u (IOMMU_HWPT_DATA_VTD_S1 on HWPT %u) attached at "
	     "PASIDs %u and %u", nested[0], nested[1], s2.out_hwpt_id, as[0].pasid,
	     as[1].pasid);
	counters();

	/* DMA through both stages: the same GVA, each PASID's own page. */
	step("device: DMA by PASID, cold IOTLB (guest table pointers walk stage 2 too)");
	for (i = 0; i < NPASIDS; i++)
		dma_expect(as[i].pasid, as[i].text);
	counters();
	/* One miss each; a nested walk walks stage 2 for every guest table pointer too. */
	if (delta.iotlb_misses != NPASIDS || delta.walks <= NPASIDS || delta.faults)
		die("expected %u IOTLB misses and nested walks", NPASIDS);

	step("device: the same DMA again (IOTLB hits, no walk)");
	for (i = 0; i < NPASIDS; i++)
		dma_expect(as[i].pasid, as[i].text);
	counters();
	if (delta.walks || delta.iotlb_hits != NPASIDS || delta.iotlb_misses)
		die("the repeated DMA did not hit the IOTLB");

	/* A guest PTE change is invisible until the guest invalidates. */
	strcpy((char *)ram + NEW_DATA, NEW_TEXT);
	*guest_leaf(&as[0]) = NEW_DATA | P_RW_US;
	step("guest: PASID %u's PTE for GVA 0x%llx re-pointed to GPA 0x%llx, not invalidated",
	     as[0].pasid, GVA, NEW_DATA);
	dma_expect(as[0].pasid, as[0].text);
	counters();
	if (delta.walks || delta.iotlb_misses)
		die("the stale translation was not used from the IOTLB");

	invcmd.hwpt_id = nested[0];
	invcmd.data_uptr = (uintptr_t)&inv;
	invcmd.data_type = IOMMU_HWPT_INVALIDATE_DATA_VTD_S1;
	invcmd.entry_len = sizeof(inv);
	invcmd.entry_num = 1;
	if (sio_ioctl(iommufd, IOMMU_HWPT_INVALIDATE, &invcmd) || invcmd.entry_num != 1)
		die("IOMMU_HWPT_INVALIDATE");
	step("guest: IOMMU_HWPT_INVALIDATE (VT-d stage-1, GVA 0x%llx, 1 page) on HWPT %u", GVA,
	     nested[0]);
	dma_expect(as[0].pasid, NEW_TEXT);
	dma_expect(as[1].pasid, as[1].text);
	counters();
	if (!delta.invalidations || delta.iotlb_misses != 1 || delta.iotlb_hits != 1)
		die("expected the invalidation to drop PASID %u's entry only", as[0].pasid);

	/*
	 * Page requests. The guest binds a demand-paged address space to PASID 3:
	 * GVA is not mapped yet. A VMM whose vIOMMU offers page requests gives
	 * the nested HWPT a fault queue; it is attached at the new PASID.
	 */
	guest_build_dirs(&pri_as);
	step("guest: PASID %u is demand-paged: its table (root GPA 0x%" PRIx64 ") does not map "
	     "GVA 0x%llx yet", pri_as.pasid, pri_as.root, GVA);
	counters();

	if (sio_ioctl(iommufd, IOMMU_FAULT_QUEUE_ALLOC, &fq))
		die("IOMMU_FAULT_QUEUE_ALLOC");
	faultfd = (int)fq.out_fault_fd;
	pri_hwpt = vmm_attach_nested(iommufd, devfd, bind.out_devid, s2.out_hwpt_id, &pri_as,
				     fq.out_fault_id);
	step("VMM: fault queue %u (IOMMU_FAULT_QUEUE_ALLOC, fd %d); nested HWPT %u with it",
	     fq.out_fault_id, faultfd, pri_hwpt);
	printf("    (IOMMU_HWPT_FAULT_ID_VALID, on HWPT %u) attached at PASID %u\n",
	       s2.out_hwpt_id, pri_as.pasid);
	counters();

	/* The device's DMA at the missing page waits for the guest instead of aborting. */
	dma_wait_init(&w);
	memset(buf, 0, sizeof(buf));
	step("device: PASID %u reads GVA 0x%llx (sio_dev_dma_read_async): not present in "
	     "stage 1", pri_as.pasid, GVA);
	if (sio_dev_dma_read_async(dev_index, pri_as.pasid, GVA, buf, strlen(pri_as.text) + 1,
				   dma_done, &w))
		die("sio_dev_dma_read_async by PASID %u", pri_as.pasid);
	if (dma_is_done(&w))
		die("the DMA ended without a page request: %zd, error %d", w.result, w.err);
	printf("    IOMMU: the page's IOTLB entries dropped, a page request on fault queue %u\n",
	       fq.out_fault_id);
	cookie = guest_read_request(faultfd, bind.out_devid, pri_as.pasid, GVA);
	if (dma_is_done(&w))
		die("the DMA completed before the page request was answered");
	printf("    device: the DMA waits for the response\n");
	counters();
	/* VT-d drops the faulting page's IOTLB entries itself: one invalidation. */
	if (delta.page_requests != 1 || delta.page_responses || delta.faults != 1 ||
	    delta.iotlb_misses != 1 || delta.invalidations != 1)
		die("expected one stage-1 fault that became one page request");

	/* The guest's fault handler: page in, map, invalidate, answer. */
	strcpy((char *)ram + pri_as.data, pri_as.text);
	*guest_leaf(&pri_as) = pri_as.data | P_RW_US;
	invcmd.hwpt_id = pri_hwpt;
	invcmd.entry_num = 1;
	if (sio_ioctl(iommufd, IOMMU_HWPT_INVALIDATE, &invcmd) || invcmd.entry_num != 1)
		die("IOMMU_HWPT_INVALIDATE of HWPT %u", pri_hwpt);
	guest_respond(faultfd, cookie, IOMMUFD_PAGE_RESP_SUCCESS);
	step("guest: maps GVA 0x%llx -> GPA 0x%" PRIx64 " for PASID %u, "
	     "IOMMU_HWPT_INVALIDATE on HWPT %u", GVA, pri_as.data, pri_as.pasid, pri_hwpt);
	printf("    guest: write() {cookie %u, SUCCESS} to the fault fd\n", cookie);
	dma_wait_done(&w);
	printf("    device, PASID %u, reads GVA 0x%llx: completed, %zd bytes: \"%s\"\n",
	       pri_as.pasid, GVA, w.result, buf);
	if (w.result != (ssize_t)strlen(pri_as.text) + 1 || w.err || strcmp(buf, pri_as.text))
		die("the DMA after SUCCESS: result %zd, error %d", w.result, w.err);
	dma_wait_destroy(&w);
	counters();
	if (delta.page_requests || delta.page_responses != 1 || delta.faults ||
	    delta.invalidations != 1 || delta.iotlb_misses != 1)
		die("expected the response, the invalidation and one walk that succeeds");

	/* A page the guest never maps: the guest answers INVALID, the DMA fails. */
	dma_wait_init(&w);
	memset(pattern, 0xa5, sizeof(pattern));
	memcpy(buf, pattern, sizeof(buf));
	step("device: PASID %u reads GVA 0x%llx (sio_dev_dma_read_async): not present in "
	     "stage 1", pri_as.pasid, BAD_GVA);
	if (sio_dev_dma_read_async(dev_index, pri_as.pasid, BAD_GVA, buf, sizeof(buf), dma_done,
				   &w))
		die("sio_dev_dma_read_async by PASID %u", pri_as.pasid);
	if (dma_is_done(&w))
		die("the DMA ended without a page request: %zd, error %d", w.result, w.err);
	printf("    IOMMU: a page request on fault queue %u\n", fq.out_fault_id);
	cookie = guest_read_request(faultfd, bind.out_devid, pri_as.pasid, BAD_GVA);
	if (dma_is_done(&w))
		die("the DMA completed before the page request was answered");
	counters();
	if (delta.page_requests != 1 || delta.page_responses || delta.faults != 1)
		die("expected one stage-1 fault that became one page request");

	guest_respond(faultfd, cookie, IOMMUFD_PAGE_RESP_INVALID);
	step("guest: GVA 0x%llx is no page of PASID %u's process: write() {cookie %u, INVALID}",
	     BAD_GVA, pri_as.pasid, cookie);
	dma_wait_done(&w);
	if (w.fault_ret)
		die("no fault recorded for the failed DMA");
	printf("    device, PASID %u, reads GVA 0x%llx: failed, %s; its %zu-byte buffer %s\n",
	       pri_as.pasid, BAD_GVA, w.err == EFAULT ? "EFAULT" : strerror(w.err), sizeof(buf),
	       memcmp(buf, pattern, sizeof(buf)) ? "written to" : "untouched");
	printf("    fault: %s (reason %u), stage %u, iova 0x%" PRIx64 ", PASID %u, %" PRIu64
	       " bytes done\n",
	       reason_name(w.fault.reason), w.fault.reason, w.fault.stage, w.fault.iova,
	       w.fault.pasid, w.fault.done);
	if (w.result != -1 || w.err != EFAULT || w.fault.reason != SIO_DMA_FAULT_NOT_PRESENT ||
	    w.fault.stage != 1 || w.fault.iova != BAD_GVA || w.fault.pasid != pri_as.pasid ||
	    w.fault.done || memcmp(buf, pattern, sizeof(buf)))
		die("the DMA after INVALID: result %zd, error %d", w.result, w.err);
	dma_wait_destroy(&w);
	counters();
	if (delta.page_requests || delta.page_responses != 1 || delta.faults)
		die("expected one response and no new fault");

	/* The VMM takes guest memory away from stage 2: the guest's DMA faults. */
	unmap.ioas_id = alloc.out_ioas_id;
	unmap.iova = 0;
	unmap.length = UINT64_MAX;
	if (sio_ioctl(iommufd, IOMMU_IOAS_UNMAP, &unmap) || unmap.length != RAM_SIZE)
		die("IOMMU_IOAS_UNMAP");
	/* A stage-2 fault is the VMM's business: no page request, even at PASID 3. */
	step("VMM: IOMMU_IOAS_UNMAP of all guest memory (%llu bytes) from stage 2",
	     (unsigned long long)unmap.length);
	for (i = 0; i < NPASIDS + 1; i++) {
		uint32_t pasid = i < NPASIDS ? as[i].pasid : pri_as.pasid;

		memset(buf, 0, sizeof(buf));
		if (sio_dev_dma_read(dev_index, pasid, GVA, buf, 8) >= 0)
			die("DMA by PASID %u succeeded after the stage-2 unmap", pasid);
		if (errno != EFAULT)
			die("DMA by PASID %u after the unmap", pasid);
		if (sio_dev_last_fault(dev_index, &fault))
			die("sio_dev_last_fault");
		printf("    device, PASID %u, reads GVA 0x%llx: fault: %s (reason %u), stage %u, "
		       "level %u, iova 0x%" PRIx64 ", PASID %u, RID 0x%x\n", pasid, GVA,
		       reason_name(fault.reason), fault.reason, fault.stage, fault.level,
		       fault.iova, fault.pasid, fault.rid);
		if (fault.reason != SIO_DMA_FAULT_NOT_PRESENT || fault.stage != 2 ||
		    fault.pasid != pasid || fault.iova != GVA || buf[0])
			die("unexpected fault record for PASID %u", pasid);
	}
	counters();
	if (delta.faults != NPASIDS + 1 || delta.page_requests)
		die("the faults were not counted, or a stage-2 fault became a page request");

	sio_close(devfd);
	sio_close(iommufd);
	sio_close(faultfd);
	if (sio_device_destroy(dev_index))
		die("sio_device_destroy");
	munmap(ram, RAM_SIZE);
	printf("vSVA demo: every step behaved as expected\n");
	return EXIT_SUCCESS;
}
