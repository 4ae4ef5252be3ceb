// SPDX-License-Identifier: MIT
// The ITS, redistributors and CPU interfaces programmed the way Linux's GICv3 ITS driver
// programs them (harness/gic_drv.c): the probe's command stream, vector allocation, MSI
// translation through the device table, ITT and collection table with their caches, and the
// behaviours a GICv3 test suite checks.
#include <gtest/gtest.h>

#include "gic_testutil.h"

namespace {

using iofab_test::GicSys;

std::vector<std::string> ops(const its_drv_t &d, uint32_t from = 0)
{
	std::vector<std::string> v;
	for (uint32_t i = from; i < d.nlog; i++)
		v.push_back(its_cmd_name((unsigned)FIELD_GET(d.log[i].dw[0], GITS_CMD0_OPCODE)));
	return v;
}

TEST(Its, ProbeMapsACollectionPerCpuAsLinuxDoes)
{
	gic_params_t gp = gic_params_default();
	gp.pes = 2;
	GicSys s(its_params_default(), gp);
	EXPECT_EQ(ops(s.d), (std::vector<std::string>{"MAPC", "SYNC", "INVALL", "SYNC", "MAPC", "SYNC",
						     "INVALL", "SYNC"}));
	// PTA = 0: the target is the processor number << 16; MAPC's valid bit set.
	EXPECT_EQ(FIELD_GET(s.d.log[4].dw[2], GITS_CMD2_RDBASE), 1u);
	EXPECT_EQ(FIELD_GET(s.d.log[4].dw[2], GITS_CMD2_VALID), 1u);
	// 20 DeviceID bits of 8-byte entries exceed two 64 KiB pages: a two-level device table.
	uint64_t b0 = its_mmio_read(s.its, GITS_BASER(0), 8);
	EXPECT_EQ(FIELD_GET(b0, GITS_BASER_INDIRECT), 1u);
	EXPECT_EQ(FIELD_GET(b0, GITS_BASER_PAGE_SIZE), 2u);
	EXPECT_EQ(FIELD_GET(b0, GITS_BASER_TYPE), (uint64_t)GITS_BASER_TYPE_DEVICE);
	uint64_t typer = its_mmio_read(s.its, GITS_TYPER, 8);
	EXPECT_EQ(FIELD_GET(typer, GITS_TYPER_DEVBITS), 19u);
	EXPECT_EQ(FIELD_GET(typer, GITS_TYPER_ID_BITS), 15u);
	EXPECT_EQ(FIELD_GET(typer, GITS_TYPER_ITT_ENTRY_SIZE), 7u);
	EXPECT_EQ(FIELD_GET(its_mmio_read(s.its, GITS_CTLR, 4), GITS_CTLR_ENABLED), 1u);
	EXPECT_TRUE(s.errors().empty());
}

TEST(Its, FlatDeviceTableWhenItFitsInTwoPages)
{
	its_params_t ip = its_params_default();
	ip.devbits = 12; // 4096 entries x 8 bytes = 32 KiB: one 64 KiB page
	GicSys s(ip);
	EXPECT_EQ(FIELD_GET(its_mmio_read(s.its, GITS_BASER(0), 8), GITS_BASER_INDIRECT), 0u);
	auto *dev = its_drv_device(&s.d, 4095, 1);
	ASSERT_NE(dev, nullptr);
	uint32_t intid;
	ASSERT_EQ(its_drv_vector(&s.d, dev, 0, &intid), 0);
	its_xlate_t x = s.msi(4095, 0);
	EXPECT_EQ(x.status, ITS_OK);
	EXPECT_EQ(x.reads, 3u); // DTE, ITE, CTE: no level-1 read
}

TEST(Its, VectorAllocationIsTheLinuxCommandStream)
{
	GicSys s;
	uint32_t before = s.d.nlog;
	auto *dev = its_drv_device(&s.d, 0x200, 3);
	ASSERT_NE(dev, nullptr);
	EXPECT_EQ(dev->nr_ites, 4u); // roundup_pow_of_two(3)
	uint32_t intid[3];
	for (int i = 0; i < 3; i++)
		ASSERT_EQ(its_drv_vector(&s.d, dev, 0, &intid[i]), i);
	EXPECT_EQ(ops(s.d, before), (std::vector<std::string>{"MAPD", "MAPTI", "SYNC", "INV", "SYNC",
							      "MAPTI", "SYNC", "INV", "SYNC", "MAPTI",
							      "SYNC", "INV", "SYNC"}));
	const uint64_t *mapd = s.d.log[before].dw;
	EXPECT_EQ(FIELD_GET(mapd[1], GITS_CMD1_SIZE), 1u); // 4 EventIDs: log2(4) - 1
	EXPECT_EQ(FIELD_GET(mapd[2], GITS_CMD2_ITT_ADDR) << 8, dev->itt);
	EXPECT_EQ(dev->itt % GITS_ITT_ALIGN, 0u);
	// LPIs from 8192, first fit; vectors spread over the least-loaded CPUs.
	EXPECT_EQ(intid[0], 8192u);
	EXPECT_EQ(intid[2], 8194u);
	EXPECT_EQ(dev->col[0], 0u);
	EXPECT_EQ(dev->col[1], 1u);
	EXPECT_EQ(dev->col[2], 2u);
	EXPECT_EQ(its_drv_msi_address(&s.d), iofab_test::kItsBase + 0x10040);
	EXPECT_TRUE(s.errors().empty());
}

TEST(Its, MsiReachesTheTargetPeColdThenWarm)
{
	GicSys s;
	auto *dev = its_drv_device(&s.d, 0x200, 4);
	uint32_t intid;
	ASSERT_EQ(its_drv_vector(&s.d, dev, 1u << 5, &intid), 0); // CPU 5 only
	s.settle();
	its_xlate_t x = s.msi(0x200, 0, 77);
	ASSERT_EQ(x.status, ITS_OK);
	EXPECT_EQ(x.pe, 5);
	EXPECT_EQ(x.intid, intid);
	// Cold: level-1 entry, device table entry, ITT entry, collection entry, each a
	// dependent read; the commands' own reads do not fill the translation caches.
	EXPECT_FALSE(x.event_hit);
	EXPECT_EQ(x.reads, 4u);
	EXPECT_EQ(x.table_reads, 4 * 68 * SIM_NS);
	s.settle();
	ASSERT_EQ(s.got.size(), 1u);
	EXPECT_EQ(s.got[0].pe, 5u);
	EXPECT_EQ(s.got[0].intid, intid);
	EXPECT_EQ(s.got[0].tag, 77u);
	EXPECT_EQ(s.got[0].priority, GIC_DRV_PRIO);
	// Warm: everything hits.
	its_xlate_t w = s.msi(0x200, 0, 78);
	EXPECT_TRUE(w.event_hit);
	EXPECT_TRUE(w.collection_hit);
	EXPECT_EQ(w.reads, 0u);
	EXPECT_EQ(w.lookup, 8 * SIM_NS); // 4 cycles at 500 MHz
	s.settle();
	ASSERT_EQ(s.got.size(), 2u);
	const gic_delivery_t &g = s.got[1];
	// The breakdown adds up: ITS lookup, hop, configuration lookup (cached now), signal.
	sim_time_t arrived = g.raised_at - w.lookup - w.table_reads - w.hop;
	EXPECT_EQ(g.taken_at - arrived, w.lookup + w.hop + g.config + gic_params(s.gic)->signal);
	EXPECT_EQ(gic_stats(s.gic)->delivered, 2u);
}

TEST(Its, IntReachesExactlyItsTargetAndNothingElseIsDelivered)
{
	GicSys s;
	auto *dev = its_drv_device(&s.d, 7, 2);
	uint32_t a, b;
	ASSERT_EQ(its_drv_vector(&s.d, dev, 1u << 3, &a), 0);
	ASSERT_EQ(its_drv_vector(&s.d, dev, 1u << 6, &b), 1);
	s.settle();
	EXPECT_TRUE(s.got.empty()); // no spurious interrupt from programming
	uint64_t c[4];
	its_cmd_event(c, GITS_CMD_INT, 7, 1);
	ASSERT_EQ(its_drv_send(&s.d, c, 6), 0);
	ASSERT_EQ(its_drv_wait(&s.d), 0);
	s.settle();
	ASSERT_EQ(s.got.size(), 1u);
	EXPECT_EQ(s.got[0].pe, 6u);
	EXPECT_EQ(s.got[0].intid, b);
	for (uint32_t pe = 0; pe < 8; pe++)
		EXPECT_FALSE(gic_lpi_pending(s.gic, pe, b)) << pe;
}

TEST(Its, DisabledLpiWaitsUntilReenabledAndInvall)
{
	GicSys s;
	auto *dev = its_drv_device(&s.d, 9, 1);
	uint32_t intid;
	ASSERT_EQ(its_drv_vector(&s.d, dev, 1u << 2, &intid), 0);
	// Mask it as Linux does: clear the enable bit, INV + SYNC.
	gic_drv_lpi_config(&s.gd, intid, false, GIC_DRV_PRIO);
	uint64_t c[4];
	its_cmd_event(c, GITS_CMD_INV, 9, 0);
	ASSERT_EQ(its_drv_send(&s.d, c, 2), 0);
	ASSERT_EQ(its_drv_wait(&s.d), 0);
	EXPECT_EQ(s.msi(9, 0).status, ITS_OK);
	s.settle();
	EXPECT_TRUE(s.got.empty());
	EXPECT_TRUE(gic_lpi_pending(s.gic, 2, intid)); // pending, not delivered
	// Re-enabled in memory only: the redistributor still uses its cached (disabled) byte.
	gic_drv_lpi_config(&s.gd, intid, true, GIC_DRV_PRIO);
	s.settle();
	EXPECT_TRUE(s.got.empty());
	its_cmd_invall(c, 2);
	ASSERT_EQ(its_drv_send(&s.d, c, 2), 0);
	ASSERT_EQ(its_drv_wait(&s.d), 0);
	s.settle();
	ASSERT_EQ(s.got.size(), 1u);
	EXPECT_EQ(s.got[0].intid, intid);
	EXPECT_FALSE(gic_lpi_pending(s.gic, 2, intid));
}

TEST(Its, NothingIsDeliveredAfterMapdWithValidClear)
{
	GicSys s;
	auto *dev = its_drv_device(&s.d, 0x300, 2);
	ASSERT_EQ(its_drv_vector(&s.d, dev, 0, nullptr), 0);
	EXPECT_EQ(s.msi(0x300, 0).status, ITS_OK); // warms the caches
	s.settle();
	ASSERT_EQ(s.got.size(), 1u);
	uint64_t c[4];
	its_cmd_mapd(c, 0x300, 0, 0, false);
	s.cmd(c);
	its_xlate_t x = s.msi(0x300, 0);
	EXPECT_EQ(x.status, ITS_UNMAPPED_DEVICE); // the cached event was dropped by MAPD
	s.settle();
	EXPECT_EQ(s.got.size(), 1u);
}

TEST(Its, MoviMovesPendingStateToTheNewRedistributor)
{
	GicSys s;
	auto *dev = its_drv_device(&s.d, 5, 1);
	uint32_t intid;
	ASSERT_EQ(its_drv_vector(&s.d, dev, 1u << 1, &intid), 0);
	gic_pe_mask(s.gic, 1, true);
	gic_pe_mask(s.gic, 4, true);
	EXPECT_EQ(s.msi(5, 0, 42).status, ITS_OK);
	s.settle();
	EXPECT_TRUE(gic_lpi_pending(s.gic, 1, intid));
	ASSERT_EQ(its_drv_set_affinity(&s.d, dev, 0, 4), 0);
	EXPECT_FALSE(gic_lpi_pending(s.gic, 1, intid));
	EXPECT_TRUE(gic_lpi_pending(s.gic, 4, intid));
	s.settle();
	EXPECT_TRUE(s.got.empty());
	gic_pe_mask(s.gic, 4, false);
	s.settle();
	ASSERT_EQ(s.got.size(), 1u);
	EXPECT_EQ(s.got[0].pe, 4u);
	EXPECT_EQ(s.got[0].tag, 42u); // the same interrupt, moved
	// And later MSIs go to the new target.
	EXPECT_EQ(s.msi(5, 0).pe, 4);
}

TEST(Its, CommandErrorIsSkippedAndTheQueueGoesOn)
{
	GicSys s;
	uint64_t c[4];
	its_cmd_mapti(c, 0x400, 0, 8192, 0); // device 0x400 was never mapped
	s.cmd(c);
	EXPECT_EQ(s.last_error(), "MAPTI_UNMAPPED_DEVICE");
	EXPECT_EQ(s.errors().back().code, 0x010a04u);
	EXPECT_FALSE(its_stalled(s.its));
	auto *dev = its_drv_device(&s.d, 0x401, 1);
	ASSERT_NE(dev, nullptr);
	EXPECT_EQ(its_drv_vector(&s.d, dev, 0, nullptr), 0);
	EXPECT_EQ(s.errors().size(), 1u);
}

TEST(Its, MemoryFaultStallsTheQueueUntilRetry)
{
	GicSys s;
	auto *dev = its_drv_device(&s.d, 0x10, 2);
	ASSERT_NE(dev, nullptr);
	s.hole_lo = dev->itt; // the ITT is unreachable: MAPTI's write aborts
	s.hole_hi = dev->itt + GITS_ITT_ALIGN;
	uint64_t c[4];
	its_cmd_mapti(c, 0x10, 0, dev->lpi_base, 3);
	ASSERT_EQ(its_drv_send(&s.d, c, 3), 0);
	EXPECT_EQ(its_drv_wait(&s.d), -1);
	EXPECT_TRUE(its_stalled(s.its));
	uint64_t creadr = its_mmio_read(s.its, GITS_CREADR, 8);
	EXPECT_EQ(FIELD_GET(creadr, GITS_CREADR_STALLED), 1u);
	EXPECT_EQ(creadr & FIELD_MASK(GITS_CREADR_OFFSET), s.d.log[s.d.nlog - 2].offset);
	// Nothing further is consumed while stalled.
	s.settle();
	EXPECT_TRUE(its_stalled(s.its));
	EXPECT_EQ(s.msi(0x10, 0).status, ITS_TABLE_ABORT); // the ITT cannot be read either
	// Software repairs memory and retries: the MAPTI and its SYNC complete.
	s.hole_lo = s.hole_hi = 0;
	its_mmio_write(s.its, GITS_CWRITER, s.d.widx | FIELD_MASK(GITS_CWRITER_RETRY), 8);
	EXPECT_EQ(its_drv_wait(&s.d), 0);
	EXPECT_FALSE(its_stalled(s.its));
	EXPECT_EQ(s.msi(0x10, 0).pe, 3);
	EXPECT_TRUE(s.errors().empty());
	EXPECT_EQ(its_stats(s.its)->stalls, 1u);
}

} // namespace
