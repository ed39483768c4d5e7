/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * An unmodified iommufd client: it knows nothing of softiommu and drives
 * /dev/iommu with open() and ioctl() as a VMM or a user-space driver would.
 * Run it with `softiommu run -- ./ioas_demo` (or `softiommu demo --ioas`).
 *
 * Walks through a complete IO address space workflow and prints each step:
 * discover the usable IOVA ranges (the EMSGSIZE two-step), map memory at an
 * automatic and at a fixed IOVA, map a memfd, copy a mapping into a second
 * IOAS, restrict automatic allocation with allowed ranges, unmap, unmap-all,
 * and destroy.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include <softiommu/uapi/iommufd.h>

static int step;

#define SHOW(fmt, ...) printf("%2d. " fmt "\n", ++step, ##__VA_ARGS__)

static void die(const char *what)
{
	fprintf(stderr, "ioas_demo: %s: %s\n", what, strerror(errno));
	exit(1);
}

static uint32_t ioas_alloc(int fd)
{
	struct iommu_ioas_alloc cmd = { .size = sizeof(cmd) };

	if (ioctl(fd, IOMMU_IOAS_ALLOC, &cmd))
		die("IOMMU_IOAS_ALLOC");
	return cmd.out_ioas_id;
}

static void show_ranges(int fd, uint32_t ioas)
{
	struct iommu_ioas_iova_ranges cmd = { .size = sizeof(cmd), .ioas_id = ioas };
	struct iommu_iova_range *ranges;
	uint32_t i;

	/* First call with no room: the kernel answers EMSGSIZE and the count. */
	if (!ioctl(fd, IOMMU_IOAS_IOVA_RANGES, &cmd) || errno != EMSGSIZE)
		die("IOMMU_IOAS_IOVA_RANGES (expected EMSGSIZE)");
	ranges = calloc(cmd.num_iovas, sizeof(*ranges));
	if (!ranges)
		die("calloc");
	cmd.allowed_iovas = (uintptr_t)ranges;
	if (ioctl(fd, IOMMU_IOAS_IOVA_RANGES, &cmd))
		die("IOMMU_IOAS_IOVA_RANGES");
	SHOW("IOAS %u: %u usable IOVA range(s), alignment %llu", ioas, cmd.num_iovas,
	     (unsigned long long)cmd.out_iova_alignment);
	for (i = 0; i < cmd.num_iovas; i++)
		printf("      [0x%llx, 0x%llx]\n", (unsigned long long)ranges[i].start,
		       (unsigned long long)ranges[i].last);
	free(ranges);
}

static uint64_t map(int fd, uint32_t ioas, void *buf, size_t len, uint64_t iova, uint32_t flags)
{
	struct iommu_ioas_map cmd = {
		.size = sizeof(cmd),
		.flags = flags,
		.ioas_id = ioas,
		.user_va = (uintptr_t)buf,
		.length = len,
		.iova = iova,
	};

	if (ioctl(fd, IOMMU_IOAS_MAP, &cmd))
		die("IOMMU_IOAS_MAP");
	return cmd.iova;
}

static uint64_t unmap(int fd, uint32_t ioas, uint64_t iova, uint64_t len)
{
	struct iommu_ioas_unmap cmd = {
		.size = sizeof(cmd), .ioas_id = ioas, .iova = iova, .length = len,
	};

	if (ioctl(fd, IOMMU_IOAS_UNMAP, &cmd))
		die("IOMMU_IOAS_UNMAP");
	return cmd.length;
}

