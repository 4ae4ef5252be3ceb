/* SPDX-License-Identifier: MIT */
/*
 * scenario_vm.c — a scenario's owners and assignments: the VMs (guest RAM backed by host
 * DRAM, vCPUs pinned to PEs), and the assignment of functions to them with the checks a
 * VFIO-style stack makes before it lets a VM have a device:
 *
 *   - no IOMMU:               the function has no IOMMU group (VFIO needs one);
 *   - group not viable:       an endpoint of the function's group is not handed to VFIO
 *                             (QEMU: "group N is not viable");
 *   - group in use:           the group is already another VM's (opening /dev/vfio/N: busy);
 *   - MSI not isolated:       the function's MSI controller does not identify the writer
 *                             (GICv2m) and allow_unsafe_interrupts is off (vfio_iommu_type1:
 *                             "No interrupt remapping support"); with msi_isolation: global
 *                             (kernels before 6.2) one such controller anywhere is enough;
 *   - reserved region:        a reserved region of the group (not direct-relaxable) overlaps
 *                             the VM's RAM, which the VMM maps at IOVA = GPA
 *                             (VFIO_IOMMU_MAP_DMA fails with EINVAL).
 *
 * An accepted function is attached to its VM's IOMMU domain (stage 1 when the SMMU has it,
 * as arm-smmu-v3 does for VFIO; IOVA = GPA -> the RAM's host backing). Format:
 * docs/scenario-format.md.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dma_iova.h"
#include "resv.h"
#include "scenario_internal.h"

const char *refusal_token(refusal_t r)
{
	switch (r) {
	case REFUSE_NONE: return "accepted";
	case REFUSE_GROUP_NOT_VIABLE: return "group-not-viable";
	case REFUSE_GROUP_IN_USE: return "group-in-use";
	case REFUSE_MSI_NOT_ISOLATED: return "msi-not-isolated";
	case REFUSE_RESERVED_REGION: return "reserved-region";
	case REFUSE_NO_IOMMU: return "no-iommu";
	}
	return "?";
}

int scenario_owner(const scenario_t *s, const char *name)
{
	for (unsigned i = 0; name && i < s->nowners; i++)
		if (!strcmp(s->owners[i], name))
			return (int)i;
	return -1;
}

bool scenario_init_owners(scenario_t *s)
{
	const platform_t *p = &s->platform;
	snprintf(s->owners[0], sizeof s->owners[0], "host");
	s->nowners = 1;
	s->fn_owner = calloc(p->fabric.nfuncs + 1, 1);
	if (p->gic.present)
		s->pe_owner = calloc(p->gic.params.pes, 1);
	for (unsigned i = 0; i < SCENARIO_MAX_OWNERS; i++)
		s->vms[i].domain = -1;
	/* The VMM's pool: the largest DRAM region, below the kernel's pool. */
	const pcie_region_t *best = NULL;
	for (uint32_t i = 0; i < p->fabric.nregions; i++) {
		const pcie_region_t *r = &p->fabric.regions[i];
		if (r->kind == PCIE_REGION_DRAM && (!best || r->size > best->size))
			best = r;
	}
	if (best) {
		uint64_t top = best->base + best->size;
		if (s->sys.kalloc.base > best->base && s->sys.kalloc.base < top)
			top = s->sys.kalloc.base;
		physalloc_init(&s->vm_alloc, best->base, top - best->base);
	}
	return s->fn_owner && (!p->gic.present || s->pe_owner);
}

bool scenario_parse_options(scenario_t *s, const ycur_t *c)
{
	if (!c->node)
		return true;
	if (!yexpect_map(c))
		return false;
	static const char *const keys[] = {"allow_unsafe_interrupts", "msi_isolation", "host_iommu",
					   NULL};
	bool ok = ykeys(c, keys);
	ycur_t au = yget(c, "allow_unsafe_interrupts"), mi = yget(c, "msi_isolation"),
	       hi = yget(c, "host_iommu");
	if (hi.node) {
		static const char *const modes[] = {"blocked", "identity", "translated", NULL};
		if (!yenum(&hi, modes, &s->host_iommu))
			ok = false;
	}
	ok &= yopt_bool(&au, &s->allow_unsafe_interrupts);
	if (mi.node) {
		static const char *const pol[] = {"per-device", "global", NULL};
		int v;
		if (yenum(&mi, pol, &v))
			s->msi_isolation_global = v == 1;
		else
			ok = false;
	}
	return ok;
}

