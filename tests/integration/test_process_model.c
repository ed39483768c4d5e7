/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The process model of docs/process-model.md, through the preload as a real
 * client sees it:
 *  - a forked child gets EXDEV on an inherited /dev/iommu fd, can close it,
 *    and can open contexts of its own; the parent's context is untouched;
 *  - after exec, an inherited fd (no O_CLOEXEC) gives EXDEV, also a fault
 *    queue fd (a socket, not a memfd: recognised by its address);
 *  - an fd passed over SCM_RIGHTS within the process is the same context;
 *    passed to another process it gives EXDEV there.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <softiommu/uapi/iommufd.h>

static int failures;

#define CHECK(cond, ...)							\
	do {									\
		if (!(cond)) {							\
			fprintf(stderr, "FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond); \
			fprintf(stderr, __VA_ARGS__);				\
			fprintf(stderr, " (errno %d)\n", errno);		\
			failures++;						\
		}								\
	} while (0)

static int ioas_alloc(int fd, uint32_t *id)
{
	struct iommu_ioas_alloc cmd = { .size = sizeof(cmd) };
	int rc = ioctl(fd, IOMMU_IOAS_ALLOC, &cmd);

	*id = cmd.out_ioas_id;
	return rc;
}

/* 0 if the IOAS exists in the context of @fd (IOVA_RANGES answers EMSGSIZE). */
static int ioas_exists(int fd, uint32_t id)
{
	struct iommu_ioas_iova_ranges cmd = { .size = sizeof(cmd), .ioas_id = id };

	if (ioctl(fd, IOMMU_IOAS_IOVA_RANGES, &cmd) == -1 && errno == EMSGSIZE)
		return 0;
	return -1;
}

/* The child part of the fork test; returns its exit status. */
static int fork_child(int inherited, uint32_t parent_ioas)
{
	struct iommu_destroy d = { .size = sizeof(d), .id = parent_ioas };
	uint32_t own;
	int fd, bad = 0;

	errno = 0;
	if (ioctl(inherited, IOMMU_DESTROY, &d) != -1 || errno != EXDEV)
		bad |= 1;
	errno = 0;
	if (ioas_alloc(inherited, &own) != -1 || errno != EXDEV)
		bad |= 2;
	/* The child's own context works and starts at ID 1. */
	fd = open("/dev/iommu", O_RDWR);
	if (fd < 0 || ioas_alloc(fd, &own) || own != 1 || ioas_exists(fd, own))
		bad |= 4;
	if (close(fd))
		bad |= 8;
	if (close(inherited))
		bad |= 16;
	return bad;
}

static void test_fork(void)
{
	uint32_t ioas = 0, ioas2 = 0;
	int fd, status;
	pid_t pid;

	fd = open("/dev/iommu", O_RDWR | O_CLOEXEC);
	CHECK(fd >= 0, "open");
	CHECK(!ioas_alloc(fd, &ioas), "IOAS_ALLOC");
	pid = fork();
	if (pid == 0)
		_exit(fork_child(fd, ioas));
	CHECK(pid > 0, "fork");
	CHECK(waitpid(pid, &status, 0) == pid, "waitpid");
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child status %#x", status);
	/* Nothing the child did reached the parent's context. */
	CHECK(!ioas_exists(fd, ioas), "parent IOAS %u still there", ioas);
	CHECK(!ioas_alloc(fd, &ioas2) && ioas2 == ioas + 1, "next ID %u", ioas2);
	CHECK(!close(fd), "close");
}

static void test_exec(const char *self)
{
	char arg[16];
	uint32_t ioas = 0;
	int fd, status;
	pid_t pid;

	fd = open("/dev/iommu", O_RDWR);	/* inherited across exec */
	CHECK(fd >= 0, "open");
	CHECK(!ioas_alloc(fd, &ioas), "IOAS_ALLOC");
	snprintf(arg, sizeof(arg), "%d", fd);
	pid = fork();
	if (pid == 0) {
		execl(self, self, "--exec-child", arg, (char *)NULL);
		_exit(99);
	}
	CHECK(waitpid(pid, &status, 0) == pid, "waitpid");
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "exec child status %#x", status);
	CHECK(!ioas_exists(fd, ioas), "parent IOAS after exec child");
	close(fd);
}

static int exec_child(int fd)
{
	struct iommu_destroy d = { .size = sizeof(d), .id = 1 };
	struct stat st;

	errno = 0;
	if (ioctl(fd, IOMMU_DESTROY, &d) != -1 || errno != EXDEV)
		return 1;
	/* stat still reports the node. */
	if (fstat(fd, &st) || !S_ISCHR(st.st_mode))
		return 2;
	if (close(fd))
		return 3;
	return 0;
}

/* A fault fd inherited across exec (its O_CLOEXEC cleared). */
static void test_exec_fault_fd(const char *self)
{
	struct iommu_fault_alloc fa = { .size = sizeof(fa) };
	char arg[16], rec[40];
	int fd, ffd, status;
	pid_t pid;

	fd = open("/dev/iommu", O_RDWR | O_CLOEXEC);
	CHECK(fd >= 0 && !ioctl(fd, IOMMU_FAULT_QUEUE_ALLOC, &fa), "FAULT_QUEUE_ALLOC");
	ffd = (int)fa.out_fault_fd;
	CHECK(!fcntl(ffd, F_SETFD, 0), "clear FD_CLOEXEC");
	snprintf(arg, sizeof(arg), "%d", ffd);
	pid = fork();
	if (pid == 0) {
		execl(self, self, "--exec-fault-child", arg, (char *)NULL);
		_exit(99);
	}
	CHECK(waitpid(pid, &status, 0) == pid, "waitpid");
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "exec child status %#x", status);
	CHECK(read(ffd, rec, sizeof(rec)) == 0, "parent reads its fault fd");
	close(ffd);
	close(fd);
}

static int exec_fault_child(int fd)
{
	char rec[40] = { 0 };

	/* Were it taken for a plain socket, the read must not block. */
	if (fcntl(fd, F_SETFL, O_NONBLOCK))
		return 4;
	errno = 0;
	if (read(fd, rec, sizeof(rec)) != -1 || errno != EXDEV)
		return 1;
	errno = 0;
	if (write(fd, rec, 8) != -1 || errno != EXDEV)
		return 2;
	if (close(fd))
		return 3;
	return 0;
}

static int send_fd(int sock, int fd)
{
	char byte = 'x', ctl[CMSG_SPACE(sizeof(int))] = { 0 };
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl, .msg_controllen = sizeof(ctl),
	};
	struct cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);

	cmsg->cmsg_level = SOL_SOCKET;
	cmsg->cmsg_type = SCM_RIGHTS;
	cmsg->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cmsg), &fd, sizeof(int));
	return sendmsg(sock, &msg, 0) == 1 ? 0 : -1;
}

