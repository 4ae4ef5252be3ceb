/* SPDX-License-Identifier: MIT */
/* html.c — the self-contained HTML report (see html.h). */
#include "html.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "draw.h"
#include "outfile.h"
#include "report.h"

#define esc outfile_xml_text

static void ns(FILE *f, sim_time_t t)
{
	if (t % 1000)
		fprintf(f, "%" PRIu64 ".%03" PRIu64, (uint64_t)(t / 1000), (uint64_t)(t % 1000));
	else
		fprintf(f, "%" PRIu64, (uint64_t)(t / 1000));
}

/* A histogram of a stream's request latencies: 40 bins from min to max, p50 and p99 marked. */
static void histogram(FILE *f, const stream_t *sm)
{
	sim_time_t q[STREAM_QUANTILES];
	if (!stream_percentiles(sm, q))
		return;
	enum { BINS = 40, W = 640, H = 220, L = 60, B = 40, T = 16 };
	uint32_t bins[BINS] = {0};
	sim_time_t lo = q[0], hi = q[STREAM_QUANTILES - 1], span = hi > lo ? hi - lo : 1;
	for (uint32_t i = 0; i < sm->done; i++) {
		uint64_t b = (uint64_t)(sm->lat[i] - lo) * BINS / (span + 1);
		bins[b < BINS ? b : BINS - 1]++;
	}
	uint32_t top = 1;
	for (int b = 0; b < BINS; b++)
		if (bins[b] > top)
			top = bins[b];
	int pw = W - L - 10, ph = H - T - B;
	fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
		   "font-family=\"sans-serif\" font-size=\"11\">\n<rect width=\"%d\" height=\"%d\" "
		   "fill=\"white\"/>\n",
		W, H, W, H);
	for (int b = 0; b < BINS; b++) {
		if (!bins[b])
			continue;
		int h = (int)((uint64_t)ph * bins[b] / top);
		fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"#3182bd\">"
			   "<title>%u requests</title></rect>\n",
			L + pw * b / BINS, T + ph - h, pw / BINS - 1, h, bins[b]);
	}
	fprintf(f, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#333\"/>\n", L, T + ph,
		L + pw, T + ph);
	fprintf(f, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#333\"/>\n", L, T, L,
		T + ph);
	fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%u</text>\n", L - 4, T + 8, top);
	fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">0</text>\n", L - 4, T + ph);
	fprintf(f, "<text x=\"%d\" y=\"%d\">", L, H - 20);
	ns(f, lo);
	fputs(" ns</text>\n", f);
	fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">", L + pw, H - 20);
	ns(f, hi);
	fputs(" ns</text>\n", f);
	fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">latency (%u requests)</text>\n",
		L + pw / 2, H - 6, sm->done);
	/* p50 and p99. */
	const int marks[2] = {1, 3};
	const char *const names[2] = {"p50", "p99"};
	for (int m = 0; m < 2; m++) {
		int x = L + (int)((uint64_t)pw * (q[marks[m]] - lo) / (span + 1));
		bool right = x > L + pw / 2; /* label on the side with room */
		fprintf(f, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#d62728\" "
			   "stroke-dasharray=\"4 3\"/>\n<text x=\"%d\" y=\"%d\" fill=\"#d62728\" "
			   "text-anchor=\"%s\">%s ",
			x, T, x, T + ph, right ? x - 3 : x + 3, T + 12 + 13 * m, right ? "end" : "start",
			names[m]);
		ns(f, q[marks[m]]);
		fputs(" ns</text>\n", f);
	}
	fputs("</svg>\n", f);
}

/* Graphviz's SVG without its XML prolog, to inline it. */
static void inline_svg(FILE *f, const char *svg)
{
	const char *start = strstr(svg, "<svg");
	fputs(start ? start : svg, f);
}

typedef struct page {
	const scenario_t *s;
	const char *topology; /* SVG, or NULL */
	const char *topology_why;
	const char *text;     /* the text report */
} page_t;

