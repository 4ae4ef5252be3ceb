// SPDX-License-Identifier: MIT
// The SMMU's TLB, configuration cache and walk caches: what they save, what software must do
// to make a change visible (and when it becomes visible), and eviction in tiny caches.
#include <gtest/gtest.h>

extern "C" {
#include "iopgtable.h"
#include "smmu.h"
#include "cache.h"
#include "smmu_drv.h"
}
#include "smmu_testutil.h"

namespace {

constexpr uint64_t KiB = 1024, MiB = 1024 * KiB;
constexpr smmu_access_t kRead{false, false, false};

struct Sys {
	sim_t *sim = sim_create(42);
	mem_t *mem = mem_create();
	physalloc_t alloc;
	smmu_t *smmu;
	smmu_drv_t drv;
	iopgtable_t pt;
	static constexpr uint32_t kSid = 0x0100;
	static constexpr uint16_t kAsid = 7;
	explicit Sys(smmu_params_t p = smmu_params_default())
	{
		physalloc_init(&alloc, 0x8000'0000, 256 * MiB);
		smmu = smmu_create(sim, &p, mem_port_direct(mem), "smmu0");
		EXPECT_EQ(smmu_drv_probe(&drv, smmu, sim, mem, &alloc, true), 0);
		EXPECT_EQ(iopgtable_init(&pt, mem, &alloc, 1, 12, 48, 48), IOPT_OK);
		iofab_test::attach_stage1(&drv, &pt, kSid, kAsid);
	}
	~Sys()
	{
		smmu_drv_free(&drv);
		smmu_destroy(smmu);
		mem_destroy(mem);
		sim_destroy(sim);
	}
	smmu_xlate_t xlate(uint64_t va, uint32_t sid = kSid)
	{
		smmu_txn_t t{sid, false, 0, va, kRead, TLP_AT_UNTRANSLATED};
		smmu_xlate_t x;
		smmu_translate(smmu, &t, &x);
		return x;
	}
	void map(uint64_t va, uint64_t pa, uint64_t size = 4 * KiB)
	{
		ASSERT_EQ(iopgtable_map(&pt, va, pa, size, IOPT_READ | IOPT_WRITE), IOPT_OK);
	}
	void tlbi_va(uint64_t va, bool leaf)
	{
		smmu_drv_cmd(&drv,
			     SMMU_PREP(CMD0_OPCODE, SMMU_CMD_TLBI_NH_VA) | SMMU_PREP(CMD0_ASID, kAsid),
			     SMMU_PREP(CMD1_ADDR, va >> 12) | SMMU_PREP(CMD1_LEAF, leaf));
	}
};

} // namespace

TEST(SmmuCache, SecondAccessHitsTheTlbAndFetchesNothing)
{
	Sys s;
	s.map(0x10'0000, 0x9000'0000);
	smmu_xlate_t x = s.xlate(0x10'0040);
	ASSERT_EQ(x.outcome, SMMU_XLATE_OK);
	EXPECT_FALSE(x.tlb_hit);
	EXPECT_EQ(x.walk.nreads, 4u);
	x = s.xlate(0x10'0ff8);
	ASSERT_EQ(x.outcome, SMMU_XLATE_OK);
	EXPECT_TRUE(x.tlb_hit);
	EXPECT_EQ(x.pa, 0x9000'0ff8u);
	EXPECT_EQ(x.config_reads, 0u);
	EXPECT_EQ(x.walk.nreads, 0u);
	EXPECT_EQ(smmu_stats(s.smmu)->tlb_hits, 1u);
}

TEST(SmmuCache, ConfigAndWalkCachesServeTheNeighbouringPage)
{
	Sys s;
	s.map(0x10'0000, 0x9000'0000);
	s.map(0x10'1000, 0x9100'0000);
	s.xlate(0x10'0000);
	smmu_xlate_t x = s.xlate(0x10'1000); // another page: TLB miss
	ASSERT_EQ(x.outcome, SMMU_XLATE_OK);
	EXPECT_FALSE(x.tlb_hit);
	EXPECT_TRUE(x.ste_cached);
	EXPECT_TRUE(x.cd_cached);
	EXPECT_EQ(x.config_reads, 0u);
	EXPECT_EQ(x.walk.nreads, 1u); // the level-3 table's address came from the walk cache
	EXPECT_EQ(x.pa, 0x9100'0000u);
}

TEST(SmmuCache, StaleTranslationIsUsableUntilTheTlbiCompletesNeverAfter)
{
	Sys s;
	s.map(0x10'0000, 0x9000'0000);
	ASSERT_EQ(s.xlate(0x10'0000).outcome, SMMU_XLATE_OK);
	// Software unmaps the page: the TLB still holds the translation.
	ASSERT_EQ(iopgtable_unmap(&s.pt, 0x10'0000, 4 * KiB), IOPT_OK);
	EXPECT_TRUE(s.xlate(0x10'0000).tlb_hit);
	// The TLBI is queued but not yet consumed: the stale entry may still be used.
	s.tlbi_va(0x10'0000, true);
	EXPECT_TRUE(s.xlate(0x10'0000).tlb_hit);
	// Once the CMD_SYNC that follows it completes, it never is.
	ASSERT_EQ(smmu_drv_sync(&s.drv), 0);
	smmu_xlate_t x = s.xlate(0x10'0000);
	EXPECT_FALSE(x.tlb_hit);
	EXPECT_EQ(x.event, SMMU_EVT_F_TRANSLATION);
}

TEST(SmmuCache, ConfigurationChangesNeedCfgi)
{
	Sys s;
	s.map(0x10'0000, 0x9000'0000);
	ASSERT_EQ(s.xlate(0x10'0000).outcome, SMMU_XLATE_OK);
	// Rewrite the STE in memory as bypass, without telling the SMMU.
	uint64_t pa = smmu_drv_ste_addr(&s.drv, Sys::kSid);
	uint64_t ste[8];
	smmu_ste_bypass(ste);
	uint8_t b[8];
	mem_put_le64(b, ste[0]);
	mem_write(s.mem, pa, b, 8);
	smmu_xlate_t x = s.xlate(0x20'0000); // not in the TLB: the cached STE still says stage 1
	EXPECT_EQ(x.event, SMMU_EVT_F_TRANSLATION);
	EXPECT_TRUE(x.ste_cached);
	smmu_drv_cmd(&s.drv, SMMU_PREP(CMD0_OPCODE, SMMU_CMD_CFGI_STE) | SMMU_PREP(CMD0_SID, Sys::kSid),
		     SMMU_PREP(CMD1_LEAF, 1));
	ASSERT_EQ(smmu_drv_sync(&s.drv), 0);
	x = s.xlate(0x20'0000);
	EXPECT_EQ(x.outcome, SMMU_XLATE_OK);
	EXPECT_EQ(x.path, SMMU_PATH_STE_BYPASS);
}

TEST(SmmuCache, LeafInvalidationKeepsTheWalkCaches)
{
	Sys s;
	s.map(0x10'0000, 0x9000'0000);
	s.xlate(0x10'0000);
	s.tlbi_va(0x10'0000, /*leaf=*/true);
	ASSERT_EQ(smmu_drv_sync(&s.drv), 0);
	EXPECT_EQ(s.xlate(0x10'0000).walk.nreads, 1u);
	s.tlbi_va(0x10'0000, /*leaf=*/false);
	ASSERT_EQ(smmu_drv_sync(&s.drv), 0);
	EXPECT_EQ(s.xlate(0x10'0000).walk.nreads, 4u);
}

TEST(SmmuCache, AsidAndRangeInvalidationsHitExactlyTheirScope)
{
	Sys s;
	for (uint64_t i = 0; i < 8; i++)
		s.map(0x10'0000 + i * 4 * KiB, 0x9000'0000 + i * 4 * KiB);
	for (uint64_t i = 0; i < 8; i++)
		s.xlate(0x10'0000 + i * 4 * KiB);
	// TLBI_NH_VA with a range: pages 2..5 (NUM=3, SCALE=0, TG=1: 4 pages of 4 KiB).
	smmu_drv_cmd(&s.drv,
		     SMMU_PREP(CMD0_OPCODE, SMMU_CMD_TLBI_NH_VA) | SMMU_PREP(CMD0_ASID, Sys::kAsid) |
			     SMMU_PREP(CMD0_NUM, 3),
		     SMMU_PREP(CMD1_ADDR, (0x10'0000 + 2 * 4 * KiB) >> 12) | SMMU_PREP(CMD1_TG, 1) |
			     SMMU_PREP(CMD1_LEAF, 1));
	ASSERT_EQ(smmu_drv_sync(&s.drv), 0);
	for (uint64_t i = 0; i < 8; i++)
		EXPECT_EQ(s.xlate(0x10'0000 + i * 4 * KiB).tlb_hit, i < 2 || i > 5) << i;
	// Another ASID's invalidation leaves ours alone; ours removes everything.
	smmu_drv_cmd(&s.drv, SMMU_PREP(CMD0_OPCODE, SMMU_CMD_TLBI_NH_ASID) | SMMU_PREP(CMD0_ASID, 99), 0);
	ASSERT_EQ(smmu_drv_sync(&s.drv), 0);
	EXPECT_TRUE(s.xlate(0x10'0000).tlb_hit);
	smmu_drv_cmd(&s.drv, SMMU_PREP(CMD0_OPCODE, SMMU_CMD_TLBI_NH_ASID) | SMMU_PREP(CMD0_ASID, Sys::kAsid), 0);
	ASSERT_EQ(smmu_drv_sync(&s.drv), 0);
	EXPECT_FALSE(s.xlate(0x10'0000).tlb_hit);
}

TEST(SmmuCache, BlockMappingsAreCachedAtTheirSize)
{
	Sys s;
	s.map(0x4000'0000, 0x1'0000'0000, 2 * MiB);
	s.xlate(0x4000'0000);
	smmu_xlate_t x = s.xlate(0x401f'f000); // same 2 MiB block, another 4 KiB page
	EXPECT_TRUE(x.tlb_hit);
	EXPECT_EQ(x.pa, 0x1'001f'f000u);
	EXPECT_EQ(x.size, 2 * MiB);
}

// --- the cache on its own: replacement in tiny caches ----------------------------------

namespace {
struct Tiny {
	sim_t *sim = sim_create(7);
	cache_t c;
	Tiny(uint32_t entries, uint32_t ways, cache_repl_t r)
	{
		EXPECT_TRUE(cache_init(&c, "tiny", cache_geom_t{entries, ways, r}, sim));
	}
	~Tiny()
	{
		cache_free(&c);
		sim_destroy(sim);
	}
	// Fully associative use: every key in the one set.
	bool has(uint64_t k)
	{
		uint64_t key[4] = {k, 0, 0, 0};
		return cache_lookup(&c, 0, key) != nullptr;
	}
	void put(uint64_t k)
	{
		uint64_t key[4] = {k, 0, 0, 0}, data[4] = {k * 10, 0, 0, 0};
		cache_fill(&c, 0, key, data);
	}
};
} // namespace

TEST(SmmuCache, LruEvictsTheLeastRecentlyUsed)
{
	Tiny t(2, 2, CACHE_REPL_LRU);
	t.put(1);
	t.put(2);
	EXPECT_TRUE(t.has(1)); // 1 is now more recent than 2
	t.put(3);
	EXPECT_TRUE(t.has(1));
	EXPECT_FALSE(t.has(2));
	EXPECT_TRUE(t.has(3));
	EXPECT_EQ(t.c.evictions, 1u);
}

TEST(SmmuCache, RoundRobinEvictsInTurn)
{
	Tiny t(2, 2, CACHE_REPL_RR);
	t.put(1);
	t.put(2);
	EXPECT_TRUE(t.has(1)); // use does not matter for round robin
	t.put(3);              // evicts way 0 (key 1)
	EXPECT_FALSE(t.has(1));
	t.put(4);              // evicts way 1 (key 2)
	EXPECT_FALSE(t.has(2));
	EXPECT_TRUE(t.has(3));
	EXPECT_TRUE(t.has(4));
}

TEST(SmmuCache, RandomReplacementIsDeterministicForASeed)
{
	auto run = [] {
		Tiny t(4, 4, CACHE_REPL_RANDOM);
		for (uint64_t k = 0; k < 20; k++)
			t.put(k);
		uint64_t present = 0;
		for (uint64_t k = 0; k < 20; k++)
			present |= (uint64_t)t.has(k) << k;
		return present;
	};
	uint64_t a = run(), b = run();
	EXPECT_EQ(a, b);
	EXPECT_EQ(__builtin_popcountll(a), 4);
}

TEST(SmmuCache, ATinyTlbThrashesAndStillTranslatesCorrectly)
{
	smmu_params_t p = smmu_params_default();
	p.tlb = {2, 2, CACHE_REPL_LRU};
	p.walk_cache = {0, 0, CACHE_REPL_LRU}; // no walk caches
	Sys s(p);
	for (uint64_t i = 0; i < 4; i++)
		s.map(0x10'0000 + i * 4 * KiB, 0x9000'0000 + i * 0x10'0000);
	for (int round = 0; round < 2; round++)
		for (uint64_t i = 0; i < 4; i++) {
			smmu_xlate_t x = s.xlate(0x10'0000 + i * 4 * KiB + 8);
			ASSERT_EQ(x.outcome, SMMU_XLATE_OK);
			EXPECT_EQ(x.pa, 0x9000'0008 + i * 0x10'0000);
			EXPECT_FALSE(x.tlb_hit); // 4 pages cycling through 2 entries: always evicted
			EXPECT_EQ(x.walk.nreads, 4u);
		}
	EXPECT_GE(smmu_cache(s.smmu, "tlb")->evictions, 6u);
}
