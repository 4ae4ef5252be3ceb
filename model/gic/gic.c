/* SPDX-License-Identifier: MIT */
/*
 * gic.c — distributor (SPIs), redistributors (LPIs, with their tables in memory) and the CPU
 * interfaces that take pending interrupts. See gic.h for the behaviour modelled.
 *
 * Each PE keeps a list of its pending interrupts (SPIs routed to it and LPIs pending at its
 * redistributor) with what the CPU interface needs to choose among them. For LPIs the list
 * mirrors the pending table in memory, which is written on every change, so software (and
 * tests) read the true state there.
 */
#include "gic.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct gic_pend {
	uint32_t intid;
	uint8_t prio;
	bool enabled;          /* as the GIC knows it (an LPI's possibly cached configuration) */
	uint64_t tag;
	uint32_t merged;
	sim_time_t raised_at, config, pending_at; /* pending_at: SIM_TIME_MAX while not enabled */
} gic_pend_t;

typedef struct gic_pe {
	/* Redistributor. */
	bool enable_lpis;
	uint64_t propbaser, pendbaser;
	cache_t cfg; /* LPI configuration bytes, key: INTID */
	/* Pending interrupts this PE may take. */
	gic_pend_t *pend;
	uint32_t npend, cap;
	/* CPU interface. */
	bool masked;
	uint8_t pmr;
	uint32_t take_gen;     /* the newest scheduled take; older ones are stale */
	sim_time_t take_at;    /* when it runs, SIM_TIME_MAX if none */
} gic_pe_t;

struct gic {
	sim_t *sim;
	gic_params_t p;
	mem_port_t mem;
	sim_clock_t clk;
	uint32_t ctlr;
	uint8_t *spi_enabled, *spi_prio, *spi_pending;
	uint64_t *spi_route;   /* GICD_IROUTER */
	gic_pe_t *pe;
	gic_stats_t stats;
	gic_deliver_fn deliver;
	void *deliver_ctx;
};

gic_params_t gic_params_default(void)
{
	gic_params_t p;
	memset(&p, 0, sizeof p);
	p.pes = 8;
	p.spis = 256;
	p.id_bits = 16;
	p.gicr_base = 0x30100000;
	p.lpi_cache = (cache_geom_t){.entries = 256, .ways = 4, .repl = CACHE_REPL_LRU};
	p.hz = 500000000;
	p.cfg_cycles = 2;
	p.mem_read = 68 * SIM_NS;
	p.signal = 20 * SIM_NS;
	return p;
}

const char *gic_raise_name(gic_raise_t r)
{
	switch (r) {
	case GIC_RAISED: return "raised";
	case GIC_MERGED: return "merged";
	case GIC_DROP_NOT_SPI: return "not-an-spi";
	case GIC_DROP_NOT_LPI: return "not-an-lpi";
	case GIC_DROP_LPIS_OFF: return "lpis-disabled";
	case GIC_DROP_NO_PE: return "no-such-pe";
	case GIC_DROP_MEM_ABORT: return "table-abort";
	}
	return "?";
}

gic_t *gic_create(sim_t *sim, const gic_params_t *p, mem_port_t mem)
{
	if (!p->pes || p->pes > 4096 || p->spis > GIC_SPI_LIMIT - GIC_SPI_FIRST ||
	    p->id_bits < 14 || p->id_bits > 32 || !p->hz)
		return NULL;
	gic_t *g = calloc(1, sizeof *g);
	if (!g)
		return NULL;
	g->sim = sim;
	g->p = *p;
	g->mem = mem;
	int clk = sim_clock_find(sim, "gic");
	if (clk < 0)
		clk = sim_clock_add(sim, "gic", p->hz);
	g->clk = clk;
	size_t nspi = p->spis ? p->spis : 1;
	g->spi_enabled = calloc(nspi, 1);
	g->spi_prio = calloc(nspi, 1);
	g->spi_pending = calloc(nspi, 1);
	g->spi_route = calloc(nspi, sizeof *g->spi_route);
	g->pe = calloc(p->pes, sizeof *g->pe);
	if (clk < 0 || !g->spi_enabled || !g->spi_prio || !g->spi_pending || !g->spi_route || !g->pe) {
		gic_destroy(g);
		return NULL;
	}
	for (uint32_t i = 0; i < p->pes; i++) {
		gic_pe_t *pe = &g->pe[i];
		pe->pmr = 0xff;
		pe->take_at = SIM_TIME_MAX;
		char name[24];
		snprintf(name, sizeof name, "gicr%u.lpi", i);
		if (!cache_init(&pe->cfg, name, p->lpi_cache, sim)) {
			gic_destroy(g);
			return NULL;
		}
	}
	return g;
}

