/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fault queues through the preload (spec iommufd-abi §4.10, §4.15, §6, §7;
 * iommufd-testops §3.5, §4.15): IOMMU_FAULT_QUEUE_ALLOC and its fd, HWPTs
 * allocated with a fault ID, TRIGGER_IOPF routing, the read/write protocol,
 * auto-completion on replace/detach/close, poll/epoll/select readiness,
 * and concurrent producers and readers.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/select.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define HARNESS_ISOLATE
#include "harness.h"
#include "iommufd_helpers.h"
#include "vfio_helpers.h"

#define REC sizeof(struct iommu_hwpt_pgfault)
#define RESP sizeof(struct iommu_hwpt_page_response)

static int fault_alloc(int fd, uint32_t flags, uint32_t *id, int *ffd)
{
	struct iommu_fault_alloc cmd = { .size = sizeof(cmd), .flags = flags };
	int rc = ioctl(fd, IOMMU_FAULT_QUEUE_ALLOC, &cmd);

	if (!rc) {
		*id = cmd.out_fault_id;
		*ffd = (int)cmd.out_fault_fd;
	}
	return rc;
}

static int hwpt_alloc_fault(int fd, uint32_t dev, uint32_t pt, uint32_t flags, uint32_t fault_id,
			    bool nested, uint32_t *out)
{
	struct iommu_hwpt_selftest data = { .iotlb = IOMMU_TEST_IOTLB_DEFAULT };
	struct iommu_hwpt_alloc cmd = {
		.size = sizeof(cmd),
		.flags = flags,
		.dev_id = dev,
		.pt_id = pt,
		.data_type = nested ? IOMMU_HWPT_DATA_SELFTEST : IOMMU_HWPT_DATA_NONE,
		.data_len = nested ? sizeof(data) : 0,
		.data_uptr = nested ? (uintptr_t)&data : 0,
		.fault_id = fault_id,
	};
	int rc = ioctl(fd, IOMMU_HWPT_ALLOC, &cmd);

	if (!rc && out)
		*out = cmd.out_hwpt_id;
	return rc;
}

static int trigger_iopf(int fd, uint32_t dev_id, uint32_t pasid, uint32_t grpid)
{
	struct iommu_test_cmd cmd;

	test_cmd_init(&cmd, IOMMU_TEST_OP_TRIGGER_IOPF, 0);
	cmd.trigger_iopf.dev_id = dev_id;
	cmd.trigger_iopf.pasid = pasid;
	cmd.trigger_iopf.grpid = grpid;
	cmd.trigger_iopf.perm = IOMMU_PGFAULT_PERM_READ | IOMMU_PGFAULT_PERM_WRITE;
	cmd.trigger_iopf.addr = 0xdeadbeaf;
	return ioctl(fd, IOMMU_TEST_CMD, &cmd);
}

static int pasid_op(int fd, uint32_t op, uint32_t stdev, uint32_t pasid, uint32_t pt_id)
{
	struct iommu_test_cmd cmd;

	test_cmd_init(&cmd, op, stdev);
	cmd.pasid_attach.pasid = pasid;
	cmd.pasid_attach.pt_id = pt_id;
	return ioctl(fd, IOMMU_TEST_CMD, &cmd);
}

static ssize_t respond(int ffd, uint32_t cookie, uint32_t code)
{
	struct iommu_hwpt_page_response r = { .cookie = cookie, .code = code };

	return write(ffd, &r, sizeof(r));
}

/*
 * The kernel selftest's setup: a PASID-capable mock device, a nesting
 * parent, a fault queue and a nested HWPT delivering to it, attached at
 * the RID (replacing the auto domain).
 */
struct env {
	int fd, ffd;
	uint32_t ioas, stdev, idev, auto_hwpt, parent, fault, iopf_hwpt;
};

