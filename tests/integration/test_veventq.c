/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vEVENTQs through the preload (spec iommufd-abi §3.3, §4.20, §8;
 * iommufd-testops §3.4, §4.17), in the flow of the kernel selftest's
 * vdevice_alloc and vEVENT tests: IOMMU_VEVENTQ_ALLOC's order of checks,
 * TRIGGER_VEVENT, records of header + payload, sequence numbers, overflow
 * into a LOST_EVENTS header and sequence gaps, the read rules, readiness
 * for poll and epoll (never writable), who holds whom (EBUSY), close rules,
 * and concurrent producers.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#define HARNESS_ISOLATE
#include "harness.h"
#include "iommufd_helpers.h"

#define EVT_SIZE (sizeof(struct iommufd_vevent_header) + sizeof(struct iommu_viommu_event_selftest))

struct env {
	int fd;
	uint32_t ioas, stdev, idev, auto_hwpt, parent, viommu, nested;
};

/* One selftest record as read from the fd. */
struct rec {
	struct iommufd_vevent_header hdr;
	struct iommu_viommu_event_selftest ev;
};

static int viommu_alloc(int fd, uint32_t dev, uint32_t hwpt, uint32_t *out)
{
	struct iommu_viommu_alloc cmd = {
		.size = sizeof(cmd), .type = IOMMU_VIOMMU_TYPE_SELFTEST, .dev_id = dev,
		.hwpt_id = hwpt,
	};
	int rc = ioctl(fd, IOMMU_VIOMMU_ALLOC, &cmd);

	*out = cmd.out_viommu_id;
	return rc;
}

static int vdevice_alloc(int fd, uint32_t viommu, uint32_t dev, uint64_t virt_id, uint32_t *out)
{
	struct iommu_vdevice_alloc cmd = {
		.size = sizeof(cmd), .viommu_id = viommu, .dev_id = dev, .virt_id = virt_id,
	};
	int rc = ioctl(fd, IOMMU_VDEVICE_ALLOC, &cmd);

	*out = cmd.out_vdevice_id;
	return rc;
}

static int veventq_alloc_raw(int fd, uint32_t flags, uint32_t reserved, uint32_t viommu,
			     uint32_t type, uint32_t depth, uint32_t *id, int *qfd)
{
	struct iommu_veventq_alloc cmd = {
		.size = sizeof(cmd), .flags = flags, .viommu_id = viommu, .type = type,
		.veventq_depth = depth, .__reserved = reserved,
		.out_veventq_id = 0xffffffff, .out_veventq_fd = 0xffffffff,
	};
	int rc = ioctl(fd, IOMMU_VEVENTQ_ALLOC, &cmd);

	if (id)
		*id = cmd.out_veventq_id;
	if (qfd)
		*qfd = (int)cmd.out_veventq_fd;
	return rc;
}

static int veventq_alloc(int fd, uint32_t viommu, uint32_t type, uint32_t depth, uint32_t *id,
			 int *qfd)
{
	return veventq_alloc_raw(fd, 0, 0, viommu, type, depth, id, qfd);
}

static int trigger(int fd, uint32_t idev)
{
	struct iommu_test_cmd cmd;

	test_cmd_init(&cmd, IOMMU_TEST_OP_TRIGGER_VEVENT, 0);
	cmd.trigger_vevent.dev_id = idev;
	return ioctl(fd, IOMMU_TEST_CMD, &cmd);
}

static int replace(struct env *e, uint32_t pt)
{
	return mock_domain_replace(e->fd, e->stdev, &pt);
}

/* A mock device, a vIOMMU on a NEST_PARENT HWPT and a nested HWPT on the vIOMMU. */
static void setup(struct env *e)
{
	struct iommu_hwpt_selftest data = { .iotlb = IOMMU_TEST_IOTLB_DEFAULT };

	e->fd = iommufd_open();
	REQUIRE(e->fd >= 0);
	REQUIRE_OK(ioas_alloc(e->fd, &e->ioas));
	REQUIRE_OK(mock_domain(e->fd, e->ioas, &e->stdev, &e->auto_hwpt, &e->idev));
	REQUIRE_OK(hwpt_alloc_simple(e->fd, e->idev, e->ioas, IOMMU_HWPT_ALLOC_NEST_PARENT,
				     &e->parent));
	REQUIRE_OK(viommu_alloc(e->fd, e->idev, e->parent, &e->viommu));
	REQUIRE_OK(hwpt_alloc_data(e->fd, e->idev, e->viommu, 0, IOMMU_HWPT_DATA_SELFTEST, &data,
				   sizeof(data), &e->nested));
}

