/* SPDX-License-Identifier: MIT */
/* scenario.c — loading and running first-form scenarios. See scenario.h. */
#include "scenario.h"
#include "scenario_internal.h"
#include "trace.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "groups.h"
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
	case EXP_TRANSLATED:
		return "translated";
	case EXP_STALLED:
		return "stalled";
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

static const iommu_domain_t *find_domain(const scenario_t *s, const char *name)
{
	for (uint32_t i = 0; i < s->ndomains; i++)
		if (!strcmp(s->domains[i].name, name))
			return &s->domains[i];
	return NULL;
}

/* The SMMU structures a hostile or buggy driver may write: ste(FUNCTION), cd(FUNCTION) (the
 * first CD of its STE) and pte(DOMAIN, IOVA, LEVEL) (a translation table descriptor). */
static bool structure_address(const scenario_t *s, const ycur_t *c, char *expr, uint64_t *out)
{
	char *open_p = strchr(expr, '(');
	*open_p = '\0';
	char *args = open_p + 1;
	args[strlen(args) - 1] = '\0';
	char *argv[3] = {NULL, NULL, NULL};
	int argc = 0;
	for (char *tok = args; tok && argc < 3; argc++) {
		char *comma = strchr(tok, ',');
		if (comma)
			*comma = '\0';
		trim(tok);
		argv[argc] = tok;
		tok = comma ? comma + 1 : NULL;
	}
	const platform_t *p = &s->platform;
	bool is_ste = !strcmp(expr, "ste"), is_cd = !strcmp(expr, "cd"), is_pte = !strcmp(expr, "pte");
	if ((is_ste || is_cd) && argc == 1) {
		int32_t fn = platform_find(p, argv[0]);
		if (fn == PCIE_NONE) {
			yerr(c, "no function '%s' in platform '%s'", argv[0], p->name);
			return false;
		}
		int si = s->have_sys ? system_smmu_of(&s->sys, p->fabric.funcs[fn].rc) : -1;
		if (si < 0) {
			yerr(c, "'%s' is not behind an SMMU", argv[0]);
			return false;
		}
		smmu_drv_t *drv = (smmu_drv_t *)&s->sys.drv[si];
		uint64_t ste = smmu_drv_ste_addr(
			drv, platform_stream_id(p, p->fabric.funcs[fn].rc, groups_dma_alias(p, fn)));
		if (is_ste) {
			*out = ste;
			return true;
		}
		uint8_t b[8];
		mem_read(s->sys.mem, ste, b, 8);
		uint64_t dw0 = mem_le64(b);
		if (SMMU_GET(dw0, STE0_CONFIG) != STE_CONFIG_S1 &&
		    SMMU_GET(dw0, STE0_CONFIG) != STE_CONFIG_NESTED) {
			yerr(c, "'%s' has no context descriptor (no stage-1 domain attached)", argv[0]);
			return false;
		}
		*out = dw0 & SMMU_MASK(STE0_S1CTXPTR);
		return true;
	}
	if (is_pte && argc == 3) {
		const iommu_domain_t *d = find_domain(s, argv[0]);
		uint64_t iova, level;
		if (!d) {
			yerr(c, "no domain '%s'", argv[0]);
			return false;
		}
		if (yparse_u64(argv[1], true, &iova) || yparse_u64(argv[2], false, &level) || level > 3) {
			yerr(c, "pte() takes a domain, an IOVA and a level 0-3");
			return false;
		}
		*out = iopgtable_desc_addr(&d->pt, iova, (int)level);
		if (!*out) {
			yerr(c, "the walk of 0x%llx in domain '%s' does not reach level %llu",
			     (unsigned long long)iova, d->name, (unsigned long long)level);
			return false;
		}
		return true;
	}
	if ((!strcmp(expr, "buf") || !strcmp(expr, "bufpa")) && argc == 1) {
		for (uint32_t i = 0; i < s->nbuffers; i++)
			if (!strcmp(s->buffers[i].name, argv[0])) {
				*out = expr[3] ? s->buffers[i].pa : s->buffers[i].iova;
				return true;
			}
		yerr(c, "no buffer '%s' (define it under buffers)", argv[0]);
		return false;
	}
	int irq = scenario_irq_address(s, c, expr, argv, argc, out);
	if (irq >= 0)
		return irq == 1;
	yerr(c, "unknown address function '%s(...)' (expected ste(FUNCTION), cd(FUNCTION), "
		"pte(DOMAIN, IOVA, LEVEL), buf(BUFFER), bufpa(BUFFER), dt_l1(FUNCTION), dte(FUNCTION), itt(FUNCTION), "
		"lpi(INTID) or pending(PE))",
	     expr);
	return false;
}

/* address: NUMBER | NAME.barN [+ NUMBER] | REGION [+ NUMBER] | ste(F) | cd(F) | pte(D, A, L) */
bool scenario_address(const scenario_t *s, const ycur_t *c, uint64_t *out)
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
	size_t blen = strlen(buf);
	char *paren = strchr(buf, '(');
	if (paren && blen && buf[blen - 1] == ')') {
		if (!structure_address(s, c, buf, &base))
			return false;
		*out = base + off;
		return true;
	}
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

