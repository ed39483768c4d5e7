/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The kernel ABI base types the softiommu uapi headers share: the system's
 * <linux/types.h> when there is one (so mixing with other kernel uapi
 * headers is conflict-free), else equivalent definitions of our own; the
 * 8-byte-aligned 64-bit field types; and the generic _IO() encoding.
 */
#ifndef SOFTIOMMU_UAPI_ABI_TYPES_H
#define SOFTIOMMU_UAPI_ABI_TYPES_H

#include <stddef.h>
#include <stdint.h>
#if defined(__linux__)
#include <sys/ioctl.h>
#endif

#if defined(__has_include)
#if __has_include(<linux/types.h>)
#define SIO_UAPI_HAVE_LINUX_TYPES_H 1
#endif
#elif defined(__linux__)
#define SIO_UAPI_HAVE_LINUX_TYPES_H 1
#endif

#ifdef SIO_UAPI_HAVE_LINUX_TYPES_H
#include <linux/types.h>
#undef SIO_UAPI_HAVE_LINUX_TYPES_H
#elif !defined(SIO_UAPI_OWN_KERNEL_TYPES)
#define SIO_UAPI_OWN_KERNEL_TYPES 1
typedef unsigned char __u8;
typedef signed char __s8;
typedef unsigned short __u16;
typedef signed short __s16;
typedef unsigned int __u32;
typedef signed int __s32;
typedef unsigned long long __u64;
typedef signed long long __s64;
typedef __u64 __le64;
#endif

/* 64-bit fields are 8-byte aligned on every ABI (i386 included). */
#ifndef __aligned_u64
#define __aligned_u64 __u64 __attribute__((aligned(8)))
#endif
#ifndef __aligned_le64
#define __aligned_le64 __le64 __attribute__((aligned(8)))
#endif

/* Generic Linux encoding of an ioctl with no direction and no size. */
#ifndef _IO
#define _IO(type, nr) ((((unsigned int)(type)) << 8) | ((unsigned int)(nr)))
#endif

#endif /* SOFTIOMMU_UAPI_ABI_TYPES_H */
