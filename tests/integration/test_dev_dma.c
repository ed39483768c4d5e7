/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The device face through the C API, without the preload: a program linked
 * with libsoftiommu creates emulated PCI functions, binds one to an iommufd
 * context through its VFIO cdev (sio_open/sio_ioctl), maps memory in an IOAS
 * and lets the function do DMA through the paging domain. A failed
 * translation never touches memory and leaves a fault record. Also the
 * device descriptions, creation rules and path redirection.
 */
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <softiommu/softiommu.h>
#include <softiommu/uapi/iommufd.h>
#include <softiommu/uapi/vfio.h>

#include "harness.h"

#define PAGE 4096ull

struct setup {
	int index;		/* the function */
	int iommufd, devfd;
	uint32_t devid, ioas, hwpt;
};

static int create_fn(uint32_t iommu, uint8_t bus, uint8_t dev, uint8_t pasid, uint32_t flags)
{
	struct sio_device_desc d = {
		.iommu = iommu, .bus = bus, .dev = dev, .pasid_bits = pasid, .flags = flags,
	};

	return sio_device_create(&d);
}

/* Create a VT-d function, bind it, attach it to a fresh IOAS. */
static bool setup(struct setup *s, uint32_t hwpt_flags)
{
	struct vfio_device_bind_iommufd bind = { .argsz = sizeof(bind) };
	struct vfio_device_attach_iommufd_pt attach = { .argsz = sizeof(attach) };
	struct iommu_ioas_alloc alloc = { .size = sizeof(alloc) };
	struct iommu_hwpt_alloc ha = { .size = sizeof(ha) };
	char path[64];

	memset(s, 0, sizeof(*s));
	s->index = create_fn(SIO_DEVICE_IOMMU_VTD, 0x10, 2, 8, 0);
	if (s->index < 0)
		return false;
	snprintf(path, sizeof(path), "/dev/vfio/devices/vfio%d", s->index);
	s->iommufd = sio_open("/dev/iommu", O_RDWR);
	s->devfd = sio_open(path, O_RDWR);
	if (s->iommufd < 0 || s->devfd < 0)
		return false;
	bind.iommufd = s->iommufd;
	if (sio_ioctl(s->devfd, VFIO_DEVICE_BIND_IOMMUFD, &bind))
		return false;
	s->devid = bind.out_devid;
	if (sio_ioctl(s->iommufd, IOMMU_IOAS_ALLOC, &alloc))
		return false;
	s->ioas = alloc.out_ioas_id;
	attach.pt_id = s->ioas;
	if (hwpt_flags) {
		ha.flags = hwpt_flags;
		ha.dev_id = s->devid;
		ha.pt_id = s->ioas;
		if (sio_ioctl(s->iommufd, IOMMU_HWPT_ALLOC, &ha))
			return false;
		attach.pt_id = ha.out_hwpt_id;
	}
	if (sio_ioctl(s->devfd, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &attach))
		return false;
	s->hwpt = attach.pt_id;
	return true;
}

static void teardown(struct setup *s)
{
	sio_close(s->devfd);
	sio_close(s->iommufd);
	CHECK_OK(sio_device_destroy(s->index));
}

static int map(struct setup *s, void *buf, uint64_t len, uint64_t iova, uint32_t flags)
{
	struct iommu_ioas_map m = {
		.size = sizeof(m),
		.flags = IOMMU_IOAS_MAP_FIXED_IOVA | flags,
		.ioas_id = s->ioas,
		.user_va = (uintptr_t)buf,
		.length = len,
		.iova = iova,
	};

	return sio_ioctl(s->iommufd, IOMMU_IOAS_MAP, &m);
}