static bool parse_address(const scenario_t *s, const ycur_t *c, uint64_t *out)
{
	return scenario_address(s, c, out);
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

int32_t scenario_func_ref(const scenario_t *s, const ycur_t *c)
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

static int32_t parse_func_ref(const scenario_t *s, const ycur_t *c)
{
	return scenario_func_ref(s, c);
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
					   "atc",	   NULL};
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
	       mr = yget(c, "routing"), reg = yget(c, "register"), ac = yget(c, "atc");
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
	if (st->sub >= 0 && !pasid.node) {
		/* A sub-device's requests carry its PASID (SIOV: the device tags them). */
		t->has_pasid = true;
		t->pasid = s->subdevs[st->sub].pasid;
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
	ok &= yopt_bool(&ac, &st->use_atc);
	if (st->use_atc && (st->from < 0 || !f->funcs[st->from].has_ats || !needs_addr ||
			    t->at != TLP_AT_UNTRANSLATED)) {
		yerr(&ac, "'atc' is for an untranslated MRd or MWr from a function with ATS "
			  "(ats: true in the platform)");
		ok = false;
	} else if (st->use_atc) {
		const platform_t *p = &s->platform;
		uint32_t rc = f->funcs[st->from].rc;
		int si = p->rc_smmu ? p->rc_smmu[rc] : -1;
		if (si < 0 || !p->smmus[si].params.ats) {
			yerr(&ac, "'%s' has no SMMU with ATS to fill its ATC (root complex '%s')",
			     f->funcs[st->from].name, f->rcs[rc].name);
			ok = false;
		}
	}
	if (ok) {
		const char *why = tlp_check(t);
		if (why) {
			yerr(c, "not a valid TLP: %s", why);
			ok = false;
		}
	}
	return ok;
}

/* stream: { type: MRd|MWr, window: { base: ADDR, size: SIZE }, size: N, count: N,
 *          pattern: sequential|random, gap_ns: N } */
static bool parse_stream(scenario_t *s, step_t *st, const ycur_t *c, uint32_t index)
{
	if (st->from < 0) {
		yerr(c, "a stream is a function's DMA: the step needs 'from: FUNCTION'");
		return false;
	}
	if (!yexpect_map(c))
		return false;
	static const char *const keys[] = {"type",   "window", "size",	     "count", "pattern",
					   "gap_ns", "msi",    "background", NULL};
	bool ok = ykeys(c, keys);
	stream_t *sm = calloc(1, sizeof *sm);
	if (!sm)
		return false;
	st->stream = sm;
	ycur_t ms = yget(c, "msi"), bg = yget(c, "background"), n = yneed(c, "count"),
	       gap = yget(c, "gap_ns");
	ok &= yopt_bool(&bg, &sm->background);
	ok &= n.node && yopt_u32(&n, &sm->count, 1, 1000000);
	uint32_t g = 0;
	ok &= yopt_u32(&gap, &g, 0, 1000000000);
	sm->gap = (sim_time_t)g * SIM_NS;
	if (ms.node) {
		/* An interrupt stream: the vector's MSI write, again and again. */
		static const char *const dma_only[] = {"type", "window", "size", "pattern", NULL};
		for (int i = 0; dma_only[i]; i++) {
			ycur_t x = yget(c, dma_only[i]);
			if (x.node) {
				yerr(&x, "'%s' is for DMA streams: an 'msi' stream writes its vector's "
					 "message",
				     dma_only[i]);
				ok = false;
			}
		}
		sm->msi = true;
		ok &= scenario_parse_msi(s, st, &ms);
		sm->size = st->tlp.length;
		sm->base = st->tlp.address;
		sm->lat = ok ? calloc(sm->count, sizeof *sm->lat) : NULL;
		return ok && sm->lat;
	}
	ycur_t ty = yget(c, "type"), w = yneed(c, "window"), sz = yget(c, "size"),
	       pat = yget(c, "pattern");
	tlp_t *t = &st->tlp;
	t->type = TLP_MWR;
	if (ty.node) {
		static const char *const types[] = {"MRd", "MWr", NULL};
		int v;
		if (yenum(&ty, types, &v))
			t->type = v == 0 ? TLP_MRD : TLP_MWR;
		else
			ok = false;
	}
	const pcie_fabric_t *f = &s->platform.fabric;
	t->requester_id = pcie_func_id(&f->funcs[st->from]);
	t->segment = f->rcs[f->funcs[st->from].rc].segment;
	sm->size = 64;
	ok &= yopt_u32(&sz, &sm->size, 1, 4096);
	if (pat.node) {
		static const char *const pats[] = {"sequential", "random", NULL};
		int v;
		if (yenum(&pat, pats, &v))
			sm->random = v == 1;
		else
			ok = false;
	}
	if (w.node && yexpect_map(&w)) {
		static const char *const wk[] = {"base", "size", NULL};
		ok &= ykeys(&w, wk);
		ycur_t b = yneed(&w, "base"), z = yneed(&w, "size");
		ok &= b.node && scenario_address(s, &b, &sm->base);
		ok &= z.node && ysize(&z, &sm->window, 1, 1ull << 48);
	} else {
		ok = false;
	}
	if (ok && sm->window < sm->size) {
		yerr(&w, "the window (%" PRIu64 " bytes) is smaller than one request (%u bytes)",
		     sm->window, sm->size);
		ok = false;
	}
	t->length = sm->size;
	t->address = sm->base;
	if (st->sub >= 0) { /* a sub-device's requests carry its PASID */
		t->has_pasid = true;
		t->pasid = s->subdevs[st->sub].pasid;
	}
	char name[32];
	snprintf(name, sizeof name, "stream%u", index);
	sim_rng_fork(s->sys.sim, name, &sm->rng);
	sm->lat = ok ? calloc(sm->count, sizeof *sm->lat) : NULL;
	return ok && sm->lat;
}

/* CMDQ_CONS.ERR codes by name (SMMU_CERROR_*). */
static const char *const cerror_names[] = {"none", "ILL", "ABT", "ATC_INV_SYNC", NULL};

static bool parse_expect(scenario_t *s, step_t *st, const ycur_t *c)
{
	expectation_t *e = &st->expect;
	e->outcome = EXP_ANY;
	e->to = e->region = e->at = PCIE_NONE;
	e->bar = e->reason = e->redirected = e->p2p = -1;
	e->latency_ns = -1;
	e->requester_id = -1;
	e->completion = -1;
	e->event = -1;
	e->pa = -1;
	e->atc = -1;
	e->cerror = -1;
	e->nevents = -1;
	e->violations = -1;
	e->assignment = -1;
	scenario_parse_irq_expect(s, st, NULL);
	if (!c->node)
		return true;
	if (!yexpect_map(c))
		return false;
	e->present = true;
	static const char *const keys[] = {"outcome", "to",  "bar",	     "at",
					   "reason",  "redirected", "p2p", "latency_ns",
					   "requester_id", "completion", "event", "pa", "cerror", "atc",
					   "events", "interrupt", "intid", "pe", "owner",
					   "interrupt_error", "delivery_ns", "its_error", "its_stalled",
					   "violations", "assignment", "deliveries", "pes", NULL};
	bool ok = ykeys(c, keys);
	static const char *const outcomes[] = {"delivered", "memory", "blocked", "unsupported",
					       "host", "translated", "stalled", NULL};
	int v;
	/* An action has no outcome; a raised vector need not say where its write went. */
	bool outcome_optional = st->act != ACT_NONE || st->msi_vector >= 0 ||
				yget(c, "interrupt").node || yget(c, "violations").node;
	ycur_t oc = outcome_optional ? yget(c, "outcome") : yneed(c, "outcome");
	if (st->act != ACT_NONE && oc.node) {
		yerr(&oc, "an action step has no outcome; expect 'cerror', 'events', 'its_error' or "
			  "'its_stalled'");
		return false;
	}
	ok &= scenario_parse_irq_expect(s, st, c);
	ycur_t asg = yget(c, "assignment");
	if (asg.node) {
		static const char *const res[] = {"accepted",	     "group-not-viable",
						  "group-in-use",     "msi-not-isolated",
						  "reserved-region", "no-iommu", NULL};
		if (st->act != ACT_HOTPLUG && st->act != ACT_MIGRATE) {
			yerr(&asg, "'assignment' is expected of a hotplug or migrate step");
			ok = false;
		} else if (!yenum(&asg, res, &e->assignment)) {
			ok = false;
		}
	}
	ycur_t vi = yget(c, "violations");
	if (vi.node) {
		static const char *const kinds[] = {"dma", "p2p", "msi", "group", "pasid", "ats",
						    "resv", "none", NULL};
		e->violations = 0;
		size_t n = yis_seq(&vi) ? ylen(&vi) : 1;
		for (size_t i = 0; i < n; i++) {
			ycur_t one = yis_seq(&vi) ? yat(&vi, i) : vi;
			int k;
			if (!yenum(&one, kinds, &k))
				ok = false;
			else if (k < INV_KINDS)
				e->violations |= 1 << k;
		}
	}
	if (oc.node) {
		if (!yenum(&oc, outcomes, &v))
			return false;
		e->outcome = (exp_outcome_t)v;
	} else if (!outcome_optional) {
		return false;
	}
	ycur_t ce = yget(c, "cerror"), evs = yget(c, "events");
	if (ce.node) {
		const char *const *codes = cerror_names;
		if (yenum(&ce, codes, &v))
			e->cerror = v;
		else
			ok = false;
	}
	if (evs.node && yexpect_seq(&evs)) {
		e->nevents = 0;
		for (size_t i = 0; i < ylen(&evs) && i < 16; i++) {
			ycur_t one = yat(&evs, i);
			const char *t = ytext(&one);
			int id = -1;
			for (int k = 1; t && k < 256 && id < 0; k++)
				if (strcmp(t, "?") && !strcmp(smmu_event_name((uint8_t)k), t))
					id = k;
			if (id < 0) {
				yerr(&one, "unknown SMMU event '%s'", t ? t : "");
				ok = false;
				continue;
			}
			e->events[e->nevents++] = (uint8_t)id;
		}
	} else if (evs.node) {
		ok = false;
	}
	ycur_t to = yget(c, "to"), bar = yget(c, "bar"), at = yget(c, "at"), re = yget(c, "reason"),
	       rd = yget(c, "redirected"), pp = yget(c, "p2p"), lat = yget(c, "latency_ns"),
	       rid = yget(c, "requester_id"), cpl = yget(c, "completion"), ev = yget(c, "event"),
	       pa = yget(c, "pa"), ac = yget(c, "atc");
	if (ac.node) {
		static const char *const hm[] = {"miss", "hit", NULL};
		ok &= yenum(&ac, hm, &e->atc);
		if (!st->use_atc) {
			yerr(&ac, "the step's TLP does not use the ATC (add atc: true to it)");
			ok = false;
		}
	}
	if (ev.node) {
		const char *t = ytext(&ev);
		if (t && !strcmp(t, "none")) {
			e->event = 0;
		} else {
			for (int id = 1; t && id < 256; id++)
				if (strcmp(t, "?") && !strcmp(smmu_event_name((uint8_t)id), t))
					e->event = id;
			if (e->event < 0) {
				yerr(&ev, "unknown SMMU event '%s' (expected an event name such as "
					  "F_TRANSLATION, C_BAD_STE, F_TRANSL_FORBIDDEN, or none)",
				     t ? t : "");
				ok = false;
			}
		}
	}
	if (pa.node) {
		uint64_t addr;
		if (parse_address(s, &pa, &addr))
			e->pa = (int64_t)addr;
		else
			ok = false;
	}
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

/* --- the iommu section: domains and attachments, applied through the driver layer --------- */

/* prot: letters r, w, x, and p (privileged only). */
static bool parse_prot(const ycur_t *c, unsigned *prot)
{
	const char *t = ytext(c);
	*prot = 0;
	for (const char *q = t ? t : ""; *q; q++) {
		switch (*q) {
		case 'r':
			*prot |= IOPT_READ;
			break;
		case 'w':
			*prot |= IOPT_WRITE;
			break;
		case 'x':
			*prot |= IOPT_EXEC;
			break;
		case 'p':
			*prot |= IOPT_PRIV;
			break;
		default:
			t = NULL;
		}
	}
	if (!t || !*prot) {
		yerr(c, "expected permissions as letters r, w, x and p (privileged only), e.g. rw");
		return false;
	}
	return true;
}

bool scenario_page_size(const ycur_t *c, unsigned granule_shift, uint64_t *out)
{
	/* A leaf of the granule: its page, or a block (4K: 2M, 1G; 16K: 32M; 64K: 512M). */
	uint64_t v;
	if (!ysize(c, &v, 4096, 1ull << 30))
		return false;
	unsigned g = granule_shift;
	bool leaf = v == 1ull << g;
	for (int l = 1; l < 3 && !leaf; l++)
		leaf = vmsa_block_allowed(g, l) && v == 1ull << vmsa_level_shift(g, l);
	if (!leaf) {
		yerr(c, "not a leaf size of the %u KiB granule (expected %s)", 1u << (g - 10),
		     g == 12 ? "4K, 2M or 1G" : g == 14 ? "16K or 32M" : "64K or 512M");
		return false;
	}
	*out = v;
	return true;
}

static bool parse_domain(scenario_t *s, const ycur_t *c, iommu_domain_t *d)
{
	if (!yexpect_map(c))
		return false;
	static const char *const keys[] = {"name",     "stage",  "granule",   "ias",
					   "mappings", "parent", "page_size", NULL};
	bool ok = ykeys(c, keys);
	ycur_t nm = yneed(c, "name"), st = yneed(c, "stage"), gr = yget(c, "granule"),
	       ias = yget(c, "ias"), maps = yget(c, "mappings"), par = yget(c, "parent"),
	       ps = yget(c, "page_size");
	d->parent = -1;
	d->line = yline(c);
	if (!ystr(&nm, d->name, sizeof d->name))
		return false;
	if (!strcmp(d->name, "bypass") || !strcmp(d->name, "abort")) {
		yerr(&nm, "'%s' names a built-in domain; choose another name", d->name);
		return false;
	}
	for (uint32_t i = 0; i < s->ndomains; i++)
		if (!strcmp(s->domains[i].name, d->name)) {
			yerr(&nm, "duplicate domain name '%s' (first at line %u)", d->name,
			     s->domains[i].line);
			return false;
		}
	uint8_t stage = 1, ibits = 48;
	ok &= st.node && yopt_u8(&st, &stage, 1, 2);
	ok &= yopt_u8(&ias, &ibits, 25, 48);
	unsigned g = 12;
	if (gr.node) {
		static const char *const gs[] = {"4K", "16K", "64K", NULL};
		int v;
		if (yenum(&gr, gs, &v))
			g = v == 0 ? 12 : v == 1 ? 14 : 16;
		else
			ok = false;
	}
	if (!ok)
		return false;
	d->stage = stage;
	physalloc_t *pool = &s->sys.kalloc;
	uint64_t delta = 0;
	if (par.node) {
		/* Nested: a guest's stage-1 domain. Its tables live in the last 16 MiB of the
		 * parent stage-2 domain's first mapping, and point at each other by IPA. */
		const char *pn = ytext(&par);
		for (uint32_t i = 0; pn && i < s->ndomains; i++)
			if (!strcmp(s->domains[i].name, pn))
				d->parent = (int)i;
		if (d->parent < 0 || s->domains[d->parent].stage != 2 || stage != 1) {
			yerr(&par, "'parent' names an earlier stage-2 domain, and only a stage-1 domain "
				   "has one");
			return false;
		}
		const iommu_domain_t *pd = &s->domains[d->parent];
		if (!pd->nmaps || pd->maps[0][1] < (32u << 20)) {
			yerr(&par, "domain '%s' needs a first mapping of 32 MiB or more to hold the "
				   "guest's tables",
			     pd->name);
			return false;
		}
		uint64_t ipa = pd->maps[0][0] + pd->maps[0][1] - (16u << 20);
		uint64_t pa = pd->maps[0][2] + pd->maps[0][1] - (16u << 20);
		physalloc_init(&d->guest, pa, 16u << 20);
		pool = &d->guest;
		delta = pa - ipa;
	}
	if (iopgtable_init(&d->pt, s->sys.mem, pool, stage, g, ibits, 48) != IOPT_OK) {
		yerr(c, "the kernel's memory pool is exhausted");
		return false;
	}
	d->pt.ipa_delta = delta;
	d->pt.tt.ttb -= delta;
	if (ps.node && !scenario_page_size(&ps, g, &d->pt.max_leaf))
		return false;
	if (stage == 1)
		d->asid = s->sys.next_asid++;
	else
		d->vmid = s->sys.next_vmid++;
	if (!maps.node)
		return true;
	if (!yexpect_seq(&maps))
		return false;
	for (size_t i = 0; i < ylen(&maps); i++) {
		ycur_t m = yat(&maps, i);
		if (!yexpect_map(&m)) {
			ok = false;
			continue;
		}
		static const char *const mk[] = {"iova", "pa", "size", "prot", NULL};
		ok &= ykeys(&m, mk);
		ycur_t iv = yneed(&m, "iova"), pa = yneed(&m, "pa"), sz = yneed(&m, "size"),
		       pr = yget(&m, "prot");
		uint64_t iova, paddr, size;
		unsigned prot = IOPT_READ | IOPT_WRITE;
		if (!parse_address(s, &iv, &iova) || !parse_address(s, &pa, &paddr) ||
		    !ysize(&sz, &size, 1, 1ull << 48) || (pr.node && !parse_prot(&pr, &prot))) {
			ok = false;
			continue;
		}
		uint64_t(*grown)[3] = realloc(d->maps, (d->nmaps + 1) * sizeof *d->maps);
		if (!grown) {
			yerr(&m, "out of memory");
			return false;
		}
		d->maps = grown;
		d->maps[d->nmaps][0] = iova;
		d->maps[d->nmaps][1] = size;
		d->maps[d->nmaps][2] = paddr;
		d->nmaps++;
		iopt_status_t r = iopgtable_map_range(&d->pt, iova, paddr, size, prot);
		if (r == IOPT_ERR_INVAL)
			yerr(&m, "cannot map [0x%llx, +0x%llx) to 0x%llx: addresses and size must be "
				 "multiples of the %u KiB granule and fit the domain's %u-bit input",
			     (unsigned long long)iova, (unsigned long long)size,
			     (unsigned long long)paddr, 1u << (g - 10), (unsigned)ibits);
		else if (r == IOPT_ERR_EXIST)
			yerr(&m, "[0x%llx, +0x%llx) overlaps a mapping made before in domain '%s'",
			     (unsigned long long)iova, (unsigned long long)size, d->name);
		else if (r == IOPT_ERR_NOMEM)
			yerr(&m, "the kernel's memory pool is exhausted");
		ok &= r == IOPT_OK;
	}
	return ok;
}

/* The driver maps the platform's MSI doorbell pages into a domain at the SMMU's software
 * MSI window (iommu_dma_get_msi_page() / VFIO's IOMMU_RESV_SW_MSI), the first page of each
 * `msi` region in turn. The window is a reserved region: a DMA mapping may not overlap it. */
static bool map_msi_window(scenario_t *s, iommu_domain_t *d, int si, const ycur_t *at)
{
	const platform_smmu_t *sm = &s->platform.smmus[si];
	if (d->msi_mapped)
		return true;
	uint64_t lo = sm->msi_window, len = sm->msi_window_size;
	for (uint32_t i = 0; i < d->nmaps; i++)
		if (d->maps[i][0] < lo + len && lo < d->maps[i][0] + d->maps[i][1]) {
			yerr(at, "domain '%s' maps [0x%llx, +0x%llx), which overlaps the MSI window "
				 "[0x%llx, +0x%llx) of SMMU '%s', a reserved region",
			     d->name, (unsigned long long)d->maps[i][0],
			     (unsigned long long)d->maps[i][1], (unsigned long long)lo,
			     (unsigned long long)len, sm->name);
			return false;
		}
	const pcie_fabric_t *f = &s->platform.fabric;
	uint64_t iova = lo;
	for (uint32_t r = 0; r < f->nregions && iova + 4096 <= lo + len; r++) {
		if (f->regions[r].kind != PCIE_REGION_MSI)
			continue;
		uint64_t page = 1ull << d->pt.tt.granule_shift;
		iova = (iova + page - 1) & ~(page - 1);
		if (iova + page > lo + len)
			break;
		if (iopgtable_map(&d->pt, iova, f->regions[r].base & ~(page - 1), page,
				  IOPT_READ | IOPT_WRITE) != IOPT_OK) {
			yerr(at, "cannot map the MSI doorbell '%s' into domain '%s'", f->regions[r].name,
			     d->name);
			return false;
		}
		if (d->nmsi < sizeof d->msi_iova / sizeof d->msi_iova[0]) {
			d->msi_region[d->nmsi] = (int32_t)r;
			d->msi_iova[d->nmsi++] = iova;
		}
		iova += page;
	}
	d->msi_mapped = true;
	return true;
}

/* One line of iommu.attach, checked. */
typedef struct attach_req {
	int32_t fn;
	iommu_domain_t *d; /* NULL: bypass or abort */
	bool bypass;
	bool ats;
	bool stall; /* stall faults (CD.S, STE.S2S) instead of terminating them */
	bool has_pasid;
	uint32_t pasid;
	ycur_t at;
} attach_req_t;

static bool collect_attach(scenario_t *s, const ycur_t *c, attach_req_t *r)
{
	memset(r, 0, sizeof *r);
	r->at = *c;
	if (!yexpect_map(c))
		return false;
	static const char *const keys[] = {"function", "domain", "ats", "pasid", "stall", NULL};
	bool ok = ykeys(c, keys);
	ycur_t fc = yneed(c, "function"), dc = yneed(c, "domain"), ac = yget(c, "ats"),
	       pc = yget(c, "pasid"), sc = yget(c, "stall");
	ok &= yopt_bool(&ac, &r->ats);
	ok &= yopt_bool(&sc, &r->stall);
	r->fn = fc.node ? parse_func_ref(s, &fc) : PCIE_NONE;
	const char *dn = ytext(&dc);
	if (!ok || r->fn == PCIE_NONE || !dn) {
		if (dc.node && !dn)
			yerr(&dc, "expected a domain name, bypass or abort");
		return false;
	}
	const platform_t *p = &s->platform;
	const pcie_func_t *f = &p->fabric.funcs[r->fn];
	int si = system_smmu_of(&s->sys, f->rc);
	if (si < 0) {
		yerr(&fc, "'%s' is not behind an SMMU (its root complex '%s' has none)", f->name,
		     p->fabric.rcs[f->rc].name);
		return false;
	}
	const smmu_params_t *sp = &p->smmus[si].params;
	if (r->ats && (!f->has_ats || !sp->ats)) {
		yerr(&ac, "ATS needs an ATS capability on '%s' and ATS in SMMU '%s'", f->name,
		     p->smmus[si].name);
		return false;
	}
	for (uint32_t i = 0; i < s->ndomains; i++)
		if (!strcmp(s->domains[i].name, dn))
			r->d = &s->domains[i];
	r->bypass = !strcmp(dn, "bypass");
	if (!r->d && !r->bypass && strcmp(dn, "abort")) {
		yerr(&dc, "no domain '%s' (define it under iommu.domains, or use bypass or abort)", dn);
		return false;
	}
	if (r->d) {
		unsigned g = r->d->pt.tt.granule_shift;
		if (!((g == 12 && sp->gran4k) || (g == 14 && sp->gran16k) || (g == 16 && sp->gran64k))) {
			yerr(&dc, "SMMU '%s' does not support domain '%s''s %u KiB granule",
			     p->smmus[si].name, r->d->name, 1u << (g - 10));
			return false;
		}
		if (r->d->stage == 2 && r->d->pt.tt.ias > sp->oas) {
			yerr(&dc, "domain '%s' has a %u-bit input, more than SMMU '%s''s %u-bit addresses",
			     r->d->name, r->d->pt.tt.ias, p->smmus[si].name, sp->oas);
			return false;
		}
	}
	if (r->stall && !sp->stall) {
		yerr(&sc, "SMMU '%s' has no stall model (features.stall is false)", p->smmus[si].name);
		return false;
	}
	if (r->stall && !r->d) {
		yerr(&sc, "only a domain's faults can stall (not bypass or abort)");
		return false;
	}
	if (r->d && r->d->stage == 2 && !sp->s2p) {
		yerr(&dc, "SMMU '%s' has no stage 2", p->smmus[si].name);
		return false;
	}
	if (r->d && r->d->parent >= 0 && !sp->s2p) {
		yerr(&dc, "SMMU '%s' has no stage 2, which the nested domain '%s' needs",
		     p->smmus[si].name, r->d->name);
		return false;
	}
	if (r->d && r->d->stage == 1 && !sp->s1p) {
		yerr(&dc, "SMMU '%s' has no stage 1", p->smmus[si].name);
		return false;
	}
	if (pc.node) {
		unsigned bits = f->pasid_width < sp->ssidsize ? f->pasid_width : sp->ssidsize;
		if (!f->has_pasid || !bits) {
			yerr(&pc, "'%s' cannot use PASIDs (it needs a PASID capability and SMMU '%s' "
				  "SubstreamIDs)",
			     f->name, p->smmus[si].name);
			return false;
		}
		if (!yopt_u32(&pc, &r->pasid, 1, (1u << bits) - 1))
			return false;
		r->has_pasid = true;
		if (!r->d || r->d->stage != 1 || r->d->parent >= 0) {
			yerr(&dc, "a PASID is bound to a stage-1 domain (not a nested one)");
			return false;
		}
	}
	/* A nested (guest) domain's outputs are IPAs: the window goes into its parent. */
	if (r->d && r->d->parent < 0 && !p->smmus[si].msi_bypass &&
	    !map_msi_window(s, r->d, si, &dc))
		return false;
	return true;
}

/* Programs one function's STE (and CD table) from all its attachments: a default domain for
 * traffic without a PASID, and stage-1 domains bound to PASIDs (CD n for PASID n). */
/* The STE (and CD) for a stream whose traffic without PASID goes to domain d, a stage-2 or
 * a plain stage-1 domain (not nested). Returns 0, or -1 when the driver failed. */
static int ste_for_domain(scenario_t *s, smmu_drv_t *drv, uint32_t sid, const iommu_domain_t *d,
			  bool stall, unsigned eats, uint64_t ste[8])
{
	(void)s;
	if (d->stage == 2) {
		smmu_ste_s2(ste, &d->pt, d->vmid, eats);
		ste[2] |= SMMU_PREP(STE2_S2S, stall);
		return 0;
	}
	unsigned fmt;
	uint64_t cd[8];
	uint64_t cdtab = smmu_drv_alloc_cdtab(drv, 0, false, &fmt);
	smmu_cd_build(cd, &d->pt, d->asid, true);
	cd[0] |= SMMU_PREP(CD0_S, stall);
	int r = cdtab ? smmu_drv_write_cd(drv, sid, cdtab, fmt, 0, cd) : -1;
	smmu_ste_s1(ste, cdtab, 0, fmt, STE_S1DSS_SSID0, eats);
	return r;
}

bool scenario_attach_now(scenario_t *s, int32_t fn, int dom)
{
	const platform_t *p = &s->platform;
	const pcie_func_t *f = &p->fabric.funcs[fn];
	int si = system_smmu_of(&s->sys, f->rc);
	smmu_drv_t *drv = &s->sys.drv[si];
	uint32_t sid = platform_stream_id(p, f->rc, groups_dma_alias(p, fn));
	uint64_t ste[8];
	int r = 0;
	if (dom >= 0)
		r = ste_for_domain(s, drv, sid, &s->domains[dom], false, STE_EATS_ABORT, ste);
	else if (dom == ATTACH_BYPASS)
		smmu_ste_bypass(ste);
	else
		smmu_ste_abort(ste);
	if (!r)
		r = smmu_drv_write_ste(drv, sid, ste);
	s->attached[fn] = dom >= 0 || dom == ATTACH_BYPASS ? dom : ATTACH_ABORT;
	return r == 0;
}

static bool program_function(scenario_t *s, const attach_req_t *reqs, unsigned n, int32_t fn)
{
	const platform_t *p = &s->platform;
	const pcie_func_t *f = &p->fabric.funcs[fn];
	int si = system_smmu_of(&s->sys, f->rc);
	smmu_drv_t *drv = &s->sys.drv[si];
	uint32_t sid = platform_stream_id(p, f->rc, groups_dma_alias(p, fn));
	const attach_req_t *def = NULL;
	uint32_t maxpasid = 0;
	bool ats = false;
	for (unsigned i = 0; i < n; i++) {
		if (reqs[i].fn != fn)
			continue;
		ats |= reqs[i].ats;
		if (!reqs[i].has_pasid) {
			if (def) {
				yerr(&reqs[i].at, "'%s' is attached twice without a PASID", f->name);
				return false;
			}
			def = &reqs[i];
			continue;
		}
		for (unsigned j = 0; j < i; j++)
			if (reqs[j].fn == fn && reqs[j].has_pasid && reqs[j].pasid == reqs[i].pasid) {
				yerr(&reqs[i].at, "PASID %u of '%s' is attached twice", reqs[i].pasid,
				     f->name);
				return false;
			}
		if (reqs[i].pasid > maxpasid)
			maxpasid = reqs[i].pasid;
	}
	unsigned eats = ats ? STE_EATS_TRANS : STE_EATS_ABORT;
	uint64_t ste[8], cd[8];
	s->attached[fn] = !def ? ATTACH_ABORT
			  : def->d ? (int32_t)(def->d - s->domains)
			  : def->bypass ? ATTACH_BYPASS
					: ATTACH_ABORT;
	int r = 0;
	if (!maxpasid) { /* no PASIDs: the default domain alone */
		if (!def || !def->d) {
			if (def && def->bypass)
				smmu_ste_bypass(ste);
			else
				smmu_ste_abort(ste);
		} else if (def->d->parent < 0) {
			r = ste_for_domain(s, drv, sid, def->d, def->stall, eats, ste);
		} else {
			/* Nested: the guest's CD sits in guest memory too, found by IPA. */
			iommu_domain_t *g = def->d, *pd = &s->domains[g->parent];
			if (!p->smmus[si].msi_bypass && !map_msi_window(s, pd, si, &def->at))
				return false;
			uint64_t cd_pa = physalloc_alloc(&g->guest, SMMU_CD_SIZE, SMMU_CD_SIZE);
			if (!cd_pa) {
				yerr(&def->at, "the guest's table memory is exhausted");
				return false;
			}
			smmu_cd_build(cd, &g->pt, g->asid, true);
			cd[0] |= SMMU_PREP(CD0_S, def->stall);
			uint8_t raw[SMMU_CD_SIZE];
			for (int k = 0; k < 8; k++)
				mem_put_le64(raw + 8 * k, cd[k]);
			mem_write(s->sys.mem, cd_pa, raw, sizeof raw);
			smmu_ste_nested(ste, cd_pa - g->pt.ipa_delta, 0, STE_S1FMT_LINEAR,
					STE_S1DSS_SSID0, &pd->pt, pd->vmid, eats);
			ste[2] |= SMMU_PREP(STE2_S2S, def->stall);
		}
	} else {
		if (def && def->d && (def->d->stage == 2 || def->d->parent >= 0)) {
			yerr(&def->at, "'%s' uses PASIDs: its default domain must be stage 1, bypass or "
				       "abort (stage 2 under PASIDs is a nested configuration)",
			     f->name);
			return false;
		}
		unsigned cdmax = 1;
		while ((1u << cdmax) <= maxpasid)
			cdmax++;
		unsigned fmt;
		uint64_t cdtab = smmu_drv_alloc_cdtab(drv, cdmax, p->smmus[si].params.cd2l && cdmax > 10,
						      &fmt);
		if (!cdtab)
			r = -1;
		unsigned s1dss = def && def->d ? STE_S1DSS_SSID0
				 : def && def->bypass ? STE_S1DSS_BYPASS
						      : STE_S1DSS_TERMINATE;
		if (!r && def && def->d) {
			smmu_cd_build(cd, &def->d->pt, def->d->asid, true);
			cd[0] |= SMMU_PREP(CD0_S, def->stall);
			r = smmu_drv_write_cd(drv, sid, cdtab, fmt, 0, cd);
		}
		for (unsigned i = 0; i < n && !r; i++)
			if (reqs[i].fn == fn && reqs[i].has_pasid) {
				smmu_cd_build(cd, &reqs[i].d->pt, reqs[i].d->asid, true);
				cd[0] |= SMMU_PREP(CD0_S, reqs[i].stall);
				r = smmu_drv_write_cd(drv, sid, cdtab, fmt, reqs[i].pasid, cd);
			}
		smmu_ste_s1(ste, cdtab, cdmax, fmt, s1dss, eats);
	}
	if (r == 0)
		r = smmu_drv_write_ste(drv, sid, ste);
	if (r) {
		yerr(def ? &def->at : &reqs[0].at,
		     "the SMMU driver failed to attach '%s' (kernel memory pool exhausted?)", f->name);
		return false;
	}
	return true;
}

int scenario_new_domain(scenario_t *s, const char *name, uint8_t stage, const ycur_t *at)
{
	iommu_domain_t *n = realloc(s->domains, (s->ndomains + 1) * sizeof *n);
	if (!n) {
		yerr(at, "out of memory");
		return -1;
	}
	s->domains = n;
	iommu_domain_t *d = &s->domains[s->ndomains];
	memset(d, 0, sizeof *d);
	snprintf(d->name, sizeof d->name, "%s", name);
	d->stage = stage;
	d->parent = -1;
	d->line = yline(at);
	if (iopgtable_init(&d->pt, s->sys.mem, &s->sys.kalloc, stage, 12, 48, 48) != IOPT_OK) {
		yerr(at, "the kernel's memory pool is exhausted");
		return -1;
	}
	if (stage == 1)
		d->asid = s->sys.next_asid++;
	else
		d->vmid = s->sys.next_vmid++;
	return (int)s->ndomains++;
}

bool scenario_domain_map(scenario_t *s, iommu_domain_t *d, uint64_t iova, uint64_t pa,
			 uint64_t size, const ycur_t *at)
{
	uint64_t(*grown)[3] = realloc(d->maps, (d->nmaps + 1) * sizeof *d->maps);
	if (!grown) {
		yerr(at, "out of memory");
		return false;
	}
	d->maps = grown;
	d->maps[d->nmaps][0] = iova;
	d->maps[d->nmaps][1] = size;
	d->maps[d->nmaps][2] = pa;
	d->nmaps++;
	if (iopgtable_map_range(&d->pt, iova, pa, size, IOPT_READ | IOPT_WRITE) != IOPT_OK) {
		yerr(at, "cannot map [0x%llx, +0x%llx) in domain '%s' (kernel memory pool "
			 "exhausted?)",
		     (unsigned long long)iova, (unsigned long long)size, d->name);
		return false;
	}
	(void)s;
	return true;
}

bool scenario_prepare_domain(scenario_t *s, int32_t fn, int dom, const ycur_t *at)
{
	int si = system_smmu_of(&s->sys, s->platform.fabric.funcs[fn].rc);
	return s->platform.smmus[si].msi_bypass || map_msi_window(s, &s->domains[dom], si, at);
}

bool scenario_attach(scenario_t *s, int32_t fn, int dom, const ycur_t *at)
{
	const pcie_func_t *f = &s->platform.fabric.funcs[fn];
	int si = system_smmu_of(&s->sys, f->rc);
	iommu_domain_t *d = &s->domains[dom];
	if (!s->platform.smmus[si].msi_bypass && !map_msi_window(s, d, si, at))
		return false;
	attach_req_t r;
	memset(&r, 0, sizeof r);
	r.fn = fn;
	r.d = d;
	r.at = *at;
	return program_function(s, &r, 1, fn);
}

bool scenario_attach_subdevs(scenario_t *s, int32_t fn, const ycur_t *at)
{
	attach_req_t *reqs = calloc(s->nsubdevs + 1, sizeof *reqs);
	if (!reqs)
		return false;
	unsigned n = 0;
	int32_t def = s->attached[fn];
	if (def != ATTACH_NONE && def != ATTACH_ABORT) {
		reqs[n] = (attach_req_t){.fn = fn, .at = *at, .bypass = def == ATTACH_BYPASS};
		reqs[n++].d = def >= 0 ? &s->domains[def] : NULL;
	}
	for (uint32_t i = 0; i < s->nsubdevs; i++)
		if (s->subdevs[i].fn == fn) {
			reqs[n] = (attach_req_t){.fn = fn, .at = *at, .has_pasid = true,
						 .pasid = s->subdevs[i].pasid};
			reqs[n++].d = &s->domains[s->subdevs[i].domain];
		}
	bool ok = program_function(s, reqs, n, fn);
	free(reqs);
	return ok;
}

static bool parse_iommu(scenario_t *s, const ycur_t *c)
{
	if (!c->node)
		return true;
	if (!s->platform.nsmmus) {
		yerr(c, "platform '%s' has no SMMU (add an 'smmus' section to it)", s->platform.name);
		return false;
	}
	if (!yexpect_map(c))
		return false;
	static const char *const keys[] = {"domains", "attach", NULL};
	bool ok = ykeys(c, keys);
	ycur_t ds = yget(c, "domains"), at = yget(c, "attach");
	if (ds.node && yexpect_seq(&ds)) {
		s->domains = calloc(ylen(&ds) + 1, sizeof *s->domains);
		if (!s->domains)
			return false;
		for (size_t i = 0; i < ylen(&ds) && ok; i++) {
			ycur_t d = yat(&ds, i);
			if (parse_domain(s, &d, &s->domains[s->ndomains])) {
				s->ndomains++;
			} else {
				free(s->domains[s->ndomains].maps); /* what it held before failing */
				s->domains[s->ndomains].maps = NULL;
				ok = false;
			}
		}
	} else if (ds.node) {
		ok = false;
	}
	if (!ok || !at.node || !yexpect_seq(&at))
		return ok && !(at.node && !yis_seq(&at));
	size_t n = ylen(&at);
	attach_req_t *reqs = calloc(n + 1, sizeof *reqs);
	if (!reqs)
		return false;
	for (size_t i = 0; i < n; i++) {
		ycur_t a = yat(&at, i);
		ok &= collect_attach(s, &a, &reqs[i]);
	}
	/* Each function once, in the order it first appears. */
	for (size_t i = 0; i < n && ok; i++) {
		bool first = true;
		for (size_t j = 0; j < i; j++)
			first &= reqs[j].fn != reqs[i].fn;
		if (first)
			ok &= program_function(s, reqs, (unsigned)n, reqs[i].fn);
	}
	/* Functions with PASIDs bound here (sub-devices may not take PASIDs of theirs). */
	s->pasid_bound = calloc(s->platform.fabric.nfuncs + 1, 1);
	for (size_t i = 0; i < n && ok && s->pasid_bound; i++)
		if (reqs[i].has_pasid)
			s->pasid_bound[reqs[i].fn] = 1;
	ok &= s->pasid_bound != NULL;
	free(reqs);
	return ok;
}

/* --- action steps ------------------------------------------------------------------------ */

static const struct {
	const char *name;
	uint8_t op;
} cmd_names[] = {
	{"PREFETCH_CONFIG", SMMU_CMD_PREFETCH_CONFIG}, {"CFGI_STE", SMMU_CMD_CFGI_STE},
	{"CFGI_STE_RANGE", SMMU_CMD_CFGI_STE_RANGE},   {"CFGI_ALL", SMMU_CMD_CFGI_STE_RANGE},
	{"CFGI_CD", SMMU_CMD_CFGI_CD},                 {"CFGI_CD_ALL", SMMU_CMD_CFGI_CD_ALL},
	{"TLBI_NH_ALL", SMMU_CMD_TLBI_NH_ALL},         {"TLBI_NH_ASID", SMMU_CMD_TLBI_NH_ASID},
	{"TLBI_NH_VA", SMMU_CMD_TLBI_NH_VA},           {"TLBI_NH_VAA", SMMU_CMD_TLBI_NH_VAA},
	{"TLBI_EL2_ALL", SMMU_CMD_TLBI_EL2_ALL},       {"TLBI_S12_VMALL", SMMU_CMD_TLBI_S12_VMALL},
	{"TLBI_S2_IPA", SMMU_CMD_TLBI_S2_IPA},         {"TLBI_NSNH_ALL", SMMU_CMD_TLBI_NSNH_ALL},
	{"ATC_INV", SMMU_CMD_ATC_INV},                 {"PRI_RESP", SMMU_CMD_PRI_RESP},
	{"RESUME", SMMU_CMD_RESUME},                   {"STALL_TERM", SMMU_CMD_STALL_TERM},
	{"SYNC", SMMU_CMD_SYNC},
};

const char *scenario_cmd_name(unsigned op)
{
	for (unsigned i = 0; i < sizeof cmd_names / sizeof cmd_names[0]; i++)
		if (cmd_names[i].op == op)
			return cmd_names[i].name;
	return NULL;
}

static int parse_smmu_ref(const scenario_t *s, const ycur_t *c)
{
	const char *t = ytext(c);
	for (unsigned i = 0; t && i < s->platform.nsmmus; i++)
		if (!strcmp(s->platform.smmus[i].name, t))
			return (int)i;
	yerr(c, "no SMMU '%s' in platform '%s'", t ? t : "", s->platform.name);
	return -1;
}

/* command: {smmu, op, function, ssid, domain, address, leaf, range} or {smmu, dwords: [a, b]} */
static bool parse_command(scenario_t *s, step_t *st, const ycur_t *c)
{
	static const char *const keys[] = {"smmu",    "op",   "dwords", "function", "ssid",
					   "domain",  "address", "leaf", "range", "stag", "action",
					   "size",    "global",  NULL};
	bool ok = ykeys(c, keys);
	ycur_t sm = yneed(c, "smmu"), op = yget(c, "op"), dw = yget(c, "dwords"),
	       fn = yget(c, "function"), ss = yget(c, "ssid"), dm = yget(c, "domain"),
	       ad = yget(c, "address"), lf = yget(c, "leaf"), rg = yget(c, "range"),
	       sg = yget(c, "stag"), ac = yget(c, "action"), sz = yget(c, "size"),
	       gl = yget(c, "global");
	st->act_smmu = sm.node ? parse_smmu_ref(s, &sm) : -1;
	if (st->act_smmu < 0)
		return false;
	if (dw.node) {
		if (!yexpect_seq(&dw) || ylen(&dw) != 2) {
			yerr(&dw, "expected the command's two 64-bit dwords, [dw0, dw1]");
			return false;
		}
		ycur_t a = yat(&dw, 0), b = yat(&dw, 1);
		return ok && yu64(&a, &st->act_dw[0], 0, UINT64_MAX) && yu64(&b, &st->act_dw[1], 0, UINT64_MAX);
	}
	const char *name = ytext(&op);
	int opcode = -1;
	for (unsigned i = 0; name && i < sizeof cmd_names / sizeof cmd_names[0]; i++)
		if (!strcmp(cmd_names[i].name, name))
			opcode = cmd_names[i].op;
	if (opcode < 0) {
		yerr(op.node ? &op : c, "expected 'op' (a command name such as TLBI_NH_ASID, CFGI_STE, "
					"SYNC) or 'dwords'");
		return false;
	}
	uint64_t d0 = SMMU_PREP(CMD0_OPCODE, opcode), d1 = 0;
	if (fn.node) {
		int32_t f = parse_func_ref(s, &fn);
		if (f == PCIE_NONE)
			return false;
		const platform_t *p = &s->platform;
		d0 |= SMMU_PREP(CMD0_SID, platform_stream_id(p, p->fabric.funcs[f].rc,
							     groups_dma_alias(p, f)));
	}
	uint32_t ssid = 0;
	if (ss.node) {
		ok &= yopt_u32(&ss, &ssid, 0, TLP_PASID_MAX);
		d0 |= SMMU_PREP(CMD0_SSID, ssid) | SMMU_PREP(CMD0_SSV, 1);
	}
	if (dm.node) {
		const iommu_domain_t *d = ytext(&dm) ? find_domain(s, ytext(&dm)) : NULL;
		if (!d) {
			yerr(&dm, "no domain '%s'", ytext(&dm) ? ytext(&dm) : "");
			return false;
		}
		d0 |= d->stage == 1 ? SMMU_PREP(CMD0_ASID, d->asid) : SMMU_PREP(CMD0_VMID, d->vmid);
		if (d->parent >= 0) /* nested: stage-1 entries are tagged with ASID and VMID */
			d0 |= SMMU_PREP(CMD0_VMID, s->domains[d->parent].vmid);
	}
	if (ad.node) {
		uint64_t a;
		if (!parse_address(s, &ad, &a))
			return false;
		d1 |= a & SMMU_MASK(CMD1_ADDR);
	}
	/* Keys that only some opcodes have: elsewhere their bits mean something else. */
	bool leaf_op = opcode == SMMU_CMD_CFGI_STE || opcode == SMMU_CMD_TLBI_NH_VA ||
		       opcode == SMMU_CMD_TLBI_NH_VAA || opcode == SMMU_CMD_TLBI_S2_IPA;
	const struct {
		const ycur_t *key;
		bool allowed;
		const char *ops;
	} only[] = {
		{&lf, leaf_op, "CFGI_STE, TLBI_NH_VA, TLBI_NH_VAA and TLBI_S2_IPA"},
		{&rg, opcode == SMMU_CMD_CFGI_STE_RANGE, "CFGI_STE_RANGE and CFGI_ALL"},
		{&sg, opcode == SMMU_CMD_RESUME, "RESUME"},
		{&ac, opcode == SMMU_CMD_RESUME, "RESUME"},
		{&sz, opcode == SMMU_CMD_ATC_INV, "ATC_INV"},
		{&gl, opcode == SMMU_CMD_ATC_INV, "ATC_INV"},
	};
	for (unsigned i = 0; i < sizeof only / sizeof only[0]; i++)
		if (only[i].key->node && !only[i].allowed) {
			yerr(only[i].key, "not a field of %s (only of %s)", name, only[i].ops);
			ok = false;
		}
	if (!fn.node && (opcode == SMMU_CMD_RESUME || opcode == SMMU_CMD_STALL_TERM ||
			 opcode == SMMU_CMD_ATC_INV)) {
		yerr(c, "missing key 'function' (%s names a StreamID)", name);
		ok = false;
	}
	if (!sg.node && opcode == SMMU_CMD_RESUME) {
		yerr(c, "missing key 'stag' (the STAG of the stall's event record)");
		ok = false;
	}
	bool leaf = false;
	ok &= yopt_bool(&lf, &leaf);
	d1 |= SMMU_PREP(CMD1_LEAF, leaf);
	uint8_t range = name && !strcmp(name, "CFGI_ALL") ? SMMU_CFGI_RANGE_ALL : 0;
	ok &= yopt_u8(&rg, &range, 0, 31);
	if (opcode == SMMU_CMD_CFGI_STE_RANGE)
		d1 = SMMU_PREP(CMD1_RANGE, range);
	/* CMD_RESUME: the STAG from the stall's event record, and retry or terminate. */
	uint16_t stag = 0;
	ok &= yopt_u16(&sg, &stag, 0, UINT16_MAX);
	static const char *const actions[] = {"terminate", "retry", "abort", NULL};
	int action = SMMU_RESUME_TERMINATE;
	if (ac.node)
		ok &= yenum(&ac, actions, &action);
	if (opcode == SMMU_CMD_RESUME) {
		d0 |= SMMU_PREP(CMD0_RESUME_ACTION, (unsigned)action);
		d1 = SMMU_PREP(CMD1_STAG, stag);
	}
	/* CMD_ATC_INV: 2^size 4 KiB pages at 'address' (52, the default without an address:
	 * the whole address space); 'global' for every PASID. */
	uint8_t atc_size = ad.node ? 0 : 52;
	ok &= yopt_u8(&sz, &atc_size, 0, 52);
	bool global = false;
	ok &= yopt_bool(&gl, &global);
	if (opcode == SMMU_CMD_ATC_INV) {
		d0 |= SMMU_PREP(CMD0_ATC_GLOBAL, global);
		d1 |= SMMU_PREP(CMD1_ATC_SIZE, atc_size);
	}
	st->act_dw[0] = d0;
	st->act_dw[1] = d1;
	return ok;
}

/* do: {write | map | unmap | command | sync | events} — exactly one. */
static bool parse_action(scenario_t *s, step_t *st, const ycur_t *c)
{
	if (!yexpect_map(c))
		return false;
	static const char *const kinds[] = {"write",	   "map",	"unmap", "command",
					    "sync",	   "events",	"its_command", "its_retry",
					    "mask",	   "unmask",	"hotplug", "unplug",
					    "migrate",	   "set_affinity", "ims_write", NULL};
	if (!ykeys(c, kinds))
		return false;
	if (ymap_len(c) != 1) {
		yerr(c, "an action step does one thing: write, map, unmap, command, sync, events, "
			"its_command, its_retry, mask, unmask, set_affinity, ims_write, hotplug, unplug or "
			"migrate");
		return false;
	}
	ycur_t k = ymap_key(c, 0), v = ymap_val(c, 0);
	const char *kind = ytext(&k);
	bool ok = true;
	if (!strcmp(kind, "its_command") || !strcmp(kind, "its_retry") || !strcmp(kind, "mask") ||
	    !strcmp(kind, "unmask") || !strcmp(kind, "set_affinity"))
		return scenario_parse_irq_action(s, st, kind, &v);
	if (!strcmp(kind, "hotplug") || !strcmp(kind, "unplug") || !strcmp(kind, "migrate"))
		return scenario_parse_vm_action(s, st, kind, &v);
	if (!strcmp(kind, "ims_write"))
		return scenario_parse_ims_write(s, st, &v);
	if (!strcmp(kind, "write") && s->have_sys && s->platform.gic.present) {
		/* A raw write into memory (an interrupt table, say) needs no SMMU. */
	} else if (!s->have_sys || !s->platform.nsmmus) {
		yerr(c, "actions act on the platform's SMMUs, and platform '%s' has none",
		     s->platform.name);
		return false;
	}
	if (!strcmp(kind, "write")) {
		st->act = ACT_WRITE;
		if (!yexpect_map(&v))
			return false;
		static const char *const wk[] = {"address", "value", "size", NULL};
		ok &= ykeys(&v, wk);
		ycur_t a = yneed(&v, "address"), val = yneed(&v, "value"), sz = yget(&v, "size");
		st->act_size = 8;
		uint8_t size8 = 8;
		ok &= a.node && parse_address(s, &a, &st->act_addr);
		ok &= val.node && yu64(&val, &st->act_value, 0, UINT64_MAX);
		ok &= yopt_u8(&sz, &size8, 1, 8);
		st->act_size = size8;
	} else if (!strcmp(kind, "map") || !strcmp(kind, "unmap")) {
		st->act = kind[0] == 'm' ? ACT_MAP : ACT_UNMAP;
		if (!yexpect_map(&v))
			return false;
		static const char *const mk[] = {"domain", "iova", "pa", "size", "prot", NULL};
		ok &= ykeys(&v, mk);
		ycur_t d = yneed(&v, "domain"), iv = yneed(&v, "iova"), pa = yget(&v, "pa"),
		       sz = yneed(&v, "size"), pr = yget(&v, "prot");
		const iommu_domain_t *dom = ytext(&d) ? find_domain(s, ytext(&d)) : NULL;
		if (!dom) {
			if (d.node)
				yerr(&d, "no domain '%s'", ytext(&d) ? ytext(&d) : "");
			return false;
		}
		st->act_domain = (int)(dom - s->domains);
		st->act_prot = IOPT_READ | IOPT_WRITE;
		ok &= iv.node && parse_address(s, &iv, &st->act_addr);
		ok &= sz.node && ysize(&sz, &st->act_len, 1, 1ull << 48);
		if (st->act == ACT_MAP) {
			if (!pa.node) {
				yerr(&v, "missing key 'pa'");
				return false;
			}
			ok &= parse_address(s, &pa, &st->act_pa);
			if (pr.node)
				ok &= parse_prot(&pr, &st->act_prot);
		}
	} else if (!strcmp(kind, "command")) {
		st->act = ACT_COMMAND;
		ok = yexpect_map(&v) && parse_command(s, st, &v);
	} else {
		st->act = !strcmp(kind, "sync") ? ACT_SYNC : ACT_EVENTS;
		st->act_smmu = parse_smmu_ref(s, &v);
		ok = st->act_smmu >= 0;
	}
	return ok;
}

bool scenario_load(scenario_t *s, const char *file, yerrs_t *errs)
{
	return scenario_load_set(s, file, NULL, 0, errs);
}

bool scenario_load_set(scenario_t *s, const char *file, const ydoc_setting_t *sets,
		       unsigned nsets, yerrs_t *errs)
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
	/* Settings: into this file, except platform.* of a platform in a file of its own. */
	ycur_t plat0 = yget(&root, "platform");
	bool plat_file = plat0.node && ytext(&plat0);
	ydoc_setting_t *psets = calloc(nsets + 1, sizeof *psets);
	unsigned npsets = 0;
	for (unsigned i = 0; psets && i < nsets; i++) {
		if (plat_file && !strncmp(sets[i].path, "platform.", 9)) {
			psets[npsets++] = (ydoc_setting_t){sets[i].path + 9, sets[i].value, "platform."};
			continue;
		}
		const char *why = ydoc_set(&d, sets[i].path, sets[i].value);
		if (why)
			yerrs_add(errs, "%s: --set %s=%s: %s", file, sets[i].path, sets[i].value, why);
	}
	root = ydoc_root(&d);
	if (!psets || errs->n + errs->dropped != before) {
		free(psets);
		ydoc_free(&d);
		scenario_free(s);
		return false;
	}
	bool ok = yexpect_map(&root);
	bool have_platform = false;
	if (ok) {
		static const char *const keys[] = {"name",     "description", "platform", "kernel",
						   "seed",     "options",     "vms",	  "iommu",
						   "assign",   "buffers",     "interrupts", "subdevices",
						   "expect",   "steps",	      NULL};
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
				have_platform = path && platform_load_set(&s->platform, path, kov, psets,
									  npsets, errs);
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
		if (have_platform) {
			const char *why = system_init(&s->sys, &s->platform, s->seed);
			s->have_sys = true;
			if (why) {
				yerr(&pl, "%s", why);
				ok = false;
			}
		}
		ycur_t io = yget(&root, "iommu"), irq = yget(&root, "interrupts"),
		       opt = yget(&root, "options"), vms = yget(&root, "vms"),
		       asg = yget(&root, "assign");
		if (ok) {
			s->attached = malloc((s->platform.fabric.nfuncs + 1) * sizeof *s->attached);
			ok = s->attached != NULL;
			for (uint32_t f = 0; ok && f < s->platform.fabric.nfuncs; f++)
				s->attached[f] = ATTACH_NONE;
			ok = ok && groups_compute(&s->platform, &s->groups);
			s->have_groups = ok;
			s->group_size = ok ? calloc(s->groups.n + 1, sizeof *s->group_size) : NULL;
			ok = ok && s->group_size;
			for (uint32_t f = 0; ok && f < s->platform.fabric.nfuncs; f++)
				if (s->groups.of[f] >= 0)
					s->group_size[s->groups.of[f]]++;
			ok = ok && scenario_init_owners(s);
			if (!ok)
				yerr(&root, "out of memory");
		}
		if (ok)
			ok &= scenario_parse_options(s, &opt);
		if (ok)
			ok &= scenario_parse_vms(s, &vms);
		if (ok)
			ok &= parse_iommu(s, &io);
		if (ok)
			ok &= scenario_parse_assign(s, &asg);
		ycur_t bufs = yget(&root, "buffers");
		if (ok)
			ok &= scenario_host_domains(s, &root);
		if (ok)
			ok &= scenario_parse_buffers(s, &bufs);
		ycur_t subs = yget(&root, "subdevices");
		if (ok)
			ok &= scenario_parse_interrupts(s, &irq);
		if (ok)
			ok &= scenario_parse_subdevs(s, &subs);
		ycur_t rex = yget(&root, "expect");
		if (ok)
			ok &= scenario_parse_run_expect(s, &rex);
		if (ok)
			s->t0 = sim_now(s->sys.sim);
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
			p->msi_vector = -1;
			p->sub = -1;
			static const char *const keys[] = {"name", "from", "at_ns", "tlp", "msi", "stream",
							   "do", "expect", NULL};
			ykeys(&st, keys);
			ycur_t nm = yget(&st, "name"), at = yget(&st, "at_ns"), act = yget(&st, "do"),
			       ex = yget(&st, "expect");
			if (nm.node)
				ystr(&nm, p->name, sizeof p->name);
			else
				snprintf(p->name, sizeof p->name, "step %zu", i + 1);
			if (act.node) {
				ycur_t bad = yget(&st, "tlp");
				if (bad.node || (bad = yget(&st, "from")).node || (bad = yget(&st, "msi")).node)
					yerr(&bad, "an action step ('do') sends no TLP: remove '%s'",
					     bad.path + strlen(st.path) + 1);
				p->from = STEP_FROM_HOST;
				parse_action(s, p, &act);
				uint64_t u;
				if (at.node && yu64(&at, &u, 0, UINT64_MAX / SIM_NS))
					p->at_ns = (int64_t)u;
				parse_expect(s, p, &ex);
				continue;
			}
			ycur_t from = yneed(&st, "from"), msi = yget(&st, "msi"), strm = yget(&st, "stream");
			ycur_t tlp = msi.node || strm.node ? yget(&st, "tlp") : yneed(&st, "tlp");
			if ((msi.node != NULL) + (tlp.node != NULL) + (strm.node != NULL) > 1) {
				yerr(msi.node ? &msi : &strm, "a step sends a TLP, raises a vector ('msi') or "
							      "streams DMA ('stream'): one of them");
				continue;
			}
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
			} else if (ft && (p->sub = scenario_subdev(s, ft)) >= 0) {
				p->from = s->subdevs[p->sub].fn; /* the device, on the sub-device's behalf */
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
			else if (msi.node)
				scenario_parse_msi(s, p, &msi);
			else if (strm.node)
				parse_stream(s, p, &strm, (uint32_t)i);
			parse_expect(s, p, &ex);
		}
	}
	ydoc_free(&d);
	free(psets);
	if (errs->n + errs->dropped != before)
		ok = false;
	if (!ok)
		scenario_free(s);
	return ok;
}

