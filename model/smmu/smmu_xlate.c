/* SPDX-License-Identifier: MIT */
/*
 * smmu_xlate.c — translating one upstream transaction: global bypass/abort, the stream's STE,
 * ATS (translated requests and translation requests), the default substream for traffic
 * without a PASID (S1DSS), the CD and its TTB0/TTB1 regions, the walk, and fault recording.
 *
 * Recording (§3.12, §5.4): translation-class faults (F_TRANSLATION, F_ADDR_SIZE, F_ACCESS,
 * F_PERMISSION) are written to the event queue when the CD's R bit (stage 1) or the STE's
 * S2R bit (stage 2) asks, or when the transaction stalls (CD.S / STE.S2S). Configuration
 * errors and fetch aborts are always recorded, C_BAD_STREAMID only with CR2.RECINVSID.
 * ATS translation requests that fault are answered to the device, not recorded.
 */
#include <string.h>

#include "smmu_internal.h"

static uint8_t fault_event(smmu_fault_t f)
{
	switch (f) {
	case SMMU_FAULT_TRANSLATION:
		return SMMU_EVT_F_TRANSLATION;
	case SMMU_FAULT_ADDR_SIZE:
		return SMMU_EVT_F_ADDR_SIZE;
	case SMMU_FAULT_ACCESS:
		return SMMU_EVT_F_ACCESS;
	case SMMU_FAULT_PERMISSION:
		return SMMU_EVT_F_PERMISSION;
	case SMMU_FAULT_WALK_EABT:
		return SMMU_EVT_F_WALK_EABT;
	case SMMU_FAULT_NONE:
		break;
	}
	return 0;
}

/* --- TLB ---------------------------------------------------------------------------------
 * Key: StreamID, SubstreamID (with SSV), page-size class, page number. Data: output page,
 * then permission bits, nG, which stages were used, ASID and VMID (for invalidation). */
#define TLB_GLOBAL (1ull << 8)
#define TLB_S1 (1ull << 9)
#define TLB_S2 (1ull << 10)

uint64_t smmu_tlb_region(uint32_t sid, uint64_t page)
{
	return page + (uint64_t)sid * 0x9E3779B1ull;
}

void smmu_tlb_key(uint64_t *key, const smmu_txn_t *t, unsigned shift)
{
	key[0] = t->sid;
	key[1] = t->ssv ? (1ull << 32 | t->ssid) : 0;
	key[2] = shift;
	key[3] = t->addr >> shift;
}

static bool tlb_lookup(smmu_t *s, const smmu_txn_t *t, smmu_xlate_t *x)
{
	unsigned need = smmu_perm_needed(t->acc);
	for (unsigned shift = 12; shift < 64; shift++) {
		if (!(s->tlb_shifts >> shift & 1))
			continue;
		uint64_t key[CACHE_KEY_WORDS];
		smmu_tlb_key(key, t, shift);
		cache_line_t *l = cache_probe(&s->tlb, smmu_tlb_region(t->sid, key[3]), key);
		if (!l)
			continue;
		unsigned perm = (unsigned)(l->data[1] & 0xff);
		cache_count(&s->tlb, (perm & need) == need); /* one lookup, whatever the probes */
		if ((perm & need) != need)
			return false; /* let the walk raise the permission fault */
		x->outcome = SMMU_XLATE_OK;
		x->tlb_hit = true;
		x->path = (smmu_path_t)l->data[2];
		x->size = 1ull << shift;
		x->pa = l->data[0] | (t->addr & (x->size - 1));
		x->perm = perm;
		x->asid = (uint16_t)(l->data[1] >> 16);
		x->vmid = (uint16_t)(l->data[1] >> 32);
		x->ready_at = l->data[3];
		s->stats.tlb_hits++;
		return true;
	}
	cache_count(&s->tlb, false);
	return false;
}

static void tlb_fill(smmu_t *s, const smmu_txn_t *t, const smmu_xlate_t *x, bool s1, bool s2)
{
	unsigned shift = 12;
	while (shift < 63 && (1ull << (shift + 1)) <= x->size)
		shift++;
	uint64_t key[CACHE_KEY_WORDS], data[CACHE_DATA_WORDS] = {0};
	smmu_tlb_key(key, t, shift);
	data[0] = x->pa & ~((1ull << shift) - 1);
	data[1] = x->perm | (x->walk.global ? TLB_GLOBAL : 0) | (s1 ? TLB_S1 : 0) |
		  (s2 ? TLB_S2 : 0) | (uint64_t)x->asid << 16 | (uint64_t)x->vmid << 32;
	data[2] = x->path;
	cache_fill(&s->tlb, smmu_tlb_region(t->sid, key[3]), key, data);
	s->tlb_shifts |= 1ull << shift;
}

