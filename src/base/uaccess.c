/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Safe access to caller memory: see uaccess.h for the contract.
 *
 * Fixup mode. The assembly routines sio_ua_copy/_clear/_is_zero/_cas64/_load64/
 * _touch each span [NAME, NAME_end) and have a NAME_fixup label that returns failure. Our
 * SIGSEGV/SIGBUS handler checks whether a kernel-generated fault happened at
 * a PC inside one of these ranges; if so it rewrites the PC in the saved
 * context to the fixup label and returns, so the routine "returns" failure.
 * Every other signal is passed on to the program's handler (the "chained"
 * handler): the one installed before ours, or the one the program later gave
 * sio_sigaction(). With no program handler (SIG_DFL or SIG_IGN), the
 * disposition is reset to SIG_DFL and the faulting instruction re-executes,
 * so the process dies of the right signal, as the kernel would make it.
 *
 * Handler flags: SA_SIGINFO for the PC; SA_ONSTACK so that a stack overflow
 * reaches the program's handler on its alternate stack; SA_NODEFER so that
 * a copy that faults inside a signal handler (even a SIGSEGV handler we
 * chain to, when that one itself allows nesting) is still fixed up instead
 * of killing the process because the signal is blocked; when chaining we
 * block exactly what the program's handler asked for, so that handler sees
 * the mask the kernel would have given it. SA_RESTART: our handler never
 * wants to interrupt system calls.
 */
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <ucontext.h>
#include <unistd.h>

#include <softiommu/softiommu.h>

#include "base/compiler.h"
#include "base/uaccess.h"

#ifndef SIO_UACCESS_ASM
#if defined(__x86_64__) || defined(__aarch64__)
#define SIO_UACCESS_ASM 1
#else
#define SIO_UACCESS_ASM 0
#endif
#endif

#ifdef __has_feature
#if __has_feature(address_sanitizer)
#define SIO_UA_ASAN 1
#endif
#if __has_feature(memory_sanitizer)
#include <sanitizer/msan_interface.h>
#define SIO_UA_MSAN 1
#endif
#if __has_feature(thread_sanitizer)
#define SIO_UA_TSAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) && !defined(SIO_UA_ASAN)
#define SIO_UA_ASAN 1
#endif
#if defined(__SANITIZE_THREAD__) && !defined(SIO_UA_TSAN)
#define SIO_UA_TSAN 1
#endif
#ifdef SIO_UA_TSAN
#include <sanitizer/tsan_interface.h>
#endif

enum {
	SIO_UA_UNSET = 0,
	SIO_UA_FIXUP = 1,
	SIO_UA_SYSCALL = 2,
};

/* SIO_UA_*; written with release once the mode is usable, read acquire. */
static int sio_ua_mode;
static pthread_once_t sio_ua_once = PTHREAD_ONCE_INIT;

#if SIO_UACCESS_ASM

/* Whether our handler is installed for SIGSEGV and SIGBUS. */
static bool sio_ua_handler_on;
/* Serialises installations (never taken in signal context). */
static pthread_mutex_t sio_ua_install_lock = PTHREAD_MUTEX_INITIALIZER;

/*
 * The program's handlers, [0] for SIGSEGV and [1] for SIGBUS, read by the
 * fault handler and written by sio_sigaction(). Protected by the spinlock
 * sio_ua_prog_busy, which is only held with all blockable signals blocked
 * and around plain copies of static memory: the holder can be neither
 * interrupted by a handler that wants the lock nor fault, so a fault handler
 * spinning on it always waits for another thread that makes progress.
 */
static struct sigaction sio_ua_prog[2];
static int sio_ua_prog_busy;

#define SIO_UA_HIDDEN __attribute__((visibility("hidden")))

/* Assembly routines (uaccess_<arch>.S); see there for their invariants. */
SIO_UA_HIDDEN size_t sio_ua_copy(void *dst, const void *src, size_t len);
SIO_UA_HIDDEN size_t sio_ua_clear(void *dst, size_t len);
SIO_UA_HIDDEN int sio_ua_is_zero(const void *p, size_t len);
SIO_UA_HIDDEN int sio_ua_touch(void *p, size_t n, size_t stride, int write);
SIO_UA_HIDDEN extern const char sio_ua_copy_end[], sio_ua_copy_fixup[];
SIO_UA_HIDDEN extern const char sio_ua_clear_end[], sio_ua_clear_fixup[];
SIO_UA_HIDDEN extern const char sio_ua_is_zero_end[], sio_ua_is_zero_fixup[];
SIO_UA_HIDDEN extern const char sio_ua_touch_end[], sio_ua_touch_fixup[];

