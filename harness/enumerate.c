/* SPDX-License-Identifier: MIT */
/* enumerate.c — bus numbers and BAR addresses, as firmware assigns them. See enumerate.h. */
#include "enumerate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct ectx {
	platform_t *p;
	const fmeta_t *fm;
	const rcmeta_t *rm;
	const char *file;
	yerrs_t *errs;
	bool ok;
} ectx_t;

#define FERR(x, i, ...)                                                                       \
	do {                                                                                  \
		char m_[512];                                                                 \
		snprintf(m_, sizeof m_, __VA_ARGS__);                                          \
		yerrs_add((x)->errs, "%s:%u:%u: %s: %s", (x)->file, (x)->fm[i].line,          \
			  (x)->fm[i].col, (x)->fm[i].path, m_);                               \
		(x)->ok = false;                                                              \
	} while (0)

/* --- bus numbers ---------------------------------------------------------------------- */

/* Places the VFs whose PF sits on this bus: RID = PF RID + First VF Offset + i * VF Stride
 * (SR-IOV §3.3.10). Returns the highest bus a VF landed on (or `bus`). */
static unsigned place_vfs(ectx_t *x, int32_t first, unsigned bus)
{
	pcie_fabric_t *f = &x->p->fabric;
	unsigned maxbus = bus;
	for (int32_t c = first; c != PCIE_NONE; c = f->funcs[c].next_sibling) {
		pcie_func_t *vf = &f->funcs[c];
		if (!vf->is_vf)
			continue;
		const pcie_func_t *pf = &f->funcs[vf->pf];
		unsigned idx = 0;
		for (int32_t k = first; k != c; k = f->funcs[k].next_sibling)
			if (f->funcs[k].is_vf && f->funcs[k].pf == vf->pf)
				idx++;
		unsigned rid = (unsigned)PCI_DEVID(bus, pf->devfn) + pf->sriov_offset +
			       idx * pf->sriov_stride;
		if (rid > 0xffff) {
			FERR(x, vf->pf, "VF %u's routing ID passes bus 255", idx);
			return maxbus;
		}
		vf->bus = (uint8_t)(rid >> 8);
		vf->devfn = (uint8_t)rid;
		if (vf->bus > maxbus)
			maxbus = vf->bus;
	}
	return maxbus;
}

/* Numbers the bridges below a bus; returns the highest bus number used at or below it, which
 * is the subordinate bus number of the bridge above. */
static unsigned number_bus(ectx_t *x, int32_t first, unsigned bus, unsigned *next, unsigned last)
{
	pcie_fabric_t *f = &x->p->fabric;
	for (int32_t c = first; c != PCIE_NONE; c = f->funcs[c].next_sibling)
		if (!f->funcs[c].is_vf)
			f->funcs[c].bus = (uint8_t)bus;
	/* VF buses come right after the bus of their PF (pci_iov_bus_range()). */
	unsigned vfmax = place_vfs(x, first, bus);
	if (vfmax + 1 > *next)
		*next = vfmax + 1;
	unsigned maxbus = vfmax;
	/* Bridges get their buses in scan order (device/function number), as firmware's
	 * depth-first scan hands them out. */
	int32_t scan[256];
	uint32_t nscan = first == PCIE_NONE ? 0 : pcie_bus_scan_order(f, f->funcs[first].rc,
								       f->funcs[first].parent, scan, 256);
	for (uint32_t s = 0; s < nscan; s++) {
		int32_t c = scan[s];
		pcie_func_t *b = &f->funcs[c];
		if (!b->is_bridge)
			continue;
		unsigned sec;
		if (x->p->enumerate) {
			sec = (*next)++;
		} else if (x->fm[c].given_bus < 0) {
			FERR(x, c, "with 'enumeration: fixed', every bridge needs its secondary 'bus'");
			continue;
		} else {
			sec = (unsigned)x->fm[c].given_bus;
			if (sec <= bus) {
				FERR(x, c, "secondary bus %u is not above its own bus %u", sec, bus);
				continue;
			}
			if (sec + 1 > *next)
				*next = sec + 1;
		}
		if (sec > last) {
			FERR(x, c, "ran out of bus numbers (root complex decodes up to %u)", last);
			return maxbus;
		}
		b->secondary_bus = (uint8_t)sec;
		unsigned sub = number_bus(x, b->first_child, sec, next, last);
		b->subordinate_bus = (uint8_t)(sub > last ? last : sub);
		if (sub > maxbus)
			maxbus = sub;
	}
	return maxbus;
}

