/* SPDX-License-Identifier: MIT */
/* platform.c — reading platforms/NAME.yaml into a pcie_fabric_t. Format: docs/platform-format.md */
#include "platform.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "enumerate.h"

#define MAX_DEPTH 24

typedef enum bus_kind {
	BUS_ROOT, /* a root complex's root bus: root ports, RC-integrated endpoints */
	BUS_LINK, /* the link below a root port or switch downstream port */
	BUS_PCI   /* a conventional PCI bus below a PCIe-to-PCI or PCI-to-PCI bridge */
} bus_kind_t;

typedef struct pctx {
	platform_t *p;
	ydoc_t *d;
	yerrs_t *errs;
	fmeta_t *fm;
	size_t fm_cap;
	rcmeta_t *rm;
	size_t rm_cap;
	/* Every topology node placed so far, to catch one node placed twice via YAML aliases. */
	const yaml_node_t **placed;
	size_t nplaced, placed_cap;
} pctx_t;

static const char *const acs_bit_names[] = {"SV", "TB", "RR", "CR", "UF", "EC", "DT", NULL};

void acs_bits_text(uint16_t bits, char *buf, size_t size)
{
	size_t used = 0;
	buf[0] = '\0';
	for (int i = 0; acs_bit_names[i]; i++) {
		if (!(bits & (1u << i)))
			continue;
		int n = snprintf(buf + used, size - used, "%s%s", used ? " " : "", acs_bit_names[i]);
		if (n < 0 || (size_t)n >= size - used)
			break;
		used += (size_t)n;
	}
	if (!used)
		snprintf(buf, size, "-");
}

/* --- small helpers ------------------------------------------------------------------- */

static bool grow_meta(pctx_t *x)
{
	size_t need = x->p->fabric.nfuncs + 1;
	if (need <= x->fm_cap)
		return true;
	size_t ncap = x->fm_cap ? x->fm_cap * 2 : 64;
	fmeta_t *n = realloc(x->fm, ncap * sizeof *n);
	if (!n)
		return false;
	x->fm = n;
	x->fm_cap = ncap;
	return true;
}

/* Adds a function and its metadata; PCIE_NONE on out-of-memory (recorded). */
static int32_t add_func(pctx_t *x, const ycur_t *c, uint32_t rc, int32_t parent, const char *name)
{
	if (!grow_meta(x)) {
		yerr(c, "out of memory");
		return PCIE_NONE;
	}
	int32_t i = pcie_find_name(&x->p->fabric, name);
	if (i != PCIE_NONE) {
		yerr(c, "duplicate name '%s' (first used at line %u)", name, x->fm[i].line);
		return PCIE_NONE;
	}
	int32_t idx = pcie_add_func(&x->p->fabric, rc, parent, name);
	if (idx == PCIE_NONE) {
		yerr(c, "out of memory");
		return PCIE_NONE;
	}
	fmeta_t *m = &x->fm[idx];
	memset(m, 0, sizeof *m);
	m->line = yline(c);
	m->col = ycol(c);
	snprintf(m->path, sizeof m->path, "%s", c->path);
	m->given_bus = -1;
	return idx;
}

static bool check_placed(pctx_t *x, const ycur_t *c)
{
	for (size_t i = 0; i < x->nplaced; i++)
		if (x->placed[i] == c->node) {
			yerr(c, "this node is placed twice in the topology (a YAML alias makes a "
				"device sit in two places, or a cycle)");
			return false;
		}
	if (x->nplaced == x->placed_cap) {
		size_t ncap = x->placed_cap ? x->placed_cap * 2 : 64;
		const yaml_node_t **n = realloc(x->placed, ncap * sizeof *n);
		if (!n)
			return false;
		x->placed = n;
		x->placed_cap = ncap;
	}
	x->placed[x->nplaced++] = c->node;
	return true;
}

static bool parse_bits(const ycur_t *c, uint16_t *out)
{
	*out = 0;
	if (!c->node)
		return true;
	if (!yexpect_seq(c))
		return false;
	bool ok = true;
	for (size_t i = 0; i < ylen(c); i++) {
		ycur_t b = yat(c, i);
		int bit;
		if (!yenum(&b, acs_bit_names, &bit)) {
			ok = false;
			continue;
		}
		*out |= (uint16_t)(1u << bit);
	}
	return ok;
}

/* acs: none | full | empty | {cap: [...], ctrl: [...], egress: N} */
static bool parse_acs(const ycur_t *c, pcie_func_t *fn)
{
	fn->has_acs = false;
	if (!c->node)
		return true;
	if (yis_scalar(c)) {
		static const char *const forms[] = {"none", "full", "empty", NULL};
		int form;
		if (!yenum(c, forms, &form))
			return false;
		if (form == 1) {
			fn->has_acs = true;
			fn->acs_cap = PCI_ACS_SV | PCI_ACS_TB | PCI_ACS_RR | PCI_ACS_CR | PCI_ACS_UF;
		} else if (form == 2) {
			fn->has_acs = true;
		}
		return true;
	}
	if (!yexpect_map(c))
		return false;
	static const char *const keys[] = {"cap", "ctrl", "egress", NULL};
	bool ok = ykeys(c, keys);
	fn->has_acs = true;
	ycur_t cap = yget(c, "cap"), ctrl = yget(c, "ctrl"), eg = yget(c, "egress");
	ok &= parse_bits(&cap, &fn->acs_cap);
	ok &= parse_bits(&ctrl, &fn->acs_ctrl);
	if (ok && (fn->acs_ctrl & ~fn->acs_cap)) {
		char b[64];
		acs_bits_text((uint16_t)(fn->acs_ctrl & ~fn->acs_cap), b, sizeof b);
		yerr(&ctrl, "control bits %s are set but the capability does not advertise them "
			    "(such control bits are hardwired to 0)", b);
		ok = false;
	}
	if (eg.node) {
		ok &= yopt_u32(&eg, &fn->acs_egress_vector, 0, 0xffffffffu);
		if (!(fn->acs_cap & PCI_ACS_EC)) {
			yerr(&eg, "an egress vector needs EC in the capability");
			ok = false;
		}
	}
	return ok;
}

static bool is_pow2(uint64_t v)
{
	return v && !(v & (v - 1));
}

