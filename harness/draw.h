/* SPDX-License-Identifier: MIT */
/*
 * draw.h — `iofab draw`: the topology as a Graphviz graph, and as SVG through Graphviz's
 * `dot`. Root complexes, their SMMUs and the MSI controllers; ports with the ACS controls
 * they enable (and the request-redirect ones they do not); functions coloured by owner;
 * IOMMU groups as clusters. For a scenario that ran, each isolation violation is drawn as a
 * red path along the hops its TLP took.
 */
#ifndef IOFAB_DRAW_H
#define IOFAB_DRAW_H

#include <stdio.h>

#include "groups.h"
#include "platform.h"
#include "scenario.h"

/* The DOT text. s: a scenario that ran on p (owners, violations), or NULL. */
void draw_dot(FILE *out, const platform_t *p, const iommu_groups_t *g, const scenario_t *s);

/* Lays the DOT text out with `dot -Tsvg` and returns the SVG (malloc'ed, NUL-terminated), or
 * NULL with *why set (Graphviz missing, or it failed). */
char *draw_svg(const char *dot_text, size_t len, const char **why);

#endif /* IOFAB_DRAW_H */
