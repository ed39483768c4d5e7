/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Linux's acceptance rules for SMMUv3 nesting input (hw-model §4.2): guest
 * STE validation and the conversion of guest commands into host commands.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "uapi/smmu_user.h"

#define CFG(c)		((uint64_t)(c) << SIO_STE0_CFG_SHIFT)
#define EATS(e)		((uint64_t)(e) << SIO_STE1_EATS_SHIFT)
#define CTXPTR		0x000fedcba9876540ull	/* bits 51:6 only */

static void test_vste_invalid_is_zeroed(void **state)
{
	uint64_t ste[2] = { CFG(SIO_STE_CFG_S1_TRANS) | (1ull << 62), ~0ull };
	bool ats = true;

	(void)state;
	/* V = 0: whatever else is set, the STE becomes all zero (an abort STE). */
	assert_int_equal(sio_smmu_validate_vste(ste, &ats), 0);
	assert_int_equal(ste[0], 0);
	assert_int_equal(ste[1], 0);
	assert_false(ats);
}

static void test_vste_allowed_bits(void **state)
{
	uint64_t ste[2] = { SIO_STE0_NESTING_ALLOWED & ~SIO_STE0_CFG, 0 };
	bool ats;
	unsigned int bit;

	(void)state;
	ste[0] |= CFG(SIO_STE_CFG_S1_TRANS);
	ste[1] = SIO_STE1_NESTING_ALLOWED & ~SIO_STE1_EATS;
	assert_int_equal(sio_smmu_validate_vste(ste, &ats), 0);
	assert_int_equal(ste[0], (SIO_STE0_NESTING_ALLOWED & ~SIO_STE0_CFG) |
				 CFG(SIO_STE_CFG_S1_TRANS));
	/* Every bit outside the masks is EIO, in either word. */
	for (bit = 0; bit < 64; bit++) {
		uint64_t w0[2] = { SIO_STE0_V | CFG(SIO_STE_CFG_BYPASS) | (1ull << bit), 0 };
		uint64_t w1[2] = { SIO_STE0_V | CFG(SIO_STE_CFG_BYPASS), 1ull << bit };

		if (!((1ull << bit) & SIO_STE0_NESTING_ALLOWED))
			assert_int_equal(sio_smmu_validate_vste(w0, &ats), -EIO);
		if (!((1ull << bit) & SIO_STE1_NESTING_ALLOWED))
			assert_int_equal(sio_smmu_validate_vste(w1, &ats), -EIO);
	}
}

static void test_vste_cfg(void **state)
{
	unsigned int cfg;
	bool ats;

	(void)state;
	for (cfg = 0; cfg < 8; cfg++) {
		uint64_t ste[2] = { SIO_STE0_V | CFG(cfg) | CTXPTR, 0 };
		int want = (cfg == SIO_STE_CFG_ABORT || cfg == SIO_STE_CFG_BYPASS ||
			    cfg == SIO_STE_CFG_S1_TRANS) ? 0 : -EIO;

		assert_int_equal(sio_smmu_validate_vste(ste, &ats), want);
	}
}

static void test_vste_eats(void **state)
{
	uint64_t ste[2];
	bool ats;

	(void)state;
	ste[0] = SIO_STE0_V | CFG(SIO_STE_CFG_S1_TRANS);
	ste[1] = EATS(1) | SIO_STE1_S1DSS;
	assert_int_equal(sio_smmu_validate_vste(ste, &ats), 0);
	assert_true(ats);
	assert_int_equal(ste[1], SIO_STE1_S1DSS);	/* EATS cleared */

	ste[1] = EATS(0);
	assert_int_equal(sio_smmu_validate_vste(ste, &ats), 0);
	assert_false(ats);

	/* ATS is only enabled for an S1-translate STE. */
	ste[0] = SIO_STE0_V | CFG(SIO_STE_CFG_BYPASS);
	ste[1] = EATS(1);
	assert_int_equal(sio_smmu_validate_vste(ste, &ats), 0);
	assert_false(ats);

	ste[1] = EATS(2);
	assert_int_equal(sio_smmu_validate_vste(ste, &ats), -EIO);
	ste[1] = EATS(3);
	assert_int_equal(sio_smmu_validate_vste(ste, &ats), -EIO);
}

