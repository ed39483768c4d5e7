/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Black-box test of the IOAS ioctls of /dev/iommu: every errno of
 * iommufd-abi.md §4.1-4.9, §4.16, §4.19 (and the dispatcher of §2.2 and the
 * ADD_RESERVED test op of iommufd-testops.md §4.1), each checked on its own
 * and, where two errors apply at once, checked to come out in the kernel's
 * order. Run with libsoftiommu-preload.so in LD_PRELOAD; only libc and the
 * uapi headers are used.
 *
 * No devices or domains exist, so nothing is ever pinned (§3.4): mapping user
 * VAs that are not backed by memory must work, and several tests use such
 * made-up addresses to control the alignment of user_va exactly.
 */
#ifndef _GNU_SOURCE
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#endif
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "iommufd_helpers.h"

#define PAGE 4096ULL
#define MiB (1ULL << 20)
#define U64MAX UINT64_MAX

/* A made-up user VA with a large lowest set bit (1 GiB); never touched. */
#define FAKE_VA 0x7f0040000000ULL

/* ------------------------------------------------------------------------ */
/* Local helpers: raw struct calls so that every field can be set.           */

static int open_fd(void)
{
	int fd = iommufd_open();

	if (fd < 0)
		fprintf(stderr, "# open(%s): %s\n", IOMMU_DEV_PATH, strerror(errno));
	return fd;
}

/* Opens a context with one IOAS; the IOAS ID is 1 in a fresh context. */
static int open_with_ioas(uint32_t *ioas)
{
	int fd = open_fd();

	if (fd < 0)
		return -1;
	if (ioas_alloc(fd, ioas)) {
		close(fd);
		return -1;
	}
	return fd;
}

static int raw_map(int fd, uint32_t flags, uint32_t ioas, uint32_t rsv, uint64_t va,
		   uint64_t len, uint64_t iova)
{
	struct iommu_ioas_map cmd = {
		.size = sizeof(cmd), .flags = flags, .ioas_id = ioas, .__reserved = rsv,
		.user_va = va, .length = len, .iova = iova,
	};

	return ioctl(fd, IOMMU_IOAS_MAP, &cmd);
}

static int raw_map_file(int fd, uint32_t flags, uint32_t ioas, int mfd, uint64_t start,
			uint64_t len, uint64_t iova)
{
	struct iommu_ioas_map_file cmd = {
		.size = sizeof(cmd), .flags = flags, .ioas_id = ioas, .fd = mfd,
		.start = start, .length = len, .iova = iova,
	};

	return ioctl(fd, IOMMU_IOAS_MAP_FILE, &cmd);
}

static int raw_copy(int fd, uint32_t flags, uint32_t dst, uint32_t src, uint64_t len,
		    uint64_t dst_iova, uint64_t src_iova)
{
	struct iommu_ioas_copy cmd = {
		.size = sizeof(cmd), .flags = flags, .dst_ioas_id = dst, .src_ioas_id = src,
		.length = len, .dst_iova = dst_iova, .src_iova = src_iova,
	};

	return ioctl(fd, IOMMU_IOAS_COPY, &cmd);
}

static int raw_allow(int fd, uint32_t ioas, uint32_t num, uint32_t rsv, uint64_t ptr)
{
	struct iommu_ioas_allow_iovas cmd = {
		.size = sizeof(cmd), .ioas_id = ioas, .num_iovas = num, .__reserved = rsv,
		.allowed_iovas = ptr,
	};

	return ioctl(fd, IOMMU_IOAS_ALLOW_IOVAS, &cmd);
}

static int raw_option(int fd, uint32_t option, uint16_t op, uint16_t rsv, uint32_t obj,
		      uint64_t val)
{
	struct iommu_option cmd = {
		.size = sizeof(cmd), .option_id = option, .op = op, .__reserved = rsv,
		.object_id = obj, .val64 = val,
	};

	return ioctl(fd, IOMMU_OPTION, &cmd);
}

static int raw_vfio(int fd, uint32_t ioas, uint16_t op, uint16_t rsv)
{
	struct iommu_vfio_ioas cmd = {
		.size = sizeof(cmd), .ioas_id = ioas, .op = op, .__reserved = rsv,
	};

	return ioctl(fd, IOMMU_VFIO_IOAS, &cmd);
}

static int raw_test_cmd(int fd, uint32_t op, uint32_t id)
{
	struct iommu_test_cmd cmd;

	memset(&cmd, 0, sizeof(cmd));
	cmd.size = sizeof(cmd);
	cmd.op = op;
	cmd.id = id;
	return ioctl(fd, IOMMU_TEST_CMD, &cmd);
}

/* Bytes unmapped by an exact unmap of [iova, iova + len), or (uint64_t)-1. */
static uint64_t unmap_len(int fd, uint32_t ioas, uint64_t iova, uint64_t len)
{
	uint64_t out = 0;

	if (ioas_unmap(fd, ioas, iova, len, &out))
		return (uint64_t)-1;
	return out;
}

/* Total bytes mapped in an IOAS, learnt by unmapping everything. */
static uint64_t unmap_all_len(int fd, uint32_t ioas)
{
	uint64_t out = 0;

	if (ioas_unmap_all(fd, ioas, &out))
		return (uint64_t)-1;
	return out;
}

/*
 * Two-page mapping whose first page is PROT_READ|PROT_WRITE (or prot) and
 * whose second page is PROT_NONE; returns base. Objects placed at
 * base + PAGE - n end exactly at the inaccessible page.
 */
static char *guarded_pages(int prot)
{
	char *p = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		       -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	memset(p, 0, PAGE);
	if (mprotect(p + PAGE, PAGE, PROT_NONE) || mprotect(p, PAGE, prot)) {
		munmap(p, 2 * PAGE);
		return NULL;
	}
	return p;
}

static void free_guarded(char *p)
{
	if (p)
		munmap(p, 2 * PAGE);
}

