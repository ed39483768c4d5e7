/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The dispatcher's size rules for every command in the table (spec
 * iommufd-abi §2.2), through the C API (sio_open/sio_ioctl) on fresh
 * contexts:
 *  - size = min - 1 → EINVAL;
 *  - size = sizeof + 1 with a non-zero extra byte → E2BIG;
 *  - size = sizeof + 1 with a zero extra byte behaves exactly as sizeof
 *    (same return, errno and output bytes);
 *  - NULL argument → EFAULT; holes and wrong bits → ENOTTY;
 *  - an unreadable tail → EFAULT before anything else.
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
#include <cmocka.h>

#include <softiommu/softiommu.h>
#include <softiommu/uapi/iommufd.h>
#include <softiommu/uapi/iommufd_test.h>

struct cmd_desc {
	const char *name;
	unsigned int cmd;
	uint32_t size;
	uint32_t min;
};

#define DESC(c, s, last) { #c, c, sizeof(s), offsetof(s, last) + sizeof(((s *)0)->last) }

static const struct cmd_desc cmds[] = {
	DESC(IOMMU_DESTROY, struct iommu_destroy, id),
	DESC(IOMMU_IOAS_ALLOC, struct iommu_ioas_alloc, out_ioas_id),
	DESC(IOMMU_IOAS_ALLOW_IOVAS, struct iommu_ioas_allow_iovas, allowed_iovas),
	DESC(IOMMU_IOAS_COPY, struct iommu_ioas_copy, src_iova),
	DESC(IOMMU_IOAS_IOVA_RANGES, struct iommu_ioas_iova_ranges, out_iova_alignment),
	DESC(IOMMU_IOAS_MAP, struct iommu_ioas_map, iova),
	DESC(IOMMU_IOAS_UNMAP, struct iommu_ioas_unmap, length),
	DESC(IOMMU_OPTION, struct iommu_option, val64),
	DESC(IOMMU_VFIO_IOAS, struct iommu_vfio_ioas, __reserved),
	DESC(IOMMU_IOAS_MAP_FILE, struct iommu_ioas_map_file, iova),
	DESC(IOMMU_IOAS_CHANGE_PROCESS, struct iommu_ioas_change_process, __reserved),
	DESC(IOMMU_HWPT_ALLOC, struct iommu_hwpt_alloc, __reserved),
	DESC(IOMMU_GET_HW_INFO, struct iommu_hw_info, __reserved),
	DESC(IOMMU_HWPT_SET_DIRTY_TRACKING, struct iommu_hwpt_set_dirty_tracking, __reserved),
	DESC(IOMMU_HWPT_GET_DIRTY_BITMAP, struct iommu_hwpt_get_dirty_bitmap, data),
	DESC(IOMMU_HWPT_INVALIDATE, struct iommu_hwpt_invalidate, __reserved),
	DESC(IOMMU_FAULT_QUEUE_ALLOC, struct iommu_fault_alloc, out_fault_fd),
	DESC(IOMMU_VIOMMU_ALLOC, struct iommu_viommu_alloc, out_viommu_id),
	DESC(IOMMU_VDEVICE_ALLOC, struct iommu_vdevice_alloc, virt_id),
	DESC(IOMMU_HW_QUEUE_ALLOC, struct iommu_hw_queue_alloc, length),
	/* Last: test_short_struct_is_zero_extended uses it. */
	DESC(IOMMU_TEST_CMD, struct iommu_test_cmd, last),
};

/* The frozen minimum sizes of the ABI, independent of the struct definitions. */
static const uint32_t frozen_min[] = { 8, 12, 24, 40, 32, 40, 24, 24, 12, 40, 8, 24, 32, 16, 48,
					32, 16, 24, 24, 40, 68 };

/* The full sizes, likewise. */
static const uint32_t frozen_size[] = { 8, 12, 24, 40, 32, 40, 24, 24, 12, 40, 8, 48, 40, 16, 48,
					 32, 16, 40, 24, 40, 72 };

static int open_ctx(void)
{
	int fd = sio_open("/dev/iommu", O_RDWR | O_CLOEXEC);

	assert_true(fd >= 0);
	return fd;
}

/* Run @c on a fresh context with an all-zero struct of @size (size field set). */
static int run(const struct cmd_desc *c, uint32_t size, uint8_t tail_byte, uint8_t *out,
	       int *err)
{
	uint8_t *buf = calloc(1, size + 16);
	int fd = open_ctx(), rc;

	assert_non_null(buf);
	memcpy(buf, &size, sizeof(size));
	if (size > c->size)
		buf[size - 1] = tail_byte;
	errno = 0;
	rc = sio_ioctl(fd, c->cmd, buf);
	*err = errno;
	if (out)
		memcpy(out, buf, c->size);
	/* The fault fd keeps the context: close it so the next run reuses the numbers. */
	if (!rc && c->cmd == IOMMU_FAULT_QUEUE_ALLOC)
		assert_int_equal(sio_close((int)((struct iommu_fault_alloc *)buf)->out_fault_fd), 0);
	free(buf);
	assert_int_equal(sio_close(fd), 0);
	return rc;
}

