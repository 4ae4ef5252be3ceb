/* SPDX-License-Identifier: MIT */
/* scenario.c — loading and running first-form scenarios. See scenario.h. */
#include "scenario.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim.h"

const char *exp_outcome_token(exp_outcome_t o)
{
	switch (o) {
	case EXP_DELIVERED:
		return "delivered";
	case EXP_MEMORY:
		return "memory";
	case EXP_BLOCKED:
		return "blocked";
	case EXP_UNSUPPORTED:
		return "unsupported";
	case EXP_HOST:
		return "host";
	case EXP_ANY:
		break;
	}
	return "any";
}

/* --- loading --------------------------------------------------------------------------- */

/* Joins a path relative to the directory of `base`. */
static char *relative_to(const char *base, const char *path)
{
	if (path[0] == '/')
		return strdup(path);
	const char *slash = strrchr(base, '/');
	size_t dl = slash ? (size_t)(slash - base) + 1 : 0;
	size_t n = dl + strlen(path) + 1;
	char *out = malloc(n);
	if (!out)
		return NULL;
	memcpy(out, base, dl);
	memcpy(out + dl, path, strlen(path) + 1);
	return out;
}

static void trim(char *s)
{
	size_t n = strlen(s);
	while (n && isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
	size_t i = 0;
	while (s[i] && isspace((unsigned char)s[i]))
		i++;
	memmove(s, s + i, strlen(s + i) + 1);
}

/* address: NUMBER | NAME.barN [+ NUMBER] | REGION [+ NUMBER] */
static bool parse_address(const scenario_t *s, const ycur_t *c, uint64_t *out)
{
	const char *t = ytext(c);
	if (!t) {
		yerr(c, "expected an address: a number, FUNCTION.barN or a memory region name, "
			"optionally '+ OFFSET'");
		return false;
	}
	char buf[160];
	if (strlen(t) >= sizeof buf) {
		yerr(c, "address expression too long");
		return false;
	}
	strcpy(buf, t);
	char *plus = strchr(buf, '+');
	uint64_t off = 0;
	if (plus) {
		*plus = '\0';
		char *o = plus + 1;
		trim(o);
		const char *why = yparse_u64(o, true, &off);
		if (why) {
			yerr(c, "offset '%s': %s", o, why);
			return false;
		}
	}
	trim(buf);
	uint64_t base;
	const char *dotbar = strrchr(buf, '.');
	bool bar_ref = dotbar && !strncmp(dotbar, ".bar", 4) && isdigit((unsigned char)dotbar[4]) &&
		       !dotbar[5];
	if (isdigit((unsigned char)buf[0]) && !bar_ref) {
		const char *why = yparse_u64(buf, true, &base);
		if (why) {
			yerr(c, "'%s': %s", buf, why);
			return false;
		}
	} else {
		const pcie_fabric_t *f = &s->platform.fabric;
		char *dot = strrchr(buf, '.');
		int bar = -1;
		if (dot && !strncmp(dot, ".bar", 4) && isdigit((unsigned char)dot[4]) && !dot[5]) {
			bar = dot[4] - '0';
			*dot = '\0';
		}
		if (bar >= 0) {
			int32_t fn = platform_find(&s->platform, buf);
			if (fn == PCIE_NONE) {
				yerr(c, "no function named '%s' in platform '%s'", buf, s->platform.name);
				return false;
			}
			if (bar >= PCIE_MAX_BARS || !f->funcs[fn].bars[bar].size) {
				yerr(c, "'%s' has no BAR %d", buf, bar);
				return false;
			}
			if (off >= f->funcs[fn].bars[bar].size) {
				yerr(c, "offset 0x%" PRIx64 " is beyond %s.bar%d (size 0x%" PRIx64 ")", off,
				     buf, bar, f->funcs[fn].bars[bar].size);
				return false;
			}
			base = f->funcs[fn].bars[bar].base;
		} else {
			int32_t r = PCIE_NONE;
			for (uint32_t i = 0; i < f->nregions; i++)
				if (!strcmp(f->regions[i].name, buf))
					r = (int32_t)i;
			if (r == PCIE_NONE) {
				yerr(c, "'%s' is neither a memory region nor FUNCTION.barN of platform '%s'",
				     buf, s->platform.name);
				return false;
			}
			base = f->regions[r].base;
		}
	}
	*out = base + off;
	return true;
}

static bool parse_bdf_value(const ycur_t *c, uint16_t *seg, uint16_t *id)
{
	const char *t = ytext(c);
	if (!t || !platform_parse_bdf(t, seg, id)) {
		yerr(c, "expected a PCI address like \"0000:03:00.0\" or \"03:00.0\"");
		return false;
	}
	return true;
}

static int32_t parse_func_ref(const scenario_t *s, const ycur_t *c)
{
	const char *t = ytext(c);
	if (!t) {
		yerr(c, "expected a function name or PCI address");
		return PCIE_NONE;
	}
	int32_t fn = platform_find(&s->platform, t);
	if (fn == PCIE_NONE)
		yerr(c, "no function '%s' in platform '%s'", t, s->platform.name);
	return fn;
}

static const char *const tlp_types[] = {"MRd", "MWr", "Cpl", "CplD", "Msg", "CfgRd", "CfgWr",
					NULL};
static const char *const at_names[] = {"untranslated", "translation-request", "translated",
				       NULL};
static const char *const msg_routings[] = {"to-rc", "by-address", "by-id", "broadcast", NULL};

static bool parse_tlp(scenario_t *s, step_t *st, const ycur_t *c)
{
	if (!yexpect_map(c))
		return false;
	static const char *const keys[] = {"type",	   "address",    "length", "at",
					   "pasid",	   "pasid_exec", "pasid_priv",
					   "requester_id", "to",	 "tag",    "data",
					   "poisoned",	   "msg_code",	 "routing", "register",
					   NULL};
	bool ok = ykeys(c, keys);
	tlp_t *t = &st->tlp;
	int v;
	ycur_t ty = yneed(c, "type");
	if (!yenum(&ty, tlp_types, &v))
		return false;
	t->type = (tlp_type_t)v;
	t->length = (t->type == TLP_CFGRD || t->type == TLP_CFGWR) ? 4 : 64;
	const pcie_fabric_t *f = &s->platform.fabric;
	if (st->from >= 0) {
		t->requester_id = pcie_func_id(&f->funcs[st->from]);
		t->segment = f->rcs[f->funcs[st->from].rc].segment;
	} else {
		t->requester_id = pcie_rc_host_id(f, st->host_rc);
		t->segment = f->rcs[st->host_rc].segment;
	}
	ycur_t a = yget(c, "address"), len = yget(c, "length"), at = yget(c, "at"),
	       pasid = yget(c, "pasid"), pe = yget(c, "pasid_exec"), pp = yget(c, "pasid_priv"),
	       rid = yget(c, "requester_id"), to = yget(c, "to"), tag = yget(c, "tag"),
	       data = yget(c, "data"), poi = yget(c, "poisoned"), mc = yget(c, "msg_code"),
	       mr = yget(c, "routing"), reg = yget(c, "register");
	uint64_t u;
	bool needs_addr = t->type == TLP_MRD || t->type == TLP_MWR;
	if (a.node) {
		ok &= parse_address(s, &a, &t->address);
	} else if (needs_addr) {
		yerr(c, "missing key 'address' (a memory request needs one)");
		ok = false;
	}
	ok &= yopt_u32(&len, &t->length, 1, 4096);
	if (at.node) {
		if (yenum(&at, at_names, &v))
			t->at = (tlp_at_t)v;
		else
			ok = false;
	}
	if (pasid.node) {
		if (yu64(&pasid, &u, 0, TLP_PASID_MAX)) {
			t->has_pasid = true;
			t->pasid = (uint32_t)u;
		} else {
			ok = false;
		}
	}
	ok &= yopt_bool(&pe, &t->pasid_exec);
	ok &= yopt_bool(&pp, &t->pasid_priv);
	if ((pe.node || pp.node) && !pasid.node) {
		yerr(pe.node ? &pe : &pp, "pasid_exec and pasid_priv need a 'pasid'");
		ok = false;
	}
	if (rid.node) {
		uint16_t seg;
		if (parse_bdf_value(&rid, &seg, &t->requester_id))
			st->forged = true;
		else
			ok = false;
	}
	bool id_routed = t->type == TLP_CPL || t->type == TLP_CPLD || t->type == TLP_CFGRD ||
			 t->type == TLP_CFGWR;
	if (to.node) {
		int32_t fn = parse_func_ref(s, &to);
		if (fn == PCIE_NONE) {
			ok = false;
		} else if (t->type == TLP_CPL || t->type == TLP_CPLD) {
			/* A completion travels to the requester it completes. */
			t->completer_id = t->requester_id;
			t->requester_id = pcie_func_id(&f->funcs[fn]);
		} else {
			t->completer_id = pcie_func_id(&f->funcs[fn]);
		}
	} else if (id_routed || (t->type == TLP_MSG && mr.node && !strcmp(ytext(&mr) ? ytext(&mr) : "", "by-id"))) {
		yerr(c, "missing key 'to' (an ID-routed TLP needs its target function)");
		ok = false;
	}
	ok &= yopt_u16(&tag, &t->tag, 0, 1023);
	if (data.node) {
		if (yu64(&data, &u, 0, UINT64_MAX))
			for (int i = 0; i < 8; i++)
				t->data[i] = (uint8_t)(u >> (8 * i));
		else
			ok = false;
	}
	ok &= yopt_bool(&poi, &t->poisoned);
	ok &= yopt_u8(&mc, &t->msg_code, 0, 255);
	if (mr.node) {
		if (yenum(&mr, msg_routings, &v))
			t->msg_routing = (tlp_msg_routing_t)v;
		else
			ok = false;
		if (t->type != TLP_MSG) {
			yerr(&mr, "'routing' is for messages (type: Msg)");
			ok = false;
		}
	}
	ok &= yopt_u16(&reg, &t->cfg_reg, 0, 0xfff);
	if (ok) {
		const char *why = tlp_check(t);
		if (why) {
			yerr(c, "not a valid TLP: %s", why);
			ok = false;
		}
	}
	return ok;
}

static bool parse_expect(scenario_t *s, step_t *st, const ycur_t *c)
{
	expectation_t *e = &st->expect;
	e->outcome = EXP_ANY;
	e->to = e->region = e->at = PCIE_NONE;
	e->bar = e->reason = e->redirected = e->p2p = -1;
	e->latency_ns = -1;
	e->requester_id = -1;
	e->completion = -1;
	if (!c->node)
		return true;
	if (!yexpect_map(c))
		return false;
	e->present = true;
	static const char *const keys[] = {"outcome", "to",  "bar",	     "at",
					   "reason",  "redirected", "p2p", "latency_ns",
					   "requester_id", "completion", NULL};
	bool ok = ykeys(c, keys);
	static const char *const outcomes[] = {"delivered", "memory", "blocked", "unsupported",
					       "host", NULL};
	int v;
	ycur_t oc = yneed(c, "outcome");
	if (!yenum(&oc, outcomes, &v))
		return false;
	e->outcome = (exp_outcome_t)v;
	ycur_t to = yget(c, "to"), bar = yget(c, "bar"), at = yget(c, "at"), re = yget(c, "reason"),
	       rd = yget(c, "redirected"), pp = yget(c, "p2p"), lat = yget(c, "latency_ns"),
	       rid = yget(c, "requester_id"), cpl = yget(c, "completion");
	const pcie_fabric_t *f = &s->platform.fabric;
	if (cpl.node) {
		static const char *const sts[] = {"SC", "UR", "CA", "none", NULL};
		static const int codes[] = {TLP_CPL_SC, TLP_CPL_UR, TLP_CPL_CA, -2};
		if (yenum(&cpl, sts, &v))
			e->completion = codes[v];
		else
			ok = false;
	}
	if (to.node) {
		if (e->outcome == EXP_DELIVERED) {
			e->to = parse_func_ref(s, &to);
			ok &= e->to != PCIE_NONE;
		} else if (e->outcome == EXP_MEMORY) {
			const char *t = ytext(&to);
			for (uint32_t i = 0; t && i < f->nregions; i++)
				if (!strcmp(f->regions[i].name, t))
					e->region = (int32_t)i;
			if (e->region == PCIE_NONE) {
				yerr(&to, "no memory region '%s' in platform '%s'", t ? t : "",
				     s->platform.name);
				ok = false;
			}
		} else {
			yerr(&to, "'to' goes with outcome delivered or memory; use 'at' for where a TLP "
				  "was stopped");
			ok = false;
		}
	}
	uint64_t u;
	if (bar.node) {
		if (yu64(&bar, &u, 0, PCIE_MAX_BARS - 1))
			e->bar = (int)u;
		else
			ok = false;
	}
	if (at.node) {
		if (e->outcome != EXP_BLOCKED && e->outcome != EXP_UNSUPPORTED) {
			yerr(&at, "'at' goes with outcome blocked or unsupported");
			ok = false;
		} else {
			const char *t = ytext(&at);
			for (uint32_t i = 0; t && i < f->nrcs; i++)
				if (!strcmp(f->rcs[i].name, t)) {
					e->at = EXP_AT_RC;
					e->at_rc = i;
				}
			if (e->at == PCIE_NONE) {
				e->at = parse_func_ref(s, &at);
				ok &= e->at != PCIE_NONE;
			}
		}
	}
	if (re.node) {
		const char *t = ytext(&re);
		for (int w = 0; t && w < PCIE_WHY_COUNT; w++)
			if (!strcmp(pcie_why_token((pcie_why_t)w), t))
				e->reason = w;
		if (e->reason < 0) {
			char list[1024];
			size_t used = 0;
			for (int w = 0; w < PCIE_WHY_COUNT && used < sizeof list; w++) {
				int n = snprintf(list + used, sizeof list - used, "%s%s", w ? ", " : "",
						 pcie_why_token((pcie_why_t)w));
				if (n < 0)
					break;
				used += (size_t)n;
			}
			yerr(&re, "unknown reason '%s' (expected one of: %s)", t ? t : "", list);
			ok = false;
		}
	}
	bool b;
	if (rd.node) {
		if (ybool(&rd, &b))
			e->redirected = b;
		else
			ok = false;
	}
	if (pp.node) {
		if (ybool(&pp, &b))
			e->p2p = b;
		else
			ok = false;
	}
	if (lat.node) {
		if (yu64(&lat, &u, 0, 1000000000000ull))
			e->latency_ns = (int64_t)u;
		else
			ok = false;
	}
	if (rid.node) {
		uint16_t seg, id;
		if (parse_bdf_value(&rid, &seg, &id))
			e->requester_id = id;
		else
			ok = false;
	}
	return ok;
}

bool scenario_load(scenario_t *s, const char *file, yerrs_t *errs)
{
	memset(s, 0, sizeof *s);
	s->file = strdup(file);
	s->seed = 1;
	ydoc_t d;
	if (!s->file || !ydoc_load(&d, file, errs)) {
		ydoc_free(&d);
		scenario_free(s);
		return false;
	}
	unsigned before = errs->n + errs->dropped;
	ycur_t root = ydoc_root(&d);
	bool ok = yexpect_map(&root);
	bool have_platform = false;
	if (ok) {
		static const char *const keys[] = {"name", "description", "platform", "kernel", "seed",
						   "steps", NULL};
		ok &= ykeys(&root, keys);
		ycur_t nm = yneed(&root, "name"), desc = yget(&root, "description"),
		       pl = yneed(&root, "platform"), seed = yget(&root, "seed"),
		       kern = yget(&root, "kernel");
		const ycur_t *kov = kern.node ? &kern : NULL;
		ok &= ystr(&nm, s->name, sizeof s->name);
		if (desc.node) {
			const char *t = ytext(&desc);
			if (t)
				s->description = strdup(t);
			else {
				yerr(&desc, "expected text");
				ok = false;
			}
		}
		if (seed.node && !yu64(&seed, &s->seed, 0, UINT64_MAX))
			ok = false;
		if (pl.node) {
			if (yis_map(&pl)) {
				have_platform = platform_load_node(&s->platform, &pl, kov, errs);
			} else if (ytext(&pl)) {
				char *path = relative_to(file, ytext(&pl));
				unsigned nb = errs->n;
				have_platform = path && platform_load_with(&s->platform, path, kov, errs);
				if (!have_platform && errs->n == nb)
					yerr(&pl, "cannot load platform '%s'", ytext(&pl));
				else if (!have_platform)
					yerr(&pl, "the platform '%s' has errors (above)", ytext(&pl));
				free(path);
			} else {
				yerr(&pl, "expected a platform file path or an inline platform mapping");
			}
		}
		ok &= have_platform;
	}
	ycur_t steps = yget(&root, "steps");
	if (ok) {
		if (!steps.node || !yexpect_seq(&steps) || ylen(&steps) == 0) {
			if (!steps.node)
				yerr(&root, "missing key 'steps'");
			else if (yis_seq(&steps))
				yerr(&steps, "a scenario needs at least one step");
			ok = false;
		}
	}
	if (ok) {
		size_t n = ylen(&steps);
		s->steps = calloc(n, sizeof *s->steps);
		if (!s->steps) {
			yerr(&steps, "out of memory");
			ok = false;
		}
		for (size_t i = 0; ok && i < n; i++) {
			ycur_t st = yat(&steps, i);
			step_t *p = &s->steps[s->nsteps++];
			p->line = yline(&st);
			p->at_ns = -1;
			if (!yexpect_map(&st))
				continue;
			static const char *const keys[] = {"name", "from", "at_ns", "tlp", "expect", NULL};
			ykeys(&st, keys);
			ycur_t nm = yget(&st, "name"), from = yneed(&st, "from"), at = yget(&st, "at_ns"),
			       tlp = yneed(&st, "tlp"), ex = yget(&st, "expect");
			if (nm.node)
				ystr(&nm, p->name, sizeof p->name);
			else
				snprintf(p->name, sizeof p->name, "step %zu", i + 1);
			const char *ft = ytext(&from);
			if (!from.node)
				continue;
			if (ft && !strncmp(ft, "host", 4) && (ft[4] == '\0' || ft[4] == ':')) {
				p->from = STEP_FROM_HOST;
				p->host_rc = 0;
				if (ft[4] == ':') {
					bool found = false;
					for (uint32_t r = 0; r < s->platform.fabric.nrcs; r++)
						if (!strcmp(s->platform.fabric.rcs[r].name, ft + 5)) {
							p->host_rc = r;
							found = true;
						}
					if (!found)
						yerr(&from, "no root complex '%s'", ft + 5);
				}
			} else {
				p->from = parse_func_ref(s, &from);
				if (p->from == PCIE_NONE)
					continue;
			}
			uint64_t u;
			if (at.node && yu64(&at, &u, 0, UINT64_MAX / SIM_NS))
				p->at_ns = (int64_t)u;
			if (tlp.node)
				parse_tlp(s, p, &tlp);
			parse_expect(s, p, &ex);
		}
	}
	ydoc_free(&d);
	if (errs->n + errs->dropped != before)
		ok = false;
	if (!ok)
		scenario_free(s);
	return ok;
}

void scenario_free(scenario_t *s)
{
	free(s->file);
	free(s->description);
	free(s->steps);
	if (s->platform.file)
		platform_free(&s->platform);
	memset(s, 0, sizeof *s);
}

/* --- running ---------------------------------------------------------------------------- */

exp_outcome_t step_outcome(const step_t *st)
{
	const pcie_route_t *r = &st->route;
	switch (r->outcome) {
	case PCIE_OUT_FUNCTION:
		return EXP_DELIVERED;
	case PCIE_OUT_HOST:
		return r->region != PCIE_NONE ? EXP_MEMORY : EXP_HOST;
	case PCIE_OUT_BLOCKED:
		return EXP_BLOCKED;
	case PCIE_OUT_UR:
		return EXP_UNSUPPORTED;
	}
	return EXP_ANY;
}

static void appendf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void appendf(char *buf, size_t size, const char *fmt, ...)
{
	size_t used = strlen(buf);
	if (used + 1 >= size)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf + used, size - used, fmt, ap);
	va_end(ap);
}