static void check_unique_ids(ectx_t *x)
{
	pcie_fabric_t *f = &x->p->fabric;
	for (uint32_t i = 0; i < f->nfuncs; i++)
		for (uint32_t j = 0; j < i; j++) {
			const pcie_func_t *a = &f->funcs[i], *b = &f->funcs[j];
			if (f->rcs[a->rc].segment != f->rcs[b->rc].segment ||
			    pcie_func_id(a) != pcie_func_id(b))
				continue;
			char bdf[16];
			platform_bdf(x->p, (int32_t)i, bdf, sizeof bdf);
			FERR(x, i, "'%s' and '%s' (line %u) would both be %s: duplicate BDF", a->name,
			     b->name, x->fm[j].line, bdf);
		}
	/* Two bridges claiming one bus number (fixed mode). */
	for (uint32_t i = 0; i < f->nfuncs; i++)
		for (uint32_t j = 0; j < i; j++) {
			const pcie_func_t *a = &f->funcs[i], *b = &f->funcs[j];
			if (!a->is_bridge || !b->is_bridge || f->rcs[a->rc].segment != f->rcs[b->rc].segment)
				continue;
			if (a->secondary_bus && a->secondary_bus == b->secondary_bus)
				FERR(x, i, "secondary bus %u is also the secondary bus of '%s' (line %u)",
				     a->secondary_bus, b->name, x->fm[j].line);
			else if (a->parent == b->parent && a->rc == b->rc &&
				 a->secondary_bus <= b->subordinate_bus &&
				 b->secondary_bus <= a->subordinate_bus)
				FERR(x, i, "bus range [%02x-%02x] overlaps the range [%02x-%02x] of sibling "
					   "bridge '%s' (line %u)",
				     a->secondary_bus, a->subordinate_bus, b->secondary_bus,
				     b->subordinate_bus, b->name, x->fm[j].line);
		}
}

/* --- BARs: automatic --------------------------------------------------------------------- */

typedef struct item {
	uint64_t size, align;
	int32_t func;
	int bar; /* -1: the function's bridge window */
	unsigned order;
} item_t;

static int item_cmp(const void *a, const void *b)
{
	const item_t *x = a, *y = b;
	if (x->align != y->align)
		return x->align > y->align ? -1 : 1;
	return x->order < y->order ? -1 : (x->order > y->order);
}

static uint64_t align_up(uint64_t v, uint64_t a)
{
	return (v + a - 1) & ~(a - 1);
}

/* Which window a BAR goes to: pref when prefetchable and the root complex has one. */
static bool bar_in_pref(const pcie_rc_t *rc, const pcie_bar_t *b)
{
	return b->prefetchable && rc->pref.base <= rc->pref.limit;
}

static uint64_t window_need(ectx_t *x, int32_t br, bool pref, uint64_t *align);

/* Appends to a growing item array; false when out of memory (the array is then freed). */
static bool push(item_t **v, size_t *n, size_t *cap, item_t it)
{
	if (*n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 16;
		item_t *nv = realloc(*v, ncap * sizeof *nv);
		if (!nv) {
			free(*v);
			*v = NULL;
			return false;
		}
		*v = nv;
		*cap = ncap;
	}
	(*v)[(*n)++] = it;
	return true;
}

/* The BARs and bridge windows of one kind (prefetchable or not) on a bus, largest alignment
 * first (stable). */
