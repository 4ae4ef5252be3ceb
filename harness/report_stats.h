/* SPDX-License-Identifier: MIT */
/* report_stats.h — the statistics part of run reports (text and JSON): per SMMU, ITS and
 * device. */
#ifndef IOFAB_REPORT_STATS_H
#define IOFAB_REPORT_STATS_H

#include <stdio.h>

#include "jsonw.h"
#include "scenario.h"

void report_stats_text(FILE *out, const scenario_t *s);
void report_stats_json(jw_t *j, const scenario_t *s);

#endif /* IOFAB_REPORT_STATS_H */
