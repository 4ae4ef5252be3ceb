/* SPDX-License-Identifier: MIT */
/*
 * scenario_irq.c — a scenario's interrupts: who owns which PE, the MSI vectors the drivers
 * allocate for functions, MSI writes reaching a doorbell (an ITS's translation frame or a
 * GICv2m frame) and the interrupts PEs take, ITS command steps, and the expectations on all
 * of them. Format: docs/scenario-format.md.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenario_internal.h"
#include "trace.h"

const char *irq_state_name(irq_state_t s)
{
	switch (s) {
	case IRQ_DROPPED: return "dropped";
	case IRQ_PENDING: return "pending";
	case IRQ_DELIVERED: return "delivered";
	case IRQ_MERGED: return "merged";
	}
	return "?";
}

/* irq errors: an its_status_t, or 0x100 | gicv2m_result_t, or V2M_UNREACHABLE. */
#define IRQ_V2M 0x100
#define V2M_UNREACHABLE (IRQ_V2M | 0xff)

const char *scenario_irq_error_name(int code)
{
	if (code == V2M_UNREACHABLE)
		return "frame-unreachable";
	if (code & IRQ_V2M)
		return gicv2m_result_name((gicv2m_result_t)(code & 0xff));
	return its_status_name((its_status_t)code);
}

/* The PEs an owner's interrupts may target, as a mask (PEs 0..63). */
static uint64_t owner_mask(const scenario_t *s, int owner)
{
	uint64_t m = 0;
	for (uint32_t pe = 0; pe < s->platform.gic.params.pes && pe < 64; pe++)
		if (s->pe_owner[pe] == owner)
			m |= 1ull << pe;
	return m;
}

/* What a device writes to reach doorbell address pa: its IOVA in the MSI window when the
 * function's domain translates, else the physical address. */
static uint64_t device_address(const scenario_t *s, int32_t fn, int32_t dom, uint64_t pa)
{
	const platform_t *p = &s->platform;
	int si = system_smmu_of(&s->sys, p->fabric.funcs[fn].rc);
	if (si < 0 || p->smmus[si].msi_bypass || dom < 0)
		return pa;
	const iommu_domain_t *d = &s->domains[dom];
	uint64_t page = 1ull << d->pt.tt.granule_shift;
	for (unsigned i = 0; i < d->nmsi; i++) {
		uint64_t base = p->fabric.regions[d->msi_region[i]].base & ~(page - 1);
		if (pa >= base && pa - base < page)
			return d->msi_iova[i] + (pa - base);
	}
	return pa;
}

int scenario_irq_address(const scenario_t *s, const ycur_t *c, const char *fn, char **argv,
			 int argc, uint64_t *out)
{
	const platform_t *p = &s->platform;
	bool dev_fn = !strcmp(fn, "dt_l1") || !strcmp(fn, "dte") || !strcmp(fn, "itt");
	bool lpi = !strcmp(fn, "lpi"), pend = !strcmp(fn, "pending");
	if (!dev_fn && !lpi && !pend)
		return -1;
	if (!p->gic.present || !s->have_sys) {
		yerr(c, "%s() addresses an interrupt table, and platform '%s' has no GIC", fn, p->name);
		return 0;
	}
	if (argc != 1) {
		yerr(c, "%s() takes one argument", fn);
		return 0;
	}
	uint64_t n;
	if (lpi || pend) {
		if (yparse_u64(argv[0], true, &n) ||
		    (lpi && (n < GIC_LPI_FIRST || n >= (1ull << s->sys.gd.lpi_bits))) ||
		    (pend && n >= p->gic.params.pes)) {
			yerr(c, "%s() takes %s", fn,
			     lpi ? "an LPI INTID the configuration table covers" : "a PE number");
			return 0;
		}
		*out = lpi ? s->sys.gd.prop + (n - GIC_LPI_FIRST) : s->sys.gd.pend[n];
		return 1;
	}
	int32_t f = platform_find(p, argv[0]);
	if (f == PCIE_NONE) {
		yerr(c, "no function '%s' in platform '%s'", argv[0], p->name);
		return 0;
	}
	const pcie_func_t *pf = &p->fabric.funcs[f];
	int its = p->rc_its[pf->rc];
	if (its < 0) {
		yerr(c, "'%s' sends its MSIs to no ITS", argv[0]);
		return 0;
	}
	const its_drv_t *d = &s->sys.itsd[its];
	uint32_t devid = platform_device_id(p, pf->rc, pcie_func_id(pf));
	if (!strcmp(fn, "itt")) {
		for (uint32_t i = 0; i < d->ndevs; i++)
			if (d->devs[i].devid == devid) {
				*out = d->devs[i].itt;
				return 1;
			}
		yerr(c, "'%s' has no ITT (give it vectors under interrupts.vectors)", argv[0]);
		return 0;
	}
	uint64_t per = d->psz / GITS_DTE_SIZE;
	if (!strcmp(fn, "dt_l1")) {
		if (!d->dt_indirect) {
			yerr(c, "%s's device table is flat: it has no level-1 entries", p->gic.its[its].name);
			return 0;
		}
		*out = d->dt + devid / per * GITS_L1E_SIZE;
		return 1;
	}
	if (!d->dt_indirect) {
		*out = d->dt + (uint64_t)devid * GITS_DTE_SIZE;
		return 1;
	}
	uint32_t idx = (uint32_t)(devid / per);
	if (idx >= d->nl1 || !d->l2[idx]) {
		yerr(c, "'%s''s device table entry has no level-2 page yet (give it vectors)", argv[0]);
		return 0;
	}
	*out = d->l2[idx] + devid % per * GITS_DTE_SIZE;
	return 1;
}