/* bars: [16K, {size: 1M, prefetchable: true, 64bit: true, address: 0x...}] */
static bool parse_bars(const ycur_t *c, pcie_bar_t *bars, fmeta_t *m, bool allow_addr)
{
	if (!c->node)
		return true;
	if (!yexpect_seq(c))
		return false;
	bool ok = true;
	int slot = 0;
	for (size_t i = 0; i < ylen(c); i++) {
		ycur_t b = yat(c, i);
		uint64_t size = 0, addr = 0;
		bool pref = false, is64 = false, has64 = false, has_addr = false;
		if (yis_scalar(&b)) {
			if (!ysize(&b, &size, 16, 1ull << 48)) {
				ok = false;
				continue;
			}
		} else if (yexpect_map(&b)) {
			static const char *const keys[] = {"size", "prefetchable", "64bit", "address",
							   NULL};
			ok &= ykeys(&b, keys);
			ycur_t s = yneed(&b, "size"), pf = yget(&b, "prefetchable"),
			       w = yget(&b, "64bit"), a = yget(&b, "address");
			if (!ysize(&s, &size, 16, 1ull << 48))
				ok = false;
			ok &= yopt_bool(&pf, &pref);
			if (w.node) {
				if (!ybool(&w, &is64))
					ok = false;
				has64 = true;
			}
			if (a.node) {
				if (!allow_addr && !m) {
					yerr(&a, "VF BARs are placed by the SR-IOV capability: they take no "
						 "'address'");
					ok = false;
				} else if (!allow_addr) {
					yerr(&a, "BAR addresses are assigned by enumeration; give them only "
						 "with 'enumeration: fixed'");
					ok = false;
				} else if (yu64(&a, &addr, 0, UINT64_MAX)) {
					has_addr = true;
				} else {
					ok = false;
				}
			}
		} else {
			ok = false;
			continue;
		}
		if (size && !is_pow2(size)) {
			yerr(&b, "BAR size 0x%llx is not a power of two", (unsigned long long)size);
			ok = false;
			continue;
		}
		if (!has64)
			is64 = pref || size > 0x80000000ull;
		if (has_addr && (addr & (size - 1))) {
			yerr(&b, "BAR address 0x%llx is not aligned to its size 0x%llx",
			     (unsigned long long)addr, (unsigned long long)size);
			ok = false;
		}
		if (slot + (is64 ? 2 : 1) > PCIE_MAX_BARS) {
			yerr(&b, "more BARs than a function has (6 slots; a 64-bit BAR takes two)");
			return false;
		}
		bars[slot].size = size;
		bars[slot].prefetchable = pref;
		bars[slot].is64 = is64;
		bars[slot].base = addr;
		if (has_addr && m)
			m->bar_given |= (uint8_t)(1u << slot);
		slot += is64 ? 2 : 1;
	}
	return ok;
}

static bool parse_u8(const ycur_t *c, uint8_t *out, uint8_t max)
{
	uint64_t v;
	if (!yu64(c, &v, 0, max))
		return false;
	*out = (uint8_t)v;
	return true;
}

/* Keys every function description may have. */
#define FUNC_KEYS "id", "class", "bars", "acs", "pasid", "ats", "sriov", "legacy"

/* The function-level keys: id, class, bars, acs, pasid, ats, sriov, legacy. */
static bool parse_func_common(pctx_t *x, const ycur_t *c, int32_t idx, bool pcie)
{
	pcie_func_t *fn = &x->p->fabric.funcs[idx];
	fmeta_t *m = &x->fm[idx];
	bool ok = true;
	ycur_t id = yget(c, "id"), cls = yget(c, "class"), bars = yget(c, "bars"),
	       acs = yget(c, "acs"), pasid = yget(c, "pasid"), ats = yget(c, "ats"),
	       sriov = yget(c, "sriov"), legacy = yget(c, "legacy");
	if (id.node && !yvendev(&id, &fn->vendor_id, &fn->device_id))
		ok = false;
	ok &= yopt_u32(&cls, &fn->class_code, 0, 0xffffff);
	ok &= parse_bars(&bars, fn->bars, m, !x->p->enumerate);
	if (!pcie) {
		const ycur_t *bad[] = {&acs, &pasid, &ats, &sriov, &legacy};
		const char *names[] = {"acs", "pasid", "ats", "sriov", "legacy"};
		for (int i = 0; i < 5; i++)
			if (bad[i]->node) {
				yerr(bad[i], "conventional PCI functions have no %s capability",
				     names[i]);
				ok = false;
			}
		return ok;
	}
	ok &= parse_acs(&acs, fn);
	if (pasid.node) {
		bool b;
		if (yis_scalar(&pasid) && ytext(&pasid)[0] >= '0' && ytext(&pasid)[0] <= '9') {
			uint8_t w = 0;
			if (parse_u8(&pasid, &w, 20) && w >= 1) {
				fn->has_pasid = true;
				fn->pasid_width = w;
			} else {
				if (w == 0)
					yerr(&pasid, "PASID width must be 1 to 20 bits");
				ok = false;
			}
		} else if (ybool(&pasid, &b)) {
			fn->has_pasid = b;
			fn->pasid_width = b ? 20 : 0;
		} else {
			ok = false;
		}
	}
	ok &= yopt_bool(&ats, &fn->has_ats);
	if (legacy.node) {
		bool b;
		if (ybool(&legacy, &b)) {
			if (b)
				fn->pcie_type = PCI_EXP_TYPE_LEG_END;
		} else {
			ok = false;
		}
	}
	if (sriov.node) {
		if (!yexpect_map(&sriov))
			return false;
		static const char *const keys[] = {"vfs", "offset", "stride", "vf_id", "vf_bars",
						   NULL};
		ok &= ykeys(&sriov, keys);
		ycur_t vfs = yneed(&sriov, "vfs"), off = yget(&sriov, "offset"),
		       st = yget(&sriov, "stride");
		fn->has_sriov = true;
		fn->sriov_offset = 1;
		fn->sriov_stride = 1;
		ok &= vfs.node && yopt_u16(&vfs, &fn->sriov_num_vfs, 0, 255);
		ok &= yopt_u16(&off, &fn->sriov_offset, 1, 0xffff);
		ok &= yopt_u16(&st, &fn->sriov_stride, 1, 0xffff);
	}
	return ok;
}

