/* SPDX-License-Identifier: MIT */
/*
 * smmu_walk.h — the SMMU's translation table walk: AArch64 VMSA tables, stage 1, stage 2 and
 * nested (stage 1 then stage 2, with every stage-1 table address translated by stage 2).
 *
 * The walker is pure: it reads descriptors through a mem_port_t and holds no caches. The
 * SMMU's TCU composes it with its walk caches through smmu_walk_hooks_t: before reading a
 * level the walker asks whether the address of the table at that level is cached, and after
 * reading a table descriptor it offers the next table's address (a physical address, after
 * stage 2 in a nested walk). Every memory read the walk makes is listed in the result, so
 * the timing model charges each one and the read counts can be checked against the
 * architecture's (24 for a full nested miss with 4-level tables at both stages).
 */
#ifndef IOFAB_SMMU_WALK_H
#define IOFAB_SMMU_WALK_H

#include <stdbool.h>
#include <stdint.h>

#include "mem.h"
#include "vmsa.h"

#ifdef __cplusplus
extern "C" {
#endif

/* One stage's translation regime, decoded from a CD (stage 1) or an STE (stage 2). */
typedef struct smmu_tt {
	uint64_t ttb;          /* base of the start-level table(s) */
	uint8_t granule_shift; /* 12, 14 or 16 */
	uint8_t ias;           /* input address size in bits: 64 - TnSZ (stage 1) or S2T0SZ */
	int8_t start_level;    /* 0..3 */
	uint8_t oas;           /* output address size in bits: min(IPS or S2PS, SMMU_IDR5.OAS) */
	bool affd;             /* Access Flag fault disable (CD.AFFD / STE.S2AFFD) */
} smmu_tt_t;

/* Attributes of the access being translated. */
typedef struct smmu_access {
	bool write;
	bool exec;
	bool priv; /* privileged (PnU): the PASID prefix's Privileged Mode Requested */
} smmu_access_t;

typedef enum smmu_fault {
	SMMU_FAULT_NONE = 0,
	SMMU_FAULT_TRANSLATION, /* F_TRANSLATION */
	SMMU_FAULT_ADDR_SIZE,   /* F_ADDR_SIZE */
	SMMU_FAULT_ACCESS,      /* F_ACCESS */
	SMMU_FAULT_PERMISSION,  /* F_PERMISSION */
	SMMU_FAULT_WALK_EABT    /* F_WALK_EABT: a descriptor read aborted */
} smmu_fault_t;

/* What a stage-2 fault was translating (the event record's CLASS field). */
typedef enum smmu_fault_class {
	SMMU_CLASS_IN = 0, /* the input address itself (or the stage-1 output) */
	SMMU_CLASS_TT = 2, /* a stage-1 translation table address */
	SMMU_CLASS_CD = 1  /* a context descriptor address */
} smmu_fault_class_t;

/* Permission bits of a mapping: what a privileged and an unprivileged access may do. */
#define SMMU_PERM_PR (1u << 0)
#define SMMU_PERM_PW (1u << 1)
#define SMMU_PERM_PX (1u << 2)
#define SMMU_PERM_UR (1u << 3)
#define SMMU_PERM_UW (1u << 4)
#define SMMU_PERM_UX (1u << 5)
#define SMMU_PERM_ALL 0x3fu

/* The permission bits an access needs. */
unsigned smmu_perm_needed(smmu_access_t acc);

#define SMMU_WALK_MAX_READS 40

typedef struct smmu_walk_read {
	uint64_t pa;     /* descriptor address read */
	uint8_t stage;   /* the stage whose table this is */
	int8_t level;
	bool for_s1_table; /* a stage-2 read translating a stage-1 table address */
} smmu_walk_read_t;

typedef struct smmu_walk_result {
	smmu_fault_t fault;
	uint8_t fault_stage;   /* 1 or 2 */
	int8_t fault_level;
	smmu_fault_class_t fault_class; /* stage-2 faults */
	uint64_t fault_ipa;    /* stage-2 faults: the IPA being translated */
	uint64_t fetch_addr;   /* F_WALK_EABT: the descriptor address */

	uint64_t oa;           /* output address (stage-2 output for a nested walk) */
	uint64_t ipa;          /* nested: the stage-1 output */
	uint64_t size;         /* size of the mapping the address fell in (smallest stage) */
	unsigned perm;         /* SMMU_PERM_* of the combined mapping */
	bool global;           /* stage-1 leaf had nG = 0 */

	uint32_t nreads;
	bool reads_truncated;
	smmu_walk_read_t reads[SMMU_WALK_MAX_READS]; /* only the first nreads are meaningful */
} smmu_walk_result_t;

/* Walk caches, supplied by the TCU (all may be NULL). Keys are (stage, level, input address
 * bits at and above vmsa_level_shift(level)); the TCU adds ASID/VMID tagging itself. */
typedef struct smmu_walk_hooks {
	void *ctx;
	/* The physical address of the table at `level` that covers `ia`, if cached. */
	bool (*lookup)(void *ctx, uint8_t stage, int level, uint64_t ia, uint64_t *table_pa);
	/* The walk learnt the physical address of the table at `level` for `ia`. */
	void (*fill)(void *ctx, uint8_t stage, int level, uint64_t ia, uint64_t table_pa);
} smmu_walk_hooks_t;

/* Translates `ia` through one stage. */
void smmu_walk_stage(const mem_port_t *mem, const smmu_tt_t *tt, uint8_t stage, uint64_t ia,
		     smmu_access_t acc, const smmu_walk_hooks_t *hooks, smmu_walk_result_t *r);

/* Translates `ia` through stage 1 then stage 2 (s2 may be NULL for stage 1 only). */
void smmu_walk_nested(const mem_port_t *mem, const smmu_tt_t *s1, const smmu_tt_t *s2,
		      uint64_t ia, smmu_access_t acc, const smmu_walk_hooks_t *hooks,
		      smmu_walk_result_t *r);

const char *smmu_fault_name(smmu_fault_t f);

#ifdef __cplusplus
}
#endif

#endif /* IOFAB_SMMU_WALK_H */
