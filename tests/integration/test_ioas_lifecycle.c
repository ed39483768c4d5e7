/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Black-box test of object lifetimes and of the ioctl argument copy rules of
 * /dev/iommu: ID allocation (iommufd-abi.md §3.2), close() (§3.5),
 * independent contexts per open() (§1), write-back of outputs and the
 * short/long struct handling of the dispatcher (§2.2), EFAULT at page
 * boundaries. Run with libsoftiommu-preload.so in LD_PRELOAD; only libc and
 * the uapi headers are used.
 */
#ifndef _GNU_SOURCE
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#endif
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "harness.h"
#include "iommufd_helpers.h"

#define PAGE 4096ULL
#define FAKE_VA 0x7f0040000000ULL
#define PAT32 0xAAAAAAAAu
#define PAT64 0xAAAAAAAAAAAAAAAAULL

static int open_fd(void)
{
	int fd = iommufd_open();

	if (fd < 0)
		fprintf(stderr, "# open(%s): %s\n", IOMMU_DEV_PATH, strerror(errno));
	return fd;
}

/* Two pages: the first with prot, the second PROT_NONE. */
static char *guarded_pages(int prot)
{
	char *p = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		       -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	memset(p, 0, PAGE);
	if (mprotect(p + PAGE, PAGE, PROT_NONE)) {
		munmap(p, 2 * PAGE);
		return NULL;
	}
	if (prot != (PROT_READ | PROT_WRITE) && mprotect(p, PAGE, prot)) {
		munmap(p, 2 * PAGE);
		return NULL;
	}
	return p;
}

static uint64_t unmap_all_len(int fd, uint32_t ioas)
{
	uint64_t out = 0;

	if (ioas_unmap_all(fd, ioas, &out))
		return (uint64_t)-1;
	return out;
}

/* ------------------------------------------------------------------------ */
/* §3.2 IDs                                                                  */

TEST(ids_sequential_and_reused_lowest_first)
{
	enum { N = 64 };
	uint32_t id = 0, i = 0;
	bool seq = true;
	int fd = open_fd();

	REQUIRE(fd >= 0);
	/* ID 0 is never valid. */
	CHECK_ERR(iommu_destroy(fd, 0), ENOENT);
	/* IDs 1..N in order. */
	for (i = 1; i <= N; i++) {
		if (ioas_alloc(fd, &id) || id != i)
			seq = false;
	}
	CHECK(seq);
	CHECK_ERR(iommu_destroy(fd, 0), ENOENT);
	CHECK_ERR(iommu_destroy(fd, N + 1), ENOENT);
	/* Every ID names a live IOAS. */
	for (i = 1; i <= N; i++) {
		uint64_t v = 0;

		if (option_get(fd, IOMMU_OPTION_HUGE_PAGES, i, &v) || v != 1)
			seq = false;
	}
	CHECK(seq);
	/* Destroyed IDs come back lowest first, then N+1. */
	CHECK_OK(iommu_destroy(fd, 17));
	CHECK_OK(iommu_destroy(fd, 5));
	CHECK_OK(iommu_destroy(fd, 40));
	CHECK_OK(iommu_destroy(fd, 3));
	CHECK_OK(ioas_alloc(fd, &id));
	CHECK_EQ(id, 3);
	CHECK_OK(ioas_alloc(fd, &id));
	CHECK_EQ(id, 5);
	CHECK_OK(ioas_alloc(fd, &id));
	CHECK_EQ(id, 17);
	CHECK_OK(ioas_alloc(fd, &id));
	CHECK_EQ(id, 40);
	CHECK_OK(ioas_alloc(fd, &id));
	CHECK_EQ(id, N + 1);
	/* Destroy everything: IDs restart at 1. */
	for (i = 1; i <= N + 1; i++)
		CHECK_OK(iommu_destroy(fd, i));
	for (i = 1; i <= N + 1; i++)
		CHECK_ERR(iommu_destroy(fd, i), ENOENT);
	CHECK_OK(ioas_alloc(fd, &id));
	CHECK_EQ(id, 1);
	/* The highest ID freed last is reused before a new top. */
	CHECK_OK(ioas_alloc(fd, &id));
	CHECK_EQ(id, 2);
	CHECK_OK(iommu_destroy(fd, 2));
	CHECK_OK(ioas_alloc(fd, &id));
	CHECK_EQ(id, 2);
	close(fd);
}

