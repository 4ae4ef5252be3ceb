/* SPDX-License-Identifier: MIT */
/*
 * scenario_expect.c — expectations on a whole run (the scenario's top-level `expect`): how
 * many violations of each invariant, by which sources; how many assignments (including
 * hotplugs and migrations) were refused for each reason; how many interrupts PEs took; how
 * many requests the IOMMUs terminated. What a CI job pins down for a platform.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "scenario_internal.h"

#define NREFUSALS (REFUSE_NO_IOMMU + 1)

static int inv_by_token(const char *t)
{
	for (int k = 0; t && k < INV_KINDS; k++)
		if (!strcmp(inv_token((inv_kind_t)k), t))
			return k;
	return -1;
}

static bool is_source(const scenario_t *s, const char *name)
{
	return scenario_subdev(s, name) >= 0 || platform_find(&s->platform, name) != PCIE_NONE;
}

static bool parse_violations(scenario_t *s, const ycur_t *c)
{
	run_expect_t *e = &s->expect;
	const char *t = ytext(c);
	if (t && !strcmp(t, "none")) {
		for (int k = 0; k < INV_KINDS; k++)
			e->viol[k] = 0;
		return true;
	}
	if (!yis_map(c)) {
		yerr(c, "expected none, or a mapping of invariants (dma, p2p, msi, group, pasid, "
			"ats, resv) to counts or to {SOURCE: count}");
		return false;
	}
	/* The invariants named are the ones that break; the others must not. */
	for (int k = 0; k < INV_KINDS; k++)
		e->viol[k] = 0;
	bool ok = true;
	for (size_t i = 0; i < ymap_len(c); i++) {
		ycur_t kc = ymap_key(c, i), vc = ymap_val(c, i);
		int k = inv_by_token(ytext(&kc));
		if (k < 0) {
			yerr(&kc, "unknown invariant '%s' (expected dma, p2p, msi, group, pasid, ats or "
				  "resv)",
			     ytext(&kc) ? ytext(&kc) : "");
			ok = false;
			continue;
		}
		if (!yis_map(&vc)) {
			uint64_t n;
			if (yu64(&vc, &n, 0, 1000000000))
				e->viol[k] = (int)n;
			else
				ok = false;
			continue;
		}
		e->by_kinds |= 1u << k;
		e->viol[k] = 0;
		for (size_t j = 0; j < ymap_len(&vc); j++) {
			ycur_t sk = ymap_key(&vc, j), sv = ymap_val(&vc, j);
			const char *src = ytext(&sk);
			uint64_t n;
			int32_t fn = src ? platform_find(&s->platform, src) : PCIE_NONE;
			if (fn != PCIE_NONE) /* a PCI address stands for the function's name */
				src = s->platform.fabric.funcs[fn].name;
			if (!src || (!is_source(s, src) && strcmp(src, "host"))) {
				yerr(&sk, "no function or sub-device '%s' to be a source (or host, for "
					  "the host's map steps)",
				     src ? src : "");
				ok = false;
				continue;
			}
			if (!yu64(&sv, &n, 0, 1000000000)) {
				ok = false;
				continue;
			}
			if (e->nby == RUN_EXPECT_SOURCES) {
				yerr(&sk, "at most %d sources in all", RUN_EXPECT_SOURCES);
				return false;
			}
			struct run_source *r = &e->by_source[e->nby++];
			r->kind = (inv_kind_t)k;
			snprintf(r->source, sizeof r->source, "%s", src);
			r->count = (unsigned)n;
			e->viol[k] += (int)n;
		}
	}
	return ok;
}

bool scenario_parse_run_expect(scenario_t *s, const ycur_t *c)
{
	run_expect_t *e = &s->expect;
	for (int k = 0; k < INV_KINDS; k++)
		e->viol[k] = -1;
	for (int r = 0; r < NREFUSALS; r++)
		e->refusals[r] = -1;
	e->deliveries = e->faults = -1;
	if (!c->node)
		return true;
	if (!yexpect_map(c))
		return false;
	e->present = true;
	e->line = yline(c);
	static const char *const keys[] = {"violations", "refusals", "deliveries", "faults", NULL};
	bool ok = ykeys(c, keys);
	ycur_t vc = yget(c, "violations"), rc = yget(c, "refusals"), dc = yget(c, "deliveries"),
	       fc = yget(c, "faults");
	if (vc.node)
		ok &= parse_violations(s, &vc);
	if (rc.node) {
		const char *t = ytext(&rc);
		if (t && !strcmp(t, "none")) {
			for (int r = 1; r < NREFUSALS; r++)
				e->refusals[r] = 0;
		} else if (yexpect_map(&rc)) {
			for (int r = 1; r < NREFUSALS; r++)
				e->refusals[r] = 0; /* the reasons named, and no other */
			for (size_t i = 0; i < ymap_len(&rc); i++) {
				ycur_t kc = ymap_key(&rc, i), nc = ymap_val(&rc, i);
				int found = -1;
				for (int r = 0; r < NREFUSALS && ytext(&kc); r++)
					if (!strcmp(refusal_token((refusal_t)r), ytext(&kc)))
						found = r;
				uint64_t n;
				if (found < 0) {
					yerr(&kc, "unknown refusal '%s' (expected accepted, group-not-viable, "
						  "group-in-use, msi-not-isolated, reserved-region or no-iommu)",
					     ytext(&kc) ? ytext(&kc) : "");
					ok = false;
				} else if (yu64(&nc, &n, 0, 1000000)) {
					e->refusals[found] = (int)n;
				} else {
					ok = false;
				}
			}
		} else {
			ok = false;
		}
	}
	uint64_t n;
	if (dc.node) {
		if (yu64(&dc, &n, 0, UINT32_MAX))
			e->deliveries = (int64_t)n;
		else
			ok = false;
	}
	if (fc.node) {
		if (yu64(&fc, &n, 0, UINT32_MAX))
			e->faults = (int64_t)n;
		else
			ok = false;
	}
	return ok;
}