static bool alloc_vectors(scenario_t *s, const ycur_t *c)
{
	static const char *const keys[] = {"function", "count", "owner", "controller", NULL};
	bool ok = ykeys(c, keys);
	const platform_t *p = &s->platform;
	ycur_t fc = yneed(c, "function"), nc = yget(c, "count"), oc = yget(c, "owner"),
	       cc = yget(c, "controller");
	uint32_t count = 1;
	ok &= yopt_u32(&nc, &count, 1, 2048);
	int32_t fn = fc.node ? scenario_func_ref(s, &fc) : PCIE_NONE;
	if (!ok || fn == PCIE_NONE)
		return false;
	/* By default the function's owner's (the host's, or the VM it is assigned to). */
	int owner = s->fn_owner[fn] == OWNER_UNBOUND ? 0 : s->fn_owner[fn];
	if (oc.node) {
		const char *t = ytext(&oc);
		owner = t ? scenario_owner(s, t) : -1;
		if (owner < 0) {
			yerr(&oc, "no owner '%s' (name it under vms or interrupts.owners, or use host)",
			     t ? t : "");
			return false;
		}
	}
	uint64_t mask = owner_mask(s, owner);
	if (!mask) {
		yerr(oc.node ? &oc : c, "owner '%s' has no PE among the first 64 to take interrupts",
		     s->owners[owner]);
		return false;
	}
	const pcie_func_t *f = &p->fabric.funcs[fn];
	int its = p->rc_its[f->rc];
	bool use_v2m = false;
	if (cc.node) {
		const char *t = ytext(&cc);
		its = -1;
		for (unsigned i = 0; t && i < p->gic.nits; i++)
			if (!strcmp(p->gic.its[i].name, t))
				its = (int)i;
		use_v2m = t && !strcmp(t, "v2m");
		if (its < 0 && !use_v2m) {
			yerr(&cc, "no ITS '%s' (expected an ITS's name, or v2m)", t ? t : "");
			return false;
		}
	} else if (its < 0) {
		use_v2m = true;
	}
	if (use_v2m && !p->gic.nv2m) {
		yerr(cc.node ? &cc : &fc, "'%s' has no MSI controller: its root complex sends MSIs to "
					  "no ITS and the platform has no GICv2m frame",
		     f->name);
		return false;
	}
	return scenario_alloc_vectors(s, fn, count, owner, use_v2m ? -1 : its, -1, c);
}

bool scenario_alloc_vectors(scenario_t *s, int32_t fn, uint32_t count, int owner, int its,
			    int sub, const ycur_t *c)
{
	const platform_t *p = &s->platform;
	const pcie_func_t *f = &p->fabric.funcs[fn];
	bool use_v2m = its < 0;
	uint64_t mask = owner_mask(s, owner);
	irq_vector_t *nv = realloc(s->vectors, (s->nvectors + count) * sizeof *nv);
	if (!nv)
		return false;
	s->vectors = nv;
	/* A function's vectors are numbered 0, 1, ...; a sub-device's IMS entries too. */
	uint32_t first_index = 0, on_device = 0;
	for (uint32_t i = 0; i < s->nvectors; i++)
		if (s->vectors[i].fn == fn) {
			on_device++;
			first_index += s->vectors[i].sub == sub;
		}
	its_drv_dev_t *dev = NULL;
	uint32_t devid = platform_device_id(p, f->rc, pcie_func_id(f));
	if (!use_v2m) {
		dev = its_drv_device(&s->sys.itsd[its], devid, on_device + count);
		if (!dev) {
			char e[48];
			uint32_t code = s->sys.itsd[its].last_error;
			yerr(c, "the ITS driver could not set up DeviceID 0x%x for '%s'%s%s%s", devid,
			     f->name, code ? " (" : " (kernel memory pool exhausted?)",
			     code ? its_error_name(code, e, sizeof e) : "", code ? ")" : "");
			return false;
		}
	}
	for (uint32_t k = 0; k < count; k++) {
		irq_vector_t *v = &s->vectors[s->nvectors];
		memset(v, 0, sizeof *v);
		v->fn = fn;
		v->index = first_index + k;
		v->owner = owner;
		v->sub = sub;
		if (!use_v2m) {
			int ev = its_drv_vector(&s->sys.itsd[its], dev, mask, &v->intid);
			if (ev < 0) {
				char e[48];
				uint32_t code = s->sys.itsd[its].last_error;
				if (code)
					yerr(c, "the ITS driver could not map vector %u of '%s' (%s)",
					     v->index, f->name, its_error_name(code, e, sizeof e));
				else if (sub >= 0)
					yerr(c, "the ITS driver could not allocate IMS entry %u of '%s': "
						"DeviceID 0x%x of '%s' was set up for %u vector%s (give "
						"the function no vectors under interrupts.vectors, or all of "
						"them in one line, before its sub-devices')",
					     v->index, s->subdevs[sub].name, devid, f->name, dev->nr_lpis,
					     dev->nr_lpis == 1 ? "" : "s");
				else
					yerr(c, "the ITS driver could not allocate vector %u of '%s': its "
						"device was set up for %u vector%s (give all its vectors in "
						"one line)",
					     v->index, f->name, dev->nr_lpis, dev->nr_lpis == 1 ? "" : "s");
				return false;
			}
			v->its = true;
			v->ctrl = its;
			v->devid = devid;
			v->event = (uint32_t)ev;
			v->cpu = dev->col[ev];
			v->pa = s->sys.itsd[its].pa + GITS_TRANSLATER;
			v->data = (uint32_t)ev;
		} else {
			unsigned cpu = 0;
			while (!(mask >> cpu & 1))
				cpu++;
			/* The first frame with room among those the function's root complex
			 * reaches (the frame its firmware names as MSI parent; all of them when
			 * every frame is reachable, as Linux assumes). */
			uint64_t reach = platform_v2m_reach(p, f->rc);
			uint32_t frame;
			v->intid = v2m_drv_alloc_in(&s->sys.v2md, 1, cpu, reach, &frame);
			if (!v->intid) {
				yerr(c, "no free SPI left in the GICv2m frames '%s' can reach", f->name);
				return false;
			}
			v->ctrl = (int)frame;
			v->cpu = cpu;
			v->pa = p->gic.v2m[frame].base + V2M_MSI_SETSPI_NS;
			v->data = v->intid;
		}
		v->address = device_address(s, fn,
					    sub >= 0 && s->subdevs[sub].pasid_tagged
						    ? s->subdevs[sub].domain
					    : s->attached ? s->attached[fn]
							  : ATTACH_NONE,
					    v->pa);
		v->set.address = v->address;
		v->set.data = v->data;
		v->set.cpu = v->cpu;
		s->nvectors++;
	}
	return true;
}