void gic_destroy(gic_t *g)
{
	if (!g)
		return;
	if (g->pe)
		for (uint32_t i = 0; i < g->p.pes; i++) {
			cache_free(&g->pe[i].cfg);
			free(g->pe[i].pend);
		}
	free(g->pe);
	free(g->spi_enabled);
	free(g->spi_prio);
	free(g->spi_pending);
	free(g->spi_route);
	free(g);
}

const gic_params_t *gic_params(const gic_t *g) { return &g->p; }
const gic_stats_t *gic_stats(const gic_t *g) { return &g->stats; }

void gic_set_deliver_client(gic_t *g, gic_deliver_fn fn, void *ctx)
{
	g->deliver = fn;
	g->deliver_ctx = ctx;
}

/* --- CPU interface ------------------------------------------------------------------------ */

static void take(sim_t *sim, void *ctx, uint64_t arg);

/* Makes sure the PE looks at its pending interrupts at `when` (or earlier). */
static void schedule_take(gic_t *g, uint32_t pe, sim_time_t when)
{
	gic_pe_t *e = &g->pe[pe];
	if (e->masked || when >= e->take_at)
		return;
	if (when < sim_now(g->sim))
		when = sim_now(g->sim);
	e->take_gen++;
	if (sim_schedule_at(g->sim, when, take, g, (uint64_t)pe << 32 | e->take_gen) == SIM_OK)
		e->take_at = when;
}

static bool takeable(const gic_t *g, const gic_pe_t *e, const gic_pend_t *q, sim_time_t now)
{
	return q->enabled && q->prio < e->pmr && q->pending_at != SIM_TIME_MAX &&
	       q->pending_at + g->p.signal <= now;
}

/* Schedules a take for the earliest interrupt that will become takeable. */
static void reschedule(gic_t *g, uint32_t pe)
{
	gic_pe_t *e = &g->pe[pe];
	sim_time_t first = SIM_TIME_MAX;
	for (uint32_t i = 0; i < e->npend; i++) {
		const gic_pend_t *q = &e->pend[i];
		if (q->enabled && q->prio < e->pmr && q->pending_at != SIM_TIME_MAX &&
		    q->pending_at + g->p.signal < first)
			first = q->pending_at + g->p.signal;
	}
	if (first != SIM_TIME_MAX)
		schedule_take(g, pe, first);
}

static void pend_remove(gic_pe_t *e, uint32_t i)
{
	e->pend[i] = e->pend[--e->npend];
}

static void lpi_pending_bit(gic_t *g, uint32_t pe, uint32_t intid, bool set);

