/* SPDX-License-Identifier: MIT */
/*
 * pcie_route.c — routing TLPs through the fabric, with Access Control Services.
 *
 * Upstream, a TLP is handled at the ingress of each port it enters from below. ACS is applied
 * there, by the ACS Control register of that port (PCIe Base Spec §6.12.1.1 for root and switch
 * downstream ports, §6.12.1.2 for functions of multi-function devices):
 *
 *   1. Source Validation: the Requester ID's bus must lie in [secondary, subordinate]
 *      (requests only; completions are never affected).
 *   2. Translation Blocking: a memory request with AT != 00b is an ACS Violation. It takes
 *      precedence over Upstream Forwarding and the P2P controls.
 *   3. A TLP that targets the port's own egress (its own windows / bus range) is forwarded
 *      upstream with Upstream Forwarding; without it the spec leaves the handling undefined
 *      and iofab reports an Unsupported Request.
 *   4. A request that targets a peer port: Direct Translated P2P first (AT=translated goes
 *      direct regardless of RR and EC), then Table 6-11:
 *          EC RR  vector-bit   result
 *          0  0   -            route directly
 *          0  1   -            redirect upstream
 *          1  0   1            ACS Violation (blocked)
 *          1  0   0            route directly
 *          1  1   1            redirect upstream
 *          1  1   0            route directly (RR overridden)
 *      Completions to a peer: P2P Completion Redirect alone decides (§6.12.3).
 *
 * Downstream, ports never redirect (§6.12.1.1): a TLP goes to whichever window or bus range
 * claims it, or is an Unsupported Request at the first port where nothing claims it.
 */
#include "pcie.h"

#include <string.h>

void pcie_route_init(pcie_route_t *r)
{
	memset(r, 0, sizeof *r);
	r->outcome = PCIE_OUT_UR;
	r->target = PCIE_NONE;
	r->bar = -1;
	r->region = PCIE_NONE;
	r->at_node = PCIE_NONE;
}

static void hop(pcie_route_t *r, int32_t node, uint32_t rc, int32_t peer, pcie_why_t why,
		sim_time_t latency)
{
	r->why = why;
	r->latency += latency;
	if (r->nhops >= PCIE_MAX_HOPS) {
		/* The decisive reason and the latency stay right; the list says it is cut. */
		r->truncated = true;
		return;
	}
	pcie_hop_t *h = &r->hops[r->nhops++];
	h->node = node;
	h->rc = rc;
	h->peer = peer;
	h->why = why;
	h->latency = latency;
}

void pcie_route_add_hop(pcie_route_t *r, int32_t node, uint32_t rc, pcie_why_t why,
			sim_time_t latency)
{
	hop(r, node, rc, PCIE_NONE, why, latency);
}

static int finish(pcie_route_t *r, pcie_outcome_t o, int32_t node);

void pcie_route_block(pcie_route_t *r, uint32_t rc)
{
	r->rc = rc;
	finish(r, PCIE_OUT_BLOCKED, PCIE_NONE);
}

static int finish(pcie_route_t *r, pcie_outcome_t o, int32_t node)
{
	r->outcome = o;
	if (o == PCIE_OUT_BLOCKED || o == PCIE_OUT_UR)
		r->at_node = node;
	if (o == PCIE_OUT_FUNCTION)
		r->target = node;
	return 0;
}

/* Does bridge br decode routing ID `id` (bus in [secondary, subordinate])? */
static bool bridge_has_bus(const pcie_func_t *br, uint16_t id)
{
	uint8_t bus = PCI_BUS_NUM(id);
	return br->is_bridge && br->secondary_bus && bus >= br->secondary_bus &&
	       bus <= br->subordinate_bus;
}

/* The ID a TLP is routed to, for ID-routed TLPs. */
static uint16_t dest_id(const tlp_t *t)
{
	return t->type == TLP_CPL || t->type == TLP_CPLD ? t->requester_id : t->completer_id;
}

/* ID routing happens inside one PCI segment: a TLP whose destination is in another segment is
 * claimed by no ID here; it goes up to the root complex, which sends it to that hierarchy. */
static bool id_here(const pcie_fabric_t *f, const pcie_func_t *fn, const tlp_t *t)
{
	return tlp_routed_by_id(t) && f->rcs[fn->rc].segment == t->segment;
}