bool scenario_parse_interrupts(scenario_t *s, const ycur_t *c)
{
	const platform_t *p = &s->platform;
	if (p->gic.present)
		gic_set_deliver_client(s->sys.gic, scenario_irq_delivered, s);
	s->its_boot_cmds = calloc(p->gic.nits + 1, sizeof *s->its_boot_cmds);
	s->its_setup_cmds = calloc(p->gic.nits + 1, sizeof *s->its_setup_cmds);
	if (!s->its_boot_cmds || !s->its_setup_cmds)
		return false;
	for (unsigned i = 0; i < p->gic.nits; i++)
		s->its_boot_cmds[i] = s->its_setup_cmds[i] = s->sys.itsd[i].nlog;
	if (!c->node)
		return true;
	if (!p->gic.present) {
		yerr(c, "platform '%s' has no interrupt controller (add a 'gic' section to it)",
		     p->name);
		return false;
	}
	if (!yexpect_map(c))
		return false;
	static const char *const keys[] = {"owners", "vectors", NULL};
	bool ok = ykeys(c, keys);
	ycur_t ow = yget(c, "owners"), vs = yget(c, "vectors");
	if (ow.node && yexpect_map(&ow)) {
		for (size_t i = 0; i < ymap_len(&ow); i++) {
			ycur_t k = ymap_key(&ow, i), v = ymap_val(&ow, i);
			const char *name = ytext(&k);
			if (!name || !strcmp(name, "host") || strlen(name) >= sizeof s->owners[0] ||
			    s->nowners >= SCENARIO_MAX_OWNERS) {
				yerr(&k, "expected an owner's name (not host, at most 31 characters, at "
					 "most %d owners)",
				     SCENARIO_MAX_OWNERS - 1);
				ok = false;
				continue;
			}
			if (scenario_owner(s, name) >= 0) {
				yerr(&k, "duplicate owner name '%s'", name);
				ok = false;
				continue;
			}
			unsigned o = s->nowners++;
			snprintf(s->owners[o], sizeof s->owners[o], "%s", name);
			if (!yexpect_seq(&v)) {
				ok = false;
				continue;
			}
			for (size_t j = 0; j < ylen(&v); j++) {
				ycur_t e = yat(&v, j);
				uint64_t pe;
				if (!yu64(&e, &pe, 0, p->gic.params.pes - 1)) {
					ok = false;
				} else if (s->pe_owner[pe]) {
					yerr(&e, "PE %" PRIu64 " already belongs to '%s'", pe,
					     s->owners[s->pe_owner[pe]]);
					ok = false;
				} else {
					s->pe_owner[pe] = (uint8_t)o;
				}
			}
		}
	} else if (ow.node) {
		ok = false;
	}
	if (ok && vs.node && yexpect_seq(&vs)) {
		for (size_t i = 0; i < ylen(&vs) && ok; i++) {
			ycur_t e = yat(&vs, i);
			ok = yexpect_map(&e) && alloc_vectors(s, &e);
		}
	} else if (vs.node) {
		ok = false;
	}
	for (unsigned i = 0; i < p->gic.nits; i++)
		s->its_setup_cmds[i] = s->sys.itsd[i].nlog;
	return ok;
}

bool scenario_parse_msi(scenario_t *s, step_t *st, const ycur_t *c)
{
	uint64_t n;
	if (st->from < 0) {
		yerr(c, "'msi' raises a function's vector: the step needs 'from: FUNCTION'");
		return false;
	}
	if (!yu64(c, &n, 0, UINT32_MAX))
		return false;
	for (uint32_t i = 0; i < s->nvectors; i++) {
		const irq_vector_t *v = &s->vectors[i];
		if (v->fn != st->from || v->index != n || v->sub != st->sub)
			continue;
		st->msi_vector = (int)i;
		tlp_t *t = &st->tlp;
		memset(t, 0, sizeof *t);
		const pcie_fabric_t *f = &s->platform.fabric;
		t->type = TLP_MWR;
		t->requester_id = pcie_func_id(&f->funcs[st->from]);
		t->segment = f->rcs[f->funcs[st->from].rc].segment;
		scenario_msi_tlp(s, st);
		return true;
	}
	if (st->sub >= 0)
		yerr(c, "sub-device '%s' has no IMS entry %" PRIu64 " (it has %u: "
			"subdevices[].ims.entries)",
		     s->subdevs[st->sub].name, n, s->subdevs[st->sub].nims);
	else
		yerr(c, "'%s' has no vector %" PRIu64 " (allocate it under interrupts.vectors)",
		     s->platform.fabric.funcs[st->from].name, n);
	return false;
}

