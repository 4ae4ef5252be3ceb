/* SPDX-License-Identifier: MIT */
/*
 * testrun.c — `iofab test`: every scenario under some paths, run against its expectations,
 * several at a time, with one line per scenario (in path order, whatever order they finish
 * in), an optional JUnit XML report, and an exit status a CI pipeline can act on.
 *
 * Each scenario runs in a child process (a crash or a leak in one cannot touch another); the
 * child sends its result back through a pipe as a small fixed record.
 */
#include "testrun.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "forkpool.h"
#include "outfile.h"
#include "scenario.h"

enum { RES_PASS, RES_FAIL, RES_BAD };

typedef struct result {
	int kind;
	uint32_t steps, met, not_met;
	char message[1024]; /* the first mismatch, or the first error */
} result_t;

typedef struct job {
	char *path;
	result_t r;
} job_t;

typedef struct list {
	char **v;
	size_t n, cap;
} list_t;

static bool push(list_t *l, const char *s)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 64;
		char **n = realloc(l->v, cap * sizeof *n);
		if (!n)
			return false;
		l->v = n;
		l->cap = cap;
	}
	return (l->v[l->n++] = strdup(s)) != NULL;
}

static bool has_suffix(const char *s, const char *suf)
{
	size_t a = strlen(s), b = strlen(suf);
	return a >= b && !strcmp(s + a - b, suf);
}

/* Adds the scenarios under path (a file, or a directory searched recursively). */
static bool collect(list_t *l, const char *path, char *err, size_t errsize)
{
	struct stat st;
	if (stat(path, &st)) {
		snprintf(err, errsize, "%s: %s", path, strerror(errno));
		return false;
	}
	if (!S_ISDIR(st.st_mode))
		return push(l, path);
	DIR *d = opendir(path);
	if (!d) {
		snprintf(err, errsize, "%s: %s", path, strerror(errno));
		return false;
	}
	bool ok = true;
	struct dirent *e;
	while (ok && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		size_t n = strlen(path) + strlen(e->d_name) + 2;
		char *sub = malloc(n);
		if (!sub) {
			ok = false;
			break;
		}
		snprintf(sub, n, "%s%s%s", path, has_suffix(path, "/") ? "" : "/", e->d_name);
		struct stat ss;
		if (!stat(sub, &ss) && S_ISDIR(ss.st_mode))
			ok = collect(l, sub, err, errsize);
		else if (has_suffix(e->d_name, ".yaml") || has_suffix(e->d_name, ".yml"))
			ok = push(l, sub);
		free(sub);
	}
	closedir(d);
	return ok;
}

static int cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The child: loads and runs one scenario, and describes the outcome. */
static void run_one(const char *path, result_t *r)
{
	memset(r, 0, sizeof *r);
	yerrs_t errs = {0};
	scenario_t s;
	if (!scenario_load(&s, path, &errs)) {
		r->kind = RES_BAD;
		snprintf(r->message, sizeof r->message, "%s%s",
			 errs.n ? errs.msgs[0] : "cannot load the scenario",
			 errs.n + errs.dropped > 1 ? " (and more)" : "");
		yerrs_free(&errs);
		return;
	}
	if (!scenario_run(&s)) {
		r->kind = RES_BAD;
		snprintf(r->message, sizeof r->message, "out of memory");
		scenario_free(&s);
		return;
	}
	uint32_t none;
	scenario_tally(&s, &r->met, &r->not_met, &none);
	r->steps = s.nsteps;
	r->kind = r->not_met ? RES_FAIL : RES_PASS;
	for (uint32_t i = 0; i < s.nsteps && r->kind == RES_FAIL; i++) {
		const step_t *st = &s.steps[i];
		if (st->act_failed || (st->ran && !st->met)) {
			snprintf(r->message, sizeof r->message, "step %u '%s' (line %u): %s", i + 1,
				 st->name, st->line,
				 st->act_failed ? st->act_detail : st->mismatch);
			break;
		}
	}
	for (uint32_t i = 0; i < s.nassigns && r->kind == RES_FAIL && !r->message[0]; i++) {
		const assignment_t *a = &s.assigns[i];
		if (a->expect >= 0 && a->expect != (int)a->refused)
			snprintf(r->message, sizeof r->message,
				 "assign %s to %s (line %u): expected %s, got %s",
				 s.platform.fabric.funcs[a->fn].name, s.owners[a->owner], a->line,
				 refusal_token((refusal_t)a->expect), refusal_token(a->refused));
	}
	scenario_free(&s);
}

