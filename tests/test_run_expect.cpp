// SPDX-License-Identifier: MIT
// The scenario's top-level `expect` (violations by invariant and source, refusals by reason,
// interrupts taken, IOMMU faults) and its messages; the resv invariant on map steps; a
// migration re-mapping the VM's interrupts on the destination, and `deliveries` on a migrate
// step.
#include <gtest/gtest.h>

#include <cstring>
#include <string>

#include "testutil.h"

extern "C" {
#include "scenario_internal.h"
}

namespace {

const std::string kTop = std::string(IOFAB_TEST_SOURCE_DIR) + "/..";

// neoverse-smmu: nvme0, nic0 (PASID, ATS; a direct region at 0xfff00000 +1M in its group),
// smmu0 with its MSI window at 0x08000000 +1M, its0, 8 PEs.
const std::string &neoverse()
{
	static const std::string p = iofab_test::shipped_platform("neoverse-smmu.yaml");
	return p;
}

// neoverse-vfio: qnic.p0/p1 (one group), gpu0/gpu1 behind a switch, nvme0, nvme1; its0, 8 PEs.
const std::string &neoverse_vfio()
{
	static const std::string p = iofab_test::shipped_platform("neoverse-vfio.yaml");
	return p;
}

struct ExpectRun : iofab_test::ScenarioRun {
	ExpectRun(const std::string &plat, const std::string &body)
	    : ScenarioRun(plat, iofab_test::scenario_text(body))
	{
	}
	// A shipped scenario, by its path under scenarios/.
	explicit ExpectRun(const std::string &shipped)
	{
		yerrs_t e = {};
		loaded = scenario_load(&s, (kTop + "/scenarios/" + shipped).c_str(), &e);
		errors = iofab_test::join_errors(&e);
		if (loaded)
			scenario_run(&s);
	}
	int32_t fn(const char *name) const { return iofab_test::fn(s.platform, name); }
	void tally(uint32_t *met, uint32_t *not_met, uint32_t *none) const
	{
		scenario_tally(&s, met, not_met, none);
	}
};

std::string scenario_errors(const std::string &plat, const std::string &body)
{
	ExpectRun r(plat, body);
	EXPECT_FALSE(r.loaded) << "expected the scenario to be rejected";
	return r.errors;
}

// --- the run's expectation -------------------------------------------------------------------

// vm1's guest points adi1's IMS entry 1 at vm2's event and raises it (step 3): one msi
// violation by adi1, one interrupt taken (by vm2's PE). Step 1 is adi1's ordinary DMA.
std::string hijack(const std::string &expect, const std::string &step3_expect = "")
{
	return R"(vms:
  - { name: vm1, ram: [ { gpa: 0x80000000, size: 256M } ], vcpus: [4, 5] }
  - { name: vm2, ram: [ { gpa: 0x80000000, size: 256M } ], vcpus: [6, 7] }
subdevices:
  - { name: adi1, function: nic0, pasid: 1, owner: vm1, ims: { entries: 2, storage: guest, pasid_tagged: true } }
  - { name: adi2, function: nic0, pasid: 2, owner: vm2, ims: { entries: 2, storage: guest, pasid_tagged: true } }
)" + (expect.empty() ? "" : "expect: " + expect + "\n") +
	       R"(steps:
  - { from: adi1, tlp: { type: MWr, address: 0x80001000, length: 64 }, expect: { outcome: memory, violations: none } }
  - do: { ims_write: { subdevice: adi1, entry: 1, address: 0x08000040, data: 2 } }
  - from: adi1
    msi: 1
)" + (step3_expect.empty() ? "" : "    expect: " + step3_expect + "\n");
}

