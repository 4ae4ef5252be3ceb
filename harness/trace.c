/* SPDX-License-Identifier: MIT */
/* trace.c — the run as a Chrome/Perfetto trace (see trace.h). */
#include "trace.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


struct trace_state {
	FILE *f;
	char *buf;
	size_t len;
	uint64_t requests, dropped;
	bool any; /* an event written (commas) */
};

enum { PID_FABRIC = 1, PID_GIC = 2, TID_HOST = 0, TID_ITS = 100000 };

/* JSON string contents (the names we write are ASCII; escape what JSON needs). */
static void str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(f, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			fprintf(f, "\\u%04x", *s);
		else
			fputc(*s, f);
	}
	fputc('"', f);
}

/* Picoseconds as microseconds, exactly. */
static void us(FILE *f, sim_time_t t)
{
	fprintf(f, "%" PRIu64 ".%06" PRIu64, (uint64_t)(t / 1000000), (uint64_t)(t % 1000000));
}

static void begin_event(struct trace_state *t)
{
	fputs(t->any ? ",\n" : "\n", t->f);
	t->any = true;
}

/* A complete event ("X"); args_json: the members of "args" (without braces), or NULL. */
static void span(struct trace_state *t, int pid, uint32_t tid, const char *cat, const char *name,
		 sim_time_t ts, sim_time_t dur, const char *args_json)
{
	begin_event(t);
	fputs("{\"ph\":\"X\",\"cat\":", t->f);
	str(t->f, cat);
	fputs(",\"name\":", t->f);
	str(t->f, name);
	fprintf(t->f, ",\"pid\":%d,\"tid\":%u,\"ts\":", pid, tid);
	us(t->f, ts);
	fputs(",\"dur\":", t->f);
	us(t->f, dur);
	if (args_json)
		fprintf(t->f, ",\"args\":{%s}", args_json);
	fputc('}', t->f);
}

static void meta(struct trace_state *t, const char *what, int pid, uint32_t tid, const char *name)
{
	begin_event(t);
	fprintf(t->f, "{\"ph\":\"M\",\"name\":\"%s\",\"pid\":%d,\"tid\":%u,\"args\":{\"name\":", what,
		pid, tid);
	str(t->f, name);
	fputs("}}", t->f);
}

bool trace_begin(scenario_t *s)
{
	struct trace_state *t = calloc(1, sizeof *t);
	if (!t)
		return false;
	t->f = open_memstream(&t->buf, &t->len);
	if (!t->f) {
		free(t);
		return false;
	}
	s->trace = t;
	fputs("{\"displayTimeUnit\":\"ns\",\"traceEvents\":[", t->f);
	const pcie_fabric_t *f = &s->platform.fabric;
	meta(t, "process_name", PID_FABRIC, 0, "requests: fabric and IOMMU");
	meta(t, "process_name", PID_GIC, 0, "interrupts: ITS and PEs");
	meta(t, "thread_name", PID_FABRIC, TID_HOST, "host (driver actions)");
	for (uint32_t i = 0; i < f->nfuncs; i++) {
		char nm[96], bdf[16];
		platform_bdf(&s->platform, (int32_t)i, bdf, sizeof bdf);
		snprintf(nm, sizeof nm, "%s %s", f->funcs[i].name, bdf);
		meta(t, "thread_name", PID_FABRIC, i + 1, nm);
	}
	for (unsigned i = 0; i < s->platform.gic.nits; i++)
		meta(t, "thread_name", PID_GIC, TID_ITS + i, s->platform.gic.its[i].name);
	for (uint32_t pe = 0; s->platform.gic.present && pe < s->platform.gic.params.pes; pe++) {
		char nm[64];
		snprintf(nm, sizeof nm, "PE %u (%s)", pe, s->pe_owner ? s->owners[s->pe_owner[pe]] : "host");
		meta(t, "thread_name", PID_GIC, pe, nm);
	}
	return true;
}

