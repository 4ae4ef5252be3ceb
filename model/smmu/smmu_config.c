/* SPDX-License-Identifier: MIT */
/*
 * smmu_config.c — finding and checking a stream's configuration: the Stream Table Entry
 * (linear or 2-level stream table, §5.1-5.2) and the Context Descriptor (linear or 2-level CD
 * table selected by SubstreamID, §5.3-5.4). Anything malformed or out of range becomes the
 * matching event (C_BAD_STREAMID, C_BAD_STE, C_BAD_SUBSTREAMID, C_BAD_CD, F_STE_FETCH,
 * F_CD_FETCH) — never a crash. In a nested configuration the CD table addresses are IPAs,
 * translated by stage 2 (a fault there is reported with S2=1, CLASS=CD).
 */
#include <string.h>

#include "smmu_internal.h"

static bool bad(smmu_cfg_fault_t *f, uint8_t event)
{
	f->event = event;
	return false;
}

static bool fetch(smmu_t *s, uint64_t pa, void *buf, size_t len, uint32_t *reads)
{
	(*reads)++;
	return s->mem.read(s->mem.ctx, pa, buf, len) == MEM_OK;
}

static bool granule_supported(const smmu_params_t *p, unsigned shift)
{
	return (shift == 12 && p->gran4k) || (shift == 14 && p->gran16k) ||
	       (shift == 16 && p->gran64k);
}

static unsigned min_u(unsigned a, unsigned b)
{
	return a < b ? a : b;
}

/* Stage 2 from STE dword 2 and 3. */
static bool decode_s2(const smmu_t *s, const uint64_t *d, smmu_ste_t *ste)
{
	unsigned g = smmu_tg0_shift((unsigned)SMMU_GET(d[2], STE2_S2TG));
	if (!g || !granule_supported(&s->p, g) || !SMMU_GET(d[2], STE2_S2AA64) ||
	    SMMU_GET(d[2], STE2_S2ENDI))
		return false;
	unsigned t0sz = (unsigned)SMMU_GET(d[2], STE2_S2T0SZ);
	unsigned sl0 = (unsigned)SMMU_GET(d[2], STE2_S2SL0);
	unsigned ps = smmu_oas_bits((unsigned)SMMU_GET(d[2], STE2_S2PS));
	if (t0sz > 39 || sl0 == 3 || !ps)
		return false;
	unsigned ias = 64 - t0sz;
	if (ias > s->p.oas) /* AArch64 stage 2: IAS = OAS */
		return false;
	/* S2SL0 names the start level: 4K: 0 -> 2, 1 -> 1, 2 -> 0; 16K/64K: 0 -> 3, 1 -> 2,
	 * 2 -> 1. The input size must fit it: more than one level's worth of bits below, and
	 * at most 16 concatenated start tables. */
	int start = g == 12 ? 2 - (int)sl0 : 3 - (int)sl0;
	unsigned shift = vmsa_level_shift(g, start), stride = vmsa_stride(g);
	if (ias <= shift || ias > shift + stride + 4)
		return false;
	unsigned oas = min_u(ps, s->p.oas);
	uint64_t ttb = SMMU_GET(d[3], STE3_S2TTB) << STE3_S2TTB_SHIFT;
	if (oas < 64 && (ttb >> oas))
		return false;
	ste->s2 = (smmu_tt_t){
		.ttb = ttb,
		.granule_shift = (uint8_t)g,
		.ias = (uint8_t)ias,
		.start_level = (int8_t)start,
		.oas = (uint8_t)oas,
		.affd = SMMU_GET(d[2], STE2_S2AFFD),
	};
	ste->s2s = SMMU_GET(d[2], STE2_S2S);
	ste->s2r = SMMU_GET(d[2], STE2_S2R);
	return !ste->s2s || s->p.stall;
}

