/* SPDX-License-Identifier: MIT */
/* report.c — see report.h. */
#include "report.h"
#include "report_irq.h"
#include "report_stats.h"
#include "resv.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "jsonw.h"

/* --- groups ---------------------------------------------------------------------------- */

/* Functions sorted by group, then by probe order: the order `ls` shows sysfs in. */
static void for_each_by_group(const platform_t *p, const iommu_groups_t *g,
			      void (*fn)(FILE *, const platform_t *, const iommu_groups_t *, int32_t,
					 bool),
			      FILE *out, bool explain)
{
	for (uint32_t grp = 0; grp < g->n; grp++)
		for (uint32_t k = 0; k < p->fabric.nfuncs; k++) {
			int32_t i = g->order[k];
			if (g->of[i] == (int32_t)grp)
				fn(out, p, g, i, explain);
		}
}

static void group_line(FILE *out, const platform_t *p, const iommu_groups_t *g, int32_t i,
		       bool explain)
{
	char bdf[16];
	platform_bdf(p, i, bdf, sizeof bdf);
	fprintf(out, "/sys/kernel/iommu_groups/%d/devices/%s\n", g->of[i], bdf);
	if (!explain)
		return;
	const pcie_func_t *fn = &p->fabric.funcs[i];
	fprintf(out, "    # %s, %s: %s", fn->name, pcie_func_kind(fn), group_why_text(g->why[i]));
	if (g->with[i] != PCIE_NONE) {
		char w[16];
		platform_bdf(p, g->with[i], w, sizeof w);
		fprintf(out, " %s (%s)", w, p->fabric.funcs[g->with[i]].name);
	}
	fputc('\n', out);
}

void report_groups_text(FILE *out, const platform_t *p, const iommu_groups_t *g, bool explain)
{
	for_each_by_group(p, g, group_line, out, explain);
}

void report_groups_warnings(FILE *out, const platform_t *p, const iommu_groups_t *g)
{
	for (uint32_t k = 0; k < g->nrefused; k++) {
		const sid_refusal_t *r = &g->refused[k];
		char a[16], b[16];
		platform_bdf(p, r->func, a, sizeof a);
		platform_bdf(p, r->holder, b, sizeof b);
		fprintf(out,
			"warning: %s (%s): arm-smmu-v3 refuses it: stream 0x%04x already in tree, held "
			"by %s (%s) through the same DMA alias; it has no IOMMU group\n",
			a, p->fabric.funcs[r->func].name, r->sid, b, p->fabric.funcs[r->holder].name);
	}
}

bool report_resv_text(FILE *out, const platform_t *p, const iommu_groups_t *g)
{
	for (uint32_t grp = 0; grp < g->n; grp++) {
		resv_list_t l = {0};
		if (!resv_of_group(p, g, grp, &l))
			return false;
		for (uint32_t i = 0; i < l.n; i++)
			fprintf(out, "/sys/kernel/iommu_groups/%u/reserved_regions:0x%016" PRIx64
				     " 0x%016" PRIx64 " %s\n",
				grp, l.v[i].start, l.v[i].end, resv_type_name(l.v[i].type));
		resv_free(&l);
	}
	return true;
}

void report_groups_json(FILE *out, const platform_t *p, const iommu_groups_t *g)
{
	jw_t j;
	jw_init(&j, out);
	jw_obj(&j);
	jw_kstr(&j, "schema", "iofab-groups/1");
	jw_kstr(&j, "platform", p->name);
	jw_key(&j, "kernel");
	jw_obj(&j);
	jw_kbool(&j, "enable_acs", p->kernel.enable_acs);
	jw_kbool(&j, "ats", p->kernel.ats);
	jw_obj_end(&j);
	jw_key(&j, "groups");
	jw_arr(&j);
	for (uint32_t grp = 0; grp < g->n; grp++) {
		jw_obj(&j);
		jw_ku64(&j, "group", grp);
		jw_key(&j, "devices");
		jw_arr(&j);
		for (uint32_t k = 0; k < p->fabric.nfuncs; k++) {
			int32_t i = g->order[k];
			if (g->of[i] != (int32_t)grp)
				continue;
			const pcie_func_t *fn = &p->fabric.funcs[i];
			char bdf[16], alias[16];
			platform_bdf(p, i, bdf, sizeof bdf);
			tlp_format_bdf(alias, sizeof alias, p->fabric.rcs[fn->rc].segment,
				       g->dma_alias[i]);
			jw_obj(&j);
			jw_kstr(&j, "bdf", bdf);
			jw_kstr(&j, "name", fn->name);
			jw_kstr(&j, "kind", pcie_func_kind(fn));
			jw_kstr(&j, "dma_alias", alias);
			jw_kstr(&j, "why", group_why_text(g->why[i]));
			if (g->with[i] != PCIE_NONE)
				jw_kstr(&j, "with", p->fabric.funcs[g->with[i]].name);
			else {
				jw_key(&j, "with");
				jw_null(&j);
			}
			jw_obj_end(&j);
		}
		jw_arr_end(&j);
		jw_obj_end(&j);
	}
	jw_arr_end(&j);
	jw_key(&j, "refused");
	jw_arr(&j);
	for (uint32_t k = 0; k < g->nrefused; k++) {
		char a[16], b[16];
		platform_bdf(p, g->refused[k].func, a, sizeof a);
		platform_bdf(p, g->refused[k].holder, b, sizeof b);
		jw_obj(&j);
		jw_kstr(&j, "bdf", a);
		jw_kstr(&j, "name", p->fabric.funcs[g->refused[k].func].name);
		jw_ku64(&j, "stream_id", g->refused[k].sid);
		jw_kstr(&j, "held_by", b);
		jw_obj_end(&j);
	}
	jw_arr_end(&j);
	jw_obj_end(&j);
}

/* --- topology -------------------------------------------------------------------------- */

