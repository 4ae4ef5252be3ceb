/* SPDX-License-Identifier: MIT */
/*
 * scenario_siov.c — Scalable IOV sub-devices (Assignable Device Interfaces): a PASID of a
 * function the host's driver keeps, given to the host or to a VM, and the interrupt messages
 * it stores in IMS (Interrupt Message Store) entries.
 *
 * The host's driver binds each sub-device's PASID to its owner's IOMMU domain (the VM's,
 * IOVA = GPA) and allocates its IMS entries from the function's MSI controller: on an ITS,
 * events of the function's DeviceID, since the ITS knows no PASID (GICv3 §5.2: an MSI is
 * identified by DeviceID and EventID alone). Who then writes the entries decides isolation
 * (the four cases of DOMAIN.md §3): the host (bare metal, or a VMM that traps the guest's
 * writes and keeps its own messages: storage emulated) or the owner directly (storage guest:
 * the entries sit in memory the guest writes, and the device sends whatever is there).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenario_internal.h"

int scenario_subdev(const scenario_t *s, const char *name)
{
	for (uint32_t i = 0; name && i < s->nsubdevs; i++)
		if (!strcmp(s->subdevs[i].name, name))
			return (int)i;
	return -1;
}

/* One entry of `subdevices` (checked; the IOMMU and IMS set-up comes after all of them). */
static bool parse_one(scenario_t *s, const ycur_t *e, subdev_t *d)
{
	const platform_t *p = &s->platform;
	if (!yexpect_map(e))
		return false;
	static const char *const keys[] = {"name", "function", "pasid", "owner", "ims", NULL};
	bool ok = ykeys(e, keys);
	ycur_t nm = yneed(e, "name"), fc = yneed(e, "function"), pc = yneed(e, "pasid"),
	       oc = yneed(e, "owner"), ic = yget(e, "ims");
	memset(d, 0, sizeof *d);
	d->line = yline(e);
	d->domain = -1;
	const char *name = ytext(&nm);
	if (!nm.node || !name || !*name || strlen(name) >= sizeof d->name || !strncmp(name, "host", 4)) {
		if (nm.node)
			yerr(&nm, "expected a sub-device name (at most 31 characters, not host...)");
		return false;
	}
	for (uint32_t f = 0; f < p->fabric.nfuncs; f++)
		if (!strcmp(p->fabric.funcs[f].name, name)) {
			yerr(&nm, "'%s' is a function's name: give the sub-device another", name);
			return false;
		}
	if (scenario_subdev(s, name) >= 0) {
		yerr(&nm, "duplicate sub-device name '%s'", name);
		return false;
	}
	snprintf(d->name, sizeof d->name, "%s", name);
	d->fn = fc.node ? scenario_func_ref(s, &fc) : PCIE_NONE;
	if (!ok || d->fn == PCIE_NONE || !pc.node || !oc.node)
		return false;
	const pcie_func_t *f = &p->fabric.funcs[d->fn];
	int si = system_smmu_of(&s->sys, f->rc);
	unsigned bits = si < 0 ? 0
			: f->pasid_width < p->smmus[si].params.ssidsize ? f->pasid_width
								       : p->smmus[si].params.ssidsize;
	if (!f->has_pasid || !bits) {
		yerr(&fc, "'%s' cannot have sub-devices: they are PASIDs, which need a PASID capability "
			  "and an SMMU with SubstreamIDs in front of it",
		     f->name);
		return false;
	}
	if (!yopt_u32(&pc, &d->pasid, 1, (1u << bits) - 1))
		return false;
	for (uint32_t i = 0; i < s->nsubdevs; i++)
		if (s->subdevs[i].fn == d->fn && s->subdevs[i].pasid == d->pasid) {
			yerr(&pc, "PASID %u of '%s' is sub-device '%s' already", d->pasid, f->name,
			     s->subdevs[i].name);
			return false;
		}
	if (s->pasid_bound && s->pasid_bound[d->fn]) {
		yerr(&fc, "'%s' has PASIDs bound under iommu.attach: bind its PASIDs there or as "
			  "sub-devices, not both",
		     f->name);
		return false;
	}
	if (s->fn_owner[d->fn] != 0) {
		yerr(&fc, "'%s' is assigned to %s: a function's sub-devices are made by its driver on "
			  "the host, which must keep it",
		     f->name, s->fn_owner[d->fn] == OWNER_UNBOUND ? "VFIO"
							   : s->owners[s->fn_owner[d->fn]]);
		return false;
	}
	const char *ot = ytext(&oc);
	d->owner = ot ? scenario_owner(s, ot) : -1;
	if (d->owner < 0 || (d->owner > 0 && !s->vms[d->owner].line)) {
		yerr(&oc, "expected host or a VM's name (under vms), got '%s'", ot ? ot : "");
		return false;
	}
	snprintf(d->label, sizeof d->label, "%s [%s PASID %u]", d->name, f->name, d->pasid);
	if (ic.node) {
		if (!p->gic.present) {
			yerr(&ic, "platform '%s' has no interrupt controller", p->name);
			return false;
		}
		if (!yexpect_map(&ic))
			return false;
		static const char *const ik[] = {"entries", "storage", "pasid_tagged", NULL};
		ok &= ykeys(&ic, ik);
		ycur_t en = yget(&ic, "entries"), sc = yget(&ic, "storage"),
		       tc = yget(&ic, "pasid_tagged");
		d->nims = 1;
		ok &= yopt_u32(&en, &d->nims, 1, 2048);
		ok &= yopt_bool(&tc, &d->pasid_tagged);
		d->emulated = true;
		if (sc.node) {
			static const char *const kinds[] = {"emulated", "guest", NULL};
			int v;
			if (yenum(&sc, kinds, &v))
				d->emulated = v == 0;
			else
				ok = false;
		}
	}
	return ok;
}