TEST(RunExpect, WhatTheRunDidIsCountedWithOrWithoutAnExpectation)
{
	ExpectRun r(neoverse(), hijack(""));
	ASSERT_TRUE(r.loaded) << r.errors;
	EXPECT_FALSE(r.s.expect.present);
	EXPECT_TRUE(r.s.expect.met);
	EXPECT_EQ(r.s.expect.got_viol[INV_MSI], 1u);
	for (int k = 0; k < INV_KINDS; k++)
		if (k != INV_MSI) {
			EXPECT_EQ(r.s.expect.got_viol[k], 0u) << inv_token((inv_kind_t)k);
		}
	EXPECT_EQ(r.s.ndeliveries, 1u);
	EXPECT_EQ(r.s.expect.got_faults, 0u);
	ASSERT_EQ(r.step(2).nviol, 1u);
	EXPECT_STREQ(r.step(2).viol[0].source, "adi1");
	EXPECT_EQ(r.step(2).viol[0].count, 1u);
}

TEST(RunExpect, ViolationsBySourceDeliveriesFaultsAndRefusalsMet)
{
	ExpectRun r(neoverse(), hijack("{ violations: { msi: { adi1: 1 } }, refusals: none, "
				       "deliveries: 1, faults: 0 }"));
	ASSERT_TRUE(r.loaded) << r.errors;
	EXPECT_TRUE(r.s.expect.present);
	EXPECT_EQ(r.s.expect.line, 9u);
	EXPECT_TRUE(r.s.expect.met) << r.s.expect.mismatch;
	EXPECT_STREQ(r.s.expect.mismatch, "");
	// The same by count alone.
	ExpectRun n(neoverse(), hijack("{ violations: { msi: 1 } }"));
	ASSERT_TRUE(n.loaded) << n.errors;
	EXPECT_TRUE(n.s.expect.met) << n.s.expect.mismatch;
	std::string rep = r.report();
	EXPECT_NE(rep.find("run expectation (line 9): met"), std::string::npos) << rep;
}

TEST(RunExpect, NoneMeansNoViolationOfAnyInvariant)
{
	ExpectRun r(neoverse(), hijack("{ violations: none }"));
	ASSERT_TRUE(r.loaded) << r.errors;
	EXPECT_FALSE(r.s.expect.met);
	EXPECT_STREQ(r.s.expect.mismatch, "expected 0 msi violations, got 1");
	std::string rep = r.report();
	EXPECT_NE(rep.find("NOT MET: expected 0 msi violations, got 1"), std::string::npos) << rep;
}

TEST(RunExpect, TheInvariantsNamedAreTheOnlyOnesThatBreak)
{
	ExpectRun r(neoverse(), hijack("{ violations: { dma: 1 } }"));
	ASSERT_TRUE(r.loaded) << r.errors;
	EXPECT_FALSE(r.s.expect.met);
	EXPECT_STREQ(r.s.expect.mismatch,
		     "expected 1 dma violation, got 0; expected 0 msi violations, got 1");
}

TEST(RunExpect, BySourceEachSourceExactlyAndNoOther)
{
	ExpectRun other(neoverse(), hijack("{ violations: { msi: { adi2: 1 } } }"));
	ASSERT_TRUE(other.loaded) << other.errors;
	EXPECT_FALSE(other.s.expect.met);
	EXPECT_STREQ(other.s.expect.mismatch,
		     "expected 1 msi violation by adi2, got 0; unexpected msi violation by adi1 "
		     "(step 3)");
	ExpectRun two(neoverse(), hijack("{ violations: { msi: { adi1: 2, adi2: 0 } } }"));
	ASSERT_TRUE(two.loaded) << two.errors;
	EXPECT_STREQ(two.s.expect.mismatch,
		     "expected 2 msi violations, got 1; expected 2 msi violations by adi1, got 1");
	// A function is a source too; nic0 sent nothing of its own.
	ExpectRun fn(neoverse(), hijack("{ violations: { msi: { nic0: 1 } } }"));
	ASSERT_TRUE(fn.loaded) << fn.errors;
	EXPECT_STREQ(fn.s.expect.mismatch,
		     "expected 1 msi violation by nic0, got 0; unexpected msi violation by adi1 "
		     "(step 3)");
}

TEST(RunExpect, DeliveriesAndFaultsMismatches)
{
	ExpectRun r(neoverse(), hijack("{ violations: { msi: 2 }, deliveries: 3, faults: 1 }"));
	ASSERT_TRUE(r.loaded) << r.errors;
	EXPECT_STREQ(r.s.expect.mismatch,
		     "expected 2 msi violations, got 1; expected 3 interrupts taken in the run, got "
		     "1; expected 1 IOMMU fault in the run, got 0");
}