static size_t collect(ectx_t *x, int32_t first, bool pref, item_t **out)
{
	pcie_fabric_t *f = &x->p->fabric;
	size_t n = 0, cap = 0;
	item_t *v = NULL;
	unsigned order = 0;
	for (int32_t c = first; c != PCIE_NONE; c = f->funcs[c].next_sibling) {
		pcie_func_t *fn = &f->funcs[c];
		const pcie_rc_t *rc = &f->rcs[fn->rc];
		for (int b = 0; b < PCIE_MAX_BARS; b++) {
			if (!fn->bars[b].size || bar_in_pref(rc, &fn->bars[b]) != pref)
				continue;
			if (!push(&v, &n, &cap,
				  (item_t){fn->bars[b].size, fn->bars[b].size, c, b, order++}))
				goto oom;
		}
		if (fn->is_bridge) {
			uint64_t walign;
			uint64_t need = window_need(x, c, pref, &walign);
			if (need && !push(&v, &n, &cap, (item_t){need, walign, c, -1, order++}))
				goto oom;
		}
	}
	if (n)
		qsort(v, n, sizeof *v, item_cmp);
	*out = v;
	return n;
oom:
	x->ok = false;
	yerrs_add(x->errs, "%s: out of memory", x->file);
	*out = NULL;
	return 0;
}

static uint64_t pack(const item_t *v, size_t n, uint64_t base)
{
	uint64_t addr = base;
	for (size_t i = 0; i < n; i++)
		addr = align_up(addr, v[i].align) + v[i].size;
	return addr;
}

/* Size of the window bridge `br` needs, and the alignment it needs: 1 MiB (the window
 * granularity) or the largest alignment of anything inside it, whichever is larger. Items are
 * sorted largest alignment first, so that is the first item's. */
static uint64_t window_need(ectx_t *x, int32_t br, bool pref, uint64_t *align)
{
	item_t *v;
	size_t n = collect(x, x->p->fabric.funcs[br].first_child, pref, &v);
	uint64_t need = n ? align_up(pack(v, n, 0), PCI_BRIDGE_WINDOW_ALIGN) : 0;
	*align = n && v[0].align > PCI_BRIDGE_WINDOW_ALIGN ? v[0].align : PCI_BRIDGE_WINDOW_ALIGN;
	free(v);
	return need;
}

static void assign(ectx_t *x, int32_t first, bool pref, uint64_t base)
{
	pcie_fabric_t *f = &x->p->fabric;
	item_t *v;
	size_t n = collect(x, first, pref, &v);
	uint64_t addr = base;
	for (size_t i = 0; i < n; i++) {
		addr = align_up(addr, v[i].align);
		pcie_func_t *fn = &f->funcs[v[i].func];
		if (v[i].bar >= 0) {
			fn->bars[v[i].bar].base = addr;
		} else {
			pcie_window_t *w = pref ? &fn->pref : &fn->mem;
			w->base = addr;
			w->limit = addr + v[i].size - 1;
			assign(x, fn->first_child, pref, w->base);
		}
		addr += v[i].size;
	}
	free(v);
}

static void assign_rc(ectx_t *x, uint32_t r)
{
	pcie_rc_t *rc = &x->p->fabric.rcs[r];
	for (int k = 0; k < 2; k++) {
		bool pref = k == 1;
		pcie_window_t w = pref ? rc->pref : rc->mem;
		item_t *v;
		size_t n = collect(x, rc->first_child, pref, &v);
		uint64_t need = n ? pack(v, n, w.base) - w.base : 0;
		free(v);
		if (!n)
			continue;
		uint64_t have = w.base <= w.limit ? w.limit - w.base + 1 : 0;
		if (need > have) {
			yerrs_add(x->errs,
				  "%s:%u:%u: %s: the BARs below '%s' need 0x%llx bytes of %s MMIO space "
				  "but its '%s' window has 0x%llx",
				  x->file, x->rm[r].line, x->rm[r].col, x->rm[r].path, rc->name,
				  (unsigned long long)need, pref ? "prefetchable" : "non-prefetchable",
				  pref ? "mmio_pref" : "mmio", (unsigned long long)have);
			x->ok = false;
			continue;
		}
		assign(x, rc->first_child, pref, w.base);
	}
}

