/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The shared-memory fault ring: a record ring (softiommu -> program) and a
 * response ring (program -> softiommu) in one memfd region, single producer
 * and single consumer in each direction. The region layout and the rules
 * the program must follow are in include/softiommu/softiommu.h ("The
 * shared-memory fault ring") and docs/faults.md.
 *
 * struct sio_fault_ring is softiommu's side: it pushes records and takes
 * responses. struct sio_fault_ring_view is the program's side: it pops
 * records and pushes responses. Both are defined in fault_ring.c.
 *
 * Invariants softiommu keeps whatever the program writes:
 *  - its own indices (rec_head, resp_tail) live in private memory; the
 *    copies in the header page are only published, never read back;
 *  - the program's index is read once per call and accepted only inside
 *    [last accepted, furthest possible]; otherwise that direction is
 *    disabled for good and every later call fails with -EPIPE (a push
 *    proves its room with the last accepted rec_tail and, when that
 *    suffices, reads rec_tail after publishing);
 *  - every slot index is masked with nb - 1, so no access leaves the ring;
 *  - a record slot is never read; a response slot is consumed only when
 *    its seq word is its index + 1, at most resp_nb per call, and its
 *    response is read by one 8-byte load into a private copy, which alone
 *    is validated and used.
 *
 * All functions return 0 / a count or a negative errno. Caller buffers are
 * accessed through base/uaccess (-EFAULT, never a crash).
 */
#ifndef SIO_CORE_FAULT_RING_H
#define SIO_CORE_FAULT_RING_H

#include <softiommu/softiommu.h>
#include <softiommu/uapi/iommufd.h>

/* softiommu's side. */
int sio_fring_create(unsigned int nb_records, unsigned int nb_responses,
		     struct sio_fault_ring **out);
int sio_fring_fd(const struct sio_fault_ring *ring);
void sio_fring_destroy(struct sio_fault_ring *ring);
int sio_fring_push(struct sio_fault_ring *ring, const struct iommu_hwpt_pgfault *recs,
		   unsigned int n);
int sio_fring_take_responses(struct sio_fault_ring *ring, struct iommu_hwpt_page_response *out,
			     unsigned int n);
/*
 * Publish what @fill writes: @fill(@arg, buf, room) is called with the
 * ring's record lock held and room >= 1 free slots, writes up to room
 * records to the trusted buffer @buf and returns how many (or a negative
 * errno, returned as is; nothing is published). @fill must not call back
 * into @ring. Return: records published, 0 (no room: @fill not called),
 * -EPIPE (disabled), -ENOMEM, or @fill's error.
 */
int sio_fring_fill(struct sio_fault_ring *ring,
		   int (*fill)(void *arg, struct iommu_hwpt_pgfault *buf, unsigned int room),
		   void *arg);
/* Count @n consumed responses as rejected (resp_rejected), e.g. unknown cookies. */
void sio_fring_reject(struct sio_fault_ring *ring, unsigned int n);

/* The program's side. */
int sio_fring_map(int fd, struct sio_fault_ring_view **out);
void sio_fring_unmap(struct sio_fault_ring_view *view);
int sio_fring_peek(struct sio_fault_ring_view *view, struct iommu_hwpt_pgfault *out,
		   unsigned int n);
int sio_fring_pop(struct sio_fault_ring_view *view, struct iommu_hwpt_pgfault *out,
		  unsigned int n);
int sio_fring_respond(struct sio_fault_ring_view *view,
		      const struct iommu_hwpt_page_response *resp, unsigned int n);
int sio_fring_status(struct sio_fault_ring_view *view, struct sio_fault_ring_status *st);
const struct sio_fault_ring_hdr *sio_fring_header(const struct sio_fault_ring_view *view);

#endif /* SIO_CORE_FAULT_RING_H */
