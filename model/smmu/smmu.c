/* SPDX-License-Identifier: MIT */
/* smmu.c — SMMU creation, ID registers, and the MMIO register file with its side effects. */
#include "smmu_internal.h"

#include <stdlib.h>
#include <stdio.h>
#include <string.h>

smmu_params_t smmu_params_default(void)
{
	/* MMU-600-like, as integrated in the SoC docs/models/smmu.md cites: both stages,
	 * ATS, MSI, 2-level tables, 16-bit ASID/VMID, 48-bit OAS, all granules. The TCU runs at
	 * 600 MHz. Command consumption and invalidation costs are assumptions (no published
	 * figure): 4 and 16 TCU cycles. */
	smmu_params_t p = {
		.s1p = true,
		.s2p = true,
		.ats = true,
		.msi = true,
		.two_level_st = true,
		.cd2l = true,
		.stall = true,
		.stall_max = 32,
		.asid16 = true,
		.vmid16 = true,
		.sidsize = 16,
		.ssidsize = 20,
		.oas = 48,
		.gran4k = true,
		.gran16k = true,
		.gran64k = true,
		.cmdqs = 19,
		.eventqs = 19,
		.cmd_cycles = 4,
		.inval_cycles = 16,
		.tcu_hz = 600000000ull,
		/* Main TLB 2048 entries 4-way; config cache 256; walk caches 256
		 * entries per stage and level (MMU-600 as integrated in the reference SoC). */
		.tlb = {2048, 4, CACHE_REPL_LRU},
		.cfg_cache = {256, 4, CACHE_REPL_LRU},
		.walk_cache = {256, 4, CACHE_REPL_LRU},
		/* "mmu600-like" (sources in docs/models/smmu.md): TBU at 400 MHz with a 32-entry fully associative uTLB
		 * (1 cycle) and the main TLB (3 cycles); TBU->TCU 15 ns, response 8 TCU cycles;
		 * TCU at 600 MHz, 3-cycle config and walk cache lookups, 64 translation and 16
		 * walk slots; 68 ns per table read. A single-stage 4-read miss then costs
		 * 15 + 5 + 5 + 4 x 68 + 13.3 = ~310 ns (TRM figure: ~305 ns). */
		.tbus = 1,
		.tbu_hz = 400000000ull,
		.utlb = {32, 32, CACHE_REPL_LRU},
		.utlb_cycles = 1,
		.tlb_cycles = 3,
		.tbu_tcu_link = 15 * SIM_NS,
		.tcu_response_cycles = 8,
		.cfg_lookup_cycles = 3,
		.wc_lookup_cycles = 3,
		.mem_read = 68 * SIM_NS,
		.translation_slots = 64,
		.walk_slots = 16,
	};
	return p;
}

smmu_params_t smmu_params_x86_like(void)
{
	/* "x86-like": an IOMMU as pcie-bench measured them on five Xeon generations (Neugebauer
	 * et al., SIGCOMM 2018): one 64-entry IOTLB (64 x 4 KiB = 256 KiB of reach), whose hit
	 * costs nothing measurable, and a miss penalty of +226 to +293 ns (median) on a 64 B
	 * read. No uTLB, no walk caches: a miss walks all 4 levels, 60 ns per read (an
	 * assumption that puts the penalty at ~250 ns); the IOMMU sits in the root complex (no
	 * TBU-TCU link). The architectural features stay the SMMU's. */
	smmu_params_t p = smmu_params_default();
	p.tbu_hz = p.tcu_hz = 1000000000ull;
	p.utlb = (cache_geom_t){0, 0, CACHE_REPL_LRU};
	p.utlb_cycles = 0;
	p.tlb = (cache_geom_t){64, 64, CACHE_REPL_LRU};
	p.tlb_cycles = 2;
	p.walk_cache = (cache_geom_t){0, 0, CACHE_REPL_LRU};
	p.tbu_tcu_link = 0;
	p.tcu_response_cycles = 2;
	p.cfg_lookup_cycles = 2;
	p.wc_lookup_cycles = 0;
	p.mem_read = 60 * SIM_NS;
	return p;
}

