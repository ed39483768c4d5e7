/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * VFIO type1 container compatibility (spec iommufd-abi §9, §4.9), black box:
 * the legacy container ioctls on an iommufd fd whose compat IOAS was set
 * with IOMMU_VFIO_IOAS, and on /dev/vfio/vfio, which is the same kind of fd
 * with MM accounting by default. Every behaviour is checked on both nodes.
 *
 * Covered: ENODEV without a compat IOAS for every command that needs one,
 * and the argsz/flags checks that come before it; the CHECK_EXTENSION
 * table; SET_IOMMU's order of errors and its effect on large pages;
 * GET_INFO's argsz rules (never a byte past argsz, argsz discovery, a chain
 * that matches IOMMU_IOAS_IOVA_RANGES, partial fits, compared byte for byte
 * with a model for every argsz); MAP_DMA/UNMAP_DMA including unmap of
 * nothing, UNMAP_ALL and the TYPE1 (split) versus TYPE1v2 (ENOENT) partial
 * unmap; ENOTTY for everything else.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <softiommu/uapi/iommufd.h>
#include <softiommu/uapi/vfio.h>

#include "harness.h"
#include "iommufd_helpers.h"

#define VFIO_CONTAINER_PATH "/dev/vfio/vfio"

/* Where the tests map: clear of IOVA 0 and of the reserved ranges below. */
#define IOVA_BASE 0x10000000ULL

/* Byte the GET_INFO buffers are filled with before each call. */
#define PATTERN 0xa5

enum node { NODE_IOMMU, NODE_VFIO };

static const char *const node_path[] = {
	[NODE_IOMMU] = IOMMU_DEV_PATH,
	[NODE_VFIO] = VFIO_CONTAINER_PATH,
};