TEST(failed_alloc_consumes_no_id)
{
	struct iommu_ioas_alloc cmd = { .size = sizeof(cmd), .flags = 1 };
	uint32_t id = 0;
	int i, fd = open_fd();

	REQUIRE(fd >= 0);
	for (i = 0; i < 8; i++)
		CHECK_ERR(ioctl(fd, IOMMU_IOAS_ALLOC, &cmd), EOPNOTSUPP);
	CHECK_OK(ioas_alloc(fd, &id));
	CHECK_EQ(id, 1);
	CHECK_ERR(iommu_destroy(fd, 2), ENOENT);
	close(fd);
}

/* ------------------------------------------------------------------------ */
/* §3.5 close(), §1 independent contexts                                     */

TEST(close_with_many_objects)
{
	enum { NIOAS = 32, NAREA = 16 };
	uint32_t ids[NIOAS], i, j, id = 0;
	bool ok = true;
	int mfd = memfd_create("sio-lifecycle", MFD_CLOEXEC);
	int fd = open_fd();

	REQUIRE(fd >= 0 && mfd >= 0);
	REQUIRE(ftruncate(mfd, 1 << 20) == 0);
	for (i = 0; i < NIOAS; i++) {
		if (ioas_alloc(fd, &ids[i])) {
			ok = false;
			break;
		}
		for (j = 0; j < NAREA; j++) {
			uint64_t iova = 0x100000 + j * 0x10000;

			if (j & 1)
				ok &= !ioas_map_file(fd, ids[i], mfd, j * PAGE, PAGE, &iova,
						     MAP_FIXED_RW);
			else
				ok &= !ioas_map_va(fd, ids[i], FAKE_VA + j * PAGE, 2 * PAGE,
						   &iova, MAP_FIXED_RW);
		}
		if (i) {
			uint64_t dst = 0;

			/* Copy areas of the previous IOAS into this one. */
			ok &= !ioas_copy(fd, ids[i], ids[i - 1], 0x100000, 2 * PAGE, &dst,
					 MAP_RW);
			ok &= !ioas_copy(fd, ids[i], ids[i - 1], 0x110000, PAGE, &dst, MAP_RW);
		}
	}
	CHECK(ok);
	{
		uint32_t vid = ids[3];

		CHECK_OK(vfio_ioas(fd, IOMMU_VFIO_IOAS_SET, &vid));
	}
	CHECK_OK(option_set(fd, IOMMU_OPTION_HUGE_PAGES, ids[5], 0));
	/* A few objects destroyed before close, leaving holes in the table. */
	CHECK_OK(iommu_destroy(fd, ids[7]));
	CHECK_OK(iommu_destroy(fd, ids[8]));
	/* close() destroys everything and succeeds. */
	CHECK_OK(close(fd));
	/* A new context starts from scratch. */
	fd = open_fd();
	REQUIRE(fd >= 0);
	CHECK_OK(ioas_alloc(fd, &id));
	CHECK_EQ(id, 1);
	CHECK_EQ(unmap_all_len(fd, id), 0);
	CHECK_ERR(iommu_destroy(fd, 2), ENOENT);
	CHECK_ERR(vfio_ioas(fd, IOMMU_VFIO_IOAS_GET, &id), ENODEV);
	/* The memfd survives the areas that referenced it. */
	CHECK_OK(ioas_map_file(fd, 1, mfd, 0, PAGE, NULL, MAP_RW));
	CHECK_OK(close(fd));
	close(mfd);
}