/* Adds the VFs of PF `pf` (described at cursor c) as siblings of the PF. */
static bool add_vfs(pctx_t *x, const ycur_t *c, int32_t pf)
{
	pcie_func_t *p = &x->p->fabric.funcs[pf];
	if (!p->has_sriov || !p->sriov_num_vfs)
		return true;
	ycur_t sriov = yget(c, "sriov");
	ycur_t vfid = yget(&sriov, "vf_id"), vfbars = yget(&sriov, "vf_bars");
	uint16_t ven = p->vendor_id, dev = p->device_id;
	bool ok = true;
	if (vfid.node && !yvendev(&vfid, &ven, &dev))
		ok = false;
	pcie_bar_t bars[PCIE_MAX_BARS];
	memset(bars, 0, sizeof bars);
	if (vfbars.node && !parse_bars(&vfbars, bars, NULL, false))
		ok = false;
	if (!ok)
		return false;
	uint16_t n = p->sriov_num_vfs;
	char pfname[PCIE_NAME_MAX];
	snprintf(pfname, sizeof pfname, "%s", p->name);
	uint32_t rc = p->rc;
	int32_t parent = p->parent;
	for (uint16_t i = 0; i < n; i++) {
		char name[PCIE_NAME_MAX + 16];
		snprintf(name, sizeof name, "%s.vf%u", pfname, (unsigned)i);
		if (strlen(name) >= PCIE_NAME_MAX) {
			yerr(c, "name '%s' is too long for its VFs' names", pfname);
			return false;
		}
		int32_t v = add_func(x, &sriov, rc, parent, name);
		if (v == PCIE_NONE)
			return false;
		pcie_func_t *vf = &x->p->fabric.funcs[v];
		const pcie_func_t *pp = &x->p->fabric.funcs[pf];
		vf->is_pcie = true;
		vf->pcie_type = PCI_EXP_TYPE_ENDPOINT;
		vf->is_vf = true;
		vf->pf = pf;
		vf->vendor_id = ven;
		vf->device_id = dev;
		vf->class_code = pp->class_code;
		vf->has_pasid = pp->has_pasid;
		vf->pasid_width = pp->pasid_width;
		vf->has_ats = pp->has_ats;
		memcpy(vf->bars, bars, sizeof bars);
		x->fm[v].line = yline(&sriov);
	}
	return true;
}

static bool parse_node(pctx_t *x, const ycur_t *c, uint32_t rc, int32_t parent, bus_kind_t bus,
		       uint8_t devno, int depth);

/* Functions of one device (endpoint, rciep, pci_device): single, or `functions: [...]`. */
static bool parse_device(pctx_t *x, const ycur_t *c, const char *name, uint32_t rc,
			 int32_t parent, uint8_t devno, uint8_t pcie_type, bool pcie)
{
	ycur_t fl = yget(c, "functions");
	bool ok = true;
	if (!fl.node) {
		int32_t i = add_func(x, c, rc, parent, name);
		if (i == PCIE_NONE)
			return false;
		pcie_func_t *fn = &x->p->fabric.funcs[i];
		fn->is_pcie = pcie;
		fn->pcie_type = pcie_type;
		fn->devfn = PCI_DEVFN(devno, 0);
		ok &= parse_func_common(x, c, i, pcie);
		return ok && add_vfs(x, c, i);
	}
	const char *const funcs_only[] = {"id", "class", "bars", "acs", "pasid",
					  "ats", "sriov", "legacy", NULL};
	for (int k = 0; funcs_only[k]; k++) {
		ycur_t bad = yget(c, funcs_only[k]);
		if (bad.node) {
			yerr(&bad, "with 'functions', give '%s' per function", funcs_only[k]);
			ok = false;
		}
	}
	if (!yexpect_seq(&fl))
		return false;
	size_t n = ylen(&fl);
	if (n == 0 || n > 8) {
		yerr(&fl, "a device has 1 to 8 functions, found %zu", n);
		return false;
	}
	int32_t first = (int32_t)x->p->fabric.nfuncs;
	unsigned seen = 0;
	bool has_fn0 = false;
	for (size_t k = 0; k < n; k++) {
		ycur_t f = yat(&fl, k);
		if (!yexpect_map(&f)) {
			ok = false;
			continue;
		}
		static const char *const keys[] = {"fn", "name", FUNC_KEYS, NULL};
		ok &= ykeys(&f, keys);
		uint8_t fno = (uint8_t)k;
		ycur_t fnc = yget(&f, "fn"), nm = yget(&f, "name");
		if (fnc.node && !parse_u8(&fnc, &fno, 7)) {
			ok = false;
			continue;
		}
		if (seen & (1u << fno)) {
			yerr(fnc.node ? &fnc : &f, "function number %u is used twice in '%s'",
			     (unsigned)fno, name);
			ok = false;
			continue;
		}
		seen |= 1u << fno;
		has_fn0 |= fno == 0;
		char fname[PCIE_NAME_MAX];
		if (nm.node) {
			if (!ystr(&nm, fname, sizeof fname)) {
				ok = false;
				continue;
			}
		} else {
			int w = snprintf(fname, sizeof fname, "%s.%u", name, (unsigned)fno);
			if (w < 0 || (size_t)w >= sizeof fname) {
				yerr(&f, "name too long");
				ok = false;
				continue;
			}
		}
		int32_t i = add_func(x, &f, rc, parent, fname);
		if (i == PCIE_NONE) {
			ok = false;
			continue;
		}
		pcie_func_t *fn = &x->p->fabric.funcs[i];
		fn->is_pcie = pcie;
		fn->pcie_type = pcie_type;
		fn->devfn = PCI_DEVFN(devno, fno);
		ok &= parse_func_common(x, &f, i, pcie);
	}
	if (ok && !has_fn0) {
		yerr(&fl, "a device must have function 0 (software finds a device by it)");
		ok = false;
	}
	if (!ok)
		return false;
	int32_t last = (int32_t)x->p->fabric.nfuncs;
	if (last - first > 1)
		for (int32_t i = first; i < last; i++)
			x->p->fabric.funcs[i].multifunction = true;
	/* VFs come after all the device's functions; function k was added as first + k. */
	for (int32_t i = first; i < last && ok; i++) {
		ycur_t f = yat(&fl, (size_t)(i - first));
		ok &= add_vfs(x, &f, i);
	}
	return ok;
}

/* The bus below a PCIe-to-PCI or conventional bridge: `devices: [...]`. */
static bool parse_pci_bus(pctx_t *x, const ycur_t *c, uint32_t rc, int32_t bridge, int depth)
{
	ycur_t devs = yget(c, "devices");
	if (!devs.node)
		return true;
	if (!yexpect_seq(&devs))
		return false;
	bool ok = true;
	unsigned used = 0;
	unsigned used_line[32] = {0};
	uint8_t next = 0;
	for (size_t i = 0; i < ylen(&devs); i++) {
		ycur_t d = yat(&devs, i);
		uint8_t slot = next;
		ycur_t s = yget(&d, "slot");
		if (s.node && !parse_u8(&s, &slot, 31)) {
			ok = false;
			continue;
		}
		if (used & (1u << slot)) {
			yerr(s.node ? &s : &d, "slot %u is used twice on this bus (first at line %u)",
			     (unsigned)slot, used_line[slot]);
			ok = false;
			continue;
		}
		used |= 1u << slot;
		used_line[slot] = yline(&d);
		next = (uint8_t)(slot + 1);
		ok &= parse_node(x, &d, rc, bridge, BUS_PCI, slot, depth + 1);
	}
	return ok;
}

