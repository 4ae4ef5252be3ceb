/* SPDX-License-Identifier: MIT */
/* pcie.c — building the fabric tree and looking things up in it. Routing: pcie_route.c. */
#include "pcie.h"

#include <stdlib.h>
#include <string.h>

pcie_timing_t pcie_timing_default(void)
{
	/* Sources: the published figures docs/models/pcie.md lists.
	 * Switch traversal 100-160 ns (PLX PEX87xx/86xx, cut-through): 110 ns.
	 * Root complex + memory calibrated so that a 64 B DMA read from a device on a root port
	 * completes in ~600 ns (pcie-bench, SIGCOMM'18: median 533-653 ns):
	 * 150 (up) + 300 (memory) + 150 (completion down) = 600 ns. */
	pcie_timing_t t = {
		.switch_hop = 110 * SIM_NS,
		.rc_upstream = 150 * SIM_NS,
		.rc_downstream = 150 * SIM_NS,
		.rc_p2p = 100 * SIM_NS,
		.bridge_hop = 150 * SIM_NS,
		.device_internal = 20 * SIM_NS,
		.memory_read = 300 * SIM_NS,
		.memory_write = 50 * SIM_NS,
		.doorbell_write = 10 * SIM_NS,
	};
	return t;
}

void pcie_fabric_init(pcie_fabric_t *f)
{
	memset(f, 0, sizeof *f);
	f->timing = pcie_timing_default();
}

void pcie_fabric_free(pcie_fabric_t *f)
{
	free(f->funcs);
	free(f->rcs);
	free(f->regions);
	memset(f, 0, sizeof *f);
}

static bool grow(void **arr, uint32_t *cap, uint32_t need, size_t elem)
{
	if (need <= *cap)
		return true;
	uint32_t ncap = *cap ? *cap * 2 : 16;
	while (ncap < need)
		ncap *= 2;
	void *p = realloc(*arr, (size_t)ncap * elem);
	if (!p)
		return false;
	*arr = p;
	*cap = ncap;
	return true;
}

static void copy_name(char dst[PCIE_NAME_MAX], const char *src)
{
	size_t n = src ? strlen(src) : 0;
	if (n >= PCIE_NAME_MAX)
		n = PCIE_NAME_MAX - 1;
	if (n)
		memcpy(dst, src, n);
	dst[n] = '\0';
}

int32_t pcie_add_rc(pcie_fabric_t *f, const char *name)
{
	if (!grow((void **)&f->rcs, &f->rcs_cap, f->nrcs + 1, sizeof *f->rcs))
		return PCIE_NONE;
	pcie_rc_t *rc = &f->rcs[f->nrcs];
	memset(rc, 0, sizeof *rc);
	copy_name(rc->name, name);
	rc->last_bus = 0xff;
	rc->mem.base = 1;
	rc->mem.limit = 0; /* empty */
	rc->pref = rc->mem;
	rc->first_child = PCIE_NONE;
	return (int32_t)f->nrcs++;
}

int32_t pcie_add_func(pcie_fabric_t *f, uint32_t rc, int32_t parent, const char *name)
{
	if (rc >= f->nrcs || (parent != PCIE_NONE && (uint32_t)parent >= f->nfuncs))
		return PCIE_NONE;
	if (!grow((void **)&f->funcs, &f->funcs_cap, f->nfuncs + 1, sizeof *f->funcs))
		return PCIE_NONE;
	int32_t idx = (int32_t)f->nfuncs++;
	pcie_func_t *fn = &f->funcs[idx];
	memset(fn, 0, sizeof *fn);
	copy_name(fn->name, name);
	fn->rc = rc;
	fn->parent = parent;
	fn->pf = PCIE_NONE;
	fn->first_child = PCIE_NONE;
	fn->next_sibling = PCIE_NONE;
	fn->mem.base = 1; /* empty windows until enumeration opens them */
	fn->pref.base = 1;

	/* Append at the end of the parent's (or root bus's) child list. */
	int32_t *link = parent == PCIE_NONE ? &f->rcs[rc].first_child
					    : &f->funcs[parent].first_child;
	while (*link != PCIE_NONE)
		link = &f->funcs[*link].next_sibling;
	*link = idx;
	return idx;
}

int32_t pcie_add_region(pcie_fabric_t *f, const char *name, pcie_region_kind_t kind,
			uint64_t base, uint64_t size)
{
	if (!grow((void **)&f->regions, &f->regions_cap, f->nregions + 1, sizeof *f->regions))
		return PCIE_NONE;
	pcie_region_t *r = &f->regions[f->nregions];
	memset(r, 0, sizeof *r);
	copy_name(r->name, name);
	r->kind = kind;
	r->base = base;
	r->size = size;
	return (int32_t)f->nregions++;
}