TEST(RunExpect, FaultsAreThoseOfTheSteps)
{
	// One request to an unmapped IOVA faults in smmu0; a mapped one does not.
	const char *body = R"(iommu:
  domains: [ { name: d, stage: 1, mappings: [ { iova: 0x100000, pa: dram0 + 0x100000, size: 64K } ] } ]
  attach: [ { function: nvme0, domain: d } ]
expect: { violations: none, faults: %s }
steps:
  - { from: nvme0, tlp: { type: MWr, address: 0x100000, length: 64 }, expect: { outcome: memory } }
  - { from: nvme0, tlp: { type: MWr, address: 0x300000, length: 64 }, expect: { outcome: blocked } }
)";
	char buf[1024];
	snprintf(buf, sizeof buf, body, "1");
	ExpectRun one(neoverse(), buf);
	ASSERT_TRUE(one.loaded) << one.errors;
	EXPECT_EQ(one.s.expect.got_faults, 1u);
	EXPECT_TRUE(one.s.expect.met) << one.s.expect.mismatch;
	snprintf(buf, sizeof buf, body, "0");
	ExpectRun zero(neoverse(), buf);
	ASSERT_TRUE(zero.loaded) << zero.errors;
	EXPECT_STREQ(zero.s.expect.mismatch, "expected 0 IOMMU faults in the run, got 1");
}

TEST(RunExpect, RefusalsByReasonCountAssignmentsAndMigrations)
{
	std::string body = std::string(R"(vms:
  - { name: vm1, ram: [ { gpa: 0x80000000, size: 512M } ], vcpus: [2, 3] }
assign:
  - { function: qnic.p0, to: vm1 }
  - { function: gpu0, to: vm1 }
expect: { refusals: EXPECT }
steps:
  - do: { migrate: { vm: vm1, to: )") + kTop + R"(/platforms/neoverse-vfio-lowmsi.yaml } }
)";
	auto with = [&](const std::string &e) {
		std::string b = body;
		b.replace(b.find("EXPECT"), 6, e);
		return b;
	};
	// qnic.p0 is refused (its group's other function stays the host's), the migration is
	// refused by the destination's MSI window in vm1's RAM.
	ExpectRun met(neoverse_vfio(), with("{ group-not-viable: 1, reserved-region: 1 }"));
	ASSERT_TRUE(met.loaded) << met.errors;
	EXPECT_EQ(met.step(0).mig_result, REFUSE_RESERVED_REGION);
	EXPECT_EQ(met.s.expect.got_refusals[REFUSE_GROUP_NOT_VIABLE], 1u);
	EXPECT_EQ(met.s.expect.got_refusals[REFUSE_RESERVED_REGION], 1u);
	EXPECT_EQ(met.s.expect.got_refusals[REFUSE_NONE], 1u); // gpu0
	EXPECT_TRUE(met.s.expect.met) << met.s.expect.mismatch;
	ExpectRun none(neoverse_vfio(), with("none"));
	ASSERT_TRUE(none.loaded) << none.errors;
	EXPECT_STREQ(none.s.expect.mismatch,
		     "expected 0 group-not-viable, got 1; expected 0 reserved-region, got 1");
	// The reasons named, and no other; `accepted` counts too.
	ExpectRun some(neoverse_vfio(), with("{ group-in-use: 1, accepted: 2 }"));
	ASSERT_TRUE(some.loaded) << some.errors;
	EXPECT_STREQ(some.s.expect.mismatch,
		     "expected 2 accepted, got 1; expected 0 group-not-viable, got 1; expected 1 "
		     "group-in-use, got 0; expected 0 reserved-region, got 1");
}

