// SPDX-License-Identifier: MIT
// test_route.cpp — TLP routing through the PCIe fabric with Access Control Services
// (model/pcie_route.c), checked against PCIe Base Spec 6.3 §6.12:
//   * every ACS control at a switch downstream port (SV, TB, RR, CR, UF, EC with the six rows
//     of Table 6-11, DT), then the same at root ports with and without peer-to-peer between
//     root ports;
//   * function-level ACS inside a multi-function device (§6.12.1.2);
//   * conventional PCI below a PCIe-to-PCI bridge (no ACS; the bridge owns the Requester ID);
//   * downstream routing (host MMIO, completions by ID), Unsupported Requests;
//   * latency = sum of the hop latencies, with the default timing; determinism.
//
// Expected values come from the specification rules, not from the implementation's output.
// Platforms that test one ACS control in isolation say `kernel: { enable_acs: false }` and give
// every port's ACS Capability and Control explicitly.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "testutil.h"

namespace {

// --- platforms ---------------------------------------------------------------------------

// A loaded platform, freed with the object.
class Platform {
  public:
	explicit Platform(const std::string &yaml)
	{
		ok_ = iofab_test::load_platform(yaml, &p_, &errors_);
	}
	~Platform()
	{
		if (ok_)
			platform_free(&p_);
	}
	Platform(const Platform &) = delete;
	Platform &operator=(const Platform &) = delete;

	bool ok() const { return ok_; }
	const std::string &errors() const { return errors_; }
	const pcie_fabric_t *fabric() const { return &p_.fabric; }

	int32_t idx(const char *name) const
	{
		int32_t i = iofab_test::fn(p_, name);
		if (i < 0)
			throw std::runtime_error(std::string("no function named ") + name);
		return i;
	}
	const pcie_func_t &func(const char *name) const { return p_.fabric.funcs[idx(name)]; }
	uint16_t id(const char *name) const { return pcie_func_id(&func(name)); }
	uint64_t bar(const char *name, int b = 0) const
	{
		const pcie_bar_t &br = func(name).bars[b];
		if (!br.size)
			throw std::runtime_error(std::string(name) + " has no such BAR");
		return br.base;
	}
	std::string name_of(int32_t node) const
	{
		if (node == PCIE_NONE)
			return "rc";
		if (node < 0 || (uint32_t)node >= p_.fabric.nfuncs)
			return "?";
		return p_.fabric.funcs[node].name;
	}

  private:
	platform_t p_{};
	bool ok_ = false;
	std::string errors_;
};

#define LOAD(var, yaml)                                                                       \
	Platform var(yaml);                                                                   \
	ASSERT_TRUE(var.ok()) << var.errors()

// "{cap: [..], ctrl: [..], egress: 0x..}"
std::string acs(const std::string &cap, const std::string &ctrl, long egress = -1)
{
	std::string s = "{cap: [" + cap + "], ctrl: [" + ctrl + "]";
	if (egress >= 0) {
		char b[32];
		std::snprintf(b, sizeof b, ", egress: 0x%lx", (unsigned long)egress);
		s += b;
	}
	return s + "}";
}

// A root port that forwards redirected traffic (UF) and validates sources.
const std::string kRootUf = acs("SV, RR, CR, UF", "SV, RR, CR, UF");

// rp0 -> switch sw0 with downstream ports dp0 (Port Number 4), dp1 (5), dp2 (6), each with an
// endpoint ep0/ep1/ep2; rp1 -> ep3. The Port Numbers differ from the device numbers on purpose:
// the Egress Control Vector is indexed by Port Number.
std::string switch_platform(const std::string &dp0_acs, const std::string &others_acs = "none",
			    const std::string &rp_acs = kRootUf)
{
	return R"(name: acs-switch
kernel: { enable_acs: false }
memory:
  - { name: dram, base: 0x80000000, size: 2G }
root_complexes:
  - name: rc0
    mmio: { base: 0x40000000, size: 256M }
    ports:
      - root_port: rp0
        acs: )" + rp_acs + R"(
        link:
          switch: sw0
          downstream:
            - port: dp0
              port_number: 4
              acs: )" + dp0_acs + R"(
              link: { endpoint: ep0, bars: [16K] }
            - port: dp1
              port_number: 5
              acs: )" + others_acs + R"(
              link: { endpoint: ep1, bars: [16K] }
            - port: dp2
              port_number: 6
              acs: )" + others_acs + R"(
              link: { endpoint: ep2, bars: [16K] }
      - root_port: rp1
        acs: )" + rp_acs + R"(
        link: { endpoint: ep3, bars: [16K] }
)";
}

// Three root ports (Port Numbers 0, 5, 6) with an endpoint each.
std::string root_platform(bool p2p, const std::string &rp0_acs,
			  const std::string &others_acs = "none")
{
	return std::string(R"(name: acs-root-ports
kernel: { enable_acs: false }
memory:
  - { name: dram, base: 0x80000000, size: 2G }
root_complexes:
  - name: rc0
    p2p_between_root_ports: )") +
	       (p2p ? "true" : "false") + R"(
    mmio: { base: 0x40000000, size: 256M }
    ports:
      - root_port: rp0
        acs: )" + rp0_acs + R"(
        link: { endpoint: ep0, bars: [16K] }
      - root_port: rp1
        port: 5
        acs: )" + others_acs + R"(
        link: { endpoint: ep1, bars: [16K] }
      - root_port: rp2
        port: 6
        acs: )" + others_acs + R"(
        link: { endpoint: ep2, bars: [16K] }
)";
}

// Nested switches: rp0 -> outer switch (odp0) -> inner switch (idp0 -> ea, idp1 -> eb).
// The inner downstream ports redirect peer-to-peer requests (RR).
std::string nested_platform(const std::string &odp0_acs)
{
	return R"(name: nested
kernel: { enable_acs: false }
memory:
  - { name: dram, base: 0x80000000, size: 2G }
root_complexes:
  - name: rc0
    mmio: { base: 0x40000000, size: 256M }
    ports:
      - root_port: rp0
        acs: )" + kRootUf + R"(
        link:
          switch: outer
          downstream:
            - port: odp0
              acs: )" + odp0_acs + R"(
              link:
                switch: inner
                downstream:
                  - port: idp0
                    acs: {cap: [RR], ctrl: [RR]}
                    link: { endpoint: ea, bars: [16K] }
                  - port: idp1
                    acs: {cap: [RR], ctrl: [RR]}
                    link: { endpoint: eb, bars: [16K] }
)";
}

// A multi-function device (functions 0, 1 and 5) below switch downstream port dp0.
std::string mfd_platform(const std::string &f0_acs, const std::string &f1_acs = "none",
			 const std::string &dp0_acs = kRootUf)
{
	return R"(name: mfd
kernel: { enable_acs: false }
memory:
  - { name: dram, base: 0x80000000, size: 2G }
root_complexes:
  - name: rc0
    mmio: { base: 0x40000000, size: 256M }
    ports:
      - root_port: rp0
        acs: )" + kRootUf + R"(
        link:
          switch: sw0
          downstream:
            - port: dp0
              acs: )" + dp0_acs + R"(
              link:
                endpoint: mfd
                functions:
                  - { fn: 0, bars: [1M], acs: )" + f0_acs + R"( }
                  - { fn: 1, bars: [1M], acs: )" + f1_acs + R"( }
                  - { fn: 5, bars: [1M], acs: )" + f1_acs + R"( }
)";
}

// Conventional PCI below a PCIe-to-PCI bridge on a root port with full ACS (enabled by the
// kernel); a PCI-to-PCI bridge on that bus with one more device; an endpoint on rp1.
const char *const kLegacyPlatform = R"(name: legacy
memory:
  - { name: dram, base: 0x80000000, size: 2G }
root_complexes:
  - name: rc0
    mmio: { base: 0x40000000, size: 256M }
    ports:
      - root_port: rp0
        acs: full
        link:
          pcie_pci_bridge: br0
          devices:
            - { pci_device: pa, slot: 4, bars: [4K] }
            - { pci_device: pb, slot: 5, bars: [4K] }
            - pci_bridge: pbr
              slot: 6
              devices:
                - { pci_device: pc, bars: [4K] }
      - root_port: rp1
        acs: full
        link: { endpoint: ep1, bars: [16K] }
)";

std::string read_text(const std::string &path)
{
	std::ifstream in(path);
	std::stringstream ss;
	ss << in.rdbuf();
	return ss.str();
}

// platforms/arm-server.yaml, found from this source file's path.
std::string arm_server_yaml()
{
	std::string self = __FILE__;
	size_t cut = self.rfind("tests/");
	std::string root = cut == std::string::npos ? std::string("../") : self.substr(0, cut);
	std::string text = read_text(root + "platforms/arm-server.yaml");
	if (text.empty())
		text = read_text("/work/main/platforms/arm-server.yaml");
	return text;
}

