// SPDX-License-Identifier: MIT
// test_groups.cpp — IOMMU groups (harness/groups.c) against Linux's rules.
//
// Every expected partition below was derived by hand from Linux, not from the implementation:
// drivers/iommu/iommu.c pci_device_group() (alias walk, climb while
// !pci_acs_path_enabled(bus->self), get_pci_function_alias_group()), drivers/pci/pci.c
// pci_acs_enabled() / pci_acs_flags_enabled() / pci_std_enable_acs(), drivers/pci/search.c
// pci_for_each_dma_alias(), the out-of-tree pcie_acs_overrides(), and arm-smmu-v3's
// arm_smmu_insert_master() (a StreamID already held by another master refuses the device).
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <sstream>
#include <string>

#include "testutil.h"

namespace {

constexpr uint16_t kReq = PCI_ACS_SV | PCI_ACS_RR | PCI_ACS_CR | PCI_ACS_UF;

// Indents every line of `text` by n spaces, so YAML fragments can be written flush left.
std::string indent(const std::string &text, int n)
{
	std::istringstream in(text);
	std::string line, out;
	while (std::getline(in, line))
		out += (line.empty() ? "" : std::string((size_t)n, ' ') + line) + "\n";
	return out;
}

// A platform with one root complex whose root-bus `ports` are given flush left; `top` holds
// extra top-level keys (kernel:, quirks:, enumeration:).
std::string plat(const std::string &ports, const std::string &top = "")
{
	return "name: t\n" + top +
	       "root_complexes:\n"
	       "  - name: rc0\n"
	       "    mmio: { base: 0x40000000, size: 512M }\n"
	       "    ports:\n" +
	       indent(ports, 6);
}

// A loaded platform and its groups, freed on scope exit.
struct Loaded {
	platform_t p{};
	iommu_groups_t g{};
	bool ok = false;
	bool computed = false;
	std::string errors;

	explicit Loaded(const std::string &yaml)
	{
		ok = iofab_test::load_platform(yaml, &p, &errors);
		if (ok)
			computed = groups_compute(&p, &g);
	}
	~Loaded()
	{
		if (computed)
			groups_free(&g);
		if (ok)
			platform_free(&p);
	}
	Loaded(const Loaded &) = delete;
	Loaded &operator=(const Loaded &) = delete;

	bool ready() const { return ok && computed; }
	int32_t f(const char *name) const { return iofab_test::fn(p, name); }
	const pcie_func_t &func(const char *name) const { return p.fabric.funcs[f(name)]; }
	int32_t of(const char *name) const { return g.of[f(name)]; }
	group_why_t why(const char *name) const { return g.why[f(name)]; }
	int32_t with(const char *name) const { return g.with[f(name)]; }

	// Names of every function in the group of `name` (including itself).
	std::set<std::string> members(const char *name) const
	{
		std::set<std::string> out;
		int32_t grp = of(name);
		for (uint32_t i = 0; i < p.fabric.nfuncs; i++)
			if (g.of[i] == grp)
				out.insert(p.fabric.funcs[i].name);
		return out;
	}

	// The partition as sets of names (refused functions left out).
	std::set<std::set<std::string>> partition() const
	{
		std::map<int32_t, std::set<std::string>> by;
		for (uint32_t i = 0; i < p.fabric.nfuncs; i++)
			if (g.of[i] >= 0)
				by[g.of[i]].insert(p.fabric.funcs[i].name);
		std::set<std::set<std::string>> out;
		for (auto &kv : by)
			out.insert(kv.second);
		return out;
	}
};

std::string describe(const Loaded &L, const char *name)
{
	int32_t i = L.f(name);
	std::ostringstream s;
	s << name << " (group " << L.g.of[i] << ", " << group_why_text(L.g.why[i]);
	if (L.g.with[i] != PCIE_NONE)
		s << " " << L.p.fabric.funcs[L.g.with[i]].name;
	s << ")";
	return s.str();
}

::testing::AssertionResult check_names(const Loaded &L, const char *a, const char *b)
{
	if (!L.ready())
		return ::testing::AssertionFailure() << "platform not loaded: " << L.errors;
	for (const char *n : {a, b}) {
		if (L.f(n) < 0)
			return ::testing::AssertionFailure() << "no function named " << n;
		if (L.of(n) < 0)
			return ::testing::AssertionFailure() << n << " was refused by the SMMU driver";
	}
	return ::testing::AssertionSuccess();
}

// "a and b share a group".
::testing::AssertionResult Same(const Loaded &L, const char *a, const char *b)
{
	auto r = check_names(L, a, b);
	if (!r)
		return r;
	if (L.of(a) == L.of(b))
		return ::testing::AssertionSuccess();
	return ::testing::AssertionFailure()
	       << "expected one group, got " << describe(L, a) << " and " << describe(L, b);
}

// "a and b are in different groups".
::testing::AssertionResult Apart(const Loaded &L, const char *a, const char *b)
{
	auto r = check_names(L, a, b);
	if (!r)
		return r;
	if (L.of(a) != L.of(b))
		return ::testing::AssertionSuccess();
	return ::testing::AssertionFailure()
	       << "expected different groups, both in group " << L.of(a) << ": "
	       << describe(L, a) << ", " << describe(L, b);
}

using Names = std::set<std::string>;

#define LOAD(L, yaml)                                                                         \
	Loaded L(yaml);                                                                       \
	ASSERT_TRUE(L.ok) << L.errors;                                                        \
	ASSERT_TRUE(L.computed)

} // namespace