void scenario_free(scenario_t *s)
{
	if (s->trace) {
		size_t len;
		free(trace_end(s, &len));
	}
	if (s->have_sys)
		system_free(&s->sys);
	for (uint32_t i = 0; i < s->ndomains; i++)
		free(s->domains[i].maps);
	free(s->domains);
	free(s->attached);
	free(s->pe_owner);
	free(s->fn_owner);
	free(s->assigns);
	free(s->buffers);
	free(s->subdevs);
	free(s->pasid_bound);
	for (uint32_t i = 0; s->smmu_lat && i < s->platform.nsmmus; i++)
		free(s->smmu_lat[i].v);
	free(s->smmu_lat);
	free(s->group_size);
	if (s->have_groups)
		groups_free(&s->groups);
	free(s->its_boot_cmds);
	free(s->its_setup_cmds);
	free(s->vectors);
	free(s->deliveries);
	for (uint32_t i = 0; s->steps && i < s->nsteps; i++)
		free(s->steps[i].mig_irq);
	for (uint32_t i = 0; s->steps && i < s->nsteps; i++)
		if (s->steps[i].stream) {
			free(s->steps[i].stream->lat);
			free(s->steps[i].stream);
		}
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
		if (st->stall_pending)
			return EXP_STALLED;
		if (st->has_iommu && st->tlp.at == TLP_AT_TRANSLATION_REQ && r->region == PCIE_NONE)
			return EXP_TRANSLATED;
		return r->region != PCIE_NONE ? EXP_MEMORY : EXP_HOST;
	case PCIE_OUT_BLOCKED:
		return EXP_BLOCKED;
	case PCIE_OUT_UR:
		return EXP_UNSUPPORTED;
	}
	return EXP_ANY;
}