// --- TLPs ----------------------------------------------------------------------------------

tlp_t mem_req(tlp_type_t type, uint16_t rid, uint64_t addr, uint32_t len = 64,
	      tlp_at_t at = TLP_AT_UNTRANSLATED)
{
	tlp_t t{};
	t.type = type;
	t.requester_id = rid;
	t.address = addr;
	t.length = len;
	t.at = at;
	return t;
}
tlp_t mrd(uint16_t rid, uint64_t addr, uint32_t len = 64, tlp_at_t at = TLP_AT_UNTRANSLATED)
{
	return mem_req(TLP_MRD, rid, addr, len, at);
}
tlp_t mwr(uint16_t rid, uint64_t addr, uint32_t len = 64, tlp_at_t at = TLP_AT_UNTRANSLATED)
{
	return mem_req(TLP_MWR, rid, addr, len, at);
}
// A completion with data to `to` (its Requester ID field) from `from` (Completer ID).
tlp_t cpld(uint16_t to, uint16_t from, uint32_t len = 64)
{
	tlp_t t{};
	t.type = TLP_CPLD;
	t.requester_id = to;
	t.completer_id = from;
	t.length = len;
	t.cpl_status = TLP_CPL_SC;
	return t;
}

// --- routing helpers ------------------------------------------------------------------------

pcie_route_t route_up(const Platform &P, const char *src, const tlp_t &t)
{
	pcie_route_t r;
	pcie_route_init(&r);
	EXPECT_EQ(pcie_route_up(P.fabric(), (uint32_t)P.idx(src), &t, &r), 0);
	return r;
}

// route_up, then the host's memory map when the TLP left upstream.
pcie_route_t route_full(const Platform &P, const char *src, const tlp_t &t)
{
	pcie_route_t r = route_up(P, src, t);
	if (r.outcome == PCIE_OUT_HOST) {
		EXPECT_EQ(pcie_route_host(P.fabric(), &t, &r), 0);
	}
	return r;
}

pcie_route_t route_down(const Platform &P, const tlp_t &t, uint32_t rc = 0)
{
	pcie_route_t r;
	pcie_route_init(&r);
	r.requester_id = t.requester_id;
	EXPECT_EQ(pcie_route_down(P.fabric(), rc, &t, &r), 0);
	return r;
}

std::vector<std::string> tokens(const pcie_route_t &r)
{
	std::vector<std::string> v;
	for (uint32_t i = 0; i < r.nhops && i < PCIE_MAX_HOPS; i++)
		v.push_back(pcie_why_token(r.hops[i].why));
	return v;
}

// "send@ep0 acs-rr@dp0>dp1 ..." for failure messages.
std::string describe(const Platform &P, const pcie_route_t &r)
{
	std::string s = std::string("outcome=") + pcie_outcome_token(r.outcome) +
			" at=" + P.name_of(r.at_node) + " target=" +
			(r.target == PCIE_NONE ? std::string("-") : P.name_of(r.target)) + " hops:";
	for (uint32_t i = 0; i < r.nhops && i < PCIE_MAX_HOPS; i++) {
		s += " ";
		s += pcie_why_token(r.hops[i].why);
		s += "@" + P.name_of(r.hops[i].node);
		if (r.hops[i].peer != PCIE_NONE)
			s += ">" + P.name_of(r.hops[i].peer);
	}
	return s;
}

// Index of the first hop with this reason, or -1.
int find_hop(const pcie_route_t &r, pcie_why_t why)
{
	for (uint32_t i = 0; i < r.nhops && i < PCIE_MAX_HOPS; i++)
		if (r.hops[i].why == why)
			return (int)i;
	return -1;
}
bool has_hop(const pcie_route_t &r, pcie_why_t why)
{
	return find_hop(r, why) >= 0;
}

sim_time_t hop_sum(const pcie_route_t &r)
{
	sim_time_t s = 0;
	for (uint32_t i = 0; i < r.nhops && i < PCIE_MAX_HOPS; i++)
		s += r.hops[i].latency;
	return s;
}

// Expectations shared by many tests.
void expect_delivered_direct(const Platform &P, const pcie_route_t &r, const char *target)
{
	EXPECT_EQ(r.outcome, PCIE_OUT_FUNCTION) << describe(P, r);
	EXPECT_EQ(r.target, P.idx(target)) << describe(P, r);
	EXPECT_TRUE(r.p2p) << describe(P, r);
	EXPECT_FALSE(r.redirected) << describe(P, r);
	EXPECT_FALSE(r.via_host) << describe(P, r);
}

// Delivered to `target`, but only by going up through the root complex and back down.
void expect_delivered_via_host(const Platform &P, const pcie_route_t &r, const char *target)
{
	EXPECT_EQ(r.outcome, PCIE_OUT_FUNCTION) << describe(P, r);
	EXPECT_EQ(r.target, P.idx(target)) << describe(P, r);
	EXPECT_FALSE(r.p2p) << describe(P, r);
	EXPECT_TRUE(r.via_host) << describe(P, r);
	EXPECT_TRUE(has_hop(r, PCIE_WHY_RC_EXIT)) << describe(P, r);
}

void expect_blocked(const Platform &P, const pcie_route_t &r, const char *at, pcie_why_t why)
{
	EXPECT_EQ(r.outcome, PCIE_OUT_BLOCKED) << describe(P, r);
	EXPECT_EQ(r.at_node, P.idx(at)) << describe(P, r);
	EXPECT_EQ(r.why, why) << describe(P, r);
	EXPECT_EQ(r.target, PCIE_NONE) << describe(P, r);
}

// Redirected upstream at `port` by `why` (ACS_RR / ACS_CR): the route leaves the root complex.
void expect_redirected_up(const Platform &P, const pcie_route_t &r, const char *port,
			  pcie_why_t why, const char *peer)
{
	EXPECT_EQ(r.outcome, PCIE_OUT_HOST) << describe(P, r);
	EXPECT_TRUE(r.redirected) << describe(P, r);
	EXPECT_FALSE(r.p2p) << describe(P, r);
	int h = find_hop(r, why);
	ASSERT_GE(h, 0) << describe(P, r);
	EXPECT_EQ(r.hops[h].node, P.idx(port)) << describe(P, r);
	if (peer) {
		EXPECT_EQ(r.hops[h].peer, P.idx(peer)) << describe(P, r);
	}
}

// ==========================================================================================
// Switch downstream port: Source Validation
// ==========================================================================================

TEST(Route, SwitchSourceValidationBlocksForgedRequesterId)
{
	LOAD(P, switch_platform(acs("SV", "SV")));
	// ep0 is alone below dp0: bus range [dp0.secondary, dp0.subordinate].
	const pcie_func_t &dp0 = P.func("dp0");
	ASSERT_EQ(dp0.secondary_bus, P.func("ep0").bus);

	// Its own Requester ID passes; the read leaves for memory.
	pcie_route_t ok = route_up(P, "ep0", mrd(P.id("ep0"), 0x80000000));
	EXPECT_EQ(ok.outcome, PCIE_OUT_HOST) << describe(P, ok);
	EXPECT_EQ(ok.requester_id, P.id("ep0"));

	// Forged as ep1 (bus outside dp0's range): an ACS Violation at dp0.
	pcie_route_t forged = route_up(P, "ep0", mrd(P.id("ep1"), 0x80000000));
	expect_blocked(P, forged, "dp0", PCIE_WHY_ACS_SV_BLOCK);
	EXPECT_STREQ(pcie_why_token(forged.why), "acs-sv");
	// Forged as the host / a root port (bus 0) and as a device on another root port.
	expect_blocked(P, route_up(P, "ep0", mwr(0x0000, 0x80000000)), "dp0",
		       PCIE_WHY_ACS_SV_BLOCK);
	expect_blocked(P, route_up(P, "ep0", mwr(P.id("ep3"), 0x80000000)), "dp0",
		       PCIE_WHY_ACS_SV_BLOCK);
	// A forged peer-to-peer write is blocked before any routing decision.
	expect_blocked(P, route_up(P, "ep0", mwr(P.id("ep1"), P.bar("ep1"))), "dp0",
		       PCIE_WHY_ACS_SV_BLOCK);

	// SV checks the bus number only: another devfn on ep0's own bus passes.
	uint16_t same_bus = PCI_DEVID(P.func("ep0").bus, PCI_DEVFN(3, 1));
	EXPECT_EQ(route_up(P, "ep0", mrd(same_bus, 0x80000000)).outcome, PCIE_OUT_HOST);
}

