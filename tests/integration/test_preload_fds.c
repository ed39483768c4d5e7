/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Integration test of the LD_PRELOAD front end, run as an unmodified client:
 * only libc and the numeric iommufd ABI, no softiommu headers. Run it with
 * libsoftiommu-preload.so in LD_PRELOAD (or under "softiommu run").
 *
 * Exit status 0 if every check passes; otherwise the first failure is
 * reported on stderr and the status is 1.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

/* The iommufd ABI as a client defines it for itself. */
#define T_IOMMU_DESTROY 0x3b80
#define T_IOMMU_IOAS_ALLOC 0x3b81

struct t_iommu_destroy {
	uint32_t size;
	uint32_t id;
};

struct t_iommu_ioas_alloc {
	uint32_t size;
	uint32_t flags;
	uint32_t out_ioas_id;
};

#define IOMMU_PATH "/dev/iommu"

/* The fortified entry points; declared here as glibc only does under fortify. */
extern int __open_2(const char *path, int flags);
extern int __open64_2(const char *path, int flags);
extern int __openat_2(int dirfd, const char *path, int flags);
extern int __openat64_2(int dirfd, const char *path, int flags);

static unsigned int n_checks;

#define CHECK(cond, ...) do {						\
	n_checks++;							\
	if (!(cond)) {							\
		int e__ = errno;					\
		fprintf(stderr, "FAIL %s:%d: %s: ", __FILE__, __LINE__,	\
			#cond);						\
		fprintf(stderr, __VA_ARGS__);				\
		fprintf(stderr, " (errno %d: %s)\n", e__, strerror(e__)); \
		exit(1);						\
	}								\
} while (0)

/* ioctl() that returns -errno on failure, for compact checks. */
static int xioctl(int fd, unsigned long cmd, void *arg)
{
	return ioctl(fd, cmd, arg) < 0 ? -errno : 0;
}

static int ioas_alloc(int fd, uint32_t *id)
{
	struct t_iommu_ioas_alloc a = { .size = sizeof(a) };
	int ret = xioctl(fd, T_IOMMU_IOAS_ALLOC, &a);

	if (!ret)
		*id = a.out_ioas_id;
	return ret;
}

static int iommu_destroy(int fd, uint32_t id)
{
	struct t_iommu_destroy d = { .size = sizeof(d), .id = id };

	return xioctl(fd, T_IOMMU_DESTROY, &d);
}

/*
 * @fd must be an emulated iommufd: the kernel object behind it is softiommu's
 * memfd, not a device node, and the iommufd ioctls answer as the kernel's.
 */
static void check_iommufd(int fd, const char *what)
{
	char link[64], target[PATH_MAX];
	ssize_t n;

	CHECK(fd >= 0, "%s: no fd", what);
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, target, sizeof(target) - 1);
	CHECK(n > 0, "%s: readlink %s", what, link);
	target[n] = '\0';
	CHECK(strcmp(target, IOMMU_PATH) != 0, "%s: fd %d is the real %s", what, fd,
	      IOMMU_PATH);

	CHECK(iommu_destroy(fd, 0) == -ENOENT, "%s: IOMMU_DESTROY(0) on fd %d", what, fd);
	errno = 0;
	CHECK(ioctl(fd, T_IOMMU_DESTROY, NULL) == -1 && errno == EFAULT,
	      "%s: IOMMU_DESTROY(NULL) on fd %d", what, fd);
}

/*
 * After @fd was released by some route, its number must not be taken for an
 * emulated fd: a plain file that reuses it gets the kernel's ENOTTY.
 */
static void check_released(int fd, const char *what)
{
	int p[2], held[64], n_held = 0, i, reused = -1;

	errno = 0;
	CHECK(fcntl(fd, F_GETFD) == -1 && errno == EBADF, "%s: fd %d still open", what, fd);

	/* The lowest free number is not necessarily @fd; take pipes until it is. */
	for (i = 0; i < 32 && reused < 0; i++) {
		CHECK(pipe(p) == 0, "%s: pipe", what);
		held[n_held++] = p[0];
		held[n_held++] = p[1];
		if (p[0] == fd || p[1] == fd)
			reused = fd;
	}
	if (reused >= 0)
		CHECK(xioctl(reused, T_IOMMU_DESTROY, &(struct t_iommu_destroy){ 8, 0 }) ==
		      -ENOTTY, "%s: reused fd %d still routed to the emulation", what, fd);
	for (i = 0; i < n_held; i++)
		close(held[i]);
}

