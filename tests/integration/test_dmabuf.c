/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Black-box test of the selftest dma-buf exporter (iommufd-testops.md §4.22,
 * §4.23) and of IOMMU_IOAS_MAP_FILE of a dma-buf (iommufd-abi.md §4.16), as
 * a real client sees them: plain libc and the uapi headers, run with the
 * preload library in LD_PRELOAD.
 *
 * The cases follow the kernel selftest (dmabuf_simple, dmabuf_revoke) and go
 * further: the errno of every bad argument, what a mock domain maps (through
 * MD_CHECK_MAP against an mmap() of the dma-buf fd, and MD_CHECK_REFS for its
 * pin), what an access reads through the IOVA, and what a revoke leaves:
 * areas that stay in the IOAS, unmappable with their byte count, in no
 * domain, old or new.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/capability.h>

/* Each test in its own process: a crash is one "not ok", the rest still run. */
#define HARNESS_ISOLATE
#include "harness.h"
#include "iommufd_helpers.h"

#define BASE ((uint64_t)MOCK_APERTURE_START)
#define MAX_PAGES 512

static uint64_t PS;	/* PAGE_SIZE */

__attribute__((constructor)) static void init_page_size(void)
{
	PS = (uint64_t)sys_page_size();
}

/* DMABUF_GET (§4.22): the fd is the ioctl's return value. */
static int dmabuf_get(int fd, uint32_t length, uint32_t open_flags)
{
	struct iommu_test_cmd cmd;

	test_cmd_init(&cmd, IOMMU_TEST_OP_DMABUF_GET, 0);
	cmd.dmabuf_get.length = length;
	cmd.dmabuf_get.open_flags = open_flags;
	return ioctl(fd, IOMMU_TEST_CMD, &cmd);
}

/* DMABUF_REVOKE (§4.23). */
static int dmabuf_revoke(int fd, int dfd, bool revoked)
{
	struct iommu_test_cmd cmd;

	test_cmd_init(&cmd, IOMMU_TEST_OP_DMABUF_REVOKE, 0);
	cmd.dmabuf_revoke.dmabuf_fd = dfd;
	cmd.dmabuf_revoke.revoked = revoked;
	return ioctl(fd, IOMMU_TEST_CMD, &cmd);
}

static int create_access(int fd, uint32_t ioas, int *afd)
{
	struct iommu_test_cmd cmd;
	int ret;

	test_cmd_init(&cmd, IOMMU_TEST_OP_CREATE_ACCESS, ioas);
	ret = ioctl(fd, IOMMU_TEST_CMD, &cmd);
	if (!ret)
		*afd = (int)cmd.create_access.out_access_fd;
	return ret;
}

static int access_read(int fd, int afd, uint64_t iova, void *buf, uint64_t len)
{
	struct iommu_test_cmd cmd;

	test_cmd_init(&cmd, IOMMU_TEST_OP_ACCESS_RW, (uint32_t)afd);
	cmd.access_rw.iova = iova;
	cmd.access_rw.length = len;
	cmd.access_rw.uptr = (uintptr_t)buf;
	return ioctl(fd, IOMMU_TEST_CMD, &cmd);
}

/* An iommufd with one IOAS; the harness runs each test in a fresh process. */
static int setup(uint32_t *ioas)
{
	int fd = iommufd_open();

	CHECK(fd >= 0);
	CHECK_OK(ioas_alloc(fd, ioas));
	return fd;
}

/* A dma-buf of @npages pages, mapped shared by the caller too, filled with a pattern. */
static int new_dmabuf(int fd, uint64_t npages, uint8_t **map)
{
	int dfd = dmabuf_get(fd, (uint32_t)(npages * PS), O_CLOEXEC);
	uint64_t i = 0;

	CHECK(dfd >= 0);
	*map = mmap(NULL, npages * PS, PROT_READ | PROT_WRITE, MAP_SHARED, dfd, 0);
	CHECK(*map != MAP_FAILED);
	if (*map == MAP_FAILED) {
		*map = NULL;
		return dfd;
	}
	for (i = 0; i < npages * PS; i++)
		(*map)[i] = (uint8_t)(i * 7 + i / PS);
	return dfd;
}

