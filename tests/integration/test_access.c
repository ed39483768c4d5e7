/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Black-box test of the selftest access objects (iommufd-testops.md §3.6,
 * §4.5-4.8, §4.11) and of IOAS_UNMAP meeting pages an access pins
 * (iommufd-abi.md §3.4, §4.7), as a real client sees them: plain libc and the
 * uapi headers, run with the preload library in LD_PRELOAD.
 *
 * The cases follow the kernel selftest (access_pin, access_pin_unmap,
 * access_rw, access_rw_slow, user_copy, the fork/close interplay) and go
 * further: every errno of each op in the kernel's order, pin counts through
 * MD_CHECK_REFS (testops §4.4), every byte alignment of ACCESS_RW across two
 * adjacent areas, anonymous and memfd memory, with and without a mock domain.
 *
 * Every IOVA used lies in the mock aperture (testops §2.2), so a mock domain
 * can be added to any IOAS here.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

/* Each test in its own process: a crash is one "not ok", the rest still run. */
#define HARNESS_ISOLATE
#include "harness.h"
#include "iommufd_helpers.h"

#define BASE ((uint64_t)MOCK_APERTURE_START)
#define ACCESS_MAX_LEN (16ull << 20)	/* testops §4.7, §4.8: larger is ENOMEM */
#define PIN MOCK_FLAGS_ACCESS_CREATE_NEEDS_PIN_PAGES
#define RW_WRITE MOCK_ACCESS_RW_WRITE
#define RW_SLOW MOCK_ACCESS_RW_SLOW_PATH
#define U(p) ((uint64_t)(uintptr_t)(p))

static uint64_t PS;	/* PAGE_SIZE */

__attribute__((constructor)) static void init_page_size(void)
{
	PS = (uint64_t)sys_page_size();
}

/* ------------------------------------------------------------------------ */
/* The test ops, as raw commands (testops §1.2).                             */

static void ta_cmd(struct iommu_test_cmd *cmd, uint32_t op, uint32_t id)
{
	memset(cmd, 0, sizeof(*cmd));
	cmd->size = sizeof(*cmd);
	cmd->op = op;
	cmd->id = id;
}

/* CREATE_ACCESS (§4.5): *afd is written only on success. */
static int ta_create_access(int fd, uint32_t ioas, uint32_t flags, int *afd)
{
	struct iommu_test_cmd cmd;
	int ret;

	ta_cmd(&cmd, IOMMU_TEST_OP_CREATE_ACCESS, ioas);
	cmd.create_access.flags = flags;
	ret = ioctl(fd, IOMMU_TEST_CMD, &cmd);
	if (!ret && afd)
		*afd = (int)cmd.create_access.out_access_fd;
	return ret;
}

/* ACCESS_PAGES (§4.7): *item is written only on success. */
static int ta_pages(int fd, int afd, uint32_t flags, uint64_t iova, uint64_t len, uint64_t uptr,
		    uint32_t *item)
{
	struct iommu_test_cmd cmd;
	int ret;

	ta_cmd(&cmd, IOMMU_TEST_OP_ACCESS_PAGES, (uint32_t)afd);
	cmd.access_pages.flags = flags;
	cmd.access_pages.iova = iova;
	cmd.access_pages.length = len;
	cmd.access_pages.uptr = uptr;
	cmd.access_pages.out_access_pages_id = 0xdeadbeef;
	ret = ioctl(fd, IOMMU_TEST_CMD, &cmd);
	if (!ret && item)
		*item = cmd.access_pages.out_access_pages_id;
	return ret;
}

/* DESTROY_ACCESS_PAGES (§4.6). */
static int ta_unpin(int fd, int afd, uint32_t item)
{
	struct iommu_test_cmd cmd;

	ta_cmd(&cmd, IOMMU_TEST_OP_DESTROY_ACCESS_PAGES, (uint32_t)afd);
	cmd.destroy_access_pages.access_pages_id = item;
	return ioctl(fd, IOMMU_TEST_CMD, &cmd);
}

/* ACCESS_RW (§4.8). */
static int ta_rw(int fd, int afd, uint64_t iova, uint64_t uptr, uint64_t len, uint32_t flags)
{
	struct iommu_test_cmd cmd;

	ta_cmd(&cmd, IOMMU_TEST_OP_ACCESS_RW, (uint32_t)afd);
	cmd.access_rw.iova = iova;
	cmd.access_rw.length = len;
	cmd.access_rw.uptr = uptr;
	cmd.access_rw.flags = flags;
	return ioctl(fd, IOMMU_TEST_CMD, &cmd);
}

/* ACCESS_REPLACE_IOAS (§4.11). */
static int ta_replace(int fd, int afd, uint32_t ioas)
{
	struct iommu_test_cmd cmd;

	ta_cmd(&cmd, IOMMU_TEST_OP_ACCESS_REPLACE_IOAS, (uint32_t)afd);
	cmd.access_replace_ioas.ioas_id = ioas;
	return ioctl(fd, IOMMU_TEST_CMD, &cmd);
}

/* MD_CHECK_REFS (§4.4): every page of [buf, buf + len) has @refs pins. */
static int ta_refs(int fd, const void *buf, uint64_t len, uint32_t refs)
{
	struct iommu_test_cmd cmd;

	ta_cmd(&cmd, IOMMU_TEST_OP_MD_CHECK_REFS, 0);
	cmd.check_refs.length = len;
	cmd.check_refs.uptr = U(buf);
	cmd.check_refs.refs = refs;
	return ioctl(fd, IOMMU_TEST_CMD, &cmd);
}

/* MOCK_DOMAIN (§4.2): a mock device attached to @pt. */
static int ta_mock_domain(int fd, uint32_t pt, uint32_t *stdev, uint32_t *hwpt)
{
	struct iommu_test_cmd cmd;
	int ret;

	ta_cmd(&cmd, IOMMU_TEST_OP_MOCK_DOMAIN, pt);
	ret = ioctl(fd, IOMMU_TEST_CMD, &cmd);
	if (!ret) {
		if (stdev)
			*stdev = cmd.mock_domain.out_stdev_id;
		if (hwpt)
			*hwpt = cmd.mock_domain.out_hwpt_id;
	}
	return ret;
}

/* MD_CHECK_MAP (§4.3): the domain maps [iova, iova + len) to exactly @buf. */
static int ta_check_map(int fd, uint32_t hwpt, uint64_t iova, const void *buf, uint64_t len)
{
	struct iommu_test_cmd cmd;

	ta_cmd(&cmd, IOMMU_TEST_OP_MD_CHECK_MAP, hwpt);
	cmd.check_map.iova = iova;
	cmd.check_map.length = len;
	cmd.check_map.uptr = U(buf);
	return ioctl(fd, IOMMU_TEST_CMD, &cmd);
}

/* out_iova_alignment of IOVA_RANGES (abi §4.5), or 0 if the call fails. */
static uint64_t ta_align(int fd, uint32_t ioas)
{
	struct iommu_iova_range r[8];
	uint32_t num = 8;
	uint64_t align = 0;

	if (ioas_iova_ranges(fd, ioas, r, &num, &align))
		return 0;
	return align;
}

/* ------------------------------------------------------------------------ */
/* Memory and contexts                                                       */

static uint32_t rnd_state = 0x2545f491;

static uint32_t rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 17;
	rnd_state ^= rnd_state << 5;
	return rnd_state;
}

static void fill_random(uint8_t *p, uint64_t len)
{
	uint64_t i;

	for (i = 0; i < len; i++)
		p[i] = (uint8_t)rnd();
}

/*
 * Shared anonymous memory like the kernel selftest's buffer, every byte
 * written (so every page exists) with random contents.
 */
static uint8_t *shm(uint64_t len)
{
	uint8_t *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	fill_random(p, len);
	return p;
}

static void unmap_mem(void *p, uint64_t len)
{
	if (p)
		munmap(p, len);
}

/* A memfd of @len bytes, or -1. */
static int memfd_of(uint64_t len)
{
	int mfd = memfd_create("sio-access", MFD_CLOEXEC);

	if (mfd < 0)
		return -1;
	if (ftruncate(mfd, (off_t)len)) {
		close(mfd);
		return -1;
	}
	return mfd;
}

/* Two pages, the second PROT_NONE: base + PS - n is n bytes before a hole. */
static uint8_t *guarded(void)
{
	uint8_t *p = mmap(NULL, 2 * PS, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1,
			  0);

	if (p == MAP_FAILED)
		return NULL;
	memset(p, 0x11, PS);
	if (mprotect(p + PS, PS, PROT_NONE)) {
		munmap(p, 2 * PS);
		return NULL;
	}
	return p;
}

/* /dev/iommu with one IOAS. */
static int ctx_open(uint32_t *ioas)
{
	int fd = iommufd_open();

	if (fd < 0) {
		fprintf(stderr, "# open(%s): %s\n", IOMMU_DEV_PATH, strerror(errno));
		return -1;
	}
	if (ioas_alloc(fd, ioas)) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Map @len bytes of @buf at the fixed IOVA @iova. */
static int map_at(int fd, uint32_t ioas, const void *buf, uint64_t len, uint64_t iova,
		  uint32_t prot)
{
	return ioas_map(fd, ioas, buf, len, &iova, IOMMU_IOAS_MAP_FIXED_IOVA | prot);
}

/* Bytes unmapped by IOAS_UNMAP of [iova, iova + len), or (uint64_t)-1. */
static uint64_t unmap_len(int fd, uint32_t ioas, uint64_t iova, uint64_t len)
{
	uint64_t out = 0;

	if (ioas_unmap(fd, ioas, iova, len, &out))
		return (uint64_t)-1;
	return out;
}

/* An fd number that is certainly not open: the lowest free one. */
static int closed_fd(void)
{
	int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);

	if (fd >= 0)
		close(fd);
	return fd;
}

/* ------------------------------------------------------------------------ */
/* CREATE_ACCESS (§4.5)                                                      */

TEST(create_access_errno)
{
	uint32_t ioas = 0, ioas2 = 0, stdev = 0, hwpt = 0;
	int fd, rfd = -1, pfd = -1, afd = -1, free_fd;

	fd = ctx_open(&ioas);
	REQUIRE(fd >= 0);
	REQUIRE_OK(ioas_alloc(fd, &ioas2));
	REQUIRE_OK(ta_mock_domain(fd, ioas2, &stdev, &hwpt));
	free_fd = closed_fd();

	/* Flags beyond NEEDS_PIN_PAGES: EOPNOTSUPP, before the IOAS is looked up. */
	CHECK_ERR(ta_create_access(fd, ioas, 1u << 1, &afd), EOPNOTSUPP);
	CHECK_ERR(ta_create_access(fd, ioas, PIN | (1u << 31), &afd), EOPNOTSUPP);
	CHECK_ERR(ta_create_access(fd, 9999, ~0u, &afd), EOPNOTSUPP);

	/* The id must name an IOAS (§4.5; typed lookups, abi §3.2). */
	CHECK_ERR(ta_create_access(fd, 0, 0, &afd), ENOENT);
	CHECK_ERR(ta_create_access(fd, 9999, PIN, &afd), ENOENT);
	CHECK_ERR(ta_create_access(fd, hwpt, 0, &afd), ENOENT);
	CHECK_ERR(ta_create_access(fd, stdev, PIN, &afd), ENOENT);

	/* Failed creations left no fd behind. */
	CHECK_EQ(closed_fd(), free_fd);

	/* Both flavours; the fd is O_CLOEXEC as the kernel's (get_unused_fd_flags). */
	REQUIRE_OK(ta_create_access(fd, ioas, 0, &rfd));
	REQUIRE_OK(ta_create_access(fd, ioas, PIN, &pfd));
	CHECK(rfd >= 0 && pfd >= 0 && rfd != pfd && rfd != fd && pfd != fd);
	CHECK_EQ(fcntl(rfd, F_GETFD), FD_CLOEXEC);
	CHECK_EQ(fcntl(pfd, F_GETFD), FD_CLOEXEC);
	/* An access on an IOAS that has a domain. */
	REQUIRE_OK(ta_create_access(fd, ioas2, PIN, &afd));
	CHECK_OK(close(afd));

	/* abi §3.3: an ACCESS holds a users reference on its IOAS. */
	CHECK_ERR(iommu_destroy(fd, ioas), EBUSY);
	CHECK_OK(close(rfd));
	CHECK_ERR(iommu_destroy(fd, ioas), EBUSY);
	CHECK_OK(close(pfd));
	CHECK_OK(iommu_destroy(fd, ioas));
	CHECK_ERR(ta_create_access(fd, ioas, 0, &afd), ENOENT);
	CHECK_OK(close(fd));
}

