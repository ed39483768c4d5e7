/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SMMUv3 event records of faults (sio_smmu_event(), hw-model §2.9): the
 * type of every fault reason, the fields each type carries, and the faults
 * the SMMU records nothing for.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "iommu/iommu.h"

#define SID	0x1234u
#define IOVA	0x0000123456789abcull
#define GPA	0x00000abcdef12345ull

static struct sio_fault fault(enum sio_fault_reason reason, unsigned int stage,
			      unsigned int fclass)
{
	return (struct sio_fault){
		.reason = reason, .stage = stage, .fclass = fclass, .access = SIO_PT_R,
		.rid = SID, .iova = IOVA, .gpa = GPA, .entry_addr = GPA + 0x10, .record = true,
	};
}

static void test_types(void **state)
{
	static const struct {
		enum sio_fault_reason reason;
		unsigned int type;
	} map[] = {
		{ SIO_FAULT_NOT_PRESENT, 0x10 }, { SIO_FAULT_RANGE, 0x10 },
		{ SIO_FAULT_RESERVED, 0x10 }, { SIO_FAULT_APERTURE, 0x10 },
		{ SIO_FAULT_ADDR_SIZE, 0x11 }, { SIO_FAULT_ACCESS_FLAG, 0x12 },
		{ SIO_FAULT_PERM, 0x13 }, { SIO_FAULT_BAD_STE, 0x04 },
		{ SIO_FAULT_BLOCKED, 0x06 }, { SIO_FAULT_BAD_SUBSTREAMID, 0x08 },
		{ SIO_FAULT_PASID_INVALID, 0x08 }, { SIO_FAULT_CD_FETCH, 0x09 },
		{ SIO_FAULT_BAD_CD, 0x0a }, { SIO_FAULT_TABLE_READ, 0x0b },
		{ SIO_FAULT_AD_UPDATE, 0x0b },
	};
	uint64_t evt[4];
	size_t i;

	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
		struct sio_fault f = fault(map[i].reason, 1, SIO_FAULT_CLASS_IN);

		assert_true(sio_smmu_event(&f, evt));
		assert_int_equal(evt[0] & 0xff, map[i].type);
		assert_int_equal(evt[0] >> 32, SID);
	}
}

/* Nothing without record (CD.R = 0, an abort STE), or without a reason. */
static void test_no_record(void **state)
{
	struct sio_fault f = fault(SIO_FAULT_NOT_PRESENT, 1, SIO_FAULT_CLASS_IN);
	uint64_t evt[4];

	f.record = false;
	assert_false(sio_smmu_event(&f, evt));
	f = fault(SIO_FAULT_NONE, 1, SIO_FAULT_CLASS_IN);
	assert_false(sio_smmu_event(&f, evt));
}

static void test_stage1_translation_fields(void **state)
{
	struct sio_fault f = fault(SIO_FAULT_NOT_PRESENT, 1, SIO_FAULT_CLASS_IN);
	uint64_t evt[4];

	f.pasid_valid = true;
	f.pasid = 0xabcde;
	assert_true(sio_smmu_event(&f, evt));
	assert_int_equal(evt[0], 0x10 | 1ull << 11 | 0xabcdeull << 12 | (uint64_t)SID << 32);
	/* A read, IN class, stage 1: RnW and CLASS 2 only; no IPA. */
	assert_int_equal(evt[1], 1ull << 35 | 2ull << 40);
	assert_int_equal(evt[2], IOVA);
	assert_int_equal(evt[3], 0);
	/* A privileged instruction write: PnU and InD, RnW clear. */
	f.access = SIO_PT_W | SIO_PT_X | SIO_PT_PRIV;
	assert_true(sio_smmu_event(&f, evt));
	assert_int_equal(evt[1], 1ull << 33 | 1ull << 34 | 2ull << 40);
}

static void test_stage2_fields(void **state)
{
	struct sio_fault f = fault(SIO_FAULT_NOT_PRESENT, 2, SIO_FAULT_CLASS_TT);
	uint64_t evt[4];

	/* A stage-2 fault on a stage-1 table read: S2, CLASS TT, the IPA 51:12. */
	assert_true(sio_smmu_event(&f, evt));
	assert_int_equal(evt[0], 0x10 | (uint64_t)SID << 32);
	assert_int_equal(evt[1], 1ull << 35 | 1ull << 39 | 1ull << 40);
	assert_int_equal(evt[2], IOVA);
	assert_int_equal(evt[3], GPA & 0x000ffffffffff000ull);
	/* CD class is 0. */
	f.fclass = SIO_FAULT_CLASS_CD;
	assert_true(sio_smmu_event(&f, evt));
	assert_int_equal(evt[1], 1ull << 35 | 1ull << 39);
}

static void test_fetch_addresses(void **state)
{
	struct sio_fault f = fault(SIO_FAULT_TABLE_READ, 1, SIO_FAULT_CLASS_TT);
	uint64_t evt[4];

	assert_true(sio_smmu_event(&f, evt));
	assert_int_equal(evt[1], 1ull << 35 | 1ull << 40);
	assert_int_equal(evt[3], (GPA + 0x10) & 0x000ffffffffffff8ull);
	f = fault(SIO_FAULT_CD_FETCH, 1, SIO_FAULT_CLASS_CD);
	assert_true(sio_smmu_event(&f, evt));
	assert_int_equal(evt[1], 0);
	assert_int_equal(evt[2], 0);
	assert_int_equal(evt[3], GPA & 0x000ffffffffffff8ull);
}

/* Configuration errors carry StreamID and SubstreamID only. */
static void test_config_fields(void **state)
{
	static const enum sio_fault_reason cfg[] = {
		SIO_FAULT_BAD_STE, SIO_FAULT_BAD_CD, SIO_FAULT_BAD_SUBSTREAMID, SIO_FAULT_BLOCKED,
	};
	uint64_t evt[4];
	size_t i;

	for (i = 0; i < sizeof(cfg) / sizeof(cfg[0]); i++) {
		struct sio_fault f = fault(cfg[i], 1, SIO_FAULT_CLASS_CD);

		f.pasid_valid = true;
		f.pasid = 3;
		assert_true(sio_smmu_event(&f, evt));
		assert_int_equal(evt[0] & ~0xffull, 1ull << 11 | 3ull << 12 | (uint64_t)SID << 32);
		assert_int_equal(evt[1], 0);
		assert_int_equal(evt[2], 0);
		assert_int_equal(evt[3], 0);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_types),
		cmocka_unit_test(test_no_record),
		cmocka_unit_test(test_stage1_translation_fields),
		cmocka_unit_test(test_stage2_fields),
		cmocka_unit_test(test_fetch_addresses),
		cmocka_unit_test(test_config_fields),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
