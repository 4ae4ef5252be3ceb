/* SPDX-License-Identifier: MIT */
/*
 * its_engine.c — the ITS translation engine in C: (DeviceID, EventID) -> (LPI, collection,
 * target PE) through three 2-way caches over the tables in memory, as GIC-600's ITS does:
 *
 *   event cache       (DeviceID, EventID) -> ITT entry: a hit needs neither the device table
 *                     nor the ITT
 *   device cache      DeviceID -> device table entry (ITT address and size)
 *   collection cache  ICID -> collection table entry (target redistributor)
 *
 * A miss costs dependent reads: device table entry (after the level-1 entry of a two-level
 * table), ITT entry, collection table entry. Only valid entries are cached. Commands that
 * change an entry call invalidate() after writing memory, so no stale copy is used after the
 * command completes; an entry changed in memory behind the ITS's back (table corruption) is
 * used from the cache until it is evicted or invalidated, as on hardware.
 */
#include "its_internal.h"

static void translate(its_t *its, uint32_t devid, uint32_t eventid, its_xlate_t *x)
{
	uint32_t reads = 0;
	x->status = ITS_OK;
	uint64_t ite = 0, cte = 0, pa = 0;
	if ((uint64_t)devid >= its_device_limit(its)) {
		x->status = ITS_DEVICE_OOR; /* beyond Devbits or the device table */
		goto out;
	}
	uint64_t ek[CACHE_KEY_WORDS] = {devid, eventid};
	/* The set comes from the low bits of region * a constant (cache.c): mix the DeviceID in
	 * below bit 32 so that it, not only the EventID, spreads events over the sets. */
	uint64_t eregion = (uint64_t)devid * 65537u + eventid;
	cache_line_t *l = cache_lookup(&its->evt_cache, eregion, ek);
	if (l) {
		x->event_hit = true;
		ite = l->data[0];
		x->ite_pa = l->data[1];
	} else {
		uint64_t dk[CACHE_KEY_WORDS] = {devid}, dte;
		cache_line_t *d = cache_lookup(&its->dev_cache, devid, dk);
		if (d) {
			x->device_hit = true;
			dte = d->data[0];
			x->dte_pa = d->data[1];
		} else {
			switch (its_dte_addr(its, devid, &pa, &reads)) {
			case ITS_TBL_OOR: x->status = ITS_DEVICE_OOR; goto out;
			case ITS_TBL_NO_L2:
			case ITS_TBL_HW: x->status = ITS_UNMAPPED_DEVICE; goto out;
			case ITS_TBL_ABORT: x->status = ITS_TABLE_ABORT; goto out;
			case ITS_TBL_OK: break;
			}
			reads++;
			x->dte_pa = pa;
			if (!its_read_entry(its, pa, &dte)) {
				x->status = ITS_TABLE_ABORT;
				goto out;
			}
			if (!FIELD_GET(dte, GITS_DTE_VALID)) {
				x->status = ITS_UNMAPPED_DEVICE;
				goto out;
			}
			uint64_t data[CACHE_DATA_WORDS] = {dte, pa};
			cache_fill(&its->dev_cache, devid, dk, data);
		}
		if (!FIELD_GET(dte, GITS_DTE_VALID)) {
			x->status = ITS_UNMAPPED_DEVICE;
			goto out;
		}
		unsigned bits = (unsigned)FIELD_GET(dte, GITS_DTE_SIZE_F) + 1;
		if (bits < 32 && eventid >= (1ull << bits)) {
			x->status = ITS_EVENT_OOR;
			goto out;
		}
		pa = (FIELD_GET(dte, GITS_DTE_ITT_ADDR) << 8) + (uint64_t)eventid * GITS_ITE_SIZE;
		x->ite_pa = pa;
		reads++;
		if (!its_read_entry(its, pa, &ite)) {
			x->status = ITS_TABLE_ABORT;
			goto out;
		}
		if (!FIELD_GET(ite, GITS_ITE_VALID)) {
			x->status = ITS_UNMAPPED_INTERRUPT;
			goto out;
		}
		uint64_t data[CACHE_DATA_WORDS] = {ite, pa};
		cache_fill(&its->evt_cache, eregion, ek, data);
	}
	x->intid = (uint32_t)FIELD_GET(ite, GITS_ITE_PINTID);
	x->icid = (uint16_t)FIELD_GET(ite, GITS_ITE_ICID);
	if (x->icid < its->p.hcc) {
		x->collection_hit = true; /* held in the ITS */
		cte = its->hw_cte[x->icid];
	} else {
		uint64_t ck[CACHE_KEY_WORDS] = {x->icid};
		cache_line_t *c = cache_lookup(&its->col_cache, x->icid, ck);
		if (c) {
			x->collection_hit = true;
			cte = c->data[0];
			x->cte_pa = c->data[1];
		} else {
			if (!its_read_cte(its, x->icid, &cte, &x->cte_pa, &reads)) {
				x->status = ITS_TABLE_ABORT;
				goto out;
			}
			if (FIELD_GET(cte, GITS_CTE_VALID)) {
				uint64_t data[CACHE_DATA_WORDS] = {cte, x->cte_pa};
				cache_fill(&its->col_cache, x->icid, ck, data);
			}
		}
	}
	x->pe = its_cte_pe(its, cte);
	if (x->pe < 0)
		x->status = ITS_UNMAPPED_COLLECTION;
out:
	x->reads = reads;
	x->table_reads = reads * its->p.mem_read;
}

typedef struct match {
	unsigned words;
	uint64_t key[2];
} match_t;

static bool matches(const cache_line_t *l, const void *ctx)
{
	const match_t *m = ctx;
	for (unsigned i = 0; i < m->words; i++)
		if (l->key[i] != m->key[i])
			return false;
	return true;
}

static void invalidate(its_t *its, its_inval_kind_t kind, uint32_t id, uint32_t eventid)
{
	match_t m = {1, {id, eventid}};
	switch (kind) {
	case ITS_INV_DEVICE:
		cache_invalidate(&its->dev_cache, matches, &m);
		cache_invalidate(&its->evt_cache, matches, &m); /* every event of the device */
		break;
	case ITS_INV_EVENT:
		m.words = 2;
		cache_invalidate(&its->evt_cache, matches, &m);
		break;
	case ITS_INV_COLLECTION:
		cache_invalidate(&its->col_cache, matches, &m);
		break;
	case ITS_INV_ALL:
		cache_flush(&its->dev_cache);
		cache_flush(&its->evt_cache);
		cache_flush(&its->col_cache);
		break;
	}
}

const its_engine_ops_t its_c_engine = {translate, invalidate};