/* §4.5 / abi §3.4: the pinning flavour raises the IOAS alignment to PAGE_SIZE. */
TEST(create_access_alignment)
{
	uint32_t ioas = 0, ioas2 = 0;
	int fd, rfd = -1, pfd = -1, pfd2 = -1;
	uint8_t *buf = shm(4 * PS);
	uint64_t iova;

	REQUIRE(buf);
	fd = ctx_open(&ioas);
	REQUIRE(fd >= 0);
	CHECK_EQ(ta_align(fd, ioas), 1);

	/* The rw-only flavour does not change it. */
	REQUIRE_OK(ta_create_access(fd, ioas, 0, &rfd));
	CHECK_EQ(ta_align(fd, ioas), 1);

	REQUIRE_OK(ta_create_access(fd, ioas, PIN, &pfd));
	CHECK_EQ(ta_align(fd, ioas), PS);
	REQUIRE_OK(ta_create_access(fd, ioas, PIN, &pfd2));
	CHECK_EQ(ta_align(fd, ioas), PS);
	CHECK_OK(close(pfd));
	CHECK_EQ(ta_align(fd, ioas), PS);

	/* abi §4.6: while it is PAGE_SIZE, misaligned maps are EINVAL. */
	iova = BASE + 1;
	CHECK_ERR(ioas_map(fd, ioas, buf, PS, &iova, MAP_FIXED_RW), EINVAL);
	iova = BASE + PS / 2;
	CHECK_ERR(ioas_map(fd, ioas, buf, PS, &iova, MAP_FIXED_RW), EINVAL);
	iova = BASE;
	CHECK_ERR(ioas_map(fd, ioas, buf, PS + 1, &iova, MAP_FIXED_RW), EINVAL);
	CHECK_ERR(ioas_map(fd, ioas, buf + 1, PS, &iova, MAP_FIXED_RW), EINVAL);
	CHECK_OK(map_at(fd, ioas, buf, PS, BASE, MAP_RW));

	/* Closing the last pinning access brings it back to 1 (rfd stays). */
	CHECK_OK(close(pfd2));
	CHECK_EQ(ta_align(fd, ioas), 1);
	CHECK_OK(map_at(fd, ioas, buf + 1, PS, BASE + 2 * PS + 1, MAP_RW));
	CHECK_OK(close(rfd));
	CHECK_EQ(ta_align(fd, ioas), 1);

	/* With a mock domain (testops §3.2: 2048) the maximum wins, then 2048 again. */
	REQUIRE_OK(ioas_alloc(fd, &ioas2));
	REQUIRE_OK(ta_mock_domain(fd, ioas2, NULL, NULL));
	CHECK_EQ(ta_align(fd, ioas2), MOCK_PAGE_SIZE);
	REQUIRE_OK(ta_create_access(fd, ioas2, PIN, &pfd));
	CHECK_EQ(ta_align(fd, ioas2), PS > MOCK_PAGE_SIZE ? PS : MOCK_PAGE_SIZE);
	CHECK_OK(close(pfd));
	CHECK_EQ(ta_align(fd, ioas2), MOCK_PAGE_SIZE);

	CHECK_OK(close(fd));
	unmap_mem(buf, 4 * PS);
}

/* abi §3.4: raising the alignment while a misaligned area exists → EADDRINUSE. */
TEST(create_access_misaligned_area)
{
	static const struct {
		const char *what;
		uint64_t iova_off;	/* in bytes, or in half pages if half_page */
		bool half_page;
		uint64_t va_off, len_extra;
	} cases[] = {
		{ "byte-aligned fixed IOVA", 1, false, 0, 0 },
		{ "half-page IOVA (mock-domain aligned)", 1, true, 0, 0 },
		{ "length not a page multiple", 0, false, 0, 1 },
		{ "sub-page offset of user_va", 0, false, 1, 0 },
	};
	uint8_t *buf = shm(4 * PS);
	unsigned int i;

	REQUIRE(buf);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint64_t iova_off = cases[i].iova_off * (cases[i].half_page ? PS / 2 : 1);
		uint32_t ioas = 0;
		int fd, afd = -1, free_fd;

		fprintf(stderr, "# case: %s\n", cases[i].what);
		fd = ctx_open(&ioas);
		REQUIRE(fd >= 0);
		/* Alignment 1: any such area maps. */
		CHECK_OK(map_at(fd, ioas, buf + cases[i].va_off, PS + cases[i].len_extra,
				BASE + iova_off, MAP_RW));
		free_fd = closed_fd();
		CHECK_ERR(ta_create_access(fd, ioas, PIN, &afd), EADDRINUSE);
		CHECK_EQ(closed_fd(), free_fd);
		CHECK_EQ(ta_align(fd, ioas), 1);
		/* The rw-only flavour needs no alignment. */
		if (CHECK_OK(ta_create_access(fd, ioas, 0, &afd)))
			CHECK_OK(close(afd));
		/* Once the area is gone the pinning access can be created. */
		CHECK_EQ(unmap_len(fd, ioas, 0, UINT64_MAX), PS + cases[i].len_extra);
		if (CHECK_OK(ta_create_access(fd, ioas, PIN, &afd))) {
			CHECK_EQ(ta_align(fd, ioas), PS);
			CHECK_OK(close(afd));
		}
		/* No failed creation kept a reference on the IOAS (abi §3.3). */
		CHECK_OK(iommu_destroy(fd, ioas));
		CHECK_OK(close(fd));
	}
	unmap_mem(buf, 4 * PS);
}

/* ------------------------------------------------------------------------ */
/* ACCESS_PAGES (§4.7) and DESTROY_ACCESS_PAGES (§4.6)                       */

