// SPDX-License-Identifier: MIT
// The host's DMA-API IOVA allocator (harness/dma_iova.c: iommu-dma's policy) on its own and
// through `buffers:`, and page_size (the largest IOMMU leaf) of iommu.domains[] and vms[].
#include <gtest/gtest.h>

#include <cstring>
#include <string>

#include "testutil.h"

extern "C" {
#include "dma_iova.h"
#include "iopgtable.h"
#include "resv.h"
#include "scenario_internal.h"
}

namespace {

constexpr uint64_t K4 = 0x1000;
constexpr uint64_t G4 = 0x100000000ull;
constexpr uint64_t MASK48 = (1ull << 48) - 1;

// An allocator of 4 KiB granules, IOVA 0 reserved (as the harness does).
struct Iova {
	dma_iova_t a;
	Iova()
	{
		dma_iova_init(&a, 12);
		EXPECT_TRUE(dma_iova_reserve(&a, 0, K4 - 1));
	}
	~Iova() { dma_iova_free(&a); }
	uint64_t alloc(uint64_t size, uint64_t mask = MASK48) { return dma_iova_alloc(&a, size, mask); }
	// The used range that holds x (its index), or -1.
	int range_of(uint64_t x) const
	{
		for (uint32_t i = 0; i < a.n; i++)
			if (a.used[i].lo <= x && x <= a.used[i].hi)
				return (int)i;
		return -1;
	}
	// "[lo-hi] [lo-hi] ..." for messages and exact checks.
	std::string ranges() const
	{
		std::string r;
		char b[64];
		for (uint32_t i = 0; i < a.n; i++) {
			snprintf(b, sizeof b, "%s[%#llx-%#llx]", i ? " " : "",
				 (unsigned long long)a.used[i].lo, (unsigned long long)a.used[i].hi);
			r += b;
		}
		return r;
	}
};

// --- the allocator ---------------------------------------------------------------------------

TEST(DmaIova, SuccessiveAllocationsComeTopDownBelow4GiB)
{
	Iova v;
	EXPECT_EQ(v.alloc(K4), 0xfffff000u);
	EXPECT_EQ(v.alloc(K4), 0xffffe000u);
	EXPECT_EQ(v.alloc(100), 0xffffd000u); // a part of a granule is a granule
	EXPECT_EQ(v.alloc(2 * K4), 0xffffa000u); // 2 pages, 8 KiB-aligned: 0xffffc000 is taken
	// The three 4 KiB ones merged with each other; the 8 KiB one is apart (a hole at 0xffffc000).
	EXPECT_EQ(v.ranges(), "[0-0xfff] [0xffffa000-0xffffbfff] [0xffffd000-0xffffffff]");
	// The hole is used by the next page that fits it.
	EXPECT_EQ(v.alloc(K4), 0xffffc000u);
	EXPECT_EQ(v.ranges(), "[0-0xfff] [0xffffa000-0xffffffff]");
}

TEST(DmaIova, AFivePageRequestTakesEightPagesAlignedTo32KiB)
{
	Iova v;
	ASSERT_EQ(v.alloc(K4), 0xfffff000u);
	uint64_t x = v.alloc(5 * K4);
	// The highest 32 KiB-aligned 32 KiB below 0xfffff000, not 0xffffa000 (5 pages under it).
	EXPECT_EQ(x, 0xffff0000u);
	EXPECT_EQ(x % 0x8000, 0u);
	int r = v.range_of(x);
	ASSERT_GE(r, 0) << v.ranges();
	EXPECT_EQ(v.a.used[r].lo, x);
	EXPECT_EQ(v.a.used[r].hi, x + 8 * K4 - 1) << "rounded up to 8 pages";
	EXPECT_EQ(v.ranges(), "[0-0xfff] [0xffff0000-0xffff7fff] [0xfffff000-0xffffffff]");
	// 31 pages still round up (to 32), aligned to 128 KiB.
	uint64_t y = v.alloc(31 * K4);
	EXPECT_EQ(y, 0xfffc0000u);
	EXPECT_EQ(v.a.used[v.range_of(y)].hi, 0xfffdffffu) << v.ranges();
}

TEST(DmaIova, AFortyPageRequestIsNotRoundedUp)
{
	Iova v;
	uint64_t x = v.alloc(40 * K4);
	ASSERT_NE(x, 0u);
	int r = v.range_of(x);
	ASSERT_GE(r, 0) << v.ranges();
	// Exactly 40 pages taken (not 64), at the top of the space below 4 GiB.
	EXPECT_EQ(v.a.used[r].lo, x);
	EXPECT_EQ(v.a.used[r].hi - v.a.used[r].lo + 1, 40 * K4) << v.ranges();
	EXPECT_EQ(x % K4, 0u);
	EXPECT_LT(x, G4);
	EXPECT_GE(x, G4 - 64 * K4);
}

// Linux's alloc_iova_fast() always calls alloc_iova(..., size_aligned = true), and
// __alloc_and_insert_iova_range() aligns pfn_lo to roundup_pow_of_two(size) for every size
// (align_mask <<= fls_long(size - 1)); only the length is left unrounded from 32 pages up.
// A 40-page request gets 40 pages at a 256 KiB-aligned IOVA.
TEST(DmaIova, AFortyPageRequestIsAlignedToSixtyFourPagesAsInLinux)
{
	Iova v;
	uint64_t x = v.alloc(40 * K4);
	EXPECT_EQ(x, 0xfffc0000u);
	EXPECT_EQ(v.a.used[v.range_of(x)].hi, 0xfffc0000u + 40 * K4 - 1);
}

TEST(DmaIova, AReservedRangeIsSkipped)
{
	Iova v;
	// The top 1 MiB below 4 GiB (like an RMR at 0xfff00000) and a window under it.
	ASSERT_TRUE(dma_iova_reserve(&v.a, 0xfff00000, 0xffffffff));
	ASSERT_TRUE(dma_iova_reserve(&v.a, 0xc0000000, 0xffeeffff));
	uint64_t x = v.alloc(0x10000); // 16 pages: 64 KiB-aligned
	EXPECT_EQ(x, 0xffef0000u);
	// 64 KiB more do not fit in what is left between them (exactly that was taken).
	EXPECT_EQ(v.alloc(0x10000), 0xbfff0000u);
	EXPECT_EQ(v.ranges(), "[0-0xfff] [0xbfff0000-0xffffffff]");
}

TEST(DmaIova, FallsBackAbove4GiBWhenBelowIsFullUpToTheMask)
{
	Iova v;
	ASSERT_TRUE(dma_iova_reserve(&v.a, 0x1000, 0xffffefff)); // one page left below 4 GiB
	EXPECT_EQ(v.alloc(K4), 0xfffff000u);
	// Below 4 GiB is full: the top of the mask.
	EXPECT_EQ(v.alloc(K4), MASK48 + 1 - K4);
	EXPECT_EQ(v.alloc(K4, (1ull << 40) - 1), (1ull << 40) - K4);
	// Too big for below 4 GiB even when it is empty.
	Iova w;
	// (aligned to 8 GiB: the size rounded up to a power of two)
	EXPECT_EQ(w.alloc(G4 + K4, (1ull << 36) - 1), ((1ull << 36) - (G4 + K4)) & ~((8ull << 30) - 1));
}

TEST(DmaIova, AMaskBelow4GiBIsTheLimit)
{
	Iova v;
	EXPECT_EQ(v.alloc(K4, 0xffffff), 0xfff000u);
	EXPECT_EQ(v.alloc(2 * K4, 0xffffff), 0xffc000u); // 8 KiB-aligned under 0xfff000
}

TEST(DmaIova, ReturnsZeroWhenNothingFits)
{
	Iova v;
	ASSERT_TRUE(dma_iova_reserve(&v.a, 0x1000, 0xffffffff));
	// A 32-bit mask: no fallback.
	EXPECT_EQ(v.alloc(K4, 0xffffffff), 0u);
	// Everything up to the mask taken.
	ASSERT_TRUE(dma_iova_reserve(&v.a, G4, MASK48));
	EXPECT_EQ(v.alloc(K4), 0u);
	// A failed allocation takes nothing.
	EXPECT_EQ(v.ranges(), "[0-0xffffffffffff]");
	// A free 12 KiB hole holds 2 pages, not 3 (rounded to 4) nor 4.
	Iova h;
	ASSERT_TRUE(dma_iova_reserve(&h.a, 0x1000, 0x3fff));
	ASSERT_TRUE(dma_iova_reserve(&h.a, 0x7000, 0xffffffff));
	EXPECT_EQ(h.alloc(3 * K4, 0xffffffff), 0u);
	EXPECT_EQ(h.alloc(2 * K4, 0xffffffff), 0x4000u);
}

TEST(DmaIova, ReserveMergesAdjacentAndOverlappingRanges)
{
	dma_iova_t a;
	dma_iova_init(&a, 12);
	ASSERT_TRUE(dma_iova_reserve(&a, 0x10000, 0x1ffff));
	ASSERT_TRUE(dma_iova_reserve(&a, 0x40000, 0x4ffff));
	ASSERT_TRUE(dma_iova_reserve(&a, 0x1000, 0x1fff)); // before both: inserted first
	ASSERT_EQ(a.n, 3u);
	EXPECT_EQ(a.used[0].lo, 0x1000u);
	EXPECT_EQ(a.used[1].lo, 0x10000u);
	EXPECT_EQ(a.used[2].lo, 0x40000u);
	// Adjacent on the right of [0x10000-0x1ffff]: merged.
	ASSERT_TRUE(dma_iova_reserve(&a, 0x20000, 0x2ffff));
	ASSERT_EQ(a.n, 3u);
	EXPECT_EQ(a.used[1].lo, 0x10000u);
	EXPECT_EQ(a.used[1].hi, 0x2ffffu);
	// Adjacent on the left of [0x40000-0x4ffff]: merged.
	ASSERT_TRUE(dma_iova_reserve(&a, 0x38000, 0x3ffff));
	ASSERT_EQ(a.n, 3u);
	EXPECT_EQ(a.used[2].lo, 0x38000u);
	EXPECT_EQ(a.used[2].hi, 0x4ffffu);
	// Inside one: nothing changes.
	ASSERT_TRUE(dma_iova_reserve(&a, 0x11000, 0x12fff));
	ASSERT_EQ(a.n, 3u);
	EXPECT_EQ(a.used[1].lo, 0x10000u);
	EXPECT_EQ(a.used[1].hi, 0x2ffffu);
	// Overlapping two and filling the gap between them: one range.
	ASSERT_TRUE(dma_iova_reserve(&a, 0x2f000, 0x39000));
	ASSERT_EQ(a.n, 2u);
	EXPECT_EQ(a.used[0].lo, 0x1000u);
	EXPECT_EQ(a.used[0].hi, 0x1fffu);
	EXPECT_EQ(a.used[1].lo, 0x10000u);
	EXPECT_EQ(a.used[1].hi, 0x4ffffu);
	// Covering everything: one range; hi < lo: nothing.
	ASSERT_TRUE(dma_iova_reserve(&a, 0x5000, 0x5000));
	ASSERT_EQ(a.n, 3u);
	ASSERT_TRUE(dma_iova_reserve(&a, 0x0, 0x60000));
	ASSERT_EQ(a.n, 1u);
	EXPECT_EQ(a.used[0].lo, 0u);
	EXPECT_EQ(a.used[0].hi, 0x60000u);
	ASSERT_TRUE(dma_iova_reserve(&a, 0x90000, 0x80000));
	EXPECT_EQ(a.n, 1u);
	dma_iova_free(&a);
	EXPECT_EQ(a.n, 0u);
	EXPECT_EQ(a.used, nullptr);
}

TEST(DmaIova, ManyRangesGrowTheList)
{
	Iova v;
	// 40 separate ranges (more than the first 16 slots), reserved from the top down.
	for (int i = 39; i >= 0; i--)
		ASSERT_TRUE(dma_iova_reserve(&v.a, 0x100000ull * (i + 1), 0x100000ull * (i + 1) + 0xfff));
	ASSERT_EQ(v.a.n, 41u);
	for (uint32_t i = 1; i < v.a.n; i++)
		EXPECT_LT(v.a.used[i - 1].hi + 1, v.a.used[i].lo) << i;
	// Under a mask, the highest gap below it: between the last two.
	EXPECT_EQ(v.alloc(K4, 0x27fffff), 0x27ff000u);
	EXPECT_EQ(v.alloc(K4, 0x27fffff), 0x27fe000u);
}

// --- host buffers in a scenario --------------------------------------------------------------

// neoverse-vfio: rc0 (MMIO 0x40000000 +512M, prefetchable 0x4000000000 +64G) behind smmu0
// (MSI window 0x08000000 +1M), nvme0 with a direct region at 0xfff00000 +1M.
const std::string &neoverse_vfio()
{
	static const std::string p = iofab_test::shipped_platform("neoverse-vfio.yaml");
	return p;
}

const std::string &neoverse_smmu()
{
	static const std::string p = iofab_test::shipped_platform("neoverse-smmu.yaml");
	return p;
}

struct IovaRun : iofab_test::ScenarioRun {
	IovaRun(const std::string &plat, const std::string &body)
	    : ScenarioRun(plat, iofab_test::scenario_text(body))
	{
	}
	const iommu_domain_t *domain(const char *name) const
	{
		for (uint32_t i = 0; i < s.ndomains; i++)
			if (!strcmp(s.domains[i].name, name))
				return &s.domains[i];
		return nullptr;
	}
};

std::string scenario_errors(const std::string &plat, const std::string &body)
{
	IovaRun r(plat, body);
	EXPECT_FALSE(r.loaded) << "expected the scenario to be rejected";
	return r.errors;
}

// Whether [lo, hi] overlaps a host bridge window or a reserved region of any group.
std::string clash(const scenario_t &s, uint64_t lo, uint64_t hi)
{
	const platform_t *p = &s.platform;
	for (uint32_t r = 0; r < p->fabric.nrcs; r++) {
		const auto &rc = p->fabric.rcs[r];
		if (lo <= rc.mem.limit && rc.mem.base <= hi)
			return std::string(rc.name) + "'s MMIO window";
		if (lo <= rc.pref.limit && rc.pref.base <= hi)
			return std::string(rc.name) + "'s prefetchable window";
	}
	for (uint32_t g = 0; g < s.groups.n; g++) {
		resv_list_t l = {};
		EXPECT_TRUE(resv_of_group(p, &s.groups, g, &l));
		std::string hit;
		for (uint32_t i = 0; i < l.n && hit.empty(); i++)
			if (lo <= l.v[i].end && l.v[i].start <= hi)
				hit = "group " + std::to_string(g) + "'s reserved region";
		resv_free(&l);
		if (!hit.empty())
			return hit;
	}
	return "";
}

TEST(DmaIovaBuffers, AHostBufferGetsTheIovaJustBelowTheReservedRegion)
{
	IovaRun r(neoverse_vfio(), R"(options: { host_iommu: translated }
buffers:
  - { name: ring, size: 64K, devices: [nvme0] }
  - { name: cmd, size: 20K, devices: [nvme0, gpu0] }
steps:
  - from: nvme0
    tlp: { type: MWr, address: buf(ring) + 0x40, length: 64 }
    expect: { outcome: memory, pa: bufpa(ring) + 0x40, violations: none }
  - from: gpu0
    tlp: { type: MWr, address: buf(cmd), length: 64 }
    expect: { outcome: memory, pa: bufpa(cmd), violations: none }
)");
	ASSERT_TRUE(r.loaded) << r.errors;
	ASSERT_EQ(r.s.nbuffers, 2u);
	const auto &ring = r.s.buffers[0], &cmd = r.s.buffers[1];
	// Top-down below 4 GiB, clear of nvme0's direct region [0xfff00000-0xffffffff].
	EXPECT_EQ(ring.iova, 0xffef0000u);
	// 20 KiB: 8 pages, 32 KiB-aligned, under the first.
	EXPECT_EQ(cmd.iova, 0xffee8000u);
	EXPECT_EQ(cmd.size, 0x5000u);
	for (const auto *b : {&ring, &cmd}) {
		EXPECT_EQ(clash(r.s, b->iova, b->iova + b->size - 1), "") << b->name;
		EXPECT_NE(b->iova, b->pa) << b->name << ": translated, not identity";
	}
	EXPECT_TRUE(r.step(0).met) << r.step(0).mismatch;
	EXPECT_TRUE(r.step(1).met) << r.step(1).mismatch;
	EXPECT_EQ(r.step(0).iommu.pa, ring.pa + 0x40);
}

TEST(DmaIovaBuffers, ABufferTooBigForBelow4GiBGoesToTheTopOfThe48BitSpace)
{
	IovaRun r(neoverse_vfio(), R"(options: { host_iommu: translated }
buffers:
  - { name: small, size: 4K }
  - { name: big, size: 3G }
steps:
  - { from: nvme0, tlp: { type: MWr, address: buf(small), length: 64 } }
)");
	ASSERT_TRUE(r.loaded) << r.errors;
	EXPECT_EQ(r.s.buffers[0].iova, 0xffeff000u);
	// 3 GiB fit nowhere below 4 GiB (rc0's window and the MSI window split it); aligned to
	// 4 GiB, at the top of the 48-bit space.
	EXPECT_EQ(r.s.buffers[1].iova, (1ull << 48) - (4ull << 30));
	EXPECT_EQ(clash(r.s, r.s.buffers[1].iova, r.s.buffers[1].iova + (3ull << 30) - 1), "");
}

TEST(DmaIovaBuffers, AHostBufferAvoidsTheMsiWindowAndHostBridgeWindows)
{
	// Every IOVA is aligned to its size (rounded up to a power of two), top-down, clear of
	// nic0's RMR (0xfff00000), rc0's window (0x40000000-0x5fffffff) and the MSI window.
	IovaRun r(neoverse_smmu(), R"(options: { host_iommu: translated }
buffers:
  - { name: a, size: 1M }
  - { name: b, size: 512M }
  - { name: c, size: 1M }
  - { name: d, size: 1G }
  - { name: e, size: 0x37f00000 }
steps:
  - { from: nvme0, tlp: { type: MWr, address: buf(a), length: 64 } }
)");
	ASSERT_TRUE(r.loaded) << r.errors;
	EXPECT_EQ(r.s.buffers[0].iova, 0xffe00000u); // just below the RMR
	EXPECT_EQ(r.s.buffers[1].iova, 0xc0000000u); // 512 MiB-aligned
	EXPECT_EQ(r.s.buffers[2].iova, 0xffd00000u); // back in the gap under a
	EXPECT_EQ(r.s.buffers[3].iova, 0x80000000u); // 1 GiB-aligned, under b
	// 0x37f00000 bytes, aligned to 1 GiB: nothing below 4 GiB (rc0's window, the MSI
	// window), so the top of the 48-bit space.
	EXPECT_EQ(r.s.buffers[4].iova, (1ull << 48) - (1ull << 30));
	for (uint32_t i = 0; i < r.s.nbuffers; i++)
		EXPECT_EQ(clash(r.s, r.s.buffers[i].iova,
				r.s.buffers[i].iova + r.s.buffers[i].size - 1),
			  "")
			<< r.s.buffers[i].name;
}

// --- page_size -------------------------------------------------------------------------------

// gpu0 in vm1 (RAM at GPA 0x80000000, 2 MiB-aligned in host memory too); nvme0 and nvme1 in
// two domains of their own mapping the same 2 MiB.
std::string page_size_body(const std::string &vm_ps, const std::string &dom_ps)
{
	return "vms:\n  - { name: vm1, ram: [ { gpa: 0x80000000, size: 512M } ], vcpus: [2]" + vm_ps +
	       " }\nassign: [ { function: gpu0, to: vm1 } ]\n"
	       "iommu:\n  domains:\n"
	       "    - { name: small, stage: 1" +
	       dom_ps +
	       ", mappings: [ { iova: 0x200000, pa: dram0 + 0x40200000, size: 2M } ] }\n"
	       "    - { name: any, stage: 1, mappings: [ { iova: 0x200000, pa: dram0 + 0x40200000, size: 2M } ] }\n"
	       "  attach: [ { function: nvme0, domain: small }, { function: nvme1, domain: any } ]\n"
	       "steps:\n"
	       "  - { from: gpu0, tlp: { type: MWr, address: 0x80200040, length: 64 }, expect: { outcome: memory } }\n"
	       "  - { from: nvme0, tlp: { type: MWr, address: 0x200040, length: 64 }, expect: { outcome: memory } }\n"
	       "  - { from: nvme1, tlp: { type: MWr, address: 0x200040, length: 64 }, expect: { outcome: memory } }\n";
}

// A valid leaf descriptor (bits 1:0 = 0b01 for a block, 0b11 for a page at level 3).
uint64_t desc(const scenario_t &s, const iopgtable_t &pt, uint64_t iova, int level)
{
	uint64_t a = iopgtable_desc_addr(&pt, iova, level);
	if (!a)
		return 0;
	uint8_t b[8];
	if (mem_read(s.sys.mem, a, b, 8) != MEM_OK)
		return 0;
	return mem_le64(b);
}

TEST(PageSize, FourKiBPagesMapAVmsRamWithPagesNotBlocks)
{
	IovaRun small(neoverse_vfio(), page_size_body(", page_size: 4K", ", page_size: 4K"));
	IovaRun any(neoverse_vfio(), page_size_body("", ""));
	ASSERT_TRUE(small.loaded) << small.errors;
	ASSERT_TRUE(any.loaded) << any.errors;
	int vm = scenario_owner(&small.s, "vm1");
	ASSERT_GT(vm, 0);
	EXPECT_EQ(small.s.vms[vm].page_size, 0x1000u);
	EXPECT_EQ(any.s.vms[vm].page_size, 0u);
	const uint64_t hpa = small.s.vms[vm].ram[0].hpa;
	ASSERT_EQ(hpa % (2u << 20), 0u) << "the test needs 2 MiB-aligned backing";
	ASSERT_EQ(any.s.vms[vm].ram[0].hpa, hpa);
	const iommu_domain_t *ds = small.domain("vfio-vm1"), *da = any.domain("vfio-vm1");
	ASSERT_NE(ds, nullptr);
	ASSERT_NE(da, nullptr);
	EXPECT_EQ(ds->pt.max_leaf, 0x1000u);
	EXPECT_EQ(da->pt.max_leaf, 0u);
	// page_size 4K: a table at level 2, pages at level 3.
	uint64_t l2 = desc(small.s, ds->pt, 0x80200000, 2);
	EXPECT_EQ(l2 & 3, 3u) << std::hex << l2 << ": a table descriptor";
	EXPECT_EQ(desc(small.s, ds->pt, 0x80200000, 3) & 3, 3u);
	EXPECT_EQ(desc(small.s, ds->pt, 0x803ff000, 3) & 3, 3u);
	// Without it: a 2 MiB block at level 2, no level 3.
	EXPECT_EQ(desc(any.s, da->pt, 0x80200000, 2) & 3, 1u);
	EXPECT_EQ(iopgtable_desc_addr(&da->pt, 0x80200000, 3), 0u);
	// What the SMMU saw: a 4 KiB page, or the 2 MiB block.
	ASSERT_TRUE(small.step(0).has_iommu);
	EXPECT_EQ(small.step(0).iommu.outcome, SMMU_XLATE_OK);
	EXPECT_EQ(small.step(0).iommu.size, 0x1000u);
	EXPECT_EQ(small.step(0).iommu.pa, hpa + 0x200040);
	EXPECT_EQ(any.step(0).iommu.size, 2u << 20);
	EXPECT_EQ(any.step(0).iommu.pa, hpa + 0x200040);
}

TEST(PageSize, ADomainsPageSizeCapsItsMappingsLeaves)
{
	IovaRun r(neoverse_vfio(), page_size_body("", ", page_size: 4K"));
	ASSERT_TRUE(r.loaded) << r.errors;
	const iommu_domain_t *small = r.domain("small"), *any = r.domain("any");
	ASSERT_NE(small, nullptr);
	ASSERT_NE(any, nullptr);
	EXPECT_EQ(small->pt.max_leaf, 0x1000u);
	EXPECT_EQ(desc(r.s, small->pt, 0x200000, 2) & 3, 3u);
	EXPECT_EQ(desc(r.s, small->pt, 0x3ff000, 3) & 3, 3u);
	EXPECT_EQ(desc(r.s, any->pt, 0x200000, 2) & 3, 1u);
	for (unsigned i = 0; i < 3; i++)
		EXPECT_TRUE(r.step(i).met) << i << ": " << r.step(i).mismatch;
	EXPECT_EQ(r.step(1).iommu.size, 0x1000u);
	EXPECT_EQ(r.step(2).iommu.size, 2u << 20);
	// A 2M page_size still uses blocks; a 1G one allows them too.
	IovaRun two(neoverse_vfio(), page_size_body(", page_size: 2M", ", page_size: 2M"));
	ASSERT_TRUE(two.loaded) << two.errors;
	EXPECT_EQ(two.step(0).iommu.size, 2u << 20);
	EXPECT_EQ(two.step(1).iommu.size, 2u << 20);
	EXPECT_EQ(two.domain("small")->pt.max_leaf, 2u << 20);
}

TEST(PageSize, AMapStepInADomainWithFourKiBPagesUsesPages)
{
	IovaRun r(neoverse_vfio(), R"(iommu:
  domains: [ { name: d, stage: 1, page_size: 4K } ]
  attach: [ { function: nvme0, domain: d } ]
steps:
  - do: { map: { domain: d, iova: 0x40000000, pa: dram0 + 0x40000000, size: 1G } }
  - { from: nvme0, tlp: { type: MWr, address: 0x7fe00040, length: 64 }, expect: { outcome: memory } }
)");
	ASSERT_TRUE(r.loaded) << r.errors;
	EXPECT_FALSE(r.step(0).act_failed) << r.step(0).act_detail;
	EXPECT_TRUE(r.step(1).met) << r.step(1).mismatch;
	EXPECT_EQ(r.step(1).iommu.size, 0x1000u);
	// 1 GiB of 4 KiB pages: 512 level-3 tables at least.
	EXPECT_GE(r.domain("d")->pt.tables, 512u);
}

const char *kStep = "steps:\n  - { from: nvme0, tlp: { type: MWr, address: 0x1000, length: 64 } }\n";

TEST(PageSizeErrors, NotALeafOfTheGranule)
{
	auto vm = [](const std::string &ps) {
		return "vms: [ { name: vm1, ram: [ { gpa: 0x80000000, size: 2M } ], page_size: " + ps +
		       " } ]\n" + kStep;
	};
	EXPECT_EQ(scenario_errors(neoverse_vfio(), vm("8K")),
		  "s.yaml:3:72: vms[0].page_size: not a leaf size of the 4 KiB granule (expected 4K, "
		  "2M or 1G)\n");
	EXPECT_EQ(scenario_errors(neoverse_vfio(), vm("64K")),
		  "s.yaml:3:72: vms[0].page_size: not a leaf size of the 4 KiB granule (expected 4K, "
		  "2M or 1G)\n");
	auto dom = [](const std::string &extra) {
		return "iommu:\n  domains: [ { name: d, stage: 1" + extra + " } ]\n" + kStep;
	};
	EXPECT_EQ(scenario_errors(neoverse_vfio(), dom(", page_size: 1M")),
		  "s.yaml:4:46: iommu.domains[0].page_size: not a leaf size of the 4 KiB granule "
		  "(expected 4K, 2M or 1G)\n");
	EXPECT_EQ(scenario_errors(neoverse_vfio(), dom(", granule: 64K, page_size: 4K")),
		  "s.yaml:4:60: iommu.domains[0].page_size: not a leaf size of the 64 KiB granule "
		  "(expected 64K or 512M)\n");
	EXPECT_EQ(scenario_errors(neoverse_vfio(), dom(", granule: 16K, page_size: 2M")),
		  "s.yaml:4:60: iommu.domains[0].page_size: not a leaf size of the 16 KiB granule "
		  "(expected 16K or 32M)\n");
	// Each granule's own leaves load.
	for (const char *ok : {", page_size: 1G", ", granule: 64K, page_size: 512M",
			       ", granule: 16K, page_size: 32M", ", granule: 64K, page_size: 64K"}) {
		IovaRun r(neoverse_vfio(), dom(ok));
		EXPECT_TRUE(r.loaded) << ok << ": " << r.errors;
	}
}

} // namespace