static void check(const scenario_t *s, step_t *st)
{
	const expectation_t *e = &st->expect;
	const pcie_route_t *r = &st->route;
	const pcie_fabric_t *f = &s->platform.fabric;
	st->mismatch[0] = '\0';
	if (!e->present) {
		st->met = true;
		return;
	}
	exp_outcome_t got = step_outcome(st);
	if (e->outcome != got)
		appendf(st->mismatch, sizeof st->mismatch, "expected outcome %s, got %s; ",
			exp_outcome_token(e->outcome), exp_outcome_token(got));
	if (e->to != PCIE_NONE && r->target != e->to)
		appendf(st->mismatch, sizeof st->mismatch, "expected delivery to %s, got %s; ",
			f->funcs[e->to].name, r->target >= 0 ? f->funcs[r->target].name : "none");
	if (e->region != PCIE_NONE && r->region != e->region)
		appendf(st->mismatch, sizeof st->mismatch, "expected memory region %s, got %s; ",
			f->regions[e->region].name,
			r->region >= 0 ? f->regions[r->region].name : "none");
	if (e->bar >= 0 && r->bar != e->bar)
		appendf(st->mismatch, sizeof st->mismatch, "expected BAR %d, got %d; ", e->bar, r->bar);
	if (e->at == EXP_AT_RC && (r->at_node != PCIE_NONE || r->rc != e->at_rc))
		appendf(st->mismatch, sizeof st->mismatch, "expected to stop at %s, stopped at %s; ",
			f->rcs[e->at_rc].name,
			r->at_node >= 0 ? f->funcs[r->at_node].name : f->rcs[r->rc].name);
	else if (e->at >= 0 && r->at_node != e->at)
		appendf(st->mismatch, sizeof st->mismatch, "expected to stop at %s, stopped at %s; ",
			f->funcs[e->at].name,
			r->at_node >= 0 ? f->funcs[r->at_node].name : f->rcs[r->rc].name);
	if (e->reason >= 0 && (int)r->why != e->reason) {
		/* The reason may be any decision on the path, not only the last. */
		bool seen = false;
		for (uint32_t h = 0; h < r->nhops; h++)
			seen |= (int)r->hops[h].why == e->reason;
		if (!seen)
			appendf(st->mismatch, sizeof st->mismatch,
				"expected a '%s' decision on the path, none was taken (last: %s); ",
				pcie_why_token((pcie_why_t)e->reason), pcie_why_token(r->why));
	}
	if (e->redirected >= 0 && r->redirected != (bool)e->redirected)
		appendf(st->mismatch, sizeof st->mismatch, "expected redirected=%s, got %s; ",
			e->redirected ? "true" : "false", r->redirected ? "true" : "false");
	if (e->p2p >= 0 && r->p2p != (bool)e->p2p)
		appendf(st->mismatch, sizeof st->mismatch, "expected p2p=%s, got %s; ",
			e->p2p ? "true" : "false", r->p2p ? "true" : "false");
	if (e->latency_ns >= 0 && (int64_t)((st->end - st->start) / SIM_NS) != e->latency_ns)
		appendf(st->mismatch, sizeof st->mismatch, "expected latency %" PRId64 " ns, got %" PRIu64
			" ns; ", e->latency_ns, (uint64_t)((st->end - st->start) / SIM_NS));
	if (e->requester_id >= 0 && r->requester_id != (uint16_t)e->requester_id) {
		char a[16], b[16];
		tlp_format_bdf(a, sizeof a, st->tlp.segment, (uint16_t)e->requester_id);
		tlp_format_bdf(b, sizeof b, st->tlp.segment, r->requester_id);
		appendf(st->mismatch, sizeof st->mismatch, "expected Requester ID %s, got %s; ", a, b);
	}
	if (e->completion == -2 && st->has_cpl)
		appendf(st->mismatch, sizeof st->mismatch, "expected no completion, got %s; ",
			tlp_cpl_status_name(st->cpl_status));
	else if (e->completion >= 0 && (!st->has_cpl || (int)st->cpl_status != e->completion))
		appendf(st->mismatch, sizeof st->mismatch, "expected a %s completion, got %s; ",
			tlp_cpl_status_name((tlp_cpl_status_t)e->completion),
			st->has_cpl ? tlp_cpl_status_name(st->cpl_status) : "none");
	size_t n = strlen(st->mismatch);
	if (n >= 2)
		st->mismatch[n - 2] = '\0';
	st->met = st->mismatch[0] == '\0';
}

