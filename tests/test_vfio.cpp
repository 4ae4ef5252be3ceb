// SPDX-License-Identifier: MIT
// VMs and the assignment of functions to them: the checks a VFIO-style stack makes (and the
// messages it gives), the VM's IOMMU domain, and the isolation invariants (DMA, P2P, MSI,
// group) checked on every step.
#include <gtest/gtest.h>

#include <string>

#include "testutil.h"

extern "C" {
#include "scenario_internal.h"
}

namespace {

// rc0 behind smmu0 (its0 for rc0 when `its`, a GICv2m frame when `v2m`): e0 and e1 on
// ACS root ports, a multi-function device mf (no ACS) on a third.
std::string platform(bool smmu = true, bool its = true, bool v2m = false)
{
	std::string p = R"(name: t
memory:
  - { name: dram0, base: 0x80000000, size: 2G }
gic:
  pes: 4
)";
	if (its)
		p += "  its: [ { name: its0, base: 0x30040000 } ]\n";
	if (v2m)
		p += "  v2m: [ { name: v2m0, base: 0x2c1c0000, spis: { base: 64, count: 32 } } ]\n";
	if (smmu)
		p += "smmus: [ { name: smmu0, base: 0x2b400000, streams: [ { rc: rc0 } ] } ]\n";
	p += R"(root_complexes:
  - name: rc0
    mmio: { base: 0x40000000, size: 256M }
    ports:
      - { root_port: rp0, acs: full, link: { endpoint: e0, bars: [16K] } }
      - { root_port: rp1, acs: full, link: { endpoint: e1, bars: [16K] } }
      - root_port: rp2
        acs: full
        link: { endpoint: mf, functions: [ { fn: 0, name: mf.f0, bars: [16K] }, { fn: 1, name: mf.f1, bars: [16K] } ] }
)";
	return p;
}

const char *kVm1 = "vms:\n  - { name: vm1, ram: [ { gpa: 0x100000000, size: 256M } ], vcpus: [2] }\n"
		   "  - { name: vm2, ram: [ { gpa: 0x100000000, size: 64M } ], vcpus: [3] }\n";

struct VfioRun : iofab_test::ScenarioRun {
	VfioRun(const std::string &plat, const std::string &body)
	    : ScenarioRun(plat, iofab_test::scenario_text(body))
	{
	}
	const assignment_t *assign(const char *fn) const
	{
		for (uint32_t i = 0; i < s.nassigns; i++)
			if (s.assigns[i].fn == iofab_test::fn(s.platform, fn))
				return &s.assigns[i];
		return nullptr;
	}
};

const char *kStep = "steps:\n  - { from: e0, tlp: { type: MWr, address: 0x100001000, length: 64 } }\n";

TEST(Vfio, AnAcceptedFunctionGetsItsVmsDomainWithGuestRamAtIovaEqualsGpa)
{
	VfioRun r(platform(), std::string(kVm1) + "assign: [ { function: e0, to: vm1 } ]\n" +
				  "steps:\n  - from: e0\n    tlp: { type: MWr, address: 0x100001000, "
				  "length: 64 }\n    expect: { outcome: memory, violations: none }\n");
	ASSERT_TRUE(r.loaded) << r.errors;
	const assignment_t *a = r.assign("e0");
	ASSERT_NE(a, nullptr);
	EXPECT_EQ(a->refused, REFUSE_NONE);
	EXPECT_EQ(r.s.fn_owner[iofab_test::fn(r.s.platform, "e0")], 1u);
	// IOVA 0x100001000 = GPA: translated to the RAM's host backing, the pool's bottom.
	EXPECT_EQ(r.s.steps[0].iommu.pa, r.s.vms[1].ram[0].hpa + 0x1000);
	EXPECT_EQ(r.s.vms[1].ram[0].hpa, 0x80000000u);
	EXPECT_TRUE(r.s.steps[0].met) << r.s.steps[0].mismatch;
	EXPECT_STREQ(r.s.domains[r.s.vms[1].domain].name, "vfio-vm1");
}