TEST(Route, SwitchWithoutSourceValidationForgedIdPassesThePort)
{
	// dp0 without SV: the forged ID passes dp0. Forged as ep1 (below rp0 too), it also passes
	// rp0's SV; forged as ep3 (below rp1), rp0's SV catches it.
	LOAD(P, switch_platform(acs("SV", "")));
	pcie_route_t r = route_up(P, "ep0", mrd(P.id("ep1"), 0x80000000));
	EXPECT_EQ(r.outcome, PCIE_OUT_HOST) << describe(P, r);
	EXPECT_EQ(r.requester_id, P.id("ep1")); // routed as sent
	expect_blocked(P, route_up(P, "ep0", mrd(P.id("ep3"), 0x80000000)), "rp0",
		       PCIE_WHY_ACS_SV_BLOCK);
}

TEST(Route, SwitchSourceValidationNotAppliedToCompletions)
{
	LOAD(P, switch_platform(acs("SV", "SV")));
	// A completion's Requester ID field is its destination: ep1's bus is outside dp0's range,
	// yet SV never affects completions. CR is off: the completion goes directly to ep1.
	pcie_route_t r = route_up(P, "ep0", cpld(P.id("ep1"), P.id("ep0")));
	expect_delivered_direct(P, r, "ep1");
	EXPECT_FALSE(has_hop(r, PCIE_WHY_ACS_SV_BLOCK)) << describe(P, r);

	// Even with a Completer ID that is not ep0's, and to a requester on another root port.
	pcie_route_t r2 = route_up(P, "ep0", cpld(P.id("ep3"), P.id("ep2")));
	EXPECT_NE(r2.outcome, PCIE_OUT_BLOCKED) << describe(P, r2);
	EXPECT_FALSE(has_hop(r2, PCIE_WHY_ACS_SV_BLOCK)) << describe(P, r2);
}

// ==========================================================================================
// Switch downstream port: Translation Blocking
// ==========================================================================================

TEST(Route, SwitchTranslationBlocking)
{
	LOAD(P, switch_platform(acs("TB", "TB")));
	uint16_t me = P.id("ep0");
	// AT=10b (translated) and AT=01b (translation request) are ACS Violations at dp0.
	expect_blocked(P, route_up(P, "ep0", mrd(me, 0x80000000, 64, TLP_AT_TRANSLATED)), "dp0",
		       PCIE_WHY_ACS_TB_BLOCK);
	expect_blocked(P, route_up(P, "ep0", mwr(me, 0x80000000, 64, TLP_AT_TRANSLATED)), "dp0",
		       PCIE_WHY_ACS_TB_BLOCK);
	expect_blocked(P, route_up(P, "ep0", mrd(me, 0x80000000, 64, TLP_AT_TRANSLATION_REQ)),
		       "dp0", PCIE_WHY_ACS_TB_BLOCK);
	// Untranslated passes.
	pcie_route_t r = route_full(P, "ep0", mrd(me, 0x80000000));
	EXPECT_EQ(r.outcome, PCIE_OUT_HOST) << describe(P, r);
	EXPECT_EQ(r.region, 0);
	// Completions are not affected.
	EXPECT_NE(route_up(P, "ep0", cpld(0x0000, me)).outcome, PCIE_OUT_BLOCKED);
	// Without TB in the control register the translated request leaves upstream.
	LOAD(Q, switch_platform(acs("TB", "")));
	EXPECT_EQ(route_up(Q, "ep0", mrd(Q.id("ep0"), 0x80000000, 64, TLP_AT_TRANSLATED)).outcome,
		  PCIE_OUT_HOST);
}

TEST(Route, SwitchTranslationBlockingPrecedesUpstreamForwardingAndP2p)
{
	// TB with every P2P control and UF: TB decides first.
	LOAD(P, switch_platform(acs("TB, RR, UF, EC, DT", "TB, RR, UF, EC, DT", 0x20)));
	uint16_t me = P.id("ep0");
	// Translated P2P write to ep1: TB, not DT/RR/EC.
	expect_blocked(P, route_up(P, "ep0", mwr(me, P.bar("ep1"), 64, TLP_AT_TRANSLATED)), "dp0",
		       PCIE_WHY_ACS_TB_BLOCK);
	// Translated write to ep0's own BAR (dp0's own window): TB, not UF.
	expect_blocked(P, route_up(P, "ep0", mwr(me, P.bar("ep0"), 64, TLP_AT_TRANSLATED)), "dp0",
		       PCIE_WHY_ACS_TB_BLOCK);
}

// ==========================================================================================
// Switch downstream port: P2P Request Redirect
// ==========================================================================================

TEST(Route, SwitchRequestRedirectReachesPeerOnlyViaHost)
{
	LOAD(P, switch_platform(acs("RR", "RR")));
	tlp_t t = mwr(P.id("ep0"), P.bar("ep1") + 0x100);
	pcie_route_t r = route_up(P, "ep0", t);
	expect_redirected_up(P, r, "dp0", PCIE_WHY_ACS_RR, "dp1");
	EXPECT_STREQ(pcie_why_token(PCIE_WHY_ACS_RR), "acs-rr");
	// It reached rp0 from below targeting rp0's own window: rp0's UF forwards it up.
	int uf = find_hop(r, PCIE_WHY_ACS_UF);
	ASSERT_GE(uf, 0) << describe(P, r);
	EXPECT_EQ(r.hops[uf].node, P.idx("rp0"));
	EXPECT_EQ(r.rc, 0u);

	// The host routes it back down; downstream ports never redirect on the way down.
	ASSERT_EQ(pcie_route_host(P.fabric(), &t, &r), 0);
	expect_delivered_via_host(P, r, "ep1");
	EXPECT_EQ(r.bar, 0);
	int back = find_hop(r, PCIE_WHY_HOST_P2P);
	ASSERT_GE(back, 0) << describe(P, r);
	for (uint32_t i = (uint32_t)back + 1; i < r.nhops; i++)
		EXPECT_TRUE(r.hops[i].why == PCIE_WHY_DOWN || r.hops[i].why == PCIE_WHY_CLAIMED_BAR)
			<< describe(P, r);

	// A request that is not peer-to-peer is not redirected.
	pcie_route_t dma = route_up(P, "ep0", mrd(P.id("ep0"), 0x80000000));
	EXPECT_EQ(dma.outcome, PCIE_OUT_HOST);
	EXPECT_FALSE(dma.redirected) << describe(P, dma);
}

TEST(Route, SwitchRedirectNeedsUpstreamForwardingAtTheRootPort)
{
	// RR at dp0 but rp0 without UF: the redirected request targets rp0's own window from
	// below, which is undefined without UF (iofab: UR "no-uf" at rp0).
	LOAD(P, switch_platform(acs("RR", "RR"), "none", acs("SV, RR, CR, UF", "SV, RR, CR")));
	pcie_route_t r = route_up(P, "ep0", mwr(P.id("ep0"), P.bar("ep1")));
	EXPECT_EQ(r.outcome, PCIE_OUT_UR) << describe(P, r);
	EXPECT_EQ(r.at_node, P.idx("rp0")) << describe(P, r);
	EXPECT_EQ(r.why, PCIE_WHY_NO_UF_UR);
	EXPECT_STREQ(pcie_why_token(r.why), "no-uf");
}

// ==========================================================================================
// Switch downstream port: P2P Completion Redirect
// ==========================================================================================

TEST(Route, SwitchCompletionDirectWithoutCompletionRedirect)
{
	// RR and EC (vector bit for dp1 set) never affect completions; CR is off.
	LOAD(P, switch_platform(acs("RR, CR, EC", "RR, EC", 0x20)));
	pcie_route_t r = route_up(P, "ep0", cpld(P.id("ep1"), P.id("ep0")));
	expect_delivered_direct(P, r, "ep1");
	EXPECT_EQ(r.bar, -1);
	EXPECT_EQ(r.why, PCIE_WHY_CLAIMED_ID);
	int h = find_hop(r, PCIE_WHY_P2P_CPL_DIRECT);
	ASSERT_GE(h, 0) << describe(P, r);
	EXPECT_EQ(r.hops[h].node, P.idx("dp0"));
	EXPECT_EQ(r.hops[h].peer, P.idx("dp1"));
}

TEST(Route, SwitchCompletionRedirect)
{
	LOAD(P, switch_platform(acs("CR", "CR")));
	tlp_t t = cpld(P.id("ep1"), P.id("ep0"));
	pcie_route_t r = route_up(P, "ep0", t);
	expect_redirected_up(P, r, "dp0", PCIE_WHY_ACS_CR, "dp1");
	// Redirected upstream, the completion still belongs to ep1: the root complex routes it
	// by ID back down to its requester.
	ASSERT_EQ(pcie_route_host(P.fabric(), &t, &r), 0);
	EXPECT_EQ(r.outcome, PCIE_OUT_FUNCTION) << describe(P, r);
	EXPECT_EQ(r.target, P.idx("ep1")) << describe(P, r);
	EXPECT_TRUE(r.via_host);
	EXPECT_FALSE(r.p2p);
}

