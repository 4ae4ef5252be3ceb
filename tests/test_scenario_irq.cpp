// SPDX-License-Identifier: MIT
// Scenarios with an interrupt controller: the platform's `gic` section, vectors the drivers
// allocate, MSI steps through an ITS or a GICv2m frame (with and without an SMMU in the way),
// ITS command steps, masking, table corruption, and the exact messages for bad input.
#include <gtest/gtest.h>

#include <string>

#include "testutil.h"

extern "C" {
#include "report.h"
#include "scenario_internal.h"
}

namespace {

// A root complex with two endpoints, an ITS and two GICv2m frames; `smmu` adds an SMMU.
std::string gic_platform(bool smmu, const std::string &gic_extra = "")
{
	std::string p = R"(name: t
memory:
  - { name: dram0, base: 0x80000000, size: 1G }
gic:
  pes: 4
  spis: 128
  its:
    - { name: its0, base: 0x30040000 }
  v2m:
    - { name: v2m0, base: 0x2c1c0000, spis: { base: 64, count: 4 } }
    - { name: v2m1, base: 0x2c1d0000, spis: { base: 68, count: 4 } }
)" + gic_extra;
	if (smmu)
		p += R"(smmus:
  - { name: smmu0, base: 0x2b400000, streams: [ { rc: rc0 } ] }
)";
	p += R"(root_complexes:
  - name: rc0
    mmio: { base: 0x40000000, size: 256M }
    ports:
      - { root_port: rp0, acs: full, link: { endpoint: e0, bars: [16K] } }
      - { root_port: rp1, acs: full, link: { endpoint: e1, bars: [16K] } }
)";
	return p;
}

// The scenarios here are whole texts (see header()).
using IrqRun = iofab_test::ScenarioRun;

std::string header(const std::string &interrupts, bool attach = false)
{
	std::string h = "name: s\nplatform: p.yaml\n";
	if (attach)
		h += R"(iommu:
  domains: [ { name: d0, stage: 1, mappings: [ { iova: 0x100000, pa: dram0, size: 64K } ] },
             { name: d1, stage: 1, mappings: [ { iova: 0x100000, pa: dram0 + 0x10000, size: 64K } ] } ]
  attach: [ { function: e0, domain: d0 }, { function: e1, domain: d1 } ]
)";
	return h + interrupts + "steps:\n";
}

const char *kVectors = R"(interrupts:
  owners: { vm1: [2, 3] }
  vectors:
    - { function: e0, count: 2 }
    - { function: e1, count: 1, owner: vm1 }
    - { function: e1, count: 1, owner: vm1, controller: v2m }
)";

TEST(ScenarioIrq, VectorsGoToTheOwnersPesThroughTheItsAndTheFrame)
{
	IrqRun r(gic_platform(false), header(kVectors) + R"(  - { from: e0, msi: 0, expect: { interrupt: delivered, intid: 8192, pe: 0, owner: host } }
  - { from: e0, at_ns: 2000, msi: 1, expect: { interrupt: delivered, intid: 8193, pe: 1 } }
  - { from: e1, at_ns: 4000, msi: 0, expect: { interrupt: delivered, intid: 8194, pe: 2, owner: vm1 } }
  - { from: e1, at_ns: 6000, msi: 1, expect: { outcome: memory, to: v2m0, interrupt: delivered, intid: 64, pe: 2, owner: vm1 } }
)");
	ASSERT_TRUE(r.loaded) << r.errors;
	for (unsigned i = 0; i < 4; i++)
		EXPECT_TRUE(r.step(i).met) << i << ": " << r.step(i).mismatch;
	// Without an SMMU the device writes the doorbell's physical address.
	EXPECT_EQ(r.s.vectors[0].address, 0x30050040u);
	EXPECT_EQ(r.s.vectors[3].address, 0x2c1c0040u);
	EXPECT_EQ(r.s.ndeliveries, 4u);
	std::string rep = r.report();
	EXPECT_NE(rep.find("+0x0200 MAPD DeviceID 0x100 ITT"), std::string::npos) << rep;
	EXPECT_NE(rep.find("MAPTI DeviceID 0x200 EventID 0 pINTID 8194 ICID 2"), std::string::npos);
	EXPECT_NE(rep.find("interrupt: LPI 8194 taken by PE 2 (vm1)"), std::string::npos);
}