/* A page-aligned anonymous buffer of n bytes that is really backed. */
static char *anon(size_t n)
{
	char *p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

static int memfd_of(size_t size)
{
	int mfd = memfd_create("sio-errno", MFD_CLOEXEC);

	if (mfd < 0)
		return -1;
	if (ftruncate(mfd, (off_t)size)) {
		close(mfd);
		return -1;
	}
	return mfd;
}

static uint64_t roundup_pow2(uint64_t x)
{
	uint64_t r = 1;

	while (r < x)
		r <<= 1;
	return r;
}

static uint64_t lowbit(uint64_t x)
{
	return x & (~x + 1);
}

/* §4.6: THP size if THP is configured, else PAGE_SIZE. */
static uint64_t max_auto_align(void)
{
	unsigned long long v = 0;
	FILE *f = fopen("/sys/kernel/mm/transparent_hugepage/hpage_pmd_size", "re");

	if (f) {
		if (fscanf(f, "%llu", &v) != 1)
			v = 0;
		fclose(f);
	}
	return v ? v : PAGE;
}

/*
 * §4.6 automatic placement: min(roundup_pow_of_two(length), lowest set bit of
 * the address (user_va or file offset; an address of 0 adds no limit), THP or
 * PAGE_SIZE).
 */
static uint64_t auto_align(uint64_t addr, uint64_t len)
{
	uint64_t a = roundup_pow2(len);

	if (addr && lowbit(addr) < a)
		a = lowbit(addr);
	if (a > max_auto_align())
		a = max_auto_align();
	return a;
}

static int ranges(int fd, uint32_t ioas, struct iommu_iova_range *r, uint32_t cap,
		  uint32_t *num, uint64_t *align)
{
	*num = cap;
	return ioas_iova_ranges(fd, ioas, r, num, align);
}

/* ------------------------------------------------------------------------ */
/* §2.2 dispatcher                                                           */

TEST(dispatch_efault_before_enotty)
{
	int fd = open_fd();

	REQUIRE(fd >= 0);
	/* §2.2 step 2: the size word is read first. */
	CHECK_ERR(ioctl(fd, IOMMU_DESTROY, NULL), EFAULT);
	CHECK_ERR(ioctl(fd, IOMMU_IOAS_ALLOC, (void *)8), EFAULT);
	/* ... even for a hole of the table (0x96 < 0xa0): step 2 before step 3. */
	CHECK_ERR(ioctl(fd, _IO(IOMMUFD_TYPE, 0x96), NULL), EFAULT);
	close(fd);
}

TEST(dispatch_enotty)
{
	uint32_t buf[32] = { sizeof(buf) };
	int fd = open_fd();

	REQUIRE(fd >= 0);
	/* §2.2 step 1: below the base → VFIO compat → ENOTTY, no size read. */
	CHECK_ERR(ioctl(fd, _IO(IOMMUFD_TYPE, 0x7f), buf), ENOTTY);
	CHECK_ERR(ioctl(fd, _IO(IOMMUFD_TYPE, 0x7f), NULL), ENOTTY);
	/* Beyond the table (0xa0 is the last slot). */
	CHECK_ERR(ioctl(fd, _IO(IOMMUFD_TYPE, 0xa1), buf), ENOTTY);
	/* §2.2 step 3: holes of the table. */
	CHECK_ERR(ioctl(fd, _IO(IOMMUFD_TYPE, 0x96), buf), ENOTTY);
	CHECK_ERR(ioctl(fd, _IO(IOMMUFD_TYPE, 0x9f), buf), ENOTTY);
	/* §2.2 step 3: wrong dir/size/type bits on a valid nr. */
	buf[0] = sizeof(struct iommu_ioas_alloc);
	CHECK_ERR(ioctl(fd, _IOWR(IOMMUFD_TYPE, 0x81, struct iommu_ioas_alloc), buf), ENOTTY);
	CHECK_ERR(ioctl(fd, _IO('x', 0x81), buf), ENOTTY);
	/* Nothing was created by the rejected ALLOCs: the next ID is 1 (§3.2). */
	{
		uint32_t id = 0;

		CHECK_OK(ioas_alloc(fd, &id));
		CHECK_EQ(id, 1);
	}
	close(fd);
}

struct cmd_size {
	const char *name;
	unsigned long cmd;
	uint32_t size;
	uint32_t min;
};

static const struct cmd_size cmd_sizes[] = {
	{ "DESTROY", IOMMU_DESTROY, 8, 8 },
	{ "IOAS_ALLOC", IOMMU_IOAS_ALLOC, 12, 12 },
	{ "IOAS_ALLOW_IOVAS", IOMMU_IOAS_ALLOW_IOVAS, 24, 24 },
	{ "IOAS_COPY", IOMMU_IOAS_COPY, 40, 40 },
	{ "IOAS_IOVA_RANGES", IOMMU_IOAS_IOVA_RANGES, 32, 32 },
	{ "IOAS_MAP", IOMMU_IOAS_MAP, 40, 40 },
	{ "IOAS_UNMAP", IOMMU_IOAS_UNMAP, 24, 24 },
	{ "OPTION", IOMMU_OPTION, 24, 24 },
	{ "VFIO_IOAS", IOMMU_VFIO_IOAS, 12, 12 },
	{ "IOAS_MAP_FILE", IOMMU_IOAS_MAP_FILE, 40, 40 },
	{ "IOAS_CHANGE_PROCESS", IOMMU_IOAS_CHANGE_PROCESS, 8, 8 },
	{ "TEST_CMD", IOMMU_TEST_CMD, 72, 68 },
};

TEST(dispatch_struct_sizes)
{
	unsigned int i;
	int fd = open_fd();

	REQUIRE(fd >= 0);
	for (i = 0; i < sizeof(cmd_sizes) / sizeof(cmd_sizes[0]); i++) {
		const struct cmd_size *c = &cmd_sizes[i];
		uint8_t buf[128];
		uint32_t sz = 0;

		fprintf(stderr, "# %s\n", c->name);
		/* §2.2 step 4: size < min → EINVAL (before any handler check). */
		memset(buf, 0, sizeof(buf));
		sz = c->min - 1;
		memcpy(buf, &sz, 4);
		CHECK_ERR(ioctl(fd, c->cmd, buf), EINVAL);
		sz = 0;
		memcpy(buf, &sz, 4);
		CHECK_ERR(ioctl(fd, c->cmd, buf), EINVAL);
		sz = 4;
		memcpy(buf, &sz, 4);
		CHECK_ERR(ioctl(fd, c->cmd, buf), EINVAL);
		/* §2.2 step 5: a non-zero byte beyond sizeof → E2BIG. */
		sz = c->size + 1;
		memcpy(buf, &sz, 4);
		buf[c->size] = 1;
		CHECK_ERR(ioctl(fd, c->cmd, buf), E2BIG);
		sz = c->size + 16;
		memcpy(buf, &sz, 4);
		buf[c->size] = 0;
		buf[c->size + 15] = 0x80;
		CHECK_ERR(ioctl(fd, c->cmd, buf), E2BIG);
	}
	/* Nothing was created by the rejected ALLOCs. */
	{
		uint32_t id = 0;

		CHECK_OK(ioas_alloc(fd, &id));
		CHECK_EQ(id, 1);
	}
	close(fd);
}

TEST(dispatch_zero_tail_and_short)
{
	uint8_t buf[64];
	struct iommu_test_cmd tc;
	uint32_t ioas = 0, n = 0;
	struct iommu_iova_range r[4];
	int fd = open_with_ioas(&ioas);

	REQUIRE(fd >= 0);
	/* §2.2: a longer struct with zero tail works like sizeof. */
	memset(buf, 0, sizeof(buf));
	((uint32_t *)buf)[0] = 16;
	CHECK_ERR(ioctl(fd, IOMMU_DESTROY, buf), ENOENT);
	((uint32_t *)buf)[0] = 9;
	CHECK_ERR(ioctl(fd, IOMMU_DESTROY, buf), ENOENT);
	((uint32_t *)buf)[0] = 64;
	((uint32_t *)buf)[1] = ioas;
	CHECK_OK(ioctl(fd, IOMMU_DESTROY, buf));
	CHECK_ERR(iommu_destroy(fd, ioas), ENOENT);

	/* TEST_CMD with size 68 (>= min, < sizeof) is zero-extended (testops §1). */
	REQUIRE_OK(ioas_alloc(fd, &ioas));
	memset(&tc, 0, sizeof(tc));
	tc.size = 68;
	tc.op = IOMMU_TEST_OP_ADD_RESERVED;
	tc.id = ioas;
	tc.add_reserved.start = 0x10000;
	tc.add_reserved.length = 0x10000;
	CHECK_OK(ioctl(fd, IOMMU_TEST_CMD, &tc));
	CHECK_OK(ranges(fd, ioas, r, 4, &n, NULL));
	CHECK_EQ(n, 2);
	CHECK_EQ(r[0].last, 0xffff);
	CHECK_EQ(r[1].start, 0x20000);
	close(fd);
}

/* ------------------------------------------------------------------------ */
/* §4.1 IOMMU_DESTROY                                                        */

TEST(destroy_errors)
{
	uint32_t a = 0, b = 0, c = 0, d = 0;
	int fd = open_fd();

	REQUIRE(fd >= 0);
	/* §4.1 / §3.2: ID 0 is never valid. */
	CHECK_ERR(iommu_destroy(fd, 0), ENOENT);
	CHECK_ERR(iommu_destroy(fd, 1), ENOENT);
	CHECK_ERR(iommu_destroy(fd, 0x7fffffff), ENOENT);
	CHECK_ERR(iommu_destroy(fd, 0xffffffff), ENOENT);

	REQUIRE_OK(ioas_alloc(fd, &a));
	REQUIRE_OK(ioas_alloc(fd, &b));
	REQUIRE_OK(ioas_alloc(fd, &c));
	CHECK_EQ(a, 1);
	CHECK_EQ(b, 2);
	CHECK_EQ(c, 3);
	CHECK_ERR(iommu_destroy(fd, 4), ENOENT);
	/* Destroyed twice → ENOENT. */
	CHECK_OK(iommu_destroy(fd, b));
	CHECK_ERR(iommu_destroy(fd, b), ENOENT);
	/* The lowest free ID is reused (§3.2). */
	CHECK_OK(ioas_alloc(fd, &d));
	CHECK_EQ(d, 2);
	CHECK_OK(ioas_alloc(fd, &d));
	CHECK_EQ(d, 4);
	/* A destroyed IOAS is gone for the other ioctls too. */
	CHECK_OK(iommu_destroy(fd, a));
	CHECK_ERR(ioas_map_va(fd, a, FAKE_VA, PAGE, NULL, MAP_RW), ENOENT);
	CHECK_OK(iommu_destroy(fd, c));
	CHECK_OK(iommu_destroy(fd, 2));
	CHECK_OK(iommu_destroy(fd, 4));
	CHECK_ERR(iommu_destroy(fd, 4), ENOENT);
	/* An IOAS with areas is destroyable (no users, §3.3). */
	REQUIRE_OK(ioas_alloc(fd, &a));
	CHECK_EQ(a, 1);
	CHECK_OK(ioas_map_va(fd, a, FAKE_VA, 16 * PAGE, NULL, MAP_RW));
	CHECK_OK(iommu_destroy(fd, a));
	close(fd);
}

/* ------------------------------------------------------------------------ */
/* §4.2 IOMMU_IOAS_ALLOC                                                     */

TEST(ioas_alloc_flags)
{
	struct iommu_ioas_alloc cmd = { .size = sizeof(cmd) };
	struct iommu_iova_range r[2];
	uint32_t id = 0, n = 0;
	uint64_t align = 0, v = 0;
	int fd = open_fd();

	REQUIRE(fd >= 0);
	cmd.flags = 1;
	CHECK_ERR(ioctl(fd, IOMMU_IOAS_ALLOC, &cmd), EOPNOTSUPP);
	cmd.flags = 0x80000000;
	CHECK_ERR(ioctl(fd, IOMMU_IOAS_ALLOC, &cmd), EOPNOTSUPP);
	cmd.flags = 0;
	CHECK_OK(ioctl(fd, IOMMU_IOAS_ALLOC, &cmd));
	CHECK_EQ(cmd.out_ioas_id, 1);
	id = cmd.out_ioas_id;
	/* §4.2: empty, no reserved, alignment 1, large pages enabled. */
	CHECK_OK(ranges(fd, id, r, 2, &n, &align));
	CHECK_EQ(n, 1);
	CHECK_EQ(r[0].start, 0);
	CHECK_EQ(r[0].last, U64MAX);
	CHECK_EQ(align, 1);
	CHECK_OK(option_get(fd, IOMMU_OPTION_HUGE_PAGES, id, &v));
	CHECK_EQ(v, 1);
	CHECK_EQ(unmap_all_len(fd, id), 0);
	close(fd);
}

/* ------------------------------------------------------------------------ */
/* §4.3 IOMMU_IOAS_ALLOW_IOVAS                                               */

TEST(allow_iovas_order)
{
	struct iommu_iova_range good = { 0x100000, 0x1fffff }, bad = { 0x2000, 0x2000 };
	char *g = guarded_pages(PROT_READ | PROT_WRITE);
	uint32_t ioas = 0;
	int fd = open_with_ioas(&ioas);

	REQUIRE(fd >= 0 && g);
	/* __reserved first, even with a bad IOAS and a bad pointer. */
	CHECK_ERR(raw_allow(fd, 0, 1, 1, 0), EOPNOTSUPP);
	CHECK_ERR(raw_allow(fd, ioas, 0, 0x80000000, (uintptr_t)&good), EOPNOTSUPP);
	/* IOAS lookup before reading the array. */
	CHECK_ERR(raw_allow(fd, 0, 1, 0, 0), ENOENT);
	CHECK_ERR(raw_allow(fd, 99, 1, 0, (uintptr_t)&bad), ENOENT);
	CHECK_ERR(raw_allow(fd, 99, 1, 0, (uintptr_t)&good), ENOENT);
	/* Copy fault. */
	CHECK_ERR(raw_allow(fd, ioas, 1, 0, 0), EFAULT);
	CHECK_ERR(raw_allow(fd, ioas, 1, 0, (uintptr_t)(g + PAGE)), EFAULT);
	CHECK_ERR(raw_allow(fd, ioas, 1, 0, (uintptr_t)(g + PAGE - 8)), EFAULT);
	/* num_iovas 0 reads nothing. */
	CHECK_OK(raw_allow(fd, ioas, 0, 0, 0));
	CHECK_OK(raw_allow(fd, ioas, 0, 0, (uintptr_t)(g + PAGE)));

	/* Elements are read and checked one after the other. */
	{
		struct iommu_iova_range *arr = (void *)(g + PAGE - sizeof(*arr));

		*arr = good;
		CHECK_ERR(raw_allow(fd, ioas, 2, 0, (uintptr_t)arr), EFAULT);
		*arr = bad;
		CHECK_ERR(raw_allow(fd, ioas, 2, 0, (uintptr_t)arr), EINVAL);
		arr = (void *)(g + PAGE - 2 * sizeof(*arr));
		arr[0] = good;
		arr[1] = good;	/* overlaps element 0 → EINVAL before element 2 faults */
		CHECK_ERR(raw_allow(fd, ioas, 3, 0, (uintptr_t)arr), EINVAL);
	}
	free_guarded(g);
	close(fd);
}

TEST(allow_iovas_einval)
{
	struct iommu_iova_range r[3];
	uint32_t ioas = 0;
	int fd = open_with_ioas(&ioas);

	REQUIRE(fd >= 0);
	/* §4.3: start >= last → EINVAL, a one-byte range included. */
	r[0] = (struct iommu_iova_range){ 0x5000, 0x5000 };
	CHECK_ERR(ioas_allow_iovas(fd, ioas, r, 1), EINVAL);
	r[0] = (struct iommu_iova_range){ 0x6000, 0x5fff };
	CHECK_ERR(ioas_allow_iovas(fd, ioas, r, 1), EINVAL);
	r[0] = (struct iommu_iova_range){ U64MAX, U64MAX };
	CHECK_ERR(ioas_allow_iovas(fd, ioas, r, 1), EINVAL);
	r[0] = (struct iommu_iova_range){ 0, 0 };
	CHECK_ERR(ioas_allow_iovas(fd, ioas, r, 1), EINVAL);
	/* A two-byte range is fine; so is everything. */
	r[0] = (struct iommu_iova_range){ 0x5000, 0x5001 };
	CHECK_OK(ioas_allow_iovas(fd, ioas, r, 1));
	r[0] = (struct iommu_iova_range){ 0, U64MAX };
	CHECK_OK(ioas_allow_iovas(fd, ioas, r, 1));
	/* A bad range after good ones. */
	r[0] = (struct iommu_iova_range){ 0x1000, 0x1fff };
	r[1] = (struct iommu_iova_range){ 0x9000, 0x8000 };
	CHECK_ERR(ioas_allow_iovas(fd, ioas, r, 2), EINVAL);
	/* §4.3: two given ranges overlap → EINVAL. */
	r[0] = (struct iommu_iova_range){ 0x1000, 0x1fff };
	r[1] = (struct iommu_iova_range){ 0x1800, 0x2fff };
	CHECK_ERR(ioas_allow_iovas(fd, ioas, r, 2), EINVAL);
	r[1] = (struct iommu_iova_range){ 0x1000, 0x1fff };
	CHECK_ERR(ioas_allow_iovas(fd, ioas, r, 2), EINVAL);
	r[1] = (struct iommu_iova_range){ 0, U64MAX };
	CHECK_ERR(ioas_allow_iovas(fd, ioas, r, 2), EINVAL);
	r[1] = (struct iommu_iova_range){ 0x1fff, 0x2000 };	/* shares one byte */
	CHECK_ERR(ioas_allow_iovas(fd, ioas, r, 2), EINVAL);
	r[0] = (struct iommu_iova_range){ 0x10000, 0x1ffff };
	r[1] = (struct iommu_iova_range){ 0x30000, 0x3ffff };
	r[2] = (struct iommu_iova_range){ 0x0, 0x10000 };	/* hits the first one */
	CHECK_ERR(ioas_allow_iovas(fd, ioas, r, 3), EINVAL);
	/* Touching but disjoint ranges are fine, in any order. */
	r[0] = (struct iommu_iova_range){ 0x2000, 0x2fff };
	r[1] = (struct iommu_iova_range){ 0x1000, 0x1fff };
	CHECK_OK(ioas_allow_iovas(fd, ioas, r, 2));
	close(fd);
}

TEST(allow_iovas_addrinuse_keeps_old_list)
{
	struct iommu_iova_range a = { 0x100000, 0x1fffff }, r[2];
	uint64_t iova = 0;
	uint32_t ioas = 0;
	int fd = open_with_ioas(&ioas);

	REQUIRE(fd >= 0);
	REQUIRE_OK(ioas_allow_iovas(fd, ioas, &a, 1));
	REQUIRE_OK(add_reserved(fd, ioas, 0x400000, 0x1000));
	/* §4.3: a range intersecting a reserved range → EADDRINUSE. */
	r[0] = (struct iommu_iova_range){ 0x800000, 0x8fffff };
	r[1] = (struct iommu_iova_range){ 0x3ff000, 0x400000 };
	CHECK_ERR(ioas_allow_iovas(fd, ioas, r, 2), EADDRINUSE);
	r[1] = (struct iommu_iova_range){ 0x400fff, 0x401fff };
	CHECK_ERR(ioas_allow_iovas(fd, ioas, r, 2), EADDRINUSE);
	r[0] = (struct iommu_iova_range){ 0, U64MAX };
	CHECK_ERR(ioas_allow_iovas(fd, ioas, r, 1), EADDRINUSE);
	/* Overlapping given ranges are found before the reserved conflict. */
	r[0] = (struct iommu_iova_range){ 0x3f0000, 0x400000 };
	r[1] = (struct iommu_iova_range){ 0x3f0000, 0x3fffff };
	CHECK_ERR(ioas_allow_iovas(fd, ioas, r, 2), EINVAL);

	/* The old list is kept: still protects a and still steers allocation. */
	CHECK_ERR(add_reserved(fd, ioas, 0x1ff000, 0x1000), EADDRINUSE);
	CHECK_OK(add_reserved(fd, ioas, 0x800000, 0x1000));	/* not in the new list */
	CHECK_OK(ioas_map_va(fd, ioas, FAKE_VA, 0x10000, &iova, MAP_RW));
	CHECK(iova >= a.start && iova + 0x10000 - 1 <= a.last);
	/* Adjacent to a reserved range is fine. */
	r[0] = (struct iommu_iova_range){ 0x401000, 0x4fffff };
	r[1] = (struct iommu_iova_range){ 0x300000, 0x3fffff };
	CHECK_OK(ioas_allow_iovas(fd, ioas, r, 2));
	CHECK_OK(add_reserved(fd, ioas, 0x1ff000, 0x1000));	/* old list is gone */
	close(fd);
}

TEST(allow_iovas_clear_and_areas)
{
	struct iommu_iova_range a = { 0x100000, 0x1fffff };
	uint64_t iova = 0x10000000;
	uint32_t ioas = 0;
	int fd = open_with_ioas(&ioas);

	REQUIRE(fd >= 0);
	/* An existing area outside the new list is untouched (§4.3). */
	REQUIRE_OK(ioas_map_va(fd, ioas, FAKE_VA, 4 * PAGE, &iova, MAP_FIXED_RW));
	CHECK_OK(ioas_allow_iovas(fd, ioas, &a, 1));
	/* Reservations intersecting the allowed list fail (testops §4.1). */
	CHECK_ERR(add_reserved(fd, ioas, 0x180000, 0x1000), EADDRINUSE);
	CHECK_ERR(add_reserved(fd, ioas, 0, 0x100001), EADDRINUSE);
	CHECK_OK(add_reserved(fd, ioas, 0, 0x100000));
	/* num_iovas = 0 clears the list. */
	CHECK_OK(ioas_allow_iovas(fd, ioas, NULL, 0));
	CHECK_OK(add_reserved(fd, ioas, 0x180000, 0x1000));
	CHECK_EQ(unmap_len(fd, ioas, 0x10000000, 4 * PAGE), 4 * PAGE);
	close(fd);
}

/* ------------------------------------------------------------------------ */
/* §4.4 IOMMU_IOAS_COPY                                                      */

TEST(copy_order)
{
	uint64_t iova = 0x100000, big = 0x400000;
	uint32_t src = 0, dst = 0;
	const uint32_t R = IOMMU_IOAS_MAP_READABLE;
	int fd = open_with_ioas(&src);

	REQUIRE(fd >= 0);
	REQUIRE_OK(ioas_alloc(fd, &dst));
	REQUIRE_OK(ioas_map_va(fd, src, FAKE_VA, 4 * PAGE, &iova, MAP_FIXED_RW));
	REQUIRE_OK(ioas_map_va(fd, dst, FAKE_VA, 4 * PAGE, &big, MAP_FIXED_RW));

	/* 1. unknown flag → EOPNOTSUPP, before overflow/semantic/lookup checks. */
	CHECK_ERR(raw_copy(fd, 1 << 3 | R, dst, src, PAGE, 0, iova), EOPNOTSUPP);
	CHECK_ERR(raw_copy(fd, 1u << 31, 0, 0, U64MAX, U64MAX, U64MAX), EOPNOTSUPP);
	/* 2. length, src_iova or dst_iova >= ULONG_MAX → EOVERFLOW. */
	CHECK_ERR(raw_copy(fd, R, dst, src, U64MAX, 0, iova), EOVERFLOW);
	CHECK_ERR(raw_copy(fd, R, dst, src, PAGE, 0, U64MAX), EOVERFLOW);
	CHECK_ERR(raw_copy(fd, R, dst, src, PAGE, U64MAX, iova), EOVERFLOW);	/* even if !FIXED */
	CHECK_ERR(raw_copy(fd, 0, 0, 0, U64MAX, 0, 0), EOVERFLOW);	/* before no R/W */
	/* 3. neither READABLE nor WRITEABLE → EINVAL, before the lookups. */
	CHECK_ERR(raw_copy(fd, 0, dst, src, PAGE, 0, iova), EINVAL);
	CHECK_ERR(raw_copy(fd, IOMMU_IOAS_MAP_FIXED_IOVA, 0, 0, 0, 0, 0), EINVAL);
	/* 4. src IOAS missing → ENOENT, before length 0. */
	CHECK_ERR(raw_copy(fd, R, dst, 0, PAGE, 0, iova), ENOENT);
	CHECK_ERR(raw_copy(fd, R, dst, 77, 0, 0, iova), ENOENT);
	/* 5. length 0 → EINVAL, before the dst lookup. */
	CHECK_ERR(raw_copy(fd, R, dst, src, 0, 0, iova), EINVAL);
	CHECK_ERR(raw_copy(fd, R, 77, src, 0, 0, iova), EINVAL);
	/* 6. src range not covered → ENOENT (also with a dst that would fail). */
	CHECK_ERR(raw_copy(fd, R, dst, src, PAGE, 0, 0x200000), ENOENT);
	CHECK_ERR(raw_copy(fd, R | IOMMU_IOAS_MAP_FIXED_IOVA, dst, src, PAGE, big, iova + 4 * PAGE),
		  ENOENT);
	/* 7. dst IOAS missing → ENOENT, before placement errors. */
	CHECK_ERR(raw_copy(fd, R, 77, src, PAGE, 0, iova), ENOENT);
	CHECK_ERR(raw_copy(fd, R, 0, src, PAGE, 0, iova), ENOENT);
	/* 8. placement: FIXED onto an existing dst area → EEXIST. */
	CHECK_ERR(raw_copy(fd, R | IOMMU_IOAS_MAP_FIXED_IOVA, dst, src, PAGE, big + PAGE, iova),
		  EEXIST);
	/* Nothing of the above changed dst. */
	CHECK_EQ(unmap_all_len(fd, dst), 4 * PAGE);
	CHECK_EQ(unmap_all_len(fd, src), 4 * PAGE);
	close(fd);
}

TEST(copy_basic)
{
	struct iommu_ioas_copy cmd;
	uint64_t iova = 0x100000, dst_iova = 0, fixed = 0;
	uint32_t src = 0, dst = 0;
	int fd = open_with_ioas(&src);

	REQUIRE(fd >= 0);
	REQUIRE_OK(ioas_alloc(fd, &dst));
	/* Two adjacent areas [0x100000, 0x104000) and [0x104000, 0x108000). */
	REQUIRE_OK(ioas_map_va(fd, src, FAKE_VA, 4 * PAGE, &iova, MAP_FIXED_RW));
	iova = 0x104000;
	REQUIRE_OK(ioas_map_va(fd, src, FAKE_VA + 0x100000, 4 * PAGE, &iova, MAP_FIXED_RW));
	/* A third area after a one-page hole. */
	iova = 0x109000;
	REQUIRE_OK(ioas_map_va(fd, src, FAKE_VA, PAGE, &iova, MAP_FIXED_RW));

	/* Output dst_iova is written back (auto). */
	memset(&cmd, 0, sizeof(cmd));
	cmd.size = sizeof(cmd);
	cmd.flags = MAP_RW;
	cmd.dst_ioas_id = dst;
	cmd.src_ioas_id = src;
	cmd.length = 4 * PAGE;
	cmd.dst_iova = 0xAAAAAAAAAAAAAAAAULL;
	cmd.src_iova = 0x100000;
	CHECK_OK(ioctl(fd, IOMMU_IOAS_COPY, &cmd));
	CHECK(cmd.dst_iova != 0xAAAAAAAAAAAAAAAAULL && cmd.dst_iova != 0);
	CHECK_EQ(cmd.dst_iova % PAGE, 0);
	CHECK_EQ(unmap_len(fd, dst, cmd.dst_iova, 4 * PAGE), 4 * PAGE);

	/* Any fully covered sub-range, also across two adjacent areas. */
	CHECK_OK(ioas_copy(fd, dst, src, 0x102800, 0x3000, &dst_iova, MAP_RW));
	/* Auto placement keeps the page offset of the source VA (§4.6). */
	CHECK_EQ(dst_iova % PAGE, 0x800);
	CHECK_EQ(unmap_len(fd, dst, dst_iova, 0x3000), 0x3000);
	CHECK_OK(ioas_copy(fd, dst, src, 0x100001, 0x7fff, &dst_iova, IOMMU_IOAS_MAP_READABLE));
	CHECK_EQ(dst_iova % PAGE, 1);
	CHECK_EQ(unmap_len(fd, dst, dst_iova, 0x7fff), 0x7fff);
	/* A range with a hole, or outside, → ENOENT. */
	CHECK_ERR(ioas_copy(fd, dst, src, 0x107000, 0x3000, &dst_iova, MAP_RW), ENOENT);
	CHECK_ERR(ioas_copy(fd, dst, src, 0x108000, PAGE, &dst_iova, MAP_RW), ENOENT);
	CHECK_ERR(ioas_copy(fd, dst, src, 0xff000, 0x2000, &dst_iova, MAP_RW), ENOENT);
	CHECK_ERR(ioas_copy(fd, dst, src, 0x109000, PAGE + 1, &dst_iova, MAP_RW), ENOENT);
	CHECK_ERR(ioas_copy(fd, dst, src, 0x200000, PAGE, &dst_iova, MAP_RW), ENOENT);
	CHECK_EQ(unmap_all_len(fd, dst), 0);

	/* FIXED: output equals input; overlap at dst → EEXIST. */
	fixed = 0x123457;
	CHECK_OK(ioas_copy(fd, dst, src, 0x100000, 0x2000, &fixed, MAP_FIXED_RW));
	CHECK_EQ(fixed, 0x123457);
	fixed = 0x124456;
	CHECK_ERR(ioas_copy(fd, dst, src, 0x100000, 0x2, &fixed, MAP_FIXED_RW), EEXIST);
	fixed = 0x122458;
	CHECK_ERR(ioas_copy(fd, dst, src, 0x100000, 0x1000, &fixed, MAP_FIXED_RW), EEXIST);
	fixed = 0x122457;
	CHECK_OK(ioas_copy(fd, dst, src, 0x100000, 0x1000, &fixed, MAP_FIXED_RW));

	/* Same IOAS as source and destination; then copy the copy. */
	CHECK_OK(ioas_copy(fd, src, src, 0x100000, 0x8000, &dst_iova, MAP_RW));
	CHECK(dst_iova + 0x8000 <= 0x100000 || dst_iova >= 0x10a000);
	fixed = 0x40000000;
	CHECK_OK(ioas_copy(fd, src, src, dst_iova + PAGE, PAGE, &fixed, MAP_FIXED_RW));
	fixed = 0x100000;
	CHECK_ERR(ioas_copy(fd, src, src, 0x100000, PAGE, &fixed, MAP_FIXED_RW), EEXIST);
	/* The source is intact after unmapping the copy. */
	CHECK_EQ(unmap_len(fd, src, dst_iova, 0x8000), 0x8000);
	CHECK_EQ(unmap_all_len(fd, src), 0x8000 + PAGE + PAGE);
	CHECK_EQ(unmap_all_len(fd, dst), 0x3000);
	close(fd);
}

TEST(copy_sweep)
{
	uint64_t iova = 0x200000, off = 0, dst_iova = 0;
	uint32_t src = 0, dst = 0;
	unsigned int bad = 0;
	int fd = open_with_ioas(&src);

	REQUIRE(fd >= 0);
	REQUIRE_OK(ioas_alloc(fd, &dst));
	REQUIRE_OK(ioas_map_va(fd, src, FAKE_VA, 8 * PAGE, &iova, MAP_FIXED_RW));
	/* §4.4: 2 KiB windows at 511-byte steps inside one area all work. */
	for (off = 0; off + 2048 <= 8 * PAGE; off += 511) {
		uint64_t n = 0;

		if (ioas_copy(fd, dst, src, iova + off, 2048, &dst_iova, MAP_RW) ||
		    ioas_unmap(fd, dst, dst_iova, 2048, &n) || n != 2048)
			bad++;
	}
	CHECK_EQ(bad, 0);
	/* Windows that leave the area fail. */
	CHECK_ERR(ioas_copy(fd, dst, src, iova + 8 * PAGE - 1024, 2048, &dst_iova, MAP_RW),
		  ENOENT);
	CHECK_ERR(ioas_copy(fd, dst, src, iova - 1024, 2048, &dst_iova, MAP_RW), ENOENT);
	close(fd);
}

TEST(copy_eperm_readonly_source)
{
	uint64_t iova = 0x100000, fixed = 0;
	uint32_t src = 0, dst = 0;
	const uint32_t R = IOMMU_IOAS_MAP_READABLE, W = IOMMU_IOAS_MAP_WRITEABLE;
	int fd = open_with_ioas(&src);

	REQUIRE(fd >= 0);
	REQUIRE_OK(ioas_alloc(fd, &dst));
	/* Source pages mapped without WRITEABLE are read-only. */
	REQUIRE_OK(ioas_map_va(fd, src, FAKE_VA, 4 * PAGE, &iova, R | IOMMU_IOAS_MAP_FIXED_IOVA));
	CHECK_ERR(ioas_copy(fd, dst, src, 0x100000, 4 * PAGE, NULL, R | W), EPERM);
	CHECK_ERR(ioas_copy(fd, dst, src, 0x101000, PAGE, NULL, W), EPERM);
	fixed = 0x500000;
	CHECK_ERR(ioas_copy(fd, dst, src, 0x100000, PAGE, &fixed, R | W |
			    IOMMU_IOAS_MAP_FIXED_IOVA), EPERM);
	CHECK_EQ(unmap_all_len(fd, dst), 0);
	/* Read-only copies are fine, and a copy of them is read-only again. */
	CHECK_OK(ioas_copy(fd, dst, src, 0x100000, 4 * PAGE, &fixed, R));
	CHECK_ERR(ioas_copy(fd, src, dst, fixed, PAGE, NULL, R | W), EPERM);
	/* The placement error wins over EPERM (kernel: iopt_check_iova first). */
	CHECK_ERR(ioas_copy(fd, dst, src, 0x100000, PAGE, &fixed, R | W |
			    IOMMU_IOAS_MAP_FIXED_IOVA), EEXIST);
	/* A writeable source can be copied read-only and writeable. */
	iova = 0x200000;
	REQUIRE_OK(ioas_map_va(fd, src, FAKE_VA, PAGE, &iova, W | IOMMU_IOAS_MAP_FIXED_IOVA));
	CHECK_OK(ioas_copy(fd, dst, src, 0x200000, PAGE, NULL, R | W));
	CHECK_OK(ioas_copy(fd, dst, src, 0x200000, PAGE, NULL, R));
	CHECK_EQ(unmap_all_len(fd, dst), 6 * PAGE);
	close(fd);
}

TEST(copy_placement_errors)
{
	uint64_t iova = 0x100000, fixed = 0, v = 0;
	uint32_t src = 0, dst = 0;
	int fd = open_with_ioas(&src);

	REQUIRE(fd >= 0);
	REQUIRE_OK(ioas_alloc(fd, &dst));
	REQUIRE_OK(ioas_map_va(fd, src, FAKE_VA + 0x800, 4 * PAGE, &iova, MAP_FIXED_RW));
	/* FIXED into a reserved range of dst → EINVAL. */
	REQUIRE_OK(add_reserved(fd, dst, 0x300000, 0x100000));
	fixed = 0x3ff000;
	CHECK_ERR(ioas_copy(fd, dst, src, iova, 2 * PAGE, &fixed, MAP_FIXED_RW), EINVAL);
	/* Automatic with everything reserved → ENOSPC. */
	REQUIRE_OK(add_reserved(fd, dst, 0, U64MAX));
	CHECK_ERR(ioas_copy(fd, dst, src, iova, PAGE, NULL, MAP_RW), ENOSPC);
	CHECK_OK(iommu_destroy(fd, dst));
	/* dst alignment PAGE_SIZE: the source page offset 0x800 → EINVAL. */
	REQUIRE_OK(ioas_alloc(fd, &dst));
	REQUIRE_OK(option_set(fd, IOMMU_OPTION_HUGE_PAGES, dst, 0));
	REQUIRE_OK(option_get(fd, IOMMU_OPTION_HUGE_PAGES, dst, &v));
	CHECK_EQ(v, 0);
	CHECK_ERR(ioas_copy(fd, dst, src, iova, PAGE, NULL, MAP_RW), EINVAL);
	fixed = 0x200000;
	CHECK_ERR(ioas_copy(fd, dst, src, iova, PAGE, &fixed, MAP_FIXED_RW), EINVAL);
	/* ... while a source range with page offset 0 works. */
	CHECK_OK(ioas_copy(fd, dst, src, iova + 0x800, PAGE, &fixed, MAP_FIXED_RW));
	CHECK_EQ(unmap_all_len(fd, dst), PAGE);
	close(fd);
}

/* ------------------------------------------------------------------------ */
/* §4.5 IOMMU_IOAS_IOVA_RANGES                                               */

TEST(iova_ranges_errors)
{
	struct iommu_ioas_iova_ranges cmd;
	struct iommu_iova_range r[2];
	char *g = guarded_pages(PROT_READ | PROT_WRITE);
	uint32_t ioas = 0;
	int fd = open_with_ioas(&ioas);

	REQUIRE(fd >= 0 && g);
	memset(&cmd, 0, sizeof(cmd));
	cmd.size = sizeof(cmd);
	cmd.ioas_id = 0;
	cmd.num_iovas = 2;
	cmd.__reserved = 1;
	cmd.allowed_iovas = (uintptr_t)r;
	/* __reserved → EOPNOTSUPP, first. */
	CHECK_ERR(ioctl(fd, IOMMU_IOAS_IOVA_RANGES, &cmd), EOPNOTSUPP);
	cmd.ioas_id = ioas;
	CHECK_ERR(ioctl(fd, IOMMU_IOAS_IOVA_RANGES, &cmd), EOPNOTSUPP);
	/* Bad IOAS → ENOENT, nothing written. */
	cmd.__reserved = 0;
	cmd.ioas_id = 42;
	cmd.out_iova_alignment = 0xAAAAAAAAAAAAAAAAULL;
	CHECK_ERR(ioctl(fd, IOMMU_IOAS_IOVA_RANGES, &cmd), ENOENT);
	CHECK_EQ(cmd.num_iovas, 2);
	CHECK_EQ(cmd.out_iova_alignment, 0xAAAAAAAAAAAAAAAAULL);
	cmd.ioas_id = 0;
	CHECK_ERR(ioctl(fd, IOMMU_IOAS_IOVA_RANGES, &cmd), ENOENT);
	/* Bad array pointer → EFAULT, and the struct is not written. */
	cmd.ioas_id = ioas;
	cmd.allowed_iovas = 0;
	CHECK_ERR(ioctl(fd, IOMMU_IOAS_IOVA_RANGES, &cmd), EFAULT);
	CHECK_EQ(cmd.num_iovas, 2);
	CHECK_EQ(cmd.out_iova_alignment, 0xAAAAAAAAAAAAAAAAULL);
	cmd.allowed_iovas = (uintptr_t)(g + PAGE - 8);
	CHECK_ERR(ioctl(fd, IOMMU_IOAS_IOVA_RANGES, &cmd), EFAULT);
	cmd.allowed_iovas = (uintptr_t)(g + PAGE);
	CHECK_ERR(ioctl(fd, IOMMU_IOAS_IOVA_RANGES, &cmd), EFAULT);
	/* A read-only array cannot be written either. */
	CHECK_OK(mprotect(g, PAGE, PROT_READ));
	cmd.allowed_iovas = (uintptr_t)g;
	CHECK_ERR(ioctl(fd, IOMMU_IOAS_IOVA_RANGES, &cmd), EFAULT);
	/* Capacity 0 never touches the array: EMSGSIZE, not EFAULT. */
	cmd.num_iovas = 0;
	cmd.allowed_iovas = (uintptr_t)(g + PAGE);
	CHECK_ERR(ioctl(fd, IOMMU_IOAS_IOVA_RANGES, &cmd), EMSGSIZE);
	CHECK_EQ(cmd.num_iovas, 1);
	CHECK_EQ(cmd.out_iova_alignment, 1);
	free_guarded(g);
	close(fd);
}

TEST(iova_ranges_emsgsize_and_holes)
{
	struct iommu_ioas_iova_ranges cmd;
	struct iommu_iova_range r[4], allow = { 0x1000000, 0x1ffffff };
	uint32_t ioas = 0, n = 0;
	uint64_t align = 0;
	unsigned int i;
	int fd = open_with_ioas(&ioas);

	REQUIRE(fd >= 0);
	/* Fresh IOAS: [0, ULONG_MAX], alignment 1. */
	memset(r, 0xAA, sizeof(r));
	CHECK_OK(ranges(fd, ioas, r, 4, &n, &align));
	CHECK_EQ(n, 1);
	CHECK_EQ(r[0].start, 0);
	CHECK_EQ(r[0].last, U64MAX);
	CHECK_EQ(align, 1);
	CHECK_EQ(r[1].start, 0xAAAAAAAAAAAAAAAAULL);	/* beyond total: not written */

	/* Holes of ADD_RESERVED ranges. */
	REQUIRE_OK(add_reserved(fd, ioas, 0x10000, 0x10000));
	REQUIRE_OK(add_reserved(fd, ioas, 0x100000, 0x100000));
	memset(r, 0, sizeof(r));
	CHECK_OK(ranges(fd, ioas, r, 4, &n, &align));
	CHECK_EQ(n, 3);
	CHECK_EQ(r[0].start, 0);
	CHECK_EQ(r[0].last, 0xffff);
	CHECK_EQ(r[1].start, 0x20000);
	CHECK_EQ(r[1].last, 0xfffff);
	CHECK_EQ(r[2].start, 0x200000);
	CHECK_EQ(r[2].last, U64MAX);

	/* Two-step with num_iovas = 0: total and alignment written with EMSGSIZE. */
	memset(&cmd, 0, sizeof(cmd));
	cmd.size = sizeof(cmd);
	cmd.ioas_id = ioas;
	cmd.num_iovas = 0;
	cmd.allowed_iovas = 0;
	cmd.out_iova_alignment = 0xAAAAAAAAAAAAAAAAULL;
	CHECK_ERR(ioctl(fd, IOMMU_IOAS_IOVA_RANGES, &cmd), EMSGSIZE);
	CHECK_EQ(cmd.num_iovas, 3);
	CHECK_EQ(cmd.out_iova_alignment, 1);
	/* Too small: the first capacity entries are written, then EMSGSIZE. */
	memset(r, 0xAA, sizeof(r));
	cmd.num_iovas = 2;
	cmd.allowed_iovas = (uintptr_t)r;
	cmd.out_iova_alignment = 0;
	CHECK_ERR(ioctl(fd, IOMMU_IOAS_IOVA_RANGES, &cmd), EMSGSIZE);
	CHECK_EQ(cmd.num_iovas, 3);
	CHECK_EQ(cmd.out_iova_alignment, 1);
	CHECK_EQ(r[0].last, 0xffff);
	CHECK_EQ(r[1].start, 0x20000);
	CHECK_EQ(r[2].start, 0xAAAAAAAAAAAAAAAAULL);
	/* Exactly fitting capacity → success. */
	cmd.num_iovas = 3;
	CHECK_OK(ioctl(fd, IOMMU_IOAS_IOVA_RANGES, &cmd));
	CHECK_EQ(cmd.num_iovas, 3);
	CHECK_EQ(r[2].start, 0x200000);
	CHECK_EQ(r[3].start, 0xAAAAAAAAAAAAAAAAULL);
	/* Larger capacity: num_iovas shrinks to the total. */
	cmd.num_iovas = 4;
	CHECK_OK(ioctl(fd, IOMMU_IOAS_IOVA_RANGES, &cmd));
	CHECK_EQ(cmd.num_iovas, 3);

	/* Not intersected with the allowed list. */
	CHECK_OK(ioas_allow_iovas(fd, ioas, &allow, 1));
	CHECK_OK(ranges(fd, ioas, r, 4, &n, NULL));
	CHECK_EQ(n, 3);
	CHECK_EQ(r[2].start, 0x200000);
	CHECK_EQ(r[2].last, U64MAX);
	/* Areas are not holes of the reserved tree either. */
	CHECK_OK(ioas_map_va(fd, ioas, FAKE_VA, 0x10000, NULL, MAP_RW));
	CHECK_OK(ranges(fd, ioas, r, 4, &n, NULL));
	CHECK_EQ(n, 3);

	/* Overlapping reservations merge; reservations at both ends. */
	REQUIRE_OK(add_reserved(fd, ioas, 0x18000, 0x20000));	/* [0x18000, 0x37fff] */
	REQUIRE_OK(add_reserved(fd, ioas, 0, 0x1000));
	REQUIRE_OK(add_reserved(fd, ioas, 0xfffffffffffff000ULL, 0x1000));
	memset(r, 0, sizeof(r));
	CHECK_OK(ranges(fd, ioas, r, 4, &n, NULL));
	CHECK_EQ(n, 3);
	CHECK_EQ(r[0].start, 0x1000);
	CHECK_EQ(r[0].last, 0xffff);
	CHECK_EQ(r[1].start, 0x38000);
	CHECK_EQ(r[1].last, 0xfffff);
	CHECK_EQ(r[2].start, 0x200000);
	CHECK_EQ(r[2].last, 0xffffffffffffefffULL);
	for (i = 0; i < n; i++)
		CHECK(r[i].start <= r[i].last);
	close(fd);
}

TEST(iova_ranges_all_reserved)
{
	struct iommu_iova_range r[2];
	uint32_t ioas = 0, n = 0;
	uint64_t align = 0;
	int fd = open_with_ioas(&ioas);

	REQUIRE(fd >= 0);
	REQUIRE_OK(add_reserved(fd, ioas, 0, U64MAX));		/* [0, ULONG_MAX - 1] */
	CHECK_OK(ranges(fd, ioas, r, 2, &n, NULL));
	CHECK_EQ(n, 1);
	CHECK_EQ(r[0].start, U64MAX);
	CHECK_EQ(r[0].last, U64MAX);
	REQUIRE_OK(add_reserved(fd, ioas, U64MAX, 1));		/* [ULONG_MAX] */
	n = 0;
	CHECK_OK(ranges(fd, ioas, r, 0, &n, &align));
	CHECK_EQ(n, 0);
	CHECK_EQ(align, 1);
	close(fd);
}

/* ------------------------------------------------------------------------ */
/* §4.6 IOMMU_IOAS_MAP                                                       */

TEST(map_order)
{
	uint32_t ioas = 0;
	const uint32_t R = IOMMU_IOAS_MAP_READABLE, F = IOMMU_IOAS_MAP_FIXED_IOVA;
	int fd = open_with_ioas(&ioas);

	REQUIRE(fd >= 0);
	/* 1. unknown flag or __reserved → EOPNOTSUPP, before everything else. */
	CHECK_ERR(raw_map(fd, 1 << 3 | R, ioas, 0, FAKE_VA, PAGE, 0), EOPNOTSUPP);
	CHECK_ERR(raw_map(fd, 1u << 31 | R, ioas, 0, FAKE_VA, PAGE, 0), EOPNOTSUPP);
	CHECK_ERR(raw_map(fd, R, ioas, 1, FAKE_VA, PAGE, 0), EOPNOTSUPP);
	CHECK_ERR(raw_map(fd, 1 << 3 | R, ioas, 0, FAKE_VA, U64MAX, 0), EOPNOTSUPP);
	CHECK_ERR(raw_map(fd, 0, 0, 0x10, FAKE_VA, U64MAX, U64MAX), EOPNOTSUPP);
	/* 2. iova or length >= ULONG_MAX → EOVERFLOW (iova even without FIXED). */
	CHECK_ERR(raw_map(fd, R, ioas, 0, FAKE_VA, U64MAX, 0), EOVERFLOW);
	CHECK_ERR(raw_map(fd, R, ioas, 0, FAKE_VA, PAGE, U64MAX), EOVERFLOW);
	CHECK_ERR(raw_map(fd, R | F, ioas, 0, FAKE_VA, PAGE, U64MAX), EOVERFLOW);
	CHECK_ERR(raw_map(fd, 0, ioas, 0, FAKE_VA, U64MAX, 0), EOVERFLOW);	/* before no R/W */
	CHECK_ERR(raw_map(fd, R, 0, 0, FAKE_VA, 0, U64MAX), EOVERFLOW);
	/* 3. neither READABLE nor WRITEABLE → EINVAL, before the lookup. */
	CHECK_ERR(raw_map(fd, 0, ioas, 0, FAKE_VA, PAGE, 0), EINVAL);
	CHECK_ERR(raw_map(fd, F, ioas, 0, FAKE_VA, PAGE, 0x1000), EINVAL);
	CHECK_ERR(raw_map(fd, 0, 0, 0, FAKE_VA, PAGE, 0), EINVAL);
	/* 4. IOAS lookup → ENOENT, before length checks. */
	CHECK_ERR(raw_map(fd, R, 0, 0, FAKE_VA, PAGE, 0), ENOENT);
	CHECK_ERR(raw_map(fd, R, 1234, 0, FAKE_VA, 0, 0), ENOENT);
	CHECK_ERR(raw_map(fd, R, 1234, 0, U64MAX - 0xfff, 0x2000, 0), ENOENT);
	/* 5. length 0 → EINVAL; length > SIZE_MAX - PAGE_SIZE → EINVAL; VA overflow. */
	CHECK_ERR(raw_map(fd, R, ioas, 0, FAKE_VA, 0, 0), EINVAL);
	CHECK_ERR(raw_map(fd, R | F, ioas, 0, FAKE_VA, 0, 0x1000), EINVAL);
	CHECK_ERR(raw_map(fd, R, ioas, 0, 1, U64MAX - 1, 0), EINVAL);
	CHECK_ERR(raw_map(fd, R, ioas, 0, 0, U64MAX - PAGE + 1, 0), EINVAL);
	CHECK_ERR(raw_map(fd, R, ioas, 0, 0xfffffffffffff000ULL, 0x1000, 0), EOVERFLOW);
	CHECK_ERR(raw_map(fd, R, ioas, 0, U64MAX, 1, 0), EOVERFLOW);
	CHECK_ERR(raw_map(fd, R, ioas, 0, 0x8000000000000000ULL, 0x8000000000000000ULL, 0),
		  EOVERFLOW);
	/* ... and the VA check comes before any placement check. */
	REQUIRE_OK(add_reserved(fd, ioas, 0x100000, 0x100000));
	CHECK_ERR(raw_map(fd, R | F, ioas, 0, U64MAX - 0xfff, 0x2000, 0x100000), EOVERFLOW);
	CHECK_ERR(raw_map(fd, R | F, ioas, 0, FAKE_VA, 0, 0x100000), EINVAL);
	CHECK_EQ(unmap_all_len(fd, ioas), 0);
	close(fd);
}

TEST(map_fixed_placement)
{
	uint64_t iova = 0, v = 0;
	uint32_t ioas = 0;
	const uint32_t RF = IOMMU_IOAS_MAP_READABLE | IOMMU_IOAS_MAP_FIXED_IOVA;
	int fd = open_with_ioas(&ioas);

	REQUIRE(fd >= 0);
	/* Alignment 1: any byte address and any length work for FIXED. */
	iova = 0x100001;
	CHECK_OK(ioas_map_va(fd, ioas, FAKE_VA + 1, 0x1001, &iova, RF));
	CHECK_EQ(iova, 0x100001);
	iova = 0x200003;	/* iova % PAGE != user_va % PAGE is fine too */
	CHECK_OK(ioas_map_va(fd, ioas, FAKE_VA, 0x10, &iova, RF));
	/* §4.6 step 6: iova + length - 1 overflows → EOVERFLOW. */
	iova = 0xfffffffffffff000ULL;
	CHECK_ERR(ioas_map_va(fd, ioas, FAKE_VA, 0x1001, &iova, RF), EOVERFLOW);
	iova = U64MAX - 1;
	CHECK_ERR(ioas_map_va(fd, ioas, FAKE_VA, 3, &iova, RF), EOVERFLOW);
	/* ... but the very top of the IOVA space is mappable. */
	iova = 0xfffffffffffff000ULL;
	CHECK_OK(ioas_map_va(fd, ioas, FAKE_VA, 0x1000, &iova, RF));
	CHECK_EQ(iova, 0xfffffffffffff000ULL);
	iova = 0;	/* and so is 0 with FIXED */
	CHECK_OK(ioas_map_va(fd, ioas, FAKE_VA, 0x1000, &iova, RF));

	/* Reserved → EINVAL, area overlap → EEXIST. */
	REQUIRE_OK(add_reserved(fd, ioas, 0x400000, 0x100000));
	iova = 0x400000;
	CHECK_ERR(ioas_map_va(fd, ioas, FAKE_VA, PAGE, &iova, RF), EINVAL);
	iova = 0x3ff001;
	CHECK_ERR(ioas_map_va(fd, ioas, FAKE_VA, PAGE, &iova, RF), EINVAL);
	iova = 0x4fffff;
	CHECK_ERR(ioas_map_va(fd, ioas, FAKE_VA, 1, &iova, RF), EINVAL);
	iova = 0x3ff000;	/* adjacent below is fine */
	CHECK_OK(ioas_map_va(fd, ioas, FAKE_VA, PAGE, &iova, RF));
	iova = 0x500000;	/* adjacent above is fine */
	CHECK_OK(ioas_map_va(fd, ioas, FAKE_VA, PAGE, &iova, RF));
	/* Overlap with [0x500000, 0x500fff] in every shape → EEXIST. */
	iova = 0x500000;
	CHECK_ERR(ioas_map_va(fd, ioas, FAKE_VA, PAGE, &iova, RF), EEXIST);
	iova = 0x4ff000 + 0x800;
	CHECK_ERR(ioas_map_va(fd, ioas, FAKE_VA, 0x1000, &iova, RF), EINVAL);	/* reserved too */
	iova = 0x500fff;
	CHECK_ERR(ioas_map_va(fd, ioas, FAKE_VA, 0x10, &iova, RF), EEXIST);
	iova = 0x500800;
	CHECK_ERR(ioas_map_va(fd, ioas, FAKE_VA, 0x10, &iova, RF), EEXIST);
	iova = 0x501000;
	CHECK_OK(ioas_map_va(fd, ioas, FAKE_VA, 0x10, &iova, RF));
	iova = 0x500000;	/* spanning two areas */
	CHECK_ERR(ioas_map_va(fd, ioas, FAKE_VA, 0x2000, &iova, RF), EEXIST);
	/* Reserved is checked before areas (§4.6 step 6 order). */
	iova = 0x3ff000;
	CHECK_ERR(ioas_map_va(fd, ioas, FAKE_VA, 0x2000, &iova, RF), EINVAL);
	/* EOVERFLOW of iova + length - 1 comes before reserved. */
	REQUIRE_OK(add_reserved(fd, ioas, 0xffffffffff000000ULL, 0xfff000));
	iova = 0xffffffffff000000ULL;
	CHECK_ERR(ioas_map_va(fd, ioas, FAKE_VA, PAGE, &iova, RF), EINVAL);
	iova = 0xfffffffffff00000ULL;
	CHECK_ERR(ioas_map_va(fd, ioas, FAKE_VA, 0x200000, &iova, RF), EOVERFLOW);

	/* HUGE_PAGES=0: alignment PAGE_SIZE; misaligned iova checked before overflow. */
	{
		uint32_t a2 = 0;

		REQUIRE_OK(ioas_alloc(fd, &a2));
		REQUIRE_OK(option_set(fd, IOMMU_OPTION_HUGE_PAGES, a2, 0));
		REQUIRE_OK(option_get(fd, IOMMU_OPTION_HUGE_PAGES, a2, &v));
		CHECK_EQ(v, 0);
		iova = 0xfffffffffffff800ULL;
		CHECK_ERR(ioas_map_va(fd, a2, FAKE_VA, 0x1000, &iova, RF), EINVAL);
		iova = 0x100800;
		CHECK_ERR(ioas_map_va(fd, a2, FAKE_VA, 0x1000, &iova, RF), EINVAL);
		iova = 0x100000;
		CHECK_ERR(ioas_map_va(fd, a2, FAKE_VA, 0x1800, &iova, RF), EINVAL);
		CHECK_ERR(ioas_map_va(fd, a2, FAKE_VA + 0x800, 0x1000, &iova, RF), EINVAL);
		CHECK_OK(ioas_map_va(fd, a2, FAKE_VA, 0x2000, &iova, RF));
		CHECK_EQ(unmap_all_len(fd, a2), 0x2000);
	}
	close(fd);
}

struct align_case {
	uint64_t va;
	uint64_t len;
};

TEST(map_auto_alignment)
{
	static const struct align_case cases[] = {
		{ FAKE_VA, 0x400000 },			/* capped by THP (or PAGE) */
		{ FAKE_VA + 0x200000, 0x200000 },
		{ FAKE_VA + 0x10000, 0x100000 },	/* lowest set bit of user_va */
		{ FAKE_VA, 0x3000 },			/* roundup_pow_of_two(length) */
		{ FAKE_VA, 0x1 },
		{ FAKE_VA + 0x201010, 0x2000 },		/* page offset 0x010 */
		{ FAKE_VA + 0x200800, 0x800 },
		{ FAKE_VA + 0x200001, 0x1000 },		/* odd address */
		{ FAKE_VA + 0x3000, 0x100000 },
		{ 0x40000000, 0x40000000 },
		{ FAKE_VA + 0x80000, 0x81000 },
	};
	unsigned int i;
	uint64_t pre = 0x1000;
	int fd = open_fd();

	REQUIRE(fd >= 0);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct align_case *c = &cases[i];
		uint64_t a = auto_align(c->va, c->len), iova = 0, iova2 = 0;
		uint32_t ioas = 0;

		fprintf(stderr, "# case %u: va 0x%llx len 0x%llx align 0x%llx\n", i,
			(unsigned long long)c->va, (unsigned long long)c->len,
			(unsigned long long)a);
		/* A fresh IOAS: the lowest candidate is PAGE_SIZE. */
		REQUIRE_OK(ioas_alloc(fd, &ioas));
		CHECK_OK(ioas_map_va(fd, ioas, c->va, c->len, &iova, MAP_RW));
		CHECK(iova != 0);
		CHECK(iova >= PAGE);
		CHECK(iova + c->len - 1 <= U64MAX - PAGE);
		CHECK_EQ(iova % PAGE, c->va % PAGE);
		CHECK_EQ(iova % a, c->va % a);
		/* Second map behind the first: must not overlap it. */
		CHECK_OK(ioas_map_va(fd, ioas, c->va, c->len, &iova2, MAP_RW));
		CHECK(iova2 + c->len <= iova || iova2 >= iova + c->len);
		CHECK_EQ(iova2 % a, c->va % a);
		/*
		 * The kernel ORs the page offset into the aligned hole start, so the
		 * offset is only kept for sure if the hole starts page aligned,
		 * which is not the case behind a first area of odd length.
		 */
		if (a >= PAGE)
			CHECK_EQ(iova2 % PAGE, c->va % PAGE);
		CHECK_EQ(unmap_len(fd, ioas, iova, c->len), c->len);
		CHECK_EQ(unmap_len(fd, ioas, iova2, c->len), c->len);
		/*
		 * For alignments of a page or more, also after a hole start that is
		 * not aligned at all.
		 */
		if (a >= PAGE) {
			CHECK_OK(ioas_map_va(fd, ioas, FAKE_VA + 1, 0x12345, &pre,
					     MAP_FIXED_RW));
			CHECK_OK(ioas_map_va(fd, ioas, c->va, c->len, &iova, MAP_RW));
			CHECK_EQ(iova % a, 0);
			CHECK(iova >= 0x1000 + 0x12345 || iova + c->len <= 0x1000);
		}
		CHECK_OK(iommu_destroy(fd, ioas));
	}
	close(fd);
}

