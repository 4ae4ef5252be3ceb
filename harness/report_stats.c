/* SPDX-License-Identifier: MIT */
/*
 * report_stats.c — the statistics part of run reports: per SMMU (translations, faults, each
 * cache's hit rate, the TCU's peak slot occupancy), per ITS (MSIs, cache hit rates, table
 * reads) and per device (requests, mean latency, violations). Counts are since the platform
 * came out of reset (the drivers' set-up included, which translates nothing).
 */
#include "report_stats.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

/* A cache's hit rate as "H of N (P.P %)" into buf; "unused" when never looked up. */
static void rate(char *buf, size_t size, const cache_t *c)
{
	uint64_t n = c->hits + c->misses;
	if (!n)
		snprintf(buf, size, "unused");
	else
		snprintf(buf, size, "%" PRIu64 " of %" PRIu64 " (%" PRIu64 ".%" PRIu64 " %%)", c->hits, n,
			 c->hits * 100 / n, c->hits * 1000 / n % 10);
}

/* The SMMU's caches worth listing: the uTLBs, TLB, configuration and walk caches in use. */
static const char *const smmu_caches[] = {"utlb0", "utlb1", "utlb2", "utlb3", "tlb", "cfg",
					  "wc.s1.l0", "wc.s1.l1", "wc.s1.l2", "wc.s1.l3",
					  "wc.s2.l0", "wc.s2.l1", "wc.s2.l2", "wc.s2.l3", NULL};

typedef struct dev_stats {
	uint64_t requests;
	sim_time_t latency; /* summed */
	uint64_t violations;
} dev_stats_t;

/* Per function: what its steps (and streams) sent. NULL when out of memory. */
static dev_stats_t *per_device(const scenario_t *s)
{
	dev_stats_t *d = calloc(s->platform.fabric.nfuncs + 1, sizeof *d);
	for (uint32_t i = 0; d && i < s->nsteps; i++) {
		const step_t *st = &s->steps[i];
		if (st->from < 0 || st->act != ACT_NONE || !st->ran)
			continue;
		dev_stats_t *x = &d[st->from];
		if (st->stream) {
			x->requests += st->stream->done;
			for (uint32_t k = 0; k < st->stream->done; k++)
				x->latency += st->stream->lat[k];
		} else {
			x->requests++;
			x->latency += st->end - st->start;
		}
		for (unsigned k = 0; k < st->nviol; k++)
			x->violations += st->viol[k].count;
	}
	return d;
}

static int cmp_time(const void *a, const void *b)
{
	sim_time_t x = *(const sim_time_t *)a, y = *(const sim_time_t *)b;
	return x < y ? -1 : x > y;
}

/* Interrupts through controller c (ITSs first, then GICv2m frames), found by the vector
 * their INTID is: how many, and min, p50, p99, max of raised-to-taken. */
static uint32_t msi_path(const scenario_t *s, int c, sim_time_t q[4])
{
	sim_time_t *v = malloc((s->ndeliveries + 1) * sizeof *v);
	uint32_t n = 0;
	int nits = (int)s->platform.gic.nits;
	for (uint32_t i = 0; v && i < s->ndeliveries; i++) {
		const gic_delivery_t *d = &s->deliveries[i];
		for (uint32_t k = 0; k < s->nvectors; k++) {
			const irq_vector_t *x = &s->vectors[k];
			if (x->intid == d->intid && (x->its ? x->ctrl : nits + x->ctrl) == c) {
				v[n++] = d->taken_at - d->raised_at;
				break;
			}
		}
	}
	if (n) {
		qsort(v, n, sizeof *v, cmp_time);
		q[0] = v[0];
		q[1] = v[(n + 1) / 2 - 1];
		q[2] = v[((uint64_t)n * 99 + 99) / 100 - 1];
		q[3] = v[n - 1];
	}
	free(v);
	return n;
}