TEST(Vfio, TheGroupMustBeWhollyGivenToVfio)
{
	VfioRun r(platform(), std::string(kVm1) + "assign: [ { function: mf.f0, to: vm1 } ]\n" + kStep);
	ASSERT_TRUE(r.loaded) << r.errors;
	const assignment_t *a = r.assign("mf.f0");
	EXPECT_EQ(a->refused, REFUSE_GROUP_NOT_VIABLE);
	EXPECT_STREQ(a->why, "vfio 0000:03:00.0: group 5 is not viable: mf.f1 (0000:03:00.1) in it "
			     "is still bound to a host driver (please ensure all devices within the "
			     "iommu_group are bound to their vfio bus driver)");
	// Refused: it stays the host's.
	EXPECT_EQ(r.s.fn_owner[iofab_test::fn(r.s.platform, "mf.f0")], 0u);
}

TEST(Vfio, AGroupBelongsToOneVm)
{
	VfioRun r(platform(), std::string(kVm1) +
				  "assign: [ { function: mf.f0, to: vm1 }, { function: mf.f1, to: vm2 } ]\n" +
				  kStep);
	ASSERT_TRUE(r.loaded) << r.errors;
	EXPECT_EQ(r.assign("mf.f0")->refused, REFUSE_NONE);
	EXPECT_EQ(r.assign("mf.f1")->refused, REFUSE_GROUP_IN_USE);
	EXPECT_EQ(r.s.fn_owner[iofab_test::fn(r.s.platform, "mf.f1")], OWNER_UNBOUND);
}

TEST(Vfio, MsiIsolationPerDeviceOrGlobal)
{
	// rc0's MSIs go to its0 (isolated); a GICv2m frame elsewhere in the platform matters only
	// to the older, global policy.
	std::string both = platform(true, true, true);
	VfioRun per(both, std::string(kVm1) + "assign: [ { function: e0, to: vm1 } ]\n" + kStep);
	ASSERT_TRUE(per.loaded) << per.errors;
	EXPECT_EQ(per.assign("e0")->refused, REFUSE_NONE);
	VfioRun global(both, std::string("options: { msi_isolation: global }\n") + kVm1 +
				 "assign: [ { function: e0, to: vm1 } ]\n" + kStep);
	ASSERT_TRUE(global.loaded) << global.errors;
	EXPECT_EQ(global.assign("e0")->refused, REFUSE_MSI_NOT_ISOLATED);
	EXPECT_NE(std::string(global.assign("e0")->why)
			  .find("No interrupt remapping support.  Use the module param "
				"\"allow_unsafe_interrupts\" to enable VFIO IOMMU support on this platform"),
		  std::string::npos);
	// Only a GICv2m frame: refused, unless unsafe interrupts are allowed.
	std::string v2m = platform(true, false, true);
	VfioRun refused(v2m, std::string(kVm1) + "assign: [ { function: e0, to: vm1 } ]\n" + kStep);
	ASSERT_TRUE(refused.loaded) << refused.errors;
	EXPECT_EQ(refused.assign("e0")->refused, REFUSE_MSI_NOT_ISOLATED);
	VfioRun unsafe(v2m, std::string("options: { allow_unsafe_interrupts: true }\n") + kVm1 +
				"assign: [ { function: e0, to: vm1 } ]\n" + kStep);
	ASSERT_TRUE(unsafe.loaded) << unsafe.errors;
	EXPECT_EQ(unsafe.assign("e0")->refused, REFUSE_NONE);
	EXPECT_TRUE(unsafe.assign("e0")->unsafe_msi);
}

TEST(Vfio, GuestRamOverAReservedRegionIsRefused)
{
	VfioRun r(platform(), "vms: [ { name: vm1, ram: [ { gpa: 0x0, size: 256M } ] } ]\n"
			  "assign: [ { function: e0, to: vm1, expect: reserved-region } ]\n" +
			      std::string(kStep));
	ASSERT_TRUE(r.loaded) << r.errors;
	EXPECT_STREQ(r.assign("e0")->why,
		     "group 3's reserved region [0x8000000-0x80fffff] (msi) overlaps vm1's RAM "
		     "[0x0-0xfffffff]: the VMM cannot map guest RAM there (VFIO_IOMMU_MAP_DMA: "
		     "Invalid argument)");
	uint32_t met, not_met, none;
	scenario_tally(&r.s, &met, &not_met, &none);
	EXPECT_EQ(met, 1u); // the assignment's expectation
}

TEST(Vfio, NoIommuNoAssignment)
{
	VfioRun r(platform(false), std::string(kVm1) + "assign: [ { function: e0, to: vm1 } ]\n" + kStep);
	ASSERT_TRUE(r.loaded) << r.errors;
	EXPECT_EQ(r.assign("e0")->refused, REFUSE_NO_IOMMU);
}