static void take(sim_t *sim, void *ctx, uint64_t arg)
{
	gic_t *g = ctx;
	uint32_t pe = (uint32_t)(arg >> 32);
	gic_pe_t *e = &g->pe[pe];
	if ((uint32_t)arg != e->take_gen)
		return; /* superseded by an earlier take */
	e->take_at = SIM_TIME_MAX;
	if (e->masked)
		return;
	sim_time_t now = sim_now(sim);
	int best = -1;
	for (uint32_t i = 0; i < e->npend; i++) {
		const gic_pend_t *q = &e->pend[i];
		if (!takeable(g, e, q, now))
			continue;
		if (best < 0 || q->prio < e->pend[best].prio ||
		    (q->prio == e->pend[best].prio && q->intid < e->pend[best].intid))
			best = (int)i;
	}
	if (best >= 0) {
		gic_pend_t q = e->pend[best];
		pend_remove(e, (uint32_t)best);
		if (q.intid >= GIC_LPI_FIRST)
			lpi_pending_bit(g, pe, q.intid, false);
		else
			g->spi_pending[q.intid - GIC_SPI_FIRST] = 0;
		g->stats.delivered++;
		if (g->deliver) {
			gic_delivery_t d = {
				.pe = pe, .intid = q.intid, .priority = q.prio, .tag = q.tag,
				.merged = q.merged, .raised_at = q.raised_at,
				.pending_at = q.pending_at, .config = q.config, .taken_at = now,
			};
			g->deliver(g->deliver_ctx, &d);
		}
		/* The next one, no earlier than a cycle later. */
		for (uint32_t i = 0; i < e->npend; i++)
			if (takeable(g, e, &e->pend[i], now)) {
				schedule_take(g, pe, now + sim_cycles_from(sim, g->clk, now, 1));
				return;
			}
	}
	reschedule(g, pe);
}

void gic_pe_mask(gic_t *g, uint32_t pe, bool masked)
{
	if (pe >= g->p.pes)
		return;
	g->pe[pe].masked = masked;
	if (masked) {
		g->pe[pe].take_gen++; /* cancels a scheduled take */
		g->pe[pe].take_at = SIM_TIME_MAX;
	} else {
		reschedule(g, pe);
	}
}

void gic_pe_set_pmr(gic_t *g, uint32_t pe, uint8_t pmr)
{
	if (pe >= g->p.pes)
		return;
	g->pe[pe].pmr = pmr;
	reschedule(g, pe);
}

static gic_pend_t *pend_find(gic_pe_t *e, uint32_t intid, uint32_t *at)
{
	for (uint32_t i = 0; i < e->npend; i++)
		if (e->pend[i].intid == intid) {
			if (at)
				*at = i;
			return &e->pend[i];
		}
	return NULL;
}

static gic_pend_t *pend_add(gic_pe_t *e)
{
	if (e->npend == e->cap) {
		uint32_t cap = e->cap ? 2 * e->cap : 8;
		gic_pend_t *n = realloc(e->pend, cap * sizeof *n);
		if (!n)
			return NULL;
		e->pend = n;
		e->cap = cap;
	}
	gic_pend_t *q = &e->pend[e->npend++];
	memset(q, 0, sizeof *q);
	q->pending_at = SIM_TIME_MAX;
	return q;
}

/* --- SPIs ----------------------------------------------------------------------------------- */

static bool spi_ok(const gic_t *g, uint32_t intid)
{
	return intid >= GIC_SPI_FIRST && intid - GIC_SPI_FIRST < g->p.spis;
}

/* The PE an SPI is routed to, or -1. */
static int spi_pe(const gic_t *g, uint32_t intid)
{
	uint64_t r = g->spi_route[intid - GIC_SPI_FIRST];
	uint64_t pe = FIELD_GET(r, GICD_IROUTER_AFF1) << 8 | FIELD_GET(r, GICD_IROUTER_AFF0);
	return pe < g->p.pes ? (int)pe : -1;
}

/* Brings a pending SPI's entry up to date with the distributor's state. */
static void spi_eval(gic_t *g, uint32_t intid, sim_time_t now)
{
	uint32_t n = intid - GIC_SPI_FIRST;
	if (!g->spi_pending[n])
		return;
	int pe = spi_pe(g, intid);
	gic_pend_t *q = NULL;
	/* Find it wherever it is (its route may have changed). */
	for (uint32_t i = 0; i < g->p.pes && !q; i++) {
		uint32_t at;
		gic_pend_t *f = pend_find(&g->pe[i], intid, &at);
		if (f && (int)i != pe) {
			gic_pend_t copy = *f;
			pend_remove(&g->pe[i], at);
			if (pe < 0)
				return; /* unroutable: stays pending in the distributor only */
			q = pend_add(&g->pe[pe]);
			if (!q)
				return;
			*q = copy;
		} else if (f) {
			q = f;
		}
	}
	if (!q) {
		if (pe < 0 || !(q = pend_add(&g->pe[pe])))
			return;
		q->intid = intid;
		q->raised_at = now;
	}
	bool en = g->spi_enabled[n] && FIELD_GET(g->ctlr, GICD_CTLR_ENABLE_GRP1);
	q->prio = g->spi_prio[n];
	if (en && !q->enabled)
		q->pending_at = now > q->raised_at ? now : q->raised_at;
	if (!en)
		q->pending_at = SIM_TIME_MAX;
	q->enabled = en;
	if (en)
		reschedule(g, (uint32_t)pe);
}

