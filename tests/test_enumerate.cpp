// SPDX-License-Identifier: MIT
// The enumeration pass assigns bus numbers and BARs as firmware does; routing depends on the
// result being a valid PCI address map. These tests check the properties a user relies on.
#include <gtest/gtest.h>

#include "testutil.h"

using iofab_test::fn;
using iofab_test::load_platform;

namespace {

const char *kSwitchPlatform = R"(name: t
root_complexes:
  - name: rc0
    mmio: { base: 0x40000000, size: 256M }
    mmio_pref: { base: 0x4000000000, size: 16G }
    ports:
      - root_port: rp0
        acs: full
        link:
          switch: sw
          downstream:
            - port: dp0
              link: { endpoint: a, bars: [16K, { size: 64M, prefetchable: true }] }
            - port: dp1
              link: { endpoint: b, bars: [1M, 4K] }
            - port: dp2
      - root_port: rp1
        link: { endpoint: c, bars: [2M] }
)";

struct Loaded {
	platform_t p;
	explicit Loaded(const char *yaml)
	{
		std::string errors;
		ok = load_platform(yaml, &p, &errors);
		EXPECT_TRUE(ok) << errors;
	}
	~Loaded()
	{
		if (ok)
			platform_free(&p);
	}
	const pcie_func_t &operator[](const char *name) const { return p.fabric.funcs[fn(p, name)]; }
	bool ok;
};

bool inside(pcie_window_t outer, uint64_t lo, uint64_t hi)
{
	return outer.base <= outer.limit && lo >= outer.base && hi <= outer.limit;
}

} // namespace

TEST(Enumerate, BusNumbersAreDepthFirst)
{
	Loaded l(kSwitchPlatform);
	ASSERT_TRUE(l.ok);
	// rp0 -> bus 1 (switch upstream port), 2 (internal bus), 3, 4, 5 below the downstream
	// ports; rp1 -> bus 6.
	EXPECT_EQ(l["rp0"].secondary_bus, 1);
	EXPECT_EQ(l["rp0"].subordinate_bus, 5);
	EXPECT_EQ(l["sw"].bus, 1);
	EXPECT_EQ(l["sw"].secondary_bus, 2);
	EXPECT_EQ(l["dp0"].bus, 2);
	EXPECT_EQ(l["dp0"].secondary_bus, 3);
	EXPECT_EQ(l["dp1"].secondary_bus, 4);
	EXPECT_EQ(l["dp2"].secondary_bus, 5); // an empty slot still gets its bus
	EXPECT_EQ(l["dp2"].subordinate_bus, 5);
	EXPECT_EQ(l["a"].bus, 3);
	EXPECT_EQ(l["rp1"].secondary_bus, 6);
	EXPECT_EQ(l["c"].bus, 6);
	EXPECT_EQ(PCI_SLOT(l["dp1"].devfn), 1);
}

TEST(Enumerate, BarsAreAlignedAndInsideTheirBridgeWindows)
{
	Loaded l(kSwitchPlatform);
	ASSERT_TRUE(l.ok);
	const pcie_fabric_t &f = l.p.fabric;
	for (uint32_t i = 0; i < f.nfuncs; i++) {
		const pcie_func_t &x = f.funcs[i];
		for (const pcie_bar_t &b : x.bars) {
			if (!b.size)
				continue;
			EXPECT_EQ(b.base % b.size, 0u) << x.name;
			// Every bridge above the function forwards the BAR's range down.
			for (int32_t a = x.parent; a != PCIE_NONE; a = f.funcs[a].parent)
				EXPECT_TRUE(inside(b.prefetchable ? f.funcs[a].pref : f.funcs[a].mem, b.base,
						   b.base + b.size - 1))
					<< x.name << " BAR not inside " << f.funcs[a].name;
		}
		if (x.is_bridge && x.mem.base <= x.mem.limit) {
			EXPECT_EQ(x.mem.base % PCI_BRIDGE_WINDOW_ALIGN, 0u);
			EXPECT_EQ((x.mem.limit + 1) % PCI_BRIDGE_WINDOW_ALIGN, 0u);
		}
	}
	// The 64 MiB prefetchable BAR went to the prefetchable window.
	EXPECT_GE(l["a"].bars[1].base, 0x4000000000ull);
	EXPECT_TRUE(l["a"].bars[1].is64);
	// An empty port has closed windows.
	EXPECT_GT(l["dp2"].mem.base, l["dp2"].mem.limit);
}

