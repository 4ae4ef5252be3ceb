// SPDX-License-Identifier: MIT
// The SMMU table walk against tables the driver layer builds in simulated memory: results for
// every granule, start level and stage; the architectural read counts of nested walks with and
// without walk-cache hits; and every fault the walker raises.
#include <gtest/gtest.h>

#include <map>
#include <tuple>

extern "C" {
#include "iopgtable.h"
#include "mem.h"
#include "smmu_walk.h"
}

namespace {

constexpr uint64_t KiB = 1024, MiB = 1024 * KiB, GiB = 1024 * MiB;
constexpr smmu_access_t kRead{false, false, false};
constexpr smmu_access_t kWrite{true, false, false};
constexpr smmu_access_t kPrivRead{false, false, true};
constexpr smmu_access_t kExec{false, true, false};

// Simulated DRAM with a table allocator at 0x8000_0000.
struct Sys {
	mem_t *mem = mem_create();
	physalloc_t alloc;
	mem_port_t port = mem_port_direct(mem);
	Sys() { physalloc_init(&alloc, 0x8000'0000, 1 * GiB); }
	~Sys() { mem_destroy(mem); }
	iopgtable_t table(uint8_t stage, unsigned g, unsigned ias, unsigned oas = 48)
	{
		iopgtable_t pt;
		EXPECT_EQ(iopgtable_init(&pt, mem, &alloc, stage, g, ias, oas), IOPT_OK);
		return pt;
	}
	uint64_t desc(uint64_t pa)
	{
		uint8_t b[8];
		mem_read(mem, pa, b, 8);
		return mem_le64(b);
	}
	void set_desc(uint64_t pa, uint64_t v)
	{
		uint8_t b[8];
		mem_put_le64(b, v);
		mem_write(mem, pa, b, 8);
	}
};

smmu_walk_result_t walk1(Sys &s, const iopgtable_t &pt, uint64_t ia, smmu_access_t a = kRead,
			 const smmu_walk_hooks_t *h = nullptr)
{
	smmu_walk_result_t r;
	smmu_walk_stage(&s.port, &pt.tt, pt.stage, ia, a, h, &r);
	return r;
}

// A walk cache in the test: (stage, level, ia bits above the level shift) -> table PA.
struct WalkCache {
	std::map<std::tuple<int, int, uint64_t>, uint64_t> entries;
	unsigned granule_shift = 12;
	bool stage1 = true, stage2 = true; // which stages it caches
	smmu_walk_hooks_t hooks()
	{
		return smmu_walk_hooks_t{this, &lookup, &fill};
	}
	uint64_t key(int level, uint64_t ia) const
	{
		// The table at `level` is selected by the input bits above that level's range.
		return ia >> vmsa_level_shift(granule_shift, level - 1);
	}
	static bool lookup(void *ctx, uint8_t stage, int level, uint64_t ia, uint64_t *pa)
	{
		auto *w = static_cast<WalkCache *>(ctx);
		if ((stage == 1 && !w->stage1) || (stage == 2 && !w->stage2))
			return false;
		auto it = w->entries.find({stage, level, w->key(level, ia)});
		if (it == w->entries.end())
			return false;
		*pa = it->second;
		return true;
	}
	static void fill(void *ctx, uint8_t stage, int level, uint64_t ia, uint64_t pa)
	{
		auto *w = static_cast<WalkCache *>(ctx);
		w->entries[{stage, level, w->key(level, ia)}] = pa;
	}
};

} // namespace

// --- single stage: every granule and start level -----------------------------------------

struct Geometry {
	unsigned granule_shift, ias;
	int start_level;
};

class WalkGeometry : public ::testing::TestWithParam<std::tuple<Geometry, int>> {};

TEST_P(WalkGeometry, PagesAndBlocksTranslate)
{
	auto [geo, stage] = GetParam();
	Sys s;
	iopgtable_t pt = s.table((uint8_t)stage, geo.granule_shift, geo.ias);
	if (stage == 1) {
		ASSERT_EQ(pt.tt.start_level, geo.start_level);
	}
	const uint64_t page = 1ull << geo.granule_shift;
	const uint64_t top = (1ull << geo.ias) - page; // the last page of the input range
	ASSERT_EQ(iopgtable_map(&pt, top, 0x1'2340'0000ull & ~(page - 1), page, IOPT_READ | IOPT_WRITE),
		  IOPT_OK);
	smmu_walk_result_t r = walk1(s, pt, top + 0x18, kWrite);
	ASSERT_EQ(r.fault, SMMU_FAULT_NONE) << smmu_fault_name(r.fault) << " at level "
					    << (int)r.fault_level;
	EXPECT_EQ(r.oa, (0x1'2340'0000ull & ~(page - 1)) + 0x18);
	EXPECT_EQ(r.size, page);
	EXPECT_EQ(r.nreads, (uint32_t)(4 - pt.tt.start_level)); // one read per level
	for (uint32_t i = 0; i < r.nreads; i++)
		EXPECT_EQ(r.reads[i].level, pt.tt.start_level + (int)i);

	// A level-2 block where the granule allows one and the walk reaches level 2.
	const uint64_t block = 1ull << vmsa_level_shift(geo.granule_shift, 2);
	if (pt.tt.start_level <= 2 && block < (1ull << geo.ias) / 2) {
		ASSERT_EQ(iopgtable_map(&pt, 0, 0x40'0000'0000ull, block, IOPT_READ), IOPT_OK);
		r = walk1(s, pt, block - 8);
		ASSERT_EQ(r.fault, SMMU_FAULT_NONE);
		EXPECT_EQ(r.oa, 0x40'0000'0000ull + block - 8);
		EXPECT_EQ(r.size, block);
		EXPECT_EQ(r.nreads, (uint32_t)(3 - pt.tt.start_level));
	}
}

INSTANTIATE_TEST_SUITE_P(
	GranulesAndStartLevels, WalkGeometry,
	::testing::Combine(::testing::Values(Geometry{12, 48, 0}, Geometry{12, 39, 1},
					     Geometry{12, 30, 2}, Geometry{14, 48, 0},
					     Geometry{14, 47, 1}, Geometry{14, 36, 2},
					     Geometry{14, 25, 3}, Geometry{16, 48, 1},
					     Geometry{16, 42, 2}, Geometry{16, 29, 3}),
			   ::testing::Values(1, 2)),
	[](const ::testing::TestParamInfo<WalkGeometry::ParamType> &info) {
		const Geometry &g = std::get<0>(info.param);
		return "S" + std::to_string(std::get<1>(info.param)) + "_" +
		       std::to_string(1u << (g.granule_shift - 10)) + "K_ias" + std::to_string(g.ias);
	});

TEST(SmmuWalk, OneGigabyteBlockAtLevelOne)
{
	Sys s;
	iopgtable_t pt = s.table(1, 12, 48);
	ASSERT_EQ(iopgtable_map(&pt, 3 * GiB, 5 * GiB, GiB, IOPT_READ), IOPT_OK);
	smmu_walk_result_t r = walk1(s, pt, 3 * GiB + 0x1234);
	ASSERT_EQ(r.fault, SMMU_FAULT_NONE);
	EXPECT_EQ(r.oa, 5 * GiB + 0x1234);
	EXPECT_EQ(r.size, GiB);
	EXPECT_EQ(r.nreads, 2u);
}

TEST(SmmuWalk, Stage2ConcatenatesStartTablesLikeIoPgtable)
{
	// 4K, 40-bit IPA: level 0 would hold 2 entries; io-pgtable starts at level 1 with two
	// concatenated tables instead, and the walk indexes across both.
	Sys s;
	iopgtable_t pt = s.table(2, 12, 40);
	EXPECT_EQ(pt.tt.start_level, 1);
	EXPECT_EQ(pt.concat, 2u);
	const uint64_t ipa = (1ull << 39) + 0x7654'3000; // in the second concatenated table
	ASSERT_EQ(iopgtable_map(&pt, ipa, 0x9000'0000, 4 * KiB, IOPT_READ), IOPT_OK);
	EXPECT_EQ(iopgtable_desc_addr(&pt, ipa, 1), pt.tt.ttb + 4096 + ((ipa >> 30) & 511) * 8);
	smmu_walk_result_t r = walk1(s, pt, ipa + 4);
	ASSERT_EQ(r.fault, SMMU_FAULT_NONE);
	EXPECT_EQ(r.oa, 0x9000'0004u);
	EXPECT_EQ(r.nreads, 3u);
}

// --- nested walks: the architectural read counts ------------------------------------------

namespace {
// Stage 1 (ias 48) whose tables live in IPA space, stage 2 (ias 48) mapping that IPA space
// and the stage-1 output onto PA.
struct Nested {
	Sys s;
	physalloc_t s1_alloc; // the pool stage-1 tables come from (PA 0xA000_0000)
	iopgtable_t s1, s2;
	// Stage-1 tables are allocated from a pool the guest sees at IPA = PA - 0x4000_0000;
	// stage 2 maps that pool back, with 4 KiB pages or (blocks = true) 2 MiB blocks.
	explicit Nested(bool blocks = false)
	{
		s2 = s.table(2, 12, 48);
		physalloc_init(&s1_alloc, 0xA000'0000, 16 * MiB);
		EXPECT_EQ(iopgtable_init(&s1, s.mem, &s1_alloc, 1, 12, 48, 48), IOPT_OK);
		for (uint64_t off = 0; off < 16 * MiB; off += blocks ? 2 * MiB : 4 * KiB)
			EXPECT_EQ(iopgtable_map(&s2, 0x6000'0000 + off, 0xA000'0000 + off,
						blocks ? 2 * MiB : 4 * KiB, IOPT_READ | IOPT_WRITE),
				  IOPT_OK);
	}
	// Stage-1 tables are written at PA; the walker must see their IPA: rebase the TTB and
	// every table pointer by translating through the identity offset above.
	void finish_s1()
	{
		rebase(s1.tt.ttb, s1.tt.start_level);
		s1.tt.ttb -= 0x4000'0000;
	}
	void rebase(uint64_t table_pa, int level)
	{
		if (level == 3)
			return;
		unsigned n = level == s1.tt.start_level ? 1u << (s1.tt.ias - vmsa_level_shift(12, level))
							: 512;
		for (unsigned i = 0; i < n; i++) {
			uint64_t d = s.desc(table_pa + i * 8);
			if ((d & 3) != 3)
				continue;
			uint64_t next = d & VMSA_ADDR_MASK;
			rebase(next, level + 1);
			s.set_desc(table_pa + i * 8, (d & ~VMSA_ADDR_MASK) | (next - 0x4000'0000));
		}
	}
	smmu_walk_result_t walk(uint64_t ia, const smmu_walk_hooks_t *h = nullptr,
				smmu_access_t a = kRead)
	{
		smmu_walk_result_t r;
		smmu_walk_nested(&s.port, &s1.tt, &s2.tt, ia, a, h, &r);
		return r;
	}
};
} // namespace

TEST(SmmuWalkNested, FullMissWithFourLevelsAtBothStagesReads24Descriptors)
{
	Nested n;
	ASSERT_EQ(iopgtable_map(&n.s1, 0x1234'5000, 0x10'0000'0000ull, 4 * KiB, IOPT_READ), IOPT_OK);
	ASSERT_EQ(iopgtable_map(&n.s2, 0x10'0000'0000ull, 0x3'0000'0000ull, 4 * KiB, IOPT_READ),
		  IOPT_OK);
	n.finish_s1();
	smmu_walk_result_t r = n.walk(0x1234'5678);
	ASSERT_EQ(r.fault, SMMU_FAULT_NONE) << smmu_fault_name(r.fault) << " stage "
					    << (int)r.fault_stage << " level " << (int)r.fault_level;
	EXPECT_EQ(r.ipa, 0x10'0000'0678ull);
	EXPECT_EQ(r.oa, 0x3'0000'0678ull);
	// 4 stage-1 levels, each preceded by a 4-level stage-2 walk of its table's IPA, then a
	// 4-level stage-2 walk of the output: 4 x (4 + 1) + 4.
	EXPECT_EQ(r.nreads, 24u);
	unsigned s1 = 0, s2_tables = 0, s2_out = 0;
	for (uint32_t i = 0; i < r.nreads; i++) {
		if (r.reads[i].stage == 1)
			s1++;
		else if (r.reads[i].for_s1_table)
			s2_tables++;
		else
			s2_out++;
	}
	EXPECT_EQ(s1, 4u);
	EXPECT_EQ(s2_tables, 16u);
	EXPECT_EQ(s2_out, 4u);
}

TEST(SmmuWalkNested, TwoMegabyteBlocksAtBothStagesRead15)
{
	Nested n(/*blocks=*/true);
	ASSERT_EQ(iopgtable_map(&n.s1, 0x4000'0000, 0x10'0000'0000ull, 2 * MiB, IOPT_READ), IOPT_OK);
	ASSERT_EQ(iopgtable_map(&n.s2, 0x10'0000'0000ull, 0x3'0000'0000ull, 2 * MiB, IOPT_READ),
		  IOPT_OK);
	n.finish_s1();
	// The stage-1 tables' pool is mapped by 2 MiB blocks too, so every stage-2 walk reads 3.
	smmu_walk_result_t r = n.walk(0x4000'1234);
	ASSERT_EQ(r.fault, SMMU_FAULT_NONE);
	EXPECT_EQ(r.oa, 0x3'0000'1234ull);
	EXPECT_EQ(r.size, 2 * MiB);
	EXPECT_EQ(r.nreads, 15u); // 3 x (3 + 1) + 3
}

TEST(SmmuWalkNested, WalkCacheHitsCutTheReadsToTheArchitecturalCounts)
{
	Nested n;
	for (uint64_t i = 0; i < 2; i++) {
		ASSERT_EQ(iopgtable_map(&n.s1, 0x1234'5000 + i * 4096, 0x10'0000'0000ull + i * 4096,
					4 * KiB, IOPT_READ),
			  IOPT_OK);
		ASSERT_EQ(iopgtable_map(&n.s2, 0x10'0000'0000ull + i * 4096,
					0x3'0000'0000ull + i * 4096, 4 * KiB, IOPT_READ),
			  IOPT_OK);
	}
	n.finish_s1();

	// Only stage-1 entries cached: the next page in the same last-level table needs the
	// stage-1 level-3 read and a full stage-2 walk of the output: 5.
	WalkCache s1only;
	s1only.stage2 = false;
	smmu_walk_hooks_t h = s1only.hooks();
	ASSERT_EQ(n.walk(0x1234'5000, &h).nreads, 24u);
	smmu_walk_result_t r = n.walk(0x1234'6000, &h);
	ASSERT_EQ(r.fault, SMMU_FAULT_NONE);
	EXPECT_EQ(r.oa, 0x3'0000'1000ull);
	EXPECT_EQ(r.nreads, 5u);

	// Both stages cached. Already the first walk benefits: after the stage-2 walk of the
	// TTB (4 reads), the other stage-1 tables lie in the same stage-2 level-3 table (1 read
	// each), and the output IPA shares the stage-2 level-1 table (3 reads):
	// (4 + 1) + 3 x (1 + 1) + 3 = 14. The next page then needs one stage-1 read and the
	// stage-2 level-3 read of the output.
	WalkCache both;
	h = both.hooks();
	ASSERT_EQ(n.walk(0x1234'5000, &h).nreads, 14u);
	r = n.walk(0x1234'6000, &h);
	ASSERT_EQ(r.fault, SMMU_FAULT_NONE);
	EXPECT_EQ(r.nreads, 2u);
}

TEST(SmmuWalkNested, OneStageBypassedReadsFour)
{
	Sys s;
	iopgtable_t pt = s.table(2, 12, 48);
	ASSERT_EQ(iopgtable_map(&pt, 0x10'0000'0000ull, 0x3'0000'0000ull, 4 * KiB, IOPT_READ), IOPT_OK);
	EXPECT_EQ(walk1(s, pt, 0x10'0000'0000ull).nreads, 4u);
}

// --- faults --------------------------------------------------------------------------------

TEST(SmmuWalkFaults, UnmappedIsATranslationFaultAtTheLevelWhereTheWalkStopped)
{
	Sys s;
	iopgtable_t pt = s.table(1, 12, 48);
	smmu_walk_result_t r = walk1(s, pt, 0x5000);
	EXPECT_EQ(r.fault, SMMU_FAULT_TRANSLATION);
	EXPECT_EQ(r.fault_stage, 1);
	EXPECT_EQ(r.fault_level, 0);
	ASSERT_EQ(iopgtable_map(&pt, 0x4000, 0x9000'0000, 4 * KiB, IOPT_READ), IOPT_OK);
	r = walk1(s, pt, 0x5000); // same level-3 table, empty entry
	EXPECT_EQ(r.fault, SMMU_FAULT_TRANSLATION);
	EXPECT_EQ(r.fault_level, 3);
}

TEST(SmmuWalkFaults, InputBeyondTheInputSizeIsATranslationFault)
{
	Sys s;
	iopgtable_t pt = s.table(2, 12, 40);
	smmu_walk_result_t r = walk1(s, pt, 1ull << 40);
	EXPECT_EQ(r.fault, SMMU_FAULT_TRANSLATION);
	EXPECT_EQ(r.fault_stage, 2);
	EXPECT_EQ(r.nreads, 0u);
}

TEST(SmmuWalkFaults, OutputBeyondTheOutputSizeIsAnAddressSizeFault)
{
	Sys s;
	iopgtable_t pt = s.table(1, 12, 48, 48);
	ASSERT_EQ(iopgtable_map(&pt, 0x1000, 0x100'0000'0000ull, 4 * KiB, IOPT_READ), IOPT_OK);
	pt.tt.oas = 40; // the CD says IPS = 40 bits
	smmu_walk_result_t r = walk1(s, pt, 0x1000);
	EXPECT_EQ(r.fault, SMMU_FAULT_ADDR_SIZE);
	EXPECT_EQ(r.fault_level, 3);
}

TEST(SmmuWalkFaults, TableAddressBeyondTheOutputSizeIsAnAddressSizeFault)
{
	Sys s;
	iopgtable_t pt = s.table(1, 12, 48);
	ASSERT_EQ(iopgtable_map(&pt, 0x1000, 0x9000'0000, 4 * KiB, IOPT_READ), IOPT_OK);
	uint64_t l1 = iopgtable_desc_addr(&pt, 0x1000, 1);
	s.set_desc(l1, 0x100'0000'0000ull | 3); // table pointer above 2^40
	pt.tt.oas = 40;
	smmu_walk_result_t r = walk1(s, pt, 0x1000);
	EXPECT_EQ(r.fault, SMMU_FAULT_ADDR_SIZE);
	EXPECT_EQ(r.fault_level, 1);
}

TEST(SmmuWalkFaults, AccessFlagClearFaultsUnlessDisabled)
{
	Sys s;
	iopgtable_t pt = s.table(1, 12, 48);
	ASSERT_EQ(iopgtable_map(&pt, 0x1000, 0x9000'0000, 4 * KiB, IOPT_READ), IOPT_OK);
	uint64_t l3 = iopgtable_desc_addr(&pt, 0x1000, 3);
	s.set_desc(l3, s.desc(l3) & ~VMSA_AF);
	EXPECT_EQ(walk1(s, pt, 0x1000).fault, SMMU_FAULT_ACCESS);
	pt.tt.affd = true;
	EXPECT_EQ(walk1(s, pt, 0x1000).fault, SMMU_FAULT_NONE);
}

TEST(SmmuWalkFaults, PermissionFaultsStage1)
{
	Sys s;
	iopgtable_t pt = s.table(1, 12, 48);
	ASSERT_EQ(iopgtable_map(&pt, 0x1000, 0x9000'0000, 4 * KiB, IOPT_READ), IOPT_OK);
	ASSERT_EQ(iopgtable_map(&pt, 0x2000, 0x9000'1000, 4 * KiB, IOPT_READ | IOPT_WRITE | IOPT_PRIV),
		  IOPT_OK);
	EXPECT_EQ(walk1(s, pt, 0x1000, kRead).fault, SMMU_FAULT_NONE);
	EXPECT_EQ(walk1(s, pt, 0x1000, kWrite).fault, SMMU_FAULT_PERMISSION); // read-only
	EXPECT_EQ(walk1(s, pt, 0x1000, kExec).fault, SMMU_FAULT_PERMISSION);  // XN
	EXPECT_EQ(walk1(s, pt, 0x2000, kRead).fault, SMMU_FAULT_PERMISSION);  // privileged only
	EXPECT_EQ(walk1(s, pt, 0x2000, kPrivRead).fault, SMMU_FAULT_NONE);
	smmu_walk_result_t r = walk1(s, pt, 0x1000);
	EXPECT_EQ(r.perm, (unsigned)(SMMU_PERM_PR | SMMU_PERM_UR));
}

TEST(SmmuWalkFaults, ApTableRestrictsEverythingBelowIt)
{
	Sys s;
	iopgtable_t pt = s.table(1, 12, 48);
	ASSERT_EQ(iopgtable_map(&pt, 0x1000, 0x9000'0000, 4 * KiB, IOPT_READ | IOPT_WRITE), IOPT_OK);
	EXPECT_EQ(walk1(s, pt, 0x1000, kWrite).fault, SMMU_FAULT_NONE);
	uint64_t l2 = iopgtable_desc_addr(&pt, 0x1000, 2);
	s.set_desc(l2, s.desc(l2) | VMSA_S1_APTABLE_RDONLY);
	EXPECT_EQ(walk1(s, pt, 0x1000, kWrite).fault, SMMU_FAULT_PERMISSION);
	EXPECT_EQ(walk1(s, pt, 0x1000, kRead).fault, SMMU_FAULT_NONE);
}

TEST(SmmuWalkFaults, PermissionFaultsStage2)
{
	Sys s;
	iopgtable_t pt = s.table(2, 12, 48);
	ASSERT_EQ(iopgtable_map(&pt, 0x1000, 0x9000'0000, 4 * KiB, IOPT_WRITE), IOPT_OK);
	EXPECT_EQ(walk1(s, pt, 0x1000, kWrite).fault, SMMU_FAULT_NONE);
	EXPECT_EQ(walk1(s, pt, 0x1000, kRead).fault, SMMU_FAULT_PERMISSION); // write-only
	EXPECT_EQ(walk1(s, pt, 0x1000, kRead).fault_stage, 2);
}

TEST(SmmuWalkFaults, ReservedAndMisplacedDescriptorsAreTranslationFaults)
{
	Sys s;
	iopgtable_t pt = s.table(1, 12, 48);
	ASSERT_EQ(iopgtable_map(&pt, 0x1000, 0x9000'0000, 4 * KiB, IOPT_READ), IOPT_OK);
	uint64_t l3 = iopgtable_desc_addr(&pt, 0x1000, 3);
	s.set_desc(l3, s.desc(l3) & ~VMSA_DESC_TABLE); // level-3 type 01: reserved
	smmu_walk_result_t r = walk1(s, pt, 0x1000);
	EXPECT_EQ(r.fault, SMMU_FAULT_TRANSLATION);
	EXPECT_EQ(r.fault_level, 3);
	uint64_t l0 = iopgtable_desc_addr(&pt, 0x1000, 0);
	s.set_desc(l0, 0x4000'0000ull | VMSA_AF | VMSA_DESC_VALID); // a block at level 0 (4K)
	r = walk1(s, pt, 0x1000);
	EXPECT_EQ(r.fault, SMMU_FAULT_TRANSLATION);
	EXPECT_EQ(r.fault_level, 0);
}

namespace {
// A memory port that aborts outside [lo, hi).
struct WindowPort {
	mem_t *mem;
	uint64_t lo, hi;
	static mem_status_t read(void *ctx, uint64_t pa, void *buf, size_t len)
	{
		auto *w = static_cast<WindowPort *>(ctx);
		if (pa < w->lo || pa + len > w->hi)
			return MEM_ERR_ABORT;
		return mem_read(w->mem, pa, buf, len);
	}
	static mem_status_t write(void *, uint64_t, const void *, size_t) { return MEM_ERR_ABORT; }
};
} // namespace

TEST(SmmuWalkFaults, DescriptorReadOutsideMemoryIsAnExternalAbort)
{
	Sys s;
	iopgtable_t pt = s.table(1, 12, 48);
	ASSERT_EQ(iopgtable_map(&pt, 0x1000, 0x9000'0000, 4 * KiB, IOPT_READ), IOPT_OK);
	uint64_t l1 = iopgtable_desc_addr(&pt, 0x1000, 1);
	s.set_desc(l1, 0x7000'0000ull | 3); // a table outside DRAM
	WindowPort wp{s.mem, 0x8000'0000, 0x8000'0000 + GiB};
	mem_port_t port{&WindowPort::read, &WindowPort::write, &wp};
	smmu_walk_result_t r;
	smmu_walk_stage(&port, &pt.tt, 1, 0x1000, kRead, nullptr, &r);
	EXPECT_EQ(r.fault, SMMU_FAULT_WALK_EABT);
	EXPECT_EQ(r.fault_level, 2);
	EXPECT_EQ(r.fetch_addr, 0x7000'0000ull);
}

TEST(SmmuWalkFaults, NestedStage2FaultOnAStage1TableIsClassTT)
{
	Nested n;
	ASSERT_EQ(iopgtable_map(&n.s1, 0x1234'5000, 0x10'0000'0000ull, 4 * KiB, IOPT_READ), IOPT_OK);
	n.finish_s1();
	// Move the stage-1 TTB to an IPA stage 2 does not map.
	n.s1.tt.ttb = 0x7000'0000'0000ull;
	smmu_walk_result_t r = n.walk(0x1234'5000);
	EXPECT_EQ(r.fault, SMMU_FAULT_TRANSLATION);
	EXPECT_EQ(r.fault_stage, 2);
	EXPECT_EQ(r.fault_class, SMMU_CLASS_TT);
	EXPECT_EQ(r.fault_ipa, 0x7000'0000'0000ull);
}

TEST(SmmuWalkFaults, NestedStage2FaultOnTheOutputIsClassIN)
{
	Nested n;
	ASSERT_EQ(iopgtable_map(&n.s1, 0x1234'5000, 0x10'0000'0000ull, 4 * KiB, IOPT_READ | IOPT_WRITE),
		  IOPT_OK);
	ASSERT_EQ(iopgtable_map(&n.s2, 0x10'0000'0000ull, 0x3'0000'0000ull, 4 * KiB, IOPT_READ), IOPT_OK);
	n.finish_s1();
	smmu_walk_result_t r = n.walk(0x1234'5000, nullptr, kWrite); // stage 2 is read-only
	EXPECT_EQ(r.fault, SMMU_FAULT_PERMISSION);
	EXPECT_EQ(r.fault_stage, 2);
	EXPECT_EQ(r.fault_class, SMMU_CLASS_IN);
	EXPECT_EQ(r.fault_ipa, 0x10'0000'0000ull);
}

TEST(IoPgtable, RefusesOverlapsMisalignmentAndUnsupportedSizes)
{
	Sys s;
	iopgtable_t pt = s.table(1, 12, 48);
	EXPECT_EQ(iopgtable_map(&pt, 0x20'0000, 0x4000'0000, 2 * MiB, IOPT_READ), IOPT_OK);
	EXPECT_EQ(iopgtable_map(&pt, 0x20'1000, 0x5000'0000, 4 * KiB, IOPT_READ), IOPT_ERR_EXIST);
	EXPECT_EQ(iopgtable_map(&pt, 0x1800, 0x5000'0000, 4 * KiB, IOPT_READ), IOPT_ERR_INVAL);
	EXPECT_EQ(iopgtable_map(&pt, 0x0, 0x5000'0000, 8 * KiB, IOPT_READ), IOPT_ERR_INVAL);
	EXPECT_EQ(iopgtable_unmap(&pt, 0x20'0000, 2 * MiB), IOPT_OK);
	EXPECT_EQ(walk1(s, pt, 0x20'0000).fault, SMMU_FAULT_TRANSLATION);
	EXPECT_EQ(iopgtable_map(&pt, 0x20'1000, 0x5000'0000, 4 * KiB, IOPT_READ), IOPT_OK);
}