bool scenario_parse_vms(scenario_t *s, const ycur_t *c)
{
	if (!c->node)
		return true;
	if (!yexpect_seq(c))
		return false;
	const platform_t *p = &s->platform;
	bool ok = true;
	for (size_t i = 0; i < ylen(c) && ok; i++) {
		ycur_t e = yat(c, i);
		if (!yexpect_map(&e))
			return false;
		static const char *const keys[] = {"name", "ram", "vcpus", "page_size", NULL};
		ok &= ykeys(&e, keys);
		ycur_t nm = yneed(&e, "name"), ram = yneed(&e, "ram"), vc = yget(&e, "vcpus"),
		       ps = yget(&e, "page_size");
		const char *name = ytext(&nm);
		if (!name || !*name || strlen(name) >= sizeof s->owners[0] || !strcmp(name, "host") ||
		    s->nowners >= SCENARIO_MAX_OWNERS) {
			yerr(nm.node ? &nm : &e, "expected a VM name (not host, at most 31 characters; "
						 "at most %d owners)",
			     SCENARIO_MAX_OWNERS - 1);
			return false;
		}
		if (scenario_owner(s, name) >= 0) {
			yerr(&nm, "duplicate owner name '%s'", name);
			return false;
		}
		unsigned o = s->nowners++;
		snprintf(s->owners[o], sizeof s->owners[o], "%s", name);
		vm_t *vm = &s->vms[o];
		vm->line = yline(&e);
		if (ps.node && !scenario_page_size(&ps, 12, &vm->page_size))
			return false;
		if (!ram.node || !yexpect_seq(&ram))
			return false;
		for (size_t k = 0; k < ylen(&ram); k++) {
			ycur_t r = yat(&ram, k);
			if (!yexpect_map(&r))
				return false;
			static const char *const rk[] = {"gpa", "size", NULL};
			ok &= ykeys(&r, rk);
			ycur_t g = yneed(&r, "gpa"), z = yneed(&r, "size");
			uint64_t gpa, size;
			if (!g.node || !z.node || !yu64(&g, &gpa, 0, (1ull << 48) - 1) ||
			    !ysize(&z, &size, 2u << 20, 1ull << 40))
				return false;
			if ((gpa | size) & ((2u << 20) - 1)) {
				yerr(&r, "guest RAM is given in 2 MiB blocks: gpa and size must be multiples "
					 "of 2 MiB");
				return false;
			}
			if (vm->nram == VM_MAX_RAM) {
				yerr(&r, "at most %d RAM ranges per VM", VM_MAX_RAM);
				return false;
			}
			for (unsigned q = 0; q < vm->nram; q++)
				if (gpa < vm->ram[q].gpa + vm->ram[q].size && vm->ram[q].gpa < gpa + size) {
					yerr(&r, "this RAM range overlaps an earlier one of VM '%s'", name);
					return false;
				}
			uint64_t hpa = physalloc_alloc(&s->vm_alloc, size, 2u << 20);
			if (!hpa) {
				yerr(&r, "the platform's DRAM cannot back %" PRIu64 " MiB more of guest RAM",
				     size >> 20);
				return false;
			}
			vm->ram[vm->nram++] = (struct vm_ram){gpa, size, hpa};
		}
		if (vc.node) {
			if (!p->gic.present) {
				yerr(&vc, "vCPUs are pinned to PEs of the interrupt controller, and platform "
					  "'%s' has none",
				     p->name);
				return false;
			}
			if (!yexpect_seq(&vc))
				return false;
			for (size_t k = 0; k < ylen(&vc); k++) {
				ycur_t pe = yat(&vc, k);
				uint64_t n;
				if (!yu64(&pe, &n, 0, p->gic.params.pes - 1))
					return false;
				if (s->pe_owner[n]) {
					yerr(&pe, "PE %" PRIu64 " already belongs to '%s'", n,
					     s->owners[s->pe_owner[n]]);
					return false;
				}
				s->pe_owner[n] = (uint8_t)o;
			}
		}
	}
	return ok;
}

/* Whether the function's MSIs go through a controller that identifies the writer. */
static bool msi_isolated(const scenario_t *s, const platform_t *p, int32_t fn)
{
	if (!p->gic.present)
		return true; /* no MSI controller: nothing to isolate (irq_domain_check_msi_remap) */
	if (s->msi_isolation_global)
		return p->gic.nv2m == 0;
	return p->rc_its[p->fabric.funcs[fn].rc] >= 0 || p->gic.nv2m == 0;
}

/* The VM's IOMMU domain: created with its first device, IOVA = GPA for all its RAM. */
int scenario_vm_domain(scenario_t *s, int owner, int32_t fn, const ycur_t *at)
{
	vm_t *vm = &s->vms[owner];
	if (vm->domain >= 0)
		return vm->domain;
	const platform_t *p = &s->platform;
	int si = system_smmu_of(&s->sys, p->fabric.funcs[fn].rc);
	uint8_t stage = p->smmus[si].params.s1p ? 1 : 2;
	char name[64];
	snprintf(name, sizeof name, "vfio-%s", s->owners[owner]);
	for (uint32_t i = 0; i < s->ndomains; i++)
		if (!strcmp(s->domains[i].name, name)) {
			yerr(at, "the domain name '%s' is the VMM's for %s: rename the iommu.domains "
				 "entry",
			     name, s->owners[owner]);
			return -1;
		}
	int d = scenario_new_domain(s, name, stage, at);
	if (d < 0)
		return -1;
	iommu_domain_t *dom = &s->domains[d];
	dom->pt.max_leaf = vm->page_size;
	for (unsigned i = 0; i < vm->nram; i++)
		if (!scenario_domain_map(s, dom, vm->ram[i].gpa, vm->ram[i].hpa, vm->ram[i].size, at))
			return -1;
	vm->domain = d;
	return d;
}

