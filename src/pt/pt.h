/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Page tables: a generic radix walker and the formats a software IOMMU needs.
 * Pure data-structure code: no IOTLB, no devices, no locks of its own.
 *
 * Addresses. softiommu's "physical" address space is the virtual address
 * space of the process; a table's physical address is the VA of its memory.
 * Tables softiommu owns (kernel-managed domains) are allocated by this layer,
 * naturally aligned to the table size. Tables a guest owns (nested stage 1)
 * live in guest memory and are reached only through a struct sio_pt_mem,
 * which translates each table address (through stage 2) and counts loads.
 *
 * Levels are numbered as in Linux's generic_pt: level 0 is the leaf table,
 * the top level is levels - 1. For a granule of 2^g bytes and 8-byte entries
 * each level resolves g - 3 bits: shift(l) = g + l * (g - 3).
 *
 * Concurrency. map and unmap of one table must be serialised by the caller
 * (the domain's lock); sio_pt_walk() and sio_pt_iova_to_phys() may run
 * concurrently with map/unmap of other ranges: entries are published with
 * release stores (a new table is fully initialised before it is linked), read
 * with acquire loads, and tables emptied by unmap are not freed until
 * sio_pt_free_deferred() (after the caller's invalidation and grace period).
 */
#ifndef SIO_PT_PT_H
#define SIO_PT_PT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum sio_pt_format {
	SIO_PT_VTD_SS,		/* VT-d second stage: R b0, W b1, PS b7, A b8, D b9, SNP b11 */
	SIO_PT_X86_64,		/* x86-64 / VT-d first stage: P, R/W, U/S, A, D, PS, XD */
	SIO_PT_ARM_S1,		/* ARMv8 VMSA stage 1 (4K/16K/64K granules) */
	SIO_PT_ARM_S2,		/* ARMv8 VMSA stage 2 (4K/16K/64K granules) */
	SIO_PT_MOCK,		/* the iommufd selftest's mock format (2 KiB granule) */
};

/* Access requested by a walk, and permissions a translation grants. */
enum sio_pt_access {
	SIO_PT_R = 1 << 0,
	SIO_PT_W = 1 << 1,
	SIO_PT_X = 1 << 2,
	SIO_PT_PRIV = 1 << 3,	/* a supervisor/privileged request (absent: user) */
};

/* Protection for map(). */
enum sio_pt_prot {
	SIO_PT_PROT_READ = 1 << 0,
	SIO_PT_PROT_WRITE = 1 << 1,
	SIO_PT_PROT_NOEXEC = 1 << 2,
	SIO_PT_PROT_USER = 1 << 3,	/* x86-64: U/S = 1 */
};

/* Why a walk failed; formats map their own codes onto these. */
enum sio_pt_fault {
	SIO_PT_OK = 0,
	SIO_PT_FAULT_RANGE,		/* input address beyond the table's reach / non-canonical */
	SIO_PT_FAULT_NOT_PRESENT,	/* no valid entry at some level */
	SIO_PT_FAULT_PERM,		/* a level lacks the requested R/W/X/U right */
	SIO_PT_FAULT_RESERVED,		/* reserved bits set in an entry */
	SIO_PT_FAULT_ACCESS_FLAG,	/* ARM: AF = 0 and no hardware AF update */
	SIO_PT_FAULT_ADDR_SIZE,		/* output beyond the output address size */
	SIO_PT_FAULT_TABLE_READ,	/* a table entry could not be read (bad address) */
	SIO_PT_FAULT_AD_UPDATE,		/* an accessed/dirty update could not be written */
};

struct sio_pt_cfg {
	enum sio_pt_format format;
	unsigned int granule_lg2;	/* 12 (all), 14/16 (ARM), 11 (mock) */
	unsigned int levels;		/* VT-d SS: 3..5; x86-64: 4 or 5; ARM: from ias; mock: 1..5 */
	unsigned int ias;		/* input address bits */
	unsigned int oas;		/* output address bits (<= 52) */
	uint64_t pgsize_bitmap;		/* leaf sizes map() may use (subset of the format's) */
	/* x86-64 first stage (VT-d nesting): supervisor requests ignore U/S (SRE),
	 * supervisor writes honour R/W (WPE). */
	bool sre, wpe;
	/* ARM: hardware access-flag / dirty-state updates (HA/HD); AFFD for S2. */
	bool hw_af, hw_dirty;
	/* ARM stage 1: hierarchical attributes disabled (SMMU CD.HADx): APTable/XNTable ignored. */
	bool had;
	/* Track dirty bits for GET_DIRTY_BITMAP (VT-d SS D bit, ARM DBM, mock). */
	bool dirty_tracking;
};

struct sio_pt;

/*
 * Create an empty table of @cfg (allocates the top-level table).
 * Return: 0, -EINVAL (unsupported configuration), -ENOMEM.
 */
int sio_pt_create(const struct sio_pt_cfg *cfg, struct sio_pt **out);
/* Free every table, including deferred ones. No walker may be running. */
void sio_pt_destroy(struct sio_pt *pt);
const struct sio_pt_cfg *sio_pt_config(const struct sio_pt *pt);
/* Physical address of the top-level table. */
uint64_t sio_pt_root(const struct sio_pt *pt);

/*
 * Map [iova, iova + size) to [pa, pa + size) with @prot (enum sio_pt_prot),
 * using the largest leaves of cfg.pgsize_bitmap that alignment allows.
 * Refuses to overwrite: a present leaf in the range gives -EADDRINUSE and
 * nothing of this call stays mapped. Return: 0, -EINVAL (no R or W in @prot,
 * misaligned to the smallest page, zero size), -ENXIO (no page size fits),
 * -ERANGE (iova beyond the input range or pa beyond the output range),
 * -ENOMEM.
 */
int sio_pt_map(struct sio_pt *pt, uint64_t iova, uint64_t pa, uint64_t size, int prot);

/*
 * Unmap whole leaves covering [iova, iova + size). A leaf the range starts
 * inside of is not removed (unmap stops, returning what was removed so far);
 * a leaf the range ends inside of is removed whole. Tables left empty are
 * unlinked and queued for sio_pt_free_deferred().
 * Return: bytes unmapped.
 */
uint64_t sio_pt_unmap(struct sio_pt *pt, uint64_t iova, uint64_t size);

/* Free tables unlinked by earlier unmaps (after invalidation and grace period). */
void sio_pt_free_deferred(struct sio_pt *pt);

/*
 * Look up @iova in a softiommu-owned table without side effects (no A/D
 * updates, no permission check). Return: 0 and *pa (and *size_lg2 of the
 * leaf, may be NULL), or -ENOENT.
 */
int sio_pt_iova_to_phys(const struct sio_pt *pt, uint64_t iova, uint64_t *pa,
			unsigned int *size_lg2);

/*
 * Dirty tracking (cfg.dirty_tracking). Report every dirty leaf overlapping
 * [iova, iova + size) to @fn (its whole leaf range) and clear it unless
 * @no_clear. Return: 0, -EOPNOTSUPP (format/config without dirty tracking).
 */
int sio_pt_read_and_clear_dirty(struct sio_pt *pt, uint64_t iova, uint64_t size, bool no_clear,
				void (*fn)(void *arg, uint64_t iova, uint64_t size), void *arg);
/* Mark the leaf at @iova dirty (a device write, or the selftest DIRTY op): 0 or -ENOENT. */
int sio_pt_set_dirty(struct sio_pt *pt, uint64_t iova);

/*
 * How a walk reads table memory: @read loads the 8-byte entry at table
 * physical address @addr (for a guest table, translating it first), @cas
 * updates it atomically for A/D bits. Both return 0 or a negative errno; a
 * failure ends the walk with SIO_PT_FAULT_TABLE_READ / _AD_UPDATE, except
 * @cas returning -EAGAIN (the entry no longer holds @old), after which the
 * walk reads the entry again and re-applies that level's checks.
 */
struct sio_pt_mem {
	int (*read)(void *ctx, uint64_t addr, uint64_t *val);
	int (*cas)(void *ctx, uint64_t addr, uint64_t old, uint64_t new_val);
	void *ctx;
};

/*
 * Direct access to tables in process memory (softiommu's own, or a guest's
 * after stage 2): reads via the safe copy, updates via sio_safe_cas64(), so
 * that memory the program unmapped or write-protected fails, never faults.
 */
extern const struct sio_pt_mem sio_pt_mem_direct;

struct sio_pt_walk_result {
	uint64_t oa;			/* output address of iova (page base | offset) */
	unsigned int size_lg2;		/* leaf size */
	unsigned int perm;		/* enum sio_pt_access granted by the whole walk */
	enum sio_pt_fault fault;
	unsigned int level;		/* level of the leaf, or of the faulting entry */
	uint64_t fault_entry_addr;	/* table address of the faulting entry */
	unsigned int loads;		/* table-entry reads performed */
};

/*
 * Translate @iova for @access (enum sio_pt_access) through the table of @cfg
 * rooted at @root, reading entries through @mem. Accumulates permissions over
 * the levels and faults at the first level lacking a requested right; with
 * @set_ad sets accessed bits on the way and the dirty bit of the leaf on a
 * write (x86-64, VT-d SS with dirty tracking, ARM with HA/HD), via @mem->cas.
 *
 * With @set_ad, where the format tracks dirtiness res->perm includes W only
 * if the leaf is dirty after the walk: a translation cached without W must be
 * walked again (with W) before a write, so the dirty bit is never skipped.
 * On SIO_PT_FAULT_PERM res->perm holds the rights granted up to the failed
 * check: the requested right missing from it is the one that failed; none
 * missing means the x86-64 U/S check failed.
 *
 * Return: 0 with @res filled, or -EFAULT with res->fault set (-EINVAL with
 * SIO_PT_FAULT_RANGE for a @cfg sio_pt_create() would refuse).
 */
int sio_pt_walk(const struct sio_pt_cfg *cfg, uint64_t root, const struct sio_pt_mem *mem,
		uint64_t iova, unsigned int access, bool set_ad, struct sio_pt_walk_result *res);

#endif /* SIO_PT_PT_H */
