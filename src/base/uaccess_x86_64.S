/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fault-tolerant memory routines for x86-64 (System V ABI).
 *
 * Each routine NAME occupies [NAME, NAME_end). Any SIGSEGV/SIGBUS raised by an
 * instruction in that range is turned by the handler in uaccess.c into a jump
 * to NAME_fixup, which lies outside the range and returns the fault value.
 * Invariants the fixups rely on:
 *  - no routine touches the stack or any callee-saved register, so the
 *    fixup can simply "ret" from whatever point the fault happened at;
 *  - in the copy and clear routines %rcx holds an upper bound (>= 1 while
 *    any byte is outstanding) of the bytes not yet stored: it is set to the
 *    length on entry and only "rep movsb"/"rep stosb" change it, which the
 *    CPU keeps exact when they fault part way.
 * The routines are written in assembly so that no sanitizer or compiler
 * transformation (instrumentation, a call to memcpy) can add an access the
 * handler does not know about. The direction flag is clear on entry (ABI).
 */
#ifdef __CET__
#include <cet.h>
#else
#define _CET_ENDBR
#endif

/* From this size on "rep movsb"/"rep stosb" (ERMS/FSRM) beat the loops. */
#define SIO_UA_REP_MIN	1024

	.text

/*
 * size_t sio_ua_copy(void *dst %rdi, const void *src %rsi, size_t len %rdx)
 * Returns 0, or on a fault a non-zero upper bound of the bytes not copied.
 * Bytes before the faulting one may or may not have been stored.
 */
	.globl	sio_ua_copy
	.hidden	sio_ua_copy
	.type	sio_ua_copy, @function
	.p2align 5
sio_ua_copy:
	_CET_ENDBR
	movq	%rdx, %rcx
	cmpq	$16, %rdx
	ja	.Lc_gt16
	cmpq	$8, %rdx
	jb	.Lc_lt8
	/* 8..16: two possibly overlapping quadwords. */
	movq	(%rsi), %rax
	movq	-8(%rsi,%rdx), %r8
	movq	%rax, (%rdi)
	movq	%r8, -8(%rdi,%rdx)
	xorl	%eax, %eax
	ret
.Lc_lt8:
	cmpq	$4, %rdx
	jb	.Lc_lt4
	/* 4..7: two possibly overlapping doublewords. */
	movl	(%rsi), %eax
	movl	-4(%rsi,%rdx), %r8d
	movl	%eax, (%rdi)
	movl	%r8d, -4(%rdi,%rdx)
	xorl	%eax, %eax
	ret
.Lc_lt4:
	testq	%rdx, %rdx
	jz	.Lc_done
	/* 1..3: first byte, last byte, and the middle one when len == 3. */
	movzbl	(%rsi), %eax
	movzbl	-1(%rsi,%rdx), %r8d
	cmpq	$3, %rdx
	jb	1f
	movzbl	1(%rsi), %r9d
	movb	%r9b, 1(%rdi)
1:	movb	%al, (%rdi)
	movb	%r8b, -1(%rdi,%rdx)
.Lc_done:
	xorl	%eax, %eax
	ret
.Lc_gt16:
	cmpq	$64, %rdx
	ja	.Lc_gt64
	cmpq	$32, %rdx
	ja	.Lc_33_64
	/* 17..32: two possibly overlapping 16-byte blocks. */
	movdqu	(%rsi), %xmm0
	movdqu	-16(%rsi,%rdx), %xmm1
	movdqu	%xmm0, (%rdi)
	movdqu	%xmm1, -16(%rdi,%rdx)
	xorl	%eax, %eax
	ret
.Lc_33_64:
	/* 33..64: first 32 and last 32 bytes. */
	movdqu	(%rsi), %xmm0
	movdqu	16(%rsi), %xmm1
	movdqu	-32(%rsi,%rdx), %xmm2
	movdqu	-16(%rsi,%rdx), %xmm3
	movdqu	%xmm0, (%rdi)
	movdqu	%xmm1, 16(%rdi)
	movdqu	%xmm2, -32(%rdi,%rdx)
	movdqu	%xmm3, -16(%rdi,%rdx)
	xorl	%eax, %eax
	ret
.Lc_gt64:
	cmpq	$SIO_UA_REP_MIN, %rdx
	jae	.Lc_rep
	/*
	 * 65..REP_MIN-1: 64-byte blocks from the start while more than 64
	 * bytes remain after the block, then the last 64 bytes (which may
	 * overlap what was already copied; src and dst do not overlap).
	 */
	leaq	-64(%rdx), %r9		/* offset of the last block */
	xorl	%r8d, %r8d		/* offset of the next block */