static bool parse_link(pctx_t *x, const ycur_t *c, uint32_t rc, int32_t port, int depth)
{
	ycur_t l = yget(c, "link");
	if (!l.node)
		return true; /* an empty slot */
	return parse_node(x, &l, rc, port, BUS_LINK, 0, depth + 1);
}

static bool given_bus(pctx_t *x, const ycur_t *c, int32_t idx)
{
	ycur_t b = yget(c, "bus");
	if (!b.node)
		return true;
	if (x->p->enumerate) {
		yerr(&b, "bus numbers are assigned by enumeration; give them only with "
			 "'enumeration: fixed'");
		return false;
	}
	uint8_t v;
	if (!parse_u8(&b, &v, 255))
		return false;
	if (v == 0) {
		yerr(&b, "a bridge's secondary bus cannot be 0");
		return false;
	}
	x->fm[idx].given_bus = v;
	return true;
}

static const char *const node_types[] = {"root_port", "rciep", "switch", "endpoint",
					 "pcie_pci_bridge", "pci_device", "pci_bridge", NULL};

static bool parse_node(pctx_t *x, const ycur_t *c, uint32_t rc, int32_t parent, bus_kind_t bus,
		       uint8_t devno, int depth)
{
	if (!yexpect_map(c))
		return false;
	if (depth > MAX_DEPTH) {
		yerr(c, "topology nested deeper than %d levels", MAX_DEPTH);
		return false;
	}
	if (!check_placed(x, c))
		return false;
	int type = -1;
	ycur_t tk;
	for (int i = 0; node_types[i]; i++) {
		ycur_t k = yget(c, node_types[i]);
		if (!k.node)
			continue;
		if (type >= 0) {
			yerr(&k, "a node has one kind, found both '%s' and '%s'", node_types[type],
			     node_types[i]);
			return false;
		}
		type = i;
		tk = k;
	}
	static const char *const allowed_here[3] = {
		"root_port or rciep", "switch, endpoint or pcie_pci_bridge", "pci_device or pci_bridge"};
	if (type < 0) {
		yerr(c, "expected a node kind key here: %s", allowed_here[bus]);
		return false;
	}
	bool placement_ok = (bus == BUS_ROOT && (type == 0 || type == 1)) ||
			    (bus == BUS_LINK && (type == 2 || type == 3 || type == 4)) ||
			    (bus == BUS_PCI && (type == 5 || type == 6));
	if (!placement_ok) {
		yerr(&tk, "'%s' cannot sit here (expected %s)", node_types[type], allowed_here[bus]);
		return false;
	}
	char name[PCIE_NAME_MAX];
	if (!ystr(&tk, name, sizeof name))
		return false;
	bool ok = true;
	switch (type) {
	case 0: { /* root_port */
		static const char *const keys[] = {"root_port", "dev", "fn", "port", "id", "acs",
						   "link", "bus", NULL};
		ok &= ykeys(c, keys);
		uint8_t fno = 0;
		ycur_t fnc = yget(c, "fn");
		ok &= yopt_u8(&fnc, &fno, 0, 7);
		int32_t i = add_func(x, c, rc, parent, name);
		if (i == PCIE_NONE)
			return false;
		pcie_func_t *fn = &x->p->fabric.funcs[i];
		fn->is_pcie = true;
		fn->is_bridge = true;
		fn->pcie_type = PCI_EXP_TYPE_ROOT_PORT;
		fn->class_code = 0x060400;
		fn->devfn = PCI_DEVFN(devno, fno);
		fn->port_number = devno;
		ycur_t port = yget(c, "port"), id = yget(c, "id"), acs = yget(c, "acs");
		ok &= yopt_u8(&port, &fn->port_number, 0, 255);
		if (id.node && !yvendev(&id, &fn->vendor_id, &fn->device_id))
			ok = false;
		ok &= parse_acs(&acs, fn);
		ok &= given_bus(x, c, i);
		ok &= parse_link(x, c, rc, i, depth);
		break;
	}
	case 1: /* rciep */
	case 3: /* endpoint */ {
		static const char *const keys[] = {"rciep", "endpoint", "dev", "functions",
						   FUNC_KEYS, NULL};
		ok &= ykeys(c, keys);
		ycur_t dv = yget(c, "dev");
		if (dv.node && type == 3) {
			yerr(&dv, "a device on a PCIe link is device 0 (ARI is not modelled)");
			ok = false;
		}
		ok &= parse_device(x, c, name, rc, parent, devno,
				   type == 1 ? PCI_EXP_TYPE_RC_END : PCI_EXP_TYPE_ENDPOINT, true);
		break;
	}
	case 2: { /* switch */
		static const char *const keys[] = {"switch", "upstream", "downstream", NULL};
		ok &= ykeys(c, keys);
		ycur_t up = yget(c, "upstream"), dn = yneed(c, "downstream");
		int32_t usp = add_func(x, c, rc, parent, name);
		if (usp == PCIE_NONE)
			return false;
		pcie_func_t *u = &x->p->fabric.funcs[usp];
		u->is_pcie = true;
		u->is_bridge = true;
		u->pcie_type = PCI_EXP_TYPE_UPSTREAM;
		u->class_code = 0x060400;
		u->devfn = PCI_DEVFN(0, 0);
		if (up.node) {
			if (!yexpect_map(&up))
				return false;
			static const char *const ukeys[] = {"id", "acs", "bus", NULL};
			ok &= ykeys(&up, ukeys);
			ycur_t id = yget(&up, "id"), acs = yget(&up, "acs");
			if (id.node && !yvendev(&id, &u->vendor_id, &u->device_id))
				ok = false;
			ok &= parse_acs(&acs, u);
			ok &= given_bus(x, &up, usp);
		}
		if (!dn.node)
			return false;
		if (!yexpect_seq(&dn))
			return false;
		uint8_t next = 0;
		unsigned used = 0;
		for (size_t k = 0; k < ylen(&dn); k++) {
			ycur_t d = yat(&dn, k);
			if (!yexpect_map(&d)) {
				ok = false;
				continue;
			}
			static const char *const dkeys[] = {"port", "dev", "port_number", "id", "acs",
							    "link", "bus", NULL};
			ok &= ykeys(&d, dkeys);
			ycur_t pn = yneed(&d, "port");
			char pname[PCIE_NAME_MAX];
			if (!ystr(&pn, pname, sizeof pname)) {
				ok = false;
				continue;
			}
			uint8_t dno = next;
			ycur_t dv = yget(&d, "dev");
			if (dv.node && !parse_u8(&dv, &dno, 31)) {
				ok = false;
				continue;
			}
			if (used & (1u << dno)) {
				yerr(dv.node ? &dv : &d,
				     "device number %u is used twice on the switch's internal bus",
				     (unsigned)dno);
				ok = false;
				continue;
			}
			used |= 1u << dno;
			next = (uint8_t)(dno + 1);
			int32_t dsp = add_func(x, &d, rc, usp, pname);
			if (dsp == PCIE_NONE) {
				ok = false;
				continue;
			}
			pcie_func_t *p = &x->p->fabric.funcs[dsp];
			p->is_pcie = true;
			p->is_bridge = true;
			p->pcie_type = PCI_EXP_TYPE_DOWNSTREAM;
			p->class_code = 0x060400;
			p->devfn = PCI_DEVFN(dno, 0);
			p->port_number = dno;
			ycur_t pnum = yget(&d, "port_number"), id = yget(&d, "id"),
			       acs = yget(&d, "acs");
			ok &= yopt_u8(&pnum, &p->port_number, 0, 255);
			if (id.node && !yvendev(&id, &p->vendor_id, &p->device_id))
				ok = false;
			ok &= parse_acs(&acs, p);
			ok &= given_bus(x, &d, dsp);
			ok &= parse_link(x, &d, rc, dsp, depth);
		}
		break;
	}
	case 4: /* pcie_pci_bridge */
	case 6: /* pci_bridge */ {
		static const char *const keys[] = {"pcie_pci_bridge", "pci_bridge", "slot", "id",
						   "bus", "devices", NULL};
		ok &= ykeys(c, keys);
		ycur_t sl = yget(c, "slot");
		if (sl.node && type == 4) {
			yerr(&sl, "a device on a PCIe link is device 0; 'slot' is for conventional PCI");
			ok = false;
		}
		int32_t i = add_func(x, c, rc, parent, name);
		if (i == PCIE_NONE)
			return false;
		pcie_func_t *fn = &x->p->fabric.funcs[i];
		fn->is_bridge = true;
		fn->is_pcie = type == 4;
		fn->pcie_type = type == 4 ? PCI_EXP_TYPE_PCI_BRIDGE : 0;
		fn->class_code = 0x060400;
		fn->devfn = PCI_DEVFN(devno, 0);
		ycur_t id = yget(c, "id");
		if (id.node && !yvendev(&id, &fn->vendor_id, &fn->device_id))
			ok = false;
		ok &= given_bus(x, c, i);
		ok &= parse_pci_bus(x, c, rc, i, depth);
		break;
	}
	case 5: { /* pci_device */
		static const char *const keys[] = {"pci_device", "slot", "functions", "id", "class",
						   "bars", NULL};
		ok &= ykeys(c, keys);
		ok &= parse_device(x, c, name, rc, parent, devno, 0, false);
		break;
	}
	}
	return ok;
}

