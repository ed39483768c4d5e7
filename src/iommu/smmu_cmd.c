/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The SMMUv3 command executor (hw-model §2.8): configuration-cache and
 * IOTLB invalidation commands, run synchronously (CMD_SYNC is therefore a
 * plain completion point).
 *
 * Locking: configuration commands hold iommu->dev_lock while they look up
 * devices by SID and, inside it, each device's lock while they drop its
 * configurations (so a device cannot be destroyed meanwhile); the dropped
 * entries are freed after a grace period once both are released. TLBI
 * commands take no lock: a VMID names serials (never reused), and the IOTLB
 * invalidations are complete when they return (iotlb.h).
 */
#include <errno.h>

#include "iommu/iommu_priv.h"

#define FIELD(v, h, l)		(((v) >> (l)) & ((1ULL << ((h) - (l) + 1)) - 1))

#define OP_PREFETCH_CONFIG	0x01
#define OP_PREFETCH_ADDR	0x02
#define OP_CFGI_STE		0x03
#define OP_CFGI_STE_RANGE	0x04
#define OP_CFGI_CD		0x05
#define OP_CFGI_CD_ALL		0x06
#define OP_CFGI_ALL		0x07
#define OP_TLBI_NH_ALL		0x10
#define OP_TLBI_NH_ASID		0x11
#define OP_TLBI_NH_VA		0x12
#define OP_TLBI_NH_VAA		0x13
#define OP_TLBI_EL3_ALL		0x18
#define OP_TLBI_EL3_VA		0x1a
#define OP_TLBI_EL2_ALL		0x20
#define OP_TLBI_EL2_ASID	0x21
#define OP_TLBI_EL2_VA		0x22
#define OP_TLBI_EL2_VAA		0x23
#define OP_TLBI_S12_VMALL	0x28
#define OP_TLBI_S2_IPA		0x2a
#define OP_TLBI_NSNH_ALL	0x30
#define OP_ATC_INV		0x40
#define OP_PRI_RESP		0x41
#define OP_RESUME		0x44
#define OP_STALL_TERM		0x45
#define OP_CMD_SYNC		0x46

#define CMD0_SSEC		(1ULL << 10)
#define CMD0_NUM(c)		FIELD(c, 16, 12)
#define CMD0_SCALE(c)		FIELD(c, 24, 20)
#define CMD0_SSID(c)		((uint32_t)FIELD(c, 31, 12))
#define CMD0_SID(c)		((uint32_t)FIELD(c, 63, 32))
#define CMD0_VMID(c)		((uint32_t)FIELD(c, 47, 32))
#define CMD0_ASID(c)		((uint32_t)FIELD(c, 63, 48))
#define CMD1_RANGE(c)		FIELD(c, 4, 0)
#define CMD1_TG(c)		FIELD(c, 11, 10)
#define CMD1_ADDR(c)		((c) & ~0xfffULL)

enum cfgi_kind {
	CFGI_DEV,	/* every configuration of the devices in [sid_first, sid_last] */
	CFGI_ONE_CD,	/* the configurations read from CD[ssid] of device sid_first */
};

static void cfgi(struct sio_iommu *iommu, enum cfgi_kind kind, uint32_t sid_first,
		 uint32_t sid_last, uint32_t ssid)
{
	struct sio_smmu_cfg *dropped = NULL;
	struct sio_iommu_dev *dev;
	unsigned int h;

	pthread_mutex_lock(&iommu->dev_lock);
	for (h = 0; h < SIO_DEV_HASH; h++) {
		for (dev = iommu->dev_hash[h]; dev; dev = dev->hash_next) {
			if (dev->rid < sid_first || dev->rid > sid_last)
				continue;
			pthread_mutex_lock(&dev->lock);
			if (kind == CFGI_DEV)
				sio_smmu_cfg_drop_locked(dev, &dropped);
			else
				sio_smmu_cfg_drop_ssid_locked(dev, ssid, &dropped);
			pthread_mutex_unlock(&dev->lock);
		}
	}
	pthread_mutex_unlock(&iommu->dev_lock);
	sio_smmu_cfg_free_list(dropped);
}