TEST(Enumerate, SiblingWindowsAndBarsDoNotOverlap)
{
	Loaded l(kSwitchPlatform);
	ASSERT_TRUE(l.ok);
	struct R {
		uint64_t lo, hi;
		std::string who;
	};
	std::vector<R> rs;
	const pcie_fabric_t &f = l.p.fabric;
	for (uint32_t i = 0; i < f.nfuncs; i++)
		for (const pcie_bar_t &b : f.funcs[i].bars)
			if (b.size)
				rs.push_back({b.base, b.base + b.size - 1, f.funcs[i].name});
	for (size_t i = 0; i < rs.size(); i++)
		for (size_t j = 0; j < i; j++)
			EXPECT_FALSE(rs[i].lo <= rs[j].hi && rs[j].lo <= rs[i].hi)
				<< rs[i].who << " overlaps " << rs[j].who;
	EXPECT_FALSE(l["dp0"].mem.base <= l["dp1"].mem.limit && l["dp1"].mem.base <= l["dp0"].mem.limit);
}

TEST(Enumerate, PrefetchableBarsUseMmioWhenThereIsNoPrefetchableWindow)
{
	Loaded l(R"(name: t
root_complexes:
  - name: rc0
    mmio: { base: 0x40000000, size: 256M }
    ports:
      - root_port: rp0
        link: { endpoint: a, bars: [{ size: 8M, prefetchable: true }] }
)");
	ASSERT_TRUE(l.ok);
	EXPECT_GE(l["a"].bars[0].base, 0x40000000u);
	EXPECT_LT(l["a"].bars[0].base, 0x50000000u);
	EXPECT_TRUE(inside(l["rp0"].mem, l["a"].bars[0].base, l["a"].bars[0].base + 0x7fffff));
}

TEST(Enumerate, VfRoutingIdsFollowOffsetAndStrideAndReserveBuses)
{
	// 100 VFs at offset 128, stride 2 from 02:00.0: VF i is 0x0280 + 2i, so VFs 64..99 sit on
	// bus 3, which the root port must decode and the next root port must not reuse.
	Loaded l(R"(name: t
root_complexes:
  - name: rc0
    mmio: { base: 0x40000000, size: 256M }
    ports:
      - root_port: rp0
        link: { endpoint: nic, sriov: { vfs: 1 } }
      - root_port: rp1
        link: { endpoint: pf, bars: [16K], sriov: { vfs: 100, offset: 128, stride: 2, vf_bars: [16K] } }
      - root_port: rp2
        link: { endpoint: after, bars: [16K] }
)");
	ASSERT_TRUE(l.ok);
	EXPECT_EQ(l["pf"].bus, 2);
	EXPECT_EQ(pcie_func_id(&l["pf.vf0"]), 0x0280);
	EXPECT_EQ(pcie_func_id(&l["pf.vf1"]), 0x0282);
	EXPECT_EQ(pcie_func_id(&l["pf.vf63"]), 0x02fe);
	EXPECT_EQ(pcie_func_id(&l["pf.vf64"]), 0x0300);
	EXPECT_EQ(pcie_func_id(&l["pf.vf99"]), 0x0346);
	EXPECT_EQ(l["rp1"].subordinate_bus, 3);
	EXPECT_EQ(l["rp2"].secondary_bus, 4);
	EXPECT_TRUE(l["pf.vf99"].is_vf);
	EXPECT_EQ(l["pf.vf99"].pf, fn(l.p, "pf"));
	EXPECT_EQ(pcie_func_id(&l["nic.vf0"]), 0x0101);
}

TEST(Enumerate, FixedEnumerationKeepsGivenAddressesAndDerivesWindows)
{
	Loaded l(R"(name: t
enumeration: fixed
root_complexes:
  - name: rc0
    mmio: { base: 0x40000000, size: 256M }
    ports:
      - root_port: rp0
        bus: 5
        link: { endpoint: a, bars: [{ size: 16K, address: 0x40204000 }, { size: 1M, address: 0x40500000 }] }
)");
	ASSERT_TRUE(l.ok);
	EXPECT_EQ(l["rp0"].secondary_bus, 5);
	EXPECT_EQ(l["a"].bus, 5);
	EXPECT_EQ(l["a"].bars[0].base, 0x40204000u);
	EXPECT_EQ(l["rp0"].mem.base, 0x40200000u);
	EXPECT_EQ(l["rp0"].mem.limit, 0x405fffffu);
}