TEST(map_auto_placement)
{
	struct iommu_iova_range allow;
	uint64_t iova = 0, iova2 = 0, v = 0;
	uint32_t ioas = 0;
	int fd = open_with_ioas(&ioas);

	REQUIRE(fd >= 0);
	/* Unbacked user memory maps fine: pinning is lazy (§3.4). */
	{
		char *p = anon(4 * PAGE);

		REQUIRE(p);
		CHECK_OK(mprotect(p, 2 * PAGE, PROT_NONE));
		CHECK_OK(munmap(p + 2 * PAGE, 2 * PAGE));
		CHECK_OK(ioas_map(fd, ioas, p, 4 * PAGE, &iova, MAP_RW));
		CHECK_OK(ioas_map(fd, ioas, p + 2 * PAGE, 2 * PAGE, &iova, MAP_RW));
		CHECK_OK(ioas_map_va(fd, ioas, 0, PAGE, &iova, MAP_RW));	/* user_va 0 */
		munmap(p, 2 * PAGE);
		CHECK_EQ(unmap_all_len(fd, ioas), 7 * PAGE);
	}

	/* Auto never returns 0 and avoids the lowest page. */
	allow = (struct iommu_iova_range){ 0, 0x1fff };
	REQUIRE_OK(ioas_allow_iovas(fd, ioas, &allow, 1));
	CHECK_OK(ioas_map_va(fd, ioas, FAKE_VA, PAGE, &iova, MAP_RW));
	CHECK_EQ(iova, 0x1000);
	CHECK_ERR(ioas_map_va(fd, ioas, FAKE_VA, PAGE, &iova2, MAP_RW), ENOSPC);
	CHECK_ERR(ioas_map_va(fd, ioas, FAKE_VA, 1, &iova2, MAP_RW), ENOSPC);
	/* ... and the highest page: [PAGE_SIZE, ULONG_MAX - PAGE_SIZE] only. */
	allow = (struct iommu_iova_range){ 0xffffffffffffe000ULL, U64MAX - 1 };
	REQUIRE_OK(ioas_allow_iovas(fd, ioas, &allow, 1));
	CHECK_OK(ioas_map_va(fd, ioas, FAKE_VA, PAGE, &iova, MAP_RW));
	CHECK_EQ(iova, 0xffffffffffffe000ULL);
	CHECK_ERR(ioas_map_va(fd, ioas, FAKE_VA, PAGE, &iova2, MAP_RW), ENOSPC);
	/* FIXED maps ignore the allowed list. */
	iova2 = 0xfffffffffffff000ULL;
	CHECK_OK(ioas_map_va(fd, ioas, FAKE_VA, PAGE, &iova2, MAP_FIXED_RW));
	iova2 = 0x1000000;
	CHECK_OK(ioas_map_va(fd, ioas, FAKE_VA, PAGE, &iova2, MAP_FIXED_RW));

	/* Allowed list restricts auto allocation; full window → ENOSPC. */
	allow = (struct iommu_iova_range){ 0x10000000, 0x10003fff };
	REQUIRE_OK(ioas_allow_iovas(fd, ioas, &allow, 1));
	CHECK_OK(ioas_map_va(fd, ioas, FAKE_VA, 0x4000, &iova, MAP_RW));
	CHECK_EQ(iova, 0x10000000);
	CHECK_ERR(ioas_map_va(fd, ioas, FAKE_VA, PAGE, &iova, MAP_RW), ENOSPC);
	CHECK_OK(ioas_allow_iovas(fd, ioas, NULL, 0));
	CHECK_OK(ioas_map_va(fd, ioas, FAKE_VA, PAGE, &iova, MAP_RW));
	CHECK_EQ(unmap_all_len(fd, ioas), 9 * PAGE);

	/* Auto avoids reserved ranges. */
	REQUIRE_OK(add_reserved(fd, ioas, 0, 0x20000000));
	CHECK_OK(ioas_map_va(fd, ioas, FAKE_VA, 0x100000, &iova, MAP_RW));
	CHECK(iova >= 0x20000000);
	CHECK_EQ(unmap_all_len(fd, ioas), 0x100000);
	/* Everything reserved (only [ULONG_MAX] is left) → ENOSPC. */
	REQUIRE_OK(add_reserved(fd, ioas, 0x20000000, U64MAX - 0x20000000));
	CHECK_ERR(ioas_map_va(fd, ioas, FAKE_VA, PAGE, &iova2, MAP_RW), ENOSPC);
	CHECK_ERR(ioas_map_va(fd, ioas, FAKE_VA + 1, 1, &iova2, MAP_RW), ENOSPC);
	CHECK_EQ(unmap_all_len(fd, ioas), 0);
	CHECK_OK(iommu_destroy(fd, ioas));

	/* HUGE_PAGES=0: natural alignment below PAGE_SIZE → EINVAL. */
	REQUIRE_OK(ioas_alloc(fd, &ioas));
	REQUIRE_OK(option_set(fd, IOMMU_OPTION_HUGE_PAGES, ioas, 0));
	REQUIRE_OK(option_get(fd, IOMMU_OPTION_HUGE_PAGES, ioas, &v));
	CHECK_EQ(v, 0);
	CHECK_ERR(ioas_map_va(fd, ioas, FAKE_VA + 0x800, 0x1000, &iova, MAP_RW), EINVAL);
	CHECK_ERR(ioas_map_va(fd, ioas, FAKE_VA, 0x1800, &iova, MAP_RW), EINVAL);
	CHECK_ERR(ioas_map_va(fd, ioas, FAKE_VA, 0x800, &iova, MAP_RW), EINVAL);
	CHECK_OK(ioas_map_va(fd, ioas, FAKE_VA + 0x1000, 0x3000, &iova, MAP_RW));
	CHECK_EQ(iova % PAGE, 0);
	close(fd);
}

