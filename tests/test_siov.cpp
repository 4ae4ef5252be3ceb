// SPDX-License-Identifier: MIT
// Scalable IOV sub-devices (`subdevices:`, `from: SUBDEVICE`, ims_write steps) and the four IMS
// cases; MSI streams (in the background or not) and set_affinity steps under traffic; and the
// exact messages for bad input.
#include <gtest/gtest.h>

#include <cinttypes>
#include <cstring>
#include <string>

#include "testutil.h"

extern "C" {
#include "scenario_internal.h"
}

namespace {

// neoverse-smmu: nic0 (PASID 20 bits, ATS) and nvme0 behind smmu0, its0 (DeviceID = RID),
// 8 PEs. nic0 is 0000:02:00.0, DeviceID 0x200.
const std::string &neoverse()
{
	static const std::string p = iofab_test::shipped_platform("neoverse-smmu.yaml");
	return p;
}

// v2m-server: GICv2m frames only (v2m0 SPIs 64..95, v2m1 96..127), 4 PEs, smmu0.
const std::string &v2m_server()
{
	static const std::string p = iofab_test::shipped_platform("v2m-server.yaml");
	return p;
}

struct SiovRun : iofab_test::ScenarioRun {
	SiovRun(const std::string &plat, const std::string &body)
	    : ScenarioRun(plat, iofab_test::scenario_text(body))
	{
	}
	int owner(const char *name) const { return scenario_owner(&s, name); }
	const subdev_t &sub(const char *name) const { return s.subdevs[scenario_subdev(&s, name)]; }
	// The vector that is sub-device `name`'s IMS entry `entry`.
	const irq_vector_t *ims(const char *name, uint32_t entry) const
	{
		int si = scenario_subdev(&s, name);
		for (uint32_t i = 0; i < s.nvectors; i++)
			if (s.vectors[i].sub == si && s.vectors[i].index == entry)
				return &s.vectors[i];
		return nullptr;
	}
};

// Load errors only: the scenario must be rejected.
std::string scenario_errors(const std::string &plat, const std::string &body)
{
	SiovRun r(plat, body);
	EXPECT_FALSE(r.loaded) << "expected the scenario to be rejected";
	return r.errors;
}

const char *kVms = "vms:\n"
		   "  - { name: vm1, ram: [ { gpa: 0x80000000, size: 256M } ], vcpus: [4, 5] }\n"
		   "  - { name: vm2, ram: [ { gpa: 0x80000000, size: 256M } ], vcpus: [6, 7] }\n";

// Two sub-devices of nic0 in vm1 and vm2 with IMS entries `ims` (e.g. "storage: guest").
std::string two_vms(const std::string &ims)
{
	return std::string(kVms) + "subdevices:\n"
				   "  - { name: adi1, function: nic0, pasid: 1, owner: vm1, ims: { entries: 2, " +
	       ims + " } }\n"
		     "  - { name: adi2, function: nic0, pasid: 2, owner: vm2, ims: { entries: 2, " +
	       ims + " } }\n";
}

// --- sub-devices' DMA and IMS entries --------------------------------------------------------

TEST(Siov, ASubDevicesDmaCarriesItsPasidAndIsTranslatedInItsVmsDomain)
{
	SiovRun r(neoverse(), two_vms("storage: guest, pasid_tagged: true") + R"(steps:
  - { from: adi1, tlp: { type: MWr, address: 0x80001000, length: 64 }, expect: { outcome: memory, violations: none } }
  - { from: adi2, tlp: { type: MWr, address: 0x80001000, length: 64 }, expect: { outcome: memory, violations: none } }
  - { from: nic0, tlp: { type: MWr, address: 0x80001000, length: 64 }, expect: { outcome: blocked, violations: none } }
)");
	ASSERT_TRUE(r.loaded) << r.errors;
	int vm1 = r.owner("vm1"), vm2 = r.owner("vm2");
	ASSERT_GT(vm1, 0);
	ASSERT_GT(vm2, 0);
	const step_t &a = r.step(0), &b = r.step(1);
	EXPECT_TRUE(a.met) << a.mismatch;
	EXPECT_TRUE(b.met) << b.mismatch;
	// Sent by nic0 on the sub-devices' behalf, tagged with their PASIDs.
	EXPECT_EQ(a.from, iofab_test::fn(r.s.platform, "nic0"));
	EXPECT_EQ(a.sub, scenario_subdev(&r.s, "adi1"));
	EXPECT_TRUE(a.tlp.has_pasid);
	EXPECT_EQ(a.tlp.pasid, 1u);
	EXPECT_TRUE(b.tlp.has_pasid);
	EXPECT_EQ(b.tlp.pasid, 2u);
	// One StreamID, two SubstreamIDs, two domains: the same guest address, two host pages.
	ASSERT_TRUE(a.has_iommu);
	ASSERT_TRUE(b.has_iommu);
	EXPECT_EQ(a.iommu_sid, b.iommu_sid);
	EXPECT_EQ(a.iommu.outcome, SMMU_XLATE_OK);
	EXPECT_EQ(b.iommu.outcome, SMMU_XLATE_OK);
	EXPECT_EQ(a.iommu.pa, r.s.vms[vm1].ram[0].hpa + 0x1000);
	EXPECT_EQ(b.iommu.pa, r.s.vms[vm2].ram[0].hpa + 0x1000);
	EXPECT_NE(a.iommu.pa, b.iommu.pa);
	EXPECT_EQ(r.sub("adi1").domain, r.s.vms[vm1].domain);
	EXPECT_EQ(r.sub("adi2").domain, r.s.vms[vm2].domain);
	EXPECT_NE(r.s.vms[vm1].domain, r.s.vms[vm2].domain);
	// nic0 itself (no PASID) stays the host's and is not in either VM's domain.
	EXPECT_FALSE(r.step(2).tlp.has_pasid);
	EXPECT_EQ(r.s.fn_owner[iofab_test::fn(r.s.platform, "nic0")], 0u);
	EXPECT_TRUE(r.step(2).met) << r.step(2).mismatch;
}

TEST(Siov, APaExpectationOnASubDeviceStepIsChecked)
{
	SiovRun r(neoverse(), two_vms("storage: emulated") + R"(options: { host_iommu: translated }
steps:
  - { from: adi2, tlp: { type: MWr, address: 0x80001000, length: 64 }, expect: { outcome: memory, pa: 0x80001000 } }
)");
	ASSERT_TRUE(r.loaded) << r.errors;
	// adi2 is vm2's: its guest address lands in vm2's backing, not at 0x80001000 (vm1's).
	char want[128];
	snprintf(want, sizeof want, "expected translation to 0x80001000, got 0x%" PRIx64,
		 r.s.vms[r.owner("vm2")].ram[0].hpa + 0x1000);
	EXPECT_FALSE(r.step(0).met);
	EXPECT_STREQ(r.step(0).mismatch, want);
}

TEST(Siov, ImsEntriesAreEventsOfTheFunctionsDeviceIdForTheSubDevicesOwner)
{
	SiovRun r(neoverse(), two_vms("storage: guest, pasid_tagged: true") + R"(steps:
  - { from: adi1, msi: 1, expect: { interrupt: delivered, owner: vm1, violations: none } }
  - { from: adi2, msi: 0, expect: { interrupt: delivered, owner: vm2, violations: none } }
)");
	ASSERT_TRUE(r.loaded) << r.errors;
	int vm1 = r.owner("vm1"), vm2 = r.owner("vm2");
	uint32_t events = 0;
	for (const char *n : {"adi1", "adi2"})
		for (uint32_t e = 0; e < 2; e++) {
			const irq_vector_t *v = r.ims(n, e);
			ASSERT_NE(v, nullptr) << n << " " << e;
			EXPECT_TRUE(v->its);
			EXPECT_EQ(v->fn, iofab_test::fn(r.s.platform, "nic0"));
			EXPECT_EQ(v->devid, 0x200u); // nic0's DeviceID: the ITS knows no PASID
			EXPECT_EQ(v->owner, !strcmp(n, "adi1") ? vm1 : vm2);
			EXPECT_EQ(r.s.pe_owner[v->cpu], v->owner) << n << " " << e;
			events |= 1u << v->event;
		}
	EXPECT_EQ(events, 0xfu); // four distinct events of one device
	EXPECT_EQ(r.sub("adi1").nims, 2u);
	for (unsigned i = 0; i < 2; i++) {
		EXPECT_TRUE(r.step(i).met) << i << ": " << r.step(i).mismatch;
		EXPECT_EQ(r.step(i).msi_devid, 0x200u);
	}
	EXPECT_EQ(r.step(0).delivery.intid, r.ims("adi1", 1)->intid);
	EXPECT_EQ(r.step(1).delivery.intid, r.ims("adi2", 0)->intid);
	// A PASID-tagged interrupt write carries the PASID.
	EXPECT_TRUE(r.step(0).tlp.has_pasid);
	EXPECT_EQ(r.step(0).tlp.pasid, 1u);
}

// The four IMS cases, as users see them: vm1's guest points adi1's entry 1 at adi2's EventID
// (data 2: adi2's entry 0) and raises it.
const char *kHijack = R"(steps:
  - name: vm1 writes vm2's EventID into adi1's entry 1
    do: { ims_write: { subdevice: adi1, entry: 1, address: 0x08000040, data: 2 } }
  - { from: adi1, msi: 1 }
)";