TEST(close_immediately_and_repeatedly)
{
	int i, fd;
	bool ok = true;

	/* open/close without ioctls, and with an object, many times. */
	for (i = 0; i < 200; i++) {
		uint32_t id = 0;

		fd = iommufd_open();
		if (fd < 0) {
			ok = false;
			break;
		}
		if (i & 1) {
			if (ioas_alloc(fd, &id) || id != 1 ||
			    ioas_map_va(fd, id, FAKE_VA, PAGE, NULL, MAP_RW))
				ok = false;
		}
		if (close(fd))
			ok = false;
	}
	CHECK(ok);
	/* A closed fd is not an iommufd anymore. */
	fd = open_fd();
	REQUIRE(fd >= 0);
	CHECK_OK(close(fd));
	CHECK_ERR(iommu_destroy(fd, 1), EBADF);
}

TEST(independent_contexts)
{
	uint32_t a1 = 0, a2 = 0, b1 = 0, id = 0;
	uint64_t v = 0, iova = 0;
	int fa = open_fd(), fb = open_fd();

	REQUIRE(fa >= 0 && fb >= 0);
	CHECK(fa != fb);
	REQUIRE_OK(ioas_alloc(fa, &a1));
	REQUIRE_OK(ioas_alloc(fa, &a2));
	CHECK_EQ(a1, 1);
	CHECK_EQ(a2, 2);
	/* IDs restart at 1 in the second context. */
	REQUIRE_OK(ioas_alloc(fb, &b1));
	CHECK_EQ(b1, 1);
	/* Objects of one context are ENOENT in the other. */
	CHECK_ERR(iommu_destroy(fb, a2), ENOENT);
	CHECK_ERR(ioas_map_va(fb, a2, FAKE_VA, PAGE, NULL, MAP_RW), ENOENT);
	CHECK_ERR(option_get(fb, IOMMU_OPTION_HUGE_PAGES, a2, &v), ENOENT);
	CHECK_ERR(ioas_copy(fb, b1, a2, 0, PAGE, NULL, MAP_RW), ENOENT);
	/* Areas are per IOAS per context. */
	iova = 0x100000;
	CHECK_OK(ioas_map_va(fa, a1, FAKE_VA, PAGE, &iova, MAP_FIXED_RW));
	iova = 0x100000;
	CHECK_OK(ioas_map_va(fb, b1, FAKE_VA, 2 * PAGE, &iova, MAP_FIXED_RW));
	CHECK_ERR(ioas_copy(fb, b1, b1, 0x100000, 2 * PAGE, &iova, MAP_FIXED_RW), EEXIST);
	/* Options are per context. */
	CHECK_OK(option_set(fb, IOMMU_OPTION_HUGE_PAGES, b1, 0));
	CHECK_OK(option_get(fa, IOMMU_OPTION_HUGE_PAGES, a1, &v));
	CHECK_EQ(v, 1);
	/* The compat IOAS is per context. */
	id = a2;
	CHECK_OK(vfio_ioas(fa, IOMMU_VFIO_IOAS_SET, &id));
	CHECK_ERR(vfio_ioas(fb, IOMMU_VFIO_IOAS_GET, &id), ENODEV);
	/* RLIMIT_MODE "no objects" is per context: a third, empty one may set it. */
	if (have_cap_sys_resource()) {
		int fc = open_fd();

		REQUIRE(fc >= 0);
		CHECK_OK(option_set(fc, IOMMU_OPTION_RLIMIT_MODE, 0, 1));
		CHECK_OK(option_get(fa, IOMMU_OPTION_RLIMIT_MODE, 0, &v));
		CHECK_EQ(v, 0);
		CHECK_OK(option_get(fc, IOMMU_OPTION_RLIMIT_MODE, 0, &v));
		CHECK_EQ(v, 1);
		CHECK_OK(close(fc));
	}
	/* Destroying in one context leaves the same ID in the other alone. */
	CHECK_OK(iommu_destroy(fb, b1));
	CHECK_EQ(unmap_all_len(fa, a1), PAGE);
	/* Closing one context leaves the other working. */
	CHECK_OK(close(fb));
	CHECK_OK(vfio_ioas(fa, IOMMU_VFIO_IOAS_GET, &id));
	CHECK_EQ(id, a2);
	CHECK_OK(iommu_destroy(fa, a1));
	CHECK_OK(ioas_alloc(fa, &id));
	CHECK_EQ(id, 1);
	CHECK_OK(close(fa));
}