/* Finds the STE of `sid` in the stream table and reads its first four dwords. */
static bool read_ste(smmu_t *s, uint32_t sid, uint64_t d[4], smmu_cfg_fault_t *f,
		     uint32_t *reads)
{
	unsigned log2size = (unsigned)SMMU_GET(s->strtab_base_cfg, STRTAB_BASE_CFG_LOG2SIZE);
	unsigned fmt = (unsigned)SMMU_GET(s->strtab_base_cfg, STRTAB_BASE_CFG_FMT);
	unsigned split = (unsigned)SMMU_GET(s->strtab_base_cfg, STRTAB_BASE_CFG_SPLIT);
	uint64_t base = s->strtab_base & SMMU_MASK(STRTAB_BASE_ADDR);
	if ((log2size < 32 && (sid >> log2size)) || (s->p.sidsize < 32 && (sid >> s->p.sidsize)))
		return bad(f, SMMU_EVT_C_BAD_STREAMID);

	uint64_t ste_pa;
	if (fmt == STRTAB_FMT_LINEAR) {
		ste_pa = base + (uint64_t)sid * SMMU_STE_SIZE;
	} else if (fmt == STRTAB_FMT_2LEVEL && s->p.two_level_st &&
		   (split == 6 || split == 8 || split == 10)) {
		uint64_t l1_pa = base + (uint64_t)(sid >> split) * SMMU_L1STD_SIZE;
		uint8_t b[8];
		if (!fetch(s, l1_pa, b, 8, reads)) {
			f->fetch_addr = l1_pa;
			return bad(f, SMMU_EVT_F_STE_FETCH);
		}
		uint64_t l1 = mem_le64(b);
		unsigned span = (unsigned)SMMU_GET(l1, L1STD_SPAN);
		uint32_t l2idx = sid & ((1u << split) - 1);
		/* Span 0: no level-2 table. Otherwise it holds 2^(Span-1) STEs. */
		if (span == 0 || span > 12 || l2idx >= (1u << (span - 1)))
			return bad(f, SMMU_EVT_C_BAD_STREAMID);
		ste_pa = (l1 & SMMU_MASK(L1STD_L2PTR)) + (uint64_t)l2idx * SMMU_STE_SIZE;
	} else {
		return bad(f, SMMU_EVT_C_BAD_STREAMID); /* reserved format or split */
	}

	uint8_t raw[SMMU_STE_SIZE];
	if (!fetch(s, ste_pa, raw, sizeof raw, reads)) {
		f->fetch_addr = ste_pa;
		return bad(f, SMMU_EVT_F_STE_FETCH);
	}
	for (int i = 0; i < 4; i++)
		d[i] = mem_le64(raw + 8 * i);
	return true;
}

/* Decodes and checks an STE. */
static bool decode_ste(smmu_t *s, const uint64_t *d, smmu_ste_t *ste, smmu_cfg_fault_t *f)
{
	if (!SMMU_GET(d[0], STE0_V))
		return bad(f, SMMU_EVT_C_BAD_STE);
	ste->config = (uint8_t)SMMU_GET(d[0], STE0_CONFIG);
	if (ste->config == STE_CONFIG_ABORT || ste->config == STE_CONFIG_BYPASS) {
		ste->vmid = (uint16_t)SMMU_GET(d[2], STE2_S2VMID);
		return true;
	}
	if (!(ste->config & 4)) /* 0b001-0b011 reserved */
		return bad(f, SMMU_EVT_C_BAD_STE);
	bool s1 = ste->config & 1, s2 = ste->config & 2;
	if ((s1 && !s->p.s1p) || (s2 && !s->p.s2p))
		return bad(f, SMMU_EVT_C_BAD_STE);
	ste->eats = (uint8_t)SMMU_GET(d[1], STE1_EATS);
	if (ste->eats == 3 || (ste->eats && !s->p.ats))
		return bad(f, SMMU_EVT_C_BAD_STE);
	ste->strw = (uint8_t)SMMU_GET(d[1], STE1_STRW);
	ste->vmid = (uint16_t)SMMU_GET(d[2], STE2_S2VMID);
	if (!s->p.vmid16 && ste->vmid > 0xff)
		return bad(f, SMMU_EVT_C_BAD_STE);
	if (s1) {
		ste->s1fmt = (uint8_t)SMMU_GET(d[0], STE0_S1FMT);
		ste->s1cdmax = (uint8_t)SMMU_GET(d[0], STE0_S1CDMAX);
		ste->s1dss = (uint8_t)SMMU_GET(d[1], STE1_S1DSS);
		ste->s1stalld = SMMU_GET(d[1], STE1_S1STALLD);
		ste->s1ctxptr = d[0] & SMMU_MASK(STE0_S1CTXPTR);
		if (ste->s1cdmax > s->p.ssidsize || ste->s1dss == 3)
			return bad(f, SMMU_EVT_C_BAD_STE);
		if (ste->s1cdmax && (ste->s1fmt == 3 || (ste->s1fmt != STE_S1FMT_LINEAR && !s->p.cd2l)))
			return bad(f, SMMU_EVT_C_BAD_STE);
	}
	if (s2 && !decode_s2(s, d, ste))
		return bad(f, SMMU_EVT_C_BAD_STE);
	return true;
}