TEST(SiovIms, GuestStoragePasidTaggedRaisesAnotherVmsInterrupt)
{
	SiovRun r(neoverse(), two_vms("storage: guest, pasid_tagged: true") + kHijack);
	ASSERT_TRUE(r.loaded) << r.errors;
	const irq_vector_t *v = r.ims("adi1", 1);
	EXPECT_EQ(v->data, 2u);
	EXPECT_EQ(v->address, 0x08000040u);
	EXPECT_NE(std::string(r.step(0).act_detail).find("the guest writes it directly"),
		  std::string::npos)
		<< r.step(0).act_detail;
	const step_t &st = r.step(1);
	ASSERT_TRUE(st.delivered);
	EXPECT_EQ(st.delivery.intid, r.ims("adi2", 0)->intid);
	EXPECT_EQ(r.s.pe_owner[st.delivery.pe], r.owner("vm2"));
	ASSERT_EQ(st.nviol, 1u);
	EXPECT_EQ(st.viol[0].kind, INV_MSI);
	std::string t = st.viol[0].text;
	EXPECT_NE(t.find("adi1 [nic0 PASID 1] (vm1) raised LPI 8194, adi2's IMS entry 0 (vm2)"),
		  std::string::npos)
		<< t;
	EXPECT_NE(t.find("the write carried PASID 0x1, but an ITS identifies the writer by "
			 "DeviceID alone"),
		  std::string::npos)
		<< t;
	// No expectation: the unexpected violation fails the step.
	EXPECT_FALSE(st.met);
	EXPECT_STREQ(st.mismatch, "isolation violated (msi) and no expectation says so");
}