TEST(dup_shares_the_context)
{
	uint32_t id = 0;
	int fd = open_fd(), fd2;

	REQUIRE(fd >= 0);
	REQUIRE_OK(ioas_alloc(fd, &id));
	fd2 = dup(fd);
	REQUIRE(fd2 >= 0);
	/* A dup'ed fd is the same open file: same objects. */
	CHECK_OK(ioas_map_va(fd2, id, FAKE_VA, PAGE, NULL, MAP_RW));
	CHECK_OK(close(fd));
	/* The context lives until the last fd is closed. */
	CHECK_EQ(unmap_all_len(fd2, id), PAGE);
	CHECK_OK(iommu_destroy(fd2, id));
	CHECK_OK(close(fd2));
}

/* ------------------------------------------------------------------------ */
/* §2.2 output write-back                                                    */

TEST(ioas_alloc_exact_and_long_struct)
{
	uint8_t buf[32];
	struct iommu_ioas_alloc *a = (void *)buf;
	unsigned int i;
	bool untouched = true;
	int fd = open_fd();

	REQUIRE(fd >= 0);
	/* size = 12 exactly: only the 12 bytes are written. */
	memset(buf, 0xAA, sizeof(buf));
	a->size = 12;
	a->flags = 0;
	CHECK_OK(ioctl(fd, IOMMU_IOAS_ALLOC, buf));
	CHECK_EQ(a->out_ioas_id, 1);
	for (i = 12; i < sizeof(buf); i++)
		untouched &= buf[i] == 0xAA;
	CHECK(untouched);
	/* size = 16 with zero tail: out_ioas_id written, the tail stays 0. */
	memset(buf, 0xAA, sizeof(buf));
	memset(buf, 0, 16);
	a->size = 16;
	a->out_ioas_id = PAT32;
	CHECK_OK(ioctl(fd, IOMMU_IOAS_ALLOC, buf));
	CHECK_EQ(a->out_ioas_id, 2);
	CHECK_EQ(((uint32_t *)buf)[3], 0);
	untouched = true;
	for (i = 16; i < sizeof(buf); i++)
		untouched &= buf[i] == 0xAA;
	CHECK(untouched);
	/* size = 32 with non-zero tail: E2BIG, nothing created nor written. */
	memset(buf, 0, sizeof(buf));
	a->size = 32;
	a->out_ioas_id = PAT32;
	buf[31] = 1;
	CHECK_ERR(ioctl(fd, IOMMU_IOAS_ALLOC, buf), E2BIG);
	CHECK_EQ(a->out_ioas_id, PAT32);
	CHECK_ERR(iommu_destroy(fd, 3), ENOENT);
	/* Both IOAS exist. */
	CHECK_OK(iommu_destroy(fd, 1));
	CHECK_OK(iommu_destroy(fd, 2));
	close(fd);
}