TEST(RunExpect, TheRunsExpectationIsOneInTheTally)
{
	uint32_t met, not_met, none;
	// Steps: 1 met, 2 (no expectation), 3 met.
	const std::string step3 = "{ interrupt: delivered, violations: [msi] }";
	ExpectRun without(neoverse(), hijack("", step3));
	ASSERT_TRUE(without.loaded) << without.errors;
	without.tally(&met, &not_met, &none);
	EXPECT_EQ(met, 2u);
	EXPECT_EQ(not_met, 0u);
	EXPECT_EQ(none, 1u);
	ExpectRun held(neoverse(), hijack("{ violations: { msi: { adi1: 1 } } }", step3));
	ASSERT_TRUE(held.loaded) << held.errors;
	held.tally(&met, &not_met, &none);
	EXPECT_EQ(met, 3u);
	EXPECT_EQ(not_met, 0u);
	EXPECT_EQ(none, 1u);
	ExpectRun broken(neoverse(), hijack("{ violations: none }", step3));
	ASSERT_TRUE(broken.loaded) << broken.errors;
	broken.tally(&met, &not_met, &none);
	EXPECT_EQ(met, 2u);
	EXPECT_EQ(not_met, 1u);
	EXPECT_EQ(none, 1u);
}

TEST(RunExpect, ShippedExamplesMeetTheirs)
{
	struct {
		const char *file;
		inv_kind_t kind;
		const char *source;
		unsigned count;
	} cases[] = {
		{"siov/ims-pasid-tagged.yaml", INV_MSI, "adi1", 1},
		{"vfio/assignment-checks.yaml", INV_P2P, "gpu0", 1},
		{"malicious/map-over-reserved-region.yaml", INV_RESV, "host", 2},
	};
	for (const auto &c : cases) {
		ExpectRun r{std::string(c.file)};
		ASSERT_TRUE(r.loaded) << c.file << ": " << r.errors;
		EXPECT_TRUE(r.s.expect.present) << c.file;
		EXPECT_TRUE(r.s.expect.met) << c.file << ": " << r.s.expect.mismatch;
		EXPECT_EQ(r.s.expect.got_viol[c.kind], c.count) << c.file;
		unsigned by = 0, total = 0;
		for (uint32_t i = 0; i < r.s.nsteps; i++)
			for (unsigned v = 0; v < r.step(i).nviol; v++) {
				total += r.step(i).viol[v].count;
				if (r.step(i).viol[v].kind == c.kind && !strcmp(r.step(i).viol[v].source, c.source))
					by += r.step(i).viol[v].count;
			}
		EXPECT_EQ(by, c.count) << c.file;
		EXPECT_EQ(total, c.count) << c.file;
		uint32_t met, not_met, none;
		r.tally(&met, &not_met, &none);
		EXPECT_EQ(not_met, 0u) << c.file;
	}
	ExpectRun checks{std::string("vfio/assignment-checks.yaml")};
	ASSERT_TRUE(checks.loaded);
	EXPECT_EQ(checks.s.expect.got_refusals[REFUSE_GROUP_NOT_VIABLE], 1u);
	EXPECT_EQ(checks.s.expect.got_refusals[REFUSE_RESERVED_REGION], 1u);
	EXPECT_EQ(checks.s.expect.got_faults, 1u);
	ExpectRun ims{std::string("siov/ims-pasid-tagged.yaml")};
	ASSERT_TRUE(ims.loaded);
	EXPECT_EQ(ims.s.ndeliveries, 2u);
}

TEST(RunExpectErrors, UnknownInvariantSourceAndRefusal)
{
	const std::string step =
		"steps:\n  - { from: nvme0, tlp: { type: MWr, address: 0x1000, length: 64 } }\n";
	EXPECT_EQ(scenario_errors(neoverse(), "expect: { violations: { foo: 1 } }\n" + step),
		  "s.yaml:3:25: expect.violations: unknown invariant 'foo' (expected dma, p2p, msi, "
		  "group, pasid, ats or resv)\n");
	EXPECT_EQ(scenario_errors(neoverse(), "expect: { violations: { msi: { nosuch: 1 } } }\n" + step),
		  "s.yaml:3:32: expect.violations.msi: no function or sub-device 'nosuch' to be a "
		  "source (or host, for the host's map steps)\n");
	EXPECT_EQ(scenario_errors(neoverse(), "expect: { refusals: { denied: 1 } }\n" + step),
		  "s.yaml:3:23: expect.refusals: unknown refusal 'denied' (expected accepted, "
		  "group-not-viable, group-in-use, msi-not-isolated, reserved-region or no-iommu)\n");
	EXPECT_EQ(scenario_errors(neoverse(), "expect: { violations: 3 }\n" + step),
		  "s.yaml:3:23: expect.violations: expected none, or a mapping of invariants (dma, p2p, "
		  "msi, group, pasid, ats, resv) to counts or to {SOURCE: count}\n");
	EXPECT_EQ(scenario_errors(neoverse(), "expect: { faults: 1, frobs: 2 }\n" + step),
		  "s.yaml:3:22: expect.frobs: unknown key 'frobs' (expected one of: violations, "
		  "refusals, deliveries, faults)\n");
	// Sub-devices are sources (expect comes after subdevices), host is one.
	ExpectRun ok(neoverse(), hijack("{ violations: { msi: { adi1: 1 }, resv: { host: 0 } } }"));
	EXPECT_TRUE(ok.loaded) << ok.errors;
}