typedef struct runner {
	scenario_t *s;
	uint32_t next;
} runner_t;

static void start_step(sim_t *sim, void *ctx, uint64_t arg);

/* Builds the completion for a non-posted request: successful from the completer it reached,
 * Completer Abort from a port that blocked it (an ACS Violation, §6.12.5), Unsupported
 * Request from wherever nothing claimed it. */
static bool make_completion(const step_t *st, tlp_t *cpl)
{
	const tlp_t *t = &st->tlp;
	if (!tlp_is_non_posted(t))
		return false;
	const pcie_route_t *r = &st->route;
	memset(cpl, 0, sizeof *cpl);
	cpl->segment = t->segment;
	cpl->requester_id = r->requester_id; /* whoever owns the request now */
	cpl->tag = t->tag;
	if (r->outcome == PCIE_OUT_FUNCTION ||
	    (r->outcome == PCIE_OUT_HOST && r->region != PCIE_NONE)) {
		cpl->type = t->type == TLP_CFGWR ? TLP_CPL : TLP_CPLD;
		cpl->length = t->type == TLP_MRD ? t->length : 4;
		cpl->cpl_status = TLP_CPL_SC;
		return true;
	}
	if (r->outcome == PCIE_OUT_BLOCKED || r->outcome == PCIE_OUT_UR) {
		if (st->from >= 0 && r->at_node == st->from)
			return false; /* the sender itself refused to send it */
		cpl->type = TLP_CPL;
		cpl->cpl_status = r->outcome == PCIE_OUT_BLOCKED ? TLP_CPL_CA : TLP_CPL_UR;
		return true;
	}
	return false;
}