static void test_open_variants(void)
{
	int fd, dirfd;
	FILE *fp;

	fd = open(IOMMU_PATH, O_RDWR);
	check_iommufd(fd, "open");
	CHECK(close(fd) == 0, "close after open");
	check_released(fd, "close");

	fd = open64(IOMMU_PATH, O_RDWR | O_CLOEXEC);
	check_iommufd(fd, "open64");
	CHECK(fcntl(fd, F_GETFD) == FD_CLOEXEC, "open64 O_CLOEXEC");
	close(fd);

	fd = openat(AT_FDCWD, IOMMU_PATH, O_RDWR);
	check_iommufd(fd, "openat(AT_FDCWD, abs)");
	close(fd);

	fd = openat64(AT_FDCWD, IOMMU_PATH, O_RDWR);
	check_iommufd(fd, "openat64");
	close(fd);

	dirfd = open("/dev", O_RDONLY | O_DIRECTORY);
	CHECK(dirfd >= 0, "open /dev");
	fd = openat(dirfd, "iommu", O_RDWR);
	check_iommufd(fd, "openat(dirfd /dev, \"iommu\")");
	close(fd);
	fd = openat64(dirfd, "./iommu", O_RDWR);
	check_iommufd(fd, "openat64(dirfd /dev, \"./iommu\")");
	close(fd);
	close(dirfd);

	CHECK(chdir("/dev") == 0, "chdir /dev");
	fd = open("iommu", O_RDWR);
	check_iommufd(fd, "open(relative to cwd)");
	close(fd);
	CHECK(chdir("/") == 0, "chdir /");

	fd = __open_2(IOMMU_PATH, O_RDWR);
	check_iommufd(fd, "__open_2");
	close(fd);
	fd = __open64_2(IOMMU_PATH, O_RDWR);
	check_iommufd(fd, "__open64_2");
	close(fd);
	fd = __openat_2(AT_FDCWD, IOMMU_PATH, O_RDWR);
	check_iommufd(fd, "__openat_2");
	close(fd);
	fd = __openat64_2(AT_FDCWD, IOMMU_PATH, O_RDWR);
	check_iommufd(fd, "__openat64_2");
	close(fd);

	fp = fopen(IOMMU_PATH, "r+");
	CHECK(fp, "fopen");
	fd = fileno(fp);
	check_iommufd(fd, "fopen");
	CHECK(fclose(fp) == 0, "fclose");
	check_released(fd, "fclose");

	fp = fopen64(IOMMU_PATH, "re");
	CHECK(fp, "fopen64");
	fd = fileno(fp);
	check_iommufd(fd, "fopen64");
	CHECK(fcntl(fd, F_GETFD) == FD_CLOEXEC, "fopen64 \"e\"");
	CHECK(fclose(fp) == 0, "fclose");
	check_released(fd, "fclose (fopen64)");

	printf("ok - open, open64, openat, openat64, __open*_2, fopen, fopen64\n");
}

static void check_chr(const struct stat *st, const char *what)
{
	CHECK(S_ISCHR(st->st_mode), "%s: mode 0%o is not S_IFCHR", what,
	      (unsigned int)st->st_mode);
}

