// SPDX-License-Identifier: MIT
// test_tlp.cpp — TLP headers (model/tlp.c): consistency checks (tlp_check), one-line formatting
// (tlp_format, tlp_format_bdf) and the routing-ID macros.
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <type_traits>

#include "tlp.h"

namespace {

tlp_t valid_mrd()
{
	tlp_t t{};
	t.type = TLP_MRD;
	t.requester_id = PCI_DEVID(3, PCI_DEVFN(0, 0));
	t.address = 0x80001000;
	t.length = 64;
	return t;
}

tlp_t valid_cfgrd()
{
	tlp_t t{};
	t.type = TLP_CFGRD;
	t.requester_id = PCI_DEVID(0, 0);
	t.completer_id = PCI_DEVID(3, PCI_DEVFN(0, 0));
	t.cfg_reg = 0x100;
	t.length = 4;
	return t;
}

std::string format(const tlp_t &t)
{
	char buf[256];
	int n = tlp_format(buf, sizeof buf, &t);
	EXPECT_EQ(n, (int)std::strlen(buf));
	return buf;
}

std::string bdf(uint16_t segment, uint16_t id)
{
	char buf[13];
	tlp_format_bdf(buf, sizeof buf, segment, id);
	return buf;
}

// --- tlp_check -------------------------------------------------------------------------------

TEST(Tlp, CheckAcceptsValidHeaders)
{
	tlp_t t = valid_mrd();
	EXPECT_EQ(tlp_check(&t), nullptr);
	t.type = TLP_MWR;
	t.at = TLP_AT_TRANSLATED;
	t.has_pasid = true;
	t.pasid = TLP_PASID_MAX;
	EXPECT_EQ(tlp_check(&t), nullptr) << tlp_check(&t);
	t.length = 4096;
	EXPECT_EQ(tlp_check(&t), nullptr) << tlp_check(&t);
	tlp_t c = valid_cfgrd();
	EXPECT_EQ(tlp_check(&c), nullptr);
	c.cfg_reg = 0xFFF;
	EXPECT_EQ(tlp_check(&c), nullptr);
	tlp_t cpl{};
	cpl.type = TLP_CPL; // a completion without data has no length
	EXPECT_EQ(tlp_check(&cpl), nullptr);
}

TEST(Tlp, CheckPasidWiderThan20Bits)
{
	tlp_t t = valid_mrd();
	t.has_pasid = true;
	t.pasid = TLP_PASID_MAX + 1; // 0x100000
	const char *e = tlp_check(&t);
	ASSERT_NE(e, nullptr);
	EXPECT_NE(std::string(e).find("PASID"), std::string::npos) << e;
	t.pasid = 0xFFFFFFFFu;
	EXPECT_NE(tlp_check(&t), nullptr);
	// Without a PASID prefix the field is not part of the TLP.
	t.has_pasid = false;
	EXPECT_EQ(tlp_check(&t), nullptr);
}

TEST(Tlp, CheckAtOnNonMemoryTlp)
{
	const tlp_type_t non_memory[] = {TLP_CPL, TLP_CPLD, TLP_MSG, TLP_CFGRD, TLP_CFGWR};
	for (tlp_type_t type : non_memory) {
		for (tlp_at_t at : {TLP_AT_TRANSLATION_REQ, TLP_AT_TRANSLATED}) {
			SCOPED_TRACE(std::string(tlp_type_name(type)) + " AT=" + tlp_at_name(at));
			tlp_t t = valid_cfgrd();
			t.type = type;
			t.at = at;
			const char *e = tlp_check(&t);
			ASSERT_NE(e, nullptr);
			EXPECT_NE(std::string(e).find("AT"), std::string::npos) << e;
		}
	}
	// An address-routed message carries an address, but no AT field either.
	tlp_t m{};
	m.type = TLP_MSG;
	m.msg_routing = TLP_MSG_BY_ADDR;
	m.address = 0x1000;
	m.at = TLP_AT_TRANSLATED;
	EXPECT_NE(tlp_check(&m), nullptr);
}

TEST(Tlp, CheckZeroLengthMemoryRequest)
{
	tlp_t t = valid_mrd();
	t.length = 0;
	EXPECT_NE(tlp_check(&t), nullptr);
	t.type = TLP_MWR;
	EXPECT_NE(tlp_check(&t), nullptr);
}

TEST(Tlp, CheckLengthAbove4096)
{
	tlp_t t = valid_mrd();
	t.length = 4097;
	EXPECT_NE(tlp_check(&t), nullptr);
	t.type = TLP_MWR;
	EXPECT_NE(tlp_check(&t), nullptr);
	t.length = 4096;
	EXPECT_EQ(tlp_check(&t), nullptr);
}

TEST(Tlp, CheckConfigRegisterBeyond4K)
{
	tlp_t t = valid_cfgrd();
	t.cfg_reg = 0x1000;
	EXPECT_NE(tlp_check(&t), nullptr);
	t.type = TLP_CFGWR;
	EXPECT_NE(tlp_check(&t), nullptr);
	t.cfg_reg = 0xFFC;
	EXPECT_EQ(tlp_check(&t), nullptr);
}

// --- tlp_format ------------------------------------------------------------------------------

TEST(Tlp, FormatMemoryWriteWithPasidAndTranslatedAt)
{
	tlp_t t = valid_mrd();
	t.type = TLP_MWR;
	t.at = TLP_AT_TRANSLATED;
	t.has_pasid = true;
	t.pasid = 5;
	EXPECT_EQ(format(t), "MWr 0000:03:00.0 addr=0x80001000 len=64 AT=translated PASID=0x5");
	t.pasid_exec = true;
	t.pasid_priv = true;
	t.segment = 1;
	t.pasid = 0xABCDE;
	EXPECT_EQ(format(t),
		  "MWr 0001:03:00.0 addr=0x80001000 len=64 AT=translated PASID=0xabcde exe priv");
	// Untranslated requests without a prefix carry neither.
	EXPECT_EQ(format(valid_mrd()), "MRd 0000:03:00.0 addr=0x80001000 len=64");
}

TEST(Tlp, FormatCompletion)
{
	tlp_t t{};
	t.type = TLP_CPLD;
	t.requester_id = PCI_DEVID(3, PCI_DEVFN(0, 0));
	t.completer_id = PCI_DEVID(0, PCI_DEVFN(0, 0));
	t.length = 64;
	t.cpl_status = TLP_CPL_SC;
	EXPECT_EQ(format(t), "CplD to 0000:03:00.0 from 0000:00:00.0 len=64 status=SC");
	t.type = TLP_CPL;
	t.length = 0;
	t.cpl_status = TLP_CPL_UR;
	EXPECT_EQ(format(t), "Cpl to 0000:03:00.0 from 0000:00:00.0 len=0 status=UR");
	t.cpl_status = TLP_CPL_CA;
	EXPECT_EQ(format(t), "Cpl to 0000:03:00.0 from 0000:00:00.0 len=0 status=CA");
	t.cpl_status = TLP_CPL_CRS;
	EXPECT_EQ(format(t), "Cpl to 0000:03:00.0 from 0000:00:00.0 len=0 status=CRS");
}

TEST(Tlp, FormatReservedCompletionStatusIsNotCrs)
{
	// Completion Status 011b, 101b-111b are reserved (§2.2.9); only 010b is CRS.
	tlp_t t{};
	t.type = TLP_CPL;
	t.requester_id = PCI_DEVID(3, 0);
	for (int status : {3, 5, 6, 7}) {
		SCOPED_TRACE(status);
		t.cpl_status = (tlp_cpl_status_t)status;
		EXPECT_EQ(format(t).find("status=CRS"), std::string::npos) << format(t);
	}
}

TEST(Tlp, FormatConfigRead)
{
	tlp_t t = valid_cfgrd();
	EXPECT_EQ(format(t), "CfgRd 0000:03:00.0 reg=0x100 from 0000:00:00.0");
	t.type = TLP_CFGWR;
	t.cfg_reg = 0x4;
	EXPECT_EQ(format(t), "CfgWr 0000:03:00.0 reg=0x004 from 0000:00:00.0");
}

TEST(Tlp, FormatTruncatesAndReportsFullLength)
{
	tlp_t t = valid_mrd();
	t.type = TLP_MWR;
	t.at = TLP_AT_TRANSLATED;
	t.has_pasid = true;
	t.pasid = 5;
	t.poisoned = true;
	const std::string full = format(t);
	EXPECT_EQ(full, "MWr 0000:03:00.0 addr=0x80001000 len=64 AT=translated PASID=0x5 poisoned");
	for (size_t size : {size_t{1}, size_t{10}, size_t{45}, size_t{52}, size_t{60}}) {
		SCOPED_TRACE(size);
		char buf[128];
		std::memset(buf, 'X', sizeof buf);
		int n = tlp_format(buf, size, &t);
		EXPECT_EQ(n, (int)full.size());
		EXPECT_EQ(std::string(buf), full.substr(0, size - 1));
		EXPECT_EQ(buf[size], 'X'); // nothing written past the buffer
	}
}

// --- routing IDs -------------------------------------------------------------------------------

TEST(Tlp, RoutingIdMacros)
{
	static_assert(std::is_same<decltype(PCI_DEVFN(1, 2)), uint8_t>::value, "devfn is 8 bits");
	static_assert(std::is_same<decltype(PCI_DEVID(1, 2)), uint16_t>::value, "ID is 16 bits");
	EXPECT_EQ(PCI_DEVFN(0, 0), 0x00);
	EXPECT_EQ(PCI_DEVFN(3, 2), 0x1a);
	EXPECT_EQ(PCI_DEVFN(0x1f, 7), 0xff);
	EXPECT_EQ(PCI_DEVFN(0x20, 8), 0x00); // device 5 bits, function 3 bits
	EXPECT_EQ(PCI_SLOT(0x1a), 3);
	EXPECT_EQ(PCI_FUNC(0x1a), 2);
	EXPECT_EQ(PCI_SLOT(0xff), 0x1f);
	EXPECT_EQ(PCI_FUNC(0xff), 7);
	EXPECT_EQ(PCI_DEVID(0x3a, PCI_DEVFN(3, 2)), 0x3a1a);
	EXPECT_EQ(PCI_DEVID(0xff, 0xff), 0xffff);
	EXPECT_EQ(PCI_BUS_NUM(0x3a1a), 0x3a);
	EXPECT_EQ(PCI_DEVFN_OF(0x3a1a), 0x1a);
	for (unsigned bus = 0; bus < 256; bus += 17)
		for (unsigned dev = 0; dev < 32; dev += 5)
			for (unsigned fn = 0; fn < 8; fn++) {
				uint16_t id = PCI_DEVID(bus, PCI_DEVFN(dev, fn));
				EXPECT_EQ(PCI_BUS_NUM(id), bus);
				EXPECT_EQ(PCI_SLOT(PCI_DEVFN_OF(id)), dev);
				EXPECT_EQ(PCI_FUNC(PCI_DEVFN_OF(id)), fn);
			}
}

TEST(Tlp, FormatBdf)
{
	EXPECT_EQ(bdf(0, 0), "0000:00:00.0");
	EXPECT_EQ(bdf(0, PCI_DEVID(3, PCI_DEVFN(0x1c, 4))), "0000:03:1c.4");
	EXPECT_EQ(bdf(0x1234, 0xffff), "1234:ff:1f.7");
	EXPECT_EQ(bdf(0xffff, PCI_DEVID(0xa, PCI_DEVFN(1, 1))), "ffff:0a:01.1");
	// A short buffer is truncated and stays NUL-terminated.
	char small[8];
	std::memset(small, 'X', sizeof small);
	tlp_format_bdf(small, 5, 0x1234, 0xffff);
	EXPECT_STREQ(small, "1234");
	EXPECT_EQ(small[5], 'X');
}

} // namespace