// ==========================================================================================
// Switch downstream port: Upstream Forwarding
// ==========================================================================================

TEST(Route, UpstreamForwardingForwardsRedirectedRequestFromNestedSwitch)
{
	// The inner switch redirects ea -> eb upstream (RR at idp0). At the outer switch it arrives
	// at odp0 from below and targets odp0's own window (eb is below odp0): UF forwards it up.
	LOAD(P, nested_platform(acs("UF", "UF")));
	tlp_t t = mwr(P.id("ea"), P.bar("eb"));
	pcie_route_t r = route_up(P, "ea", t);
	EXPECT_EQ(r.outcome, PCIE_OUT_HOST) << describe(P, r);
	EXPECT_TRUE(r.redirected);
	int rr = find_hop(r, PCIE_WHY_ACS_RR);
	ASSERT_GE(rr, 0) << describe(P, r);
	EXPECT_EQ(r.hops[rr].node, P.idx("idp0"));
	int uf = find_hop(r, PCIE_WHY_ACS_UF);
	ASSERT_GE(uf, 0) << describe(P, r);
	EXPECT_EQ(r.hops[uf].node, P.idx("odp0"));
	ASSERT_EQ(pcie_route_host(P.fabric(), &t, &r), 0);
	expect_delivered_via_host(P, r, "eb");
}

TEST(Route, NoUpstreamForwardingIsUnsupportedRequest)
{
	LOAD(P, nested_platform(acs("UF", "")));
	pcie_route_t r = route_up(P, "ea", mwr(P.id("ea"), P.bar("eb")));
	EXPECT_EQ(r.outcome, PCIE_OUT_UR) << describe(P, r);
	EXPECT_EQ(r.at_node, P.idx("odp0")) << describe(P, r);
	EXPECT_EQ(r.why, PCIE_WHY_NO_UF_UR);
	EXPECT_STREQ(pcie_why_token(r.why), "no-uf");
	EXPECT_EQ(r.target, PCIE_NONE);
}

TEST(Route, UpstreamForwardingOfTlpTargetingTheSendersOwnLink)
{
	// An endpoint writing to its own BAR: the TLP targets dp0's own egress.
	LOAD(P, switch_platform(acs("UF", "UF")));
	tlp_t t = mwr(P.id("ep0"), P.bar("ep0"));
	pcie_route_t r = route_up(P, "ep0", t);
	EXPECT_EQ(r.outcome, PCIE_OUT_HOST) << describe(P, r);
	EXPECT_GE(find_hop(r, PCIE_WHY_ACS_UF), 0) << describe(P, r);
	ASSERT_EQ(pcie_route_host(P.fabric(), &t, &r), 0);
	expect_delivered_via_host(P, r, "ep0");

	LOAD(Q, switch_platform(acs("UF", "")));
	pcie_route_t u = route_up(Q, "ep0", mwr(Q.id("ep0"), Q.bar("ep0")));
	EXPECT_EQ(u.outcome, PCIE_OUT_UR) << describe(Q, u);
	EXPECT_EQ(u.at_node, Q.idx("dp0"));
	EXPECT_EQ(u.why, PCIE_WHY_NO_UF_UR);
}

// ==========================================================================================
// Switch downstream port: P2P Egress Control, Table 6-11
// (target ep1 is below dp1, Port Number 5: vector bit 5 = 0x20; bit 6 = 0x40 is dp2)
// ==========================================================================================

TEST(Route, EgressTableE0R0Direct)
{
	LOAD(P, switch_platform(acs("RR, EC", "", 0x20)));
	pcie_route_t r = route_up(P, "ep0", mwr(P.id("ep0"), P.bar("ep1")));
	expect_delivered_direct(P, r, "ep1");
	int h = find_hop(r, PCIE_WHY_P2P_DIRECT);
	ASSERT_GE(h, 0) << describe(P, r);
	EXPECT_EQ(r.hops[h].node, P.idx("dp0"));
	EXPECT_EQ(r.hops[h].peer, P.idx("dp1"));
	EXPECT_EQ(r.why, PCIE_WHY_CLAIMED_BAR);
	EXPECT_EQ(r.bar, 0);
}

TEST(Route, EgressTableE0R1Redirect)
{
	LOAD(P, switch_platform(acs("RR, EC", "RR", 0x20)));
	tlp_t t = mwr(P.id("ep0"), P.bar("ep1"));
	pcie_route_t r = route_up(P, "ep0", t);
	expect_redirected_up(P, r, "dp0", PCIE_WHY_ACS_RR, "dp1");
	ASSERT_EQ(pcie_route_host(P.fabric(), &t, &r), 0);
	expect_delivered_via_host(P, r, "ep1");
}

TEST(Route, EgressTableE1R0BitSetBlocked)
{
	LOAD(P, switch_platform(acs("RR, EC", "EC", 0x20)));
	pcie_route_t r = route_up(P, "ep0", mwr(P.id("ep0"), P.bar("ep1")));
	expect_blocked(P, r, "dp0", PCIE_WHY_ACS_EC_BLOCK);
	EXPECT_STREQ(pcie_why_token(r.why), "acs-ec");
	// The vector is indexed by Port Number: ep2 (dp2, Port Number 6, bit clear) is reachable.
	expect_delivered_direct(P, route_up(P, "ep0", mwr(P.id("ep0"), P.bar("ep2"))), "ep2");
	// Traffic that is not peer-to-peer is not affected by egress control.
	EXPECT_EQ(route_up(P, "ep0", mwr(P.id("ep0"), 0x80000000)).outcome, PCIE_OUT_HOST);
}

TEST(Route, EgressTableE1R0BitClearDirect)
{
	LOAD(P, switch_platform(acs("RR, EC", "EC", 0x40)));
	pcie_route_t r = route_up(P, "ep0", mwr(P.id("ep0"), P.bar("ep1")));
	expect_delivered_direct(P, r, "ep1");
	expect_blocked(P, route_up(P, "ep0", mwr(P.id("ep0"), P.bar("ep2"))), "dp0",
		       PCIE_WHY_ACS_EC_BLOCK);
}

TEST(Route, EgressTableE1R1BitSetRedirect)
{
	LOAD(P, switch_platform(acs("RR, EC", "RR, EC", 0x20)));
	tlp_t t = mwr(P.id("ep0"), P.bar("ep1"));
	pcie_route_t r = route_up(P, "ep0", t);
	expect_redirected_up(P, r, "dp0", PCIE_WHY_ACS_RR, "dp1");
	ASSERT_EQ(pcie_route_host(P.fabric(), &t, &r), 0);
	expect_delivered_via_host(P, r, "ep1");
}

TEST(Route, EgressTableE1R1BitClearDirectOverridesRr)
{
	LOAD(P, switch_platform(acs("RR, EC", "RR, EC", 0x40)));
	pcie_route_t r = route_up(P, "ep0", mwr(P.id("ep0"), P.bar("ep1")));
	expect_delivered_direct(P, r, "ep1");
	EXPECT_FALSE(has_hop(r, PCIE_WHY_ACS_RR)) << describe(P, r);
	// ep2's bit is set: redirected.
	pcie_route_t r2 = route_up(P, "ep0", mwr(P.id("ep0"), P.bar("ep2")));
	expect_redirected_up(P, r2, "dp0", PCIE_WHY_ACS_RR, "dp2");
}

// ==========================================================================================
// Switch downstream port: Direct Translated P2P
// ==========================================================================================

TEST(Route, DirectTranslatedOverridesRrAndEgress)
{
	// RR + EC with ep1's bit set would redirect; EC alone with the bit set would block.
	LOAD(P, switch_platform(acs("RR, EC, DT", "RR, EC, DT", 0x20)));
	pcie_route_t r = route_up(P, "ep0", mwr(P.id("ep0"), P.bar("ep1"), 64, TLP_AT_TRANSLATED));
	expect_delivered_direct(P, r, "ep1");
	int h = find_hop(r, PCIE_WHY_ACS_DT);
	ASSERT_GE(h, 0) << describe(P, r);
	EXPECT_EQ(r.hops[h].node, P.idx("dp0"));
	EXPECT_EQ(r.hops[h].peer, P.idx("dp1"));

	LOAD(Q, switch_platform(acs("RR, EC, DT", "EC, DT", 0x20)));
	pcie_route_t q =
		route_up(Q, "ep0", mrd(Q.id("ep0"), Q.bar("ep1"), 64, TLP_AT_TRANSLATED));
	expect_delivered_direct(Q, q, "ep1");
	EXPECT_GE(find_hop(q, PCIE_WHY_ACS_DT), 0) << describe(Q, q);
}

