/* SPDX-License-Identifier: MIT */
/*
 * scenario_migrate.c — a VM's interrupts on the host it migrates to. The destination's
 * hardware is built as it boots (its ITSs probed, a collection per PE), the VMM there asks
 * the drivers for the VM's vectors again (MAPD, MAPTI and their SYNCs on an ITS; SPIs routed
 * at the distributor with GICv2m frames), each aimed at the PEs the VM's vCPUs are pinned to,
 * and each vector is then raised once from the device's DeviceID: the report shows the
 * commands, the new mapping, and which PE took each interrupt.
 *
 * Not simulated on the destination: the SMMU (the VM's MSI window and RAM map are checked by
 * the VFIO checks before), traffic after the migration (the scenario's steps go on here).
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenario_internal.h"

typedef struct taken {
	bool seen;
	gic_delivery_t d;
} taken_t;

static void on_delivery(void *ctx, const gic_delivery_t *d)
{
	taken_t *t = ctx;
	if (!t->seen)
		t->d = *d;
	t->seen = true;
}

/* Appends one line to the step's growing text. */
static void line(char **buf, size_t *len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void line(char **buf, size_t *len, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char one[320];
	int n = vsnprintf(one, sizeof one, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	size_t add = strlen(one);
	char *g = realloc(*buf, *len + add + 2);
	if (!g)
		return;
	*buf = g;
	memcpy(g + *len, one, add);
	*len += add;
	g[(*len)++] = '\n';
	g[*len] = '\0';
}

/* Raises vector (devid, event) once on the destination's ITS and runs it until a PE took
 * it; returns whether one did (*pe: which). */
static bool raise_its(system_t *d, int its, uint32_t devid, uint32_t event, uint32_t *pe,
		      its_xlate_t *x)
{
	taken_t t = {0};
	gic_set_deliver_client(d->gic, on_delivery, &t);
	its_msi(d->its[its], devid, event, 1, sim_now(d->sim), x);
	sim_run(d->sim, sim_now(d->sim) + SIM_MS);
	gic_set_deliver_client(d->gic, NULL, NULL);
	*pe = t.d.pe;
	return t.seen;
}

static bool raise_v2m(system_t *d, uint32_t frame, uint32_t spi, uint32_t *pe)
{
	taken_t t = {0};
	gic_set_deliver_client(d->gic, on_delivery, &t);
	gicv2m_write(&d->v2m[frame], V2M_MSI_SETSPI_NS, spi, 4, 1, sim_now(d->sim));
	sim_run(d->sim, sim_now(d->sim) + SIM_MS);
	gic_set_deliver_client(d->gic, NULL, NULL);
	*pe = t.d.pe;
	return t.seen;
}

void scenario_migrate_irqs(scenario_t *s, step_t *st, const platform_t *dst, const int32_t *dfn,
			   const int32_t *sfn, uint32_t n)
{
	char *buf = NULL;
	size_t len = 0;
	int owner = st->act_owner;
	const char *vm = s->owners[owner];
	st->mig_irq_total = st->mig_irq_taken = 0;
	/* The source's vectors of the VM's devices, by device. */
	uint32_t want = 0;
	for (uint32_t k = 0; k < n; k++)
		for (uint32_t i = 0; sfn[k] >= 0 && i < s->nvectors; i++)
			want += s->vectors[i].fn == sfn[k] && s->vectors[i].sub < 0;
	if (!want) {
		st->mig_irq = NULL;
		return;
	}
	st->mig_irq_total = want; /* none taken until re-mapped and raised */
	if (!dst->gic.present) {
		line(&buf, &len, "      %s has no interrupt controller: %s's %u vector%s cannot be re-mapped",
		     dst->name, vm, want, want == 1 ? "" : "s");
		st->mig_irq = buf;
		return;
	}
	/* The vCPUs stay pinned to the same PE numbers. */
	uint64_t mask = 0;
	for (uint32_t pe = 0; s->pe_owner && pe < s->platform.gic.params.pes && pe < 64; pe++)
		if (s->pe_owner[pe] == owner)
			mask |= 1ull << pe;
	if (!mask || mask >> dst->gic.params.pes) {
		line(&buf, &len, "      %s's vCPUs are pinned to PEs that %s does not have (it has %u)", vm,
		     dst->name, dst->gic.params.pes);
		st->mig_irq = buf;
		return;
	}
	system_t d;
	const char *why = system_init(&d, dst, s->seed);
	if (why) {
		line(&buf, &len, "      %s cannot be built to re-map the interrupts: %s", dst->name, why);
		st->mig_irq = buf;
		system_free(&d);
		return;
	}
	uint32_t *boot = calloc(dst->gic.nits + 1, sizeof *boot);
	for (uint32_t i = 0; boot && i < dst->gic.nits; i++)
		boot[i] = d.itsd[i].nlog;
	for (uint32_t k = 0; k < n; k++) {
		if (sfn[k] < 0)
			continue;
		const pcie_func_t *f = &dst->fabric.funcs[dfn[k]];
		uint32_t count = 0;
		for (uint32_t i = 0; i < s->nvectors; i++)
			count += s->vectors[i].fn == sfn[k] && s->vectors[i].sub < 0;
		if (!count)
			continue;
		int its = dst->rc_its[f->rc];
		uint32_t devid = platform_device_id(dst, f->rc, pcie_func_id(f));
		its_drv_dev_t *dev = its >= 0 ? its_drv_device(&d.itsd[its], devid, count) : NULL;
		if (its >= 0 && !dev) {
			line(&buf, &len, "      %s: the ITS driver could not set up DeviceID 0x%x", f->name,
			     devid);
			continue;
		}
		if (its < 0 && !dst->gic.nv2m) {
			line(&buf, &len, "      %s: no MSI controller on %s for its root complex", f->name,
			     dst->name);
			continue;
		}
		for (uint32_t v = 0; v < count; v++) {
			uint32_t intid = 0, pe = 0;
			bool taken;
			char where[96];
			if (its >= 0) {
				int ev = its_drv_vector(&d.itsd[its], dev, mask, &intid);
				if (ev < 0) {
					line(&buf, &len, "      %s vector %u: the ITS driver could not map it",
					     f->name, v);
					continue;
				}
				its_xlate_t x;
				taken = raise_its(&d, its, devid, (uint32_t)ev, &pe, &x);
				snprintf(where, sizeof where, "%s DeviceID 0x%x EventID %d -> LPI %u",
					 dst->gic.its[its].name, devid, ev, intid);
			} else {
				unsigned cpu = 0;
				while (!(mask >> cpu & 1))
					cpu++;
				uint64_t reach = platform_v2m_reach(dst, f->rc);
				uint32_t frame = 0;
				intid = v2m_drv_alloc_in(&d.v2md, 1, cpu, reach, &frame);
				if (!intid) {
					line(&buf, &len, "      %s vector %u: no free SPI in the frames it reaches",
					     f->name, v);
					continue;
				}
				taken = raise_v2m(&d, frame, intid, &pe);
				snprintf(where, sizeof where, "GICv2m frame %s SPI %u",
					 dst->gic.v2m[frame].name, intid);
			}
			bool ours = taken && pe < 64 && (mask >> pe & 1);
			st->mig_irq_taken += ours;
			if (taken)
				line(&buf, &len, "      %s vector %u: %s; raised once, taken by PE %u (%s)",
				     f->name, v, where, pe, ours ? vm : "NOT the VM's");
			else
				line(&buf, &len, "      %s vector %u: %s; raised once, taken by no PE", f->name,
				     v, where);
		}
	}
	for (uint32_t i = 0; boot && i < dst->gic.nits; i++)
		for (uint32_t c = boot[i]; c < d.itsd[i].nlog; c++) {
			char b[160];
			its_cmd_format(b, sizeof b, d.itsd[i].log[c].dw, dst->gic.its[i].params.pta);
			line(&buf, &len, "        %s command: %s", dst->gic.its[i].name, b);
		}
	free(boot);
	system_free(&d);
	st->mig_irq = buf;
}
