/* SPDX-License-Identifier: MIT */
/*
 * its.c — the ITS's registers (§12.19), the addressing of its tables in memory, and the MSI
 * entry point. Commands are in its_cmd.c, the translation engine in its_engine.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "its_internal.h"

its_params_t its_params_default(void)
{
	its_params_t p;
	memset(&p, 0, sizeof p);
	p.devbits = 20;
	p.id_bits = 16;
	p.pta = false;
	p.two_level = true;
	p.page_4k = p.page_16k = p.page_64k = true;
	p.iidr = 0x0000043b; /* implementer: Arm; product and revision not claimed */
	p.device_cache = (cache_geom_t){.entries = 32, .ways = 2, .repl = CACHE_REPL_LRU};
	p.event_cache = (cache_geom_t){.entries = 256, .ways = 2, .repl = CACHE_REPL_LRU};
	p.collection_cache = (cache_geom_t){.entries = 16, .ways = 2, .repl = CACHE_REPL_LRU};
	p.hz = 500000000;
	p.hit_cycles = 4;
	p.cmd_cycles = 10;
	p.mem_read = 68 * SIM_NS;
	p.rd_hop = 10 * SIM_NS;
	return p;
}

const char *its_status_name(its_status_t s)
{
	switch (s) {
	case ITS_OK: return "ok";
	case ITS_DISABLED: return "its-disabled";
	case ITS_DEVICE_OOR: return "device-out-of-range";
	case ITS_UNMAPPED_DEVICE: return "unmapped-device";
	case ITS_EVENT_OOR: return "event-out-of-range";
	case ITS_UNMAPPED_INTERRUPT: return "unmapped-interrupt";
	case ITS_UNMAPPED_COLLECTION: return "unmapped-collection";
	case ITS_TABLE_ABORT: return "table-abort";
	case ITS_LPI_DROPPED: return "lpi-dropped";
	}
	return "?";
}

its_t *its_create(sim_t *sim, const its_params_t *p, mem_port_t mem, gic_t *gic,
		  const char *name)
{
	if (!p->devbits || p->devbits > 32 || !p->id_bits || p->id_bits > 32 || p->cid_bits > 16 ||
	    !p->hz || !(p->page_4k || p->page_16k || p->page_64k) || !gic)
		return NULL;
	its_t *its = calloc(1, sizeof *its);
	if (!its)
		return NULL;
	snprintf(its->name, sizeof its->name, "%s", name ? name : "its");
	its->sim = sim;
	its->p = *p;
	its->mem = mem;
	its->gic = gic;
	its->engine = &its_c_engine;
	/* Its own clock domain, "its:NAME" (cut to the kernel's 31 characters). */
	char clkname[32] = "its:";
	memcpy(clkname + 4, its->name, sizeof clkname - 5);
	clkname[sizeof clkname - 1] = '\0';
	int clk = sim_clock_find(sim, clkname);
	if (clk < 0)
		clk = sim_clock_add(sim, clkname, p->hz);
	its->clk = clk;
	its->baser[0] = FIELD_PREP(GITS_BASER_TYPE, GITS_BASER_TYPE_DEVICE) |
			FIELD_PREP(GITS_BASER_ENTRY_SIZE, GITS_DTE_SIZE - 1);
	its->baser[1] = FIELD_PREP(GITS_BASER_TYPE, GITS_BASER_TYPE_COLLECTION) |
			FIELD_PREP(GITS_BASER_ENTRY_SIZE, GITS_CTE_SIZE - 1);
	char cn[48];
	bool ok = clk >= 0;
	if (p->hcc)
		ok = ok && (its->hw_cte = calloc(p->hcc, sizeof *its->hw_cte)) != NULL;
	snprintf(cn, sizeof cn, "%s.device", its->name);
	ok = ok && cache_init(&its->dev_cache, cn, p->device_cache, sim);
	snprintf(cn, sizeof cn, "%s.event", its->name);
	ok = ok && cache_init(&its->evt_cache, cn, p->event_cache, sim);
	snprintf(cn, sizeof cn, "%s.collection", its->name);
	ok = ok && cache_init(&its->col_cache, cn, p->collection_cache, sim);
	if (!ok) {
		its_destroy(its);
		return NULL;
	}
	return its;
}

