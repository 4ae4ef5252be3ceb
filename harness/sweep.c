/* SPDX-License-Identifier: MIT */
/*
 * sweep.c — `iofab sweep` (see sweep.h). Variants are numbered in the cross product's order,
 * the last key varying fastest; each runs in a child process (forkpool), and the CSV rows
 * and the chart come out in that order whatever order the variants finish in, so the same
 * inputs always give the same files.
 */
#include "sweep.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "forkpool.h"
#include "outfile.h"
#include "report.h"
#include "scenario.h"

#define SWEEP_MAX_STREAMS 64 /* streams of a scenario in the table (the first ones) */

typedef struct sweep_stream {
	uint32_t step; /* 1-based */
	char name[96];
	uint32_t requests, translated, utlb_hits, tlb_hits;
	uint64_t walk_reads;
	sim_time_t q[STREAM_QUANTILES], mean;
	uint64_t rps;
} sweep_stream_t;

typedef struct sweep_rec {
	int status; /* 0 ran, 2 bad input */
	char message[1024];
	uint32_t met, not_met, nstreams;
	sweep_stream_t st[SWEEP_MAX_STREAMS];
} sweep_rec_t;

typedef struct sweep_ctx {
	const sweep_opts_t *o;
	size_t n;
	sweep_rec_t *recs;
	size_t done;
	bool bad;
} sweep_ctx_t;

static const char *const metrics[] = {"min", "p50", "p90", "p99", "p99.9", "max", "mean",
				      "requests_per_s", NULL};

bool sweep_metric_known(const char *m)
{
	for (int i = 0; metrics[i]; i++)
		if (!strcmp(metrics[i], m))
			return true;
	return false;
}

const char *sweep_add_key(sweep_opts_t *o, char *arg)
{
	if (o->nkeys == SWEEP_MAX_KEYS)
		return "at most 4 --set keys";
	char *eq = strchr(arg, '=');
	if (!eq || eq == arg || !eq[1])
		return "expected KEY=V1,V2,...";
	*eq = '\0';
	struct sweep_key *k = &o->keys[o->nkeys];
	k->key = arg;
	k->n = 0;
	for (char *v = eq + 1, *next; v; v = next) {
		next = strchr(v, ',');
		if (next)
			*next++ = '\0';
		if (!*v)
			return "an empty value in the list";
		if (k->n == SWEEP_MAX_VALUES)
			return "at most 64 values per key";
		k->values[k->n++] = v;
	}
	for (unsigned i = 0; i < o->nkeys; i++)
		if (!strcmp(o->keys[i].key, arg))
			return "the same key twice";
	o->nkeys++;
	return NULL;
}

/* The value of key k in variant i (the last key varies fastest). */
static const char *value_of(const sweep_opts_t *o, size_t i, unsigned k)
{
	for (unsigned j = o->nkeys; j-- > k + 1;)
		i /= o->keys[j].n;
	return o->keys[k].values[i % o->keys[k].n];
}

static void child(size_t i, void *recp, void *ctxp)
{
	const sweep_ctx_t *ctx = ctxp;
	const sweep_opts_t *o = ctx->o;
	sweep_rec_t *r = recp;
	ydoc_setting_t sets[SWEEP_MAX_KEYS];
	for (unsigned k = 0; k < o->nkeys; k++)
		sets[k] = (ydoc_setting_t){o->keys[k].key, value_of(o, i, k), NULL};
	yerrs_t errs = {0};
	scenario_t s;
	if (!scenario_load_set(&s, o->scenario, sets, o->nkeys, &errs)) {
		r->status = 2;
		for (unsigned e = 0; e < errs.n; e++)
			snprintf(r->message + strlen(r->message), sizeof r->message - strlen(r->message),
				 "%s\n", errs.msgs[e]);
		if (!errs.n)
			snprintf(r->message, sizeof r->message, "cannot load %s\n", o->scenario);
		yerrs_free(&errs);
		return;
	}
	if (!scenario_run(&s)) {
		r->status = 2;
		snprintf(r->message, sizeof r->message, "out of memory\n");
		scenario_free(&s);
		return;
	}
	uint32_t none;
	scenario_tally(&s, &r->met, &r->not_met, &none);
	for (uint32_t k = 0; k < s.nsteps && r->nstreams < SWEEP_MAX_STREAMS; k++) {
		const stream_t *sm = s.steps[k].stream;
		if (!sm)
			continue;
		sweep_stream_t *w = &r->st[r->nstreams++];
		w->step = k + 1;
		snprintf(w->name, sizeof w->name, "%s", s.steps[k].name);
		w->requests = sm->done;
		w->translated = sm->translated;
		w->utlb_hits = sm->utlb_hits;
		w->tlb_hits = sm->tlb_hits;
		w->walk_reads = sm->walk_reads;
		stream_percentiles(sm, w->q);
		sim_time_t sum = 0;
		for (uint32_t q = 0; q < sm->done; q++)
			sum += sm->lat[q];
		w->mean = sm->done ? sum / sm->done : 0;
		w->rps = stream_rate(sm, 1000000000000ull);
	}
	scenario_free(&s);
}