TEST(Route, DirectTranslatedDoesNotApplyToUntranslated)
{
	LOAD(P, switch_platform(acs("RR, EC, DT", "RR, EC, DT", 0x20)));
	pcie_route_t r = route_up(P, "ep0", mwr(P.id("ep0"), P.bar("ep1")));
	expect_redirected_up(P, r, "dp0", PCIE_WHY_ACS_RR, "dp1");
	EXPECT_FALSE(has_hop(r, PCIE_WHY_ACS_DT)) << describe(P, r);

	LOAD(Q, switch_platform(acs("RR, EC, DT", "EC, DT", 0x20)));
	expect_blocked(Q, route_up(Q, "ep0", mwr(Q.id("ep0"), Q.bar("ep1"))), "dp0",
		       PCIE_WHY_ACS_EC_BLOCK);

	// Without DT in the control register, a translated request follows Table 6-11.
	LOAD(R, switch_platform(acs("RR, EC, DT", "RR, EC", 0x20)));
	expect_redirected_up(R, route_up(R, "ep0", mwr(R.id("ep0"), R.bar("ep1"), 64,
						     TLP_AT_TRANSLATED)),
			     "dp0", PCIE_WHY_ACS_RR, "dp1");
}

// ==========================================================================================
// Root ports
// ==========================================================================================

TEST(Route, RootPortSourceValidation)
{
	LOAD(P, root_platform(true, acs("SV", "SV")));
	expect_blocked(P, route_up(P, "ep0", mrd(P.id("ep1"), 0x80000000)), "rp0",
		       PCIE_WHY_ACS_SV_BLOCK);
	expect_blocked(P, route_up(P, "ep0", mwr(P.id("ep1"), P.bar("ep2"))), "rp0",
		       PCIE_WHY_ACS_SV_BLOCK);
	EXPECT_EQ(route_up(P, "ep0", mrd(P.id("ep0"), 0x80000000)).outcome, PCIE_OUT_HOST);
	// Not applied to completions.
	pcie_route_t c = route_up(P, "ep0", cpld(P.id("ep1"), P.id("ep2")));
	EXPECT_NE(c.outcome, PCIE_OUT_BLOCKED) << describe(P, c);
}

TEST(Route, RootPortTranslationBlocking)
{
	LOAD(P, root_platform(true, acs("TB, DT", "TB, DT")));
	uint16_t me = P.id("ep0");
	expect_blocked(P, route_up(P, "ep0", mrd(me, 0x80000000, 64, TLP_AT_TRANSLATED)), "rp0",
		       PCIE_WHY_ACS_TB_BLOCK);
	expect_blocked(P, route_up(P, "ep0", mrd(me, 0x80000000, 64, TLP_AT_TRANSLATION_REQ)),
		       "rp0", PCIE_WHY_ACS_TB_BLOCK);
	// Precedes DT for a translated peer-to-peer request.
	expect_blocked(P, route_up(P, "ep0", mwr(me, P.bar("ep1"), 64, TLP_AT_TRANSLATED)), "rp0",
		       PCIE_WHY_ACS_TB_BLOCK);
	EXPECT_EQ(route_up(P, "ep0", mrd(me, 0x80000000)).outcome, PCIE_OUT_HOST);
}

TEST(Route, RootPortP2pDirectWhenRootComplexForwards)
{
	LOAD(P, root_platform(true, acs("RR, EC", "")));
	pcie_route_t r = route_up(P, "ep0", mwr(P.id("ep0"), P.bar("ep1")));
	expect_delivered_direct(P, r, "ep1");
	int h = find_hop(r, PCIE_WHY_RC_P2P);
	ASSERT_GE(h, 0) << describe(P, r);
	EXPECT_EQ(r.hops[h].node, P.idx("rp0"));
	EXPECT_EQ(r.hops[h].peer, P.idx("rp1"));
	EXPECT_EQ(r.latency, pcie_timing_default().rc_p2p);
	EXPECT_EQ(r.latency, 100 * SIM_NS);
}

TEST(Route, RootPortRequestRedirect)
{
	LOAD(P, root_platform(true, acs("RR", "RR")));
	tlp_t t = mwr(P.id("ep0"), P.bar("ep1"));
	pcie_route_t r = route_up(P, "ep0", t);
	expect_redirected_up(P, r, "rp0", PCIE_WHY_ACS_RR, "rp1");
	ASSERT_EQ(pcie_route_host(P.fabric(), &t, &r), 0);
	expect_delivered_via_host(P, r, "ep1");
}

TEST(Route, RootPortEgressControlTable)
{
	// ep1 is below rp1 (Port Number 5, bit 0x20); ep2 below rp2 (Port Number 6, bit 0x40).
	struct Row {
		const char *ctrl;
		long vector;
		enum { DIRECT, REDIRECT, BLOCKED } want;
	} rows[] = {
		{"", 0x20, Row::DIRECT},	{"RR", 0x20, Row::REDIRECT},
		{"EC", 0x20, Row::BLOCKED},	{"EC", 0x40, Row::DIRECT},
		{"RR, EC", 0x20, Row::REDIRECT}, {"RR, EC", 0x40, Row::DIRECT},
	};
	for (const Row &row : rows) {
		SCOPED_TRACE(std::string("ctrl [") + row.ctrl + "] vector " +
			     std::to_string(row.vector));
		LOAD(P, root_platform(true, acs("RR, EC", row.ctrl, row.vector)));
		pcie_route_t r = route_up(P, "ep0", mwr(P.id("ep0"), P.bar("ep1")));
		switch (row.want) {
		case Row::DIRECT:
			expect_delivered_direct(P, r, "ep1");
			break;
		case Row::REDIRECT:
			expect_redirected_up(P, r, "rp0", PCIE_WHY_ACS_RR, "rp1");
			break;
		case Row::BLOCKED:
			expect_blocked(P, r, "rp0", PCIE_WHY_ACS_EC_BLOCK);
			break;
		}
	}
}

TEST(Route, RootPortDirectTranslated)
{
	LOAD(P, root_platform(true, acs("RR, EC, DT", "RR, EC, DT", 0x20)));
	pcie_route_t r = route_up(P, "ep0", mwr(P.id("ep0"), P.bar("ep1"), 64, TLP_AT_TRANSLATED));
	expect_delivered_direct(P, r, "ep1");
	EXPECT_GE(find_hop(r, PCIE_WHY_ACS_DT), 0) << describe(P, r);
	// Untranslated: Table 6-11 (E=1, R=1, bit set) redirects.
	expect_redirected_up(P, route_up(P, "ep0", mwr(P.id("ep0"), P.bar("ep1"))), "rp0",
			     PCIE_WHY_ACS_RR, "rp1");
}

TEST(Route, RootPortCompletionRedirect)
{
	LOAD(P, root_platform(true, acs("CR", "")));
	pcie_route_t d = route_up(P, "ep0", cpld(P.id("ep1"), P.id("ep0")));
	expect_delivered_direct(P, d, "ep1");

	LOAD(Q, root_platform(true, acs("CR", "CR")));
	tlp_t t = cpld(Q.id("ep1"), Q.id("ep0"));
	pcie_route_t r = route_up(Q, "ep0", t);
	expect_redirected_up(Q, r, "rp0", PCIE_WHY_ACS_CR, "rp1");
	// The root complex routes the redirected completion by its Requester ID to ep1.
	ASSERT_EQ(pcie_route_host(Q.fabric(), &t, &r), 0);
	EXPECT_EQ(r.outcome, PCIE_OUT_FUNCTION) << describe(Q, r);
	EXPECT_EQ(r.target, Q.idx("ep1")) << describe(Q, r);
}

TEST(Route, RootPortWithoutRcP2pRequestLeavesUpstream)
{
	// The root complex does not route between its root ports: with no ACS at all, the
	// request to a peer root port's device leaves upstream like DMA, and only the host's
	// memory map brings it back down.
	for (const std::string &ctrl : {std::string(""), std::string("RR"), std::string("EC")}) {
		SCOPED_TRACE("rp0 ctrl [" + ctrl + "]");
		LOAD(P, root_platform(false, acs("RR, EC", ctrl, 0x20)));
		tlp_t t = mwr(P.id("ep0"), P.bar("ep1"));
		pcie_route_t r = route_up(P, "ep0", t);
		EXPECT_EQ(r.outcome, PCIE_OUT_HOST) << describe(P, r);
		EXPECT_FALSE(r.p2p);
		EXPECT_GE(find_hop(r, PCIE_WHY_RC_NO_P2P), 0) << describe(P, r);
		EXPECT_FALSE(has_hop(r, PCIE_WHY_RC_P2P)) << describe(P, r);
		ASSERT_EQ(pcie_route_host(P.fabric(), &t, &r), 0);
		expect_delivered_via_host(P, r, "ep1");
	}
	// A translated request with DT does not go direct either.
	LOAD(Q, root_platform(false, acs("DT", "DT")));
	pcie_route_t q = route_up(Q, "ep0", mwr(Q.id("ep0"), Q.bar("ep1"), 64, TLP_AT_TRANSLATED));
	EXPECT_EQ(q.outcome, PCIE_OUT_HOST) << describe(Q, q);
	EXPECT_FALSE(q.p2p);
}