TEST(SiovIms, GuestStorageUntaggedIsNoBetter)
{
	SiovRun r(neoverse(), std::string("options: { host_iommu: translated }\n") +
				  two_vms("storage: guest") + kHijack);
	ASSERT_TRUE(r.loaded) << r.errors;
	const step_t &st = r.step(1);
	EXPECT_FALSE(st.tlp.has_pasid);
	ASSERT_EQ(st.nviol, 1u);
	EXPECT_EQ(st.viol[0].kind, INV_MSI);
	EXPECT_NE(std::string(st.viol[0].text)
			  .find("the write carried no PASID, and an ITS identifies the writer by "
				"DeviceID alone"),
		  std::string::npos)
		<< st.viol[0].text;
}

TEST(SiovIms, EmulatedStorageTrapsTheGuestsWrite)
{
	SiovRun r(neoverse(), std::string("options: { host_iommu: translated }\n") +
				  two_vms("storage: emulated") + kHijack);
	ASSERT_TRUE(r.loaded) << r.errors;
	const irq_vector_t *v = r.ims("adi1", 1);
	// The entry keeps the host's message.
	EXPECT_EQ(v->address, v->set.address);
	EXPECT_EQ(v->data, v->set.data);
	EXPECT_EQ(v->data, v->event);
	EXPECT_NE(v->data, 2u);
	EXPECT_NE(std::string(r.step(0).act_detail).find("trapped by the VMM"), std::string::npos)
		<< r.step(0).act_detail;
	const step_t &st = r.step(1);
	ASSERT_TRUE(st.delivered);
	EXPECT_EQ(st.delivery.intid, v->intid);
	EXPECT_EQ(r.s.pe_owner[st.delivery.pe], r.owner("vm1"));
	EXPECT_EQ(st.nviol, 0u);
	EXPECT_TRUE(st.met) << st.mismatch;
	EXPECT_NE(r.report().find("trapped by the VMM (emulated storage)"), std::string::npos);
}

TEST(SiovIms, HostOwnedSubDevicesBreakNothing)
{
	SiovRun r(neoverse(), R"(options: { host_iommu: translated }
subdevices:
  - { name: q1, function: nic0, pasid: 1, owner: host, ims: { entries: 2 } }
  - { name: q2, function: nic0, pasid: 2, owner: host, ims: { entries: 2 } }
steps:
  - do: { ims_write: { subdevice: q1, entry: 1, address: 0x08000040, data: 2 } }
  - { from: q1, msi: 1, expect: { interrupt: delivered, owner: host, violations: none } }
  - { from: q2, tlp: { type: MWr, address: 0x1000, length: 64 } }
)");
	ASSERT_TRUE(r.loaded) << r.errors;
	// The host writes its own entries (emulated storage traps only a guest).
	EXPECT_EQ(r.ims("q1", 1)->data, 2u);
	EXPECT_NE(std::string(r.step(0).act_detail).find("the host's driver writes it directly"),
		  std::string::npos)
		<< r.step(0).act_detail;
	const step_t &st = r.step(1);
	ASSERT_TRUE(st.delivered);
	EXPECT_EQ(st.delivery.intid, r.ims("q2", 0)->intid);
	EXPECT_EQ(st.nviol, 0u);
	EXPECT_TRUE(st.met) << st.mismatch;
	// Host sub-devices share nic0's own DMA domain.
	EXPECT_EQ(r.sub("q1").domain, r.s.attached[iofab_test::fn(r.s.platform, "nic0")]);
	EXPECT_EQ(r.step(2).nviol, 0u);
}

// BUG (disabled until fixed): parse_stream() (harness/scenario.c) never tags a sub-device's DMA
// stream with its PASID, as parse_tlp() does for a single TLP: the requests go out untagged
// and meet nic0's own STE configuration instead of vm2's domain (here: F_STREAM_DISABLED).
TEST(Siov, ASubDevicesDmaStreamCarriesItsPasid)
{
	SiovRun r(neoverse(), two_vms("storage: guest, pasid_tagged: true") + R"(steps:
  - from: adi2
    stream: { window: { base: 0x80001000, size: 4K }, size: 64, count: 4 }
    expect: { outcome: memory, violations: none }
)");
	ASSERT_TRUE(r.loaded) << r.errors;
	const step_t &st = r.step(0);
	EXPECT_TRUE(st.tlp.has_pasid);
	EXPECT_EQ(st.tlp.pasid, 2u);
	EXPECT_EQ(st.stream->outcomes[EXP_MEMORY], 4u);
	EXPECT_TRUE(st.met) << st.mismatch;
	ASSERT_TRUE(st.has_iommu);
	EXPECT_EQ(st.iommu.outcome, SMMU_XLATE_OK);
	uint64_t hpa = r.s.vms[r.owner("vm2")].ram[0].hpa;
	EXPECT_GE(st.iommu.pa, hpa + 0x1000);
	EXPECT_LT(st.iommu.pa, hpa + 0x2000);
}

