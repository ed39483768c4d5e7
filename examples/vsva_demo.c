/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vsva_demo - shared virtual addressing for a guest (vSVA) on VT-d nesting.
 *
 * A VMM-like client through the C API (no preload), playing the machine, the
 * VMM and the guest in one process:
 *  - the machine: a VT-d PCI function with 20-bit PASIDs;
 *  - the VMM: binds the function's VFIO cdev to an iommufd context, maps
 *    guest memory (an mmap'd buffer) at GPA 0 of an IOAS, and attaches a
 *    NEST_PARENT, PASID-capable paging HWPT (stage 2) at the RID;
 *  - the guest: builds one x86-64 first-stage table per PASID in its memory
 *    (PASIDs 1 and 2 map the same virtual address to different pages); the
 *    VMM wraps each in a nested HWPT (IOMMU_HWPT_DATA_VTD_S1) and attaches
 *    it at its PASID;
 *  - the device: DMA by PASID gets each PASID's data through both stages; a
 *    guest PTE change stays invisible until the guest invalidates
 *    (IOMMU_HWPT_INVALIDATE), and a stage-2 unmap by the VMM makes the guest
 *    DMA fault.
 * Every step prints what the IOMMU counted (sio_dev_iommu_stats()). Each
 * step is also checked: the demo exits non-zero if any behaves otherwise.
 *
 * Build: part of the meson build (build/examples/vsva_demo), or
 *   cc vsva_demo.c $(pkg-config --cflags --libs softiommu)
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <softiommu/softiommu.h>
#include <softiommu/uapi/iommufd.h>
#include <softiommu/uapi/vfio.h>

#define RAM_SIZE	(4ull << 20)	/* guest memory, at GPA 0 */
#define GVA		0x40000000ull	/* the guest virtual address both PASIDs use */
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

/* Where the guest re-points PASID 1's GVA in step 8. */
#define NEW_DATA	0x300000ull
#define NEW_TEXT	"PASID 1: guest page C"

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
	last = c;
	printf("    IOTLB +%" PRIu64 " hits +%" PRIu64 " misses | +%" PRIu64 " walks +%" PRIu64
	       " table loads | +%" PRIu64 " faults +%" PRIu64 " invalidations\n",
	       delta.iotlb_hits, delta.iotlb_misses, delta.walks, delta.table_loads,
	       delta.faults, delta.invalidations);
}

/* The guest's first-stage table of @a: GVA -> a->data, tables at root..root + 0x3000. */
static void guest_build_table(const struct guest_as *a)
{
	unsigned int l4 = (GVA >> 39) & 511, l3 = (GVA >> 30) & 511;
	unsigned int l2 = (GVA >> 21) & 511, l1 = (GVA >> 12) & 511;

	*gpa_u64(a->root + l4 * 8) = (a->root + 0x1000) | P_RW_US;
	*gpa_u64(a->root + 0x1000 + l3 * 8) = (a->root + 0x2000) | P_RW_US;
	*gpa_u64(a->root + 0x2000 + l2 * 8) = (a->root + 0x3000) | P_RW_US;
	*gpa_u64(a->root + 0x3000 + l1 * 8) = a->data | P_RW_US;
	strcpy((char *)ram + a->data, a->text);
}

static uint64_t *guest_leaf(const struct guest_as *a)
{
	return gpa_u64(a->root + 0x3000 + ((GVA >> 12) & 511) * 8);
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
	};

	if (reason < sizeof(names) / sizeof(names[0]) && names[reason])
		return names[reason];
	return "unknown";
}

