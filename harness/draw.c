/* SPDX-License-Identifier: MIT */
/* draw.c — the topology as a Graphviz graph (see draw.h). */
#include "draw.h"

#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pcie_regs.h"

/* Fill colours: the host, then one per VM (and other owners), then "nobody". */
static const char *const owner_fill[] = {"#ffffff", "#aec7e8", "#ffbb78", "#98df8a", "#c5b0d5",
					 "#c49c94", "#f7b6d2", "#dbdb8d", "#9edae5", "#ff9896"};
#define UNBOUND_FILL "#d9d9d9"

static const char *fill_of(const scenario_t *s, int32_t fn)
{
	if (!s || !s->fn_owner)
		return owner_fill[0];
	unsigned o = s->fn_owner[fn];
	if (o == OWNER_UNBOUND)
		return UNBOUND_FILL;
	return owner_fill[o % (sizeof owner_fill / sizeof owner_fill[0])];
}

/* DOT's escaped strings: quotes and backslashes. */
static void q(FILE *out, const char *s)
{
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', out);
		fputc(*s, out);
	}
}

/* The ACS line of a port's label: the controls enabled; the redirect ones missing. */
static void acs_label(FILE *out, const pcie_func_t *fn, bool *weak)
{
	static const struct {
		uint16_t bit;
		const char *name;
	} bits[] = {{PCI_ACS_SV, "SV"}, {PCI_ACS_TB, "TB"}, {PCI_ACS_RR, "RR"}, {PCI_ACS_CR, "CR"},
		    {PCI_ACS_UF, "UF"}, {PCI_ACS_EC, "EC"}, {PCI_ACS_DT, "DT"}};
	*weak = false;
	if (fn->acs_equivalent) {
		fputs("\\nACS: isolated (quirk)", out);
		return;
	}
	if (!fn->has_acs) {
		fputs("\\nno ACS", out);
		*weak = true;
		return;
	}
	fputs("\\nACS:", out);
	unsigned on = 0;
	for (size_t i = 0; i < sizeof bits / sizeof bits[0]; i++)
		if (fn->acs_ctrl & bits[i].bit) {
			fprintf(out, " %s", bits[i].name);
			on++;
		}
	if (!on)
		fputs(" none enabled", out);
	uint16_t missing = (uint16_t)(PCI_ACS_RR | PCI_ACS_CR) & (uint16_t)~fn->acs_ctrl;
	if (missing) {
		fputs(" (off:", out);
		if (missing & PCI_ACS_RR)
			fputs(" RR", out);
		if (missing & PCI_ACS_CR)
			fputs(" CR", out);
		fputc(')', out);
		*weak = true;
	}
}

static void func_node(FILE *out, const platform_t *p, const scenario_t *s, int32_t i)
{
	const pcie_func_t *fn = &p->fabric.funcs[i];
	char bdf[16];
	platform_bdf(p, i, bdf, sizeof bdf);
	fprintf(out, "    f%d [label=\"", i);
	q(out, fn->name);
	fprintf(out, "\\n%s", bdf);
	if (fn->vendor_id || fn->device_id)
		fprintf(out, " %04x:%04x", fn->vendor_id, fn->device_id);
	bool weak = false;
	bool port = fn->is_bridge && fn->is_pcie &&
		    (fn->pcie_type == PCI_EXP_TYPE_ROOT_PORT || fn->pcie_type == PCI_EXP_TYPE_DOWNSTREAM);
	if (port || fn->multifunction || fn->has_acs)
		acs_label(out, fn, &weak);
	if (!fn->is_bridge && s && s->fn_owner) {
		unsigned o = s->fn_owner[fn - p->fabric.funcs];
		fputs("\\n", out);
		q(out, o == OWNER_UNBOUND ? "VFIO, no VM" : s->owners[o]);
	}
	fprintf(out, "\", shape=box, style=\"%s\", fillcolor=\"%s\"%s];\n",
		fn->is_bridge ? "filled" : "rounded,filled", fn->is_bridge ? "#f0f0f0" : fill_of(s, i),
		weak && port ? ", color=\"#e6550d\", penwidth=2" : "");
}

/* The graph node a route hop names: a function, or its root complex. */
static void hop_node(FILE *out, const pcie_hop_t *h)
{
	if (h->node >= 0)
		fprintf(out, "f%d", h->node);
	else
		fprintf(out, "rc%u", h->rc);
}