gic_raise_t gic_spi_raise(gic_t *g, uint32_t intid, uint64_t tag, sim_time_t at)
{
	if (!spi_ok(g, intid)) {
		g->stats.dropped++;
		return GIC_DROP_NOT_SPI;
	}
	g->stats.spis_raised++;
	uint32_t n = intid - GIC_SPI_FIRST;
	int pe = spi_pe(g, intid);
	if (g->spi_pending[n]) {
		gic_pend_t *q = pe >= 0 ? pend_find(&g->pe[pe], intid, NULL) : NULL;
		if (q)
			q->merged++;
		g->stats.merged++;
		return GIC_MERGED;
	}
	g->spi_pending[n] = 1;
	if (pe >= 0) {
		gic_pend_t *q = pend_add(&g->pe[pe]);
		if (q) {
			q->intid = intid;
			q->tag = tag;
			q->raised_at = at;
		}
	}
	spi_eval(g, intid, at);
	return GIC_RAISED;
}

bool gic_spi_pending(const gic_t *g, uint32_t intid)
{
	return spi_ok(g, intid) && g->spi_pending[intid - GIC_SPI_FIRST];
}

uint64_t gic_dist_read(gic_t *g, uint32_t off, unsigned size)
{
	if (off == GICD_CTLR)
		return g->ctlr;
	if (off == GICD_TYPER) {
		uint32_t lines = (GIC_SPI_FIRST + g->p.spis + 31) / 32 - 1;
		return FIELD_PREP(GICD_TYPER_ITLINES, lines) | FIELD_PREP(GICD_TYPER_LPIS, 1) |
		       FIELD_PREP(GICD_TYPER_IDBITS, g->p.id_bits - 1u);
	}
	if (off >= GICD_ISENABLER(0) && off < GICD_ICPENDR(32) && size == 4 && !(off & 3)) {
		uint32_t word = (off & 0x7f) / 4, v = 0;
		bool pend = off >= GICD_ISPENDR(0);
		for (uint32_t b = 0; b < 32; b++) {
			uint32_t id = word * 32 + b;
			if (spi_ok(g, id) &&
			    (pend ? g->spi_pending : g->spi_enabled)[id - GIC_SPI_FIRST])
				v |= 1u << b;
		}
		return v;
	}
	if (off >= GICD_IPRIORITYR(0) && off < GICD_IPRIORITYR(GIC_SPI_LIMIT) && size <= 4) {
		uint64_t v = 0;
		for (unsigned i = 0; i < size; i++) {
			uint32_t id = off - GICD_IPRIORITYR(0) + i;
			if (spi_ok(g, id))
				v |= (uint64_t)g->spi_prio[id - GIC_SPI_FIRST] << (8 * i);
		}
		return v;
	}
	if (off >= GICD_IROUTER(GIC_SPI_FIRST) && off < GICD_IROUTER(GIC_SPI_LIMIT) && !(off & 3)) {
		uint32_t id = (off - GICD_IROUTER(0)) / 8;
		uint64_t r = spi_ok(g, id) ? g->spi_route[id - GIC_SPI_FIRST] : 0;
		return size == 8 ? r : (uint32_t)(r >> (off & 4 ? 32 : 0));
	}
	return 0;
}