TEST(outputs_untouched_on_failure)
{
	struct iommu_ioas_alloc alloc = { .size = sizeof(alloc), .flags = 2,
					  .out_ioas_id = PAT32 };
	struct iommu_ioas_map map;
	struct iommu_ioas_copy copy;
	struct iommu_ioas_unmap unmap;
	struct iommu_ioas_iova_ranges ranges;
	struct iommu_vfio_ioas vfio = { .size = sizeof(vfio), .ioas_id = PAT32,
					.op = IOMMU_VFIO_IOAS_GET };
	struct iommu_option opt;
	struct iommu_ioas_map_file mf;
	uint64_t iova = 0x100000;
	uint32_t ioas = 0, ioas2 = 0;
	int mfd = memfd_create("sio-lifecycle", MFD_CLOEXEC);
	int fd = open_fd();

	REQUIRE(fd >= 0 && mfd >= 0);
	CHECK_ERR(ioctl(fd, IOMMU_IOAS_ALLOC, &alloc), EOPNOTSUPP);
	CHECK_EQ(alloc.out_ioas_id, PAT32);
	REQUIRE_OK(ioas_alloc(fd, &ioas));
	REQUIRE_OK(ioas_alloc(fd, &ioas2));
	REQUIRE_OK(ioas_map_va(fd, ioas, FAKE_VA, 4 * PAGE, &iova, MAP_FIXED_RW));

	/* MAP (auto) failing in several ways: iova keeps the pattern. */
	memset(&map, 0, sizeof(map));
	map.size = sizeof(map);
	map.flags = MAP_RW;
	map.ioas_id = 99;
	map.user_va = FAKE_VA;
	map.length = PAGE;
	map.iova = PAT64;
	CHECK_ERR(ioctl(fd, IOMMU_IOAS_MAP, &map), ENOENT);
	CHECK_EQ(map.iova, PAT64);
	map.ioas_id = ioas;
	map.length = 0;
	CHECK_ERR(ioctl(fd, IOMMU_IOAS_MAP, &map), EINVAL);
	CHECK_EQ(map.iova, PAT64);
	map.length = PAGE;
	map.flags = MAP_FIXED_RW;
	map.iova = 0x101000;
	CHECK_ERR(ioctl(fd, IOMMU_IOAS_MAP, &map), EEXIST);
	CHECK_EQ(map.iova, 0x101000);
	CHECK_EQ(map.length, PAGE);
	CHECK_EQ(map.user_va, FAKE_VA);
	/* ... and a successful auto MAP overwrites it. */
	map.flags = MAP_RW;
	map.iova = PAT64;
	CHECK_OK(ioctl(fd, IOMMU_IOAS_MAP, &map));
	CHECK(map.iova != PAT64);
	CHECK_EQ(map.length, PAGE);

	/* MAP_FILE failing. */
	memset(&mf, 0, sizeof(mf));
	mf.size = sizeof(mf);
	mf.flags = MAP_RW;
	mf.ioas_id = ioas;
	mf.fd = -1;
	mf.length = PAGE;
	mf.iova = PAT64;
	CHECK_ERR(ioctl(fd, IOMMU_IOAS_MAP_FILE, &mf), EBADF);
	CHECK_EQ(mf.iova, PAT64);
	mf.fd = mfd;
	mf.length = 0;
	CHECK_ERR(ioctl(fd, IOMMU_IOAS_MAP_FILE, &mf), EINVAL);
	CHECK_EQ(mf.iova, PAT64);

	/* COPY failing: dst_iova keeps the pattern. */
	memset(&copy, 0, sizeof(copy));
	copy.size = sizeof(copy);
	copy.flags = MAP_RW;
	copy.dst_ioas_id = ioas2;
	copy.src_ioas_id = ioas;
	copy.length = PAGE;
	copy.src_iova = 0x200000;	/* hole */
	copy.dst_iova = PAT64;
	CHECK_ERR(ioctl(fd, IOMMU_IOAS_COPY, &copy), ENOENT);
	CHECK_EQ(copy.dst_iova, PAT64);
	copy.src_iova = 0x100000;
	copy.dst_ioas_id = 77;
	CHECK_ERR(ioctl(fd, IOMMU_IOAS_COPY, &copy), ENOENT);
	CHECK_EQ(copy.dst_iova, PAT64);

	/* UNMAP failing: length keeps its value. */
	memset(&unmap, 0, sizeof(unmap));
	unmap.size = sizeof(unmap);
	unmap.ioas_id = ioas;
	unmap.iova = 0x100000;
	unmap.length = 2 * PAGE;	/* would split */
	CHECK_ERR(ioctl(fd, IOMMU_IOAS_UNMAP, &unmap), ENOENT);
	CHECK_EQ(unmap.length, 2 * PAGE);
	unmap.iova = 0x800000;
	unmap.length = PAGE;
	CHECK_ERR(ioctl(fd, IOMMU_IOAS_UNMAP, &unmap), ENOENT);
	CHECK_EQ(unmap.length, PAGE);
	unmap.ioas_id = 123;
	unmap.iova = 0;
	unmap.length = UINT64_MAX;
	CHECK_ERR(ioctl(fd, IOMMU_IOAS_UNMAP, &unmap), ENOENT);
	CHECK_EQ(unmap.length, UINT64_MAX);

	/* IOVA_RANGES failing with ENOENT: nothing written. */
	memset(&ranges, 0, sizeof(ranges));
	ranges.size = sizeof(ranges);
	ranges.ioas_id = 55;
	ranges.num_iovas = 7;
	ranges.out_iova_alignment = PAT64;
	CHECK_ERR(ioctl(fd, IOMMU_IOAS_IOVA_RANGES, &ranges), ENOENT);
	CHECK_EQ(ranges.num_iovas, 7);
	CHECK_EQ(ranges.out_iova_alignment, PAT64);

	/* VFIO_IOAS GET failing. */
	CHECK_ERR(ioctl(fd, IOMMU_VFIO_IOAS, &vfio), ENODEV);
	CHECK_EQ(vfio.ioas_id, PAT32);
	/* VFIO_IOAS SET does not write ioas_id back (nothing to write). */
	vfio.op = IOMMU_VFIO_IOAS_SET;
	vfio.ioas_id = ioas2;
	CHECK_OK(ioctl(fd, IOMMU_VFIO_IOAS, &vfio));
	CHECK_EQ(vfio.ioas_id, ioas2);
	vfio.op = IOMMU_VFIO_IOAS_GET;
	vfio.ioas_id = PAT32;
	CHECK_OK(ioctl(fd, IOMMU_VFIO_IOAS, &vfio));
	CHECK_EQ(vfio.ioas_id, ioas2);

	/* OPTION failing. */
	memset(&opt, 0, sizeof(opt));
	opt.size = sizeof(opt);
	opt.option_id = IOMMU_OPTION_HUGE_PAGES;
	opt.op = IOMMU_OPTION_OP_GET;
	opt.object_id = 31;
	opt.val64 = PAT64;
	CHECK_ERR(ioctl(fd, IOMMU_OPTION, &opt), ENOENT);
	CHECK_EQ(opt.val64, PAT64);
	opt.option_id = IOMMU_OPTION_RLIMIT_MODE;
	opt.object_id = 1;
	CHECK_ERR(ioctl(fd, IOMMU_OPTION, &opt), EOPNOTSUPP);
	CHECK_EQ(opt.val64, PAT64);

	close(mfd);
	close(fd);
}

