// SPDX-License-Identifier: MIT
// The SMMU model programmed the way Linux's arm-smmu-v3 programs it (harness/smmu_drv.c):
// stream table formats and STE configurations, CD tables selected by PASID, stage 1, stage 2
// and nested translation, ATS, every configuration error, fault recording, the event queue
// (including overflow) and the command queue (timing, errors, CMD_SYNC by MSI).
#include <gtest/gtest.h>

#include <vector>

extern "C" {
#include "iopgtable.h"
#include "smmu.h"
#include "smmu_drv.h"
}
#include "smmu_testutil.h"

namespace {

constexpr uint64_t KiB = 1024, MiB = 1024 * KiB;
constexpr smmu_access_t kRead{false, false, false};
constexpr smmu_access_t kWrite{true, false, false};

struct Sys {
	sim_t *sim = sim_create(1);
	mem_t *mem = mem_create();
	physalloc_t alloc;
	smmu_t *smmu = nullptr;
	smmu_drv_t drv;
	explicit Sys(bool two_level = true, smmu_params_t p = smmu_params_default())
	{
		physalloc_init(&alloc, 0x8000'0000, 512 * MiB);
		smmu = smmu_create(sim, &p, mem_port_direct(mem), "smmu0");
		EXPECT_NE(smmu, nullptr);
		EXPECT_EQ(smmu_drv_probe(&drv, smmu, sim, mem, &alloc, two_level), 0);
	}
	~Sys()
	{
		smmu_drv_free(&drv);
		smmu_destroy(smmu);
		mem_destroy(mem);
		sim_destroy(sim);
	}
	iopgtable_t pgtable(uint8_t stage, unsigned ias = 48)
	{
		iopgtable_t pt;
		EXPECT_EQ(iopgtable_init(&pt, mem, &alloc, stage, 12, ias, 48), IOPT_OK);
		return pt;
	}
	smmu_xlate_t xlate(uint32_t sid, uint64_t addr, smmu_access_t a = kRead, bool ssv = false,
			   uint32_t ssid = 0, tlp_at_t at = TLP_AT_UNTRANSLATED)
	{
		smmu_txn_t t{sid, ssv, ssid, addr, a, at};
		smmu_xlate_t x;
		smmu_translate(smmu, &t, &x);
		return x;
	}
	std::vector<smmu_evt_rec_t> events()
	{
		std::vector<smmu_evt_rec_t> v(256);
		v.resize(smmu_drv_events(&drv, v.data(), 256));
		return v;
	}
	// A stream translated by stage 1 with one CD (no PASID).
	iopgtable_t stage1_stream(uint32_t sid, bool record = true, bool stall = false)
	{
		iopgtable_t pt = pgtable(1);
		iofab_test::attach_stage1(&drv, &pt, sid, 7, record, stall);
		return pt;
	}
};

} // namespace

TEST(Smmu, IdRegistersDescribeTheConfiguredFeatures)
{
	smmu_params_t p = smmu_params_default();
	p.s2p = false;
	p.ats = false;
	p.sidsize = 12;
	p.ssidsize = 8;
	p.oas = 44;
	p.gran16k = false;
	Sys s(true, p);
	uint32_t idr0 = (uint32_t)smmu_mmio_read(s.smmu, SMMU_IDR0, 4);
	EXPECT_EQ(SMMU_GET(idr0, IDR0_S1P), 1u);
	EXPECT_EQ(SMMU_GET(idr0, IDR0_S2P), 0u);
	EXPECT_EQ(SMMU_GET(idr0, IDR0_ATS), 0u);
	EXPECT_EQ(SMMU_GET(idr0, IDR0_TTF), 2u);
	EXPECT_EQ(SMMU_GET(idr0, IDR0_ST_LEVEL), 1u);
	uint32_t idr1 = (uint32_t)smmu_mmio_read(s.smmu, SMMU_IDR1, 4);
	EXPECT_EQ(SMMU_GET(idr1, IDR1_SIDSIZE), 12u);
	EXPECT_EQ(SMMU_GET(idr1, IDR1_SSIDSIZE), 8u);
	uint32_t idr5 = (uint32_t)smmu_mmio_read(s.smmu, SMMU_IDR5, 4);
	EXPECT_EQ(smmu_oas_bits((unsigned)SMMU_GET(idr5, IDR5_OAS)), 44u);
	EXPECT_EQ(SMMU_GET(idr5, IDR5_GRAN16K), 0u);
	EXPECT_EQ(SMMU_GET(idr5, IDR5_GRAN4K), 1u);
	// The driver's reset left the SMMU enabled, with CR0ACK following CR0.
	EXPECT_EQ(smmu_mmio_read(s.smmu, SMMU_CR0ACK, 4), smmu_mmio_read(s.smmu, SMMU_CR0, 4));
	EXPECT_EQ(SMMU_GET(smmu_mmio_read(s.smmu, SMMU_CR0, 4), CR0_SMMUEN), 1u);
}

TEST(Smmu, GlobalBypassAttributeDecidesWhileDisabled)
{
	sim_t *sim = sim_create(1);
	mem_t *mem = mem_create();
	smmu_params_t p = smmu_params_default();
	smmu_t *smmu = smmu_create(sim, &p, mem_port_direct(mem), "s");
	smmu_txn_t t{5, false, 0, 0x1234, kRead, TLP_AT_UNTRANSLATED};
	smmu_xlate_t x;
	smmu_translate(smmu, &t, &x); // reset: GBPA.ABORT
	EXPECT_EQ(x.outcome, SMMU_XLATE_ABORT);
	EXPECT_EQ(x.path, SMMU_PATH_GBPA_ABORT);
	smmu_mmio_write(smmu, SMMU_GBPA, 0, 4); // without UPDATE: ignored
	smmu_translate(smmu, &t, &x);
	EXPECT_EQ(x.outcome, SMMU_XLATE_ABORT);
	smmu_mmio_write(smmu, SMMU_GBPA, SMMU_PREP(GBPA_UPDATE, 1), 4);
	EXPECT_EQ(SMMU_GET(smmu_mmio_read(smmu, SMMU_GBPA, 4), GBPA_UPDATE), 0u);
	smmu_translate(smmu, &t, &x);
	EXPECT_EQ(x.outcome, SMMU_XLATE_OK);
	EXPECT_EQ(x.path, SMMU_PATH_GBPA_BYPASS);
	EXPECT_EQ(x.pa, 0x1234u);
	smmu_destroy(smmu);
	mem_destroy(mem);
	sim_destroy(sim);
}

TEST(Smmu, AbortAndBypassStreamTableEntries)
{
	for (bool two_level : {false, true}) {
		Sys s(two_level);
		// Every STE of a known stream starts as abort (with a 2-level table the driver
		// allocates the level-2 table when the device is added): no event, an abort.
		ASSERT_NE(smmu_drv_ste_addr(&s.drv, 0x300), 0u);
		smmu_xlate_t x = s.xlate(0x300, 0x1000);
		EXPECT_EQ(x.outcome, SMMU_XLATE_ABORT) << two_level;
		uint64_t ste[8];
		smmu_ste_bypass(ste);
		ASSERT_EQ(smmu_drv_write_ste(&s.drv, 0x300, ste), 0);
		x = s.xlate(0x300, 0xdead'b000);
		EXPECT_EQ(x.outcome, SMMU_XLATE_OK);
		EXPECT_EQ(x.path, SMMU_PATH_STE_BYPASS);
		EXPECT_EQ(x.pa, 0xdead'b000u);
		EXPECT_TRUE(s.events().empty());
	}
}

TEST(Smmu, Stage1TranslationThroughTheStreamsContextDescriptor)
{
	Sys s;
	iopgtable_t pt = s.stage1_stream(0x0100);
	ASSERT_EQ(iopgtable_map(&pt, 0x40'0000, 0x1'2345'6000, 4 * KiB, IOPT_READ | IOPT_WRITE), IOPT_OK);
	smmu_xlate_t x = s.xlate(0x0100, 0x40'0010, kWrite);
	ASSERT_EQ(x.outcome, SMMU_XLATE_OK) << smmu_event_name(x.event);
	EXPECT_EQ(x.path, SMMU_PATH_S1);
	EXPECT_EQ(x.pa, 0x1'2345'6010u);
	EXPECT_EQ(x.asid, 7);
	EXPECT_EQ(x.walk.nreads, 4u);
	EXPECT_EQ(x.config_reads, 3u); // L1STD, STE, CD
}

TEST(Smmu, Stage2AndNestedTranslation)
{
	Sys s;
	// Stage 2 only: a VM's device, IPA = what the device uses.
	iopgtable_t s2 = s.pgtable(2, 40);
	ASSERT_EQ(iopgtable_map(&s2, 0x8000'0000, 0x2'0000'0000, 2 * MiB, IOPT_READ | IOPT_WRITE), IOPT_OK);
	uint64_t ste[8];
	smmu_ste_s2(ste, &s2, 3, STE_EATS_ABORT);
	ASSERT_EQ(smmu_drv_write_ste(&s.drv, 0x0200, ste), 0);
	smmu_xlate_t x = s.xlate(0x0200, 0x8000'1234, kWrite);
	ASSERT_EQ(x.outcome, SMMU_XLATE_OK) << smmu_event_name(x.event);
	EXPECT_EQ(x.path, SMMU_PATH_S2);
	EXPECT_EQ(x.pa, 0x2'0000'1234u);
	EXPECT_EQ(x.vmid, 3);

	// Nested: the guest's CD and stage-1 tables live in guest memory (IPA 0x8000_0000 +),
	// which stage 2 maps to PA 0x2_0000_0000 +.
	physalloc_t guest;
	physalloc_init(&guest, 0x2'0000'0000, 2 * MiB); // allocate at PA, program IPAs
	iopgtable_t s1;
	ASSERT_EQ(iopgtable_init(&s1, s.mem, &guest, 1, 12, 48, 40), IOPT_OK);
	ASSERT_EQ(iopgtable_map(&s1, 0x1000, 0x8010'0000, 4 * KiB, IOPT_READ), IOPT_OK);
	// Rewrite the guest's table pointers as IPAs (PA - 0x1_8000_0000).
	const uint64_t off = 0x2'0000'0000 - 0x8000'0000;
	uint64_t dpas[3];
	for (int level = 0; level < 3; level++)
		dpas[level] = iopgtable_desc_addr(&s1, 0x1000, level);
	for (uint64_t dpa : dpas) {
		uint8_t b[8];
		mem_read(s.mem, dpa, b, 8);
		uint64_t dsc = mem_le64(b);
		mem_put_le64(b, dsc - off);
		mem_write(s.mem, dpa, b, 8);
	}
	s1.tt.ttb -= off;
	uint64_t cd_pa = physalloc_alloc(&guest, 64, 64);
	uint64_t cd[8];
	smmu_cd_build(cd, &s1, 9, true);
	uint8_t raw[64];
	for (int i = 0; i < 8; i++)
		mem_put_le64(raw + 8 * i, cd[i]);
	mem_write(s.mem, cd_pa, raw, 64);
	smmu_ste_nested(ste, cd_pa - off, 0, STE_S1FMT_LINEAR, STE_S1DSS_SSID0, &s2, 3, STE_EATS_ABORT);
	ASSERT_EQ(smmu_drv_write_ste(&s.drv, 0x0201, ste), 0);
	x = s.xlate(0x0201, 0x1008);
	ASSERT_EQ(x.outcome, SMMU_XLATE_OK)
		<< smmu_event_name(x.event) << " stage " << (int)x.walk.fault_stage << " level "
		<< (int)x.walk.fault_level << " class " << (int)x.walk.fault_class << " ipa 0x" << std::hex
		<< x.walk.fault_ipa << " path " << smmu_path_name(x.path);
	EXPECT_EQ(x.path, SMMU_PATH_NESTED);
	EXPECT_EQ(x.pa, 0x2'0010'0008u); // IPA 0x8010_0008, in stage 2's block at 0x8000_0000
	EXPECT_EQ(x.asid, 9);
}

TEST(Smmu, PasidSelectsTheContextDescriptorLinearAndTwoLevel)
{
	for (bool two_level_cd : {false, true}) {
		Sys s;
		const unsigned cdmax = two_level_cd ? 16 : 4;
		unsigned fmt;
		uint64_t cdtab = smmu_drv_alloc_cdtab(&s.drv, cdmax, two_level_cd, &fmt);
		EXPECT_EQ(fmt, two_level_cd ? (unsigned)STE_S1FMT_64K_L2 : (unsigned)STE_S1FMT_LINEAR);
		iopgtable_t a = s.pgtable(1), b = s.pgtable(1);
		ASSERT_EQ(iopgtable_map(&a, 0x1000, 0xA000'0000, 4 * KiB, IOPT_READ), IOPT_OK);
		ASSERT_EQ(iopgtable_map(&b, 0x1000, 0xB000'0000, 4 * KiB, IOPT_READ), IOPT_OK);
		uint64_t cd[8];
		const uint32_t pasid_b = two_level_cd ? 0x4321 : 5;
		smmu_cd_build(cd, &a, 1, true);
		ASSERT_EQ(smmu_drv_write_cd(&s.drv, 0x10, cdtab, fmt, 0, cd), 0);
		smmu_cd_build(cd, &b, 2, true);
		ASSERT_EQ(smmu_drv_write_cd(&s.drv, 0x10, cdtab, fmt, pasid_b, cd), 0);
		uint64_t ste[8];
		smmu_ste_s1(ste, cdtab, cdmax, fmt, STE_S1DSS_SSID0, STE_EATS_ABORT);
		ASSERT_EQ(smmu_drv_write_ste(&s.drv, 0x10, ste), 0);

		EXPECT_EQ(s.xlate(0x10, 0x1000).pa, 0xA000'0000u);                     // no PASID: CD 0
		EXPECT_EQ(s.xlate(0x10, 0x1000, kRead, true, pasid_b).pa, 0xB000'0000u); // PASID b
		// CD 0 is reserved for PASID-less traffic (S1DSS=SSID0); an unwritten PASID's CD
		// is invalid; a PASID beyond S1CDMax is out of range.
		EXPECT_EQ(s.xlate(0x10, 0x1000, kRead, true, 0).event, SMMU_EVT_C_BAD_SUBSTREAMID);
		EXPECT_EQ(s.xlate(0x10, 0x1000, kRead, true, 3).event, SMMU_EVT_C_BAD_CD);
		EXPECT_EQ(s.xlate(0x10, 0x1000, kRead, true, 1u << cdmax).event, SMMU_EVT_C_BAD_SUBSTREAMID);
		if (two_level_cd) { // a PASID whose level-2 leaf was never allocated
			EXPECT_EQ(s.xlate(0x10, 0x1000, kRead, true, 0xF000).event,
				  SMMU_EVT_C_BAD_SUBSTREAMID);
		}
	}
}

TEST(Smmu, DefaultSubstreamForTrafficWithoutPasid)
{
	Sys s;
	unsigned fmt;
	uint64_t cdtab = smmu_drv_alloc_cdtab(&s.drv, 2, false, &fmt);
	iopgtable_t a = s.pgtable(1);
	ASSERT_EQ(iopgtable_map(&a, 0x1000, 0xA000'0000, 4 * KiB, IOPT_READ), IOPT_OK);
	uint64_t cd[8];
	smmu_cd_build(cd, &a, 1, true);
	ASSERT_EQ(smmu_drv_write_cd(&s.drv, 0x20, cdtab, fmt, 1, cd), 0);
	uint64_t ste[8];
	smmu_ste_s1(ste, cdtab, 2, fmt, STE_S1DSS_TERMINATE, STE_EATS_ABORT);
	ASSERT_EQ(smmu_drv_write_ste(&s.drv, 0x20, ste), 0);
	EXPECT_EQ(s.xlate(0x20, 0x1000).event, SMMU_EVT_F_STREAM_DISABLED);
	EXPECT_EQ(s.xlate(0x20, 0x1000, kRead, true, 1).pa, 0xA000'0000u);
	smmu_ste_s1(ste, cdtab, 2, fmt, STE_S1DSS_BYPASS, STE_EATS_ABORT);
	ASSERT_EQ(smmu_drv_write_ste(&s.drv, 0x20, ste), 0);
	smmu_xlate_t x = s.xlate(0x20, 0x5555'0000);
	EXPECT_EQ(x.outcome, SMMU_XLATE_OK);
	EXPECT_EQ(x.path, SMMU_PATH_S1DSS_BYPASS);
	EXPECT_EQ(x.pa, 0x5555'0000u);
}

TEST(Smmu, ConfigurationErrorsRaiseTheirEvents)
{
	Sys s;
	// StreamID beyond the stream table (SIDSIZE 16): C_BAD_STREAMID (CR2.RECINVSID is set).
	EXPECT_EQ(s.xlate(0x10000, 0).event, SMMU_EVT_C_BAD_STREAMID);
	// A level-1 entry never allocated (Span 0).
	EXPECT_EQ(s.xlate(0x7700, 0).event, SMMU_EVT_C_BAD_STREAMID);
	// STE with V=0, and with a reserved Config.
	uint64_t ste[8];
	smmu_ste_bypass(ste);
	ste[0] &= ~SMMU_MASK(STE0_V);
	ASSERT_EQ(smmu_drv_write_ste(&s.drv, 0x0501, ste), 0);
	EXPECT_EQ(s.xlate(0x0501, 0).event, SMMU_EVT_C_BAD_STE);
	smmu_ste_bypass(ste);
	ste[0] = (ste[0] & ~SMMU_MASK(STE0_CONFIG)) | SMMU_PREP(STE0_CONFIG, 2);
	ASSERT_EQ(smmu_drv_write_ste(&s.drv, 0x0502, ste), 0);
	EXPECT_EQ(s.xlate(0x0502, 0).event, SMMU_EVT_C_BAD_STE);
	// Stage 2 with S2SL0 inconsistent with S2T0SZ (a 40-bit IPA cannot start at level 2).
	iopgtable_t s2 = s.pgtable(2, 40);
	smmu_ste_s2(ste, &s2, 1, 0);
	ste[2] = (ste[2] & ~SMMU_MASK(STE2_S2SL0)) | SMMU_PREP(STE2_S2SL0, 0);
	ASSERT_EQ(smmu_drv_write_ste(&s.drv, 0x0503, ste), 0);
	EXPECT_EQ(s.xlate(0x0503, 0).event, SMMU_EVT_C_BAD_STE);
	// The stream table itself outside memory: F_STE_FETCH with the fetch address.
	// (A CD with V=0 and an unreadable CD are covered below.)
	iopgtable_t pt = s.stage1_stream(0x0504);
	(void)pt;
	uint64_t ste_pa = smmu_drv_ste_addr(&s.drv, 0x0504);
	uint8_t b[8];
	mem_read(s.mem, ste_pa, b, 8);
	uint64_t cd_pa = mem_le64(b) & SMMU_MASK(STE0_S1CTXPTR);
	mem_read(s.mem, cd_pa, b, 8);
	mem_put_le64(b, mem_le64(b) & ~SMMU_MASK(CD0_V));
	mem_write(s.mem, cd_pa, b, 8);
	EXPECT_EQ(s.xlate(0x0504, 0).event, SMMU_EVT_C_BAD_CD);
	std::vector<smmu_evt_rec_t> ev = s.events();
	ASSERT_EQ(ev.size(), 6u);
	EXPECT_EQ(ev[0].id, SMMU_EVT_C_BAD_STREAMID);
	EXPECT_EQ(ev[0].sid, 0x10000u);
	EXPECT_EQ(ev[2].id, SMMU_EVT_C_BAD_STE);
	EXPECT_EQ(ev[2].sid, 0x0501u);
	EXPECT_EQ(ev[5].id, SMMU_EVT_C_BAD_CD);
}

TEST(Smmu, FetchAbortsNameTheAddress)
{
	Sys s(/*two_level=*/true);
	// A level-1 descriptor pointing outside memory, behind a port that aborts there.
	struct Port {
		mem_t *mem;
		static mem_status_t rd(void *c, uint64_t pa, void *b, size_t n)
		{
			if (pa >= 0x1'0000'0000'0000ull)
				return MEM_ERR_ABORT;
			return mem_read(static_cast<Port *>(c)->mem, pa, b, n);
		}
		static mem_status_t wr(void *c, uint64_t pa, const void *b, size_t n)
		{
			return mem_write(static_cast<Port *>(c)->mem, pa, b, n);
		}
	};
	(void)s;
	Port port{nullptr};
	sim_t *sim = sim_create(1);
	mem_t *mem = mem_create();
	port.mem = mem;
	smmu_params_t p = smmu_params_default();
	smmu_t *smmu = smmu_create(sim, &p, mem_port_t{&Port::rd, &Port::wr, &port}, "s");
	physalloc_t alloc;
	physalloc_init(&alloc, 0x8000'0000, 64 * MiB);
	smmu_drv_t drv;
	ASSERT_EQ(smmu_drv_probe(&drv, smmu, sim, mem, &alloc, false), 0);
	uint64_t ste[8];
	smmu_ste_s1(ste, 0x2'0000'0000'0000ull, 0, 0, 0, 0); // CD beyond memory
	ASSERT_EQ(smmu_drv_write_ste(&drv, 7, ste), 0);
	smmu_txn_t t{7, false, 0, 0x1000, kRead, TLP_AT_UNTRANSLATED};
	smmu_xlate_t x;
	smmu_translate(smmu, &t, &x);
	EXPECT_EQ(x.event, SMMU_EVT_F_CD_FETCH);
	smmu_evt_rec_t ev[4];
	ASSERT_EQ(smmu_drv_events(&drv, ev, 4), 1u);
	EXPECT_EQ(ev[0].id, SMMU_EVT_F_CD_FETCH);
	EXPECT_EQ(ev[0].addr3 & SMMU_MASK(EVT3_FETCH_ADDR), 0x2'0000'0000'0000ull);
	smmu_drv_free(&drv);
	smmu_destroy(smmu);
	mem_destroy(mem);
	sim_destroy(sim);
}

TEST(Smmu, TranslationFaultsAreRecordedOnlyWhenTheCdAsks)
{
	Sys s;
	s.stage1_stream(0x30, /*record=*/true);
	s.stage1_stream(0x31, /*record=*/false);
	smmu_xlate_t x = s.xlate(0x30, 0x9999'0000, kWrite, false, 0);
	EXPECT_EQ(x.outcome, SMMU_XLATE_FAULT);
	EXPECT_EQ(x.event, SMMU_EVT_F_TRANSLATION);
	EXPECT_TRUE(x.evt_recorded);
	x = s.xlate(0x31, 0x9999'0000);
	EXPECT_EQ(x.event, SMMU_EVT_F_TRANSLATION);
	EXPECT_FALSE(x.evt_recorded);
	std::vector<smmu_evt_rec_t> ev = s.events();
	ASSERT_EQ(ev.size(), 1u);
	EXPECT_EQ(ev[0].id, SMMU_EVT_F_TRANSLATION);
	EXPECT_EQ(ev[0].sid, 0x30u);
	EXPECT_EQ(ev[0].input_addr, 0x9999'0000u);
	EXPECT_FALSE(ev[0].rnw); // a write
	EXPECT_FALSE(ev[0].s2);
}

TEST(Smmu, Stage2FaultEventsCarryTheIpaAndClass)
{
	Sys s;
	iopgtable_t s2 = s.pgtable(2, 40);
	ASSERT_EQ(iopgtable_map(&s2, 0x1000, 0x9000'0000, 4 * KiB, IOPT_READ), IOPT_OK);
	uint64_t ste[8];
	smmu_ste_s2(ste, &s2, 4, 0);
	ASSERT_EQ(smmu_drv_write_ste(&s.drv, 0x40, ste), 0);
	smmu_xlate_t x = s.xlate(0x40, 0x1000, kWrite); // read-only at stage 2
	EXPECT_EQ(x.event, SMMU_EVT_F_PERMISSION);
	std::vector<smmu_evt_rec_t> ev = s.events();
	ASSERT_EQ(ev.size(), 1u);
	EXPECT_TRUE(ev[0].s2);
	EXPECT_EQ(ev[0].class_, SMMU_EVT_CLASS_IN);
	EXPECT_EQ(ev[0].addr3 & SMMU_MASK(EVT3_IPA), 0x1000u);
}

TEST(Smmu, AtsTranslatedRequestsNeedFullAts)
{
	Sys s;
	iopgtable_t s2 = s.pgtable(2, 40);
	uint64_t ste[8];
	smmu_ste_s2(ste, &s2, 1, STE_EATS_ABORT);
	ASSERT_EQ(smmu_drv_write_ste(&s.drv, 0x50, ste), 0);
	smmu_ste_s2(ste, &s2, 2, STE_EATS_TRANS);
	ASSERT_EQ(smmu_drv_write_ste(&s.drv, 0x51, ste), 0);
	// A device that claims its address is translated, without ATS enabled: forbidden.
	EXPECT_EQ(s.xlate(0x50, 0xC000'0000, kWrite, false, 0, TLP_AT_TRANSLATED).event,
		  SMMU_EVT_F_TRANSL_FORBIDDEN);
	EXPECT_EQ(s.xlate(0x50, 0xC000'0000, kRead, false, 0, TLP_AT_TRANSLATION_REQ).event,
		  SMMU_EVT_F_BAD_ATS_TREQ);
	// With EATS=1 the translated address goes through untranslated: ATS trusts the device.
	smmu_xlate_t x = s.xlate(0x51, 0xC000'0000, kWrite, false, 0, TLP_AT_TRANSLATED);
	EXPECT_EQ(x.outcome, SMMU_XLATE_OK);
	EXPECT_EQ(x.path, SMMU_PATH_ATS_TRANSLATED);
	EXPECT_EQ(x.pa, 0xC000'0000u);
	// A translation request that faults is answered, not recorded.
	x = s.xlate(0x51, 0xC000'0000, kRead, false, 0, TLP_AT_TRANSLATION_REQ);
	EXPECT_EQ(x.event, SMMU_EVT_F_TRANSLATION);
	EXPECT_FALSE(x.evt_recorded);
	std::vector<smmu_evt_rec_t> ev = s.events();
	ASSERT_EQ(ev.size(), 2u);
	EXPECT_EQ(ev[0].id, SMMU_EVT_F_TRANSL_FORBIDDEN);
	EXPECT_EQ(ev[1].id, SMMU_EVT_F_BAD_ATS_TREQ);
}

TEST(Smmu, EventQueueOverflowLosesEventsAndSaysSo)
{
	Sys s;
	s.stage1_stream(0x60);
	const unsigned entries = 1u << s.drv.evtq_log2;
	for (unsigned i = 0; i < entries + 5; i++)
		s.xlate(0x60, 0x7000'0000 + i * 0x1000);
	const smmu_stats_t *st = smmu_stats(s.smmu);
	EXPECT_EQ(st->events_written, entries);
	EXPECT_EQ(st->events_lost, 5u);
	uint32_t prod = (uint32_t)smmu_mmio_read(s.smmu, SMMU_EVENTQ_PROD, 4);
	EXPECT_EQ(SMMU_GET(prod, EVENTQ_PROD_OVFLG), 1u);
	EXPECT_EQ(s.events().size(), entries); // drained; overflow acknowledged
	uint32_t cons = (uint32_t)smmu_mmio_read(s.smmu, SMMU_EVENTQ_CONS, 4);
	EXPECT_EQ(SMMU_GET(cons, EVENTQ_CONS_OVACKFLG), 1u);
	s.xlate(0x60, 0x6000'0000);
	EXPECT_EQ(s.events().size(), 1u); // recording resumes
}

TEST(Smmu, CommandsTakeSimulatedTimeAndSyncSignalsByMsi)
{
	Sys s;
	sim_time_t t0 = sim_now(s.sim);
	for (int i = 0; i < 3; i++)
		smmu_drv_cmd(&s.drv, SMMU_PREP(CMD0_OPCODE, SMMU_CMD_TLBI_NH_ASID) | SMMU_PREP(CMD0_ASID, 1), 0);
	ASSERT_EQ(smmu_drv_sync(&s.drv), 0);
	// 3 invalidations of (4 + 16) TCU cycles, then the SYNC's 4: 64 cycles at 600 MHz.
	sim_time_t took = sim_now(s.sim) - t0;
	EXPECT_GE(took, 64u * 1000000 / 600);
	EXPECT_LE(took, 65u * 1000000 / 600 + 1);
	EXPECT_GE(smmu_stats(s.smmu)->syncs, 1u);
}

TEST(Smmu, IllegalCommandStopsTheQueueUntilAcknowledged)
{
	Sys s;
	uint64_t before = smmu_stats(s.smmu)->commands;
	smmu_drv_cmd(&s.drv, SMMU_PREP(CMD0_OPCODE, 0x7f), 0); // no such command
	smmu_drv_cmd(&s.drv, SMMU_PREP(CMD0_OPCODE, SMMU_CMD_TLBI_NSNH_ALL), 0);
	// Consumption stops at the bad command with CERROR_ILL and GERROR.CMDQ_ERR; the driver
	// acknowledges, replaces it, and the later commands and the SYNC complete.
	EXPECT_EQ(smmu_drv_sync(&s.drv), SMMU_CERROR_ILL);
	EXPECT_EQ(smmu_stats(s.smmu)->cmd_errors, 1u);
	EXPECT_EQ(smmu_stats(s.smmu)->commands, before + 3); // replacement, TLBI, SYNC
	uint32_t gerror = (uint32_t)smmu_mmio_read(s.smmu, SMMU_GERROR, 4);
	uint32_t gerrorn = (uint32_t)smmu_mmio_read(s.smmu, SMMU_GERRORN, 4);
	EXPECT_EQ(gerror, gerrorn); // no error active any more
}

TEST(Smmu, CommandsNeedTheFeaturesTheyUse)
{
	smmu_params_t p = smmu_params_default();
	p.s2p = false;
	p.ats = false;
	Sys s(true, p);
	smmu_drv_cmd(&s.drv, SMMU_PREP(CMD0_OPCODE, SMMU_CMD_TLBI_S12_VMALL), 0);
	EXPECT_EQ(smmu_drv_sync(&s.drv), SMMU_CERROR_ILL);
	smmu_drv_cmd(&s.drv, SMMU_PREP(CMD0_OPCODE, SMMU_CMD_ATC_INV), 0);
	EXPECT_EQ(smmu_drv_sync(&s.drv), SMMU_CERROR_ILL);
	smmu_drv_cmd(&s.drv, SMMU_PREP(CMD0_OPCODE, SMMU_CMD_TLBI_NH_ALL), 0);
	EXPECT_EQ(smmu_drv_sync(&s.drv), 0);
}

namespace {
// What the SMMU reported back about stalled transactions it ended.
struct StallLog {
	struct Done {
		uint32_t sid;
		uint16_t stag;
		bool retried;
		smmu_xlate_t x;
	};
	std::vector<Done> done;
	static void cb(void *ctx, uint32_t sid, uint16_t stag, bool retried, const smmu_xlate_t *x)
	{
		static_cast<StallLog *>(ctx)->done.push_back({sid, stag, retried, *x});
	}
};

uint64_t resume_cmd(uint32_t sid, unsigned action)
{
	return SMMU_PREP(CMD0_OPCODE, SMMU_CMD_RESUME) | SMMU_PREP(CMD0_SID, sid) |
	       SMMU_PREP(CMD0_RESUME_ACTION, action);
}
} // namespace

TEST(Smmu, StalledTransactionRetriedByResumeSeesTheFixedTables)
{
	Sys s;
	StallLog log;
	smmu_set_stall_client(s.smmu, StallLog::cb, &log);
	iopgtable_t pt = s.stage1_stream(0x40, true, /*stall=*/true);
	smmu_xlate_t x = s.xlate(0x40, 0x20'0000, kWrite);
	EXPECT_EQ(x.outcome, SMMU_XLATE_FAULT);
	ASSERT_TRUE(x.stalled);
	EXPECT_EQ(smmu_stalled(s.smmu), 1u);
	std::vector<smmu_evt_rec_t> ev = s.events();
	ASSERT_EQ(ev.size(), 1u);
	EXPECT_EQ(ev[0].id, SMMU_EVT_F_TRANSLATION);
	EXPECT_TRUE(ev[0].stall);
	EXPECT_EQ(ev[0].stag, x.stag);
	// Software handles the fault (maps the page), then resumes the transaction.
	ASSERT_EQ(iopgtable_map(&pt, 0x20'0000, 0x9000'0000, 4 * KiB, IOPT_READ | IOPT_WRITE),
		  IOPT_OK);
	ASSERT_EQ(smmu_drv_cmd(&s.drv, resume_cmd(0x40, SMMU_RESUME_RETRY), x.stag), 0);
	EXPECT_TRUE(log.done.empty()); // nothing happens before the SMMU consumes the command
	ASSERT_EQ(smmu_drv_sync(&s.drv), 0);
	ASSERT_EQ(log.done.size(), 1u);
	EXPECT_EQ(log.done[0].sid, 0x40u);
	EXPECT_EQ(log.done[0].stag, x.stag);
	EXPECT_TRUE(log.done[0].retried);
	EXPECT_EQ(log.done[0].x.outcome, SMMU_XLATE_OK);
	EXPECT_EQ(log.done[0].x.pa, 0x9000'0000u);
	EXPECT_EQ(smmu_stalled(s.smmu), 0u);
	EXPECT_EQ(smmu_stats(s.smmu)->resumes, 1u);
}

TEST(Smmu, ResumeTerminateAndStallTermEndStalledTransactions)
{
	Sys s;
	StallLog log;
	smmu_set_stall_client(s.smmu, StallLog::cb, &log);
	s.stage1_stream(0x40, true, true);
	s.stage1_stream(0x41, true, true);
	smmu_xlate_t a = s.xlate(0x40, 0x1000), b = s.xlate(0x40, 0x2000), c = s.xlate(0x41, 0x3000);
	ASSERT_TRUE(a.stalled && b.stalled && c.stalled);
	EXPECT_NE(a.stag, b.stag);
	EXPECT_EQ(smmu_stalled(s.smmu), 3u);
	// A RESUME naming a STAG that is not stalled is ignored, without a command error.
	ASSERT_EQ(smmu_drv_cmd(&s.drv, resume_cmd(0x41, SMMU_RESUME_RETRY), a.stag + 100u), 0);
	ASSERT_EQ(smmu_drv_sync(&s.drv), 0);
	EXPECT_TRUE(log.done.empty());
	// Terminate one of stream 0x40's; then STALL_TERM ends the rest of that stream.
	ASSERT_EQ(smmu_drv_cmd(&s.drv, resume_cmd(0x40, SMMU_RESUME_TERMINATE), b.stag), 0);
	ASSERT_EQ(smmu_drv_cmd(&s.drv,
			       SMMU_PREP(CMD0_OPCODE, SMMU_CMD_STALL_TERM) | SMMU_PREP(CMD0_SID, 0x40),
			       0),
		  0);
	ASSERT_EQ(smmu_drv_sync(&s.drv), 0);
	ASSERT_EQ(log.done.size(), 2u);
	EXPECT_EQ(log.done[0].stag, b.stag);
	EXPECT_EQ(log.done[1].stag, a.stag);
	for (const auto &d : log.done) {
		EXPECT_EQ(d.sid, 0x40u);
		EXPECT_FALSE(d.retried);
		EXPECT_EQ(d.x.outcome, SMMU_XLATE_FAULT);
		EXPECT_EQ(d.x.event, SMMU_EVT_F_TRANSLATION);
	}
	EXPECT_EQ(smmu_stalled(s.smmu), 1u); // stream 0x41's is still held
}

TEST(Smmu, StallNeedsAFreeSlotAndARecordedEvent)
{
	smmu_params_t p = smmu_params_default();
	p.stall_max = 1;
	Sys s(true, p);
	EXPECT_EQ(SMMU_GET(smmu_mmio_read(s.smmu, SMMU_IDR5, 4), IDR5_STALL_MAX), 1u);
	s.stage1_stream(0x40, true, true);
	EXPECT_TRUE(s.xlate(0x40, 0x1000).stalled);
	smmu_xlate_t x = s.xlate(0x40, 0x2000); // no slot left: terminated at once
	EXPECT_FALSE(x.stalled);
	EXPECT_TRUE(x.stall_refused);
	EXPECT_EQ(x.outcome, SMMU_XLATE_FAULT);
	EXPECT_TRUE(x.evt_recorded);
	std::vector<smmu_evt_rec_t> ev = s.events();
	ASSERT_EQ(ev.size(), 2u);
	EXPECT_TRUE(ev[0].stall);
	EXPECT_FALSE(ev[1].stall);
}