TEST(ScenarioIrq, BehindAnSmmuVectorsUseTheMsiWindow)
{
	IrqRun r(gic_platform(true), header(kVectors, true) +
				      R"(  - { from: e0, msi: 0, expect: { interrupt: delivered, intid: 8192, reason: iommu-translate } }
  - { from: e1, at_ns: 4000, msi: 1, expect: { interrupt: delivered, intid: 64 } }
)");
	ASSERT_TRUE(r.loaded) << r.errors;
	EXPECT_TRUE(r.step(0).met) << r.step(0).mismatch;
	EXPECT_TRUE(r.step(1).met) << r.step(1).mismatch;
	// The window holds the msi regions' first pages in memory-map order: its0-doorbell
	// (0x30050000), then v2m0 and v2m1.
	EXPECT_EQ(r.s.vectors[0].address, 0x08000040u);
	EXPECT_EQ(r.s.vectors[3].address, 0x08001040u);
}

TEST(ScenarioIrq, TheItsIdentifiesTheWriterTheFrameDoesNot)
{
	IrqRun r(gic_platform(false), header(kVectors) + R"(  - name: e1 writes e0's EventID 0 to the ITS
    from: e1
    tlp: { type: MWr, address: its0-doorbell + 0x40, length: 4, data: 0 }
    expect: { interrupt: delivered, intid: 8194, pe: 2, owner: vm1 }
  - name: e1 writes EventID 2, which its own ITT (2 entries) does not cover
    from: e1
    at_ns: 2000
    tlp: { type: MWr, address: its0-doorbell + 0x40, length: 4, data: 2 }
    expect: { interrupt: dropped, interrupt_error: event-out-of-range }
  - name: e1 writes SPI 64, which the host's driver gave nobody but which the frame owns
    from: e1
    at_ns: 4000
    tlp: { type: MWr, address: v2m0 + 0x40, length: 4, data: 64 }
    expect: { interrupt: delivered, intid: 64, pe: 2 }
  - name: a write elsewhere in the frame is ignored
    from: e1
    at_ns: 6000
    tlp: { type: MWr, address: v2m0 + 0x48, length: 4, data: 64 }
    expect: { interrupt: dropped, interrupt_error: not-the-doorbell }
)");
	ASSERT_TRUE(r.loaded) << r.errors;
	for (unsigned i = 0; i < 4; i++)
		EXPECT_TRUE(r.step(i).met) << i << ": " << r.step(i).mismatch;
}

TEST(ScenarioIrq, DisabledLpiIsDeliveredOnlyAfterReenableAndInvall)
{
	IrqRun r(gic_platform(false), header(kVectors) + R"(  - name: the driver masks LPI 8192
    do: { write: { address: lpi(8192), value: 0xc2, size: 1 } }
  - do: { its_command: { its: its0, op: INV, device: e0, event: 0, sync: 0 } }
  - name: raised while disabled
    from: e0
    msi: 0
    expect: { interrupt: delivered, pe: 0 }
  - name: re-enabled in memory only
    do: { write: { address: lpi(8192), value: 0xc3, size: 1 } }
  - do: { its_command: { its: its0, op: INVALL, icid: 0, sync: 0 } }
)");
	ASSERT_TRUE(r.loaded) << r.errors;
	// Step 3's interrupt was taken, but only after the INVALL of step 5.
	EXPECT_TRUE(r.step(2).met) << r.step(2).mismatch;
	ASSERT_TRUE(r.step(2).delivered);
	EXPECT_GT(r.step(2).delivery.taken_at, r.step(4).start);
	EXPECT_LT(r.step(2).delivery.taken_at, r.step(4).end);
}