// --- bad input -------------------------------------------------------------------------------

TEST(SiovErrors, SubdevicesSection)
{
	const std::string &p = neoverse();
	const char *step = "steps:\n  - { from: nic0, tlp: { type: MWr, address: 0x1000 } }\n";
	auto one = [&](const std::string &pre, const std::string &sub) {
		return scenario_errors(p, pre + "subdevices:\n" + sub + step);
	};
	EXPECT_EQ(one(kVms, "  - { name: a1, function: nvme0, pasid: 1, owner: vm1 }\n"),
		  "s.yaml:7:27: subdevices[0].function: 'nvme0' cannot have sub-devices: they are "
		  "PASIDs, which need a PASID capability and an SMMU with SubstreamIDs in front of "
		  "it\n");
	EXPECT_EQ(one(std::string(kVms) + "assign: [ { function: nic0, to: vm1 } ]\n",
		      "  - { name: a1, function: nic0, pasid: 1, owner: vm2 }\n"),
		  "s.yaml:8:27: subdevices[0].function: 'nic0' is assigned to vm1: a function's "
		  "sub-devices are made by its driver on the host, which must keep it\n");
	EXPECT_EQ(one(kVms, "  - { name: a1, function: nic0, pasid: 3, owner: vm1 }\n"
			    "  - { name: a2, function: nic0, pasid: 3, owner: vm2 }\n"),
		  "s.yaml:8:40: subdevices[1].pasid: PASID 3 of 'nic0' is sub-device 'a1' already\n");
	EXPECT_EQ(one(kVms, "  - { name: a1, function: nic0, pasid: 1, owner: vm9 }\n"),
		  "s.yaml:7:50: subdevices[0].owner: expected host or a VM's name (under vms), got "
		  "'vm9'\n");
	// An owner of PEs only (interrupts.owners) is no VM: it has no RAM, no domain.
	EXPECT_EQ(one("interrupts: { owners: { tenant: [3] } }\n",
		      "  - { name: a1, function: nic0, pasid: 1, owner: tenant }\n"),
		  "s.yaml:5:50: subdevices[0].owner: expected host or a VM's name (under vms), got "
		  "'tenant'\n");
	EXPECT_EQ(one(kVms, "  - { name: nvme0, function: nic0, pasid: 1, owner: vm1 }\n"),
		  "s.yaml:7:13: subdevices[0].name: 'nvme0' is a function's name: give the sub-device "
		  "another\n");
	// The host's sub-devices share nic0's kernel domain: there must be one (host_iommu is
	// blocked by default).
	EXPECT_EQ(one("", "  - { name: q1, function: nic0, pasid: 1, owner: host }\n"),
		  "s.yaml:4:5: subdevices[0]: host sub-device 'q1' shares the kernel's DMA domain of "
		  "'nic0', which has none to share (options.host_iommu: translated, or attach 'nic0' "
		  "to a stage-1 domain)\n");
	EXPECT_EQ(one("options: { host_iommu: identity }\n",
		      "  - { name: q1, function: nic0, pasid: 1, owner: host }\n"),
		  "s.yaml:5:5: subdevices[0]: host sub-device 'q1' shares the kernel's DMA domain of "
		  "'nic0', which has none to share (options.host_iommu: translated, or attach 'nic0' "
		  "to a stage-1 domain)\n");
}

