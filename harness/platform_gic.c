/* SPDX-License-Identifier: MIT */
/*
 * platform_gic.c — the `gic:` section of a platform file: the GICv3 distributor and its
 * redistributors (one per PE), the ITSs with the root complexes whose DeviceIDs they see (an
 * IORT ITS-group mapping: DeviceID = Requester ID + base), and the GICv2m frames with the
 * SPIs each owns and the root complexes whose writes reach it. Every frame joins the memory
 * map. Format: docs/platform-format.md.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "platform.h"

static int32_t find_rc(const platform_t *p, const ycur_t *c)
{
	const char *name = ytext(c);
	for (uint32_t r = 0; name && r < p->fabric.nrcs; r++)
		if (!strcmp(p->fabric.rcs[r].name, name))
			return (int32_t)r;
	yerr(c, "no root complex '%s'", name ? name : "");
	return PCIE_NONE;
}

/* Whether `name` is free for a new region (frames join the memory map under their names). */
static bool name_free(const platform_t *p, const ycur_t *at, const char *name)
{
	for (uint32_t r = 0; r < p->fabric.nregions; r++)
		if (!strcmp(p->fabric.regions[r].name, name)) {
			yerr(at, "the name '%s' is taken by a memory region (GIC frames join the memory "
				 "map under their own names)",
			     name);
			return false;
		}
	return true;
}

/* Adds a frame as a region after checking it against the memory map and the PCIe windows. */
static int32_t add_frame(platform_t *p, const ycur_t *at, const char *name, const char *what,
			 pcie_region_kind_t kind, uint64_t base, uint64_t size)
{
	if (!name_free(p, at, name) || !platform_check_frame(p, at, what, base, size))
		return PCIE_NONE;
	int32_t r = pcie_add_region(&p->fabric, name, kind, base, size);
	if (r == PCIE_NONE)
		yerr(at, "out of memory");
	return r;
}

static bool parse_gic_timing(const ycur_t *c, gic_params_t *g)
{
	if (!c->node)
		return true;
	if (!yexpect_map(c))
		return false;
	static const char *const keys[] = {"mhz", "config_lookup_cycles", "table_read_ns",
					   "signal_ns", NULL};
	bool ok = ykeys(c, keys);
	uint32_t mhz = (uint32_t)(g->hz / 1000000), rd = (uint32_t)(g->mem_read / SIM_NS),
		 sig = (uint32_t)(g->signal / SIM_NS);
	ycur_t f = yget(c, "mhz");
	ok &= yopt_u32(&f, &mhz, 1, 100000);
	f = yget(c, "config_lookup_cycles");
	ok &= yopt_u32(&f, &g->cfg_cycles, 0, 1000);
	f = yget(c, "table_read_ns");
	ok &= yopt_u32(&f, &rd, 0, 1000000);
	f = yget(c, "signal_ns");
	ok &= yopt_u32(&f, &sig, 0, 1000000);
	g->hz = (uint64_t)mhz * 1000000;
	g->mem_read = (sim_time_t)rd * SIM_NS;
	g->signal = (sim_time_t)sig * SIM_NS;
	return ok;
}

static bool parse_its_timing(const ycur_t *c, its_params_t *q)
{
	if (!c->node)
		return true;
	if (!yexpect_map(c))
		return false;
	static const char *const keys[] = {"mhz", "hit_cycles", "command_cycles", "table_read_ns",
					   "hop_ns", NULL};
	bool ok = ykeys(c, keys);
	uint32_t mhz = (uint32_t)(q->hz / 1000000), rd = (uint32_t)(q->mem_read / SIM_NS),
		 hop = (uint32_t)(q->rd_hop / SIM_NS);
	ycur_t f = yget(c, "mhz");
	ok &= yopt_u32(&f, &mhz, 1, 100000);
	f = yget(c, "hit_cycles");
	ok &= yopt_u32(&f, &q->hit_cycles, 0, 1000);
	f = yget(c, "command_cycles");
	ok &= yopt_u32(&f, &q->cmd_cycles, 0, 100000);
	f = yget(c, "table_read_ns");
	ok &= yopt_u32(&f, &rd, 0, 1000000);
	f = yget(c, "hop_ns");
	ok &= yopt_u32(&f, &hop, 0, 1000000);
	q->hz = (uint64_t)mhz * 1000000;
	q->mem_read = (sim_time_t)rd * SIM_NS;
	q->rd_hop = (sim_time_t)hop * SIM_NS;
	return ok;
}