static void test_frozen_minimums(void **state)
{
	assert_int_equal(sizeof(frozen_min), sizeof(cmds) / sizeof(cmds[0]) * sizeof(uint32_t));
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		assert_int_equal(cmds[i].min, frozen_min[i]);
		assert_int_equal(cmds[i].size, frozen_size[i]);
	}
}

/*
 * IOMMU_VIOMMU_ALLOC's 24-byte form (no data_len/data_uptr): the bytes
 * beyond the size are not read, the handler sees zero data.
 */
static void test_viommu_alloc_short_form(void **state)
{
	uint8_t buf[40];
	struct iommu_viommu_alloc *cmd = (struct iommu_viommu_alloc *)buf;
	int fd = open_ctx();

	memset(buf, 0xff, sizeof(buf));
	cmd->size = 24;
	cmd->flags = 0;
	cmd->type = IOMMU_VIOMMU_TYPE_SELFTEST;
	cmd->dev_id = 0;
	cmd->hwpt_id = 0;
	assert_int_equal(sio_ioctl(fd, IOMMU_VIOMMU_ALLOC, buf), -1);
	assert_int_equal(errno, ENOENT);
	/* The handler's first check runs on the 24 bytes: flags. */
	cmd->flags = 1;
	assert_int_equal(sio_ioctl(fd, IOMMU_VIOMMU_ALLOC, buf), -1);
	assert_int_equal(errno, EOPNOTSUPP);
	cmd->size = 23;
	assert_int_equal(sio_ioctl(fd, IOMMU_VIOMMU_ALLOC, buf), -1);
	assert_int_equal(errno, EINVAL);
	sio_close(fd);
}

static void test_min_minus_one_is_einval(void **state)
{
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		int err, rc = run(&cmds[i], cmds[i].min - 1, 0, NULL, &err);

		assert_int_equal(rc, -1);
		assert_int_equal(err, EINVAL);
	}
}

static void test_nonzero_tail_is_e2big(void **state)
{
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		int err, rc = run(&cmds[i], cmds[i].size + 1, 0x5a, NULL, &err);

		assert_int_equal(rc, -1);
		assert_int_equal(err, E2BIG);
		/* A long tail is checked to its last byte. */
		rc = run(&cmds[i], cmds[i].size + 4096, 1, NULL, &err);
		assert_int_equal(rc, -1);
		assert_int_equal(err, E2BIG);
	}
}

static void test_zero_tail_is_same_as_sizeof(void **state)
{
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		uint8_t out_a[128], out_b[128];
		int err_a, err_b, rc_a, rc_b;
		uint32_t size_b = cmds[i].size + 1;

		rc_a = run(&cmds[i], cmds[i].size, 0, out_a, &err_a);
		rc_b = run(&cmds[i], size_b, 0, out_b, &err_b);
		assert_int_equal(rc_a, rc_b);
		if (rc_a < 0)
			assert_int_equal(err_a, err_b);
		/* Only the size field may differ. */
		assert_memory_equal(out_a + 4, out_b + 4, cmds[i].size - 4);
	}
}

static void test_short_struct_is_zero_extended(void **state)
{
	/* IOMMU_TEST_CMD accepts 68 bytes: the last 4 read as zero. */
	const struct cmd_desc *c = &cmds[sizeof(cmds) / sizeof(cmds[0]) - 1];
	int err, rc = run(c, c->min, 0, NULL, &err);

	/* op 0 is unknown: the handler ran, so the size was accepted. */
	assert_int_equal(rc, -1);
	assert_int_equal(err, EOPNOTSUPP);
}

static void test_null_arg_is_efault(void **state)
{
	int fd = open_ctx();

	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		assert_int_equal(sio_ioctl(fd, cmds[i].cmd, NULL), -1);
		assert_int_equal(errno, EFAULT);
		assert_int_equal(sio_ioctl(fd, cmds[i].cmd, (void *)(uintptr_t)-8), -1);
		assert_int_equal(errno, EFAULT);
	}
	sio_close(fd);
}

