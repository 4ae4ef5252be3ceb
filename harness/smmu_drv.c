/* SPDX-License-Identifier: MIT */
/* smmu_drv.c — an arm-smmu-v3-style driver for the SMMU model. See smmu_drv.h. */
#include "smmu_drv.h"

#include <stdlib.h>
#include <string.h>

#define STRTAB_SPLIT 8 /* Linux: 256 STEs (one PCI bus) per level-2 table */

static void wr(smmu_drv_t *d, uint32_t off, uint64_t v, unsigned size)
{
	smmu_mmio_write(d->smmu, off, v, size);
}

static uint64_t rd(smmu_drv_t *d, uint32_t off, unsigned size)
{
	return smmu_mmio_read(d->smmu, off, size);
}

static void put(smmu_drv_t *d, uint64_t pa, const uint64_t *dw, unsigned n)
{
	uint8_t b[64];
	for (unsigned i = 0; i < n; i++)
		mem_put_le64(b + 8 * i, dw[i]);
	mem_write(d->mem, pa, b, 8 * n);
}

static uint64_t get64(smmu_drv_t *d, uint64_t pa)
{
	uint8_t b[8];
	mem_read(d->mem, pa, b, 8);
	return mem_le64(b);
}

static unsigned oas_enc(unsigned bits)
{
	for (unsigned e = 0; e < 7; e++)
		if (smmu_oas_bits(e) == bits)
			return e;
	return 5;
}

void smmu_ste_abort(uint64_t ste[8])
{
	memset(ste, 0, 8 * sizeof *ste);
	ste[0] = SMMU_PREP(STE0_V, 1) | SMMU_PREP(STE0_CONFIG, STE_CONFIG_ABORT);
	ste[1] = SMMU_PREP(STE1_SHCFG, 1);
}

void smmu_ste_bypass(uint64_t ste[8])
{
	smmu_ste_abort(ste);
	ste[0] = SMMU_PREP(STE0_V, 1) | SMMU_PREP(STE0_CONFIG, STE_CONFIG_BYPASS);
}

static void ste_s1_fields(uint64_t ste[8], uint64_t cdtab, unsigned cdmax, unsigned s1fmt,
			  unsigned s1dss)
{
	ste[0] |= SMMU_PREP(STE0_S1FMT, cdmax ? s1fmt : 0) | (cdtab & SMMU_MASK(STE0_S1CTXPTR)) |
		  SMMU_PREP(STE0_S1CDMAX, cdmax);
	ste[1] |= SMMU_PREP(STE1_S1DSS, s1dss) | SMMU_PREP(STE1_S1CIR, 1) |
		  SMMU_PREP(STE1_S1COR, 1) | SMMU_PREP(STE1_S1CSH, 3);
}

static void ste_s2_fields(uint64_t ste[8], const iopgtable_t *s2, uint16_t vmid)
{
	const smmu_tt_t *tt = &s2->tt;
	unsigned tg = tt->granule_shift == 12 ? 0 : tt->granule_shift == 16 ? 1 : 2;
	unsigned sl0 = tt->granule_shift == 12 ? (unsigned)(2 - tt->start_level)
					       : (unsigned)(3 - tt->start_level);
	ste[2] = SMMU_PREP(STE2_S2VMID, vmid) | SMMU_PREP(STE2_S2T0SZ, 64u - tt->ias) |
		 SMMU_PREP(STE2_S2SL0, sl0) | SMMU_PREP(STE2_S2IR0, 1) | SMMU_PREP(STE2_S2OR0, 1) |
		 SMMU_PREP(STE2_S2SH0, 3) | SMMU_PREP(STE2_S2TG, tg) |
		 SMMU_PREP(STE2_S2PS, oas_enc(tt->oas)) | SMMU_PREP(STE2_S2AA64, 1) |
		 SMMU_PREP(STE2_S2R, 1);
	ste[3] = tt->ttb & SMMU_MASK(STE3_S2TTB);
}