/* Returned in two registers (%rax:%rdx, x0:x1): err 0 swapped, 1 differs, -1 fault. */
struct sio_ua_cas_res {
	uint64_t cur;
	int64_t err;
};
SIO_UA_HIDDEN struct sio_ua_cas_res sio_ua_cas64(uint64_t *p, uint64_t old, uint64_t desired);
SIO_UA_HIDDEN extern const char sio_ua_cas64_end[], sio_ua_cas64_fixup[];
/* Same registers: err 0 loaded (cur holds the value), -1 fault. */
SIO_UA_HIDDEN struct sio_ua_cas_res sio_ua_load64(const uint64_t *p);
SIO_UA_HIDDEN extern const char sio_ua_load64_end[], sio_ua_load64_fixup[];

#if defined(__x86_64__)
#define SIO_UC_PC(uc) ((uc)->uc_mcontext.gregs[REG_RIP])
#elif defined(__aarch64__)
#define SIO_UC_PC(uc) ((uc)->uc_mcontext.pc)
#endif

/*
 * If @pc is inside one of the routines, return its fixup address, else 0.
 * Only compares addresses: async-signal-safe.
 */
static uintptr_t sio_ua_fixup_for(uintptr_t pc)
{
	if (pc >= (uintptr_t)sio_ua_copy && pc < (uintptr_t)sio_ua_copy_end)
		return (uintptr_t)sio_ua_copy_fixup;
	if (pc >= (uintptr_t)sio_ua_clear && pc < (uintptr_t)sio_ua_clear_end)
		return (uintptr_t)sio_ua_clear_fixup;
	if (pc >= (uintptr_t)sio_ua_is_zero && pc < (uintptr_t)sio_ua_is_zero_end)
		return (uintptr_t)sio_ua_is_zero_fixup;
	if (pc >= (uintptr_t)sio_ua_cas64 && pc < (uintptr_t)sio_ua_cas64_end)
		return (uintptr_t)sio_ua_cas64_fixup;
	if (pc >= (uintptr_t)sio_ua_load64 && pc < (uintptr_t)sio_ua_load64_end)
		return (uintptr_t)sio_ua_load64_fixup;
	if (pc >= (uintptr_t)sio_ua_touch && pc < (uintptr_t)sio_ua_touch_end)
		return (uintptr_t)sio_ua_touch_fixup;
	return 0;
}

static inline void sio_cpu_relax(void)
{
#if defined(__x86_64__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ __volatile__("yield" ::: "memory");
#endif
}

typedef int (*sio_sigaction_fn)(int, const struct sigaction *, struct sigaction *);

/*
 * libc's own sigaction(). An LD_PRELOAD front end interposes sigaction() to
 * route the program's calls to sio_sigaction(); softiommu's calls must reach
 * the kernel instead, or they would re-enter it. Resolved before the handler
 * is first installed, so the handler itself never calls dlsym().
 */
static sio_sigaction_fn sio_ua_real_sigaction_fn;

static void sio_ua_resolve_sigaction(void)
{
	sio_sigaction_fn fn;

	if (__atomic_load_n(&sio_ua_real_sigaction_fn, __ATOMIC_ACQUIRE))
		return;
	fn = (sio_sigaction_fn)dlsym(RTLD_NEXT, "sigaction");
	if (!fn)
		fn = sigaction;
	__atomic_store_n(&sio_ua_real_sigaction_fn, fn, __ATOMIC_RELEASE);
}

static int sio_ua_real_sigaction(int sig, const struct sigaction *act, struct sigaction *old)
{
	sio_sigaction_fn fn = __atomic_load_n(&sio_ua_real_sigaction_fn, __ATOMIC_ACQUIRE);

	return (fn ? fn : sigaction)(sig, act, old);
}

static inline int sio_ua_prog_idx(int sig)
{
	return sig == SIGSEGV ? 0 : 1;
}

/*
 * Lock the table of program handlers. Blocking every signal first keeps a
 * handler on this thread from spinning on a lock this thread holds; glibc
 * keeps its internal signals unblockable, which is fine as they never use
 * this lock. pthread_sigmask() is async-signal-safe.
 */
static void sio_ua_prog_lock(sigset_t *saved)
{
	sigset_t all;

	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, saved);
	while (__atomic_exchange_n(&sio_ua_prog_busy, 1, __ATOMIC_ACQUIRE))
		while (__atomic_load_n(&sio_ua_prog_busy, __ATOMIC_RELAXED))
			sio_cpu_relax();
}

static void sio_ua_prog_unlock(const sigset_t *saved)
{
	__atomic_store_n(&sio_ua_prog_busy, 0, __ATOMIC_RELEASE);
	pthread_sigmask(SIG_SETMASK, saved, NULL);
}