TEST(Route, RootPortUpstreamForwarding)
{
	LOAD(P, root_platform(true, acs("UF", "UF")));
	tlp_t t = mwr(P.id("ep0"), P.bar("ep0"));
	pcie_route_t r = route_up(P, "ep0", t);
	EXPECT_EQ(r.outcome, PCIE_OUT_HOST) << describe(P, r);
	EXPECT_GE(find_hop(r, PCIE_WHY_ACS_UF), 0) << describe(P, r);
	ASSERT_EQ(pcie_route_host(P.fabric(), &t, &r), 0);
	expect_delivered_via_host(P, r, "ep0");

	LOAD(Q, root_platform(true, acs("UF", "")));
	pcie_route_t u = route_up(Q, "ep0", mwr(Q.id("ep0"), Q.bar("ep0")));
	EXPECT_EQ(u.outcome, PCIE_OUT_UR) << describe(Q, u);
	EXPECT_EQ(u.at_node, Q.idx("rp0"));
	EXPECT_EQ(u.why, PCIE_WHY_NO_UF_UR);
}

// ==========================================================================================
// Multi-function devices (function-level ACS, §6.12.1.2)
// ==========================================================================================

TEST(Route, MultiFunctionWithoutAcsIsInternalP2p)
{
	// No function ACS: the device routes function to function itself, whatever the port above
	// does (dp0 has SV, RR, CR, UF; it never sees the TLP).
	LOAD(P, mfd_platform("none"));
	ASSERT_TRUE(P.func("mfd.0").multifunction);
	pcie_route_t r = route_up(P, "mfd.0", mwr(P.id("mfd.0"), P.bar("mfd.1")));
	expect_delivered_direct(P, r, "mfd.1");
	int h = find_hop(r, PCIE_WHY_P2P_INTERNAL);
	ASSERT_GE(h, 0) << describe(P, r);
	EXPECT_EQ(r.hops[h].node, P.idx("mfd.0"));
	EXPECT_EQ(r.hops[h].peer, P.idx("mfd.1"));
	EXPECT_EQ(r.latency, pcie_timing_default().device_internal);
	for (uint32_t i = 0; i < r.nhops; i++)
		EXPECT_NE(r.hops[i].node, P.idx("dp0")) << describe(P, r);
	// Completions too.
	expect_delivered_direct(P, route_up(P, "mfd.0", cpld(P.id("mfd.5"), P.id("mfd.0"))),
				"mfd.5");
}

TEST(Route, MultiFunctionRequestRedirect)
{
	LOAD(P, mfd_platform(acs("RR", "RR")));
	tlp_t t = mwr(P.id("mfd.0"), P.bar("mfd.1"));
	pcie_route_t r = route_up(P, "mfd.0", t);
	// Redirected by the sending function to the port above, which forwards it upstream (UF).
	expect_redirected_up(P, r, "mfd.0", PCIE_WHY_ACS_RR, "mfd.1");
	int uf = find_hop(r, PCIE_WHY_ACS_UF);
	ASSERT_GE(uf, 0) << describe(P, r);
	EXPECT_EQ(r.hops[uf].node, P.idx("dp0"));
	ASSERT_EQ(pcie_route_host(P.fabric(), &t, &r), 0);
	expect_delivered_via_host(P, r, "mfd.1");

	// The receiving function's ACS does not decide: mfd.1 has RR, mfd.0 has none.
	LOAD(Q, mfd_platform("none", acs("RR", "RR")));
	expect_delivered_direct(Q, route_up(Q, "mfd.0", mwr(Q.id("mfd.0"), Q.bar("mfd.1"))),
				"mfd.1");
	// mfd.1 -> mfd.0 is decided by mfd.1's RR.
	expect_redirected_up(Q, route_up(Q, "mfd.1", mwr(Q.id("mfd.1"), Q.bar("mfd.0"))), "mfd.1",
			     PCIE_WHY_ACS_RR, "mfd.0");

	// Redirected to a port without UF: targets the port's own window, UR.
	LOAD(U, mfd_platform(acs("RR", "RR"), "none", acs("SV, RR, CR, UF", "SV, RR, CR")));
	pcie_route_t u = route_up(U, "mfd.0", mwr(U.id("mfd.0"), U.bar("mfd.1")));
	EXPECT_EQ(u.outcome, PCIE_OUT_UR) << describe(U, u);
	EXPECT_EQ(u.at_node, U.idx("dp0"));
	EXPECT_EQ(u.why, PCIE_WHY_NO_UF_UR);
}

TEST(Route, MultiFunctionEgressControlByFunctionNumber)
{
	// Vector bit 5 = function 5 (not the third function's position).
	LOAD(P, mfd_platform(acs("RR, EC", "EC", 0x20)));
	expect_blocked(P, route_up(P, "mfd.0", mwr(P.id("mfd.0"), P.bar("mfd.5"))), "mfd.0",
		       PCIE_WHY_ACS_EC_BLOCK);
	expect_delivered_direct(P, route_up(P, "mfd.0", mwr(P.id("mfd.0"), P.bar("mfd.1"))),
				"mfd.1");

	// Bit 2 (the position function 5 has in the list) blocks nothing here.
	LOAD(Q, mfd_platform(acs("RR, EC", "EC", 0x04)));
	expect_delivered_direct(Q, route_up(Q, "mfd.0", mwr(Q.id("mfd.0"), Q.bar("mfd.5"))),
				"mfd.5");

	// E=1, R=1: bit set redirects, bit clear goes direct.
	LOAD(R, mfd_platform(acs("RR, EC", "RR, EC", 0x20)));
	expect_redirected_up(R, route_up(R, "mfd.0", mwr(R.id("mfd.0"), R.bar("mfd.5"))), "mfd.0",
			     PCIE_WHY_ACS_RR, "mfd.5");
	expect_delivered_direct(R, route_up(R, "mfd.0", mwr(R.id("mfd.0"), R.bar("mfd.1"))),
				"mfd.1");
}

TEST(Route, MultiFunctionDirectTranslated)
{
	// The sending function's DT overrides its RR and EC for a translated request.
	LOAD(P, mfd_platform(acs("RR, EC, DT", "RR, EC, DT", 0x02)));
	pcie_route_t r =
		route_up(P, "mfd.0", mwr(P.id("mfd.0"), P.bar("mfd.1"), 64, TLP_AT_TRANSLATED));
	expect_delivered_direct(P, r, "mfd.1");
	int h = find_hop(r, PCIE_WHY_ACS_DT);
	ASSERT_GE(h, 0) << describe(P, r);
	EXPECT_EQ(r.hops[h].node, P.idx("mfd.0"));
	// Untranslated: E=1, R=1, bit 1 set: redirected to the port above.
	expect_redirected_up(P, route_up(P, "mfd.0", mwr(P.id("mfd.0"), P.bar("mfd.1"))), "mfd.0",
			     PCIE_WHY_ACS_RR, "mfd.1");
}

TEST(Route, MultiFunctionCompletionRedirect)
{
	LOAD(P, mfd_platform(acs("CR, EC", "CR, EC", 0x02)));
	// CR redirects the completion; egress control does not apply to completions.
	pcie_route_t r = route_up(P, "mfd.0", cpld(P.id("mfd.1"), P.id("mfd.0")));
	expect_redirected_up(P, r, "mfd.0", PCIE_WHY_ACS_CR, "mfd.1");
	LOAD(Q, mfd_platform(acs("CR, EC", "EC", 0x02)));
	expect_delivered_direct(Q, route_up(Q, "mfd.0", cpld(Q.id("mfd.1"), Q.id("mfd.0"))),
				"mfd.1");
}