// --- resv: map steps over a reserved region --------------------------------------------------

// nic0 in domain nic-dma, nvme0 in nv, nobody in spare.
const char *kResvDomains = R"(iommu:
  domains:
    - { name: nic-dma, stage: 1, mappings: [ { iova: 0x100000, pa: dram0 + 0x100000, size: 64K } ] }
    - { name: nv, stage: 1, mappings: [ { iova: 0x100000, pa: dram0 + 0x200000, size: 64K } ] }
    - { name: spare, stage: 1 }
  attach: [ { function: nic0, domain: nic-dma }, { function: nvme0, domain: nv } ]
)";

std::string map_step(const char *domain, const char *iova, const char *expect = nullptr)
{
	std::string s = std::string("  - do: { map: { domain: ") + domain + ", iova: " + iova +
			", pa: dram0 + 0x400000, size: 64K } }\n";
	if (expect)
		s += std::string("    expect: ") + expect + "\n";
	return s;
}

TEST(ResvInvariant, AMapOverTheMsiWindowOrADirectRegionBreaksIt)
{
	ExpectRun r(neoverse(), std::string(kResvDomains) +
				"expect: { violations: { resv: { host: 3 } } }\nsteps:\n" +
				map_step("nic-dma", "0x08080000", "{ violations: [resv] }") +
				map_step("nic-dma", "0xfff10000", "{ violations: [resv] }") +
				map_step("nv", "0x080f0000", "{ violations: [resv] }") +
				map_step("nic-dma", "0x200000", "{ violations: none }"));
	ASSERT_TRUE(r.loaded) << r.errors;
	int gnic = (int)r.s.groups.of[r.fn("nic0")], gnv = (int)r.s.groups.of[r.fn("nvme0")];
	ASSERT_NE(gnic, gnv);
	for (unsigned i = 0; i < 4; i++) {
		EXPECT_FALSE(r.step(i).act_failed) << i << ": " << r.step(i).act_detail;
		EXPECT_TRUE(r.step(i).met) << i << ": " << r.step(i).mismatch;
	}
	for (unsigned i = 0; i < 3; i++) {
		ASSERT_EQ(r.step(i).nviol, 1u) << i;
		EXPECT_EQ(r.step(i).viol[0].kind, INV_RESV);
		EXPECT_STREQ(r.step(i).viol[0].source, "host");
		EXPECT_EQ(r.step(i).viol[0].count, 1u);
	}
	EXPECT_EQ(std::string(r.step(0).viol[0].text),
		  "the mapping [0x8080000-0x808ffff] added to domain nic-dma overlaps group " +
			  std::to_string(gnic) +
			  "'s reserved region [0x8000000-0x80fffff] (msi; nic0 is in the group): its "
			  "DMA there no longer reaches what the region is for");
	EXPECT_EQ(std::string(r.step(1).viol[0].text),
		  "the mapping [0xfff10000-0xfff1ffff] added to domain nic-dma overlaps group " +
			  std::to_string(gnic) +
			  "'s reserved region [0xfff00000-0xffffffff] (direct; nic0 is in the group): "
			  "its DMA there no longer reaches what the region is for");
	EXPECT_EQ(std::string(r.step(2).viol[0].text),
		  "the mapping [0x80f0000-0x80fffff] added to domain nv overlaps group " +
			  std::to_string(gnv) +
			  "'s reserved region [0x8000000-0x80fffff] (msi; nvme0 is in the group): its "
			  "DMA there no longer reaches what the region is for");
	EXPECT_EQ(r.step(3).nviol, 0u);
	EXPECT_TRUE(r.s.expect.met) << r.s.expect.mismatch;
	EXPECT_EQ(r.s.expect.got_viol[INV_RESV], 3u);
}

