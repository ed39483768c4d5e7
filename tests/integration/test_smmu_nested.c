/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SMMUv3 nesting through the ABI, in the order QEMU's accelerated vSMMU
 * issues it (clients-and-preload.md, the nested ARM path; hw-model §4.2,
 * §5.3): GET_HW_INFO, a NEST_PARENT stage 2 over guest RAM, a vIOMMU on it,
 * abort and bypass nested HWPTs, a vDEVICE for the guest's stream ID, a
 * nested HWPT carrying the guest STE attached by replace, guest CDs and
 * VMSA stage-1 tables in guest RAM, invalidation with raw guest commands
 * through the vIOMMU, QEMU's teardown order, and the events DMA faults put
 * on the vIOMMU's ARM_SMMUV3 vEVENTQ (iommufd-abi §8; hw-model §2.9, §4.2):
 * the stage-1 and configuration events Linux forwards, with the vSID,
 * and none for stage-2 faults, CD.R = 0 or an abort STE. Also: closing the
 * device's cdev destroys its vDEVICE and tombstones the ID (iommufd-abi
 * §3.3), and PASID attachments against nested STEs at the RID (§5).
 */
#include <endian.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <softiommu/softiommu.h>
#include <softiommu/uapi/iommufd.h>
#include <softiommu/uapi/vfio.h>

#define HARNESS_ISOLATE
#include "harness.h"

#define RAM_SIZE	(4ull << 20)
#define VA		0x40000000ull
#define VSID		0x10u
#define ASID		5u
#define CDTAB_IPA	0x8000ull
#define TTB0_IPA	0x1000ull	/* L0 at 0x1000, L1 0x2000, L2 0x3000, L3 0x4000 */
#define DATA_A		0x100000ull
#define DATA_B		0x200000ull

/* VMSAv8-64 descriptors: table/page 0b11, AF bit 10, AP[2] (read-only) bit 7. */
#define DESC_TABLE	0x3ull
#define DESC_PAGE	(0x3ull | (1ull << 10))

/* STE word 0: V, Config (3:1), S1ContextPtr (51:6). */
#define STE0_V		1ull
#define STE0_CFG(c)	((uint64_t)(c) << 1)
#define CFG_ABORT	0
#define CFG_BYPASS	4
#define CFG_S1		5

/* Guest commands. */
#define OP_CFGI_STE	0x03
#define OP_CFGI_CD	0x05
#define OP_TLBI_NH_ASID	0x11
#define OP_TLBI_NH_VA	0x12
#define OP_TLBI_NSNH_ALL 0x30
#define OP_CMD_SYNC	0x46

struct guest {
	int index, iommufd, devfd;
	uint32_t devid, ioas, s2, viommu, abort_hwpt, bypass_hwpt;
	uint8_t *ram;		/* IPA 0 */
};

static uint64_t *ipa_u64(struct guest *g, uint64_t ipa)
{
	return (uint64_t *)(g->ram + ipa);
}

/*
 * A valid 4K-granule, 48-bit CD for TTB0 at @ttb0 with @asid (TTB1
 * disabled), recording stage-1 faults if @record (CD.R).
 */
static void write_cd_r(struct guest *g, uint64_t ipa, uint64_t ttb0, uint16_t asid, bool record)
{
	uint64_t w0 = 16 |			/* T0SZ */
		      (1ull << 30) |		/* EPD1 */
		      (1ull << 31) |		/* V */
		      (5ull << 32) |		/* IPS: 48 bits */
		      (1ull << 41) |		/* AA64 */
		      ((uint64_t)record << 45) |	/* R: record faults */
		      (1ull << 46) |		/* A: abort on fault */
		      ((uint64_t)asid << 48);

	ipa_u64(g, ipa)[0] = w0;
	ipa_u64(g, ipa)[1] = ttb0;
	memset(ipa_u64(g, ipa) + 2, 0, 48);
}

static void write_cd(struct guest *g, uint64_t ipa, uint64_t ttb0, uint16_t asid)
{
	write_cd_r(g, ipa, ttb0, asid, true);
}

/* VA -> IPA @data through the 4-level table at TTB0_IPA. */
static void build_s1(struct guest *g, uint64_t data)
{
	*ipa_u64(g, 0x1000 + 0 * 8) = 0x2000 | DESC_TABLE;	/* L0[0] */
	*ipa_u64(g, 0x2000 + 1 * 8) = 0x3000 | DESC_TABLE;	/* L1[1]: 1 GiB */
	*ipa_u64(g, 0x3000 + 0 * 8) = 0x4000 | DESC_TABLE;	/* L2[0] */
	*ipa_u64(g, 0x4000 + 0 * 8) = data | DESC_PAGE;		/* L3[0] */
}

static int hwpt_on_viommu(struct guest *g, uint64_t ste0, uint64_t ste1, uint32_t *out)
{
	struct iommu_hwpt_arm_smmuv3 ste = { .ste = { htole64(ste0), htole64(ste1) } };
	struct iommu_hwpt_alloc cmd = {
		.size = sizeof(cmd), .dev_id = g->devid, .pt_id = g->viommu,
		.data_type = IOMMU_HWPT_DATA_ARM_SMMUV3, .data_len = sizeof(ste),
		.data_uptr = (uintptr_t)&ste,
	};
	int rc = sio_ioctl(g->iommufd, IOMMU_HWPT_ALLOC, &cmd);

	*out = cmd.out_hwpt_id;
	return rc;
}

static int attach(struct guest *g, uint32_t pt_id)
{
	struct vfio_device_attach_iommufd_pt a = { .argsz = sizeof(a), .pt_id = pt_id };

	return sio_ioctl(g->devfd, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &a);
}

static int destroy(struct guest *g, uint32_t id)
{
	struct iommu_destroy d = { .size = sizeof(d), .id = id };

	return sio_ioctl(g->iommufd, IOMMU_DESTROY, &d);
}

static int vdevice(struct guest *g, uint64_t virt_id, uint32_t *out)
{
	struct iommu_vdevice_alloc v = { .size = sizeof(v), .viommu_id = g->viommu,
					 .dev_id = g->devid, .virt_id = virt_id };
	int rc = sio_ioctl(g->iommufd, IOMMU_VDEVICE_ALLOC, &v);

	*out = v.out_vdevice_id;
	return rc;
}

