// SPDX-License-Identifier: MIT
// Simulated memory: what software writes is what hardware reads, at any alignment, across
// pages, with never-written memory reading as zero.
#include <gtest/gtest.h>

#include <cstring>
#include <vector>

extern "C" {
#include "mem.h"
}

namespace {
struct Mem {
	mem_t *m = mem_create();
	~Mem() { mem_destroy(m); }
};
} // namespace

TEST(Mem, NeverWrittenReadsAsZeroAndAllocatesNothing)
{
	Mem m;
	uint8_t buf[64];
	std::memset(buf, 0xaa, sizeof buf);
	EXPECT_EQ(mem_read(m.m, 0x8000'0000'0000ull, buf, sizeof buf), MEM_OK);
	for (uint8_t b : buf)
		EXPECT_EQ(b, 0);
	EXPECT_EQ(mem_pages(m.m), 0u);
}

TEST(Mem, WritesSpanningPagesReadBack)
{
	Mem m;
	std::vector<uint8_t> in(3 * MEM_PAGE_SIZE + 123);
	for (size_t i = 0; i < in.size(); i++)
		in[i] = (uint8_t)(i * 7 + 3);
	const uint64_t pa = 0x8000'0ff0; // unaligned, crosses four page boundaries
	ASSERT_EQ(mem_write(m.m, pa, in.data(), in.size()), MEM_OK);
	std::vector<uint8_t> out(in.size());
	ASSERT_EQ(mem_read(m.m, pa, out.data(), out.size()), MEM_OK);
	EXPECT_EQ(in, out);
	EXPECT_EQ(mem_pages(m.m), 5u);
	uint8_t before = 0xff;
	mem_read(m.m, pa - 1, &before, 1);
	EXPECT_EQ(before, 0); // neighbours untouched
}

TEST(Mem, ManyScatteredPagesSurviveTableGrowth)
{
	Mem m;
	for (uint64_t i = 0; i < 5000; i++) {
		uint64_t v = i * 0x1234567ull;
		ASSERT_EQ(mem_write(m.m, i * 0x20'0000ull + 8, &v, 8), MEM_OK);
	}
	for (uint64_t i = 0; i < 5000; i++) {
		uint64_t v = 0;
		mem_read(m.m, i * 0x20'0000ull + 8, &v, 8);
		ASSERT_EQ(v, i * 0x1234567ull) << i;
	}
	EXPECT_EQ(mem_pages(m.m), 5000u);
}

TEST(Mem, FillAndLittleEndianHelpers)
{
	Mem m;
	ASSERT_EQ(mem_fill(m.m, 0x1000, 0x5a, 600), MEM_OK);
	uint8_t b[8];
	mem_read(m.m, 0x1000 + 592, b, 8);
	for (uint8_t x : b)
		EXPECT_EQ(x, 0x5a);
	uint8_t le[8];
	mem_put_le64(le, 0x0102030405060708ull);
	EXPECT_EQ(le[0], 0x08);
	EXPECT_EQ(le[7], 0x01);
	EXPECT_EQ(mem_le64(le), 0x0102030405060708ull);
	mem_port_t port = mem_port_direct(m.m);
	mem_write(m.m, 0x2000, le, 8);
	uint64_t v = 0;
	EXPECT_EQ(mem_port_read64(&port, 0x2000, &v), MEM_OK);
	EXPECT_EQ(v, 0x0102030405060708ull);
}
