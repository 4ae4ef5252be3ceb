// SPDX-License-Identifier: MIT
// Bad input gets one precise message per problem: FILE:LINE:COL: KEY.PATH: what is wrong (and
// what was expected). These tests pin the exact text users see.
#include <gtest/gtest.h>

#include "testutil.h"

using iofab_test::load_platform;
using iofab_test::TempFile;

namespace {

// A minimal valid platform with one placeholder line to replace.
std::string platform_with(const std::string &ports, const std::string &extra = "")
{
	return "name: t\n" + extra +
	       "root_complexes:\n"
	       "  - name: rc0\n"
	       "    mmio: { base: 0x40000000, size: 256M }\n"
	       "    ports:\n" +
	       ports;
}

std::string errors_of(const std::string &yaml)
{
	platform_t p;
	std::string errors;
	bool ok = load_platform(yaml, &p, &errors);
	if (ok)
		platform_free(&p);
	EXPECT_FALSE(ok) << "expected the platform to be rejected";
	return errors;
}

} // namespace

TEST(YamlErrors, UnknownKeyListsTheExpectedOnes)
{
	EXPECT_EQ(errors_of(platform_with("      - root_port: rp0\n        colour: blue\n")),
		  "platform.yaml:7:9: root_complexes[0].ports[0].colour: unknown key 'colour' "
		  "(expected one of: root_port, dev, fn, port, id, acs, link, bus)\n");
}

TEST(YamlErrors, WrongTypeForABoolean)
{
	EXPECT_EQ(errors_of("name: t\nkernel: { enable_acs: maybe }\nroot_complexes: []\n"),
		  "platform.yaml:2:23: kernel.enable_acs: expected true or false, found 'maybe'\n"
		  "platform.yaml:3:17: root_complexes: a platform needs at least one root complex\n");
}

TEST(YamlErrors, OutOfRangeNumber)
{
	EXPECT_EQ(errors_of(platform_with("      - root_port: rp0\n        dev: 32\n")),
		  "platform.yaml:7:14: root_complexes[0].ports[0].dev: 32 is out of range "
		  "(expected 0x0 to 0x1f)\n");
}

TEST(YamlErrors, UnknownAcsBit)
{
	EXPECT_EQ(errors_of(platform_with(
			  "      - root_port: rp0\n        acs: { cap: [SV, XX] }\n")),
		  "platform.yaml:7:26: root_complexes[0].ports[0].acs.cap[1]: unknown value 'XX' "
		  "(expected one of: SV, TB, RR, CR, UF, EC, DT)\n");
}

TEST(YamlErrors, ControlBitWithoutCapability)
{
	EXPECT_EQ(errors_of(platform_with(
			  "      - root_port: rp0\n        acs: { cap: [SV], ctrl: [SV, UF] }\n")),
		  "platform.yaml:7:33: root_complexes[0].ports[0].acs.ctrl: control bits UF are set "
		  "but the capability does not advertise them (such control bits are hardwired to "
		  "0)\n");
}

TEST(YamlErrors, DuplicateName)
{
	EXPECT_EQ(errors_of(platform_with("      - root_port: rp0\n      - root_port: rp0\n")),
		  "platform.yaml:7:9: root_complexes[0].ports[1]: duplicate name 'rp0' (first used "
		  "at line 6)\n");
}

TEST(YamlErrors, DuplicateDeviceNumber)
{
	EXPECT_EQ(errors_of(platform_with(
			  "      - root_port: rp0\n      - root_port: rp1\n        dev: 0\n")),
		  "platform.yaml:8:14: root_complexes[0].ports[1].dev: device 00 function 0 is used "
		  "twice on the root bus of 'rc0'\n");
}

TEST(YamlErrors, DuplicateKey)
{
	EXPECT_EQ(errors_of(platform_with("      - root_port: rp0\n        id: \"1234:5678\"\n"
					  "        id: \"1234:5679\"\n")),
		  "platform.yaml:8:9: root_complexes[0].ports[0].id: duplicate key 'id' (first at "
		  "line 7)\n");
}

TEST(YamlErrors, OverlappingRegions)
{
	EXPECT_EQ(errors_of(platform_with("      - root_port: rp0\n",
					  "memory:\n"
					  "  - { name: dram0, base: 0x80000000, size: 2G }\n"
					  "  - { name: dram1, base: 0xC0000000, size: 1G }\n")),
		  "platform.yaml:4:5: memory[1]: region 'dram1' [0xc0000000-0xffffffff] overlaps "
		  "region 'dram0' [0x80000000-0xffffffff] (line 3): address ranges must be "
		  "disjoint\n");
}

