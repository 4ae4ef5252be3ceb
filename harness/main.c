/* SPDX-License-Identifier: MIT */
/*
 * main.c — the `iofab` command.
 *
 * Exit status: 0 success (every expectation met), 1 an expectation not met, 2 bad input or
 * usage (nothing is run and no output file is written).
 */
#include <inttypes.h>
#include <stdio.h>
#include <sys/stat.h>
#include <time.h>
#include <stdlib.h>
#include <string.h>

#include "draw.h"
#include "groups.h"
#include "platform.h"
#include "report.h"
#include "scenario.h"
#include "outfile.h"
#include "sweep.h"
#include "testrun.h"
#include "trace.h"
#include "html.h"

#include <unistd.h>

#define IOFAB_VERSION "0.1.0"

enum { EXIT_OK = 0, EXIT_MISMATCH = 1, EXIT_BAD_INPUT = 2 };

static void usage(FILE *out)
{
	fputs("usage: iofab COMMAND [options] FILE\n"
	      "\n"
	      "commands:\n"
	      "  groups PLATFORM.yaml [--format text|json] [--explain]\n"
	      "        IOMMU groups as Linux forms them, one sysfs path per function\n"
	      "  resv PLATFORM.yaml\n"
	      "        each IOMMU group's reserved regions, as in /sys/kernel/iommu_groups/N/\n"
	      "        reserved_regions\n"
	      "  topo PLATFORM.yaml\n"
	      "        the enumerated topology: bus numbers, windows, BARs, ACS\n"
	      "  run SCENARIO.yaml [--set KEY=VALUE]... [--json FILE] [--trace FILE] [--html DIR]\n"
	      "        run a scenario; exit 0 when every expectation holds, 1 when one does not;\n"
	      "        --trace: a Chrome/Perfetto trace of every TLP; --html: a report with pictures\n"
	      "  test PATH... [-j N] [--junit FILE]\n"
	      "        run every scenario under the paths (directories recursively), N at a\n"
	      "        time; one line each; exit 0 when all pass, 1 when one fails, 2 on bad input\n"
	      "  sweep SCENARIO.yaml --set KEY=V1,V2,... [--set ...] [-j N] [--csv FILE]\n"
	      "        [--svg FILE] [--metric p50|...]\n"
	      "        run the scenario for every combination of the values (KEY: a path into\n"
	      "        the scenario, platform.PATH into its platform file); a CSV row per\n"
	      "        variant and stream, and the metric plotted against the first key\n"
	      "  draw PLATFORM-or-SCENARIO.yaml [-o FILE.svg] [--dot FILE.dot]\n"
	      "        the topology as SVG (Graphviz): ACS, owners, IOMMU groups, SMMUs, MSI\n"
	      "        controllers; for a scenario, its violations as red paths\n"
	      "  version\n"
	      "\n"
	      "Bad input exits with status 2 and messages of the form FILE:LINE:COL: what is wrong.\n"
	      "Documentation: docs/platform-format.md, docs/scenario-format.md.\n",
	      out);
}

static int print_errors(yerrs_t *e)
{
	for (unsigned i = 0; i < e->n; i++)
		fprintf(stderr, "%s\n", e->msgs[i]);
	if (e->dropped)
		fprintf(stderr, "(%u more errors not shown)\n", e->dropped);
	yerrs_free(e);
	return EXIT_BAD_INPUT;
}

static int bad_usage(const char *fmt, const char *arg)
{
	fputs("iofab: ", stderr);
	fprintf(stderr, fmt, arg);
	fputs("\n(run 'iofab help' for usage)\n", stderr);
	return EXIT_BAD_INPUT;
}