TEST(Vfio, AHostDeviceThatBypassesTheSmmuBreaksDmaIsolation)
{
	VfioRun r(platform(), std::string(kVm1) + R"(assign: [ { function: e1, to: vm1 } ]
iommu:
  attach: [ { function: e0, domain: bypass } ]
steps:
  - name: host e0 writes vm1's RAM, whose host address it can reach
    from: e0
    tlp: { type: MWr, address: 0x80000040, length: 64 }
  - from: e0
    tlp: { type: MWr, address: 0x80000040, length: 64 }
    expect: { violations: [dma] }
)");
	ASSERT_TRUE(r.loaded) << r.errors;
	const step_t &st = r.s.steps[0];
	ASSERT_EQ(st.nviol, 1u);
	EXPECT_EQ(st.viol[0].kind, INV_DMA);
	EXPECT_STREQ(st.viol[0].text,
		     "e0 (host) wrote memory at 0x80000040 in dram0, which belongs to vm1; let "
		     "through because smmu0's STE for StreamID 0x100 bypasses translation");
	// No expectation: an unexpected violation fails the step. Expected: met.
	EXPECT_FALSE(st.met);
	EXPECT_TRUE(r.s.steps[1].met) << r.s.steps[1].mismatch;
	std::string rep = r.report();
	EXPECT_LT(rep.find("isolation: 2 violations"), rep.find("[1] host e0 writes"));
	EXPECT_NE(rep.find("    expectation: NOT MET: isolation violated (dma) and no expectation "
			   "says so\n"),
		  std::string::npos)
		<< rep;
}

// A NIC with ATS and PASID behind smmu0, and (no_iommu) the same without an SMMU.
std::string ats_platform(bool no_iommu = false)
{
	std::string p = R"(name: t
memory:
  - { name: dram0, base: 0x80000000, size: 2G }
)";
	if (!no_iommu)
		p += "smmus: [ { name: smmu0, base: 0x2b400000, streams: [ { rc: rc0 } ] } ]\n";
	return p + R"(root_complexes:
  - name: rc0
    mmio: { base: 0x40000000, size: 256M }
    ports:
      - { root_port: rp0, acs: full, link: { endpoint: nic, bars: [16K], ats: true, pasid: 20 } }
)";
}

TEST(Invariants, TranslatedRequestsMustUseAnAddressTheSmmuIssued)
{
	VfioRun r(ats_platform(), R"(iommu:
  domains: [ { name: d, stage: 1, mappings: [ { iova: 0x100000, pa: dram0 + 0x100000, size: 64K } ] } ]
  attach: [ { function: nic, domain: d, ats: true } ]
steps:
  - { from: nic, tlp: { type: MRd, address: 0x100000, length: 8, at: translation-request } }
  - name: the translation it was given
    from: nic
    tlp: { type: MWr, address: dram0 + 0x100040, length: 64, at: translated }
    expect: { outcome: memory, violations: none }
  - name: an address it was never given
    from: nic
    tlp: { type: MWr, address: dram0 + 0x800000, length: 64, at: translated }
    expect: { outcome: memory, violations: [ats] }
)");
	ASSERT_TRUE(r.loaded) << r.errors;
	EXPECT_TRUE(r.s.steps[1].met) << r.s.steps[1].mismatch;
	EXPECT_TRUE(r.s.steps[2].met) << r.s.steps[2].mismatch;
	EXPECT_NE(std::string(r.s.steps[2].viol[0].text)
			  .find("no translation the SMMU issued to it covers that address"),
		  std::string::npos);
}

TEST(Invariants, PasidRequestsMustMeetTheIommu)
{
	VfioRun bypass(ats_platform(), R"(iommu:
  attach: [ { function: nic, domain: bypass } ]
steps:
  - from: nic
    tlp: { type: MWr, address: dram0, length: 64, pasid: 5 }
    expect: { outcome: memory, violations: [pasid] }
)");
	ASSERT_TRUE(bypass.loaded) << bypass.errors;
	EXPECT_TRUE(bypass.s.steps[0].met) << bypass.s.steps[0].mismatch;
	EXPECT_NE(std::string(bypass.s.steps[0].viol[0].text).find("STE for StreamID 0x100 bypasses"),
		  std::string::npos);
	VfioRun none(ats_platform(true), R"(steps:
  - from: nic
    tlp: { type: MWr, address: dram0, length: 64, pasid: 5 }
    expect: { outcome: memory, violations: [pasid] }
)");
	ASSERT_TRUE(none.loaded) << none.errors;
	EXPECT_TRUE(none.s.steps[0].met) << none.s.steps[0].mismatch;
}