static void refuse(assignment_t *a, refusal_t r, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void refuse(assignment_t *a, refusal_t r, const char *fmt, ...)
{
	a->refused = r;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(a->why, sizeof a->why, fmt, ap);
	va_end(ap);
}

/* Where the checks look: a platform, its groups, and the functions handed to VFIO there. */
typedef struct vfio_host {
	const platform_t *p;
	const iommu_groups_t *g;
	const assignment_t *list;
	uint32_t n;
} vfio_host_t;

static void check_on(const scenario_t *s, const vfio_host_t *h, assignment_t *a);

/* The checks of one assignment, in the order the stack makes them. */
static void check_assignment(scenario_t *s, assignment_t *a)
{
	vfio_host_t h = {&s->platform, &s->groups, s->assigns, s->nassigns};
	check_on(s, &h, a);
}

static void check_on(const scenario_t *s, const vfio_host_t *h, assignment_t *a)
{
	const platform_t *p = h->p;
	const pcie_func_t *f = &p->fabric.funcs[a->fn];
	char bdf[16], other[16];
	platform_bdf(p, a->fn, bdf, sizeof bdf);
	int32_t grp = h->g->of[a->fn];
	bool smmu = p->rc_smmu && p->rc_smmu[f->rc] >= 0;
	if (!smmu || grp < 0) {
		refuse(a, REFUSE_NO_IOMMU, "%s (%s) has no IOMMU group: %s", f->name, bdf,
		       !smmu ? "its root complex is behind no IOMMU"
			     : "the SMMU driver refused its StreamID");
		return;
	}
	/* Viability: every endpoint of the group handed to VFIO (bridges may stay with
	 * pcieport, vfio_dev_driver_allowed()), and the group not another VM's. */
	for (uint32_t g = 0; g < p->fabric.nfuncs; g++) {
		if (h->g->of[g] != grp || p->fabric.funcs[g].is_bridge || (int32_t)g == a->fn)
			continue;
		const assignment_t *o = NULL;
		for (uint32_t k = 0; k < h->n; k++)
			if (h->list[k].fn == (int32_t)g && !h->list[k].unplugged)
				o = &h->list[k];
		platform_bdf(p, (int32_t)g, other, sizeof other);
		if (!o) {
			refuse(a, REFUSE_GROUP_NOT_VIABLE,
			       "vfio %s: group %d is not viable: %s (%s) in it is still bound to a host "
			       "driver (please ensure all devices within the iommu_group are bound to "
			       "their vfio bus driver)",
			       bdf, grp, p->fabric.funcs[g].name, other);
			return;
		}
		if (o->owner != a->owner && o < a && o->refused == REFUSE_NONE) {
			refuse(a, REFUSE_GROUP_IN_USE,
			       "vfio %s: group %d is in use by %s (through %s): a group belongs to one VM",
			       bdf, grp, s->owners[o->owner], p->fabric.funcs[g].name);
			return;
		}
	}
	if (!msi_isolated(s, p, a->fn)) {
		if (!s->allow_unsafe_interrupts) {
			refuse(a, REFUSE_MSI_NOT_ISOLATED,
			       "vfio_iommu_type1_attach_group: No interrupt remapping support.  Use the "
			       "module param \"allow_unsafe_interrupts\" to enable VFIO IOMMU support on "
			       "this platform (%s)",
			       s->msi_isolation_global
				       ? "msi_isolation: global, and the platform has a GICv2m frame, "
					 "which cannot tell who writes"
				       : "its MSIs go to a GICv2m frame, which cannot tell who writes");
			return;
		}
		a->unsafe_msi = true;
	}
	/* The VMM maps all guest RAM at IOVA = GPA: no reserved region may be in the way. */
	resv_list_t rl = {0};
	if (!resv_of_group(p, h->g, (uint32_t)grp, &rl)) {
		refuse(a, REFUSE_RESERVED_REGION, "out of memory");
		return;
	}
	const vm_t *vm = &s->vms[a->owner];
	for (uint32_t i = 0; i < rl.n && !a->refused; i++) {
		const resv_region_t *r = &rl.v[i];
		if (resv_relaxable(r->type))
			continue;
		for (unsigned k = 0; k < vm->nram; k++)
			if (r->start < vm->ram[k].gpa + vm->ram[k].size && vm->ram[k].gpa <= r->end) {
				refuse(a, REFUSE_RESERVED_REGION,
				       "group %d's reserved region [0x%" PRIx64 "-0x%" PRIx64 "] (%s) "
				       "overlaps %s's RAM [0x%" PRIx64 "-0x%" PRIx64 "]: the VMM cannot map "
				       "guest RAM there (VFIO_IOMMU_MAP_DMA: Invalid argument)",
				       grp, r->start, r->end, resv_type_name(r->type), s->owners[a->owner],
				       vm->ram[k].gpa, vm->ram[k].gpa + vm->ram[k].size - 1);
				break;
			}
	}
	resv_free(&rl);
}

bool scenario_parse_assign(scenario_t *s, const ycur_t *c)
{
	if (!c->node)
		return true;
	if (!yexpect_seq(c))
		return false;
	const platform_t *p = &s->platform;
	s->assigns = calloc(ylen(c) + 1, sizeof *s->assigns);
	if (!s->assigns)
		return false;
	bool ok = true;
	for (size_t i = 0; i < ylen(c); i++) {
		ycur_t e = yat(c, i);
		if (!yexpect_map(&e)) {
			ok = false;
			continue;
		}
		static const char *const keys[] = {"function", "to", "expect", NULL};
		ok &= ykeys(&e, keys);
		ycur_t fc = yneed(&e, "function"), tc = yneed(&e, "to"), ec = yget(&e, "expect");
		assignment_t *a = &s->assigns[s->nassigns];
		a->line = yline(&e);
		a->expect = -1;
		a->step = -1;
		a->fn = fc.node ? scenario_func_ref(s, &fc) : PCIE_NONE;
		a->owner = tc.node ? scenario_owner(s, ytext(&tc)) : -1;
		if (tc.node && a->owner <= 0) {
			yerr(&tc, "no VM '%s' (name it under vms)", ytext(&tc) ? ytext(&tc) : "");
			ok = false;
			continue;
		}
		if (ec.node) {
			static const char *const ex[] = {"accepted",	     "group-not-viable",
							 "group-in-use",     "msi-not-isolated",
							 "reserved-region", "no-iommu", NULL};
			int v;
			if (yenum(&ec, ex, &v))
				a->expect = v;
			else
				ok = false;
		}
		if (a->fn == PCIE_NONE || a->owner <= 0) {
			ok = false;
			continue;
		}
		for (uint32_t k = 0; k < s->nassigns; k++)
			if (s->assigns[k].fn == a->fn) {
				yerr(&fc, "'%s' is assigned twice (first at line %u)",
				     p->fabric.funcs[a->fn].name, s->assigns[k].line);
				ok = false;
			}
		if (s->attached[a->fn] != ATTACH_NONE) {
			yerr(&fc, "'%s' is attached under iommu.attach; an assigned function gets its VM's "
				  "domain",
			     p->fabric.funcs[a->fn].name);
			ok = false;
		}
		if (p->fabric.funcs[a->fn].is_bridge) {
			yerr(&fc, "'%s' is a bridge; VFIO assigns endpoints", p->fabric.funcs[a->fn].name);
			ok = false;
		}
		s->nassigns++;
	}
	if (!ok)
		return false;
	for (uint32_t i = 0; i < s->nassigns && ok; i++) {
		assignment_t *a = &s->assigns[i];
		check_assignment(s, a);
		ycur_t at = yat(c, i);
		if (a->refused) {
			/* Bound to vfio-pci but in no VM: nobody's (a refused group stays unbound). */
			s->fn_owner[a->fn] = a->refused == REFUSE_NO_IOMMU ||
						     a->refused == REFUSE_GROUP_NOT_VIABLE
					     ? 0
					     : OWNER_UNBOUND;
			continue;
		}
		s->fn_owner[a->fn] = (uint8_t)a->owner;
		int d = scenario_vm_domain(s, a->owner, a->fn, &at);
		ok = d >= 0 && scenario_attach(s, a->fn, d, &at);
	}
	return ok;
}

/* --- hotplug and unplug steps ------------------------------------------------------------- */

/* migrate: { vm: VM, to: PLATFORM.yaml, devices: [F...] }: the destination's checks for the
 * VM's devices there, with the VM's memory map unchanged. They are made now; the step, when
 * it runs, releases the VM's devices on this platform if the destination accepted it. */
static bool parse_migrate(scenario_t *s, step_t *st, const ycur_t *v)
{
	st->act = ACT_MIGRATE;
	if (!yexpect_map(v))
		return false;
	static const char *const keys[] = {"vm", "to", "devices", NULL};
	bool ok = ykeys(v, keys);
	ycur_t vc = yneed(v, "vm"), tc = yneed(v, "to"), dc = yget(v, "devices");
	st->act_owner = vc.node ? scenario_owner(s, ytext(&vc)) : -1;
	if (vc.node && st->act_owner <= 0) {
		yerr(&vc, "no VM '%s' (name it under vms)", ytext(&vc) ? ytext(&vc) : "");
		return false;
	}
	const char *to = ytext(&tc);
	if (!ok || !to || st->act_owner <= 0)
		return false;
	/* The destination platform, relative to the scenario's directory. */
	const char *slash = strrchr(s->file, '/');
	size_t dlen = slash ? (size_t)(slash - s->file) + 1 : 0;
	char *path = malloc(dlen + strlen(to) + 1);
	if (!path)
		return false;
	if (to[0] == '/')
		dlen = 0;
	memcpy(path, s->file, dlen);
	strcpy(path + dlen, to);
	platform_t dst;
	yerrs_t errs = {0};
	bool loaded = platform_load(&dst, path, &errs);
	if (!loaded)
		yerr(&tc, "the destination platform '%s' does not load: %s", to,
		     errs.n ? errs.msgs[0] : "cannot open it");
	yerrs_free(&errs);
	free(path);
	if (!loaded)
		return false;
	iommu_groups_t g;
	if (!groups_compute(&dst, &g)) {
		platform_free(&dst);
		return false;
	}
	snprintf(st->mig_platform, sizeof st->mig_platform, "%s", dst.name);
	/* The VM's devices there: those named, else its devices here by name. */
	assignment_t list[32];
	int32_t src[32]; /* the VM's device here that each one stands for (-1: none) */
	uint32_t n = 0, nsrc = 0;
	for (uint32_t k = 0; k < s->nassigns && nsrc < 32; k++)
		if (s->assigns[k].owner == st->act_owner && !s->assigns[k].refused)
			src[nsrc++] = s->assigns[k].fn;
	ok = true;
	if (dc.node && yexpect_seq(&dc)) {
		for (size_t k = 0; k < ylen(&dc) && n < 32; k++) {
			ycur_t d = yat(&dc, k);
			int32_t fn = ytext(&d) ? platform_find(&dst, ytext(&d)) : PCIE_NONE;
			if (fn == PCIE_NONE) {
				yerr(&d, "no function '%s' on the destination '%s'",
				     ytext(&d) ? ytext(&d) : "", dst.name);
				ok = false;
				continue;
			}
			if (n >= nsrc)
				src[n] = -1;
			list[n++] = (assignment_t){.fn = fn, .owner = st->act_owner, .expect = -1, .step = -1};
		}
	} else if (dc.node) {
		ok = false;
	} else {
		for (uint32_t k = 0; k < s->nassigns && n < 32; k++) {
			const assignment_t *a = &s->assigns[k];
			if (a->owner != st->act_owner || a->refused)
				continue;
			int32_t fn = platform_find(&dst, s->platform.fabric.funcs[a->fn].name);
			if (fn == PCIE_NONE) {
				yerr(&tc, "the destination '%s' has no function '%s' for %s's device", dst.name,
				     s->platform.fabric.funcs[a->fn].name, s->owners[st->act_owner]);
				ok = false;
				continue;
			}
			src[n] = a->fn;
			list[n++] = (assignment_t){.fn = fn, .owner = st->act_owner, .expect = -1, .step = -1};
		}
	}
	st->mig_result = REFUSE_NONE;
	vfio_host_t h = {&dst, &g, list, n};
	for (uint32_t k = 0; ok && k < n; k++) {
		check_on(s, &h, &list[k]);
		if (list[k].refused) {
			st->mig_result = list[k].refused;
			snprintf(st->mig_why, sizeof st->mig_why, "on %s: %s", dst.name, list[k].why);
			break;
		}
		scenario_appendf(st->mig_why, sizeof st->mig_why, "%s%s", k ? ", " : "",
				 dst.fabric.funcs[list[k].fn].name);
	}
	if (ok && st->mig_result == REFUSE_NONE) {
		int32_t dfn[32];
		for (uint32_t k = 0; k < n; k++)
			dfn[k] = list[k].fn;
		scenario_migrate_irqs(s, st, &dst, dfn, src, n);
	}
	groups_free(&g);
	platform_free(&dst);
	return ok;
}

bool scenario_parse_vm_action(scenario_t *s, step_t *st, const char *kind, const ycur_t *v)
{
	const platform_t *p = &s->platform;
	st->act_assign = -1;
	if (!strcmp(kind, "migrate"))
		return parse_migrate(s, st, v);
	if (!strcmp(kind, "unplug")) {
		st->act = ACT_UNPLUG;
		st->act_fn = scenario_func_ref(s, v);
		return st->act_fn != PCIE_NONE;
	}
	st->act = ACT_HOTPLUG;
	if (!yexpect_map(v))
		return false;
	static const char *const keys[] = {"function", "to", NULL};
	bool ok = ykeys(v, keys);
	ycur_t fc = yneed(v, "function"), tc = yneed(v, "to");
	st->act_fn = fc.node ? scenario_func_ref(s, &fc) : PCIE_NONE;
	st->act_owner = tc.node ? scenario_owner(s, ytext(&tc)) : -1;
	if (tc.node && st->act_owner <= 0) {
		yerr(&tc, "no VM '%s' (name it under vms)", ytext(&tc) ? ytext(&tc) : "");
		return false;
	}
	if (!ok || st->act_fn == PCIE_NONE || st->act_owner <= 0)
		return false;
	const pcie_func_t *f = &p->fabric.funcs[st->act_fn];
	if (f->is_bridge) {
		yerr(&fc, "'%s' is a bridge; VFIO assigns endpoints", f->name);
		return false;
	}
	/* A host default domain (options.host_iommu) is no obstacle: the hotplug replaces it. */
	int32_t at = s->attached[st->act_fn];
	bool host_default = (at == ATTACH_BYPASS && s->host_iommu == HOST_IOMMU_IDENTITY) ||
			    (at >= 0 && !strncmp(s->domains[at].name, "dma-group", 9));
	if (at != ATTACH_NONE && !host_default) {
		yerr(&fc, "'%s' is attached under iommu.attach; an assigned function gets its VM's "
			  "domain",
		     f->name);
		return false;
	}
	/* The VM's domain, with its MSI window, is made now: the hotplug itself only writes the
	 * function's STE when its step runs. */
	if (system_smmu_of(&s->sys, f->rc) < 0)
		return true; /* refused when it runs (no IOMMU) */
	int d = scenario_vm_domain(s, st->act_owner, st->act_fn, &fc);
	if (d < 0)
		return false;
	/* Guest RAM over the MSI window: the hotplug will be refused when it runs (the window
	 * is a reserved region of every group behind the SMMU); map nothing. */
	const platform_smmu_t *sm = &p->smmus[system_smmu_of(&s->sys, f->rc)];
	const vm_t *vm = &s->vms[st->act_owner];
	for (unsigned k = 0; k < vm->nram; k++)
		if (vm->ram[k].gpa < sm->msi_window + sm->msi_window_size &&
		    sm->msi_window < vm->ram[k].gpa + vm->ram[k].size)
			return true;
	return scenario_prepare_domain(s, st->act_fn, d, &fc);
}

void scenario_vm_action(scenario_t *s, step_t *st)
{
	const platform_t *p = &s->platform;
	if (st->act == ACT_MIGRATE) {
		if (st->mig_result != REFUSE_NONE)
			return; /* refused: the VM stays */
		/* The VM runs on the destination now: its devices here are released. */
		for (uint32_t i = 0; i < s->nassigns; i++) {
			assignment_t *a = &s->assigns[i];
			if (a->owner != st->act_owner || a->refused || a->unplugged)
				continue;
			a->unplugged = true;
			s->fn_owner[a->fn] = 0;
			if (!scenario_attach_now(s, a->fn, -1)) {
				st->act_failed = true;
				snprintf(st->act_detail, sizeof st->act_detail, "the SMMU driver failed");
			}
		}
		return;
	}
	if (st->act == ACT_UNPLUG) {
		int found = -1;
		for (uint32_t i = 0; i < s->nassigns; i++)
			if (s->assigns[i].fn == st->act_fn && !s->assigns[i].refused &&
			    !s->assigns[i].unplugged)
				found = (int)i;
		if (found < 0) {
			st->act_failed = true;
			snprintf(st->act_detail, sizeof st->act_detail, "'%s' is in no VM",
				 p->fabric.funcs[st->act_fn].name);
			return;
		}
		st->act_assign = found;
		s->assigns[found].unplugged = true;
		/* Back to the host; its traffic aborts until a host driver attaches it. */
		s->fn_owner[st->act_fn] = 0;
		if (!scenario_attach_now(s, st->act_fn, -1)) {
			st->act_failed = true;
			snprintf(st->act_detail, sizeof st->act_detail, "the SMMU driver failed");
		}
		return;
	}
	assignment_t *n = realloc(s->assigns, (s->nassigns + 1) * sizeof *n);
	if (!n) {
		st->act_failed = true;
		snprintf(st->act_detail, sizeof st->act_detail, "out of memory");
		return;
	}
	s->assigns = n;
	assignment_t *a = &s->assigns[s->nassigns];
	memset(a, 0, sizeof *a);
	a->fn = st->act_fn;
	a->owner = st->act_owner;
	a->expect = -1;
	a->line = st->line;
	a->step = (int)(st - s->steps);
	st->act_assign = (int)s->nassigns++;
	check_assignment(s, a);
	if (a->refused) {
		s->fn_owner[a->fn] = a->refused == REFUSE_NO_IOMMU ||
					     a->refused == REFUSE_GROUP_NOT_VIABLE
				     ? s->fn_owner[a->fn]
				     : OWNER_UNBOUND;
		return;
	}
	s->fn_owner[a->fn] = (uint8_t)a->owner;
	if (!scenario_attach_now(s, a->fn, s->vms[a->owner].domain)) {
		st->act_failed = true;
		snprintf(st->act_detail, sizeof st->act_detail, "the SMMU driver failed");
	}
}

/* --- the host's IOMMU mode and DMA buffers -------------------------------------------------- */

/* The host's functions that no iommu.attach, assign or hotplug concerns: blocked (an abort
 * STE, as arm-smmu-v3 leaves them with disable_bypass), identity (a bypass STE, as
 * iommu.passthrough=1) or translated (one DMA domain per IOMMU group, as the DMA API's default
 * domains; it maps what the host's buffers give it). */
bool scenario_host_domains(scenario_t *s, const ycur_t *at)
{
	const platform_t *p = &s->platform;
	if (s->host_iommu == HOST_IOMMU_BLOCKED)
		return true;
	int *group_dom = malloc((s->groups.n + 1) * sizeof *group_dom);
	if (!group_dom)
		return false;
	for (uint32_t g = 0; g < s->groups.n; g++)
		group_dom[g] = -1;
	bool ok = true;
	for (uint32_t f = 0; f < p->fabric.nfuncs && ok; f++) {
		int32_t grp = s->groups.of[f];
		if (s->attached[f] != ATTACH_NONE || s->fn_owner[f] != 0 || grp < 0 ||
		    system_smmu_of(&s->sys, p->fabric.funcs[f].rc) < 0)
			continue;
		if (s->host_iommu == HOST_IOMMU_IDENTITY) {
			ok = scenario_attach_now(s, (int32_t)f, ATTACH_BYPASS);
			continue;
		}
		if (group_dom[grp] < 0) {
			char name[64];
			snprintf(name, sizeof name, "dma-group%d", grp);
			group_dom[grp] = scenario_new_domain(s, name, 1, at);
			ok = group_dom[grp] >= 0;
		}
		ok = ok && scenario_attach(s, (int32_t)f, group_dom[grp], at);
	}
	free(group_dom);
	if (!ok)
		yerr(at, "the host's default domains could not be set up (kernel memory pool "
			 "exhausted?)");
	return ok;
}

bool scenario_buffer_shared(const scenario_t *s, uint64_t pa, unsigned owner)
{
	for (uint32_t i = 0; i < s->nbuffers; i++) {
		const struct buffer *b = &s->buffers[i];
		if (pa >= b->pa && pa - b->pa < b->size && owner < 32 && (b->shared >> owner & 1))
			return true;
	}
	return false;
}

/* buffers: [{ name, size, owner, devices: [F...], shared_with: [OWNER...] }] */
static bool host_iova_init(const scenario_t *s, dma_iova_t *a);
static bool parse_buffers(scenario_t *s, const ycur_t *c, dma_iova_t *iova);

bool scenario_parse_buffers(scenario_t *s, const ycur_t *c)
{
	if (!c->node)
		return true;
	if (!yexpect_seq(c))
		return false;
	s->buffers = calloc(ylen(c) + 1, sizeof *s->buffers);
	if (!s->buffers)
		return false;
	/* The host's IOVAs for buffers come from its DMA API allocator, which keeps clear of
	 * every group's reserved regions and the host bridges' windows. */
	dma_iova_t iova;
	if (!host_iova_init(s, &iova)) {
		yerr(c, "out of memory");
		return false;
	}
	bool ok = parse_buffers(s, c, &iova);
	dma_iova_free(&iova);
	return ok;
}

static bool host_iova_init(const scenario_t *s, dma_iova_t *a)
{
	const platform_t *p = &s->platform;
	dma_iova_init(a, 12);
	bool ok = dma_iova_reserve(a, 0, 4095); /* IOVA 0 is never a DMA address */
	for (uint32_t r = 0; r < p->fabric.nrcs; r++) {
		ok &= dma_iova_reserve(a, p->fabric.rcs[r].mem.base, p->fabric.rcs[r].mem.limit);
		ok &= dma_iova_reserve(a, p->fabric.rcs[r].pref.base, p->fabric.rcs[r].pref.limit);
	}
	/* ... and what the iommu section mapped already (one allocator for the host's
	 * domains: a buffer has one IOVA in each domain it is mapped in). */
	for (uint32_t d = 0; ok && d < s->ndomains; d++) {
		bool vms = false; /* a VM's domain is GPA space, not the host's */
		for (unsigned o = 1; o < s->nowners; o++)
			vms |= s->vms[o].domain == (int)d;
		for (uint32_t m = 0; ok && !vms && m < s->domains[d].nmaps; m++)
			ok = dma_iova_reserve(a, s->domains[d].maps[m][0],
					      s->domains[d].maps[m][0] + s->domains[d].maps[m][1] - 1);
	}
	for (uint32_t g = 0; ok && s->have_groups && g < s->groups.n; g++) {
		resv_list_t l = {0};
		ok = resv_of_group(p, &s->groups, g, &l);
		for (uint32_t i = 0; ok && i < l.n; i++)
			ok = dma_iova_reserve(a, l.v[i].start, l.v[i].end);
		resv_free(&l);
	}
	return ok;
}

static bool parse_buffers(scenario_t *s, const ycur_t *c, dma_iova_t *iova)
{
	const platform_t *p = &s->platform;
	for (size_t i = 0; i < ylen(c); i++) {
		ycur_t e = yat(c, i);
		if (!yexpect_map(&e))
			return false;
		static const char *const keys[] = {"name", "size", "owner", "devices", "shared_with",
						   NULL};
		if (!ykeys(&e, keys))
			return false;
		struct buffer *b = &s->buffers[s->nbuffers];
		b->line = yline(&e);
		ycur_t nm = yneed(&e, "name"), sz = yneed(&e, "size"), ow = yget(&e, "owner"),
		       dv = yget(&e, "devices"), sh = yget(&e, "shared_with");
		if (!nm.node || !ystr(&nm, b->name, sizeof b->name) || !sz.node ||
		    !ysize(&sz, &b->size, 4096, 1ull << 32))
			return false;
		b->size = (b->size + 4095) & ~4095ull;
		for (uint32_t k = 0; k < s->nbuffers; k++)
			if (!strcmp(s->buffers[k].name, b->name)) {
				yerr(&nm, "duplicate buffer name '%s'", b->name);
				return false;
			}
		if (ow.node && (b->owner = scenario_owner(s, ytext(&ow))) < 0) {
			yerr(&ow, "no owner '%s' (host, or a VM under vms)", ytext(&ow) ? ytext(&ow) : "");
			return false;
		}
		b->shared = 1u << b->owner;
		if (sh.node) {
			if (!yexpect_seq(&sh))
				return false;
			for (size_t k = 0; k < ylen(&sh); k++) {
				ycur_t o = yat(&sh, k);
				int w = scenario_owner(s, ytext(&o));
				if (w < 0) {
					yerr(&o, "no owner '%s'", ytext(&o) ? ytext(&o) : "");
					return false;
				}
				b->shared |= 1u << w;
			}
		}
		/* Where it lives: a VM's in its RAM (from the top of its first range down, IOVA =
		 * GPA), the host's in host DRAM (at a host IOVA). */
		if (b->owner) {
			vm_t *vm = &s->vms[b->owner];
			if (!vm->nram || vm->buf_used + b->size > vm->ram[0].size) {
				yerr(&sz, "%s's first RAM range has no room for it", s->owners[b->owner]);
				return false;
			}
			vm->buf_used += b->size;
			uint64_t off = vm->ram[0].size - vm->buf_used;
			b->iova = vm->ram[0].gpa + off;
			b->pa = vm->ram[0].hpa + off;
		} else {
			b->pa = physalloc_alloc(&s->vm_alloc, b->size, 4096);
			if (!b->pa) {
				yerr(&sz, "the platform's DRAM has no room for it");
				return false;
			}
			b->iova = dma_iova_alloc(iova, b->size, (1ull << 48) - 1);
			if (!b->iova) {
				yerr(&sz, "the host's IOVA space has no room for it");
				return false;
			}
		}
		s->nbuffers++;
		/* Mapped in each device's domain, unless there already (a VM's RAM). */
		if (!dv.node)
			continue;
		if (!yexpect_seq(&dv))
			return false;
		for (size_t k = 0; k < ylen(&dv); k++) {
			ycur_t d = yat(&dv, k);
			int32_t fn = scenario_func_ref(s, &d);
			if (fn == PCIE_NONE)
				return false;
			unsigned o = s->fn_owner[fn];
			if (o >= 32 || !(b->shared >> o & 1)) {
				yerr(&d, "'%s' belongs to %s, which the buffer is not shared with",
				     p->fabric.funcs[fn].name, o == OWNER_UNBOUND ? "nobody" : s->owners[o]);
				return false;
			}
			int32_t dom = s->attached[fn];
			if (dom < 0)
				continue; /* bypass, no IOMMU: the device uses the physical address */
			iommu_domain_t *dd = &s->domains[dom];
			bool mapped = false;
			for (uint32_t m = 0; m < dd->nmaps && !mapped; m++)
				mapped = b->iova >= dd->maps[m][0] &&
					 b->iova + b->size <= dd->maps[m][0] + dd->maps[m][1];
			if (!mapped && !scenario_domain_map(s, dd, b->iova, b->pa, b->size, &d))
				return false;
		}
	}
	return true;
}