static void write_page(FILE *f, const void *ctx)
{
	const page_t *pg = ctx;
	const scenario_t *s = pg->s;
	const pcie_fabric_t *fab = &s->platform.fabric;
	uint32_t met, not_met, none, nviol = 0;
	scenario_tally(s, &met, &not_met, &none);
	for (uint32_t i = 0; i < s->nsteps; i++)
		nviol += s->steps[i].nviol;
	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>iofab: ",
	      f);
	esc(f, s->name);
	fputs("</title>\n<style>\n"
	      "body{font-family:sans-serif;margin:24px;max-width:1200px;color:#222}\n"
	      "h1{font-size:22px}h2{font-size:17px;margin-top:28px;border-bottom:1px solid #ccc}\n"
	      ".ok{color:#2ca02c;font-weight:bold}.bad{color:#d62728;font-weight:bold}\n"
	      "table{border-collapse:collapse;font-size:13px}td,th{border:1px solid #ccc;padding:3px 6px;"
	      "text-align:left;vertical-align:top}\n"
	      "th{background:#f0f0f0}.viol{background:#fee0d2;padding:8px;margin:6px 0;"
	      "border-left:4px solid #d62728;font-size:13px}\n"
	      "pre{background:#f7f7f7;padding:10px;font-size:12px;overflow-x:auto}\n"
	      ".pic{overflow-x:auto;border:1px solid #ddd}\n</style>\n</head>\n<body>\n",
	      f);
	fputs("<h1>", f);
	esc(f, s->name);
	fputs(" <small>on platform ", f);
	esc(f, s->platform.name);
	fputs("</small></h1>\n", f);
	if (s->description) {
		fputs("<p>", f);
		esc(f, s->description);
		fputs("</p>\n", f);
	}
	fprintf(f, "<p>%u steps: <span class=\"%s\">%u expectation%s met, %u not met</span>; "
		   "<span class=\"%s\">%u isolation violation%s</span>; %u interrupt%s taken.</p>\n",
		s->nsteps, not_met ? "bad" : "ok", met, met == 1 ? "" : "s", not_met,
		nviol ? "bad" : "ok", nviol, nviol == 1 ? "" : "s", s->ndeliveries,
		s->ndeliveries == 1 ? "" : "s");
	if (s->expect.present)
		fprintf(f, "<p>Run expectation (line %u): %s%s</p>\n", s->expect.line,
			s->expect.met ? "<span class=\"ok\">met</span>" : "<span class=\"bad\">NOT MET</span>: ",
			"");
	if (s->expect.present && !s->expect.met) {
		fputs("<p>", f);
		esc(f, s->expect.mismatch);
		fputs("</p>\n", f);
	}
	fputs("<h2>Violations</h2>\n", f);
	if (!nviol)
		fputs("<p class=\"ok\">None: every invariant held.</p>\n", f);
	for (uint32_t i = 0; i < s->nsteps; i++)
		for (unsigned k = 0; k < s->steps[i].nviol; k++) {
			fprintf(f, "<div class=\"viol\"><b>[%u] %s</b> &mdash; ", i + 1,
				inv_token(s->steps[i].viol[k].kind));
			esc(f, s->steps[i].name);
			fputs("<br>", f);
			esc(f, s->steps[i].viol[k].text);
			fputs("</div>\n", f);
		}
	fputs("<h2>Topology</h2>\n", f);
	if (pg->topology) {
		fputs("<p>Functions coloured by owner, IOMMU groups as dashed boxes, ports missing ACS "
		      "redirects outlined in orange; each violation is the red path its TLP took.</p>\n"
		      "<div class=\"pic\">\n",
		      f);
		inline_svg(f, pg->topology);
		fputs("</div>\n", f);
	} else {
		fputs("<p>No picture: ", f);
		esc(f, pg->topology_why ? pg->topology_why : "?");
		fputs(".</p>\n", f);
	}
	fputs("<h2>Steps</h2>\n<table>\n<tr><th>#</th><th>step</th><th>from</th><th>what</th>"
	      "<th>outcome</th><th>latency (ns)</th><th>violations</th><th>expectation</th></tr>\n",
	      f);
	for (uint32_t i = 0; i < s->nsteps; i++) {
		const step_t *st = &s->steps[i];
		fprintf(f, "<tr><td>%u</td><td>", i + 1);
		esc(f, st->name);
		fputs("</td><td>", f);
		esc(f, st->sub >= 0 ? s->subdevs[st->sub].name
		       : st->from >= 0 ? fab->funcs[st->from].name
				       : "host");
		fputs("</td><td>", f);
		if (st->act != ACT_NONE) {
			fputs("action", f);
		} else {
			char tl[200];
			tlp_format(tl, sizeof tl, &st->tlp);
			esc(f, st->stream ? "stream of " : "");
			esc(f, tl);
		}
		fputs("</td><td>", f);
		esc(f, st->act != ACT_NONE ? "" : exp_outcome_token(step_outcome(st)));
		fputs("</td><td>", f);
		sim_time_t q[STREAM_QUANTILES];
		if (st->act == ACT_NONE && st->ran && !st->stream)
			ns(f, st->end - st->start);
		else if (st->stream && stream_percentiles(st->stream, q)) {
			fputs("p50 ", f);
			ns(f, q[1]);
		}
		fputs("</td><td>", f);
		for (unsigned k = 0; k < st->nviol; k++)
			fprintf(f, "%s<span class=\"bad\">%s</span>", k ? ", " : "",
				inv_token(st->viol[k].kind));
		fputs("</td><td>", f);
		if (!st->expect.present && st->met)
			fputs("none", f);
		else if (st->met)
			fputs("<span class=\"ok\">met</span>", f);
		else {
			fputs("<span class=\"bad\">NOT MET</span>: ", f);
			esc(f, st->mismatch);
		}
		fputs("</td></tr>\n", f);
	}
	fputs("</table>\n", f);
	bool streams = false;
	for (uint32_t i = 0; i < s->nsteps; i++)
		streams |= s->steps[i].stream != NULL;
	if (streams) {
		fputs("<h2>Latency histograms</h2>\n", f);
		for (uint32_t i = 0; i < s->nsteps; i++) {
			const stream_t *sm = s->steps[i].stream;
			if (!sm)
				continue;
			sim_time_t q[STREAM_QUANTILES];
			fprintf(f, "<h3>[%u] ", i + 1);
			esc(f, s->steps[i].name);
			fputs("</h3>\n", f);
			if (stream_percentiles(sm, q)) {
				fputs("<table><tr>", f);
				for (int k = 0; k < STREAM_QUANTILES; k++)
					fprintf(f, "<th>%s</th>", stream_quantile_names[k]);
				fputs("<th>requests/s</th><th>TLB hits</th><th>table reads</th></tr>\n<tr>", f);
				for (int k = 0; k < STREAM_QUANTILES; k++) {
					fputs("<td>", f);
					ns(f, q[k]);
					fputs(" ns</td>", f);
				}
				fprintf(f, "<td>%" PRIu64 "</td><td>%u of %u</td><td>%" PRIu64
					   "</td></tr></table>\n",
					stream_rate(sm, 1000000000000ull), sm->utlb_hits + sm->tlb_hits,
					sm->translated, sm->walk_reads);
			}
			histogram(f, sm);
		}
	}
	if (s->nvectors) {
		fputs("<h2>Interrupt vectors</h2>\n<table>\n<tr><th>function</th><th>vector</th>"
		      "<th>controller</th><th>INTID</th><th>PE</th><th>owner</th></tr>\n",
		      f);
		for (uint32_t i = 0; i < s->nvectors; i++) {
			const irq_vector_t *v = &s->vectors[i];
			fputs("<tr><td>", f);
			esc(f, v->sub >= 0 ? s->subdevs[v->sub].name : fab->funcs[v->fn].name);
			fprintf(f, "</td><td>%u</td><td>", v->index);
			esc(f, v->its ? s->platform.gic.its[v->ctrl].name : s->platform.gic.v2m[v->ctrl].name);
			fprintf(f, "</td><td>%u</td><td>%u</td><td>", v->intid, v->set.cpu);
			esc(f, s->owners[v->owner]);
			fputs("</td></tr>\n", f);
		}
		fputs("</table>\n", f);
	}
	fputs("<h2>Full report</h2>\n<pre>", f);
	esc(f, pg->text ? pg->text : "");
	fputs("</pre>\n<p><small>Written by iofab. Every time is simulated; see docs/validation.md "
	      "for how the latencies compare with hardware.</small></p>\n</body>\n</html>\n",
	      f);
}

const char *html_report(const char *dir, const scenario_t *s)
{
	if (mkdir(dir, 0777) && errno != EEXIST)
		return strerror(errno);
	/* The topology with the violations, through Graphviz (the page says so if it is not
	 * installed). */
	char *dot = NULL, *text = NULL;
	size_t dlen = 0, tlen = 0;
	FILE *m = open_memstream(&dot, &dlen);
	if (!m)
		return "out of memory";
	draw_dot(m, &s->platform, s->have_groups ? &s->groups : NULL, s);
	fclose(m);
	m = open_memstream(&text, &tlen);
	if (!m) {
		free(dot);
		return "out of memory";
	}
	report_run_text(m, s);
	fclose(m);
	const char *why = NULL;
	char *svg = draw_svg(dot, dlen, &why);
	page_t pg = {s, svg, why, text};
	size_t n = strlen(dir) + 16;
	char *path = malloc(n);
	const char *err = NULL;
	if (!path)
		err = "out of memory";
	else {
		snprintf(path, n, "%s/index.html", dir);
		if (!outfile_write(path, write_page, &pg))
			err = "cannot write index.html";
	}
	free(path);
	free(svg);
	free(dot);
	free(text);
	return err;
}