static void finish_step(sim_t *sim, void *ctx, uint64_t arg)
{
	runner_t *rn = ctx;
	step_t *st = &rn->s->steps[arg];
	st->end = sim_now(sim);
	check(rn->s, st);
	rn->next = (uint32_t)arg + 1;
	if (rn->next < rn->s->nsteps) {
		step_t *nx = &rn->s->steps[rn->next];
		sim_time_t when = sim_now(sim);
		if (nx->at_ns >= 0 && (sim_time_t)nx->at_ns * SIM_NS > when)
			when = (sim_time_t)nx->at_ns * SIM_NS;
		sim_schedule_at(sim, when, start_step, rn, rn->next);
	}
}

/* Routes the completion of a step's non-posted request from its completer back to the
 * requester: the function that claimed the request, the port that refused it, or the root
 * complex. Returns false when no completion is simulated. */
static bool route_completion(const pcie_fabric_t *f, step_t *st, tlp_t *cpl)
{
	const pcie_route_t *r = &st->route;
	pcie_route_t *c = &st->cpl;
	int32_t completer; /* PCIE_NONE: the root complex */
	if (cpl->cpl_status == TLP_CPL_SC) {
		completer = r->outcome == PCIE_OUT_FUNCTION ? r->target : PCIE_NONE;
	} else {
		/* A request refused for its forged Requester ID is aborted toward that ID, not
		 * the sender (which sees a completion timeout): not simulated. */
		if (r->why == PCIE_WHY_ACS_SV_BLOCK)
			return false;
		completer = r->at_node;
	}
	pcie_route_init(c);
	c->requester_id = cpl->requester_id;
	c->rc = r->rc;
	if (completer == PCIE_NONE) {
		cpl->completer_id = pcie_rc_host_id(f, r->rc);
		if (st->from == STEP_FROM_HOST) {
			c->outcome = PCIE_OUT_HOST; /* the host answers itself */
			c->why = PCIE_WHY_HOST_SELF;
			return true;
		}
		pcie_route_down(f, r->rc, cpl, c);
	} else {
		const pcie_func_t *cf = &f->funcs[completer];
		cpl->completer_id = pcie_func_id(cf);
		uint8_t bus = PCI_BUS_NUM(cpl->requester_id);
		if (cf->is_bridge && bus >= cf->secondary_bus && bus <= cf->subordinate_bus)
			pcie_route_below(f, completer, cpl, c); /* a port answering from below */
		else
			pcie_route_up(f, (uint32_t)completer, cpl, c);
	}
	if (c->outcome == PCIE_OUT_HOST) /* to the host, or redirected upstream by ACS CR */
		pcie_route_host(f, cpl, c);
	pcie_route_bridge_completion(f, st->from, c);
	return true;
}

