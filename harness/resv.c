/* SPDX-License-Identifier: MIT */
/* resv.c — IOMMU reserved regions per function and per group (see resv.h). */
#include "resv.h"

#include <stdlib.h>

const char *resv_type_name(resv_type_t t)
{
	switch (t) {
	case RESV_DIRECT: return "direct";
	case RESV_DIRECT_RELAXABLE: return "direct-relaxable";
	case RESV_RESERVED: return "reserved";
	case RESV_MSI:
	case RESV_SW_MSI: return "msi";
	}
	return "?";
}

static bool add(resv_list_t *l, uint64_t start, uint64_t size, resv_type_t type)
{
	if (!size)
		return true;
	if (l->n == l->cap) {
		uint32_t cap = l->cap ? 2 * l->cap : 8;
		resv_region_t *n = realloc(l->v, cap * sizeof *n);
		if (!n)
			return false;
		l->v = n;
		l->cap = cap;
	}
	l->v[l->n++] = (resv_region_t){start, start + size - 1, type};
	return true;
}

bool resv_of_function(const platform_t *p, int32_t fn, resv_list_t *out)
{
	const pcie_func_t *f = &p->fabric.funcs[fn];
	int si = p->rc_smmu ? p->rc_smmu[f->rc] : -1;
	if (si >= 0) {
		/* arm_smmu_get_resv_regions(): the software MSI window, always. */
		const platform_smmu_t *sm = &p->smmus[si];
		if (!add(out, sm->msi_window, sm->msi_window_size, RESV_SW_MSI))
			return false;
		/* iort_iommu_msi_get_resv_regions(): doorbells the SMMU does not translate. */
		for (uint32_t r = 0; sm->msi_bypass && r < p->fabric.nregions; r++)
			if (p->fabric.regions[r].kind == PCIE_REGION_MSI &&
			    !add(out, p->fabric.regions[r].base, p->fabric.regions[r].size, RESV_MSI))
				return false;
	}
	for (uint32_t i = 0; i < p->nresv; i++) {
		const platform_resv_t *rv = &p->resv[i];
		bool mine = !rv->nfns;
		for (uint32_t k = 0; k < rv->nfns && !mine; k++)
			mine = rv->fns[k] == fn;
		if (mine && !add(out, rv->base, rv->size, (resv_type_t)rv->type))
			return false;
	}
	return true;
}

static int by_start(const void *a, const void *b)
{
	const resv_region_t *x = a, *y = b;
	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	if (x->type != y->type)
		return x->type < y->type ? -1 : 1;
	return x->end < y->end ? -1 : x->end > y->end;
}

bool resv_of_group(const platform_t *p, const iommu_groups_t *g, uint32_t group,
		   resv_list_t *out)
{
	resv_list_t all = {0};
	for (uint32_t f = 0; f < p->fabric.nfuncs; f++)
		if (g->of[f] == (int32_t)group && !resv_of_function(p, (int32_t)f, &all)) {
			resv_free(&all);
			return false;
		}
	if (all.n)
		qsort(all.v, all.n, sizeof *all.v, by_start);
	/* iommu_insert_resv_region(): merge overlapping or adjacent regions of one type. */
	bool ok = true;
	for (uint32_t i = 0; i < all.n && ok; i++) {
		resv_region_t r = all.v[i];
		if (r.type == (resv_type_t)-1)
			continue;
		for (uint32_t k = i + 1; k < all.n; k++) {
			resv_region_t *q = &all.v[k];
			if (q->type != r.type)
				continue;
			if (r.end != UINT64_MAX && q->start > r.end + 1)
				break;
			if (q->end > r.end)
				r.end = q->end;
			q->type = (resv_type_t)-1; /* merged */
		}
		ok = add(out, r.start, r.end - r.start + 1, r.type);
	}
	resv_free(&all);
	return ok;
}

void resv_free(resv_list_t *l)
{
	free(l->v);
	l->v = NULL;
	l->n = l->cap = 0;
}