static bool parse_its(platform_t *p, const ycur_t *c, platform_its_t *it, unsigned idx)
{
	static const char *const keys[] = {"name", "base", "device_ids", "features", "caches",
					   "timing", NULL};
	bool ok = ykeys(c, keys);
	it->params = its_params_default();
	it->line = yline(c);
	it->region = it->doorbell = PCIE_NONE;
	ycur_t nm = yneed(c, "name"), base = yneed(c, "base"), ids = yget(c, "device_ids"),
	       feat = yget(c, "features"), caches = yget(c, "caches"), timing = yget(c, "timing");
	if (!ystr(&nm, it->name, sizeof it->name) || !yu64(&base, &it->base, 0, UINT64_MAX))
		return false;
	if (it->base & 0xffff) {
		yerr(&base, "an ITS's frame must be 64 KiB aligned");
		return false;
	}
	if (it->base + GITS_FRAME_SIZE - 1 < it->base) {
		yerr(&base, "the ITS's 128 KiB frame runs past the top of the address space");
		return false;
	}
	if (feat.node) {
		if (!yexpect_map(&feat))
			return false;
		static const char *const fk[] = {"devbits", "id_bits", "pta", "hcc", "cid_bits",
						 "two_level", NULL};
		ok &= ykeys(&feat, fk);
		ycur_t f = yget(&feat, "devbits");
		ok &= yopt_u8(&f, &it->params.devbits, 1, 32);
		f = yget(&feat, "id_bits");
		ok &= yopt_u8(&f, &it->params.id_bits, 1, 32);
		f = yget(&feat, "pta");
		ok &= yopt_bool(&f, &it->params.pta);
		f = yget(&feat, "hcc");
		ok &= yopt_u8(&f, &it->params.hcc, 0, 255);
		f = yget(&feat, "cid_bits");
		ok &= yopt_u8(&f, &it->params.cid_bits, 0, 16);
		f = yget(&feat, "two_level");
		ok &= yopt_bool(&f, &it->params.two_level);
	}
	if (caches.node) {
		if (!yexpect_map(&caches))
			return false;
		static const char *const ck[] = {"device", "event", "collection", NULL};
		ok &= ykeys(&caches, ck);
		ycur_t d = yget(&caches, "device"), e = yget(&caches, "event"),
		       k = yget(&caches, "collection");
		ok &= platform_parse_geom(&d, &it->params.device_cache) &
		      platform_parse_geom(&e, &it->params.event_cache) &
		      platform_parse_geom(&k, &it->params.collection_cache);
	}
	ok &= parse_its_timing(&timing, &it->params);
	if (ok && it->params.pta && !p->gic.has_gicr) {
		yerr(&feat, "an ITS with pta: true names redistributors by address: give "
			    "gic.redistributors");
		ok = false;
	}
	/* Which root complexes' MSIs this ITS serves, and their DeviceID bases. */
	if (ids.node) {
		if (!yexpect_seq(&ids))
			return false;
		for (size_t k = 0; k < ylen(&ids); k++) {
			ycur_t m = yat(&ids, k);
			if (!yexpect_map(&m)) {
				ok = false;
				continue;
			}
			static const char *const mk[] = {"rc", "base", NULL};
			ok &= ykeys(&m, mk);
			ycur_t rcn = yneed(&m, "rc"), b = yget(&m, "base");
			int32_t rc = rcn.node ? find_rc(p, &rcn) : PCIE_NONE;
			uint32_t db = 0;
			if (rc == PCIE_NONE || !yopt_u32(&b, &db, 0, UINT32_MAX - 0xffff)) {
				ok = false;
				continue;
			}
			if (p->rc_its[rc] >= 0) {
				yerr(&rcn, "root complex '%s' already sends its MSIs to ITS '%s'",
				     p->fabric.rcs[rc].name, p->gic.its[p->rc_its[rc]].name);
				ok = false;
				continue;
			}
			uint64_t last = (uint64_t)db + 0xffff;
			if (it->params.devbits < 32 && (last >> it->params.devbits)) {
				yerr(b.node ? &b : &m,
				     "DeviceIDs up to 0x%llx do not fit in the ITS's %u DeviceID bits",
				     (unsigned long long)last, (unsigned)it->params.devbits);
				ok = false;
				continue;
			}
			/* Each root complex brings 2^16 Requester IDs; on one ITS their DeviceIDs
			 * must not collide (IORT ID mappings, DEN0049 §3.4). */
			int32_t clash = PCIE_NONE;
			for (uint32_t o = 0; o < p->fabric.nrcs && clash == PCIE_NONE; o++)
				if (p->rc_its[o] == (int32_t)idx && p->rc_devid_base[o] <= last &&
				    db <= p->rc_devid_base[o] + 0xffffull)
					clash = (int32_t)o;
			if (clash != PCIE_NONE) {
				yerr(b.node ? &b : &m,
				     "DeviceIDs [0x%x-0x%llx] of root complex '%s' overlap those of root "
				     "complex '%s' (give each a base 0x10000 apart)",
				     db, (unsigned long long)last, p->fabric.rcs[rc].name,
				     p->fabric.rcs[clash].name);
				ok = false;
				continue;
			}
			p->rc_its[rc] = (int32_t)idx;
			p->rc_devid_base[rc] = db;
		}
	}
	if (!ok)
		return false;
	char dn[PCIE_NAME_MAX + 16];
	snprintf(dn, sizeof dn, "%s-doorbell", it->name);
	it->region = add_frame(p, &base, it->name, "the ITS's control registers", PCIE_REGION_DEVICE,
			       it->base, GITS_FRAME_SIZE / 2);
	if (it->region == PCIE_NONE)
		return false;
	it->doorbell = add_frame(p, &base, dn, "the ITS's translation registers", PCIE_REGION_MSI,
				 it->base + GITS_FRAME_SIZE / 2, GITS_FRAME_SIZE / 2);
	return it->doorbell != PCIE_NONE;
}