/*
 * Exchange the program's handler for @sig: copy it to @get if non-NULL, then
 * replace it with @set if non-NULL. With @deliver, the handler is being
 * delivered to: apply SA_RESETHAND as the kernel does.
 */
static void sio_ua_prog_xchg(int sig, const struct sigaction *set,
			     struct sigaction *get, bool deliver)
{
	struct sigaction *p = &sio_ua_prog[sio_ua_prog_idx(sig)];
	sigset_t saved;

	sio_ua_prog_lock(&saved);
	if (get)
		*get = *p;
	if (set)
		*p = *set;
	if (deliver && (p->sa_flags & SA_RESETHAND) &&
	    p->sa_handler != SIG_DFL && p->sa_handler != SIG_IGN) {
		p->sa_handler = SIG_DFL;
		p->sa_flags &= ~SA_SIGINFO;
	}
	sio_ua_prog_unlock(&saved);
}

/*
 * Pass a signal that is not ours on to the program's handler.
 * Async-signal-safe: sigaction(), pthread_sigmask() and raise() are, and
 * the rest works on the stack and on static memory under the spinlock.
 */
static void sio_ua_chain(int sig, siginfo_t *info, ucontext_t *uc)
{
	struct sigaction prog;
	bool sent = !info || info->si_code <= 0;	/* kill(), tgkill(), ... */

	sio_ua_prog_xchg(sig, NULL, &prog, true);

	if (prog.sa_handler == SIG_DFL || prog.sa_handler == SIG_IGN) {
		struct sigaction dfl;

		/* A sent signal the program ignores is simply dropped. */
		if (sent && prog.sa_handler == SIG_IGN)
			return;
		/*
		 * Hand the signal to the kernel's default action. For a fault
		 * (ignoring it is not possible either) returning re-executes
		 * the faulting instruction, which then kills the process with
		 * this signal; a sent signal is sent again.
		 */
		memset(&dfl, 0, sizeof(dfl));
		dfl.sa_handler = SIG_DFL;
		sigemptyset(&dfl.sa_mask);
		sio_ua_real_sigaction(sig, &dfl, NULL);
		__atomic_store_n(&sio_ua_handler_on, false, __ATOMIC_RELEASE);
		if (sent)
			raise(sig);
		return;
	}

	/*
	 * Give the program's handler the mask the kernel would have: ours
	 * runs with SA_NODEFER and an empty sa_mask. When both return, the
	 * kernel restores the interrupted mask from @uc.
	 */
	{
		sigset_t mask = prog.sa_mask;

		if (!(prog.sa_flags & SA_NODEFER))
			sigaddset(&mask, sig);
		pthread_sigmask(SIG_BLOCK, &mask, NULL);
	}
	if (prog.sa_flags & SA_SIGINFO)
		prog.sa_sigaction(sig, info, uc);
	else
		prog.sa_handler(sig);
}

/*
 * The SIGSEGV/SIGBUS handler. The fixup path only reads the PC, compares it
 * with constants and writes the PC back: async-signal-safe, no locks, and
 * errno is preserved on every path.
 */
static void sio_ua_fault(int sig, siginfo_t *info, void *ucv)
{
	ucontext_t *uc = ucv;
	int saved_errno = errno;

	/* Only a fault raised by an instruction (si_code > 0) can be ours. */
	if (info && info->si_code > 0 && uc) {
		uintptr_t fixup = sio_ua_fixup_for((uintptr_t)SIO_UC_PC(uc));

		if (fixup) {
			SIO_UC_PC(uc) = (__typeof__(SIO_UC_PC(uc)))fixup;
			errno = saved_errno;
			return;
		}
	}
	sio_ua_chain(sig, info, uc);
	errno = saved_errno;
}

static bool sio_ua_is_ours(const struct sigaction *sa)
{
	return (sa->sa_flags & SA_SIGINFO) && sa->sa_sigaction == sio_ua_fault;
}

/*
 * Install the handler for SIGSEGV and SIGBUS unless it already is, making
 * the handler it replaces the chained one. Return whether it is installed.
 * Called with sio_ua_install_lock held.
 */