TEST(YamlErrors, WindowOverlapsMemory)
{
	EXPECT_EQ(errors_of(platform_with("      - root_port: rp0\n",
					  "memory:\n  - { name: dram0, base: 0x0, size: 2G }\n")),
		  "platform.yaml:6:11: root_complexes[0].mmio: mmio window of 'rc0' "
		  "[0x40000000-0x4fffffff] overlaps region 'dram0' [0x0-0x7fffffff] (line 3): "
		  "address ranges must be disjoint\n");
}

TEST(YamlErrors, BarsDoNotFitTheWindow)
{
	EXPECT_EQ(errors_of(platform_with("      - root_port: rp0\n        link: { endpoint: e, "
					  "bars: [512M] }\n")),
		  "platform.yaml:3:5: root_complexes[0]: the BARs below 'rc0' need 0x20000000 bytes "
		  "of non-prefetchable MMIO space but its 'mmio' window has 0x10000000\n");
}

TEST(YamlErrors, NodeKindNotAllowedThere)
{
	EXPECT_EQ(errors_of(platform_with("      - root_port: rp0\n        link: { root_port: "
					  "rp1 }\n")),
		  "platform.yaml:7:28: root_complexes[0].ports[0].link.root_port: 'root_port' cannot "
		  "sit here (expected switch, endpoint or pcie_pci_bridge)\n");
}

TEST(YamlErrors, AliasCycleIsRejectedNotFollowed)
{
	EXPECT_EQ(errors_of(platform_with("      - &a { root_port: rp0, link: { switch: s, "
					  "downstream: [ { port: d, link: *a } ] } }\n")),
		  "platform.yaml:6:9: root_complexes[0].ports[0].link.downstream[0].link: this node "
		  "is placed twice in the topology (a YAML alias makes a device sit in two places, "
		  "or a cycle)\n");
}

TEST(YamlErrors, FixedEnumerationNeedsAddresses)
{
	EXPECT_EQ(errors_of("name: t\nenumeration: fixed\nroot_complexes:\n  - name: rc0\n"
			    "    mmio: { base: 0x40000000, size: 256M }\n    ports:\n"
			    "      - root_port: rp0\n        bus: 1\n"
			    "        link: { endpoint: e, bars: [16K] }\n"),
		  "platform.yaml:9:15: root_complexes[0].ports[0].link: with 'enumeration: fixed', "
		  "BAR 0 needs an 'address'\n");
}

TEST(YamlErrors, BusGivenWithAutomaticEnumeration)
{
	EXPECT_EQ(errors_of(platform_with("      - root_port: rp0\n        bus: 4\n")),
		  "platform.yaml:7:14: root_complexes[0].ports[0].bus: bus numbers are assigned by "
		  "enumeration; give them only with 'enumeration: fixed'\n");
}

TEST(YamlErrors, SyntaxError)
{
	EXPECT_EQ(errors_of("name: t\n  oops: [\n"),
		  "platform.yaml:2:7: YAML syntax error: mapping values are not allowed in this "
		  "context\n");
}

TEST(YamlErrors, EmptyFile)
{
	EXPECT_EQ(errors_of(""), "platform.yaml:1:1: the file is empty (expected a YAML mapping)\n");
}

TEST(YamlErrors, SeveralErrorsAreAllReported)
{
	EXPECT_EQ(errors_of(platform_with("      - root_port: rp0\n        dev: 99\n"
					  "      - root_port: rp1\n        id: \"12345678\"\n")),
		  "platform.yaml:7:14: root_complexes[0].ports[0].dev: 99 is out of range (expected "
		  "0x0 to 0x1f)\n"
		  "platform.yaml:9:13: root_complexes[0].ports[1].id: expected a vendor:device ID "
		  "like \"8086:10fb\" (4 hex digits each), found '12345678'\n");
}

