/* SPDX-License-Identifier: MIT */
/*
 * smmu.h — an SMMUv3-style IOMMU: its programming interface (MMIO registers, stream table,
 * context descriptors, command and event queues in simulated memory) and its translation of
 * upstream transactions.
 *
 * The model is split by concern, as the hardware is:
 *   smmu.c         registers and their side effects (CR0/CR0ACK, GBPA, GERROR, queue pointers)
 *   smmu_config.c  stream table and context descriptor fetch, decode and validation
 *   smmu_xlate.c   the translation of one transaction: configuration, walk, faults, ATS
 *   smmu_queue.c   the command queue (consumed over simulated time) and the event queue
 *   smmu_walk.c    the AArch64 table walk
 *
 * Everything the SMMU reads or writes in memory goes through the mem_port_t it was given;
 * time comes from the sim_t. There is no global state.
 */
#ifndef IOFAB_SMMU_H
#define IOFAB_SMMU_H

#include <stdbool.h>
#include <stdint.h>

#include "mem.h"
#include "sim.h"
#include "cache.h"
#include "smmu_regs.h"
#include "smmu_walk.h"
#include "tlp.h"

#ifdef __cplusplus
extern "C" {
#endif

/* What the platform says this SMMU implements (it becomes the IDR registers). */
typedef struct smmu_params {
	bool s1p, s2p;          /* stage 1 / stage 2 translation */
	bool ats;               /* PCIe ATS */
	bool msi;               /* MSI generation (CMD_SYNC completion by MSI write) */
	bool two_level_st;      /* 2-level stream tables (IDR0.ST_LEVEL) */
	bool cd2l;              /* 2-level CD tables */
	bool stall;             /* stall model supported (IDR0.STALL_MODEL = 0) */
	uint16_t stall_max;     /* transactions that can be stalled at once (IDR5.STALL_MAX) */
	bool asid16, vmid16;
	uint8_t sidsize;        /* StreamID bits */
	uint8_t ssidsize;       /* SubstreamID bits (0: no PASID) */
	uint8_t oas;            /* output address size in bits: 32, 36, 40, 42, 44 or 48 */
	bool gran4k, gran16k, gran64k;
	uint8_t cmdqs, eventqs; /* log2 of the largest queues */
	/* Time a command takes to consume, and an invalidation to take effect (TCU cycles). */
	uint32_t cmd_cycles;
	uint32_t inval_cycles;
	uint64_t tcu_hz;
	/* Caches. */
	cache_geom_t tlb;       /* translations, tagged by stream and ASID/VMID */
	cache_geom_t cfg_cache; /* STEs and CDs */
	cache_geom_t walk_cache; /* per stage and level: next-table addresses */

	/* Timing (docs/models/smmu.md gives each value's source). */
	unsigned tbus;               /* translation buffer units (each with its own uTLB) */
	uint64_t tbu_hz;
	cache_geom_t utlb;      /* per TBU */
	uint32_t utlb_cycles;        /* TBU cycles */
	uint32_t tlb_cycles;         /* TBU cycles, main TLB */
	sim_time_t tbu_tcu_link;     /* a miss's request from TBU to TCU */
	uint32_t tcu_response_cycles;
	uint32_t cfg_lookup_cycles;  /* TCU cycles */
	uint32_t wc_lookup_cycles;   /* TCU cycles */
	sim_time_t mem_read;         /* one table or configuration read */
	uint32_t translation_slots;  /* TCU translations in flight */
	uint32_t walk_slots;         /* TCU walks in flight */
} smmu_params_t;

/* Defaults: an MMU-600-like SMMU (docs/models/smmu.md gives the sources). */
smmu_params_t smmu_params_default(void);
/* The "x86-like" profile: a 64-entry IOTLB and no walk caches, calibrated on pcie-bench's
 * IOTLB-miss penalty (docs/models/smmu.md). */
smmu_params_t smmu_params_x86_like(void);

typedef struct smmu smmu_t;

/* Creates an SMMU at its reset state. NULL when out of memory or the parameters are invalid. */
smmu_t *smmu_create(sim_t *sim, const smmu_params_t *p, mem_port_t mem, const char *name);
void smmu_destroy(smmu_t *s);

/* MMIO: offset within the 128 KiB register frame; size 4 or 8. Reserved and absent
 * registers read as zero and ignore writes. Writes take effect at sim_now(). */
uint64_t smmu_mmio_read(smmu_t *s, uint32_t offset, unsigned size);
void smmu_mmio_write(smmu_t *s, uint32_t offset, uint64_t value, unsigned size);

/* --- translation ----------------------------------------------------------------------- */

/* One upstream transaction, as the SMMU sees it. */
typedef struct smmu_txn {
	uint32_t sid;   /* StreamID (the platform's RID -> StreamID map applied) */
	bool ssv;       /* SubstreamID valid: the TLP had a PASID prefix */
	uint32_t ssid;
	uint64_t addr;
	smmu_access_t acc;
	tlp_at_t at;    /* untranslated, translation request (ATS), or translated */
} smmu_txn_t;

typedef enum smmu_outcome {
	SMMU_XLATE_OK,        /* translated (or bypassed): pa is valid */
	SMMU_XLATE_FAULT,     /* terminated with a fault (event recorded if evt_recorded) */
	SMMU_XLATE_ABORT      /* aborted without a fault: STE Config abort, GBPA abort */
} smmu_outcome_t;

/* How the configuration treated the transaction. */
typedef enum smmu_path {
	SMMU_PATH_GBPA_BYPASS, /* SMMUEN = 0 and GBPA bypasses */
	SMMU_PATH_GBPA_ABORT,
	SMMU_PATH_STE_ABORT,
	SMMU_PATH_STE_BYPASS,
	SMMU_PATH_S1,
	SMMU_PATH_S2,
	SMMU_PATH_NESTED,
	SMMU_PATH_S1DSS_BYPASS, /* no SubstreamID, S1DSS bypasses stage 1 */
	SMMU_PATH_ATS_TRANSLATED, /* AT=translated let through (EATS) */
	SMMU_PATH_CONFIG_ERROR  /* a C_* or F_*_FETCH event */
} smmu_path_t;

typedef struct smmu_xlate {
	smmu_outcome_t outcome;
	smmu_path_t path;
	uint64_t pa;
	unsigned perm;        /* SMMU_PERM_* of the mapping (ATS completions carry it) */
	uint64_t size;        /* size of the mapping that covered the address */
	uint8_t event;        /* SMMU_EVT_* of the fault, 0 if none */
	bool evt_recorded;    /* written to the event queue */
	uint16_t asid, vmid;
	bool stalled;         /* the transaction stalls awaiting RESUME / STALL_TERM */
	bool stall_refused;   /* it should have stalled, but no stall slot was free or the
			       * event could not be recorded: terminated instead */
	uint16_t stag;
	uint32_t config_reads; /* STE/CD (and L1) descriptor fetches */
	bool tlb_hit;          /* served from the TLB: no configuration fetch, no walk */
	sim_time_t ready_at;   /* TLB hit on a walk still in flight: when it completes */
	bool ste_cached, cd_cached;
	smmu_walk_result_t walk;
} smmu_xlate_t;

/* Translates one transaction at sim_now() (functionally: the result does not depend on
 * timing). Faults are recorded in the event queue as the STE/CD ask. */
void smmu_translate(smmu_t *s, const smmu_txn_t *t, smmu_xlate_t *x);

/* Where a timed translation's time went. The parts add up to `total`. */
typedef struct smmu_latency {
	sim_time_t total;
	sim_time_t utlb;       /* uTLB lookup (TBU) */
	sim_time_t tlb;        /* main TLB lookup (TBU) */
	sim_time_t link;       /* TBU to TCU, and the clock-domain crossing */
	sim_time_t tcu_queue;  /* waiting for a TCU translation slot */
	sim_time_t config;     /* config cache lookup and STE/CD reads */
	sim_time_t walk_queue; /* waiting for a walk slot */
	sim_time_t walk;       /* walk cache lookups and table reads */
	sim_time_t merged;     /* waiting for an identical walk already in flight */
	sim_time_t response;   /* TCU to TBU */
	uint32_t config_reads, walk_reads;
	bool utlb_hit, tlb_hit, merged_walk;
} smmu_latency_t;

/* Translates a transaction arriving at TBU `tbu` at sim_now(), with its latency: the result
 * is the one smmu_translate() gives; the latency reserves TCU slots, so concurrent misses
 * queue. The caller charges lat->total (e.g. schedules the transaction's next hop then). */
void smmu_translate_timed(smmu_t *s, unsigned tbu, const smmu_txn_t *t, smmu_xlate_t *x,
			  smmu_latency_t *lat);

/* Stalled transactions (§3.12.2). A fault that the STE (S2S) or CD (S) asks to stall holds
 * the transaction in the SMMU: smmu_translate() returns a fault with x->stalled set and the
 * event record (STALL = 1, STAG) in the event queue. Software answers with CMD_RESUME
 * (retry, or terminate) or CMD_STALL_TERM (every stalled transaction of a StreamID); when
 * the SMMU executes that command it calls the client back with the transaction's final
 * result. A stall needs a free one of IDR5.STALL_MAX slots and a recorded event; without
 * either the transaction is terminated at once. */
typedef void (*smmu_stall_done_fn)(void *ctx, uint32_t sid, uint16_t stag, bool retried,
				   const smmu_xlate_t *result);
void smmu_set_stall_client(smmu_t *s, smmu_stall_done_fn fn, void *ctx);
/* Transactions stalled now. */
uint32_t smmu_stalled(const smmu_t *s);

/* ATS invalidation (§3.9.1, §4.5.1): for each CMD_ATC_INV the SMMU sends an Invalidate
 * Request to the function(s) of the StreamID, for the untranslated range [addr, +size) of
 * SubstreamID ssid (ssv) or of none, or of every PASID (global). The client delivers it to
 * the device's ATC; a CMD_SYNC after the CMD_ATC_INV completes after the callback returned,
 * as it waits for the Invalidate Completions. Without a client ATC_INV only takes time. */
typedef void (*smmu_atc_inv_fn)(void *ctx, uint32_t sid, bool ssv, uint32_t ssid, bool global,
				uint64_t addr, uint64_t size);
void smmu_set_atc_client(smmu_t *s, smmu_atc_inv_fn fn, void *ctx);

/* Name of an event ID ("F_TRANSLATION"), "?" if unknown. */
const char *smmu_event_name(uint8_t id);
const char *smmu_path_name(smmu_path_t p);

/* --- observation (for tests and reports) ----------------------------------------------- */

typedef struct smmu_stats {
	uint64_t translations;
	uint64_t faults;
	uint64_t events_written;
	uint64_t events_lost;      /* queue full or disabled */
	uint64_t commands;
	uint64_t syncs;
	uint64_t cmd_errors;
	uint64_t tlb_hits;
	uint64_t stalls;           /* transactions stalled */
	uint64_t resumes;          /* stalled transactions retried by CMD_RESUME */
	uint64_t stall_terms;      /* stalled transactions terminated (RESUME or STALL_TERM) */
	/* TCU occupancy (timed translations): the most translation and walk slots busy at once. */
	uint32_t peak_translation_slots, peak_walk_slots;
} smmu_stats_t;

const smmu_stats_t *smmu_stats(const smmu_t *s);
/* The SMMU's caches, for statistics: "utlb0" (TBU 0's) ..., "tlb", "cfg", "wc.s1.l0" ...
 * "wc.s2.l3". NULL if none. */
const cache_t *smmu_cache(const smmu_t *s, const char *name);
/* TCU slots busy at time t (translation and walk), as timed translations reserved them. */
void smmu_slots_busy(const smmu_t *s, sim_time_t t, uint32_t *translation, uint32_t *walk);
const char *smmu_name(const smmu_t *s);

#ifdef __cplusplus
}
#endif

#endif /* IOFAB_SMMU_H */