void its_destroy(its_t *its)
{
	if (!its)
		return;
	cache_free(&its->dev_cache);
	cache_free(&its->evt_cache);
	cache_free(&its->col_cache);
	free(its->hw_cte);
	free(its);
}

const char *its_name(const its_t *its) { return its->name; }
const its_stats_t *its_stats(const its_t *its) { return &its->stats; }

const cache_t *its_cache(const its_t *its, const char *name)
{
	if (!strcmp(name, "device"))
		return &its->dev_cache;
	if (!strcmp(name, "event"))
		return &its->evt_cache;
	if (!strcmp(name, "collection"))
		return &its->col_cache;
	return NULL;
}

/* --- tables ------------------------------------------------------------------------------ */

static uint64_t page_size(uint64_t baser)
{
	switch (FIELD_GET(baser, GITS_BASER_PAGE_SIZE)) {
	case 0: return 0x1000;
	case 1: return 0x4000;
	default: return 0x10000;
	}
}

static uint64_t table_bytes(uint64_t baser)
{
	return (FIELD_GET(baser, GITS_BASER_SIZE) + 1) * page_size(baser);
}

uint64_t its_device_limit(const its_t *its)
{
	uint64_t b = its->baser[0], n = 0;
	if (FIELD_GET(b, GITS_BASER_VALID)) {
		n = table_bytes(b) / (FIELD_GET(b, GITS_BASER_INDIRECT) ? GITS_L1E_SIZE : GITS_DTE_SIZE);
		if (FIELD_GET(b, GITS_BASER_INDIRECT))
			n *= page_size(b) / GITS_DTE_SIZE;
	}
	uint64_t max = 1ull << its->p.devbits;
	return n < max ? n : max;
}

uint64_t its_collection_limit(const its_t *its)
{
	uint64_t b = its->baser[1], n = its->p.hcc;
	if (FIELD_GET(b, GITS_BASER_VALID))
		n += table_bytes(b) / GITS_CTE_SIZE;
	uint64_t max = 1ull << (its->p.cid_bits ? its->p.cid_bits : 16);
	return n < max ? n : max;
}

bool its_read_entry(its_t *its, uint64_t pa, uint64_t *v)
{
	its->stats.table_reads++;
	return mem_port_read64(&its->mem, pa, v) == MEM_OK;
}

bool its_write_entry(its_t *its, uint64_t pa, uint64_t v)
{
	uint8_t b[8];
	mem_put_le64(b, v);
	its->stats.table_writes++;
	return its->mem.write(its->mem.ctx, pa, b, 8) == MEM_OK;
}

its_tbl_t its_dte_addr(its_t *its, uint32_t devid, uint64_t *pa, uint32_t *reads)
{
	uint64_t b = its->baser[0];
	if ((uint64_t)devid >= its_device_limit(its))
		return ITS_TBL_OOR;
	uint64_t base = b & FIELD_MASK(GITS_BASER_ADDR);
	if (!FIELD_GET(b, GITS_BASER_INDIRECT)) {
		*pa = base + (uint64_t)devid * GITS_DTE_SIZE;
		return ITS_TBL_OK;
	}
	/* Two-level (§5.2.2): a level-1 entry per page of device table entries. */
	uint64_t per = page_size(b) / GITS_DTE_SIZE, l1;
	(*reads)++;
	if (!its_read_entry(its, base + devid / per * GITS_L1E_SIZE, &l1))
		return ITS_TBL_ABORT;
	if (!FIELD_GET(l1, GITS_L1E_VALID))
		return ITS_TBL_NO_L2;
	*pa = (l1 & FIELD_MASK(GITS_L1E_ADDR)) + devid % per * GITS_DTE_SIZE;
	return ITS_TBL_OK;
}

its_tbl_t its_cte_addr(its_t *its, uint32_t icid, uint64_t *pa)
{
	if ((uint64_t)icid >= its_collection_limit(its))
		return ITS_TBL_OOR;
	if (icid < its->p.hcc)
		return ITS_TBL_HW;
	*pa = (its->baser[1] & FIELD_MASK(GITS_BASER_ADDR)) +
	      (uint64_t)(icid - its->p.hcc) * GITS_CTE_SIZE;
	return ITS_TBL_OK;
}