TEST(map_reserved_overflow)
{
	uint64_t iova = 0;
	uint32_t ioas = 0;
	int fd = open_with_ioas(&ioas);

	REQUIRE(fd >= 0);
	/* Selftest reserved_overflow: hole [0xffffffffffff8007, ULONG_MAX]. */
	REQUIRE_OK(add_reserved(fd, ioas, 6, 0xffffffffffff8001ULL));
	if (max_auto_align() >= 0x8000) {
		/* user_va 1 GiB aligned → alignment 32 KiB; ALIGN would wrap. */
		CHECK_ERR(ioas_map_va(fd, ioas, FAKE_VA, 0x5000, &iova, MAP_RW), ENOSPC);
		CHECK_EQ(unmap_all_len(fd, ioas), 0);
		/* With a 4 KiB-aligned user_va the hole does fit 0x4000 bytes. */
		CHECK_OK(ioas_map_va(fd, ioas, FAKE_VA + PAGE, 0x4000, &iova, MAP_RW));
	} else {
		/* No THP: alignment PAGE_SIZE, so 0x5000 bytes fit. */
		CHECK_OK(ioas_map_va(fd, ioas, FAKE_VA, 0x5000, &iova, MAP_RW));
	}
	/* Inside the hole and the search window, page aligned, never wrapped. */
	CHECK(iova >= 0xffffffffffff9000ULL && iova <= U64MAX - PAGE - 0x4000 + 1);
	CHECK_EQ(iova % PAGE, 0);
	close(fd);
}