static void test_unreadable_tail_is_efault(void **state)
{
	long ps = sysconf(_SC_PAGESIZE);
	uint8_t *map = mmap(NULL, 2 * ps, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct iommu_destroy *d;
	int fd = open_ctx();

	assert_true(map != MAP_FAILED);
	assert_int_equal(mprotect(map + ps, ps, PROT_NONE), 0);
	d = (struct iommu_destroy *)(map + ps - sizeof(*d));
	d->size = sizeof(*d) + 64;
	d->id = 0;
	assert_int_equal(sio_ioctl(fd, IOMMU_DESTROY, d), -1);
	assert_int_equal(errno, EFAULT);
	/* The same struct with a size that fits reaches the handler. */
	d->size = sizeof(*d);
	assert_int_equal(sio_ioctl(fd, IOMMU_DESTROY, d), -1);
	assert_int_equal(errno, ENOENT);
	munmap(map, 2 * ps);
	sio_close(fd);
}

static void test_holes_and_wrong_bits_are_enotty(void **state)
{
	struct iommu_destroy d = { .size = sizeof(d) };
	int fd = open_ctx();

	/* The vIOMMU commands are in the table: a short struct is EINVAL, not ENOTTY. */
	assert_int_equal(sio_ioctl(fd, IOMMU_VIOMMU_ALLOC, &d), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(sio_ioctl(fd, IOMMU_HW_QUEUE_ALLOC, &d), -1);
	assert_int_equal(errno, EINVAL);
	for (unsigned int nr = 0x96; nr <= 0x9f; nr++) {
		assert_int_equal(sio_ioctl(fd, _IO(IOMMUFD_TYPE, nr), &d), -1);
		assert_int_equal(errno, ENOTTY);
		/* A table hole still reads the size first. */
		assert_int_equal(sio_ioctl(fd, _IO(IOMMUFD_TYPE, nr), NULL), -1);
		assert_int_equal(errno, EFAULT);
	}
	/* Beyond the table and below the base: the compat handler, ENOTTY. */
	assert_int_equal(sio_ioctl(fd, _IO(IOMMUFD_TYPE, 0xa1), &d), -1);
	assert_int_equal(errno, ENOTTY);
	assert_int_equal(sio_ioctl(fd, _IO(IOMMUFD_TYPE, 0x7f), &d), -1);
	assert_int_equal(errno, ENOTTY);
	assert_int_equal(sio_ioctl(fd, _IO(IOMMUFD_TYPE, 0x7f), NULL), -1);
	assert_int_equal(errno, ENOTTY);
	/* Right number, wrong direction/size bits or type. */
	assert_int_equal(sio_ioctl(fd, _IOWR(IOMMUFD_TYPE, 0x80, struct iommu_destroy), &d), -1);
	assert_int_equal(errno, ENOTTY);
	assert_int_equal(sio_ioctl(fd, _IO('x', 0x80), &d), -1);
	assert_int_equal(errno, ENOTTY);
	/* The upper 32 bits of the request are ignored, as by the kernel. */
	assert_int_equal(sio_ioctl(fd, (1ul << 32) | IOMMU_DESTROY, &d), -1);
	assert_int_equal(errno, ENOENT);
	sio_close(fd);
}

static void test_selftest_disabled(void **state)
{
	struct iommu_test_cmd t = { .size = sizeof(t) };
	int fd;

	setenv("SOFTIOMMU_SELFTEST", "0", 1);
	fd = open_ctx();
	unsetenv("SOFTIOMMU_SELFTEST");
	assert_int_equal(sio_ioctl(fd, IOMMU_TEST_CMD, &t), -1);
	assert_int_equal(errno, ENOTTY);
	/* Without the test table entry 0x96.. go to the compat handler: no size read. */
	assert_int_equal(sio_ioctl(fd, _IO(IOMMUFD_TYPE, 0x96), NULL), -1);
	assert_int_equal(errno, ENOTTY);
	sio_close(fd);
}

static void test_bad_fds(void **state)
{
	struct iommu_destroy d = { .size = sizeof(d) };
	int fd = open_ctx(), path_fd;

	assert_int_equal(sio_ioctl(-1, IOMMU_DESTROY, &d), -1);
	assert_int_equal(errno, EBADF);
	assert_int_equal(sio_ioctl(1 << 20, IOMMU_DESTROY, &d), -1);
	assert_int_equal(errno, EBADF);
	sio_close(fd);
	assert_int_equal(sio_ioctl(fd, IOMMU_DESTROY, &d), -1);
	assert_int_equal(errno, EBADF);
	path_fd = sio_open("/dev/iommu", O_PATH);
	assert_true(path_fd >= 0);
	assert_int_equal(sio_ioctl(path_fd, IOMMU_DESTROY, &d), -1);
	assert_int_equal(errno, EBADF);
	sio_close(path_fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_frozen_minimums),
		cmocka_unit_test(test_viommu_alloc_short_form),
		cmocka_unit_test(test_min_minus_one_is_einval),
		cmocka_unit_test(test_nonzero_tail_is_e2big),
		cmocka_unit_test(test_zero_tail_is_same_as_sizeof),
		cmocka_unit_test(test_short_struct_is_zero_extended),
		cmocka_unit_test(test_null_arg_is_efault),
		cmocka_unit_test(test_unreadable_tail_is_efault),
		cmocka_unit_test(test_holes_and_wrong_bits_are_enotty),
		cmocka_unit_test(test_selftest_disabled),
		cmocka_unit_test(test_bad_fds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
