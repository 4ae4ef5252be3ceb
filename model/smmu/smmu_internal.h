/* SPDX-License-Identifier: MIT */
/* smmu_internal.h — the SMMU's state, shared by its files; not part of the API. */
#ifndef IOFAB_SMMU_INTERNAL_H
#define IOFAB_SMMU_INTERNAL_H

#include <stddef.h>
#include <string.h>

#include "smmu.h"

/* A decoded Stream Table Entry. */
typedef struct smmu_ste {
	uint8_t config; /* STE_CONFIG_* */
	uint8_t s1fmt, s1cdmax, s1dss, eats, strw;
	bool s1stalld;
	uint64_t s1ctxptr;
	uint16_t vmid;
	smmu_tt_t s2; /* valid when config has stage 2 */
	bool s2s, s2r;
} smmu_ste_t;

/* A decoded Context Descriptor. */
typedef struct smmu_cd {
	smmu_tt_t tt[2]; /* TTB0, TTB1 regions */
	bool epd[2];
	bool tbi[2];
	uint16_t asid;
	bool r, s, a;
	uint64_t mair;
} smmu_cd_t;

/* Why a configuration fetch failed: the event to record. */
typedef struct smmu_cfg_fault {
	uint8_t event;       /* SMMU_EVT_* */
	uint64_t fetch_addr; /* F_STE_FETCH / F_CD_FETCH / F_WALK_EABT */
	bool s2;             /* a stage-2 fault translating a CD address (CLASS=CD) */
	uint64_t ipa;
	smmu_fault_t s2_fault;
} smmu_cfg_fault_t;

/* An event record before encoding. */
typedef struct smmu_event {
	uint8_t id;
	uint32_t sid;
	bool ssv;
	uint32_t ssid;
	uint16_t stag;
	bool stall, pnu, ind, rnw, s2;
	uint8_t class_;
	uint64_t input_addr;
	uint64_t ipa;
	uint64_t fetch_addr;
} smmu_event_t;

struct smmu {
	char name[32];
	sim_t *sim;
	smmu_params_t p;
	mem_port_t mem;
	int tcu_clk;

	uint32_t idr[6], iidr, aidr;
	uint32_t cr0, cr0ack, cr1, cr2, gbpa, irq_ctrl, irq_ctrlack, gerror, gerrorn;
	uint64_t gerror_irq_cfg0;
	uint32_t gerror_irq_cfg1, gerror_irq_cfg2;
	uint64_t strtab_base;
	uint32_t strtab_base_cfg;
	uint64_t cmdq_base;
	uint32_t cmdq_prod, cmdq_cons;
	uint64_t eventq_base;
	uint32_t eventq_prod, eventq_cons;
	uint64_t eventq_irq_cfg0;
	uint32_t eventq_irq_cfg1, eventq_irq_cfg2;

	cache_t tlb, cfg;
	cache_t wc[2][4]; /* [stage - 1][level] */
	uint64_t tlb_shifts;   /* page-size classes (log2) present in the TLB */

	/* Timing. */
	int tbu_clk;
	cache_t *utlb;      /* one per TBU */
	sim_time_t *slot_free;   /* TCU translation slots: when each becomes free */
	sim_time_t *walk_free;   /* walk slots */

	bool cmdq_scheduled; /* a consume event is pending */
	uint16_t next_stag;
	struct smmu_stall_slot {
		bool used;
		uint32_t sid;
		uint16_t stag;
		uint8_t event;
		smmu_txn_t txn;
	} *stalls;               /* p.stall_max slots */
	uint32_t nstalled;
	smmu_stall_done_fn stall_fn;
	void *stall_ctx;
	smmu_atc_inv_fn atc_fn;
	void *atc_ctx;
	smmu_stats_t stats;
};

/* smmu_xlate.c: ends stalled transactions (CMD_RESUME, CMD_STALL_TERM). */
void smmu_stall_end(smmu_t *s, uint32_t sid, uint16_t stag, bool all, unsigned action);

/* smmu_config.c */
/* Configuration, from the config cache or memory (*cached says which). */
bool smmu_fetch_ste(smmu_t *s, uint32_t sid, smmu_ste_t *ste, smmu_cfg_fault_t *f,
		    uint32_t *reads, bool *cached);
bool smmu_fetch_cd(smmu_t *s, uint32_t sid, const smmu_ste_t *ste, uint32_t ssid, smmu_cd_t *cd,
		   smmu_cfg_fault_t *f, uint32_t *reads, bool *cached);

/* Config cache keys. */
#define SMMU_CFG_STE 1
#define SMMU_CFG_CD 2

/* smmu_xlate.c: invalidation by command. */
typedef struct smmu_inval {
	uint8_t op;       /* the command opcode */
	uint16_t asid, vmid;
	uint64_t addr;    /* VA or IPA */
	uint64_t len;     /* bytes from addr (1 for a single address) */
	bool leaf;
	uint32_t sid, sid_last;
	uint32_t ssid;
} smmu_inval_t;
void smmu_invalidate(smmu_t *s, const smmu_inval_t *inv);
/* The TLB key of a transaction for a page-size class; the set region. */
void smmu_tlb_key(uint64_t *key, const smmu_txn_t *t, unsigned shift);
uint64_t smmu_tlb_region(uint32_t sid, uint64_t page);
/* Records when a TLB entry's walk completes (a later hit before that waits for it). */
void smmu_tlb_set_ready(smmu_t *s, const smmu_txn_t *t, uint64_t size, sim_time_t ready);
bool smmu_tlb_pred(const cache_line_t *l, const void *inv);

/* Clears a translation result cheaply: the walk's read list is left as it is (nreads = 0). */
static inline void smmu_xlate_clear(smmu_xlate_t *x)
{
	memset(x, 0, offsetof(smmu_xlate_t, walk));
	memset(&x->walk, 0, offsetof(smmu_walk_result_t, reads));
	x->walk.fault_level = -1;
}

/* smmu_queue.c */
bool smmu_record_event(smmu_t *s, const smmu_event_t *e);
void smmu_cmdq_kick(smmu_t *s);
/* Raises a global error (toggles GERROR.bit if it is not already active). */
void smmu_gerror(smmu_t *s, uint32_t bit);

#endif /* IOFAB_SMMU_INTERNAL_H */
