/* SPDX-License-Identifier: MIT */
/*
 * report_stats.c — the statistics part of run reports: per SMMU (translations, faults, each
 * cache's hit rate, the TCU's peak slot occupancy), per ITS (MSIs, cache hit rates, table
 * reads) and per device (requests, mean latency, violations). Counts are since the platform
 * came out of reset (the drivers' set-up included, which translates nothing).
 */
#include "report_stats.h"

#include "report.h"

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

static void ns(char *buf, size_t size, sim_time_t t)
{
	if (t % SIM_NS)
		snprintf(buf, size, "%" PRIu64 ".%03" PRIu64 " ns", (uint64_t)(t / SIM_NS),
			 (uint64_t)(t % SIM_NS));
	else
		snprintf(buf, size, "%" PRIu64 " ns", (uint64_t)(t / SIM_NS));
}

typedef struct dev_stats {
	uint64_t requests;
	sim_time_t latency; /* summed */
	uint64_t violations;
	sim_time_t q[STREAM_QUANTILES]; /* its requests' latency distribution */
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
	/* Each device's latencies, gathered from its steps and streams, as quantiles. */
	for (uint32_t f = 0; d && f < s->platform.fabric.nfuncs; f++) {
		if (!d[f].requests)
			continue;
		sim_time_t *v = malloc(d[f].requests * sizeof *v);
		uint32_t n = 0;
		for (uint32_t i = 0; v && i < s->nsteps; i++) {
			const step_t *st = &s->steps[i];
			if (st->from != (int32_t)f || st->act != ACT_NONE || !st->ran)
				continue;
			if (st->stream) {
				memcpy(v + n, st->stream->lat, st->stream->done * sizeof *v);
				n += st->stream->done;
			} else {
				v[n++] = st->end - st->start;
			}
		}
		if (v)
			time_quantiles(v, n, d[f].q);
		free(v);
	}
	return d;
}

/* "min A, p50 B, p90 C, p99 D, p99.9 E, max F" */
static void quantile_text(FILE *out, const sim_time_t q[STREAM_QUANTILES])
{
	for (int k = 0; k < STREAM_QUANTILES; k++) {
		char t[32];
		ns(t, sizeof t, q[k]);
		fprintf(out, "%s%s %s", k ? ", " : "", stream_quantile_names[k], t);
	}
}

static void quantile_json(jw_t *j, const char *key, const sim_time_t q[STREAM_QUANTILES])
{
	jw_key(j, key);
	jw_obj(j);
	for (int k = 0; k < STREAM_QUANTILES; k++)
		jw_ku64(j, stream_quantile_names[k], q[k]);
	jw_obj_end(j);
}

/* The run's translation latencies of SMMU i, as quantiles; 0 when none. */
static uint32_t smmu_latency(const scenario_t *s, unsigned i, sim_time_t q[STREAM_QUANTILES])
{
	if (!s->smmu_lat || !s->smmu_lat[i].n)
		return 0;
	uint32_t n = s->smmu_lat[i].n;
	sim_time_t *v = malloc(n * sizeof *v);
	if (!v)
		return 0;
	memcpy(v, s->smmu_lat[i].v, n * sizeof *v);
	time_quantiles(v, n, q);
	free(v);
	return n;
}

/* Interrupts through controller c (ITSs first, then GICv2m frames), found by the vector
 * their INTID is: how many, and min, p50, p99, max of raised-to-taken. */
static uint32_t msi_path(const scenario_t *s, int c, sim_time_t q6[STREAM_QUANTILES],
			 sim_time_t q[4])
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
		time_quantiles(v, n, q6);
		q[0] = q6[0];
		q[1] = q6[1];
		q[2] = q6[3];
		q[3] = q6[5];
	}
	free(v);
	return n;
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
		sim_time_t q[STREAM_QUANTILES];
		uint32_t n = smmu_latency(s, i, q);
		if (n) {
			fprintf(out, "    translation latency (%u in the run): ", n);
			quantile_text(out, q);
			fputc('\n', out);
		}
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
		sim_time_t q[4], q6[STREAM_QUANTILES];
		uint32_t n = msi_path(s, c, q6, q);
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
		fputs("    latency: ", out);
		quantile_text(out, d[f].q);
		fputc('\n', out);
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
		sim_time_t q[STREAM_QUANTILES];
		if (smmu_latency(s, i, q))
			quantile_json(j, "translation_latency_ps", q);
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
		sim_time_t q[4], q6[STREAM_QUANTILES];
		uint32_t n = msi_path(s, c, q6, q);
		if (!n)
			continue;
		jw_obj(j);
		jw_kstr(j, "controller",
			c < (int)p->gic.nits ? p->gic.its[c].name : p->gic.v2m[c - (int)p->gic.nits].name);
		jw_ku64(j, "taken", n);
		quantile_json(j, "raised_to_taken_ps", q6);
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
		quantile_json(j, "latency_ps", d[f].q);
		jw_obj_end(j);
	}
	free(d);
	jw_arr_end(j);
	jw_obj_end(j);
}
