// SPDX-License-Identifier: MIT
// The device-side ATC (model/atc.c) and the SMMU's CMD_ATC_INV that reaches it.
#include <gtest/gtest.h>

#include <vector>

extern "C" {
#include "atc.h"
#include "smmu.h"
#include "smmu_drv.h"
}

TEST(Atc, HitsWithinTheCompletionsRangeAndPermissions)
{
	atc_t a;
	ASSERT_TRUE(atc_init(&a, 4));
	atc_fill(&a, false, 0, false, 0x12345, 0x8001'2345, 64 * 1024, true, false);
	uint64_t pa = 0;
	EXPECT_TRUE(atc_lookup(&a, false, 0, false, 0x1fff0, false, &pa));
	EXPECT_EQ(pa, 0x8001'fff0u); // the 64 KiB range [0x10000, 0x20000)
	EXPECT_FALSE(atc_lookup(&a, false, 0, false, 0x20000, false, &pa));
	EXPECT_FALSE(atc_lookup(&a, false, 0, false, 0x10000, true, &pa)); // read-only
	EXPECT_FALSE(atc_lookup(&a, true, 5, false, 0x10000, false, &pa)); // other tag
	atc_fill(&a, false, 0, false, 0x40000, 0x9000'0000, 4096, false, false); // no access: not kept
	atc_fill(&a, false, 0, true, 0x50000, 0x9100'0000, 4096, true, true); // privileged
	EXPECT_FALSE(atc_lookup(&a, false, 0, false, 0x50000, false, &pa));
	EXPECT_TRUE(atc_lookup(&a, false, 0, true, 0x50000, false, &pa));
	EXPECT_FALSE(atc_lookup(&a, false, 0, false, 0x40000, false, &pa));
	atc_free(&a);
}

TEST(Atc, LeastRecentlyUsedEntryIsReplaced)
{
	atc_t a;
	ASSERT_TRUE(atc_init(&a, 2));
	uint64_t pa;
	atc_fill(&a, false, 0, false, 0x1000, 0x1000, 4096, true, true);
	atc_fill(&a, false, 0, false, 0x2000, 0x2000, 4096, true, true);
	EXPECT_TRUE(atc_lookup(&a, false, 0, false, 0x1000, false, &pa)); // 0x2000 is now the older
	atc_fill(&a, false, 0, false, 0x3000, 0x3000, 4096, true, true);
	EXPECT_TRUE(atc_lookup(&a, false, 0, false, 0x1000, false, &pa));
	EXPECT_FALSE(atc_lookup(&a, false, 0, false, 0x2000, false, &pa));
	EXPECT_TRUE(atc_lookup(&a, false, 0, false, 0x3000, false, &pa));
	atc_free(&a);
}

TEST(Atc, InvalidationByRangePasidAndGlobal)
{
	atc_t a;
	ASSERT_TRUE(atc_init(&a, 8));
	uint64_t pa;
	atc_fill(&a, false, 0, false, 0x1000, 0x1000, 4096, true, true);
	atc_fill(&a, false, 0, false, 0x5000, 0x5000, 4096, true, true);
	atc_fill(&a, true, 7, false, 0x1000, 0x7000, 4096, true, true);
	atc_fill(&a, true, 9, false, 0x1000, 0x9000, 4096, true, true);
	EXPECT_EQ(atc_invalidate(&a, true, 7, false, 0x0, 0x4000), 1u); // PASID 7 only
	EXPECT_FALSE(atc_lookup(&a, true, 7, false, 0x1000, false, &pa));
	EXPECT_TRUE(atc_lookup(&a, true, 9, false, 0x1000, false, &pa));
	EXPECT_TRUE(atc_lookup(&a, false, 0, false, 0x1000, false, &pa));
	// Without a PASID: every entry in the range, tagged or not (PASID 9's and the untagged).
	EXPECT_EQ(atc_invalidate(&a, false, 0, false, 0x0, 0x4000), 2u);
	EXPECT_FALSE(atc_lookup(&a, true, 9, false, 0x1000, false, &pa));
	EXPECT_FALSE(atc_lookup(&a, false, 0, false, 0x1000, false, &pa));
	EXPECT_TRUE(atc_lookup(&a, false, 0, false, 0x5000, false, &pa));
	EXPECT_EQ(atc_invalidate(&a, true, 3, true, 0, UINT64_MAX), 1u); // global: the rest
	EXPECT_FALSE(atc_lookup(&a, false, 0, false, 0x5000, false, &pa));
	atc_free(&a);
}

namespace {
struct Inv {
	uint32_t sid;
	bool ssv;
	uint32_t ssid;
	bool global;
	uint64_t addr, size;
};
void record(void *ctx, uint32_t sid, bool ssv, uint32_t ssid, bool global, uint64_t addr,
	    uint64_t size)
{
	static_cast<std::vector<Inv> *>(ctx)->push_back({sid, ssv, ssid, global, addr, size});
}
} // namespace

TEST(Atc, SmmuSendsAnInvalidateRequestForAtcInv)
{
	sim_t *sim = sim_create(1);
	mem_t *mem = mem_create();
	physalloc_t alloc;
	physalloc_init(&alloc, 0x8000'0000, 64 << 20);
	smmu_params_t p = smmu_params_default();
	smmu_t *smmu = smmu_create(sim, &p, mem_port_direct(mem), "smmu0");
	smmu_drv_t drv;
	ASSERT_EQ(smmu_drv_probe(&drv, smmu, sim, mem, &alloc, true), 0);
	std::vector<Inv> got;
	smmu_set_atc_client(smmu, record, &got);
	// 2^4 pages at 0x123000: the range is aligned down to 64 KiB.
	ASSERT_EQ(smmu_drv_cmd(&drv,
			       SMMU_PREP(CMD0_OPCODE, SMMU_CMD_ATC_INV) | SMMU_PREP(CMD0_SID, 0x200) |
				       SMMU_PREP(CMD0_SSV, 1) | SMMU_PREP(CMD0_SSID, 3),
			       0x123000ull | SMMU_PREP(CMD1_ATC_SIZE, 4)),
		  0);
	ASSERT_EQ(smmu_drv_cmd(&drv,
			       SMMU_PREP(CMD0_OPCODE, SMMU_CMD_ATC_INV) | SMMU_PREP(CMD0_SID, 0x200) |
				       SMMU_PREP(CMD0_ATC_GLOBAL, 1),
			       SMMU_PREP(CMD1_ATC_SIZE, 52)),
		  0);
	EXPECT_TRUE(got.empty()); // delivered as the SMMU consumes the commands
	ASSERT_EQ(smmu_drv_sync(&drv), 0);
	ASSERT_EQ(got.size(), 2u);
	EXPECT_EQ(got[0].sid, 0x200u);
	EXPECT_TRUE(got[0].ssv);
	EXPECT_EQ(got[0].ssid, 3u);
	EXPECT_FALSE(got[0].global);
	EXPECT_EQ(got[0].addr, 0x120000u);
	EXPECT_EQ(got[0].size, 0x10000u);
	EXPECT_TRUE(got[1].global);
	EXPECT_EQ(got[1].addr, 0u);
	EXPECT_EQ(got[1].size, UINT64_MAX);
	smmu_drv_free(&drv);
	smmu_destroy(smmu);
	mem_destroy(mem);
	sim_destroy(sim);
}