void scenario_appendf(char *buf, size_t size, const char *fmt, ...)
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
	if (!st->stream) /* a stream gathered its requests' violations as they ended */
		scenario_invariants(s, st);
	unsigned broke = 0;
	for (unsigned i = 0; i < st->nviol; i++)
		broke |= 1u << st->viol[i].kind;
	if (!e->present) {
		/* An isolation violation nobody expected fails the step. */
		if (broke)
			scenario_appendf(st->mismatch, sizeof st->mismatch,
					 "isolation violated (%s) and no expectation says so",
					 inv_token(st->viol[0].kind));
		st->met = !broke;
		return;
	}
	if (e->violations >= 0 ? broke != (unsigned)e->violations : broke != 0) {
		char want[64] = "", got[64] = "";
		for (int k = 0; k < INV_KINDS; k++) {
			if (e->violations > 0 && (e->violations >> k & 1))
				scenario_appendf(want, sizeof want, "%s%s", want[0] ? ", " : "",
						 inv_token((inv_kind_t)k));
			if (broke >> k & 1)
				scenario_appendf(got, sizeof got, "%s%s", got[0] ? ", " : "",
						 inv_token((inv_kind_t)k));
		}
		scenario_appendf(st->mismatch, sizeof st->mismatch,
				 "expected isolation violations [%s], got [%s]; ", want, got);
	}
	exp_outcome_t got = step_outcome(st);
	if (st->stream && e->outcome != EXP_ANY &&
	    st->stream->outcomes[e->outcome] != st->stream->done)
		scenario_appendf(st->mismatch, sizeof st->mismatch,
				 "expected every request to end %s, %u of %u did; ",
				 exp_outcome_token(e->outcome), st->stream->outcomes[e->outcome],
				 st->stream->done);
	else if (e->outcome != EXP_ANY && e->outcome != got)
		scenario_appendf(st->mismatch, sizeof st->mismatch, "expected outcome %s, got %s; ",
			exp_outcome_token(e->outcome), exp_outcome_token(got));
	if (e->to != PCIE_NONE && r->target != e->to)
		scenario_appendf(st->mismatch, sizeof st->mismatch, "expected delivery to %s, got %s; ",
			f->funcs[e->to].name, r->target >= 0 ? f->funcs[r->target].name : "none");
	if (e->region != PCIE_NONE && r->region != e->region)
		scenario_appendf(st->mismatch, sizeof st->mismatch, "expected memory region %s, got %s; ",
			f->regions[e->region].name,
			r->region >= 0 ? f->regions[r->region].name : "none");
	if (e->bar >= 0 && r->bar != e->bar)
		scenario_appendf(st->mismatch, sizeof st->mismatch, "expected BAR %d, got %d; ", e->bar, r->bar);
	if (e->at == EXP_AT_RC && (r->at_node != PCIE_NONE || r->rc != e->at_rc))
		scenario_appendf(st->mismatch, sizeof st->mismatch, "expected to stop at %s, stopped at %s; ",
			f->rcs[e->at_rc].name,
			r->at_node >= 0 ? f->funcs[r->at_node].name : f->rcs[r->rc].name);
	else if (e->at >= 0 && r->at_node != e->at)
		scenario_appendf(st->mismatch, sizeof st->mismatch, "expected to stop at %s, stopped at %s; ",
			f->funcs[e->at].name,
			r->at_node >= 0 ? f->funcs[r->at_node].name : f->rcs[r->rc].name);
	if (e->reason >= 0 && (int)r->why != e->reason) {
		/* The reason may be any decision on the path, not only the last. */
		bool seen = false;
		for (uint32_t h = 0; h < r->nhops; h++)
			seen |= (int)r->hops[h].why == e->reason;
		if (!seen)
			scenario_appendf(st->mismatch, sizeof st->mismatch,
				"expected a '%s' decision on the path, none was taken (last: %s); ",
				pcie_why_token((pcie_why_t)e->reason), pcie_why_token(r->why));
	}
	if (e->redirected >= 0 && r->redirected != (bool)e->redirected)
		scenario_appendf(st->mismatch, sizeof st->mismatch, "expected redirected=%s, got %s; ",
			e->redirected ? "true" : "false", r->redirected ? "true" : "false");
	if (e->p2p >= 0 && r->p2p != (bool)e->p2p)
		scenario_appendf(st->mismatch, sizeof st->mismatch, "expected p2p=%s, got %s; ",
			e->p2p ? "true" : "false", r->p2p ? "true" : "false");
	if (e->latency_ns >= 0 && (int64_t)((st->end - st->start) / SIM_NS) != e->latency_ns)
		scenario_appendf(st->mismatch, sizeof st->mismatch, "expected latency %" PRId64 " ns, got %" PRIu64
			" ns; ", e->latency_ns, (uint64_t)((st->end - st->start) / SIM_NS));
	if (e->requester_id >= 0 && r->requester_id != (uint16_t)e->requester_id) {
		char a[16], b[16];
		tlp_format_bdf(a, sizeof a, st->tlp.segment, (uint16_t)e->requester_id);
		tlp_format_bdf(b, sizeof b, st->tlp.segment, r->requester_id);
		scenario_appendf(st->mismatch, sizeof st->mismatch, "expected Requester ID %s, got %s; ", a, b);
	}
	if (st->act_failed)
		scenario_appendf(st->mismatch, sizeof st->mismatch, "the action failed: %s; ", st->act_detail);
	if (e->assignment >= 0 && st->act == ACT_MIGRATE && st->mig_result != e->assignment)
		scenario_appendf(st->mismatch, sizeof st->mismatch, "expected the migration %s, got %s; ",
				 refusal_token((refusal_t)e->assignment),
				 refusal_token((refusal_t)st->mig_result));
	if (e->assignment >= 0 && st->act == ACT_HOTPLUG && st->act_assign >= 0 &&
	    (int)s->assigns[st->act_assign].refused != e->assignment)
		scenario_appendf(st->mismatch, sizeof st->mismatch, "expected the hotplug %s, got %s; ",
				 refusal_token((refusal_t)e->assignment),
				 refusal_token(s->assigns[st->act_assign].refused));
	if (e->cerror >= 0 && (int)st->act_cerror != e->cerror)
		scenario_appendf(st->mismatch, sizeof st->mismatch, "expected command error %s, got %s; ",
			cerror_names[e->cerror], st->act_cerror < 4 ? cerror_names[st->act_cerror] : "?");
	if (e->nevents >= 0) {
		bool same = (unsigned)e->nevents == st->act_nevents;
		for (int i = 0; same && i < e->nevents; i++)
			same = e->events[i] == st->act_events[i].id;
		if (!same) {
			scenario_appendf(st->mismatch, sizeof st->mismatch, "expected events [");
			for (int i = 0; i < e->nevents; i++)
				scenario_appendf(st->mismatch, sizeof st->mismatch, "%s%s", i ? ", " : "",
					smmu_event_name(e->events[i]));
			scenario_appendf(st->mismatch, sizeof st->mismatch, "], got [");
			for (unsigned i = 0; i < st->act_nevents; i++)
				scenario_appendf(st->mismatch, sizeof st->mismatch, "%s%s", i ? ", " : "",
					smmu_event_name(st->act_events[i].id));
			scenario_appendf(st->mismatch, sizeof st->mismatch, "]; ");
		}
	}
	if (e->event >= 0) {
		int ev = st->has_iommu ? st->iommu.event : 0;
		if (ev != e->event)
			scenario_appendf(st->mismatch, sizeof st->mismatch, "expected IOMMU event %s, got %s; ",
				e->event ? smmu_event_name((uint8_t)e->event) : "none",
				ev ? smmu_event_name((uint8_t)ev) : "none");
	}
	if (e->atc >= 0 && st->atc_hit != (e->atc == 1))
		scenario_appendf(st->mismatch, sizeof st->mismatch, "expected an ATC %s, got a %s; ",
			e->atc ? "hit" : "miss", st->atc_hit ? "hit" : "miss");
	/* A stalled transaction that software resumed is judged by its final translation. */
	const smmu_xlate_t *fx = st->resumed ? &st->resume_x : &st->iommu;
	if (e->pa >= 0 && (!st->has_iommu || fx->outcome != SMMU_XLATE_OK || fx->pa != (uint64_t)e->pa)) {
		if (st->has_iommu && fx->outcome == SMMU_XLATE_OK)
			scenario_appendf(st->mismatch, sizeof st->mismatch,
				"expected translation to 0x%" PRIx64 ", got 0x%" PRIx64 "; ",
				(uint64_t)e->pa, fx->pa);
		else
			scenario_appendf(st->mismatch, sizeof st->mismatch,
				"expected translation to 0x%" PRIx64 ", got no translation; ",
				(uint64_t)e->pa);
	}
	if (e->completion == -2 && st->has_cpl)
		scenario_appendf(st->mismatch, sizeof st->mismatch, "expected no completion, got %s; ",
			tlp_cpl_status_name(st->cpl_status));
	else if (e->completion >= 0 && (!st->has_cpl || (int)st->cpl_status != e->completion))
		scenario_appendf(st->mismatch, sizeof st->mismatch, "expected a %s completion, got %s; ",
			tlp_cpl_status_name((tlp_cpl_status_t)e->completion),
			st->has_cpl ? tlp_cpl_status_name(st->cpl_status) : "none");
	scenario_irq_check(s, st, st->mismatch, sizeof st->mismatch);
	size_t n = strlen(st->mismatch);
	if (n >= 2)
		st->mismatch[n - 2] = '\0';
	st->met = st->mismatch[0] == '\0';
}

