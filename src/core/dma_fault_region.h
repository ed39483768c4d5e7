/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The DMA fault region pair of one device, as the 2020 VFIO nested
 * interface defines it (vsva-2020-abi §4.4, §4.5; v13): a fault region
 * (softiommu produces struct iommu_fault records, the program consumes)
 * and a fault response region (the program produces struct
 * iommu_page_response entries, softiommu consumes). Each region is one
 * header page (struct vfio_region_dma_fault / _response) reachable only
 * through sio_dfr_rw(), followed by a ring of nb_entries slots that the
 * program maps (sio_dfr_mmap_check()). Front ends (the VFIO device fd, the
 * C API) forward pread/pwrite/mmap of a region to these calls.
 *
 * Rules kept exactly as v13:
 *  - region size = page + ALIGN(nb_entries * entry_size, page); memory is
 *    zero-filled; the only mmappable part is [page, size) (a sparse area);
 *  - reads of any part within the size are allowed (count clipped to the
 *    end); the only write is 4 bytes at offset 0 (the index the program
 *    owns) with a value < nb_entries, else -EINVAL;
 *  - the producer drops a record with -ENOSPC when the ring holds
 *    nb_entries - 1 records; head/tail advance modulo nb_entries.
 * Where v13 was weak, softiommu is stricter without changing the ABI:
 *  - a response entry is copied once from the ring and only the copy is
 *    used (v13 read the program-writable slot in place);
 *  - responses are consumed in the pwrite() of head, in order, before it
 *    returns (v13 queued a work item); each is handed to @respond, whose
 *    result is counted (v13 ignored it);
 *  - softiommu's indices live in private memory; the header page is only a
 *    published copy.
 *
 * Locking: one mutex per region; @respond and @signal are called with the
 * fault-response region's / fault region's mutex held and must not call
 * back into the pair. The two mutexes are never held together, so
 * @respond may take a lock under which sio_dfr_push() is called.
 * Everything is thread-safe.
 */
#ifndef SIO_CORE_DMA_FAULT_REGION_H
#define SIO_CORE_DMA_FAULT_REGION_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <softiommu/uapi/iommu.h>
#include <softiommu/uapi/vfio_nested.h>

struct sio_dfr;

enum sio_dfr_which {
	SIO_DFR_FAULT,		/* VFIO_REGION_SUBTYPE_NESTED_DMA_FAULT */
	SIO_DFR_RESPONSE,	/* VFIO_REGION_SUBTYPE_NESTED_DMA_FAULT_RESPONSE */
};

struct sio_dfr_ops {
	/*
	 * A response the program produced (its private copy). Return 0 or a
	 * negative errno (counted in resp_rejected). May be NULL: every
	 * response is then rejected.
	 */
	int (*respond)(void *arg, const struct iommu_page_response *resp);
	/* A record was queued (the fault IRQ's eventfd). May be NULL. */
	void (*signal)(void *arg);
	void *arg;
};

/* Largest nb_entries sio_dfr_create() accepts. */
#define SIO_DFR_NB_MAX		(1u << 20)

/*
 * Create a pair with @nb_entries slots in each ring (a power of two in
 * [2, SIO_DFR_NB_MAX]; v13: VFIO_DMA_FAULT_RING_LENGTH). @ops is copied;
 * NULL means no callbacks.
 * Return: 0 with *out, -EINVAL (@nb_entries), -ENOMEM, or memfd/mmap errors.
 */
int sio_dfr_create(unsigned int nb_entries, const struct sio_dfr_ops *ops, struct sio_dfr **out);
/* Free the pair; program mappings stay valid until unmapped. NULL: nothing. */
void sio_dfr_destroy(struct sio_dfr *dfr);

/*
 * Size of a region in bytes (page + ring rounded up to pages). Here and
 * below, a @which that is not an enum sio_dfr_which value gives 0 (an
 * empty area) or -EINVAL.
 */
uint64_t sio_dfr_size(const struct sio_dfr *dfr, enum sio_dfr_which which);
/* The sparse-mmap area of a region: [*offset, *offset + *size). */
void sio_dfr_mmap_area(const struct sio_dfr *dfr, enum sio_dfr_which which, uint64_t *offset,
		       uint64_t *size);

/*
 * Queue one record (the device fault handler's body). Return: 0 (copied at
 * head, head advanced and published, @signal called), -ENOSPC (the ring
 * holds nb_entries - 1 records: dropped, counted in rec_dropped).
 */
int sio_dfr_push(struct sio_dfr *dfr, const struct iommu_fault *rec);

/*
 * pread (@write false) / pwrite (@write true) of @count bytes at @pos of a
 * region, from/to user memory at @ubuf. Return: bytes transferred, or
 * -EINVAL (@pos >= size; a write that is not 4 bytes at 0; an index >=
 * nb_entries), -EFAULT (@ubuf). Checked in this order (v13's): @pos,
 * then @count is clipped to size - @pos, the write's size and place,
 * @ubuf, the index. A response-region write of head consumes the
 * responses between tail and the new head before returning (CIRC_CNT of
 * the two: a head equal to tail consumes nothing).
 */
ssize_t sio_dfr_rw(struct sio_dfr *dfr, enum sio_dfr_which which, uint64_t pos, uint64_t ubuf,
		   size_t count, bool write);

/*
 * Check an mmap of [@pos, @pos + @len) of a region with @prot (PROT_*):
 * -EINVAL when it starts below the ring or ends beyond the region, or @pos
 * or @len is not page-aligned, or @len is 0 (page size:
 * sysconf(_SC_PAGESIZE)). @prot is not restricted: both regions are
 * READ|WRITE|MMAP, as in v13. Return: 0 with the memfd and the file offset
 * to map (the caller maps them; the fd stays owned here).
 */
int sio_dfr_mmap_check(const struct sio_dfr *dfr, enum sio_dfr_which which, uint64_t pos,
		       uint64_t len, int prot, int *fd, uint64_t *file_off);

/* Counters (also for tests). */
struct sio_dfr_stats {
	uint64_t rec_pushed;
	uint64_t rec_dropped;		/* -ENOSPC */
	uint64_t resp_consumed;		/* taken from the ring, rejected ones included */
	uint64_t resp_rejected;		/* @respond failed or was NULL */
};
void sio_dfr_stats(struct sio_dfr *dfr, struct sio_dfr_stats *st);

#endif /* SIO_CORE_DMA_FAULT_REGION_H */
