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
	memset(x, 0, sizeof *x);
	x->walk.fault_level = -1;
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

	smmu_ste_t ste;
	smmu_cfg_fault_t f;
	if (!smmu_fetch_ste(s, t->sid, &ste, &f, &x->config_reads)) {
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
		if (!smmu_fetch_cd(s, &ste, ssid, &cd, &f, &x->config_reads)) {
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

	if (s1)
		smmu_walk_nested(&s->mem, tt1, s2 ? &ste.s2 : NULL, ia, t->acc, NULL, &x->walk);
	else
		smmu_walk_stage(&s->mem, &ste.s2, 2, ia, t->acc, NULL, &x->walk);

	const smmu_walk_result_t *w = &x->walk;
	if (w->fault == SMMU_FAULT_NONE) {
		x->outcome = SMMU_XLATE_OK;
		x->pa = w->oa;
		x->perm = w->perm;
		x->size = w->size;
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
	if (stall && t->at != TLP_AT_TRANSLATION_REQ) {
		x->stalled = true;
		x->stag = s->next_stag++;
		e.stall = true;
		e.stag = x->stag;
		record = true;
	}
	terminate(s, t, x, &e, record);
}