void smmu_tlb_set_ready(smmu_t *s, const smmu_txn_t *t, uint64_t size, sim_time_t ready)
{
	unsigned shift = 12;
	while (shift < 63 && (1ull << (shift + 1)) <= size)
		shift++;
	uint64_t key[CACHE_KEY_WORDS];
	smmu_tlb_key(key, t, shift);
	uint64_t hits = s->tlb.hits, misses = s->tlb.misses;
	cache_line_t *l = cache_lookup(&s->tlb, smmu_tlb_region(t->sid, key[3]), key);
	s->tlb.hits = hits; /* bookkeeping, not a lookup the hardware makes */
	s->tlb.misses = misses;
	if (l)
		l->data[3] = ready;
}

/* --- walk caches -------------------------------------------------------------------------
 * One cache per stage and level. Key: stage/level/granule/VMID/ASID (ASID for stage 1 only),
 * the input bits above the range of the level's table, and that shift. Data: the table's PA. */
typedef struct wc_ctx {
	smmu_t *s;
	uint16_t asid, vmid;
	uint8_t granule[2];
} wc_ctx_t;

static void wc_key(const wc_ctx_t *w, uint8_t stage, int level, uint64_t ia, uint64_t *key)
{
	unsigned g = w->granule[stage - 1];
	unsigned shift = vmsa_level_shift(g, level - 1);
	key[0] = stage | (uint64_t)level << 4 | (uint64_t)g << 8 | (uint64_t)w->vmid << 16 |
		 (stage == 1 ? (uint64_t)w->asid << 32 : 0);
	key[1] = ia >> shift;
	key[2] = shift;
	key[3] = 0;
}

static bool wc_lookup(void *ctx, uint8_t stage, int level, uint64_t ia, uint64_t *pa)
{
	wc_ctx_t *w = ctx;
	uint64_t key[CACHE_KEY_WORDS];
	wc_key(w, stage, level, ia, key);
	cache_line_t *l = cache_lookup(&w->s->wc[stage - 1][level], key[1], key);
	if (!l)
		return false;
	*pa = l->data[0];
	return true;
}

static void wc_fill(void *ctx, uint8_t stage, int level, uint64_t ia, uint64_t pa)
{
	wc_ctx_t *w = ctx;
	uint64_t key[CACHE_KEY_WORDS], data[CACHE_DATA_WORDS] = {pa, 0, 0, 0};
	wc_key(w, stage, level, ia, key);
	cache_fill(&w->s->wc[stage - 1][level], key[1], key, data);
}

/* --- invalidation -------------------------------------------------------------------------- */

static bool overlaps(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	return a < b + blen && b < a + alen;
}

static bool cfg_pred(const cache_line_t *l, const void *ctx)
{
	const smmu_inval_t *inv = ctx;
	uint64_t kind = l->key[0];
	uint32_t sid = (uint32_t)l->key[1], ssid = (uint32_t)l->key[2];
	switch (inv->op) {
	case SMMU_CMD_CFGI_STE:
	case SMMU_CMD_CFGI_STE_RANGE:
		return sid >= inv->sid && sid <= inv->sid_last; /* the STE and CDs under it */
	case SMMU_CMD_CFGI_CD:
		return kind == SMMU_CFG_CD && sid == inv->sid && ssid == inv->ssid;
	case SMMU_CMD_CFGI_CD_ALL:
		return kind == SMMU_CFG_CD && sid == inv->sid;
	}
	return false;
}

