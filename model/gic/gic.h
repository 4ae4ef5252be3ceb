/* SPDX-License-Identifier: MIT */
/*
 * gic.h — the GICv3 distributor, one redistributor per PE, and each PE's CPU interface: where
 * SPIs (from GICv2m frames) and LPIs (from ITSs) become pending and are taken by a PE.
 *
 * SPIs: the distributor holds each SPI's enable, priority, route (GICD_IROUTER) and pending
 * state; a raised SPI is pending until the PE it is routed to takes it.
 *
 * LPIs: each redistributor has an LPI configuration table (one byte per LPI: enable and
 * priority) and a pending table (one bit per INTID) in simulated memory, located by
 * GICR_PROPBASER and GICR_PENDBASER and read and written through the memory port. The
 * redistributor caches configuration bytes; a cached byte is used until an INV or INVALL
 * (through an ITS) drops it, as the architecture allows (§5.1.1). An LPI raised at a
 * redistributor with EnableLPIs = 0 is dropped.
 *
 * Delivery: when a PE has a pending, enabled interrupt whose priority is higher (numerically
 * lower) than its priority mask, and the PE does not mask interrupts, its CPU interface takes
 * the highest-priority one (lowest INTID on a tie) after the signalling latency, clears its
 * pending state, and reports it to the delivery client. The PE then takes the next one a cycle
 * later. An interrupt raised again while pending is merged into the pending one (edge
 * semantics); the report counts the merged raises.
 *
 * PEs are numbered 0 .. pes-1; PE n has affinity Aff1:Aff0 = n (GICD_IROUTER) and processor
 * number n (GICR_TYPER, the ITS's RDbase when GITS_TYPER.PTA = 0). Its redistributor frame is
 * at gicr_base + n * 128 KiB (the RDbase when PTA = 1).
 */
#ifndef IOFAB_GIC_H
#define IOFAB_GIC_H

#include <stdbool.h>
#include <stdint.h>

#include "cache.h"
#include "gic_regs.h"
#include "mem.h"
#include "sim.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct gic_params {
	uint32_t pes;           /* PEs, one redistributor each (1 .. 4096) */
	uint32_t spis;          /* SPIs: INTIDs 32 .. 32 + spis - 1 (0 .. 988) */
	uint8_t id_bits;        /* INTID bits (GICD_TYPER.IDbits + 1), 14 .. 32: LPIs exist
				 * from 8192 to 2^id_bits - 1 */
	uint64_t gicr_base;     /* physical address of PE 0's redistributor frame */
	cache_geom_t lpi_cache; /* per redistributor: cached LPI configuration bytes */
	uint64_t hz;            /* GIC clock */
	uint32_t cfg_cycles;    /* an LPI configuration cache lookup */
	sim_time_t mem_read;    /* a configuration or pending table read */
	sim_time_t signal;      /* distributor / redistributor to the CPU interface */
} gic_params_t;

/* Defaults (docs/models/its.md gives each value's source). */
gic_params_t gic_params_default(void);

typedef struct gic gic_t;

/* NULL when out of memory or the parameters are invalid. */
gic_t *gic_create(sim_t *sim, const gic_params_t *p, mem_port_t mem);
void gic_destroy(gic_t *g);
const gic_params_t *gic_params(const gic_t *g);

/* Distributor registers: GICD_CTLR, GICD_TYPER, GICD_I{S,C}ENABLER<n>, GICD_I{S,C}PENDR<n>,
 * GICD_IPRIORITYR<n> (byte access), GICD_IROUTER<n>. Others read as zero, ignore writes. */
uint64_t gic_dist_read(gic_t *g, uint32_t offset, unsigned size);
void gic_dist_write(gic_t *g, uint32_t offset, uint64_t value, unsigned size);

/* Redistributor registers of PE `pe` (its RD_base frame): GICR_CTLR, GICR_TYPER,
 * GICR_PROPBASER, GICR_PENDBASER. PROPBASER and PENDBASER ignore writes while EnableLPIs is
 * set; EnableLPIs, once set, stays set (as GIC-600's does). */
uint64_t gic_redist_read(gic_t *g, uint32_t pe, uint32_t offset, unsigned size);
void gic_redist_write(gic_t *g, uint32_t pe, uint32_t offset, uint64_t value, unsigned size);

/* --- the PE side -------------------------------------------------------------------------- */