TEST(Streams, EveryRequestIsRoutedCheckedAndCounted)
{
	VfioRun r(platform(), std::string(kVm1) + R"(assign: [ { function: e1, to: vm1 } ]
iommu:
  attach: [ { function: e0, domain: bypass } ]
steps:
  - name: e1 (vm1) over its RAM, random
    from: e1
    stream: { window: { base: 0x100000000, size: 1M }, size: 128, count: 500, pattern: random }
    expect: { outcome: memory, violations: none }
  - name: e0 (host, bypass) over the RAM's backing, then beyond the window's end
    from: e0
    stream: { type: MRd, window: { base: 0x80000000, size: 64K }, count: 20 }
    expect: { outcome: memory, violations: [dma] }
  - name: e1 past its RAM's end - blocked by the SMMU, one expectation for all
    from: e1
    stream: { window: { base: 0x10ff00000, size: 2M }, size: 4096, count: 512 }
    expect: { outcome: memory }
)");
	ASSERT_TRUE(r.loaded) << r.errors;
	const stream_t *a = r.s.steps[0].stream;
	EXPECT_EQ(a->done, 500u);
	EXPECT_EQ(a->outcomes[EXP_MEMORY], 500u);
	EXPECT_TRUE(r.s.steps[0].met) << r.s.steps[0].mismatch;
	ASSERT_EQ(r.s.steps[1].nviol, 1u);
	EXPECT_NE(std::string(r.s.steps[1].viol[0].text).find("(20 of 20 requests; the first shown)"),
		  std::string::npos);
	EXPECT_TRUE(r.s.steps[1].met) << r.s.steps[1].mismatch;
	// Half the window is past the RAM (0x110000000): those requests fault in the SMMU.
	EXPECT_EQ(r.s.steps[2].stream->outcomes[EXP_MEMORY], 256u);
	EXPECT_EQ(r.s.steps[2].stream->outcomes[EXP_BLOCKED], 256u);
	EXPECT_STREQ(r.s.steps[2].mismatch, "expected every request to end memory, 256 of 512 did");
	std::string rep = r.report();
	EXPECT_NE(rep.find("stream: 500 requests of 128 bytes, random over [0x100000000, +0x100000): "
			   "memory 500"),
		  std::string::npos)
		<< rep;
	EXPECT_NE(rep.find("    latency: min "), std::string::npos);
}

TEST(Vfio, HotplugAndUnplugWhileTheScenarioRuns)
{
	VfioRun r(platform(), std::string(kVm1) + R"(steps:
  - { from: e0, tlp: { type: MWr, address: 0x100000000, length: 64 }, expect: { outcome: blocked } }
  - do: { hotplug: { function: e0, to: vm1 } }
    expect: { assignment: accepted }
  - { from: e0, tlp: { type: MWr, address: 0x100000000, length: 64 }, expect: { outcome: memory, violations: none } }
  - do: { hotplug: { function: mf.f0, to: vm2 } }
    expect: { assignment: group-not-viable }
  - do: { unplug: e0 }
  - { from: e0, tlp: { type: MWr, address: 0x100000000, length: 64 }, expect: { outcome: blocked, violations: none } }
  - do: { unplug: e1 }
)");
	ASSERT_TRUE(r.loaded) << r.errors;
	for (unsigned i = 0; i < 6; i++)
		EXPECT_TRUE(r.s.steps[i].met) << i << ": " << r.s.steps[i].mismatch;
	EXPECT_EQ(r.s.nassigns, 2u);
	EXPECT_TRUE(r.s.assigns[0].unplugged);
	EXPECT_EQ(r.s.assigns[0].step, 1);
	EXPECT_EQ(r.s.fn_owner[iofab_test::fn(r.s.platform, "e0")], 0u);
	// Unplugging a function no VM has is a failed action.
	EXPECT_TRUE(r.s.steps[6].act_failed);
	EXPECT_STREQ(r.s.steps[6].act_detail, "'e1' is in no VM");
	std::string rep = r.report();
	EXPECT_NE(rep.find("do: hot-plugged e0 into vm1"), std::string::npos) << rep;
	EXPECT_NE(rep.find("(hotplug, step 2) accepted; unplugged later"), std::string::npos);
}