bool smmu_tlb_pred(const cache_line_t *l, const void *ctx)
{
	const smmu_inval_t *inv = ctx;
	uint64_t d = l->data[1];
	uint16_t asid = (uint16_t)(d >> 16), vmid = (uint16_t)(d >> 32);
	bool s1 = d & TLB_S1, s2 = d & TLB_S2, global = d & TLB_GLOBAL;
	uint64_t size = 1ull << l->key[2], va = l->key[3] << l->key[2];
	switch (inv->op) {
	case SMMU_CMD_TLBI_NH_ALL:
		return s1 && vmid == inv->vmid;
	case SMMU_CMD_TLBI_NH_ASID:
		return s1 && vmid == inv->vmid && !global && asid == inv->asid;
	case SMMU_CMD_TLBI_NH_VA:
		return s1 && vmid == inv->vmid && (global || asid == inv->asid) &&
		       overlaps(va, size, inv->addr, inv->len);
	case SMMU_CMD_TLBI_NH_VAA:
		return s1 && vmid == inv->vmid && overlaps(va, size, inv->addr, inv->len);
	case SMMU_CMD_TLBI_S12_VMALL:
		return vmid == inv->vmid;
	case SMMU_CMD_TLBI_S2_IPA:
		/* Stage-2-only translations; combined stage 1+2 entries need TLBI_NH_ALL. */
		return s2 && !s1 && vmid == inv->vmid && overlaps(va, size, inv->addr, inv->len);
	}
	return false;
}

static bool wc_pred(const cache_line_t *l, const void *ctx)
{
	const smmu_inval_t *inv = ctx;
	unsigned stage = (unsigned)(l->key[0] & 0xf);
	uint16_t vmid = (uint16_t)(l->key[0] >> 16), asid = (uint16_t)(l->key[0] >> 32);
	uint64_t span = 1ull << l->key[2], base = l->key[1] << l->key[2];
	switch (inv->op) {
	case SMMU_CMD_TLBI_NH_ALL:
		return stage == 1 && vmid == inv->vmid;
	case SMMU_CMD_TLBI_NH_ASID:
		return stage == 1 && vmid == inv->vmid && asid == inv->asid;
	case SMMU_CMD_TLBI_NH_VA:
		return stage == 1 && vmid == inv->vmid && asid == inv->asid &&
		       overlaps(base, span, inv->addr, inv->len);
	case SMMU_CMD_TLBI_NH_VAA:
		return stage == 1 && vmid == inv->vmid && overlaps(base, span, inv->addr, inv->len);
	case SMMU_CMD_TLBI_S12_VMALL:
		return vmid == inv->vmid;
	case SMMU_CMD_TLBI_S2_IPA:
		return stage == 2 && vmid == inv->vmid && overlaps(base, span, inv->addr, inv->len);
	}
	return false;
}

/* The TLBs are tagged by StreamID (and SubstreamID), as the TBUs' are: a configuration
 * invalidation must also drop the translations made under the old configuration, or a hit
 * would outlive the STE or CD it came from (a stream switched to abort would still
 * translate). */
static bool tlb_cfg_pred(const cache_line_t *l, const void *ctx)
{
	const smmu_inval_t *inv = ctx;
	uint32_t sid = (uint32_t)l->key[0];
	bool ssv = l->key[1] >> 32 & 1;
	uint32_t ssid = (uint32_t)l->key[1];
	switch (inv->op) {
	case SMMU_CMD_CFGI_STE:
	case SMMU_CMD_CFGI_STE_RANGE:
		return sid >= inv->sid && sid <= inv->sid_last;
	case SMMU_CMD_CFGI_CD:
		/* CD 0 also serves traffic without a SubstreamID (S1DSS = SSID0). */
		return sid == inv->sid && (ssv ? ssid == inv->ssid : inv->ssid == 0);
	case SMMU_CMD_CFGI_CD_ALL:
		return sid == inv->sid;
	}
	return false;
}

void smmu_invalidate(smmu_t *s, const smmu_inval_t *inv)
{
	switch (inv->op) {
	case SMMU_CMD_CFGI_STE:
	case SMMU_CMD_CFGI_STE_RANGE:
	case SMMU_CMD_CFGI_CD:
	case SMMU_CMD_CFGI_CD_ALL:
		if (inv->op == SMMU_CMD_CFGI_STE_RANGE && inv->sid == 0 && inv->sid_last == UINT32_MAX) {
			cache_flush(&s->cfg);
			cache_flush(&s->tlb);
			for (unsigned i = 0; i < s->p.tbus; i++)
				cache_flush(&s->utlb[i]);
			return;
		}
		cache_invalidate(&s->cfg, cfg_pred, inv);
		cache_invalidate(&s->tlb, tlb_cfg_pred, inv);
		for (unsigned i = 0; i < s->p.tbus; i++)
			cache_invalidate(&s->utlb[i], tlb_cfg_pred, inv);
		return;
	case SMMU_CMD_TLBI_NSNH_ALL:
		cache_flush(&s->tlb);
		for (unsigned i = 0; i < s->p.tbus; i++)
			cache_flush(&s->utlb[i]);
		for (int st = 0; st < 2; st++)
			for (int l = 0; l < 4; l++)
				cache_flush(&s->wc[st][l]);
		return;
	default:
		break;
	}
	cache_invalidate(&s->tlb, smmu_tlb_pred, inv);
	for (unsigned i = 0; i < s->p.tbus; i++) /* the TCU invalidates the TBUs' uTLBs too */
		cache_invalidate(&s->utlb[i], smmu_tlb_pred, inv);
	/* Leaf-only invalidations keep the walk caches (§4.4). */
	if (inv->leaf && (inv->op == SMMU_CMD_TLBI_NH_VA || inv->op == SMMU_CMD_TLBI_NH_VAA ||
			  inv->op == SMMU_CMD_TLBI_S2_IPA))
		return;
	for (int st = 0; st < 2; st++)
		for (int l = 0; l < 4; l++)
			cache_invalidate(&s->wc[st][l], wc_pred, inv);
}

