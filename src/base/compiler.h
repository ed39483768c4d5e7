/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Small language helpers shared by every layer. Nothing here allocates or
 * locks; everything is a macro or a static inline.
 */
#ifndef SIO_BASE_COMPILER_H
#define SIO_BASE_COMPILER_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#define SIO_EXPORT __attribute__((visibility("default")))

#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#define container_of(ptr, type, member) \
	((type *)((char *)(ptr) - offsetof(type, member)))

#define offsetofend(type, member) \
	(offsetof(type, member) + sizeof(((type *)0)->member))

#define check_add_overflow(a, b, d) __builtin_add_overflow(a, b, d)
#define check_mul_overflow(a, b, d) __builtin_mul_overflow(a, b, d)

#define sio_min(a, b) ((a) < (b) ? (a) : (b))
#define sio_max(a, b) ((a) > (b) ? (a) : (b))

/* Round x up/down to a power-of-two alignment a. */
#define SIO_ALIGN_DOWN(x, a) ((x) & ~((__typeof__(x))(a) - 1))
#define SIO_ALIGN_UP(x, a) SIO_ALIGN_DOWN((x) + (a) - 1, (a))
#define SIO_IS_ALIGNED(x, a) (((x) & ((__typeof__(x))(a) - 1)) == 0)

#define READ_ONCE(x) __atomic_load_n(&(x), __ATOMIC_RELAXED)
#define WRITE_ONCE(x, v) __atomic_store_n(&(x), (v), __ATOMIC_RELAXED)

/* Lowest set bit index of a non-zero 64-bit value. */
static inline unsigned int sio_ffs64(uint64_t v)
{
	return (unsigned int)__builtin_ctzll(v);
}

/* Highest set bit index of a non-zero 64-bit value. */
static inline unsigned int sio_fls64(uint64_t v)
{
	return 63u - (unsigned int)__builtin_clzll(v);
}

/* Smallest power of two >= v; v must be in [1, 2^63]. */
static inline uint64_t sio_roundup_pow2(uint64_t v)
{
	if (v <= 1)
		return 1;
	return 1ULL << (sio_fls64(v - 1) + 1);
}

static inline bool sio_is_pow2(uint64_t v)
{
	return v && !(v & (v - 1));
}

#endif /* SIO_BASE_COMPILER_H */
