/* SPDX-License-Identifier: MIT */
/* groups.c — IOMMU groups by Linux's rules, order-independent. See groups.h. */
#include "groups.h"

#include <stdlib.h>
#include <string.h>

/* The out-of-tree pcie_acs_override patch's quirk (pcie_acs_overrides()): never for
 * conventional PCI or for a device that has an ACS capability; then by ID, by downstream
 * port type, or for multi-function endpoints. Returns -1 when it does not apply. */
static int acs_override(const platform_t *p, const pcie_func_t *fn)
{
	const kernel_policy_t *k = &p->kernel;
	if (!fn->is_pcie || fn->has_acs)
		return -1;
	uint32_t id = (uint32_t)fn->vendor_id << 16 | fn->device_id;
	for (unsigned i = 0; i < k->noverride_ids; i++)
		if (k->override_ids[i] == id)
			return 1;
	switch (fn->pcie_type) {
	case PCI_EXP_TYPE_DOWNSTREAM:
	case PCI_EXP_TYPE_ROOT_PORT:
		if (k->override_downstream)
			return 1;
		break;
	case PCI_EXP_TYPE_ENDPOINT:
	case PCI_EXP_TYPE_UPSTREAM:
	case PCI_EXP_TYPE_LEG_END:
	case PCI_EXP_TYPE_RC_END:
		if (k->override_multifunction && fn->multifunction)
			return 1;
		break;
	}
	return -1;
}

/* pci_acs_flags_enabled(): a flag the capability does not advertise counts as enabled;
 * no capability at all counts as not enabled. */
static bool acs_flags_enabled(const pcie_func_t *fn, uint16_t flags)
{
	if (!fn->has_acs)
		return false;
	flags &= (uint16_t)(fn->acs_cap | PCI_ACS_EC);
	return (fn->acs_ctrl & flags) == flags;
}

bool groups_acs_enabled(const platform_t *p, int32_t i, uint16_t flags)
{
	const pcie_func_t *fn = &p->fabric.funcs[i];
	/* pci_dev_specific_acs_enabled(): device quirks first, the override patch after. */
	if (platform_quirk_matches(p, fn))
		return true;
	int ov = acs_override(p, fn);
	if (ov >= 0)
		return ov > 0;
	if (!fn->is_pcie)
		return false; /* conventional PCI: a shared bus */
	switch (fn->pcie_type) {
	case PCI_EXP_TYPE_PCIE_BRIDGE:
	case PCI_EXP_TYPE_PCI_BRIDGE:
	case PCI_EXP_TYPE_RC_EC:
		return false;
	case PCI_EXP_TYPE_DOWNSTREAM:
	case PCI_EXP_TYPE_ROOT_PORT:
		return acs_flags_enabled(fn, flags);
	case PCI_EXP_TYPE_ENDPOINT:
	case PCI_EXP_TYPE_UPSTREAM:
	case PCI_EXP_TYPE_LEG_END:
	case PCI_EXP_TYPE_RC_END:
		if (!fn->multifunction)
			return true;
		return acs_flags_enabled(fn, flags);
	}
	return true;
}

bool groups_acs_path_enabled(const platform_t *p, int32_t i, uint16_t flags)
{
	for (int32_t d = i; d != PCIE_NONE; d = p->fabric.funcs[d].parent)
		if (!groups_acs_enabled(p, d, flags))
			return false;
	return true;
}

/* --- union-find ------------------------------------------------------------------------ */

static int32_t find(int32_t *up, int32_t i)
{
	while (up[i] != i) {
		up[i] = up[up[i]];
		i = up[i];
	}
	return i;
}

static void unite(int32_t *up, int32_t a, int32_t b)
{
	a = find(up, a);
	b = find(up, b);
	if (a != b)
		up[a < b ? b : a] = a < b ? a : b;
}

/* Linux's probe order (pci_bus_add_devices()): every device of a bus, in scan order, then the
 * subtree of each bridge on it, in scan order; root complexes in platform order. SR-IOV VFs
 * come last, each PF's in index order: they appear when sriov_numvfs is written. */
static void probe_walk(const pcie_fabric_t *f, uint32_t rc, int32_t bridge, int32_t *order,
		       uint32_t *n)
{
	int32_t scan[256];
	uint32_t ns = pcie_bus_scan_order(f, rc, bridge, scan, 256);
	for (uint32_t i = 0; i < ns; i++)
		order[(*n)++] = scan[i];
	for (uint32_t i = 0; i < ns; i++)
		if (f->funcs[scan[i]].is_bridge)
			probe_walk(f, rc, scan[i], order, n);
}