/* An interrupt a PE took. `tag` is the one given when it was first raised (later raises
 * merged into it are counted in `merged`). The parts of its latency from raised_at:
 * config, then signal, then taken_at - raised_at - config - signal of waiting (for an
 * enable, an INV, an unmasked PE or higher-priority interrupts). */
typedef struct gic_delivery {
	uint32_t pe;
	uint32_t intid;
	uint8_t priority;
	uint64_t tag;
	uint32_t merged;
	sim_time_t raised_at;  /* reached the distributor / redistributor */
	sim_time_t pending_at; /* pending and known to be enabled (after the configuration
				* lookup); later than raised_at + config when it waited for an
				* enable, an INV or an unmasked PE */
	sim_time_t config;     /* the configuration lookup's part of pending_at - raised_at */
	sim_time_t taken_at;   /* the PE took it */
} gic_delivery_t;

typedef void (*gic_deliver_fn)(void *ctx, const gic_delivery_t *d);
void gic_set_deliver_client(gic_t *g, gic_deliver_fn fn, void *ctx);

/* PSTATE.I of the PE: while masked it takes nothing (interrupts stay pending). */
void gic_pe_mask(gic_t *g, uint32_t pe, bool masked);
/* ICC_PMR_EL1: only priorities numerically lower are taken (0xff after create). */
void gic_pe_set_pmr(gic_t *g, uint32_t pe, uint8_t pmr);

/* --- inputs --------------------------------------------------------------------------------- */

typedef enum gic_raise {
	GIC_RAISED,          /* now pending */
	GIC_MERGED,          /* it was pending already: this raise merged into it (edge) */
	GIC_DROP_NOT_SPI,    /* not an SPI this distributor implements */
	GIC_DROP_NOT_LPI,    /* below 8192, or beyond the configuration table (PROPBASER.IDbits)
			      * or GICD_TYPER.IDbits */
	GIC_DROP_LPIS_OFF,   /* the redistributor's EnableLPIs is 0 */
	GIC_DROP_NO_PE,      /* no such redistributor */
	GIC_DROP_MEM_ABORT   /* the configuration or pending table could not be accessed */
} gic_raise_t;

const char *gic_raise_name(gic_raise_t r);

/* Raises SPI `intid` (an edge from a GICv2m frame) arriving at the distributor at time `at`
 * (>= sim_now()). The state changes now; the times reported for it count from `at`. */
gic_raise_t gic_spi_raise(gic_t *g, uint32_t intid, uint64_t tag, sim_time_t at);

/* Raises LPI `intid` at redistributor `pe` (a message from an ITS) arriving at time `at`
 * (>= sim_now()): the redistributor looks its configuration up, sets its pending bit, and
 * signals the PE if it is enabled. *cfg_time (if not NULL) gets the lookup's duration. */
gic_raise_t gic_lpi_raise(gic_t *g, uint32_t pe, uint32_t intid, uint64_t tag, sim_time_t at,
			  sim_time_t *cfg_time);

/* What ITS commands make a redistributor do. */
void gic_lpi_inv(gic_t *g, uint32_t pe, uint32_t intid);   /* INV: drop the cached byte */
void gic_lpi_invall(gic_t *g, uint32_t pe);                 /* INVALL: drop all of them */
bool gic_lpi_clear(gic_t *g, uint32_t pe, uint32_t intid);  /* CLEAR, DISCARD: not pending */
/* MOVI: pending state of `intid` moves from one redistributor to another; false if it was not
 * pending. MOVALL: every pending LPI moves. */
bool gic_lpi_move(gic_t *g, uint32_t from, uint32_t to, uint32_t intid);
void gic_lpi_move_all(gic_t *g, uint32_t from, uint32_t to);

/* Whether LPI intid is pending at pe (read from the pending table in memory). */
bool gic_lpi_pending(gic_t *g, uint32_t pe, uint32_t intid);
bool gic_spi_pending(const gic_t *g, uint32_t intid);

/* The PE an ITS's RDbase names (a processor number when pta is false, else a redistributor
 * frame's address >> 16), or -1. */
int gic_pe_of_rdbase(const gic_t *g, bool pta, uint64_t rdbase);

typedef struct gic_stats {
	uint64_t spis_raised, lpis_raised, merged, dropped, delivered;
	uint64_t cfg_reads;   /* configuration bytes read from memory */
	uint64_t cfg_hits;    /* ... found in the redistributor's cache */
} gic_stats_t;

const gic_stats_t *gic_stats(const gic_t *g);

#ifdef __cplusplus
}
#endif

#endif /* IOFAB_GIC_H */
