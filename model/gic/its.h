/* SPDX-License-Identifier: MIT */
/*
 * its.h — a GICv3 Interrupt Translation Service: its registers, its command queue in
 * simulated memory, and the translation of an MSI (DeviceID from the bus, EventID from the
 * write's data) through the device table, the device's ITT and the collection table into an
 * LPI pending at a redistributor.
 *
 * The model is split by concern:
 *   its.c         registers, table addressing, the MSI entry point
 *   its_cmd.c     the command queue, consumed over simulated time
 *   its_engine.c  the translation engine: device, event and collection caches over the tables
 *
 * The translation engine sits behind a narrow interface (its_engine_ops_t in its_internal.h):
 * (DeviceID, EventID) -> (LPI, ICID, target) with its caches, plus the cache maintenance each
 * command requires. The RTL ITS block co-simulated in Verilator implements the same interface.
 *
 * Table formats: commands as the architecture defines them (§5.3); device table, ITT and
 * collection table entries are IMPLEMENTATION DEFINED, iofab's are in gic_regs.h and
 * docs/models/its.md. Everything the ITS reads or writes goes through its mem_port_t.
 */
#ifndef IOFAB_ITS_H
#define IOFAB_ITS_H

#include <stdbool.h>
#include <stdint.h>

#include "cache.h"
#include "gic.h"
#include "mem.h"
#include "sim.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct its_params {
	uint8_t devbits;          /* DeviceID bits (GITS_TYPER.Devbits + 1), 1 .. 32 */
	uint8_t id_bits;          /* EventID bits (GITS_TYPER.ID_bits + 1), 1 .. 32 */
	bool pta;                 /* RDbase is a redistributor address (else a PE number) */
	uint8_t hcc;              /* collections held in the ITS, not in memory */
	uint8_t cid_bits;         /* 0: 16-bit collection IDs; else CIL = 1, CIDbits + 1 */
	bool two_level;           /* the device table may be two-level (BASER.Indirect) */
	bool page_4k, page_16k, page_64k; /* table page sizes GITS_BASER accepts */
	uint32_t iidr;
	cache_geom_t device_cache, event_cache, collection_cache;
	uint64_t hz;              /* ITS clock */
	uint32_t hit_cycles;      /* a translation whose lookups all hit */
	uint32_t cmd_cycles;      /* one command, besides its table accesses */
	sim_time_t mem_read;      /* one table access (the accesses of a miss are dependent) */
	sim_time_t rd_hop;        /* ITS to redistributor */
} its_params_t;

/* Defaults: a GIC-600-like ITS (docs/models/its.md gives each value's source). */
its_params_t its_params_default(void);

typedef struct its its_t;

/* An ITS delivering LPIs to the redistributors of `gic`. NULL when out of memory or the
 * parameters are invalid. */
its_t *its_create(sim_t *sim, const its_params_t *p, mem_port_t mem, gic_t *gic,
		  const char *name);
void its_destroy(its_t *its);
const char *its_name(const its_t *its);

/* MMIO: offset within the 128 KiB frame (control frame, then translation frame); size 4 or 8.
 * GITS_TRANSLATER written this way has no DeviceID and is ignored: MSIs come in through
 * its_msi(). */
uint64_t its_mmio_read(its_t *its, uint32_t offset, unsigned size);
void its_mmio_write(its_t *its, uint32_t offset, uint64_t value, unsigned size);

/* --- translation ----------------------------------------------------------------------- */

typedef enum its_status {
	ITS_OK,
	ITS_DISABLED,             /* GITS_CTLR.Enabled = 0: the write is ignored */
	ITS_DEVICE_OOR,           /* DeviceID beyond Devbits or the device table */
	ITS_UNMAPPED_DEVICE,      /* no valid device table entry (or level-1 entry) */
	ITS_EVENT_OOR,            /* EventID beyond the device's ITT (MAPD Size) */
	ITS_UNMAPPED_INTERRUPT,   /* no valid ITT entry */
	ITS_UNMAPPED_COLLECTION,  /* the event's collection is not mapped (or targets no PE) */
	ITS_TABLE_ABORT,          /* a table read aborted */
	ITS_LPI_DROPPED           /* translated, but the redistributor dropped the LPI */
} its_status_t;