// pci_acs_path_enabled() holds at every full-ACS root port, so the climb stops at once:
// each root port and each endpoint is a group of its own.
TEST(Groups, RootPortsWithFullAcsIsolateEachEndpoint)
{
	LOAD(L, plat(R"(
- root_port: rp0
  acs: full
  link: { endpoint: ep0 }
- root_port: rp1
  acs: full
  link: { endpoint: ep1 }
- root_port: rp2
  acs: full
  link: { endpoint: ep2 }
)"));
	EXPECT_EQ(L.g.n, 6u);
	for (const char *ep : {"ep0", "ep1", "ep2"}) {
		EXPECT_EQ(L.members(ep), Names{ep});
		EXPECT_EQ(L.why(ep), GROUP_OWN) << ep;
		EXPECT_EQ(L.with(ep), PCIE_NONE) << ep;
		EXPECT_EQ(L.g.dma_alias[L.f(ep)], pcie_func_id(&L.func(ep))) << ep;
	}
	EXPECT_TRUE(Apart(L, "rp0", "ep0"));
	EXPECT_TRUE(Apart(L, "ep0", "ep1"));
	EXPECT_EQ(L.g.nrefused, 0u);
}

// A root port without an ACS capability: pci_acs_flags_enabled() is false, so the endpoint
// below climbs to the root port and joins its group.
TEST(Groups, RootPortWithoutAcsCapabilityJoinsEndpoint)
{
	LOAD(L, plat(R"(
- root_port: rp0
  acs: none
  link: { endpoint: ep0 }
- root_port: rp1
  acs: full
  link: { endpoint: ep1 }
)"));
	EXPECT_EQ(L.g.n, 3u);
	EXPECT_EQ(L.members("ep0"), (Names{"rp0", "ep0"}));
	EXPECT_EQ(L.why("ep0"), GROUP_ACS_UPSTREAM);
	EXPECT_EQ(L.with("ep0"), L.f("rp0"));
	EXPECT_EQ(L.members("ep1"), Names{"ep1"});
	EXPECT_TRUE(Apart(L, "rp0", "rp1"));
}

// A switch whose downstream ports (and the root port above) have ACS: the path from every
// downstream port is enabled; the single-function upstream port counts as enabled.
TEST(Groups, SwitchWithAcsDownstreamPortsIsolatesEndpoints)
{
	LOAD(L, plat(R"(
- root_port: rp0
  acs: full
  link:
    switch: sw0
    downstream:
      - port: dp0
        acs: full
        link: { endpoint: ep0 }
      - port: dp1
        acs: full
        link: { endpoint: ep1 }
)"));
	EXPECT_EQ(L.g.n, 6u); // rp0, sw0, dp0, dp1, ep0, ep1
	EXPECT_EQ(L.members("ep0"), Names{"ep0"});
	EXPECT_EQ(L.members("ep1"), Names{"ep1"});
	EXPECT_EQ(L.members("sw0"), Names{"sw0"});
	EXPECT_TRUE(Apart(L, "dp0", "dp1"));
}

// Downstream ports without ACS: pci_device_group() tests pci_acs_path_enabled(bus->self),
// the port directly above each endpoint. Not enabled, so each endpoint takes its own port's
// group. Each port was grouped on its own (its bus->self is the upstream port, whose path
// is enabled), so Linux ends with two groups {dp0, ep0} and {dp1, ep1} — not one.
TEST(Groups, SwitchWithoutAcsEachEndpointJoinsItsDownstreamPort)
{
	LOAD(L, plat(R"(
- root_port: rp0
  acs: full
  link:
    switch: sw0
    downstream:
      - port: dp0
        acs: none
        link: { endpoint: ep0 }
      - port: dp1
        acs: none
        link: { endpoint: ep1 }
)"));
	EXPECT_EQ(L.g.n, 4u); // {rp0} {sw0} {dp0 ep0} {dp1 ep1}
	EXPECT_EQ(L.members("ep0"), (Names{"dp0", "ep0"}));
	EXPECT_EQ(L.members("ep1"), (Names{"dp1", "ep1"}));
	EXPECT_TRUE(Apart(L, "ep0", "ep1"));
	EXPECT_EQ(L.members("sw0"), Names{"sw0"});
	EXPECT_EQ(L.why("ep0"), GROUP_ACS_UPSTREAM);
	EXPECT_EQ(L.with("ep0"), L.f("dp0"));
	EXPECT_EQ(L.with("ep1"), L.f("dp1"));
}

// Multi-function endpoint whose functions have no ACS capability: pci_acs_enabled() is
// false for each, so get_pci_function_alias_group() puts the whole slot in one group.
TEST(Groups, MultiFunctionWithoutAcsSharesOneGroup)
{
	LOAD(L, plat(R"(
- root_port: rp0
  acs: full
  link:
    endpoint: mf
    functions:
      - { fn: 0, acs: none }
      - { fn: 1 }
      - { fn: 2 }
)"));
	EXPECT_EQ(L.g.n, 2u);
	EXPECT_EQ(L.members("mf.0"), (Names{"mf.0", "mf.1", "mf.2"}));
	EXPECT_TRUE(Apart(L, "rp0", "mf.0"));
	EXPECT_EQ(L.why("mf.1"), GROUP_MULTIFUNCTION);
	int32_t w = L.with("mf.1");
	EXPECT_TRUE(w == L.f("mf.0") || w == L.f("mf.2")) << "with = " << w;
}

// An ACS capability that advertises nothing: every required flag is "hard-wired enabled"
// (pci_acs_flags_enabled() masks the request with the capability), so each function is
// isolated.
TEST(Groups, MultiFunctionWithEmptyAcsCapabilityIsolated)
{
	LOAD(L, plat(R"(
- root_port: rp0
  acs: full
  link:
    endpoint: mf
    functions:
      - { fn: 0, acs: empty }
      - { fn: 1, acs: empty }
      - { fn: 2, acs: empty }
)"));
	EXPECT_EQ(L.g.n, 4u);
	EXPECT_EQ(L.members("mf.0"), Names{"mf.0"});
	EXPECT_EQ(L.members("mf.1"), Names{"mf.1"});
	EXPECT_EQ(L.members("mf.2"), Names{"mf.2"});
	EXPECT_EQ(L.func("mf.1").acs_ctrl, 0); // nothing to enable
}

// Full ACS on every function (enabled by pci_std_enable_acs()): functions separate.
TEST(Groups, MultiFunctionWithFullAcsIsolated)
{
	LOAD(L, plat(R"(
- root_port: rp0
  acs: full
  link:
    endpoint: mf
    functions:
      - { fn: 0, acs: full }
      - { fn: 1, acs: full }
)"));
	EXPECT_EQ(L.g.n, 3u);
	EXPECT_TRUE(Apart(L, "mf.0", "mf.1"));
	EXPECT_EQ(L.why("mf.0"), GROUP_OWN);
	EXPECT_EQ(L.why("mf.1"), GROUP_OWN);
}

// Mixed: get_pci_function_alias_group() skips functions whose ACS is enabled; only the
// ACS-less functions of the slot share a group.
TEST(Groups, MultiFunctionMixedOnlyAcslessFunctionsShare)
{
	LOAD(L, plat(R"(
- root_port: rp0
  acs: full
  link:
    endpoint: mf
    functions:
      - { fn: 0, name: a0, acs: full }
      - { fn: 1, name: n1, acs: none }
      - { fn: 2, name: a2, acs: full }
      - { fn: 3, name: n3, acs: none }
)"));
	EXPECT_EQ(L.g.n, 4u); // {rp0} {a0} {n1 n3} {a2}
	EXPECT_EQ(L.members("n1"), (Names{"n1", "n3"}));
	EXPECT_EQ(L.members("a0"), Names{"a0"});
	EXPECT_EQ(L.members("a2"), Names{"a2"});
	EXPECT_EQ(L.why("n3"), GROUP_MULTIFUNCTION);
	EXPECT_EQ(L.with("n3"), L.f("n1"));
}

// PCIe-to-PCI bridge: pci_for_each_dma_alias() makes both devices behind it appear as
// (secondary bus, 00.0), whose first alias visited is the bridge: they join its group.
// arm-smmu-v3 then gives each device the StreamIDs of all its aliases; d0 (02:00.0) holds
// 0x0200 (its own RID, and the bridge alias — a duplicate within one master is allowed);
// d1 (02:01.0) also needs 0x0200, held by d0: "stream already in tree", d1 gets no group.
TEST(Groups, PcieToPciBridgeSharesGroupAndSecondDeviceRefused)
{
	LOAD(L, plat(R"(
- root_port: rp0
  acs: full
  link:
    pcie_pci_bridge: pb
    devices:
      - pci_device: d0
      - pci_device: d1
)"));
	const pcie_func_t &pb = L.func("pb");
	ASSERT_EQ(pb.secondary_bus, 2);
	const uint16_t sid = (uint16_t)(pb.secondary_bus << 8 | 0);
	EXPECT_TRUE(Same(L, "pb", "d0"));
	EXPECT_TRUE(Apart(L, "rp0", "pb"));
	EXPECT_EQ(L.g.n, 2u);
	EXPECT_EQ(L.why("d0"), GROUP_DMA_ALIAS);
	EXPECT_EQ(L.with("d0"), L.f("pb"));
	EXPECT_EQ(L.g.dma_alias[L.f("d0")], sid);
	EXPECT_EQ(L.g.dma_alias[L.f("d1")], sid);
	// The union (what the rules alone say) still holds d1 with the bridge.
	EXPECT_EQ(L.why("d1"), GROUP_DMA_ALIAS);
	EXPECT_EQ(L.with("d1"), L.f("pb"));

	EXPECT_EQ(L.of("d1"), -1);
	ASSERT_EQ(L.g.nrefused, 1u);
	EXPECT_EQ(L.g.refused[0].func, L.f("d1"));
	EXPECT_EQ(L.g.refused[0].holder, L.f("d0"));
	EXPECT_EQ(L.g.refused[0].sid, sid);
}

// Conventional PCI-to-PCI bridge behind a PCIe-to-PCI bridge: the device behind it aliases
// to the conventional bridge (its own RID, 02:00.0) and then to (02, 00.0) for the PCIe-to-PCI
// bridge. Everything is the PCIe-to-PCI bridge's group. The conventional bridge, probed
// first, holds StreamID 0x0200 (own RID == the bridge alias), so the device behind it is
// refused.
TEST(Groups, ConventionalBridgeBehindPcieToPciBridge)
{
	LOAD(L, plat(R"(
- root_port: rp0
  acs: full
  link:
    pcie_pci_bridge: pb
    devices:
      - pci_bridge: cb
        devices:
          - pci_device: d
)"));
	ASSERT_EQ(L.func("pb").secondary_bus, 2);
	ASSERT_EQ(L.func("cb").secondary_bus, 3);
	EXPECT_TRUE(Same(L, "pb", "cb"));
	EXPECT_EQ(L.members("pb"), (Names{"pb", "cb"}));
	EXPECT_EQ(L.g.n, 2u);
	EXPECT_EQ(L.why("cb"), GROUP_DMA_ALIAS);
	EXPECT_EQ(L.with("cb"), L.f("pb"));
	EXPECT_EQ(L.why("d"), GROUP_DMA_ALIAS);
	EXPECT_EQ(L.with("d"), L.f("cb")); // first aliasing bridge on the way up
	EXPECT_EQ(L.g.dma_alias[L.f("d")], 0x0200);
	EXPECT_EQ(L.g.dma_alias[L.f("cb")], 0x0200);

	EXPECT_EQ(L.of("d"), -1);
	ASSERT_EQ(L.g.nrefused, 1u);
	EXPECT_EQ(L.g.refused[0].func, L.f("d"));
	EXPECT_EQ(L.g.refused[0].holder, L.f("cb"));
	EXPECT_EQ(L.g.refused[0].sid, 0x0200);
}

// Same, with a conventional device at 02:00.0 ahead of the conventional bridge (02:01.0):
// e holds 0x0200; cb needs 0x0208 and 0x0200 (refused, holder e); d needs 0x0300, 0x0208
// (cb's RID — free, since cb was refused and removed its streams) and 0x0200 (refused,
// holder e).
TEST(Groups, ConventionalBridgeBehindPcieToPciBridgeWithSibling)
{
	LOAD(L, plat(R"(
- root_port: rp0
  acs: full
  link:
    pcie_pci_bridge: pb
    devices:
      - pci_device: e
      - pci_bridge: cb
        devices:
          - pci_device: d
)"));
	ASSERT_EQ(pcie_func_id(&L.func("e")), 0x0200);
	ASSERT_EQ(pcie_func_id(&L.func("cb")), 0x0208);
	ASSERT_EQ(pcie_func_id(&L.func("d")), 0x0300);
	EXPECT_EQ(L.members("pb"), (Names{"pb", "e"}));
	EXPECT_EQ(L.g.n, 2u);
	EXPECT_EQ(L.with("d"), L.f("cb"));
	EXPECT_EQ(L.g.dma_alias[L.f("d")], 0x0200);
	EXPECT_EQ(L.of("cb"), -1);
	EXPECT_EQ(L.of("d"), -1);
	ASSERT_EQ(L.g.nrefused, 2u);
	EXPECT_EQ(L.g.refused[0].func, L.f("cb"));
	EXPECT_EQ(L.g.refused[0].holder, L.f("e"));
	EXPECT_EQ(L.g.refused[0].sid, 0x0200);
	EXPECT_EQ(L.g.refused[1].func, L.f("d"));
	EXPECT_EQ(L.g.refused[1].holder, L.f("e"));
	EXPECT_EQ(L.g.refused[1].sid, 0x0200);
}

// SR-IOV under an ACS root port: each VF is a single-function endpoint with its own RID,
// the climb stops at the root port: one group per VF. Under an ACS-less root port the VFs
// join the root port's group like any endpoint.
TEST(Groups, SriovVfsUnderAcsRootPortEachOwnGroup)
{
	LOAD(L, plat(R"(
- root_port: rp0
  acs: full
  link:
    endpoint: pf
    sriov: { vfs: 3 }
- root_port: rp1
  acs: none
  link:
    endpoint: pg
    sriov: { vfs: 2 }
)"));
	EXPECT_EQ(L.members("pf"), Names{"pf"});
	for (const char *vf : {"pf.vf0", "pf.vf1", "pf.vf2"}) {
		ASSERT_GE(L.f(vf), 0) << vf;
		EXPECT_EQ(L.members(vf), Names{vf});
		EXPECT_EQ(L.g.dma_alias[L.f(vf)], pcie_func_id(&L.func(vf))) << vf;
	}
	EXPECT_EQ(L.members("pg"), (Names{"rp1", "pg", "pg.vf0", "pg.vf1"}));
	EXPECT_EQ(L.g.n, 6u); // rp0, pf, 3 VFs, {rp1 pg VFs}
	EXPECT_EQ(L.g.nrefused, 0u);
}

// A device quirk (pci_dev_specific_acs_enabled()) decides before the capability rules: the
// quirked ACS-less root port isolates; an identical port with another ID does not.
TEST(Groups, QuirkIsolatesAcslessRootPort)
{
	LOAD(L, plat(R"(
- root_port: rp0
  id: "8086:a110"
  acs: none
  link: { endpoint: ep0 }
- root_port: rp1
  id: "8086:a111"
  acs: none
  link: { endpoint: ep1 }
)",
		     "quirks: [{ id: \"8086:a110\", acs: isolated }]\n"));
	EXPECT_EQ(L.members("ep0"), Names{"ep0"});
	EXPECT_EQ(L.members("rp0"), Names{"rp0"});
	EXPECT_EQ(L.members("ep1"), (Names{"rp1", "ep1"}));
	EXPECT_EQ(L.g.n, 3u);
	EXPECT_TRUE(groups_acs_enabled(&L.p, L.f("rp0"), kReq));
	EXPECT_FALSE(groups_acs_enabled(&L.p, L.f("rp1"), kReq));
}

// pcie_acs_override=downstream: root ports and switch downstream ports WITHOUT an ACS
// capability count as enabled, so every endpoint is isolated.
TEST(Groups, AcsOverrideDownstreamIsolatesAcslessPorts)
{
	const std::string ports = R"(
- root_port: rp0
  acs: none
  link: { endpoint: ep0 }
- root_port: rp1
  acs: none
  link:
    switch: sw0
    downstream:
      - port: dp0
        acs: none
        link: { endpoint: ep1 }
      - port: dp1
        acs: none
        link: { endpoint: ep2 }
)";
	{
		LOAD(L, plat(ports, "kernel: { acs_override: [downstream] }\n"));
		EXPECT_EQ(L.g.n, 8u); // every function alone
		for (const char *ep : {"ep0", "ep1", "ep2"})
			EXPECT_EQ(L.members(ep), Names{ep});
	}
	{
		// Control: without the override, rp0 takes ep0, rp1 takes its whole subtree.
		LOAD(L, plat(ports));
		EXPECT_EQ(L.g.n, 2u);
		EXPECT_EQ(L.members("ep0"), (Names{"rp0", "ep0"}));
		EXPECT_EQ(L.members("ep1"), (Names{"rp1", "sw0", "dp0", "dp1", "ep1", "ep2"}));
	}
}

// pcie_acs_overrides() never overrides a device that HAS an ACS capability: a root port
// whose capability advertises SV RR CR UF with control clear (enable_acs: false, so nobody
// sets it) stays not-enabled, even with acs_override=downstream.
TEST(Groups, AcsOverrideDownstreamSkipsPortWithAcsCapability)
{
	LOAD(L, plat(R"(
- root_port: rp0
  acs: none
  link: { endpoint: ep0 }
- root_port: rp1
  acs: { cap: [SV, RR, CR, UF], ctrl: [] }
  link: { endpoint: ep1 }
)",
		     "kernel: { enable_acs: false, acs_override: [downstream] }\n"));
	EXPECT_EQ(L.func("rp1").acs_ctrl, 0);
	EXPECT_EQ(L.members("ep0"), Names{"ep0"});
	EXPECT_EQ(L.members("ep1"), (Names{"rp1", "ep1"}));
	EXPECT_EQ(L.g.n, 3u);
}

// pcie_acs_override=multifunction: an ACS-less function of a multi-function endpoint
// counts as enabled, so the functions separate. It does not touch root ports.
TEST(Groups, AcsOverrideMultifunctionSeparatesFunctions)
{
	const std::string ports = R"(
- root_port: rp0
  acs: full
  link:
    endpoint: mf
    functions:
      - { fn: 0 }
      - { fn: 1 }
- root_port: rp1
  acs: none
  link: { endpoint: ep1 }
)";
	{
		LOAD(L, plat(ports, "kernel: { acs_override: [multifunction] }\n"));
		EXPECT_TRUE(Apart(L, "mf.0", "mf.1"));
		EXPECT_EQ(L.members("mf.0"), Names{"mf.0"});
		EXPECT_EQ(L.members("ep1"), (Names{"rp1", "ep1"}));
		EXPECT_EQ(L.g.n, 4u);
	}
	{
		LOAD(L, plat(ports));
		EXPECT_TRUE(Same(L, "mf.0", "mf.1"));
		EXPECT_EQ(L.g.n, 3u);
	}
}

// pcie_acs_override=id:vvvv:dddd: only ACS-less devices with that ID count as enabled; a
// device with that ID that has an ACS capability is not overridden.
TEST(Groups, AcsOverrideIdMatchesOneDeviceOnly)
{
	LOAD(L, plat(R"(
- root_port: rp0
  id: "1234:0001"
  acs: none
  link: { endpoint: ep0 }
- root_port: rp1
  id: "1234:0002"
  acs: none
  link: { endpoint: ep1 }
- root_port: rp2
  id: "1234:0001"
  acs: { cap: [SV, RR, CR, UF], ctrl: [] }
  link: { endpoint: ep2 }
)",
		     "kernel: { enable_acs: false, acs_override: [\"id:1234:0001\"] }\n"));
	EXPECT_EQ(L.members("ep0"), Names{"ep0"});
	EXPECT_EQ(L.members("rp0"), Names{"rp0"});
	EXPECT_EQ(L.members("ep1"), (Names{"rp1", "ep1"}));
	EXPECT_EQ(L.members("ep2"), (Names{"rp2", "ep2"}));
	EXPECT_EQ(L.g.n, 4u);
}

// enable_acs: false — no pci_request_acs(), so pci_std_enable_acs() never runs and the
// control bits stay as the file gives them. A full capability with clear control is not
// enabled: the root port, the switch and both endpoints form one group. With enable_acs:
// true (the default) Linux sets SV RR CR UF and everything separates.
TEST(Groups, EnableAcsFalseLeavesControlClearAndMerges)
{
	const std::string ports = R"(
- root_port: rp0
  acs: full
  link:
    switch: sw0
    downstream:
      - port: dp0
        acs: full
        link: { endpoint: ep0 }
      - port: dp1
        acs: full
        link: { endpoint: ep1 }
)";
	{
		LOAD(L, plat(ports, "kernel: { enable_acs: false }\n"));
		EXPECT_EQ(L.func("rp0").acs_ctrl, 0);
		EXPECT_EQ(L.func("dp0").acs_ctrl, 0);
		EXPECT_EQ(L.g.n, 1u);
		EXPECT_EQ(L.members("ep0"), (Names{"rp0", "sw0", "dp0", "dp1", "ep0", "ep1"}));
	}
	{
		LOAD(L, plat(ports, "kernel: { enable_acs: true }\n"));
		EXPECT_EQ(L.func("rp0").acs_ctrl, kReq);
		EXPECT_EQ(L.func("dp1").acs_ctrl, kReq);
		EXPECT_EQ(L.g.n, 6u);
		EXPECT_TRUE(Apart(L, "ep0", "ep1"));
		EXPECT_TRUE(Apart(L, "dp0", "ep0"));
		EXPECT_TRUE(Apart(L, "rp0", "sw0"));
	}
}

// pci_acs_flags_enabled() with control given by firmware (enable_acs: false): every
// advertised required flag must be set; one missing (UF) makes the port not enabled. A
// required flag the capability does not advertise counts as enabled; EC is not required.
TEST(Groups, FirmwareControlBitsDecideWhenAcsNotEnabled)
{
	LOAD(L, plat(R"(
- root_port: rp0
  acs: { cap: [SV, RR, CR, UF], ctrl: [SV, RR, CR] }
  link: { endpoint: ep0 }
- root_port: rp1
  acs: { cap: [SV, RR, CR, UF, EC], ctrl: [SV, RR, CR, UF] }
  link: { endpoint: ep1 }
- root_port: rp2
  acs: { cap: [RR], ctrl: [RR] }
  link: { endpoint: ep2 }
)",
		     "kernel: { enable_acs: false }\n"));
	EXPECT_EQ(L.members("ep0"), (Names{"rp0", "ep0"}));
	EXPECT_EQ(L.members("ep1"), Names{"ep1"});
	EXPECT_EQ(L.members("ep2"), Names{"ep2"});
	EXPECT_EQ(L.g.n, 5u);
}

// kernel ats: false (pci=noats): pci_std_enable_acs() also sets TB where the capability has
// it. TB is not a required flag: the groups are the same as with ATS on.
TEST(Groups, AtsOffSetsTranslationBlockingGroupsUnchanged)
{
	const std::string ports = R"(
- root_port: rp0
  acs: full
  link:
    endpoint: mf
    functions:
      - { fn: 0, acs: { cap: [SV, RR, CR, UF] } }
      - { fn: 1, acs: full }
- root_port: rp1
  acs: none
  link: { endpoint: ep1 }
)";
	LOAD(off, plat(ports, "kernel: { ats: false }\n"));
	LOAD(on, plat(ports));
	EXPECT_EQ(off.func("rp0").acs_ctrl, kReq | PCI_ACS_TB);
	EXPECT_EQ(off.func("mf.1").acs_ctrl, kReq | PCI_ACS_TB);
	EXPECT_EQ(off.func("mf.0").acs_ctrl, kReq); // TB not in the capability
	EXPECT_EQ(on.func("rp0").acs_ctrl, kReq);
	EXPECT_EQ(on.func("mf.1").acs_ctrl, kReq);
	EXPECT_EQ(off.p.acs_ctrl_firmware[off.f("rp0")], 0); // the file's value is kept
	EXPECT_EQ(off.partition(), on.partition());
	EXPECT_EQ(off.g.n, on.g.n);
	EXPECT_EQ(off.g.n, 4u); // {rp0} {mf.0} {mf.1} {rp1 ep1}
}

// Groups are numbered as Linux allocates them: in probe order (bus scan: root bus, then
// each bridge's bus in turn), the VFs last (they appear when sriov_numvfs is written).
TEST(Groups, NumberedInProbeOrderVfsLast)
{
	LOAD(L, plat(R"(
- root_port: rp0
  acs: full
  link:
    endpoint: nic
    sriov: { vfs: 2 }
- root_port: rp1
  acs: full
  link: { endpoint: nvme }
)"));
	ASSERT_EQ(L.g.n, 6u);
	EXPECT_EQ(L.of("rp0"), 0);    // 00:00.0
	EXPECT_EQ(L.of("rp1"), 1);    // 00:01.0
	EXPECT_EQ(L.of("nic"), 2);    // 01:00.0
	EXPECT_EQ(L.of("nvme"), 3);   // 02:00.0
	EXPECT_EQ(L.of("nic.vf0"), 4); // 01:00.1, created after everything
	EXPECT_EQ(L.of("nic.vf1"), 5); // 01:00.2
	const char *expect[] = {"rp0", "rp1", "nic", "nvme", "nic.vf0", "nic.vf1"};
	for (int k = 0; k < 6; k++)
		EXPECT_EQ(L.g.order[k], L.f(expect[k])) << "probe position " << k;
}

// Linux's scan (pci_scan_child_bus_extend) adds every device of a bus, then descends into
// the bridges in devfn order. When firmware numbered buses against devfn order, the probe
// order is that depth-first devfn order, not ascending bus numbers: rp_lo (00:01.0, bus 2)
// is scanned before rp_hi (00:02.0, bus 1), so ep_lo is probed and grouped before ep_hi.
TEST(Groups, NumberedInScanOrderWhenBusesOutOfDevfnOrder)
{
	LOAD(L, plat(R"(
- root_port: rp_hi
  dev: 2
  bus: 1
  acs: full
  link: { endpoint: ep_hi }
- root_port: rp_lo
  dev: 1
  bus: 2
  acs: full
  link: { endpoint: ep_lo }
)",
		     "enumeration: fixed\n"));
	ASSERT_EQ(L.func("rp_hi").secondary_bus, 1);
	ASSERT_EQ(L.func("rp_lo").secondary_bus, 2);
	ASSERT_EQ(L.g.n, 4u);
	EXPECT_EQ(L.of("rp_lo"), 0);
	EXPECT_EQ(L.of("rp_hi"), 1);
	EXPECT_EQ(L.of("ep_lo"), 2);
	EXPECT_EQ(L.of("ep_hi"), 3);
}

// The result is the closure of Linux's rules, independent of probe order: the same
// topology with siblings listed (and therefore numbered and probed) in another order gives
// the same partition by name.
TEST(Groups, PartitionIndependentOfSiblingOrder)
{
	const std::string a = R"(
- root_port: rp_a
  acs: none
  link:
    switch: sw
    downstream:
      - port: dp0
        acs: full
        link: { endpoint: ep_x }
      - port: dp1
        acs: none
        link:
          endpoint: mf1
          functions:
            - { name: m1a, acs: none }
            - { name: m1b, acs: none }
            - { name: m1c, acs: full }
- root_port: rp_b
  acs: full
  link:
    endpoint: mf2
    functions:
      - { name: m2a, acs: full }
      - { name: m2b, acs: none }
      - { name: m2c, acs: none }
- root_port: rp_c
  acs: full
  link:
    pcie_pci_bridge: pb
    devices:
      - pci_device: d0
- root_port: rp_d
  acs: none
  link: { endpoint: ep_y }
)";
	const std::string b = R"(
- root_port: rp_d
  acs: none
  link: { endpoint: ep_y }
- root_port: rp_c
  acs: full
  link:
    pcie_pci_bridge: pb
    devices:
      - pci_device: d0
- root_port: rp_b
  acs: full
  link:
    endpoint: mf2
    functions:
      - { name: m2c, acs: none }
      - { name: m2b, acs: none }
      - { name: m2a, acs: full }
- root_port: rp_a
  acs: none
  link:
    switch: sw
    downstream:
      - port: dp1
        acs: none
        link:
          endpoint: mf1
          functions:
            - { name: m1c, acs: full }
            - { name: m1b, acs: none }
            - { name: m1a, acs: none }
      - port: dp0
        acs: full
        link: { endpoint: ep_x }
)";
	LOAD(A, plat(a));
	LOAD(B, plat(b));
	// Derived: everything below the ACS-less rp_a shares its group (the climb from any
	// device there reaches rp_a, whose path is never enabled), dp0's ACS notwithstanding.
	const std::set<Names> expect = {
		{"rp_a", "sw", "dp0", "dp1", "ep_x", "m1a", "m1b", "m1c"},
		{"rp_b"},
		{"m2a"},
		{"m2b", "m2c"},
		{"rp_c"},
		{"pb", "d0"},
		{"rp_d", "ep_y"},
	};
	EXPECT_EQ(A.partition(), expect);
	EXPECT_EQ(B.partition(), expect);
	EXPECT_EQ(A.g.n, 7u);
	EXPECT_EQ(B.g.n, 7u);
	EXPECT_NE(pcie_func_id(&A.func("m2a")), pcie_func_id(&B.func("m2a"))); // really reordered
}
