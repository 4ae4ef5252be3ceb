/* SPDX-License-Identifier: MIT */
/* testrun.h — `iofab test`: run every scenario under some paths against its expectations. */
#ifndef IOFAB_TESTRUN_H
#define IOFAB_TESTRUN_H

#include <stdio.h>

/* Runs the scenarios (*.yaml, directories searched recursively) `jobs` at a time, printing
 * one line each to `out` in path order and a summary; writes JUnit XML to `junit` if given.
 * Returns 0 if every scenario met its expectations, 1 if one did not, 2 if one could not be
 * loaded (bad input) or the paths are wrong. */
int testrun(char **paths, int npaths, unsigned jobs, const char *junit, FILE *out);

#endif /* IOFAB_TESTRUN_H */