void gic_dist_write(gic_t *g, uint32_t off, uint64_t value, unsigned size)
{
	if (off == GICD_CTLR) {
		g->ctlr = (uint32_t)(value & (FIELD_MASK(GICD_CTLR_ENABLE_GRP1) |
					      FIELD_MASK(GICD_CTLR_ARE)));
		for (uint32_t n = 0; n < g->p.spis; n++)
			spi_eval(g, GIC_SPI_FIRST + n, sim_now(g->sim));
		return;
	}
	if (off >= GICD_ISENABLER(0) && off < GICD_ICPENDR(32) && size == 4 && !(off & 3)) {
		uint32_t word = (off & 0x7f) / 4;
		unsigned kind = (off - GICD_ISENABLER(0)) / 0x80; /* set-en, clr-en, set-p, clr-p */
		for (uint32_t b = 0; b < 32; b++) {
			uint32_t id = word * 32 + b;
			if (!(value >> b & 1) || !spi_ok(g, id))
				continue;
			uint32_t n = id - GIC_SPI_FIRST;
			if (kind == 0 || kind == 1) {
				g->spi_enabled[n] = kind == 0;
				spi_eval(g, id, sim_now(g->sim));
			} else if (kind == 2) {
				(void)gic_spi_raise(g, id, 0, sim_now(g->sim));
			} else if (g->spi_pending[n]) {
				g->spi_pending[n] = 0;
				for (uint32_t i = 0; i < g->p.pes; i++) {
					uint32_t at;
					if (pend_find(&g->pe[i], id, &at))
						pend_remove(&g->pe[i], at);
				}
			}
		}
		return;
	}
	if (off >= GICD_IPRIORITYR(0) && off < GICD_IPRIORITYR(GIC_SPI_LIMIT) && size <= 4) {
		for (unsigned i = 0; i < size; i++) {
			uint32_t id = off - GICD_IPRIORITYR(0) + i;
			if (spi_ok(g, id)) {
				g->spi_prio[id - GIC_SPI_FIRST] = (uint8_t)(value >> (8 * i));
				spi_eval(g, id, sim_now(g->sim));
			}
		}
		return;
	}
	if (off >= GICD_IROUTER(GIC_SPI_FIRST) && off < GICD_IROUTER(GIC_SPI_LIMIT) &&
	    ((size == 8 && !(off & 7)) || (size == 4 && !(off & 3)))) {
		/* 64-bit, or either 32-bit half (IHI 0069 §12.1.3). */
		uint32_t id = (off - GICD_IROUTER(0)) / 8;
		if (spi_ok(g, id)) {
			uint64_t *r = &g->spi_route[id - GIC_SPI_FIRST];
			uint64_t v = size == 8 ? value
				     : (off & 4) ? (*r & 0xffffffffull) | (uint64_t)(uint32_t)value << 32
						 : (*r & ~0xffffffffull) | (uint32_t)value;
			*r = v & (FIELD_MASK(GICD_IROUTER_AFF0) | FIELD_MASK(GICD_IROUTER_AFF1) |
				  FIELD_MASK(GICD_IROUTER_IRM));
			spi_eval(g, id, sim_now(g->sim));
		}
	}
}

/* --- LPIs ----------------------------------------------------------------------------------- */

/* Whether intid is an LPI the redistributor's configuration table covers. */
static bool lpi_ok(const gic_t *g, const gic_pe_t *e, uint32_t intid)
{
	unsigned bits = (unsigned)FIELD_GET(e->propbaser, GICR_PROPBASER_IDBITS) + 1;
	if (bits > g->p.id_bits)
		bits = g->p.id_bits;
	return intid >= GIC_LPI_FIRST && (bits >= 32 || intid < (1ull << bits));
}

/* The LPI's configuration byte, from the cache or the table; false on an abort. */
/* The lookup starts at `from`: *t is its duration. */
static bool lpi_config(gic_t *g, gic_pe_t *e, uint32_t intid, sim_time_t from, uint8_t *cfg,
		       sim_time_t *t)
{
	*t = sim_cycles_from(g->sim, g->clk, from, g->p.cfg_cycles);
	uint64_t key[CACHE_KEY_WORDS] = {intid};
	cache_line_t *l = cache_lookup(&e->cfg, intid, key);
	if (l) {
		g->stats.cfg_hits++;
		*cfg = (uint8_t)l->data[0];
		return true;
	}
	uint64_t pa = (e->propbaser & FIELD_MASK(GICR_PROPBASER_ADDR)) + (intid - GIC_LPI_FIRST);
	g->stats.cfg_reads++;
	*t += g->p.mem_read;
	if (g->mem.read(g->mem.ctx, pa, cfg, 1) != MEM_OK)
		return false;
	uint64_t data[CACHE_DATA_WORDS] = {*cfg};
	cache_fill(&e->cfg, intid, key, data);
	return true;
}