/* ------------------------------------------------------------------------ */
/* §2.2 EFAULT at page boundaries                                            */

TEST(efault_struct_at_end_of_page)
{
	char *g = guarded_pages(PROT_READ | PROT_WRITE);
	char *end;
	uint32_t id = 0;
	int fd = open_fd();

	REQUIRE(fd >= 0 && g);
	end = g + PAGE;
	/* The size word itself unreadable, or straddling the boundary. */
	CHECK_ERR(ioctl(fd, IOMMU_DESTROY, end), EFAULT);
	CHECK_ERR(ioctl(fd, IOMMU_DESTROY, end - 2), EFAULT);
	/* Size readable, the rest of the struct not. */
	{
		uint32_t *p = (uint32_t *)(end - 4);

		*p = sizeof(struct iommu_ioas_alloc);
		CHECK_ERR(ioctl(fd, IOMMU_IOAS_ALLOC, p), EFAULT);
		*p = sizeof(struct iommu_destroy);
		CHECK_ERR(ioctl(fd, IOMMU_DESTROY, p), EFAULT);
		/* ... but too small a size is EINVAL before the rest is read. */
		*p = 4;
		CHECK_ERR(ioctl(fd, IOMMU_DESTROY, p), EINVAL);
	}
	/* A struct ending exactly at the boundary works, read and write. */
	{
		struct iommu_ioas_alloc *a = (void *)(end - sizeof(*a));

		memset(a, 0, sizeof(*a));
		a->size = sizeof(*a);
		CHECK_OK(ioctl(fd, IOMMU_IOAS_ALLOC, a));
		CHECK_EQ(a->out_ioas_id, 1);
		/* A declared size beyond the page: the tail cannot be checked. */
		a->size = 16;
		CHECK_ERR(ioctl(fd, IOMMU_IOAS_ALLOC, a), EFAULT);
		CHECK_ERR(iommu_destroy(fd, 2), ENOENT);
	}
	{
		struct iommu_destroy *d = (void *)(end - sizeof(*d));

		d->size = sizeof(*d);
		d->id = 1;
		CHECK_OK(ioctl(fd, IOMMU_DESTROY, d));
		d->size = 9;
		d->id = 1;
		CHECK_ERR(ioctl(fd, IOMMU_DESTROY, d), EFAULT);
	}
	{
		struct iommu_ioas_map *m = (void *)(end - sizeof(*m));

		REQUIRE_OK(ioas_alloc(fd, &id));
		memset(m, 0, sizeof(*m));
		m->size = sizeof(*m);
		m->flags = MAP_RW;
		m->ioas_id = id;
		m->user_va = FAKE_VA;
		m->length = PAGE;
		CHECK_OK(ioctl(fd, IOMMU_IOAS_MAP, m));
		CHECK(m->iova != 0);
		CHECK_EQ(unmap_all_len(fd, id), PAGE);
	}
	{
		struct iommu_option *o = (void *)(end - sizeof(*o));

		memset(o, 0, sizeof(*o));
		o->size = sizeof(*o);
		o->option_id = IOMMU_OPTION_HUGE_PAGES;
		o->op = IOMMU_OPTION_OP_GET;
		o->object_id = id;
		CHECK_OK(ioctl(fd, IOMMU_OPTION, o));
		CHECK_EQ(o->val64, 1);
	}
	{
		struct iommu_ioas_iova_ranges *r = (void *)(end - sizeof(*r));
		struct iommu_iova_range *arr = (void *)(end - sizeof(*r) - sizeof(*arr));

		memset(arr, 0, sizeof(*arr) + sizeof(*r));
		r->size = sizeof(*r);
		r->ioas_id = id;
		r->num_iovas = 1;
		r->allowed_iovas = (uintptr_t)arr;
		CHECK_OK(ioctl(fd, IOMMU_IOAS_IOVA_RANGES, r));
		CHECK_EQ(r->num_iovas, 1);
		CHECK_EQ(arr->last, UINT64_MAX);
		/* Capacity 2 with one range: the second slot is never written. */
		r = (void *)g;
		memset(r, 0, sizeof(*r));
		r->size = sizeof(*r);
		r->ioas_id = id;
		r->num_iovas = 2;
		r->allowed_iovas = (uintptr_t)(end - sizeof(*arr));
		CHECK_OK(ioctl(fd, IOMMU_IOAS_IOVA_RANGES, r));
		CHECK_EQ(r->num_iovas, 1);
	}
	munmap(g, 2 * PAGE);
	close(fd);
}

