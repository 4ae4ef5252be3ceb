/* SPDX-License-Identifier: MIT */
/*
 * platform_smmu.c — the `smmus:` section of a platform file: each SMMU's features (its ID
 * registers), caches, timing, register frame, and the root complexes whose traffic it
 * translates with their StreamID mapping (as an IORT root-complex node's ID mapping says).
 * Format: docs/platform-format.md.
 */
#include <stdlib.h>
#include <string.h>

#include "platform.h"

bool platform_parse_geom(const ycur_t *c, cache_geom_t *g)
{
	if (!c->node)
		return true;
	if (!yexpect_map(c))
		return false;
	static const char *const keys[] = {"entries", "ways", "replacement", NULL};
	bool ok = ykeys(c, keys);
	ycur_t e = yget(c, "entries"), w = yget(c, "ways"), r = yget(c, "replacement");
	ok &= yopt_u32(&e, &g->entries, 0, 1u << 20);
	if (e.node && !w.node)
		g->ways = g->entries; /* fully associative unless told otherwise */
	ok &= yopt_u32(&w, &g->ways, 1, 1u << 20);
	static const char *const repl[] = {"lru", "round-robin", "random", NULL};
	int v;
	if (r.node) {
		if (yenum(&r, repl, &v))
			g->repl = (cache_repl_t)v;
		else
			ok = false;
	}
	if (ok && g->entries && (g->ways > g->entries || g->entries % g->ways)) {
		yerr(c, "%u entries cannot be split into sets of %u ways", g->entries, g->ways);
		ok = false;
	}
	return ok;
}

bool platform_check_frame(const platform_t *p, const ycur_t *at, const char *what, uint64_t lo,
			  uint64_t size)
{
	uint64_t hi = lo + size - 1;
	if (hi < lo) {
		yerr(at, "%s run past the top of the address space", what);
		return false;
	}
	for (uint32_t r = 0; r < p->fabric.nregions; r++) {
		const pcie_region_t *reg = &p->fabric.regions[r];
		if (lo <= reg->base + reg->size - 1 && reg->base <= hi) {
			yerr(at, "%s [0x%llx-0x%llx] overlap memory region '%s'", what,
			     (unsigned long long)lo, (unsigned long long)hi, reg->name);
			return false;
		}
	}
	for (uint32_t r = 0; r < p->fabric.nrcs; r++) {
		const pcie_rc_t *rc = &p->fabric.rcs[r];
		const pcie_window_t w[2] = {rc->mem, rc->pref};
		for (int k = 0; k < 2; k++)
			if (w[k].base <= w[k].limit && lo <= w[k].limit && w[k].base <= hi) {
				yerr(at, "%s [0x%llx-0x%llx] overlap the MMIO window of root complex '%s'",
				     what, (unsigned long long)lo, (unsigned long long)hi, rc->name);
				return false;
			}
	}
	return true;
}

static bool parse_features(const ycur_t *c, smmu_params_t *p)
{
	if (!c->node)
		return true;
	if (!yexpect_map(c))
		return false;
	static const char *const keys[] = {"stage1", "stage2", "ats", "msi", "stall",
					   "two_level_stream_table", "two_level_cd", "sid_bits",
					   "ssid_bits", "oas", "granules", NULL};
	bool ok = ykeys(c, keys);
	ycur_t s1 = yget(c, "stage1"), s2 = yget(c, "stage2"), ats = yget(c, "ats"),
	       msi = yget(c, "msi"), st = yget(c, "stall"), l2 = yget(c, "two_level_stream_table"),
	       cd2 = yget(c, "two_level_cd"), sb = yget(c, "sid_bits"), ssb = yget(c, "ssid_bits"),
	       oas = yget(c, "oas"), gr = yget(c, "granules");
	ok &= yopt_bool(&s1, &p->s1p) & yopt_bool(&s2, &p->s2p) & yopt_bool(&ats, &p->ats) &
	      yopt_bool(&msi, &p->msi) & yopt_bool(&st, &p->stall) &
	      yopt_bool(&l2, &p->two_level_st) & yopt_bool(&cd2, &p->cd2l);
	ok &= yopt_u8(&sb, &p->sidsize, 1, 32) & yopt_u8(&ssb, &p->ssidsize, 0, 20);
	if (oas.node) {
		static const char *const sizes[] = {"32", "36", "40", "42", "44", "48", NULL};
		static const uint8_t bits[] = {32, 36, 40, 42, 44, 48};
		int v;
		if (yenum(&oas, sizes, &v))
			p->oas = bits[v];
		else
			ok = false;
	}
	if (gr.node) {
		if (!yexpect_seq(&gr))
			return false;
		p->gran4k = p->gran16k = p->gran64k = false;
		static const char *const gs[] = {"4K", "16K", "64K", NULL};
		for (size_t i = 0; i < ylen(&gr); i++) {
			ycur_t g = yat(&gr, i);
			int v;
			if (!yenum(&g, gs, &v)) {
				ok = false;
				continue;
			}
			*(v == 0 ? &p->gran4k : v == 1 ? &p->gran16k : &p->gran64k) = true;
		}
	}
	if (ok && !p->s1p && !p->s2p) {
		yerr(c, "an SMMU needs stage1 or stage2 (or both)");
		ok = false;
	}
	if (ok && !p->gran4k && !p->gran16k && !p->gran64k) {
		yerr(c, "an SMMU needs at least one granule");
		ok = false;
	}
	return ok;
}