static void done(size_t i, const void *recp, bool ok, int sig, void *ctxp)
{
	sweep_ctx_t *ctx = ctxp;
	sweep_rec_t *r = &ctx->recs[i];
	if (!ok) {
		(void)recp;
		memset(r, 0, sizeof *r);
		r->status = 2;
		snprintf(r->message, sizeof r->message,
			 sig ? "iofab crashed running variant %zu (signal %d): please report this\n"
			     : "variant %zu ended without a result\n",
			 i + 1, sig);
	}
	ctx->bad |= r->status != 0;
	ctx->done++;
	if (ctx->o->progress) {
		fprintf(stderr, "\rsweep: %zu of %zu variants done", ctx->done, ctx->n);
		if (ctx->done == ctx->n)
			fputc('\n', stderr);
		fflush(stderr);
	}
}

/* Picoseconds as nanoseconds with three decimals. */
static void ns3(FILE *f, sim_time_t t)
{
	fprintf(f, "%" PRIu64 ".%03" PRIu64, (uint64_t)(t / 1000), (uint64_t)(t % 1000));
}

static void csv_field(FILE *f, const char *s)
{
	if (!strpbrk(s, ",\"\n")) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

static void write_csv(FILE *f, const void *ctxp)
{
	const sweep_ctx_t *ctx = ctxp;
	const sweep_opts_t *o = ctx->o;
	for (unsigned k = 0; k < o->nkeys; k++) {
		csv_field(f, o->keys[k].key);
		fputc(',', f);
	}
	fputs("step,stream,requests,min_ns,p50_ns,p90_ns,p99_ns,p99.9_ns,max_ns,mean_ns,"
	      "requests_per_s,translated,utlb_hits,tlb_hits,walk_reads,expectations_met,"
	      "expectations_not_met\n",
	      f);
	for (size_t i = 0; i < ctx->n; i++) {
		const sweep_rec_t *r = &ctx->recs[i];
		for (uint32_t s = 0; s < r->nstreams; s++) {
			const sweep_stream_t *w = &r->st[s];
			for (unsigned k = 0; k < o->nkeys; k++) {
				csv_field(f, value_of(o, i, k));
				fputc(',', f);
			}
			fprintf(f, "%u,", w->step);
			csv_field(f, w->name);
			fprintf(f, ",%u", w->requests);
			for (int q = 0; q < STREAM_QUANTILES; q++) {
				fputc(',', f);
				ns3(f, w->q[q]);
			}
			fputc(',', f);
			ns3(f, w->mean);
			fprintf(f, ",%" PRIu64 ",%u,%u,%u,%" PRIu64 ",%u,%u\n", w->rps, w->translated,
				w->utlb_hits, w->tlb_hits, w->walk_reads, r->met, r->not_met);
		}
	}
}

/* The metric of one stream, in picoseconds (latencies) or requests per second. */
static uint64_t metric_of(const sweep_stream_t *w, const char *m)
{
	for (int q = 0; q < STREAM_QUANTILES; q++)
		if (!strcmp(m, stream_quantile_names[q]))
			return w->q[q];
	if (!strcmp(m, "mean"))
		return w->mean;
	return w->rps;
}

/* A round axis top at or above v: 1, 2 or 5 times a power of ten. */
static uint64_t nice_top(uint64_t v)
{
	uint64_t p = 1;
	while (p * 10 <= v)
		p *= 10;
	for (uint64_t m = 1; m <= 10; m++)
		if ((m == 1 || m == 2 || m == 5 || m == 10) && m * p >= v)
			return m * p;
	return 10 * p;
}

static const char *const palette[] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd",
				      "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};

static void write_svg(FILE *f, const void *ctxp)
{
	const sweep_ctx_t *ctx = ctxp;
	const sweep_opts_t *o = ctx->o;
	const char *m = o->metric ? o->metric : "p50";
	bool latency = strcmp(m, "requests_per_s") != 0;
	unsigned nx = o->keys[0].n;
	size_t per_x = ctx->n / nx; /* variants per value of the first key */
	uint32_t nstreams = ctx->recs[0].nstreams;
	/* The largest value, in display units (ns, or requests per second). */
	uint64_t top = 1;
	for (size_t i = 0; i < ctx->n; i++)
		for (uint32_t s = 0; s < ctx->recs[i].nstreams; s++) {
			uint64_t v = metric_of(&ctx->recs[i].st[s], m);
			v = latency ? (v + 999) / 1000 : v;
			if (v > top)
				top = v;
		}
	top = nice_top(top + top / 10);
	/* Room for the legend's longest label (about 7 px a character). */
	size_t longest = 8;
	for (size_t c = 0; c < per_x; c++) {
		size_t len = 8;
		for (unsigned k = 1; k < o->nkeys; k++)
			if (o->keys[k].n > 1) {
				const char *key = strrchr(o->keys[k].key, '.');
				len += strlen(key ? key + 1 : o->keys[k].key) +
				       strlen(value_of(o, c, k)) + 2;
			}
		if (len > longest)
			longest = len;
	}
	const int L = 80, T = 50, B = 70, H = 440, pw = 460;
	const int W = L + pw + 50 + 7 * (int)longest;
	int ph = H - T - B;
	fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
		   "viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"12\">\n",
		W, H, W, H);
	fprintf(f, "<rect width=\"%d\" height=\"%d\" fill=\"white\"/>\n", W, H);
	fputs("<text x=\"20\" y=\"24\" font-size=\"15\" font-weight=\"bold\">", f);
	outfile_xml_text(f, ctx->recs[0].nstreams ? ctx->recs[0].st[0].name : o->scenario);
	fputs("</text>\n", f);
	/* Axes, grid and ticks. */
	fprintf(f, "<g stroke=\"#ccc\">\n");
	for (int t = 0; t <= 5; t++) {
		int y = T + ph - ph * t / 5;
		fprintf(f, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/>\n", L, y, L + pw, y);
	}
	fprintf(f, "</g>\n<g text-anchor=\"end\">\n");
	for (int t = 0; t <= 5; t++) {
		int y = T + ph - ph * t / 5;
		fprintf(f, "<text x=\"%d\" y=\"%d\">%" PRIu64 "</text>\n", L - 6, y + 4,
			top * (uint64_t)t / 5);
	}
	fprintf(f, "</g>\n<g text-anchor=\"middle\">\n");
	for (unsigned x = 0; x < nx; x++) {
		int px = L + (nx > 1 ? pw * (int)x / (int)(nx - 1) : pw / 2);
		fprintf(f, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#999\"/>\n", px,
			T + ph, px, T + ph + 5);
		fprintf(f, "<text x=\"%d\" y=\"%d\">", px, T + ph + 20);
		outfile_xml_text(f, o->keys[0].values[x]);
		fputs("</text>\n", f);
	}
	fprintf(f, "<text x=\"%d\" y=\"%d\">", L + pw / 2, H - 22);
	outfile_xml_text(f, o->keys[0].key);
	fputs("</text>\n</g>\n", f);
	fprintf(f, "<text transform=\"translate(22 %d) rotate(-90)\" text-anchor=\"middle\">%s%s</text>\n",
		T + ph / 2, m, latency ? " latency (ns)" : "");
	fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" "
		   "stroke=\"#333\"/>\n",
		L, T, pw, ph);
	/* A series per combination of the other keys and per stream. */
	unsigned series = 0;
	for (size_t c = 0; c < per_x; c++)
		for (uint32_t s = 0; s < nstreams; s++, series++) {
			const char *col = palette[series % (sizeof palette / sizeof palette[0])];
			/* The series' points: the line through them, then a dot on each. */
			for (int pass = 0; pass < 2; pass++) {
				if (!pass)
					fprintf(f, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\" "
						   "points=\"",
						col);
				for (unsigned x = 0; x < nx; x++) {
					const sweep_rec_t *r = &ctx->recs[x * per_x + c];
					if (s >= r->nstreams)
						continue;
					uint64_t v = metric_of(&r->st[s], m);
					int px = L + (nx > 1 ? pw * (int)x / (int)(nx - 1) : pw / 2);
					int py = T + ph - (int)((uint64_t)ph * v / (latency ? 1000 : 1) / top);
					if (!pass)
						fprintf(f, "%s%d,%d", x ? " " : "", px, py);
					else
						fprintf(f, "<circle cx=\"%d\" cy=\"%d\" r=\"3\" fill=\"%s\"/>\n",
							px, py, col);
				}
				if (!pass)
					fputs("\"/>\n", f);
			}
			/* The legend: the other keys' values (and the stream, if several). */
			int ly = T + 10 + 18 * (int)series;
			fprintf(f, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\" "
				   "stroke-width=\"2\"/>\n",
				L + pw + 14, ly, L + pw + 34, ly, col);
			fprintf(f, "<text x=\"%d\" y=\"%d\">", L + pw + 40, ly + 4);
			for (unsigned k = 1; k < o->nkeys; k++) {
				if (o->keys[k].n == 1)
					continue; /* the same in every series */
				const char *key = strrchr(o->keys[k].key, '.');
				outfile_xml_text(f, key ? key + 1 : o->keys[k].key);
				fputc('=', f);
				outfile_xml_text(f, value_of(o, c, k));
				fputc(' ', f);
			}
			if (nstreams > 1 || o->nkeys == 1)
				fprintf(f, "step %u", ctx->recs[c].nstreams > s ? ctx->recs[c].st[s].step : 0);
			fputs("</text>\n", f);
		}
	fputs("</svg>\n", f);
}

