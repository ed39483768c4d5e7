/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Helpers shared by the page-table unit tests (test_pt*.c): a recording,
 * failure-injecting struct sio_pt_mem, raw entry access, and checks.
 * Include after <cmocka.h>.
 */
#ifndef SIO_TEST_PT_TEST_UTIL_H
#define SIO_TEST_PT_TEST_UTIL_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "base/compiler.h"
#include "base/uaccess.h"
#include "pt/pt.h"
#include "pt/pt_format.h"

#define SZ_2K	0x800ULL
#define SZ_4K	0x1000ULL
#define SZ_16K	0x4000ULL
#define SZ_64K	0x10000ULL
#define SZ_1M	0x100000ULL
#define SZ_2M	0x200000ULL
#define SZ_32M	0x2000000ULL
#define SZ_512M	0x20000000ULL
#define SZ_1G	0x40000000ULL

#define PROT_RW (SIO_PT_PROT_READ | SIO_PT_PROT_WRITE)

/*
 * A struct sio_pt_mem over process memory that records the addresses read,
 * counts reads and CASes, and can fail the n-th read / CAS (1-based; 0: never),
 * report "changed" (-EAGAIN) for the first @cas_again CASes, or change an
 * entry just before a CAS on it.
 */
struct rec_mem {
	uint64_t addrs[64];
	unsigned int nreads, ncas;
	unsigned int fail_read_at, fail_cas_at, cas_again;
	/* With clobber: the first CAS at clobber_addr stores clobber_val first. */
	int clobber;
	uint64_t clobber_addr, clobber_val;
};

static inline int rec_read(void *ctx, uint64_t addr, uint64_t *val)
{
	struct rec_mem *m = ctx;

	m->nreads++;
	if (m->nreads <= 64)
		m->addrs[m->nreads - 1] = addr;
	if (m->fail_read_at && m->nreads == m->fail_read_at)
		return -EFAULT;
	*val = __atomic_load_n((uint64_t *)(uintptr_t)addr, __ATOMIC_ACQUIRE);
	return 0;
}