const char *its_status_name(its_status_t s);

/* One MSI, from the write to GITS_TRANSLATER to the LPI at its redistributor. */
typedef struct its_xlate {
	its_status_t status;
	uint32_t devid, eventid;
	uint32_t intid;           /* the ITE's pINTID */
	uint16_t icid;
	int pe;                   /* the collection's target, -1 if none */
	gic_raise_t raise;        /* what the redistributor did with it */
	/* How it was found. */
	bool event_hit, device_hit, collection_hit;
	uint32_t reads;           /* table reads (dependent) */
	uint64_t dte_pa, ite_pa, cte_pa; /* where the entries are (0: not read) */
	/* Time: lookup + reads at the ITS, then the hop to the redistributor, then its
	 * configuration lookup. */
	sim_time_t lookup, table_reads, hop, rd_config;
} its_xlate_t;

/* An MSI write of `eventid` to GITS_TRANSLATER by DeviceID `devid` (from the requester ID
 * through the platform's map, never from the data), arriving at time `at` (>= sim_now(); the
 * tables are read now). On ITS_OK the LPI has been raised at its redistributor (x->raise says
 * whether it was accepted), arriving at at + lookup + table_reads + hop; `tag` comes back
 * with its delivery (gic_delivery_t). */
void its_msi(its_t *its, uint32_t devid, uint32_t eventid, uint64_t tag, sim_time_t at,
	     its_xlate_t *x);

/* --- commands -------------------------------------------------------------------------- */

/* Command errors (§5.5): 0x01_CC_RR, CC the command (its opcode, except CLEAR: 0x05, as the
 * specification and Linux's E_ITS_CLEAR_UNMAPPED_INTERRUPT 0x010507 have it), RR the reason
 * below. A command with an error is skipped (CREADR moves past it) and recorded; the queue
 * goes on. */
#define ITS_ERR(op, reason)                                                                   \
	(0x010000u | (uint32_t)((op) == GITS_CMD_CLEAR ? 0x05 : (op)) << 8 | (uint32_t)(reason))
enum its_err_reason {
	ITS_ERR_DEVICE_OOR = 0x01,     /* DeviceID (or MOVALL's processor) out of range */
	ITS_ERR_SIZE_OOR = 0x02,       /* MAPD Size, or MAPC's processor, out of range */
	ITS_ERR_COLLECTION_OOR = 0x03,
	ITS_ERR_UNMAPPED_DEVICE = 0x04,
	ITS_ERR_ID_OOR = 0x05,         /* EventID beyond the ITT */
	ITS_ERR_PHYSICALID_OOR = 0x06, /* pINTID not an LPI */
	ITS_ERR_UNMAPPED_INTERRUPT = 0x07,
	ITS_ERR_UNMAPPED_COLLECTION = 0x09,
	ITS_ERR_UNKNOWN_COMMAND = 0xFF
};

typedef struct its_cmd_error {
	uint32_t code;        /* ITS_ERR(op, reason) */
	uint32_t offset;      /* the command's offset in the queue */
	uint64_t cmd[4];
	sim_time_t at;
} its_cmd_error_t;

/* Name of an error code ("MAPTI_UNMAPPED_DEVICE"); buf gets it, returns buf. */
const char *its_error_name(uint32_t code, char *buf, unsigned size);
/* Name of a command opcode ("MAPTI"), "?" if none. */
const char *its_cmd_name(unsigned op);

/* The most recent command errors, oldest first (up to ITS_ERR_LOG). */
#define ITS_ERR_LOG 16
unsigned its_cmd_errors(const its_t *its, its_cmd_error_t *out, unsigned max);
/* Whether the queue is stalled (GITS_CREADR.Stalled), and on which command. */
bool its_stalled(const its_t *its);

typedef struct its_stats {
	uint64_t msis, translated, dropped;
	uint64_t commands, cmd_errors, syncs, stalls;
	uint64_t table_reads, table_writes;
} its_stats_t;

const its_stats_t *its_stats(const its_t *its);
/* The engine's caches: "device", "event", "collection"; NULL if none. */
const cache_t *its_cache(const its_t *its, const char *name);

#ifdef __cplusplus
}
#endif

#endif /* IOFAB_ITS_H */