static void ns(char *buf, size_t size, sim_time_t t)
{
	if (t % SIM_NS)
		snprintf(buf, size, "%" PRIu64 ".%03" PRIu64 " ns", (uint64_t)(t / SIM_NS),
			 (uint64_t)(t % SIM_NS));
	else
		snprintf(buf, size, "%" PRIu64 " ns", (uint64_t)(t / SIM_NS));
}

void report_stats_text(FILE *out, const scenario_t *s)
{
	const platform_t *p = &s->platform;
	if (!s->have_sys)
		return;
	fputs("\nstatistics:\n", out);
	char r[64];
	for (unsigned i = 0; i < p->nsmmus; i++) {
		const smmu_t *sm = s->sys.smmu[i];
		const smmu_stats_t *st = smmu_stats(sm);
		fprintf(out, "  %s: %" PRIu64 " translations, %" PRIu64 " faults; peak TCU occupancy "
			     "%u of %u translation slots, %u of %u walk slots\n",
			p->smmus[i].name, st->translations, st->faults, st->peak_translation_slots,
			p->smmus[i].params.translation_slots, st->peak_walk_slots,
			p->smmus[i].params.walk_slots);
		fputs("    cache hits:", out);
		unsigned shown = 0;
		for (int c = 0; smmu_caches[c]; c++) {
			const cache_t *ca = smmu_cache(sm, smmu_caches[c]);
			if (!ca || !ca->g.entries || !(ca->hits + ca->misses))
				continue;
			rate(r, sizeof r, ca);
			fprintf(out, "%s %s %s", shown++ ? ";" : "", smmu_caches[c], r);
		}
		fputs(shown ? "\n" : " none used\n", out);
	}
	for (unsigned i = 0; p->gic.present && i < p->gic.nits; i++) {
		const its_t *its = s->sys.its[i];
		const its_stats_t *st = its_stats(its);
		fprintf(out, "  %s: %" PRIu64 " MSIs (%" PRIu64 " translated, %" PRIu64 " dropped), %" PRIu64
			     " table reads, %" PRIu64 " commands\n    cache hits:",
			p->gic.its[i].name, st->msis, st->translated, st->dropped, st->table_reads,
			st->commands);
		static const char *const names[] = {"event", "device", "collection"};
		for (int c = 0; c < 3; c++) {
			rate(r, sizeof r, its_cache(its, names[c]));
			fprintf(out, "%s %s %s", c ? ";" : "", names[c], r);
		}
		fputc('\n', out);
	}
	/* MSI paths: from the controller raising the interrupt to a PE taking it. */
	for (int c = 0; c < (int)(p->gic.nits + p->gic.nv2m); c++) {
		sim_time_t q[4];
		uint32_t n = msi_path(s, c, q);
		if (!n)
			continue;
		char a[32], b[32], e[32], f[32];
		ns(a, sizeof a, q[0]);
		ns(b, sizeof b, q[1]);
		ns(e, sizeof e, q[2]);
		ns(f, sizeof f, q[3]);
		fprintf(out, "  MSIs through %s: %u taken; raised to taken: min %s, p50 %s, p99 %s, "
			     "max %s\n",
			c < (int)p->gic.nits ? p->gic.its[c].name : p->gic.v2m[c - (int)p->gic.nits].name,
			n, a, b, e, f);
	}
	dev_stats_t *d = per_device(s);
	for (uint32_t f = 0; d && f < p->fabric.nfuncs; f++) {
		if (!d[f].requests)
			continue;
		char m[32];
		ns(m, sizeof m, d[f].latency / d[f].requests);
		fprintf(out, "  %s: %" PRIu64 " request%s, mean latency %s, %" PRIu64 " violation%s\n",
			p->fabric.funcs[f].name, d[f].requests, d[f].requests == 1 ? "" : "s", m,
			d[f].violations, d[f].violations == 1 ? "" : "s");
	}
	free(d);
}