TEST(ScenarioIrq, MaskedPeTakesPendingInterruptsByPriority)
{
	IrqRun r(gic_platform(false), header(kVectors) + R"(  - do: { mask: 1 }
  - do: { write: { address: lpi(8193), value: 0x43, size: 1 } }
  - do: { its_command: { its: its0, op: INV, device: e0, event: 1, sync: 1 } }
  - { from: e0, msi: 0, expect: { interrupt: delivered, pe: 1 } }
  - { from: e0, msi: 1, expect: { interrupt: delivered, pe: 1 } }
  - { from: e0, msi: 1 }
  - do: { unmask: 1 }
)");
	ASSERT_TRUE(r.loaded) << r.errors;
	// e0's vectors are on PEs 0 and 1 (the least-loaded CPU each time); vector 1, now at
	// priority 0x40, is on the masked PE 1.
	ASSERT_GE(r.s.ndeliveries, 2u);
	// PE 0 took vector 0 at once (it is not masked); PE 1 took vector 1 once, after unmask,
	// with the third step's raise merged into it.
	EXPECT_EQ(r.s.deliveries[0].pe, 0u);
	EXPECT_EQ(r.s.deliveries[1].pe, 1u);
	EXPECT_EQ(r.s.deliveries[1].intid, 8193u);
	EXPECT_EQ(r.s.deliveries[1].priority, 0x40u);
	EXPECT_EQ(r.s.deliveries[1].merged, 1u);
	EXPECT_GE(r.s.deliveries[1].taken_at, r.step(6).start);
	EXPECT_EQ(r.s.ndeliveries, 2u);
}

TEST(ScenarioIrq, CorruptedDeviceTableStallsTheQueueUntilRetry)
{
	IrqRun r(gic_platform(false), header(kVectors) + R"(  - name: the level-1 entry now points outside memory
    do: { write: { address: dt_l1(e0), value: 0x80000000F0000000 } }
  - name: MAPD of another device in that level-2 page
    do: { its_command: { its: its0, op: MAPD, device: 0x300, size: 1, itt: dram0 + 0x100000 } }
    expect: { its_stalled: true }
  - name: retrying without repairing stalls again
    do: { its_retry: its0 }
    expect: { its_stalled: true }
  - name: the driver repairs the entry
    do: { write: { address: dt_l1(e0), value: 0x8000000080200000 } }
  - do: { its_retry: its0 }
    expect: { its_stalled: false, its_error: none }
)");
	ASSERT_TRUE(r.loaded) << r.errors;
	for (unsigned i = 1; i < 5; i++)
		EXPECT_TRUE(r.step(i).met) << i << ": " << r.step(i).mismatch;
	// The repaired level-1 entry points at a fresh page: the MAPD wrote DeviceID 0x300 there.
	uint8_t b[8];
	mem_read(r.s.sys.mem, 0x80200000 + 0x300 * 8, b, 8);
	EXPECT_EQ(b[7] >> 7, 1); // DTE valid
	EXPECT_NE(r.report().find("the queue STALLED"), std::string::npos);
}