static void violations(FILE *out, const platform_t *p, const scenario_t *s)
{
	for (uint32_t i = 0; i < s->nsteps; i++) {
		const step_t *st = &s->steps[i];
		if (!st->nviol || st->from < 0)
			continue;
		char label[64];
		snprintf(label, sizeof label, "[%u] %s", i + 1, inv_token(st->viol[0].kind));
		const pcie_route_t *r = &st->route;
		/* From the sender along the hops; then where it ended. */
		pcie_hop_t prev = {.node = st->from, .rc = r->rc};
		bool first = true;
		for (uint32_t h = 0; h < r->nhops; h++) {
			const pcie_hop_t *hp = &r->hops[h];
			if (hp->node == prev.node && (hp->node >= 0 || hp->rc == prev.rc))
				continue;
			fputs("  ", out);
			hop_node(out, &prev);
			fputs(" -> ", out);
			hop_node(out, hp);
			fprintf(out, " [color=red, penwidth=2.5, constraint=false%s%s%s];\n",
				first ? ", label=\"" : "", first ? label : "", first ? "\", fontcolor=red" : "");
			first = false;
			prev = *hp;
		}
		const char *end = NULL;
		char endbuf[32];
		if (r->outcome == PCIE_OUT_FUNCTION && r->target >= 0 && r->target != prev.node) {
			snprintf(endbuf, sizeof endbuf, "f%d", r->target);
			end = endbuf;
		} else if (r->outcome == PCIE_OUT_HOST && r->region != PCIE_NONE) {
			const pcie_region_t *reg = &p->fabric.regions[r->region];
			if (reg->kind == PCIE_REGION_MSI && st->has_msi)
				snprintf(endbuf, sizeof endbuf, "%s%d", st->msi_its ? "its" : "v2m",
					 st->msi_ctrl);
			else
				snprintf(endbuf, sizeof endbuf, "mem");
			end = endbuf;
		}
		if (end) {
			fputs("  ", out);
			hop_node(out, &prev);
			fprintf(out, " -> %s [color=red, penwidth=2.5, constraint=false%s%s%s];\n", end,
				first ? ", label=\"" : "", first ? label : "", first ? "\", fontcolor=red" : "");
		}
	}
}

void draw_dot(FILE *out, const platform_t *p, const iommu_groups_t *g, const scenario_t *s)
{
	const pcie_fabric_t *f = &p->fabric;
	fputs("digraph iofab {\n  graph [rankdir=TB, fontname=\"sans-serif\", fontsize=11, "
	      "newrank=true, label=\"",
	      out);
	q(out, s ? s->name : p->name);
	fputs(s ? " on " : "", out);
	if (s)
		q(out, p->name);
	fputs("\", labelloc=t];\n  node [fontname=\"sans-serif\", fontsize=10];\n"
	      "  edge [fontname=\"sans-serif\", fontsize=9, color=\"#555555\"];\n",
	      out);
	/* Memory, the MSI controllers, the SMMUs and the root complexes. */
	fputs("  mem [label=\"memory", out);
	for (uint32_t r = 0; r < f->nregions; r++)
		if (f->regions[r].kind == PCIE_REGION_DRAM) {
			fputs("\\n", out);
			q(out, f->regions[r].name);
			fprintf(out, " 0x%" PRIx64 " +0x%" PRIx64, f->regions[r].base, f->regions[r].size);
		}
	fputs("\", shape=cylinder, style=filled, fillcolor=\"#fff7bc\"];\n", out);
	for (unsigned i = 0; i < p->gic.nits; i++) {
		fprintf(out, "  its%u [label=\"", i);
		q(out, p->gic.its[i].name);
		fputs("\\nGICv3 ITS (identifies the writer)\", shape=component, style=filled, "
		      "fillcolor=\"#e5f5e0\"];\n",
		      out);
	}
	for (unsigned i = 0; i < p->gic.nv2m; i++) {
		fprintf(out, "  v2m%u [label=\"", i);
		q(out, p->gic.v2m[i].name);
		fprintf(out, "\\nGICv2m frame, SPIs %u-%u\\n(cannot tell the writer)\", shape=component, "
			     "style=filled, fillcolor=\"#fee0d2\"];\n",
			p->gic.v2m[i].spi_base, p->gic.v2m[i].spi_base + p->gic.v2m[i].spi_count - 1);
	}
	for (unsigned i = 0; i < p->gic.nits; i++)
		fprintf(out, "  mem -> its%u [style=dashed, arrowhead=none, label=\"doorbell\"];\n", i);
	for (unsigned i = 0; i < p->gic.nv2m; i++)
		fprintf(out, "  mem -> v2m%u [style=dashed, arrowhead=none, label=\"doorbell\"];\n", i);
	for (unsigned i = 0; i < p->nsmmus; i++) {
		fprintf(out, "  smmu%u [label=\"", i);
		q(out, p->smmus[i].name);
		fprintf(out, "\\nSMMUv3%s\", shape=box3d, style=filled, fillcolor=\"#deebf7\"];\n",
			p->smmus[i].msi_bypass ? ", MSIs bypass it" : "");
		fprintf(out, "  mem -> smmu%u [dir=back];\n", i);
	}
	for (uint32_t r = 0; r < f->nrcs; r++) {
		fprintf(out, "  rc%u [label=\"", r);
		q(out, f->rcs[r].name);
		fprintf(out, "\\nroot complex, segment %04x%s\", shape=house, style=filled, "
			     "fillcolor=\"#f0f0f0\"];\n",
			f->rcs[r].segment,
			f->rcs[r].p2p_between_root_ports ? "\\np2p between root ports" : "");
		int si = p->rc_smmu ? p->rc_smmu[r] : -1;
		if (si >= 0)
			fprintf(out, "  smmu%d -> rc%u [dir=back];\n", si, r);
		else
			fprintf(out, "  mem -> rc%u [dir=back, label=\"no IOMMU\"];\n", r);
	}
	/* Functions, in their IOMMU groups. */
	for (uint32_t grp = 0; g && grp < g->n; grp++) {
		fprintf(out, "  subgraph cluster_g%u {\n    label=\"group %u\"; style=dashed; "
			     "color=\"#3182bd\"; fontcolor=\"#3182bd\";\n",
			grp, grp);
		for (uint32_t i = 0; i < f->nfuncs; i++)
			if (g->of[i] == (int32_t)grp)
				func_node(out, p, s, (int32_t)i);
		fputs("  }\n", out);
	}
	for (uint32_t i = 0; i < f->nfuncs; i++)
		if (!g || g->of[i] < 0) {
			fputs("  ", out);
			func_node(out, p, s, (int32_t)i);
		}
	/* The tree: each function under its bridge, or its root complex. */
	for (uint32_t i = 0; i < f->nfuncs; i++) {
		const pcie_func_t *fn = &f->funcs[i];
		if (fn->parent >= 0)
			fprintf(out, "  f%d -> f%u [dir=back];\n", fn->parent, i);
		else
			fprintf(out, "  rc%u -> f%u [dir=back];\n", fn->rc, i);
	}
	if (s) {
		/* Owners' legend. */
		fputs("  subgraph cluster_legend {\n    label=\"owners\"; style=solid; color=\"#999999\";\n",
		      out);
		for (unsigned o = 0; o < s->nowners; o++) {
			fprintf(out, "    owner%u [label=\"", o);
			q(out, s->owners[o]);
			fprintf(out, "\", shape=box, style=\"rounded,filled\", fillcolor=\"%s\"];\n",
				owner_fill[o % (sizeof owner_fill / sizeof owner_fill[0])]);
		}
		for (unsigned o = 1; o < s->nowners; o++) /* left to right, in order */
			fprintf(out, "    owner%u -> owner%u [style=invis];\n", o - 1, o);
		fputs("    rank=same;\n  }\n", out);
		violations(out, p, s);
	}
	fputs("}\n", out);
}

