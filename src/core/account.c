/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdbool.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <linux/capability.h>

#include "base/compiler.h"
#include "core/account.h"
#include "core/pages.h"

static uint64_t locked_pages[2];

int sio_capable(int cap)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
		.pid = 0,
	};
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3] = { { 0 } };

	if (cap < 0 || cap >= 32 * _LINUX_CAPABILITY_U32S_3)
		return 0;
	if (syscall(SYS_capget, &hdr, data))
		return 0;
	return !!(data[cap / 32].effective & (1u << (cap % 32)));
}

/* RLIMIT_MEMLOCK in pages; UINT64_MAX when unlimited. */
static uint64_t rlimit_pages(void)
{
	struct rlimit rl;

	/*
	 * Read at every charge, as Linux does: setrlimit() here or prlimit()
	 * from another process can change it at any time, unseen.
	 */
	if (getrlimit(RLIMIT_MEMLOCK, &rl) || rl.rlim_cur == RLIM_INFINITY)
		return UINT64_MAX;
	return (uint64_t)rl.rlim_cur / sio_page_size();
}

int sio_account_charge(enum sio_account_mode mode, uint64_t npages)
{
	uint64_t *counter = &locked_pages[mode == SIO_ACCOUNT_MM];
	uint64_t limit = rlimit_pages();
	uint64_t cur = __atomic_load_n(counter, __ATOMIC_RELAXED);
	uint64_t new;

	if (mode == SIO_ACCOUNT_NONE)
		return 0;
	do {
		if (check_add_overflow(cur, npages, &new))
			return -ENOMEM;
		/*
		 * CAP_IPC_LOCK lifts the limit. It is only asked about when the
		 * limit would be passed: the answer cannot change a charge that
		 * fits, and it costs a system call.
		 */
		if (new > limit && !sio_capable(CAP_IPC_LOCK))
			return -ENOMEM;
	} while (!__atomic_compare_exchange_n(counter, &cur, new, false, __ATOMIC_RELAXED,
					      __ATOMIC_RELAXED));
	return 0;
}

void sio_account_uncharge(enum sio_account_mode mode, uint64_t npages)
{
	if (mode == SIO_ACCOUNT_NONE)
		return;
	__atomic_fetch_sub(&locked_pages[mode == SIO_ACCOUNT_MM], npages, __ATOMIC_RELAXED);
}

uint64_t sio_account_locked(enum sio_account_mode mode)
{
	if (mode == SIO_ACCOUNT_NONE)
		return 0;
	return __atomic_load_n(&locked_pages[mode == SIO_ACCOUNT_MM], __ATOMIC_RELAXED);
}