TEST(ScenarioIrq, CommandErrorsAreNamed)
{
	IrqRun r(gic_platform(false), header(kVectors) + R"(  - do: { its_command: { its: its0, op: MAPTI, device: 0x300, event: 0, intid: 9000, icid: 0 } }
    expect: { its_error: MAPTI_UNMAPPED_DEVICE }
  - do: { its_command: { its: its0, op: MAPTI, device: e0, event: 5, intid: 9000, icid: 0 } }
    expect: { its_error: MAPTI_ID_OOR }
  - do: { its_command: { its: its0, op: MAPC, icid: 1, pe: 9 } }
    expect: { its_error: MAPC_PROCNUM_OOR }
  - do: { its_command: { its: its0, op: INT, device: e0, event: 1 } }
    expect: { its_error: INT_UNMAPPED_INTERRUPT }
)");
	ASSERT_TRUE(r.loaded) << r.errors;
	EXPECT_TRUE(r.step(0).met) << r.step(0).mismatch;
	EXPECT_TRUE(r.step(1).met) << r.step(1).mismatch;
	EXPECT_TRUE(r.step(2).met) << r.step(2).mismatch;
	// e0 has two vectors: EventID 1 is mapped, so the INT is not an error and the
	// expectation is not met.
	EXPECT_FALSE(r.step(3).met);
	EXPECT_STREQ(r.step(3).mismatch,
		     "expected ITS command error INT_UNMAPPED_INTERRUPT, got none");
}

TEST(ScenarioIrq, ADeviceThatReachesTheItsRegistersCanDisableIt)
{
	// No SMMU: e1's DMA reaches any address, the ITS's control frame included.
	IrqRun r(gic_platform(false), header(kVectors) + R"(  - name: e1 clears GITS_CTLR.Enabled
    from: e1
    tlp: { type: MWr, address: its0, length: 4, data: 0 }
    expect: { outcome: memory, to: its0 }
  - { from: e0, msi: 0, expect: { interrupt: dropped, interrupt_error: its-disabled } }
)");
	ASSERT_TRUE(r.loaded) << r.errors;
	EXPECT_TRUE(r.step(0).met) << r.step(0).mismatch;
	EXPECT_TRUE(r.step(1).met) << r.step(1).mismatch;
	EXPECT_TRUE(r.step(0).has_reg && r.step(0).reg_its);
	EXPECT_NE(r.report().find("its0 registers: wrote 0x0 to offset 0x0 (GITS_CTLR)"),
		  std::string::npos);
}

TEST(ScenarioIrq, AFrameOutOfReachDropsTheWrite)
{
	std::string p = gic_platform(false);
	p.replace(p.find("spis: { base: 68, count: 4 } }"), 30, "spis: { base: 68, count: 4 }, rcs: [] }");
	IrqRun r(p, header(kVectors) + R"(  - from: e0
    tlp: { type: MWr, address: v2m1 + 0x40, length: 4, data: 68 }
    expect: { outcome: memory, to: v2m1, interrupt: dropped, interrupt_error: frame-unreachable }
)");
	ASSERT_TRUE(r.loaded) << r.errors;
	EXPECT_TRUE(r.step(0).met) << r.step(0).mismatch;
}

TEST(ScenarioIrq, ARaiseWhileStillPendingIsMerged)
{
	IrqRun r(gic_platform(false), header(kVectors) + R"(  - { from: e0, msi: 0, expect: { interrupt: delivered } }
  - { from: e0, msi: 0, expect: { interrupt: merged } }
  - from: e0
    tlp: { type: MWr, address: its0-doorbell + 0x48, length: 4, data: 0 }
    expect: { interrupt: dropped, interrupt_error: not-the-doorbell }
)");
	ASSERT_TRUE(r.loaded) << r.errors;
	for (unsigned i = 0; i < 3; i++)
		EXPECT_TRUE(r.step(i).met) << i << ": " << r.step(i).mismatch;
	ASSERT_EQ(r.s.ndeliveries, 1u);
	EXPECT_EQ(r.s.deliveries[0].merged, 1u);
	// The first raise's latency parts add up even though the second merged into it.
	const gic_delivery_t &d = r.step(0).delivery;
	const its_xlate_t &x = r.step(0).msi_x;
	EXPECT_EQ(d.taken_at - r.step(0).start,
		  (r.step(0).msi_at - r.step(0).start) + x.lookup + x.table_reads + x.hop + d.config +
			  gic_params(r.s.sys.gic)->signal +
			  (d.taken_at - d.raised_at - d.config - gic_params(r.s.sys.gic)->signal));
	EXPECT_EQ(d.raised_at, r.step(0).msi_at + x.lookup + x.table_reads + x.hop);
	EXPECT_NE(r.report().find("interrupt: merged: LPI 8192 was still pending"), std::string::npos);
}