TEST(get_errors)
{
	uint32_t ioas = 0;
	int fd = setup(&ioas), dfd;

	CHECK_ERR(dmabuf_get(fd, 0, O_CLOEXEC), EINVAL);
	CHECK_ERR(dmabuf_get(fd, (uint32_t)((MAX_PAGES + 1) * PS), O_CLOEXEC), EINVAL);
	/* 512 pages plus one byte rounds up to 513. */
	CHECK_ERR(dmabuf_get(fd, (uint32_t)(MAX_PAGES * PS + 1), O_CLOEXEC), EINVAL);
	CHECK_ERR(dmabuf_get(fd, UINT32_MAX, O_CLOEXEC), EINVAL);

	dfd = dmabuf_get(fd, (uint32_t)(MAX_PAGES * PS), O_CLOEXEC);
	CHECK(dfd >= 0);
	CHECK(fcntl(dfd, F_GETFD) == FD_CLOEXEC);
	CHECK_OK(close(dfd));

	dfd = dmabuf_get(fd, 1, 0);
	CHECK(dfd >= 0);
	CHECK(fcntl(dfd, F_GETFD) == 0);
	CHECK_OK(close(dfd));
	close(fd);
}

/* The length is rounded up to whole pages: one byte gives one page. */
TEST(get_rounds_up)
{
	uint64_t iova = 0, len = 0;
	uint32_t ioas = 0;
	int fd = setup(&ioas), dfd;

	dfd = dmabuf_get(fd, 1, O_CLOEXEC);
	CHECK(dfd >= 0);
	CHECK_OK(ioas_map_file(fd, ioas, dfd, 0, PS, &iova, MAP_RW));
	CHECK_ERR(ioas_map_file(fd, ioas, dfd, 0, PS + 1, &iova, MAP_RW), EINVAL);
	CHECK_OK(ioas_unmap_all(fd, ioas, &len));
	CHECK_EQ(len, PS);
	close(dfd);
	close(fd);
}

/* dmabuf_simple, and every range check of IOAS_MAP_FILE on a dma-buf. */
TEST(map_ranges)
{
	uint64_t size = 4 * PS, iova = 0, len = 0;
	uint32_t ioas = 0;
	int fd = setup(&ioas);
	int dfd = dmabuf_get(fd, (uint32_t)size, O_CLOEXEC);

	CHECK(dfd >= 0);
	CHECK_ERR(ioas_map_file(fd, ioas, dfd, 0, 0, &iova, MAP_RW), EINVAL);
	CHECK_ERR(ioas_map_file(fd, ioas, dfd, size, size, &iova, MAP_RW), EINVAL);
	CHECK_ERR(ioas_map_file(fd, ioas, dfd, size, PS, &iova, MAP_RW), EINVAL);
	CHECK_ERR(ioas_map_file(fd, ioas, dfd, 0, size + 1, &iova, MAP_RW), EINVAL);
	CHECK_ERR(ioas_map_file(fd, ioas, dfd, PS, size, &iova, MAP_RW), EINVAL);
	CHECK_ERR(ioas_map_file(fd, ioas, dfd, size - 1, 2, &iova, MAP_RW), EINVAL);
	CHECK_ERR(ioas_map_file(fd, ioas, dfd, UINT64_MAX - PS + 1, 2 * PS, &iova, MAP_RW),
		  EOVERFLOW);
	/* Nothing was left behind by the failures. */
	CHECK_OK(ioas_unmap_all(fd, ioas, &len));
	CHECK_EQ(len, 0);

	CHECK_OK(ioas_map_file(fd, ioas, dfd, 0, size, &iova, MAP_RW));
	CHECK_OK(ioas_map_file(fd, ioas, dfd, size - 1, 1, &iova, MAP_RW));
	CHECK_OK(ioas_map_file(fd, ioas, dfd, PS, 2 * PS, &iova, IOMMU_IOAS_MAP_READABLE));
	CHECK_OK(ioas_unmap_all(fd, ioas, &len));
	CHECK_EQ(len, size + 1 + 2 * PS);
	CHECK_OK(close(dfd));
	close(fd);
}

/*
 * A dma-buf's pages are not charged to RLIMIT_MEMLOCK: Linux reads its
 * physical ranges and pins no user page. User memory of the same size, past
 * the same limit, is refused (ENOMEM), so the check can fail.
 */
