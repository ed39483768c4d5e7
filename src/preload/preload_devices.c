/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The emulated machine's devices: when the preload library is loaded, the
 * PCI functions described in $SOFTIOMMU_DEVICES (which `softiommu run
 * --device/--devices` sets) are created before the program's own
 * constructors run. An invalid description is reported on stderr by
 * libsoftiommu; the program still runs, without that function and those
 * after it.
 */
#include "real.h"

#include <softiommu/softiommu.h>

__attribute__((constructor)) static void preload_devices_init(void)
{
	int saved_errno = errno;

	SIO_CALL(sio_devices_from_env());
	errno = saved_errno;
}