/* A vDEVICE with @virt_id and the RID on the nested HWPT: events can flow. */
static bool attach_vdev(struct env *e, uint64_t virt_id, uint32_t *vdev)
{
	return !vdevice_alloc(e->fd, e->viommu, e->idev, virt_id, vdev) &&
	       !replace(e, e->nested);
}

static bool readable(int qfd)
{
	struct pollfd p = { .fd = qfd, .events = POLLIN | POLLOUT };

	return poll(&p, 1, 0) == 1 && (p.revents & POLLIN);
}

TEST(alloc_order)
{
	uint32_t id = 0, id2 = 0;
	int qfd = -1, qfd2 = -1;
	struct env e;

	setup(&e);
	/* flags, __reserved and type DEFAULT come first, before any lookup. */
	CHECK_ERR(veventq_alloc_raw(e.fd, 1, 0, 9999, IOMMU_VEVENTQ_TYPE_SELFTEST, 0, NULL, NULL),
		  EOPNOTSUPP);
	CHECK_ERR(veventq_alloc_raw(e.fd, 0, 1, 9999, IOMMU_VEVENTQ_TYPE_SELFTEST, 0, NULL, NULL),
		  EOPNOTSUPP);
	CHECK_ERR(veventq_alloc(e.fd, 9999, IOMMU_VEVENTQ_TYPE_DEFAULT, 0, NULL, NULL),
		  EOPNOTSUPP);
	/* Then the depth: 1..2^19. */
	CHECK_ERR(veventq_alloc(e.fd, 9999, IOMMU_VEVENTQ_TYPE_SELFTEST, 0, NULL, NULL), EINVAL);
	CHECK_ERR(veventq_alloc(e.fd, 9999, IOMMU_VEVENTQ_TYPE_SELFTEST, (1u << 19) + 1, NULL,
				NULL), EINVAL);
	/* Then the vIOMMU: a missing ID, or an object of another type. */
	CHECK_ERR(veventq_alloc(e.fd, 9999, IOMMU_VEVENTQ_TYPE_SELFTEST, 1, NULL, NULL), ENOENT);
	CHECK_ERR(veventq_alloc(e.fd, e.ioas, IOMMU_VEVENTQ_TYPE_SELFTEST, 1, NULL, NULL), ENOENT);
	CHECK_ERR(veventq_alloc(e.fd, 0, IOMMU_VEVENTQ_TYPE_SELFTEST, 1, NULL, NULL), ENOENT);

	REQUIRE_OK(veventq_alloc(e.fd, e.viommu, IOMMU_VEVENTQ_TYPE_SELFTEST, 1u << 19, &id,
				 &qfd));
	CHECK(id != 0 && qfd >= 0);
	/* The fd is close-on-exec, and neither a vIOMMU nor an iommufd. */
	CHECK_EQ(fcntl(qfd, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
	CHECK_ERR(veventq_alloc(e.fd, id, IOMMU_VEVENTQ_TYPE_SELFTEST, 1, NULL, NULL), ENOENT);
	/* One queue per type and vIOMMU; the failed attempt leaves nothing behind. */
	CHECK_ERR(veventq_alloc(e.fd, e.viommu, IOMMU_VEVENTQ_TYPE_SELFTEST, 2, NULL, NULL),
		  EEXIST);
	/* Linux accepts any other type on any vIOMMU (it stays empty). */
	CHECK_OK(veventq_alloc(e.fd, e.viommu, IOMMU_VEVENTQ_TYPE_ARM_SMMUV3, 4, &id2, &qfd2));
	CHECK_EQ(id2, id + 1);
	CHECK_ERR(veventq_alloc(e.fd, e.viommu, IOMMU_VEVENTQ_TYPE_ARM_SMMUV3, 4, NULL, NULL),
		  EEXIST);
	CHECK_OK(close(qfd2));
	CHECK_OK(iommu_destroy(e.fd, id2));
	/* Destroyed, its type is free again (and its ID is reused). */
	CHECK_OK(veventq_alloc(e.fd, e.viommu, IOMMU_VEVENTQ_TYPE_ARM_SMMUV3, 4, &id2, &qfd2));
	CHECK_EQ(id2, id + 1);
	close(qfd2);
	close(qfd);
	close(e.fd);
}

TEST(trigger_rules)
{
	struct env e;
	uint32_t vdev = 0, qid = 0, other = 0;
	int qfd = -1;

	setup(&e);
	/* dev_id: no such object, or not a device. */
	CHECK_ERR(trigger(e.fd, 9999), ENOENT);
	CHECK_ERR(trigger(e.fd, e.ioas), ENOENT);
	/* The device is on an IOAS, not on a nested HWPT of a vIOMMU. */
	CHECK_ERR(trigger(e.fd, e.idev), ENOENT);
	REQUIRE_OK(vdevice_alloc(e.fd, e.viommu, e.idev, 0x99, &vdev));
	CHECK_ERR(trigger(e.fd, e.idev), ENOENT);
	REQUIRE_OK(replace(&e, e.nested));
	/* No vEVENTQ of the selftest type: EOPNOTSUPP to the reporter. */
	CHECK_ERR(trigger(e.fd, e.idev), EOPNOTSUPP);
	REQUIRE_OK(veventq_alloc(e.fd, e.viommu, IOMMU_VEVENTQ_TYPE_ARM_SMMUV3, 2, &other, &qfd));
	CHECK_ERR(trigger(e.fd, e.idev), EOPNOTSUPP);
	close(qfd);
	REQUIRE_OK(veventq_alloc(e.fd, e.viommu, IOMMU_VEVENTQ_TYPE_SELFTEST, 2, &qid, &qfd));
	CHECK_OK(trigger(e.fd, e.idev));
	/* Back on the IOAS: no record any more. */
	REQUIRE_OK(replace(&e, e.ioas));
	CHECK_ERR(trigger(e.fd, e.idev), ENOENT);
	/* Linux's mock takes virtual ID 0 for "no record". */
	REQUIRE_OK(iommu_destroy(e.fd, vdev));
	REQUIRE_OK(vdevice_alloc(e.fd, e.viommu, e.idev, 0, &vdev));
	REQUIRE_OK(replace(&e, e.nested));
	CHECK_ERR(trigger(e.fd, e.idev), ENOENT);
	close(qfd);
	close(e.fd);
}

/* The kernel selftest's vdevice_alloc flow, with its depth of 2. */
TEST(selftest_flow)
{
	struct rec r[4];
	struct env e;
	uint32_t vdev = 0, qid = 0;
	int qfd = -1;

	setup(&e);
	REQUIRE_OK(veventq_alloc(e.fd, e.viommu, IOMMU_VEVENTQ_TYPE_SELFTEST, 2, &qid, &qfd));
	CHECK(!readable(qfd));
	REQUIRE(attach_vdev(&e, 0x99, &vdev));
	CHECK_OK(trigger(e.fd, e.idev));
	CHECK(readable(qfd));
	memset(r, 0xa5, sizeof(r));
	CHECK_EQ(read(qfd, r, sizeof(r)), EVT_SIZE);
	CHECK_EQ(r[0].hdr.flags, 0);
	CHECK_EQ(r[0].hdr.sequence, 0);
	CHECK_EQ(r[0].ev.virt_id, 0x99);
	CHECK(!readable(qfd));
	/* Empty: a read returns 0 at once. */
	CHECK_EQ(read(qfd, r, sizeof(r)), 0);

	/* A new virtual ID is recorded at the next attach. */
	REQUIRE_OK(replace(&e, e.ioas));
	REQUIRE_OK(iommu_destroy(e.fd, vdev));
	REQUIRE(attach_vdev(&e, 0x88, &vdev));
	/* Three events into a depth of 2: the third becomes a LOST_EVENTS header. */
	CHECK_OK(trigger(e.fd, e.idev));
	CHECK_OK(trigger(e.fd, e.idev));
	CHECK_OK(trigger(e.fd, e.idev));
	memset(r, 0, sizeof(r));
	CHECK_EQ(read(qfd, r, sizeof(r)), 2 * EVT_SIZE + sizeof(struct iommufd_vevent_header));
	CHECK_EQ(r[0].hdr.sequence, 1);
	CHECK_EQ(r[0].ev.virt_id, 0x88);
	CHECK_EQ(r[1].hdr.flags, 0);
	CHECK_EQ(r[1].hdr.sequence, 2);
	CHECK_EQ(r[1].ev.virt_id, 0x88);
	/* The bare header sits right after the second record. */
	CHECK_EQ(r[2].hdr.flags, IOMMU_VEVENTQ_FLAG_LOST_EVENTS);
	CHECK_EQ(r[2].hdr.sequence, 3);
	CHECK(!readable(qfd));
	/* The overflow is gone after the reads. */
	CHECK_OK(trigger(e.fd, e.idev));
	CHECK_EQ(read(qfd, r, sizeof(r)), EVT_SIZE);
	CHECK_EQ(r[0].hdr.flags, 0);
	CHECK_EQ(r[0].hdr.sequence, 4);
	/* QEMU's teardown order. */
	CHECK_ERR(iommu_destroy(e.fd, qid), EBUSY);
	CHECK_OK(close(qfd));
	REQUIRE_OK(replace(&e, e.ioas));
	CHECK_OK(iommu_destroy(e.fd, vdev));
	CHECK_OK(iommu_destroy(e.fd, qid));
	CHECK_OK(iommu_destroy(e.fd, e.nested));
	CHECK_OK(iommu_destroy(e.fd, e.viommu));
	close(e.fd);
}

TEST(lost_events_rules)
{
	struct rec r[4];
	struct env e;
	uint32_t vdev = 0, qid = 0;
	int qfd = -1;

	setup(&e);
	REQUIRE_OK(veventq_alloc(e.fd, e.viommu, IOMMU_VEVENTQ_TYPE_SELFTEST, 1, &qid, &qfd));
	REQUIRE(attach_vdev(&e, 7, &vdev));
	/* Every drop re-queues the one LOST_EVENTS header with a new sequence. */
	CHECK_OK(trigger(e.fd, e.idev));	/* 0 */
	CHECK_OK(trigger(e.fd, e.idev));	/* 1: lost */
	CHECK_OK(trigger(e.fd, e.idev));	/* 2: lost again, the header moves */
	CHECK_EQ(read(qfd, r, sizeof(r)), EVT_SIZE + sizeof(struct iommufd_vevent_header));
	CHECK_EQ(r[0].hdr.sequence, 0);
	CHECK_EQ(r[1].hdr.flags, IOMMU_VEVENTQ_FLAG_LOST_EVENTS);
	CHECK_EQ(r[1].hdr.sequence, 2);

	/* A header does not fit behind the event: it stays, alone, and is ready. */
	CHECK_OK(trigger(e.fd, e.idev));	/* 3 */
	CHECK_OK(trigger(e.fd, e.idev));	/* 4: lost */
	CHECK_EQ(read(qfd, r, EVT_SIZE + 4), EVT_SIZE);
	CHECK_EQ(r[0].hdr.sequence, 3);
	CHECK(readable(qfd));
	/* A real event takes the header's place: only the gap tells the loss. */
	CHECK_OK(trigger(e.fd, e.idev));	/* 5 */
	CHECK_EQ(read(qfd, r, sizeof(r)), EVT_SIZE);
	CHECK_EQ(r[0].hdr.flags, 0);
	CHECK_EQ(r[0].hdr.sequence, 5);

	/* A queue holding only the header gives it to an 8-byte read. */
	CHECK_OK(trigger(e.fd, e.idev));	/* 6 */
	CHECK_OK(trigger(e.fd, e.idev));	/* 7: lost */
	CHECK_EQ(read(qfd, r, EVT_SIZE), EVT_SIZE);
	CHECK_EQ(r[0].hdr.sequence, 6);
	CHECK_EQ(read(qfd, r, sizeof(struct iommufd_vevent_header)),
		 sizeof(struct iommufd_vevent_header));
	CHECK_EQ(r[0].hdr.flags, IOMMU_VEVENTQ_FLAG_LOST_EVENTS);
	CHECK_EQ(r[0].hdr.sequence, 7);
	CHECK(!readable(qfd));
	close(qfd);
	close(e.fd);
}

TEST(read_rules)
{
	long ps = sysconf(_SC_PAGESIZE);
	void *volatile bad = (void *)8;
	uint8_t *map;
	struct rec r[4];
	struct env e;
	uint32_t vdev = 0, qid = 0;
	int qfd = -1;

	setup(&e);
	REQUIRE_OK(veventq_alloc(e.fd, e.viommu, IOMMU_VEVENTQ_TYPE_SELFTEST, 8, &qid, &qfd));
	REQUIRE(attach_vdev(&e, 0x42, &vdev));
	/* Below a header: EINVAL, empty or not. */
	CHECK_ERR(read(qfd, r, 7), EINVAL);
	CHECK_OK(trigger(e.fd, e.idev));
	CHECK_OK(trigger(e.fd, e.idev));
	CHECK_ERR(read(qfd, r, 0), EINVAL);
	/* The first event must fit whole: EINVAL, and it stays queued. */
	CHECK_ERR(read(qfd, r, 8), EINVAL);
	CHECK_ERR(read(qfd, r, EVT_SIZE - 1), EINVAL);
	/* Whole records only: the second does not fit in 2 * 12 - 1 bytes. */
	CHECK_EQ(read(qfd, r, 2 * EVT_SIZE - 1), EVT_SIZE);
	CHECK_EQ(r[0].hdr.sequence, 0);
	/* A bad buffer: EFAULT, and nothing is lost. */
	CHECK_ERR(read(qfd, bad, sizeof(r)), EFAULT);
	map = mmap(NULL, 2 * ps, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	REQUIRE(map != MAP_FAILED);
	REQUIRE_OK(mprotect(map + ps, ps, PROT_NONE));
	/* The header fits before the hole, the payload does not. */
	CHECK_ERR(read(qfd, map + ps - 8, sizeof(r)), EFAULT);
	CHECK_OK(trigger(e.fd, e.idev));
	/* The first record lands, the second faults: the read returns the first. */
	CHECK_EQ(read(qfd, map + ps - EVT_SIZE - 8, 2 * EVT_SIZE), EVT_SIZE);
	CHECK_EQ(((struct rec *)(map + ps - EVT_SIZE - 8))->hdr.sequence, 1);
	CHECK_EQ(read(qfd, r, sizeof(r)), EVT_SIZE);
	CHECK_EQ(r[0].hdr.sequence, 2);
	munmap(map, 2 * ps);
	/* No positional reads, no writes, no ioctls, no mmap. */
	CHECK_ERR(pread(qfd, r, sizeof(r), 0), ESPIPE);
	CHECK_ERR(write(qfd, r, EVT_SIZE), EINVAL);
	CHECK_ERR(ioctl(qfd, IOMMU_DESTROY, r), ENOTTY);
	errno = 0;
	CHECK(mmap(NULL, ps, PROT_READ, MAP_SHARED, qfd, 0) == MAP_FAILED);
	CHECK_EQ(errno, ENODEV);
	/* A user O_NONBLOCK changes nothing: an empty queue reads 0 (QEMU sets it). */
	CHECK_OK(fcntl(qfd, F_SETFL, O_NONBLOCK));
	CHECK_EQ(read(qfd, r, sizeof(r)), 0);
	close(qfd);
	close(e.fd);
}

TEST(poll_readiness)
{
	struct epoll_event ev = { .events = EPOLLIN | EPOLLOUT }, out;
	struct pollfd p;
	struct rec r[2];
	struct env e;
	uint32_t vdev = 0, qid = 0;
	int qfd = -1, ep, dupfd;

	setup(&e);
	REQUIRE_OK(veventq_alloc(e.fd, e.viommu, IOMMU_VEVENTQ_TYPE_SELFTEST, 1, &qid, &qfd));
	REQUIRE(attach_vdev(&e, 3, &vdev));
	ep = epoll_create1(EPOLL_CLOEXEC);
	REQUIRE(ep >= 0);
	REQUIRE_OK(epoll_ctl(ep, EPOLL_CTL_ADD, qfd, &ev));
	/* Empty: neither readable nor ever writable. */
	p = (struct pollfd){ .fd = qfd, .events = POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM };
	CHECK_EQ(poll(&p, 1, 0), 0);
	CHECK_EQ(epoll_wait(ep, &out, 1, 0), 0);
	CHECK_OK(trigger(e.fd, e.idev));
	CHECK_EQ(poll(&p, 1, 0), 1);
	CHECK_EQ(p.revents, POLLIN | POLLRDNORM);
	CHECK_EQ(epoll_wait(ep, &out, 1, 0), 1);
	CHECK_EQ(out.events, EPOLLIN);
	/* A dup shares the queue. */
	dupfd = dup(qfd);
	REQUIRE(dupfd >= 0);
	p.fd = dupfd;
	CHECK_EQ(poll(&p, 1, 0), 1);
	CHECK_EQ(read(dupfd, r, sizeof(r)), EVT_SIZE);
	CHECK_EQ(poll(&p, 1, 0), 0);
	CHECK_EQ(epoll_wait(ep, &out, 1, 0), 0);
	/* Only a LOST_EVENTS header left is readable too. */
	CHECK_OK(trigger(e.fd, e.idev));
	CHECK_OK(trigger(e.fd, e.idev));
	CHECK_EQ(read(qfd, r, EVT_SIZE), EVT_SIZE);
	CHECK_EQ(poll(&p, 1, 0), 1);
	CHECK_EQ(p.revents, POLLIN | POLLRDNORM);
	CHECK_EQ(read(qfd, r, sizeof(r)), sizeof(struct iommufd_vevent_header));
	CHECK_EQ(poll(&p, 1, 0), 0);
	/* A poll waiting for an event wakes when it comes. */
	CHECK_OK(close(dupfd));
	p.fd = qfd;
	CHECK_OK(trigger(e.fd, e.idev));
	CHECK_EQ(poll(&p, 1, 1000), 1);
	close(ep);
	close(qfd);
	close(e.fd);
}

struct waiter_arg {
	int qfd;
	int polled;
};

static void *waiter(void *p)
{
	struct waiter_arg *a = p;
	struct pollfd pfd = { .fd = a->qfd, .events = POLLIN };

	a->polled = poll(&pfd, 1, 5000);
	return NULL;
}

TEST(poll_wakes_up)
{
	struct waiter_arg a = { .polled = -2 };
	struct env e;
	uint32_t vdev = 0, qid = 0;
	pthread_t t;
	int qfd = -1;

	setup(&e);
	REQUIRE_OK(veventq_alloc(e.fd, e.viommu, IOMMU_VEVENTQ_TYPE_SELFTEST, 1, &qid, &qfd));
	REQUIRE(attach_vdev(&e, 3, &vdev));
	a.qfd = qfd;
	REQUIRE_OK(pthread_create(&t, NULL, waiter, &a));
	usleep(20000);
	CHECK_OK(trigger(e.fd, e.idev));
	pthread_join(t, NULL);
	CHECK_EQ(a.polled, 1);
	close(qfd);
	close(e.fd);
}

TEST(lifetime_rules)
{
	static uint8_t buf[1 << 16] __attribute__((aligned(1 << 16)));
	struct rec r[2];
	struct env e;
	uint32_t vdev = 0, qid = 0;
	uint64_t iova = 0;
	int qfd = -1, fd2;

	setup(&e);
	REQUIRE_OK(veventq_alloc(e.fd, e.viommu, IOMMU_VEVENTQ_TYPE_SELFTEST, 4, &qid, &qfd));
	/* The queue holds the vIOMMU; the fd holds the queue. */
	CHECK_ERR(iommu_destroy(e.fd, e.viommu), EBUSY);
	CHECK_ERR(iommu_destroy(e.fd, qid), EBUSY);
	REQUIRE(attach_vdev(&e, 5, &vdev));
	CHECK_OK(trigger(e.fd, e.idev));
	CHECK_OK(trigger(e.fd, e.idev));

	/* Closing /dev/iommu first: the context lives on while the fd is open. */
	REQUIRE_OK(ioas_map(e.fd, e.ioas, buf, sizeof(buf), &iova, MAP_RW));
	close(e.fd);
	fd2 = iommufd_open();
	REQUIRE(fd2 >= 0);
	CHECK_OK(md_check_refs(fd2, buf, sizeof(buf), 1));
	CHECK_EQ(read(qfd, r, sizeof(r)), 2 * EVT_SIZE);
	CHECK_EQ(r[1].hdr.sequence, 1);
	CHECK_OK(close(qfd));
	/* The last fd gone, the context went, unpinning everything. */
	CHECK_OK(md_check_refs(fd2, buf, sizeof(buf), 0));
	close(fd2);

	/* Closed fd: the queue is destroyed with IOMMU_DESTROY, then reports fail. */
	setup(&e);
	REQUIRE_OK(veventq_alloc(e.fd, e.viommu, IOMMU_VEVENTQ_TYPE_SELFTEST, 4, &qid, &qfd));
	REQUIRE(attach_vdev(&e, 5, &vdev));
	CHECK_OK(trigger(e.fd, e.idev));
	CHECK_OK(close(qfd));
	/* Still there without its fd, still taking events. */
	CHECK_OK(trigger(e.fd, e.idev));
	CHECK_OK(iommu_destroy(e.fd, qid));
	CHECK_ERR(iommu_destroy(e.fd, qid), ENOENT);
	CHECK_ERR(trigger(e.fd, e.idev), EOPNOTSUPP);
	/* close() of /dev/iommu with a queue and its fd open but not read. */
	REQUIRE_OK(veventq_alloc(e.fd, e.viommu, IOMMU_VEVENTQ_TYPE_SELFTEST, 4, &qid, &qfd));
	CHECK_OK(trigger(e.fd, e.idev));
	close(e.fd);
	close(qfd);
}

struct producer_arg {
	int fd;
	uint32_t idev;
	int n;
	int failures;
};

static void *producer(void *p)
{
	struct producer_arg *a = p;

	for (int i = 0; i < a->n; i++)
		if (trigger(a->fd, a->idev))
			a->failures++;
	return NULL;
}

/*
 * Every report takes exactly one sequence number, queued or dropped: after
 * concurrent producers, the sequence numbers read rise strictly and the last
 * one is the number of reports minus 1.
 */
TEST(concurrent_producers)
{
	enum { NPROD = 4, PER = 2000 };
	struct producer_arg args[NPROD];
	pthread_t t[NPROD];
	struct rec r[16];
	struct env e;
	uint32_t vdev = 0, qid = 0, events = 0;
	int64_t last = -1;
	bool rising = true, done = false, joined[NPROD] = { false };
	int qfd = -1, i;

	setup(&e);
	REQUIRE_OK(veventq_alloc(e.fd, e.viommu, IOMMU_VEVENTQ_TYPE_SELFTEST, 64, &qid, &qfd));
	REQUIRE(attach_vdev(&e, 9, &vdev));
	for (i = 0; i < NPROD; i++) {
		args[i] = (struct producer_arg){ .fd = e.fd, .idev = e.idev, .n = PER };
		REQUIRE_OK(pthread_create(&t[i], NULL, producer, &args[i]));
	}
	while (!done || readable(qfd)) {
		ssize_t n = read(qfd, r, sizeof(r));
		size_t off = 0;

		if (!done && n == 0) {
			bool all = true;

			for (i = 0; i < NPROD; i++) {
				if (!joined[i])
					joined[i] = !pthread_tryjoin_np(t[i], NULL);
				all = all && joined[i];
			}
			done = all;
			continue;
		}
		while (off < (size_t)n) {
			struct rec *x = (struct rec *)((uint8_t *)r + off);

			rising = rising && (int64_t)x->hdr.sequence > last;
			last = x->hdr.sequence;
			if (x->hdr.flags & IOMMU_VEVENTQ_FLAG_LOST_EVENTS) {
				off += sizeof(x->hdr);
			} else {
				events++;
				off += EVT_SIZE;
			}
		}
	}
	for (i = 0; i < NPROD; i++)
		CHECK_EQ(args[i].failures, 0);
	CHECK(rising);
	CHECK_EQ(last, NPROD * PER - 1);
	CHECK(events > 0 && events <= NPROD * PER);
	close(qfd);
	close(e.fd);
}

HARNESS_MAIN()