TEST(SiovErrors, ImsEntries)
{
	const char *step = "steps:\n  - { from: nic0, tlp: { type: MWr, address: 0x1000 } }\n";
	// A VM without vCPUs has no PE to take its sub-device's interrupts.
	EXPECT_EQ(scenario_errors(neoverse(), "vms: [ { name: vm1, ram: [ { gpa: 0x80000000, size: "
					      "256M } ] } ]\nsubdevices:\n  - { name: a1, function: "
					      "nic0, pasid: 1, owner: vm1, ims: { entries: 1, pasid_tagged: true } }\n" +
					      std::string(step)),
		  "s.yaml:5:5: subdevices[0]: owner 'vm1' has no PE among the first 64 to take "
		  "sub-device 'a1''s interrupts\n");
	EXPECT_EQ(scenario_errors(neoverse(), std::string(kVms) +
						      "subdevices:\n  - { name: a1, function: nic0, pasid: 1, "
						      "owner: vm1, ims: { storage: shared } }\n" +
						      step),
		  "s.yaml:7:71: subdevices[0].ims.storage: unknown value 'shared' (expected one of: "
		  "emulated, guest)\n");
	// nic0's own vectors took the whole of its DeviceID's LPIs (one, rounded to a power of
	// two): nothing is left for IMS entries.
	EXPECT_EQ(scenario_errors(neoverse(), std::string(kVms) +
						      "interrupts: { vectors: [ { function: nic0, count: 1 } ] }\n"
						      "subdevices:\n  - { name: a1, function: nic0, pasid: 1, "
						      "owner: vm1, ims: { entries: 2, pasid_tagged: true } }\n" +
						      step),
		  "s.yaml:8:5: subdevices[0]: the ITS driver could not allocate IMS entry 0 of 'a1': "
		  "DeviceID 0x200 of 'nic0' was set up for 1 vector (give the function no vectors "
		  "under interrupts.vectors, or all of them in one line, before its sub-devices')\n");
	// No interrupt controller: no IMS.
	std::string nogic = R"(name: t
memory:
  - { name: dram0, base: 0x80000000, size: 2G }
smmus: [ { name: smmu0, base: 0x2b400000, streams: [ { rc: rc0 } ] } ]
root_complexes:
  - name: rc0
    mmio: { base: 0x40000000, size: 256M }
    ports:
      - { root_port: rp0, acs: full, link: { endpoint: nic, bars: [16K], pasid: 20 } }
)";
	EXPECT_EQ(scenario_errors(nogic, "vms: [ { name: vm1, ram: [ { gpa: 0x80000000, size: 256M } "
					 "] } ]\nsubdevices:\n  - { name: a1, function: nic, pasid: "
					 "1, owner: vm1, ims: { entries: 1 } }\n"
					 "steps:\n  - { from: nic, tlp: { type: MWr, address: 0x1000 } }\n"),
		  "s.yaml:5:59: subdevices[0].ims: platform 't' has no interrupt controller\n");
	// Names: not a duplicate, not host...
	EXPECT_EQ(scenario_errors(neoverse(), std::string(kVms) +
						      "subdevices:\n  - { name: a1, function: nic0, pasid: 1, "
						      "owner: vm1 }\n  - { name: a1, function: nic0, pasid: 2, "
						      "owner: vm2 }\n" +
						      step),
		  "s.yaml:8:13: subdevices[1].name: duplicate sub-device name 'a1'\n");
	EXPECT_EQ(scenario_errors(neoverse(), std::string(kVms) +
						      "subdevices:\n  - { name: host1, function: nic0, pasid: 1, "
						      "owner: vm1 }\n" +
						      step),
		  "s.yaml:7:13: subdevices[0].name: expected a sub-device name (at most 31 characters, "
		  "not host...)\n");
	// PASID 0 is no sub-device's (the function's untagged traffic).
	EXPECT_EQ(scenario_errors(neoverse(), std::string(kVms) +
						      "subdevices:\n  - { name: a1, function: nic0, pasid: 0, "
						      "owner: vm1 }\n" +
						      step),
		  "s.yaml:7:40: subdevices[0].pasid: 0 is out of range (expected 0x1 to 0xfffff)\n");
	// Untagged interrupt writes go through the function's own domain: with the host's
	// functions blocked (the default), they would never reach the doorbell.
	EXPECT_EQ(scenario_errors(neoverse(), std::string(kVms) +
						      "subdevices:\n  - { name: a1, function: nic0, pasid: 1, "
						      "owner: vm1, ims: { entries: 1 } }\n" +
						      step),
		  "s.yaml:7:5: subdevices[0]: sub-device 'a1''s interrupt writes carry no PASID, so "
		  "they go through 'nic0''s own domain, which has no MSI window (options.host_iommu: "
		  "translated, or ims.pasid_tagged: true)\n");
}

TEST(SiovErrors, ImsWriteAndMsiSteps)
{
	std::string pre = two_vms("storage: guest, pasid_tagged: true") + "steps:\n";
	EXPECT_EQ(scenario_errors(neoverse(), pre + "  - do: { ims_write: { subdevice: adi9, entry: 0, "
						    "address: 0x08000040, data: 0 } }\n"),
		  "s.yaml:10:35: steps[0].do.ims_write.subdevice: no sub-device 'adi9' (define it "
		  "under subdevices)\n");
	EXPECT_EQ(scenario_errors(neoverse(), pre + "  - do: { ims_write: { subdevice: adi1, entry: 2, "
						    "address: 0x08000040, data: 0 } }\n"),
		  "s.yaml:10:48: steps[0].do.ims_write.entry: sub-device 'adi1' has no IMS entry 2 "
		  "(it has 2: subdevices[].ims.entries)\n");
	// A sub-device without IMS entries has none to write.
	EXPECT_EQ(scenario_errors(neoverse(), std::string(kVms) +
						      "subdevices: [ { name: a1, function: nic0, pasid: 1, "
						      "owner: vm1 } ]\nsteps:\n  - do: { ims_write: { "
						      "subdevice: a1, entry: 0, address: 0x08000040, data: 0 } }\n"),
		  "s.yaml:8:46: steps[0].do.ims_write.entry: sub-device 'a1' has no IMS entry 0 (it "
		  "has 0: subdevices[].ims.entries)\n");
	EXPECT_EQ(scenario_errors(neoverse(), pre + "  - { from: adi2, msi: 2 }\n"),
		  "s.yaml:10:24: steps[0].msi: sub-device 'adi2' has no IMS entry 2 (it has 2: "
		  "subdevices[].ims.entries)\n");
	// nic0's own vectors are not a sub-device's IMS entries.
	EXPECT_EQ(scenario_errors(neoverse(), std::string(kVms) +
						      "interrupts: { vectors: [ { function: nic0, count: 4 } ] }\n"
						      "subdevices: [ { name: a1, function: nic0, pasid: 1, "
						      "owner: vm1 } ]\nsteps:\n  - { from: a1, msi: 0 }\n"),
		  "s.yaml:9:22: steps[0].msi: sub-device 'a1' has no IMS entry 0 (it has 0: "
		  "subdevices[].ims.entries)\n");
}