static bool sio_ua_install(void)
{
	static const int sigs[2] = { SIGSEGV, SIGBUS };
	struct sigaction sa, cur, old[2];
	bool replaced[2] = { false, false };
	int i;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = sio_ua_fault;
	sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER | SA_RESTART;
	sigemptyset(&sa.sa_mask);
	memset(old, 0, sizeof(old));
	memset(&cur, 0, sizeof(cur));

	for (i = 0; i < 2; i++) {
		if (sio_ua_real_sigaction(sigs[i], NULL, &old[i]))
			goto fail;
		if (sio_ua_is_ours(&old[i]))
			continue;
		/*
		 * Chain first: a genuine fault on another thread that reaches
		 * our handler right after it is installed must find the
		 * handler we replace.
		 */
		sio_ua_prog_xchg(sigs[i], &old[i], NULL, false);
		if (sio_ua_real_sigaction(sigs[i], &sa, &cur))
			goto fail;
		replaced[i] = true;
		if (!sio_ua_is_ours(&cur)) {
			/* What we really replaced, should it have changed. */
			old[i] = cur;
			sio_ua_prog_xchg(sigs[i], &cur, NULL, false);
		}
		/*
		 * Read back: a sanitizer run-time that keeps SIGSEGV for
		 * itself (ASan with allow_user_segv_handler=0) may report
		 * success without installing anything.
		 */
		if (sio_ua_real_sigaction(sigs[i], NULL, &cur) || !sio_ua_is_ours(&cur))
			goto fail;
	}
	__atomic_store_n(&sio_ua_handler_on, true, __ATOMIC_RELEASE);
	return true;

fail:
	for (i = 0; i < 2; i++)
		if (replaced[i])
			sio_ua_real_sigaction(sigs[i], &old[i], NULL);
	__atomic_store_n(&sio_ua_handler_on, false, __ATOMIC_RELEASE);
	return false;
}

static int sio_ua_try_fixup_mode(void)
{
	bool ok;

	sio_ua_resolve_sigaction();
	pthread_mutex_lock(&sio_ua_install_lock);
	ok = sio_ua_install();
	pthread_mutex_unlock(&sio_ua_install_lock);
	return ok ? SIO_UA_FIXUP : SIO_UA_SYSCALL;
}

#else /* !SIO_UACCESS_ASM */

static int sio_ua_try_fixup_mode(void)
{
	return SIO_UA_SYSCALL;
}

#endif /* SIO_UACCESS_ASM */

static void sio_ua_init_once(void)
{
	const char *env = getenv("SOFTIOMMU_UACCESS");
	int mode;

	if (env && !strcmp(env, "syscall"))
		mode = SIO_UA_SYSCALL;
	else
		mode = sio_ua_try_fixup_mode();
	__atomic_store_n(&sio_ua_mode, mode, __ATOMIC_RELEASE);
}

static int sio_ua_init(void)
{
	pthread_once(&sio_ua_once, sio_ua_init_once);
	return __atomic_load_n(&sio_ua_mode, __ATOMIC_ACQUIRE);
}

static inline int sio_ua_get_mode(void)
{
	int mode = __atomic_load_n(&sio_ua_mode, __ATOMIC_ACQUIRE);

	if (unlikely(mode == SIO_UA_UNSET))
		mode = sio_ua_init();
	return mode;
}

/* Does [uptr, uptr + len) fit in the address space without wrapping? */
static inline bool sio_ua_range_ok(uint64_t uptr, size_t len)
{
	uintptr_t p = (uintptr_t)uptr;

	if ((uint64_t)p != uptr)
		return false;
	return len <= UINTPTR_MAX - p;
}

/*
 * Under ASan the trusted side of a copy is checked at both ends, so that an
 * overflow of a kernel-side buffer is still reported although the copy
 * itself is not instrumented.
 */
static inline void sio_ua_check_local(const void *p, size_t len)
{
#ifdef SIO_UA_ASAN
	(void)*(const volatile char *)p;
	(void)((const volatile char *)p)[len - 1];
#else
	(void)p;
	(void)len;
#endif
}

static inline void sio_ua_unpoison(void *p, size_t len)
{
#ifdef SIO_UA_MSAN
	__msan_unpoison(p, len);
#else
	(void)p;
	(void)len;
#endif
}

/* ---- syscall mode ------------------------------------------------------ */

/* Largest transfer asked of one system call; the kernel may do less. */
#define SIO_UA_VM_CHUNK ((size_t)1 << 30)

/*
 * Move @len bytes between @local and @remote in this process with
 * process_vm_readv (remote -> local) or process_vm_writev (local -> remote).
 * The kernel accesses both sides with its own fault handling, so either may
 * be bad. Partial transfers are continued; none at all means a fault.
 */
static int sio_ua_vm_rw(void *local, uintptr_t remote, size_t len, bool write)
{
	int saved_errno = errno;
	pid_t pid = getpid();	/* not cached: fork() changes it */
	int ret = 0;

	while (len) {
		size_t chunk = sio_min(len, SIO_UA_VM_CHUNK);
		struct iovec l = { .iov_base = local, .iov_len = chunk };
		struct iovec r = { .iov_base = (void *)remote, .iov_len = chunk };
		ssize_t n;

		if (write)
			n = process_vm_writev(pid, &l, 1, &r, 1, 0);
		else
			n = process_vm_readv(pid, &l, 1, &r, 1, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			ret = -EFAULT;
			break;
		}
		local = (char *)local + n;
		remote += (size_t)n;
		len -= (size_t)n;
	}
	errno = saved_errno;
	return ret;
}