/* Does bridge `br` decode the destination ID of an ID-routed TLP? */
static bool bridge_has_dest(const pcie_fabric_t *f, const pcie_func_t *br, const tlp_t *t)
{
	return id_here(f, br, t) && bridge_has_bus(br, dest_id(t));
}

/* Does function `fn` (bridge or not) claim the TLP going down toward it? */
static bool claims(const pcie_fabric_t *f, const pcie_func_t *fn, const tlp_t *t, int *bar)
{
	if (tlp_routed_by_id(t)) {
		if (!id_here(f, fn, t))
			return false;
		uint16_t id = dest_id(t);
		if (fn->is_bridge && bridge_has_bus(fn, id))
			return true;
		return pcie_func_id(fn) == id;
	}
	if (fn->is_bridge && pcie_bridge_claims(fn, t->address))
		return true;
	for (int b = 0; b < PCIE_MAX_BARS; b++) {
		const pcie_bar_t *br = &fn->bars[b];
		if (br->size && t->address >= br->base && t->address - br->base < br->size) {
			if (bar)
				*bar = b;
			return true;
		}
	}
	return false;
}

/* A function claims the TLP itself (one of its BARs, or its own ID), rather than passing it
 * on through its bridge windows. */
static bool claims_as_target(const pcie_fabric_t *f, const pcie_func_t *fn, const tlp_t *t,
			     int *bar)
{
	*bar = -1;
	if (tlp_routed_by_id(t) && !id_here(f, fn, t))
		return false;
	/* A PCIe-to-PCI bridge that took ownership of its bus's requests (as secondary bus,
	 * 00.0) claims the completions that come back under that ID, and completes them on its
	 * PCI bus for the original requester (PCIe-to-PCI/PCI-X Bridge Spec §2.3). */
	if ((t->type == TLP_CPL || t->type == TLP_CPLD) && fn->is_pcie &&
	    fn->pcie_type == PCI_EXP_TYPE_PCI_BRIDGE &&
	    dest_id(t) == PCI_DEVID(fn->secondary_bus, 0))
		return true;
	if (tlp_routed_by_id(t))
		return pcie_func_id(fn) == dest_id(t);
	for (int b = 0; b < PCIE_MAX_BARS; b++) {
		const pcie_bar_t *br = &fn->bars[b];
		if (br->size && t->address >= br->base && t->address - br->base < br->size) {
			*bar = b;
			return true;
		}
	}
	return false;
}

/* Continues downward below bridge `br` (the TLP is at br's egress onto its secondary bus). */
static int route_below(const pcie_fabric_t *f, int32_t br, const tlp_t *t, pcie_route_t *r)
{
	const pcie_timing_t *tm = &f->timing;
	for (;;) {
		const pcie_func_t *b = &f->funcs[br];
		int32_t next = PCIE_NONE;
		for (int32_t c = b->first_child; c != PCIE_NONE; c = f->funcs[c].next_sibling) {
			const pcie_func_t *cf = &f->funcs[c];
			int bar = -1;
			if (claims_as_target(f, cf, t, &bar)) {
				r->bar = tlp_routed_by_id(t) ? -1 : bar;
				hop(r, c, cf->rc, PCIE_NONE,
				    tlp_routed_by_id(t) ? PCIE_WHY_CLAIMED_ID : PCIE_WHY_CLAIMED_BAR, 0);
				return finish(r, PCIE_OUT_FUNCTION, c);
			}
			if (cf->is_bridge && claims(f, cf, t, NULL)) {
				next = c;
				break;
			}
		}
		if (next == PCIE_NONE) {
			hop(r, br, b->rc, PCIE_NONE, PCIE_WHY_UNCLAIMED, 0);
			return finish(r, PCIE_OUT_UR, br);
		}
		const pcie_func_t *n = &f->funcs[next];
		sim_time_t lat = 0;
		if (n->is_pcie && n->pcie_type == PCI_EXP_TYPE_DOWNSTREAM)
			lat = tm->switch_hop; /* upstream port ingress to this port's egress */
		else if (!n->is_pcie || n->pcie_type == PCI_EXP_TYPE_PCI_BRIDGE)
			lat = tm->bridge_hop;
		/* A switch upstream port adds nothing by itself: the traversal is charged at the
		 * downstream port it leaves by. */
		hop(r, next, n->rc, PCIE_NONE,
		    tlp_routed_by_id(t) ? PCIE_WHY_DOWN_ID : PCIE_WHY_DOWN, lat);
		br = next;
	}
}

