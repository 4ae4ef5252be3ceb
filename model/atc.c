/* SPDX-License-Identifier: MIT */
#include "atc.h"

#include <stdlib.h>
#include <string.h>

bool atc_init(atc_t *a, uint32_t entries)
{
	memset(a, 0, sizeof *a);
	if (!entries)
		return false;
	a->e = calloc(entries, sizeof *a->e);
	a->n = a->e ? entries : 0;
	return a->e != NULL;
}

void atc_free(atc_t *a)
{
	free(a->e);
	memset(a, 0, sizeof *a);
}

static bool tag_matches(const atc_entry_t *e, bool pv, uint32_t pasid)
{
	return e->pv == pv && (!pv || e->pasid == pasid);
}

bool atc_lookup(atc_t *a, bool pv, uint32_t pasid, bool priv, uint64_t addr, bool write,
		uint64_t *pa)
{
	for (uint32_t i = 0; i < a->n; i++) {
		atc_entry_t *e = &a->e[i];
		if (e->valid && tag_matches(e, pv, pasid) && e->priv == priv && addr - e->base < e->size &&
		    (write ? e->w : e->r)) {
			e->used = ++a->tick;
			*pa = e->pa + (addr - e->base);
			a->hits++;
			return true;
		}
	}
	a->misses++;
	return false;
}

void atc_fill(atc_t *a, bool pv, uint32_t pasid, bool priv, uint64_t addr, uint64_t pa,
	      uint64_t size, bool r, bool w)
{
	if (!r && !w)
		return;
	if (size < 4096 || (size & (size - 1)))
		size = 4096;
	uint64_t base = addr & ~(size - 1);
	atc_entry_t *victim = &a->e[0];
	for (uint32_t i = 0; i < a->n; i++) {
		atc_entry_t *e = &a->e[i];
		if (e->valid && tag_matches(e, pv, pasid) && e->priv == priv && e->base == base &&
		    e->size == size) {
			victim = e; /* refresh the same range */
			break;
		}
		if (!e->valid ? victim->valid : (victim->valid && e->used < victim->used))
			victim = e;
	}
	*victim = (atc_entry_t){true, pv, pv ? pasid : 0, base, pa & ~(size - 1), size, r, w, priv,
				++a->tick};
	a->fills++;
}

uint32_t atc_invalidate(atc_t *a, bool pv, uint32_t pasid, bool global, uint64_t addr,
			uint64_t size)
{
	uint32_t n = 0;
	for (uint32_t i = 0; i < a->n; i++) {
		atc_entry_t *e = &a->e[i];
		if (!e->valid || (pv && !global && !tag_matches(e, pv, pasid)))
			continue;
		if (e->base + e->size - 1 < addr || e->base > addr + (size - 1))
			continue;
		e->valid = false;
		n++;
	}
	a->invalidated += n;
	return n;
}