TEST(ScenarioIrq, AStalledMsiThatSoftwareResumesReachesTheIts)
{
	IrqRun r(gic_platform(true), R"(name: s
platform: p.yaml
iommu:
  domains: [ { name: d0, stage: 1, mappings: [ { iova: 0x100000, pa: dram0, size: 64K } ] } ]
  attach: [ { function: e0, domain: d0, stall: true } ]
interrupts:
  vectors: [ { function: e0, count: 1 } ]
steps:
  - name: an MSI to an IOVA that is not mapped yet stalls
    from: e0
    tlp: { type: MWr, address: 0x300040, length: 4, data: 0 }
    expect: { interrupt: delivered, intid: 8192, pe: 0 }
  - do: { map: { domain: d0, iova: 0x300000, pa: its0-doorbell, size: 4K } }
  - do: { command: { smmu: smmu0, op: RESUME, function: e0, stag: 0, action: retry } }
  - do: { sync: smmu0 }
)");
	ASSERT_TRUE(r.loaded) << r.errors;
	EXPECT_TRUE(r.step(0).met) << r.step(0).mismatch;
	EXPECT_TRUE(r.step(0).stalled);
	EXPECT_GT(r.step(0).delivery.taken_at, r.step(2).start);
}

TEST(ScenarioIrq, AnLpiMovedOnItsWayIsLookedUpAtItsNewRedistributor)
{
	IrqRun r(gic_platform(false), header(kVectors) + R"(  - { from: e0, msi: 1, expect: { pe: 1 } }
  - name: PE 1 caches LPI 8193's byte; e0's vector 0 (LPI 8192) goes to PE 2
    at_ns: 5000
    do: { its_command: { its: its0, op: MOVI, device: e0, event: 0, icid: 2, sync: 0 } }
  - name: raised toward PE 2, where the byte is not cached
    at_ns: 10000
    from: e0
    msi: 0
  - name: moved to PE 3 while on its way
    do: { its_command: { its: its0, op: MOVI, device: e0, event: 0, icid: 3 } }
)");
	ASSERT_TRUE(r.loaded) << r.errors;
	ASSERT_TRUE(r.step(2).delivered);
	const gic_delivery_t &d = r.step(2).delivery;
	EXPECT_EQ(d.pe, 3u);
	// The parts still add up: the lookup counted is PE 3's.
	sim_time_t sig = gic_params(r.s.sys.gic)->signal;
	EXPECT_GE(d.taken_at, d.raised_at + d.config + sig);
	EXPECT_EQ(r.report().find("waited 1844"), std::string::npos);
}

TEST(ScenarioIrq, TheItsForgetsCachedEntriesWhenItsTablesMove)
{
	// No SMMU: e1's DMA reaches the ITS's registers.
	IrqRun r(gic_platform(false), header(kVectors) + R"(  - { from: e0, msi: 0, expect: { interrupt: delivered } }
  - { from: e1, tlp: { type: MWr, address: its0, length: 4, data: 0 } }
  - { from: e1, tlp: { type: MWr, address: its0 + 0x100, length: 8, data: 0 } }
  - { from: e1, tlp: { type: MWr, address: its0, length: 4, data: 1 } }
  - { from: e0, at_ns: 5000, msi: 0, expect: { interrupt: dropped, interrupt_error: device-out-of-range } }
  - do: { its_command: { its: its0, op: INT, device: e0, event: 0 } }
    expect: { its_error: INT_DEVICE_OOR }
)");
	ASSERT_TRUE(r.loaded) << r.errors;
	EXPECT_TRUE(r.step(4).met) << r.step(4).mismatch;
	EXPECT_TRUE(r.step(5).met) << r.step(5).mismatch;
}