// Scenario errors name the scenario file, and dangling references say what exists.
TEST(YamlErrors, ScenarioDanglingFunctionReference)
{
	TempFile plat("p.yaml", platform_with("      - root_port: rp0\n        link: { endpoint: "
					      "e0, bars: [16K] }\n"));
	std::string text = "name: s\nplatform: p.yaml\nsteps:\n"
			   "  - from: nosuch\n    tlp: { type: MWr, address: 0x0 }\n"
			   "  - from: e0\n    tlp: { type: MWr, address: e1.bar0 }\n"
			   "  - from: e0\n    tlp: { type: MWr, address: e0.bar0 + 0x8000 }\n";
	std::string path = plat.dir() + "/s.yaml";
	FILE *f = fopen(path.c_str(), "w");
	ASSERT_NE(f, nullptr);
	fputs(text.c_str(), f);
	fclose(f);
	scenario_t s;
	yerrs_t e = {};
	EXPECT_FALSE(scenario_load(&s, path.c_str(), &e));
	std::string msgs = iofab_test::join_errors(&e);
	remove(path.c_str());
	for (size_t pos; (pos = msgs.find(plat.dir() + "/")) != std::string::npos;)
		msgs.erase(pos, plat.dir().size() + 1);
	EXPECT_EQ(msgs, "s.yaml:4:11: steps[0].from: no function 'nosuch' in platform 't'\n"
			"s.yaml:7:32: steps[1].tlp.address: no function named 'e1' in platform 't'\n"
			"s.yaml:9:32: steps[2].tlp.address: offset 0x8000 is beyond e0.bar0 (size "
			"0x4000)\n");
}

// --- SMMUs in platforms, IOMMU sections in scenarios ------------------------------------

namespace {
const char *kSmmuPlatform = R"(name: t
memory:
  - { name: dram0, base: 0x80000000, size: 1G }
smmus:
  - name: smmu0
    base: 0x2b400000
    streams: [ { rc: rc0 } ]
root_complexes:
  - name: rc0
    mmio: { base: 0x40000000, size: 256M }
    ports:
      - root_port: rp0
        acs: full
        link: { endpoint: e0, bars: [16K] }
)";

std::string scenario_errors(const std::string &platform, const std::string &scenario)
{
	scenario_t s;
	std::string msgs;
	if (iofab_test::load_scenario(platform, scenario, &s, &msgs))
		scenario_free(&s);
	return msgs;
}
} // namespace

TEST(YamlErrors, SmmuStreamsNameAnExistingRootComplex)
{
	std::string yaml = kSmmuPlatform;
	yaml.replace(yaml.find("{ rc: rc0 }"), 11, "{ rc: rc9 }");
	EXPECT_EQ(errors_of(yaml), "platform.yaml:7:22: smmus[0].streams[0].rc: no root complex 'rc9'\n");
}

TEST(YamlErrors, SmmuRegistersMustNotOverlapMemory)
{
	std::string yaml = kSmmuPlatform;
	yaml.replace(yaml.find("0x2b400000"), 10, "0x80100000");
	EXPECT_EQ(errors_of(yaml), "platform.yaml:6:11: smmus[0].base: the SMMU's registers "
				   "[0x80100000-0x8011ffff] overlap memory region 'dram0'\n");
}

TEST(YamlErrors, SmmuRegistersMustNotReachIntoAnMmioWindow)
{
	// The frame starts below the window but its second 64 KiB page lies inside it.
	std::string yaml = kSmmuPlatform;
	yaml.replace(yaml.find("0x2b400000"), 10, "0x3fff0000");
	EXPECT_EQ(errors_of(yaml), "platform.yaml:6:11: smmus[0].base: the SMMU's registers "
				   "[0x3fff0000-0x4000ffff] overlap the MMIO window of root complex "
				   "'rc0'\n");
}

TEST(YamlErrors, SmmuRegisterFramesMustNotOverlap)
{
	std::string yaml = kSmmuPlatform;
	yaml.replace(yaml.find("root_complexes:"), 0,
		     "  - { name: smmu1, base: 0x2b410000, streams: [] }\n");
	EXPECT_EQ(errors_of(yaml), "platform.yaml:8:26: smmus[1].base: the SMMU's registers "
				   "[0x2b410000-0x2b42ffff] overlap those of SMMU 'smmu0'\n");
}

TEST(YamlErrors, RootComplexesOnOneSmmuNeedDistinctStreamIds)
{
	std::string yaml = kSmmuPlatform;
	yaml.replace(yaml.find("{ rc: rc0 }"), 11, "{ rc: rc0 }, { rc: rc1, sid_base: 0x8000 }");
	yaml.replace(yaml.find("root_complexes:"), 0, "    features: { sid_bits: 17 }\n");
	yaml += R"(  - name: rc1
    segment: 1
    mmio: { base: 0x50000000, size: 256M }
    ports:
      - root_port: rp1
        acs: full
        link: { endpoint: e1, bars: [16K] }
)";
	EXPECT_EQ(errors_of(yaml), "platform.yaml:7:50: smmus[0].streams[1].sid_base: StreamIDs "
				   "[0x8000-0x17fff] of root complex 'rc1' overlap those of root "
				   "complex 'rc0' (give each a sid_base 0x10000 apart)\n");
}