static int cmd_groups(int argc, char **argv)
{
	const char *file = NULL, *format = "text";
	bool explain = false;
	for (int i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--format")) {
			if (++i >= argc)
				return bad_usage("%s needs a value (text or json)", "--format");
			format = argv[i];
			if (strcmp(format, "text") && strcmp(format, "json"))
				return bad_usage("unknown --format '%s' (expected text or json)", format);
		} else if (!strcmp(argv[i], "--explain")) {
			explain = true;
		} else if (argv[i][0] == '-') {
			return bad_usage("unknown option '%s' for 'groups'", argv[i]);
		} else if (file) {
			return bad_usage("one platform file at a time ('%s' is extra)", argv[i]);
		} else {
			file = argv[i];
		}
	}
	if (!file)
		return bad_usage("%s: missing PLATFORM.yaml", "groups");
	yerrs_t errs = {0};
	platform_t p;
	if (!platform_load(&p, file, &errs))
		return print_errors(&errs);
	iommu_groups_t g;
	if (!groups_compute(&p, &g)) {
		platform_free(&p);
		fputs("iofab: out of memory\n", stderr);
		return EXIT_BAD_INPUT;
	}
	if (!strcmp(format, "json"))
		report_groups_json(stdout, &p, &g);
	else {
		report_groups_text(stdout, &p, &g, explain);
		report_groups_warnings(stderr, &p, &g);
	}
	groups_free(&g);
	platform_free(&p);
	return EXIT_OK;
}

static int cmd_resv(int argc, char **argv)
{
	if (argc != 1 || argv[0][0] == '-')
		return bad_usage("%s: expected exactly one PLATFORM.yaml", "resv");
	yerrs_t errs = {0};
	platform_t p;
	if (!platform_load(&p, argv[0], &errs))
		return print_errors(&errs);
	iommu_groups_t g;
	bool ok = groups_compute(&p, &g);
	ok = ok && report_resv_text(stdout, &p, &g);
	if (ok)
		groups_free(&g);
	platform_free(&p);
	if (!ok) {
		fputs("iofab: out of memory\n", stderr);
		return EXIT_BAD_INPUT;
	}
	return EXIT_OK;
}

static int cmd_topo(int argc, char **argv)
{
	if (argc != 1 || argv[0][0] == '-')
		return bad_usage("%s: expected exactly one PLATFORM.yaml", "topo");
	yerrs_t errs = {0};
	platform_t p;
	if (!platform_load(&p, argv[0], &errs))
		return print_errors(&errs);
	report_topology(stdout, &p);
	platform_free(&p);
	return EXIT_OK;
}

static void json_report(FILE *f, const void *s)
{
	report_run_json(f, s);
}

/* Writes a text held in memory (ctx: the NUL-terminated text). */
static void text_out(FILE *f, const void *ctx)
{
	fputs(ctx, f);
}

/* Progress of a long run on a terminal: simulated time and requests, at most 10 times a
 * second, on one line of standard error (erased at the end). */
static void run_progress(void *ctx, const scenario_t *s, uint64_t requests, sim_time_t now,
			 bool end)
{
	(void)ctx;
	static struct timespec last;
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	if (end) {
		if (last.tv_sec || last.tv_nsec)
			fputs("\r\033[K", stderr);
		return;
	}
	long ms = (t.tv_sec - last.tv_sec) * 1000 + (t.tv_nsec - last.tv_nsec) / 1000000;
	if (ms < 100)
		return;
	last = t;
	fprintf(stderr, "\r%s: %" PRIu64 " requests, %" PRIu64 ".%03" PRIu64 " us simulated",
		s->name, requests, (uint64_t)(now / SIM_US), (uint64_t)(now % SIM_US / SIM_NS));
	fflush(stderr);
}

/* Whether a file could be written at path (its directory exists and is writable), or, for
 * a directory to create, whether it exists writable or its parent is. Checked for every
 * output before anything runs, so that no output is written when one cannot be. */
static bool writable(const char *path, bool is_dir)
{
	struct stat st;
	if (is_dir && !stat(path, &st))
		return S_ISDIR(st.st_mode) && !access(path, W_OK);
	char *copy = strdup(path);
	if (!copy)
		return false;
	char *slash = strrchr(copy, '/');
	const char *dir = slash ? (slash == copy ? "/" : (*slash = '\0', copy)) : ".";
	bool ok = !stat(dir, &st) && S_ISDIR(st.st_mode) && !access(dir, W_OK);
	free(copy);
	return ok;
}