TEST(huge_pages_alignment)
{
	struct iommu_iova_range r[2];
	uint64_t iova = 0, align = 0, v = 0;
	uint32_t ioas = 0, n = 0;
	const uint32_t RF = IOMMU_IOAS_MAP_READABLE | IOMMU_IOAS_MAP_FIXED_IOVA;
	int fd = open_with_ioas(&ioas);

	REQUIRE(fd >= 0);
	/* §3.4/§4.8: HUGE_PAGES=0 raises the IOAS alignment to PAGE_SIZE. */
	CHECK_OK(option_set(fd, IOMMU_OPTION_HUGE_PAGES, ioas, 0));
	CHECK_OK(ranges(fd, ioas, r, 2, &n, &align));
	CHECK_EQ(align, PAGE);
	iova = 0x100800;
	CHECK_ERR(ioas_map_va(fd, ioas, FAKE_VA, PAGE, &iova, RF), EINVAL);
	iova = 0x100001;
	CHECK_ERR(ioas_map_va(fd, ioas, FAKE_VA, PAGE, &iova, RF), EINVAL);
	iova = 0x100000;
	CHECK_ERR(ioas_map_va(fd, ioas, FAKE_VA, PAGE + 1, &iova, RF), EINVAL);
	CHECK_ERR(ioas_map_va(fd, ioas, FAKE_VA, PAGE - 1, &iova, RF), EINVAL);
	CHECK_OK(ioas_map_va(fd, ioas, FAKE_VA, PAGE, &iova, RF));
	/* Setting the current value again succeeds; re-enabling lowers it. */
	CHECK_OK(option_set(fd, IOMMU_OPTION_HUGE_PAGES, ioas, 0));
	CHECK_OK(option_set(fd, IOMMU_OPTION_HUGE_PAGES, ioas, 1));
	CHECK_OK(option_get(fd, IOMMU_OPTION_HUGE_PAGES, ioas, &v));
	CHECK_EQ(v, 1);
	CHECK_OK(ranges(fd, ioas, r, 2, &n, &align));
	CHECK_EQ(align, 1);
	iova = 0x200800;
	CHECK_OK(ioas_map_va(fd, ioas, FAKE_VA, PAGE, &iova, RF));
	/* A misaligned area exists → EADDRINUSE, nothing changes. */
	CHECK_ERR(option_set(fd, IOMMU_OPTION_HUGE_PAGES, ioas, 0), EADDRINUSE);
	CHECK_OK(option_get(fd, IOMMU_OPTION_HUGE_PAGES, ioas, &v));
	CHECK_EQ(v, 1);
	CHECK_OK(ranges(fd, ioas, r, 2, &n, &align));
	CHECK_EQ(align, 1);
	CHECK_EQ(unmap_len(fd, ioas, 0x200800, PAGE), PAGE);
	/* Misaligned length, misaligned page offset: same. */
	iova = 0x200000;
	CHECK_OK(ioas_map_va(fd, ioas, FAKE_VA, PAGE + 2, &iova, RF));
	CHECK_ERR(option_set(fd, IOMMU_OPTION_HUGE_PAGES, ioas, 0), EADDRINUSE);
	CHECK_EQ(unmap_len(fd, ioas, 0x200000, PAGE + 2), PAGE + 2);
	iova = 0x200000;
	CHECK_OK(ioas_map_va(fd, ioas, FAKE_VA + 0x10, PAGE, &iova, RF));
	CHECK_ERR(option_set(fd, IOMMU_OPTION_HUGE_PAGES, ioas, 0), EADDRINUSE);
	CHECK_EQ(unmap_len(fd, ioas, 0x200000, PAGE), PAGE);
	/* Only aligned areas left → allowed. */
	CHECK_OK(option_set(fd, IOMMU_OPTION_HUGE_PAGES, ioas, 0));
	CHECK_OK(ranges(fd, ioas, r, 2, &n, &align));
	CHECK_EQ(align, PAGE);
	close(fd);
}