/* Issue @n raw guest commands through the vIOMMU; *done gets entry_num. */
static int guest_cmds(struct guest *g, const uint64_t (*cmds)[2], uint32_t n, uint32_t *done)
{
	struct iommu_viommu_arm_smmuv3_invalidate inv[8];
	struct iommu_hwpt_invalidate cmd = {
		.size = sizeof(cmd), .hwpt_id = g->viommu, .data_uptr = (uintptr_t)inv,
		.data_type = IOMMU_VIOMMU_INVALIDATE_DATA_ARM_SMMUV3, .entry_len = sizeof(inv[0]),
		.entry_num = n,
	};
	uint32_t i;
	int rc;

	for (i = 0; i < n; i++) {
		inv[i].cmd[0] = htole64(cmds[i][0]);
		inv[i].cmd[1] = htole64(cmds[i][1]);
	}
	rc = sio_ioctl(g->iommufd, IOMMU_HWPT_INVALIDATE, &cmd);
	*done = cmd.entry_num;
	return rc;
}

static int guest_cmd(struct guest *g, uint64_t c0, uint64_t c1)
{
	const uint64_t c[1][2] = { { c0, c1 } };
	uint32_t done;

	return guest_cmds(g, c, 1, &done);
}

static uint64_t ste0_s1(void)
{
	return STE0_V | STE0_CFG(CFG_S1) | CDTAB_IPA;
}