static void topo_func(FILE *out, const platform_t *p, int32_t i, int depth)
{
	const pcie_func_t *fn = &p->fabric.funcs[i];
	char bdf[16];
	platform_bdf(p, i, bdf, sizeof bdf);
	fprintf(out, "%*s%s %-14s %s [%04x:%04x]", depth * 2, "", bdf, fn->name,
		pcie_func_kind(fn), fn->vendor_id, fn->device_id);
	if (fn->multifunction)
		fputs(" multi-function", out);
	if (fn->is_bridge)
		fprintf(out, " bus [%02x-%02x]", fn->secondary_bus, fn->subordinate_bus);
	fputc('\n', out);
	if (fn->is_bridge) {
		if (fn->mem.base <= fn->mem.limit)
			fprintf(out, "%*s  mem  [0x%" PRIx64 "-0x%" PRIx64 "]\n", depth * 2, "",
				fn->mem.base, fn->mem.limit);
		if (fn->pref.base <= fn->pref.limit)
			fprintf(out, "%*s  pref [0x%" PRIx64 "-0x%" PRIx64 "]\n", depth * 2, "",
				fn->pref.base, fn->pref.limit);
	}
	for (int b = 0; b < PCIE_MAX_BARS; b++)
		if (fn->bars[b].size)
			fprintf(out, "%*s  BAR%d [0x%" PRIx64 "-0x%" PRIx64 "]%s%s\n", depth * 2, "", b,
				fn->bars[b].base, fn->bars[b].base + fn->bars[b].size - 1,
				fn->bars[b].is64 ? " 64-bit" : "",
				fn->bars[b].prefetchable ? " prefetchable" : "");
	if (fn->has_acs || fn->acs_equivalent) {
		char cap[40], ctl[40];
		acs_bits_text(fn->acs_cap, cap, sizeof cap);
		acs_bits_text(fn->acs_ctrl, ctl, sizeof ctl);
		if (fn->has_acs)
			fprintf(out, "%*s  ACS  cap %s; ctrl %s", depth * 2, "", cap, ctl);
		else
			fprintf(out, "%*s  ACS  none", depth * 2, "");
		if (fn->acs_equivalent)
			fputs(" (quirk: isolated)", out);
		if (fn->acs_cap & PCI_ACS_EC)
			fprintf(out, "; egress 0x%08x", fn->acs_egress_vector);
		fputc('\n', out);
	}
	if (fn->has_pasid || fn->has_ats || fn->has_sriov) {
		fprintf(out, "%*s ", depth * 2, "");
		if (fn->has_pasid)
			fprintf(out, " PASID %u bits;", fn->pasid_width);
		if (fn->has_ats)
			fputs(" ATS;", out);
		if (fn->has_sriov)
			fprintf(out, " SR-IOV %u VFs (offset %u, stride %u);", fn->sriov_num_vfs,
				fn->sriov_offset, fn->sriov_stride);
		fputc('\n', out);
	}
	for (int32_t c = fn->first_child; c != PCIE_NONE; c = p->fabric.funcs[c].next_sibling)
		topo_func(out, p, c, depth + 1);
}

void report_topology(FILE *out, const platform_t *p)
{
	const pcie_fabric_t *f = &p->fabric;
	fprintf(out, "platform %s\n", p->name);
	for (uint32_t i = 0; i < f->nregions; i++)
		fprintf(out, "  %-6s %-14s [0x%" PRIx64 "-0x%" PRIx64 "]\n",
			f->regions[i].kind == PCIE_REGION_DRAM	   ? "dram"
			: f->regions[i].kind == PCIE_REGION_MSI ? "msi"
								 : "device",
			f->regions[i].name,
			f->regions[i].base, f->regions[i].base + f->regions[i].size - 1);
	if (p->gic.present) {
		const platform_gic_t *g = &p->gic;
		fprintf(out, "interrupt controller: GICv3, %u PEs, SPIs 32..%u, INTID bits %u\n",
			g->params.pes, 31 + g->params.spis, g->params.id_bits);
		for (unsigned i = 0; i < g->nits; i++) {
			fprintf(out, "  ITS %s: DeviceID bits %u, EventID bits %u, %s", g->its[i].name,
				g->its[i].params.devbits, g->its[i].params.id_bits,
				g->its[i].params.pta ? "targets by address" : "targets by PE number");
			for (uint32_t r = 0; r < f->nrcs; r++)
				if (p->rc_its[r] == (int32_t)i)
					fprintf(out, "; %s DeviceID = RID + 0x%x", f->rcs[r].name,
						p->rc_devid_base[r]);
			fputc('\n', out);
		}
		for (unsigned i = 0; i < g->nv2m; i++) {
			fprintf(out, "  GICv2m %s: SPIs %u..%u, reached by ", g->v2m[i].name,
				g->v2m[i].spi_base, g->v2m[i].spi_base + g->v2m[i].spi_count - 1);
			unsigned n = 0;
			for (uint32_t r = 0; r < f->nrcs && r < 64; r++)
				if (g->v2m[i].rcs >> r & 1)
					fprintf(out, "%s%s", n++ ? ", " : "", f->rcs[r].name);
			fputs(n ? "\n" : "no root complex\n", out);
		}
	}
	for (uint32_t r = 0; r < f->nrcs; r++) {
		const pcie_rc_t *rc = &f->rcs[r];
		fprintf(out, "root complex %s: segment %04x, root bus %02x, p2p between root ports %s\n",
			rc->name, rc->segment, rc->root_bus, rc->p2p_between_root_ports ? "yes" : "no");
		if (rc->mem.base <= rc->mem.limit)
			fprintf(out, "  mmio      [0x%" PRIx64 "-0x%" PRIx64 "]\n", rc->mem.base,
				rc->mem.limit);
		if (rc->pref.base <= rc->pref.limit)
			fprintf(out, "  mmio_pref [0x%" PRIx64 "-0x%" PRIx64 "]\n", rc->pref.base,
				rc->pref.limit);
		for (int32_t c = rc->first_child; c != PCIE_NONE; c = f->funcs[c].next_sibling)
			topo_func(out, p, c, 1);
	}
}

/* --- run reports ----------------------------------------------------------------------- */

static const char *node_name(const pcie_fabric_t *f, int32_t node, uint32_t rc)
{
	return node >= 0 ? f->funcs[node].name : f->rcs[rc].name;
}

static void fmt_ns(char *buf, size_t size, sim_time_t t)
{
	if (t % SIM_NS)
		snprintf(buf, size, "%" PRIu64 ".%03" PRIu64 " ns", t / SIM_NS, t % SIM_NS);
	else
		snprintf(buf, size, "%" PRIu64 " ns", t / SIM_NS);
}

static void print_hops(FILE *out, const scenario_t *s, const pcie_route_t *r)
{
	const platform_t *p = &s->platform;
	const pcie_fabric_t *f = &p->fabric;
	for (uint32_t h = 0; h < r->nhops; h++) {
		const pcie_hop_t *hp = &r->hops[h];
		char bdf[16] = "", lat[32];
		if (hp->node >= 0)
			platform_bdf(p, hp->node, bdf, sizeof bdf);
		fmt_ns(lat, sizeof lat, hp->latency);
		fprintf(out, "      %10s  %-14s %-12s  %-16s %s", hp->latency ? lat : "", 
			node_name(f, hp->node, hp->rc), bdf, pcie_why_token(hp->why),
			pcie_why_text(hp->why));
		if (hp->peer >= 0)
			fprintf(out, " [peer %s]", f->funcs[hp->peer].name);
		fputc('\n', out);
	}
	if (r->truncated)
		fprintf(out, "      (more than %d hops: the list stops here; the latency counts them all)\n",
			PCIE_MAX_HOPS);
}