static void lpi_pending_bit(gic_t *g, uint32_t pe, uint32_t intid, bool set)
{
	gic_pe_t *e = &g->pe[pe];
	uint64_t pa = (e->pendbaser & FIELD_MASK(GICR_PENDBASER_ADDR)) + intid / 8;
	uint8_t b = 0;
	if (g->mem.read(g->mem.ctx, pa, &b, 1) != MEM_OK)
		return;
	uint8_t bit = (uint8_t)(1u << (intid % 8));
	uint8_t nb = set ? (uint8_t)(b | bit) : (uint8_t)(b & (uint8_t)~bit);
	if (nb != b)
		(void)g->mem.write(g->mem.ctx, pa, &nb, 1);
}

bool gic_lpi_pending(gic_t *g, uint32_t pe, uint32_t intid)
{
	if (pe >= g->p.pes)
		return false;
	gic_pe_t *e = &g->pe[pe];
	uint64_t pa = (e->pendbaser & FIELD_MASK(GICR_PENDBASER_ADDR)) + intid / 8;
	uint8_t b = 0;
	return g->mem.read(g->mem.ctx, pa, &b, 1) == MEM_OK && (b >> (intid % 8) & 1);
}

/* Re-reads a pending LPI's configuration (after INV, INVALL or a move); returns the lookup's
 * duration. */
static sim_time_t lpi_eval(gic_t *g, uint32_t pe, gic_pend_t *q)
{
	uint8_t cfg = 0;
	sim_time_t t, now = sim_now(g->sim);
	/* An LPI still on its way to the redistributor is looked up when it arrives. */
	sim_time_t from = q->raised_at > now ? q->raised_at : now;
	if (!lpi_config(g, &g->pe[pe], q->intid, from, &cfg, &t))
		cfg = 0; /* unreadable: treated as disabled */
	bool en = FIELD_GET(cfg, LPI_CFG_ENABLE) != 0;
	q->prio = (uint8_t)(cfg & ~3u);
	if (en && !q->enabled)
		q->pending_at = from + t;
	if (!en)
		q->pending_at = SIM_TIME_MAX;
	q->enabled = en;
	return t;
}

gic_raise_t gic_lpi_raise(gic_t *g, uint32_t pe, uint32_t intid, uint64_t tag, sim_time_t at,
			  sim_time_t *cfg_time)
{
	if (cfg_time)
		*cfg_time = 0;
	gic_raise_t r = GIC_RAISED;
	if (pe >= g->p.pes)
		r = GIC_DROP_NO_PE;
	else if (!g->pe[pe].enable_lpis)
		r = GIC_DROP_LPIS_OFF;
	else if (!lpi_ok(g, &g->pe[pe], intid))
		r = GIC_DROP_NOT_LPI;
	if (r != GIC_RAISED) {
		g->stats.dropped++;
		return r;
	}
	gic_pe_t *e = &g->pe[pe];
	g->stats.lpis_raised++;
	gic_pend_t *q = pend_find(e, intid, NULL);
	if (q) {
		q->merged++;
		g->stats.merged++;
		return GIC_MERGED;
	}
	uint8_t cfg = 0;
	sim_time_t t = 0;
	if (!lpi_config(g, e, intid, at, &cfg, &t)) {
		g->stats.dropped++;
		return GIC_DROP_MEM_ABORT;
	}
	if (cfg_time)
		*cfg_time = t;
	lpi_pending_bit(g, pe, intid, true);
	if (!(q = pend_add(e)))
		return GIC_DROP_MEM_ABORT;
	q->intid = intid;
	q->tag = tag;
	q->raised_at = at;
	q->config = t;
	q->prio = (uint8_t)(cfg & ~3u);
	q->enabled = FIELD_GET(cfg, LPI_CFG_ENABLE) != 0;
	if (q->enabled) {
		q->pending_at = at + t;
		schedule_take(g, pe, q->pending_at + g->p.signal);
	}
	return GIC_RAISED;
}