/* ------------------------------------------------------------------------ */
/* §4.7 IOMMU_IOAS_UNMAP                                                     */

TEST(unmap_order)
{
	uint64_t out = 0;
	uint32_t ioas = 0;
	int fd = open_with_ioas(&ioas);

	REQUIRE(fd >= 0);
	/* The IOAS lookup is first, even before EOVERFLOW and EINVAL. */
	CHECK_ERR(ioas_unmap(fd, 0, 0, U64MAX, NULL), ENOENT);
	CHECK_ERR(ioas_unmap(fd, 9, U64MAX, 1, NULL), ENOENT);
	CHECK_ERR(ioas_unmap(fd, 9, 0x1000, U64MAX, NULL), ENOENT);
	CHECK_ERR(ioas_unmap(fd, 9, 0x1000, 0, NULL), ENOENT);
	/* Unmap-all of an empty IOAS succeeds with length 0 written back. */
	out = 0xAAAA;
	CHECK_OK(ioas_unmap(fd, ioas, 0, U64MAX, &out));
	CHECK_EQ(out, 0);
	/* iova or length >= ULONG_MAX → EOVERFLOW, before length 0. */
	CHECK_ERR(ioas_unmap(fd, ioas, U64MAX, 0, NULL), EOVERFLOW);
	CHECK_ERR(ioas_unmap(fd, ioas, U64MAX, 1, NULL), EOVERFLOW);
	CHECK_ERR(ioas_unmap(fd, ioas, 1, U64MAX, NULL), EOVERFLOW);
	/* length 0 → EINVAL. */
	CHECK_ERR(ioas_unmap(fd, ioas, 0x1000, 0, NULL), EINVAL);
	CHECK_ERR(ioas_unmap(fd, ioas, 0, 0, NULL), EINVAL);
	/* iova + length - 1 overflows → EOVERFLOW. */
	CHECK_ERR(ioas_unmap(fd, ioas, 0x2000, U64MAX - 0x1000, NULL), EOVERFLOW);
	CHECK_ERR(ioas_unmap(fd, ioas, U64MAX - 1, 3, NULL), EOVERFLOW);
	/* No overflow, nothing there → ENOENT. */
	CHECK_ERR(ioas_unmap(fd, ioas, U64MAX - 1, 2, NULL), ENOENT);
	CHECK_ERR(ioas_unmap(fd, ioas, 0, U64MAX - 1, NULL), ENOENT);
	CHECK_ERR(ioas_unmap(fd, ioas, 0x1000, 0x1000, NULL), ENOENT);
	close(fd);
}

TEST(unmap_ranges)
{
	uint64_t iova = 0, out = 0, base = 0x1000000;
	uint32_t ioas = 0;
	unsigned int i;
	int fd = open_with_ioas(&ioas);

	REQUIRE(fd >= 0);
	iova = 0x100000;
	REQUIRE_OK(ioas_map_va(fd, ioas, FAKE_VA, 4 * PAGE, &iova, MAP_FIXED_RW));
	/* Partial overlap (would split) → ENOENT, and the area stays. */
	CHECK_ERR(ioas_unmap(fd, ioas, 0x100000, 2 * PAGE, NULL), ENOENT);
	CHECK_ERR(ioas_unmap(fd, ioas, 0x101000, 4 * PAGE, NULL), ENOENT);
	CHECK_ERR(ioas_unmap(fd, ioas, 0xff000, 4 * PAGE, NULL), ENOENT);
	CHECK_ERR(ioas_unmap(fd, ioas, 0x100000, 4 * PAGE - 1, NULL), ENOENT);
	CHECK_ERR(ioas_unmap(fd, ioas, 0x101000, PAGE, NULL), ENOENT);
	/* Range containing nothing → ENOENT. */
	CHECK_ERR(ioas_unmap(fd, ioas, 0x104000, 4 * PAGE, NULL), ENOENT);
	CHECK_ERR(ioas_unmap(fd, ioas, 0, 0x100000, NULL), ENOENT);
	/* A larger range fully containing the area removes it. */
	out = 0;
	CHECK_OK(ioas_unmap(fd, ioas, 0xff000, 6 * PAGE, &out));
	CHECK_EQ(out, 4 * PAGE);
	CHECK_ERR(ioas_unmap(fd, ioas, 0x100000, 4 * PAGE, NULL), ENOENT);

	/* A 52-page window fully containing four 8-page areas → 32 pages. */
	for (i = 0; i < 4; i++) {
		iova = base + (2 + 12 * i) * PAGE;
		REQUIRE_OK(ioas_map_va(fd, ioas, FAKE_VA, 8 * PAGE, &iova, MAP_FIXED_RW));
	}
	out = 0;
	CHECK_OK(ioas_unmap(fd, ioas, base, 52 * PAGE, &out));
	CHECK_EQ(out, 32 * PAGE);
	CHECK_EQ(unmap_all_len(fd, ioas), 0);

	/* Unmap-all returns the total of all areas, wherever they are. */
	iova = 0;
	REQUIRE_OK(ioas_map_va(fd, ioas, FAKE_VA, 3, &iova, MAP_FIXED_RW));
	iova = 0xfffffffffffff000ULL;
	REQUIRE_OK(ioas_map_va(fd, ioas, FAKE_VA, PAGE, &iova, MAP_FIXED_RW));
	REQUIRE_OK(ioas_map_va(fd, ioas, FAKE_VA, 5 * PAGE, &iova, MAP_RW));
	out = 0;
	CHECK_OK(ioas_unmap(fd, ioas, 0, U64MAX, &out));
	CHECK_EQ(out, 3 + PAGE + 5 * PAGE);
	out = 1;
	CHECK_OK(ioas_unmap(fd, ioas, 0, U64MAX, &out));
	CHECK_EQ(out, 0);

	/* The top page: iova + length - 1 == ULONG_MAX does not overflow. */
	iova = 0xfffffffffffff000ULL;
	REQUIRE_OK(ioas_map_va(fd, ioas, FAKE_VA, PAGE, &iova, MAP_FIXED_RW));
	CHECK_ERR(ioas_unmap(fd, ioas, 0, U64MAX - 1, NULL), ENOENT);	/* not unmap-all */
	CHECK_EQ(unmap_len(fd, ioas, 0xfffffffffffff000ULL, PAGE), PAGE);
	close(fd);
}

/* ------------------------------------------------------------------------ */
/* §4.8 IOMMU_OPTION                                                         */