static void test_stat(void)
{
	struct stat st;
	struct statx stx;
	int fd, dirfd;

	CHECK(stat(IOMMU_PATH, &st) == 0, "stat");
	check_chr(&st, "stat");
	CHECK(lstat(IOMMU_PATH, &st) == 0, "lstat");
	check_chr(&st, "lstat");
	CHECK(fstatat(AT_FDCWD, IOMMU_PATH, &st, 0) == 0, "fstatat");
	check_chr(&st, "fstatat");

	dirfd = open("/dev", O_RDONLY | O_DIRECTORY);
	CHECK(dirfd >= 0, "open /dev");
	CHECK(fstatat(dirfd, "iommu", &st, AT_SYMLINK_NOFOLLOW) == 0, "fstatat(dirfd)");
	check_chr(&st, "fstatat(dirfd)");
	close(dirfd);

	fd = open(IOMMU_PATH, O_RDWR);
	check_iommufd(fd, "open for fstat");
	CHECK(fstat(fd, &st) == 0, "fstat");
	check_chr(&st, "fstat");
	CHECK(fstatat(fd, "", &st, AT_EMPTY_PATH) == 0, "fstatat(AT_EMPTY_PATH)");
	check_chr(&st, "fstatat(AT_EMPTY_PATH)");

	memset(&stx, 0, sizeof(stx));
	CHECK(statx(AT_FDCWD, IOMMU_PATH, 0, STATX_BASIC_STATS, &stx) == 0, "statx");
	CHECK(S_ISCHR(stx.stx_mode), "statx mode 0%o", stx.stx_mode);
	CHECK((stx.stx_mask & STATX_BASIC_STATS) == STATX_BASIC_STATS, "statx mask %#x",
	      stx.stx_mask);
	CHECK(makedev(stx.stx_rdev_major, stx.stx_rdev_minor) == st.st_rdev,
	      "statx rdev %u:%u", stx.stx_rdev_major, stx.stx_rdev_minor);
	memset(&stx, 0, sizeof(stx));
	CHECK(statx(fd, "", AT_EMPTY_PATH, STATX_BASIC_STATS, &stx) == 0,
	      "statx(AT_EMPTY_PATH)");
	CHECK(S_ISCHR(stx.stx_mode), "statx(AT_EMPTY_PATH) mode 0%o", stx.stx_mode);
	close(fd);

	CHECK(access(IOMMU_PATH, F_OK) == 0, "access F_OK");
	CHECK(access(IOMMU_PATH, R_OK | W_OK) == 0, "access R_OK|W_OK");
	errno = 0;
	CHECK(access(IOMMU_PATH, X_OK) == -1 && errno == EACCES, "access X_OK");
	CHECK(faccessat(AT_FDCWD, IOMMU_PATH, R_OK | W_OK, AT_EACCESS) == 0, "faccessat");
	CHECK(euidaccess(IOMMU_PATH, R_OK) == 0, "euidaccess");
	CHECK(eaccess(IOMMU_PATH, W_OK) == 0, "eaccess");

	printf("ok - stat, lstat, fstat, fstatat, statx, access family\n");
}

/* An IOAS made through @a is visible, and destroyable, through @b. */
static void check_same_context(int a, int b, const char *what)
{
	uint32_t id = 0;

	CHECK(ioas_alloc(a, &id) == 0, "%s: IOAS_ALLOC on fd %d", what, a);
	CHECK(iommu_destroy(b, id) == 0, "%s: DESTROY(%u) through fd %d", what, id, b);
	CHECK(iommu_destroy(a, id) == -ENOENT, "%s: DESTROY(%u) twice", what, id);
}

static void test_dup(void)
{
	int fd, d1, d2, d3, d4, other;

	fd = open(IOMMU_PATH, O_RDWR);
	check_iommufd(fd, "open for dup");

	d1 = dup(fd);
	check_iommufd(d1, "dup");
	check_same_context(fd, d1, "dup");

	other = open("/dev/null", O_RDONLY);
	CHECK(other >= 0, "open /dev/null");
	d2 = dup2(fd, other);		/* replaces a plain fd */
	CHECK(d2 == other, "dup2 onto /dev/null fd");
	check_iommufd(d2, "dup2");
	check_same_context(d2, fd, "dup2");
	CHECK(dup2(d2, d2) == d2, "dup2(fd, fd)");

	d3 = dup3(fd, 200, O_CLOEXEC);	/* a free number */
	CHECK(d3 == 200, "dup3 onto 200 gave %d", d3);
	check_iommufd(d3, "dup3");
	CHECK(fcntl(d3, F_GETFD) == FD_CLOEXEC, "dup3 O_CLOEXEC");
	check_same_context(d3, d1, "dup3");
	errno = 0;
	CHECK(dup3(d3, d3, 0) == -1 && errno == EINVAL, "dup3(fd, fd)");

	d4 = fcntl(fd, F_DUPFD_CLOEXEC, 100);
	CHECK(d4 >= 100, "F_DUPFD_CLOEXEC min 100 gave %d", d4);
	check_iommufd(d4, "F_DUPFD_CLOEXEC");
	CHECK(fcntl(d4, F_GETFD) == FD_CLOEXEC, "F_DUPFD_CLOEXEC flag");
	check_same_context(d4, d3, "F_DUPFD_CLOEXEC");

	/* Closing one duplicate leaves the others on the same, live context. */
	CHECK(close(fd) == 0, "close original");
	check_iommufd(d1, "dup after closing the original");
	check_same_context(d1, d4, "after close");

	/* dup2 of a plain fd onto an emulated one replaces it. */
	other = open("/dev/null", O_RDONLY);
	CHECK(other >= 0, "open /dev/null");
	CHECK(dup2(other, d2) == d2, "dup2 plain onto emulated");
	CHECK(xioctl(d2, T_IOMMU_DESTROY, &(struct t_iommu_destroy){ 8, 0 }) == -ENOTTY,
	      "fd %d replaced by dup2 is still routed to the emulation", d2);
	close(other);
	close(d2);
	check_same_context(d3, d1, "after dup2 over a duplicate");

	CHECK(close(d1) == 0 && close(d3) == 0 && close(d4) == 0, "close duplicates");
	check_released(d4, "close of the last duplicate");

	printf("ok - dup, dup2, dup3, fcntl(F_DUPFD_CLOEXEC), close of one duplicate\n");
}

