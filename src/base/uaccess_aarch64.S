/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fault-tolerant memory routines for aarch64 (AAPCS64).
 *
 * Same contract as uaccess_x86_64.S: each routine NAME occupies
 * [NAME, NAME_end), and a SIGSEGV/SIGBUS at a PC in that range is turned by
 * the handler in uaccess.c into a jump to NAME_fixup. Invariants:
 *  - the routines are leaf functions that touch neither the stack nor any
 *    callee-saved register and never change x30, so the fixup can "ret";
 *  - in the copy and clear routines x3 holds the number of bytes not yet
 *    stored (>= 1 whenever an access can still fault).
 * Kept deliberately simple: 16-byte ldp/stp blocks, then single bytes.
 * Unaligned ldp/stp are fine on normal memory under Linux.
 */

/* BTI landing pad; a NOP on cores without BTI. */
#define SIO_BTI_C	hint	#34

	.text

/*
 * size_t sio_ua_copy(void *dst x0, const void *src x1, size_t len x2)
 * Returns 0, or on a fault the non-zero count of bytes not copied.
 */
	.globl	sio_ua_copy
	.hidden	sio_ua_copy
	.type	sio_ua_copy, %function
	.p2align 4
sio_ua_copy:
	SIO_BTI_C
	mov	x3, x2
	cmp	x3, #16
	b.lo	2f
1:	ldp	x4, x5, [x1], #16
	stp	x4, x5, [x0], #16
	sub	x3, x3, #16
	cmp	x3, #16
	b.hs	1b
2:	cbz	x3, 3f
	ldrb	w4, [x1], #1
	strb	w4, [x0], #1
	sub	x3, x3, #1
	b	2b
3:	mov	x0, #0
	ret
	.globl	sio_ua_copy_end
	.hidden	sio_ua_copy_end
sio_ua_copy_end:
	.size	sio_ua_copy, . - sio_ua_copy

	.globl	sio_ua_copy_fixup
	.hidden	sio_ua_copy_fixup
sio_ua_copy_fixup:
	mov	x0, x3
	ret

/*
 * size_t sio_ua_clear(void *dst x0, size_t len x1)
 * Returns 0, or on a fault the non-zero count of bytes not cleared.
 */
	.globl	sio_ua_clear
	.hidden	sio_ua_clear
	.type	sio_ua_clear, %function
	.p2align 4
sio_ua_clear:
	SIO_BTI_C
	mov	x3, x1
	cmp	x3, #16
	b.lo	5f
4:	stp	xzr, xzr, [x0], #16
	sub	x3, x3, #16
	cmp	x3, #16
	b.hs	4b
5:	cbz	x3, 6f
	strb	wzr, [x0], #1
	sub	x3, x3, #1
	b	5b
6:	mov	x0, #0
	ret
	.globl	sio_ua_clear_end
	.hidden	sio_ua_clear_end
sio_ua_clear_end:
	.size	sio_ua_clear, . - sio_ua_clear

	.globl	sio_ua_clear_fixup
	.hidden	sio_ua_clear_fixup
sio_ua_clear_fixup:
	mov	x0, x3
	ret

/*
 * int sio_ua_is_zero(const void *p x0, size_t len x1)
 * Returns 0 if all len bytes are zero, 1 if one is not, -1 on a fault.
 */
	.globl	sio_ua_is_zero
	.hidden	sio_ua_is_zero
	.type	sio_ua_is_zero, %function
	.p2align 4
sio_ua_is_zero:
	SIO_BTI_C
	cmp	x1, #16
	b.lo	8f
7:	ldp	x4, x5, [x0], #16
	orr	x4, x4, x5
	cbnz	x4, 10f
	sub	x1, x1, #16
	cmp	x1, #16
	b.hs	7b
8:	cbz	x1, 9f
	ldrb	w4, [x0], #1
	cbnz	w4, 10f
	sub	x1, x1, #1
	b	8b
9:	mov	w0, #0
	ret
10:	mov	w0, #1
	ret
	.globl	sio_ua_is_zero_end
	.hidden	sio_ua_is_zero_end
sio_ua_is_zero_end:
	.size	sio_ua_is_zero, . - sio_ua_is_zero

	.globl	sio_ua_is_zero_fixup
	.hidden	sio_ua_is_zero_fixup
