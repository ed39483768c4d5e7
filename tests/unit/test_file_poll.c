/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Pollable emulated files (sio_file_install_pollable, sio_file_set_ready):
 * the real poll(), select() and epoll see exactly the readiness softiommu
 * sets, for both kinds, whatever O_NONBLOCK the user sets; duplicates share
 * it; close releases once; a forked child sees the fd as foreign, also when
 * it only recognises it from the socket's address.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/wait.h>
#include <cmocka.h>

#include "uapi/file.h"
#include "uapi/file_poll.h"

static int releases;

static void rel(struct sio_file *file)
{
	(void)file;
	releases++;
}

static ssize_t rd(struct sio_file *file, void *buf, size_t count)
{
	(void)file;
	memset(buf, 0x5a, count);
	return (ssize_t)count;
}

static const struct sio_file_ops out_ops = {
	.name = "[test-pollable]", .mode = 0600, .read = rd, .release = rel,
};

static const struct sio_file_ops no_out_ops = {
	.name = "[test-pollable-ro]", .mode = 0600, .read = rd, .release = rel,
	.poll_no_out = true,
};

static short revents(int fd)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN | POLLOUT | POLLRDNORM };

	assert_true(poll(&pfd, 1, 0) >= 0);
	return pfd.revents;
}

static void check_kind(const struct sio_file_ops *ops, short out)
{
	struct sio_file *file;
	int fd;

	releases = 0;
	fd = sio_file_install_pollable(ops, NULL, O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(fcntl(fd, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
	assert_int_equal(sio_file_get(fd, &file), 0);
	assert_int_equal(revents(fd), out);
	sio_file_set_ready(file, true);
	assert_int_equal(revents(fd), POLLIN | POLLRDNORM | out);
	sio_file_set_ready(file, true);
	sio_file_set_ready(file, false);
	assert_int_equal(revents(fd), out);
	sio_file_set_ready(file, false);
	assert_int_equal(revents(fd), out);
	/* The user's O_NONBLOCK (set or cleared) changes nothing. */
	assert_int_equal(fcntl(fd, F_SETFL, O_NONBLOCK), 0);
	sio_file_set_ready(file, true);
	assert_int_equal(revents(fd), POLLIN | POLLRDNORM | out);
	assert_int_equal(fcntl(fd, F_SETFL, 0), 0);
	sio_file_set_ready(file, false);
	assert_int_equal(revents(fd), out);
	sio_file_put(file);
	assert_int_equal(sio_fdt_close(fd), 0);
	assert_int_equal(releases, 1);
}

static void test_socket_kind(void **state)
{
	(void)state;
	check_kind(&out_ops, POLLOUT);
}

static void test_pipe_kind(void **state)
{
	(void)state;
	check_kind(&no_out_ops, 0);
}

static void test_no_cloexec(void **state)
{
	int fd;

	(void)state;
	fd = sio_file_install_pollable(&out_ops, NULL, 0);
	assert_true(fd >= 0);
	assert_int_equal(fcntl(fd, F_GETFD) & FD_CLOEXEC, 0);
	assert_int_equal(sio_fdt_close(fd), 0);
}

/* epoll (edge-triggered too) and select, on a duplicate of the fd. */
static void test_epoll_select_dup(void **state)
{
	struct epoll_event ev = { .events = EPOLLIN | EPOLLET }, got;
	struct timeval tv = { 0 };
	struct sio_file *file;
	int fd, fd2, ep;
	fd_set rfds;

	(void)state;
	releases = 0;
	fd = sio_file_install_pollable(&out_ops, NULL, O_CLOEXEC);
	assert_true(fd >= 0);
	fd2 = sio_fdt_dup(fd, 0, 0, true, F_DUPFD_CLOEXEC);
	assert_true(fd2 >= 0);
	assert_int_equal(sio_file_get(fd2, &file), 0);
	ep = epoll_create1(EPOLL_CLOEXEC);
	assert_true(ep >= 0);
	assert_int_equal(epoll_ctl(ep, EPOLL_CTL_ADD, fd2, &ev), 0);
	assert_int_equal(epoll_wait(ep, &got, 1, 0), 0);
	FD_ZERO(&rfds);
	FD_SET(fd, &rfds);
	assert_int_equal(select(fd + 1, &rfds, NULL, NULL, &tv), 0);

	sio_file_set_ready(file, true);
	assert_int_equal(epoll_wait(ep, &got, 1, 0), 1);
	assert_int_equal(got.events, EPOLLIN);
	FD_ZERO(&rfds);
	FD_SET(fd, &rfds);
	assert_int_equal(select(fd + 1, &rfds, NULL, NULL, &tv), 1);

	sio_file_set_ready(file, false);
	sio_file_set_ready(file, true);
	assert_int_equal(epoll_wait(ep, &got, 1, 0), 1);
	sio_file_put(file);
	close(ep);
	assert_int_equal(sio_fdt_close(fd), 0);
	assert_int_equal(releases, 0);
	assert_int_equal(sio_fdt_close(fd2), 0);
	assert_int_equal(releases, 1);
}

/*
 * A forked child: the inherited entry is foreign, and so is the fd when the
 * child forgets it and recognises it again from the socket's address.
 */
static void test_foreign(void **state)
{
	char name[64];
	struct sio_file *file;
	int fd, status;
	pid_t pid;

	(void)state;
	releases = 0;
	fd = sio_file_install_pollable(&out_ops, NULL, O_CLOEXEC);
	assert_true(fd >= 0);
	assert_true(sio_file_poll_recognise(fd, name, sizeof(name)));
	assert_int_equal(strncmp(name, "[test-pollable]:", 16), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (!pid) {
		int bad = 0;

		bad |= sio_file_get(fd, &file) != -EXDEV;
		bad |= sio_fdt_forget(fd) != 0;
		bad |= sio_file_get(fd, &file) != -EBADF;
		bad |= sio_fdt_adopt(fd) != 1;
		bad |= sio_file_get(fd, &file) != -EXDEV;
		bad |= sio_fdt_close(fd) != 0;
		bad |= releases != 0;
		_exit(bad);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_int_equal(sio_file_get(fd, &file), 0);
	sio_file_put(file);
	assert_int_equal(sio_fdt_close(fd), 0);
	assert_int_equal(releases, 1);
}

/* A raw duplicate of the fd is recognised as the same file in this process. */
static void test_adopt_same_process(void **state)
{
	struct sio_file *a, *b;
	int fd, raw;

	(void)state;
	fd = sio_file_install_pollable(&no_out_ops, NULL, O_CLOEXEC);
	assert_true(fd >= 0);
	raw = (int)fcntl(fd, F_DUPFD_CLOEXEC, 0);
	assert_true(raw >= 0);
	assert_int_equal(sio_fdt_adopt(raw), 1);
	assert_int_equal(sio_file_get(fd, &a), 0);
	assert_int_equal(sio_file_get(raw, &b), 0);
	assert_ptr_equal(a, b);
	sio_file_put(a);
	sio_file_put(b);
	assert_int_equal(sio_fdt_close(raw), 0);
	assert_int_equal(sio_fdt_close(fd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_socket_kind),
		cmocka_unit_test(test_pipe_kind),
		cmocka_unit_test(test_no_cloexec),
		cmocka_unit_test(test_epoll_select_dup),
		cmocka_unit_test(test_foreign),
		cmocka_unit_test(test_adopt_same_process),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