char *draw_svg(const char *dot_text, size_t len, const char **why)
{
	int in[2], outp[2];
	*why = NULL;
	if (pipe(in))
		return *why = "cannot run Graphviz (pipe)", NULL;
	if (pipe(outp)) {
		close(in[0]);
		close(in[1]);
		return *why = "cannot run Graphviz (pipe)", NULL;
	}
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		close(in[0]);
		close(in[1]);
		close(outp[0]);
		close(outp[1]);
		return *why = "cannot run Graphviz (fork)", NULL;
	}
	if (pid == 0) {
		dup2(in[0], 0);
		dup2(outp[1], 1);
		close(in[0]);
		close(in[1]);
		close(outp[0]);
		close(outp[1]);
		execlp("dot", "dot", "-Tsvg", (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	close(outp[1]);
	/* A dot that failed to start closes its end: writing then must fail, not kill us. */
	struct sigaction ign = {0}, old_pipe;
	ign.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &ign, &old_pipe);
	/* Feed the text while reading the picture (either pipe may fill). */
	char *buf = NULL;
	size_t n = 0, cap = 0, sent = 0;
	bool ok = true;
	struct pollfd pf[2] = {{outp[0], POLLIN, 0}, {in[1], POLLOUT, 0}};
	while (ok) {
		nfds_t nf = sent < len ? 2 : 1;
		if (sent >= len && in[1] >= 0) {
			close(in[1]);
			in[1] = -1;
		}
		if (poll(pf, nf, -1) < 0) {
			if (errno == EINTR)
				continue;
			ok = false;
			break;
		}
		if (nf == 2 && (pf[1].revents & (POLLOUT | POLLERR | POLLHUP))) {
			ssize_t w = write(in[1], dot_text + sent, len - sent);
			if (w <= 0)
				ok = false;
			else
				sent += (size_t)w;
		}
		if (pf[0].revents & (POLLIN | POLLHUP)) {
			if (n + 4096 + 1 > cap) {
				cap = cap ? 2 * cap : 65536;
				char *g = realloc(buf, cap);
				if (!g) {
					ok = false;
					break;
				}
				buf = g;
			}
			ssize_t r = read(outp[0], buf + n, 4096);
			if (r < 0)
				ok = false;
			else if (r == 0)
				break;
			else
				n += (size_t)r;
		}
	}
	if (in[1] >= 0)
		close(in[1]);
	close(outp[0]);
	sigaction(SIGPIPE, &old_pipe, NULL);
	int status = 0;
	waitpid(pid, &status, 0);
	if (!ok || !WIFEXITED(status) || WEXITSTATUS(status) != 0 || !n) {
		free(buf);
		*why = WIFEXITED(status) && WEXITSTATUS(status) == 127
			       ? "Graphviz's dot was not found (install graphviz: scripts/bootstrap.sh "
				 "does)"
			       : "Graphviz's dot failed on the graph";
		return NULL;
	}
	buf[n] = '\0';
	return buf;
}