void scenario_msi_tlp(const scenario_t *s, step_t *st)
{
	const irq_vector_t *v = &s->vectors[st->msi_vector];
	tlp_t *t = &st->tlp;
	t->address = v->address;
	t->length = 4;
	for (int b = 0; b < 4; b++)
		t->data[b] = (uint8_t)(v->data >> (8 * b));
	/* A sub-device's interrupt write carries its PASID if the device tags them. */
	t->has_pasid = st->sub >= 0 && s->subdevs[st->sub].pasid_tagged;
	t->pasid = t->has_pasid ? s->subdevs[st->sub].pasid : 0;
}

static const struct {
	const char *name;
	uint8_t op;
} its_ops[] = {
	{"MOVI", GITS_CMD_MOVI},   {"INT", GITS_CMD_INT},     {"CLEAR", GITS_CMD_CLEAR},
	{"SYNC", GITS_CMD_SYNC},   {"MAPD", GITS_CMD_MAPD},   {"MAPC", GITS_CMD_MAPC},
	{"MAPTI", GITS_CMD_MAPTI}, {"MAPI", GITS_CMD_MAPI},   {"INV", GITS_CMD_INV},
	{"INVALL", GITS_CMD_INVALL}, {"MOVALL", GITS_CMD_MOVALL}, {"DISCARD", GITS_CMD_DISCARD},
};

static int parse_its_ref(const scenario_t *s, const ycur_t *c)
{
	const char *t = ytext(c);
	for (unsigned i = 0; t && i < s->platform.gic.nits; i++)
		if (!strcmp(s->platform.gic.its[i].name, t))
			return (int)i;
	yerr(c, "no ITS '%s' in platform '%s'", t ? t : "", s->platform.name);
	return -1;
}

/* A DeviceID: a number, or a function (its Requester ID through the platform's map). */
static bool parse_devid(const scenario_t *s, const ycur_t *c, uint32_t *out)
{
	uint64_t u;
	const char *t = ytext(c);
	if (t && yparse_u64(t, true, &u) == 0) {
		if (u > UINT32_MAX) {
			yerr(c, "a DeviceID has 32 bits");
			return false;
		}
		*out = (uint32_t)u;
		return true;
	}
	int32_t fn = scenario_func_ref(s, c);
	if (fn == PCIE_NONE)
		return false;
	const pcie_func_t *f = &s->platform.fabric.funcs[fn];
	*out = platform_device_id(&s->platform, f->rc, pcie_func_id(f));
	return true;
}

/* A redistributor target as the ITS's commands carry it (RDbase << 16), from a PE number. */
static bool parse_target(const scenario_t *s, int its, const ycur_t *c, uint64_t *out)
{
	uint64_t pe;
	if (!yu64(c, &pe, 0, 0xffff))
		return false;
	const its_drv_t *d = &s->sys.itsd[its];
	/* A PE that does not exist is encoded as PTA would name it: the ITS will refuse it. */
	if (pe < s->platform.gic.params.pes)
		*out = d->target[pe];
	else if (s->platform.gic.its[its].params.pta)
		*out = s->platform.gic.params.gicr_base + pe * GICR_FRAME_STRIDE;
	else
		*out = pe << 16;
	return true;
}

