/* SPDX-License-Identifier: MIT */
/*
 * smmu_timing.c — how long a translation takes, cycle by cycle, in an MMU-600-like SMMU:
 *
 *   TBU (its own clock): uTLB lookup; on a miss the main TLB; on a miss a request to the TCU.
 *   TCU (its own clock): wait for a translation slot; config cache lookup and, on a miss,
 *   the STE/CD reads; walk cache lookup; wait for a walk slot; the dependent table reads, one
 *   after the other; the response back to the TBU.
 *
 * The functional result comes from smmu_translate(); this file charges its time. Slots are
 * reserved in simulated time (each slot remembers when it becomes free), so misses that
 * arrive together queue, deterministically, without an event per read. A TLB hit on an entry
 * whose walk is still in flight waits for that walk (identical in-flight walks are merged).
 * Every part is measured between two points of one time cursor, so the parts add up to the
 * total exactly.
 */
#include <string.h>

#include "smmu_internal.h"

/* Advances the cursor by n cycles of clock clk (from the next edge). */
static sim_time_t cycles(const smmu_t *s, int clk, sim_time_t t, uint32_t n)
{
	return t + sim_cycles_from(s->sim, clk, t, n);
}

/* The slot free earliest: its index. */
static unsigned earliest(const sim_time_t *slots, unsigned n)
{
	unsigned best = 0;
	for (unsigned i = 1; i < n; i++)
		if (slots[i] < slots[best])
			best = i;
	return best;
}

static bool utlb_lookup(smmu_t *s, unsigned tbu, const smmu_txn_t *t, smmu_xlate_t *x)
{
	unsigned need = smmu_perm_needed(t->acc);
	for (unsigned shift = 12; shift < 64; shift++) {
		if (!(s->tlb_shifts >> shift & 1))
			continue;
		uint64_t key[CACHE_KEY_WORDS];
		smmu_tlb_key(key, t, shift);
		cache_line_t *l =
			cache_probe(&s->utlb[tbu], smmu_tlb_region(t->sid, key[3]), key);
		if (!l || ((unsigned)(l->data[1] & 0xff) & need) != need)
			continue;
		cache_count(&s->utlb[tbu], true); /* one lookup, however many page sizes probed */
		smmu_xlate_clear(x);
		x->outcome = SMMU_XLATE_OK;
		x->tlb_hit = true;
		x->path = (smmu_path_t)l->data[2];
		x->size = 1ull << shift;
		x->pa = l->data[0] | (t->addr & (x->size - 1));
		x->perm = (unsigned)(l->data[1] & 0xff);
		x->asid = (uint16_t)(l->data[1] >> 16);
		x->vmid = (uint16_t)(l->data[1] >> 32);
		x->ready_at = l->data[3];
		return true;
	}
	cache_count(&s->utlb[tbu], false);
	return false;
}

static void utlb_fill(smmu_t *s, unsigned tbu, const smmu_txn_t *t, const smmu_xlate_t *x,
		      sim_time_t ready)
{
	unsigned shift = 12;
	while (shift < 63 && (1ull << (shift + 1)) <= x->size)
		shift++;
	uint64_t key[CACHE_KEY_WORDS], data[CACHE_DATA_WORDS];
	smmu_tlb_key(key, t, shift);
	/* The uTLB holds a copy of the main TLB entry (same tags, for invalidation). */
	uint64_t hits = s->tlb.hits, misses = s->tlb.misses;
	cache_line_t *l = cache_lookup(&s->tlb, smmu_tlb_region(t->sid, key[3]), key);
	s->tlb.hits = hits;
	s->tlb.misses = misses;
	if (!l)
		return;
	memcpy(data, l->data, sizeof data);
	data[3] = ready;
	cache_fill(&s->utlb[tbu], smmu_tlb_region(t->sid, key[3]), key, data);
}