/* --- BARs: fixed ------------------------------------------------------------------------ */

/* Derives every bridge's windows from the BARs below it (hull, 1 MiB granularity). */
static void hull(ectx_t *x, int32_t br)
{
	pcie_fabric_t *f = &x->p->fabric;
	pcie_func_t *b = &f->funcs[br];
	const pcie_rc_t *rc = &f->rcs[b->rc];
	uint64_t lo[2] = {UINT64_MAX, UINT64_MAX}, hi[2] = {0, 0};
	for (int32_t c = b->first_child; c != PCIE_NONE; c = f->funcs[c].next_sibling) {
		pcie_func_t *fn = &f->funcs[c];
		if (fn->is_bridge) {
			hull(x, c);
			const pcie_window_t *w[2] = {&fn->mem, &fn->pref};
			for (int k = 0; k < 2; k++)
				if (w[k]->base <= w[k]->limit) {
					if (w[k]->base < lo[k])
						lo[k] = w[k]->base;
					if (w[k]->limit > hi[k])
						hi[k] = w[k]->limit;
				}
		}
		for (int i = 0; i < PCIE_MAX_BARS; i++) {
			const pcie_bar_t *bar = &fn->bars[i];
			if (!bar->size)
				continue;
			int k = pcie_window_contains(rc->pref, bar->base) ? 1 : 0;
			if (bar->base < lo[k])
				lo[k] = bar->base;
			if (bar->base + bar->size - 1 > hi[k])
				hi[k] = bar->base + bar->size - 1;
		}
	}
	for (int k = 0; k < 2; k++) {
		pcie_window_t *w = k ? &b->pref : &b->mem;
		if (lo[k] > hi[k]) {
			w->base = 1;
			w->limit = 0;
		} else {
			w->base = lo[k] & ~(PCI_BRIDGE_WINDOW_ALIGN - 1);
			w->limit = align_up(hi[k] + 1, PCI_BRIDGE_WINDOW_ALIGN) - 1;
		}
	}
}

static bool overlap(uint64_t a0, uint64_t a1, uint64_t b0, uint64_t b1)
{
	return a0 <= b1 && b0 <= a1;
}

