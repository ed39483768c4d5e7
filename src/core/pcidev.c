/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The machine's emulated PCI functions (see pcidev.h).
 *
 * Invariants:
 *  - table[i] is either NULL or a fully built device; it changes only under
 *    the table lock held for write, by single pointer stores.
 *  - A device in the table has its hardware context on its IOMMU; the
 *    context is destroyed only after the device left the table and no
 *    reader (DMA) can still hold it.
 *  - ndevs is the number of non-NULL slots.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>

#include "base/compiler.h"
#include "core/dev_fault.h"
#include "core/device.h"
#include "core/machine.h"
#include "core/pcidev.h"
#include "core/pri.h"

/*
 * Writers (create, destroy) must not starve behind a stream of DMA readers:
 * the table lock prefers writers. No path takes it for read recursively.
 */
#ifdef PTHREAD_RWLOCK_WRITER_NONRECURSIVE_INITIALIZER_NP
#define TABLE_LOCK_INIT PTHREAD_RWLOCK_WRITER_NONRECURSIVE_INITIALIZER_NP
#else
#define TABLE_LOCK_INIT PTHREAD_RWLOCK_INITIALIZER
#endif

static pthread_rwlock_t table_lock_initial = TABLE_LOCK_INIT;
static pthread_mutex_t bind_lock_initial = PTHREAD_MUTEX_INITIALIZER;
/* Replaced by fresh locks in a forked child (see atfork_child). */
static pthread_rwlock_t *table_lock = &table_lock_initial;
static pthread_mutex_t *bind_lock = &bind_lock_initial;

static struct sio_pcidev *table[SIO_PCIDEV_MAX];
static int ndevs;

static bool cfg_valid(const struct sio_pcidev_cfg *cfg)
{
	if (cfg->type != SIO_IOMMU_VTD && cfg->type != SIO_IOMMU_SMMUV3)
		return false;
	if (cfg->pasid_bits > SIO_PASID_BITS_MAX)
		return false;
	return !(cfg->caps &
		 ~(unsigned int)(SIO_DEV_CAP_PRI | SIO_DEV_CAP_ATS | SIO_DEV_CAP_DIRTY));
}

/* Whether @cfg collides with a live function. Table lock held. */
static bool collides_locked(const struct sio_pcidev_cfg *cfg)
{
	unsigned int i;

	for (i = 0; i < SIO_PCIDEV_MAX; i++) {
		const struct sio_pcidev *p = table[i];

		if (!p)
			continue;
		if (p->cfg.segment == cfg->segment && p->cfg.bus == cfg->bus &&
		    p->cfg.devfn == cfg->devfn)
			return true;
		/* One IOMMU per type: a RID names one device on it. */
		if (p->cfg.type == cfg->type && sio_pcidev_rid(&p->cfg) == sio_pcidev_rid(cfg))
			return true;
	}
	return false;
}

int sio_pcidev_create(const struct sio_pcidev_cfg *cfg)
{
	struct sio_iommu_dev_cfg hw_cfg = { 0 };
	struct sio_pcidev *pdev;
	unsigned int i;
	int rc;

	if (!cfg_valid(cfg))
		return -EINVAL;
	pdev = calloc(1, sizeof(*pdev));
	if (!pdev)
		return -ENOMEM;
	pdev->cfg = *cfg;
	pdev->pri = sio_pri_fn_alloc();
	if (!pdev->pri) {
		rc = -ENOMEM;
		goto err_free;
	}
	pdev->fault = sio_dev_fault_fn_alloc();
	if (!pdev->fault) {
		rc = -ENOMEM;
		goto err_free;
	}
	pdev->iommu = sio_machine_iommu(cfg->type);
	if (!pdev->iommu) {
		rc = -ENOMEM;
		goto err_free;
	}
	hw_cfg.rid = sio_pcidev_rid(cfg);
	hw_cfg.pasid_bits = cfg->pasid_bits;
	hw_cfg.caps = cfg->caps;
	rc = sio_iommu_dev_create(pdev->iommu, &hw_cfg, &pdev->hw);
	if (rc)
		goto err_free;

	pthread_rwlock_wrlock(table_lock);
	if (collides_locked(cfg)) {
		rc = -EEXIST;
		goto err_unlock;
	}
	for (i = 0; i < SIO_PCIDEV_MAX && table[i]; i++)
		;
	if (i == SIO_PCIDEV_MAX) {
		rc = -ENOSPC;
		goto err_unlock;
	}
	pdev->index = i;
	__atomic_store_n(&table[i], pdev, __ATOMIC_RELEASE);
	__atomic_add_fetch(&ndevs, 1, __ATOMIC_RELEASE);
	pthread_rwlock_unlock(table_lock);
	return (int)i;

err_unlock:
	pthread_rwlock_unlock(table_lock);
	sio_iommu_dev_destroy(pdev->hw);
err_free:
	sio_dev_fault_fn_free(pdev->fault);
	sio_pri_fn_put(pdev->pri);
	free(pdev);
	return rc;
}