/* The domain the sub-device's PASID is bound to: its VM's, or the function's own (host). */
static bool bind_domain(scenario_t *s, subdev_t *d, const ycur_t *at)
{
	const pcie_func_t *f = &s->platform.fabric.funcs[d->fn];
	int si = system_smmu_of(&s->sys, f->rc);
	int32_t own = s->attached[d->fn];
	if (d->nims && !d->pasid_tagged && !s->platform.smmus[si].msi_bypass &&
	    own != ATTACH_BYPASS && (own < 0 || s->domains[own].parent >= 0)) {
		yerr(at, "sub-device '%s''s interrupt writes carry no PASID, so they go through "
			 "'%s''s own domain, which has no MSI window (options.host_iommu: translated, "
			 "or ims.pasid_tagged: true)",
		     d->name, f->name);
		return false;
	}
	if (d->owner == 0) {
		int32_t dom = s->attached[d->fn];
		if (dom < 0 || s->domains[dom].stage != 1 || s->domains[dom].parent >= 0) {
			yerr(at, "host sub-device '%s' shares the kernel's DMA domain of '%s', which has "
				 "none to share (options.host_iommu: translated, or attach '%s' to a "
				 "stage-1 domain)",
			     d->name, f->name, f->name);
			return false;
		}
		d->domain = dom;
		return true;
	}
	d->domain = scenario_vm_domain(s, d->owner, d->fn, at);
	if (d->domain < 0)
		return false;
	if (s->domains[d->domain].stage != 1) {
		yerr(at, "a PASID is bound to a stage-1 domain, and the SMMU of '%s' has no stage 1",
		     f->name);
		return false;
	}
	return scenario_prepare_domain(s, d->fn, d->domain, at);
}

/* Whether sub-device i is its function's first. */
static bool first_of_function(const scenario_t *s, uint32_t i)
{
	for (uint32_t j = 0; j < i; j++)
		if (s->subdevs[j].fn == s->subdevs[i].fn)
			return false;
	return true;
}