static void test_close_range(void)
{
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 34))
	int fd, keep;

	fd = open(IOMMU_PATH, O_RDWR);
	check_iommufd(fd, "open for close_range");
	keep = dup(fd);
	check_iommufd(keep, "dup for close_range");

	/* CLOSE_RANGE_CLOEXEC keeps the fd, and its emulation. */
	if (close_range((unsigned int)fd, (unsigned int)fd, CLOSE_RANGE_CLOEXEC) != 0 &&
	    (errno == ENOSYS || errno == EINVAL)) {
		printf("skip - close_range: not supported by the kernel\n");
		close(fd);
		close(keep);
		return;
	}
	CHECK(fcntl(fd, F_GETFD) == FD_CLOEXEC, "CLOSE_RANGE_CLOEXEC");
	check_iommufd(fd, "after CLOSE_RANGE_CLOEXEC");

	CHECK(close_range((unsigned int)fd, (unsigned int)fd, 0) == 0, "close_range");
	check_released(fd, "close_range");
	check_iommufd(keep, "duplicate outside the closed range");
	close(keep);

	printf("ok - close_range\n");
#else
	printf("skip - close_range: glibc < 2.34\n");
#endif
}

static void test_errno_passthrough(void)
{
	struct stat st;
	int p[2], fd;

	errno = 0;
	CHECK(open("/nonexistent/softiommu-test", O_RDONLY) == -1 && errno == ENOENT,
	      "open of a missing file");
	errno = 0;
	CHECK(stat("/nonexistent/softiommu-test", &st) == -1 && errno == ENOENT,
	      "stat of a missing file");
	errno = 0;
	CHECK(access("/nonexistent/softiommu-test", F_OK) == -1 && errno == ENOENT,
	      "access of a missing file");

	CHECK(pipe(p) == 0, "pipe");
	errno = 0;
	CHECK(ioctl(p[0], T_IOMMU_DESTROY, NULL) == -1 && errno == ENOTTY,
	      "ioctl on a pipe");

	/* Successful calls leave errno alone, emulated or not. */
	errno = EXDEV;
	CHECK(fstat(p[0], &st) == 0 && errno == EXDEV, "fstat(pipe) changed errno");
	fd = open(IOMMU_PATH, O_RDWR);
	CHECK(fd >= 0 && errno == EXDEV, "open(%s) changed errno", IOMMU_PATH);
	CHECK(fstat(fd, &st) == 0 && errno == EXDEV, "fstat(iommufd) changed errno");
	CHECK(close(fd) == 0 && errno == EXDEV, "close(iommufd) changed errno");
	close(p[0]);
	close(p[1]);

	errno = 0;
	CHECK(close(-1) == -1 && errno == EBADF, "close(-1)");

	printf("ok - errno of non-emulated calls\n");
}

static void test_poll(void)
{
	struct pollfd pfd;
	int fd;

	fd = open(IOMMU_PATH, O_RDWR);
	check_iommufd(fd, "open for poll");
	pfd.fd = fd;
	pfd.events = POLLIN | POLLOUT;
	pfd.revents = 0;
	CHECK(poll(&pfd, 1, 0) == 1, "poll");
	CHECK((pfd.revents & (POLLIN | POLLOUT)) == (POLLIN | POLLOUT), "poll revents %#x",
	      (unsigned int)pfd.revents);
	close(fd);

	printf("ok - poll\n");
}

/* Raise the soft RLIMIT_NOFILE to at least @want if the hard limit allows. */
static bool raise_nofile(rlim_t want)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl))
		return false;
	if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < want) {
		if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < want)
			return false;
		rl.rlim_cur = want;
		if (setrlimit(RLIMIT_NOFILE, &rl))
			return false;
	}
	return true;
}