TEST(not_charged_to_memlock)
{
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct caps[2];
	uint64_t size = 8 * PS, iova = BASE, len = 0;
	struct rlimit rl = { .rlim_cur = 2 * PS, .rlim_max = 2 * PS };
	uint32_t ioas = 0, hwpt = 0;
	int fd = setup(&ioas), dfd;
	uint8_t *map, *user;

	dfd = new_dmabuf(fd, 8, &map);
	user = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	REQUIRE(map && user != MAP_FAILED);
	/* This test runs in a process of its own: drop CAP_IPC_LOCK, lower the limit. */
	REQUIRE(!syscall(SYS_capget, &hdr, caps));
	caps[0].effective &= ~(1u << CAP_IPC_LOCK);
	REQUIRE(!syscall(SYS_capset, &hdr, caps));
	REQUIRE(!setrlimit(RLIMIT_MEMLOCK, &rl));
	/* A domain pins what is mapped at once. */
	CHECK_OK(mock_domain(fd, ioas, NULL, &hwpt, NULL));
	CHECK_OK(ioas_map_file(fd, ioas, dfd, 0, size, &iova, MAP_FIXED_RW));
	CHECK_OK(md_check_map(fd, hwpt, iova, map, size));
	iova = BASE + 2 * size;
	CHECK_ERR(ioas_map(fd, ioas, user, size, &iova, MAP_FIXED_RW), ENOMEM);
	CHECK_OK(ioas_unmap_all(fd, ioas, &len));
	CHECK_EQ(len, size);
	munmap(user, size);
	munmap(map, size);
	close(dfd);
	close(fd);
}

/* A mock domain maps exactly the buffer's pages, and pins them once. */
TEST(domain_maps_buffer)
{
	uint64_t size = 8 * PS, iova = BASE, iova2 = BASE + 16 * PS, len = 0;
	uint32_t ioas = 0, hwpt = 0;
	uint8_t *map;
	int fd = setup(&ioas), dfd;

	dfd = new_dmabuf(fd, 8, &map);
	if (!map)
		return;
	CHECK_OK(mock_domain(fd, ioas, NULL, &hwpt, NULL));
	CHECK_OK(ioas_map_file(fd, ioas, dfd, 0, size, &iova, MAP_FIXED_RW));
	CHECK_OK(md_check_map(fd, hwpt, iova, map, size));
	CHECK_OK(md_check_refs(fd, map, size, 1));
	/* A sub-range from the middle, and a check that can fail. */
	CHECK_OK(ioas_map_file(fd, ioas, dfd, 3 * PS, 2 * PS, &iova2, MAP_FIXED_RW));
	CHECK_OK(md_check_map(fd, hwpt, iova2, map + 3 * PS, 2 * PS));
	CHECK_ERR(md_check_map(fd, hwpt, iova2, map, 2 * PS), EINVAL);
	/* One pages object per map: the middle pages are pinned twice. */
	CHECK_OK(md_check_refs(fd, map + 3 * PS, 2 * PS, 2));
	CHECK_OK(md_check_refs(fd, map, 3 * PS, 1));

	CHECK_OK(ioas_unmap_all(fd, ioas, &len));
	CHECK_EQ(len, size + 2 * PS);
	CHECK_OK(md_check_refs(fd, map, size, 0));
	munmap(map, size);
	close(dfd);
	close(fd);
}

/* An access reads the buffer's bytes through the IOVA (no domain). */
TEST(access_reads_buffer)
{
	uint64_t size = 4 * PS, iova = 0;
	uint32_t ioas = 0;
	uint8_t *map, *buf;
	int fd = setup(&ioas), dfd, afd = -1;

	dfd = new_dmabuf(fd, 4, &map);
	if (!map)
		return;
	buf = calloc(1, size);
	CHECK_OK(ioas_map_file(fd, ioas, dfd, PS, 2 * PS, &iova, MAP_RW));
	CHECK_OK(create_access(fd, ioas, &afd));
	CHECK_OK(access_read(fd, afd, iova + 5, buf, 2 * PS - 5));
	CHECK(!memcmp(buf, map + PS + 5, 2 * PS - 5));
	/* Writes through the fd's mapping are seen: the same memory. */
	map[PS + 7] ^= 0xff;
	CHECK_OK(access_read(fd, afd, iova, buf, 2 * PS));
	CHECK(!memcmp(buf, map + PS, 2 * PS));
	close(afd);
	free(buf);
	munmap(map, size);
	close(dfd);
	close(fd);
}