#define SIO_UA_ZERO_BUF 4096
#define SIO_UA_ZERO_IOV 16
static const char sio_ua_zeros[SIO_UA_ZERO_BUF];

static int sio_ua_vm_clear(uintptr_t dst, size_t len)
{
	int saved_errno = errno;
	pid_t pid = getpid();
	struct iovec l[SIO_UA_ZERO_IOV];
	int ret = 0;

	while (len) {
		size_t chunk = sio_min(len, (size_t)SIO_UA_ZERO_BUF * SIO_UA_ZERO_IOV);
		struct iovec r = { .iov_base = (void *)dst, .iov_len = chunk };
		unsigned long cnt = 0;
		size_t left = chunk;
		ssize_t n;

		while (left) {
			/* The kernel only reads local iovecs of a writev. */
			l[cnt].iov_base = (void *)sio_ua_zeros;
			l[cnt].iov_len = sio_min(left, (size_t)SIO_UA_ZERO_BUF);
			left -= l[cnt].iov_len;
			cnt++;
		}
		n = process_vm_writev(pid, l, cnt, &r, 1, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			ret = -EFAULT;
			break;
		}
		dst += (size_t)n;
		len -= (size_t)n;
	}
	errno = saved_errno;
	return ret;
}

static int sio_ua_vm_is_zero(uintptr_t src, size_t len, bool *is_zero)
{
	uint64_t buf[32];

	while (len) {
		size_t chunk = sio_min(len, sizeof(buf));
		size_t i;

		if (sio_ua_vm_rw(buf, src, chunk, false))
			return -EFAULT;
		for (i = 0; i < chunk / 8; i++) {
			if (buf[i])
				goto nonzero;
		}
		for (i = chunk & ~(size_t)7; i < chunk; i++) {
			if (((const unsigned char *)buf)[i])
				goto nonzero;
		}
		src += chunk;
		len -= chunk;
	}
	*is_zero = true;
	return 0;

nonzero:
	*is_zero = false;
	return 0;
}

/*
 * The CAS of the syscall mode: the kernel has no process_vm_* counterpart of
 * a compare-and-swap, so the word is first made present and writable
 * (sio_user_probe_writable()), then swapped with a plain atomic. Residual
 * race, in this mode only: a thread that unmaps or write-protects the page
 * between the probe and the CAS makes the CAS fault, which kills the
 * process (there is no handler to recover). @p is aligned and in range.
 */
static int sio_ua_vm_cas64(uint64_t *p, uint64_t *expected, uint64_t desired)
{
	int saved_errno = errno;
	int ret;

	ret = sio_user_probe_writable((uintptr_t)p, sizeof(*p));
	errno = saved_errno;
	if (ret)
		return -EFAULT;
	if (__atomic_compare_exchange_n(p, expected, desired, false, __ATOMIC_SEQ_CST,
					__ATOMIC_SEQ_CST))
		return 0;
	return -EAGAIN;
}

/* ---- API ------------------------------------------------------------- */

/*
 * Each call checks the range, then takes the fixup fast path when that mode
 * is set up, which compiles to a few instructions and a call of the assembly
 * routine. Everything else (first use, syscall mode) is out of line.
 */
static inline bool sio_ua_fast(void)
{
#if SIO_UACCESS_ASM
	return likely(__atomic_load_n(&sio_ua_mode, __ATOMIC_ACQUIRE) == SIO_UA_FIXUP);
#else
	return false;
#endif
}

enum sio_ua_op { SIO_UA_FROM, SIO_UA_TO, SIO_UA_CLEAR, SIO_UA_ISZERO };

/* First use, or the syscall mode. @dst/@src/@len are already checked. */
static __attribute__((noinline)) int sio_ua_slow(enum sio_ua_op op, void *dst,
						  const void *src, size_t len)
{
#if SIO_UACCESS_ASM
	if (sio_ua_get_mode() == SIO_UA_FIXUP) {
		int r;

		switch (op) {
		case SIO_UA_FROM:
		case SIO_UA_TO:
			return sio_ua_copy(dst, src, len) ? -EFAULT : 0;
		case SIO_UA_CLEAR:
			return sio_ua_clear(dst, len) ? -EFAULT : 0;
		case SIO_UA_ISZERO:
			r = sio_ua_is_zero(src, len);
			*(bool *)dst = r == 0;
			return r < 0 ? -EFAULT : 0;
		}
	}
#endif
	switch (op) {
	case SIO_UA_FROM:
		return sio_ua_vm_rw(dst, (uintptr_t)src, len, false);
	case SIO_UA_TO:
		return sio_ua_vm_rw((void *)src, (uintptr_t)dst, len, true);
	case SIO_UA_CLEAR:
		return sio_ua_vm_clear((uintptr_t)dst, len);
	case SIO_UA_ISZERO:
	default:
		if (sio_ua_vm_is_zero((uintptr_t)src, len, dst)) {
			*(bool *)dst = false;
			return -EFAULT;
		}
		return 0;
	}
}

