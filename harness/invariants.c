/* SPDX-License-Identifier: MIT */
/*
 * invariants.c — the isolation invariants, checked on every TLP a function sends and every
 * interrupt it raises (docs/invariants.md defines them):
 *
 *   dma    memory (or platform registers) a function's request reached belongs to the
 *          function's owner;
 *   p2p    a function reaches another function's BAR only if both have one owner, or through
 *          a translation its owner was granted;
 *   msi    an interrupt a function raised is one of its own vectors (taken wherever its
 *          owner's driver, or VFIO on its behalf, placed it), or is taken by a PE of the
 *          function's owner; raising another owner's vector, or an interrupt nobody
 *          allocated on another owner's PE, breaks it;
 *   group  the function's IOMMU group has one owner (bridges aside) while traffic flows;
 *   pasid  a PASID-tagged request is translated in the address space bound to (function,
 *          PASID): never delivered peer to peer, never let through untranslated;
 *   ats    a request the device says is translated (AT = Translated) is honoured only if the
 *          address came from a translation the SMMU issued to that function and its ATC
 *          still holds.
 *
 * A violation says what happened, who owns what, and each decision on the path that let it
 * through: the ACS bits not set, the IOMMU's configuration, the mapping that covered it, the
 * MSI controller that did not identify the writer.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "resv.h"
#include "scenario_internal.h"

const char *inv_token(inv_kind_t k)
{
	switch (k) {
	case INV_DMA: return "dma";
	case INV_P2P: return "p2p";
	case INV_MSI: return "msi";
	case INV_GROUP: return "group";
	case INV_PASID: return "pasid";
	case INV_ATS: return "ats";
	case INV_RESV: return "resv";
	case INV_KINDS: break;
	}
	return "?";
}

static const char *owner_name(const scenario_t *s, unsigned o)
{
	return o == OWNER_UNBOUND ? "nobody (bound to VFIO, in no VM)" : s->owners[o];
}

/* The owner of host physical address pa: the VM whose RAM it backs, else the host. */
static unsigned owner_of_pa(const scenario_t *s, uint64_t pa)
{
	for (unsigned o = 1; o < s->nowners; o++)
		for (unsigned k = 0; k < s->vms[o].nram; k++)
			if (pa >= s->vms[o].ram[k].hpa && pa - s->vms[o].ram[k].hpa < s->vms[o].ram[k].size)
				return o;
	return 0;
}

/* Who sent the step's TLP: its function's owner, or a SIOV sub-device's. */
static unsigned sender_owner(const scenario_t *s, const step_t *st)
{
	return st->sub >= 0 ? (unsigned)s->subdevs[st->sub].owner : s->fn_owner[st->from];
}

static const char *sender_name(const scenario_t *s, const step_t *st)
{
	return st->sub >= 0 ? s->subdevs[st->sub].label : s->platform.fabric.funcs[st->from].name;
}

static violation_t *add(const scenario_t *s, step_t *st, inv_kind_t k)
{
	if (st->nviol == STEP_MAX_VIOLATIONS)
		return NULL;
	violation_t *v = &st->viol[st->nviol++];
	v->kind = k;
	v->count = 1;
	snprintf(v->source, sizeof v->source, "%s",
		 st->sub >= 0	 ? s->subdevs[st->sub].name
		 : st->from >= 0 ? s->platform.fabric.funcs[st->from].name
				 : "host");
	v->text[0] = '\0';
	return v;
}