/* Run a test body once on each node. */
#define TEST_BOTH(fn)								\
	TEST(fn##_iommu) { fn(NODE_IOMMU); }					\
	TEST(fn##_vfio) { fn(NODE_VFIO); }

static uint64_t page(void)
{
	return (uint64_t)sys_page_size();
}

static int open_node(enum node n)
{
	return open(node_path[n], O_RDWR | O_CLOEXEC);
}

/* Open @n and make a new IOAS its compat IOAS. Return the fd or -1. */
static int open_compat(enum node n, uint32_t *ioas)
{
	uint32_t id;
	int fd = open_node(n);

	if (fd < 0)
		return -1;
	if (ioas_alloc(fd, &id) || vfio_ioas(fd, IOMMU_VFIO_IOAS_SET, &id)) {
		close(fd);
		return -1;
	}
	if (ioas)
		*ioas = id;
	return fd;
}

static long check_ext(int fd, unsigned long ext)
{
	return ioctl(fd, VFIO_CHECK_EXTENSION, ext);
}

static int set_iommu(int fd, unsigned long type)
{
	return ioctl(fd, VFIO_SET_IOMMU, type);
}

static int dma_map(int fd, const void *va, uint64_t iova, uint64_t size, uint32_t flags)
{
	struct vfio_iommu_type1_dma_map map = {
		.argsz = sizeof(map),
		.flags = flags,
		.vaddr = (uintptr_t)va,
		.iova = iova,
		.size = size,
	};

	return ioctl(fd, VFIO_IOMMU_MAP_DMA, &map);
}

/* *out receives the struct's size field after the call, whatever the result. */
static int dma_unmap(int fd, uint64_t iova, uint64_t size, uint32_t flags, uint64_t *out)
{
	struct vfio_iommu_type1_dma_unmap unmap = {
		.argsz = sizeof(unmap),
		.flags = flags,
		.iova = iova,
		.size = size,
	};
	int ret = ioctl(fd, VFIO_IOMMU_UNMAP_DMA, &unmap);

	if (out)
		*out = unmap.size;
	return ret;
}

static int get_info(int fd, void *buf, uint32_t argsz)
{
	memcpy(buf, &argsz, sizeof(argsz));
	return ioctl(fd, VFIO_IOMMU_GET_INFO, buf);
}

/* Anonymous read-write memory of @npages pages, or NULL. */
static void *alloc_pages(size_t npages)
{
	void *p = mmap(NULL, npages * page(), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		       -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

/*
 * Two pages, the second PROT_NONE; returns the address @len bytes before
 * the inaccessible page (*base: what to munmap, 2 pages).
 */
static void *guarded(size_t len, void **base)
{
	char *p = alloc_pages(2);

	if (!p)
		return NULL;
	if (mprotect(p + page(), page(), PROT_NONE)) {
		munmap(p, 2 * page());
		return NULL;
	}
	*base = p;
	return p + page() - len;
}

/* ---------------------------------------------------------------------- */
/* Nodes                                                                   */
/* ---------------------------------------------------------------------- */

TEST(vfio_node_stat_and_accounting)
{
	struct stat st;
	uint64_t val;
	int fd;

	REQUIRE_OK(stat(VFIO_CONTAINER_PATH, &st));
	CHECK(S_ISCHR(st.st_mode));
	CHECK_EQ(st.st_mode & 07777, 0666);
	CHECK_EQ(major(st.st_rdev), 10);
	CHECK_EQ(minor(st.st_rdev), 196);

	fd = open(VFIO_CONTAINER_PATH, O_RDWR | O_CLOEXEC);
	REQUIRE(fd >= 0);
	REQUIRE_OK(fstat(fd, &st));
	CHECK(S_ISCHR(st.st_mode));
	CHECK_EQ(minor(st.st_rdev), 196);
	/* A legacy container charges the process (MM mode). */
	CHECK_OK(option_get(fd, IOMMU_OPTION_RLIMIT_MODE, 0, &val));
	CHECK_EQ(val, 1);
	CHECK_OK(close(fd));

	fd = iommufd_open();
	REQUIRE(fd >= 0);
	CHECK_OK(option_get(fd, IOMMU_OPTION_RLIMIT_MODE, 0, &val));
	CHECK_EQ(val, 0);
	CHECK_OK(close(fd));
}

/* Each open of /dev/vfio/vfio is its own context, as for /dev/iommu. */
TEST(vfio_node_independent_contexts)
{
	uint32_t a = 0, b = 0, id = 0;
	int fd1 = open(VFIO_CONTAINER_PATH, O_RDWR), fd2 = open(VFIO_CONTAINER_PATH, O_RDWR);

	REQUIRE(fd1 >= 0 && fd2 >= 0);
	CHECK_OK(ioas_alloc(fd1, &a));
	CHECK_OK(ioas_alloc(fd2, &b));
	CHECK_EQ(a, b);		/* both the first ID of their own table */
	CHECK_OK(vfio_ioas(fd1, IOMMU_VFIO_IOAS_SET, &a));
	CHECK_ERR(vfio_ioas(fd2, IOMMU_VFIO_IOAS_GET, &id), ENODEV);
	CHECK_EQ(set_iommu(fd1, VFIO_TYPE1v2_IOMMU), 0);
	CHECK_ERR(set_iommu(fd2, VFIO_TYPE1v2_IOMMU), ENODEV);
	close(fd1);
	close(fd2);
}

/* ---------------------------------------------------------------------- */
/* Commands without a compat IOAS                                          */
/* ---------------------------------------------------------------------- */

static void check_all_enodev(int fd)
{
	uint64_t buf[8] = { 0 };
	uint64_t out;
	void *mem = alloc_pages(1);

	CHECK_ERR(check_ext(fd, VFIO_DMA_CC_IOMMU), ENODEV);
	CHECK_ERR(set_iommu(fd, VFIO_TYPE1_IOMMU), ENODEV);
	CHECK_ERR(set_iommu(fd, VFIO_TYPE1v2_IOMMU), ENODEV);
	CHECK_ERR(get_info(fd, buf, sizeof(struct vfio_iommu_type1_info)), ENODEV);
	CHECK_ERR(get_info(fd, buf, 16), ENODEV);
	CHECK_ERR(dma_map(fd, mem, IOVA_BASE, page(), VFIO_DMA_MAP_FLAG_READ), ENODEV);
	CHECK_ERR(dma_unmap(fd, IOVA_BASE, page(), 0, &out), ENODEV);
	CHECK_EQ(out, page());		/* nothing written back */
	CHECK_ERR(dma_unmap(fd, 0, 0, VFIO_DMA_UNMAP_FLAG_ALL, NULL), ENODEV);

	/* What needs no IOAS still works. */
	CHECK_EQ(ioctl(fd, VFIO_GET_API_VERSION), VFIO_API_VERSION);
	CHECK_EQ(check_ext(fd, VFIO_TYPE1_IOMMU), 1);
	if (mem)
		munmap(mem, page());
}

static void no_compat_ioas(enum node n)
{
	uint32_t ioas = 0, id = 0;
	int fd = open_node(n);

	REQUIRE(fd >= 0);
	/* Fresh context. */
	check_all_enodev(fd);

	/* An IOAS that is not the compat IOAS does not count. */
	REQUIRE_OK(ioas_alloc(fd, &ioas));
	check_all_enodev(fd);

	/* Set, then cleared. */
	REQUIRE_OK(vfio_ioas(fd, IOMMU_VFIO_IOAS_SET, &ioas));
	CHECK_EQ(set_iommu(fd, VFIO_TYPE1v2_IOMMU), 0);
	REQUIRE_OK(vfio_ioas(fd, IOMMU_VFIO_IOAS_CLEAR, NULL));
	check_all_enodev(fd);

	/* Set, then destroyed: the compat pointer holds no reference. */
	REQUIRE_OK(vfio_ioas(fd, IOMMU_VFIO_IOAS_SET, &ioas));
	CHECK_OK(iommu_destroy(fd, ioas));
	CHECK_ERR(vfio_ioas(fd, IOMMU_VFIO_IOAS_GET, &id), ENODEV);
	check_all_enodev(fd);
	close(fd);
}
TEST_BOTH(no_compat_ioas)

/*
 * argsz and flags are checked before the IOAS lookup, the SET_IOMMU type
 * too, and the fixed part is read before anything (EFAULT).
 */
static void checks_before_enodev(enum node n)
{
	struct vfio_iommu_type1_dma_map map = { .argsz = 31, .flags = VFIO_DMA_MAP_FLAG_READ };
	struct vfio_iommu_type1_dma_unmap unmap = { .argsz = 23 };
	uint64_t buf[8] = { 0 };
	int fd = open_node(n);

	REQUIRE(fd >= 0);
	CHECK_ERR(set_iommu(fd, VFIO_NOIOMMU_IOMMU), EINVAL);
	CHECK_ERR(set_iommu(fd, 0), EINVAL);
	CHECK_ERR(get_info(fd, buf, 15), EINVAL);
	CHECK_ERR(ioctl(fd, VFIO_IOMMU_MAP_DMA, &map), EINVAL);
	map.argsz = sizeof(map);
	map.flags = VFIO_DMA_MAP_FLAG_VADDR;
	CHECK_ERR(ioctl(fd, VFIO_IOMMU_MAP_DMA, &map), EINVAL);
	CHECK_ERR(ioctl(fd, VFIO_IOMMU_UNMAP_DMA, &unmap), EINVAL);
	unmap.argsz = sizeof(unmap);
	unmap.flags = VFIO_DMA_UNMAP_FLAG_GET_DIRTY_BITMAP;
	CHECK_ERR(ioctl(fd, VFIO_IOMMU_UNMAP_DMA, &unmap), EINVAL);

	CHECK_ERR(ioctl(fd, VFIO_IOMMU_GET_INFO, NULL), EFAULT);
	CHECK_ERR(ioctl(fd, VFIO_IOMMU_MAP_DMA, NULL), EFAULT);
	CHECK_ERR(ioctl(fd, VFIO_IOMMU_UNMAP_DMA, NULL), EFAULT);
	close(fd);
}
TEST_BOTH(checks_before_enodev)

/* ---------------------------------------------------------------------- */
/* GET_API_VERSION, CHECK_EXTENSION, SET_IOMMU                             */
/* ---------------------------------------------------------------------- */

static void api_and_extensions(enum node n)
{
	static const struct {
		unsigned long ext;
		long answer;
	} table[] = {
		{ 0, 0 },
		{ VFIO_TYPE1_IOMMU, 1 },
		{ VFIO_SPAPR_TCE_IOMMU, 0 },
		{ VFIO_TYPE1v2_IOMMU, 1 },
		{ VFIO_DMA_CC_IOMMU, 1 },
		{ VFIO_EEH, 0 },
		{ VFIO_TYPE1_NESTING_IOMMU, 0 },
		{ VFIO_SPAPR_TCE_v2_IOMMU, 0 },
		{ VFIO_NOIOMMU_IOMMU, 0 },
		{ VFIO_UNMAP_ALL, 1 },
		{ VFIO_UPDATE_VADDR, 0 },
		{ 11, 0 },
		{ 0xffffffffUL, 0 },
		/* The whole argument is the number: no truncation to 32 bits. */
		{ (1UL << 32) | VFIO_TYPE1_IOMMU, 0 },
	};
	unsigned int i;
	int fd = open_compat(n, NULL);

	REQUIRE(fd >= 0);
	CHECK_EQ(ioctl(fd, VFIO_GET_API_VERSION), 0);
	/* The argument is ignored. */
	CHECK_EQ(ioctl(fd, VFIO_GET_API_VERSION, NULL), 0);
	for (i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		long got = check_ext(fd, table[i].ext);

		if (!CHECK_EQ(got, table[i].answer))
			fprintf(stderr, "#   extension %#lx\n", table[i].ext);
	}
	close(fd);
}
TEST_BOTH(api_and_extensions)

static void set_iommu_modes(enum node n)
{
	uint32_t ioas = 0;
	uint64_t val;
	char *mem;
	int fd = open_node(n);

	REQUIRE(fd >= 0);
	/* Type validity first, then the IOAS. */
	CHECK_ERR(set_iommu(fd, VFIO_SPAPR_TCE_IOMMU), EINVAL);
	CHECK_ERR(set_iommu(fd, VFIO_TYPE1_IOMMU), ENODEV);
	REQUIRE_OK(ioas_alloc(fd, &ioas));
	REQUIRE_OK(vfio_ioas(fd, IOMMU_VFIO_IOAS_SET, &ioas));
	CHECK_ERR(set_iommu(fd, VFIO_NOIOMMU_IOMMU), EINVAL);
	CHECK_ERR(set_iommu(fd, VFIO_TYPE1_NESTING_IOMMU), EINVAL);
	CHECK_ERR(set_iommu(fd, VFIO_TYPE1_IOMMU | (1UL << 32)), EINVAL);

	/* TYPE1v2 leaves large pages on. */
	CHECK_EQ(set_iommu(fd, VFIO_TYPE1v2_IOMMU), 0);
	CHECK_OK(option_get(fd, IOMMU_OPTION_HUGE_PAGES, ioas, &val));
	CHECK_EQ(val, 1);

	/* TYPE1 needs them off; an area that would be misaligned refuses it. */
	mem = alloc_pages(2);
	REQUIRE(mem);
	{
		uint64_t iova = IOVA_BASE + page() / 2;

		REQUIRE_OK(ioas_map(fd, ioas, mem, page(), &iova, MAP_FIXED_RW));
	}
	CHECK_ERR(set_iommu(fd, VFIO_TYPE1_IOMMU), EADDRINUSE);
	CHECK_OK(option_get(fd, IOMMU_OPTION_HUGE_PAGES, ioas, &val));
	CHECK_EQ(val, 1);
	CHECK_OK(ioas_unmap_all(fd, ioas, NULL));

	CHECK_EQ(set_iommu(fd, VFIO_TYPE1_IOMMU), 0);
	CHECK_OK(option_get(fd, IOMMU_OPTION_HUGE_PAGES, ioas, &val));
	CHECK_EQ(val, 0);
	/* Again, and back to v2: large pages stay off. */
	CHECK_EQ(set_iommu(fd, VFIO_TYPE1_IOMMU), 0);
	CHECK_EQ(set_iommu(fd, VFIO_TYPE1v2_IOMMU), 0);
	CHECK_OK(option_get(fd, IOMMU_OPTION_HUGE_PAGES, ioas, &val));
	CHECK_EQ(val, 0);
	/* Now the IOAS wants PAGE_SIZE alignment. */
	CHECK_ERR(dma_map(fd, mem, IOVA_BASE + page() / 2, page(), VFIO_DMA_MAP_FLAG_READ),
		  EINVAL);

	munmap(mem, 2 * page());
	close(fd);
}
TEST_BOTH(set_iommu_modes)

/* ---------------------------------------------------------------------- */
/* GET_INFO                                                                */
/* ---------------------------------------------------------------------- */

#define INFO_SZ sizeof(struct vfio_iommu_type1_info)
#define DMA_CAP_AT INFO_SZ
#define IOVA_CAP_AT (INFO_SZ + 16)
#define MAX_RANGES 8
#define BUF_SZ 512

/* What GET_INFO should report for one IOAS. */
struct info_model {
	uint64_t pgsizes;
	uint32_t nr;
	struct vfio_iova_range r[MAX_RANGES];
	uint32_t total;
};

/* Read the IOAS's usable ranges with IOMMU_IOAS_IOVA_RANGES. */
static bool model_init(int fd, uint32_t ioas, struct info_model *m)
{
	struct iommu_iova_range r[MAX_RANGES];
	uint32_t num = MAX_RANGES, i;
	uint64_t align;

	memset(m, 0, sizeof(*m));
	if (ioas_iova_ranges(fd, ioas, r, &num, &align) || num > MAX_RANGES)
		return false;
	m->nr = num;
	for (i = 0; i < num; i++) {
		m->r[i].start = r[i].start;
		m->r[i].end = r[i].last;
	}
	/* No domains: all sizes, with those below PAGE_SIZE folded into it. */
	m->pgsizes = ~(page() - 1);
	if (m->pgsizes < align)
		m->pgsizes = align;
	m->total = (uint32_t)(IOVA_CAP_AT + 16 + 16 * num);
	return true;
}

/*
 * The buffer GET_INFO should leave for @argsz, starting from one filled
 * with PATTERN whose first 4 bytes were set to @argsz.
 */
static void model_reply(const struct info_model *m, uint32_t argsz, uint8_t *exp)
{
	struct vfio_iommu_type1_info info = {
		.argsz = m->total,
		.flags = VFIO_IOMMU_INFO_PGSIZES | VFIO_IOMMU_INFO_CAPS,
		.iova_pgsizes = m->pgsizes,
		.cap_offset = argsz >= m->total ? INFO_SZ : 0,
	};
	struct vfio_iommu_type1_info_dma_avail dma = {
		.header = { .id = VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL, .version = 1 },
		.avail = UINT32_MAX,
	};
	struct vfio_iommu_type1_info_cap_iova_range head = {
		.header = { .id = VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE, .version = 1 },
		.nr_iovas = m->nr,
	};
	uint32_t link = IOVA_CAP_AT;
	size_t room = argsz > IOVA_CAP_AT ? argsz - IOVA_CAP_AT : 0;
	uint32_t i;

	memset(exp, PATTERN, BUF_SZ);
	memcpy(exp, &argsz, sizeof(argsz));
	if (argsz >= DMA_CAP_AT + sizeof(dma))
		memcpy(exp + DMA_CAP_AT, &dma, sizeof(dma));
	for (i = 0; i < m->nr; i++)
		if (room >= 16 + 16 * (i + 1))
			memcpy(exp + IOVA_CAP_AT + 16 + 16 * i, &m->r[i], 16);
	if (room >= 16 + 16 * m->nr)
		memcpy(exp + IOVA_CAP_AT, &head, sizeof(head));
	/* Linux links a cap when argsz reaches the next cap's offset. */
	if (argsz >= IOVA_CAP_AT)
		memcpy(exp + DMA_CAP_AT + offsetof(struct vfio_info_cap_header, next), &link,
		       sizeof(link));
	memcpy(exp, &info, argsz < INFO_SZ ? argsz : INFO_SZ);
}

/* A compat IOAS with three usable ranges (two reserved holes). */
static int open_ranges(enum node n, uint32_t *ioas)
{
	int fd = open_compat(n, ioas);

	if (fd < 0)
		return -1;
	if (add_reserved(fd, *ioas, 0x100000, 0x100000) ||
	    add_reserved(fd, *ioas, 0x400000, 0x200000)) {
		close(fd);
		return -1;
	}
	return fd;
}

static void info_short_argsz(enum node n)
{
	struct vfio_iommu_type1_info *info;
	uint64_t buf[BUF_SZ / 8];
	void *base;
	uint32_t ioas = 0;
	int fd = open_compat(n, &ioas);

	REQUIRE(fd >= 0);
	/* Below 16: EINVAL, and nothing written. */
	for (uint32_t argsz = 0; argsz < 16; argsz++) {
		memset(buf, PATTERN, sizeof(buf));
		CHECK_ERR(get_info(fd, buf, argsz), EINVAL);
		CHECK_EQ(((uint32_t *)buf)[0], argsz);
		CHECK_EQ(((uint8_t *)buf)[4], PATTERN);
	}

	/* argsz 16 with the struct's 17th byte inaccessible: only 16 bytes. */
	info = guarded(16, &base);
	REQUIRE(info);
	memset(info, 0, 16);
	info->argsz = 16;
	CHECK_OK(ioctl(fd, VFIO_IOMMU_GET_INFO, info));
	CHECK_EQ(info->argsz, IOVA_CAP_AT + 16 + 16);	/* one range: [0, ULONG_MAX] */
	CHECK_EQ(info->flags, VFIO_IOMMU_INFO_PGSIZES | VFIO_IOMMU_INFO_CAPS);
	CHECK_EQ(info->iova_pgsizes, ~(page() - 1));
	/* Same place, argsz 24: the fixed part cannot be written back. */
	info->argsz = INFO_SZ;
	CHECK_ERR(ioctl(fd, VFIO_IOMMU_GET_INFO, info), EFAULT);
	munmap(base, 2 * page());

	/* The whole reply ending right before a PROT_NONE page works. */
	info = guarded(IOVA_CAP_AT + 32, &base);
	REQUIRE(info);
	info->argsz = IOVA_CAP_AT + 32;
	CHECK_OK(ioctl(fd, VFIO_IOMMU_GET_INFO, info));
	CHECK_EQ(info->cap_offset, INFO_SZ);
	/*
	 * One byte short, ending at the same place (so misaligned: accessed
	 * with memcpy): the IOVA cap is left out.
	 */
	{
		char *p = (char *)info + 1;
		struct vfio_iommu_type1_info out;
		uint32_t argsz = IOVA_CAP_AT + 31;

		memcpy(p, &argsz, sizeof(argsz));
		CHECK_OK(ioctl(fd, VFIO_IOMMU_GET_INFO, p));
		memcpy(&out, p, sizeof(out));
		CHECK_EQ(out.cap_offset, 0);
		CHECK_EQ(out.argsz, IOVA_CAP_AT + 32);
	}
	munmap(base, 2 * page());
	close(fd);
}
TEST_BOTH(info_short_argsz)

/* Discovery: a short call learns argsz, the second gets the whole chain. */
static void info_discovery(enum node n)
{
	uint64_t buf[BUF_SZ / 8];
	struct vfio_iommu_type1_info *info = (void *)buf;
	struct vfio_iommu_type1_info_dma_avail *dma;
	struct vfio_iommu_type1_info_cap_iova_range *iova;
	struct vfio_info_cap_header *hdr;
	struct info_model m;
	uint32_t ioas = 0, need, i;
	int fd = open_ranges(n, &ioas);

	REQUIRE(fd >= 0);
	REQUIRE(model_init(fd, ioas, &m));
	CHECK_EQ(m.nr, 3);

	memset(buf, 0, sizeof(buf));
	REQUIRE_OK(get_info(fd, buf, INFO_SZ));
	CHECK_EQ(info->flags, VFIO_IOMMU_INFO_PGSIZES | VFIO_IOMMU_INFO_CAPS);
	CHECK_EQ(info->cap_offset, 0);
	CHECK_EQ(info->argsz, m.total);
	need = info->argsz;
	REQUIRE(need <= sizeof(buf));

	memset(buf, 0, sizeof(buf));
	REQUIRE_OK(get_info(fd, buf, need));
	CHECK_EQ(info->argsz, need);
	CHECK_EQ(info->cap_offset, INFO_SZ);
	CHECK_EQ(info->iova_pgsizes, m.pgsizes);

	/* Walk the chain as a client would. */
	hdr = (void *)((char *)buf + info->cap_offset);
	REQUIRE(hdr->id == VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL);
	CHECK_EQ(hdr->version, 1);
	dma = (void *)hdr;
	CHECK_EQ(dma->avail, UINT32_MAX);
	REQUIRE(hdr->next && hdr->next % 8 == 0 && hdr->next < need);
	hdr = (void *)((char *)buf + hdr->next);
	REQUIRE(hdr->id == VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE);
	CHECK_EQ(hdr->version, 1);
	CHECK_EQ(hdr->next, 0);
	iova = (void *)hdr;
	CHECK_EQ(iova->nr_iovas, m.nr);
	CHECK_EQ(iova->reserved, 0);
	for (i = 0; i < m.nr && i < iova->nr_iovas; i++) {
		CHECK_EQ(iova->iova_ranges[i].start, m.r[i].start);
		CHECK_EQ(iova->iova_ranges[i].end, m.r[i].end);
	}
	CHECK_EQ(m.r[0].start, 0);
	CHECK_EQ(m.r[0].end, 0xfffff);
	CHECK_EQ(m.r[1].start, 0x200000);
	CHECK_EQ(m.r[1].end, 0x3fffff);
	CHECK_EQ(m.r[2].start, 0x600000);
	CHECK_EQ(m.r[2].end, UINT64_MAX);
	close(fd);
}
TEST_BOTH(info_discovery)

/* Only the first cap fits: written, unlinked, and no cap_offset. */
static void info_partial_fit(enum node n)
{
	uint64_t buf[BUF_SZ / 8];
	struct vfio_iommu_type1_info *info = (void *)buf;
	struct vfio_iommu_type1_info_dma_avail *dma = (void *)((char *)buf + DMA_CAP_AT);
	struct vfio_iommu_type1_info_cap_iova_range *iova =
		(void *)((char *)buf + IOVA_CAP_AT);
	uint32_t ioas = 0;
	int fd = open_ranges(n, &ioas);

	REQUIRE(fd >= 0);
	memset(buf, 0, sizeof(buf));
	REQUIRE_OK(get_info(fd, buf, DMA_CAP_AT + sizeof(*dma)));
	CHECK_EQ(info->cap_offset, 0);
	CHECK_EQ(info->argsz, IOVA_CAP_AT + 16 + 3 * 16);
	CHECK_EQ(dma->header.id, VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL);
	CHECK_EQ(dma->header.version, 1);
	CHECK_EQ(dma->header.next, 0);
	CHECK_EQ(dma->avail, UINT32_MAX);
	CHECK_EQ(iova->header.id, 0);

	/* The first cap plus its padding: the link now names the second cap. */
	memset(buf, 0, sizeof(buf));
	REQUIRE_OK(get_info(fd, buf, IOVA_CAP_AT));
	CHECK_EQ(info->cap_offset, 0);
	CHECK_EQ(dma->header.next, IOVA_CAP_AT);
	CHECK_EQ(iova->header.id, 0);

	/* The second cap minus one range: head not written, fitting ranges are. */
	memset(buf, 0, sizeof(buf));
	REQUIRE_OK(get_info(fd, buf, IOVA_CAP_AT + 16 + 2 * 16));
	CHECK_EQ(info->cap_offset, 0);
	CHECK_EQ(iova->header.id, 0);
	CHECK_EQ(iova->nr_iovas, 0);
	CHECK_EQ(iova->iova_ranges[1].start, 0x200000);
	CHECK_EQ(iova->iova_ranges[2].start, 0);
	close(fd);
}
TEST_BOTH(info_partial_fit)

/* Every argsz from 16 to past the total, byte for byte against the model. */
static void info_every_argsz(enum node n)
{
	uint8_t buf[BUF_SZ] __attribute__((aligned(8)));
	uint8_t exp[BUF_SZ];
	struct info_model m;
	uint32_t ioas = 0, argsz;
	int fd = open_ranges(n, &ioas);

	REQUIRE(fd >= 0);
	REQUIRE(model_init(fd, ioas, &m));
	REQUIRE(m.total + 64 <= BUF_SZ);
	for (argsz = 16; argsz <= m.total + 64; argsz++) {
		size_t i;

		memset(buf, PATTERN, sizeof(buf));
		if (!CHECK_OK(get_info(fd, buf, argsz)))
			continue;
		model_reply(&m, argsz, exp);
		for (i = 0; i < sizeof(buf); i++)
			if (buf[i] != exp[i])
				break;
		if (!CHECK_EQ(i, sizeof(buf)))
			fprintf(stderr, "#   argsz %u: byte %zu is %#x, expected %#x\n", argsz, i,
				buf[i], exp[i]);
	}
	close(fd);
}
TEST_BOTH(info_every_argsz)

/* The chain follows the IOAS's reserved ranges as they change. */
static void info_tracks_ioas(enum node n)
{
	uint64_t buf[BUF_SZ / 8];
	struct vfio_iommu_type1_info *info = (void *)buf;
	struct vfio_iommu_type1_info_cap_iova_range *iova =
		(void *)((char *)buf + IOVA_CAP_AT);
	uint32_t ioas = 0, other = 0;
	int fd = open_compat(n, &ioas);

	REQUIRE(fd >= 0);
	REQUIRE_OK(get_info(fd, buf, sizeof(buf)));
	CHECK_EQ(iova->nr_iovas, 1);
	CHECK_EQ(iova->iova_ranges[0].start, 0);
	CHECK_EQ(iova->iova_ranges[0].end, UINT64_MAX);

	REQUIRE_OK(add_reserved(fd, ioas, 0, 0x1000));
	REQUIRE_OK(get_info(fd, buf, sizeof(buf)));
	CHECK_EQ(info->argsz, IOVA_CAP_AT + 32);
	CHECK_EQ(iova->nr_iovas, 1);
	CHECK_EQ(iova->iova_ranges[0].start, 0x1000);

	/* Switching the compat IOAS switches what GET_INFO describes. */
	REQUIRE_OK(ioas_alloc(fd, &other));
	REQUIRE_OK(vfio_ioas(fd, IOMMU_VFIO_IOAS_SET, &other));
	REQUIRE_OK(get_info(fd, buf, sizeof(buf)));
	CHECK_EQ(iova->iova_ranges[0].start, 0);
	close(fd);
}
TEST_BOTH(info_tracks_ioas)

/* ---------------------------------------------------------------------- */
/* MAP_DMA / UNMAP_DMA                                                     */
/* ---------------------------------------------------------------------- */

static void map_unmap_round_trip(enum node n)
{
	struct vfio_iommu_type1_dma_map map;
	uint64_t out, iova;
	uint32_t ioas = 0;
	char *mem = alloc_pages(4);
	int fd = open_compat(n, &ioas);

	REQUIRE(fd >= 0 && mem);
	CHECK_OK(dma_map(fd, mem, IOVA_BASE, 4 * page(),
			 VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE));
	/* The mapping is in the compat IOAS. */
	iova = IOVA_BASE + page();
	CHECK_ERR(ioas_map(fd, ioas, mem, page(), &iova, MAP_FIXED_RW), EEXIST);
	CHECK_ERR(dma_map(fd, mem, IOVA_BASE + 3 * page(), page(), VFIO_DMA_MAP_FLAG_READ),
		  EEXIST);
	CHECK_OK(dma_unmap(fd, IOVA_BASE, 4 * page(), 0, &out));
	CHECK_EQ(out, 4 * page());

	/* Unmapping nothing succeeds with size 0 (IOAS_UNMAP says ENOENT). */
	CHECK_OK(dma_unmap(fd, IOVA_BASE, 4 * page(), 0, &out));
	CHECK_EQ(out, 0);
	CHECK_ERR(ioas_unmap(fd, ioas, IOVA_BASE, 4 * page(), NULL), ENOENT);

	/* Read-only, write-only and (as Linux allows) neither. */
	CHECK_OK(dma_map(fd, mem, IOVA_BASE, page(), VFIO_DMA_MAP_FLAG_READ));
	CHECK_OK(dma_map(fd, mem + page(), IOVA_BASE + page(), page(), VFIO_DMA_MAP_FLAG_WRITE));
	CHECK_OK(dma_map(fd, mem + 2 * page(), IOVA_BASE + 2 * page(), page(), 0));
	/* One unmap spanning three areas. */
	CHECK_OK(dma_unmap(fd, IOVA_BASE, 8 * page(), 0, &out));
	CHECK_EQ(out, 3 * page());

	/* IOAS_MAP'd areas are unmapped the same way. */
	iova = IOVA_BASE;
	CHECK_OK(ioas_map(fd, ioas, mem, 2 * page(), &iova, MAP_FIXED_RW));
	CHECK_OK(dma_unmap(fd, IOVA_BASE, 2 * page(), 0, &out));
	CHECK_EQ(out, 2 * page());

	/* A longer struct is fine; the tail is not looked at. */
	{
		uint8_t big[128];

		memset(big, 0xff, sizeof(big));
		map = (struct vfio_iommu_type1_dma_map){
			.argsz = sizeof(big), .flags = VFIO_DMA_MAP_FLAG_READ,
			.vaddr = (uintptr_t)mem, .iova = IOVA_BASE, .size = page(),
		};
		memcpy(big, &map, sizeof(map));
		CHECK_OK(ioctl(fd, VFIO_IOMMU_MAP_DMA, big));
		CHECK_OK(dma_unmap(fd, IOVA_BASE, page(), 0, &out));
		CHECK_EQ(out, page());
	}

	/* The IO page table's own errors. */
	CHECK_ERR(dma_map(fd, mem, IOVA_BASE, 0, VFIO_DMA_MAP_FLAG_READ), EINVAL);
	CHECK_ERR(dma_map(fd, mem, UINT64_MAX - page() + 2, page(), VFIO_DMA_MAP_FLAG_READ),
		  EOVERFLOW);
	CHECK_OK(add_reserved(fd, ioas, 0x100000, 0x100000));
	CHECK_ERR(dma_map(fd, mem, 0x180000, page(), VFIO_DMA_MAP_FLAG_READ), EINVAL);
	CHECK_ERR(dma_unmap(fd, IOVA_BASE, 0, 0, NULL), EINVAL);
	CHECK_ERR(dma_unmap(fd, IOVA_BASE, UINT64_MAX, 0, NULL), EOVERFLOW);

	munmap(mem, 4 * page());
	close(fd);
}
TEST_BOTH(map_unmap_round_trip)

/* The struct is 32 bytes: ending at a PROT_NONE page is fine, 1 short is not. */
static void map_reads_exactly_32(enum node n)
{
	struct vfio_iommu_type1_dma_map *map;
	struct vfio_iommu_type1_dma_unmap *unmap;
	void *base, *mem = alloc_pages(1);
	int fd = open_compat(n, NULL);

	REQUIRE(fd >= 0 && mem);
	map = guarded(sizeof(*map), &base);
	REQUIRE(map);
	*map = (struct vfio_iommu_type1_dma_map){
		.argsz = sizeof(*map), .flags = VFIO_DMA_MAP_FLAG_READ,
		.vaddr = (uintptr_t)mem, .iova = IOVA_BASE, .size = page(),
	};
	CHECK_OK(ioctl(fd, VFIO_IOMMU_MAP_DMA, map));
	CHECK_ERR(ioctl(fd, VFIO_IOMMU_MAP_DMA, (char *)map + 1), EFAULT);

	unmap = guarded(sizeof(*unmap), &base);
	REQUIRE(unmap);
	*unmap = (struct vfio_iommu_type1_dma_unmap){
		.argsz = sizeof(*unmap), .iova = IOVA_BASE, .size = page(),
	};
	CHECK_OK(ioctl(fd, VFIO_IOMMU_UNMAP_DMA, unmap));
	CHECK_EQ(unmap->size, page());
	CHECK_EQ(unmap->argsz, sizeof(*unmap));
	CHECK_EQ(unmap->iova, IOVA_BASE);
	CHECK_ERR(ioctl(fd, VFIO_IOMMU_UNMAP_DMA, (char *)unmap + 1), EFAULT);
	munmap(mem, page());
	close(fd);
}
TEST_BOTH(map_reads_exactly_32)

static void unmap_all(enum node n)
{
	uint64_t out;
	char *mem = alloc_pages(4);
	int fd = open_compat(n, NULL);

	REQUIRE(fd >= 0 && mem);
	/* Empty IOAS: success, nothing unmapped. */
	CHECK_OK(dma_unmap(fd, 0, 0, VFIO_DMA_UNMAP_FLAG_ALL, &out));
	CHECK_EQ(out, 0);

	CHECK_OK(dma_map(fd, mem, IOVA_BASE, page(), VFIO_DMA_MAP_FLAG_READ));
	CHECK_OK(dma_map(fd, mem, 0, page(), VFIO_DMA_MAP_FLAG_READ));
	CHECK_OK(dma_map(fd, mem, UINT64_MAX - 2 * page() + 1, 2 * page(),
			 VFIO_DMA_MAP_FLAG_READ));

	/* iova and size must both be 0; nothing is written back then. */
	CHECK_ERR(dma_unmap(fd, IOVA_BASE, 0, VFIO_DMA_UNMAP_FLAG_ALL, &out), EINVAL);
	CHECK_EQ(out, 0);
	CHECK_ERR(dma_unmap(fd, 0, page(), VFIO_DMA_UNMAP_FLAG_ALL, &out), EINVAL);
	CHECK_EQ(out, page());
	CHECK_ERR(dma_unmap(fd, 0, UINT64_MAX, VFIO_DMA_UNMAP_FLAG_ALL, NULL), EINVAL);
	/* Other flags, alone or with ALL. */
	CHECK_ERR(dma_unmap(fd, 0, 0, VFIO_DMA_UNMAP_FLAG_ALL | VFIO_DMA_UNMAP_FLAG_VADDR, NULL),
		  EINVAL);
	CHECK_ERR(dma_unmap(fd, 0, 0, VFIO_DMA_UNMAP_FLAG_VADDR, NULL), EINVAL);
	CHECK_ERR(dma_unmap(fd, 0, 0, 1u << 31, NULL), EINVAL);

	CHECK_OK(dma_unmap(fd, 0, 0, VFIO_DMA_UNMAP_FLAG_ALL, &out));
	CHECK_EQ(out, 4 * page());
	CHECK_OK(dma_unmap(fd, 0, 0, VFIO_DMA_UNMAP_FLAG_ALL, &out));
	CHECK_EQ(out, 0);
	munmap(mem, 4 * page());
	close(fd);
}
TEST_BOTH(unmap_all)

/* TYPE1v2: an unmap that would cut an area is ENOENT. */
static void partial_unmap_v2(enum node n)
{
	uint64_t out;
	char *mem = alloc_pages(4);
	int fd = open_compat(n, NULL);

	REQUIRE(fd >= 0 && mem);
	CHECK_EQ(set_iommu(fd, VFIO_TYPE1v2_IOMMU), 0);
	CHECK_OK(dma_map(fd, mem, IOVA_BASE, 4 * page(), VFIO_DMA_MAP_FLAG_READ));
	CHECK_ERR(dma_unmap(fd, IOVA_BASE + page(), 2 * page(), 0, &out), ENOENT);
	CHECK_EQ(out, 0);	/* written back on failure too */
	CHECK_ERR(dma_unmap(fd, IOVA_BASE, page(), 0, &out), ENOENT);
	CHECK_ERR(dma_unmap(fd, IOVA_BASE + 3 * page(), 2 * page(), 0, &out), ENOENT);

	/* Areas before the crossing one are gone and counted. */
	CHECK_OK(dma_map(fd, mem, IOVA_BASE - page(), page(), VFIO_DMA_MAP_FLAG_READ));
	CHECK_ERR(dma_unmap(fd, IOVA_BASE - page(), 2 * page(), 0, &out), ENOENT);
	CHECK_EQ(out, page());

	CHECK_OK(dma_unmap(fd, IOVA_BASE, 4 * page(), 0, &out));
	CHECK_EQ(out, 4 * page());
	munmap(mem, 4 * page());
	close(fd);
}
TEST_BOTH(partial_unmap_v2)

/* TYPE1: any page-aligned sub-range can be unmapped; the area is split. */
static void partial_unmap_type1(enum node n)
{
	uint64_t out, iova;
	uint32_t ioas = 0;
	char *mem = alloc_pages(4);
	int fd = open_compat(n, &ioas);

	REQUIRE(fd >= 0 && mem);
	CHECK_EQ(set_iommu(fd, VFIO_TYPE1_IOMMU), 0);
	CHECK_OK(dma_map(fd, mem, IOVA_BASE, 4 * page(),
			 VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE));

	/* The middle two pages. */
	CHECK_OK(dma_unmap(fd, IOVA_BASE + page(), 2 * page(), 0, &out));
	CHECK_EQ(out, 2 * page());
	/* The hole is free again, the two ends are still mapped. */
	iova = IOVA_BASE + page();
	CHECK_OK(ioas_map(fd, ioas, mem, 2 * page(), &iova, MAP_FIXED_RW));
	CHECK_ERR(dma_map(fd, mem, IOVA_BASE, page(), VFIO_DMA_MAP_FLAG_READ), EEXIST);
	CHECK_ERR(dma_map(fd, mem, IOVA_BASE + 3 * page(), page(), VFIO_DMA_MAP_FLAG_READ),
		  EEXIST);
	CHECK_OK(dma_unmap(fd, IOVA_BASE + 3 * page(), page(), 0, &out));
	CHECK_EQ(out, page());
	CHECK_OK(dma_unmap(fd, IOVA_BASE, 0x1000 * page(), 0, &out));
	CHECK_EQ(out, 3 * page());

	/* A cut that is not page aligned is refused; nothing changes. */
	CHECK_OK(dma_map(fd, mem, IOVA_BASE, 4 * page(), VFIO_DMA_MAP_FLAG_READ));
	CHECK_ERR(dma_unmap(fd, IOVA_BASE + page() / 2, page(), 0, &out), EINVAL);
	CHECK_EQ(out, page());	/* nothing written back when the cut fails */
	CHECK_ERR(dma_unmap(fd, IOVA_BASE, page() / 2, 0, NULL), EINVAL);

	/* Size 0 and wrapping ranges fail in the unmap, not in the cut. */
	CHECK_ERR(dma_unmap(fd, IOVA_BASE + page(), 0, 0, &out), EINVAL);
	CHECK_EQ(out, 0);
	/* Its last IOVA wraps to 0xfff, outside every area: no cut, then EOVERFLOW. */
	CHECK_ERR(dma_unmap(fd, IOVA_BASE + page(), 0x1000 - (IOVA_BASE + page()), 0, &out),
		  EOVERFLOW);
	CHECK_EQ(out, 0);

	/* The first page, then the last, then the rest. */
	CHECK_OK(dma_unmap(fd, IOVA_BASE, page(), 0, &out));
	CHECK_EQ(out, page());
	CHECK_OK(dma_unmap(fd, IOVA_BASE + 3 * page(), page(), 0, &out));
	CHECK_EQ(out, page());
	CHECK_OK(dma_unmap(fd, IOVA_BASE + page(), 2 * page(), 0, &out));
	CHECK_EQ(out, 2 * page());

	/* At IOVA 0 there is no cut before the start. */
	CHECK_OK(dma_map(fd, mem, 0, 2 * page(), VFIO_DMA_MAP_FLAG_READ));
	CHECK_OK(dma_unmap(fd, 0, page(), 0, &out));
	CHECK_EQ(out, page());
	CHECK_OK(dma_unmap(fd, 0, 2 * page(), 0, &out));
	CHECK_EQ(out, page());

	/* A range covering several areas and cutting the outer two. */
	CHECK_OK(dma_map(fd, mem, IOVA_BASE, 2 * page(), VFIO_DMA_MAP_FLAG_READ));
	CHECK_OK(dma_map(fd, mem, IOVA_BASE + 2 * page(), 2 * page(), VFIO_DMA_MAP_FLAG_READ));
	CHECK_OK(dma_unmap(fd, IOVA_BASE + page(), 2 * page(), 0, &out));
	CHECK_EQ(out, 2 * page());
	CHECK_OK(dma_unmap(fd, 0, 0, VFIO_DMA_UNMAP_FLAG_ALL, &out));
	CHECK_EQ(out, 2 * page());

	munmap(mem, 4 * page());
	close(fd);
}
TEST_BOTH(partial_unmap_type1)

/* ---------------------------------------------------------------------- */
/* Everything else                                                         */
/* ---------------------------------------------------------------------- */

static void other_numbers_enotty(enum node n)
{
	static const unsigned long cmds[] = {
		VFIO_GROUP_GET_STATUS,
		VFIO_GROUP_SET_CONTAINER,
		VFIO_GROUP_UNSET_CONTAINER,
		VFIO_GROUP_GET_DEVICE_FD,
		VFIO_DEVICE_GET_INFO,
		VFIO_DEVICE_GET_REGION_INFO,
		VFIO_DEVICE_GET_IRQ_INFO,
		VFIO_DEVICE_SET_IRQS,
		VFIO_DEVICE_RESET,
		VFIO_IOMMU_ENABLE,
		VFIO_IOMMU_DISABLE,
		VFIO_IOMMU_DIRTY_PAGES,
		VFIO_DEVICE_FEATURE,
		VFIO_DEVICE_BIND_IOMMUFD,
		VFIO_DEVICE_ATTACH_IOMMUFD_PT,
		VFIO_DEVICE_DETACH_IOMMUFD_PT,
		_IO(VFIO_TYPE, 0),
		_IO(VFIO_TYPE, VFIO_BASE - 1),
		_IO(VFIO_TYPE, 0x7f),
		/* Known numbers with direction/size bits are other numbers. */
		_IOWR(VFIO_TYPE, VFIO_BASE + 12, struct vfio_iommu_type1_info),
		_IOW(VFIO_TYPE, VFIO_BASE + 13, struct vfio_iommu_type1_dma_map),
		_IO('x', VFIO_BASE + 0),
	};
	uint64_t buf[8] = { 0 };
	unsigned int i;
	int fd = open_compat(n, NULL);

	REQUIRE(fd >= 0);
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		buf[0] = 64;
		if (!CHECK_ERR(ioctl(fd, cmds[i], buf), ENOTTY))
			fprintf(stderr, "#   cmd %#lx\n", cmds[i]);
	}
	/* Nothing is read for them. */
	CHECK_ERR(ioctl(fd, VFIO_IOMMU_DIRTY_PAGES, NULL), ENOTTY);
	close(fd);

	/* Also without a compat IOAS. */
	fd = open_node(n);
	REQUIRE(fd >= 0);
	CHECK_ERR(ioctl(fd, VFIO_IOMMU_DIRTY_PAGES, buf), ENOTTY);
	CHECK_ERR(ioctl(fd, VFIO_IOMMU_ENABLE), ENOTTY);
	close(fd);
}
TEST_BOTH(other_numbers_enotty)

/* A libvfn-style legacy sequence on /dev/vfio/vfio, minus the group. */
TEST(legacy_container_sequence)
{
	uint64_t buf[BUF_SZ / 8];
	struct vfio_iommu_type1_info *info = (void *)buf;
	struct vfio_info_cap_header *hdr;
	uint32_t ioas = 0, off, seen = 0;
	uint64_t out;
	char *mem = alloc_pages(16);
	int fd = open(VFIO_CONTAINER_PATH, O_RDWR);

	REQUIRE(fd >= 0 && mem);
	CHECK_EQ(ioctl(fd, VFIO_GET_API_VERSION), VFIO_API_VERSION);
	CHECK_EQ(check_ext(fd, VFIO_TYPE1_IOMMU), 1);
	/* The group attach would create the compat IOAS; do it by hand. */
	REQUIRE_OK(ioas_alloc(fd, &ioas));
	REQUIRE_OK(vfio_ioas(fd, IOMMU_VFIO_IOAS_SET, &ioas));
	CHECK_EQ(set_iommu(fd, VFIO_TYPE1_IOMMU), 0);

	memset(buf, 0, sizeof(buf));
	REQUIRE_OK(get_info(fd, buf, INFO_SZ));
	REQUIRE(info->argsz <= sizeof(buf));
	REQUIRE_OK(get_info(fd, buf, info->argsz));
	CHECK(info->flags & VFIO_IOMMU_INFO_CAPS);
	CHECK(info->iova_pgsizes & page());
	for (off = info->cap_offset; off; off = hdr->next) {
		REQUIRE(off + sizeof(*hdr) <= sizeof(buf));
		hdr = (void *)((char *)buf + off);
		seen |= 1u << hdr->id;
	}
	CHECK_EQ(seen, (1u << VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE) |
		       (1u << VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL));

	CHECK_OK(dma_map(fd, mem, IOVA_BASE, 16 * page(),
			 VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE));
	/* Ephemeral sub-mappings come and go inside it in TYPE1 mode. */
	CHECK_OK(dma_unmap(fd, IOVA_BASE + 4 * page(), page(), 0, &out));
	CHECK_EQ(out, page());
	CHECK_OK(dma_map(fd, mem, IOVA_BASE + 4 * page(), page(), VFIO_DMA_MAP_FLAG_READ));
	CHECK_OK(dma_unmap(fd, IOVA_BASE, 16 * page(), 0, &out));
	CHECK_EQ(out, 16 * page());
	munmap(mem, 16 * page());
	CHECK_OK(close(fd));
}

HARNESS_MAIN()