/* --- top level ------------------------------------------------------------------------- */

static bool parse_window(const ycur_t *c, pcie_window_t *w)
{
	if (!c->node)
		return true;
	if (!yexpect_map(c))
		return false;
	static const char *const keys[] = {"base", "size", NULL};
	bool ok = ykeys(c, keys);
	uint64_t base = 0, size = 0;
	ycur_t b = yneed(c, "base"), s = yneed(c, "size");
	ok &= yu64(&b, &base, 0, UINT64_MAX);
	ok &= ysize(&s, &size, PCI_BRIDGE_WINDOW_ALIGN, 1ull << 48);
	if (!ok)
		return false;
	if (base & (PCI_BRIDGE_WINDOW_ALIGN - 1)) {
		yerr(&b, "an MMIO window must start on a 1 MiB boundary");
		return false;
	}
	if (base + size - 1 < base) {
		yerr(c, "window wraps around the 64-bit address space");
		return false;
	}
	w->base = base;
	w->limit = base + size - 1;
	return true;
}

typedef struct span {
	uint64_t lo, hi;
	unsigned line;
	const char *what;
	char path[YPATH_MAX];
} span_t;

static bool check_overlaps(const span_t *s, size_t n, const char *file, yerrs_t *errs,
			   const unsigned *cols)
{
	bool ok = true;
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < i; j++)
			if (s[i].lo <= s[j].hi && s[j].lo <= s[i].hi) {
				yerrs_add(errs,
					  "%s:%u:%u: %s: %s [0x%llx-0x%llx] overlaps %s [0x%llx-0x%llx] "
					  "(line %u): address ranges must be disjoint",
					  file, s[i].line, cols[i], s[i].path, s[i].what,
					  (unsigned long long)s[i].lo, (unsigned long long)s[i].hi,
					  s[j].what, (unsigned long long)s[j].lo,
					  (unsigned long long)s[j].hi, s[j].line);
				ok = false;
			}
	return ok;
}

static bool parse_kernel(platform_t *p, const ycur_t *c)
{
	kernel_policy_t *k = &p->kernel;
	if (!c->node)
		return true;
	if (!yexpect_map(c))
		return false;
	static const char *const keys[] = {"enable_acs", "ats", "acs_override", NULL};
	bool ok = ykeys(c, keys);
	ycur_t ea = yget(c, "enable_acs"), ats = yget(c, "ats"), ov = yget(c, "acs_override");
	ok &= yopt_bool(&ea, &k->enable_acs);
	ok &= yopt_bool(&ats, &k->ats);
	if (ov.node) {
		if (!yexpect_seq(&ov))
			return false;
		for (size_t i = 0; i < ylen(&ov); i++) {
			ycur_t o = yat(&ov, i);
			const char *s = ytext(&o);
			if (s && !strcmp(s, "downstream")) {
				k->override_downstream = true;
			} else if (s && !strcmp(s, "multifunction")) {
				k->override_multifunction = true;
			} else if (s && !strncmp(s, "id:", 3)) {
				uint16_t v, d;
				ycur_t idc = o;
				/* Reuse the vendor:device reader on the part after "id:". */
				yaml_node_t tmp = *o.node;
				tmp.data.scalar.value = (yaml_char_t *)(uintptr_t)(s + 3);
				tmp.data.scalar.length = strlen(s + 3);
				idc.node = &tmp;
				if (!yvendev(&idc, &v, &d)) {
					ok = false;
					continue;
				}
				if (k->noverride_ids == PLATFORM_MAX_IDS) {
					yerr(&o, "at most %d ids", PLATFORM_MAX_IDS);
					ok = false;
					continue;
				}
				k->override_ids[k->noverride_ids++] = (uint32_t)v << 16 | d;
			} else {
				yerr(&o, "expected downstream, multifunction or id:vvvv:dddd (the "
					 "pcie_acs_override= forms)");
				ok = false;
			}
		}
	}
	return ok;
}