static int oas_encoding(unsigned bits)
{
	for (unsigned e = 0; e < 6; e++)
		if (smmu_oas_bits(e) == bits)
			return (int)e;
	return -1;
}

static void compute_idr(smmu_t *s)
{
	const smmu_params_t *p = &s->p;
	s->idr[0] = (uint32_t)(SMMU_PREP(IDR0_S2P, p->s2p) | SMMU_PREP(IDR0_S1P, p->s1p) |
			       SMMU_PREP(IDR0_TTF, 2) | SMMU_PREP(IDR0_COHACC, 1) |
			       SMMU_PREP(IDR0_ATS, p->ats) | SMMU_PREP(IDR0_ASID16, p->asid16) |
			       SMMU_PREP(IDR0_MSI, p->msi) | SMMU_PREP(IDR0_VMID16, p->vmid16) |
			       SMMU_PREP(IDR0_CD2L, p->cd2l) | SMMU_PREP(IDR0_TTENDIAN, 2) |
			       SMMU_PREP(IDR0_STALL_MODEL, p->stall ? 0 : 1) |
			       SMMU_PREP(IDR0_ST_LEVEL, p->two_level_st));
	s->idr[1] = (uint32_t)(SMMU_PREP(IDR1_SIDSIZE, p->sidsize) |
			       SMMU_PREP(IDR1_SSIDSIZE, p->ssidsize) |
			       SMMU_PREP(IDR1_EVENTQS, p->eventqs) | SMMU_PREP(IDR1_CMDQS, p->cmdqs));
	s->idr[5] = (uint32_t)(SMMU_PREP(IDR5_OAS, (unsigned)oas_encoding(p->oas)) |
			       SMMU_PREP(IDR5_GRAN4K, p->gran4k) |
			       SMMU_PREP(IDR5_GRAN16K, p->gran16k) |
			       SMMU_PREP(IDR5_GRAN64K, p->gran64k) |
			       SMMU_PREP(IDR5_STALL_MAX, p->stall ? p->stall_max : 0));
	s->iidr = 0x483u << 20 | 0x43Bu; /* ProductID MMU-600, implementer Arm */
	s->aidr = 0x1;                   /* SMMUv3.1 */
}

