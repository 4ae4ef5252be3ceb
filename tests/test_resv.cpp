// SPDX-License-Identifier: MIT
// IOMMU reserved regions per group, as /sys/kernel/iommu_groups/N/reserved_regions shows them:
// the SMMU's software MSI window, hardware MSI doorbells when MSIs bypass the SMMU, and the
// platform's own regions; sorted, same-type neighbours merged, a group the union of its
// functions'.
#include <gtest/gtest.h>

#include <string>

#include "testutil.h"

extern "C" {
#include "report.h"
#include "resv.h"
}

namespace {

std::string platform(const std::string &msi, const std::string &resv)
{
	return R"(name: t
memory:
  - { name: dram0, base: 0x80000000, size: 1G }
gic:
  its: [ { name: its0, base: 0x30040000 } ]
  v2m: [ { name: v2m0, base: 0x2c1c0000, spis: { base: 64, count: 32 } } ]
smmus:
  - { name: smmu0, base: 0x2b400000, streams: [ { rc: rc0 } ], msi: )" +
	       msi + R"( }
root_complexes:
  - name: rc0
    mmio: { base: 0x40000000, size: 256M }
    ports:
      - { root_port: rp0, acs: full, link: { endpoint: e0, bars: [16K] } }
      - root_port: rp1
        link: { endpoint: mf, functions: [ { fn: 0, name: mf.f0, bars: [16K] }, { fn: 1, name: mf.f1, bars: [16K] } ] }
)" + resv;
}

// `iofab resv` for a platform's text.
std::string resv(const std::string &yaml, std::string *errors = nullptr)
{
	platform_t p;
	std::string e;
	if (!iofab_test::load_platform(yaml, &p, &e)) {
		if (errors)
			*errors = e;
		return "(rejected)";
	}
	iommu_groups_t g;
	EXPECT_TRUE(groups_compute(&p, &g));
	char *buf = nullptr;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	EXPECT_TRUE(report_resv_text(f, &p, &g));
	fclose(f);
	std::string out(buf, len);
	free(buf);
	groups_free(&g);
	platform_free(&p);
	return out;
}

const char *kGroups = "/sys/kernel/iommu_groups/";

TEST(Resv, EveryGroupBehindTheSmmuHasItsSoftwareMsiWindow)
{
	std::string out = resv(platform("window", ""));
	// Groups: rp0; rp1 with both functions of mf (no ACS at rp1); e0.
	std::string want;
	for (int g = 0; g < 3; g++)
		want += kGroups + std::to_string(g) +
			"/reserved_regions:0x0000000008000000 0x00000000080fffff msi\n";
	EXPECT_EQ(out, want);
}

TEST(Resv, DoorbellsBeforeTheSmmuAreHardwareMsiRegions)
{
	std::string out = resv(platform("bypass", ""));
	// The GICv2m frame, the software window, the ITS's translation frame: sorted by start.
	std::string g0 = std::string(kGroups) + "0/reserved_regions:";
	EXPECT_EQ(out.substr(0, out.find(std::string(kGroups) + "1/")),
		  g0 + "0x0000000008000000 0x00000000080fffff msi\n" + g0 +
			  "0x000000002c1c0000 0x000000002c1c0fff msi\n" + g0 +
			  "0x0000000030050000 0x000000003005ffff msi\n");
}

TEST(Resv, PlatformRegionsAreSortedMergedByTypeAndJoinedPerGroup)
{
	std::string out = resv(platform("{ window: 0x10000000, size: 1M }", R"(reserved_regions:
  - { name: fw-a, base: 0x90000000, size: 64K, type: direct, functions: [mf.f1] }
  - { name: fw-b, base: 0x90010000, size: 64K, type: direct, functions: [mf.f0] }
  - { name: relax, base: 0x90008000, size: 4K, type: direct-relaxable, functions: [mf.f0] }
  - { name: hole, base: 0xfd000000, size: 16M, type: reserved }
)"));
	std::string g1 = std::string(kGroups) + "1/reserved_regions:";
	// mf's group (with rp1): fw-a (from function 1) and fw-b (function 0) touch: merged; the
	// relaxable region inside them keeps its own line; the reserved hole applies to every
	// function.
	EXPECT_NE(out.find(g1 + "0x0000000010000000 0x00000000100fffff msi\n" + g1 +
			   "0x0000000090000000 0x000000009001ffff direct\n" + g1 +
			   "0x0000000090008000 0x0000000090008fff direct-relaxable\n" + g1 +
			   "0x00000000fd000000 0x00000000fdffffff reserved\n"),
		  std::string::npos)
		<< out;
	// e0 (group 2) has only the window and the hole.
	std::string g2 = std::string(kGroups) + "2/reserved_regions:";
	EXPECT_TRUE(out.size() > g2.size() &&
		    out.substr(out.find(g2)) == g2 + "0x0000000010000000 0x00000000100fffff msi\n" +
							g2 + "0x00000000fd000000 0x00000000fdffffff reserved\n")
		<< out;
}

TEST(Resv, BadRegionsAreRejectedWithTheirPlace)
{
	std::string e;
	resv(platform("window", R"(reserved_regions:
  - { name: a, base: 0x90000000, size: 64K, type: identity }
)"),
	     &e);
	EXPECT_EQ(e, "platform.yaml:17:51: reserved_regions[0].type: unknown value 'identity' "
		     "(expected one of: direct, direct-relaxable, reserved)\n");
	resv(platform("window", R"(reserved_regions:
  - { name: a, base: 0x90000000, size: 64K, type: direct, functions: [nobody] }
)"),
	     &e);
	EXPECT_EQ(e, "platform.yaml:17:71: reserved_regions[0].functions[0]: no function 'nobody' "
		     "in this platform\n");
}

} // namespace