TEST(Vfio, BuffersSharedWithAnOwnerAreItsToo)
{
	VfioRun r(platform(), std::string(kVm1) + R"(options: { host_iommu: identity }
buffers:
  - { name: ring, size: 16K, owner: vm1, shared_with: [host] }
  - { name: secret, size: 16K, owner: vm1 }
steps:
  - from: e0
    tlp: { type: MWr, address: bufpa(ring), length: 64 }
    expect: { outcome: memory, violations: none }
  - from: e0
    tlp: { type: MWr, address: bufpa(secret), length: 64 }
    expect: { outcome: memory, violations: [dma] }
)");
	ASSERT_TRUE(r.loaded) << r.errors;
	EXPECT_TRUE(r.s.steps[0].met) << r.s.steps[0].mismatch;
	EXPECT_TRUE(r.s.steps[1].met) << r.s.steps[1].mismatch;
	// vm1's buffers sit at the top of its first RAM range, IOVA = GPA.
	EXPECT_EQ(r.s.buffers[0].iova, 0x100000000ull + (256ull << 20) - 0x4000);
	EXPECT_EQ(r.s.buffers[1].iova, 0x100000000ull + (256ull << 20) - 0x8000);
	EXPECT_EQ(r.s.attached[iofab_test::fn(r.s.platform, "e0")], ATTACH_BYPASS);
}

TEST(Vfio, MigrationIsCheckedOnTheDestination)
{
	std::string dir = std::string(IOFAB_TEST_SOURCE_DIR) + "/../platforms/";
	VfioRun r(platform(), std::string(kVm1) + "assign: [ { function: e0, to: vm1 } ]\nsteps:\n"
		  "  - do: { migrate: { vm: vm1, to: " + dir + "neoverse-vfio.yaml, devices: [nvme0] } }\n"
		  "    expect: { assignment: accepted }\n"
		  "  - { from: e0, tlp: { type: MWr, address: 0x100000000, length: 64 }, expect: { outcome: blocked } }\n");
	ASSERT_TRUE(r.loaded) << r.errors;
	EXPECT_TRUE(r.s.steps[0].met) << r.s.steps[0].mismatch;
	EXPECT_TRUE(r.s.steps[1].met) << r.s.steps[1].mismatch;
	EXPECT_TRUE(r.s.assigns[0].unplugged);
	VfioRun bad(platform(), std::string(kVm1) + "steps:\n  - do: { migrate: { vm: vm1, to: " + dir +
					  "neoverse-vfio.yaml, devices: [nosuch] } }\n");
	EXPECT_FALSE(bad.loaded);
	EXPECT_NE(bad.errors.find("no function 'nosuch' on the destination 'neoverse-vfio'"),
		  std::string::npos)
		<< bad.errors;
}

TEST(VfioErrors, BadVmsAndAssignments)
{
	std::string p = platform();
	auto errors = [&](const std::string &body) {
		VfioRun r(p, body + kStep);
		EXPECT_FALSE(r.loaded);
		return r.errors;
	};
	EXPECT_EQ(errors("vms: [ { name: vm1, ram: [ { gpa: 0x100001000, size: 256M } ] } ]\n"),
		  "s.yaml:3:28: vms[0].ram[0]: guest RAM is given in 2 MiB blocks: gpa and size must "
		  "be multiples of 2 MiB\n");
	EXPECT_EQ(errors(std::string(kVm1) + "assign: [ { function: e0, to: vm9 } ]\n"),
		  "s.yaml:6:31: assign[0].to: no VM 'vm9' (name it under vms)\n");
	EXPECT_EQ(errors(std::string(kVm1) +
			 "assign: [ { function: e0, to: vm1 }, { function: e0, to: vm2 } ]\n"),
		  "s.yaml:6:50: assign[1].function: 'e0' is assigned twice (first at line 6)\n");
	EXPECT_EQ(errors(std::string(kVm1) + "iommu: { attach: [ { function: e0, domain: bypass } ] }\n"
					     "assign: [ { function: e0, to: vm1 } ]\n"),
		  "s.yaml:7:23: assign[0].function: 'e0' is attached under iommu.attach; an assigned "
		  "function gets its VM's domain\n");
	EXPECT_EQ(errors("vms: [ { name: host, ram: [ { gpa: 0, size: 2M } ] } ]\n"),
		  "s.yaml:3:16: vms[0].name: expected a VM name (not host, at most 31 characters; at "
		  "most 15 owners)\n");
}

} // namespace