int sio_copy_from_user(void *dst, uint64_t src_uptr, size_t len)
{
	const void *src = (const void *)(uintptr_t)src_uptr;
	int ret;

	if (unlikely(!len))
		return 0;
	if (unlikely(!sio_ua_range_ok(src_uptr, len)))
		return -EFAULT;
	sio_ua_check_local(dst, len);
#if SIO_UACCESS_ASM
	if (sio_ua_fast())
		ret = sio_ua_copy(dst, src, len) ? -EFAULT : 0;
	else
#endif
		ret = sio_ua_slow(SIO_UA_FROM, dst, src, len);
	if (!ret)
		sio_ua_unpoison(dst, len);
	return ret;
}

int sio_copy_to_user(uint64_t dst_uptr, const void *src, size_t len)
{
	void *dst = (void *)(uintptr_t)dst_uptr;

	if (unlikely(!len))
		return 0;
	if (unlikely(!sio_ua_range_ok(dst_uptr, len)))
		return -EFAULT;
	sio_ua_check_local(src, len);
#if SIO_UACCESS_ASM
	if (sio_ua_fast())
		return sio_ua_copy(dst, src, len) ? -EFAULT : 0;
#endif
	return sio_ua_slow(SIO_UA_TO, dst, src, len);
}

int sio_clear_user(uint64_t dst_uptr, size_t len)
{
	void *dst = (void *)(uintptr_t)dst_uptr;

	if (unlikely(!len))
		return 0;
	if (unlikely(!sio_ua_range_ok(dst_uptr, len)))
		return -EFAULT;
#if SIO_UACCESS_ASM
	if (sio_ua_fast())
		return sio_ua_clear(dst, len) ? -EFAULT : 0;
#endif
	return sio_ua_slow(SIO_UA_CLEAR, dst, NULL, len);
}

int sio_user_is_zero(uint64_t uptr, size_t len, bool *is_zero)
{
	const void *src = (const void *)(uintptr_t)uptr;

	if (unlikely(!len)) {
		*is_zero = true;
		return 0;
	}
	if (unlikely(!sio_ua_range_ok(uptr, len))) {
		*is_zero = false;
		return -EFAULT;
	}
#if SIO_UACCESS_ASM
	if (sio_ua_fast()) {
		int r = sio_ua_is_zero(src, len);

		*is_zero = r == 0;
		return r < 0 ? -EFAULT : 0;
	}
#endif
	return sio_ua_slow(SIO_UA_ISZERO, is_zero, src, len);
}

int sio_safe_memcpy(void *dst, const void *src, size_t len)
{
	int ret;

	if (unlikely(!len))
		return 0;
	if (unlikely(!sio_ua_range_ok((uintptr_t)dst, len) ||
		     !sio_ua_range_ok((uintptr_t)src, len)))
		return -EFAULT;
#if SIO_UACCESS_ASM
	if (sio_ua_fast())
		ret = sio_ua_copy(dst, src, len) ? -EFAULT : 0;
	else
#endif
		ret = sio_ua_slow(SIO_UA_FROM, dst, src, len);
	if (!ret)
		sio_ua_unpoison(dst, len);
	return ret;
}

#if SIO_UACCESS_ASM
/*
 * The fixup-mode CAS. ThreadSanitizer does not see the assembly access; it
 * is told of the synchronisation instead, on the same per-address object its
 * atomics use, so that the CAS pairs with atomic loads and stores of the
 * word by other threads (the walkers' pt_load(), a guest's stores): a
 * release before the access, an acquire after it. The release needs an
 * address TSan keeps metadata for, so the word is first proven readable
 * with the safe copy (unreadable memory fails as the CAS would). A CAS that
 * then fails still counts as a release for TSan (it may hide a race there,
 * never report a false one). Without TSan this is one "lock cmpxchg".
 */