static void setup(struct env *e)
{
	uint32_t pt;

	e->fd = iommufd_open();
	REQUIRE(e->fd >= 0);
	REQUIRE_OK(ioas_alloc(e->fd, &e->ioas));
	REQUIRE_OK(mock_domain_flags(e->fd, e->ioas, MOCK_FLAGS_DEVICE_PASID, &e->stdev,
				     &e->auto_hwpt, &e->idev));
	REQUIRE_OK(hwpt_alloc_simple(e->fd, e->idev, e->ioas,
				     IOMMU_HWPT_ALLOC_NEST_PARENT | IOMMU_HWPT_ALLOC_PASID,
				     &e->parent));
	REQUIRE_OK(fault_alloc(e->fd, 0, &e->fault, &e->ffd));
	REQUIRE_OK(hwpt_alloc_fault(e->fd, e->idev, e->parent,
				    IOMMU_HWPT_FAULT_ID_VALID | IOMMU_HWPT_ALLOC_PASID, e->fault,
				    true, &e->iopf_hwpt));
	pt = e->iopf_hwpt;
	REQUIRE_OK(mock_domain_replace(e->fd, e->stdev, &pt));
}

static short revents(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN | POLLOUT | POLLRDNORM };

	if (poll(&p, 1, 0) < 0)
		return -1;
	return p.revents;
}