static bool parse_its_command(scenario_t *s, step_t *st, const ycur_t *c)
{
	if (!yexpect_map(c))
		return false;
	static const char *const keys[] = {"its",   "op",    "device", "event", "intid", "icid",
					   "size",  "itt",   "valid",  "pe",    "pe2",   "sync",
					   NULL};
	bool ok = ykeys(c, keys);
	ycur_t ic = yneed(c, "its"), oc = yneed(c, "op");
	if (!ic.node || !oc.node)
		return false;
	st->act_its = parse_its_ref(s, &ic);
	if (st->act_its < 0)
		return false;
	const char *on = ytext(&oc);
	int op = -1;
	for (size_t i = 0; on && i < sizeof its_ops / sizeof its_ops[0]; i++)
		if (!strcmp(its_ops[i].name, on))
			op = its_ops[i].op;
	if (op < 0) {
		yerr(&oc, "unknown ITS command '%s' (expected MAPD, MAPC, MAPTI, MAPI, INT, CLEAR, "
			  "DISCARD, INV, INVALL, MOVI, MOVALL or SYNC)",
		     on ? on : "");
		return false;
	}
	/* The keys each command takes. */
	const char *need;
	switch (op) {
	case GITS_CMD_MAPD: need = "device size itt valid"; break;
	case GITS_CMD_MAPC: need = "icid pe valid"; break;
	case GITS_CMD_MAPTI: need = "device event intid icid"; break;
	case GITS_CMD_MAPI: need = "device event icid"; break;
	case GITS_CMD_MOVI: need = "device event icid"; break;
	case GITS_CMD_INVALL: need = "icid"; break;
	case GITS_CMD_MOVALL: need = "pe pe2"; break;
	case GITS_CMD_SYNC: need = "pe"; break;
	default: need = "device event"; break; /* INT CLEAR DISCARD INV */
	}
	for (size_t i = 0; i < ymap_len(c); i++) {
		ycur_t k = ymap_key(c, i);
		const char *kn = ytext(&k);
		if (!kn || !strcmp(kn, "its") || !strcmp(kn, "op") || !strcmp(kn, "sync"))
			continue;
		const char *hit = strstr(need, kn);
		size_t l = strlen(kn);
		if (!hit || (hit[l] != ' ' && hit[l] != '\0') || (hit != need && hit[-1] != ' ')) {
			yerr(&k, "%s takes no '%s' (it takes: %s)", on, kn, need);
			ok = false;
		}
	}
	uint64_t *cmd = st->act_its_cmd;
	memset(cmd, 0, 4 * sizeof *cmd);
	cmd[0] = FIELD_PREP(GITS_CMD0_OPCODE, op);
	ycur_t f;
	uint32_t u32;
	uint64_t u;
	if ((f = yget(c, "device")).node) {
		if (parse_devid(s, &f, &u32))
			cmd[0] |= FIELD_PREP(GITS_CMD0_DEVICEID, u32);
		else
			ok = false;
	}
	if ((f = yget(c, "event")).node) {
		if (yu64(&f, &u, 0, UINT32_MAX))
			cmd[1] |= FIELD_PREP(GITS_CMD1_EVENTID, u);
		else
			ok = false;
	}
	if ((f = yget(c, "intid")).node) {
		if (yu64(&f, &u, 0, UINT32_MAX))
			cmd[1] |= FIELD_PREP(GITS_CMD1_PINTID, u);
		else
			ok = false;
	}
	if ((f = yget(c, "size")).node) {
		if (yu64(&f, &u, 0, 31))
			cmd[1] |= FIELD_PREP(GITS_CMD1_SIZE, u);
		else
			ok = false;
	}
	if ((f = yget(c, "icid")).node) {
		if (yu64(&f, &u, 0, 0xffff))
			cmd[2] |= FIELD_PREP(GITS_CMD2_ICID, u);
		else
			ok = false;
	}
	if ((f = yget(c, "itt")).node) {
		if (scenario_address(s, &f, &u))
			cmd[2] |= FIELD_PREP(GITS_CMD2_ITT_ADDR, u >> 8);
		else
			ok = false;
	}
	bool valid = true;
	if ((f = yget(c, "valid")).node)
		ok &= ybool(&f, &valid);
	if (op == GITS_CMD_MAPD || op == GITS_CMD_MAPC)
		cmd[2] |= FIELD_PREP(GITS_CMD2_VALID, valid);
	if ((f = yget(c, "pe")).node) {
		if (parse_target(s, st->act_its, &f, &u))
			cmd[2] |= FIELD_PREP(GITS_CMD2_RDBASE, u >> 16);
		else
			ok = false;
	}
	if ((f = yget(c, "pe2")).node) {
		if (parse_target(s, st->act_its, &f, &u))
			cmd[3] |= FIELD_PREP(GITS_CMD3_RDBASE2, u >> 16);
		else
			ok = false;
	}
	st->act_sync_pe = -1;
	if ((f = yget(c, "sync")).node) {
		if (yu64(&f, &u, 0, s->platform.gic.params.pes - 1))
			st->act_sync_pe = (int)u;
		else
			ok = false;
	}
	return ok;
}

/* set_affinity: { function: F, vector: N, pe: P } (as writing /proc/irq/N/smp_affinity). */
static bool parse_affinity(scenario_t *s, step_t *st, const ycur_t *c)
{
	st->act = ACT_AFFINITY;
	if (!yexpect_map(c))
		return false;
	static const char *const keys[] = {"function", "vector", "pe", NULL};
	bool ok = ykeys(c, keys);
	ycur_t fc = yneed(c, "function"), vc = yneed(c, "vector"), pc = yneed(c, "pe");
	uint32_t index = 0, pe = 0;
	ok &= vc.node && yopt_u32(&vc, &index, 0, UINT32_MAX);
	ok &= pc.node && yopt_u32(&pc, &pe, 0, s->platform.gic.params.pes - 1);
	st->act_fn = fc.node ? scenario_func_ref(s, &fc) : PCIE_NONE;
	if (!ok || st->act_fn == PCIE_NONE)
		return false;
	for (uint32_t i = 0; i < s->nvectors; i++)
		if (s->vectors[i].fn == st->act_fn && s->vectors[i].index == index &&
		    s->vectors[i].sub < 0) {
			st->act_addr = i;
			st->act_value = pe;
			return true;
		}
	yerr(&vc, "'%s' has no vector %u (allocate it under interrupts.vectors)",
	     s->platform.fabric.funcs[st->act_fn].name, index);
	return false;
}

bool scenario_irq_affinity(scenario_t *s, step_t *st)
{
	irq_vector_t *v = &s->vectors[st->act_addr];
	uint32_t pe = (uint32_t)st->act_value;
	st->act_sync_pe = (int)v->cpu; /* the PE it leaves, for the report */
	if (!v->its && v->cpu == pe)
		return false; /* already there */
	if (!v->its) {
		/* GICv2m: the SPI's route at the distributor (irq_set_affinity on the GIC). */
		gic_dist_write(s->sys.gic, GICD_IROUTER(v->intid),
			       FIELD_PREP(GICD_IROUTER_AFF0, pe & 0xff) |
				       FIELD_PREP(GICD_IROUTER_AFF1, pe >> 8),
			       8);
		v->cpu = pe;
		return false;
	}
	its_drv_t *d = &s->sys.itsd[v->ctrl];
	its_drv_dev_t *dev = NULL;
	for (uint32_t i = 0; i < d->ndevs && !dev; i++)
		if (d->devs[i].devid == v->devid)
			dev = &d->devs[i];
	uint32_t old = dev ? dev->col[v->event] : v->cpu;
	if (!dev || old == pe)
		return false;
	/* its_set_affinity(): MOVI, then a SYNC to the old collection's redistributor; the
	 * driver's collection map follows. The step ends when the ITS consumed both. */
	uint64_t c[4];
	its_cmd_movi(c, v->devid, v->event, pe);
	st->act_its = v->ctrl;
	st->act_sync_pe = (int)old;
	memcpy(st->act_its_cmd, c, sizeof c);
	if (its_drv_send(d, c, (int)old)) {
		st->act_failed = true;
		snprintf(st->act_detail, sizeof st->act_detail, "the ITS command queue is full");
		return false;
	}
	dev->col[v->event] = (uint16_t)pe;
	d->load[old]--;
	d->load[pe]++;
	v->cpu = pe;
	return true;
}