/* pci_for_each_dma_alias(): walking up, PCIe-to-PCI bridges alias everything below them as
 * (secondary bus, 00.0); a conventional bridge as itself; root and switch ports add nothing.
 * Calls visit(bridge, alias id) for each aliasing bridge; returns the topmost alias. */
static uint16_t dma_aliases(const platform_t *p, int32_t i, int32_t *bridges, unsigned *nb)
{
	const pcie_fabric_t *f = &p->fabric;
	uint16_t alias = pcie_func_id(&f->funcs[i]);
	*nb = 0;
	for (int32_t b = f->funcs[i].parent; b != PCIE_NONE; b = f->funcs[b].parent) {
		const pcie_func_t *br = &f->funcs[b];
		if (br->is_pcie) {
			if (br->pcie_type == PCI_EXP_TYPE_PCI_BRIDGE)
				alias = PCI_DEVID(br->secondary_bus, 0);
			else if (br->pcie_type == PCI_EXP_TYPE_PCIE_BRIDGE)
				alias = pcie_func_id(br);
			else
				continue;
		} else {
			alias = pcie_func_id(br);
		}
		if (*nb < 64)
			bridges[(*nb)++] = b;
	}
	return alias;
}

uint16_t groups_dma_alias(const platform_t *p, int32_t fn)
{
	int32_t bridges[64];
	unsigned nb;
	return dma_aliases(p, fn, bridges, &nb);
}