static void cache_json(jw_t *j, const char *name, const cache_t *c)
{
	jw_key(j, name);
	jw_obj(j);
	jw_ku64(j, "entries", c->g.entries);
	jw_ku64(j, "hits", c->hits);
	jw_ku64(j, "misses", c->misses);
	jw_ku64(j, "evictions", c->evictions);
	jw_obj_end(j);
}

void report_stats_json(jw_t *j, const scenario_t *s)
{
	const platform_t *p = &s->platform;
	jw_key(j, "statistics");
	if (!s->have_sys) {
		jw_null(j);
		return;
	}
	jw_obj(j);
	jw_key(j, "smmus");
	jw_arr(j);
	for (unsigned i = 0; i < p->nsmmus; i++) {
		const smmu_t *sm = s->sys.smmu[i];
		const smmu_stats_t *st = smmu_stats(sm);
		jw_obj(j);
		jw_kstr(j, "name", p->smmus[i].name);
		jw_ku64(j, "translations", st->translations);
		jw_ku64(j, "faults", st->faults);
		jw_ku64(j, "peak_translation_slots", st->peak_translation_slots);
		jw_ku64(j, "peak_walk_slots", st->peak_walk_slots);
		jw_key(j, "caches");
		jw_obj(j);
		for (int c = 0; smmu_caches[c]; c++) {
			const cache_t *ca = smmu_cache(sm, smmu_caches[c]);
			if (ca && ca->g.entries)
				cache_json(j, smmu_caches[c], ca);
		}
		jw_obj_end(j);
		jw_obj_end(j);
	}
	jw_arr_end(j);
	jw_key(j, "its");
	jw_arr(j);
	for (unsigned i = 0; p->gic.present && i < p->gic.nits; i++) {
		const its_t *its = s->sys.its[i];
		const its_stats_t *st = its_stats(its);
		jw_obj(j);
		jw_kstr(j, "name", p->gic.its[i].name);
		jw_ku64(j, "msis", st->msis);
		jw_ku64(j, "translated", st->translated);
		jw_ku64(j, "dropped", st->dropped);
		jw_ku64(j, "table_reads", st->table_reads);
		jw_ku64(j, "commands", st->commands);
		jw_key(j, "caches");
		jw_obj(j);
		cache_json(j, "event", its_cache(its, "event"));
		cache_json(j, "device", its_cache(its, "device"));
		cache_json(j, "collection", its_cache(its, "collection"));
		jw_obj_end(j);
		jw_obj_end(j);
	}
	jw_arr_end(j);
	jw_key(j, "msi_paths");
	jw_arr(j);
	for (int c = 0; c < (int)(p->gic.nits + p->gic.nv2m); c++) {
		sim_time_t q[4];
		uint32_t n = msi_path(s, c, q);
		if (!n)
			continue;
		jw_obj(j);
		jw_kstr(j, "controller",
			c < (int)p->gic.nits ? p->gic.its[c].name : p->gic.v2m[c - (int)p->gic.nits].name);
		jw_ku64(j, "taken", n);
		static const char *const qn[4] = {"min", "p50", "p99", "max"};
		jw_key(j, "raised_to_taken_ps");
		jw_obj(j);
		for (int k = 0; k < 4; k++)
			jw_ku64(j, qn[k], q[k]);
		jw_obj_end(j);
		jw_obj_end(j);
	}
	jw_arr_end(j);
	jw_key(j, "devices");
	jw_arr(j);
	dev_stats_t *d = per_device(s);
	for (uint32_t f = 0; d && f < p->fabric.nfuncs; f++) {
		if (!d[f].requests)
			continue;
		jw_obj(j);
		jw_kstr(j, "function", p->fabric.funcs[f].name);
		jw_ku64(j, "requests", d[f].requests);
		jw_ku64(j, "latency_sum_ps", d[f].latency);
		jw_ku64(j, "violations", d[f].violations);
		jw_obj_end(j);
	}
	free(d);
	jw_arr_end(j);
	jw_obj_end(j);
}