TEST(Route, SriovVfsAreFunctionsOfTheSameDevice)
{
	// An SR-IOV device with 8 VFs: RIDs PF+1 .. PF+8, so VF7 has devfn 0x08 (only reachable
	// below a downstream port with ARI, where the 8-bit devfn is the function number: the PF
	// and every VF are functions of the one device). Without function ACS, the PF's write to
	// any VF's BAR is the device's internal peer-to-peer, VF0 and VF7 alike.
	LOAD(P, R"(name: sriov
kernel: { enable_acs: false }
memory:
  - { name: dram, base: 0x80000000, size: 2G }
root_complexes:
  - name: rc0
    mmio: { base: 0x40000000, size: 256M }
    ports:
      - root_port: rp0
        acs: {cap: [SV, RR, CR, UF], ctrl: [SV, RR, CR, UF]}
        link:
          endpoint: nic
          bars: [16K]
          sriov: { vfs: 8, offset: 1, stride: 1, vf_bars: [16K] }
)");
	ASSERT_EQ(P.func("nic.vf7").devfn, 0x08);
	expect_delivered_direct(P, route_up(P, "nic", mwr(P.id("nic"), P.bar("nic.vf0"))),
				"nic.vf0");
	pcie_route_t r = route_up(P, "nic", mwr(P.id("nic"), P.bar("nic.vf7")));
	expect_delivered_direct(P, r, "nic.vf7");
	EXPECT_GE(find_hop(r, PCIE_WHY_P2P_INTERNAL), 0) << describe(P, r);
}

// ==========================================================================================
// Conventional PCI below a PCIe-to-PCI bridge
// ==========================================================================================

TEST(Route, ConventionalPciBusP2pHasNoAcs)
{
	LOAD(P, kLegacyPlatform);
	// rp0 has SV, RR, CR, UF enabled, but a peer on the conventional bus claims the write
	// before it ever reaches a PCIe port.
	ASSERT_TRUE(P.func("rp0").acs_ctrl & PCI_ACS_RR);
	pcie_route_t r = route_up(P, "pa", mwr(P.id("pa"), P.bar("pb")));
	expect_delivered_direct(P, r, "pb");
	int h = find_hop(r, PCIE_WHY_P2P_BUS);
	ASSERT_GE(h, 0) << describe(P, r);
	EXPECT_EQ(r.hops[h].peer, P.idx("pb"));
	for (uint32_t i = 0; i < r.nhops; i++) {
		EXPECT_NE(r.hops[i].node, P.idx("rp0")) << describe(P, r);
		EXPECT_NE(r.hops[i].node, P.idx("br0")) << describe(P, r);
	}
	// And to the device behind the PCI-to-PCI bridge on the same bus.
	expect_delivered_direct(P, route_up(P, "pa", mrd(P.id("pa"), P.bar("pc"))), "pc");

	// Conventional PCI functions cannot carry an ACS capability.
	std::string yaml = kLegacyPlatform;
	size_t at = yaml.find("{ pci_device: pa, slot: 4, bars: [4K] }");
	ASSERT_NE(at, std::string::npos);
	yaml.replace(at, std::strlen("{ pci_device: pa, slot: 4, bars: [4K] }"),
		     "{ pci_device: pa, slot: 4, bars: [4K], acs: full }");
	platform_t q{};
	std::string errors;
	EXPECT_FALSE(iofab_test::load_platform(yaml, &q, &errors));
	EXPECT_NE(errors.find("acs"), std::string::npos) << errors;
}

TEST(Route, PcieToPciBridgeOwnsRequesterId)
{
	LOAD(P, kLegacyPlatform);
	const pcie_func_t &br0 = P.func("br0");
	const uint16_t owned = PCI_DEVID(br0.secondary_bus, PCI_DEVFN(0, 0));
	ASSERT_NE(P.id("pa"), owned); // pa is device 4 on the bus
	pcie_route_t r = route_full(P, "pa", mrd(P.id("pa"), 0x80000000));
	EXPECT_EQ(r.outcome, PCIE_OUT_HOST) << describe(P, r);
	EXPECT_EQ(r.requester_id, owned);
	int h = find_hop(r, PCIE_WHY_BRIDGE_OWNERSHIP);
	ASSERT_GE(h, 0) << describe(P, r);
	EXPECT_EQ(r.hops[h].node, P.idx("br0"));
	EXPECT_FALSE(has_hop(r, PCIE_WHY_ACS_SV_BLOCK)); // (secondary, 00.0) is below rp0

	// Behind a further PCI-to-PCI bridge: the PCIe-to-PCI bridge's ID is what leaves it.
	pcie_route_t c = route_up(P, "pc", mwr(P.id("pc"), 0x80000000));
	EXPECT_EQ(c.outcome, PCIE_OUT_HOST) << describe(P, c);
	EXPECT_EQ(c.requester_id, owned);
}

TEST(Route, PcieToPciBridgeKeepsCompletionRequesterId)
{
	// A completion is routed by its Requester ID: the bridge forwarding it upstream cannot
	// replace it (that would misroute it), so the route must report the requester's ID.
	LOAD(P, kLegacyPlatform);
	pcie_route_t r = route_up(P, "pa", cpld(P.id("ep1"), P.id("pa")));
	EXPECT_EQ(r.requester_id, P.id("ep1")) << describe(P, r);
}

// ==========================================================================================
// Downstream routing and Unsupported Requests (arm-server)
// ==========================================================================================

TEST(Route, CompletionRoutedByIdDownToRequester)
{
	LOAD(P, arm_server_yaml());
	pcie_route_t r = route_down(P, cpld(P.id("nvme2"), PCI_DEVID(0, 0)));
	EXPECT_EQ(r.outcome, PCIE_OUT_FUNCTION) << describe(P, r);
	EXPECT_EQ(r.target, P.idx("nvme2"));
	EXPECT_EQ(r.bar, -1);
	EXPECT_EQ(r.why, PCIE_WHY_CLAIMED_ID);
	EXPECT_EQ(tokens(r),
		  (std::vector<std::string>{"down-id", "down-id", "down-id", "claimed-id"}))
		<< describe(P, r);
	EXPECT_EQ(r.hops[0].node, P.idx("rp2"));
	EXPECT_EQ(r.hops[2].node, P.idx("sw0.dp1"));
	EXPECT_FALSE(r.redirected);

	// To a VF: its routing ID lies in rp1's bus range.
	pcie_route_t v = route_down(P, cpld(P.id("nic0.vf2"), PCI_DEVID(0, 0)));
	EXPECT_EQ(v.outcome, PCIE_OUT_FUNCTION) << describe(P, v);
	EXPECT_EQ(v.target, P.idx("nic0.vf2"));
}

TEST(Route, HostMmioWriteRoutedDownToBar)
{
	LOAD(P, arm_server_yaml());
	// Every port has RR set: downstream traffic is never redirected.
	ASSERT_TRUE(P.func("sw0.dp1").acs_ctrl & PCI_ACS_RR);
	pcie_route_t r = route_down(P, mwr(PCI_DEVID(0, 0), P.bar("nvme2") + 0x40, 4));
	EXPECT_EQ(r.outcome, PCIE_OUT_FUNCTION) << describe(P, r);
	EXPECT_EQ(r.target, P.idx("nvme2"));
	EXPECT_EQ(r.bar, 0);
	EXPECT_EQ(r.why, PCIE_WHY_CLAIMED_BAR);
	EXPECT_FALSE(r.redirected);
	EXPECT_EQ(tokens(r), (std::vector<std::string>{"down", "down", "down", "claimed-bar"}))
		<< describe(P, r);

	// The prefetchable 64-bit BAR of the NIC, and a VF's BAR.
	pcie_route_t n = route_down(P, mwr(PCI_DEVID(0, 0), P.bar("nic0") + 0x1000, 4));
	EXPECT_EQ(n.target, P.idx("nic0")) << describe(P, n);
	pcie_route_t v = route_down(P, mwr(PCI_DEVID(0, 0), P.bar("nic0.vf3"), 4));
	EXPECT_EQ(v.target, P.idx("nic0.vf3")) << describe(P, v);
	// One function of the multi-function accelerator.
	pcie_route_t a = route_down(P, mrd(PCI_DEVID(0, 0), P.bar("accel0.1") + 8, 4));
	EXPECT_EQ(a.target, P.idx("accel0.1")) << describe(P, a);
}

TEST(Route, UnclaimedAddressIsUnsupportedRequest)
{
	LOAD(P, arm_server_yaml());
	const pcie_rc_t &rc = P.fabric()->rcs[0];
	// In the root complex's MMIO window, past every root port's window.
	uint64_t top = rc.mem.limit & ~0xfffull;
	pcie_route_t r = route_down(P, mwr(PCI_DEVID(0, 0), top, 4));
	EXPECT_EQ(r.outcome, PCIE_OUT_UR) << describe(P, r);
	EXPECT_EQ(r.at_node, PCIE_NONE);
	EXPECT_EQ(r.target, PCIE_NONE);
	EXPECT_EQ(r.why, PCIE_WHY_UNCLAIMED);

	// Inside rp0's window (1 MiB granularity) but past nvme0's 16 KiB BAR.
	const pcie_func_t &rp0 = P.func("rp0");
	uint64_t hole = P.bar("nvme0") + 0x8000;
	ASSERT_TRUE(pcie_bridge_claims(&rp0, hole));
	pcie_route_t h = route_down(P, mrd(PCI_DEVID(0, 0), hole, 4));
	EXPECT_EQ(h.outcome, PCIE_OUT_UR) << describe(P, h);
	EXPECT_EQ(h.at_node, P.idx("rp0"));
	EXPECT_EQ(h.why, PCIE_WHY_UNCLAIMED);

	// DMA to an address in no region and no window.
	pcie_route_t d = route_full(P, "nvme0", mrd(P.id("nvme0"), 0x10000000));
	EXPECT_EQ(d.outcome, PCIE_OUT_UR) << describe(P, d);
	EXPECT_EQ(d.why, PCIE_WHY_HOST_UNMAPPED);
	EXPECT_EQ(d.region, PCIE_NONE);
}

