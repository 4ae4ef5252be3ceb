// SPDX-License-Identifier: MIT
// Scenarios with an SMMU: the MSI window as a reserved region, MSI doorbells placed before
// the SMMU, and the translation a step reports.
#include <gtest/gtest.h>

#include "testutil.h"

namespace {

std::string smmu_platform(const std::string &msi)
{
	return R"(name: t
memory:
  - { name: dram0, base: 0x80000000, size: 1G }
  - { name: doorbell, base: 0x30050000, size: 64K, kind: msi }
smmus:
  - name: smmu0
    base: 0x2b400000
    streams: [ { rc: rc0 } ]
    msi: )" + msi + R"(
root_complexes:
  - name: rc0
    mmio: { base: 0x40000000, size: 256M }
    ports:
      - root_port: rp0
        acs: full
        link: { endpoint: e0, bars: [16K] }
)";
}

using iofab_test::ScenarioRun;

const char *kScenario = R"(name: s
platform: p.yaml
iommu:
  domains:
    - name: d
      stage: 2
      mappings: [ { iova: 0x40000000, pa: dram0, size: 1G } ]
  attach: [ { function: e0, domain: d } ]
steps:
  - from: e0
    tlp: { type: MWr, address: 0x8000040, length: 4 }
  - from: e0
    tlp: { type: MWr, address: 0x30050040, length: 4 }
  - from: e0
    tlp: { type: MWr, address: 0x40001000, length: 64 }
)";

} // namespace

TEST(ScenarioIommu, DoorbellIsMappedAtTheMsiWindow)
{
	ScenarioRun r(smmu_platform("{ window: 0x8000000, size: 1M }"), kScenario);
	ASSERT_TRUE(r.loaded) << r.errors;
	const step_t &msi = r.s.steps[0];
	ASSERT_TRUE(msi.has_iommu);
	EXPECT_EQ(msi.iommu.outcome, SMMU_XLATE_OK);
	EXPECT_EQ(msi.iommu.pa, 0x30050040u);
	// The doorbell's own address is not an IOVA the domain maps.
	EXPECT_EQ(r.s.steps[1].iommu.event, SMMU_EVT_F_TRANSLATION);
	EXPECT_EQ(r.s.steps[2].iommu.pa, 0x80001000u);
}

TEST(ScenarioIommu, DoorbellsBeforeTheSmmuBypassTranslation)
{
	ScenarioRun r(smmu_platform("bypass"), kScenario);
	ASSERT_TRUE(r.loaded) << r.errors;
	// No window: the device must use the doorbell's physical address, untranslated.
	EXPECT_EQ(r.s.steps[0].iommu.event, SMMU_EVT_F_TRANSLATION);
	const step_t &db = r.s.steps[1];
	EXPECT_FALSE(db.has_iommu);
	EXPECT_EQ(db.route.outcome, PCIE_OUT_HOST);
	ASSERT_GE(db.route.region, 0);
	EXPECT_STREQ(r.s.platform.fabric.regions[db.route.region].name, "doorbell");
	bool bypassed = false;
	for (uint32_t h = 0; h < db.route.nhops; h++)
		bypassed |= db.route.hops[h].why == PCIE_WHY_IOMMU_BYPASS;
	EXPECT_TRUE(bypassed);
}

TEST(ScenarioIommu, GuestRamOverlappingTheMsiWindowIsRefused)
{
	std::string scen = kScenario;
	scen.replace(scen.find("iova: 0x40000000"), 16, "iova: 0x0");
	ScenarioRun r(smmu_platform("{ window: 0x8000000, size: 1M }"), scen);
	EXPECT_FALSE(r.loaded);
	EXPECT_EQ(r.errors, "s.yaml:8:37: iommu.attach[0].domain: domain 'd' maps [0x0, +0x40000000), "
			    "which overlaps the MSI window [0x8000000, +0x100000) of SMMU 'smmu0', a "
			    "reserved region\n");
}

TEST(ScenarioIommu, DomainGranuleTheSmmuLacksIsRefused)
{
	std::string plat = smmu_platform("bypass");
	plat.replace(plat.find("    msi: bypass"), 15,
		     "    msi: bypass\n    features: { granules: [4K] }");
	std::string scen = kScenario;
	scen.replace(scen.find("      stage: 2\n"), 15, "      stage: 2\n      granule: 64K\n");
	ScenarioRun r(plat, scen);
	EXPECT_FALSE(r.loaded);
	EXPECT_NE(r.errors.find("iommu.attach[0].domain: SMMU 'smmu0' does not support domain "
				"'d''s 64 KiB granule"),
		  std::string::npos)
		<< r.errors;
}

TEST(ScenarioIommu, DoorbellPageFollowsTheDomainGranule)
{
	std::string scen = kScenario;
	scen.replace(scen.find("      stage: 2\n"), 15, "      stage: 2\n      granule: 64K\n");
	ScenarioRun r(smmu_platform("{ window: 0x8000000, size: 1M }"), scen);
	ASSERT_TRUE(r.loaded) << r.errors;
	// The 64 KiB page at the window's start holds the whole 64 KiB doorbell frame.
	EXPECT_EQ(r.s.steps[0].iommu.outcome, SMMU_XLATE_OK);
	EXPECT_EQ(r.s.steps[0].iommu.pa, 0x30050040u);
}