static smmu_event_t event_for(const smmu_txn_t *t, uint8_t id)
{
	smmu_event_t e;
	memset(&e, 0, sizeof e);
	e.id = id;
	e.sid = t->sid;
	e.ssv = t->ssv;
	e.ssid = t->ssid;
	e.pnu = t->acc.priv;
	e.ind = t->acc.exec;
	e.rnw = !t->acc.write;
	e.input_addr = t->addr;
	return e;
}

/* Terminates the transaction with event `id`; records it when `record`. */
static void terminate(smmu_t *s, const smmu_txn_t *t, smmu_xlate_t *x, smmu_event_t *e,
		      bool record)
{
	x->outcome = SMMU_XLATE_FAULT;
	x->event = e->id;
	s->stats.faults++;
	if (record && t->at != TLP_AT_TRANSLATION_REQ)
		x->evt_recorded = smmu_record_event(s, e);
}

static void config_fault(smmu_t *s, const smmu_txn_t *t, smmu_xlate_t *x,
			 const smmu_cfg_fault_t *f)
{
	x->path = SMMU_PATH_CONFIG_ERROR;
	smmu_event_t e = event_for(t, f->event);
	e.fetch_addr = f->fetch_addr;
	if (f->s2) { /* a stage-2 fault translating a CD address */
		e.s2 = true;
		e.class_ = SMMU_EVT_CLASS_CD;
		e.ipa = f->ipa;
	}
	bool record = f->event != SMMU_EVT_C_BAD_STREAMID || SMMU_GET(s->cr2, CR2_RECINVSID);
	terminate(s, t, x, &e, record);
}