TEST(ResvInvariant, NotForADomainNobodyUsesNorAnotherGroupsRegion)
{
	ExpectRun r(neoverse(), std::string(kResvDomains) + "expect: { violations: none }\nsteps:\n" +
				map_step("spare", "0x08080000") + map_step("spare", "0xfff00000") +
				// nvme0's group has no direct region: 0xfff00000 is nic0's.
				map_step("nv", "0xfff00000") + map_step("nv", "0x08100000") +
				map_step("nv", "0x07ff0000"));
	ASSERT_TRUE(r.loaded) << r.errors;
	for (unsigned i = 0; i < r.s.nsteps; i++) {
		EXPECT_FALSE(r.step(i).act_failed) << i << ": " << r.step(i).act_detail;
		EXPECT_EQ(r.step(i).nviol, 0u) << i << ": " << (r.step(i).nviol ? r.step(i).viol[0].text : "");
	}
	EXPECT_TRUE(r.s.expect.met) << r.s.expect.mismatch;
}

TEST(ResvInvariant, AnUnexpectedOneFailsTheMapStep)
{
	ExpectRun r(neoverse(), std::string(kResvDomains) + "steps:\n" +
				map_step("nic-dma", "0x08000000") + map_step("nic-dma", "0x080a0000"));
	ASSERT_TRUE(r.loaded) << r.errors;
	// The first page of the window holds the doorbell: that map fails, and breaks nothing.
	EXPECT_TRUE(r.step(0).act_failed);
	EXPECT_EQ(r.step(0).nviol, 0u);
	ASSERT_EQ(r.step(1).nviol, 1u);
	EXPECT_FALSE(r.step(1).met);
	EXPECT_STREQ(r.step(1).mismatch, "isolation violated (resv) and no expectation says so");
	uint32_t met, not_met, none;
	r.tally(&met, &not_met, &none);
	EXPECT_EQ(not_met, 2u);
}

// --- migration: the VM's interrupts on the destination ---------------------------------------

std::string dest(const char *name) { return kTop + "/platforms/" + name; }