TEST(efault_on_readonly_output)
{
	char *g = guarded_pages(PROT_READ | PROT_WRITE);
	struct iommu_ioas_alloc *a;
	struct iommu_vfio_ioas *v;
	struct iommu_ioas_iova_ranges *r;
	struct iommu_destroy *d;
	uint32_t id = 0;
	uint64_t out = 0;
	int fd = open_fd();

	REQUIRE(fd >= 0 && g);
	/* IOAS_ALLOC whose output cannot be written: EFAULT, object aborted. */
	a = (void *)g;
	a->size = sizeof(*a);
	a->flags = 0;
	a->out_ioas_id = PAT32;
	REQUIRE(mprotect(g, PAGE, PROT_READ) == 0);
	CHECK_ERR(ioctl(fd, IOMMU_IOAS_ALLOC, a), EFAULT);
	CHECK_EQ(a->out_ioas_id, PAT32);
	/* Inputs-only ioctls work from read-only memory. */
	d = (void *)(g + 64);
	CHECK_ERR(ioctl(fd, IOMMU_DESTROY, d), EINVAL);	/* size 0 */
	REQUIRE(mprotect(g, PAGE, PROT_READ | PROT_WRITE) == 0);
	/* §2.2 step 6: the aborted object is gone, its ID free again. */
	CHECK_ERR(iommu_destroy(fd, 1), ENOENT);
	CHECK_OK(ioas_alloc(fd, &id));
	CHECK_EQ(id, 1);
	/* An object exists (the one just made), so RLIMIT_MODE is busy. */
	if (have_cap_sys_resource())
		CHECK_ERR(option_set(fd, IOMMU_OPTION_RLIMIT_MODE, 0, 0), EBUSY);
	CHECK_ERR(iommu_destroy(fd, 2), ENOENT);

	d->size = sizeof(*d);
	d->id = 999;
	v = (void *)(g + 128);
	v->size = sizeof(*v);
	v->op = IOMMU_VFIO_IOAS_SET;
	v->ioas_id = id;
	r = (void *)(g + 256);
	r->size = sizeof(*r);
	r->ioas_id = id;
	r->num_iovas = 0;
	REQUIRE(mprotect(g, PAGE, PROT_READ) == 0);
	CHECK_ERR(ioctl(fd, IOMMU_DESTROY, d), ENOENT);
	CHECK_OK(ioctl(fd, IOMMU_VFIO_IOAS, v));	/* SET writes nothing */
	/* IOVA_RANGES cannot write num_iovas back → EFAULT, not EMSGSIZE. */
	CHECK_ERR(ioctl(fd, IOMMU_IOAS_IOVA_RANGES, r), EFAULT);
	REQUIRE(mprotect(g, PAGE, PROT_READ | PROT_WRITE) == 0);
	v->op = IOMMU_VFIO_IOAS_GET;
	v->ioas_id = 0;
	CHECK_OK(ioctl(fd, IOMMU_VFIO_IOAS, v));
	CHECK_EQ(v->ioas_id, id);
	/* A read-only UNMAP struct: the work is done, the write-back faults. */
	{
		struct iommu_ioas_unmap *u = (void *)(g + 512);
		uint64_t iova = 0x100000;

		REQUIRE_OK(ioas_map_va(fd, id, FAKE_VA, PAGE, &iova, MAP_FIXED_RW));
		u->size = sizeof(*u);
		u->ioas_id = id;
		u->iova = 0;
		u->length = UINT64_MAX;
		REQUIRE(mprotect(g, PAGE, PROT_READ) == 0);
		CHECK_ERR(ioctl(fd, IOMMU_IOAS_UNMAP, u), EFAULT);
		REQUIRE(mprotect(g, PAGE, PROT_READ | PROT_WRITE) == 0);
		CHECK_EQ(u->length, UINT64_MAX);
	}
	out = 1;
	CHECK_OK(ioas_unmap_all(fd, id, &out));
	CHECK_EQ(out, 0);
	/* It was the only object: once destroyed, RLIMIT_MODE may be set. */
	CHECK_OK(iommu_destroy(fd, id));
	if (have_cap_sys_resource())
		CHECK_OK(option_set(fd, IOMMU_OPTION_RLIMIT_MODE, 0, 0));
	CHECK_OK(ioas_alloc(fd, &id));
	CHECK_EQ(id, 1);
	munmap(g, 2 * PAGE);
	close(fd);
}

HARNESS_MAIN()
