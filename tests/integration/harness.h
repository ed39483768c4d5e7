/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * harness.h - a tiny test harness for the black-box integration programs.
 *
 * A program defines its tests with TEST(name) { ... } and ends with
 * HARNESS_MAIN(). Tests run in the order they appear in the file and print
 * TAP-style "ok N name" / "not ok N name" lines; a failing check prints its
 * location and the values involved on stderr and lets the test continue. The
 * exit status is 0 only if every check of every test passed.
 *
 *	CHECK(cond)			cond is true
 *	CHECK_OK(expr)			expr == 0
 *	CHECK_ERR(expr, E)		expr == -1 and errno == E
 *	CHECK_EQ(a, b)			a == b, both printed as 64-bit hex
 *
 * A program that defines HARNESS_ISOLATE before including this header runs
 * every test in a forked child (which must open its own /dev/iommu), so that a
 * test killed by a signal is reported as "not ok" and the later tests still
 * run. The parent never touches /dev/iommu.
 *
 * Only libc is used.
 */
#ifndef SIO_TEST_HARNESS_H
#define SIO_TEST_HARNESS_H

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef HARNESS_ISOLATE
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#endif

struct h_test {
	const char *name;
	void (*fn)(void);
	int line;
};

#define H_MAX_TESTS 256

static struct h_test h_tests[H_MAX_TESTS];
static unsigned int h_ntests;
static unsigned long h_nchecks;
static unsigned long h_nfailed_checks;
static bool h_cur_failed;
static const char *h_cur_name;

static inline void h_register(const char *name, void (*fn)(void), int line)
{
	if (h_ntests == H_MAX_TESTS) {
		fprintf(stderr, "harness: too many tests\n");
		abort();
	}
	h_tests[h_ntests].name = name;
	h_tests[h_ntests].fn = fn;
	h_tests[h_ntests].line = line;
	h_ntests++;
}

/* errno as a name ("ENOENT"); falls back to the number on old C libraries. */
static inline const char *h_errname(int e, char buf[static 16])
{
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 32))
	const char *n = strerrorname_np(e);

	if (n)
		return n;
#endif
	snprintf(buf, 16, "%d", e);
	return buf;
}

static inline void h_fail(const char *file, int line, const char *what)
{
	h_nfailed_checks++;
	h_cur_failed = true;
	fprintf(stderr, "# %s: %s:%d: %s\n", h_cur_name ? h_cur_name : "(setup)", file, line,
		what);
}

static inline void h_check(bool ok, const char *file, int line, const char *expr)
{
	char msg[512];

	h_nchecks++;
	if (ok)
		return;
	snprintf(msg, sizeof(msg), "CHECK(%s) failed", expr);
	h_fail(file, line, msg);
}

static inline bool h_check_ok(long ret, int err, const char *file, int line, const char *expr)
{
	char msg[512], b[16];

	h_nchecks++;
	if (ret == 0)
		return true;
	snprintf(msg, sizeof(msg), "CHECK_OK(%s): returned %ld, errno %s", expr, ret,
		 ret == -1 ? h_errname(err, b) : "-");
	h_fail(file, line, msg);
	return false;
}

static inline bool h_check_err(long ret, int err, int want, const char *file, int line,
			       const char *expr)
{
	char msg[512], b1[16], b2[16];

	h_nchecks++;
	if (ret == -1 && err == want)
		return true;
	if (ret == -1)
		snprintf(msg, sizeof(msg), "CHECK_ERR(%s): expected %s, got %s", expr,
			 h_errname(want, b1), h_errname(err, b2));
	else
		snprintf(msg, sizeof(msg), "CHECK_ERR(%s): expected %s, but it returned %ld",
			 expr, h_errname(want, b1), ret);
	h_fail(file, line, msg);
	return false;
}

static inline bool h_check_eq(uint64_t a, uint64_t b, const char *file, int line,
			      const char *ea, const char *eb)
{
	char msg[512];

	h_nchecks++;
	if (a == b)
		return true;
	snprintf(msg, sizeof(msg), "CHECK_EQ(%s, %s): 0x%" PRIx64 " != 0x%" PRIx64, ea, eb, a,
		 b);
	h_fail(file, line, msg);
	return false;
}

#define CHECK(cond) h_check(!!(cond), __FILE__, __LINE__, #cond)

#define CHECK_OK(expr) ({							\
	long h_r_;								\
	errno = 0;								\
	h_r_ = (long)(expr);							\
	h_check_ok(h_r_, errno, __FILE__, __LINE__, #expr);			\
})