static int cmd_run(int argc, char **argv)
{
	const char *file = NULL, *json = NULL, *trace = NULL, *html = NULL;
	ydoc_setting_t sets[16];
	unsigned nsets = 0;
	for (int i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--set")) {
			char *eq = i + 1 < argc ? strchr(argv[i + 1], '=') : NULL;
			if (!eq || eq == argv[i + 1] || nsets == 16)
				return bad_usage("%s needs KEY=VALUE (at most 16 of them)", "--set");
			*eq = '\0';
			sets[nsets++] = (ydoc_setting_t){argv[i + 1], eq + 1, NULL};
			i++;
			continue;
		}
		if (!strcmp(argv[i], "--json") || !strcmp(argv[i], "--trace") ||
		    !strcmp(argv[i], "--html")) {
			if (i + 1 >= argc)
				return bad_usage("%s needs a file name", argv[i]);
			const char **dst = !strcmp(argv[i], "--json")	 ? &json
					   : !strcmp(argv[i], "--trace") ? &trace
									 : &html;
			*dst = argv[++i];
		} else if (argv[i][0] == '-') {
			return bad_usage("unknown option '%s' for 'run'", argv[i]);
		} else if (file) {
			return bad_usage("one scenario at a time ('%s' is extra)", argv[i]);
		} else {
			file = argv[i];
		}
	}
	if (!file)
		return bad_usage("%s: missing SCENARIO.yaml", "run");
	yerrs_t errs = {0};
	scenario_t s;
	const char *outs[3] = {json, trace, html};
	for (int k = 0; k < 3; k++)
		if (outs[k] && !writable(outs[k], k == 2)) {
			if (k == 2)
				fprintf(stderr, "iofab: cannot write the HTML report in %s: no such "
						"directory, and its parent cannot hold one\n",
					outs[k]);
			else
				fprintf(stderr, "iofab: cannot write %s\n", outs[k]);
			return EXIT_BAD_INPUT;
		}
	if (!scenario_load_set(&s, file, sets, nsets, &errs))
		return print_errors(&errs);
	if (isatty(STDERR_FILENO))
		s.progress = run_progress;
	if ((trace && !trace_begin(&s)) || !scenario_run(&s)) {
		scenario_free(&s);
		fputs("iofab: out of memory\n", stderr);
		return EXIT_BAD_INPUT;
	}
	if (json && !outfile_write(json, json_report, &s)) {
		fprintf(stderr, "iofab: cannot write %s\n", json);
		scenario_free(&s);
		return EXIT_BAD_INPUT;
	}
	if (trace) {
		size_t len;
		char *text = trace_end(&s, &len);
		bool ok = text && outfile_write(trace, text_out, text);
		free(text);
		if (!ok) {
			fprintf(stderr, "iofab: cannot write %s\n", trace);
			scenario_free(&s);
			return EXIT_BAD_INPUT;
		}
	}
	if (html) {
		const char *why = html_report(html, &s);
		if (why) {
			fprintf(stderr, "iofab: cannot write the HTML report in %s: %s\n", html, why);
			scenario_free(&s);
			return EXIT_BAD_INPUT;
		}
	}
	report_run_text(stdout, &s);
	uint32_t met, not_met, none;
	scenario_tally(&s, &met, &not_met, &none);
	scenario_free(&s);
	return not_met ? EXIT_MISMATCH : EXIT_OK;
}

/* As many jobs as processors, by default. */
static unsigned default_jobs(void)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	return cpus > 0 ? (unsigned)cpus : 1;
}

/* -j N, --jobs N or -jN at argv[*i] (moving *i past a separate value): false when the
 * number is missing or outside 1..256. */
static bool parse_jobs(int argc, char **argv, int *i, unsigned *jobs)
{
	const char *a = argv[*i];
	bool joined = a[2] != '\0' && strcmp(a, "--jobs");
	const char *val = joined ? a + 2 : *i + 1 < argc ? argv[*i + 1] : NULL;
	char *end = NULL;
	long v = val ? strtol(val, &end, 10) : 0;
	if (!val || *end || v < 1 || v > 256)
		return false;
	*jobs = (unsigned)v;
	if (!joined)
		(*i)++;
	return true;
}