bool smmu_fetch_ste(smmu_t *s, uint32_t sid, smmu_ste_t *ste, smmu_cfg_fault_t *f,
		    uint32_t *reads, bool *cached)
{
	memset(f, 0, sizeof *f);
	memset(ste, 0, sizeof *ste);
	uint64_t key[CACHE_KEY_WORDS] = {SMMU_CFG_STE, sid, 0, 0};
	uint64_t d[CACHE_DATA_WORDS];
	cache_line_t *hit = cache_lookup(&s->cfg, sid, key);
	*cached = hit != NULL;
	if (hit)
		memcpy(d, hit->data, sizeof d);
	else if (!read_ste(s, sid, d, f, reads))
		return false;
	if (!decode_ste(s, d, ste, f))
		return false; /* invalid structures are not cached */
	if (!hit)
		cache_fill(&s->cfg, sid, key, d);
	return true;
}

/* A CD structure's address: physical, or (nested) an IPA translated by stage 2. */
static bool cd_addr(smmu_t *s, const smmu_ste_t *ste, uint64_t a, uint64_t *pa,
		    smmu_cfg_fault_t *f, uint32_t *reads)
{
	if (ste->config != STE_CONFIG_NESTED) {
		*pa = a;
		return true;
	}
	smmu_walk_result_t r;
	smmu_access_t rd = {.write = false, .exec = false, .priv = true};
	smmu_walk_stage(&s->mem, &ste->s2, 2, a, rd, NULL, &r);
	*reads += r.nreads;
	if (r.fault != SMMU_FAULT_NONE) {
		static const uint8_t ev[] = {
			[SMMU_FAULT_TRANSLATION] = SMMU_EVT_F_TRANSLATION,
			[SMMU_FAULT_ADDR_SIZE] = SMMU_EVT_F_ADDR_SIZE,
			[SMMU_FAULT_ACCESS] = SMMU_EVT_F_ACCESS,
			[SMMU_FAULT_PERMISSION] = SMMU_EVT_F_PERMISSION,
			[SMMU_FAULT_WALK_EABT] = SMMU_EVT_F_WALK_EABT,
		};
		f->s2 = true;
		f->ipa = a;
		f->s2_fault = r.fault;
		f->fetch_addr = r.fetch_addr;
		return bad(f, ev[r.fault]);
	}
	*pa = r.oa;
	return true;
}

/* One translation region of a CD. TG1 uses the TTBR1 encoding (1: 16K, 2: 4K, 3: 64K). */
static bool decode_region(const smmu_t *s, uint64_t d0, uint64_t ttb_field, int n, unsigned ips,
			  smmu_cd_t *cd)
{
	cd->epd[n] = n == 0 ? SMMU_GET(d0, CD0_EPD0) : SMMU_GET(d0, CD0_EPD1);
	cd->tbi[n] = n == 0 ? SMMU_GET(d0, CD0_TBI0) : SMMU_GET(d0, CD0_TBI1);
	if (cd->epd[n])
		return true;
	unsigned tg = (unsigned)(n == 0 ? SMMU_GET(d0, CD0_TG0) : SMMU_GET(d0, CD0_TG1));
	unsigned g = n == 0 ? smmu_tg0_shift(tg) : (tg == 1 ? 14 : tg == 2 ? 12 : tg == 3 ? 16 : 0);
	unsigned tsz = (unsigned)(n == 0 ? SMMU_GET(d0, CD0_T0SZ) : SMMU_GET(d0, CD0_T1SZ));
	if (!g || !granule_supported(&s->p, g) || tsz < 16 || tsz > 39)
		return false;
	unsigned ias = 64 - tsz;
	unsigned oas = min_u(ips, s->p.oas);
	uint64_t ttb = ttb_field & (SMMU_MASK(CD1_TTB0));
	if (ttb >> oas)
		return false;
	int start = vmsa_s1_start_level(g, ias);
	/* The start table is aligned to its size: the low TTB bits are ignored. */
	unsigned bits = ias - vmsa_level_shift(g, start);
	uint64_t table_bytes = 8ull << bits;
	ttb &= ~(table_bytes - 1);
	cd->tt[n] = (smmu_tt_t){
		.ttb = ttb,
		.granule_shift = (uint8_t)g,
		.ias = (uint8_t)ias,
		.start_level = (int8_t)start,
		.oas = (uint8_t)oas,
		.affd = SMMU_GET(d0, CD0_AFFD),
	};
	return true;
}