static bool key_is(const cache_line_t *l, const void *ctx)
{
	return l->key[0] == *(const uint32_t *)ctx;
}

void gic_lpi_inv(gic_t *g, uint32_t pe, uint32_t intid)
{
	if (pe >= g->p.pes)
		return;
	cache_invalidate(&g->pe[pe].cfg, key_is, &intid);
	gic_pend_t *q = pend_find(&g->pe[pe], intid, NULL);
	if (q) {
		lpi_eval(g, pe, q);
		reschedule(g, pe);
	}
}

void gic_lpi_invall(gic_t *g, uint32_t pe)
{
	if (pe >= g->p.pes)
		return;
	gic_pe_t *e = &g->pe[pe];
	cache_flush(&e->cfg);
	for (uint32_t i = 0; i < e->npend; i++)
		if (e->pend[i].intid >= GIC_LPI_FIRST)
			lpi_eval(g, pe, &e->pend[i]);
	reschedule(g, pe);
}

bool gic_lpi_clear(gic_t *g, uint32_t pe, uint32_t intid)
{
	if (pe >= g->p.pes)
		return false;
	uint32_t at;
	bool was = pend_find(&g->pe[pe], intid, &at) != NULL;
	if (was)
		pend_remove(&g->pe[pe], at);
	if (g->pe[pe].enable_lpis && intid >= GIC_LPI_FIRST)
		lpi_pending_bit(g, pe, intid, false);
	return was;
}

bool gic_lpi_move(gic_t *g, uint32_t from, uint32_t to, uint32_t intid)
{
	if (from >= g->p.pes || to >= g->p.pes || from == to)
		return false;
	uint32_t at;
	gic_pend_t *f = pend_find(&g->pe[from], intid, &at);
	if (!f)
		return false;
	gic_pend_t copy = *f;
	pend_remove(&g->pe[from], at);
	lpi_pending_bit(g, from, intid, false);
	if (!g->pe[to].enable_lpis || !lpi_ok(g, &g->pe[to], intid))
		return true; /* lost: the destination cannot hold it (software's error) */
	lpi_pending_bit(g, to, intid, true);
	gic_pend_t *q = pend_find(&g->pe[to], intid, NULL);
	if (q) {
		q->merged += copy.merged + 1;
		return true;
	}
	if (!(q = pend_add(&g->pe[to])))
		return true;
	*q = copy;
	q->enabled = false; /* the destination's view of its configuration */
	q->pending_at = SIM_TIME_MAX;
	sim_time_t t = lpi_eval(g, to, q);
	if (sim_now(g->sim) <= copy.raised_at)
		q->config = t; /* still on its way: it arrives at the destination instead */
	reschedule(g, to);
	return true;
}

void gic_lpi_move_all(gic_t *g, uint32_t from, uint32_t to)
{
	if (from >= g->p.pes || to >= g->p.pes || from == to)
		return;
	gic_pe_t *e = &g->pe[from];
	for (uint32_t i = e->npend; i-- > 0;)
		if (e->pend[i].intid >= GIC_LPI_FIRST)
			(void)gic_lpi_move(g, from, to, e->pend[i].intid);
}

int gic_pe_of_rdbase(const gic_t *g, bool pta, uint64_t rdbase)
{
	if (!pta)
		return rdbase < g->p.pes ? (int)rdbase : -1;
	uint64_t pa = rdbase << 16;
	if (pa < g->p.gicr_base || (pa - g->p.gicr_base) % GICR_FRAME_STRIDE)
		return -1;
	uint64_t pe = (pa - g->p.gicr_base) / GICR_FRAME_STRIDE;
	return pe < g->p.pes ? (int)pe : -1;
}

/* --- redistributor registers --------------------------------------------------------------- */

