/* SPDX-License-Identifier: MIT */
/* report_irq.h — the interrupt parts of run reports (report_irq.c), used by report.c. */
#ifndef IOFAB_REPORT_IRQ_H
#define IOFAB_REPORT_IRQ_H

#include <stdio.h>

#include "jsonw.h"
#include "scenario.h"

/* Text: the vectors and the ITS commands their set-up queued (after the header). */
void report_irq_setup_text(FILE *out, const scenario_t *s);
/* Text: a step's MSI and the interrupt it became (after its path). */
void report_irq_step_text(FILE *out, const scenario_t *s, const step_t *st);
/* Text: what an interrupt action step did (its_command, its_retry, mask, unmask). */
void report_irq_action_text(FILE *out, const scenario_t *s, const step_t *st);
/* Text: every interrupt a PE took (before the summary). */
void report_irq_tail_text(FILE *out, const scenario_t *s);
/* JSON: a step's "interrupt" or "its_command" member; the run's "interrupts" member. */
void report_irq_step_json(jw_t *j, const scenario_t *s, const step_t *st);
void report_irq_json(jw_t *j, const scenario_t *s);

#endif /* IOFAB_REPORT_IRQ_H */