/* Test vSID table: vSID n maps to pSID n + 0x100 for n < 4. */
static int vsid_to_sid(void *arg, uint32_t vsid, uint32_t *sid)
{
	unsigned int *calls = arg;

	(*calls)++;
	if (vsid >= 4)
		return -1;
	*sid = vsid + 0x100;
	return 0;
}

static void test_cmd_tlbi_vmid_forced(void **state)
{
	static const unsigned int ops[] = {
		SIO_SMMU_OP_TLBI_NH_ALL, SIO_SMMU_OP_TLBI_NH_ASID,
		SIO_SMMU_OP_TLBI_NH_VA, SIO_SMMU_OP_TLBI_NH_VAA,
	};
	unsigned int i, calls = 0;

	(void)state;
	for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		/* Guest VMID 0x7777, ASID 0x1234, other word-0 fields and word 1 kept. */
		uint64_t c[2] = { ops[i] | 0xabc00ull | 0x7777ull << 32 | 0x1234ull << 48,
				  0xdeadbeef000ull };

		assert_int_equal(sio_smmu_convert_user_cmd(c, 0x42, vsid_to_sid, &calls), 0);
		assert_int_equal(c[0], ops[i] | 0xabc00ull | 0x42ull << 32 | 0x1234ull << 48);
		assert_int_equal(c[1], 0xdeadbeef000ull);
	}
	assert_int_equal(calls, 0);
}

static void test_cmd_nsnh_all(void **state)
{
	uint64_t c[2] = { SIO_SMMU_OP_TLBI_NSNH_ALL | 0xffffffff00000f00ull, 0x1234 };
	unsigned int calls = 0;

	(void)state;
	assert_int_equal(sio_smmu_convert_user_cmd(c, 9, vsid_to_sid, &calls), 0);
	assert_int_equal(c[0], SIO_SMMU_OP_TLBI_NH_ALL | 9ull << 32);
	assert_int_equal(c[1], 0);
}

static void test_cmd_sid_translated(void **state)
{
	static const unsigned int ops[] = {
		SIO_SMMU_OP_ATC_INV, SIO_SMMU_OP_CFGI_CD, SIO_SMMU_OP_CFGI_CD_ALL,
	};
	unsigned int i, calls = 0;

	(void)state;
	for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		uint64_t c[2] = { ops[i] | 0x55555000ull | 3ull << 32, 0x77 };
		uint64_t bad[2] = { ops[i] | 4ull << 32, 0 };

		assert_int_equal(sio_smmu_convert_user_cmd(c, 1, vsid_to_sid, &calls), 0);
		assert_int_equal(c[0], ops[i] | 0x55555000ull | 0x103ull << 32);
		assert_int_equal(c[1], 0x77);
		assert_int_equal(sio_smmu_convert_user_cmd(bad, 1, vsid_to_sid, &calls), -EIO);
	}
	assert_int_equal(calls, 6);
}

static void test_cmd_refused(void **state)
{
	unsigned int op, calls = 0;

	(void)state;
	for (op = 0; op < 256; op++) {
		uint64_t c[2] = { op, 0 };
		bool ok = op == SIO_SMMU_OP_TLBI_NH_ALL || op == SIO_SMMU_OP_TLBI_NH_ASID ||
			  op == SIO_SMMU_OP_TLBI_NH_VA || op == SIO_SMMU_OP_TLBI_NH_VAA ||
			  op == SIO_SMMU_OP_TLBI_NSNH_ALL || op == SIO_SMMU_OP_ATC_INV ||
			  op == SIO_SMMU_OP_CFGI_CD || op == SIO_SMMU_OP_CFGI_CD_ALL;

		/* CFGI_STE (3), the S2 TLBIs (0x28, 0x2a), CMD_SYNC (0x46): all EIO. */
		assert_int_equal(sio_smmu_convert_user_cmd(c, 1, vsid_to_sid, &calls),
				 ok ? 0 : -EIO);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vste_invalid_is_zeroed),
		cmocka_unit_test(test_vste_allowed_bits),
		cmocka_unit_test(test_vste_cfg),
		cmocka_unit_test(test_vste_eats),
		cmocka_unit_test(test_cmd_tlbi_vmid_forced),
		cmocka_unit_test(test_cmd_nsnh_all),
		cmocka_unit_test(test_cmd_sid_translated),
		cmocka_unit_test(test_cmd_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