static bool parse_timing(const ycur_t *c, smmu_params_t *p)
{
	if (!c->node)
		return true;
	if (!yexpect_map(c))
		return false;
	static const char *const keys[] = {"profile",	      "tbus",
					   "tbu_mhz",	      "tcu_mhz",
					   "utlb_cycles",     "tlb_cycles",
					   "link_ns",	      "response_cycles",
					   "config_lookup_cycles", "walk_lookup_cycles",
					   "table_read_ns",   "translation_slots",
					   "walk_slots",      "command_cycles",
					   "invalidation_cycles", NULL};
	bool ok = ykeys(c, keys);
	ycur_t prof = yget(c, "profile");
	(void)prof; /* applied before the caches (platform_parse_smmus) */
	uint32_t tbus = p->tbus, tbu_mhz = (uint32_t)(p->tbu_hz / 1000000),
		 tcu_mhz = (uint32_t)(p->tcu_hz / 1000000), link = (uint32_t)(p->tbu_tcu_link / SIM_NS),
		 read = (uint32_t)(p->mem_read / SIM_NS);
	ycur_t f;
	f = yget(c, "tbus");
	ok &= yopt_u32(&f, &tbus, 1, 64);
	f = yget(c, "tbu_mhz");
	ok &= yopt_u32(&f, &tbu_mhz, 1, 100000);
	f = yget(c, "tcu_mhz");
	ok &= yopt_u32(&f, &tcu_mhz, 1, 100000);
	f = yget(c, "link_ns");
	ok &= yopt_u32(&f, &link, 0, 1000000);
	f = yget(c, "table_read_ns");
	ok &= yopt_u32(&f, &read, 0, 1000000);
	f = yget(c, "utlb_cycles");
	ok &= yopt_u32(&f, &p->utlb_cycles, 0, 1000);
	f = yget(c, "tlb_cycles");
	ok &= yopt_u32(&f, &p->tlb_cycles, 0, 1000);
	f = yget(c, "response_cycles");
	ok &= yopt_u32(&f, &p->tcu_response_cycles, 0, 1000);
	f = yget(c, "config_lookup_cycles");
	ok &= yopt_u32(&f, &p->cfg_lookup_cycles, 0, 1000);
	f = yget(c, "walk_lookup_cycles");
	ok &= yopt_u32(&f, &p->wc_lookup_cycles, 0, 1000);
	f = yget(c, "translation_slots");
	ok &= yopt_u32(&f, &p->translation_slots, 1, 4096);
	f = yget(c, "walk_slots");
	ok &= yopt_u32(&f, &p->walk_slots, 1, 4096);
	f = yget(c, "command_cycles");
	ok &= yopt_u32(&f, &p->cmd_cycles, 0, 100000);
	f = yget(c, "invalidation_cycles");
	ok &= yopt_u32(&f, &p->inval_cycles, 0, 100000);
	p->tbus = tbus;
	p->tbu_hz = (uint64_t)tbu_mhz * 1000000;
	p->tcu_hz = (uint64_t)tcu_mhz * 1000000;
	p->tbu_tcu_link = (sim_time_t)link * SIM_NS;
	p->mem_read = (sim_time_t)read * SIM_NS;
	return ok;
}

