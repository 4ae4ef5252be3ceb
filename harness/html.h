/* SPDX-License-Identifier: MIT */
/*
 * html.h — `iofab run --html DIR`: one self-contained page (DIR/index.html, no external files)
 * for a scenario that ran: the summary, the violations with their explanations, the topology
 * with the violations drawn on it (Graphviz), a latency histogram per stream (SVG), the steps
 * and the interrupt vectors as tables, and the full text report.
 */
#ifndef IOFAB_HTML_H
#define IOFAB_HTML_H

#include "scenario.h"

/* Writes DIR/index.html (creating DIR). NULL, or what went wrong. */
const char *html_report(const char *dir, const scenario_t *s);

#endif /* IOFAB_HTML_H */