int pcie_route_below(const pcie_fabric_t *f, int32_t bridge, const tlp_t *t, pcie_route_t *r)
{
	if (bridge < 0 || (uint32_t)bridge >= f->nfuncs || !f->funcs[bridge].is_bridge)
		return -1;
	return route_below(f, bridge, t, r);
}

int pcie_route_down(const pcie_fabric_t *f, uint32_t rc, const tlp_t *t, pcie_route_t *r)
{
	if (rc >= f->nrcs)
		return -1;
	r->rc = rc; /* the root complex the TLP is now in */
	const pcie_rc_t *root = &f->rcs[rc];
	for (int32_t c = root->first_child; c != PCIE_NONE; c = f->funcs[c].next_sibling) {
		const pcie_func_t *cf = &f->funcs[c];
		int bar = -1;
		if (claims_as_target(f, cf, t, &bar)) {
			r->bar = tlp_routed_by_id(t) ? -1 : bar;
			hop(r, c, rc, PCIE_NONE,
			    tlp_routed_by_id(t) ? PCIE_WHY_CLAIMED_ID : PCIE_WHY_CLAIMED_BAR,
			    f->timing.rc_downstream);
			return finish(r, PCIE_OUT_FUNCTION, c);
		}
		if (cf->is_bridge && claims(f, cf, t, NULL)) {
			hop(r, c, rc, PCIE_NONE,
			    tlp_routed_by_id(t) ? PCIE_WHY_DOWN_ID : PCIE_WHY_DOWN,
			    f->timing.rc_downstream);
			return route_below(f, c, t, r);
		}
	}
	hop(r, PCIE_NONE, rc, PCIE_NONE, PCIE_WHY_UNCLAIMED, 0);
	return finish(r, PCIE_OUT_UR, PCIE_NONE);
}

/* Table 6-11 (and Direct Translated P2P) for a request from `port` to peer index `peer_bit`.
 * Returns the decision: PCIE_WHY_P2P_DIRECT, PCIE_WHY_ACS_DT, PCIE_WHY_ACS_RR or
 * PCIE_WHY_ACS_EC_BLOCK. */
static pcie_why_t acs_p2p_request(const pcie_func_t *port, const tlp_t *t, unsigned peer_bit)
{
	uint16_t ctrl = pcie_acs_effective(port);
	if (t->at == TLP_AT_TRANSLATED && (ctrl & PCI_ACS_DT))
		return PCIE_WHY_ACS_DT;
	bool e = ctrl & PCI_ACS_EC, rr = ctrl & PCI_ACS_RR;
	bool bit = peer_bit < 32 && ((port->acs_egress_vector >> peer_bit) & 1u);
	if (!e)
		return rr ? PCIE_WHY_ACS_RR : PCIE_WHY_P2P_DIRECT;
	if (!bit)
		return PCIE_WHY_P2P_DIRECT;
	return rr ? PCIE_WHY_ACS_RR : PCIE_WHY_ACS_EC_BLOCK;
}

static bool is_completion(const tlp_t *t)
{
	return t->type == TLP_CPL || t->type == TLP_CPLD;
}

/* True when the function sits directly on a PCIe link (below a root or downstream port). */
static bool on_link(const pcie_fabric_t *f, const pcie_func_t *fn)
{
	return fn->parent != PCIE_NONE && pcie_is_downstream_port(&f->funcs[fn->parent]);
}

/* Two functions of one device. A link carries one device: without ARI only device 0 exists
 * there, with ARI (which SR-IOV VFs beyond function 7 imply) every function on the link is a
 * function of that one device, even when its routing ID has another slot or bus number.
 * Elsewhere (root bus, conventional bus) the slot number decides. */
static bool same_device(const pcie_fabric_t *f, const pcie_func_t *a, const pcie_func_t *b)
{
	if (a->parent != b->parent)
		return false;
	if (on_link(f, a))
		return true;
	return a->bus == b->bus && PCI_SLOT(a->devfn) == PCI_SLOT(b->devfn);
}

/* Egress Control Vector bit of a function inside a multi-function device: its Function
 * Number, which on a link may be an 8-bit ARI Function Number (§7.7.11.4). */
static unsigned function_bit(const pcie_fabric_t *f, const pcie_func_t *fn)
{
	return on_link(f, fn) ? fn->devfn : PCI_FUNC(fn->devfn);
}