static bool parse_v2m(platform_t *p, const ycur_t *c, platform_v2m_t *v)
{
	static const char *const keys[] = {"name", "base", "spis", "iidr", "rcs", NULL};
	bool ok = ykeys(c, keys);
	v->line = yline(c);
	v->region = PCIE_NONE;
	v->rcs = ~0ull;
	ycur_t nm = yneed(c, "name"), base = yneed(c, "base"), spis = yneed(c, "spis"),
	       iidr = yget(c, "iidr"), rcs = yget(c, "rcs");
	if (!ystr(&nm, v->name, sizeof v->name) || !yu64(&base, &v->base, 0, UINT64_MAX))
		return false;
	if (v->base & 0xfff) {
		yerr(&base, "a GICv2m frame must be 4 KiB aligned");
		return false;
	}
	ok &= yopt_u32(&iidr, &v->iidr, 0, UINT32_MAX);
	if (!spis.node || !yexpect_map(&spis))
		return false;
	static const char *const sk[] = {"base", "count", NULL};
	ok &= ykeys(&spis, sk);
	ycur_t sb = yneed(&spis, "base"), sc = yneed(&spis, "count");
	uint64_t b = 0, n = 0;
	if (!yu64(&sb, &b, GIC_SPI_FIRST, GIC_SPI_LIMIT - 2) || !yu64(&sc, &n, 1, 1023))
		return false;
	if (b + n > GIC_SPI_LIMIT - 1) {
		yerr(&sc, "SPIs %llu..%llu go past 1018, the last SPI a GICv2m frame can own",
		     (unsigned long long)b, (unsigned long long)(b + n - 1));
		return false;
	}
	if (b + n > GIC_SPI_FIRST + p->gic.params.spis) {
		yerr(&sc, "SPIs %llu..%llu go past the distributor's %u SPIs (gic.spis)",
		     (unsigned long long)b, (unsigned long long)(b + n - 1), p->gic.params.spis);
		return false;
	}
	for (unsigned j = 0; j < p->gic.nv2m; j++) {
		const platform_v2m_t *o = &p->gic.v2m[j];
		if (b < o->spi_base + o->spi_count && o->spi_base < b + n) {
			yerr(&sb, "SPIs %llu..%llu overlap those of GICv2m frame '%s' (%u..%u)",
			     (unsigned long long)b, (unsigned long long)(b + n - 1), o->name, o->spi_base,
			     o->spi_base + o->spi_count - 1);
			return false;
		}
	}
	v->spi_base = (uint32_t)b;
	v->spi_count = (uint32_t)n;
	if (rcs.node) {
		if (!yexpect_seq(&rcs))
			return false;
		v->rcs = 0;
		for (size_t k = 0; k < ylen(&rcs); k++) {
			ycur_t r = yat(&rcs, k);
			int32_t rc = find_rc(p, &r);
			if (rc >= 64) {
				yerr(&r, "iofab tracks GICv2m reachability for the first 64 root complexes");
				ok = false;
			} else if (rc == PCIE_NONE) {
				ok = false;
			}
			else
				v->rcs |= 1ull << rc;
		}
	}
	if (!ok)
		return false;
	v->region = add_frame(p, &base, v->name, "the GICv2m frame's registers", PCIE_REGION_MSI, v->base,
			      V2M_FRAME_SIZE);
	return v->region != PCIE_NONE;
}