TEST(parse_descriptions)
{
	struct sio_device_desc d;

	CHECK_OK(sio_device_parse("vtd,bdf=0000:00:04.0,pasid=20,pri,ats", &d));
	CHECK_EQ(d.iommu, SIO_DEVICE_IOMMU_VTD);
	CHECK_EQ(d.segment, 0);
	CHECK_EQ(d.bus, 0);
	CHECK_EQ(d.dev, 4);
	CHECK_EQ(d.fn, 0);
	CHECK_EQ(d.pasid_bits, 20);
	CHECK_EQ(d.flags, SIO_DEVICE_PRI | SIO_DEVICE_ATS);
	CHECK_OK(sio_device_parse("  smmuv3, bdf=1:1f.7 , nodirty ", &d));
	CHECK_EQ(d.iommu, SIO_DEVICE_IOMMU_SMMUV3);
	CHECK_EQ(d.bus, 1);
	CHECK_EQ(d.dev, 0x1f);
	CHECK_EQ(d.fn, 7);
	CHECK_EQ(d.flags, SIO_DEVICE_NO_DIRTY);
	CHECK_OK(sio_device_parse("vtd,bdf=abcd:FE:01.2,nodirty,dirty", &d));
	CHECK_EQ(d.segment, 0xabcd);
	CHECK_EQ(d.bus, 0xfe);
	CHECK_EQ(d.flags, 0);

	CHECK_ERR(sio_device_parse("", &d), EINVAL);
	CHECK_ERR(sio_device_parse("vtd", &d), EINVAL);		/* bdf is required */
	CHECK_ERR(sio_device_parse("amd,bdf=00:01.0", &d), EINVAL);
	CHECK_ERR(sio_device_parse("vtd,bdf=00:20.0", &d), EINVAL);	/* device 32 */
	CHECK_ERR(sio_device_parse("vtd,bdf=00:01.8", &d), EINVAL);
	CHECK_ERR(sio_device_parse("vtd,bdf=00:01", &d), EINVAL);
	CHECK_ERR(sio_device_parse("vtd,bdf=10000:00:01.0", &d), EINVAL);
	CHECK_ERR(sio_device_parse("vtd,bdf=00:01.0,pasid=21", &d), EINVAL);
	CHECK_ERR(sio_device_parse("vtd,bdf=00:01.0,pasid=", &d), EINVAL);
	CHECK_ERR(sio_device_parse("vtd,bdf=00:01.0,pri=1", &d), EINVAL);
	CHECK_ERR(sio_device_parse("vtd,bdf=00:01.0,bogus", &d), EINVAL);
	CHECK_ERR(sio_device_parse((const char *)8, &d), EFAULT);
}

TEST(create_rules)
{
	struct sio_device_desc d;
	int a, b;

	memset(&d, 0, sizeof(d));
	CHECK_ERR(sio_device_create(&d), EINVAL);		/* no IOMMU type */
	d.iommu = SIO_DEVICE_IOMMU_VTD;
	d.dev = 32;
	CHECK_ERR(sio_device_create(&d), EINVAL);
	d.dev = 1;
	d.pasid_bits = 21;
	CHECK_ERR(sio_device_create(&d), EINVAL);
	d.pasid_bits = 0;
	d.flags = 1u << 7;
	CHECK_ERR(sio_device_create(&d), EINVAL);
	d.flags = 0;
	d.__reserved[2] = 1;
	CHECK_ERR(sio_device_create(&d), EINVAL);
	d.__reserved[2] = 0;
	CHECK_ERR(sio_device_create(NULL), EFAULT);

	a = sio_device_create(&d);
	REQUIRE(a >= 0);
	CHECK_EQ(sio_device_next(0), a);
	CHECK_ERR(sio_device_create(&d), EEXIST);
	/* Same RID on the same IOMMU, in another segment: still one ID. */
	d.segment = 1;
	CHECK_ERR(sio_device_create(&d), EEXIST);
	/* The same RID behind the other IOMMU is another device. */
	d.iommu = SIO_DEVICE_IOMMU_SMMUV3;
	b = sio_device_create(&d);
	CHECK(b > a);
	CHECK_OK(sio_device_query(b, &d));
	CHECK_EQ(d.iommu, SIO_DEVICE_IOMMU_SMMUV3);
	CHECK_EQ(d.segment, 1);
	CHECK_OK(sio_device_destroy(b));
	CHECK_OK(sio_device_destroy(a));
	CHECK_ERR(sio_device_destroy(a), ENODEV);
	CHECK_ERR(sio_device_destroy(-1), ENODEV);
	CHECK_ERR(sio_device_query(a, &d), ENODEV);
	CHECK_EQ(sio_device_next(0), -1);
}