// --- MSI streams and affinity ----------------------------------------------------------------

const char *kNicVector = "options: { host_iommu: translated }\n"
			 "interrupts: { vectors: [ { function: nic0, count: 1 } ] }\n";

std::string movi_under_traffic(const std::string &expect)
{
	return std::string(kNicVector) + R"(steps:
  - from: nic0
    stream: { msi: 0, count: 40, gap_ns: 1000, background: true }
    expect: { )" + expect + R"( }
  - at_ns: 20000
    do: { set_affinity: { function: nic0, vector: 0, pe: 1 } }
    expect: { its_error: none, its_stalled: false }
)";
}

TEST(MsiStream, EveryInterruptIsTakenOnTheOldPeThenTheNewOne)
{
	SiovRun r(neoverse(), movi_under_traffic("deliveries: 40, pes: [0, 1], violations: none"));
	ASSERT_TRUE(r.loaded) << r.errors;
	const step_t &strm = r.step(0), &mv = r.step(1);
	EXPECT_TRUE(strm.met) << strm.mismatch;
	EXPECT_TRUE(mv.met) << mv.mismatch;
	EXPECT_EQ(strm.stream->done, 40u);
	// The move happened while the stream ran.
	EXPECT_GT(mv.start, strm.start);
	EXPECT_LT(mv.end, strm.end);
	ASSERT_EQ(r.s.ndeliveries, 40u);
	unsigned per[2] = {0, 0};
	for (uint32_t i = 0; i < r.s.ndeliveries; i++) {
		const gic_delivery_t &d = r.s.deliveries[i];
		EXPECT_EQ(d.tag, 1u);
		EXPECT_EQ(d.merged, 0u) << i;
		ASSERT_LT(d.pe, 2u);
		per[d.pe]++;
		if (d.taken_at < mv.start) {
			EXPECT_EQ(d.pe, 0u) << "interrupt " << i << " before the move";
		}
		if (d.raised_at > mv.end) {
			EXPECT_EQ(d.pe, 1u) << "interrupt " << i << " after the move";
		}
		if (i) {
			EXPECT_GE(d.taken_at, r.s.deliveries[i - 1].taken_at);
		}
	}
	EXPECT_GT(per[0], 0u);
	EXPECT_GT(per[1], 0u);
	EXPECT_EQ(per[0] + per[1], 40u);
	EXPECT_EQ(r.s.deliveries[0].pe, 0u);
	EXPECT_EQ(r.s.deliveries[39].pe, 1u);
	// Once on PE 1, never back on PE 0.
	bool moved = false;
	for (uint32_t i = 0; i < r.s.ndeliveries; i++) {
		if (moved) {
			EXPECT_EQ(r.s.deliveries[i].pe, 1u) << i;
		}
		moved |= r.s.deliveries[i].pe == 1;
	}
	// The driver's view follows: the vector is on PE 1 now.
	EXPECT_EQ(r.s.vectors[0].cpu, 1u);
	EXPECT_EQ(r.s.vectors[0].set.cpu, 0u);
	std::string rep = r.report();
	EXPECT_NE(rep.find("moved nic0's vector 0 (LPI 8192) from PE 0 to PE 1 (host): queued MOVI "
			   "DeviceID 0x200 EventID 0 ICID 1 + SYNC PE 0 on its0; consumed"),
		  std::string::npos)
		<< rep;
}

TEST(MsiStream, DeliveriesAndPesMismatchesAreReported)
{
	SiovRun r(neoverse(), movi_under_traffic("deliveries: 39, pes: [0], violations: none"));
	ASSERT_TRUE(r.loaded) << r.errors;
	EXPECT_FALSE(r.step(0).met);
	EXPECT_STREQ(r.step(0).mismatch,
		     "expected 39 interrupts taken, got 40; expected PEs [0] to take them, got [0, 1]");
	SiovRun one(neoverse(), movi_under_traffic("deliveries: 1"));
	ASSERT_TRUE(one.loaded) << one.errors;
	EXPECT_STREQ(one.step(0).mismatch, "expected 1 interrupt taken, got 40");
}

TEST(MsiStream, ASingleMsiStepCanExpectDeliveriesToo)
{
	SiovRun r(neoverse(), std::string(kNicVector) + R"(steps:
  - { from: nic0, msi: 0, expect: { deliveries: 1, pes: [0] } }
  - { from: nic0, at_ns: 5000, msi: 0, expect: { deliveries: 2 } }
)");
	ASSERT_TRUE(r.loaded) << r.errors;
	EXPECT_TRUE(r.step(0).met) << r.step(0).mismatch;
	EXPECT_STREQ(r.step(1).mismatch, "expected 2 interrupts taken, got 1");
}