static bool parse_quirks(platform_t *p, const ycur_t *c)
{
	if (!c->node)
		return true;
	if (!yexpect_seq(c))
		return false;
	bool ok = true;
	for (size_t i = 0; i < ylen(c); i++) {
		ycur_t q = yat(c, i);
		if (!yexpect_map(&q)) {
			ok = false;
			continue;
		}
		static const char *const keys[] = {"id", "acs", NULL};
		ok &= ykeys(&q, keys);
		ycur_t id = yneed(&q, "id"), acs = yneed(&q, "acs");
		uint16_t v, d;
		static const char *const kinds[] = {"isolated", NULL};
		int kind;
		if (!yvendev(&id, &v, &d) || !yenum(&acs, kinds, &kind)) {
			ok = false;
			continue;
		}
		if (p->kernel.nquirks == PLATFORM_MAX_IDS) {
			yerr(&q, "at most %d quirks", PLATFORM_MAX_IDS);
			return false;
		}
		p->kernel.quirk_ids[p->kernel.nquirks++] = (uint32_t)v << 16 | d;
	}
	return ok;
}

static bool parse_timing(platform_t *p, const ycur_t *c)
{
	if (!c->node)
		return true;
	if (!yexpect_map(c))
		return false;
	pcie_timing_t *t = &p->fabric.timing;
	struct {
		const char *key;
		sim_time_t *field;
	} f[] = {
		{"switch_hop_ns", &t->switch_hop},     {"rc_upstream_ns", &t->rc_upstream},
		{"rc_downstream_ns", &t->rc_downstream}, {"rc_p2p_ns", &t->rc_p2p},
		{"bridge_hop_ns", &t->bridge_hop},     {"device_internal_ns", &t->device_internal},
		{"memory_read_ns", &t->memory_read},   {"memory_write_ns", &t->memory_write},
		{"doorbell_write_ns", &t->doorbell_write},
	};
	const char *keys[sizeof f / sizeof f[0] + 1];
	for (size_t i = 0; i < sizeof f / sizeof f[0]; i++)
		keys[i] = f[i].key;
	keys[sizeof f / sizeof f[0]] = NULL;
	bool ok = ykeys(c, keys);
	for (size_t i = 0; i < sizeof f / sizeof f[0]; i++) {
		ycur_t v = yget(c, f[i].key);
		uint64_t ns;
		if (!v.node)
			continue;
		if (yu64(&v, &ns, 0, 1000000000ull))
			*f[i].field = ns * SIM_NS;
		else
			ok = false;
	}
	return ok;
}

bool platform_quirk_matches(const platform_t *p, const pcie_func_t *fn)
{
	uint32_t id = (uint32_t)fn->vendor_id << 16 | fn->device_id;
	for (unsigned i = 0; i < p->kernel.nquirks; i++)
		if (p->kernel.quirk_ids[i] == id)
			return true;
	return false;
}