TEST(nodes_and_redirect)
{
	char out[PATH_MAX], text[96];
	struct stat st;
	int index, fd;
	ssize_t n;

	/* No function: nothing is redirected, not even /dev/vfio/devices. */
	CHECK_EQ(sio_path_redirect("/dev/vfio/devices", out, sizeof(out)), 0);
	index = create_fn(SIO_DEVICE_IOMMU_SMMUV3, 0, 3, 0, 0);
	REQUIRE(index >= 0);
	snprintf(text, sizeof(text), "/dev/vfio/devices/vfio%d", index);
	CHECK_EQ(sio_path_is_emulated(text), 1);
	CHECK_OK(sio_stat_path(text, &st));
	CHECK(S_ISCHR(st.st_mode));
	CHECK_EQ(st.st_rdev, makedev(511, (unsigned int)index));

	REQUIRE(sio_path_redirect("/sys/bus/pci/devices/0000:00:03.0/vfio-dev", out,
				  sizeof(out)) == 1);
	CHECK_OK(stat(out, &st));
	CHECK(S_ISDIR(st.st_mode));
	CHECK_EQ(sio_path_redirect("/sys/bus/pci/devices/0000:00:03.1", out, sizeof(out)), 0);
	CHECK_EQ(sio_path_redirect("/sys/bus/pci/devices", out, sizeof(out)), 0);
	CHECK_EQ(sio_path_redirect("/sys/class/net", out, sizeof(out)), 0);
	snprintf(text, sizeof(text), "/sys/class/vfio-dev/../vfio-dev/vfio%d/dev", index);
	REQUIRE(sio_path_redirect(text, out, sizeof(out)) == 1);
	fd = open(out, O_RDONLY);
	REQUIRE(fd >= 0);
	n = read(fd, text, sizeof(text) - 1);
	close(fd);
	REQUIRE(n > 0);
	text[n] = '\0';
	CHECK_EQ(strtoul(text, NULL, 10), 511);
	CHECK_EQ(strtoul(strchr(text, ':') + 1, NULL, 10), index);
	CHECK_ERR(sio_path_redirect("/dev/vfio/devices", out, 4), ENAMETOOLONG);
	REQUIRE(sio_path_redirect("/dev/vfio/devices", out, sizeof(out)) == 1);
	CHECK_OK(stat(out, &st));
	CHECK(S_ISDIR(st.st_mode));

	/* Destroy refuses while a cdev fd is open; the files go with the function. */
	snprintf(text, sizeof(text), "/dev/vfio/devices/vfio%d", index);
	fd = sio_open(text, O_RDWR);
	REQUIRE(fd >= 0);
	CHECK_ERR(sio_device_destroy(index), EBUSY);
	CHECK_OK(sio_close(fd));
	REQUIRE(sio_path_redirect("/sys/class/vfio-dev", out, sizeof(out)) == 1);
	CHECK_OK(sio_device_destroy(index));
	CHECK_EQ(sio_path_is_emulated(text), 0);
	CHECK_ERR(sio_open(text, O_RDWR), ENOENT);
	snprintf(text, sizeof(text), "/vfio%d", index);
	strncat(out, text, sizeof(out) - strlen(out) - 1);
	CHECK_ERR(stat(out, &st), ENOENT);
}