/* What the IOMMU did with the request, in words (what let it through). */
static void iommu_decision(const scenario_t *s, const step_t *st, char *buf, size_t size)
{
	const pcie_func_t *f = &s->platform.fabric.funcs[st->from];
	if (!st->has_iommu) {
		snprintf(buf, size, "root complex %s has no IOMMU",
			 s->platform.fabric.rcs[f->rc].name);
		return;
	}
	const smmu_xlate_t *x = st->resumed ? &st->resume_x : &st->iommu;
	const char *smmu = s->platform.smmus[st->iommu_smmu].name;
	switch (x->path) {
	case SMMU_PATH_GBPA_BYPASS:
		snprintf(buf, size, "%s is disabled (SMMUEN = 0) and GBPA lets traffic bypass it", smmu);
		return;
	case SMMU_PATH_STE_BYPASS:
		snprintf(buf, size, "%s's STE for StreamID 0x%x bypasses translation", smmu,
			 st->iommu_sid);
		return;
	case SMMU_PATH_S1DSS_BYPASS:
		snprintf(buf, size, "%s's STE for StreamID 0x%x lets traffic without a PASID bypass "
				    "stage 1 (S1DSS)",
			 smmu, st->iommu_sid);
		return;
	case SMMU_PATH_ATS_TRANSLATED:
		snprintf(buf, size, "%s lets AT=translated requests through untranslated (STE.EATS), "
				    "trusting the device",
			 smmu);
		return;
	default:
		break;
	}
	/* The domain whose tables translated it: found by the ASID (stage 1) or VMID (stage 2)
	 * the SMMU used, whichever STE (the function's, its alias's) and CD (PASID) it was. */
	const char *dom = "?";
	for (uint32_t i = 0; i < s->ndomains; i++) {
		const iommu_domain_t *d = &s->domains[i];
		if ((d->stage == 1 && x->path != SMMU_PATH_S2 && d->asid == x->asid) ||
		    (d->stage == 2 && x->path == SMMU_PATH_S2 && d->vmid == x->vmid))
			dom = d->name;
	}
	snprintf(buf, size, "%s translated 0x%" PRIx64 " to 0x%" PRIx64 " with a mapping of domain "
			    "%s (%s)",
		 smmu, st->tlp.address, x->pa, dom, smmu_path_name(x->path));
}

/* The fabric decisions of the route that matter for isolation, e.g. "sw0: p2p-direct". */
static void path_decisions(const scenario_t *s, const pcie_route_t *r, char *buf, size_t size)
{
	const pcie_fabric_t *f = &s->platform.fabric;
	buf[0] = '\0';
	size_t used = 0;
	for (uint32_t h = 0; h < r->nhops && used + 1 < size; h++) {
		const pcie_hop_t *hp = &r->hops[h];
		const char *tok = pcie_why_token(hp->why);
		if (!strcmp(tok, "send"))
			continue;
		char one[192];
		int n = snprintf(one, sizeof one, "%s%s %s (%s)", used ? "; " : "",
				 hp->node >= 0 ? f->funcs[hp->node].name : f->rcs[hp->rc].name, tok,
				 pcie_why_text(hp->why));
		if (n < 0 || used + (size_t)n + 5 >= size) {
			snprintf(buf + used, size - used, "%s...", used ? "; " : "");
			break; /* whole hops only */
		}
		memcpy(buf + used, one, (size_t)n + 1);
		used += (size_t)n;
	}
}

/* The msi invariant for one interrupt d a step's write caused: adds a violation when d is
 * another owner's vector, or nobody's taken by another owner's PE. */