/* Every errno of ACCESS_PAGES, each alone and in the kernel's order. */
TEST(access_pages_errno)
{
	const uint64_t n = 16, ro_iova = BASE + 32 * PS, gap_iova = BASE + n * PS;
	uint8_t *buf = shm(n * PS), *other = shm(n * PS), *ro = shm(2 * PS);
	int fd, pfd = -1, rfd = -1, p[2] = { -1, -1 }, gone;
	uint32_t ioas = 0, id = 0;

	REQUIRE(buf && other && ro);
	fd = ctx_open(&ioas);
	REQUIRE(fd >= 0);
	REQUIRE_OK(pipe(p));
	REQUIRE_OK(map_at(fd, ioas, buf, n * PS, BASE, MAP_RW));
	REQUIRE_OK(map_at(fd, ioas, ro, 2 * PS, ro_iova, IOMMU_IOAS_MAP_READABLE));
	REQUIRE_OK(ta_create_access(fd, ioas, PIN, &pfd));
	REQUIRE_OK(ta_create_access(fd, ioas, 0, &rfd));
	gone = closed_fd();

	/* 1. length > 16 MiB: ENOMEM before anything else. */
	CHECK_ERR(ta_pages(fd, pfd, 0, BASE, ACCESS_MAX_LEN + 1, U(buf), &id), ENOMEM);
	CHECK_ERR(ta_pages(fd, -1, 1u << 9, UINT64_MAX, ACCESS_MAX_LEN + 1, 0, &id), ENOMEM);
	CHECK_ERR(ta_pages(fd, fd, 0, BASE, UINT64_MAX, 0, &id), ENOMEM);
	CHECK_ERR(ta_pages(fd, rfd, 0, BASE, ACCESS_MAX_LEN + PS, 0, &id), ENOMEM);
	/* 16 MiB itself passes that check (the range then has a hole). */
	CHECK_ERR(ta_pages(fd, pfd, 0, BASE, ACCESS_MAX_LEN, 0, &id), ENOENT);

	/* 2. flags beyond WRITE | SYZ: EOPNOTSUPP, before the fd. */
	CHECK_ERR(ta_pages(fd, pfd, 1u << 1, BASE, PS, U(buf), &id), EOPNOTSUPP);
	CHECK_ERR(ta_pages(fd, pfd, MOCK_FLAGS_ACCESS_WRITE | (1u << 31), BASE, PS, U(buf), &id),
		  EOPNOTSUPP);
	CHECK_ERR(ta_pages(fd, -1, 1u << 15, BASE, PS, 0, &id), EOPNOTSUPP);
	CHECK_ERR(ta_pages(fd, fd, 1u << 17, BASE, 0, 0, &id), EOPNOTSUPP);

	/* 3. the id must be an access fd (§3.6): EBADFD, before the flavour and length. */
	CHECK_ERR(ta_pages(fd, fd, 0, BASE, PS, U(buf), &id), EBADFD);
	CHECK_ERR(ta_pages(fd, -1, 0, BASE, PS, U(buf), &id), EBADFD);
	CHECK_ERR(ta_pages(fd, p[0], 0, BASE, PS, U(buf), &id), EBADFD);
	CHECK_ERR(ta_pages(fd, p[1], 0, BASE, 0, 0, &id), EBADFD);
	CHECK_ERR(ta_pages(fd, gone, 0, BASE, PS, U(buf), &id), EBADFD);

	/* 4. an access without NEEDS_PIN_PAGES: EOPNOTSUPP, before the length checks. */
	CHECK_ERR(ta_pages(fd, rfd, 0, BASE, PS, U(buf), &id), EOPNOTSUPP);
	CHECK_ERR(ta_pages(fd, rfd, MOCK_FLAGS_ACCESS_WRITE, BASE, 0, 0, &id), EOPNOTSUPP);
	CHECK_ERR(ta_pages(fd, rfd, 0, UINT64_MAX, 2, 0, &id), EOPNOTSUPP);

	/* 5. length 0: EINVAL, before overflow and holes. */
	CHECK_ERR(ta_pages(fd, pfd, 0, BASE, 0, U(buf), &id), EINVAL);
	CHECK_ERR(ta_pages(fd, pfd, 0, UINT64_MAX, 0, 0, &id), EINVAL);
	CHECK_ERR(ta_pages(fd, pfd, MOCK_FLAGS_ACCESS_WRITE, gap_iova, 0, 0, &id), EINVAL);

	/* 6. iova + length - 1 overflows: EOVERFLOW, before holes. */
	CHECK_ERR(ta_pages(fd, pfd, 0, UINT64_MAX, 2, 0, &id), EOVERFLOW);
	CHECK_ERR(ta_pages(fd, pfd, 0, UINT64_MAX - PS + 1, 2 * PS, 0, &id), EOVERFLOW);
	/* Exactly reaching the top is no overflow, just a hole. */
	CHECK_ERR(ta_pages(fd, pfd, 0, UINT64_MAX, 1, 0, &id), ENOENT);
	CHECK_ERR(ta_pages(fd, pfd, 0, UINT64_MAX - PS + 1, PS, 0, &id), ENOENT);

	/* 7. any hole: ENOENT. */
	CHECK_ERR(ta_pages(fd, pfd, 0, BASE - PS, PS, 0, &id), ENOENT);
	CHECK_ERR(ta_pages(fd, pfd, 0, BASE - PS, 2 * PS, 0, &id), ENOENT);
	CHECK_ERR(ta_pages(fd, pfd, 0, BASE - 1, 2, 0, &id), ENOENT);
	CHECK_ERR(ta_pages(fd, pfd, 0, gap_iova - 1, 2, 0, &id), ENOENT);
	CHECK_ERR(ta_pages(fd, pfd, 0, gap_iova, PS, 0, &id), ENOENT);
	CHECK_ERR(ta_pages(fd, pfd, 0, gap_iova - PS, ro_iova + PS - gap_iova + PS, 0, &id),
		  ENOENT);
	CHECK_ERR(ta_pages(fd, pfd, 0, 0, PS, 0, &id), ENOENT);

	/* 8. write pin of a read-only area: EPERM; a read pin works. */
	CHECK_ERR(ta_pages(fd, pfd, MOCK_FLAGS_ACCESS_WRITE, ro_iova, PS, U(ro), &id), EPERM);
	CHECK_ERR(ta_pages(fd, pfd, MOCK_FLAGS_ACCESS_WRITE, ro_iova + PS, 1, 0, &id), EPERM);
	CHECK_OK(ta_refs(fd, ro, 2 * PS, 0));
	if (CHECK_OK(ta_pages(fd, pfd, 0, ro_iova, 2 * PS, U(ro), &id))) {
		CHECK_OK(ta_refs(fd, ro, 2 * PS, 1));
		CHECK_OK(ta_unpin(fd, pfd, id));
	}
	/* ... and a write pin of a writeable area too. */
	if (CHECK_OK(ta_pages(fd, pfd, MOCK_FLAGS_ACCESS_WRITE, BASE, PS, U(buf), &id)))
		CHECK_OK(ta_unpin(fd, pfd, id));

	/* 9. uptr must be the memory behind the IOVA: EBADE; nothing stays pinned. */
	CHECK_ERR(ta_pages(fd, pfd, 0, BASE, n * PS, U(other), &id), EBADE);
	CHECK_ERR(ta_pages(fd, pfd, 0, BASE, PS, U(buf + PS), &id), EBADE);
	CHECK_ERR(ta_pages(fd, pfd, 0, BASE + PS, 2 * PS, U(buf), &id), EBADE);
	CHECK_ERR(ta_pages(fd, pfd, MOCK_FLAGS_ACCESS_WRITE, BASE, PS, U(ro), &id), EBADE);
	CHECK_OK(ta_refs(fd, buf, n * PS, 0));
	CHECK_OK(ta_refs(fd, ro, 2 * PS, 0));

	/* uptr is taken down by the IOVA's sub-page offset. */
	if (CHECK_OK(ta_pages(fd, pfd, 0, BASE + 100, 10, U(buf + 100), &id)))
		CHECK_OK(ta_unpin(fd, pfd, id));
	if (CHECK_OK(ta_pages(fd, pfd, 0, BASE + 2 * PS - 1, 2, U(buf + 2 * PS - 1), &id)))
		CHECK_OK(ta_unpin(fd, pfd, id));
	CHECK_ERR(ta_pages(fd, pfd, 0, BASE + 100, 10, U(buf + PS + 100), &id), EBADE);

	/* uptr 0 skips the check. */
	if (CHECK_OK(ta_pages(fd, pfd, 0, BASE, n * PS, 0, &id)))
		CHECK_OK(ta_unpin(fd, pfd, id));
	CHECK_OK(ta_refs(fd, buf, n * PS, 0));

	/* DESTROY_ACCESS_PAGES (§4.6): EBADFD before ENOENT. */
	CHECK_ERR(ta_unpin(fd, fd, 12345), EBADFD);
	CHECK_ERR(ta_unpin(fd, -1, 0), EBADFD);
	CHECK_ERR(ta_unpin(fd, p[0], 0), EBADFD);
	CHECK_ERR(ta_unpin(fd, gone, 0), EBADFD);
	CHECK_ERR(ta_unpin(fd, pfd, 12345), ENOENT);
	/* The rw-only flavour has no items, but the op is not refused. */
	CHECK_ERR(ta_unpin(fd, rfd, 0), ENOENT);

	close(p[0]);
	close(p[1]);
	CHECK_OK(close(rfd));
	CHECK_OK(close(pfd));
	CHECK_OK(close(fd));
	unmap_mem(buf, n * PS);
	unmap_mem(other, n * PS);
	unmap_mem(ro, 2 * PS);
}

/* Item IDs: a running counter from 0 per access; failed pins take none (§4.7). */
TEST(access_pages_ids)
{
	const uint64_t n = 4;
	uint8_t *buf = shm(n * PS), *other = shm(PS);
	uint32_t ioas = 0, id = 99, id2 = 99;
	int fd, pfd = -1, pfd2 = -1;

	REQUIRE(buf && other);
	fd = ctx_open(&ioas);
	REQUIRE(fd >= 0);
	REQUIRE_OK(map_at(fd, ioas, buf, n * PS, BASE, MAP_RW));
	REQUIRE_OK(ta_create_access(fd, ioas, PIN, &pfd));

	/* Failures first: they must not consume IDs. */
	CHECK_ERR(ta_pages(fd, pfd, 0, BASE, PS, U(other), &id), EBADE);
	CHECK_ERR(ta_pages(fd, pfd, 0, BASE + n * PS, PS, 0, &id), ENOENT);
	CHECK_ERR(ta_pages(fd, pfd, 0, BASE, 0, 0, &id), EINVAL);
	CHECK_ERR(ta_unpin(fd, pfd, 0), ENOENT);

	REQUIRE_OK(ta_pages(fd, pfd, 0, BASE, PS, U(buf), &id));
	CHECK_EQ(id, 0);
	REQUIRE_OK(ta_pages(fd, pfd, 0, BASE, PS, U(buf), &id));
	CHECK_EQ(id, 1);
	REQUIRE_OK(ta_pages(fd, pfd, 0, BASE + PS, PS, U(buf + PS), &id));
	CHECK_EQ(id, 2);
	CHECK_OK(ta_unpin(fd, pfd, 1));
	CHECK_ERR(ta_unpin(fd, pfd, 1), ENOENT);
	/* IDs are not reused. */
	REQUIRE_OK(ta_pages(fd, pfd, 0, BASE, 2 * PS, U(buf), &id));
	CHECK_EQ(id, 3);
	CHECK_ERR(ta_unpin(fd, pfd, 4), ENOENT);
	CHECK_ERR(ta_unpin(fd, pfd, UINT32_MAX), ENOENT);

	/* A second access counts from 0 on its own; items are per access. */
	REQUIRE_OK(ta_create_access(fd, ioas, PIN, &pfd2));
	REQUIRE_OK(ta_pages(fd, pfd2, 0, BASE, PS, U(buf), &id2));
	CHECK_EQ(id2, 0);
	CHECK_ERR(ta_unpin(fd, pfd2, 2), ENOENT);
	CHECK_ERR(ta_unpin(fd, pfd2, 3), ENOENT);
	CHECK_OK(ta_unpin(fd, pfd2, 0));
	CHECK_ERR(ta_unpin(fd, pfd2, 0), ENOENT);

	CHECK_OK(ta_unpin(fd, pfd, 0));
	CHECK_OK(ta_unpin(fd, pfd, 2));
	CHECK_OK(ta_unpin(fd, pfd, 3));
	CHECK_OK(ta_refs(fd, buf, n * PS, 0));
	/* The counter goes on after everything was destroyed. */
	REQUIRE_OK(ta_pages(fd, pfd, 0, BASE, PS, U(buf), &id));
	CHECK_EQ(id, 4);

	CHECK_OK(close(pfd2));
	CHECK_OK(close(pfd));
	CHECK_OK(ta_refs(fd, buf, n * PS, 0));
	CHECK_OK(close(fd));
	unmap_mem(buf, n * PS);
	unmap_mem(other, PS);
}