TEST(MsiStream, AStreamDelaysTheNextStepUnlessItRunsInTheBackground)
{
	auto body = [](bool bg) {
		return std::string(kNicVector) + "steps:\n  - from: nic0\n    stream: { msi: 0, count: 10, "
						 "gap_ns: 500" +
		       (bg ? ", background: true" : "") +
		       " }\n  - { from: nvme0, tlp: { type: MWr, address: 0x1000, length: 64 } }\n";
	};
	SiovRun fg(neoverse(), body(false)), bg(neoverse(), body(true));
	ASSERT_TRUE(fg.loaded) << fg.errors;
	ASSERT_TRUE(bg.loaded) << bg.errors;
	EXPECT_FALSE(fg.step(0).stream->background);
	EXPECT_TRUE(bg.step(0).stream->background);
	EXPECT_EQ(fg.step(0).stream->done, 10u);
	EXPECT_EQ(bg.step(0).stream->done, 10u);
	// Ten requests at least 500 ns apart.
	EXPECT_GE(fg.step(0).end - fg.step(0).start, 9 * 500 * SIM_NS);
	EXPECT_GE(fg.step(1).start, fg.step(0).end);
	// In the background: the next step starts with the stream's first request.
	EXPECT_EQ(bg.step(1).start, bg.step(0).start);
	EXPECT_LT(bg.step(1).end, bg.step(0).end);
	EXPECT_EQ(fg.s.ndeliveries, 10u);
	EXPECT_EQ(bg.s.ndeliveries, 10u);
}

// BUG (disabled until fixed): a background stream let the next step start with its first
// request (start_step), and at_host() advances again when a request stalls in the SMMU: every
// step after it runs twice (here nic0 raises its vector twice; the second raise merges).
TEST(MsiStream, AStepAfterABackgroundStreamThatStallsRunsOnce)
{
	SiovRun r(neoverse(), std::string(kNicVector) + R"(iommu:
  domains: [ { name: d0, stage: 1, mappings: [ { iova: 0x100000, pa: dram0, size: 64K } ] } ]
  attach: [ { function: nvme0, domain: d0, stall: true } ]
steps:
  - name: nvme0's stream to an unmapped IOVA stalls
    from: nvme0
    stream: { window: { base: 0x300000, size: 4K }, size: 64, count: 4, background: true }
  - { from: nic0, msi: 0, expect: { deliveries: 1 } }
)");
	ASSERT_TRUE(r.loaded) << r.errors;
	EXPECT_TRUE(r.step(0).stalled);
	// It started with the stream, once.
	EXPECT_EQ(r.step(1).start, r.step(0).start);
	ASSERT_EQ(r.s.ndeliveries, 1u);
	EXPECT_EQ(r.s.deliveries[0].merged, 0u);
	EXPECT_TRUE(r.step(1).met) << r.step(1).mismatch;
}

// BUG (disabled until fixed): scenario_run() (harness/scenario.c) judges an MSI stream's
// interrupts (scenario_stream_msi_invariants) only when the step's has_msi is set, and
// start_step() clears has_msi before each request: when the stream's last write reached no
// doorbell, the msi violations of all its earlier interrupts are dropped. Here vm1 raises vm2's
// interrupt 5 times, then its guest points the entry at memory: no violation is reported.
TEST(MsiStream, AStreamsViolationsSurviveALastWriteThatMissesTheDoorbell)
{
	SiovRun r(neoverse(), two_vms("storage: guest, pasid_tagged: true") + R"(steps:
  - do: { ims_write: { subdevice: adi1, entry: 0, address: 0x08000040, data: 2 } }
  - from: adi1
    stream: { msi: 0, count: 10, gap_ns: 1000, background: true }
    expect: { deliveries: 5, violations: [msi] }
  - at_ns: 6000
    do: { ims_write: { subdevice: adi1, entry: 0, address: 0x80002000, data: 0 } }
)");
	ASSERT_TRUE(r.loaded) << r.errors;
	const step_t &st = r.step(1);
	ASSERT_EQ(r.s.ndeliveries, 5u);
	for (uint32_t i = 0; i < 5; i++)
		EXPECT_EQ(r.s.pe_owner[r.s.deliveries[i].pe], r.owner("vm2")) << i;
	ASSERT_EQ(st.nviol, 1u);
	EXPECT_EQ(st.viol[0].kind, INV_MSI);
	EXPECT_NE(std::string(st.viol[0].text).find("(5 of 5 interrupts; the first shown)"),
		  std::string::npos)
		<< st.viol[0].text;
}

TEST(MsiStream, ASubDevicesStreamIsJudgedPerInterrupt)
{
	// vm1's guest points adi1's entry 0 at vm2's event, then the device raises it 5 times.
	SiovRun r(neoverse(), two_vms("storage: guest, pasid_tagged: true") + R"(steps:
  - do: { ims_write: { subdevice: adi1, entry: 0, address: 0x08000040, data: 2 } }
  - from: adi1
    stream: { msi: 0, count: 5, gap_ns: 2000 }
    expect: { deliveries: 5, pes: [6], violations: [msi] }
)");
	ASSERT_TRUE(r.loaded) << r.errors;
	const step_t &st = r.step(1);
	EXPECT_TRUE(st.met) << st.mismatch;
	ASSERT_EQ(st.nviol, 1u);
	EXPECT_NE(std::string(st.viol[0].text).find("(5 of 5 interrupts; the first shown)"),
		  std::string::npos)
		<< st.viol[0].text;
	EXPECT_NE(std::string(st.viol[0].text).find("DeviceID alone"), std::string::npos);
}

