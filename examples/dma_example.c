/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dma_example - a device doing DMA through a paging domain.
 *
 * Plays both sides in one process through the C API (no preload):
 *  - the machine: an emulated PCI function behind the software VT-d;
 *  - the driver: binds the function's VFIO cdev to an iommufd context,
 *    attaches it to an IOAS and maps a buffer, exactly as a VMM or a
 *    user-space driver does with the kernel;
 *  - the device: reads and writes that buffer by IO virtual address, and
 *    gets a fault (and touches nothing) where nothing is mapped.
 *
 * Build: part of the meson build (build/examples/dma_example), or
 *   cc dma_example.c $(pkg-config --cflags --libs softiommu)
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <softiommu/softiommu.h>
#include <softiommu/uapi/iommufd.h>
#include <softiommu/uapi/vfio.h>

#define BUF_IOVA 0x10000000ull
#define BUF_SIZE (64u << 10)

static int fail(const char *what)
{
	fprintf(stderr, "dma_example: %s: %s\n", what, strerror(errno));
	return EXIT_FAILURE;
}

int main(void)
{
	struct sio_device_desc desc;
	struct vfio_device_bind_iommufd bind = { .argsz = sizeof(bind) };
	struct vfio_device_attach_iommufd_pt attach = { .argsz = sizeof(attach) };
	struct iommu_ioas_alloc alloc = { .size = sizeof(alloc) };
	struct iommu_ioas_map map = { .size = sizeof(map) };
	struct sio_dma_fault fault;
	char path[64], msg[64];
	int index, iommufd, devfd;
	uint8_t *buf;

	/* The machine: one VT-d function at 0000:00:04.0 with 20-bit PASIDs. */
	if (sio_device_parse("vtd,bdf=0000:00:04.0,pasid=20", &desc))
		return fail("parse");
	index = sio_device_create(&desc);
	if (index < 0)
		return fail("sio_device_create");
	snprintf(path, sizeof(path), "/dev/vfio/devices/vfio%d", index);
	printf("created %s (0000:00:04.0 behind VT-d)\n", path);

	/* The driver: bind the cdev to a context, attach it to an IOAS, map a buffer. */
	iommufd = sio_open("/dev/iommu", O_RDWR);
	devfd = sio_open(path, O_RDWR);
	if (iommufd < 0 || devfd < 0)
		return fail("sio_open");
	bind.iommufd = iommufd;
	if (sio_ioctl(devfd, VFIO_DEVICE_BIND_IOMMUFD, &bind))
		return fail("VFIO_DEVICE_BIND_IOMMUFD");
	if (sio_ioctl(iommufd, IOMMU_IOAS_ALLOC, &alloc))
		return fail("IOMMU_IOAS_ALLOC");
	attach.pt_id = alloc.out_ioas_id;
	if (sio_ioctl(devfd, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &attach))
		return fail("VFIO_DEVICE_ATTACH_IOMMUFD_PT");
	printf("device %u attached to paging domain (HWPT %u) of IOAS %u\n", bind.out_devid,
	       attach.pt_id, alloc.out_ioas_id);

	buf = mmap(NULL, BUF_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (buf == MAP_FAILED)
		return fail("mmap");
	map.flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE |
		    IOMMU_IOAS_MAP_WRITEABLE;
	map.ioas_id = alloc.out_ioas_id;
	map.user_va = (uintptr_t)buf;
	map.length = BUF_SIZE;
	map.iova = BUF_IOVA;
	if (sio_ioctl(iommufd, IOMMU_IOAS_MAP, &map))
		return fail("IOMMU_IOAS_MAP");

	/* The device: write by IOVA, and the driver sees the bytes in its buffer. */
	snprintf(msg, sizeof(msg), "hello from device vfio%d", index);
	if (sio_dev_dma_write(index, SIO_NO_PASID_VAL, BUF_IOVA + 0x1000, msg,
			      strlen(msg) + 1) < 0)
		return fail("sio_dev_dma_write");
	printf("driver reads at buf+0x1000: \"%s\"\n", (char *)buf + 0x1000);

	/* The driver writes, the device reads. */
	strcpy((char *)buf + 0x2000, "hello from the driver");
	memset(msg, 0, sizeof(msg));
	if (sio_dev_dma_read(index, SIO_NO_PASID_VAL, BUF_IOVA + 0x2000, msg, 22) < 0)
		return fail("sio_dev_dma_read");
	printf("device reads at IOVA 0x%llx: \"%s\"\n", BUF_IOVA + 0x2000, msg);

	/* Outside the mapping: a translation fault; nothing is transferred. */
	if (sio_dev_dma_read(index, SIO_NO_PASID_VAL, BUF_IOVA + BUF_SIZE, msg, 8) >= 0 ||
	    errno != EFAULT || sio_dev_last_fault(index, &fault))
		return fail("expected a fault");
	printf("DMA at IOVA 0x%" PRIx64 " faulted: reason %u, rid 0x%x\n", fault.iova,
	       fault.reason, fault.rid);

	sio_close(devfd);
	sio_close(iommufd);
	munmap(buf, BUF_SIZE);
	if (sio_device_destroy(index))
		return fail("sio_device_destroy");
	return EXIT_SUCCESS;
}