static void start_step(sim_t *sim, void *ctx, uint64_t arg)
{
	runner_t *rn = ctx;
	step_t *st = &rn->s->steps[arg];
	const pcie_fabric_t *f = &rn->s->platform.fabric;
	st->ran = true;
	st->start = sim_now(sim);
	if (st->from == STEP_FROM_HOST) {
		pcie_route_init(&st->route);
		st->route.requester_id = st->tlp.requester_id;
		st->route.rc = st->host_rc;
		pcie_route_down(f, st->host_rc, &st->tlp, &st->route);
	} else {
		pcie_route_up(f, (uint32_t)st->from, &st->tlp, &st->route);
		if (st->route.outcome == PCIE_OUT_HOST)
			pcie_route_host(f, &st->tlp, &st->route);
	}
	sim_time_t total = st->route.latency;
	tlp_t cpl;
	st->has_cpl = make_completion(st, &cpl) && route_completion(f, st, &cpl);
	st->cpl_status = cpl.cpl_status;
	if (st->has_cpl)
		total += st->cpl.latency;
	sim_schedule_in(sim, total, finish_step, rn, arg);
}

bool scenario_run(scenario_t *s)
{
	sim_t *sim = sim_create(s->seed);
	if (!sim)
		return false;
	runner_t rn = {s, 0};
	sim_time_t first = s->steps[0].at_ns >= 0 ? (sim_time_t)s->steps[0].at_ns * SIM_NS : 0;
	bool ok = sim_schedule_at(sim, first, start_step, &rn, 0) == SIM_OK;
	if (ok)
		sim_run(sim, SIM_TIME_MAX);
	sim_destroy(sim);
	return ok;
}

void scenario_tally(const scenario_t *s, uint32_t *met, uint32_t *not_met, uint32_t *none)
{
	*met = *not_met = *none = 0;
	for (uint32_t i = 0; i < s->nsteps; i++) {
		const step_t *st = &s->steps[i];
		if (!st->expect.present)
			(*none)++;
		else if (st->met)
			(*met)++;
		else
			(*not_met)++;
	}
}
