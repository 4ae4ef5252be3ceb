/* SPDX-License-Identifier: MIT */
/*
 * smmu_drv.h — the software layer's SMMU driver, modelled on Linux's arm-smmu-v3: it probes
 * the SMMU, allocates the stream table and queues in simulated DRAM, resets the SMMU in the
 * order Linux does, writes STEs and CDs in their real formats, issues commands followed by
 * CMD_SYNC (completion signalled by an MSI write to a poll slot), and drains the event queue.
 *
 * Everything goes through MMIO writes and memory, as a driver's would; the driver waits for a
 * CMD_SYNC by running the simulation until the SMMU has signalled it.
 */
#ifndef IOFAB_SMMU_DRV_H
#define IOFAB_SMMU_DRV_H

#include <stdbool.h>
#include <stdint.h>

#include "iopgtable.h"
#include "smmu.h"

typedef struct smmu_drv {
	smmu_t *smmu;
	sim_t *sim;
	mem_t *mem;
	physalloc_t *alloc;
	bool two_level;     /* 2-level stream table (SPLIT = 8, as Linux) */
	unsigned sid_bits;
	uint64_t strtab;    /* linear table, or level-1 table */
	uint64_t *l2;       /* 2-level: L2 table PA per L1 entry (0 = not allocated) */
	uint64_t cmdq;
	unsigned cmdq_log2;
	uint32_t cmdq_prod;
	uint64_t evtq;
	unsigned evtq_log2;
	bool msi;           /* IDR0.MSI: CMD_SYNC completes by an MSI write to sync_slot */
	uint64_t sync_slot; /* CMD_SYNC MSI target */
	uint32_t sync_seq;
	uint32_t sync_pos[64]; /* without MSI: queue position of CMD_SYNC number seq (mod 64) */
	unsigned last_cerror; /* CERROR of the last failed batch, 0 if none */
} smmu_drv_t;

/* A decoded event record. */
typedef struct smmu_evt_rec {
	uint8_t id;
	uint32_t sid;
	bool ssv;
	uint32_t ssid;
	bool stall, s2, rnw, pnu, ind;
	uint8_t class_;
	uint16_t stag;
	uint64_t input_addr;
	uint64_t addr3; /* IPA or fetch address, as dword 3 holds it */
} smmu_evt_rec_t;

/* Probes and resets the SMMU; every STE starts as abort (Linux's disable_bypass). */
int smmu_drv_probe(smmu_drv_t *d, smmu_t *smmu, sim_t *sim, mem_t *mem, physalloc_t *alloc,
		   bool two_level);
void smmu_drv_free(smmu_drv_t *d);

/* Queues one command (2 dwords); no SYNC. Returns 0, or -1 if the queue is full. */
int smmu_drv_cmd(smmu_drv_t *d, uint64_t dw0, uint64_t dw1);
/* Queues a CMD_SYNC and runs the simulation until it completes. Returns 0, or the CERROR
 * code if consumption stopped on an error (the error is then acknowledged and the faulty
 * command skipped, as Linux does by replacing it with a CMD_SYNC). */
int smmu_drv_sync(smmu_drv_t *d);

/* The same, in two halves for callers that cannot run the simulation themselves (they are
 * inside an event): queue the CMD_SYNC and get its sequence number; then poll until done.
 * poll() also recovers from command errors as smmu_drv_sync() does, reporting the CERROR. */
uint32_t smmu_drv_sync_begin(smmu_drv_t *d);
bool smmu_drv_sync_poll(smmu_drv_t *d, uint32_t seq, unsigned *cerror);

/* The STE's address (allocating a level-2 table if needed). */
uint64_t smmu_drv_ste_addr(smmu_drv_t *d, uint32_t sid);
/* Writes an STE (8 dwords), then CFGI_STE + CMD_SYNC. */
int smmu_drv_write_ste(smmu_drv_t *d, uint32_t sid, const uint64_t ste[8]);

/* STE builders, dwords as Linux writes them. */
void smmu_ste_abort(uint64_t ste[8]);
void smmu_ste_bypass(uint64_t ste[8]);
/* Stage 1: cdtab is the CD (cdmax 0) or CD table; s1fmt STE_S1FMT_*; s1dss STE_S1DSS_*. */
void smmu_ste_s1(uint64_t ste[8], uint64_t cdtab, unsigned cdmax, unsigned s1fmt,
		 unsigned s1dss, unsigned eats);
/* Stage 2 from a stage-2 io-pgtable. */
void smmu_ste_s2(uint64_t ste[8], const iopgtable_t *s2, uint16_t vmid, unsigned eats);
/* Nested: stage 1 as smmu_ste_s1 (cdtab an IPA), stage 2 as smmu_ste_s2. */
void smmu_ste_nested(uint64_t ste[8], uint64_t cdtab, unsigned cdmax, unsigned s1fmt,
		     unsigned s1dss, const iopgtable_t *s2, uint16_t vmid, unsigned eats);

/* A CD for a stage-1 io-pgtable (TTB0 only, EPD1, R=1, A=1, AA64). */
void smmu_cd_build(uint64_t cd[8], const iopgtable_t *s1, uint16_t asid, bool record);
/* Allocates a CD table for 2^cdmax substreams: linear, or 2-level with 64 KiB leaves when
 * two_level; *s1fmt receives the format to put in the STE. */
uint64_t smmu_drv_alloc_cdtab(smmu_drv_t *d, unsigned cdmax, bool two_level, unsigned *s1fmt);
/* Writes CD number ssid into a table from smmu_drv_alloc_cdtab (allocating a level-2 leaf
 * if needed), then CFGI_CD + CMD_SYNC for stream `sid`. */
int smmu_drv_write_cd(smmu_drv_t *d, uint32_t sid, uint64_t cdtab, unsigned s1fmt, uint32_t ssid,
		      const uint64_t cd[8]);

/* Reads up to max pending event records and consumes them. Returns how many. */
unsigned smmu_drv_events(smmu_drv_t *d, smmu_evt_rec_t *out, unsigned max);

#endif /* IOFAB_SMMU_DRV_H */