/* Finds a peer on the bus of `self` (siblings under the same parent or root bus) that claims
 * the TLP, excluding `self`; with same_dev, only functions of self's own device. */
static int32_t find_peer(const pcie_fabric_t *f, int32_t self, const tlp_t *t, bool same_dev)
{
	const pcie_func_t *s = &f->funcs[self];
	int32_t first = s->parent == PCIE_NONE ? f->rcs[s->rc].first_child
					       : f->funcs[s->parent].first_child;
	for (int32_t c = first; c != PCIE_NONE; c = f->funcs[c].next_sibling) {
		if (c == self)
			continue;
		const pcie_func_t *cf = &f->funcs[c];
		if (same_dev && !same_device(f, cf, s))
			continue;
		if (claims(f, cf, t, NULL))
			return c;
	}
	return PCIE_NONE;
}

/* Delivers to peer `peer` found on the sender's bus: either the peer itself claims the TLP,
 * or it is a bridge and the TLP continues below it. */
static int deliver_to_peer(const pcie_fabric_t *f, int32_t peer, const tlp_t *t, pcie_route_t *r)
{
	int bar = -1;
	const pcie_func_t *p = &f->funcs[peer];
	if (claims_as_target(f, p, t, &bar)) {
		r->bar = tlp_routed_by_id(t) ? -1 : bar;
		hop(r, peer, p->rc, PCIE_NONE,
		    tlp_routed_by_id(t) ? PCIE_WHY_CLAIMED_ID : PCIE_WHY_CLAIMED_BAR, 0);
		return finish(r, PCIE_OUT_FUNCTION, peer);
	}
	return route_below(f, peer, t, r);
}

/* The TLP has entered downstream-facing port `port` from its link. Applies ACS and routes on.
 * Returns with r finished, or sets *up to the function that now carries the TLP upstream. */
static int port_ingress(const pcie_fabric_t *f, int32_t port, const tlp_t *t, pcie_route_t *r,
			int32_t *up)
{
	const pcie_func_t *p = &f->funcs[port];
	const pcie_timing_t *tm = &f->timing;
	uint16_t ctrl = pcie_acs_effective(p);
	bool cpl = is_completion(t);
	*up = PCIE_NONE;

	/* 1. Source Validation (requests only; §6.12.1.1). */
	if (!cpl && (ctrl & PCI_ACS_SV)) {
		uint8_t bus = PCI_BUS_NUM(r->requester_id);
		if (bus < p->secondary_bus || bus > p->subordinate_bus) {
			hop(r, port, p->rc, PCIE_NONE, PCIE_WHY_ACS_SV_BLOCK, 0);
			return finish(r, PCIE_OUT_BLOCKED, port);
		}
	}
	/* 2. Translation Blocking: any AT other than 00b on an upstream memory request. */
	if (!cpl && tlp_is_memory(t) && t->at != TLP_AT_UNTRANSLATED && (ctrl & PCI_ACS_TB)) {
		hop(r, port, p->rc, PCIE_NONE, PCIE_WHY_ACS_TB_BLOCK, 0);
		return finish(r, PCIE_OUT_BLOCKED, port);
	}
	/* 3. Targets this port's own egress: Upstream Forwarding, or undefined (UR). */
	bool own = tlp_routed_by_id(t) ? bridge_has_dest(f, p, t) : pcie_bridge_claims(p, t->address);
	bool to_rc = t->type == TLP_MSG && t->msg_routing == TLP_MSG_TO_RC;
	if (own && !to_rc) {
		if (!(ctrl & PCI_ACS_UF)) {
			hop(r, port, p->rc, PCIE_NONE, PCIE_WHY_NO_UF_UR, 0);
			return finish(r, PCIE_OUT_UR, port);
		}
		hop(r, port, p->rc, PCIE_NONE, PCIE_WHY_ACS_UF, 0);
		r->redirected = true;
	} else if (!to_rc) {
		/* 4. Peer ports: siblings under the switch's upstream port, or other root ports
		 * of the root complex. */
		bool root = p->pcie_type == PCI_EXP_TYPE_ROOT_PORT;
		/* The host's own Requester ID: up into the root complex. */
		bool for_rc = root && tlp_routed_by_id(t) &&
			      (!id_here(f, p, t) || dest_id(t) == pcie_rc_host_id(f, p->rc));
		int32_t peer = for_rc ? PCIE_NONE : find_peer(f, port, t, false);
		if (peer != PCIE_NONE && root && !f->rcs[p->rc].p2p_between_root_ports) {
			/* The root complex does not route between its root ports: the request
			 * leaves upstream like any DMA. */
			hop(r, port, p->rc, peer, PCIE_WHY_RC_NO_P2P, 0);
			peer = PCIE_NONE;
		}
		if (peer != PCIE_NONE) {
			pcie_why_t d;
			if (cpl)
				d = (ctrl & PCI_ACS_CR) ? PCIE_WHY_ACS_CR : PCIE_WHY_P2P_CPL_DIRECT;
			else
				d = acs_p2p_request(p, t, f->funcs[peer].port_number);
			if (d == PCIE_WHY_ACS_EC_BLOCK) {
				hop(r, port, p->rc, peer, d, 0);
				return finish(r, PCIE_OUT_BLOCKED, port);
			}
			if (d == PCIE_WHY_P2P_DIRECT || d == PCIE_WHY_P2P_CPL_DIRECT ||
			    d == PCIE_WHY_ACS_DT) {
				if (root)
					d = d == PCIE_WHY_ACS_DT ? d : PCIE_WHY_RC_P2P;
				hop(r, port, p->rc, peer, d, root ? tm->rc_p2p : tm->switch_hop);
				r->p2p = true;
				hop(r, peer, p->rc, PCIE_NONE,
				    tlp_routed_by_id(t) ? PCIE_WHY_DOWN_ID : PCIE_WHY_DOWN, 0);
				return route_below(f, peer, t, r);
			}
			/* Redirected upstream (RR or CR). */
			hop(r, port, p->rc, peer, d, 0);
			r->redirected = true;
		}
	}
	/* 5. Upstream: through the switch to its upstream port, or out of the root complex. */
	if (p->pcie_type == PCI_EXP_TYPE_ROOT_PORT) {
		hop(r, PCIE_NONE, p->rc, PCIE_NONE, PCIE_WHY_RC_EXIT, tm->rc_upstream);
		r->via_host = true;
		r->rc = p->rc;
		return finish(r, PCIE_OUT_HOST, PCIE_NONE);
	}
	if (p->parent == PCIE_NONE) { /* a downstream port must sit under an upstream port */
		hop(r, port, p->rc, PCIE_NONE, PCIE_WHY_UNCLAIMED, 0);
		return finish(r, PCIE_OUT_UR, port);
	}
	hop(r, p->parent, p->rc, PCIE_NONE, PCIE_WHY_SWITCH_UP, tm->switch_hop);
	*up = p->parent;
	return 0;
}

