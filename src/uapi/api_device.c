/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The exported device API (include/softiommu/softiommu.h, "Emulated
 * devices"): creating and destroying the machine's PCI functions, their
 * textual descriptions, path redirection, DMA by a device emulator, and the
 * counters of the IOMMU behind a function.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <softiommu/softiommu.h>

#include "base/compiler.h"
#include "base/log.h"
#include "base/uaccess.h"
#include "core/fault.h"
#include "core/pcidev.h"
#include "core/pri.h"
#include "uapi/nodes.h"
#include "uapi/sysfs.h"

#define DEVICES_ENV "SOFTIOMMU_DEVICES"
/* Longest single description sio_device_parse() accepts. */
#define SPEC_MAX 256
/* Longest page request response timeout (sio_dev_pri_set_timeout()): a day. */
#define PRI_TIMEOUT_MS_MAX 86400000u

_Static_assert(SIO_DEVICE_MAX == SIO_PCIDEV_MAX, "device table size");
_Static_assert(SIO_DEVICE_PASID_BITS_MAX == SIO_PASID_BITS_MAX, "PASID width");
_Static_assert(SIO_NO_PASID_VAL == SIO_NO_PASID, "no-PASID value");
_Static_assert(sizeof(struct sio_device_desc) == 32, "struct sio_device_desc size");
_Static_assert(SIO_DEV_PRI_TIMEOUT_MS_DEFAULT == SIO_PRI_DEFAULT_TIMEOUT_MS, "default timeout");

static int set_errno(int neg)
{
	errno = -neg;
	return -1;
}

/* ------------------------------------------------------------ description */

static int desc_to_cfg(const struct sio_device_desc *d, struct sio_pcidev_cfg *cfg)
{
	unsigned int i;

	if (d->flags & ~(uint32_t)(SIO_DEVICE_PRI | SIO_DEVICE_ATS | SIO_DEVICE_NO_DIRTY))
		return -EINVAL;
	if (d->dev > 31 || d->fn > 7 || d->pasid_bits > SIO_DEVICE_PASID_BITS_MAX)
		return -EINVAL;
	if (d->__reserved0[0] || d->__reserved0[1])
		return -EINVAL;
	for (i = 0; i < ARRAY_SIZE(d->__reserved); i++)
		if (d->__reserved[i])
			return -EINVAL;
	memset(cfg, 0, sizeof(*cfg));
	switch (d->iommu) {
	case SIO_DEVICE_IOMMU_VTD:
		cfg->type = SIO_IOMMU_VTD;
		break;
	case SIO_DEVICE_IOMMU_SMMUV3:
		cfg->type = SIO_IOMMU_SMMUV3;
		break;
	default:
		return -EINVAL;
	}
	cfg->segment = d->segment;
	cfg->bus = d->bus;
	cfg->devfn = (uint8_t)(d->dev << 3 | d->fn);
	cfg->pasid_bits = d->pasid_bits;
	if (d->flags & SIO_DEVICE_PRI)
		cfg->caps |= SIO_DEV_CAP_PRI;
	if (d->flags & SIO_DEVICE_ATS)
		cfg->caps |= SIO_DEV_CAP_ATS;
	if (!(d->flags & SIO_DEVICE_NO_DIRTY))
		cfg->caps |= SIO_DEV_CAP_DIRTY;
	return 0;
}

static void cfg_to_desc(const struct sio_pcidev_cfg *cfg, struct sio_device_desc *d)
{
	memset(d, 0, sizeof(*d));
	d->iommu = cfg->type == SIO_IOMMU_VTD ? SIO_DEVICE_IOMMU_VTD : SIO_DEVICE_IOMMU_SMMUV3;
	d->segment = cfg->segment;
	d->bus = cfg->bus;
	d->dev = cfg->devfn >> 3;
	d->fn = cfg->devfn & 7;
	d->pasid_bits = (uint8_t)cfg->pasid_bits;
	if (cfg->caps & SIO_DEV_CAP_PRI)
		d->flags |= SIO_DEVICE_PRI;
	if (cfg->caps & SIO_DEV_CAP_ATS)
		d->flags |= SIO_DEVICE_ATS;
	if (!(cfg->caps & SIO_DEV_CAP_DIRTY))
		d->flags |= SIO_DEVICE_NO_DIRTY;
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Parse exactly the hex digits of [s, end) (1 to @max_digits of them). */
static bool parse_hex(const char *s, const char *end, unsigned int max_digits, unsigned long *v)
{
	*v = 0;
	if (s == end || (size_t)(end - s) > max_digits)
		return false;
	for (; s < end; s++) {
		int d;

		if (*s >= '0' && *s <= '9')
			d = *s - '0';
		else if (*s >= 'a' && *s <= 'f')
			d = *s - 'a' + 10;
		else if (*s >= 'A' && *s <= 'F')
			d = *s - 'A' + 10;
		else
			return false;
		*v = *v * 16 + (unsigned long)d;
	}
	return true;
}

/* "[SSSS:]BB:DD.F", hexadecimal, as lspci and sysfs print it. */
static bool parse_bdf(const char *s, struct sio_device_desc *d)
{
	const char *c1 = strchr(s, ':'), *c2, *dot;
	unsigned long seg = 0, bus, dev, fn;

	if (!c1)
		return false;
	c2 = strchr(c1 + 1, ':');
	if (c2) {
		if (!parse_hex(s, c1, 4, &seg))
			return false;
		s = c1 + 1;
		c1 = c2;
	}
	dot = strchr(c1 + 1, '.');
	if (!dot || !parse_hex(s, c1, 2, &bus) || !parse_hex(c1 + 1, dot, 2, &dev) ||
	    !parse_hex(dot + 1, dot + 1 + strlen(dot + 1), 1, &fn) || dev > 31 || fn > 7)
		return false;
	d->segment = (uint16_t)seg;
	d->bus = (uint8_t)bus;
	d->dev = (uint8_t)dev;
	d->fn = (uint8_t)fn;
	return true;
}

static bool parse_dec(const char *s, unsigned long max, unsigned long *v)
{
	*v = 0;
	if (!*s)
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return false;
		*v = *v * 10 + (unsigned long)(*s - '0');
		if (*v > max)
			return false;
	}
	return true;
}

/* One option of a description ("key=value" or a flag), blanks trimmed. */
static bool parse_option(char *opt, struct sio_device_desc *d, bool *have_bdf)
{
	char *val = strchr(opt, '=');
	unsigned long v;

	if (val)
		*val++ = '\0';
	if (!strcmp(opt, "bdf") && val) {
		*have_bdf = parse_bdf(val, d);
		return *have_bdf;
	}
	if (!strcmp(opt, "pasid") && val) {
		if (!parse_dec(val, SIO_DEVICE_PASID_BITS_MAX, &v))
			return false;
		d->pasid_bits = (uint8_t)v;
		return true;
	}
	if (val)
		return false;
	if (!strcmp(opt, "pri"))
		d->flags |= SIO_DEVICE_PRI;
	else if (!strcmp(opt, "ats"))
		d->flags |= SIO_DEVICE_ATS;
	else if (!strcmp(opt, "dirty"))
		d->flags &= ~(uint32_t)SIO_DEVICE_NO_DIRTY;
	else if (!strcmp(opt, "nodirty"))
		d->flags |= SIO_DEVICE_NO_DIRTY;
	else
		return false;
	return true;
}

/* Parse a trusted, writable, NUL-terminated description. */
static int parse_spec(char *spec, struct sio_device_desc *out)
{
	struct sio_device_desc d;
	bool have_bdf = false;
	char *tok, *save = NULL;
	bool first = true;

	memset(&d, 0, sizeof(d));
	for (tok = strtok_r(spec, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *end = tok + strlen(tok);

		while (is_blank(*tok))
			tok++;
		while (end > tok && is_blank(end[-1]))
			*--end = '\0';
		if (first) {
			if (!strcmp(tok, "vtd"))
				d.iommu = SIO_DEVICE_IOMMU_VTD;
			else if (!strcmp(tok, "smmuv3"))
				d.iommu = SIO_DEVICE_IOMMU_SMMUV3;
			else
				return -EINVAL;
			first = false;
		} else if (!parse_option(tok, &d, &have_bdf)) {
			return -EINVAL;
		}
	}
	if (first || !have_bdf)
		return -EINVAL;
	*out = d;
	return 0;
}

SIO_EXPORT int sio_device_parse(const char *spec, struct sio_device_desc *desc)
{
	struct sio_device_desc d;
	char buf[SPEC_MAX + 1];
	size_t len;
	int rc;

	for (len = 0;; len++) {
		if (len > SPEC_MAX)
			return set_errno(-EINVAL);
		if (sio_copy_from_user(&buf[len], (uintptr_t)spec + len, 1))
			return set_errno(-EFAULT);
		if (!buf[len])
			break;
	}
	rc = parse_spec(buf, &d);
	if (rc)
		return set_errno(rc);
	if (sio_copy_to_user((uintptr_t)desc, &d, sizeof(d)))
		return set_errno(-EFAULT);
	return 0;
}

/* ---------------------------------------------------------------- devices */

static int device_create(const struct sio_device_desc *desc)
{
	struct sio_pcidev_cfg cfg;
	int index, rc;

	rc = desc_to_cfg(desc, &cfg);
	if (rc)
		return rc;
	sio_sysfs_lock();
	index = sio_pcidev_create(&cfg);
	if (index >= 0) {
		rc = sio_sysfs_add((unsigned int)index, &cfg);
		if (rc) {
			sio_pcidev_destroy((unsigned int)index);
			index = rc;
		}
	}
	sio_sysfs_unlock();
	return index;
}

SIO_EXPORT int sio_device_create(const struct sio_device_desc *desc)
{
	struct sio_device_desc d;
	int index;

	if (sio_copy_from_user(&d, (uintptr_t)desc, sizeof(d)))
		return set_errno(-EFAULT);
	index = device_create(&d);
	return index < 0 ? set_errno(index) : index;
}

SIO_EXPORT int sio_device_destroy(int index)
{
	struct sio_pcidev_cfg cfg;
	int rc;

	if (index < 0 || index >= SIO_DEVICE_MAX)
		return set_errno(-ENODEV);
	sio_sysfs_lock();
	rc = sio_pcidev_get_cfg((unsigned int)index, &cfg);
	if (!rc)
		rc = sio_pcidev_destroy((unsigned int)index);
	if (!rc)
		sio_sysfs_remove((unsigned int)index, &cfg);
	sio_sysfs_unlock();
	return rc ? set_errno(rc) : 0;
}

SIO_EXPORT int sio_device_query(int index, struct sio_device_desc *desc)
{
	struct sio_pcidev_cfg cfg;
	struct sio_device_desc d;

	if (index < 0 || sio_pcidev_get_cfg((unsigned int)index, &cfg))
		return set_errno(-ENODEV);
	cfg_to_desc(&cfg, &d);
	if (sio_copy_to_user((uintptr_t)desc, &d, sizeof(d)))
		return set_errno(-EFAULT);
	return 0;
}

SIO_EXPORT int sio_device_next(int from)
{
	return sio_pcidev_next(from);
}

SIO_EXPORT int sio_devices_from_env(void)
{
	const char *env = getenv(DEVICES_ENV);
	int created = 0;

	if (!env)
		return 0;
	while (*env) {
		size_t len = strcspn(env, ";\n");
		struct sio_device_desc d;
		char spec[SPEC_MAX + 1];
		const char *s = env;
		int rc;

		env += len + (env[len] != '\0');
		while (len && is_blank(*s)) {
			s++;
			len--;
		}
		if (!len || *s == '#')
			continue;
		if (len > SPEC_MAX) {
			sio_err("%s: description too long", DEVICES_ENV);
			return set_errno(-EINVAL);
		}
		memcpy(spec, s, len);
		spec[len] = '\0';
		rc = parse_spec(spec, &d);	/* tokenises @spec */
		if (!rc)
			rc = device_create(&d);
		memcpy(spec, s, len);
		if (rc < 0) {
			sio_err("%s: \"%s\": %s", DEVICES_ENV, spec, strerror(-rc));
			return set_errno(rc);
		}
		sio_info("%s: \"%s\" is /dev/vfio/devices/vfio%d", DEVICES_ENV, spec, rc);
		created++;
	}
	return created;
}

SIO_EXPORT int sio_path_redirect(const char *path, char *out, size_t out_size)
{
	char norm[PATH_MAX], real[PATH_MAX];
	size_t len;
	int rc;

	/* The common case (no machine devices) never looks at @path. */
	if (!sio_pcidev_any())
		return 0;
	rc = sio_normalise_path(path, norm, sizeof(norm));
	if (rc == -ENOENT)
		return 0;	/* "": nothing to redirect */
	if (rc)
		return set_errno(rc);
	rc = sio_sysfs_redirect(norm, real, sizeof(real));
	if (rc <= 0)
		return rc ? set_errno(rc) : 0;
	len = strlen(real) + 1;
	if (len > out_size)
		return set_errno(-ENAMETOOLONG);
	if (sio_copy_to_user((uintptr_t)out, real, len))
		return set_errno(-EFAULT);
	return 1;
}

/* -------------------------------------------------------------------- DMA */

/* The calling thread's last fault, with the function it happened on. */
static __thread struct {
	bool valid;
	int index;
	struct sio_dma_fault fault;
} last_fault;

static uint32_t access_to_api(unsigned int access)
{
	return ((access & SIO_PT_R) ? SIO_DMA_READ : 0) |
	       ((access & SIO_PT_W) ? SIO_DMA_WRITE : 0) |
	       ((access & SIO_PT_X) ? SIO_DMA_EXEC : 0) |
	       ((access & SIO_PT_PRIV) ? SIO_DMA_PRIV : 0);
}

static uint32_t reason_to_api(enum sio_fault_reason r)
{
	switch (r) {
	case SIO_FAULT_BLOCKED:
		return SIO_DMA_FAULT_BLOCKED;
	case SIO_FAULT_PASID_INVALID:
		return SIO_DMA_FAULT_PASID;
	case SIO_FAULT_APERTURE:
		return SIO_DMA_FAULT_APERTURE;
	case SIO_FAULT_RANGE:
		return SIO_DMA_FAULT_RANGE;
	case SIO_FAULT_NOT_PRESENT:
		return SIO_DMA_FAULT_NOT_PRESENT;
	case SIO_FAULT_PERM:
		return SIO_DMA_FAULT_PERM;
	case SIO_FAULT_RESERVED:
		return SIO_DMA_FAULT_RESERVED;
	case SIO_FAULT_ACCESS_FLAG:
		return SIO_DMA_FAULT_ACCESS_FLAG;
	case SIO_FAULT_ADDR_SIZE:
		return SIO_DMA_FAULT_ADDR_SIZE;
	case SIO_FAULT_TABLE_READ:
		return SIO_DMA_FAULT_TABLE_READ;
	case SIO_FAULT_AD_UPDATE:
		return SIO_DMA_FAULT_AD_UPDATE;
	case SIO_FAULT_BAD_STE:
		return SIO_DMA_FAULT_BAD_STE;
	case SIO_FAULT_BAD_CD:
		return SIO_DMA_FAULT_BAD_CD;
	case SIO_FAULT_CD_FETCH:
		return SIO_DMA_FAULT_CD_FETCH;
	case SIO_FAULT_BAD_SUBSTREAMID:
		return SIO_DMA_FAULT_BAD_SUBSTREAMID;
	case SIO_FAULT_NONE:
		break;
	}
	return SIO_DMA_FAULT_NOT_PRESENT;
}

/*
 * Record what the IOMMU reported for a refused access (@requested: it was
 * a page request, answered or timed out).
 */
static void record_iommu_fault(int index, const struct sio_fault *f, uint64_t done,
			       bool requested)
{
	struct sio_dma_fault *out = &last_fault.fault;

	memset(out, 0, sizeof(*out));
	out->reason = reason_to_api(f->reason);
	out->access = access_to_api(f->access);
	out->rid = f->rid;
	out->pasid = f->pasid_valid ? f->pasid : SIO_NO_PASID_VAL;
	out->iova = f->iova;
	out->done = done;
	out->level = f->level;
	out->stage = f->stage;
	last_fault.index = index;
	last_fault.valid = true;
	sio_pcidev_report_fault((unsigned int)index, f, requested);
}

/* Record a bus error: translated, but the memory could not be accessed. */
static void record_bus_fault(int index, uint32_t rid, uint32_t pasid, uint64_t iova,
			     unsigned int access, uint64_t done)
{
	struct sio_dma_fault *out = &last_fault.fault;

	memset(out, 0, sizeof(*out));
	out->reason = SIO_DMA_FAULT_BUS;
	out->access = access_to_api(access);
	out->rid = rid;
	out->pasid = pasid;
	out->iova = iova + done;
	out->done = done;
	out->stage = 1;
	last_fault.index = index;
	last_fault.valid = true;
}

/*
 * A DMA or translation of a function in progress: how far it got and how
 * its last attempt failed. A page request (core/pri.h) suspends it until
 * the response; it then goes on from @done. One thread at a time owns it:
 * the caller's, then (asynchronous, after a page request) the page request
 * thread's, handed over by sio_pri_wait_async() under the PRI lock.
 */
struct dev_op {
	int index;
	bool write;
	bool xlate;			/* sio_dev_translate(): @access, result in @xl */
	bool prq_overflow;		/* the last fault's page request was dropped */
	bool requested;			/* the last fault became a page request */
	uint32_t pasid;
	uint64_t iova;
	char *buf;
	size_t len;
	size_t done;			/* bytes transferred */
	unsigned int access;		/* enum sio_pt_access */
	unsigned int caps;		/* the function's enum sio_dev_cap */
	uint32_t rid;
	struct sio_xlate xl;		/* the last translation, or its fault */
	sio_dma_done_fn cb;		/* asynchronous: the caller's completion */
	void *cb_arg;
};

/*
 * One attempt from op->done. Return: 0, -EACCES (op->xl.fault), -EFAULT
 * (bus error), -ENODEV, -EINVAL.
 */
static int op_attempt(struct dev_op *op)
{
	bool has_pasid = op->pasid != SIO_NO_PASID_VAL;
	struct sio_pcidev *pdev;
	size_t done = 0;
	int rc;

	pdev = sio_pcidev_read_lock((unsigned int)op->index);
	if (!pdev)
		return -ENODEV;
	if (op->xlate)
		rc = sio_iommu_translate(pdev->hw, has_pasid, op->pasid, op->iova, op->access,
					 &op->xl);
	else if (op->write)
		rc = sio_dma_write(pdev->hw, has_pasid, op->pasid, op->iova + op->done,
				   op->buf + op->done, op->len - op->done, &done, &op->xl);
	else
		rc = sio_dma_read(pdev->hw, has_pasid, op->pasid, op->iova + op->done,
				  op->buf + op->done, op->len - op->done, &done, &op->xl);
	op->rid = sio_iommu_dev_rid(pdev->hw);
	op->caps = pdev->cfg.caps;
	sio_pcidev_read_unlock();
	op->done += done;
	return rc;
}

/*
 * Run @op until it ends or waits for a page request response. Return: 1
 * with *g (waiting), or how it ended (op_attempt(); -ENOMEM).
 */
static int op_run(struct dev_op *op, struct sio_pri_group **g)
{
	struct sio_pri_req rq;
	int rc;

	op->requested = false;
	rc = op_attempt(op);
	/* Most faults are not page requests: those skip the bind lock. */
	if (rc != -EACCES || !(op->caps & SIO_DEV_CAP_PRI))
		return rc;
	rq.has_pasid = op->pasid != SIO_NO_PASID_VAL;
	rq.pasid = op->pasid;
	rq.access = op->access;
	rq.end = op->xlate ? op->iova + 1 : op->iova + op->len;
	rc = sio_pri_request((unsigned int)op->index, &rq, &op->xl.fault, g);
	if (!rc) {
		op->requested = true;
		return 1;
	}
	if (rc == -ENOSPC) {
		op->prq_overflow = true;
		rc = -EACCES;
	}
	return rc;
}

/* What a completed wait means for @op: go on (0), or how it ends. */
static int op_resume(int result)
{
	if (result == -ETIMEDOUT)
		return -ETIMEDOUT;
	return result == SIO_IOPF_RESP_SUCCESS ? 0 : -EACCES;
}

/* Run @op to its end in the calling thread. */
static int op_run_sync(struct dev_op *op)
{
	struct sio_pri_group *g;
	int rc;

	for (;;) {
		rc = op_run(op, &g);
		if (rc != 1)
			return rc;
		rc = op_resume(sio_pri_wait(g));
		if (rc)
			return rc;
	}
}

/* The end of @op in the calling thread: the fault record and errno. */
static ssize_t op_finish(struct dev_op *op, int rc)
{
	switch (rc) {
	case 0:
		return op->xlate ? 0 : (ssize_t)op->len;
	case -EACCES:
	case -ETIMEDOUT:
		record_iommu_fault(op->index, &op->xl.fault, op->done, op->requested);
		if (op->prq_overflow)
			last_fault.fault.reason = SIO_DMA_FAULT_PRQ_OVERFLOW;
		return set_errno(rc == -EACCES ? -EFAULT : rc);
	case -EFAULT:
		record_bus_fault(op->index, op->rid, op->pasid, op->iova,
				 op->write ? SIO_PT_W : SIO_PT_R, op->done);
		return set_errno(-EFAULT);
	default:
		return set_errno(rc);
	}
}

static int op_init(struct dev_op *op, int index, uint32_t pasid, uint64_t iova, void *buf,
		   size_t len, bool write)
{
	uint64_t last;

	if (index < 0)
		return -ENODEV;
	if (len > SSIZE_MAX || (len && check_add_overflow(iova, (uint64_t)len - 1, &last)))
		return -EINVAL;
	memset(op, 0, sizeof(*op));
	op->index = index;
	op->write = write;
	op->pasid = pasid;
	op->iova = iova;
	op->buf = buf;
	op->len = len;
	op->access = write ? SIO_PT_W : SIO_PT_R;
	return 0;
}

static ssize_t dev_dma(int index, uint32_t pasid, uint64_t iova, void *buf, size_t len,
		       bool write)
{
	struct dev_op op;
	int rc;

	rc = op_init(&op, index, pasid, iova, buf, len, write);
	if (rc)
		return set_errno(rc);
	return op_finish(&op, op_run_sync(&op));
}

SIO_EXPORT ssize_t sio_dev_dma_read(int index, uint32_t pasid, uint64_t iova, void *buf,
				    size_t len)
{
	return dev_dma(index, pasid, iova, buf, len, false);
}

SIO_EXPORT ssize_t sio_dev_dma_write(int index, uint32_t pasid, uint64_t iova, const void *buf,
				     size_t len)
{
	return dev_dma(index, pasid, iova, (void *)buf, len, true);
}

/* Call the caller's completion of an asynchronous @op and free it. */
static void op_complete_async(struct dev_op *op, int rc)
{
	ssize_t res = op_finish(op, rc);

	op->cb(op->cb_arg, res, res < 0 ? errno : 0);
	free(op);
}

/* A wait of an asynchronous @op ended (on the page request thread). */
static void op_async_resumed(void *arg, int result)
{
	struct dev_op *op = arg;
	struct sio_pri_group *g;
	int rc;

	rc = op_resume(result);
	while (!rc) {
		rc = op_run(op, &g);
		if (rc != 1)
			break;
		rc = sio_pri_wait_async(g, op_async_resumed, op);
		if (!rc)
			return;
	}
	op_complete_async(op, rc);
}

static int dev_dma_async(int index, uint32_t pasid, uint64_t iova, void *buf, size_t len,
			 bool write, sio_dma_done_fn done, void *arg)
{
	struct sio_pri_group *g;
	struct dev_op *op;
	int rc;

	if (!done)
		return set_errno(-EINVAL);
	op = malloc(sizeof(*op));
	if (!op)
		return set_errno(-ENOMEM);
	rc = op_init(op, index, pasid, iova, buf, len, write);
	if (rc)
		goto err_free;
	op->cb = done;
	op->cb_arg = arg;
	rc = op_run(op, &g);
	if (rc == -ENODEV && !op->done)
		goto err_free;
	if (rc == 1) {
		rc = sio_pri_wait_async(g, op_async_resumed, op);
		if (!rc)
			return 0;
	}
	op_complete_async(op, rc);
	return 0;

err_free:
	free(op);
	return set_errno(rc);
}

SIO_EXPORT int sio_dev_dma_read_async(int index, uint32_t pasid, uint64_t iova, void *buf,
				      size_t len, sio_dma_done_fn done, void *arg)
{
	return dev_dma_async(index, pasid, iova, buf, len, false, done, arg);
}

SIO_EXPORT int sio_dev_dma_write_async(int index, uint32_t pasid, uint64_t iova,
				       const void *buf, size_t len, sio_dma_done_fn done,
				       void *arg)
{
	return dev_dma_async(index, pasid, iova, (void *)buf, len, true, done, arg);
}

SIO_EXPORT int sio_dev_translate(int index, uint32_t pasid, uint64_t iova, unsigned int access,
				 struct sio_dev_xlate *out)
{
	const unsigned int all = SIO_DMA_READ | SIO_DMA_WRITE | SIO_DMA_EXEC | SIO_DMA_PRIV;
	struct sio_dev_xlate res;
	struct dev_op op;
	ssize_t rc;

	if (index < 0)
		return set_errno(-ENODEV);
	if ((access & ~all) || !(access & (SIO_DMA_READ | SIO_DMA_WRITE | SIO_DMA_EXEC)))
		return set_errno(-EINVAL);
	memset(&op, 0, sizeof(op));
	op.index = index;
	op.xlate = true;
	op.pasid = pasid;
	op.iova = iova;
	op.access = ((access & SIO_DMA_READ) ? SIO_PT_R : 0) |
		    ((access & SIO_DMA_WRITE) ? SIO_PT_W : 0) |
		    ((access & SIO_DMA_EXEC) ? SIO_PT_X : 0) |
		    ((access & SIO_DMA_PRIV) ? SIO_PT_PRIV : 0);
	rc = op_finish(&op, op_run_sync(&op));
	if (rc)
		return -1;
	memset(&res, 0, sizeof(res));
	res.addr = op.xl.pa;
	res.page_size = 1ull << op.xl.size_lg2;
	res.perm = access_to_api(op.xl.perm);
	if (sio_copy_to_user((uintptr_t)out, &res, sizeof(res)))
		return set_errno(-EFAULT);
	return 0;
}

/* ------------------------------------------------------- page request setup */

SIO_EXPORT int sio_dev_pri_set_timeout(int index, unsigned int timeout_ms)
{
	struct sio_pcidev *pdev;

	if (timeout_ms > PRI_TIMEOUT_MS_MAX || (index < 0 && !timeout_ms))
		return set_errno(-EINVAL);
	if (index == -1) {
		sio_pri_set_default_timeout(timeout_ms);
		return 0;
	}
	if (index < 0)
		return set_errno(-ENODEV);
	pdev = sio_pcidev_read_lock((unsigned int)index);
	if (!pdev)
		return set_errno(-ENODEV);
	sio_pri_fn_set_timeout(pdev->pri, timeout_ms);
	sio_pcidev_read_unlock();
	return 0;
}

SIO_EXPORT int sio_dev_pri_set_queue_depth(int index, unsigned int depth)
{
	struct sio_pcidev *pdev;
	int rc;

	if (index < 0)
		return set_errno(-ENODEV);
	pdev = sio_pcidev_read_lock((unsigned int)index);
	if (!pdev)
		return set_errno(-ENODEV);
	rc = sio_iommu_prq_set_depth(pdev->iommu, depth);
	sio_pcidev_read_unlock();
	return rc ? set_errno(rc) : 0;
}

SIO_EXPORT int sio_dev_last_fault(int index, struct sio_dma_fault *out)
{
	if (!last_fault.valid || last_fault.index != index)
		return set_errno(-ENOENT);
	if (sio_copy_to_user((uintptr_t)out, &last_fault.fault, sizeof(*out)))
		return set_errno(-EFAULT);
	return 0;
}

SIO_EXPORT int sio_dev_iommu_stats(int index, struct sio_iommu_counters *out)
{
	struct sio_iommu_counters res;
	struct sio_iommu_stats st;
	struct sio_pcidev *pdev;

	if (index < 0)
		return set_errno(-ENODEV);
	pdev = sio_pcidev_read_lock((unsigned int)index);
	if (!pdev)
		return set_errno(-ENODEV);
	sio_iommu_get_stats(pdev->iommu, &st);
	sio_pcidev_read_unlock();
	memset(&res, 0, sizeof(res));
	res.iotlb_hits = st.iotlb_hits;
	res.iotlb_misses = st.iotlb_misses;
	res.walks = st.walks;
	res.table_loads = st.pte_loads;
	res.faults = st.faults;
	res.invalidations = st.invalidations;
	res.page_requests = st.page_requests;
	res.page_responses = st.page_responses;
	res.prq_overflows = st.prq_overflows;
	if (sio_copy_to_user((uintptr_t)out, &res, sizeof(res)))
		return set_errno(-EFAULT);
	return 0;
}