bool platform_load_node(platform_t *p, const ycur_t *root, const ycur_t *kernel_override,
			yerrs_t *errs)
{
	unsigned errs_before = errs->n + errs->dropped;
	memset(p, 0, sizeof *p);
	pcie_fabric_init(&p->fabric);
	p->kernel.enable_acs = true;
	p->kernel.ats = true;
	p->enumerate = true;
	p->file = strdup(root->d->file);
	pctx_t x = {.p = p, .d = root->d, .errs = errs};
	bool ok = yexpect_map(root);
	if (!ok)
		goto out;
	static const char *const keys[] = {"name",   "description", "enumeration",	  "kernel",
					   "quirks", "timing",	    "memory", "root_complexes",
					   "smmus",  "gic",	    "reserved_regions", NULL};
	ok &= ykeys(root, keys);
	ycur_t nm = yneed(root, "name"), desc = yget(root, "description"),
	       en = yget(root, "enumeration"), rcs = yneed(root, "root_complexes");
	ok &= ystr(&nm, p->name, sizeof p->name);
	if (desc.node) {
		const char *s = ytext(&desc);
		if (!s) {
			yerr(&desc, "expected text");
			ok = false;
		} else {
			p->description = strdup(s);
		}
	}
	if (en.node) {
		static const char *const modes[] = {"auto", "fixed", NULL};
		int m;
		if (yenum(&en, modes, &m))
			p->enumerate = m == 0;
		else
			ok = false;
	}
	ycur_t kc = yget(root, "kernel"), qc = yget(root, "quirks"), tc = yget(root, "timing");
	ok &= parse_kernel(p, &kc);
	if (kernel_override)
		ok &= parse_kernel(p, kernel_override);
	ok &= parse_quirks(p, &qc);
	ok &= parse_timing(p, &tc);

	/* Memory map. */
	span_t spans[256];
	unsigned cols[256];
	size_t nspans = 0;
	char whatbuf[256][PCIE_NAME_MAX + 24];
	ycur_t mem = yget(root, "memory");
	if (mem.node && yexpect_seq(&mem)) {
		for (size_t i = 0; i < ylen(&mem); i++) {
			ycur_t r = yat(&mem, i);
			if (!yexpect_map(&r)) {
				ok = false;
				continue;
			}
			static const char *const rkeys[] = {"name", "base", "size", "kind", NULL};
			ok &= ykeys(&r, rkeys);
			char rname[PCIE_NAME_MAX];
			uint64_t base = 0, size = 0;
			int kind = 0;
			ycur_t rn = yneed(&r, "name"), b = yneed(&r, "base"), s = yneed(&r, "size"),
			       k = yget(&r, "kind");
			static const char *const kinds[] = {"dram", "device", "msi", NULL};
			bool rok = ystr(&rn, rname, sizeof rname) && yu64(&b, &base, 0, UINT64_MAX) &&
				   ysize(&s, &size, 1, 1ull << 56);
			if (k.node && !yenum(&k, kinds, &kind))
				rok = false;
			if (!rok) {
				ok = false;
				continue;
			}
			if (base + size - 1 < base) {
				yerr(&r, "region wraps around the 64-bit address space");
				ok = false;
				continue;
			}
			for (uint32_t j = 0; j < p->fabric.nregions; j++)
				if (!strcmp(p->fabric.regions[j].name, rname)) {
					yerr(&rn, "duplicate region name '%s'", rname);
					ok = false;
				}
			pcie_add_region(&p->fabric, rname,
					kind == 0   ? PCIE_REGION_DRAM
					: kind == 1 ? PCIE_REGION_DEVICE
						    : PCIE_REGION_MSI,
					base, size);
			if (nspans < 256) {
				snprintf(whatbuf[nspans], sizeof whatbuf[0], "region '%s'", rname);
				spans[nspans] = (span_t){base, base + size - 1, yline(&r), whatbuf[nspans], ""};
				snprintf(spans[nspans].path, YPATH_MAX, "%s", r.path);
				cols[nspans++] = ycol(&r);
			}
		}
	} else if (mem.node) {
		ok = false;
	}

	/* Root complexes and their topology. */
	if (rcs.node && yexpect_seq(&rcs)) {
		if (ylen(&rcs) == 0) {
			yerr(&rcs, "a platform needs at least one root complex");
			ok = false;
		}
		for (size_t i = 0; i < ylen(&rcs); i++) {
			ycur_t r = yat(&rcs, i);
			if (!yexpect_map(&r)) {
				ok = false;
				continue;
			}
			static const char *const rkeys[] = {"name",   "segment",	"bus",
							    "mmio",   "mmio_pref",	"p2p_between_root_ports",
							    "ports",  NULL};
			ok &= ykeys(&r, rkeys);
			char rname[PCIE_NAME_MAX];
			ycur_t rn = yneed(&r, "name");
			if (!ystr(&rn, rname, sizeof rname)) {
				ok = false;
				continue;
			}
			for (uint32_t j = 0; j < p->fabric.nrcs; j++)
				if (!strcmp(p->fabric.rcs[j].name, rname)) {
					yerr(&rn, "duplicate root complex name '%s'", rname);
					ok = false;
				}
			int32_t rci = pcie_add_rc(&p->fabric, rname);
			if (rci == PCIE_NONE) {
				yerr(&r, "out of memory");
				ok = false;
				break;
			}
			if ((size_t)rci >= x.rm_cap) {
				size_t ncap = x.rm_cap ? x.rm_cap * 2 : 8;
				rcmeta_t *n = realloc(x.rm, ncap * sizeof *n);
				if (!n) {
					ok = false;
					break;
				}
				x.rm = n;
				x.rm_cap = ncap;
			}
			x.rm[rci].line = yline(&r);
			x.rm[rci].col = ycol(&r);
			snprintf(x.rm[rci].path, sizeof x.rm[rci].path, "%s", r.path);
			pcie_rc_t *rc = &p->fabric.rcs[rci];
			ycur_t seg = yget(&r, "segment"), bus = yget(&r, "bus"),
			       mm = yneed(&r, "mmio"), mp = yget(&r, "mmio_pref"),
			       pp = yget(&r, "p2p_between_root_ports"), ports = yneed(&r, "ports");
			ok &= yopt_u16(&seg, &rc->segment, 0, 0xffff);
			ok &= yopt_u8(&bus, &rc->root_bus, 0, 0xff);
			ok &= parse_window(&mm, &rc->mem);
			ok &= parse_window(&mp, &rc->pref);
			ok &= yopt_bool(&pp, &rc->p2p_between_root_ports);
			for (int w = 0; w < 2; w++) {
				pcie_window_t win = w ? rc->pref : rc->mem;
				if (win.base > win.limit || nspans >= 256)
					continue;
				snprintf(whatbuf[nspans], sizeof whatbuf[0], "%s window of '%s'",
					 w ? "mmio_pref" : "mmio", rname);
				spans[nspans] = (span_t){win.base, win.limit, yline(w ? &mp : &mm),
							 whatbuf[nspans], ""};
				snprintf(spans[nspans].path, YPATH_MAX, "%s", (w ? &mp : &mm)->path);
				cols[nspans++] = ycol(w ? &mp : &mm);
			}
			if (!ports.node || !yexpect_seq(&ports)) {
				ok = false;
				continue;
			}
			/* Root-bus slots: `dev` (default: one after the previous), and for root
			 * ports an optional `fn`, so that several root ports can be the functions
			 * of one multi-function device, as many CPUs' ports are. */
			uint8_t next = 0;
			uint8_t used_fns[32] = {0};
			for (size_t k = 0; k < ylen(&ports); k++) {
				ycur_t n = yat(&ports, k);
				uint8_t dno = next, fno = 0;
				ycur_t dv = yget(&n, "dev"), fv = yget(&n, "fn");
				if (dv.node && !parse_u8(&dv, &dno, 31)) {
					ok = false;
					continue;
				}
				if (fv.node && !parse_u8(&fv, &fno, 7)) {
					ok = false;
					continue;
				}
				if (used_fns[dno] & (1u << fno)) {
					yerr(dv.node ? &dv : &n,
					     "device %02x function %u is used twice on the root bus of '%s'",
					     (unsigned)dno, (unsigned)fno, rname);
					ok = false;
					continue;
				}
				used_fns[dno] |= (uint8_t)(1u << fno);
				next = (uint8_t)(dno + 1);
				ok &= parse_node(&x, &n, (uint32_t)rci, PCIE_NONE, BUS_ROOT, dno, 0);
			}
			/* Functions sharing a root-bus slot form a multi-function device. */
			for (int32_t c = p->fabric.rcs[rci].first_child; c != PCIE_NONE;
			     c = p->fabric.funcs[c].next_sibling) {
				pcie_func_t *fn = &p->fabric.funcs[c];
				uint8_t mask = used_fns[PCI_SLOT(fn->devfn)];
				if (!fn->is_vf && (mask & (mask - 1)))
					fn->multifunction = true;
			}
		}
		/* Two root complexes of one segment must not decode the same buses. */
		for (uint32_t i = 0; i < p->fabric.nrcs; i++)
			for (uint32_t j = 0; j < i; j++)
				if (p->fabric.rcs[i].segment == p->fabric.rcs[j].segment &&
				    p->fabric.rcs[i].root_bus == p->fabric.rcs[j].root_bus) {
					yerrs_add(errs,
						  "%s:%u:%u: %s: root complexes '%s' and '%s' share segment "
						  "%u and root bus %u (give one another 'segment' or 'bus')",
						  p->file, x.rm[i].line, x.rm[i].col, x.rm[i].path,
						  p->fabric.rcs[i].name, p->fabric.rcs[j].name,
						  p->fabric.rcs[i].segment, p->fabric.rcs[i].root_bus);
					ok = false;
				}
	} else if (rcs.node) {
		ok = false;
	}
	ok &= check_overlaps(spans, nspans, p->file, errs, cols);
	if (!ok)
		goto out;
	{
		ycur_t sm = yget(root, "smmus");
		p->rc_smmu = malloc((p->fabric.nrcs + 1) * sizeof *p->rc_smmu);
		p->rc_sid_base = calloc(p->fabric.nrcs + 1, sizeof *p->rc_sid_base);
		if (!p->rc_smmu || !p->rc_sid_base) {
			yerrs_add(errs, "%s: out of memory", p->file);
			ok = false;
			goto out;
		}
		for (uint32_t r = 0; r < p->fabric.nrcs; r++)
			p->rc_smmu[r] = -1;
		if (sm.node && !platform_parse_smmus(p, &sm)) {
			ok = false;
			goto out;
		}
		ycur_t gic = yget(root, "gic");
		p->rc_its = malloc((p->fabric.nrcs + 1) * sizeof *p->rc_its);
		p->rc_devid_base = calloc(p->fabric.nrcs + 1, sizeof *p->rc_devid_base);
		if (!p->rc_its || !p->rc_devid_base) {
			yerrs_add(errs, "%s: out of memory", p->file);
			ok = false;
			goto out;
		}
		for (uint32_t r = 0; r < p->fabric.nrcs; r++)
			p->rc_its[r] = -1;
		if (gic.node && !platform_parse_gic(p, &gic)) {
			ok = false;
			goto out;
		}
		ycur_t rv = yget(root, "reserved_regions");
		if (rv.node && !platform_parse_resv(p, &rv)) {
			ok = false;
			goto out;
		}
	}

	/* Quirks state hardware isolation; the ACS Control bits the file gives are firmware's. */
	p->acs_ctrl_firmware = calloc(p->fabric.nfuncs + 1, sizeof *p->acs_ctrl_firmware);
	p->line = calloc(p->fabric.nfuncs + 1, sizeof *p->line);
	if (!p->acs_ctrl_firmware || !p->line) {
		yerrs_add(errs, "%s: out of memory", p->file);
		ok = false;
		goto out;
	}
	for (uint32_t i = 0; i < p->fabric.nfuncs; i++) {
		pcie_func_t *fn = &p->fabric.funcs[i];
		p->line[i] = x.fm[i].line;
		p->acs_ctrl_firmware[i] = fn->acs_ctrl;
		fn->acs_equivalent = !fn->has_acs && platform_quirk_matches(p, fn);
	}
	ok = enumerate_platform(p, x.fm, x.rm, p->file, errs);
	if (!ok)
		goto out;
	/* pci_enable_acs() (drivers/pci/pci.c): what Linux writes once the IOMMU driver asked
	 * for ACS. TB too when ATS is off (pci=noats). */
	if (p->kernel.enable_acs)
		for (uint32_t i = 0; i < p->fabric.nfuncs; i++) {
			pcie_func_t *fn = &p->fabric.funcs[i];
			if (!fn->has_acs)
				continue;
			uint16_t want = PCI_ACS_SV | PCI_ACS_RR | PCI_ACS_CR | PCI_ACS_UF;
			if (!p->kernel.ats)
				want |= PCI_ACS_TB;
			fn->acs_ctrl |= (uint16_t)(fn->acs_cap & want);
		}
out:
	free(x.fm);
	free(x.rm);
	free(x.placed);
	if (errs->n + errs->dropped != errs_before)
		ok = false;
	if (!ok)
		platform_free(p);
	return ok;
}

