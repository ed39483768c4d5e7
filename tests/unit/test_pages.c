/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Pages: lazy pinning, one pin per page per pages object whatever the number
 * of users, EFAULT for missing or unwritable memory, RLIMIT_MEMLOCK charging
 * (ENOMEM past it, CAP_IPC_LOCK exempt), and memfd pages held through
 * softiommu's own mapping.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <linux/capability.h>
#include <cmocka.h>

#include "base/uaccess.h"
#include "core/account.h"
#include "core/pages.h"
#include "core/physid.h"

/* The pin count of the page at @va, as MD_CHECK_REFS reads it. */
static unsigned int pin_count(uintptr_t va)
{
	struct sio_physmap *map;
	struct sio_physid id;
	unsigned int n;

	assert_int_equal(sio_physmap_snapshot(&map), 0);
	assert_int_equal(sio_physmap_lookup(map, va, &id), 0);
	n = sio_pages_pin_count_id(map, &id);
	sio_physmap_free(map);
	return n;
}

static uint64_t ps;

static void *map_anon(size_t len, int prot)
{
	void *p = mmap(NULL, len, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	assert_true(p != MAP_FAILED);
	return p;
}

static void test_alloc_checks(void **state)
{
	struct sio_pages *pages;
	uint64_t start_byte;

	assert_int_equal(sio_pages_alloc_user(0x1000, 0, true, &pages, &start_byte), -EINVAL);
	assert_int_equal(sio_pages_alloc_user(0x1000, SIZE_MAX, true, &pages, &start_byte),
			 -EINVAL);
	assert_int_equal(sio_pages_alloc_user(UINT64_MAX - 10, 100, true, &pages, &start_byte),
			 -EOVERFLOW);
	assert_int_equal(sio_pages_alloc_file(-1, 0, 4096, true, &pages, &start_byte), -EBADF);
	/* Describing memory touches nothing: an unmapped VA is fine. */
	assert_int_equal(sio_pages_alloc_user(0x10000123, 3 * ps, false, &pages, &start_byte), 0);
	assert_int_equal(start_byte, 0x123);
	assert_int_equal(pages->npages, 4);
	assert_int_equal(pages->uva, 0x10000000);
	sio_pages_put(pages);
}

static void test_pin_counts_once_per_page(void **state)
{
	char *buf = map_anon(8 * ps, PROT_READ | PROT_WRITE);
	struct sio_pages_pin a, b;
	struct sio_pages *pages;
	uint64_t start_byte, before = sio_account_locked(SIO_ACCOUNT_USER);

	assert_int_equal(sio_pages_alloc_user((uintptr_t)buf, 8 * ps, true, &pages, &start_byte), 0);
	assert_int_equal(pin_count((uintptr_t)buf), 0);
	assert_int_equal(sio_pages_pin(pages, &a, 0, 5), 0);
	assert_int_equal(pages->npinned, 6);
	assert_int_equal(sio_account_locked(SIO_ACCOUNT_USER) - before, 6);
	/* An overlapping second user pins only the new pages. */
	assert_int_equal(sio_pages_pin(pages, &b, 3, 7), 0);
	assert_int_equal(pages->npinned, 8);
	assert_int_equal(sio_account_locked(SIO_ACCOUNT_USER) - before, 8);
	for (int i = 0; i < 8; i++)
		assert_int_equal(pin_count((uintptr_t)buf + i * ps + 7), 1);
	/* Releasing one user keeps what the other still holds. */
	sio_pages_unpin(pages, &a);
	assert_int_equal(pages->npinned, 5);
	assert_int_equal(pin_count((uintptr_t)buf), 0);
	assert_int_equal(pin_count((uintptr_t)buf + 3 * ps), 1);
	sio_pages_unpin(pages, &b);
	assert_int_equal(pages->npinned, 0);
	assert_int_equal(sio_account_locked(SIO_ACCOUNT_USER), before);
	assert_int_equal(pin_count((uintptr_t)buf + 7 * ps), 0);
	sio_pages_put(pages);
	munmap(buf, 8 * ps);
}

static void test_two_objects_pin_twice(void **state)
{
	char *buf = map_anon(2 * ps, PROT_READ | PROT_WRITE);
	struct sio_pages *p1, *p2;
	struct sio_pages_pin a, b;
	uint64_t sb;

	assert_int_equal(sio_pages_alloc_user((uintptr_t)buf, 2 * ps, true, &p1, &sb), 0);
	assert_int_equal(sio_pages_alloc_user((uintptr_t)buf, 2 * ps, false, &p2, &sb), 0);
	assert_int_equal(sio_pages_pin(p1, &a, 0, 1), 0);
	assert_int_equal(sio_pages_pin(p2, &b, 1, 1), 0);
	assert_int_equal(pin_count((uintptr_t)buf), 1);
	assert_int_equal(pin_count((uintptr_t)buf + ps), 2);
	sio_pages_unpin(p1, &a);
	sio_pages_unpin(p2, &b);
	sio_pages_put(p1);
	sio_pages_put(p2);
	munmap(buf, 2 * ps);
}

static int mode_fixup = 0;
static int mode_syscall = 1;

/*
 * Pinning faults pages in through the safe user access (core/pages.h), in
 * either of its modes. cmocka installs its own SIGSEGV handler around each
 * test body, so the mode (and with it our handler) is set inside the test.
 */
static void test_pin_faults(void **state)
{
	char *buf = map_anon(4 * ps, PROT_READ | PROT_WRITE);
	uint64_t before = sio_account_locked(SIO_ACCOUNT_USER);
	struct sio_pages *rw, *ro;
	struct sio_pages_pin pin;
	uint64_t sb;

	sio_uaccess_force_mode_for_test(*(int *)*state);

	/* Page 2 unmapped, page 3 read-only. */
	munmap(buf + 2 * ps, ps);
	assert_int_equal(mprotect(buf + 3 * ps, ps, PROT_READ), 0);
	assert_int_equal(sio_pages_alloc_user((uintptr_t)buf, 4 * ps, true, &rw, &sb), 0);
	assert_int_equal(sio_pages_alloc_user((uintptr_t)buf, 4 * ps, false, &ro, &sb), 0);
	assert_int_equal(sio_pages_pin(rw, &pin, 0, 3), -EFAULT);
	assert_int_equal(sio_pages_pin(rw, &pin, 2, 2), -EFAULT);
	/* Writable pages need writable memory. */
	assert_int_equal(sio_pages_pin(rw, &pin, 3, 3), -EFAULT);
	assert_int_equal(rw->npinned, 0);
	assert_int_equal(sio_account_locked(SIO_ACCOUNT_USER), before);
	/* Read-only pages of read-only memory are fine. */
	assert_int_equal(sio_pages_pin(ro, &pin, 3, 3), 0);
	sio_pages_unpin(ro, &pin);
	assert_int_equal(sio_pages_pin(rw, &pin, 0, 1), 0);
	sio_pages_unpin(rw, &pin);
	assert_int_equal(sio_pages_pin(rw, &pin, 1, 4), -EINVAL);
	sio_pages_put(rw);
	sio_pages_put(ro);
	munmap(buf, 4 * ps);
}

static int set_cap_ipc_lock(int on)
{
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct data[2];

	if (syscall(SYS_capget, &hdr, data))
		return -1;
	if (on)
		data[0].effective |= 1u << CAP_IPC_LOCK;
	else
		data[0].effective &= ~(1u << CAP_IPC_LOCK);
	return (int)syscall(SYS_capset, &hdr, data);
}

static void test_memlock_limit(void **state)
{
	char *buf = map_anon(16 * ps, PROT_READ | PROT_WRITE);
	struct sio_pages_pin a, b;
	struct sio_pages *pages;
	struct rlimit old, rl;
	uint64_t sb, base = sio_account_locked(SIO_ACCOUNT_MM);

	assert_int_equal(getrlimit(RLIMIT_MEMLOCK, &old), 0);
	assert_int_equal(sio_pages_alloc_user((uintptr_t)buf, 16 * ps, true, &pages, &sb), 0);
	pages->account_mode = SIO_ACCOUNT_MM;
	/* As root, drop CAP_IPC_LOCK so that the limit applies. */
	set_cap_ipc_lock(0);
	assert_false(sio_capable(CAP_IPC_LOCK));
	rl.rlim_cur = (base + 10) * ps;
	rl.rlim_max = old.rlim_max;
	assert_int_equal(setrlimit(RLIMIT_MEMLOCK, &rl), 0);
	assert_int_equal(sio_pages_pin(pages, &a, 0, 7), 0);
	/* 8 pinned, 8 more would pass 10: ENOMEM and nothing charged. */
	assert_int_equal(sio_pages_pin(pages, &b, 8, 15), -ENOMEM);
	assert_int_equal(pages->npinned, 8);
	assert_int_equal(sio_account_locked(SIO_ACCOUNT_MM), base + 8);
	/* Overlap costs only the new pages: 8..9 fit exactly. */
	assert_int_equal(sio_pages_pin(pages, &b, 4, 9), 0);
	sio_pages_unpin(pages, &b);
	if (!set_cap_ipc_lock(1)) {
		/* CAP_IPC_LOCK lifts the limit, the charge is still counted. */
		assert_int_equal(sio_pages_pin(pages, &b, 8, 15), 0);
		assert_int_equal(sio_account_locked(SIO_ACCOUNT_MM), base + 16);
		sio_pages_unpin(pages, &b);
	}
	sio_pages_unpin(pages, &a);
	assert_int_equal(sio_account_locked(SIO_ACCOUNT_MM), base);
	assert_int_equal(setrlimit(RLIMIT_MEMLOCK, &old), 0);
	sio_pages_put(pages);
	munmap(buf, 16 * ps);
}

static void test_file_pages(void **state)
{
	int memfd = memfd_create("test", MFD_CLOEXEC);
	struct sio_pages *pages, *beyond, *notshm;
	struct sio_pages_pin pin;
	uint64_t sb, phys;
	char *user;
	int devnull;

	assert_true(memfd >= 0);
	assert_int_equal(ftruncate(memfd, 4 * ps), 0);
	user = mmap(NULL, 4 * ps, PROT_READ | PROT_WRITE, MAP_SHARED, memfd, 0);
	assert_true(user != MAP_FAILED);
	strcpy(user + ps + 16, "pinned file page");

	assert_int_equal(sio_pages_alloc_file(memfd, ps + 16, 2 * ps, true, &pages, &sb), 0);
	assert_int_equal(sb, 16);
	assert_int_equal(pages->npages, 3);
	assert_int_equal(sio_pages_pin(pages, &pin, 0, 2), 0);
	/* The caller may close and unmap its copy; the pinned pages stay. */
	close(memfd);
	munmap(user, 4 * ps);
	phys = sio_pages_phys(pages, 0);
	assert_string_equal((char *)(uintptr_t)phys + 16, "pinned file page");
	sio_pages_unpin(pages, &pin);
	sio_pages_put(pages);

	/* A range beyond the end of the file fails when pinned, not before. */
	memfd = memfd_create("short", MFD_CLOEXEC);
	assert_int_equal(ftruncate(memfd, ps), 0);
	assert_int_equal(sio_pages_alloc_file(memfd, 0, 2 * ps, true, &beyond, &sb), 0);
	assert_int_equal(sio_pages_pin(beyond, &pin, 0, 0), -EINVAL);
	sio_pages_put(beyond);
	close(memfd);

	/* Not shmem: EINVAL when pinned. */
	devnull = open("/dev/null", O_RDWR);
	assert_int_equal(sio_pages_alloc_file(devnull, 0, ps, false, &notshm, &sb), 0);
	assert_int_equal(sio_pages_pin(notshm, &pin, 0, 0), -EINVAL);
	sio_pages_put(notshm);
	close(devnull);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_alloc_checks),
		cmocka_unit_test(test_pin_counts_once_per_page),
		cmocka_unit_test(test_two_objects_pin_twice),
		cmocka_unit_test_prestate(test_pin_faults, &mode_fixup),
		cmocka_unit_test_prestate(test_pin_faults, &mode_syscall),
		cmocka_unit_test(test_memlock_limit),
		cmocka_unit_test(test_file_pages),
	};

	ps = (uint64_t)sysconf(_SC_PAGESIZE);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