/* Pin counts (§4.4): one pin per page per pages object (abi §3.4). */
TEST(access_pages_refs)
{
	const uint64_t n = 16;
	uint8_t *buf = shm(n * PS);
	uint32_t ioas = 0, a = 0, b = 0, c = 0, stdev = 0, hwpt = 0;
	int fd, pfd = -1;
	uint64_t iova;

	REQUIRE(buf);
	fd = ctx_open(&ioas);
	REQUIRE(fd >= 0);
	REQUIRE_OK(map_at(fd, ioas, buf, n * PS, BASE, MAP_RW));
	REQUIRE_OK(ta_create_access(fd, ioas, PIN, &pfd));
	/* No domain and no pin yet: mapping does not pin (abi §3.4). */
	CHECK_OK(ta_refs(fd, buf, n * PS, 0));
	/* The checker itself really compares. */
	CHECK_ERR(ta_refs(fd, buf, n * PS, 1), EIO);

	/* Single pin, then unpin. */
	REQUIRE_OK(ta_pages(fd, pfd, 0, BASE, n * PS, U(buf), &a));
	CHECK_OK(ta_refs(fd, buf, n * PS, 1));
	CHECK_ERR(ta_refs(fd, buf, n * PS, 0), EIO);
	CHECK_ERR(ta_refs(fd, buf, n * PS, 2), EIO);
	CHECK_OK(ta_unpin(fd, pfd, a));
	CHECK_OK(ta_refs(fd, buf, n * PS, 0));

	/* The same range twice: two items, still one pin, 0 only after both. */
	REQUIRE_OK(ta_pages(fd, pfd, 0, BASE, n * PS, U(buf), &a));
	REQUIRE_OK(ta_pages(fd, pfd, MOCK_FLAGS_ACCESS_WRITE, BASE, n * PS, U(buf), &b));
	CHECK(a != b);
	CHECK_OK(ta_refs(fd, buf, n * PS, 1));
	CHECK_OK(ta_unpin(fd, pfd, a));
	CHECK_OK(ta_refs(fd, buf, n * PS, 1));
	CHECK_OK(ta_unpin(fd, pfd, b));
	CHECK_OK(ta_refs(fd, buf, n * PS, 0));

	/* Partial pins cover exactly their pages. */
	REQUIRE_OK(ta_pages(fd, pfd, 0, BASE + 2 * PS, 2 * PS, U(buf + 2 * PS), &a));
	REQUIRE_OK(ta_pages(fd, pfd, 0, BASE + 6 * PS + 7, 1, U(buf + 6 * PS + 7), &b));
	CHECK_OK(ta_refs(fd, buf, 2 * PS, 0));
	CHECK_OK(ta_refs(fd, buf + 2 * PS, 2 * PS, 1));
	CHECK_OK(ta_refs(fd, buf + 4 * PS, 2 * PS, 0));
	CHECK_OK(ta_refs(fd, buf + 6 * PS, PS, 1));
	CHECK_OK(ta_refs(fd, buf + 7 * PS, (n - 7) * PS, 0));

	/* A mock domain pins everything; pages pinned by both still count 1. */
	REQUIRE_OK(ta_mock_domain(fd, ioas, &stdev, &hwpt));
	CHECK_OK(ta_refs(fd, buf, n * PS, 1));
	CHECK_OK(ta_check_map(fd, hwpt, BASE, buf, n * PS));
	REQUIRE_OK(ta_pages(fd, pfd, 0, BASE, n * PS, U(buf), &c));
	CHECK_OK(ta_refs(fd, buf, n * PS, 1));
	CHECK_OK(ta_unpin(fd, pfd, c));
	CHECK_OK(ta_refs(fd, buf, n * PS, 1));
	/* Without the domain only the access's pins remain. */
	CHECK_OK(iommu_destroy(fd, stdev));
	CHECK_OK(ta_refs(fd, buf, 2 * PS, 0));
	CHECK_OK(ta_refs(fd, buf + 2 * PS, 2 * PS, 1));
	CHECK_OK(ta_refs(fd, buf + 4 * PS, 2 * PS, 0));
	CHECK_OK(ta_refs(fd, buf + 6 * PS, PS, 1));
	CHECK_OK(ta_refs(fd, buf + 7 * PS, (n - 7) * PS, 0));
	CHECK_OK(ta_unpin(fd, pfd, a));
	CHECK_OK(ta_unpin(fd, pfd, b));
	CHECK_OK(ta_refs(fd, buf, n * PS, 0));

	/* IOAS_COPY shares the pages object: pinning the copy too is still 1. */
	iova = BASE + 64 * PS;
	REQUIRE_OK(ioas_copy(fd, ioas, ioas, BASE, n * PS, &iova, MAP_FIXED_RW));
	REQUIRE_OK(ta_pages(fd, pfd, 0, BASE, n * PS, U(buf), &a));
	REQUIRE_OK(ta_pages(fd, pfd, 0, iova, n * PS, U(buf), &b));
	CHECK_OK(ta_refs(fd, buf, n * PS, 1));
	CHECK_OK(ta_unpin(fd, pfd, a));
	CHECK_OK(ta_refs(fd, buf, n * PS, 1));
	CHECK_OK(ta_unpin(fd, pfd, b));
	CHECK_OK(ta_refs(fd, buf, n * PS, 0));
	CHECK_EQ(unmap_len(fd, ioas, iova, n * PS), n * PS);

	/* A second IOAS_MAP of the same memory is another pages object: 2 pins. */
	REQUIRE_OK(map_at(fd, ioas, buf, n * PS, BASE + 32 * PS, MAP_RW));
	REQUIRE_OK(ta_pages(fd, pfd, 0, BASE, n * PS, U(buf), &a));
	REQUIRE_OK(ta_pages(fd, pfd, 0, BASE + 32 * PS, n * PS, U(buf), &b));
	CHECK_OK(ta_refs(fd, buf, n * PS, 2));
	CHECK_OK(ta_unpin(fd, pfd, a));
	CHECK_OK(ta_refs(fd, buf, n * PS, 1));

	/* Closing the access fd unpins what it still holds (§3.6). */
	CHECK_OK(close(pfd));
	CHECK_OK(ta_refs(fd, buf, n * PS, 0));
	CHECK_OK(close(fd));
	unmap_mem(buf, n * PS);
}

/* The kernel's access_pin: map, pin, double pin, a domain added under a pin. */
TEST(access_pin_domain_cycle)
{
	const uint64_t n = 16;
	uint8_t *buf = shm(n * PS);
	uint32_t ioas = 0, a = 0, b = 0, stdev = 0, hwpt = 0;
	int fd, pfd = -1;
	uint64_t np;

	REQUIRE(buf);
	fd = ctx_open(&ioas);
	REQUIRE(fd >= 0);
	REQUIRE_OK(ta_create_access(fd, ioas, PIN, &pfd));
	for (np = 1; np < n; np++) {
		uint64_t len = np * PS;

		REQUIRE_OK(map_at(fd, ioas, buf, n * PS, BASE, MAP_RW));
		REQUIRE_OK(ta_pages(fd, pfd, 0, BASE, len, U(buf), &a));
		CHECK_OK(ta_refs(fd, buf, len, 1));
		CHECK_OK(ta_unpin(fd, pfd, a));

		REQUIRE_OK(ta_pages(fd, pfd, 0, BASE, len, U(buf), &a));
		REQUIRE_OK(ta_pages(fd, pfd, 0, BASE, len, U(buf), &b));
		CHECK_OK(ta_unpin(fd, pfd, b));
		CHECK_OK(ta_unpin(fd, pfd, a));
		CHECK_OK(ta_refs(fd, buf, n * PS, 0));

		REQUIRE_OK(ta_pages(fd, pfd, 0, BASE, len, U(buf), &a));
		REQUIRE_OK(ta_mock_domain(fd, ioas, &stdev, &hwpt));
		CHECK_OK(ta_check_map(fd, hwpt, BASE, buf, n * PS));
		CHECK_OK(ta_refs(fd, buf, n * PS, 1));
		CHECK_OK(iommu_destroy(fd, stdev));
		CHECK_OK(ta_refs(fd, buf, len, 1));
		CHECK_OK(ta_refs(fd, buf + len, (n - np) * PS, 0));
		CHECK_OK(ta_unpin(fd, pfd, a));
		CHECK_OK(ta_refs(fd, buf, n * PS, 0));
		CHECK_EQ(unmap_len(fd, ioas, BASE, n * PS), n * PS);
	}
	CHECK_OK(close(pfd));
	CHECK_OK(close(fd));
	unmap_mem(buf, n * PS);
}