int main(void)
{
	const uint32_t rw = IOMMU_IOAS_MAP_READABLE | IOMMU_IOAS_MAP_WRITEABLE;
	const size_t len = 1 << 20;
	struct iommu_ioas_unmap bad_unmap;
	struct iommu_ioas_map_file mf;
	struct iommu_ioas_copy copy;
	struct iommu_iova_range allowed = { .start = 0x40000000, .last = 0x4fffffff };
	struct iommu_ioas_allow_iovas allow;
	struct iommu_destroy destroy;
	uint64_t iova_auto, iova_fixed, iova_allowed;
	uint32_t ioas, ioas2;
	void *buf;
	int fd, memfd;

	fd = open("/dev/iommu", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		die("open /dev/iommu (run me with `softiommu run`)");
	SHOW("opened /dev/iommu: fd %d", fd);

	ioas = ioas_alloc(fd);
	SHOW("IOMMU_IOAS_ALLOC: IOAS id %u", ioas);
	show_ranges(fd, ioas);

	buf = mmap(NULL, 4 * len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (buf == MAP_FAILED)
		die("mmap");
	iova_auto = map(fd, ioas, buf, len, 0, rw);
	SHOW("IOMMU_IOAS_MAP 1 MiB at %p, automatic IOVA: 0x%llx (aligned like the buffer)",
	     buf, (unsigned long long)iova_auto);
	iova_fixed = map(fd, ioas, (char *)buf + len, len, 0x80000000, rw | IOMMU_IOAS_MAP_FIXED_IOVA);
	SHOW("IOMMU_IOAS_MAP 1 MiB at fixed IOVA 0x%llx", (unsigned long long)iova_fixed);

	memfd = memfd_create("guest-ram", MFD_CLOEXEC);
	if (memfd < 0 || ftruncate(memfd, len))
		die("memfd");
	mf = (struct iommu_ioas_map_file){
		.size = sizeof(mf), .flags = rw, .ioas_id = ioas, .fd = memfd, .length = len,
	};
	if (ioctl(fd, IOMMU_IOAS_MAP_FILE, &mf))
		die("IOMMU_IOAS_MAP_FILE");
	SHOW("IOMMU_IOAS_MAP_FILE 1 MiB of a memfd at IOVA 0x%llx", (unsigned long long)mf.iova);

	ioas2 = ioas_alloc(fd);
	copy = (struct iommu_ioas_copy){
		.size = sizeof(copy), .flags = rw, .dst_ioas_id = ioas2, .src_ioas_id = ioas,
		.length = len / 2, .src_iova = iova_fixed + len / 4,
	};
	if (ioctl(fd, IOMMU_IOAS_COPY, &copy))
		die("IOMMU_IOAS_COPY");
	SHOW("IOMMU_IOAS_COPY of a 512 KiB window into IOAS %u: IOVA 0x%llx (same pages, no "
	     "new pin)", ioas2, (unsigned long long)copy.dst_iova);

	allow = (struct iommu_ioas_allow_iovas){
		.size = sizeof(allow), .ioas_id = ioas2, .num_iovas = 1,
		.allowed_iovas = (uintptr_t)&allowed,
	};
	if (ioctl(fd, IOMMU_IOAS_ALLOW_IOVAS, &allow))
		die("IOMMU_IOAS_ALLOW_IOVAS");
	iova_allowed = map(fd, ioas2, (char *)buf + 2 * len, len, 0, rw);
	SHOW("IOMMU_IOAS_ALLOW_IOVAS [0x40000000, 0x4fffffff]: next automatic IOVA 0x%llx",
	     (unsigned long long)iova_allowed);

	bad_unmap = (struct iommu_ioas_unmap){
		.size = sizeof(bad_unmap), .ioas_id = ioas, .iova = iova_fixed, .length = len / 2,
	};
	if (!ioctl(fd, IOMMU_IOAS_UNMAP, &bad_unmap) || errno != ENOENT)
		die("IOMMU_IOAS_UNMAP of half an area (expected ENOENT)");
	SHOW("IOMMU_IOAS_UNMAP of half a mapping: %s (areas are never split)", strerror(errno));
	SHOW("IOMMU_IOAS_UNMAP of the fixed mapping: %llu bytes",
	     (unsigned long long)unmap(fd, ioas, iova_fixed, len));
	SHOW("IOMMU_IOAS_UNMAP all (0, UINT64_MAX) of IOAS %u: %llu bytes", ioas,
	     (unsigned long long)unmap(fd, ioas, 0, UINT64_MAX));

	destroy = (struct iommu_destroy){ .size = sizeof(destroy), .id = ioas };
	if (ioctl(fd, IOMMU_DESTROY, &destroy))
		die("IOMMU_DESTROY");
	SHOW("IOMMU_DESTROY IOAS %u; IOAS %u (with its mappings) goes with close()", ioas, ioas2);
	if (close(fd))
		die("close");
	SHOW("closed: every object destroyed, every pin released");
	close(memfd);
	munmap(buf, 4 * len);
	return 0;
}