bool scenario_parse_irq_action(scenario_t *s, step_t *st, const char *kind, const ycur_t *v)
{
	if (!s->platform.gic.present) {
		yerr(v, "platform '%s' has no interrupt controller", s->platform.name);
		return false;
	}
	if (!strcmp(kind, "its_command")) {
		st->act = ACT_ITS_COMMAND;
		return parse_its_command(s, st, v);
	}
	if (!strcmp(kind, "its_retry")) {
		st->act = ACT_ITS_RETRY;
		st->act_its = parse_its_ref(s, v);
		return st->act_its >= 0;
	}
	if (!strcmp(kind, "set_affinity"))
		return parse_affinity(s, st, v);
	/* mask / unmask: PSTATE.I on a PE. */
	uint64_t pe;
	st->act = ACT_PE_MASK;
	st->act_value = !strcmp(kind, "mask");
	if (!yu64(v, &pe, 0, s->platform.gic.params.pes - 1))
		return false;
	st->act_addr = pe;
	return true;
}

bool scenario_parse_irq_expect(scenario_t *s, step_t *st, const ycur_t *c)
{
	expectation_t *e = &st->expect;
	if (!c) {
		e->irq = e->pe = e->owner = e->irq_error = e->its_error = e->its_stalled = -1;
		e->intid = e->delivery_ns = e->deliveries = -1;
		e->pes = 0;
		return true;
	}
	bool ok = true;
	ycur_t f;
	bool tlp = st->act == ACT_NONE,
	     itscmd = st->act == ACT_ITS_COMMAND || st->act == ACT_ITS_RETRY ||
		      st->act == ACT_AFFINITY;
	static const char *const tlp_only[] = {"interrupt", "intid", "pe", "owner",
					       "interrupt_error", "delivery_ns", "deliveries", "pes",
					       NULL};
	for (int i = 0; tlp_only[i]; i++)
		if (!tlp && (f = yget(c, tlp_only[i])).node &&
		    !(st->act == ACT_MIGRATE && !strcmp(tlp_only[i], "deliveries"))) {
			yerr(&f, "'%s' is expected of a step that sends an MSI", tlp_only[i]);
			ok = false;
		}
	static const char *const cmd_only[] = {"its_error", "its_stalled", NULL};
	for (int i = 0; cmd_only[i]; i++)
		if (!itscmd && (f = yget(c, cmd_only[i])).node) {
			yerr(&f, "'%s' is expected of an its_command, its_retry or set_affinity step",
			     cmd_only[i]);
			ok = false;
		}
	if (!ok)
		return false;
	uint64_t u;
	int v;
	if ((f = yget(c, "interrupt")).node) {
		static const char *const st_names[] = {"dropped", "pending", "delivered", "merged",
						       NULL};
		if (yenum(&f, st_names, &v))
			e->irq = v;
		else
			ok = false;
	}
	if ((f = yget(c, "intid")).node) {
		if (yu64(&f, &u, 0, UINT32_MAX))
			e->intid = (int64_t)u;
		else
			ok = false;
	}
	if ((f = yget(c, "pe")).node) {
		if (yu64(&f, &u, 0, 0xffff))
			e->pe = (int)u;
		else
			ok = false;
	}
	if ((f = yget(c, "owner")).node) {
		const char *t = ytext(&f);
		e->owner = t ? scenario_owner(s, t) : -1;
		if (e->owner < 0) {
			yerr(&f, "no owner '%s' (host, or one named under vms or interrupts.owners)",
			     t ? t : "");
			ok = false;
		}
	}
	if ((f = yget(c, "deliveries")).node) {
		if (yu64(&f, &u, 0, UINT32_MAX))
			e->deliveries = (int64_t)u;
		else
			ok = false;
	}
	if ((f = yget(c, "pes")).node) {
		if (!yexpect_seq(&f) || !ylen(&f)) {
			if (yis_seq(&f))
				yerr(&f, "expected a list of PE numbers (0-63), at least one");
			ok = false;
		}
		for (size_t i = 0; ok && i < ylen(&f); i++) {
			ycur_t pe = yat(&f, i);
			if (yu64(&pe, &u, 0, 63))
				e->pes |= 1ull << u;
			else
				ok = false;
		}
	}
	if ((f = yget(c, "delivery_ns")).node) {
		if (yu64(&f, &u, 0, 1000000000000ull))
			e->delivery_ns = (int64_t)u;
		else
			ok = false;
	}
	if ((f = yget(c, "interrupt_error")).node) {
		const char *t = ytext(&f);
		for (int code = ITS_DISABLED; t && code <= ITS_LPI_DROPPED; code++)
			if (!strcmp(t, its_status_name((its_status_t)code)))
				e->irq_error = code;
		for (int r = V2M_OUT_OF_RANGE; t && r <= V2M_SPI_DROPPED; r++)
			if (!strcmp(t, gicv2m_result_name((gicv2m_result_t)r)))
				e->irq_error = IRQ_V2M | r;
		if (t && !strcmp(t, "frame-unreachable"))
			e->irq_error = V2M_UNREACHABLE;
		if (t && !strcmp(t, "none"))
			e->irq_error = 0;
		if (e->irq_error < 0) {
			yerr(&f, "unknown interrupt error '%s' (expected none, an ITS's: "
				 "its-disabled, device-out-of-range, unmapped-device, event-out-of-range, "
				 "unmapped-interrupt, unmapped-collection, table-abort, lpi-dropped; or a "
				 "GICv2m frame's: spi-out-of-range, not-the-doorbell, spi-not-implemented, "
				 "frame-unreachable)",
			     t ? t : "");
			ok = false;
		}
	}
	if ((f = yget(c, "its_error")).node) {
		const char *t = ytext(&f);
		if (t && !strcmp(t, "none"))
			e->its_error = 0;
		/* Every name its_error_name() can give: command x reason. */
		for (size_t i = 0; t && e->its_error < 0 && i < sizeof its_ops / sizeof its_ops[0]; i++)
			for (unsigned r = 1; r <= 0xff; r++) {
				char b[48];
				uint32_t code = ITS_ERR(its_ops[i].op, r);
				if (!strcmp(its_error_name(code, b, sizeof b), t) && strstr(b, "?") == NULL) {
					e->its_error = (int)code;
					break;
				}
			}
		if (e->its_error < 0) {
			yerr(&f, "unknown ITS command error '%s' (expected none, or a name such as "
				 "MAPTI_UNMAPPED_DEVICE, MAPD_DEVICE_OOR, INT_UNMAPPED_INTERRUPT)",
			     t ? t : "");
			ok = false;
		}
	}
	if ((f = yget(c, "its_stalled")).node) {
		bool b;
		if (ybool(&f, &b))
			e->its_stalled = b;
		else
			ok = false;
	}
	return ok;
}