static void print_iommu(FILE *out, const scenario_t *s, const step_t *st)
{
	const smmu_xlate_t *x = &st->iommu;
	const smmu_latency_t *l = &st->iommu_lat;
	char b[10][32];
	fprintf(out, "      iommu: %s StreamID 0x%x", s->platform.smmus[st->iommu_smmu].name,
		st->iommu_sid);
	if (st->tlp.has_pasid)
		fprintf(out, " SubstreamID %u", st->tlp.pasid);
	fprintf(out, ", %s", smmu_path_name(x->path));
	if (x->path == SMMU_PATH_S1 || x->path == SMMU_PATH_NESTED)
		fprintf(out, " (ASID %u)", x->asid);
	if (x->path == SMMU_PATH_S2 || x->path == SMMU_PATH_NESTED)
		fprintf(out, " (VMID %u)", x->vmid);
	if (x->outcome == SMMU_XLATE_OK)
		fprintf(out, ": 0x%" PRIx64 " -> 0x%" PRIx64, st->tlp.address, x->pa);
	else if (x->outcome == SMMU_XLATE_FAULT)
		fprintf(out, ": %s%s", smmu_event_name(x->event),
			x->evt_recorded ? ", recorded in the event queue" : ", not recorded");
	else
		fputs(": aborted", out);
	if (x->stalled)
		fprintf(out, ", stalled with STAG 0x%x", x->stag);
	else if (x->stall_refused)
		fprintf(out, ", not stalled (no free stall slot of IDR5.STALL_MAX, or the event was "
			     "not recorded)");
	if (x->walk.fault != SMMU_FAULT_NONE && x->walk.fault_level >= 0)
		fprintf(out, " (stage %u, level %d)", x->walk.fault_stage, x->walk.fault_level);
	fputc('\n', out);
	if (st->resumed) {
		const smmu_xlate_t *r = &st->resume_x;
		fprintf(out, "      stall ended by software during step %u: ", st->ended_by + 1);
		if (r->stalled)
			fprintf(out, "retried, faulted again (%s), stalled with STAG 0x%x\n",
				smmu_event_name(r->event), r->stag);
		else if (r->outcome == SMMU_XLATE_OK)
			fprintf(out, "retried, 0x%" PRIx64 " -> 0x%" PRIx64 "\n", st->tlp.address, r->pa);
		else if (st->resume_retried)
			fprintf(out, "retried, %s (%s), not stalled again\n",
				r->outcome == SMMU_XLATE_ABORT ? "aborted" : "faulted again",
				r->event ? smmu_event_name(r->event) : "no event");
		else
			fprintf(out, "terminated\n");
	}
	fmt_ns(b[0], sizeof b[0], l->total);
	fmt_ns(b[1], sizeof b[1], l->utlb);
	fmt_ns(b[2], sizeof b[2], l->tlb);
	fmt_ns(b[3], sizeof b[3], l->link);
	fmt_ns(b[4], sizeof b[4], l->tcu_queue);
	fmt_ns(b[5], sizeof b[5], l->config);
	fmt_ns(b[6], sizeof b[6], l->walk_queue);
	fmt_ns(b[7], sizeof b[7], l->walk);
	fmt_ns(b[8], sizeof b[8], l->merged);
	fmt_ns(b[9], sizeof b[9], l->response);
	fprintf(out, "      iommu latency %s: %s%s; uTLB %s, TLB %s, link %s, slot wait %s, config %s (%u reads), "
		     "walk wait %s, walk %s (%u reads), merged %s, response %s\n",
		b[0], l->utlb_hit ? "uTLB hit" : l->tlb_hit ? "TLB hit" : "miss",
		l->merged_walk ? " (merged with a walk in flight)" : "", b[1], b[2], b[3], b[4], b[5],
		l->config_reads, b[6], b[7], l->walk_reads, b[8], b[9]);
}

/* The name of an SMMU register offset, NULL for one without a name here. */
static const char *smmu_reg_name(uint32_t off)
{
	static const struct {
		uint32_t off;
		const char *name;
	} regs[] = {
		{SMMU_IDR0, "IDR0"},		 {SMMU_CR0, "CR0"},
		{SMMU_CR0ACK, "CR0ACK"},	 {SMMU_CR1, "CR1"},
		{SMMU_CR2, "CR2"},		 {SMMU_GBPA, "GBPA"},
		{SMMU_IRQ_CTRL, "IRQ_CTRL"},	 {SMMU_GERROR, "GERROR"},
		{SMMU_GERRORN, "GERRORN"},	 {SMMU_STRTAB_BASE, "STRTAB_BASE"},
		{SMMU_STRTAB_BASE_CFG, "STRTAB_BASE_CFG"}, {SMMU_CMDQ_BASE, "CMDQ_BASE"},
		{SMMU_CMDQ_PROD, "CMDQ_PROD"},	 {SMMU_CMDQ_CONS, "CMDQ_CONS"},
		{SMMU_EVENTQ_BASE, "EVENTQ_BASE"}, {SMMU_EVENTQ_PROD, "EVENTQ_PROD"},
		{SMMU_EVENTQ_CONS, "EVENTQ_CONS"},
	};
	for (unsigned i = 0; i < sizeof regs / sizeof regs[0]; i++)
		if (regs[i].off == off)
			return regs[i].name;
	return NULL;
}

static const char *its_reg_name(uint32_t off)
{
	switch (off & ~3u) {
	case GITS_CTLR: return "GITS_CTLR";
	case GITS_IIDR: return "GITS_IIDR";
	case GITS_TYPER: return "GITS_TYPER";
	case GITS_CBASER: return "GITS_CBASER";
	case GITS_CWRITER: return "GITS_CWRITER";
	case GITS_CREADR: return "GITS_CREADR";
	case GITS_BASER(0): return "GITS_BASER0";
	case GITS_BASER(1): return "GITS_BASER1";
	default: return NULL;
	}
}

static void print_register_access(FILE *out, const scenario_t *s, const step_t *st)
{
	const char *nm = st->reg_its ? its_reg_name(st->reg_offset) : smmu_reg_name(st->reg_offset);
	fprintf(out, "      %s registers: ", st->reg_its ? s->platform.gic.its[st->reg_smmu].name
						     : s->platform.smmus[st->reg_smmu].name);
	if (st->reg_ignored)
		fprintf(out, "%s of %u bytes at offset 0x%x ignored (registers take aligned 4- and "
			     "8-byte accesses)\n",
			st->reg_write ? "write" : "read", st->tlp.length, st->reg_offset);
	else
		fprintf(out, "%s 0x%" PRIx64 " %s offset 0x%x%s%s%s\n",
			st->reg_write ? "wrote" : "read", st->reg_value,
			st->reg_write ? "to" : "from", st->reg_offset, nm ? " (" : "", nm ? nm : "",
			nm ? ")" : "");
}