smmu_t *smmu_create(sim_t *sim, const smmu_params_t *p, mem_port_t mem, const char *name)
{
	if (!sim || !p || oas_encoding(p->oas) < 0 || p->sidsize > 32 || p->ssidsize > 20 ||
	    p->cmdqs > 19 || p->eventqs > 19 || !p->tcu_hz || (!p->s1p && !p->s2p) ||
	    p->tbus < 1 || p->tbus > 64)
		return NULL;
	smmu_t *s = calloc(1, sizeof *s);
	if (!s)
		return NULL;
	s->sim = sim;
	s->p = *p;
	s->mem = mem;
	strncpy(s->name, name ? name : "smmu", sizeof s->name - 1);
	char clk[40];
	size_t n = strlen(s->name);
	memcpy(clk, s->name, n);
	memcpy(clk + n, ".tcu", 5);
	s->tcu_clk = sim_clock_find(sim, clk);
	if (s->tcu_clk < 0)
		s->tcu_clk = sim_clock_add(sim, clk, p->tcu_hz);
	if (s->tcu_clk < 0) {
		free(s);
		return NULL;
	}
	compute_idr(s);
	bool ok = cache_init(&s->tlb, "tlb", p->tlb, sim) &&
		  cache_init(&s->cfg, "cfg", p->cfg_cache, sim);
	for (int st = 0; st < 2 && ok; st++)
		for (int l = 0; l < 4 && ok; l++) {
			char nm[24] = "wc.sX.lY";
			nm[4] = (char)('1' + st);
			nm[7] = (char)('0' + l);
			ok = cache_init(&s->wc[st][l], nm, p->walk_cache, sim);
		}
	/* TBUs and TCU slots. */
	memcpy(clk + n, ".tbu", 5);
	s->tbu_clk = sim_clock_find(sim, clk);
	if (s->tbu_clk < 0)
		s->tbu_clk = sim_clock_add(sim, clk, p->tbu_hz ? p->tbu_hz : 400000000ull);
	s->utlb = p->tbus ? calloc(p->tbus, sizeof *s->utlb) : NULL;
	s->slot_free = calloc(p->translation_slots ? p->translation_slots : 1, sizeof *s->slot_free);
	s->walk_free = calloc(p->walk_slots ? p->walk_slots : 1, sizeof *s->walk_free);
	s->stalls = calloc(p->stall_max ? p->stall_max : 1, sizeof *s->stalls);
	ok = ok && s->tbu_clk >= 0 && (s->utlb || !p->tbus) && s->slot_free && s->walk_free &&
	     s->stalls;
	for (unsigned i = 0; ok && i < p->tbus; i++) {
		char nm[24];
		snprintf(nm, sizeof nm, "utlb%u", i);
		ok = cache_init(&s->utlb[i], nm, p->utlb, sim);
	}
	if (!ok) {
		smmu_destroy(s);
		return NULL;
	}
	/* Reset: everything off, GBPA aborts incoming traffic (SHCFG "use incoming"). A
	 * platform that boots in bypass writes GBPA like firmware does. */
	s->gbpa = (uint32_t)(SMMU_PREP(GBPA_ABORT, 1) | SMMU_PREP(GBPA_SHCFG, 1));
	return s;
}

void smmu_destroy(smmu_t *s)
{
	if (!s)
		return;
	cache_free(&s->tlb);
	cache_free(&s->cfg);
	for (int st = 0; st < 2; st++)
		for (int l = 0; l < 4; l++)
			cache_free(&s->wc[st][l]);
	for (unsigned i = 0; s->utlb && i < s->p.tbus; i++)
		cache_free(&s->utlb[i]);
	free(s->utlb);
	free(s->slot_free);
	free(s->walk_free);
	free(s->stalls);
	free(s);
}

void smmu_slots_busy(const smmu_t *s, sim_time_t t, uint32_t *translation, uint32_t *walk)
{
	const smmu_params_t *p = &s->p;
	uint32_t n = 0, w = 0;
	for (unsigned i = 0; i < (p->translation_slots ? p->translation_slots : 1); i++)
		n += s->slot_free[i] > t;
	for (unsigned i = 0; i < (p->walk_slots ? p->walk_slots : 1); i++)
		w += s->walk_free[i] > t;
	*translation = n;
	*walk = w;
}

const cache_t *smmu_cache(const smmu_t *s, const char *name)
{
	for (unsigned i = 0; s->utlb && i < s->p.tbus; i++)
		if (!strcmp(name, s->utlb[i].name))
			return &s->utlb[i];
	if (!strcmp(name, "tlb"))
		return &s->tlb;
	if (!strcmp(name, "cfg"))
		return &s->cfg;
	for (int st = 0; st < 2; st++)
		for (int l = 0; l < 4; l++)
			if (!strcmp(name, s->wc[st][l].name))
				return &s->wc[st][l];
	return NULL;
}

const smmu_stats_t *smmu_stats(const smmu_t *s)
{
	return &s->stats;
}

const char *smmu_name(const smmu_t *s)
{
	return s->name;
}