TEST(Enumerate, FixedEnumerationRejectsOverlappingSiblingWindows)
{
	platform_t p;
	std::string errors;
	EXPECT_FALSE(load_platform(R"(name: t
enumeration: fixed
root_complexes:
  - name: rc0
    mmio: { base: 0x40000000, size: 256M }
    ports:
      - root_port: rp0
        bus: 1
        link: { endpoint: a, bars: [{ size: 16K, address: 0x40000000 }, { size: 16K, address: 0x40300000 }] }
      - root_port: rp1
        bus: 2
        link: { endpoint: b, bars: [{ size: 16K, address: 0x40100000 }] }
)",
				   &p, &errors));
	EXPECT_EQ(errors, "platform.yaml:10:9: root_complexes[0].ports[1]: its window "
			  "[0x40100000-0x401fffff] overlaps the window of sibling bridge 'rp0' (line 7): "
			  "overlapping windows\n");
}

TEST(Enumerate, DuplicateBdfIsRejected)
{
	platform_t p;
	std::string errors;
	EXPECT_FALSE(load_platform(R"(name: t
root_complexes:
  - name: rc0
    mmio: { base: 0x40000000, size: 256M }
    ports:
      - root_port: rp0
        link:
          endpoint: pf
          functions:
            - { fn: 0, sriov: { vfs: 2 } }
            - { fn: 1 }
)",
				   &p, &errors));
	EXPECT_EQ(errors, "platform.yaml:10:31: root_complexes[0].ports[0].link.functions[0].sriov: "
			  "'pf.0.vf0' and 'pf.1' (line 11) would both be 0000:01:00.1: duplicate BDF\n");
}

TEST(Enumerate, RunningOutOfBusNumbersIsAnError)
{
	// A root complex that decodes buses 0xfe..0xff has room for one bridge below.
	platform_t p;
	std::string errors;
	EXPECT_FALSE(load_platform(R"(name: t
root_complexes:
  - name: rc0
    bus: 0xfe
    mmio: { base: 0x40000000, size: 256M }
    ports:
      - root_port: rp0
      - root_port: rp1
)",
				   &p, &errors));
	EXPECT_NE(errors.find("ran out of bus numbers"), std::string::npos) << errors;
}

TEST(Enumerate, AlignmentHoldsWhenTheWindowBaseIsLessAligned)
{
	// The window starts on a 1 MiB boundary only; a 4 MiB BAR must still be 4 MiB-aligned.
	Loaded l(R"(name: t
root_complexes:
  - name: rc0
    mmio: { base: 0x40100000, size: 63M }
    ports:
      - rciep: r
        bars: [1M, 4M]
)");
	ASSERT_TRUE(l.ok);
	EXPECT_EQ(l["r"].bars[1].base % 0x400000, 0u);
	EXPECT_EQ(l["r"].bars[0].base % 0x100000, 0u);
	EXPECT_GE(l["r"].bars[0].base, 0x40100000u);
}

TEST(Enumerate, FixedEnumerationRejectsOverlappingBusRanges)
{
	// rp1's secondary bus (2) lies inside rp0's range [01-05]: the buses overlap.
	platform_t p;
	std::string errors;
	EXPECT_FALSE(load_platform(R"(name: t
enumeration: fixed
root_complexes:
  - name: rc0
    mmio: { base: 0x40000000, size: 256M }
    ports:
      - root_port: rp0
        bus: 1
        link:
          switch: s
          upstream: { bus: 5 }
          downstream: []
      - root_port: rp1
        bus: 2
)",
				   &p, &errors));
	EXPECT_EQ(errors, "platform.yaml:13:9: root_complexes[0].ports[1]: bus range [02-02] overlaps "
			  "the range [01-05] of sibling bridge 'rp0' (line 7)\n");
}

TEST(Enumerate, RootComplexesOfOneSegmentMustNotShareBuses)
{
	// rc0 numbers buses 00-02 (two root ports); rc1 starts its root bus at 02.
	platform_t p;
	std::string errors;
	EXPECT_FALSE(load_platform(R"(name: t
root_complexes:
  - name: rc0
    mmio: { base: 0x40000000, size: 256M }
    ports: [ { root_port: a }, { root_port: b } ]
  - name: rc1
    bus: 2
    mmio: { base: 0x50000000, size: 256M }
    ports: [ { root_port: c } ]
)",
				   &p, &errors));
	EXPECT_EQ(errors, "platform.yaml:6:5: root_complexes[1]: root complex 'rc1' uses buses [02-03] "
			  "of segment 0, which overlap the buses [00-02] of 'rc0' (line 3); give one of "
			  "them another 'segment' or a 'bus' above the other's\n");
}