static void print_line(FILE *out, const job_t *j)
{
	static const char *const tag[] = {"PASS ", "FAIL ", "ERROR"};
	fprintf(out, "%s %s", tag[j->r.kind], j->path);
	if (j->r.kind == RES_PASS)
		fprintf(out, "  (%u step%s, %u expectation%s met)\n", j->r.steps,
			j->r.steps == 1 ? "" : "s", j->r.met, j->r.met == 1 ? "" : "s");
	else
		fprintf(out, "  %s\n", j->r.message);
}

typedef struct junit {
	const job_t *jobs;
	size_t n, failed, bad;
} junit_t;

static void junit_xml(FILE *f, const void *ctx)
{
	const junit_t *ju = ctx;
	fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
	fprintf(f, "<testsuites>\n  <testsuite name=\"iofab\" tests=\"%zu\" failures=\"%zu\" "
		   "errors=\"%zu\">\n",
		ju->n, ju->failed, ju->bad);
	for (size_t i = 0; i < ju->n; i++) {
		const job_t *j = &ju->jobs[i];
		fputs("    <testcase classname=\"iofab.scenario\" name=\"", f);
		outfile_xml_text(f, j->path);
		fputs("\"", f);
		if (j->r.kind == RES_PASS) {
			fputs("/>\n", f);
			continue;
		}
		fprintf(f, ">\n      <%s message=\"", j->r.kind == RES_FAIL ? "failure" : "error");
		outfile_xml_text(f, j->r.message);
		fprintf(f, "\"/>\n    </testcase>\n");
	}
	fprintf(f, "  </testsuite>\n</testsuites>\n");
}

typedef struct run_ctx {
	job_t *jobs;
	FILE *out;
	size_t failed, bad;
} run_ctx_t;

static void child(size_t i, void *rec, void *ctx)
{
	run_one(((run_ctx_t *)ctx)->jobs[i].path, rec);
}

/* A scenario's line, in path order as they finish. */
static void done(size_t i, const void *rec, bool ok, int sig, void *ctx)
{
	run_ctx_t *rc = ctx;
	job_t *j = &rc->jobs[i];
	if (ok) {
		memcpy(&j->r, rec, sizeof j->r);
	} else {
		memset(&j->r, 0, sizeof j->r);
		j->r.kind = RES_BAD;
		if (sig)
			snprintf(j->r.message, sizeof j->r.message,
				 "iofab crashed running it (signal %d): please report this", sig);
		else
			snprintf(j->r.message, sizeof j->r.message,
				 "the run ended without a result (or could not start)");
	}
	print_line(rc->out, j);
	rc->failed += j->r.kind == RES_FAIL;
	rc->bad += j->r.kind == RES_BAD;
	fflush(rc->out);
}

int testrun(char **paths, int npaths, unsigned jobs, const char *junit, FILE *out)
{
	list_t files = {0};
	char err[512];
	for (int i = 0; i < npaths; i++)
		if (!collect(&files, paths[i], err, sizeof err)) {
			fprintf(stderr, "iofab: %s\n", err);
			for (size_t k = 0; k < files.n; k++)
				free(files.v[k]);
			free(files.v);
			return 2;
		}
	if (!files.n) {
		fprintf(stderr, "iofab: no scenario (*.yaml) under %s%s\n", paths[0],
			npaths > 1 ? " and the other paths" : "");
		free(files.v);
		return 2;
	}
	qsort(files.v, files.n, sizeof *files.v, cmp);
	job_t *js = calloc(files.n + 1, sizeof *js);
	if (!js) {
		fputs("iofab: out of memory\n", stderr);
		return 2;
	}
	for (size_t i = 0; i < files.n; i++)
		js[i].path = files.v[i];
	result_t *recs = calloc(files.n + 1, sizeof *recs);
	run_ctx_t rc = {js, out, 0, 0};
	forkpool_t fp = {files.n, jobs, sizeof *recs, recs, &rc, child, done};
	if (!recs || !forkpool_run(&fp)) {
		fputs("iofab: out of memory\n", stderr);
		free(recs);
		return 2;
	}
	free(recs);
	size_t failed = rc.failed, bad = rc.bad;
	fprintf(out, "\n%zu scenario%s: %zu passed, %zu failed, %zu with errors\n", files.n,
		files.n == 1 ? "" : "s", files.n - failed - bad, failed, bad);
	int status = bad ? 2 : failed ? 1 : 0;
	junit_t ju = {js, files.n, failed, bad};
	if (junit && !outfile_write(junit, junit_xml, &ju)) {
		fprintf(stderr, "iofab: cannot write %s\n", junit);
		status = 2;
	}
	for (size_t k = 0; k < files.n; k++)
		free(files.v[k]);
	free(files.v);
	free(js);
	return status;
}
