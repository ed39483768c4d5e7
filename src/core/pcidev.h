/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Emulated PCI functions of the machine: each has a bus address (segment,
 * bus, devfn), a requester ID on one of the machine's IOMMUs, and a device
 * context on that IOMMU (struct sio_iommu_dev) through which it does DMA.
 * They are process-wide, like the IOMMUs, and are numbered by their VFIO
 * index N (the minor of /dev/vfio/devices/vfioN), lowest free first.
 *
 * Lifetime: a device lives from sio_pcidev_create() to sio_pcidev_destroy().
 * Every open VFIO cdev fd and every open DMA fault region pair
 * (api_dma_fault_region.c) holds an "open" on it (sio_pcidev_open()), and
 * destroy refuses with -EBUSY while any is held, so a pointer obtained from
 * sio_pcidev_open() stays valid until sio_pcidev_close(). DMA and translation
 * run inside sio_pcidev_read_lock()/unlock(), which destroy waits for.
 *
 * Locking:
 *  - the table lock (a rwlock) protects the table; readers: lookups, DMA and
 *    translation; writers: create and destroy (brief).
 *  - the bind lock (a mutex, Linux's dev_set->lock for every device at once)
 *    serialises bind, attach, detach and unbind through VFIO, and protects
 *    @bound. It is taken before any core lock and never inside the table lock.
 * Both are replaced by fresh locks in a forked child (see pcidev.c).
 */
#ifndef SIO_CORE_PCIDEV_H
#define SIO_CORE_PCIDEV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "iommu/iommu.h"

/* Most emulated functions at once (VFIO indexes 0..SIO_PCIDEV_MAX - 1). */
#define SIO_PCIDEV_MAX 256

struct sio_pcidev_cfg {
	enum sio_iommu_type type;	/* SIO_IOMMU_VTD or SIO_IOMMU_SMMUV3 */
	uint16_t segment;
	uint8_t bus;
	uint8_t devfn;			/* device << 3 | function */
	unsigned int pasid_bits;	/* 0 (no PASID) .. SIO_PASID_BITS_MAX */
	unsigned int caps;		/* enum sio_dev_cap */
};

struct sio_device;
struct sio_pri_fn;
struct sio_dev_fault_fn;

struct sio_pcidev {
	unsigned int index;
	struct sio_pcidev_cfg cfg;
	struct sio_iommu *iommu;
	struct sio_iommu_dev *hw;
	int opens;			/* atomic: open VFIO cdev fds */
	bool bound;			/* bind lock: bound to an iommufd (one at a time) */
	struct sio_device *idev;	/* bind lock: the DEVICE object while bound */
	struct sio_pri_fn *pri;		/* page request state (core/pri.h), a reference */
	struct sio_dev_fault_fn *fault;	/* fault handler state (core/dev_fault.h), owned */
};

/* The requester ID of a bus address. */
static inline uint32_t sio_pcidev_rid(const struct sio_pcidev_cfg *cfg)
{
	return (uint32_t)cfg->bus << 8 | cfg->devfn;
}

/*
 * Create a function. Return: its index, or -EINVAL (type, PASID width or
 * capabilities out of range), -EEXIST (the bus address is taken, or its RID
 * on the same IOMMU), -ENOSPC (SIO_PCIDEV_MAX reached), -ENOMEM.
 */
int sio_pcidev_create(const struct sio_pcidev_cfg *cfg);

/* Destroy a function: 0, -ENODEV (no such index), -EBUSY (an open is held). */
int sio_pcidev_destroy(unsigned int index);

/* Take an open on @index (a cdev fd, a region pair): the device, or NULL if none. */
struct sio_pcidev *sio_pcidev_open(unsigned int index);
void sio_pcidev_close(struct sio_pcidev *pdev);

/*
 * Read-lock the table and return the device of @index, or NULL (the table is
 * then unlocked again). While locked the device cannot be destroyed; the
 * caller may translate and do DMA through pdev->hw. Pair with
 * sio_pcidev_read_unlock(). Do not take the bind lock while holding it.
 */
struct sio_pcidev *sio_pcidev_read_lock(unsigned int index);
void sio_pcidev_read_unlock(void);

/* The configuration of @index: 0, or -ENODEV. */
int sio_pcidev_get_cfg(unsigned int index, struct sio_pcidev_cfg *cfg);
/* The lowest existing index >= @from, or -1. */
int sio_pcidev_next(int from);
/* The index of the function at a bus address, or -1. */
int sio_pcidev_find(uint16_t segment, uint8_t bus, uint8_t devfn);
/* Whether any function exists now. Lock-free. */
bool sio_pcidev_any(void);

/*
 * A DMA fault @f of function @index, for its fault handler unless it was a
 * page request (@requested: answered through the response;
 * sio_dev_fault_report_unrecov()) and for its binding's vIOMMU
 * (sio_device_report_fault()). Nothing happens if the function is gone.
 */
void sio_pcidev_report_fault(unsigned int index, const struct sio_fault *f, bool requested);

void sio_pcidev_bind_lock(void);
void sio_pcidev_bind_unlock(void);

#endif /* SIO_CORE_PCIDEV_H */
