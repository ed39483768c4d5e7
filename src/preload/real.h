/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The libc functions the preload interposes, resolved with dlsym(RTLD_NEXT).
 *
 * Invariants:
 *  - Each symbol is looked up in the constructor, or lazily by a wrapper that
 *    runs before it, and cached in real_table[]. An entry only ever changes
 *    from NULL to its final value; racing resolvers store the same value.
 *  - Nothing on the resolution path allocates or takes a lock (dlsym itself
 *    only allocates to report a missing symbol).
 *  - REAL(name) is NULL when libc does not export @name; the wrapper then
 *    fails with ENOSYS instead of aborting the program.
 *
 * Every preload source includes this header first; it must come before any
 * system header so that the #undefs below take effect.
 */
#ifndef SIO_PRELOAD_REAL_H
#define SIO_PRELOAD_REAL_H

/*
 * Our definitions must keep their plain names: without this, glibc headers
 * rename open → open64, ioctl → __ioctl_time64, ... (_FILE_OFFSET_BITS,
 * _TIME_BITS) or replace them with fortified inlines (_FORTIFY_SOURCE).
 */
#undef _FILE_OFFSET_BITS
#undef _TIME_BITS
#undef _FORTIFY_SOURCE
#define _FORTIFY_SOURCE 0

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include "base/compiler.h"

#ifndef SIO_IOCTL_REQUEST_INT
typedef unsigned long sio_ioctl_req_t;	/* glibc */
#else
typedef int sio_ioctl_req_t;		/* musl and others */
#endif

/* Not exported by (or not declared in) every glibc: declared here. */
int __open_2(const char *path, int flags);
int __open64_2(const char *path, int flags);
int __openat_2(int dirfd, const char *path, int flags);
int __openat64_2(int dirfd, const char *path, int flags);
int close_range(unsigned int first, unsigned int last, int flags);
void closefrom(int lowfd);
ssize_t __read_chk(int fd, void *buf, size_t count, size_t buflen);
ssize_t __pread_chk(int fd, void *buf, size_t count, off_t off, size_t buflen);
ssize_t __pread64_chk(int fd, void *buf, size_t count, off64_t off, size_t buflen);
int __xstat(int ver, const char *path, struct stat *buf);
int __xstat64(int ver, const char *path, struct stat64 *buf);
int __lxstat(int ver, const char *path, struct stat *buf);
int __lxstat64(int ver, const char *path, struct stat64 *buf);
int __fxstat(int ver, int fd, struct stat *buf);
int __fxstat64(int ver, int fd, struct stat64 *buf);
int __fxstatat(int ver, int dirfd, const char *path, struct stat *buf, int flags);
int __fxstatat64(int ver, int dirfd, const char *path, struct stat64 *buf, int flags);
int eaccess(const char *path, int mode);
int euidaccess(const char *path, int mode);
int __sigaction(int sig, const struct sigaction *act, struct sigaction *oldact);
sighandler_t sysv_signal(int sig, sighandler_t handler);
sighandler_t bsd_signal(int sig, sighandler_t handler);

/*
 * 32-bit glibc with _TIME_BITS=64 routes these through separate symbols; the
 * programs built that way call them instead of ioctl/fcntl.
 */
#if defined(__GLIBC__) && defined(__TIMESIZE) && __TIMESIZE == 32
#define SIO_HAVE_TIME64_SYMS 1
int __ioctl_time64(int fd, unsigned long request, ...);
int __fcntl_time64(int fd, int cmd, ...);
#define SIO_REAL_TIME64(X) \
	X(__ioctl_time64, int, (int, unsigned long, ...)) \
	X(__fcntl_time64, int, (int, int, ...))
#else
#define SIO_REAL_TIME64(X)
#endif

#if defined(SIO_HAVE_STATX)
#define SIO_REAL_STATX(X) \
	X(statx, int, (int, const char *, int, unsigned int, struct statx *))
#else
#define SIO_REAL_STATX(X)
#endif

