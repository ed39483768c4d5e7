/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Resolution of the libc functions behind the wrappers (see real.h).
 */
#include "real.h"

#include <dlfcn.h>
#include <errno.h>

void *real_table[REAL_SYM_COUNT];
char real_missing;
__thread unsigned int preload_in_sio;

static const char *const real_names[REAL_SYM_COUNT] = {
#define REAL_NAME(name, ret, args) [REAL_SYM_##name] = #name,
	SIO_REAL_SYMBOLS(REAL_NAME)
#undef REAL_NAME
};

/*
 * Look @sym up in the objects after the preload (libc, or another interposer
 * loaded after us) and cache it. Safe to race: every caller stores the same
 * value. errno and the dlerror() state are left as the caller had them.
 */
void *real_resolve(enum real_sym sym)
{
	int saved_errno = errno;
	void *fn = dlsym(RTLD_NEXT, real_names[sym]);

	if (!fn) {
		(void)dlerror();
		fn = &real_missing;
	}
	__atomic_store_n(&real_table[sym], fn, __ATOMIC_RELEASE);
	errno = saved_errno;
	return fn;
}

/*
 * Resolve everything up front, while the program is still single-threaded
 * and no allocator lock can be held; wrappers called before this (from the
 * constructors of libsoftiommu or of other preloads) resolve lazily.
 */
__attribute__((constructor)) static void real_init(void)
{
	unsigned int i;

	for (i = 0; i < REAL_SYM_COUNT; i++) {
		if (!__atomic_load_n(&real_table[i], __ATOMIC_ACQUIRE))
			real_resolve((enum real_sym)i);
	}
}