static int cmd_test(int argc, char **argv)
{
	const char *junit = NULL;
	unsigned jobs = default_jobs();
	char **paths = calloc((size_t)argc + 1, sizeof *paths);
	int n = 0;
	if (!paths)
		return EXIT_BAD_INPUT;
	for (int i = 0; i < argc; i++) {
		if (!strncmp(argv[i], "-j", 2) || !strcmp(argv[i], "--jobs")) {
			if (!parse_jobs(argc, argv, &i, &jobs)) {
				free(paths);
				return bad_usage("%s needs a number of jobs from 1 to 256", "-j");
			}
		} else if (!strcmp(argv[i], "--junit")) {
			if (++i >= argc) {
				free(paths);
				return bad_usage("%s needs a file name", "--junit");
			}
			junit = argv[i];
		} else if (argv[i][0] == '-') {
			free(paths);
			return bad_usage("unknown option '%s' for 'test'", argv[i]);
		} else {
			paths[n++] = argv[i];
		}
	}
	if (!n) {
		free(paths);
		return bad_usage("%s: missing a scenario file or directory", "test");
	}
	int status = testrun(paths, n, jobs, junit, stdout);
	free(paths);
	return status;
}

typedef struct draw_ctx {
	const platform_t *p;
	const iommu_groups_t *g;
	const scenario_t *s;
} draw_ctx_t;

static void dot_out(FILE *f, const void *ctx)
{
	const draw_ctx_t *d = ctx;
	draw_dot(f, d->p, d->g, d->s);
}


/* Whether a YAML file is a scenario (it has steps) rather than a platform. */
static bool is_scenario(const char *file)
{
	ydoc_t d;
	yerrs_t e = {0};
	bool yes = false;
	if (ydoc_load(&d, file, &e)) {
		ycur_t root = ydoc_root(&d);
		yes = yget(&root, "steps").node != NULL;
	}
	ydoc_free(&d);
	yerrs_free(&e);
	return yes;
}

static int cmd_draw(int argc, char **argv)
{
	const char *file = NULL, *out = NULL, *dot = NULL;
	for (int i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "-o") || !strcmp(argv[i], "--dot")) {
			if (i + 1 >= argc)
				return bad_usage("%s needs a file name", argv[i]);
			*(!strcmp(argv[i], "-o") ? &out : &dot) = argv[i + 1];
			i++;
		} else if (argv[i][0] == '-') {
			return bad_usage("unknown option '%s' for 'draw'", argv[i]);
		} else if (file) {
			return bad_usage("%s: one platform or scenario file", "draw");
		} else {
			file = argv[i];
		}
	}
	if (!file)
		return bad_usage("%s: missing a platform or scenario file", "draw");
	yerrs_t errs = {0};
	scenario_t s;
	platform_t p;
	iommu_groups_t g;
	draw_ctx_t d = {0};
	bool scen = is_scenario(file);
	if (scen) {
		if (!scenario_load(&s, file, &errs))
			return print_errors(&errs);
		if (!scenario_run(&s)) {
			scenario_free(&s);
			fputs("iofab: out of memory\n", stderr);
			return EXIT_BAD_INPUT;
		}
		d = (draw_ctx_t){&s.platform, s.have_groups ? &s.groups : NULL, &s};
	} else {
		if (!platform_load(&p, file, &errs))
			return print_errors(&errs);
		if (!groups_compute(&p, &g)) {
			platform_free(&p);
			fputs("iofab: out of memory\n", stderr);
			return EXIT_BAD_INPUT;
		}
		d = (draw_ctx_t){&p, &g, NULL};
	}
	/* The DOT text, then Graphviz's SVG; files are written only when both worked. */
	char *text = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&text, &len);
	if (m) {
		dot_out(m, &d);
		fclose(m);
	}
	const char *why = "out of memory";
	char *svg = text ? draw_svg(text, len, &why) : NULL;
	int status = EXIT_OK;
	if (!svg) {
		fprintf(stderr, "iofab: %s\n", why);
		status = EXIT_BAD_INPUT;
	} else {
		if (dot && !outfile_write(dot, text_out, text)) {
			fprintf(stderr, "iofab: cannot write %s\n", dot);
			status = EXIT_BAD_INPUT;
		}
		if (!status && out && !outfile_write(out, text_out, svg)) {
			fprintf(stderr, "iofab: cannot write %s\n", out);
			status = EXIT_BAD_INPUT;
		} else if (!status && !out) {
			fputs(svg, stdout);
		}
	}
	free(svg);
	free(text);
	if (scen) {
		scenario_free(&s);
	} else {
		groups_free(&g);
		platform_free(&p);
	}
	return status;
}