TEST(Affinity, AnLpiMovedBetweenSingleRaisesIsTakenByTheNewPe)
{
	SiovRun r(neoverse(), std::string(kNicVector) + R"(steps:
  - { from: nic0, msi: 0, expect: { interrupt: delivered, pe: 0 } }
  - at_ns: 5000
    do: { set_affinity: { function: nic0, vector: 0, pe: 3 } }
    expect: { its_error: none }
  - { from: nic0, msi: 0, expect: { interrupt: delivered, pe: 3 } }
  - do: { set_affinity: { function: nic0, vector: 0, pe: 3 } }
)");
	ASSERT_TRUE(r.loaded) << r.errors;
	for (unsigned i = 0; i < 3; i++)
		EXPECT_TRUE(r.step(i).met) << i << ": " << r.step(i).mismatch;
	// The second move changes nothing: no command queued.
	std::string rep = r.report();
	EXPECT_NE(rep.find("from PE 3 to PE 3 (host): already there"), std::string::npos) << rep;
}

TEST(Affinity, AGicv2mVectorIsRoutedToTheNewPeByTheDistributor)
{
	SiovRun r(v2m_server(), R"(options: { host_iommu: translated }
interrupts: { vectors: [ { function: nic0, count: 2 } ] }
steps:
  - { from: nic0, msi: 1, expect: { interrupt: delivered, pe: 0 } }
  - at_ns: 5000
    do: { set_affinity: { function: nic0, vector: 1, pe: 2 } }
    expect: { its_error: none }
  - { from: nic0, msi: 1, expect: { interrupt: delivered, pe: 2 } }
  - { from: nic0, msi: 0, expect: { interrupt: delivered, pe: 0 } }
)");
	ASSERT_TRUE(r.loaded) << r.errors;
	const irq_vector_t &v = r.s.vectors[1];
	EXPECT_FALSE(v.its);
	EXPECT_EQ(v.cpu, 2u);
	for (unsigned i = 0; i < 4; i++)
		EXPECT_TRUE(r.step(i).met) << i << ": " << r.step(i).mismatch;
	ASSERT_TRUE(r.step(2).delivered);
	EXPECT_EQ(r.step(2).delivery.intid, v.intid);
	EXPECT_GE(v.intid, 64u);
	EXPECT_NE(r.report().find("from PE 0 to PE 2 (host): rewrote GICD_IROUTER"),
		  std::string::npos);
}

TEST(MsiStreamErrors, DeliveriesAndPesAreExpectedOfMsiSteps)
{
	std::string pre = std::string(kNicVector) + "steps:\n";
	EXPECT_EQ(scenario_errors(neoverse(), pre + "  - { from: nic0, msi: 0, expect: { pes: [] } }\n"),
		  "s.yaml:6:42: steps[0].expect.pes: expected a list of PE numbers (0-63), at least "
		  "one\n");
	EXPECT_EQ(scenario_errors(neoverse(), pre + "  - do: { set_affinity: { function: nic0, vector: 0, "
						    "pe: 1 } }\n    expect: { deliveries: 1 }\n"),
		  "s.yaml:7:27: steps[0].expect.deliveries: 'deliveries' is expected of a step that "
		  "sends an MSI\n");
	EXPECT_EQ(scenario_errors(neoverse(), pre + "  - { from: nic0, stream: { msi: 0, count: 2, "
						    "window: { base: 0, size: 4K } } }\n"),
		  "s.yaml:6:55: steps[0].stream.window: 'window' is for DMA streams: an 'msi' stream "
		  "writes its vector's message\n");
}

TEST(AffinityErrors, UnknownVectorAndPeOutOfRange)
{
	std::string pre = std::string(kNicVector) + "steps:\n";
	EXPECT_EQ(scenario_errors(neoverse(), pre + "  - do: { set_affinity: { function: nic0, vector: 1, "
						    "pe: 1 } }\n"),
		  "s.yaml:6:51: steps[0].do.set_affinity.vector: 'nic0' has no vector 1 (allocate it "
		  "under interrupts.vectors)\n");
	EXPECT_EQ(scenario_errors(neoverse(), pre + "  - do: { set_affinity: { function: nic0, vector: 0, "
						    "pe: 8 } }\n"),
		  "s.yaml:6:58: steps[0].do.set_affinity.pe: 8 is out of range (expected 0x0 to 0x7)\n");
	EXPECT_EQ(scenario_errors(neoverse(), pre + "  - do: { set_affinity: { function: nvme0, vector: 0, "
						    "pe: 1 } }\n"),
		  "s.yaml:6:52: steps[0].do.set_affinity.vector: 'nvme0' has no vector 0 (allocate it "
		  "under interrupts.vectors)\n");
	// A sub-device's IMS entry is not one of the function's vectors.
	EXPECT_EQ(scenario_errors(neoverse(), two_vms("storage: guest, pasid_tagged: true") +
						      "steps:\n  - do: { set_affinity: { function: nic0, "
						      "vector: 0, pe: 4 } }\n"),
		  "s.yaml:10:51: steps[0].do.set_affinity.vector: 'nic0' has no vector 0 (allocate "
		  "it under interrupts.vectors)\n");
}

} // namespace