TEST(ScenarioIrq, JsonCarriesTheInterruptPathAndCommands)
{
	IrqRun r(gic_platform(false), header(kVectors) + "  - { from: e0, msi: 0 }\n");
	ASSERT_TRUE(r.loaded) << r.errors;
	char *buf = nullptr;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	report_run_json(f, &r.s);
	fclose(f);
	std::string j(buf, len);
	free(buf);
	for (const char *want : {"\"interrupt\": {\n        \"controller\": \"its0\"",
				 "\"device_id\": 256", "\"state\": \"delivered\"",
				 "\"phase\": \"vectors\",\n        \"offset\": 512,\n        "
				 "\"command\": \"MAPD DeviceID 0x100",
				 "\"taken\": [\n      {\n        \"pe\": 0"})
		EXPECT_NE(j.find(want), std::string::npos) << want << "\n" << j;
}

// --- bad input -------------------------------------------------------------------------------

std::string scenario_errors(const std::string &plat, const std::string &scen)
{
	IrqRun r(plat, scen);
	EXPECT_FALSE(r.loaded) << "expected the scenario to be rejected";
	return r.errors;
}

std::string platform_errors(const std::string &plat)
{
	platform_t p;
	std::string e;
	bool ok = iofab_test::load_platform(plat, &p, &e);
	if (ok)
		platform_free(&p);
	EXPECT_FALSE(ok);
	return e;
}

TEST(ScenarioIrqErrors, GicSection)
{
	EXPECT_EQ(platform_errors(gic_platform(false, R"(  redistributors: 0x80000000
)")),
		  "platform.yaml:12:19: gic.redistributors: the redistributors' registers "
		  "[0x80000000-0x8007ffff] overlap memory region 'dram0'\n");
	std::string overlap = gic_platform(false);
	overlap.replace(overlap.find("base: 68"), 8, "base: 66");
	EXPECT_EQ(platform_errors(overlap),
		  "platform.yaml:11:53: gic.v2m[1].spis.base: SPIs 66..69 overlap those of GICv2m "
		  "frame 'v2m0' (64..67)\n");
	std::string beyond = gic_platform(false);
	beyond.replace(beyond.find("spis: 128"), 9, "spis: 32");
	EXPECT_EQ(platform_errors(beyond),
		  "platform.yaml:10:64: gic.v2m[0].spis.count: SPIs 64..67 go past the "
		  "distributor's 32 SPIs (gic.spis)\n");
	std::string unaligned = gic_platform(false);
	unaligned.replace(unaligned.find("base: 0x30040000"), 16, "base: 0x30041000");
	EXPECT_EQ(platform_errors(unaligned),
		  "platform.yaml:8:27: gic.its[0].base: an ITS's frame must be 64 KiB aligned\n");
	std::string pta = gic_platform(false);
	pta.replace(pta.find("base: 0x30040000 }"), 18, "base: 0x30040000, features: { pta: true } }");
	EXPECT_EQ(platform_errors(pta),
		  "platform.yaml:8:49: gic.its[0].features: an ITS with pta: true names "
		  "redistributors by address: give gic.redistributors\n");
	std::string two = gic_platform(false);
	two.replace(two.find("base: 0x30040000 }"), 18,
		    "base: 0x30040000, device_ids: [ { rc: rc0 }, { rc: rc1, base: 0x8000 } ] }");
	two += R"(  - name: rc1
    segment: 1
    mmio: { base: 0x50000000, size: 256M }
    ports:
      - { root_port: rp0b, acs: full, link: { endpoint: e2, bars: [16K] } }
)";
	EXPECT_EQ(platform_errors(two),
		  "platform.yaml:8:83: gic.its[0].device_ids[1].base: DeviceIDs [0x8000-0x17fff] of "
		  "root complex 'rc1' overlap those of root complex 'rc0' (give each a base 0x10000 "
		  "apart)\n");
	EXPECT_EQ(platform_errors(gic_platform(false, "  lpi_cache: { entries: 131072, ways: 4 }\n")),
		  "platform.yaml:12:14: gic.lpi_cache: 131072 entries in each of 4 redistributors' "
		  "LPI caches is too many (at most 65536 each, and 4194304 in all)\n");
	std::string rc = gic_platform(false);
	rc.replace(rc.find("base: 0x30040000 }"), 18,
		   "base: 0x30040000, device_ids: [ { rc: rcX } ] }");
	EXPECT_EQ(platform_errors(rc),
		  "platform.yaml:8:59: gic.its[0].device_ids[0].rc: no root complex 'rcX'\n");
}