// ==========================================================================================
// Latency and determinism
// ==========================================================================================

TEST(Route, DefaultTiming)
{
	pcie_timing_t t = pcie_timing_default();
	EXPECT_EQ(t.switch_hop, 110 * SIM_NS);
	EXPECT_EQ(t.rc_upstream, 150 * SIM_NS);
	EXPECT_EQ(t.rc_downstream, 150 * SIM_NS);
	EXPECT_EQ(t.memory_read, 300 * SIM_NS);
	LOAD(P, arm_server_yaml());
	EXPECT_EQ(0, std::memcmp(&P.fabric()->timing, &t, sizeof t));
}

TEST(Route, LatencyIsSumOfHops)
{
	LOAD(P, arm_server_yaml());
	// 64 B read from a device on a root port: 150 up + 300 memory.
	pcie_route_t a = route_full(P, "nvme0", mrd(P.id("nvme0"), 0x80000000, 64));
	EXPECT_EQ(a.outcome, PCIE_OUT_HOST) << describe(P, a);
	EXPECT_EQ(a.region, 0); // dram0
	EXPECT_EQ(a.why, PCIE_WHY_HOST_MEMORY);
	EXPECT_EQ(a.latency, 450 * SIM_NS) << describe(P, a);
	EXPECT_EQ(a.latency, hop_sum(a));
	EXPECT_EQ(tokens(a), (std::vector<std::string>{"send", "rc-exit", "memory"}));

	// Through the switch: + 110.
	pcie_route_t b = route_full(P, "nvme1", mrd(P.id("nvme1"), 0x80000000, 64));
	EXPECT_EQ(b.latency, (110 + 150 + 300) * SIM_NS) << describe(P, b);
	EXPECT_EQ(b.latency, hop_sum(b));

	// A posted write to memory: 150 + 50.
	pcie_route_t w = route_full(P, "nvme0", mwr(P.id("nvme0"), 0x80000000, 64));
	EXPECT_EQ(w.latency, (150 + 50) * SIM_NS) << describe(P, w);
	EXPECT_EQ(w.latency, hop_sum(w));

	// Host down to a device behind the switch: 150 + 110.
	pcie_route_t d = route_down(P, mwr(PCI_DEVID(0, 0), P.bar("nvme1"), 4));
	EXPECT_EQ(d.latency, (150 + 110) * SIM_NS) << describe(P, d);
	EXPECT_EQ(d.latency, hop_sum(d));

	// Redirected peer-to-peer (RR at sw0.dp0): up through the switch and the root complex,
	// back down: 110 + 150 + 150 + 110.
	tlp_t t = mwr(P.id("nvme1"), P.bar("nvme2"), 64);
	pcie_route_t r = route_full(P, "nvme1", t);
	expect_delivered_via_host(P, r, "nvme2");
	EXPECT_EQ(r.latency, (110 + 150 + 150 + 110) * SIM_NS) << describe(P, r);
	EXPECT_EQ(r.latency, hop_sum(r));

	// Direct peer-to-peer through one switch: one switch hop.
	LOAD(Q, switch_platform(acs("RR", "")));
	pcie_route_t q = route_up(Q, "ep0", mwr(Q.id("ep0"), Q.bar("ep1")));
	expect_delivered_direct(Q, q, "ep1");
	EXPECT_EQ(q.latency, 110 * SIM_NS) << describe(Q, q);
	EXPECT_EQ(q.latency, hop_sum(q));

	// Conventional device behind the PCIe-to-PCI bridge: bridge hop + root port + memory.
	LOAD(L, kLegacyPlatform);
	pcie_route_t l = route_full(L, "pa", mrd(L.id("pa"), 0x80000000, 64));
	EXPECT_EQ(l.latency, (150 + 150 + 300) * SIM_NS) << describe(L, l);
	EXPECT_EQ(l.latency, hop_sum(l));
}

// rp0 -> `depth` nested switches s0..s{depth-1}; the innermost has ea and eb below it. Every
// port has ACS (SV, RR, CR, UF enabled by the kernel).
std::string deep_platform(int depth)
{
	std::string y = R"(name: deep
memory:
  - { name: dram, base: 0x80000000, size: 2G }
root_complexes:
  - name: rc0
    mmio: { base: 0x40000000, size: 256M }
    ports:
      - root_port: rp0
        acs: full
        link:
)";
	std::string ind = "          ";
	for (int i = 0; i < depth; i++) {
		std::string n = std::to_string(i);
		y += ind + "switch: s" + n + "\n";
		y += ind + "downstream:\n";
		if (i == depth - 1) {
			y += ind + "  - { port: s" + n + ".d0, acs: full, link: { endpoint: ea, bars: [16K] } }\n";
			y += ind + "  - { port: s" + n + ".d1, acs: full, link: { endpoint: eb, bars: [16K] } }\n";
		} else {
			y += ind + "  - port: s" + n + ".d0\n";
			y += ind + "    acs: full\n";
			y += ind + "    link:\n";
			ind += "      ";
		}
	}
	return y;
}

TEST(Route, LatencyIsSumOfHopsThroughDeepNesting)
{
	// 11 nested switches (the loader accepts 24 levels). ea -> eb is redirected by the
	// innermost downstream port, forwarded up by every outer one (UF), and comes back down:
	// up 11 x 110 + 150, down 150 + 11 x 110. The route must still account for every hop.
	const int n = 11;
	LOAD(P, deep_platform(n));
	tlp_t t = mwr(P.id("ea"), P.bar("eb"));
	pcie_route_t r = route_full(P, "ea", t);
	expect_delivered_via_host(P, r, "eb");
	EXPECT_EQ(r.latency, (sim_time_t)(220 * n + 300) * SIM_NS);
	EXPECT_EQ(r.latency, hop_sum(r)) << "nhops=" << r.nhops << " " << describe(P, r);
	EXPECT_EQ(r.nhops, (uint32_t)(4 * n + 6)) << describe(P, r);
}

TEST(Route, IdenticalRoutesGiveIdenticalResults)
{
	LOAD(P, arm_server_yaml());
	const struct {
		const char *src;
		tlp_t t;
	} cases[] = {
		{"nvme1", mwr(P.id("nvme1"), P.bar("nvme2"))},
		{"accel0.0", mwr(P.id("accel0.0"), P.bar("accel0.1"))},
		{"nvme0", mrd(P.id("nvme0"), 0x80000000)},
		{"nvme1", mrd(P.id("nvme2"), 0x80000000)},
		{"nic0", mrd(P.id("nic0"), 0x80000000, 64, TLP_AT_TRANSLATED)},
	};
	for (const auto &c : cases) {
		pcie_route_t a = route_full(P, c.src, c.t);
		pcie_route_t b = route_full(P, c.src, c.t);
		SCOPED_TRACE(describe(P, a));
		EXPECT_EQ(a.outcome, b.outcome);
		EXPECT_EQ(a.target, b.target);
		EXPECT_EQ(a.bar, b.bar);
		EXPECT_EQ(a.region, b.region);
		EXPECT_EQ(a.rc, b.rc);
		EXPECT_EQ(a.at_node, b.at_node);
		EXPECT_EQ(a.why, b.why);
		EXPECT_EQ(a.redirected, b.redirected);
		EXPECT_EQ(a.p2p, b.p2p);
		EXPECT_EQ(a.via_host, b.via_host);
		EXPECT_EQ(a.requester_id, b.requester_id);
		EXPECT_EQ(a.latency, b.latency);
		ASSERT_EQ(a.nhops, b.nhops);
		for (uint32_t i = 0; i < a.nhops; i++) {
			EXPECT_EQ(a.hops[i].node, b.hops[i].node);
			EXPECT_EQ(a.hops[i].rc, b.hops[i].rc);
			EXPECT_EQ(a.hops[i].peer, b.hops[i].peer);
			EXPECT_EQ(a.hops[i].why, b.hops[i].why);
			EXPECT_EQ(a.hops[i].latency, b.hops[i].latency);
		}
	}
}

} // namespace