void smmu_ste_s1(uint64_t ste[8], uint64_t cdtab, unsigned cdmax, unsigned s1fmt,
		 unsigned s1dss, unsigned eats)
{
	memset(ste, 0, 8 * sizeof *ste);
	ste[0] = SMMU_PREP(STE0_V, 1) | SMMU_PREP(STE0_CONFIG, STE_CONFIG_S1);
	ste[1] = SMMU_PREP(STE1_SHCFG, 1) | SMMU_PREP(STE1_EATS, eats);
	ste_s1_fields(ste, cdtab, cdmax, s1fmt, s1dss);
}

void smmu_ste_s2(uint64_t ste[8], const iopgtable_t *s2, uint16_t vmid, unsigned eats)
{
	memset(ste, 0, 8 * sizeof *ste);
	ste[0] = SMMU_PREP(STE0_V, 1) | SMMU_PREP(STE0_CONFIG, STE_CONFIG_S2);
	ste[1] = SMMU_PREP(STE1_SHCFG, 1) | SMMU_PREP(STE1_EATS, eats);
	ste_s2_fields(ste, s2, vmid);
}

void smmu_ste_nested(uint64_t ste[8], uint64_t cdtab, unsigned cdmax, unsigned s1fmt,
		     unsigned s1dss, const iopgtable_t *s2, uint16_t vmid, unsigned eats)
{
	memset(ste, 0, 8 * sizeof *ste);
	ste[0] = SMMU_PREP(STE0_V, 1) | SMMU_PREP(STE0_CONFIG, STE_CONFIG_NESTED);
	ste[1] = SMMU_PREP(STE1_SHCFG, 1) | SMMU_PREP(STE1_EATS, eats);
	ste_s1_fields(ste, cdtab, cdmax, s1fmt, s1dss);
	ste_s2_fields(ste, s2, vmid);
}

void smmu_cd_build(uint64_t cd[8], const iopgtable_t *s1, uint16_t asid, bool record)
{
	const smmu_tt_t *tt = &s1->tt;
	unsigned tg = tt->granule_shift == 12 ? 0 : tt->granule_shift == 16 ? 1 : 2;
	memset(cd, 0, 8 * sizeof *cd);
	cd[0] = SMMU_PREP(CD0_T0SZ, 64u - tt->ias) | SMMU_PREP(CD0_TG0, tg) | SMMU_PREP(CD0_IR0, 1) |
		SMMU_PREP(CD0_OR0, 1) | SMMU_PREP(CD0_SH0, 3) | SMMU_PREP(CD0_EPD1, 1) |
		SMMU_PREP(CD0_V, 1) | SMMU_PREP(CD0_IPS, oas_enc(tt->oas)) |
		SMMU_PREP(CD0_AA64, 1) | SMMU_PREP(CD0_R, record) | SMMU_PREP(CD0_A, 1) |
		SMMU_PREP(CD0_ASET, 1) | SMMU_PREP(CD0_ASID, asid);
	cd[1] = tt->ttb & SMMU_MASK(CD1_TTB0);
	cd[3] = 0x0000000000ff04ffull & 0xffffffffull; /* MAIR: WB, Device-nGnRE, ... */
}

int smmu_drv_cmd(smmu_drv_t *d, uint64_t dw0, uint64_t dw1)
{
	uint32_t cons = (uint32_t)rd(d, SMMU_CMDQ_CONS, 4) & ~(uint32_t)SMMU_MASK(CMDQ_CONS_ERR);
	if (smmu_q_full(d->cmdq_prod, cons, d->cmdq_log2))
		return -1;
	uint64_t dw[2] = {dw0, dw1};
	put(d, d->cmdq + (uint64_t)(d->cmdq_prod & ((1u << d->cmdq_log2) - 1)) * SMMU_CMD_SIZE, dw, 2);
	d->cmdq_prod = smmu_q_inc(d->cmdq_prod, d->cmdq_log2);
	wr(d, SMMU_CMDQ_PROD, d->cmdq_prod, 4);
	return 0;
}