TEST(ScenarioIrqErrors, InterruptsSection)
{
	std::string p = gic_platform(false);
	EXPECT_EQ(scenario_errors(p, header("interrupts:\n  owners: { vm1: [2, 9] }\n") +
					     "  - { from: e0, tlp: { type: MWr, address: dram0 } }\n"),
		  "s.yaml:4:22: interrupts.owners.vm1[1]: 9 is out of range (expected 0x0 to 0x3)\n");
	EXPECT_EQ(scenario_errors(p, header("interrupts:\n  owners: { vm1: [2], vm2: [2] }\n") +
					     "  - { from: e0, tlp: { type: MWr, address: dram0 } }\n"),
		  "s.yaml:4:29: interrupts.owners.vm2[0]: PE 2 already belongs to 'vm1'\n");
	EXPECT_EQ(scenario_errors(p, header("interrupts:\n  vectors: [ { function: e0, owner: vm9 } ]\n") +
					     "  - { from: e0, tlp: { type: MWr, address: dram0 } }\n"),
		  "s.yaml:4:37: interrupts.vectors[0].owner: no owner 'vm9' (name it under vms or "
		  "interrupts.owners, or use host)\n");
	EXPECT_EQ(scenario_errors(p, header(kVectors) + "  - { from: e0, msi: 7 }\n"),
		  "s.yaml:10:22: steps[0].msi: 'e0' has no vector 7 (allocate it under "
		  "interrupts.vectors)\n");
	EXPECT_EQ(scenario_errors(p, header(kVectors) +
					     "  - do: { its_command: { its: its0, op: MAPC, device: e0 } }\n"),
		  "s.yaml:10:47: steps[0].do.its_command: MAPC takes no 'device' (it takes: "
		  "icid pe valid)\n");
	EXPECT_EQ(scenario_errors(p, header(kVectors) +
					     "  - do: { its_command: { its: its0, op: MAPX } }\n"),
		  "s.yaml:10:41: steps[0].do.its_command.op: unknown ITS command 'MAPX' (expected "
		  "MAPD, MAPC, MAPTI, MAPI, INT, CLEAR, DISCARD, INV, INVALL, MOVI, MOVALL or "
		  "SYNC)\n");
	EXPECT_EQ(scenario_errors(p, header(kVectors) + "  - { do: { mask: 0 }, expect: { its_error: none } }\n"),
		  "s.yaml:10:45: steps[0].expect.its_error: 'its_error' is expected of an its_command, "
		  "its_retry or set_affinity step\n");
	EXPECT_EQ(scenario_errors(gic_platform(false).replace(gic_platform(false).find("gic:"), 4,
							    "xgic:"),
				  header(kVectors) + "  - { from: e0, msi: 0 }\n"),
		  "p.yaml:4:1: xgic: unknown key 'xgic' (expected one of: name, description, enumeration, "
		  "kernel, quirks, timing, memory, root_complexes, smmus, gic, reserved_regions)\n"
		  "s.yaml:2:11: platform: the platform 'p.yaml' has errors (above)\n");
}

} // namespace