bool platform_parse_smmus(platform_t *p, const ycur_t *c)
{
	if (!yexpect_seq(c))
		return false;
	size_t n = ylen(c);
	p->smmus = calloc(n + 1, sizeof *p->smmus);
	if (!p->smmus) {
		yerr(c, "out of memory");
		return false;
	}
	bool ok = true;
	for (size_t i = 0; i < n; i++) {
		ycur_t sc = yat(c, i);
		if (!yexpect_map(&sc)) {
			ok = false;
			continue;
		}
		static const char *const keys[] = {"name",   "base",	"streams", "features",
						   "caches", "timing", "msi",	   NULL};
		ok &= ykeys(&sc, keys);
		platform_smmu_t *sm = &p->smmus[p->nsmmus];
		sm->params = smmu_params_default();
		/* timing.profile first: the caches and timing given explicitly override it. */
		ycur_t tm = yget(&sc, "timing");
		ycur_t prof = tm.node && yis_map(&tm) ? yget(&tm, "profile") : (ycur_t){0};
		if (prof.node) {
			static const char *const profiles[] = {"mmu600-like", "x86-like", NULL};
			int v;
			if (!yenum(&prof, profiles, &v))
				ok = false;
			else if (v == 1)
				sm->params = smmu_params_x86_like();
		}
		sm->line = yline(&sc);
		/* arm-smmu-v3's software MSI window (MSI_IOVA_BASE, MSI_IOVA_LENGTH). */
		sm->msi_window = 0x08000000;
		sm->msi_window_size = 0x100000;
		ycur_t nm = yneed(&sc, "name"), base = yneed(&sc, "base"), streams = yneed(&sc, "streams"),
		       feat = yget(&sc, "features"), caches = yget(&sc, "caches"),
		       timing = yget(&sc, "timing");
		bool sok = ystr(&nm, sm->name, sizeof sm->name) && yu64(&base, &sm->base, 0, UINT64_MAX);
		for (unsigned j = 0; sok && j < p->nsmmus; j++)
			if (!strcmp(p->smmus[j].name, sm->name)) {
				yerr(&nm, "duplicate SMMU name '%s'", sm->name);
				sok = false;
			}
		if (sok && (sm->base & 0xffff)) {
			yerr(&base, "an SMMU's register frame must be 64 KiB aligned");
			sok = false;
		}
		if (sok) {
			/* Its 128 KiB frame must not overlap memory, a PCIe window or another SMMU. */
			uint64_t lo = sm->base, hi = sm->base + SMMU_MMIO_SIZE - 1;
			sok = platform_check_frame(p, &base, "the SMMU's registers", lo, SMMU_MMIO_SIZE);
			for (uint32_t j = 0; j < p->nsmmus && sok; j++)
				if (lo <= p->smmus[j].base + SMMU_MMIO_SIZE - 1 && p->smmus[j].base <= hi) {
					yerr(&base, "the SMMU's registers [0x%llx-0x%llx] overlap those of "
						    "SMMU '%s'",
					     (unsigned long long)lo, (unsigned long long)hi,
					     p->smmus[j].name);
					sok = false;
				}
		}
		ok &= sok;
		ok &= parse_features(&feat, &sm->params);
		if (caches.node) {
			if (yexpect_map(&caches)) {
				static const char *const ck[] = {"utlb", "tlb", "config", "walk", NULL};
				ok &= ykeys(&caches, ck);
				ycur_t u = yget(&caches, "utlb"), t = yget(&caches, "tlb"),
				       cf = yget(&caches, "config"), w = yget(&caches, "walk");
				ok &= platform_parse_geom(&u, &sm->params.utlb) &
				      platform_parse_geom(&t, &sm->params.tlb) &
				      platform_parse_geom(&cf, &sm->params.cfg_cache) &
				      platform_parse_geom(&w, &sm->params.walk_cache);
			} else {
				ok = false;
			}
		}
		ok &= parse_timing(&timing, &sm->params);
		ycur_t msi = yget(&sc, "msi");
		if (msi.node && ytext(&msi)) {
			static const char *const forms[] = {"bypass", "window", NULL};
			int v;
			if (yenum(&msi, forms, &v))
				sm->msi_bypass = v == 0;
			else
				ok = false;
		} else if (msi.node && yexpect_map(&msi)) {
			static const char *const mk[] = {"window", "size", NULL};
			ok &= ykeys(&msi, mk);
			ycur_t w = yget(&msi, "window"), z = yget(&msi, "size");
			if (w.node && !yu64(&w, &sm->msi_window, 0, (1ull << 48) - 1))
				ok = false;
			if (z.node && !ysize(&z, &sm->msi_window_size, 4096, 1ull << 32))
				ok = false;
			if ((sm->msi_window | sm->msi_window_size) & 0xfff) {
				yerr(&msi, "the MSI window must be 4 KiB aligned");
				ok = false;
			}
		} else if (msi.node) {
			ok = false;
		}
		if (streams.node && yexpect_seq(&streams)) {
			for (size_t k = 0; k < ylen(&streams); k++) {
				ycur_t m = yat(&streams, k);
				if (!yexpect_map(&m)) {
					ok = false;
					continue;
				}
				static const char *const mk[] = {"rc", "sid_base", NULL};
				ok &= ykeys(&m, mk);
				ycur_t rcn = yneed(&m, "rc"), sb = yget(&m, "sid_base");
				const char *rname = ytext(&rcn);
				int32_t rc = PCIE_NONE;
				for (uint32_t r = 0; rname && r < p->fabric.nrcs; r++)
					if (!strcmp(p->fabric.rcs[r].name, rname))
						rc = (int32_t)r;
				if (rc == PCIE_NONE) {
					if (rcn.node)
						yerr(&rcn, "no root complex '%s'", rname ? rname : "");
					ok = false;
					continue;
				}
				if (p->rc_smmu[rc] >= 0) {
					yerr(&rcn, "root complex '%s' is already behind SMMU '%s'", rname,
					     p->smmus[p->rc_smmu[rc]].name);
					ok = false;
					continue;
				}
				uint32_t sid_base = 0;
				if (!yopt_u32(&sb, &sid_base, 0, UINT32_MAX - 0xffff)) {
					ok = false;
					continue;
				}
				uint64_t last = (uint64_t)sid_base + 0xffff;
				if (sm->params.sidsize < 32 && (last >> sm->params.sidsize)) {
					yerr(sb.node ? &sb : &m,
					     "StreamIDs up to 0x%llx do not fit in the SMMU's %u StreamID bits",
					     (unsigned long long)last, (unsigned)sm->params.sidsize);
					ok = false;
					continue;
				}
				/* Each root complex brings 2^16 Requester IDs; on one SMMU their
				 * StreamIDs must not collide (IORT ID mappings, DEN0049 §3.4). */
				int32_t clash = PCIE_NONE;
				for (uint32_t o = 0; o < p->fabric.nrcs && clash == PCIE_NONE; o++)
					if (p->rc_smmu[o] == (int32_t)p->nsmmus &&
					    p->rc_sid_base[o] <= last && sid_base <= p->rc_sid_base[o] + 0xffffull)
						clash = (int32_t)o;
				if (clash != PCIE_NONE) {
					yerr(sb.node ? &sb : &m,
					     "StreamIDs [0x%x-0x%llx] of root complex '%s' overlap those of "
					     "root complex '%s' (give each a sid_base 0x10000 apart)",
					     sid_base, (unsigned long long)last, rname,
					     p->fabric.rcs[clash].name);
					ok = false;
					continue;
				}
				p->rc_smmu[rc] = (int32_t)p->nsmmus;
				p->rc_sid_base[rc] = sid_base;
			}
		} else if (streams.node) {
			ok = false;
		}
		p->nsmmus++;
	}
	/* The register frames join the memory map as device regions: whatever reaches those
	 * addresses (the host, or DMA that translates or bypasses to them) reaches the SMMU. */
	for (unsigned i = 0; ok && i < p->nsmmus; i++) {
		platform_smmu_t *sm = &p->smmus[i];
		for (uint32_t r = 0; r < p->fabric.nregions && ok; r++)
			if (!strcmp(p->fabric.regions[r].name, sm->name)) {
				yerr(c, "SMMU '%s' has the name of a memory region; SMMU register frames "
					"join the memory map under their SMMU's name",
				     sm->name);
				ok = false;
			}
		if (ok) {
			sm->region = pcie_add_region(&p->fabric, sm->name, PCIE_REGION_DEVICE, sm->base,
						     SMMU_MMIO_SIZE);
			ok = sm->region != PCIE_NONE;
		}
	}
	return ok;
}