uint32_t smmu_drv_sync_begin(smmu_drv_t *d)
{
	uint32_t seq = ++d->sync_seq;
	if (!seq)
		seq = ++d->sync_seq; /* 0 means failure */
	uint32_t pos = d->cmdq_prod;
	if (d->msi) {
		uint64_t zero = 0;
		put(d, d->sync_slot, &zero, 1);
		if (smmu_drv_cmd(d, SMMU_PREP(CMD0_OPCODE, SMMU_CMD_SYNC) |
					    SMMU_PREP(CMD0_SYNC_CS, SMMU_SYNC_CS_IRQ) |
					    SMMU_PREP(CMD0_SYNC_MSH, 3) | SMMU_PREP(CMD0_SYNC_MSIATTR, 0xF) |
					    SMMU_PREP(CMD0_SYNC_MSIDATA, seq),
				    d->sync_slot & SMMU_MASK(CMD1_SYNC_MSIADDR)))
			return 0;
	} else {
		/* No MSI: like arm-smmu-v3, signal with SEV and poll CMDQ_CONS past the sync. */
		if (smmu_drv_cmd(d, SMMU_PREP(CMD0_OPCODE, SMMU_CMD_SYNC) |
					    SMMU_PREP(CMD0_SYNC_CS, SMMU_SYNC_CS_SEV),
				    0))
			return 0;
	}
	d->sync_pos[seq % 64] = pos;
	return seq;
}

/* Whether the queue's consumer has moved past position `pos` (Linux's queue_consumed()). */
static bool cmdq_consumed(const smmu_drv_t *d, uint32_t cons, uint32_t pos)
{
	uint32_t idx = (1u << d->cmdq_log2) - 1, wrp = 1u << d->cmdq_log2;
	if ((cons & wrp) == (pos & wrp))
		return (cons & idx) > (pos & idx);
	return (cons & idx) <= (pos & idx);
}

bool smmu_drv_sync_poll(smmu_drv_t *d, uint32_t seq, unsigned *cerror)
{
	if (d->msi ? (uint32_t)get64(d, d->sync_slot) == seq
		   : cmdq_consumed(d, (uint32_t)rd(d, SMMU_CMDQ_CONS, 4), d->sync_pos[seq % 64]))
		return true;
	uint32_t gerror = (uint32_t)rd(d, SMMU_GERROR, 4);
	uint32_t gerrorn = (uint32_t)rd(d, SMMU_GERRORN, 4);
	if ((gerror ^ gerrorn) & SMMU_MASK(GERROR_CMDQ_ERR)) {
		/* Linux: report, replace the faulty command by a CMD_SYNC, acknowledge. */
		uint32_t cons = (uint32_t)rd(d, SMMU_CMDQ_CONS, 4);
		*cerror = (unsigned)SMMU_GET(cons, CMDQ_CONS_ERR);
		d->last_cerror = *cerror;
		uint64_t nop[2] = {SMMU_PREP(CMD0_OPCODE, SMMU_CMD_SYNC), 0};
		put(d, d->cmdq + (uint64_t)(cons & ((1u << d->cmdq_log2) - 1)) * SMMU_CMD_SIZE, nop, 2);
		wr(d, SMMU_GERRORN, gerror, 4);
	}
	return false;
}

int smmu_drv_sync(smmu_drv_t *d)
{
	uint32_t seq = smmu_drv_sync_begin(d);
	if (!seq)
		return -1;
	unsigned cerror = 0;
	while (!smmu_drv_sync_poll(d, seq, &cerror))
		if (!sim_step(d->sim))
			return -1; /* nothing left to run: the SMMU is not consuming */
	return (int)cerror;
}

uint64_t smmu_drv_ste_addr(smmu_drv_t *d, uint32_t sid)
{
	if (!d->two_level)
		return d->strtab + (uint64_t)sid * SMMU_STE_SIZE;
	uint32_t l1 = sid >> STRTAB_SPLIT;
	if (!d->l2[l1]) {
		uint64_t bytes = (uint64_t)SMMU_STE_SIZE << STRTAB_SPLIT;
		uint64_t l2 = physalloc_alloc(d->alloc, bytes, bytes);
		if (!l2)
			return 0;
		uint64_t ste[8];
		smmu_ste_abort(ste);
		for (uint32_t i = 0; i < (1u << STRTAB_SPLIT); i++)
			put(d, l2 + (uint64_t)i * SMMU_STE_SIZE, ste, 8);
		uint64_t desc = (l2 & SMMU_MASK(L1STD_L2PTR)) | SMMU_PREP(L1STD_SPAN, STRTAB_SPLIT + 1);
		put(d, d->strtab + (uint64_t)l1 * SMMU_L1STD_SIZE, &desc, 1);
		d->l2[l1] = l2;
	}
	return d->l2[l1] + (uint64_t)(sid & ((1u << STRTAB_SPLIT) - 1)) * SMMU_STE_SIZE;
}

