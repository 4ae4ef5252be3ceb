/* SPDX-License-Identifier: MIT */
/* system.c — assembling a platform's hardware for a run. See system.h. */
#include "system.h"

#include "groups.h"

#include <stdlib.h>
#include <string.h>

/* The system's memory as the SMMUs see it: DRAM regions are backed; anything else aborts
 * (an SMMU walking a table outside memory gets an external abort, as on hardware). */
static bool in_dram(const platform_t *p, uint64_t pa, size_t len)
{
	for (uint32_t i = 0; i < p->fabric.nregions; i++) {
		const pcie_region_t *r = &p->fabric.regions[i];
		if (r->kind == PCIE_REGION_DRAM && pa >= r->base && len <= r->size &&
		    pa - r->base <= r->size - len)
			return true;
	}
	return false;
}

static mem_status_t port_read(void *ctx, uint64_t pa, void *buf, size_t len)
{
	system_t *s = ctx;
	if (!in_dram(s->p, pa, len))
		return MEM_ERR_ABORT;
	return mem_read(s->mem, pa, buf, len);
}

static mem_status_t port_write(void *ctx, uint64_t pa, const void *buf, size_t len)
{
	system_t *s = ctx;
	if (!in_dram(s->p, pa, len))
		return MEM_ERR_ABORT;
	return mem_write(s->mem, pa, buf, len);
}

/* An SMMU's ATS Invalidate Request reaches every ATS function whose Requester ID is the
 * StreamID (the Invalidate Completion is immediate: the CMD_SYNC after it waits no longer). */
static void atc_invalidate_request(void *ctx, uint32_t sid, bool ssv, uint32_t ssid, bool global,
				   uint64_t addr, uint64_t size)
{
	const struct system_atc_port *port = ctx;
	system_t *s = port->sys;
	const platform_t *p = s->p;
	for (uint32_t f = 0; f < p->fabric.nfuncs; f++) {
		const pcie_func_t *fn = &p->fabric.funcs[f];
		if (s->atc[f].n && system_smmu_of(s, fn->rc) == port->si &&
		    platform_stream_id(p, fn->rc, pcie_func_id(fn)) == sid)
			atc_invalidate(&s->atc[f], ssv, ssid, global, addr, size);
	}
}

/* The interrupt controller, as the GICv3, ITS and GICv2m drivers leave it after boot. */
static const char *gic_init(system_t *s, mem_port_t port)
{
	const platform_gic_t *g = &s->p->gic;
	s->gic = gic_create(s->sim, &g->params, port);
	if (!s->gic)
		return "the GIC could not be created (inconsistent parameters, or out of memory)";
	if (gic_drv_init(&s->gd, s->gic, s->sim, s->mem, &s->kalloc))
		return "the kernel's memory pool is too small for the LPI tables";
	s->its = calloc(g->nits + 1, sizeof *s->its);
	s->itsd = calloc(g->nits + 1, sizeof *s->itsd);
	s->v2m = calloc(g->nv2m + 1, sizeof *s->v2m);
	if (!s->its || !s->itsd || !s->v2m)
		return "out of memory";
	for (unsigned i = 0; i < g->nits; i++) {
		s->its[i] = its_create(s->sim, &g->its[i].params, port, s->gic, g->its[i].name);
		if (!s->its[i])
			return "an ITS's parameters are inconsistent";
		if (its_drv_probe(&s->itsd[i], &s->gd, s->its[i], g->its[i].base))
			return "the ITS driver could not probe an ITS (kernel pool too small?)";
	}
	s->v2md.gd = &s->gd;
	for (unsigned i = 0; i < g->nv2m; i++) {
		const platform_v2m_t *v = &g->v2m[i];
		if (!gicv2m_init(&s->v2m[i], s->gic, v->spi_base, v->spi_count, v->iidr) ||
		    v2m_drv_add_frame(&s->v2md, &s->v2m[i], v->base))
			return "a GICv2m frame could not be set up";
	}
	return NULL;
}