2:	movdqu	(%rsi,%r8), %xmm0
	movdqu	16(%rsi,%r8), %xmm1
	movdqu	32(%rsi,%r8), %xmm2
	movdqu	48(%rsi,%r8), %xmm3
	movdqu	%xmm0, (%rdi,%r8)
	movdqu	%xmm1, 16(%rdi,%r8)
	movdqu	%xmm2, 32(%rdi,%r8)
	movdqu	%xmm3, 48(%rdi,%r8)
	addq	$64, %r8
	cmpq	%r9, %r8
	jb	2b
	movdqu	(%rsi,%r9), %xmm0
	movdqu	16(%rsi,%r9), %xmm1
	movdqu	32(%rsi,%r9), %xmm2
	movdqu	48(%rsi,%r9), %xmm3
	movdqu	%xmm0, (%rdi,%r9)
	movdqu	%xmm1, 16(%rdi,%r9)
	movdqu	%xmm2, 32(%rdi,%r9)
	movdqu	%xmm3, 48(%rdi,%r9)
	xorl	%eax, %eax
	ret
.Lc_rep:
	rep movsb
	xorl	%eax, %eax
	ret
	.globl	sio_ua_copy_end
	.hidden	sio_ua_copy_end
sio_ua_copy_end:
	.size	sio_ua_copy, . - sio_ua_copy

	.globl	sio_ua_copy_fixup
	.hidden	sio_ua_copy_fixup
sio_ua_copy_fixup:
	movq	%rcx, %rax
	ret

/*
 * size_t sio_ua_clear(void *dst %rdi, size_t len %rsi)
 * Returns 0, or on a fault a non-zero upper bound of the bytes not cleared.
 */
	.globl	sio_ua_clear
	.hidden	sio_ua_clear
	.type	sio_ua_clear, @function
	.p2align 5
sio_ua_clear:
	_CET_ENDBR
	movq	%rsi, %rcx
	xorl	%eax, %eax
	cmpq	$SIO_UA_REP_MIN, %rsi
	jae	.Lz_rep
	cmpq	$8, %rsi
	jb	.Lz_bytes
	/* 8..REP_MIN-1: quadwords from the start, then the last quadword. */
	leaq	-8(%rdi,%rsi), %rdx	/* address of the last quadword */
3:	cmpq	%rdx, %rdi
	jae	4f
	movq	%rax, (%rdi)
	addq	$8, %rdi
	jmp	3b
4:	movq	%rax, (%rdx)
	ret
.Lz_bytes:
	testq	%rsi, %rsi
	jz	5f
	movb	%al, -1(%rdi,%rsi)
	decq	%rsi
	jmp	.Lz_bytes
5:	ret
.Lz_rep:
	rep stosb			/* %al == 0 */
	ret
	.globl	sio_ua_clear_end
	.hidden	sio_ua_clear_end
sio_ua_clear_end:
	.size	sio_ua_clear, . - sio_ua_clear

	.globl	sio_ua_clear_fixup
	.hidden	sio_ua_clear_fixup
sio_ua_clear_fixup:
	movq	%rcx, %rax
	ret

/*
 * int sio_ua_is_zero(const void *p %rdi, size_t len %rsi)
 * Returns 0 if all len bytes are zero, 1 if one is not, -1 on a fault.
 */
	.globl	sio_ua_is_zero
	.hidden	sio_ua_is_zero
	.type	sio_ua_is_zero, @function
	.p2align 5
sio_ua_is_zero:
	_CET_ENDBR
	xorl	%eax, %eax
	cmpq	$8, %rsi
	jb	.Li_bytes
	leaq	-8(%rdi,%rsi), %rdx	/* address of the last quadword */
	cmpq	$32, %rsi
	jb	7f
	/* 32 bytes per round while a whole round fits before the last qword. */
	leaq	-24(%rdx), %r9		/* last start of a whole round */
6:	movq	(%rdi), %r8
	orq	8(%rdi), %r8
	orq	16(%rdi), %r8
	orq	24(%rdi), %r8
	jnz	.Li_nonzero
	addq	$32, %rdi
	cmpq	%r9, %rdi
	jbe	6b
7:	cmpq	%rdx, %rdi
	jae	8f
	cmpq	$0, (%rdi)
	jne	.Li_nonzero
	addq	$8, %rdi
	jmp	7b
8:	cmpq	$0, (%rdx)
	jne	.Li_nonzero
	ret