int smmu_drv_write_ste(smmu_drv_t *d, uint32_t sid, const uint64_t ste[8])
{
	uint64_t pa = smmu_drv_ste_addr(d, sid);
	if (!pa)
		return -1;
	/* Dwords 1..7 first, then dword 0 (V, Config) with one store, then invalidate. */
	put(d, pa + 8, ste + 1, 7);
	put(d, pa, ste, 1);
	smmu_drv_cmd(d, SMMU_PREP(CMD0_OPCODE, SMMU_CMD_CFGI_STE) | SMMU_PREP(CMD0_SID, sid),
		     SMMU_PREP(CMD1_LEAF, 0));
	return smmu_drv_sync(d);
}

uint64_t smmu_drv_alloc_cdtab(smmu_drv_t *d, unsigned cdmax, bool two_level, unsigned *s1fmt)
{
	if (!two_level || cdmax <= 10) {
		*s1fmt = STE_S1FMT_LINEAR;
		uint64_t bytes = (uint64_t)SMMU_CD_SIZE << cdmax;
		return physalloc_alloc(d->alloc, bytes, bytes < 4096 ? 64 : 4096);
	}
	*s1fmt = STE_S1FMT_64K_L2;
	uint64_t l1 = (1ull << (cdmax - 10)) * SMMU_L1CD_SIZE;
	return physalloc_alloc(d->alloc, l1, l1 < 64 ? 64 : l1);
}

int smmu_drv_write_cd(smmu_drv_t *d, uint32_t sid, uint64_t cdtab, unsigned s1fmt, uint32_t ssid,
		      const uint64_t cd[8])
{
	uint64_t pa;
	if (s1fmt == STE_S1FMT_LINEAR) {
		pa = cdtab + (uint64_t)ssid * SMMU_CD_SIZE;
	} else {
		unsigned leaf = s1fmt == STE_S1FMT_4K_L2 ? 6 : 10;
		uint64_t l1_pa = cdtab + (uint64_t)(ssid >> leaf) * SMMU_L1CD_SIZE;
		uint64_t l1 = get64(d, l1_pa);
		if (!SMMU_GET(l1, L1CD_V)) {
			uint64_t bytes = (uint64_t)SMMU_CD_SIZE << leaf;
			uint64_t l2 = physalloc_alloc(d->alloc, bytes, bytes);
			if (!l2)
				return -1;
			l1 = (l2 & SMMU_MASK(L1CD_L2PTR)) | SMMU_PREP(L1CD_V, 1);
			put(d, l1_pa, &l1, 1);
			smmu_drv_cmd(d, SMMU_PREP(CMD0_OPCODE, SMMU_CMD_CFGI_CD) |
						SMMU_PREP(CMD0_SID, sid) | SMMU_PREP(CMD0_SSID, ssid),
				     SMMU_PREP(CMD1_LEAF, 0));
		}
		pa = (l1 & SMMU_MASK(L1CD_L2PTR)) + (uint64_t)(ssid & ((1u << leaf) - 1)) * SMMU_CD_SIZE;
	}
	put(d, pa + 8, cd + 1, 7);
	put(d, pa, cd, 1);
	smmu_drv_cmd(d, SMMU_PREP(CMD0_OPCODE, SMMU_CMD_CFGI_CD) | SMMU_PREP(CMD0_SID, sid) |
				SMMU_PREP(CMD0_SSID, ssid),
		     SMMU_PREP(CMD1_LEAF, 1));
	return smmu_drv_sync(d);
}