static inline int rec_cas(void *ctx, uint64_t addr, uint64_t old, uint64_t new_val)
{
	struct rec_mem *m = ctx;

	m->ncas++;
	if (m->fail_cas_at && m->ncas == m->fail_cas_at)
		return -EFAULT;
	if (m->clobber && addr == m->clobber_addr) {
		m->clobber = 0;
		__atomic_store_n((uint64_t *)(uintptr_t)addr, m->clobber_val, __ATOMIC_RELEASE);
	}
	if (m->cas_again) {
		m->cas_again--;
		return -EAGAIN;
	}
	if (!__atomic_compare_exchange_n((uint64_t *)(uintptr_t)addr, &old, new_val, false,
					 __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
		return -EAGAIN;
	return 0;
}

static inline struct sio_pt_mem rec_mem_of(struct rec_mem *m)
{
	struct sio_pt_mem mem = { .read = rec_read, .cas = rec_cas, .ctx = m };

	memset(m, 0, sizeof(*m));
	return mem;
}

/* Atomic loads only (TSan-visible), no A/D writes unless used by set_ad. */
static inline int atomic_read(void *ctx, uint64_t addr, uint64_t *val)
{
	(void)ctx;
	*val = __atomic_load_n((uint64_t *)(uintptr_t)addr, __ATOMIC_ACQUIRE);
	return 0;
}

static inline int atomic_cas(void *ctx, uint64_t addr, uint64_t old, uint64_t new_val)
{
	(void)ctx;
	if (!__atomic_compare_exchange_n((uint64_t *)(uintptr_t)addr, &old, new_val, false,
					 __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
		return -EAGAIN;
	return 0;
}

static const struct sio_pt_mem atomic_mem = { .read = atomic_read, .cas = atomic_cas };

static inline struct sio_pt *pt_new(const struct sio_pt_cfg *cfg)
{
	struct sio_pt *pt = NULL;

	assert_int_equal(sio_pt_create(cfg, &pt), 0);
	assert_non_null(pt);
	return pt;
}

static inline int pt_walk(struct sio_pt *pt, uint64_t iova, unsigned int access, bool set_ad,
			  struct sio_pt_walk_result *res)
{
	return sio_pt_walk(sio_pt_config(pt), sio_pt_root(pt), &sio_pt_mem_direct, iova,
			   access, set_ad, res);
}

/*
 * Address of the deepest entry a walk of @iova reads (the leaf when mapped),
 * and its level through *level. Nothing is written.
 */
static inline uint64_t *pt_entry(struct sio_pt *pt, uint64_t iova, unsigned int *level)
{
	struct sio_pt_walk_result res;
	struct rec_mem m;
	struct sio_pt_mem mem = rec_mem_of(&m);

	sio_pt_walk(sio_pt_config(pt), sio_pt_root(pt), &mem, iova, SIO_PT_PRIV, false, &res);
	assert_true(m.nreads >= 1);
	if (level)
		*level = sio_pt_config(pt)->levels - m.nreads;
	return (uint64_t *)(uintptr_t)m.addrs[m.nreads - 1];
}

/* The entry at @level on the way to @iova (the walk must reach it). */
static inline uint64_t *pt_entry_at(struct sio_pt *pt, uint64_t iova, unsigned int level)
{
	struct sio_pt_walk_result res;
	struct rec_mem m;
	struct sio_pt_mem mem = rec_mem_of(&m);
	unsigned int n = sio_pt_config(pt)->levels - level;

	sio_pt_walk(sio_pt_config(pt), sio_pt_root(pt), &mem, iova, SIO_PT_PRIV, false, &res);
	assert_true(m.nreads >= n);
	return (uint64_t *)(uintptr_t)m.addrs[n - 1];
}

static inline uint64_t ent_get(const uint64_t *ep)
{
	return __atomic_load_n(ep, __ATOMIC_ACQUIRE);
}

static inline void ent_set(uint64_t *ep, uint64_t v)
{
	__atomic_store_n(ep, v, __ATOMIC_RELEASE);
}

/* iova_to_phys at the first, a middle and the last byte of [iova, iova + size). */
static inline void check_mapped(struct sio_pt *pt, uint64_t iova, uint64_t pa, uint64_t size,
				unsigned int leaf_lg2)
{
	uint64_t offs[3] = { 0, size / 2 + 8, size - 1 };
	unsigned int i;

	for (i = 0; i < 3; i++) {
		uint64_t got = 0;
		unsigned int lg2 = 0;

		assert_int_equal(sio_pt_iova_to_phys(pt, iova + offs[i], &got, &lg2), 0);
		assert_int_equal(got, pa + offs[i]);
		assert_int_equal(lg2, leaf_lg2);
	}
}

static inline void check_unmapped(struct sio_pt *pt, uint64_t iova)
{
	uint64_t pa;

	assert_int_equal(sio_pt_iova_to_phys(pt, iova, &pa, NULL), -ENOENT);
}

static inline uint64_t linked_tables(struct sio_pt *pt)
{
	struct sio_pt_stats st;

	sio_pt_get_stats(pt, &st);
	return st.tables_live - st.tables_deferred;
}

/* Collects read_and_clear_dirty() reports. */
struct dirty_log {
	unsigned int n;
	uint64_t iova[64], size[64];
};

static inline void dirty_cb(void *arg, uint64_t iova, uint64_t size)
{
	struct dirty_log *d = arg;

	if (d->n < 64) {
		d->iova[d->n] = iova;
		d->size[d->n] = size;
	}
	d->n++;
}

static inline unsigned int read_dirty(struct sio_pt *pt, uint64_t iova, uint64_t size,
				      bool no_clear, struct dirty_log *d)
{
	memset(d, 0, sizeof(*d));
	assert_int_equal(sio_pt_read_and_clear_dirty(pt, iova, size, no_clear, dirty_cb, d), 0);
	return d->n;
}

/*
 * cmocka installs its own SIGSEGV handler around each test body (and restores
 * the previous one after it, so a setup function cannot do this): a test that
 * lets the safe copy meet a bad address calls this first.
 */
static inline void pt_uaccess_ready(void)
{
	sio_uaccess_force_mode_for_test(0);
}

#endif /* SIO_TEST_PT_TEST_UTIL_H */