void smmu_translate(smmu_t *s, const smmu_txn_t *t, smmu_xlate_t *x)
{
	smmu_xlate_clear(x);
	s->stats.translations++;

	if (!SMMU_GET(s->cr0, CR0_SMMUEN)) {
		if (SMMU_GET(s->gbpa, GBPA_ABORT)) {
			x->outcome = SMMU_XLATE_ABORT;
			x->path = SMMU_PATH_GBPA_ABORT;
		} else {
			x->outcome = SMMU_XLATE_OK;
			x->path = SMMU_PATH_GBPA_BYPASS;
			x->pa = t->addr;
			x->perm = SMMU_PERM_ALL;
		}
		return;
	}

	if (t->at != TLP_AT_TRANSLATED && tlb_lookup(s, t, x))
		return;

	smmu_ste_t ste;
	smmu_cfg_fault_t f;
	if (!smmu_fetch_ste(s, t->sid, &ste, &f, &x->config_reads, &x->ste_cached)) {
		config_fault(s, t, x, &f);
		return;
	}
	x->vmid = ste.vmid;
	if (ste.config == STE_CONFIG_ABORT) {
		x->outcome = SMMU_XLATE_ABORT;
		x->path = SMMU_PATH_STE_ABORT;
		return;
	}
	if (ste.config == STE_CONFIG_BYPASS) {
		x->outcome = SMMU_XLATE_OK;
		x->path = SMMU_PATH_STE_BYPASS;
		x->pa = t->addr;
		x->perm = SMMU_PERM_ALL;
		return;
	}

	x->path = ste.config == STE_CONFIG_S1	? SMMU_PATH_S1
		  : ste.config == STE_CONFIG_S2 ? SMMU_PATH_S2
						: SMMU_PATH_NESTED;
	/* ATS (§3.9): a translated request passes untranslated only with full ATS (EATS=1); a
	 * translation request needs ATS enabled at all. */
	if (t->at == TLP_AT_TRANSLATED) {
		if (ste.eats != STE_EATS_TRANS) {
			smmu_event_t e = event_for(t, SMMU_EVT_F_TRANSL_FORBIDDEN);
			terminate(s, t, x, &e, true);
			return;
		}
		x->outcome = SMMU_XLATE_OK;
		x->path = SMMU_PATH_ATS_TRANSLATED;
		x->pa = t->addr;
		x->perm = SMMU_PERM_ALL;
		return;
	}
	if (t->at == TLP_AT_TRANSLATION_REQ && ste.eats == STE_EATS_ABORT) {
		smmu_event_t e = event_for(t, SMMU_EVT_F_BAD_ATS_TREQ);
		x->outcome = SMMU_XLATE_FAULT;
		x->event = e.id;
		s->stats.faults++;
		x->evt_recorded = smmu_record_event(s, &e);
		return;
	}

	bool s1 = ste.config & 1, s2 = ste.config & 2;
	smmu_cd_t cd;
	bool have_cd = false;
	uint32_t ssid = t->ssid;
	if (s1) {
		if (!t->ssv) {
			if (ste.s1cdmax && ste.s1dss == STE_S1DSS_TERMINATE) {
				smmu_event_t e = event_for(t, SMMU_EVT_F_STREAM_DISABLED);
				terminate(s, t, x, &e, true);
				return;
			}
			if (ste.s1cdmax && ste.s1dss == STE_S1DSS_BYPASS)
				s1 = false; /* stage 1 bypassed for PASID-less traffic */
			ssid = 0;
		} else if (ste.s1cdmax == 0 || s->p.ssidsize == 0 ||
			   (ste.s1dss == STE_S1DSS_SSID0 && t->ssid == 0)) {
			/* A PASID where the stream has no substreams, or SubstreamID 0 when it is
			 * reserved for PASID-less traffic. */
			f.event = SMMU_EVT_C_BAD_SUBSTREAMID;
			f.s2 = false;
			config_fault(s, t, x, &f);
			return;
		}
	}
	if (s1) {
		if (!smmu_fetch_cd(s, t->sid, &ste, ssid, &cd, &f, &x->config_reads, &x->cd_cached)) {
			config_fault(s, t, x, &f);
			return;
		}
		have_cd = true;
		x->asid = cd.asid;
	}
	if ((ste.config & 1) && !s1)
		x->path = SMMU_PATH_S1DSS_BYPASS; /* then stage 2, if the STE has it */
	else
		x->path = s1 && s2 ? SMMU_PATH_NESTED : s1 ? SMMU_PATH_S1 : SMMU_PATH_S2;

	if (!s1 && !s2) { /* S1DSS bypass with stage 2 bypassed too */
		x->outcome = SMMU_XLATE_OK;
		x->pa = t->addr;
		x->perm = SMMU_PERM_ALL;
		return;
	}

	uint64_t ia = t->addr;
	const smmu_tt_t *tt1 = NULL;
	if (s1) {
		/* Region: TTB0 when the bits above its input size are all 0, TTB1 when they are
		 * all 1 (bits [63:56] ignored with TBI). */
		int region = -1;
		for (int n = 0; n < 2 && region < 0; n++) {
			if (cd.epd[n])
				continue;
			unsigned ias = cd.tt[n].ias;
			uint64_t top = cd.tbi[n] ? (ia << 8) >> 8 : ia;
			uint64_t hi = top >> ias;
			uint64_t all = cd.tbi[n] ? (1ull << (56 - ias)) - 1 : (~0ull >> ias);
			if ((n == 0 && hi == 0) || (n == 1 && hi == all))
				region = n;
		}
		if (region < 0) {
			x->walk.fault = SMMU_FAULT_TRANSLATION;
			x->walk.fault_stage = 1;
			smmu_event_t e = event_for(t, SMMU_EVT_F_TRANSLATION);
			terminate(s, t, x, &e, cd.r || cd.s);
			return;
		}
		tt1 = &cd.tt[region];
		ia &= (1ull << tt1->ias) - 1;
	}

	wc_ctx_t wctx = {s, x->asid, x->vmid,
			 {s1 ? tt1->granule_shift : 12, s2 ? ste.s2.granule_shift : 12}};
	smmu_walk_hooks_t hooks = {&wctx, wc_lookup, wc_fill};
	if (s1)
		smmu_walk_nested(&s->mem, tt1, s2 ? &ste.s2 : NULL, ia, t->acc, &hooks, &x->walk);
	else
		smmu_walk_stage(&s->mem, &ste.s2, 2, ia, t->acc, &hooks, &x->walk);

	const smmu_walk_result_t *w = &x->walk;
	if (w->fault == SMMU_FAULT_NONE) {
		x->outcome = SMMU_XLATE_OK;
		x->pa = w->oa;
		x->perm = w->perm;
		x->size = w->size;
		tlb_fill(s, t, x, s1, s2);
		return;
	}
	smmu_event_t e = event_for(t, fault_event(w->fault));
	e.s2 = w->fault_stage == 2;
	e.fetch_addr = w->fetch_addr;
	if (e.s2) {
		e.class_ = w->fault_class == SMMU_CLASS_TT ? SMMU_EVT_CLASS_TT : SMMU_EVT_CLASS_IN;
		e.ipa = w->fault_ipa;
	} else if (w->fault == SMMU_FAULT_WALK_EABT) {
		e.class_ = SMMU_EVT_CLASS_TT;
	}
	bool stall = e.s2 ? ste.s2s : (have_cd && cd.s);
	bool record = e.s2 ? ste.s2r : (have_cd && cd.r);
	if (w->fault == SMMU_FAULT_WALK_EABT)
		record = true; /* an external abort is always recorded */
	if (stall && t->at != TLP_AT_TRANSLATION_REQ && s->nstalled < s->p.stall_max) {
		/* §3.12.2: a stalled transaction is held under a STAG that no other stalled
		 * transaction uses, and its event record is what tells software about it. */
		uint16_t stag = s->next_stag;
		for (uint32_t i = 0; i < s->p.stall_max; i++)
			if (s->stalls[i].used && s->stalls[i].stag == stag) {
				stag++;
				i = UINT32_MAX; /* restart the scan (the loop's ++ wraps it to 0) */
			}
		s->next_stag = (uint16_t)(stag + 1);
		e.stall = true;
		e.stag = stag;
		terminate(s, t, x, &e, true);
		if (!x->evt_recorded) {
			x->stall_refused = true; /* software could never resume it: terminated */
			return;
		}
		for (uint32_t i = 0; i < s->p.stall_max; i++)
			if (!s->stalls[i].used) {
				s->stalls[i] = (struct smmu_stall_slot){true, t->sid, stag, e.id, *t};
				break;
			}
		s->nstalled++;
		s->stats.stalls++;
		x->stalled = true;
		x->stag = stag;
		return;
	}
	x->stall_refused = stall && t->at != TLP_AT_TRANSLATION_REQ; /* every slot in use */
	terminate(s, t, x, &e, record);
}