TEST(option_errors)
{
	uint64_t v = 0;
	uint32_t ioas = 0;
	int fd = open_fd();

	REQUIRE(fd >= 0);
	/* __reserved, unknown option, unknown op → EOPNOTSUPP. */
	CHECK_ERR(raw_option(fd, IOMMU_OPTION_RLIMIT_MODE, IOMMU_OPTION_OP_GET, 1, 0, 0),
		  EOPNOTSUPP);
	CHECK_ERR(raw_option(fd, IOMMU_OPTION_HUGE_PAGES, IOMMU_OPTION_OP_GET, 0x8000, 0, 0),
		  EOPNOTSUPP);	/* before the object lookup */
	CHECK_ERR(raw_option(fd, 2, IOMMU_OPTION_OP_GET, 0, 0, 0), EOPNOTSUPP);
	CHECK_ERR(raw_option(fd, 0xffffffff, IOMMU_OPTION_OP_SET, 0, 77, 0), EOPNOTSUPP);
	CHECK_ERR(raw_option(fd, IOMMU_OPTION_RLIMIT_MODE, 2, 0, 0, 0), EOPNOTSUPP);
	CHECK_ERR(raw_option(fd, IOMMU_OPTION_RLIMIT_MODE, 0xffff, 0, 0, 0), EOPNOTSUPP);
	/* RLIMIT_MODE: object_id != 0 → EOPNOTSUPP (also for SET/GET). */
	CHECK_ERR(raw_option(fd, IOMMU_OPTION_RLIMIT_MODE, IOMMU_OPTION_OP_GET, 0, 1, 0),
		  EOPNOTSUPP);
	CHECK_ERR(raw_option(fd, IOMMU_OPTION_RLIMIT_MODE, IOMMU_OPTION_OP_SET, 0, 1, 2),
		  EOPNOTSUPP);
	/* RLIMIT_MODE: GET default 0. */
	CHECK_OK(option_get(fd, IOMMU_OPTION_RLIMIT_MODE, 0, &v));
	CHECK_EQ(v, 0);
	if (have_cap_sys_resource()) {
		/* SET 2 → EINVAL, SET 1 → GET 1, back to 0. */
		CHECK_ERR(option_set(fd, IOMMU_OPTION_RLIMIT_MODE, 0, 2), EINVAL);
		CHECK_ERR(option_set(fd, IOMMU_OPTION_RLIMIT_MODE, 0, U64MAX), EINVAL);
		CHECK_OK(option_get(fd, IOMMU_OPTION_RLIMIT_MODE, 0, &v));
		CHECK_EQ(v, 0);
		CHECK_OK(option_set(fd, IOMMU_OPTION_RLIMIT_MODE, 0, 1));
		CHECK_OK(option_get(fd, IOMMU_OPTION_RLIMIT_MODE, 0, &v));
		CHECK_EQ(v, 1);
		CHECK_OK(option_set(fd, IOMMU_OPTION_RLIMIT_MODE, 0, 1));
		CHECK_OK(option_set(fd, IOMMU_OPTION_RLIMIT_MODE, 0, 0));
		CHECK_OK(option_get(fd, IOMMU_OPTION_RLIMIT_MODE, 0, &v));
		CHECK_EQ(v, 0);
		/* SET while objects exist → EBUSY (checked before the value). */
		REQUIRE_OK(ioas_alloc(fd, &ioas));
		CHECK_ERR(option_set(fd, IOMMU_OPTION_RLIMIT_MODE, 0, 1), EBUSY);
		CHECK_ERR(option_set(fd, IOMMU_OPTION_RLIMIT_MODE, 0, 0), EBUSY);
		CHECK_ERR(option_set(fd, IOMMU_OPTION_RLIMIT_MODE, 0, 2), EBUSY);
		/* GET still works. */
		CHECK_OK(option_get(fd, IOMMU_OPTION_RLIMIT_MODE, 0, &v));
		CHECK_EQ(v, 0);
		/* ... and is allowed again once the last object is gone. */
		CHECK_OK(iommu_destroy(fd, ioas));
		CHECK_OK(option_set(fd, IOMMU_OPTION_RLIMIT_MODE, 0, 1));
		CHECK_OK(option_get(fd, IOMMU_OPTION_RLIMIT_MODE, 0, &v));
		CHECK_EQ(v, 1);
	} else {
		/* Without CAP_SYS_RESOURCE every SET is EPERM, before EINVAL and EBUSY. */
		fprintf(stderr, "# no CAP_SYS_RESOURCE in the effective set\n");
		CHECK_ERR(option_set(fd, IOMMU_OPTION_RLIMIT_MODE, 0, 0), EPERM);
		CHECK_ERR(option_set(fd, IOMMU_OPTION_RLIMIT_MODE, 0, 1), EPERM);
		CHECK_ERR(option_set(fd, IOMMU_OPTION_RLIMIT_MODE, 0, 2), EPERM);
		REQUIRE_OK(ioas_alloc(fd, &ioas));
		CHECK_ERR(option_set(fd, IOMMU_OPTION_RLIMIT_MODE, 0, 1), EPERM);
		CHECK_ERR(option_set(fd, IOMMU_OPTION_RLIMIT_MODE, 0, 5), EPERM);
		CHECK_OK(option_get(fd, IOMMU_OPTION_RLIMIT_MODE, 0, &v));
		CHECK_EQ(v, 0);
		CHECK_OK(iommu_destroy(fd, ioas));
	}

	/* HUGE_PAGES: object_id must be an IOAS (ENOENT, 0 included). */
	CHECK_ERR(option_get(fd, IOMMU_OPTION_HUGE_PAGES, 0, &v), ENOENT);
	CHECK_ERR(option_set(fd, IOMMU_OPTION_HUGE_PAGES, 0, 1), ENOENT);
	CHECK_ERR(option_get(fd, IOMMU_OPTION_HUGE_PAGES, 5, &v), ENOENT);
	/* The object is looked up before the op is decoded (kernel order). */
	CHECK_ERR(raw_option(fd, IOMMU_OPTION_HUGE_PAGES, 7, 0, 0, 0), ENOENT);
	REQUIRE_OK(ioas_alloc(fd, &ioas));
	CHECK_ERR(raw_option(fd, IOMMU_OPTION_HUGE_PAGES, 7, 0, ioas, 0), EOPNOTSUPP);
	CHECK_OK(option_get(fd, IOMMU_OPTION_HUGE_PAGES, ioas, &v));
	CHECK_EQ(v, 1);
	CHECK_ERR(option_set(fd, IOMMU_OPTION_HUGE_PAGES, ioas, 2), EINVAL);
	CHECK_ERR(option_set(fd, IOMMU_OPTION_HUGE_PAGES, ioas, U64MAX), EINVAL);
	CHECK_OK(option_get(fd, IOMMU_OPTION_HUGE_PAGES, ioas, &v));
	CHECK_EQ(v, 1);
	CHECK_OK(option_set(fd, IOMMU_OPTION_HUGE_PAGES, ioas, 0));
	CHECK_OK(option_get(fd, IOMMU_OPTION_HUGE_PAGES, ioas, &v));
	CHECK_EQ(v, 0);
	/* Per IOAS: a second IOAS still has the default. */
	{
		uint32_t other = 0;

		REQUIRE_OK(ioas_alloc(fd, &other));
		CHECK_OK(option_get(fd, IOMMU_OPTION_HUGE_PAGES, other, &v));
		CHECK_EQ(v, 1);
	}
	close(fd);
}

TEST(option_writes_only_val64)
{
	uint8_t buf[64], want[64];
	struct iommu_option *o = (void *)buf;
	char *g = anon(2 * PAGE);
	uint32_t ioas = 0;
	int fd = open_with_ioas(&ioas);

	REQUIRE(fd >= 0 && g);
	/* GET: a 24-byte struct followed by a pattern; only val64 changes. */
	memset(buf, 0xAA, sizeof(buf));
	o->size = 24;
	o->option_id = IOMMU_OPTION_HUGE_PAGES;
	o->op = IOMMU_OPTION_OP_GET;
	o->__reserved = 0;
	o->object_id = ioas;
	memcpy(want, buf, sizeof(buf));
	CHECK_OK(ioctl(fd, IOMMU_OPTION, buf));
	CHECK_EQ(o->val64, 1);
	CHECK(memcmp(buf, want, 16) == 0);
	CHECK(memcmp(buf + 24, want + 24, sizeof(buf) - 24) == 0);
	/* A zero tail (size 32) stays zero. */
	memset(buf + 24, 0, 8);
	o->size = 32;
	o->val64 = 0xAAAAAAAAAAAAAAAAULL;
	memcpy(want, buf, sizeof(buf));
	CHECK_OK(ioctl(fd, IOMMU_OPTION, buf));
	CHECK_EQ(o->val64, 1);
	CHECK(memcmp(buf, want, 16) == 0);
	CHECK(memcmp(buf + 24, want + 24, sizeof(buf) - 24) == 0);
	/* Error: nothing is written. */
	o->size = 24;
	o->object_id = 99;
	o->val64 = 0xAAAAAAAAAAAAAAAAULL;
	memcpy(want, buf, sizeof(buf));
	CHECK_ERR(ioctl(fd, IOMMU_OPTION, buf), ENOENT);
	CHECK(memcmp(buf, want, sizeof(buf)) == 0);
	o->object_id = ioas;
	o->op = IOMMU_OPTION_OP_SET;
	o->val64 = 5;
	memcpy(want, buf, sizeof(buf));
	CHECK_ERR(ioctl(fd, IOMMU_OPTION, buf), EINVAL);
	CHECK(memcmp(buf, want, sizeof(buf)) == 0);

	/*
	 * The first 16 bytes on a read-only page, val64 on the next writable
	 * page: only 8 bytes at offset 16 may be written, so GET and SET work.
	 */
	o = (void *)(g + PAGE - 16);
	memset(o, 0, 24);
	o->size = 24;
	o->option_id = IOMMU_OPTION_HUGE_PAGES;
	o->op = IOMMU_OPTION_OP_GET;
	o->object_id = ioas;
	o->val64 = 0xAAAAAAAAAAAAAAAAULL;
	REQUIRE(mprotect(g, PAGE, PROT_READ) == 0);
	CHECK_OK(ioctl(fd, IOMMU_OPTION, o));
	CHECK_EQ(o->val64, 1);
	REQUIRE(mprotect(g, PAGE, PROT_READ | PROT_WRITE) == 0);
	o->op = IOMMU_OPTION_OP_SET;
	o->val64 = 0;
	REQUIRE(mprotect(g, PAGE, PROT_READ) == 0);
	CHECK_OK(ioctl(fd, IOMMU_OPTION, o));
	REQUIRE(mprotect(g, PAGE, PROT_READ | PROT_WRITE) == 0);
	CHECK_EQ(o->val64, 0);
	/* ... while val64 itself on a read-only page → EFAULT. */
	REQUIRE(mprotect(g + PAGE, PAGE, PROT_READ) == 0);
	o->op = IOMMU_OPTION_OP_GET;
	CHECK_ERR(ioctl(fd, IOMMU_OPTION, o), EFAULT);
	munmap(g, 2 * PAGE);
	close(fd);
}

struct t_cap_header {
	uint32_t version;
	int pid;
};

struct t_cap_data {
	uint32_t effective;
	uint32_t permitted;
	uint32_t inheritable;
};

#define T_CAP_VERSION_3 0x20080522
#define T_CAP_SYS_RESOURCE 24

/* Child: drop CAP_SYS_RESOURCE from the effective set; exit code = result. */
static int child_rlimit_eperm(void)
{
	struct t_cap_header h = { T_CAP_VERSION_3, 0 };
	struct t_cap_data d[2];
	struct iommu_option cmd = {
		.size = sizeof(cmd), .option_id = IOMMU_OPTION_RLIMIT_MODE,
		.op = IOMMU_OPTION_OP_SET, .val64 = 1,
	};
	uint32_t ioas = 0;
	uint64_t v = 7;
	int fd;

	alarm(20);	/* a hang (e.g. a lock inherited over fork) fails the test */
	if (syscall(SYS_capget, &h, d))
		return 10;
	d[0].effective &= ~(1u << T_CAP_SYS_RESOURCE);
	if (syscall(SYS_capset, &h, d))
		return 11;
	fd = iommufd_open();
	if (fd < 0)
		return 12;
	/* §4.8: SET needs CAP_SYS_RESOURCE → EPERM. */
	if (ioctl(fd, IOMMU_OPTION, &cmd) != -1 || errno != EPERM)
		return 13;
	cmd.val64 = 2;	/* EPERM before EINVAL */
	if (ioctl(fd, IOMMU_OPTION, &cmd) != -1 || errno != EPERM)
		return 14;
	/* GET does not need the capability. */
	if (option_get(fd, IOMMU_OPTION_RLIMIT_MODE, 0, &v) || v != 0)
		return 15;
	/* EPERM before EBUSY. */
	if (ioas_alloc(fd, &ioas))
		return 16;
	cmd.val64 = 1;
	if (ioctl(fd, IOMMU_OPTION, &cmd) != -1 || errno != EPERM)
		return 17;
	/* HUGE_PAGES needs no capability. */
	if (option_set(fd, IOMMU_OPTION_HUGE_PAGES, ioas, 0))
		return 18;
	close(fd);
	return 0;
}

TEST(option_rlimit_needs_cap_sys_resource)
{
	int status = -1;
	pid_t pid;

	if (geteuid() != 0)
		fprintf(stderr, "# not root: the capability check is still exercised\n");
	fflush(NULL);
	pid = fork();
	REQUIRE(pid >= 0);
	if (pid == 0)
		_exit(child_rlimit_eperm());
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	if (WIFSIGNALED(status))
		fprintf(stderr, "# child killed by signal %d (%s)\n", WTERMSIG(status),
			WTERMSIG(status) == SIGALRM ? "hung" : "crashed");
	CHECK(WIFEXITED(status));
	/* Exit codes 10-18 name the failing step of child_rlimit_eperm(). */
	if (WIFEXITED(status))
		CHECK_EQ(WEXITSTATUS(status), 0);
}

/* ------------------------------------------------------------------------ */
/* §4.9 IOMMU_VFIO_IOAS                                                      */

TEST(vfio_ioas_compat)
{
	struct iommu_vfio_ioas cmd;
	uint32_t a = 0, b = 0, id = 0;
	int fd = open_fd();

	REQUIRE(fd >= 0);
	/* GET with none → ENODEV; the output is not written. */
	memset(&cmd, 0, sizeof(cmd));
	cmd.size = sizeof(cmd);
	cmd.op = IOMMU_VFIO_IOAS_GET;
	cmd.ioas_id = 0xAAAAAAAA;
	CHECK_ERR(ioctl(fd, IOMMU_VFIO_IOAS, &cmd), ENODEV);
	CHECK_EQ(cmd.ioas_id, 0xAAAAAAAA);
	/* __reserved → EOPNOTSUPP, before the op. */
	CHECK_ERR(raw_vfio(fd, 0, IOMMU_VFIO_IOAS_GET, 1), EOPNOTSUPP);
	CHECK_ERR(raw_vfio(fd, 0, 9, 0x8000), EOPNOTSUPP);
	/* Unknown op → EOPNOTSUPP. */
	CHECK_ERR(raw_vfio(fd, 0, 3, 0), EOPNOTSUPP);
	CHECK_ERR(raw_vfio(fd, 1, 0xffff, 0), EOPNOTSUPP);
	/* SET of a missing IOAS → ENOENT. */
	CHECK_ERR(raw_vfio(fd, 0, IOMMU_VFIO_IOAS_SET, 0), ENOENT);
	CHECK_ERR(raw_vfio(fd, 1, IOMMU_VFIO_IOAS_SET, 0), ENOENT);
	/* CLEAR with none is fine. */
	CHECK_OK(raw_vfio(fd, 0, IOMMU_VFIO_IOAS_CLEAR, 0));

	REQUIRE_OK(ioas_alloc(fd, &a));
	REQUIRE_OK(ioas_alloc(fd, &b));
	CHECK_ERR(vfio_ioas(fd, IOMMU_VFIO_IOAS_GET, &id), ENODEV);	/* no auto-create */
	id = b;
	CHECK_OK(vfio_ioas(fd, IOMMU_VFIO_IOAS_SET, &id));
	id = 0;
	CHECK_OK(vfio_ioas(fd, IOMMU_VFIO_IOAS_GET, &id));
	CHECK_EQ(id, b);
	id = a;
	CHECK_OK(vfio_ioas(fd, IOMMU_VFIO_IOAS_SET, &id));
	id = 12345;	/* GET ignores the input ID */
	CHECK_OK(vfio_ioas(fd, IOMMU_VFIO_IOAS_GET, &id));
	CHECK_EQ(id, a);
	/* A failed SET keeps the old one. */
	CHECK_ERR(raw_vfio(fd, 77, IOMMU_VFIO_IOAS_SET, 0), ENOENT);
	CHECK_OK(vfio_ioas(fd, IOMMU_VFIO_IOAS_GET, &id));
	CHECK_EQ(id, a);
	/* CLEAR forgets it but does not destroy it. */
	CHECK_OK(raw_vfio(fd, 0, IOMMU_VFIO_IOAS_CLEAR, 0));
	CHECK_ERR(vfio_ioas(fd, IOMMU_VFIO_IOAS_GET, &id), ENODEV);
	CHECK_OK(ioas_map_va(fd, a, FAKE_VA, PAGE, NULL, MAP_RW));
	/* The compat IOAS holds no reference: DESTROY works and clears it. */
	id = a;
	CHECK_OK(vfio_ioas(fd, IOMMU_VFIO_IOAS_SET, &id));
	CHECK_OK(iommu_destroy(fd, a));
	CHECK_ERR(vfio_ioas(fd, IOMMU_VFIO_IOAS_GET, &id), ENODEV);
	/* ... also when a new IOAS reuses the same ID. */
	REQUIRE_OK(ioas_alloc(fd, &id));
	CHECK_EQ(id, a);
	CHECK_ERR(vfio_ioas(fd, IOMMU_VFIO_IOAS_GET, &id), ENODEV);
	/* Destroying another IOAS leaves the compat one alone. */
	id = b;
	CHECK_OK(vfio_ioas(fd, IOMMU_VFIO_IOAS_SET, &id));
	CHECK_OK(iommu_destroy(fd, a));
	CHECK_OK(vfio_ioas(fd, IOMMU_VFIO_IOAS_GET, &id));
	CHECK_EQ(id, b);
	close(fd);
}