TEST(ScenarioIommu, DriverPollsTheQueueWhenTheSmmuHasNoMsi)
{
	// Without IDR0.MSI the driver cannot have CMD_SYNC write memory; it polls CMDQ_CONS.
	std::string plat = smmu_platform("bypass");
	plat.replace(plat.find("    msi: bypass"), 15,
		     "    msi: bypass\n    features: { msi: false }");
	ScenarioRun r(plat, kScenario);
	ASSERT_TRUE(r.loaded) << r.errors;
	EXPECT_EQ(r.s.steps[2].iommu.outcome, SMMU_XLATE_OK);
	EXPECT_EQ(r.s.steps[2].iommu.pa, 0x80001000u);
}

TEST(ScenarioIommu, FailedActionCountsAsNotMetEvenWithoutExpectation)
{
	std::string scen = kScenario;
	scen += "  - do: { unmap: { domain: d, iova: 0x7000000, size: 4K } }\n";
	ScenarioRun r(smmu_platform("bypass"), scen);
	ASSERT_TRUE(r.loaded) << r.errors;
	EXPECT_TRUE(r.s.steps[3].act_failed);
	uint32_t met, not_met, none;
	scenario_tally(&r.s, &met, &not_met, &none);
	EXPECT_EQ(not_met, 1u);
	EXPECT_EQ(none, 3u);
}

TEST(ScenarioIommu, NestedDomainNeedsStage2)
{
	std::string plat = smmu_platform("bypass");
	plat.replace(plat.find("    msi: bypass"), 15,
		     "    msi: bypass\n    features: { stage2: false }");
	const char *scen = R"(name: s
platform: p.yaml
iommu:
  domains:
    - name: vm
      stage: 2
      mappings: [ { iova: 0x40000000, pa: dram0, size: 1G } ]
    - { name: guest, stage: 1, parent: vm }
  attach: [ { function: e0, domain: guest } ]
steps:
  - from: e0
    tlp: { type: MWr, address: 0x1000, length: 4 }
)";
	ScenarioRun r(plat, scen);
	EXPECT_FALSE(r.loaded);
	EXPECT_NE(r.errors.find("SMMU 'smmu0' has no stage 2"), std::string::npos) << r.errors;
}

TEST(ScenarioIommu, StreamIdsThroughSeveralSmmusAndSidBases)
{
	// rc0 and rc1 share smmu0 (rc1's Requester IDs offset by 0x10000); rc2 has smmu1.
	const char *plat = R"(name: t
memory:
  - { name: dram0, base: 0x80000000, size: 1G }
smmus:
  - name: smmu0
    base: 0x2b400000
    features: { sid_bits: 17 }
    streams: [ { rc: rc0 }, { rc: rc1, sid_base: 0x10000 } ]
  - { name: smmu1, base: 0x2b600000, streams: [ { rc: rc2 } ] }
root_complexes:
  - name: rc0
    mmio: { base: 0x40000000, size: 64M }
    ports: [ { root_port: rp0, acs: full, link: { endpoint: e0, bars: [16K] } } ]
  - name: rc1
    segment: 1
    mmio: { base: 0x48000000, size: 64M }
    ports: [ { root_port: rp1, acs: full, link: { endpoint: e1, bars: [16K] } } ]
  - name: rc2
    segment: 2
    mmio: { base: 0x50000000, size: 64M }
    ports: [ { root_port: rp2, acs: full, link: { endpoint: e2, bars: [16K] } } ]
)";
	const char *scen = R"(name: s
platform: p.yaml
iommu:
  domains:
    - { name: d, stage: 2, mappings: [ { iova: 0x40000000, pa: dram0, size: 1G } ] }
  attach: [ { function: e0, domain: d }, { function: e1, domain: d }, { function: e2, domain: d } ]
steps:
  - { from: e0, tlp: { type: MWr, address: 0x40001000, length: 4 } }
  - { from: e1, tlp: { type: MWr, address: 0x40001000, length: 4 } }
  - { from: e2, tlp: { type: MWr, address: 0x40001000, length: 4 } }
)";
	ScenarioRun r(plat, scen);
	ASSERT_TRUE(r.loaded) << r.errors;
	const uint32_t want_sid[3] = {0x100, 0x10100, 0x100};
	const int want_smmu[3] = {0, 0, 1};
	for (int i = 0; i < 3; i++) {
		const step_t &st = r.s.steps[i];
		ASSERT_TRUE(st.has_iommu) << i;
		EXPECT_EQ(st.iommu_smmu, want_smmu[i]) << i;
		EXPECT_EQ(st.iommu_sid, want_sid[i]) << i;
		EXPECT_EQ(st.iommu.outcome, SMMU_XLATE_OK) << i;
		EXPECT_EQ(st.iommu.pa, 0x80001000u) << i;
	}
}