TEST(dma_through_paging_domain)
{
	uint8_t *mem, out[256], in[256], guard[256];
	struct sio_dma_fault f;
	struct sio_dev_xlate xl;
	struct setup s;
	unsigned int i;

	REQUIRE(setup(&s, 0));
	mem = mmap(NULL, 4 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	REQUIRE(mem != MAP_FAILED);
	REQUIRE_OK(map(&s, mem, 2 * PAGE, 0x100000,
		       IOMMU_IOAS_MAP_READABLE | IOMMU_IOAS_MAP_WRITEABLE));
	REQUIRE_OK(map(&s, mem + 2 * PAGE, PAGE, 0x200000, IOMMU_IOAS_MAP_READABLE));

	for (i = 0; i < sizeof(out); i++)
		out[i] = (uint8_t)(i * 7 + 1);
	/* A write crossing a page boundary lands in the mapped memory. */
	CHECK_EQ(sio_dev_dma_write(s.index, SIO_NO_PASID_VAL, 0x100000 + PAGE - 100, out,
				   sizeof(out)), sizeof(out));
	CHECK(!memcmp(mem + PAGE - 100, out, sizeof(out)));
	/* And reads back. */
	memset(in, 0, sizeof(in));
	CHECK_EQ(sio_dev_dma_read(s.index, SIO_NO_PASID_VAL, 0x100000 + PAGE - 100, in,
				  sizeof(in)), sizeof(in));
	CHECK(!memcmp(in, out, sizeof(in)));
	/* The CPU's writes are what the device reads. */
	mem[2 * PAGE + 5] = 0x5a;
	CHECK_EQ(sio_dev_dma_read(s.index, SIO_NO_PASID_VAL, 0x200005, in, 1), 1);
	CHECK_EQ(in[0], 0x5a);

	CHECK_OK(sio_dev_translate(s.index, SIO_NO_PASID_VAL, 0x100010, SIO_DMA_READ, &xl));
	CHECK_EQ(xl.addr, (uintptr_t)mem + 0x10);
	CHECK_EQ(xl.page_size, PAGE);
	CHECK(xl.perm & SIO_DMA_WRITE);
	CHECK_ERR(sio_dev_translate(s.index, SIO_NO_PASID_VAL, 0x100010, 0, &xl), EINVAL);

	/* Unmapped IOVA: EFAULT, a fault record, and the buffer untouched. */
	memset(guard, 0xcc, sizeof(guard));
	memcpy(in, guard, sizeof(in));
	CHECK_ERR(sio_dev_dma_read(s.index, SIO_NO_PASID_VAL, 0x300000, in, sizeof(in)), EFAULT);
	CHECK(!memcmp(in, guard, sizeof(in)));
	REQUIRE_OK(sio_dev_last_fault(s.index, &f));
	CHECK_EQ(f.reason, SIO_DMA_FAULT_NOT_PRESENT);
	CHECK_EQ(f.iova, 0x300000);
	CHECK_EQ(f.access, SIO_DMA_READ);
	CHECK_EQ(f.pasid, SIO_NO_PASID_VAL);
	CHECK_EQ(f.rid, 0x10 << 8 | 2 << 3);
	CHECK_EQ(f.done, 0);

	/* A write running off the end of a mapping: the mapped part is written. */
	memset(mem, 0, 2 * PAGE);
	CHECK_ERR(sio_dev_dma_write(s.index, SIO_NO_PASID_VAL, 0x100000 + 2 * PAGE - 16, out,
				    64), EFAULT);
	REQUIRE_OK(sio_dev_last_fault(s.index, &f));
	CHECK_EQ(f.done, 16);
	CHECK_EQ(f.iova, 0x100000 + 2 * PAGE);
	CHECK(!memcmp(mem + 2 * PAGE - 16, out, 16));
	CHECK_EQ(mem[2 * PAGE + 6], 0);		/* the next page (read-only IOVA) is not touched */

	/* A read-only mapping refuses writes, and the memory is unchanged. */
	mem[2 * PAGE] = 0x11;
	CHECK_ERR(sio_dev_dma_write(s.index, SIO_NO_PASID_VAL, 0x200000, out, 8), EFAULT);
	REQUIRE_OK(sio_dev_last_fault(s.index, &f));
	CHECK_EQ(f.reason, SIO_DMA_FAULT_PERM);
	CHECK_EQ(f.access, SIO_DMA_WRITE);
	CHECK_EQ(mem[2 * PAGE], 0x11);

	/* A PASID request: nothing is attached to the PASID. */
	CHECK_ERR(sio_dev_dma_read(s.index, 5, 0x100000, in, 4), EFAULT);
	REQUIRE_OK(sio_dev_last_fault(s.index, &f));
	CHECK_EQ(f.pasid, 5);
	/* Beyond the function's 8-bit PASID width. */
	CHECK_ERR(sio_dev_dma_read(s.index, 300, 0x100000, in, 4), EFAULT);
	REQUIRE_OK(sio_dev_last_fault(s.index, &f));
	CHECK_EQ(f.reason, SIO_DMA_FAULT_PASID);

	/* After unmap the device faults again; after detach it is blocked. */
	{
		struct iommu_ioas_unmap u = {
			.size = sizeof(u), .ioas_id = s.ioas, .iova = 0x100000, .length = 2 * PAGE,
		};
		struct vfio_device_detach_iommufd_pt d = { .argsz = sizeof(d) };

		CHECK_OK(sio_ioctl(s.iommufd, IOMMU_IOAS_UNMAP, &u));
		CHECK_ERR(sio_dev_dma_read(s.index, SIO_NO_PASID_VAL, 0x100000, in, 4), EFAULT);
		CHECK_OK(sio_ioctl(s.devfd, VFIO_DEVICE_DETACH_IOMMUFD_PT, &d));
		CHECK_ERR(sio_dev_dma_read(s.index, SIO_NO_PASID_VAL, 0x200000, in, 4), EFAULT);
		REQUIRE_OK(sio_dev_last_fault(s.index, &f));
		CHECK_EQ(f.reason, SIO_DMA_FAULT_BLOCKED);
	}

	CHECK_ERR(sio_dev_last_fault(s.index + 1, &f), ENOENT);
	CHECK_ERR(sio_dev_dma_read(s.index, SIO_NO_PASID_VAL, UINT64_MAX - 1, in, 4), EINVAL);
	CHECK_ERR(sio_dev_dma_read(-1, SIO_NO_PASID_VAL, 0, in, 4), ENODEV);
	teardown(&s);
	CHECK_ERR(sio_dev_dma_read(s.index, SIO_NO_PASID_VAL, 0x200000, in, 4), ENODEV);
	munmap(mem, 4 * PAGE);
}

static void count_dirty(const uint64_t *bitmap, unsigned int nbits, unsigned int *n)
{
	unsigned int i;

	*n = 0;
	for (i = 0; i < nbits; i++)
		*n += (bitmap[i / 64] >> (i % 64)) & 1;
}

/* Device writes show up in the dirty bitmap of a dirty-tracking HWPT. */
TEST(dma_dirty_tracking)
{
	struct iommu_hwpt_set_dirty_tracking set = { .size = sizeof(set) };
	struct iommu_hwpt_get_dirty_bitmap get = { .size = sizeof(get) };
	uint64_t bitmap[1] = { 0 };
	uint8_t *mem, byte = 1;
	unsigned int n;
	struct setup s;

	REQUIRE(setup(&s, IOMMU_HWPT_ALLOC_DIRTY_TRACKING));
	mem = mmap(NULL, 8 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	REQUIRE(mem != MAP_FAILED);
	REQUIRE_OK(map(&s, mem, 8 * PAGE, 0x400000,
		       IOMMU_IOAS_MAP_READABLE | IOMMU_IOAS_MAP_WRITEABLE));
	set.hwpt_id = s.hwpt;
	set.flags = IOMMU_HWPT_DIRTY_TRACKING_ENABLE;
	REQUIRE_OK(sio_ioctl(s.iommufd, IOMMU_HWPT_SET_DIRTY_TRACKING, &set));

	CHECK_EQ(sio_dev_dma_write(s.index, SIO_NO_PASID_VAL, 0x400000 + 1 * PAGE, &byte, 1), 1);
	CHECK_EQ(sio_dev_dma_write(s.index, SIO_NO_PASID_VAL, 0x400000 + 6 * PAGE, &byte, 1), 1);
	CHECK_EQ(sio_dev_dma_read(s.index, SIO_NO_PASID_VAL, 0x400000 + 3 * PAGE, &byte, 1), 1);

	get.hwpt_id = s.hwpt;
	get.iova = 0x400000;
	get.length = 8 * PAGE;
	get.page_size = PAGE;
	get.data = (uintptr_t)bitmap;
	REQUIRE_OK(sio_ioctl(s.iommufd, IOMMU_HWPT_GET_DIRTY_BITMAP, &get));
	count_dirty(bitmap, 8, &n);
	CHECK_EQ(n, 2);
	CHECK_EQ(bitmap[0], (1u << 1) | (1u << 6));
	/* Read and cleared: the next read sees nothing new. */
	bitmap[0] = 0;
	REQUIRE_OK(sio_ioctl(s.iommufd, IOMMU_HWPT_GET_DIRTY_BITMAP, &get));
	CHECK_EQ(bitmap[0], 0);
	teardown(&s);
	munmap(mem, 8 * PAGE);
}

struct dma_thread {
	int index;
	uint64_t iova;
	const uint8_t *expect;	/* what a successful read returns */
	unsigned long ok, faults, gone;
};

/* Read until the function is gone; every read succeeds with the data or faults. */
static void *dma_reader(void *arg)
{
	struct dma_thread *t = arg;
	uint8_t in[64];

	for (;;) {
		ssize_t n = sio_dev_dma_read(t->index, SIO_NO_PASID_VAL, t->iova, in, sizeof(in));

		if (n == (ssize_t)sizeof(in) && !memcmp(in, t->expect, sizeof(in)))
			t->ok++;
		else if (n < 0 && errno == EFAULT)
			t->faults++;
		else if (n < 0 && errno == ENODEV)
			break;
		else
			return (void *)1;	/* wrong data or errno */
	}
	t->gone++;
	return NULL;
}

/*
 * DMA from several threads while the driver maps, unmaps, detaches,
 * re-attaches, closes and finally destroys the function: every transfer
 * either moves the right bytes or faults, and destroy waits for the readers.
 */
TEST(dma_concurrent_with_driver)
{
	struct iommu_ioas_unmap u = { .size = sizeof(u) };
	struct vfio_device_attach_iommufd_pt attach = { .argsz = sizeof(attach) };
	struct vfio_device_detach_iommufd_pt detach = { .argsz = sizeof(detach) };
	struct dma_thread t[4];
	pthread_t tid[4];
	uint8_t *mem;
	struct setup s;
	unsigned int i, round;
	void *ret;

	REQUIRE(setup(&s, 0));
	mem = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	REQUIRE(mem != MAP_FAILED);
	for (i = 0; i < PAGE; i++)
		mem[i] = (uint8_t)(i ^ 0x5a);
	REQUIRE_OK(map(&s, mem, PAGE, 0x800000, IOMMU_IOAS_MAP_READABLE));
	for (i = 0; i < 4; i++) {
		memset(&t[i], 0, sizeof(t[i]));
		t[i].index = s.index;
		t[i].iova = 0x800000 + i * 64;
		t[i].expect = mem + i * 64;
		REQUIRE_OK(pthread_create(&tid[i], NULL, dma_reader, &t[i]));
	}
	u.ioas_id = s.ioas;
	u.iova = 0x800000;
	u.length = PAGE;
	for (round = 0; round < 200; round++) {
		CHECK_OK(sio_ioctl(s.iommufd, IOMMU_IOAS_UNMAP, &u));
		CHECK_OK(map(&s, mem, PAGE, 0x800000, IOMMU_IOAS_MAP_READABLE));
		if (round % 10 == 0) {
			CHECK_OK(sio_ioctl(s.devfd, VFIO_DEVICE_DETACH_IOMMUFD_PT, &detach));
			attach.pt_id = s.ioas;
			CHECK_OK(sio_ioctl(s.devfd, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &attach));
		}
	}
	sio_close(s.devfd);
	sio_close(s.iommufd);
	CHECK_OK(sio_device_destroy(s.index));
	for (i = 0; i < 4; i++) {
		CHECK_OK(pthread_join(tid[i], &ret));
		CHECK(ret == NULL);
		CHECK_EQ(t[i].gone, 1);
	}
	munmap(mem, PAGE);
}

/* $SOFTIOMMU_DEVICES, as the preload library reads it at load. */
TEST(devices_from_env)
{
	struct sio_device_desc d;
	int i;

	CHECK_OK(unsetenv("SOFTIOMMU_DEVICES"));
	CHECK_EQ(sio_devices_from_env(), 0);
	CHECK_OK(setenv("SOFTIOMMU_DEVICES",
			"vtd,bdf=0000:00:04.0,pasid=20,pri,ats\n# a comment\n"
			"; smmuv3,bdf=00:05.0,nodirty ;", 1));
	CHECK_EQ(sio_devices_from_env(), 2);
	i = sio_device_next(0);
	REQUIRE(i >= 0);
	CHECK_OK(sio_device_query(i, &d));
	CHECK_EQ(d.dev, 4);
	CHECK_EQ(d.flags, SIO_DEVICE_PRI | SIO_DEVICE_ATS);
	i = sio_device_next(i + 1);
	REQUIRE(i >= 0);
	CHECK_OK(sio_device_query(i, &d));
	CHECK_EQ(d.dev, 5);
	/* A bad description stops there: EINVAL; a taken address: EEXIST. */
	CHECK_OK(setenv("SOFTIOMMU_DEVICES", "vtd,bdf=00:06.0;vtd,pasid=3", 1));
	CHECK_ERR(sio_devices_from_env(), EINVAL);
	CHECK_OK(setenv("SOFTIOMMU_DEVICES", "vtd,bdf=00:04.0", 1));
	CHECK_ERR(sio_devices_from_env(), EEXIST);
	unsetenv("SOFTIOMMU_DEVICES");
	for (i = sio_device_next(0); i >= 0; i = sio_device_next(i + 1))
		CHECK_OK(sio_device_destroy(i));
	CHECK_EQ(sio_device_next(0), -1);
}

HARNESS_MAIN()