uint32_t pcie_bus_scan_order(const pcie_fabric_t *f, uint32_t rc, int32_t bridge, int32_t *out,
			     uint32_t cap)
{
	int32_t first = bridge == PCIE_NONE ? f->rcs[rc].first_child : f->funcs[bridge].first_child;
	uint32_t n = 0;
	for (int32_t c = first; c != PCIE_NONE && n < cap; c = f->funcs[c].next_sibling) {
		if (f->funcs[c].is_vf)
			continue;
		/* Insertion sort by devfn: a bus holds at most 256 functions. */
		uint32_t k = n++;
		while (k > 0 && f->funcs[out[k - 1]].devfn > f->funcs[c].devfn) {
			out[k] = out[k - 1];
			k--;
		}
		out[k] = c;
	}
	return n;
}

uint16_t pcie_rc_host_id(const pcie_fabric_t *f, uint32_t rc)
{
	const pcie_rc_t *r = &f->rcs[rc];
	for (unsigned devfn = 0; devfn < 256; devfn++) {
		bool used = false;
		for (int32_t c = r->first_child; c != PCIE_NONE && !used; c = f->funcs[c].next_sibling)
			used = f->funcs[c].devfn == devfn && f->funcs[c].bus == r->root_bus;
		if (!used)
			return PCI_DEVID(r->root_bus, devfn);
	}
	return PCI_DEVID(r->root_bus, 0);
}

int32_t pcie_find_id(const pcie_fabric_t *f, uint16_t segment, uint16_t id)
{
	for (uint32_t i = 0; i < f->nfuncs; i++) {
		const pcie_func_t *fn = &f->funcs[i];
		if (f->rcs[fn->rc].segment == segment && pcie_func_id(fn) == id)
			return (int32_t)i;
	}
	return PCIE_NONE;
}

int32_t pcie_find_name(const pcie_fabric_t *f, const char *name)
{
	for (uint32_t i = 0; i < f->nfuncs; i++)
		if (strcmp(f->funcs[i].name, name) == 0)
			return (int32_t)i;
	return PCIE_NONE;
}

static int bar_claims(const pcie_func_t *fn, uint64_t addr)
{
	for (int b = 0; b < PCIE_MAX_BARS; b++) {
		const pcie_bar_t *bar = &fn->bars[b];
		if (bar->size && addr >= bar->base && addr - bar->base < bar->size)
			return b;
	}
	return -1;
}

int32_t pcie_find_bar(const pcie_fabric_t *f, uint32_t rc, uint64_t addr, int *bar)
{
	for (uint32_t i = 0; i < f->nfuncs; i++) {
		if (f->funcs[i].rc != rc)
			continue;
		int b = bar_claims(&f->funcs[i], addr);
		if (b >= 0) {
			if (bar)
				*bar = b;
			return (int32_t)i;
		}
	}
	return PCIE_NONE;
}

int32_t pcie_find_region(const pcie_fabric_t *f, uint64_t addr)
{
	for (uint32_t i = 0; i < f->nregions; i++) {
		const pcie_region_t *r = &f->regions[i];
		if (addr >= r->base && addr - r->base < r->size)
			return (int32_t)i;
	}
	return PCIE_NONE;
}

int32_t pcie_find_rc_window(const pcie_fabric_t *f, uint64_t addr)
{
	for (uint32_t i = 0; i < f->nrcs; i++)
		if (pcie_window_contains(f->rcs[i].mem, addr) ||
		    pcie_window_contains(f->rcs[i].pref, addr))
			return (int32_t)i;
	return PCIE_NONE;
}

bool pcie_bridge_claims(const pcie_func_t *br, uint64_t addr)
{
	return pcie_window_contains(br->mem, addr) || pcie_window_contains(br->pref, addr);
}

bool pcie_is_downstream_port(const pcie_func_t *fn)
{
	return fn->is_pcie &&
	       (fn->pcie_type == PCI_EXP_TYPE_ROOT_PORT || fn->pcie_type == PCI_EXP_TYPE_DOWNSTREAM);
}

uint16_t pcie_acs_effective(const pcie_func_t *fn)
{
	uint16_t ctrl = fn->has_acs ? fn->acs_ctrl : 0;
	if (fn->acs_equivalent)
		ctrl |= PCI_ACS_REQ_FLAGS;
	return ctrl;
}

const char *pcie_func_kind(const pcie_func_t *fn)
{
	if (fn->is_vf)
		return "virtual function";
	if (!fn->is_pcie)
		return fn->is_bridge ? "PCI-to-PCI bridge" : "conventional PCI function";
	switch (fn->pcie_type) {
	case PCI_EXP_TYPE_ENDPOINT:
		return "endpoint";
	case PCI_EXP_TYPE_LEG_END:
		return "legacy endpoint";
	case PCI_EXP_TYPE_ROOT_PORT:
		return "root port";
	case PCI_EXP_TYPE_UPSTREAM:
		return "switch upstream port";
	case PCI_EXP_TYPE_DOWNSTREAM:
		return "switch downstream port";
	case PCI_EXP_TYPE_PCI_BRIDGE:
		return "PCIe-to-PCI bridge";
	case PCI_EXP_TYPE_PCIE_BRIDGE:
		return "PCI-to-PCIe bridge";
	case PCI_EXP_TYPE_RC_END:
		return "RC-integrated endpoint";
	case PCI_EXP_TYPE_RC_EC:
		return "RC event collector";
	default:
		return "function";
	}
}