static int cmd_sweep(int argc, char **argv)
{
	sweep_opts_t o;
	memset(&o, 0, sizeof o);
	o.jobs = default_jobs();
	o.progress = isatty(STDERR_FILENO);
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--set") || !strcmp(a, "--csv") || !strcmp(a, "--svg") ||
		    !strcmp(a, "--metric")) {
			if (++i >= argc)
				return bad_usage("%s needs a value", a);
			if (!strcmp(a, "--csv")) {
				o.csv = argv[i];
			} else if (!strcmp(a, "--svg")) {
				o.svg = argv[i];
			} else if (!strcmp(a, "--metric")) {
				if (!sweep_metric_known(argv[i]))
					return bad_usage("unknown metric '%s' (expected min, p50, p90, p99, "
							 "p99.9, max, mean or requests_per_s)",
							 argv[i]);
				o.metric = argv[i];
			} else {
				char given[512];
				snprintf(given, sizeof given, "%s", argv[i]);
				const char *why = sweep_add_key(&o, argv[i]);
				if (why) {
					fprintf(stderr, "iofab: --set %s: %s\n", given, why);
					return EXIT_BAD_INPUT;
				}
			}
		} else if (!strncmp(a, "-j", 2) || !strcmp(a, "--jobs")) {
			if (!parse_jobs(argc, argv, &i, &o.jobs))
				return bad_usage("%s needs a number of jobs from 1 to 256", "-j");
		} else if (!strcmp(a, "--progress")) {
			o.progress = true;
		} else if (!strcmp(a, "--no-progress")) {
			o.progress = false;
		} else if (a[0] == '-') {
			return bad_usage("unknown option '%s' for 'sweep'", a);
		} else if (o.scenario) {
			return bad_usage("%s: one scenario per sweep", "sweep");
		} else {
			o.scenario = a;
		}
	}
	if (!o.scenario)
		return bad_usage("%s: missing a scenario file", "sweep");
	if (!o.nkeys)
		return bad_usage("%s: nothing to vary (give --set KEY=V1,V2,...)", "sweep");
	return sweep_run(&o);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return EXIT_BAD_INPUT;
	}
	const char *cmd = argv[1];
	if (!strcmp(cmd, "groups"))
		return cmd_groups(argc - 2, argv + 2);
	if (!strcmp(cmd, "resv"))
		return cmd_resv(argc - 2, argv + 2);
	if (!strcmp(cmd, "topo"))
		return cmd_topo(argc - 2, argv + 2);
	if (!strcmp(cmd, "run"))
		return cmd_run(argc - 2, argv + 2);
	if (!strcmp(cmd, "test"))
		return cmd_test(argc - 2, argv + 2);
	if (!strcmp(cmd, "sweep"))
		return cmd_sweep(argc - 2, argv + 2);
	if (!strcmp(cmd, "draw"))
		return cmd_draw(argc - 2, argv + 2);
	if (!strcmp(cmd, "version") || !strcmp(cmd, "--version")) {
		printf("iofab %s\n", IOFAB_VERSION);
		return EXIT_OK;
	}
	if (!strcmp(cmd, "help") || !strcmp(cmd, "--help") || !strcmp(cmd, "-h")) {
		usage(stdout);
		return EXIT_OK;
	}
	return bad_usage("unknown command '%s'", cmd);
}