static void test_high_fd(void)
{
	const int high = 5000;
	int fd;

	if (!raise_nofile(high + 1)) {
		printf("skip - fd %d: RLIMIT_NOFILE cannot be raised\n", high);
		return;
	}
	fd = open(IOMMU_PATH, O_RDWR);
	check_iommufd(fd, "open for high fd");
	CHECK(dup2(fd, high) == high, "dup2 onto %d", high);
	check_iommufd(high, "fd 5000");
	check_same_context(high, fd, "fd 5000");
	CHECK(close(high) == 0, "close %d", high);
	check_released(high, "close of fd 5000");
	check_iommufd(fd, "original of fd 5000");
	close(fd);

	printf("ok - fd %d\n", high);
}

static void segv_handler(int sig)
{
	(void)sig;
	_exit(42);
}

/* In a child: install @how's SIGSEGV handler, fault, expect exit status 42. */
static void check_segv_handler(int how, const char *what)
{
	volatile int *volatile bad = NULL;
	struct sigaction sa;
	pid_t pid;
	int status, fd;

	pid = fork();
	CHECK(pid >= 0, "fork");
	if (pid == 0) {
		/* Make sure the emulation, and its own fault handler, are live. */
		fd = open(IOMMU_PATH, O_RDWR);
		if (fd < 0 || iommu_destroy(fd, 0) != -ENOENT)
			_exit(3);
		if (how == 0) {
			memset(&sa, 0, sizeof(sa));
			sa.sa_handler = segv_handler;
			sigemptyset(&sa.sa_mask);
			if (sigaction(SIGSEGV, &sa, NULL))
				_exit(4);
		} else if (signal(SIGSEGV, segv_handler) == SIG_ERR) {
			_exit(4);
		}
		/* The emulation still works with the program's handler installed. */
		if (iommu_destroy(fd, 0) != -ENOENT)
			_exit(5);
		*bad = 1;
		_exit(6);
	}
	CHECK(waitpid(pid, &status, 0) == pid, "waitpid");
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 42,
	      "%s: child status %#x (exit %d, signal %d)", what, (unsigned int)status,
	      WIFEXITED(status) ? WEXITSTATUS(status) : -1,
	      WIFSIGNALED(status) ? WTERMSIG(status) : -1);
}

static void test_sigsegv(void)
{
	check_segv_handler(0, "sigaction");
	check_segv_handler(1, "signal");
	printf("ok - program SIGSEGV handler (sigaction, signal)\n");
}

static void test_many_fds(void)
{
	int count = 3000, i, *fds;
	uint32_t id;

	if (!raise_nofile((rlim_t)count + 64)) {
		struct rlimit rl;

		getrlimit(RLIMIT_NOFILE, &rl);
		count = (int)rl.rlim_cur - 64;
		printf("note - RLIMIT_NOFILE %llu: opening %d fds\n",
		       (unsigned long long)rl.rlim_cur, count);
	}
	fds = calloc((size_t)count, sizeof(*fds));
	CHECK(fds, "calloc");
	for (i = 0; i < count; i++) {
		fds[i] = open(IOMMU_PATH, O_RDWR | O_CLOEXEC);
		CHECK(fds[i] >= 0, "open #%d", i);
	}
	/* The last one is a working, independent context. */
	CHECK(ioas_alloc(fds[count - 1], &id) == 0, "IOAS_ALLOC on fd %d", fds[count - 1]);
	CHECK(iommu_destroy(fds[0], id) == -ENOENT, "contexts are not independent");
	CHECK(iommu_destroy(fds[count - 1], id) == 0, "DESTROY on fd %d", fds[count - 1]);
	for (i = 0; i < count; i++)
		CHECK(close(fds[i]) == 0, "close #%d (fd %d)", i, fds[i]);
	check_released(fds[count - 1], "close of many fds");
	free(fds);

	/* The table still works after shrinking back. */
	i = open(IOMMU_PATH, O_RDWR);
	check_iommufd(i, "open after many");
	close(i);

	printf("ok - %d fds open at once\n", count);
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);

	test_open_variants();
	test_stat();
	test_dup();
	test_close_range();
	test_errno_passthrough();
	test_poll();
	test_high_fd();
	test_sigsegv();
	test_many_fds();

	printf("PASS - %u checks\n", n_checks);
	return 0;
}