/* A route's hops from time t0: one span per hop that took time. */
static sim_time_t hops(struct trace_state *t, const scenario_t *s, const step_t *st,
		       const pcie_route_t *r, uint32_t tid, sim_time_t t0, bool iommu_parts)
{
	const pcie_fabric_t *f = &s->platform.fabric;
	sim_time_t at = t0;
	for (uint32_t h = 0; h < r->nhops; h++) {
		const pcie_hop_t *hp = &r->hops[h];
		if (!hp->latency)
			continue;
		char nm[96];
		snprintf(nm, sizeof nm, "%s: %s", hp->node >= 0 ? f->funcs[hp->node].name : f->rcs[hp->rc].name,
			 pcie_why_token(hp->why));
		bool is_iommu = iommu_parts && st->has_iommu && hp->node < 0 &&
				(hp->why == PCIE_WHY_IOMMU_XLATE || hp->why == PCIE_WHY_IOMMU_BYPASS ||
				 hp->why == PCIE_WHY_IOMMU_FAULT || hp->why == PCIE_WHY_IOMMU_ABORT ||
				 hp->why == PCIE_WHY_IOMMU_STALL);
		span(t, PID_FABRIC, tid, "hop", nm, at, hp->latency, NULL);
		if (is_iommu) {
			/* The SMMU's parts, in order; they add up to the hop. */
			const smmu_latency_t *l = &st->iommu_lat;
			const struct {
				const char *name;
				sim_time_t d;
				uint32_t reads;
			} parts[] = {{"uTLB", l->utlb, 0},	     {"TLB", l->tlb, 0},
				     {"link", l->link, 0},	     {"slot wait", l->tcu_queue, 0},
				     {"config", l->config, l->config_reads},
				     {"walk wait", l->walk_queue, 0},
				     {"walk", l->walk, l->walk_reads}, {"merged", l->merged, 0},
				     {"response", l->response, 0}};
			sim_time_t p = at;
			for (size_t k = 0; k < sizeof parts / sizeof parts[0]; k++) {
				if (!parts[k].d)
					continue;
				char pn[48], args[48];
				snprintf(pn, sizeof pn, "%s", parts[k].name);
				snprintf(args, sizeof args, "\"reads\":%u", parts[k].reads);
				span(t, PID_FABRIC, tid, "iommu", pn, p, parts[k].d,
				     parts[k].reads ? args : NULL);
				p += parts[k].d;
			}
		}
		at += hp->latency;
	}
	return at;
}