bool scenario_parse_subdevs(scenario_t *s, const ycur_t *c)
{
	if (!c->node)
		return true;
	if (!yexpect_seq(c))
		return false;
	size_t n = ylen(c);
	s->subdevs = calloc(n ? n : 1, sizeof *s->subdevs);
	if (!s->subdevs) {
		yerr(c, "out of memory");
		return false;
	}
	bool ok = true;
	for (size_t i = 0; i < n && ok; i++) {
		ycur_t e = yat(c, i);
		subdev_t d;
		ok = parse_one(s, &e, &d) && bind_domain(s, &d, &e);
		if (ok)
			s->subdevs[s->nsubdevs++] = d;
	}
	/* Each function's STE once, with every PASID of its sub-devices. */
	for (uint32_t i = 0; i < s->nsubdevs && ok; i++) {
		ycur_t e = yat(c, i);
		if (first_of_function(s, i))
			ok = scenario_attach_subdevs(s, s->subdevs[i].fn, &e);
	}
	/* The IMS entries: vectors of the function's MSI controller, for the owner's PEs. On an
	 * ITS, the function's device is made for all its sub-devices' entries at once (one ITT
	 * and LPI range per DeviceID). */
	const platform_t *p = &s->platform;
	for (uint32_t i = 0; i < s->nsubdevs && ok; i++) {
		const pcie_func_t *f = &p->fabric.funcs[s->subdevs[i].fn];
		int its = p->rc_its[f->rc];
		if (its < 0 || !first_of_function(s, i))
			continue;
		uint32_t total = 0;
		for (uint32_t j = i; j < s->nsubdevs; j++)
			if (s->subdevs[j].fn == s->subdevs[i].fn)
				total += s->subdevs[j].nims;
		if (!total)
			continue;
		for (uint32_t v = 0; v < s->nvectors; v++)
			total += s->vectors[v].fn == s->subdevs[i].fn;
		uint32_t devid = platform_device_id(p, f->rc, pcie_func_id(f));
		if (!its_drv_device(&s->sys.itsd[its], devid, total)) {
			ycur_t e = yat(c, i);
			yerr(&e, "the ITS driver could not set up DeviceID 0x%x for '%s''s sub-devices",
			     devid, f->name);
			return false;
		}
	}
	for (uint32_t i = 0; i < s->nsubdevs && ok; i++) {
		subdev_t *d = &s->subdevs[i];
		if (!d->nims)
			continue;
		ycur_t e = yat(c, i);
		bool has_pe = false;
		for (uint32_t pe = 0; pe < p->gic.params.pes && pe < 64; pe++)
			has_pe |= s->pe_owner[pe] == d->owner;
		if (!has_pe) {
			yerr(&e, "owner '%s' has no PE among the first 64 to take sub-device '%s''s "
				 "interrupts",
			     s->owners[d->owner], d->name);
			return false;
		}
		ok = scenario_alloc_vectors(s, d->fn, d->nims, d->owner,
					    p->rc_its[p->fabric.funcs[d->fn].rc], (int)i, &e);
	}
	for (unsigned i = 0; ok && i < p->gic.nits; i++)
		s->its_setup_cmds[i] = s->sys.itsd[i].nlog;
	return ok;
}

/* ims_write: { subdevice: S, entry: N, address: A, data: D } — S's owner writes an entry. */
bool scenario_parse_ims_write(scenario_t *s, step_t *st, const ycur_t *c)
{
	st->act = ACT_IMS_WRITE;
	if (!yexpect_map(c))
		return false;
	static const char *const keys[] = {"subdevice", "entry", "address", "data", NULL};
	bool ok = ykeys(c, keys);
	ycur_t sc = yneed(c, "subdevice"), ec = yneed(c, "entry"), ac = yneed(c, "address"),
	       dc = yneed(c, "data");
	if (!ok || !sc.node || !ec.node || !ac.node || !dc.node)
		return false;
	st->act_owner = scenario_subdev(s, ytext(&sc));
	if (st->act_owner < 0) {
		yerr(&sc, "no sub-device '%s' (define it under subdevices)", ytext(&sc) ? ytext(&sc) : "");
		return false;
	}
	const subdev_t *d = &s->subdevs[st->act_owner];
	uint32_t entry, data;
	if (!yopt_u32(&ec, &entry, 0, UINT32_MAX) || !scenario_address(s, &ac, &st->act_addr) ||
	    !yopt_u32(&dc, &data, 0, UINT32_MAX))
		return false;
	st->act_value = data;
	for (uint32_t i = 0; i < s->nvectors; i++)
		if (s->vectors[i].sub == st->act_owner && s->vectors[i].index == entry) {
			st->act_len = i;
			return true;
		}
	yerr(&ec, "sub-device '%s' has no IMS entry %u (it has %u: subdevices[].ims.entries)",
	     d->name, entry, d->nims);
	return false;
}

void scenario_ims_write(scenario_t *s, step_t *st)
{
	const subdev_t *d = &s->subdevs[st->act_owner];
	irq_vector_t *v = &s->vectors[st->act_len];
	if (d->owner != 0 && d->emulated) {
		/* The VMM traps the write: the guest's message is an ABI token, the entry keeps
		 * the host's (as MSI-X tables of assigned devices are emulated today). */
		snprintf(st->act_detail, sizeof st->act_detail,
			 "trapped by the VMM (emulated storage): the entry keeps the host's message, "
			 "0x%" PRIx64 " <- %u",
			 v->address, v->data);
		return;
	}
	v->address = st->act_addr;
	v->data = (uint32_t)st->act_value;
	snprintf(st->act_detail, sizeof st->act_detail,
		 "the entry now holds 0x%" PRIx64 " <- %u (%s writes it directly)", v->address, v->data,
		 d->owner ? "the guest" : "the host's driver");
}