bool platform_parse_gic(platform_t *p, const ycur_t *c)
{
	platform_gic_t *g = &p->gic;
	if (!yexpect_map(c))
		return false;
	static const char *const keys[] = {"pes", "spis", "id_bits", "redistributors", "lpi_cache",
					   "timing", "its", "v2m", NULL};
	bool ok = ykeys(c, keys);
	g->present = true;
	g->line = yline(c);
	g->params = gic_params_default();
	g->gicr_region = PCIE_NONE;
	ycur_t pes = yget(c, "pes"), spis = yget(c, "spis"), idb = yget(c, "id_bits"),
	       rd = yget(c, "redistributors"), lc = yget(c, "lpi_cache"), tm = yget(c, "timing"),
	       its = yget(c, "its"), v2m = yget(c, "v2m");
	ok &= yopt_u32(&pes, &g->params.pes, 1, 4096);
	ok &= yopt_u32(&spis, &g->params.spis, 0, GIC_SPI_LIMIT - GIC_SPI_FIRST);
	ok &= yopt_u8(&idb, &g->params.id_bits, 14, 32);
	ok &= platform_parse_geom(&lc, &g->params.lpi_cache);
	ok &= parse_gic_timing(&tm, &g->params);
	if (!ok)
		return false;
	/* One cache per redistributor: keep the host memory they take reasonable. */
	uint64_t lines = (uint64_t)g->params.lpi_cache.entries * g->params.pes;
	if (g->params.lpi_cache.entries > 65536 || lines > (1u << 22)) {
		yerr(&lc, "%u entries in each of %u redistributors' LPI caches is too many (at most "
			  "65536 each, and 4194304 in all)",
		     g->params.lpi_cache.entries, g->params.pes);
		return false;
	}
	if (rd.node) {
		if (!yu64(&rd, &g->params.gicr_base, 0, UINT64_MAX))
			return false;
		if (g->params.gicr_base & 0xffff) {
			yerr(&rd, "the redistributor frames must be 64 KiB aligned");
			return false;
		}
		g->has_gicr = true;
		g->gicr_region = add_frame(p, &rd, "gicr", "the redistributors' registers",
					   PCIE_REGION_DEVICE, g->params.gicr_base,
					   (uint64_t)g->params.pes * GICR_FRAME_STRIDE);
		if (g->gicr_region == PCIE_NONE)
			return false;
	}
	if (its.node) {
		if (!yexpect_seq(&its))
			return false;
		g->its = calloc(ylen(&its) + 1, sizeof *g->its);
		if (!g->its) {
			yerr(c, "out of memory");
			return false;
		}
		for (size_t i = 0; i < ylen(&its); i++) {
			ycur_t e = yat(&its, i);
			if (!yexpect_map(&e) || !parse_its(p, &e, &g->its[g->nits], g->nits))
				return false;
			g->nits++;
		}
		/* One ITS and no mapping given: every root complex's MSIs go to it, DeviceID =
		 * Requester ID. */
		ycur_t first = yat(&its, 0);
		if (g->nits == 1 && !yget(&first, "device_ids").node) {
			if (p->fabric.nrcs > 1) {
				yerr(&first, "with %u root complexes, say which DeviceIDs each one's "
					     "Requester IDs become: give device_ids (bases 0x10000 apart)",
				     p->fabric.nrcs);
				return false;
			}
			for (uint32_t r = 0; r < p->fabric.nrcs; r++)
				p->rc_its[r] = 0;
		}
	}
	if (v2m.node) {
		if (!yexpect_seq(&v2m))
			return false;
		g->v2m = calloc(ylen(&v2m) + 1, sizeof *g->v2m);
		if (!g->v2m) {
			yerr(c, "out of memory");
			return false;
		}
		for (size_t i = 0; i < ylen(&v2m); i++) {
			ycur_t e = yat(&v2m, i);
			if (!yexpect_map(&e) || !parse_v2m(p, &e, &g->v2m[g->nv2m]))
				return false;
			g->nv2m++;
		}
	}
	return true;
}