int pcie_route_up(const pcie_fabric_t *f, uint32_t src, const tlp_t *t, pcie_route_t *r)
{
	if (src >= f->nfuncs)
		return -1;
	const pcie_timing_t *tm = &f->timing;
	pcie_route_init(r);
	r->requester_id = t->requester_id;
	int32_t cur = (int32_t)src;
	const pcie_func_t *s = &f->funcs[src];
	hop(r, cur, s->rc, PCIE_NONE, PCIE_WHY_SEND, 0);

	if (t->type == TLP_CFGRD || t->type == TLP_CFGWR ||
	    (t->type == TLP_MSG && t->msg_routing == TLP_MSG_BROADCAST)) {
		/* Only the root complex issues configuration requests and broadcasts. */
		hop(r, cur, s->rc, PCIE_NONE, PCIE_WHY_UNCLAIMED, 0);
		return finish(r, PCIE_OUT_UR, cur);
	}
	bool to_rc = t->type == TLP_MSG && t->msg_routing == TLP_MSG_TO_RC;

	/* Function-level ACS inside a multi-function device (§6.12.1.2): a request to another
	 * function of the same device is decided by the sender's own ACS controls. */
	if (!to_rc && !s->is_bridge && s->is_pcie) {
		int32_t sib = find_peer(f, cur, t, true);
		if (sib != PCIE_NONE) {
			const pcie_func_t *g = &f->funcs[sib];
			pcie_why_t d;
			if (is_completion(t))
				d = (pcie_acs_effective(s) & PCI_ACS_CR) ? PCIE_WHY_ACS_CR
									       : PCIE_WHY_P2P_INTERNAL;
			else
				d = acs_p2p_request(s, t, function_bit(f, g));
			if (d == PCIE_WHY_P2P_DIRECT)
				d = PCIE_WHY_P2P_INTERNAL;
			if (d == PCIE_WHY_ACS_EC_BLOCK) {
				hop(r, cur, s->rc, sib, d, 0);
				return finish(r, PCIE_OUT_BLOCKED, cur);
			}
			if (d == PCIE_WHY_P2P_INTERNAL || d == PCIE_WHY_ACS_DT) {
				hop(r, cur, s->rc, sib, d, tm->device_internal);
				r->p2p = true;
				return deliver_to_peer(f, sib, t, r);
			}
			hop(r, cur, s->rc, sib, d, 0); /* redirected to the port above */
			r->redirected = true;
		}
	}

	for (;;) {
		const pcie_func_t *c = &f->funcs[cur];
		int32_t parent = c->parent;
		if (parent == PCIE_NONE) {
			/* On a root bus: an RC-integrated endpoint talks to the root complex. */
			hop(r, PCIE_NONE, c->rc, PCIE_NONE, PCIE_WHY_RC_EXIT, tm->rc_upstream);
			r->via_host = true;
			r->rc = c->rc;
			return finish(r, PCIE_OUT_HOST, PCIE_NONE);
		}
		const pcie_func_t *p = &f->funcs[parent];
		if (pcie_is_downstream_port(p)) {
			int32_t up;
			port_ingress(f, parent, t, r, &up);
			if (up == PCIE_NONE)
				return 0;
			cur = up;
			continue;
		}
		/* A conventional bus (below a PCIe-to-PCI or PCI-to-PCI bridge): every device on
		 * it sees the transaction, and a peer that decodes the address claims it. */
		if (!to_rc) {
			int32_t peer = find_peer(f, cur, t, false);
			if (peer != PCIE_NONE) {
				bool in_switch = p->is_pcie && p->pcie_type == PCI_EXP_TYPE_UPSTREAM;
				pcie_why_t why = !in_switch		   ? PCIE_WHY_P2P_BUS
						 : is_completion(t) ? PCIE_WHY_P2P_CPL_DIRECT
								    : PCIE_WHY_P2P_DIRECT;
				hop(r, cur, c->rc, peer, why, in_switch ? tm->switch_hop : 0);
				r->p2p = true;
				return deliver_to_peer(f, peer, t, r);
			}
			bool own = tlp_routed_by_id(t) ? bridge_has_dest(f, p, t)
						       : pcie_bridge_claims(p, t->address);
			if (own) { /* inside the bridge's window, yet nobody on the bus claimed it */
				hop(r, parent, p->rc, PCIE_NONE, PCIE_WHY_UNCLAIMED, 0);
				return finish(r, PCIE_OUT_UR, parent);
			}
		}
		if (p->is_pcie && p->pcie_type == PCI_EXP_TYPE_UPSTREAM) {
			/* A TLP a downstream port originates itself (a completion it returns): no
			 * peer on the switch claimed it above, so it leaves by the upstream port. */
			hop(r, parent, p->rc, PCIE_NONE, PCIE_WHY_SWITCH_UP, tm->switch_hop);
			cur = parent;
			continue;
		}
		/* The bridge forwards upstream and takes ownership of the transaction: a
		 * PCIe-to-PCI bridge issues it as (secondary bus, 00.0) (PCIe-to-PCI/PCI-X Bridge
		 * Spec §2.3); a conventional bridge under its own ID. */
		if (tlp_is_request(t)) {
			if (p->is_pcie && p->pcie_type == PCI_EXP_TYPE_PCI_BRIDGE)
				r->requester_id = PCI_DEVID(p->secondary_bus, 0);
			else
				r->requester_id = pcie_func_id(p);
			hop(r, parent, p->rc, PCIE_NONE, PCIE_WHY_BRIDGE_OWNERSHIP, tm->bridge_hop);
		} else {
			/* A completion's Requester ID is its destination: forwarded unchanged. */
			hop(r, parent, p->rc, PCIE_NONE, PCIE_WHY_UPSTREAM, tm->bridge_hop);
		}
		cur = parent;
	}
}