TEST(fault_alloc_and_fd)
{
	uint32_t id;
	int fd = iommufd_open(), ffd;
	struct stat st;

	REQUIRE(fd >= 0);
	CHECK_ERR(fault_alloc(fd, 1, &id, &ffd), EOPNOTSUPP);
	CHECK_ERR(fault_alloc(fd, 0x80000000u, &id, &ffd), EOPNOTSUPP);
	REQUIRE_OK(fault_alloc(fd, 0, &id, &ffd));
	CHECK(id != 0);
	CHECK_EQ(fcntl(ffd, F_GETFL) & O_ACCMODE, O_RDWR);
	CHECK_EQ(fcntl(ffd, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
	CHECK_OK(fstat(ffd, &st));
	/* The fd holds the object. */
	CHECK_ERR(iommu_destroy(fd, id), EBUSY);
	CHECK_OK(close(ffd));
	CHECK_OK(iommu_destroy(fd, id));
	CHECK_ERR(iommu_destroy(fd, id), ENOENT);
	close(fd);
}

/* The fault fd keeps its context: usable after /dev/iommu is closed. */
TEST(fault_fd_outlives_iommufd)
{
	struct iommu_hwpt_pgfault rec;
	uint32_t id;
	int fd = iommufd_open(), ffd;

	REQUIRE(fd >= 0);
	REQUIRE_OK(fault_alloc(fd, 0, &id, &ffd));
	CHECK_OK(close(fd));
	CHECK_EQ(read(ffd, &rec, sizeof(rec)), 0);
	CHECK_EQ(revents(ffd), POLLOUT);
	CHECK_OK(close(ffd));
}

TEST(hwpt_alloc_fault_id_rules)
{
	uint32_t ioas = 0, stdev = 0, idev = 0, hwpt = 0, fault = 0, parent = 0, h = 0;
	int fd = iommufd_open(), ffd;

	REQUIRE(fd >= 0);
	REQUIRE_OK(ioas_alloc(fd, &ioas));
	REQUIRE_OK(mock_domain(fd, ioas, &stdev, &hwpt, &idev));
	REQUIRE_OK(fault_alloc(fd, 0, &fault, &ffd));
	/* Missing fault object, or another type: ENOENT. */
	CHECK_ERR(hwpt_alloc_fault(fd, idev, ioas, IOMMU_HWPT_FAULT_ID_VALID, 0, false, &h),
		  ENOENT);
	CHECK_ERR(hwpt_alloc_fault(fd, idev, ioas, IOMMU_HWPT_FAULT_ID_VALID, ioas, false, &h),
		  ENOENT);
	CHECK_ERR(hwpt_alloc_fault(fd, idev, ioas, IOMMU_HWPT_FAULT_ID_VALID, fault + 100, false,
				   &h), ENOENT);
	/* With NEST_PARENT: EOPNOTSUPP before the lookup. */
	CHECK_ERR(hwpt_alloc_fault(fd, idev, ioas,
				   IOMMU_HWPT_FAULT_ID_VALID | IOMMU_HWPT_ALLOC_NEST_PARENT, 0,
				   false, &h), EOPNOTSUPP);
	/* Without the flag fault_id is ignored. */
	CHECK_OK(hwpt_alloc_fault(fd, idev, ioas, 0, 12345, false, &h));
	CHECK_OK(iommu_destroy(fd, h));
	/* Paging with a fault queue: the HWPT holds the FAULT. */
	REQUIRE_OK(hwpt_alloc_fault(fd, idev, ioas, IOMMU_HWPT_FAULT_ID_VALID, fault, false, &h));
	CHECK_OK(close(ffd));
	CHECK_ERR(iommu_destroy(fd, fault), EBUSY);
	CHECK_OK(iommu_destroy(fd, h));
	CHECK_OK(iommu_destroy(fd, fault));
	/* Nested, and the failed lookup leaves no HWPT behind. */
	REQUIRE_OK(fault_alloc(fd, 0, &fault, &ffd));
	REQUIRE_OK(hwpt_alloc_simple(fd, idev, ioas, IOMMU_HWPT_ALLOC_NEST_PARENT, &parent));
	CHECK_ERR(hwpt_alloc_fault(fd, idev, parent, IOMMU_HWPT_FAULT_ID_VALID, parent, true, &h),
		  ENOENT);
	CHECK_OK(iommu_destroy(fd, parent));
	REQUIRE_OK(hwpt_alloc_simple(fd, idev, ioas, IOMMU_HWPT_ALLOC_NEST_PARENT, &parent));
	REQUIRE_OK(hwpt_alloc_fault(fd, idev, parent, IOMMU_HWPT_FAULT_ID_VALID, fault, true, &h));
	CHECK_ERR(iommu_destroy(fd, fault), EBUSY);
	CHECK_OK(iommu_destroy(fd, h));
	CHECK_ERR(iommu_destroy(fd, fault), EBUSY);	/* the fd still holds it */
	CHECK_OK(close(ffd));
	CHECK_OK(iommu_destroy(fd, fault));
	close(fd);
}

/* alloc_hwpt_nested with iopf: trigger, read one record, respond SUCCESS. */
TEST(nested_iopf_selftest_flow)
{
	struct iommu_hwpt_pgfault rec;
	struct env e;

	setup(&e);
	CHECK_OK(trigger_iopf(e.fd, e.idev, 1, 2));
	memset(&rec, 0xff, sizeof(rec));
	CHECK_EQ(read(e.ffd, &rec, sizeof(rec)), REC);
	/* PASID 1 has no attachment: the RID's nested HWPT (user PASID table). */
	CHECK_EQ(rec.flags, IOMMU_PGFAULT_FLAGS_PASID_VALID | IOMMU_PGFAULT_FLAGS_LAST_PAGE);
	CHECK_EQ(rec.dev_id, e.idev);
	CHECK_EQ(rec.pasid, 1);
	CHECK_EQ(rec.grpid, 2);
	CHECK_EQ(rec.perm, IOMMU_PGFAULT_PERM_READ | IOMMU_PGFAULT_PERM_WRITE);
	CHECK_EQ(rec.__reserved, 0);
	CHECK_EQ(rec.addr, 0xdeadbeaf);
	CHECK_EQ(rec.length, 0);
	CHECK(rec.cookie != 0);
	CHECK_EQ(respond(e.ffd, rec.cookie, IOMMUFD_PAGE_RESP_SUCCESS), RESP);
	/* Answered once only. */
	CHECK_ERR(respond(e.ffd, rec.cookie, IOMMUFD_PAGE_RESP_SUCCESS), EINVAL);
	/* PASID 0 is the RID: no PASID_VALID. */
	CHECK_OK(trigger_iopf(e.fd, e.idev, 0, 7));
	CHECK_EQ(read(e.ffd, &rec, sizeof(rec)), REC);
	CHECK_EQ(rec.flags, IOMMU_PGFAULT_FLAGS_LAST_PAGE);
	CHECK_EQ(rec.pasid, 0);
	CHECK_EQ(rec.grpid, 7);
	CHECK_EQ(respond(e.ffd, rec.cookie, IOMMUFD_PAGE_RESP_INVALID), RESP);
	CHECK_EQ(read(e.ffd, &rec, sizeof(rec)), 0);
}

/* viommu_alloc_nested_iopf: a nested HWPT on a vIOMMU delivering to a FAULT. */
TEST(viommu_nested_iopf)
{
	struct iommu_viommu_alloc va = { .size = sizeof(va), .type = IOMMU_VIOMMU_TYPE_SELFTEST };
	struct iommu_vdevice_alloc vd = { .size = sizeof(vd), .virt_id = 0x99 };
	struct iommu_hwpt_pgfault rec;
	uint32_t iopf_hwpt = 0, pt;
	struct env e;

	setup(&e);
	va.dev_id = e.idev;
	va.hwpt_id = e.parent;
	REQUIRE_OK(ioctl(e.fd, IOMMU_VIOMMU_ALLOC, &va));
	vd.viommu_id = va.out_viommu_id;
	vd.dev_id = e.idev;
	REQUIRE_OK(ioctl(e.fd, IOMMU_VDEVICE_ALLOC, &vd));
	CHECK_ERR(hwpt_alloc_fault(e.fd, e.idev, va.out_viommu_id, IOMMU_HWPT_FAULT_ID_VALID,
				   e.parent, true, &iopf_hwpt), ENOENT);
	REQUIRE_OK(hwpt_alloc_fault(e.fd, e.idev, va.out_viommu_id, IOMMU_HWPT_FAULT_ID_VALID,
				    e.fault, true, &iopf_hwpt));
	pt = iopf_hwpt;
	REQUIRE_OK(mock_domain_replace(e.fd, e.stdev, &pt));
	/* The old nested HWPT of the same FAULT is no longer attached: it is destroyable. */
	CHECK_OK(iommu_destroy(e.fd, e.iopf_hwpt));
	CHECK_OK(trigger_iopf(e.fd, e.idev, 1, 2));
	CHECK_EQ(read(e.ffd, &rec, sizeof(rec)), REC);
	CHECK_EQ(rec.dev_id, e.idev);
	CHECK_EQ(rec.pasid, 1);
	CHECK_EQ(respond(e.ffd, rec.cookie, IOMMUFD_PAGE_RESP_SUCCESS), RESP);
	CHECK_ERR(iommu_destroy(e.fd, e.fault), EBUSY);
	CHECK_ERR(iommu_destroy(e.fd, iopf_hwpt), EBUSY);
}

TEST(trigger_iopf_errors_and_no_consumer)
{
	uint32_t ioas = 0, stdev = 0, idev = 0, hwpt = 0;
	int fd = iommufd_open();

	REQUIRE(fd >= 0);
	REQUIRE_OK(ioas_alloc(fd, &ioas));
	REQUIRE_OK(mock_domain(fd, ioas, &stdev, &hwpt, &idev));
	CHECK_ERR(trigger_iopf(fd, idev + 100, 0, 0), ENOENT);
	CHECK_ERR(trigger_iopf(fd, ioas, 0, 0), ENOENT);
	CHECK_ERR(trigger_iopf(fd, stdev, 0, 0), ENOENT);
	/* An auto domain has no fault queue; nobody consumes it: still 0. */
	CHECK_OK(trigger_iopf(fd, idev, 0, 0));
	CHECK_OK(trigger_iopf(fd, idev, 5, 0));
	close(fd);
}

/* A VFIO-bound (VT-d) device is not a mock device: EINVAL. */
TEST(trigger_iopf_non_mock)
{
	uint32_t devid = 0;
	int fd = iommufd_open(), devfd;

	REQUIRE(fd >= 0);
	devfd = open_cdev_by_bdf("0000:00:04.0");
	REQUIRE(devfd >= 0);
	REQUIRE_OK(vfio_bind(devfd, fd, &devid));
	CHECK_ERR(trigger_iopf(fd, devid, 0, 0), EINVAL);
	close(devfd);
	close(fd);
}

TEST(read_rules)
{
	struct iommu_hwpt_pgfault recs[4];
	char *bad;
	struct env e;
	int i;

	setup(&e);
	/* Empty: 0, also for count 0; sizes not a multiple of 40: ESPIPE. */
	CHECK_EQ(read(e.ffd, recs, 0), 0);
	CHECK_EQ(read(e.ffd, recs, sizeof(recs)), 0);
	CHECK_ERR(read(e.ffd, recs, REC - 1), ESPIPE);
	CHECK_ERR(read(e.ffd, recs, REC + 1), ESPIPE);
	CHECK_ERR(pread(e.ffd, recs, REC, 0), ESPIPE);
	CHECK_ERR(pwrite(e.ffd, recs, RESP, 0), ESPIPE);
	for (i = 0; i < 3; i++)
		REQUIRE_OK(trigger_iopf(e.fd, e.idev, 0, (uint32_t)i));
	CHECK_ERR(read(e.ffd, recs, 0), EINVAL);
	/* A bad buffer: EFAULT and nothing is lost. */
	bad = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	REQUIRE(bad != MAP_FAILED);
	CHECK_ERR(read(e.ffd, bad, REC), EFAULT);
	CHECK_ERR(read(e.ffd, bad + 4096 - REC / 2, REC), EFAULT);
	/* Groups before the fault are delivered, the rest stays queued. */
	{
		char *buf = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
				 -1, 0);
		struct iommu_hwpt_pgfault *p;

		REQUIRE(buf != MAP_FAILED);
		CHECK_OK(mprotect(buf + 4096, 4096, PROT_NONE));
		p = (struct iommu_hwpt_pgfault *)(buf + 4096 - 2 * REC);
		CHECK_EQ(read(e.ffd, p, 3 * REC), 2 * REC);
		CHECK_EQ(p[0].grpid, 0);
		CHECK_EQ(p[1].grpid, 1);
		recs[0] = p[0];
		recs[1] = p[1];
		munmap(buf, 8192);
	}
	CHECK_EQ(read(e.ffd, &recs[2], 2 * REC), REC);
	CHECK_EQ(recs[2].grpid, 2);
	CHECK(recs[0].cookie && recs[1].cookie && recs[2].cookie);
	CHECK(recs[0].cookie != recs[1].cookie && recs[1].cookie != recs[2].cookie &&
	      recs[0].cookie != recs[2].cookie);
	CHECK_EQ(read(e.ffd, recs, sizeof(recs)), 0);
	/* Several groups in one read, whole groups only. */
	for (i = 0; i < 3; i++)
		REQUIRE_OK(trigger_iopf(e.fd, e.idev, 0, (uint32_t)(i + 10)));
	CHECK_EQ(read(e.ffd, recs, 2 * REC), 2 * REC);
	CHECK_EQ(recs[0].grpid, 10);
	CHECK_EQ(recs[1].grpid, 11);
	CHECK_EQ(read(e.ffd, &recs[2], 2 * REC), REC);
	CHECK_EQ(recs[2].grpid, 12);
	CHECK(recs[0].cookie && recs[1].cookie && recs[2].cookie);
	CHECK(recs[0].cookie != recs[1].cookie && recs[1].cookie != recs[2].cookie &&
	      recs[0].cookie != recs[2].cookie);
	CHECK_EQ(read(e.ffd, recs, sizeof(recs)), 0);
	/* Write: bad sizes, bad code, unknown cookie, bad pointer. */
	CHECK_ERR(write(e.ffd, recs, RESP - 1), ESPIPE);
	CHECK_ERR(write(e.ffd, recs, RESP + 4), ESPIPE);
	CHECK_ERR(respond(e.ffd, recs[0].cookie, 2), EINVAL);
	CHECK_ERR(respond(e.ffd, 0, IOMMUFD_PAGE_RESP_SUCCESS), EINVAL);
	CHECK_ERR(respond(e.ffd, recs[0].cookie + 1000, IOMMUFD_PAGE_RESP_SUCCESS), EINVAL);
	CHECK_ERR(write(e.ffd, bad, RESP), EFAULT);
	CHECK_EQ(write(e.ffd, recs, 0), 0);
	{
		struct iommu_hwpt_page_response r[3] = {
			{ recs[0].cookie, IOMMUFD_PAGE_RESP_SUCCESS },
			{ recs[1].cookie, 7 },
			{ recs[2].cookie, IOMMUFD_PAGE_RESP_SUCCESS },
		};

		/* In order: the first is consumed, the second fails, the rest waits. */
		CHECK_EQ(write(e.ffd, r, sizeof(r)), RESP);
		CHECK_ERR(write(e.ffd, &r[1], 2 * RESP), EINVAL);
		r[1].code = IOMMUFD_PAGE_RESP_INVALID;
		CHECK_EQ(write(e.ffd, &r[1], 2 * RESP), 2 * RESP);
		CHECK_ERR(write(e.ffd, r, RESP), EINVAL);
	}
	munmap(bad, 4096);
}

/* Replace and detach auto-complete their attachment's groups. */
TEST(replace_and_detach_complete_pending)
{
	struct iommu_hwpt_pgfault rec;
	uint32_t pasid_hwpt, pt;
	struct env e;

	setup(&e);
	REQUIRE_OK(trigger_iopf(e.fd, e.idev, 0, 1));
	REQUIRE_OK(trigger_iopf(e.fd, e.idev, 0, 2));
	CHECK_EQ(read(e.ffd, &rec, sizeof(rec)), REC);
	CHECK_EQ(revents(e.ffd), POLLIN | POLLRDNORM | POLLOUT);
	pt = e.parent;
	CHECK_OK(mock_domain_replace(e.fd, e.stdev, &pt));
	/* Both groups are gone: the delivered one cannot be answered. */
	CHECK_EQ(revents(e.ffd), POLLOUT);
	CHECK_EQ(read(e.ffd, &rec, sizeof(rec)), 0);
	CHECK_ERR(respond(e.ffd, rec.cookie, IOMMUFD_PAGE_RESP_SUCCESS), EINVAL);
	/* Faults without a fault queue on the RID are dropped. */
	CHECK_OK(trigger_iopf(e.fd, e.idev, 0, 3));
	CHECK_EQ(read(e.ffd, &rec, sizeof(rec)), 0);

	/* A PASID attachment with a fault queue (pasid_attach flow). */
	REQUIRE_OK(hwpt_alloc_fault(e.fd, e.idev, e.ioas,
				    IOMMU_HWPT_FAULT_ID_VALID | IOMMU_HWPT_ALLOC_PASID, e.fault,
				    false, &pasid_hwpt));
	REQUIRE_OK(pasid_op(e.fd, IOMMU_TEST_OP_PASID_ATTACH, e.stdev, 2, pasid_hwpt));
	CHECK_OK(trigger_iopf(e.fd, e.idev, 2, 4));
	CHECK_EQ(read(e.ffd, &rec, sizeof(rec)), REC);
	CHECK_EQ(rec.pasid, 2);
	CHECK_EQ(rec.flags, IOMMU_PGFAULT_FLAGS_PASID_VALID | IOMMU_PGFAULT_FLAGS_LAST_PAGE);
	CHECK_EQ(respond(e.ffd, rec.cookie, IOMMUFD_PAGE_RESP_SUCCESS), RESP);
	/* Other PASIDs do not fall back to a paging RID HWPT. */
	CHECK_OK(trigger_iopf(e.fd, e.idev, 3, 5));
	CHECK_EQ(read(e.ffd, &rec, sizeof(rec)), 0);
	CHECK_OK(trigger_iopf(e.fd, e.idev, 2, 6));
	CHECK_OK(trigger_iopf(e.fd, e.idev, 2, 7));
	CHECK_EQ(read(e.ffd, &rec, sizeof(rec)), REC);
	CHECK_ERR(iommu_destroy(e.fd, pasid_hwpt), EBUSY);
	CHECK_OK(pasid_op(e.fd, IOMMU_TEST_OP_PASID_DETACH, e.stdev, 2, 0));
	CHECK_EQ(read(e.ffd, &rec, sizeof(rec)), 0);
	CHECK_ERR(respond(e.ffd, rec.cookie, IOMMUFD_PAGE_RESP_SUCCESS), EINVAL);
	CHECK_OK(iommu_destroy(e.fd, pasid_hwpt));
	/* Destroying the device (unbind) sweeps too. */
	pt = e.iopf_hwpt;
	CHECK_OK(mock_domain_replace(e.fd, e.stdev, &pt));
	CHECK_OK(trigger_iopf(e.fd, e.idev, 0, 8));
	CHECK_OK(iommu_destroy(e.fd, e.stdev));
	CHECK_EQ(read(e.ffd, &rec, sizeof(rec)), 0);
	CHECK_OK(iommu_destroy(e.fd, e.iopf_hwpt));
	CHECK_ERR(iommu_destroy(e.fd, e.fault), EBUSY);
	CHECK_OK(close(e.ffd));
	CHECK_OK(iommu_destroy(e.fd, e.fault));
}

/* Closing the fd with queued and delivered groups, then destroying everything. */
TEST(close_with_outstanding_groups)
{
	struct iommu_hwpt_pgfault rec;
	struct env e;

	setup(&e);
	REQUIRE_OK(trigger_iopf(e.fd, e.idev, 0, 1));
	REQUIRE_OK(trigger_iopf(e.fd, e.idev, 0, 2));
	CHECK_EQ(read(e.ffd, &rec, sizeof(rec)), REC);
	CHECK_OK(close(e.ffd));
	/* Still queued on the FAULT after the close; nobody reads them. */
	CHECK_OK(trigger_iopf(e.fd, e.idev, 0, 3));
	CHECK_ERR(iommu_destroy(e.fd, e.fault), EBUSY);
	CHECK_OK(iommu_destroy(e.fd, e.stdev));
	CHECK_OK(iommu_destroy(e.fd, e.iopf_hwpt));
	CHECK_OK(iommu_destroy(e.fd, e.fault));
	CHECK_OK(close(e.fd));
}

TEST(poll_epoll_select)
{
	struct epoll_event ev = { .events = EPOLLIN | EPOLLOUT }, got;
	struct iommu_hwpt_pgfault rec;
	struct timeval tv = { 0 };
	struct env e;
	fd_set rfds, wfds;
	int ep, dupfd;

	setup(&e);
	CHECK_EQ(revents(e.ffd), POLLOUT);
	ep = epoll_create1(EPOLL_CLOEXEC);
	REQUIRE(ep >= 0);
	CHECK_OK(epoll_ctl(ep, EPOLL_CTL_ADD, e.ffd, &ev));
	CHECK_EQ(epoll_wait(ep, &got, 1, 0), 1);
	CHECK_EQ(got.events, EPOLLOUT);
	REQUIRE_OK(trigger_iopf(e.fd, e.idev, 0, 1));
	CHECK_EQ(revents(e.ffd), POLLIN | POLLRDNORM | POLLOUT);
	CHECK_EQ(epoll_wait(ep, &got, 1, 0), 1);
	CHECK_EQ(got.events, EPOLLIN | EPOLLOUT);
	FD_ZERO(&rfds);
	FD_ZERO(&wfds);
	FD_SET(e.ffd, &rfds);
	FD_SET(e.ffd, &wfds);
	CHECK_EQ(select(e.ffd + 1, &rfds, &wfds, NULL, &tv), 2);
	/* A duplicate shares it; O_NONBLOCK changes nothing. */
	dupfd = dup(e.ffd);
	REQUIRE(dupfd >= 0);
	CHECK_OK(fcntl(dupfd, F_SETFL, O_NONBLOCK));
	CHECK_EQ(revents(dupfd), POLLIN | POLLRDNORM | POLLOUT);
	CHECK_EQ(read(dupfd, &rec, sizeof(rec)), REC);
	CHECK_EQ(revents(e.ffd), POLLOUT);
	CHECK_EQ(epoll_wait(ep, &got, 1, 0), 1);
	CHECK_EQ(got.events, EPOLLOUT);
	FD_ZERO(&rfds);
	FD_SET(e.ffd, &rfds);
	CHECK_EQ(select(e.ffd + 1, &rfds, NULL, NULL, &tv), 0);
	/* Responding does not make it readable; a new group does. */
	CHECK_EQ(respond(dupfd, rec.cookie, IOMMUFD_PAGE_RESP_SUCCESS), RESP);
	CHECK_EQ(revents(e.ffd), POLLOUT);
	REQUIRE_OK(trigger_iopf(e.fd, e.idev, 0, 2));
	CHECK_EQ(revents(dupfd), POLLIN | POLLRDNORM | POLLOUT);
	close(ep);
	close(dupfd);
}

/* A blocking poll() in one thread wakes when another triggers a fault. */
static void *trigger_later(void *arg)
{
	struct env *e = arg;

	usleep(20000);
	return (void *)(intptr_t)trigger_iopf(e->fd, e->idev, 0, 9);
}

TEST(poll_wakes_up)
{
	struct pollfd p;
	struct env e;
	pthread_t t;
	void *ret;

	setup(&e);
	p = (struct pollfd){ .fd = e.ffd, .events = POLLIN };
	REQUIRE_OK(pthread_create(&t, NULL, trigger_later, &e));
	CHECK_EQ(poll(&p, 1, 5000), 1);
	CHECK_EQ(p.revents, POLLIN);
	pthread_join(t, &ret);
	CHECK_EQ((intptr_t)ret, 0);
}

/* The fault fd in a forked child: EXDEV, and closing it there changes nothing. */
TEST(fork_child_exdev)
{
	struct iommu_hwpt_pgfault rec;
	struct env e;
	int status;
	pid_t pid;

	setup(&e);
	REQUIRE_OK(trigger_iopf(e.fd, e.idev, 0, 1));
	pid = fork();
	REQUIRE(pid >= 0);
	if (!pid) {
		int bad = 0;

		bad |= read(e.ffd, &rec, sizeof(rec)) != -1 || errno != EXDEV;
		bad |= respond(e.ffd, 1, 0) != -1 || errno != EXDEV;
		bad |= close(e.ffd) != 0;
		_exit(bad);
	}
	REQUIRE(waitpid(pid, &status, 0) == pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CHECK_EQ(read(e.ffd, &rec, sizeof(rec)), REC);
	CHECK_EQ(respond(e.ffd, rec.cookie, IOMMUFD_PAGE_RESP_SUCCESS), RESP);
}

#define PER_THREAD 2000

static void *producer(void *arg)
{
	struct env *e = arg;
	intptr_t failures = 0;
	int i;

	for (i = 0; i < PER_THREAD; i++)
		failures += trigger_iopf(e->fd, e->idev, 0, (uint32_t)i) != 0;
	return (void *)failures;
}

static void *consumer(void *arg)
{
	struct env *e = arg;
	struct iommu_hwpt_pgfault recs[16];
	struct iommu_hwpt_page_response r[16];
	intptr_t seen = 0;
	int idle = 0;

	while (seen < 2 * PER_THREAD && idle < 2000) {
		ssize_t n = read(e->ffd, recs, sizeof(recs));
		size_t i, k;

		if (n <= 0) {
			if (n < 0)
				return (void *)-1;
			idle++;
			usleep(500);
			continue;
		}
		idle = 0;
		k = (size_t)n / REC;
		for (i = 0; i < k; i++)
			r[i] = (struct iommu_hwpt_page_response){ recs[i].cookie, 0 };
		if (write(e->ffd, r, k * RESP) != (ssize_t)(k * RESP))
			return (void *)-1;
		seen += (intptr_t)k;
	}
	return (void *)seen;
}

TEST(concurrent_trigger_and_read)
{
	pthread_t p1, p2, c;
	void *r1, *r2, *rc;
	struct env e;

	setup(&e);
	REQUIRE_OK(pthread_create(&c, NULL, consumer, &e));
	REQUIRE_OK(pthread_create(&p1, NULL, producer, &e));
	REQUIRE_OK(pthread_create(&p2, NULL, producer, &e));
	pthread_join(p1, &r1);
	pthread_join(p2, &r2);
	pthread_join(c, &rc);
	CHECK_EQ((intptr_t)r1, 0);
	CHECK_EQ((intptr_t)r2, 0);
	CHECK_EQ((intptr_t)rc, 2 * PER_THREAD);
	CHECK_EQ(revents(e.ffd), POLLOUT);
}

HARNESS_MAIN()