static inline int sio_ua_asm_cas64(uint64_t *p, uint64_t *expected, uint64_t desired)
{
	struct sio_ua_cas_res r;

#ifdef SIO_UA_TSAN
	uint64_t probe;

	if (sio_ua_copy(&probe, p, sizeof(probe)))
		return -EFAULT;
	__tsan_release(p);
#endif
	r = sio_ua_cas64(p, *expected, desired);
	if (r.err < 0)
		return -EFAULT;
#ifdef SIO_UA_TSAN
	__tsan_acquire(p);
#endif
	if (!r.err)
		return 0;
	*expected = r.cur;
	sio_ua_unpoison(expected, sizeof(*expected));
	return -EAGAIN;
}
#endif

/* First use, or the syscall mode. */
static __attribute__((noinline)) int sio_ua_cas64_slow(uint64_t *p, uint64_t *expected,
							uint64_t desired)
{
#if SIO_UACCESS_ASM
	if (sio_ua_get_mode() == SIO_UA_FIXUP)
		return sio_ua_asm_cas64(p, expected, desired);
#endif
	return sio_ua_vm_cas64(p, expected, desired);
}

int sio_safe_cas64(uint64_t uptr, uint64_t *expected, uint64_t desired)
{
	uint64_t *p = (uint64_t *)(uintptr_t)uptr;

	if (unlikely(uptr & (sizeof(*p) - 1)))
		return -EINVAL;
	if (unlikely(!sio_ua_range_ok(uptr, sizeof(*p))))
		return -EFAULT;
#if SIO_UACCESS_ASM
	if (sio_ua_fast())
		return sio_ua_asm_cas64(p, expected, desired);
#endif
	return sio_ua_cas64_slow(p, expected, desired);
}

/*
 * First use, the syscall mode, and ThreadSanitizer builds (which do not see
 * the assembly load): prove the word readable with the safe copy, then read
 * it with an acquire load that cannot fault (the caller keeps the memory
 * mapped, as for every sio_safe_load64()).
 */
static __attribute__((noinline)) int sio_ua_load64_slow(const uint64_t *p, uint64_t *val)
{
	uint64_t probe;

	if (sio_safe_memcpy(&probe, p, sizeof(probe)))
		return -EFAULT;
	*val = __atomic_load_n(p, __ATOMIC_ACQUIRE);
	return 0;
}

int sio_safe_load64(uint64_t uptr, uint64_t *val)
{
	const uint64_t *p = (const uint64_t *)(uintptr_t)uptr;

	if (unlikely(uptr & (sizeof(*p) - 1)))
		return -EINVAL;
	if (unlikely(!sio_ua_range_ok(uptr, sizeof(*p))))
		return -EFAULT;
#if SIO_UACCESS_ASM && !defined(SIO_UA_TSAN)
	if (sio_ua_fast()) {
		struct sio_ua_cas_res r = sio_ua_load64(p);

		if (unlikely(r.err))
			return -EFAULT;
		*val = r.cur;
		sio_ua_unpoison(val, sizeof(*val));
		return 0;
	}
#endif
	return sio_ua_load64_slow(p, val);
}

void sio_uaccess_reassert(void)
{
#if SIO_UACCESS_ASM
	struct sigaction cur;

	if (sio_ua_get_mode() != SIO_UA_FIXUP)
		return;
	if (!sio_ua_real_sigaction(SIGSEGV, NULL, &cur) && sio_ua_is_ours(&cur) &&
	    !sio_ua_real_sigaction(SIGBUS, NULL, &cur) && sio_ua_is_ours(&cur))
		return;
	/* Someone replaced it behind our back: go in front again, chaining them. */
	if (sio_ua_try_fixup_mode() != SIO_UA_FIXUP)
		__atomic_store_n(&sio_ua_mode, SIO_UA_SYSCALL, __ATOMIC_RELEASE);
#endif
}

const char *sio_uaccess_mode_name(void)
{
	return sio_ua_get_mode() == SIO_UA_FIXUP ? "fixup" : "syscall";
}

void sio_uaccess_force_mode_for_test(int syscall_mode)
{
	int mode;

	sio_ua_init();
	mode = syscall_mode ? SIO_UA_SYSCALL : sio_ua_try_fixup_mode();
	__atomic_store_n(&sio_ua_mode, mode, __ATOMIC_RELEASE);
}

SIO_EXPORT int sio_sigaction(int sig, const struct sigaction *act,
			     struct sigaction *oldact)
{
#if SIO_UACCESS_ASM
	struct sigaction nact, oact;

	if (sig != SIGSEGV && sig != SIGBUS)
		return 1;
	sio_ua_init();
	if (!__atomic_load_n(&sio_ua_handler_on, __ATOMIC_ACQUIRE))
		return 1;