/* ACCESS_PAGES on memfd memory: a page is the same page through any mapping. */
TEST(access_pages_memfd)
{
	const uint64_t n = 4;
	uint8_t *m1 = MAP_FAILED, *m2 = MAP_FAILED, *m3 = MAP_FAILED, *priv = shm(n * PS);
	uint32_t ioas = 0, a = 0, stdev = 0;
	int fd = -1, mfd, pfd = -1;

	mfd = memfd_of(n * PS);
	REQUIRE(mfd >= 0 && priv);
	m1 = mmap(NULL, n * PS, PROT_READ | PROT_WRITE, MAP_SHARED, mfd, 0);
	m2 = mmap(NULL, n * PS, PROT_READ | PROT_WRITE, MAP_SHARED, mfd, 0);
	m3 = mmap(NULL, 2 * PS, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	REQUIRE(m1 != MAP_FAILED && m2 != MAP_FAILED && m3 != MAP_FAILED);
	fill_random(m1, n * PS);
	fd = ctx_open(&ioas);
	REQUIRE(fd >= 0);

	/* Through IOAS_MAP_FILE. */
	REQUIRE_OK(ioas_map_file(fd, ioas, mfd, 0, n * PS, &(uint64_t){ BASE }, MAP_FIXED_RW));
	REQUIRE_OK(ta_create_access(fd, ioas, PIN, &pfd));
	CHECK_OK(ta_refs(fd, m1, n * PS, 0));
	REQUIRE_OK(ta_pages(fd, pfd, 0, BASE, n * PS, U(m1), &a));
	CHECK_OK(ta_refs(fd, m1, n * PS, 1));
	CHECK_OK(ta_refs(fd, m2, n * PS, 1));
	CHECK_OK(ta_unpin(fd, pfd, a));
	CHECK_OK(ta_refs(fd, m1, n * PS, 0));
	/* Another VA of the same file pages is not EBADE; other memory is. */
	if (CHECK_OK(ta_pages(fd, pfd, 0, BASE + PS, 2 * PS, U(m2 + PS), &a)))
		CHECK_OK(ta_unpin(fd, pfd, a));
	CHECK_ERR(ta_pages(fd, pfd, 0, BASE, PS, U(priv), &a), EBADE);
	CHECK_ERR(ta_pages(fd, pfd, 0, BASE, 2 * PS, U(m1 + PS), &a), EBADE);
	/* Only the second page differs: file pages 0 and 2 side by side. */
	REQUIRE(mmap(m3, PS, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, mfd, 0) == m3);
	REQUIRE(mmap(m3 + PS, PS, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, mfd, 2 * PS) ==
		m3 + PS);
	if (CHECK_OK(ta_pages(fd, pfd, 0, BASE, PS, U(m3), &a)))
		CHECK_OK(ta_unpin(fd, pfd, a));
	CHECK_ERR(ta_pages(fd, pfd, 0, BASE, 2 * PS, U(m3), &a), EBADE);
	CHECK_ERR(ta_pages(fd, pfd, 0, BASE + PS - 1, 2, U(m3 + PS - 1), &a), EBADE);
	/*
	 * uptr pages are pinned one by one and compared: an unmapped page gives
	 * EFAULT, unless a page before it already differed (EBADE).
	 */
	REQUIRE(munmap(m3 + PS, PS) == 0);
	CHECK_ERR(ta_pages(fd, pfd, 0, BASE, 2 * PS, U(m3), &a), EFAULT);
	CHECK_ERR(ta_pages(fd, pfd, 0, BASE + PS, 2 * PS, U(m3), &a), EBADE);
	CHECK_ERR(ta_pages(fd, pfd, 0, BASE, PS, U(m3 + PS), &a), EFAULT);
	/* A mapping that cannot be read cannot be pinned: EFAULT too. */
	REQUIRE(mmap(m3 + PS, PS, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) ==
		m3 + PS);
	CHECK_ERR(ta_pages(fd, pfd, 0, BASE, 2 * PS, U(m3), &a), EFAULT);
	CHECK_OK(ta_refs(fd, m1, n * PS, 0));
	/* With a domain, the file pages are pinned once. */
	REQUIRE_OK(ta_pages(fd, pfd, 0, BASE, n * PS, U(m1), &a));
	REQUIRE_OK(ta_mock_domain(fd, ioas, &stdev, NULL));
	CHECK_OK(ta_refs(fd, m1, n * PS, 1));
	CHECK_OK(iommu_destroy(fd, stdev));
	CHECK_OK(ta_refs(fd, m1, n * PS, 1));
	/* Unmapping the area drops the item (abi §4.7). */
	CHECK_EQ(unmap_len(fd, ioas, BASE, n * PS), n * PS);
	CHECK_ERR(ta_unpin(fd, pfd, a), ENOENT);
	CHECK_OK(ta_refs(fd, m1, n * PS, 0));

	/* Through IOAS_MAP of the memfd's shared mapping. */
	REQUIRE_OK(map_at(fd, ioas, m1, n * PS, BASE, MAP_RW));
	if (CHECK_OK(ta_pages(fd, pfd, 0, BASE, n * PS, U(m2), &a))) {
		CHECK_OK(ta_refs(fd, m1, n * PS, 1));
		CHECK_OK(ta_unpin(fd, pfd, a));
	}
	CHECK_OK(ta_refs(fd, m1, n * PS, 0));

	CHECK_OK(close(pfd));
	CHECK_OK(close(fd));
	munmap(m1, n * PS);
	munmap(m2, n * PS);
	munmap(m3, 2 * PS);
	close(mfd);
	unmap_mem(priv, n * PS);
}

/* ------------------------------------------------------------------------ */
/* IOAS_UNMAP with accesses (abi §4.7, testops §3.6)                         */

TEST(unmap_drops_items)
{
	const uint64_t n = 8, b_iova = BASE + 8 * PS;
	uint8_t *bufa = shm(n * PS), *bufb = shm(n * PS);
	uint32_t ioas = 0, ia = 0, ib = 0, ix = 0, i2 = 0, stdev = 0;
	int fd, pfd = -1, pfd2 = -1;

	REQUIRE(bufa && bufb);
	fd = ctx_open(&ioas);
	REQUIRE(fd >= 0);
	/* Two adjacent areas A and B. */
	REQUIRE_OK(map_at(fd, ioas, bufa, n * PS, BASE, MAP_RW));
	REQUIRE_OK(map_at(fd, ioas, bufb, n * PS, b_iova, MAP_RW));
	REQUIRE_OK(ta_create_access(fd, ioas, PIN, &pfd));
	REQUIRE_OK(ta_create_access(fd, ioas, PIN, &pfd2));

	REQUIRE_OK(ta_pages(fd, pfd, 0, BASE, n * PS, U(bufa), &ia));
	REQUIRE_OK(ta_pages(fd, pfd, 0, b_iova, n * PS, U(bufb), &ib));
	/* One item across the boundary of A and B. */
	REQUIRE_OK(ta_pages(fd, pfd, 0, b_iova - 2 * PS, 4 * PS, 0, &ix));
	REQUIRE_OK(ta_pages(fd, pfd2, 0, BASE + PS, PS, U(bufa + PS), &i2));
	CHECK_OK(ta_refs(fd, bufa, n * PS, 1));
	CHECK_OK(ta_refs(fd, bufb, n * PS, 1));

	/* A failing unmap (splitting A) leaves every item alone. */
	CHECK_ERR(ioas_unmap(fd, ioas, BASE, 4 * PS, NULL), ENOENT);
	CHECK_ERR(ioas_unmap(fd, ioas, BASE + PS, n * PS, NULL), ENOENT);
	CHECK_OK(ta_refs(fd, bufa, n * PS, 1));

	/* Unmapping A succeeds: the callback drops every item overlapping it. */
	CHECK_EQ(unmap_len(fd, ioas, BASE, n * PS), n * PS);
	CHECK_ERR(ta_unpin(fd, pfd, ia), ENOENT);
	CHECK_ERR(ta_unpin(fd, pfd, ix), ENOENT);
	CHECK_ERR(ta_unpin(fd, pfd2, i2), ENOENT);
	CHECK_OK(ta_refs(fd, bufa, n * PS, 0));
	/* B's own item is untouched. */
	CHECK_OK(ta_refs(fd, bufb, n * PS, 1));
	CHECK_ERR(ta_pages(fd, pfd, 0, BASE, PS, U(bufa), &ia), ENOENT);
	CHECK_OK(ta_unpin(fd, pfd, ib));
	CHECK_OK(ta_refs(fd, bufb, n * PS, 0));

	/* Unmap-all meets a pin too. */
	REQUIRE_OK(ta_pages(fd, pfd, 0, b_iova, PS, U(bufb), &ib));
	CHECK_EQ(unmap_len(fd, ioas, 0, UINT64_MAX), n * PS);
	CHECK_ERR(ta_unpin(fd, pfd, ib), ENOENT);
	CHECK_OK(ta_refs(fd, bufb, n * PS, 0));

	/* Under a domain: the unmap releases both the domain's and the access's pins. */
	REQUIRE_OK(ta_mock_domain(fd, ioas, &stdev, NULL));
	REQUIRE_OK(map_at(fd, ioas, bufa, n * PS, BASE, MAP_RW));
	REQUIRE_OK(ta_pages(fd, pfd, MOCK_FLAGS_ACCESS_WRITE, BASE, n * PS, U(bufa), &ia));
	REQUIRE_OK(ta_pages(fd, pfd2, 0, BASE, n * PS, U(bufa), &i2));
	CHECK_OK(ta_refs(fd, bufa, n * PS, 1));
	CHECK_EQ(unmap_len(fd, ioas, BASE, n * PS), n * PS);
	CHECK_ERR(ta_unpin(fd, pfd, ia), ENOENT);
	CHECK_ERR(ta_unpin(fd, pfd2, i2), ENOENT);
	CHECK_OK(ta_refs(fd, bufa, n * PS, 0));
	CHECK_OK(iommu_destroy(fd, stdev));

	/* A rw-only access on the IOAS does not get in the way. */
	{
		int rfd = -1;

		REQUIRE_OK(ta_create_access(fd, ioas, 0, &rfd));
		REQUIRE_OK(map_at(fd, ioas, bufa, n * PS, BASE, MAP_RW));
		REQUIRE_OK(ta_pages(fd, pfd, 0, BASE, n * PS, U(bufa), &ia));
		CHECK_EQ(unmap_len(fd, ioas, BASE, n * PS), n * PS);
		CHECK_ERR(ta_unpin(fd, pfd, ia), ENOENT);
		CHECK_OK(close(rfd));
	}

	CHECK_OK(close(pfd2));
	CHECK_OK(close(pfd));
	CHECK_OK(close(fd));
	unmap_mem(bufa, n * PS);
	unmap_mem(bufb, n * PS);
}

/* ------------------------------------------------------------------------ */
/* ACCESS_RW (§4.8)                                                          */

TEST(access_rw_errno)
{
	const uint64_t n = 4, ro_iova = BASE + 8 * PS;
	uint8_t *buf = shm(n * PS), *ro = shm(PS), *g = guarded(), *big = MAP_FAILED;
	uint8_t tmp[64], save[64];
	int fd, rfd = -1, pfd = -1, p[2] = { -1, -1 }, gone;
	uint32_t ioas = 0;

	REQUIRE(buf && ro && g);
	big = mmap(NULL, ACCESS_MAX_LEN + PS, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	REQUIRE(big != MAP_FAILED);
	fd = ctx_open(&ioas);
	REQUIRE(fd >= 0);
	REQUIRE_OK(pipe(p));
	REQUIRE_OK(map_at(fd, ioas, buf, n * PS, BASE, MAP_RW));
	REQUIRE_OK(map_at(fd, ioas, ro, PS, ro_iova, IOMMU_IOAS_MAP_READABLE));
	REQUIRE_OK(ta_create_access(fd, ioas, 0, &rfd));
	REQUIRE_OK(ta_create_access(fd, ioas, PIN, &pfd));
	gone = closed_fd();

	/* 1. length > 16 MiB: ENOMEM before anything else. */
	CHECK_ERR(ta_rw(fd, rfd, BASE, U(big), ACCESS_MAX_LEN + 1, 0), ENOMEM);
	CHECK_ERR(ta_rw(fd, -1, UINT64_MAX, 0, ACCESS_MAX_LEN + 1, 1u << 9), ENOMEM);
	CHECK_ERR(ta_rw(fd, fd, BASE, U(big), UINT64_MAX, RW_WRITE), ENOMEM);
	/* 16 MiB itself passes (and then meets a hole). */
	CHECK_ERR(ta_rw(fd, rfd, BASE, U(big), ACCESS_MAX_LEN, 0), ENOENT);

	/* 2. flags beyond WRITE | SLOW_PATH | SYZ: EOPNOTSUPP, before the fd. */
	CHECK_ERR(ta_rw(fd, rfd, BASE, U(tmp), 8, 1u << 1), EOPNOTSUPP);
	CHECK_ERR(ta_rw(fd, rfd, BASE, U(tmp), 8, RW_WRITE | (1u << 3)), EOPNOTSUPP);
	CHECK_ERR(ta_rw(fd, -1, BASE, U(tmp), 8, RW_SLOW | (1u << 31)), EOPNOTSUPP);
	CHECK_ERR(ta_rw(fd, fd, BASE, 0, 0, 1u << 15), EOPNOTSUPP);

	/* 3. not an access fd: EBADFD. */
	CHECK_ERR(ta_rw(fd, fd, BASE, U(tmp), 8, 0), EBADFD);
	CHECK_ERR(ta_rw(fd, -1, BASE, U(tmp), 8, RW_WRITE), EBADFD);
	CHECK_ERR(ta_rw(fd, p[0], BASE, U(tmp), 8, 0), EBADFD);
	CHECK_ERR(ta_rw(fd, gone, BASE, U(tmp), 0, 0), EBADFD);

	/* 4. length 0: EINVAL (both flavours, both directions). */
	CHECK_ERR(ta_rw(fd, rfd, BASE, U(tmp), 0, 0), EINVAL);
	CHECK_ERR(ta_rw(fd, pfd, BASE, U(tmp), 0, RW_WRITE), EINVAL);
	CHECK_ERR(ta_rw(fd, rfd, UINT64_MAX, 0, 0, RW_WRITE), EINVAL);

	/* 5. iova + length - 1 overflows: EOVERFLOW, before holes. */
	CHECK_ERR(ta_rw(fd, rfd, UINT64_MAX, U(tmp), 2, 0), EOVERFLOW);
	CHECK_ERR(ta_rw(fd, pfd, UINT64_MAX - 7, U(tmp), 9, RW_WRITE), EOVERFLOW);

	/* 6. a hole anywhere in the range: ENOENT. */
	CHECK_ERR(ta_rw(fd, rfd, UINT64_MAX, U(tmp), 1, 0), ENOENT);
	CHECK_ERR(ta_rw(fd, rfd, BASE - 1, U(tmp), 2, 0), ENOENT);
	CHECK_ERR(ta_rw(fd, rfd, BASE - 8, U(tmp), 8, 0), ENOENT);
	CHECK_ERR(ta_rw(fd, pfd, BASE + n * PS - 1, U(tmp), 2, 0), ENOENT);
	CHECK_ERR(ta_rw(fd, rfd, BASE + n * PS, U(tmp), 1, RW_WRITE), ENOENT);
	CHECK_ERR(ta_rw(fd, rfd, ro_iova + PS - 4, U(tmp), 8, 0), ENOENT);
	CHECK_ERR(ta_rw(fd, rfd, ro_iova + PS - 4, U(tmp), 8, RW_SLOW), ENOENT);
	/* A range from the first area across the gap into the second. */
	CHECK_ERR(ta_rw(fd, rfd, BASE + n * PS - 8, U(big), ro_iova - BASE - n * PS + 16, 0),
		  ENOENT);
	/* (Linux copies area by area, so what precedes a hole may be written.) */
	memset(tmp, 0xee, sizeof(tmp));
	CHECK_ERR(ta_rw(fd, rfd, BASE + n * PS - 32, U(tmp), 33, RW_WRITE), ENOENT);

	/* 7. writing a read-only area: EPERM and no change; reading it works. */
	memcpy(save, ro + 100, 16);
	memset(tmp, 0x77, sizeof(tmp));
	CHECK_ERR(ta_rw(fd, rfd, ro_iova + 100, U(tmp), 16, RW_WRITE), EPERM);
	CHECK_ERR(ta_rw(fd, pfd, ro_iova, U(tmp), 1, RW_WRITE | RW_SLOW), EPERM);
	CHECK(!memcmp(save, ro + 100, 16));
	memset(tmp, 0, sizeof(tmp));
	CHECK_OK(ta_rw(fd, rfd, ro_iova + 100, U(tmp), 16, 0));
	CHECK(!memcmp(tmp, ro + 100, 16));

	/* 8. a bad user pointer: EFAULT. */
	CHECK_ERR(ta_rw(fd, rfd, BASE, U(g + PS), 16, 0), EFAULT);
	CHECK_ERR(ta_rw(fd, rfd, BASE, U(g + PS - 8), 16, 0), EFAULT);
	CHECK_ERR(ta_rw(fd, pfd, BASE, 0, 16, 0), EFAULT);
	memcpy(save, buf, 16);
	CHECK_ERR(ta_rw(fd, rfd, BASE, U(g + PS - 8), 16, RW_WRITE), EFAULT);
	CHECK_ERR(ta_rw(fd, pfd, BASE, 0, 16, RW_WRITE), EFAULT);
	CHECK_ERR(ta_rw(fd, rfd, BASE, U(g + PS), 1, RW_WRITE | RW_SLOW), EFAULT);
	/* A write that faults on the user side writes nothing. */
	CHECK(!memcmp(save, buf, 16));
	/*
	 * Kernel order (selftest.c): a write copies from the user first, so a
	 * bad pointer wins over a hole; a read looks up the IOVA first.
	 */
	CHECK_ERR(ta_rw(fd, rfd, BASE + n * PS, U(g + PS), 16, RW_WRITE), EFAULT);
	CHECK_ERR(ta_rw(fd, rfd, BASE + n * PS, U(g + PS), 16, 0), ENOENT);
	/* The exact fit into the last valid bytes is fine. */
	CHECK_OK(ta_rw(fd, rfd, BASE + 5, U(g + PS - 16), 16, 0));
	CHECK(!memcmp(g + PS - 16, buf + 5, 16));

	/* Both flavours read and write. */
	memcpy(tmp, "access-rw-test!", 16);
	CHECK_OK(ta_rw(fd, pfd, BASE + PS - 3, U(tmp), 16, RW_WRITE));
	CHECK(!memcmp(buf + PS - 3, "access-rw-test!", 16));
	memset(tmp, 0, sizeof(tmp));
	CHECK_OK(ta_rw(fd, rfd, BASE + PS - 3, U(tmp), 16, RW_SLOW));
	CHECK(!memcmp(tmp, "access-rw-test!", 16));

#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	/* SYZ (testops §2.2): iova = {u32 nth area, u32 offset}. */
	memset(tmp, 0, sizeof(tmp));
	CHECK_OK(ta_rw(fd, rfd, 1 | (10ull << 32), U(tmp), 8, MOCK_FLAGS_ACCESS_SYZ));
	CHECK(!memcmp(tmp, ro + 10, 8));
	memset(tmp, 0, sizeof(tmp));
	CHECK_OK(ta_rw(fd, rfd, 0 | ((PS - 3) << 32), U(tmp), 16, MOCK_FLAGS_ACCESS_SYZ));
	CHECK(!memcmp(tmp, "access-rw-test!", 16));
#endif

	close(p[0]);
	close(p[1]);
	CHECK_OK(close(rfd));
	CHECK_OK(close(pfd));
	CHECK_OK(close(fd));
	munmap(big, ACCESS_MAX_LEN + PS);
	unmap_mem(buf, n * PS);
	unmap_mem(ro, PS);
	if (g)
		munmap(g, 2 * PS);
}

/*
 * The sweep: two adjacent areas, each SEG_PAGES pages of user memory, at
 * BASE. Every read is compared with the memory behind the IOVAs (and must
 * not write past @len into the user buffer); every write must change exactly
 * the bytes [off, off + len) of that memory.
 */
#define SEG_PAGES 4
#define GUARD 64

struct rw_win {
	uint8_t *seg[2];	/* memory behind [BASE, BASE + seg_len) and the next area */
	uint64_t seg_len;
};

struct sweep {
	int fd, afd;
	uint32_t flags;
	const struct rw_win *w;
	uint8_t *tmp, *save, *pool;
	uint64_t pool_len, pool_pos;
	unsigned long ops, bad;
	const char *what;
};

static bool win_cmp(const struct rw_win *w, uint64_t off, const uint8_t *p, uint64_t len)
{
	while (len) {
		uint64_t s = off / w->seg_len, o = off % w->seg_len;
		uint64_t k = w->seg_len - o < len ? w->seg_len - o : len;

		if (memcmp(w->seg[s] + o, p, k))
			return false;
		off += k;
		p += k;
		len -= k;
	}
	return true;
}

static void win_get(const struct rw_win *w, uint64_t off, uint8_t *p, uint64_t len)
{
	while (len) {
		uint64_t s = off / w->seg_len, o = off % w->seg_len;
		uint64_t k = w->seg_len - o < len ? w->seg_len - o : len;

		memcpy(p, w->seg[s] + o, k);
		off += k;
		p += k;
		len -= k;
	}
}

static void sweep_bad(struct sweep *s, const char *dir, uint64_t off, uint64_t len, int rc,
		      int err)
{
	if (s->bad++ < 5)
		fprintf(stderr, "# %s flags %#x: %s of iova BASE+%#" PRIx64 " len %" PRIu64
			": rc %d errno %d (%s)\n", s->what, s->flags, dir, off, len, rc, err,
			rc ? "failed" : "wrong data");
}

static void rw_one(struct sweep *s, uint64_t off, uint64_t len)
{
	const struct rw_win *w = s->w;
	uint64_t win = 2 * w->seg_len, lo, hi, i;
	const uint8_t *src;
	int rc;

	if (off + len > win)
		return;
	s->ops++;
	/* IOVA → user */
	memset(s->tmp, 0xa5, len + GUARD);
	errno = 0;
	rc = ta_rw(s->fd, s->afd, BASE + off, U(s->tmp), len, s->flags);
	if (rc) {
		sweep_bad(s, "read", off, len, rc, errno);
		return;
	}
	for (i = 0; i < GUARD && s->tmp[len + i] == 0xa5; i++)
		;
	if (i != GUARD || !win_cmp(w, off, s->tmp, len)) {
		sweep_bad(s, "read", off, len, 0, 0);
		return;
	}

	/* user → IOVA, with fresh bytes; the neighbourhood must stay. */
	lo = off > GUARD ? off - GUARD : 0;
	hi = off + len + GUARD < win ? off + len + GUARD : win;
	win_get(w, lo, s->save, hi - lo);
	src = s->pool + s->pool_pos % (s->pool_len - len + 1);
	s->pool_pos += 4099;
	errno = 0;
	rc = ta_rw(s->fd, s->afd, BASE + off, U(src), len, s->flags | RW_WRITE);
	if (rc) {
		sweep_bad(s, "write", off, len, rc, errno);
		return;
	}
	memcpy(s->save + (off - lo), src, len);
	if (!win_cmp(w, lo, s->save, hi - lo))
		sweep_bad(s, "write", off, len, 0, 0);
}

/* Returns the number of failed transfers (each printed for the first few). */
static unsigned long sweep_window(int fd, int afd, const struct rw_win *w, uint32_t flags,
				  const char *what)
{
	uint64_t bnd = w->seg_len, win = 2 * w->seg_len, off, len, a;
	struct sweep s = {
		.fd = fd, .afd = afd, .flags = flags, .w = w, .what = what,
		.pool_len = 8 * PS,
	};
	uint8_t *all;

	s.tmp = malloc(3 * PS + GUARD);
	s.save = malloc(3 * PS + 2 * GUARD);
	s.pool = malloc(s.pool_len);
	all = malloc(win);
	if (!s.tmp || !s.save || !s.pool || !all) {
		fprintf(stderr, "# out of memory\n");
		s.bad = 1;
		goto out;
	}
	fill_random(s.pool, s.pool_len);

	/* Short transfers at every byte alignment around the area boundary and a page boundary. */
	for (off = bnd - 64; off < bnd + 64; off++)
		for (len = 1; len <= 80; len++)
			rw_one(&s, off, len);
	for (off = PS - 64; off < PS + 64; off++)
		for (len = 1; len <= 80; len++)
			rw_one(&s, off, len);
	/* Every byte alignment of the page before the boundary, crossing it. */
	for (a = 0; a < PS; a++) {
		rw_one(&s, bnd - PS + a, PS - a + 1);
		rw_one(&s, bnd - PS + a, 2 * PS);
	}
	/* Every length from 1 to 3 pages, straddling the boundary. */
	for (len = 1; len <= 3 * PS; len++) {
		rw_one(&s, bnd - (len + 1) / 2, len);
		rw_one(&s, bnd - 1 - (len % 97), len);
	}
	/* The whole window in one go, as the kernel's multi-page test. */
	s.ops += 2;
	errno = 0;
	if (ta_rw(fd, afd, BASE, U(all), win, flags) || !win_cmp(w, 0, all, win))
		sweep_bad(&s, "read all", 0, win, -1, errno);
	fill_random(all, win);
	if (ta_rw(fd, afd, BASE, U(all), win, flags | RW_WRITE) || !win_cmp(w, 0, all, win))
		sweep_bad(&s, "write all", 0, win, -1, errno);
	if (s.bad)
		fprintf(stderr, "# %s flags %#x: %lu of %lu transfers failed\n", what, flags,
			s.bad, s.ops);
out:
	free(s.tmp);
	free(s.save);
	free(s.pool);
	free(all);
	return s.bad;
}

enum win_kind { WIN_ANON, WIN_MEMFD };

/*
 * One sweep setup: a fresh context, the two areas (anonymous: two separate
 * buffers; memfd: two halves of one memfd through IOAS_MAP_FILE), an
 * optional mock domain, then an access of the given flavour.
 */
static void sweep_case(enum win_kind kind, bool domain, uint32_t access_flags, bool slow_too)
{
	const uint64_t seg_len = SEG_PAGES * PS;
	struct rw_win w = { .seg_len = seg_len };
	uint8_t *m = MAP_FAILED;
	uint32_t ioas = 0, stdev = 0;
	int fd, afd = -1, mfd = -1;
	char what[96];

	snprintf(what, sizeof(what), "%s, %s, %s access", kind == WIN_ANON ? "anon" : "memfd",
		 domain ? "domain" : "no domain", access_flags & PIN ? "pin" : "rw");
	fd = ctx_open(&ioas);
	REQUIRE(fd >= 0);
	if (kind == WIN_ANON) {
		w.seg[0] = shm(seg_len);
		w.seg[1] = shm(seg_len);
		REQUIRE(w.seg[0] && w.seg[1]);
		REQUIRE_OK(map_at(fd, ioas, w.seg[0], seg_len, BASE, MAP_RW));
		REQUIRE_OK(map_at(fd, ioas, w.seg[1], seg_len, BASE + seg_len, MAP_RW));
	} else {
		mfd = memfd_of(2 * seg_len);
		REQUIRE(mfd >= 0);
		m = mmap(NULL, 2 * seg_len, PROT_READ | PROT_WRITE, MAP_SHARED, mfd, 0);
		REQUIRE(m != MAP_FAILED);
		fill_random(m, 2 * seg_len);
		w.seg[0] = m;
		w.seg[1] = m + seg_len;
		REQUIRE_OK(ioas_map_file(fd, ioas, mfd, 0, seg_len, &(uint64_t){ BASE },
					 MAP_FIXED_RW));
		REQUIRE_OK(ioas_map_file(fd, ioas, mfd, seg_len, seg_len,
					 &(uint64_t){ BASE + seg_len }, MAP_FIXED_RW));
	}
	if (domain)
		REQUIRE_OK(ta_mock_domain(fd, ioas, &stdev, NULL));
	REQUIRE_OK(ta_create_access(fd, ioas, access_flags, &afd));

	CHECK_EQ(sweep_window(fd, afd, &w, 0, what), 0);
	/* SLOW_PATH forces the per-page path; the results are the same. */
	if (slow_too)
		CHECK_EQ(sweep_window(fd, afd, &w, RW_SLOW, what), 0);

	CHECK_OK(close(afd));
	CHECK_OK(close(fd));
	if (kind == WIN_ANON) {
		unmap_mem(w.seg[0], seg_len);
		unmap_mem(w.seg[1], seg_len);
	} else {
		munmap(m, 2 * seg_len);
		close(mfd);
	}
}

TEST(access_rw_sweep_anon)
{
	sweep_case(WIN_ANON, false, 0, true);
	sweep_case(WIN_ANON, true, 0, true);
}

TEST(access_rw_sweep_anon_pin_access)
{
	sweep_case(WIN_ANON, false, PIN, false);
	sweep_case(WIN_ANON, true, PIN, true);
}

TEST(access_rw_sweep_memfd)
{
	sweep_case(WIN_MEMFD, false, 0, true);
	sweep_case(WIN_MEMFD, true, 0, true);
}

/* ACCESS_RW while the access also pins part of the window. */
TEST(access_rw_with_pins)
{
	const uint64_t n = 4;
	uint8_t *buf = shm(n * PS), tmp[3 * 64];
	uint32_t ioas = 0, id = 0;
	int fd, pfd = -1;

	REQUIRE(buf);
	fd = ctx_open(&ioas);
	REQUIRE(fd >= 0);
	REQUIRE_OK(map_at(fd, ioas, buf, n * PS, BASE, MAP_RW));
	REQUIRE_OK(ta_create_access(fd, ioas, PIN, &pfd));
	REQUIRE_OK(ta_pages(fd, pfd, MOCK_FLAGS_ACCESS_WRITE, BASE + PS, PS, U(buf + PS), &id));
	/* Across the pinned page's both edges. */
	fill_random(tmp, sizeof(tmp));
	CHECK_OK(ta_rw(fd, pfd, BASE + PS - 64, U(tmp), sizeof(tmp), RW_WRITE));
	CHECK(!memcmp(buf + PS - 64, tmp, sizeof(tmp)));
	fill_random(tmp, sizeof(tmp));
	CHECK_OK(ta_rw(fd, pfd, BASE + 2 * PS - 64, U(tmp), sizeof(tmp), RW_WRITE | RW_SLOW));
	CHECK(!memcmp(buf + 2 * PS - 64, tmp, sizeof(tmp)));
	memset(tmp, 0, sizeof(tmp));
	CHECK_OK(ta_rw(fd, pfd, BASE + 2 * PS - 64, U(tmp), sizeof(tmp), 0));
	CHECK(!memcmp(buf + 2 * PS - 64, tmp, sizeof(tmp)));
	/* ACCESS_RW takes no lasting pin. */
	CHECK_OK(ta_refs(fd, buf, PS, 0));
	CHECK_OK(ta_refs(fd, buf + PS, PS, 1));
	CHECK_OK(ta_refs(fd, buf + 2 * PS, 2 * PS, 0));
	CHECK_OK(ta_unpin(fd, pfd, id));
	CHECK_OK(ta_refs(fd, buf, n * PS, 0));
	CHECK_OK(close(pfd));
	CHECK_OK(close(fd));
	unmap_mem(buf, n * PS);
}

/* ------------------------------------------------------------------------ */
/* ACCESS_REPLACE_IOAS (§4.11)                                               */

TEST(access_replace_ioas)
{
	const uint64_t n = 4;
	uint8_t *bufa = shm(n * PS), *bufb = shm(n * PS), tmp[64];
	uint32_t ioas1 = 0, ioas2 = 0, stdev = 0, hwpt = 0, i0 = 0, i1 = 0, id = 0;
	int fd, pfd = -1, rfd = -1, p[2] = { -1, -1 };

	REQUIRE(bufa && bufb);
	fd = ctx_open(&ioas1);
	REQUIRE(fd >= 0);
	REQUIRE_OK(pipe(p));
	REQUIRE_OK(ioas_alloc(fd, &ioas2));
	/* The same IOVA names different memory in the two IOASes. */
	REQUIRE_OK(map_at(fd, ioas1, bufa, n * PS, BASE, MAP_RW));
	REQUIRE_OK(map_at(fd, ioas2, bufb, n * PS, BASE, MAP_RW));
	REQUIRE_OK(ta_create_access(fd, ioas1, PIN, &pfd));
	REQUIRE_OK(ta_create_access(fd, ioas1, 0, &rfd));
	REQUIRE_OK(ta_pages(fd, pfd, 0, BASE, n * PS, U(bufa), &i0));
	REQUIRE_OK(ta_pages(fd, pfd, 0, BASE, PS, U(bufa), &i1));

	/* Errors: not an access fd, then the new IOAS must exist. */
	CHECK_ERR(ta_replace(fd, fd, ioas2), EBADFD);
	CHECK_ERR(ta_replace(fd, -1, 9999), EBADFD);
	CHECK_ERR(ta_replace(fd, p[0], ioas2), EBADFD);
	CHECK_ERR(ta_replace(fd, pfd, 9999), ENOENT);
	CHECK_ERR(ta_replace(fd, pfd, 0), ENOENT);
	REQUIRE_OK(ta_mock_domain(fd, ioas2, &stdev, &hwpt));
	CHECK_ERR(ta_replace(fd, pfd, hwpt), ENOENT);
	CHECK_ERR(ta_replace(fd, rfd, stdev), ENOENT);
	CHECK_OK(iommu_destroy(fd, stdev));
	/* ... none of which touched the items. */
	CHECK_OK(ta_refs(fd, bufa, n * PS, 1));

	/* The same IOAS: success, nothing changes. */
	CHECK_OK(ta_replace(fd, pfd, ioas1));
	CHECK_OK(ta_replace(fd, rfd, ioas1));
	CHECK_OK(ta_refs(fd, bufa, n * PS, 1));
	CHECK_EQ(ta_align(fd, ioas1), PS);

	/* Another IOAS: every item is dropped. */
	CHECK_OK(ta_replace(fd, pfd, ioas2));
	CHECK_ERR(ta_unpin(fd, pfd, i0), ENOENT);
	CHECK_ERR(ta_unpin(fd, pfd, i1), ENOENT);
	CHECK_OK(ta_refs(fd, bufa, n * PS, 0));
	/* The access's alignment and its IOAS reference moved along (abi §3.3, §3.4). */
	CHECK_EQ(ta_align(fd, ioas1), 1);
	CHECK_EQ(ta_align(fd, ioas2), PS);
	CHECK_ERR(iommu_destroy(fd, ioas1), EBUSY);	/* rfd still there */
	/* The old IOAS keeps its mapping. */
	memset(tmp, 0, sizeof(tmp));
	CHECK_OK(ta_rw(fd, rfd, BASE + 8, U(tmp), 32, 0));
	CHECK(!memcmp(tmp, bufa + 8, 32));

	/* Pins and rw now go through the new IOAS; IDs go on counting. */
	CHECK_ERR(ta_pages(fd, pfd, 0, BASE, PS, U(bufa), &id), EBADE);
	REQUIRE_OK(ta_pages(fd, pfd, 0, BASE, PS, U(bufb), &id));
	CHECK_EQ(id, 2);
	CHECK_OK(ta_refs(fd, bufb, PS, 1));
	CHECK_OK(ta_replace(fd, rfd, ioas2));
	CHECK_OK(iommu_destroy(fd, ioas1));
	memset(tmp, 0, sizeof(tmp));
	CHECK_OK(ta_rw(fd, rfd, BASE + 8, U(tmp), 32, 0));
	CHECK(!memcmp(tmp, bufb + 8, 32));
	memset(tmp, 0, sizeof(tmp));
	CHECK_OK(ta_rw(fd, pfd, BASE + PS - 16, U(tmp), 32, RW_SLOW));
	CHECK(!memcmp(tmp, bufb + PS - 16, 32));
	memcpy(tmp, "written-through-ioas2", 22);
	CHECK_OK(ta_rw(fd, rfd, BASE + 3, U(tmp), 22, RW_WRITE));
	CHECK(!memcmp(bufb + 3, "written-through-ioas2", 22));
	CHECK_ERR(iommu_destroy(fd, ioas2), EBUSY);
	/* The old IOAS is gone: moving back is ENOENT. */
	CHECK_ERR(ta_replace(fd, pfd, ioas1), ENOENT);
	CHECK_OK(ta_refs(fd, bufb, PS, 1));

	CHECK_OK(ta_unpin(fd, pfd, id));
	CHECK_OK(ta_refs(fd, bufb, n * PS, 0));

	close(p[0]);
	close(p[1]);
	CHECK_OK(close(rfd));
	CHECK_OK(close(pfd));
	CHECK_OK(iommu_destroy(fd, ioas2));
	CHECK_OK(close(fd));
	unmap_mem(bufa, n * PS);
	unmap_mem(bufb, n * PS);
}

/*
 * A replace that cannot join the new IOAS (its pinning access would raise
 * the alignment over a misaligned area: abi §3.4 EADDRINUSE) fails without
 * side effects: the access stays where it was with its items, as Linux's
 * iommufd_access_change_ioas() only calls the unmap callback after
 * iopt_add_access() succeeded.
 */
TEST(access_replace_ioas_misaligned)
{
	const uint64_t n = 4;
	uint8_t *buf = shm(n * PS), *other = shm(2 * PS);
	uint32_t ioas1 = 0, ioas2 = 0, id = 0;
	int fd, pfd = -1;

	REQUIRE(buf && other);
	fd = ctx_open(&ioas1);
	REQUIRE(fd >= 0);
	REQUIRE_OK(ioas_alloc(fd, &ioas2));
	REQUIRE_OK(map_at(fd, ioas1, buf, n * PS, BASE, MAP_RW));
	REQUIRE_OK(map_at(fd, ioas2, other, PS, BASE + 1, MAP_RW));
	REQUIRE_OK(ta_create_access(fd, ioas1, PIN, &pfd));
	REQUIRE_OK(ta_pages(fd, pfd, 0, BASE, n * PS, U(buf), &id));

	CHECK_ERR(ta_replace(fd, pfd, ioas2), EADDRINUSE);
	CHECK_EQ(ta_align(fd, ioas2), 1);
	CHECK_EQ(ta_align(fd, ioas1), PS);
	CHECK_OK(ta_refs(fd, buf, n * PS, 1));
	CHECK_OK(ta_unpin(fd, pfd, id));
	CHECK_OK(ta_refs(fd, buf, n * PS, 0));
	/* Still attached to ioas1. */
	if (CHECK_OK(ta_pages(fd, pfd, 0, BASE, PS, U(buf), &id)))
		CHECK_OK(ta_unpin(fd, pfd, id));

	CHECK_OK(close(pfd));
	CHECK_OK(close(fd));
	unmap_mem(buf, n * PS);
	unmap_mem(other, 2 * PS);
}

/* The kernel's user_copy: pin without a domain, copy into an IOAS with one, replace. */
TEST(user_copy)
{
	const uint64_t n = 16;
	uint8_t *buf = shm(n * PS);
	uint32_t ioas = 0, src1 = 0, src2 = 0, hwpt = 0, id = 0;
	uint64_t src_iova = 0, dst_iova;
	int fd, pfd = -1;

	REQUIRE(buf);
	fd = ctx_open(&ioas);
	REQUIRE(fd >= 0);
	REQUIRE_OK(ta_mock_domain(fd, ioas, NULL, &hwpt));

	REQUIRE_OK(ioas_alloc(fd, &src1));
	REQUIRE_OK(ioas_map(fd, src1, buf, n * PS, &src_iova, MAP_RW));
	REQUIRE_OK(ta_create_access(fd, src1, PIN, &pfd));
	REQUIRE_OK(ta_pages(fd, pfd, 0, src_iova, n * PS, U(buf), &id));
	CHECK_EQ(id, 0);
	dst_iova = BASE;
	CHECK_OK(ioas_copy(fd, ioas, src1, src_iova, n * PS, &dst_iova, MAP_FIXED_RW));
	CHECK_OK(ta_check_map(fd, hwpt, BASE, buf, n * PS));
	/* The copy shares the pinned pages: still one pin. */
	CHECK_OK(ta_refs(fd, buf, n * PS, 1));

	/* Replace with a new IOAS holding the same memory; tear down the old one. */
	REQUIRE_OK(ioas_alloc(fd, &src2));
	src_iova = 0;
	REQUIRE_OK(ioas_map(fd, src2, buf, n * PS, &src_iova, MAP_RW));
	CHECK_OK(ta_replace(fd, pfd, src2));
	CHECK_ERR(ta_unpin(fd, pfd, id), ENOENT);
	CHECK_EQ(unmap_len(fd, ioas, BASE, n * PS), n * PS);
	CHECK_OK(iommu_destroy(fd, src1));
	CHECK_OK(ta_refs(fd, buf, n * PS, 0));

	/* And again through the new IOAS. */
	REQUIRE_OK(ta_pages(fd, pfd, 0, src_iova, n * PS, U(buf), &id));
	CHECK_EQ(id, 1);
	dst_iova = BASE;
	CHECK_OK(ioas_copy(fd, ioas, src2, src_iova, n * PS, &dst_iova, MAP_FIXED_RW));
	CHECK_OK(ta_check_map(fd, hwpt, BASE, buf, n * PS));
	CHECK_OK(ta_refs(fd, buf, n * PS, 1));

	CHECK_OK(ta_unpin(fd, pfd, id));
	CHECK_OK(ta_refs(fd, buf, n * PS, 1));	/* the domain's pin of the copy */
	CHECK_OK(close(pfd));
	CHECK_OK(iommu_destroy(fd, src2));
	CHECK_OK(close(fd));
	unmap_mem(buf, n * PS);
}

/* ------------------------------------------------------------------------ */
/* The access fd and the context (§3.6, abi §3.5)                            */

/*
 * Access ops are issued on an iommufd fd, so once /dev/iommu is closed they
 * cannot be issued at all; what is observable is that the pins survive.
 */
TEST(access_fd_keeps_context)
{
	const uint64_t n = 4;
	uint8_t *buf = shm(n * PS), *buf2 = shm(n * PS);
	uint32_t ioas = 0, ioas2 = 0, id = 0;
	int fd, fd2 = -1, pfd = -1, rfd = -1;

	REQUIRE(buf && buf2);

	/* Pins of an access survive close(/dev/iommu) until the access fd closes. */
	fd = ctx_open(&ioas);
	REQUIRE(fd >= 0);
	REQUIRE_OK(map_at(fd, ioas, buf, n * PS, BASE, MAP_RW));
	REQUIRE_OK(ta_create_access(fd, ioas, PIN, &pfd));
	REQUIRE_OK(ta_create_access(fd, ioas, 0, &rfd));
	REQUIRE_OK(ta_pages(fd, pfd, 0, BASE, n * PS, U(buf), &id));
	CHECK_OK(ta_refs(fd, buf, n * PS, 1));
	CHECK_OK(close(fd));
	fd2 = iommufd_open();
	REQUIRE(fd2 >= 0);
	CHECK_OK(ta_refs(fd2, buf, n * PS, 1));
	CHECK_OK(close(rfd));
	CHECK_OK(ta_refs(fd2, buf, n * PS, 1));
	CHECK_OK(close(pfd));
	CHECK_OK(ta_refs(fd2, buf, n * PS, 0));

	/*
	 * The whole context stays, not just the access: a mock domain's pins
	 * too (the context is released only with the last access fd).
	 */
	fd = ctx_open(&ioas2);
	REQUIRE(fd >= 0);
	REQUIRE_OK(map_at(fd, ioas2, buf2, n * PS, BASE, MAP_RW));
	REQUIRE_OK(ta_mock_domain(fd, ioas2, NULL, NULL));
	REQUIRE_OK(ta_create_access(fd, ioas2, 0, &rfd));
	CHECK_OK(ta_refs(fd, buf2, n * PS, 1));
	CHECK_OK(close(fd));
	CHECK_OK(ta_refs(fd2, buf2, n * PS, 1));
	CHECK_OK(close(rfd));
	CHECK_OK(ta_refs(fd2, buf2, n * PS, 0));

	/* The other order: the access fd first, then the context's own close. */
	fd = ctx_open(&ioas);
	REQUIRE(fd >= 0);
	REQUIRE_OK(map_at(fd, ioas, buf, n * PS, BASE, MAP_RW));
	REQUIRE_OK(ta_create_access(fd, ioas, PIN, &pfd));
	REQUIRE_OK(ta_pages(fd, pfd, 0, BASE, n * PS, U(buf), &id));
	CHECK_OK(close(pfd));
	CHECK_OK(ta_refs(fd, buf, n * PS, 0));
	CHECK_EQ(ta_align(fd, ioas), 1);
	CHECK_OK(iommu_destroy(fd, ioas));
	CHECK_OK(close(fd));

	CHECK_OK(close(fd2));
	unmap_mem(buf, n * PS);
	unmap_mem(buf2, n * PS);
}

/* A dup of the access fd is the same access; the last close destroys it. */
TEST(access_fd_dup)
{
	const uint64_t n = 4;
	uint8_t *buf = shm(n * PS), tmp[32];
	uint32_t ioas = 0, a = 0, b = 0;
	int fd, pfd = -1, d = -1;

	REQUIRE(buf);
	fd = ctx_open(&ioas);
	REQUIRE(fd >= 0);
	REQUIRE_OK(map_at(fd, ioas, buf, n * PS, BASE, MAP_RW));
	REQUIRE_OK(ta_create_access(fd, ioas, PIN, &pfd));
	d = dup(pfd);
	REQUIRE(d >= 0);
	REQUIRE_OK(ta_pages(fd, d, 0, BASE, n * PS, U(buf), &a));
	REQUIRE_OK(ta_pages(fd, pfd, 0, BASE, PS, U(buf), &b));
	CHECK_EQ(a, 0);
	CHECK_EQ(b, 1);
	CHECK_OK(ta_unpin(fd, pfd, a));
	CHECK_ERR(ta_unpin(fd, d, a), ENOENT);
	CHECK_OK(close(pfd));
	/* Still alive through the dup. */
	CHECK_OK(ta_refs(fd, buf, PS, 1));
	CHECK_EQ(ta_align(fd, ioas), PS);
	CHECK_OK(ta_rw(fd, d, BASE + 1, U(tmp), sizeof(tmp), 0));
	CHECK(!memcmp(tmp, buf + 1, sizeof(tmp)));
	CHECK_ERR(ta_rw(fd, pfd, BASE + 1, U(tmp), sizeof(tmp), 0), EBADFD);
	CHECK_OK(close(d));
	CHECK_OK(ta_refs(fd, buf, n * PS, 0));
	CHECK_EQ(ta_align(fd, ioas), 1);
	CHECK_OK(close(fd));
	unmap_mem(buf, n * PS);
}

/*
 * Fork: in softiommu's in-process model (docs/process-model.md) a child's
 * inherited fds are foreign: EXDEV for everything but close(), and closing
 * them (explicitly or by exiting) never touches the parent's access. The
 * kernel's fork_gone/fork_present need a shared context and are not possible.
 */
TEST(fork_child_closes_access_fd)
{
	const uint64_t n = 4;
	uint8_t *buf = shm(n * PS), tmp[32];
	uint32_t ioas = 0, id = 0;
	int fd, pfd = -1, status = -1, pass;
	pid_t pid;

	REQUIRE(buf);
	fd = ctx_open(&ioas);
	REQUIRE(fd >= 0);
	REQUIRE_OK(map_at(fd, ioas, buf, n * PS, BASE, MAP_RW));
	REQUIRE_OK(ta_create_access(fd, ioas, PIN, &pfd));
	REQUIRE_OK(ta_pages(fd, pfd, 0, BASE, n * PS, U(buf), &id));

	for (pass = 0; pass < 2; pass++) {
		fflush(NULL);
		pid = fork();
		if (pid == 0) {
			int bad = 0, cfd;

			errno = 0;
			if (ta_rw(fd, pfd, BASE, U(tmp), 8, 0) != -1 || errno != EXDEV)
				bad |= 1;
			errno = 0;
			if (ta_unpin(fd, pfd, id) != -1 || errno != EXDEV)
				bad |= 2;
			/* The child's own context cannot use the parent's access. */
			cfd = iommufd_open();
			if (cfd < 0 || ta_unpin(cfd, pfd, id) != -1 ||
			    ta_rw(cfd, pfd, BASE, U(tmp), 8, 0) != -1)
				bad |= 4;
			if (cfd >= 0 && close(cfd))
				bad |= 8;
			/* Pass 0 closes explicitly, pass 1 just exits. */
			if (pass == 0 && (close(pfd) || close(fd)))
				bad |= 16;
			_exit(bad);
		}
		REQUIRE(pid > 0);
		CHECK_EQ(waitpid(pid, &status, 0), pid);
		CHECK(WIFEXITED(status));
		CHECK_EQ(WEXITSTATUS(status), 0);
		/* The parent's access and its pins are untouched. */
		CHECK_OK(ta_refs(fd, buf, n * PS, 1));
		CHECK_EQ(ta_align(fd, ioas), PS);
		memset(tmp, 0, sizeof(tmp));
		CHECK_OK(ta_rw(fd, pfd, BASE + 5, U(tmp), sizeof(tmp), 0));
		CHECK(!memcmp(tmp, buf + 5, sizeof(tmp)));
	}
	CHECK_OK(ta_unpin(fd, pfd, id));
	CHECK_OK(ta_refs(fd, buf, n * PS, 0));
	CHECK_OK(close(pfd));
	CHECK_OK(close(fd));
	unmap_mem(buf, n * PS);
}

HARNESS_MAIN()
