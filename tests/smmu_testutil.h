// SPDX-License-Identifier: MIT
// smmu_testutil.h — the set-up the SMMU suites share: a stream translated by stage 1 through
// one context descriptor (no PASID), programmed by the driver layer as Linux does it.
#pragma once

#include <gtest/gtest.h>

extern "C" {
#include "iopgtable.h"
#include "smmu.h"
#include "smmu_drv.h"
}

namespace iofab_test {

// Points StreamID `sid` at a CD for `pt` with ASID `asid` (CD.R = record, CD.S = stall).
inline void attach_stage1(smmu_drv_t *drv, const iopgtable_t *pt, uint32_t sid, uint16_t asid,
			  bool record = true, bool stall = false)
{
	unsigned fmt;
	uint64_t cdtab = smmu_drv_alloc_cdtab(drv, 0, false, &fmt);
	uint64_t cd[8];
	smmu_cd_build(cd, pt, asid, record);
	if (stall)
		cd[0] |= SMMU_PREP(CD0_S, 1);
	EXPECT_EQ(smmu_drv_write_cd(drv, sid, cdtab, fmt, 0, cd), 0);
	uint64_t ste[8];
	smmu_ste_s1(ste, cdtab, 0, fmt, STE_S1DSS_SSID0, STE_EATS_ABORT);
	EXPECT_EQ(smmu_drv_write_ste(drv, sid, ste), 0);
}

} // namespace iofab_test