TEST(YamlErrors, IommuSectionNeedsAnSmmuAndKnownDomains)
{
	const char *steps = "steps:\n  - from: e0\n    tlp: { type: MWr, address: dram0 }\n";
	std::string no_smmu = kSmmuPlatform;
	no_smmu.erase(no_smmu.find("smmus:"), no_smmu.find("root_complexes:") - no_smmu.find("smmus:"));
	EXPECT_EQ(scenario_errors(no_smmu, std::string("name: s\nplatform: p.yaml\niommu:\n  attach: "
						       "[ { function: e0, domain: bypass } ]\n") +
						   steps),
		  "s.yaml:4:3: iommu: platform 't' has no SMMU (add an 'smmus' section to it)\n");
	EXPECT_EQ(scenario_errors(kSmmuPlatform,
				  std::string("name: s\nplatform: p.yaml\niommu:\n  attach:\n"
					      "    - { function: e0, domain: d9 }\n") +
					  steps),
		  "s.yaml:5:31: iommu.attach[0].domain: no domain 'd9' (define it under "
		  "iommu.domains, or use bypass or abort)\n");
	EXPECT_EQ(scenario_errors(kSmmuPlatform,
				  std::string("name: s\nplatform: p.yaml\niommu:\n  domains:\n"
					      "    - name: d\n      stage: 1\n      mappings:\n"
					      "        - { iova: 0x1000, pa: dram0, size: 8K }\n"
					      "        - { iova: 0x2000, pa: dram0, size: 4K }\n") +
					  steps),
		  "s.yaml:9:11: iommu.domains[0].mappings[1]: [0x2000, +0x1000) overlaps a mapping "
		  "made before in domain 'd'\n");
}

TEST(YamlErrors, StallNeedsTheStallModelAndADomain)
{
	const char *scen = "name: s\nplatform: p.yaml\niommu:\n  domains:\n    - { name: d, stage: 1 }\n"
			   "  attach: [ { function: e0, domain: %s, stall: true } ]\nsteps:\n  - from: e0\n"
			   "    tlp: { type: MWr, address: dram0 }\n";
	char buf[512];
	std::string no_stall = kSmmuPlatform;
	no_stall.replace(no_stall.find("root_complexes:"), 0, "    features: { stall: false }\n");
	snprintf(buf, sizeof buf, scen, "d");
	EXPECT_EQ(scenario_errors(no_stall, buf),
		  "s.yaml:6:47: iommu.attach[0].stall: SMMU 'smmu0' has no stall model (features.stall "
		  "is false)\n");
	snprintf(buf, sizeof buf, scen, "bypass");
	EXPECT_EQ(scenario_errors(kSmmuPlatform, buf),
		  "s.yaml:6:52: iommu.attach[0].stall: only a domain's faults can stall (not bypass or "
		  "abort)\n");
}

TEST(YamlErrors, SmmuNameMustNotBeARegionName)
{
	std::string yaml = kSmmuPlatform;
	yaml.replace(yaml.find("name: smmu0"), 11, "name: dram0");
	EXPECT_EQ(errors_of(yaml), "platform.yaml:5:3: smmus: SMMU 'dram0' has the name of a memory "
				   "region; SMMU register frames join the memory map under their SMMU's "
				   "name\n");
}

TEST(YamlErrors, CommandKeysBelongToTheirOpcodes)
{
	std::string scen = "name: s\nplatform: p.yaml\nsteps:\n"
			   "  - do: { command: { smmu: smmu0, op: TLBI_NH_ALL, stag: 1 } }\n"
			   "  - do: { command: { smmu: smmu0, op: ATC_INV, function: e0, leaf: true } }\n"
			   "  - do: { command: { smmu: smmu0, op: RESUME, function: e0 } }\n";
	EXPECT_EQ(scenario_errors(kSmmuPlatform, scen),
		  "s.yaml:4:58: steps[0].do.command.stag: not a field of TLBI_NH_ALL (only of RESUME)\n"
		  "s.yaml:5:68: steps[1].do.command.leaf: not a field of ATC_INV (only of CFGI_STE, "
		  "TLBI_NH_VA, TLBI_NH_VAA and TLBI_S2_IPA)\n"
		  "s.yaml:6:20: steps[2].do.command: missing key 'stag' (the STAG of the stall's event "
		  "record)\n");
}