static void describe_end(FILE *out, const scenario_t *s, const step_t *st)
{
	const pcie_fabric_t *f = &s->platform.fabric;
	const pcie_route_t *r = &st->route;
	switch (r->outcome) {
	case PCIE_OUT_FUNCTION:
		fprintf(out, "delivered to %s", f->funcs[r->target].name);
		if (r->bar >= 0)
			fprintf(out, " BAR%d", r->bar);
		break;
	case PCIE_OUT_HOST:
		if (st->stall_pending)
			fprintf(out, "STALLED in the IOMMU of %s (STAG 0x%x): still held when the "
				     "scenario ended", f->rcs[r->rc].name, st->stag);
		else if (st->has_iommu && st->tlp.at == TLP_AT_TRANSLATION_REQ && r->region < 0 &&
		    st->iommu.outcome != SMMU_XLATE_OK)
			fprintf(out, "ATS translation returned no access (R=W=0) for 0x%" PRIx64 " (%s)",
				st->tlp.address, smmu_event_name(st->iommu.event));
		else if (st->has_iommu && st->tlp.at == TLP_AT_TRANSLATION_REQ && r->region < 0)
			fprintf(out, "ATS translation returned: 0x%" PRIx64 " -> 0x%" PRIx64,
				st->tlp.address, st->iommu.pa);
		else if (r->region >= 0)
			fprintf(out, "reached memory region %s", f->regions[r->region].name);
		else
			fprintf(out, "reached the host through %s", f->rcs[r->rc].name);
		break;
	case PCIE_OUT_BLOCKED:
		if (st->has_iommu && st->resumed && st->resume_retried)
			fprintf(out, "BLOCKED by the IOMMU of %s (%s, after a retry)", f->rcs[r->rc].name,
				st->resume_x.event ? smmu_event_name(st->resume_x.event) : "abort");
		else if (st->has_iommu && st->resumed)
			fprintf(out, "BLOCKED by the IOMMU of %s (%s, terminated by software)",
				f->rcs[r->rc].name, smmu_event_name(st->iommu.event));
		else if (st->has_iommu && st->iommu.outcome != SMMU_XLATE_OK)
			fprintf(out, "BLOCKED by the IOMMU of %s (%s)", f->rcs[r->rc].name,
				st->iommu.event ? smmu_event_name(st->iommu.event) : "abort");
		else
			fprintf(out, "BLOCKED at %s (%s)", node_name(f, r->at_node, r->rc),
				pcie_why_token(r->why));
		break;
	case PCIE_OUT_UR:
		fprintf(out, "Unsupported Request at %s (%s)", node_name(f, r->at_node, r->rc),
			pcie_why_token(r->why));
		break;
	}
	if (r->p2p)
		fputs(", peer-to-peer: it never reached the IOMMU side of the root complex", out);
	if (r->redirected)
		fputs(", redirected upstream by ACS", out);
}

static const char *action_name(step_action_t a)
{
	static const char *const names[] = {"none",	   "write",	"map",	 "unmap",
					    "command",	   "sync",	"events", "its_command",
					    "its_retry",   "mask",	"hotplug", "unplug", "migrate",
					    "set_affinity", "ims_write"};
	return (unsigned)a < sizeof names / sizeof names[0] ? names[a] : "?";
}

/* One line saying what an action step did. */
static void describe_action(FILE *out, const scenario_t *s, const step_t *st)
{
	const char *smmu = st->act_smmu >= 0 && (unsigned)st->act_smmu < s->platform.nsmmus
				   ? s->platform.smmus[st->act_smmu].name
				   : "?";
	switch (st->act) {
	case ACT_WRITE:
		fprintf(out, "wrote 0x%" PRIx64 " (%u bytes) at 0x%" PRIx64, st->act_value,
			st->act_size, st->act_addr);
		break;
	case ACT_MAP:
	case ACT_UNMAP:
		fprintf(out, "%s [0x%" PRIx64 ", +0x%" PRIx64 ") in domain %s, without invalidation",
			st->act == ACT_MAP ? "mapped" : "unmapped", st->act_addr, st->act_len,
			s->domains[st->act_domain].name);
		break;
	case ACT_COMMAND:
	{
		unsigned op = (unsigned)SMMU_GET(st->act_dw[0], CMD0_OPCODE);
		const char *nm = scenario_cmd_name(op);
		fprintf(out, "queued %s%s0x%02x%s on %s (dw0 0x%016" PRIx64 ", dw1 0x%016" PRIx64 ")",
			nm ? nm : "command", nm ? " (" : " ", op, nm ? ")" : "", smmu, st->act_dw[0],
			st->act_dw[1]);
	}
		break;
	case ACT_SYNC:
		fprintf(out, "CMD_SYNC on %s completed", smmu);
		if (st->act_cerror)
			fprintf(out, " after a command error (CERROR %u) was acknowledged", st->act_cerror);
		break;
	case ACT_EVENTS:
		fprintf(out, "%u event%s drained from %s", st->act_nevents,
			st->act_nevents == 1 ? "" : "s", smmu);
		for (unsigned i = 0; i < st->act_nevents; i++) {
			const smmu_evt_rec_t *e = &st->act_events[i];
			fprintf(out, "\n      %s StreamID 0x%x%s input 0x%" PRIx64 "%s", smmu_event_name(e->id),
				e->sid, e->ssv ? " (with SubstreamID)" : "", e->input_addr,
				e->s2 ? " (stage 2)" : "");
			if (e->stall)
				fprintf(out, ", stalled with STAG 0x%x", e->stag);
		}
		break;
	case ACT_ITS_COMMAND:
	case ACT_ITS_RETRY:
	case ACT_PE_MASK:
	case ACT_AFFINITY:
	case ACT_IMS_WRITE:
		report_irq_action_text(out, s, st);
		break;
	case ACT_MIGRATE:
		if (st->mig_result)
			fprintf(out, "migrate %s to %s REFUSED (%s): %s; it stays",
				s->owners[st->act_owner], st->mig_platform,
				refusal_token((refusal_t)st->mig_result), st->mig_why);
		else
			fprintf(out, "migrated %s to %s (its devices there: %s); its devices here are "
				     "released to the host",
				s->owners[st->act_owner], st->mig_platform,
				st->mig_why[0] ? st->mig_why : "none");
		if (!st->mig_result && st->mig_irq) {
			size_t l = strlen(st->mig_irq);
			fprintf(out, "\n    its interrupts re-mapped on %s: %u of %u taken by its vCPUs\n%.*s",
				st->mig_platform, st->mig_irq_taken, st->mig_irq_total,
				(int)(l ? l - 1 : 0), st->mig_irq);
		}
		break;
	case ACT_HOTPLUG:
	case ACT_UNPLUG: {
		const char *fn = s->platform.fabric.funcs[st->act_fn].name;
		const assignment_t *a = st->act_assign >= 0 ? &s->assigns[st->act_assign] : NULL;
		if (st->act == ACT_UNPLUG)
			fprintf(out, "unplugged %s from %s: it is the host's again (its traffic aborts "
				     "until a host driver attaches it)",
				fn, a ? s->owners[a->owner] : "?");
		else if (a && a->refused)
			fprintf(out, "hotplug %s into %s REFUSED (%s): %s", fn, s->owners[a->owner],
				refusal_token(a->refused), a->why);
		else if (a)
			fprintf(out, "hot-plugged %s into %s%s", fn, s->owners[a->owner],
				a->unsafe_msi ? " (allow_unsafe_interrupts: its MSIs are not isolated)"
					      : "");
		break;
	}
	case ACT_NONE:
		break;
	}
	if (st->act_failed)
		fprintf(out, " -- FAILED: %s", st->act_detail);
}

