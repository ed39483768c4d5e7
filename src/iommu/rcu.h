/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * RCU for the iommu layer: liburcu's "bulletproof" flavour (urcu-bp).
 *
 * Why urcu-bp: the callers of translation and DMA are arbitrary threads of
 * the program (device emulation threads we never see created); urcu-bp
 * registers a thread on its first read-side section and unregisters it at
 * exit, so nothing has to be called per thread. It is called through the
 * library's functions (not the LGPL inline versions, so this BSD code does
 * not inline LGPL code); a read-side pair costs ~15 ns here, so it is only
 * taken on the IOTLB-miss path (walks), never on a hit.
 *
 * What the read side protects: a domain (and its table memory) read from an
 * attachment slot stays allocated until the section ends. Writers unlink
 * first, then sio_rcu_synchronize(), then free.
 *
 * ThreadSanitizer. urcu-bp's read side orders itself with compiler
 * barriers only (the writer uses membarrier(2)) or with fences inside the
 * uninstrumented library; TSan sees neither, and would report every free
 * after a grace period as racing with the readers that preceded it. So TSan
 * builds annotate the guarantee RCU really gives: the end of every read-side
 * section happens before the return of a later synchronize (release on
 * unlock, acquire after the grace period, on one token). That is exactly
 * the ordering RCU provides and no more, so races outside RCU's contract
 * are still reported; no suppressions are needed.
 */
#ifndef SIO_IOMMU_RCU_H
#define SIO_IOMMU_RCU_H

#include <urcu-bp.h>

#if defined(__SANITIZE_THREAD__)
#define SIO_RCU_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define SIO_RCU_TSAN 1
#endif
#endif

#ifdef SIO_RCU_TSAN
#include <sanitizer/tsan_interface.h>
extern char sio_rcu_tsan_token;
#endif

static inline void sio_rcu_read_lock(void)
{
	urcu_bp_read_lock();
}

static inline void sio_rcu_read_unlock(void)
{
#ifdef SIO_RCU_TSAN
	__tsan_release(&sio_rcu_tsan_token);
#endif
	urcu_bp_read_unlock();
}

/* Wait until every read-side section that began before the call has ended. */
static inline void sio_rcu_synchronize(void)
{
	urcu_bp_synchronize_rcu();
#ifdef SIO_RCU_TSAN
	__tsan_acquire(&sio_rcu_tsan_token);
#endif
}

#endif /* SIO_IOMMU_RCU_H */