static void check_fixed(ectx_t *x)
{
	pcie_fabric_t *f = &x->p->fabric;
	for (uint32_t i = 0; i < f->nfuncs; i++) {
		pcie_func_t *fn = &f->funcs[i];
		const pcie_rc_t *rc = &f->rcs[fn->rc];
		for (int b = 0; b < PCIE_MAX_BARS; b++) {
			const pcie_bar_t *bar = &fn->bars[b];
			if (!bar->size)
				continue;
			if (fn->is_vf) {
				if (pcie_func_id(fn) == pcie_func_id(&f->funcs[fn->pf]) +
							       f->funcs[fn->pf].sriov_offset) /* VF 0 */
					FERR(x, fn->pf,
					     "VF BARs with 'enumeration: fixed' are not supported: give "
					     "the VFs no vf_bars, or use 'enumeration: auto'");
				break;
			}
			if (!(x->fm[i].bar_given & (1u << b))) {
				FERR(x, i, "with 'enumeration: fixed', BAR %d needs an 'address'", b);
				continue;
			}
			uint64_t last = bar->base + bar->size - 1;
			if (!(pcie_window_contains(rc->mem, bar->base) && pcie_window_contains(rc->mem, last)) &&
			    !(pcie_window_contains(rc->pref, bar->base) && pcie_window_contains(rc->pref, last)))
				FERR(x, i, "BAR %d [0x%llx-0x%llx] is outside the MMIO windows of '%s'", b,
				     (unsigned long long)bar->base, (unsigned long long)last, rc->name);
		}
	}
	if (!x->ok)
		return;
	for (uint32_t r = 0; r < f->nrcs; r++)
		for (int32_t c = f->rcs[r].first_child; c != PCIE_NONE; c = f->funcs[c].next_sibling)
			if (f->funcs[c].is_bridge)
				hull(x, c);
	/* BARs must not overlap each other, and sibling bridges' windows must be disjoint. */
	for (uint32_t i = 0; i < f->nfuncs; i++)
		for (int bi = 0; bi < PCIE_MAX_BARS; bi++) {
			const pcie_bar_t *a = &f->funcs[i].bars[bi];
			if (!a->size)
				continue;
			for (uint32_t j = 0; j <= i; j++)
				for (int bj = 0; bj < PCIE_MAX_BARS; bj++) {
					const pcie_bar_t *b = &f->funcs[j].bars[bj];
					if (!b->size || (j == i && bj >= bi))
						continue;
					if (overlap(a->base, a->base + a->size - 1, b->base, b->base + b->size - 1))
						FERR(x, i, "BAR %d overlaps BAR %d of '%s' (line %u)", bi, bj,
						     f->funcs[j].name, x->fm[j].line);
				}
		}
	for (uint32_t i = 0; i < f->nfuncs; i++)
		for (uint32_t j = 0; j < i; j++) {
			const pcie_func_t *a = &f->funcs[i], *b = &f->funcs[j];
			if (!a->is_bridge || !b->is_bridge || a->parent != b->parent || a->rc != b->rc)
				continue;
			const pcie_window_t *wa[2] = {&a->mem, &a->pref}, *wb[2] = {&b->mem, &b->pref};
			for (int k = 0; k < 2; k++)
				if (wa[k]->base <= wa[k]->limit && wb[k]->base <= wb[k]->limit &&
				    overlap(wa[k]->base, wa[k]->limit, wb[k]->base, wb[k]->limit))
					FERR(x, i, "its window [0x%llx-0x%llx] overlaps the window of sibling "
						   "bridge '%s' (line %u): overlapping windows",
					     (unsigned long long)wa[k]->base, (unsigned long long)wa[k]->limit,
					     b->name, x->fm[j].line);
		}
}

bool enumerate_platform(platform_t *p, const fmeta_t *fm, const rcmeta_t *rm, const char *file,
			yerrs_t *errs)
{
	ectx_t x = {p, fm, rm, file, errs, true};
	pcie_fabric_t *f = &p->fabric;
	unsigned *top = calloc(f->nrcs + 1, sizeof *top);
	if (!top) {
		yerrs_add(errs, "%s: out of memory", file);
		return false;
	}
	for (uint32_t r = 0; r < f->nrcs; r++) {
		unsigned next = f->rcs[r].root_bus + 1u;
		top[r] = number_bus(&x, f->rcs[r].first_child, f->rcs[r].root_bus, &next,
				    f->rcs[r].last_bus);
	}
	/* Root complexes sharing a segment must decode disjoint bus ranges. */
	for (uint32_t r = 0; r < f->nrcs && x.ok; r++)
		for (uint32_t q = 0; q < r; q++) {
			const pcie_rc_t *a = &f->rcs[r], *b = &f->rcs[q];
			if (a->segment != b->segment || a->root_bus > top[q] || b->root_bus > top[r])
				continue;
			yerrs_add(errs,
				  "%s:%u:%u: %s: root complex '%s' uses buses [%02x-%02x] of segment %u, "
				  "which overlap the buses [%02x-%02x] of '%s' (line %u); give one of them "
				  "another 'segment' or a 'bus' above the other's",
				  file, rm[r].line, rm[r].col, rm[r].path, a->name, a->root_bus, top[r],
				  a->segment, b->root_bus, top[q], b->name, rm[q].line);
			x.ok = false;
		}
	free(top);
	if (!x.ok)
		return false;
	check_unique_ids(&x);
	if (!x.ok)
		return false;
	if (p->enumerate)
		for (uint32_t r = 0; r < f->nrcs; r++)
			assign_rc(&x, r);
	else
		check_fixed(&x);
	return x.ok;
}