/* X(name, return type, (parameter types)) for every resolved symbol. */
#define SIO_REAL_SYMBOLS(X) \
	X(open, int, (const char *, int, ...)) \
	X(open64, int, (const char *, int, ...)) \
	X(openat, int, (int, const char *, int, ...)) \
	X(openat64, int, (int, const char *, int, ...)) \
	X(creat, int, (const char *, mode_t)) \
	X(creat64, int, (const char *, mode_t)) \
	X(__open_2, int, (const char *, int)) \
	X(__open64_2, int, (const char *, int)) \
	X(__openat_2, int, (int, const char *, int)) \
	X(__openat64_2, int, (int, const char *, int)) \
	X(fopen, FILE *, (const char *, const char *)) \
	X(fopen64, FILE *, (const char *, const char *)) \
	X(fclose, int, (FILE *)) \
	X(close, int, (int)) \
	X(dup, int, (int)) \
	X(dup2, int, (int, int)) \
	X(dup3, int, (int, int, int)) \
	X(fcntl, int, (int, int, ...)) \
	X(fcntl64, int, (int, int, ...)) \
	X(close_range, int, (unsigned int, unsigned int, int)) \
	X(closefrom, void, (int)) \
	X(ioctl, int, (int, sio_ioctl_req_t, ...)) \
	X(mmap, void *, (void *, size_t, int, int, int, off_t)) \
	X(mmap64, void *, (void *, size_t, int, int, int, off64_t)) \
	X(munmap, int, (void *, size_t)) \
	X(read, ssize_t, (int, void *, size_t)) \
	X(write, ssize_t, (int, const void *, size_t)) \
	X(pread, ssize_t, (int, void *, size_t, off_t)) \
	X(pread64, ssize_t, (int, void *, size_t, off64_t)) \
	X(pwrite, ssize_t, (int, const void *, size_t, off_t)) \
	X(pwrite64, ssize_t, (int, const void *, size_t, off64_t)) \
	X(readv, ssize_t, (int, const struct iovec *, int)) \
	X(writev, ssize_t, (int, const struct iovec *, int)) \
	X(__read_chk, ssize_t, (int, void *, size_t, size_t)) \
	X(__pread_chk, ssize_t, (int, void *, size_t, off_t, size_t)) \
	X(__pread64_chk, ssize_t, (int, void *, size_t, off64_t, size_t)) \
	X(stat, int, (const char *, struct stat *)) \
	X(stat64, int, (const char *, struct stat64 *)) \
	X(lstat, int, (const char *, struct stat *)) \
	X(lstat64, int, (const char *, struct stat64 *)) \
	X(fstat, int, (int, struct stat *)) \
	X(fstat64, int, (int, struct stat64 *)) \
	X(fstatat, int, (int, const char *, struct stat *, int)) \
	X(fstatat64, int, (int, const char *, struct stat64 *, int)) \
	X(__xstat, int, (int, const char *, struct stat *)) \
	X(__xstat64, int, (int, const char *, struct stat64 *)) \
	X(__lxstat, int, (int, const char *, struct stat *)) \
	X(__lxstat64, int, (int, const char *, struct stat64 *)) \
	X(__fxstat, int, (int, int, struct stat *)) \
	X(__fxstat64, int, (int, int, struct stat64 *)) \
	X(__fxstatat, int, (int, int, const char *, struct stat *, int)) \
	X(__fxstatat64, int, (int, int, const char *, struct stat64 *, int)) \
	X(access, int, (const char *, int)) \
	X(opendir, DIR *, (const char *)) \
	X(getxattr, ssize_t, (const char *, const char *, void *, size_t)) \
	X(lgetxattr, ssize_t, (const char *, const char *, void *, size_t)) \
	X(listxattr, ssize_t, (const char *, char *, size_t)) \
	X(llistxattr, ssize_t, (const char *, char *, size_t)) \
	X(faccessat, int, (int, const char *, int, int)) \
	X(eaccess, int, (const char *, int)) \
	X(euidaccess, int, (const char *, int)) \
	X(sigaction, int, (int, const struct sigaction *, struct sigaction *)) \
	X(__sigaction, int, (int, const struct sigaction *, struct sigaction *)) \
	X(signal, sighandler_t, (int, sighandler_t)) \
	X(sysv_signal, sighandler_t, (int, sighandler_t)) \
	X(bsd_signal, sighandler_t, (int, sighandler_t)) \
	X(recvmsg, ssize_t, (int, struct msghdr *, int)) \
	X(recvmmsg, int, (int, struct mmsghdr *, unsigned int, int, struct timespec *)) \
	SIO_REAL_STATX(X) \
	SIO_REAL_TIME64(X)

enum real_sym {
#define REAL_ENUM(name, ret, args) REAL_SYM_##name,
	SIO_REAL_SYMBOLS(REAL_ENUM)
#undef REAL_ENUM
	REAL_SYM_COUNT
};

/* real_<name>_t: the function type of libc's <name>. */
#define REAL_TYPEDEF(name, ret, args) typedef ret real_##name##_t args;
SIO_REAL_SYMBOLS(REAL_TYPEDEF)
#undef REAL_TYPEDEF

/* NULL: not resolved yet; &real_missing: libc has no such symbol. */
extern void *real_table[REAL_SYM_COUNT] __attribute__((visibility("hidden")));
extern char real_missing __attribute__((visibility("hidden")));

void *real_resolve(enum real_sym sym) __attribute__((visibility("hidden")));

static inline void *real_get(enum real_sym sym)
{
	void *fn = __atomic_load_n(&real_table[sym], __ATOMIC_ACQUIRE);

	if (unlikely(!fn))
		fn = real_resolve(sym);
	return fn == (void *)&real_missing ? NULL : fn;
}

/* libc's @name as a correctly typed function pointer, or NULL. */
#define REAL(name) ((real_##name##_t *)real_get(REAL_SYM_##name))

/* What a wrapper returns when libc lacks the function it stands for. */
static inline int real_enosys(void)
{
	errno = ENOSYS;
	return -1;
}

/*
 * Depth of sio_* calls the preload is making on this thread. While it is
 * non-zero every wrapper goes straight to libc: libsoftiommu's own calls to
 * close(), dup3(), mmap(), sigaction(), ... must reach the kernel, never be
 * routed back into libsoftiommu. Thread-local, so no lock; initial-exec,
 * so reading it never allocates (the preload is loaded at startup).
 */
extern __thread unsigned int preload_in_sio
	__attribute__((visibility("hidden"), tls_model("initial-exec")));

/* Evaluate the sio_* call @expr with preload_in_sio raised; errno is kept. */
#define SIO_CALL(expr) ({				\
	__typeof__(expr) sio_call_ret__;		\
	preload_in_sio++;				\
	sio_call_ret__ = (expr);			\
	preload_in_sio--;				\
	sio_call_ret__;					\
})

/* True if a wrapper should pass this call to libc without looking at it. */
static inline bool preload_bypass(void)
{
	return unlikely(preload_in_sio != 0);
}

#endif /* SIO_PRELOAD_REAL_H */