void pcie_route_bridge_completion(const pcie_fabric_t *f, int32_t requester, pcie_route_t *r)
{
	if (r->outcome != PCIE_OUT_FUNCTION || requester < 0 || r->target == requester)
		return;
	const pcie_func_t *b = &f->funcs[r->target];
	if (!b->is_pcie || b->pcie_type != PCI_EXP_TYPE_PCI_BRIDGE)
		return;
	for (int32_t a = f->funcs[requester].parent; a != PCIE_NONE; a = f->funcs[a].parent)
		if (a == r->target) {
			hop(r, requester, b->rc, r->target, PCIE_WHY_BRIDGE_COMPLETES, f->timing.bridge_hop);
			r->target = requester;
			return;
		}
}

int pcie_route_host(const pcie_fabric_t *f, const tlp_t *t, pcie_route_t *r)
{
	if (tlp_routed_by_id(t)) {
		/* A completion redirected upstream (ACS CR, or UF at a root port) must still reach
		 * its requester: the root complex sends it back down by ID (§6.12.1.1). */
		if (t->segment == f->rcs[r->rc].segment && dest_id(t) == pcie_rc_host_id(f, r->rc))
			return finish(r, PCIE_OUT_HOST, PCIE_NONE); /* the host's own: arrived */
		/* The hierarchy that holds the destination: another root complex, perhaps. */
		int32_t dst = pcie_find_id(f, t->segment, dest_id(t));
		uint32_t rc = dst != PCIE_NONE ? f->funcs[dst].rc : r->rc;
		hop(r, PCIE_NONE, rc, PCIE_NONE, PCIE_WHY_HOST_ID_ROUTE, 0);
		return pcie_route_down(f, rc, t, r);
	}
	if (t->type == TLP_MSG && t->msg_routing == TLP_MSG_TO_RC)
		return finish(r, PCIE_OUT_HOST, PCIE_NONE); /* the root complex consumes it */
	int32_t reg = pcie_find_region(f, t->address);
	if (reg != PCIE_NONE) {
		r->region = reg;
		if (t->type == TLP_MWR && f->regions[reg].kind == PCIE_REGION_MSI)
			hop(r, PCIE_NONE, r->rc, PCIE_NONE, PCIE_WHY_HOST_DOORBELL,
			    f->timing.doorbell_write);
		else
			hop(r, PCIE_NONE, r->rc, PCIE_NONE, PCIE_WHY_HOST_MEMORY,
			    t->type == TLP_MRD ? f->timing.memory_read : f->timing.memory_write);
		return finish(r, PCIE_OUT_HOST, PCIE_NONE);
	}
	int32_t rc = pcie_find_rc_window(f, t->address);
	if (rc != PCIE_NONE) {
		hop(r, PCIE_NONE, (uint32_t)rc, PCIE_NONE, PCIE_WHY_HOST_P2P, 0);
		return pcie_route_down(f, (uint32_t)rc, t, r);
	}
	hop(r, PCIE_NONE, r->rc, PCIE_NONE, PCIE_WHY_HOST_UNMAPPED, 0);
	return finish(r, PCIE_OUT_UR, PCIE_NONE);
}

