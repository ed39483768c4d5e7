/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Signal dispositions: sigaction and the signal() family.
 *
 * libsoftiommu's fault-tolerant copy owns the first SIGSEGV/SIGBUS handler.
 * For those two signals the program's handler is handed to sio_sigaction(),
 * which chains it behind softiommu's; when it answers 1 (not handled there)
 * the real call is made. Every other signal is libc's alone.
 */
#include "real.h"

#include <errno.h>
#include <signal.h>
#include <string.h>

#include <softiommu/softiommu.h>

static bool sig_chained(int sig)
{
	return (sig == SIGSEGV || sig == SIGBUS) && !preload_bypass();
}

SIO_EXPORT int sigaction(int sig, const struct sigaction *act, struct sigaction *oldact)
{
	real_sigaction_t *fn;
	int ret;

	if (sig_chained(sig)) {
		ret = SIO_CALL(sio_sigaction(sig, act, oldact));
		if (ret != 1)
			return ret;
	}
	fn = REAL(sigaction);
	return fn ? fn(sig, act, oldact) : real_enosys();
}

SIO_EXPORT int __sigaction(int sig, const struct sigaction *act, struct sigaction *oldact)
{
	real___sigaction_t *fn;
	int ret;

	if (sig_chained(sig)) {
		ret = SIO_CALL(sio_sigaction(sig, act, oldact));
		if (ret != 1)
			return ret;
	}
	fn = REAL(__sigaction);
	return fn ? fn(sig, act, oldact) : real_enosys();
}

/*
 * Body of the signal() variants (@fn: libc's own, or NULL). For a chained
 * signal the disposition libc would install is built here: @sa_flags, and
 * @sig itself blocked in its handler unless @nodefer.
 */
static sighandler_t signal_common(real_signal_t *fn, int sig, sighandler_t handler,
				  int sa_flags, bool nodefer)
{
	struct sigaction act, old;
	int ret;

	if (sig_chained(sig)) {
		if (handler == SIG_ERR) {
			errno = EINVAL;
			return SIG_ERR;
		}
		memset(&act, 0, sizeof(act));
		memset(&old, 0, sizeof(old));
		act.sa_handler = handler;
		act.sa_flags = sa_flags;
		sigemptyset(&act.sa_mask);
		if (!nodefer)
			sigaddset(&act.sa_mask, sig);

		ret = SIO_CALL(sio_sigaction(sig, &act, &old));
		if (ret == 0)
			return old.sa_handler;
		if (ret < 0)
			return SIG_ERR;
	}
	if (!fn) {
		errno = ENOSYS;
		return SIG_ERR;
	}
	return fn(sig, handler);
}

/* glibc's signal() and bsd_signal(): BSD semantics. */
SIO_EXPORT sighandler_t signal(int sig, sighandler_t handler)
{
	return signal_common(REAL(signal), sig, handler, SA_RESTART, false);
}

SIO_EXPORT sighandler_t bsd_signal(int sig, sighandler_t handler)
{
	return signal_common(REAL(bsd_signal), sig, handler, SA_RESTART, false);
}

/* System V semantics: one-shot, not blocked in its own handler. */
SIO_EXPORT sighandler_t sysv_signal(int sig, sighandler_t handler)
{
	return signal_common(REAL(sysv_signal), sig, handler, SA_RESETHAND | SA_NODEFER,
			     true);
}