/* The address range of a TLBI_NH_VA / NH_VAA / S2_IPA command. */
static void tlbi_range(const uint64_t cmd[2], uint64_t *first, uint64_t *last)
{
	uint64_t addr = CMD1_ADDR(cmd[1]), tg = CMD1_TG(cmd[1]), size;

	if (!tg)
		size = 1ULL << 12;
	else
		size = ((CMD0_NUM(cmd[0]) + 1) << CMD0_SCALE(cmd[0])) << (tg * 2 + 10);
	*first = addr;
	if (check_add_overflow(addr, size - 1, last))
		*last = UINT64_MAX;
}

int sio_smmu_cmd(struct sio_iommu *iommu, const uint64_t cmd[2])
{
	unsigned int op = (unsigned int)(cmd[0] & 0xff);
	struct sio_iotlb *t = &iommu->iotlb;
	uint64_t s1, s2, first, last;
	uint32_t sid = CMD0_SID(cmd[0]), mask;

	sio_stat_inc(iommu->stat_idx, SIO_STAT_INVAL);
	switch (op) {
	case OP_CFGI_STE:
	case OP_CFGI_STE_RANGE:
	case OP_CFGI_CD:
	case OP_CFGI_CD_ALL:
	case OP_CFGI_ALL:
		/* No secure stream table. */
		if (cmd[0] & CMD0_SSEC)
			return -EIO;
		break;
	default:
		break;
	}
	/* A VMID names a nest_parent domain (one with a stage-1 tag space), else nothing. */
	s1 = sio_iommu_did_s1_serial(iommu, CMD0_VMID(cmd[0]));
	s2 = s1 ? sio_iommu_did_serial(iommu, CMD0_VMID(cmd[0])) : 0;

	switch (op) {
	case OP_PREFETCH_CONFIG:
	case OP_PREFETCH_ADDR:
		return 0;
	case OP_CFGI_STE:
	case OP_CFGI_CD_ALL:
		cfgi(iommu, CFGI_DEV, sid, sid, 0);
		return 0;
	case OP_CFGI_STE_RANGE:
		mask = (uint32_t)((2ULL << CMD1_RANGE(cmd[1])) - 1);
		cfgi(iommu, CFGI_DEV, sid & ~mask, sid | mask, 0);
		return 0;
	case OP_CFGI_ALL:
		cfgi(iommu, CFGI_DEV, 0, UINT32_MAX, 0);
		return 0;
	case OP_CFGI_CD:
		cfgi(iommu, CFGI_ONE_CD, sid, sid, CMD0_SSID(cmd[0]));
		return 0;
	case OP_TLBI_NH_ALL:
		if (s1)
			sio_iotlb_inv_domain(t, s1);
		return 0;
	case OP_TLBI_NH_ASID:
		if (s1)
			sio_iotlb_inv_tag(t, sio_iotlb_tag(s1, true, CMD0_ASID(cmd[0])));
		return 0;
	case OP_TLBI_NH_VA:
		tlbi_range(cmd, &first, &last);
		if (s1)
			sio_iotlb_inv_tag_range(t, sio_iotlb_tag(s1, true, CMD0_ASID(cmd[0])),
						first, last);
		return 0;
	case OP_TLBI_NH_VAA:
		tlbi_range(cmd, &first, &last);
		if (s1)
			sio_iotlb_inv_range(t, s1, first, last);
		return 0;
	case OP_TLBI_S12_VMALL:
		if (s2)
			sio_iotlb_inv_domain(t, s2);
		if (s1)
			sio_iotlb_inv_domain(t, s1);
		return 0;
	case OP_TLBI_S2_IPA:
		/* Stage-2-only entries: the parent's own tags. Combined entries survive. */
		tlbi_range(cmd, &first, &last);
		if (s2)
			sio_iotlb_inv_range(t, s2, first, last);
		return 0;
	case OP_TLBI_NSNH_ALL:
		sio_iotlb_inv_all(t);
		return 0;
	case OP_TLBI_EL3_ALL:
	case OP_TLBI_EL3_VA:
	case OP_TLBI_EL2_ALL:
	case OP_TLBI_EL2_ASID:
	case OP_TLBI_EL2_VA:
	case OP_TLBI_EL2_VAA:
	case OP_ATC_INV:
	case OP_PRI_RESP:
	case OP_RESUME:
	case OP_STALL_TERM:
	case OP_CMD_SYNC:
		/* No EL2/EL3 translations, ATS cache, PRI or stalls are modelled. */
		return 0;
	default:
		return -EIO;
	}
}