/* The 64-bit registers, for 32-bit halves and 64-bit accesses alike. */
static uint64_t *reg64(smmu_t *s, uint32_t off)
{
	switch (off & ~7u) {
	case SMMU_GERROR_IRQ_CFG0:
		return &s->gerror_irq_cfg0;
	case SMMU_STRTAB_BASE:
		return &s->strtab_base;
	case SMMU_CMDQ_BASE:
		return &s->cmdq_base;
	case SMMU_EVENTQ_BASE:
		return &s->eventq_base;
	case SMMU_EVENTQ_IRQ_CFG0:
		return &s->eventq_irq_cfg0;
	}
	return NULL;
}

static uint32_t *reg32(smmu_t *s, uint32_t off)
{
	switch (off) {
	case SMMU_CR1:
		return &s->cr1;
	case SMMU_CR2:
		return &s->cr2;
	case SMMU_GERROR_IRQ_CFG1:
		return &s->gerror_irq_cfg1;
	case SMMU_GERROR_IRQ_CFG2:
		return &s->gerror_irq_cfg2;
	case SMMU_STRTAB_BASE_CFG:
		return &s->strtab_base_cfg;
	case SMMU_EVENTQ_IRQ_CFG1:
		return &s->eventq_irq_cfg1;
	case SMMU_EVENTQ_IRQ_CFG2:
		return &s->eventq_irq_cfg2;
	}
	return NULL;
}

uint64_t smmu_mmio_read(smmu_t *s, uint32_t off, unsigned size)
{
	uint64_t *r64 = reg64(s, off);
	if (r64) {
		if (size == 8)
			return *r64;
		return (uint32_t)(*r64 >> ((off & 4) * 8));
	}
	uint32_t *r32 = reg32(s, off);
	if (r32)
		return *r32;
	switch (off) {
	case SMMU_IDR0:
	case SMMU_IDR1:
	case SMMU_IDR2:
	case SMMU_IDR3:
	case SMMU_IDR4:
	case SMMU_IDR5:
		return s->idr[off / 4];
	case SMMU_IIDR:
		return s->iidr;
	case SMMU_AIDR:
		return s->aidr;
	case SMMU_CR0:
		return s->cr0;
	case SMMU_CR0ACK:
		return s->cr0ack;
	case SMMU_GBPA:
		return s->gbpa;
	case SMMU_IRQ_CTRL:
		return s->irq_ctrl;
	case SMMU_IRQ_CTRLACK:
		return s->irq_ctrlack;
	case SMMU_GERROR:
		return s->gerror;
	case SMMU_GERRORN:
		return s->gerrorn;
	case SMMU_CMDQ_PROD:
		return s->cmdq_prod;
	case SMMU_CMDQ_CONS:
		return s->cmdq_cons;
	case SMMU_EVENTQ_PROD:
		return s->eventq_prod;
	case SMMU_EVENTQ_CONS:
		return s->eventq_cons;
	}
	return 0;
}

void smmu_mmio_write(smmu_t *s, uint32_t off, uint64_t v, unsigned size)
{
	uint64_t *r64 = reg64(s, off);
	if (r64) {
		if (size == 8) {
			*r64 = v;
		} else {
			unsigned sh = (off & 4) * 8;
			*r64 = (*r64 & ~(0xffffffffull << sh)) | ((v & 0xffffffffull) << sh);
		}
		return;
	}
	uint32_t w = (uint32_t)v;
	uint32_t *r32 = reg32(s, off);
	if (r32) {
		*r32 = w;
		return;
	}
	switch (off) {
	case SMMU_CR0: {
		/* The change takes effect at once; CR0ACK follows (software polls it). */
		uint32_t mask = (uint32_t)(SMMU_MASK(CR0_SMMUEN) | SMMU_MASK(CR0_EVENTQEN) |
					   SMMU_MASK(CR0_CMDQEN) | SMMU_MASK(CR0_ATSCHK));
		s->cr0 = w & mask;
		s->cr0ack = s->cr0;
		smmu_cmdq_kick(s);
		break;
	}
	case SMMU_GBPA:
		/* Only a write with UPDATE set changes GBPA (SMMUv3.2); UPDATE then clears. */
		if (SMMU_GET(w, GBPA_UPDATE))
			s->gbpa = w & ~(uint32_t)SMMU_MASK(GBPA_UPDATE);
		break;
	case SMMU_IRQ_CTRL:
		s->irq_ctrl = w & 0x7u;
		s->irq_ctrlack = s->irq_ctrl;
		break;
	case SMMU_GERRORN:
		s->gerrorn = w;
		smmu_cmdq_kick(s); /* acknowledging CMDQ_ERR restarts consumption */
		break;
	case SMMU_CMDQ_PROD:
		s->cmdq_prod = w;
		smmu_cmdq_kick(s);
		break;
	case SMMU_CMDQ_CONS:
		/* Software may set CONS only while the queue is disabled. */
		if (!SMMU_GET(s->cr0, CR0_CMDQEN))
			s->cmdq_cons = w;
		break;
	case SMMU_EVENTQ_PROD:
		if (!SMMU_GET(s->cr0, CR0_EVENTQEN))
			s->eventq_prod = w;
		break;
	case SMMU_EVENTQ_CONS:
		s->eventq_cons = w;
		break;
	default:
		break; /* read-only or reserved: ignored */
	}
}