unsigned smmu_drv_events(smmu_drv_t *d, smmu_evt_rec_t *out, unsigned max)
{
	unsigned n = 0;
	for (;;) {
		uint32_t prod = (uint32_t)rd(d, SMMU_EVENTQ_PROD, 4);
		uint32_t cons = (uint32_t)rd(d, SMMU_EVENTQ_CONS, 4);
		if (n == max || smmu_q_empty(prod, cons, d->evtq_log2))
			break;
		uint64_t pa = d->evtq + (uint64_t)(cons & ((1u << d->evtq_log2) - 1)) * SMMU_EVT_SIZE;
		uint64_t e[4];
		for (int i = 0; i < 4; i++)
			e[i] = get64(d, pa + 8 * (uint64_t)i);
		smmu_evt_rec_t *r = &out[n++];
		r->id = (uint8_t)SMMU_GET(e[0], EVT0_ID);
		r->ssv = SMMU_GET(e[0], EVT0_SSV);
		r->ssid = (uint32_t)SMMU_GET(e[0], EVT0_SSID);
		r->sid = (uint32_t)SMMU_GET(e[0], EVT0_SID);
		r->stag = (uint16_t)SMMU_GET(e[1], EVT1_STAG);
		r->stall = SMMU_GET(e[1], EVT1_STALL);
		r->pnu = SMMU_GET(e[1], EVT1_PNU);
		r->ind = SMMU_GET(e[1], EVT1_IND);
		r->rnw = SMMU_GET(e[1], EVT1_RNW);
		r->s2 = SMMU_GET(e[1], EVT1_S2);
		r->class_ = (uint8_t)SMMU_GET(e[1], EVT1_CLASS);
		r->input_addr = e[2];
		r->addr3 = e[3];
		/* Consume it, acknowledging any overflow at the same time. */
		cons = smmu_q_inc(cons & ~(uint32_t)SMMU_MASK(EVENTQ_CONS_OVACKFLG), d->evtq_log2) |
		       (prod & (uint32_t)SMMU_MASK(EVENTQ_PROD_OVFLG));
		wr(d, SMMU_EVENTQ_CONS, cons, 4);
	}
	return n;
}