/* Who owns what, and what the assignment checks decided. */
static void print_owners(FILE *out, const scenario_t *s)
{
	const platform_t *p = &s->platform;
	if (s->nowners <= 1 && !s->nassigns && !s->nsubdevs)
		return;
	fputs("\nowners:\n", out);
	for (unsigned o = 1; o < s->nowners; o++) {
		const vm_t *vm = &s->vms[o];
		fprintf(out, "  %s:", s->owners[o]);
		for (unsigned k = 0; k < vm->nram; k++)
			fprintf(out, "%s RAM GPA [0x%" PRIx64 "-0x%" PRIx64 "] at 0x%" PRIx64,
				k ? "," : "", vm->ram[k].gpa, vm->ram[k].gpa + vm->ram[k].size - 1,
				vm->ram[k].hpa);
		unsigned n = 0;
		for (uint32_t pe = 0; s->pe_owner && pe < p->gic.params.pes; pe++)
			if (s->pe_owner[pe] == o)
				fprintf(out, "%s%u", n++ ? ", " : vm->nram ? "; vCPUs on PEs " : " PEs ",
					pe);
		if (!vm->nram && !n)
			fputs(" no RAM, no PEs", out);
		fputc('\n', out);
	}
	for (uint32_t i = 0; i < s->nassigns; i++) {
		const assignment_t *a = &s->assigns[i];
		char bdf[16];
		platform_bdf(p, a->fn, bdf, sizeof bdf);
		fprintf(out, "  assign %s (%s, group %d) to %s: ", p->fabric.funcs[a->fn].name, bdf,
			s->have_groups ? s->groups.of[a->fn] : -1, s->owners[a->owner]);
		if (a->step >= 0)
			fprintf(out, "(hotplug, step %d) ", a->step + 1);
		if (a->refused)
			fprintf(out, "REFUSED (%s): %s", refusal_token(a->refused), a->why);
		else
			fprintf(out, "accepted%s%s", a->unsafe_msi ? " (allow_unsafe_interrupts: its MSIs "
								     "are not isolated)"
								   : "",
				a->unplugged ? "; unplugged later" : "");
		if (a->expect >= 0 && a->expect != (int)a->refused)
			fprintf(out, " -- expectation NOT MET: expected %s",
				refusal_token((refusal_t)a->expect));
		fputc('\n', out);
	}
	for (uint32_t i = 0; i < s->nsubdevs; i++) {
		const subdev_t *d = &s->subdevs[i];
		fprintf(out, "  sub-device %s to %s: PASID %u bound to domain %s", d->label,
			s->owners[d->owner], d->pasid, s->domains[d->domain].name);
		if (d->nims)
			fprintf(out, "; %u IMS entr%s, %s, interrupt writes %s", d->nims,
				d->nims == 1 ? "y" : "ies",
				!d->owner     ? "written by the host"
				: d->emulated ? "emulated (the VMM traps the guest's writes)"
					      : "in guest memory (the guest writes them)",
				d->pasid_tagged ? "PASID-tagged" : "untagged");
		fputc('\n', out);
	}
}

static int cmp_time(const void *a, const void *b)
{
	sim_time_t x = *(const sim_time_t *)a, y = *(const sim_time_t *)b;
	return x < y ? -1 : x > y;
}

bool time_quantiles(sim_time_t *v, uint32_t n, sim_time_t q[STREAM_QUANTILES])
{
	if (!n)
		return false;
	qsort(v, n, sizeof *v, cmp_time);
	/* Nearest rank: the smallest latency with at least q of the values at or below. */
	static const uint32_t per_mille[STREAM_QUANTILES - 2] = {500, 900, 990, 999};
	q[0] = v[0];
	for (int i = 0; i < STREAM_QUANTILES - 2; i++) {
		uint64_t rank = ((uint64_t)n * per_mille[i] + 999) / 1000;
		q[i + 1] = v[rank ? rank - 1 : 0];
	}
	q[STREAM_QUANTILES - 1] = v[n - 1];
	return true;
}

bool stream_percentiles(const stream_t *sm, sim_time_t q[STREAM_QUANTILES])
{
	sim_time_t *v = sm->done ? malloc(sm->done * sizeof *v) : NULL;
	if (!v)
		return false;
	memcpy(v, sm->lat, sm->done * sizeof *v);
	time_quantiles(v, sm->done, q);
	free(v);
	return true;
}

const char *const stream_quantile_names[STREAM_QUANTILES] = {"min", "p50",   "p90",
							     "p99", "p99.9", "max"};

uint64_t stream_rate(const stream_t *sm, uint64_t per)
{
	sim_time_t d = sm->end > sm->t0 ? sm->end - sm->t0 : 0;
	return d ? (uint64_t)sm->done * per / d : 0;
}

/* A stream's summary: outcomes, and its requests' latency distribution. */
static void print_stream(FILE *out, const stream_t *sm)
{
	if (sm->msi)
		fprintf(out, "    stream: %u MSI writes, %" PRIu64 " ns apart%s:", sm->done,
			(uint64_t)(sm->gap / SIM_NS), sm->background ? ", in the background" : "");
	else
		fprintf(out, "    stream: %u requests of %u bytes, %s over [0x%" PRIx64 ", +0x%" PRIx64 "):",
		sm->done, sm->size, sm->random ? "random" : "sequential", sm->base, sm->window);
	for (int o = 0; o <= EXP_STALLED; o++)
		if (sm->outcomes[o])
			fprintf(out, " %s %u", exp_outcome_token((exp_outcome_t)o), sm->outcomes[o]);
	fputc('\n', out);
	sim_time_t q[STREAM_QUANTILES];
	if (!stream_percentiles(sm, q))
		return;
	char t[STREAM_QUANTILES][32];
	for (int i = 0; i < STREAM_QUANTILES; i++)
		fmt_ns(t[i], sizeof t[i], q[i]);
	fprintf(out, "    latency: min %s, p50 %s, p90 %s, p99 %s, p99.9 %s, max %s\n", t[0], t[1],
		t[2], t[3], t[4], t[5]);
	/* Requests per second and MB/s (bytes per microsecond), integer arithmetic. */
	fprintf(out, "    throughput: %" PRIu64 " requests/s", stream_rate(sm, 1000000000000ull));
	if (!sm->msi)
		fprintf(out, ", %" PRIu64 " MB/s", stream_rate(sm, 1000000ull * sm->size));
	fputc('\n', out);
	if (!sm->translated)
		return;
	/* At the IOMMU: hit rates, table reads, and the mean time in each part. */
	char m[9][32];
	for (int k = 0; k < 9; k++)
		fmt_ns(m[k], sizeof m[k], sm->iommu_parts[k] / sm->translated);
	fprintf(out, "    iommu: %u translated; uTLB hits %u, TLB hits %u, misses %u; %" PRIu64
		     ".%02" PRIu64 " table reads per translation (+ %" PRIu64 " config reads)\n",
		sm->translated, sm->utlb_hits, sm->tlb_hits,
		sm->translated - sm->utlb_hits - sm->tlb_hits, sm->walk_reads / sm->translated,
		sm->walk_reads * 100 / sm->translated % 100, sm->config_reads);
	fprintf(out, "    iommu mean: uTLB %s, TLB %s, link %s, slot wait %s, config %s, walk wait "
		     "%s, walk %s, merged %s, response %s\n",
		m[0], m[1], m[2], m[3], m[4], m[5], m[6], m[7], m[8]);
}

/* Violations first: every broken invariant, by step. */
static void print_violations(FILE *out, const scenario_t *s)
{
	unsigned n = 0;
	for (uint32_t i = 0; i < s->nsteps; i++)
		n += s->steps[i].nviol;
	if (!n && s->nowners <= 1)
		return;
	fprintf(out, "\nisolation: %u violation%s\n", n, n == 1 ? "" : "s");
	for (uint32_t i = 0; i < s->nsteps; i++)
		for (unsigned k = 0; k < s->steps[i].nviol; k++)
			fprintf(out, "  [%u] %s: %s\n", i + 1, inv_token(s->steps[i].viol[k].kind),
				s->steps[i].viol[k].text);
}