static const struct {
	const char *token;
	const char *text;
} why_table[PCIE_WHY_COUNT] = {
	[PCIE_WHY_SEND] = {"send", "sent on its link"},
	[PCIE_WHY_UPSTREAM] = {"upstream", "forwarded upstream unchanged"},
	[PCIE_WHY_SWITCH_UP] = {"switch-upstream", "through the switch to its upstream port"},
	[PCIE_WHY_RC_EXIT] = {"rc-exit",
			      "into the root complex and out upstream, toward the IOMMU and memory"},
	[PCIE_WHY_BRIDGE_OWNERSHIP] = {"bridge-ownership",
				       "bridge forwards upstream and takes ownership: new Requester ID"},
	[PCIE_WHY_P2P_DIRECT] = {"p2p-direct",
				 "peer-to-peer: a peer port claims the address and ACS does not redirect it"},
	[PCIE_WHY_P2P_CPL_DIRECT] = {"p2p-cpl-direct",
				     "peer-to-peer completion: ACS Completion Redirect not set"},
	[PCIE_WHY_P2P_INTERNAL] = {"p2p-internal",
				   "inside the device: another function claims it and ACS does not redirect it"},
	[PCIE_WHY_P2P_BUS] = {"p2p-bus",
			      "claimed by a peer on the same conventional PCI bus (no ACS there)"},
	[PCIE_WHY_RC_P2P] = {"rc-p2p",
			     "root complex routes it to another root port, peer-to-peer"},
	[PCIE_WHY_RC_NO_P2P] = {"rc-no-p2p",
				"root complex does not route between root ports: sent upstream"},
	[PCIE_WHY_ACS_RR] = {"acs-rr", "ACS P2P Request Redirect: redirected upstream"},
	[PCIE_WHY_ACS_CR] = {"acs-cr", "ACS P2P Completion Redirect: redirected upstream"},
	[PCIE_WHY_ACS_DT] = {"acs-dt",
			     "ACS Direct Translated P2P: translated request routed directly to the peer"},
	[PCIE_WHY_ACS_UF] = {"acs-uf",
			     "ACS Upstream Forwarding: targets the port's own egress, forwarded upstream"},
	[PCIE_WHY_ACS_SV_BLOCK] = {"acs-sv",
				   "ACS Source Validation: Requester ID bus outside the port's bus range"},
	[PCIE_WHY_ACS_TB_BLOCK] = {"acs-tb",
				   "ACS Translation Blocking: AT is not untranslated"},
	[PCIE_WHY_ACS_EC_BLOCK] = {"acs-ec",
				   "ACS P2P Egress Control: egress to that peer is blocked"},
	[PCIE_WHY_NO_UF_UR] = {"no-uf",
			       "targets the port's own egress and ACS Upstream Forwarding is not set"},
	[PCIE_WHY_DOWN] = {"down", "routed down: the address is in the port's window"},
	[PCIE_WHY_DOWN_ID] = {"down-id", "routed down: the ID is in the port's bus range"},
	[PCIE_WHY_CLAIMED_BAR] = {"claimed-bar", "claimed by a BAR of the function"},
	[PCIE_WHY_CLAIMED_ID] = {"claimed-id", "the function is the ID's target"},
	[PCIE_WHY_UNCLAIMED] = {"unclaimed", "no window, BAR or bus range claims it"},
	[PCIE_WHY_HOST_MEMORY] = {"memory", "system memory"},
	[PCIE_WHY_HOST_DOORBELL] = {"doorbell", "an MSI doorbell: the write goes to the interrupt controller"},
	[PCIE_WHY_HOST_P2P] = {"host-p2p",
			       "address in a PCIe MMIO window: the host routes it back down"},
	[PCIE_WHY_HOST_UNMAPPED] = {"unmapped", "address in no region of the memory map"},
	[PCIE_WHY_HOST_ID_ROUTE] = {"host-id-route",
				    "the root complex routes it down by ID to the hierarchy that holds its destination"},
	[PCIE_WHY_HOST_SELF] = {"host-self",
				"the root complex completes the host's own request itself"},
	[PCIE_WHY_IOMMU_XLATE] = {"iommu-translate", "the IOMMU translated the address"},
	[PCIE_WHY_IOMMU_BYPASS] = {"iommu-bypass",
				   "the IOMMU let it through untranslated (bypass, an ATS-translated address, "
				   "or an MSI doorbell placed before it)"},
	[PCIE_WHY_IOMMU_FAULT] = {"iommu-fault", "the IOMMU terminated it with a fault"},
	[PCIE_WHY_IOMMU_ABORT] = {"iommu-abort",
				  "the IOMMU aborted it: no translation is configured for the stream"},
	[PCIE_WHY_IOMMU_STALL] = {"iommu-stall",
				  "the IOMMU stalled it on a fault: held until software resumes or terminates it"},
	[PCIE_WHY_IOMMU_RESUME] = {"iommu-resume",
				   "software resumed it (CMD_RESUME, retry): the IOMMU translated it again"},
	[PCIE_WHY_IOMMU_STALL_TERM] = {"iommu-stall-term",
				       "software terminated it (CMD_RESUME terminate, or CMD_STALL_TERM)"},
	[PCIE_WHY_BRIDGE_COMPLETES] = {"bridge-completes",
				       "the bridge completes it on its PCI bus for the original requester"},
};

const char *pcie_why_text(pcie_why_t why)
{
	return (unsigned)why < PCIE_WHY_COUNT ? why_table[why].text : "?";
}

const char *pcie_why_token(pcie_why_t why)
{
	return (unsigned)why < PCIE_WHY_COUNT ? why_table[why].token : "?";
}

const char *pcie_outcome_token(pcie_outcome_t o)
{
	switch (o) {
	case PCIE_OUT_FUNCTION:
		return "delivered";
	case PCIE_OUT_HOST:
		return "host";
	case PCIE_OUT_BLOCKED:
		return "blocked";
	case PCIE_OUT_UR:
		return "unsupported";
	}
	return "?";
}