/* --- running -------------------------------------------------------------------------------- */

void scenario_msi(scenario_t *s, step_t *st, uint32_t idx, const tlp_t *t)
{
	const platform_t *p = &s->platform;
	const pcie_route_t *r = &st->route;
	if (!p->gic.present || t->type != TLP_MWR || r->outcome != PCIE_OUT_HOST ||
	    r->region == PCIE_NONE || st->from < 0)
		return;
	sim_time_t at = st->start + r->latency;
	uint64_t tag = (uint64_t)idx + 1;
	uint32_t data = (uint32_t)mem_le64(t->data);
	if (t->length < 4)
		data &= t->length == 2 ? 0xffffu : 0xffu;
	for (unsigned i = 0; i < p->gic.nits; i++) {
		if (p->gic.its[i].doorbell != r->region)
			continue;
		st->has_msi = true;
		st->msi_its = true;
		st->msi_data = data;
		st->msi_at = at;
		if (t->address != p->gic.its[i].base + GITS_TRANSLATER ||
		    (t->length != 2 && t->length != 4)) {
			st->msi_ctrl = (int)i;
			st->msi_ignored = true; /* elsewhere in the translation frame: ignored */
			return;
		}
		st->msi_ctrl = (int)i;
		st->msi_devid = platform_device_id(p, r->rc, r->requester_id);
		st->msi_data = data;
		st->msi_at = at;
		its_msi(s->sys.its[i], st->msi_devid, data, tag, at, &st->msi_x);
		return;
	}
	for (unsigned i = 0; i < p->gic.nv2m; i++) {
		const platform_v2m_t *v = &p->gic.v2m[i];
		if (v->region != r->region)
			continue;
		st->has_msi = true;
		st->msi_its = false;
		st->msi_ctrl = (int)i;
		st->msi_data = data;
		st->msi_at = at;
		if (r->rc < 64 && !(v->rcs >> r->rc & 1)) {
			st->msi_v2m = V2M_UNREACHABLE & 0xff; /* see irq_error() */
			return;
		}
		st->msi_v2m = gicv2m_write(&s->sys.v2m[i], (uint32_t)(t->address - v->base), data,
					   t->length, tag, at);
		return;
	}
}

void scenario_irq_delivered(void *ctx, const gic_delivery_t *d)
{
	scenario_t *s = ctx;
	if (s->ndeliveries == s->capdeliveries) {
		uint32_t cap = s->capdeliveries ? 2 * s->capdeliveries : 64;
		gic_delivery_t *n = realloc(s->deliveries, cap * sizeof *n);
		if (!n)
			return;
		s->deliveries = n;
		s->capdeliveries = cap;
	}
	s->deliveries[s->ndeliveries++] = *d;
	trace_delivery(s, d);
	if (d->tag && d->tag <= s->nsteps) {
		step_t *st = &s->steps[d->tag - 1];
		if (!st->delivered)
			st->delivery = *d;
		st->delivered = true;
		st->ndelivered++;
	}
}

/* The step's irq error code (0 when the controller raised the interrupt). */
int scenario_irq_error(const step_t *st)
{
	if (st->msi_ignored)
		return IRQ_V2M | V2M_NOT_DOORBELL;
	if (st->msi_its)
		return (int)st->msi_x.status;
	if ((st->msi_v2m | IRQ_V2M) == V2M_UNREACHABLE)
		return V2M_UNREACHABLE;
	return st->msi_v2m == V2M_RAISED || st->msi_v2m == V2M_MERGED ? 0 : IRQ_V2M | st->msi_v2m;
}

irq_state_t scenario_irq_state(const step_t *st)
{
	if (st->delivered)
		return IRQ_DELIVERED;
	if (st->has_msi && (st->msi_its ? st->msi_x.status == ITS_OK && st->msi_x.raise == GIC_MERGED
					: st->msi_v2m == V2M_MERGED))
		return IRQ_MERGED;
	return st->has_msi && !scenario_irq_error(st) ? IRQ_PENDING : IRQ_DROPPED;
}