bool its_read_cte(its_t *its, uint32_t icid, uint64_t *cte, uint64_t *pa, uint32_t *reads)
{
	*cte = 0;
	*pa = 0;
	switch (its_cte_addr(its, icid, pa)) {
	case ITS_TBL_HW:
		*cte = its->hw_cte[icid];
		return true;
	case ITS_TBL_OK:
		(*reads)++;
		return its_read_entry(its, *pa, cte);
	default:
		return true; /* beyond the table: an invalid entry */
	}
}

int its_cte_pe(const its_t *its, uint64_t cte)
{
	if (!FIELD_GET(cte, GITS_CTE_VALID))
		return -1;
	return gic_pe_of_rdbase(its->gic, its->p.pta, FIELD_GET(cte, GITS_CTE_RDBASE));
}

/* --- registers ---------------------------------------------------------------------------- */

static bool enabled(const its_t *its) { return FIELD_GET(its->ctlr, GITS_CTLR_ENABLED) != 0; }

static uint64_t typer(const its_t *its)
{
	const its_params_t *p = &its->p;
	return FIELD_PREP(GITS_TYPER_PHYSICAL, 1) |
	       FIELD_PREP(GITS_TYPER_ITT_ENTRY_SIZE, GITS_ITE_SIZE - 1) |
	       FIELD_PREP(GITS_TYPER_ID_BITS, p->id_bits - 1u) |
	       FIELD_PREP(GITS_TYPER_DEVBITS, p->devbits - 1u) | FIELD_PREP(GITS_TYPER_PTA, p->pta) |
	       FIELD_PREP(GITS_TYPER_HCC, p->hcc) |
	       FIELD_PREP(GITS_TYPER_CIL, p->cid_bits != 0) |
	       FIELD_PREP(GITS_TYPER_CIDBITS, p->cid_bits ? p->cid_bits - 1u : 0);
}

uint64_t its_mmio_read(its_t *its, uint32_t off, unsigned size)
{
	uint64_t v;
	switch (off & ~3u) {
	case GITS_CTLR:
		v = its->ctlr | FIELD_PREP(GITS_CTLR_QUIESCENT, !enabled(its) && !its->cmd_scheduled);
		break;
	case GITS_IIDR: v = its->p.iidr; break;
	case GITS_TYPER: v = typer(its); break;
	case GITS_TYPER + 4: v = typer(its) >> 32; break;
	case GITS_CBASER: v = its->cbaser; break;
	case GITS_CBASER + 4: v = its->cbaser >> 32; break;
	case GITS_CWRITER: v = its->cwriter; break;
	case GITS_CREADR: v = its->creadr; break;
	case GITS_BASER(0): v = its->baser[0]; break;
	case GITS_BASER(0) + 4: v = its->baser[0] >> 32; break;
	case GITS_BASER(1): v = its->baser[1]; break;
	case GITS_BASER(1) + 4: v = its->baser[1] >> 32; break;
	case GITS_PIDR2: v = 0x3b; break; /* ArchRev 3: GICv3 */
	default: v = 0; break;
	}
	return size == 8 ? v : (uint32_t)v;
}

/* The bits of a GITS_BASER<n> software may write; Page_Size only to a supported size. */
static uint64_t baser_write(const its_t *its, uint64_t old, uint64_t v, bool devices)
{
	const uint64_t attrs = 0x3800000000000000ull /* InnerCache */ |
			       0x00e0000000000000ull /* OuterCache */ | 0xc00ull /* Shareability */;
	uint64_t keep = FIELD_MASK(GITS_BASER_TYPE) | FIELD_MASK(GITS_BASER_ENTRY_SIZE);
	uint64_t n = (old & keep) | (v & (FIELD_MASK(GITS_BASER_VALID) | FIELD_MASK(GITS_BASER_ADDR) |
					  FIELD_MASK(GITS_BASER_SIZE) | attrs));
	if (devices && its->p.two_level)
		n |= v & FIELD_MASK(GITS_BASER_INDIRECT);
	unsigned ps = (unsigned)FIELD_GET(v, GITS_BASER_PAGE_SIZE);
	bool ok = ps == 0 ? its->p.page_4k : ps == 1 ? its->p.page_16k : its->p.page_64k;
	n |= ok ? FIELD_PREP(GITS_BASER_PAGE_SIZE, ps) : (old & FIELD_MASK(GITS_BASER_PAGE_SIZE));
	return n;
}