/* ------------------------------------------------------------------------ */
/* §4.16 IOMMU_IOAS_MAP_FILE                                                 */

TEST(map_file_order)
{
	uint32_t ioas = 0;
	const uint32_t R = IOMMU_IOAS_MAP_READABLE;
	int mfd = memfd_of(4 * MiB);
	int fd = open_with_ioas(&ioas);

	REQUIRE(fd >= 0 && mfd >= 0);
	/* Flags → EOPNOTSUPP first. */
	CHECK_ERR(raw_map_file(fd, 1 << 3 | R, ioas, mfd, 0, PAGE, 0), EOPNOTSUPP);
	CHECK_ERR(raw_map_file(fd, 1u << 31, 0, -1, 0, U64MAX, U64MAX), EOPNOTSUPP);
	/* iova / length >= ULONG_MAX → EOVERFLOW, before no R/W. */
	CHECK_ERR(raw_map_file(fd, R, ioas, mfd, 0, U64MAX, 0), EOVERFLOW);
	CHECK_ERR(raw_map_file(fd, R, ioas, mfd, 0, PAGE, U64MAX), EOVERFLOW);
	CHECK_ERR(raw_map_file(fd, 0, 0, -1, 0, U64MAX, 0), EOVERFLOW);
	/* No R/W → EINVAL, before the IOAS lookup. */
	CHECK_ERR(raw_map_file(fd, 0, ioas, mfd, 0, PAGE, 0), EINVAL);
	CHECK_ERR(raw_map_file(fd, IOMMU_IOAS_MAP_FIXED_IOVA, 0, -1, 0, 0, 0), EINVAL);
	/* Bad IOAS → ENOENT, before the fd and the length. */
	CHECK_ERR(raw_map_file(fd, R, 0, mfd, 0, PAGE, 0), ENOENT);
	CHECK_ERR(raw_map_file(fd, R, 55, -1, 0, PAGE, 0), ENOENT);
	CHECK_ERR(raw_map_file(fd, R, 55, mfd, 0, 0, 0), ENOENT);
	CHECK_ERR(raw_map_file(fd, R, 55, mfd, U64MAX - 0xfff, 0x2000, 0), ENOENT);
	/* Bad fd → EBADF. */
	CHECK_ERR(raw_map_file(fd, R, ioas, -1, 0, PAGE, 0), EBADF);
	CHECK_ERR(raw_map_file(fd, R, ioas, 0x7ffffff0, 0, PAGE, 0), EBADF);
	/* length 0 → EINVAL; start + length overflow → EOVERFLOW. */
	CHECK_ERR(raw_map_file(fd, R, ioas, mfd, 0, 0, 0), EINVAL);
	CHECK_ERR(raw_map_file(fd, R | IOMMU_IOAS_MAP_FIXED_IOVA, ioas, mfd, PAGE, 0, 0x1000),
		  EINVAL);
	CHECK_ERR(raw_map_file(fd, R, ioas, mfd, U64MAX - 0xfff, 0x2000, 0), EOVERFLOW);
	CHECK_ERR(raw_map_file(fd, R, ioas, mfd, 0x8000000000000000ULL, 0x8000000000000001ULL,
			       0), EOVERFLOW);
	CHECK_EQ(unmap_all_len(fd, ioas), 0);
	close(mfd);
	close(fd);
}

TEST(map_file_placement)
{
	uint64_t iova = 0, fixed = 0, dst = 0;
	uint32_t ioas = 0, ioas2 = 0;
	int mfd = memfd_of(4 * MiB);
	int fd = open_with_ioas(&ioas);

	REQUIRE(fd >= 0 && mfd >= 0);
	REQUIRE_OK(ioas_alloc(fd, &ioas2));
	/* Auto: alignment from the file offset (§4.16, §4.6). */
	CHECK_OK(ioas_map_file(fd, ioas, mfd, 2 * MiB, 2 * MiB, &iova, MAP_RW));
	CHECK_EQ(iova % auto_align(2 * MiB, 2 * MiB), 0);
	CHECK(iova >= PAGE);
	CHECK_OK(ioas_map_file(fd, ioas, mfd, 0x1800, 0x800, &iova, MAP_RW));
	CHECK_EQ(iova % PAGE, 0x800);
	CHECK_OK(ioas_map_file(fd, ioas, mfd, 0x10000, 0x100000, &iova, MAP_RW));
	CHECK_EQ(iova % 0x10000, 0);
	CHECK_OK(ioas_map_file(fd, ioas, mfd, 0, 4 * MiB, &iova, MAP_RW));
	CHECK_EQ(iova % auto_align(0, 4 * MiB), 0);
	/* FIXED, output written back; overlap → EEXIST; reserved → EINVAL. */
	fixed = 0x7000001;
	CHECK_OK(ioas_map_file(fd, ioas, mfd, 5, PAGE, &fixed, MAP_FIXED_RW));
	CHECK_EQ(fixed, 0x7000001);
	CHECK_ERR(ioas_map_file(fd, ioas, mfd, 0, PAGE, &fixed, MAP_FIXED_RW), EEXIST);
	REQUIRE_OK(add_reserved(fd, ioas, 0x9000000, PAGE));
	fixed = 0x8fff000;
	CHECK_ERR(ioas_map_file(fd, ioas, mfd, 0, 2 * PAGE, &fixed, MAP_FIXED_RW), EINVAL);
	/* Beyond the file size is not yet an error without a domain. */
	fixed = 0x20000000;
	CHECK_OK(ioas_map_file(fd, ioas, mfd, 8 * MiB, PAGE, &fixed, MAP_FIXED_RW));
	/* Read-only file areas give EPERM to a writeable COPY, like user areas. */
	fixed = 0x30000000;
	CHECK_OK(ioas_map_file(fd, ioas, mfd, 0, PAGE, &fixed,
			       IOMMU_IOAS_MAP_READABLE | IOMMU_IOAS_MAP_FIXED_IOVA));
	CHECK_ERR(ioas_copy(fd, ioas2, ioas, 0x30000000, PAGE, &dst, MAP_RW), EPERM);
	CHECK_OK(ioas_copy(fd, ioas2, ioas, 0x30000000, PAGE, &dst, IOMMU_IOAS_MAP_READABLE));
	/* The file's own fd may be closed; the area keeps the file. */
	close(mfd);
	CHECK_EQ(unmap_all_len(fd, ioas),
		 2 * MiB + 0x800 + 0x100000 + 4 * MiB + PAGE + PAGE + PAGE);
	CHECK_EQ(unmap_all_len(fd, ioas2), PAGE);
	/* HUGE_PAGES=0: file offset not page aligned → EINVAL. */
	mfd = memfd_of(MiB);
	REQUIRE(mfd >= 0);
	REQUIRE_OK(option_set(fd, IOMMU_OPTION_HUGE_PAGES, ioas, 0));
	CHECK_ERR(ioas_map_file(fd, ioas, mfd, 0x800, PAGE, &iova, MAP_RW), EINVAL);
	CHECK_OK(ioas_map_file(fd, ioas, mfd, PAGE, PAGE, &iova, MAP_RW));
	CHECK_EQ(iova % PAGE, 0);
	close(mfd);
	close(fd);
}

/* ------------------------------------------------------------------------ */
/* §4.19 IOMMU_IOAS_CHANGE_PROCESS                                           */

TEST(change_process)
{
	struct iommu_ioas_change_process cmd = { .size = sizeof(cmd), .__reserved = 1 };
	uint64_t iova = 0, dst = 0;
	uint32_t a = 0, b = 0;
	int mfd = memfd_of(MiB);
	int fd = open_fd();

	REQUIRE(fd >= 0 && mfd >= 0);
	/* __reserved → EOPNOTSUPP. */
	CHECK_ERR(ioctl(fd, IOMMU_IOAS_CHANGE_PROCESS, &cmd), EOPNOTSUPP);
	/* Nothing at all → 0. */
	CHECK_OK(ioas_change_process(fd));
	REQUIRE_OK(ioas_alloc(fd, &a));
	REQUIRE_OK(ioas_alloc(fd, &b));
	CHECK_OK(ioas_change_process(fd));	/* empty IOASes */
	cmd.__reserved = 0x80000000;
	CHECK_ERR(ioctl(fd, IOMMU_IOAS_CHANGE_PROCESS, &cmd), EOPNOTSUPP);
	/* Only file areas (also copied ones) → 0. */
	REQUIRE_OK(ioas_map_file(fd, a, mfd, 0, 16 * PAGE, &iova, MAP_RW));
	REQUIRE_OK(ioas_copy(fd, b, a, iova, 4 * PAGE, &dst, MAP_RW));
	CHECK_OK(ioas_change_process(fd));
	CHECK_OK(ioas_change_process(fd));	/* from the current owner again */
	/* A user-VA area anywhere in the context → EINVAL. */
	{
		uint64_t uiova = 0;
		uint32_t c = 0;

		REQUIRE_OK(ioas_alloc(fd, &c));
		REQUIRE_OK(ioas_map_va(fd, c, FAKE_VA, PAGE, &uiova, MAP_RW));
		CHECK_ERR(ioas_change_process(fd), EINVAL);
		/* __reserved is still checked first. */
		CHECK_ERR(ioctl(fd, IOMMU_IOAS_CHANGE_PROCESS, &cmd), EOPNOTSUPP);
		/* A copy of it keeps it user-VA backed. */
		CHECK_OK(ioas_copy(fd, b, c, uiova, PAGE, NULL, MAP_RW));
		CHECK_EQ(unmap_len(fd, c, uiova, PAGE), PAGE);
		CHECK_ERR(ioas_change_process(fd), EINVAL);
		/* Nothing changed: the file areas are still there. */
		CHECK_EQ(unmap_all_len(fd, b), 4 * PAGE + PAGE);
		CHECK_OK(ioas_change_process(fd));
		/* Destroying the IOAS with the user area also lifts it. */
		REQUIRE_OK(ioas_map_va(fd, c, FAKE_VA, PAGE, &uiova, MAP_RW));
		CHECK_ERR(ioas_change_process(fd), EINVAL);
		CHECK_OK(iommu_destroy(fd, c));
		CHECK_OK(ioas_change_process(fd));
	}
	CHECK_EQ(unmap_all_len(fd, a), 16 * PAGE);
	close(mfd);
	close(fd);
}

/* ------------------------------------------------------------------------ */
/* iommufd-testops.md §1, §4.1 ADD_RESERVED, §4.9 SET_TEMP_MEMORY_LIMIT       */

TEST(test_cmd_add_reserved)
{
	struct iommu_iova_range allow = { 0x800000, 0x8fffff };
	uint64_t iova = 0x100000;
	uint32_t ioas = 0;
	int fd = open_with_ioas(&ioas);

	REQUIRE(fd >= 0);
	/* Unknown op → EOPNOTSUPP. */
	CHECK_ERR(raw_test_cmd(fd, 0, ioas), EOPNOTSUPP);
	CHECK_ERR(raw_test_cmd(fd, 0xffff, ioas), EOPNOTSUPP);
	/* Not an IOAS → ENOENT. */
	CHECK_ERR(add_reserved(fd, 0, 0x1000, 0x1000), ENOENT);
	CHECK_ERR(add_reserved(fd, 42, 0x1000, 0x1000), ENOENT);
	/* Intersecting an area → EADDRINUSE; adjacent is fine. */
	REQUIRE_OK(ioas_map_va(fd, ioas, FAKE_VA, 4 * PAGE, &iova, MAP_FIXED_RW));
	CHECK_ERR(add_reserved(fd, ioas, 0x103fff, 1), EADDRINUSE);
	CHECK_ERR(add_reserved(fd, ioas, 0, 0x100001), EADDRINUSE);
	CHECK_ERR(add_reserved(fd, ioas, 0x101000, 1), EADDRINUSE);
	CHECK_OK(add_reserved(fd, ioas, 0xff000, 0x1000));
	CHECK_OK(add_reserved(fd, ioas, 0x104000, 0x1000));
	/* Intersecting the allowed list → EADDRINUSE. */
	REQUIRE_OK(ioas_allow_iovas(fd, ioas, &allow, 1));
	CHECK_ERR(add_reserved(fd, ioas, 0x8ff000, 0x2000), EADDRINUSE);
	CHECK_ERR(add_reserved(fd, ioas, 0x7ff000, 0x1001), EADDRINUSE);
	CHECK_OK(add_reserved(fd, ioas, 0x7ff000, 0x1000));
	CHECK_OK(add_reserved(fd, ioas, 0x900000, 0x1000));
	/* Overlapping another reserved range is fine. */
	CHECK_OK(add_reserved(fd, ioas, 0x7fe800, 0x1000));
	CHECK_OK(add_reserved(fd, ioas, 0xff000, 0x1000));
	/* The area is intact. */
	CHECK_EQ(unmap_all_len(fd, ioas), 4 * PAGE);
	/* Reservations disappear with their IOAS. */
	CHECK_OK(iommu_destroy(fd, ioas));
	REQUIRE_OK(ioas_alloc(fd, &ioas));
	iova = 0xff000;
	CHECK_OK(ioas_map_va(fd, ioas, FAKE_VA, PAGE, &iova, MAP_FIXED_RW));
	close(fd);
}

TEST(test_cmd_memory_limit)
{
	int fd = open_fd();

	REQUIRE(fd >= 0);
	/* testops §4.9: below 12 → EINVAL. */
	CHECK_ERR(set_temp_memory_limit(fd, 0), EINVAL);
	CHECK_ERR(set_temp_memory_limit(fd, 11), EINVAL);
	CHECK_OK(set_temp_memory_limit(fd, 12));
	CHECK_OK(set_temp_memory_limit(fd, 16));
	CHECK_OK(set_temp_memory_limit(fd, 65536));
	close(fd);
}

HARNESS_MAIN()