int main(void)
{
	struct sio_device_desc desc = { .iommu = SIO_DEVICE_IOMMU_VTD, .bus = 0, .dev = 4,
					.pasid_bits = 20 };
	struct vfio_device_bind_iommufd bind = { .argsz = sizeof(bind) };
	struct vfio_device_attach_iommufd_pt attach = { .argsz = sizeof(attach) };
	struct iommu_ioas_alloc alloc = { .size = sizeof(alloc) };
	struct iommu_ioas_map map = { .size = sizeof(map) };
	struct iommu_ioas_unmap unmap = { .size = sizeof(unmap) };
	struct iommu_hwpt_alloc s2 = { .size = sizeof(s2) };
	struct iommu_hwpt_vtd_s1_invalidate inv = { .addr = GVA, .npages = 1 };
	struct iommu_hwpt_invalidate invcmd = { .size = sizeof(invcmd) };
	uint32_t nested[NPASIDS];
	struct sio_dma_fault fault;
	char path[64], buf[64];
	int iommufd, devfd;
	unsigned int i;

	setvbuf(stdout, NULL, _IOLBF, 0);

	/* The machine. */
	dev_index = sio_device_create(&desc);
	if (dev_index < 0)
		die("sio_device_create");
	snprintf(path, sizeof(path), "/dev/vfio/devices/vfio%d", dev_index);
	step("machine: VT-d PCI function 0000:00:04.0, 20-bit PASIDs: %s", path);
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
	for (i = 0; i < NPASIDS; i++) {
		struct iommu_hwpt_vtd_s1 s1 = { .pgtbl_addr = as[i].root, .addr_width = 48 };
		struct iommu_hwpt_alloc cmd = {
			.size = sizeof(cmd), .flags = IOMMU_HWPT_ALLOC_PASID,
			.dev_id = bind.out_devid, .pt_id = s2.out_hwpt_id,
			.data_type = IOMMU_HWPT_DATA_VTD_S1, .data_len = sizeof(s1),
			.data_uptr = (uintptr_t)&s1,
		};
		struct vfio_device_attach_iommufd_pt pa = {
			.argsz = sizeof(pa), .flags = VFIO_DEVICE_ATTACH_PASID,
			.pasid = as[i].pasid,
		};

		if (sio_ioctl(iommufd, IOMMU_HWPT_ALLOC, &cmd))
			die("IOMMU_HWPT_ALLOC VTD_S1 for PASID %u", as[i].pasid);
		nested[i] = cmd.out_hwpt_id;
		pa.pt_id = nested[i];
		if (sio_ioctl(devfd, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &pa))
			die("VFIO_DEVICE_ATTACH_IOMMUFD_PT PASID %u", as[i].pasid);
	}
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

	/* The VMM takes guest memory away from stage 2: the guest's DMA faults. */
	unmap.ioas_id = alloc.out_ioas_id;
	unmap.iova = 0;
	unmap.length = UINT64_MAX;
	if (sio_ioctl(iommufd, IOMMU_IOAS_UNMAP, &unmap) || unmap.length != RAM_SIZE)
		die("IOMMU_IOAS_UNMAP");
	step("VMM: IOMMU_IOAS_UNMAP of all guest memory (%llu bytes) from stage 2",
	     (unsigned long long)unmap.length);
	for (i = 0; i < NPASIDS; i++) {
		memset(buf, 0, sizeof(buf));
		if (sio_dev_dma_read(dev_index, as[i].pasid, GVA, buf, 8) >= 0)
			die("DMA by PASID %u succeeded after the stage-2 unmap", as[i].pasid);
		if (errno != EFAULT)
			die("DMA by PASID %u after the unmap", as[i].pasid);
		if (sio_dev_last_fault(dev_index, &fault))
			die("sio_dev_last_fault");
		printf("    device, PASID %u, reads GVA 0x%llx: fault: %s (reason %u), stage %u, "
		       "level %u, iova 0x%" PRIx64 ", PASID %u, RID 0x%x\n", as[i].pasid, GVA,
		       reason_name(fault.reason), fault.reason, fault.stage, fault.level,
		       fault.iova, fault.pasid, fault.rid);
		if (fault.reason != SIO_DMA_FAULT_NOT_PRESENT || fault.stage != 2 ||
		    fault.pasid != as[i].pasid || fault.iova != GVA || buf[0])
			die("unexpected fault record for PASID %u", as[i].pasid);
	}
	counters();
	if (delta.faults != NPASIDS)
		die("the faults were not counted");

	sio_close(devfd);
	sio_close(iommufd);
	if (sio_device_destroy(dev_index))
		die("sio_device_destroy");
	munmap(ram, RAM_SIZE);
	printf("vSVA demo: every step behaved as expected\n");
	return EXIT_SUCCESS;
}