void trace_request(scenario_t *s, const step_t *st)
{
	struct trace_state *t = s->trace;
	if (!t)
		return;
	uint32_t idx = (uint32_t)(st - s->steps);
	char nm[160], args[800];
	if (st->act != ACT_NONE) {
		snprintf(nm, sizeof nm, "[%u] %s", idx + 1, st->name);
		span(t, PID_FABRIC, TID_HOST, "action", nm, st->start - s->t0, st->end - st->start, NULL);
		return;
	}
	if (st->stream && t->requests >= TRACE_MAX_REQUESTS) {
		t->dropped++;
		return;
	}
	t->requests++;
	uint32_t tid = st->from >= 0 ? (uint32_t)st->from + 1 : TID_HOST;
	char tl[200];
	tlp_format(tl, sizeof tl, &st->tlp);
	snprintf(nm, sizeof nm, "[%u] %s", idx + 1, tl);
	char esc[600];
	size_t k = 0;
	for (const char *c = st->name; *c && k + 7 < sizeof esc; c++) {
		if (*c == '"' || *c == '\\') {
			esc[k++] = '\\';
			esc[k++] = *c;
		} else if ((unsigned char)*c < 0x20) {
			k += (size_t)snprintf(esc + k, sizeof esc - k, "\\u%04x", (unsigned char)*c);
		} else {
			esc[k++] = *c;
		}
	}
	esc[k] = '\0';
	snprintf(args, sizeof args, "\"step\":\"%s\",\"outcome\":\"%s\",\"violations\":%u", esc,
		 exp_outcome_token(step_outcome(st)), st->nviol);
	sim_time_t start = st->start - s->t0;
	span(t, PID_FABRIC, tid, "request", nm, start, st->end - st->start, args);
	sim_time_t at = hops(t, s, st, &st->route, tid, start, true);
	if (st->has_cpl)
		hops(t, s, st, &st->cpl, tid, at, false);
	if (st->has_msi && st->msi_its && !st->msi_ignored) {
		/* The ITS's part: lookup, dependent table reads, the hop to the redistributor. */
		const its_xlate_t *x = &st->msi_x;
		uint32_t its = TID_ITS + (uint32_t)st->msi_ctrl;
		sim_time_t p = st->msi_at - s->t0;
		snprintf(nm, sizeof nm, "[%u] DeviceID 0x%x EventID %u", idx + 1, x->devid, x->eventid);
		snprintf(args, sizeof args, "\"table_reads\":%u,\"intid\":%u,\"status\":\"%s\"", x->reads,
			 x->intid, its_status_name(x->status));
		span(t, PID_GIC, its, "its", nm, p, x->lookup + x->table_reads + x->hop, args);
		if (x->lookup)
			span(t, PID_GIC, its, "its", "lookup", p, x->lookup, NULL);
		if (x->table_reads)
			span(t, PID_GIC, its, "its", "table reads", p + x->lookup, x->table_reads, NULL);
		if (x->hop)
			span(t, PID_GIC, its, "its", "to redistributor", p + x->lookup + x->table_reads,
			     x->hop, NULL);
	}
}

void trace_delivery(scenario_t *s, const gic_delivery_t *d)
{
	struct trace_state *t = s->trace;
	if (!t)
		return;
	char nm[64], args[96];
	snprintf(nm, sizeof nm, "%s %u", d->intid >= GIC_LPI_FIRST ? "LPI" : "SPI", d->intid);
	snprintf(args, sizeof args, "\"step\":%" PRIu64 ",\"priority\":%u,\"config_ps\":%" PRIu64,
		 d->tag, d->priority, (uint64_t)d->config);
	/* From the raise at the redistributor (or distributor) to the PE taking it. */
	span(t, PID_GIC, d->pe, "interrupt", nm, d->raised_at - s->t0, d->taken_at - d->raised_at,
	     args);
}

void trace_smmu_slots(scenario_t *s, int smmu)
{
	struct trace_state *t = s->trace;
	if (!t || (t->requests >= TRACE_MAX_REQUESTS))
		return;
	uint32_t tr, wk;
	sim_time_t now = sim_now(s->sys.sim);
	smmu_slots_busy(s->sys.smmu[smmu], now, &tr, &wk);
	begin_event(t);
	fputs("{\"ph\":\"C\",\"name\":", t->f);
	char nm[64];
	snprintf(nm, sizeof nm, "%s TCU slots busy", s->platform.smmus[smmu].name);
	str(t->f, nm);
	fprintf(t->f, ",\"pid\":%d,\"ts\":", PID_FABRIC);
	us(t->f, now - s->t0);
	fprintf(t->f, ",\"args\":{\"translation\":%u,\"walk\":%u}}", tr, wk);
}

char *trace_end(scenario_t *s, size_t *len)
{
	struct trace_state *t = s->trace;
	if (!t)
		return NULL;
	fprintf(t->f, "\n],\"otherData\":{\"scenario\":");
	str(t->f, s->name);
	fprintf(t->f, ",\"requests_traced\":%" PRIu64 ",\"requests_not_traced\":%" PRIu64 "}}\n",
		t->requests, t->dropped);
	fclose(t->f);
	char *buf = t->buf;
	*len = t->len;
	free(t);
	s->trace = NULL;
	return buf;
}