static bool msi_check(const scenario_t *s, step_t *st, const gic_delivery_t *d)
{
	const platform_t *p = &s->platform;
	const pcie_fabric_t *f = &p->fabric;
	unsigned me = sender_owner(s, st);
	const char *name = sender_name(s, st);
	char why[240];
	violation_t *v;
	const irq_vector_t *vec = NULL;
	for (uint32_t i = 0; i < s->nvectors && !vec; i++)
		if (s->vectors[i].intid == d->intid)
			vec = &s->vectors[i];
	unsigned owner = !vec ? s->pe_owner[d->pe] : vec->sub >= 0 ? (unsigned)vec->owner
						     : s->fn_owner[vec->fn];
	if (vec && vec->fn == st->from && vec->sub == st->sub)
		owner = me; /* its own vector, wherever it is taken */
	if (owner == me)
		return false;
	if (!(v = add(s, st, INV_MSI)))
		return true;
	if (st->msi_its)
		snprintf(why, sizeof why,
			 "%s maps DeviceID 0x%x EventID %u to LPI %u in collection %u, which targets "
			 "PE %u",
			 p->gic.its[st->msi_ctrl].name, st->msi_x.devid, st->msi_x.eventid,
			 st->msi_x.intid, st->msi_x.icid, d->pe);
	else
		snprintf(why, sizeof why,
			 "GICv2m frame %s raised SPI %u for whoever wrote its number (it cannot tell "
			 "the writer), and the distributor routes that SPI to PE %u",
			 p->gic.v2m[st->msi_ctrl].name, d->intid, d->pe);
	if (st->msi_its && st->sub >= 0 && st->tlp.has_pasid)
		scenario_appendf(why, sizeof why,
				 "; the write carried PASID 0x%x, but an ITS identifies the writer by "
				 "DeviceID alone (the StreamID every sub-device of %s shares)",
				 st->tlp.pasid, f->funcs[st->from].name);
	else if (st->msi_its && st->sub >= 0)
		scenario_appendf(why, sizeof why,
				 "; the write carried no PASID, and an ITS identifies the writer by "
				 "DeviceID alone (the StreamID every sub-device of %s shares)",
				 f->funcs[st->from].name);
	char whose[128];
	if (vec && vec->sub >= 0)
		snprintf(whose, sizeof whose, "%s's IMS entry %u (%s)", s->subdevs[vec->sub].name,
			 vec->index, owner_name(s, owner));
	else if (vec)
		snprintf(whose, sizeof whose, "%s's vector %u (%s)", f->funcs[vec->fn].name,
			 vec->index, owner_name(s, owner));
	else
		snprintf(whose, sizeof whose, "no one's vector");
	snprintf(v->text, sizeof v->text, "%s (%s) raised %s %u, %s, taken by PE %u of %s: %s",
		 name, owner_name(s, me), d->intid >= GIC_LPI_FIRST ? "LPI" : "SPI", d->intid, whose,
		 d->pe, owner_name(s, s->pe_owner[d->pe]), why);
	return true;
}

void scenario_stream_msi_invariants(const scenario_t *s, step_t *st)
{
	if (!s->pe_owner || !st->stream || !st->stream->msi)
		return;
	uint64_t tag = (uint64_t)(st - s->steps) + 1;
	unsigned bad = 0, n = 0, keep = st->nviol;
	violation_t first;
	memset(&first, 0, sizeof first);
	for (uint32_t i = 0; i < s->ndeliveries; i++) {
		if (s->deliveries[i].tag != tag)
			continue;
		n++;
		unsigned before = st->nviol;
		if (msi_check(s, st, &s->deliveries[i])) {
			if (!bad++ && st->nviol > before)
				first = st->viol[before];
			/* only the first is kept, with the count */
			st->nviol = keep;
		}
	}
	if (bad && st->nviol < STEP_MAX_VIOLATIONS) {
		violation_t *v = &st->viol[st->nviol++];
		*v = first;
		char more[64];
		snprintf(more, sizeof more, " (%u of %u interrupts; the first shown)", bad, n);
		v->count = bad;
		scenario_appendf(v->text, sizeof v->text, "%s", more);
	}
}

/* resv: a mapping a map step added to a domain overlaps a reserved region (other than
 * direct-relaxable) of a group whose functions the domain translates: DMA there would reach
 * the page, not what the region stands for (the MSI doorbell, a firmware buffer). */
static void resv_check(const scenario_t *s, step_t *st)
{
	const platform_t *p = &s->platform;
	const iommu_domain_t *d = &s->domains[st->act_domain];
	uint64_t lo = st->act_addr, hi = st->act_addr + st->act_len - 1;
	for (int32_t g = 0; s->have_groups && g < (int32_t)s->groups.n; g++) {
		const char *user = NULL;
		for (uint32_t f = 0; f < p->fabric.nfuncs && !user; f++)
			if (s->groups.of[f] == g && s->attached[f] == (int32_t)st->act_domain)
				user = p->fabric.funcs[f].name;
		for (uint32_t k = 0; k < s->nsubdevs && !user; k++)
			if (s->subdevs[k].domain == (int)st->act_domain &&
			    s->groups.of[s->subdevs[k].fn] == g)
				user = s->subdevs[k].name;
		if (!user)
			continue;
		resv_list_t l = {0};
		if (!resv_of_group(p, &s->groups, (uint32_t)g, &l))
			return;
		for (uint32_t i = 0; i < l.n; i++) {
			const resv_region_t *r = &l.v[i];
			violation_t *v;
			if (resv_relaxable(r->type) || r->end < lo || hi < r->start || !(v = add(s, st, INV_RESV)))
				continue;
			snprintf(v->text, sizeof v->text,
				 "the mapping [0x%" PRIx64 "-0x%" PRIx64 "] added to domain %s overlaps "
				 "group %d's reserved region [0x%" PRIx64 "-0x%" PRIx64 "] (%s; %s is in "
				 "the group): its DMA there no longer reaches what the region is for",
				 lo, hi, d->name, g, r->start, r->end, resv_type_name(r->type), user);
			break;
		}
		resv_free(&l);
	}
}