typedef struct runner runner_t;
/* What an SMMU's stall callback needs: the runner and which SMMU it is. */
typedef struct stall_ctx {
	runner_t *rn;
	int si;
} stall_ctx_t;

struct runner {
	scenario_t *s;
	uint32_t next;
	uint32_t current; /* the step running now */
	stall_ctx_t *stall;
};

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
	bool ats_answer = r->outcome == PCIE_OUT_HOST && st->has_iommu &&
			  t->at == TLP_AT_TRANSLATION_REQ &&
			  (st->iommu.outcome == SMMU_XLATE_OK ||
			   (st->iommu.outcome == SMMU_XLATE_FAULT &&
			    st->iommu.event != SMMU_EVT_F_BAD_ATS_TREQ));
	if (r->outcome == PCIE_OUT_FUNCTION || ats_answer ||
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

/* Schedules the step after `arg`. */
static void advance(sim_t *sim, void *ctx, uint64_t arg)
{
	runner_t *rn = ctx;
	rn->next = (uint32_t)arg + 1;
	if (rn->next < rn->s->nsteps) {
		step_t *nx = &rn->s->steps[rn->next];
		sim_time_t when = sim_now(sim);
		if (nx->at_ns >= 0 && rn->s->t0 + (sim_time_t)nx->at_ns * SIM_NS > when)
			when = rn->s->t0 + (sim_time_t)nx->at_ns * SIM_NS;
		sim_schedule_at(sim, when, start_step, rn, rn->next);
	}
}

static void start_step(sim_t *sim, void *ctx, uint64_t arg);

/* One request of a stream ended: count it, and send the next (or end the step). */
static bool stream_next(runner_t *rn, uint64_t arg)
{
	step_t *st = &rn->s->steps[arg];
	stream_t *sm = st->stream;
	sim_t *sim = rn->s->sys.sim;
	scenario_invariants(rn->s, st);
	exp_outcome_t o = step_outcome(st);
	if ((unsigned)o < sizeof sm->outcomes / sizeof sm->outcomes[0])
		sm->outcomes[o]++;
	sm->lat[sm->done] = sim_now(sim) - st->start;
	sm->end = sim_now(sim);
	if (st->has_iommu) {
		const smmu_latency_t *l = &st->iommu_lat;
		sm->translated++;
		sm->utlb_hits += l->utlb_hit;
		sm->tlb_hits += l->tlb_hit && !l->utlb_hit;
		sm->walk_reads += l->walk_reads;
		sm->config_reads += l->config_reads;
		const sim_time_t parts[9] = {l->utlb, l->tlb,	     l->link,   l->tcu_queue, l->config,
					     l->walk_queue, l->walk, l->merged, l->response};
		for (int k = 0; k < 9; k++)
			sm->iommu_parts[k] += parts[k];
	}
	for (unsigned k = 0; k < st->nviol; k++)
		if (!sm->viol_count[st->viol[k].kind]++)
			sm->first[st->viol[k].kind] = st->viol[k];
	if (++sm->done < sm->count && !st->stalled) {
		sim_schedule_at(sim, sim_now(sim) + sm->gap, start_step, rn, arg);
		return true;
	}
	/* The step's violations: the first of each kind, with how many requests broke it. */
	st->nviol = 0;
	for (int k = 0; k < INV_KINDS && st->nviol < STEP_MAX_VIOLATIONS; k++)
		if (sm->viol_count[k]) {
			violation_t *v = &st->viol[st->nviol++];
			*v = sm->first[k];
			char more[64];
			snprintf(more, sizeof more, " (%u of %u requests; the first shown)",
				 sm->viol_count[k], sm->done);
			v->count = sm->viol_count[k];
			scenario_appendf(v->text, sizeof v->text, "%s", more);
		}
	st->start = sm->t0;
	return false;
}

static void finish_step(sim_t *sim, void *ctx, uint64_t arg)
{
	runner_t *rn = ctx;
	step_t *st = &rn->s->steps[arg];
	if (rn->s->trace) {
		st->end = sim_now(sim);
		scenario_invariants(rn->s, st); /* for the trace (the step recomputes them) */
		trace_request(rn->s, st);
	}
	if (st->act == ACT_NONE && !(++rn->s->requests % SCENARIO_PROGRESS_EVERY) &&
	    rn->s->progress)
		rn->s->progress(rn->s->progress_ctx, rn->s, rn->s->requests, sim_now(sim) - rn->s->t0,
				false);
	if (st->stream && stream_next(rn, arg))
		return;
	st->end = sim_now(sim);
	check(rn->s, st);
	/* A stalled step let the scenario go on when it stalled, a background stream when it
	 * started. */
	if (!st->stalled && !(st->stream && st->stream->background))
		advance(sim, ctx, arg);
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

/* The completion (if any), then the step's end at start + request + completion latency. */
static void complete_step(runner_t *rn, uint64_t arg)
{
	step_t *st = &rn->s->steps[arg];
	const pcie_fabric_t *f = &rn->s->platform.fabric;
	sim_t *sim = rn->s->sys.sim;
	sim_time_t total = st->route.latency;
	tlp_t cpl;
	st->has_cpl = make_completion(st, &cpl) && route_completion(f, st, &cpl);
	st->cpl_status = cpl.cpl_status;
	if (st->has_cpl)
		total += st->cpl.latency;
	sim_schedule_at(sim, st->start + total, finish_step, rn, arg);
}

/* A request that reaches an SMMU's or an ITS's register frame in the memory map accesses its
 * registers, whoever sent it: a device whose DMA bypasses translation can reprogram them. */
static void register_access(scenario_t *sc, step_t *st, const tlp_t *t)
{
	const platform_t *p = &sc->platform;
	if (st->route.outcome != PCIE_OUT_HOST || st->route.region == PCIE_NONE ||
	    (t->type != TLP_MWR && t->type != TLP_MRD))
		return;
	int smmu = -1, its = -1;
	uint64_t base = 0;
	for (unsigned i = 0; i < p->nsmmus; i++)
		if (p->smmus[i].region == st->route.region) {
			smmu = (int)i;
			base = p->smmus[i].base;
		}
	for (unsigned i = 0; i < p->gic.nits; i++)
		if (p->gic.its[i].region == st->route.region) {
			its = (int)i;
			base = p->gic.its[i].base;
		}
	if (smmu < 0 && its < 0)
		return;
	st->has_reg = true;
	st->reg_its = its >= 0;
	st->reg_smmu = its >= 0 ? its : smmu;
	st->reg_offset = (uint32_t)(t->address - base);
	st->reg_write = t->type == TLP_MWR;
	unsigned size = t->length;
	if ((size != 4 && size != 8) || (st->reg_offset & (size - 1))) {
		st->reg_ignored = true; /* registers take aligned 32- and 64-bit accesses */
		return;
	}
	if (st->reg_write) {
		st->reg_value = mem_le64(t->data) & (size == 8 ? UINT64_MAX : UINT32_MAX);
		if (its >= 0)
			its_mmio_write(sc->sys.its[its], st->reg_offset, st->reg_value, size);
		else
			smmu_mmio_write(sc->sys.smmu[smmu], st->reg_offset, st->reg_value, size);
	} else {
		st->reg_value = its >= 0 ? its_mmio_read(sc->sys.its[its], st->reg_offset, size)
					 : smmu_mmio_read(sc->sys.smmu[smmu], st->reg_offset, size);
	}
}

/* Past the IOMMU: the memory map decides where the TLP goes (memory, a register frame, a
 * doorbell, or back down into a PCIe window). */
static void reach_host(scenario_t *sc, step_t *st, uint32_t idx, const tlp_t *t)
{
	pcie_route_host(&sc->platform.fabric, t, &st->route);
	register_access(sc, st, t);
	scenario_msi(sc, st, idx, t);
}

/* The TLP reaches the root complex's upstream exit: its IOMMU (if the platform has one for
 * that root complex) translates it now, then the memory map decides. */
static void at_host(sim_t *sim, void *ctx, uint64_t arg)
{
	runner_t *rn = ctx;
	scenario_t *sc = rn->s;
	step_t *st = &sc->steps[arg];
	const platform_t *p = &sc->platform;
	tlp_t t = st->tlp;
	int si = system_smmu_of(&sc->sys, st->route.rc);
	int32_t reg = pcie_find_region(&p->fabric, t.address);
	if (si >= 0 && p->smmus[si].msi_bypass && t.type == TLP_MWR && reg != PCIE_NONE &&
	    p->fabric.regions[reg].kind == PCIE_REGION_MSI) {
		/* This platform's MSI doorbells sit before the SMMU: the write is not translated. */
		pcie_route_add_hop(&st->route, PCIE_NONE, st->route.rc, PCIE_WHY_IOMMU_BYPASS, 0);
		si = -1;
	}
	if (si >= 0 && tlp_is_memory(&t)) {
		st->has_iommu = true;
		st->iommu_smmu = si;
		st->iommu_sid = platform_stream_id(p, st->route.rc, st->route.requester_id);
		smmu_txn_t txn = {
			.sid = st->iommu_sid,
			.ssv = t.has_pasid,
			.ssid = t.pasid,
			.addr = t.address,
			.acc = {.write = t.type == TLP_MWR, .exec = t.pasid_exec, .priv = t.pasid_priv},
			.at = t.at,
		};
		/* Root complexes share the SMMU's TBUs in turn (rc0 on TBU 0, rc1 on TBU 1...). */
		unsigned tbu = st->route.rc % p->smmus[si].params.tbus;
		smmu_translate_timed(sc->sys.smmu[si], tbu, &txn, &st->iommu, &st->iommu_lat);
		struct lat_log *ll = sc->smmu_lat ? &sc->smmu_lat[si] : NULL;
		if (ll && ll->n == ll->cap) {
			uint32_t cap = ll->cap ? 2 * ll->cap : 1024;
			sim_time_t *g = realloc(ll->v, cap * sizeof *g);
			if (g) {
				ll->v = g;
				ll->cap = cap;
			}
		}
		if (ll && ll->n < ll->cap)
			ll->v[ll->n++] = st->iommu_lat.total;
		if (sc->trace && !st->iommu_lat.utlb_hit && !st->iommu_lat.tlb_hit)
			trace_smmu_slots(sc, si); /* occupancy when a miss reaches the TCU */
		const smmu_xlate_t *x = &st->iommu;
		pcie_why_t why = x->outcome == SMMU_XLATE_ABORT ? PCIE_WHY_IOMMU_ABORT
				 : x->outcome == SMMU_XLATE_FAULT
					 ? PCIE_WHY_IOMMU_FAULT
				 : (x->path == SMMU_PATH_STE_BYPASS || x->path == SMMU_PATH_GBPA_BYPASS ||
				    x->path == SMMU_PATH_ATS_TRANSLATED)
					 ? PCIE_WHY_IOMMU_BYPASS
					 : PCIE_WHY_IOMMU_XLATE;
		if (x->stalled)
			why = PCIE_WHY_IOMMU_STALL;
		pcie_route_add_hop(&st->route, PCIE_NONE, st->route.rc, why, st->iommu_lat.total);
		if (x->stalled) {
			/* Held in the SMMU until a CMD_RESUME or CMD_STALL_TERM (stall_done()); the
			 * device and the scenario go on meanwhile. */
			st->stalled = st->stall_pending = true;
			st->stag = x->stag;
			st->stall_at = sim_now(sim) + st->iommu_lat.total;
			if (!(st->stream && st->stream->background)) /* that one went on already */
				sim_schedule_at(sim, st->stall_at, advance, rn, arg);
			return;
		}
		if (t.at == TLP_AT_TRANSLATION_REQ && x->outcome == SMMU_XLATE_FAULT &&
		    x->event != SMMU_EVT_F_BAD_ATS_TREQ) {
			/* A translation request that faults is answered successfully, granting no
			 * access (R = W = 0): the device learns it may not use the address. */
			complete_step(rn, arg);
			return;
		}
		if (x->outcome != SMMU_XLATE_OK) {
			pcie_route_block(&st->route, st->route.rc);
			complete_step(rn, arg);
			return;
		}
		if (t.at == TLP_AT_TRANSLATION_REQ) {
			/* An ATS translation request is answered by the IOMMU itself; the device
			 * keeps the answer in its ATC. */
			atc_t *atc = st->from >= 0 && sc->sys.atc ? &sc->sys.atc[st->from] : NULL;
			if (atc && atc->n) {
				unsigned r = t.pasid_priv ? SMMU_PERM_PR : SMMU_PERM_UR;
				unsigned w = t.pasid_priv ? SMMU_PERM_PW : SMMU_PERM_UW;
				atc_fill(atc, t.has_pasid, t.pasid, t.pasid_priv, t.address, x->pa, x->size,
					 (x->perm & r) != 0, (x->perm & w) != 0);
			}
			complete_step(rn, arg);
			return;
		}
		t.address = x->pa;
		t.at = TLP_AT_UNTRANSLATED;
	}
	reach_host(sc, st, (uint32_t)arg, &t);
	complete_step(rn, arg);
}

/* The SMMU ended a stalled transaction (it executed a CMD_RESUME or CMD_STALL_TERM): the
 * step that stalled continues from the root complex with the SMMU's final answer. */
static void stall_resolve(sim_t *sim, void *ctx, uint64_t arg);

static void stall_done(void *ctx, uint32_t sid, uint16_t stag, bool retried, const smmu_xlate_t *x)
{
	stall_ctx_t *c = ctx;
	runner_t *rn = c->rn;
	scenario_t *sc = rn->s;
	sim_t *sim = sc->sys.sim;
	step_t *st = NULL;
	uint32_t i = 0;
	for (; i < sc->nsteps && !st; i++)
		if (sc->steps[i].stall_pending && sc->steps[i].iommu_smmu == c->si &&
		    sc->steps[i].iommu_sid == sid && sc->steps[i].stag == stag)
			st = &sc->steps[i];
	if (!st)
		return;
	i--;
	st->resumed = true;
	st->resume_retried = retried;
	st->resume_x = *x;
	st->ended_by = rn->current;
	if (x->stalled)
		st->stag = x->stag; /* retried, faulted and stalled again: a new STAG */
	/* The SMMU may have consumed the command before the stall's response would have left
	 * it (the event is written when the walk faults): the answer follows the stall. */
	if (sim_now(sim) < st->stall_at)
		sim_schedule_at(sim, st->stall_at, stall_resolve, rn, i);
	else
		stall_resolve(sim, rn, i);
}

static void stall_resolve(sim_t *sim, void *ctx, uint64_t arg)
{
	runner_t *rn = ctx;
	scenario_t *sc = rn->s;
	step_t *st = &sc->steps[arg];
	const smmu_xlate_t *x = &st->resume_x;
	uint32_t i = (uint32_t)arg;
	sim_time_t now = sim_now(sim), held = now > st->stall_at ? now - st->stall_at : 0;
	uint32_t rc = st->route.rc;
	if (x->stalled) { /* retried, and it faulted and stalled again */
		pcie_route_add_hop(&st->route, PCIE_NONE, rc, PCIE_WHY_IOMMU_RESUME, held);
		pcie_route_add_hop(&st->route, PCIE_NONE, rc, PCIE_WHY_IOMMU_STALL, 0);
		st->stall_at = now;
		return;
	}
	st->stall_pending = false;
	if (x->outcome == SMMU_XLATE_OK) {
		pcie_route_add_hop(&st->route, PCIE_NONE, rc, PCIE_WHY_IOMMU_RESUME, held);
		tlp_t t = st->tlp;
		t.address = x->pa;
		t.at = TLP_AT_UNTRANSLATED;
		reach_host(sc, st, i, &t);
	} else if (st->resume_retried) { /* retried, and it faulted (or aborted) for good */
		pcie_route_add_hop(&st->route, PCIE_NONE, rc, PCIE_WHY_IOMMU_RESUME, held);
		pcie_route_add_hop(&st->route, PCIE_NONE, rc,
				   x->outcome == SMMU_XLATE_ABORT ? PCIE_WHY_IOMMU_ABORT
								  : PCIE_WHY_IOMMU_FAULT,
				   0);
		pcie_route_block(&st->route, rc);
	} else {
		pcie_route_add_hop(&st->route, PCIE_NONE, rc, PCIE_WHY_IOMMU_STALL_TERM, held);
		pcie_route_block(&st->route, rc);
	}
	complete_step(rn, i);
}

/* Waiting for an action's CMD_SYNC: polls like a driver spinning on its MSI slot. */
static void sync_poll(sim_t *sim, void *ctx, uint64_t arg)
{
	runner_t *rn = ctx;
	step_t *st = &rn->s->steps[arg];
	smmu_drv_t *drv = &rn->s->sys.drv[st->act_smmu];
	if (smmu_drv_sync_poll(drv, st->act_seq, &st->act_cerror)) {
		sim_schedule_in(sim, 0, finish_step, rn, arg);
		return;
	}
	if (sim_now(sim) - st->start > SIM_MS) { /* Linux gives up after a second; we sooner */
		st->act_failed = true;
		snprintf(st->act_detail, sizeof st->act_detail, "CMD_SYNC did not complete");
		sim_schedule_in(sim, 0, finish_step, rn, arg);
		return;
	}
	sim_schedule_in(sim, 10 * SIM_NS, sync_poll, rn, arg);
}

/* Waiting for an ITS command step: polls GITS_CREADR every microsecond as Linux's
 * its_wait_for_range_completion() does, until the queue passed the command or stalled. */
static void its_poll(sim_t *sim, void *ctx, uint64_t arg)
{
	runner_t *rn = ctx;
	step_t *st = &rn->s->steps[arg];
	its_drv_t *d = &rn->s->sys.itsd[st->act_its];
	if (its_drv_done(d)) {
		st->act_its_stalled = d->stalled;
		uint32_t before = st->act_seq, now = (uint32_t)its_stats(d->its)->cmd_errors;
		st->act_its_errors = now - before;
		if (now > before) {
			its_cmd_error_t e[ITS_ERR_LOG];
			unsigned n = its_cmd_errors(d->its, e, ITS_ERR_LOG);
			uint32_t back = now - before < n ? now - before : n;
			st->act_its_code = e[n - back].code;
		}
		sim_schedule_in(sim, 0, finish_step, rn, arg);
		return;
	}
	if (sim_now(sim) - st->start > SIM_MS) {
		st->act_failed = true;
		snprintf(st->act_detail, sizeof st->act_detail, "the ITS did not consume the command");
		sim_schedule_in(sim, 0, finish_step, rn, arg);
		return;
	}
	sim_schedule_in(sim, SIM_US, its_poll, rn, arg);
}

/* Unmaps [iova, +len) leaf by leaf, whatever the leaves' sizes. */
static bool unmap_range(iopgtable_t *pt, uint64_t iova, uint64_t len)
{
	unsigned g = pt->tt.granule_shift;
	while (len) {
		bool done = false;
		for (int l = 1; l <= 3 && !done; l++) {
			uint64_t size = 1ull << vmsa_level_shift(g, l);
			if (size <= len && !(iova & (size - 1)) &&
			    iopgtable_unmap(pt, iova, size) == IOPT_OK) {
				iova += size;
				len -= size;
				done = true;
			}
		}
		if (!done)
			return false;
	}
	return true;
}

static void do_action(runner_t *rn, uint64_t arg)
{
	scenario_t *sc = rn->s;
	step_t *st = &sc->steps[arg];
	sim_t *sim = sc->sys.sim;
	switch (st->act) {
	case ACT_WRITE: {
		uint8_t b[8];
		mem_put_le64(b, st->act_value);
		mem_write(sc->sys.mem, st->act_addr, b, st->act_size);
		break;
	}
	case ACT_MAP:
		if (iopgtable_map_range(&sc->domains[st->act_domain].pt, st->act_addr, st->act_pa,
					st->act_len, st->act_prot) != IOPT_OK) {
			st->act_failed = true;
			snprintf(st->act_detail, sizeof st->act_detail,
				 "cannot map [0x%" PRIx64 ", +0x%" PRIx64 ")", st->act_addr, st->act_len);
		}
		break;
	case ACT_UNMAP:
		if (!unmap_range(&sc->domains[st->act_domain].pt, st->act_addr, st->act_len)) {
			st->act_failed = true;
			snprintf(st->act_detail, sizeof st->act_detail,
				 "[0x%" PRIx64 ", +0x%" PRIx64 ") is not exactly covered by mappings",
				 st->act_addr, st->act_len);
		}
		break;
	case ACT_COMMAND:
		if (smmu_drv_cmd(&sc->sys.drv[st->act_smmu], st->act_dw[0], st->act_dw[1])) {
			st->act_failed = true;
			snprintf(st->act_detail, sizeof st->act_detail, "the command queue is full");
		}
		break;
	case ACT_SYNC:
		st->act_seq = smmu_drv_sync_begin(&sc->sys.drv[st->act_smmu]);
		sim_schedule_in(sim, 0, sync_poll, rn, arg);
		return;
	case ACT_EVENTS:
		st->act_nevents = smmu_drv_events(&sc->sys.drv[st->act_smmu], st->act_events, 16);
		break;
	case ACT_ITS_COMMAND:
	case ACT_ITS_RETRY: {
		its_drv_t *d = &sc->sys.itsd[st->act_its];
		st->act_seq = (uint32_t)its_stats(d->its)->cmd_errors;
		if (st->act == ACT_ITS_RETRY) {
			its_mmio_write(d->its, GITS_CWRITER, d->widx | FIELD_MASK(GITS_CWRITER_RETRY), 8);
		} else if (its_drv_send(d, st->act_its_cmd, st->act_sync_pe)) {
			st->act_failed = true;
			snprintf(st->act_detail, sizeof st->act_detail, "the ITS command queue is full");
			break;
		}
		sim_schedule_in(sim, 0, its_poll, rn, arg);
		return;
	}
	case ACT_PE_MASK:
		gic_pe_mask(sc->sys.gic, (uint32_t)st->act_addr, st->act_value != 0);
		break;
	case ACT_AFFINITY: {
		if (scenario_irq_affinity(sc, st)) {
			st->act_seq = (uint32_t)its_stats(sc->sys.itsd[st->act_its].its)->cmd_errors;
			sim_schedule_in(sim, 0, its_poll, rn, arg);
			return;
		}
		break;
	}
	case ACT_HOTPLUG:
	case ACT_UNPLUG:
	case ACT_MIGRATE:
		/* The driver work (STE, CD, CMD_SYNC) runs the simulation meanwhile. */
		scenario_vm_action(sc, st);
		break;
	case ACT_IMS_WRITE:
		scenario_ims_write(sc, st);
		break;
	case ACT_NONE:
		break;
	}
	sim_schedule_in(sim, 0, finish_step, rn, arg);
}

static void start_step(sim_t *sim, void *ctx, uint64_t arg)
{
	runner_t *rn = ctx;
	step_t *st = &rn->s->steps[arg];
	const pcie_fabric_t *f = &rn->s->platform.fabric;
	st->ran = true;
	st->start = sim_now(sim);
	rn->current = (uint32_t)arg;
	if (st->act != ACT_NONE) {
		do_action(rn, arg);
		return;
	}
	if (st->stream) {
		/* The next request of the stream: a fresh TLP at the next address. */
		stream_t *sm = st->stream;
		if (!sm->done)
			sm->t0 = st->start;
		if (!sm->msi) {
			uint64_t slots = sm->window / sm->size;
			uint64_t k = sm->random ? sim_rng_below(&sm->rng, slots) : sm->done % slots;
			st->tlp.address = sm->base + k * sm->size;
			st->tlp.at = TLP_AT_UNTRANSLATED;
		}
		if (!sm->done && sm->background)
			advance(sim, rn, arg); /* the next steps start now, the stream goes on */
		st->has_iommu = st->has_cpl = st->has_reg = st->has_msi = st->atc_hit = false;
		st->nviol = 0;
		pcie_route_init(&st->route);
	}
	if (st->msi_vector >= 0 && st->sub >= 0)
		scenario_msi_tlp(rn->s, st); /* the IMS entry as it is now */
	if (st->from == STEP_FROM_HOST) {
		pcie_route_init(&st->route);
		st->route.requester_id = st->tlp.requester_id;
		st->route.rc = st->host_rc;
		pcie_route_down(f, st->host_rc, &st->tlp, &st->route);
		complete_step(rn, arg);
		return;
	}
	atc_t *atc = rn->s->sys.atc ? &rn->s->sys.atc[st->from] : NULL;
	st->atc_va = st->tlp.address;
	if (st->use_atc && atc && atc->n) {
		/* The device translates with its ATC: a hit goes out translated (AT = 10b). */
		uint64_t pa;
		if (atc_lookup(atc, st->tlp.has_pasid, st->tlp.pasid, st->tlp.pasid_priv,
			       st->tlp.address, st->tlp.type == TLP_MWR, &pa)) {
			st->atc_hit = true;
			st->tlp.address = pa;
			st->tlp.at = TLP_AT_TRANSLATED;
		}
	}
	pcie_route_up(f, (uint32_t)st->from, &st->tlp, &st->route);
	if (st->route.outcome == PCIE_OUT_HOST)
		sim_schedule_in(sim, st->route.latency, at_host, rn, arg);
	else
		complete_step(rn, arg);
}

bool scenario_run(scenario_t *s)
{
	sim_t *sim = s->sys.sim;
	runner_t rn = {s, 0, 0, NULL};
	uint32_t n = s->platform.nsmmus;
	rn.stall = calloc(n ? n : 1, sizeof *rn.stall);
	if (!rn.stall)
		return false;
	for (uint32_t i = 0; i < n; i++) {
		rn.stall[i] = (stall_ctx_t){&rn, (int)i};
		smmu_set_stall_client(s->sys.smmu[i], stall_done, &rn.stall[i]);
	}
	scenario_run_expect_start(s);
	if (!s->smmu_lat) /* statistics: every translation's latency, per SMMU */
		s->smmu_lat = calloc(s->platform.nsmmus + 1, sizeof *s->smmu_lat);
	sim_time_t first = s->t0 + (s->steps[0].at_ns >= 0 ? (sim_time_t)s->steps[0].at_ns * SIM_NS : 0);
	bool ok = sim_schedule_at(sim, first, start_step, &rn, 0) == SIM_OK;
	if (ok)
		sim_run(sim, SIM_TIME_MAX);
	/* Transactions still stalled are checked as they stand: held in the SMMU. */
	for (uint32_t i = 0; i < s->nsteps; i++)
		if (s->steps[i].stall_pending) {
			s->steps[i].end = sim_now(sim);
			check(s, &s->steps[i]);
			trace_request(s, &s->steps[i]); /* still held in the SMMU */
		}
	/* Interrupts are taken after the write that raised them completed (or never): MSI
	 * steps are judged once everything has run. */
	for (uint32_t i = 0; i < s->nsteps; i++)
		if ((s->steps[i].has_msi || (s->steps[i].stream && s->steps[i].stream->msi)) &&
		    s->steps[i].ran) {
			scenario_stream_msi_invariants(s, &s->steps[i]);
			check(s, &s->steps[i]);
		}
	for (uint32_t i = 0; i < n; i++)
		smmu_set_stall_client(s->sys.smmu[i], NULL, NULL);
	free(rn.stall);
	scenario_check_run(s);
	if (s->progress)
		s->progress(s->progress_ctx, s, s->requests, sim_now(sim) - s->t0, true);
	return ok;
}

void scenario_tally(const scenario_t *s, uint32_t *met, uint32_t *not_met, uint32_t *none)
{
	*met = *not_met = *none = 0;
	for (uint32_t i = 0; i < s->nsteps; i++) {
		const step_t *st = &s->steps[i];
		if (st->act_failed) /* an action that could not be done fails the run */
			(*not_met)++;
		else if (!st->expect.present && (st->met || !st->ran))
			(*none)++;
		else if (!st->expect.present)
			(*not_met)++; /* an isolation violation nobody expected */
		else if (st->met)
			(*met)++;
		else
			(*not_met)++;
	}
	if (s->expect.present) /* the whole run's expectation */
		(*(s->expect.met ? met : not_met))++;
	/* Assignments with an expectation (accepted, or refused for a reason). */
	for (uint32_t i = 0; i < s->nassigns; i++)
		if (s->assigns[i].expect >= 0)
			(*(s->assigns[i].expect == (int)s->assigns[i].refused ? met : not_met))++;
}