// vm1 (RAM at 0x80000000, vCPUs on PEs 2 and 3) has gpu0 and its two vectors.
std::string migrating(const std::string &steps, const char *vectors = "2")
{
	return std::string(R"(vms:
  - { name: vm1, ram: [{ gpa: 0x80000000, size: 512M }], vcpus: [2, 3] }
assign:
  - { function: gpu0, to: vm1, expect: accepted }
interrupts:
  vectors:
    - { function: gpu0, count: )") +
	       vectors + " }\nsteps:\n" + steps;
}

TEST(Migration, AnAcceptedMigrationReMapsTheVmsVectorsOnTheDestinationsIts)
{
	ExpectRun r(neoverse_vfio(),
		    migrating("  - from: gpu0\n    msi: 1\n    expect: { interrupt: delivered, owner: vm1 }\n"
			      "  - do: { migrate: { vm: vm1, to: " +
			      dest("neoverse-vfio.yaml") +
			      ", devices: [gpu0] } }\n    expect: { assignment: accepted, deliveries: 2 }\n"));
	ASSERT_TRUE(r.loaded) << r.errors;
	const step_t &m = r.step(1);
	EXPECT_EQ(m.mig_result, REFUSE_NONE);
	EXPECT_TRUE(m.met) << m.mismatch;
	ASSERT_NE(m.mig_irq, nullptr);
	EXPECT_EQ(m.mig_irq_total, 2u);
	EXPECT_EQ(m.mig_irq_taken, 2u);
	std::string t = m.mig_irq;
	// The destination's ITS driver maps gpu0's DeviceID and each event, aimed at vm1's PEs.
	EXPECT_NE(t.find("its0 command: MAPD DeviceID 0x400 ITT "), std::string::npos) << t;
	EXPECT_NE(t.find("its0 command: MAPTI DeviceID 0x400 EventID 0 pINTID 8192 ICID 2\n"),
		  std::string::npos)
		<< t;
	EXPECT_NE(t.find("its0 command: MAPTI DeviceID 0x400 EventID 1 pINTID 8193 ICID 3\n"),
		  std::string::npos)
		<< t;
	EXPECT_NE(t.find("gpu0 vector 0: its0 DeviceID 0x400 EventID 0 -> LPI 8192; raised once, "
			 "taken by PE 2 (vm1)\n"),
		  std::string::npos)
		<< t;
	EXPECT_NE(t.find("gpu0 vector 1: its0 DeviceID 0x400 EventID 1 -> LPI 8193; raised once, "
			 "taken by PE 3 (vm1)\n"),
		  std::string::npos)
		<< t;
	EXPECT_EQ(t.find("NOT the VM's"), std::string::npos) << t;
	// MAPD comes before the MAPTIs.
	EXPECT_LT(t.find("MAPD"), t.find("MAPTI"));
	// The destination's interrupts are not this run's: only step 1's was taken here.
	EXPECT_EQ(r.s.ndeliveries, 1u);
	std::string rep = r.report();
	EXPECT_NE(rep.find("its interrupts re-mapped on neoverse-vfio: 2 of 2 taken by its vCPUs\n"),
		  std::string::npos)
		<< rep;
}

TEST(Migration, ARefusedMigrationReMapsNothing)
{
	ExpectRun r(neoverse_vfio(), migrating("  - do: { migrate: { vm: vm1, to: " +
					       dest("neoverse-vfio-lowmsi.yaml") +
					       " } }\n    expect: { assignment: reserved-region, deliveries: 0 }\n"));
	ASSERT_TRUE(r.loaded) << r.errors;
	const step_t &m = r.step(0);
	EXPECT_EQ(m.mig_result, REFUSE_RESERVED_REGION);
	EXPECT_EQ(m.mig_irq, nullptr);
	EXPECT_EQ(m.mig_irq_total, 0u);
	EXPECT_EQ(m.mig_irq_taken, 0u);
	EXPECT_TRUE(m.met) << m.mismatch;
	// vm1 stays: gpu0 still its.
	EXPECT_EQ(r.s.fn_owner[r.fn("gpu0")], (uint8_t)scenario_owner(&r.s, "vm1"));
	EXPECT_EQ(r.report().find("re-mapped"), std::string::npos);
}

TEST(Migration, ADeliveriesMismatchNamesTheDestination)
{
	ExpectRun r(neoverse_vfio(),
		    migrating("  - do: { migrate: { vm: vm1, to: " + dest("neoverse-vfio.yaml") +
				      " } }\n    expect: { deliveries: 3 }\n",
			      "3"));
	ASSERT_TRUE(r.loaded) << r.errors;
	const step_t &m = r.step(0);
	EXPECT_EQ(m.mig_irq_total, 3u);
	EXPECT_EQ(m.mig_irq_taken, 3u);
	EXPECT_TRUE(m.met) << m.mismatch;
	ExpectRun bad(neoverse_vfio(), migrating("  - do: { migrate: { vm: vm1, to: " +
						 dest("neoverse-vfio.yaml") +
						 " } }\n    expect: { assignment: accepted, deliveries: 1 }\n"));
	ASSERT_TRUE(bad.loaded) << bad.errors;
	EXPECT_FALSE(bad.step(0).met);
	EXPECT_STREQ(bad.step(0).mismatch,
		     "expected 1 of the VM's interrupts taken by its vCPUs on the destination, got 2 "
		     "(of 2)");
}

TEST(Migration, AVmWithoutVectorsHasNothingToReMap)
{
	ExpectRun r(neoverse_vfio(), R"(vms:
  - { name: vm1, ram: [{ gpa: 0x80000000, size: 512M }], vcpus: [2, 3] }
assign: [ { function: gpu0, to: vm1 } ]
interrupts: { vectors: [ { function: nvme0, count: 1 } ] }
steps:
  - do: { migrate: { vm: vm1, to: )" + dest("neoverse-vfio.yaml") +
					 R"( } }
    expect: { assignment: accepted, deliveries: 0 }
)");
	ASSERT_TRUE(r.loaded) << r.errors;
	EXPECT_EQ(r.step(0).mig_result, REFUSE_NONE);
	EXPECT_EQ(r.step(0).mig_irq, nullptr);
	EXPECT_TRUE(r.step(0).met) << r.step(0).mismatch;
}

TEST(Migration, OnAGicv2mDestinationTheVectorsBecomeSpis)
{
	ExpectRun r(neoverse_vfio(),
		    "options: { allow_unsafe_interrupts: true }\n" +
			    migrating("  - do: { migrate: { vm: vm1, to: " + dest("v2m-server.yaml") +
				      ", devices: [nic0] } }\n    expect: { assignment: accepted, "
				      "deliveries: 2 }\n"));
	ASSERT_TRUE(r.loaded) << r.errors;
	const step_t &m = r.step(0);
	EXPECT_TRUE(m.met) << m.mismatch;
	ASSERT_NE(m.mig_irq, nullptr);
	std::string t = m.mig_irq;
	EXPECT_NE(t.find("nic0 vector 0: GICv2m frame v2m0 SPI 64; raised once, taken by PE 2 (vm1)"),
		  std::string::npos)
		<< t;
	EXPECT_NE(t.find("nic0 vector 1: GICv2m frame v2m0 SPI 65; raised once, taken by PE "),
		  std::string::npos)
		<< t;
	EXPECT_EQ(t.find("MAPTI"), std::string::npos) << t;
}

TEST(Migration, VcpusOnPesTheDestinationLacks)
{
	// The same platform with 16 PEs; vm1's vCPU on PE 12 does not exist on neoverse-vfio.
	std::string big = neoverse_vfio();
	big.replace(big.find("pes: 8"), 6, "pes: 16");
	ExpectRun r(big, R"(vms:
  - { name: vm1, ram: [{ gpa: 0x80000000, size: 512M }], vcpus: [3, 12] }
assign: [ { function: gpu0, to: vm1 } ]
interrupts: { vectors: [ { function: gpu0, count: 2 } ] }
steps:
  - do: { migrate: { vm: vm1, to: )" + dest("neoverse-vfio.yaml") +
			    R"( } }
    expect: { assignment: accepted, deliveries: 2 }
)");
	ASSERT_TRUE(r.loaded) << r.errors;
	const step_t &m = r.step(0);
	ASSERT_NE(m.mig_irq, nullptr);
	EXPECT_STREQ(m.mig_irq, "      vm1's vCPUs are pinned to PEs that neoverse-vfio does not have (it "
				"has 8)\n");
	EXPECT_EQ(m.mig_irq_taken, 0u);
	EXPECT_FALSE(m.met);
	EXPECT_NE(std::string(m.mismatch)
			  .find("expected 2 of the VM's interrupts taken by its vCPUs on the "
				"destination, got 0"),
		  std::string::npos)
		<< m.mismatch;
}

TEST(Migration, TheShippedExample)
{
	ExpectRun r{std::string("migration/vm-migration.yaml")};
	ASSERT_TRUE(r.loaded) << r.errors;
	EXPECT_TRUE(r.s.expect.met) << r.s.expect.mismatch;
	EXPECT_EQ(r.step(1).mig_result, REFUSE_RESERVED_REGION);
	EXPECT_EQ(r.step(1).mig_irq, nullptr);
	EXPECT_EQ(r.step(4).mig_result, REFUSE_NONE);
	EXPECT_EQ(r.step(4).mig_irq_taken, 2u);
	EXPECT_TRUE(r.step(4).met) << r.step(4).mismatch;
	// The refused migration is one reserved-region refusal of the run.
	EXPECT_EQ(r.s.expect.got_refusals[REFUSE_RESERVED_REGION], 1u);
}

} // namespace