const char *system_init(system_t *s, const platform_t *p, uint64_t seed)
{
	memset(s, 0, sizeof *s);
	s->p = p;
	s->next_asid = 1; /* Linux never allocates ASID 0 or VMID 0 */
	s->next_vmid = 1;
	s->sim = sim_create(seed);
	s->mem = mem_create();
	if (!s->sim || !s->mem)
		return "out of memory";
	if (!p->nsmmus && !p->gic.present)
		return NULL;
	/* The kernel's pool: the top quarter (at most 256 MiB) of the largest DRAM region. */
	const pcie_region_t *best = NULL;
	for (uint32_t i = 0; i < p->fabric.nregions; i++) {
		const pcie_region_t *r = &p->fabric.regions[i];
		if (r->kind == PCIE_REGION_DRAM && (!best || r->size > best->size))
			best = r;
	}
	if (!best || best->size < (16u << 20))
		return "the platform has SMMUs or a GIC but no DRAM region of 16 MiB or more for their "
		       "tables";
	uint64_t pool = best->size / 4 < (256ull << 20) ? best->size / 4 : 256ull << 20;
	physalloc_init(&s->kalloc, best->base + best->size - pool, pool);
	s->smmu = calloc(p->nsmmus + 1, sizeof *s->smmu);
	s->drv = calloc(p->nsmmus + 1, sizeof *s->drv);
	if (!s->smmu || !s->drv)
		return "out of memory";
	s->atc = calloc(p->fabric.nfuncs ? p->fabric.nfuncs : 1, sizeof *s->atc);
	s->atc_port = calloc(p->nsmmus + 1, sizeof *s->atc_port);
	if (!s->atc || !s->atc_port)
		return "out of memory";
	for (uint32_t f = 0; f < p->fabric.nfuncs; f++)
		if (p->fabric.funcs[f].has_ats && !atc_init(&s->atc[f], SYSTEM_ATC_ENTRIES))
			return "out of memory";
	mem_port_t port = {port_read, port_write, s};
	for (unsigned i = 0; i < p->nsmmus; i++) {
		s->smmu[i] = smmu_create(s->sim, &p->smmus[i].params, port, p->smmus[i].name);
		if (!s->smmu[i])
			return "an SMMU's parameters are inconsistent";
		if (smmu_drv_probe(&s->drv[i], s->smmu[i], s->sim, s->mem, &s->kalloc, true))
			return "the SMMU driver could not probe an SMMU (kernel pool too small?)";
		s->atc_port[i] = (struct system_atc_port){s, (int)i};
		smmu_set_atc_client(s->smmu[i], atc_invalidate_request, &s->atc_port[i]);
	}
	/* arm_smmu_probe_device(): every function behind an SMMU gets its stream table entries
	 * (for its own Requester ID and its DMA alias), aborting until a domain is attached. */
	for (uint32_t f = 0; f < p->fabric.nfuncs; f++) {
		const pcie_func_t *fn = &p->fabric.funcs[f];
		int si = system_smmu_of(s, fn->rc);
		if (si < 0)
			continue;
		uint16_t ids[2] = {pcie_func_id(fn), groups_dma_alias(p, (int32_t)f)};
		for (int k = 0; k < 2; k++)
			if (!smmu_drv_ste_addr(&s->drv[si], platform_stream_id(p, fn->rc, ids[k])))
				return "the kernel's memory pool is too small for the stream table";
	}
	return p->gic.present ? gic_init(s, port) : NULL;
}

void system_free(system_t *s)
{
	for (unsigned i = 0; s->p && i < s->p->nsmmus; i++) {
		if (s->drv)
			smmu_drv_free(&s->drv[i]);
		if (s->smmu)
			smmu_destroy(s->smmu[i]);
	}
	free(s->smmu);
	free(s->drv);
	for (uint32_t f = 0; s->atc && f < s->p->fabric.nfuncs; f++)
		atc_free(&s->atc[f]);
	free(s->atc);
	free(s->atc_port);
	for (unsigned i = 0; s->its && i < s->p->gic.nits; i++) {
		its_drv_free(&s->itsd[i]);
		its_destroy(s->its[i]);
	}
	free(s->its);
	free(s->itsd);
	free(s->v2m);
	v2m_drv_free(&s->v2md);
	gic_drv_free(&s->gd);
	gic_destroy(s->gic);
	mem_destroy(s->mem);
	sim_destroy(s->sim);
	memset(s, 0, sizeof *s);
}