#define CHECK_ERR(expr, want) ({						\
	long h_r_;								\
	errno = 0;								\
	h_r_ = (long)(expr);							\
	h_check_err(h_r_, errno, (want), __FILE__, __LINE__, #expr);		\
})

#define CHECK_EQ(a, b) h_check_eq((uint64_t)(a), (uint64_t)(b), __FILE__, __LINE__, #a, #b)

/* Setup step that the rest of a test depends on: stop the test if it fails. */
#define REQUIRE(cond) do {							\
	if (!(cond)) {								\
		h_fail(__FILE__, __LINE__, "REQUIRE(" #cond ") failed, test aborted"); \
		return;								\
	}									\
} while (0)

#define REQUIRE_OK(expr) do {							\
	if (!CHECK_OK(expr))							\
		return;								\
} while (0)

/* Defines a test; registered at load time and run in source order. */
#define TEST(name)								\
	static void name(void);							\
	__attribute__((constructor)) static void h_reg_##name(void)		\
	{									\
		h_register(#name, name, __LINE__);				\
	}									\
	static void name(void)

static inline int h_cmp_line(const void *a, const void *b)
{
	const struct h_test *ta = a, *tb = b;

	return (ta->line > tb->line) - (ta->line < tb->line);
}

#ifdef HARNESS_ISOLATE
/*
 * Run test @t in a child; the child reports its check counts through a pipe.
 * A child that dies, exits non-zero (e.g. a sanitizer report) or reports
 * nothing fails the test.
 */
static inline void h_run_isolated(const struct h_test *t)
{
	unsigned long counts[2] = { 0, 0 };
	int pfd[2], status = 0;
	ssize_t n = 0;
	pid_t pid;

	fflush(stdout);
	fflush(stderr);
	if (pipe(pfd) || (pid = fork()) < 0) {
		h_fail(__FILE__, __LINE__, "harness: pipe/fork failed");
		return;
	}
	if (pid == 0) {
		close(pfd[0]);
		h_nchecks = 0;
		h_nfailed_checks = 0;
		t->fn();
		fflush(stderr);
		counts[0] = h_nchecks;
		counts[1] = h_nfailed_checks;
		if (write(pfd[1], counts, sizeof(counts)) != (ssize_t)sizeof(counts))
			_exit(99);
		close(pfd[1]);
		exit(0);
	}
	close(pfd[1]);
	while ((size_t)n < sizeof(counts)) {
		ssize_t r = read(pfd[0], (char *)counts + n, sizeof(counts) - (size_t)n);

		if (r <= 0)
			break;
		n += r;
	}
	close(pfd[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if ((size_t)n == sizeof(counts)) {
		h_nchecks += counts[0];
		h_nfailed_checks += counts[1];
		if (counts[1])
			h_cur_failed = true;
	}
	if (WIFSIGNALED(status)) {
		char msg[64];

		snprintf(msg, sizeof(msg), "test killed by signal %d (%s)", WTERMSIG(status),
			 strsignal(WTERMSIG(status)));
		h_fail(__FILE__, __LINE__, msg);
	} else if ((size_t)n != sizeof(counts) || WEXITSTATUS(status)) {
		char msg[64];

		snprintf(msg, sizeof(msg), "test process exited with status %d",
			 WEXITSTATUS(status));
		h_fail(__FILE__, __LINE__, msg);
	}
}
#endif

static inline int h_run_all(void)
{
	unsigned int i, failed = 0;

	qsort(h_tests, h_ntests, sizeof(h_tests[0]), h_cmp_line);
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("1..%u\n", h_ntests);
	for (i = 0; i < h_ntests; i++) {
		h_cur_failed = false;
		h_cur_name = h_tests[i].name;
#ifdef HARNESS_ISOLATE
		h_run_isolated(&h_tests[i]);
#else
		h_tests[i].fn();
#endif
		fflush(stderr);
		if (h_cur_failed)
			failed++;
		printf("%sok %u %s\n", h_cur_failed ? "not " : "", i + 1, h_tests[i].name);
	}
	h_cur_name = NULL;
	printf("# %u tests, %u failed; %lu checks, %lu failed", h_ntests, failed, h_nchecks,
	       h_nfailed_checks);
	printf("\n");
	return failed || h_nfailed_checks ? EXIT_FAILURE : EXIT_SUCCESS;
}

#define HARNESS_MAIN()								\
	int main(void)								\
	{									\
		return h_run_all();						\
	}

#endif /* SIO_TEST_HARNESS_H */