static bool guest_setup(struct guest *g)
{
	struct vfio_device_bind_iommufd bind = { .argsz = sizeof(bind) };
	struct iommu_ioas_alloc alloc = { .size = sizeof(alloc) };
	struct iommu_hwpt_alloc s2 = { .size = sizeof(s2), .flags = IOMMU_HWPT_ALLOC_NEST_PARENT };
	struct sio_device_desc d = { .iommu = SIO_DEVICE_IOMMU_SMMUV3, .bus = 0x30, .dev = 1,
				     .pasid_bits = 4 };
	struct iommu_ioas_map m = { .size = sizeof(m), .length = RAM_SIZE,
		.flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE |
			 IOMMU_IOAS_MAP_WRITEABLE };
	struct iommu_viommu_alloc v = { .size = sizeof(v), .type = IOMMU_VIOMMU_TYPE_ARM_SMMUV3 };
	char path[64];

	memset(g, 0, sizeof(*g));
	g->ram = mmap(NULL, RAM_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	g->index = sio_device_create(&d);
	if (g->ram == MAP_FAILED || g->index < 0)
		return false;
	snprintf(path, sizeof(path), "/dev/vfio/devices/vfio%d", g->index);
	g->iommufd = sio_open("/dev/iommu", O_RDWR);
	g->devfd = sio_open(path, O_RDWR);
	bind.iommufd = g->iommufd;
	if (g->iommufd < 0 || g->devfd < 0 || sio_ioctl(g->devfd, VFIO_DEVICE_BIND_IOMMUFD, &bind))
		return false;
	g->devid = bind.out_devid;
	if (sio_ioctl(g->iommufd, IOMMU_IOAS_ALLOC, &alloc))
		return false;
	g->ioas = alloc.out_ioas_id;
	m.ioas_id = g->ioas;
	m.user_va = (uintptr_t)g->ram;
	if (sio_ioctl(g->iommufd, IOMMU_IOAS_MAP, &m))
		return false;
	s2.dev_id = g->devid;
	s2.pt_id = g->ioas;
	if (sio_ioctl(g->iommufd, IOMMU_HWPT_ALLOC, &s2))
		return false;
	g->s2 = s2.out_hwpt_id;
	/* QEMU attaches the stage 2 itself until the guest installs an STE. */
	if (attach(g, g->s2))
		return false;
	v.dev_id = g->devid;
	v.hwpt_id = g->s2;
	if (sio_ioctl(g->iommufd, IOMMU_VIOMMU_ALLOC, &v))
		return false;
	g->viommu = v.out_viommu_id;
	if (hwpt_on_viommu(g, STE0_V | STE0_CFG(CFG_ABORT), 0, &g->abort_hwpt) ||
	    hwpt_on_viommu(g, STE0_V | STE0_CFG(CFG_BYPASS), 0, &g->bypass_hwpt))
		return false;
	memcpy(g->ram + DATA_A, "guest data A", 13);
	memcpy(g->ram + DATA_B, "guest data B", 13);
	write_cd(g, CDTAB_IPA, TTB0_IPA, ASID);
	build_s1(g, DATA_A);
	return true;
}

static void guest_teardown(struct guest *g)
{
	sio_close(g->devfd);
	sio_close(g->iommufd);
	CHECK_OK(sio_device_destroy(g->index));
	munmap(g->ram, RAM_SIZE);
}

TEST(hw_info_reports_nesting)
{
	struct iommu_hw_info_arm_smmuv3 info;
	struct iommu_hw_info cmd;
	struct guest g;

	REQUIRE(guest_setup(&g));
	memset(&info, 0, sizeof(info));
	cmd = (struct iommu_hw_info){ .size = sizeof(cmd), .dev_id = g.devid,
		.data_len = sizeof(info), .data_uptr = (uintptr_t)&info };
	REQUIRE_OK(sio_ioctl(g.iommufd, IOMMU_GET_HW_INFO, &cmd));
	CHECK_EQ(cmd.out_data_type, IOMMU_HW_INFO_TYPE_ARM_SMMUV3);
	/* IDR0: stage 1 and stage 2 (nesting), AArch64 tables, 2-level CD tables. */
	CHECK(info.idr[0] & 1);
	CHECK(info.idr[0] & 2);
	CHECK(info.idr[0] & (1u << 19));
	guest_teardown(&g);
}

TEST(qemu_order_dma_and_invalidation)
{
	char buf[16] = { 0 };
	struct guest g;
	uint32_t s1 = 0, vdev = 0, done;

	REQUIRE(guest_setup(&g));
	/* Before the guest installs an STE the device DMAs at IPAs through stage 2. */
	CHECK_EQ(sio_dev_dma_read(g.index, SIO_NO_PASID_VAL, DATA_A, buf, 13), 13);
	CHECK(!memcmp(buf, "guest data A", 13));

	/* Guest STE install: a vDEVICE for the guest SID, a nested HWPT, a replace. */
	REQUIRE_OK(vdevice(&g, VSID, &vdev));
	REQUIRE_OK(hwpt_on_viommu(&g, ste0_s1(), 0, &s1));
	REQUIRE_OK(attach(&g, s1));
	CHECK_EQ(sio_dev_dma_read(g.index, SIO_NO_PASID_VAL, VA, buf, 13), 13);
	CHECK(!memcmp(buf, "guest data A", 13));
	/* An address the guest did not map faults. */
	CHECK_ERR(sio_dev_dma_read(g.index, SIO_NO_PASID_VAL, VA + 0x1000, buf, 4), EFAULT);

	/* The guest re-points its PTE: stale until TLBI_NH_VA of its ASID. */
	*ipa_u64(&g, 0x4000) = DATA_B | DESC_PAGE;
	CHECK_EQ(sio_dev_dma_read(g.index, SIO_NO_PASID_VAL, VA, buf, 13), 13);
	CHECK(!memcmp(buf, "guest data A", 13));
	/* Another ASID's invalidation leaves it stale. */
	CHECK_OK(guest_cmd(&g, OP_TLBI_NH_VA | (uint64_t)(ASID + 1) << 48, VA));
	CHECK_EQ(sio_dev_dma_read(g.index, SIO_NO_PASID_VAL, VA, buf, 13), 13);
	CHECK(!memcmp(buf, "guest data A", 13));
	/* The guest's VMID field is overridden: any value reaches its own VMID. */
	CHECK_OK(guest_cmd(&g, OP_TLBI_NH_VA | 0x7777ull << 32 | (uint64_t)ASID << 48, VA));
	CHECK_EQ(sio_dev_dma_read(g.index, SIO_NO_PASID_VAL, VA, buf, 13), 13);
	CHECK(!memcmp(buf, "guest data B", 13));

	/* TLBI_NH_ASID and NSNH_ALL flush too. */
	*ipa_u64(&g, 0x4000) = DATA_A | DESC_PAGE;
	CHECK_OK(guest_cmd(&g, OP_TLBI_NH_ASID | (uint64_t)ASID << 48, 0));
	CHECK_EQ(sio_dev_dma_read(g.index, SIO_NO_PASID_VAL, VA, buf, 13), 13);
	CHECK(!memcmp(buf, "guest data A", 13));
	*ipa_u64(&g, 0x4000) = DATA_B | DESC_PAGE;
	CHECK_OK(guest_cmd(&g, OP_TLBI_NSNH_ALL, 0));
	CHECK_EQ(sio_dev_dma_read(g.index, SIO_NO_PASID_VAL, VA, buf, 13), 13);
	CHECK(!memcmp(buf, "guest data B", 13));

	/* A CD edit (new tables) is invisible until CFGI_CD of the guest SID, then a TLBI. */
	*ipa_u64(&g, 0x5000 + 0 * 8) = 0x2000 | DESC_TABLE;
	write_cd(&g, CDTAB_IPA, 0x5000, ASID + 2);
	*ipa_u64(&g, 0x2000 + 1 * 8) = 0x3000 | DESC_TABLE;
	CHECK_EQ(sio_dev_dma_read(g.index, SIO_NO_PASID_VAL, VA, buf, 13), 13);
	CHECK(!memcmp(buf, "guest data B", 13));
	*ipa_u64(&g, 0x4000) = DATA_A | DESC_PAGE;
	/* The old ASID's entry still serves until the config is refetched... */
	CHECK_EQ(sio_dev_dma_read(g.index, SIO_NO_PASID_VAL, VA, buf, 13), 13);
	CHECK(!memcmp(buf, "guest data B", 13));
	/* ...CFGI_CD with the guest's SID: the new ASID misses and walks. */
	CHECK_OK(guest_cmd(&g, OP_CFGI_CD | (uint64_t)VSID << 32, 0));
	CHECK_EQ(sio_dev_dma_read(g.index, SIO_NO_PASID_VAL, VA, buf, 13), 13);
	CHECK(!memcmp(buf, "guest data A", 13));

	/* Writes land in guest RAM. */
	CHECK_EQ(sio_dev_dma_write(g.index, SIO_NO_PASID_VAL, VA + 6, "DATA", 4), 4);
	CHECK(!memcmp(g.ram + DATA_A + 6, "DATA", 4));

	/* The host unmaps guest RAM from stage 2: the DMA faults. */
	struct iommu_ioas_unmap u = { .size = sizeof(u), .ioas_id = g.ioas, .iova = 0,
				      .length = UINT64_MAX };
	CHECK_OK(sio_ioctl(g.iommufd, IOMMU_IOAS_UNMAP, &u));
	CHECK_ERR(sio_dev_dma_read(g.index, SIO_NO_PASID_VAL, VA, buf, 13), EFAULT);

	/* QEMU's teardown: stage 2 back, then S1 HWPT, vDEVICE, abort, bypass, vIOMMU. */
	CHECK_ERR(destroy(&g, g.viommu), EBUSY);
	CHECK_OK(attach(&g, g.s2));
	CHECK_OK(destroy(&g, s1));
	CHECK_ERR(destroy(&g, g.viommu), EBUSY);
	CHECK_OK(destroy(&g, vdev));
	CHECK_OK(destroy(&g, g.abort_hwpt));
	CHECK_OK(destroy(&g, g.bypass_hwpt));
	CHECK_OK(destroy(&g, g.viommu));
	(void)done;
	guest_teardown(&g);
}

TEST(abort_and_bypass)
{
	char buf[16] = { 0 };
	struct guest g;

	REQUIRE(guest_setup(&g));
	/* Abort and bypass STEs attach without a vDEVICE (GBPA case). */
	REQUIRE_OK(attach(&g, g.abort_hwpt));
	CHECK_ERR(sio_dev_dma_read(g.index, SIO_NO_PASID_VAL, DATA_A, buf, 13), EFAULT);
	REQUIRE_OK(attach(&g, g.bypass_hwpt));
	CHECK_EQ(sio_dev_dma_read(g.index, SIO_NO_PASID_VAL, DATA_A, buf, 13), 13);
	CHECK(!memcmp(buf, "guest data A", 13));
	guest_teardown(&g);
}

TEST(vste_rules)
{
	struct iommu_hwpt_arm_smmuv3 ste = { .ste = { htole64(STE0_V | STE0_CFG(CFG_S1)), 0 } };
	struct iommu_hwpt_alloc cmd;
	struct guest g;
	uint32_t id = 0, vdev = 0, plain = 0;

	REQUIRE(guest_setup(&g));
	/* Bits outside NESTING_ALLOWED, a stage-2 or nested Config, EATS 2: EIO. */
	CHECK_ERR(hwpt_on_viommu(&g, ste0_s1() | (1ull << 58), 0, &id), EIO);
	CHECK_ERR(hwpt_on_viommu(&g, ste0_s1(), 1ull << 19, &id), EIO);
	CHECK_ERR(hwpt_on_viommu(&g, STE0_V | STE0_CFG(6), 0, &id), EIO);
	CHECK_ERR(hwpt_on_viommu(&g, STE0_V | STE0_CFG(7), 0, &id), EIO);
	CHECK_ERR(hwpt_on_viommu(&g, ste0_s1(), 2ull << 28, &id), EIO);
	/* V = 0: accepted whatever else is set (an abort STE). */
	CHECK_OK(hwpt_on_viommu(&g, STE0_CFG(7) | (1ull << 58), ~0ull, &id));
	CHECK_OK(attach(&g, id));
	/* Flags the driver does not take: EOPNOTSUPP; a short STE: EINVAL. */
	cmd = (struct iommu_hwpt_alloc){ .size = sizeof(cmd), .dev_id = g.devid,
		.pt_id = g.viommu, .flags = IOMMU_HWPT_ALLOC_PASID,
		.data_type = IOMMU_HWPT_DATA_ARM_SMMUV3, .data_len = sizeof(ste),
		.data_uptr = (uintptr_t)&ste };
	CHECK_ERR(sio_ioctl(g.iommufd, IOMMU_HWPT_ALLOC, &cmd), EOPNOTSUPP);
	cmd.flags = 0;
	cmd.data_len = 8;
	CHECK_ERR(sio_ioctl(g.iommufd, IOMMU_HWPT_ALLOC, &cmd), EINVAL);
	cmd.data_len = sizeof(ste);
	cmd.data_type = IOMMU_HWPT_DATA_VTD_S1;
	CHECK_ERR(sio_ioctl(g.iommufd, IOMMU_HWPT_ALLOC, &cmd), EINVAL);
	cmd.data_type = IOMMU_HWPT_DATA_ARM_SMMUV3;
	cmd.data_uptr = 8;
	CHECK_ERR(sio_ioctl(g.iommufd, IOMMU_HWPT_ALLOC, &cmd), EFAULT);
	/* SMMUv3 nests only through a vIOMMU: a paging parent is EOPNOTSUPP. */
	cmd.data_uptr = (uintptr_t)&ste;
	cmd.pt_id = g.s2;
	CHECK_ERR(sio_ioctl(g.iommufd, IOMMU_HWPT_ALLOC, &cmd), EOPNOTSUPP);

	/* A translating STE needs a vDEVICE before it attaches: ENOENT. */
	REQUIRE_OK(hwpt_on_viommu(&g, ste0_s1(), 0, &id));
	CHECK_ERR(attach(&g, id), ENOENT);
	REQUIRE_OK(vdevice(&g, VSID, &vdev));
	CHECK_OK(attach(&g, id));
	/* The vIOMMU's parent must be a NEST_PARENT paging HWPT. */
	struct iommu_hwpt_alloc p = { .size = sizeof(p), .dev_id = g.devid, .pt_id = g.ioas };
	REQUIRE_OK(sio_ioctl(g.iommufd, IOMMU_HWPT_ALLOC, &p));
	plain = p.out_hwpt_id;
	struct iommu_viommu_alloc v = { .size = sizeof(v), .type = IOMMU_VIOMMU_TYPE_ARM_SMMUV3,
					.dev_id = g.devid, .hwpt_id = plain };
	CHECK_ERR(sio_ioctl(g.iommufd, IOMMU_VIOMMU_ALLOC, &v), EINVAL);
	v.hwpt_id = g.s2;
	v.type = IOMMU_VIOMMU_TYPE_TEGRA241_CMDQV;
	CHECK_ERR(sio_ioctl(g.iommufd, IOMMU_VIOMMU_ALLOC, &v), EOPNOTSUPP);
	v.type = 0xdeadbeef;	/* the selftest's type, not on an SMMUv3 device */
	CHECK_ERR(sio_ioctl(g.iommufd, IOMMU_VIOMMU_ALLOC, &v), EOPNOTSUPP);
	guest_teardown(&g);
}

TEST(invalidation_rules)
{
	const uint64_t good[3][2] = {
		{ OP_TLBI_NH_ASID | (uint64_t)ASID << 48, 0 },
		{ OP_CFGI_CD | (uint64_t)VSID << 32, 0 },
		{ OP_TLBI_NSNH_ALL, 0 },
	};
	uint64_t bad[3][2];
	struct iommu_hwpt_invalidate cmd;
	struct guest g;
	uint32_t vdev = 0, done;

	REQUIRE(guest_setup(&g));
	REQUIRE_OK(vdevice(&g, VSID, &vdev));
	CHECK_OK(guest_cmds(&g, good, 3, &done));
	CHECK_EQ(done, 3);
	/* CFGI_STE, CMD_SYNC and unknown opcodes are EIO; entry_num = the bad index. */
	memcpy(bad, good, sizeof(bad));
	bad[1][0] = OP_CFGI_STE | (uint64_t)VSID << 32;
	CHECK_ERR(guest_cmds(&g, bad, 3, &done), EIO);
	CHECK_EQ(done, 1);
	bad[1][0] = OP_CMD_SYNC;
	CHECK_ERR(guest_cmds(&g, bad, 3, &done), EIO);
	CHECK_EQ(done, 1);
	/* A vSID without a vDEVICE: EIO. */
	bad[1][0] = OP_CFGI_CD | (uint64_t)(VSID + 1) << 32;
	CHECK_ERR(guest_cmds(&g, bad, 3, &done), EIO);
	CHECK_EQ(done, 1);
	/* Wrong array type, an empty array: EINVAL with entry_num 0. */
	cmd = (struct iommu_hwpt_invalidate){ .size = sizeof(cmd), .hwpt_id = g.viommu,
		.data_uptr = (uintptr_t)good, .data_type = IOMMU_HWPT_INVALIDATE_DATA_VTD_S1,
		.entry_len = 16, .entry_num = 1 };
	CHECK_ERR(sio_ioctl(g.iommufd, IOMMU_HWPT_INVALIDATE, &cmd), EINVAL);
	CHECK_EQ(cmd.entry_num, 0);
	cmd.data_type = IOMMU_VIOMMU_INVALIDATE_DATA_ARM_SMMUV3;
	cmd.entry_num = 0;
	CHECK_ERR(sio_ioctl(g.iommufd, IOMMU_HWPT_INVALIDATE, &cmd), EINVAL);
	/* Entries follow copy_struct_from_user(): a short one is zero-extended... */
	const uint64_t half[2] = { OP_TLBI_NSNH_ALL, OP_TLBI_NSNH_ALL };
	cmd.data_uptr = (uintptr_t)half;
	cmd.entry_num = 2;
	cmd.entry_len = 8;
	CHECK_OK(sio_ioctl(g.iommufd, IOMMU_HWPT_INVALIDATE, &cmd));
	CHECK_EQ(cmd.entry_num, 2);
	/* ...a longer one needs a zero tail (else E2BIG, nothing run)... */
	uint64_t wide[2][3] = { { OP_TLBI_NSNH_ALL, 0, 0 }, { OP_TLBI_NSNH_ALL, 0, 0 } };
	cmd.data_uptr = (uintptr_t)wide;
	cmd.entry_len = 24;
	cmd.entry_num = 2;
	CHECK_OK(sio_ioctl(g.iommufd, IOMMU_HWPT_INVALIDATE, &cmd));
	CHECK_EQ(cmd.entry_num, 2);
	wide[1][2] = 1;
	cmd.entry_num = 2;
	CHECK_ERR(sio_ioctl(g.iommufd, IOMMU_HWPT_INVALIDATE, &cmd), E2BIG);
	CHECK_EQ(cmd.entry_num, 0);
	/* ...and an unreadable array is EFAULT before anything runs. */
	cmd.entry_len = 16;
	cmd.entry_num = 1;
	cmd.data_uptr = 16;
	CHECK_ERR(sio_ioctl(g.iommufd, IOMMU_HWPT_INVALIDATE, &cmd), EFAULT);
	CHECK_EQ(cmd.entry_num, 0);
	guest_teardown(&g);
}

static int ioas_alloc(struct guest *g, uint32_t *out)
{
	struct iommu_ioas_alloc a = { .size = sizeof(a) };
	int rc = sio_ioctl(g->iommufd, IOMMU_IOAS_ALLOC, &a);

	*out = a.out_ioas_id;
	return rc;
}

static int attach_pasid(struct guest *g, uint32_t pasid, uint32_t pt_id)
{
	struct vfio_device_attach_iommufd_pt a = { .argsz = sizeof(a),
		.flags = VFIO_DEVICE_ATTACH_PASID, .pt_id = pt_id, .pasid = pasid };

	return sio_ioctl(g->devfd, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &a);
}

static int detach_pasid(struct guest *g, uint32_t pasid)
{
	struct vfio_device_detach_iommufd_pt d = { .argsz = sizeof(d),
		.flags = VFIO_DEVICE_DETACH_PASID, .pasid = pasid };

	return sio_ioctl(g->devfd, VFIO_DEVICE_DETACH_IOMMUFD_PT, &d);
}

TEST(cdev_close_tombstones_vdevice)
{
	uint32_t s1 = 0, vdev = 0, id = 0, i;
	char buf[16] = { 0 };
	bool above = false;
	struct guest g;

	REQUIRE(guest_setup(&g));
	REQUIRE_OK(vdevice(&g, VSID, &vdev));
	REQUIRE_OK(hwpt_on_viommu(&g, ste0_s1(), 0, &s1));
	REQUIRE_OK(attach(&g, s1));
	CHECK_EQ(sio_dev_dma_read(g.index, SIO_NO_PASID_VAL, VA, buf, 13), 13);
	/* The vDEVICE holds the vIOMMU while it lives. */
	CHECK_ERR(destroy(&g, g.viommu), EBUSY);

	/* Closing the cdev unbinds the device: its vDEVICE goes with it. */
	CHECK_OK(sio_close(g.devfd));
	g.devfd = -1;
	CHECK_ERR(destroy(&g, vdev), ENOENT);
	CHECK_ERR(destroy(&g, g.devid), ENOENT);
	/* The guest's SID no longer names a device. */
	CHECK_ERR(guest_cmd(&g, OP_CFGI_CD | (uint64_t)VSID << 32, 0), EIO);
	/* Nothing else holds the vIOMMU once its HWPTs go. */
	CHECK_OK(destroy(&g, s1));
	CHECK_OK(destroy(&g, g.abort_hwpt));
	CHECK_OK(destroy(&g, g.bypass_hwpt));
	CHECK_OK(destroy(&g, g.viommu));
	/* New objects take the freed IDs around the tombstone, never its ID. */
	for (i = 0; i < 8; i++) {
		REQUIRE_OK(ioas_alloc(&g, &id));
		CHECK(id != vdev);
		above |= id > vdev;
	}
	CHECK(above);
	CHECK_ERR(destroy(&g, vdev), ENOENT);
	guest_teardown(&g);
}

/*
 * A nested STE HWPT is never PASID-compatible (the vIOMMU refuses
 * IOMMU_HWPT_ALLOC_PASID), so the core's check (§5) refuses it at the RID
 * of a device with an attached PASID before the driver's SSIDs-in-use one.
 */
TEST(nested_ste_vs_attached_pasid)
{
	struct iommu_hwpt_alloc c = { .size = sizeof(c), .flags = IOMMU_HWPT_ALLOC_PASID };
	uint32_t s1 = 0, vdev = 0, compat;
	char buf[16] = { 0 };
	struct guest g;

	REQUIRE(guest_setup(&g));
	REQUIRE_OK(vdevice(&g, VSID, &vdev));
	REQUIRE_OK(hwpt_on_viommu(&g, ste0_s1(), 0, &s1));
	c.dev_id = g.devid;
	c.pt_id = g.ioas;
	REQUIRE_OK(sio_ioctl(g.iommufd, IOMMU_HWPT_ALLOC, &c));
	compat = c.out_hwpt_id;
	/* A PASID needs a PASID-compatible RID attachment first. */
	CHECK_ERR(attach_pasid(&g, 1, compat), EINVAL);
	REQUIRE_OK(attach(&g, compat));
	REQUIRE_OK(attach_pasid(&g, 1, compat));
	CHECK_EQ(sio_dev_dma_read(g.index, 1, DATA_A, buf, 13), 13);
	CHECK(!memcmp(buf, "guest data A", 13));

	/* Translating, abort and bypass STEs alike: the RID keeps its HWPT. */
	CHECK_ERR(attach(&g, s1), EINVAL);
	CHECK_ERR(attach(&g, g.abort_hwpt), EINVAL);
	CHECK_ERR(attach(&g, g.bypass_hwpt), EINVAL);
	CHECK_ERR(destroy(&g, compat), EBUSY);
	CHECK_EQ(sio_dev_dma_read(g.index, SIO_NO_PASID_VAL, DATA_B, buf, 13), 13);
	CHECK(!memcmp(buf, "guest data B", 13));

	/* Without the PASID the same STE attaches and translates. */
	CHECK_OK(detach_pasid(&g, 1));
	CHECK_OK(attach(&g, s1));
	CHECK_EQ(sio_dev_dma_read(g.index, SIO_NO_PASID_VAL, VA, buf, 13), 13);
	CHECK(!memcmp(buf, "guest data A", 13));
	/* And with a nested STE at the RID no PASID attaches. */
	CHECK_ERR(attach_pasid(&g, 1, compat), EINVAL);
	guest_teardown(&g);
}

/* ---------------------------------------------------------------- vEVENTs */

#define EVT_RNW		(1ull << 35)
#define EVT_S2		(1ull << 39)
#define EVT_CLASS_IN	(2ull << 40)
#define EVT_SSV		(1ull << 11)
#define DESC_AP_RO	(1ull << 7)
#define STE0_S1CDMAX(n)	((uint64_t)(n) << 59)
#define STE1_S1STALLD	(1ull << 27)

struct arm_rec {
	struct iommufd_vevent_header hdr;
	struct iommu_vevent_arm_smmuv3 evt;
};

static int veventq(struct guest *g, uint32_t type, uint32_t depth, uint32_t *id, int *fd)
{
	struct iommu_veventq_alloc cmd = { .size = sizeof(cmd), .viommu_id = g->viommu,
					   .type = type, .veventq_depth = depth };
	int rc = sio_ioctl(g->iommufd, IOMMU_VEVENTQ_ALLOC, &cmd);

	*id = cmd.out_veventq_id;
	*fd = (int)cmd.out_veventq_fd;
	return rc;
}

/* Read one record; false (and the bytes read in *n) if there is not exactly one. */
static bool read_one(int qfd, struct arm_rec *r, ssize_t *n)
{
	struct arm_rec two[2];

	memset(two, 0, sizeof(two));
	*n = sio_read(qfd, two, sizeof(two));
	*r = two[0];
	r->evt.evt[0] = le64toh(two[0].evt.evt[0]);
	r->evt.evt[1] = le64toh(two[0].evt.evt[1]);
	r->evt.evt[2] = le64toh(two[0].evt.evt[2]);
	r->evt.evt[3] = le64toh(two[0].evt.evt[3]);
	return *n == (ssize_t)sizeof(*r);
}

/* The guest's S1 STE attached with a vDEVICE for VSID, and an ARM vEVENTQ. */
static bool events_setup(struct guest *g, uint32_t *s1, uint32_t *qid, int *qfd)
{
	uint32_t vdev;

	return guest_setup(g) && !vdevice(g, VSID, &vdev) && !hwpt_on_viommu(g, ste0_s1(), 0, s1) &&
	       !attach(g, *s1) && !veventq(g, IOMMU_VEVENTQ_TYPE_ARM_SMMUV3, 16, qid, qfd);
}

TEST(vevent_stage1_faults)
{
	struct sio_dev_xlate xl;
	struct pollfd p;
	struct arm_rec r;
	struct guest g;
	uint32_t s1 = 0, qid = 0;
	char buf[16];
	ssize_t n;
	int qfd = -1;

	REQUIRE(events_setup(&g, &s1, &qid, &qfd));
	p = (struct pollfd){ .fd = qfd, .events = POLLIN | POLLOUT };
	CHECK_EQ(poll(&p, 1, 0), 0);
	/* No PTE: F_TRANSLATION with the guest's SID, a read of class IN at stage 1. */
	CHECK_ERR(sio_dev_dma_read(g.index, SIO_NO_PASID_VAL, VA + 0x1000, buf, 4), EFAULT);
	CHECK_EQ(poll(&p, 1, 0), 1);
	CHECK_EQ(p.revents, POLLIN);
	CHECK(read_one(qfd, &r, &n));
	CHECK_EQ(r.hdr.flags, 0);
	CHECK_EQ(r.hdr.sequence, 0);
	CHECK_EQ(r.evt.evt[0], 0x10 | (uint64_t)VSID << 32);
	CHECK_EQ(r.evt.evt[1], EVT_RNW | EVT_CLASS_IN);
	CHECK_EQ(r.evt.evt[2], VA + 0x1000);
	CHECK_EQ(r.evt.evt[3], 0);
	/* A write: RnW clear. */
	CHECK_ERR(sio_dev_dma_write(g.index, SIO_NO_PASID_VAL, VA + 0x1008, "x", 1), EFAULT);
	CHECK(read_one(qfd, &r, &n));
	CHECK_EQ(r.hdr.sequence, 1);
	CHECK_EQ(r.evt.evt[1], EVT_CLASS_IN);
	CHECK_EQ(r.evt.evt[2], VA + 0x1008);
	/* A translation request faults the same way. */
	CHECK_ERR(sio_dev_translate(g.index, SIO_NO_PASID_VAL, VA + 0x3000, SIO_DMA_READ, &xl),
		  EFAULT);
	CHECK(read_one(qfd, &r, &n));
	CHECK_EQ(r.evt.evt[0] & 0xff, 0x10);
	CHECK_EQ(r.evt.evt[2], VA + 0x3000);
	/* A read-only page written: F_PERMISSION. */
	*ipa_u64(&g, 0x4000) = DATA_A | DESC_PAGE | DESC_AP_RO;
	CHECK_OK(guest_cmd(&g, OP_TLBI_NH_ASID | (uint64_t)ASID << 48, 0));
	CHECK_ERR(sio_dev_dma_write(g.index, SIO_NO_PASID_VAL, VA, "x", 1), EFAULT);
	CHECK(read_one(qfd, &r, &n));
	CHECK_EQ(r.evt.evt[0], 0x13 | (uint64_t)VSID << 32);
	CHECK_EQ(r.evt.evt[1], EVT_CLASS_IN);
	CHECK_EQ(r.evt.evt[2], VA);
	/* The access flag clear: F_ACCESS. */
	*ipa_u64(&g, 0x4000) = DATA_A | DESC_TABLE;
	CHECK_OK(guest_cmd(&g, OP_TLBI_NH_ASID | (uint64_t)ASID << 48, 0));
	CHECK_ERR(sio_dev_dma_read(g.index, SIO_NO_PASID_VAL, VA + 4, buf, 4), EFAULT);
	CHECK(read_one(qfd, &r, &n));
	CHECK_EQ(r.hdr.sequence, 4);
	CHECK_EQ(r.evt.evt[0], 0x12 | (uint64_t)VSID << 32);
	CHECK_EQ(r.evt.evt[2], VA + 4);
	/* A successful DMA adds nothing. */
	*ipa_u64(&g, 0x4000) = DATA_A | DESC_PAGE;
	CHECK_OK(guest_cmd(&g, OP_TLBI_NH_ASID | (uint64_t)ASID << 48, 0));
	CHECK_EQ(sio_dev_dma_read(g.index, SIO_NO_PASID_VAL, VA, buf, 13), 13);
	CHECK_EQ(sio_read(qfd, &r, sizeof(r)), 0);
	sio_close(qfd);
	guest_teardown(&g);
}

TEST(vevent_config_errors)
{
	struct arm_rec r;
	struct guest g;
	uint32_t s1 = 0, qid = 0, bad = 0;
	char buf[16];
	ssize_t n;
	int qfd = -1;

	REQUIRE(events_setup(&g, &s1, &qid, &qfd));
	/* An SSID with S1CDMax 0: C_BAD_SUBSTREAMID carrying SSV and the SSID. */
	CHECK_ERR(sio_dev_dma_read(g.index, 1, VA, buf, 4), EFAULT);
	CHECK(read_one(qfd, &r, &n));
	CHECK_EQ(r.evt.evt[0], 0x08 | EVT_SSV | 1ull << 12 | (uint64_t)VSID << 32);
	CHECK_EQ(r.evt.evt[1], 0);
	CHECK_EQ(r.evt.evt[2], 0);
	/* An invalid CD, seen after CFGI_CD: C_BAD_CD. */
	ipa_u64(&g, CDTAB_IPA)[0] &= ~(1ull << 31);
	CHECK_OK(guest_cmd(&g, OP_CFGI_CD | (uint64_t)VSID << 32, 0));
	CHECK_ERR(sio_dev_dma_read(g.index, SIO_NO_PASID_VAL, VA, buf, 4), EFAULT);
	CHECK(read_one(qfd, &r, &n));
	CHECK_EQ(r.evt.evt[0], 0x0a | (uint64_t)VSID << 32);
	CHECK_EQ(r.evt.evt[2], 0);
	write_cd(&g, CDTAB_IPA, TTB0_IPA, ASID);
	/* S1CDMax 1 and S1DSS 0 (terminate) for a request without SSID: F_STREAM_DISABLED. */
	REQUIRE_OK(hwpt_on_viommu(&g, ste0_s1() | STE0_S1CDMAX(1), 0, &bad));
	REQUIRE_OK(attach(&g, bad));
	CHECK_ERR(sio_dev_dma_read(g.index, SIO_NO_PASID_VAL, VA, buf, 4), EFAULT);
	CHECK(read_one(qfd, &r, &n));
	CHECK_EQ(r.evt.evt[0], 0x06 | (uint64_t)VSID << 32);
	CHECK_OK(attach(&g, s1));
	CHECK_OK(destroy(&g, bad));
	/* S1STALLD set: C_BAD_STE. */
	REQUIRE_OK(hwpt_on_viommu(&g, ste0_s1(), STE1_S1STALLD, &bad));
	REQUIRE_OK(attach(&g, bad));
	CHECK_ERR(sio_dev_dma_read(g.index, SIO_NO_PASID_VAL, VA, buf, 4), EFAULT);
	CHECK(read_one(qfd, &r, &n));
	CHECK_EQ(r.hdr.sequence, 3);
	CHECK_EQ(r.evt.evt[0], 0x04 | (uint64_t)VSID << 32);
	CHECK_OK(attach(&g, s1));
	CHECK_EQ(sio_dev_dma_read(g.index, SIO_NO_PASID_VAL, VA, buf, 13), 13);
	sio_close(qfd);
	guest_teardown(&g);
}

TEST(vevent_not_forwarded)
{
	struct arm_rec r;
	struct guest g;
	uint32_t s1 = 0, qid = 0, other = 0;
	char buf[16];
	ssize_t n;
	int qfd = -1, ofd = -1;

	REQUIRE(events_setup(&g, &s1, &qid, &qfd));
	REQUIRE_OK(veventq(&g, IOMMU_VEVENTQ_TYPE_TEGRA241_CMDQV, 4, &other, &ofd));
	/* Stage 2 faults are the host's: an output IPA outside guest RAM (class IN)... */
	*ipa_u64(&g, 0x4000 + 2 * 8) = 0x800000 | DESC_PAGE;
	CHECK_ERR(sio_dev_dma_read(g.index, SIO_NO_PASID_VAL, VA + 0x2000, buf, 4), EFAULT);
	/* ...and a stage-1 table outside it (class TT). */
	*ipa_u64(&g, 0x3000 + 1 * 8) = 0x900000 | DESC_TABLE;
	CHECK_ERR(sio_dev_dma_read(g.index, SIO_NO_PASID_VAL, VA + 0x200000, buf, 4), EFAULT);
	CHECK_EQ(sio_read(qfd, &r, sizeof(r)), 0);
	/* CD.R = 0: stage-1 faults are not recorded... */
	write_cd_r(&g, CDTAB_IPA, TTB0_IPA, ASID, false);
	CHECK_OK(guest_cmd(&g, OP_CFGI_CD | (uint64_t)VSID << 32, 0));
	CHECK_ERR(sio_dev_dma_read(g.index, SIO_NO_PASID_VAL, VA + 0x1000, buf, 4), EFAULT);
	CHECK_EQ(sio_read(qfd, &r, sizeof(r)), 0);
	/* ...configuration errors still are, with the next sequence number: no gap. */
	CHECK_ERR(sio_dev_dma_read(g.index, 1, VA, buf, 4), EFAULT);
	CHECK(read_one(qfd, &r, &n));
	CHECK_EQ(r.hdr.sequence, 0);
	CHECK_EQ(r.evt.evt[0] & 0xff, 0x08);
	/* An abort STE records nothing; nor does bypass, whose faults are stage 2. */
	REQUIRE_OK(attach(&g, g.abort_hwpt));
	CHECK_ERR(sio_dev_dma_read(g.index, SIO_NO_PASID_VAL, DATA_A, buf, 4), EFAULT);
	REQUIRE_OK(attach(&g, g.bypass_hwpt));
	CHECK_ERR(sio_dev_dma_read(g.index, SIO_NO_PASID_VAL, 0x800000, buf, 4), EFAULT);
	/* Nor does the plain stage 2, attached outside the vIOMMU. */
	REQUIRE_OK(attach(&g, g.s2));
	CHECK_ERR(sio_dev_dma_read(g.index, SIO_NO_PASID_VAL, 0x800000, buf, 4), EFAULT);
	CHECK_EQ(sio_read(qfd, &r, sizeof(r)), 0);
	/* A queue of another type never gets SMMUv3 events. */
	CHECK_EQ(sio_read(ofd, &r, sizeof(r)), 0);
	sio_close(ofd);
	sio_close(qfd);
	guest_teardown(&g);
}

TEST(vevent_queue_lifetime)
{
	struct arm_rec r, two[2];
	struct guest g;
	uint32_t s1 = 0, qid = 0, vdev = 0;
	char buf[16];
	ssize_t n;
	int qfd = -1;

	REQUIRE(guest_setup(&g));
	REQUIRE_OK(vdevice(&g, VSID, &vdev));
	REQUIRE_OK(hwpt_on_viommu(&g, ste0_s1(), 0, &s1));
	REQUIRE_OK(attach(&g, s1));
	/* Without a vEVENTQ faults are dropped, not kept for a later one. */
	CHECK_ERR(sio_dev_dma_read(g.index, SIO_NO_PASID_VAL, VA + 0x1000, buf, 4), EFAULT);
	REQUIRE_OK(veventq(&g, IOMMU_VEVENTQ_TYPE_ARM_SMMUV3, 1, &qid, &qfd));
	CHECK_EQ(sio_read(qfd, &r, sizeof(r)), 0);
	/* Depth 1: the second fault becomes a LOST_EVENTS header. */
	CHECK_ERR(sio_dev_dma_read(g.index, SIO_NO_PASID_VAL, VA + 0x1000, buf, 4), EFAULT);
	CHECK_ERR(sio_dev_dma_read(g.index, SIO_NO_PASID_VAL, VA + 0x2000, buf, 4), EFAULT);
	CHECK_EQ(sio_read(qfd, two, sizeof(two)), sizeof(r) + sizeof(r.hdr));
	CHECK_EQ(le64toh(two[0].evt.evt[2]), VA + 0x1000);
	CHECK_EQ(two[1].hdr.flags, IOMMU_VEVENTQ_FLAG_LOST_EVENTS);
	CHECK_EQ(two[1].hdr.sequence, 1);
	/* The teardown order of QEMU, vEVENTQ before the vIOMMU. */
	CHECK_ERR(destroy(&g, g.viommu), EBUSY);
	CHECK_OK(attach(&g, g.s2));
	CHECK_OK(destroy(&g, s1));
	CHECK_OK(destroy(&g, vdev));
	CHECK_ERR(destroy(&g, qid), EBUSY);
	sio_close(qfd);
	CHECK_OK(destroy(&g, qid));
	CHECK_OK(destroy(&g, g.abort_hwpt));
	CHECK_OK(destroy(&g, g.bypass_hwpt));
	CHECK_OK(destroy(&g, g.viommu));
	(void)n;
	guest_teardown(&g);
}

struct faulter {
	int index;
	bool stop;		/* atomic */
	unsigned long faults;	/* atomic */
};

static void *faulter(void *p)
{
	struct faulter *f = p;
	char buf[4];

	while (!__atomic_load_n(&f->stop, __ATOMIC_RELAXED))
		if (sio_dev_dma_read(f->index, SIO_NO_PASID_VAL, VA + 0x1000, buf, 4) < 0)
			__atomic_fetch_add(&f->faults, 1, __ATOMIC_RELAXED);
	return NULL;
}

/*
 * Faulting DMA from two threads while the guest flips the attachment, the
 * queue is read and destroyed, and finally the device is unbound: every
 * record read is a whole F_TRANSLATION of the vSID, and nothing breaks.
 */
TEST(vevent_races)
{
	struct faulter f = { 0 };
	struct arm_rec r[8];
	struct guest g;
	uint32_t s1 = 0, qid = 0;
	pthread_t t[2];
	bool whole = true;
	int qfd = -1, i, k;

	REQUIRE(events_setup(&g, &s1, &qid, &qfd));
	f.index = g.index;
	for (i = 0; i < 2; i++)
		REQUIRE_OK(pthread_create(&t[i], NULL, faulter, &f));
	for (k = 0; k < 200; k++) {
		ssize_t n = sio_read(qfd, r, sizeof(r));

		for (i = 0; i < n / (ssize_t)sizeof(r[0]); i++)
			whole = whole && le64toh(r[i].evt.evt[0]) == (0x10 | (uint64_t)VSID << 32);
		/* Whole records, perhaps a LOST_EVENTS header last. */
		whole = whole && n >= 0 && (n % (ssize_t)sizeof(r[0]) == 0 ||
					    n % (ssize_t)sizeof(r[0]) == (ssize_t)sizeof(r[0].hdr));
		CHECK_OK(attach(&g, k & 1 ? s1 : g.s2));
	}
	CHECK_OK(attach(&g, s1));
	sio_close(qfd);
	CHECK_OK(destroy(&g, qid));
	/* No queue any more, then no binding: the faults go nowhere. */
	usleep(1000);
	sio_close(g.devfd);
	usleep(1000);
	__atomic_store_n(&f.stop, true, __ATOMIC_RELAXED);
	for (i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	CHECK(whole);
	CHECK(f.faults > 0);
	sio_close(g.iommufd);
	CHECK_OK(sio_device_destroy(g.index));
	munmap(g.ram, RAM_SIZE);
}

HARNESS_MAIN()