static int recv_fd(int sock)
{
	char byte, ctl[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl, .msg_controllen = sizeof(ctl),
	};
	struct cmsghdr *cmsg;
	int fd;

	if (recvmsg(sock, &msg, 0) != 1)
		return -1;
	cmsg = CMSG_FIRSTHDR(&msg);
	if (!cmsg || cmsg->cmsg_type != SCM_RIGHTS)
		return -1;
	memcpy(&fd, CMSG_DATA(cmsg), sizeof(int));
	return fd;
}

static void test_scm_rights(void)
{
	int sv[2], fd, got, status;
	uint32_t ioas = 0;
	pid_t pid;

	CHECK(!socketpair(AF_UNIX, SOCK_STREAM, 0, sv), "socketpair");
	fd = open("/dev/iommu", O_RDWR);
	CHECK(fd >= 0 && !ioas_alloc(fd, &ioas), "open + IOAS_ALLOC");

	/* To ourselves: the received fd is the same context. */
	CHECK(!send_fd(sv[0], fd), "sendmsg");
	got = recv_fd(sv[1]);
	CHECK(got >= 0 && got != fd, "recvmsg gave %d", got);
	CHECK(!ioas_exists(got, ioas), "IOAS %u through the received fd", ioas);
	CHECK(!close(fd), "close original");
	CHECK(!ioas_exists(got, ioas), "context lives on in the received fd");

	/* To another process: it gets EXDEV. */
	pid = fork();
	if (pid == 0) {
		struct iommu_destroy d = { .size = sizeof(d), .id = ioas };
		int child_fd;

		close(sv[0]);
		/* A fresh exec-free child still has the parent's table: use a new number. */
		child_fd = recv_fd(sv[1]);
		errno = 0;
		_exit(child_fd < 0 ? 10 : (ioctl(child_fd, IOMMU_DESTROY, &d) == -1 &&
					 errno == EXDEV) ? 0 : 11);
	}
	CHECK(!send_fd(sv[0], got), "sendmsg to child");
	CHECK(waitpid(pid, &status, 0) == pid, "waitpid");
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child status %#x", status);
	CHECK(!ioas_exists(got, ioas), "parent context after the child used it");
	close(got);
	close(sv[0]);
	close(sv[1]);
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "--exec-child"))
		return exec_child(atoi(argv[2]));
	if (argc == 3 && !strcmp(argv[1], "--exec-fault-child"))
		return exec_fault_child(atoi(argv[2]));
	test_fork();
	test_exec(argv[0]);
	test_exec_fault_fd(argv[0]);
	test_scm_rights();
	if (failures) {
		fprintf(stderr, "%d check(s) failed\n", failures);
		return 1;
	}
	printf("PASS - process model\n");
	return 0;
}