void report_run_text(FILE *out, const scenario_t *s)
{
	const platform_t *p = &s->platform;
	fprintf(out, "scenario %s (%s) on platform %s\n", s->name, s->file, p->name);
	print_violations(out, s);
	print_owners(out, s);
	report_irq_setup_text(out, s);
	for (uint32_t i = 0; i < s->nsteps; i++) {
		const step_t *st = &s->steps[i];
		char tl[256], start[32], lat[32];
		tlp_format(tl, sizeof tl, &st->tlp);
		fmt_ns(start, sizeof start, st->start - s->t0);
		fmt_ns(lat, sizeof lat, st->end - st->start);
		fprintf(out, "\n[%u] %s  (line %u, t=%s)\n", i + 1, st->name, st->line, start);
		if (st->act != ACT_NONE) {
			fputs("    do: ", out);
			describe_action(out, s, st);
			fputc('\n', out);
			for (unsigned k = 0; k < st->nviol; k++)
				fprintf(out, "    VIOLATION (%s): %s\n", inv_token(st->viol[k].kind),
					st->viol[k].text);
			if (!st->expect.present && st->act_failed)
				fputs("    expectation: none, but the action FAILED (counted as not met)\n", out);
			else if (!st->expect.present && !st->met)
				fprintf(out, "    expectation: NOT MET: %s\n", st->mismatch);
			else if (!st->expect.present)
				fputs("    expectation: none\n", out);
			else if (st->met)
				fputs("    expectation: met\n", out);
			else
				fprintf(out, "    expectation: NOT MET: %s\n", st->mismatch);
			continue;
		}
		fprintf(out, "    from %s: %s%s\n",
			st->sub >= 0	  ? s->subdevs[st->sub].label
			: st->from >= 0 ? p->fabric.funcs[st->from].name
					: p->fabric.rcs[st->host_rc].name,
			tl, st->forged ? " (forged Requester ID)" : "");
		if (st->use_atc && st->atc_hit)
			fprintf(out, "      atc: hit, 0x%" PRIx64 " -> 0x%" PRIx64 ", sent translated\n",
				st->atc_va, st->tlp.address);
		else if (st->use_atc)
			fprintf(out, "      atc: miss for 0x%" PRIx64 ", sent untranslated\n", st->atc_va);
		print_hops(out, s, &st->route);
		if (st->has_iommu)
			print_iommu(out, s, st);
		if (st->has_reg)
			print_register_access(out, s, st);
		if (st->has_cpl) {
			fprintf(out, "    completion (%s):\n",
				st->cpl_status == TLP_CPL_SC   ? "successful"
				: st->cpl_status == TLP_CPL_CA ? "Completer Abort"
							       : "Unsupported Request");
			print_hops(out, s, &st->cpl);
		}
		fputs(st->stream ? "    last request's result: " : "    result: ", out);
		describe_end(out, s, st);
		fprintf(out, "; %s\n", lat);
		if (st->stream)
			print_stream(out, st->stream);
		report_irq_step_text(out, s, st);
		for (unsigned k = 0; k < st->nviol; k++)
			fprintf(out, "    VIOLATION (%s): %s\n", inv_token(st->viol[k].kind),
				st->viol[k].text);
		if (!st->expect.present && st->met)
			fputs("    expectation: none\n", out);
		else if (st->met)
			fputs("    expectation: met\n", out);
		else
			fprintf(out, "    expectation: NOT MET: %s\n", st->mismatch);
	}
	report_irq_tail_text(out, s);
	report_stats_text(out, s);
	if (s->expect.present) {
		const run_expect_t *e = &s->expect;
		unsigned total = 0;
		for (int k = 0; k < INV_KINDS; k++)
			total += e->got_viol[k];
		fprintf(out, "\nrun: %u violation%s (", total, total == 1 ? "" : "s");
		for (int k = 0; k < INV_KINDS; k++)
			fprintf(out, "%s%s %u", k ? ", " : "", inv_token((inv_kind_t)k), e->got_viol[k]);
		fprintf(out, "), %u interrupt%s taken, %" PRIu64 " IOMMU fault%s", s->ndeliveries,
			s->ndeliveries == 1 ? "" : "s", e->got_faults, e->got_faults == 1 ? "" : "s");
		for (int r = 1; r <= REFUSE_NO_IOMMU; r++)
			if (e->got_refusals[r])
				fprintf(out, ", %u refused %s", e->got_refusals[r],
					refusal_token((refusal_t)r));
		if (e->met)
			fprintf(out, "\n    run expectation (line %u): met\n", e->line);
		else
			fprintf(out, "\n    run expectation (line %u): NOT MET: %s\n", e->line,
				e->mismatch);
	}
	uint32_t met, not_met, none;
	scenario_tally(s, &met, &not_met, &none);
	fprintf(out, "\nsummary: %u step%s, %u expectation%s met, %u not met", s->nsteps,
		s->nsteps == 1 ? "" : "s", met, met == 1 ? "" : "s", not_met);
	if (none)
		fprintf(out, ", %u without expectation", none);
	fputc('\n', out);
}

static void json_route(jw_t *j, const scenario_t *s, const pcie_route_t *r)
{
	const platform_t *p = &s->platform;
	const pcie_fabric_t *f = &p->fabric;
	char bdf[16];
	jw_obj(j);
	static const char *const outs[] = {"delivered", "host", "blocked", "unsupported"};
	jw_kstr(j, "outcome", outs[r->outcome]);
	jw_key(j, "target");
	jw_str(j, r->target >= 0 ? f->funcs[r->target].name : NULL);
	jw_key(j, "bar");
	if (r->bar >= 0)
		jw_i64(j, r->bar);
	else
		jw_null(j);
	jw_key(j, "region");
	jw_str(j, r->region >= 0 ? f->regions[r->region].name : NULL);
	jw_key(j, "stopped_at");
	if (r->outcome == PCIE_OUT_BLOCKED || r->outcome == PCIE_OUT_UR)
		jw_str(j, node_name(f, r->at_node, r->rc));
	else
		jw_null(j);
	jw_kstr(j, "reason", pcie_why_token(r->why));
	jw_kbool(j, "redirected", r->redirected);
	jw_kbool(j, "p2p", r->p2p);
	tlp_format_bdf(bdf, sizeof bdf, 0, r->requester_id);
	jw_kstr(j, "requester_id", bdf + 5);
	jw_ku64(j, "latency_ps", r->latency);
	jw_kbool(j, "hops_truncated", r->truncated);
	jw_key(j, "hops");
	jw_arr(j);
	for (uint32_t h = 0; h < r->nhops; h++) {
		const pcie_hop_t *hp = &r->hops[h];
		jw_obj(j);
		jw_kstr(j, "node", node_name(f, hp->node, hp->rc));
		jw_key(j, "bdf");
		if (hp->node >= 0) {
			platform_bdf(p, hp->node, bdf, sizeof bdf);
			jw_str(j, bdf);
		} else {
			jw_null(j);
		}
		jw_kstr(j, "reason", pcie_why_token(hp->why));
		jw_key(j, "peer");
		jw_str(j, hp->peer >= 0 ? f->funcs[hp->peer].name : NULL);
		jw_ku64(j, "latency_ps", hp->latency);
		jw_obj_end(j);
	}
	jw_arr_end(j);
	jw_obj_end(j);
}