void smmu_translate_timed(smmu_t *s, unsigned tbu, const smmu_txn_t *t, smmu_xlate_t *x,
			  smmu_latency_t *lat)
{
	memset(lat, 0, sizeof *lat);
	const smmu_params_t *p = &s->p;
	if (tbu >= p->tbus)
		tbu = 0;
	const sim_time_t t0 = sim_now(s->sim);
	sim_time_t now = t0, mark;

	/* Global bypass or abort: no TBU/TCU involvement worth timing. */
	if (!SMMU_GET(s->cr0, CR0_SMMUEN)) {
		smmu_translate(s, t, x);
		return;
	}

	/* TBU: uTLB, then the main TLB. Translated (ATS) requests skip both. */
	mark = now;
	now = cycles(s, s->tbu_clk, now, p->utlb_cycles);
	lat->utlb = now - mark;
	if (t->at != TLP_AT_TRANSLATED && utlb_lookup(s, tbu, t, x)) {
		lat->utlb_hit = true;
		s->stats.translations++;
		s->stats.tlb_hits++;
		if (x->ready_at > now) { /* its walk has not completed yet */
			lat->merged = x->ready_at - now;
			lat->merged_walk = true;
			now = x->ready_at;
		}
		lat->total = now - t0;
		return;
	}
	smmu_translate(s, t, x);
	mark = now;
	now = cycles(s, s->tbu_clk, now, p->tlb_cycles);
	lat->tlb = now - mark;
	if (x->tlb_hit) {
		lat->tlb_hit = true;
		if (x->ready_at > now) {
			lat->merged = x->ready_at - now;
			lat->merged_walk = true;
			now = x->ready_at;
		}
		utlb_fill(s, tbu, t, x, x->ready_at);
		lat->total = now - t0;
		return;
	}

	/* To the TCU: the link, then the first TCU clock edge. */
	mark = now;
	now += p->tbu_tcu_link;
	now = sim_next_edge(s->sim, s->tcu_clk, now);
	lat->link = now - mark;

	/* A translation slot. */
	unsigned slot = earliest(s->slot_free, p->translation_slots ? p->translation_slots : 1);
	if (s->slot_free[slot] > now) {
		lat->tcu_queue = s->slot_free[slot] - now;
		now = s->slot_free[slot];
	}

	/* Configuration: the config cache lookup, then the STE/CD reads it missed. */
	mark = now;
	now = cycles(s, s->tcu_clk, now, p->cfg_lookup_cycles);
	now += (sim_time_t)x->config_reads * p->mem_read;
	lat->config = now - mark;
	lat->config_reads = x->config_reads;

	/* The walk: walk cache lookups, a walk slot, the dependent reads. */
	if (x->walk.nreads) {
		mark = now;
		now = cycles(s, s->tcu_clk, now, p->wc_lookup_cycles);
		lat->walk = now - mark;
		unsigned w = earliest(s->walk_free, p->walk_slots ? p->walk_slots : 1);
		if (s->walk_free[w] > now) {
			lat->walk_queue = s->walk_free[w] - now;
			now = s->walk_free[w];
		}
		mark = now;
		now += (sim_time_t)x->walk.nreads * p->mem_read;
		lat->walk += now - mark;
		s->walk_free[w] = now;
		lat->walk_reads = x->walk.nreads;
	}

	/* The response to the TBU. */
	mark = now;
	now = cycles(s, s->tcu_clk, now, p->tcu_response_cycles);
	lat->response = now - mark;
	s->slot_free[slot] = now;
	{
		/* Occupancy when this one took its slot (the others still busy then, and it). */
		uint32_t busy, walks;
		smmu_slots_busy(s, t0 + lat->utlb + lat->tlb + lat->link + lat->tcu_queue, &busy, &walks);
		if (busy > s->stats.peak_translation_slots)
			s->stats.peak_translation_slots = busy;
		if (walks > s->stats.peak_walk_slots)
			s->stats.peak_walk_slots = walks;
	}

	if (x->outcome == SMMU_XLATE_OK && x->path != SMMU_PATH_STE_BYPASS &&
	    x->path != SMMU_PATH_ATS_TRANSLATED) {
		smmu_tlb_set_ready(s, t, x->size, now);
		utlb_fill(s, tbu, t, x, now);
	}
	lat->total = now - t0;
}