int sweep_run(const sweep_opts_t *o)
{
	size_t n = 1;
	for (unsigned k = 0; k < o->nkeys; k++)
		n *= o->keys[k].n;
	sweep_ctx_t ctx = {o, n, calloc(n, sizeof(sweep_rec_t)), 0, false};
	forkpool_t fp = {n, o->jobs, sizeof(sweep_rec_t), ctx.recs, &ctx, child, done};
	if (!ctx.recs || !forkpool_run(&fp)) {
		free(ctx.recs);
		fputs("iofab: out of memory\n", stderr);
		return 2;
	}
	/* Bad input in any variant: its messages, and no output at all. */
	for (size_t i = 0; i < n; i++)
		if (ctx.recs[i].status) {
			fprintf(stderr, "iofab: variant %zu (", i + 1);
			for (unsigned k = 0; k < o->nkeys; k++)
				fprintf(stderr, "%s%s=%s", k ? ", " : "", o->keys[k].key, value_of(o, i, k));
			fprintf(stderr, "):\n%s", ctx.recs[i].message);
			free(ctx.recs);
			return 2;
		}
	bool any = false;
	for (size_t i = 0; i < n; i++)
		any |= ctx.recs[i].nstreams > 0;
	if (!any) {
		fprintf(stderr, "iofab: %s has no stream step: a sweep measures streams\n",
			o->scenario);
		free(ctx.recs);
		return 2;
	}
	int status = 0;
	if (!o->csv)
		write_csv(stdout, &ctx);
	else if (!outfile_write(o->csv, write_csv, &ctx)) {
		fprintf(stderr, "iofab: cannot write %s\n", o->csv);
		status = 2;
	}
	if (!status && o->svg && !outfile_write(o->svg, write_svg, &ctx)) {
		fprintf(stderr, "iofab: cannot write %s\n", o->svg);
		status = 2;
	}
	free(ctx.recs);
	return status;
}