/* A step's expectation: null without one, unless the step's action failed (which counts as
 * not met, as in the summary). */
/* "smmu_register" (its false) or "its_register": the register access a request made. */
static void json_register(jw_t *j, const scenario_t *s, const step_t *st, bool its)
{
	jw_key(j, its ? "its_register" : "smmu_register");
	if (!st->has_reg || st->reg_its != its) {
		jw_null(j);
		return;
	}
	jw_obj(j);
	jw_kstr(j, its ? "its" : "smmu",
		its ? s->platform.gic.its[st->reg_smmu].name : s->platform.smmus[st->reg_smmu].name);
	jw_khex(j, "offset", st->reg_offset);
	jw_kbool(j, "write", st->reg_write);
	jw_kbool(j, "ignored", st->reg_ignored);
	jw_khex(j, "value", st->reg_value);
	jw_obj_end(j);
}

/* The invariants a step broke: which, by whom, how many times, and why. */
static void json_violations(jw_t *j, const step_t *st)
{
	jw_key(j, "violations");
	jw_arr(j);
	for (unsigned k = 0; k < st->nviol; k++) {
		jw_obj(j);
		jw_kstr(j, "invariant", inv_token(st->viol[k].kind));
		jw_kstr(j, "source", st->viol[k].source);
		jw_ku64(j, "count", st->viol[k].count);
		jw_kstr(j, "explanation", st->viol[k].text);
		jw_obj_end(j);
	}
	jw_arr_end(j);
}

static void json_expectation(jw_t *j, const step_t *st)
{
	jw_key(j, "expectation");
	/* No expectation: null, unless the step failed anyway (its action, or an isolation
	 * violation nobody expected). */
	if (!st->expect.present && !st->act_failed && (st->met || !st->ran)) {
		jw_null(j);
		return;
	}
	jw_obj(j);
	bool met = st->expect.present ? st->met : false;
	jw_kbool(j, "met", met);
	if (met)
		jw_kstr(j, "mismatch", NULL);
	else if (st->act_failed && !st->expect.present)
		jw_kstr(j, "mismatch", "the action failed");
	else
		jw_kstr(j, "mismatch", st->mismatch);
	jw_obj_end(j);
}

