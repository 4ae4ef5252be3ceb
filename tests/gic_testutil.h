// SPDX-License-Identifier: MIT
// gic_testutil.h — a GICv3 system for the interrupt suites: distributor, redistributors and an
// ITS over simulated DRAM, programmed by the driver layer as Linux programs them, with every
// delivery recorded.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

extern "C" {
#include "gic.h"
#include "gic_drv.h"
#include "gicv2m.h"
#include "iopgtable.h"
#include "its.h"
}

namespace iofab_test {

constexpr uint64_t kItsBase = 0x3004'0000;

struct GicSys {
	sim_t *sim = sim_create(1);
	mem_t *mem = mem_create();
	physalloc_t alloc;
	gic_t *gic = nullptr;
	its_t *its = nullptr;
	gic_drv_t gd{};
	its_drv_t d{};
	std::vector<gic_delivery_t> got;
	// Accesses in [hole_lo, hole_hi) abort, as memory that is not there.
	uint64_t hole_lo = 0, hole_hi = 0;

	static mem_status_t port_read(void *c, uint64_t pa, void *b, size_t n)
	{
		auto *s = static_cast<GicSys *>(c);
		if (pa < s->hole_hi && pa + n > s->hole_lo)
			return MEM_ERR_ABORT;
		return mem_read(s->mem, pa, b, n);
	}
	static mem_status_t port_write(void *c, uint64_t pa, const void *b, size_t n)
	{
		auto *s = static_cast<GicSys *>(c);
		if (pa < s->hole_hi && pa + n > s->hole_lo)
			return MEM_ERR_ABORT;
		return mem_write(s->mem, pa, b, n);
	}
	mem_port_t port() { return mem_port_t{port_read, port_write, this}; }

	explicit GicSys(its_params_t ip = its_params_default(), gic_params_t gp = gic_params_default())
	{
		physalloc_init(&alloc, 0x8000'0000, 512ull << 20);
		gic = gic_create(sim, &gp, port());
		EXPECT_NE(gic, nullptr);
		gic_set_deliver_client(gic, [](void *ctx, const gic_delivery_t *dl) {
			static_cast<GicSys *>(ctx)->got.push_back(*dl);
		}, this);
		EXPECT_EQ(gic_drv_init(&gd, gic, sim, mem, &alloc), 0);
		its = its_create(sim, &ip, port(), gic, "its0");
		EXPECT_NE(its, nullptr);
		EXPECT_EQ(its_drv_probe(&d, &gd, its, kItsBase), 0);
	}
	~GicSys()
	{
		its_drv_free(&d);
		gic_drv_free(&gd);
		its_destroy(its);
		gic_destroy(gic);
		mem_destroy(mem);
		sim_destroy(sim);
	}
	// Runs everything scheduled (deliveries included).
	void settle() { sim_run(sim, SIM_TIME_MAX); }
	// Queues one raw command (no SYNC) and waits for the ITS to consume it.
	void cmd(const uint64_t c[4]) { ASSERT_EQ(its_drv_send(&d, c, -1), 0); its_drv_wait(&d); }
	its_xlate_t msi(uint32_t devid, uint32_t event, uint64_t tag = 1)
	{
		its_xlate_t x;
		its_msi(its, devid, event, tag, sim_now(sim), &x);
		return x;
	}
	std::vector<its_cmd_error_t> errors()
	{
		std::vector<its_cmd_error_t> v(ITS_ERR_LOG);
		v.resize(its_cmd_errors(its, v.data(), ITS_ERR_LOG));
		return v;
	}
	std::string last_error()
	{
		auto v = errors();
		if (v.empty())
			return "none";
		char b[48];
		return its_error_name(v.back().code, b, sizeof b);
	}
};

} // namespace iofab_test