void scenario_irq_check(const scenario_t *s, const step_t *st, char *buf, size_t size)
{
	const expectation_t *e = &st->expect;
	if (e->irq < 0 && e->intid < 0 && e->pe < 0 && e->owner < 0 && e->irq_error < 0 &&
	    e->delivery_ns < 0 && e->its_error < 0 && e->its_stalled < 0 && e->deliveries < 0 &&
	    !e->pes)
		return;
	if (st->act == ACT_MIGRATE) {
		/* The VM's vectors, re-mapped on the destination and raised once each. */
		if (e->deliveries >= 0 && st->mig_irq_taken != (uint64_t)e->deliveries)
			scenario_appendf(buf, size, "expected %" PRId64 " of the VM's interrupts taken "
					 "by its vCPUs on the destination, got %u (of %u); ",
					 e->deliveries, st->mig_irq_taken, st->mig_irq_total);
		return;
	}
	if (e->deliveries >= 0 || e->pes) {
		/* Every interrupt taken for the step (a stream's requests all carry its tag). */
		uint64_t tag = (uint64_t)(st - s->steps) + 1, pes = 0;
		uint32_t n = 0;
		for (uint32_t i = 0; i < s->ndeliveries; i++)
			if (s->deliveries[i].tag == tag) {
				n++;
				if (s->deliveries[i].pe < 64)
					pes |= 1ull << s->deliveries[i].pe;
			}
		if (e->deliveries >= 0 && n != (uint64_t)e->deliveries)
			scenario_appendf(buf, size, "expected %" PRId64 " interrupt%s taken, got %u; ",
					 e->deliveries, e->deliveries == 1 ? "" : "s", n);
		if (e->pes && pes != e->pes) {
			char want[160] = "", got[160] = "";
			for (unsigned k = 0; k < 64; k++) {
				if (e->pes >> k & 1)
					scenario_appendf(want, sizeof want, "%s%u", want[0] ? ", " : "", k);
				if (pes >> k & 1)
					scenario_appendf(got, sizeof got, "%s%u", got[0] ? ", " : "", k);
			}
			scenario_appendf(buf, size, "expected PEs [%s] to take them, got [%s]; ", want,
					 got);
		}
	}
	if (st->act == ACT_ITS_COMMAND || st->act == ACT_ITS_RETRY || st->act == ACT_AFFINITY) {
		char a[48], b[48];
		if (e->its_error >= 0 && (uint32_t)e->its_error != st->act_its_code)
			scenario_appendf(buf, size, "expected ITS command error %s, got %s; ",
					 e->its_error ? its_error_name((uint32_t)e->its_error, a, sizeof a)
						      : "none",
					 st->act_its_code ? its_error_name(st->act_its_code, b, sizeof b)
							  : "none");
		if (e->its_stalled >= 0 && st->act_its_stalled != (bool)e->its_stalled)
			scenario_appendf(buf, size, "expected the ITS queue %s, it %s; ",
					 e->its_stalled ? "stalled" : "not stalled",
					 st->act_its_stalled ? "stalled" : "did not stall");
		return;
	}
	if (!st->has_msi) {
		scenario_appendf(buf, size, "expected an MSI, but the write reached no doorbell; ");
		return;
	}
	irq_state_t got = scenario_irq_state(st);
	if (e->irq >= 0 && (int)got != e->irq)
		scenario_appendf(buf, size, "expected the interrupt %s, it was %s; ",
				 irq_state_name((irq_state_t)e->irq), irq_state_name(got));
	if (e->irq_error >= 0 && scenario_irq_error(st) != e->irq_error)
		scenario_appendf(buf, size, "expected interrupt error %s, got %s; ",
				 e->irq_error ? scenario_irq_error_name(e->irq_error) : "none",
				 scenario_irq_error(st) ? scenario_irq_error_name(scenario_irq_error(st)) : "none");
	const gic_delivery_t *d = st->delivered ? &st->delivery : NULL;
	if (e->intid >= 0 && (!d || d->intid != (uint64_t)e->intid)) {
		if (d)
			scenario_appendf(buf, size, "expected INTID %" PRId64 ", got %u; ", e->intid,
					 d->intid);
		else
			scenario_appendf(buf, size, "expected INTID %" PRId64 ", nothing delivered; ",
					 e->intid);
	}
	if (e->pe >= 0 && (!d || d->pe != (uint32_t)e->pe)) {
		if (d)
			scenario_appendf(buf, size, "expected PE %d, got PE %u; ", e->pe, d->pe);
		else
			scenario_appendf(buf, size, "expected PE %d, nothing delivered; ", e->pe);
	}
	if (e->owner >= 0 && (!d || s->pe_owner[d->pe] != e->owner))
		scenario_appendf(buf, size, "expected owner %s, got %s; ", s->owners[e->owner],
				 d ? s->owners[s->pe_owner[d->pe]] : "nobody");
	if (e->delivery_ns >= 0 &&
	    (!d || (int64_t)((d->taken_at - st->start) / SIM_NS) != e->delivery_ns)) {
		if (d)
			scenario_appendf(buf, size, "expected delivery after %" PRId64 " ns, got %" PRIu64
					 " ns; ",
					 e->delivery_ns, (uint64_t)((d->taken_at - st->start) / SIM_NS));
		else
			scenario_appendf(buf, size, "expected delivery after %" PRId64
					 " ns, nothing delivered; ",
					 e->delivery_ns);
	}
}