void report_run_json(FILE *out, const scenario_t *s)
{
	const platform_t *p = &s->platform;
	jw_t j;
	jw_init(&j, out);
	jw_obj(&j);
	jw_kstr(&j, "schema", "iofab-run/1");
	jw_key(&j, "scenario");
	jw_obj(&j);
	jw_kstr(&j, "name", s->name);
	jw_kstr(&j, "file", s->file);
	jw_obj_end(&j);
	jw_kstr(&j, "platform", p->name);
	jw_ku64(&j, "seed", s->seed);
	jw_key(&j, "run");
	jw_obj(&j);
	jw_key(&j, "violations");
	jw_obj(&j);
	for (int k = 0; k < INV_KINDS; k++)
		jw_ku64(&j, inv_token((inv_kind_t)k), s->expect.got_viol[k]);
	jw_obj_end(&j);
	jw_key(&j, "refusals");
	jw_obj(&j);
	for (int r = 1; r <= REFUSE_NO_IOMMU; r++)
		jw_ku64(&j, refusal_token((refusal_t)r), s->expect.got_refusals[r]);
	jw_obj_end(&j);
	jw_ku64(&j, "interrupts_taken", s->ndeliveries);
	jw_ku64(&j, "iommu_faults", s->expect.got_faults);
	jw_key(&j, "expectation");
	if (s->expect.present) {
		jw_obj(&j);
		jw_kbool(&j, "met", s->expect.met);
		jw_kstr(&j, "mismatch", s->expect.met ? NULL : s->expect.mismatch);
		jw_obj_end(&j);
	} else {
		jw_null(&j);
	}
	jw_obj_end(&j);
	jw_key(&j, "steps");
	jw_arr(&j);
	for (uint32_t i = 0; i < s->nsteps; i++) {
		const step_t *st = &s->steps[i];
		const tlp_t *t = &st->tlp;
		char bdf[16];
		jw_obj(&j);
		jw_ku64(&j, "index", i + 1);
		jw_kstr(&j, "name", st->name);
		jw_ku64(&j, "line", st->line);
		if (st->act != ACT_NONE) {
			jw_key(&j, "action");
			jw_obj(&j);
			jw_kstr(&j, "kind", st->act == ACT_PE_MASK && !st->act_value
						    ? "unmask"
						    : action_name(st->act));
			jw_kbool(&j, "failed", st->act_failed);
			jw_ku64(&j, "cerror", st->act_cerror);
			jw_key(&j, "events");
			jw_arr(&j);
			for (unsigned k = 0; k < st->act_nevents; k++) {
				jw_obj(&j);
				jw_kstr(&j, "event", smmu_event_name(st->act_events[k].id));
				jw_ku64(&j, "stream_id", st->act_events[k].sid);
				jw_khex(&j, "input_addr", st->act_events[k].input_addr);
				jw_kbool(&j, "stall", st->act_events[k].stall);
				jw_ku64(&j, "stag", st->act_events[k].stag);
				jw_obj_end(&j);
			}
			jw_arr_end(&j);
			report_irq_step_json(&j, s, st);
			if (st->act == ACT_MIGRATE && !st->mig_result && st->mig_irq) {
				jw_key(&j, "interrupts_remapped");
				jw_obj(&j);
				jw_ku64(&j, "vectors", st->mig_irq_total);
				jw_ku64(&j, "taken_by_vm", st->mig_irq_taken);
				jw_kstr(&j, "detail", st->mig_irq);
				jw_obj_end(&j);
			}
			jw_obj_end(&j);
			jw_ku64(&j, "start_ps", st->start - s->t0);
			jw_ku64(&j, "end_ps", st->end - s->t0);
			json_violations(&j, st);
			json_expectation(&j, st);
			jw_obj_end(&j);
			continue;
		}
		jw_kstr(&j, "from",
			st->from >= 0 ? p->fabric.funcs[st->from].name : p->fabric.rcs[st->host_rc].name);
		if (st->sub >= 0)
			jw_kstr(&j, "subdevice", s->subdevs[st->sub].name);
		jw_key(&j, "tlp");
		jw_obj(&j);
		jw_kstr(&j, "type", tlp_type_name(t->type));
		tlp_format_bdf(bdf, sizeof bdf, t->segment, t->requester_id);
		jw_kstr(&j, "requester_id", bdf);
		jw_kbool(&j, "forged", st->forged);
		jw_khex(&j, "address", t->address);
		jw_ku64(&j, "length", t->length);
		jw_kstr(&j, "at", tlp_at_name(t->at));
		jw_key(&j, "pasid");
		if (t->has_pasid)
			jw_u64(&j, t->pasid);
		else
			jw_null(&j);
		jw_obj_end(&j);
		json_register(&j, s, st, false);
		json_register(&j, s, st, true);
		jw_key(&j, "atc");
		if (st->use_atc) {
			jw_obj(&j);
			jw_kbool(&j, "hit", st->atc_hit);
			jw_khex(&j, "untranslated", st->atc_va);
			jw_obj_end(&j);
		} else {
			jw_null(&j);
		}
		jw_ku64(&j, "start_ps", st->start - s->t0);
		jw_ku64(&j, "end_ps", st->end - s->t0);
		jw_key(&j, "route");
		json_route(&j, s, &st->route);
		report_irq_step_json(&j, s, st);
		jw_key(&j, "stream");
		if (st->stream) {
			const stream_t *sm = st->stream;
			jw_obj(&j);
			jw_ku64(&j, "requests", sm->done);
			jw_kstr(&j, "kind", sm->msi ? "msi" : "dma");
			jw_kbool(&j, "background", sm->background);
			jw_ku64(&j, "size", sm->size);
			jw_kstr(&j, "pattern", sm->random ? "random" : "sequential");
			jw_khex(&j, "window_base", sm->base);
			jw_ku64(&j, "window_size", sm->window);
			jw_key(&j, "outcomes");
			jw_obj(&j);
			for (int o = 0; o <= EXP_STALLED; o++)
				if (sm->outcomes[o])
					jw_ku64(&j, exp_outcome_token((exp_outcome_t)o), sm->outcomes[o]);
			jw_obj_end(&j);
			sim_time_t q[STREAM_QUANTILES];
			if (stream_percentiles(sm, q)) {
				jw_key(&j, "latency_ps");
				jw_obj(&j);
				for (int q_i = 0; q_i < STREAM_QUANTILES; q_i++)
					jw_ku64(&j, stream_quantile_names[q_i], q[q_i]);
				jw_obj_end(&j);
			}
			jw_ku64(&j, "duration_ps", sm->end - sm->t0);
			jw_ku64(&j, "requests_per_s", stream_rate(sm, 1000000000000ull));
			jw_key(&j, "iommu");
			jw_obj(&j);
			jw_ku64(&j, "translated", sm->translated);
			jw_ku64(&j, "utlb_hits", sm->utlb_hits);
			jw_ku64(&j, "tlb_hits", sm->tlb_hits);
			jw_ku64(&j, "walk_reads", sm->walk_reads);
			jw_ku64(&j, "config_reads", sm->config_reads);
			static const char *const parts[9] = {"utlb", "tlb", "link", "tcu_queue",
							     "config", "walk_queue", "walk",
							     "merged", "response"};
			jw_key(&j, "sum_ps");
			jw_obj(&j);
			for (int k = 0; k < 9; k++)
				jw_ku64(&j, parts[k], sm->iommu_parts[k]);
			jw_obj_end(&j);
			jw_obj_end(&j);
			jw_obj_end(&j);
		} else {
			jw_null(&j);
		}
		json_violations(&j, st);
		jw_key(&j, "iommu");
		if (st->has_iommu) {
			const smmu_xlate_t *x = &st->iommu;
			const smmu_latency_t *l = &st->iommu_lat;
			jw_obj(&j);
			jw_kstr(&j, "smmu", s->platform.smmus[st->iommu_smmu].name);
			jw_ku64(&j, "stream_id", st->iommu_sid);
			jw_kstr(&j, "path", smmu_path_name(x->path));
			jw_kstr(&j, "outcome", x->outcome == SMMU_XLATE_OK	   ? "translated"
					       : x->outcome == SMMU_XLATE_FAULT ? "fault"
										: "abort");
			jw_key(&j, "event");
			jw_str(&j, x->event ? smmu_event_name(x->event) : NULL);
			jw_kbool(&j, "event_recorded", x->evt_recorded);
			jw_khex(&j, "pa", x->pa);
			jw_kbool(&j, "stalled", st->stalled);
			jw_key(&j, "stall_end");
			if (st->resumed) {
				const smmu_xlate_t *r = &st->resume_x;
				jw_obj(&j);
				jw_ku64(&j, "step", st->ended_by + 1);
				jw_kstr(&j, "result", r->stalled ? "stalled-again"
						      : r->outcome == SMMU_XLATE_OK ? "translated"
						      : st->resume_retried ? "faulted-again"
									   : "terminated");
				jw_khex(&j, "pa", r->pa);
				jw_obj_end(&j);
			} else {
				jw_null(&j);
			}
			jw_ku64(&j, "asid", x->asid);
			jw_ku64(&j, "vmid", x->vmid);
			jw_kbool(&j, "utlb_hit", l->utlb_hit);
			jw_kbool(&j, "tlb_hit", l->tlb_hit);
			jw_ku64(&j, "config_reads", l->config_reads);
			jw_ku64(&j, "walk_reads", l->walk_reads);
			jw_key(&j, "latency_ps");
			jw_obj(&j);
			jw_ku64(&j, "total", l->total);
			jw_ku64(&j, "utlb", l->utlb);
			jw_ku64(&j, "tlb", l->tlb);
			jw_ku64(&j, "link", l->link);
			jw_ku64(&j, "tcu_queue", l->tcu_queue);
			jw_ku64(&j, "config", l->config);
			jw_ku64(&j, "walk_queue", l->walk_queue);
			jw_ku64(&j, "walk", l->walk);
			jw_ku64(&j, "merged", l->merged);
			jw_ku64(&j, "response", l->response);
			jw_obj_end(&j);
			jw_obj_end(&j);
		} else {
			jw_null(&j);
		}
		jw_key(&j, "completion");
		if (st->has_cpl) {
			jw_obj(&j);
			jw_kstr(&j, "status", tlp_cpl_status_name(st->cpl_status));
			jw_key(&j, "route");
			json_route(&j, s, &st->cpl);
			jw_obj_end(&j);
		} else {
			jw_null(&j);
		}
		json_expectation(&j, st);
		jw_obj_end(&j);
	}
	jw_arr_end(&j);
	jw_key(&j, "assignments");
	jw_arr(&j);
	for (uint32_t i = 0; i < s->nassigns; i++) {
		const assignment_t *a = &s->assigns[i];
		jw_obj(&j);
		jw_kstr(&j, "function", p->fabric.funcs[a->fn].name);
		jw_kstr(&j, "to", s->owners[a->owner]);
		jw_kstr(&j, "result", refusal_token(a->refused));
		jw_kstr(&j, "message", a->refused ? a->why : NULL);
		jw_kbool(&j, "unsafe_interrupts", a->unsafe_msi);
		jw_key(&j, "hotplug_step");
		if (a->step >= 0)
			jw_u64(&j, (uint64_t)a->step + 1);
		else
			jw_null(&j);
		jw_kbool(&j, "unplugged", a->unplugged);
		jw_obj_end(&j);
	}
	jw_arr_end(&j);
	report_irq_json(&j, s);
	report_stats_json(&j, s);
	uint32_t met, not_met, none;
	scenario_tally(s, &met, &not_met, &none);
	jw_key(&j, "summary");
	jw_obj(&j);
	jw_ku64(&j, "steps", s->nsteps);
	jw_ku64(&j, "met", met);
	jw_ku64(&j, "not_met", not_met);
	jw_ku64(&j, "without_expectation", none);
	jw_obj_end(&j);
	jw_obj_end(&j);
}