static void write64(uint64_t *reg, uint32_t off, uint32_t base, uint64_t v, unsigned size)
{
	if (size == 8)
		*reg = v;
	else if (off == base)
		*reg = (*reg & ~0xffffffffull) | (uint32_t)v;
	else
		*reg = (*reg & 0xffffffffull) | (uint64_t)(uint32_t)v << 32;
}

void its_mmio_write(its_t *its, uint32_t off, uint64_t v, unsigned size)
{
	uint32_t reg = off & ~7u;
	if (off == GITS_CTLR) {
		its->ctlr = (uint32_t)(v & FIELD_MASK(GITS_CTLR_ENABLED));
		its_cmd_kick(its);
		return;
	}
	if (off < GITS_CBASER)
		return; /* GITS_IIDR, GITS_TYPER: read-only */
	/* GITS_CBASER and GITS_BASER<n> may be written only while the ITS is disabled (writes
	 * otherwise are UNPREDICTABLE; iofab ignores them). */
	switch (reg) {
	case GITS_CBASER: {
		if (enabled(its))
			break;
		uint64_t c = its->cbaser;
		write64(&c, off, GITS_CBASER, v, size);
		its->cbaser = c & (FIELD_MASK(GITS_CBASER_VALID) | FIELD_MASK(GITS_CBASER_ADDR) |
				   FIELD_MASK(GITS_CBASER_SIZE) | 0x38e0000000000c00ull);
		its->creadr = 0; /* writing GITS_CBASER resets GITS_CREADR */
		break;
	}
	case GITS_CWRITER: {
		/* A 32-bit write to either half (IHI 0069 §12.1.3); bits [63:32] are RES0. */
		uint64_t full = its->cwriter;
		write64(&full, off, GITS_CWRITER, v, size);
		if (size == 4 && off != GITS_CWRITER)
			break; /* the upper half: nothing to do */
		v = full;
		uint64_t q = (FIELD_GET(its->cbaser, GITS_CBASER_SIZE) + 1) * 0x1000;
		uint64_t w = v & FIELD_MASK(GITS_CWRITER_OFFSET);
		if (w >= q)
			break; /* beyond the queue: ignored */
		its->cwriter = w;
		if (FIELD_GET(v, GITS_CWRITER_RETRY) && FIELD_GET(its->creadr, GITS_CREADR_STALLED))
			its->creadr &= ~FIELD_MASK(GITS_CREADR_STALLED); /* retry the stalled command */
		its_cmd_kick(its);
		break;
	}
	case GITS_BASER(0):
	case GITS_BASER(1): {
		if (enabled(its))
			break;
		unsigned n = (reg - GITS_BASER(0)) / 8;
		uint64_t b = its->baser[n], old = its->baser[n];
		write64(&b, off, reg, v, size);
		its->baser[n] = baser_write(its, its->baser[n], b, n == 0);
		/* Tables elsewhere: nothing cached from the old ones may be used. */
		if (its->baser[n] != old)
			its->engine->invalidate(its, ITS_INV_ALL, 0, 0);
		break;
	}
	default:
		break;
	}
}

/* --- MSIs ---------------------------------------------------------------------------------- */

void its_msi(its_t *its, uint32_t devid, uint32_t eventid, uint64_t tag, sim_time_t at,
	     its_xlate_t *x)
{
	memset(x, 0, sizeof *x);
	x->devid = devid;
	x->eventid = eventid;
	x->pe = -1;
	its->stats.msis++;
	if (at < sim_now(its->sim))
		at = sim_now(its->sim);
	if (!enabled(its)) {
		x->status = ITS_DISABLED;
		its->stats.dropped++;
		return;
	}
	x->lookup = sim_cycles_from(its->sim, its->clk, at, its->p.hit_cycles);
	its->engine->translate(its, devid, eventid, x);
	if (x->status != ITS_OK) {
		its->stats.dropped++;
		return;
	}
	x->hop = its->p.rd_hop;
	x->raise = gic_lpi_raise(its->gic, (uint32_t)x->pe, x->intid, tag,
				 at + x->lookup + x->table_reads + x->hop, &x->rd_config);
	if (x->raise != GIC_RAISED && x->raise != GIC_MERGED) {
		x->status = ITS_LPI_DROPPED;
		its->stats.dropped++;
		return;
	}
	its->stats.translated++;
}