int sio_pcidev_destroy(unsigned int index)
{
	struct sio_pcidev *pdev;

	if (index >= SIO_PCIDEV_MAX)
		return -ENODEV;
	pthread_rwlock_wrlock(table_lock);
	pdev = table[index];
	if (!pdev) {
		pthread_rwlock_unlock(table_lock);
		return -ENODEV;
	}
	/* Opens are taken under the read lock: none can appear now. */
	if (__atomic_load_n(&pdev->opens, __ATOMIC_ACQUIRE)) {
		pthread_rwlock_unlock(table_lock);
		return -EBUSY;
	}
	__atomic_store_n(&table[index], NULL, __ATOMIC_RELEASE);
	__atomic_sub_fetch(&ndevs, 1, __ATOMIC_RELEASE);
	pthread_rwlock_unlock(table_lock);
	/* No reader can hold it any more, and no fd refers to it. */
	sio_iommu_dev_destroy(pdev->hw);
	/* Its handler's unanswered groups end with INVALID. */
	sio_dev_fault_fn_free(pdev->fault);
	sio_pri_fn_put(pdev->pri);
	free(pdev);
	return 0;
}

struct sio_pcidev *sio_pcidev_open(unsigned int index)
{
	struct sio_pcidev *pdev;

	pdev = sio_pcidev_read_lock(index);
	if (!pdev)
		return NULL;
	__atomic_add_fetch(&pdev->opens, 1, __ATOMIC_ACQ_REL);
	sio_pcidev_read_unlock();
	return pdev;
}

void sio_pcidev_close(struct sio_pcidev *pdev)
{
	__atomic_sub_fetch(&pdev->opens, 1, __ATOMIC_ACQ_REL);
}

struct sio_pcidev *sio_pcidev_read_lock(unsigned int index)
{
	struct sio_pcidev *pdev;

	if (index >= SIO_PCIDEV_MAX)
		return NULL;
	pthread_rwlock_rdlock(table_lock);
	pdev = table[index];
	if (!pdev)
		pthread_rwlock_unlock(table_lock);
	return pdev;
}

void sio_pcidev_read_unlock(void)
{
	pthread_rwlock_unlock(table_lock);
}

int sio_pcidev_get_cfg(unsigned int index, struct sio_pcidev_cfg *cfg)
{
	struct sio_pcidev *pdev = sio_pcidev_read_lock(index);

	if (!pdev)
		return -ENODEV;
	*cfg = pdev->cfg;
	sio_pcidev_read_unlock();
	return 0;
}

int sio_pcidev_next(int from)
{
	int i;

	if (from < 0)
		from = 0;
	for (i = from; i < SIO_PCIDEV_MAX; i++)
		if (__atomic_load_n(&table[i], __ATOMIC_ACQUIRE))
			return i;
	return -1;
}

int sio_pcidev_find(uint16_t segment, uint8_t bus, uint8_t devfn)
{
	int i, found = -1;

	if (!sio_pcidev_any())
		return -1;
	pthread_rwlock_rdlock(table_lock);
	for (i = 0; i < SIO_PCIDEV_MAX && found < 0; i++) {
		const struct sio_pcidev *p = table[i];

		if (p && p->cfg.segment == segment && p->cfg.bus == bus && p->cfg.devfn == devfn)
			found = i;
	}
	pthread_rwlock_unlock(table_lock);
	return found;
}

bool sio_pcidev_any(void)
{
	return __atomic_load_n(&ndevs, __ATOMIC_ACQUIRE) != 0;
}

/*
 * The report runs outside the table lock (it takes device locks); the
 * context pointer is only compared with those of bound devices there.
 */
void sio_pcidev_report_fault(unsigned int index, const struct sio_fault *f, bool requested)
{
	struct sio_pcidev *pdev = sio_pcidev_read_lock(index);
	struct sio_iommu_dev *hw;

	if (!pdev)
		return;
	if (!requested)
		sio_dev_fault_report_unrecov(pdev, f);
	hw = pdev->hw;
	sio_pcidev_read_unlock();
	sio_device_report_fault(hw, f);
}

void sio_pcidev_bind_lock(void)
{
	pthread_mutex_lock(bind_lock);
}

void sio_pcidev_bind_unlock(void)
{
	pthread_mutex_unlock(bind_lock);
}

/*
 * A forked child may inherit either lock held by a thread it does not have.
 * It is single-threaded here, and every table update is one pointer store,
 * so it simply switches to fresh locks (the old ones are never touched
 * again). Bindings the child inherits belong to contexts that are foreign to
 * it and are never used there. If an allocation fails the old lock is
 * re-initialised in place instead. Each function's fault handler lock is
 * re-initialised too.
 */
static void atfork_child(void)
{
	pthread_rwlock_t *rw = malloc(sizeof(*rw));
	pthread_mutex_t *mx = malloc(sizeof(*mx));
	pthread_rwlockattr_t attr;
	unsigned int i;

	for (i = 0; i < SIO_PCIDEV_MAX; i++)
		if (table[i])
			sio_dev_fault_fn_atfork_child(table[i]->fault);

	pthread_rwlockattr_init(&attr);
#ifdef PTHREAD_RWLOCK_WRITER_NONRECURSIVE_INITIALIZER_NP
	pthread_rwlockattr_setkind_np(&attr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
#endif
	if (rw && !pthread_rwlock_init(rw, &attr)) {
		table_lock = rw;
	} else {
		free(rw);
		pthread_rwlock_init(table_lock, &attr);
	}
	pthread_rwlockattr_destroy(&attr);
	if (mx && !pthread_mutex_init(mx, NULL)) {
		bind_lock = mx;
	} else {
		free(mx);
		pthread_mutex_init(bind_lock, NULL);
	}
}

__attribute__((constructor)) static void pcidev_init(void)
{
	pthread_atfork(NULL, NULL, atfork_child);
}