/* EnableLPIs with PENDBASER.PTZ = 0: LPIs already pending in the table are taken up. */
static void scan_pending(gic_t *g, uint32_t pe)
{
	gic_pe_t *e = &g->pe[pe];
	unsigned bits = (unsigned)FIELD_GET(e->propbaser, GICR_PROPBASER_IDBITS) + 1;
	if (bits > g->p.id_bits)
		bits = g->p.id_bits;
	if (bits > 20)
		bits = 20; /* iofab scans at most 1 Mi INTIDs */
	uint64_t base = e->pendbaser & FIELD_MASK(GICR_PENDBASER_ADDR);
	uint8_t buf[256];
	for (uint64_t id = GIC_LPI_FIRST; id < (1ull << bits); id += 8 * sizeof buf) {
		if (g->mem.read(g->mem.ctx, base + id / 8, buf, sizeof buf) != MEM_OK)
			return;
		for (unsigned i = 0; i < 8 * sizeof buf; i++)
			if (buf[i / 8] >> (i % 8) & 1) {
				gic_pend_t *q = pend_add(e);
				if (!q)
					return;
				q->intid = (uint32_t)(id + i);
				q->raised_at = sim_now(g->sim);
				lpi_eval(g, pe, q);
			}
	}
	reschedule(g, pe);
}

uint64_t gic_redist_read(gic_t *g, uint32_t pe, uint32_t off, unsigned size)
{
	if (pe >= g->p.pes)
		return 0;
	if (size == 4 && (off & 4) && off >= GICR_TYPER) /* the upper half of a 64-bit register */
		return gic_redist_read(g, pe, off & ~7u, 8) >> 32;
	gic_pe_t *e = &g->pe[pe];
	switch (off) {
	case GICR_CTLR: return FIELD_PREP(GICR_CTLR_ENABLE_LPIS, e->enable_lpis);
	case GICR_TYPER:
		return FIELD_PREP(GICR_TYPER_PLPIS, 1) |
		       FIELD_PREP(GICR_TYPER_LAST, pe + 1 == g->p.pes) |
		       FIELD_PREP(GICR_TYPER_PROCESSOR_NUMBER, pe) |
		       FIELD_PREP(GICR_TYPER_AFFINITY, pe);
	case GICR_PROPBASER: return e->propbaser;
	case GICR_PENDBASER: return e->pendbaser;
	default: return 0;
	}
}

void gic_redist_write(gic_t *g, uint32_t pe, uint32_t off, uint64_t value, unsigned size)
{
	if (pe >= g->p.pes)
		return;
	gic_pe_t *e = &g->pe[pe];
	/* 64-bit registers take either 32-bit half (IHI 0069 §12.1.3). */
	if (size == 4 && (off & ~7u) == GICR_PROPBASER) {
		uint64_t cur = off & 4 ? (e->propbaser & 0xffffffffull) | value << 32
				       : (e->propbaser & ~0xffffffffull) | (uint32_t)value;
		off = GICR_PROPBASER;
		value = cur;
	} else if (size == 4 && (off & ~7u) == GICR_PENDBASER) {
		uint64_t cur = off & 4 ? (e->pendbaser & 0xffffffffull) | value << 32
				       : (e->pendbaser & ~0xffffffffull) | (uint32_t)value;
		off = GICR_PENDBASER;
		value = cur;
	}
	switch (off) {
	case GICR_CTLR:
		if (FIELD_GET(value, GICR_CTLR_ENABLE_LPIS) && !e->enable_lpis) {
			e->enable_lpis = true;
			if (!FIELD_GET(e->pendbaser, GICR_PENDBASER_PTZ))
				scan_pending(g, pe);
		}
		break;
	case GICR_PROPBASER:
		if (!e->enable_lpis)
			e->propbaser = value & (FIELD_MASK(GICR_PROPBASER_ADDR) |
						FIELD_MASK(GICR_PROPBASER_IDBITS));
		break;
	case GICR_PENDBASER:
		if (!e->enable_lpis)
			e->pendbaser = value & (FIELD_MASK(GICR_PENDBASER_ADDR) |
						FIELD_MASK(GICR_PENDBASER_PTZ));
		break;
	default:
		break;
	}
}