	if (act) {
		if (sio_copy_from_user(&nact, (uintptr_t)act, sizeof(nact))) {
			errno = EFAULT;
			return -1;
		}
		/* As the kernel does, SIGKILL and SIGSTOP are never masked. */
		sigdelset(&nact.sa_mask, SIGKILL);
		sigdelset(&nact.sa_mask, SIGSTOP);
		/*
		 * Re-installing our own handler (one the program saw through
		 * a real sigaction()) means "no handler of its own": chaining
		 * to ourselves would recurse.
		 */
		if (sio_ua_is_ours(&nact)) {
			memset(&nact, 0, sizeof(nact));
			nact.sa_handler = SIG_DFL;
			sigemptyset(&nact.sa_mask);
		}
	}
	sio_ua_prog_xchg(sig, act ? &nact : NULL, &oact, false);
	/* As in the kernel, a bad @oldact fails after the change is made. */
	if (oldact && sio_copy_to_user((uintptr_t)oldact, &oact, sizeof(oact))) {
		errno = EFAULT;
		return -1;
	}
	return 0;
#else
	(void)sig;
	(void)act;
	(void)oldact;
	return 1;
#endif
}

#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ 22
#endif
#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

static uintptr_t sio_ua_page_size(void)
{
	/* Racing first callers store the same value. */
	static uintptr_t page_size;
	uintptr_t ps = __atomic_load_n(&page_size, __ATOMIC_RELAXED);

	if (!ps) {
		ps = (uintptr_t)sysconf(_SC_PAGESIZE);
		__atomic_store_n(&page_size, ps, __ATOMIC_RELAXED);
	}
	return ps;
}

/*
 * Whether madvise() knows MADV_POPULATE_* (Linux 5.14): asked once about a
 * page that is always mapped and readable, so that an EINVAL it returns
 * later means a mapping it refuses, not a kernel that lacks the advice.
 * -1 until known; racing first callers store the same answer.
 */
static int sio_ua_have_populate = -1;

/* Fault-in ranges of more pages than this use madvise() even in fixup mode. */
#define SIO_UA_TOUCH_MAX_PAGES	16

static bool sio_ua_populate_works(void)
{
	static const char probe_byte = 1;
	int have = __atomic_load_n(&sio_ua_have_populate, __ATOMIC_RELAXED);
	uintptr_t page = sio_ua_page_size();
	int saved_errno = errno;

	if (have < 0) {
		have = !madvise((void *)((uintptr_t)&probe_byte & ~(page - 1)), page,
				MADV_POPULATE_READ);
		__atomic_store_n(&sio_ua_have_populate, have, __ATOMIC_RELAXED);
		errno = saved_errno;
	}
	return have;
}

/*
 * Syscall mode: one madvise() for the whole range, or, before Linux 5.14,
 * a byte read (and written back when @write) per page; that write-back can
 * race with a concurrent writer of the same byte.
 */
static int sio_ua_fault_in_slow(uintptr_t start, size_t npages, size_t page, bool write)
{
	int saved_errno = errno, rc = 0;
	size_t i;

	if (sio_ua_populate_works()) {
		if (madvise((void *)start, npages * page,
			    write ? MADV_POPULATE_WRITE : MADV_POPULATE_READ))
			rc = -EFAULT;
		errno = saved_errno;
		return rc;
	}
	for (i = 0; i < npages; i++) {
		uint8_t byte;

		if (sio_copy_from_user(&byte, start + i * page, 1) ||
		    (write && sio_copy_to_user(start + i * page, &byte, 1)))
			return -EFAULT;
	}
	return 0;
}

int sio_user_fault_in(uint64_t uptr, size_t len, bool write)
{
	uintptr_t page = sio_ua_page_size(), start, end;

	if (!len)
		return 0;
	if (!sio_ua_range_ok(uptr, len))
		return -EFAULT;
	start = (uintptr_t)uptr & ~(page - 1);
	/* Cannot wrap: the range ends below the top of the address space. */
	end = ((uintptr_t)uptr + len - 1) | (page - 1);
#if SIO_UACCESS_ASM
	/*
	 * A touch per page saves the system call when the pages are already
	 * resident (the common case: a buffer mapped again), but a fresh page
	 * costs a page fault each (~1.5x MADV_POPULATE's per-page cost here);
	 * beyond SIO_UA_TOUCH_MAX_PAGES one madvise() is the cheaper bet.
	 */
	if (sio_ua_get_mode() == SIO_UA_FIXUP &&
	    ((end - start) / page < SIO_UA_TOUCH_MAX_PAGES || !sio_ua_populate_works()))
		return sio_ua_touch((void *)start, (end - start) / page + 1, page, write) ?
		       -EFAULT : 0;
#endif
	return sio_ua_fault_in_slow(start, (end - start) / page + 1, page, write);
}

int sio_user_probe_writable(uint64_t uptr, size_t len)
{
	return sio_user_fault_in(uptr, len, true);
}