void smmu_set_stall_client(smmu_t *s, smmu_stall_done_fn fn, void *ctx)
{
	s->stall_fn = fn;
	s->stall_ctx = ctx;
}

uint32_t smmu_stalled(const smmu_t *s)
{
	return s->nstalled;
}

/* CMD_RESUME and CMD_STALL_TERM (§4.7.2, §4.7.3): `all` ends every stalled transaction of
 * the StreamID (terminating them); otherwise only the one with `stag`, retried or
 * terminated as `action` says. A command that names no stalled transaction is ignored. */
void smmu_stall_end(smmu_t *s, uint32_t sid, uint16_t stag, bool all, unsigned action)
{
	for (uint32_t i = 0; i < s->p.stall_max; i++) {
		struct smmu_stall_slot *st = &s->stalls[i];
		if (!st->used || st->sid != sid || (!all && st->stag != stag))
			continue;
		struct smmu_stall_slot held = *st;
		st->used = false;
		s->nstalled--;
		smmu_xlate_t x;
		bool retry = !all && action == SMMU_RESUME_RETRY;
		if (retry) {
			/* Retried as if new: it may translate, or fault (and stall) again. */
			s->stats.resumes++;
			smmu_translate(s, &held.txn, &x);
		} else {
			s->stats.stall_terms++;
			smmu_xlate_clear(&x);
			x.outcome = SMMU_XLATE_FAULT;
			x.event = held.event;
		}
		if (s->stall_fn)
			s->stall_fn(s->stall_ctx, held.sid, held.stag, retry, &x);
	}
}