.Li_bytes:
	testq	%rsi, %rsi
	jz	9f
	cmpb	$0, -1(%rdi,%rsi)
	jne	.Li_nonzero
	decq	%rsi
	jmp	.Li_bytes
9:	ret
.Li_nonzero:
	movl	$1, %eax
	ret
	.globl	sio_ua_is_zero_end
	.hidden	sio_ua_is_zero_end
sio_ua_is_zero_end:
	.size	sio_ua_is_zero, . - sio_ua_is_zero

	.globl	sio_ua_is_zero_fixup
	.hidden	sio_ua_is_zero_fixup
sio_ua_is_zero_fixup:
	movl	$-1, %eax
	ret

/*
 * struct { u64 cur %rax; s64 err %rdx; }
 * sio_ua_cas64(uint64_t *p %rdi, uint64_t old %rsi, uint64_t desired %rdx)
 * Atomically: cur = *p; if (cur == old) *p = desired. err is 0 when the
 * swap happened, 1 when *p held another value (returned in cur), -1 on a
 * fault (cur is then 0). "lock cmpxchg" is a full barrier and writes the
 * destination even when the comparison fails, so a page that is readable
 * but not writable faults either way. The only access that can fault is
 * the cmpxchg itself; @p is 8-byte aligned (checked by the caller), so the
 * access never splits across pages or cache lines.
 */
	.globl	sio_ua_cas64
	.hidden	sio_ua_cas64
	.type	sio_ua_cas64, @function
	.p2align 5
sio_ua_cas64:
	_CET_ENDBR
	movq	%rsi, %rax
	lock cmpxchgq %rdx, (%rdi)
	movl	$0, %edx		/* mov leaves ZF alone */
	setne	%dl
	ret
	.globl	sio_ua_cas64_end
	.hidden	sio_ua_cas64_end
sio_ua_cas64_end:
	.size	sio_ua_cas64, . - sio_ua_cas64

	.globl	sio_ua_cas64_fixup
	.hidden	sio_ua_cas64_fixup
sio_ua_cas64_fixup:
	xorl	%eax, %eax
	movq	$-1, %rdx
	ret

/*
 * struct { u64 val %rax; s64 err %rdx; } sio_ua_load64(const uint64_t *p %rdi)
 * One 8-byte load: err 0 with the value, -1 on a fault (val is then 0).
 * @p is 8-byte aligned (checked by the caller): the load is single-copy
 * atomic, and an x86 load has acquire ordering.
 */
	.globl	sio_ua_load64
	.hidden	sio_ua_load64
	.type	sio_ua_load64, @function
	.p2align 4
sio_ua_load64:
	_CET_ENDBR
	movq	(%rdi), %rax
	xorl	%edx, %edx
	ret
	.globl	sio_ua_load64_end
	.hidden	sio_ua_load64_end
sio_ua_load64_end:
	.size	sio_ua_load64, . - sio_ua_load64

	.globl	sio_ua_load64_fixup
	.hidden	sio_ua_load64_fixup
sio_ua_load64_fixup:
	xorl	%eax, %eax
	movq	$-1, %rdx
	ret

/*
 * int sio_ua_touch(void *p %rdi, size_t n %rsi, size_t stride %rdx, int write %ecx)
 * Accesses the byte at p + i * stride for every i < n: a load, or with
 * @write a locked "or $0", which needs write access (and breaks copy-on-write
 * sharing) like any store but cannot lose a concurrent writer's store.
 * Returns 0, or -1 on a fault. n >= 1.
 */
	.globl	sio_ua_touch
	.hidden	sio_ua_touch
	.type	sio_ua_touch, @function
	.p2align 5
sio_ua_touch:
	_CET_ENDBR
	xorl	%eax, %eax
	testl	%ecx, %ecx
	jnz	.Lt_write
.Lt_read:
	movzbl	(%rdi), %r8d
	addq	%rdx, %rdi
	decq	%rsi
	jnz	.Lt_read
	ret
.Lt_write:
	lock orb $0, (%rdi)
	addq	%rdx, %rdi
	decq	%rsi
	jnz	.Lt_write
	ret
	.globl	sio_ua_touch_end
	.hidden	sio_ua_touch_end
sio_ua_touch_end:
	.size	sio_ua_touch, . - sio_ua_touch

	.globl	sio_ua_touch_fixup
	.hidden	sio_ua_touch_fixup
sio_ua_touch_fixup:
	movl	$-1, %eax
	ret

	.section .note.GNU-stack, "", @progbits