bool groups_compute(const platform_t *p, iommu_groups_t *g)
{
	const pcie_fabric_t *f = &p->fabric;
	uint32_t n = f->nfuncs;
	memset(g, 0, sizeof *g);
	g->of = malloc((n + 1) * sizeof *g->of);
	g->why = malloc((n + 1) * sizeof *g->why);
	g->with = malloc((n + 1) * sizeof *g->with);
	g->dma_alias = malloc((n + 1) * sizeof *g->dma_alias);
	g->order = malloc((n + 1) * sizeof *g->order);
	g->refused = malloc((n + 1) * sizeof *g->refused);
	int32_t *up = malloc((n + 1) * sizeof *up);
	if (!g->of || !g->why || !g->with || !g->dma_alias || !g->order || !g->refused || !up) {
		free(up);
		groups_free(g);
		return false;
	}
	for (uint32_t i = 0; i < n; i++) {
		up[i] = (int32_t)i;
		g->of[i] = 0;
		g->why[i] = GROUP_OWN;
		g->with[i] = PCIE_NONE;
		g->order[i] = (int32_t)i;
	}
	uint32_t placed = 0;
	for (uint32_t r = 0; r < f->nrcs; r++)
		probe_walk(f, r, PCIE_NONE, g->order, &placed);
	uint32_t pfs = placed;
	for (uint32_t k = 0; k < pfs; k++) /* VFs: functions are added in PF order */
		for (uint32_t i = 0; i < n; i++)
			if (f->funcs[i].is_vf && f->funcs[i].pf == g->order[k])
				g->order[placed++] = (int32_t)i;

	for (uint32_t i = 0; i < n; i++) {
		const pcie_func_t *fn = &f->funcs[i];
		/* 1. DMA aliases through bridges: share the aliasing bridges' group. */
		int32_t bridges[64];
		unsigned nb;
		g->dma_alias[i] = dma_aliases(p, (int32_t)i, bridges, &nb);
		for (unsigned k = 0; k < nb; k++) {
			unite(up, (int32_t)i, bridges[k]);
			if (k == 0) {
				g->why[i] = GROUP_DMA_ALIAS;
				g->with[i] = bridges[0];
			}
		}
		/* 2. Climb from the topmost alias toward the root until ACS isolates the path;
		 * every bridge passed on the way shares the group. */
		int32_t cand = nb ? bridges[nb - 1] : (int32_t)i;
		for (int32_t b = f->funcs[cand].parent; b != PCIE_NONE; b = f->funcs[b].parent) {
			if (groups_acs_path_enabled(p, b, PCI_ACS_REQ_FLAGS))
				break;
			unite(up, (int32_t)i, b);
			if (g->why[i] == GROUP_OWN) {
				g->why[i] = GROUP_ACS_UPSTREAM;
				g->with[i] = b;
			}
			cand = b;
		}
		/* 3. A multi-function candidate without ACS shares with every other function of
		 * its slot that also lacks ACS (get_pci_function_alias_group()). */
		const pcie_func_t *c = &f->funcs[cand];
		if (c->multifunction && !groups_acs_enabled(p, cand, PCI_ACS_REQ_FLAGS)) {
			for (uint32_t j = 0; j < n; j++) {
				const pcie_func_t *t = &f->funcs[j];
				if ((int32_t)j == cand || t->rc != c->rc || t->bus != c->bus || t->is_vf ||
				    PCI_SLOT(t->devfn) != PCI_SLOT(c->devfn) ||
				    groups_acs_enabled(p, (int32_t)j, PCI_ACS_REQ_FLAGS))
					continue;
				unite(up, cand, (int32_t)j);
				if (cand == (int32_t)i && g->why[i] == GROUP_OWN) {
					g->why[i] = GROUP_MULTIFUNCTION;
					g->with[i] = (int32_t)j;
				}
			}
		}
		(void)fn;
	}

	/* arm-smmu-v3 gives a master every StreamID of its DMA aliases (IORT/DT map the RIDs
	 * one to one here) and refuses a master one of whose StreamIDs another master already
	 * holds ("stream N already in tree"): the refused device gets no group. Masters are
	 * added in probe order; the holder of each (segment, StreamID) is remembered. */
	int32_t *holder = malloc((size_t)65536 * sizeof *holder);
	uint16_t nseg_seen = 0, seg_seen[16];
	if (!holder) {
		free(up);
		groups_free(g);
		return false;
	}
	for (uint32_t r = 0; r < f->nrcs; r++) {
		uint16_t seg = f->rcs[r].segment;
		bool seen = false;
		for (uint16_t k = 0; k < nseg_seen; k++)
			seen |= seg_seen[k] == seg;
		if (seen || nseg_seen == 16)
			continue;
		seg_seen[nseg_seen++] = seg;
		for (uint32_t s = 0; s < 65536; s++)
			holder[s] = PCIE_NONE;
		for (uint32_t k = 0; k < n; k++) {
			int32_t i = g->order[k];
			const pcie_func_t *fn = &f->funcs[i];
			if (f->rcs[fn->rc].segment != seg)
				continue;
			int32_t bridges[64];
			unsigned nb;
			dma_aliases(p, i, bridges, &nb);
			uint16_t sids[65];
			unsigned ns = 0;
			sids[ns++] = pcie_func_id(fn);
			for (unsigned b = 0; b < nb; b++) {
				const pcie_func_t *br = &f->funcs[bridges[b]];
				sids[ns++] = (uint16_t)(br->is_pcie && br->pcie_type == PCI_EXP_TYPE_PCI_BRIDGE
								? PCI_DEVID(br->secondary_bus, 0)
								: pcie_func_id(br));
			}
			for (unsigned a = 0; a < ns; a++) {
				int32_t h = holder[sids[a]];
				if (h != PCIE_NONE && h != i) {
					g->of[i] = -1;
					g->refused[g->nrefused++] = (sid_refusal_t){i, h, sids[a]};
					break;
				}
			}
			if (g->of[i] == 0)
				for (unsigned a = 0; a < ns; a++)
					holder[sids[a]] = i;
		}
	}
	free(holder);

	/* Number the groups in probe order of their first (non-refused) member. */
	int32_t *num = malloc((n + 1) * sizeof *num);
	if (!num) {
		free(up);
		groups_free(g);
		return false;
	}
	for (uint32_t i = 0; i < n; i++)
		num[i] = -1;
	for (uint32_t k = 0; k < n; k++) {
		int32_t i = g->order[k];
		if (g->of[i] < 0)
			continue;
		int32_t r = find(up, i);
		if (num[r] < 0)
			num[r] = (int32_t)g->n++;
		g->of[i] = num[r];
	}
	free(num);
	free(up);
	return true;
}

void groups_free(iommu_groups_t *g)
{
	free(g->of);
	free(g->why);
	free(g->with);
	free(g->dma_alias);
	free(g->refused);
	free(g->order);
	memset(g, 0, sizeof *g);
}

const char *group_why_text(group_why_t why)
{
	switch (why) {
	case GROUP_OWN:
		return "isolated";
	case GROUP_DMA_ALIAS:
		return "DMA alias of the bridge";
	case GROUP_ACS_UPSTREAM:
		return "no ACS isolation at the bridge above";
	case GROUP_MULTIFUNCTION:
		return "multi-function device without ACS";
	}
	return "?";
}