/* Finds CD `ssid` of the stream's CD table and reads its first four dwords. */
static bool read_cd(smmu_t *s, const smmu_ste_t *ste, uint32_t ssid, uint64_t d[4],
		    smmu_cfg_fault_t *f, uint32_t *reads)
{
	uint64_t cd_ipa;
	if (ste->s1cdmax == 0) {
		if (ssid)
			return bad(f, SMMU_EVT_C_BAD_SUBSTREAMID);
		cd_ipa = ste->s1ctxptr;
	} else if (ssid >> ste->s1cdmax) {
		return bad(f, SMMU_EVT_C_BAD_SUBSTREAMID);
	} else if (ste->s1fmt == STE_S1FMT_LINEAR) {
		cd_ipa = ste->s1ctxptr + (uint64_t)ssid * SMMU_CD_SIZE;
	} else {
		/* 2-level: the level-2 tables hold 64 (4 KiB leaf) or 1024 (64 KiB leaf) CDs. */
		unsigned leaf = ste->s1fmt == STE_S1FMT_4K_L2 ? 6 : 10;
		uint64_t l1_ipa = ste->s1ctxptr + (uint64_t)(ssid >> leaf) * SMMU_L1CD_SIZE, l1_pa;
		if (!cd_addr(s, ste, l1_ipa, &l1_pa, f, reads))
			return false;
		uint8_t b[8];
		if (!fetch(s, l1_pa, b, 8, reads)) {
			f->fetch_addr = l1_pa;
			return bad(f, SMMU_EVT_F_CD_FETCH);
		}
		uint64_t l1 = mem_le64(b);
		if (!SMMU_GET(l1, L1CD_V))
			return bad(f, SMMU_EVT_C_BAD_SUBSTREAMID);
		cd_ipa = (l1 & SMMU_MASK(L1CD_L2PTR)) + (uint64_t)(ssid & ((1u << leaf) - 1)) * SMMU_CD_SIZE;
	}
	uint64_t cd_pa;
	if (!cd_addr(s, ste, cd_ipa, &cd_pa, f, reads))
		return false;
	uint8_t raw[SMMU_CD_SIZE];
	if (!fetch(s, cd_pa, raw, sizeof raw, reads)) {
		f->fetch_addr = cd_pa;
		return bad(f, SMMU_EVT_F_CD_FETCH);
	}
	for (int i = 0; i < 4; i++)
		d[i] = mem_le64(raw + 8 * i);
	return true;
}

/* Decodes and checks a CD. */
static bool decode_cd(smmu_t *s, const smmu_ste_t *ste, const uint64_t *d, smmu_cd_t *cd,
		      smmu_cfg_fault_t *f)
{
	if (!SMMU_GET(d[0], CD0_V) || !SMMU_GET(d[0], CD0_AA64) || SMMU_GET(d[0], CD0_ENDI) ||
	    SMMU_GET(d[0], CD0_HA) || SMMU_GET(d[0], CD0_HD) ||
	    (SMMU_GET(d[0], CD0_S) && (!s->p.stall || ste->s1stalld)))
		return bad(f, SMMU_EVT_C_BAD_CD);
	unsigned ips = smmu_oas_bits((unsigned)SMMU_GET(d[0], CD0_IPS));
	if (!ips || !decode_region(s, d[0], d[1], 0, ips, cd) ||
	    !decode_region(s, d[0], d[2], 1, ips, cd))
		return bad(f, SMMU_EVT_C_BAD_CD);
	cd->asid = (uint16_t)SMMU_GET(d[0], CD0_ASID);
	if (!s->p.asid16 && cd->asid > 0xff)
		return bad(f, SMMU_EVT_C_BAD_CD);
	cd->r = SMMU_GET(d[0], CD0_R);
	cd->s = SMMU_GET(d[0], CD0_S);
	cd->a = SMMU_GET(d[0], CD0_A);
	cd->mair = d[3];
	return true;
}

bool smmu_fetch_cd(smmu_t *s, uint32_t sid, const smmu_ste_t *ste, uint32_t ssid, smmu_cd_t *cd,
		   smmu_cfg_fault_t *f, uint32_t *reads, bool *cached)
{
	memset(f, 0, sizeof *f);
	memset(cd, 0, sizeof *cd);
	uint64_t key[CACHE_KEY_WORDS] = {SMMU_CFG_CD, sid, ssid, 0};
	uint64_t region = sid ^ ((uint64_t)ssid << 20);
	uint64_t d[CACHE_DATA_WORDS];
	cache_line_t *hit = cache_lookup(&s->cfg, region, key);
	*cached = hit != NULL;
	if (hit)
		memcpy(d, hit->data, sizeof d);
	else if (!read_cd(s, ste, ssid, d, f, reads))
		return false;
	if (!decode_cd(s, ste, d, cd, f))
		return false;
	if (!hit)
		cache_fill(&s->cfg, region, key, d);
	return true;
}