int smmu_drv_probe(smmu_drv_t *d, smmu_t *smmu, sim_t *sim, mem_t *mem, physalloc_t *alloc,
		   bool two_level)
{
	memset(d, 0, sizeof *d);
	d->smmu = smmu;
	d->sim = sim;
	d->mem = mem;
	d->alloc = alloc;
	uint32_t idr0 = (uint32_t)rd(d, SMMU_IDR0, 4), idr1 = (uint32_t)rd(d, SMMU_IDR1, 4);
	d->sid_bits = (unsigned)SMMU_GET(idr1, IDR1_SIDSIZE);
	d->two_level = two_level && SMMU_GET(idr0, IDR0_ST_LEVEL) && d->sid_bits > STRTAB_SPLIT;
	d->msi = SMMU_GET(idr0, IDR0_MSI) != 0;

	/* Stream table: linear with every STE aborting, or a level-1 table whose level-2
	 * tables are allocated when a stream is first configured. */
	if (!d->two_level) {
		uint64_t bytes = (uint64_t)SMMU_STE_SIZE << d->sid_bits;
		d->strtab = physalloc_alloc(alloc, bytes, bytes);
		if (!d->strtab)
			return -1;
		uint64_t ste[8];
		smmu_ste_abort(ste);
		for (uint64_t sid = 0; sid < (1ull << d->sid_bits); sid++)
			put(d, d->strtab + sid * SMMU_STE_SIZE, ste, 8);
	} else {
		uint64_t entries = 1ull << (d->sid_bits - STRTAB_SPLIT);
		d->strtab = physalloc_alloc(alloc, entries * 8, entries * 8 < 64 ? 64 : entries * 8);
		d->l2 = calloc(entries, sizeof *d->l2);
		if (!d->strtab || !d->l2)
			return -1;
	}
	d->cmdq_log2 = (unsigned)SMMU_GET(idr1, IDR1_CMDQS) < 8 ? (unsigned)SMMU_GET(idr1, IDR1_CMDQS) : 8;
	d->evtq_log2 = (unsigned)SMMU_GET(idr1, IDR1_EVENTQS) < 7 ? (unsigned)SMMU_GET(idr1, IDR1_EVENTQS) : 7;
	uint64_t cq = (uint64_t)SMMU_CMD_SIZE << d->cmdq_log2, eq = (uint64_t)SMMU_EVT_SIZE << d->evtq_log2;
	d->cmdq = physalloc_alloc(alloc, cq, cq);
	d->evtq = physalloc_alloc(alloc, eq, eq);
	d->sync_slot = physalloc_alloc(alloc, 8, 8);
	if (!d->cmdq || !d->evtq || !d->sync_slot)
		return -1;

	/* Reset, in arm_smmu_device_reset()'s order. */
	wr(d, SMMU_CR0, 0, 4);
	wr(d, SMMU_CR1, 0xD75, 4); /* tables and queues: inner-shareable, write-back */
	wr(d, SMMU_CR2, SMMU_PREP(CR2_PTM, 1) | SMMU_PREP(CR2_RECINVSID, 1), 4);
	wr(d, SMMU_STRTAB_BASE, (d->strtab & SMMU_MASK(STRTAB_BASE_ADDR)) | SMMU_PREP(STRTAB_BASE_RA, 1), 8);
	wr(d, SMMU_STRTAB_BASE_CFG,
	   SMMU_PREP(STRTAB_BASE_CFG_LOG2SIZE, d->sid_bits) |
		   SMMU_PREP(STRTAB_BASE_CFG_SPLIT, d->two_level ? STRTAB_SPLIT : 0) |
		   SMMU_PREP(STRTAB_BASE_CFG_FMT, d->two_level ? STRTAB_FMT_2LEVEL : STRTAB_FMT_LINEAR),
	   4);
	wr(d, SMMU_CMDQ_BASE, (d->cmdq & SMMU_MASK(Q_BASE_ADDR)) | SMMU_PREP(Q_BASE_LOG2SIZE, d->cmdq_log2), 8);
	wr(d, SMMU_CMDQ_PROD, 0, 4);
	wr(d, SMMU_CMDQ_CONS, 0, 4);
	wr(d, SMMU_CR0, SMMU_PREP(CR0_CMDQEN, 1), 4);
	smmu_drv_cmd(d, SMMU_PREP(CMD0_OPCODE, SMMU_CMD_CFGI_STE_RANGE), SMMU_PREP(CMD1_RANGE, SMMU_CFGI_RANGE_ALL));
	if (smmu_drv_sync(d))
		return -1;
	smmu_drv_cmd(d, SMMU_PREP(CMD0_OPCODE, SMMU_CMD_TLBI_NSNH_ALL), 0);
	if (smmu_drv_sync(d))
		return -1;
	wr(d, SMMU_EVENTQ_BASE, (d->evtq & SMMU_MASK(Q_BASE_ADDR)) | SMMU_PREP(Q_BASE_LOG2SIZE, d->evtq_log2), 8);
	wr(d, SMMU_EVENTQ_PROD, 0, 4);
	wr(d, SMMU_EVENTQ_CONS, 0, 4);
	wr(d, SMMU_CR0, SMMU_PREP(CR0_CMDQEN, 1) | SMMU_PREP(CR0_EVENTQEN, 1), 4);
	wr(d, SMMU_IRQ_CTRL, SMMU_PREP(IRQ_CTRL_GERROR_IRQEN, 1) | SMMU_PREP(IRQ_CTRL_EVENTQ_IRQEN, 1), 4);
	wr(d, SMMU_CR0, SMMU_PREP(CR0_CMDQEN, 1) | SMMU_PREP(CR0_EVENTQEN, 1) | SMMU_PREP(CR0_SMMUEN, 1), 4);
	return rd(d, SMMU_CR0ACK, 4) == rd(d, SMMU_CR0, 4) ? 0 : -1;
}

void smmu_drv_free(smmu_drv_t *d)
{
	free(d->l2);
	memset(d, 0, sizeof *d);
}