static uint64_t smmu_faults(const scenario_t *s)
{
	uint64_t n = 0;
	for (uint32_t i = 0; s->have_sys && i < s->platform.nsmmus; i++)
		n += smmu_stats(s->sys.smmu[i])->faults;
	return n;
}

void scenario_run_expect_start(scenario_t *s)
{
	s->faults0 = smmu_faults(s);
}

void scenario_check_run(scenario_t *s)
{
	run_expect_t *e = &s->expect;
	memset(e->got_viol, 0, sizeof e->got_viol);
	memset(e->got_refusals, 0, sizeof e->got_refusals);
	e->mismatch[0] = '\0';
	for (uint32_t i = 0; i < s->nsteps; i++)
		for (unsigned k = 0; k < s->steps[i].nviol; k++)
			e->got_viol[s->steps[i].viol[k].kind] += s->steps[i].viol[k].count;
	for (uint32_t i = 0; i < s->nassigns; i++)
		e->got_refusals[s->assigns[i].refused]++;
	for (uint32_t i = 0; i < s->nsteps; i++)
		if (s->steps[i].act == ACT_MIGRATE && s->steps[i].ran)
			e->got_refusals[s->steps[i].mig_result]++;
	e->got_faults = smmu_faults(s) - s->faults0;
	if (!e->present) {
		e->met = true;
		return;
	}
	for (int k = 0; k < INV_KINDS; k++) {
		if (e->viol[k] >= 0 && e->got_viol[k] != (unsigned)e->viol[k])
			scenario_appendf(e->mismatch, sizeof e->mismatch,
					 "expected %d %s violation%s, got %u; ", e->viol[k],
					 inv_token((inv_kind_t)k), e->viol[k] == 1 ? "" : "s",
					 e->got_viol[k]);
		if (!(e->by_kinds >> k & 1))
			continue;
		/* By source: each one named, exactly; and no other source. */
		for (unsigned j = 0; j < e->nby; j++) {
			const struct run_source *r = &e->by_source[j];
			if (r->kind != (inv_kind_t)k)
				continue;
			unsigned got = 0;
			for (uint32_t i = 0; i < s->nsteps; i++)
				for (unsigned v = 0; v < s->steps[i].nviol; v++)
					if (s->steps[i].viol[v].kind == r->kind &&
					    !strcmp(s->steps[i].viol[v].source, r->source))
						got += s->steps[i].viol[v].count;
			if (got != r->count)
				scenario_appendf(e->mismatch, sizeof e->mismatch,
						 "expected %u %s violation%s by %s, got %u; ", r->count,
						 inv_token(r->kind), r->count == 1 ? "" : "s", r->source,
						 got);
		}
		for (uint32_t i = 0; i < s->nsteps; i++)
			for (unsigned v = 0; v < s->steps[i].nviol; v++) {
				const violation_t *vi = &s->steps[i].viol[v];
				bool named = false;
				for (unsigned j = 0; j < e->nby && !named; j++)
					named = e->by_source[j].kind == vi->kind &&
						!strcmp(e->by_source[j].source, vi->source);
				if (vi->kind == (inv_kind_t)k && !named)
					scenario_appendf(e->mismatch, sizeof e->mismatch,
							 "unexpected %s violation by %s (step %u); ",
							 inv_token(vi->kind), vi->source, i + 1);
			}
	}
	for (int r = 0; r < NREFUSALS; r++)
		if (e->refusals[r] >= 0 && e->got_refusals[r] != (unsigned)e->refusals[r])
			scenario_appendf(e->mismatch, sizeof e->mismatch, "expected %d %s, got %u; ",
					 e->refusals[r], refusal_token((refusal_t)r), e->got_refusals[r]);
	if (e->deliveries >= 0 && s->ndeliveries != (uint64_t)e->deliveries)
		scenario_appendf(e->mismatch, sizeof e->mismatch,
				 "expected %" PRId64 " interrupt%s taken in the run, got %u; ",
				 e->deliveries, e->deliveries == 1 ? "" : "s", s->ndeliveries);
	if (e->faults >= 0 && e->got_faults != (uint64_t)e->faults)
		scenario_appendf(e->mismatch, sizeof e->mismatch,
				 "expected %" PRId64 " IOMMU fault%s in the run, got %" PRIu64 "; ",
				 e->faults, e->faults == 1 ? "" : "s", e->got_faults);
	size_t n = strlen(e->mismatch);
	if (n >= 2)
		e->mismatch[n - 2] = '\0';
	e->met = e->mismatch[0] == '\0';
}