void scenario_invariants(const scenario_t *s, step_t *st)
{
	st->nviol = 0;
	if (st->act == ACT_MAP && st->ran && !st->act_failed) {
		resv_check(s, st);
		return;
	}
	if (st->from < 0 || st->act != ACT_NONE || !s->fn_owner || !st->ran)
		return;
	const platform_t *p = &s->platform;
	const pcie_fabric_t *f = &p->fabric;
	const pcie_route_t *r = &st->route;
	unsigned me = sender_owner(s, st);
	const char *name = sender_name(s, st);
	char why[200], path[400];
	violation_t *v;

	/* group: everyone in the function's group has its owner (bridges aside). */
	/* (A sub-device's function stays with the host: the group is not what isolates it.) */
	int32_t grp = s->have_groups && st->sub < 0 ? s->groups.of[st->from] : -1;
	if (grp >= 0 && s->group_size && s->group_size[grp] < 2)
		grp = -1; /* alone in its group */
	for (uint32_t g = 0; grp >= 0 && g < f->nfuncs; g++)
		if (s->groups.of[g] == grp && !f->funcs[g].is_bridge && s->fn_owner[g] != me &&
		    s->fn_owner[g] != OWNER_UNBOUND && me != OWNER_UNBOUND && (v = add(s, st, INV_GROUP))) {
			snprintf(v->text, sizeof v->text,
				 "%s (%s) sent traffic while %s, in the same IOMMU group %d, belongs to %s: "
				 "the group's functions are not isolated from each other",
				 name, owner_name(s, me), f->funcs[g].name, grp,
				 owner_name(s, s->fn_owner[g]));
			break;
		}

	/* dma: the memory or registers a request reached. */
	if (r->outcome == PCIE_OUT_HOST && r->region != PCIE_NONE && tlp_is_memory(&st->tlp) &&
	    st->tlp.at != TLP_AT_TRANSLATION_REQ) {
		const pcie_region_t *reg = &f->regions[r->region];
		const smmu_xlate_t *x = st->resumed ? &st->resume_x : &st->iommu;
		uint64_t pa = st->has_iommu && x->outcome == SMMU_XLATE_OK ? x->pa : st->tlp.address;
		unsigned owner = reg->kind == PCIE_REGION_DRAM ? owner_of_pa(s, pa) : 0;
		bool shared = reg->kind == PCIE_REGION_DRAM && scenario_buffer_shared(s, pa, me);
		if (reg->kind != PCIE_REGION_MSI && owner != me && !shared && (v = add(s, st, INV_DMA))) {
			iommu_decision(s, st, why, sizeof why);
			snprintf(v->text, sizeof v->text,
				 "%s (%s) %s %s at 0x%" PRIx64 " in %s, which belongs to %s; let through "
				 "because %s",
				 name, owner_name(s, me), st->tlp.type == TLP_MRD ? "read" : "wrote",
				 reg->kind == PCIE_REGION_DRAM ? "memory" : "platform registers", pa,
				 reg->name, owner_name(s, owner), why);
		}
	}

	/* p2p: another function's BAR, reached without a translation the owner was granted. */
	if (r->outcome == PCIE_OUT_FUNCTION && r->target >= 0 && r->target != st->from) {
		unsigned other = s->fn_owner[r->target];
		bool granted = st->has_iommu && st->iommu.outcome == SMMU_XLATE_OK &&
			       (st->iommu.path == SMMU_PATH_S1 || st->iommu.path == SMMU_PATH_S2 ||
				st->iommu.path == SMMU_PATH_NESTED);
		/* A function bound to VFIO but in no VM, in the sender's own group, is part of
		 * what the sender's owner holds (the group is the unit of ownership). */
		bool same_group = s->have_groups && s->groups.of[r->target] >= 0 &&
				  s->groups.of[r->target] == s->groups.of[st->from];
		if (other == OWNER_UNBOUND && same_group)
			other = me;
		if (other != me && !granted && (v = add(s, st, INV_P2P))) {
			path_decisions(s, r, path, sizeof path);
			char bar[16] = "";
			if (r->bar >= 0)
				snprintf(bar, sizeof bar, "'s BAR%d", r->bar);
			if (st->has_iommu)
				iommu_decision(s, st, why, sizeof why);
			snprintf(v->text, sizeof v->text,
				 "%s (%s) reached %s%s (%s) peer to peer, %s%s; the path: %s", name,
				 owner_name(s, me), f->funcs[r->target].name, bar, owner_name(s, other),
				 st->has_iommu ? "untranslated: " : "never seen by an IOMMU",
				 st->has_iommu ? why : "", path);
		}
	}

	/* pasid: a PASID-tagged request must meet the IOMMU and be translated for that PASID. */
	if (st->tlp.has_pasid && tlp_is_memory(&st->tlp) && st->tlp.at == TLP_AT_UNTRANSLATED) {
		const smmu_xlate_t *x = st->resumed ? &st->resume_x : &st->iommu;
		bool p2p = r->outcome == PCIE_OUT_FUNCTION;
		bool untranslated = r->outcome == PCIE_OUT_HOST && r->region != PCIE_NONE &&
				    (!st->has_iommu ||
				     (x->outcome == SMMU_XLATE_OK &&
				      (x->path == SMMU_PATH_STE_BYPASS || x->path == SMMU_PATH_GBPA_BYPASS)));
		if ((p2p || untranslated) && (v = add(s, st, INV_PASID))) {
			if (p2p) {
				path_decisions(s, r, path, sizeof path);
				snprintf(v->text, sizeof v->text,
					 "%s's request with PASID 0x%x reached %s peer to peer: no IOMMU saw "
					 "its PASID (ACS Request Redirect or Upstream Forwarding is missing on "
					 "the path: %s)",
					 name, st->tlp.pasid, f->funcs[r->target].name, path);
			} else {
				iommu_decision(s, st, why, sizeof why);
				snprintf(v->text, sizeof v->text,
					 "%s's request with PASID 0x%x reached 0x%" PRIx64 " in %s without "
					 "being translated in that PASID's address space: %s",
					 name, st->tlp.pasid, st->tlp.address, f->regions[r->region].name, why);
			}
		}
	}

	/* ats: an address the device says is translated must be one the SMMU gave it. */
	if (st->tlp.at == TLP_AT_TRANSLATED && tlp_is_memory(&st->tlp) &&
	    r->outcome == PCIE_OUT_HOST && r->region != PCIE_NONE) {
		const atc_t *atc = s->sys.atc ? &s->sys.atc[st->from] : NULL;
		bool issued = false;
		for (uint32_t i = 0; atc && i < atc->n && !issued; i++) {
			const atc_entry_t *e = &atc->e[i];
			issued = e->valid && st->tlp.address >= e->pa && st->tlp.address - e->pa < e->size &&
				 (st->tlp.type == TLP_MRD ? e->r : e->w);
		}
		if (!issued && (v = add(s, st, INV_ATS))) {
			iommu_decision(s, st, why, sizeof why);
			snprintf(v->text, sizeof v->text,
				 "%s sent a %s it calls translated (AT = Translated) to 0x%" PRIx64
				 " (%s), but no translation the SMMU issued to it covers that address; "
				 "let through because %s",
				 name, st->tlp.type == TLP_MRD ? "read" : "write", st->tlp.address,
				 f->regions[r->region].name, why);
		}
	}

	/* msi: whose interrupt it was, and the PE that took it (a stream's interrupts are
	 * judged together when the run ends: scenario_stream_msi_invariants()). */
	if (st->delivered && s->pe_owner && !st->stream)
		msi_check(s, st, &st->delivery);
}