const char *smmu_event_name(uint8_t id)
{
	switch (id) {
	case SMMU_EVT_F_UUT:
		return "F_UUT";
	case SMMU_EVT_C_BAD_STREAMID:
		return "C_BAD_STREAMID";
	case SMMU_EVT_F_STE_FETCH:
		return "F_STE_FETCH";
	case SMMU_EVT_C_BAD_STE:
		return "C_BAD_STE";
	case SMMU_EVT_F_BAD_ATS_TREQ:
		return "F_BAD_ATS_TREQ";
	case SMMU_EVT_F_STREAM_DISABLED:
		return "F_STREAM_DISABLED";
	case SMMU_EVT_F_TRANSL_FORBIDDEN:
		return "F_TRANSL_FORBIDDEN";
	case SMMU_EVT_C_BAD_SUBSTREAMID:
		return "C_BAD_SUBSTREAMID";
	case SMMU_EVT_F_CD_FETCH:
		return "F_CD_FETCH";
	case SMMU_EVT_C_BAD_CD:
		return "C_BAD_CD";
	case SMMU_EVT_F_WALK_EABT:
		return "F_WALK_EABT";
	case SMMU_EVT_F_TRANSLATION:
		return "F_TRANSLATION";
	case SMMU_EVT_F_ADDR_SIZE:
		return "F_ADDR_SIZE";
	case SMMU_EVT_F_ACCESS:
		return "F_ACCESS";
	case SMMU_EVT_F_PERMISSION:
		return "F_PERMISSION";
	case SMMU_EVT_F_TLB_CONFLICT:
		return "F_TLB_CONFLICT";
	case SMMU_EVT_F_CFG_CONFLICT:
		return "F_CFG_CONFLICT";
	case SMMU_EVT_E_PAGE_REQUEST:
		return "E_PAGE_REQUEST";
	}
	return "?";
}

const char *smmu_path_name(smmu_path_t p)
{
	static const char *const names[] = {
		[SMMU_PATH_GBPA_BYPASS] = "gbpa-bypass",   [SMMU_PATH_GBPA_ABORT] = "gbpa-abort",
		[SMMU_PATH_STE_ABORT] = "ste-abort",       [SMMU_PATH_STE_BYPASS] = "ste-bypass",
		[SMMU_PATH_S1] = "stage1",                 [SMMU_PATH_S2] = "stage2",
		[SMMU_PATH_NESTED] = "nested",             [SMMU_PATH_S1DSS_BYPASS] = "s1dss-bypass",
		[SMMU_PATH_ATS_TRANSLATED] = "ats-translated",
		[SMMU_PATH_CONFIG_ERROR] = "config-error",
	};
	return (unsigned)p < sizeof names / sizeof names[0] ? names[p] : "?";
}