sio_ua_is_zero_fixup:
	mov	w0, #-1
	ret

/*
 * struct { u64 cur x0; s64 err x1; }
 * sio_ua_cas64(uint64_t *p x0, uint64_t old x1, uint64_t desired x2)
 * Atomically: cur = *p; if (cur == old) *p = desired. err is 0 when the
 * swap happened, 1 when *p held another value (returned in cur), -1 on a
 * fault (cur is then 0). An ldaxr/stlxr loop: acquire load, release store,
 * sequentially consistent as C11 seq_cst maps onto them. When the values
 * differ the loaded value is stored back, as x86's "lock cmpxchg" does, so
 * that a readable but not writable page faults on a mismatch too (one
 * result on every architecture). The exclusive pair may fault at either
 * access; x3 holds @p, x4 the exclusive status. @p is 8-byte aligned
 * (checked by the caller).
 */
	.globl	sio_ua_cas64
	.hidden	sio_ua_cas64
	.type	sio_ua_cas64, %function
	.p2align 4
sio_ua_cas64:
	SIO_BTI_C
	mov	x3, x0
11:	ldaxr	x0, [x3]
	cmp	x0, x1
	b.ne	12f
	stlxr	w4, x2, [x3]
	cbnz	w4, 11b
	mov	x1, #0
	ret
12:	stlxr	w4, x0, [x3]
	cbnz	w4, 11b
	mov	x1, #1
	ret
	.globl	sio_ua_cas64_end
	.hidden	sio_ua_cas64_end
sio_ua_cas64_end:
	.size	sio_ua_cas64, . - sio_ua_cas64

	.globl	sio_ua_cas64_fixup
	.hidden	sio_ua_cas64_fixup
sio_ua_cas64_fixup:
	mov	x0, #0
	mov	x1, #-1
	ret

/*
 * struct { u64 val x0; s64 err x1; } sio_ua_load64(const uint64_t *p x0)
 * One 8-byte load-acquire: err 0 with the value, -1 on a fault (val is
 * then 0). @p is 8-byte aligned (checked by the caller): single-copy atomic.
 */
	.globl	sio_ua_load64
	.hidden	sio_ua_load64
	.type	sio_ua_load64, %function
	.p2align 4
sio_ua_load64:
	SIO_BTI_C
	ldar	x0, [x0]
	mov	x1, #0
	ret
	.globl	sio_ua_load64_end
	.hidden	sio_ua_load64_end
sio_ua_load64_end:
	.size	sio_ua_load64, . - sio_ua_load64

	.globl	sio_ua_load64_fixup
	.hidden	sio_ua_load64_fixup
sio_ua_load64_fixup:
	mov	x0, #0
	mov	x1, #-1
	ret

/*
 * int sio_ua_touch(void *p x0, size_t n x1, size_t stride x2, int write w3)
 * Accesses the byte at p + i * stride for every i < n: a load, or with
 * @write an exclusive load and store of the same value, retried until the
 * store succeeds, which needs write access (and breaks copy-on-write
 * sharing) like any store but cannot lose a concurrent writer's store.
 * Returns 0, or -1 on a fault. n >= 1.
 */
	.globl	sio_ua_touch
	.hidden	sio_ua_touch
	.type	sio_ua_touch, %function
	.p2align 4
sio_ua_touch:
	SIO_BTI_C
	cbnz	w3, 12f
11:	ldrb	w4, [x0]
	add	x0, x0, x2
	subs	x1, x1, #1
	b.ne	11b
	mov	w0, #0
	ret
12:	ldxrb	w4, [x0]
	stxrb	w5, w4, [x0]
	cbnz	w5, 12b
	add	x0, x0, x2
	subs	x1, x1, #1
	b.ne	12b
	mov	w0, #0
	ret
	.globl	sio_ua_touch_end
	.hidden	sio_ua_touch_end
sio_ua_touch_end:
	.size	sio_ua_touch, . - sio_ua_touch

	.globl	sio_ua_touch_fixup
	.hidden	sio_ua_touch_fixup
sio_ua_touch_fixup:
	mov	w0, #-1
	ret

	.section .note.GNU-stack, "", %progbits