bool platform_load(platform_t *p, const char *file, yerrs_t *errs)
{
	return platform_load_with(p, file, NULL, errs);
}

bool platform_load_with(platform_t *p, const char *file, const ycur_t *kernel_override,
			yerrs_t *errs)
{
	return platform_load_set(p, file, kernel_override, NULL, 0, errs);
}

bool platform_load_set(platform_t *p, const char *file, const ycur_t *kernel_override,
		       const ydoc_setting_t *sets, unsigned nsets, yerrs_t *errs)
{
	ydoc_t d;
	memset(p, 0, sizeof *p);
	if (!ydoc_load(&d, file, errs)) {
		ydoc_free(&d);
		return false;
	}
	bool set_ok = true;
	for (unsigned i = 0; i < nsets; i++) {
		const char *why = ydoc_set(&d, sets[i].path, sets[i].value);
		if (why) {
			yerrs_add(errs, "%s: --set %s%s=%s: %s", file, sets[i].prefix ? sets[i].prefix : "",
				  sets[i].path, sets[i].value, why);
			set_ok = false;
		}
	}
	if (!set_ok) {
		ydoc_free(&d);
		return false;
	}
	ycur_t root = ydoc_root(&d);
	bool ok = platform_load_node(p, &root, kernel_override, errs);
	ydoc_free(&d);
	return ok;
}

void platform_free(platform_t *p)
{
	pcie_fabric_free(&p->fabric);
	free(p->description);
	free(p->file);
	free(p->acs_ctrl_firmware);
	free(p->line);
	free(p->smmus);
	free(p->rc_smmu);
	free(p->rc_sid_base);
	free(p->gic.its);
	free(p->gic.v2m);
	free(p->rc_its);
	free(p->rc_devid_base);
	for (uint32_t i = 0; i < p->nresv; i++)
		free(p->resv[i].fns);
	free(p->resv);
	memset(p, 0, sizeof *p);
}

void platform_bdf(const platform_t *p, int32_t fn, char *buf, size_t size)
{
	const pcie_func_t *f = &p->fabric.funcs[fn];
	tlp_format_bdf(buf, size, p->fabric.rcs[f->rc].segment, pcie_func_id(f));
}

bool platform_parse_bdf(const char *s, uint16_t *segment, uint16_t *id)
{
	unsigned seg = 0, bus, dev, fn;
	char tail;
	if (sscanf(s, "%4x:%2x:%2x.%1x%c", &seg, &bus, &dev, &fn, &tail) == 4 && strlen(s) == 12) {
		/* SSSS:BB:DD.F */
	} else if (sscanf(s, "%2x:%2x.%1x%c", &bus, &dev, &fn, &tail) == 3 && strlen(s) == 7) {
		seg = 0;
	} else {
		return false;
	}
	if (dev > 31 || fn > 7)
		return false;
	*segment = (uint16_t)seg;
	*id = PCI_DEVID(bus, PCI_DEVFN(dev, fn));
	return true;
}

int32_t platform_find(const platform_t *p, const char *ref)
{
	int32_t i = pcie_find_name(&p->fabric, ref);
	if (i != PCIE_NONE)
		return i;
	uint16_t seg, id;
	if (platform_parse_bdf(ref, &seg, &id))
		return pcie_find_id(&p->fabric, seg, id);
	return PCIE_NONE;
}
