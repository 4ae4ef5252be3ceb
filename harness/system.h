/* SPDX-License-Identifier: MIT */
/*
 * system.h — a platform's hardware assembled for a run: the simulation kernel, simulated
 * memory, each SMMU (with the memory port it reaches memory through) probed and reset by the
 * driver layer, the interrupt controller (distributor, redistributors, ITSs, GICv2m frames)
 * set up by its drivers, and the kernel's allocator for the structures drivers put in DRAM.
 */
#ifndef IOFAB_SYSTEM_H
#define IOFAB_SYSTEM_H

#include <stdbool.h>

#include "atc.h"
#include "gic_drv.h"
#include "iopgtable.h"
#include "platform.h"
#include "smmu_drv.h"

typedef struct system {
	const platform_t *p;
	sim_t *sim;
	mem_t *mem;
	physalloc_t kalloc; /* the kernel's pool in DRAM: stream tables, queues, page tables */
	smmu_t **smmu;      /* per platform SMMU */
	smmu_drv_t *drv;
	uint16_t next_asid, next_vmid;
	atc_t *atc;         /* per function: the device's ATC (entries 0 without ATS) */
	struct system_atc_port {
		struct system *sys;
		int si;
	} *atc_port;        /* per SMMU: where its ATS invalidations go */
	/* The interrupt controller (when the platform has a `gic:` section), set up by the
	 * drivers as Linux would at boot. */
	gic_t *gic;
	gic_drv_t gd;
	its_t **its;        /* per platform ITS */
	its_drv_t *itsd;
	gicv2m_t *v2m;      /* per platform GICv2m frame */
	v2m_drv_t v2md;
} system_t;

/* Entries in each ATS-capable function's ATC. */
#define SYSTEM_ATC_ENTRIES 32

/* Builds the system. Returns NULL on success, or a static description of what is missing
 * (for instance DRAM for the kernel's structures). */
const char *system_init(system_t *s, const platform_t *p, uint64_t seed);
void system_free(system_t *s);

/* The SMMU index translating root complex rc's traffic, or -1. */
static inline int system_smmu_of(const system_t *s, uint32_t rc)
{
	return s->p->rc_smmu ? s->p->rc_smmu[rc] : -1;
}

#endif /* IOFAB_SYSTEM_H */