/* The kernel's dmabuf_revoke, with and without a domain, and more. */
TEST(revoke_simple)
{
	uint64_t size = 4 * PS, iova = BASE, iova2 = 0, len = 0;
	uint32_t ioas = 0, hwpt = 0, hwpt2 = 0;
	uint8_t *map;
	int fd = setup(&ioas), dfd;

	dfd = new_dmabuf(fd, 4, &map);
	if (!map)
		return;
	CHECK_OK(mock_domain(fd, ioas, NULL, &hwpt, NULL));
	CHECK_OK(ioas_map_file(fd, ioas, dfd, 0, size, &iova, MAP_FIXED_RW));
	CHECK_OK(md_check_map(fd, hwpt, iova, map, size));
	CHECK_OK(md_check_refs(fd, map, size, 1));

	CHECK_OK(dmabuf_revoke(fd, dfd, true));
	/* Torn out of the domain, its pin released. */
	CHECK_ERR(md_check_map(fd, hwpt, iova, map, PS), EINVAL);
	CHECK_OK(md_check_refs(fd, map, size, 0));
	/* Revoking again changes nothing. */
	CHECK_OK(dmabuf_revoke(fd, dfd, true));
	CHECK_ERR(ioas_map_file(fd, ioas, dfd, 0, size, &iova2, MAP_RW), ENODEV);
	/* A range error is reported before the revoked state. */
	CHECK_ERR(ioas_map_file(fd, ioas, dfd, 0, size + 1, &iova2, MAP_RW), EINVAL);
	/* The area still holds its IOVA range. */
	CHECK_ERR(ioas_map_file(fd, ioas, dfd, 0, PS, &iova, MAP_FIXED_RW), ENODEV);
	{
		uint64_t fixed = iova;
		void *anon = mmap(NULL, PS, PROT_READ | PROT_WRITE,
				  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		CHECK(anon != MAP_FAILED);
		memset(anon, 1, PS);
		CHECK_ERR(ioas_map(fd, ioas, anon, PS, &fixed, MAP_FIXED_RW), EEXIST);
		munmap(anon, PS);
	}

	/* A new domain can be attached; it skips the revoked area. */
	CHECK_OK(mock_domain(fd, ioas, NULL, &hwpt2, NULL));
	CHECK_ERR(md_check_map(fd, hwpt2, iova, map, PS), EINVAL);
	CHECK_OK(md_check_refs(fd, map, size, 0));

	/* Un-revoke: new maps work, in every domain; the old area stays out. */
	CHECK_OK(dmabuf_revoke(fd, dfd, false));
	CHECK_OK(dmabuf_revoke(fd, dfd, false));
	CHECK_OK(ioas_map_file(fd, ioas, dfd, 0, size, &iova2, MAP_RW));
	CHECK_OK(md_check_map(fd, hwpt, iova2, map, size));
	CHECK_OK(md_check_map(fd, hwpt2, iova2, map, size));
	CHECK_ERR(md_check_map(fd, hwpt, iova, map, PS), EINVAL);
	CHECK_OK(md_check_refs(fd, map, size, 1));

	/* The revoked area unmaps with its byte count; its IOVA can be reused. */
	CHECK_OK(ioas_unmap(fd, ioas, iova, size, &len));
	CHECK_EQ(len, size);
	CHECK_OK(ioas_map_file(fd, ioas, dfd, 0, size, &iova, MAP_FIXED_RW));
	CHECK_OK(md_check_map(fd, hwpt, iova, map, size));
	CHECK_OK(md_check_map(fd, hwpt2, iova, map, size));
	CHECK_OK(md_check_refs(fd, map, size, 2));

	/* Revoke again: both areas, both domains. */
	CHECK_OK(dmabuf_revoke(fd, dfd, true));
	CHECK_ERR(md_check_map(fd, hwpt, iova, map, PS), EINVAL);
	CHECK_ERR(md_check_map(fd, hwpt2, iova2, map, PS), EINVAL);
	CHECK_OK(md_check_refs(fd, map, size, 0));
	CHECK_OK(ioas_unmap_all(fd, ioas, &len));
	CHECK_EQ(len, 2 * size);
	munmap(map, size);
	close(dfd);
	close(fd);
}

/* Revoked with no domain: a domain added later never maps the area. */
TEST(revoke_then_attach)
{
	uint64_t size = 2 * PS, iova = BASE, len = 0;
	uint32_t ioas = 0, hwpt = 0;
	uint8_t *map;
	int fd = setup(&ioas), dfd;

	dfd = new_dmabuf(fd, 2, &map);
	if (!map)
		return;
	CHECK_OK(ioas_map_file(fd, ioas, dfd, 0, size, &iova, MAP_FIXED_RW));
	CHECK_OK(dmabuf_revoke(fd, dfd, true));
	CHECK_OK(mock_domain(fd, ioas, NULL, &hwpt, NULL));
	CHECK_ERR(md_check_map(fd, hwpt, iova, map, PS), EINVAL);
	CHECK_OK(md_check_refs(fd, map, size, 0));
	CHECK_OK(ioas_unmap(fd, ioas, iova, size, &len));
	CHECK_EQ(len, size);
	munmap(map, size);
	close(dfd);
	close(fd);
}

/* A revoke reaches every IOAS that maps the buffer, and copies of it. */
TEST(revoke_many_ioas)
{
	uint64_t size = 4 * PS, iova_a = BASE, iova_b = BASE + 8 * PS, iova_c = 0, len = 0;
	uint32_t a = 0, b = 0, hwpt_a = 0, hwpt_b = 0;
	uint8_t *map;
	int fd = setup(&a), dfd;

	CHECK_OK(ioas_alloc(fd, &b));
	dfd = new_dmabuf(fd, 4, &map);
	if (!map)
		return;
	CHECK_OK(mock_domain(fd, a, NULL, &hwpt_a, NULL));
	CHECK_OK(mock_domain(fd, b, NULL, &hwpt_b, NULL));
	CHECK_OK(ioas_map_file(fd, a, dfd, 0, size, &iova_a, MAP_FIXED_RW));
	/* IOAS_COPY shares the pages: the copy is an importer too. */
	CHECK_OK(ioas_copy(fd, b, a, iova_a, size, &iova_b, MAP_FIXED_RW));
	CHECK_OK(md_check_map(fd, hwpt_b, iova_b, map, size));

	CHECK_OK(dmabuf_revoke(fd, dfd, true));
	CHECK_ERR(md_check_map(fd, hwpt_a, iova_a, map, PS), EINVAL);
	CHECK_ERR(md_check_map(fd, hwpt_b, iova_b, map, PS), EINVAL);
	CHECK_OK(md_check_refs(fd, map, size, 0));
	/* A revoked area cannot be copied either. */
	CHECK_ERR(ioas_copy(fd, b, a, iova_a, size, &iova_c, MAP_RW), ENODEV);

	CHECK_OK(ioas_unmap_all(fd, b, &len));
	CHECK_EQ(len, size);
	/* IOAS a keeps its revoked area until the context closes. */
	munmap(map, size);
	close(dfd);
	close(fd);
}

/* The buffer outlives its fd while an area maps it. */
TEST(close_while_mapped)
{
	uint64_t size = 2 * PS, iova = BASE, len = 0;
	uint32_t ioas = 0, hwpt = 0;
	uint8_t *map;
	int fd = setup(&ioas), dfd;

	dfd = new_dmabuf(fd, 2, &map);
	if (!map)
		return;
	CHECK_OK(mock_domain(fd, ioas, NULL, &hwpt, NULL));
	CHECK_OK(ioas_map_file(fd, ioas, dfd, 0, size, &iova, MAP_FIXED_RW));
	CHECK_OK(close(dfd));
	CHECK_OK(md_check_map(fd, hwpt, iova, map, size));
	CHECK_OK(ioas_unmap(fd, ioas, iova, size, &len));
	CHECK_EQ(len, size);
	munmap(map, size);
	/* A closed fd is gone for good. */
	CHECK_ERR(dmabuf_revoke(fd, dfd, true), EBADF);
	close(fd);
}

TEST(revoke_errors)
{
	uint32_t ioas = 0;
	int fd = setup(&ioas), mfd, afd = -1;

	CHECK_ERR(dmabuf_revoke(fd, -1, true), EBADF);
	CHECK_ERR(dmabuf_revoke(fd, 100000, true), EBADF);
	/* Files that are not dma-bufs: a memfd, an iommufd, an access. */
	mfd = memfd_create("not-a-dmabuf", MFD_CLOEXEC);
	CHECK(mfd >= 0);
	CHECK_ERR(dmabuf_revoke(fd, mfd, true), EINVAL);
	CHECK_ERR(dmabuf_revoke(fd, fd, false), EINVAL);
	CHECK_OK(create_access(fd, ioas, &afd));
	CHECK_ERR(dmabuf_revoke(fd, afd, true), EINVAL);
	close(afd);
	close(mfd);
	close(fd);
}

/*
 * Revoke racing with map, unmap and domain attach/detach. Threads record
 * failures in atomics (the harness is single-threaded). The revoking thread
 * ends revoked, so every area left afterwards must be out of every domain:
 * one that completed after a revoke collected its importers would stay
 * pinned and mapped.
 */
struct race {
	int fd, dfd;
	uint32_t ioas;
	uint64_t size;
	int bad;
};

#define RACE_ROUNDS 200
#define RACE_KEEP 16

static void *race_revoke(void *arg)
{
	struct race *r = arg;
	int i;

	for (i = 0; i < RACE_ROUNDS; i++) {
		if (dmabuf_revoke(r->fd, r->dfd, true) || dmabuf_revoke(r->fd, r->dfd, false))
			__atomic_fetch_add(&r->bad, 1, __ATOMIC_RELAXED);
	}
	if (dmabuf_revoke(r->fd, r->dfd, true))
		__atomic_fetch_add(&r->bad, 1, __ATOMIC_RELAXED);
	return NULL;
}

static void *race_map(void *arg)
{
	struct race *r = arg;
	uint64_t kept[RACE_KEEP], kept_len[RACE_KEEP], len;
	unsigned int n = 0, i;

	for (i = 0; i < RACE_ROUNDS * 2; i++) {
		uint64_t start = (i % 4) * PS, length = r->size - start, iova = 0;

		if (ioas_map_file(r->fd, r->ioas, r->dfd, start, length, &iova, MAP_RW)) {
			if (errno != ENODEV)
				__atomic_fetch_add(&r->bad, 1, __ATOMIC_RELAXED);
			continue;
		}
		if (n == RACE_KEEP) {
			/* Revoked or not, the area unmaps with its byte count. */
			if (ioas_unmap(r->fd, r->ioas, kept[0], kept_len[0], &len) ||
			    len != kept_len[0])
				__atomic_fetch_add(&r->bad, 1, __ATOMIC_RELAXED);
			n--;
			memmove(kept, kept + 1, sizeof(kept[0]) * n);
			memmove(kept_len, kept_len + 1, sizeof(kept_len[0]) * n);
		}
		kept[n] = iova;
		kept_len[n++] = length;
	}
	return NULL;
}

static void *race_attach(void *arg)
{
	struct race *r = arg;
	int i;

	for (i = 0; i < RACE_ROUNDS / 4; i++) {
		uint32_t stdev = 0;

		if (mock_domain(r->fd, r->ioas, &stdev, NULL, NULL) ||
		    iommu_destroy(r->fd, stdev))
			__atomic_fetch_add(&r->bad, 1, __ATOMIC_RELAXED);
	}
	return NULL;
}

TEST(revoke_races)
{
	struct race r = { 0 };
	pthread_t t[3];
	uint32_t hwpt = 0;
	uint64_t iova = 0, len = 0;
	uint8_t *map;
	int i;

	r.fd = setup(&r.ioas);
	r.size = 8 * PS;
	r.dfd = new_dmabuf(r.fd, 8, &map);
	if (!map)
		return;
	CHECK_OK(mock_domain(r.fd, r.ioas, NULL, &hwpt, NULL));
	CHECK_OK(pthread_create(&t[0], NULL, race_revoke, &r));
	CHECK_OK(pthread_create(&t[1], NULL, race_map, &r));
	CHECK_OK(pthread_create(&t[2], NULL, race_attach, &r));
	for (i = 0; i < 3; i++)
		pthread_join(t[i], NULL);
	CHECK_EQ(r.bad, 0);

	/* Revoked last: whatever is left is in no domain and pins nothing. */
	CHECK_OK(md_check_refs(r.fd, map, r.size, 0));
	CHECK_OK(dmabuf_revoke(r.fd, r.dfd, false));
	CHECK_OK(ioas_map_file(r.fd, r.ioas, r.dfd, 0, r.size, &iova, MAP_RW));
	CHECK_OK(md_check_map(r.fd, hwpt, iova, map, r.size));
	CHECK_OK(md_check_refs(r.fd, map, r.size, 1));
	CHECK_OK(ioas_unmap_all(r.fd, r.ioas, &len));
	CHECK(len >= r.size);
	CHECK_OK(md_check_refs(r.fd, map, r.size, 0));
	munmap(map, r.size);
	close(r.dfd);
	close(r.fd);
}

HARNESS_MAIN()
